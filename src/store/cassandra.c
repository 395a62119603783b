/*
 * cassandra.c - the warehouse in Apache Cassandra through skred's own CQL
 * client (src/cql/).
 *
 * Tables are modelled per query (docs/DATA_MODEL.md): warnings by region
 * over time, all regions' warnings by date (the map), problems and weather
 * by warning, and every revision. Natural keys are the SQLite warehouse's,
 * and every write carries USING TIMESTAMP = the revision's publish time
 * (µs), so Cassandra's last-write-wins keeps the newest revision whatever
 * order writes arrive in, and replaying a revision changes nothing.
 *
 * The write decision is store.c's (sk_store_put): this backend reads the
 * current (publish_time, content_hash, write time) of a key, says whether a
 * revision is on record, and submits the writes it is told, pipelined. An
 * update at the same publish time (the tie rule) is written 2 µs after the
 * current row's write time, so last-write-wins never mixes the cells of two
 * revisions. Rows are read by column name (result metadata), never by
 * position. commit() waits for all of them
 * and fails (retriable) if Cassandra did not acknowledge every one, so the
 * processor never commits bus offsets for unacknowledged records.
 * Credentials come from the configuration and are never logged.
 */
#include "cql/cql.h"
#include "store/store_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Current state of one key, known from a prefetch or an earlier put
 * (cur.version: the row's write time, µs). */
struct known {
	int region, lang;
	int64_t day;
	bool written; /* this batch wrote it: its hash is set at commit */
	struct sk_store_current cur;
};

/* A revision this batch submitted (not necessarily acknowledged yet). */
struct rev_note {
	int region, lang;
	int64_t day;
	bool has_pub;
	int64_t pub;
	char hash[SK_STORE_HASH_LEN];
};

/* A (region, lang, day range) whose every row was read by a prefetch. */
struct covered {
	int region, lang;
	int64_t from, to;
};

/* Child tables (LIST rows of the warning table) this backend can hold, and
 * the most columns a table's INSERT binds. */
#define MAX_CHILD 4
#define MAX_COLS 96

/* One child table: the LIST row, its Cassandra table, its statements. */
struct cchild {
	const struct sk_field *f;
	const char *name;
	const struct sk_cql_prepared *ins, *del, *sel;
};

struct cstore {
	struct sk_store base;
	struct known *known;
	size_t n_known, cap_known;
	struct covered *cov;
	size_t n_cov, cap_cov;
	struct rev_note *revs;
	size_t n_revs, cap_revs;
	const struct sk_cql_prepared *sel_rev_seen;
	struct cchild child[MAX_CHILD];
	size_t n_child;
	size_t n_wcols; /* columns of the warning tables' INSERT */
	const struct sk_cql_prepared *sel_range, *upd_hash, *upd_meta;
	char ks[64];
	struct sk_cql_session *s;
	const struct sk_cql_prepared *sel_current, *ins_region, *ins_date,
		*ins_revision, *sel_date;
	bool in_tx;
	int64_t last_write_ms;
	size_t submitted;
	sk_store_map_fn map; /* the opener's raw -> clean (may be NULL) */
};

/* The tables no field table describes (the warning and child tables are
 * made by table_ddl from the field tables). */
static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS @.warning_revisions (region_id int, "
	"lang_key int, valid_date date, publish_time timestamp, content_hash "
	"text, reg_id bigint, danger_level int, main_text text, raw_json "
	"text, PRIMARY KEY ((region_id, lang_key, valid_date), publish_time, "
	"content_hash)) WITH CLUSTERING ORDER BY (publish_time DESC, "
	"content_hash ASC)",
	("CREATE TABLE IF NOT EXISTS @.store_meta (key text PRIMARY KEY, "
	 "value bigint)"),
};

/* Version of the tables above, kept in store_meta ('schema_version'):
 * 1 (no row) had a non-frozen `advices list<text>`, whose replay at the same
 * timestamp appended the elements again; 2 has `advice_list
 * frozen<list<text>>`, one cell that a replay overwrites; 3 adds
 * advices_by_warning (text and image URL per advice, read back; advice_list
 * stays, written, for readers of the row alone) and has_weather, and its
 * content_hash is store.c's one hash (2 hashed the JSON). migrate() takes
 * a keyspace from 1 to 2 to 3; 4 adds the warning's exposed_height_fill. */
#define SCHEMA_VERSION 4

static const char *const warning_tables[] = {"warnings_by_region",
					     "warnings_by_date"};

static const struct {
	const char *name;
	enum sk_cql_consistency cl;
} consistencies[] = {
	{"ONE", SK_CQL_CL_ONE},
	{"TWO", SK_CQL_CL_TWO},
	{"THREE", SK_CQL_CL_THREE},
	{"QUORUM", SK_CQL_CL_QUORUM},
	{"ALL", SK_CQL_CL_ALL},
	{"LOCAL_QUORUM", SK_CQL_CL_LOCAL_QUORUM},
	{"EACH_QUORUM", SK_CQL_CL_EACH_QUORUM},
	{"LOCAL_ONE", SK_CQL_CL_LOCAL_ONE},
};

static sk_err_t submit(struct cstore *cs, const struct sk_cql_prepared *ps,
		       const struct sk_cql_value *v, size_t n, int64_t ts_us,
		       struct sk_error *err);

/* ------------------------------------------------------------ values */

static sk_err_t v_date(const char *s, struct sk_cql_value *out,
		       struct sk_error *err)
{
	struct sk_date d;
	if (sk_date_parse(s, &d) != SK_OK)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: bad valid_date '%s'", s);
	*out = sk_cql_value_date(sk_days_from_civil(d.y, d.m, d.d));
	return SK_OK;
}

/* Cassandra's type for a row's kind. */
static const char *cql_type(enum sk_field_kind k)
{
	switch (k) {
	case SK_FIELD_INT:
		return "int";
	case SK_FIELD_INT64:
		return "bigint";
	case SK_FIELD_BOOL:
	case SK_FIELD_TRI:
		return "boolean";
	case SK_FIELD_DATE:
		return "date";
	case SK_FIELD_TIME:
		return "timestamp";
	default:
		return "text";
	}
}

/* One stored row's value: an absent value of a nullable row is NULL (so
 * -1 is, every other integer, negative ones too, is stored). Text is
 * borrowed from rec. */
static struct sk_cql_value field_value(const struct sk_field *f,
				       const void *rec)
{
	if ((f->flags & SK_FIELD_NULLABLE) && sk_model_field_is_absent(f, rec))
		return sk_cql_value_null();
	int64_t v = 0;
	switch (f->kind) {
	case SK_FIELD_INT:
		return sk_cql_value_int(
			(int32_t)sk_model_field_get_int(f, rec));
	case SK_FIELD_INT64:
		return sk_cql_value_bigint(sk_model_field_get_int(f, rec));
	case SK_FIELD_BOOL:
	case SK_FIELD_TRI:
		v = sk_model_field_get_int(f, rec);
		return sk_cql_value_boolean(v != 0);
	case SK_FIELD_TEXT:
		return sk_cql_value_text(sk_model_field_get_text(f, rec));
	case SK_FIELD_DATE: {
		struct sk_date d;
		const char *t = sk_model_field_get_text(f, rec);
		if (!t || sk_date_parse(t, &d) != SK_OK)
			return sk_cql_value_null();
		return sk_cql_value_date(sk_days_from_civil(d.y, d.m, d.d));
	}
	case SK_FIELD_TIME: {
		const struct sk_time_field *t = sk_model_field_get_time(f, rec);
		return t && t->has_utc ? sk_cql_value_timestamp(t->utc_ms)
				       : sk_cql_value_null();
	}
	default:
		return sk_cql_value_null();
	}
}

/* The stored rows of t into v (at most max); the count. */
static size_t record_values(const struct sk_table *t, const void *rec,
			    struct sk_cql_value *v, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n_rows && n < max; i++)
		if (sk_model_field_stored(&t->rows[i]))
			v[n++] = field_value(&t->rows[i], rec);
	return n;
}

/* The natural key (the warning table's SK_FIELD_KEY rows, in row order:
 * region_id, lang_key, valid_date). */
static void key_values(const struct sk_warning *w, struct sk_cql_value k[3])
{
	const struct sk_table *t = &sk_model_warning_table;
	size_t n = 0;
	for (size_t i = 0; i < t->n_rows && n < 3; i++)
		if (t->rows[i].flags & SK_FIELD_KEY)
			k[n++] = field_value(&t->rows[i], w);
}

/* The advices' texts in order, for the advice_list column (adv sized by
 * the caller to the number of advices; NULL text as ""). */
static struct sk_cql_value advice_list(const struct sk_warning *w,
				       struct sk_cql_value *adv)
{
	const struct sk_table *t = &sk_model_warning_table;
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->kind != SK_FIELD_LIST ||
		    f->child != &sk_model_advice_table)
			continue;
		const struct sk_field *tf = sk_model_table_field(f->child,
								 "text");
		size_t n = sk_model_field_list_count(f, w);
		for (size_t j = 0; j < n && tf; j++) {
			const char *x = sk_model_field_get_text(
				tf, sk_model_field_list_cchild(f, w, j));
			adv[j] = sk_cql_value_text(x ? x : "");
		}
		return n && tf ? sk_cql_value_list(adv, n)
			       : sk_cql_value_null();
	}
	return sk_cql_value_null();
}

/* The warning tables' INSERT values: the stored rows, advice_list,
 * content_hash. *n is their number. */
static void warning_values(const struct sk_warning *w, struct sk_cql_value *adv,
			   const char *hash, struct sk_cql_value *v, size_t *n)
{
	*n = record_values(&sk_model_warning_table, w, v, MAX_COLS - 2);
	v[(*n)++] = advice_list(w, adv);
	v[(*n)++] = sk_cql_value_text(hash);
}

/* The warning columns a warning_revisions row copies, by name. */
static const char *const revision_copies[] = {"reg_id", "danger_level",
					      "main_text"};

/* The Cassandra table of a child field table. */
static const char *child_table(const struct sk_table *t)
{
	static const struct {
		const struct sk_table *t;
		const char *name;
	} map[] = {
		{&sk_model_problem_table, "problems_by_warning"},
		{&sk_model_advice_table, "advices_by_warning"},
		{&sk_model_weather_value_table, "weather_by_warning"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].t == t)
			return map[i].name;
	return NULL;
}

/* ------------------------------------------------------------ open */

/* cql with every "@." replaced by "<keyspace>.": statements name their
 * tables fully, so no USE is needed. Caller frees. */
static char *qualify(const struct cstore *cs, const char *cql)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	for (const char *p = cql; *p; p++) {
		if (p[0] == '@' && p[1] == '.') {
			if (sk_buf_puts(&b, cs->ks) != SK_OK)
				goto fail;
			continue;
		}
		if (sk_buf_append(&b, p, 1) != SK_OK)
			goto fail;
	}
	return sk_buf_steal(&b);
fail:
	sk_buf_free(&b);
	return NULL;
}

/* Run a statement without results, qualified. */
static sk_err_t run_ddl(struct cstore *cs, const char *cql,
			struct sk_error *err)
{
	char *q = qualify(cs, cql);
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	struct sk_cql_result *res = NULL;
	sk_err_t rc = sk_cql_session_query(cs->s, q, NULL, &res, err);
	sk_cql_result_free(res);
	free(q);
	return rc;
}

/* ", " + the stored rows of t (typed: "name type"), after the ones
 * written before. */
static sk_err_t cols(struct sk_buf *b, const struct sk_table *t, bool typed,
		     bool skip_keys, size_t *n)
{
	sk_err_t rc = SK_OK;
	for (size_t i = 0; i < t->n_rows && rc == SK_OK; i++) {
		const struct sk_field *f = &t->rows[i];
		if (!sk_model_field_stored(f) ||
		    (skip_keys && (f->flags & SK_FIELD_KEY)))
			continue;
		rc = sk_buf_printf(b, "%s%s%s%s", *n ? ", " : "", f->name,
				   typed ? " " : "",
				   typed ? cql_type(f->kind) : "");
		(*n)++;
	}
	return rc;
}

/* The key rows of a child table, comma-separated (its clustering key). */
static sk_err_t key_cols(struct sk_buf *b, const struct sk_table *t)
{
	sk_err_t rc = SK_OK;
	bool first = true;
	for (size_t i = 0; i < t->n_rows && rc == SK_OK; i++)
		if (t->rows[i].flags & SK_FIELD_KEY) {
			rc = sk_buf_printf(b, "%s%s", first ? "" : ", ",
					   t->rows[i].name);
			first = false;
		}
	return rc;
}

#define W_EXTRA_TYPED "advice_list frozen<list<text>>, content_hash text"
#define W_EXTRA "advice_list, content_hash"
#define CHILD_KEY "region_id, lang_key, valid_date"

/* CREATE TABLE IF NOT EXISTS for the warning tables and every child table,
 * from the field tables (a keyspace made now has every column; an older
 * one gets the new ones from migrate()). which: 0, 1 the warning tables,
 * 2.. the children. */
static sk_err_t table_ddl(struct sk_buf *b, size_t which)
{
	const struct sk_table *wt = &sk_model_warning_table;
	size_t n = 0;
	sk_err_t rc;
	if (which < 2) {
		rc = sk_buf_printf(b, "CREATE TABLE IF NOT EXISTS @.%s (",
				   warning_tables[which]);
		if (rc == SK_OK)
			rc = cols(b, wt, true, false, &n);
		if (rc == SK_OK)
			rc = sk_buf_printf(
				b, ", " W_EXTRA_TYPED ", PRIMARY KEY %s)",
				which == 0 ? "((region_id, lang_key), "
					     "valid_date)) WITH CLUSTERING "
					     "ORDER BY (valid_date DESC"
					   : "((valid_date), region_id, "
					     "lang_key)");
		return rc;
	}
	size_t k = 0;
	for (size_t i = 0; i < wt->n_rows; i++) {
		const struct sk_field *f = &wt->rows[i];
		if (f->kind != SK_FIELD_LIST || k++ != which - 2)
			continue;
		const char *name = child_table(f->child);
		if (!name)
			return SK_ERR_INVAL;
		n = 1;
		rc = sk_buf_printf(b,
				   "CREATE TABLE IF NOT EXISTS @.%s (region_id "
				   "int, lang_key int, valid_date date",
				   name);
		if (rc == SK_OK)
			rc = cols(b, f->child, true, false, &n);
		if (rc == SK_OK)
			rc = sk_buf_puts(b, ", PRIMARY KEY ((" CHILD_KEY "), ");
		if (rc == SK_OK)
			rc = key_cols(b, f->child);
		if (rc == SK_OK)
			rc = sk_buf_puts(b, "))");
		return rc;
	}
	return SK_ERR_NOTFOUND;
}

static sk_err_t prepare_one(struct cstore *cs, struct sk_buf *b, sk_err_t built,
			    const struct sk_cql_prepared **ps,
			    struct sk_error *err)
{
	if (built != SK_OK)
		return sk_error_set(err, built, false,
				    "cassandra store: building CQL");
	char *q = qualify(cs, b->data);
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	sk_err_t rc = sk_cql_session_prepare(cs->s, q, ps, err);
	free(q);
	return rc;
}

/* "?, ?, ..." n markers. */
static sk_err_t markers(struct sk_buf *b, size_t n)
{
	sk_err_t rc = SK_OK;
	for (size_t i = 0; i < n && rc == SK_OK; i++)
		rc = sk_buf_puts(b, i ? ", ?" : "?");
	return rc;
}

/* The statements the field tables make: both warning tables' INSERT, the
 * map query, and INSERT / DELETE / SELECT per child table. */
static sk_err_t prepare_tables(struct cstore *cs, struct sk_error *err)
{
	const struct sk_table *wt = &sk_model_warning_table;
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_err_t rc = SK_OK;
	const struct sk_cql_prepared **ins[2] = {&cs->ins_region,
						 &cs->ins_date};
	for (size_t t = 0; t < 2 && rc == SK_OK; t++) {
		size_t n = 0;
		sk_buf_reset(&b);
		sk_err_t built = sk_buf_printf(&b, "INSERT INTO @.%s (",
					       warning_tables[t]);
		if (built == SK_OK)
			built = cols(&b, wt, false, false, &n);
		if (built == SK_OK)
			built = sk_buf_puts(&b, ", " W_EXTRA ") VALUES (");
		cs->n_wcols = n + 2;
		if (cs->n_wcols > MAX_COLS)
			built = SK_ERR_LIMIT;
		if (built == SK_OK)
			built = markers(&b, cs->n_wcols);
		if (built == SK_OK)
			built = sk_buf_puts(&b, ")");
		rc = prepare_one(cs, &b, built, ins[t], err);
	}
	if (rc == SK_OK) {
		size_t n = 0;
		sk_buf_reset(&b);
		sk_err_t built = sk_buf_puts(&b, "SELECT ");
		if (built == SK_OK)
			built = cols(&b, wt, false, false, &n);
		if (built == SK_OK)
			built = sk_buf_puts(&b, ", advice_list FROM "
						"@.warnings_by_date WHERE "
						"valid_date = ?");
		rc = prepare_one(cs, &b, built, &cs->sel_date, err);
	}
	cs->n_child = 0;
	for (size_t i = 0; i < wt->n_rows && rc == SK_OK; i++) {
		const struct sk_field *f = &wt->rows[i];
		if (f->kind != SK_FIELD_LIST)
			continue;
		if (cs->n_child == MAX_CHILD || !child_table(f->child)) {
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "cassandra store: no table for %s",
					  f->child->name);
			break;
		}
		struct cchild *c = &cs->child[cs->n_child++];
		c->f = f;
		c->name = child_table(f->child);
		size_t n = 3;
		sk_buf_reset(&b);
		sk_err_t built = sk_buf_printf(&b,
					       "INSERT INTO @.%s (" CHILD_KEY,
					       c->name);
		if (built == SK_OK)
			built = cols(&b, f->child, false, false, &n);
		if (built == SK_OK && n > MAX_COLS)
			built = SK_ERR_LIMIT;
		if (built == SK_OK)
			built = sk_buf_puts(&b, ") VALUES (");
		if (built == SK_OK)
			built = markers(&b, n);
		if (built == SK_OK)
			built = sk_buf_puts(&b, ")");
		rc = prepare_one(cs, &b, built, &c->ins, err);
		sk_buf_reset(&b);
		built = sk_buf_printf(&b,
				      "DELETE FROM @.%s WHERE region_id = ? "
				      "AND "
				      "lang_key = ? AND valid_date = ?",
				      c->name);
		if (rc == SK_OK)
			rc = prepare_one(cs, &b, built, &c->del, err);
		n = 0;
		sk_buf_reset(&b);
		built = sk_buf_puts(&b, "SELECT ");
		if (built == SK_OK)
			built = cols(&b, f->child, false, false, &n);
		if (built == SK_OK)
			built = sk_buf_printf(&b,
					      " FROM @.%s WHERE region_id = ? "
					      "AND lang_key = ? AND valid_date "
					      "= ?",
					      c->name);
		if (rc == SK_OK)
			rc = prepare_one(cs, &b, built, &c->sel, err);
	}
	sk_buf_free(&b);
	return rc;
}

static sk_err_t prepare_all(struct cstore *cs, struct sk_error *err)
{
	struct {
		const struct sk_cql_prepared **ps;
		const char *cql;
	} st[] = {
		{&cs->sel_range,
		 "SELECT valid_date, publish_time, content_hash, "
		 "WRITETIME(reg_id) FROM "
		 "@.warnings_by_region WHERE region_id = ? AND lang_key = ? "
		 "AND "
		 "valid_date >= ? AND valid_date <= ?"},
		{&cs->upd_hash,
		 "UPDATE @.warnings_by_region SET content_hash = ? WHERE "
		 "region_id = ? AND lang_key = ? AND valid_date = ?"},
		/* Kept in the keyspace so that every process (the daemon's
		 * web UI, `skred status`) sees when any of them last wrote. */
		{&cs->upd_meta,
		 "UPDATE @.store_meta SET value = ? WHERE key = 'last_write'"},
		{&cs->sel_current,
		 "SELECT publish_time, content_hash, WRITETIME(reg_id) FROM "
		 "@.warnings_by_region "
		 "WHERE region_id = ? AND lang_key = ? AND valid_date = ?"},
		{&cs->ins_revision,
		 "INSERT INTO @.warning_revisions (region_id, lang_key, "
		 "valid_date, publish_time, content_hash, reg_id, "
		 "danger_level, "
		 "main_text, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"},
		{&cs->sel_rev_seen, "SELECT content_hash FROM "
				    "@.warning_revisions WHERE region_id = "
				    "? AND lang_key = ? AND valid_date = ? AND "
				    "publish_time = ? AND "
				    "content_hash = ?"},
	};
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
		char *q = qualify(cs, st[i].cql);
		if (!q)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		sk_err_t rc = sk_cql_session_prepare(cs->s, q, st[i].ps, err);
		free(q);
		if (rc != SK_OK)
			return rc;
	}
	return prepare_tables(cs, err);
}

static void cass_close(struct sk_store *st)
{
	struct cstore *cs = (struct cstore *)st;
	if (!cs)
		return;
	sk_cql_session_close(cs->s);
	free(cs->known);
	free(cs->cov);
	free(cs->revs);
	free(cs);
}

/* Keyspace names are identifiers: letters, digits, underscore. */
static bool ident_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 48)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* ------------------------------------------------------------ schema */

/* A store_meta value; *found false when the key has no row. */
static sk_err_t meta_get(struct cstore *cs, const char *key, int64_t *v,
			 bool *found, struct sk_error *err)
{
	char *q = qualify(cs, "SELECT value FROM @.store_meta WHERE key = ?");
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	struct sk_cql_value kv = sk_cql_value_text(key);
	struct sk_cql_params p = {.values = &kv, .n_values = 1};
	struct sk_cql_result *res = NULL;
	sk_err_t rc = sk_cql_session_query(cs->s, q, &p, &res, err);
	free(q);
	if (rc != SK_OK)
		return rc;
	const struct sk_cql_value *c = res->n_rows
					       ? sk_cql_result_cell(res, 0, 0)
					       : NULL;
	*found = c && c->kind == SK_CQL_BIGINT;
	*v = *found ? c->u.i64 : 0;
	sk_cql_result_free(res);
	return SK_OK;
}

/* Whether table has column (from system_schema, this node's view). */
static sk_err_t has_column(struct cstore *cs, const char *table,
			   const char *column, bool *yes, struct sk_error *err)
{
	/* Unquoted names are stored in lower case. */
	char ks[sizeof cs->ks];
	size_t i;
	for (i = 0; cs->ks[i] && i + 1 < sizeof ks; i++)
		ks[i] = (char)(cs->ks[i] >= 'A' && cs->ks[i] <= 'Z'
				       ? cs->ks[i] - 'A' + 'a'
				       : cs->ks[i]);
	ks[i] = '\0';
	struct sk_cql_value v[3] = {sk_cql_value_text(ks),
				    sk_cql_value_text(table),
				    sk_cql_value_text(column)};
	struct sk_cql_params p = {.values = v, .n_values = 3};
	struct sk_cql_result *res = NULL;
	if (sk_cql_session_query(cs->s,
				 "SELECT type FROM system_schema.columns WHERE "
				 "keyspace_name = ? AND table_name = ? AND "
				 "column_name = ?",
				 &p, &res, err) != SK_OK)
		return err->code;
	*yes = res->n_rows > 0;
	sk_cql_result_free(res);
	return SK_OK;
}

/* Length of the shortest prefix the list is a whole repetition of: a
 * non-frozen list written twice at the same timestamp holds its elements
 * twice in order (L L), three times after two replays, and so on. */
static size_t list_period(const struct sk_cql_value *it, size_t n)
{
	for (size_t m = 1; m < n; m++) {
		if (n % m)
			continue;
		size_t i;
		for (i = m; i < n; i++)
			if (it[i].kind != it[i % m].kind ||
			    (it[i].kind == SK_CQL_TEXT &&
			     (it[i].u.text.len != it[i % m].u.text.len ||
			      memcmp(it[i].u.text.p, it[i % m].u.text.p,
				     it[i].u.text.len))))
				break;
		if (i == n)
			return m;
	}
	return n;
}

/* Copy table's old `advices` into `advice_list`, one copy of a list that
 * replays repeated, written with the row's own timestamp (that of reg_id,
 * set by the same INSERT) so that revision order still decides. */
static sk_err_t copy_advices(struct cstore *cs, const char *table,
			     size_t *copied, struct sk_error *err)
{
	char sel[160], upd[200];
	snprintf(sel, sizeof sel,
		 "SELECT region_id, lang_key, valid_date, advices, "
		 "WRITETIME(reg_id) FROM @.%s",
		 table);
	snprintf(upd, sizeof upd,
		 "UPDATE @.%s SET advice_list = ? WHERE region_id = ? AND "
		 "lang_key = ? AND valid_date = ?",
		 table);
	char *qs = qualify(cs, sel), *qu = qualify(cs, upd);
	const struct sk_cql_prepared *ps = NULL;
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 500};
	sk_err_t rc = SK_OK;
	if (!qs || !qu) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto done;
	}
	if ((rc = sk_cql_session_prepare(cs->s, qu, &ps, err)) != SK_OK ||
	    (rc = sk_cql_rows_open(&it, cs->s, qs, NULL, &p, err)) != SK_OK)
		goto done;
	const struct sk_cql_value *row;
	while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
		if (row[3].kind != SK_CQL_LIST || !row[3].u.coll.n ||
		    row[4].kind != SK_CQL_BIGINT)
			continue;
		struct sk_cql_value v[4] = {
			sk_cql_value_list(row[3].u.coll.items,
					  list_period(row[3].u.coll.items,
						      row[3].u.coll.n)),
			row[0], row[1], row[2]};
		if ((rc = submit(cs, ps, v, 4, row[4].u.i64, err)) != SK_OK)
			break;
		(*copied)++;
	}
	struct sk_cql_wait_report rep = {0};
	struct sk_error werr = {0};
	if (sk_cql_session_wait_all(cs->s, &rep, &werr) != SK_OK &&
	    rc == SK_OK) {
		*err = werr;
		rc = werr.code;
	}
done:
	sk_cql_rows_close(it);
	free(qs);
	free(qu);
	return rc;
}

/* ------------------------------------------------------------ writes */

static sk_err_t cass_begin(struct sk_store *st, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	if (cs->in_tx)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: begin inside a batch");
	cs->in_tx = true;
	cs->submitted = 0;
	return SK_OK;
}

static sk_err_t submit(struct cstore *cs, const struct sk_cql_prepared *ps,
		       const struct sk_cql_value *v, size_t n, int64_t ts_us,
		       struct sk_error *err)
{
	struct sk_cql_params p = {.values = v,
				  .n_values = n,
				  .timestamp_us = ts_us};
	uint64_t ticket;
	if (sk_cql_session_submit_execute(cs->s, ps, &p, &ticket, err) != SK_OK)
		return err->code;
	cs->submitted++;
	return SK_OK;
}

static int64_t day_of(const struct sk_cql_value *date)
{
	return (int64_t)date->u.date - 2147483648LL;
}

/* A (publish_time, content_hash, WRITETIME(reg_id)) cell triple as a
 * current row. */
static void cells_current(const struct sk_cql_value *t,
			  const struct sk_cql_value *h,
			  const struct sk_cql_value *wt,
			  struct sk_store_current *cur)
{
	memset(cur, 0, sizeof *cur);
	cur->found = true;
	cur->has_pub = t && t->kind == SK_CQL_TIMESTAMP;
	cur->pub_ms = cur->has_pub ? t->u.i64 : 0;
	if (h && h->kind == SK_CQL_TEXT)
		snprintf(cur->hash, sizeof cur->hash, "%.*s",
			 (int)h->u.text.len, h->u.text.p);
	cur->version = wt && wt->kind == SK_CQL_BIGINT ? wt->u.i64 : 0;
}

/* Current row of the key; cur->found false if none. */
static sk_err_t read_current(struct cstore *cs, const struct sk_cql_value *key,
			     struct sk_store_current *cur, struct sk_error *err)
{
	struct sk_cql_params p = {.values = key, .n_values = 3};
	struct sk_cql_result *res = NULL;
	memset(cur, 0, sizeof *cur);
	if (sk_cql_session_execute(cs->s, cs->sel_current, &p, &res, err) !=
	    SK_OK)
		return err->code;
	if (res->n_rows > 0)
		cells_current(sk_cql_result_cell(res, 0, 0),
			      sk_cql_result_cell(res, 0, 1),
			      sk_cql_result_cell(res, 0, 2), cur);
	sk_cql_result_free(res);
	return SK_OK;
}

static struct known *known_find(struct cstore *cs, int region, int lang,
				int64_t day)
{
	for (size_t i = cs->n_known; i-- > 0;) {
		struct known *k = &cs->known[i];
		if (k->region == region && k->lang == lang && k->day == day)
			return k;
	}
	return NULL;
}

static sk_err_t known_set(struct cstore *cs, int region, int lang, int64_t day,
			  const struct sk_store_current *cur,
			  struct known **out, struct sk_error *err)
{
	struct known *k = known_find(cs, region, lang, day);
	if (!k) {
		if (cs->n_known == cs->cap_known) {
			size_t cap = cs->cap_known ? cs->cap_known * 2 : 256;
			struct known *n = realloc(cs->known, cap * sizeof *n);
			if (!n)
				return sk_error_set(err, SK_ERR_NOMEM, true,
						    "out of memory");
			cs->known = n;
			cs->cap_known = cap;
		}
		k = &cs->known[cs->n_known++];
		k->region = region;
		k->lang = lang;
		k->day = day;
	}
	k->written = false;
	k->cur = *cur;
	if (out)
		*out = k;
	return SK_OK;
}

static bool is_covered(const struct cstore *cs, int region, int lang,
		       int64_t day)
{
	for (size_t i = 0; i < cs->n_cov; i++) {
		const struct covered *c = &cs->cov[i];
		if (c->region == region && c->lang == lang && day >= c->from &&
		    day <= c->to)
			return true;
	}
	return false;
}

/* Read the current state of every key in a few range queries: one per
 * (region, language) over the days the keys span. Keys that do not parse
 * are left to put()'s own read. */
static sk_err_t cass_prefetch(struct sk_store *st, const char *const *keys,
			      size_t n, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	cs->n_known = 0;
	cs->n_cov = 0;
	for (size_t i = 0; i < n; i++) {
		int region, lang;
		char date[11];
		struct sk_date d;
		char *end;
		long r = strtol(keys[i], &end, 10), l = 0;
		if (*end == ':')
			l = strtol(end + 1, &end, 10);
		if (*end != ':' || r < INT_MIN || r > INT_MAX || l < INT_MIN ||
		    l > INT_MAX)
			continue;
		region = (int)r;
		lang = (int)l;
		snprintf(date, sizeof date, "%s", end + 1);
		if (sk_date_parse(date, &d) != SK_OK)
			continue;
		int64_t day = sk_days_from_civil(d.y, d.m, d.d);
		size_t j;
		for (j = 0; j < cs->n_cov; j++)
			if (cs->cov[j].region == region &&
			    cs->cov[j].lang == lang)
				break;
		if (j == cs->n_cov) {
			if (cs->n_cov == cs->cap_cov) {
				size_t cap = cs->cap_cov ? cs->cap_cov * 2 : 32;
				struct covered *c = realloc(cs->cov,
							    cap * sizeof *c);
				if (!c)
					return sk_error_set(err, SK_ERR_NOMEM,
							    true,
							    "out of memory");
				cs->cov = c;
				cs->cap_cov = cap;
			}
			cs->cov[j] = (struct covered){region, lang, day, day};
			cs->n_cov++;
		}
		if (day < cs->cov[j].from)
			cs->cov[j].from = day;
		if (day > cs->cov[j].to)
			cs->cov[j].to = day;
	}
	for (size_t j = 0; j < cs->n_cov; j++) {
		const struct covered *c = &cs->cov[j];
		struct sk_cql_value v[4] = {sk_cql_value_int(c->region),
					    sk_cql_value_int(c->lang),
					    sk_cql_value_date(c->from),
					    sk_cql_value_date(c->to)};
		struct sk_cql_params p = {.values = v, .n_values = 4};
		struct sk_cql_result *res = NULL;
		if (sk_cql_session_execute(cs->s, cs->sel_range, &p, &res,
					   err) != SK_OK) {
			cs->n_cov = 0; /* fall back to per-put reads */
			cs->n_known = 0;
			return err->code;
		}
		for (int32_t r = 0; r < res->n_rows; r++) {
			const struct sk_cql_value *row =
				sk_cql_result_cell(res, r, 0);
			if (row[0].kind != SK_CQL_DATE)
				continue;
			struct sk_store_current cur;
			cells_current(&row[1], &row[2], &row[3], &cur);
			sk_err_t rc = known_set(cs, c->region, c->lang,
						day_of(&row[0]), &cur, NULL,
						err);
			if (rc != SK_OK) {
				sk_cql_result_free(res);
				return rc;
			}
		}
		sk_cql_result_free(res);
	}
	return SK_OK;
}

static sk_err_t cass_current(struct sk_store *st, const struct sk_warning *w,
			     struct sk_store_current *cur, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	if (!cs->in_tx)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: put outside begin");
	struct sk_cql_value date = {0};
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	struct sk_cql_value key[3] = {sk_cql_value_int(w->region_id),
				      sk_cql_value_int(w->lang_key), date};
	const struct known *kn = known_find(cs, w->region_id, w->lang_key,
					    day_of(&date));
	memset(cur, 0, sizeof *cur);
	if (kn) {
		*cur = kn->cur;
		return SK_OK;
	}
	if (is_covered(cs, w->region_id, w->lang_key, day_of(&date)))
		return SK_OK;
	return read_current(cs, key, cur, err);
}

/* A missing publish time is timestamp 0 in warning_revisions (a clustering
 * column cannot be NULL). */
static struct sk_cql_value rev_pub(const struct sk_warning *w)
{
	return sk_cql_value_timestamp(
		w->publish_time.has_utc ? w->publish_time.utc_ms : 0);
}

static sk_err_t cass_revision_seen(struct sk_store *st,
				   const struct sk_warning *w, const char *hash,
				   bool *seen, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	struct sk_cql_value date = {0};
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	int64_t day = day_of(&date);
	bool has = w->publish_time.has_utc;
	int64_t pub = has ? w->publish_time.utc_ms : 0;
	for (size_t i = 0; i < cs->n_revs; i++) {
		const struct rev_note *r = &cs->revs[i];
		if (r->region == w->region_id && r->lang == w->lang_key &&
		    r->day == day && r->has_pub == has && r->pub == pub &&
		    !strcmp(r->hash, hash)) {
			*seen = true;
			return SK_OK;
		}
	}
	struct sk_cql_value v[5] = {sk_cql_value_int(w->region_id),
				    sk_cql_value_int(w->lang_key), date,
				    rev_pub(w), sk_cql_value_text(hash)};
	struct sk_cql_params p = {.values = v, .n_values = 5};
	struct sk_cql_result *res = NULL;
	if (sk_cql_session_execute(cs->s, cs->sel_rev_seen, &p, &res, err) !=
	    SK_OK)
		return err->code;
	*seen = res->n_rows > 0;
	sk_cql_result_free(res);
	return SK_OK;
}

static sk_err_t rev_note_add(struct cstore *cs, const struct sk_warning *w,
			     int64_t day, const char *hash,
			     struct sk_error *err)
{
	if (cs->n_revs == cs->cap_revs) {
		size_t cap = cs->cap_revs ? cs->cap_revs * 2 : 64;
		struct rev_note *n = realloc(cs->revs, cap * sizeof *n);
		if (!n)
			return sk_error_set(err, SK_ERR_NOMEM, true,
					    "out of memory");
		cs->revs = n;
		cs->cap_revs = cap;
	}
	struct rev_note *r = &cs->revs[cs->n_revs++];
	r->region = w->region_id;
	r->lang = w->lang_key;
	r->day = day;
	r->has_pub = w->publish_time.has_utc;
	r->pub = r->has_pub ? w->publish_time.utc_ms : 0;
	snprintf(r->hash, sizeof r->hash, "%s", hash);
	return SK_OK;
}

/* Submit the current row of w (both warning tables; warnings_by_region
 * without its content_hash, set by the caller once every write is
 * acknowledged) and its children at ts; clear first deletes the previous
 * revision's children 1 µs earlier. */
static sk_err_t write_current(struct cstore *cs, const struct sk_warning *w,
			      const char *hash, int64_t ts, bool clear,
			      struct sk_error *err)
{
	struct sk_cql_value key[3];
	key_values(w, key);
	struct sk_cql_value *adv = calloc(SK_LIMIT_ADVICES + 1, sizeof *adv);
	struct sk_cql_value *v = calloc(MAX_COLS, sizeof *v);
	if (!adv || !v) {
		free(adv);
		free(v);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	size_t n;
	warning_values(w, adv, hash, v, &n);
	sk_err_t rc = n == cs->n_wcols
			      ? submit(cs, cs->ins_date, v, n, ts, err)
			      : sk_error_set(err, SK_ERR_STORE, false,
					     "internal: %zu warning values for "
					     "%zu columns",
					     n, cs->n_wcols);
	/* warnings_by_region's content_hash is what says "this revision is
	 * completely stored": it is set after every other write of the
	 * record was acknowledged, so a crash in between leaves a row
	 * without it, which the replay writes again. */
	v[n - 1] = sk_cql_value_unset();
	if (rc == SK_OK)
		rc = submit(cs, cs->ins_region, v, n, ts, err);
	free(adv);
	for (size_t k = 0; k < cs->n_child && rc == SK_OK; k++) {
		const struct cchild *c = &cs->child[k];
		if (clear)
			rc = submit(cs, c->del, key, 3, ts - 1, err);
		size_t m = sk_model_field_list_count(c->f, w);
		for (size_t i = 0; i < m && rc == SK_OK; i++) {
			memcpy(v, key, sizeof key);
			size_t nv =
				3 +
				record_values(c->f->child,
					      sk_model_field_list_cchild(c->f,
									 w, i),
					      v + 3, MAX_COLS - 3);
			rc = submit(cs, c->ins, v, nv, ts, err);
		}
	}
	free(v);
	return rc;
}

/* Timestamps: the publish time in µs (+1 ms, so the deletes 1 µs earlier
 * stay after any earlier second); an update that ties with the current
 * row's write time goes 2 µs after it. */
static sk_err_t cass_write(struct sk_store *st, const struct sk_store_write *wr,
			   struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	const struct sk_warning *w = wr->w;
	struct sk_cql_value date = {0};
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	int64_t day = day_of(&date);
	int64_t pub = w->publish_time.has_utc ? w->publish_time.utc_ms : 0;
	int64_t ts = pub * 1000 + 1000;
	if (wr->revision) {
		struct sk_cql_value rv[9];
		key_values(w, rv);
		rv[3] = rev_pub(w);
		rv[4] = sk_cql_value_text(wr->hash);
		for (size_t i = 0; i < 3; i++) {
			const struct sk_field *f =
				sk_model_table_field(&sk_model_warning_table,
						     revision_copies[i]);
			rv[5 + i] = f ? field_value(f, w) : sk_cql_value_null();
		}
		rv[8] = sk_cql_value_textn(wr->raw ? wr->raw : "",
					   wr->raw ? wr->raw_len : 0);
		if (submit(cs, cs->ins_revision, rv, 9, ts, err) != SK_OK ||
		    rev_note_add(cs, w, day, wr->hash, err) != SK_OK)
			return err->code;
	}
	if (wr->what != SK_STORE_INSERTED && wr->what != SK_STORE_UPDATED)
		return SK_OK;
	if (wr->cur->found && wr->cur->version + 2 > ts)
		ts = wr->cur->version + 2;
	if (write_current(cs, w, wr->hash, ts, wr->cur->found, err) != SK_OK)
		return err->code;
	/* A later record of this batch with the same key sees this one. */
	struct sk_store_current now = {.found = true,
				       .has_pub = w->publish_time.has_utc,
				       .pub_ms = pub,
				       .version = ts};
	snprintf(now.hash, sizeof now.hash, "%s", wr->hash);
	struct known *k;
	if (known_set(cs, w->region_id, w->lang_key, day, &now, &k, err) !=
	    SK_OK)
		return err->code;
	k->written = true;
	return SK_OK;
}

static sk_err_t cass_commit(struct sk_store *st, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	if (!cs->in_tx)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: commit without begin");
	cs->in_tx = false;
	struct sk_cql_wait_report rep = {0};
	sk_err_t rc = sk_cql_session_wait_all(cs->s, &rep, err);
	if (rc == SK_OK && rep.n_failed)
		rc = sk_error_set(err, SK_ERR_STORE, true,
				  "cassandra: %zu of %zu writes not "
				  "acknowledged",
				  rep.n_failed, rep.n_ok + rep.n_failed);
	if (rc == SK_OK && cs->submitted)
		sk_crash_point("cassandra.before_mark");
	/* Phase 2: mark each written record complete, and stamp the
	 * warehouse's last write (pipelined with the marks). */
	bool wrote = cs->submitted > 0;
	int64_t now = sk_now_ms();
	for (size_t i = 0; rc == SK_OK && i < cs->n_known; i++) {
		const struct known *k = &cs->known[i];
		if (!k->written)
			continue;
		struct sk_cql_value v[4] = {sk_cql_value_text(k->cur.hash),
					    sk_cql_value_int(k->region),
					    sk_cql_value_int(k->lang),
					    sk_cql_value_date(k->day)};
		rc = submit(cs, cs->upd_hash, v, 4, k->cur.version, err);
	}
	if (rc == SK_OK && wrote) {
		struct sk_cql_value v = sk_cql_value_bigint(now);
		rc = submit(cs, cs->upd_meta, &v, 1, now * 1000, err);
	}
	if (rc == SK_OK) {
		memset(&rep, 0, sizeof rep);
		rc = sk_cql_session_wait_all(cs->s, &rep, err);
		if (rc == SK_OK && rep.n_failed)
			rc = sk_error_set(err, SK_ERR_STORE, true,
					  "cassandra: %zu of %zu writes not "
					  "acknowledged",
					  rep.n_failed,
					  rep.n_ok + rep.n_failed);
	}
	cs->n_known = 0;
	cs->n_cov = 0;
	cs->n_revs = 0;
	if (rc != SK_OK)
		return rc;
	if (wrote)
		cs->last_write_ms = now;
	return SK_OK;
}

static void cass_rollback(struct sk_store *st)
{
	struct cstore *cs = (struct cstore *)st;
	struct sk_cql_wait_report rep;
	struct sk_error err = {0};
	/* Writes already sent may land; they are idempotent upserts. */
	sk_cql_session_wait_all(cs->s, &rep, &err);
	cs->in_tx = false;
	cs->n_known = 0;
	cs->n_cov = 0;
	cs->n_revs = 0;
}

/* ------------------------------------------------------------ reads */

static char *cell_str(const struct sk_cql_value *v)
{
	if (!v || v->kind != SK_CQL_TEXT)
		return NULL;
	return sk_strndup(v->u.text.p, v->u.text.len);
}

static int cell_int(const struct sk_cql_value *v)
{
	return v && v->kind == SK_CQL_INT ? v->u.i32 : -1;
}

static int64_t cell_big(const struct sk_cql_value *v)
{
	return v && v->kind == SK_CQL_BIGINT ? v->u.i64 : -1;
}

static void cell_time(const struct sk_cql_value *v, struct sk_time_field *t)
{
	t->has_utc = v && v->kind == SK_CQL_TIMESTAMP;
	t->utc_ms = t->has_utc ? v->u.i64 : 0;
}

/* A result row read by column name (the result metadata), never by
 * position. */
struct row {
	const struct sk_cql_meta *m;
	const struct sk_cql_value *c;
};

/* The cell of column name, NULL when the result has no such column. */
static const struct sk_cql_value *col(const struct row *r, const char *name)
{
	if (!r->m->columns)
		return NULL;
	for (int32_t i = 0; i < r->m->n_columns; i++)
		if (!strcmp(r->m->columns[i].name, name))
			return &r->c[i];
	return NULL;
}

static void cell_date(const struct sk_cql_value *v, char out[11])
{
	out[0] = '\0';
	if (!v || v->kind != SK_CQL_DATE)
		return;
	struct sk_date d;
	sk_civil_from_days(day_of(v), &d.y, &d.m, &d.d);
	sk_date_format(&d, out);
}

/* One column, found by name, into its member; rec starts with absent
 * values, so a NULL (or missing) cell leaves the member absent. */
static void read_field(const struct row *r, const struct sk_field *f, void *rec,
		       bool *nomem)
{
	const struct sk_cql_value *v = col(r, f->name);
	if (!v)
		return;
	switch (f->kind) {
	case SK_FIELD_INT:
		if (v->kind == SK_CQL_INT)
			sk_model_field_set_int(f, rec, v->u.i32);
		break;
	case SK_FIELD_INT64:
		if (v->kind == SK_CQL_BIGINT)
			sk_model_field_set_int(f, rec, v->u.i64);
		break;
	case SK_FIELD_BOOL:
	case SK_FIELD_TRI:
		if (v->kind == SK_CQL_BOOLEAN)
			sk_model_field_set_int(f, rec, v->u.b);
		break;
	case SK_FIELD_TEXT:
		if (v->kind == SK_CQL_TEXT) {
			char *t = cell_str(v);
			if (!t)
				*nomem = true;
			sk_model_field_set_text(f, rec, t);
		}
		break;
	case SK_FIELD_DATE:
		if (v->kind == SK_CQL_DATE)
			cell_date(v, sk_model_field_ptr(f, rec));
		break;
	case SK_FIELD_TIME:
		cell_time(v, sk_model_field_time(f, rec));
		break;
	case SK_FIELD_LIST:
		break;
	}
}

static void read_record(const struct row *r, const struct sk_table *t,
			void *rec, bool *nomem)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (sk_model_field_stored(&t->rows[i]))
			read_field(r, &t->rows[i], rec, nomem);
}

static sk_err_t row_to_warning(const struct row *r, struct sk_warning **out,
			       struct sk_error *err)
{
	struct sk_warning *w = sk_warning_new();
	bool nomem = !w;
	if (w)
		read_record(r, &sk_model_warning_table, w, &nomem);
	if (nomem) {
		sk_warning_free(w);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	*out = w;
	return SK_OK;
}

/* Advices from advice_list alone (rows no advices_by_warning row has been
 * written for): position and text, no image URLs. */
static sk_err_t advices_from_list(const struct cchild *c, struct sk_warning *w,
				  const struct sk_cql_value *list,
				  struct sk_error *err)
{
	if (c->f->child != &sk_model_advice_table || !list ||
	    list->kind != SK_CQL_LIST || !list->u.coll.n)
		return SK_OK;
	const struct sk_field *pos = sk_model_table_field(c->f->child,
							  "position");
	const struct sk_field *text = sk_model_table_field(c->f->child, "text");
	size_t n = list->u.coll.n;
	if (!pos || !text)
		return SK_OK;
	if (sk_model_field_list_alloc(c->f, w, n) != SK_OK)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "%zu advices: out of memory or too many",
				    n);
	for (size_t i = 0; i < n; i++) {
		void *a = sk_model_field_list_child(c->f, w, i);
		sk_model_field_set_int(pos, a, (int64_t)i);
		sk_model_field_set_text(text, a,
					cell_str(&list->u.coll.items[i]));
	}
	return SK_OK;
}

/* The children of w of every child table, in clustering (primary-key)
 * order; advices from advice_list when the row has none in their table. */
static sk_err_t load_all_children(struct cstore *cs, struct sk_warning *w,
				  const struct row *wr, struct sk_error *err)
{
	struct sk_cql_value key[3];
	key_values(w, key);
	struct sk_cql_params p = {.values = key, .n_values = 3};
	sk_err_t rc = SK_OK;
	for (size_t k = 0; k < cs->n_child && rc == SK_OK; k++) {
		const struct cchild *c = &cs->child[k];
		struct sk_cql_result *res = NULL;
		if (sk_cql_session_execute(cs->s, c->sel, &p, &res, err) !=
		    SK_OK)
			return err->code;
		size_t n = res->n_rows > 0 ? (size_t)res->n_rows : 0;
		if (n && sk_model_field_list_alloc(c->f, w, n) != SK_OK)
			rc = sk_error_set(err,
					  n > c->f->limit ? SK_ERR_LIMIT
							  : SK_ERR_NOMEM,
					  false, "%zu %s in one warning", n,
					  c->f->child->what);
		bool nomem = false;
		for (size_t i = 0; i < n && rc == SK_OK; i++) {
			struct row r = {&res->meta,
					sk_cql_result_cell(res, (int32_t)i, 0)};
			read_record(&r, c->f->child,
				    sk_model_field_list_child(c->f, w, i),
				    &nomem);
		}
		sk_cql_result_free(res);
		if (rc == SK_OK && nomem)
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "out of memory");
		if (rc == SK_OK && !n)
			rc = advices_from_list(c, w, col(wr, "advice_list"),
					       err);
	}
	return rc;
}

static bool wanted(const struct sk_store_query *q, int region, int lang)
{
	if (q->lang_key && q->lang_key != lang)
		return false;
	if (!q->region_ids || !q->n_regions)
		return true;
	for (size_t i = 0; i < q->n_regions; i++)
		if (q->region_ids[i] == region)
			return true;
	return false;
}

/* One date partition of warnings_by_date at a time, in date order; rows
 * within it are clustered by (region_id, lang_key): the store contract's
 * order. */
static sk_err_t cass_query(struct sk_store *st, const struct sk_store_query *q,
			   sk_store_row_fn fn, void *ud, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	size_t rows = 0;
	for (struct sk_date d = q->from; sk_date_cmp(&d, &q->to) <= 0;
	     d = sk_date_add_days(d, 1)) {
		struct sk_cql_value dv =
			sk_cql_value_date(sk_days_from_civil(d.y, d.m, d.d));
		struct sk_cql_params p = {.values = &dv,
					  .n_values = 1,
					  .page_size = 500};
		struct sk_cql_rows *it = NULL;
		if (sk_cql_rows_open(&it, cs->s, NULL, cs->sel_date, &p, err) !=
		    SK_OK)
			return err->code;
		const struct sk_cql_value *row;
		sk_err_t rc;
		bool stop = false;
		while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
			struct row r = {sk_cql_rows_meta(it), row};
			if (!wanted(q, cell_int(col(&r, "region_id")),
				    cell_int(col(&r, "lang_key"))))
				continue;
			struct sk_warning *w = NULL;
			if ((rc = row_to_warning(&r, &w, err)) != SK_OK)
				break;
			if (q->with_children)
				rc = load_all_children(cs, w, &r, err);
			if (rc == SK_OK)
				stop = fn(w, ud) != 0;
			sk_warning_free(w);
			if (rc != SK_OK)
				break;
			if (stop || (q->limit && ++rows >= q->limit)) {
				stop = true;
				break;
			}
		}
		sk_cql_rows_close(it);
		if (rc != SK_OK)
			return rc;
		if (stop)
			break;
	}
	return SK_OK;
}

static sk_err_t cass_stats(struct sk_store *st, struct sk_store_stats *out,
			   struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	memset(out, 0, sizeof *out);
	static const char *const counts[] = {
		"SELECT COUNT(*) FROM @.warnings_by_region",
		"SELECT COUNT(*) FROM @.problems_by_warning",
		"SELECT COUNT(*) FROM @.warning_revisions",
	};
	int64_t *dst[] = {&out->warnings, &out->problems, &out->revisions};
	for (size_t i = 0; i < 3; i++) {
		struct sk_cql_result *res = NULL;
		char *q = qualify(cs, counts[i]);
		if (!q)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		sk_err_t rc = sk_cql_session_query(cs->s, q, NULL, &res, err);
		free(q);
		if (rc != SK_OK)
			return rc;
		*dst[i] = res->n_rows ? cell_big(sk_cql_result_cell(res, 0, 0))
				      : 0;
		sk_cql_result_free(res);
	}
	struct sk_cql_result *res = NULL;
	char *q = qualify(cs, "SELECT value FROM @.store_meta WHERE key = "
			      "'last_write'");
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	sk_err_t rc = sk_cql_session_query(cs->s, q, NULL, &res, err);
	free(q);
	if (rc != SK_OK)
		return rc;
	out->last_write_ms = res->n_rows
				     ? cell_big(sk_cql_result_cell(res, 0, 0))
				     : 0;
	sk_cql_result_free(res);
	if (cs->last_write_ms > out->last_write_ms)
		out->last_write_ms = cs->last_write_ms;
	return SK_OK;
}

/* Set the content_hash of every row this batch wrote (in cs->known), once
 * all the batch's writes are acknowledged; then forget them. */
static sk_err_t mark_written(struct cstore *cs, struct sk_error *err)
{
	struct sk_cql_wait_report rep = {0};
	sk_err_t rc = sk_cql_session_wait_all(cs->s, &rep, err);
	for (int round = 0; round < 2 && rc == SK_OK; round++) {
		if (rep.n_failed)
			return sk_error_set(err, SK_ERR_STORE, true,
					    "cassandra: %zu of %zu migration "
					    "writes not acknowledged",
					    rep.n_failed,
					    rep.n_ok + rep.n_failed);
		for (size_t i = 0; round == 0 && rc == SK_OK && i < cs->n_known;
		     i++) {
			const struct known *k = &cs->known[i];
			if (!k->written)
				continue;
			struct sk_cql_value v[4] = {sk_cql_value_text(
							    k->cur.hash),
						    sk_cql_value_int(k->region),
						    sk_cql_value_int(k->lang),
						    sk_cql_value_date(k->day)};
			rc = submit(cs, cs->upd_hash, v, 4, k->cur.version,
				    err);
		}
		if (round == 0 && rc == SK_OK) {
			memset(&rep, 0, sizeof rep);
			rc = sk_cql_session_wait_all(cs->s, &rep, err);
		}
	}
	cs->n_known = 0;
	return rc;
}

/* A migration that rewrites rows from their raw messages, opened without
 * the opener's mapping: an error (the version is not recorded, so the
 * next open with one migrates), never a silent skip. */
static sk_err_t no_map(const struct cstore *cs, struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_CONFIG, false,
			    "cassandra keyspace %s: the migration to schema "
			    "version %d rewrites rows from their revisions' "
			    "raw messages, and the store was opened without a "
			    "mapping (sk_store_opts.map); not migrated",
			    cs->ks, SCHEMA_VERSION);
}

/* Schema 3, current rows: each is rewritten from the raw message of its
 * revision (the one with its publish time and content hash, or whose
 * message hashes to it now), mapped again as a put maps it: so its
 * content_hash becomes store.c's hash of the same record a new run of the
 * same input makes (no spurious updates), and what schema 2 lost (advice
 * image URLs, negative integers, has_weather) is stored. Written 1 µs
 * after the row's write time (a NULL schema 2 wrote is a tombstone, which
 * wins a tie). A row whose revision is not found keeps its hash (a new run
 * then rewrites it). */
static sk_err_t rehash_current(struct cstore *cs, size_t *rows, size_t *missing,
			       struct sk_error *err)
{
	char *qs = qualify(cs, "SELECT region_id, lang_key, valid_date, "
			       "publish_time, content_hash, WRITETIME(reg_id) "
			       "FROM @.warnings_by_region");
	char *qr = qualify(cs, "SELECT content_hash, raw_json FROM "
			       "@.warning_revisions WHERE region_id = ? AND "
			       "lang_key = ? AND valid_date = ? AND "
			       "publish_time = ?");
	const struct sk_cql_prepared *ps = NULL;
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 200};
	sk_err_t rc = SK_OK;
	if (!qs || !qr) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto done;
	}
	if ((rc = sk_cql_session_prepare(cs->s, qr, &ps, err)) != SK_OK ||
	    (rc = sk_cql_rows_open(&it, cs->s, qs, NULL, &p, err)) != SK_OK)
		goto done;
	const struct sk_cql_value *row;
	cs->n_known = 0;
	while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
		struct row r = {sk_cql_rows_meta(it), row};
		if (!cs->map) {
			rc = no_map(cs, err);
			break;
		}
		struct sk_store_current cur;
		cells_current(col(&r, "publish_time"), col(&r, "content_hash"),
			      col(&r, "writetime(reg_id)"), &cur);
		const struct sk_cql_value *d = col(&r, "valid_date");
		if (!d || d->kind != SK_CQL_DATE)
			continue;
		struct sk_cql_value v[4] = {
			*col(&r, "region_id"), *col(&r, "lang_key"), *d,
			sk_cql_value_timestamp(cur.has_pub ? cur.pub_ms : 0)};
		struct sk_cql_params rp = {.values = v, .n_values = 4};
		struct sk_cql_result *res = NULL;
		if ((rc = sk_cql_session_execute(cs->s, ps, &rp, &res, err)) !=
		    SK_OK)
			break;
		struct sk_warning *w = NULL;
		char hash[SK_STORE_HASH_LEN] = "";
		for (int32_t i = 0; i < res->n_rows && !w; i++) {
			const struct sk_cql_value *h = sk_cql_result_cell(res,
									  i, 0);
			const struct sk_cql_value *raw =
				sk_cql_result_cell(res, i, 1);
			struct sk_error why = {0};
			if (!raw || raw->kind != SK_CQL_TEXT ||
			    cs->map(raw->u.text.p, raw->u.text.len, &w, &why) !=
				    SK_OK ||
			    sk_store_content_hash(w, hash, &why) != SK_OK ||
			    !(strcmp(hash, cur.hash) == 0 ||
			      (h && h->kind == SK_CQL_TEXT &&
			       h->u.text.len == strlen(cur.hash) &&
			       !memcmp(h->u.text.p, cur.hash,
				       h->u.text.len)))) {
				sk_warning_free(w);
				w = NULL;
			}
		}
		sk_cql_result_free(res);
		if (!w) {
			(*missing)++;
			continue;
		}
		struct sk_store_current now = cur;
		now.version = cur.version + 1;
		snprintf(now.hash, sizeof now.hash, "%s", hash);
		struct known *k;
		rc = write_current(cs, w, hash, now.version, false, err);
		sk_warning_free(w);
		if (rc == SK_OK)
			rc = known_set(cs, cell_int(col(&r, "region_id")),
				       cell_int(col(&r, "lang_key")), day_of(d),
				       &now, &k, err);
		if (rc != SK_OK)
			break;
		k->written = true;
		(*rows)++;
		/* Mark in steps: the rows' writes first, then their hashes. */
		if (cs->n_known >= 200 && (rc = mark_written(cs, err)) != SK_OK)
			break;
	}
	if (rc == SK_OK)
		rc = mark_written(cs, err);
done:
	cs->n_known = 0;
	sk_cql_rows_close(it);
	free(qs);
	free(qr);
	return rc;
}

/* Schema 3, revisions: a revision whose raw message hashes otherwise now
 * is moved to its new hash (same values, same write time; the old row
 * deleted at that time). One whose message does not map keeps its hash. */
static sk_err_t rehash_revisions(struct cstore *cs, size_t *moved,
				 struct sk_error *err)
{
	char *qs = qualify(cs, "SELECT region_id, lang_key, valid_date, "
			       "publish_time, content_hash, reg_id, "
			       "danger_level, main_text, raw_json, "
			       "WRITETIME(reg_id) FROM @.warning_revisions");
	char *qd = qualify(cs, "DELETE FROM @.warning_revisions WHERE "
			       "region_id = ? AND lang_key = ? AND valid_date "
			       "= ? AND publish_time = ? AND content_hash = ?");
	const struct sk_cql_prepared *del = NULL;
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 200};
	sk_err_t rc = SK_OK;
	if (!qs || !qd) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto done;
	}
	if ((rc = sk_cql_session_prepare(cs->s, qd, &del, err)) != SK_OK ||
	    (rc = sk_cql_rows_open(&it, cs->s, qs, NULL, &p, err)) != SK_OK)
		goto done;
	const struct sk_cql_value *row;
	while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
		struct row r = {sk_cql_rows_meta(it), row};
		if (!cs->map) {
			rc = no_map(cs, err);
			break;
		}
		const struct sk_cql_value *raw = col(&r, "raw_json");
		const struct sk_cql_value *old = col(&r, "content_hash");
		const struct sk_cql_value *wt = col(&r, "writetime(reg_id)");
		struct sk_warning *w = NULL;
		struct sk_error why = {0};
		char hash[SK_STORE_HASH_LEN];
		if (!raw || raw->kind != SK_CQL_TEXT || !old ||
		    old->kind != SK_CQL_TEXT || !wt ||
		    wt->kind != SK_CQL_BIGINT ||
		    cs->map(raw->u.text.p, raw->u.text.len, &w, &why) !=
			    SK_OK ||
		    sk_store_content_hash(w, hash, &why) != SK_OK ||
		    (old->u.text.len == strlen(hash) &&
		     !memcmp(old->u.text.p, hash, old->u.text.len))) {
			sk_warning_free(w);
			continue;
		}
		sk_warning_free(w);
		struct sk_cql_value v[9] = {*col(&r, "region_id"),
					    *col(&r, "lang_key"),
					    *col(&r, "valid_date"),
					    *col(&r, "publish_time"),
					    sk_cql_value_text(hash),
					    *col(&r, "reg_id"),
					    *col(&r, "danger_level"),
					    *col(&r, "main_text"),
					    *raw};
		struct sk_cql_value k[5] = {v[0], v[1], v[2], v[3], *old};
		if ((rc = submit(cs, cs->ins_revision, v, 9, wt->u.i64, err)) !=
			    SK_OK ||
		    (rc = submit(cs, del, k, 5, wt->u.i64, err)) != SK_OK)
			break;
		(*moved)++;
	}
	struct sk_cql_wait_report rep = {0};
	struct sk_error werr = {0};
	if (sk_cql_session_wait_all(cs->s, &rep, &werr) != SK_OK &&
	    rc == SK_OK) {
		*err = werr;
		rc = werr.code;
	}
	if (rc == SK_OK && rep.n_failed)
		rc = sk_error_set(err, SK_ERR_STORE, true,
				  "cassandra: %zu of %zu migration writes not "
				  "acknowledged",
				  rep.n_failed, rep.n_ok + rep.n_failed);
done:
	sk_cql_rows_close(it);
	free(qs);
	free(qd);
	return rc;
}

/* Schema 2 -> 3 and every later version that adds stored columns: each
 * stored row of the field tables that its Cassandra table lacks is added
 * (ALTER TABLE ... ADD, the kind's type; child tables made since by the
 * CREATE TABLE IF NOT EXISTS at open), then every content_hash is filled
 * from the revisions' raw messages (rehash_current, rehash_revisions).
 * So adding a field needs no code here: its table row and SCHEMA_VERSION
 * + 1. Every step can run again. */
static sk_err_t migrate_columns(struct cstore *cs, struct sk_error *err)
{
	const struct sk_table *wt = &sk_model_warning_table;
	for (size_t t = 0; t < 2 + MAX_CHILD; t++) {
		const struct sk_table *ft = wt;
		const char *name = t < 2 ? warning_tables[t] : NULL;
		if (t >= 2) {
			size_t k = 0;
			for (size_t i = 0; i < wt->n_rows && !name; i++)
				if (wt->rows[i].kind == SK_FIELD_LIST &&
				    k++ == t - 2) {
					ft = wt->rows[i].child;
					name = child_table(ft);
				}
			if (!name)
				break;
		}
		for (size_t i = 0; i < ft->n_rows; i++) {
			const struct sk_field *f = &ft->rows[i];
			bool has;
			char ddl[200];
			if (!sk_model_field_stored(f))
				continue;
			if (has_column(cs, name, f->name, &has, err) != SK_OK)
				return err->code;
			if (has)
				continue;
			snprintf(ddl, sizeof ddl, "ALTER TABLE @.%s ADD %s %s",
				 name, f->name, cql_type(f->kind));
			if (run_ddl(cs, ddl, err) != SK_OK)
				return err->code;
		}
	}
	/* The writes below are prepared against the new columns. */
	if (prepare_all(cs, err) != SK_OK)
		return err->code;
	size_t rows = 0, missing = 0, moved = 0;
	if (rehash_current(cs, &rows, &missing, err) != SK_OK ||
	    rehash_revisions(cs, &moved, err) != SK_OK)
		return err->code;
	if (rows || missing || moved)
		sk_log(SK_LOG_INFO, "store",
		       "cassandra keyspace %s migrated to schema version %d: "
		       "%zu rows rewritten from their revisions (%zu without "
		       "one kept as they were), %zu revisions rehashed",
		       cs->ks, SCHEMA_VERSION, rows, missing, moved);
	return SK_OK;
}

/* Bring a keyspace of an older schema version to SCHEMA_VERSION. Every
 * step can run again (a crash or a second process midway is harmless):
 * 1 -> 2 adds advice_list, copies advices into it, drops advices; 2 -> 3
 * and later are migrate_columns; then the version is recorded. A keyspace made by this
 * version passes through once, changing nothing. */
static sk_err_t migrate(struct cstore *cs, struct sk_error *err)
{
	int64_t ver = 0;
	bool found;
	if (meta_get(cs, "schema_version", &ver, &found, err) != SK_OK)
		return err->code;
	if (found && ver >= SCHEMA_VERSION)
		return SK_OK;
	size_t copied = 0;
	bool migrated = false;
	for (size_t i = 0; i < 2 && !(found && ver >= 2); i++) {
		const char *t = warning_tables[i];
		char ddl[160];
		bool has_new, has_old;
		if (has_column(cs, t, "advice_list", &has_new, err) != SK_OK ||
		    has_column(cs, t, "advices", &has_old, err) != SK_OK)
			return err->code;
		if (!has_new) {
			snprintf(ddl, sizeof ddl,
				 "ALTER TABLE @.%s ADD advice_list "
				 "frozen<list<text>>",
				 t);
			if (run_ddl(cs, ddl, err) != SK_OK)
				return err->code;
		}
		if (!has_old)
			continue;
		migrated = true;
		if (copy_advices(cs, t, &copied, err) != SK_OK)
			return err->code;
		snprintf(ddl, sizeof ddl, "ALTER TABLE @.%s DROP advices", t);
		if (run_ddl(cs, ddl, err) != SK_OK)
			return err->code;
	}
	if (migrated)
		sk_log(SK_LOG_INFO, "store",
		       "cassandra keyspace %s migrated to schema version 2: "
		       "advices copied into advice_list (frozen) for %zu "
		       "rows, advices dropped",
		       cs->ks, copied);
	if (migrate_columns(cs, err) != SK_OK)
		return err->code;
	char upd[96];
	snprintf(upd, sizeof upd,
		 "UPDATE @.store_meta SET value = %d WHERE key = "
		 "'schema_version'",
		 SCHEMA_VERSION);
	if (run_ddl(cs, upd, err) != SK_OK)
		return err->code;
	return SK_OK;
}

static sk_err_t cass_open(struct sk_store **out, const struct sk_store_opts *op,
			  struct sk_error *err)
{
	*out = NULL;
	const struct sk_store_conf *c = op->conf;
	const char *ks = c->cassandra_keyspace;
	const char *repl = c->cassandra_replication;
	const char *cl_name = sk_store_consistencies[c->cassandra_consistency];
	if (!ident_ok(ks))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "cassandra.keyspace '%s' is not a plain "
				    "identifier",
				    ks ? ks : "");
	if (!repl || !*repl || strchr(repl, ';'))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "cassandra.replication must be a CQL map, "
				    "e.g. {'class': 'SimpleStrategy', "
				    "'replication_factor': 1}");
	enum sk_cql_consistency cl = SK_CQL_CL_DEFAULT;
	for (size_t i = 0; i < sizeof consistencies / sizeof consistencies[0];
	     i++)
		if (cl_name && !strcasecmp(cl_name, consistencies[i].name))
			cl = consistencies[i].cl;
	if (cl == SK_CQL_CL_DEFAULT)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "cassandra.consistency '%s' is not one of "
				    "ONE, TWO, THREE, QUORUM, ALL, "
				    "LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE",
				    cl_name ? cl_name : "");
	struct cstore *cs = calloc(1, sizeof *cs);
	if (!cs)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	cs->base.type = &sk_store_cassandra;
	cs->map = op->map;
	snprintf(cs->ks, sizeof cs->ks, "%s", ks);
	const char *user = c->cassandra_username;
	struct sk_cql_session_opts o = {
		.contact_points = c->cassandra_hosts,
		.username = user && *user ? user : NULL,
		.password = c->cassandra_password,
		.connect_timeout_ms = (int)c->cassandra_connect_timeout_ms,
		.request_timeout_ms = (int)c->cassandra_request_timeout_ms,
		.max_in_flight = (unsigned)c->cassandra_max_in_flight,
		.consistency = cl,
		.tls = c->cassandra_tls,
		.tls_ca_file = c->cassandra_tls_ca_file,
	};
	if (o.tls_ca_file && !*o.tls_ca_file)
		o.tls_ca_file = NULL;
	char cql[1024];
	if (sk_cql_session_open(&cs->s, &o, err) != SK_OK)
		goto fail;
	snprintf(cql, sizeof cql,
		 "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s", ks,
		 repl);
	if (run_ddl(cs, cql, err) != SK_OK)
		goto fail;
	for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
		if (run_ddl(cs, schema[i], err) != SK_OK)
			goto fail;
	for (size_t i = 0;; i++) {
		struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
		sk_err_t built = table_ddl(&b, i);
		if (built == SK_ERR_NOTFOUND) {
			sk_buf_free(&b);
			break;
		}
		if (built != SK_OK) {
			sk_buf_free(&b);
			sk_error_set(err, built, false, "building CQL");
			goto fail;
		}
		sk_err_t rc = run_ddl(cs, b.data, err);
		sk_buf_free(&b);
		if (rc != SK_OK)
			goto fail;
	}
	if (migrate(cs, err) != SK_OK)
		goto fail;
	if (prepare_all(cs, err) != SK_OK)
		goto fail;
	*out = &cs->base;
	return SK_OK;
fail:
	sk_error_prefix(err, "cassandra store (%s)", o.contact_points);
	cass_close(&cs->base);
	return err->code;
}

const struct sk_store_type sk_store_cassandra = {
	.name = "cassandra",
	.open = cass_open,
	.close = cass_close,
	.begin = cass_begin,
	.current = cass_current,
	.revision_seen = cass_revision_seen,
	.write = cass_write,
	.commit = cass_commit,
	.rollback = cass_rollback,
	.query = cass_query,
	.stats = cass_stats,
	.prefetch = cass_prefetch,
};
