/*
 * browse.c - the Pipeline page's tools beyond offsets and lag (issue 15):
 *
 * GET  /api/v1/messages?topic=T[&partition=N][&offset=N|&from=TIME]
 *                      [&key=S][&limit=N]   a topic's messages (raw, clean,
 *                                           dlq or a configured name)
 * GET  /api/v1/rates                        end offsets, committed offset and
 *                                           lag over the last hour (samples)
 * GET  /api/v1/members                      the consumer group's members and
 *                                           their partitions (Kafka)
 * POST /api/v1/dlq/replay?offsets=N,N|reason=R[&dry_run=1]
 *                      dead letters back through processing: a dry run maps
 *                      each and asks the warehouse what a put would do
 *                      (reads only); a replay is a ledger run (job
 *                      "replay"): the letters go back on the raw topic and
 *                      are processed, and each one stored is marked in the
 *                      ledger (meta "dlq.replayed.<id>"), which /api/v1/dlq
 *                      shows.
 *
 * The rates are samples kept in memory by a thread of the server (no
 * store): every SK_WEB_SAMPLE_MS, the bus's end offsets of the three topics
 * and the group's committed offset on the raw one, SK_WEB_SAMPLES of them;
 * from the first GET /api/v1/rates on (until then the thread only waits,
 * so a daemon nobody looks at opens no bus handle for it).
 */
#include "web/web_int.h"
#include "bus/bus.h"
#include "job/job.h"
#include "model/model.h"
#include "proc/proc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SK_WEB_REPLAY_MAX 1000 /* dead letters one replay takes */
#define SK_WEB_META_REPLAYED "dlq.replayed."

/* ------------------------------------------------------------ sampler */

struct sk_web_sample {
	int64_t ms;     /* wall clock */
	int64_t end[3]; /* raw, dlq, clean: sum over partitions; -1 unknown */
	int64_t committed; /* the group on raw; -1 none */
};

struct sk_web_sampler {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool active; /* sampling: since the first GET /api/v1/rates */
	struct sk_web_sample s[SK_WEB_SAMPLES];
	size_t n, head; /* head: next slot */
};

/* One sample; lock: take the configuration's read lock (the sampler
 * thread), else the caller (a request) holds it. */
static void sample_once(struct sk_web *w, struct sk_web_sample *out, bool lock)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	out->ms = sk_now_ms();
	out->committed = -1;
	for (int i = 0; i < 3; i++)
		out->end[i] = -1;
	if (lock)
		pthread_rwlock_rdlock(&w->cfg_lock);
	const struct sk_job_conf *jc = w->env.job;
	const char *topics[3] = {jc->topic_raw, jc->topic_dlq, jc->topic_clean};
	bool ok = sk_web_bus_take(w, &bus, &err) == SK_OK;
	for (int t = 0; ok && t < 3; t++) {
		struct sk_bus_lag *l = NULL;
		size_t n = 0;
		if (sk_bus_lag(bus, jc->group, topics[t], &l, &n, &err) !=
		    SK_OK) {
			ok = false;
			break;
		}
		int64_t end = 0, com = 0;
		bool any = false;
		for (size_t p = 0; p < n; p++) {
			end += l[p].end_offset;
			if (l[p].committed_offset >= 0) {
				com += l[p].committed_offset;
				any = true;
			}
		}
		out->end[t] = end;
		if (t == 0 && any)
			out->committed = com;
		free(l);
	}
	if (bus)
		sk_web_bus_give(w, bus, ok);
	if (lock)
		pthread_rwlock_unlock(&w->cfg_lock);
	if (!ok)
		sk_log(SK_LOG_DEBUG, "http", "rates sample: %s", err.msg);
}

static void sample_push(struct sk_web_sampler *s, const struct sk_web_sample *x)
{
	s->s[s->head] = *x;
	s->head = (s->head + 1) % SK_WEB_SAMPLES;
	if (s->n < SK_WEB_SAMPLES)
		s->n++;
}

/* Idle (no bus handle, nothing sampled) until the Pipeline page first
 * asks for the rates: a daemon nobody looks at keeps its footprint. */
static void *sampler_main(void *arg)
{
	struct sk_web *w = arg;
	struct sk_web_sampler *s = w->sampler;
	pthread_mutex_lock(&s->mu);
	while (!s->stop && !s->active)
		pthread_cond_wait(&s->cv, &s->mu);
	while (!s->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SK_WEB_SAMPLE_MS / 1000;
		until.tv_nsec += (SK_WEB_SAMPLE_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!s->stop &&
		       pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
			;
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		struct sk_web_sample x;
		sample_once(w, &x, true);
		pthread_mutex_lock(&s->mu);
		sample_push(s, &x);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

sk_err_t sk_web_sampler_start(struct sk_web *w, struct sk_error *err)
{
	struct sk_web_sampler *s = calloc(1, sizeof *s);
	if (!s)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	w->sampler = s;
	if (pthread_create(&s->th, NULL, sampler_main, w) != 0) {
		w->sampler = NULL;
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return sk_error_set(err, SK_ERR_IO, false,
				    "cannot start a thread: %s",
				    strerror(errno));
	}
	return SK_OK;
}

void sk_web_sampler_stop(struct sk_web *w)
{
	struct sk_web_sampler *s = w->sampler;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	w->sampler = NULL;
}

static void num_or_null(struct sk_buf *b, int64_t v)
{
	if (v < 0)
		sk_buf_puts(b, "null");
	else
		sk_buf_printf(b, "%lld", (long long)v);
}

static enum MHD_Result rates(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	const struct sk_job_conf *jc = w->env.job;
	sk_buf_printf(&b, "{\"interval_ms\":%d,\"window_ms\":%lld,\"topics\":{",
		      SK_WEB_SAMPLE_MS,
		      (long long)SK_WEB_SAMPLE_MS * SK_WEB_SAMPLES);
	sk_buf_puts(&b, "\"raw\":");
	sk_model_json_string(&b, jc->topic_raw);
	sk_buf_puts(&b, ",\"dlq\":");
	sk_model_json_string(&b, jc->topic_dlq);
	sk_buf_puts(&b, ",\"clean\":");
	sk_model_json_string(&b, jc->topic_clean);
	sk_buf_puts(&b, "},\"samples\":[");
	struct sk_web_sampler *s = w->sampler;
	bool first = false;
	if (s) {
		pthread_mutex_lock(&s->mu);
		first = !s->active;
		pthread_mutex_unlock(&s->mu);
	}
	if (first) {
		/* The first ask: one sample now (this request holds the
		 * configuration's lock), then the thread every interval. */
		struct sk_web_sample x;
		sample_once(w, &x, false);
		pthread_mutex_lock(&s->mu);
		if (!s->active) {
			sample_push(s, &x);
			s->active = true;
			pthread_cond_signal(&s->cv);
		}
		pthread_mutex_unlock(&s->mu);
	}
	if (s) {
		pthread_mutex_lock(&s->mu);
		size_t first = (s->head + SK_WEB_SAMPLES - s->n) %
			       SK_WEB_SAMPLES;
		for (size_t i = 0; i < s->n; i++) {
			const struct sk_web_sample *x =
				&s->s[(first + i) % SK_WEB_SAMPLES];
			char t[SK_TIME_UTC_LEN];
			sk_time_format_utc(x->ms, t);
			sk_buf_printf(&b, "%s{\"time\":\"%s\",\"raw_end\":",
				      i ? "," : "", t);
			num_or_null(&b, x->end[0]);
			sk_buf_puts(&b, ",\"dlq_end\":");
			num_or_null(&b, x->end[1]);
			sk_buf_puts(&b, ",\"clean_end\":");
			num_or_null(&b, x->end[2]);
			sk_buf_puts(&b, ",\"committed\":");
			num_or_null(&b, x->committed);
			sk_buf_puts(&b, ",\"lag\":");
			num_or_null(&b, x->committed >= 0 && x->end[0] >= 0
						? x->end[0] - x->committed
						: -1);
			sk_buf_puts(&b, "}");
		}
		pthread_mutex_unlock(&s->mu);
	}
	sk_buf_puts(&b, "]}");
	enum MHD_Result r = sk_web_reply(c, 200, &b);
	sk_buf_free(&b);
	return r;
}

/* ------------------------------------------------------------ browser */

/* The configured topic call->topic names ("raw", "clean", "dlq" or the
 * name itself), or NULL. */
static const char *topic_of(const struct sk_web *w, const char *t)
{
	const struct sk_job_conf *jc = w->env.job;
	if (!t)
		return NULL;
	if (!strcmp(t, "raw") || !strcmp(t, jc->topic_raw))
		return jc->topic_raw;
	if (!strcmp(t, "dlq") || !strcmp(t, jc->topic_dlq))
		return jc->topic_dlq;
	if (!strcmp(t, "clean") || !strcmp(t, jc->topic_clean))
		return jc->topic_clean;
	return NULL;
}

static void base64(struct sk_buf *b, const unsigned char *p, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
		"wxyz0123456789+/";
	sk_buf_puts(b, "\"");
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[5] = {a[v >> 18 & 63], a[v >> 12 & 63],
			     i + 1 < n ? a[v >> 6 & 63] : '=',
			     i + 2 < n ? a[v & 63] : '=', 0};
		sk_buf_puts(b, q);
	}
	sk_buf_puts(b, "\"");
}

/* One message as JSON; a value with a NUL byte (Avro) as base64. */
static void message_json(struct sk_buf *b, const struct sk_bus_msg *m)
{
	char t[SK_TIME_UTC_LEN] = "";
	if (m->timestamp_ms > 0)
		sk_time_format_utc(m->timestamp_ms, t);
	sk_buf_printf(b, "{\"partition\":%d,\"offset\":%lld,\"time\":",
		      m->partition, (long long)m->offset);
	if (t[0])
		sk_model_json_string(b, t);
	else
		sk_buf_puts(b, "null");
	sk_buf_puts(b, ",\"key\":");
	sk_model_json_string(b, m->key ? m->key : "");
	sk_buf_puts(b, ",\"headers\":{");
	for (size_t h = 0; h < m->n_headers; h++) {
		sk_buf_puts(b, h ? "," : "");
		sk_model_json_string(b, m->headers[h].key);
		sk_buf_puts(b, ":");
		sk_model_json_string(b, m->headers[h].value);
	}
	sk_buf_printf(b, "},\"size\":%zu,", m->value_len);
	if (m->value && strlen(m->value) == m->value_len) {
		sk_buf_puts(b, "\"payload\":");
		sk_model_json_string(b, m->value);
	} else {
		sk_buf_puts(b, "\"payload\":null,\"payload_base64\":");
		base64(b, (const unsigned char *)(m->value ? m->value : ""),
		       m->value_len);
	}
	sk_buf_puts(b, "}");
}

static enum MHD_Result messages(struct sk_web *w, struct MHD_Connection *c,
				const struct sk_web_call *call)
{
	const char *topic = topic_of(w, call->topic);
	if (!topic)
		return sk_web_reply_error(c, 404,
					  "no such topic (raw, clean, dlq or "
					  "a configured topic name)");
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_batch batch = {0};
	struct sk_bus_browse q = {.topic = topic,
				  .partition = call->partition,
				  .offset = call->offset,
				  .from_ms = call->from_ms,
				  .key = call->key,
				  .max = (size_t)call->limit,
				  /* A key search reads further. */
				  .scan_max = call->key && call->key[0]
						      ? SK_WEB_SCAN_MAX
						      : 0};
	size_t scanned = 0;
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	if (rc == SK_OK) {
		rc = sk_bus_browse(bus, &q, &batch, &scanned, &err);
		sk_web_bus_give(w, bus, rc == SK_OK);
	}
	if (rc != SK_OK) {
		sk_bus_batch_clear(&batch);
		return sk_web_reply_error(c, rc == SK_ERR_NOTFOUND ? 404 : 500,
					  err.msg);
	}
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_buf_puts(&b, "{\"topic\":");
	sk_model_json_string(&b, topic);
	sk_buf_puts(&b, ",\"messages\":[");
	int64_t next = call->offset;
	for (size_t i = 0; i < batch.n; i++) {
		sk_buf_puts(&b, i ? "," : "");
		message_json(&b, &batch.msgs[i]);
		if (batch.msgs[i].offset + 1 > next)
			next = batch.msgs[i].offset + 1;
	}
	sk_buf_printf(&b,
		      "],\"count\":%zu,\"scanned\":%zu,\"next_offset\":%lld}",
		      batch.n, scanned, (long long)next);
	sk_bus_batch_clear(&batch);
	enum MHD_Result r = sk_web_reply(c, 200, &b);
	sk_buf_free(&b);
	return r;
}

static enum MHD_Result members(struct sk_web *w, struct MHD_Connection *c)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_member *m = NULL;
	size_t n = 0;
	const char *group = w->env.job->group;
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	if (rc == SK_OK) {
		rc = sk_bus_members(bus, group, &m, &n, &err);
		sk_web_bus_give(w, bus, rc == SK_OK || rc == SK_ERR_NOTFOUND);
	}
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	sk_buf_puts(&b, "{\"group\":");
	sk_model_json_string(&b, group);
	if (rc == SK_ERR_NOTFOUND) {
		/* The embedded log: one consumer at a time, no members. */
		sk_buf_puts(&b, ",\"members\":null,\"note\":");
		sk_model_json_string(&b, err.msg);
		sk_buf_puts(&b, "}");
		rc = SK_OK;
	} else if (rc == SK_OK) {
		sk_buf_puts(&b, ",\"members\":[");
		for (size_t i = 0; i < n; i++) {
			sk_buf_puts(&b, i ? ",{\"id\":" : "{\"id\":");
			sk_model_json_string(&b, m[i].id);
			sk_buf_puts(&b, ",\"client_id\":");
			sk_model_json_string(&b, m[i].client_id);
			sk_buf_puts(&b, ",\"host\":");
			sk_model_json_string(&b, m[i].host);
			sk_buf_puts(&b, ",\"assignment\":");
			sk_model_json_string(&b, m[i].assignment);
			sk_buf_puts(&b, "}");
		}
		sk_buf_puts(&b, "]}");
	}
	free(m);
	enum MHD_Result r = rc == SK_OK ? sk_web_reply(c, 200, &b)
					: sk_web_reply_error(c, 500, err.msg);
	sk_buf_free(&b);
	return r;
}

/* ------------------------------------------------------------ replay */

/* A dead letter's identity: its dedup header, or made from key and value
 * (letters written before they had one). */
static void dead_id(const struct sk_bus_msg *m, char id[SK_BUS_DEAD_ID_MAX])
{
	const char *h = sk_bus_msg_header(m, SK_BUS_HEADER_DEDUP);
	if (h) {
		snprintf(id, SK_BUS_DEAD_ID_MAX, "%s", h);
		return;
	}
	char hash[17];
	sk_bus_dead_letter_id(m->key, m->key_len, m->value, m->value_len, hash,
			      id);
}

sk_err_t sk_web_dlq_replayed(struct sk_web *w, const struct sk_bus_msg *m,
			     char *buf, size_t size, struct sk_error *err)
{
	char id[SK_BUS_DEAD_ID_MAX], key[SK_BUS_DEAD_ID_MAX + 16];
	bool found = false;
	buf[0] = '\0';
	dead_id(m, id);
	snprintf(key, sizeof key, "%s%s", SK_WEB_META_REPLAYED, id);
	pthread_mutex_lock(&w->lock);
	sk_err_t rc = sk_web_ledger(w, err);
	if (rc == SK_OK)
		rc = sk_ledger_meta_get(w->l, key, buf, size, &found, err);
	pthread_mutex_unlock(&w->lock);
	if (!found)
		buf[0] = '\0';
	return rc;
}

/* Whether list ("O" or "P:O" items, comma-separated; "O" is partition
 * 0) names (partition, off). */
static bool offset_listed(const char *list, int partition, int64_t off)
{
	for (const char *p = list; p && *p;) {
		char *end;
		long long part = 0, v = strtoll(p, &end, 10);
		if (end == p)
			break;
		if (*end == ':') {
			part = v;
			p = end + 1;
			v = strtoll(p, &end, 10);
			if (end == p)
				break;
		}
		if (v == off && part == partition)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* The dead letters call selects (by offsets or reason), deduplicated. */
static sk_err_t select_letters(struct sk_web *w, struct sk_bus *bus,
			       const struct sk_web_call *call,
			       struct sk_bus_batch *out, struct sk_error *err)
{
	struct sk_bus_batch all = {0};
	int64_t from = 0;
	sk_err_t rc;
	for (;;) {
		size_t before = all.n;
		rc = sk_bus_read(bus, w->env.job->topic_dlq, -1, from, 500,
				 &all, err);
		if (rc != SK_OK || all.n == before)
			break;
		for (size_t i = before; i < all.n; i++)
			if (all.msgs[i].offset + 1 > from)
				from = all.msgs[i].offset + 1;
		if (all.n - before < 500)
			break;
	}
	if (rc == SK_OK)
		rc = sk_bus_batch_dedup(&all, err);
	for (size_t i = 0; rc == SK_OK && i < all.n; i++) {
		const struct sk_bus_msg *m = &all.msgs[i];
		const char *why = sk_bus_msg_header(m, "reason");
		bool want = call->offsets
				    ? offset_listed(call->offsets, m->partition,
						    m->offset)
				    : why && call->reason &&
					      !strcmp(why, call->reason);
		if (!want)
			continue;
		if (out->n >= SK_WEB_REPLAY_MAX) {
			rc = sk_error_set(err, SK_ERR_INVAL, false,
					  "more than %d dead letters selected",
					  SK_WEB_REPLAY_MAX);
			break;
		}
		rc = sk_bus_batch_push(out, m->topic, m->partition, m->offset,
				       m->timestamp_ms, m->key, m->key_len,
				       m->value, m->value_len, err);
		for (size_t h = 0; rc == SK_OK && h < m->n_headers; h++)
			rc = sk_bus_batch_add_header(out, m->headers[h].key,
						     m->headers[h].value, err);
	}
	sk_bus_batch_clear(&all);
	return rc;
}

static const char *const put_names[] = {"inserted", "updated", "unchanged",
					"stale"};

/* What processing would do with one dead letter now: "dead" with the
 * reason when it still fails to map, else the warehouse's decision for
 * the put, by reads only (sk_store_put_preview; then rolled back). */
static void dry_one(struct sk_store *st, const struct sk_bus_msg *m,
		    const char **outcome, char *detail, size_t size)
{
	struct sk_error why = {0};
	struct sk_warning *rec = NULL;
	detail[0] = '\0';
	if (sk_proc_map(m->value, m->value_len, &rec, &why) != SK_OK ||
	    sk_proc_check_key(rec, m->key, &why) != SK_OK) {
		*outcome = "dead";
		snprintf(detail, size, "%s", why.msg);
		sk_warning_free(rec);
		return;
	}
	enum sk_store_put res = SK_STORE_INSERTED;
	if (sk_store_begin(st, &why) != SK_OK ||
	    sk_store_put_preview(st, rec, &res, &why) != SK_OK) {
		*outcome = "error";
		snprintf(detail, size, "%s", why.msg);
	} else {
		*outcome = put_names[res];
	}
	sk_store_rollback(st);
	sk_warning_free(rec);
}

/* The outcome of each replayed letter, by the "replay_of" header. */
struct replay_ctx {
	struct sk_sched_tally tally;
	const struct sk_bus_batch *sel;
	const char **outcome; /* per selected letter; NULL not seen */
};

static sk_err_t replay_outcome(void *ud, const struct sk_bus_msg *msg,
			       enum sk_job_outcome oc, struct sk_error *err)
{
	struct replay_ctx *x = ud;
	const char *of = msg ? sk_bus_msg_header(msg, "replay_of") : NULL;
	if (of && oc != SK_JOB_BATCH_DONE) {
		char *end;
		long long part = strtoll(of, &end, 10);
		long long off = *end == ':' ? strtoll(end + 1, NULL, 10) : -1;
		for (size_t i = 0; i < x->sel->n; i++)
			if (x->sel->msgs[i].offset == off &&
			    x->sel->msgs[i].partition == part)
				x->outcome[i] =
					oc == SK_JOB_INSERTED    ? "inserted"
					: oc == SK_JOB_UPDATED   ? "updated"
					: oc == SK_JOB_UNCHANGED ? "unchanged"
					: oc == SK_JOB_STALE     ? "stale"
								 : "dead";
	}
	return sk_sched_tally_outcome(&x->tally, msg, oc, err);
}

static void letters_json(struct sk_buf *b, const struct sk_bus_batch *sel,
			 const char *const *outcome, char (*detail)[256])
{
	sk_buf_puts(b, "\"letters\":[");
	for (size_t i = 0; i < sel->n; i++) {
		const struct sk_bus_msg *m = &sel->msgs[i];
		const char *why = sk_bus_msg_header(m, "reason");
		sk_buf_printf(b, "%s{\"partition\":%d,\"offset\":%lld,\"key\":",
			      i ? "," : "", m->partition, (long long)m->offset);
		sk_model_json_string(b, m->key);
		sk_buf_puts(b, ",\"reason\":");
		sk_model_json_string(b, why ? why : "");
		sk_buf_puts(b, ",\"outcome\":");
		sk_model_json_string(b, outcome[i] ? outcome[i] : "sent");
		sk_buf_puts(b, ",\"detail\":");
		sk_model_json_string(b, detail ? detail[i] : "");
		sk_buf_puts(b, "}");
	}
	sk_buf_puts(b, "]");
}

/* Send the selection back on the raw topic as one ledger run and process
 * what is pending; each letter stored (or found unchanged/stale) is marked
 * replayed. */
static sk_err_t replay_run(struct sk_web *w, struct sk_bus_batch *sel,
			   const char **outcome, struct sk_run *r,
			   struct sk_error *err)
{
	const struct sk_config *cfg = w->env.cfg;
	struct sk_ledger *l = NULL;
	struct sk_bus *bus = NULL;
	struct sk_store *st = NULL;
	struct sk_bus_msg *out = NULL;
	char(*ids)[32] = NULL;
	bool created = false, claimed = false;
	struct replay_ctx x = {.sel = sel, .outcome = outcome};
	struct sk_job_process_stats ps = {0};
	sk_err_t rc = sk_sched_ledger_open(cfg, &l, err);
	if (rc != SK_OK)
		return rc;
	int64_t now = sk_clock_now_ms();
	snprintf(r->job, sizeof r->job, "replay");
	sk_time_format_utc(now, r->logical_time);
	struct sk_date today = sk_oslo_date_at(now);
	sk_date_format(&today, r->window_from);
	sk_date_format(&today, r->window_to);
	snprintf(r->regions, sizeof r->regions, "dlq");
	snprintf(r->langs, sizeof r->langs, "both");
	r->max_attempts = 1;
	/* Never due: only this request claims it (by id). */
	r->next_try_ms = INT64_MAX / 2;
	rc = sk_ledger_run_add(l, r, &created, err);
	if (rc == SK_OK)
		rc = sk_ledger_run_claim(l, r->id, sk_sched_owner(NULL), now,
					 sk_now_ms() + 600000, r, &claimed,
					 err);
	if (rc == SK_OK && !claimed)
		rc = sk_error_set(err, SK_ERR_CONFLICT, false,
				  "replay run %lld was taken by another "
				  "process",
				  (long long)r->id);
	if (rc != SK_OK)
		goto out;
	out = calloc(sel->n ? sel->n : 1, sizeof *out);
	ids = calloc(sel->n ? sel->n : 1, sizeof *ids);
	char runh[48];
	snprintf(runh, sizeof runh, "%lld.%d", (long long)r->id, r->attempts);
	if (!out || !ids) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto end;
	}
	for (size_t i = 0; i < sel->n; i++) {
		const struct sk_bus_msg *m = &sel->msgs[i];
		snprintf(ids[i], sizeof ids[i], "%d:%lld", m->partition,
			 (long long)m->offset);
		out[i].topic = (char *)w->env.job->topic_raw;
		out[i].key = m->key;
		out[i].key_len = m->key_len;
		out[i].value = m->value;
		out[i].value_len = m->value_len;
		out[i].timestamp_ms = sk_now_ms();
		out[i].headers[0] = (struct sk_bus_header){"run", runh};
		out[i].headers[1] = (struct sk_bus_header){"replay_of", ids[i]};
		out[i].n_headers = 2;
	}
	rc = sk_job_bus_open(cfg, &bus, err);
	if (rc == SK_OK)
		rc = sk_bus_produce(bus, out, sel->n, err);
	if (rc == SK_OK)
		rc = sk_web_store_take(w, &st, err);
	if (rc == SK_OK) {
		x.tally.l = l;
		x.tally.own_id = r->id;
		x.tally.own_attempt = r->attempts;
		struct sk_job_process_opts po = {.outcome = replay_outcome,
						 .outcome_ud = &x};
		rc = sk_job_process(cfg, bus, st, &po, &ps, err);
		/* Every record dead-lettered again is not a failure of the
		 * replay: each letter's outcome says so. */
		if (rc == SK_ERR_VALIDATE)
			rc = SK_OK;
		sk_web_store_give(w, st, rc == SK_OK);
	}
	sk_sched_tally_free(&x.tally);
	for (size_t i = 0; rc == SK_OK && i < sel->n; i++) {
		if (!outcome[i] || !strcmp(outcome[i], "dead"))
			continue;
		char id[SK_BUS_DEAD_ID_MAX], key[SK_BUS_DEAD_ID_MAX + 16];
		char val[96];
		dead_id(&sel->msgs[i], id);
		snprintf(key, sizeof key, "%s%s", SK_WEB_META_REPLAYED, id);
		snprintf(val, sizeof val, "run %lld: %s", (long long)r->id,
			 outcome[i]);
		rc = sk_ledger_meta_set(l, key, val, err);
	}
end:
	r->state = rc == SK_OK ? SK_RUN_SUCCESS : SK_RUN_FAILED;
	r->fetched = (int64_t)sel->n;
	r->stored = x.tally.own_stored;
	r->dead = x.tally.own_dead;
	snprintf(r->error, sizeof r->error, "%s", rc == SK_OK ? "" : err->msg);
	snprintf(r->log_excerpt, sizeof r->log_excerpt,
		 "replayed %zu dead letters: %lld stored, %lld dead again",
		 sel->n, (long long)r->stored, (long long)r->dead);
	{
		struct sk_error e2 = {0};
		if (sk_ledger_run_end(l, r, sk_clock_now_ms(), &e2) != SK_OK &&
		    rc == SK_OK) {
			*err = e2;
			rc = e2.code;
		}
	}
out:
	free(out);
	free(ids);
	sk_bus_close(bus);
	sk_ledger_close(l);
	return rc;
}

static enum MHD_Result replay(struct sk_web *w, struct MHD_Connection *c,
			      const struct sk_web_call *call)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_batch sel = {0};
	const char **outcome = NULL;
	char(*detail)[256] = NULL;
	struct sk_buf b = SK_BUF_INIT(SK_WEB_MAX_REPLY);
	unsigned code = 200;
	sk_err_t rc = sk_web_bus_take(w, &bus, &err);
	if (rc == SK_OK) {
		rc = select_letters(w, bus, call, &sel, &err);
		sk_web_bus_give(w, bus, rc == SK_OK);
	}
	if (rc == SK_OK && !sel.n) {
		rc = sk_error_set(&err, SK_ERR_NOTFOUND, false,
				  "no dead letter matches");
	}
	if (rc == SK_OK) {
		outcome = calloc(sel.n, sizeof *outcome);
		detail = calloc(sel.n, sizeof *detail);
		if (!outcome || !detail)
			rc = sk_error_set(&err, SK_ERR_NOMEM, false,
					  "out of memory");
	}
	if (rc == SK_OK && call->dry_run) {
		struct sk_store *st = NULL;
		rc = sk_web_store_take(w, &st, &err);
		for (size_t i = 0; rc == SK_OK && i < sel.n; i++)
			dry_one(st, &sel.msgs[i], &outcome[i], detail[i],
				sizeof detail[i]);
		if (st)
			sk_web_store_give(w, st, rc == SK_OK);
		if (rc == SK_OK) {
			sk_buf_puts(&b, "{\"dry_run\":true,\"run\":null,");
			letters_json(&b, &sel, outcome, detail);
			sk_buf_puts(&b, "}");
		}
	} else if (rc == SK_OK) {
		struct sk_run r = {0};
		rc = replay_run(w, &sel, outcome, &r, &err);
		if (rc == SK_OK) {
			code = 201;
			sk_buf_printf(&b,
				      "{\"dry_run\":false,\"run\":%lld,"
				      "\"stored\":%lld,\"dead\":%lld,",
				      (long long)r.id, (long long)r.stored,
				      (long long)r.dead);
			letters_json(&b, &sel, outcome, NULL);
			sk_buf_puts(&b, "}");
		}
	}
	free(outcome);
	free(detail);
	sk_bus_batch_clear(&sel);
	enum MHD_Result r =
		rc == SK_OK ? sk_web_reply(c, code, &b)
			    : sk_web_reply_error(c,
						 rc == SK_ERR_NOTFOUND   ? 404
						 : rc == SK_ERR_INVAL    ? 400
						 : rc == SK_ERR_CONFLICT ? 409
						 : err.retriable         ? 503
									 : 500,
						 err.msg);
	sk_buf_free(&b);
	return r;
}

enum MHD_Result sk_web_pipe_call(struct sk_web *w, struct MHD_Connection *c,
				 const struct sk_web_call *call)
{
	switch (call->ep) {
	case SK_WEB_EP_MESSAGES:
		return messages(w, c, call);
	case SK_WEB_EP_RATES:
		return rates(w, c);
	case SK_WEB_EP_MEMBERS:
		return members(w, c);
	case SK_WEB_EP_REPLAY:
		return replay(w, c, call);
	default:
		return sk_web_reply_error(c, 404, "no such endpoint");
	}
}
