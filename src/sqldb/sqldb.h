/*
 * sqldb.h - the one SQLite helper: open in WAL mode with a busy timeout,
 * run schema migrations, transactions, and map SQLite errors to sk_error.
 *
 * Statements are prepared by the callers (and cached by them); this module
 * owns only the connection conventions.
 */
#ifndef SK_SQLDB_H
#define SK_SQLDB_H

#include "core/core.h"

#include <sqlite3.h>

/* Open (creating) path in WAL mode, synchronous=NORMAL, foreign keys on,
 * busy timeout 10 s. *out owned by the caller (sk_sqldb_close). */
sk_err_t sk_sqldb_open(sqlite3 **out, const char *path, struct sk_error *err);
void sk_sqldb_close(sqlite3 *db);

/* Run one or more statements without results. */
sk_err_t sk_sqldb_exec(sqlite3 *db, const char *sql, struct sk_error *err);

/* Bring the schema to the last version: steps[i] upgrades from version i to
 * i+1 (PRAGMA user_version), each in its own transaction. A database newer
 * than n steps is SK_ERR_DB ("created by a newer skred"). */
sk_err_t sk_sqldb_migrate(sqlite3 *db, const char *name,
			  const char *const *steps, size_t n,
			  struct sk_error *err);

sk_err_t sk_sqldb_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql,
			  struct sk_error *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
sk_err_t sk_sqldb_begin(sqlite3 *db, struct sk_error *err);
sk_err_t sk_sqldb_commit(sqlite3 *db, struct sk_error *err);
void sk_sqldb_rollback(sqlite3 *db);

/* Fill err from the connection's last error; SQLITE_BUSY/LOCKED/IOERR are
 * retriable. Returns SK_ERR_DB. what names the operation. */
sk_err_t sk_sqldb_error(sqlite3 *db, const char *what, struct sk_error *err);

/* Bind helpers: NULL strings bind SQL NULL. */
int sk_sqldb_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Text of column i or NULL; copied (caller frees). */
char *sk_sqldb_column_dup(sqlite3_stmt *st, int i);

#endif
