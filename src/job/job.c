/*
 * job.c - fetch and process, the two halves of a run.
 */
#include "job/job.h"
#include "model/model.h"
#include "proc/proc.h"
#include "source/source.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t t_fetch_runs, t_fetch_warnings, t_fetch_requests,
	t_fetch_retries, t_fetch_failed, t_fetch_ms, t_process_runs,
	t_process_messages, t_process_stored, t_process_dead, t_process_ms,
	t_store_errors;

static struct sk_hist fetch_durations, process_durations;

const struct sk_hist *sk_job_fetch_durations(void)
{
	return &fetch_durations;
}

const struct sk_hist *sk_job_process_durations(void)
{
	return &process_durations;
}

/* ------------------------------------------------------------ drift */

static pthread_mutex_t drift_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sk_job_drift drift_tot[2 * SK_JOB_DRIFT_MAX];
static size_t drift_ntot;

/* Add count of (field, kind) to the table t of *n entries (cap max; the
 * rest counts as "(other)" in the last slot). */
static void drift_add(struct sk_job_drift *t, size_t *n, size_t max,
		      const char *field, enum sk_model_drift_kind kind,
		      int64_t count)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].kind == kind && !strcmp(t[i].field, field)) {
			t[i].count += count;
			return;
		}
	if (*n + 1 >= max) {
		field = "(other)";
		for (size_t i = 0; i < *n; i++)
			if (t[i].kind == kind && !strcmp(t[i].field, field)) {
				t[i].count += count;
				return;
			}
		if (*n >= max)
			return;
	}
	snprintf(t[*n].field, sizeof t[*n].field, "%s", field);
	t[*n].kind = kind;
	t[*n].count = count;
	(*n)++;
}

size_t sk_job_drift_totals(struct sk_job_drift *out, size_t max)
{
	pthread_mutex_lock(&drift_mu);
	size_t n = drift_ntot < max ? drift_ntot : max;
	memcpy(out, drift_tot, n * sizeof *out);
	pthread_mutex_unlock(&drift_mu);
	return n;
}

void sk_job_totals_get(struct sk_job_totals *o)
{
	o->fetch_runs = t_fetch_runs;
	o->fetch_warnings = t_fetch_warnings;
	o->fetch_requests = t_fetch_requests;
	o->fetch_retries = t_fetch_retries;
	o->fetch_failed_chunks = t_fetch_failed;
	o->fetch_ms = t_fetch_ms;
	o->process_runs = t_process_runs;
	o->process_messages = t_process_messages;
	o->process_stored = t_process_stored;
	o->process_dead_lettered = t_process_dead;
	o->process_ms = t_process_ms;
	o->store_errors = t_store_errors;
}

const char *const sk_job_publish_names[] = {"yes", "no", "auto", NULL};
const char *const sk_job_format_names[] = {"json", "avro", NULL};
const char *const sk_job_on_drift_names[] = {"hold", "store", NULL};

const struct sk_cfg_def sk_job_cfg[] = {
	{"regions", SK_CFG_STR, "A", 0, 0, 0,
	 "regions to fetch: all, A, B or ids like 3022,3023",
	 offsetof(struct sk_job_conf, regions), NULL},
	{"lang", SK_CFG_STR, "nb", 0, 0, 0,
	 "languages: nb (langKey 1), en (2) or both",
	 offsetof(struct sk_job_conf, lang), NULL},
	{"run.days_back", SK_CFG_INT, "7", 0, 366, 0,
	 "daily run window starts this many days before today (Europe/Oslo)",
	 offsetof(struct sk_job_conf, run_days_back), NULL},
	{"run.days_ahead", SK_CFG_INT, "2", 0, 30, 0,
	 "daily run window ends this many days after today",
	 offsetof(struct sk_job_conf, run_days_ahead), NULL},
	{"process.batch_size", SK_CFG_INT, "500", 1, 100000, 0,
	 "messages per warehouse transaction",
	 offsetof(struct sk_job_conf, process_batch_size), NULL},
	{"outage.backoff_base_ms", SK_CFG_INT, "1000", 1, 600000, 0,
	 "process --follow and serve wait out a backend outage: first retry "
	 "within this (full jitter), doubling",
	 offsetof(struct sk_job_conf, outage_backoff_base_ms), NULL},
	{"outage.backoff_cap_ms", SK_CFG_INT, "60000", 1, 3600000, 0,
	 "cap of the delay between retries during an outage",
	 offsetof(struct sk_job_conf, outage_backoff_cap_ms), NULL},
	{"outage.max_wait_ms", SK_CFG_INT, "0", 0, 604800000, 0,
	 "give up (exit 1) after an outage this long; 0 waits as long as it "
	 "takes",
	 offsetof(struct sk_job_conf, outage_max_wait_ms), NULL},
	/* The pipeline's wiring on the bus (the bus backends never read
	 * these: job, and what shows the pipeline, do). */
	{"bus.topic_raw", SK_CFG_STR, SK_BUS_TOPIC_RAW_DEFAULT, 0, 0, 0,
	 "topic of raw warnings as fetched",
	 offsetof(struct sk_job_conf, topic_raw), NULL},
	{"bus.topic_dlq", SK_CFG_STR, SK_BUS_TOPIC_DLQ_DEFAULT, 0, 0, 0,
	 "dead-letter topic (reason in headers)",
	 offsetof(struct sk_job_conf, topic_dlq), NULL},
	{"bus.topic_clean", SK_CFG_STR, SK_BUS_TOPIC_CLEAN_DEFAULT, 0, 0, 0,
	 "topic of cleaned records (JSON), one per new or changed warning",
	 offsetof(struct sk_job_conf, topic_clean), NULL},
	{"bus.publish_clean", SK_CFG_ENUM, "auto", 0, 0, 0,
	 "publish cleaned records to bus.topic_clean: yes, no, or auto (yes "
	 "on kafka)",
	 offsetof(struct sk_job_conf, publish_clean), sk_job_publish_names},
	{"bus.group", SK_CFG_STR, "skred-processor", 0, 0, 0,
	 "consumer group of `skred process`",
	 offsetof(struct sk_job_conf, group), NULL},
	{"bus.format", SK_CFG_ENUM, "json", 0, 0, 0,
	 "values of bus.topic_clean: json (the record's JSON) or avro "
	 "(Confluent wire format: byte 0, the registry's schema id, Avro "
	 "binary; needs schema_registry.url)",
	 offsetof(struct sk_job_conf, format), sk_job_format_names},
	{"bus.avro_schema_file", SK_CFG_STR, NULL, 0, 0, 0,
	 "with bus.format=avro: an Avro schema file used instead of the "
	 "generated one (`skred schema show`), e.g. a later version with a "
	 "field added as nullable; its fields must fit the record's",
	 offsetof(struct sk_job_conf, avro_schema_file), NULL},
	{"process.on_drift", SK_CFG_ENUM, "hold", 0, 0, 0,
	 "a record that lost fields the stored revision has because the "
	 "source stopped sending them (a renamed or dropped key): hold "
	 "(dead-letter it with error drift, keep the stored row) or store "
	 "(replace the row, the fields blank)",
	 offsetof(struct sk_job_conf, on_drift), sk_job_on_drift_names},
	SK_CFG_END(struct sk_job_conf),
};

const struct sk_job_conf *sk_job_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_job_cfg);
}

/* ------------------------------------------------------------ outages */

static pthread_mutex_t health_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sk_job_health health[SK_JOB__BACKENDS];
static int64_t retries_at_start[SK_JOB__BACKENDS]; /* of the outage */

const char *sk_job_backend_name(enum sk_job_backend b)
{
	static const char *const names[SK_JOB__BACKENDS] = {"bus", "store",
							    "ledger"};
	return (unsigned)b < SK_JOB__BACKENDS ? names[b] : "?";
}

void sk_job_health_get(enum sk_job_backend b, struct sk_job_health *out)
{
	memset(out, 0, sizeof *out);
	if ((unsigned)b >= SK_JOB__BACKENDS)
		return;
	pthread_mutex_lock(&health_lock);
	*out = health[b];
	pthread_mutex_unlock(&health_lock);
}

void sk_job_health_down(enum sk_job_backend b, const char *type,
			const struct sk_error *why)
{
	if ((unsigned)b >= SK_JOB__BACKENDS)
		return;
	pthread_mutex_lock(&health_lock);
	struct sk_job_health *h = &health[b];
	bool began = !h->down;
	snprintf(h->type, sizeof h->type, "%s", type ? type : "");
	if (began) {
		h->down = true;
		h->down_since_ms = sk_now_ms();
		h->outages++;
		retries_at_start[b] = h->retries;
		snprintf(h->reason, sizeof h->reason, "%s", why->msg);
	}
	pthread_mutex_unlock(&health_lock);
	if (began)
		sk_log(SK_LOG_WARN, "outage",
		       "%s (%s) unavailable, waiting for it (retries logged "
		       "at debug): %s",
		       sk_job_backend_name(b), type ? type : "", why->msg);
}

void sk_job_health_up(enum sk_job_backend b, const char *type)
{
	if ((unsigned)b >= SK_JOB__BACKENDS)
		return;
	pthread_mutex_lock(&health_lock);
	struct sk_job_health *h = &health[b];
	bool ended = h->down;
	int64_t secs = (sk_now_ms() - h->down_since_ms) / 1000;
	snprintf(h->type, sizeof h->type, "%s", type ? type : "");
	h->down = false;
	h->reason[0] = '\0';
	int64_t retries = h->retries - retries_at_start[b];
	pthread_mutex_unlock(&health_lock);
	if (ended)
		sk_log(SK_LOG_INFO, "outage",
		       "%s (%s) available again after %lld s (%lld retries)",
		       sk_job_backend_name(b), type ? type : "",
		       (long long)secs, (long long)retries);
}

bool sk_job_outage_error(const struct sk_error *err)
{
	return err->retriable && err->code != SK_ERR_NOMEM &&
	       err->code != SK_ERR_INTERRUPTED && !sk_stop_requested();
}

int64_t sk_job_outage_delay(const struct sk_config *cfg,
			    struct sk_job_outage *o, enum sk_job_backend b)
{
	int64_t now = sk_mono_ms();
	if (!o->attempt) {
		o->started_mono_ms = now;
		o->rng = (uint64_t)sk_now_ms() ^ ((uint64_t)b << 32) ^
			 0x5bd1e995u;
	}
	int64_t max = sk_job_conf(cfg)->outage_max_wait_ms;
	if (max > 0 && now - o->started_mono_ms >= max)
		return -1;
	int64_t d = sk_backoff_ms(o->attempt,
				  sk_job_conf(cfg)->outage_backoff_base_ms,
				  sk_job_conf(cfg)->outage_backoff_cap_ms,
				  &o->rng);
	if (max > 0 && now + d > o->started_mono_ms + max)
		d = o->started_mono_ms + max - now;
	o->attempt++;
	if ((unsigned)b < SK_JOB__BACKENDS) {
		pthread_mutex_lock(&health_lock);
		health[b].retries++;
		pthread_mutex_unlock(&health_lock);
	}
	sk_log(SK_LOG_DEBUG, "outage", "%s: retry %u in %lld ms",
	       sk_job_backend_name(b), o->attempt, (long long)d);
	return d;
}

sk_err_t sk_job_probe(const struct sk_config *cfg, enum sk_job_backend *which,
		      struct sk_error *err)
{
	struct sk_bus *bus = NULL;
	struct sk_store *st = NULL;
	struct sk_bus_lag *lag = NULL;
	size_t n = 0;
	const char *bt = sk_bus_backends[sk_bus_conf(cfg)->backend],
		   *stt = sk_store_backends[sk_store_conf(cfg)->backend];
	*which = SK_JOB_BUS;
	sk_err_t rc = sk_job_bus_open(cfg, &bus, err);
	if (rc == SK_OK)
		rc = sk_bus_lag(bus, sk_job_conf(cfg)->group,
				sk_job_conf(cfg)->topic_raw, &lag, &n, err);
	free(lag);
	sk_bus_close(bus);
	if (rc != SK_OK) {
		sk_error_prefix(err, "bus (%s)", bt ? bt : "");
		if (err->retriable)
			sk_job_health_down(SK_JOB_BUS, bt, err);
		return rc;
	}
	sk_job_health_up(SK_JOB_BUS, bt);
	*which = SK_JOB_STORE;
	struct sk_store_opts so = sk_job_store_opts(cfg);
	rc = sk_store_open(&st, &so, err);
	sk_store_close(st);
	if (rc != SK_OK) {
		sk_error_prefix(err, "warehouse (%s)", stt ? stt : "");
		if (err->retriable)
			sk_job_health_down(SK_JOB_STORE, stt, err);
		return rc;
	}
	sk_job_health_up(SK_JOB_STORE, stt);
	return SK_OK;
}

void sk_job_scope(const struct sk_config *cfg, int64_t fire_utc_ms,
		  struct sk_job_scope *out)
{
	const struct sk_job_conf *c = sk_job_conf(cfg);
	sk_job_window(fire_utc_ms, (int)c->run_days_back,
		      (int)c->run_days_ahead, &out->from, &out->to);
	out->regions = c->regions;
	out->lang = c->lang;
}

void sk_job_window(int64_t now_ms, int days_back, int days_ahead,
		   struct sk_date *from, struct sk_date *to)
{
	struct sk_date today = sk_oslo_date_at(now_ms);
	*from = sk_date_add_days(today, -days_back);
	*to = sk_date_add_days(today, days_ahead);
}

/* ------------------------------------------------------------------ fetch */

struct fetch_ctx {
	struct sk_bus *bus;
	const char *topic;
	const char *run; /* header "run", NULL none */
	const char *dlq;
	bool simple;
	int64_t produced;
	int64_t rejected;
	/* sk_job_fetcher_opts.chunk (NULL: none) */
	void (*chunk)(void *ud, const struct sk_fetch_chunk *c,
		      int64_t warnings, int64_t rejected);
	void *chunk_ud;
};

/* Queue a dead letter (copies) with the headers every dead letter has:
 * reason (a sentence), error (a short code), payload_hash, dedup_id,
 * dead_lettered_at. The caller adds where the record came from. */
static sk_err_t dead_letter_push(struct sk_bus_batch *dlq, const char *topic,
				 const char *key, size_t key_len,
				 const char *value, size_t value_len,
				 const char *reason, const char *error,
				 struct sk_error *err)
{
	char hash[17], id[SK_BUS_DEAD_ID_MAX], ts[SK_TIME_UTC_LEN];
	sk_bus_dead_letter_id(key, key_len, value, value_len, hash, id);
	sk_time_format_utc(sk_now_ms(), ts);
	if (sk_bus_batch_push(dlq, topic, 0, -1, 0, key, key_len, value,
			      value_len, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "reason", reason, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "error", error, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "payload_hash", hash, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, SK_BUS_HEADER_DEDUP, id, err) !=
		    SK_OK ||
	    sk_bus_batch_add_header(dlq, "dead_lettered_at", ts, err) != SK_OK)
		return err->code;
	return SK_OK;
}

/* Append a chunk in one produce: the elements that answer the request to
 * the raw topic, the others (misrouted, out of range, repeated) to the
 * dead-letter topic - they never reach processing, so a misrouted answer
 * cannot replace another region's forecast. */
static sk_err_t emit_chunk(void *ud, const struct sk_fetch_chunk *chunk,
			   const struct sk_raw_item *items, size_t n,
			   struct sk_error *err)
{
	struct fetch_ctx *ctx = ud;
	if (!n) {
		if (ctx->chunk)
			ctx->chunk(ctx->chunk_ud, chunk, 0, 0);
		return SK_OK;
	}
	struct sk_bus_msg *msgs = calloc(n, sizeof *msgs);
	struct sk_bus_batch dlq = {0};
	if (!msgs)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	char fetched[SK_TIME_UTC_LEN];
	sk_time_format_utc(chunk->fetched_at_ms, fetched);
	for (size_t i = 0; i < n; i++) {
		if (!items[i].reject)
			continue;
		if (dead_letter_push(&dlq, ctx->dlq, items[i].key,
				     strlen(items[i].key), items[i].json,
				     items[i].json_len, items[i].reject_why,
				     items[i].reject, err) != SK_OK ||
		    sk_bus_batch_add_header(&dlq, "url", chunk->url, err) !=
			    SK_OK ||
		    sk_bus_batch_add_header(&dlq, "fetched_at", fetched, err) !=
			    SK_OK) {
			free(msgs);
			sk_bus_batch_clear(&dlq);
			return err->code;
		}
	}
	size_t good = 0;
	for (size_t i = 0; i < n; i++) {
		if (items[i].reject)
			continue;
		struct sk_bus_msg *m = &msgs[good++];
		m->topic = (char *)ctx->topic;
		m->key = (char *)items[i].key;
		m->key_len = strlen(items[i].key);
		m->value = items[i].json;
		m->value_len = items[i].json_len;
		m->timestamp_ms = chunk->fetched_at_ms;
		m->headers[0].key = "fetched_at";
		m->headers[0].value = fetched;
		m->headers[1].key = "url";
		m->headers[1].value = (char *)chunk->url;
		m->headers[2].key = "endpoint";
		m->headers[2].value = ctx->simple ? "Simple" : "Detail";
		m->n_headers = 3;
		if (ctx->run) {
			m->headers[3].key = "run";
			m->headers[3].value = (char *)ctx->run;
			m->n_headers = 4;
		}
	}
	for (size_t j = 0; j < dlq.n; j++)
		msgs[good + j] = dlq.msgs[j]; /* borrowed from dlq */
	sk_err_t rc = sk_bus_produce(ctx->bus, msgs, n, err);
	free(msgs);
	sk_bus_batch_clear(&dlq);
	if (rc != SK_OK) {
		sk_error_prefix(err, "appending region %d lang %d to topic %s",
				chunk->region, chunk->lang, ctx->topic);
		return rc;
	}
	ctx->produced += (int64_t)good;
	ctx->rejected += (int64_t)(n - good);
	if (ctx->chunk)
		ctx->chunk(ctx->chunk_ud, chunk, (int64_t)good,
			   (int64_t)(n - good));
	return SK_OK;
}

sk_err_t sk_job_fetch(const struct sk_config *cfg, struct sk_bus *bus,
		      const struct sk_fetch_req *req,
		      struct sk_job_fetch_stats *out, struct sk_error *err)
{
	return sk_job_fetch_run(cfg, bus, req, NULL, out, err);
}

static sk_err_t fetch_run(const struct sk_config *cfg, struct sk_bus *bus,
			  const struct sk_fetch_req *req, const char *run,
			  const struct sk_job_fetcher_opts *o,
			  struct sk_job_fetch_stats *out, struct sk_error *err);

sk_err_t sk_job_fetch_run(const struct sk_config *cfg, struct sk_bus *bus,
			  const struct sk_fetch_req *req, const char *run,
			  struct sk_job_fetch_stats *out, struct sk_error *err)
{
	return fetch_run(cfg, bus, req, run, NULL, out, err);
}

static sk_err_t fetch_run(const struct sk_config *cfg, struct sk_bus *bus,
			  const struct sk_fetch_req *req, const char *run,
			  const struct sk_job_fetcher_opts *o,
			  struct sk_job_fetch_stats *out, struct sk_error *err)
{
	struct sk_job_fetch_stats local;
	if (!out)
		out = &local;
	memset(out, 0, sizeof *out);
	int64_t t0 = sk_mono_ms();
	struct fetch_ctx ctx = {
		.bus = bus,
		.topic = sk_job_conf(cfg)->topic_raw,
		.run = run,
		.dlq = sk_job_conf(cfg)->topic_dlq,
		.simple = req->simple,
		.chunk = o ? o->chunk : NULL,
		.chunk_ud = o ? o->chunk_ud : NULL,
	};
	sk_err_t rc = sk_source_varsom_fetch(sk_source_conf(cfg), req,
					     emit_chunk, &ctx, &out->fetch,
					     err);
	out->produced = ctx.produced;
	out->dead_lettered = ctx.rejected;
	out->elapsed_ms = sk_mono_ms() - t0;
	t_fetch_runs++;
	t_fetch_warnings += out->fetch.warnings;
	t_fetch_requests += out->fetch.requests;
	t_fetch_retries += out->fetch.retries;
	t_fetch_failed += out->fetch.chunks_failed;
	t_fetch_ms += out->elapsed_ms;
	sk_hist_observe_us(&fetch_durations, out->elapsed_ms * 1000);
	return rc;
}

/* ------------------------------------------------------------ fetcher */

static sk_err_t bus_open_conf(const struct sk_config *cfg,
			      const struct sk_bus_conf *conf,
			      struct sk_bus **out, struct sk_error *err);

/* A fetch on a thread of its own. Ownership: the fetch thread alone uses
 * bus (opened by sk_job_fetch_start, closed by the thread when the fetch
 * has ended), req and the results below until it has set `ended`; the
 * joiner reads the results after pthread_join. `ended` is the one field
 * both threads touch while the fetch runs (an atomic with release/acquire
 * order: whoever reads it true sees every append the fetch made, committed,
 * because produce returns only once its messages are durably stored). */
struct sk_job_fetcher {
	pthread_t th;
	const struct sk_config *cfg;
	struct sk_bus *bus;
	const struct sk_fetch_req *req;
	struct sk_job_fetcher_opts o;
	/* The bus's configuration without retention: this handle only
	 * appends, and the consumer's handle applies bus.retention_days
	 * when it opens (a second pass per run would read the whole log
	 * once more, into a cache of its own). Outlives bus. */
	struct sk_bus_conf bus_conf;
	_Atomic bool ended;
	/* the fetch thread's results, read by the joiner */
	sk_err_t rc;
	struct sk_error err;
	struct sk_job_fetch_stats stats;
	int64_t ended_ms;
};

static void *fetcher_main(void *arg)
{
	struct sk_job_fetcher *f = arg;
	if (f->o.tap)
		sk_log_set_tap(f->o.tap, f->o.tap_ud);
	f->rc = fetch_run(f->cfg, f->bus, f->req, f->o.run, &f->o, &f->stats,
			  &f->err);
	f->ended_ms = sk_clock_now_ms();
	atomic_store_explicit(&f->ended, true, memory_order_release);
	sk_bus_close(f->bus); /* its caches go now, not at the join */
	f->bus = NULL;
	sk_log_set_tap(NULL, NULL);
	if (f->o.ended)
		f->o.ended(f->o.ended_ud);
	return NULL;
}

sk_err_t sk_job_fetch_start(const struct sk_config *cfg,
			    const struct sk_fetch_req *req,
			    const struct sk_job_fetcher_opts *o,
			    struct sk_job_fetcher **out, struct sk_error *err)
{
	*out = NULL;
	struct sk_job_fetcher *f = calloc(1, sizeof *f);
	if (!f)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	f->cfg = cfg;
	f->req = req;
	if (o)
		f->o = *o;
	atomic_init(&f->ended, false);
	f->bus_conf = *sk_bus_conf(cfg);
	f->bus_conf.retention_days = 0;
	if (bus_open_conf(cfg, &f->bus_conf, &f->bus, err) != SK_OK) {
		free(f);
		return err->code;
	}
	(void)sk_clock_now_ms(); /* the clock reads its settings once, here */
	if (pthread_create(&f->th, NULL, fetcher_main, f) != 0) {
		sk_bus_close(f->bus);
		free(f);
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "cannot start the fetch thread");
	}
	*out = f;
	return SK_OK;
}

bool sk_job_fetch_ended(const struct sk_job_fetcher *f)
{
	return !f || atomic_load_explicit(&((struct sk_job_fetcher *)f)->ended,
					  memory_order_acquire);
}

sk_err_t sk_job_fetch_join(struct sk_job_fetcher *f,
			   struct sk_job_fetch_stats *out, int64_t *ended_ms,
			   struct sk_error *err)
{
	pthread_join(f->th, NULL);
	sk_err_t rc = f->rc;
	if (out)
		*out = f->stats;
	if (ended_ms)
		*ended_ms = f->ended_ms;
	if (rc != SK_OK && err)
		*err = f->err;
	free(f);
	return rc;
}

/* ---------------------------------------------------------------- process */

/* Queue a dead letter for msg (copied into dlq) with the reason and where
 * it was read: source_topic, source_partition, source_offset, url. */
static sk_err_t dead_letter_as(struct sk_bus_batch *dlq, const char *topic,
			       const struct sk_bus_msg *msg,
			       const struct sk_error *why, const char *error,
			       struct sk_error *err)
{
	char off[32], part[16];
	snprintf(off, sizeof off, "%lld", (long long)msg->offset);
	snprintf(part, sizeof part, "%d", msg->partition);
	if (dead_letter_push(dlq, topic, msg->key, msg->key_len, msg->value,
			     msg->value_len, why->msg, error, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "source_topic", msg->topic, err) !=
		    SK_OK ||
	    sk_bus_batch_add_header(dlq, "source_partition", part, err) !=
		    SK_OK ||
	    sk_bus_batch_add_header(dlq, "source_offset", off, err) != SK_OK)
		return err->code;
	const char *url = sk_bus_msg_header(msg, "url");
	if (url && sk_bus_batch_add_header(dlq, "url", url, err) != SK_OK)
		return err->code;
	return SK_OK;
}

static sk_err_t dead_letter(struct sk_bus_batch *dlq, const char *topic,
			    const struct sk_bus_msg *msg,
			    const struct sk_error *why, struct sk_error *err)
{
	return dead_letter_as(dlq, topic, msg, why, sk_err_name(why->code),
			      err);
}

/* Queue the dead letter of a record held for drift: error "drift", the
 * lost fields named in the reason. */
static sk_err_t held(struct sk_bus_batch *dlq, const char *topic,
		     const struct sk_bus_msg *msg, const char *lost,
		     struct sk_error *err)
{
	struct sk_error why = {.code = SK_ERR_VALIDATE};
	snprintf(why.msg, sizeof why.msg,
		 "drift: the source no longer sends %s, which the stored "
		 "revision has; held, the stored row kept (process.on_drift)",
		 lost);
	sk_log(SK_LOG_WARN, "proc", "dead-letter key=%s offset=%lld: %s",
	       msg->key ? msg->key : "", (long long)msg->offset, why.msg);
	return dead_letter_as(dlq, topic, msg, &why, "drift", err);
}

/* Count a record's drift into the batch's tally. */
static void drift_count(struct sk_job_process_stats *d,
			const struct sk_model_drift *dr)
{
	if (!dr->n)
		return;
	d->drifted++;
	for (size_t i = 0; i < dr->n; i++)
		drift_add(d->drift, &d->n_drift, SK_JOB_DRIFT_MAX,
			  dr->items[i].field, dr->items[i].kind, 1);
}

/* A committed batch's drift: into the process's totals (/metrics), the
 * run's, and the bus's record of it where it keeps one. */
static void drift_commit(struct sk_bus *bus,
			 const struct sk_job_process_stats *d,
			 struct sk_job_process_stats *s)
{
	if (!d->n_drift)
		return;
	struct sk_bus_drift note[SK_JOB_DRIFT_MAX];
	int64_t now = sk_now_ms();
	pthread_mutex_lock(&drift_mu);
	for (size_t i = 0; i < d->n_drift; i++)
		drift_add(drift_tot, &drift_ntot,
			  sizeof drift_tot / sizeof drift_tot[0],
			  d->drift[i].field, d->drift[i].kind,
			  d->drift[i].count);
	pthread_mutex_unlock(&drift_mu);
	for (size_t i = 0; i < d->n_drift; i++) {
		drift_add(s->drift, &s->n_drift, SK_JOB_DRIFT_MAX,
			  d->drift[i].field, d->drift[i].kind,
			  d->drift[i].count);
		snprintf(note[i].field, sizeof note[i].field, "%s",
			 d->drift[i].field);
		snprintf(note[i].kind, sizeof note[i].kind, "%s",
			 sk_model_drift_kind_name(d->drift[i].kind));
		note[i].count = d->drift[i].count;
		note[i].first_seen_ms = note[i].last_seen_ms = now;
	}
	struct sk_error e = {0};
	if (bus->type->drift_note &&
	    bus->type->drift_note(bus, note, d->n_drift, &e) != SK_OK)
		sk_log(SK_LOG_WARN, "proc", "source drift not recorded: %s",
		       e.msg);
}

/* Handle one polled batch: store the good, dead-letter the bad, commit in
 * the order store -> dead letters -> offsets. */
struct topics {
	const char *dlq;
	const char *clean; /* NULL: cleaned records are not published */
	struct sk_model_avro *avro; /* bus.format=avro: the encoder */
	int32_t schema_id;          /* ... and the registry's id */
	struct sk_buf abuf;
	bool hold; /* process.on_drift=hold */
};

/* Queue the cleaned record for the clean topic: its JSON, or with
 * bus.format=avro its Confluent-framed Avro (a record that cannot be
 * encoded fails the batch: nothing of it is committed). */
static sk_err_t publish_clean(struct topics *tp, struct sk_bus_batch *out,
			      const struct sk_bus_msg *msg,
			      const struct sk_warning *w, struct sk_error *err)
{
	if (tp->avro) {
		sk_buf_reset(&tp->abuf);
		if (sk_model_warning_to_avro(tp->avro, tp->schema_id, w,
					     &tp->abuf, err) != SK_OK) {
			sk_error_prefix(err, "encoding key %s as Avro",
					msg->key ? msg->key : "");
			return err->code;
		}
		return sk_bus_batch_push(out, tp->clean, 0, -1, 0, msg->key,
					 msg->key_len, tp->abuf.data,
					 tp->abuf.len, err);
	}
	char *json = NULL;
	if (sk_model_warning_to_json(w, &json, err) != SK_OK)
		return err->code;
	sk_err_t rc = sk_bus_batch_push(out, tp->clean, 0, -1, 0, msg->key,
					msg->key_len, json, strlen(json), err);
	free(json);
	return rc;
}

/* A polled batch on its way through process_batch's three steps: the
 * warehouse transaction, then the dead letters and clean records, then the
 * offsets. A retriable failure keeps the batch and the step it reached, so
 * a retry after an outage goes on from there: the warehouse is never
 * written again once committed, and the dead letters are not appended
 * twice. */
struct pending {
	enum {
		STEP_STORE,
		STEP_PRODUCE,
		STEP_TALLY,
		STEP_CREDIT,
		STEP_COMMIT
	} step;
	struct sk_bus_batch out; /* dead letters, then clean records */
	struct sk_job_process_stats d;
	unsigned char *oc;        /* enum sk_job_outcome per message */
	struct sk_store_enc *enc; /* the store's encoder for the preparing
				   * thread (NULL: none); kept across
				   * batches */
};

static void pending_reset(struct pending *pd)
{
	sk_bus_batch_clear(&pd->out);
	free(pd->oc);
	pd->oc = NULL;
	memset(&pd->d, 0, sizeof pd->d);
	pd->step = STEP_STORE;
}

/* ------------------------------------------------ the preparing thread
 *
 * What a put needs that is no store's work - map and clean the message,
 * check its key, hash the record - is done for message i + 1.. on a thread
 * of its own while the store writes message i (one core each). The items
 * are handed over in order and used in order, so dead letters, errors and
 * the batch's all-or-nothing stay exactly as without the thread; without a
 * thread (none could be made) the same work runs inline. */

/* What a stored batch leaves to free: its polled messages and the records
 * it stored. Freed by the next batch's preparing thread (the writer's
 * time is what counts: freeing them was 7 % of it), or where they are
 * dropped. */
struct retired {
	struct sk_bus_batch batch;
	struct sk_warning **w;
	size_t n_w;
};

static void retired_free(struct retired *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_w; i++)
		sk_warning_free(r->w[i]);
	free(r->w);
	sk_bus_batch_clear(&r->batch);
	memset(r, 0, sizeof *r);
}

struct prep_item {
	struct sk_model_drift drift; /* the raw value's (n 0 when none) */
	struct sk_warning *w; /* NULL: why says why (dead letter, or NOMEM) */
	struct sk_error why;
	sk_err_t hrc; /* sk_store_content_hash's or the encoder's; its
		       * error in why */
	struct sk_store_prepared p;
};

struct prep {
	const struct sk_bus_batch *batch;
	struct sk_store *st;
	struct sk_store_enc *enc; /* NULL: the store encodes raw itself */
	struct prep_item *it;
	struct retired *garbage; /* the last batch's, freed by the thread */
	pthread_t th;
	bool threaded;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t ready; /* items [0, ready) are done (under mu) */
	bool stop;    /* the consumer gave up (under mu) */
	bool waiting; /* the consumer waits for an item (under mu) */
};

static void prep_one(struct prep *p, size_t i)
{
	const struct sk_bus_msg *msg = &p->batch->msgs[i];
	struct prep_item *it = &p->it[i];
	memset(it, 0, sizeof *it);
	/* One scan for the record and its drift; not an object: the parser
	 * dead-letters it, with its reason (and there is no drift). */
	if (sk_proc_map_drift(msg->value, msg->value_len, &it->w, &it->drift,
			      &it->why) != SK_OK ||
	    sk_proc_check_key(it->w, msg->key, &it->why) != SK_OK) {
		sk_warning_free(it->w);
		it->w = NULL;
		return;
	}
	it->hrc = sk_store_content_hash(it->w, it->p.hash, &it->why);
	if (it->hrc == SK_OK && p->enc) {
		/* Compressed even if the put writes no revision: the
		 * writer's time is what counts. */
		it->p.encoded = sk_store_enc_raw(p->st, p->enc, msg->value,
						 msg->value_len, &it->p.enc,
						 &it->p.enc_len,
						 &it->why) == SK_OK;
		it->hrc = it->p.encoded ? SK_OK : it->why.code;
	}
}

/* Items to prepare in a row before handing them over. */
#define PREP_STEP 8

static void *prep_main(void *arg)
{
	struct prep *p = arg;
	size_t n = p->batch->n;
	for (size_t i = 0; i < n;) {
		size_t end = i + PREP_STEP < n ? i + PREP_STEP : n;
		for (size_t k = i; k < end; k++)
			prep_one(p, k);
		i = end;
		pthread_mutex_lock(&p->mu);
		p->ready = i;
		bool stop = p->stop;
		if (p->waiting)
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
	}
	retired_free(p->garbage);
	return NULL;
}

/* Start preparing batch (its messages borrowed until prep_end); garbage
 * (emptied by prep_end at the latest) is freed on the way. */
static sk_err_t prep_start(struct prep *p, const struct sk_bus_batch *batch,
			   struct sk_store *st, struct sk_store_enc *enc,
			   struct retired *garbage, struct sk_error *err)
{
	memset(p, 0, sizeof *p);
	p->batch = batch;
	p->garbage = garbage;
	p->st = st;
	p->enc = enc;
	p->it = calloc(batch->n ? batch->n : 1, sizeof *p->it);
	if (!p->it)
		return sk_error_set(err, SK_ERR_NOMEM, true, "out of memory");
	/* One message has nothing to overlap with. */
	if (batch->n < 2 || pthread_mutex_init(&p->mu, NULL) != 0)
		return SK_OK;
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return SK_OK;
	}
	p->threaded = pthread_create(&p->th, NULL, prep_main, p) == 0;
	if (!p->threaded) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
	return SK_OK;
}

/* Item i, prepared (waits for the thread, or prepares it here). */
static struct prep_item *prep_get(struct prep *p, size_t i)
{
	if (!p->threaded) {
		prep_one(p, i);
		return &p->it[i];
	}
	pthread_mutex_lock(&p->mu);
	while (p->ready <= i) {
		p->waiting = true;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	p->waiting = false;
	pthread_mutex_unlock(&p->mu);
	return &p->it[i];
}

/* Stop the thread (if any) and free what was prepared and not taken. */
static void prep_end(struct prep *p)
{
	size_t n = p->batch ? p->batch->n : 0;
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		n = p->ready;
	}
	for (size_t i = 0; p->it && i < n; i++) {
		sk_warning_free(p->it[i].w);
		free(p->it[i].p.enc);
	}
	free(p->it);
	if (p->garbage) /* no thread: here (a joined one emptied it) */
		retired_free(p->garbage);
	memset(p, 0, sizeof *p);
}

/* The warehouse transaction of a batch: map and clean each message, store
 * the good ones and queue the bad ones' dead letters in pd->out. The
 * records stored are kept in done->w (freed later, retired_free); garbage
 * is the previous batch's, freed on the way. */
static sk_err_t store_batch(struct sk_store *st, struct sk_store_enc *enc,
			    struct topics *tp, const struct sk_bus_batch *batch,
			    struct pending *pd, struct retired *done,
			    struct retired *garbage, struct sk_error *err)
{
	struct sk_job_process_stats *d = &pd->d;
	struct prep pr = {0};
	/* Any failed put rolls the whole batch back (fail below). */
	if (sk_store_begin_batch(st, err) != SK_OK)
		return err->code;
	const char **keys = calloc(batch->n ? batch->n : 1, sizeof *keys);
	pd->oc = calloc(batch->n ? batch->n : 1, 1);
	done->w = calloc(batch->n ? batch->n : 1, sizeof *done->w);
	done->n_w = 0;
	if (!keys || !pd->oc || !done->w) {
		free(keys);
		sk_error_set(err, SK_ERR_NOMEM, true, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < batch->n; i++)
		keys[i] = batch->msgs[i].key ? batch->msgs[i].key : "";
	sk_err_t prc = sk_store_prefetch(st, keys, batch->n, err);
	free(keys);
	if (prc != SK_OK ||
	    prep_start(&pr, batch, st, enc, garbage, err) != SK_OK)
		goto fail;
	for (size_t i = 0; i < batch->n; i++) {
		const struct sk_bus_msg *msg = &batch->msgs[i];
		struct prep_item *it = prep_get(&pr, i);
		struct sk_warning *w = it->w;
		const struct sk_error why = it->why;
		it->w = NULL;
		d->bytes += (int64_t)msg->value_len;
		drift_count(d, &it->drift);
		if (!w) {
			if (why.code == SK_ERR_NOMEM) {
				sk_error_set(err, SK_ERR_NOMEM, true, "%s",
					     why.msg);
				goto fail;
			}
			sk_log(SK_LOG_WARN, "proc",
			       "dead-letter key=%s offset=%lld: %s",
			       msg->key ? msg->key : "", (long long)msg->offset,
			       why.msg);
			if (dead_letter(&pd->out, tp->dlq, msg, &why, err) !=
			    SK_OK)
				goto fail;
			d->dead_lettered++;
			pd->oc[i] = SK_JOB_DEAD;
			continue;
		}
		enum sk_store_put res;
		sk_err_t rc;
		char lost[160] = "";
		if (tp->hold && it->drift.n) {
			it->p.drift = &it->drift;
			it->p.lost = lost;
			it->p.lost_size = sizeof lost;
		}
		if (it->hrc != SK_OK) /* fails as it would have */
			rc = sk_store_put(st, w, msg->value, msg->value_len,
					  &res, err);
		else
			rc = sk_store_put_prepared(st, w, msg->value,
						   msg->value_len, &it->p, &res,
						   err);
		free(it->p.enc);
		it->p.enc = NULL;
		if (rc == SK_OK && res == SK_STORE_HELD) {
			sk_warning_free(w);
			if (held(&pd->out, tp->dlq, msg, lost, err) != SK_OK)
				goto fail;
			d->dead_lettered++;
			d->held++;
			pd->oc[i] = SK_JOB_DEAD;
			continue;
		}
		if (rc == SK_OK && tp->clean &&
		    (res == SK_STORE_INSERTED || res == SK_STORE_UPDATED))
			rc = publish_clean(tp, &pd->out, msg, w, err);
		done->w[done->n_w++] = w;
		if (rc != SK_OK) {
			sk_error_prefix(err, "storing key %s",
					msg->key ? msg->key : "");
			goto fail;
		}
		switch (res) {
		case SK_STORE_INSERTED:
			d->inserted++;
			pd->oc[i] = SK_JOB_INSERTED;
			break;
		case SK_STORE_UPDATED:
			d->updated++;
			pd->oc[i] = SK_JOB_UPDATED;
			break;
		case SK_STORE_UNCHANGED:
			d->unchanged++;
			pd->oc[i] = SK_JOB_UNCHANGED;
			break;
		case SK_STORE_STALE:
			d->stale++;
			pd->oc[i] = SK_JOB_STALE;
			break;
		case SK_STORE_HELD:
			break; /* above */
		}
	}
	prep_end(&pr);
	if (sk_store_commit(st, err) != SK_OK)
		goto fail;
	return SK_OK;
fail:
	prep_end(&pr);
	retired_free(garbage); /* if prep_start was not reached */
	for (size_t i = 0; i < done->n_w; i++)
		sk_warning_free(done->w[i]);
	free(done->w);
	done->w = NULL;
	done->n_w = 0;
	sk_store_rollback(st);
	if (err->code == SK_ERR_STORE || err->code == SK_ERR_DB ||
	    err->code == SK_ERR_NET || err->code == SK_ERR_TIMEOUT)
		t_store_errors++;
	return err->code;
}

/* Take a batch through the steps it has left: store -> dead letters and
 * clean records -> offsets. On failure *failed names the backend and pd
 * keeps what is done. Offsets stay uncommitted until the end, so a crash
 * anywhere re-reads the batch and the upserts make that harmless. */
static sk_err_t process_batch(struct sk_bus *bus, struct sk_store *st,
			      struct topics *tp,
			      const struct sk_job_process_opts *o,
			      const struct sk_bus_batch *batch,
			      struct pending *pd, struct retired *done,
			      struct retired *garbage,
			      struct sk_job_process_stats *s,
			      enum sk_job_backend *failed, struct sk_error *err)
{
	if (pd->step == STEP_STORE) {
		pending_reset(pd);
		*failed = SK_JOB_STORE;
		if (store_batch(st, pd->enc, tp, batch, pd, done, garbage,
				err) != SK_OK) {
			pending_reset(pd);
			return err->code;
		}
		pd->step = STEP_PRODUCE;
	}
	*failed = SK_JOB_BUS;
	if (pd->step == STEP_PRODUCE) {
		if (pd->out.n && sk_bus_produce(bus, pd->out.msgs, pd->out.n,
						err) != SK_OK) {
			sk_error_prefix(err, "writing dead letters and clean "
					     "records");
			return err->code;
		}
		pd->step = STEP_TALLY;
	}
	/* The outcomes before the commit: a consumer that dies after it
	 * would lose them, one that dies before has its batch consumed
	 * again (and crediting is idempotent). */
	if (pd->step == STEP_TALLY) {
		for (size_t i = 0; o->outcome && i < batch->n; i++)
			if (o->outcome(o->outcome_ud, &batch->msgs[i],
				       (enum sk_job_outcome)pd->oc[i],
				       err) != SK_OK)
				return err->code; /* out of memory */
		pd->step = STEP_CREDIT;
	}
	if (pd->step == STEP_CREDIT) {
		*failed = SK_JOB_LEDGER;
		if (o->outcome && o->outcome(o->outcome_ud, NULL,
					     SK_JOB_BATCH_DONE, err) != SK_OK)
			return err->code;
		*failed = SK_JOB_BUS;
		pd->step = STEP_COMMIT;
		sk_crash_point("process.before_commit");
	}
	if (sk_bus_commit(bus, batch, err) != SK_OK)
		return err->code;
	sk_crash_point("process.after_commit");
	const struct sk_job_process_stats *d = &pd->d;
	s->consumed += (int64_t)batch->n;
	s->inserted += d->inserted;
	s->updated += d->updated;
	s->unchanged += d->unchanged;
	s->stale += d->stale;
	s->dead_lettered += d->dead_lettered;
	s->bytes += d->bytes;
	s->batches++;
	s->drifted += d->drifted;
	s->held += d->held;
	drift_commit(bus, d, s);
	pending_reset(pd);
	return SK_OK;
}

bool sk_job_outage_wait(const struct sk_config *cfg, struct sk_job_outage *o,
			enum sk_job_backend b, const char *type,
			struct sk_error *err)
{
	sk_job_health_down(b, type, err);
	int64_t d = sk_job_outage_delay(cfg, o, b);
	if (d < 0) {
		sk_error_prefix(
			err, "gave up after outage.max_wait_ms=%lld",
			(long long)sk_job_conf(cfg)->outage_max_wait_ms);
		return false;
	}
	int64_t until = sk_mono_ms() + d;
	while (!sk_stop_requested()) {
		int64_t left = until - sk_mono_ms();
		if (left <= 0)
			return true;
		sk_sleep_ms(left < 200 ? left : 200);
	}
	return false;
}

struct props {
	const char **kv; /* name, value, ..., NULL */
	size_t n, cap;
	bool nomem;
};

static void add_prop(const char *name, const char *value, void *ud)
{
	struct props *p = ud;
	if (p->nomem)
		return;
	if (p->n + 3 > p->cap) {
		size_t c = p->cap ? 2 * p->cap : 16;
		const char **kv = realloc(p->kv, c * sizeof *kv);
		if (!kv) {
			p->nomem = true;
			return;
		}
		p->kv = kv;
		p->cap = c;
	}
	p->kv[p->n++] = name;
	p->kv[p->n++] = value;
	p->kv[p->n] = NULL;
}

/* sk_job_bus_open with the bus configuration conf (borrowed; must outlive
 * the bus). */
static sk_err_t bus_open_conf(const struct sk_config *cfg,
			      const struct sk_bus_conf *conf,
			      struct sk_bus **out, struct sk_error *err)
{
	*out = NULL;
	struct props p = {0};
	sk_config_each_prefixed(cfg, "kafka.", add_prop, &p);
	if (p.nomem) {
		free(p.kv);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	struct sk_bus_opts o = {.conf = conf,
				.data_dir = sk_core_conf(cfg)->data_dir,
				.kafka_props = p.kv};
	sk_err_t rc = sk_bus_open(out, &o, err);
	free(p.kv);
	return rc;
}

sk_err_t sk_job_bus_open(const struct sk_config *cfg, struct sk_bus **out,
			 struct sk_error *err)
{
	return bus_open_conf(cfg, sk_bus_conf(cfg), out, err);
}

struct sk_store_opts sk_job_store_opts(const struct sk_config *cfg)
{
	return (struct sk_store_opts){.conf = sk_store_conf(cfg),
				      .data_dir = sk_core_conf(cfg)->data_dir,
				      .map = sk_proc_map};
}

sk_err_t sk_job_store_open(const struct sk_config *cfg, bool wait,
			   struct sk_store **out, struct sk_error *err)
{
	struct sk_job_outage ow = {0};
	const char *type = sk_store_backends[sk_store_conf(cfg)->backend];
	struct sk_store_opts so = sk_job_store_opts(cfg);
	while (sk_store_open(out, &so, err) != SK_OK) {
		if (!wait || !sk_job_outage_error(err) ||
		    !sk_job_outage_wait(cfg, &ow, SK_JOB_STORE, type, err))
			return err->code;
	}
	if (ow.attempt)
		sk_job_health_up(SK_JOB_STORE, type);
	return SK_OK;
}

/* ------------------------------------------------------- Avro schema */

/* The id the registry gave, kept for the process: the same registry URL,
 * subject and schema text are not asked for again. */
static pthread_mutex_t schema_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *url, *subject, *schema;
	int32_t id;
} schema_kept;

/* The whole file at path (at most SK_LIMIT_TEXT bytes), malloc'd. */
static char *read_text(const char *path, struct sk_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sk_error_set(err, SK_ERR_CONFIG, false, "cannot read %s: %s",
			     path, strerror(errno));
		return NULL;
	}
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)sk_buf_append(&b, chunk, n);
	bool bad = ferror(f) != 0;
	fclose(f);
	char *text = bad ? NULL : sk_buf_steal(&b);
	sk_buf_free(&b);
	if (!text)
		sk_error_set(err, SK_ERR_CONFIG, false,
			     "cannot read %s (unreadable or larger than %u "
			     "bytes)",
			     path, SK_LIMIT_TEXT);
	return text;
}

/* The clean topic is published and Avro. */
static bool clean_is_avro(const struct sk_config *cfg, const char *bus_type)
{
	const struct sk_job_conf *jc = sk_job_conf(cfg);
	bool pub = jc->publish_clean == SK_JOB_PUBLISH_YES ||
		   (jc->publish_clean == SK_JOB_PUBLISH_AUTO &&
		    !strcmp(bus_type, "kafka"));
	return pub && jc->format == SK_JOB_FORMAT_AVRO;
}

/* The Avro schema of the clean topic (malloc'd): the file's, or the
 * generated one. */
static char *clean_schema(const struct sk_config *cfg, struct sk_error *err)
{
	const char *file = sk_job_conf(cfg)->avro_schema_file;
	if (file && *file) {
		char *text = read_text(file, err);
		if (!text)
			sk_error_prefix(err, "bus.avro_schema_file");
		return text;
	}
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	if (sk_model_schema_avro(SK_SCHEMA_CLEAN, &b) != SK_OK) {
		sk_buf_free(&b);
		sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		return NULL;
	}
	return sk_buf_steal(&b);
}

sk_err_t sk_job_schema_prepare(const struct sk_config *cfg,
			       const char *bus_type, int32_t *id,
			       struct sk_error *err)
{
	*id = -1;
	if (!clean_is_avro(cfg, bus_type))
		return SK_OK;
	const struct sk_schemareg_conf *rc = sk_schemareg_conf(cfg);
	char subject[300];
	snprintf(subject, sizeof subject, "%s-value",
		 sk_job_conf(cfg)->topic_clean);
	char *schema = clean_schema(cfg, err);
	if (!schema)
		return err->code;
	/* An encoder for it: a schema libavro refuses is a configuration
	 * error, found before the registry is asked. */
	struct sk_model_avro *enc = NULL;
	if (sk_model_avro_new(schema, &enc, err) != SK_OK) {
		free(schema);
		sk_error_prefix(err, "the clean topic's Avro schema");
		err->code = SK_ERR_CONFIG;
		return err->code;
	}
	sk_model_avro_free(enc);
	sk_err_t r = SK_OK;
	pthread_mutex_lock(&schema_lock);
	if (schema_kept.url && rc->url && !strcmp(schema_kept.url, rc->url) &&
	    !strcmp(schema_kept.subject, subject) &&
	    !strcmp(schema_kept.schema, schema)) {
		*id = schema_kept.id;
		goto out;
	}
	struct sk_schemareg *reg = NULL;
	r = sk_schemareg_open(rc, &reg, err);
	if (r == SK_OK)
		r = sk_schemareg_ensure(reg, subject, schema, id, err);
	sk_schemareg_close(reg);
	if (r != SK_OK)
		goto out;
	free(schema_kept.url);
	free(schema_kept.subject);
	free(schema_kept.schema);
	schema_kept.url = sk_strdup(rc->url);
	schema_kept.subject = sk_strdup(subject);
	schema_kept.schema = schema;
	schema = NULL;
	schema_kept.id = *id;
	if (!schema_kept.url || !schema_kept.subject) {
		free(schema_kept.url);
		schema_kept.url = NULL;
	}
out:
	pthread_mutex_unlock(&schema_lock);
	free(schema);
	return r;
}

sk_err_t sk_job_schema_note(const struct sk_config *cfg, struct sk_bus *bus,
			    struct sk_error *err)
{
	if (!bus->type->schema_note)
		return SK_OK;
	const struct sk_job_conf *jc = sk_job_conf(cfg);
	for (int k = 0; k < 2; k++) {
		char subject[300];
		snprintf(subject, sizeof subject, "%s-value",
			 k ? jc->topic_dlq : jc->topic_clean);
		char *schema = NULL;
		if (!k) {
			schema = clean_schema(cfg, err);
		} else {
			struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
			if (sk_model_schema_avro(SK_SCHEMA_DEAD_LETTER, &b) ==
			    SK_OK)
				schema = sk_buf_steal(&b);
			sk_buf_free(&b);
			if (!schema)
				sk_error_set(err, SK_ERR_NOMEM, false,
					     "out of memory");
		}
		if (!schema)
			return err->code;
		int version = 0;
		bool added = false;
		sk_err_t rc = sk_bus_schema_note(bus, subject, schema, &version,
						 &added, err);
		free(schema);
		if (rc != SK_OK)
			return rc;
		if (added)
			sk_log(SK_LOG_INFO, "schema",
			       "subject %s: new record shape, version %d "
			       "(`skred schema diff`)",
			       subject, version);
	}
	return SK_OK;
}

/* The encoder of the clean topic for tp (bus.format=avro). */
static sk_err_t avro_open(const struct sk_config *cfg, const char *bus_type,
			  struct topics *tp, struct sk_error *err)
{
	if (!tp->clean || !clean_is_avro(cfg, bus_type))
		return SK_OK;
	if (sk_job_schema_prepare(cfg, bus_type, &tp->schema_id, err) != SK_OK)
		return err->code;
	char *schema = clean_schema(cfg, err);
	if (!schema)
		return err->code;
	sk_err_t rc = sk_model_avro_new(schema, &tp->avro, err);
	free(schema);
	sk_buf_init(&tp->abuf, SK_LIMIT_TEXT);
	return rc;
}

sk_err_t sk_job_process(const struct sk_config *cfg, struct sk_bus *bus,
			struct sk_store *st,
			const struct sk_job_process_opts *o,
			struct sk_job_process_stats *out, struct sk_error *err)
{
	struct sk_job_process_stats local;
	if (!out)
		out = &local;
	memset(out, 0, sizeof *out);
	int64_t t0 = sk_mono_ms();
	const char *group = sk_job_conf(cfg)->group;
	const char *raw = sk_job_conf(cfg)->topic_raw;
	struct topics tp = {.dlq = sk_job_conf(cfg)->topic_dlq,
			    .hold = sk_job_conf(cfg)->on_drift ==
				    SK_JOB_DRIFT_HOLD};
	/* bus.publish_clean was checked at load (an enum). */
	int pub = sk_job_conf(cfg)->publish_clean;
	if (pub == SK_JOB_PUBLISH_YES ||
	    (pub == SK_JOB_PUBLISH_AUTO && !strcmp(bus->type->name, "kafka")))
		tp.clean = sk_job_conf(cfg)->topic_clean;
	/* With Avro, the schema is under contract before anything is read:
	 * an incompatible one stops here, nothing consumed or written. */
	if (avro_open(cfg, bus->type->name, &tp, err) != SK_OK) {
		sk_model_avro_free(tp.avro);
		sk_buf_free(&tp.abuf);
		return err->code;
	}
	/* The record shapes used, kept with an embedded log (not fatal: the
	 * records do not depend on it). */
	struct sk_error nerr = {0};
	if (sk_job_schema_note(cfg, bus, &nerr) != SK_OK)
		sk_log(SK_LOG_WARN, "schema",
		       "the schema versions are not recorded: %s", nerr.msg);
	size_t batch_size =
		o->batch_size ? o->batch_size
			      : (size_t)sk_job_conf(cfg)->process_batch_size;
	/* The backends' types, by slot, for their health (the ledger's:
	 * as its owner reported it, when crediting runs fails). */
	struct sk_job_health lh;
	sk_job_health_get(SK_JOB_LEDGER, &lh);
	const char *types[SK_JOB__BACKENDS] = {[SK_JOB_BUS] = bus->type->name,
					       [SK_JOB_STORE] = st->type->name,
					       [SK_JOB_LEDGER] =
						       lh.type[0] ? lh.type
								  : "ledger"};
	struct sk_bus_batch batch = {0};
	/* done: the batch in hand's stored records; then, with its messages,
	 * old: freed while the next batch is prepared. */
	struct retired done = {0}, old = {0};
	struct pending pd = {0};
	struct sk_job_outage ow = {0};
	enum sk_job_backend ow_b = SK_JOB_BUS;
	bool subscribed = false;
	struct sk_error enc_err = {0};
	/* Without an encoder the store compresses raw values itself. */
	if (sk_store_enc_new(st, &pd.enc, &enc_err) != SK_OK)
		pd.enc = NULL;
	sk_err_t rc = SK_OK;
	for (;;) {
		enum sk_job_backend failed = SK_JOB_BUS;
		if (sk_stop_requested())
			break;
		if (!subscribed) {
			rc = sk_bus_subscribe(bus, group, raw, err);
			subscribed = rc == SK_OK;
		} else if (!batch.n) {
			/* A new batch: none is pending. */
			size_t want = batch_size;
			if (o->max_messages > 0) {
				int64_t left = o->max_messages - out->consumed;
				if (left <= 0)
					break;
				if ((int64_t)want > left)
					want = (size_t)left;
			}
			/* Read before the poll: a fetch that had ended by
			 * then has every append visible to it, so an empty
			 * answer means caught up with all of it. */
			bool streaming = !sk_job_fetch_ended(o->stream);
			rc = sk_bus_poll(bus, &batch, want,
					 o->follow   ? 1000
					 : streaming ? SK_JOB_STREAM_POLL_MS
						     : 0,
					 err);
			if (rc == SK_OK && batch.n == 0 && !o->follow &&
			    !streaming)
				break;
		} else {
			rc = process_batch(bus, st, &tp, o, &batch, &pd, &done,
					   &old, out, &failed, err);
			if (rc == SK_OK) {
				sk_log(SK_LOG_DEBUG, "proc",
				       "batch n=%zu consumed=%lld "
				       "inserted=%lld updated=%lld dead=%lld",
				       batch.n, (long long)out->consumed,
				       (long long)out->inserted,
				       (long long)out->updated,
				       (long long)out->dead_lettered);
				retired_free(&old); /* normally emptied */
				done.batch = batch;
				memset(&batch, 0, sizeof batch);
				old = done;
				memset(&done, 0, sizeof done);
			}
		}
		if (rc == SK_OK) {
			if (ow.attempt) /* the outage is over */
				sk_job_health_up(ow_b, types[ow_b]);
			memset(&ow, 0, sizeof ow);
			continue;
		}
		if (!o->wait_outages || !sk_job_outage_error(err))
			break;
		if (ow.attempt && ow_b != failed) {
			/* The other backend answered: its outage is over. */
			sk_job_health_up(ow_b, types[ow_b]);
			memset(&ow, 0, sizeof ow);
		}
		ow_b = failed;
		/* The batch in hand, if any, is retried from its step. */
		if (!sk_job_outage_wait(cfg, &ow, failed, types[failed], err)) {
			if (sk_stop_requested())
				rc = SK_OK; /* stopped: the batch is read
					     * again next time */
			break;
		}
	}
	sk_bus_batch_clear(&batch);
	retired_free(&done);
	retired_free(&old);
	pending_reset(&pd);
	sk_store_enc_free(st, pd.enc);
	sk_model_avro_free(tp.avro);
	sk_buf_free(&tp.abuf);
	/* Everything read was bad: the dead letters are written and the
	 * offsets committed, but a pass that stored nothing must not look
	 * like success. */
	if (rc == SK_OK && out->consumed > 0 &&
	    out->dead_lettered == out->consumed)
		rc = sk_error_set(err, SK_ERR_VALIDATE, false,
				  "all %lld records read were dead-lettered "
				  "(see `skred dlq`)",
				  (long long)out->consumed);
	out->elapsed_ms = sk_mono_ms() - t0;
	t_process_runs++;
	t_process_messages += out->consumed;
	t_process_stored += out->inserted + out->updated;
	t_process_dead += out->dead_lettered;
	t_process_ms += out->elapsed_ms;
	sk_hist_observe_us(&process_durations, out->elapsed_ms * 1000);
	return rc;
}
