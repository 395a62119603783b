/*
 * api.c - the HTTP server of `skred serve` on libmicrohttpd (a pool of
 * SK_WEB_THREADS threads): requests are parsed and routed by request.c,
 * then answered here (health, the UI's compiled-in files, and the
 * endpoints on the run ledger) or by data.c.
 *
 * GET  /healthz, /, /ui/<file>
 * GET  /api/v1/status                    clock, today, pause, schedules
 * GET  /api/v1/runs[?state=S&limit=N]    runs, newest first
 * GET  /api/v1/runs/{id}                 a run with attempts, tasks, checks
 * POST /api/v1/runs[?from=D&to=D&regions=R&lang=L]  queue a manual run
 * POST /api/v1/runs/{id}/clear           queue a finished run again
 * POST /api/v1/pause, /api/v1/unpause
 * POST /api/v1/backfill?from=D&to=D[&regions=R&lang=L&mode=M&dry_run=1]
 *                                        queue (or list) a backfill's runs
 * Request bodies are not used (and refused above SK_WEB_MAX_BODY, from
 * Content-Length before any of it is read); bad parameters get 400 with a
 * JSON {"error": ...}; a foreign Host 421, a cross-site POST 403.
 *
 * Slow clients: epoll with a high connection limit (http.max_connections,
 * http.max_connections_per_ip), and a deadline per request
 * (http.header_timeout_ms) enforced by a reaper thread, so a few hundred
 * connections trickling bytes cost a file descriptor each and starve
 * nothing.
 */
#include "web/web_int.h"
#include "model/model.h"
#include "sched/runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

const struct sk_cfg_def sk_web_cfg[] = {
	{"http.addr", SK_CFG_STR, "127.0.0.1:8080", 0, 0, SK_CFG_RESTART,
	 "address of the daemon's HTTP API (env SKRED_HTTP_ADDR); empty: off",
	 offsetof(struct sk_web_conf, addr), NULL},
	{"http.token", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE,
	 "token for mutating requests; required when not on loopback",
	 offsetof(struct sk_web_conf, token), NULL},
	{"http.allowed_hosts", SK_CFG_STR, "", 0, 0, 0,
	 "names clients use for the daemon besides its address and "
	 "127.0.0.1/localhost/[::1] (host or host:port, comma-separated; "
	 "e.g. a reverse proxy's): any other Host is 421, a POST from any "
	 "other Origin 403",
	 offsetof(struct sk_web_conf, allowed_hosts), NULL},
	{"http.max_connections", SK_CFG_INT, "1024", 16, 65536, SK_CFG_RESTART,
	 "open HTTP connections at most (the file limit is raised to fit)",
	 offsetof(struct sk_web_conf, max_connections), NULL},
	{"http.max_connections_per_ip", SK_CFG_INT, "512", 1, 65536,
	 SK_CFG_RESTART, "open HTTP connections per client address at most",
	 offsetof(struct sk_web_conf, max_connections_per_ip), NULL},
	{"http.header_timeout_ms", SK_CFG_INT, "10000", 100, 3600000, 0,
	 "a request's headers and body must arrive within this of the "
	 "connection's start or the previous answer (else it is closed)",
	 offsetof(struct sk_web_conf, header_timeout_ms), NULL},
	SK_CFG_END(struct sk_web_conf),
};

const struct sk_web_conf *sk_web_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_web_cfg);
}

enum MHD_Result sk_web_reply(struct MHD_Connection *c, unsigned status,
			     const struct sk_buf *b)
{
	/* A reply whose building failed (too large, out of memory) is not
	 * sent cut short: a 500 with the cause instead. */
	static const char too_large[] = "{\"error\":\"reply too large\"}";
	static const char no_mem[] = "{\"error\":\"out of memory\"}";
	sk_err_t fail = sk_buf_finish(b);
	const char *text = fail == SK_ERR_LIMIT ? too_large
			   : fail != SK_OK      ? no_mem
			   : b->data            ? b->data
						: "";
	if (fail != SK_OK)
		status = 500;
	struct MHD_Response *r = MHD_create_response_from_buffer(
		fail != SK_OK ? strlen(text) : b->len, (void *)text,
		MHD_RESPMEM_MUST_COPY);
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
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_buf_puts(&b, "{\"error\":");
	sk_model_json_string(&b, msg);
	sk_buf_puts(&b, "}");
	enum MHD_Result rc = sk_web_reply(c, status, &b);
	sk_buf_free(&b);
	return rc;
}

/* A run's JSON object without its closing brace (run_json closes it). */
static void run_fields(struct sk_buf *b, const struct sk_run *r)
{
	char s[SK_TIME_UTC_LEN] = "", e[SK_TIME_UTC_LEN] = "";
	if (r->start_ms)
		sk_time_format_utc(r->start_ms, s);
	if (r->end_ms)
		sk_time_format_utc(r->end_ms, e);
	sk_buf_printf(b, "{\"id\":%lld,\"job\":", (long long)r->id);
	sk_model_json_string(b, r->job);
	sk_buf_printf(b,
		      ",\"logical_time\":\"%s\",\"window_from\":\"%s\","
		      "\"window_to\":\"%s\",\"regions\":",
		      r->logical_time, r->window_from, r->window_to);
	sk_model_json_string(b, r->regions);
	sk_buf_printf(b,
		      ",\"langs\":\"%s\",\"state\":\"%s\",\"attempts\":%d,"
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
	sk_buf_puts(b, ",\"owner\":");
	sk_model_json_string(b, r->owner);
	char lease[SK_TIME_UTC_LEN] = "";
	if (r->lease_until_ms && r->state == SK_RUN_RUNNING)
		sk_time_format_utc(r->lease_until_ms, lease);
	sk_buf_printf(b, ",\"lease_until\":%s%s%s", lease[0] ? "\"" : "",
		      lease[0] ? lease : "null", lease[0] ? "\"" : "");
	sk_buf_puts(b, ",\"origin\":");
	sk_model_json_string(b, r->origin[0] ? r->origin : "api");
}

static void run_json(struct sk_buf *b, const struct sk_run *r)
{
	run_fields(b, r);
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
	sk_buf_printf(x->b,
		      "{\"attempt\":%d,\"state\":\"%s\",\"error\":", a->attempt,
		      a->state);
	sk_model_json_string(x->b, a->error);
	sk_buf_printf(x->b, ",\"fetched\":%lld,\"stored\":%lld,\"owner\":",
		      (long long)a->fetched, (long long)a->stored);
	sk_model_json_string(x->b, a->owner);
	sk_buf_puts(x->b, "}");
	return 0;
}

/* A process that beats in the ledger (daemon, backfill). */
static int daemon_one(const struct sk_ledger_daemon *d, void *ud)
{
	struct list_ctx *x = ud;
	char started[SK_TIME_UTC_LEN], beat[SK_TIME_UTC_LEN];
	sk_time_format_utc(d->started_ms, started);
	sk_time_format_utc(d->last_beat_ms, beat);
	sk_buf_puts(x->b, x->n++ ? ",{\"owner\":" : "{\"owner\":");
	sk_model_json_string(x->b, d->owner);
	sk_buf_puts(x->b, ",\"host\":");
	sk_model_json_string(x->b, d->host);
	sk_buf_printf(x->b, ",\"pid\":%lld,\"role\":", (long long)d->pid);
	sk_model_json_string(x->b, d->role);
	sk_buf_puts(x->b, ",\"version\":");
	sk_model_json_string(x->b, d->version);
	sk_buf_printf(x->b,
		      ",\"started\":\"%s\",\"last_beat\":\"%s\","
		      "\"lease_ms\":%lld,\"alive\":%s}",
		      started, beat, (long long)d->lease_ms,
		      d->alive ? "true" : "false");
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

/* The timed tail of a task or a chunk: ,"start","end","duration_ms",
 * "count","error"} (a time 0 is null). */
static void span_json(struct sk_buf *b, int64_t start_ms, int64_t end_ms,
		      int64_t count, const char *error)
{
	char s[SK_TIME_UTC_LEN] = "", e[SK_TIME_UTC_LEN] = "";
	if (start_ms)
		sk_time_format_utc(start_ms, s);
	if (end_ms)
		sk_time_format_utc(end_ms, e);
	sk_buf_printf(b,
		      ",\"start\":%s%s%s,\"end\":%s%s%s,"
		      "\"duration_ms\":%lld,\"count\":%lld,\"error\":",
		      s[0] ? "\"" : "", s[0] ? s : "null", s[0] ? "\"" : "",
		      e[0] ? "\"" : "", e[0] ? e : "null", e[0] ? "\"" : "",
		      (long long)(end_ms > start_ms ? end_ms - start_ms : 0),
		      (long long)count);
	sk_model_json_string(b, error);
	sk_buf_puts(b, "}");
}

static int task_one(const struct sk_task *t, void *ud)
{
	struct list_ctx *x = ud;
	if (x->n++)
		sk_buf_puts(x->b, ",");
	sk_buf_printf(x->b, "{\"attempt\":%d,\"task\":", t->attempt);
	sk_model_json_string(x->b, t->name);
	sk_buf_puts(x->b, ",\"state\":");
	sk_model_json_string(x->b, t->state);
	span_json(x->b, t->start_ms, t->end_ms, t->count, t->error);
	return 0;
}

/* A fetch chunk of an attempt, for the run's Gantt. */
static int chunk_one(const struct sk_chunk *k, void *ud)
{
	struct list_ctx *x = ud;
	sk_buf_printf(x->b,
		      "%s{\"attempt\":%d,\"region\":%d,\"lang\":\"%s\","
		      "\"from\":\"%s\",\"to\":\"%s\",\"state\":",
		      x->n++ ? "," : "", k->attempt, k->region,
		      k->lang == 1 ? "nb" : "en", k->from, k->to);
	sk_model_json_string(x->b, k->state);
	span_json(x->b, k->start_ms, k->end_ms, k->count, k->error);
	return 0;
}

static sk_err_t run_one(struct sk_web *w, int64_t id, struct sk_buf *b,
			struct sk_error *err)
{
	struct sk_run r;
	struct list_ctx x = {b, 0};
	if (sk_ledger_run_get(w->l, id, &r, err) != SK_OK)
		return err->code;
	sk_buf_puts(b, "{\"run\":");
	run_json(b, &r);
	sk_buf_puts(b, ",\"attempts\":[");
	sk_err_t rc = sk_ledger_attempts(w->l, id, attempt_one, &x, err);
	x.n = 0;
	sk_buf_puts(b, "],\"tasks\":[");
	if (rc == SK_OK)
		rc = sk_ledger_tasks(w->l, id, task_one, &x, err);
	x.n = 0;
	sk_buf_puts(b, "],\"checks\":[");
	if (rc == SK_OK)
		rc = sk_ledger_checks(w->l, id, check_one, &x, err);
	x.n = 0;
	sk_buf_puts(b, "],\"chunks\":[");
	if (rc == SK_OK)
		rc = sk_ledger_chunks(w->l, id, chunk_one, &x, err);
	sk_buf_puts(b, "]}");
	return rc;
}

/* Where a POST came from: the UI's page sends its Origin (checked to be
 * the daemon's own by sk_web_req_check), other clients none. */
static const char *call_origin(const struct sk_web_call *call)
{
	return call->browser ? "ui" : "api";
}

static sk_err_t run_add(struct sk_web *w, const struct sk_web_call *call,
			struct sk_buf *b, unsigned *status,
			struct sk_error *err)
{
	struct sk_run r = {0};
	snprintf(r.job, sizeof r.job, "manual");
	sk_sched_window(w->env.cfg, sk_clock_now_ms(), &r);
	if (call->has_from)
		sk_date_format(&call->from, r.window_from);
	if (call->has_to)
		sk_date_format(&call->to, r.window_to);
	snprintf(r.regions, sizeof r.regions, "%s",
		 call->regions ? call->regions : w->env.job->regions);
	snprintf(r.langs, sizeof r.langs, "%s",
		 !call->lang           ? w->env.job->lang
		 : call->n_langs == 2  ? "both"
		 : call->langs[0] == 1 ? "nb"
				       : "en");
	r.max_attempts = w->env.max_attempts;
	snprintf(r.origin, sizeof r.origin, "%s", call_origin(call));
	bool created;
	if (sk_ledger_run_add(w->l, &r, &created, err) != SK_OK)
		return err->code;
	*status = created ? 201 : 200;
	run_json(b, &r);
	return SK_OK;
}

struct sched_ctx {
	struct sk_buf *b;
	int n;
};

static int schedule_one(const char *job, const char *cron, int64_t next_ms,
			void *ud)
{
	struct sched_ctx *x = ud;
	char next[SK_TIME_UTC_LEN] = "";
	if (next_ms >= 0)
		sk_time_format_utc(next_ms, next);
	sk_buf_puts(x->b, x->n++ ? ",{\"job\":" : "{\"job\":");
	sk_model_json_string(x->b, job);
	sk_buf_puts(x->b, ",\"cron\":");
	sk_model_json_string(x->b, cron);
	sk_buf_printf(x->b, ",\"next\":%s%s%s}", next[0] ? "\"" : "",
		      next[0] ? next : "null", next[0] ? "\"" : "");
	return 0;
}

/* What the UI needs to know first: the daemon's clock (it may be a fake
 * one), today in Europe/Oslo, pause state, backends, the keys a reload
 * could not apply, and the schedules (of the last reload). */
static sk_err_t status(struct sk_web *w, struct sk_buf *b, struct sk_error *err)
{
	int64_t now = sk_clock_now_ms();
	char now_s[SK_TIME_UTC_LEN], today_s[11], tomorrow_s[11], paused[8];
	bool found;
	struct sk_date today = sk_oslo_date_at(now);
	struct sk_date tomorrow = sk_date_add_days(today, 1);
	sk_time_format_utc(now, now_s);
	sk_date_format(&today, today_s);
	sk_date_format(&tomorrow, tomorrow_s);
	if (sk_ledger_meta_get(w->l, "paused", paused, sizeof paused, &found,
			       err) != SK_OK)
		return err->code;
	sk_buf_printf(b,
		      "{\"version\":\"%s\",\"now\":\"%s\",\"today\":\"%s\","
		      "\"tomorrow\":\"%s\",\"timezone\":",
		      SKRED_VERSION, now_s, today_s, tomorrow_s);
	sk_model_json_string(b, w->env.timezone);
	sk_buf_printf(b, ",\"paused\":%s,\"bus\":", found ? "true" : "false");
	sk_model_json_string(b, w->env.bus_backend);
	sk_buf_puts(b, ",\"store\":");
	sk_model_json_string(b, w->env.store_backend);
	/* The configured languages (nb, en, both): the UI's default. */
	sk_buf_puts(b, ",\"lang\":");
	sk_model_json_string(b, w->env.job->lang);
	sk_buf_puts(b, ",\"restart_required\":[");
	for (size_t i = 0; i < w->n_restart; i++) {
		if (i)
			sk_buf_puts(b, ",");
		sk_model_json_string(b, w->restart[i]);
	}
	sk_buf_puts(b, "],\"schedules\":[");
	struct sched_ctx x = {b, 0};
	sk_err_t rc = sk_sched_schedules(w->env.cfg, now, schedule_one, &x,
					 err);
	/* The processes that execute runs on this ledger, live ones and
	 * those whose lease ran out (crashed, or not yet forgotten). */
	sk_buf_puts(b, "],\"ledger\":");
	sk_model_json_string(b, sk_ledger_backend(w->l));
	sk_buf_puts(b, ",\"daemons\":[");
	struct list_ctx dx = {b, 0};
	if (rc == SK_OK)
		rc = sk_ledger_daemons(w->l, sk_now_ms(), daemon_one, &dx, err);
	sk_buf_puts(b, "]}");
	return rc;
}

sk_err_t sk_web_ledger(struct sk_web *w, struct sk_error *err)
{
	return w->l ? SK_OK : sk_sched_ledger_open(w->env.cfg, &w->l, err);
}

/* GET /api/v1/runs?tasks=1 (the UI's grid): each run as in the list with
 * "tasks", those of its current attempt (fetch, process, checks). The runs
 * are read first, then their tasks (one ledger statement at a time). */
struct grid_ctx {
	struct sk_buf *b;
	size_t n, cap;
	struct sk_run *runs;
	struct sk_ledger *l;
	sk_err_t rc;
	struct sk_error *err;
};

static int grid_keep(const struct sk_run *r, void *ud)
{
	struct grid_ctx *g = ud;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct sk_run *m = realloc(g->runs, cap * sizeof *m);
		if (!m) {
			g->rc = sk_error_set(g->err, SK_ERR_NOMEM, false,
					     "out of memory");
			return 1;
		}
		g->runs = m;
		g->cap = cap;
	}
	g->runs[g->n++] = *r;
	return 0;
}

struct grid_task_ctx {
	struct list_ctx x;
	int attempt;
};

static int grid_task(const struct sk_task *t, void *ud)
{
	struct grid_task_ctx *c = ud;
	return t->attempt == c->attempt ? task_one(t, &c->x) : 0;
}

static sk_err_t grid_run(struct grid_ctx *g, const struct sk_run *r, size_t i)
{
	if (g->rc != SK_OK)
		return g->rc;
	if (i)
		sk_buf_puts(g->b, ",");
	run_fields(g->b, r);
	sk_buf_puts(g->b, ",\"tasks\":[");
	struct grid_task_ctx c = {{g->b, 0}, r->attempts};
	sk_err_t rc = r->attempts ? sk_ledger_tasks(g->l, r->id, grid_task, &c,
						    g->err)
				  : SK_OK;
	sk_buf_puts(g->b, "]}");
	return rc;
}

/* POST /api/v1/backfill: the runs of a backfill (sk_sched_backfill_plan)
 * with the regions and languages given or configured; queued in the
 * ledger with origin ui/api for the daemon to execute, or, dry_run, only
 * listed. Each run as in /runs plus "want" (the mode selects it). */
struct backfill_ctx {
	struct sk_buf *b;
	int n;
	int64_t queued, skipped;
};

static int backfill_one(const struct sk_run *r, bool want, void *ud)
{
	struct backfill_ctx *x = ud;
	sk_buf_puts(x->b, x->n++ ? ",{\"want\":" : "{\"want\":");
	sk_buf_printf(x->b, "%s,\"run\":", want ? "true" : "false");
	run_json(x->b, r);
	sk_buf_puts(x->b, "}");
	x->queued += want;
	x->skipped += !want;
	return 0;
}

static sk_err_t backfill(struct sk_web *w, const struct sk_web_call *call,
			 struct sk_buf *b, unsigned *status,
			 struct sk_error *err)
{
	static const char *const modes[] = {"missing", "failed", "all"};
	const char *langs = !call->lang           ? w->env.job->lang
			    : call->n_langs == 2  ? "both"
			    : call->langs[0] == 1 ? "nb"
						  : "en";
	struct sk_backfill_opts o = {
		.from = call->from,
		.to = call->to,
		.regions = call->regions ? call->regions : w->env.job->regions,
		.langs = langs,
		.mode = (enum sk_backfill_mode)call->mode,
		.dry_run = call->dry_run,
		.origin = call_origin(call),
	};
	struct backfill_ctx x = {b, 0, 0, 0};
	sk_buf_printf(b, "{\"dry_run\":%s,\"mode\":\"%s\",\"runs\":[",
		      call->dry_run ? "true" : "false", modes[call->mode]);
	sk_err_t rc = sk_sched_backfill_plan(w->env.cfg, w->l, &o, backfill_one,
					     &x, err);
	sk_buf_printf(b, "],\"queued\":%lld,\"skipped\":%lld}",
		      (long long)(call->dry_run ? 0 : x.queued),
		      (long long)x.skipped);
	*status = call->dry_run || !x.queued ? 200 : 202;
	return rc;
}

/* The endpoints that use the ledger (called with w->lock held). */
static enum MHD_Result ledger_call(struct sk_web *w, struct MHD_Connection *c,
				   const struct sk_web_call *call)
{
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	struct sk_error err = {0};
	sk_err_t rc = SK_OK;
	unsigned code = 200;
	if (sk_web_ledger(w, &err) != SK_OK)
		return sk_web_reply_error(c, 503, err.msg);
	switch (call->ep) {
	case SK_WEB_EP_STATUS:
		rc = status(w, &b, &err);
		break;
	case SK_WEB_EP_RUNS: {
		struct list_ctx x = {&b, 0};
		struct grid_ctx g = {&b, 0, 0, NULL, w->l, SK_OK, &err};
		sk_buf_puts(&b, "{\"runs\":[");
		if (call->detail) {
			rc = sk_ledger_run_list(w->l, call->state, NULL,
						(size_t)call->limit, grid_keep,
						&g, &err);
			if (rc == SK_OK)
				rc = g.rc;
			for (size_t i = 0; rc == SK_OK && i < g.n; i++)
				rc = grid_run(&g, &g.runs[i], i);
			free(g.runs);
		} else {
			rc = sk_ledger_run_list(w->l, call->state, NULL,
						(size_t)call->limit, list_one,
						&x, &err);
		}
		sk_buf_puts(&b, "]}");
		break;
	}
	case SK_WEB_EP_RUN_GET:
		rc = run_one(w, call->run_id, &b, &err);
		break;
	case SK_WEB_EP_RUN_CLEAR:
		rc = sk_ledger_run_clear(w->l, call->run_id, &err);
		if (rc == SK_OK)
			sk_buf_printf(&b, "{\"id\":%lld,\"state\":\"queued\"}",
				      (long long)call->run_id);
		break;
	case SK_WEB_EP_RUN_ADD:
		rc = run_add(w, call, &b, &code, &err);
		break;
	case SK_WEB_EP_BACKFILL:
		rc = backfill(w, call, &b, &code, &err);
		break;
	case SK_WEB_EP_PAUSE:
	case SK_WEB_EP_UNPAUSE: {
		bool pause = call->ep == SK_WEB_EP_PAUSE;
		rc = sk_ledger_meta_set(w->l, "paused", pause ? "1" : NULL,
					&err);
		sk_buf_printf(&b, "{\"paused\":%s}", pause ? "true" : "false");
		break;
	}
	default:
		rc = sk_error_set(&err, SK_ERR_INVAL, false, "no handler");
	}
	enum MHD_Result r =
		rc == SK_OK ? sk_web_reply(c, code, &b)
			    : sk_web_reply_error(c,
						 rc == SK_ERR_NOTFOUND ? 404
						 : rc == SK_ERR_INVAL  ? 409
						 : err.retriable       ? 503
								       : 500,
						 err.msg);
	sk_buf_free(&b);
	return r;
}

static enum MHD_Result asset(struct MHD_Connection *c,
			     const struct sk_web_asset *a)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(a->len, (void *)a->data,
						MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	sk_web_count(200);
	MHD_add_response_header(r, "Content-Type", a->type);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; "
				"frame-ancestors 'none'; base-uri 'none'; "
				"form-action 'self'");
	enum MHD_Result rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result dispatch(struct sk_web *w, struct MHD_Connection *c,
				struct sk_web_call *call)
{
	call->browser = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Origin") != NULL;
	if (call->mutating && w->token[0]) {
		const char *auth = MHD_lookup_connection_value(c,
							       MHD_HEADER_KIND,
							       "Authorization");
		char want[300];
		snprintf(want, sizeof want, "Bearer %s", w->token);
		if (!auth || strcmp(auth, want) != 0)
			return sk_web_reply_error(c, 401,
						  "a valid token is needed "
						  "(Authorization: Bearer)");
	}
	switch (call->ep) {
	case SK_WEB_EP_HEALTHZ: {
		struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
		sk_buf_puts(&b, "{\"status\":\"ok\"}");
		enum MHD_Result r = sk_web_reply(c, 200, &b);
		sk_buf_free(&b);
		return r;
	}
	case SK_WEB_EP_ASSET:
		return asset(c, call->asset);
	case SK_WEB_EP_STATUS:
	case SK_WEB_EP_RUNS:
	case SK_WEB_EP_RUN_GET:
	case SK_WEB_EP_RUN_ADD:
	case SK_WEB_EP_RUN_CLEAR:
	case SK_WEB_EP_PAUSE:
	case SK_WEB_EP_UNPAUSE:
	case SK_WEB_EP_BACKFILL: {
		pthread_mutex_lock(&w->lock);
		enum MHD_Result r = ledger_call(w, c, call);
		pthread_mutex_unlock(&w->lock);
		return r;
	}
	default:
		return sk_web_data_call(w, c, call);
	}
}

/* ------------------------------------------------ connections, deadlines */

/* The connection's tracking entry (set when it was accepted), or NULL. */
static struct sk_web_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* answering: the whole request is in, no deadline while it is answered;
 * else the next request must arrive within header_timeout_ms. */
static void conn_deadline(struct sk_web *w, struct MHD_Connection *c,
			  bool answering)
{
	struct sk_web_conn *k = conn_of(c);
	if (!k)
		return;
	pthread_mutex_lock(&w->conn_lock);
	k->deadline_ms = answering ? 0 : sk_mono_ms() + w->header_timeout_ms;
	pthread_mutex_unlock(&w->conn_lock);
}

static void conn_notify(void *cls, struct MHD_Connection *c,
			void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct sk_web *w = cls;
	struct sk_web_conn *k = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || !(k = calloc(1, sizeof *k)))
			return; /* untracked: only the idle timeout applies */
		k->fd = ci->connect_fd;
		pthread_mutex_lock(&w->conn_lock);
		k->deadline_ms = sk_mono_ms() + w->header_timeout_ms;
		k->next = w->conns;
		if (w->conns)
			w->conns->prev = k;
		w->conns = k;
		pthread_mutex_unlock(&w->conn_lock);
		*socket_context = k;
		return;
	}
	if (!k)
		return;
	/* libmicrohttpd closes the socket after this returns: while k is
	 * listed, the reaper's fd is still this connection's. */
	pthread_mutex_lock(&w->conn_lock);
	if (k->prev)
		k->prev->next = k->next;
	else
		w->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&w->conn_lock);
	free(k);
	*socket_context = NULL;
}

/* Shut down the sockets of connections past their deadline; the polling
 * thread then sees the end of the stream and closes them. */
static void *reaper(void *ud)
{
	struct sk_web *w = ud;
	pthread_mutex_lock(&w->conn_lock);
	while (!w->stopping) {
		int64_t now = sk_mono_ms();
		size_t n = 0;
		for (struct sk_web_conn *k = w->conns; k; k = k->next)
			if (k->deadline_ms && now >= k->deadline_ms) {
				shutdown(k->fd, SHUT_RDWR);
				k->deadline_ms = 0;
				n++;
			}
		if (n) {
			w->slow_closed += (int64_t)n;
			sk_log(SK_LOG_INFO, "http",
			       "closed %zu connection(s) that sent no whole "
			       "request within http.header_timeout_ms=%lld",
			       n, (long long)w->header_timeout_ms);
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->conn_cv, &w->conn_lock, &ts);
	}
	pthread_mutex_unlock(&w->conn_lock);
	return NULL;
}

static void reaper_stop(struct sk_web *w)
{
	pthread_mutex_lock(&w->conn_lock);
	w->stopping = true;
	pthread_cond_signal(&w->conn_cv);
	pthread_mutex_unlock(&w->conn_lock);
	pthread_join(w->reaper, NULL);
}

/* ----------------------------------------------------------- requests */

/* Per request: the raw request target (from the URI callback, before
 * libmicrohttpd splits it) and the body bytes seen. */
struct req_ctx {
	bool started;
	size_t body;
	char uri[SK_WEB_MAX_URI + 2];
	int64_t start_us; /* sk_mono_us when the request line came in */
};

static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	struct req_ctx *k = calloc(1, sizeof *k);
	if (k) /* longer than the limit: kept long enough to be refused */
		snprintf(k->uri, sizeof k->uri, "%s", uri ? uri : "");
	if (k)
		k->start_us = sk_mono_us();
	return k;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* First call, headers in, no body byte read: Host, Origin/Referer and
 * Content-Length are checked here, and a refusal answers at once
 * (libmicrohttpd then reads no body and closes the connection). */
static unsigned check_headers(struct sk_web *w, struct MHD_Connection *c,
			      const char *method, char *msg, size_t size)
{
	unsigned code = sk_web_req_check(&w->hosts, !strcmp(method, "POST"),
					 header(c, MHD_HTTP_HEADER_HOST),
					 header(c, "Origin"),
					 header(c, MHD_HTTP_HEADER_REFERER),
					 msg, size);
	if (!code)
		code = sk_web_req_body(header(c,
					      MHD_HTTP_HEADER_CONTENT_LENGTH),
				       msg, size);
	return code;
}

static enum MHD_Result request(struct sk_web *w, struct MHD_Connection *c,
			       const char *method, size_t *upload_data_size,
			       struct req_ctx *k)
{
	char msg[256];
	if (!k->started) {
		k->started = true;
		unsigned code = check_headers(w, c, method, msg, sizeof msg);
		return code ? sk_web_reply_error(c, code, msg) : MHD_YES;
	}
	/* Consume (and bound) a body without Content-Length (chunked); it
	 * is not used. Past the cap the connection is dropped (a response
	 * cannot be queued in the middle of a body). */
	if (*upload_data_size) {
		k->body += *upload_data_size;
		*upload_data_size = 0;
		if (k->body > SK_WEB_MAX_BODY) {
			sk_log(SK_LOG_WARN, "http",
			       "dropped a connection: "
			       "chunked request body over %d bytes",
			       SK_WEB_MAX_BODY);
			return MHD_NO;
		}
		return MHD_YES;
	}
	conn_deadline(w, c, true);
	struct sk_web_req req;
	struct sk_web_call call;
	unsigned code = sk_web_req_parse(&req, method, k->uri, msg, sizeof msg);
	if (!code)
		code = sk_web_route(&req, sk_oslo_date_at(sk_clock_now_ms()),
				    &call, msg, sizeof msg);
	else
		memset(&call, 0, sizeof call);
	enum MHD_Result rc = code ? sk_web_reply_error(c, code, msg)
				  : dispatch(w, c, &call);
	sk_web_call_clear(&call);
	return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct sk_web *w = cls;
	(void)url;
	(void)version;
	(void)upload_data;
	if (!*con_cls)
		return MHD_NO; /* out of memory in uri_seen */
	pthread_rwlock_rdlock(&w->cfg_lock);
	enum MHD_Result rc = request(w, c, method, upload_data_size, *con_cls);
	pthread_rwlock_unlock(&w->cfg_lock);
	return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	conn_deadline(cls, c, false); /* keep-alive: the next one's clock */
	struct req_ctx *k = *con_cls;
	if (k && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		sk_web_request_took(sk_mono_us() - k->start_us);
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

/* ------------------------------------------------------ start, reload */

/* The settings a reload may change, checked into w (under the write lock
 * on a reload); nothing is changed on an error. */
static sk_err_t settings(struct sk_web *w, const struct sk_web_env *env,
			 const char *host, unsigned port, struct sk_error *err)
{
	struct sk_web_hosts hs;
	const char *tok = env->conf->token;
	if (sk_web_hosts_init(&hs, host, port, env->conf->allowed_hosts, err) !=
	    SK_OK)
		return err->code;
	if (!w->loopback && (!tok || !tok[0]))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "http.addr %s:%u is not loopback: set "
				    "http.token (mutating requests need it)",
				    host, port);
	w->hosts = hs;
	snprintf(w->token, sizeof w->token, "%s", tok ? tok : "");
	pthread_mutex_lock(&w->conn_lock);
	w->header_timeout_ms = env->conf->header_timeout_ms;
	pthread_mutex_unlock(&w->conn_lock);
	w->env = *env;
	return SK_OK;
}

/* Room for max connections besides the files a daemon has open anyway. */
static void raise_file_limit(size_t max)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want
			      ? want
			      : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		sk_log(SK_LOG_WARN, "http",
		       "open file limit %llu is below http.max_connections=%zu "
		       "plus room for the daemon's own files",
		       (unsigned long long)rl.rlim_cur, max);
}

static void web_free(struct sk_web *w)
{
	sk_ledger_close(w->l);
	pthread_rwlock_destroy(&w->cfg_lock);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->pool_lock);
	pthread_mutex_destroy(&w->conn_lock);
	pthread_cond_destroy(&w->conn_cv);
	free(w);
}

sk_err_t sk_web_start(struct sk_web **out, const struct sk_web_env *env,
		      struct sk_error *err)
{
	*out = NULL;
	const char *addr = env->conf->addr;
	if (!addr || !*addr)
		return SK_OK;
	char host[128];
	long port = 0;
	const char *colon = strrchr(addr, ':');
	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host ||
	    (port = strtol(colon + 1, NULL, 10)) <= 0 || port > 65535)
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
	pthread_rwlock_init(&w->cfg_lock, NULL);
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->pool_lock, NULL);
	pthread_mutex_init(&w->conn_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->conn_cv, &ca);
	pthread_condattr_destroy(&ca);
	w->loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	snprintf(w->bind_host, sizeof w->bind_host, "%s", host);
	if (settings(w, env, host, (unsigned)port, err) != SK_OK) {
		web_free(w);
		return err->code;
	}
	/* A ledger that cannot be reached yet (retriable: its server is
	 * down) is opened by the first request that needs it; the daemon
	 * waits the outage out meanwhile. */
	if (sk_sched_ledger_open(env->cfg, &w->l, err) != SK_OK) {
		if (!err->retriable) {
			web_free(w);
			return err->code;
		}
		sk_log(SK_LOG_WARN, "http",
		       "ledger unreachable at start (the API opens it when "
		       "it answers): %s",
		       err->msg);
		w->l = NULL;
	}
	size_t max = (size_t)env->conf->max_connections;
	raise_file_limit(max);
	if (pthread_create(&w->reaper, NULL, reaper, w) != 0) {
		web_free(w);
		return sk_error_set(err, SK_ERR_IO, false,
				    "cannot start a thread: %s",
				    strerror(errno));
	}
	w->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
					MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
				(uint16_t)port, NULL, NULL, handler, w,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
				MHD_OPTION_NOTIFY_COMPLETED, completed, w,
				MHD_OPTION_NOTIFY_CONNECTION, conn_notify, w,
				MHD_OPTION_THREAD_POOL_SIZE, SK_WEB_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)max,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)env->conf->max_connections_per_ip,
				MHD_OPTION_CONNECTION_TIMEOUT,
				SK_WEB_IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!w->d) {
		reaper_stop(w);
		web_free(w);
		return sk_error_set(err, SK_ERR_IO, true,
				    "cannot serve HTTP on %s (address in "
				    "use?)",
				    addr);
	}
	struct sk_error serr = {0};
	if (sk_web_sampler_start(w, &serr) != SK_OK)
		sk_log(SK_LOG_WARN, "http", "no rates: %s", serr.msg);
	sk_log(SK_LOG_INFO, "http",
	       "serving the web UI on http://%s/ (API under /api/v1/)", addr);
	*out = w;
	return SK_OK;
}

sk_err_t sk_web_reload(struct sk_web *w, const struct sk_web_env *env,
		       const char *const *restart, size_t n,
		       struct sk_error *err)
{
	if (!w)
		return SK_OK;
	/* The bound address stays (a change is one of restart). */
	pthread_rwlock_wrlock(&w->cfg_lock);
	sk_err_t rc = settings(w, env, w->bind_host, w->hosts.port, err);
	if (rc == SK_OK) {
		w->n_restart = n < SK_WEB_MAX_RESTART ? n : SK_WEB_MAX_RESTART;
		memcpy(w->restart, restart, w->n_restart * sizeof *restart);
		sk_web_pool_clear(w); /* the warehouse or bus may differ */
	}
	pthread_rwlock_unlock(&w->cfg_lock);
	return rc;
}

void sk_web_stop(struct sk_web *w)
{
	if (!w)
		return;
	MHD_stop_daemon(w->d);
	reaper_stop(w);
	sk_web_sampler_stop(w);
	sk_web_pool_clear(w);
	web_free(w);
}
