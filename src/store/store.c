/*
 * store.c - the warehouse's backend registry (opens the one named by config
 * key "store"), the one content hash and the one write
 * decision (inserted / updated / unchanged / stale), made here for every
 * backend, which only reads the current row, writes rows and revisions and
 * reports. Also the store module's configuration table.
 *
 * Knows no backend internals; each backend is one `const struct
 * sk_store_type` declared in store_int.h.
 */
#include "store/store.h"
#include "store/store_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sk_store_type *const store_types[] = {
	&sk_store_sqlite,
	&sk_store_cassandra,
	NULL,
};

const char *const sk_store_backends[] = {"sqlite", "cassandra", NULL};
const char *const sk_store_consistencies[] = {
	"ONE",          "TWO",         "THREE",     "QUORUM", "ALL",
	"LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE", NULL,
};

const struct sk_cfg_def sk_store_cfg[] = {
	{"store", SK_CFG_ENUM, "sqlite", 0, 0, 0,
	 "warehouse backend: sqlite (<data_dir>/warehouse.db) or cassandra",
	 offsetof(struct sk_store_conf, backend), sk_store_backends},
	{"cassandra.hosts", SK_CFG_STR, "127.0.0.1:9042", 0, 0, 0,
	 "contact points host[:port],... tried in order (env "
	 "SKRED_CASSANDRA_HOSTS)",
	 offsetof(struct sk_store_conf, cassandra_hosts), NULL},
	{"cassandra.username", SK_CFG_STR, "", 0, 0, 0,
	 "login (PasswordAuthenticator); empty: no authentication",
	 offsetof(struct sk_store_conf, cassandra_username), NULL},
	{"cassandra.password", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE,
	 "password (never logged)",
	 offsetof(struct sk_store_conf, cassandra_password), NULL},
	{"cassandra.keyspace", SK_CFG_STR, "skred", 0, 0, 0,
	 "keyspace, created if missing",
	 offsetof(struct sk_store_conf, cassandra_keyspace), NULL},
	{"cassandra.replication", SK_CFG_STR,
	 "{'class': 'SimpleStrategy', 'replication_factor': 1}", 0, 0, 0,
	 "replication of a keyspace skred creates (a CQL map)",
	 offsetof(struct sk_store_conf, cassandra_replication), NULL},
	{"cassandra.consistency", SK_CFG_ENUM, "LOCAL_QUORUM", 0, 0,
	 SK_CFG_NOCASE, "consistency of reads and writes",
	 offsetof(struct sk_store_conf, cassandra_consistency),
	 sk_store_consistencies},
	{"cassandra.connect_timeout_ms", SK_CFG_INT, "5000", 100, 600000, 0,
	 "connect + handshake timeout per contact point",
	 offsetof(struct sk_store_conf, cassandra_connect_timeout_ms), NULL},
	{"cassandra.request_timeout_ms", SK_CFG_INT, "12000", 100, 600000, 0,
	 "per request",
	 offsetof(struct sk_store_conf, cassandra_request_timeout_ms), NULL},
	{"cassandra.max_in_flight", SK_CFG_INT, "256", 1, 32768, 0,
	 "pipelined requests in flight on the connection",
	 offsetof(struct sk_store_conf, cassandra_max_in_flight), NULL},
	{"cassandra.tls", SK_CFG_BOOL, "false", 0, 0, 0, "connect with TLS",
	 offsetof(struct sk_store_conf, cassandra_tls), NULL},
	{"cassandra.tls_ca_file", SK_CFG_STR, "", 0, 0, 0,
	 "CA bundle for TLS (empty: system default)",
	 offsetof(struct sk_store_conf, cassandra_tls_ca_file), NULL},
	SK_CFG_END(struct sk_store_conf),
};

const struct sk_store_conf *sk_store_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_store_cfg);
}

/* NULL when name is NULL or no backend has that name. */
const struct sk_store_type *sk_store_type_find(const char *name)
{
	return sk_registry_find(SK_REGISTRY(store_types), name);
}

/* Opens the backend named by o->conf->backend. An unknown name is
 * SK_ERR_CONFIG listing the known ones; otherwise whatever the backend's
 * open returns. On success *out is owned by the caller (sk_store_close). */
sk_err_t sk_store_open(struct sk_store **out, const struct sk_store_opts *o,
		       struct sk_error *err)
{
	*out = NULL;
	const void *type;
	if (sk_registry_lookup(SK_REGISTRY(store_types), "store",
			       sk_store_backends[o->conf->backend], &type,
			       err) != SK_OK)
		return err->code;
	return ((const struct sk_store_type *)type)->open(out, o, err);
}

/* ----------------------------------------------------------- content hash
 *
 * The byte stream is the SQLite warehouse's stored row, column by column
 * (docs/DATA_MODEL.md): every stored hash of every existing warehouse stays
 * valid, and it does not move when the JSON output changes. */

struct hasher {
	uint64_t h;
};

static void h_bytes(struct hasher *e, const void *p, size_t n)
{
	e->h = sk_fnv1a64_update(e->h, p, n);
}

/* Little-endian whatever the host: the hash is stored and compared later. */
static void h_u64(struct hasher *e, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	h_bytes(e, b, sizeof b);
}

static void h_null(struct hasher *e)
{
	h_bytes(e, "N", 1);
}

static void h_int(struct hasher *e, int64_t v)
{
	h_bytes(e, "I", 1);
	h_u64(e, (uint64_t)v);
}

static void h_text(struct hasher *e, const char *s)
{
	if (!s) {
		h_null(e);
		return;
	}
	size_t n = strlen(s);
	h_bytes(e, "T", 1);
	h_u64(e, (uint64_t)n);
	h_bytes(e, s, n);
}

/* A section marker: the number of children that follow. */
static void h_section(struct hasher *e, char tag, size_t n)
{
	h_bytes(e, &tag, 1);
	h_u64(e, (uint64_t)n);
}

void sk_store_value(const struct sk_field *f, const void *rec,
		    struct sk_store_value *v)
{
	v->kind = SK_STORE_NULL;
	v->text = NULL;
	if ((f->flags & SK_FIELD_NULLABLE) && sk_model_field_is_absent(f, rec))
		return;
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
	case SK_FIELD_BOOL:
	case SK_FIELD_TRI:
		v->kind = SK_STORE_INT;
		v->i = sk_model_field_get_int(f, rec);
		break;
	case SK_FIELD_TEXT:
		v->text = sk_model_field_get_text(f, rec);
		break;
	case SK_FIELD_DATE:
		v->text = sk_model_field_get_text(f, rec);
		if (!v->text)
			v->text = "";
		break;
	case SK_FIELD_TIME: {
		const struct sk_time_field *t = sk_model_field_get_time(f, rec);
		if (t && t->has_utc) {
			sk_time_format_utc(t->utc_ms, v->buf);
			v->text = v->buf;
		}
		break;
	}
	case SK_FIELD_LIST:
		break;
	}
	if (v->text)
		v->kind = SK_STORE_TEXT;
}

static void h_field(struct hasher *e, const struct sk_field *f, const void *rec)
{
	struct sk_store_value v;
	sk_store_value(f, rec, &v);
	if (v.kind == SK_STORE_INT)
		h_int(e, v.i);
	else
		h_text(e, v.text); /* NULL hashes as N */
}

static void h_record(struct hasher *e, const struct sk_table *t,
		     const void *rec)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (sk_model_field_stored(&t->rows[i]))
			h_field(e, &t->rows[i], rec);
}

/* Children are hashed in primary-key order (sk_model_sort_by_key), the
 * order a query returns them, so a record read back hashes the same as the
 * one written. */
sk_err_t sk_store_content_hash(const struct sk_warning *w,
			       char out[SK_STORE_HASH_LEN],
			       struct sk_error *err)
{
	const struct sk_table *t = &sk_model_warning_table;
	struct hasher e = {SK_FNV1A64_INIT};
	h_record(&e, t, w);
	/* Then each child list: a tag (the upper-cased first letter of its
	 * noun: P, A, W), its count, the children in key order. */
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->kind != SK_FIELD_LIST)
			continue;
		size_t n = sk_model_field_list_count(f, w);
		if (n > f->limit)
			return sk_error_set(err, SK_ERR_LIMIT, false,
					    "%zu %s: more than the limit %zu",
					    n, f->child->what, f->limit);
		const void **c = n ? malloc(n * sizeof *c) : NULL;
		if (n && !c)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		for (size_t j = 0; j < n; j++)
			c[j] = sk_model_field_list_cchild(f, w, j);
		if (sk_model_sort_by_key(f->child, c, n)) {
			free(c); /* sk_proc_clean dead-letters such a record */
			return sk_error_set(err, SK_ERR_INVAL, false,
					    "two %s with the same key (not "
					    "cleaned?)",
					    f->child->what);
		}
		char tag = (char)(f->child->what[0] - 'a' + 'A');
		h_section(&e, tag, n);
		for (size_t j = 0; j < n; j++)
			h_record(&e, f->child, c[j]);
		free(c);
	}
	snprintf(out, SK_STORE_HASH_LEN, "%016llx", (unsigned long long)e.h);
	return SK_OK;
}

/* --------------------------------------------------------------- decision */

/* -1, 0, 1: w's publish time against the current row's, a missing one
 * earliest. */
static int pub_order(const struct sk_store_current *cur,
		     const struct sk_warning *w)
{
	bool has = w->publish_time.has_utc;
	if (has != cur->has_pub)
		return has ? 1 : -1;
	if (!has)
		return 0;
	int64_t a = w->publish_time.utc_ms, b = cur->pub_ms;
	return (a > b) - (a < b);
}

bool sk_store_decide_needs_seen(const struct sk_store_current *cur,
				const struct sk_warning *w, const char *hash)
{
	return cur->found && cur->hash[0] && strcmp(hash, cur->hash) != 0 &&
	       pub_order(cur, w) == 0;
}

enum sk_store_put sk_store_decide(const struct sk_store_current *cur,
				  const struct sk_warning *w, const char *hash,
				  bool seen)
{
	if (!cur->found)
		return SK_STORE_INSERTED;
	/* No hash: the row was not completely stored (Cassandra sets it
	 * last, once every other write of the record was acknowledged). */
	if (!cur->hash[0])
		return SK_STORE_UPDATED;
	if (strcmp(hash, cur->hash) == 0)
		return SK_STORE_UNCHANGED;
	int order = pub_order(cur, w);
	if (order > 0 || (order == 0 && !seen))
		return SK_STORE_UPDATED;
	return SK_STORE_STALE;
}

/* ------------------------------------------------------------ drift */

struct lost_ctx {
	const struct sk_warning *w;
	const struct sk_model_drift *drift;
	char *lost;
	size_t size, used;
	bool found;
};

/* The warning table's LIST row whose children are of table t. */
static const struct sk_field *list_of(const struct sk_table *t)
{
	const struct sk_table *wt = &sk_model_warning_table;
	for (size_t i = 0; i < wt->n_rows; i++)
		if (wt->rows[i].kind == SK_FIELD_LIST && wt->rows[i].child == t)
			return &wt->rows[i];
	return NULL;
}

/* Whether any child of rec's list l has row f present. */
static bool child_has(const struct sk_field *l, const struct sk_field *f,
		      const struct sk_warning *rec)
{
	size_t n = sk_model_field_list_count(l, rec);
	for (size_t i = 0; i < n; i++)
		if (!sk_model_field_is_absent(f,
					      sk_model_field_list_cchild(l, rec,
									 i)))
			return true;
	return false;
}

/* Whether rec holds a value of row f of table t. */
static bool has_value(const struct sk_table *t, const struct sk_field *f,
		      const struct sk_warning *rec)
{
	if (t != &sk_model_warning_table) {
		const struct sk_field *l = list_of(t);
		return l && child_has(l, f, rec);
	}
	if (f->kind == SK_FIELD_LIST)
		return sk_model_field_list_count(f, rec) > 0;
	if (f->kind == SK_FIELD_BOOL)
		return sk_model_field_get_int(f, rec) != 0;
	if (!sk_model_field_stored(f))
		return false;
	return !sk_model_field_is_absent(f, rec);
}

static int lost_row(const struct sk_warning *cur, void *ud)
{
	struct lost_ctx *c = ud;
	c->found = true;
	for (size_t i = 0; i < c->drift->n; i++) {
		const struct sk_model_drift_item *it = &c->drift->items[i];
		if (it->kind != SK_DRIFT_MISSING || !it->f || !it->t ||
		    has_value(it->t, it->f, c->w) ||
		    !has_value(it->t, it->f, cur))
			continue;
		int n = snprintf(c->lost + c->used, c->size - c->used, "%s%s",
				 c->used ? ", " : "", it->field);
		if (n > 0)
			c->used += (size_t)n < c->size - c->used
					   ? (size_t)n
					   : c->size - c->used - 1;
	}
	return 1; /* one row */
}

sk_err_t sk_store_drift_lost(struct sk_store *st, const struct sk_warning *w,
			     const struct sk_model_drift *drift, char *lost,
			     size_t size, struct sk_error *err)
{
	if (size)
		lost[0] = '\0';
	bool any = false;
	for (size_t i = 0; drift && i < drift->n; i++)
		any |= drift->items[i].kind == SK_DRIFT_MISSING;
	struct sk_date vd;
	if (!any || size < 2 || sk_date_parse(w->valid_date, &vd) != SK_OK)
		return SK_OK;
	int region = w->region_id;
	struct sk_store_query q = {.region_ids = &region,
				   .n_regions = 1,
				   .lang_key = w->lang_key,
				   .from = vd,
				   .to = vd,
				   .with_children = true,
				   .limit = 1};
	struct lost_ctx c = {.w = w,
			     .drift = drift,
			     .lost = lost,
			     .size = size};
	return sk_store_query(st, &q, lost_row, &c, err);
}

sk_err_t sk_store_put(struct sk_store *st, const struct sk_warning *w,
		      const char *raw, size_t raw_len, enum sk_store_put *res,
		      struct sk_error *err)
{
	if (!w || !res)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: put without a record");
	struct sk_date vd;
	if (!memchr(w->valid_date, '\0', sizeof w->valid_date) ||
	    sk_date_parse(w->valid_date, &vd) != SK_OK)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: region=%d lang=%d: record has no "
				    "valid_date (not cleaned?)",
				    w->region_id, w->lang_key);
	struct sk_store_prepared p = {0};
	if (sk_store_content_hash(w, p.hash, err) != SK_OK) {
		sk_error_prefix(err, "store: region=%d lang=%d date=%s",
				w->region_id, w->lang_key, w->valid_date);
		return err->code;
	}
	return sk_store_put_prepared(st, w, raw, raw_len, &p, res, err);
}

sk_err_t sk_store_put_prepared(struct sk_store *st, const struct sk_warning *w,
			       const char *raw, size_t raw_len,
			       const struct sk_store_prepared *p,
			       enum sk_store_put *res, struct sk_error *err)
{
	if (!w || !res || !p)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: put without a record");
	struct sk_date vd;
	if (!memchr(w->valid_date, '\0', sizeof w->valid_date) ||
	    sk_date_parse(w->valid_date, &vd) != SK_OK)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: region=%d lang=%d: record has no "
				    "valid_date (not cleaned?)",
				    w->region_id, w->lang_key);
	const char *hash = p->hash;
	struct sk_store_current cur = {0};
	bool seen = false;
	sk_err_t rc = st->type->current(st, w, &cur, err);
	if (rc == SK_OK && sk_store_decide_needs_seen(&cur, w, hash))
		rc = st->type->revision_seen(st, w, hash, &seen, err);
	if (rc != SK_OK)
		goto fail;
	struct sk_store_write wr = {.w = w,
				    .raw = raw,
				    .raw_len = raw_len,
				    .hash = p->hash,
				    .encoded = p->encoded,
				    .enc = p->enc,
				    .enc_len = p->enc_len,
				    .what = sk_store_decide(&cur, w, hash,
							    seen),
				    .cur = &cur};
	/* Drift must not blank what is stored: a replacement that would lose
	 * values through rows the source stopped sending is held. */
	if (wr.what == SK_STORE_UPDATED && p->drift && p->lost &&
	    p->lost_size) {
		if ((rc = sk_store_drift_lost(st, w, p->drift, p->lost,
					      p->lost_size, err)) != SK_OK)
			goto fail;
		if (p->lost[0]) {
			*res = SK_STORE_HELD;
			return SK_OK;
		}
	}
	/* The current row's own revision is on record already. */
	wr.revision = !(wr.what == SK_STORE_UNCHANGED &&
			pub_order(&cur, w) == 0);
	if ((rc = st->type->write(st, &wr, err)) != SK_OK)
		goto fail;
	*res = wr.what;
	return SK_OK;
fail:
	sk_error_prefix(err, "store: region=%d lang=%d date=%s", w->region_id,
			w->lang_key, w->valid_date);
	return rc;
}

sk_err_t sk_store_put_preview(struct sk_store *st, const struct sk_warning *w,
			      enum sk_store_put *res, struct sk_error *err)
{
	struct sk_date vd;
	char hash[SK_STORE_HASH_LEN];
	if (!w || !res)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: preview without a record");
	if (!memchr(w->valid_date, '\0', sizeof w->valid_date) ||
	    sk_date_parse(w->valid_date, &vd) != SK_OK)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: region=%d lang=%d: record has no "
				    "valid_date (not cleaned?)",
				    w->region_id, w->lang_key);
	if (sk_store_content_hash(w, hash, err) != SK_OK)
		return err->code;
	struct sk_store_current cur = {0};
	bool seen = false;
	sk_err_t rc = st->type->current(st, w, &cur, err);
	if (rc == SK_OK && sk_store_decide_needs_seen(&cur, w, hash))
		rc = st->type->revision_seen(st, w, hash, &seen, err);
	if (rc == SK_OK)
		*res = sk_store_decide(&cur, w, hash, seen);
	return rc;
}
