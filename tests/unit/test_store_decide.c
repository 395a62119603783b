/*
 * test_store_decide.c - the write decision above the backends, on the
 * SQLite warehouse: the content hash of a known record is the value the
 * SQLite store has always stored (pinned), and the case table of
 * tests/store_cases.h (inserted / unchanged / updated / stale, the tie
 * rule, missing publish times, several puts in one transaction) with the
 * record each case must leave readable. tests/external/test_store_decide.c
 * runs the same table on Cassandra.
 *
 * Usage: test_store_decide [--case NAME]
 */
#define _XOPEN_SOURCE 700
#include "proc/proc.h"
#include "old_warehouse.h"
#include "store_cases.h"
#include "test_data.h"

#include <sqlite3.h>
#include <unistd.h>

static char db_path[512];

static int64_t scalar(const char *sql, char *text, size_t size)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int64_t v = -1;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		v = sqlite3_column_int64(stmt, 0);
		if (text) {
			const unsigned char *t = sqlite3_column_text(stmt, 0);
			snprintf(text, size, "%s", t ? (const char *)t : "");
		}
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* sk_store_decide alone, including what no put through SQLite can show:
 * a current row without a hash (a Cassandra row whose writes were cut off
 * before its completion mark) is written again. */
static void decide_pure(void)
{
	static const struct {
		const char *name;
		bool found, cur_has_pub;
		int64_t cur_pub;
		const char *cur_hash;
		bool has_pub;
		int64_t pub;
		const char *hash;
		bool seen;
		enum sk_store_put want;
		bool needs_seen;
	} cases[] = {
		{"none", false, false, 0, "", true, 5, "b", false,
		 SK_STORE_INSERTED, false},
		{"same", true, true, 5, "a", true, 5, "a", false,
		 SK_STORE_UNCHANGED, false},
		{"later", true, true, 5, "a", true, 6, "b", false,
		 SK_STORE_UPDATED, false},
		{"earlier", true, true, 5, "a", true, 4, "b", false,
		 SK_STORE_STALE, false},
		{"tie_new", true, true, 5, "a", true, 5, "b", false,
		 SK_STORE_UPDATED, true},
		{"tie_seen", true, true, 5, "a", true, 5, "b", true,
		 SK_STORE_STALE, true},
		{"missing_lowest", true, true, 5, "a", false, 0, "b", false,
		 SK_STORE_STALE, false},
		{"missing_tie", true, false, 0, "a", false, 0, "b", true,
		 SK_STORE_STALE, true},
		{"incomplete", true, true, 5, "", true, 5, "b", true,
		 SK_STORE_UPDATED, false},
		{"incomplete_no_pub", true, false, 0, "", false, 0, "b", true,
		 SK_STORE_UPDATED, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_store_current cur = {.found = cases[i].found,
					       .has_pub = cases[i].cur_has_pub,
					       .pub_ms = cases[i].cur_pub};
		snprintf(cur.hash, sizeof cur.hash, "%s", cases[i].cur_hash);
		struct sk_warning w = {0};
		w.publish_time.has_utc = cases[i].has_pub;
		w.publish_time.utc_ms = cases[i].pub;
		enum sk_store_put got = sk_store_decide(&cur, &w, cases[i].hash,
							cases[i].seen);
		bool needs = sk_store_decide_needs_seen(&cur, &w,
							cases[i].hash);
		if (got != cases[i].want || needs != cases[i].needs_seen)
			fprintf(stderr, "decide %s: %d (needs seen %d)\n",
				cases[i].name, (int)got, (int)needs);
		CHECK_INT(got, cases[i].want);
		CHECK_INT(needs, cases[i].needs_seen);
	}
	printf("ok decide_pure\n");
}

static sk_err_t open_at(struct sk_store **st, const char *dir,
			struct sk_error *err);
static sk_err_t open_map(struct sk_store **st, const char *dir,
			 sk_store_map_fn map, struct sk_error *err);

/* Opening a warehouse of an older schema whose newer step adds a stored
 * column rewrites the current row from its revision's raw message: the
 * column is filled, content_hash is the hash a new run makes, so the same
 * input again is unchanged and adds no revision. The old database is made
 * from a new one: the column dropped, the hashes replaced, version 1. */
static void rewrite_on_open(void)
{
	char dir[] = "/tmp/skred-rewrite-XXXXXX";
	if (!mkdtemp(dir))
		return;
	char path[600], saved[512];
	snprintf(path, sizeof path, "%s/warehouse.db", dir);
	snprintf(saved, sizeof saved, "%s", db_path);
	snprintf(db_path, sizeof db_path, "%s", path);
	size_t len = 0, n = 0;
	char *body = read_data("detail_en.json", &len);
	struct sk_raw_item *items = NULL;
	struct sk_warning *w = NULL;
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	enum sk_store_put res;
	CHECK(body &&
	      sk_model_split_array(body, len, 3022, 2, &items, &n, &err) ==
		      SK_OK &&
	      n > 0);
	if (!n)
		goto out;
	CHECK_INT(sk_proc_map(items[0].json, items[0].json_len, &w, &err),
		  SK_OK);
	if (!w)
		goto out;
	char want[SK_STORE_HASH_LEN];
	CHECK_INT(sk_store_content_hash(w, want, &err), SK_OK);
	CHECK_INT(open_at(&st, dir, &err), SK_OK);
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, w, items[0].json, items[0].json_len, &res,
			       &err),
		  SK_OK);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	sk_store_close(st);
	st = NULL;
	CHECK_INT(scalar("SELECT exposed_height_fill FROM avalanche_warning",
			 NULL, 0),
		  1);

	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db,
			       "ALTER TABLE avalanche_warning DROP COLUMN "
			       "exposed_height_fill;"
			       "UPDATE avalanche_warning SET content_hash = "
			       "'00000000000000aa';"
			       "UPDATE warning_revision SET content_hash = "
			       "'00000000000000aa';"
			       "PRAGMA user_version = "
			       "1;" SK_TEST_UNPACK_WEATHER,
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);

	/* Without the opener's mapping the rewrite cannot run: an error,
	 * and the database is left at its version. */
	CHECK_INT(open_map(&st, dir, NULL, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "sk_store_opts.map") != NULL);
	CHECK(st == NULL);
	CHECK_INT(scalar("PRAGMA user_version", NULL, 0), 1);
	err = (struct sk_error){0};
	CHECK_INT(open_at(&st, dir, &err), SK_OK);
	if (!st)
		goto out;
	char got[32] = "";
	CHECK_INT(scalar("SELECT exposed_height_fill FROM avalanche_warning",
			 NULL, 0),
		  1);
	scalar("SELECT content_hash FROM avalanche_warning", got, sizeof got);
	CHECK_STR(got, want);
	scalar("SELECT content_hash FROM warning_revision", got, sizeof got);
	CHECK_STR(got, want);
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, w, items[0].json, items[0].json_len, &res,
			       &err),
		  SK_OK);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	CHECK_INT(res, SK_STORE_UNCHANGED);
	CHECK_INT(scalar("SELECT count(*) FROM warning_revision", NULL, 0), 1);
	printf("ok rewrite_on_open\n");
out:
	sk_store_close(st);
	sk_warning_free(w);
	sk_model_raw_items_free(items, n);
	free(body);
	snprintf(db_path, sizeof db_path, "%s", saved);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static long long count_revisions(int region, void *ud)
{
	(void)ud;
	char sql[160];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM warning_revision WHERE region_id = %d",
		 region);
	return scalar(sql, NULL, 0);
}

static sk_err_t open_map(struct sk_store **st, const char *dir,
			 sk_store_map_fn map, struct sk_error *err)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_store_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	sk_err_t rc = sk_config_new(&cfg, tables, err);
	if (rc == SK_OK)
		rc = sk_config_set(cfg, "data_dir", dir, "test", err);
	if (rc == SK_OK) {
		struct sk_store_opts so = {.conf = sk_store_conf(cfg),
					   .data_dir =
						   sk_core_conf(cfg)->data_dir,
					   .map = map};
		rc = sk_store_open(st, &so, err);
	}
	sk_config_free(cfg);
	return rc;
}

static sk_err_t open_at(struct sk_store **st, const char *dir,
			struct sk_error *err)
{
	return open_map(st, dir, sk_proc_map, err);
}

int main(int argc, char **argv)
{
	const char *only = argc == 3 && !strcmp(argv[1], "--case") ? argv[2]
								   : NULL;
	char dir[] = "/tmp/skred-decide-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	snprintf(db_path, sizeof db_path, "%s/warehouse.db", dir);
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	CHECK_INT(open_at(&st, dir, &err), SK_OK);
	if (!st) {
		fprintf(stderr, "open: %s\n", err.msg);
		TEST_DONE();
	}

	/* The pin: what the SQLite warehouse stores for a known record. */
	if (!only || !strcmp(only, "pinned_hash")) {
		struct sk_warning *w = sc_record(3012, "2024-01-31T15:30:00",
						 "Vær varsom");
		enum sk_store_put res;
		CHECK_INT(sk_store_begin(st, &err), SK_OK);
		CHECK(sc_put(st, w, &res));
		CHECK_INT(sk_store_commit(st, &err), SK_OK);
		char stored[32] = "";
		scalar("SELECT content_hash FROM avalanche_warning WHERE "
		       "region_id = 3012",
		       stored, sizeof stored);
		CHECK_STR(stored, SC_PINNED_HASH);
		/* ... and the one definition above the backends says so. */
		char h[SK_STORE_HASH_LEN];
		CHECK_INT(sk_store_content_hash(w, h, &err), SK_OK);
		CHECK_STR(h, SC_PINNED_HASH);
		sk_warning_free(w);
		printf("ok pinned_hash\n");
	}

	if (!only || !strcmp(only, "decide_pure"))
		decide_pure();
	if (!only || !strcmp(only, "rewrite_on_open"))
		rewrite_on_open();
	run_decide_cases(st, only, count_revisions, NULL);
	if (!only)
		run_drift_cases(st);

	sk_store_close(st);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	TEST_DONE();
}
