/*
 * sim.h - shared declarations of varsom-sim, a local imitation of NVE's
 * varsom avalanche-warning API (see ../shared/varsom/API.md) for tests,
 * benchmarks and the offline demo. libc + pthreads + libm only.
 */
#ifndef VARSOM_SIM_H
#define VARSOM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ----------------------------------------------------------------- limits */

#define SIM_HEAD_MAX 16384  /* request head cap; larger heads get 431 */
#define SIM_MAX_CONNS 128   /* concurrent connections (threads) */
#define SIM_MAX_DAYS 400    /* longest date range of one request */
#define SIM_HDR_RESERVE 512 /* bytes kept free before a body for headers */
#define SIM_IDLE_SECS 30    /* keep-alive idle / send timeout */

/* ---------------------------------------------------------------- hashing */

/* splitmix64 finaliser: all generated data derives from it. */
static inline uint64_t sim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t sim_hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return sim_mix(sim_mix(sim_mix(sim_mix(a) ^ b) ^ c) ^ d);
}

/* Uniform double in [0, 1) from a hash. */
static inline double sim_unit(uint64_t h)
{
	return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------ JSON body buffer */

#define JB_MAXDEPTH 32

/* A growable buffer that writes JSON. SIM_HDR_RESERVE bytes (or what
 * jb_init was given) stay free before the body so the HTTP head can be
 * put in front and the whole response sent with one write. After an
 * allocation failure every call is a no-op and oom is set. */
/* --drift: a change of the API's shape, applied to every key of that name
 * at any depth of a chosen element (rename, drop, retype: a string becomes
 * true, anything else the string "x") or added at its top (add). */
enum drift_op {
	DR_RENAME,
	DR_DROP,
	DR_RETYPE,
	DR_ADD
};
#define SIM_DRIFT_MAX 8
#define SIM_DRIFT_KEY 48
struct sim_drift {
	enum drift_op op;
	char key[SIM_DRIFT_KEY];
	char to[SIM_DRIFT_KEY]; /* rename */
};
/* "rename:OLD=NEW", "drop:KEY", "retype:KEY", "add:KEY" into *d. */
bool drift_parse(const char *s, struct sim_drift *d);

struct jbuf {
	const struct sim_drift *drift; /* rules for the element being
					* written (NULL: none) */
	int ndrift;
	int drift_mode; /* 0, or DR_DROP/DR_RETYPE + 1 for the value after
			 * the key being changed */
	int drift_depth;
	size_t drift_mark, drift_value;
	bool drift_comma;
	char *data;
	size_t len; /* bytes used, including the reserve */
	size_t cap;
	size_t start; /* offset of the body */
	bool oom;
	bool after_key;
	int depth;
	bool comma[JB_MAXDEPTH];
};

void jb_init(struct jbuf *j, size_t reserve, size_t hint);
void jb_free(struct jbuf *j);
char *jb_body(const struct jbuf *j);
size_t jb_body_len(const struct jbuf *j);
void jb_put(struct jbuf *j, const char *s, size_t n);
void jb_puts(struct jbuf *j, const char *s);
void jb_obj(struct jbuf *j);
void jb_obj_end(struct jbuf *j);
void jb_arr(struct jbuf *j);
void jb_arr_end(struct jbuf *j);
void jb_key(struct jbuf *j, const char *k);
/* A JSON string value; s NULL gives null. */
void jb_str(struct jbuf *j, const char *s);
/* One string made of up to three parts (NULL parts are skipped). */
void jb_str3(struct jbuf *j, const char *a, const char *b, const char *c);
void jb_int(struct jbuf *j, long long v);
void jb_dbl(struct jbuf *j, double v);
void jb_bool(struct jbuf *j, bool v);
void jb_null(struct jbuf *j);
/* A complete JSON value given as text. */
void jb_raw(struct jbuf *j, const char *json);

void jb_kstr(struct jbuf *j, const char *k, const char *s);
void jb_kint(struct jbuf *j, const char *k, long long v);
void jb_knull(struct jbuf *j, const char *k);
void jb_kbool(struct jbuf *j, const char *k, bool v);
void jb_kraw(struct jbuf *j, const char *k, const char *json);

/* ------------------------------------------------------------------ dates */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int date_days(int y, int m, int d);
void date_civil(int days, int *y, int *m, int *d);
/* Strict "YYYY-MM-DD" (exactly n == 10 chars, real calendar date). */
bool date_parse(const char *s, size_t n, int *days);
/* Writes "YYYY-MM-DD" (10 chars, no NUL); returns the end. */
char *date_fmt(char *p, int days);
/* Writes "YYYY-MM-DDTHH:MM:SS" (19 chars + NUL) for day + seconds. */
void datetime_fmt(char *out, int days, int secs);

/* ---------------------------------------------------------------- regions */

struct sim_place {
	const char *id; /* county / municipality number, a string */
	const char *name;
};

struct sim_region {
	int id;
	const char *name;
	char type; /* 'A' or 'B' */
	double lat, lon;
	const struct sim_place *counties;
	int ncounties;
	const struct sim_place *munis;
	int nmunis;
};

#define SIM_NREGIONS 46

/* Computes the UTM coordinates; call once before serving. */
void regions_init(void);
/* NULL unless 3001..3046. */
const struct sim_region *region_get(int id);
const struct sim_region *region_at(int idx);
void region_utm(const struct sim_region *r, int *east, int *north);

/* ----------------------------------------------------------------- config */

enum fault_kind {
	FK_NONE = 0,
	FK_500,
	FK_503,
	FK_429,
	FK_SLOW,
	FK_TRUNCATE,
	FK_MALFORMED,
	FK_RESET,
	FK_UNKNOWN,
	FK_MISROUTED,    /* 200, the next region's warnings */
	FK_OUT_OF_RANGE, /* 200, the dates 400 days later */
	FK_TWICE,        /* 200, every element twice, differently worded */
	FK_NULL,         /* 200, body null */
	FK_OBJECT,       /* 200, body a JSON object */
	FK_EMPTY,        /* 200, body [] */
	FK_COUNT
};

/* Everything that can change at runtime through /_sim/config. */
struct sim_config {
	uint64_t seed;
	int revision;
	int fail_first_n;
	enum fault_kind fail_first_kind;
	double fault_rate;
	enum fault_kind fault_kinds[FK_COUNT];
	int nfault_kinds;
	int fail_region; /* 0 = none */
	enum fault_kind fail_region_kind;
	double bad_rate;
	int slow_ms;
	int latency_ms; /* every non-control answer waits this long first */
	int retry_after;
	bool retry_after_date; /* send Retry-After as an HTTP-date */
	bool quiet;
	struct sim_drift drift[SIM_DRIFT_MAX]; /* --drift */
	int ndrift;
	double drift_rate; /* fraction of elements drifted (default 1) */
};

void config_defaults(struct sim_config *c);
void config_get(struct sim_config *out);
void config_set(const struct sim_config *in);
const char *fault_kind_name(enum fault_kind k);
bool fault_kind_parse(const char *s, size_t n, enum fault_kind *k);
/* Parsers shared by the command line and /_sim/config. They write a short
 * reason to err on failure and leave the config unchanged then. */
bool config_parse_int(const char *s, long lo, long hi, long *out);
bool config_parse_rate(const char *s, double *out);
bool config_parse_kinds(const char *s, struct sim_config *c, char *err,
			size_t errlen);
bool config_parse_n_kind(const char *s, long lo, long hi, long *n,
			 enum fault_kind *k);
void config_json(struct jbuf *j, const struct sim_config *c);

/* ------------------------------------------------------- faults and stats */

/* The fault (or FK_NONE) for one attempt at a ByRegion path. Counts the
 * attempt for fail-first and fault-rate. */
enum fault_kind fault_decide(const struct sim_config *c, const char *path,
			     size_t pathlen, int region);
void attempts_reset(void);

void stats_request(void);
void stats_warnings(long n);
void stats_bad(long n);
void stats_fault(enum fault_kind k);
void stats_reset(void);
void stats_json(struct jbuf *j);

/* ------------------------------------------------------------- generation */

struct gen_req {
	uint64_t seed;
	int revision;
	double bad_rate;
	bool detail;
	bool unknown;                  /* add unknown fields to every element */
	const struct sim_drift *drift; /* --drift rules, ndrift of them */
	int ndrift;
	double drift_rate;
	const char *version; /* API version segment, for advice image URLs */
	size_t version_len;
	int region;
	int lang;  /* 1 nb, 2 en */
	int start; /* days since epoch */
	int ndays;
};

/* Writes the JSON array; returns the number of elements, *nbad of them
 * deliberately invalid. */
long gen_warnings(struct jbuf *j, const struct gen_req *g, long *nbad);
/* The Region endpoint; type 0 = all, 10 = A, 20 = B. */
void gen_regions(struct jbuf *j, int type);

/* ------------------------------------------------------------------- http */

struct http_req {
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	const char *path;
	size_t path_len;
	const char *query; /* after '?', may be empty */
	size_t query_len;
};

struct conn {
	int fd;
	bool keep_alive;
	bool closed;
	char peer[32];
	/* per-request, for the log line */
	int status;
	size_t sent;
	enum fault_kind fault;
};

/* Sends status + headers + the body (NULL = empty). extra: more header
 * lines, each ending in "\r\n", or NULL. Frees nothing. */
void http_respond(struct conn *c, int status, const char *extra,
		  struct jbuf *body);
/* A short JSON error body {"error":msg,"status":status}. */
void http_error(struct conn *c, int status, const char *msg, const char *extra);
/* Headers announce the whole body, only `part` bytes follow, then close. */
void http_respond_truncated(struct conn *c, struct jbuf *body, size_t part);
/* Close at once (RST), answering nothing. */
void http_reset(struct conn *c);
/* Takes one of the SIM_MAX_CONNS connection slots; false when all are
 * in use. http_conn_main gives it back when the connection ends;
 * http_conn_release is for a connection that never got its thread. */
bool http_conn_acquire(void);
void http_conn_release(void);
/* Thread body of one connection; arg is a malloc'd struct conn (freed,
 * with its socket, at the end). */
void *http_conn_main(void *arg);
/* Sleeps ms milliseconds (restarting after signals). */
void sim_sleep_ms(int ms);

/* ------------------------------------------------------------------ route */

/* Dispatch one parsed request (method already known to be GET). */
void api_handle(struct conn *c, const struct http_req *r);
/* /_sim/... endpoints. */
void control_handle(struct conn *c, const struct http_req *r);

#endif
