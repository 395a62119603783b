/*
 * test_fields.c - the record field tables of model/ (fields.c): every
 * member of each record struct has exactly one row (offsets and sizes tile
 * the struct, gaps only where alignment puts them), the stored columns keep
 * the SQLite column order, to_json positions are a permutation, and the
 * generic accessors read and write through a row.
 */
#include "model/model.h"
#include "proc/proc.h"
#include "cases.h"
#include "test_data.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

struct span {
	size_t off, size, align;
	const char *name;
};

static size_t kind_align(enum sk_field_kind k)
{
	switch (k) {
	case SK_FIELD_INT:
	case SK_FIELD_TRI:
		return alignof(int);
	case SK_FIELD_INT64:
		return alignof(int64_t);
	case SK_FIELD_BOOL:
		return alignof(bool);
	case SK_FIELD_TEXT:
		return alignof(char *);
	case SK_FIELD_DATE:
		return 1;
	case SK_FIELD_TIME:
		return alignof(struct sk_time_field);
	case SK_FIELD_LIST:
		return alignof(void *);
	}
	return 1;
}

static size_t kind_size(const struct sk_field *f)
{
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_TRI:
		return sizeof(int);
	case SK_FIELD_INT64:
		return sizeof(int64_t);
	case SK_FIELD_BOOL:
		return sizeof(bool);
	case SK_FIELD_TEXT:
		return sizeof(char *);
	case SK_FIELD_DATE:
		return 11;
	case SK_FIELD_TIME:
		return sizeof(struct sk_time_field);
	case SK_FIELD_LIST:
		return sizeof(void *);
	}
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return (x->off > y->off) - (x->off < y->off);
}

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/* The rows' members (and the LIST counts) tile the struct: sorted by
 * offset, none overlaps the next, and each gap is exactly the padding the
 * next member's alignment asks for, as is the tail. A member without a
 * row leaves a gap that alignment does not explain. */
static int coverage_faults(const struct sk_table *t, bool quiet)
{
	int faults = 0;
	struct span sp[128];
	size_t n = 0, max_align = 1;
	for (size_t i = 0; i < t->n_rows && n + 2 <= 128; i++) {
		const struct sk_field *f = &t->rows[i];
		CHECK_INT(f->size, kind_size(f));
		sp[n++] = (struct span){f->off, f->size, kind_align(f->kind),
					f->name};
		if (f->kind == SK_FIELD_LIST)
			sp[n++] = (struct span){f->count_off, sizeof(size_t),
						alignof(size_t), f->name};
	}
	qsort(sp, n, sizeof *sp, cmp_span);
	size_t end = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].align > max_align)
			max_align = sp[i].align;
		if (sp[i].off != round_up(end, sp[i].align)) {
			if (!quiet)
				fprintf(stderr,
					"  %s: %s at %zu, expected %zu (a "
					"member without a row, or an "
					"overlap)\n",
					t->record, sp[i].name, sp[i].off,
					round_up(end, sp[i].align));
			faults++;
		}
		end = sp[i].off + sp[i].size;
	}
	if (t->size != round_up(end, max_align))
		faults++;
	return faults;
}

/* The coverage check itself can fail: a copy of the advice table without
 * its middle row, or with a row twice, does not tile the struct. */
static void test_coverage_detects_gaps(void)
{
	const struct sk_table *a = &sk_model_advice_table;
	struct sk_field rows[8];
	struct sk_table t = *a;
	CHECK_INT(a->n_rows, 3);
	memcpy(rows, a->rows, 3 * sizeof *rows);
	rows[1] = rows[2];
	t.rows = rows;
	t.n_rows = 2;
	CHECK(coverage_faults(&t, true) > 0);
	rows[2] = rows[1];
	t.n_rows = 3;
	CHECK(coverage_faults(&t, true) > 0);
	CHECK_INT(coverage_faults(a, false), 0);
}

/* json_pos of the rows written in one object is 1..k, each once. */
static void check_json_pos(const struct sk_table *t, bool in_group)
{
	unsigned seen[128] = {0};
	unsigned k = 0;
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (!f->json_pos ||
		    !!(f->flags & SK_FIELD_IN_GROUP) != in_group)
			continue;
		k++;
		CHECK(f->json_pos < 128);
		if (f->json_pos < 128)
			seen[f->json_pos]++;
	}
	for (unsigned p = 1; p <= k; p++)
		if (seen[p] != 1) {
			fprintf(stderr, "  %s: json_pos %u used %u times\n",
				t->record, p, seen[p]);
			CHECK(false);
		}
}

static void test_tables_cover_structs(void)
{
	size_t n = 0;
	const struct sk_table *const *tabs = sk_model_tables(&n);
	CHECK_INT(n, 4);
	CHECK(tabs[0] == &sk_model_warning_table);
	for (size_t i = 0; i < n; i++) {
		const struct sk_table *t = tabs[i];
		CHECK_INT(coverage_faults(t, false), 0);
		check_json_pos(t, false);
		check_json_pos(t, true);
		for (size_t j = 0; j < t->n_rows; j++) {
			const struct sk_field *f = &t->rows[j];
			CHECK(f->name && f->doc && f->doc[0]);
			CHECK(sk_model_table_field(t, f->name) == f);
			if (f->kind == SK_FIELD_LIST)
				CHECK(f->child && f->limit > 0);
			/* the parser reads API keys in json_pos order */
			if (f->api)
				CHECK(f->json_pos > 0);
			/* cleaned or derived rows only may lack an API key */
			if (!f->api)
				CHECK(f->flags &
				      (SK_FIELD_CLEANED | SK_FIELD_DERIVED));
		}
	}
	CHECK(sk_model_table_field(&sk_model_warning_table, "nope") == NULL);
}

/* The stored columns in table order are today's SQLite columns. */
static void check_columns(const struct sk_table *t, const char *want)
{
	char got[2048] = "";
	size_t len = 0;
	for (size_t i = 0; i < t->n_rows; i++) {
		if (!sk_model_field_stored(&t->rows[i]))
			continue;
		len += (size_t)snprintf(got + len, sizeof got - len, "%s%s",
					len ? "," : "", t->rows[i].name);
		CHECK(len < sizeof got);
	}
	CHECK_STR(got, want);
}

static void test_column_order(void)
{
	check_columns(&sk_model_warning_table,
		      "region_id,lang_key,valid_date,reg_id,region_name,"
		      "region_type_id,region_type_name,danger_level,"
		      "not_assessed,valid_from,valid_to,next_warning_time,"
		      "publish_time,danger_increase_time,danger_decrease_time,"
		      "main_text,is_detail,danger_level_name,author,"
		      "avalanche_danger,emergency_warning,snow_surface,"
		      "current_weaklayers,latest_avalanche_activity,"
		      "latest_observations,previous_warning_reg_id,"
		      "is_tendency,utm_zone,utm_east,utm_north,has_weather,"
		      "cloud_cover_id,cloud_cover_name,weather_comment,"
		      "weather_saved_time,exposed_height_fill");
	check_columns(&sk_model_problem_table,
		      "problem_id,problem_type_id,problem_type_name,cause_id,"
		      "cause_name,aval_type_id,aval_type_name,ext_id,ext_name,"
		      "trigger_simple_id,trigger_simple_name,"
		      "trigger_sensitivity_id,trigger_sensitivity_name,"
		      "size_id,size_name,probability_id,probability_name,"
		      "propagation_id,propagation_name,exposed_height_1,"
		      "exposed_height_2,exposed_height_fill,valid_expositions,"
		      "danger_level,text");
	check_columns(&sk_model_advice_table, "position,text,image_url");
	check_columns(&sk_model_weather_value_table,
		      "type_id,type_name,subtype_id,subtype_name,value");
}

static void test_accessors(void)
{
	const struct sk_table *t = &sk_model_warning_table;
	struct sk_warning *w = sk_warning_new();
	CHECK(w != NULL);
	if (!w)
		return;
	/* fresh: every int absent, texts NULL, lists empty */
	CHECK_INT(w->region_id, -1);
	CHECK_INT(w->reg_id, -1);
	CHECK_INT(w->is_tendency, -1);
	CHECK_INT(w->danger_level, -1);
	CHECK(!w->has_weather && w->valid_date[0] == '\0');

	const struct sk_field *f = sk_model_table_field(t, "snow_surface");
	CHECK(f && f->kind == SK_FIELD_TEXT);
	CHECK(sk_model_field_is_absent(f, w));
	sk_model_field_set_text(f, w, sk_strdup("Skare"));
	CHECK_STR(w->snow_surface, "Skare");
	CHECK_STR(sk_model_field_get_text(f, w), "Skare");
	CHECK(!sk_model_field_is_absent(f, w));
	CHECK(*sk_model_field_text_slot(f, w) == w->snow_surface);

	f = sk_model_table_field(t, "reg_id");
	sk_model_field_set_int(f, w, 12345678901LL);
	CHECK_INT(w->reg_id, 12345678901LL);
	CHECK_INT(sk_model_field_get_int(f, w), 12345678901LL);
	f = sk_model_table_field(t, "utm_east");
	sk_model_field_set_int(f, w, 210810);
	CHECK_INT(w->utm_east, 210810);
	f = sk_model_table_field(t, "not_assessed");
	sk_model_field_set_int(f, w, 7);
	CHECK(w->not_assessed == true);
	CHECK_INT(sk_model_field_get_int(f, w), 1);

	f = sk_model_table_field(t, "valid_date");
	CHECK(sk_model_field_get_text(f, w) == NULL);
	sk_model_field_set_text(f, w, sk_strdup("2024-01-05T00:00:00"));
	CHECK_STR(w->valid_date, "2024-01-05");

	f = sk_model_table_field(t, "publish_time");
	CHECK(sk_model_field_time(f, w) == &w->publish_time);
	sk_model_field_set_text(f, w, sk_strdup("2024-01-04T16:00:00"));
	CHECK_STR(w->publish_time.local, "2024-01-04T16:00:00");
	CHECK(sk_model_field_is_absent(f, w)); /* no UTC yet */

	f = sk_model_table_field(t, "problems");
	CHECK(f && f->kind == SK_FIELD_LIST &&
	      f->child == &sk_model_problem_table);
	CHECK_INT(sk_model_field_list_alloc(f, w, SK_LIMIT_PROBLEMS + 1),
		  SK_ERR_LIMIT);
	CHECK_INT(sk_model_field_list_alloc(f, w, 2), SK_OK);
	CHECK_INT(sk_model_field_list_count(f, w), 2);
	CHECK_INT(w->n_problems, 2);
	struct sk_problem *p = sk_model_field_list_child(f, w, 1);
	CHECK(p == &w->problems[1]);
	CHECK_INT(p->danger_level, -1);
	CHECK(p->text == NULL);
	p->text = sk_strdup("x");
	/* replacing the list frees the old children (ASan sees a leak else) */
	CHECK_INT(sk_model_field_list_alloc(f, w, 1), SK_OK);
	CHECK_INT(w->n_problems, 1);
	w->problems[0].cause_name = sk_strdup("y");
	sk_warning_free(w);
	sk_warning_free(NULL);
}

/* ------------------------------------------------------------ to_json
 *
 * tests/data/to_json.golden pins the output of sk_model_warning_to_json
 * for every element of the sample files, parsed and then cleaned, as it was
 * before the tables drove it: the clean topic and the revision rows depend
 * on those bytes. SKRED_GOLDEN_OUT=FILE writes the current text there (to
 * review a deliberate change). */

static const char *const samples[] = {"detail_en.json", "not_assessed.json",
				      "simple_nb.json", "model_edge.json"};

static void add_record(struct sk_buf *b, const char *file, size_t i,
		       const char *stage, const struct sk_warning *w)
{
	char *json = NULL;
	struct sk_error err = {0};
	sk_buf_printf(b, "%s[%zu] %s: ", file, i, stage);
	if (sk_model_warning_to_json(w, &json, &err) == SK_OK)
		sk_buf_puts(b, json);
	else
		sk_buf_printf(b, "to_json failed: %s", err.msg);
	sk_buf_puts(b, "\n");
	free(json);
}

static char *golden_text(void)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
		size_t len = 0, n = 0;
		struct sk_raw_item *items = NULL;
		struct sk_error err = {0};
		char *body = read_data(samples[s], &len);
		if (!body)
			continue;
		CHECK_INT(sk_model_split_array(body, len, 0, 0, &items, &n,
					       &err),
			  SK_OK);
		for (size_t i = 0; i < n; i++) {
			struct sk_warning *w = NULL;
			if (sk_model_warning_parse(items[i].json,
						   items[i].json_len, &w,
						   &err) != SK_OK) {
				sk_buf_printf(&b, "%s[%zu] parse failed: %s\n",
					      samples[s], i, err.msg);
				continue;
			}
			add_record(&b, samples[s], i, "parsed", w);
			if (sk_proc_clean(w, &err) == SK_OK)
				add_record(&b, samples[s], i, "clean", w);
			else
				sk_buf_printf(&b, "%s[%zu] rejected: %s\n",
					      samples[s], i, err.msg);
			sk_warning_free(w);
		}
		sk_model_raw_items_free(items, n);
		free(body);
	}
	return sk_buf_steal(&b);
}

static void test_to_json_golden(void)
{
	size_t len = 0;
	char *got = golden_text();
	char *want = read_data("to_json.golden", &len);
	const char *out = getenv("SKRED_GOLDEN_OUT");
	if (out) {
		FILE *f = fopen(out, "wb");
		CHECK(f != NULL);
		if (f) {
			fputs(got ? got : "", f);
			fclose(f);
		}
	}
	CHECK(got && want);
	if (got && want && strcmp(got, want) != 0) {
		size_t k = 0;
		while (got[k] && got[k] == want[k])
			k++;
		fprintf(stderr,
			"  to_json differs from to_json.golden at "
			"byte %zu:\n  got  %.120s\n  want %.120s\n",
			k, got + k, want + k);
		CHECK(false);
	}
	free(got);
	free(want);
}

/* parse -> to_json -> from_json -> to_json gives the same text, for every
 * sample element, parsed and cleaned: the tables read back every member
 * they write. */
static void round_trip(const char *file, size_t i, const struct sk_warning *w)
{
	char *a = NULL, *b = NULL;
	struct sk_warning *back = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_model_warning_to_json(w, &a, &err), SK_OK);
	if (!a)
		return;
	sk_err_t rc = sk_model_warning_from_json(a, strlen(a), &back, &err);
	CHECK_INT(rc, SK_OK);
	if (rc != SK_OK)
		fprintf(stderr, "  %s[%zu]: %s\n", file, i, err.msg);
	if (back) {
		CHECK_INT(sk_model_warning_to_json(back, &b, &err), SK_OK);
		CHECK(b && strcmp(a, b) == 0);
		if (b && strcmp(a, b) != 0)
			fprintf(stderr, "  %s[%zu]:\n  %s\n  %s\n", file, i, a,
				b);
		/* the members themselves, for a few kinds */
		CHECK_INT(back->reg_id, w->reg_id);
		CHECK_INT(back->n_problems, w->n_problems);
		CHECK_INT(back->n_weather, w->n_weather);
		CHECK_INT(back->is_tendency, w->is_tendency);
		CHECK(back->has_weather == w->has_weather);
		CHECK(back->publish_time.has_utc == w->publish_time.has_utc);
		CHECK(back->publish_time.local == NULL);
		if (w->publish_time.has_utc)
			CHECK_INT(back->publish_time.utc_ms,
				  w->publish_time.utc_ms);
	}
	free(a);
	free(b);
	sk_warning_free(back);
}

static void test_round_trip(void)
{
	size_t rounds = 0;
	for (size_t s = 0; s < sizeof samples / sizeof *samples; s++) {
		size_t len = 0, n = 0;
		struct sk_raw_item *items = NULL;
		struct sk_error err = {0};
		char *body = read_data(samples[s], &len);
		if (!body)
			continue;
		CHECK_INT(sk_model_split_array(body, len, 0, 0, &items, &n,
					       &err),
			  SK_OK);
		for (size_t i = 0; i < n; i++) {
			struct sk_warning *w = NULL;
			if (sk_model_warning_parse(items[i].json,
						   items[i].json_len, &w,
						   &err) != SK_OK)
				continue;
			round_trip(samples[s], i, w);
			if (sk_proc_clean(w, &err) == SK_OK) {
				round_trip(samples[s], i, w);
				rounds++;
			}
			sk_warning_free(w);
		}
		sk_model_raw_items_free(items, n);
		free(body);
	}
	CHECK(rounds >= 8);
}

static void test_from_json_errors(void)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{"[]", "record is a JSON array"},
		{"{\"reg_id\":\"1\"}", "field reg_id: expected integer"},
		{"{\"valid_from\":\"2024-01-05T00:00:00\"}",
		 "field valid_from: not a UTC time"},
		{"{\"valid_date\":\"2024-13-01\"}", "field valid_date: not a"},
		{"{\"mountain_weather\":{\"values\":[{\"type_id\":true}]}}",
		 "field mountain_weather.values[0].type_id: expected integer"},
		{"{\"problems\":[1]}", "field problems[0]: expected object"},
		{"{\"is_tendency\":1}", "field is_tendency: expected boolean"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sk_warning *w = (struct sk_warning *)1;
		struct sk_error err = {0};
		CHECK_INT(sk_model_warning_from_json(cases[i].json,
						     strlen(cases[i].json), &w,
						     &err),
			  SK_ERR_PARSE);
		CHECK(w == NULL);
		if (!strstr(err.msg, cases[i].want)) {
			fprintf(stderr, "  '%s' lacks '%s'\n", err.msg,
				cases[i].want);
			CHECK(false);
		}
	}
	int64_t ms = 0;
	CHECK(sk_time_parse_utc("2024-03-30T23:00:00.000Z", &ms));
	CHECK_INT(ms, 1711839600000LL);
	CHECK(!sk_time_parse_utc("2024-03-30T23:00:00.000", &ms));
	CHECK(!sk_time_parse_utc(NULL, &ms));
}

static const struct sk_case cases[] = {
	{"tables_cover_structs", test_tables_cover_structs},
	{"coverage_detects_gaps", test_coverage_detects_gaps},
	{"column_order", test_column_order},
	{"accessors", test_accessors},
	{"to_json_golden", test_to_json_golden},
	{"round_trip", test_round_trip},
	{"from_json_errors", test_from_json_errors},
};

SK_CASES_MAIN(cases)
