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
	int64_t produced;      /* messages appended to the raw topic */
	int64_t dead_lettered; /* records not matching their request,
				* appended to the dead-letter topic */
	int64_t elapsed_ms;
};

/* Fetch req and append every warning to the raw topic (key
 * "<region>:<lang>:<date>", value the warning's JSON, headers fetched_at,
 * url, endpoint). Chunks are produced as they arrive; on a failed chunk the
 * others still go on and the call returns SK_ERR_HTTP naming the failures.
 * Records of an answer that do not match its request (misrouted,
 * out_of_range, duplicate_in_response) go to the dead-letter topic in the
 * same produce as the chunk's good records, and the chunk fails. */
sk_err_t sk_job_fetch(const struct sk_config *cfg, struct sk_bus *bus,
		      const struct sk_fetch_req *req,
		      struct sk_job_fetch_stats *out, struct sk_error *err);
/* The same, each message also carrying header "run" = run (a ledger run
 * and attempt, "<id>.<attempt>"; NULL: none), so whoever processes it can
 * credit that run (sk_job_process_opts.outcome). */
sk_err_t sk_job_fetch_run(const struct sk_config *cfg, struct sk_bus *bus,
			  const struct sk_fetch_req *req, const char *run,
			  struct sk_job_fetch_stats *out, struct sk_error *err);

/* A fetch on a thread of its own (sk_job_fetch_run there, on a bus handle
 * of its own), so that processing can consume its chunks while it goes on
 * (sk_job_process_opts.stream): `skred run`, and every ledger run. */
struct sk_job_fetcher;
struct sk_job_fetcher_opts {
	const char *run; /* header "run" of every message (NULL: none) */
	/* Optional: a log tap for the fetch thread (sk_log_set_tap), so its
	 * lines reach the caller's excerpt; fn must be thread-safe. */
	void (*tap)(const char *line, void *ud);
	void *tap_ud;
	/* Optional: called on the fetch thread once the fetch has ended and
	 * its bus handle is closed (after sk_job_fetch_ended turned true). */
	void (*ended)(void *ud);
	void *ended_ud;
	/* Optional: called on the fetch thread for each chunk once it is
	 * done (appended, or failed for good: c->error set), with its
	 * timing (c->started_ms, c->ended_ms) and the warnings appended and
	 * records refused (dead-lettered); c is borrowed for the call. */
	void (*chunk)(void *ud, const struct sk_fetch_chunk *c,
		      int64_t warnings, int64_t rejected);
	void *chunk_ud;
};
/* Open a bus handle (sk_job_bus_open, without bus.retention_days: the
 * consumer's handle applies it) and start fetching req onto it on a new
 * thread, which closes the handle when the fetch ends. cfg, req (and
 * its arrays) and o's strings are borrowed until the join. Errors: the
 * bus's open, or no thread (nothing was fetched). */
sk_err_t sk_job_fetch_start(const struct sk_config *cfg,
			    const struct sk_fetch_req *req,
			    const struct sk_job_fetcher_opts *o,
			    struct sk_job_fetcher **out, struct sk_error *err);
/* True once the fetch has ended (or f is NULL); every message it appended
 * is then visible to a poll started after this returned true. */
bool sk_job_fetch_ended(const struct sk_job_fetcher *f);
/* Wait for the fetch thread and free f: returns what sk_job_fetch_run
 * returned, with its stats in *out and the scheduler clock's time
 * (sk_clock_now_ms) at which it ended in *ended_ms (both may be NULL);
 * err is filled when the fetch failed. */
sk_err_t sk_job_fetch_join(struct sk_job_fetcher *f,
			   struct sk_job_fetch_stats *out, int64_t *ended_ms,
			   struct sk_error *err);

/* What became of one consumed message. */
enum sk_job_outcome {
	SK_JOB_INSERTED,
	SK_JOB_UPDATED,
	SK_JOB_UNCHANGED,
	SK_JOB_STALE,
	SK_JOB_DEAD,
	SK_JOB_BATCH_DONE, /* after a batch's messages (msg NULL) */
};

struct sk_job_process_opts {
	bool follow;          /* keep polling when caught up (until a signal) */
	size_t batch_size;    /* messages per warehouse transaction */
	int64_t max_messages; /* stop after this many (0 = no limit) */
	/* Optional: called for every message of a batch (borrowed for the
	 * call) once the batch is stored and its dead letters and clean
	 * records written, then once with SK_JOB_BATCH_DONE (msg NULL); the
	 * batch's offsets are committed after that, and only if that last
	 * call returned SK_OK: its failure is the batch's (a retriable one,
	 * with wait_outages, is waited out as the ledger's outage and only
	 * the SK_JOB_BATCH_DONE call is repeated). A batch consumed again
	 * (its consumer died before the commit) is reported again, and is
	 * told apart by its messages' partitions and offsets. */
	sk_err_t (*outcome)(void *ud, const struct sk_bus_msg *msg,
			    enum sk_job_outcome oc, struct sk_error *err);
	void *outcome_ud;
	bool wait_outages; /* wait out a bus or store outage (outage.*)
			     * instead of failing with its error */
	/* Optional (borrowed): a fetch in progress on another bus handle.
	 * Until it has ended, being caught up is not the end: polls wait up
	 * to SK_JOB_STREAM_POLL_MS for its next chunk; once it has ended,
	 * the call returns when caught up as without it. */
	const struct sk_job_fetcher *stream;
};
#define SK_JOB_STREAM_POLL_MS 50

/* The source's drift, counted per (field, kind): records whose raw
 * value had it (sk_model_warning_drift). */
#define SK_JOB_DRIFT_MAX 32
struct sk_job_drift {
	char field[SK_DRIFT_PATH]; /* API path; "(other)" past the table */
	enum sk_model_drift_kind kind;
	int64_t count;
};

struct sk_job_process_stats {
	int64_t consumed;
	int64_t inserted, updated, unchanged, stale;
	int64_t dead_lettered;
	int64_t batches;
	int64_t bytes;
	int64_t elapsed_ms;
	int64_t drifted; /* records with any drift */
	int64_t held;    /* of the dead letters: held for drift
			  * (process.on_drift=hold), the stored row kept */
	size_t n_drift;
	struct sk_job_drift drift[SK_JOB_DRIFT_MAX];
};

/* The drift counted by this process since it started (for /metrics):
 * up to max entries into out, their number returned. Thread-safe. */
size_t sk_job_drift_totals(struct sk_job_drift *out, size_t max);

/* Consume the raw topic as the configured group: map and clean each
 * message, upsert good records into the store, send bad ones to the
 * dead-letter topic with the reason, then commit the bus offsets - only
 * after the store transaction holding those records has committed.
 * A dead letter is identified by the record's key and payload hash and
 * appended once however often the record is replayed or re-fetched.
 * Returns when caught up (unless follow) or stopped by a signal; returns
 * SK_ERR_VALIDATE when it read records and dead-lettered every one. */
sk_err_t sk_job_process(const struct sk_config *cfg, struct sk_bus *bus,
			struct sk_store *st,
			const struct sk_job_process_opts *o,
			struct sk_job_process_stats *out, struct sk_error *err);

/* The window of a daily run: [today - days_back, today + days_ahead] on the
 * Europe/Oslo calendar at now_ms. */
void sk_job_window(int64_t now_ms, int days_back, int days_ahead,
		   struct sk_date *from, struct sk_date *to);

/* What a run of the job covers by default, from job's own keys: the
 * window of a run fired at fire_utc_ms (run.days_back, run.days_ahead;
 * sk_job_window) and the regions and lang it fetches (borrowed from cfg).
 * The scheduler asks job for them instead of reading job's keys. */
struct sk_job_scope {
	struct sk_date from, to;
	const char *regions;
	const char *lang;
};
void sk_job_scope(const struct sk_config *cfg, int64_t fire_utc_ms,
		  struct sk_job_scope *out);

/* Totals since the process started, for /metrics (updated atomically). */
struct sk_job_totals {
	int64_t fetch_runs, fetch_warnings, fetch_requests, fetch_retries,
		fetch_failed_chunks, fetch_ms;
	int64_t process_runs, process_messages, process_stored,
		process_dead_lettered, process_ms, store_errors;
};
void sk_job_totals_get(struct sk_job_totals *out);

/* Durations since the process started, for /metrics: of each fetch (all
 * its chunks) and of each process pass. Never NULL. */
const struct sk_hist *sk_job_fetch_durations(void);
const struct sk_hist *sk_job_process_durations(void);

/* ------------------------------------------------------------ outages
 *
 * Long-running work (`skred process --follow`, `skred serve`) waits out an
 * outage of a backend instead of ending: the backends report a failure as
 * retriable and never sleep; the loops here (job/) and in sched/ retry after
 * capped exponential backoff with full jitter (sk_backoff_ms), until the
 * backend answers again or outage.max_wait_ms passes (0: no limit). The
 * state of each backend is kept process-wide for /readyz and /metrics, and
 * logged once when an outage starts and once when it ends. */

enum sk_job_backend {
	SK_JOB_BUS,
	SK_JOB_STORE,
	SK_JOB_LEDGER,
	SK_JOB__BACKENDS
};

struct sk_job_health {
	char type[16]; /* "kafka", "cassandra", "sqlite"...; "" = not
				* seen yet */
	bool down;
	int64_t down_since_ms; /* UTC ms, when down */
	int64_t outages;       /* outages started since the process started */
	int64_t retries;       /* retries made during outages */
	char reason[256];      /* the error that started the outage */
};

/* A copy of backend b's state (thread-safe). */
void sk_job_health_get(enum sk_job_backend b, struct sk_job_health *out);
/* Name of a backend slot: "bus", "store", "ledger". */
const char *sk_job_backend_name(enum sk_job_backend b);

/* Record that a call on backend b (of type type, borrowed) failed with why
 * (an outage starts: one WARN line) or succeeded (an outage ends: one INFO
 * line with its length and retries). Thread-safe. */
void sk_job_health_down(enum sk_job_backend b, const char *type,
			const struct sk_error *why);
void sk_job_health_up(enum sk_job_backend b, const char *type);

/* True for an error worth waiting out: retriable, and not a lack of memory
 * or a stop request. */
bool sk_job_outage_error(const struct sk_error *err);

/* One outage being waited out (zero it to start). */
struct sk_job_outage {
	unsigned attempt;
	int64_t started_mono_ms;
	uint64_t rng;
};

/* Delay before the next try (backoff with full jitter, attempt counted as
 * a retry on backend b), or -1 once outage.max_wait_ms has passed since the
 * outage began. */
int64_t sk_job_outage_delay(const struct sk_config *cfg,
			    struct sk_job_outage *o, enum sk_job_backend b);

/* Wait out an outage of backend b (of that type; the failure in err):
 * record it in b's health, sleep the next delay. False when the wait is
 * over: outage.max_wait_ms has passed (err says so) or a stop was
 * requested. */
bool sk_job_outage_wait(const struct sk_config *cfg, struct sk_job_outage *o,
			enum sk_job_backend b, const char *type,
			struct sk_error *err);

/* Check that the bus and the warehouse answer: open both and read the raw
 * topic's lag for the group. Records both backends' health; on failure
 * *which names the backend that failed and err says why (prefixed with its
 * name). */
sk_err_t sk_job_probe(const struct sk_config *cfg, enum sk_job_backend *which,
		      struct sk_error *err);

/* sk_bus_open with the bus's own configuration, core's data_dir and the
 * kafka.* pass-through properties (collected from cfg for the open). The
 * layers above job (sched, web, cmd) open the bus with this. */
sk_err_t sk_job_bus_open(const struct sk_config *cfg, struct sk_bus **out,
			 struct sk_error *err);

/* What the warehouse is opened with: store's own configuration, core's
 * data_dir and proc's raw -> clean mapping (sk_proc_map, for migrations
 * that rewrite rows from their raw messages). job is the one layer that
 * sees proc and store; sched, web and cmd open the store with this. */
struct sk_store_opts sk_job_store_opts(const struct sk_config *cfg);

/* sk_store_open, and with wait set, an outage at start waited out like one
 * later on (so `process --follow` may start before the warehouse). */
sk_err_t sk_job_store_open(const struct sk_config *cfg, bool wait,
			   struct sk_store **out, struct sk_error *err);

/* With bus.format = avro and the clean records published: put the clean
 * record's Avro schema (generated, or bus.avro_schema_file) under the
 * registry's contract for subject "<bus.topic_clean>-value" and give its
 * id (sk_schemareg_ensure: an incompatible schema is SK_ERR_CONFIG with the
 * registry's message; an unreachable registry SK_ERR_NET after its
 * retries). The result is kept for the process, so `skred run` checks
 * before it fetches and its processing asks the registry no more. *id is
 * -1 (and nothing is asked) when the clean topic is not Avro. */
sk_err_t sk_job_schema_prepare(const struct sk_config *cfg,
			       const char *bus_type, int32_t *id,
			       struct sk_error *err);

/* Keep the record shapes of the clean topic (the Avro schema, as
 * sk_job_schema_prepare uses it) and of the dead-letter envelope as
 * versions of "<topic>-value" with the bus, where it keeps them (the
 * embedded log; sk_bus_schema_note): a shape not seen before becomes the
 * next version, so an upgrade that changes the record is visible (`skred
 * schema list|diff`, /api/v1/schemas). sk_job_process does it at its
 * start. SK_OK without doing anything on a bus that keeps none. */
sk_err_t sk_job_schema_note(const struct sk_config *cfg, struct sk_bus *bus,
			    struct sk_error *err);

/* The keys of sk_job_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_job_conf {
	const char *regions;            /* regions */
	const char *lang;               /* lang */
	int64_t run_days_back;          /* run.days_back */
	int64_t run_days_ahead;         /* run.days_ahead */
	int64_t process_batch_size;     /* process.batch_size */
	int64_t outage_backoff_base_ms; /* outage.backoff_base_ms */
	int64_t outage_backoff_cap_ms;  /* outage.backoff_cap_ms */
	int64_t outage_max_wait_ms;     /* outage.max_wait_ms */
	const char *topic_raw;          /* bus.topic_raw */
	const char *topic_dlq;          /* bus.topic_dlq */
	const char *topic_clean;        /* bus.topic_clean */
	int publish_clean; /* bus.publish_clean: enum sk_job_publish */
	const char *group; /* bus.group */
	int format;        /* bus.format: enum sk_job_format */
	const char *avro_schema_file; /* bus.avro_schema_file */
	int on_drift; /* process.on_drift: enum sk_job_on_drift */
};
/* The allowed values of process.on_drift (NULL-terminated). */
enum sk_job_on_drift {
	SK_JOB_DRIFT_HOLD,
	SK_JOB_DRIFT_STORE
};
extern const char *const sk_job_on_drift_names[];
/* The allowed values of bus.format (NULL-terminated). */
enum sk_job_format {
	SK_JOB_FORMAT_JSON,
	SK_JOB_FORMAT_AVRO
};
extern const char *const sk_job_format_names[];
extern const struct sk_cfg_def sk_job_cfg[];
/* The allowed values of bus.publish_clean (NULL-terminated). */
enum sk_job_publish {
	SK_JOB_PUBLISH_YES,
	SK_JOB_PUBLISH_NO,
	SK_JOB_PUBLISH_AUTO
};
extern const char *const sk_job_publish_names[];
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_job_conf *sk_job_conf(const struct sk_config *cfg);

#endif
