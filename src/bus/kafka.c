/*
 * kafka.c - the bus on Apache Kafka through librdkafka: the only file that
 * includes rdkafka.h.
 *
 * Producer: idempotent, acks=all; produce() returns only after every
 * message's delivery report, and fails if any report is an error or the
 * reports do not all arrive within kafka.flush_timeout_ms.
 * Consumer: a consumer group with manual commits. job/ commits right after
 * the warehouse transaction of a batch, and rebalance callbacks only run
 * inside poll(), between batches; so at a revocation everything stored has
 * been committed, and messages polled but not yet stored are dropped from
 * the batch being built (the partition's new owner reads them). Without
 * --follow, poll() reports "caught up" when every assigned partition has
 * reached its end (partition EOF).
 * Messages with an SK_BUS_HEADER_DEDUP header: before appending them the
 * producer reads its topic's messages not yet seen (one side consumer,
 * kept) and skips ids already there. Exact for one writer at a time; two
 * processes appending the same id in the same instant can both succeed.
 * Topics are created with the admin API if missing (kafka.topic_partitions,
 * kafka.topic_replication); existing topics are used as they are.
 * Any librdkafka property can be set as kafka.<property>.
 */
#include "bus/bus_int.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct produce_state {
	size_t ok, failed;
	size_t outstanding;
	char first_err[256];
	struct produce_state *next; /* orphans: reports still due at close */
};

struct known_topic {
	char *name;
	int partitions;
};

/* The dedup ids of a topic read so far, and where reading stopped. The set
 * holds every id in the topic: dead letters are few, and the topic's
 * retention bounds them. */
struct dedup_topic {
	char *name;
	int64_t *next; /* per partition: next offset to read */
	int partitions;
	struct sk_strset seen;
};

struct kbus {
	struct sk_bus base;
	const struct sk_bus_conf *conf; /* borrowed; outlives the bus */
	char **props; /* kafka.* pass-through: name, value, ..., NULL */
	rd_kafka_t *producer;
	rd_kafka_t *consumer;
	char *group;
	char *topic;
	/* assignment of the consumer, with an EOF flag per partition */
	int *assigned;
	bool *eof;
	size_t n_assigned;
	bool assigned_once;
	struct sk_bus_batch *building; /* batch being filled by poll */
	struct known_topic *ensured;
	size_t n_ensured;
	struct produce_state *orphans;
	struct dedup_topic *dedup;
	size_t n_dedup;
	rd_kafka_t *dedup_rk; /* side consumer reading dedup ids */
	bool fatal;
	char fatal_msg[256];
	/* Set by the error callback (served in the polling thread) when every
	 * broker is unreachable; an idle follow poll then checks the brokers
	 * itself, so an outage with nothing in hand is reported too. */
	bool brokers_down;
};

/* ---------------------------------------------------------- plumbing */

static void on_log(const rd_kafka_t *rk, int level, const char *fac,
		   const char *buf)
{
	(void)rk;
	enum sk_log_level l = level <= 3   ? SK_LOG_ERROR
			      : level == 4 ? SK_LOG_WARN
			      : level <= 6 ? SK_LOG_INFO
					   : SK_LOG_DEBUG;
	sk_log(l, "kafka", "%s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kbus *kb = opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char buf[256];
		rd_kafka_fatal_error(rk, buf, sizeof buf);
		kb->fatal = true;
		snprintf(kb->fatal_msg, sizeof kb->fatal_msg, "%s", buf);
		sk_log(SK_LOG_ERROR, "kafka", "fatal: %s", buf);
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		kb->brokers_down = true;
	sk_log(SK_LOG_WARN, "kafka", "%s: %s",
	       rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* A configuration for one client: our defaults for the role, then every
 * kafka.<property> from the configuration (which may override them). */
static rd_kafka_conf_t *make_conf(struct kbus *kb, const char *const *props,
				  struct sk_error *err)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const char *brokers = kb->conf->kafka_brokers;
	if (!brokers || !*brokers) {
		rd_kafka_conf_destroy(conf);
		sk_error_set(err, SK_ERR_CONFIG, false,
			     "kafka.brokers is not set (env "
			     "SKRED_KAFKA_BROKERS)");
		return NULL;
	}
	const char *base[] = {
		"bootstrap.servers",    brokers, "client.id", "skred",
		"log.connection.close", "false", NULL,
	};
	for (int pass = 0; pass < 2; pass++) {
		const char *const *kv = pass == 0 ? base : props;
		for (size_t i = 0; kv && kv[i]; i += 2) {
			if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], errstr,
					      sizeof errstr) !=
			    RD_KAFKA_CONF_OK) {
				rd_kafka_conf_destroy(conf);
				sk_error_set(err, SK_ERR_CONFIG, false,
					     "kafka %s: %s", kv[i], errstr);
				return NULL;
			}
		}
	}
	for (size_t i = 0; kb->props && kb->props[i]; i += 2)
		if (rd_kafka_conf_set(conf, kb->props[i], kb->props[i + 1],
				      errstr,
				      sizeof errstr) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			sk_error_set(err, SK_ERR_CONFIG, false, "kafka.%s: %s",
				     kb->props[i], errstr);
			return NULL;
		}
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_opaque(conf, kb);
	return conf;
}

static int timeout_ms(const struct kbus *kb)
{
	return (int)kb->conf->kafka_request_timeout_ms;
}

static sk_err_t kerr(struct sk_error *err, rd_kafka_resp_err_t e,
		     const char *what)
{
	bool retriable = e != RD_KAFKA_RESP_ERR__INVALID_ARG &&
			 e != RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED &&
			 e != RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED &&
			 e != RD_KAFKA_RESP_ERR__FATAL;
	return sk_error_set(err, SK_ERR_BUS, retriable, "kafka %s: %s (%s)",
			    what, rd_kafka_err2str(e), rd_kafka_err2name(e));
}

/* ------------------------------------------------------------ topics */

/* Number of partitions of topic, 0 if it does not exist. */
static sk_err_t topic_partitions(struct kbus *kb, rd_kafka_t *rk,
				 const char *topic, int *out,
				 struct sk_error *err)
{
	*out = 0;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	if (!rkt)
		return kerr(err, rd_kafka_last_error(), "topic handle");
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md,
						  timeout_ms(kb));
	rd_kafka_topic_destroy(rkt);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		kerr(err, e, "metadata");
		sk_error_prefix(err, "topic %s", topic);
		return SK_ERR_BUS;
	}
	if (md->topic_cnt == 1 &&
	    md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
		*out = md->topics[0].partition_cnt;
	rd_kafka_metadata_destroy(md);
	return SK_OK;
}

/* Create topic if it does not exist; wait until its metadata shows it. */
static sk_err_t ensure_topic(struct kbus *kb, rd_kafka_t *rk, const char *topic,
			     int *partitions, struct sk_error *err)
{
	for (size_t i = 0; i < kb->n_ensured; i++) {
		if (strcmp(kb->ensured[i].name, topic) == 0) {
			if (partitions)
				*partitions = kb->ensured[i].partitions;
			return SK_OK;
		}
	}
	int parts = 0;
	if (topic_partitions(kb, rk, topic, &parts, err) != SK_OK)
		return SK_ERR_BUS;
	if (parts == 0) {
		char errstr[512];
		int np = (int)kb->conf->kafka_topic_partitions;
		int rf = (int)kb->conf->kafka_topic_replication;
		rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, np, rf,
								errstr,
								sizeof errstr);
		if (!nt)
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "kafka topic %s: %s", topic,
					    errstr);
		rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
		rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(
			rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
		rd_kafka_AdminOptions_set_operation_timeout(opt, timeout_ms(kb),
							    errstr,
							    sizeof errstr);
		rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
		rd_kafka_event_t *ev =
			rd_kafka_queue_poll(q, timeout_ms(kb) + 5000);
		sk_err_t rc = SK_OK;
		if (!ev) {
			rc = sk_error_set(err, SK_ERR_TIMEOUT, true,
					  "kafka: creating topic %s timed out",
					  topic);
		} else if (rd_kafka_event_error(ev)) {
			rc = kerr(err, rd_kafka_event_error(ev),
				  "create topic");
		} else {
			const rd_kafka_CreateTopics_result_t *res =
				rd_kafka_event_CreateTopics_result(ev);
			size_t n = 0;
			const rd_kafka_topic_result_t **tr =
				rd_kafka_CreateTopics_result_topics(res, &n);
			for (size_t i = 0; i < n; i++) {
				rd_kafka_resp_err_t e =
					rd_kafka_topic_result_error(tr[i]);
				if (e &&
				    e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
					rc = sk_error_set(
						err, SK_ERR_BUS,
						e != RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR &&
							e != RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
						"kafka: cannot create topic "
						"%s: "
						"%s",
						topic,
						rd_kafka_topic_result_error_string(
							tr[i]));
			}
			if (rc == SK_OK)
				sk_log(SK_LOG_INFO, "kafka",
				       "created topic=%s partitions=%d "
				       "replication=%d",
				       topic, np, rf);
		}
		rd_kafka_event_destroy(ev);
		rd_kafka_AdminOptions_destroy(opt);
		rd_kafka_NewTopic_destroy(nt);
		rd_kafka_queue_destroy(q);
		if (rc != SK_OK)
			return rc;
		int64_t deadline = sk_mono_ms() + timeout_ms(kb);
		while (parts == 0 && sk_mono_ms() < deadline) {
			if (topic_partitions(kb, rk, topic, &parts, err) !=
			    SK_OK)
				return SK_ERR_BUS;
			if (!parts)
				sk_sleep_ms(100);
		}
		if (!parts)
			return sk_error_set(err, SK_ERR_TIMEOUT, true,
					    "kafka: topic %s created but not "
					    "visible",
					    topic);
	}
	struct known_topic *e = realloc(kb->ensured,
					(kb->n_ensured + 1) * sizeof *e);
	if (!e)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	kb->ensured = e;
	if (!(e[kb->n_ensured].name = sk_strdup(topic)))
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	e[kb->n_ensured].partitions = parts;
	kb->n_ensured++;
	if (partitions)
		*partitions = parts;
	return SK_OK;
}

/* ---------------------------------------------------------- producer */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
			void *opaque)
{
	(void)rk;
	(void)opaque;
	struct produce_state *ps = m->_private;
	if (!ps)
		return;
	if (m->err) {
		if (!ps->failed)
			snprintf(ps->first_err, sizeof ps->first_err, "%s (%s)",
				 rd_kafka_err2str(m->err),
				 rd_kafka_err2name(m->err));
		ps->failed++;
	} else {
		ps->ok++;
	}
	ps->outstanding--;
}

/* Partition of a key "<region>:<lang>:<date>": by the region part only
 * (FNV-1a), so one region's warnings stay ordered in one partition. */
static int32_t key_partition(const char *key, size_t len, int partitions)
{
	const char *colon = memchr(key, ':', len);
	uint32_t h = sk_fnv1a32(key, colon ? (size_t)(colon - key) : len);
	return partitions > 0 ? (int32_t)(h % (uint32_t)partitions) : 0;
}

static sk_err_t producer_get(struct kbus *kb, struct sk_error *err)
{
	if (kb->producer)
		return SK_OK;
	static const char *const props[] = {
		"enable.idempotence", "true", "acks", "all", "linger.ms", "5",
		"compression.type",   "lz4",  NULL,
	};
	rd_kafka_conf_t *conf = make_conf(kb, props, err);
	if (!conf)
		return err->code;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	char errstr[512];
	kb->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
				    sizeof errstr);
	if (!kb->producer) {
		rd_kafka_conf_destroy(conf);
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "kafka producer: %s", errstr);
	}
	return SK_OK;
}

static rd_kafka_t *side_consumer(struct kbus *kb, const char *group,
				 struct sk_error *err);

static struct dedup_topic *dedup_topic_get(struct kbus *kb, const char *topic)
{
	for (size_t i = 0; i < kb->n_dedup; i++)
		if (!strcmp(kb->dedup[i].name, topic))
			return &kb->dedup[i];
	struct dedup_topic *d = realloc(kb->dedup,
					(kb->n_dedup + 1) * sizeof *d);
	if (!d)
		return NULL;
	kb->dedup = d;
	d = &kb->dedup[kb->n_dedup];
	memset(d, 0, sizeof *d);
	if (!(d->name = sk_strdup(topic)))
		return NULL;
	kb->n_dedup++;
	return d;
}

/* Read t's topic (parts partitions) from where the last call stopped to
 * the end as of now, adding every dedup id to t->seen. */
static sk_err_t dedup_refresh(struct kbus *kb, struct dedup_topic *t, int parts,
			      struct sk_error *err)
{
	if (!kb->dedup_rk && !(kb->dedup_rk = side_consumer(kb, NULL, err)))
		return err->code;
	rd_kafka_t *rk = kb->dedup_rk;
	if (parts > t->partitions) {
		int64_t *nx = realloc(t->next, (size_t)parts * sizeof *nx);
		if (!nx)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		for (int p = t->partitions; p < parts; p++)
			nx[p] = 0;
		t->next = nx;
		t->partitions = parts;
	}
	int64_t *hi = calloc((size_t)parts, sizeof *hi);
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(parts);
	sk_err_t rc = SK_OK;
	int todo = 0;
	if (!hi) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto out;
	}
	int64_t until = sk_mono_ms() + timeout_ms(kb);
	for (int p = 0; p < parts; p++) {
		int64_t lo = 0;
		rd_kafka_resp_err_t e;
		/* A topic created a moment ago may not have its leaders yet. */
		while ((e = rd_kafka_query_watermark_offsets(rk, t->name, p,
							     &lo, &hi[p],
							     timeout_ms(kb))) &&
		       (e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
			e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
			e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) &&
		       sk_mono_ms() < until)
			sk_sleep_ms(100);
		if (e) {
			rc = kerr(err, e, "watermark offsets (dedup)");
			goto out;
		}
		if (t->next[p] < lo)
			t->next[p] = lo;
		if (t->next[p] < hi[p]) {
			rd_kafka_topic_partition_list_add(l, t->name, p)
				->offset = t->next[p];
			todo++;
		}
	}
	if (!todo)
		goto out;
	rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
	if (e) {
		rc = kerr(err, e, "assign (dedup)");
		goto out;
	}
	int64_t deadline = sk_mono_ms() + timeout_ms(kb);
	while (todo > 0 && rc == SK_OK && sk_mono_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		int p = m->partition;
		bool mine = p >= 0 && p < parts && t->next[p] < hi[p] &&
			    !strcmp(rd_kafka_topic_name(m->rkt), t->name);
		if (mine && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			t->next[p] = hi[p];
			todo--;
		} else if (mine && !m->err) {
			rd_kafka_headers_t *h = NULL;
			const void *v = NULL;
			size_t vl = 0;
			if (rd_kafka_message_headers(m, &h) == 0 &&
			    rd_kafka_header_get_last(h, SK_BUS_HEADER_DEDUP, &v,
						     &vl) == 0 &&
			    v) {
				char *id = sk_strndup(v, vl);
				bool added;
				if (!id || sk_strset_add(&t->seen, id,
							 &added) != SK_OK)
					rc = sk_error_set(err, SK_ERR_NOMEM,
							  false,
							  "out of memory");
				free(id);
			}
			t->next[p] = m->offset + 1;
			if (t->next[p] >= hi[p])
				todo--;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_assign(rk, NULL);
	if (rc == SK_OK && todo > 0)
		rc = sk_error_set(err, SK_ERR_TIMEOUT, true,
				  "kafka: reading the ids already in topic %s "
				  "timed out after %d ms",
				  t->name, timeout_ms(kb));
out:
	free(hi);
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

/* skip[i] = true for every message whose dedup id its topic already has
 * (or an earlier message of msgs has). parts: the topics' partitions. */
static sk_err_t dedup_filter(struct kbus *kb, const struct sk_bus_msg *msgs,
			     size_t n, const int *parts, bool *skip,
			     size_t *skipped, struct sk_error *err)
{
	struct sk_strset here = {0};
	struct dedup_topic **fresh = calloc(n, sizeof *fresh);
	size_t n_fresh = 0;
	sk_err_t rc = SK_OK;
	*skipped = 0;
	if (!fresh)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	for (size_t i = 0; i < n && rc == SK_OK; i++) {
		const char *id = sk_bus_msg_header(&msgs[i],
						   SK_BUS_HEADER_DEDUP);
		if (!id)
			continue;
		struct dedup_topic *t = dedup_topic_get(kb, msgs[i].topic);
		if (!t) {
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "out of memory");
			break;
		}
		size_t k = 0;
		while (k < n_fresh && fresh[k] != t)
			k++;
		if (k == n_fresh) { /* once per topic and call */
			if ((rc = dedup_refresh(kb, t, parts[i], err)) != SK_OK)
				break;
			fresh[n_fresh++] = t;
		}
		struct sk_buf tid = SK_BUF_INIT(SK_LIMIT_TEXT);
		bool added = false;
		if (sk_buf_printf(&tid, "%s\n%s", msgs[i].topic, id) != SK_OK ||
		    sk_strset_add(&here, tid.data, &added) != SK_OK)
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "out of memory");
		sk_buf_free(&tid);
		skip[i] = !added || sk_strset_has(&t->seen, id);
		*skipped += skip[i];
	}
	sk_strset_free(&here);
	free(fresh);
	return rc;
}

static sk_err_t kafka_produce(struct sk_bus *bus, const struct sk_bus_msg *msgs,
			      size_t n, struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	if (!n)
		return SK_OK;
	if (producer_get(kb, err) != SK_OK)
		return err->code;
	int *parts = calloc(n, sizeof *parts);
	if (!parts)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (ensure_topic(kb, kb->producer, msgs[i].topic, &parts[i],
				 err) != SK_OK) {
			free(parts);
			return err->code;
		}
	}
	bool *skip = calloc(n, sizeof *skip);
	size_t skipped = 0;
	if (!skip) {
		free(parts);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	if (dedup_filter(kb, msgs, n, parts, skip, &skipped, err) != SK_OK) {
		free(skip);
		free(parts);
		return err->code;
	}
	struct produce_state *ps = calloc(1, sizeof *ps);
	if (!ps) {
		free(skip);
		free(parts);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	size_t queued = 0;
	rd_kafka_resp_err_t qerr = RD_KAFKA_RESP_ERR_NO_ERROR;
	for (size_t i = 0; i < n; i++) {
		const struct sk_bus_msg *m = &msgs[i];
		if (skip[i])
			continue; /* already in its topic */
		rd_kafka_headers_t *h = rd_kafka_headers_new(m->n_headers);
		for (size_t k = 0; k < m->n_headers; k++)
			rd_kafka_header_add(h, m->headers[k].key, -1,
					    m->headers[k].value, -1);
		for (;;) {
			ps->outstanding++;
			qerr = rd_kafka_producev(
				kb->producer, RD_KAFKA_V_TOPIC(m->topic),
				RD_KAFKA_V_PARTITION(key_partition(m->key,
								   m->key_len,
								   parts[i])),
				RD_KAFKA_V_KEY(m->key, m->key_len),
				RD_KAFKA_V_VALUE(m->value, m->value_len),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_HEADERS(h),
				RD_KAFKA_V_TIMESTAMP(m->timestamp_ms),
				RD_KAFKA_V_OPAQUE(ps), RD_KAFKA_V_END);
			if (qerr == RD_KAFKA_RESP_ERR_NO_ERROR)
				break;
			ps->outstanding--;
			if (qerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
				break;
			rd_kafka_poll(kb->producer, 100);
		}
		if (qerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_headers_destroy(h); /* not consumed on error */
			break;
		}
		queued++;
	}
	int64_t deadline = sk_mono_ms() + kb->conf->kafka_flush_timeout_ms;
	while (ps->outstanding > 0 && sk_mono_ms() < deadline)
		rd_kafka_flush(kb->producer, 100);
	if (ps->outstanding > 0) {
		/* Give up on what still waits in the local queue; messages
		 * already sent are left to finish (their reports land in an
		 * orphaned state freed at close). */
		rd_kafka_purge(kb->producer, RD_KAFKA_PURGE_F_QUEUE);
		rd_kafka_poll(kb->producer, 0);
	}
	sk_err_t rc = SK_OK;
	if (qerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		rc = kerr(err, qerr, "produce");
	else if (ps->failed || ps->ok != n - skipped)
		rc = sk_error_set(err, SK_ERR_BUS, true,
				  "kafka: %zu of %zu messages not delivered "
				  "(%zu failed, %zu without a report after "
				  "%lld ms)%s%s",
				  n - skipped - ps->ok, n - skipped, ps->failed,
				  ps->outstanding,
				  (long long)kb->conf->kafka_flush_timeout_ms,
				  ps->failed ? ": " : "", ps->first_err);
	if (ps->outstanding > 0) {
		ps->next = kb->orphans;
		kb->orphans = ps;
	} else {
		free(ps);
	}
	(void)queued;
	free(skip);
	free(parts);
	return rc;
}

/* ---------------------------------------------------------- consumer */

static int assigned_index(const struct kbus *kb, int partition)
{
	for (size_t i = 0; i < kb->n_assigned; i++)
		if (kb->assigned[i] == partition)
			return (int)i;
	return -1;
}

/* Remove from the batch being built every message of partitions no longer
 * assigned: they were polled, not stored, and now belong to another member. */
static void drop_unassigned(struct kbus *kb)
{
	struct sk_bus_batch *b = kb->building;
	if (!b)
		return;
	size_t w = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct sk_bus_msg *m = &b->msgs[i];
		if (strcmp(m->topic, kb->topic) == 0 &&
		    assigned_index(kb, m->partition) < 0) {
			b->bytes -= m->key_len + m->value_len;
			sk_bus_msg_free(m);
			continue;
		}
		b->msgs[w++] = *m;
	}
	b->n = w;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct kbus *kb = opaque;
	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		rd_kafka_assign(rk, parts);
		free(kb->assigned);
		free(kb->eof);
		kb->n_assigned = 0;
		kb->assigned = calloc((size_t)parts->cnt + 1, sizeof(int));
		kb->eof = calloc((size_t)parts->cnt + 1, sizeof(bool));
		if (kb->assigned && kb->eof) {
			for (int i = 0; i < parts->cnt; i++)
				if (!strcmp(parts->elems[i].topic, kb->topic))
					kb->assigned[kb->n_assigned++] =
						parts->elems[i].partition;
		}
		kb->assigned_once = true;
		sk_log(SK_LOG_INFO, "kafka", "assigned group=%s partitions=%zu",
		       kb->group, kb->n_assigned);
	} else {
		sk_log(SK_LOG_INFO, "kafka", "revoked group=%s partitions=%d",
		       kb->group, parts->cnt);
		rd_kafka_assign(rk, NULL);
		kb->n_assigned = 0;
		drop_unassigned(kb);
	}
}

static sk_err_t kafka_subscribe(struct sk_bus *bus, const char *group,
				const char *topic, struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	if (kb->consumer)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "kafka: already subscribed");
	free(kb->group);
	free(kb->topic);
	kb->group = sk_strdup(group);
	kb->topic = sk_strdup(topic);
	if (!kb->group || !kb->topic)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	const char *props[] = {
		"group.id",
		group,
		"enable.auto.commit",
		"false",
		"enable.auto.offset.store",
		"false",
		"auto.offset.reset",
		"earliest",
		"enable.partition.eof",
		"true",
		"session.timeout.ms",
		"10000",
		"heartbeat.interval.ms",
		"2000",
		NULL,
	};
	rd_kafka_conf_t *conf = make_conf(kb, props, err);
	if (!conf)
		return err->code;
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	char errstr[512];
	kb->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
				    sizeof errstr);
	if (!kb->consumer) {
		rd_kafka_conf_destroy(conf);
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "kafka consumer: %s", errstr);
	}
	rd_kafka_poll_set_consumer(kb->consumer);
	if (ensure_topic(kb, kb->consumer, topic, NULL, err) != SK_OK)
		return err->code;
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t e = rd_kafka_subscribe(kb->consumer, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e)
		return kerr(err, e, "subscribe");
	return SK_OK;
}

static sk_err_t kafka_lag(struct sk_bus *bus, const char *group,
			  const char *topic, struct sk_bus_lag **out, size_t *n,
			  struct sk_error *err);

/* This member reached the end of every partition it has. */
static bool own_caught_up(const struct kbus *kb)
{
	if (!kb->assigned_once)
		return false;
	for (size_t i = 0; i < kb->n_assigned; i++)
		if (!kb->eof[i])
			return false;
	return true;
}

/* The whole group is caught up: this member is, and every partition of the
 * topic is committed to its end. Partitions held by another member (or by
 * a dead one until the group notices) keep us waiting, so a processor
 * started without --follow does not stop while work is left. Checked at
 * most once a second. */
static bool caught_up(struct kbus *kb, int64_t *last_check)
{
	if (!own_caught_up(kb))
		return false;
	int64_t now = sk_mono_ms();
	if (now - *last_check < 1000)
		return false;
	*last_check = now;
	struct sk_bus_lag *lag = NULL;
	size_t n = 0;
	struct sk_error err = {0};
	if (kafka_lag(&kb->base, kb->group, kb->topic, &lag, &n, &err) !=
	    SK_OK) {
		sk_log(SK_LOG_WARN, "kafka", "lag check: %s", err.msg);
		return false;
	}
	int64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += lag[i].lag;
	free(lag);
	if (total > 0)
		sk_log(SK_LOG_DEBUG, "kafka",
		       "own partitions done, group lag=%lld: waiting",
		       (long long)total);
	return total == 0;
}

static sk_err_t push_message(struct sk_bus_batch *out,
			     const rd_kafka_message_t *m, struct sk_error *err)
{
	rd_kafka_timestamp_type_t tt;
	int64_t ts = rd_kafka_message_timestamp(m, &tt);
	if (sk_bus_batch_push(out, rd_kafka_topic_name(m->rkt), m->partition,
			      m->offset, ts, m->key ? m->key : "",
			      m->key ? m->key_len : 0,
			      m->payload ? m->payload : "",
			      m->payload ? m->len : 0, err) != SK_OK)
		return err->code;
	rd_kafka_headers_t *h = NULL;
	if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		const char *name;
		const void *val;
		size_t size;
		for (size_t i = 0;
		     rd_kafka_header_get_all(h, i, &name, &val, &size) ==
		     RD_KAFKA_RESP_ERR_NO_ERROR;
		     i++) {
			char *v = sk_strndup(val ? val : "", val ? size : 0);
			sk_err_t rc = v ? sk_bus_batch_add_header(out, name, v,
								  err)
					: sk_error_set(err, SK_ERR_NOMEM, false,
						       "out of memory");
			free(v);
			if (rc != SK_OK)
				return rc;
		}
	}
	return SK_OK;
}

/* After the error callback saw every broker down: ask for the cluster's
 * metadata. Unanswered = a retriable error (the caller's outage); answered
 * = the brokers are back. A consumer that lost its assignment in the
 * outage reads nothing, so without this it would idle through it silently. */
static sk_err_t check_brokers(struct kbus *kb, struct sk_error *err)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(kb->consumer, 0, NULL, &md,
						  timeout_ms(kb));
	if (e)
		return kerr(err, e, "brokers unreachable (metadata)");
	rd_kafka_metadata_destroy(md);
	kb->brokers_down = false;
	return SK_OK;
}

static sk_err_t kafka_poll(struct sk_bus *bus, struct sk_bus_batch *out,
			   size_t max, int tmo, struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	if (!kb->consumer)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "bus poll before subscribe");
	bool follow = tmo > 0;
	int64_t deadline = sk_mono_ms() +
			   (follow ? tmo
				   : kb->conf->kafka_caught_up_timeout_ms);
	size_t start = out->n;
	sk_err_t rc = SK_OK;
	int64_t last_check = 0;
	kb->building = out;
	while (out->n - start < max) {
		if (kb->fatal) {
			rc = sk_error_set(err, SK_ERR_BUS, false,
					  "kafka fatal error: %s",
					  kb->fatal_msg);
			break;
		}
		if (!follow && out->n == start && caught_up(kb, &last_check))
			break;
		int64_t left = deadline - sk_mono_ms();
		if (left <= 0) {
			if (!follow && out->n == start)
				rc = sk_error_set(
					err, SK_ERR_TIMEOUT, true,
					"kafka: not caught up with topic %s "
					"after %lld ms (%s; brokers %s)",
					kb->topic,
					(long long)kb->conf
						->kafka_caught_up_timeout_ms,
					kb->assigned_once
						? "partitions assigned"
						: "no partition assignment",
					kb->conf->kafka_brokers);
			break;
		}
		/* Once something is in hand, do not wait long for more. */
		int wait = out->n > start ? 50 : (int)(left < 200 ? left : 200);
		rd_kafka_message_t *m = rd_kafka_consumer_poll(kb->consumer,
							       wait);
		if (!m) {
			if (out->n > start)
				break;
			continue;
		}
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			int i = assigned_index(kb, m->partition);
			if (i >= 0)
				kb->eof[i] = true;
		} else if (m->err) {
			sk_log(SK_LOG_WARN, "kafka", "consume: %s",
			       rd_kafka_message_errstr(m));
		} else {
			int i = assigned_index(kb, m->partition);
			if (i >= 0)
				kb->eof[i] = false;
			rc = push_message(out, m, err);
		}
		rd_kafka_message_destroy(m);
		if (rc != SK_OK)
			break;
	}
	kb->building = NULL;
	if (rc == SK_OK && follow && out->n == start && kb->brokers_down)
		rc = check_brokers(kb, err);
	return rc;
}

static sk_err_t kafka_commit(struct sk_bus *bus, const struct sk_bus_batch *b,
			     struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	if (!kb->consumer || !b->n)
		return SK_OK;
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(8);
	for (size_t i = 0; i < b->n; i++) {
		const struct sk_bus_msg *m = &b->msgs[i];
		if (strcmp(m->topic, kb->topic) != 0)
			continue;
		rd_kafka_topic_partition_t *p =
			rd_kafka_topic_partition_list_find(l, m->topic,
							   m->partition);
		if (!p)
			p = rd_kafka_topic_partition_list_add(l, m->topic,
							      m->partition);
		if (m->offset + 1 > p->offset)
			p->offset = m->offset + 1;
	}
	rd_kafka_resp_err_t e = l->cnt ? rd_kafka_commit(kb->consumer, l, 0)
				       : RD_KAFKA_RESP_ERR_NO_ERROR;
	for (int i = 0; i < l->cnt && !e; i++)
		e = l->elems[i].err; /* a partition's own failure */
	rd_kafka_topic_partition_list_destroy(l);
	if (e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
	    e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
	    e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
	    e == RD_KAFKA_RESP_ERR__STATE) {
		/* The records are stored; the partitions' next owner reads
		 * them again and the warehouse upserts make that harmless. */
		sk_log(SK_LOG_WARN, "kafka",
		       "commit skipped during a rebalance: %s",
		       rd_kafka_err2name(e));
		return SK_OK;
	}
	if (e)
		return kerr(err, e, "commit");
	return SK_OK;
}

/* ------------------------------------------------------ inspection */

static rd_kafka_t *side_consumer(struct kbus *kb, const char *group,
				 struct sk_error *err)
{
	const char *props[] = {
		"group.id",
		group ? group : "skred-inspect",
		"enable.auto.commit",
		"false",
		"enable.partition.eof",
		"true",
		NULL,
	};
	rd_kafka_conf_t *conf = make_conf(kb, props, err);
	if (!conf)
		return NULL;
	char errstr[512];
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
				      sizeof errstr);
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		sk_error_set(err, SK_ERR_CONFIG, false, "kafka consumer: %s",
			     errstr);
	}
	return rk;
}

static sk_err_t kafka_lag(struct sk_bus *bus, const char *group,
			  const char *topic, struct sk_bus_lag **out, size_t *n,
			  struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	*out = NULL;
	*n = 0;
	bool own = kb->consumer && kb->group && !strcmp(kb->group, group);
	rd_kafka_t *rk = own ? kb->consumer : side_consumer(kb, group, err);
	if (!rk)
		return err->code;
	int parts = 0;
	sk_err_t rc = topic_partitions(kb, rk, topic, &parts, err);
	rd_kafka_topic_partition_list_t *l = NULL;
	struct sk_bus_lag *lag = NULL;
	if (rc != SK_OK || parts == 0)
		goto out;
	lag = calloc((size_t)parts, sizeof *lag);
	l = rd_kafka_topic_partition_list_new(parts);
	if (!lag || !l) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto out;
	}
	for (int p = 0; p < parts; p++)
		rd_kafka_topic_partition_list_add(l, topic, p);
	rd_kafka_resp_err_t e = rd_kafka_committed(rk, l, timeout_ms(kb));
	if (e) {
		rc = kerr(err, e, "committed offsets");
		goto out;
	}
	for (int p = 0; p < parts; p++) {
		int64_t lo = 0, hi = 0;
		e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi,
						     timeout_ms(kb));
		if (e) {
			rc = kerr(err, e, "watermark offsets");
			goto out;
		}
		snprintf(lag[p].topic, sizeof lag[p].topic, "%s", topic);
		lag[p].partition = p;
		lag[p].end_offset = hi;
		int64_t c = l->elems[p].offset;
		lag[p].committed_offset = c >= 0 ? c : -1;
		int64_t from = c >= 0 ? c : lo;
		lag[p].lag = hi > from ? hi - from : 0;
	}
	*out = lag;
	*n = (size_t)parts;
	lag = NULL;
out:
	free(lag);
	if (l)
		rd_kafka_topic_partition_list_destroy(l);
	if (!own) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	return rc;
}

static sk_err_t kafka_read(struct sk_bus *bus, const char *topic, int partition,
			   int64_t offset, size_t max, struct sk_bus_batch *out,
			   struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	rd_kafka_t *rk = side_consumer(kb, NULL, err);
	if (!rk)
		return err->code;
	int parts = 0;
	sk_err_t rc = topic_partitions(kb, rk, topic, &parts, err);
	if (rc != SK_OK || parts == 0)
		goto out;
	rd_kafka_topic_partition_list_t *l =
		rd_kafka_topic_partition_list_new(parts);
	int n_assigned = 0;
	for (int p = 0; p < parts; p++) {
		if (partition >= 0 && p != partition)
			continue;
		rd_kafka_topic_partition_list_add(l, topic, p)->offset = offset;
		n_assigned++;
	}
	rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e) {
		rc = kerr(err, e, "assign");
		goto out;
	}
	int eofs = 0;
	int64_t deadline = sk_mono_ms() + timeout_ms(kb);
	while (eofs < n_assigned && out->n < max && sk_mono_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			eofs++;
		else if (!m->err)
			rc = push_message(out, m, err);
		rd_kafka_message_destroy(m);
		if (rc != SK_OK)
			break;
	}
out:
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

/* ------------------------------------------------------ browsing */

static bool key_has(const char *key, size_t len, const char *want)
{
	size_t wl = strlen(want);
	if (wl > len)
		return false;
	for (size_t i = 0; i + wl <= len; i++)
		if (!memcmp(key + i, want, wl))
			return true;
	return false;
}

static int msg_order(const void *a, const void *b)
{
	const struct sk_bus_msg *x = a, *y = b;
	if (x->partition != y->partition)
		return x->partition < y->partition ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* A side consumer assigned the wanted partitions at q->offset or, with
 * q->from_ms, at the offsets for that time (offsets_for_times), read to
 * their ends or to max matches / scan_max messages; then sorted by
 * partition and offset. */
static sk_err_t kafka_browse(struct sk_bus *bus, const struct sk_bus_browse *q,
			     struct sk_bus_batch *out, size_t *scanned,
			     struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	*scanned = 0;
	rd_kafka_t *rk = side_consumer(kb, NULL, err);
	if (!rk)
		return err->code;
	int parts = 0;
	rd_kafka_topic_partition_list_t *l = NULL;
	size_t before = out->n;
	sk_err_t rc = topic_partitions(kb, rk, q->topic, &parts, err);
	if (rc != SK_OK || parts == 0 || q->max == 0 || q->partition >= parts)
		goto out;
	l = rd_kafka_topic_partition_list_new(parts);
	if (!l) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto out;
	}
	for (int p = 0; p < parts; p++)
		if (q->partition < 0 || p == q->partition)
			rd_kafka_topic_partition_list_add(l, q->topic, p)
				->offset = q->from_ms > 0 ? q->from_ms
					   : q->offset > 0
						   ? q->offset
						   : RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_resp_err_t e;
	if (q->from_ms > 0) {
		e = rd_kafka_offsets_for_times(rk, l, timeout_ms(kb));
		if (e) {
			rc = kerr(err, e, "offsets for times");
			goto out;
		}
		/* No message at or after the time: nothing to read there. */
		for (int i = 0; i < l->cnt; i++)
			if (l->elems[i].offset < 0)
				l->elems[i].offset = RD_KAFKA_OFFSET_END;
	}
	e = rd_kafka_assign(rk, l);
	if (e) {
		rc = kerr(err, e, "assign");
		goto out;
	}
	size_t scan_max = q->scan_max ? q->scan_max : 10 * q->max;
	bool filtered = q->key && q->key[0];
	int eofs = 0;
	int64_t deadline = sk_mono_ms() + timeout_ms(kb);
	while (eofs < l->cnt && out->n - before < q->max &&
	       *scanned < scan_max && sk_mono_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eofs++;
		} else if (!m->err) {
			++*scanned;
			if (!filtered ||
			    (m->key && key_has(m->key, m->key_len, q->key)))
				rc = push_message(out, m, err);
		}
		rd_kafka_message_destroy(m);
		if (rc != SK_OK)
			break;
	}
	if (out->n - before > 1)
		qsort(out->msgs + before, out->n - before, sizeof *out->msgs,
		      msg_order);
out:
	if (l)
		rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}

/* The consumer protocol's assignment (big-endian): int16 version, int32
 * topics, each int16-length name, int32 count, int32 partitions; then
 * user data. Written as "topic:0,1;topic2:3" into buf (cut when long). */
static void assignment_text(const unsigned char *p, size_t n, char *buf,
			    size_t size)
{
	const unsigned char *end = p + n;
	size_t at = 0;
	buf[0] = '\0';
#define NEED(k)                                                                \
	if ((size_t)(end - p) < (k))                                           \
	return
	NEED(6);
	p += 2;
	uint32_t topics = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			  (uint32_t)p[2] << 8 | p[3];
	p += 4;
	for (uint32_t t = 0; t < topics; t++) {
		NEED(2);
		size_t tl = (size_t)p[0] << 8 | p[1];
		p += 2;
		NEED(tl + 4);
		int w = snprintf(buf + at, size - at, "%s%.*s:", t ? ";" : "",
				 (int)tl, (const char *)p);
		if (w < 0 || (size_t)w >= size - at)
			return;
		at += (size_t)w;
		p += tl;
		uint32_t np = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			      (uint32_t)p[2] << 8 | p[3];
		p += 4;
		for (uint32_t i = 0; i < np; i++) {
			NEED(4);
			uint32_t v = (uint32_t)p[0] << 24 |
				     (uint32_t)p[1] << 16 |
				     (uint32_t)p[2] << 8 | p[3];
			p += 4;
			w = snprintf(buf + at, size - at, "%s%u", i ? "," : "",
				     v);
			if (w < 0 || (size_t)w >= size - at)
				return;
			at += (size_t)w;
		}
	}
#undef NEED
}

static sk_err_t kafka_members(struct sk_bus *bus, const char *group,
			      struct sk_bus_member **out, size_t *n,
			      struct sk_error *err)
{
	struct kbus *kb = (struct kbus *)bus;
	rd_kafka_t *rk = kb->consumer ? kb->consumer
				      : side_consumer(kb, NULL, err);
	if (!rk)
		return err->code;
	const struct rd_kafka_group_list *gl = NULL;
	sk_err_t rc = SK_OK;
	rd_kafka_resp_err_t e = rd_kafka_list_groups(rk, group, &gl,
						     timeout_ms(kb));
	if (e) {
		rc = kerr(err, e, "list groups");
		goto out;
	}
	size_t total = 0;
	for (int g = 0; g < gl->group_cnt; g++)
		total += (size_t)gl->groups[g].member_cnt;
	struct sk_bus_member *m = total ? calloc(total, sizeof *m) : NULL;
	if (total && !m) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (int g = 0; g < gl->group_cnt; g++) {
		const struct rd_kafka_group_info *gi = &gl->groups[g];
		for (int i = 0; i < gi->member_cnt; i++, k++) {
			const struct rd_kafka_group_member_info *mi =
				&gi->members[i];
			snprintf(m[k].id, sizeof m[k].id, "%s",
				 mi->member_id ? mi->member_id : "");
			snprintf(m[k].client_id, sizeof m[k].client_id, "%s",
				 mi->client_id ? mi->client_id : "");
			snprintf(m[k].host, sizeof m[k].host, "%s",
				 mi->client_host ? mi->client_host : "");
			if (mi->member_assignment)
				assignment_text(
					mi->member_assignment,
					(size_t)mi->member_assignment_size,
					m[k].assignment,
					sizeof m[k].assignment);
		}
	}
	*out = m;
	*n = total;
out:
	if (gl)
		rd_kafka_group_list_destroy(gl);
	if (rk != kb->consumer) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	return rc;
}

/* ------------------------------------------------------ lifecycle */

static void kafka_close(struct sk_bus *bus)
{
	struct kbus *kb = (struct kbus *)bus;
	if (!kb)
		return;
	if (kb->consumer) {
		rd_kafka_consumer_close(kb->consumer);
		rd_kafka_destroy(kb->consumer);
	}
	if (kb->producer) {
		rd_kafka_flush(kb->producer, 5000);
		rd_kafka_purge(kb->producer, RD_KAFKA_PURGE_F_QUEUE |
						     RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(kb->producer, 0);
		rd_kafka_destroy(kb->producer);
	}
	if (kb->dedup_rk) {
		rd_kafka_consumer_close(kb->dedup_rk);
		rd_kafka_destroy(kb->dedup_rk);
	}
	for (size_t i = 0; i < kb->n_dedup; i++) {
		free(kb->dedup[i].name);
		free(kb->dedup[i].next);
		sk_strset_free(&kb->dedup[i].seen);
	}
	free(kb->dedup);
	while (kb->orphans) {
		struct produce_state *next = kb->orphans->next;
		free(kb->orphans);
		kb->orphans = next;
	}
	for (size_t i = 0; i < kb->n_ensured; i++)
		free(kb->ensured[i].name);
	free(kb->ensured);
	free(kb->assigned);
	free(kb->eof);
	free(kb->group);
	free(kb->topic);
	for (size_t i = 0; kb->props && kb->props[i]; i++)
		free(kb->props[i]);
	free(kb->props);
	free(kb);
}

static sk_err_t kafka_open(struct sk_bus **out, const struct sk_bus_opts *o,
			   struct sk_error *err)
{
	*out = NULL;
	struct kbus *kb = calloc(1, sizeof *kb);
	if (!kb)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	kb->base.type = &sk_bus_kafka;
	kb->conf = o->conf;
	size_t np = 0;
	while (o->kafka_props && o->kafka_props[np])
		np++;
	if (!(kb->props = calloc(np + 1, sizeof *kb->props))) {
		kafka_close(&kb->base);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	for (size_t i = 0; i < np; i++)
		if (!(kb->props[i] = strdup(o->kafka_props[i]))) {
			kafka_close(&kb->base);
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		}
	/* Validate the configuration now, so a typo is a usage error before
	 * anything is fetched. */
	rd_kafka_conf_t *conf = make_conf(kb, NULL, err);
	if (!conf) {
		kafka_close(&kb->base);
		return err->code;
	}
	rd_kafka_conf_destroy(conf);
	*out = &kb->base;
	return SK_OK;
}

const struct sk_bus_type sk_bus_kafka = {
	.name = "kafka",
	.open = kafka_open,
	.close = kafka_close,
	.produce = kafka_produce,
	.subscribe = kafka_subscribe,
	.poll = kafka_poll,
	.commit = kafka_commit,
	.lag = kafka_lag,
	.read = kafka_read,
	.browse = kafka_browse,
	.members = kafka_members,
};
