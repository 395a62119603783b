/*
 * fuzz_cql_rows.c - fuzz target for a RESULT of kind Rows: the input is
 * the body after the kind (metadata, row count, cells). Every cell is
 * checked, and every decoded value must survive a round trip: encoding it
 * again and decoding the bytes with the column's type gives the same
 * value (booleans normalised, nulls inside collections aside).
 */
#include "cql/cql_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct sk_cql_value *a, const struct sk_cql_value *b)
{
	if (a->kind != b->kind || a->type != b->type)
		return false;
	switch (a->kind) {
	case SK_CQL_TEXT:
		return a->u.text.len == b->u.text.len &&
		       !memcmp(a->u.text.p, b->u.text.p, a->u.text.len);
	case SK_CQL_BLOB:
	case SK_CQL_RAW:
		return a->u.bytes.len == b->u.bytes.len &&
		       (!a->u.bytes.len ||
			!memcmp(a->u.bytes.p, b->u.bytes.p, a->u.bytes.len));
	case SK_CQL_LIST:
	case SK_CQL_SET:
	case SK_CQL_MAP: {
		size_t n = a->u.coll.n * (a->kind == SK_CQL_MAP ? 2 : 1);
		if (a->u.coll.n != b->u.coll.n)
			return false;
		for (size_t i = 0; i < n; i++)
			if (!same(&a->u.coll.items[i], &b->u.coll.items[i]))
				return false;
		return true;
	}
	case SK_CQL_INT:
		return a->u.i32 == b->u.i32;
	case SK_CQL_BIGINT:
	case SK_CQL_TIMESTAMP:
		return a->u.i64 == b->u.i64;
	case SK_CQL_BOOLEAN:
		return a->u.b == b->u.b;
	case SK_CQL_DOUBLE:
		return !memcmp(&a->u.f64, &b->u.f64, 8);
	case SK_CQL_FLOAT:
		return !memcmp(&a->u.f32, &b->u.f32, 4);
	case SK_CQL_DATE:
		return a->u.date == b->u.date;
	case SK_CQL_SMALLINT:
		return a->u.i16 == b->u.i16;
	case SK_CQL_TINYINT:
		return a->u.i8 == b->u.i8;
	case SK_CQL_UUID:
		return !memcmp(a->u.uuid, b->u.uuid, 16);
	default:
		return true;
	}
}

static void roundtrip(const struct sk_cql_type *t, const struct sk_cql_value *v)
{
	struct sk_buf b = SK_BUF_INIT(1u << 22);
	struct sk_cql_writer w = {.buf = &b};
	struct sk_cql_reader r;
	struct sk_cql_arena *a = sk_cql_arena_new(0);
	struct sk_cql_value again;
	const uint8_t *p;
	int32_t n;
	sk_err_t rc = SK_OK;
	if (!a)
		return;
	if (v->kind == SK_CQL_TEXT && v->u.text.p[v->u.text.len] != '\0')
		abort();
	sk_cql_write_value(&w, v);
	if (w.rc == SK_ERR_INVAL || w.rc == SK_ERR_LIMIT) /* null in a coll. */
		goto done;
	if (w.rc != SK_OK)
		abort();
	sk_cql_reader_init(&r, b.data, b.len);
	if (!sk_cql_read_value(&r, &p, &n) || sk_cql_reader_left(&r))
		abort();
	if (!sk_cql_value_decode(t, p, n, a, &again, &rc))
		goto done;
	if (!same(v, &again))
		abort();
done:
	sk_buf_free(&b);
	sk_cql_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sk_cql_type unknown = {.id = SK_CQL_TYPE_UNKNOWN};
	struct sk_cql_header h = {SK_CQL_VERSION_RESP, 0, 0, SK_CQL_OP_RESULT,
				  0};
	struct sk_cql_response r;
	struct sk_error err = {0};
	uint8_t *body = malloc(size + 4);
	if (!body)
		return 0;
	memcpy(body, "\x00\x00\x00\x02", 4);
	memcpy(body + 4, data, size);
	h.length = (uint32_t)(size + 4);
	if (sk_cql_response_decode(&h, body, size + 4, &r, &err) != SK_OK) {
		if (r.arena || r.result || !err.msg[0])
			abort();
		free(body);
		return 0;
	}
	const struct sk_cql_result *res = r.result;
	if (res->kind != SK_CQL_RESULT_ROWS || res->n_rows < 0 ||
	    (res->n_rows && !res->cells))
		abort();
	for (int32_t i = 0; i < res->n_rows; i++)
		for (int32_t c = 0; c < res->meta.n_columns; c++) {
			const struct sk_cql_value *v = sk_cql_result_cell(res,
									  i, c);
			if (!v)
				abort();
			roundtrip(res->meta.columns ? &res->meta.columns[c].type
						    : &unknown,
				  v);
		}
	sk_cql_response_clear(&r);
	free(body);
	return 0;
}
