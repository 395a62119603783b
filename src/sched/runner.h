/*
 * runner.h - executing runs of the ledger: claims and heartbeats of this
 * process, one attempt of a run (fetch + process + data checks, with the
 * outcome recorded) and the crediting of records to their runs
 * (runner.c), the daemon loop of `skred serve` with its schedules
 * (serve.c), and backfills (backfill.c). Part of the sched module, beside
 * sched.h (cron) and ledger.h (the ledger).
 */
#ifndef SK_RUNNER_H
#define SK_RUNNER_H

#include "core/core.h"
#include "job/job.h"
#include "sched/ledger.h"

#include <pthread.h>

struct sk_config;

/* At most `free` fetches at once among the runs executed with one gate
 * (a backfill's threads): a slot is taken before a run's fetch starts and
 * given back by the fetch thread the moment the fetch ends, so the next
 * run's fetch proceeds while this one's processing finishes. */
struct sk_sched_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int free; /* slots left, under mu */
};
void sk_sched_gate_init(struct sk_sched_gate *g, int slots);
void sk_sched_gate_destroy(struct sk_sched_gate *g);

/* Run one attempt of r (claimed by this process, sk_sched_claim): fetch
 * its window on a thread of its own while this thread processes what
 * arrives (one run of the process at a time processes; the process stops
 * once the fetch has ended and it caught up), run the data checks, and
 * record the tasks and the outcome: success; up for retry (retriable
 * error, attempts left, after capped backoff with jitter); failed (fatal
 * error or no attempts left); or queued again when stopped by a signal.
 * gate (borrowed, may be NULL: no limit) bounds the fetches at once.
 * Returns SK_OK when the outcome was recorded, whatever it was (r->state
 * says it). */
sk_err_t sk_sched_execute(const struct sk_config *cfg, struct sk_ledger *l,
			  struct sk_run *r, struct sk_sched_gate *gate,
			  struct sk_error *err);

/* sk_sched_execute, also handing the caller what it prints itself
 * (`skred run`): the fetch's and the processing's stats, and the
 * attempt's error with its code (rc SK_OK: none; the outcome's log line is
 * then info, not warn, so the error is said once). rep may be NULL. */
struct sk_sched_report {
	struct sk_job_fetch_stats fs;
	struct sk_job_process_stats ps;
	bool processed; /* processing ran: ps is worth printing */
	sk_err_t rc;
	struct sk_error why;
};
sk_err_t sk_sched_execute_report(const struct sk_config *cfg,
				 struct sk_ledger *l, struct sk_run *r,
				 struct sk_sched_gate *gate,
				 struct sk_sched_report *rep,
				 struct sk_error *err);

/* The ledger of a configuration (sk_ledger_open: key "ledger"). */
sk_err_t sk_sched_ledger_open(const struct sk_config *cfg,
			      struct sk_ledger **out, struct sk_error *err);

/* The same; with wait, an outage of the ledger (a retriable failure to
 * open it) is waited out like the bus's and the warehouse's
 * (sk_job_outage_wait: health, backoff, outage.max_wait_ms). */
sk_err_t sk_sched_ledger_open_wait(const struct sk_config *cfg, bool wait,
				   struct sk_ledger **out,
				   struct sk_error *err);

/* This process as a ledger owner; the first call names its role
 * ("serve", "backfill", "run"), later ones may pass NULL. Borrowed,
 * valid for the process's life. */
const struct sk_ledger_owner *sk_sched_owner(const char *role);

/* Claim run id (id > 0) or the oldest due run (id 0) for this process
 * with a lease of sched.lease_ms (see sk_ledger_run_claim). */
sk_err_t sk_sched_claim(const struct sk_config *cfg, struct sk_ledger *l,
			int64_t id, struct sk_run *r, bool *claimed,
			struct sk_error *err);

/* Heartbeats of this process (sk_sched_owner) in a thread of their own,
 * every third of sched.lease_ms, on a ledger handle of their own: they
 * renew the leases of every run this process holds however long a task
 * takes, and register the process in the ledger's table of daemons. The
 * first beat happens before start returns. stop ends the thread, removes
 * the process from the table and frees b (NULL is fine). */
struct sk_sched_beat;
sk_err_t sk_sched_beat_start(const struct sk_config *cfg,
			     struct sk_sched_beat **out, struct sk_error *err);
void sk_sched_beat_stop(struct sk_sched_beat *b);

/* Records processed per run: a consumer notes each message by its "run"
 * header ("<id>.<attempt>", sk_job_fetch_run) and credits it to its run,
 * so each run's counts are its own whoever stored them. Use
 * sk_sched_tally_outcome as sk_job_process_opts.outcome with the tally as
 * ud. l (borrowed) receives a batch's credits when the batch is stored,
 * before its offsets are committed: crediting is idempotent per message,
 * so a consumer that dies in between costs its successor a second credit
 * that counts nothing, where crediting after the commit would lose the
 * counts. A credit the ledger does not take fails the batch (the outcome
 * returns the error), so its offsets are not committed: the credits stay
 * in the tally for the batch's retry, or the batch is consumed again.
 * The run (own_id, own_attempt) is not credited but summed into own_*
 * (its runner records it with sk_ledger_run_end; if it dies, the attempt
 * ends interrupted). sk_sched_tally_free frees the table. */
struct sk_sched_tally {
	struct sk_ledger *l;
	int64_t own_id;
	int own_attempt;
	int64_t own_stored, own_dead;
	struct sk_ledger_credit *c; /* others' messages, not yet credited */
	size_t n, cap;
};
sk_err_t sk_sched_tally_outcome(void *ud, const struct sk_bus_msg *msg,
				enum sk_job_outcome oc, struct sk_error *err);
void sk_sched_tally_free(struct sk_sched_tally *t);

/* Fill a run's window for a schedule instant: the Europe/Oslo date of the
 * instant, run.days_back before to run.days_ahead after. */
void sk_sched_window(const struct sk_config *cfg, int64_t fire_utc_ms,
		     struct sk_run *r);

/* The daemon: schedules, catch-up, retries, until SIGTERM/SIGINT.
 * reload(ud, &cfg) is called on SIGHUP and may replace *cfg (it keeps the
 * old one, and says why, when the new one is invalid). */
typedef sk_err_t (*sk_sched_reload_fn)(void *ud, struct sk_config **cfg,
				       struct sk_error *err);
sk_err_t sk_sched_serve(struct sk_config **cfg, sk_sched_reload_fn reload,
			void *ud, struct sk_error *err);

/* The schedules of cfg (sched.schedules in sched.timezone), each with its
 * next fire time after now_ms (UTC ms; -1: never). fn returns non-zero to
 * stop. SK_ERR_CONFIG for a bad schedule or time zone. */
typedef int (*sk_sched_schedule_fn)(const char *job, const char *cron,
				    int64_t next_ms, void *ud);
sk_err_t sk_sched_schedules(const struct sk_config *cfg, int64_t now_ms,
			    sk_sched_schedule_fn fn, void *ud,
			    struct sk_error *err);

enum sk_backfill_mode {
	SK_BACKFILL_MISSING,
	SK_BACKFILL_FAILED,
	SK_BACKFILL_ALL
};

struct sk_backfill_opts {
	struct sk_date from, to;
	const char *regions; /* --regions text */
	const char *langs;   /* nb, en, both */
	bool simple;
	enum sk_backfill_mode mode;
	bool dry_run;
	int concurrency;    /* runs fetched at once; one more is processed
			  * meanwhile */
	const char *origin; /* of the runs added (NULL: "cli") */
};

/* The runs of a backfill: [from, to] split into runs of
 * sched.backfill_days, each handed to fn (r as the ledger has it, want:
 * the mode selects it; fn returns non-zero to stop). Unless o->dry_run
 * each is added to the ledger (queued, due at once, origin o->origin) and
 * a wanted finished one is cleared (queued again); a dry run changes
 * nothing and shows what the ledger has (a run it lacks as queued). The
 * runs are then due: a daemon's schedule loop executes them, or
 * sk_sched_backfill's workers. */
typedef int (*sk_backfill_plan_fn)(const struct sk_run *r, bool want, void *ud);
sk_err_t sk_sched_backfill_plan(const struct sk_config *cfg,
				struct sk_ledger *l,
				const struct sk_backfill_opts *o,
				sk_backfill_plan_fn fn, void *ud,
				struct sk_error *err);

/* Split [from, to] into runs of sched.backfill_days, record them in the
 * ledger, and execute those the mode selects, with retries: concurrency
 * runs fetching at once while the run before them is processed (a
 * pipeline: run N+1 is fetched while run N is processed; no run is
 * fetched further ahead); a progress bar on a terminal, plain lines otherwise; a summary
 * at the end. Resumable: a second call with mode missing does what is left.
 * SK_ERR_STORE/HTTP... when some runs failed for good (named). */
sk_err_t sk_sched_backfill(const struct sk_config *cfg,
			   const struct sk_backfill_opts *o,
			   struct sk_error *err);

/* The keys of sk_sched_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_sched_conf {
	const char *schedules; /* sched.schedules */
	const char *timezone;  /* sched.timezone */
	bool catchup;          /* sched.catchup */
	int64_t catchup_max;   /* sched.catchup_max */
	int64_t max_attempts;  /* sched.max_attempts */
	int64_t retry_base_ms; /* sched.retry_base_ms */
	int64_t retry_cap_ms;  /* sched.retry_cap_ms */
	bool checks_fail_run;  /* sched.checks_fail_run */
	int64_t publish_hour;  /* sched.publish_hour */
	int64_t backfill_days; /* sched.backfill_days */
	int64_t lease_ms;      /* sched.lease_ms */
};
extern const struct sk_cfg_def sk_sched_cfg[];
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_sched_conf *sk_sched_conf(const struct sk_config *cfg);

#endif
