/*
 * sqldb.c - SQLite conventions shared by the bus log (bus/sqlog.c), the
 * warehouse (store/sqlite.c) and the run ledger (sched/ledger_sqlite.c):
 * opening, migrations, transactions, the statement cache, the row iterator
 * and the one mapping of SQLite result codes to sk_error.
 */
#include "sqldb/sqldb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sqlite_log_cb(void *ud, int code, const char *msg)
{
	(void)ud;
	/* Route SQLite's own diagnostics into our sink; schema-change notices
	 * and autoindex hints are routine. */
	int prim = code & 0xff;
	if (prim == SQLITE_SCHEMA || prim == SQLITE_NOTICE ||
	    code == SQLITE_WARNING_AUTOINDEX)
		return;
	sk_log(SK_LOG_DEBUG, "sqlite", "code=%d %s", code, msg);
}

sk_err_t sk_sqldb_error(sqlite3 *db, const char *what, struct sk_error *err)
{
	int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
	int prim = code & 0xff;
	bool retriable = prim == SQLITE_BUSY || prim == SQLITE_LOCKED ||
			 prim == SQLITE_IOERR || prim == SQLITE_FULL;
	return sk_error_set(err, SK_ERR_DB, retriable, "%s: %s (sqlite %d)",
			    what, db ? sqlite3_errmsg(db) : "no connection",
			    code);
}

enum {
	BUSY_TIMEOUT_MS = 10000
};

/* Switching a database to WAL takes an exclusive lock, and SQLite refuses
 * the switch at once (SQLITE_BUSY, without the busy handler) while another
 * connection holds a lock on it: processes and threads opening the same
 * new database at once race there (a backfill's two workers did). Try again within the busy timeout. */
static sk_err_t wal_mode(sqlite3 *db, struct sk_error *err)
{
	int64_t until = sk_mono_ms() + BUSY_TIMEOUT_MS;
	for (int ms = 1;; ms = ms < 64 ? 2 * ms : ms) {
		int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
				      NULL);
		if (rc == SQLITE_OK)
			return SK_OK;
		if ((rc & 0xff) != SQLITE_BUSY || sk_mono_ms() >= until)
			return sk_sqldb_error(db, "journal_mode=WAL", err);
		sk_sleep_ms(ms);
	}
}

sk_err_t sk_sqldb_open(sqlite3 **out, const char *path, struct sk_error *err)
{
	static int configured;
	if (!configured) {
		configured = 1;
		sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log_cb, NULL);
	}
	*out = NULL;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		sk_error_set(err, SK_ERR_DB, false, "cannot open %s: %s", path,
			     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return SK_ERR_DB;
	}
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db, 1);
	if (wal_mode(db, err) != SK_OK ||
	    sk_sqldb_exec(db,
			  "PRAGMA synchronous=NORMAL;"
			  "PRAGMA foreign_keys=ON;"
			  "PRAGMA cache_size=-32768;",
			  err) != SK_OK) {
		sk_error_prefix(err, "%s", path);
		sqlite3_close(db);
		return SK_ERR_DB;
	}
	*out = db;
	return SK_OK;
}

void sk_sqldb_close(sqlite3 *db)
{
	if (db)
		sqlite3_close_v2(db);
}

sk_err_t sk_sqldb_exec(sqlite3 *db, const char *sql, struct sk_error *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int prim = rc & 0xff;
		sk_error_set(err, SK_ERR_DB,
			     prim == SQLITE_BUSY || prim == SQLITE_LOCKED ||
				     prim == SQLITE_IOERR,
			     "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return SK_ERR_DB;
	}
	return SK_OK;
}

static sk_err_t user_version(sqlite3 *db, int *out, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sk_sqldb_prepare(db, &st, "PRAGMA user_version", err) != SK_OK)
		return SK_ERR_DB;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "user_version", err);
	*out = sk_sqldb_next(&it) ? sqlite3_column_int(st, 0) : 0;
	sk_err_t rc = sk_sqldb_end(&it);
	sqlite3_finalize(st);
	return rc;
}

/* Each step runs in its own write transaction and reads the version inside
 * it, so processes opening the same new database at once apply every step
 * exactly once. */
sk_err_t sk_sqldb_migrate(sqlite3 *db, const char *name,
			  const char *const *steps, size_t n,
			  struct sk_error *err)
{
	int version = 0;
	if (user_version(db, &version, err) != SK_OK)
		return SK_ERR_DB;
	if (version >= (int)n) {
		if (version > (int)n)
			return sk_error_set(err, SK_ERR_DB, false,
					    "%s schema version %d was created "
					    "by a newer skred (this one knows "
					    "%zu)",
					    name, version, n);
		return SK_OK; /* up to date: nothing written */
	}
	for (;;) {
		if (sk_sqldb_begin(db, err) != SK_OK)
			return SK_ERR_DB;
		if (user_version(db, &version, err) != SK_OK) {
			sk_sqldb_rollback(db);
			return SK_ERR_DB;
		}
		if (version >= (int)n) {
			sk_sqldb_rollback(db);
			if (version > (int)n)
				return sk_error_set(
					err, SK_ERR_DB, false,
					"%s schema version %d was created by a "
					"newer skred (this one knows %zu)",
					name, version, n);
			return SK_OK;
		}
		char set[64];
		snprintf(set, sizeof set, "PRAGMA user_version=%d;",
			 version + 1);
		if (sk_sqldb_exec(db, steps[version], err) != SK_OK ||
		    sk_sqldb_exec(db, set, err) != SK_OK) {
			sk_sqldb_rollback(db);
			sk_error_prefix(err, "%s migration %d->%d", name,
					version, version + 1);
			return SK_ERR_DB;
		}
		if (sk_sqldb_commit(db, err) != SK_OK)
			return SK_ERR_DB;
		sk_log(SK_LOG_DEBUG, "sqldb", "db=%s migrated to version=%d",
		       name, version + 1);
	}
}

sk_err_t sk_sqldb_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql,
			  struct sk_error *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return sk_sqldb_error(db, "prepare", err);
	return SK_OK;
}

sk_err_t sk_sqldb_begin(sqlite3 *db, struct sk_error *err)
{
	return sk_sqldb_exec(db, "BEGIN IMMEDIATE", err);
}

sk_err_t sk_sqldb_commit(sqlite3 *db, struct sk_error *err)
{
	return sk_sqldb_exec(db, "COMMIT", err);
}

void sk_sqldb_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int sk_sqldb_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

char *sk_sqldb_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? sk_strdup((const char *)t) : NULL;
}

/* ------------------------------------------------------- statement cache */

struct sk_sqldb_cached {
	uint64_t hash; /* sk_fnv1a64 of sql */
	char *sql;
	sqlite3_stmt *st;
};

void sk_sqldb_cache_init(struct sk_sqldb_cache *c, sqlite3 *db)
{
	memset(c, 0, sizeof *c);
	c->db = db;
}

void sk_sqldb_cache_close(struct sk_sqldb_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_slot; i++)
		sqlite3_finalize(c->slot[i]);
	for (size_t i = 0; i < c->n_text; i++) {
		sqlite3_finalize(c->text[i].st);
		free(c->text[i].sql);
	}
	free(c->slot);
	free(c->text);
	sk_sqldb_cache_init(c, c->db);
}

/* A cached statement handed out again: reset, unbound, or refused while
 * its previous use is still stepping. */
static sk_err_t reuse(sqlite3_stmt *st, sqlite3_stmt **out,
		      struct sk_error *err)
{
	if (sqlite3_stmt_busy(st))
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "internal: statement in use: %s",
				    sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	*out = st;
	return SK_OK;
}

sk_err_t sk_sqldb_cache_at(struct sk_sqldb_cache *c, size_t idx,
			   const char *sql, sqlite3_stmt **out,
			   struct sk_error *err)
{
	*out = NULL;
	if (idx < c->n_slot && c->slot[idx])
		return reuse(c->slot[idx], out, err);
	if (idx >= c->n_slot) {
		size_t n = idx + 1 > 2 * c->n_slot ? idx + 1 : 2 * c->n_slot;
		sqlite3_stmt **s = realloc(c->slot, n * sizeof *s);
		if (!s)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		memset(s + c->n_slot, 0, (n - c->n_slot) * sizeof *s);
		c->slot = s;
		c->n_slot = n;
	}
	if (sk_sqldb_prepare(c->db, &c->slot[idx], sql, err) != SK_OK)
		return err->code;
	*out = c->slot[idx];
	return SK_OK;
}

sk_err_t sk_sqldb_cache_sql(struct sk_sqldb_cache *c, const char *sql,
			    sqlite3_stmt **out, struct sk_error *err)
{
	*out = NULL;
	size_t len = strlen(sql);
	uint64_t h = sk_fnv1a64(sql, len);
	for (size_t i = 0; i < c->n_text; i++)
		if (c->text[i].hash == h && strcmp(c->text[i].sql, sql) == 0)
			return reuse(c->text[i].st, out, err);
	if (c->n_text == c->cap_text) {
		size_t n = c->cap_text ? 2 * c->cap_text : 16;
		struct sk_sqldb_cached *t = realloc(c->text, n * sizeof *t);
		if (!t)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		c->text = t;
		c->cap_text = n;
	}
	struct sk_sqldb_cached *e = &c->text[c->n_text];
	if (!(e->sql = sk_strndup(sql, len)))
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	if (sk_sqldb_prepare(c->db, &e->st, sql, err) != SK_OK) {
		free(e->sql);
		return err->code;
	}
	e->hash = h;
	c->n_text++;
	*out = e->st;
	return SK_OK;
}

/* ------------------------------------------------------------ row iterator */

bool sk_sqldb_next(struct sk_sqldb_iter *it)
{
	if (it->done)
		return false;
	int rc = sqlite3_step(it->st);
	if (rc == SQLITE_ROW)
		return true;
	it->done = true;
	if (rc != SQLITE_DONE)
		it->rc = sk_sqldb_error(sqlite3_db_handle(it->st), it->what,
					it->err);
	return false;
}

sk_err_t sk_sqldb_end(struct sk_sqldb_iter *it)
{
	sqlite3_reset(it->st);
	sqlite3_clear_bindings(it->st);
	it->done = true;
	return it->rc;
}

sk_err_t sk_sqldb_run(sqlite3_stmt *st, const char *what, struct sk_error *err)
{
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, what, err);
	(void)sk_sqldb_next(&it);
	return sk_sqldb_end(&it);
}

sk_err_t sk_sqldb_bind_error(sqlite3_stmt *st, int rc, struct sk_error *err)
{
	if (rc == SQLITE_NOMEM)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	return sk_error_set(err, SK_ERR_DB, false, "bind: %s (sqlite %d): %s",
			    sqlite3_errstr(rc), rc, sqlite3_sql(st));
}
