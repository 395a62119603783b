/*
 * data.c - the data, pipeline and operations endpoints of the daemon:
 *
 * GET /api/v1/regions
 * GET /api/v1/warnings?region=ID[,ID]&lang=nb|en|both&from=D&to=D&detail=1
 * GET /api/v1/topics        end offsets, committed offsets and lag
 * GET /api/v1/dlq?offset=N&limit=N   dead letters with reasons and payloads
 * GET /api/v1/warehouse     backend, row counts, last write
 * GET /api/v1/schemas       the record shapes kept with the embedded bus:
 *                           subject, version, first used, schema, and the
 *                           fields changed from the version before
 * GET /metrics              Prometheus text format
 * GET /readyz               bus and warehouse answer, no backend outage
 *
 * Parameters arrive validated (request.c). Warehouse and bus handles come
 * from a small pool (sk_web_store_take/give), apart from the scheduler's
 * own connections; /readyz opens fresh ones, as a probe should.
 */
#include "web/web_int.h"
#include "bus/bus.h"
#include "job/job.h"
#include "model/model.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t http_by_code[600]; /* responses by status code */
static struct sk_hist http_durations;     /* of every request */

void sk_web_count(unsigned status)
{
	if (status >= 100 && status < 600)
		http_by_code[status]++;
}

void sk_web_request_took(int64_t us)
{
	sk_hist_observe_us(&http_durations, us);
}

/* ------------------------------------------------------ handle pool */

/* A pooled handle, or NULL when the pool is empty. */
static void *pool_take(struct sk_web *w, struct sk_web_pool *p)
{
	pthread_mutex_lock(&w->pool_lock);
	void *h = p->n ? p->h[--p->n] : NULL;
	pthread_mutex_unlock(&w->pool_lock);
	return h;
}

/* Keep h for the next request; false when the pool is full. */
static bool pool_keep(struct sk_web *w, struct sk_web_pool *p, void *h)
{
	pthread_mutex_lock(&w->pool_lock);
	bool kept = p->n < SK_WEB_THREADS;
	if (kept)
		p->h[p->n++] = h;
	pthread_mutex_unlock(&w->pool_lock);
	return kept;
}

sk_err_t sk_web_store_take(struct sk_web *w, struct sk_store **st,
			   struct sk_error *err)
{
	*st = pool_take(w, &w->stores);
	if (*st)
		return SK_OK;
	struct sk_store_opts so = sk_job_store_opts(w->env.cfg);
	return sk_store_open(st, &so, err);
}

void sk_web_store_give(struct sk_web *w, struct sk_store *st, bool ok)
{
	if (st && !(ok && pool_keep(w, &w->stores, st)))
		sk_store_close(st);
}

sk_err_t sk_web_bus_take(struct sk_web *w, struct sk_bus **bus,
			 struct sk_error *err)
{
	*bus = pool_take(w, &w->buses);
	return *bus ? SK_OK : sk_job_bus_open(w->env.cfg, bus, err);
}

void sk_web_bus_give(struct sk_web *w, struct sk_bus *bus, bool ok)
{
	if (bus && !(ok && pool_keep(w, &w->buses, bus)))
		sk_bus_close(bus);
}

void sk_web_pool_clear(struct sk_web *w)
{
	while (w->stores.n)
		sk_store_close(w->stores.h[--w->stores.n]);
	while (w->buses.n)
		sk_bus_close(w->buses.h[--w->buses.n]);
}

/* -------------------------------------------------------- endpoints */

static enum MHD_Result regions(struct MHD_Connection *c)
{
	size_t n;
	const struct sk_region *r = sk_model_regions(&n);
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_buf_puts(&b, "{\"regions\":[");
	for (size_t i = 0; i < n; i++) {
		sk_buf_printf(&b, "%s{\"id\":%d,\"name\":", i ? "," : "",
			      r[i].id);
		sk_model_json_string(&b, r[i].name);
		sk_buf_printf(&b,
			      ",\"type\":\"%c\",\"active\":%s,\"lat\":%.3f,"
			      "\"lon\":%.3f}",
			      r[i].type, r[i].active ? "true" : "false",
			      r[i].lat, r[i].lon);
	}
	sk_buf_puts(&b, "]}");
	enum MHD_Result rc = sk_web_reply(c, 200, &b);
	sk_buf_free(&b);
	return rc;
}

struct rows {
	struct sk_buf *b;
	size_t n;
	sk_err_t rc;
	struct sk_error *err;
};

static int row(const struct sk_warning *w, void *ud)
{
	struct rows *x = ud;
	char *json = NULL;
	if (sk_model_warning_to_json(w, &json, x->err) != SK_OK) {
		x->rc = x->err->code;
		return 1;
	}
	if (x->n++)
		sk_buf_puts(x->b, ",");
	x->rc = sk_buf_puts(x->b, json) == SK_OK
			? SK_OK
			: sk_error_set(x->err, SK_ERR_LIMIT, false,
				       "answer too large: narrow the query");
	free(json);
	return x->rc != SK_OK;
}

static enum MHD_Result warnings(struct sk_web *w, struct MHD_Connection *c,
				const struct sk_web_call *call)
{
	struct sk_error err = {0};
	struct sk_store_query q = {.region_ids = call->region_ids,
				   .n_regions = call->n_regions,
				   .lang_key = call->n_langs == 1
						       ? call->langs[0]
						       : 0,
				   .from = call->from,
				   .to = call->to,
				   .with_children = call->detail};
	struct sk_store *st = NULL;
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	struct rows x = {&b, 0, SK_OK, &err};
	sk_err_t rc = sk_web_store_take(w, &st, &err);
	if (rc == SK_OK) {
		sk_buf_puts(&b, "{\"warnings\":[");
		rc = sk_store_query(st, &q, row, &x, &err);
		sk_web_store_give(w, st, rc == SK_OK);
		if (rc == SK_OK)
			rc = x.rc;
		sk_buf_printf(&b, "],\"count\":%zu}", x.n);
	}
	enum MHD_Result r =
		rc == SK_OK
			? sk_web_reply(c, 200, &b)
			: sk_web_reply_error(c, rc == SK_ERR_LIMIT ? 400 : 500,
					     err.msg);
	sk_buf_free(&b);
	return r;
}

static enum MHD_Result warehouse(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	struct sk_store_stats s = {0};
	sk_err_t rc = sk_web_store_take(w, &st, &err);
	if (rc == SK_OK) {
		rc = sk_store_stats(st, &s, &err);
		sk_web_store_give(w, st, rc == SK_OK);
	}
	if (rc != SK_OK)
		return sk_web_reply_error(c, 500, err.msg);
	char last[SK_TIME_UTC_LEN] = "";
	if (s.last_write_ms)
		sk_time_format_utc(s.last_write_ms, last);
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_buf_puts(&b, "{\"backend\":");
	sk_model_json_string(&b, w->env.store_backend);
	sk_buf_printf(&b,
		      ",\"warnings\":%lld,\"problems\":%lld,"
		      "\"revisions\":%lld,\"last_write\":%s%s%s",
		      (long long)s.warnings, (long long)s.problems,
		      (long long)s.revisions, last[0] ? "\"" : "",
		      last[0] ? last : "null", last[0] ? "\"" : "");
	/* The stored date range (the UI's season picker); null unknown. */
	sk_buf_puts(&b, ",\"first_date\":");
	if (s.first_date[0])
		sk_model_json_string(&b, s.first_date);
	else
		sk_buf_puts(&b, "null");
	sk_buf_puts(&b, ",\"last_date\":");
	if (s.last_date[0])
		sk_model_json_string(&b, s.last_date);
	else
		sk_buf_puts(&b, "null");
	sk_buf_puts(&b, "}");
	enum MHD_Result r = sk_web_reply(c, 200, &b);
	sk_buf_free(&b);
	return r;
}

static void lag_json(struct sk_buf *b, const struct sk_bus_lag *l, size_t n,
		     const char *topic, bool *first)
{
	sk_buf_puts(b, *first ? "" : ",");
	*first = false;
	sk_buf_puts(b, "{\"topic\":");
	sk_model_json_string(b, topic);
	sk_buf_puts(b, ",\"partitions\":[");
	for (size_t i = 0; i < n; i++)
		sk_buf_printf(b,
			      "%s{\"partition\":%d,\"end_offset\":%lld,"
			      "\"committed_offset\":%lld,\"lag\":%lld}",
			      i ? "," : "", l[i].partition,
			      (long long)l[i].end_offset,
			      (long long)l[i].committed_offset,
			      (long long)l[i].lag);
	sk_buf_puts(b, "]}");
}

static enum MHD_Result topics(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	const char *group = w->env.job->group;
	bool first = true;
	if (rc == SK_OK) {
		sk_buf_printf(&b,
			      "{\"bus\":\"%s\",\"group\":", w->env.bus_backend);
		sk_model_json_string(&b, group);
		sk_buf_puts(&b, ",\"topics\":[");
	}
	const struct sk_job_conf *bc = w->env.job;
	const char *const topic_names[] = {bc->topic_raw, bc->topic_dlq,
					   bc->topic_clean};
	for (size_t t = 0; rc == SK_OK && t < 3; t++) {
		struct sk_bus_lag *l = NULL;
		size_t n = 0;
		const char *topic = topic_names[t];
		rc = sk_bus_lag(bus, group, topic, &l, &n, &err);
		if (rc == SK_OK)
			lag_json(&b, l, n, topic, &first);
		free(l);
	}
	sk_buf_puts(&b, "]}");
	sk_web_bus_give(w, bus, rc == SK_OK);
	enum MHD_Result r = rc == SK_OK ? sk_web_reply(c, 200, &b)
					: sk_web_reply_error(c, 500, err.msg);
	sk_buf_free(&b);
	return r;
}

static enum MHD_Result dlq(struct sk_web *w, struct MHD_Connection *c,
			   const struct sk_web_call *call)
{
	struct sk_error err = {0}, lerr = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_batch batch = {0};
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	if (rc == SK_OK) {
		rc = sk_bus_read(bus, w->env.job->topic_dlq, -1, call->offset,
				 (size_t)call->limit, &batch, &err);
		sk_web_bus_give(w, bus, rc == SK_OK);
	}
	if (rc == SK_OK)
		rc = sk_bus_batch_dedup(&batch, &err);
	sk_buf_puts(&b, "{\"dead_letters\":[");
	for (size_t i = 0; rc == SK_OK && i < batch.n; i++) {
		const struct sk_bus_msg *m = &batch.msgs[i];
		sk_buf_printf(&b,
			      "%s{\"partition\":%d,\"offset\":%lld,\"key\":",
			      i ? "," : "", m->partition, (long long)m->offset);
		sk_model_json_string(&b, m->key);
		sk_buf_puts(&b, ",\"headers\":{");
		for (size_t h = 0; h < m->n_headers; h++) {
			sk_buf_puts(&b, h ? "," : "");
			sk_model_json_string(&b, m->headers[h].key);
			sk_buf_puts(&b, ":");
			sk_model_json_string(&b, m->headers[h].value);
		}
		sk_buf_puts(&b, "},\"payload\":");
		sk_model_json_string(&b, m->value);
		/* Replayed (browse.c): how, from the ledger; null not. A
		 * ledger that does not answer costs the marks, not the list
		 * (replayed_error says why). */
		char how[128] = "";
		if (!lerr.msg[0])
			sk_web_dlq_replayed(w, m, how, sizeof how, &lerr);
		sk_buf_puts(&b, ",\"replayed\":");
		if (how[0])
			sk_model_json_string(&b, how);
		else
			sk_buf_puts(&b, "null");
		sk_buf_puts(&b, "}");
	}
	sk_buf_printf(&b, "],\"count\":%zu", batch.n);
	if (lerr.msg[0]) {
		sk_buf_puts(&b, ",\"replayed_error\":");
		sk_model_json_string(&b, lerr.msg);
	}
	sk_buf_puts(&b, "}");
	sk_bus_batch_clear(&batch);
	enum MHD_Result r = rc == SK_OK ? sk_web_reply(c, 200, &b)
					: sk_web_reply_error(c, 500, err.msg);
	sk_buf_free(&b);
	return r;
}

struct run_tally {
	int64_t by_state[SK_RUN__COUNT];
	char jobs[16][64];
	int64_t last_ok[16];
	size_t n_jobs;
};

static int tally(const struct sk_run *r, void *ud)
{
	struct run_tally *t = ud;
	if (r->state < SK_RUN__COUNT)
		t->by_state[r->state]++;
	if (r->state != SK_RUN_SUCCESS)
		return 0;
	size_t j;
	for (j = 0; j < t->n_jobs; j++)
		if (!strcmp(t->jobs[j], r->job))
			break;
	if (j == t->n_jobs) {
		if (t->n_jobs == 16)
			return 0;
		snprintf(t->jobs[j], sizeof t->jobs[j], "%s", r->job);
		t->n_jobs++;
	}
	if (r->end_ms > t->last_ok[j])
		t->last_ok[j] = r->end_ms;
	return 0;
}

/* /metrics sections, each appending to b (its failure sticks). */
static void metrics_ledger(struct sk_web *w, struct sk_buf *b)
{
	struct sk_error err = {0};
	struct run_tally t = {0};
	pthread_mutex_lock(&w->lock);
	sk_err_t lrc = sk_web_ledger(w, &err);
	if (lrc == SK_OK)
		lrc = sk_ledger_run_list(w->l, -1, NULL, 1000000, tally, &t,
					 &err);
	pthread_mutex_unlock(&w->lock);
	/* 0 while a PostgreSQL ledger's server cannot be reached (the
	 * counts below are then zero, not the ledger's). */
	sk_buf_printf(b,
		      "# HELP skred_ledger_up Whether the run ledger "
		      "answered this scrape.\n"
		      "# TYPE skred_ledger_up gauge\n"
		      "skred_ledger_up %d\n",
		      lrc == SK_OK);
	sk_buf_puts(b, "# HELP skred_runs Runs in the ledger by state.\n"
		       "# TYPE skred_runs gauge\n");
	for (int s = 0; s < SK_RUN__COUNT; s++)
		sk_buf_printf(b, "skred_runs{state=\"%s\"} %lld\n",
			      sk_run_state_name((enum sk_run_state)s),
			      (long long)t.by_state[s]);
	sk_buf_puts(b, "# HELP skred_last_success_timestamp_seconds End of "
		       "the last successful run per job.\n"
		       "# TYPE skred_last_success_timestamp_seconds gauge\n");
	for (size_t j = 0; j < t.n_jobs; j++)
		sk_buf_printf(b,
			      "skred_last_success_timestamp_seconds{job=\"%s\"}"
			      " %.3f\n",
			      t.jobs[j], (double)t.last_ok[j] / 1000.0);
}

/* The counters of job/ (sk_job_totals): a family is one line here, with
 * its HELP text (`promtool check metrics` in tests/integration/
 * test_metrics.sh fails a family without one). */
static void metrics_job(struct sk_buf *b)
{
	struct sk_job_totals jt;
	sk_job_totals_get(&jt);
	const struct {
		const char *name; /* skred_<name>_total */
		const char *help;
		int64_t v;
		bool ms; /* shown in seconds */
	} counts[] = {
		{"fetch_warnings", "Warnings fetched from the API.",
		 jt.fetch_warnings, false},
		{"fetch_requests",
		 "Requests made to the API, retries included.",
		 jt.fetch_requests, false},
		{"fetch_retries", "Requests to the API that were retries.",
		 jt.fetch_retries, false},
		{"fetch_failed_chunks",
		 "Chunks (region, language, days) that failed after their "
		 "attempts or were not tried.",
		 jt.fetch_failed_chunks, false},
		{"fetch_seconds", "Time spent fetching.", jt.fetch_ms, true},
		{"process_messages", "Bus messages processed.",
		 jt.process_messages, false},
		{"process_stored",
		 "Warnings inserted or updated in the warehouse.",
		 jt.process_stored, false},
		{"dead_letters", "Records sent to the dead-letter topic.",
		 jt.process_dead_lettered, false},
		{"process_seconds", "Time spent processing.", jt.process_ms,
		 true},
		{"store_errors", "Warehouse errors while processing.",
		 jt.store_errors, false},
	};
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "skred_%s_total", counts[i].name);
		sk_metric_head(b, name, "counter", counts[i].help);
		if (counts[i].ms)
			sk_buf_printf(b, "%s %.3f\n", name,
				      (double)counts[i].v / 1000.0);
		else
			sk_buf_printf(b, "%s %lld\n", name,
				      (long long)counts[i].v);
	}
	sk_hist_write(b, "skred_fetch_duration_seconds",
		      "Duration of a fetch (every chunk of a run's window).",
		      sk_job_fetch_durations());
	sk_hist_write(b, "skred_process_duration_seconds",
		      "Duration of a process pass (bus to warehouse).",
		      sk_job_process_durations());
}

/* The version as a label, value 1 (the Prometheus convention). */
static void metrics_build(struct sk_buf *b)
{
	sk_metric_head(b, "skred_build_info", "gauge",
		       "The skred version of this process (value 1).");
	sk_buf_puts(b, "skred_build_info{version=\"" SKRED_VERSION "\"} 1\n");
}

/* One family per backend counter: up, outages, retries. */
static void metrics_backends(struct sk_web *w, struct sk_buf *b)
{
	static const struct {
		const char *name, *help, *type;
	} fams[] = {
		{"skred_backend_up",
		 "1 while the backend answers, 0 during an outage (last seen "
		 "by this process).",
		 "gauge"},
		{"skred_backend_outages_total", "Outages seen.", "counter"},
		{"skred_backend_outage_retries_total",
		 "Retries made while waiting out outages.", "counter"},
	};
	struct sk_job_health hs[SK_JOB__BACKENDS];
	for (int i = 0; i < SK_JOB__BACKENDS; i++) {
		sk_job_health_get((enum sk_job_backend)i, &hs[i]);
		const char *cfgd = i == SK_JOB_BUS     ? w->env.bus_backend
				   : i == SK_JOB_STORE ? w->env.store_backend
						       : "";
		if (!hs[i].type[0])
			snprintf(hs[i].type, sizeof hs[i].type, "%s",
				 cfgd ? cfgd : "");
	}
	for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
		sk_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fams[f].name,
			      fams[f].help, fams[f].name, fams[f].type);
		for (int i = 0; i < SK_JOB__BACKENDS; i++) {
			if (!hs[i].type[0])
				continue;
			long long v = f == 0   ? !hs[i].down
				      : f == 1 ? (long long)hs[i].outages
					       : (long long)hs[i].retries;
			sk_buf_printf(
				b, "%s{backend=\"%s\",role=\"%s\"} %lld\n",
				fams[f].name, hs[i].type,
				sk_job_backend_name((enum sk_job_backend)i), v);
		}
	}
}

static void metrics_bus(struct sk_web *w, struct sk_buf *b)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	if (sk_web_bus_take(w, &bus, &err) != SK_OK)
		return;
	const char *group = w->env.job->group;
	const char *raw = w->env.job->topic_raw;
	struct sk_bus_lag *l = NULL;
	size_t n = 0;
	sk_buf_puts(b, "# HELP skred_bus_lag Messages of the raw topic "
		       "the processor group has not committed.\n"
		       "# TYPE skred_bus_lag gauge\n");
	bool ok = sk_bus_lag(bus, group, raw, &l, &n, &err) == SK_OK;
	for (size_t i = 0; ok && i < n; i++)
		sk_buf_printf(b,
			      "skred_bus_lag{topic=\"%s\","
			      "partition=\"%d\"} %lld\n",
			      raw, l[i].partition, (long long)l[i].lag);
	free(l);
	sk_web_bus_give(w, bus, ok);
}

static void metrics_http(struct sk_web *w, struct sk_buf *b)
{
	sk_hist_write(b, "skred_http_request_duration_seconds",
		      "Time from a request's first line to its response "
		      "sent.",
		      &http_durations);
	sk_buf_puts(b, "# HELP skred_http_requests_total HTTP responses "
		       "by code.\n# TYPE skred_http_requests_total counter\n");
	for (unsigned code = 100; code < 600; code++)
		if (http_by_code[code] || code == 200)
			sk_buf_printf(b,
				      "skred_http_requests_total{code=\"%u\"} "
				      "%lld\n",
				      code, (long long)http_by_code[code]);
	size_t open = 0;
	pthread_mutex_lock(&w->conn_lock);
	for (const struct sk_web_conn *k = w->conns; k; k = k->next)
		open++;
	int64_t slow = w->slow_closed;
	pthread_mutex_unlock(&w->conn_lock);
	sk_buf_printf(b,
		      "# HELP skred_http_connections Open HTTP "
		      "connections.\n# TYPE skred_http_connections gauge\n"
		      "skred_http_connections %zu\n"
		      "# HELP skred_http_slow_closed_total Connections closed "
		      "for not sending a whole request within "
		      "http.header_timeout_ms.\n"
		      "# TYPE skred_http_slow_closed_total counter\n"
		      "skred_http_slow_closed_total %lld\n",
		      open, (long long)slow);
}

/* The source's drift this process counted (field names come out of
 * model/'s drift check printable, without quotes or backslashes). */
static void metrics_drift(struct sk_buf *b)
{
	struct sk_job_drift d[2 * SK_JOB_DRIFT_MAX];
	size_t n = sk_job_drift_totals(d, sizeof d / sizeof d[0]);
	sk_metric_head(b, "skred_source_drift_total", "counter",
		       "Records processed whose raw value drifted from the "
		       "API shape the field tables expect, by field and kind "
		       "(unknown, missing, retyped).");
	for (size_t i = 0; i < n; i++)
		sk_buf_printf(b,
			      "skred_source_drift_total{field=\"%s\","
			      "kind=\"%s\"} %lld\n",
			      d[i].field, sk_model_drift_kind_name(d[i].kind),
			      (long long)d[i].count);
}

static enum MHD_Result metrics(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	metrics_ledger(w, &b);
	metrics_job(&b);
	metrics_backends(w, &b);
	metrics_bus(w, &b);
	metrics_http(w, &b);
	metrics_build(&b);
	sk_metrics_process(&b);
	metrics_drift(&b);
	if (sk_buf_finish(&b) != SK_OK) {
		sk_buf_free(&b);
		return sk_web_reply_error(c, 500,
					  "metrics: the reply "
					  "could not be built");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(
		b.len, b.data ? b.data : (void *)"", MHD_RESPMEM_MUST_COPY);
	sk_buf_free(&b);
	if (!r)
		return MHD_NO;
	sk_web_count(200);
	MHD_add_response_header(r, "Content-Type",
				"text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result rc = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return rc;
}

/* Ready when the bus and the warehouse answer now (a fresh probe, which
 * also ends or starts an outage in the process-wide health state) and the
 * ledger is not in an outage; otherwise 503 naming the backend and why. */
static enum MHD_Result readyz(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_error err = {0};
	enum sk_job_backend which;
	struct sk_job_health lh;
	sk_job_health_get(SK_JOB_LEDGER, &lh);
	if (lh.down)
		sk_error_set(&err, SK_ERR_DB, true, "ledger (%s): %s", lh.type,
			     lh.reason);
	else if (sk_job_probe(w->env.cfg, &which, &err) == SK_OK) {
		/* The ledger answers this server too: the scheduler notices
		 * an outage only at its next ledger call, which may come
		 * after a long run. */
		char v[8];
		bool found;
		pthread_mutex_lock(&w->lock);
		if (sk_web_ledger(w, &err) == SK_OK &&
		    sk_ledger_meta_get(w->l, "paused", v, sizeof v, &found,
				       &err) != SK_OK)
			sk_error_prefix(&err, "ledger (%s)",
					sk_ledger_backend(w->l));
		else if (err.code != SK_OK)
			sk_error_prefix(&err, "ledger");
		pthread_mutex_unlock(&w->lock);
	}
	if (err.code != SK_OK)
		return sk_web_reply_error(c, 503, err.msg);
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_buf_puts(&b, "{\"status\":\"ready\"}");
	enum MHD_Result r = sk_web_reply(c, 200, &b);
	sk_buf_free(&b);
	return r;
}

static enum MHD_Result schemas(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_schema *s = NULL;
	size_t n = 0;
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	bool kept = rc == SK_OK && bus->type->schema_list;
	if (kept) {
		rc = sk_bus_schema_list(bus, &s, &n, &err);
		sk_web_bus_give(w, bus, rc == SK_OK);
	} else if (rc == SK_OK) {
		sk_web_bus_give(w, bus, true);
	}
	sk_buf_printf(&b, "{\"kept\":%s,\"schemas\":[",
		      kept ? "true" : "false");
	for (size_t i = 0; rc == SK_OK && i < n; i++) {
		char t[SK_TIME_UTC_LEN];
		sk_time_format_utc(s[i].first_used_ms, t);
		sk_buf_printf(&b, "%s{\"subject\":", i ? "," : "");
		sk_model_json_string(&b, s[i].subject);
		sk_buf_printf(&b,
			      ",\"version\":%d,\"first_used\":\"%s\","
			      "\"schema\":",
			      s[i].version, t);
		sk_model_json_string(&b, s[i].schema);
		/* what changed since the version before, one line a field */
		sk_buf_puts(&b, ",\"changes\":");
		if (i && !strcmp(s[i - 1].subject, s[i].subject)) {
			struct sk_buf d = SK_BUF_INIT(SK_LIMIT_TEXT);
			struct sk_error derr = {0};
			if (sk_model_schema_diff(s[i - 1].schema, s[i].schema,
						 &d, &derr) == SK_OK)
				sk_model_json_string(&b, d.len ? d.data : "");
			else
				sk_model_json_string(&b, derr.msg);
			sk_buf_free(&d);
		} else {
			sk_buf_puts(&b, "null");
		}
		sk_buf_puts(&b, "}");
	}
	sk_buf_printf(&b, "],\"count\":%zu}", n);
	sk_bus_schemas_free(s, n);
	enum MHD_Result r = rc == SK_OK ? sk_web_reply(c, 200, &b)
					: sk_web_reply_error(c, 500, err.msg);
	sk_buf_free(&b);
	return r;
}

/* GET /api/v1/schemas/diff?subject=&from=&to=: the fields that differ
 * between two kept versions of a subject (sk_model_schema_diff, as
 * `skred schema diff`), one change an element. 404 for a version not
 * kept; 501 where the bus keeps none (Kafka: the registry does). */
static enum MHD_Result schema_diff(struct sk_web *w, struct MHD_Connection *c,
				   const struct sk_web_call *call)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_schema *s = NULL;
	size_t n = 0;
	if (sk_web_bus_take(w, &bus, &err) != SK_OK)
		return sk_web_reply_error(c, 503, err.msg);
	if (!bus->type->schema_list) {
		sk_web_bus_give(w, bus, true);
		return sk_web_reply_error(c, 501,
					  "this bus keeps no schema versions "
					  "(its schema registry does)");
	}
	sk_err_t rc = sk_bus_schema_list(bus, &s, &n, &err);
	sk_web_bus_give(w, bus, rc == SK_OK);
	if (rc != SK_OK)
		return sk_web_reply_error(c, 500, err.msg);
	const struct sk_bus_schema *a = NULL, *b2 = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s[i].subject, call->subject))
			continue;
		if (s[i].version == call->v_from)
			a = &s[i];
		if (s[i].version == call->v_to)
			b2 = &s[i];
	}
	enum MHD_Result r;
	if (!a || !b2) {
		char msg[400];
		snprintf(msg, sizeof msg, "no versions %d and %d of %.250s",
			 call->v_from, call->v_to, call->subject);
		sk_bus_schemas_free(s, n);
		return sk_web_reply_error(c, 404, msg);
	}
	struct sk_buf d = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	if (sk_model_schema_diff(a->schema, b2->schema, &d, &err) != SK_OK ||
	    sk_buf_finish(&d) != SK_OK) {
		r = sk_web_reply_error(c, 500,
				       err.msg[0] ? err.msg : "out of memory");
		goto out;
	}
	sk_buf_puts(&b, "{\"subject\":");
	sk_model_json_string(&b, call->subject);
	sk_buf_printf(&b, ",\"from\":%d,\"to\":%d,\"changes\":[", call->v_from,
		      call->v_to);
	size_t k = 0;
	for (size_t i = 0; i < d.len;) {
		const char *nl = memchr(d.data + i, '\n', d.len - i);
		size_t e = nl ? (size_t)(nl - d.data) : d.len;
		char *line = sk_strndup(d.data + i, e - i);
		if (line) {
			sk_buf_puts(&b, k++ ? "," : "");
			sk_model_json_string(&b, line);
			free(line);
		}
		i = e + 1;
	}
	sk_buf_printf(&b, "],\"count\":%zu}", k);
	r = sk_web_reply(c, 200, &b);
out:
	sk_buf_free(&d);
	sk_buf_free(&b);
	sk_bus_schemas_free(s, n);
	return r;
}

/* GET /api/v1/drift: the source's drift, as the bus keeps it (kept false
 * on a bus that keeps none) and as this process counted it (/metrics). */
static enum MHD_Result drift(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_drift *d = NULL;
	size_t n = 0;
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	bool kept = rc == SK_OK && bus->type->drift_list;
	if (kept) {
		rc = bus->type->drift_list(bus, &d, &n, &err);
		sk_web_bus_give(w, bus, rc == SK_OK);
	} else if (rc == SK_OK) {
		sk_web_bus_give(w, bus, true);
	}
	if (rc != SK_OK) {
		sk_buf_free(&b);
		return sk_web_reply_error(c, 503, err.msg);
	}
	sk_buf_printf(&b, "{\"kept\":%s,\"drift\":[", kept ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		char t1[SK_TIME_UTC_LEN], t2[SK_TIME_UTC_LEN];
		sk_time_format_utc(d[i].first_seen_ms, t1);
		sk_time_format_utc(d[i].last_seen_ms, t2);
		sk_buf_puts(&b, i ? ",{\"field\":" : "{\"field\":");
		sk_model_json_string(&b, d[i].field);
		sk_buf_puts(&b, ",\"kind\":");
		sk_model_json_string(&b, d[i].kind);
		sk_buf_printf(&b,
			      ",\"count\":%lld,\"first_seen\":\"%s\","
			      "\"last_seen\":\"%s\"}",
			      (long long)d[i].count, t1, t2);
	}
	free(d);
	struct sk_job_drift p[2 * SK_JOB_DRIFT_MAX];
	size_t np = sk_job_drift_totals(p, sizeof p / sizeof p[0]);
	sk_buf_puts(&b, "],\"process\":[");
	for (size_t i = 0; i < np; i++) {
		sk_buf_puts(&b, i ? ",{\"field\":" : "{\"field\":");
		sk_model_json_string(&b, p[i].field);
		sk_buf_printf(&b, ",\"kind\":\"%s\",\"count\":%lld}",
			      sk_model_drift_kind_name(p[i].kind),
			      (long long)p[i].count);
	}
	sk_buf_printf(&b, "],\"count\":%zu}", n);
	enum MHD_Result r = sk_web_reply(c, 200, &b);
	sk_buf_free(&b);
	return r;
}

enum MHD_Result sk_web_data_call(struct sk_web *w, struct MHD_Connection *c,
				 const struct sk_web_call *call)
{
	switch (call->ep) {
	case SK_WEB_EP_REGIONS:
		return regions(c);
	case SK_WEB_EP_WARNINGS:
		return warnings(w, c, call);
	case SK_WEB_EP_WAREHOUSE:
		return warehouse(w, c);
	case SK_WEB_EP_TOPICS:
		return topics(w, c);
	case SK_WEB_EP_DLQ:
		return dlq(w, c, call);
	case SK_WEB_EP_SCHEMAS:
		return schemas(w, c);
	case SK_WEB_EP_SCHEMA_DIFF:
		return schema_diff(w, c, call);
	case SK_WEB_EP_DRIFT:
		return drift(w, c);
	case SK_WEB_EP_METRICS:
		return metrics(w, c);
	case SK_WEB_EP_READYZ:
		return readyz(w, c);
	case SK_WEB_EP_MESSAGES:
	case SK_WEB_EP_RATES:
	case SK_WEB_EP_MEMBERS:
	case SK_WEB_EP_REPLAY:
		return sk_web_pipe_call(w, c, call);
	default:
		return sk_web_reply_error(c, 404, "no such endpoint");
	}
}
