/*
 * request.c - from a method and a raw request target to a typed call:
 * percent-decoding, the query string, routing and every parameter's
 * validation; the checks on Host, Origin/Referer and Content-Length. No
 * I/O and no libmicrohttpd, so the fuzz target
 * (tests/fuzz/fuzz_http_request.c) runs exactly what the server runs.
 */
#include "web/web_int.h"
#include "model/model.h"
#include "sched/ledger.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static unsigned reject(char *msg, size_t size, unsigned status, const char *fmt,
		       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return status;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) in place into dst (dst <= s); '+' is a space in queries.
 * False on a bad or NUL escape. */
static bool decode(char *dst, const char *s, size_t n, bool query)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 ||
			    (l = hexval(s[i + 2])) < 0 || (h | l) == 0)
				return false;
			*dst++ = (char)(h * 16 + l);
			i += 2;
		} else {
			*dst++ = query && s[i] == '+' ? ' ' : s[i];
		}
	}
	*dst = '\0';
	return true;
}

unsigned sk_web_req_parse(struct sk_web_req *r, const char *method,
			  const char *uri, char *msg, size_t size)
{
	memset(r, 0, sizeof *r);
	if (!strcmp(method, "POST"))
		r->post = true;
	else if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reject(msg, size, 405, "only GET and POST");
	r->head = !strcmp(method, "HEAD");
	size_t len = strlen(uri);
	if (len > SK_WEB_MAX_URI)
		return reject(msg, size, 414,
			      "request target longer than %d "
			      "bytes",
			      SK_WEB_MAX_URI);
	if (uri[0] != '/')
		return reject(msg, size, 400,
			      "request target must start "
			      "with /");
	memcpy(r->buf, uri, len + 1);
	char *frag = strchr(r->buf, '#');
	if (frag)
		*frag = '\0';
	char *q = strchr(r->buf, '?');
	if (q)
		*q++ = '\0';
	r->path = r->buf;
	if (!decode(r->buf, r->buf, strlen(r->buf), false))
		return reject(msg, size, 400, "bad percent-escape in the path");
	if (!q)
		return 0;
	for (char *p = q; *p;) {
		char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		char *next = amp ? amp + 1 : p + n;
		if (n) {
			if (r->n_args == SK_WEB_MAX_ARGS)
				return reject(msg, size, 400,
					      "more than %d query "
					      "parameters",
					      SK_WEB_MAX_ARGS);
			char *eq = memchr(p, '=', n);
			size_t kn = eq ? (size_t)(eq - p) : n;
			const char *val = "";
			if (!decode(p, p, kn, true) ||
			    (eq && !decode(eq + 1, eq + 1, n - kn - 1, true)))
				return reject(msg, size, 400,
					      "bad percent-escape "
					      "in the query");
			if (eq)
				val = eq + 1;
			if (!p[0])
				return reject(msg, size, 400,
					      "a query parameter "
					      "without a name");
			if (sk_web_req_arg(r, p))
				return reject(msg, size, 400,
					      "query parameter "
					      "'%.40s' given twice",
					      p);
			r->args[r->n_args].key = p;
			r->args[r->n_args].val = val;
			r->n_args++;
		}
		p = next;
	}
	return 0;
}

const char *sk_web_req_arg(const struct sk_web_req *r, const char *key)
{
	for (size_t i = 0; i < r->n_args; i++)
		if (!strcmp(r->args[i].key, key))
			return r->args[i].val;
	return NULL;
}

/* ------------------------------------------------------------- routing */

struct endpoint {
	const char *path;
	bool post;
	enum sk_web_ep ep;
	const char *params; /* allowed query parameters, space-separated */
};

static const struct endpoint endpoints[] = {
	{"/healthz", false, SK_WEB_EP_HEALTHZ, ""},
	{"/readyz", false, SK_WEB_EP_READYZ, ""},
	{"/metrics", false, SK_WEB_EP_METRICS, ""},
	{"/api/v1/status", false, SK_WEB_EP_STATUS, ""},
	{"/api/v1/runs", false, SK_WEB_EP_RUNS, "state limit tasks"},
	{"/api/v1/runs", true, SK_WEB_EP_RUN_ADD, "from to regions lang"},
	{"/api/v1/pause", true, SK_WEB_EP_PAUSE, ""},
	{"/api/v1/unpause", true, SK_WEB_EP_UNPAUSE, ""},
	{"/api/v1/warnings", false, SK_WEB_EP_WARNINGS,
	 "region lang from to detail"},
	{"/api/v1/regions", false, SK_WEB_EP_REGIONS, ""},
	{"/api/v1/topics", false, SK_WEB_EP_TOPICS, ""},
	{"/api/v1/dlq", false, SK_WEB_EP_DLQ, "offset limit"},
	{"/api/v1/warehouse", false, SK_WEB_EP_WAREHOUSE, ""},
	{"/api/v1/schemas", false, SK_WEB_EP_SCHEMAS, ""},
	{"/api/v1/messages", false, SK_WEB_EP_MESSAGES,
	 "topic partition offset from key limit"},
	{"/api/v1/rates", false, SK_WEB_EP_RATES, ""},
	{"/api/v1/members", false, SK_WEB_EP_MEMBERS, ""},
	{"/api/v1/dlq/replay", true, SK_WEB_EP_REPLAY,
	 "offsets reason dry_run"},
	{"/api/v1/schemas/diff", false, SK_WEB_EP_SCHEMA_DIFF,
	 "subject from to"},
	{"/api/v1/drift", false, SK_WEB_EP_DRIFT, ""},
	{"/api/v1/backfill", true, SK_WEB_EP_BACKFILL,
	 "from to regions lang mode dry_run"},
};

static bool allowed(const char *params, const char *key)
{
	size_t kn = strlen(key);
	for (const char *p = params; *p;) {
		size_t n = strcspn(p, " ");
		if (n == kn && !strncmp(p, key, n))
			return true;
		p += n;
		p += *p == ' ';
	}
	return false;
}

static unsigned check_params(const struct sk_web_req *r, const char *params,
			     char *msg, size_t size)
{
	for (size_t i = 0; i < r->n_args; i++)
		if (!allowed(params, r->args[i].key))
			return reject(msg, size, 400,
				      "unknown query parameter '%.40s'%s%s",
				      r->args[i].key,
				      params[0] ? "; this endpoint takes: "
						: "",
				      params);
	return 0;
}

static bool parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	if (!s[0] || s[0] == ' ' || s[0] == '+')
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* messages: topic required; partition >= 0; offset >= 0 or from (a UTC
 * time "YYYY-MM-DDTHH:MM:SS[.sss]Z", or ms since the epoch), not both. */
static unsigned message_params(const struct sk_web_req *r,
			       struct sk_web_call *c, char *msg, size_t size)
{
	const char *p = sk_web_req_arg(r, "partition");
	const char *o = sk_web_req_arg(r, "offset");
	const char *f = sk_web_req_arg(r, "from");
	const char *l = sk_web_req_arg(r, "limit");
	long long v;
	c->topic = sk_web_req_arg(r, "topic");
	c->key = sk_web_req_arg(r, "key");
	c->partition = -1;
	c->limit = 50;
	if (!c->topic || !c->topic[0])
		return reject(msg, size, 400,
			      "topic is required (raw, clean or dlq)");
	if (p) {
		if (!parse_int(p, 0, 100000, &v))
			return reject(msg, size, 400,
				      "partition must be 0..100000");
		c->partition = (int)v;
	}
	if (o && f)
		return reject(msg, size, 400, "give offset or from, not both");
	if (o && !parse_int(o, 0, INT64_MAX, &c->offset))
		return reject(msg, size, 400, "offset must be >= 0");
	if (f && !sk_time_parse_utc(f, &c->from_ms)) {
		if (!parse_int(f, 1, INT64_MAX, &v))
			return reject(msg, size, 400,
				      "from must be a UTC time "
				      "(YYYY-MM-DDTHH:MM:SS.sssZ) or ms since "
				      "the epoch");
		c->from_ms = v;
	}
	if (l && !parse_int(l, 1, SK_WEB_MAX_MESSAGES, &c->limit))
		return reject(msg, size, 400, "limit must be 1..%d",
			      SK_WEB_MAX_MESSAGES);
	if (c->key && strlen(c->key) > SK_LIMIT_KEY)
		return reject(msg, size, 400, "key is too long");
	return 0;
}

/* replay: offsets (a comma-separated list of "O" or "P:O") or reason. */
static unsigned replay_params(const struct sk_web_req *r, struct sk_web_call *c,
			      char *msg, size_t size)
{
	const char *d = sk_web_req_arg(r, "dry_run");
	c->offsets = sk_web_req_arg(r, "offsets");
	c->reason = sk_web_req_arg(r, "reason");
	if (!c->offsets == !c->reason)
		return reject(msg, size, 400,
			      "give offsets (N,N,...) or reason, one of them");
	if (c->offsets) {
		const char *s = c->offsets;
		if (!*s)
			return reject(msg, size, 400, "offsets is empty");
		/* Items of digits, each with at most one ':' inside. */
		bool colon = false, ok = true;
		for (const char *q = s; *q && ok; q++) {
			if (*q >= '0' && *q <= '9')
				continue;
			bool edge = q == s || q[-1] == ',' || q[-1] == ':' ||
				    !q[1];
			if (*q == ',' && !edge)
				colon = false;
			else if (*q == ':' && !edge && !colon)
				colon = true;
			else
				ok = false;
		}
		if (!ok)
			return reject(msg, size, 400,
				      "offsets must be offsets or "
				      "partition:offset, separated by commas");
	}
	if (d && strcmp(d, "1") && strcmp(d, "0") && strcmp(d, "true") &&
	    strcmp(d, "false"))
		return reject(msg, size, 400, "dry_run must be 1 or 0");
	c->dry_run = d && (!strcmp(d, "1") || !strcmp(d, "true"));
	return 0;
}

static unsigned run_params(const struct sk_web_req *r, struct sk_web_call *c,
			   char *msg, size_t size)
{
	const char *st = sk_web_req_arg(r, "state");
	const char *lim = sk_web_req_arg(r, "limit");
	c->state = -1;
	c->limit = 100;
	if (st && (c->state = sk_run_state_parse(st)) < 0)
		return reject(msg, size, 400,
			      "state must be queued, running, "
			      "success, failed, up_for_retry or skipped");
	if (lim && !parse_int(lim, 1, 10000, &c->limit))
		return reject(msg, size, 400, "limit must be 1..10000");
	const char *tasks = sk_web_req_arg(r, "tasks");
	if (tasks && strcmp(tasks, "0") && strcmp(tasks, "1"))
		return reject(msg, size, 400, "tasks must be 0 or 1");
	c->detail = tasks && !strcmp(tasks, "1");
	return 0;
}

static unsigned date_params(const struct sk_web_req *r, struct sk_date today,
			    struct sk_web_call *c, char *msg, size_t size)
{
	const char *from = sk_web_req_arg(r, "from");
	const char *to = sk_web_req_arg(r, "to");
	c->from = c->to = today;
	if ((from && sk_date_parse(from, &c->from) != SK_OK) ||
	    (to && sk_date_parse(to, &c->to) != SK_OK))
		return reject(msg, size, 400, "from and to must be YYYY-MM-DD");
	if (from && !to)
		c->to = c->from;
	c->has_from = from != NULL;
	c->has_to = to != NULL;
	if (sk_date_cmp(&c->from, &c->to) > 0 ||
	    sk_date_diff(&c->from, &c->to) >= SK_WEB_MAX_RANGE_DAYS)
		return reject(msg, size, 400,
			      "from must not be after to, and "
			      "the range at most %d days",
			      SK_WEB_MAX_RANGE_DAYS);
	return 0;
}

static unsigned warning_params(const struct sk_web_req *r, struct sk_date today,
			       struct sk_web_call *c, char *msg, size_t size)
{
	struct sk_error err = {0};
	const char *reg = sk_web_req_arg(r, "region");
	const char *lang = sk_web_req_arg(r, "lang");
	const char *detail = sk_web_req_arg(r, "detail");
	c->n_langs = 2;
	c->langs[0] = 1;
	c->langs[1] = 2;
	if (reg && sk_model_regions_select(reg, &c->region_ids, &c->n_regions,
					   &err) != SK_OK)
		return reject(msg, size, 400, "%s", err.msg);
	if (lang &&
	    sk_model_langs_select(lang, c->langs, &c->n_langs, &err) != SK_OK)
		return reject(msg, size, 400, "%s", err.msg);
	if (detail && strcmp(detail, "0") && strcmp(detail, "1"))
		return reject(msg, size, 400, "detail must be 0 or 1");
	c->detail = detail && !strcmp(detail, "1");
	return date_params(r, today, c, msg, size);
}

/* A manual run: its window, and optionally its regions and languages
 * (as --regions and --lang; the configured ones otherwise). */
static unsigned run_add_params(const struct sk_web_req *r, struct sk_date today,
			       struct sk_web_call *c, char *msg, size_t size)
{
	struct sk_error err = {0};
	int *ids = NULL;
	size_t n = 0;
	c->regions = sk_web_req_arg(r, "regions");
	c->lang = sk_web_req_arg(r, "lang");
	if (c->regions) {
		if (strlen(c->regions) >= SK_WEB_MAX_RUN_REGIONS)
			return reject(msg, size, 400,
				      "regions: at most %d "
				      "characters",
				      SK_WEB_MAX_RUN_REGIONS - 1);
		if (sk_model_regions_select(c->regions, &ids, &n, &err) !=
		    SK_OK)
			return reject(msg, size, 400, "%s", err.msg);
		free(ids);
	}
	if (c->lang && sk_model_langs_select(c->lang, c->langs, &c->n_langs,
					     &err) != SK_OK)
		return reject(msg, size, 400, "%s", err.msg);
	return date_params(r, today, c, msg, size);
}

/* A backfill: a manual run's parameters (from and to required), its mode
 * (missing, the default; failed; all) and dry_run (0 or 1). */
static unsigned backfill_params(const struct sk_web_req *r,
				struct sk_date today, struct sk_web_call *c,
				char *msg, size_t size)
{
	static const char *const modes[] = {"missing", "failed", "all"};
	const char *mode = sk_web_req_arg(r, "mode");
	const char *dry = sk_web_req_arg(r, "dry_run");
	if (!sk_web_req_arg(r, "from") || !sk_web_req_arg(r, "to"))
		return reject(msg, size, 400, "from and to are required");
	c->mode = -1;
	for (int i = 0; i < 3; i++)
		if (!mode || !strcmp(mode, modes[i]))
			c->mode = mode ? i : SK_BACKFILL_MISSING;
	if (c->mode < 0)
		return reject(msg, size, 400,
			      "mode must be missing, failed or all");
	if (dry && strcmp(dry, "0") && strcmp(dry, "1"))
		return reject(msg, size, 400, "dry_run must be 0 or 1");
	c->dry_run = dry && !strcmp(dry, "1");
	return run_add_params(r, today, c, msg, size);
}

static unsigned run_path(const struct sk_web_req *r, struct sk_web_call *c,
			 char *msg, size_t size)
{
	const char *rest = r->path + strlen("/api/v1/runs/");
	const char *slash = strchr(rest, '/');
	char id[24];
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= sizeof id)
		return reject(msg, size, 400, "bad run id");
	memcpy(id, rest, n);
	id[n] = '\0';
	long long v;
	if (!parse_int(id, 1, INT64_MAX, &v))
		return reject(msg, size, 400, "bad run id");
	c->run_id = v;
	if (!slash && !r->post)
		c->ep = SK_WEB_EP_RUN_GET;
	else if (slash && !strcmp(slash, "/clear") && r->post)
		c->ep = SK_WEB_EP_RUN_CLEAR;
	else if ((!slash && r->post) || (slash && !strcmp(slash, "/clear")))
		return reject(msg, size, 405, "method not allowed");
	else
		return reject(msg, size, 404, "no such endpoint");
	c->mutating = r->post;
	return check_params(r, "", msg, size);
}

unsigned sk_web_route(const struct sk_web_req *r, struct sk_date today,
		      struct sk_web_call *c, char *msg, size_t size)
{
	memset(c, 0, sizeof *c);
	c->state = -1;
	if (!strncmp(r->path, "/api/v1/runs/", 13))
		return run_path(r, c, msg, size);
	bool path_known = false;
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
		const struct endpoint *e = &endpoints[i];
		if (strcmp(r->path, e->path))
			continue;
		path_known = true;
		if (e->post != r->post)
			continue;
		c->ep = e->ep;
		c->mutating = e->post;
		unsigned status = check_params(r, e->params, msg, size);
		if (status)
			return status;
		switch (e->ep) {
		case SK_WEB_EP_RUNS:
			return run_params(r, c, msg, size);
		case SK_WEB_EP_RUN_ADD:
			return run_add_params(r, today, c, msg, size);
		case SK_WEB_EP_WARNINGS:
			return warning_params(r, today, c, msg, size);
		case SK_WEB_EP_MESSAGES:
			return message_params(r, c, msg, size);
		case SK_WEB_EP_REPLAY:
			return replay_params(r, c, msg, size);
		case SK_WEB_EP_BACKFILL:
			return backfill_params(r, today, c, msg, size);
		case SK_WEB_EP_DLQ: {
			const char *o = sk_web_req_arg(r, "offset");
			const char *l = sk_web_req_arg(r, "limit");
			c->offset = 0;
			c->limit = 100;
			if (o && !parse_int(o, 0, INT64_MAX, &c->offset))
				return reject(msg, size, 400,
					      "offset must be >= 0");
			if (l && !parse_int(l, 1, SK_WEB_MAX_DLQ, &c->limit))
				return reject(msg, size, 400,
					      "limit must be 1..%d",
					      SK_WEB_MAX_DLQ);
			return 0;
		}
		case SK_WEB_EP_SCHEMA_DIFF: {
			const char *sj = sk_web_req_arg(r, "subject");
			const char *f = sk_web_req_arg(r, "from");
			const char *t = sk_web_req_arg(r, "to");
			long long a = 0, b = 0;
			if (!sj || !sj[0] || strlen(sj) > 250)
				return reject(msg, size, 400,
					      "subject is required (1..250 "
					      "bytes)");
			if (!f || !t || !parse_int(f, 1, 1000000, &a) ||
			    !parse_int(t, 1, 1000000, &b))
				return reject(msg, size, 400,
					      "from and to must be versions "
					      "1..1000000");
			c->subject = sj;
			c->v_from = (int)a;
			c->v_to = (int)b;
			return 0;
		}
		default:
			return 0;
		}
	}
	if (path_known)
		return reject(msg, size, 405, "method not allowed");
	if (!r->post) {
		const struct sk_web_asset *a = sk_web_asset_find(r->path);
		if (a) {
			c->ep = SK_WEB_EP_ASSET;
			c->asset = a;
			return 0;
		}
	}
	return reject(msg, size, 404, "no such endpoint");
}

void sk_web_call_clear(struct sk_web_call *c)
{
	free(c->region_ids);
	c->region_ids = NULL;
	c->n_regions = 0;
}

const struct sk_web_asset *sk_web_asset_find(const char *path)
{
	for (size_t i = 0; i < sk_web_n_assets; i++)
		if (!strcmp(sk_web_assets[i].path, path))
			return &sk_web_assets[i];
	return NULL;
}

/* ------------------------------------------- Host, Origin, Content-Length
 * DNS rebinding gives a page of another site the daemon's address under
 * that site's name: the browser still sends that name as Host. A
 * cross-site form or fetch POST carries the other site's Origin (browsers
 * send Origin on every POST; "null" from sandboxes and opaque origins).
 * So every request's Host, and a POST's Origin (or, without one, its
 * Referer), must name the daemon. A POST with neither header is not from a
 * browser's cross-site request (curl and other CLI clients send neither)
 * and is allowed; the token, when set, still applies. */

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Parse an authority "host[:port]" (s[0..n)) into a lower-case name
 * (IPv6 literal with its brackets) and a port (0 = none given). No
 * userinfo, no empty host, no empty port. */
static bool authority(const char *s, size_t n, char name[SK_WEB_MAX_HOST + 1],
		      unsigned *port)
{
	size_t h = 0;
	*port = 0;
	if (!n)
		return false;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close == s + 1)
			return false;
		h = (size_t)(close - s) + 1;
		for (size_t i = 1; i + 1 < h; i++)
			if (hexval(s[i]) < 0 && s[i] != ':' && s[i] != '.')
				return false;
	} else {
		while (h < n && s[h] != ':') {
			char c = s[h];
			if (!((c >= 'a' && c <= 'z') ||
			      (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			      c == '_'))
				return false;
			h++;
		}
		if (!h)
			return false;
	}
	if (h > SK_WEB_MAX_HOST)
		return false;
	for (size_t i = 0; i < h; i++)
		name[i] = lower(s[i]);
	name[h] = '\0';
	if (h == n)
		return true;
	if (s[h] != ':' || h + 1 == n || n - h - 1 > 5)
		return false;
	unsigned p = 0;
	for (size_t i = h + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		p = p * 10 + (unsigned)(s[i] - '0');
	}
	if (p < 1 || p > 65535)
		return false;
	*port = p;
	return true;
}

static sk_err_t hosts_add(struct sk_web_hosts *hs, const char *s, size_t n,
			  struct sk_error *err)
{
	size_t max = sizeof hs->h / sizeof hs->h[0];
	if (hs->n == max)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "http.allowed_hosts: at most %d entries",
				    SK_WEB_MAX_HOSTS);
	struct sk_web_host *e = &hs->h[hs->n];
	if (!authority(s, n, e->name, &e->port))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "http.allowed_hosts: '%.*s' is not a host "
				    "or host:port",
				    (int)(n > 80 ? 80 : n), s);
	hs->n++;
	return SK_OK;
}

sk_err_t sk_web_hosts_init(struct sk_web_hosts *hs, const char *bind_host,
			   unsigned port, const char *allowed,
			   struct sk_error *err)
{
	static const char *const loopback[] = {"127.0.0.1", "localhost",
					       "[::1]"};
	memset(hs, 0, sizeof *hs);
	hs->port = port;
	for (size_t i = 0; i < 3; i++) {
		snprintf(hs->h[hs->n].name, sizeof hs->h[0].name, "%s",
			 loopback[i]);
		hs->h[hs->n++].port = port;
	}
	if (bind_host && *bind_host && strcmp(bind_host, "0.0.0.0") &&
	    strcmp(bind_host, "127.0.0.1")) {
		char a[SK_WEB_MAX_HOST + 8];
		int n = snprintf(a, sizeof a, "%s:%u", bind_host, port);
		if (n < 0 || (size_t)n >= sizeof a ||
		    hosts_add(hs, a, (size_t)n, err) != SK_OK)
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "http.addr: bad host '%.80s'",
					    bind_host);
	}
	for (const char *p = allowed ? allowed : ""; *p;) {
		size_t n = strcspn(p, ", ");
		if (n && hosts_add(hs, p, n, err) != SK_OK)
			return err->code;
		p += n;
		p += strspn(p, ", ");
	}
	return SK_OK;
}

/* Does name:port (port 0: none given, meaning defport) name the daemon?
 * An allowed entry without a port takes no port or the bound one. */
static bool host_ok(const struct sk_web_hosts *hs, const char *name,
		    unsigned port, unsigned defport)
{
	for (size_t i = 0; i < hs->n; i++) {
		const struct sk_web_host *e = &hs->h[i];
		if (strcmp(e->name, name))
			continue;
		if (e->port ? (port ? port : defport) == e->port
			    : !port || port == hs->port)
			return true;
	}
	return false;
}

/* "http[s]://authority" followed by the end, or for a Referer by a path,
 * query or fragment. */
static bool origin_ok(const struct sk_web_hosts *hs, const char *v,
		      bool referer)
{
	unsigned defport, port;
	char name[SK_WEB_MAX_HOST + 1];
	if (!strncasecmp(v, "http://", 7)) {
		defport = 80;
		v += 7;
	} else if (!strncasecmp(v, "https://", 8)) {
		defport = 443;
		v += 8;
	} else {
		return false;
	}
	size_t n = referer ? strcspn(v, "/?#") : strlen(v);
	return authority(v, n, name, &port) && host_ok(hs, name, port, defport);
}

unsigned sk_web_req_check(const struct sk_web_hosts *hs, bool post,
			  const char *host, const char *origin,
			  const char *referer, char *msg, size_t size)
{
	unsigned port;
	char name[SK_WEB_MAX_HOST + 1];
	if (!host || !host[0])
		return reject(msg, size, 421, "a Host header is required");
	if (!authority(host, strlen(host), name, &port) ||
	    !host_ok(hs, name, port, 80))
		return reject(msg, size, 421,
			      "Host '%.80s' is not this "
			      "daemon's address (see http.allowed_hosts)",
			      host);
	if (!post)
		return 0;
	if (origin && !origin_ok(hs, origin, false))
		return reject(msg, size, 403,
			      "cross-site request refused: "
			      "Origin '%.80s' is not this daemon's address "
			      "(see http.allowed_hosts)",
			      origin);
	if (!origin && referer && !origin_ok(hs, referer, true))
		return reject(msg, size, 403,
			      "cross-site request refused: "
			      "Referer '%.80s' is not this daemon's page "
			      "(see http.allowed_hosts)",
			      referer);
	return 0;
}

unsigned sk_web_req_body(const char *content_length, char *msg, size_t size)
{
	if (!content_length)
		return 0;
	unsigned long long v = 0;
	const char *p = content_length;
	if (!*p)
		return reject(msg, size, 400, "bad Content-Length");
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return reject(msg, size, 400, "bad Content-Length");
		if (v <= SK_WEB_MAX_BODY)
			v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > SK_WEB_MAX_BODY)
		return reject(msg, size, 413,
			      "request body larger than %d "
			      "bytes",
			      SK_WEB_MAX_BODY);
	return 0;
}
