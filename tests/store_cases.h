/*
 * store_cases.h - the write decision's case table, run against every store
 * backend: tests/unit/test_store_decide.c (SQLite) and
 * tests/external/test_store_decide_cassandra.c (Cassandra) include this file and
 * call run_decide_cases() on an open store, so both backends are held to
 * the same inserted/updated/unchanged/stale rules and read back the record
 * the rules chose (compared by content hash).
 *
 * Each case uses a key of its own (region 3020 + case number), so cases do
 * not see each other.
 */
#ifndef SK_TEST_STORE_CASES_H
#define SK_TEST_STORE_CASES_H

#include "core/core.h"
#include "model/model.h"
#include "store/store.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sc_set_time(struct sk_time_field *t, const char *local)
{
	struct sk_civil c;
	t->local = sk_strdup(local);
	if (sk_civil_parse(local, &c) == SK_OK) {
		t->utc_ms = sk_oslo_to_utc_ms(&c);
		t->has_utc = true;
	}
}

/* A cleaned Detail warning for region on 2024-02-01 (lang 1) published at
 * pub (Oslo wall time, NULL = none), whose content is told apart by text.
 * It has every kind of value: problems, advices with and without an image,
 * weather values out of key order, a negative and a zero integer. */
static struct sk_warning *sc_record(int region, const char *pub,
				    const char *text)
{
	struct sk_warning *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	w->reg_id = 400000 + region;
	w->region_id = region;
	w->region_name = sk_strdup("Lyngen");
	w->region_type_id = 10;
	w->region_type_name = sk_strdup("A");
	w->danger_level_raw = sk_strdup("3");
	w->danger_level = 3;
	w->lang_key = 1;
	snprintf(w->valid_date, sizeof w->valid_date, "2024-02-01");
	sc_set_time(&w->valid_from, "2024-02-01T00:00:00");
	sc_set_time(&w->valid_to, "2024-02-01T23:59:59");
	sc_set_time(&w->next_warning_time, "2024-02-01T16:00:00");
	if (pub)
		sc_set_time(&w->publish_time, pub);
	w->main_text = sk_strdup(text);
	w->is_detail = true;
	w->danger_level_name = sk_strdup("3 Betydelig");
	w->author = sk_strdup("Snøskredvarslingen 227");
	w->avalanche_danger = sk_strdup("Fersk vindtransportert snø.");
	w->snow_surface = sk_strdup("Skare");
	w->previous_warning_reg_id = 332047;
	w->is_tendency = 0;
	w->utm_zone = 33;
	w->utm_east = -2100; /* west of the zone's false easting origin */
	w->utm_north = 6991060;
	w->n_problems = 1;
	w->problems = calloc(1, sizeof *w->problems);
	if (!w->problems)
		abort();
	struct sk_problem *p = &w->problems[0];
	p->problem_id = 1;
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
	p->propagation_id = -1;
	p->exposed_height_1 = 1000;
	p->exposed_height_2 = 0;
	p->exposed_height_fill = 1;
	p->valid_expositions = sk_strdup("00111000");
	p->danger_level = 3;
	p->text = sk_strdup("You can easily trigger avalanches.");
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
	sc_set_time(&w->weather_saved_time, "2024-01-31T15:32:29.927");
	w->n_weather = 3;
	w->weather = calloc(3, sizeof *w->weather);
	if (!w->weather)
		abort();
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

/* The content hash the SQLite warehouse stores for
 * sc_record(3012, "2024-01-31T15:30:00", "Vær varsom"): pinned so that
 * moving the hash above the backends kept every stored hash valid (schema
 * 1: 308c5809877276ea); schema 2 added exposed_height_fill, and opening an
 * older warehouse rewrites its hashes (test_store_decide rewrite_on_open). */
#define SC_PINNED_HASH "ec29bf6f849cb257"

/* ------------------------------------------------------------ the cases */

/* One put of a case: publish time (NULL = none), content (main_text),
 * expected result. */
struct sc_put {
	const char *pub;
	const char *text;
	enum sk_store_put want;
};

/* A case: puts in order, each in its own transaction unless one_tx, the
 * content the store must hold afterwards, and how many revisions the key
 * has then. */
struct sc_case {
	const char *name;
	struct sc_put puts[4];
	bool one_tx;
	const char *current_text;
	int revisions;
};

#define P1 "2024-01-31T15:00:00"
#define P2 "2024-01-31T16:00:00"

static const struct sc_case sc_cases[] = {
	{"new_key", {{P1, "A", SK_STORE_INSERTED}}, false, "A", 1},
	{"same_content",
	 {{P1, "A", SK_STORE_INSERTED}, {P1, "A", SK_STORE_UNCHANGED}},
	 false,
	 "A",
	 1},
	/* The publish time is content: republished is a new revision. */
	{"same_text_newer_publish",
	 {{P1, "A", SK_STORE_INSERTED}, {P2, "A", SK_STORE_UPDATED}},
	 false,
	 "A",
	 2},
	{"newer_publish_other_content",
	 {{P1, "A", SK_STORE_INSERTED}, {P2, "B", SK_STORE_UPDATED}},
	 false,
	 "B",
	 2},
	{"older_publish_is_stale",
	 {{P2, "B", SK_STORE_INSERTED}, {P1, "A", SK_STORE_STALE}},
	 false,
	 "B",
	 2},
	/* The tie rule: equal publish times, other content not seen before
	 * wins; one already on record is stale (a replay does not flip the
	 * row back). */
	{"equal_publish_new_content_wins",
	 {{P1, "A", SK_STORE_INSERTED}, {P1, "B", SK_STORE_UPDATED}},
	 false,
	 "B",
	 2},
	{"equal_publish_replay_is_stale",
	 {{P1, "A", SK_STORE_INSERTED},
	  {P1, "B", SK_STORE_UPDATED},
	  {P1, "A", SK_STORE_STALE},
	  {P1, "B", SK_STORE_UNCHANGED}},
	 false,
	 "B",
	 2},
	/* A missing publish time is the lowest; two missing ones tie. */
	{"missing_publish_is_lowest",
	 {{P1, "A", SK_STORE_INSERTED}, {NULL, "B", SK_STORE_STALE}},
	 false,
	 "A",
	 2},
	{"missing_publish_ties",
	 {{NULL, "A", SK_STORE_INSERTED},
	  {NULL, "B", SK_STORE_UPDATED},
	  {NULL, "A", SK_STORE_STALE}},
	 false,
	 "B",
	 2},
	{"publish_over_missing",
	 {{NULL, "A", SK_STORE_INSERTED}, {P1, "B", SK_STORE_UPDATED}},
	 false,
	 "B",
	 2},
	/* Several puts of one key in one transaction see each other. */
	{"one_transaction",
	 {{P1, "A", SK_STORE_INSERTED},
	  {P2, "B", SK_STORE_UPDATED},
	  {P1, "A", SK_STORE_STALE},
	  {P2, "B", SK_STORE_UNCHANGED}},
	 true,
	 "B",
	 2},
	{"one_transaction_tie",
	 {{P1, "A", SK_STORE_INSERTED},
	  {P1, "B", SK_STORE_UPDATED},
	  {P1, "A", SK_STORE_STALE}},
	 true,
	 "B",
	 2},
};

#define SC_NCASES (sizeof sc_cases / sizeof sc_cases[0])

/* What a query for one key delivered: the record's content hash. */
struct sc_found {
	int n;
	char hash[SK_STORE_HASH_LEN];
};

static int sc_collect(const struct sk_warning *w, void *ud)
{
	struct sc_found *f = ud;
	struct sk_error err = {0};
	if (f->n++ == 0 && sk_store_content_hash(w, f->hash, &err) != SK_OK)
		f->hash[0] = '\0';
	return 0;
}

static bool sc_put(struct sk_store *st, const struct sk_warning *w,
		   enum sk_store_put *res)
{
	struct sk_error err = {0};
	if (sk_store_put(st, w, "{\"raw\":1}", 9, res, &err) == SK_OK)
		return true;
	fprintf(stderr, "put: %s\n", err.msg);
	return false;
}

/* Revisions of a key, counted by the caller's backend-specific query. */
typedef long long (*sc_count_revisions_fn)(int region, void *ud);

/* Runs the cases named by only (NULL = all) on st. */
static void run_decide_cases(struct sk_store *st, const char *only,
			     sc_count_revisions_fn count, void *ud)
{
	struct sk_error err = {0};
	for (size_t i = 0; i < SC_NCASES; i++) {
		const struct sc_case *c = &sc_cases[i];
		if (only && strcmp(only, c->name) != 0)
			continue;
		int region = 3020 + (int)i;
		int failed_before = sk_test_failures;
		if (c->one_tx)
			CHECK_INT(sk_store_begin(st, &err), SK_OK);
		for (size_t j = 0; j < 4 && c->puts[j].text; j++) {
			const struct sc_put *p = &c->puts[j];
			struct sk_warning *w = sc_record(region, p->pub,
							 p->text);
			enum sk_store_put res = (enum sk_store_put) - 1;
			if (!c->one_tx)
				CHECK_INT(sk_store_begin(st, &err), SK_OK);
			CHECK(sc_put(st, w, &res));
			if (!c->one_tx)
				CHECK_INT(sk_store_commit(st, &err), SK_OK);
			if (res != p->want)
				fprintf(stderr,
					"%s: put %zu: %d, expected %d\n",
					c->name, j + 1, (int)res, (int)p->want);
			CHECK_INT(res, p->want);
			sk_warning_free(w);
		}
		if (c->one_tx)
			CHECK_INT(sk_store_commit(st, &err), SK_OK);

		/* Read back: the content the rules chose, whole. */
		struct sk_warning *want = sc_record(region, NULL,
						    c->current_text);
		char want_hash[SK_STORE_HASH_LEN];
		struct sc_found f = {0};
		int ids[1] = {region};
		struct sk_store_query q = {.region_ids = ids,
					   .n_regions = 1,
					   .lang_key = 1,
					   .with_children = true};
		sk_date_parse("2024-02-01", &q.from);
		q.to = q.from;
		CHECK_INT(sk_store_query(st, &q, sc_collect, &f, &err), SK_OK);
		CHECK_INT(f.n, 1);
		/* The publish time is part of the content: take the one of
		 * the put that wrote the expected content last. */
		const char *pub = NULL;
		for (size_t j = 0; j < 4 && c->puts[j].text; j++)
			if (!strcmp(c->puts[j].text, c->current_text) &&
			    (c->puts[j].want == SK_STORE_INSERTED ||
			     c->puts[j].want == SK_STORE_UPDATED))
				pub = c->puts[j].pub;
		if (pub)
			sc_set_time(&want->publish_time, pub);
		CHECK_INT(sk_store_content_hash(want, want_hash, &err), SK_OK);
		CHECK_STR(f.hash, want_hash);
		sk_warning_free(want);
		if (count)
			CHECK_INT(count(region, ud), c->revisions);
		printf("%s %s\n",
		       sk_test_failures == failed_before ? "ok" : "FAIL",
		       c->name);
	}
}

/* ------------------------------------------------------ drift (issue 13)
 *
 * A newer revision that lost values the current row has, through rows the
 * raw record no longer had (its drift), is HELD above every backend:
 * nothing written, the current row as it was. Keys 3040.. */

static enum sk_store_put sc_put_drift(struct sk_store *st,
				      const struct sk_warning *w,
				      const struct sk_model_drift *dr,
				      char *lost, size_t n)
{
	struct sk_error err = {0};
	struct sk_store_prepared p = {.drift = dr,
				      .lost = lost,
				      .lost_size = n};
	enum sk_store_put res = (enum sk_store_put) - 1;
	CHECK_INT(sk_store_content_hash(w, p.hash, &err), SK_OK);
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put_prepared(st, w, "{}", 2, &p, &res, &err), SK_OK);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	return res;
}

/* The current row of region's key: its content hash. */
static void sc_current_hash(struct sk_store *st, int region, char *hash)
{
	struct sk_error err = {0};
	struct sc_found f = {0};
	int ids[1] = {region};
	struct sk_store_query q = {.region_ids = ids,
				   .n_regions = 1,
				   .lang_key = 1,
				   .with_children = true};
	sk_date_parse("2024-02-01", &q.from);
	q.to = q.from;
	CHECK_INT(sk_store_query(st, &q, sc_collect, &f, &err), SK_OK);
	CHECK_INT(f.n, 1);
	memcpy(hash, f.hash, SK_STORE_HASH_LEN);
}

static void run_drift_cases(struct sk_store *st)
{
	const struct sk_table *wt = &sk_model_warning_table;
	const struct sk_table *pt = &sk_model_problem_table;
	struct sk_model_drift dr = {.n = 1};
	char lost[160], before[SK_STORE_HASH_LEN], after[SK_STORE_HASH_LEN];
	int failed_before = sk_test_failures;

	/* 1. MainText no longer sent: held, the row kept. */
	struct sk_warning *a = sc_record(3040, P1, "A");
	CHECK_INT(sc_put_drift(st, a, NULL, lost, sizeof lost),
		  SK_STORE_INSERTED);
	sc_current_hash(st, 3040, before);
	struct sk_warning *b = sc_record(3040, P2, "A");
	sk_model_field_set_text(sk_model_table_field(wt, "main_text"), b, NULL);
	dr.items[0] =
		(struct sk_model_drift_item){SK_DRIFT_MISSING, "MainText", wt,
					     sk_model_table_field(wt,
								  "main_text")};
	CHECK_INT(sc_put_drift(st, b, &dr, lost, sizeof lost), SK_STORE_HELD);
	CHECK_STR(lost, "MainText");
	sc_current_hash(st, 3040, after);
	CHECK_STR(after, before);
	/* ... and without the drift told (process.on_drift=store): updated,
	 * the text blank. */
	CHECK_INT(sc_put_drift(st, b, NULL, lost, sizeof lost),
		  SK_STORE_UPDATED);
	sk_warning_free(a);
	sk_warning_free(b);

	/* 2. A child row (the problems' cause name) no longer sent. */
	a = sc_record(3041, P1, "A");
	CHECK_INT(sc_put_drift(st, a, NULL, lost, sizeof lost),
		  SK_STORE_INSERTED);
	sc_current_hash(st, 3041, before);
	b = sc_record(3041, P2, "A");
	free(b->problems[0].cause_name);
	b->problems[0].cause_name = NULL;
	dr.items[0] = (struct sk_model_drift_item){
		SK_DRIFT_MISSING, "AvalancheProblems[].AvalCauseName", pt,
		sk_model_table_field(pt, "cause_name")};
	CHECK_INT(sc_put_drift(st, b, &dr, lost, sizeof lost), SK_STORE_HELD);
	CHECK_STR(lost, "AvalancheProblems[].AvalCauseName");
	sc_current_hash(st, 3041, after);
	CHECK_STR(after, before);
	sk_warning_free(a);
	sk_warning_free(b);

	/* 3. Missing, but the stored row had no value either: nothing lost,
	 * updated as usual. */
	a = sc_record(3042, P1, "A");
	sk_model_field_set_text(sk_model_table_field(wt, "main_text"), a, NULL);
	CHECK_INT(sc_put_drift(st, a, NULL, lost, sizeof lost),
		  SK_STORE_INSERTED);
	b = sc_record(3042, P2, "A");
	sk_model_field_set_text(sk_model_table_field(wt, "main_text"), b, NULL);
	dr.items[0] =
		(struct sk_model_drift_item){SK_DRIFT_MISSING, "MainText", wt,
					     sk_model_table_field(wt,
								  "main_text")};
	CHECK_INT(sc_put_drift(st, b, &dr, lost, sizeof lost),
		  SK_STORE_UPDATED);
	CHECK_STR(lost, "");
	sk_warning_free(a);
	sk_warning_free(b);
	printf("%s drift_held\n",
	       sk_test_failures == failed_before ? "ok" : "FAIL");
}

#endif
