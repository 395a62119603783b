/*
 * store.c - the warehouse registry: finds a backend by name and opens the
 * one named by config key "store"; the one content hash and the one write
 * decision (inserted / updated / unchanged / stale), made here for every
 * backend, which only reads the current row, writes rows and revisions and
 * reports. Also the store module's configuration table.
 *
 * Knows no backend internals; each backend is one `const struct
 * sk_store_type` declared in store_int.h.
 */
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sk_store_type *const store_types[] = {
	&sk_store_sqlite,
	&sk_store_cassandra,
	NULL,
};

const struct sk_cfg_def sk_store_cfg[] = {
	{"store", SK_CFG_STR, "sqlite", 0, 0, 0,
	 "warehouse backend: sqlite (<data_dir>/warehouse.db) or cassandra"},
	{"cassandra.hosts", SK_CFG_STR, "127.0.0.1:9042", 0, 0, 0,
	 "contact points host[:port],... tried in order (env "
	 "SKRED_CASSANDRA_HOSTS)"},
	{"cassandra.username", SK_CFG_STR, "", 0, 0, 0,
	 "login (PasswordAuthenticator); empty: no authentication"},
	{"cassandra.password", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE,
	 "password (never logged)"},
	{"cassandra.keyspace", SK_CFG_STR, "skred", 0, 0, 0,
	 "keyspace, created if missing"},
	{"cassandra.replication", SK_CFG_STR,
	 "{'class': 'SimpleStrategy', 'replication_factor': 1}", 0, 0, 0,
	 "replication of a keyspace skred creates (a CQL map)"},
	{"cassandra.consistency", SK_CFG_STR, "LOCAL_QUORUM", 0, 0, 0,
	 "consistency of reads and writes"},
	{"cassandra.connect_timeout_ms", SK_CFG_INT, "5000", 100, 600000, 0,
	 "connect + handshake timeout per contact point"},
	{"cassandra.request_timeout_ms", SK_CFG_INT, "12000", 100, 600000, 0,
	 "per request"},
	{"cassandra.max_in_flight", SK_CFG_INT, "256", 1, 32768, 0,
	 "pipelined requests in flight on the connection"},
	{"cassandra.tls", SK_CFG_BOOL, "false", 0, 0, 0, "connect with TLS"},
	{"cassandra.tls_ca_file", SK_CFG_STR, "", 0, 0, 0,
	 "CA bundle for TLS (empty: system default)"},
	{NULL, 0, NULL, 0, 0, 0, NULL},
};

/* NULL when name is NULL or no backend has that name. */
const struct sk_store_type *sk_store_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; store_types[i]; i++)
		if (strcmp(store_types[i]->name, name) == 0)
			return store_types[i];
	return NULL;
}

/* Opens the backend named by "store". An unknown name is SK_ERR_CONFIG
 * listing the known ones; otherwise whatever the backend's open returns.
 * On success *out is owned by the caller (sk_store_close). */
sk_err_t sk_store_open(struct sk_store **out, const struct sk_config *cfg,
		       struct sk_error *err)
{
	*out = NULL;
	const char *name = sk_config_str(cfg, "store");
	const struct sk_store_type *type = sk_store_type_find(name);
	if (!type) {
		char known[128] = "";
		size_t used = 0;
		for (size_t i = 0; store_types[i] && used < sizeof known; i++) {
			int n = snprintf(known + used, sizeof known - used,
					 "%s%s", i ? ", " : "",
					 store_types[i]->name);
			if (n < 0)
				break;
			used += (size_t)n;
		}
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "store: unknown backend '%s' (known: %s)",
				    name ? name : "(unset)", known);
	}
	return type->open(out, cfg, err);
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

/* Optional integer: -1 (absent or null in the API) is stored as NULL. */
static void h_opt(struct hasher *e, int64_t v)
{
	if (v == -1)
		h_null(e);
	else
		h_int(e, v);
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

/* Times as the UTC text of sk_time_format_utc, NULL without a UTC value. */
static void h_time(struct hasher *e, const struct sk_time_field *t)
{
	if (!t->has_utc) {
		h_null(e);
		return;
	}
	char buf[SK_TIME_UTC_LEN];
	sk_time_format_utc(t->utc_ms, buf);
	h_text(e, buf);
}

/* A section marker: the number of children that follow. */
static void h_section(struct hasher *e, char tag, size_t n)
{
	h_bytes(e, &tag, 1);
	h_u64(e, (uint64_t)n);
}

static void h_warning(struct hasher *e, const struct sk_warning *w)
{
	h_int(e, w->region_id);
	h_int(e, w->lang_key);
	h_text(e, w->valid_date);
	h_int(e, w->reg_id);
	h_text(e, w->region_name);
	h_opt(e, w->region_type_id);
	h_text(e, w->region_type_name);
	h_int(e, w->danger_level);
	h_int(e, w->not_assessed);
	h_time(e, &w->valid_from);
	h_time(e, &w->valid_to);
	h_time(e, &w->next_warning_time);
	h_time(e, &w->publish_time);
	h_time(e, &w->danger_increase_time);
	h_time(e, &w->danger_decrease_time);
	h_text(e, w->main_text);
	h_int(e, w->is_detail);
	h_text(e, w->danger_level_name);
	h_text(e, w->author);
	h_text(e, w->avalanche_danger);
	h_text(e, w->emergency_warning);
	h_text(e, w->snow_surface);
	h_text(e, w->current_weaklayers);
	h_text(e, w->latest_avalanche_activity);
	h_text(e, w->latest_observations);
	h_opt(e, w->previous_warning_reg_id);
	h_opt(e, w->is_tendency);
	h_opt(e, w->utm_zone);
	h_opt(e, w->utm_east);
	h_opt(e, w->utm_north);
	h_int(e, w->has_weather);
	h_opt(e, w->cloud_cover_id);
	h_text(e, w->cloud_cover_name);
	h_text(e, w->weather_comment);
	h_time(e, &w->weather_saved_time);
}

static void h_problem(struct hasher *e, const struct sk_problem *p)
{
	h_int(e, p->problem_id);
	h_opt(e, p->problem_type_id);
	h_text(e, p->problem_type_name);
	h_opt(e, p->cause_id);
	h_text(e, p->cause_name);
	h_opt(e, p->aval_type_id);
	h_text(e, p->aval_type_name);
	h_opt(e, p->ext_id);
	h_text(e, p->ext_name);
	h_opt(e, p->trigger_simple_id);
	h_text(e, p->trigger_simple_name);
	h_opt(e, p->trigger_sensitivity_id);
	h_text(e, p->trigger_sensitivity_name);
	h_opt(e, p->size_id);
	h_text(e, p->size_name);
	h_opt(e, p->probability_id);
	h_text(e, p->probability_name);
	h_opt(e, p->propagation_id);
	h_text(e, p->propagation_name);
	h_opt(e, p->exposed_height_1);
	h_opt(e, p->exposed_height_2);
	h_opt(e, p->exposed_height_fill);
	h_text(e, p->valid_expositions);
	h_opt(e, p->danger_level);
	h_text(e, p->text);
}

static void h_advice(struct hasher *e, const struct sk_advice *a)
{
	h_int(e, a->position);
	h_text(e, a->text);
	h_text(e, a->image_url);
}

static void h_weather(struct hasher *e, const struct sk_weather_value *v)
{
	h_int(e, v->type_id);
	h_text(e, v->type_name);
	h_int(e, v->subtype_id);
	h_text(e, v->subtype_name);
	h_text(e, v->value);
}

/* Children are hashed in primary-key order, the order a query returns
 * them, so a record read back hashes the same as the one written. */

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

static int cmp_problem(const void *l, const void *r)
{
	const struct sk_problem *a = *(const struct sk_problem *const *)l;
	const struct sk_problem *b = *(const struct sk_problem *const *)r;
	return cmp_int(a->problem_id, b->problem_id);
}

static int cmp_advice(const void *l, const void *r)
{
	const struct sk_advice *a = *(const struct sk_advice *const *)l;
	const struct sk_advice *b = *(const struct sk_advice *const *)r;
	return cmp_int(a->position, b->position);
}

static int cmp_weather(const void *l, const void *r)
{
	const struct sk_weather_value *a =
		*(const struct sk_weather_value *const *)l;
	const struct sk_weather_value *b =
		*(const struct sk_weather_value *const *)r;
	int c = cmp_int(a->type_id, b->type_id);
	return c ? c : cmp_int(a->subtype_id, b->subtype_id);
}

sk_err_t sk_store_content_hash(const struct sk_warning *w,
			       char out[SK_STORE_HASH_LEN],
			       struct sk_error *err)
{
	if (w->n_problems > SK_LIMIT_PROBLEMS ||
	    w->n_advices > SK_LIMIT_ADVICES ||
	    w->n_weather > SK_LIMIT_WEATHER_VALUES)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "%zu problems, %zu advices, %zu weather "
				    "values: more than the limits %d/%d/%d",
				    w->n_problems, w->n_advices, w->n_weather,
				    SK_LIMIT_PROBLEMS, SK_LIMIT_ADVICES,
				    SK_LIMIT_WEATHER_VALUES);
	const struct sk_problem *p[SK_LIMIT_PROBLEMS];
	const struct sk_advice *a[SK_LIMIT_ADVICES];
	const struct sk_weather_value *x[SK_LIMIT_WEATHER_VALUES];
	for (size_t i = 0; i < w->n_problems; i++)
		p[i] = &w->problems[i];
	for (size_t i = 0; i < w->n_advices; i++)
		a[i] = &w->advices[i];
	for (size_t i = 0; i < w->n_weather; i++)
		x[i] = &w->weather[i];
	if (w->n_problems > 1)
		qsort(p, w->n_problems, sizeof *p, cmp_problem);
	if (w->n_advices > 1)
		qsort(a, w->n_advices, sizeof *a, cmp_advice);
	if (w->n_weather > 1)
		qsort(x, w->n_weather, sizeof *x, cmp_weather);

	struct hasher e = {SK_FNV1A64_INIT};
	h_warning(&e, w);
	h_section(&e, 'P', w->n_problems);
	for (size_t i = 0; i < w->n_problems; i++)
		h_problem(&e, p[i]);
	h_section(&e, 'A', w->n_advices);
	for (size_t i = 0; i < w->n_advices; i++)
		h_advice(&e, a[i]);
	h_section(&e, 'W', w->n_weather);
	for (size_t i = 0; i < w->n_weather; i++)
		h_weather(&e, x[i]);
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
	return cur->found && strcmp(hash, cur->hash) != 0 &&
	       pub_order(cur, w) == 0;
}

enum sk_store_put sk_store_decide(const struct sk_store_current *cur,
				  const struct sk_warning *w, const char *hash,
				  bool seen)
{
	if (!cur->found)
		return SK_STORE_INSERTED;
	if (strcmp(hash, cur->hash) == 0)
		return SK_STORE_UNCHANGED;
	int order = pub_order(cur, w);
	if (order > 0 || (order == 0 && !seen))
		return SK_STORE_UPDATED;
	return SK_STORE_STALE;
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
	char hash[SK_STORE_HASH_LEN];
	struct sk_store_current cur = {0};
	bool seen = false;
	sk_err_t rc = sk_store_content_hash(w, hash, err);
	if (rc == SK_OK)
		rc = st->type->current(st, w, &cur, err);
	if (rc == SK_OK && sk_store_decide_needs_seen(&cur, w, hash))
		rc = st->type->revision_seen(st, w, hash, &seen, err);
	if (rc != SK_OK)
		goto fail;
	struct sk_store_write wr = {
		.w = w, .raw = raw, .raw_len = raw_len, .hash = hash,
		.what = sk_store_decide(&cur, w, hash, seen), .cur = &cur};
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
