/*
 * test_store_sqlite.c - the embedded warehouse through the sk_store_*
 * interface: put semantics (inserted, unchanged, updated, stale), byte-for-
 * byte idempotent re-runs, revisions, queries, rollback, stats, reopening,
 * and the open errors (newer schema, data_dir not a directory).
 *
 * Records are built by hand here (not by sk_proc_clean) so this test does
 * not depend on the cleaning code.
 */
#define _XOPEN_SOURCE 700
#include "core/core.h"
#include "model/model.h"
#include "proc/proc.h"
#include "store/store.h"
#include "cases.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ----------------------------------------------------------- record making */

static void set_time(struct sk_time_field *t, const char *local)
{
	struct sk_civil c;
	t->local = sk_strdup(local);
	if (sk_civil_parse(local, &c) == SK_OK) {
		t->utc_ms = sk_oslo_to_utc_ms(&c);
		t->has_utc = true;
	}
}

/* A cleaned Simple warning for (region, lang, date) published at pub
 * (Oslo wall time). */
static struct sk_warning *simple(int region, int lang, const char *date,
				 const char *pub, int level, const char *text)
{
	struct sk_warning *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	char t[32];
	w->reg_id = 400000 + region;
	w->region_id = region;
	w->region_name = sk_strdup(region == 3011 ? "Tromsø" : "Lyngen");
	w->region_type_id = 10;
	w->region_type_name = sk_strdup("A");
	w->danger_level_raw = sk_strdup("2");
	w->danger_level = level;
	w->not_assessed = level == 0;
	w->lang_key = lang;
	snprintf(w->valid_date, sizeof w->valid_date, "%s", date);
	snprintf(t, sizeof t, "%sT00:00:00", date);
	set_time(&w->valid_from, t);
	snprintf(t, sizeof t, "%sT23:59:59", date);
	set_time(&w->valid_to, t);
	snprintf(t, sizeof t, "%sT16:00:00", date);
	set_time(&w->next_warning_time, t);
	if (pub)
		set_time(&w->publish_time, pub);
	w->main_text = sk_strdup(text);
	w->previous_warning_reg_id = -1;
	w->is_tendency = -1;
	w->utm_zone = w->utm_east = w->utm_north = -1;
	w->cloud_cover_id = -1;
	return w;
}

static void add_problem(struct sk_warning *w, int id, const char *expo,
			const char *text)
{
	w->problems = realloc(w->problems,
			      (w->n_problems + 1) * sizeof *w->problems);
	if (!w->problems)
		abort();
	struct sk_problem *p = &w->problems[w->n_problems++];
	memset(p, 0, sizeof *p);
	p->problem_id = id;
	p->problem_type_id = 10;
	p->problem_type_name = sk_strdup("Wind drifted snow");
	p->cause_id = 10;
	p->cause_name = sk_strdup("Buried weak layer of new snow");
	p->aval_type_id = 10;
	p->aval_type_name = sk_strdup("Slab avalanche");
	p->ext_id = 20;
	p->ext_name = sk_strdup("Dry slab avalanche");
	p->trigger_simple_id = 21;
	p->trigger_simple_name = sk_strdup("Easy to trigger");
	p->trigger_sensitivity_id = 30;
	p->trigger_sensitivity_name = sk_strdup("Easy to trigger");
	p->size_id = 2;
	p->size_name = sk_strdup("2 - Medium");
	p->probability_id = 3;
	p->probability_name = sk_strdup("Possible");
	p->propagation_id = -1; /* absent: stored as NULL */
	p->propagation_name = NULL;
	p->exposed_height_1 = 1000;
	p->exposed_height_2 = 0;
	p->exposed_height_fill = 1;
	p->valid_expositions = sk_strdup(expo);
	p->danger_level = 3;
	p->text = sk_strdup(text);
}

static void drop_last_problem(struct sk_warning *w)
{
	struct sk_problem *p = &w->problems[--w->n_problems];
	free(p->problem_type_name);
	free(p->cause_name);
	free(p->aval_type_name);
	free(p->ext_name);
	free(p->trigger_simple_name);
	free(p->trigger_sensitivity_name);
	free(p->size_name);
	free(p->probability_name);
	free(p->propagation_name);
	free(p->valid_expositions);
	free(p->text);
}

/* The Detail warning with two problems, advices and weather. */
static struct sk_warning *detail(const char *pub, int level)
{
	struct sk_warning *w = simple(3012, 1, "2024-02-01", pub, level,
				      "Vær varsom ");
	w->is_detail = true;
	w->danger_level_name = sk_strdup("3 Betydelig");
	w->author = sk_strdup("Snøskredvarslingen 227");
	w->avalanche_danger = sk_strdup("Fersk vindtransportert snø.");
	w->emergency_warning = sk_strdup("Ikke gitt");
	w->snow_surface = sk_strdup("Skare");
	w->current_weaklayers = NULL;
	w->latest_avalanche_activity = NULL;
	w->latest_observations = sk_strdup("Skytende sprekker.");
	w->previous_warning_reg_id = 332047;
	w->is_tendency = 0;
	w->utm_zone = 33;
	w->utm_east = 210810;
	w->utm_north = 6991060;
	add_problem(w, 1, "00111000", "You can easily trigger avalanches.");
	add_problem(w, 2, "11111111", "Natural avalanches possible.");
	w->n_advices = 2;
	w->advices = calloc(2, sizeof *w->advices);
	if (!w->advices)
		abort();
	w->advices[0] = (struct sk_advice){0, sk_strdup("Avoid terrain traps."),
					   sk_strdup("https://x/11.jpg")};
	w->advices[1] = (struct sk_advice){1, sk_strdup("Keep distance."),
					   NULL};
	w->has_weather = true;
	w->cloud_cover_id = 30;
	w->cloud_cover_name = sk_strdup("Cloudy");
	w->weather_comment = NULL;
	set_time(&w->weather_saved_time, "2024-01-31T15:32:29.927");
	w->n_weather = 3;
	w->weather = calloc(3, sizeof *w->weather);
	if (!w->weather)
		abort();
	/* Not in (type, subtype) order, as the API sends them. */
	w->weather[0] =
		(struct sk_weather_value){10, sk_strdup("Rainfall"), 60,
					  sk_strdup("Most exposed area"),
					  sk_strdup("8")};
	w->weather[1] = (struct sk_weather_value){10, sk_strdup("Rainfall"), 20,
						  sk_strdup("Average"),
						  sk_strdup("4")};
	w->weather[2] =
		(struct sk_weather_value){30, sk_strdup("Wind shift to"), 50,
					  sk_strdup("Direction"), NULL};
	return w;
}

/* --------------------------------------------------------- database dumps */

static char db_path[512];

/* Every row of every table, in key order, as text. Caller frees. */
static char *dump(void)
{
	static const char *const sql[] = {
		"SELECT * FROM avalanche_warning ORDER BY 1, 2, 3",
		"SELECT * FROM avalanche_problem ORDER BY 1, 2, 3, 4",
		"SELECT * FROM avalanche_advice ORDER BY 1, 2, 3, 4",
		"SELECT * FROM mountain_weather ORDER BY 1, 2, 3, 4, 6",
		"SELECT * FROM warning_revision ORDER BY 1, 2, 3, 4, 5",
		"SELECT * FROM store_meta ORDER BY 1",
		"PRAGMA user_version",
	};
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		abort();
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *stmt = NULL;
		if (sqlite3_prepare_v2(db, sql[i], -1, &stmt, NULL) !=
		    SQLITE_OK)
			abort();
		sk_buf_printf(&b, "== %s\n", sql[i]);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(stmt); c++) {
				const unsigned char *t =
					sqlite3_column_text(stmt, c);
				sk_buf_printf(&b, "%d:%s|",
					      sqlite3_column_type(stmt, c),
					      t ? (const char *)t : "");
			}
			sk_buf_puts(&b, "\n");
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return sk_buf_steal(&b);
}

static long long scalar(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	long long v = -1;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

#define KEY_A "region_id = 3012 AND lang_key = 1 AND valid_date = '2024-02-01'"

/* --------------------------------------------------------------- helpers */

/* begin, put each record, commit; results into res. */
static sk_err_t put_all(struct sk_store *st, struct sk_warning **w, size_t n,
			enum sk_store_put *res)
{
	struct sk_error err = {0};
	sk_err_t rc = sk_store_begin(st, &err);
	for (size_t i = 0; i < n && rc == SK_OK; i++)
		rc = sk_store_put(st, w[i], "{\"raw\":1}", 9, &res[i], &err);
	if (rc == SK_OK)
		rc = sk_store_commit(st, &err);
	else
		sk_store_rollback(st);
	if (rc != SK_OK)
		fprintf(stderr, "put_all: %s\n", err.msg);
	return rc;
}

static enum sk_store_put put_one(struct sk_store *st, struct sk_warning *w)
{
	enum sk_store_put res = (enum sk_store_put) - 1;
	CHECK_INT(put_all(st, &w, 1, &res), SK_OK);
	return res;
}

/* Collects what a query delivers. */
struct seen {
	int n;
	int stop_after;
	char keys[8][32];
	int levels[8];
	size_t problems[8];
	bool checked_detail;
};

static int collect(const struct sk_warning *w, void *ud)
{
	struct seen *s = ud;
	if (s->n < 8) {
		snprintf(s->keys[s->n], sizeof s->keys[0], "%d:%d:%s",
			 w->region_id, w->lang_key, w->valid_date);
		s->levels[s->n] = w->danger_level;
		s->problems[s->n] = w->n_problems;
	}
	s->n++;
	if (w->region_id == 3012 && w->n_problems) {
		/* The detail record read back: every kind of field. */
		s->checked_detail = true;
		CHECK_STR(w->region_name, "Lyngen");
		CHECK_INT(w->region_type_id, 10);
		CHECK_STR(w->main_text, "Vær svært varsom");
		CHECK(w->valid_from.has_utc && !w->valid_from.local);
		struct sk_civil c;
		sk_civil_parse("2024-02-01T00:00:00", &c);
		CHECK_INT(w->valid_from.utc_ms, sk_oslo_to_utc_ms(&c));
		sk_civil_parse("2024-01-31T15:32:29.927", &c);
		CHECK(w->weather_saved_time.has_utc);
		CHECK_INT(w->weather_saved_time.utc_ms, sk_oslo_to_utc_ms(&c));
		CHECK(!w->danger_increase_time.has_utc);
		CHECK(w->is_detail && w->has_weather);
		CHECK_INT(w->is_tendency, 0);
		CHECK_INT(w->utm_north, 6991060);
		CHECK_INT(w->previous_warning_reg_id, 332047);
		CHECK(w->current_weaklayers == NULL);
		CHECK_STR(w->problems[0].valid_expositions, "00111000");
		CHECK_INT(w->problems[0].propagation_id, -1);
		CHECK(w->problems[0].propagation_name == NULL);
		CHECK_INT(w->problems[0].exposed_height_2, 0);
		CHECK_INT(w->n_advices, 2);
		if (w->n_advices == 2) {
			CHECK_STR(w->advices[1].text, "Keep distance.");
			CHECK(w->advices[1].image_url == NULL);
		}
		CHECK_INT(w->n_weather, 3);
		if (w->n_weather == 3) {
			/* (type, subtype) order */
			CHECK_INT(w->weather[0].subtype_id, 20);
			CHECK_STR(w->weather[0].value, "4");
			CHECK_INT(w->weather[2].type_id, 30);
			CHECK(w->weather[2].value == NULL);
		}
	}
	return s->stop_after && s->n >= s->stop_after;
}

static struct seen query(struct sk_store *st, const struct sk_store_query *q)
{
	struct seen s = {0};
	struct sk_error err = {0};
	CHECK_INT(sk_store_query(st, q, collect, &s, &err), SK_OK);
	return s;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static sk_err_t open_at(struct sk_store **st, const char *dir,
			const char *backend, struct sk_error *err)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_store_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	sk_err_t rc = sk_config_new(&cfg, tables, err);
	if (rc == SK_OK)
		rc = sk_config_set(cfg, "data_dir", dir, "test", err);
	if (rc == SK_OK && backend)
		rc = sk_config_set(cfg, "store", backend, "test", err);
	if (rc == SK_OK) {
		struct sk_store_opts so = {.conf = sk_store_conf(cfg),
					   .data_dir =
						   sk_core_conf(cfg)->data_dir,
					   .map = sk_proc_map};
		rc = sk_store_open(st, &so, err);
	}
	sk_config_free(cfg);
	return rc;
}

/* ------------------------------------------------------------------ tests */

static void test_sqlite_store(void)
{
	char tmp[] = "/tmp/skred-store-XXXXXX";
	CHECK(mkdtemp(tmp) != NULL);
	if (sk_test_failures)
		return;
	char dir[256];
	/* Two levels that do not exist yet: open creates them (mkdir -p). */
	snprintf(dir, sizeof dir, "%s/data/warehouse", tmp);
	snprintf(db_path, sizeof db_path, "%s/warehouse.db", dir);

	struct sk_error err = {0};
	struct sk_store *st = NULL;
	CHECK_INT(open_at(&st, dir, NULL, &err), SK_OK);
	CHECK(st != NULL);
	if (!st) {
		fprintf(stderr, "open: %s\n", err.msg);
		return;
	}
	CHECK(sk_store_type_find("sqlite") != NULL);
	CHECK(sk_store_type_find("nope") == NULL);

	/* put outside begin, commit without begin, begin twice */
	struct sk_warning *a = detail("2024-01-31T15:30:00", 3);
	struct sk_warning *b = simple(3011, 2, "2024-02-01",
				      "2024-01-31T15:31:00", 2, "Be careful");
	struct sk_warning *c = simple(3011, 1, "2024-02-02",
				      "2024-02-01T15:30:00", 1, "Lite");
	enum sk_store_put res[3];
	CHECK_INT(sk_store_put(st, a, NULL, 0, &res[0], &err), SK_ERR_INVAL);
	CHECK_INT(sk_store_commit(st, &err), SK_ERR_INVAL);
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_begin(st, &err), SK_ERR_INVAL);
	sk_store_rollback(st);

	/* 1. three new keys -> INSERTED */
	struct sk_warning *three[3] = {a, b, c};
	CHECK_INT(put_all(st, three, 3, res), SK_OK);
	for (int i = 0; i < 3; i++)
		CHECK_INT(res[i], SK_STORE_INSERTED);
	struct sk_store_stats stats;
	CHECK_INT(sk_store_stats(st, &stats, &err), SK_OK);
	CHECK_INT(stats.warnings, 3);
	CHECK_INT(stats.problems, 2);
	CHECK_INT(stats.revisions, 3);
	CHECK(stats.last_write_ms > 0);
	int64_t first_write = stats.last_write_ms;
	CHECK_INT(scalar("SELECT count(*) FROM avalanche_advice"), 2);
	CHECK_INT(scalar("SELECT count(*) FROM mountain_weather"), 3);
	/* Stored packed (schema 4): one row, the values in key order, and
	 * the view's columns typed as the table's were. */
	CHECK_INT(scalar("SELECT count(*) FROM mountain_weather_packed"), 1);
	CHECK_INT(scalar("SELECT packed = '[[10,\"Rainfall\",20,\"Average\","
			 "\"4\"],[10,\"Rainfall\",60,\"Most exposed area\","
			 "\"8\"],[30,\"Wind shift to\",50,\"Direction\","
			 "null]]' FROM mountain_weather_packed"),
		  1);
	CHECK_INT(scalar("SELECT count(*) FROM mountain_weather WHERE "
			 "typeof(type_id) = 'integer' AND typeof(subtype_id) = "
			 "'integer' AND typeof(type_name) = 'text' AND "
			 "(value IS NULL OR typeof(value) = 'text')"),
		  3);
	CHECK_INT(scalar("SELECT count(*) FROM mountain_weather WHERE "
			 "subtype_id = 50 AND value IS NULL"),
		  1);
	CHECK_INT(scalar("SELECT revision_count FROM avalanche_warning "
			 "WHERE " KEY_A),
		  1);
	CHECK_INT(scalar("SELECT count(*) FROM avalanche_warning WHERE "
			 "is_tendency IS NULL AND utm_zone IS NULL"),
		  2);
	CHECK_INT(scalar("SELECT length(content_hash) FROM avalanche_warning "
			 "WHERE " KEY_A),
		  16);
	CHECK_INT(scalar("SELECT publish_time = '2024-01-31T14:30:00.000Z' "
			 "FROM avalanche_warning WHERE " KEY_A),
		  1);

	/* 2. the same again -> UNCHANGED, not one byte different */
	char *before = dump();
	sk_sleep_ms(5); /* a rewritten last_write would differ */
	CHECK_INT(put_all(st, three, 3, res), SK_OK);
	for (int i = 0; i < 3; i++)
		CHECK_INT(res[i], SK_STORE_UNCHANGED);
	char *after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	free(after);
	CHECK_INT(scalar("SELECT count(*) FROM warning_revision"), 3);
	CHECK_INT(sk_store_stats(st, &stats, &err), SK_OK);
	CHECK_INT(stats.last_write_ms, first_write);

	/* Child order in the record does not matter: still UNCHANGED. */
	struct sk_problem p0 = a->problems[0];
	a->problems[0] = a->problems[1];
	a->problems[1] = p0;
	CHECK_INT(put_one(st, a), SK_STORE_UNCHANGED);
	after = dump();
	CHECK(after && strcmp(before, after) == 0);
	free(after);
	free(before);

	/* 3. newer publish time, other level, one problem -> UPDATED */
	struct sk_warning *a2 = detail("2024-02-01T09:11:14.2", 4);
	drop_last_problem(a2);
	CHECK_INT(put_one(st, a2), SK_STORE_UPDATED);
	CHECK_INT(sk_store_stats(st, &stats, &err), SK_OK);
	CHECK_INT(stats.warnings, 3);
	CHECK_INT(stats.problems, 1);
	CHECK_INT(stats.revisions, 4);
	CHECK(stats.last_write_ms >= first_write);
	CHECK_INT(scalar("SELECT danger_level FROM avalanche_warning "
			 "WHERE " KEY_A),
		  4);
	CHECK_INT(scalar("SELECT revision_count FROM avalanche_warning "
			 "WHERE " KEY_A),
		  2);
	CHECK_INT(scalar("SELECT count(*) FROM warning_revision WHERE " KEY_A),
		  2);
	CHECK_INT(scalar("SELECT count(*) FROM avalanche_problem WHERE " KEY_A),
		  1);

	/* 4. an older publish time -> STALE: revision kept, row untouched */
	char *row_before = dump();
	struct sk_warning *a0 = detail("2024-01-30T15:30:00", 2);
	CHECK_INT(put_one(st, a0), SK_STORE_STALE);
	CHECK_INT(scalar("SELECT count(*) FROM warning_revision WHERE " KEY_A),
		  3);
	CHECK_INT(scalar("SELECT danger_level FROM avalanche_warning "
			 "WHERE " KEY_A),
		  4);
	CHECK_INT(scalar("SELECT revision_count FROM avalanche_warning "
			 "WHERE " KEY_A),
		  2);
	CHECK_INT(scalar("SELECT count(*) FROM avalanche_problem WHERE " KEY_A),
		  1);
	/* Only warning_revision and store_meta differ from before. */
	char *row_after = dump();
	const char *rev = "== SELECT * FROM warning_revision";
	char *rb = row_before ? strstr(row_before, rev) : NULL;
	char *ra = row_after ? strstr(row_after, rev) : NULL;
	CHECK(rb && ra && rb - row_before == ra - row_after &&
	      strncmp(row_before, row_after, (size_t)(rb - row_before)) == 0);
	free(row_before);
	free(row_after);

	/* Re-running the stale and the updated input changes nothing. */
	before = dump();
	CHECK_INT(put_one(st, a0), SK_STORE_STALE);
	CHECK_INT(put_one(st, a2), SK_STORE_UNCHANGED);
	after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	free(before);
	free(after);

	/* Same publish time, other content -> UPDATED. */
	free(a2->main_text);
	a2->main_text = sk_strdup("Vær svært varsom");
	CHECK_INT(put_one(st, a2), SK_STORE_UPDATED);
	CHECK_INT(scalar("SELECT revision_count FROM avalanche_warning "
			 "WHERE " KEY_A),
		  4);
	/* Replaying both same-time revisions in their original order does
	 * not flip the row back: the older content is a known revision. */
	before = dump();
	struct sk_warning *a2_text = a2;
	a2 = detail("2024-02-01T09:11:14.2", 4);
	drop_last_problem(a2);
	CHECK_INT(put_one(st, a2), SK_STORE_STALE);
	CHECK_INT(put_one(st, a2_text), SK_STORE_UNCHANGED);
	after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	free(before);
	free(after);
	sk_warning_free(a2_text);
	/* A missing publish time sorts lowest: STALE. */
	struct sk_warning *anon = detail(NULL, 2);
	CHECK_INT(put_one(st, anon), SK_STORE_STALE);
	CHECK_INT(put_one(st, anon), SK_STORE_STALE);
	CHECK_INT(scalar("SELECT count(*) FROM warning_revision WHERE " KEY_A
			 " AND publish_time = ''"),
		  1);

	/* 5. queries: order, filters, limit, early stop, children */
	struct sk_store_query q = {0};
	struct seen s = query(st, &q);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.keys[0], "3011:2:2024-02-01");
	CHECK_STR(s.keys[1], "3012:1:2024-02-01");
	CHECK_STR(s.keys[2], "3011:1:2024-02-02");
	CHECK_INT(s.levels[1], 4);
	CHECK_INT(s.problems[1], 0); /* without children */
	CHECK(!s.checked_detail);
	s = query(st, NULL);
	CHECK_INT(s.n, 3);

	int only_3011[] = {3011};
	q.region_ids = only_3011;
	q.n_regions = 1;
	s = query(st, &q);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.keys[0], "3011:2:2024-02-01");
	CHECK_STR(s.keys[1], "3011:1:2024-02-02");

	int both[] = {3012, 3011};
	q.region_ids = both;
	q.n_regions = 2;
	q.lang_key = 1;
	s = query(st, &q);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.keys[0], "3012:1:2024-02-01");
	CHECK_STR(s.keys[1], "3011:1:2024-02-02");

	/* Regions with a date range, a language and a limit (the query
	 * that seeks on the primary key). */
	q.lang_key = 2;
	s = query(st, &q);
	CHECK_INT(s.n, 1);
	CHECK_STR(s.keys[0], "3011:2:2024-02-01");
	q.lang_key = 0;
	sk_date_parse("2024-02-02", &q.from);
	sk_date_parse("2024-02-09", &q.to);
	s = query(st, &q);
	CHECK_INT(s.n, 1);
	CHECK_STR(s.keys[0], "3011:1:2024-02-02");
	q.from = (struct sk_date){0};
	q.to = (struct sk_date){0};
	q.limit = 2;
	s = query(st, &q);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.keys[0], "3011:2:2024-02-01");
	CHECK_STR(s.keys[1], "3012:1:2024-02-01");

	q = (struct sk_store_query){0};
	sk_date_parse("2024-02-02", &q.from);
	sk_date_parse("2024-02-02", &q.to);
	s = query(st, &q);
	CHECK_INT(s.n, 1);
	CHECK_STR(s.keys[0], "3011:1:2024-02-02");
	sk_date_parse("2024-01-01", &q.from);
	sk_date_parse("2024-01-31", &q.to);
	s = query(st, &q);
	CHECK_INT(s.n, 0);

	q = (struct sk_store_query){.limit = 2};
	s = query(st, &q);
	CHECK_INT(s.n, 2);
	CHECK_STR(s.keys[1], "3012:1:2024-02-01");

	q = (struct sk_store_query){0};
	s = (struct seen){.stop_after = 1};
	CHECK_INT(sk_store_query(st, &q, collect, &s, &err), SK_OK);
	CHECK_INT(s.n, 1);

	q = (struct sk_store_query){.with_children = true, .lang_key = 1};
	s = query(st, &q);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.problems[0], 1);
	CHECK(s.checked_detail);

	/* 6. rollback leaves nothing; a failed put leaves the transaction
	 * usable and itself leaves nothing. */
	before = dump();
	struct sk_warning *d = simple(3011, 1, "2024-02-03",
				      "2024-02-02T15:30:00", 2, "Ny");
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, d, "{}", 2, &res[0], &err), SK_OK);
	CHECK_INT(res[0], SK_STORE_INSERTED);
	sk_store_rollback(st);
	after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	free(after);
	CHECK_INT(sk_store_stats(st, &stats, &err), SK_OK);
	CHECK_INT(stats.warnings, 3);

	/* Fault injection for the put the database refuses below: a trigger
	 * refuses its problem row, after the warning row was written. */
	sqlite3 *tdb = NULL;
	CHECK_INT(sqlite3_open(db_path, &tdb), SQLITE_OK);
	CHECK_INT(sqlite3_exec(tdb,
			       "CREATE TRIGGER refuse BEFORE INSERT ON "
			       "avalanche_problem WHEN NEW.text = 'refused' "
			       "BEGIN SELECT RAISE(ABORT, 'refused'); END",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(tdb);
	/* Two children with one key: refused above the backend (the hash
	 * sorts by key), as a record sk_proc_clean would have refused. */
	struct sk_warning *dup = simple(3011, 1, "2024-02-04",
					"2024-02-03T15:30:00", 2, "Dup");
	add_problem(dup, 1, "00000001", "first");
	add_problem(dup, 1, "00000010", "same id");
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, dup, "{}", 2, &res[0], &err), SK_ERR_INVAL);
	CHECK(strstr(err.msg, "region=3011") != NULL);
	CHECK(strstr(err.msg, "same key") != NULL);
	/* A put the database refuses (the trigger above). */
	struct sk_warning *bad = simple(3011, 1, "2024-02-04",
					"2024-02-03T15:30:00", 2, "Bad");
	add_problem(bad, 1, "00000001", "refused");
	CHECK_INT(sk_store_put(st, bad, "{}", 2, &res[0], &err), SK_ERR_DB);
	CHECK(strstr(err.msg, "region=3011") != NULL);
	CHECK_INT(sk_store_put(st, d, "{}", 2, &res[0], &err), SK_OK);
	CHECK_INT(res[0], SK_STORE_INSERTED);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	CHECK_INT(scalar("SELECT count(*) FROM warning_revision WHERE "
			 "valid_date = '2024-02-04'"),
		  0);
	CHECK_INT(scalar("SELECT count(*) FROM avalanche_warning"), 4);
	free(before);

	/* A batch (no savepoint per put): after a failed put only rollback
	 * is allowed, and it leaves nothing of the batch; the next batch
	 * works. */
	before = dump();
	struct sk_warning *e = simple(3011, 1, "2024-02-05",
				      "2024-02-04T15:30:00", 3, "Batch");
	CHECK_INT(sk_store_begin_batch(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, e, "{}", 2, &res[0], &err), SK_OK);
	CHECK_INT(res[0], SK_STORE_INSERTED);
	CHECK_INT(sk_store_put(st, bad, "{}", 2, &res[0], &err), SK_ERR_DB);
	CHECK_INT(sk_store_put(st, d, "{}", 2, &res[0], &err), SK_ERR_INVAL);
	CHECK(strstr(err.msg, "roll it back") != NULL);
	CHECK_INT(sk_store_commit(st, &err), SK_ERR_INVAL);
	sk_store_rollback(st);
	after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	free(after);
	CHECK_INT(sk_store_begin_batch(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, d, "{}", 2, &res[0], &err), SK_OK);
	CHECK_INT(res[0], SK_STORE_UNCHANGED);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	free(after);
	free(before);
	sk_warning_free(e);

	/* A record that was never cleaned has no valid_date. */
	struct sk_warning *raw = simple(3011, 1, "", NULL, 0, "x");
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, raw, NULL, 0, &res[0], &err), SK_ERR_INVAL);
	sk_store_rollback(st);

	/* 7. reopen: migration is idempotent, content identical */
	before = dump();
	sk_store_close(st);
	st = NULL;
	CHECK_INT(open_at(&st, dir, NULL, &err), SK_OK);
	after = dump();
	CHECK(before && after && strcmp(before, after) == 0);
	CHECK_INT(scalar("PRAGMA user_version"), 4);
	free(before);
	free(after);
	CHECK_INT(sk_store_stats(st, &stats, &err), SK_OK);
	CHECK_INT(stats.warnings, 4);
	CHECK_INT(stats.problems, 1);
	CHECK_INT(stats.revisions, 8);
	sk_store_close(st);
	sk_store_close(NULL);

	/* 8. a database from a newer skred is refused, clearly */
	char dir2[256];
	snprintf(dir2, sizeof dir2, "%s/newer", tmp);
	CHECK_INT(mkdir(dir2, 0700), 0);
	snprintf(db_path, sizeof db_path, "%s/warehouse.db", dir2);
	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	st = (struct sk_store *)1;
	sk_error_clear(&err);
	CHECK_INT(open_at(&st, dir2, NULL, &err), SK_ERR_DB);
	CHECK(st == NULL);
	CHECK(strstr(err.msg, "newer skred") != NULL);
	CHECK(strstr(err.msg, "99") != NULL);
	CHECK(!err.retriable);

	/* 9. data_dir that is a regular file, or below one */
	char file[256], below[300];
	snprintf(file, sizeof file, "%s/plain", tmp);
	FILE *f = fopen(file, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	sk_error_clear(&err);
	CHECK_INT(open_at(&st, file, NULL, &err), SK_ERR_IO);
	CHECK(st == NULL);
	CHECK(strstr(err.msg, "not a directory") != NULL);
	snprintf(below, sizeof below, "%s/sub", file);
	CHECK_INT(open_at(&st, below, NULL, &err), SK_ERR_IO);
	CHECK(strstr(err.msg, below) != NULL || strstr(err.msg, file) != NULL);

	/* 10. unknown backend */
	CHECK_INT(open_at(&st, dir, "carrier-pigeon", &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "sqlite") != NULL);

	sk_warning_free(a);
	sk_warning_free(a0);
	sk_warning_free(a2);
	sk_warning_free(anon);
	sk_warning_free(b);
	sk_warning_free(c);
	sk_warning_free(d);
	sk_warning_free(dup);
	sk_warning_free(bad);
	sk_warning_free(raw);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const struct sk_case cases[] = {
	{"sqlite_store", test_sqlite_store},
};

SK_CASES_MAIN(cases)
