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

/* What put did with a record. The decision is made once, above the
 * backends, by sk_store_decide (see there for the rules). */
enum sk_store_put {
	SK_STORE_INSERTED = 0,  /* new key */
	SK_STORE_UPDATED = 1,   /* newer revision replaced the current row */
	SK_STORE_UNCHANGED = 2, /* identical to the current row */
	SK_STORE_STALE = 3,     /* older than the current row: kept as a
				 * revision only */
	SK_STORE_HELD = 4,      /* would have replaced the current row and
				 * lost values it has through source drift
				 * (sk_store_prepared.drift): nothing
				 * written, the current row kept */
};

/* content_hash: 16 lower-case hex digits and a NUL. */
#define SK_STORE_HASH_LEN 17

/* The current row of a key, as a backend reads it for a put. */
struct sk_store_current {
	bool found;
	bool has_pub;   /* the row has a publish time */
	int64_t pub_ms; /* UTC, valid when has_pub */
	char hash[SK_STORE_HASH_LEN];
	int64_t version; /* backend's own (Cassandra: the row's write time,
			  * µs); store.c passes it back in sk_store_write */
};

/* What sk_store_put asks a backend to write for one record. */
struct sk_store_write {
	const struct sk_warning *w; /* cleaned */
	const char *raw;            /* message value as received */
	size_t raw_len;
	const char *hash; /* sk_store_content_hash(w) */
	/* raw as the backend's encoder made it (sk_store_enc_raw), when
	 * encoded: enc NULL means raw is kept as it is. Not encoded: the
	 * backend encodes raw itself, if it does. */
	bool encoded;
	const void *enc;
	size_t enc_len;
	enum sk_store_put what; /* the decision */
	bool revision;          /* record (w's publish time, hash) as a
				     * revision; false only when it is the
				     * current row's own */
	const struct sk_store_current *cur; /* what the decision saw */
};

struct sk_store_query {
	const int *region_ids; /* NULL = all regions */
	size_t n_regions;
	int lang_key;            /* 0 = both */
	struct sk_date from, to; /* inclusive valid_date range */
	bool with_children;      /* also load problems, advices, weather */
	size_t limit;            /* 0 = no limit */
};

struct sk_store_stats {
	int64_t warnings;
	int64_t problems;
	int64_t revisions;
	int64_t last_write_ms; /* 0 if never */
	/* The first and last valid_date stored, "YYYY-MM-DD"; "" when none
	 * or when the backend cannot say cheaply (cassandra). */
	char first_date[11], last_date[11];
};

/* Called per row in (valid_date, region_id, lang_key) order. The record is
 * borrowed for the call. Return non-zero to stop early. */
typedef int (*sk_store_row_fn)(const struct sk_warning *w, void *ud);

struct sk_store;
struct sk_store_conf;
struct sk_store_enc;

/* Raw message value -> cleaned record (proc's sk_proc_map). The store does
 * not clean records (store and proc are peers: proc -> store), but a
 * schema migration that adds stored columns rewrites the current rows from
 * their revisions' raw messages, so the layer that opens the store hands
 * it the mapping. On success *out is owned by the caller. */
typedef sk_err_t (*sk_store_map_fn)(const char *raw, size_t len,
				    struct sk_warning **out,
				    struct sk_error *err);

/* What a store is opened with, given by the layer that opens it: this
 * module's own configuration and the values of others it needs. */
struct sk_store_opts {
	const struct sk_store_conf *conf; /* required */
	const char *data_dir;             /* core's data_dir (sqlite) */
	sk_store_map_fn map; /* NULL: a migration that rewrites rows from
			      * their raw messages fails (SK_ERR_CONFIG)
			      * before changing anything */
};

struct sk_store_type {
	const char *name;
	sk_err_t (*open)(struct sk_store **out, const struct sk_store_opts *o,
			 struct sk_error *err);
	void (*close)(struct sk_store *st);
	sk_err_t (*begin)(struct sk_store *st, struct sk_error *err);
	/* The three steps of a put (sk_store_put calls them, in a
	 * transaction): read the current (publish time, hash) of w's key
	 * (cur->found false when none); say whether a revision of w's key
	 * with w's publish time and hash is on record (also one put earlier
	 * in this transaction), asked only when the tie rule needs it; write
	 * what sk_store_write says: the revision if wr->revision (a revision
	 * already on record is left as it is), and for INSERTED/UPDATED the
	 * current row and its children. A write that fails leaves the
	 * transaction as it was before the put. */
	sk_err_t (*current)(struct sk_store *st, const struct sk_warning *w,
			    struct sk_store_current *cur, struct sk_error *err);
	sk_err_t (*revision_seen)(struct sk_store *st,
				  const struct sk_warning *w, const char *hash,
				  bool *seen, struct sk_error *err);
	sk_err_t (*write)(struct sk_store *st, const struct sk_store_write *wr,
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
	/* Optional (NULL = begin): a transaction whose caller rolls it back
	 * whole when any put fails (sk_store_begin_batch). */
	sk_err_t (*begin_batch)(struct sk_store *st, struct sk_error *err);
	/* Optional (all three or none): the encoder of raw message values,
	 * see sk_store_enc_new. */
	sk_err_t (*enc_new)(struct sk_store *st, struct sk_store_enc **out,
			    struct sk_error *err);
	sk_err_t (*enc_raw)(struct sk_store_enc *e, const char *raw, size_t len,
			    void **out, size_t *out_len, struct sk_error *err);
	void (*enc_free)(struct sk_store_enc *e);
};

struct sk_store {
	const struct sk_store_type *type;
};

const struct sk_store_type *sk_store_type_find(const char *name);
/* Opens the backend named by o->conf->backend (config key "store"). */
sk_err_t sk_store_open(struct sk_store **out, const struct sk_store_opts *o,
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
/* Begin a batch: a transaction that its caller rolls back whole when a
 * put fails, so a backend need not make each put undoable on its own (the
 * SQLite store saves a savepoint per put). After a failed put of a batch
 * the transaction may be left part-written: every later put and the commit
 * fail (SK_ERR_INVAL) and only rollback is allowed, so nothing of it is
 * stored. Otherwise as sk_store_begin. */
static inline sk_err_t sk_store_begin_batch(struct sk_store *st,
					    struct sk_error *err)
{
	return st->type->begin_batch ? st->type->begin_batch(st, err)
				     : st->type->begin(st, err);
}
/* Store one cleaned record (w) with raw, the message value as received
 * (kept with the revision), between begin and commit; *res says what was
 * done (sk_store_decide). Errors: SK_ERR_INVAL for a record without a
 * valid_date or too many children, else the backend's, prefixed with the
 * key. A put that fails leaves the transaction as it was before it (in a
 * batch: to be rolled back, see sk_store_begin_batch). */
sk_err_t sk_store_put(struct sk_store *st, const struct sk_warning *w,
		      const char *raw, size_t raw_len, enum sk_store_put *res,
		      struct sk_error *err);

/* What sk_store_put of w would decide, by reads only (nothing is
 * written, whatever the backend: Cassandra's rollback cannot take back a
 * write): a dry run, between begin and rollback like a put. */
sk_err_t sk_store_put_preview(struct sk_store *st, const struct sk_warning *w,
			      enum sk_store_put *res, struct sk_error *err);

/* What of a put needs no store, made ahead by the caller (on another
 * thread, say, while the store writes): w's sk_store_content_hash and, if
 * encoded, raw as st's encoder makes it (sk_store_enc_raw; enc NULL: raw is
 * kept as it is). */
struct sk_store_prepared {
	char hash[SK_STORE_HASH_LEN];
	bool encoded;
	void *enc; /* the caller's (malloc'd) */
	size_t enc_len;
	/* Optional (NULL: no check): the raw record's drift
	 * (sk_model_warning_drift). A put that would be UPDATED while a row
	 * missing from the raw record has a value in the current row (see
	 * sk_store_drift_lost) is HELD instead, and the lost fields' API
	 * paths are written to lost (the caller's, lost_size bytes). */
	const struct sk_model_drift *drift;
	char *lost;
	size_t lost_size;
};
/* sk_store_put with p made for w and raw. */
sk_err_t sk_store_put_prepared(struct sk_store *st, const struct sk_warning *w,
			       const char *raw, size_t raw_len,
			       const struct sk_store_prepared *p,
			       enum sk_store_put *res, struct sk_error *err);

/* A backend's encoder of raw message values (compression, say), usable on
 * any one thread while the store is open. *out NULL (and SK_OK) when st's
 * backend has none: it keeps raw as it is. */
struct sk_store_enc;
static inline sk_err_t sk_store_enc_new(struct sk_store *st,
					struct sk_store_enc **out,
					struct sk_error *err)
{
	*out = NULL;
	return st->type->enc_new ? st->type->enc_new(st, out, err) : SK_OK;
}
/* raw as e's store writes it: *out (malloc'd, the caller's), or *out NULL
 * when kept as it is. */
static inline sk_err_t sk_store_enc_raw(struct sk_store *st,
					struct sk_store_enc *e, const char *raw,
					size_t len, void **out, size_t *out_len,
					struct sk_error *err)
{
	return st->type->enc_raw(e, raw, len, out, out_len, err);
}
static inline void sk_store_enc_free(struct sk_store *st,
				     struct sk_store_enc *e)
{
	if (e)
		st->type->enc_free(e);
}

/* The one content hash (docs/DATA_MODEL.md): FNV-1a 64 over the stored
 * columns of the warning, then its problems, advices and weather values in
 * primary-key order (each value a type tag, little-endian integers,
 * length-prefixed text; times as their UTC text), as 16 hex digits. A
 * record read back from any backend hashes as the one that was written.
 * SK_ERR_LIMIT for more children than SK_LIMIT_*. */
sk_err_t sk_store_content_hash(const struct sk_warning *w,
			       char out[SK_STORE_HASH_LEN],
			       struct sk_error *err);

/* A stored column's value: what the SQLite warehouse stores and what the
 * content hash walks, defined once. An absent value of a nullable row is
 * NULL; INT, INT64, BOOL (0/1) and TRI are integers; TEXT and DATE text;
 * TIME the UTC text of sk_time_format_utc (NULL without a UTC instant).
 * text is borrowed from rec, or points at buf. */
struct sk_store_value {
	enum {
		SK_STORE_NULL,
		SK_STORE_INT,
		SK_STORE_TEXT
	} kind;
	int64_t i;
	const char *text;
	char buf[SK_TIME_UTC_LEN];
};
void sk_store_value(const struct sk_field *f, const void *rec,
		    struct sk_store_value *v);

/* The fields w would lose against the current row of its key: each row
 * that drift reports missing from the raw record (SK_DRIFT_MISSING) whose
 * value is absent in w and present in the current row (a column, a list
 * with children, the mountain-weather group; a child row present in any
 * current child). Read through the backend's query op, so above every
 * backend; called only for records with missing rows. lost (size bytes)
 * gets their API paths, comma-separated ("" when none; cut to fit).
 * The backend's errors. */
sk_err_t sk_store_drift_lost(struct sk_store *st, const struct sk_warning *w,
			     const struct sk_model_drift *drift, char *lost,
			     size_t size, struct sk_error *err);

/* The write decision, one rule for every backend. With cur the key's
 * current row and (w's publish time, hash) the new revision:
 *   no current row                                  -> INSERTED
 *   a current row without a hash (not completely
 *   stored: a crash between its writes)             -> UPDATED
 *   same content_hash                               -> UNCHANGED
 *   later publish time                              -> UPDATED
 *   earlier publish time                            -> STALE
 *   equal publish time (the tie), other content:
 *     a revision not on record before (seen false)  -> UPDATED
 *     a revision already on record (seen true)      -> STALE
 * A missing publish time is the earliest; two missing ones are equal. The
 * tie rule lets a correction published at the same instant win, while a
 * replay of an older same-instant revision cannot flip the row back. */
enum sk_store_put sk_store_decide(const struct sk_store_current *cur,
				  const struct sk_warning *w, const char *hash,
				  bool seen);
/* Whether (w's publish time, hash) against cur is the tie that needs
 * `seen` to decide. */
bool sk_store_decide_needs_seen(const struct sk_store_current *cur,
				const struct sk_warning *w, const char *hash);

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
	int backend;                 /* store: index into sk_store_backends */
	const char *cassandra_hosts; /* cassandra.hosts */
	const char *cassandra_username;    /* cassandra.username */
	const char *cassandra_password;    /* cassandra.password */
	const char *cassandra_keyspace;    /* cassandra.keyspace */
	const char *cassandra_replication; /* cassandra.replication */
	int cassandra_consistency; /* index into sk_store_consistencies */
	int64_t cassandra_connect_timeout_ms; /* cassandra.connect_timeout_ms */
	int64_t cassandra_request_timeout_ms; /* cassandra.request_timeout_ms */
	int64_t cassandra_max_in_flight;      /* cassandra.max_in_flight */
	bool cassandra_tls;                   /* cassandra.tls */
	const char *cassandra_tls_ca_file;    /* cassandra.tls_ca_file */
};
extern const struct sk_cfg_def sk_store_cfg[];
/* The allowed values of store and cassandra.consistency (NULL-ended). */
extern const char *const sk_store_backends[];
extern const char *const sk_store_consistencies[];
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_store_conf *sk_store_conf(const struct sk_config *cfg);

#endif
