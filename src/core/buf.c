/*
 * buf.c - growable byte buffers with a required cap and a sticky failure,
 * and checked strdup.
 */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_buf_init(struct sk_buf *b, size_t max)
{
	*b = (struct sk_buf)SK_BUF_INIT(max);
}

/* The failure sticks: the data goes, every later append is refused. */
static sk_err_t fail(struct sk_buf *b, sk_err_t code)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->fail = code;
	return code;
}

sk_err_t sk_buf_append(struct sk_buf *b, const void *p, size_t n)
{
	if (b->fail != SK_OK)
		return b->fail;
	size_t max = b->max;
	if (!max)
		return fail(b, SK_ERR_INVAL); /* no cap: a programming error */
	if (n > max || b->len > max - n)
		return fail(b, SK_ERR_LIMIT);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		char *d = realloc(b->data, cap);
		if (!d)
			return fail(b, SK_ERR_NOMEM);
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SK_OK;
}

sk_err_t sk_buf_puts(struct sk_buf *b, const char *s)
{
	return sk_buf_append(b, s, strlen(s));
}

sk_err_t sk_buf_printf(struct sk_buf *b, const char *fmt, ...)
{
	if (b->fail != SK_OK)
		return b->fail;
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return fail(b, SK_ERR_INVAL);
	if ((size_t)n < sizeof small)
		return sk_buf_append(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return fail(b, SK_ERR_NOMEM);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sk_err_t rc = sk_buf_append(b, big, (size_t)n);
	free(big);
	return rc;
}

sk_err_t sk_buf_finish(const struct sk_buf *b)
{
	return b->fail;
}

size_t sk_buf_room(const struct sk_buf *b)
{
	return b->fail != SK_OK || b->len >= b->max ? 0 : b->max - b->len;
}

void sk_buf_reset(struct sk_buf *b)
{
	b->len = 0;
	b->fail = SK_OK;
	if (b->data)
		b->data[0] = '\0';
}

char *sk_buf_steal(struct sk_buf *b)
{
	if (b->fail != SK_OK) {
		b->fail = SK_OK;
		return NULL;
	}
	char *d = b->data;
	if (!d)
		d = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

void sk_buf_free(struct sk_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->fail = SK_OK;
}

char *sk_strdup(const char *s)
{
	return s ? sk_strndup(s, strlen(s)) : NULL;
}

char *sk_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
