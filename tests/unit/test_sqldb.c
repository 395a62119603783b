/*
 * test_sqldb.c - sqldb's statement cache and row iterator: a statement is
 * prepared once per key (index or SQL text) and handed out again reset and
 * unbound; a statement still being stepped is refused, not reset under its
 * loop; the iterator yields every row, stops early without holding a lock,
 * and maps a failing step to SK_ERR_DB once, with the operation's name;
 * a prepare error is SK_ERR_DB and caches nothing; close finalizes all;
 * threads opening one new database at once all open it (switching it to
 * WAL is refused at once, without the busy timeout, while another
 * connection switches it: the open tries again).
 * The background checkpointer: commits past its threshold are checkpointed
 * on a thread of its own (started on the first), the WAL stays bounded,
 * stop joins it, and the close still removes the WAL with every row kept.
 */
#define _POSIX_C_SOURCE 200809L
#include "sqldb/sqldb.h"
#include "cases.h"

#include <pthread.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sqlite3 *db;
static char dir[] = "/tmp/test_sqldb.XXXXXX";

static int count_rows(struct sk_sqldb_cache *c, const char *what)
{
	struct sk_error err = {0};
	sqlite3_stmt *st;
	if (sk_sqldb_cache_sql(c, "SELECT k FROM t ORDER BY k", &st, &err) !=
	    SK_OK)
		return -1;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, what, &err);
	int n = 0;
	while (sk_sqldb_next(&it))
		n++;
	return sk_sqldb_end(&it) == SK_OK ? n : -1;
}

static void test_cache(void)
{
	struct sk_error err = {0};
	struct sk_sqldb_cache c;
	sk_sqldb_cache_init(&c, db);
	sqlite3_stmt *a = NULL, *b = NULL;
	const char *ins = "INSERT INTO t(k, v) VALUES (?1, ?2)";
	/* By index: prepared once, the same statement after. */
	CHECK_INT(sk_sqldb_cache_at(&c, 3, ins, &a, &err), SK_OK);
	CHECK(a != NULL);
	sqlite3_bind_int64(a, 1, 1);
	sqlite3_bind_text(a, 2, "one", -1, SQLITE_STATIC);
	CHECK_INT(sk_sqldb_run(a, "insert", &err), SK_OK);
	CHECK_INT(sk_sqldb_cache_at(&c, 3, ins, &b, &err), SK_OK);
	CHECK(a == b);
	/* Bindings cleared: v binds NULL, refused by NOT NULL. */
	sqlite3_bind_int64(b, 1, 2);
	CHECK_INT(sk_sqldb_run(b, "insert two", &err), SK_ERR_DB);
	CHECK(strstr(err.msg, "insert two: ") == err.msg);
	CHECK(strstr(err.msg, "NOT NULL") != NULL);
	CHECK(!err.retriable);
	/* Another index beyond the first grows the slots. */
	CHECK_INT(sk_sqldb_cache_at(&c, 40, "SELECT 40", &b, &err), SK_OK);
	CHECK(a != b);
	CHECK_INT(sk_sqldb_cache_at(&c, 3, ins, &b, &err), SK_OK);
	CHECK(a == b);
	/* By text: compared by content, not by pointer. */
	char sql[64];
	snprintf(sql, sizeof sql, "%s", "SELECT k FROM t ORDER BY k");
	CHECK_INT(sk_sqldb_cache_sql(&c, sql, &a, &err), SK_OK);
	sql[0] = 'X'; /* the cache kept its own copy */
	CHECK_INT(sk_sqldb_cache_sql(&c, "SELECT k FROM t ORDER BY k", &b,
				     &err),
		  SK_OK);
	CHECK(a == b);
	CHECK_INT(c.n_text, 1);
	/* Prepare error: SK_ERR_DB, nothing cached. */
	CHECK_INT(sk_sqldb_cache_sql(&c, "SELEKT nonsense", &a, &err),
		  SK_ERR_DB);
	CHECK(a == NULL);
	CHECK(strstr(err.msg, "prepare") != NULL);
	CHECK_INT(c.n_text, 1);
	CHECK_INT(sk_sqldb_cache_at(&c, 5, "SELEKT", &a, &err), SK_ERR_DB);
	/* Many texts. */
	for (int i = 0; i < 40; i++) {
		snprintf(sql, sizeof sql, "SELECT %d", i);
		CHECK_INT(sk_sqldb_cache_sql(&c, sql, &a, &err), SK_OK);
		CHECK_INT(sk_sqldb_run(a, "select", &err), SK_OK);
	}
	CHECK_INT(c.n_text, 41);
	sk_sqldb_cache_close(&c);
	CHECK_INT(c.n_text, 0);
	CHECK(c.db == db);
	/* Every statement finalized: none left on the connection. */
	CHECK(sqlite3_next_stmt(db, NULL) == NULL);
	sk_sqldb_cache_close(NULL);
}

static void test_iter(void)
{
	struct sk_error err = {0};
	struct sk_sqldb_cache c;
	sk_sqldb_cache_init(&c, db);
	sqlite3_stmt *st;
	for (int i = 10; i < 15; i++) {
		CHECK_INT(sk_sqldb_cache_at(&c, 0,
					    "INSERT INTO t(k, v) VALUES (?1, "
					    "'x')",
					    &st, &err),
			  SK_OK);
		sqlite3_bind_int64(st, 1, i);
		CHECK_INT(sk_sqldb_run(st, "insert", &err), SK_OK);
	}
	CHECK_INT(count_rows(&c, "all"), 6); /* 1 from test_cache + 5 */
	/* Stop early: the statement is reset, the next use starts over. */
	CHECK_INT(sk_sqldb_cache_sql(&c, "SELECT k FROM t ORDER BY k", &st,
				     &err),
		  SK_OK);
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "first", &err);
	CHECK(sk_sqldb_next(&it));
	CHECK_INT(sqlite3_column_int(st, 0), 1);
	/* Re-entered while stepping: refused, the loop is not disturbed. */
	sqlite3_stmt *again = NULL;
	CHECK_INT(sk_sqldb_cache_sql(&c, "SELECT k FROM t ORDER BY k", &again,
				     &err),
		  SK_ERR_INVAL);
	CHECK(again == NULL);
	CHECK(sk_sqldb_next(&it));
	CHECK_INT(sqlite3_column_int(st, 0), 10);
	CHECK_INT(sk_sqldb_end(&it), SK_OK);
	CHECK(!sqlite3_stmt_busy(st));
	CHECK(!sk_sqldb_next(&it)); /* ended stays ended */
	CHECK_INT(count_rows(&c, "again"), 6);
	/* A step error (a failing function at the second row): SK_ERR_DB
	 * named after the operation, the rows before it seen. */
	CHECK_INT(sk_sqldb_cache_sql(&c,
				     "SELECT k, CASE WHEN k > 1 THEN "
				     "json('{bad') ELSE 0 END FROM t ORDER "
				     "BY k",
				     &st, &err),
		  SK_OK);
	it = SK_SQLDB_ITER(st, "bad rows", &err);
	int n = 0;
	while (sk_sqldb_next(&it))
		n++;
	CHECK_INT(n, 1);
	CHECK_INT(sk_sqldb_end(&it), SK_ERR_DB);
	CHECK_INT(err.code, SK_ERR_DB);
	CHECK(strstr(err.msg, "bad rows: ") == err.msg);
	/* A rollback while nothing is stepping works (no statement holds
	 * the transaction open). */
	CHECK_INT(sk_sqldb_begin(db, &err), SK_OK);
	CHECK_INT(sk_sqldb_cache_at(&c, 0,
				    "INSERT INTO t(k, v) VALUES (?1, "
				    "'x')",
				    &st, &err),
		  SK_OK);
	sqlite3_bind_int64(st, 1, 99);
	CHECK_INT(sk_sqldb_run(st, "insert", &err), SK_OK);
	sk_sqldb_rollback(db);
	CHECK_INT(count_rows(&c, "after rollback"), 6);
	sk_sqldb_cache_close(&c);
	CHECK(sqlite3_next_stmt(db, NULL) == NULL);
}

enum {
	OPENERS = 4,
	FRESH_DBS = 60
};

struct opener {
	const char *path;
	pthread_barrier_t *go;
	sk_err_t rc;
	struct sk_error err;
};

static void *open_fresh(void *arg)
{
	struct opener *o = arg;
	sqlite3 *d = NULL;
	pthread_barrier_wait(o->go);
	o->rc = sk_sqldb_open(&d, o->path, &o->err);
	sk_sqldb_close(d);
	return NULL;
}

static void test_open_race(void)
{
	char path[160];
	int failed = 0;
	for (int i = 0; i < FRESH_DBS; i++) {
		snprintf(path, sizeof path, "%s/fresh%d.db", dir, i);
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, OPENERS);
		struct opener o[OPENERS];
		pthread_t th[OPENERS];
		for (int k = 0; k < OPENERS; k++) {
			o[k] = (struct opener){.path = path, .go = &go};
			CHECK(pthread_create(&th[k], NULL, open_fresh, &o[k]) ==
			      0);
		}
		for (int k = 0; k < OPENERS; k++) {
			pthread_join(th[k], NULL);
			if (o[k].rc != SK_OK && failed++ == 0)
				fprintf(stderr, "open %s: %s\n", path,
					o[k].err.msg);
		}
		pthread_barrier_destroy(&go);
		const char *sfx[] = {"", "-wal", "-shm"};
		for (size_t k = 0; k < 3; k++) {
			char f[192];
			snprintf(f, sizeof f, "%s%s", path, sfx[k]);
			unlink(f);
		}
	}
	CHECK_INT(failed, 0);
}

/* Threads of this process. */
static int n_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* n_threads once it shows want, or after 2 s: a joined thread can stay
 * listed in /proc/self/task for a moment (the kernel clears the thread id
 * that pthread_join waits for before it removes the task). */
static int n_threads_settled(int want)
{
	int n = n_threads();
	for (int i = 0; i < 200 && n != want; i++) {
		sk_sleep_ms(10);
		n = n_threads();
	}
	return n;
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void test_ckpt(void)
{
	struct sk_error err = {0};
	char path[160], wal[170];
	snprintf(path, sizeof path, "%s/c.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
	sqlite3 *c = NULL;
	CHECK_INT(sk_sqldb_open(&c, path, &err), SK_OK);
	CHECK_INT(sk_sqldb_exec(c, "CREATE TABLE b(k INTEGER PRIMARY KEY, v)",
				&err),
		  SK_OK);
	/* the earlier cases' threads gone (open_race's are joined) */
	int threads = n_threads_settled(1);
	struct sk_sqldb_ckpt *ck = NULL;
	CHECK_INT(sk_sqldb_ckpt_start(c, path, 20, &ck, &err), SK_OK);
	CHECK_INT(n_threads(), threads); /* none before the first checkpoint */
	sqlite3_stmt *ins = NULL;
	CHECK_INT(sk_sqldb_prepare(c, &ins,
				   "INSERT INTO b(v) VALUES (zeroblob(4000))",
				   &err),
		  SK_OK);
	long wal_max = 0;
	for (int i = 0; i < 300; i++) {
		CHECK_INT(sk_sqldb_begin(c, &err), SK_OK);
		CHECK_INT(sk_sqldb_run(ins, "insert", &err), SK_OK);
		CHECK_INT(sk_sqldb_commit(c, &err), SK_OK);
		long n = file_size(wal);
		wal_max = n > wal_max ? n : wal_max;
	}
	sqlite3_finalize(ins);
	CHECK(n_threads() > threads); /* checkpoints on their own thread */
	/* 300 commits of 2 pages each: 2.4 MB of WAL without checkpoints;
	 * inline ones start at 8 x 20 pages. */
	long bound = (8 * 20 + 8) * (4096 + 24) + 32;
	CHECK(wal_max > 0 && wal_max <= bound);
	if (wal_max > bound)
		fprintf(stderr, "# WAL reached %ld bytes (bound %ld)\n",
			wal_max, bound);
	/* The database file has the rows the checkpoints moved there. */
	CHECK(file_size(path) > 100 * 4096);
	sk_sqldb_ckpt_stop(ck);
	CHECK_INT(n_threads_settled(threads), threads);
	sk_sqldb_close(c);
	CHECK(file_size(wal) < 0); /* the last close checkpointed it away */
	CHECK_INT(sk_sqldb_open(&c, path, &err), SK_OK);
	sqlite3_stmt *cnt = NULL;
	CHECK_INT(sk_sqldb_prepare(c, &cnt, "SELECT count(*) FROM b", &err),
		  SK_OK);
	CHECK(sqlite3_step(cnt) == SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(cnt, 0), 300);
	sqlite3_finalize(cnt);
	sk_sqldb_close(c);
	sk_sqldb_ckpt_stop(NULL);
	const char *sfx[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char f[180];
		snprintf(f, sizeof f, "%s%s", path, sfx[i]);
		unlink(f);
	}
}

static const struct sk_case cases[] = {
	{"cache", test_cache},
	{"iter", test_iter},
	{"open_race", test_open_race},
	{"ckpt", test_ckpt},
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	struct sk_error err = {0};
	CHECK(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof path, "%s/t.db", dir);
	CHECK_INT(sk_sqldb_open(&db, path, &err), SK_OK);
	CHECK_INT(sk_sqldb_exec(db,
				"CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT "
				"NOT NULL)",
				&err),
		  SK_OK);
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	sk_sqldb_close(db);
	char f[160];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", path, sfx[i]);
		unlink(f);
	}
	rmdir(dir);
	return rc;
}
