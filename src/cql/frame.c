/*
 * frame.c - the CQL v4 frame codec: the arena that owns decoded messages,
 * a reader that checks bounds on every read, a writer with a sticky error,
 * request encoders and response decoders.
 *
 * Does no I/O and keeps no state between calls. Input size is bounded by
 * the frame cap the caller passes to sk_cql_header_decode (default
 * SK_CQL_LIMIT_FRAME); what a decode allocates is capped at 16 x the body
 * + 64 KiB. Cell values are decoded in value.c.
 */
#include "cql/cql_int.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================================================================ names */

const char *sk_cql_consistency_name(unsigned wire_code)
{
	static const char *const names[] = {
		"ANY",    "ONE",          "TWO",          "THREE",
		"QUORUM", "ALL",          "LOCAL_QUORUM", "EACH_QUORUM",
		"SERIAL", "LOCAL_SERIAL", "LOCAL_ONE",
	};
	if (wire_code >= sizeof names / sizeof names[0])
		return "UNKNOWN";
	return names[wire_code];
}

const char *sk_cql_opcode_name(unsigned op)
{
	static const char *const names[] = {
		"ERROR",        "STARTUP", "READY",          "AUTHENTICATE",
		NULL,           "OPTIONS", "SUPPORTED",      "QUERY",
		"RESULT",       "PREPARE", "EXECUTE",        "REGISTER",
		"EVENT",        "BATCH",   "AUTH_CHALLENGE", "AUTH_RESPONSE",
		"AUTH_SUCCESS",
	};
	if (op >= sizeof names / sizeof names[0] || !names[op])
		return "UNKNOWN";
	return names[op];
}

const char *sk_cql_error_code_name(int32_t code)
{
	switch (code) {
	case SK_CQL_ERR_SERVER:
		return "server";
	case SK_CQL_ERR_PROTOCOL:
		return "protocol";
	case SK_CQL_ERR_BAD_CREDENTIALS:
		return "bad credentials";
	case SK_CQL_ERR_UNAVAILABLE:
		return "unavailable";
	case SK_CQL_ERR_OVERLOADED:
		return "overloaded";
	case SK_CQL_ERR_BOOTSTRAPPING:
		return "bootstrapping";
	case SK_CQL_ERR_TRUNCATE:
		return "truncate";
	case SK_CQL_ERR_WRITE_TIMEOUT:
		return "write timeout";
	case SK_CQL_ERR_READ_TIMEOUT:
		return "read timeout";
	case SK_CQL_ERR_READ_FAILURE:
		return "read failure";
	case SK_CQL_ERR_FUNCTION_FAILURE:
		return "function failure";
	case SK_CQL_ERR_WRITE_FAILURE:
		return "write failure";
	case SK_CQL_ERR_SYNTAX:
		return "syntax";
	case SK_CQL_ERR_UNAUTHORIZED:
		return "unauthorized";
	case SK_CQL_ERR_INVALID:
		return "invalid";
	case SK_CQL_ERR_CONFIG:
		return "config";
	case SK_CQL_ERR_ALREADY_EXISTS:
		return "already exists";
	case SK_CQL_ERR_UNPREPARED:
		return "unprepared";
	default:
		return "unknown";
	}
}

/* ================================================================ arena */

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_BLOCK_MIN 1024u
#define ARENA_BLOCK_MAX (1024u * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

struct arena_adopted {
	struct arena_adopted *next;
	void *block;
};

struct sk_cql_arena {
	struct arena_block *blocks;
	struct arena_adopted *adopted;
	size_t total; /* bytes of blocks malloc'd */
	size_t cap;
	size_t next_size;
};

struct sk_cql_arena *sk_cql_arena_new(size_t cap)
{
	struct sk_cql_arena *a = calloc(1, sizeof *a);
	if (a) {
		a->cap = cap;
		a->next_size = ARENA_BLOCK_MIN;
	}
	return a;
}

void *sk_cql_arena_alloc(struct sk_cql_arena *a, size_t n, sk_err_t *rc)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2) {
		*rc = SK_ERR_LIMIT;
		return NULL;
	}
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_block *b = a->blocks;
	if (!b || b->size - b->used < n) {
		size_t size = a->next_size;
		if (size < n)
			size = n;
		if (a->cap && (a->total > a->cap || size > a->cap - a->total)) {
			*rc = SK_ERR_LIMIT;
			return NULL;
		}
		b = malloc(sizeof *b + size);
		if (!b) {
			*rc = SK_ERR_NOMEM;
			return NULL;
		}
		b->size = size;
		b->used = 0;
		a->total += size;
		if (a->next_size < ARENA_BLOCK_MAX)
			a->next_size *= 2;
		/* A block too big for the rest keeps the current one on top. */
		if (a->blocks && size == n &&
		    a->blocks->size - a->blocks->used > ARENA_BLOCK_MIN) {
			b->next = a->blocks->next;
			a->blocks->next = b;
		} else {
			b->next = a->blocks;
			a->blocks = b;
		}
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

char *sk_cql_arena_strndup(struct sk_cql_arena *a, const void *p, size_t n,
			   sk_err_t *rc)
{
	char *s = sk_cql_arena_alloc(a, n + 1, rc);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

sk_err_t sk_cql_arena_adopt(struct sk_cql_arena *a, void *block)
{
	if (!block)
		return SK_OK;
	struct arena_adopted *ad = malloc(sizeof *ad);
	if (!ad) {
		free(block);
		return SK_ERR_NOMEM;
	}
	ad->block = block;
	ad->next = a->adopted;
	a->adopted = ad;
	return SK_OK;
}

void sk_cql_arena_free(struct sk_cql_arena *a)
{
	if (!a)
		return;
	while (a->blocks) {
		struct arena_block *b = a->blocks;
		a->blocks = b->next;
		free(b);
	}
	while (a->adopted) {
		struct arena_adopted *ad = a->adopted;
		a->adopted = ad->next;
		free(ad->block);
		free(ad);
	}
	free(a);
}

/* =============================================================== reader */

void sk_cql_reader_init(struct sk_cql_reader *r, const void *p, size_t len)
{
	/* Never NULL, so that taking 0 bytes is plain pointer arithmetic. */
	static const uint8_t empty[1];
	r->p = p ? p : empty;
	r->len = p ? len : 0;
	r->pos = 0;
	r->fail_what = NULL;
	r->fail_pos = 0;
}

bool sk_cql_reader_fail(struct sk_cql_reader *r, const char *what)
{
	if (!r->fail_what) {
		r->fail_what = what;
		r->fail_pos = r->pos;
	}
	return false;
}

sk_err_t sk_cql_reader_error(const struct sk_cql_reader *r, const char *ctx,
			     struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "%s: malformed %s at offset %zu of %zu", ctx,
			    r->fail_what ? r->fail_what : "message",
			    r->fail_pos, r->len);
}

/* The one bounds check: n more bytes available and no earlier failure. */
static const uint8_t *take(struct sk_cql_reader *r, size_t n, const char *what)
{
	if (r->fail_what)
		return NULL;
	if (n > r->len - r->pos) {
		sk_cql_reader_fail(r, what);
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

bool sk_cql_read_byte(struct sk_cql_reader *r, uint8_t *v)
{
	const uint8_t *p = take(r, 1, "byte");
	if (p)
		*v = p[0];
	return p != NULL;
}

bool sk_cql_read_short(struct sk_cql_reader *r, uint16_t *v)
{
	const uint8_t *p = take(r, 2, "short");
	if (p)
		*v = sk_cql_load16(p);
	return p != NULL;
}

bool sk_cql_read_int(struct sk_cql_reader *r, int32_t *v)
{
	const uint8_t *p = take(r, 4, "int");
	if (p)
		*v = (int32_t)sk_cql_load32(p);
	return p != NULL;
}

bool sk_cql_read_long(struct sk_cql_reader *r, int64_t *v)
{
	const uint8_t *p = take(r, 8, "long");
	if (p)
		*v = (int64_t)sk_cql_load64(p);
	return p != NULL;
}

bool sk_cql_read_uuid(struct sk_cql_reader *r, uint8_t v[16])
{
	const uint8_t *p = take(r, 16, "uuid");
	if (p)
		memcpy(v, p, 16);
	return p != NULL;
}

bool sk_cql_read_consistency(struct sk_cql_reader *r, uint16_t *v)
{
	return sk_cql_read_short(r, v);
}

bool sk_cql_read_raw(struct sk_cql_reader *r, size_t n, const uint8_t **p)
{
	*p = take(r, n, "bytes");
	return *p != NULL;
}

bool sk_cql_read_string(struct sk_cql_reader *r, const char **s, size_t *n)
{
	uint16_t len;
	const uint8_t *p;
	if (!sk_cql_read_short(r, &len) || !(p = take(r, len, "string")))
		return false;
	*s = (const char *)p;
	*n = len;
	return true;
}

bool sk_cql_read_long_string(struct sk_cql_reader *r, const char **s, size_t *n)
{
	int32_t len;
	const uint8_t *p;
	if (!sk_cql_read_int(r, &len))
		return false;
	if (len < 0)
		return sk_cql_reader_fail(r, "long string length");
	if (!(p = take(r, (size_t)len, "long string")))
		return false;
	*s = (const char *)p;
	*n = (size_t)len;
	return true;
}

/* Arena failures are reported through the reader too ("out of memory" or
 * "decoded size cap"), so one error path covers both. */
static bool arena_fail(struct sk_cql_reader *r, sk_err_t rc)
{
	return sk_cql_reader_fail(r, rc == SK_ERR_LIMIT ? "(decoded size cap)"
							: "(out of memory)");
}

static void *ralloc(struct sk_cql_reader *r, struct sk_cql_arena *a, size_t n)
{
	sk_err_t rc = SK_OK;
	if (r->fail_what)
		return NULL;
	void *p = sk_cql_arena_alloc(a, n, &rc);
	if (!p)
		arena_fail(r, rc);
	return p;
}

bool sk_cql_read_string_dup(struct sk_cql_reader *r, struct sk_cql_arena *a,
			    const char **s)
{
	const char *p;
	size_t n;
	sk_err_t rc = SK_OK;
	if (!sk_cql_read_string(r, &p, &n))
		return false;
	char *d = sk_cql_arena_strndup(a, p, n, &rc);
	if (!d)
		return arena_fail(r, rc);
	*s = d;
	return true;
}

bool sk_cql_read_bytes(struct sk_cql_reader *r, const uint8_t **p, int32_t *n)
{
	if (!sk_cql_read_int(r, n))
		return false;
	if (*n < 0) {
		*p = NULL;
		*n = -1;
		return true;
	}
	*p = take(r, (size_t)*n, "bytes");
	return *p != NULL;
}

bool sk_cql_read_short_bytes(struct sk_cql_reader *r, const uint8_t **p,
			     size_t *n)
{
	uint16_t len;
	if (!sk_cql_read_short(r, &len) || !(*p = take(r, len, "short bytes")))
		return false;
	*n = len;
	return true;
}

bool sk_cql_read_value(struct sk_cql_reader *r, const uint8_t **p, int32_t *n)
{
	if (!sk_cql_read_int(r, n))
		return false;
	if (*n < -2)
		return sk_cql_reader_fail(r, "value length");
	if (*n < 0) {
		*p = NULL;
		return true;
	}
	*p = take(r, (size_t)*n, "value");
	return *p != NULL;
}

/* A count of elements each at least min_size bytes long must fit in what
 * is left, so a huge count fails before anything is allocated. */
static bool check_count(struct sk_cql_reader *r, uint64_t count,
			size_t min_size, const char *what)
{
	if (r->fail_what)
		return false;
	if (count > sk_cql_reader_left(r) / min_size)
		return sk_cql_reader_fail(r, what);
	return true;
}

bool sk_cql_read_string_list(struct sk_cql_reader *r, struct sk_cql_arena *a,
			     const char *const **list, size_t *n)
{
	uint16_t count;
	if (!sk_cql_read_short(r, &count) ||
	    !check_count(r, count, 2, "string list count"))
		return false;
	const char **l = ralloc(r, a, (count ? count : 1) * sizeof *l);
	if (!l)
		return false;
	for (size_t i = 0; i < count; i++)
		if (!sk_cql_read_string_dup(r, a, &l[i]))
			return false;
	*list = l;
	*n = count;
	return true;
}

bool sk_cql_read_string_map(struct sk_cql_reader *r, struct sk_cql_arena *a,
			    const struct sk_cql_string_pair **map, size_t *n)
{
	uint16_t count;
	if (!sk_cql_read_short(r, &count) ||
	    !check_count(r, count, 4, "string map count"))
		return false;
	struct sk_cql_string_pair *m = ralloc(r, a,
					      (count ? count : 1) * sizeof *m);
	if (!m)
		return false;
	for (size_t i = 0; i < count; i++)
		if (!sk_cql_read_string_dup(r, a, &m[i].key) ||
		    !sk_cql_read_string_dup(r, a, &m[i].value))
			return false;
	*map = m;
	*n = count;
	return true;
}

bool sk_cql_read_string_multimap(struct sk_cql_reader *r,
				 struct sk_cql_arena *a,
				 const struct sk_cql_multimap_entry **mm,
				 size_t *n)
{
	uint16_t count;
	if (!sk_cql_read_short(r, &count) ||
	    !check_count(r, count, 4, "string multimap count"))
		return false;
	struct sk_cql_multimap_entry *m =
		ralloc(r, a, (count ? count : 1) * sizeof *m);
	if (!m)
		return false;
	for (size_t i = 0; i < count; i++)
		if (!sk_cql_read_string_dup(r, a, &m[i].key) ||
		    !sk_cql_read_string_list(r, a, &m[i].values,
					     &m[i].n_values))
			return false;
	*mm = m;
	*n = count;
	return true;
}

bool sk_cql_read_inet(struct sk_cql_reader *r, struct sk_cql_inet *v)
{
	uint8_t len;
	const uint8_t *p;
	if (!sk_cql_read_byte(r, &len))
		return false;
	if (len != 4 && len != 16)
		return sk_cql_reader_fail(r, "inet address length");
	if (!(p = take(r, len, "inet address")) ||
	    !sk_cql_read_int(r, &v->port))
		return false;
	v->len = len;
	memset(v->addr, 0, sizeof v->addr);
	memcpy(v->addr, p, len);
	return true;
}

bool sk_cql_read_type(struct sk_cql_reader *r, struct sk_cql_arena *a,
		      struct sk_cql_type *t, int depth)
{
	uint16_t id;
	memset(t, 0, sizeof *t);
	if (depth > SK_CQL_LIMIT_TYPE_DEPTH)
		return sk_cql_reader_fail(r, "type (nested too deep)");
	if (!sk_cql_read_short(r, &id))
		return false;
	t->id = id;
	switch (id) {
	case SK_CQL_TYPE_CUSTOM:
		return sk_cql_read_string_dup(r, a, &t->name);
	case SK_CQL_TYPE_LIST:
	case SK_CQL_TYPE_SET:
	case SK_CQL_TYPE_MAP: {
		uint16_t n = id == SK_CQL_TYPE_MAP ? 2 : 1;
		struct sk_cql_type *sub = ralloc(r, a, n * sizeof *sub);
		if (!sub)
			return false;
		for (uint16_t i = 0; i < n; i++)
			if (!sk_cql_read_type(r, a, &sub[i], depth + 1))
				return false;
		t->sub = sub;
		t->n_sub = n;
		return true;
	}
	case SK_CQL_TYPE_UDT:
	case SK_CQL_TYPE_TUPLE: {
		uint16_t n;
		bool udt = id == SK_CQL_TYPE_UDT;
		if (udt && (!sk_cql_read_string_dup(r, a, &t->keyspace) ||
			    !sk_cql_read_string_dup(r, a, &t->name)))
			return false;
		if (!sk_cql_read_short(r, &n) ||
		    !check_count(r, n, udt ? 4 : 2, "type component count"))
			return false;
		struct sk_cql_type *sub = ralloc(r, a,
						 (n ? n : 1) * sizeof *sub);
		const char **names =
			udt ? ralloc(r, a, (n ? n : 1) * sizeof *names) : NULL;
		if (!sub || (udt && !names))
			return false;
		for (uint16_t i = 0; i < n; i++) {
			if (udt && !sk_cql_read_string_dup(r, a, &names[i]))
				return false;
			if (!sk_cql_read_type(r, a, &sub[i], depth + 1))
				return false;
		}
		t->sub = sub;
		t->n_sub = n;
		t->field_names = names;
		return true;
	}
	default:
		/* Native types carry no value; 0x0015 is v5's duration, which
		 * a v4 server does not send but costs nothing to accept. */
		if ((id >= SK_CQL_TYPE_ASCII && id <= SK_CQL_TYPE_TINYINT &&
		     id != 0x000A) ||
		    id == 0x0015)
			return true;
		return sk_cql_reader_fail(r, "type (unknown option id)");
	}
}

/* =============================================================== writer */

static void wput(struct sk_cql_writer *w, const void *p, size_t n)
{
	if (w->rc != SK_OK)
		return;
	w->rc = sk_buf_append(w->buf, p, n);
}

void sk_cql_write_byte(struct sk_cql_writer *w, uint8_t v)
{
	wput(w, &v, 1);
}

void sk_cql_write_short(struct sk_cql_writer *w, uint16_t v)
{
	uint8_t b[2];
	sk_cql_store16(b, v);
	wput(w, b, 2);
}

void sk_cql_write_int(struct sk_cql_writer *w, int32_t v)
{
	uint8_t b[4];
	sk_cql_store32(b, (uint32_t)v);
	wput(w, b, 4);
}

void sk_cql_write_long(struct sk_cql_writer *w, int64_t v)
{
	uint8_t b[8];
	sk_cql_store64(b, (uint64_t)v);
	wput(w, b, 8);
}

void sk_cql_write_raw(struct sk_cql_writer *w, const void *p, size_t n)
{
	wput(w, p, n);
}

static bool wfail(struct sk_cql_writer *w, sk_err_t rc)
{
	if (w->rc == SK_OK)
		w->rc = rc;
	return false;
}

void sk_cql_write_string(struct sk_cql_writer *w, const char *s, size_t n)
{
	if (n > UINT16_MAX)
		wfail(w, SK_ERR_LIMIT);
	sk_cql_write_short(w, (uint16_t)n);
	wput(w, s, n);
}

void sk_cql_write_cstring(struct sk_cql_writer *w, const char *s)
{
	if (!s)
		wfail(w, SK_ERR_INVAL);
	else
		sk_cql_write_string(w, s, strlen(s));
}

void sk_cql_write_long_string(struct sk_cql_writer *w, const char *s, size_t n)
{
	if (n > INT32_MAX)
		wfail(w, SK_ERR_LIMIT);
	sk_cql_write_int(w, (int32_t)n);
	wput(w, s, n);
}

void sk_cql_write_bytes(struct sk_cql_writer *w, const void *p, size_t n)
{
	if (!p) {
		sk_cql_write_int(w, -1);
		return;
	}
	if (n > INT32_MAX)
		wfail(w, SK_ERR_LIMIT);
	sk_cql_write_int(w, (int32_t)n);
	wput(w, p, n);
}

void sk_cql_write_short_bytes(struct sk_cql_writer *w, const void *p, size_t n)
{
	if (n > UINT16_MAX || (!p && n))
		wfail(w, SK_ERR_INVAL);
	sk_cql_write_short(w, (uint16_t)n);
	wput(w, p, n);
}

void sk_cql_write_string_list(struct sk_cql_writer *w, const char *const *list,
			      size_t n)
{
	if (n > UINT16_MAX)
		wfail(w, SK_ERR_LIMIT);
	sk_cql_write_short(w, (uint16_t)n);
	for (size_t i = 0; i < n && w->rc == SK_OK; i++)
		sk_cql_write_cstring(w, list[i]);
}

void sk_cql_write_string_map(struct sk_cql_writer *w,
			     const struct sk_cql_string_pair *map, size_t n)
{
	if (n > UINT16_MAX)
		wfail(w, SK_ERR_LIMIT);
	sk_cql_write_short(w, (uint16_t)n);
	for (size_t i = 0; i < n && w->rc == SK_OK; i++) {
		sk_cql_write_cstring(w, map[i].key);
		sk_cql_write_cstring(w, map[i].value);
	}
}

void sk_cql_write_uuid(struct sk_cql_writer *w, const uint8_t v[16])
{
	wput(w, v, 16);
}

void sk_cql_write_inet(struct sk_cql_writer *w, const struct sk_cql_inet *v)
{
	if (v->len != 4 && v->len != 16)
		wfail(w, SK_ERR_INVAL);
	sk_cql_write_byte(w, v->len);
	wput(w, v->addr, v->len);
	sk_cql_write_int(w, v->port);
}

void sk_cql_write_type(struct sk_cql_writer *w, const struct sk_cql_type *t)
{
	sk_cql_write_short(w, t->id);
	switch (t->id) {
	case SK_CQL_TYPE_CUSTOM:
		sk_cql_write_cstring(w, t->name ? t->name : "");
		return;
	case SK_CQL_TYPE_UDT:
		sk_cql_write_cstring(w, t->keyspace ? t->keyspace : "");
		sk_cql_write_cstring(w, t->name ? t->name : "");
		/* fall through */
	case SK_CQL_TYPE_TUPLE:
		sk_cql_write_short(w, t->n_sub);
		for (uint16_t i = 0; i < t->n_sub; i++) {
			if (t->id == SK_CQL_TYPE_UDT)
				sk_cql_write_cstring(w,
						     t->field_names
							     ? t->field_names[i]
							     : "");
			sk_cql_write_type(w, &t->sub[i]);
		}
		return;
	case SK_CQL_TYPE_LIST:
	case SK_CQL_TYPE_SET:
	case SK_CQL_TYPE_MAP:
		for (uint16_t i = 0; i < t->n_sub; i++)
			sk_cql_write_type(w, &t->sub[i]);
		return;
	default:
		return;
	}
}

void sk_cql_frame_begin(struct sk_cql_writer *w, struct sk_buf *buf,
			uint8_t version, uint8_t flags, int16_t stream,
			uint8_t opcode)
{
	struct sk_cql_header h = {version, flags, stream, opcode, 0};
	uint8_t hdr[SK_CQL_HEADER_LEN];
	w->buf = buf;
	w->frame_start = buf->len;
	w->rc = SK_OK;
	sk_cql_header_encode(&h, hdr);
	wput(w, hdr, sizeof hdr);
}

sk_err_t sk_cql_frame_end(struct sk_cql_writer *w)
{
	struct sk_buf *b = w->buf;
	if (w->rc == SK_OK) {
		size_t body = b->len - w->frame_start - SK_CQL_HEADER_LEN;
		if (body > SK_CQL_LIMIT_FRAME_HARD)
			w->rc = SK_ERR_LIMIT;
		else
			sk_cql_store32((uint8_t *)b->data + w->frame_start + 5,
				       (uint32_t)body);
	}
	if (w->rc != SK_OK && b->data && b->len > w->frame_start) {
		memset(b->data + w->frame_start, 0, b->len - w->frame_start);
		b->len = w->frame_start;
		b->data[b->len] = '\0';
	}
	return w->rc;
}

/* =============================================================== header */

sk_err_t sk_cql_header_decode(const uint8_t *p, size_t n, uint32_t max_body,
			      struct sk_cql_header *h, struct sk_error *err)
{
	if (n < SK_CQL_HEADER_LEN)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "cql: frame header needs 9 bytes, got %zu",
				    n);
	if (max_body == 0)
		max_body = SK_CQL_LIMIT_FRAME;
	if (max_body > SK_CQL_LIMIT_FRAME_HARD)
		max_body = SK_CQL_LIMIT_FRAME_HARD;
	h->version = p[0];
	h->flags = p[1];
	h->stream = (int16_t)sk_cql_load16(p + 2);
	h->opcode = p[4];
	h->length = sk_cql_load32(p + 5);
	if (h->version != SK_CQL_VERSION_REQ &&
	    h->version != SK_CQL_VERSION_RESP)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "cql: frame of protocol version %u (0x%02x)"
				    ", only v4 is spoken",
				    h->version & 0x7fu, h->version);
	if (h->length > max_body)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "cql: %s frame body of %u bytes exceeds "
				    "the %u byte cap",
				    sk_cql_opcode_name(h->opcode), h->length,
				    max_body);
	return SK_OK;
}

void sk_cql_header_encode(const struct sk_cql_header *h, uint8_t out[9])
{
	out[0] = h->version;
	out[1] = h->flags;
	sk_cql_store16(out + 2, (uint16_t)h->stream);
	out[4] = h->opcode;
	sk_cql_store32(out + 5, h->length);
}

/* ============================================================= requests */

static void req_begin(struct sk_cql_writer *w, struct sk_buf *out,
		      int16_t stream, uint8_t opcode)
{
	sk_cql_frame_begin(w, out, SK_CQL_VERSION_REQ, 0, stream, opcode);
}

sk_err_t sk_cql_encode_startup(struct sk_buf *out, int16_t stream)
{
	static const struct sk_cql_string_pair opts[] = {
		{"CQL_VERSION", "3.0.0"},
		{"DRIVER_NAME", "skred"},
	};
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_STARTUP);
	sk_cql_write_string_map(&w, opts, sizeof opts / sizeof opts[0]);
	return sk_cql_frame_end(&w);
}

sk_err_t sk_cql_encode_options(struct sk_buf *out, int16_t stream)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_OPTIONS);
	return sk_cql_frame_end(&w);
}

sk_err_t sk_cql_encode_auth_response(struct sk_buf *out, int16_t stream,
				     const char *user, const char *password)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_AUTH_RESPONSE);
	if (!user || !password) {
		wfail(&w, SK_ERR_INVAL);
		return sk_cql_frame_end(&w);
	}
	size_t ul = strlen(user), pl = strlen(password);
	if (ul > INT32_MAX / 2 || pl > INT32_MAX / 2)
		wfail(&w, SK_ERR_LIMIT);
	/* [bytes] token written in place: no copy of the password. */
	sk_cql_write_int(&w, (int32_t)(ul + pl + 2));
	sk_cql_write_byte(&w, 0);
	wput(&w, user, ul);
	sk_cql_write_byte(&w, 0);
	wput(&w, password, pl);
	return sk_cql_frame_end(&w);
}

/* SK_CQL_CL_DEFAULT -> default_cl; otherwise the protocol code. */
static uint16_t wire_cl(struct sk_cql_writer *w, enum sk_cql_consistency cl,
			uint16_t default_cl)
{
	if (cl == SK_CQL_CL_DEFAULT)
		return default_cl;
	if ((unsigned)cl < SK_CQL_CL_ANY ||
	    (unsigned)cl > SK_CQL_CL_LOCAL_ONE) {
		wfail(w, SK_ERR_INVAL);
		return 0;
	}
	return (uint16_t)(cl & 0xff);
}

static void write_values(struct sk_cql_writer *w, const struct sk_cql_value *v,
			 size_t n)
{
	if (n > UINT16_MAX || (n && !v))
		wfail(w, SK_ERR_INVAL);
	sk_cql_write_short(w, (uint16_t)n);
	for (size_t i = 0; i < n && w->rc == SK_OK; i++)
		sk_cql_write_value(w, &v[i]);
}

static void write_params(struct sk_cql_writer *w, const struct sk_cql_params *p,
			 uint16_t default_cl)
{
	static const struct sk_cql_params none;
	if (!p)
		p = &none;
	uint8_t flags = 0;
	if (p->n_values)
		flags |= SK_CQL_QF_VALUES;
	if (p->skip_metadata)
		flags |= SK_CQL_QF_SKIP_METADATA;
	if (p->page_size > 0)
		flags |= SK_CQL_QF_PAGE_SIZE;
	if (p->paging_state)
		flags |= SK_CQL_QF_PAGING_STATE;
	if (p->serial_consistency != SK_CQL_CL_DEFAULT)
		flags |= SK_CQL_QF_SERIAL_CONSISTENCY;
	if (p->timestamp_us > 0)
		flags |= SK_CQL_QF_DEFAULT_TIMESTAMP;
	sk_cql_write_short(w, wire_cl(w, p->consistency, default_cl));
	sk_cql_write_byte(w, flags);
	if (flags & SK_CQL_QF_VALUES)
		write_values(w, p->values, p->n_values);
	if (flags & SK_CQL_QF_PAGE_SIZE)
		sk_cql_write_int(w, p->page_size);
	if (flags & SK_CQL_QF_PAGING_STATE)
		sk_cql_write_bytes(w, p->paging_state, p->paging_state_len);
	if (flags & SK_CQL_QF_SERIAL_CONSISTENCY)
		sk_cql_write_short(w, wire_cl(w, p->serial_consistency, 0));
	if (flags & SK_CQL_QF_DEFAULT_TIMESTAMP)
		sk_cql_write_long(w, p->timestamp_us);
}

sk_err_t sk_cql_encode_query(struct sk_buf *out, int16_t stream,
			     const char *cql, const struct sk_cql_params *p,
			     uint16_t default_cl)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_QUERY);
	if (!cql)
		wfail(&w, SK_ERR_INVAL);
	else
		sk_cql_write_long_string(&w, cql, strlen(cql));
	write_params(&w, p, default_cl);
	return sk_cql_frame_end(&w);
}

sk_err_t sk_cql_encode_prepare(struct sk_buf *out, int16_t stream,
			       const char *cql)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_PREPARE);
	if (!cql)
		wfail(&w, SK_ERR_INVAL);
	else
		sk_cql_write_long_string(&w, cql, strlen(cql));
	return sk_cql_frame_end(&w);
}

sk_err_t sk_cql_encode_execute(struct sk_buf *out, int16_t stream,
			       const uint8_t *id, size_t id_len,
			       const struct sk_cql_params *p,
			       uint16_t default_cl)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_EXECUTE);
	if (!id || !id_len)
		wfail(&w, SK_ERR_INVAL);
	sk_cql_write_short_bytes(&w, id, id_len);
	write_params(&w, p, default_cl);
	return sk_cql_frame_end(&w);
}

sk_err_t sk_cql_encode_batch(struct sk_buf *out, int16_t stream,
			     const struct sk_cql_batch *b, uint16_t default_cl,
			     size_t *id_off)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_BATCH);
	if (!b || !b->n_items || b->n_items > UINT16_MAX || !b->items ||
	    (unsigned)b->type > SK_CQL_BATCH_COUNTER) {
		wfail(&w, SK_ERR_INVAL);
		return sk_cql_frame_end(&w);
	}
	sk_cql_write_byte(&w, (uint8_t)b->type);
	sk_cql_write_short(&w, (uint16_t)b->n_items);
	for (size_t i = 0; i < b->n_items && w.rc == SK_OK; i++) {
		const struct sk_cql_batch_item *it = &b->items[i];
		if (id_off)
			id_off[i] = 0;
		if (it->prepared) {
			sk_cql_write_byte(&w, 1);
			if (!it->prepared->id || !it->prepared->id_len)
				wfail(&w, SK_ERR_INVAL);
			if (id_off)
				id_off[i] = out->len + 2;
			sk_cql_write_short_bytes(&w, it->prepared->id,
						 it->prepared->id_len);
		} else if (it->cql) {
			sk_cql_write_byte(&w, 0);
			sk_cql_write_long_string(&w, it->cql, strlen(it->cql));
		} else {
			wfail(&w, SK_ERR_INVAL);
		}
		write_values(&w, it->values, it->n_values);
	}
	uint8_t flags = 0;
	if (b->serial_consistency != SK_CQL_CL_DEFAULT)
		flags |= SK_CQL_QF_SERIAL_CONSISTENCY;
	if (b->timestamp_us > 0)
		flags |= SK_CQL_QF_DEFAULT_TIMESTAMP;
	sk_cql_write_short(&w, wire_cl(&w, b->consistency, default_cl));
	sk_cql_write_byte(&w, flags);
	if (flags & SK_CQL_QF_SERIAL_CONSISTENCY)
		sk_cql_write_short(&w, wire_cl(&w, b->serial_consistency, 0));
	if (flags & SK_CQL_QF_DEFAULT_TIMESTAMP)
		sk_cql_write_long(&w, b->timestamp_us);
	return sk_cql_frame_end(&w);
}

sk_err_t sk_cql_encode_register(struct sk_buf *out, int16_t stream,
				const char *const *events, size_t n)
{
	struct sk_cql_writer w;
	req_begin(&w, out, stream, SK_CQL_OP_REGISTER);
	sk_cql_write_string_list(&w, events, n);
	return sk_cql_frame_end(&w);
}

/* ============================================================ responses */

/* Rows metadata (also a prepared statement's result metadata). */
static bool read_meta(struct sk_cql_reader *r, struct sk_cql_arena *a,
		      struct sk_cql_meta *m, bool bind)
{
	const char *gks = NULL, *gtable = NULL;
	memset(m, 0, sizeof *m);
	if (!sk_cql_read_int(r, &m->flags) ||
	    !sk_cql_read_int(r, &m->n_columns))
		return false;
	if (m->n_columns < 0)
		return sk_cql_reader_fail(r, "column count");
	if (bind) {
		int32_t n_pk;
		if (!sk_cql_read_int(r, &n_pk))
			return false;
		if (n_pk < 0 ||
		    !check_count(r, (uint64_t)n_pk, 2, "partition key count"))
			return sk_cql_reader_fail(r, "partition key count");
		uint16_t *pk = ralloc(r, a, (n_pk ? (size_t)n_pk : 1) * 2);
		if (!pk)
			return false;
		for (int32_t i = 0; i < n_pk; i++)
			if (!sk_cql_read_short(r, &pk[i]))
				return false;
		m->n_pk = n_pk;
		m->pk_index = pk;
	} else if (m->flags & SK_CQL_META_HAS_MORE_PAGES) {
		int32_t n;
		if (!sk_cql_read_bytes(r, &m->paging_state, &n))
			return false;
		m->paging_state_len = n > 0 ? (size_t)n : 0;
	}
	if (!bind && (m->flags & SK_CQL_META_NO_METADATA))
		return true;
	bool global = m->flags & SK_CQL_META_GLOBAL_SPEC;
	if (global && (!sk_cql_read_string_dup(r, a, &gks) ||
		       !sk_cql_read_string_dup(r, a, &gtable)))
		return false;
	if (!check_count(r, (uint64_t)m->n_columns, global ? 4 : 8,
			 "column count"))
		return false;
	struct sk_cql_column *cols = ralloc(
		r, a, (m->n_columns ? (size_t)m->n_columns : 1) * sizeof *cols);
	if (!cols)
		return false;
	for (int32_t i = 0; i < m->n_columns; i++) {
		struct sk_cql_column *c = &cols[i];
		if (global) {
			c->keyspace = gks;
			c->table = gtable;
		} else if (!sk_cql_read_string_dup(r, a, &c->keyspace) ||
			   !sk_cql_read_string_dup(r, a, &c->table)) {
			return false;
		}
		if (!sk_cql_read_string_dup(r, a, &c->name) ||
		    !sk_cql_read_type(r, a, &c->type, 0))
			return false;
	}
	m->columns = cols;
	return true;
}

static bool read_rows(struct sk_cql_reader *r, struct sk_cql_arena *a,
		      struct sk_cql_result *res)
{
	static const struct sk_cql_type unknown = {.id = SK_CQL_TYPE_UNKNOWN};
	int32_t n_cols = res->meta.n_columns;
	if (!sk_cql_read_int(r, &res->n_rows))
		return false;
	if (res->n_rows < 0)
		return sk_cql_reader_fail(r, "row count");
	if (res->n_rows == 0)
		return true;
	if (n_cols == 0)
		return sk_cql_reader_fail(r,
					  "row count (rows without columns)");
	uint64_t n_cells = (uint64_t)res->n_rows * (uint64_t)n_cols;
	if (!check_count(r, n_cells, 4, "row count"))
		return false;
	struct sk_cql_value *cells = ralloc(r, a, n_cells * sizeof *cells);
	if (!cells)
		return false;
	for (uint64_t i = 0; i < n_cells; i++) {
		const uint8_t *p;
		int32_t n;
		sk_err_t rc = SK_OK;
		const struct sk_cql_type *t =
			res->meta.columns
				? &res->meta.columns[i % (uint64_t)n_cols].type
				: &unknown;
		if (!sk_cql_read_bytes(r, &p, &n))
			return false;
		if (!sk_cql_value_decode(t, p, n, a, &cells[i], &rc))
			return arena_fail(r, rc);
	}
	res->cells = cells;
	return true;
}

static bool read_schema_change(struct sk_cql_reader *r, struct sk_cql_arena *a,
			       struct sk_cql_result *res)
{
	if (!sk_cql_read_string_dup(r, a, &res->change_type) ||
	    !sk_cql_read_string_dup(r, a, &res->target))
		return false;
	const char *t = res->target;
	if (!strcmp(t, "KEYSPACE"))
		return sk_cql_read_string_dup(r, a, &res->keyspace);
	if (!strcmp(t, "TABLE") || !strcmp(t, "TYPE"))
		return sk_cql_read_string_dup(r, a, &res->keyspace) &&
		       sk_cql_read_string_dup(r, a, &res->name);
	if (!strcmp(t, "FUNCTION") || !strcmp(t, "AGGREGATE"))
		return sk_cql_read_string_dup(r, a, &res->keyspace) &&
		       sk_cql_read_string_dup(r, a, &res->name) &&
		       sk_cql_read_string_list(r, a, &res->arg_types,
					       &res->n_arg_types);
	return true; /* a target from the future: ignore the rest */
}

sk_err_t sk_cql_result_decode(struct sk_cql_reader *r, struct sk_cql_arena *a,
			      struct sk_cql_result **out)
{
	struct sk_cql_result *res = ralloc(r, a, sizeof *res);
	int32_t kind;
	bool ok;
	*out = NULL;
	if (!res || !sk_cql_read_int(r, &kind))
		return SK_ERR_PARSE;
	memset(res, 0, sizeof *res);
	res->kind = (enum sk_cql_result_kind)kind;
	switch (kind) {
	case SK_CQL_RESULT_VOID:
		ok = true;
		break;
	case SK_CQL_RESULT_ROWS:
		ok = read_meta(r, a, &res->meta, false) && read_rows(r, a, res);
		break;
	case SK_CQL_RESULT_SET_KEYSPACE:
		ok = sk_cql_read_string_dup(r, a, &res->keyspace);
		break;
	case SK_CQL_RESULT_PREPARED: {
		const uint8_t *id;
		size_t n;
		ok = sk_cql_read_short_bytes(r, &id, &n) &&
		     read_meta(r, a, &res->bind, true) &&
		     read_meta(r, a, &res->meta, false);
		res->prepared_id = id;
		res->prepared_id_len = ok ? n : 0;
		if (ok && !n)
			ok = sk_cql_reader_fail(r, "prepared id (empty)");
		break;
	}
	case SK_CQL_RESULT_SCHEMA_CHANGE:
		ok = read_schema_change(r, a, res);
		break;
	default:
		ok = sk_cql_reader_fail(r, "result kind");
	}
	if (!ok)
		return SK_ERR_PARSE;
	*out = res;
	return SK_OK;
}

sk_err_t sk_cql_error_decode(struct sk_cql_reader *r, struct sk_cql_arena *a,
			     struct sk_cql_server_error **out)
{
	struct sk_cql_server_error *e = ralloc(r, a, sizeof *e);
	bool ok;
	*out = NULL;
	if (!e)
		return SK_ERR_PARSE;
	memset(e, 0, sizeof *e);
	if (!sk_cql_read_int(r, &e->code) ||
	    !sk_cql_read_string_dup(r, a, &e->message))
		return SK_ERR_PARSE;
	switch (e->code) {
	case SK_CQL_ERR_UNAVAILABLE:
		ok = sk_cql_read_consistency(r, &e->consistency) &&
		     sk_cql_read_int(r, &e->required) &&
		     sk_cql_read_int(r, &e->alive);
		break;
	case SK_CQL_ERR_WRITE_TIMEOUT:
	case SK_CQL_ERR_WRITE_FAILURE:
		ok = sk_cql_read_consistency(r, &e->consistency) &&
		     sk_cql_read_int(r, &e->received) &&
		     sk_cql_read_int(r, &e->blockfor) &&
		     (e->code != SK_CQL_ERR_WRITE_FAILURE ||
		      sk_cql_read_int(r, &e->numfailures)) &&
		     sk_cql_read_string_dup(r, a, &e->write_type);
		break;
	case SK_CQL_ERR_READ_TIMEOUT:
	case SK_CQL_ERR_READ_FAILURE: {
		uint8_t present = 0;
		ok = sk_cql_read_consistency(r, &e->consistency) &&
		     sk_cql_read_int(r, &e->received) &&
		     sk_cql_read_int(r, &e->blockfor) &&
		     (e->code != SK_CQL_ERR_READ_FAILURE ||
		      sk_cql_read_int(r, &e->numfailures)) &&
		     sk_cql_read_byte(r, &present);
		e->data_present = present != 0;
		break;
	}
	case SK_CQL_ERR_FUNCTION_FAILURE:
		ok = sk_cql_read_string_dup(r, a, &e->keyspace) &&
		     sk_cql_read_string_dup(r, a, &e->function) &&
		     sk_cql_read_string_list(r, a, &e->arg_types,
					     &e->n_arg_types);
		break;
	case SK_CQL_ERR_ALREADY_EXISTS:
		ok = sk_cql_read_string_dup(r, a, &e->keyspace) &&
		     sk_cql_read_string_dup(r, a, &e->table);
		break;
	case SK_CQL_ERR_UNPREPARED:
		ok = sk_cql_read_short_bytes(r, &e->unprepared_id,
					     &e->unprepared_id_len);
		break;
	default:
		ok = true;
	}
	if (!ok)
		return SK_ERR_PARSE;
	*out = e;
	return SK_OK;
}

/* [bytes map] in a custom payload: skipped. */
static bool skip_bytes_map(struct sk_cql_reader *r)
{
	uint16_t n;
	if (!sk_cql_read_short(r, &n))
		return false;
	for (uint16_t i = 0; i < n; i++) {
		const char *k;
		size_t kl;
		const uint8_t *v;
		int32_t vl;
		if (!sk_cql_read_string(r, &k, &kl) ||
		    !sk_cql_read_bytes(r, &v, &vl))
			return false;
	}
	return true;
}

static bool decode_body(struct sk_cql_reader *r, struct sk_cql_response *resp)
{
	struct sk_cql_arena *a = resp->arena;
	const struct sk_cql_header *h = &resp->h;
	if ((h->flags & SK_CQL_FLAG_TRACING)) {
		if (!sk_cql_read_uuid(r, resp->tracing_id))
			return false;
		resp->has_tracing = true;
	}
	if ((h->flags & SK_CQL_FLAG_WARNING) &&
	    !sk_cql_read_string_list(r, a, &resp->warnings, &resp->n_warnings))
		return false;
	if ((h->flags & SK_CQL_FLAG_CUSTOM_PAYLOAD) && !skip_bytes_map(r))
		return false;
	switch (h->opcode) {
	case SK_CQL_OP_ERROR:
		return sk_cql_error_decode(r, a, &resp->error) == SK_OK;
	case SK_CQL_OP_READY:
		return true;
	case SK_CQL_OP_AUTHENTICATE:
		return sk_cql_read_string_dup(r, a, &resp->authenticator);
	case SK_CQL_OP_SUPPORTED:
		return sk_cql_read_string_multimap(r, a, &resp->supported,
						   &resp->n_supported);
	case SK_CQL_OP_RESULT:
		if (sk_cql_result_decode(r, a, &resp->result) != SK_OK)
			return false;
		resp->result->warnings = resp->warnings;
		resp->result->n_warnings = resp->n_warnings;
		return true;
	case SK_CQL_OP_EVENT: {
		/* Events are not subscribed to: read the type if it is
		 * there and ignore the rest, never failing on what the
		 * server sent (running out of memory is still an error). */
		const char *type = NULL;
		if (!sk_cql_read_string_dup(r, a, &type)) {
			if (r->fail_what &&
			    !strcmp(r->fail_what, "(out of memory)"))
				return false;
			r->fail_what = NULL;
			type = NULL;
		}
		resp->event_type = type;
		return true;
	}
	case SK_CQL_OP_AUTH_CHALLENGE:
	case SK_CQL_OP_AUTH_SUCCESS:
		return sk_cql_read_bytes(r, &resp->token, &resp->token_len);
	default:
		return sk_cql_reader_fail(r, "opcode (not a response)");
	}
}

sk_err_t sk_cql_response_decode(const struct sk_cql_header *h,
				const uint8_t *body, size_t len,
				struct sk_cql_response *resp,
				struct sk_error *err)
{
	struct sk_cql_reader r;
	char ctx[64];
	memset(resp, 0, sizeof *resp);
	resp->h = *h;
	snprintf(ctx, sizeof ctx, "cql %s", sk_cql_opcode_name(h->opcode));
	if (h->flags & SK_CQL_FLAG_COMPRESSION)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "%s: compressed body, but no compression "
				    "was negotiated",
				    ctx);
	size_t cap = len > (SIZE_MAX - 65536) / 16 ? SIZE_MAX
						   : 16 * len + 65536;
	resp->arena = sk_cql_arena_new(cap);
	if (!resp->arena)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "%s: out of memory", ctx);
	sk_cql_reader_init(&r, body, len);
	if (!decode_body(&r, resp)) {
		sk_err_t rc = SK_ERR_PARSE;
		if (r.fail_what && !strcmp(r.fail_what, "(out of memory)"))
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "%s: out of memory", ctx);
		else if (r.fail_what &&
			 !strcmp(r.fail_what, "(decoded size cap)"))
			rc = sk_error_set(err, SK_ERR_LIMIT, false,
					  "%s: decoded size exceeds %zu bytes",
					  ctx, cap);
		else
			sk_cql_reader_error(&r, ctx, err);
		sk_cql_response_clear(resp);
		return rc;
	}
	if (resp->result)
		resp->result->arena_ = resp->arena;
	return SK_OK;
}

void sk_cql_response_clear(struct sk_cql_response *resp)
{
	if (!resp)
		return;
	sk_cql_arena_free(resp->arena);
	memset(resp, 0, sizeof *resp);
}

/* ================================================== results and errors */

const struct sk_cql_value *sk_cql_result_cell(const struct sk_cql_result *res,
					      int32_t row, int32_t col)
{
	if (!res || res->kind != SK_CQL_RESULT_ROWS || !res->cells || row < 0 ||
	    col < 0 || row >= res->n_rows || col >= res->meta.n_columns)
		return NULL;
	return &res->cells[(size_t)row * (size_t)res->meta.n_columns +
			   (size_t)col];
}

int32_t sk_cql_result_column(const struct sk_cql_result *res, const char *name)
{
	if (!res || !name || !res->meta.columns)
		return -1;
	for (int32_t i = 0; i < res->meta.n_columns; i++)
		if (!strcmp(res->meta.columns[i].name, name))
			return i;
	return -1;
}

void sk_cql_result_free(struct sk_cql_result *res)
{
	/* The result lives in its own arena. */
	if (res)
		sk_cql_arena_free(res->arena_);
}

sk_err_t sk_cql_error_map(int32_t code, bool *retriable)
{
	*retriable = false;
	switch (code) {
	case SK_CQL_ERR_UNAVAILABLE:
	case SK_CQL_ERR_OVERLOADED:
	case SK_CQL_ERR_BOOTSTRAPPING:
	case SK_CQL_ERR_TRUNCATE:
	case SK_CQL_ERR_UNPREPARED:
		*retriable = true;
		return SK_ERR_STORE;
	case SK_CQL_ERR_WRITE_TIMEOUT:
	case SK_CQL_ERR_READ_TIMEOUT:
		*retriable = true;
		return SK_ERR_TIMEOUT;
	case SK_CQL_ERR_SYNTAX:
	case SK_CQL_ERR_INVALID:
		return SK_ERR_INVAL;
	case SK_CQL_ERR_UNAUTHORIZED:
	case SK_CQL_ERR_CONFIG:
	case SK_CQL_ERR_BAD_CREDENTIALS:
		return SK_ERR_CONFIG;
	default:
		return SK_ERR_STORE;
	}
}

sk_err_t sk_cql_error_set_server(struct sk_error *err,
				 const struct sk_cql_server_error *se,
				 const char *host)
{
	bool retriable;
	sk_err_t rc = sk_cql_error_map(se->code, &retriable);
	char detail[256] = "";
	const char *cl = sk_cql_consistency_name(se->consistency);
	switch (se->code) {
	case SK_CQL_ERR_UNAVAILABLE:
		snprintf(detail, sizeof detail,
			 " [consistency=%s required=%d alive=%d]", cl,
			 se->required, se->alive);
		break;
	case SK_CQL_ERR_WRITE_TIMEOUT:
	case SK_CQL_ERR_WRITE_FAILURE:
		snprintf(detail, sizeof detail,
			 " [consistency=%s received=%d blockfor=%d "
			 "failures=%d write_type=%s]",
			 cl, se->received, se->blockfor, se->numfailures,
			 se->write_type ? se->write_type : "?");
		break;
	case SK_CQL_ERR_READ_TIMEOUT:
	case SK_CQL_ERR_READ_FAILURE:
		snprintf(detail, sizeof detail,
			 " [consistency=%s received=%d blockfor=%d "
			 "failures=%d data_present=%d]",
			 cl, se->received, se->blockfor, se->numfailures,
			 se->data_present);
		break;
	case SK_CQL_ERR_ALREADY_EXISTS:
		snprintf(detail, sizeof detail, " [%s%s%s]",
			 se->keyspace ? se->keyspace : "",
			 se->table && se->table[0] ? "." : "",
			 se->table ? se->table : "");
		break;
	case SK_CQL_ERR_FUNCTION_FAILURE:
		snprintf(detail, sizeof detail, " [%s.%s, %zu args]",
			 se->keyspace ? se->keyspace : "",
			 se->function ? se->function : "", se->n_arg_types);
		break;
	default:
		break;
	}
	return sk_error_set(err, rc, retriable, "%s: %s error (0x%04x): %s%s",
			    host ? host : "cassandra",
			    sk_cql_error_code_name(se->code),
			    (unsigned)se->code, se->message ? se->message : "",
			    detail);
}
