/*
 * buf.c - growable byte buffers with a hard cap, and checked strdup.
 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t buf_max(const struct sk_buf *b)
{
	return b->max ? b->max : SK_LIMIT_BUF_DEFAULT;
}

sk_err_t sk_buf_append(struct sk_buf *b, const void *p, size_t n)
{
	size_t max = buf_max(b);
	if (n > max || b->len > max - n)
		return SK_ERR_LIMIT;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		char *d = realloc(b->data, cap);
		if (!d)
			return SK_ERR_NOMEM;
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
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SK_ERR_INVAL;
	if ((size_t)n < sizeof small)
		return sk_buf_append(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return SK_ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sk_err_t rc = sk_buf_append(b, big, (size_t)n);
	free(big);
	return rc;
}

void sk_buf_reset(struct sk_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *sk_buf_steal(struct sk_buf *b)
{
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
