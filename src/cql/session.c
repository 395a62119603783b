/*
 * session.c - the CQL session: contact points with failover and
 * reconnect, synchronous QUERY / PREPARE (cached by text) / EXECUTE /
 * BATCH with one transparent re-prepare on "Unprepared", pipelined
 * asynchronous EXECUTE/BATCH with wait-for-all, the paging row iterator,
 * and the last server error.
 *
 * One connection at a time (to the first contact point that answers); no
 * retries of failed requests other than the re-prepare (callers decide,
 * using the retriable flag); not thread-safe.
 */
#include "cql/cql_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_DEFAULT_REQUEST_MS 12000
#define SESSION_DEFAULT_CL 0x0006 /* LOCAL_QUORUM */
#define SESSION_DEFAULT_PAGE 5000
#define PTAB_BUCKETS 256

struct host {
	char *name;
	int port;
};

/* Where a prepared id sits in an encoded request, to patch after a
 * re-prepare. */
struct id_ref {
	size_t off; /* offset of the id bytes (after their [short] length) */
	struct sk_cql_prepared *ps;
};

/* One request: its encoded frame (kept to send again), the ids in it, and
 * the call while in flight. */
struct req {
	struct sk_cql_call call;
	uint64_t ticket;
	uint8_t opcode;
	struct sk_buf frame;
	struct id_ref *ids;
	size_t n_ids;
	bool retried;
	struct req *next; /* pending list (async) */
};

struct sk_cql_session {
	struct host hosts[SK_CQL_LIMIT_HOSTS];
	size_t n_hosts;
	size_t cur; /* host to try first */
	char *username, *password, *keyspace, *tls_ca_file;
	int connect_timeout_ms;
	int request_timeout_ms;
	uint32_t frame_max;
	unsigned max_in_flight;
	bool tls, tls_no_verify;
	uint16_t default_cl;
	struct sk_cql_conn *conn;

	struct sk_cql_prepared *ptab[PTAB_BUCKETS];
	size_t n_prepared;

	struct req *pending; /* submitted, not yet reaped, in order */
	struct req **pending_tail;
	uint64_t next_ticket;
	struct sk_cql_wait_report rep;
	struct sk_error first_err;
	struct sk_cql_response first_resp; /* server error of the first */

	struct sk_cql_response last_resp; /* server error of the last call */
	int32_t last_code;
	bool last_set; /* set_last ran during the current public call */
};

/* =========================================================== utilities */

static const char *host_name(const struct sk_cql_session *s)
{
	return s->conn ? sk_cql_conn_name(s->conn) : "cassandra";
}

/* Remember the server error of the call that just failed (moved from
 * resp, which may be NULL for a failure that was not a server ERROR). */
static void set_last(struct sk_cql_session *s, struct sk_cql_response *resp)
{
	sk_cql_response_clear(&s->last_resp);
	s->last_code = -1;
	s->last_set = true;
	if (resp && resp->error) {
		s->last_resp = *resp;
		s->last_code = resp->error->code;
		memset(resp, 0, sizeof *resp);
	} else if (resp) {
		sk_cql_response_clear(resp);
	}
}

/* Bracket every public call: a failure that was not a server ERROR (bad
 * arguments, no connection, timeout) clears the last server error. */
static void call_begin(struct sk_cql_session *s)
{
	if (s)
		s->last_set = false;
}

static sk_err_t call_end(struct sk_cql_session *s, sk_err_t rc)
{
	if (s && rc != SK_OK && !s->last_set)
		set_last(s, NULL);
	return rc;
}

static sk_err_t encode_error(sk_err_t rc, const char *what,
			     const struct sk_cql_session *s,
			     struct sk_error *err)
{
	switch (rc) {
	case SK_ERR_LIMIT:
		return sk_error_set(err, rc, false,
				    "cql: %s too large (frame cap %u bytes, "
				    "65535 values or statements)",
				    what, s->frame_max);
	case SK_ERR_NOMEM:
		return sk_error_set(err, rc, false, "cql: out of memory");
	default:
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: cannot encode %s: bad argument "
				    "(NULL text, bad consistency, null in a "
				    "collection, no statements, ...)",
				    what);
	}
}

/* ======================================================== contact points */

static sk_err_t add_host(struct sk_cql_session *s, const char *h, size_t hl,
			 const char *port, size_t pl, struct sk_error *err)
{
	long p = SK_CQL_DEFAULT_PORT;
	if (!hl)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: empty host in contact points");
	if (pl) {
		char buf[8];
		char *end;
		if (pl >= sizeof buf)
			goto bad_port;
		memcpy(buf, port, pl);
		buf[pl] = '\0';
		p = strtol(buf, &end, 10);
		if (*end || p <= 0 || p > 65535)
			goto bad_port;
	}
	if (s->n_hosts >= SK_CQL_LIMIT_HOSTS)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "cql: more than %d contact points",
				    SK_CQL_LIMIT_HOSTS);
	s->hosts[s->n_hosts].name = sk_strndup(h, hl);
	if (!s->hosts[s->n_hosts].name)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "cql: out of memory");
	s->hosts[s->n_hosts++].port = (int)p;
	return SK_OK;
bad_port:
	return sk_error_set(err, SK_ERR_INVAL, false,
			    "cql: bad port \"%.*s\" in contact points", (int)pl,
			    port);
}

/* "host[:port],[v6]:port,..." */
static sk_err_t parse_hosts(struct sk_cql_session *s, const char *list,
			    struct sk_error *err)
{
	const char *p = list;
	while (*p) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *e = end;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		sk_err_t rc;
		if (p < e && *p == '[') {
			const char *rb = memchr(p, ']', (size_t)(e - p));
			if (!rb || (rb + 1 < e && rb[1] != ':'))
				return sk_error_set(err, SK_ERR_INVAL, false,
						    "cql: bad contact point "
						    "\"%.*s\"",
						    (int)(e - p), p);
			const char *port = rb + 1 < e ? rb + 2 : e;
			rc = add_host(s, p + 1, (size_t)(rb - p - 1), port,
				      (size_t)(e - port), err);
		} else {
			const char *colon = memchr(p, ':', (size_t)(e - p));
			/* Two colons: a bare IPv6 address, default port. */
			if (colon &&
			    memchr(colon + 1, ':', (size_t)(e - colon - 1)))
				colon = NULL;
			rc = colon ? add_host(s, p, (size_t)(colon - p),
					      colon + 1,
					      (size_t)(e - colon - 1), err)
				   : add_host(s, p, (size_t)(e - p), NULL, 0,
					      err);
		}
		if (rc != SK_OK)
			return rc;
		p = *end ? end + 1 : end;
	}
	if (!s->n_hosts)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: no contact points");
	return SK_OK;
}

/* A live connection, reconnecting if needed: the current host first, then
 * the others in order. Non-retriable failures (credentials, keyspace, TLS
 * certificate) stop the search. */
static sk_err_t ensure_conn(struct sk_cql_session *s, struct sk_error *err)
{
	struct sk_error last = {0};
	sk_err_t rc = SK_ERR_NET;
	if (sk_cql_conn_alive(s->conn))
		return SK_OK;
	if (s->conn) {
		sk_log(SK_LOG_WARN, "cql",
		       "connection to %s lost; reconnecting",
		       sk_cql_conn_name(s->conn));
		sk_cql_conn_close(s->conn);
		s->conn = NULL;
	}
	for (size_t i = 0; i < s->n_hosts; i++) {
		size_t idx = (s->cur + i) % s->n_hosts;
		struct sk_cql_conn_opts o = {
			.host = s->hosts[idx].name,
			.port = s->hosts[idx].port,
			.username = s->username,
			.password = s->password,
			.keyspace = s->keyspace,
			.connect_timeout_ms = s->connect_timeout_ms,
			.frame_max = s->frame_max,
			.max_streams = s->max_in_flight,
			.tls = s->tls,
			.tls_no_verify = s->tls_no_verify,
			.tls_ca_file = s->tls_ca_file,
		};
		rc = sk_cql_conn_open(&s->conn, &o, &last);
		if (rc == SK_OK) {
			s->cur = idx;
			sk_log(SK_LOG_DEBUG, "cql", "connected to %s%s%s%s%s",
			       sk_cql_conn_name(s->conn),
			       s->keyspace ? " keyspace=" : "",
			       s->keyspace ? s->keyspace : "",
			       s->username ? " user=" : "",
			       s->username ? s->username : "");
			return SK_OK;
		}
		if (!last.retriable) {
			if (err)
				*err = last;
			return rc;
		}
		if (s->n_hosts > 1)
			sk_log(SK_LOG_WARN, "cql",
			       "%s; trying the next contact "
			       "point",
			       last.msg);
	}
	return sk_error_set(err, SK_ERR_NET, true,
			    "cql: no contact point reachable (%zu tried): %s",
			    s->n_hosts, last.msg);
}

/* ============================================================ requests */

static struct req *req_new(const struct sk_cql_session *s, uint8_t opcode)
{
	struct req *rq = calloc(1, sizeof *rq);
	if (rq) {
		rq->opcode = opcode;
		sk_buf_init(&rq->frame,
			    (size_t)s->frame_max + SK_CQL_HEADER_LEN);
		rq->call.stream = -1;
	}
	return rq;
}

static void req_free(struct req *rq)
{
	if (!rq)
		return;
	sk_buf_free(&rq->frame);
	free(rq->ids);
	free(rq->call.body);
	free(rq);
}

/* Start rq on the connection (connecting first if needed); when every
 * stream id is taken, let answers come in until one is free. */
static sk_err_t req_send(struct sk_cql_session *s, struct req *rq,
			 struct sk_error *err)
{
	for (;;) {
		struct sk_error e = {0};
		sk_err_t rc = ensure_conn(s, err);
		if (rc != SK_OK)
			return rc;
		free(rq->call.body);
		rq->call.body = NULL;
		rc = sk_cql_conn_start(s->conn, &rq->call,
				       (const uint8_t *)rq->frame.data,
				       rq->frame.len, s->request_timeout_ms,
				       &e);
		if (rc == SK_OK)
			return SK_OK;
		if (rc != SK_ERR_LIMIT || !e.retriable) {
			if (err)
				*err = e;
			return rc;
		}
		sk_cql_conn_pump(s->conn, sk_mono_ms() + s->request_timeout_ms,
				 NULL);
	}
}

static void req_wait(struct sk_cql_session *s, struct req *rq)
{
	while (!rq->call.done && rq->call.stream >= 0 && s->conn)
		sk_cql_conn_pump(s->conn, rq->call.deadline, NULL);
}

/* Write the ids of rq's statements, as cached now, into its frame (an id
 * may have changed length, so the frame is rebuilt). */
static sk_err_t patch_ids(struct req *rq)
{
	struct sk_buf nb = SK_BUF_INIT(rq->frame.max);
	const uint8_t *old = (const uint8_t *)rq->frame.data;
	size_t prev = 0;
	sk_err_t rc = SK_OK;
	for (size_t i = 0; i < rq->n_ids && rc == SK_OK; i++) {
		struct id_ref *ref = &rq->ids[i];
		size_t old_off = ref->off;
		size_t old_len = sk_cql_load16(old + old_off - 2);
		uint8_t len[2];
		sk_cql_store16(len, (uint16_t)ref->ps->id_len);
		rc = sk_buf_append(&nb, old + prev, old_off - 2 - prev);
		if (rc == SK_OK)
			rc = sk_buf_append(&nb, len, 2);
		ref->off = nb.len;
		if (rc == SK_OK)
			rc = sk_buf_append(&nb, ref->ps->id, ref->ps->id_len);
		prev = old_off + old_len;
	}
	if (rc == SK_OK)
		rc = sk_buf_append(&nb, old + prev, rq->frame.len - prev);
	if (rc != SK_OK) {
		sk_buf_free(&nb);
		return rc;
	}
	sk_cql_store32((uint8_t *)nb.data + 5,
		       (uint32_t)(nb.len - SK_CQL_HEADER_LEN));
	sk_buf_free(&rq->frame);
	rq->frame = nb;
	return SK_OK;
}

static sk_err_t run_sync(struct sk_cql_session *s, struct req *rq,
			 struct sk_cql_result **out, struct sk_error *err);

/* PREPARE cql on the current connection; *out is the PREPARED result. */
static sk_err_t prepare_on_server(struct sk_cql_session *s, const char *cql,
				  struct sk_cql_result **out,
				  struct sk_error *err)
{
	struct req *rq = req_new(s, SK_CQL_OP_PREPARE);
	sk_err_t rc;
	*out = NULL;
	if (!rq)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "cql: out of memory");
	rc = sk_cql_encode_prepare(&rq->frame, 0, cql);
	if (rc != SK_OK)
		rc = encode_error(rc, "PREPARE", s, err);
	else
		rc = run_sync(s, rq, out, err);
	req_free(rq);
	if (rc == SK_OK && (*out)->kind != SK_CQL_RESULT_PREPARED) {
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "%s: PREPARE answered with result kind %d",
				  host_name(s), (int)(*out)->kind);
		sk_cql_result_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Store a new id for a cached statement. */
static sk_err_t set_id(struct sk_cql_prepared *ps, const uint8_t *id,
		       size_t len)
{
	if (len != ps->id_len) {
		uint8_t *n = realloc(ps->id, len);
		if (!n)
			return SK_ERR_NOMEM;
		ps->id = n;
		ps->id_len = len;
	}
	memcpy(ps->id, id, len);
	return SK_OK;
}

/* The server lost rq's statements (restart, other node): prepare each
 * again and patch the new ids into rq. */
static sk_err_t reprepare(struct sk_cql_session *s, struct req *rq,
			  struct sk_error *err)
{
	for (size_t i = 0; i < rq->n_ids; i++) {
		struct sk_cql_prepared *ps = rq->ids[i].ps;
		struct sk_cql_result *res;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = rq->ids[j].ps == ps;
		if (seen)
			continue;
		sk_err_t rc = prepare_on_server(s, ps->cql, &res, err);
		if (rc != SK_OK)
			return rc;
		rc = set_id(ps, res->prepared_id, res->prepared_id_len);
		sk_cql_result_free(res);
		if (rc != SK_OK)
			return sk_error_set(err, rc, false,
					    "cql: out of memory");
	}
	sk_err_t rc = patch_ids(rq);
	if (rc != SK_OK)
		return encode_error(rc, "re-prepared request", s, err);
	return SK_OK;
}

static void log_warnings(const struct sk_cql_session *s,
			 const struct sk_cql_response *resp)
{
	for (size_t i = 0; i < resp->n_warnings; i++)
		sk_log(SK_LOG_INFO, "cql", "%s warns: %s", host_name(s),
		       resp->warnings[i]);
}

/*
 * The outcome of a completed request: SK_OK with the result (into *out, or
 * dropped when out is NULL), or an error. *again when the statement was
 * re-prepared and rq must be sent once more. A server ERROR is left in
 * *se (the caller keeps or clears it).
 */
static sk_err_t req_finish(struct sk_cql_session *s, struct req *rq,
			   struct sk_cql_result **out, bool *again,
			   struct sk_cql_response *se, struct sk_error *err)
{
	struct sk_cql_response resp;
	sk_err_t rc;
	*again = false;
	if (rq->call.rc != SK_OK) {
		if (err)
			*err = rq->call.err;
		return rq->call.rc;
	}
	uint8_t *body = rq->call.body;
	rq->call.body = NULL;
	rc = sk_cql_response_decode(&rq->call.h, body, rq->call.h.length, &resp,
				    err);
	if (rc != SK_OK) {
		free(body);
		sk_error_prefix(err, "%s", host_name(s));
		return rc;
	}
	if (sk_cql_arena_adopt(resp.arena, body) != SK_OK) {
		sk_cql_response_clear(&resp);
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "cql: out of memory");
	}
	log_warnings(s, &resp);
	switch (resp.h.opcode) {
	case SK_CQL_OP_RESULT:
		if (out)
			*out = resp.result; /* owns the arena now */
		else
			sk_cql_response_clear(&resp);
		return SK_OK;
	case SK_CQL_OP_ERROR:
		if (resp.error->code == SK_CQL_ERR_UNPREPARED && !rq->retried &&
		    rq->n_ids) {
			rq->retried = true;
			sk_log(SK_LOG_INFO, "cql",
			       "%s: statement no longer prepared; preparing "
			       "it again",
			       host_name(s));
			sk_cql_response_clear(&resp);
			rc = reprepare(s, rq, err);
			*again = rc == SK_OK;
			return rc;
		}
		rc = sk_cql_error_set_server(err, resp.error, host_name(s));
		*se = resp;
		return rc;
	default:
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "%s: unexpected %s in answer to %s",
				  host_name(s),
				  sk_cql_opcode_name(resp.h.opcode),
				  sk_cql_opcode_name(rq->opcode));
		sk_cql_response_clear(&resp);
		return rc;
	}
}

/* Send rq, wait for its answer, re-prepare and resend once if needed. */
static sk_err_t run_sync(struct sk_cql_session *s, struct req *rq,
			 struct sk_cql_result **out, struct sk_error *err)
{
	struct sk_cql_response se = {0};
	bool again = true;
	sk_err_t rc = SK_OK;
	while (again) {
		rc = req_send(s, rq, err);
		if (rc != SK_OK)
			break;
		req_wait(s, rq);
		rc = req_finish(s, rq, out, &again, &se, err);
	}
	if (rc != SK_OK)
		set_last(s, &se);
	return rc;
}

/* ================================================== building requests */

static sk_err_t check_values(const struct sk_cql_prepared *ps,
			     const struct sk_cql_value *v, size_t n,
			     struct sk_error *err)
{
	const struct sk_cql_meta *m = &ps->res->bind;
	if ((size_t)m->n_columns != n)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: %zu values for %d bind markers in "
				    "\"%.100s\"",
				    n, m->n_columns, ps->cql);
	for (size_t i = 0; i < n && m->columns; i++) {
		const struct sk_cql_column *col = &m->columns[i];
		if (!sk_cql_value_fits(&col->type, &v[i])) {
			char t[64];
			sk_cql_type_format(&col->type, t, sizeof t);
			return sk_error_set(err, SK_ERR_INVAL, false,
					    "cql: value %zu (%s) is %s, the "
					    "statement expects %s in "
					    "\"%.100s\"",
					    i, col->name,
					    sk_cql_kind_name(v[i].kind), t,
					    ps->cql);
		}
	}
	return SK_OK;
}

static sk_err_t build_execute(struct sk_cql_session *s,
			      const struct sk_cql_prepared *ps,
			      const struct sk_cql_params *p, struct req **out,
			      struct sk_error *err)
{
	static const struct sk_cql_params none;
	struct req *rq = NULL;
	sk_err_t rc;
	*out = NULL;
	if (!s || !ps)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: EXECUTE without a statement");
	if (!p)
		p = &none;
	rc = check_values(ps, p->values, p->n_values, err);
	if (rc != SK_OK)
		return rc;
	rq = req_new(s, SK_CQL_OP_EXECUTE);
	if (!rq || !(rq->ids = calloc(1, sizeof *rq->ids))) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "cql: out of memory");
		goto fail;
	}
	rq->ids[0].off = SK_CQL_EXECUTE_ID_OFF;
	rq->ids[0].ps = (struct sk_cql_prepared *)ps; /* owned by s */
	rq->n_ids = 1;
	rc = sk_cql_encode_execute(&rq->frame, 0, ps->id, ps->id_len, p,
				   s->default_cl);
	if (rc != SK_OK) {
		rc = encode_error(rc, "EXECUTE", s, err);
		goto fail;
	}
	*out = rq;
	return SK_OK;
fail:
	req_free(rq);
	return rc;
}

static sk_err_t build_batch(struct sk_cql_session *s,
			    const struct sk_cql_batch *b, struct req **out,
			    struct sk_error *err)
{
	struct req *rq = NULL;
	size_t *off = NULL;
	sk_err_t rc;
	*out = NULL;
	if (!s || !b || !b->items || !b->n_items || b->n_items > UINT16_MAX)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: a batch needs 1 to 65535 statements");
	size_t n_prep = 0;
	for (size_t i = 0; i < b->n_items; i++) {
		const struct sk_cql_batch_item *it = &b->items[i];
		if (!it->prepared)
			continue;
		n_prep++;
		rc = check_values(it->prepared, it->values, it->n_values, err);
		if (rc != SK_OK) {
			sk_error_prefix(err, "batch statement %zu", i);
			return rc;
		}
	}
	rq = req_new(s, SK_CQL_OP_BATCH);
	off = calloc(b->n_items, sizeof *off);
	if (!rq || !off ||
	    (n_prep && !(rq->ids = calloc(n_prep, sizeof *rq->ids)))) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "cql: out of memory");
		goto fail;
	}
	rc = sk_cql_encode_batch(&rq->frame, 0, b, s->default_cl, off);
	if (rc != SK_OK) {
		rc = encode_error(rc, "BATCH", s, err);
		goto fail;
	}
	for (size_t i = 0; i < b->n_items; i++) {
		if (!b->items[i].prepared)
			continue;
		rq->ids[rq->n_ids].off = off[i];
		rq->ids[rq->n_ids++].ps =
			(struct sk_cql_prepared *)b->items[i].prepared;
	}
	free(off);
	*out = rq;
	return SK_OK;
fail:
	free(off);
	req_free(rq);
	return rc;
}

/* ============================================================ sync API */

sk_err_t sk_cql_session_query(struct sk_cql_session *s, const char *cql,
			      const struct sk_cql_params *p,
			      struct sk_cql_result **out, struct sk_error *err)
{
	if (out)
		*out = NULL;
	call_begin(s);
	if (!s || !cql)
		return call_end(s, sk_error_set(err, SK_ERR_INVAL, false,
						"cql: QUERY without a "
						"statement"));
	struct req *rq = req_new(s, SK_CQL_OP_QUERY);
	if (!rq)
		return call_end(s, sk_error_set(err, SK_ERR_NOMEM, false,
						"cql: out of memory"));
	sk_err_t rc = sk_cql_encode_query(&rq->frame, 0, cql, p, s->default_cl);
	if (rc != SK_OK)
		rc = encode_error(rc, "QUERY", s, err);
	else
		rc = run_sync(s, rq, out, err);
	req_free(rq);
	return call_end(s, rc);
}

sk_err_t sk_cql_session_prepare(struct sk_cql_session *s, const char *cql,
				const struct sk_cql_prepared **out,
				struct sk_error *err)
{
	struct sk_cql_prepared *ps = NULL;
	struct sk_cql_result *res = NULL;
	sk_err_t rc;
	*out = NULL;
	call_begin(s);
	if (!s || !cql)
		return call_end(s, sk_error_set(err, SK_ERR_INVAL, false,
						"cql: PREPARE without a "
						"statement"));
	uint32_t b = sk_fnv1a32(cql, strlen(cql)) % PTAB_BUCKETS;
	for (ps = s->ptab[b]; ps; ps = ps->hnext)
		if (!strcmp(ps->cql, cql)) {
			*out = ps;
			return SK_OK;
		}
	if (s->n_prepared >= SK_CQL_LIMIT_PREPARED)
		return call_end(s, sk_error_set(err, SK_ERR_LIMIT, false,
						"cql: more than %d prepared "
						"statements",
						SK_CQL_LIMIT_PREPARED));
	rc = prepare_on_server(s, cql, &res, err);
	if (rc != SK_OK)
		return call_end(s, rc);
	ps = calloc(1, sizeof *ps);
	if (!ps || !(ps->cql = sk_strdup(cql)) ||
	    set_id(ps, res->prepared_id, res->prepared_id_len) != SK_OK) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "cql: out of memory");
		goto fail;
	}
	ps->res = res;
	ps->hnext = s->ptab[b];
	s->ptab[b] = ps;
	s->n_prepared++;
	*out = ps;
	return SK_OK;
fail:
	if (ps) {
		free(ps->cql);
		free(ps->id);
		free(ps);
	}
	sk_cql_result_free(res);
	return call_end(s, rc);
}

const struct sk_cql_meta *sk_cql_prepared_bind(const struct sk_cql_prepared *ps)
{
	return &ps->res->bind;
}

const char *sk_cql_prepared_cql(const struct sk_cql_prepared *ps)
{
	return ps->cql;
}

sk_err_t sk_cql_session_execute(struct sk_cql_session *s,
				const struct sk_cql_prepared *ps,
				const struct sk_cql_params *p,
				struct sk_cql_result **out,
				struct sk_error *err)
{
	struct req *rq;
	if (out)
		*out = NULL;
	call_begin(s);
	sk_err_t rc = build_execute(s, ps, p, &rq, err);
	if (rc != SK_OK)
		return call_end(s, rc);
	rc = run_sync(s, rq, out, err);
	req_free(rq);
	return call_end(s, rc);
}

sk_err_t sk_cql_session_batch(struct sk_cql_session *s,
			      const struct sk_cql_batch *b,
			      struct sk_error *err)
{
	struct req *rq;
	call_begin(s);
	sk_err_t rc = build_batch(s, b, &rq, err);
	if (rc != SK_OK)
		return call_end(s, rc);
	rc = run_sync(s, rq, NULL, err);
	req_free(rq);
	return call_end(s, rc);
}

/* =========================================================== async API */

static void record(struct sk_cql_session *s, const struct req *rq, sk_err_t rc,
		   const struct sk_error *e, struct sk_cql_response *se)
{
	if (rc == SK_OK) {
		s->rep.n_ok++;
		return;
	}
	s->rep.n_failed++;
	if (!s->rep.first_failed_ticket) {
		s->rep.first_failed_ticket = rq->ticket;
		s->first_err = *e;
		s->first_resp = *se;
		memset(se, 0, sizeof *se);
	} else {
		sk_cql_response_clear(se);
	}
}

/* Account for every completed submitted request; resend those that were
 * re-prepared. */
static void reap(struct sk_cql_session *s)
{
	struct req **pp = &s->pending;
	while (*pp) {
		struct req *rq = *pp;
		struct sk_cql_response se = {0};
		struct sk_error e = {0};
		bool again;
		if (!rq->call.done) {
			pp = &rq->next;
			continue;
		}
		sk_err_t rc = req_finish(s, rq, NULL, &again, &se, &e);
		if (rc == SK_OK && again) {
			rc = req_send(s, rq, &e);
			if (rc == SK_OK) {
				pp = &rq->next;
				continue;
			}
		}
		record(s, rq, rc, &e, &se);
		*pp = rq->next;
		if (s->pending_tail == &rq->next)
			s->pending_tail = pp;
		req_free(rq);
	}
}

static sk_err_t submit(struct sk_cql_session *s, struct req *rq,
		       uint64_t *ticket, struct sk_error *err)
{
	reap(s);
	sk_err_t rc = req_send(s, rq, err);
	if (rc != SK_OK) {
		req_free(rq);
		return rc;
	}
	rq->ticket = ++s->next_ticket;
	*s->pending_tail = rq;
	s->pending_tail = &rq->next;
	if (ticket)
		*ticket = rq->ticket;
	return SK_OK;
}

sk_err_t sk_cql_session_submit_execute(struct sk_cql_session *s,
				       const struct sk_cql_prepared *ps,
				       const struct sk_cql_params *p,
				       uint64_t *ticket, struct sk_error *err)
{
	struct req *rq;
	call_begin(s);
	sk_err_t rc = build_execute(s, ps, p, &rq, err);
	return call_end(s, rc != SK_OK ? rc : submit(s, rq, ticket, err));
}

sk_err_t sk_cql_session_submit_batch(struct sk_cql_session *s,
				     const struct sk_cql_batch *b,
				     uint64_t *ticket, struct sk_error *err)
{
	struct req *rq;
	call_begin(s);
	sk_err_t rc = build_batch(s, b, &rq, err);
	return call_end(s, rc != SK_OK ? rc : submit(s, rq, ticket, err));
}

sk_err_t sk_cql_session_wait_all(struct sk_cql_session *s,
				 struct sk_cql_wait_report *rep,
				 struct sk_error *err)
{
	sk_err_t rc = SK_OK;
	if (!s)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: no session");
	call_begin(s);
	for (;;) {
		reap(s);
		if (!s->pending)
			break;
		if (!s->conn) /* cannot happen: pending calls are in flight */
			break;
		sk_cql_conn_pump(s->conn, sk_mono_ms() + s->request_timeout_ms,
				 NULL);
	}
	if (s->rep.n_failed) {
		rc = s->first_err.code;
		if (err)
			*err = s->first_err;
		set_last(s, &s->first_resp);
	}
	if (rep)
		*rep = s->rep;
	memset(&s->rep, 0, sizeof s->rep);
	sk_cql_response_clear(&s->first_resp);
	sk_error_clear(&s->first_err);
	return rc;
}

/* ====================================================== session life */

int32_t sk_cql_session_last_code(const struct sk_cql_session *s)
{
	return s ? s->last_code : -1;
}

const struct sk_cql_server_error *
sk_cql_session_last_error(const struct sk_cql_session *s)
{
	return s ? s->last_resp.error : NULL;
}

const char *sk_cql_session_host(const struct sk_cql_session *s)
{
	return s && sk_cql_conn_alive(s->conn) ? sk_cql_conn_name(s->conn)
					       : NULL;
}

static char *dup_opt(const char *v, bool *ok)
{
	char *d = sk_strdup(v);
	if (v && !d)
		*ok = false;
	return d;
}

sk_err_t sk_cql_session_open(struct sk_cql_session **out,
			     const struct sk_cql_session_opts *opts,
			     struct sk_error *err)
{
	struct sk_cql_session *s = NULL;
	sk_err_t rc;
	bool ok = true;
	*out = NULL;
	if (!opts || !opts->contact_points)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: no contact points");
	if (opts->consistency != SK_CQL_CL_DEFAULT &&
	    ((unsigned)opts->consistency < SK_CQL_CL_ANY ||
	     (unsigned)opts->consistency > SK_CQL_CL_LOCAL_ONE))
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: bad consistency level %d",
				    (int)opts->consistency);
	if (opts->username && (!opts->username[0] || !opts->password))
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: a username needs a non-empty name "
				    "and a password");
	s = calloc(1, sizeof *s);
	if (!s)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "cql: out of memory");
	s->pending_tail = &s->pending;
	s->last_code = -1;
	s->username = dup_opt(opts->username, &ok);
	s->password = dup_opt(opts->password, &ok);
	s->keyspace = dup_opt(opts->keyspace && opts->keyspace[0]
				      ? opts->keyspace
				      : NULL,
			      &ok);
	s->tls_ca_file = dup_opt(opts->tls_ca_file, &ok);
	if (!ok) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "cql: out of memory");
		goto fail;
	}
	s->connect_timeout_ms = opts->connect_timeout_ms;
	s->request_timeout_ms = opts->request_timeout_ms > 0
					? opts->request_timeout_ms
					: SESSION_DEFAULT_REQUEST_MS;
	s->frame_max = opts->frame_max ? opts->frame_max : SK_CQL_LIMIT_FRAME;
	if (s->frame_max > SK_CQL_LIMIT_FRAME_HARD)
		s->frame_max = SK_CQL_LIMIT_FRAME_HARD;
	s->max_in_flight = opts->max_in_flight;
	s->tls = opts->tls;
	s->tls_no_verify = opts->tls_no_verify;
	s->default_cl = opts->consistency == SK_CQL_CL_DEFAULT
				? SESSION_DEFAULT_CL
				: (uint16_t)(opts->consistency & 0xff);
	rc = parse_hosts(s, opts->contact_points, err);
	if (rc != SK_OK)
		goto fail;
	rc = ensure_conn(s, err);
	if (rc != SK_OK)
		goto fail;
	*out = s;
	return SK_OK;
fail:
	sk_cql_session_close(s);
	return rc;
}

void sk_cql_session_close(struct sk_cql_session *s)
{
	if (!s)
		return;
	while (s->pending) {
		struct req *rq = s->pending;
		s->pending = rq->next;
		sk_cql_conn_cancel(s->conn, &rq->call);
		req_free(rq);
	}
	sk_cql_conn_close(s->conn);
	for (size_t b = 0; b < PTAB_BUCKETS; b++)
		while (s->ptab[b]) {
			struct sk_cql_prepared *ps = s->ptab[b];
			s->ptab[b] = ps->hnext;
			sk_cql_result_free(ps->res);
			free(ps->id);
			free(ps->cql);
			free(ps);
		}
	for (size_t i = 0; i < s->n_hosts; i++)
		free(s->hosts[i].name);
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	free(s->username);
	free(s->keyspace);
	free(s->tls_ca_file);
	sk_cql_response_clear(&s->first_resp);
	sk_cql_response_clear(&s->last_resp);
	free(s);
}

/* ================================================================ rows */

struct sk_cql_rows {
	struct sk_cql_session *s;
	char *cql;
	const struct sk_cql_prepared *ps;
	struct sk_cql_params p; /* values borrowed from the caller */
	struct sk_cql_result *page;
	int32_t row; /* next row of page */
	unsigned pages;
};

static const struct sk_cql_meta empty_meta;

/* Fetch the next page (the first when there is none yet). On failure the
 * current page stays, so the fetch can be tried again. */
static sk_err_t fetch_page(struct sk_cql_rows *it, struct sk_error *err)
{
	struct sk_cql_params p = it->p;
	struct sk_cql_result *res = NULL;
	sk_err_t rc;
	p.paging_state = it->page ? it->page->meta.paging_state : NULL;
	p.paging_state_len = it->page ? it->page->meta.paging_state_len : 0;
	if (it->ps)
		rc = sk_cql_session_execute(it->s, it->ps, &p, &res, err);
	else
		rc = sk_cql_session_query(it->s, it->cql, &p, &res, err);
	if (rc != SK_OK)
		return rc;
	if (res->kind != SK_CQL_RESULT_ROWS) {
		sk_cql_result_free(res);
		set_last(it->s, NULL);
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: statement returned no rows (not a "
				    "SELECT?)");
	}
	/* The same state again would page forever. */
	if (p.paging_state && res->meta.paging_state &&
	    res->meta.paging_state_len == p.paging_state_len &&
	    !memcmp(res->meta.paging_state, p.paging_state,
		    p.paging_state_len)) {
		sk_cql_result_free(res);
		set_last(it->s, NULL);
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "%s: the server returned the same paging "
				    "state twice",
				    host_name(it->s));
	}
	sk_cql_result_free(it->page);
	it->page = res;
	it->row = 0;
	it->pages++;
	return SK_OK;
}

sk_err_t sk_cql_rows_open(struct sk_cql_rows **out, struct sk_cql_session *s,
			  const char *cql, const struct sk_cql_prepared *ps,
			  const struct sk_cql_params *p, struct sk_error *err)
{
	struct sk_cql_rows *it;
	sk_err_t rc;
	*out = NULL;
	if (!s || (!cql && !ps))
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: rows without a statement");
	it = calloc(1, sizeof *it);
	if (!it || (!ps && !(it->cql = sk_strdup(cql)))) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "cql: out of memory");
		goto fail;
	}
	it->s = s;
	it->ps = ps;
	if (p)
		it->p = *p;
	if (it->p.page_size <= 0)
		it->p.page_size = SESSION_DEFAULT_PAGE;
	rc = fetch_page(it, err);
	if (rc != SK_OK)
		goto fail;
	*out = it;
	return SK_OK;
fail:
	sk_cql_rows_close(it);
	return rc;
}

sk_err_t sk_cql_rows_next(struct sk_cql_rows *it,
			  const struct sk_cql_value **row, struct sk_error *err)
{
	*row = NULL;
	if (!it)
		return sk_error_set(err, SK_ERR_INVAL, false, "cql: no rows");
	for (;;) {
		const struct sk_cql_result *pg = it->page;
		if (pg && it->row < pg->n_rows) {
			*row = &pg->cells[(size_t)it->row *
					  (size_t)pg->meta.n_columns];
			it->row++;
			return SK_OK;
		}
		if (!pg || !(pg->meta.flags & SK_CQL_META_HAS_MORE_PAGES) ||
		    !pg->meta.paging_state)
			return SK_OK;
		sk_err_t rc = fetch_page(it, err);
		if (rc != SK_OK)
			return rc;
	}
}

const struct sk_cql_meta *sk_cql_rows_meta(const struct sk_cql_rows *it)
{
	return it && it->page ? &it->page->meta : &empty_meta;
}

unsigned sk_cql_rows_pages(const struct sk_cql_rows *it)
{
	return it ? it->pages : 0;
}

void sk_cql_rows_close(struct sk_cql_rows *it)
{
	if (!it)
		return;
	sk_cql_result_free(it->page);
	free(it->cql);
	free(it);
}
