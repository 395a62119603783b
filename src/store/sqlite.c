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
 * Deliberately not here: cleaning or validating records (proc/), retrying
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

static const char *const schema_steps[] = {schema_v1};

/* Column order of each table as bound and read; must match the field walks
 * (warning_fields, problem_fields, ...) one for one. Child tables start
 * with the three key columns. */
static const char *const warning_cols[] = {
	"region_id", "lang_key", "valid_date", "reg_id", "region_name",
	"region_type_id", "region_type_name", "danger_level", "not_assessed",
	"valid_from", "valid_to", "next_warning_time", "publish_time",
	"danger_increase_time", "danger_decrease_time", "main_text",
	"is_detail", "danger_level_name", "author", "avalanche_danger",
	"emergency_warning", "snow_surface", "current_weaklayers",
	"latest_avalanche_activity", "latest_observations",
	"previous_warning_reg_id", "is_tendency", "utm_zone", "utm_east",
	"utm_north", "has_weather", "cloud_cover_id", "cloud_cover_name",
	"weather_comment", "weather_saved_time",
	/* not record fields: */
	"content_hash", "revision_count"};
#define WARNING_NCOLS (sizeof warning_cols / sizeof *warning_cols)
#define WARNING_RECORD_NCOLS (WARNING_NCOLS - 2)

static const char *const problem_cols[] = {
	"region_id", "lang_key", "valid_date", "problem_id",
	"problem_type_id", "problem_type_name", "cause_id", "cause_name",
	"aval_type_id", "aval_type_name", "ext_id", "ext_name",
	"trigger_simple_id", "trigger_simple_name", "trigger_sensitivity_id",
	"trigger_sensitivity_name", "size_id", "size_name", "probability_id",
	"probability_name", "propagation_id", "propagation_name",
	"exposed_height_1", "exposed_height_2", "exposed_height_fill",
	"valid_expositions", "danger_level", "text"};
static const char *const advice_cols[] = {"region_id", "lang_key",
					  "valid_date", "position", "text",
					  "image_url"};
static const char *const weather_cols[] = {
	"region_id", "lang_key", "valid_date", "type_id",
	"type_name", "subtype_id", "subtype_name", "value"};
#define NCOLS(a) (sizeof(a) / sizeof *(a))
#define KEY_NCOLS 3

#define KEY_WHERE " WHERE region_id = ?1 AND lang_key = ?2 AND valid_date = ?3"

/* ------------------------------------------------------------- the handle */

enum {
	S_SP_BEGIN,   /* SAVEPOINT: one put is all or nothing */
	S_SP_RELEASE,
	S_SP_ROLLBACK,
	S_Q_BEGIN,    /* read snapshot for a query */
	S_Q_END,
	S_CURRENT,
	S_REV_INSERT,
	S_REV_COUNT,
	S_REV_SEEN,
	S_W_INSERT,
	S_W_DELETE,
	S_P_INSERT,
	S_P_DELETE,
	S_A_INSERT,
	S_A_DELETE,
	S_X_INSERT,
	S_X_DELETE,
	S_Q_WARNINGS,
	S_Q_WARNINGS_REGIONS,
	S_Q_PROBLEMS,
	S_Q_ADVICES,
	S_Q_WEATHER,
	S_META_SET,
	S_STATS,
	S__COUNT
};

struct sqlite_store {
	struct sk_store base; /* first: the wrappers see only this */
	sqlite3 *db;
	char *path;
	sqlite3_stmt *s[S__COUNT];
	bool in_tx;    /* between begin and commit/rollback */
	bool dirty;    /* this transaction changed something */
	bool querying; /* a query's callback is running */
};

/* ------------------------------------------------------- statement helpers */

static void stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Step a statement once (its rows, if any, are not wanted), then reset it. */
static sk_err_t run(struct sqlite_store *st, sqlite3_stmt *s,
		    const char *what, struct sk_error *err)
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

static int bind_key(sqlite3_stmt *s, const struct sk_warning *w)
{
	int rc = sqlite3_bind_int(s, 1, w->region_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(s, 2, w->lang_key);
	if (rc == SQLITE_OK)
		rc = sk_sqldb_bind_text(s, 3, w->valid_date);
	return rc;
}

/* ------------------------------------------------------ field walk: bind
 *
 * One walk per table binds the stored values in column order from index
 * idx on. The content hash (store.c) walks the same columns in the same
 * order; docs/DATA_MODEL.md lists them. */

struct emit {
	sqlite3_stmt *s;
	int idx; /* next bind index */
	int rc;  /* first bind error */
};

static void emit_null(struct emit *e)
{
	int rc = sqlite3_bind_null(e->s, e->idx++);
	if (rc != SQLITE_OK && e->rc == SQLITE_OK)
		e->rc = rc;
}

static void emit_int(struct emit *e, int64_t v)
{
	int rc = sqlite3_bind_int64(e->s, e->idx++, v);
	if (rc != SQLITE_OK && e->rc == SQLITE_OK)
		e->rc = rc;
}

/* Optional integer: -1 (absent or null in the API) is stored as NULL. */
static void emit_opt(struct emit *e, int64_t v)
{
	if (v == -1)
		emit_null(e);
	else
		emit_int(e, v);
}

static void emit_text(struct emit *e, const char *s)
{
	if (!s) {
		emit_null(e);
		return;
	}
	int rc = sqlite3_bind_text(e->s, e->idx++, s, -1, SQLITE_TRANSIENT);
	if (rc != SQLITE_OK && e->rc == SQLITE_OK)
		e->rc = rc;
}

/* Times are stored as the UTC text of sk_time_format_utc, NULL without a
 * UTC value (the local text is not stored). */
static void emit_time(struct emit *e, const struct sk_time_field *t)
{
	if (!t->has_utc) {
		emit_null(e);
		return;
	}
	char buf[SK_TIME_UTC_LEN];
	sk_time_format_utc(t->utc_ms, buf);
	emit_text(e, buf);
}

/* The avalanche_warning record columns, in warning_cols order. */
static void warning_fields(struct emit *e, const struct sk_warning *w)
{
	emit_int(e, w->region_id);
	emit_int(e, w->lang_key);
	emit_text(e, w->valid_date);
	emit_int(e, w->reg_id);
	emit_text(e, w->region_name);
	emit_opt(e, w->region_type_id);
	emit_text(e, w->region_type_name);
	emit_int(e, w->danger_level);
	emit_int(e, w->not_assessed);
	emit_time(e, &w->valid_from);
	emit_time(e, &w->valid_to);
	emit_time(e, &w->next_warning_time);
	emit_time(e, &w->publish_time);
	emit_time(e, &w->danger_increase_time);
	emit_time(e, &w->danger_decrease_time);
	emit_text(e, w->main_text);
	emit_int(e, w->is_detail);
	emit_text(e, w->danger_level_name);
	emit_text(e, w->author);
	emit_text(e, w->avalanche_danger);
	emit_text(e, w->emergency_warning);
	emit_text(e, w->snow_surface);
	emit_text(e, w->current_weaklayers);
	emit_text(e, w->latest_avalanche_activity);
	emit_text(e, w->latest_observations);
	emit_opt(e, w->previous_warning_reg_id);
	emit_opt(e, w->is_tendency);
	emit_opt(e, w->utm_zone);
	emit_opt(e, w->utm_east);
	emit_opt(e, w->utm_north);
	emit_int(e, w->has_weather);
	emit_opt(e, w->cloud_cover_id);
	emit_text(e, w->cloud_cover_name);
	emit_text(e, w->weather_comment);
	emit_time(e, &w->weather_saved_time);
}

/* avalanche_problem after the key columns. */
static void problem_fields(struct emit *e, const struct sk_problem *p)
{
	emit_int(e, p->problem_id);
	emit_opt(e, p->problem_type_id);
	emit_text(e, p->problem_type_name);
	emit_opt(e, p->cause_id);
	emit_text(e, p->cause_name);
	emit_opt(e, p->aval_type_id);
	emit_text(e, p->aval_type_name);
	emit_opt(e, p->ext_id);
	emit_text(e, p->ext_name);
	emit_opt(e, p->trigger_simple_id);
	emit_text(e, p->trigger_simple_name);
	emit_opt(e, p->trigger_sensitivity_id);
	emit_text(e, p->trigger_sensitivity_name);
	emit_opt(e, p->size_id);
	emit_text(e, p->size_name);
	emit_opt(e, p->probability_id);
	emit_text(e, p->probability_name);
	emit_opt(e, p->propagation_id);
	emit_text(e, p->propagation_name);
	emit_opt(e, p->exposed_height_1);
	emit_opt(e, p->exposed_height_2);
	emit_opt(e, p->exposed_height_fill);
	emit_text(e, p->valid_expositions);
	emit_opt(e, p->danger_level);
	emit_text(e, p->text);
}

static void advice_fields(struct emit *e, const struct sk_advice *a)
{
	emit_int(e, a->position);
	emit_text(e, a->text);
	emit_text(e, a->image_url);
}

static void weather_fields(struct emit *e, const struct sk_weather_value *v)
{
	emit_int(e, v->type_id);
	emit_text(e, v->type_name);
	emit_int(e, v->subtype_id);
	emit_text(e, v->subtype_name);
	emit_text(e, v->value);
}

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
	sk_sqldb_close(st->db);
	free(st->path);
	free(st);
}

/* "INSERT INTO t (c1, ...) VALUES (?1, ...)". */
static sk_err_t sql_insert(struct sk_buf *b, const char *table,
			   const char *const *cols, size_t n)
{
	sk_err_t rc = sk_buf_printf(b, "INSERT INTO %s (", table);
	for (size_t i = 0; i < n && rc == SK_OK; i++)
		rc = sk_buf_printf(b, "%s%s", i ? ", " : "", cols[i]);
	if (rc == SK_OK)
		rc = sk_buf_puts(b, ") VALUES (");
	for (size_t i = 0; i < n && rc == SK_OK; i++)
		rc = sk_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
	if (rc == SK_OK)
		rc = sk_buf_puts(b, ")");
	return rc;
}

/* "SELECT c[from..n) FROM t" followed by tail. */
static sk_err_t sql_select(struct sk_buf *b, const char *table,
			   const char *const *cols, size_t from, size_t n,
			   const char *tail)
{
	sk_err_t rc = sk_buf_puts(b, "SELECT ");
	for (size_t i = from; i < n && rc == SK_OK; i++)
		rc = sk_buf_printf(b, "%s%s", i > from ? ", " : "", cols[i]);
	if (rc == SK_OK)
		rc = sk_buf_printf(b, " FROM %s%s", table, tail);
	return rc;
}

struct gen_sql {
	int id;
	const char *table;
	const char *const *cols;
	size_t n;
	bool insert;
	size_t from;      /* select: first column */
	const char *tail; /* select: WHERE ... */
};

static const struct gen_sql generated[] = {
	{S_W_INSERT, "avalanche_warning", warning_cols, NCOLS(warning_cols),
	 true, 0, NULL},
	{S_P_INSERT, "avalanche_problem", problem_cols, NCOLS(problem_cols),
	 true, 0, NULL},
	{S_A_INSERT, "avalanche_advice", advice_cols, NCOLS(advice_cols), true,
	 0, NULL},
	{S_X_INSERT, "mountain_weather", weather_cols, NCOLS(weather_cols),
	 true, 0, NULL},
	{S_Q_WARNINGS, "avalanche_warning", warning_cols, WARNING_RECORD_NCOLS,
	 false, 0,
	 " WHERE valid_date >= ?1 AND valid_date <= ?2"
	 " AND (?3 = 0 OR lang_key = ?3)"
	 " AND (?4 IS NULL OR region_id IN (SELECT value FROM json_each(?4)))"
	 " ORDER BY valid_date, region_id, lang_key LIMIT ?5"},
	/* The same for a list of regions: seeks on the primary key (region,
	 * language, date) instead of reading every region's rows of the date
	 * range (a region's season: 183 rows read, not 16,800). */
	{S_Q_WARNINGS_REGIONS, "avalanche_warning", warning_cols,
	 WARNING_RECORD_NCOLS, false, 0,
	 " WHERE region_id IN (SELECT value FROM json_each(?4))"
	 " AND lang_key IN (SELECT value FROM json_each(CASE ?3 WHEN 0 THEN"
	 " '[1,2]' ELSE json_array(?3) END))"
	 " AND valid_date >= ?1 AND valid_date <= ?2"
	 " ORDER BY valid_date, region_id, lang_key LIMIT ?5"},
	{S_Q_PROBLEMS, "avalanche_problem", problem_cols, NCOLS(problem_cols),
	 false, KEY_NCOLS, KEY_WHERE " ORDER BY problem_id"},
	{S_Q_ADVICES, "avalanche_advice", advice_cols, NCOLS(advice_cols),
	 false, KEY_NCOLS, KEY_WHERE " ORDER BY position"},
	{S_Q_WEATHER, "mountain_weather", weather_cols, NCOLS(weather_cols),
	 false, KEY_NCOLS, KEY_WHERE " ORDER BY type_id, subtype_id"},
};

static const struct {
	int id;
	const char *sql;
} fixed_sql[] = {
	{S_SP_BEGIN, "SAVEPOINT sk_put"},
	{S_SP_RELEASE, "RELEASE sk_put"},
	{S_SP_ROLLBACK, "ROLLBACK TO sk_put"},
	{S_Q_BEGIN, "SAVEPOINT sk_query"},
	{S_Q_END, "RELEASE sk_query"},
	{S_CURRENT, "SELECT publish_time, content_hash FROM avalanche_warning"
		    KEY_WHERE},
	{S_REV_INSERT,
	 "INSERT OR IGNORE INTO warning_revision (region_id, lang_key,"
	 " valid_date, publish_time, content_hash, reg_id, danger_level,"
	 " main_text, raw_json, first_seen)"
	 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
	{S_REV_COUNT, "SELECT count(*) FROM warning_revision" KEY_WHERE},
	{S_REV_SEEN, "SELECT 1 FROM warning_revision" KEY_WHERE
		     " AND publish_time = ?4 AND content_hash = ?5"},
	{S_W_DELETE, "DELETE FROM avalanche_warning" KEY_WHERE},
	{S_P_DELETE, "DELETE FROM avalanche_problem" KEY_WHERE},
	{S_A_DELETE, "DELETE FROM avalanche_advice" KEY_WHERE},
	{S_X_DELETE, "DELETE FROM mountain_weather" KEY_WHERE},
	{S_META_SET, "INSERT OR REPLACE INTO store_meta (key, value)"
		     " VALUES ('last_write', ?1)"},
	{S_STATS, "SELECT (SELECT count(*) FROM avalanche_warning),"
		  " (SELECT count(*) FROM avalanche_problem),"
		  " (SELECT count(*) FROM warning_revision),"
		  " (SELECT value FROM store_meta WHERE key = 'last_write')"},
};

static sk_err_t prepare_all(struct sqlite_store *st, struct sk_error *err)
{
	for (size_t i = 0; i < NCOLS(fixed_sql); i++)
		if (sk_sqldb_prepare(st->db, &st->s[fixed_sql[i].id],
				     fixed_sql[i].sql, err) != SK_OK)
			return SK_ERR_DB;
	struct sk_buf b = {0};
	sk_err_t rc = SK_OK;
	for (size_t i = 0; i < NCOLS(generated) && rc == SK_OK; i++) {
		const struct gen_sql *g = &generated[i];
		sk_buf_reset(&b);
		rc = g->insert ? sql_insert(&b, g->table, g->cols, g->n)
			       : sql_select(&b, g->table, g->cols, g->from,
					    g->n, g->tail);
		if (rc != SK_OK)
			rc = sk_error_set(err, rc, false,
					  "building SQL for %s", g->table);
		else
			rc = sk_sqldb_prepare(st->db, &st->s[g->id], b.data,
					      err);
	}
	sk_buf_free(&b);
	for (size_t i = 0; i < S__COUNT && rc == SK_OK; i++)
		if (!st->s[i])
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "internal: statement %zu missing", i);
	return rc;
}

/* Config: data_dir (created if missing). Opens or creates
 * <data_dir>/warehouse.db, migrates it to the current schema and prepares
 * every statement. Errors: SK_ERR_CONFIG/SK_ERR_IO for the directory,
 * SK_ERR_DB for the database (including a schema newer than this build),
 * SK_ERR_NOMEM. */
static sk_err_t sqlite_open(struct sk_store **out, const struct sk_config *cfg,
			    struct sk_error *err)
{
	*out = NULL;
	const char *dir = sk_config_str(cfg, "data_dir");
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
	struct sk_buf b = {0};
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
	if ((rc = sk_sqldb_migrate(st->db, "warehouse", schema_steps,
				   NCOLS(schema_steps), err)) != SK_OK) {
		sk_error_prefix(err, "%s", st->path);
		goto fail;
	}
	if ((rc = prepare_all(st, err)) != SK_OK) {
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
	return SK_OK;
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
}

/* ------------------------------------------------------------------- put */

/* Insert the row (with revision_count) and its children. */
static sk_err_t insert_current(struct sqlite_store *st,
			       const struct sk_warning *w,
			       const char *hash, int64_t revisions,
			       struct sk_error *err)
{
	sqlite3_stmt *s = st->s[S_W_INSERT];
	struct emit e = {.s = s, .idx = 1};
	warning_fields(&e, w);
	emit_text(&e, hash);
	emit_int(&e, revisions);
	if (e.rc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(e.rc, err);
	}
	if (e.idx != (int)WARNING_NCOLS + 1) {
		stmt_done(s);
		return sk_error_set(err, SK_ERR_STORE, false,
				    "internal: %d warning values for %zu "
				    "columns", e.idx - 1, WARNING_NCOLS);
	}
	sk_err_t rc = run(st, s, "insert avalanche_warning", err);

	/* Children: the same pattern per table. */
	for (size_t i = 0; i < w->n_problems && rc == SK_OK; i++) {
		s = st->s[S_P_INSERT];
		e = (struct emit){.s = s, .idx = KEY_NCOLS + 1,
				  .rc = bind_key(s, w)};
		problem_fields(&e, &w->problems[i]);
		rc = e.rc != SQLITE_OK ? bind_failed(e.rc, err)
				       : run(st, s, "insert avalanche_problem",
					     err);
		stmt_done(s);
	}
	for (size_t i = 0; i < w->n_advices && rc == SK_OK; i++) {
		s = st->s[S_A_INSERT];
		e = (struct emit){.s = s, .idx = KEY_NCOLS + 1,
				  .rc = bind_key(s, w)};
		advice_fields(&e, &w->advices[i]);
		rc = e.rc != SQLITE_OK ? bind_failed(e.rc, err)
				       : run(st, s, "insert avalanche_advice",
					     err);
		stmt_done(s);
	}
	for (size_t i = 0; i < w->n_weather && rc == SK_OK; i++) {
		s = st->s[S_X_INSERT];
		e = (struct emit){.s = s, .idx = KEY_NCOLS + 1,
				  .rc = bind_key(s, w)};
		weather_fields(&e, &w->weather[i]);
		rc = e.rc != SQLITE_OK ? bind_failed(e.rc, err)
				       : run(st, s, "insert mountain_weather",
					     err);
		stmt_done(s);
	}
	return rc;
}

/* Run one of the keyed statements (deletes). */
static sk_err_t run_keyed(struct sqlite_store *st, int id,
			  const struct sk_warning *w, const char *what,
			  struct sk_error *err)
{
	sqlite3_stmt *s = st->s[id];
	int brc = bind_key(s, w);
	if (brc != SQLITE_OK) {
		stmt_done(s);
		return bind_failed(brc, err);
	}
	return run(st, s, what, err);
}

/* Replace the current row: children first, then the row, then insert. */
static sk_err_t replace_current(struct sqlite_store *st,
				const struct sk_warning *w,
				const char *hash, int64_t revisions,
				struct sk_error *err)
{
	sk_err_t rc = run_keyed(st, S_P_DELETE, w, "delete problems", err);
	if (rc == SK_OK)
		rc = run_keyed(st, S_A_DELETE, w, "delete advices", err);
	if (rc == SK_OK)
		rc = run_keyed(st, S_X_DELETE, w, "delete weather", err);
	if (rc == SK_OK)
		rc = run_keyed(st, S_W_DELETE, w, "delete warning", err);
	if (rc == SK_OK)
		rc = insert_current(st, w, hash, revisions, err);
	return rc;
}

/* Add the revision (if new). *added says whether a row was written. */
static sk_err_t add_revision(struct sqlite_store *st,
			     const struct sk_warning *w, const char *pub,
			     const char *hash, const char *raw, size_t raw_len,
			     bool *added, struct sk_error *err)
{
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
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_int64(s, 6, w->reg_id);
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_int(s, 7, w->danger_level);
	if (brc == SQLITE_OK)
		brc = sk_sqldb_bind_text(s, 8, w->main_text);
	if (brc == SQLITE_OK)
		brc = raw ? sqlite3_bind_text64(s, 9, raw, raw_len,
						SQLITE_TRANSIENT, SQLITE_UTF8)
			  : sqlite3_bind_null(s, 9);
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

static bool parse_utc(const char *s, int64_t *ms);

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
		cur->has_pub = p && *p && parse_utc(p, &cur->pub_ms);
		if (p && *p && !cur->has_pub)
			rc = sk_error_set(err, SK_ERR_STORE, false,
					  "stored publish_time '%s' is not UTC "
					  "text", p);
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
	sk_err_t rc = run(st, st->s[S_SP_BEGIN], "savepoint", err);
	if (rc != SK_OK)
		return rc;
	bool added = false;
	bool current = wr->what == SK_STORE_INSERTED ||
		       wr->what == SK_STORE_UPDATED;
	if (wr->revision &&
	    (rc = add_revision(st, w, rev_pub(w, pub), wr->hash, wr->raw,
			       wr->raw_len, &added, err)) != SK_OK)
		goto fail;
	if (current) {
		int64_t revisions = 0;
		if ((rc = count_revisions(st, w, &revisions, err)) != SK_OK)
			goto fail;
		rc = wr->what == SK_STORE_INSERTED
			     ? insert_current(st, w, wr->hash, revisions, err)
			     : replace_current(st, w, wr->hash, revisions,
					       err);
		if (rc != SK_OK)
			goto fail;
	}
	if ((rc = run(st, st->s[S_SP_RELEASE], "release", err)) != SK_OK)
		goto fail;
	if (added || current)
		st->dirty = true;
	return SK_OK;

fail:
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

/* ------------------------------------------------------------------ query */

/* Reads columns in order from a result row. */
struct reader {
	sqlite3_stmt *s;
	int i;
	bool nomem;
	bool bad_time;
};

static int64_t rd_int(struct reader *r)
{
	return sqlite3_column_int64(r->s, r->i++);
}

/* NULL -> -1, the record's "absent". */
static int64_t rd_opt(struct reader *r)
{
	if (sqlite3_column_type(r->s, r->i) == SQLITE_NULL) {
		r->i++;
		return -1;
	}
	return rd_int(r);
}

static int rd_int32(struct reader *r)
{
	return (int)rd_int(r);
}

static int rd_opt32(struct reader *r)
{
	return (int)rd_opt(r);
}

static char *rd_text(struct reader *r)
{
	if (sqlite3_column_type(r->s, r->i) == SQLITE_NULL) {
		r->i++;
		return NULL;
	}
	char *t = sk_sqldb_column_dup(r->s, r->i++);
	if (!t)
		r->nomem = true;
	return t;
}

/* Inverse of sk_time_format_utc ("YYYY-MM-DDTHH:MM:SS.sssZ"). */
static bool parse_utc(const char *s, int64_t *ms)
{
	char buf[SK_TIME_UTC_LEN];
	struct sk_civil t;
	if (strlen(s) != SK_TIME_UTC_LEN - 1 || s[SK_TIME_UTC_LEN - 2] != 'Z')
		return false;
	memcpy(buf, s, SK_TIME_UTC_LEN - 2);
	buf[SK_TIME_UTC_LEN - 2] = '\0';
	if (sk_civil_parse(buf, &t) != SK_OK)
		return false;
	*ms = sk_days_from_civil(t.y, t.m, t.d) * 86400000 +
	      (int64_t)t.hh * 3600000 + (int64_t)t.mi * 60000 +
	      (int64_t)t.ss * 1000 + t.ms;
	return true;
}

static void rd_time(struct reader *r, struct sk_time_field *t)
{
	const char *s = (const char *)sqlite3_column_text(r->s, r->i++);
	t->local = NULL;
	t->has_utc = false;
	if (!s)
		return;
	if (parse_utc(s, &t->utc_ms))
		t->has_utc = true;
	else
		r->bad_time = true;
}

static void read_warning(struct reader *r, struct sk_warning *w)
{
	w->region_id = rd_int32(r);
	w->lang_key = rd_int32(r);
	const char *d = (const char *)sqlite3_column_text(r->s, r->i++);
	snprintf(w->valid_date, sizeof w->valid_date, "%s", d ? d : "");
	w->reg_id = rd_int(r);
	w->region_name = rd_text(r);
	w->region_type_id = rd_opt32(r);
	w->region_type_name = rd_text(r);
	w->danger_level = rd_int32(r);
	w->not_assessed = rd_int(r) != 0;
	rd_time(r, &w->valid_from);
	rd_time(r, &w->valid_to);
	rd_time(r, &w->next_warning_time);
	rd_time(r, &w->publish_time);
	rd_time(r, &w->danger_increase_time);
	rd_time(r, &w->danger_decrease_time);
	w->main_text = rd_text(r);
	w->is_detail = rd_int(r) != 0;
	w->danger_level_name = rd_text(r);
	w->author = rd_text(r);
	w->avalanche_danger = rd_text(r);
	w->emergency_warning = rd_text(r);
	w->snow_surface = rd_text(r);
	w->current_weaklayers = rd_text(r);
	w->latest_avalanche_activity = rd_text(r);
	w->latest_observations = rd_text(r);
	w->previous_warning_reg_id = rd_opt(r);
	w->is_tendency = rd_opt32(r);
	w->utm_zone = rd_opt32(r);
	w->utm_east = rd_opt32(r);
	w->utm_north = rd_opt32(r);
	w->has_weather = rd_int(r) != 0;
	w->cloud_cover_id = rd_opt32(r);
	w->cloud_cover_name = rd_text(r);
	w->weather_comment = rd_text(r);
	rd_time(r, &w->weather_saved_time);
}

static void read_problem(struct reader *r, struct sk_problem *p)
{
	p->problem_id = rd_int32(r);
	p->problem_type_id = rd_opt32(r);
	p->problem_type_name = rd_text(r);
	p->cause_id = rd_opt32(r);
	p->cause_name = rd_text(r);
	p->aval_type_id = rd_opt32(r);
	p->aval_type_name = rd_text(r);
	p->ext_id = rd_opt32(r);
	p->ext_name = rd_text(r);
	p->trigger_simple_id = rd_opt32(r);
	p->trigger_simple_name = rd_text(r);
	p->trigger_sensitivity_id = rd_opt32(r);
	p->trigger_sensitivity_name = rd_text(r);
	p->size_id = rd_opt32(r);
	p->size_name = rd_text(r);
	p->probability_id = rd_opt32(r);
	p->probability_name = rd_text(r);
	p->propagation_id = rd_opt32(r);
	p->propagation_name = rd_text(r);
	p->exposed_height_1 = rd_opt32(r);
	p->exposed_height_2 = rd_opt32(r);
	p->exposed_height_fill = rd_opt32(r);
	p->valid_expositions = rd_text(r);
	p->danger_level = rd_opt32(r);
	p->text = rd_text(r);
}

static void read_advice(struct reader *r, struct sk_advice *a)
{
	a->position = rd_int32(r);
	a->text = rd_text(r);
	a->image_url = rd_text(r);
}

static void read_weather(struct reader *r, struct sk_weather_value *v)
{
	v->type_id = rd_int32(r);
	v->type_name = rd_text(r);
	v->subtype_id = rd_int32(r);
	v->subtype_name = rd_text(r);
	v->value = rd_text(r);
}

/* Make room for element n of arr (n used); *out is the array to use. The
 * count is capped at max (SK_ERR_LIMIT). */
static sk_err_t grow(void *arr, size_t n, size_t size, size_t max,
		     const char *what, void **out, struct sk_error *err)
{
	*out = arr;
	if (n >= max)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "more than %zu %s in one warning", max,
				    what);
	/* Capacity is 4, then doubles whenever n reaches it. */
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return SK_OK;
	void *p = realloc(arr, (n ? n * 2 : 4) * size);
	if (!p)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	*out = p;
	return SK_OK;
}

enum child_kind { CHILD_PROBLEM, CHILD_ADVICE, CHILD_WEATHER };

static const struct {
	int stmt;
	const char *what;
	size_t max;
} child_kinds[] = {
	[CHILD_PROBLEM] = {S_Q_PROBLEMS, "problems", SK_LIMIT_PROBLEMS},
	[CHILD_ADVICE] = {S_Q_ADVICES, "advices", SK_LIMIT_ADVICES},
	[CHILD_WEATHER] = {S_Q_WEATHER, "weather values",
			   SK_LIMIT_WEATHER_VALUES},
};

/* Append the current row of r to w's children of kind k. Every field of
 * the new element is assigned, so sk_warning_free is safe afterwards. */
static sk_err_t read_child(struct reader *r, enum child_kind k,
			   struct sk_warning *w, struct sk_error *err)
{
	size_t max = child_kinds[k].max;
	const char *what = child_kinds[k].what;
	void *p;
	sk_err_t rc;
	switch (k) {
	case CHILD_PROBLEM:
		rc = grow(w->problems, w->n_problems, sizeof *w->problems, max,
			  what, &p, err);
		w->problems = p;
		if (rc == SK_OK)
			read_problem(r, &w->problems[w->n_problems++]);
		break;
	case CHILD_ADVICE:
		rc = grow(w->advices, w->n_advices, sizeof *w->advices, max,
			  what, &p, err);
		w->advices = p;
		if (rc == SK_OK)
			read_advice(r, &w->advices[w->n_advices++]);
		break;
	default:
		rc = grow(w->weather, w->n_weather, sizeof *w->weather, max,
			  what, &p, err);
		w->weather = p;
		if (rc == SK_OK)
			read_weather(r, &w->weather[w->n_weather++]);
		break;
	}
	if (rc == SK_OK && r->nomem)
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	return rc;
}

/* Load the children of w (whose key is set) from the child queries. */
static sk_err_t load_children(struct sqlite_store *st, struct sk_warning *w,
			      struct sk_error *err)
{
	sk_err_t rc = SK_OK;
	for (int k = CHILD_PROBLEM; k <= CHILD_WEATHER && rc == SK_OK; k++) {
		sqlite3_stmt *s = st->s[child_kinds[k].stmt];
		int brc = bind_key(s, w);
		if (brc != SQLITE_OK) {
			stmt_done(s);
			return bind_failed(brc, err);
		}
		int step = SQLITE_DONE;
		while (rc == SK_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
			struct reader r = {.s = s};
			rc = read_child(&r, (enum child_kind)k, w, err);
		}
		if (rc == SK_OK && step != SQLITE_DONE)
			rc = sk_sqldb_error(st->db, child_kinds[k].what, err);
		stmt_done(s);
	}
	return rc;
}

/* Bind the row filter of q to the warnings query. A zero date (y == 0)
 * leaves that side of the range open; no region list means all regions. */
static sk_err_t bind_query(struct sqlite_store *st, sqlite3_stmt *s,
			   const struct sk_store_query *q,
			   struct sk_error *err)
{
	char from[11] = "0000-00-00", to[11] = "9999-99-99";
	int lang = 0;
	int64_t limit = -1;
	struct sk_buf regions = {0};
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
			for (size_t i = 0; i < q->n_regions && rc == SK_OK;
			     i++)
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
			     const struct sk_store_query *q,
			     sk_store_row_fn fn, void *ud,
			     struct sk_error *err)
{
	struct sqlite_store *st = (struct sqlite_store *)base;
	if (st->querying)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: query from inside a query");
	if (!fn)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "store: query without a callback");
	sqlite3_stmt *s = st->s[q && q->region_ids && q->n_regions
					? S_Q_WARNINGS_REGIONS
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
		if (!(w = calloc(1, sizeof *w))) {
			rc = sk_error_set(err, SK_ERR_NOMEM, false,
					  "out of memory");
			goto out;
		}
		struct reader r = {.s = s};
		read_warning(&r, w);
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
	.current = sqlite_current,
	.revision_seen = sqlite_revision_seen,
	.write = sqlite_write,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.query = sqlite_query,
	.stats = sqlite_stats,
};
