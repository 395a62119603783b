/*
 * sqlite.c - the embedded warehouse: <data_dir>/warehouse.db through sqldb.
 *
 * One current row per natural key (region_id, lang_key, valid_date) with its
 * problems, advices and mountain-weather values, plus every distinct
 * revision ever seen. The schema and the put rules are documented in
 * docs/DATA_MODEL.md; keep the two in step.
 *
 * Every statement is prepared once at open. The column lists below are the
 * single source of the column order; the field walks bind them, and
 * store.c's content hash walks the same columns. The write decision is
 * store.c's too: this backend reads the current row, says whether a
 * revision is on record, and writes what it is told.
 *
 * Deliberately not here: cleaning or validating records (proc/; a migration
 * that rewrites rows maps raw messages with the sk_store_map_fn the opener
 * passed), retrying
 * busy databases (the caller decides, from err->retriable), and any sharing
 * of one store between threads (one connection, used by one thread).
 */
#include "store/store.h"
#include "store/store_int.h"
#include "sqldb/sqldb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ schema */

/* Version 1. Frozen: a change is a new step appended to schema_steps. */
static const char schema_v1[] =
	"CREATE TABLE avalanche_warning ("
	" region_id INTEGER NOT NULL,"
	" lang_key INTEGER NOT NULL,"
	" valid_date TEXT NOT NULL,"
	" reg_id INTEGER NOT NULL,"
	" region_name TEXT,"
	" region_type_id INTEGER,"
	" region_type_name TEXT,"
	" danger_level INTEGER NOT NULL,"
	" not_assessed INTEGER NOT NULL,"
	" valid_from TEXT,"
	" valid_to TEXT,"
	" next_warning_time TEXT,"
	" publish_time TEXT,"
	" danger_increase_time TEXT,"
	" danger_decrease_time TEXT,"
	" main_text TEXT,"
	" is_detail INTEGER NOT NULL,"
	" danger_level_name TEXT,"
	" author TEXT,"
	" avalanche_danger TEXT,"
	" emergency_warning TEXT,"
	" snow_surface TEXT,"
	" current_weaklayers TEXT,"
	" latest_avalanche_activity TEXT,"
	" latest_observations TEXT,"
	" previous_warning_reg_id INTEGER,"
	" is_tendency INTEGER,"
	" utm_zone INTEGER,"
	" utm_east INTEGER,"
	" utm_north INTEGER,"
	" has_weather INTEGER NOT NULL,"
	" cloud_cover_id INTEGER,"
	" cloud_cover_name TEXT,"
	" weather_comment TEXT,"
	" weather_saved_time TEXT,"
	" content_hash TEXT NOT NULL,"
	" revision_count INTEGER NOT NULL,"
	" PRIMARY KEY (region_id, lang_key, valid_date));"
	"CREATE INDEX avalanche_warning_date"
	" ON avalanche_warning (valid_date, region_id);"
	"CREATE TABLE avalanche_problem ("
	" region_id INTEGER NOT NULL,"
	" lang_key INTEGER NOT NULL,"
	" valid_date TEXT NOT NULL,"
	" problem_id INTEGER NOT NULL,"
	" problem_type_id INTEGER,"
	" problem_type_name TEXT,"
	" cause_id INTEGER,"
	" cause_name TEXT,"
	" aval_type_id INTEGER,"
	" aval_type_name TEXT,"
	" ext_id INTEGER,"
	" ext_name TEXT,"
	" trigger_simple_id INTEGER,"
	" trigger_simple_name TEXT,"
	" trigger_sensitivity_id INTEGER,"
	" trigger_sensitivity_name TEXT,"
	" size_id INTEGER,"
	" size_name TEXT,"
	" probability_id INTEGER,"
	" probability_name TEXT,"
	" propagation_id INTEGER,"
	" propagation_name TEXT,"
	" exposed_height_1 INTEGER,"
	" exposed_height_2 INTEGER,"
	" exposed_height_fill INTEGER,"
	" valid_expositions TEXT,"
	" danger_level INTEGER,"
	" text TEXT,"
	" PRIMARY KEY (region_id, lang_key, valid_date, problem_id),"
	" FOREIGN KEY (region_id, lang_key, valid_date)"
	"  REFERENCES avalanche_warning (region_id, lang_key, valid_date)"
	"  ON DELETE CASCADE);"
	"CREATE TABLE avalanche_advice ("
	" region_id INTEGER NOT NULL,"
	" lang_key INTEGER NOT NULL,"
	" valid_date TEXT NOT NULL,"
	" position INTEGER NOT NULL,"
	" text TEXT,"
	" image_url TEXT,"
	" PRIMARY KEY (region_id, lang_key, valid_date, position),"
	" FOREIGN KEY (region_id, lang_key, valid_date)"
	"  REFERENCES avalanche_warning (region_id, lang_key, valid_date)"
	"  ON DELETE CASCADE);"
	"CREATE TABLE mountain_weather ("
	" region_id INTEGER NOT NULL,"
	" lang_key INTEGER NOT NULL,"
	" valid_date TEXT NOT NULL,"
	" type_id INTEGER NOT NULL,"
	" type_name TEXT,"
	" subtype_id INTEGER NOT NULL,"
	" subtype_name TEXT,"
	" value TEXT,"
	" PRIMARY KEY (region_id, lang_key, valid_date, type_id, subtype_id),"
	" FOREIGN KEY (region_id, lang_key, valid_date)"
	"  REFERENCES avalanche_warning (region_id, lang_key, valid_date)"
	"  ON DELETE CASCADE);"
	"CREATE TABLE warning_revision ("
	" region_id INTEGER NOT NULL,"
	" lang_key INTEGER NOT NULL,"
	" valid_date TEXT NOT NULL,"
	" publish_time TEXT NOT NULL,"
	" content_hash TEXT NOT NULL,"
	" reg_id INTEGER NOT NULL,"
	" danger_level INTEGER NOT NULL,"
	" main_text TEXT,"
	" raw_json TEXT,"
	" first_seen TEXT NOT NULL,"
	" PRIMARY KEY (region_id, lang_key, valid_date, publish_time,"
	"  content_hash));"
	"CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT);";

/* Version 2: the warning's top-level ExposedHeightFill. */
static const char schema_v2[] =
	"ALTER TABLE avalanche_warning ADD COLUMN exposed_height_fill INTEGER;";

/* Version 3: raw_json through sqldb's codec (a BLOB of zstd with a
 * built-in dictionary). No row changes: a raw_json written before is the
 * text of a record that parsed as a JSON object, so it never starts with
 * the codec's marker byte (0xFF is never UTF-8) and reads as itself. The
 * version keeps an older skred from reading compressed values as JSON. */
static const char schema_v3[] = "SELECT 1;";

/* Version 4: mountain weather packed, one row per warning instead of one
 * per value (17 for a full MountainWeather object: 58 % of the rows a
 * Detail archive wrote, and of the time writing them). The values are a
 * JSON array of [type_id, type_name, subtype_id, subtype_name, value]
 * arrays in key order; the view mountain_weather gives back the table of
 * before, column for column, for every reader. */
static const char schema_v4[] =
	"CREATE TABLE mountain_weather_packed ("
	" region_id INTEGER NOT NULL,"
	" lang_key INTEGER NOT NULL,"
	" valid_date TEXT NOT NULL,"
	" packed TEXT NOT NULL,"
	" PRIMARY KEY (region_id, lang_key, valid_date),"
	" FOREIGN KEY (region_id, lang_key, valid_date)"
	"  REFERENCES avalanche_warning (region_id, lang_key, valid_date)"
	"  ON DELETE CASCADE);"
	"INSERT INTO mountain_weather_packed"
	" SELECT region_id, lang_key, valid_date, json_group_array(json_array("
	"  type_id, type_name, subtype_id, subtype_name, value))"
	" FROM (SELECT * FROM mountain_weather ORDER BY region_id, lang_key,"
	"  valid_date, type_id, subtype_id)"
	" GROUP BY region_id, lang_key, valid_date;"
	"DROP TABLE mountain_weather;"
	"CREATE VIEW mountain_weather AS SELECT"
	" p.region_id AS region_id, p.lang_key AS lang_key,"
	" p.valid_date AS valid_date,"
	" json_extract(v.value, '$[0]') AS type_id,"
	" json_extract(v.value, '$[1]') AS type_name,"
	" json_extract(v.value, '$[2]') AS subtype_id,"
	" json_extract(v.value, '$[3]') AS subtype_name,"
	" json_extract(v.value, '$[4]') AS value"
	" FROM mountain_weather_packed p, json_each(p.packed) v;";

static const char *const schema_steps[] = {schema_v1, schema_v2, schema_v3,
					   schema_v4};

/* Child tables stored packed (schema 4): "<name>_packed" holds one row per
 * warning, its children's stored columns as a JSON array of arrays, and
 * the view <name> reads them as rows. */
static const char *const packed_tables[] = {"mountain_weather"};

/* The first version whose step adds a stored column (0: none yet). Opening
 * a database older than it rewrites every current row from its revision's
 * raw message once the steps ran (rewrite_from_revisions), so the new
 * column is filled and content_hash is the hash of the record a new run of
 * the same input makes: adding a field reports no spurious updates. */
static const int rewrite_from_version = 2;

#define KEY_NCOLS                                                              \
	3 /* region_id, lang_key, valid_date: first in every
		     * child table */
#define KEY_WHERE " WHERE region_id = ?1 AND lang_key = ?2 AND valid_date = ?3"
#define NCOLS(a) (sizeof(a) / sizeof *(a))
/* Child tables (LIST rows of the warning table) this backend can hold. */
#define MAX_CHILD 4

/* ------------------------------------------------------------- the handle */

enum {
	S_SP_BEGIN, /* SAVEPOINT: one put is all or nothing */
	S_SP_RELEASE,
	S_SP_ROLLBACK,
	S_Q_BEGIN, /* read snapshot for a query */
	S_Q_END,
	S_CURRENT,
	S_REV_INSERT,
	S_REV_COUNT,
	S_REV_SEEN,
	S_W_INSERT,
	S_W_DELETE,
	S_Q_WARNINGS,
	S_Q_WARNINGS_REGIONS,
	S_META_SET,
	S_STATS,
	S_COLUMN, /* does table ?1 have column ?2 */
	S__COUNT
};

/* The statements of one child table (one LIST row of the warning table). */
struct child_sql {
	const struct sk_field *f; /* the LIST row; f->child is the table */
	sqlite3_stmt *ins, *del, *sel;
	bool packed; /* one row per warning (packed_tables) */
};

struct sqlite_store {
	struct sk_store base; /* first: the wrappers see only this */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *s[S__COUNT];
	struct child_sql child[MAX_CHILD];
	size_t n_child;
	bool in_tx;           /* between begin and commit/rollback */
	bool batch;           /* begun by begin_batch: no savepoint per put */
	bool broken;          /* a put of the batch failed: rollback only */
	bool dirty;           /* this transaction changed something */
	bool querying;        /* a query's callback is running */
	sk_store_map_fn map;  /* the opener's raw -> clean (may be NULL) */
	struct sk_sqldb_z *z; /* raw_json's codec */
	struct sk_sqldb_ckpt *ckpt; /* the WAL's checkpoints, off the writer */
	struct sk_buf pack;         /* a packed child list being written */
	const struct sk_field *rev_copy[3]; /* rows of revision_copies */
};

/* ------------------------------------------------------- statement helpers */

static void stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Step a statement once (its rows, if any, are not wanted), then reset it. */
static sk_err_t run(struct sqlite_store *st, sqlite3_stmt *s, const char *what,
		    struct sk_error *err)
{
	int rc = sqlite3_step(s);
	sk_err_t r = SK_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = sk_sqldb_error(st->db, what, err);
	stmt_done(s);
	return r;
}

static sk_err_t bind_failed(int rc, struct sk_error *err)
{
	if (rc == SQLITE_NOMEM)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	return sk_error_set(err, SK_ERR_DB, false, "bind: %s (sqlite %d)",
			    sqlite3_errstr(rc), rc);
}

/* ------------------------------------------------------ field walk: bind
 *
 * The stored rows of a field table bind in row order (the column order)
 * from index idx on, each as sk_store_value says (the value the content
 * hash walks too). */

struct emit {
	sqlite3_stmt *s;
	int idx; /* next bind index */
	int rc;  /* first bind error */
	/* Text formatted here (UTC times) is bound from these, without a
	 * copy, when the emit outlives the statement's step; else copied. */
	char (*fmt)[SK_TIME_UTC_LEN];
	size_t n_fmt, cap_fmt;
};

/* Room for the formatted values of one row (its TIME rows). */
#define EMIT_FMT 16

static void emit_rc(struct emit *e, int rc)
{
	e->idx++;
	if (rc != SQLITE_OK && e->rc == SQLITE_OK)
		e->rc = rc;
}

/* Bound without a copy: s (the record's own text or the caller's) lives
 * until the statement has run; a copy only for text formatted here. */
static void emit_text_as(struct emit *e, const char *s,
			 sqlite3_destructor_type how)
{
	emit_rc(e, s ? sqlite3_bind_text(e->s, e->idx, s, -1, how)
		     : sqlite3_bind_null(e->s, e->idx));
}

static void emit_text(struct emit *e, const char *s)
{
	emit_text_as(e, s, SQLITE_STATIC);
}

static void emit_field(struct emit *e, const struct sk_field *f,
		       const void *rec)
{
	struct sk_store_value v;
	sk_store_value(f, rec, &v);
	if (v.kind == SK_STORE_INT) {
		emit_rc(e, sqlite3_bind_int64(e->s, e->idx, v.i));
	} else if (v.text == v.buf && e->n_fmt < e->cap_fmt) {
		char *keep = e->fmt[e->n_fmt++];
		memcpy(keep, v.buf, sizeof v.buf);
		emit_text_as(e, keep, SQLITE_STATIC);
	} else {
		emit_text_as(e, v.text,
			     v.text == v.buf ? SQLITE_TRANSIENT
					     : SQLITE_STATIC);
	}
}

static void emit_record(struct emit *e, const struct sk_table *t,
			const void *rec)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (sk_model_field_stored(&t->rows[i]))
			emit_field(e, &t->rows[i], rec);
}

/* The natural key (the warning table's SK_FIELD_KEY rows, in row order:
 * region_id, lang_key, valid_date) as ?1..?3. */
static int bind_key(sqlite3_stmt *s, const struct sk_warning *w)
{
	const struct sk_table *t = &sk_model_warning_table;
	struct emit e = {.s = s, .idx = 1};
	for (size_t i = 0; i < t->n_rows; i++)
		if (t->rows[i].flags & SK_FIELD_KEY)
			emit_field(&e, &t->rows[i], w);
	return e.rc;
}

/* The warning columns a warning_revision row copies (?6..?8), by name. */
static const char *const revision_copies[] = {"reg_id", "danger_level",
					      "main_text"};
_Static_assert(NCOLS(revision_copies) ==
		       NCOLS(((struct sqlite_store *)0)->rev_copy),
	       "one field pointer per revision copy");

/* --------------------------------------------------------------- open/close */

static void sqlite_close(struct sk_store *base)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (!st)
		return;
	if (st->db && st->in_tx)
		sk_sqldb_rollback(st->db);
	for (size_t i = 0; i < S__COUNT; i++)
		sqlite3_finalize(st->s[i]);
	for (size_t i = 0; i < st->n_child; i++) {
		sqlite3_finalize(st->child[i].ins);
		sqlite3_finalize(st->child[i].del);
		sqlite3_finalize(st->child[i].sel);
	}
	sk_sqldb_z_free(st->z);
	sk_buf_free(&st->pack);
	sk_sqldb_ckpt_stop(st->ckpt); /* before the close's own checkpoint */
	sk_sqldb_close(st->db);
	free(st->path);
	free(st);
}

/* The stored columns of t, comma-separated, after prefix (a list of key
 * columns, or ""); *n counts them all. */
static sk_err_t sql_cols(struct sk_buf *b, const char *prefix,
			 const struct sk_table *t, size_t *n)
{
	sk_err_t rc = sk_buf_puts(b, prefix);
	bool first = !*prefix;
	for (size_t i = 0; i < t->n_rows && rc == SK_OK; i++) {
		if (!sk_model_field_stored(&t->rows[i]))
			continue;
		rc = sk_buf_printf(b, "%s%s", first ? "" : ", ",
				   t->rows[i].name);
		first = false;
		(*n)++;
	}
	return rc;
}

/* "INSERT INTO t (key..., stored columns..., extra...) VALUES (?1, ...)". */
static sk_err_t sql_insert(struct sk_buf *b, const struct sk_table *t,
			   const char *key, size_t n_key, const char *extra,
			   size_t n_extra)
{
	size_t n = n_key + n_extra;
	sk_err_t rc = sk_buf_printf(b, "INSERT INTO %s (", t->name);
	if (rc == SK_OK)
		rc = sql_cols(b, key, t, &n);
	if (rc == SK_OK)
		rc = sk_buf_printf(b, "%s) VALUES (", extra);
	for (size_t i = 0; i < n && rc == SK_OK; i++)
		rc = sk_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
	if (rc == SK_OK)
		rc = sk_buf_puts(b, ")");
	return rc;
}

/* "SELECT stored columns FROM t" followed by tail. */
static sk_err_t sql_select(struct sk_buf *b, const struct sk_table *t,
			   const char *tail)
{
	size_t n = 0;
	sk_err_t rc = sk_buf_puts(b, "SELECT ");
	if (rc == SK_OK)
		rc = sql_cols(b, "", t, &n);
	if (rc == SK_OK)
		rc = sk_buf_printf(b, " FROM %s%s", t->name, tail);
	return rc;
}

/* " ORDER BY" the key rows of a child table, in row order. */
static sk_err_t sql_order(struct sk_buf *b, const struct sk_table *t)
{
	sk_err_t rc = sk_buf_puts(b, KEY_WHERE " ORDER BY ");
	bool first = true;
	for (size_t i = 0; i < t->n_rows && rc == SK_OK; i++) {
		if (!(t->rows[i].flags & SK_FIELD_KEY))
			continue;
		rc = sk_buf_printf(b, "%s%s", first ? "" : ", ",
				   t->rows[i].name);
		first = false;
	}
	return rc;
}

#define W_INSERT_EXTRA ", content_hash, revision_count"
#define KEY_COLS "region_id, lang_key, valid_date"

static const char q_warnings_tail[] =
	" WHERE valid_date >= ?1 AND valid_date <= ?2"
	" AND (?3 = 0 OR lang_key = ?3)"
	" AND (?4 IS NULL OR region_id IN (SELECT value FROM json_each(?4)))"
	" ORDER BY valid_date, region_id, lang_key LIMIT ?5";
/* The same for a list of regions: seeks on the primary key (region,
 * language, date) instead of reading every region's rows of the date
 * range (a region's season: 183 rows read, not 16,800). */
static const char q_regions_tail[] =
	" WHERE region_id IN (SELECT value FROM json_each(?4))"
	" AND lang_key IN (SELECT value FROM json_each(CASE ?3 WHEN 0 THEN"
	" '[1,2]' ELSE json_array(?3) END))"
	" AND valid_date >= ?1 AND valid_date <= ?2"
	" ORDER BY valid_date, region_id, lang_key LIMIT ?5";

static const struct {
	int id;
	const char *sql;
} fixed_sql[] = {
	{S_SP_BEGIN, "SAVEPOINT sk_put"},
	{S_SP_RELEASE, "RELEASE sk_put"},
	{S_SP_ROLLBACK, "ROLLBACK TO sk_put"},
	{S_Q_BEGIN, "SAVEPOINT sk_query"},
	{S_Q_END, "RELEASE sk_query"},
	{S_CURRENT,
	 "SELECT publish_time, content_hash FROM avalanche_warning" KEY_WHERE},
	{S_REV_INSERT,
	 "INSERT OR IGNORE INTO warning_revision (region_id, lang_key,"
	 " valid_date, publish_time, content_hash, reg_id, danger_level,"
	 " main_text, raw_json, first_seen)"
	 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
	{S_REV_COUNT, "SELECT count(*) FROM warning_revision" KEY_WHERE},
	{S_REV_SEEN, "SELECT 1 FROM warning_revision" KEY_WHERE
		     " AND publish_time = ?4 AND content_hash = ?5"},
	{S_W_DELETE, "DELETE FROM avalanche_warning" KEY_WHERE},
	{S_META_SET, "INSERT OR REPLACE INTO store_meta (key, value)"
		     " VALUES ('last_write', ?1)"},
	{S_STATS, "SELECT (SELECT count(*) FROM avalanche_warning),"
		  " (SELECT count(*) FROM avalanche_problem),"
		  " (SELECT count(*) FROM warning_revision),"
		  " (SELECT value FROM store_meta WHERE key = 'last_write'),"
		  " (SELECT min(valid_date) FROM avalanche_warning),"
		  " (SELECT max(valid_date) FROM avalanche_warning)"},
	{S_COLUMN, "SELECT type, \"notnull\", cid FROM pragma_table_info(?1)"
		   " WHERE name = ?2"},
};

/* Prepare the SQL built in b into *out, or record the build failure. */
static sk_err_t prepare_built(struct sqlite_store *st, sqlite3_stmt **out,
			      struct sk_buf *b, sk_err_t built,
			      const char *table, struct sk_error *err)
{
	if (built != SK_OK)
		return sk_error_set(err, built, false, "building SQL for %s",
				    table);
	return sk_sqldb_prepare(st->db, out, b->data, err);
}

static bool is_packed(const struct sk_table *t)
{
	for (size_t i = 0; i < NCOLS(packed_tables); i++)
		if (!strcmp(t->name, packed_tables[i]))
			return true;
	return false;
}

/* The statements the field tables make: the warning row's insert and
 * queries, and insert / delete / select per child table. */
static sk_err_t prepare_tables(struct sqlite_store *st, struct sk_error *err)
{
	const struct sk_table *wt = &sk_model_warning_table;
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_err_t rc =
		prepare_built(st, &st->s[S_W_INSERT], &b,
			      sql_insert(&b, wt, "", 0, W_INSERT_EXTRA, 2),
			      wt->name, err);
	sk_buf_reset(&b);
	if (rc == SK_OK)
		rc = prepare_built(st, &st->s[S_Q_WARNINGS], &b,
				   sql_select(&b, wt, q_warnings_tail),
				   wt->name, err);
	sk_buf_reset(&b);
	if (rc == SK_OK)
		rc = prepare_built(st, &st->s[S_Q_WARNINGS_REGIONS], &b,
				   sql_select(&b, wt, q_regions_tail), wt->name,
				   err);
	for (size_t i = 0; i < NCOLS(revision_copies) && rc == SK_OK; i++)
		if (!(st->rev_copy[i] =
			      sk_model_table_field(wt, revision_copies[i])))
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "internal: no warning row %s",
					  revision_copies[i]);
	for (size_t i = 0; i < wt->n_rows && rc == SK_OK; i++) {
		const struct sk_field *f = &wt->rows[i];
		if (f->kind != SK_FIELD_LIST)
			continue;
		if (st->n_child == MAX_CHILD) {
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "internal: more than %d child tables",
					  MAX_CHILD);
			break;
		}
		struct child_sql *c = &st->child[st->n_child++];
		const struct sk_table *ct = f->child;
		c->f = f;
		c->packed = is_packed(ct);
		const char *stored = c->packed ? "_packed" : "";
		sk_buf_reset(&b);
		rc = prepare_built(
			st, &c->ins, &b,
			c->packed ? sk_buf_printf(&b,
						  "INSERT INTO %s_packed "
						  "(" KEY_COLS
						  ", packed) VALUES (?1, ?2, "
						  "?3, ?4)",
						  ct->name)
				  : sql_insert(&b, ct, KEY_COLS, KEY_NCOLS, "",
					       0),
			ct->name, err);
		sk_buf_reset(&b);
		if (rc == SK_OK)
			rc = prepare_built(
				st, &c->del, &b,
				sk_buf_printf(&b, "DELETE FROM %s%s" KEY_WHERE,
					      ct->name, stored),
				ct->name, err);
		sk_buf_reset(&b);
		if (rc == SK_OK) {
			sk_err_t built = sql_select(&b, ct, "");
			if (built == SK_OK)
				built = sql_order(&b, ct);
			rc = prepare_built(st, &c->sel, &b, built, ct->name,
					   err);
		}
	}
	sk_buf_free(&b);
	return rc;
}

static sk_err_t prepare_all(struct sqlite_store *st, struct sk_error *err)
{
	for (size_t i = 0; i < NCOLS(fixed_sql); i++)
		if (sk_sqldb_prepare(st->db, &st->s[fixed_sql[i].id],
				     fixed_sql[i].sql, err) != SK_OK)
			return SK_ERR_DB;
	sk_err_t rc = prepare_tables(st, err);
	for (size_t i = 0; i < S__COUNT && rc == SK_OK; i++)
		if (!st->s[i])
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "internal: statement %zu missing", i);
	return rc;
}

/* The SQLite type a row's kind is stored as. */
static const char *sql_type(enum sk_field_kind k)
{
	switch (k) {
	case SK_FIELD_TEXT:
	case SK_FIELD_DATE:
	case SK_FIELD_TIME:
		return "TEXT";
	default:
		return "INTEGER";
	}
}

/* Every stored row of every field table must be a column of its table,
 * of its kind's type, NOT NULL exactly when the row is not nullable: a
 * row added to a table without its migration (a new schema step) is an
 * error here, at open, not a failed insert later. */
static sk_err_t check_tables(struct sqlite_store *st, struct sk_error *err)
{
	size_t n;
	const struct sk_table *const *tables = sk_model_tables(&n);
	sqlite3_stmt *s = st->s[S_COLUMN];
	for (size_t t = 0; t < n; t++) {
		/* A packed table's view has no declared types or constraints:
		 * its column at the value's place in the packed arrays. */
		bool packed = is_packed(tables[t]);
		int place = KEY_NCOLS;
		for (size_t i = 0; i < tables[t]->n_rows; i++) {
			const struct sk_field *f = &tables[t]->rows[i];
			if (!sk_model_field_stored(f))
				continue;
			place++;
			int brc = sk_sqldb_bind_text(s, 1, tables[t]->name);
			if (brc == SQLITE_OK)
				brc = sk_sqldb_bind_text(s, 2, f->name);
			if (brc != SQLITE_OK) {
				stmt_done(s);
				return bind_failed(brc, err);
			}
			int step = sqlite3_step(s);
			bool ok = step == SQLITE_ROW;
			if (ok) {
				const char *type =
					(const char *)sqlite3_column_text(s, 0);
				bool notnull = sqlite3_column_int(s, 1) != 0;
				bool nullable = (f->flags &
						 SK_FIELD_NULLABLE) != 0;
				/* Key columns are NOT NULL by the key. */
				ok = packed ? sqlite3_column_int(s, 2) ==
						      place - 1
					    : type &&
						      !strcmp(type,
							      sql_type(
								      f->kind)) &&
						      (notnull != nullable ||
						       (f->flags &
							SK_FIELD_KEY));
			}
			stmt_done(s);
			if (step != SQLITE_ROW && step != SQLITE_DONE)
				return sk_sqldb_error(st->db, "table_info",
						      err);
			if (!ok)
				return sk_error_set(
					err, SK_ERR_DB, false,
					"column %s.%s is missing or not %s%s "
					"(a field table row without its schema "
					"step?)",
					tables[t]->name, f->name,
					sql_type(f->kind),
					(f->flags & SK_FIELD_NULLABLE)
						? ""
						: " NOT NULL");
		}
	}
	return SK_OK;
}

static sk_err_t replace_current(struct sqlite_store *st,
				const struct sk_warning *w, const char *hash,
				int64_t revisions, struct sk_error *err);

/* One key of avalanche_warning and what rewrite_from_revisions needs. */
struct rewrite_key {
	struct sk_warning k; /* only the key members are set */
	char pub[SK_TIME_UTC_LEN];
	char hash[SK_STORE_HASH_LEN];
	int64_t revisions;
};

/* Map a revision's raw message again (as a put maps it) and hash it. *w
 * NULL when it does not map (or its stored bytes do not decode). */
static void remap(struct sqlite_store *st, sqlite3_stmt *s, int col,
		  struct sk_warning **w, char hash[SK_STORE_HASH_LEN])
{
	struct sk_error why = {0};
	const char *raw = NULL;
	size_t len = 0;
	const void *stored = sqlite3_column_blob(s, col);
	*w = NULL;
	if (!stored ||
	    sk_sqldb_z_decode(st->z, stored,
			      (size_t)sqlite3_column_bytes(s, col), &raw, &len,
			      &why) != SK_OK ||
	    st->map(raw, len, w, &why) != SK_OK ||
	    sk_store_content_hash(*w, hash, &why) != SK_OK) {
		sk_warning_free(*w);
		*w = NULL;
	}
}

/* After a schema step that added stored columns: every current row is
 * rewritten from its revision (the one with its publish time whose stored
 * or new hash is the row's), and every revision whose message hashes
 * otherwise now gets that hash. One transaction; rows whose revision does
 * not map keep what they have (a later run updates them). */
static sk_err_t rewrite_from_revisions(struct sqlite_store *st,
				       struct sk_error *err)
{
	struct rewrite_key *keys = NULL;
	size_t n = 0, cap = 0, rows = 0, revs = 0;
	sqlite3_stmt *sel = NULL, *rev = NULL, *all = NULL, *upd = NULL;
	sk_err_t rc = sk_sqldb_begin(st->db, err);
	if (rc != SK_OK)
		return rc;
	if ((rc = sk_sqldb_prepare(st->db, &sel,
				   "SELECT region_id, lang_key, valid_date, "
				   "publish_time, content_hash, revision_count "
				   "FROM avalanche_warning",
				   err)) != SK_OK ||
	    (rc = sk_sqldb_prepare(st->db, &rev,
				   "SELECT content_hash, raw_json FROM "
				   "warning_revision" KEY_WHERE
				   " AND publish_time = ?4",
				   err)) != SK_OK ||
	    (rc = sk_sqldb_prepare(st->db, &all,
				   "SELECT region_id, lang_key, valid_date, "
				   "publish_time, content_hash, raw_json FROM "
				   "warning_revision",
				   err)) != SK_OK ||
	    (rc = sk_sqldb_prepare(st->db, &upd,
				   "UPDATE OR IGNORE warning_revision SET "
				   "content_hash = ?6" KEY_WHERE
				   " AND publish_time = ?4 AND content_hash = "
				   "?5",
				   err)) != SK_OK)
		goto done;
	/* The keys first: the rows are replaced while they are read. */
	while (sqlite3_step(sel) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : 256;
			struct rewrite_key *k = realloc(keys, c * sizeof *k);
			if (!k) {
				rc = sk_error_set(err, SK_ERR_NOMEM, false,
						  "out of memory");
				goto done;
			}
			keys = k;
			cap = c;
		}
		struct rewrite_key *k = &keys[n++];
		memset(k, 0, sizeof *k);
		k->k.region_id = sqlite3_column_int(sel, 0);
		k->k.lang_key = sqlite3_column_int(sel, 1);
		snprintf(k->k.valid_date, sizeof k->k.valid_date, "%s",
			 (const char *)sqlite3_column_text(sel, 2));
		const char *p = (const char *)sqlite3_column_text(sel, 3);
		snprintf(k->pub, sizeof k->pub, "%s", p ? p : "");
		snprintf(k->hash, sizeof k->hash, "%s",
			 (const char *)sqlite3_column_text(sel, 4));
		k->revisions = sqlite3_column_int64(sel, 5);
	}
	for (size_t i = 0; i < n && rc == SK_OK; i++) {
		struct rewrite_key *k = &keys[i];
		int brc = bind_key(rev, &k->k);
		if (brc == SQLITE_OK)
			brc = sk_sqldb_bind_text(rev, 4, k->pub);
		if (brc != SQLITE_OK) {
			rc = bind_failed(brc, err);
			break;
		}
		struct sk_warning *w = NULL;
		char hash[SK_STORE_HASH_LEN] = "";
		while (!w && sqlite3_step(rev) == SQLITE_ROW) {
			const char *h = (const char *)sqlite3_column_text(rev,
									  0);
			remap(st, rev, 1, &w, hash);
			if (w && strcmp(hash, k->hash) != 0 &&
			    (!h || strcmp(h, k->hash) != 0)) {
				sk_warning_free(w);
				w = NULL;
			}
		}
		stmt_done(rev);
		if (!w)
			continue;
		rc = replace_current(st, w, hash, k->revisions, err);
		sk_warning_free(w);
		rows++;
	}
	while (rc == SK_OK && sqlite3_step(all) == SQLITE_ROW) {
		struct sk_warning *w = NULL;
		char hash[SK_STORE_HASH_LEN];
		const char *h = (const char *)sqlite3_column_text(all, 4);
		remap(st, all, 5, &w, hash);
		if (!w || (h && !strcmp(h, hash))) {
			sk_warning_free(w);
			continue;
		}
		sk_warning_free(w);
		int brc = SQLITE_OK;
		for (int c = 0; c < 5 && brc == SQLITE_OK; c++)
			brc = sqlite3_bind_value(upd, c + 1,
						 sqlite3_column_value(all, c));
		if (brc == SQLITE_OK)
			brc = sk_sqldb_bind_text(upd, 6, hash);
		rc = brc != SQLITE_OK ? bind_failed(brc, err)
				      : run(st, upd, "rehash revision", err);
		revs++;
	}
done:
	free(keys);
	sqlite3_finalize(sel);
	sqlite3_finalize(rev);
	sqlite3_finalize(all);
	sqlite3_finalize(upd);
	if (rc == SK_OK)
		rc = sk_sqldb_commit(st->db, err);
	if (rc != SK_OK) {
		sk_sqldb_rollback(st->db);
		return rc;
	}
	sk_log(SK_LOG_INFO, "store",
	       "%s: %zu rows rewritten from their revisions, %zu revisions "
	       "rehashed (new stored columns)",
	       st->path, rows, revs);
	return SK_OK;
}

/* PRAGMA user_version. */
static sk_err_t db_version(struct sqlite_store *st, int *v,
			   struct sk_error *err)
{
	sqlite3_stmt *s = NULL;
	sk_err_t rc = sk_sqldb_prepare(st->db, &s, "PRAGMA user_version", err);
	if (rc == SK_OK && sqlite3_step(s) == SQLITE_ROW)
		*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc;
}

/* o->data_dir (created if missing). Opens or creates
 * <data_dir>/warehouse.db, migrates it to the current schema, checks it
 * against the field tables and prepares every statement. Errors:
 * SK_ERR_CONFIG/SK_ERR_IO for the directory, SK_ERR_CONFIG for a database
 * whose migration rewrites rows when o->map is NULL (nothing changed),
 * SK_ERR_DB for the database (including a schema newer than this build),
 * SK_ERR_NOMEM. */
static sk_err_t sqlite_open(struct sk_store **out,
			    const struct sk_store_opts *o, struct sk_error *err)
{
	*out = NULL;
	const char *dir = o->data_dir;
	if (!dir || !*dir)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "store: data_dir is not set");
	sk_err_t rc = sk_mkdir_p(dir, err);
	if (rc != SK_OK)
		return rc;
	struct sqlite_store *st = calloc(1, sizeof *st);
	if (!st)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	st->base.type = &sk_store_sqlite;
	st->map = o->map;
	sk_buf_init(&st->pack, SK_LIMIT_WARNING_JSON);
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	if ((rc = sk_buf_printf(&b, "%s/warehouse.db", dir)) != SK_OK) {
		sk_error_set(err, rc, false, "warehouse path");
		goto fail;
	}
	st->path = sk_buf_steal(&b);
	if (!st->path) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto fail;
	}
	if ((rc = sk_sqldb_open(&st->db, st->path, err)) != SK_OK)
		goto fail;
	/* Each put is a savepoint: its statement journal (the pages the put
	 * changes, dropped at its release) is kept in memory, not written to
	 * a temporary file - that file took most of process's writes. */
	if ((rc = sk_sqldb_exec(st->db, "PRAGMA temp_store=MEMORY;", err)) !=
	    SK_OK)
		goto fail;
	int before = 0;
	if ((rc = db_version(st, &before, err)) == SK_OK && before > 0 &&
	    rewrite_from_version > 0 && before < rewrite_from_version &&
	    !st->map)
		rc = sk_error_set(err, SK_ERR_CONFIG, false,
				  "schema version %d needs its current rows "
				  "rewritten from their revisions' raw "
				  "messages, and the store was opened without "
				  "a mapping (sk_store_opts.map); not migrated",
				  before);
	if (rc != SK_OK ||
	    (rc = sk_sqldb_migrate(st->db, "warehouse", schema_steps,
				   NCOLS(schema_steps), err)) != SK_OK) {
		sk_error_prefix(err, "%s", st->path);
		goto fail;
	}
	/* Commits leave the WAL's checkpoints to a thread of their own
	 * (sqldb's): 12 % of process's writing thread otherwise. */
	if ((rc = sk_sqldb_z_new(&st->z, err)) != SK_OK ||
	    (rc = sk_sqldb_ckpt_start(st->db, st->path, 0, &st->ckpt, err)) !=
		    SK_OK ||
	    (rc = prepare_all(st, err)) != SK_OK ||
	    (rc = check_tables(st, err)) != SK_OK ||
	    (before > 0 && rewrite_from_version > 0 &&
	     before < rewrite_from_version &&
	     (rc = rewrite_from_revisions(st, err)) != SK_OK)) {
		sk_error_prefix(err, "%s", st->path);
		goto fail;
	}
	sk_log(SK_LOG_DEBUG, "store", "backend=sqlite path=%s opened",
	       st->path);
	*out = &st->base;
	return SK_OK;
fail:
	sk_buf_free(&b);
	sqlite_close(&st->base);
	return rc;
}

/* ------------------------------------------------------------ transactions */

static sk_err_t sqlite_begin(struct sk_store *base, struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (st->in_tx || st->querying)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: begin while a %s is open",
				    st->in_tx ? "transaction" : "query");
	sk_err_t rc = sk_sqldb_begin(st->db, err);
	if (rc != SK_OK)
		return rc;
	st->in_tx = true;
	st->dirty = false;
	st->batch = false;
	st->broken = false;
	return SK_OK;
}

/* The same, without a savepoint per put: the caller rolls back the whole
 * transaction when a put fails (the savepoint's statement journal copied
 * every page a put touched). */
static sk_err_t sqlite_begin_batch(struct sk_store *base, struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	sk_err_t rc = sqlite_begin(base, err);
	if (rc == SK_OK)
		st->batch = true;
	return rc;
}

/* Stamps last_write when the transaction changed anything, then commits.
 * A failed commit rolls back: nothing of the transaction is stored and the
 * store is ready for the next begin. */
static sk_err_t sqlite_commit(struct sk_store *base, struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (!st->in_tx || st->querying)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: commit without begin");
	if (st->broken)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: commit of a batch whose put failed "
				    "(roll it back)");
	sk_err_t rc = SK_OK;
	if (st->dirty) {
		char ms[32];
		snprintf(ms, sizeof ms, "%lld", (long long)sk_now_ms());
		int brc = sk_sqldb_bind_text(st->s[S_META_SET], 1, ms);
		if (brc != SQLITE_OK)
			rc = bind_failed(brc, err);
		else
			rc = run(st, st->s[S_META_SET], "store_meta", err);
		stmt_done(st->s[S_META_SET]);
	}
	if (rc == SK_OK)
		rc = sk_sqldb_commit(st->db, err);
	if (rc != SK_OK) {
		sk_error_prefix(err, "%s: commit", st->path);
		sk_sqldb_rollback(st->db);
	}
	st->in_tx = false;
	st->dirty = false;
	return rc;
}

static void sqlite_rollback(struct sk_store *base)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (!st->in_tx)
		return;
	sk_sqldb_rollback(st->db);
	st->in_tx = false;
	st->dirty = false;
	st->broken = false;
}

/* ------------------------------------------------------------------- put */

/* v in decimal (sk_buf_printf was a fifth of a packed row's time). */
static void put_int(struct sk_buf *b, int64_t v)
{
	char d[24], *p = d + sizeof d;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	(void)sk_buf_append(b, p, (size_t)(d + sizeof d - p));
}

/* One packed row: the n children of c's list in key order, each the JSON
 * array of its stored values in column order (the view's columns). */
static sk_err_t insert_packed(struct sqlite_store *st,
			      const struct child_sql *c,
			      const struct sk_warning *w, size_t n,
			      struct sk_error *err)
{
	const struct sk_table *ct = c->f->child;
	const void *sorted[SK_LIMIT_WEATHER_VALUES];
	if (n > NCOLS(sorted))
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "%zu %s: more than the limit %zu", n,
				    ct->what, NCOLS(sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = sk_model_field_list_cchild(c->f, w, i);
	if (sk_model_sort_by_key(ct, sorted, n))
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "two %s with the same key", ct->what);
	struct sk_buf *b = &st->pack;
	sk_buf_reset(b);
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		(void)sk_buf_puts(b, i ? ",[" : "[[");
		for (size_t j = 0; j < ct->n_rows; j++) {
			const struct sk_field *f = &ct->rows[j];
			if (!sk_model_field_stored(f))
				continue;
			struct sk_store_value v;
			sk_store_value(f, sorted[i], &v);
			if (!first)
				(void)sk_buf_puts(b, ",");
			first = false;
			if (v.kind == SK_STORE_INT)
				put_int(b, v.i);
			else
				(void)sk_model_json_string(b, v.text);
		}
		(void)sk_buf_puts(b, "]");
	}
	(void)sk_buf_puts(b, "]");
	sk_err_t rc = sk_buf_finish(b);
	if (rc != SK_OK)
		return sk_error_set(err, rc, false, "packing %s", ct->what);
	sqlite3_stmt *s = c->ins;
	int brc = bind_key(s, w);
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_text(s, KEY_NCOLS + 1, b->data, (int)b->len,
					SQLITE_STATIC);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	return run(st, s, ct->name, err);
}

/* Insert the row (with its hash and revision_count) and its children. */
static sk_err_t insert_current(struct sqlite_store *st,
			       const struct sk_warning *w, const char *hash,
			       int64_t revisions, struct sk_error *err)
{
	sqlite3_stmt *s = st->s[S_W_INSERT];
	char fmt[EMIT_FMT][SK_TIME_UTC_LEN]; /* until the insert has run */
	struct emit e = {.s = s, .idx = 1, .fmt = fmt, .cap_fmt = EMIT_FMT};
	emit_record(&e, &sk_model_warning_table, w);
	emit_text(&e, hash);
	emit_rc(&e, sqlite3_bind_int64(s, e.idx, revisions));
	if (e.rc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(e.rc, err);
	}
	if (e.idx != sqlite3_bind_parameter_count(s) + 1) {
		stmt_done(s);
		return sk_error_set(err, SK_ERR_STORE, false,
				    "internal: %d warning values for %d "
				    "columns",
				    e.idx - 1, sqlite3_bind_parameter_count(s));
	}
	sk_err_t rc = run(st, s, "insert avalanche_warning", err);

	/* Children: the same walk per child table, after the key. */
	for (size_t k = 0; k < st->n_child && rc == SK_OK; k++) {
		const struct child_sql *c = &st->child[k];
		size_t n = sk_model_field_list_count(c->f, w);
		if (c->packed) {
			if (n)
				rc = insert_packed(st, c, w, n, err);
			continue;
		}
		for (size_t i = 0; i < n && rc == SK_OK; i++) {
			s = c->ins;
			e = (struct emit){.s = s,
					  .idx = KEY_NCOLS + 1,
					  .rc = bind_key(s, w)};
			emit_record(&e, c->f->child,
				    sk_model_field_list_cchild(c->f, w, i));
			rc = e.rc != SQLITE_OK
				     ? bind_failed(e.rc, err)
				     : run(st, s, c->f->child->name, err);
			stmt_done(s);
		}
	}
	return rc;
}

/* Run a keyed statement (a delete). */
static sk_err_t run_keyed(struct sqlite_store *st, sqlite3_stmt *s,
			  const struct sk_warning *w, const char *what,
			  struct sk_error *err)
{
	int brc = bind_key(s, w);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	return run(st, s, what, err);
}

/* Replace the current row: children first, then the row, then insert. */
static sk_err_t replace_current(struct sqlite_store *st,
				const struct sk_warning *w, const char *hash,
				int64_t revisions, struct sk_error *err)
{
	sk_err_t rc = SK_OK;
	for (size_t k = 0; k < st->n_child && rc == SK_OK; k++)
		rc = run_keyed(st, st->child[k].del, w,
			       st->child[k].f->child->name, err);
	if (rc == SK_OK)
		rc = run_keyed(st, st->s[S_W_DELETE], w, "delete warning", err);
	if (rc == SK_OK)
		rc = insert_current(st, w, hash, revisions, err);
	return rc;
}

/* Add the revision (if new) of wr->w. *added says whether a row was
 * written. */
static sk_err_t add_revision(struct sqlite_store *st,
			     const struct sk_store_write *wr, const char *pub,
			     bool *added, struct sk_error *err)
{
	const struct sk_warning *w = wr->w;
	const char *hash = wr->hash, *raw = wr->raw;
	size_t raw_len = wr->raw_len;
	sqlite3_stmt *s = st->s[S_REV_INSERT];
	char now[SK_TIME_UTC_LEN];
	sk_time_format_utc(sk_now_ms(), now);
	int brc = bind_key(s, w);
	/* A missing publish time is '' here: NULL is never equal to NULL, so
	 * it could not deduplicate as part of the primary key. */
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 4, pub);
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 5, hash);
	struct emit e = {.s = s, .idx = 6, .rc = brc};
	for (size_t i = 0; i < NCOLS(st->rev_copy); i++)
		emit_field(&e, st->rev_copy[i], w);
	brc = e.rc;
	/* Compressed (a BLOB), or as it is (TEXT, as before schema 3). */
	const void *enc = raw;
	size_t enc_len = raw_len;
	if (raw && wr->encoded && wr->enc) {
		enc = wr->enc; /* by sqlite_enc_raw */
		enc_len = wr->enc_len;
	} else if (raw && !wr->encoded &&
		   sk_sqldb_z_encode(st->z, raw, raw_len, &enc, &enc_len,
				     err) != SK_OK) {
		stmt_done(s);
		return err->code;
	}
	if (brc == SQLITE_OK)
		brc = !raw ? sqlite3_bind_null(s, 9)
		      : enc != raw
			      ? sqlite3_bind_blob64(s, 9, enc, enc_len,
						    SQLITE_STATIC)
			      : sqlite3_bind_text64(s, 9, raw, raw_len,
						    SQLITE_STATIC, SQLITE_UTF8);
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 10, now);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	sk_err_t rc = run(st, s, "insert warning_revision", err);
	*added = rc == SK_OK && sqlite3_changes(st->db) > 0;
	return rc;
}

/* Count revisions of w's key into *n. */
static sk_err_t count_revisions(struct sqlite_store *st,
				const struct sk_warning *w, int64_t *n,
				struct sk_error *err)
{
	sqlite3_stmt *s = st->s[S_REV_COUNT];
	int brc = bind_key(s, w);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	sk_err_t rc = SK_OK;
	if (sqlite3_step(s) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	else
		rc = sk_sqldb_error(st->db, "count revisions", err);
	stmt_done(s);
	return rc;
}

/* The current row of w's key: found, publish time (NULL or '' = none) and
 * hash. Only between begin and commit, outside a query. */
static sk_err_t sqlite_current(struct sk_store *base,
			       const struct sk_warning *w,
			       struct sk_store_current *cur,
			       struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (!st->in_tx || st->querying)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: put outside begin/commit");
	if (st->broken)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: put after a failed put of the "
				    "batch "
				    "(roll it back)");
	sqlite3_stmt *s = st->s[S_CURRENT];
	int brc = bind_key(s, w);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	sk_err_t rc = SK_OK;
	int step = sqlite3_step(s);
	memset(cur, 0, sizeof *cur);
	cur->found = step == SQLITE_ROW;
	if (step == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0);
		const char *h = (const char *)sqlite3_column_text(s, 1);
		cur->has_pub = p && *p && sk_time_parse_utc(p, &cur->pub_ms);
		if (p && *p && !cur->has_pub)
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "stored publish_time '%s' is not UTC "
					  "text",
					  p);
		snprintf(cur->hash, sizeof cur->hash, "%s", h ? h : "");
	} else if (step != SQLITE_DONE) {
		rc = sk_sqldb_error(st->db, "read current row", err);
	}
	stmt_done(s);
	return rc;
}

/* w's publish time as stored in warning_revision: UTC text, '' for none
 * (NULL is never equal to NULL, so it could not deduplicate as part of the
 * primary key). */
static const char *rev_pub(const struct sk_warning *w,
			   char buf[SK_TIME_UTC_LEN])
{
	if (!w->publish_time.has_utc)
		return "";
	sk_time_format_utc(w->publish_time.utc_ms, buf);
	return buf;
}

static sk_err_t sqlite_revision_seen(struct sk_store *base,
				     const struct sk_warning *w,
				     const char *hash, bool *seen,
				     struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	sqlite3_stmt *s = st->s[S_REV_SEEN];
	char pub[SK_TIME_UTC_LEN];
	int brc = bind_key(s, w);
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 4, rev_pub(w, pub));
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 5, hash);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	int step = sqlite3_step(s);
	*seen = step == SQLITE_ROW;
	sk_err_t rc = step == SQLITE_ROW || step == SQLITE_DONE
			      ? SK_OK
			      : sk_sqldb_error(st->db, "read revision", err);
	stmt_done(s);
	return rc;
}

/* Records the revision (INSERT OR IGNORE) when asked, then for INSERTED /
 * UPDATED inserts or replaces the current row and its children, with the
 * key's revision count; all in a savepoint, so a failed write leaves the
 * transaction as it was before the put. */
static sk_err_t sqlite_write(struct sk_store *base,
			     const struct sk_store_write *wr,
			     struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	const struct sk_warning *w = wr->w;
	char pub[SK_TIME_UTC_LEN];
	sk_err_t rc = st->batch ? SK_OK
				: run(st, st->s[S_SP_BEGIN], "savepoint", err);
	if (rc != SK_OK)
		return rc;
	bool added = false;
	bool current = wr->what == SK_STORE_INSERTED ||
		       wr->what == SK_STORE_UPDATED;
	if (wr->revision &&
	    (rc = add_revision(st, wr, rev_pub(w, pub), &added, err)) != SK_OK)
		goto fail;
	if (current) {
		int64_t revisions = 0;
		if ((rc = count_revisions(st, w, &revisions, err)) != SK_OK)
			goto fail;
		rc = wr->what == SK_STORE_INSERTED
			     ? insert_current(st, w, wr->hash, revisions, err)
			     : replace_current(st, w, wr->hash, revisions, err);
		if (rc != SK_OK)
			goto fail;
	}
	if (!st->batch &&
	    (rc = run(st, st->s[S_SP_RELEASE], "release", err)) != SK_OK)
		goto fail;
	if (added || current)
		st->dirty = true;
	return SK_OK;

fail:
	if (st->batch) {
		/* Part-written: the caller rolls the batch back. */
		st->broken = true;
		return rc;
	}
	/* Undo this put only; the surrounding transaction stays usable. */
	sqlite3_step(st->s[S_SP_ROLLBACK]);
	stmt_done(st->s[S_SP_ROLLBACK]);
	sqlite3_step(st->s[S_SP_RELEASE]);
	stmt_done(st->s[S_SP_RELEASE]);
	if (sqlite3_get_autocommit(st->db)) {
		/* SQLite itself rolled the transaction back (full disk, I/O
		 * error): later puts must not run outside one. */
		st->in_tx = false;
		st->dirty = false;
		sk_error_prefix(err, "transaction rolled back");
	}
	return rc;
}

/* ----------------------------------------------------- raw value encoder */

/* raw_json's codec, one per thread that encodes ahead (sk_store_enc_new). */
struct sk_store_enc {
	struct sk_sqldb_z *z;
};

static sk_err_t sqlite_enc_new(struct sk_store *base, struct sk_store_enc **out,
			       struct sk_error *err)
{
	(void)base;
	struct sk_store_enc *e = calloc(1, sizeof *e);
	if (!e)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	sk_err_t rc = sk_sqldb_z_new(&e->z, err);
	if (rc != SK_OK) {
		free(e);
		return rc;
	}
	*out = e;
	return SK_OK;
}

/* What add_revision would bind: a copy of the codec's BLOB, or NULL when
 * raw is kept as it is (TEXT). */
static sk_err_t sqlite_enc_raw(struct sk_store_enc *e, const char *raw,
			       size_t len, void **out, size_t *out_len,
			       struct sk_error *err)
{
	const void *enc = raw;
	size_t n = len;
	*out = NULL;
	*out_len = 0;
	if (!raw)
		return SK_OK;
	sk_err_t rc = sk_sqldb_z_encode(e->z, raw, len, &enc, &n, err);
	if (rc != SK_OK || enc == raw)
		return rc;
	if (!(*out = malloc(n ? n : 1)))
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	memcpy(*out, enc, n);
	*out_len = n;
	return SK_OK;
}

static void sqlite_enc_free(struct sk_store_enc *e)
{
	if (!e)
		return;
	sk_sqldb_z_free(e->z);
	free(e);
}

/* ------------------------------------------------------------------ query */

/* Reads the stored rows of a field table from a result row, in order. */
struct reader {
	sqlite3_stmt *s;
	int i;
	bool nomem;
	bool bad_time;
};

/* One column into its member; rec starts as sk_model_record_init left it
 * (absent values), so NULL leaves the member absent. */
static void rd_field(struct reader *r, const struct sk_field *f, void *rec)
{
	int i = r->i++;
	bool null = sqlite3_column_type(r->s, i) == SQLITE_NULL;
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
	case SK_FIELD_TRI:
	case SK_FIELD_BOOL:
		if (!null)
			sk_model_field_set_int(f, rec,
					       sqlite3_column_int64(r->s, i));
		break;
	case SK_FIELD_TEXT:
		if (!null) {
			char *t = sk_sqldb_column_dup(r->s, i);
			if (!t)
				r->nomem = true;
			sk_model_field_set_text(f, rec, t);
		}
		break;
	case SK_FIELD_DATE: {
		const char *d = (const char *)sqlite3_column_text(r->s, i);
		snprintf(sk_model_field_ptr(f, rec), f->size, "%s", d ? d : "");
		break;
	}
	case SK_FIELD_TIME: {
		struct sk_time_field *t = sk_model_field_time(f, rec);
		const char *v = (const char *)sqlite3_column_text(r->s, i);
		t->has_utc = v && sk_time_parse_utc(v, &t->utc_ms);
		if (v && !t->has_utc)
			r->bad_time = true;
		break;
	}
	case SK_FIELD_LIST:
		r->i--;
		break;
	}
}

static void rd_record(struct reader *r, const struct sk_table *t, void *rec)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (sk_model_field_stored(&t->rows[i]))
			rd_field(r, &t->rows[i], rec);
}

/* Append a new child (absent values) to the list of row f of rec; *out is
 * it. At most f->limit (SK_ERR_LIMIT). */
static sk_err_t child_append(const struct sk_field *f, void *rec, void **out,
			     struct sk_error *err)
{
	void **arr = sk_model_field_ptr(f, rec);
	size_t *n = (size_t *)((char *)rec + f->count_off);
	if (*n >= f->limit)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "more than %zu %s in one warning", f->limit,
				    f->child->what);
	char *p = realloc(*arr, (*n + 1) * f->child->size);
	if (!p)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	*arr = p;
	*out = p + *n * f->child->size;
	sk_model_record_init(f->child, *out);
	(*n)++;
	return SK_OK;
}

/* Load the children of w (whose key is set) from the child queries. */
static sk_err_t load_children(struct sqlite_store *st, struct sk_warning *w,
			      struct sk_error *err)
{
	sk_err_t rc = SK_OK;
	for (size_t k = 0; k < st->n_child && rc == SK_OK; k++) {
		const struct child_sql *c = &st->child[k];
		sqlite3_stmt *s = c->sel;
		int brc = bind_key(s, w);
		if (brc != SQLITE_OK) {
			stmt_done(s);
			return bind_failed(brc, err);
		}
		int step = SQLITE_DONE;
		while (rc == SK_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
			void *child = NULL;
			if ((rc = child_append(c->f, w, &child, err)) != SK_OK)
				break;
			struct reader r = {.s = s};
			rd_record(&r, c->f->child, child);
			if (r.nomem)
				rc = sk_error_set(err, SK_ERR_NOMEM, false,
						  "out of memory");
		}
		if (rc == SK_OK && step != SQLITE_DONE)
			rc = sk_sqldb_error(st->db, c->f->child->what, err);
		stmt_done(s);
	}
	return rc;
}

/* Bind the row filter of q to the warnings query. A zero date (y == 0)
 * leaves that side of the range open; no region list means all regions. */
static sk_err_t bind_query(struct sqlite_store *st, sqlite3_stmt *s,
			   const struct sk_store_query *q, struct sk_error *err)
{
	char from[11] = "0000-00-00", to[11] = "9999-99-99";
	int lang = 0;
	int64_t limit = -1;
	struct sk_buf regions = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_err_t rc = SK_OK;
	if (q) {
		if (q->from.y)
			sk_date_format(&q->from, from);
		if (q->to.y)
			sk_date_format(&q->to, to);
		lang = q->lang_key;
		if (q->limit)
			limit = q->limit > INT64_MAX ? INT64_MAX
						     : (int64_t)q->limit;
		if (q->region_ids && q->n_regions) {
			rc = sk_buf_puts(&regions, "[");
			for (size_t i = 0; i < q->n_regions && rc == SK_OK; i++)
				rc = sk_buf_printf(&regions, "%s%d",
						   i ? "," : "",
						   q->region_ids[i]);
			if (rc == SK_OK)
				rc = sk_buf_puts(&regions, "]");
			if (rc != SK_OK) {
				sk_buf_free(&regions);
				return sk_error_set(err, rc, false,
						    "query region list");
			}
		}
	}
	int brc = sk_sqldb_bind_text(s, 1, from);
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 2, to);
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_int(s, 3, lang);
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 4, regions.data);
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_int64(s, 5, limit);
	sk_buf_free(&regions);
	return brc == SQLITE_OK ? SK_OK : bind_failed(brc, err);
}

/* Rows in (valid_date, region_id, lang_key) order, read in one snapshot.
 * Each record is allocated per row and freed after fn returns (borrowed by
 * fn). Times carry has_utc/utc_ms only (local stays NULL); with
 * q->with_children problems, advices and weather are loaded. fn must not
 * call back into this store. q NULL means everything. */
static sk_err_t sqlite_query(struct sk_store *base,
			     const struct sk_store_query *q, sk_store_row_fn fn,
			     void *ud, struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (st->querying)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: query from inside a query");
	if (!fn)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: query without a callback");
	sqlite3_stmt *s =
		st->s[q && q->region_ids && q->n_regions ? S_Q_WARNINGS_REGIONS
							 : S_Q_WARNINGS];
	struct sk_warning *w = NULL;
	sk_err_t rc = run(st, st->s[S_Q_BEGIN], "query snapshot", err);
	if (rc != SK_OK)
		return rc;
	st->querying = true;
	if ((rc = bind_query(st, s, q, err)) != SK_OK)
		goto out;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (!(w = sk_warning_new())) {
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "out of memory");
			goto out;
		}
		struct reader r = {.s = s};
		rd_record(&r, &sk_model_warning_table, w);
		if (r.nomem) {
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "out of memory");
			goto out;
		}
		if (r.bad_time) {
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "region=%d lang=%d date=%s: a stored "
					  "time is not UTC text",
					  w->region_id, w->lang_key,
					  w->valid_date);
			goto out;
		}
		if (q && q->with_children &&
		    (rc = load_children(st, w, err)) != SK_OK)
			goto out;
		int stop = fn(w, ud);
		sk_warning_free(w);
		w = NULL;
		if (stop)
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sk_sqldb_error(st->db, "query", err);
out:
	sk_warning_free(w);
	stmt_done(s);
	st->querying = false;
	/* Releasing a read-only savepoint does not fail in practice; keep the
	 * first error. */
	sqlite3_step(st->s[S_Q_END]);
	stmt_done(st->s[S_Q_END]);
	if (rc != SK_OK)
		sk_error_prefix(err, "%s", st->path);
	return rc;
}

/* ------------------------------------------------------------------ stats */

static sk_err_t sqlite_stats(struct sk_store *base, struct sk_store_stats *out,
			     struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	sqlite3_stmt *s = st->s[S_STATS];
	memset(out, 0, sizeof *out);
	sk_err_t rc = SK_OK;
	if (sqlite3_step(s) == SQLITE_ROW) {
		out->warnings = sqlite3_column_int64(s, 0);
		out->problems = sqlite3_column_int64(s, 1);
		out->revisions = sqlite3_column_int64(s, 2);
		out->last_write_ms = sqlite3_column_int64(s, 3);
		const unsigned char *f = sqlite3_column_text(s, 4);
		const unsigned char *l = sqlite3_column_text(s, 5);
		snprintf(out->first_date, sizeof out->first_date, "%s",
			 f ? (const char *)f : "");
		snprintf(out->last_date, sizeof out->last_date, "%s",
			 l ? (const char *)l : "");
	} else {
		rc = sk_sqldb_error(st->db, "stats", err);
	}
	stmt_done(s);
	return rc;
}

const struct sk_store_type sk_store_sqlite = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.begin_batch = sqlite_begin_batch,
	.enc_new = sqlite_enc_new,
	.enc_raw = sqlite_enc_raw,
	.enc_free = sqlite_enc_free,
	.current = sqlite_current,
	.revision_seen = sqlite_revision_seen,
	.write = sqlite_write,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.query = sqlite_query,
	.stats = sqlite_stats,
};
