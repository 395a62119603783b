/*
 * test_cql_conn.c - the CQL connection and session against an in-process
 * fake server on 127.0.0.1 (a thread speaking just enough protocol v4,
 * built on the client's own codec) for fault injection: out-of-order
 * answers, PLAIN authentication, Unprepared, a server closing the
 * connection, answers that never come or come late, a refusing first
 * contact point, paging, server errors, pipelined writes.
 *
 * Not a Cassandra simulator: statements are recognised by their text.
 */
#include "cql/cql_int.h"
#include "cases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef SKRED_HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

/* =========================================================== fake server */

#define FAKE_MAX_PREPARED 64
#define FAKE_MAX_HELD 64
#define FAKE_MAX_DELAYED 16

struct fake_prepared {
	uint8_t id[16];
	char cql[256];
};

struct fake {
	int lfd;
	int port;
	pthread_t thr;
	atomic_bool stop;
	pthread_mutex_t mu;
	/* knobs, set by the test */
	char user[32], pass[32]; /* non-empty: PasswordAuthenticator */
	int hold_n;              /* hold the next n answers, send reversed */
	bool forget;             /* forget every prepared id (once) */
	void *tls_ctx;           /* SSL_CTX *: speak TLS when set */
	/* what the server saw */
	int n_conn, n_query, n_prepare, n_execute, n_batch, n_unprepared;
	char last_use[128];
	char paging_seen[8][16];
	int n_paging_seen;
	struct fake_prepared prepared[FAKE_MAX_PREPARED];
	int n_prepared;
};

struct delayed {
	int64_t due;
	struct sk_buf frame;
};

/* Per connection: held and delayed answers. */
struct fake_conn {
	int fd;
	void *ssl; /* SSL * when the connection is TLS */
	struct sk_buf held[FAKE_MAX_HELD];
	int n_held;
	struct delayed delayed[FAKE_MAX_DELAYED];
	int n_delayed;
};

static bool write_full(struct fake_conn *fc, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t r;
#ifdef SKRED_HAVE_OPENSSL
		if (fc->ssl)
			r = SSL_write(fc->ssl, c, (int)n);
		else
#endif
			r = send(fc->fd, c, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		c += r;
		n -= (size_t)r;
	}
	return true;
}

static bool read_full(struct fake_conn *fc, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t r;
#ifdef SKRED_HAVE_OPENSSL
		if (fc->ssl)
			r = SSL_read(fc->ssl, c, (int)n);
		else
#endif
			r = recv(fc->fd, c, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		c += r;
		n -= (size_t)r;
	}
	return true;
}

static bool has_pending(struct fake_conn *fc)
{
#ifdef SKRED_HAVE_OPENSSL
	return fc->ssl && SSL_pending(fc->ssl) > 0;
#else
	(void)fc;
	return false;
#endif
}

static void begin(struct sk_cql_writer *w, struct sk_buf *b, int16_t stream,
		  uint8_t op)
{
	sk_buf_reset(b);
	sk_cql_frame_begin(w, b, SK_CQL_VERSION_RESP, 0, stream, op);
}

static void build_error(struct sk_buf *b, int16_t stream, int32_t code,
			const char *msg)
{
	struct sk_cql_writer w;
	begin(&w, b, stream, SK_CQL_OP_ERROR);
	sk_cql_write_int(&w, code);
	sk_cql_write_cstring(&w, msg);
	if (code == SK_CQL_ERR_UNAVAILABLE) {
		sk_cql_write_short(&w, 4);
		sk_cql_write_int(&w, 3);
		sk_cql_write_int(&w, 1);
	} else if (code == SK_CQL_ERR_WRITE_TIMEOUT) {
		sk_cql_write_short(&w, 6);
		sk_cql_write_int(&w, 0);
		sk_cql_write_int(&w, 1);
		sk_cql_write_cstring(&w, "SIMPLE");
	}
	sk_cql_frame_end(&w);
}

static void build_void(struct sk_buf *b, int16_t stream)
{
	struct sk_cql_writer w;
	begin(&w, b, stream, SK_CQL_OP_RESULT);
	sk_cql_write_int(&w, SK_CQL_RESULT_VOID);
	sk_cql_frame_end(&w);
}

/* Rows of one int column "v"; a paging state when more is non-NULL. */
static void build_rows(struct sk_buf *b, int16_t stream, const int *vals, int n,
		       const char *more)
{
	struct sk_cql_writer w;
	begin(&w, b, stream, SK_CQL_OP_RESULT);
	sk_cql_write_int(&w, SK_CQL_RESULT_ROWS);
	sk_cql_write_int(&w, SK_CQL_META_GLOBAL_SPEC |
				     (more ? SK_CQL_META_HAS_MORE_PAGES : 0));
	sk_cql_write_int(&w, 1);
	if (more)
		sk_cql_write_bytes(&w, more, strlen(more));
	sk_cql_write_cstring(&w, "ks");
	sk_cql_write_cstring(&w, "t");
	sk_cql_write_cstring(&w, "v");
	sk_cql_write_short(&w, SK_CQL_TYPE_INT);
	sk_cql_write_int(&w, n);
	for (int i = 0; i < n; i++) {
		struct sk_cql_value v = sk_cql_value_int(vals[i]);
		sk_cql_write_value(&w, &v);
	}
	sk_cql_frame_end(&w);
}

static void fake_id(const char *cql, uint8_t id[16])
{
	uint32_t h = 2166136261u;
	for (const char *p = cql; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	memset(id, 0, 16);
	memcpy(id, "ID", 2);
	memcpy(id + 2, &h, sizeof h);
}

/* Prepared: n int markers (one per '?'), no result metadata. */
static void build_prepared(struct fake *f, struct sk_buf *b, int16_t stream,
			   const char *cql)
{
	struct sk_cql_writer w;
	uint8_t id[16];
	int n = 0;
	fake_id(cql, id);
	for (const char *p = cql; *p; p++)
		n += *p == '?';
	if (f->n_prepared < FAKE_MAX_PREPARED) {
		struct fake_prepared *fp = &f->prepared[f->n_prepared++];
		memcpy(fp->id, id, 16);
		snprintf(fp->cql, sizeof fp->cql, "%s", cql);
	}
	begin(&w, b, stream, SK_CQL_OP_RESULT);
	sk_cql_write_int(&w, SK_CQL_RESULT_PREPARED);
	sk_cql_write_short_bytes(&w, id, 16);
	sk_cql_write_int(&w, SK_CQL_META_GLOBAL_SPEC);
	sk_cql_write_int(&w, n);
	sk_cql_write_int(&w, n ? 1 : 0);
	if (n)
		sk_cql_write_short(&w, 0);
	sk_cql_write_cstring(&w, "ks");
	sk_cql_write_cstring(&w, "t");
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", i);
		sk_cql_write_cstring(&w, name);
		sk_cql_write_short(&w, SK_CQL_TYPE_INT);
	}
	sk_cql_write_int(&w, SK_CQL_META_NO_METADATA);
	sk_cql_write_int(&w, 0);
	sk_cql_frame_end(&w);
}

static const struct fake_prepared *find_prepared(struct fake *f,
						 const uint8_t *id, size_t n)
{
	for (int i = 0; i < f->n_prepared; i++)
		if (n == 16 && !memcmp(f->prepared[i].id, id, 16))
			return &f->prepared[i];
	return NULL;
}

/* Query parameters: only page size and paging state matter here. */
static void read_params(struct sk_cql_reader *r, int32_t *page,
			const uint8_t **state, int32_t *state_len)
{
	uint16_t cl, n;
	uint8_t flags = 0;
	*page = 0;
	*state = NULL;
	*state_len = -1;
	sk_cql_read_short(r, &cl);
	sk_cql_read_byte(r, &flags);
	if (flags & SK_CQL_QF_VALUES) {
		sk_cql_read_short(r, &n);
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *p;
			int32_t l;
			sk_cql_read_value(r, &p, &l);
		}
	}
	if (flags & SK_CQL_QF_PAGE_SIZE)
		sk_cql_read_int(r, page);
	if (flags & SK_CQL_QF_PAGING_STATE)
		sk_cql_read_bytes(r, state, state_len);
}

enum {
	KEEP = 0,
	CLOSE = 1
};

/* Answer one request into out (empty: no answer). Called locked. */
static int handle(struct fake *f, struct fake_conn *fc,
		  const struct sk_cql_header *h, const uint8_t *body,
		  struct sk_buf *out, int64_t *delay_ms)
{
	struct sk_cql_reader r;
	struct sk_cql_writer w;
	int16_t s = h->stream;
	sk_cql_reader_init(&r, body, h->length);
	sk_buf_reset(out);
	*delay_ms = 0;
	if (f->forget) {
		f->forget = false;
		f->n_prepared = 0;
	}
	switch (h->opcode) {
	case SK_CQL_OP_OPTIONS:
		begin(&w, out, s, SK_CQL_OP_SUPPORTED);
		sk_cql_write_short(&w, 1);
		sk_cql_write_cstring(&w, "CQL_VERSION");
		sk_cql_write_short(&w, 1);
		sk_cql_write_cstring(&w, "3.4.7");
		sk_cql_frame_end(&w);
		return KEEP;
	case SK_CQL_OP_STARTUP:
		if (f->user[0]) {
			begin(&w, out, s, SK_CQL_OP_AUTHENTICATE);
			sk_cql_write_cstring(&w, "org.apache.cassandra.auth."
						 "PasswordAuthenticator");
			sk_cql_frame_end(&w);
		} else {
			begin(&w, out, s, SK_CQL_OP_READY);
			sk_cql_frame_end(&w);
		}
		return KEEP;
	case SK_CQL_OP_AUTH_RESPONSE: {
		const uint8_t *tok;
		int32_t n;
		char want[80];
		int wl = snprintf(want, sizeof want, "%c%s%c%s", 0, f->user, 0,
				  f->pass);
		if (sk_cql_read_bytes(&r, &tok, &n) && n == wl &&
		    !memcmp(tok, want, (size_t)n)) {
			begin(&w, out, s, SK_CQL_OP_AUTH_SUCCESS);
			sk_cql_write_int(&w, -1);
			sk_cql_frame_end(&w);
		} else {
			char msg[128];
			const char *u = tok && n > 1 ? (const char *)tok + 1
						     : "";
			snprintf(msg, sizeof msg,
				 "Provided username %.*s and/or password are "
				 "incorrect",
				 (int)strnlen(u, (size_t)(n > 1 ? n - 1 : 0)),
				 u);
			build_error(out, s, SK_CQL_ERR_BAD_CREDENTIALS, msg);
		}
		return KEEP;
	}
	case SK_CQL_OP_PREPARE: {
		const char *q;
		size_t n;
		char cql[256];
		f->n_prepare++;
		sk_cql_read_long_string(&r, &q, &n);
		snprintf(cql, sizeof cql, "%.*s", (int)n, q);
		if (!strncmp(cql, "BROKEN", 6))
			build_error(out, s, SK_CQL_ERR_SYNTAX,
				    "line 1:0 no viable "
				    "alternative");
		else
			build_prepared(f, out, s, cql);
		return KEEP;
	}
	case SK_CQL_OP_EXECUTE: {
		const uint8_t *id;
		size_t n;
		f->n_execute++;
		sk_cql_read_short_bytes(&r, &id, &n);
		const struct fake_prepared *fp = find_prepared(f, id, n);
		if (!fp) {
			f->n_unprepared++;
			begin(&w, out, s, SK_CQL_OP_ERROR);
			sk_cql_write_int(&w, SK_CQL_ERR_UNPREPARED);
			sk_cql_write_cstring(&w, "Prepared query with ID not "
						 "found");
			sk_cql_write_short_bytes(&w, id, n);
			sk_cql_frame_end(&w);
		} else if (!strncmp(fp->cql, "FAILING", 7)) {
			build_error(out, s, SK_CQL_ERR_INVALID, "bad value");
		} else {
			build_void(out, s);
		}
		return KEEP;
	}
	case SK_CQL_OP_BATCH: {
		uint8_t type, kind;
		uint16_t n, nv;
		f->n_batch++;
		sk_cql_read_byte(&r, &type);
		sk_cql_read_short(&r, &n);
		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *id;
			size_t idn;
			const char *q;
			sk_cql_read_byte(&r, &kind);
			if (kind == 1) {
				sk_cql_read_short_bytes(&r, &id, &idn);
				if (!find_prepared(f, id, idn)) {
					f->n_unprepared++;
					begin(&w, out, s, SK_CQL_OP_ERROR);
					sk_cql_write_int(&w,
							 SK_CQL_ERR_UNPREPARED);
					sk_cql_write_cstring(&w, "unknown id");
					sk_cql_write_short_bytes(&w, id, idn);
					sk_cql_frame_end(&w);
					return KEEP;
				}
			} else {
				sk_cql_read_long_string(&r, &q, &idn);
			}
			sk_cql_read_short(&r, &nv);
			for (uint16_t j = 0; j < nv; j++) {
				const uint8_t *p;
				int32_t l;
				sk_cql_read_value(&r, &p, &l);
			}
		}
		if (r.fail_what)
			build_error(out, s, SK_CQL_ERR_PROTOCOL, "bad batch");
		else
			build_void(out, s);
		return KEEP;
	}
	case SK_CQL_OP_QUERY:
		break;
	default:
		build_error(out, s, SK_CQL_ERR_PROTOCOL, "unexpected opcode");
		return KEEP;
	}

	const char *q;
	size_t qn;
	char cql[256];
	int32_t page, state_len;
	const uint8_t *state;
	f->n_query++;
	sk_cql_read_long_string(&r, &q, &qn);
	snprintf(cql, sizeof cql, "%.*s", (int)qn, q);
	read_params(&r, &page, &state, &state_len);
	if (!strncmp(cql, "USE ", 4)) {
		snprintf(f->last_use, sizeof f->last_use, "%s", cql);
		if (strstr(cql, "missing")) {
			build_error(out, s, SK_CQL_ERR_INVALID,
				    "Keyspace 'missing' does not exist");
			return KEEP;
		}
		begin(&w, out, s, SK_CQL_OP_RESULT);
		sk_cql_write_int(&w, SK_CQL_RESULT_SET_KEYSPACE);
		sk_cql_write_cstring(&w, "ks");
		sk_cql_frame_end(&w);
	} else if (!strncmp(cql, "ORDER ", 6)) {
		int v = atoi(cql + 6);
		build_rows(out, s, &v, 1, NULL);
	} else if (!strcmp(cql, "CLOSE")) {
		return CLOSE;
	} else if (!strcmp(cql, "SILENT")) {
		return KEEP;
	} else if (!strncmp(cql, "SLOW ", 5)) {
		*delay_ms = atoi(cql + 5);
		build_void(out, s);
	} else if (!strncmp(cql, "FAIL ", 5)) {
		build_error(out, s, (int32_t)strtol(cql + 5, NULL, 0),
			    "injected failure");
	} else if (!strcmp(cql, "HUGE")) {
		/* A header announcing more than any cap. */
		uint8_t hdr[9] = {0x84, 0, 0, 0, SK_CQL_OP_RESULT,
				  0x7f, 0, 0, 0};
		sk_cql_store16(hdr + 2, (uint16_t)s);
		sk_buf_append(out, hdr, 9);
	} else if (!strcmp(cql, "PAGED")) {
		/* Rows 0..4, paging state "p<next>". */
		int start = 0, vals[5], n = 0;
		char st[16];
		snprintf(st, sizeof st, "%.*s",
			 state_len > 0 ? (int)state_len : 0,
			 state ? (const char *)state : "");
		if (f->n_paging_seen < 8)
			snprintf(f->paging_seen[f->n_paging_seen++], 16, "%s",
				 st);
		if (st[0] == 'p')
			start = atoi(st + 1);
		if (page <= 0)
			page = 100;
		for (int i = start; i < 5 && n < page; i++)
			vals[n++] = i;
		char more[16];
		snprintf(more, sizeof more, "p%d", start + n);
		build_rows(out, s, vals, n, start + n < 5 ? more : NULL);
	} else {
		build_void(out, s);
	}
	(void)fc;
	return KEEP;
}

static void flush_held(struct fake_conn *fc)
{
	for (int i = fc->n_held - 1; i >= 0; i--) {
		write_full(fc, fc->held[i].data, fc->held[i].len);
		sk_buf_free(&fc->held[i]);
	}
	fc->n_held = 0;
}

static void serve_conn(struct fake *f, int fd)
{
	struct fake_conn fc = {.fd = fd};
	struct sk_buf out = SK_BUF_INIT(SK_LIMIT_TEXT);
#ifdef SKRED_HAVE_OPENSSL
	pthread_mutex_lock(&f->mu);
	SSL_CTX *ctx = f->tls_ctx;
	pthread_mutex_unlock(&f->mu);
	if (ctx) {
		fc.ssl = SSL_new(ctx);
		SSL_set_fd(fc.ssl, fd);
		if (SSL_accept(fc.ssl) != 1) {
			ERR_clear_error();
			goto done;
		}
	}
#endif
	for (;;) {
		int64_t now = sk_mono_ms(), next = now + 50;
		for (int i = 0; i < fc.n_delayed; i++) {
			if (fc.delayed[i].due <= now) {
				write_full(&fc, fc.delayed[i].frame.data,
					   fc.delayed[i].frame.len);
				sk_buf_free(&fc.delayed[i].frame);
				fc.delayed[i--] = fc.delayed[--fc.n_delayed];
			} else if (fc.delayed[i].due < next) {
				next = fc.delayed[i].due;
			}
		}
		if (atomic_load(&f->stop))
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (!has_pending(&fc) && poll(&pfd, 1, (int)(next - now)) <= 0)
			continue;
		uint8_t hdr[9];
		struct sk_cql_header h;
		if (!read_full(&fc, hdr, 9) ||
		    sk_cql_header_decode(hdr, 9, 0, &h, NULL) != SK_OK)
			break;
		uint8_t *body = malloc(h.length ? h.length : 1);
		if (!read_full(&fc, body, h.length)) {
			free(body);
			break;
		}
		int64_t delay;
		pthread_mutex_lock(&f->mu);
		int what = handle(f, &fc, &h, body, &out, &delay);
		bool hold = out.len && f->hold_n > 0 &&
			    h.opcode != SK_CQL_OP_STARTUP &&
			    h.opcode != SK_CQL_OP_AUTH_RESPONSE;
		if (hold)
			f->hold_n--;
		bool release = hold && f->hold_n == 0;
		pthread_mutex_unlock(&f->mu);
		free(body);
		if (what == CLOSE)
			break;
		if (!out.len)
			continue;
		if (hold) {
			fc.held[fc.n_held] = out;
			sk_buf_init(&out, SK_LIMIT_TEXT);
			fc.n_held++;
			if (release)
				flush_held(&fc);
		} else if (delay > 0 && fc.n_delayed < FAKE_MAX_DELAYED) {
			fc.delayed[fc.n_delayed].due = sk_mono_ms() + delay;
			fc.delayed[fc.n_delayed++].frame = out;
			sk_buf_init(&out, SK_LIMIT_TEXT);
		} else if (!write_full(&fc, out.data, out.len)) {
			break;
		}
	}
#ifdef SKRED_HAVE_OPENSSL
done:
	SSL_free(fc.ssl);
#endif
	for (int i = 0; i < fc.n_held; i++)
		sk_buf_free(&fc.held[i]);
	for (int i = 0; i < fc.n_delayed; i++)
		sk_buf_free(&fc.delayed[i].frame);
	sk_buf_free(&out);
	close(fd);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	while (!atomic_load(&f->stop)) {
		struct pollfd pfd = {.fd = f->lfd, .events = POLLIN};
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		int fd = accept(f->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&f->mu);
		f->n_conn++;
		pthread_mutex_unlock(&f->mu);
		serve_conn(f, fd);
	}
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("fake server");
		exit(2);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void fake_start(struct fake *f)
{
	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	f->lfd = listen_any(&f->port);
	pthread_create(&f->thr, NULL, fake_main, f);
}

static void fake_stop(struct fake *f)
{
	atomic_store(&f->stop, true);
	pthread_join(f->thr, NULL);
	close(f->lfd);
	pthread_mutex_destroy(&f->mu);
}

/* A port with nothing listening. */
static int closed_port(void)
{
	int port;
	int fd = listen_any(&port);
	close(fd);
	return port;
}

static int fake_get(struct fake *f, const int *field)
{
	pthread_mutex_lock(&f->mu);
	int v = *field;
	pthread_mutex_unlock(&f->mu);
	return v;
}

static void fake_set_hold(struct fake *f, int n)
{
	pthread_mutex_lock(&f->mu);
	f->hold_n = n;
	pthread_mutex_unlock(&f->mu);
}

static void fake_set_auth(struct fake *f, const char *user, const char *pass)
{
	pthread_mutex_lock(&f->mu);
	snprintf(f->user, sizeof f->user, "%s", user);
	snprintf(f->pass, sizeof f->pass, "%s", pass);
	pthread_mutex_unlock(&f->mu);
}

static void fake_forget(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	f->forget = true;
	pthread_mutex_unlock(&f->mu);
}

static struct fake srv;

static char *contact(int port)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "127.0.0.1:%d", port);
	return buf;
}

/* ================================================================ tests */

static struct sk_cql_conn *open_conn(struct sk_error *err)
{
	struct sk_cql_conn *c = NULL;
	struct sk_cql_conn_opts o = {.host = "127.0.0.1",
				     .port = srv.port,
				     .connect_timeout_ms = 2000,
				     .max_streams = 16};
	CHECK_INT(sk_cql_conn_open(&c, &o, err), SK_OK);
	return c;
}

static void start_query(struct sk_cql_conn *c, struct sk_cql_call *call,
			const char *q, int timeout_ms)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_error err = {0};
	CHECK_INT(sk_cql_encode_query(&b, 0, q, NULL, 1), SK_OK);
	CHECK_INT(sk_cql_conn_start(c, call, (uint8_t *)b.data, b.len,
				    timeout_ms, &err),
		  SK_OK);
	sk_buf_free(&b);
}

/* The int in the single cell of a Rows answer, or -1. */
static int answer_int(struct sk_cql_call *call)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	int v = -1;
	if (call->rc != SK_OK)
		return -1;
	if (sk_cql_response_decode(&call->h, call->body, call->h.length, &r,
				   &err) == SK_OK &&
	    r.result && r.result->n_rows == 1)
		v = r.result->cells[0].u.i32;
	sk_cql_response_clear(&r);
	free(call->body);
	call->body = NULL;
	return v;
}

static void test_out_of_order(void)
{
	struct sk_error err = {0};
	struct sk_cql_conn *c = open_conn(&err);
	struct sk_cql_call calls[6];
	memset(calls, 0, sizeof calls);
	fake_set_hold(&srv, 6);
	for (int i = 0; i < 6; i++) {
		char q[32];
		snprintf(q, sizeof q, "ORDER %d", i * 10);
		start_query(c, &calls[i], q, 3000);
	}
	CHECK_INT(sk_cql_conn_in_flight(c), 6);
	CHECK_INT(sk_cql_conn_free_streams(c), 10);
	/* Distinct stream ids. */
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < i; j++)
			CHECK(calls[i].stream != calls[j].stream);
	/* Wait for the first one: the answers come back reversed, so all of
	 * them arrive before (or with) it. */
	CHECK_INT(sk_cql_conn_wait(c, &calls[0], &err), SK_OK);
	for (int i = 5; i >= 0; i--) {
		CHECK_INT(sk_cql_conn_wait(c, &calls[i], &err), SK_OK);
		CHECK_INT(answer_int(&calls[i]), i * 10);
	}
	CHECK_INT(sk_cql_conn_in_flight(c), 0);
	CHECK_INT(sk_cql_conn_free_streams(c), 16);
	sk_cql_conn_close(c);
}

static void test_stream_exhaustion_and_late(void)
{
	struct sk_error err = {0};
	struct sk_cql_conn *c = open_conn(&err);
	struct sk_cql_call calls[17];
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	memset(calls, 0, sizeof calls);

	/* A late answer: the stream stays reserved until it arrives. */
	start_query(c, &calls[0], "SLOW 400", 100);
	CHECK_INT(sk_cql_conn_wait(c, &calls[0], &err), SK_ERR_TIMEOUT);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "no answer within 100 ms") != NULL);
	CHECK_INT(sk_cql_conn_free_streams(c), 15);
	start_query(c, &calls[1], "ORDER 7", 2000);
	CHECK(calls[1].stream != calls[0].stream || calls[0].stream == -1);
	CHECK_INT(sk_cql_conn_wait(c, &calls[1], &err), SK_OK);
	CHECK_INT(answer_int(&calls[1]), 7);
	int64_t until = sk_mono_ms() + 2000;
	while (sk_cql_conn_free_streams(c) < 16 && sk_mono_ms() < until)
		sk_cql_conn_pump(c, sk_mono_ms() + 100, &err);
	CHECK_INT(sk_cql_conn_free_streams(c), 16);

	/* All stream ids in use: start says so, retriably. */
	fake_set_hold(&srv, 16);
	for (int i = 0; i < 16; i++) {
		char q[32];
		snprintf(q, sizeof q, "ORDER %d", i);
		start_query(c, &calls[i], q, 3000);
	}
	CHECK_INT(sk_cql_encode_query(&b, 0, "ORDER 99", NULL, 1), SK_OK);
	CHECK_INT(sk_cql_conn_start(c, &calls[16], (uint8_t *)b.data, b.len,
				    1000, &err),
		  SK_ERR_LIMIT);
	CHECK(err.retriable);
	for (int i = 0; i < 16; i++) {
		CHECK_INT(sk_cql_conn_wait(c, &calls[i], &err), SK_OK);
		CHECK_INT(answer_int(&calls[i]), i);
	}
	CHECK_INT(sk_cql_conn_start(c, &calls[16], (uint8_t *)b.data, b.len,
				    1000, &err),
		  SK_OK);
	CHECK_INT(sk_cql_conn_wait(c, &calls[16], &err), SK_OK);
	CHECK_INT(answer_int(&calls[16]), 99);

	/* Cancel: the answer is discarded, the stream freed. */
	start_query(c, &calls[0], "ORDER 1", 2000);
	sk_cql_conn_cancel(c, &calls[0]);
	CHECK_INT(sk_cql_conn_in_flight(c), 0);
	until = sk_mono_ms() + 2000;
	while (sk_cql_conn_free_streams(c) < 16 && sk_mono_ms() < until)
		sk_cql_conn_pump(c, sk_mono_ms() + 100, &err);
	CHECK_INT(sk_cql_conn_free_streams(c), 16);
	CHECK(!calls[0].done);

	/* An oversized answer: that request gets SK_ERR_LIMIT, the
	 * connection is dropped, others fail retriably. */
	start_query(c, &calls[1], "SILENT", 2000);
	start_query(c, &calls[0], "HUGE", 2000);
	CHECK_INT(sk_cql_conn_wait(c, &calls[0], &err), SK_ERR_LIMIT);
	CHECK(!err.retriable);
	CHECK_INT(sk_cql_conn_wait(c, &calls[1], &err), SK_ERR_NET);
	CHECK(err.retriable);
	CHECK(!sk_cql_conn_alive(c));
	CHECK_INT(sk_cql_conn_start(c, &calls[2], (uint8_t *)b.data, b.len,
				    1000, &err),
		  SK_ERR_NET);
	sk_buf_free(&b);
	sk_cql_conn_close(c);
	sk_cql_conn_close(NULL);
}

static struct sk_cql_session *open_session(const char *cps, int timeout_ms,
					   struct sk_error *err)
{
	struct sk_cql_session *s = NULL;
	struct sk_cql_session_opts o = {.contact_points = cps,
					.connect_timeout_ms = 2000,
					.request_timeout_ms = timeout_ms};
	CHECK_INT(sk_cql_session_open(&s, &o, err), SK_OK);
	return s;
}

/* Capture stderr (the log) into a temp file while fn runs. */
static void with_captured_log(void (*fn)(void), char *out, size_t n)
{
	char path[] = "/tmp/test_cql_log_XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);
	int level = sk_log_level_current;
	fflush(stderr);
	dup2(fd, 2);
	sk_log_level_current = SK_LOG_DEBUG;
	fn();
	fflush(stderr);
	sk_log_level_current = level;
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	ssize_t r = read(fd, out, n - 1);
	out[r > 0 ? r : 0] = '\0';
	close(fd);
	unlink(path);
}

static void auth_scenario(void)
{
	struct sk_cql_session *s = NULL;
	struct sk_error err = {0};
	struct sk_cql_session_opts o = {.contact_points = contact(srv.port),
					.username = "bob",
					.password = "s3cr3t-PASSWORD",
					.connect_timeout_ms = 2000};
	/* Right credentials. */
	fake_set_auth(&srv, "bob", "s3cr3t-PASSWORD");
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_OK);
	CHECK_INT(sk_cql_session_query(s, "SELECT 1", NULL, NULL, &err), SK_OK);
	sk_cql_session_close(s);
	/* Wrong password: clear and not retriable; no failover. */
	fake_set_auth(&srv, "bob", "other");
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_CONFIG);
	CHECK(s == NULL);
	CHECK(!err.retriable);
	CHECK(strstr(err.msg, "authentication failed for user bob: Provided "
			      "username bob and/or password are "
			      "incorrect") != NULL);
	CHECK(strstr(err.msg, "s3cr3t") == NULL);
	/* No username while the server wants one. */
	o.username = NULL;
	o.password = NULL;
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "requires authentication") != NULL);
	fake_set_auth(&srv, "", "");
}

static void test_auth(void)
{
	char log[16384];
	with_captured_log(auth_scenario, log, sizeof log);
	CHECK(strstr(log, "connected to") != NULL);
	CHECK(strstr(log, "s3cr3t") == NULL);
	/* Empty user name is refused up front. */
	struct sk_cql_session *s = NULL;
	struct sk_error err = {0};
	struct sk_cql_session_opts o = {.contact_points = contact(srv.port),
					.username = "",
					.password = "x"};
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_INVAL);
}

static void test_unprepared(void)
{
	struct sk_error err = {0};
	struct sk_cql_session *s = open_session(contact(srv.port), 3000, &err);
	const struct sk_cql_prepared *ps, *again;
	const char *cql = "INSERT INTO t (a, b) VALUES (?, ?)";
	int p0 = fake_get(&srv, &srv.n_prepare);
	int e0 = fake_get(&srv, &srv.n_execute);
	CHECK_INT(sk_cql_session_prepare(s, cql, &ps, &err), SK_OK);
	CHECK_INT(sk_cql_session_prepare(s, cql, &again, &err), SK_OK);
	CHECK(ps == again);
	CHECK_INT(fake_get(&srv, &srv.n_prepare), p0 + 1);
	CHECK_INT(sk_cql_prepared_bind(ps)->n_columns, 2);
	CHECK_STR(sk_cql_prepared_cql(ps), cql);

	struct sk_cql_value vals[2] = {sk_cql_value_int(1),
				       sk_cql_value_int(2)};
	struct sk_cql_params p = {.values = vals, .n_values = 2};
	CHECK_INT(sk_cql_session_execute(s, ps, &p, NULL, &err), SK_OK);
	/* The server restarts and forgets: re-prepare and retry once. */
	fake_forget(&srv);
	struct sk_cql_result *res = NULL;
	CHECK_INT(sk_cql_session_execute(s, ps, &p, &res, &err), SK_OK);
	CHECK(res && res->kind == SK_CQL_RESULT_VOID);
	sk_cql_result_free(res);
	CHECK_INT(fake_get(&srv, &srv.n_prepare), p0 + 2);
	CHECK_INT(fake_get(&srv, &srv.n_execute), e0 + 3);

	/* Values checked against the markers before sending. */
	p.n_values = 1;
	CHECK_INT(sk_cql_session_execute(s, ps, &p, NULL, &err), SK_ERR_INVAL);
	CHECK(strstr(err.msg, "1 values for 2 bind markers") != NULL);
	struct sk_cql_value wrong[2] = {sk_cql_value_int(1),
					sk_cql_value_text("x")};
	p.values = wrong;
	p.n_values = 2;
	CHECK_INT(sk_cql_session_execute(s, ps, &p, NULL, &err), SK_ERR_INVAL);
	CHECK(strstr(err.msg, "value 1 (c1) is text, the statement expects "
			      "int") != NULL);
	CHECK_INT(fake_get(&srv, &srv.n_execute), e0 + 3);

	/* A batch of prepared statements re-prepared the same way. */
	struct sk_cql_batch_item items[3] = {
		{.prepared = ps, .values = vals, .n_values = 2},
		{.cql = "DELETE FROM t WHERE a = 1"},
		{.prepared = ps, .values = vals, .n_values = 2},
	};
	struct sk_cql_batch b = {.type = SK_CQL_BATCH_UNLOGGED,
				 .items = items,
				 .n_items = 3};
	fake_forget(&srv);
	int b0 = fake_get(&srv, &srv.n_batch);
	CHECK_INT(sk_cql_session_batch(s, &b, &err), SK_OK);
	CHECK_INT(fake_get(&srv, &srv.n_batch), b0 + 2);
	CHECK_INT(fake_get(&srv, &srv.n_prepare), p0 + 3);

	/* A statement that does not prepare. */
	CHECK_INT(sk_cql_session_prepare(s, "BROKEN STATEMENT", &again, &err),
		  SK_ERR_INVAL);
	CHECK_INT(sk_cql_session_last_code(s), SK_CQL_ERR_SYNTAX);
	sk_cql_session_close(s);
}

static void test_async(void)
{
	struct sk_error err = {0};
	struct sk_cql_session *s = NULL;
	struct sk_cql_session_opts o = {.contact_points = contact(srv.port),
					.max_in_flight = 4,
					.request_timeout_ms = 3000};
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_OK);
	const struct sk_cql_prepared *ps, *bad;
	CHECK_INT(sk_cql_session_prepare(s, "UPSERT ?", &ps, &err), SK_OK);
	CHECK_INT(sk_cql_session_prepare(s, "FAILING ?", &bad, &err), SK_OK);

	/* Many more writes than stream ids (the first four answered in
	 * reverse order); the server forgets the ids once on the way. */
	int e0 = fake_get(&srv, &srv.n_execute);
	fake_set_hold(&srv, 4);
	uint64_t t = 0, last = 0;
	for (int i = 0; i < 40; i++) {
		struct sk_cql_value v = sk_cql_value_int(i);
		struct sk_cql_params p = {.values = &v, .n_values = 1};
		if (i == 20)
			fake_forget(&srv);
		CHECK_INT(sk_cql_session_submit_execute(s, ps, &p, &t, &err),
			  SK_OK);
		CHECK(t == last + 1);
		last = t;
	}
	struct sk_cql_wait_report rep;
	CHECK_INT(sk_cql_session_wait_all(s, &rep, &err), SK_OK);
	CHECK_INT(rep.n_ok, 40);
	CHECK_INT(rep.n_failed, 0);
	CHECK(fake_get(&srv, &srv.n_execute) >= e0 + 41);
	fake_set_hold(&srv, 0);

	/* One failure among successes: reported once, with its ticket. */
	uint64_t bad_ticket = 0;
	for (int i = 0; i < 6; i++) {
		struct sk_cql_value v = sk_cql_value_int(i);
		struct sk_cql_params p = {.values = &v, .n_values = 1};
		CHECK_INT(sk_cql_session_submit_execute(s, i == 3 ? bad : ps,
							&p, &t, &err),
			  SK_OK);
		if (i == 3)
			bad_ticket = t;
	}
	struct sk_cql_value v = sk_cql_value_int(1);
	struct sk_cql_batch_item item = {.prepared = ps,
					 .values = &v,
					 .n_values = 1};
	struct sk_cql_batch b = {.type = SK_CQL_BATCH_LOGGED,
				 .items = &item,
				 .n_items = 1};
	CHECK_INT(sk_cql_session_submit_batch(s, &b, &t, &err), SK_OK);
	CHECK_INT(sk_cql_session_wait_all(s, &rep, &err), SK_ERR_INVAL);
	CHECK_INT(rep.n_ok, 6);
	CHECK_INT(rep.n_failed, 1);
	CHECK(rep.first_failed_ticket == bad_ticket);
	CHECK(strstr(err.msg, "invalid error (0x2200): bad value") != NULL);
	CHECK_INT(sk_cql_session_last_code(s), SK_CQL_ERR_INVALID);
	CHECK_STR(sk_cql_session_last_error(s)->message, "bad value");
	/* Nothing pending now. */
	CHECK_INT(sk_cql_session_wait_all(s, &rep, &err), SK_OK);
	CHECK_INT(rep.n_ok + rep.n_failed, 0);
	/* Bad values fail at submit. */
	CHECK_INT(sk_cql_session_submit_execute(s, ps, NULL, &t, &err),
		  SK_ERR_INVAL);

	/* Requests in flight when the session closes are dropped. */
	fake_set_hold(&srv, 3);
	for (int i = 0; i < 2; i++) {
		struct sk_cql_params p = {.values = &v, .n_values = 1};
		CHECK_INT(sk_cql_session_submit_execute(s, ps, &p, NULL, &err),
			  SK_OK);
	}
	sk_cql_session_close(s);
	fake_set_hold(&srv, 0);
}

static void test_lost_connection(void)
{
	struct sk_error err = {0};
	struct sk_cql_session *s = open_session(contact(srv.port), 3000, &err);
	int c0 = fake_get(&srv, &srv.n_conn);
	CHECK_INT(sk_cql_session_query(s, "CLOSE", NULL, NULL, &err),
		  SK_ERR_NET);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "closed by the server") != NULL);
	CHECK_INT(sk_cql_session_last_code(s), -1);
	CHECK(sk_cql_session_last_error(s) == NULL);
	CHECK(sk_cql_session_host(s) == NULL);
	/* The next call reconnects. */
	CHECK_INT(sk_cql_session_query(s, "SELECT 1", NULL, NULL, &err), SK_OK);
	CHECK_INT(fake_get(&srv, &srv.n_conn), c0 + 1);
	CHECK_STR(sk_cql_session_host(s), contact(srv.port));

	/* Async writes in flight when the connection drops. */
	const struct sk_cql_prepared *ps;
	CHECK_INT(sk_cql_session_prepare(s, "UPSERT ?", &ps, &err), SK_OK);
	struct sk_cql_value v = sk_cql_value_int(1);
	struct sk_cql_params p = {.values = &v, .n_values = 1};
	fake_set_hold(&srv, 3);
	CHECK_INT(sk_cql_session_submit_execute(s, ps, &p, NULL, &err), SK_OK);
	CHECK_INT(sk_cql_session_submit_execute(s, ps, &p, NULL, &err), SK_OK);
	CHECK_INT(sk_cql_session_query(s, "CLOSE", NULL, NULL, &err),
		  SK_ERR_NET);
	fake_set_hold(&srv, 0);
	struct sk_cql_wait_report rep;
	CHECK_INT(sk_cql_session_wait_all(s, &rep, &err), SK_ERR_NET);
	CHECK(err.retriable);
	CHECK_INT(rep.n_failed, 2);
	CHECK_INT(sk_cql_session_execute(s, ps, &p, NULL, &err), SK_OK);
	sk_cql_session_close(s);
}

static void test_timeout(void)
{
	struct sk_error err = {0};
	struct sk_cql_session *s = open_session(contact(srv.port), 300, &err);
	int64_t t0 = sk_mono_ms();
	CHECK_INT(sk_cql_session_query(s, "SILENT", NULL, NULL, &err),
		  SK_ERR_TIMEOUT);
	int64_t took = sk_mono_ms() - t0;
	CHECK(took >= 290 && took < 3000);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "no answer within 300 ms") != NULL);
	/* The connection still works; a late answer does not confuse it. */
	CHECK_INT(sk_cql_session_query(s, "SLOW 700", NULL, NULL, &err),
		  SK_ERR_TIMEOUT);
	struct sk_cql_result *res = NULL;
	CHECK_INT(sk_cql_session_query(s, "ORDER 5", NULL, &res, &err), SK_OK);
	CHECK(res && res->n_rows == 1 && res->cells[0].u.i32 == 5);
	sk_cql_result_free(res);
	sk_sleep_ms(500);
	CHECK_INT(sk_cql_session_query(s, "ORDER 6", NULL, &res, &err), SK_OK);
	CHECK(res && res->n_rows == 1 && res->cells[0].u.i32 == 6);
	sk_cql_result_free(res);
	sk_cql_session_close(s);
}

static void test_failover(void)
{
	struct sk_error err = {0};
	char cps[128];
	int dead = closed_port();
	snprintf(cps, sizeof cps, " 127.0.0.1:%d , 127.0.0.1:%d ", dead,
		 srv.port);
	struct sk_cql_session *s = open_session(cps, 2000, &err);
	CHECK_STR(sk_cql_session_host(s), contact(srv.port));
	CHECK_INT(sk_cql_session_query(s, "SELECT 1", NULL, NULL, &err), SK_OK);
	sk_cql_session_close(s);

	/* Nobody there: retriable, naming what was tried. */
	snprintf(cps, sizeof cps, "127.0.0.1:%d,[::1]:%d", dead, dead);
	struct sk_cql_session_opts o = {.contact_points = cps};
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_NET);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "no contact point reachable (2 tried)") != NULL);

	/* Bad contact point lists. */
	static const char *bad[] = {"",       ",",    "host:0", "host:70000",
				    "host:x", "[::1", "[::1]x", "a:1,,b"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o.contact_points = bad[i];
		CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_INVAL);
	}
	o.contact_points = NULL;
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_INVAL);
	o.contact_points = contact(srv.port);
	o.consistency = (enum sk_cql_consistency)3;
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_INVAL);
	/* TLS without OpenSSL is a configuration error (with OpenSSL the
	 * fake server's lack of TLS makes the handshake fail). */
	o.consistency = SK_CQL_CL_ONE;
	o.tls = true;
	o.connect_timeout_ms = 1000;
	sk_err_t rc = sk_cql_session_open(&s, &o, &err);
	CHECK(rc != SK_OK);
	sk_cql_session_close(NULL);
}

static void test_paging(void)
{
	struct sk_error err = {0};
	struct sk_cql_session *s = open_session(contact(srv.port), 2000, &err);
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 2};
	const struct sk_cql_value *row;
	pthread_mutex_lock(&srv.mu);
	srv.n_paging_seen = 0;
	pthread_mutex_unlock(&srv.mu);
	CHECK_INT(sk_cql_rows_open(&it, s, "PAGED", NULL, &p, &err), SK_OK);
	CHECK_INT(sk_cql_rows_pages(it), 1);
	CHECK_INT(sk_cql_rows_meta(it)->n_columns, 1);
	CHECK_STR(sk_cql_rows_meta(it)->columns[0].name, "v");
	int n = 0;
	while (sk_cql_rows_next(it, &row, &err) == SK_OK && row) {
		CHECK_INT(row[0].kind, SK_CQL_INT);
		CHECK_INT(row[0].u.i32, n);
		n++;
	}
	CHECK_INT(n, 5);
	CHECK_INT(sk_cql_rows_pages(it), 3);
	CHECK_INT(sk_cql_rows_next(it, &row, &err), SK_OK);
	CHECK(row == NULL);
	sk_cql_rows_close(it);
	pthread_mutex_lock(&srv.mu);
	CHECK_INT(srv.n_paging_seen, 3);
	CHECK_STR(srv.paging_seen[0], "");
	CHECK_STR(srv.paging_seen[1], "p2");
	CHECK_STR(srv.paging_seen[2], "p4");
	pthread_mutex_unlock(&srv.mu);

	/* Through a prepared statement, one page. */
	const struct sk_cql_prepared *ps;
	CHECK_INT(sk_cql_session_prepare(s, "SELECT v FROM t", &ps, &err),
		  SK_OK);
	CHECK_INT(sk_cql_rows_open(&it, s, NULL, ps, NULL, &err), SK_ERR_INVAL);
	CHECK(it == NULL);
	CHECK(strstr(err.msg, "no rows") != NULL);
	CHECK_INT(sk_cql_rows_open(&it, NULL, "PAGED", NULL, NULL, &err),
		  SK_ERR_INVAL);
	sk_cql_rows_close(NULL);
	sk_cql_session_close(s);
}

static void test_server_errors_keyspace(void)
{
	struct sk_error err = {0};
	struct sk_cql_session *s = NULL;
	struct sk_cql_session_opts o = {.contact_points = contact(srv.port),
					.keyspace = "sk\"red"};
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_OK);
	pthread_mutex_lock(&srv.mu);
	CHECK_STR(srv.last_use, "USE \"sk\"\"red\"");
	pthread_mutex_unlock(&srv.mu);
	CHECK_INT(sk_cql_session_last_code(s), -1);

	CHECK_INT(sk_cql_session_query(s, "FAIL 0x2000", NULL, NULL, &err),
		  SK_ERR_INVAL);
	CHECK(!err.retriable);
	CHECK_INT(sk_cql_session_last_code(s), SK_CQL_ERR_SYNTAX);
	CHECK(strstr(err.msg, "syntax error (0x2000): injected failure"));
	CHECK_INT(sk_cql_session_query(s, "FAIL 0x1000", NULL, NULL, &err),
		  SK_ERR_STORE);
	CHECK(err.retriable);
	const struct sk_cql_server_error *se = sk_cql_session_last_error(s);
	CHECK(se && se->code == SK_CQL_ERR_UNAVAILABLE && se->required == 3 &&
	      se->alive == 1 && se->consistency == 4);
	CHECK_INT(sk_cql_session_query(s, "FAIL 0x1100", NULL, NULL, &err),
		  SK_ERR_TIMEOUT);
	CHECK(err.retriable);
	CHECK_STR(sk_cql_session_last_error(s)->write_type, "SIMPLE");
	CHECK_INT(sk_cql_session_query(s, "FAIL 0x1001", NULL, NULL, &err),
		  SK_ERR_STORE);
	CHECK(err.retriable);
	CHECK_INT(sk_cql_session_query(s, "FAIL 0x2100", NULL, NULL, &err),
		  SK_ERR_CONFIG);
	CHECK(!err.retriable);
	/* A success keeps the last failure. */
	CHECK_INT(sk_cql_session_query(s, "SELECT 1", NULL, NULL, &err), SK_OK);
	CHECK_INT(sk_cql_session_last_code(s), SK_CQL_ERR_UNAUTHORIZED);
	/* Bad arguments; a failure that is not a server error clears the
	 * last code. */
	CHECK_INT(sk_cql_session_query(s, NULL, NULL, NULL, &err),
		  SK_ERR_INVAL);
	CHECK_INT(sk_cql_session_last_code(s), -1);
	CHECK(sk_cql_session_last_error(s) == NULL);
	struct sk_cql_value nul[1] = {sk_cql_value_null()};
	struct sk_cql_value lst = sk_cql_value_list(nul, 1);
	struct sk_cql_params p = {.values = &lst, .n_values = 1};
	CHECK_INT(sk_cql_session_query(s, "X ?", &p, NULL, &err), SK_ERR_INVAL);
	sk_cql_session_close(s);

	/* A keyspace that does not exist: not retriable. */
	o.keyspace = "missing";
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_INVAL);
	CHECK(!err.retriable);
	CHECK(strstr(err.msg, "Keyspace 'missing' does not exist") != NULL);
}

#ifdef SKRED_HAVE_OPENSSL
/* A self-signed certificate for 127.0.0.1, written to pem_path. */
static SSL_CTX *make_tls_ctx(const char *pem_path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
				   (const unsigned char *)"skred test", -1, -1,
				   0);
	X509_set_issuer_name(x, nm);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	const char *exts[][2] = {{"subjectAltName", "IP:127.0.0.1"},
				 {"basicConstraints", "critical,CA:TRUE"}};
	for (size_t i = 0; i < 2; i++) {
		X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0],
						    exts[i][1]);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	X509_sign(x, key, EVP_sha256());
	FILE *f = fopen(pem_path, "w");
	PEM_write_X509(f, x);
	fclose(f);
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	CHECK(SSL_CTX_use_certificate(ctx, x) == 1);
	CHECK(SSL_CTX_use_PrivateKey(ctx, key) == 1);
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

static void test_tls(void)
{
	char pem[] = "/tmp/test_cql_tls_XXXXXX";
	close(mkstemp(pem));
	SSL_CTX *ctx = make_tls_ctx(pem);
	struct sk_cql_session *s = NULL;
	struct sk_error err = {0};
	struct sk_cql_session_opts o = {.contact_points = contact(srv.port),
					.tls = true,
					.tls_ca_file = pem,
					.connect_timeout_ms = 2000};
	pthread_mutex_lock(&srv.mu);
	srv.tls_ctx = ctx;
	pthread_mutex_unlock(&srv.mu);

	/* Verified against our CA: queries, pages and pipelined writes. */
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_OK);
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params pp = {.page_size = 2};
	const struct sk_cql_value *row;
	int n = 0;
	CHECK_INT(sk_cql_rows_open(&it, s, "PAGED", NULL, &pp, &err), SK_OK);
	while (sk_cql_rows_next(it, &row, &err) == SK_OK && row)
		CHECK_INT(row[0].u.i32, n++);
	CHECK_INT(n, 5);
	sk_cql_rows_close(it);
	const struct sk_cql_prepared *ps;
	CHECK_INT(sk_cql_session_prepare(s, "UPSERT ?", &ps, &err), SK_OK);
	for (int i = 0; i < 200; i++) {
		struct sk_cql_value v = sk_cql_value_int(i);
		struct sk_cql_params p = {.values = &v, .n_values = 1};
		CHECK_INT(sk_cql_session_submit_execute(s, ps, &p, NULL, &err),
			  SK_OK);
	}
	struct sk_cql_wait_report rep;
	CHECK_INT(sk_cql_session_wait_all(s, &rep, &err), SK_OK);
	CHECK_INT(rep.n_ok, 200);
	/* The server drops the connection: retriable, then reconnects. */
	CHECK_INT(sk_cql_session_query(s, "CLOSE", NULL, NULL, &err),
		  SK_ERR_NET);
	CHECK(err.retriable);
	CHECK_INT(sk_cql_session_query(s, "SELECT 1", NULL, NULL, &err), SK_OK);
	sk_cql_session_close(s);

	/* Not verifying works; an unknown CA does not, and says why. */
	o.tls_ca_file = NULL;
	o.tls_no_verify = true;
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_OK);
	CHECK_INT(sk_cql_session_query(s, "SELECT 1", NULL, NULL, &err), SK_OK);
	sk_cql_session_close(s);
	o.tls_no_verify = false;
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_CONFIG);
	CHECK(!err.retriable);
	CHECK(strstr(err.msg, "certificate rejected") != NULL);
	o.tls_ca_file = "/nonexistent/ca.pem";
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_CONFIG);
	/* A plain client at a TLS server fails, retriably. */
	o.tls = false;
	CHECK_INT(sk_cql_session_open(&s, &o, &err), SK_ERR_NET);
	CHECK(err.retriable);

	pthread_mutex_lock(&srv.mu);
	srv.tls_ctx = NULL;
	pthread_mutex_unlock(&srv.mu);
	SSL_CTX_free(ctx);
	unlink(pem);
}
#endif

static const struct sk_case cases[] = {
	{"out_of_order", test_out_of_order},
	{"stream_exhaustion_and_late", test_stream_exhaustion_and_late},
	{"auth", test_auth},
	{"unprepared", test_unprepared},
	{"async", test_async},
	{"lost_connection", test_lost_connection},
	{"timeout", test_timeout},
	{"failover", test_failover},
	{"paging", test_paging},
	{"server_errors_keyspace", test_server_errors_keyspace},
#ifdef SKRED_HAVE_OPENSSL
	{"tls", test_tls},
#endif
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	fake_start(&srv);
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	fake_stop(&srv);
	return rc;
}
