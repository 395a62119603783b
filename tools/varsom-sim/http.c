/*
 * http.c - the HTTP/1.1 side: one thread per connection reads request
 * heads (keep-alive and pipelining, 16 KiB cap), parses and checks them,
 * hands GETs to the router and writes each response with one send.
 */
#include "sim.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int active_conns;

bool http_conn_acquire(void)
{
	int n = atomic_load(&active_conns);
	while (n < SIM_MAX_CONNS) {
		if (atomic_compare_exchange_weak(&active_conns, &n, n + 1))
			return true;
	}
	return false;
}

void http_conn_release(void)
{
	atomic_fetch_sub(&active_conns, 1);
}

void sim_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

static void send_all(struct conn *c, const char *p, size_t n)
{
	while (n && !c->closed) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			c->closed = true;
			return;
		}
		p += w;
		n -= (size_t)w;
		c->sent += (size_t)w;
	}
}

static size_t format_head(char *out, size_t cap, const struct conn *c,
			  int status, const char *extra, size_t len)
{
	int n = snprintf(out, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "Server: varsom-sim\r\n"
			 "Content-Type: application/json; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n"
			 "%s"
			 "Connection: %s\r\n\r\n",
			 status, reason(status), len, extra ? extra : "",
			 c->keep_alive ? "keep-alive" : "close");
	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* Head in front of the body (in the reserve), then the first `part`
 * bytes of the body, in one send. */
static void send_response(struct conn *c, int status, const char *extra,
			  struct jbuf *body, size_t part)
{
	char head[SIM_HDR_RESERVE];
	size_t blen = body ? jb_body_len(body) : 0;
	size_t hl = format_head(head, sizeof(head), c, status, extra, blen);
	c->status = status;
	if (part > blen)
		part = blen;
	if (body && body->data && hl <= body->start) {
		char *p = body->data + body->start - hl;
		memcpy(p, head, hl);
		send_all(c, p, hl + part);
	} else {
		send_all(c, head, hl);
		if (part)
			send_all(c, jb_body(body), part);
	}
}

void http_respond(struct conn *c, int status, const char *extra,
		  struct jbuf *body)
{
	if (body && body->oom) {
		http_error(c, 500, "simulator out of memory", NULL);
		return;
	}
	send_response(c, status, extra, body, body ? jb_body_len(body) : 0);
}

void http_error(struct conn *c, int status, const char *msg, const char *extra)
{
	struct jbuf j;
	jb_init(&j, SIM_HDR_RESERVE, 256);
	jb_obj(&j);
	jb_kstr(&j, "error", msg);
	jb_kint(&j, "status", status);
	jb_obj_end(&j);
	if (j.oom) {
		jb_free(&j);
		send_response(c, status, extra, NULL, 0);
		return;
	}
	send_response(c, status, extra, &j, jb_body_len(&j));
	jb_free(&j);
}

void http_respond_truncated(struct conn *c, struct jbuf *body, size_t part)
{
	c->keep_alive = false;
	send_response(c, 200, NULL, body, part);
	shutdown(c->fd, SHUT_WR);
	c->closed = true;
}

void http_reset(struct conn *c)
{
	struct linger lg = {1, 0};
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	c->keep_alive = false;
	c->closed = true;
	c->status = 0;
}

/* ------------------------------------------------------------- parsing */

/* Offset just past the blank line ending a head, or 0. */
static size_t head_end(const char *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static bool is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && !strncasecmp(name, want, n);
}

static bool has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);
	for (size_t i = 0; i + tl <= n; i++) {
		if (strncasecmp(v + i, tok, tl))
			continue;
		bool left = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' ||
			    v[i - 1] == '\t';
		bool right = i + tl == n || v[i + tl] == ',' ||
			     v[i + tl] == ' ' || v[i + tl] == '\t';
		if (left && right)
			return true;
	}
	return false;
}

struct head_info {
	struct http_req req;
	bool http10;
	bool conn_close, conn_keep;
	bool has_body;
};

/* Returns NULL on success or the reason for a 400. */
static const char *parse_head(char *h, size_t n, struct head_info *hi)
{
	memset(hi, 0, sizeof(*hi));
	if (memchr(h, '\0', n))
		return "NUL byte in request head";
	char *end = h + n;
	char *eol = memchr(h, '\n', n);
	if (!eol)
		return "no request line";
	size_t ll = (size_t)(eol - h);
	if (ll && h[ll - 1] == '\r')
		ll--;
	char *sp1 = memchr(h, ' ', ll);
	char *sp2 = sp1 ? memchr(sp1 + 1, ' ', ll - (size_t)(sp1 + 1 - h))
			: NULL;
	if (!sp1 || !sp2)
		return "malformed request line";
	struct http_req *r = &hi->req;
	r->method = h;
	r->method_len = (size_t)(sp1 - h);
	r->target = sp1 + 1;
	r->target_len = (size_t)(sp2 - (sp1 + 1));
	const char *ver = sp2 + 1;
	size_t vl = ll - (size_t)(ver - h);
	if (!r->method_len || r->method_len > 16)
		return "bad method";
	for (size_t i = 0; i < r->method_len; i++)
		if (!is_tchar((unsigned char)r->method[i]))
			return "bad method";
	if (!r->target_len || r->target[0] != '/')
		return "bad request target";
	for (size_t i = 0; i < r->target_len; i++) {
		unsigned char ch = (unsigned char)r->target[i];
		if (ch <= 0x20 || ch >= 0x7f)
			return "bad request target";
	}
	if (vl == 8 && !memcmp(ver, "HTTP/1.1", 8))
		hi->http10 = false;
	else if (vl == 8 && !memcmp(ver, "HTTP/1.0", 8))
		hi->http10 = true;
	else
		return "unsupported HTTP version";
	const char *q = memchr(r->target, '?', r->target_len);
	r->path = r->target;
	r->path_len = q ? (size_t)(q - r->target) : r->target_len;
	r->query = q ? q + 1 : r->target + r->target_len;
	r->query_len = q ? r->target_len - r->path_len - 1 : 0;

	int content_lengths = 0;
	char *line = eol + 1;
	while (line < end) {
		char *le = memchr(line, '\n', (size_t)(end - line));
		if (!le)
			return "unterminated header";
		size_t len = (size_t)(le - line);
		if (len && line[len - 1] == '\r')
			len--;
		if (!len)
			break; /* the blank line */
		if (line[0] == ' ' || line[0] == '\t')
			return "folded header";
		char *colon = memchr(line, ':', len);
		if (!colon || colon == line)
			return "malformed header";
		size_t nl = (size_t)(colon - line);
		for (size_t i = 0; i < nl; i++)
			if (!is_tchar((unsigned char)line[i]))
				return "bad header name";
		char *v = colon + 1;
		size_t vlen = len - nl - 1;
		for (size_t i = 0; i < vlen; i++) {
			unsigned char ch = (unsigned char)v[i];
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return "control character in header";
		}
		while (vlen && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (name_is(line, nl, "Connection")) {
			hi->conn_close |= has_token(v, vlen, "close");
			hi->conn_keep |= has_token(v, vlen, "keep-alive");
		} else if (name_is(line, nl, "Content-Length")) {
			if (!vlen || vlen > 18 || ++content_lengths > 1)
				return "bad Content-Length";
			long long cl = 0;
			for (size_t i = 0; i < vlen; i++) {
				if (v[i] < '0' || v[i] > '9')
					return "bad Content-Length";
				cl = cl * 10 + (v[i] - '0');
			}
			if (cl > 0)
				hi->has_body = true;
		} else if (name_is(line, nl, "Transfer-Encoding")) {
			hi->has_body = true;
		}
		line = le + 1;
	}
	return NULL;
}

/* ----------------------------------------------------------- the loop */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void log_request(const struct conn *c, const struct http_req *r,
			double t0)
{
	struct sim_config cfg;
	config_get(&cfg);
	if (cfg.quiet)
		return;
	int tl = r ? (int)(r->target_len > 300 ? 300 : r->target_len) : 1;
	fprintf(stderr, "%s %.*s %.*s %d %zu fault=%s %.1fms\n", c->peer,
		r ? (int)r->method_len : 1, r ? r->method : "-", tl,
		r ? r->target : "-", c->status, c->sent,
		fault_kind_name(c->fault), now_ms() - t0);
}

static void handle_one(struct conn *c, char *head, size_t n)
{
	struct head_info hi;
	double t0 = now_ms();
	c->status = 0;
	c->sent = 0;
	c->fault = FK_NONE;
	const char *err = parse_head(head, n, &hi);
	if (err) {
		stats_request();
		c->keep_alive = false;
		http_error(c, 400, err, NULL);
		log_request(c, NULL, t0);
		return;
	}
	const struct http_req *r = &hi.req;
	c->keep_alive = hi.http10 ? hi.conn_keep && !hi.conn_close
				  : !hi.conn_close;
	if (hi.has_body)
		c->keep_alive = false; /* bodies are not read; cannot reuse */
	bool control = r->path_len >= 6 && !memcmp(r->path, "/_sim/", 6);
	if (!control)
		stats_request();
	if (!control) {
		/* A network's round trip: this connection's thread sleeps,
		 * the others go on, so answers in flight overlap. */
		struct sim_config cfg;
		config_get(&cfg);
		if (cfg.latency_ms > 0)
			sim_sleep_ms(cfg.latency_ms);
	}
	if (r->method_len != 3 || memcmp(r->method, "GET", 3))
		http_error(c, 405, "only GET is supported", "Allow: GET\r\n");
	else if (control)
		control_handle(c, r);
	else
		api_handle(c, r);
	log_request(c, r, t0);
}

/* After a "Connection: close" answer: send FIN, then read what the
 * client still sends (briefly) so the kernel does not turn unread input
 * into an RST that could destroy the answer in flight. */
static void lingering_close(struct conn *c)
{
	if (c->status && !c->keep_alive) {
		struct timeval tv = {1, 0};
		char tmp[4096];
		size_t total = 0;
		shutdown(c->fd, SHUT_WR);
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (total < (1u << 20)) {
			ssize_t got = recv(c->fd, tmp, sizeof(tmp), 0);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			total += (size_t)got;
		}
	}
	close(c->fd);
}

void *http_conn_main(void *arg)
{
	struct conn *c = arg;
	char *buf = malloc(SIM_HEAD_MAX);
	size_t len = 0;
	struct timeval tv = {SIM_IDLE_SECS, 0};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->keep_alive = true;
	while (buf && !c->closed) {
		size_t skip = 0;
		while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
			skip++;
		if (skip) {
			memmove(buf, buf + skip, len - skip);
			len -= skip;
		}
		size_t end = head_end(buf, len);
		if (!end) {
			if (len >= SIM_HEAD_MAX) {
				double t0 = now_ms();
				c->status = 0;
				c->sent = 0;
				c->fault = FK_NONE;
				stats_request();
				c->keep_alive = false;
				http_error(c, 431, "request head too large",
					   NULL);
				log_request(c, NULL, t0);
				break;
			}
			ssize_t got = recv(c->fd, buf + len, SIM_HEAD_MAX - len,
					   0);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			len += (size_t)got;
			continue;
		}
		handle_one(c, buf, end);
		memmove(buf, buf + end, len - end);
		len -= end;
		if (!c->keep_alive)
			break;
	}
	lingering_close(c);
	free(buf);
	free(c);
	http_conn_release();
	return NULL;
}
