/*
 * buf.h - the bounded byte buffer (a required cap, a sticky failure) and
 * checked strdup.
 */
#ifndef SK_CORE_BUF_H
#define SK_CORE_BUF_H

#include "core/error.h"

#include <stddef.h>

/* Growable byte buffer with a required cap and a sticky failure (after
 * curl's dynbuf): data is NULL or NUL-terminated (the NUL not counted in
 * len). Initialise with its cap, append without checking each call, check
 * once at the end:
 *
 *	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
 *	sk_buf_puts(&b, "{");
 *	sk_buf_printf(&b, "\"n\":%d", n);
 *	sk_buf_puts(&b, "}");
 *	if (sk_buf_finish(&b) != SK_OK) ... (b.data is NULL, nothing leaked)
 *
 * The first failed append (SK_ERR_LIMIT past max, SK_ERR_NOMEM, SK_ERR_INVAL
 * for a buffer without a cap or a bad format) frees the data and sticks:
 * every later append does nothing and returns that code, until
 * sk_buf_reset or sk_buf_free. */
struct sk_buf {
	char *data;
	size_t len;
	size_t cap;    /* bytes allocated */
	size_t max;    /* the cap on len: required, never 0 */
	sk_err_t fail; /* the first failure, SK_OK while none */
};

#define SK_BUF_INIT(max_)                                                      \
	{                                                                      \
		.max = (max_)                                                  \
	}
void sk_buf_init(struct sk_buf *b, size_t max);

/* Append n bytes; SK_OK or the (sticky) failure. */
sk_err_t sk_buf_append(struct sk_buf *b, const void *p, size_t n);
sk_err_t sk_buf_puts(struct sk_buf *b, const char *s);
sk_err_t sk_buf_printf(struct sk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* SK_OK, or the failure of an append since the last reset. */
SK_MUST_USE sk_err_t sk_buf_finish(const struct sk_buf *b);
/* Bytes that may still be appended (0 after a failure). */
size_t sk_buf_room(const struct sk_buf *b);
/* Empty (the allocation and max kept) and clear a failure. */
void sk_buf_reset(struct sk_buf *b);
/* The data (owned by the caller, "" if nothing was appended) and the
 * buffer emptied; NULL after a failure or on allocation failure. */
SK_MUST_USE char *sk_buf_steal(struct sk_buf *b);
/* Free the data and clear a failure; max is kept, b may be reused. */
void sk_buf_free(struct sk_buf *b);

/* strdup that returns NULL on allocation failure or NULL input. */
char *sk_strdup(const char *s);
char *sk_strndup(const char *s, size_t n);

#endif
