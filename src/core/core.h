/*
 * core.h - the libc-only foundation every other module builds on:
 * typed errors, logging, capped buffers, civil time in Europe/Oslo,
 * monotonic clock, the one backoff function; layered configuration is in
 * config.h (included at the end).
 *
 * Deliberately does not include any third-party header.
 */
#ifndef SK_CORE_H
#define SK_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ limits
 * Every growable buffer in skred has a cap; they are all named here. */
#define SK_LIMIT_BUF_DEFAULT (16u * 1024 * 1024)   /* sk_buf without max */
#define SK_LIMIT_HTTP_BODY (64u * 1024 * 1024)     /* default fetch.max_body */
#define SK_LIMIT_WARNING_JSON (4u * 1024 * 1024)   /* one warning's JSON */
#define SK_LIMIT_JSON_DEPTH 32                     /* nesting in a warning */
#define SK_LIMIT_PROBLEMS 16                       /* problems per warning */
#define SK_LIMIT_ADVICES 32                        /* advices per warning */
#define SK_LIMIT_WEATHER_VALUES 128                /* weather values */
#define SK_LIMIT_CONFIG_LINE 4096                  /* config file line */
#define SK_LIMIT_KEY 128                           /* bus message key */
#define SK_LIMIT_SECRET_FILE (256u * 1024)         /* key=@file content */

/* ------------------------------------------------------------------ errors */

/* Stable numbers: they appear in logs, the ledger and exit paths. */
typedef enum {
	SK_OK = 0,
	SK_ERR_NOMEM = 1,       /* allocation failed */
	SK_ERR_INVAL = 2,       /* bad argument or usage */
	SK_ERR_IO = 3,          /* file or socket I/O */
	SK_ERR_PARSE = 4,       /* malformed input (JSON, dates, config) */
	SK_ERR_LIMIT = 5,       /* a documented size cap was exceeded */
	SK_ERR_NOTFOUND = 6,    /* no such thing */
	SK_ERR_HTTP = 7,        /* upstream answered with an HTTP error */
	SK_ERR_DB = 8,          /* SQLite error */
	SK_ERR_BUS = 9,         /* bus backend error */
	SK_ERR_STORE = 10,      /* warehouse backend error */
	SK_ERR_CONFIG = 11,     /* invalid configuration */
	SK_ERR_TIMEOUT = 12,    /* a deadline passed */
	SK_ERR_VALIDATE = 13,   /* a record failed validation */
	SK_ERR_INTERRUPTED = 14,/* stopped by a signal */
	SK_ERR_NET = 15,        /* connection-level network failure */
	SK_ERR_CONFLICT = 16,   /* lost a race: another process owns it */
	SK_ERR__COUNT
} sk_err_t;

#define SK_ERROR_MSG_MAX 512

/* Filled once, by the function that knows the cause. Caller-owned. */
struct sk_error {
	sk_err_t code;
	bool retriable;
	char msg[SK_ERROR_MSG_MAX];
};

/* Short stable name ("parse", "http", ...) of a code; never NULL. */
const char *sk_err_name(sk_err_t code);

/* Set code, retriable flag and a printf-formatted message; returns code.
 * err may be NULL (then only the code is returned). */
sk_err_t sk_error_set(struct sk_error *err, sk_err_t code, bool retriable,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix the existing message with context ("region=3011: ..."). */
void sk_error_prefix(struct sk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void sk_error_clear(struct sk_error *err);

/* -------------------------------------------------------------- redaction
 * src/core/redact.c: the one scrubber for log lines, error messages and the
 * values `skred config` shows (sk_log_write, sk_error_set/prefix and
 * sk_config_each call it; nothing else needs to). */
#define SK_REDACT_MIN_LEN 4       /* shorter secret values are not scrubbed */
#define SK_REDACT_MAX_SECRETS 64  /* registered values kept */
#define SK_REDACTED "(redacted)"  /* how `skred config` shows a secret */

/* Copy in to out (cap bytes, always NUL-terminated when cap > 0) with URL
 * userinfo masked ("https://user:pw@host" -> "https://user:***@host", a
 * lone user part "tok@host" -> "***@host"; an '@' after the authority is
 * not userinfo) and every registered secret value replaced by "***".
 * Idempotent. Returns the length written. in may be NULL (empty output). */
size_t sk_redact_text(const char *in, char *out, size_t cap);

/* Register a secret value (copied) to be scrubbed from all later text;
 * values shorter than SK_REDACT_MIN_LEN are ignored. At most
 * SK_REDACT_MAX_SECRETS are kept: past that, the one registered (or
 * re-registered) longest ago is forgotten. Thread-safe; config.c calls it
 * for every secret key it sets (again on each reload). */
void sk_redact_add(const char *value);
/* Forget every registered value (tests). */
void sk_redact_clear(void);

/* True if s contains a URL with userinfo (credentials). */
bool sk_redact_has_userinfo(const char *s);

/* ----------------------------------------------------------------- logging */

enum sk_log_level { SK_LOG_ERROR = 0, SK_LOG_WARN, SK_LOG_INFO, SK_LOG_DEBUG };

extern int sk_log_level_current;

/* Set the level from a name (error|warn|info|debug); -1 on unknown name. */
int sk_log_set_level_name(const char *name);

void sk_log_write(enum sk_log_level level, const char *subsys, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/* One line on stderr: "<utc time> <level> <subsys>: <message>".
 * The level is checked before any formatting. */
#define sk_log(level, subsys, ...)                                             \
	do {                                                                   \
		if ((int)(level) <= sk_log_level_current)                      \
			sk_log_write((level), (subsys), __VA_ARGS__);          \
	} while (0)

/* ----------------------------------------------------------------- buffers */

/* Growable byte buffer with a hard cap. data is always NUL-terminated
 * (the NUL is not counted in len). Zero-initialise, set max, use. */
struct sk_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 means SK_LIMIT_BUF_DEFAULT */
};

/* Append n bytes. SK_ERR_LIMIT if len would exceed max, SK_ERR_NOMEM. */
sk_err_t sk_buf_append(struct sk_buf *b, const void *p, size_t n);
sk_err_t sk_buf_puts(struct sk_buf *b, const char *s);
sk_err_t sk_buf_printf(struct sk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sk_buf_reset(struct sk_buf *b);
/* Returns the data (owned by the caller) and empties the buffer. */
char *sk_buf_steal(struct sk_buf *b);
void sk_buf_free(struct sk_buf *b);

/* strdup that returns NULL on allocation failure or NULL input. */
char *sk_strdup(const char *s);
char *sk_strndup(const char *s, size_t n);

/* --------------------------------------------------- fingerprints and sets */

/* FNV-1a 64 of n bytes: a fingerprint for deduplication, not a
 * cryptographic hash (nothing here defends against a chosen collision). */
uint64_t sk_fnv1a64(const void *p, size_t n);
/* The same hash fed in pieces: h = SK_FNV1A64_INIT, then h =
 * sk_fnv1a64_update(h, p, n) per piece; sk_fnv1a64(p, n) is one piece. */
#define SK_FNV1A64_INIT 0xcbf29ce484222325ULL
uint64_t sk_fnv1a64_update(uint64_t h, const void *p, size_t n);
/* FNV-1a 32 of n bytes (partitioning and load spreading, where 32 bits
 * are what the protocol or the modulus wants). */
uint32_t sk_fnv1a32(const void *p, size_t n);

/* A set of strings (copies), for deduplication. Zero-initialise, add,
 * free. Grows without a cap of its own: callers bound what they add. */
struct sk_strset {
	char **slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};
/* Adds a copy of s: SK_OK with *added true when it was new, false when it
 * was already there; SK_ERR_NOMEM (the set unchanged). */
sk_err_t sk_strset_add(struct sk_strset *set, const char *s, bool *added);
bool sk_strset_has(const struct sk_strset *set, const char *s);
void sk_strset_free(struct sk_strset *set);

/* ------------------------------------------------------------------- time */

/* A calendar date (proleptic Gregorian). */
struct sk_date {
	int y, m, d;
};

/* A wall-clock time without zone. */
struct sk_civil {
	int y, m, d, hh, mi, ss, ms;
};

int64_t sk_days_from_civil(int y, int m, int d);
void sk_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Strict "YYYY-MM-DD"; SK_ERR_PARSE on anything else or an impossible date. */
sk_err_t sk_date_parse(const char *s, struct sk_date *out);
/* Writes "YYYY-MM-DD" and a NUL into out (11 bytes). */
void sk_date_format(const struct sk_date *d, char out[11]);
struct sk_date sk_date_add_days(struct sk_date d, int days);
/* Negative, zero or positive like strcmp. */
int sk_date_cmp(const struct sk_date *a, const struct sk_date *b);
/* b - a in days. */
int64_t sk_date_diff(const struct sk_date *a, const struct sk_date *b);
/* 1 = Monday ... 7 = Sunday. */
int sk_date_weekday(const struct sk_date *d);

/* "YYYY-MM-DDTHH:MM:SS" with an optional ".f", ".ff" or ".fff";
 * no offset allowed. SK_ERR_PARSE otherwise. */
sk_err_t sk_civil_parse(const char *s, struct sk_civil *out);

/* UTC offset of Europe/Oslo, in seconds, at a UTC instant (ms since epoch).
 * EU rules from 1996 (last Sunday of March/October, 01:00 UTC); 1981-1995
 * ended on the last Sunday of September; before 1981 standard time only. */
int sk_oslo_offset_at(int64_t utc_ms);

/* Europe/Oslo wall time -> UTC ms. A time in the spring gap (02:00-02:59 on
 * the change day) is read as standard time (+01:00); a time repeated in the
 * autumn (02:00-02:59) is read as its first occurrence (+02:00). */
int64_t sk_oslo_to_utc_ms(const struct sk_civil *lt);
void sk_oslo_from_utc_ms(int64_t utc_ms, struct sk_civil *out);

/* Today's date on the Europe/Oslo calendar at utc_ms. */
struct sk_date sk_oslo_date_at(int64_t utc_ms);

#define SK_TIME_UTC_LEN 25
/* "YYYY-MM-DDTHH:MM:SS.sssZ" (24 chars + NUL): sortable as text. */
void sk_time_format_utc(int64_t utc_ms, char out[SK_TIME_UTC_LEN]);

/* An HTTP-date (RFC 9110 5.6.7) of n bytes at s (no NUL needed) -> UTC ms:
 * IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and the obsolete RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years 70-99 are 19xx, 00-69
 * 20xx) and asctime "Sun Nov  6 08:49:37 1994" forms, exactly as the grammar
 * writes them (case-sensitive names, no surrounding blanks; the day name is
 * not checked against the date). Years 1900-9999. SK_ERR_PARSE otherwise,
 * including anything longer than SK_LIMIT_HTTP_DATE. No I/O. */
#define SK_LIMIT_HTTP_DATE 64
sk_err_t sk_http_date_parse(const char *s, size_t n, int64_t *utc_ms);

int64_t sk_now_ms(void);  /* wall clock, UTC ms */
int64_t sk_mono_ms(void); /* monotonic ms, for timeouts only */
void sk_sleep_ms(int64_t ms);

/* ------------------------------------------------------------- time zones
 * Named zones from the system tz database (TZif files, RFC 8536), read by
 * src/core/tz.c, for schedules in any zone. The Europe/Oslo functions above
 * stay as they are and need no files. Instants are UTC ms since the epoch;
 * offsets are seconds east of UTC. A loaded zone is immutable, so one
 * struct sk_tz may be shared by threads. */
#define SK_LIMIT_TZIF (256u * 1024)  /* one TZif file (sk_tz_parse input) */
#define SK_LIMIT_TZ_TRANSITIONS 4096 /* transitions in the block used */
#define SK_LIMIT_TZ_CHARS 1024       /* abbreviation bytes (charcnt) */
#define SK_LIMIT_TZ_FOOTER 256       /* POSIX TZ string in the footer */
#define SK_LIMIT_TZ_NAME 255         /* zone name ("Europe/Oslo") */
#define SK_TZ_DIR_DEFAULT "/usr/share/zoneinfo" /* Debian package tzdata */

struct sk_tz;

/* Load zone name ("Europe/Oslo", "UTC") from the directory named by the
 * environment variable SKRED_ZONEINFO, or SK_TZ_DIR_DEFAULT when it is unset
 * or empty. Same as sk_tz_load_dir(NULL, name, out, err). */
sk_err_t sk_tz_load(const char *name, struct sk_tz **out,
		    struct sk_error *err);

/* Load zone name from dir (NULL or "": as sk_tz_load): read <dir>/<name>,
 * at most SK_LIMIT_TZIF bytes, and sk_tz_parse it. name must be 1 to
 * SK_LIMIT_TZ_NAME characters from [A-Za-z0-9_+-/], must not start with '/'
 * and must not contain "..".
 * Returns SK_OK and *out (owned by the caller, free with sk_tz_free);
 * SK_ERR_INVAL for a bad name, SK_ERR_NOTFOUND when there is no such zone
 * file (or the file is not TZif, like zone.tab), SK_ERR_IO when it cannot be
 * read, SK_ERR_LIMIT when it is too big, else sk_tz_parse's codes. *out is
 * NULL on failure. */
sk_err_t sk_tz_load_dir(const char *dir, const char *name, struct sk_tz **out,
			struct sk_error *err);

/* Parse TZif data (versions 1-4; the 64-bit block and the POSIX TZ footer
 * are used when present) without any I/O. data is borrowed; name (may be
 * NULL) is copied and only used by sk_tz_name and messages. Caps: len <=
 * SK_LIMIT_TZIF, SK_LIMIT_TZ_TRANSITIONS, SK_LIMIT_TZ_CHARS,
 * SK_LIMIT_TZ_FOOTER (SK_ERR_LIMIT). Files with leap-second records
 * ("right/" zones) are rejected. SK_ERR_PARSE for anything malformed,
 * SK_ERR_NOMEM. *out is owned by the caller, NULL on failure. */
sk_err_t sk_tz_parse(const unsigned char *data, size_t len, const char *name,
		     struct sk_tz **out, struct sk_error *err);

/* Accepts NULL. */
void sk_tz_free(struct sk_tz *tz);

/* The name given at load/parse time (borrowed from tz; "" if none). */
const char *sk_tz_name(const struct sk_tz *tz);

/* Offset east of UTC in seconds at a UTC instant. Before the first
 * transition the zone's first time type applies; after the last one the
 * footer rule (or, without one, the last transition's type). */
int sk_tz_offset_at(const struct sk_tz *tz, int64_t utc_ms);

/* The first instant strictly after utc_ms at which the offset changes, or
 * INT64_MAX when there is none (fixed-offset zones, permanent rules). */
int64_t sk_tz_next_transition(const struct sk_tz *tz, int64_t utc_ms);

/* Wall time lt in tz -> UTC ms. lt's fields must be in their usual ranges
 * (year -1000000..1000000, month 1-12, day 1-31, hour 0-23, minute and
 * second 0-59, ms 0-999; a day past the month's end rolls over into the
 * next month); otherwise INT64_MIN.
 *  - Overlap (a wall time that occurs twice when clocks go back): fold 0
 *    gives the first occurrence, fold 1 (any non-zero) the second.
 *  - Gap (a wall time skipped when clocks go forward): fold is ignored and
 *    the time is read with the offset in effect before the gap, so the
 *    result lies after the gap, shifted forward by the gap's length:
 *    Europe/Oslo 2024-03-31T02:30 -> 01:30Z (= 03:30 local). This matches
 *    sk_oslo_to_utc_ms. */
int64_t sk_tz_local_to_utc_ms(const struct sk_tz *tz, const struct sk_civil *lt,
			      int fold);

/* UTC ms -> wall time in tz. */
void sk_tz_from_utc_ms(const struct sk_tz *tz, int64_t utc_ms,
		       struct sk_civil *out);

/* ---------------------------------------------------------------- backoff */

/* Capped exponential backoff with full jitter: a uniform random delay in
 * [0, min(cap_ms, base_ms * 2^attempt)]. attempt counts from 0. The RNG
 * state is caller-owned (seed it with anything non-zero). */
int64_t sk_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
		      uint64_t *rng);
uint64_t sk_rand_next(uint64_t *rng);

/* ---------------------------------------------------------------- signals */

/* Set from a signal handler (SIGINT/SIGTERM); long loops check it and stop
 * at the next safe point. */
void sk_stop_request(void);
bool sk_stop_requested(void);
/* SIGHUP: reload the configuration. take() returns and clears the flag. */
void sk_reload_request(void);
bool sk_reload_take(void);

/* The scheduler's clock: wall-clock UTC ms, or, for tests, a fake clock
 * starting at SKRED_FAKE_NOW (UTC "YYYY-MM-DDTHH:MM:SSZ") and running
 * SKRED_FAKE_SPEED times faster than real time (default 1). */
int64_t sk_clock_now_ms(void);
/* Sleep so that about ms pass on that clock (returns early on a stop or
 * reload request). */
void sk_clock_sleep_ms(int64_t ms);

/* Crash tests: when the environment variable SKRED_CRASH_AT equals name,
 * the process kills itself with SIGKILL right there (a kill -9 at an exact
 * point, e.g. "cassandra.before_mark" between a batch's writes and its
 * completion marks). A no-op when the variable is unset. */
void sk_crash_point(const char *name);

/* A per-thread tap on the log: fn sees every line this thread logs (after
 * formatting), e.g. to keep an excerpt of a run. NULL removes it. */
void sk_log_set_tap(void (*fn)(const char *line, void *ud), void *ud);

/* ------------------------------------------------------------------ files */

/* mkdir -p; SK_ERR_IO naming the path if a part cannot be created or the
 * result is not a directory. */
sk_err_t sk_mkdir_p(const char *dir, struct sk_error *err);

/* Take an exclusive lock on path (created, mode 0644) that lasts until
 * sk_lockfile_release or the process's end (crash and kill -9 included:
 * the kernel drops it), and write our pid into it. SK_ERR_CONFLICT when
 * another process holds it, *holder then that process's pid as written
 * in the file (0 if unknown); SK_ERR_IO if it cannot be opened. *fd is
 * the open lock, -1 on failure. */
sk_err_t sk_lockfile_take(const char *path, int *fd, int64_t *holder,
			  struct sk_error *err);
void sk_lockfile_release(int fd);


/* Layered configuration over per-module tables: core/config.h. */
#include "config.h"

#endif
