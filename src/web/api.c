/*
 * api.c - the HTTP API of `skred serve` on libmicrohttpd.
 *
 * GET  /healthz
 * GET  /api/v1/runs[?state=S&limit=N]   runs, newest first
 * GET  /api/v1/runs/{id}                 a run with attempts and checks
 * POST /api/v1/runs[?from=D&to=D]        queue a manual run
 * POST /api/v1/runs/{id}/clear           queue a finished run again
 * POST /api/v1/pause, /api/v1/unpause
 * Request bodies are not used (and refused above 64 KiB); bad parameters
 * get 400 with a JSON {"error": ...}.
 */
#include "web/web_int.h"
#include "model/model.h"
#include "sched/runner.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEB_MAX_BODY (64 * 1024)

const struct sk_cfg_def sk_web_cfg[] = {
	{"http.addr", SK_CFG_STR, "127.0.0.1:8080", 0, 0, 0,
	 "address of the daemon's HTTP API (env SKRED_HTTP_ADDR); empty: off"},
	{"http.token", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE,
	 "token for mutating requests; required when not on loopback"},
	{NULL, 0, NULL, 0, 0, 0, NULL},
};


enum MHD_Result sk_web_reply(struct MHD_Connection *c, unsigned status,
			     const struct sk_buf *b)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		b->len, b->data ? b->data : (void *)"", MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	sk_web_count(status);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result sk_web_reply_error(struct MHD_Connection *c, unsigned status,
				   const char *msg)
{
	struct sk_buf b = {0};
	sk_buf_puts(&b, "{\"error\":");
	sk_model_json_string(&b, msg);
	sk_buf_puts(&b, "}");
	enum MHD_Result rc = sk_web_reply(c, status, &b);
	sk_buf_free(&b);
	return rc;
}

static void run_json(struct sk_buf *b, const struct sk_run *r)
{
	char s[SK_TIME_UTC_LEN] = "", e[SK_TIME_UTC_LEN] = "";
	if (r->start_ms)
		sk_time_format_utc(r->start_ms, s);
	if (r->end_ms)
		sk_time_format_utc(r->end_ms, e);
	sk_buf_printf(b, "{\"id\":%lld,\"job\":", (long long)r->id);
	sk_model_json_string(b, r->job);
	sk_buf_printf(b, ",\"logical_time\":\"%s\",\"window_from\":\"%s\","
			 "\"window_to\":\"%s\",\"regions\":",
		      r->logical_time, r->window_from, r->window_to);
	sk_model_json_string(b, r->regions);
	sk_buf_printf(b, ",\"langs\":\"%s\",\"state\":\"%s\",\"attempts\":%d,"
			 "\"max_attempts\":%d,\"start\":%s%s%s,\"end\":%s%s%s,"
			 "\"duration_ms\":%lld,\"fetched\":%lld,\"stored\":%lld,"
			 "\"dead_lettered\":%lld,\"error\":",
		      r->langs, sk_run_state_name(r->state), r->attempts,
		      r->max_attempts, s[0] ? "\"" : "", s[0] ? s : "null",
		      s[0] ? "\"" : "", e[0] ? "\"" : "", e[0] ? e : "null",
		      e[0] ? "\"" : "",
		      (long long)(r->end_ms > r->start_ms && r->start_ms
					  ? r->end_ms - r->start_ms
					  : 0),
		      (long long)r->fetched, (long long)r->stored,
		      (long long)r->dead);
	sk_model_json_string(b, r->error);
	sk_buf_puts(b, ",\"log_excerpt\":");
	sk_model_json_string(b, r->log_excerpt);
	sk_buf_puts(b, "}");
}

struct list_ctx {
	struct sk_buf *b;
	int n;
};

static int list_one(const struct sk_run *r, void *ud)
{
	struct list_ctx *x = ud;
	if (x->n++)
		sk_buf_puts(x->b, ",");
	run_json(x->b, r);
	return 0;
}

static int attempt_one(const struct sk_attempt *a, void *ud)
{
	struct list_ctx *x = ud;
	if (x->n++)
		sk_buf_puts(x->b, ",");
	sk_buf_printf(x->b, "{\"attempt\":%d,\"state\":\"%s\",\"error\":",
		      a->attempt, a->state);
	sk_model_json_string(x->b, a->error);
	sk_buf_printf(x->b, ",\"fetched\":%lld,\"stored\":%lld}",
		      (long long)a->fetched, (long long)a->stored);
	return 0;
}

static int check_one(const char *name, bool ok, const char *detail, void *ud)
{
	struct list_ctx *x = ud;
	if (x->n++)
		sk_buf_puts(x->b, ",");
	sk_buf_puts(x->b, "{\"name\":");
	sk_model_json_string(x->b, name);
	sk_buf_printf(x->b, ",\"ok\":%s,\"detail\":", ok ? "true" : "false");
	sk_model_json_string(x->b, detail);
	sk_buf_puts(x->b, "}");
	return 0;
}

static bool parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || (*end && *end != '/') || v <= 0)
		return false;
	*id = v;
	return true;
}

static enum MHD_Result route(struct sk_web *w, struct MHD_Connection *c,
			     const char *url, bool post)
{
	struct sk_buf b = {.max = 16u * 1024 * 1024};
	struct sk_error err = {0};
	sk_err_t rc = SK_OK;
	unsigned status = 200;
	if (!strcmp(url, "/healthz") && !post) {
		sk_buf_puts(&b, "{\"status\":\"ok\"}");
		goto send;
	}
	if (post && w->token[0]) {
		const char *auth = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, "Authorization");
		char want[300];
		snprintf(want, sizeof want, "Bearer %s", w->token);
		if (!auth || strcmp(auth, want) != 0)
			return sk_web_reply_error(c, 401, "a valid token is needed "
						   "(Authorization: Bearer)");
	}
	if (!strcmp(url, "/api/v1/runs") && !post) {
		const char *st = MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, "state");
		const char *lim = MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, "limit");
		int state = st ? sk_run_state_parse(st) : -1;
		long limit = lim ? strtol(lim, NULL, 10) : 100;
		if (st && state < 0)
			return sk_web_reply_error(c, 400, "state must be queued, "
						   "running, success, failed, "
						   "up_for_retry or skipped");
		if (limit <= 0 || limit > 10000)
			return sk_web_reply_error(c, 400, "limit must be 1..10000");
		struct list_ctx x = {&b, 0};
		sk_buf_puts(&b, "{\"runs\":[");
		rc = sk_ledger_run_list(w->l, state, NULL, (size_t)limit,
					list_one, &x, &err);
		sk_buf_puts(&b, "]}");
	} else if (!strncmp(url, "/api/v1/runs/", 13)) {
		int64_t id;
		const char *rest = url + 13;
		if (!parse_id(rest, &id))
			return sk_web_reply_error(c, 400, "bad run id");
		const char *tail = strchr(rest, '/');
		if (post && tail && !strcmp(tail, "/clear")) {
			rc = sk_ledger_run_clear(w->l, id, &err);
			if (rc == SK_OK)
				sk_buf_printf(&b, "{\"id\":%lld,\"state\":"
						  "\"queued\"}",
					      (long long)id);
		} else if (!post && !tail) {
			struct sk_run r;
			rc = sk_ledger_run_get(w->l, id, &r, &err);
			if (rc == SK_OK) {
				struct list_ctx x = {&b, 0};
				sk_buf_puts(&b, "{\"run\":");
				run_json(&b, &r);
				sk_buf_puts(&b, ",\"attempts\":[");
				rc = sk_ledger_attempts(w->l, id, attempt_one,
							&x, &err);
				x.n = 0;
				sk_buf_puts(&b, "],\"checks\":[");
				if (rc == SK_OK)
					rc = sk_ledger_checks(w->l, id,
							      check_one, &x,
							      &err);
				sk_buf_puts(&b, "]}");
			}
		} else {
			return sk_web_reply_error(c, 405, "method not allowed");
		}
	} else if (!strcmp(url, "/api/v1/runs") && post) {
		struct sk_run r = {0};
		snprintf(r.job, sizeof r.job, "manual");
		sk_sched_window(w->cfg, sk_clock_now_ms(), &r);
		const char *f = MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, "from");
		const char *t = MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, "to");
		struct sk_date fd, td;
		if ((f && sk_date_parse(f, &fd) != SK_OK) ||
		    (t && sk_date_parse(t, &td) != SK_OK))
			return sk_web_reply_error(c, 400,
					   "from and to must be YYYY-MM-DD");
		if (f)
			sk_date_format(&fd, r.window_from);
		if (t)
			sk_date_format(&td, r.window_to);
		snprintf(r.regions, sizeof r.regions, "%s",
			 sk_config_str(w->cfg, "regions"));
		snprintf(r.langs, sizeof r.langs, "%s",
			 sk_config_str(w->cfg, "lang"));
		r.max_attempts = (int)sk_config_int(w->cfg,
						    "sched.max_attempts");
		bool created;
		rc = sk_ledger_run_add(w->l, &r, &created, &err);
		if (rc == SK_OK) {
			status = created ? 201 : 200;
			run_json(&b, &r);
		}
	} else if ((!strcmp(url, "/api/v1/pause") ||
		    !strcmp(url, "/api/v1/unpause")) && post) {
		bool pause = !strcmp(url, "/api/v1/pause");
		rc = sk_ledger_meta_set(w->l, "paused", pause ? "1" : NULL,
					&err);
		sk_buf_printf(&b, "{\"paused\":%s}", pause ? "true" : "false");
	} else {
		enum MHD_Result handled;
		if (sk_web_data_route(w, c, url, post, &handled))
			return handled;
		return sk_web_reply_error(c, 404, "no such endpoint");
	}
	if (rc != SK_OK) {
		sk_buf_free(&b);
		return sk_web_reply_error(c, rc == SK_ERR_NOTFOUND ? 404
				      : rc == SK_ERR_INVAL ? 409 : 500,
				   err.msg);
	}
send:;
	enum MHD_Result r = sk_web_reply(c, status, &b);
	sk_buf_free(&b);
	return r;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct sk_web *w = cls;
	(void)version;
	(void)upload_data;
	bool post = !strcmp(method, "POST");
	if (!post && strcmp(method, "GET"))
		return sk_web_reply_error(c, 405, "only GET and POST");
	/* Consume (and bound) a request body; it is not used. */
	size_t *seen = *con_cls;
	if (!seen) {
		seen = calloc(1, sizeof *seen);
		if (!seen)
			return MHD_NO;
		*con_cls = seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*seen += *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*seen > WEB_MAX_BODY)
		return sk_web_reply_error(c, 413, "request body too large");
	pthread_mutex_lock(&w->lock);
	enum MHD_Result rc = route(w, c, url, post);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	sk_log(SK_LOG_WARN, "http", "%s", line);
}

sk_err_t sk_web_start(struct sk_web **out, const struct sk_config *cfg,
		      struct sk_error *err)
{
	*out = NULL;
	const char *addr = sk_config_str(cfg, "http.addr");
	if (!addr || !*addr)
		return SK_OK;
	char host[128];
	int port = 0;
	const char *colon = strrchr(addr, ':');
	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host ||
	    (port = atoi(colon + 1)) <= 0 || port > 65535)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "http.addr must be host:port, got '%s'",
				    addr);
	snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "http.addr host must be an IPv4 address, "
				    "got '%s'",
				    host);
	struct sk_web *w = calloc(1, sizeof *w);
	if (!w)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	w->cfg = cfg;
	pthread_mutex_init(&w->lock, NULL);
	w->loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	const char *tok = sk_config_str(cfg, "http.token");
	snprintf(w->token, sizeof w->token, "%s", tok ? tok : "");
	if (!w->loopback && !w->token[0]) {
		free(w);
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "http.addr %s is not loopback: set "
				    "http.token (mutating requests need it)",
				    addr);
	}
	if (sk_sched_ledger_open(cfg, &w->l, err) != SK_OK) {
		free(w);
		return err->code;
	}
	w->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
					MHD_USE_ERROR_LOG,
				(uint16_t)port, NULL, NULL, handler, w,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				MHD_OPTION_CONNECTION_LIMIT, 64u,
				MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_END);
	if (!w->d) {
		sk_ledger_close(w->l);
		free(w);
		return sk_error_set(err, SK_ERR_IO, true,
				    "cannot serve HTTP on %s (address in "
				    "use?)",
				    addr);
	}
	sk_log(SK_LOG_INFO, "http", "serving API on http://%s/api/v1/", addr);
	*out = w;
	return SK_OK;
}

void sk_web_stop(struct sk_web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	sk_ledger_close(w->l);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
