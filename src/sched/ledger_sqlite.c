/*
 * ledger_sqlite.c - the embedded run ledger: SQLite at <data_dir>/ledger.db
 * (see ledger.h for the contract, ledger_int.h for the backend table).
 *
 * Claims are atomic across processes because each is one write
 * transaction (BEGIN IMMEDIATE takes the database's write lock) whose
 * UPDATE re-checks the run's state and is counted (changes() == 1); other
 * processes wait on the busy timeout, never see a half claim.
 */
#include "sched/ledger.h"
#include "sched/ledger_int.h"
#include "sqldb/sqldb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sqlite_ledger {
	struct sk_ledger base;
	sqlite3 *db;
	struct sk_sqldb_cache sc; /* every statement, keyed by its SQL */
};

#define DB(l) (((struct sqlite_ledger *)(l))->db)
#define CACHE(l) (&((struct sqlite_ledger *)(l))->sc)

static const char *const schema[] = {
	"CREATE TABLE run("
	"  id INTEGER PRIMARY KEY,"
	"  job TEXT NOT NULL,"
	"  logical_time TEXT NOT NULL,"
	"  window_from TEXT NOT NULL,"
	"  window_to TEXT NOT NULL,"
	"  regions TEXT NOT NULL,"
	"  langs TEXT NOT NULL,"
	"  simple INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  max_attempts INTEGER NOT NULL,"
	"  next_try_ms INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  start_ms INTEGER NOT NULL DEFAULT 0,"
	"  end_ms INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  fetched INTEGER NOT NULL DEFAULT 0,"
	"  stored INTEGER NOT NULL DEFAULT 0,"
	"  dead INTEGER NOT NULL DEFAULT 0,"
	"  log_excerpt TEXT NOT NULL DEFAULT '',"
	"  UNIQUE(job, logical_time, window_from, window_to, regions, langs,"
	"         simple));"
	"CREATE INDEX run_due ON run(state, next_try_ms);"
	"CREATE TABLE attempt("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  attempt INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  start_ms INTEGER NOT NULL,"
	"  end_ms INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  fetched INTEGER NOT NULL DEFAULT 0,"
	"  stored INTEGER NOT NULL DEFAULT 0,"
	"  dead INTEGER NOT NULL DEFAULT 0,"
	"  log_excerpt TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(run_id, attempt));"
	"CREATE TABLE check_result("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  checked_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(run_id, name));"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 2: the tasks of an attempt (fetch, process, checks) */
	"CREATE TABLE task("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  attempt INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  start_ms INTEGER NOT NULL,"
	"  end_ms INTEGER NOT NULL,"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(run_id, attempt, seq));",
	/* 3: claims with leases, the owner of each attempt, the processes
	 * that beat */
	"ALTER TABLE run ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE attempt ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX run_owner ON run(owner, state);"
	"CREATE TABLE daemon("
	"  owner TEXT PRIMARY KEY,"
	"  host TEXT NOT NULL,"
	"  pid INTEGER NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  last_beat_ms INTEGER NOT NULL,"
	"  lease_ms INTEGER NOT NULL,"
	"  role TEXT NOT NULL,"
	"  version TEXT NOT NULL);",
	/* 4: the messages credited to runs (sk_ledger_run_credit) */
	"CREATE TABLE credit("
	"  run_id INTEGER NOT NULL,"
	"  attempt INTEGER NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  off INTEGER NOT NULL,"
	"  dead INTEGER NOT NULL,"
	"  credited_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(run_id, attempt, part, off)) WITHOUT ROWID;"
	"CREATE INDEX credit_age ON credit(credited_ms);",
	/* 5: where each run came from (struct sk_run.origin); the runs
	 * before it named by their job */
	"ALTER TABLE run ADD COLUMN origin TEXT NOT NULL DEFAULT "
	"'';" SK_LEDGER_ORIGIN_FILL
		/* and the fetch chunks of an attempt (a run's Gantt) */
		SK_LEDGER_CHUNK_TABLE,
};

#define RUN_COLS SK_LEDGER_RUN_COLS

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static const char *col_text(void *row, int i)
{
	return (const char *)sqlite3_column_text(row, i);
}

static int64_t col_int(void *row, int i)
{
	return sqlite3_column_int64(row, i);
}

static void row_to_run(sqlite3_stmt *st, struct sk_run *r)
{
	sk_ledger_run_from_row(r, col_text, col_int, st);
}

static void sq_close(struct sk_ledger *l)
{
	if (!l)
		return;
	sk_sqldb_cache_close(CACHE(l));
	sk_sqldb_close(DB(l));
	free(l);
}

/* <data_dir>/ledger.db, the directory created. */
static sk_err_t sq_open(struct sk_ledger **out, const struct sk_ledger_opts *o,
			struct sk_error *err)
{
	*out = NULL;
	const char *dir = o->data_dir;
	if (sk_mkdir_p(dir, err) != SK_OK)
		return err->code;
	char path[4200];
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	struct sqlite_ledger *q = calloc(1, sizeof *q);
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	q->base.type = &sk_ledger_sqlite;
	if (sk_sqldb_open(&q->db, path, err) != SK_OK ||
	    sk_sqldb_migrate(q->db, "ledger", schema,
			     sizeof schema / sizeof schema[0], err) != SK_OK) {
		sq_close(&q->base);
		return err->code;
	}
	sk_sqldb_cache_init(&q->sc, q->db);
	*out = &q->base;
	return SK_OK;
}

/* The cached statement of sql, bound with a format ('i' int64, 't' text);
 * stepped once (keep NULL) or handed to the caller to iterate (*keep,
 * finished with sk_sqldb_end). */
static sk_err_t run_sql(struct sk_ledger *l, const char *sql, const char *fmt,
			sqlite3_stmt **keep, struct sk_error *err, ...)
{
	sqlite3_stmt *st = NULL;
	if (sk_sqldb_cache_sql(CACHE(l), sql, &st, err) != SK_OK)
		return err->code;
	va_list ap;
	va_start(ap, err);
	int rc = SQLITE_OK;
	for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		if (fmt[i] == 'i')
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			rc = sk_sqldb_bind_text(st, i + 1,
						va_arg(ap, const char *));
	}
	va_end(ap);
	if (rc != SQLITE_OK) {
		sqlite3_clear_bindings(st);
		return sk_sqldb_bind_error(st, rc, err);
	}
	if (keep) {
		*keep = st;
		return SK_OK;
	}
	return sk_sqldb_run(st, "ledger", err);
}

static sk_err_t sq_run_get(struct sk_ledger *l, int64_t id, struct sk_run *r,
			   struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l, "SELECT " RUN_COLS " FROM run WHERE id = ?1", "i", &st,
		    err, id) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger", err);
	bool found = sk_sqldb_next(&it);
	if (found)
		row_to_run(st, r);
	if (sk_sqldb_end(&it) != SK_OK)
		return err->code;
	if (!found)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "no run with id %lld", (long long)id);
	return SK_OK;
}

static sk_err_t sq_run_add(struct sk_ledger *l, struct sk_run *r, bool *created,
			   struct sk_error *err)
{
	int64_t now = sk_now_ms();
	if (run_sql(l,
		    "INSERT OR IGNORE INTO run(job, logical_time, window_from, "
		    "window_to, regions, langs, simple, state, max_attempts, "
		    "next_try_ms, created_ms, origin) VALUES (?1, ?2, ?3, ?4, "
		    "?5, ?6, ?7, 'queued', ?8, ?9, ?10, ?11)",
		    "ttttttiiiit", NULL, err, r->job, r->logical_time,
		    r->window_from, r->window_to, r->regions, r->langs,
		    (int64_t)r->simple, (int64_t)r->max_attempts,
		    r->next_try_ms, now,
		    r->origin[0] ? r->origin : "api") != SK_OK)
		return err->code;
	*created = sqlite3_changes(DB(l)) > 0;
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT " RUN_COLS " FROM run WHERE job = ?1 AND "
		    "logical_time = ?2 AND window_from = ?3 AND window_to = ?4 "
		    "AND regions = ?5 AND langs = ?6 AND simple = ?7",
		    "tttttti", &st, err, r->job, r->logical_time,
		    r->window_from, r->window_to, r->regions, r->langs,
		    (int64_t)r->simple) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger add run", err);
	bool found = sk_sqldb_next(&it);
	if (found)
		row_to_run(st, r);
	if (sk_sqldb_end(&it) != SK_OK)
		return err->code;
	if (!found)
		return sk_error_set(err, SK_ERR_DB, false,
				    "ledger add run: the run is not there "
				    "after its insert");
	return SK_OK;
}

static sk_err_t sq_run_list(struct sk_ledger *l, int state, const char *job,
			    size_t limit,
			    int (*fn)(const struct sk_run *r, void *ud),
			    void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT " RUN_COLS " FROM run WHERE (?1 IS NULL OR state = "
		    "?1) AND (?2 IS NULL OR job = ?2) ORDER BY id DESC LIMIT "
		    "?3",
		    "tti", &st, err,
		    state >= 0 ? sk_run_state_name((enum sk_run_state)state)
			       : NULL,
		    job, (int64_t)(limit ? limit : (size_t)1 << 40)) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger list", err);
	struct sk_run r;
	while (sk_sqldb_next(&it)) {
		row_to_run(st, &r);
		if (fn(&r, ud))
			break;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_run_next_due(struct sk_ledger *l, int64_t now_ms,
				struct sk_run *r, bool *found,
				struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	*found = false;
	if (run_sql(l,
		    "SELECT " RUN_COLS " FROM run WHERE state IN ('queued', "
		    "'up_for_retry') AND next_try_ms <= ?1 ORDER BY "
		    "logical_time, id LIMIT 1",
		    "i", &st, err, now_ms) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger next run", err);
	if (sk_sqldb_next(&it)) {
		row_to_run(st, r);
		*found = true;
	}
	return sk_sqldb_end(&it);
}

/* Inside a write transaction: claim run id if it is claimable. */
static sk_err_t claim_locked(struct sk_ledger *l, int64_t id,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, struct sk_run *r,
			     bool *claimed, struct sk_error *err)
{
	*claimed = false;
	if (run_sql(l,
		    "UPDATE run SET state = 'running', attempts = attempts + "
		    "1, "
		    "start_ms = ?2, end_ms = 0, owner = ?3, lease_until_ms = "
		    "?4, "
		    "fetched = 0, stored = 0, dead = 0 "
		    "WHERE id = ?1 AND state IN " SK_LEDGER_CLAIMABLE,
		    "iiti", NULL, err, id, now_ms, o->id,
		    lease_until_ms) != SK_OK)
		return err->code;
	bool won = sqlite3_changes(DB(l)) == 1;
	if (sq_run_get(l, id, r, err) != SK_OK)
		return err->code;
	if (!won)
		return SK_OK;
	if (run_sql(l,
		    "INSERT OR REPLACE INTO attempt(run_id, attempt, state, "
		    "start_ms, owner) VALUES (?1, ?2, 'running', ?3, ?4)",
		    "iiit", NULL, err, id, (int64_t)r->attempts, now_ms,
		    o->id) != SK_OK)
		return err->code;
	*claimed = true;
	return SK_OK;
}

static sk_err_t sq_run_claim_next(struct sk_ledger *l,
				  const struct sk_ledger_owner *o,
				  int64_t now_ms, int64_t lease_until_ms,
				  struct sk_run *r, bool *claimed,
				  struct sk_error *err)
{
	*claimed = false;
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	struct sk_run due;
	bool found = false;
	if (sq_run_next_due(l, now_ms, &due, &found, err) != SK_OK ||
	    (found && claim_locked(l, due.id, o, now_ms, lease_until_ms, &due,
				   claimed, err) != SK_OK)) {
		sk_sqldb_rollback(DB(l));
		return err->code;
	}
	if (sk_sqldb_commit(DB(l), err) != SK_OK) {
		*claimed = false;
		return err->code;
	}
	if (*claimed)
		*r = due;
	return SK_OK;
}

static sk_err_t sq_run_claim(struct sk_ledger *l, int64_t id,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, struct sk_run *r,
			     bool *claimed, struct sk_error *err)
{
	*claimed = false;
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	if (claim_locked(l, id, o, now_ms, lease_until_ms, r, claimed, err) !=
	    SK_OK) {
		sk_sqldb_rollback(DB(l));
		return err->code;
	}
	if (sk_sqldb_commit(DB(l), err) != SK_OK) {
		*claimed = false;
		return err->code;
	}
	return SK_OK;
}

static sk_err_t sq_run_end(struct sk_ledger *l, const struct sk_run *r,
			   int64_t now_ms, struct sk_error *err)
{
	const char *attempt_state = r->state == SK_RUN_SUCCESS  ? "success"
				    : r->state == SK_RUN_QUEUED ? "interrupted"
								: "failed";
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	if (run_sql(l,
		    "UPDATE run SET state = ?2, next_try_ms = ?3, end_ms = ?4, "
		    "error = ?5, fetched = ?6, stored = stored + ?7, dead = "
		    "dead + ?8, log_excerpt = ?9, lease_until_ms = 0 WHERE id "
		    "= ?1 AND "
		    "state = 'running' AND attempts = ?10 AND owner = ?11",
		    "itiitiiitit", NULL, err, r->id,
		    sk_run_state_name(r->state), r->next_try_ms, now_ms,
		    r->error, r->fetched, r->stored, r->dead, r->log_excerpt,
		    (int64_t)r->attempts, r->owner) != SK_OK)
		goto fail;
	if (sqlite3_changes(DB(l)) != 1) {
		struct sk_run now;
		sk_sqldb_rollback(DB(l));
		if (sq_run_get(l, r->id, &now, err) != SK_OK)
			return err->code;
		return sk_error_set(err, SK_ERR_CONFLICT, false,
				    "run %lld attempt %d is no longer ours "
				    "(%s): the run is %s, attempt %d, owner "
				    "%s; its lease expired and it was "
				    "recovered or taken over",
				    (long long)r->id, r->attempts,
				    r->owner[0] ? r->owner : "no owner",
				    sk_run_state_name(now.state), now.attempts,
				    now.owner[0] ? now.owner : "none");
	}
	if (run_sql(l,
		    "UPDATE attempt SET state = ?3, end_ms = ?4, error = ?5, "
		    "fetched = ?6, stored = stored + ?7, dead = dead + ?8, "
		    "log_excerpt = ?9 WHERE run_id = ?1 AND attempt = ?2",
		    "iititiiit", NULL, err, r->id, (int64_t)r->attempts,
		    attempt_state, now_ms, r->error, r->fetched, r->stored,
		    r->dead, r->log_excerpt) != SK_OK)
		goto fail;
	return sk_sqldb_commit(DB(l), err);
fail:
	sk_sqldb_rollback(DB(l));
	return err->code;
}

static sk_err_t sq_run_credit(struct sk_ledger *l,
			      const struct sk_ledger_credit *c, size_t n,
			      int64_t now_ms, struct sk_error *err)
{
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	if (run_sql(l, "DELETE FROM credit WHERE credited_ms < ?1", "i", NULL,
		    err, now_ms - SK_LEDGER_CREDIT_KEEP_MS) != SK_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (run_sql(l,
			    "INSERT OR IGNORE INTO credit(run_id, attempt, "
			    "part, off, dead, credited_ms) VALUES (?1, ?2, "
			    "?3, ?4, ?5, ?6)",
			    "iiiiii", NULL, err, c[i].run_id,
			    (int64_t)c[i].attempt, (int64_t)c[i].partition,
			    c[i].offset, (int64_t)c[i].dead, now_ms) != SK_OK)
			goto fail;
		if (sqlite3_changes(DB(l)) == 0)
			continue; /* credited before */
		int64_t stored = !c[i].dead, dead = c[i].dead;
		if (run_sql(l,
			    "UPDATE attempt SET stored = stored + ?3, dead = "
			    "dead + ?4 WHERE run_id = ?1 AND attempt = ?2",
			    "iiii", NULL, err, c[i].run_id,
			    (int64_t)c[i].attempt, stored, dead) != SK_OK ||
		    run_sql(l,
			    "UPDATE run SET stored = stored + ?3, dead = dead "
			    "+ "
			    "?4 WHERE id = ?1 AND attempts = ?2",
			    "iiii", NULL, err, c[i].run_id,
			    (int64_t)c[i].attempt, stored, dead) != SK_OK)
			goto fail;
	}
	return sk_sqldb_commit(DB(l), err);
fail:
	sk_sqldb_rollback(DB(l));
	return err->code;
}

static sk_err_t sq_run_skip(struct sk_ledger *l, int64_t id, const char *reason,
			    int64_t now_ms, bool *done, struct sk_error *err)
{
	*done = false;
	if (run_sql(l,
		    "UPDATE run SET state = 'skipped', error = ?2, end_ms = ?3 "
		    "WHERE id = ?1 AND state IN " SK_LEDGER_CLAIMABLE,
		    "iti", NULL, err, id, reason ? reason : "",
		    now_ms) != SK_OK)
		return err->code;
	*done = sqlite3_changes(DB(l)) == 1;
	return SK_OK;
}

static sk_err_t sq_run_clear(struct sk_ledger *l, int64_t id,
			     struct sk_error *err)
{
	struct sk_run r;
	if (sq_run_get(l, id, &r, err) != SK_OK)
		return err->code;
	if (r.state == SK_RUN_RUNNING)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "run %lld is running", (long long)id);
	return run_sql(l,
		       "UPDATE run SET state = 'queued', attempts = 0, "
		       "next_try_ms = 0, error = '' WHERE id = ?1",
		       "i", NULL, err, id);
}

static sk_err_t sq_recover(struct sk_ledger *l, int64_t now_ms, int *n,
			   struct sk_error *err)
{
	*n = 0;
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	if (run_sql(l,
		    "UPDATE attempt SET state = 'interrupted', end_ms = ?1, "
		    "error = 'cut off: the lease of ' || CASE owner WHEN '' "
		    "THEN 'its owner' ELSE owner END || ' expired (crash, kill "
		    "or hang)' WHERE state = 'running' AND EXISTS (SELECT 1 "
		    "FROM run WHERE run.id = attempt.run_id AND run.attempts = "
		    "attempt.attempt AND run.state = 'running' AND "
		    "run.lease_until_ms < ?1)",
		    "i", NULL, err, now_ms) != SK_OK ||
	    run_sql(l,
		    "UPDATE run SET state = 'up_for_retry', next_try_ms = 0, "
		    "lease_until_ms = 0, error = 'cut off: the lease of ' || "
		    "CASE owner WHEN '' THEN 'its owner' ELSE owner END || ' "
		    "expired (crash, kill or hang)' WHERE state = 'running' "
		    "AND lease_until_ms < ?1",
		    "i", NULL, err, now_ms) != SK_OK) {
		sk_sqldb_rollback(DB(l));
		return err->code;
	}
	*n = sqlite3_changes(DB(l));
	return sk_sqldb_commit(DB(l), err);
}

/* Rows of processes silent for this long are forgotten. */
#define DAEMON_FORGET_MS (7LL * 86400000)

static sk_err_t sq_heartbeat(struct sk_ledger *l,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, int *renewed,
			     struct sk_error *err)
{
	*renewed = 0;
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	if (run_sql(l,
		    "UPDATE run SET lease_until_ms = ?2 WHERE owner = ?1 AND "
		    "state = 'running'",
		    "ti", NULL, err, o->id, lease_until_ms) != SK_OK)
		goto fail;
	*renewed = sqlite3_changes(DB(l));
	if (run_sql(l,
		    "INSERT INTO daemon(owner, host, pid, started_ms, "
		    "last_beat_ms, lease_ms, role, version) VALUES (?1, ?2, "
		    "?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(owner) DO UPDATE SET "
		    "last_beat_ms = excluded.last_beat_ms, lease_ms = "
		    "excluded.lease_ms",
		    "ttiiiitt", NULL, err, o->id, o->host, o->pid,
		    o->started_ms, now_ms, lease_until_ms - now_ms, o->role,
		    o->version) != SK_OK ||
	    run_sql(l, "DELETE FROM daemon WHERE last_beat_ms < ?1", "i", NULL,
		    err, now_ms - DAEMON_FORGET_MS) != SK_OK)
		goto fail;
	return sk_sqldb_commit(DB(l), err);
fail:
	sk_sqldb_rollback(DB(l));
	return err->code;
}

static sk_err_t sq_owner_gone(struct sk_ledger *l,
			      const struct sk_ledger_owner *o,
			      struct sk_error *err)
{
	return run_sql(l, "DELETE FROM daemon WHERE owner = ?1", "t", NULL, err,
		       o->id);
}

static sk_err_t sq_daemons(struct sk_ledger *l, int64_t now_ms,
			   int (*fn)(const struct sk_ledger_daemon *d,
				     void *ud),
			   void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT owner, host, pid, started_ms, last_beat_ms, "
		    "lease_ms, role, version FROM daemon ORDER BY started_ms, "
		    "owner",
		    "", &st, err) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger daemons", err);
	while (sk_sqldb_next(&it)) {
		struct sk_ledger_daemon d = {0};
		copy_col(st, 0, d.owner, sizeof d.owner);
		copy_col(st, 1, d.host, sizeof d.host);
		d.pid = sqlite3_column_int64(st, 2);
		d.started_ms = sqlite3_column_int64(st, 3);
		d.last_beat_ms = sqlite3_column_int64(st, 4);
		d.lease_ms = sqlite3_column_int64(st, 5);
		copy_col(st, 6, d.role, sizeof d.role);
		copy_col(st, 7, d.version, sizeof d.version);
		d.alive = d.last_beat_ms + d.lease_ms >= now_ms;
		if (fn(&d, ud))
			break;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_attempts(struct sk_ledger *l, int64_t run_id,
			    int (*fn)(const struct sk_attempt *a, void *ud),
			    void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT attempt, state, start_ms, end_ms, error, fetched, "
		    "stored, dead, owner FROM attempt WHERE run_id = ?1 ORDER "
		    "BY "
		    "attempt",
		    "i", &st, err, run_id) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger attempts", err);
	while (sk_sqldb_next(&it)) {
		struct sk_attempt a = {0};
		a.attempt = sqlite3_column_int(st, 0);
		copy_col(st, 1, a.state, sizeof a.state);
		a.start_ms = sqlite3_column_int64(st, 2);
		a.end_ms = sqlite3_column_int64(st, 3);
		copy_col(st, 4, a.error, sizeof a.error);
		a.fetched = sqlite3_column_int64(st, 5);
		a.stored = sqlite3_column_int64(st, 6);
		a.dead = sqlite3_column_int64(st, 7);
		copy_col(st, 8, a.owner, sizeof a.owner);
		if (fn(&a, ud))
			break;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_check_put(struct sk_ledger *l, int64_t run_id,
			     const char *name, bool ok, const char *detail,
			     int64_t now_ms, struct sk_error *err)
{
	return run_sql(l,
		       "INSERT OR REPLACE INTO check_result(run_id, name, ok, "
		       "detail, checked_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
		       "ititi", NULL, err, run_id, name, (int64_t)ok,
		       detail ? detail : "", now_ms);
}

static sk_err_t sq_checks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const char *name, bool ok,
				    const char *detail, void *ud),
			  void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT name, ok, detail FROM check_result WHERE run_id = "
		    "?1 ORDER BY name",
		    "i", &st, err, run_id) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger checks", err);
	while (sk_sqldb_next(&it)) {
		const unsigned char *n = sqlite3_column_text(st, 0);
		const unsigned char *d = sqlite3_column_text(st, 2);
		if (fn(n ? (const char *)n : "", sqlite3_column_int(st, 1) != 0,
		       d ? (const char *)d : "", ud))
			break;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_task_put(struct sk_ledger *l, int64_t run_id,
			    const struct sk_task *t, struct sk_error *err)
{
	return run_sql(l,
		       "INSERT OR REPLACE INTO task(run_id, attempt, seq, "
		       "name, "
		       "state, start_ms, end_ms, count, error) VALUES (?1, ?2, "
		       "?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		       "iiittiiit", NULL, err, run_id, (int64_t)t->attempt,
		       (int64_t)t->seq, t->name, t->state, t->start_ms,
		       t->end_ms, t->count, t->error);
}

static sk_err_t sq_tasks(struct sk_ledger *l, int64_t run_id,
			 int (*fn)(const struct sk_task *t, void *ud), void *ud,
			 struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT attempt, seq, name, state, start_ms, end_ms, "
		    "count, "
		    "error FROM task WHERE run_id = ?1 ORDER BY attempt, seq",
		    "i", &st, err, run_id) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger tasks", err);
	while (sk_sqldb_next(&it)) {
		struct sk_task t = {0};
		t.attempt = sqlite3_column_int(st, 0);
		t.seq = sqlite3_column_int(st, 1);
		copy_col(st, 2, t.name, sizeof t.name);
		copy_col(st, 3, t.state, sizeof t.state);
		t.start_ms = sqlite3_column_int64(st, 4);
		t.end_ms = sqlite3_column_int64(st, 5);
		t.count = sqlite3_column_int64(st, 6);
		copy_col(st, 7, t.error, sizeof t.error);
		if (fn(&t, ud))
			break;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_chunks_put(struct sk_ledger *l, int64_t run_id,
			      const struct sk_chunk *c, size_t n,
			      struct sk_error *err)
{
	if (sk_sqldb_begin(DB(l), err) != SK_OK)
		return err->code;
	for (size_t i = 0; i < n; i++)
		if (run_sql(l,
			    "INSERT OR REPLACE INTO chunk(run_id, attempt, "
			    "seq, region, lang, window_from, window_to, state, "
			    "start_ms, end_ms, count, error) VALUES (?1, ?2, "
			    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			    "iiiiitttiiit", NULL, err, run_id,
			    (int64_t)c[i].attempt, (int64_t)c[i].seq,
			    (int64_t)c[i].region, (int64_t)c[i].lang, c[i].from,
			    c[i].to, c[i].state, c[i].start_ms, c[i].end_ms,
			    c[i].count, c[i].error) != SK_OK) {
			sk_sqldb_rollback(DB(l));
			return err->code;
		}
	return sk_sqldb_commit(DB(l), err);
}

static sk_err_t sq_chunks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const struct sk_chunk *c, void *ud),
			  void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT attempt, seq, region, lang, window_from, "
		    "window_to, state, start_ms, end_ms, count, error FROM "
		    "chunk WHERE run_id = ?1 ORDER BY attempt, seq",
		    "i", &st, err, run_id) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger chunks", err);
	while (sk_sqldb_next(&it)) {
		struct sk_chunk c = {0};
		c.attempt = sqlite3_column_int(st, 0);
		c.seq = sqlite3_column_int(st, 1);
		c.region = sqlite3_column_int(st, 2);
		c.lang = sqlite3_column_int(st, 3);
		copy_col(st, 4, c.from, sizeof c.from);
		copy_col(st, 5, c.to, sizeof c.to);
		copy_col(st, 6, c.state, sizeof c.state);
		c.start_ms = sqlite3_column_int64(st, 7);
		c.end_ms = sqlite3_column_int64(st, 8);
		c.count = sqlite3_column_int64(st, 9);
		copy_col(st, 10, c.error, sizeof c.error);
		if (fn(&c, ud))
			break;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_meta_get(struct sk_ledger *l, const char *key, char *buf,
			    size_t size, bool *found, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	*found = false;
	if (run_sql(l, "SELECT value FROM meta WHERE key = ?1", "t", &st, err,
		    key) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "ledger meta", err);
	if (sk_sqldb_next(&it)) {
		copy_col(st, 0, buf, size);
		*found = true;
	}
	return sk_sqldb_end(&it);
}

static sk_err_t sq_meta_set(struct sk_ledger *l, const char *key,
			    const char *value, struct sk_error *err)
{
	if (!value)
		return run_sql(l, "DELETE FROM meta WHERE key = ?1", "t", NULL,
			       err, key);
	return run_sql(l,
		       "INSERT INTO meta(key, value) VALUES (?1, ?2) ON "
		       "CONFLICT(key) DO UPDATE SET value = excluded.value",
		       "tt", NULL, err, key, value);
}

const struct sk_ledger_type sk_ledger_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.run_add = sq_run_add,
	.run_get = sq_run_get,
	.run_list = sq_run_list,
	.run_next_due = sq_run_next_due,
	.run_claim_next = sq_run_claim_next,
	.run_claim = sq_run_claim,
	.run_end = sq_run_end,
	.run_credit = sq_run_credit,
	.run_skip = sq_run_skip,
	.run_clear = sq_run_clear,
	.recover = sq_recover,
	.heartbeat = sq_heartbeat,
	.owner_gone = sq_owner_gone,
	.daemons = sq_daemons,
	.attempts = sq_attempts,
	.check_put = sq_check_put,
	.checks = sq_checks,
	.task_put = sq_task_put,
	.tasks = sq_tasks,
	.chunks_put = sq_chunks_put,
	.chunks = sq_chunks,
	.meta_get = sq_meta_get,
	.meta_set = sq_meta_set,
};
