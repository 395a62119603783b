/*
 * jbuf.c - the growable response buffer and a small streaming JSON writer
 * (commas, string escaping, integers) used to build response bodies fast.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jb_init(struct jbuf *j, size_t reserve, size_t hint)
{
	memset(j, 0, sizeof(*j));
	j->cap = reserve + (hint ? hint : 256);
	j->data = malloc(j->cap);
	if (!j->data) {
		j->oom = true;
		j->cap = 0;
		return;
	}
	j->len = reserve;
	j->start = reserve;
}

void jb_free(struct jbuf *j)
{
	free(j->data);
	j->data = NULL;
	j->len = j->cap = 0;
}

char *jb_body(const struct jbuf *j)
{
	return j->data ? j->data + j->start : NULL;
}

size_t jb_body_len(const struct jbuf *j)
{
	return j->data ? j->len - j->start : 0;
}

static bool jb_grow(struct jbuf *j, size_t need)
{
	if (j->oom)
		return false;
	if (j->len + need <= j->cap)
		return true;
	size_t cap = j->cap ? j->cap : 256;
	while (cap < j->len + need)
		cap *= 2;
	char *d = realloc(j->data, cap);
	if (!d) {
		j->oom = true;
		return false;
	}
	j->data = d;
	j->cap = cap;
	return true;
}

void jb_put(struct jbuf *j, const char *s, size_t n)
{
	if (!n || !jb_grow(j, n))
		return;
	memcpy(j->data + j->len, s, n);
	j->len += n;
}

void jb_puts(struct jbuf *j, const char *s)
{
	jb_put(j, s, strlen(s));
}

static void jb_putc(struct jbuf *j, char ch)
{
	if (!jb_grow(j, 1))
		return;
	j->data[j->len++] = ch;
}

/* Before any value: a comma unless first in its container or after a key. */
static void jb_sep(struct jbuf *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->comma[j->depth])
		jb_putc(j, ',');
	j->comma[j->depth] = true;
}

static void jb_open(struct jbuf *j, char ch)
{
	jb_sep(j);
	jb_putc(j, ch);
	if (j->depth + 1 < JB_MAXDEPTH)
		j->depth++;
	j->comma[j->depth] = false;
}

bool drift_parse(const char *s, struct sim_drift *d)
{
	static const char *const ops[] = {"rename:", "drop:", "retype:",
					  "add:"};
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(ops[i]);
		if (strncmp(s, ops[i], n) != 0)
			continue;
		const char *k = s + n, *eq = strchr(k, '=');
		d->op = (enum drift_op)i;
		size_t kl = eq && d->op == DR_RENAME ? (size_t)(eq - k)
						     : strlen(k);
		if (!kl || kl >= SIM_DRIFT_KEY)
			return false;
		memcpy(d->key, k, kl);
		if (d->op != DR_RENAME)
			return !eq;
		if (!eq || !eq[1] || strlen(eq + 1) >= SIM_DRIFT_KEY)
			return false;
		snprintf(d->to, sizeof(d->to), "%s", eq + 1);
		return true;
	}
	return false;
}

/* After a value: finish a drop or retype of the key before it. */
static void jb_done(struct jbuf *j)
{
	if (!j->drift_mode || j->depth != j->drift_depth)
		return;
	int mode = j->drift_mode - 1;
	j->drift_mode = 0;
	if (mode == DR_DROP) {
		j->len = j->drift_mark;
		j->comma[j->depth] = j->drift_comma;
		return;
	}
	bool was_str = j->data && j->data[j->drift_value] == '"';
	j->len = j->drift_value;
	jb_puts(j, was_str ? "true" : "\"x\"");
}

static void jb_close(struct jbuf *j, char ch)
{
	jb_putc(j, ch);
	if (j->depth > 0)
		j->depth--;
	jb_done(j);
}

void jb_obj(struct jbuf *j)
{
	jb_open(j, '{');
}

void jb_obj_end(struct jbuf *j)
{
	jb_close(j, '}');
}

void jb_arr(struct jbuf *j)
{
	jb_open(j, '[');
}

void jb_arr_end(struct jbuf *j)
{
	jb_close(j, ']');
}

void jb_key(struct jbuf *j, const char *k)
{
	for (int i = 0; i < j->ndrift && !j->drift_mode; i++) {
		const struct sim_drift *d = &j->drift[i];
		if (strcmp(d->key, k) != 0 || d->op == DR_ADD)
			continue;
		if (d->op == DR_RENAME) {
			k = d->to;
			break;
		}
		j->drift_mode = (int)d->op + 1;
		j->drift_depth = j->depth;
		j->drift_mark = j->len;
		j->drift_comma = j->comma[j->depth];
	}
	size_t n = strlen(k);
	jb_sep(j);
	if (!jb_grow(j, n + 3))
		return;
	char *p = j->data + j->len;
	*p++ = '"';
	memcpy(p, k, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	j->len += n + 3;
	j->after_key = true;
	if (j->drift_mode && j->drift_depth == j->depth)
		j->drift_value = j->len;
}

/* Escaped string contents, without quotes. UTF-8 passes through. */
static void jb_escape(struct jbuf *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const unsigned char *q = p;
		while (*q >= 0x20 && *q != '"' && *q != '\\')
			q++;
		jb_put(j, (const char *)p, (size_t)(q - p));
		if (!*q)
			break;
		char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
		size_t n = 2;
		switch (*q) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*q >> 4];
			esc[5] = hex[*q & 15];
			n = 6;
		}
		jb_put(j, esc, n);
		p = q + 1;
	}
}

void jb_str(struct jbuf *j, const char *s)
{
	if (!s) {
		jb_null(j);
		return;
	}
	jb_str3(j, s, NULL, NULL);
}

void jb_str3(struct jbuf *j, const char *a, const char *b, const char *c)
{
	jb_sep(j);
	jb_putc(j, '"');
	if (a)
		jb_escape(j, a);
	if (b)
		jb_escape(j, b);
	if (c)
		jb_escape(j, c);
	jb_putc(j, '"');
	jb_done(j);
}

void jb_int(struct jbuf *j, long long v)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	jb_sep(j);
	jb_put(j, p, (size_t)(tmp + sizeof(tmp) - p));
	jb_done(j);
}

void jb_dbl(struct jbuf *j, double v)
{
	char tmp[40];
	int n = snprintf(tmp, sizeof(tmp), "%.10g", v);
	jb_sep(j);
	if (n > 0)
		jb_put(j, tmp, (size_t)n);
	jb_done(j);
}

void jb_bool(struct jbuf *j, bool v)
{
	jb_sep(j);
	if (v)
		jb_put(j, "true", 4);
	else
		jb_put(j, "false", 5);
	jb_done(j);
}

void jb_null(struct jbuf *j)
{
	jb_sep(j);
	jb_put(j, "null", 4);
	jb_done(j);
}

void jb_raw(struct jbuf *j, const char *json)
{
	jb_sep(j);
	jb_puts(j, json);
	jb_done(j);
}

void jb_kstr(struct jbuf *j, const char *k, const char *s)
{
	jb_key(j, k);
	jb_str(j, s);
}

void jb_kint(struct jbuf *j, const char *k, long long v)
{
	jb_key(j, k);
	jb_int(j, v);
}

void jb_knull(struct jbuf *j, const char *k)
{
	jb_key(j, k);
	jb_null(j);
}

void jb_kbool(struct jbuf *j, const char *k, bool v)
{
	jb_key(j, k);
	jb_bool(j, v);
}

void jb_kraw(struct jbuf *j, const char *k, const char *json)
{
	jb_key(j, k);
	jb_raw(j, json);
}
