/*
 * sqldb.c - SQLite connection conventions shared by the bus log, the
 * warehouse and (later) the run ledger.
 */
#include "sqldb/sqldb.h"

#include <stdio.h>
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
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	if (sk_sqldb_exec(db,
			  "PRAGMA journal_mode=WAL;"
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
	*out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return SK_OK;
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
