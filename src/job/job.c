/*
 * job.c - fetch and process, the two halves of a run.
 */
#include "job/job.h"
#include "model/model.h"
#include "proc/proc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t t_fetch_runs, t_fetch_warnings, t_fetch_requests,
	t_fetch_retries, t_fetch_failed, t_fetch_ms, t_process_runs,
	t_process_messages, t_process_stored, t_process_dead, t_process_ms,
	t_store_errors;

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

const struct sk_cfg_def sk_job_cfg[] = {
	{"regions", SK_CFG_STR, "A", 0, 0, 0,
	 "regions to fetch: all, A, B or ids like 3022,3023"},
	{"lang", SK_CFG_STR, "nb", 0, 0, 0,
	 "languages: nb (langKey 1), en (2) or both"},
	{"run.days_back", SK_CFG_INT, "7", 0, 366, 0,
	 "daily run window starts this many days before today (Europe/Oslo)"},
	{"run.days_ahead", SK_CFG_INT, "2", 0, 30, 0,
	 "daily run window ends this many days after today"},
	{"process.batch_size", SK_CFG_INT, "500", 1, 100000, 0,
	 "messages per warehouse transaction"},
	{NULL, 0, NULL, 0, 0, 0, NULL},
};

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
	bool simple;
	int64_t produced;
};

static sk_err_t emit_chunk(void *ud, const struct sk_fetch_chunk *chunk,
			   const struct sk_raw_item *items, size_t n,
			   struct sk_error *err)
{
	struct fetch_ctx *ctx = ud;
	if (!n)
		return SK_OK;
	struct sk_bus_msg *msgs = calloc(n, sizeof *msgs);
	if (!msgs)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	char fetched[SK_TIME_UTC_LEN];
	sk_time_format_utc(chunk->fetched_at_ms, fetched);
	for (size_t i = 0; i < n; i++) {
		struct sk_bus_msg *m = &msgs[i];
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
	sk_err_t rc = sk_bus_produce(ctx->bus, msgs, n, err);
	free(msgs);
	if (rc != SK_OK) {
		sk_error_prefix(err, "appending region %d lang %d to topic %s",
				chunk->region, chunk->lang, ctx->topic);
		return rc;
	}
	ctx->produced += (int64_t)n;
	return SK_OK;
}

sk_err_t sk_job_fetch(const struct sk_config *cfg, struct sk_bus *bus,
		      const struct sk_fetch_req *req,
		      struct sk_job_fetch_stats *out, struct sk_error *err)
{
	return sk_job_fetch_run(cfg, bus, req, NULL, out, err);
}

sk_err_t sk_job_fetch_run(const struct sk_config *cfg, struct sk_bus *bus,
			  const struct sk_fetch_req *req, const char *run,
			  struct sk_job_fetch_stats *out,
			  struct sk_error *err)
{
	struct sk_job_fetch_stats local;
	if (!out)
		out = &local;
	memset(out, 0, sizeof *out);
	int64_t t0 = sk_mono_ms();
	struct fetch_ctx ctx = {
		.bus = bus,
		.topic = sk_config_str(cfg, "bus.topic_raw"),
		.run = run,
		.simple = req->simple,
	};
	sk_err_t rc = sk_source_varsom_fetch(cfg, req, emit_chunk, &ctx,
					     &out->fetch, err);
	out->produced = ctx.produced;
	out->elapsed_ms = sk_mono_ms() - t0;
	t_fetch_runs++;
	t_fetch_warnings += out->fetch.warnings;
	t_fetch_requests += out->fetch.requests;
	t_fetch_retries += out->fetch.retries;
	t_fetch_failed += out->fetch.chunks_failed;
	t_fetch_ms += out->elapsed_ms;
	return rc;
}

/* ---------------------------------------------------------------- process */

/* Queue a dead letter for msg (copied into dlq) with the reason. */
static sk_err_t dead_letter(struct sk_bus_batch *dlq, const char *topic,
			    const struct sk_bus_msg *msg,
			    const struct sk_error *why, struct sk_error *err)
{
	char off[32], ts[SK_TIME_UTC_LEN];
	snprintf(off, sizeof off, "%lld", (long long)msg->offset);
	sk_time_format_utc(sk_now_ms(), ts);
	if (sk_bus_batch_push(dlq, topic, 0, -1, 0, msg->key, msg->key_len,
			      msg->value, msg->value_len, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "reason", why->msg, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "error", sk_err_name(why->code),
				    err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "source_topic", msg->topic, err) !=
		    SK_OK ||
	    sk_bus_batch_add_header(dlq, "source_offset", off, err) != SK_OK ||
	    sk_bus_batch_add_header(dlq, "dead_lettered_at", ts, err) != SK_OK)
		return err->code;
	const char *url = sk_bus_msg_header(msg, "url");
	if (url && sk_bus_batch_add_header(dlq, "url", url, err) != SK_OK)
		return err->code;
	return SK_OK;
}

/* Handle one polled batch: store the good, dead-letter the bad, commit in
 * the order store -> dead letters -> offsets. */
struct topics {
	const char *dlq;
	const char *clean; /* NULL: cleaned records are not published */
};

/* Queue the cleaned record for the clean topic. */
static sk_err_t publish_clean(struct sk_bus_batch *out, const char *topic,
			      const struct sk_bus_msg *msg,
			      const struct sk_warning *w, struct sk_error *err)
{
	char *json = NULL;
	if (sk_model_warning_to_json(w, &json, err) != SK_OK)
		return err->code;
	sk_err_t rc = sk_bus_batch_push(out, topic, 0, -1, 0, msg->key,
					msg->key_len, json, strlen(json), err);
	free(json);
	return rc;
}

static sk_err_t process_batch(struct sk_bus *bus, struct sk_store *st,
			      const struct topics *tp,
			      const struct sk_job_process_opts *o,
			      const struct sk_bus_batch *batch,
			      struct sk_job_process_stats *s,
			      struct sk_error *err)
{
	struct sk_bus_batch dlq = {0}; /* dead letters, then clean records */
	struct sk_job_process_stats d = {0};
	unsigned char *oc = NULL; /* enum sk_job_outcome per message */
	if (sk_store_begin(st, err) != SK_OK)
		return err->code;
	const char **keys = calloc(batch->n ? batch->n : 1, sizeof *keys);
	oc = calloc(batch->n ? batch->n : 1, 1);
	if (!keys || !oc) {
		free(keys);
		sk_error_set(err, SK_ERR_NOMEM, true, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < batch->n; i++)
		keys[i] = batch->msgs[i].key ? batch->msgs[i].key : "";
	sk_err_t prc = sk_store_prefetch(st, keys, batch->n, err);
	free(keys);
	if (prc != SK_OK)
		goto fail;
	for (size_t i = 0; i < batch->n; i++) {
		const struct sk_bus_msg *msg = &batch->msgs[i];
		struct sk_warning *w = NULL;
		struct sk_error why = {0};
		d.bytes += (int64_t)msg->value_len;
		if (sk_proc_map(msg->value, msg->value_len, &w, &why) != SK_OK ||
		    sk_proc_check_key(w, msg->key, &why) != SK_OK) {
			sk_warning_free(w);
			if (why.code == SK_ERR_NOMEM) {
				sk_error_set(err, SK_ERR_NOMEM, true, "%s",
					     why.msg);
				goto fail;
			}
			sk_log(SK_LOG_WARN, "proc",
			       "dead-letter key=%s offset=%lld: %s",
			       msg->key ? msg->key : "",
			       (long long)msg->offset, why.msg);
			if (dead_letter(&dlq, tp->dlq, msg, &why, err) != SK_OK)
				goto fail;
			d.dead_lettered++;
			oc[i] = SK_JOB_DEAD;
			continue;
		}
		enum sk_store_put res;
		sk_err_t rc = sk_store_put(st, w, msg->value, msg->value_len,
					   &res, err);
		if (rc == SK_OK && tp->clean &&
		    (res == SK_STORE_INSERTED || res == SK_STORE_UPDATED))
			rc = publish_clean(&dlq, tp->clean, msg, w, err);
		sk_warning_free(w);
		if (rc != SK_OK) {
			sk_error_prefix(err, "storing key %s",
					msg->key ? msg->key : "");
			goto fail;
		}
		switch (res) {
		case SK_STORE_INSERTED: d.inserted++; oc[i] = SK_JOB_INSERTED; break;
		case SK_STORE_UPDATED: d.updated++; oc[i] = SK_JOB_UPDATED; break;
		case SK_STORE_UNCHANGED: d.unchanged++; oc[i] = SK_JOB_UNCHANGED; break;
		case SK_STORE_STALE: d.stale++; oc[i] = SK_JOB_STALE; break;
		}
	}
	if (sk_store_commit(st, err) != SK_OK)
		goto fail;
	if (dlq.n && sk_bus_produce(bus, dlq.msgs, dlq.n, err) != SK_OK) {
		sk_error_prefix(err, "writing dead letters and clean records");
		goto fail_committed;
	}
	if (sk_bus_commit(bus, batch, err) != SK_OK)
		goto fail_committed;
	for (size_t i = 0; o->outcome && i < batch->n; i++)
		o->outcome(o->outcome_ud,
			   sk_bus_msg_header(&batch->msgs[i], "run"),
			   (enum sk_job_outcome)oc[i]);
	if (o->outcome)
		o->outcome(o->outcome_ud, NULL, SK_JOB_BATCH_DONE);
	free(oc);
	sk_bus_batch_clear(&dlq);
	s->consumed += (int64_t)batch->n;
	s->inserted += d.inserted;
	s->updated += d.updated;
	s->unchanged += d.unchanged;
	s->stale += d.stale;
	s->dead_lettered += d.dead_lettered;
	s->bytes += d.bytes;
	s->batches++;
	return SK_OK;
fail:
	sk_store_rollback(st);
	if (err->code == SK_ERR_STORE || err->code == SK_ERR_DB ||
	    err->code == SK_ERR_NET || err->code == SK_ERR_TIMEOUT)
		t_store_errors++;
fail_committed:
	/* Offsets stay uncommitted: the batch is read again next time and the
	 * upserts make that harmless. */
	free(oc);
	sk_bus_batch_clear(&dlq);
	return err->code;
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
	const char *group = sk_config_str(cfg, "bus.group");
	const char *raw = sk_config_str(cfg, "bus.topic_raw");
	const char *pub = sk_config_str(cfg, "bus.publish_clean");
	struct topics tp = {.dlq = sk_config_str(cfg, "bus.topic_dlq")};
	if (!pub || (strcmp(pub, "auto") && strcmp(pub, "yes") &&
		     strcmp(pub, "no")))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "bus.publish_clean must be auto, yes or "
				    "no, got '%s'",
				    pub ? pub : "");
	if (!strcmp(pub, "yes") ||
	    (!strcmp(pub, "auto") && !strcmp(bus->type->name, "kafka")))
		tp.clean = sk_config_str(cfg, "bus.topic_clean");
	size_t batch_size = o->batch_size
				    ? o->batch_size
				    : (size_t)sk_config_int(cfg, "process.batch_size");
	sk_err_t rc = sk_bus_subscribe(bus, group, raw, err);
	struct sk_bus_batch batch = {0};
	while (rc == SK_OK) {
		if (sk_stop_requested())
			break;
		size_t want = batch_size;
		if (o->max_messages > 0) {
			int64_t left = o->max_messages - out->consumed;
			if (left <= 0)
				break;
			if ((int64_t)want > left)
				want = (size_t)left;
		}
		sk_bus_batch_clear(&batch);
		rc = sk_bus_poll(bus, &batch, want, o->follow ? 1000 : 0, err);
		if (rc != SK_OK)
			break;
		if (batch.n == 0) {
			if (!o->follow)
				break;
			continue;
		}
		rc = process_batch(bus, st, &tp, o, &batch, out, err);
		if (rc == SK_OK)
			sk_log(SK_LOG_DEBUG, "proc",
			       "batch n=%zu consumed=%lld inserted=%lld "
			       "updated=%lld dead=%lld",
			       batch.n, (long long)out->consumed,
			       (long long)out->inserted,
			       (long long)out->updated,
			       (long long)out->dead_lettered);
	}
	sk_bus_batch_clear(&batch);
	out->elapsed_ms = sk_mono_ms() - t0;
	t_process_runs++;
	t_process_messages += out->consumed;
	t_process_stored += out->inserted + out->updated;
	t_process_dead += out->dead_lettered;
	t_process_ms += out->elapsed_ms;
	return rc;
}
