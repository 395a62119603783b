/*
 * ledger.h - the run ledger: one row per run, per attempt and per task
 * of an attempt, data check results, scheduler state (pause, last scheduled instant) and the
 * processes that execute runs. Survives restarts.
 *
 * Backends (ledger_int.h): "sqlite" (<data_dir>/ledger.db, the default)
 * and, where built, "postgres" (shared by several daemons), chosen by the
 * config key "ledger". Every function below dispatches to the backend.
 *
 * Claim protocol (the same in every backend): a run is executed only by
 * the process that claimed it. A claim is one conditional change of a
 * queued or up-for-retry run to running, recording the claimant (an owner,
 * struct sk_ledger_owner) and a lease (lease_until_ms, wall-clock UTC ms).
 * The owner renews its leases by heartbeats; a run whose lease expired is
 * cut off (its owner died or hung) and sk_ledger_recover puts it up for
 * retry, where another process may claim it. A live lease is never taken.
 * sk_ledger_run_end succeeds only for the owner of the current attempt,
 * so a run taken over after its lease expired is not overwritten by the
 * old owner. Leases use the real clock (sk_now_ms), which is the same in
 * every process; schedule times use the scheduler's clock (sk_clock_now_ms).
 *
 * Part of the sched module, beside sched.h (cron) and runner.h (what
 * executes the runs).
 */
#ifndef SK_LEDGER_H
#define SK_LEDGER_H

#include "core/core.h"

struct sk_config;

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
/* A run's log excerpt: its last lines, each whole up to 1 KiB. */
#define SK_RUN_LOG 4096
#define SK_LEDGER_OWNER_LEN 128

/* Who executes runs: one per process (a daemon, a backfill, a `skred
 * run`). id is unique per process: "<host>:<pid>:<started_ms>". */
struct sk_ledger_owner {
	char id[SK_LEDGER_OWNER_LEN];
	char host[64];
	int64_t pid;
	int64_t started_ms; /* wall-clock UTC ms */
	char role[16];      /* "serve", "backfill", "run" */
	char version[32];
};

/* Fill o for the calling process (gethostname, getpid, now) with role. */
void sk_ledger_owner_init(struct sk_ledger_owner *o, const char *role);

struct sk_run {
	int64_t id;
	char job[64]; /* "daily", "backfill", "manual", ... */
	char logical_time[SK_TIME_UTC_LEN]; /* schedule instant (UTC) */
	char window_from[11], window_to[11];
	char regions[256]; /* as for --regions */
	char langs[8];     /* nb, en or both */
	bool simple;
	enum sk_run_state state;
	int attempts, max_attempts;
	int64_t next_try_ms, created_ms, start_ms, end_ms; /* UTC ms; 0 unset */
	char error[SK_RUN_TEXT];
	int64_t fetched, stored, dead;
	char log_excerpt[SK_RUN_LOG];
	char owner[SK_LEDGER_OWNER_LEN]; /* owner id of the last claim */
	int64_t lease_until_ms;          /* wall-clock UTC ms; 0 none */
	/* Where the run came from: "schedule" (serve's schedules and
	 * catch-up), "cli" (`skred run`, `skred backfill`), "ui" (the web
	 * UI), "api" (another client of the REST API); set by whoever adds
	 * it, kept by sk_ledger_run_add when the run existed. Runs of a
	 * ledger before v5 read as what their job says. */
	char origin[16];
};

struct sk_ledger;

/* What a ledger is opened with, given by the layer that opens it (sched's
 * sk_sched_ledger_open): this module's own configuration and core's
 * data_dir (the SQLite ledger). */
struct sk_ledger_conf;
struct sk_ledger_opts {
	const struct sk_ledger_conf *conf; /* required */
	const char *data_dir;
};

/* Open the backend named by config key "ledger" ("sqlite": <data_dir>/
 * ledger.db, the directory created; "postgres": ledger.postgres_url;
 * migrations applied). An unknown or not built backend is SK_ERR_CONFIG naming the known ones. *out is owned
 * by the caller (sk_ledger_close). A handle is used by one thread at a
 * time; open one per thread. */
sk_err_t sk_ledger_open(struct sk_ledger **out, const struct sk_ledger_opts *o,
			struct sk_error *err);
void sk_ledger_close(struct sk_ledger *l);
/* The backend's name ("sqlite"). */
const char *sk_ledger_backend(const struct sk_ledger *l);

/* Add r as queued unless a run with the same job, logical time, window,
 * regions, languages and endpoint exists; either way r is filled from the
 * stored row and *created says which happened. r->origin is stored with a
 * new run ("" reads as "api"). */
sk_err_t sk_ledger_run_add(struct sk_ledger *l, struct sk_run *r, bool *created,
			   struct sk_error *err);
sk_err_t sk_ledger_run_get(struct sk_ledger *l, int64_t id, struct sk_run *r,
			   struct sk_error *err);
/* Runs newest first; state < 0 and job NULL mean any. fn returns non-zero
 * to stop. */
sk_err_t sk_ledger_run_list(struct sk_ledger *l, int state, const char *job,
			    size_t limit,
			    int (*fn)(const struct sk_run *r, void *ud),
			    void *ud, struct sk_error *err);
/* A look only (no claim): the oldest queued or up-for-retry run due at
 * now_ms (scheduler clock). Another process may claim it first. */
sk_err_t sk_ledger_run_next_due(struct sk_ledger *l, int64_t now_ms,
				struct sk_run *r, bool *found,
				struct sk_error *err);
/* Claim the oldest run that is queued or up for retry and due at now_ms
 * (next_try_ms <= now_ms, scheduler clock; oldest by logical time, then
 * id), atomically: of several processes calling at once each run goes to
 * exactly one. The claimed run is running, owned by o with lease until
 * lease_until_ms (wall clock), attempts + 1, start_ms = now_ms, counts
 * (fetched, stored, dead) 0, and its attempt row is open (owner o). *claimed false (r untouched) when none
 * is due. */
sk_err_t sk_ledger_run_claim_next(struct sk_ledger *l,
				  const struct sk_ledger_owner *o,
				  int64_t now_ms, int64_t lease_until_ms,
				  struct sk_run *r, bool *claimed,
				  struct sk_error *err);
/* Claim run id the same way, whether due or not, if it is queued or up
 * for retry; *claimed false when it is not (another process holds or
 * finished it), r then filled with its current row. SK_ERR_NOTFOUND for
 * no such run. */
sk_err_t sk_ledger_run_claim(struct sk_ledger *l, int64_t id,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, struct sk_run *r,
			     bool *claimed, struct sk_error *err);
/* Close the current attempt with r's state, error, counts and excerpt;
 * r->state is the run's new state (success, failed, up_for_retry with
 * next_try_ms, or queued when interrupted). r->fetched is set; r->stored
 * and r->dead are ADDED to what the attempt has been credited already
 * (sk_ledger_run_credit: records of this attempt processed by another
 * run's or process's consumer), so pass what this caller itself stored
 * for the attempt. Only for the claimant: the
 * run must still be running with r->attempts and r->owner (as the claim
 * filled them); otherwise nothing is written and the result is
 * SK_ERR_CONFLICT naming the run's current state and owner (the lease
 * expired and the run was recovered or taken over). */
sk_err_t sk_ledger_run_end(struct sk_ledger *l, const struct sk_run *r,
			   int64_t now_ms, struct sk_error *err);
/* One consumed message of a ledger run (its "run" header): stored, or
 * dead-lettered when dead. (partition, offset) name the message on the
 * bus, so crediting it again is not counting it again. */
struct sk_ledger_credit {
	int64_t run_id;
	int attempt;
	int partition;
	int64_t offset;
	bool dead;
};
/* How long a credited message is remembered: a batch consumed again
 * after longer (its consumer died between crediting and committing, and
 * nothing took its partitions over for a week) is counted again. */
#define SK_LEDGER_CREDIT_KEEP_MS (7 * 86400000LL)
/* Credit n messages to the attempts they belong to: added to each
 * attempt's counts, and to its run's when that attempt is the run's
 * current one. Idempotent per message: a consumer credits a batch
 * before it commits the batch's offsets, so one that dies in between
 * leaves the batch to be consumed and credited again by its successor,
 * and that second credit counts nothing (at-least-once delivery,
 * exactly-once counts). A run or attempt that does not exist is not an
 * error (nothing to credit). Credits older than SK_LEDGER_CREDIT_KEEP_MS
 * are forgotten at now_ms. */
sk_err_t sk_ledger_run_credit(struct sk_ledger *l,
			      const struct sk_ledger_credit *c, size_t n,
			      int64_t now_ms, struct sk_error *err);
/* A queued or up-for-retry run that will not be executed (created while
 * paused): skipped with reason as its error. *done false if the run was
 * not in such a state. */
sk_err_t sk_ledger_run_skip(struct sk_ledger *l, int64_t id, const char *reason,
			    int64_t now_ms, bool *done, struct sk_error *err);
/* Put a finished run back in the queue (attempts start again).
 * SK_ERR_INVAL for a running run. */
sk_err_t sk_ledger_run_clear(struct sk_ledger *l, int64_t id,
			     struct sk_error *err);
/* Every running run whose lease ended before now_ms (wall clock) was cut
 * off (crash, kill -9, a hung or partitioned owner): its attempt is
 * closed as interrupted and the run is up for retry at once. Runs with a
 * live lease are left alone. *n = how many. Safe to call at any time from
 * any process. */
sk_err_t sk_ledger_recover(struct sk_ledger *l, int64_t now_ms, int *n,
			   struct sk_error *err);

/* Heartbeat of owner o at now_ms (wall clock): the leases of every run o
 * holds (running, owner o) are extended to lease_until_ms, and o's row in
 * the table of processes is created or refreshed (last beat now_ms, lease
 * lease_until_ms - now_ms). *renewed = runs renewed (may be NULL). */
sk_err_t sk_ledger_heartbeat(struct sk_ledger *l,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, int *renewed,
			     struct sk_error *err);
/* o stops (clean exit): its row in the table of processes is removed. */
sk_err_t sk_ledger_owner_gone(struct sk_ledger *l,
			      const struct sk_ledger_owner *o,
			      struct sk_error *err);

/* The processes that beat (daemons, backfills), by started_ms. alive:
 * last_beat_ms + lease_ms >= now_ms (wall clock). */
struct sk_ledger_daemon {
	char owner[SK_LEDGER_OWNER_LEN];
	char host[64];
	int64_t pid;
	int64_t started_ms, last_beat_ms, lease_ms;
	char role[16];
	char version[32];
	bool alive;
};
sk_err_t sk_ledger_daemons(struct sk_ledger *l, int64_t now_ms,
			   int (*fn)(const struct sk_ledger_daemon *d,
				     void *ud),
			   void *ud, struct sk_error *err);

/* Attempts of a run, oldest first. */
struct sk_attempt {
	int attempt;
	char state[16];
	int64_t start_ms, end_ms;
	char error[SK_RUN_TEXT];
	int64_t fetched, stored, dead;
	char owner[SK_LEDGER_OWNER_LEN]; /* who executed it ("" before v3) */
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
 * state success, failed, interrupted, upstream_failed (an earlier task
 * failed: processing stored only what the fetch delivered, the checks did
 * not run) or skipped (not run: the run was stopped); count is warnings
 * fetched, records stored, checks passed. */
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
			 int (*fn)(const struct sk_task *t, void *ud), void *ud,
			 struct sk_error *err);

/* The fetch chunks of an attempt (one region, language and date range
 * each, as fetched), for a run's Gantt: state success or failed, start and
 * end on the scheduler clock (as tasks), count warnings appended, error
 * why it failed. seq orders them within the attempt (by end). */
struct sk_chunk {
	int attempt, seq;
	int region, lang;
	char from[11], to[11];
	char state[16];
	int64_t start_ms, end_ms, count;
	char error[SK_RUN_TEXT];
};
/* At most this many chunks of an attempt are recorded (the rest counted
 * in the fetch task only). */
#define SK_LEDGER_MAX_CHUNKS 4096
/* Record n chunks of run run_id (a chunk recorded again replaces it). */
sk_err_t sk_ledger_chunks_put(struct sk_ledger *l, int64_t run_id,
			      const struct sk_chunk *c, size_t n,
			      struct sk_error *err);
/* The chunks of a run, by attempt and seq. */
sk_err_t sk_ledger_chunks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const struct sk_chunk *c, void *ud),
			  void *ud, struct sk_error *err);

/* Small key/value state ("paused", "last_fire.<job>"). value NULL deletes. */
sk_err_t sk_ledger_meta_get(struct sk_ledger *l, const char *key, char *buf,
			    size_t size, bool *found, struct sk_error *err);
sk_err_t sk_ledger_meta_set(struct sk_ledger *l, const char *key,
			    const char *value, struct sk_error *err);

/* The keys of sk_ledger_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_ledger_conf {
	const char *backend;      /* ledger: a built backend's name */
	const char *postgres_url; /* ledger.postgres_url */
	int64_t postgres_connect_timeout_ms; /* ledger.postgres_connect_timeout_ms */
	int64_t postgres_statement_timeout_ms; /* ledger.postgres_statement_timeout_ms */
};
extern const struct sk_cfg_def sk_ledger_cfg[];
/* SK_OK when "ledger" names a backend this build has (postgres needs
 * libpq, so the set is the registry's, not a fixed enum) with what it
 * requires (postgres: ledger.postgres_url); SK_ERR_CONFIG naming the known
 * ones or the missing key otherwise. Run at load (cmd/) and by open. */
sk_err_t sk_ledger_check_config(const struct sk_ledger_conf *c,
				struct sk_error *err);
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_ledger_conf *sk_ledger_conf(const struct sk_config *cfg);

#endif
