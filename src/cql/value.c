/*
 * value.c - CQL values: serializing bound values ([value] with the
 * protocol's per-type encodings, collections included), decoding cells by
 * the column type, and checking that a value fits a bind marker's type.
 *
 * Does no I/O. Decoding never fails on content: bytes that do not fit
 * their type (and types it does not decode: custom, decimal, varint, inet,
 * UDT, tuple, duration) are kept as SK_CQL_RAW.
 */
#include "cql/cql_int.h"

#include <stdio.h>
#include <string.h>

const char *sk_cql_kind_name(enum sk_cql_kind k)
{
	static const char *const names[] = {
		[SK_CQL_NULL] = "null",
		[SK_CQL_UNSET] = "unset",
		[SK_CQL_INT] = "int",
		[SK_CQL_BIGINT] = "bigint",
		[SK_CQL_TEXT] = "text",
		[SK_CQL_BOOLEAN] = "boolean",
		[SK_CQL_DOUBLE] = "double",
		[SK_CQL_FLOAT] = "float",
		[SK_CQL_TIMESTAMP] = "timestamp",
		[SK_CQL_DATE] = "date",
		[SK_CQL_SMALLINT] = "smallint",
		[SK_CQL_TINYINT] = "tinyint",
		[SK_CQL_BLOB] = "blob",
		[SK_CQL_UUID] = "uuid",
		[SK_CQL_LIST] = "list",
		[SK_CQL_SET] = "set",
		[SK_CQL_MAP] = "map",
		[SK_CQL_RAW] = "raw",
	};
	if ((unsigned)k >= sizeof names / sizeof names[0] || !names[k])
		return "unknown";
	return names[k];
}

/* ============================================================ encoding */

static void write_sized(struct sk_cql_writer *w, const struct sk_cql_value *v,
			int depth);

static void fail(struct sk_cql_writer *w, sk_err_t rc)
{
	if (w->rc == SK_OK)
		w->rc = rc;
}

static void write_collection(struct sk_cql_writer *w,
			     const struct sk_cql_value *v, int depth)
{
	size_t per = v->kind == SK_CQL_MAP ? 2 : 1;
	size_t n = v->u.coll.n;
	if (depth >= SK_CQL_LIMIT_TYPE_DEPTH || (n && !v->u.coll.items)) {
		fail(w, SK_ERR_INVAL);
		return;
	}
	if (n > INT32_MAX / per) {
		fail(w, SK_ERR_LIMIT);
		return;
	}
	sk_cql_write_int(w, (int32_t)n);
	for (size_t i = 0; i < n * per && w->rc == SK_OK; i++) {
		const struct sk_cql_value *it = &v->u.coll.items[i];
		/* Cassandra rejects null elements; unset makes no sense. */
		if (it->kind == SK_CQL_NULL || it->kind == SK_CQL_UNSET)
			fail(w, SK_ERR_INVAL);
		else
			write_sized(w, it, depth + 1);
	}
}

/* The serialized content of a non-null value, without its length. */
static void write_content(struct sk_cql_writer *w, const struct sk_cql_value *v,
			  int depth)
{
	uint8_t b[8];
	switch (v->kind) {
	case SK_CQL_INT:
		sk_cql_write_int(w, v->u.i32);
		return;
	case SK_CQL_BIGINT:
	case SK_CQL_TIMESTAMP:
		sk_cql_write_long(w, v->u.i64);
		return;
	case SK_CQL_DATE:
		sk_cql_write_int(w, (int32_t)v->u.date);
		return;
	case SK_CQL_SMALLINT:
		sk_cql_write_short(w, (uint16_t)v->u.i16);
		return;
	case SK_CQL_TINYINT:
		sk_cql_write_byte(w, (uint8_t)v->u.i8);
		return;
	case SK_CQL_BOOLEAN:
		sk_cql_write_byte(w, v->u.b ? 1 : 0);
		return;
	case SK_CQL_DOUBLE: {
		uint64_t bits;
		memcpy(&bits, &v->u.f64, 8);
		sk_cql_store64(b, bits);
		sk_cql_write_raw(w, b, 8);
		return;
	}
	case SK_CQL_FLOAT: {
		uint32_t bits;
		memcpy(&bits, &v->u.f32, 4);
		sk_cql_store32(b, bits);
		sk_cql_write_raw(w, b, 4);
		return;
	}
	case SK_CQL_UUID:
		sk_cql_write_uuid(w, v->u.uuid);
		return;
	case SK_CQL_TEXT:
		if (!v->u.text.p && v->u.text.len)
			fail(w, SK_ERR_INVAL);
		else
			sk_cql_write_raw(w, v->u.text.p, v->u.text.len);
		return;
	case SK_CQL_BLOB:
	case SK_CQL_RAW:
		if (!v->u.bytes.p && v->u.bytes.len)
			fail(w, SK_ERR_INVAL);
		else
			sk_cql_write_raw(w, v->u.bytes.p, v->u.bytes.len);
		return;
	case SK_CQL_LIST:
	case SK_CQL_SET:
	case SK_CQL_MAP:
		write_collection(w, v, depth);
		return;
	default:
		fail(w, SK_ERR_INVAL);
	}
}

/* [int] length + content; the length is patched once the content is out. */
static void write_sized(struct sk_cql_writer *w, const struct sk_cql_value *v,
			int depth)
{
	size_t at = w->buf->len;
	sk_cql_write_int(w, 0);
	write_content(w, v, depth);
	if (w->rc != SK_OK)
		return;
	size_t n = w->buf->len - at - 4;
	if (n > INT32_MAX)
		fail(w, SK_ERR_LIMIT);
	else
		sk_cql_store32((uint8_t *)w->buf->data + at, (uint32_t)n);
}

void sk_cql_write_value(struct sk_cql_writer *w, const struct sk_cql_value *v)
{
	if (v->kind == SK_CQL_NULL)
		sk_cql_write_int(w, -1);
	else if (v->kind == SK_CQL_UNSET)
		sk_cql_write_int(w, -2);
	else
		write_sized(w, v, 0);
}

/* ============================================================ decoding */

static void set_raw(struct sk_cql_value *v, const uint8_t *p, int32_t n)
{
	v->kind = SK_CQL_RAW;
	v->u.bytes.p = p;
	v->u.bytes.len = (size_t)n;
}

static bool decode_collection(const struct sk_cql_type *t, const uint8_t *p,
			      int32_t n, struct sk_cql_arena *a,
			      struct sk_cql_value *v, sk_err_t *rc)
{
	bool map = t->id == SK_CQL_TYPE_MAP;
	size_t per = map ? 2 : 1;
	struct sk_cql_reader r;
	int32_t count;
	set_raw(v, p, n);
	if (!t->sub || t->n_sub < per)
		return true;
	sk_cql_reader_init(&r, p, (size_t)n);
	if (!sk_cql_read_int(&r, &count) || count < 0 ||
	    (size_t)count > sk_cql_reader_left(&r) / (4 * per))
		return true;
	size_t n_items = (size_t)count * per;
	struct sk_cql_value *items =
		sk_cql_arena_alloc(a, (n_items ? n_items : 1) * sizeof *items,
				   rc);
	if (!items)
		return false;
	for (size_t i = 0; i < n_items; i++) {
		const uint8_t *ip;
		int32_t in;
		if (!sk_cql_read_bytes(&r, &ip, &in))
			return true;
		if (!sk_cql_value_decode(&t->sub[map ? i % 2 : 0], ip, in, a,
					 &items[i], rc))
			return false;
	}
	if (sk_cql_reader_left(&r) != 0)
		return true;
	v->kind = map                        ? SK_CQL_MAP
		  : t->id == SK_CQL_TYPE_SET ? SK_CQL_SET
					     : SK_CQL_LIST;
	v->u.coll.items = items;
	v->u.coll.n = (size_t)count;
	return true;
}

bool sk_cql_value_decode(const struct sk_cql_type *t, const uint8_t *p,
			 int32_t n, struct sk_cql_arena *a,
			 struct sk_cql_value *v, sk_err_t *rc)
{
	memset(v, 0, sizeof *v);
	v->type = t->id;
	if (n < 0 || !p) {
		v->kind = SK_CQL_NULL;
		return true;
	}
	set_raw(v, p, n);
	switch (t->id) {
	case SK_CQL_TYPE_INT:
		if (n == 4) {
			v->kind = SK_CQL_INT;
			v->u.i32 = (int32_t)sk_cql_load32(p);
		}
		return true;
	case SK_CQL_TYPE_BIGINT:
	case SK_CQL_TYPE_COUNTER:
	case SK_CQL_TYPE_TIME:
	case SK_CQL_TYPE_TIMESTAMP:
		if (n == 8) {
			v->kind = t->id == SK_CQL_TYPE_TIMESTAMP
					  ? SK_CQL_TIMESTAMP
					  : SK_CQL_BIGINT;
			v->u.i64 = (int64_t)sk_cql_load64(p);
		}
		return true;
	case SK_CQL_TYPE_DATE:
		if (n == 4) {
			v->kind = SK_CQL_DATE;
			v->u.date = sk_cql_load32(p);
		}
		return true;
	case SK_CQL_TYPE_SMALLINT:
		if (n == 2) {
			v->kind = SK_CQL_SMALLINT;
			v->u.i16 = (int16_t)sk_cql_load16(p);
		}
		return true;
	case SK_CQL_TYPE_TINYINT:
		if (n == 1) {
			v->kind = SK_CQL_TINYINT;
			v->u.i8 = (int8_t)p[0];
		}
		return true;
	case SK_CQL_TYPE_BOOLEAN:
		if (n == 1) {
			v->kind = SK_CQL_BOOLEAN;
			v->u.b = p[0] != 0;
		}
		return true;
	case SK_CQL_TYPE_DOUBLE:
		if (n == 8) {
			uint64_t bits = sk_cql_load64(p);
			v->kind = SK_CQL_DOUBLE;
			memcpy(&v->u.f64, &bits, 8);
		}
		return true;
	case SK_CQL_TYPE_FLOAT:
		if (n == 4) {
			uint32_t bits = sk_cql_load32(p);
			v->kind = SK_CQL_FLOAT;
			memcpy(&v->u.f32, &bits, 4);
		}
		return true;
	case SK_CQL_TYPE_UUID:
	case SK_CQL_TYPE_TIMEUUID:
		if (n == 16) {
			v->kind = SK_CQL_UUID;
			memcpy(v->u.uuid, p, 16);
		}
		return true;
	case SK_CQL_TYPE_ASCII:
	case SK_CQL_TYPE_VARCHAR: {
		char *s = sk_cql_arena_strndup(a, p, (size_t)n, rc);
		if (!s)
			return false;
		v->kind = SK_CQL_TEXT;
		v->u.text.p = s;
		v->u.text.len = (size_t)n;
		return true;
	}
	case SK_CQL_TYPE_BLOB:
		v->kind = SK_CQL_BLOB;
		return true;
	case SK_CQL_TYPE_LIST:
	case SK_CQL_TYPE_SET:
	case SK_CQL_TYPE_MAP:
		return decode_collection(t, p, n, a, v, rc);
	default:
		return true;
	}
}

/* ====================================================== type checking */

bool sk_cql_value_fits(const struct sk_cql_type *t,
		       const struct sk_cql_value *v)
{
	uint16_t id = t->id;
	switch (v->kind) {
	case SK_CQL_NULL:
	case SK_CQL_UNSET:
	case SK_CQL_RAW:
		return true;
	default:
		break;
	}
	if (id == SK_CQL_TYPE_UNKNOWN)
		return true;
	switch (v->kind) {
	case SK_CQL_INT:
		return id == SK_CQL_TYPE_INT;
	case SK_CQL_BIGINT:
		return id == SK_CQL_TYPE_BIGINT || id == SK_CQL_TYPE_COUNTER ||
		       id == SK_CQL_TYPE_TIME;
	case SK_CQL_TEXT:
		return id == SK_CQL_TYPE_VARCHAR || id == SK_CQL_TYPE_ASCII;
	case SK_CQL_BOOLEAN:
		return id == SK_CQL_TYPE_BOOLEAN;
	case SK_CQL_DOUBLE:
		return id == SK_CQL_TYPE_DOUBLE;
	case SK_CQL_FLOAT:
		return id == SK_CQL_TYPE_FLOAT;
	case SK_CQL_TIMESTAMP:
		return id == SK_CQL_TYPE_TIMESTAMP;
	case SK_CQL_DATE:
		return id == SK_CQL_TYPE_DATE;
	case SK_CQL_SMALLINT:
		return id == SK_CQL_TYPE_SMALLINT;
	case SK_CQL_TINYINT:
		return id == SK_CQL_TYPE_TINYINT;
	case SK_CQL_BLOB:
		return id == SK_CQL_TYPE_BLOB || id == SK_CQL_TYPE_CUSTOM;
	case SK_CQL_UUID:
		return id == SK_CQL_TYPE_UUID || id == SK_CQL_TYPE_TIMEUUID;
	case SK_CQL_LIST:
	case SK_CQL_SET:
	case SK_CQL_MAP: {
		uint16_t want = v->kind == SK_CQL_LIST  ? SK_CQL_TYPE_LIST
				: v->kind == SK_CQL_SET ? SK_CQL_TYPE_SET
							: SK_CQL_TYPE_MAP;
		size_t per = v->kind == SK_CQL_MAP ? 2 : 1;
		if (id != want || !t->sub || t->n_sub < per ||
		    (v->u.coll.n && !v->u.coll.items))
			return false;
		for (size_t i = 0; i < v->u.coll.n * per; i++)
			if (!sk_cql_value_fits(&t->sub[per == 2 ? i % 2 : 0],
					       &v->u.coll.items[i]))
				return false;
		return true;
	}
	default:
		return false;
	}
}

/* ============================================================ formatting */

static const char *type_name(uint16_t id)
{
	switch (id) {
	case SK_CQL_TYPE_CUSTOM:
		return "custom";
	case SK_CQL_TYPE_ASCII:
		return "ascii";
	case SK_CQL_TYPE_BIGINT:
		return "bigint";
	case SK_CQL_TYPE_BLOB:
		return "blob";
	case SK_CQL_TYPE_BOOLEAN:
		return "boolean";
	case SK_CQL_TYPE_COUNTER:
		return "counter";
	case SK_CQL_TYPE_DECIMAL:
		return "decimal";
	case SK_CQL_TYPE_DOUBLE:
		return "double";
	case SK_CQL_TYPE_FLOAT:
		return "float";
	case SK_CQL_TYPE_INT:
		return "int";
	case SK_CQL_TYPE_TIMESTAMP:
		return "timestamp";
	case SK_CQL_TYPE_UUID:
		return "uuid";
	case SK_CQL_TYPE_VARCHAR:
		return "text";
	case SK_CQL_TYPE_VARINT:
		return "varint";
	case SK_CQL_TYPE_TIMEUUID:
		return "timeuuid";
	case SK_CQL_TYPE_INET:
		return "inet";
	case SK_CQL_TYPE_DATE:
		return "date";
	case SK_CQL_TYPE_TIME:
		return "time";
	case SK_CQL_TYPE_SMALLINT:
		return "smallint";
	case SK_CQL_TYPE_TINYINT:
		return "tinyint";
	case SK_CQL_TYPE_LIST:
		return "list";
	case SK_CQL_TYPE_MAP:
		return "map";
	case SK_CQL_TYPE_SET:
		return "set";
	case SK_CQL_TYPE_UDT:
		return "udt";
	case SK_CQL_TYPE_TUPLE:
		return "tuple";
	case 0x0015:
		return "duration";
	default:
		return "unknown";
	}
}

/* Append to out[0..n) at *pos, truncating silently. */
static void put(char *out, size_t n, size_t *pos, const char *s)
{
	size_t l = strlen(s);
	if (*pos >= n)
		return;
	if (l > n - 1 - *pos)
		l = n - 1 - *pos;
	memcpy(out + *pos, s, l);
	*pos += l;
	out[*pos] = '\0';
}

static void format_type(const struct sk_cql_type *t, char *out, size_t n,
			size_t *pos)
{
	if (t->id == SK_CQL_TYPE_CUSTOM && t->name) {
		put(out, n, pos, "'");
		put(out, n, pos, t->name);
		put(out, n, pos, "'");
		return;
	}
	if (t->id == SK_CQL_TYPE_UDT && t->name) {
		put(out, n, pos, t->name);
		return;
	}
	put(out, n, pos, type_name(t->id));
	if (!t->n_sub || !t->sub)
		return;
	put(out, n, pos, "<");
	for (uint16_t i = 0; i < t->n_sub; i++) {
		if (i)
			put(out, n, pos, ", ");
		format_type(&t->sub[i], out, n, pos);
	}
	put(out, n, pos, ">");
}

void sk_cql_type_format(const struct sk_cql_type *t, char *out, size_t n)
{
	size_t pos = 0;
	if (!n)
		return;
	out[0] = '\0';
	format_type(t, out, n, &pos);
}
