/*
 * bus.c - the bus registry, batch helpers and the bus configuration table.
 */
#include "bus/bus_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sk_bus_type *const bus_types[] = {
	&sk_bus_sqlite,
	&sk_bus_kafka,
	NULL,
};

const char *const sk_bus_backends[] = {"sqlite", "kafka", NULL};

const struct sk_cfg_def sk_bus_cfg[] = {
	{"bus", SK_CFG_ENUM, "sqlite", 0, 0, 0,
	 "bus backend: sqlite (embedded log in <data_dir>/bus.db) or kafka",
	 offsetof(struct sk_bus_conf, backend), sk_bus_backends},
	{"bus.retention_days", SK_CFG_INT, "30", 0, 36500, 0,
	 "embedded log: delete messages older than this that every group has "
	 "consumed (0 = keep forever)",
	 offsetof(struct sk_bus_conf, retention_days), NULL},
	{"kafka.brokers", SK_CFG_STR, "127.0.0.1:9092", 0, 0, 0,
	 "Kafka bootstrap servers (env SKRED_KAFKA_BROKERS)",
	 offsetof(struct sk_bus_conf, kafka_brokers), NULL},
	{"kafka.topic_partitions", SK_CFG_INT, "6", 1, 10000, 0,
	 "partitions of topics skred creates",
	 offsetof(struct sk_bus_conf, kafka_topic_partitions), NULL},
	{"kafka.topic_replication", SK_CFG_INT, "1", -1, 32, 0,
	 "replication factor of topics skred creates (-1: broker default)",
	 offsetof(struct sk_bus_conf, kafka_topic_replication), NULL},
	{"kafka.flush_timeout_ms", SK_CFG_INT, "60000", 100, 3600000, 0,
	 "how long a produce waits for every delivery report",
	 offsetof(struct sk_bus_conf, kafka_flush_timeout_ms), NULL},
	{"kafka.caught_up_timeout_ms", SK_CFG_INT, "120000", 1000, 3600000, 0,
	 "without --follow: give up waiting for partitions/end of log after "
	 "this",
	 offsetof(struct sk_bus_conf, kafka_caught_up_timeout_ms), NULL},
	{"kafka.request_timeout_ms", SK_CFG_INT, "15000", 100, 600000, 0,
	 "admin, metadata and offset queries",
	 offsetof(struct sk_bus_conf, kafka_request_timeout_ms), NULL},
	{"kafka.", SK_CFG_STR, NULL, 0, 0, SK_CFG_PREFIX,
	 "any librdkafka property, e.g. kafka.security.protocol, "
	 "kafka.sasl.username (passwords redacted)",
	 0, NULL},
	SK_CFG_END(struct sk_bus_conf),
};

const struct sk_bus_conf *sk_bus_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_bus_cfg);
}

const struct sk_bus_type *sk_bus_type_find(const char *name)
{
	return sk_registry_find(SK_REGISTRY(bus_types), name);
}

sk_err_t sk_bus_open(struct sk_bus **out, const struct sk_bus_opts *o,
		     struct sk_error *err)
{
	*out = NULL;
	const void *t;
	if (sk_registry_lookup(SK_REGISTRY(bus_types), "bus",
			       sk_bus_backends[o->conf->backend], &t,
			       err) != SK_OK)
		return err->code;
	return ((const struct sk_bus_type *)t)->open(out, o, err);
}

const char *sk_bus_msg_header(const struct sk_bus_msg *msg, const char *key)
{
	for (size_t i = 0; i < msg->n_headers; i++)
		if (strcmp(msg->headers[i].key, key) == 0)
			return msg->headers[i].value;
	return NULL;
}

void sk_bus_dead_letter_id(const char *key, size_t key_len, const char *value,
			   size_t value_len, char hash[17],
			   char id[SK_BUS_DEAD_ID_MAX])
{
	snprintf(hash, 17, "%016llx",
		 (unsigned long long)sk_fnv1a64(value ? value : "",
						value ? value_len : 0));
	snprintf(id, SK_BUS_DEAD_ID_MAX, "%.*s#%s",
		 (int)(key_len < SK_LIMIT_KEY ? key_len : SK_LIMIT_KEY),
		 key ? key : "", hash);
}

void sk_bus_msg_free(struct sk_bus_msg *m)
{
	free(m->topic);
	free(m->key);
	free(m->value);
	for (size_t i = 0; i < m->n_headers; i++) {
		free(m->headers[i].key);
		free(m->headers[i].value);
	}
}

void sk_bus_batch_clear(struct sk_bus_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		sk_bus_msg_free(&b->msgs[i]);
	free(b->msgs);
	memset(b, 0, sizeof *b);
}

sk_err_t sk_bus_batch_push(struct sk_bus_batch *b, const char *topic,
			   int partition, int64_t offset, int64_t ts,
			   const char *key, size_t key_len, const char *value,
			   size_t value_len, struct sk_error *err)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct sk_bus_msg *m = realloc(b->msgs, cap * sizeof *m);
		if (!m)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		b->msgs = m;
		b->cap = cap;
	}
	struct sk_bus_msg *m = &b->msgs[b->n];
	memset(m, 0, sizeof *m);
	m->topic = sk_strdup(topic);
	m->key = key ? sk_strndup(key, key_len) : NULL;
	m->value = value ? sk_strndup(value, value_len) : NULL;
	if (!m->topic || (key && !m->key) || (value && !m->value)) {
		sk_bus_msg_free(m);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	m->key_len = key ? key_len : 0;
	m->value_len = value ? value_len : 0;
	m->partition = partition;
	m->offset = offset;
	m->timestamp_ms = ts;
	b->n++;
	b->bytes += m->key_len + m->value_len;
	return SK_OK;
}

sk_err_t sk_bus_batch_add_header(struct sk_bus_batch *b, const char *key,
				 const char *value, struct sk_error *err)
{
	if (!b->n)
		return sk_error_set(err, SK_ERR_INVAL, false, "empty batch");
	struct sk_bus_msg *m = &b->msgs[b->n - 1];
	if (m->n_headers == SK_BUS_MAX_HEADERS)
		return SK_OK; /* extra headers are dropped, by contract */
	char *k = sk_strdup(key), *v = sk_strdup(value ? value : "");
	if (!k || !v) {
		free(k);
		free(v);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	m->headers[m->n_headers].key = k;
	m->headers[m->n_headers].value = v;
	m->n_headers++;
	return SK_OK;
}

sk_err_t sk_bus_batch_dedup(struct sk_bus_batch *b, struct sk_error *err)
{
	struct sk_strset seen = {0};
	size_t w = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct sk_bus_msg *m = &b->msgs[i];
		char hash[17], id[SK_BUS_DEAD_ID_MAX];
		const char *h = sk_bus_msg_header(m, SK_BUS_HEADER_DEDUP);
		if (!h) {
			sk_bus_dead_letter_id(m->key, m->key_len, m->value,
					      m->value_len, hash, id);
			h = id;
		}
		bool added;
		if (sk_strset_add(&seen, h, &added) != SK_OK) {
			sk_strset_free(&seen);
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		}
		if (!added) {
			b->bytes -= m->key_len + m->value_len;
			sk_bus_msg_free(m);
			continue;
		}
		b->msgs[w++] = *m;
	}
	b->n = w;
	sk_strset_free(&seen);
	return SK_OK;
}

void sk_bus_schemas_free(struct sk_bus_schema *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].subject);
		free(s[i].schema);
	}
	free(s);
}

static sk_err_t no_schemas(const struct sk_bus *bus, struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_NOTFOUND, false,
			    "bus %s keeps no schema versions (with "
			    "bus.format=avro its schema registry does)",
			    bus->type->name);
}

sk_err_t sk_bus_schema_note(struct sk_bus *bus, const char *subject,
			    const char *schema, int *version, bool *added,
			    struct sk_error *err)
{
	if (!bus->type->schema_note)
		return no_schemas(bus, err);
	return bus->type->schema_note(bus, subject, schema, version, added,
				      err);
}

sk_err_t sk_bus_schema_list(struct sk_bus *bus, struct sk_bus_schema **out,
			    size_t *n, struct sk_error *err)
{
	*out = NULL;
	*n = 0;
	if (!bus->type->schema_list)
		return no_schemas(bus, err);
	return bus->type->schema_list(bus, out, n, err);
}

sk_err_t sk_bus_browse(struct sk_bus *bus, const struct sk_bus_browse *q,
		       struct sk_bus_batch *out, size_t *scanned,
		       struct sk_error *err)
{
	*scanned = 0;
	if (!bus->type->browse)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "bus %s cannot browse", bus->type->name);
	return bus->type->browse(bus, q, out, scanned, err);
}

sk_err_t sk_bus_members(struct sk_bus *bus, const char *group,
			struct sk_bus_member **out, size_t *n,
			struct sk_error *err)
{
	*out = NULL;
	*n = 0;
	if (!bus->type->members)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "bus %s has no group members to show",
				    bus->type->name);
	return bus->type->members(bus, group, out, n, err);
}
