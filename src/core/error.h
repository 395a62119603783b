/*
 * error.h - typed errors: the stable sk_err_t codes (one name table,
 * error.c) and the caller-owned struct sk_error that the function knowing
 * the cause fills once, with a retriable flag (STYLE.md convention 3).
 */
#ifndef SK_CORE_ERROR_H
#define SK_CORE_ERROR_H

#include <stdbool.h>

/* Stable numbers: they appear in logs, the ledger and exit paths. */
typedef enum {
	SK_OK = 0,
	SK_ERR_NOMEM = 1,        /* allocation failed */
	SK_ERR_INVAL = 2,        /* bad argument or usage */
	SK_ERR_IO = 3,           /* file or socket I/O */
	SK_ERR_PARSE = 4,        /* malformed input (JSON, dates, config) */
	SK_ERR_LIMIT = 5,        /* a documented size cap was exceeded */
	SK_ERR_NOTFOUND = 6,     /* no such thing */
	SK_ERR_HTTP = 7,         /* upstream answered with an HTTP error */
	SK_ERR_DB = 8,           /* SQLite error */
	SK_ERR_BUS = 9,          /* bus backend error */
	SK_ERR_STORE = 10,       /* warehouse backend error */
	SK_ERR_CONFIG = 11,      /* invalid configuration */
	SK_ERR_TIMEOUT = 12,     /* a deadline passed */
	SK_ERR_VALIDATE = 13,    /* a record failed validation */
	SK_ERR_INTERRUPTED = 14, /* stopped by a signal */
	SK_ERR_NET = 15,         /* connection-level network failure */
	SK_ERR_CONFLICT = 16,    /* lost a race: another process owns it */
	SK_ERR__COUNT
} sk_err_t;

#define SK_ERROR_MSG_MAX 512

/* A result that must be looked at: ignoring it is a warning, so an error
 * under -Werror (a cast to void does not silence it in gcc). */
#define SK_MUST_USE __attribute__((warn_unused_result))

/* Filled once, by the function that knows the cause. Caller-owned. */
struct sk_error {
	sk_err_t code;
	bool retriable;
	char msg[SK_ERROR_MSG_MAX];
};

/* Short stable name ("parse", "http", ...) of a code; never NULL. */
const char *sk_err_name(sk_err_t code);

/* Set code, retriable flag and a printf-formatted message; returns code.
 * err may be NULL (then only the code is returned). A message longer than
 * SK_ERROR_MSG_MAX - 1 bytes is cut at a blank and ends in " ..." (never
 * mid-word); callers listing many items summarise with a count instead. */
sk_err_t sk_error_set(struct sk_error *err, sk_err_t code, bool retriable,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix the existing message with context ("region=3011: ..."). */
void sk_error_prefix(struct sk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void sk_error_clear(struct sk_error *err);

#endif
