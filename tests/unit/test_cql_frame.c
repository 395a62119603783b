/*
 * test_cql_frame.c - the CQL v4 codec without I/O: exact request bytes
 * against hand-built arrays from the spec, value encodings and round
 * trips, decoding of hand-built responses (every RESULT kind, every ERROR
 * tail, flags), and bounds: every truncation fails cleanly, oversized
 * frames, negative lengths, huge counts, deep types.
 */
#include "cql/cql_int.h"
#include "cases.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------ hand-built byte bodies */

/* An independent little builder for test bodies (not the code under
 * test's writer). */
struct tb {
	uint8_t d[8192];
	size_t n;
};

static void tb_raw(struct tb *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}
static void tb_u8(struct tb *b, unsigned v)
{
	b->d[b->n++] = (uint8_t)v;
}
static void tb_u16(struct tb *b, unsigned v)
{
	tb_u8(b, v >> 8);
	tb_u8(b, v);
}
static void tb_i32(struct tb *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	tb_u8(b, u >> 24);
	tb_u8(b, u >> 16);
	tb_u8(b, u >> 8);
	tb_u8(b, u);
}
static void tb_str(struct tb *b, const char *s)
{
	tb_u16(b, (unsigned)strlen(s));
	tb_raw(b, s, strlen(s));
}
static void tb_bytes(struct tb *b, const void *p, size_t n)
{
	tb_i32(b, (int32_t)n);
	tb_raw(b, p, n);
}

/* Decode body as a response with the given opcode and flags. The body is
 * copied into an allocation of exactly its size so ASan sees over-reads.
 * The copy is adopted by the response. */
static sk_err_t dec(const struct tb *b, size_t len, uint8_t opcode,
		    uint8_t flags, struct sk_cql_response *r,
		    struct sk_error *err)
{
	struct sk_cql_header h = {SK_CQL_VERSION_RESP, flags, 3, opcode,
				  (uint32_t)len};
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, b->d, len);
	sk_err_t rc = sk_cql_response_decode(&h, copy, len, r, err);
	if (rc == SK_OK)
		CHECK(sk_cql_arena_adopt(r->arena, copy) == SK_OK);
	else
		free(copy);
	return rc;
}

/* Every proper prefix of a valid body must fail, leaving nothing. */
static void check_truncations(const struct tb *b, uint8_t opcode, uint8_t flags)
{
	int failed_ok = 0;
	for (size_t n = 0; n < b->n; n++) {
		struct sk_cql_response r;
		struct sk_error err = {0};
		sk_err_t rc = dec(b, n, opcode, flags, &r, &err);
		if (rc == SK_OK) {
			fprintf(stderr, "truncation to %zu of %zu decoded\n", n,
				b->n);
			sk_cql_response_clear(&r);
			continue;
		}
		if (r.arena == NULL && r.result == NULL && err.msg[0])
			failed_ok++;
	}
	CHECK_INT(failed_ok, b->n);
}

#define BYTES(s) (const uint8_t *)(s), sizeof(s) - 1

static void check_bytes(const struct sk_buf *got, const uint8_t *want, size_t n,
			const char *what)
{
	if (got->len != n || memcmp(got->data, want, n) != 0) {
		fprintf(stderr, "%s: bytes differ (got %zu, want %zu)\n", what,
			got->len, n);
		for (size_t i = 0; i < got->len; i++)
			fprintf(stderr, "%02x%s", (uint8_t)got->data[i],
				i + 1 < got->len ? " " : "\n");
		CHECK(0);
	} else {
		CHECK(1);
	}
}

/* ------------------------------------------------------------- encoders */

static void test_startup_options_auth(void)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	CHECK_INT(sk_cql_encode_startup(&b, 0), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x00\x01\x00\x00\x00\x2a"
			  "\x00\x02"
			  "\x00\x0b"
			  "CQL_VERSION"
			  "\x00\x05"
			  "3.0.0"
			  "\x00\x0b"
			  "DRIVER_NAME"
			  "\x00\x05"
			  "skred"),
		    "STARTUP");
	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_options(&b, 5), SK_OK);
	check_bytes(&b, BYTES("\x04\x00\x00\x05\x05\x00\x00\x00\x00"),
		    "OPTIONS");
	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_auth_response(&b, 0x102, "cassandra", "pw"),
		  SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x01\x02\x0f\x00\x00\x00\x11"
			  "\x00\x00\x00\x0d"
			  "\x00"
			  "cassandra"
			  "\x00"
			  "pw"),
		    "AUTH_RESPONSE");
	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_auth_response(&b, 0, NULL, "x"), SK_ERR_INVAL);
	CHECK_INT(b.len, 0);
	const char *ev[] = {"SCHEMA_CHANGE"};
	CHECK_INT(sk_cql_encode_register(&b, 1, ev, 1), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x01\x0b\x00\x00\x00\x11"
			  "\x00\x01\x00\x0d"
			  "SCHEMA_CHANGE"),
		    "REGISTER");
	sk_buf_free(&b);
}

static void test_query_prepare(void)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	CHECK_INT(sk_cql_encode_query(&b, 0, "SELECT 1", NULL, 0x0001), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x00\x07\x00\x00\x00\x0f"
			  "\x00\x00\x00\x08"
			  "SELECT 1"
			  "\x00\x01\x00"),
		    "QUERY plain");

	/* Every query flag. */
	struct sk_cql_value vals[4] = {sk_cql_value_int(7), sk_cql_value_null(),
				       sk_cql_value_unset(),
				       sk_cql_value_text("a")};
	struct sk_cql_params p = {
		.consistency = SK_CQL_CL_QUORUM,
		.serial_consistency = SK_CQL_CL_LOCAL_SERIAL,
		.values = vals,
		.n_values = 4,
		.page_size = 100,
		.paging_state = (const uint8_t *)"ps",
		.paging_state_len = 2,
		.timestamp_us = 1234,
		.skip_metadata = true,
	};
	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_query(&b, 9, "Q", &p, 0x0001), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x09\x07\x00\x00\x00\x33"
			  "\x00\x00\x00\x01"
			  "Q"
			  "\x00\x04" /* QUORUM */
			  "\x3f"     /* all flags but names */
			  "\x00\x04"
			  "\x00\x00\x00\x04\x00\x00\x00\x07"
			  "\xff\xff\xff\xff"
			  "\xff\xff\xff\xfe"
			  "\x00\x00\x00\x01"
			  "a"
			  "\x00\x00\x00\x64"
			  "\x00\x00\x00\x02"
			  "ps"
			  "\x00\x09"
			  "\x00\x00\x00\x00\x00\x00\x04\xd2"),
		    "QUERY all flags");

	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_prepare(&b, 2, "SELECT x FROM t"), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x02\x09\x00\x00\x00\x13"
			  "\x00\x00\x00\x0f"
			  "SELECT x FROM t"),
		    "PREPARE");

	/* A bad consistency or a NULL statement: nothing written. */
	sk_buf_reset(&b);
	struct sk_cql_params bad = {.consistency = (enum sk_cql_consistency)7};
	CHECK_INT(sk_cql_encode_query(&b, 0, "Q", &bad, 1), SK_ERR_INVAL);
	CHECK_INT(sk_cql_encode_query(&b, 0, NULL, NULL, 1), SK_ERR_INVAL);
	CHECK_INT(b.len, 0);
	sk_buf_free(&b);
}

static void test_execute_batch(void)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	const uint8_t id[4] = {1, 2, 3, 4};
	struct sk_cql_value v = sk_cql_value_bigint(-2);
	struct sk_cql_params p = {.values = &v, .n_values = 1};
	CHECK_INT(sk_cql_encode_execute(&b, 1, id, 4, &p, 0x0006), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x01\x0a\x00\x00\x00\x17"
			  "\x00\x04\x01\x02\x03\x04"
			  "\x00\x06\x01\x00\x01"
			  "\x00\x00\x00\x08"
			  "\xff\xff\xff\xff\xff\xff\xff\xfe"),
		    "EXECUTE");
	CHECK(memcmp(b.data + SK_CQL_EXECUTE_ID_OFF, id, 4) == 0);

	uint8_t pid[2] = {0xab, 0xcd};
	struct sk_cql_prepared ps = {.cql = "INSERT", .id = pid, .id_len = 2};
	struct sk_cql_value one = sk_cql_value_int(1);
	struct sk_cql_batch_item items[2] = {
		{.prepared = &ps, .values = &one, .n_values = 1},
		{.cql = "DELETE"},
	};
	struct sk_cql_batch bt = {.type = SK_CQL_BATCH_UNLOGGED,
				  .items = items,
				  .n_items = 2,
				  .consistency = SK_CQL_CL_ONE,
				  .timestamp_us = 5};
	size_t off[2];
	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_batch(&b, 0, &bt, 6, off), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x00\x0d\x00\x00\x00\x2a"
			  "\x01"     /* unlogged */
			  "\x00\x02" /* 2 statements */
			  "\x01\x00\x02\xab\xcd"
			  "\x00\x01\x00\x00\x00\x04\x00\x00\x00\x01"
			  "\x00\x00\x00\x00\x06"
			  "DELETE"
			  "\x00\x00"
			  "\x00\x01" /* ONE */
			  "\x20"     /* default timestamp */
			  "\x00\x00\x00\x00\x00\x00\x00\x05"),
		    "BATCH");
	CHECK_INT(off[0], 9 + 1 + 2 + 1 + 2);
	CHECK_INT(off[1], 0);

	/* Logged batch with serial consistency, text only. */
	struct sk_cql_batch_item t1 = {.cql = "U"};
	struct sk_cql_batch lb = {.type = SK_CQL_BATCH_LOGGED,
				  .items = &t1,
				  .n_items = 1,
				  .serial_consistency = SK_CQL_CL_SERIAL};
	sk_buf_reset(&b);
	CHECK_INT(sk_cql_encode_batch(&b, 0, &lb, 4, NULL), SK_OK);
	check_bytes(&b,
		    BYTES("\x04\x00\x00\x00\x0d\x00\x00\x00\x10"
			  "\x00\x00\x01"
			  "\x00\x00\x00\x00\x01"
			  "U"
			  "\x00\x00"
			  "\x00\x04\x10\x00\x08"),
		    "BATCH logged");

	/* Errors leave nothing behind. */
	sk_buf_reset(&b);
	struct sk_cql_batch empty = {.type = SK_CQL_BATCH_LOGGED};
	CHECK_INT(sk_cql_encode_batch(&b, 0, &empty, 4, NULL), SK_ERR_INVAL);
	struct sk_cql_batch_item none = {0};
	struct sk_cql_batch nb = {.items = &none, .n_items = 1};
	CHECK_INT(sk_cql_encode_batch(&b, 0, &nb, 4, NULL), SK_ERR_INVAL);
	CHECK_INT(sk_cql_encode_execute(&b, 0, NULL, 0, NULL, 1), SK_ERR_INVAL);
	CHECK_INT(b.len, 0);

	/* The buffer cap is the frame cap. */
	struct sk_buf small = SK_BUF_INIT(20);
	CHECK_INT(sk_cql_encode_query(&small, 0, "SELECT * FROM big_table",
				      NULL, 1),
		  SK_ERR_LIMIT);
	CHECK_INT(small.len, 0);
	sk_buf_free(&small);
	sk_buf_free(&b);
}

/* --------------------------------------------------------------- values */

static void enc_value(const struct sk_cql_value *v, struct sk_buf *b)
{
	struct sk_cql_writer w = {.buf = b};
	sk_buf_reset(b);
	sk_cql_write_value(&w, v);
	CHECK_INT(w.rc, SK_OK);
}

static void test_value_bytes(void)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_cql_value v;

	v = sk_cql_value_int(-1);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x04\xff\xff\xff\xff"), "int");
	v = sk_cql_value_bigint(0x0102030405060708LL);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x08\x01\x02\x03\x04\x05\x06\x07\x08"),
		    "bigint");
	v = sk_cql_value_text("h\xc3\xa5");
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x03h\xc3\xa5"), "text");
	v = sk_cql_value_text("");
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x00"), "empty text");
	v = sk_cql_value_boolean(true);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x01\x01"), "boolean");
	v = sk_cql_value_double(1.5);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x08\x3f\xf8\x00\x00\x00\x00\x00\x00"),
		    "double");
	v = sk_cql_value_float(1.5f);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x04\x3f\xc0\x00\x00"), "float");
	v = sk_cql_value_timestamp(1000);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x03\xe8"),
		    "timestamp");
	v = sk_cql_value_date(0);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x04\x80\x00\x00\x00"),
		    "date epoch");
	v = sk_cql_value_date(-1);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x04\x7f\xff\xff\xff"), "date -1");
	v = sk_cql_value_smallint(-2);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x02\xff\xfe"), "smallint");
	v = sk_cql_value_tinyint(5);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x01\x05"), "tinyint");
	v = sk_cql_value_blob("\x00\x01", 2);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x02\x00\x01"), "blob");
	const uint8_t u[16] = {0x12, 0x34, 0, 0, 0, 0, 0, 0,
			       0,    0,    0, 0, 0, 0, 0, 0x99};
	v = sk_cql_value_uuid(u);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x10\x12\x34\x00\x00\x00\x00\x00\x00"
			  "\x00\x00\x00\x00\x00\x00\x00\x99"),
		    "uuid");
	struct sk_cql_value items[2] = {sk_cql_value_int(1),
					sk_cql_value_int(2)};
	v = sk_cql_value_list(items, 2);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x14\x00\x00\x00\x02"
			  "\x00\x00\x00\x04\x00\x00\x00\x01"
			  "\x00\x00\x00\x04\x00\x00\x00\x02"),
		    "list<int>");
	struct sk_cql_value tags[1] = {sk_cql_value_text("x")};
	v = sk_cql_value_set(tags, 1);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x09\x00\x00\x00\x01\x00\x00\x00\x01x"),
		    "set<text>");
	struct sk_cql_value kv[2] = {sk_cql_value_text("k"),
				     sk_cql_value_int(3)};
	v = sk_cql_value_map(kv, 1);
	enc_value(&v, &b);
	check_bytes(&b,
		    BYTES("\x00\x00\x00\x11\x00\x00\x00\x01"
			  "\x00\x00\x00\x01k\x00\x00\x00\x04\x00\x00\x00\x03"),
		    "map<text,int>");
	v = sk_cql_value_list(NULL, 0);
	enc_value(&v, &b);
	check_bytes(&b, BYTES("\x00\x00\x00\x04\x00\x00\x00\x00"),
		    "empty list");

	/* Null inside a collection, or a list pointing at itself. */
	struct sk_cql_value bad[1] = {sk_cql_value_null()};
	v = sk_cql_value_list(bad, 1);
	struct sk_cql_writer w = {.buf = &b};
	sk_buf_reset(&b);
	sk_cql_write_value(&w, &v);
	CHECK_INT(w.rc, SK_ERR_INVAL);
	struct sk_cql_value self[1];
	self[0] = sk_cql_value_list(self, 1);
	w.rc = SK_OK;
	sk_cql_write_value(&w, &self[0]);
	CHECK_INT(w.rc, SK_ERR_INVAL);
	sk_buf_free(&b);
}

/* Encode v, decode the bytes as type t. */
static struct sk_cql_value roundtrip(const struct sk_cql_value *v,
				     const struct sk_cql_type *t,
				     struct sk_cql_arena *a, struct sk_buf *b)
{
	struct sk_cql_value out = {0};
	struct sk_cql_reader r;
	const uint8_t *p;
	int32_t n;
	sk_err_t rc = SK_OK;
	enc_value(v, b);
	sk_cql_reader_init(&r, b->data, b->len);
	CHECK(sk_cql_read_value(&r, &p, &n));
	CHECK(sk_cql_value_decode(t, p, n, a, &out, &rc));
	return out;
}

static void test_value_decode(void)
{
	struct sk_cql_arena *a = sk_cql_arena_new(0);
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_cql_value v, d;
	struct sk_cql_type t_int = {.id = SK_CQL_TYPE_INT};
	struct sk_cql_type t_text = {.id = SK_CQL_TYPE_VARCHAR};
	struct sk_cql_type t_bigint = {.id = SK_CQL_TYPE_BIGINT};

	v = sk_cql_value_int(-5);
	d = roundtrip(&v, &t_int, a, &b);
	CHECK_INT(d.kind, SK_CQL_INT);
	CHECK_INT(d.u.i32, -5);
	CHECK_INT(d.type, SK_CQL_TYPE_INT);
	v = sk_cql_value_text("hello");
	d = roundtrip(&v, &t_text, a, &b);
	CHECK_INT(d.kind, SK_CQL_TEXT);
	CHECK_STR(d.u.text.p, "hello");
	CHECK_INT(d.u.text.len, 5);
	v = sk_cql_value_bigint(INT64_MIN);
	d = roundtrip(&v, &t_bigint, a, &b);
	CHECK(d.kind == SK_CQL_BIGINT && d.u.i64 == INT64_MIN);
	struct sk_cql_type t_counter = {.id = SK_CQL_TYPE_COUNTER};
	d = roundtrip(&v, &t_counter, a, &b);
	CHECK(d.kind == SK_CQL_BIGINT && d.type == SK_CQL_TYPE_COUNTER);
	struct sk_cql_type t_ts = {.id = SK_CQL_TYPE_TIMESTAMP};
	v = sk_cql_value_timestamp(1700000000123LL);
	d = roundtrip(&v, &t_ts, a, &b);
	CHECK(d.kind == SK_CQL_TIMESTAMP && d.u.i64 == 1700000000123LL);
	struct sk_cql_type t_date = {.id = SK_CQL_TYPE_DATE};
	v = sk_cql_value_date(sk_days_from_civil(2024, 2, 29));
	d = roundtrip(&v, &t_date, a, &b);
	CHECK_INT(d.kind, SK_CQL_DATE);
	CHECK_INT((int64_t)d.u.date - (int64_t)SK_CQL_DATE_EPOCH,
		  sk_days_from_civil(2024, 2, 29));
	struct sk_cql_type t_bool = {.id = SK_CQL_TYPE_BOOLEAN};
	v = sk_cql_value_boolean(true);
	d = roundtrip(&v, &t_bool, a, &b);
	CHECK(d.kind == SK_CQL_BOOLEAN && d.u.b);
	struct sk_cql_type t_dbl = {.id = SK_CQL_TYPE_DOUBLE};
	v = sk_cql_value_double(-0.25);
	d = roundtrip(&v, &t_dbl, a, &b);
	CHECK(d.kind == SK_CQL_DOUBLE && d.u.f64 == -0.25);
	struct sk_cql_type t_flt = {.id = SK_CQL_TYPE_FLOAT};
	v = sk_cql_value_float(3.5f);
	d = roundtrip(&v, &t_flt, a, &b);
	CHECK(d.kind == SK_CQL_FLOAT && d.u.f32 == 3.5f);
	struct sk_cql_type t_small = {.id = SK_CQL_TYPE_SMALLINT};
	v = sk_cql_value_smallint(-300);
	d = roundtrip(&v, &t_small, a, &b);
	CHECK(d.kind == SK_CQL_SMALLINT && d.u.i16 == -300);
	struct sk_cql_type t_tiny = {.id = SK_CQL_TYPE_TINYINT};
	v = sk_cql_value_tinyint(-7);
	d = roundtrip(&v, &t_tiny, a, &b);
	CHECK(d.kind == SK_CQL_TINYINT && d.u.i8 == -7);
	struct sk_cql_type t_blob = {.id = SK_CQL_TYPE_BLOB};
	v = sk_cql_value_blob("\x00\xff", 2);
	d = roundtrip(&v, &t_blob, a, &b);
	CHECK(d.kind == SK_CQL_BLOB && d.u.bytes.len == 2 &&
	      d.u.bytes.p[1] == 0xff);
	struct sk_cql_type t_tuuid = {.id = SK_CQL_TYPE_TIMEUUID};
	uint8_t u[16];
	for (int i = 0; i < 16; i++)
		u[i] = (uint8_t)(i * 17);
	v = sk_cql_value_uuid(u);
	d = roundtrip(&v, &t_tuuid, a, &b);
	CHECK(d.kind == SK_CQL_UUID && !memcmp(d.u.uuid, u, 16) &&
	      d.type == SK_CQL_TYPE_TIMEUUID);

	/* Collections, nested. */
	struct sk_cql_type t_list_int = {.id = SK_CQL_TYPE_LIST,
					 .n_sub = 1,
					 .sub = &t_int};
	struct sk_cql_value ints[3] = {sk_cql_value_int(1), sk_cql_value_int(2),
				       sk_cql_value_int(3)};
	v = sk_cql_value_list(ints, 3);
	d = roundtrip(&v, &t_list_int, a, &b);
	CHECK_INT(d.kind, SK_CQL_LIST);
	CHECK_INT(d.u.coll.n, 3);
	CHECK_INT(d.u.coll.items[2].u.i32, 3);
	struct sk_cql_type t_set_text = {.id = SK_CQL_TYPE_SET,
					 .n_sub = 1,
					 .sub = &t_text};
	struct sk_cql_value texts[2] = {sk_cql_value_text("a"),
					sk_cql_value_text("bc")};
	v = sk_cql_value_set(texts, 2);
	d = roundtrip(&v, &t_set_text, a, &b);
	CHECK(d.kind == SK_CQL_SET && d.u.coll.n == 2);
	CHECK_STR(d.u.coll.items[1].u.text.p, "bc");
	struct sk_cql_type kvt[2] = {{.id = SK_CQL_TYPE_VARCHAR},
				     {.id = SK_CQL_TYPE_INT}};
	struct sk_cql_type t_map = {.id = SK_CQL_TYPE_MAP,
				    .n_sub = 2,
				    .sub = kvt};
	struct sk_cql_value kv[4] = {sk_cql_value_text("x"),
				     sk_cql_value_int(1),
				     sk_cql_value_text("y"),
				     sk_cql_value_int(2)};
	v = sk_cql_value_map(kv, 2);
	d = roundtrip(&v, &t_map, a, &b);
	CHECK(d.kind == SK_CQL_MAP && d.u.coll.n == 2);
	CHECK_STR(d.u.coll.items[2].u.text.p, "y");
	CHECK_INT(d.u.coll.items[3].u.i32, 2);
	struct sk_cql_type t_ll = {.id = SK_CQL_TYPE_LIST,
				   .n_sub = 1,
				   .sub = &t_list_int};
	struct sk_cql_value inner[1] = {sk_cql_value_list(ints, 2)};
	v = sk_cql_value_list(inner, 1);
	d = roundtrip(&v, &t_ll, a, &b);
	CHECK(d.kind == SK_CQL_LIST && d.u.coll.n == 1 &&
	      d.u.coll.items[0].kind == SK_CQL_LIST &&
	      d.u.coll.items[0].u.coll.n == 2);

	/* Bytes that do not fit their type stay raw; null is null. */
	sk_err_t rc = SK_OK;
	CHECK(sk_cql_value_decode(&t_int, (const uint8_t *)"abc", 3, a, &d,
				  &rc));
	CHECK(d.kind == SK_CQL_RAW && d.u.bytes.len == 3);
	CHECK(sk_cql_value_decode(&t_int, (const uint8_t *)"", 0, a, &d, &rc));
	CHECK(d.kind == SK_CQL_RAW && d.u.bytes.len == 0);
	CHECK(sk_cql_value_decode(&t_int, NULL, -1, a, &d, &rc));
	CHECK_INT(d.kind, SK_CQL_NULL);
	struct sk_cql_type t_custom = {.id = SK_CQL_TYPE_CUSTOM, .name = "x.Y"};
	CHECK(sk_cql_value_decode(&t_custom, (const uint8_t *)"zz", 2, a, &d,
				  &rc));
	CHECK(d.kind == SK_CQL_RAW && d.type == SK_CQL_TYPE_CUSTOM);
	struct sk_cql_type t_dec = {.id = SK_CQL_TYPE_DECIMAL};
	CHECK(sk_cql_value_decode(&t_dec, (const uint8_t *)"12345", 5, a, &d,
				  &rc));
	CHECK_INT(d.kind, SK_CQL_RAW);
	/* A list whose count lies, or with trailing bytes: raw. */
	CHECK(sk_cql_value_decode(&t_list_int,
				  (const uint8_t *)"\x7f\xff\xff\xff", 4, a, &d,
				  &rc));
	CHECK_INT(d.kind, SK_CQL_RAW);
	CHECK(sk_cql_value_decode(&t_list_int,
				  (const uint8_t *)"\x00\x00\x00\x00\x01", 5, a,
				  &d, &rc));
	CHECK_INT(d.kind, SK_CQL_RAW);
	CHECK(sk_cql_value_decode(&t_list_int,
				  (const uint8_t *)"\xff\xff\xff\xff", 4, a, &d,
				  &rc));
	CHECK_INT(d.kind, SK_CQL_RAW);

	/* Fitting values to bind markers. */
	v = sk_cql_value_int(1);
	CHECK(sk_cql_value_fits(&t_int, &v));
	CHECK(!sk_cql_value_fits(&t_bigint, &v));
	v = sk_cql_value_null();
	CHECK(sk_cql_value_fits(&t_bigint, &v));
	v = sk_cql_value_text("x");
	CHECK(!sk_cql_value_fits(&t_int, &v));
	v = sk_cql_value_list(ints, 3);
	CHECK(sk_cql_value_fits(&t_list_int, &v));
	CHECK(!sk_cql_value_fits(&t_set_text, &v));
	v = sk_cql_value_map(kv, 2);
	CHECK(sk_cql_value_fits(&t_map, &v));
	char name[64];
	sk_cql_type_format(&t_map, name, sizeof name);
	CHECK_STR(name, "map<text, int>");
	sk_cql_type_format(&t_ll, name, 8);
	CHECK_STR(name, "list<li");

	sk_buf_free(&b);
	sk_cql_arena_free(a);
}

/* ------------------------------------------------------------ responses */

static void test_simple_responses(void)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	struct tb b = {.n = 0};

	CHECK_INT(dec(&b, 0, SK_CQL_OP_READY, 0, &r, &err), SK_OK);
	sk_cql_response_clear(&r);

	tb_str(&b, "org.apache.cassandra.auth.PasswordAuthenticator");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_AUTHENTICATE, 0, &r, &err), SK_OK);
	CHECK_STR(r.authenticator,
		  "org.apache.cassandra.auth.PasswordAuthenticator");
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_AUTHENTICATE, 0);

	b.n = 0;
	tb_i32(&b, -1);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_AUTH_SUCCESS, 0, &r, &err), SK_OK);
	CHECK(r.token == NULL && r.token_len == -1);
	sk_cql_response_clear(&r);
	b.n = 0;
	tb_bytes(&b, "tok", 3);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_AUTH_CHALLENGE, 0, &r, &err), SK_OK);
	CHECK(r.token_len == 3 && !memcmp(r.token, "tok", 3));
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_AUTH_CHALLENGE, 0);

	b.n = 0;
	tb_u16(&b, 2);
	tb_str(&b, "CQL_VERSION");
	tb_u16(&b, 1);
	tb_str(&b, "3.4.7");
	tb_str(&b, "PROTOCOL_VERSIONS");
	tb_u16(&b, 3);
	tb_str(&b, "3/v3");
	tb_str(&b, "4/v4");
	tb_str(&b, "5/v5");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_SUPPORTED, 0, &r, &err), SK_OK);
	CHECK_INT(r.n_supported, 2);
	CHECK_STR(r.supported[1].key, "PROTOCOL_VERSIONS");
	CHECK_INT(r.supported[1].n_values, 3);
	CHECK_STR(r.supported[1].values[2], "5/v5");
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_SUPPORTED, 0);

	/* Events are ignored whatever their body. */
	b.n = 0;
	tb_str(&b, "STATUS_CHANGE");
	tb_str(&b, "UP");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_EVENT, 0, &r, &err), SK_OK);
	CHECK_STR(r.event_type, "STATUS_CHANGE");
	sk_cql_response_clear(&r);
	CHECK_INT(dec(&b, 3, SK_CQL_OP_EVENT, 0, &r, &err), SK_OK);
	CHECK(r.event_type == NULL);
	sk_cql_response_clear(&r);

	/* Not a response, compressed, unknown opcode. */
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_QUERY, 0, &r, &err), SK_ERR_PARSE);
	CHECK_INT(dec(&b, b.n, 0x42, 0, &r, &err), SK_ERR_PARSE);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_EVENT, SK_CQL_FLAG_COMPRESSION, &r,
		      &err),
		  SK_ERR_PARSE);
	CHECK(strstr(err.msg, "compress") != NULL);
}

static void test_result_void_flags(void)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	struct tb b = {.n = 0};
	tb_i32(&b, SK_CQL_RESULT_VOID);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	CHECK_INT(r.result->kind, SK_CQL_RESULT_VOID);
	sk_cql_response_clear(&r);

	/* Tracing id, warnings and a custom payload before the body. */
	b.n = 0;
	uint8_t trace[16];
	for (int i = 0; i < 16; i++)
		trace[i] = (uint8_t)(0xa0 + i);
	tb_raw(&b, trace, 16);
	tb_u16(&b, 2);
	tb_str(&b, "Batch too large");
	tb_str(&b, "tombstones");
	tb_u16(&b, 1);
	tb_str(&b, "k");
	tb_bytes(&b, "v", 1);
	tb_i32(&b, SK_CQL_RESULT_VOID);
	uint8_t fl = SK_CQL_FLAG_TRACING | SK_CQL_FLAG_WARNING |
		     SK_CQL_FLAG_CUSTOM_PAYLOAD;
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, fl, &r, &err), SK_OK);
	CHECK(r.has_tracing && !memcmp(r.tracing_id, trace, 16));
	CHECK_INT(r.n_warnings, 2);
	CHECK_STR(r.warnings[1], "tombstones");
	CHECK_INT(r.result->n_warnings, 2);
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, fl);

	/* Unknown result kind; extra bytes after a body are allowed. */
	b.n = 0;
	tb_i32(&b, 9);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_VOID);
	tb_i32(&b, 12345);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	sk_cql_response_clear(&r);
}

static void test_result_rows(void)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	struct tb b = {.n = 0};

	/* Global table spec, int / text / list<text>, two rows. */
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_GLOBAL_SPEC);
	tb_i32(&b, 3);
	tb_str(&b, "ks");
	tb_str(&b, "t");
	tb_str(&b, "id");
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_str(&b, "name");
	tb_u16(&b, SK_CQL_TYPE_VARCHAR);
	tb_str(&b, "tags");
	tb_u16(&b, SK_CQL_TYPE_LIST);
	tb_u16(&b, SK_CQL_TYPE_VARCHAR);
	tb_i32(&b, 2);
	tb_bytes(&b, "\x00\x00\x00\x2a", 4);
	tb_bytes(&b, "abc", 3);
	tb_bytes(&b, "\x00\x00\x00\x02\x00\x00\x00\x01x\x00\x00\x00\x02yz", 15);
	tb_i32(&b, -1);
	tb_bytes(&b, "", 0);
	tb_i32(&b, -7); /* any negative length is null */
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	struct sk_cql_result *res = r.result;
	CHECK_INT(res->kind, SK_CQL_RESULT_ROWS);
	CHECK_INT(res->meta.n_columns, 3);
	CHECK_INT(res->n_rows, 2);
	CHECK_STR(res->meta.columns[2].keyspace, "ks");
	CHECK_STR(res->meta.columns[2].table, "t");
	CHECK_STR(res->meta.columns[1].name, "name");
	CHECK_INT(res->meta.columns[2].type.sub[0].id, SK_CQL_TYPE_VARCHAR);
	CHECK_INT(sk_cql_result_column(res, "tags"), 2);
	CHECK_INT(sk_cql_result_column(res, "nope"), -1);
	CHECK_INT(sk_cql_result_cell(res, 0, 0)->u.i32, 42);
	CHECK_STR(sk_cql_result_cell(res, 0, 1)->u.text.p, "abc");
	const struct sk_cql_value *tags = sk_cql_result_cell(res, 0, 2);
	CHECK(tags->kind == SK_CQL_LIST && tags->u.coll.n == 2);
	CHECK_STR(tags->u.coll.items[1].u.text.p, "yz");
	CHECK_INT(sk_cql_result_cell(res, 1, 0)->kind, SK_CQL_NULL);
	CHECK_INT(sk_cql_result_cell(res, 1, 1)->kind, SK_CQL_TEXT);
	CHECK_STR(sk_cql_result_cell(res, 1, 1)->u.text.p, "");
	CHECK_INT(sk_cql_result_cell(res, 1, 2)->kind, SK_CQL_NULL);
	CHECK(sk_cql_result_cell(res, 2, 0) == NULL);
	CHECK(sk_cql_result_cell(res, 0, 3) == NULL);
	CHECK(sk_cql_result_cell(res, -1, 0) == NULL);
	CHECK(res->meta.paging_state == NULL);
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);

	/* Per-column table spec, more pages. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_HAS_MORE_PAGES);
	tb_i32(&b, 1);
	tb_bytes(&b, "\x01\x02\x03", 3);
	tb_str(&b, "ks1");
	tb_str(&b, "t1");
	tb_str(&b, "d");
	tb_u16(&b, SK_CQL_TYPE_DATE);
	tb_i32(&b, 1);
	tb_bytes(&b, "\x80\x00\x00\x01", 4);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	res = r.result;
	CHECK_INT(res->meta.paging_state_len, 3);
	CHECK(!memcmp(res->meta.paging_state, "\x01\x02\x03", 3));
	CHECK_STR(res->meta.columns[0].keyspace, "ks1");
	CHECK_INT(res->cells[0].kind, SK_CQL_DATE);
	CHECK_INT(res->cells[0].u.date, SK_CQL_DATE_EPOCH + 1);
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);

	/* No metadata: cells stay raw, of unknown type. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_NO_METADATA);
	tb_i32(&b, 2);
	tb_i32(&b, 1);
	tb_bytes(&b, "\x00\x00\x00\x05", 4);
	tb_bytes(&b, "hi", 2);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	res = r.result;
	CHECK(res->meta.columns == NULL);
	CHECK_INT(res->cells[1].kind, SK_CQL_RAW);
	CHECK_INT(res->cells[1].type, SK_CQL_TYPE_UNKNOWN);
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);

	/* Types that are only kept raw: custom, UDT, tuple, map, inet. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_GLOBAL_SPEC);
	tb_i32(&b, 3);
	tb_str(&b, "ks");
	tb_str(&b, "t");
	tb_str(&b, "c");
	tb_u16(&b, SK_CQL_TYPE_CUSTOM);
	tb_str(&b, "org.apache.cassandra.db.marshal.VectorType");
	tb_str(&b, "u");
	tb_u16(&b, SK_CQL_TYPE_UDT);
	tb_str(&b, "ks");
	tb_str(&b, "addr");
	tb_u16(&b, 2);
	tb_str(&b, "street");
	tb_u16(&b, SK_CQL_TYPE_VARCHAR);
	tb_str(&b, "nr");
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_str(&b, "tu");
	tb_u16(&b, SK_CQL_TYPE_TUPLE);
	tb_u16(&b, 2);
	tb_u16(&b, SK_CQL_TYPE_INET);
	tb_u16(&b, SK_CQL_TYPE_MAP);
	tb_u16(&b, SK_CQL_TYPE_VARCHAR);
	tb_u16(&b, SK_CQL_TYPE_DOUBLE);
	tb_i32(&b, 1);
	tb_bytes(&b, "\x01", 1);
	tb_bytes(&b, "\x00\x00\x00\x01s", 5);
	tb_bytes(&b, "\x00\x00\x00\x04\x7f\x00\x00\x01\xff\xff\xff\xff", 12);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	res = r.result;
	CHECK_STR(res->meta.columns[0].type.name,
		  "org.apache.cassandra.db.marshal.VectorType");
	CHECK_STR(res->meta.columns[1].type.field_names[1], "nr");
	CHECK_INT(res->meta.columns[2].type.sub[1].n_sub, 2);
	for (int i = 0; i < 3; i++)
		CHECK_INT(res->cells[i].kind, SK_CQL_RAW);
	char name[80];
	sk_cql_type_format(&res->meta.columns[2].type, name, sizeof name);
	CHECK_STR(name, "tuple<inet, map<text, double>>");
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);
}

static void test_result_other_kinds(void)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	struct tb b = {.n = 0};

	tb_i32(&b, SK_CQL_RESULT_SET_KEYSPACE);
	tb_str(&b, "skred");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	CHECK_STR(r.result->keyspace, "skred");
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);

	/* Prepared: id, bind metadata with pk indexes, result metadata. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_PREPARED);
	tb_u16(&b, 16);
	tb_raw(&b, "0123456789abcdef", 16);
	tb_i32(&b, SK_CQL_META_GLOBAL_SPEC);
	tb_i32(&b, 2);
	tb_i32(&b, 1);
	tb_u16(&b, 0);
	tb_str(&b, "ks");
	tb_str(&b, "t");
	tb_str(&b, "id");
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_str(&b, "m");
	tb_u16(&b, SK_CQL_TYPE_MAP);
	tb_u16(&b, SK_CQL_TYPE_VARCHAR);
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_i32(&b, SK_CQL_META_NO_METADATA);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	struct sk_cql_result *res = r.result;
	CHECK_INT(res->kind, SK_CQL_RESULT_PREPARED);
	CHECK_INT(res->prepared_id_len, 16);
	CHECK(!memcmp(res->prepared_id, "0123456789abcdef", 16));
	CHECK_INT(res->bind.n_columns, 2);
	CHECK_INT(res->bind.n_pk, 1);
	CHECK_INT(res->bind.pk_index[0], 0);
	CHECK_INT(res->bind.columns[1].type.id, SK_CQL_TYPE_MAP);
	CHECK_INT(res->meta.n_columns, 0);
	CHECK(res->meta.columns == NULL);
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);

	/* Schema changes: table, keyspace, function. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_SCHEMA_CHANGE);
	tb_str(&b, "CREATED");
	tb_str(&b, "TABLE");
	tb_str(&b, "ks");
	tb_str(&b, "warnings");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	CHECK_STR(r.result->change_type, "CREATED");
	CHECK_STR(r.result->target, "TABLE");
	CHECK_STR(r.result->keyspace, "ks");
	CHECK_STR(r.result->name, "warnings");
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_SCHEMA_CHANGE);
	tb_str(&b, "DROPPED");
	tb_str(&b, "KEYSPACE");
	tb_str(&b, "old");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	CHECK_STR(r.result->keyspace, "old");
	CHECK(r.result->name == NULL);
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_SCHEMA_CHANGE);
	tb_str(&b, "CREATED");
	tb_str(&b, "FUNCTION");
	tb_str(&b, "ks");
	tb_str(&b, "f");
	tb_u16(&b, 2);
	tb_str(&b, "int");
	tb_str(&b, "text");
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	CHECK_INT(r.result->n_arg_types, 2);
	CHECK_STR(r.result->arg_types[1], "text");
	sk_cql_response_clear(&r);
	check_truncations(&b, SK_CQL_OP_RESULT, 0);
}

/* An ERROR body: code, message, then the tail built by the caller. */
static void err_head(struct tb *b, int32_t code, const char *msg)
{
	b->n = 0;
	tb_i32(b, code);
	tb_str(b, msg);
}

static const struct sk_cql_server_error *dec_error(const struct tb *b,
						   struct sk_cql_response *r)
{
	struct sk_error err = {0};
	CHECK_INT(dec(b, b->n, SK_CQL_OP_ERROR, 0, r, &err), SK_OK);
	check_truncations(b, SK_CQL_OP_ERROR, 0);
	return r->error;
}

static void test_errors(void)
{
	struct sk_cql_response r;
	struct tb b;
	const struct sk_cql_server_error *e;
	struct sk_error err;
	bool retriable;

	/* Codes without a tail. */
	static const int32_t plain[] = {
		SK_CQL_ERR_SERVER,          SK_CQL_ERR_PROTOCOL,
		SK_CQL_ERR_BAD_CREDENTIALS, SK_CQL_ERR_OVERLOADED,
		SK_CQL_ERR_BOOTSTRAPPING,   SK_CQL_ERR_TRUNCATE,
		SK_CQL_ERR_SYNTAX,          SK_CQL_ERR_UNAUTHORIZED,
		SK_CQL_ERR_INVALID,         SK_CQL_ERR_CONFIG,
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		err_head(&b, plain[i], "boom");
		e = dec_error(&b, &r);
		CHECK_INT(e->code, plain[i]);
		CHECK_STR(e->message, "boom");
		sk_cql_response_clear(&r);
	}

	err_head(&b, SK_CQL_ERR_UNAVAILABLE, "Cannot achieve consistency");
	tb_u16(&b, 4);
	tb_i32(&b, 2);
	tb_i32(&b, 1);
	e = dec_error(&b, &r);
	CHECK(e->consistency == 4 && e->required == 2 && e->alive == 1);
	CHECK_INT(sk_cql_error_set_server(&err, e, "h:1"), SK_ERR_STORE);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "h:1: unavailable error (0x1000): Cannot "
			      "achieve consistency [consistency=QUORUM "
			      "required=2 alive=1]") != NULL);
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_WRITE_TIMEOUT, "wt");
	tb_u16(&b, 6);
	tb_i32(&b, 1);
	tb_i32(&b, 2);
	tb_str(&b, "BATCH_LOG");
	e = dec_error(&b, &r);
	CHECK(e->consistency == 6 && e->received == 1 && e->blockfor == 2);
	CHECK_STR(e->write_type, "BATCH_LOG");
	CHECK_INT(sk_cql_error_set_server(&err, e, NULL), SK_ERR_TIMEOUT);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "LOCAL_QUORUM") && strstr(err.msg, "BATCH_LOG"));
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_READ_TIMEOUT, "rt");
	tb_u16(&b, 1);
	tb_i32(&b, 0);
	tb_i32(&b, 1);
	tb_u8(&b, 0);
	e = dec_error(&b, &r);
	CHECK(e->consistency == 1 && e->blockfor == 1 && !e->data_present);
	CHECK_INT(sk_cql_error_set_server(&err, e, NULL), SK_ERR_TIMEOUT);
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_READ_FAILURE, "rf");
	tb_u16(&b, 5);
	tb_i32(&b, 1);
	tb_i32(&b, 3);
	tb_i32(&b, 2);
	tb_u8(&b, 1);
	e = dec_error(&b, &r);
	CHECK(e->numfailures == 2 && e->data_present && e->blockfor == 3);
	CHECK_INT(sk_cql_error_set_server(&err, e, NULL), SK_ERR_STORE);
	CHECK(!err.retriable);
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_FUNCTION_FAILURE, "ff");
	tb_str(&b, "ks");
	tb_str(&b, "fn");
	tb_u16(&b, 1);
	tb_str(&b, "int");
	e = dec_error(&b, &r);
	CHECK_STR(e->keyspace, "ks");
	CHECK_STR(e->function, "fn");
	CHECK(e->n_arg_types == 1 && !strcmp(e->arg_types[0], "int"));
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_WRITE_FAILURE, "wf");
	tb_u16(&b, 1);
	tb_i32(&b, 0);
	tb_i32(&b, 1);
	tb_i32(&b, 1);
	tb_str(&b, "SIMPLE");
	e = dec_error(&b, &r);
	CHECK(e->numfailures == 1);
	CHECK_STR(e->write_type, "SIMPLE");
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_ALREADY_EXISTS, "exists");
	tb_str(&b, "ks");
	tb_str(&b, "");
	e = dec_error(&b, &r);
	CHECK_STR(e->keyspace, "ks");
	CHECK_STR(e->table, "");
	CHECK_INT(sk_cql_error_set_server(&err, e, NULL), SK_ERR_STORE);
	CHECK(!err.retriable && strstr(err.msg, "[ks]"));
	sk_cql_response_clear(&r);

	err_head(&b, SK_CQL_ERR_UNPREPARED, "unknown id");
	tb_u16(&b, 2);
	tb_raw(&b, "\xbe\xef", 2);
	e = dec_error(&b, &r);
	CHECK(e->unprepared_id_len == 2 &&
	      !memcmp(e->unprepared_id, "\xbe\xef", 2));
	sk_cql_response_clear(&r);

	/* The mapping table. */
	static const struct {
		int32_t code;
		sk_err_t rc;
		bool retriable;
	} map[] = {
		{SK_CQL_ERR_SERVER, SK_ERR_STORE, false},
		{SK_CQL_ERR_PROTOCOL, SK_ERR_STORE, false},
		{SK_CQL_ERR_BAD_CREDENTIALS, SK_ERR_CONFIG, false},
		{SK_CQL_ERR_UNAVAILABLE, SK_ERR_STORE, true},
		{SK_CQL_ERR_OVERLOADED, SK_ERR_STORE, true},
		{SK_CQL_ERR_BOOTSTRAPPING, SK_ERR_STORE, true},
		{SK_CQL_ERR_TRUNCATE, SK_ERR_STORE, true},
		{SK_CQL_ERR_WRITE_TIMEOUT, SK_ERR_TIMEOUT, true},
		{SK_CQL_ERR_READ_TIMEOUT, SK_ERR_TIMEOUT, true},
		{SK_CQL_ERR_READ_FAILURE, SK_ERR_STORE, false},
		{SK_CQL_ERR_FUNCTION_FAILURE, SK_ERR_STORE, false},
		{SK_CQL_ERR_WRITE_FAILURE, SK_ERR_STORE, false},
		{SK_CQL_ERR_SYNTAX, SK_ERR_INVAL, false},
		{SK_CQL_ERR_UNAUTHORIZED, SK_ERR_CONFIG, false},
		{SK_CQL_ERR_INVALID, SK_ERR_INVAL, false},
		{SK_CQL_ERR_CONFIG, SK_ERR_CONFIG, false},
		{SK_CQL_ERR_ALREADY_EXISTS, SK_ERR_STORE, false},
		{SK_CQL_ERR_UNPREPARED, SK_ERR_STORE, true},
		{0x7777, SK_ERR_STORE, false},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		CHECK_INT(sk_cql_error_map(map[i].code, &retriable), map[i].rc);
		CHECK_INT(retriable, map[i].retriable);
		CHECK(strcmp(sk_cql_error_code_name(map[i].code), "") != 0);
	}
	CHECK_STR(sk_cql_consistency_name(10), "LOCAL_ONE");
	CHECK_STR(sk_cql_consistency_name(11), "UNKNOWN");
	CHECK_STR(sk_cql_opcode_name(4), "UNKNOWN");
	CHECK_STR(sk_cql_opcode_name(0x10), "AUTH_SUCCESS");
}

/* --------------------------------------------------------------- bounds */

static void test_header(void)
{
	struct sk_cql_header h;
	struct sk_error err = {0};
	uint8_t hdr[9] = {0x84, 0x08, 0xff, 0xff, 0x0c, 0, 0, 0x01, 0x00};
	CHECK_INT(sk_cql_header_decode(hdr, 9, 0, &h, &err), SK_OK);
	CHECK(h.version == 0x84 && h.flags == 8 && h.stream == -1 &&
	      h.opcode == 0x0c && h.length == 256);
	uint8_t again[9];
	sk_cql_header_encode(&h, again);
	CHECK(!memcmp(hdr, again, 9));
	for (size_t n = 0; n < 9; n++)
		CHECK_INT(sk_cql_header_decode(hdr, n, 0, &h, &err),
			  SK_ERR_PARSE);
	/* Caps: configurable, default 16 MiB, never above 256 MiB. */
	CHECK_INT(sk_cql_header_decode(hdr, 9, 255, &h, &err), SK_ERR_LIMIT);
	CHECK(strstr(err.msg, "256 bytes exceeds the 255 byte cap") != NULL);
	CHECK_INT(sk_cql_header_decode(hdr, 9, 256, &h, &err), SK_OK);
	uint8_t big[9] = {0x84, 0, 0, 1, 8, 0x01, 0x00, 0x00, 0x01};
	CHECK_INT(sk_cql_header_decode(big, 9, 0, &h, &err), SK_ERR_LIMIT);
	big[5] = 0x00;
	CHECK_INT(sk_cql_header_decode(big, 9, 0, &h, &err), SK_OK);
	uint8_t neg[9] = {0x84, 0, 0, 1, 8, 0xff, 0xff, 0xff, 0xff};
	CHECK_INT(sk_cql_header_decode(neg, 9, UINT32_MAX, &h, &err),
		  SK_ERR_LIMIT);
	uint8_t v3[9] = {0x83, 0, 0, 0, 0, 0, 0, 0, 0};
	CHECK_INT(sk_cql_header_decode(v3, 9, 0, &h, &err), SK_ERR_PARSE);
	CHECK(strstr(err.msg, "version 3") != NULL);
	uint8_t v5[9] = {0x05, 0, 0, 0, 0, 0, 0, 0, 0};
	CHECK_INT(sk_cql_header_decode(v5, 9, 0, &h, &err), SK_ERR_PARSE);
}

static void test_reader_bounds(void)
{
	struct sk_cql_reader r;
	const uint8_t *p;
	const char *s;
	size_t n;
	int32_t len;
	struct sk_cql_inet inet;
	struct sk_error err = {0};

	/* Negative lengths. */
	sk_cql_reader_init(&r, "\xff\xff\xff\xfe", 4);
	CHECK(!sk_cql_read_long_string(&r, &s, &n));
	CHECK_INT(sk_cql_reader_error(&r, "ctx", &err), SK_ERR_PARSE);
	CHECK(strstr(err.msg, "ctx: malformed long string length at offset 4"));
	sk_cql_reader_init(&r, "\xff\xff\xff\xfe", 4);
	CHECK(sk_cql_read_value(&r, &p, &len) && len == -2 && !p);
	sk_cql_reader_init(&r, "\xff\xff\xff\xfd", 4);
	CHECK(!sk_cql_read_value(&r, &p, &len));
	sk_cql_reader_init(&r, "\x80\x00\x00\x00", 4);
	CHECK(sk_cql_read_bytes(&r, &p, &len) && len == -1 && !p);
	/* A length beyond the buffer; failures stick. */
	sk_cql_reader_init(&r,
			   "\x00\x06"
			   "abc"
			   "\x00\x00",
			   7);
	CHECK(!sk_cql_read_string(&r, &s, &n));
	CHECK(!sk_cql_read_short(&r, (uint16_t *)&len));
	sk_cql_reader_init(&r, "\x7f\xff\xff\xff", 4);
	CHECK(!sk_cql_read_bytes(&r, &p, &len));
	sk_cql_reader_init(&r, "\x00\x03\x00", 3);
	CHECK(!sk_cql_read_short_bytes(&r, &p, &n));
	/* inet: 4 or 16 bytes and a port. */
	sk_cql_reader_init(&r, "\x04\x7f\x00\x00\x01\x00\x00\x23\x52", 9);
	CHECK(sk_cql_read_inet(&r, &inet) && inet.len == 4 &&
	      inet.port == 9042 && inet.addr[0] == 127);
	sk_cql_reader_init(&r, "\x05\x7f\x00\x00\x01\x00\x00\x23\x52\x00", 10);
	CHECK(!sk_cql_read_inet(&r, &inet));
	sk_cql_reader_init(&r, "\x04\x7f\x00\x00\x01\x00\x00", 7);
	CHECK(!sk_cql_read_inet(&r, &inet));
	uint16_t cl;
	sk_cql_reader_init(&r, "\x00\x0a", 2);
	CHECK(sk_cql_read_consistency(&r, &cl) && cl == 10);
	int64_t l;
	sk_cql_reader_init(&r, "\x80\x00\x00\x00\x00\x00\x00\x00", 8);
	CHECK(sk_cql_read_long(&r, &l) && l == INT64_MIN);
	sk_cql_reader_init(&r, "\x80\x00\x00\x00\x00\x00\x00", 7);
	CHECK(!sk_cql_read_long(&r, &l));
	uint8_t u[16];
	sk_cql_reader_init(&r, "0123456789abcde", 15);
	CHECK(!sk_cql_read_uuid(&r, u));
	sk_cql_reader_init(&r, NULL, 0);
	CHECK(sk_cql_read_raw(&r, 0, &p));
	CHECK(!sk_cql_read_byte(&r, u));

	/* Writer round trip of the structured notations. */
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_cql_writer w = {.buf = &b};
	const char *list[] = {"a", "bc"};
	struct sk_cql_string_pair pairs[] = {{"k", "v"}};
	struct sk_cql_inet in6 = {.len = 16, .port = 7000};
	in6.addr[15] = 1;
	sk_cql_write_string_list(&w, list, 2);
	sk_cql_write_string_map(&w, pairs, 1);
	sk_cql_write_inet(&w, &in6);
	sk_cql_write_bytes(&w, NULL, 0);
	CHECK_INT(w.rc, SK_OK);
	struct sk_cql_arena *a = sk_cql_arena_new(0);
	const char *const *l2;
	const struct sk_cql_string_pair *m2;
	size_t n2, nm;
	sk_cql_reader_init(&r, b.data, b.len);
	CHECK(sk_cql_read_string_list(&r, a, &l2, &n2) && n2 == 2);
	CHECK_STR(l2[1], "bc");
	CHECK(sk_cql_read_string_map(&r, a, &m2, &nm) && nm == 1);
	CHECK_STR(m2[0].value, "v");
	CHECK(sk_cql_read_inet(&r, &inet) && inet.len == 16 &&
	      inet.port == 7000 && inet.addr[15] == 1);
	CHECK(sk_cql_read_bytes(&r, &p, &len) && len == -1);
	CHECK_INT(sk_cql_reader_left(&r), 0);
	/* Oversized fields are refused by the writer. */
	char *huge = malloc(70000);
	memset(huge, 'x', 70000);
	w.rc = SK_OK;
	sk_cql_write_string(&w, huge, 70000);
	CHECK_INT(w.rc, SK_ERR_LIMIT);
	free(huge);
	sk_buf_free(&b);

	/* Huge counts fail before allocating. */
	sk_cql_reader_init(&r, "\xff\xff\x00\x00", 4);
	CHECK(!sk_cql_read_string_list(&r, a, &l2, &n2));
	sk_cql_reader_init(&r, "\xff\xff\x00\x00\x00\x00", 6);
	CHECK(!sk_cql_read_string_map(&r, a, &m2, &nm));
	const struct sk_cql_multimap_entry *mm;
	sk_cql_reader_init(&r, "\xff\xff\x00\x00\x00\x00", 6);
	CHECK(!sk_cql_read_string_multimap(&r, a, &mm, &nm));

	/* The arena cap. */
	struct sk_cql_arena *small = sk_cql_arena_new(100);
	sk_err_t rc = SK_OK;
	CHECK(sk_cql_arena_alloc(small, 200, &rc) == NULL &&
	      rc == SK_ERR_LIMIT);
	CHECK(sk_cql_arena_alloc(small, 0, &rc) == NULL);
	sk_cql_arena_free(small);
	struct sk_cql_arena *big = sk_cql_arena_new(0);
	for (int i = 0; i < 100; i++)
		CHECK(sk_cql_arena_alloc(big, (size_t)i * 97 + 1, &rc) != NULL);
	CHECK(sk_cql_arena_alloc(big, 3u << 20, &rc) != NULL);
	CHECK(sk_cql_arena_alloc(big, 8, &rc) != NULL);
	sk_cql_arena_free(big);
	sk_cql_arena_free(a);
	sk_cql_arena_free(NULL);
}

static void test_metadata_bounds(void)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	struct tb b;

	/* Negative and huge column counts, negative and huge row counts. */
	int32_t cols[] = {-1, INT32_MAX, 0x10000};
	for (size_t i = 0; i < 3; i++) {
		b.n = 0;
		tb_i32(&b, SK_CQL_RESULT_ROWS);
		tb_i32(&b, SK_CQL_META_GLOBAL_SPEC);
		tb_i32(&b, cols[i]);
		tb_str(&b, "ks");
		tb_str(&b, "t");
		tb_str(&b, "c");
		tb_u16(&b, SK_CQL_TYPE_INT);
		tb_i32(&b, 0);
		CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err),
			  SK_ERR_PARSE);
	}
	int32_t rows[] = {-1, INT32_MAX, 3};
	for (size_t i = 0; i < 3; i++) {
		b.n = 0;
		tb_i32(&b, SK_CQL_RESULT_ROWS);
		tb_i32(&b, SK_CQL_META_NO_METADATA);
		tb_i32(&b, 1);
		tb_i32(&b, rows[i]);
		tb_bytes(&b, "\x00\x00\x00\x01", 4);
		tb_bytes(&b, "\x00\x00\x00\x02", 4);
		CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err),
			  SK_ERR_PARSE);
	}
	/* Many columns times many rows must not overflow the size check. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_NO_METADATA);
	tb_i32(&b, INT32_MAX);
	tb_i32(&b, INT32_MAX);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	/* Rows without columns. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_NO_METADATA);
	tb_i32(&b, 0);
	tb_i32(&b, 5);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	/* Negative and huge pk counts. */
	int32_t pks[] = {-1, INT32_MAX};
	for (size_t i = 0; i < 2; i++) {
		b.n = 0;
		tb_i32(&b, SK_CQL_RESULT_PREPARED);
		tb_u16(&b, 1);
		tb_u8(&b, 7);
		tb_i32(&b, 0);
		tb_i32(&b, 0);
		tb_i32(&b, pks[i]);
		tb_i32(&b, SK_CQL_META_NO_METADATA);
		tb_i32(&b, 0);
		CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err),
			  SK_ERR_PARSE);
	}
	/* An empty prepared id is refused. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_PREPARED);
	tb_u16(&b, 0);
	tb_i32(&b, 0);
	tb_i32(&b, 0);
	tb_i32(&b, 0);
	tb_i32(&b, SK_CQL_META_NO_METADATA);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);

	/* Types nested too deep, an unknown option id, huge tuples. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_ROWS);
	tb_i32(&b, SK_CQL_META_GLOBAL_SPEC);
	tb_i32(&b, 1);
	tb_str(&b, "ks");
	tb_str(&b, "t");
	tb_str(&b, "c");
	size_t type_at = b.n;
	for (int i = 0; i < SK_CQL_LIMIT_TYPE_DEPTH + 2; i++)
		tb_u16(&b, SK_CQL_TYPE_LIST);
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	CHECK(strstr(err.msg, "nested too deep") != NULL);
	b.n = type_at;
	for (int i = 0; i < SK_CQL_LIMIT_TYPE_DEPTH; i++)
		tb_u16(&b, SK_CQL_TYPE_SET);
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_OK);
	sk_cql_response_clear(&r);
	b.n = type_at;
	tb_u16(&b, 0x000A);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	b.n = type_at;
	tb_u16(&b, 0x0040);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	b.n = type_at;
	tb_u16(&b, SK_CQL_TYPE_TUPLE);
	tb_u16(&b, 0xffff);
	tb_u16(&b, SK_CQL_TYPE_INT);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	b.n = type_at;
	tb_u16(&b, SK_CQL_TYPE_UDT);
	tb_str(&b, "ks");
	tb_str(&b, "u");
	tb_u16(&b, 0x4000);
	tb_i32(&b, 0);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	/* Strings longer than what is left. */
	b.n = 0;
	tb_i32(&b, SK_CQL_RESULT_SET_KEYSPACE);
	tb_u16(&b, 0xffff);
	tb_raw(&b, "abc", 3);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_RESULT, 0, &r, &err), SK_ERR_PARSE);
	/* Error tail with a huge string list. */
	err_head(&b, SK_CQL_ERR_FUNCTION_FAILURE, "x");
	tb_str(&b, "ks");
	tb_str(&b, "f");
	tb_u16(&b, 0xffff);
	CHECK_INT(dec(&b, b.n, SK_CQL_OP_ERROR, 0, &r, &err), SK_ERR_PARSE);
}

static const struct sk_case cases[] = {
	{"startup_options_auth", test_startup_options_auth},
	{"query_prepare", test_query_prepare},
	{"execute_batch", test_execute_batch},
	{"value_bytes", test_value_bytes},
	{"value_decode", test_value_decode},
	{"simple_responses", test_simple_responses},
	{"result_void_flags", test_result_void_flags},
	{"result_rows", test_result_rows},
	{"result_other_kinds", test_result_other_kinds},
	{"errors", test_errors},
	{"header", test_header},
	{"reader_bounds", test_reader_bounds},
	{"metadata_bounds", test_metadata_bounds},
};

SK_CASES_MAIN(cases)
