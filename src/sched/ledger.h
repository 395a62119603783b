/*
 * ledger.h - the run ledger: one row per run and per task attempt, data
 * check results, and scheduler state (pause, last scheduled instant), in
 * SQLite at <data_dir>/ledger.db. Survives restarts; a run cut off by a
 * crash is found by sk_ledger_recover at start-up.
 *
 * (Part of the sched module; merged into sched.h with the schedule code.)
 */
#ifndef SK_LEDGER_H
#define SK_LEDGER_H

#include "core/core.h"

enum sk_run_state {
	SK_RUN_QUEUED = 0,
	SK_RUN_RUNNING,
	SK_RUN_SUCCESS,
	SK_RUN_FAILED,
	SK_RUN_RETRY, /* up for retry at next_try_ms */
	SK_RUN_SKIPPED,
	SK_RUN__COUNT
};

/* "queued", "running", "success", "failed", "up_for_retry", "skipped". */
const char *sk_run_state_name(enum sk_run_state s);
/* -1 if unknown. */
int sk_run_state_parse(const char *name);

#define SK_RUN_TEXT 512

struct sk_run {
	int64_t id;
	char job[64];             /* "daily", "backfill", "manual", ... */
	char logical_time[SK_TIME_UTC_LEN]; /* schedule instant (UTC) */
	char window_from[11], window_to[11];
	char regions[256];        /* as for --regions */
	char langs[8];            /* nb, en or both */
	bool simple;
	enum sk_run_state state;
	int attempts, max_attempts;
	int64_t next_try_ms, created_ms, start_ms, end_ms; /* UTC ms; 0 unset */
	char error[SK_RUN_TEXT];
	int64_t fetched, stored, dead;
	char log_excerpt[SK_RUN_TEXT];
};

struct sk_ledger;

sk_err_t sk_ledger_open(struct sk_ledger **out, const char *path,
			struct sk_error *err);
void sk_ledger_close(struct sk_ledger *l);

/* Add r as queued unless a run with the same job, logical time, window,
 * regions, languages and endpoint exists; either way r is filled from the
 * stored row and *created says which happened. */
sk_err_t sk_ledger_run_add(struct sk_ledger *l, struct sk_run *r,
			   bool *created, struct sk_error *err);
sk_err_t sk_ledger_run_get(struct sk_ledger *l, int64_t id, struct sk_run *r,
			   struct sk_error *err);
/* Runs newest first; state < 0 and job NULL mean any. fn returns non-zero
 * to stop. */
sk_err_t sk_ledger_run_list(struct sk_ledger *l, int state, const char *job,
			    size_t limit,
			    int (*fn)(const struct sk_run *r, void *ud),
			    void *ud, struct sk_error *err);
/* The oldest queued or up-for-retry run due at now_ms. */
sk_err_t sk_ledger_run_next_due(struct sk_ledger *l, int64_t now_ms,
				struct sk_run *r, bool *found,
				struct sk_error *err);
/* Mark r running (attempts + 1, start_ms = now) and open its attempt row. */
sk_err_t sk_ledger_run_begin(struct sk_ledger *l, struct sk_run *r,
			     int64_t now_ms, struct sk_error *err);
/* Close the current attempt with r's state, error, counts and excerpt;
 * r->state is the run's new state (success, failed, up_for_retry with
 * next_try_ms, or queued when interrupted). */
sk_err_t sk_ledger_run_end(struct sk_ledger *l, const struct sk_run *r,
			   int64_t now_ms, struct sk_error *err);
/* Put a finished run back in the queue (attempts start again). */
sk_err_t sk_ledger_run_clear(struct sk_ledger *l, int64_t id,
			     struct sk_error *err);
/* At start-up: every run still "running" was cut off (crash, kill -9):
 * its attempt is closed as interrupted and the run is up for retry now.
 * *n = how many. */
sk_err_t sk_ledger_recover(struct sk_ledger *l, int64_t now_ms, int *n,
			   struct sk_error *err);

/* Attempts of a run, oldest first. */
struct sk_attempt {
	int attempt;
	char state[16];
	int64_t start_ms, end_ms;
	char error[SK_RUN_TEXT];
	int64_t fetched, stored, dead;
};
sk_err_t sk_ledger_attempts(struct sk_ledger *l, int64_t run_id,
			    int (*fn)(const struct sk_attempt *a, void *ud),
			    void *ud, struct sk_error *err);

/* Data check results of a run. */
sk_err_t sk_ledger_check_put(struct sk_ledger *l, int64_t run_id,
			     const char *name, bool ok, const char *detail,
			     int64_t now_ms, struct sk_error *err);
sk_err_t sk_ledger_checks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const char *name, bool ok,
				    const char *detail, void *ud),
			  void *ud, struct sk_error *err);

/* The tasks of an attempt, in order (seq): "fetch", "process", "checks";
 * state success, failed, skipped or interrupted; count is warnings fetched,
 * records stored, checks passed. */
struct sk_task {
	int attempt, seq;
	char name[16];
	char state[16];
	int64_t start_ms, end_ms, count;
	char error[SK_RUN_TEXT];
};
sk_err_t sk_ledger_task_put(struct sk_ledger *l, int64_t run_id,
			    const struct sk_task *t, struct sk_error *err);
sk_err_t sk_ledger_tasks(struct sk_ledger *l, int64_t run_id,
			 int (*fn)(const struct sk_task *t, void *ud),
			 void *ud, struct sk_error *err);

/* Small key/value state ("paused", "last_fire.<job>"). value NULL deletes. */
sk_err_t sk_ledger_meta_get(struct sk_ledger *l, const char *key, char *buf,
			    size_t size, bool *found, struct sk_error *err);
sk_err_t sk_ledger_meta_set(struct sk_ledger *l, const char *key,
			    const char *value, struct sk_error *err);

#endif
