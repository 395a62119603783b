/*
 * job.h - what a run does: one window of the varsom source through every
 * stage (fetch -> bus -> proc -> store). The only module that sees all four.
 */
#ifndef SK_JOB_H
#define SK_JOB_H

#include "bus/bus.h"
#include "core/core.h"
#include "source/source.h"
#include "store/store.h"

struct sk_config;

struct sk_job_fetch_stats {
	struct sk_fetch_stats fetch;
	int64_t produced; /* messages appended to the raw topic */
	int64_t elapsed_ms;
};

/* Fetch req and append every warning to the raw topic (key
 * "<region>:<lang>:<date>", value the warning's JSON, headers fetched_at,
 * url, endpoint). Chunks are produced as they arrive; on a failed chunk the
 * others still go on and the call returns SK_ERR_HTTP naming the failures. */
sk_err_t sk_job_fetch(const struct sk_config *cfg, struct sk_bus *bus,
		      const struct sk_fetch_req *req,
		      struct sk_job_fetch_stats *out, struct sk_error *err);
/* The same, each message also carrying header "run" = run (a ledger run
 * and attempt, "<id>.<attempt>"; NULL: none), so whoever processes it can
 * credit that run (sk_job_process_opts.outcome). */
sk_err_t sk_job_fetch_run(const struct sk_config *cfg, struct sk_bus *bus,
			  const struct sk_fetch_req *req, const char *run,
			  struct sk_job_fetch_stats *out,
			  struct sk_error *err);

/* What became of one consumed message. */
enum sk_job_outcome {
	SK_JOB_INSERTED, SK_JOB_UPDATED, SK_JOB_UNCHANGED, SK_JOB_STALE,
	SK_JOB_DEAD,
	SK_JOB_BATCH_DONE, /* after a batch's messages (run NULL) */
};

struct sk_job_process_opts {
	bool follow;        /* keep polling when caught up (until a signal) */
	size_t batch_size;  /* messages per warehouse transaction */
	int64_t max_messages; /* stop after this many (0 = no limit) */
	/* Optional: called for every message of a batch once the batch is
	 * committed (store, dead letters, offsets), with the message's "run"
	 * header (NULL if it has none; borrowed for the call), then once
	 * with SK_JOB_BATCH_DONE. */
	void (*outcome)(void *ud, const char *run, enum sk_job_outcome oc);
	void *outcome_ud;
};

struct sk_job_process_stats {
	int64_t consumed;
	int64_t inserted, updated, unchanged, stale;
	int64_t dead_lettered;
	int64_t batches;
	int64_t bytes;
	int64_t elapsed_ms;
};

/* Consume the raw topic as the configured group: map and clean each
 * message, upsert good records into the store, send bad ones to the
 * dead-letter topic with the reason, then commit the bus offsets - only
 * after the store transaction holding those records has committed.
 * Returns when caught up (unless follow) or stopped by a signal. */
sk_err_t sk_job_process(const struct sk_config *cfg, struct sk_bus *bus,
			struct sk_store *st,
			const struct sk_job_process_opts *o,
			struct sk_job_process_stats *out, struct sk_error *err);

/* The window of a daily run: [today - days_back, today + days_ahead] on the
 * Europe/Oslo calendar at now_ms. */
void sk_job_window(int64_t now_ms, int days_back, int days_ahead,
		   struct sk_date *from, struct sk_date *to);

/* Totals since the process started, for /metrics (updated atomically). */
struct sk_job_totals {
	int64_t fetch_runs, fetch_warnings, fetch_requests, fetch_retries,
		fetch_failed_chunks, fetch_ms;
	int64_t process_runs, process_messages, process_stored,
		process_dead_lettered, process_ms, store_errors;
};
void sk_job_totals_get(struct sk_job_totals *out);

extern const struct sk_cfg_def sk_job_cfg[];

#endif
