/*
 * jscan.c - model/'s JSON scanner (model_int.h): one validating pass over the
 * text, optionally writing a flat tape of tokens, without a node per value.
 *
 * It replaced jansson (which built a tree: a malloc per value, string and
 * object hashtable) in model/: the splitter only validates and reads three
 * keys per element, the warning parser reads its members off the tape.
 */
#include "model/model_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sk_model_jscan_init(struct sk_jscan *s, const char *text, size_t len,
			 struct sk_jtok *buf, size_t cap)
{
	memset(s, 0, sizeof *s);
	s->text = text;
	s->len = len;
	s->tok = buf;
	s->cap = buf ? cap : 0;
}

void sk_model_jscan_free(struct sk_jscan *s)
{
	if (s->heap)
		free(s->tok);
	s->tok = NULL;
	s->heap = false;
	s->ntok = s->cap = 0;
}

sk_err_t sk_model_jscan_fail(struct sk_jscan *s, const char *why)
{
	s->why = why;
	s->at = s->p;
	return SK_ERR_PARSE;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Skip whitespace; the next byte, or -1 at the end. Inline in the scan
 * (compact JSON: usually the first byte is it). */
static inline int peek(struct sk_jscan *s)
{
	if (s->p < s->len && (unsigned char)s->text[s->p] > ' ')
		return (unsigned char)s->text[s->p];
	while (s->p < s->len && is_ws((unsigned char)s->text[s->p]))
		s->p++;
	return s->p < s->len ? (unsigned char)s->text[s->p] : -1;
}

int sk_model_jscan_peek(struct sk_jscan *s)
{
	return peek(s);
}

/* A new token at the end of the tape (grown when full); its index, or
 * SIZE_MAX when the tape could not grow (s->oom). Validate-only scans
 * never call it. */
static size_t grow(struct sk_jscan *s, int type, size_t pos);

static inline size_t push(struct sk_jscan *s, int type, size_t pos)
{
	if (s->ntok == s->cap)
		return grow(s, type, pos);
	struct sk_jtok *t = &s->tok[s->ntok];
	t->type = (uint8_t)type;
	t->esc = 0;
	t->n = 0;
	t->pos = (uint32_t)pos;
	t->v.i = 0;
	t->end = (uint32_t)(s->ntok + 1);
	return s->ntok++;
}

/* push() when the tape is full: move it to the heap, twice the size. */
static size_t grow(struct sk_jscan *s, int type, size_t pos)
{
	size_t cap = s->cap ? 2 * s->cap : 256;
	struct sk_jtok *t;
	if (cap > UINT32_MAX / 2) {
		s->oom = true;
		return SIZE_MAX;
	}
	if (s->heap) {
		t = realloc(s->tok, cap * sizeof *t);
	} else {
		t = malloc(cap * sizeof *t);
		if (t && s->ntok)
			memcpy(t, s->tok, s->ntok * sizeof *t);
	}
	if (!t) {
		s->oom = true;
		return SIZE_MAX;
	}
	s->tok = t;
	s->cap = cap;
	s->heap = true;
	return push(s, type, pos);
}

size_t sk_model_utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t n;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at q (at least 4 bytes), or -1. */
static long hex4(const unsigned char *q)
{
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(q[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Bytes that end the fast run of a string: '"', '\\', controls, non-ASCII. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* The first byte at or after p that is not plain, or len. Eight bytes at
 * a time: a word is flagged where a byte is '"', '\\', < 0x20 or >= 0x80
 * (the lowest flag is exact; higher ones may be false, and the byte loop
 * after the word looks again). */
static size_t skip_plain(const unsigned char *x, size_t p, size_t len)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	while (p + 8 <= len) {
		uint64_t w, q, b;
		memcpy(&w, x + p, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		uint64_t m = (w & high) | ((w - ones * 0x20) & ~w & high) |
			     ((q - ones) & ~q & high) |
			     ((b - ones) & ~b & high);
		if (m)
			break;
		p += 8;
	}
	while (p < len && plain(x[p]))
		p++;
	return p;
}

/* A string at s->p (its opening quote): validated; t gets its span. */
static sk_err_t scan_string(struct sk_jscan *s, struct sk_jtok *t)
{
	const unsigned char *x = (const unsigned char *)s->text;
	size_t p = s->p + 1, len = s->len;
	bool esc = false;
	t->type = SK_JSTR;
	t->pos = (uint32_t)p;
	for (;;) {
		p = skip_plain(x, p, len);
		if (p >= len) {
			s->p = p;
			return sk_model_jscan_fail(s, "premature end of input "
						      "in a string");
		}
		unsigned char c = x[p];
		if (c == '"')
			break;
		if (c < 0x20) {
			s->p = p;
			return sk_model_jscan_fail(s, "control character in a "
						      "string");
		}
		if (c >= 0x80) {
			size_t n = sk_model_utf8_seq(x + p, len - p);
			if (!n) {
				s->p = p;
				return sk_model_jscan_fail(s,
							   "invalid UTF-8 in "
							   "a string");
			}
			p += n;
			continue;
		}
		/* a backslash */
		esc = true;
		if (p + 1 >= len) {
			s->p = p;
			return sk_model_jscan_fail(s, "premature end of input "
						      "in a string");
		}
		c = x[p + 1];
		if (c != 'u') {
			if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				s->p = p;
				return sk_model_jscan_fail(s, "invalid escape");
			}
			p += 2;
			continue;
		}
		long u = p + 6 <= len ? hex4(x + p + 2) : -1;
		if (u < 0) {
			s->p = p;
			return sk_model_jscan_fail(s, "invalid \\u escape");
		}
		if (u == 0) {
			s->p = p;
			return sk_model_jscan_fail(s, "\\u0000 is not allowed");
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			s->p = p;
			return sk_model_jscan_fail(s, "lone low surrogate");
		}
		if (u >= 0xD800 && u <= 0xDBFF) {
			long lo = p + 12 <= len && x[p + 6] == '\\' &&
						  x[p + 7] == 'u'
					  ? hex4(x + p + 8)
					  : -1;
			if (lo < 0xDC00 || lo > 0xDFFF) {
				s->p = p;
				return sk_model_jscan_fail(s, "lone high "
							      "surrogate");
			}
			p += 12;
			continue;
		}
		p += 6;
	}
	if (p - t->pos > UINT32_MAX) {
		s->p = p;
		return sk_model_jscan_fail(s, "string too long");
	}
	t->n = (uint32_t)(p - t->pos);
	t->esc = esc;
	s->p = p + 1;
	return SK_OK;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A number at s->p: an integer (no fraction or exponent) that must fit
 * int64_t, else a real that must not overflow. */
static sk_err_t scan_number(struct sk_jscan *s, struct sk_jtok *t)
{
	const char *x = s->text;
	size_t p = s->p, len = s->len, start = p;
	bool neg = false, real = false;
	if (x[p] == '-') {
		neg = true;
		p++;
	}
	if (p >= len || !is_digit(x[p])) {
		s->p = p;
		return sk_model_jscan_fail(s, "invalid number");
	}
	if (x[p] == '0') {
		p++;
		if (p < len && is_digit(x[p])) {
			s->p = p;
			return sk_model_jscan_fail(s, "invalid number");
		}
	} else {
		while (p < len && is_digit(x[p]))
			p++;
	}
	size_t int_end = p;
	if (p < len && x[p] == '.') {
		real = true;
		p++;
		if (p >= len || !is_digit(x[p])) {
			s->p = p;
			return sk_model_jscan_fail(s, "invalid number");
		}
		while (p < len && is_digit(x[p]))
			p++;
	}
	if (p < len && (x[p] == 'e' || x[p] == 'E')) {
		real = true;
		p++;
		if (p < len && (x[p] == '+' || x[p] == '-'))
			p++;
		if (p >= len || !is_digit(x[p])) {
			s->p = p;
			return sk_model_jscan_fail(s, "invalid number");
		}
		while (p < len && is_digit(x[p]))
			p++;
	}
	if (!real) {
		uint64_t v = 0, max = neg ? (uint64_t)INT64_MAX + 1
					  : (uint64_t)INT64_MAX;
		for (size_t i = start + neg; i < int_end; i++) {
			unsigned d = (unsigned)(x[i] - '0');
			if (v > (max - d) / 10) {
				s->p = start;
				return sk_model_jscan_fail(s,
							   "too big integer");
			}
			v = v * 10 + d;
		}
		t->type = SK_JINT;
		t->v.i = neg ? (int64_t)(0 - v) : (int64_t)v;
		s->p = p;
		return SK_OK;
	}
	char small[64], *buf = small;
	size_t n = p - start;
	if (n >= sizeof small) {
		buf = malloc(n + 1);
		if (!buf) {
			s->oom = true;
			return SK_ERR_NOMEM;
		}
	}
	memcpy(buf, x + start, n);
	buf[n] = '\0';
	errno = 0;
	double d = strtod(buf, NULL);
	bool over = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE;
	if (buf != small)
		free(buf);
	if (over) {
		s->p = start;
		return sk_model_jscan_fail(s, "real number overflow");
	}
	t->type = SK_JREAL;
	t->v.d = d;
	s->p = p;
	return SK_OK;
}

static sk_err_t literal(struct sk_jscan *s, const char *word, int type,
			struct sk_jtok *t)
{
	size_t n = strlen(word);
	if (s->len - s->p < n || memcmp(s->text + s->p, word, n) != 0)
		return sk_model_jscan_fail(s, "invalid token");
	s->p += n;
	t->type = (uint8_t)type;
	return SK_OK;
}

/* Write t into the tape slot at (a value's own token keeps its end). */
static void put(struct sk_jscan *s, size_t at, const struct sk_jtok *t)
{
	if (at == SIZE_MAX)
		return;
	struct sk_jtok *d = &s->tok[at];
	d->type = t->type;
	d->esc = t->esc;
	d->n = t->n;
	d->pos = t->pos;
	d->v = t->v;
}

static sk_err_t scan_array(struct sk_jscan *s, int level, struct sk_jtok *t)
{
	sk_err_t rc;
	s->p++;
	t->type = SK_JARR;
	if (peek(s) == ']') {
		s->p++;
		return SK_OK;
	}
	for (;;) {
		rc = sk_model_jscan_value(s, level + 1, NULL);
		if (rc != SK_OK)
			return rc;
		if (t->n == UINT32_MAX)
			return sk_model_jscan_fail(s, "too many elements");
		t->n++;
		int c = peek(s);
		s->p++;
		if (c == ']')
			return SK_OK;
		if (c != ',') {
			s->p--;
			return sk_model_jscan_fail(s, "',' or ']' expected");
		}
	}
}

static sk_err_t scan_object(struct sk_jscan *s, int level, struct sk_jtok *t)
{
	sk_err_t rc;
	s->p++;
	t->type = SK_JOBJ;
	if (peek(s) == '}') {
		s->p++;
		return SK_OK;
	}
	for (;;) {
		struct sk_jtok key = {0};
		if (peek(s) != '"')
			return sk_model_jscan_fail(s, "string expected as a "
						      "key");
		size_t at = SIZE_MAX;
		if (s->tok && (at = push(s, SK_JSTR, s->p)) == SIZE_MAX)
			return SK_ERR_NOMEM;
		rc = scan_string(s, &key);
		if (rc != SK_OK)
			return rc;
		put(s, at, &key);
		if (peek(s) != ':')
			return sk_model_jscan_fail(s, "':' expected");
		s->p++;
		rc = sk_model_jscan_value(s, level + 1, NULL);
		if (rc != SK_OK)
			return rc;
		if (t->n == UINT32_MAX)
			return sk_model_jscan_fail(s, "too many members");
		t->n++;
		int c = peek(s);
		s->p++;
		if (c == '}')
			return SK_OK;
		if (c != ',') {
			s->p--;
			return sk_model_jscan_fail(s, "',' or '}' expected");
		}
	}
}

sk_err_t sk_model_jscan_value(struct sk_jscan *s, int level,
			      struct sk_jtok *out)
{
	struct sk_jtok t = {0};
	sk_err_t rc;
	int c = peek(s);
	if (level > SK_JSCAN_MAX_DEPTH)
		return sk_model_jscan_fail(s, "maximum parsing depth reached");
	if (level > s->max_level)
		s->max_level = level;
	if (s->len > UINT32_MAX)
		return sk_model_jscan_fail(s, "text too long");
	t.pos = (uint32_t)s->p;
	size_t at = SIZE_MAX;
	if (s->tok && (at = push(s, SK_JNULL, s->p)) == SIZE_MAX)
		return SK_ERR_NOMEM;
	switch (c) {
	case '{':
		rc = scan_object(s, level, &t);
		break;
	case '[':
		rc = scan_array(s, level, &t);
		break;
	case '"':
		rc = scan_string(s, &t);
		break;
	case 't':
		rc = literal(s, "true", SK_JTRUE, &t);
		break;
	case 'f':
		rc = literal(s, "false", SK_JFALSE, &t);
		break;
	case 'n':
		rc = literal(s, "null", SK_JNULL, &t);
		break;
	case -1:
		return sk_model_jscan_fail(s, "premature end of input");
	default:
		if (c == '-' || is_digit(c))
			rc = scan_number(s, &t);
		else
			rc = sk_model_jscan_fail(s, "invalid token");
		break;
	}
	if (rc != SK_OK)
		return s->oom ? SK_ERR_NOMEM : rc;
	if (at != SIZE_MAX) {
		put(s, at, &t);
		s->tok[at].end = (uint32_t)s->ntok;
	}
	if (out)
		*out = t;
	return SK_OK;
}

sk_err_t sk_model_jscan_doc(struct sk_jscan *s)
{
	sk_err_t rc = sk_model_jscan_value(s, 1, NULL);
	if (rc != SK_OK)
		return rc;
	if (peek(s) != -1)
		return sk_model_jscan_fail(s, "end of file expected");
	return SK_OK;
}

sk_err_t sk_model_jscan_error(const struct sk_jscan *s, const char *what,
			      bool retriable, struct sk_error *err)
{
	size_t at = s->at < s->len ? s->at : s->len;
	long line = 1;
	size_t bol = 0;
	for (size_t i = 0; i < at; i++)
		if (s->text[i] == '\n') {
			line++;
			bol = i + 1;
		}
	return sk_error_set(err, SK_ERR_PARSE, retriable,
			    "%s is not valid JSON: %s (line %ld, column %zu)",
			    what, s->why ? s->why : "invalid", line,
			    at - bol + 1);
}

/* Append code point u as UTF-8 at d; the bytes written. */
static size_t put_utf8(char *d, unsigned long u)
{
	if (u < 0x80) {
		d[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		d[0] = (char)(0xC0 | (u >> 6));
		d[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		d[0] = (char)(0xE0 | (u >> 12));
		d[1] = (char)(0x80 | ((u >> 6) & 0x3F));
		d[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | (u >> 18));
	d[1] = (char)(0x80 | ((u >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((u >> 6) & 0x3F));
	d[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

/* Decode the character at x[*i] (within a validated string) into d; the
 * bytes written (1..4). */
static size_t decode_one(const unsigned char *x, size_t *i, char *d)
{
	if (x[*i] != '\\') {
		d[0] = (char)x[(*i)++];
		return 1;
	}
	unsigned char c = x[*i + 1];
	unsigned long u;
	*i += 2;
	switch (c) {
	case 'b':
		d[0] = '\b';
		return 1;
	case 'f':
		d[0] = '\f';
		return 1;
	case 'n':
		d[0] = '\n';
		return 1;
	case 'r':
		d[0] = '\r';
		return 1;
	case 't':
		d[0] = '\t';
		return 1;
	case 'u':
		u = (unsigned long)hex4(x + *i);
		*i += 4;
		if (u >= 0xD800 && u <= 0xDBFF) {
			unsigned long lo = (unsigned long)hex4(x + *i + 2);
			*i += 6;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
		}
		return put_utf8(d, u);
	default: /* " \ / */
		d[0] = (char)c;
		return 1;
	}
}

size_t sk_model_jstr_decode(const char *text, const struct sk_jtok *t,
			    char *dst)
{
	const unsigned char *x = (const unsigned char *)text + t->pos;
	size_t n = t->n, o = 0;
	if (!t->esc) {
		memcpy(dst, x, n);
		dst[n] = '\0';
		return n;
	}
	for (size_t i = 0; i < n;) {
		const unsigned char *bs = memchr(x + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (x + i)) : n - i;
		memcpy(dst + o, x + i, run);
		o += run;
		i += run;
		if (i < n)
			o += decode_one(x, &i, dst + o);
	}
	dst[o] = '\0';
	return o;
}

size_t sk_model_jstr_head(const char *text, const struct sk_jtok *t, char *dst,
			  size_t max)
{
	const unsigned char *x = (const unsigned char *)text + t->pos;
	size_t o = 0;
	for (size_t i = 0; i < t->n && o < max;)
		o += decode_one(x, &i, dst + o);
	dst[o] = '\0';
	return o;
}

bool sk_model_jstr_eq(const char *text, const struct sk_jtok *t,
		      const char *key, size_t klen)
{
	const unsigned char *x = (const unsigned char *)text + t->pos;
	if (!t->esc)
		return t->n == klen && memcmp(x, key, klen) == 0;
	size_t o = 0;
	for (size_t i = 0; i < t->n;) {
		char d[4];
		size_t k = decode_one(x, &i, d);
		if (o + k > klen || memcmp(key + o, d, k) != 0)
			return false;
		o += k;
	}
	return o == klen;
}

const char *sk_model_jtype_name(int type)
{
	switch (type) {
	case SK_JOBJ:
		return "object";
	case SK_JARR:
		return "array";
	case SK_JSTR:
		return "string";
	case SK_JINT:
		return "integer";
	case SK_JREAL:
		return "real";
	case SK_JTRUE:
	case SK_JFALSE:
		return "boolean";
	case SK_JNULL:
		return "null";
	}
	return "unknown";
}
