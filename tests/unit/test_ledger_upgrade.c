/*
 * test_ledger_upgrade.c - a SQLite ledger in the format of the code before
 * run.origin (schema 4, made with that code's DDL, with a daily, a backfill
 * and a manual run, one with an attempt and tasks) opened by this code:
 * every run is read back with what it had, and the origin its job implies
 * (schedule, cli, api); a run added afterwards keeps the origin it is
 * given, and its fetch chunks are recorded and listed; the schema is at 5
 * and opening again changes nothing.
 */
#include "sched/ledger.h"
#include "sched/runner.h"
#include "sqldb/sqldb.h"
#include "cases.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ledger DDL of schema 4, as that code applied it (user_version 4). */
static const char v4[] =
	"CREATE TABLE run(id INTEGER PRIMARY KEY, job TEXT NOT NULL,"
	" logical_time TEXT NOT NULL, window_from TEXT NOT NULL,"
	" window_to TEXT NOT NULL, regions TEXT NOT NULL, langs TEXT NOT NULL,"
	" simple INTEGER NOT NULL, state TEXT NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,"
	" next_try_ms INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
	" start_ms INTEGER NOT NULL DEFAULT 0, end_ms INTEGER NOT NULL DEFAULT "
	"0,"
	" error TEXT NOT NULL DEFAULT '', fetched INTEGER NOT NULL DEFAULT 0,"
	" stored INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0,"
	" log_excerpt TEXT NOT NULL DEFAULT '',"
	" UNIQUE(job, logical_time, window_from, window_to, regions, langs,"
	" simple));"
	"CREATE INDEX run_due ON run(state, next_try_ms);"
	"CREATE TABLE attempt(run_id INTEGER NOT NULL REFERENCES run(id) ON "
	" DELETE CASCADE, attempt INTEGER NOT NULL, state TEXT NOT NULL,"
	" start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '', fetched INTEGER NOT NULL DEFAULT 0,"
	" stored INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0,"
	" log_excerpt TEXT NOT NULL DEFAULT '', PRIMARY KEY(run_id, attempt));"
	"CREATE TABLE check_result(run_id INTEGER NOT NULL REFERENCES run(id)"
	" ON DELETE CASCADE, name TEXT NOT NULL, ok INTEGER NOT NULL,"
	" detail TEXT NOT NULL, checked_ms INTEGER NOT NULL,"
	" PRIMARY KEY(run_id, name));"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE task(run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE"
	" CASCADE, attempt INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" name TEXT NOT NULL, state TEXT NOT NULL, start_ms INTEGER NOT NULL,"
	" end_ms INTEGER NOT NULL, count INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '', PRIMARY KEY(run_id, attempt, seq));"
	"ALTER TABLE run ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE run ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE attempt ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX run_owner ON run(owner, state);"
	"CREATE TABLE daemon(owner TEXT PRIMARY KEY, host TEXT NOT NULL,"
	" pid INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
	" last_beat_ms INTEGER NOT NULL, lease_ms INTEGER NOT NULL,"
	" role TEXT NOT NULL, version TEXT NOT NULL);"
	"CREATE TABLE credit(run_id INTEGER NOT NULL, attempt INTEGER NOT NULL,"
	" part INTEGER NOT NULL, off INTEGER NOT NULL, dead INTEGER NOT NULL,"
	" credited_ms INTEGER NOT NULL,"
	" PRIMARY KEY(run_id, attempt, part, off)) WITHOUT ROWID;"
	"CREATE INDEX credit_age ON credit(credited_ms);"
	"INSERT INTO run(id, job, logical_time, window_from, window_to, "
	"regions,"
	" langs, simple, state, attempts, max_attempts, created_ms, start_ms,"
	" end_ms, fetched, stored, owner) VALUES"
	" (1, 'daily', '2024-01-10T16:00:00.000Z', '2024-01-03', '2024-01-12',"
	"  'A', 'nb', 0, 'success', 1, 3, 1000, 2000, 5000, 50, 42, 'h:1:1'),"
	" (2, 'backfill', '2023-12-01T00:00:00.000Z', '2023-12-01',"
	"  '2023-12-30', 'all', 'both', 0, 'failed', 3, 3, 1000, 0, 0, 0, 0, "
	"''),"
	" (3, 'manual', '2024-01-11T09:00:00.000Z', '2024-01-11', '2024-01-11',"
	"  '3011', 'en', 1, 'queued', 0, 3, 1000, 0, 0, 0, 0, '');"
	"INSERT INTO attempt(run_id, attempt, state, start_ms, end_ms, fetched,"
	" stored, owner) VALUES (1, 1, 'success', 2000, 5000, 50, 42, 'h:1:1');"
	"INSERT INTO task(run_id, attempt, seq, name, state, start_ms, end_ms,"
	" count) VALUES (1, 1, 1, 'fetch', 'success', 2000, 3000, 50),"
	" (1, 1, 2, 'process', 'success', 2100, 4000, 42),"
	" (1, 1, 3, 'checks', 'success', 4000, 5000, 3);"
	"PRAGMA user_version = 4;";

static struct sk_config *config_for(const char *dir)
{
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_ledger_cfg,
						   sk_sched_cfg, NULL};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", dir, "test", &err), SK_OK);
	return cfg;
}

static int see_run(const struct sk_run *r, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%s%lld:%s:%s:%s", n ? " " : "",
		 (long long)r->id, r->job, sk_run_state_name(r->state),
		 r->origin);
	return 0;
}

static int see_chunk(const struct sk_chunk *c, void *ud)
{
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%s%d:%d:%s:%lld%s%s", n ? " " : "", c->seq,
		 c->region, c->state, (long long)(c->end_ms - c->start_ms),
		 c->error[0] ? ":" : "", c->error);
	return 0;
}

static int count_tasks(const struct sk_task *t, void *ud)
{
	(void)t;
	(*(int *)ud)++;
	return 0;
}

static void test_v4_ledger(void)
{
	char dir[] = "/tmp/skred-ledger-up-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	struct sk_error err = {0};
	sqlite3 *db = NULL;
	CHECK_INT(sk_sqldb_open(&db, path, &err), SK_OK);
	CHECK_INT(sk_sqldb_exec(db, v4, &err), SK_OK);
	sk_sqldb_close(db);

	struct sk_config *cfg = config_for(dir);
	struct sk_ledger *l = NULL;
	for (int pass = 0; pass < 2; pass++) {
		CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_OK);
		char seen[512] = "";
		CHECK_INT(sk_ledger_run_list(l, -1, NULL, 0, see_run, seen,
					     &err),
			  SK_OK);
		CHECK_STR(seen,
			  pass ? "4:manual:queued:cli 3:manual:queued:api "
				 "2:backfill:failed:cli "
				 "1:daily:success:schedule"
			       : "3:manual:queued:api "
				 "2:backfill:failed:cli "
				 "1:daily:success:schedule");
		struct sk_run r;
		CHECK_INT(sk_ledger_run_get(l, 1, &r, &err), SK_OK);
		CHECK_INT(r.stored, 42);
		CHECK_INT(r.fetched, 50);
		CHECK_INT(r.end_ms - r.start_ms, 3000);
		CHECK_STR(r.owner, "h:1:1");
		int n = 0;
		CHECK_INT(sk_ledger_tasks(l, 1, count_tasks, &n, &err), SK_OK);
		CHECK_INT(n, 3);
		char ch[256] = "";
		CHECK_INT(sk_ledger_chunks(l, 4, see_chunk, ch, &err), SK_OK);
		CHECK_STR(ch,
			  pass ? "1:3011:success:20 2:3012:failed:38:timeout"
			       : "");
		if (!pass) {
			/* a new run keeps the origin it is given */
			struct sk_run nr = {0};
			snprintf(nr.job, sizeof nr.job, "manual");
			snprintf(nr.origin, sizeof nr.origin, "cli");
			snprintf(nr.logical_time, sizeof nr.logical_time,
				 "2024-01-12T09:00:00.000Z");
			snprintf(nr.window_from, sizeof nr.window_from,
				 "2024-01-12");
			snprintf(nr.window_to, sizeof nr.window_to,
				 "2024-01-12");
			snprintf(nr.regions, sizeof nr.regions, "A");
			snprintf(nr.langs, sizeof nr.langs, "en");
			nr.max_attempts = 1;
			bool created = false;
			CHECK_INT(sk_ledger_run_add(l, &nr, &created, &err),
				  SK_OK);
			CHECK(created);
			CHECK_INT(nr.id, 4);
			CHECK_STR(nr.origin, "cli");
			/* the new chunk table: put, replaced, listed */
			struct sk_chunk ck[2] = {
				{.attempt = 1,
				 .seq = 1,
				 .region = 3011,
				 .lang = 2,
				 .from = "2024-01-12",
				 .to = "2024-01-12",
				 .state = "success",
				 .start_ms = 10,
				 .end_ms = 30,
				 .count = 1},
				{.attempt = 1,
				 .seq = 2,
				 .region = 3012,
				 .lang = 2,
				 .from = "2024-01-12",
				 .to = "2024-01-12",
				 .state = "failed",
				 .start_ms = 12,
				 .end_ms = 50,
				 .error = "timeout"},
			};
			CHECK_INT(sk_ledger_chunks_put(l, 4, ck, 2, &err),
				  SK_OK);
			CHECK_INT(sk_ledger_chunks_put(l, 4, ck + 1, 1, &err),
				  SK_OK);
		}
		sk_ledger_close(l);
	}
	CHECK_INT(sk_sqldb_open(&db, path, &err), SK_OK);
	sqlite3_stmt *st = NULL;
	CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(st, 0), 5);
	sqlite3_finalize(st);
	sk_sqldb_close(db);
	sk_config_free(cfg);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static const struct sk_case cases[] = {
	{"v4_ledger", test_v4_ledger},
};

SK_CASES_MAIN(cases)
