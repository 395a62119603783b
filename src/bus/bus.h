/*
 * bus.h - the hand-off between fetching and processing: topics of keyed
 * messages with increasing offsets, consumer groups with committed offsets.
 *
 * A backend is a `const struct sk_bus_type`; callers use the sk_bus_*
 * wrappers and never see which one they have. Delivery is at-least-once:
 * a consumer commits only after it has durably handled what it polled.
 */
#ifndef SK_BUS_H
#define SK_BUS_H

#include "core/core.h"

struct sk_config;

#define SK_BUS_TOPIC_RAW_DEFAULT "avalanche_region_warning"
#define SK_BUS_TOPIC_CLEAN_DEFAULT "avalanche_warning_clean"
#define SK_BUS_TOPIC_DLQ_DEFAULT "skred.dlq"
#define SK_BUS_MAX_HEADERS 12

/* A message carrying this header is appended at most once per topic: a
 * produce skips it when the topic already holds a message with the same
 * value of the header (or one earlier in the same call). How exact that is
 * depends on the backend (see produce below). The dead letters use it. */
#define SK_BUS_HEADER_DEDUP "dedup_id"

struct sk_bus_header {
	char *key;
	char *value;
};

/* A message. For produce the fields are borrowed from the caller; messages
 * returned by poll are owned by the batch. */
struct sk_bus_msg {
	char *topic;
	int partition;
	int64_t offset;
	int64_t timestamp_ms;
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
	struct sk_bus_header headers[SK_BUS_MAX_HEADERS];
	size_t n_headers;
};

/* Messages from one poll, owned by the batch. */
struct sk_bus_batch {
	struct sk_bus_msg *msgs;
	size_t n;
	size_t cap;
	size_t bytes;
};
void sk_bus_batch_clear(struct sk_bus_batch *b); /* frees the messages */
/* Free the strings a polled message owns (not the message itself). */
void sk_bus_msg_free(struct sk_bus_msg *m);
/* Append a copy of msg (topic/key/value/headers) to the batch. */
sk_err_t sk_bus_batch_push(struct sk_bus_batch *b, const char *topic,
			   int partition, int64_t offset, int64_t ts,
			   const char *key, size_t key_len, const char *value,
			   size_t value_len, struct sk_error *err);
/* Add a header to the last message of the batch (copies). */
sk_err_t sk_bus_batch_add_header(struct sk_bus_batch *b, const char *key,
				 const char *value, struct sk_error *err);

/* Per topic-partition position of a consumer group. */
struct sk_bus_lag {
	char topic[128];
	int partition;
	int64_t end_offset;       /* next offset to be written */
	int64_t committed_offset; /* next offset the group will read; -1 none */
	int64_t lag;
};

struct sk_bus;
struct sk_bus_conf;

/* What a bus is opened with, given by the layer that opens it (job's
 * sk_job_bus_open): this module's own configuration and the values of
 * others it needs. */
struct sk_bus_opts {
	const struct sk_bus_conf *conf; /* required; outlives the bus */
	const char *data_dir;           /* core's data_dir (the SQLite log) */
	/* librdkafka properties passed through (the kafka.* keys sk_bus_cfg
	 * does not define, without "kafka."): name, value, ..., NULL.
	 * Borrowed for the open (kafka copies them); NULL = none. */
	const char *const *kafka_props;
};

/* One version of a record shape skred has used (schema_list). Owned by
 * the array (sk_bus_schemas_free). */
struct sk_bus_schema {
	char *subject; /* "<topic>-value" */
	int version;   /* 1, 2, ... per subject */
	char *schema;  /* the Avro schema's text */
	int64_t first_used_ms;
};
void sk_bus_schemas_free(struct sk_bus_schema *s, size_t n);

/* What a message browser asks for (browse below). */
struct sk_bus_browse {
	const char *topic;
	int partition;   /* -1: every partition */
	int64_t offset;  /* first offset of each partition read (from_ms 0) */
	int64_t from_ms; /* > 0: start at each partition's first message at
			  * or after this time (UTC ms) instead */
	const char *key; /* non-NULL, non-empty: only messages whose key
			  * contains it (bytes, case-sensitive) */
	size_t max;      /* at most this many messages */
	size_t scan_max; /* read at most this many to find them (0: 10 max) */
};

/* A member of a consumer group and what it was given (members below). */
struct sk_bus_member {
	char id[256];
	char client_id[128];
	char host[128];
	char assignment[512]; /* "topic:0,1;topic2:3", "" none */
};

/* The source's drift per field and kind (drift_note, drift_list): field
 * is the API path, kind "unknown" / "missing" / "retyped" (model.h). */
struct sk_bus_drift {
	char field[64];
	char kind[12];
	int64_t count;
	int64_t first_seen_ms; /* drift_list only */
	int64_t last_seen_ms;  /* drift_note: when these were seen */
};

struct sk_bus_type {
	const char *name;
	sk_err_t (*open)(struct sk_bus **out, const struct sk_bus_opts *o,
			 struct sk_error *err);
	void (*close)(struct sk_bus *bus);
	/* Durably append n messages (each may name its own topic). Returns only
	 * when every message is stored; any failure fails the call. Messages
	 * with an SK_BUS_HEADER_DEDUP header already in their topic are
	 * skipped: sqlog checks a unique index in the append's transaction
	 * (exact); kafka reads the topic's new messages before appending
	 * (exact unless two processes append the same id at the same time). */
	sk_err_t (*produce)(struct sk_bus *bus, const struct sk_bus_msg *msgs,
			    size_t n, struct sk_error *err);
	/* Join group on topic; subsequent polls read from its committed
	 * position (or the beginning). */
	sk_err_t (*subscribe)(struct sk_bus *bus, const char *group,
			      const char *topic, struct sk_error *err);
	/* Append up to max messages to out, waiting up to timeout_ms for the
	 * first. Zero messages = caught up. */
	sk_err_t (*poll)(struct sk_bus *bus, struct sk_bus_batch *out,
			 size_t max, int timeout_ms, struct sk_error *err);
	/* Commit the positions after every message in batch. */
	sk_err_t (*commit)(struct sk_bus *bus, const struct sk_bus_batch *batch,
			   struct sk_error *err);
	/* Lag of group on topic, one entry per partition. *out malloc'd. */
	sk_err_t (*lag)(struct sk_bus *bus, const char *group,
			const char *topic, struct sk_bus_lag **out, size_t *n,
			struct sk_error *err);
	/* Read without a group (for inspection, e.g. the dead-letter topic):
	 * up to max messages of topic from offset; partition -1 reads every
	 * partition (each from offset). */
	sk_err_t (*read)(struct sk_bus *bus, const char *topic, int partition,
			 int64_t offset, size_t max, struct sk_bus_batch *out,
			 struct sk_error *err);
	/* The record shapes skred has used, kept with the log (the embedded
	 * bus; NULL where the backend keeps none: on Kafka a schema registry
	 * keeps them). schema_note records schema as a version of subject
	 * unless one with the same text is there, and gives its version;
	 * *added says whether it is new. schema_list gives every version,
	 * by subject and version (*out malloc'd, sk_bus_schemas_free). */
	sk_err_t (*schema_note)(struct sk_bus *bus, const char *subject,
				const char *schema, int *version, bool *added,
				struct sk_error *err);
	sk_err_t (*schema_list)(struct sk_bus *bus, struct sk_bus_schema **out,
				size_t *n, struct sk_error *err);
	/* The message browser: messages of q->topic as q says, in offset
	 * order per partition (partitions one after another), appended to
	 * out; *scanned says how many were read to find them (the key
	 * filter). Without a group; no position changes. */
	sk_err_t (*browse)(struct sk_bus *bus, const struct sk_bus_browse *q,
			   struct sk_bus_batch *out, size_t *scanned,
			   struct sk_error *err);
	/* The members of group and their partitions (*out malloc'd). NULL
	 * where a backend has no members to show (the embedded log: one
	 * consumer at a time, under its lock). */
	sk_err_t (*members)(struct sk_bus *bus, const char *group,
			    struct sk_bus_member **out, size_t *n,
			    struct sk_error *err);
	/* Optional (NULL: the backend keeps none; Kafka): the source's drift
	 * kept with the log it describes. drift_note adds n counts (one
	 * transaction); drift_list gives every (field, kind), the most
	 * recently seen first (*out malloc'd, free it). */
	sk_err_t (*drift_note)(struct sk_bus *bus, const struct sk_bus_drift *d,
			       size_t n, struct sk_error *err);
	sk_err_t (*drift_list)(struct sk_bus *bus, struct sk_bus_drift **out,
			       size_t *n, struct sk_error *err);
};

struct sk_bus {
	const struct sk_bus_type *type;
};

/* The schema_* operations, SK_ERR_NOTFOUND ("keeps no schema versions")
 * for a backend without them. */
sk_err_t sk_bus_schema_note(struct sk_bus *bus, const char *subject,
			    const char *schema, int *version, bool *added,
			    struct sk_error *err);
sk_err_t sk_bus_schema_list(struct sk_bus *bus, struct sk_bus_schema **out,
			    size_t *n, struct sk_error *err);

/* browse (every backend has it); members, SK_ERR_NOTFOUND ("has no group
 * members") for a backend without them. */
sk_err_t sk_bus_browse(struct sk_bus *bus, const struct sk_bus_browse *q,
		       struct sk_bus_batch *out, size_t *scanned,
		       struct sk_error *err);
sk_err_t sk_bus_members(struct sk_bus *bus, const char *group,
			struct sk_bus_member **out, size_t *n,
			struct sk_error *err);

/* Registry: the backend named by config key "bus" ("sqlite", "kafka"). */
const struct sk_bus_type *sk_bus_type_find(const char *name);
/* Opens the backend named by o->conf->backend. */
sk_err_t sk_bus_open(struct sk_bus **out, const struct sk_bus_opts *o,
		     struct sk_error *err);

static inline void sk_bus_close(struct sk_bus *bus)
{
	if (bus)
		bus->type->close(bus);
}
static inline sk_err_t sk_bus_produce(struct sk_bus *bus,
				      const struct sk_bus_msg *msgs, size_t n,
				      struct sk_error *err)
{
	return bus->type->produce(bus, msgs, n, err);
}
static inline sk_err_t sk_bus_subscribe(struct sk_bus *bus, const char *group,
					const char *topic, struct sk_error *err)
{
	return bus->type->subscribe(bus, group, topic, err);
}
static inline sk_err_t sk_bus_poll(struct sk_bus *bus, struct sk_bus_batch *out,
				   size_t max, int timeout_ms,
				   struct sk_error *err)
{
	return bus->type->poll(bus, out, max, timeout_ms, err);
}
static inline sk_err_t sk_bus_commit(struct sk_bus *bus,
				     const struct sk_bus_batch *batch,
				     struct sk_error *err)
{
	return bus->type->commit(bus, batch, err);
}
static inline sk_err_t sk_bus_lag(struct sk_bus *bus, const char *group,
				  const char *topic, struct sk_bus_lag **out,
				  size_t *n, struct sk_error *err)
{
	return bus->type->lag(bus, group, topic, out, n, err);
}
static inline sk_err_t sk_bus_read(struct sk_bus *bus, const char *topic,
				   int partition, int64_t offset, size_t max,
				   struct sk_bus_batch *out,
				   struct sk_error *err)
{
	return bus->type->read(bus, topic, partition, offset, max, out, err);
}

/* The identity of a dead letter of the record (key, value), the same
 * however often the record is fetched or replayed: id "<key>#<hash>" (the
 * SK_BUS_HEADER_DEDUP value) and hash, 16 hex digits of FNV-1a 64 of value
 * (header payload_hash). Keys longer than SK_LIMIT_KEY are cut. */
#define SK_BUS_DEAD_ID_MAX (SK_LIMIT_KEY + 24)
void sk_bus_dead_letter_id(const char *key, size_t key_len, const char *value,
			   size_t value_len, char hash[17],
			   char id[SK_BUS_DEAD_ID_MAX]);

/* Drop from b every message whose dead-letter identity (its
 * SK_BUS_HEADER_DEDUP header, or for one written without it the id of its
 * key and value) an earlier message of b has: what `skred dlq` and the API
 * show, so a log written before dead letters had ids shows each once too.
 * SK_ERR_NOMEM leaves b as it was. */
sk_err_t sk_bus_batch_dedup(struct sk_bus_batch *b, struct sk_error *err);

/* Header value by key in a message, or NULL. */
const char *sk_bus_msg_header(const struct sk_bus_msg *msg, const char *key);

/* The keys of sk_bus_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_bus_conf {
	int backend;                     /* bus: index into sk_bus_backends */
	int64_t retention_days;          /* bus.retention_days */
	const char *kafka_brokers;       /* kafka.brokers */
	int64_t kafka_topic_partitions;  /* kafka.topic_partitions */
	int64_t kafka_topic_replication; /* kafka.topic_replication */
	int64_t kafka_flush_timeout_ms;  /* kafka.flush_timeout_ms */
	int64_t kafka_caught_up_timeout_ms; /* kafka.caught_up_timeout_ms */
	int64_t kafka_request_timeout_ms;   /* kafka.request_timeout_ms */
};
extern const struct sk_cfg_def sk_bus_cfg[];
/* The allowed values of bus (NULL-terminated). */
extern const char *const sk_bus_backends[];
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_bus_conf *sk_bus_conf(const struct sk_config *cfg);

#endif
