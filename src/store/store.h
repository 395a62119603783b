/*
 * store.h - the warehouse: cleaned warnings upserted by their natural key
 * (region_id, lang_key, valid_date), every revision kept, reads for `show`.
 *
 * A backend is a `const struct sk_store_type`; callers use the sk_store_*
 * wrappers. Writes happen between begin and commit; a record counts as
 * stored only once commit has returned SK_OK.
 */
#ifndef SK_STORE_H
#define SK_STORE_H

#include "core/core.h"
#include "model/model.h"

struct sk_config;

/* What put did with a record. */
enum sk_store_put {
	SK_STORE_INSERTED = 0,  /* new key */
	SK_STORE_UPDATED = 1,   /* newer revision replaced the current row */
	SK_STORE_UNCHANGED = 2, /* identical to the current row */
	SK_STORE_STALE = 3,     /* older than the current row: kept as a
				 * revision only */
};

struct sk_store_query {
	const int *region_ids; /* NULL = all regions */
	size_t n_regions;
	int lang_key;          /* 0 = both */
	struct sk_date from, to; /* inclusive valid_date range */
	bool with_children;    /* also load problems, advices, weather */
	size_t limit;          /* 0 = no limit */
};

struct sk_store_stats {
	int64_t warnings;
	int64_t problems;
	int64_t revisions;
	int64_t last_write_ms; /* 0 if never */
};

/* Called per row in (valid_date, region_id, lang_key) order. The record is
 * borrowed for the call. Return non-zero to stop early. */
typedef int (*sk_store_row_fn)(const struct sk_warning *w, void *ud);

struct sk_store;

struct sk_store_type {
	const char *name;
	sk_err_t (*open)(struct sk_store **out, const struct sk_config *cfg,
			 struct sk_error *err);
	void (*close)(struct sk_store *st);
	sk_err_t (*begin)(struct sk_store *st, struct sk_error *err);
	/* w must be cleaned (sk_proc_clean); raw is the message value as
	 * received (kept with the revision). */
	sk_err_t (*put)(struct sk_store *st, const struct sk_warning *w,
			const char *raw, size_t raw_len, enum sk_store_put *res,
			struct sk_error *err);
	sk_err_t (*commit)(struct sk_store *st, struct sk_error *err);
	void (*rollback)(struct sk_store *st);
	sk_err_t (*query)(struct sk_store *st, const struct sk_store_query *q,
			  sk_store_row_fn fn, void *ud, struct sk_error *err);
	sk_err_t (*stats)(struct sk_store *st, struct sk_store_stats *out,
			  struct sk_error *err);
	/* Optional (NULL = not needed): told the keys ("<region>:<lang>:
	 * <date>") of the records about to be put in this transaction, a
	 * backend with remote reads can fetch their current state in a few
	 * round trips instead of one per put. */
	sk_err_t (*prefetch)(struct sk_store *st, const char *const *keys,
			     size_t n, struct sk_error *err);
};

struct sk_store {
	const struct sk_store_type *type;
};

const struct sk_store_type *sk_store_type_find(const char *name);
/* Opens the backend named by config key "store" ("sqlite"). */
sk_err_t sk_store_open(struct sk_store **out, const struct sk_config *cfg,
		       struct sk_error *err);

static inline void sk_store_close(struct sk_store *st)
{
	if (st)
		st->type->close(st);
}
static inline sk_err_t sk_store_begin(struct sk_store *st, struct sk_error *err)
{
	return st->type->begin(st, err);
}
static inline sk_err_t sk_store_put(struct sk_store *st,
				    const struct sk_warning *w, const char *raw,
				    size_t raw_len, enum sk_store_put *res,
				    struct sk_error *err)
{
	return st->type->put(st, w, raw, raw_len, res, err);
}
static inline sk_err_t sk_store_commit(struct sk_store *st,
				       struct sk_error *err)
{
	return st->type->commit(st, err);
}
static inline void sk_store_rollback(struct sk_store *st)
{
	st->type->rollback(st);
}
static inline sk_err_t sk_store_query(struct sk_store *st,
				      const struct sk_store_query *q,
				      sk_store_row_fn fn, void *ud,
				      struct sk_error *err)
{
	return st->type->query(st, q, fn, ud, err);
}
static inline sk_err_t sk_store_stats(struct sk_store *st,
				      struct sk_store_stats *out,
				      struct sk_error *err)
{
	return st->type->stats(st, out, err);
}

static inline sk_err_t sk_store_prefetch(struct sk_store *st,
					 const char *const *keys, size_t n,
					 struct sk_error *err)
{
	return st->type->prefetch ? st->type->prefetch(st, keys, n, err)
				  : SK_OK;
}

/* The keys of sk_store_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_store_conf {
	int backend; /* store: index into sk_store_backends */
	const char *cassandra_hosts; /* cassandra.hosts */
	const char *cassandra_username; /* cassandra.username */
	const char *cassandra_password; /* cassandra.password */
	const char *cassandra_keyspace; /* cassandra.keyspace */
	const char *cassandra_replication; /* cassandra.replication */
	int cassandra_consistency; /* index into sk_store_consistencies */
	int64_t cassandra_connect_timeout_ms; /* cassandra.connect_timeout_ms */
	int64_t cassandra_request_timeout_ms; /* cassandra.request_timeout_ms */
	int64_t cassandra_max_in_flight; /* cassandra.max_in_flight */
	bool cassandra_tls; /* cassandra.tls */
	const char *cassandra_tls_ca_file; /* cassandra.tls_ca_file */
};
extern const struct sk_cfg_def sk_store_cfg[];
/* The allowed values of store and cassandra.consistency (NULL-ended). */
extern const char *const sk_store_backends[];
extern const char *const sk_store_consistencies[];
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_store_conf *sk_store_conf(const struct sk_config *cfg);

#endif
