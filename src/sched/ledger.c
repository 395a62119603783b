/*
 * ledger.c - the run ledger in SQLite (see ledger.h).
 */
#include "sched/ledger.h"
#include "sqldb/sqldb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_ledger {
	sqlite3 *db;
};

static const char *const state_names[SK_RUN__COUNT] = {
	"queued", "running", "success", "failed", "up_for_retry", "skipped",
};

const char *sk_run_state_name(enum sk_run_state s)
{
	return (int)s >= 0 && s < SK_RUN__COUNT ? state_names[s] : "unknown";
}

int sk_run_state_parse(const char *name)
{
	for (int i = 0; name && i < SK_RUN__COUNT; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}

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
};

#define RUN_COLS                                                               \
	"id, job, logical_time, window_from, window_to, regions, langs, "     \
	"simple, state, attempts, max_attempts, next_try_ms, created_ms, "    \
	"start_ms, end_ms, error, fetched, stored, dead, log_excerpt"

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void row_to_run(sqlite3_stmt *st, struct sk_run *r)
{
	char state[32];
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, r->job, sizeof r->job);
	copy_col(st, 2, r->logical_time, sizeof r->logical_time);
	copy_col(st, 3, r->window_from, sizeof r->window_from);
	copy_col(st, 4, r->window_to, sizeof r->window_to);
	copy_col(st, 5, r->regions, sizeof r->regions);
	copy_col(st, 6, r->langs, sizeof r->langs);
	r->simple = sqlite3_column_int(st, 7) != 0;
	copy_col(st, 8, state, sizeof state);
	int s = sk_run_state_parse(state);
	r->state = s < 0 ? SK_RUN_FAILED : (enum sk_run_state)s;
	r->attempts = sqlite3_column_int(st, 9);
	r->max_attempts = sqlite3_column_int(st, 10);
	r->next_try_ms = sqlite3_column_int64(st, 11);
	r->created_ms = sqlite3_column_int64(st, 12);
	r->start_ms = sqlite3_column_int64(st, 13);
	r->end_ms = sqlite3_column_int64(st, 14);
	copy_col(st, 15, r->error, sizeof r->error);
	r->fetched = sqlite3_column_int64(st, 16);
	r->stored = sqlite3_column_int64(st, 17);
	r->dead = sqlite3_column_int64(st, 18);
	copy_col(st, 19, r->log_excerpt, sizeof r->log_excerpt);
}

sk_err_t sk_ledger_open(struct sk_ledger **out, const char *path,
			struct sk_error *err)
{
	*out = NULL;
	struct sk_ledger *l = calloc(1, sizeof *l);
	if (!l)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	if (sk_sqldb_open(&l->db, path, err) != SK_OK ||
	    sk_sqldb_migrate(l->db, "ledger", schema,
			     sizeof schema / sizeof schema[0], err) != SK_OK) {
		sk_ledger_close(l);
		return err->code;
	}
	*out = l;
	return SK_OK;
}

void sk_ledger_close(struct sk_ledger *l)
{
	if (!l)
		return;
	sk_sqldb_close(l->db);
	free(l);
}

/* Prepare, bind with a format ('i' int64, 't' text), step once. */
static sk_err_t run_sql(struct sk_ledger *l, const char *sql, const char *fmt,
			sqlite3_stmt **keep, struct sk_error *err, ...)
{
	sqlite3_stmt *st = NULL;
	if (sk_sqldb_prepare(l->db, &st, sql, err) != SK_OK)
		return err->code;
	va_list ap;
	va_start(ap, err);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			sk_sqldb_bind_text(st, i + 1, va_arg(ap, const char *));
	}
	va_end(ap);
	if (keep) {
		*keep = st;
		return SK_OK;
	}
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sk_sqldb_error(l->db, "ledger", err);
	return SK_OK;
}

sk_err_t sk_ledger_run_get(struct sk_ledger *l, int64_t id, struct sk_run *r,
			   struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l, "SELECT " RUN_COLS " FROM run WHERE id = ?1", "i", &st,
		    err, id) != SK_OK)
		return err->code;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_run(st, r);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "no run with id %lld", (long long)id);
	if (rc != SQLITE_ROW)
		return sk_sqldb_error(l->db, "ledger", err);
	return SK_OK;
}

sk_err_t sk_ledger_run_add(struct sk_ledger *l, struct sk_run *r,
			   bool *created, struct sk_error *err)
{
	int64_t now = sk_now_ms();
	if (run_sql(l,
		    "INSERT OR IGNORE INTO run(job, logical_time, window_from, "
		    "window_to, regions, langs, simple, state, max_attempts, "
		    "next_try_ms, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		    "?7, 'queued', ?8, ?9, ?10)",
		    "ttttttiiii", NULL, err, r->job, r->logical_time,
		    r->window_from, r->window_to, r->regions, r->langs,
		    (int64_t)r->simple, (int64_t)r->max_attempts,
		    r->next_try_ms, now) != SK_OK)
		return err->code;
	*created = sqlite3_changes(l->db) > 0;
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT " RUN_COLS " FROM run WHERE job = ?1 AND "
		    "logical_time = ?2 AND window_from = ?3 AND window_to = ?4 "
		    "AND regions = ?5 AND langs = ?6 AND simple = ?7",
		    "tttttti", &st, err, r->job, r->logical_time,
		    r->window_from, r->window_to, r->regions, r->langs,
		    (int64_t)r->simple) != SK_OK)
		return err->code;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_to_run(st, r);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sk_sqldb_error(l->db, "ledger add run", err);
	return SK_OK;
}

sk_err_t sk_ledger_run_list(struct sk_ledger *l, int state, const char *job,
			    size_t limit,
			    int (*fn)(const struct sk_run *r, void *ud),
			    void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT " RUN_COLS " FROM run WHERE (?1 IS NULL OR state = "
		    "?1) AND (?2 IS NULL OR job = ?2) ORDER BY id DESC LIMIT ?3",
		    "tti", &st, err,
		    state >= 0 ? sk_run_state_name((enum sk_run_state)state)
			       : NULL,
		    job, (int64_t)(limit ? limit : (size_t)1 << 40)) != SK_OK)
		return err->code;
	int rc;
	struct sk_run r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_run(st, &r);
		if (fn(&r, ud))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sk_sqldb_error(l->db, "ledger list", err);
	return SK_OK;
}

sk_err_t sk_ledger_run_next_due(struct sk_ledger *l, int64_t now_ms,
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
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_run(st, r);
		*found = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sk_sqldb_error(l->db, "ledger next run", err);
	return SK_OK;
}

sk_err_t sk_ledger_run_begin(struct sk_ledger *l, struct sk_run *r,
			     int64_t now_ms, struct sk_error *err)
{
	if (sk_sqldb_begin(l->db, err) != SK_OK)
		return err->code;
	r->attempts++;
	r->state = SK_RUN_RUNNING;
	r->start_ms = now_ms;
	r->end_ms = 0;
	if (run_sql(l,
		    "UPDATE run SET state = 'running', attempts = ?2, "
		    "start_ms = ?3, end_ms = 0 WHERE id = ?1",
		    "iii", NULL, err, r->id, (int64_t)r->attempts, now_ms) !=
		    SK_OK ||
	    run_sql(l,
		    "INSERT OR REPLACE INTO attempt(run_id, attempt, state, "
		    "start_ms) VALUES (?1, ?2, 'running', ?3)",
		    "iii", NULL, err, r->id, (int64_t)r->attempts, now_ms) !=
		    SK_OK) {
		sk_sqldb_rollback(l->db);
		return err->code;
	}
	return sk_sqldb_commit(l->db, err);
}

sk_err_t sk_ledger_run_end(struct sk_ledger *l, const struct sk_run *r,
			   int64_t now_ms, struct sk_error *err)
{
	const char *attempt_state =
		r->state == SK_RUN_SUCCESS   ? "success"
		: r->state == SK_RUN_QUEUED ? "interrupted"
					    : "failed";
	if (sk_sqldb_begin(l->db, err) != SK_OK)
		return err->code;
	if (run_sql(l,
		    "UPDATE run SET state = ?2, next_try_ms = ?3, end_ms = ?4, "
		    "error = ?5, fetched = ?6, stored = ?7, dead = ?8, "
		    "log_excerpt = ?9 WHERE id = ?1",
		    "itiitiiit", NULL, err, r->id, sk_run_state_name(r->state),
		    r->next_try_ms, now_ms, r->error, r->fetched, r->stored,
		    r->dead, r->log_excerpt) != SK_OK ||
	    run_sql(l,
		    "UPDATE attempt SET state = ?3, end_ms = ?4, error = ?5, "
		    "fetched = ?6, stored = ?7, dead = ?8, log_excerpt = ?9 "
		    "WHERE run_id = ?1 AND attempt = ?2",
		    "iititiiit", NULL, err, r->id, (int64_t)r->attempts,
		    attempt_state, now_ms, r->error, r->fetched, r->stored,
		    r->dead, r->log_excerpt) != SK_OK) {
		sk_sqldb_rollback(l->db);
		return err->code;
	}
	return sk_sqldb_commit(l->db, err);
}

sk_err_t sk_ledger_run_clear(struct sk_ledger *l, int64_t id,
			     struct sk_error *err)
{
	struct sk_run r;
	if (sk_ledger_run_get(l, id, &r, err) != SK_OK)
		return err->code;
	if (r.state == SK_RUN_RUNNING)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "run %lld is running", (long long)id);
	return run_sql(l,
		       "UPDATE run SET state = 'queued', attempts = 0, "
		       "next_try_ms = 0, error = '' WHERE id = ?1",
		       "i", NULL, err, id);
}

sk_err_t sk_ledger_recover(struct sk_ledger *l, int64_t now_ms, int *n,
			   struct sk_error *err)
{
	*n = 0;
	if (sk_sqldb_begin(l->db, err) != SK_OK)
		return err->code;
	if (run_sql(l,
		    "UPDATE attempt SET state = 'interrupted', end_ms = ?1, "
		    "error = 'cut off: skred ended during the attempt (crash or "
		    "kill)' WHERE state = 'running'",
		    "i", NULL, err, now_ms) != SK_OK ||
	    run_sql(l,
		    "UPDATE run SET state = 'up_for_retry', next_try_ms = ?1, "
		    "error = 'cut off: skred ended during the run (crash or "
		    "kill)' WHERE state = 'running'",
		    "i", NULL, err, now_ms) != SK_OK) {
		sk_sqldb_rollback(l->db);
		return err->code;
	}
	*n = sqlite3_changes(l->db);
	return sk_sqldb_commit(l->db, err);
}

sk_err_t sk_ledger_attempts(struct sk_ledger *l, int64_t run_id,
			    int (*fn)(const struct sk_attempt *a, void *ud),
			    void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT attempt, state, start_ms, end_ms, error, fetched, "
		    "stored, dead FROM attempt WHERE run_id = ?1 ORDER BY "
		    "attempt",
		    "i", &st, err, run_id) != SK_OK)
		return err->code;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sk_attempt a = {0};
		a.attempt = sqlite3_column_int(st, 0);
		copy_col(st, 1, a.state, sizeof a.state);
		a.start_ms = sqlite3_column_int64(st, 2);
		a.end_ms = sqlite3_column_int64(st, 3);
		copy_col(st, 4, a.error, sizeof a.error);
		a.fetched = sqlite3_column_int64(st, 5);
		a.stored = sqlite3_column_int64(st, 6);
		a.dead = sqlite3_column_int64(st, 7);
		if (fn(&a, ud))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sk_sqldb_error(l->db, "ledger attempts", err);
	return SK_OK;
}

sk_err_t sk_ledger_check_put(struct sk_ledger *l, int64_t run_id,
			     const char *name, bool ok, const char *detail,
			     int64_t now_ms, struct sk_error *err)
{
	return run_sql(l,
		       "INSERT OR REPLACE INTO check_result(run_id, name, ok, "
		       "detail, checked_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
		       "ititi", NULL, err, run_id, name, (int64_t)ok,
		       detail ? detail : "", now_ms);
}

sk_err_t sk_ledger_checks(struct sk_ledger *l, int64_t run_id,
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
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *n = sqlite3_column_text(st, 0);
		const unsigned char *d = sqlite3_column_text(st, 2);
		if (fn(n ? (const char *)n : "", sqlite3_column_int(st, 1) != 0,
		       d ? (const char *)d : "", ud))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sk_sqldb_error(l->db, "ledger checks", err);
	return SK_OK;
}

sk_err_t sk_ledger_task_put(struct sk_ledger *l, int64_t run_id,
			    const struct sk_task *t, struct sk_error *err)
{
	return run_sql(l,
		       "INSERT OR REPLACE INTO task(run_id, attempt, seq, name, "
		       "state, start_ms, end_ms, count, error) VALUES (?1, ?2, "
		       "?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		       "iiittiiit", NULL, err, run_id, (int64_t)t->attempt,
		       (int64_t)t->seq, t->name, t->state, t->start_ms,
		       t->end_ms, t->count, t->error);
}

sk_err_t sk_ledger_tasks(struct sk_ledger *l, int64_t run_id,
			 int (*fn)(const struct sk_task *t, void *ud),
			 void *ud, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (run_sql(l,
		    "SELECT attempt, seq, name, state, start_ms, end_ms, count, "
		    "error FROM task WHERE run_id = ?1 ORDER BY attempt, seq",
		    "i", &st, err, run_id) != SK_OK)
		return err->code;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sk_sqldb_error(l->db, "ledger tasks", err);
	return SK_OK;
}

sk_err_t sk_ledger_meta_get(struct sk_ledger *l, const char *key, char *buf,
			    size_t size, bool *found, struct sk_error *err)
{
	sqlite3_stmt *st = NULL;
	*found = false;
	if (run_sql(l, "SELECT value FROM meta WHERE key = ?1", "t", &st, err,
		    key) != SK_OK)
		return err->code;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(st, 0, buf, size);
		*found = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sk_sqldb_error(l->db, "ledger meta", err);
	return SK_OK;
}

sk_err_t sk_ledger_meta_set(struct sk_ledger *l, const char *key,
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
