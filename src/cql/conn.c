/*
 * conn.c - one CQL connection: non-blocking TCP (optionally TLS when built
 * with SKRED_HAVE_OPENSSL), the STARTUP / PLAIN authentication / USE
 * handshake, and a stream-id pool so many requests are in flight at once.
 * Responses are matched to requests by stream id, in any order. Timeouts
 * use the monotonic clock; a timed-out stream id is reused only after its
 * late answer has arrived (and been discarded).
 *
 * Driven by its caller (sk_cql_conn_pump): no threads, no callbacks, no
 * retries, no reconnects (that is the session's job). With TLS the program
 * must ignore SIGPIPE (skred's main does); plain sockets use MSG_NOSIGNAL.
 */
#include "cql/cql_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef SKRED_HAVE_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

#define CONN_IN_BUF (64u * 1024)
#define CONN_DEFAULT_STREAMS 1024u
#define CONN_DEFAULT_CONNECT_MS 5000
#define CONN_POLL_MAX_MS 1000

/* Slot of a stream whose caller gave up (timeout or cancel). */
static char late_marker;
#define SLOT_LATE ((struct sk_cql_call *)&late_marker)

struct sk_cql_conn {
	int fd;
	char name[300]; /* host:port */
	uint32_t frame_max;
	unsigned max_streams;
	struct sk_cql_call **slots; /* by stream id: NULL free, or SLOT_LATE */
	int16_t *free_ids;          /* stack of free stream ids */
	unsigned n_free;
	unsigned n_late;
	unsigned n_in_flight;
	struct sk_cql_call *head, *tail; /* in flight, in start order */
	struct sk_buf out;               /* frames to send */
	size_t out_off;                  /* bytes of out already sent */
	uint8_t *in;                     /* received, not yet consumed */
	size_t in_len, in_off;
	uint8_t hdr[SK_CQL_HEADER_LEN]; /* the frame being received */
	size_t hdr_have;
	bool in_body;
	struct sk_cql_header cur;
	uint8_t *body;
	size_t body_have;
	bool dead;
	sk_err_t dead_rc;
	bool dead_retriable;
	char dead_msg[SK_ERROR_MSG_MAX];
#ifdef SKRED_HAVE_OPENSSL
	SSL_CTX *ctx;
	SSL *ssl;
	bool want_write; /* the last TLS read needs the socket writable */
#endif
};

/* ============================================================ transport */

enum {
	IO_AGAIN = 0,
	IO_ERROR = -1,
	IO_EOF = -2
};

/* Last transport error as text (errno or OpenSSL's queue). */
static void io_errstr(struct sk_cql_conn *c, int saved_errno, char *buf,
		      size_t n)
{
#ifdef SKRED_HAVE_OPENSSL
	unsigned long e = c->ssl ? ERR_get_error() : 0;
	if (e) {
		ERR_error_string_n(e, buf, n);
		ERR_clear_error();
		return;
	}
#else
	(void)c;
#endif
	snprintf(buf, n, "%s", saved_errno ? strerror(saved_errno) : "error");
}

/* Bytes sent, IO_AGAIN when the socket is full, IO_ERROR. */
static ssize_t io_send(struct sk_cql_conn *c, const uint8_t *p, size_t n)
{
#ifdef SKRED_HAVE_OPENSSL
	if (c->ssl) {
		int r = SSL_write(c->ssl, p,
				  n > INT32_MAX ? INT32_MAX : (int)n);
		if (r > 0)
			return r;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return IO_AGAIN;
		default:
			return IO_ERROR;
		}
	}
#endif
	for (;;) {
		ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_AGAIN;
		return IO_ERROR;
	}
}

/* Bytes received, IO_AGAIN, IO_EOF, IO_ERROR. */
static ssize_t io_recv(struct sk_cql_conn *c, uint8_t *p, size_t n)
{
#ifdef SKRED_HAVE_OPENSSL
	if (c->ssl) {
		c->want_write = false;
		int r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
		if (r > 0)
			return r;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			return IO_AGAIN;
		case SSL_ERROR_WANT_WRITE:
			c->want_write = true;
			return IO_AGAIN;
		case SSL_ERROR_ZERO_RETURN:
			return IO_EOF;
		case SSL_ERROR_SYSCALL:
			return errno ? IO_ERROR : IO_EOF;
		default:
			return IO_ERROR;
		}
	}
#endif
	for (;;) {
		ssize_t r = recv(c->fd, p, n, 0);
		if (r > 0)
			return r;
		if (r == 0)
			return IO_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IO_AGAIN;
		return IO_ERROR;
	}
}

static void io_close(struct sk_cql_conn *c)
{
#ifdef SKRED_HAVE_OPENSSL
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->ctx) {
		SSL_CTX_free(c->ctx);
		c->ctx = NULL;
	}
#endif
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

/* ======================================================== call tracking */

static void unlink_call(struct sk_cql_conn *c, struct sk_cql_call *call)
{
	if (call->prev)
		call->prev->next = call->next;
	else
		c->head = call->next;
	if (call->next)
		call->next->prev = call->prev;
	else
		c->tail = call->prev;
	call->prev = call->next = NULL;
	c->n_in_flight--;
}

static void release_id(struct sk_cql_conn *c, int16_t id)
{
	c->slots[id] = NULL;
	c->free_ids[c->n_free++] = id;
}

/* Complete an in-flight call and free its stream id. */
static void finish_call(struct sk_cql_conn *c, struct sk_cql_call *call,
			sk_err_t rc, const struct sk_error *err)
{
	unlink_call(c, call);
	release_id(c, call->stream);
	call->stream = -1;
	call->done = true;
	call->rc = rc;
	if (err)
		call->err = *err;
	else
		sk_error_clear(&call->err);
}

/* Give up on an in-flight call; its stream id waits for the late answer. */
static void abandon_call(struct sk_cql_conn *c, struct sk_cql_call *call)
{
	unlink_call(c, call);
	c->slots[call->stream] = SLOT_LATE;
	c->n_late++;
	call->stream = -1;
}

static sk_err_t dead_error(const struct sk_cql_conn *c, struct sk_error *err)
{
	return sk_error_set(err, c->dead_rc, c->dead_retriable, "%s",
			    c->dead_msg);
}

/* The connection is unusable: close it and fail every call in flight with
 * the same error. Returns rc. */
static sk_err_t conn_kill(struct sk_cql_conn *c, sk_err_t rc, bool retriable,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static sk_err_t conn_kill(struct sk_cql_conn *c, sk_err_t rc, bool retriable,
			  const char *fmt, ...)
{
	if (!c->dead) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->dead_msg, sizeof c->dead_msg, fmt, ap);
		va_end(ap);
		c->dead = true;
		c->dead_rc = rc;
		c->dead_retriable = retriable;
		sk_log(SK_LOG_DEBUG, "cql", "connection %s closed: %s", c->name,
		       c->dead_msg);
	}
	io_close(c);
	struct sk_error err;
	dead_error(c, &err);
	while (c->head)
		finish_call(c, c->head, c->dead_rc, &err);
	for (unsigned i = 0; i < c->max_streams && c->slots; i++)
		if (c->slots[i] == SLOT_LATE)
			release_id(c, (int16_t)i);
	c->n_late = 0;
	free(c->body);
	c->body = NULL;
	c->in_body = false;
	c->hdr_have = 0;
	c->in_len = c->in_off = 0;
	return c->dead_rc;
}

static sk_err_t io_fail(struct sk_cql_conn *c, ssize_t r, const char *what)
{
	int saved = errno;
	char msg[256];
	if (r == IO_EOF)
		return conn_kill(c, SK_ERR_NET, true,
				 "%s: connection closed by the server",
				 c->name);
	io_errstr(c, saved, msg, sizeof msg);
	return conn_kill(c, SK_ERR_NET, true, "%s: %s failed: %s", c->name,
			 what, msg);
}

/* ============================================================ receiving */

/* A complete frame arrived: hand it to its call, or drop it. */
static void dispatch(struct sk_cql_conn *c, const struct sk_cql_header *h,
		     uint8_t *body)
{
	int16_t s = h->stream;
	if (s < 0) { /* events: not subscribed to, ignored */
		sk_log(SK_LOG_DEBUG, "cql", "%s: ignoring %s on stream %d",
		       c->name, sk_cql_opcode_name(h->opcode), s);
		free(body);
		return;
	}
	struct sk_cql_call *call = (unsigned)s < c->max_streams ? c->slots[s]
								: NULL;
	if (!call) {
		sk_log(SK_LOG_DEBUG, "cql",
		       "%s: discarding %s for unused stream %d", c->name,
		       sk_cql_opcode_name(h->opcode), s);
		free(body);
		return;
	}
	if (call == SLOT_LATE) {
		sk_log(SK_LOG_DEBUG, "cql",
		       "%s: discarding late %s on stream %d", c->name,
		       sk_cql_opcode_name(h->opcode), s);
		release_id(c, s);
		c->n_late--;
		free(body);
		return;
	}
	call->h = *h;
	call->body = body;
	finish_call(c, call, SK_OK, NULL);
}

/* A header is complete: check it and get ready for the body. */
static sk_err_t got_header(struct sk_cql_conn *c)
{
	struct sk_error err;
	sk_err_t rc = sk_cql_header_decode(c->hdr, sizeof c->hdr, c->frame_max,
					   &c->cur, &err);
	c->hdr_have = 0;
	if (rc == SK_ERR_LIMIT) {
		/* The stream cannot be resynchronised without reading the
		 * body; the request it answers gets the real reason, the
		 * others a retriable lost connection. */
		int16_t s = c->cur.stream;
		if (s >= 0 && (unsigned)s < c->max_streams && c->slots[s] &&
		    c->slots[s] != SLOT_LATE) {
			sk_error_prefix(&err, "%s", c->name);
			finish_call(c, c->slots[s], rc, &err);
		}
		return conn_kill(c, SK_ERR_NET, true,
				 "%s: connection dropped after an oversized "
				 "response",
				 c->name);
	}
	if (rc == SK_OK && c->cur.version != SK_CQL_VERSION_RESP)
		rc = sk_error_set(&err, SK_ERR_PARSE, false,
				  "cql: request frame (0x%02x) from the server",
				  c->cur.version);
	if (rc != SK_OK)
		return conn_kill(c, rc, false, "%s: %s", c->name, err.msg);
	if (c->cur.length == 0) {
		dispatch(c, &c->cur, NULL);
		return SK_OK;
	}
	c->body = malloc(c->cur.length);
	if (!c->body)
		return conn_kill(c, SK_ERR_NOMEM, false,
				 "%s: out of memory for a %u byte frame",
				 c->name, c->cur.length);
	c->body_have = 0;
	c->in_body = true;
	return SK_OK;
}

/* Cut the received bytes into frames. */
static sk_err_t consume(struct sk_cql_conn *c)
{
	while (c->in_off < c->in_len && !c->dead) {
		size_t avail = c->in_len - c->in_off;
		const uint8_t *p = c->in + c->in_off;
		if (!c->in_body) {
			size_t n = sizeof c->hdr - c->hdr_have;
			if (n > avail)
				n = avail;
			memcpy(c->hdr + c->hdr_have, p, n);
			c->hdr_have += n;
			c->in_off += n;
			if (c->hdr_have == sizeof c->hdr &&
			    got_header(c) != SK_OK)
				return c->dead_rc;
			continue;
		}
		size_t n = c->cur.length - c->body_have;
		if (n > avail)
			n = avail;
		memcpy(c->body + c->body_have, p, n);
		c->body_have += n;
		c->in_off += n;
		if (c->body_have == c->cur.length) {
			uint8_t *body = c->body;
			c->body = NULL;
			c->in_body = false;
			dispatch(c, &c->cur, body);
		}
	}
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	return c->dead ? c->dead_rc : SK_OK;
}

static sk_err_t read_ready(struct sk_cql_conn *c)
{
	while (!c->dead) {
		ssize_t r = io_recv(c, c->in + c->in_len,
				    CONN_IN_BUF - c->in_len);
		if (r == IO_AGAIN)
			break;
		if (r < 0)
			return io_fail(c, r, "read");
		c->in_len += (size_t)r;
		if (consume(c) != SK_OK)
			break;
	}
	return c->dead ? c->dead_rc : SK_OK;
}

/* ============================================================== sending */

static sk_err_t flush(struct sk_cql_conn *c)
{
	while (!c->dead && c->out_off < c->out.len) {
		ssize_t r = io_send(c, (uint8_t *)c->out.data + c->out_off,
				    c->out.len - c->out_off);
		if (r == IO_AGAIN)
			break;
		if (r < 0)
			return io_fail(c, r, "write");
		c->out_off += (size_t)r;
	}
	if (c->out_off == c->out.len)
		c->out_off = c->out.len = 0;
	return c->dead ? c->dead_rc : SK_OK;
}

sk_err_t sk_cql_conn_start(struct sk_cql_conn *c, struct sk_cql_call *call,
			   const uint8_t *frame, size_t len, int timeout_ms,
			   struct sk_error *err)
{
	call->done = false;
	call->rc = SK_OK;
	call->body = NULL;
	call->stream = -1;
	call->prev = call->next = NULL;
	if (c->dead)
		return dead_error(c, err);
	if (len < SK_CQL_HEADER_LEN)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: request shorter than a header");
	if (len - SK_CQL_HEADER_LEN > c->frame_max)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "%s: request of %zu bytes exceeds the "
				    "%u byte frame cap",
				    c->name, len, c->frame_max);
	if (!c->n_free)
		return sk_error_set(err, SK_ERR_LIMIT, true,
				    "%s: all %u stream ids in use", c->name,
				    c->max_streams);
	if (c->out_off && c->out_off >= c->out.len / 2) {
		memmove(c->out.data, c->out.data + c->out_off,
			c->out.len - c->out_off);
		c->out.len -= c->out_off;
		c->out_off = 0;
	}
	size_t at = c->out.len;
	/* Full is retriable and must not fail the queue (a failed append
	 * drops what it holds), so it is checked before. */
	if (len > sk_buf_room(&c->out))
		return sk_error_set(err, SK_ERR_LIMIT, true,
				    "%s: send buffer full", c->name);
	sk_err_t rc = sk_buf_append(&c->out, frame, len);
	if (rc != SK_OK) {
		/* The queued frames went with the failed append: the stream
		 * cannot continue. */
		c->out_off = 0;
		conn_kill(c, rc, true, "out of memory queueing a request");
		return sk_error_set(err, rc, false, "%s: out of memory",
				    c->name);
	}
	int16_t id = c->free_ids[--c->n_free];
	sk_cql_store16((uint8_t *)c->out.data + at + 2, (uint16_t)id);
	c->slots[id] = call;
	call->stream = id;
	call->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	call->deadline = sk_mono_ms() + call->timeout_ms;
	call->prev = c->tail;
	if (c->tail)
		c->tail->next = call;
	else
		c->head = call;
	c->tail = call;
	c->n_in_flight++;
	/* Send right away; a failure completes the call, which the caller
	 * sees when it waits. */
	flush(c);
	return SK_OK;
}

void sk_cql_conn_cancel(struct sk_cql_conn *c, struct sk_cql_call *call)
{
	if (c && call->stream >= 0 && (unsigned)call->stream < c->max_streams &&
	    c->slots[call->stream] == call)
		abandon_call(c, call);
}

/* ============================================================== pumping */

sk_err_t sk_cql_conn_pump(struct sk_cql_conn *c, int64_t until,
			  struct sk_error *err)
{
	if (c->dead)
		return dead_error(c, err);
	int64_t now = sk_mono_ms();
	int64_t next = until;
	bool expired = false;
	for (struct sk_cql_call *call = c->head, *nx; call; call = nx) {
		nx = call->next;
		if (call->deadline <= now) {
			int16_t s = call->stream;
			abandon_call(c, call);
			call->done = true;
			call->rc = sk_error_set(&call->err, SK_ERR_TIMEOUT,
						true,
						"%s: no answer within %d ms "
						"(stream %d)",
						c->name, call->timeout_ms, s);
			expired = true;
		} else if (call->deadline < next) {
			next = call->deadline;
		}
	}
	/* A server that stopped answering would eat the whole pool. */
	if (c->n_late > c->max_streams / 2) {
		conn_kill(c, SK_ERR_TIMEOUT, true,
			  "%s: %u requests timed out without an answer",
			  c->name, c->n_late);
		return dead_error(c, err);
	}
	if (expired)
		return SK_OK;
	if (flush(c) != SK_OK)
		return dead_error(c, err);

	short events = POLLIN;
	if (c->out_off < c->out.len)
		events |= POLLOUT;
	int timeout = 0;
#ifdef SKRED_HAVE_OPENSSL
	if (c->want_write)
		events |= POLLOUT;
	if (!(c->ssl && SSL_pending(c->ssl) > 0))
#endif
	{
		int64_t t = next - now;
		timeout = t <= 0                 ? 0
			  : t > CONN_POLL_MAX_MS ? CONN_POLL_MAX_MS
						 : (int)t;
	}
	struct pollfd pfd = {.fd = c->fd, .events = events};
	int r = poll(&pfd, 1, timeout);
	if (r < 0) {
		if (errno == EINTR)
			return SK_OK;
		io_fail(c, IO_ERROR, "poll");
		return dead_error(c, err);
	}
#ifdef SKRED_HAVE_OPENSSL
	if (c->ssl && SSL_pending(c->ssl) > 0)
		pfd.revents |= POLLIN;
#endif
	if ((pfd.revents & POLLOUT) && flush(c) != SK_OK)
		return dead_error(c, err);
	if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
	    read_ready(c) != SK_OK)
		return dead_error(c, err);
	return SK_OK;
}

sk_err_t sk_cql_conn_wait(struct sk_cql_conn *c, struct sk_cql_call *call,
			  struct sk_error *err)
{
	while (!call->done) {
		if (call->stream < 0)
			return sk_error_set(err, SK_ERR_INVAL, false,
					    "cql: waiting for a call that is "
					    "not in flight");
		sk_cql_conn_pump(c, call->deadline, err);
	}
	if (call->rc != SK_OK && err)
		*err = call->err;
	return call->rc;
}

bool sk_cql_conn_alive(const struct sk_cql_conn *c)
{
	return c && !c->dead;
}

const char *sk_cql_conn_name(const struct sk_cql_conn *c)
{
	return c->name;
}

unsigned sk_cql_conn_free_streams(const struct sk_cql_conn *c)
{
	return c->dead ? 0 : c->n_free;
}

unsigned sk_cql_conn_in_flight(const struct sk_cql_conn *c)
{
	return c->n_in_flight;
}

/* ============================================================ opening */

static sk_err_t tcp_connect(struct sk_cql_conn *c,
			    const struct sk_cql_conn_opts *o, int64_t deadline,
			    struct sk_error *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", o->port);
	int g = getaddrinfo(o->host, port, &hints, &res);
	if (g != 0)
		return sk_error_set(err, SK_ERR_NET, true,
				    "%s: cannot resolve: %s", c->name,
				    gai_strerror(g));
	sk_err_t rc = sk_error_set(err, SK_ERR_NET, true,
				   "%s: no address to connect to", c->name);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family,
				ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			rc = sk_error_set(err, SK_ERR_NET, true,
					  "%s: socket: %s", c->name,
					  strerror(errno));
			continue;
		}
		int e = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			e = errno;
			while (e == EINPROGRESS || e == EINTR) {
				int64_t left = deadline - sk_mono_ms();
				struct pollfd pfd = {.fd = fd,
						     .events = POLLOUT};
				if (left <= 0) {
					e = ETIMEDOUT;
					break;
				}
				int r = poll(&pfd, 1,
					     left > INT32_MAX ? INT32_MAX
							      : (int)left);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					e = r == 0 ? ETIMEDOUT : errno;
					break;
				}
				socklen_t len = sizeof e;
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
					       &len) != 0)
					e = errno;
				break;
			}
		}
		if (e == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof one);
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one,
				   sizeof one);
			c->fd = fd;
			freeaddrinfo(res);
			return SK_OK;
		}
		close(fd);
		if (e == ETIMEDOUT) {
			rc = sk_error_set(err, SK_ERR_TIMEOUT, true,
					  "%s: connect timed out", c->name);
			break;
		}
		rc = sk_error_set(err, SK_ERR_NET, true, "%s: connect: %s",
				  c->name, strerror(e));
	}
	freeaddrinfo(res);
	return rc;
}

#ifdef SKRED_HAVE_OPENSSL
static sk_err_t tls_fail(struct sk_cql_conn *c, const char *what,
			 struct sk_error *err)
{
	char msg[256] = "";
	long v = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, msg, sizeof msg);
	ERR_clear_error();
	if (v != X509_V_OK)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "%s: TLS certificate rejected: %s", c->name,
				    X509_verify_cert_error_string(v));
	return sk_error_set(err, SK_ERR_NET, true, "%s: %s failed%s%s", c->name,
			    what, msg[0] ? ": " : "", msg);
}
#endif

static sk_err_t tls_start(struct sk_cql_conn *c,
			  const struct sk_cql_conn_opts *o, int64_t deadline,
			  struct sk_error *err)
{
#ifndef SKRED_HAVE_OPENSSL
	(void)o;
	(void)deadline;
	return sk_error_set(err, SK_ERR_CONFIG, false,
			    "%s: TLS requested, but skred was built without "
			    "OpenSSL",
			    c->name);
#else
	unsigned char ip[16];
	bool is_ip = inet_pton(AF_INET, o->host, ip) == 1 ||
		     inet_pton(AF_INET6, o->host, ip) == 1;
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ctx)
		return tls_fail(c, "TLS setup", err);
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	if (!o->tls_no_verify) {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
		int ok = o->tls_ca_file
				 ? SSL_CTX_load_verify_locations(c->ctx,
								 o->tls_ca_file,
								 NULL)
				 : SSL_CTX_set_default_verify_paths(c->ctx);
		if (ok != 1) {
			ERR_clear_error();
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "%s: cannot load TLS CA %s",
					    c->name,
					    o->tls_ca_file ? o->tls_ca_file
							   : "(defaults)");
		}
	}
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return tls_fail(c, "TLS setup", err);
	if (!is_ip)
		SSL_set_tlsext_host_name(c->ssl, o->host);
	if (!o->tls_no_verify) {
		X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
		int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, o->host)
			       : X509_VERIFY_PARAM_set1_host(param, o->host, 0);
		if (ok != 1)
			return tls_fail(c, "TLS setup", err);
	}
	for (;;) {
		int r = SSL_connect(c->ssl);
		if (r == 1)
			return SK_OK;
		short ev;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			ev = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			ev = POLLOUT;
			break;
		default:
			return tls_fail(c, "TLS handshake", err);
		}
		int64_t left = deadline - sk_mono_ms();
		if (left <= 0)
			return sk_error_set(err, SK_ERR_TIMEOUT, true,
					    "%s: TLS handshake timed out",
					    c->name);
		struct pollfd pfd = {.fd = c->fd, .events = ev};
		if (poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left) <
			    0 &&
		    errno != EINTR)
			return sk_error_set(err, SK_ERR_NET, true,
					    "%s: poll: %s", c->name,
					    strerror(errno));
	}
#endif
}

/* Send one handshake request and decode its answer. */
static sk_err_t roundtrip(struct sk_cql_conn *c, struct sk_buf *frame,
			  int64_t deadline, struct sk_cql_response *resp,
			  const char *what, struct sk_error *err)
{
	struct sk_cql_call call = {0};
	int64_t left = deadline - sk_mono_ms();
	memset(resp, 0, sizeof *resp);
	if (left <= 0)
		return sk_error_set(err, SK_ERR_TIMEOUT, true,
				    "%s: connect timed out before %s", c->name,
				    what);
	sk_err_t rc =
		sk_cql_conn_start(c, &call, (uint8_t *)frame->data, frame->len,
				  left > INT32_MAX ? INT32_MAX : (int)left,
				  err);
	if (rc == SK_OK)
		rc = sk_cql_conn_wait(c, &call, err);
	if (rc != SK_OK) {
		sk_error_prefix(err, "%s", what);
		return rc;
	}
	rc = sk_cql_response_decode(&call.h, call.body, call.h.length, resp,
				    err);
	if (rc == SK_OK)
		rc = sk_cql_arena_adopt(resp->arena, call.body);
	else
		free(call.body);
	if (rc == SK_ERR_NOMEM)
		sk_error_set(err, rc, false, "%s: out of memory", c->name);
	if (rc != SK_OK)
		sk_cql_response_clear(resp);
	return rc;
}

static sk_err_t unexpected(struct sk_cql_conn *c,
			   const struct sk_cql_response *resp, const char *what,
			   struct sk_error *err)
{
	if (resp->h.opcode == SK_CQL_OP_ERROR)
		return sk_cql_error_set_server(err, resp->error, c->name);
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "%s: unexpected %s in answer to %s", c->name,
			    sk_cql_opcode_name(resp->h.opcode), what);
}

static sk_err_t authenticate(struct sk_cql_conn *c,
			     const struct sk_cql_conn_opts *o,
			     const char *authenticator, struct sk_buf *frame,
			     int64_t deadline, struct sk_error *err)
{
	struct sk_cql_response resp;
	sk_err_t rc;
	if (!o->username || !o->username[0])
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "%s: the server requires authentication "
				    "(%s), but no username is configured",
				    c->name, authenticator);
	sk_buf_reset(frame);
	rc = sk_cql_encode_auth_response(frame, 0, o->username,
					 o->password ? o->password : "");
	if (rc != SK_OK)
		return sk_error_set(err, rc, false,
				    "%s: cannot encode AUTH_RESPONSE", c->name);
	rc = roundtrip(c, frame, deadline, &resp, "AUTH_RESPONSE", err);
	/* The password must not linger in memory we keep. */
	explicit_bzero(frame->data, frame->cap);
	if (c->out.data)
		explicit_bzero(c->out.data, c->out.cap);
	if (rc != SK_OK)
		return rc;
	switch (resp.h.opcode) {
	case SK_CQL_OP_AUTH_SUCCESS:
		rc = SK_OK;
		break;
	case SK_CQL_OP_AUTH_CHALLENGE:
		rc = sk_error_set(err, SK_ERR_CONFIG, false,
				  "%s: authenticator %s sent a challenge; only "
				  "PLAIN (PasswordAuthenticator) is supported",
				  c->name, authenticator);
		break;
	case SK_CQL_OP_ERROR:
		if (resp.error->code == SK_CQL_ERR_BAD_CREDENTIALS) {
			rc = sk_error_set(err, SK_ERR_CONFIG, false,
					  "%s: authentication failed for user "
					  "%s: %s",
					  c->name, o->username,
					  resp.error->message);
			break;
		}
		/* fall through */
	default:
		rc = unexpected(c, &resp, "AUTH_RESPONSE", err);
	}
	sk_cql_response_clear(&resp);
	return rc;
}

/* USE "keyspace", with quotes in the name doubled. */
static sk_err_t use_keyspace(struct sk_cql_conn *c, const char *ks,
			     struct sk_buf *frame, int64_t deadline,
			     struct sk_error *err)
{
	struct sk_buf q = SK_BUF_INIT(4096);
	struct sk_cql_response resp;
	sk_err_t rc = sk_buf_puts(&q, "USE \"");
	for (const char *p = ks; *p && rc == SK_OK; p++)
		rc = *p == '"' ? sk_buf_puts(&q, "\"\"")
			       : sk_buf_append(&q, p, 1);
	if (rc == SK_OK)
		rc = sk_buf_puts(&q, "\"");
	sk_buf_reset(frame);
	if (rc == SK_OK)
		rc = sk_cql_encode_query(frame, 0, q.data, NULL, 1);
	sk_buf_free(&q);
	if (rc != SK_OK)
		return sk_error_set(err, rc, false, "%s: bad keyspace name",
				    c->name);
	rc = roundtrip(c, frame, deadline, &resp, "USE", err);
	if (rc != SK_OK)
		return rc;
	if (resp.h.opcode != SK_CQL_OP_RESULT)
		rc = unexpected(c, &resp, "USE", err);
	sk_cql_response_clear(&resp);
	return rc;
}

static sk_err_t handshake(struct sk_cql_conn *c,
			  const struct sk_cql_conn_opts *o, int64_t deadline,
			  struct sk_error *err)
{
	struct sk_buf frame = SK_BUF_INIT(c->frame_max + SK_CQL_HEADER_LEN);
	struct sk_cql_response resp = {0};
	sk_err_t rc = sk_cql_encode_startup(&frame, 0);
	if (rc != SK_OK) {
		sk_error_set(err, rc, false, "%s: cannot encode STARTUP",
			     c->name);
		goto fail;
	}
	rc = roundtrip(c, &frame, deadline, &resp, "STARTUP", err);
	if (rc != SK_OK)
		goto fail;
	if (resp.h.opcode == SK_CQL_OP_AUTHENTICATE)
		rc = authenticate(c, o, resp.authenticator, &frame, deadline,
				  err);
	else if (resp.h.opcode != SK_CQL_OP_READY)
		rc = unexpected(c, &resp, "STARTUP", err);
	if (rc == SK_OK && o->keyspace && o->keyspace[0])
		rc = use_keyspace(c, o->keyspace, &frame, deadline, err);
fail:
	sk_cql_response_clear(&resp);
	sk_buf_free(&frame);
	return rc;
}

sk_err_t sk_cql_conn_open(struct sk_cql_conn **out,
			  const struct sk_cql_conn_opts *o,
			  struct sk_error *err)
{
	sk_err_t rc;
	*out = NULL;
	if (!o->host || !o->host[0] || o->port <= 0 || o->port > 65535)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cql: bad host or port");
	struct sk_cql_conn *c = calloc(1, sizeof *c);
	if (!c)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "cql: out of memory");
	c->fd = -1;
	snprintf(c->name, sizeof c->name,
		 strchr(o->host, ':') ? "[%s]:%d" : "%s:%d", o->host, o->port);
	c->frame_max = o->frame_max ? o->frame_max : SK_CQL_LIMIT_FRAME;
	if (c->frame_max > SK_CQL_LIMIT_FRAME_HARD)
		c->frame_max = SK_CQL_LIMIT_FRAME_HARD;
	c->max_streams = o->max_streams ? o->max_streams : CONN_DEFAULT_STREAMS;
	if (c->max_streams > SK_CQL_LIMIT_STREAMS)
		c->max_streams = SK_CQL_LIMIT_STREAMS;
	sk_buf_init(&c->out, 2 * ((size_t)c->frame_max + SK_CQL_HEADER_LEN));
	c->slots = calloc(c->max_streams, sizeof *c->slots);
	c->free_ids = calloc(c->max_streams, sizeof *c->free_ids);
	c->in = malloc(CONN_IN_BUF);
	if (!c->slots || !c->free_ids || !c->in) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "cql: out of memory");
		goto fail;
	}
	/* Popped from the end: stream 0 first. */
	for (unsigned i = 0; i < c->max_streams; i++)
		c->free_ids[i] = (int16_t)(c->max_streams - 1 - i);
	c->n_free = c->max_streams;

	int64_t deadline = sk_mono_ms() + (o->connect_timeout_ms > 0
						   ? o->connect_timeout_ms
						   : CONN_DEFAULT_CONNECT_MS);
	rc = tcp_connect(c, o, deadline, err);
	if (rc == SK_OK && o->tls)
		rc = tls_start(c, o, deadline, err);
	if (rc == SK_OK)
		rc = handshake(c, o, deadline, err);
	if (rc != SK_OK)
		goto fail;
	*out = c;
	return SK_OK;
fail:
	sk_cql_conn_close(c);
	return rc;
}

void sk_cql_conn_close(struct sk_cql_conn *c)
{
	if (!c)
		return;
	conn_kill(c, SK_ERR_NET, true, "%s: connection closed", c->name);
	free(c->slots);
	free(c->free_ids);
	free(c->in);
	if (c->out.data)
		explicit_bzero(c->out.data, c->out.cap);
	sk_buf_free(&c->out);
	free(c);
}
