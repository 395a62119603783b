/*
 * fuzz_cql_frame.c - fuzz target for the CQL frame codec: the first 9
 * bytes are a frame header (decoded with a 1 MiB cap), the rest a body
 * decoded as every response opcode, with the header's flags and without.
 * Invariants abort on violation: a failure leaves nothing allocated and
 * says why; a success yields NUL-terminated strings, in-bounds cells and
 * types that format.
 */
#include "cql/cql_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		sink += b[i];
}

static void check_str(const char *s)
{
	if (!s)
		abort();
	touch(s, strlen(s) + 1);
}

static void check_value(const struct sk_cql_value *v)
{
	switch (v->kind) {
	case SK_CQL_TEXT:
		if (v->u.text.p[v->u.text.len] != '\0')
			abort();
		touch(v->u.text.p, v->u.text.len);
		break;
	case SK_CQL_BLOB:
	case SK_CQL_RAW:
		touch(v->u.bytes.p, v->u.bytes.len);
		break;
	case SK_CQL_LIST:
	case SK_CQL_SET:
	case SK_CQL_MAP: {
		size_t n = v->u.coll.n * (v->kind == SK_CQL_MAP ? 2 : 1);
		for (size_t i = 0; i < n; i++)
			check_value(&v->u.coll.items[i]);
		break;
	}
	default:
		break;
	}
}

static void check_meta(const struct sk_cql_meta *m, bool bind)
{
	char name[128];
	if (m->n_columns < 0)
		abort();
	if (m->paging_state)
		touch(m->paging_state, m->paging_state_len);
	if (bind)
		touch(m->pk_index, (size_t)m->n_pk * sizeof *m->pk_index);
	if (!m->columns)
		return;
	for (int32_t i = 0; i < m->n_columns; i++) {
		check_str(m->columns[i].keyspace);
		check_str(m->columns[i].table);
		check_str(m->columns[i].name);
		sk_cql_type_format(&m->columns[i].type, name, sizeof name);
		if (strlen(name) >= sizeof name)
			abort();
	}
}

static void check_result(const struct sk_cql_result *res)
{
	switch (res->kind) {
	case SK_CQL_RESULT_ROWS:
		check_meta(&res->meta, false);
		for (int32_t r = 0; r < res->n_rows; r++)
			for (int32_t c = 0; c < res->meta.n_columns; c++) {
				const struct sk_cql_value *v =
					sk_cql_result_cell(res, r, c);
				if (!v)
					abort();
				check_value(v);
			}
		break;
	case SK_CQL_RESULT_PREPARED:
		touch(res->prepared_id, res->prepared_id_len);
		check_meta(&res->bind, true);
		check_meta(&res->meta, false);
		break;
	case SK_CQL_RESULT_SET_KEYSPACE:
		check_str(res->keyspace);
		break;
	case SK_CQL_RESULT_SCHEMA_CHANGE:
		check_str(res->change_type);
		check_str(res->target);
		for (size_t i = 0; i < res->n_arg_types; i++)
			check_str(res->arg_types[i]);
		break;
	case SK_CQL_RESULT_VOID:
		break;
	default:
		abort();
	}
}

static void check_response(const struct sk_cql_response *r)
{
	for (size_t i = 0; i < r->n_warnings; i++)
		check_str(r->warnings[i]);
	switch (r->h.opcode) {
	case SK_CQL_OP_ERROR: {
		struct sk_error err;
		check_str(r->error->message);
		if (r->error->write_type)
			check_str(r->error->write_type);
		touch(r->error->unprepared_id, r->error->unprepared_id_len);
		sk_cql_error_set_server(&err, r->error, "fuzz");
		if (!err.msg[0])
			abort();
		break;
	}
	case SK_CQL_OP_AUTHENTICATE:
		check_str(r->authenticator);
		break;
	case SK_CQL_OP_SUPPORTED:
		for (size_t i = 0; i < r->n_supported; i++) {
			check_str(r->supported[i].key);
			for (size_t j = 0; j < r->supported[i].n_values; j++)
				check_str(r->supported[i].values[j]);
		}
		break;
	case SK_CQL_OP_RESULT:
		check_result(r->result);
		break;
	case SK_CQL_OP_AUTH_CHALLENGE:
	case SK_CQL_OP_AUTH_SUCCESS:
		if (r->token)
			touch(r->token, (size_t)r->token_len);
		else if (r->token_len != -1)
			abort();
		break;
	default:
		break;
	}
}

static void decode_as(const uint8_t *body, size_t len, uint8_t opcode,
		      uint8_t flags)
{
	struct sk_cql_header h = {SK_CQL_VERSION_RESP, flags, 0, opcode,
				  (uint32_t)len};
	struct sk_cql_response r;
	struct sk_error err = {0};
	if (sk_cql_response_decode(&h, body, len, &r, &err) != SK_OK) {
		if (r.arena || r.result || r.error || !err.msg[0])
			abort();
		return;
	}
	check_response(&r);
	sk_cql_response_clear(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ops[] = {
		SK_CQL_OP_ERROR,          SK_CQL_OP_READY,
		SK_CQL_OP_AUTHENTICATE,   SK_CQL_OP_SUPPORTED,
		SK_CQL_OP_RESULT,         SK_CQL_OP_EVENT,
		SK_CQL_OP_AUTH_CHALLENGE, SK_CQL_OP_AUTH_SUCCESS,
	};
	struct sk_cql_header h;
	struct sk_error err = {0};
	if (size < SK_CQL_HEADER_LEN) {
		if (sk_cql_header_decode(data, size, 0, &h, &err) == SK_OK)
			abort();
		return 0;
	}
	/* Body bytes in their own allocation, so over-reads are caught. */
	size_t len = size - SK_CQL_HEADER_LEN;
	uint8_t *body = malloc(len ? len : 1);
	if (!body)
		return 0;
	memcpy(body, data + SK_CQL_HEADER_LEN, len);
	if (sk_cql_header_decode(data, size, 1u << 20, &h, &err) == SK_OK) {
		if (h.length > (1u << 20))
			abort();
		decode_as(body, h.length < len ? h.length : len, h.opcode,
			  h.flags);
	} else if (!err.msg[0]) {
		abort();
	}
	for (size_t i = 0; i < sizeof ops; i++) {
		decode_as(body, len, ops[i], 0);
		decode_as(body, len, ops[i], data[1] & 0x0e);
	}
	free(body);
	return 0;
}
