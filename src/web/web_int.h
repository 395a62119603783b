/*
 * web_int.h - what the files of web/ share: limits, the parsed request and
 * the typed call it routes to (request.c, no I/O), the compiled-in UI
 * assets, the server state and replies.
 */
#ifndef SK_WEB_INT_H
#define SK_WEB_INT_H

#include "web/web.h"
#include "sched/runner.h"

#include <microhttpd.h>
#include <pthread.h>

/* Limits of the HTTP server. */
#define SK_WEB_MAX_URI 4096         /* request target, bytes (else 414) */
#define SK_WEB_MAX_ARGS 32          /* query parameters */
#define SK_WEB_MAX_BODY (64 * 1024) /* request body (else 413) */
#define SK_WEB_MAX_RANGE_DAYS 400   /* warnings?from=&to= */
#define SK_WEB_MAX_DLQ 1000         /* dlq?limit= */
#define SK_WEB_MAX_RUN_REGIONS 256  /* runs?regions= (the ledger's field) */
#define SK_WEB_MAX_REPLY (64u * 1024 * 1024) /* a JSON answer */
#define SK_WEB_MAX_HOSTS 16                  /* http.allowed_hosts entries */
#define SK_WEB_MAX_HOST 255                  /* a host name in Host, Origin */
#define SK_WEB_THREADS 2u
#define SK_WEB_IDLE_TIMEOUT_S 30u /* no byte either way: closed */

/* ------------------------------------------------------------ requests */

struct sk_web_arg {
	const char *key, *val; /* decoded, into the request's buffer */
};

struct sk_web_req {
	bool post, head;
	const char *path; /* decoded, without query and fragment */
	struct sk_web_arg args[SK_WEB_MAX_ARGS];
	size_t n_args;
	char buf[SK_WEB_MAX_URI + 1];
};

/* Parse a method and a raw request target ("/path?query"). Returns 0, or
 * the HTTP status to answer (400, 405, 414) with the reason in msg. A
 * parameter given twice, an empty name, a bad or NUL percent-escape are
 * errors. */
unsigned sk_web_req_parse(struct sk_web_req *r, const char *method,
			  const char *uri, char *msg, size_t size);
/* The decoded value of query parameter key, or NULL. Borrowed from r. */
const char *sk_web_req_arg(const struct sk_web_req *r, const char *key);

/* The names a request may give the daemon (its Host, the authority of a
 * POST's Origin or Referer): 127.0.0.1, localhost and [::1] with the bound
 * port, the bound address, and http.allowed_hosts ("host" or "host:port",
 * separated by commas or spaces; an entry without a port takes a Host
 * without one or with the bound port, as behind a reverse proxy). */
struct sk_web_hosts {
	struct sk_web_host {
		char name[SK_WEB_MAX_HOST + 1]; /* lower case; IPv6 in [] */
		unsigned port;                  /* 0: see above */
	} h[SK_WEB_MAX_HOSTS + 4];
	size_t n;
	unsigned port; /* bound */
};

/* Fill hs for a daemon bound to bind_host:port (IPv4 text; "0.0.0.0" adds
 * no name of its own) with allowed (http.allowed_hosts, NULL = none).
 * SK_ERR_CONFIG naming a bad or surplus entry. */
sk_err_t sk_web_hosts_init(struct sk_web_hosts *hs, const char *bind_host,
			   unsigned port, const char *allowed,
			   struct sk_error *err);

/* The header checks of every request (values NULL when absent): 421 when
 * Host is missing or not one of hs; for a POST, 403 when Origin, or
 * without an Origin the Referer, is not http(s)://<one of hs> (Origin
 * "null" included). A POST with neither is allowed (not a browser's
 * cross-site request). Returns 0 or the status with the reason in msg. */
unsigned sk_web_req_check(const struct sk_web_hosts *hs, bool post,
			  const char *host, const char *origin,
			  const char *referer, char *msg, size_t size);

/* A request's Content-Length (NULL when absent): 413 above SK_WEB_MAX_BODY,
 * 400 when not a number; else 0. Decided before any body byte is read. */
unsigned sk_web_req_body(const char *content_length, char *msg, size_t size);

enum sk_web_ep {
	SK_WEB_EP_HEALTHZ,
	SK_WEB_EP_READYZ,
	SK_WEB_EP_METRICS,
	SK_WEB_EP_STATUS,
	SK_WEB_EP_RUNS,
	SK_WEB_EP_RUN_GET,
	SK_WEB_EP_RUN_ADD,
	SK_WEB_EP_RUN_CLEAR,
	SK_WEB_EP_PAUSE,
	SK_WEB_EP_UNPAUSE,
	SK_WEB_EP_WARNINGS,
	SK_WEB_EP_REGIONS,
	SK_WEB_EP_TOPICS,
	SK_WEB_EP_DLQ,
	SK_WEB_EP_WAREHOUSE,
	SK_WEB_EP_SCHEMAS,
	SK_WEB_EP_SCHEMA_DIFF,
	SK_WEB_EP_DRIFT,
	SK_WEB_EP_ASSET,
	SK_WEB_EP_MESSAGES, /* browse.c */
	SK_WEB_EP_RATES,
	SK_WEB_EP_MEMBERS,
	SK_WEB_EP_REPLAY,
	SK_WEB_EP_BACKFILL,
};

/* A UI file compiled into the binary (web_assets.c, generated from
 * src/web/ui/ by cmake/embed.cmake). */
struct sk_web_asset {
	const char *path; /* "/" or "/ui/<file>" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct sk_web_asset sk_web_assets[];
extern const size_t sk_web_n_assets;
const struct sk_web_asset *sk_web_asset_find(const char *path);

/* A request, validated and typed. */
struct sk_web_call {
	enum sk_web_ep ep;
	bool mutating;
	int64_t run_id;          /* RUN_GET, RUN_CLEAR */
	int state;               /* RUNS: -1 any */
	long long limit, offset; /* RUNS, DLQ */
	struct sk_date from, to; /* WARNINGS, RUN_ADD */
	bool has_from, has_to;
	int *region_ids; /* WARNINGS: owned; NULL = all */
	size_t n_regions;
	int langs[2]; /* WARNINGS, RUN_ADD (when lang) */
	size_t n_langs;
	const char *regions, *lang; /* RUN_ADD: validated, or NULL */
	bool detail;                /* WARNINGS: detail=1; RUNS: tasks=1 */
	const struct sk_web_asset *asset;
	/* MESSAGES: topic ("raw", "clean", "dlq" or a name), partition (-1
	 * all), offset (above), from_ms (0 none), key (NULL none), limit */
	const char *topic, *key;
	int partition;
	int64_t from_ms;
	/* REPLAY: offsets "N,N,..." or reason (one of them) */
	const char *offsets, *reason;
	bool dry_run;        /* REPLAY, BACKFILL: only say what would be done */
	const char *subject; /* SCHEMA_DIFF: borrowed from the request */
	int v_from, v_to;    /* SCHEMA_DIFF: versions, 1.. */
	int mode;            /* BACKFILL: enum sk_backfill_mode */
	bool browser;        /* the request has an Origin (the UI's page) */
};

/* Route a parsed request; today is the default date of warnings. Returns 0
 * or the HTTP status (400, 404, 405) with the reason in msg. Unknown query
 * parameters are 400. Free with sk_web_call_clear (also after an error). */
unsigned sk_web_route(const struct sk_web_req *r, struct sk_date today,
		      struct sk_web_call *c, char *msg, size_t size);
void sk_web_call_clear(struct sk_web_call *c);

/* -------------------------------------------------------------- server */

struct sk_bus;
struct sk_store;

/* A TCP connection, for the bound on the time a request takes to arrive. */
struct sk_web_conn {
	struct sk_web_conn *prev, *next;
	int fd;
	int64_t deadline_ms; /* sk_mono_ms; 0 while a request is answered */
};

#define SK_WEB_MAX_RESTART 32 /* keys listed in restart_required */

struct sk_web {
	struct MHD_Daemon *d;
	/* env, token, hosts and restart are read by every request and
	 * replaced by sk_web_reload (write lock). */
	pthread_rwlock_t cfg_lock;
	struct sk_web_env env;
	struct sk_ledger *l;
	pthread_mutex_t lock; /* one ledger connection, one user at a time */
	bool loopback;
	char bind_host[128];
	char token[256];
	struct sk_web_hosts hosts;
	const char *restart[SK_WEB_MAX_RESTART]; /* key names (static) */
	size_t n_restart;
	/* Slow clients: each connection must deliver a request within
	 * header_timeout_ms of its start or of the previous answer; a
	 * reaper thread shuts down those that do not (libmicrohttpd's own
	 * timeout is reset by every byte). */
	pthread_mutex_t conn_lock;
	pthread_cond_t conn_cv;
	struct sk_web_conn *conns;
	int64_t header_timeout_ms;
	bool stopping;
	pthread_t reaper;
	int64_t slow_closed; /* under conn_lock; for /metrics */
	/* Warehouse and bus handles kept between requests (a Cassandra
	 * session or Kafka client is too dear to open per request). */
	pthread_mutex_t pool_lock;
	struct sk_web_pool {
		void *h[SK_WEB_THREADS];
		size_t n;
	} stores, buses;
	struct sk_web_sampler *sampler; /* browse.c: rates, NULL none */
};

/* Take a warehouse / bus handle from the pool, or open one. Give it back
 * with ok = true; with ok = false (an operation on it failed) it is closed,
 * and the next request opens a fresh one. */
sk_err_t sk_web_store_take(struct sk_web *w, struct sk_store **st,
			   struct sk_error *err);
void sk_web_store_give(struct sk_web *w, struct sk_store *st, bool ok);
sk_err_t sk_web_bus_take(struct sk_web *w, struct sk_bus **bus,
			 struct sk_error *err);
void sk_web_bus_give(struct sk_web *w, struct sk_bus *bus, bool ok);
/* Close every pooled handle (at stop). */
void sk_web_pool_clear(struct sk_web *w);

/* The server's ledger connection (w->l), opened on first need: at start a
 * PostgreSQL ledger's server may have been down. Call with w->lock held. */
sk_err_t sk_web_ledger(struct sk_web *w, struct sk_error *err);

/* Queue a JSON response (copied) / {"error": msg}. */
enum MHD_Result sk_web_reply(struct MHD_Connection *c, unsigned status,
			     const struct sk_buf *b);
enum MHD_Result sk_web_reply_error(struct MHD_Connection *c, unsigned status,
				   const char *msg);
/* Count a response by status code (for /metrics). */
void sk_web_count(unsigned status);
/* Count a request's duration, first line to response sent (/metrics). */
void sk_web_request_took(int64_t us);

/* The message browser, rates, group members and replay (browse.c). */
#define SK_WEB_SAMPLE_MS 5000   /* rates: one sample every 5 s ... */
#define SK_WEB_SAMPLES 720      /* ... for an hour */
#define SK_WEB_MAX_MESSAGES 500 /* messages?limit= */
#define SK_WEB_SCAN_MAX 50000   /* messages?key=: read at most */
enum MHD_Result sk_web_pipe_call(struct sk_web *w, struct MHD_Connection *c,
				 const struct sk_web_call *call);
/* The sampler thread of the rates (a failed start leaves rates empty). */
sk_err_t sk_web_sampler_start(struct sk_web *w, struct sk_error *err);
void sk_web_sampler_stop(struct sk_web *w);
/* How dead letter m was replayed ("run N: inserted"), "" when it was not
 * (from the ledger; takes w->lock). */
sk_err_t sk_web_dlq_replayed(struct sk_web *w, const struct sk_bus_msg *m,
			     char *buf, size_t size, struct sk_error *err);

/* The data, pipeline and operations endpoints (data.c). */
enum MHD_Result sk_web_data_call(struct sk_web *w, struct MHD_Connection *c,
				 const struct sk_web_call *call);

#endif
