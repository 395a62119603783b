/*
 * sqldb.h - the one SQLite helper: open in WAL mode with a busy timeout,
 * run schema migrations, transactions, a per-connection statement cache,
 * one row iterator, and the mapping of SQLite result codes to sk_error.
 *
 * It knows no schema: callers own their SQL and their tables.
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

/* ------------------------------------------------------- statement cache
 *
 * Statements prepared once per connection and reused: the first get of a
 * key prepares its SQL, every later get resets the statement and clears its
 * bindings, close finalizes them all. Keys are a caller-defined index (an
 * enum of the caller's statements: the same index always with the same
 * SQL) or the SQL text itself. A statement is the cache's: callers never
 * finalize it, and finish each use with sk_sqldb_end (the iterator) so it
 * holds no read lock between uses.
 *
 * Getting a statement that is still being stepped (a caller re-entered
 * from inside its own row loop) is SK_ERR_INVAL: it would reset the outer
 * loop. */
struct sk_sqldb_cached;
struct sk_sqldb_cache {
	sqlite3 *db;         /* borrowed */
	sqlite3_stmt **slot; /* by index; n_slot entries */
	size_t n_slot;
	struct sk_sqldb_cached *text; /* by SQL text; n_text entries */
	size_t n_text, cap_text;
};

/* Bind c to db (borrowed: close the cache before the connection). */
void sk_sqldb_cache_init(struct sk_sqldb_cache *c, sqlite3 *db);
/* Finalize every statement; c may be NULL or never used. */
void sk_sqldb_cache_close(struct sk_sqldb_cache *c);
/* The statement of index idx, prepared from sql on first use. Errors:
 * SK_ERR_DB (prepare), SK_ERR_NOMEM, SK_ERR_INVAL (in use). */
sk_err_t sk_sqldb_cache_at(struct sk_sqldb_cache *c, size_t idx,
			   const char *sql, sqlite3_stmt **out,
			   struct sk_error *err);
/* The statement of this SQL text (compared by content), prepared on
 * first use. Same errors. */
sk_err_t sk_sqldb_cache_sql(struct sk_sqldb_cache *c, const char *sql,
			    sqlite3_stmt **out, struct sk_error *err);

/* ------------------------------------------------------------ row iterator
 *
 *	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger list", err);
 *	while (sk_sqldb_next(&it))
 *		... sqlite3_column_*(st, i) ...; (break is fine)
 *	return sk_sqldb_end(&it);
 *
 * next steps once: true with a row; false when done or on an error (the
 * error is filled once, from the connection, what naming the operation;
 * SQLITE_BUSY/LOCKED/IOERR/FULL retriable). end resets the statement,
 * clears its bindings and returns SK_OK or that error. */
struct sk_sqldb_iter {
	sqlite3_stmt *st;
	const char *what;
	struct sk_error *err;
	sk_err_t rc;
	bool done;
};
#define SK_SQLDB_ITER(st_, what_, err_)                                        \
	((struct sk_sqldb_iter){.st = (st_), .what = (what_), .err = (err_)})

bool sk_sqldb_next(struct sk_sqldb_iter *it);
SK_MUST_USE sk_err_t sk_sqldb_end(struct sk_sqldb_iter *it);
/* Step st once for its effect (rows, if any, are not wanted), then end. */
sk_err_t sk_sqldb_run(sqlite3_stmt *st, const char *what, struct sk_error *err);
/* Fill err for a failed sqlite3_bind_* (rc): SK_ERR_NOMEM or SK_ERR_DB. */
sk_err_t sk_sqldb_bind_error(sqlite3_stmt *st, int rc, struct sk_error *err);

/* Bind helpers: NULL strings bind SQL NULL. */
int sk_sqldb_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Text of column i or NULL; copied (caller frees). */
char *sk_sqldb_column_dup(sqlite3_stmt *st, int i);

/* ------------------------------------------------- background checkpoints
 *
 * The WAL checkpoints of db (a connection to the file at path, in WAL
 * mode) moved from its commits to a thread with a connection of its own
 * (ckpt.c): a commit after which the WAL has at least pages pages (0:
 * SQLite's default, 1000) signals the thread, which runs the PASSIVE
 * checkpoint SQLite would have run inside that commit. At 8x pages the
 * commit checkpoints inline, as does every commit when the thread could
 * not start. The thread and its connection exist only from the first
 * checkpoint on. For a connection that writes a lot from one thread (the
 * warehouse while processing); db stays the caller's.
 *
 * Stop before closing db: joins the thread, closes its connection and
 * gives db SQLite's automatic checkpoint back. Errors: SK_ERR_NOMEM. */
struct sk_sqldb_ckpt;
sk_err_t sk_sqldb_ckpt_start(sqlite3 *db, const char *path, int pages,
			     struct sk_sqldb_ckpt **out, struct sk_error *err);
void sk_sqldb_ckpt_stop(struct sk_sqldb_ckpt *c); /* NULL is fine */

/* ------------------------------------------------------- compressed values
 *
 * Values (raw JSON) stored zstd-compressed with a dictionary built into
 * skred; the format is in the value itself (zblob.c says how), so a row
 * copied by plain SQL keeps it, every reader decodes with sk_sqldb_z_decode
 * and gets the exact bytes that were encoded, and values written before
 * the codec existed (text, which never starts with the byte 0xFF) read as
 * themselves. The same value always encodes to the same bytes.
 *
 * A codec holds zstd's contexts (made on first use) and its output
 * buffers: one per connection, used by one thread. No I/O. */
struct sk_sqldb_z;
/* Errors: SK_ERR_NOMEM. */
sk_err_t sk_sqldb_z_new(struct sk_sqldb_z **out, struct sk_error *err);
void sk_sqldb_z_free(struct sk_sqldb_z *z); /* NULL is fine */
/* What to store for value (n bytes): *out is value itself (short, not
 * worth compressing, or over SK_LIMIT_HTTP_BODY) or the codec's buffer,
 * valid until the next encode. Errors: SK_ERR_NOMEM. */
sk_err_t sk_sqldb_z_encode(struct sk_sqldb_z *z, const void *value, size_t n,
			   const void **out, size_t *out_n,
			   struct sk_error *err);
/* The value stored as (stored, n; stored may be NULL when n is 0): *out is
 * stored itself or the codec's buffer (then NUL-terminated), valid until
 * the next decode. Errors: SK_ERR_DB (not a value of this codec: corrupt,
 * unknown format or dictionary, over SK_LIMIT_HTTP_BODY), SK_ERR_NOMEM. */
sk_err_t sk_sqldb_z_decode(struct sk_sqldb_z *z, const void *stored, size_t n,
			   const char **out, size_t *out_n,
			   struct sk_error *err);
/* Whether a stored value is in the codec's format (else it is itself). */
bool sk_sqldb_z_is_encoded(const void *stored, size_t n);

#endif
