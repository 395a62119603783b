/*
 * source.h - fetching warnings from upstream HTTP APIs.
 *
 * source/http.c is the only file that includes libcurl: a bounded-concurrency
 * fetch engine with a politeness rate limit, capped exponential backoff with
 * full jitter, Retry-After, timeouts and a body cap. source/varsom.c turns a
 * fetch request (regions x languages x date range) into chunked URLs of the
 * varsom API and hands every warning of every successful chunk to a callback.
 */
#ifndef SK_SOURCE_H
#define SK_SOURCE_H

#include "core/core.h"
#include "model/model.h"

struct sk_config;

#define SK_VARSOM_URL_DEFAULT                                                  \
	"https://api01.nve.no/hydrology/forecast/avalanche/v6.3.0/api"

/* ---------------------------------------------------------- fetch engine */

struct sk_http_opts {
	long max_concurrent;
	int64_t min_interval_ms; /* between request starts (politeness) */
	unsigned max_attempts;   /* >= 1 */
	int64_t backoff_base_ms;
	int64_t backoff_cap_ms;
	int64_t retry_after_max_ms;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	const char *user_agent;
};

/* One URL to fetch. url and ud are the caller's; the rest is engine state
 * and the result (valid in the completion callback). */
struct sk_http_job {
	const char *url;
	void *ud;
	long status;        /* HTTP status of the last attempt, 0 if none */
	struct sk_buf body; /* body of the last attempt (engine-owned) */
	unsigned attempts;
	int64_t not_before_ms;  /* monotonic; engine state */
	int64_t started_ms;     /* scheduler clock (sk_clock_now_ms) at the
				 * first attempt's start; engine-set */
	int64_t retry_after_ms; /* from the last answer; engine state */
	struct sk_error err;    /* why the last attempt failed */
	int state;              /* engine state */
};

/* What the completion callback wants done with a job answered 200. */
enum sk_http_action {
	SK_HTTP_ACCEPT = 0, /* done */
	SK_HTTP_RETRY = 1,  /* treat as a failed attempt (err filled) */
	SK_HTTP_FAIL = 2,   /* give up on this job (err filled) */
	SK_HTTP_ABORT = 3,  /* stop everything (err filled) */
};

/* ok: a 200 answer (decide with the return value); !ok: the job failed for
 * good after its attempts (job->err says why; the return value is ignored
 * unless SK_HTTP_ABORT). */
typedef enum sk_http_action (*sk_http_done_fn)(void *ud,
					       struct sk_http_job *job,
					       bool ok);

/* The delay a Retry-After field value asks for (RFC 9110 10.2.3), in ms
 * from now_ms (wall clock, UTC ms): delta-seconds ("120") or an HTTP-date
 * (sk_http_date_parse; a date in the past is 0). Blanks and a CR LF around
 * the value are ignored. Capped at SK_HTTP_RETRY_AFTER_MAX_MS (the caller
 * caps further with fetch.retry_after_max_ms). -1 when the value is neither
 * form (the caller then backs off as without the field). v need not be
 * NUL-terminated; no I/O. */
#define SK_HTTP_RETRY_AFTER_MAX_MS (86400LL * 1000)
int64_t sk_http_retry_after_ms(const char *v, size_t n, int64_t now_ms);

/* Fetch every job. Returns SK_OK when every job ended (accepted or failed;
 * the callback saw each), or the error of an SK_HTTP_ABORT, or
 * SK_ERR_INTERRUPTED when sk_stop_requested(). Until a transfer reaches the
 * server (any answer, or past connect) one job runs at a time; when that one
 * fails for good because the name did not resolve or the connection was
 * refused, every job not yet tried ends at once, failed with its reason and
 * attempts 0 (the callback sees each). */
sk_err_t sk_http_run(const struct sk_http_opts *o, struct sk_http_job *jobs,
		     size_t n, sk_http_done_fn done, void *ud,
		     struct sk_error *err);

/* One synchronous request (the schema registry's client): method, url,
 * an optional body, basic auth and TLS options. */
struct sk_http_call {
	const char *method; /* "GET", "POST", "PUT" */
	const char *url;
	const char *body;                /* NUL-terminated; NULL: none */
	const char *content_type;        /* of the body */
	const char *username, *password; /* basic auth when username set */
	const char *ca_file, *cert_file, *key_file; /* TLS; NULL: defaults */
	bool insecure;                              /* skip TLS verification */
	long connect_timeout_ms, timeout_ms;
	const char *user_agent;
};
/* Perform c: SK_OK with the HTTP status in *status and the body in resp
 * (reset first; its max caps it: SK_ERR_LIMIT beyond), whatever the
 * status. A connection failure is SK_ERR_NET, a timeout SK_ERR_TIMEOUT
 * (both retriable; no retry here). */
sk_err_t sk_http_call(const struct sk_http_call *c, long *status,
		      struct sk_buf *resp, struct sk_error *err);

/* One-time global init of the HTTP library (call from main). */
sk_err_t sk_http_global_init(struct sk_error *err);

/* -------------------------------------------------------- varsom source */

struct sk_fetch_req {
	const int *regions;
	size_t n_regions;
	const int *langs; /* 1 nb, 2 en */
	size_t n_langs;
	struct sk_date from, to; /* inclusive, Europe/Oslo calendar */
	bool simple;             /* Simple endpoint instead of Detail */
};

/* A fetched chunk: one region, one language, at most fetch.chunk_days. */
struct sk_fetch_chunk {
	int region;
	int lang;
	struct sk_date from, to;
	const char *url; /* as fetched, credentials masked (sk_redact_text) */
	int64_t fetched_at_ms;
	/* Its timing on the scheduler clock (sk_clock_now_ms, as a run's
	 * tasks): the first attempt's start, the end (answer or giving up). */
	int64_t started_ms, ended_ms;
	const char *error; /* a chunk that failed for good: why; else NULL */
};

struct sk_fetch_stats {
	int64_t chunks;
	int64_t chunks_failed;
	int64_t requests; /* attempts, retries included */
	int64_t retries;
	int64_t warnings; /* elements that match their request */
	int64_t rejected; /* elements that do not (dead-lettered by the
			   * emit function; their chunk fails) */
	int64_t bytes;
	int64_t chunks_empty;        /* answered [] */
	int64_t empty_active;        /* ... of them for an active region */
	char empty_active_list[256]; /* the first few, "region R lang L
				      * from..to; ..." */
};

/* Called on the fetching thread for each chunk answered with an array,
 * with its elements (borrowed); those with a reject reason
 * (sk_model_items_check) do not answer the request: the function
 * dead-letters them, and the chunk then counts as failed. Also called,
 * with no elements and chunk->error set, for each chunk that failed for
 * good (for its timing). A non-OK return aborts the whole fetch. */
typedef sk_err_t (*sk_fetch_emit_fn)(void *ud,
				     const struct sk_fetch_chunk *chunk,
				     const struct sk_raw_item *items, size_t n,
				     struct sk_error *err);

/* Fetch req from the varsom API that c (this module's own configuration:
 * varsom_url, fetch.*) names.
 * Chunks that fail after their retries, or whose answer holds records that
 * do not match the request (not retried), do not stop the others; the call then
 * returns SK_ERR_HTTP with a message naming each failed region, language and
 * date range (what was emitted before stays emitted). stats may be NULL. */
struct sk_source_conf;
sk_err_t sk_source_varsom_fetch(const struct sk_source_conf *c,
				const struct sk_fetch_req *req,
				sk_fetch_emit_fn emit, void *ud,
				struct sk_fetch_stats *stats,
				struct sk_error *err);

/* The keys of sk_source_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_source_conf {
	const char *varsom_url;     /* varsom_url */
	int64_t concurrency;        /* fetch.concurrency */
	int64_t min_interval_ms;    /* fetch.min_interval_ms */
	int64_t attempts;           /* fetch.attempts */
	int64_t backoff_base_ms;    /* fetch.backoff_base_ms */
	int64_t backoff_cap_ms;     /* fetch.backoff_cap_ms */
	int64_t retry_after_max_ms; /* fetch.retry_after_max_ms */
	int64_t connect_timeout_ms; /* fetch.connect_timeout_ms */
	int64_t timeout_ms;         /* fetch.timeout_ms */
	int64_t max_body;           /* fetch.max_body */
	int64_t chunk_days;         /* fetch.chunk_days */
	const char *user_agent;     /* fetch.user_agent */
};
extern const struct sk_cfg_def sk_source_cfg[];

/* ------------------------------------------------------ schema registry
 *
 * A client of the Confluent Schema Registry REST API (source/registry.c;
 * Apicurio's ccompat API too): subjects, versions, ids, compatibility. */

struct sk_schemareg_conf {
	const char *url;            /* schema_registry.url (base URL) */
	const char *username;       /* schema_registry.username */
	const char *password;       /* schema_registry.password (secret) */
	const char *ca_file;        /* schema_registry.ca_file */
	const char *cert_file;      /* schema_registry.cert_file */
	const char *key_file;       /* schema_registry.key_file */
	bool insecure;              /* schema_registry.insecure */
	int64_t connect_timeout_ms; /* schema_registry.connect_timeout_ms */
	int64_t timeout_ms;         /* schema_registry.timeout_ms */
	int64_t attempts;           /* schema_registry.attempts */
	int64_t backoff_base_ms;    /* schema_registry.backoff_base_ms */
	int64_t backoff_cap_ms;     /* schema_registry.backoff_cap_ms */
	int compatibility;          /* schema_registry.compatibility */
};
extern const struct sk_cfg_def sk_schemareg_cfg[];
extern const char *const sk_schemareg_levels[]; /* BACKWARD, ... */
const struct sk_schemareg_conf *sk_schemareg_conf(const struct sk_config *cfg);

struct sk_schemareg;

/* A client for c (borrowed; outlives it). SK_ERR_CONFIG when no URL. */
sk_err_t sk_schemareg_open(const struct sk_schemareg_conf *c,
			   struct sk_schemareg **out, struct sk_error *err);
void sk_schemareg_close(struct sk_schemareg *r);

/* Make schema (an Avro schema's JSON text) a version of subject and give
 * its id: the id cached for (subject, schema) in this client when there is
 * one; else a subject without a compatibility level of its own gets
 * schema_registry.compatibility, the schema is checked against the latest
 * version (an incompatible one is SK_ERR_CONFIG with the registry's
 * answer, nothing registered), then registered (the registry gives the
 * existing id when it already is a version). Transport failures, 5xx, 408
 * and 429 are retried schema_registry.attempts times with backoff, then
 * SK_ERR_NET / SK_ERR_TIMEOUT / SK_ERR_HTTP naming the registry; other
 * answers are SK_ERR_HTTP with the registry's message. */
sk_err_t sk_schemareg_ensure(struct sk_schemareg *r, const char *subject,
			     const char *schema, int32_t *id,
			     struct sk_error *err);
/* The compatibility check alone: *ok false with the registry's messages
 * in why (may be empty). A subject without versions is compatible. */
sk_err_t sk_schemareg_check(struct sk_schemareg *r, const char *subject,
			    const char *schema, bool *ok, char *why,
			    size_t why_len, struct sk_error *err);
/* The id of schema as a version of subject: SK_ERR_NOTFOUND when it is
 * not one (or there is no such subject). */
sk_err_t sk_schemareg_lookup(struct sk_schemareg *r, const char *subject,
			     const char *schema, int32_t *id, int *version,
			     struct sk_error *err);
/* GET /subjects: every subject's name (*out malloc'd, each name too;
 * free them). Retried as sk_schemareg_ensure. */
sk_err_t sk_schemareg_subjects(struct sk_schemareg *r, char ***out, size_t *n,
			       struct sk_error *err);
/* GET /subjects/{subject}/versions: its version numbers (*out malloc'd);
 * SK_ERR_NOTFOUND when the registry has no such subject. */
sk_err_t sk_schemareg_versions(struct sk_schemareg *r, const char *subject,
			       int **out, size_t *n, struct sk_error *err);
/* The schema text of id (malloc'd): SK_ERR_NOTFOUND for an unknown id. */
sk_err_t sk_schemareg_schema(struct sk_schemareg *r, int32_t id, char **schema,
			     struct sk_error *err);
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_source_conf *sk_source_conf(const struct sk_config *cfg);

#endif
