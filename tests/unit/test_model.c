/*
 * test_model.c - the JSON side of model/: splitting response arrays into
 * keyed items, mapping Simple and Detail warnings field by field (types,
 * nulls, limits, depth), JSON string escaping and record output.
 *
 * Samples live in tests/data (SKRED_TEST_DATA, set by CTest).
 */
#include "model/model.h"
#include "cases.h"
#include "test_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Element i of a data file's array, parsed. */
static struct sk_warning *parse_item(const char *file, size_t i)
{
	size_t len = 0, n = 0;
	struct sk_raw_item *items = NULL;
	struct sk_warning *w = NULL;
	struct sk_error err = {0};
	char *body = read_data(file, &len);
	if (!body)
		return NULL;
	CHECK_INT(sk_model_split_array(body, len, 0, 0, &items, &n, &err),
		  SK_OK);
	CHECK(i < n);
	if (i < n) {
		sk_err_t rc = sk_model_warning_parse(items[i].json,
						     items[i].json_len, &w,
						     &err);
		CHECK_INT(rc, SK_OK);
		if (rc != SK_OK)
			fprintf(stderr, "  parse: %s\n", err.msg);
	}
	sk_model_raw_items_free(items, n);
	free(body);
	return w;
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Parse text expecting failure with code and a message containing want. */
static void expect_parse_error(const char *json, sk_err_t code,
			       const char *want)
{
	struct sk_warning *w = (struct sk_warning *)1;
	struct sk_error err = {0};
	sk_err_t rc = sk_model_warning_parse(json, strlen(json), &w, &err);
	CHECK_INT(rc, code);
	CHECK(w == NULL);
	CHECK_INT(err.code, code);
	CHECK(!err.retriable);
	if (!strstr(err.msg, want)) {
		fprintf(stderr, "  message '%s' lacks '%s' (input %.80s)\n",
			err.msg, want, json);
		CHECK(strstr(err.msg, want) != NULL);
	}
}

static void expect_split_error(const char *body, size_t len, sk_err_t code,
			       const char *want)
{
	struct sk_raw_item *items = (struct sk_raw_item *)1;
	size_t n = 99;
	struct sk_error err = {0};
	CHECK_INT(sk_model_split_array(body, len, 3011, 1, &items, &n, &err),
		  code);
	CHECK(items == NULL);
	CHECK_INT(n, 0);
	CHECK(strstr(err.msg, want) != NULL);
	if (code == SK_ERR_PARSE)
		CHECK(err.retriable);
}

static void test_split_samples(void)
{
	size_t len = 0, n = 0;
	struct sk_raw_item *items = NULL;
	struct sk_error err = {0};
	char *body = read_data("detail_en.json", &len);
	if (!body)
		return;
	CHECK_INT(sk_model_split_array(body, len, 3022, 2, &items, &n, &err),
		  SK_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(items[0].key, "3022:2:2023-03-01");
		CHECK_STR(items[1].key, "3022:2:2023-03-02");
		/* Exactly the bytes received: a span of the body. */
		CHECK(items[0].json[0] == '{');
		CHECK(items[0].json[items[0].json_len - 1] == '}');
		CHECK(memmem(body, len, items[0].json, items[0].json_len) !=
		      NULL);
		CHECK(memmem(body, len, items[1].json, items[1].json_len) !=
		      NULL);
		CHECK(strstr(items[0].json, "Møre og Romsdal") != NULL);
		CHECK(strstr(items[1].json, "\"ValidFrom\"") != NULL);
		CHECK_INT(items[0].json_len, strlen(items[0].json));
		CHECK(items[0].json_len < len);
	}
	sk_model_raw_items_free(items, n);
	free(body);

	body = read_data("not_assessed.json", &len);
	if (!body)
		return;
	CHECK_INT(sk_model_split_array(body, len, 0, 0, &items, &n, &err),
		  SK_OK);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(items[0].key, "3011:1:2024-10-27");
		CHECK_STR(items[1].key, "3045:1:2024-10-27");
		CHECK_STR(items[2].key, "3003:2:2024-10-28");
	}
	sk_model_raw_items_free(items, n);
	free(body);
}

static void test_split_edges(void)
{
	struct sk_raw_item *items = NULL;
	size_t n = 5;
	struct sk_error err = {0};

	/* [] is an empty answer; null is not an answer to a region. */
	expect_split_error("null", 4, SK_ERR_PARSE, "JSON null");
	expect_split_error(" null\n", 6, SK_ERR_PARSE, "expected an array");
	CHECK_INT(sk_model_split_array("[]", 2, 3011, 1, &items, &n, &err),
		  SK_OK);
	CHECK_INT(n, 0);
	CHECK(items == NULL);
	CHECK_INT(sk_model_split_array("[ ]\r\n", 5, 3011, 1, &items, &n, &err),
		  SK_OK);
	CHECK_INT(n, 0);

	/* Not an array, not JSON, truncated: retriable parse errors. */
	expect_split_error("{\"RegId\":1}", 11, SK_ERR_PARSE,
			   "JSON object, expected an array");
	expect_split_error("42", 2, SK_ERR_PARSE, "JSON integer");
	expect_split_error("\"x\"", 3, SK_ERR_PARSE, "JSON string");
	expect_split_error("", 0, SK_ERR_PARSE, "not valid JSON");
	expect_split_error("<html>Service Unavailable</html>", 32, SK_ERR_PARSE,
			   "line 1, column");
	const char *trunc = "[{\"RegId\":1,\n\"RegionId\":30";
	expect_split_error(trunc, strlen(trunc), SK_ERR_PARSE, "line 2");
	expect_split_error("[1,]", 4, SK_ERR_PARSE, "not valid JSON");
	expect_split_error("[] []", 5, SK_ERR_PARSE, "not valid JSON");
	expect_split_error("[\"\\u0000\"]", 10, SK_ERR_PARSE, "not valid JSON");
	expect_split_error(NULL, 0, SK_ERR_PARSE, "missing");
	/* The cap is checked before the body is read. */
	expect_split_error("[]", (size_t)SK_LIMIT_HTTP_BODY + 1, SK_ERR_LIMIT,
			   "exceeds");

	/* Non-object elements are kept; keys fall back to the expectation,
	 * then to "?". */
	const char *mixed = "[1, \"x\", {\"RegionId\":3011,\"LangKey\":1,"
			    "\"ValidFrom\":\"2024-01-05T00:00:00\"}, null,"
			    " {\"RegionId\":\"abc\",\"LangKey\":1.0,"
			    "\"ValidFrom\":\"2024-13-05T00:00:00\"},"
			    " {\"ValidFrom\":\"2024\"}, {\"RegionId\":3012,"
			    "\"ValidFrom\":\"2024-02-01\"}, []]";
	CHECK_INT(sk_model_split_array(mixed, strlen(mixed), 3022, 2, &items,
				       &n, &err),
		  SK_OK);
	CHECK_INT(n, 8);
	if (n == 8) {
		CHECK_STR(items[0].json, "1");
		CHECK_STR(items[0].key, "3022:2:?");
		CHECK_STR(items[1].json, "\"x\"");
		CHECK_STR(items[2].key, "3011:1:2024-01-05");
		CHECK_STR(items[2].json,
			  "{\"RegionId\":3011,\"LangKey\":1,"
			  "\"ValidFrom\":\"2024-01-05T00:00:00\"}");
		CHECK_STR(items[3].json, "null");
		CHECK_STR(items[4].key, "3022:2:?");
		CHECK_STR(items[5].key, "3022:2:?");
		CHECK_STR(items[6].key, "3012:2:2024-02-01");
		CHECK_STR(items[7].json, "[]");
	}
	sk_model_raw_items_free(items, n);
	CHECK_INT(sk_model_split_array(mixed, strlen(mixed), 0, 0, &items, &n,
				       &err),
		  SK_OK);
	if (n == 8)
		CHECK_STR(items[0].key, "?:?:?");
	sk_model_raw_items_free(items, n);
	sk_model_raw_items_free(NULL, 0);
}

/* Elements that do not answer their request are marked, copies of a key
 * all of them; what no request could name is left to processing. */
static void test_items_check(void)
{
	const char *body =
		"[{\"RegionId\":3011,\"LangKey\":1,\"ValidFrom\":\"2024-02-"
		"01\"},"
		"{\"RegionId\":3012,\"LangKey\":1,\"ValidFrom\":\"2024-02-02\"}"
		","
		"{\"RegionId\":3011,\"LangKey\":2,\"ValidFrom\":\"2024-02-02\"}"
		","
		"{\"RegionId\":3011,\"LangKey\":1,\"ValidFrom\":\"2025-03-08\"}"
		","
		"{\"RegionId\":3011,\"LangKey\":1,\"ValidFrom\":\"2024-02-03\"}"
		","
		"{\"RegionId\":3011,\"LangKey\":1,\"ValidFrom\":\"2024-02-03\","
		"\"MainText\":\"other words\"},"
		"{\"RegionId\":3011,\"LangKey\":3,\"ValidFrom\":\"2024-02-04\"}"
		","
		"{\"RegionId\":9999,\"LangKey\":1,\"ValidFrom\":\"2024-02-04\"}"
		","
		"{\"RegionId\":\"abc\",\"ValidFrom\":\"2024-02-04\"},"
		"{\"RegionId\":\"abc\",\"ValidFrom\":\"2024-02-05\"}]";
	struct sk_raw_item *items = NULL;
	size_t n = 0;
	struct sk_error err = {0};
	struct sk_date from = {2024, 2, 1}, to = {2024, 2, 5};
	CHECK_INT(sk_model_split_array(body, strlen(body), 3011, 1, &items, &n,
				       &err),
		  SK_OK);
	CHECK_INT(n, 10);
	if (n != 10)
		return;
	CHECK_INT(sk_model_items_check(items, n, 3011, 1, &from, &to), 5);
	CHECK(items[0].reject == NULL);
	CHECK_STR(items[1].reject, "misrouted");
	CHECK(strstr(items[1].reject_why, "region 3012 lang 1 in the answer "
					  "for region 3011 lang 1 "
					  "2024-02-01..2024-02-05") != NULL);
	CHECK_STR(items[2].reject, "misrouted");
	CHECK_STR(items[3].reject, "out_of_range");
	CHECK(strstr(items[3].reject_why, "2025-03-08") != NULL);
	CHECK_STR(items[4].reject, "duplicate_in_response");
	CHECK_STR(items[5].reject, "duplicate_in_response");
	for (size_t i = 6; i < n; i++)
		CHECK(items[i].reject == NULL);
	sk_model_raw_items_free(items, n);
}

static void test_parse_detail(void)
{
	struct sk_warning *w = parse_item("detail_en.json", 0);
	if (!w)
		return;
	CHECK_INT(w->reg_id, 332114);
	CHECK_INT(w->region_id, 3022);
	CHECK_STR(w->region_name, "Trollheimen");
	CHECK_INT(w->region_type_id, 10);
	CHECK_STR(w->region_type_name, "A");
	CHECK_STR(w->danger_level_raw, "3");
	CHECK_INT(w->danger_level, -1); /* set by cleaning */
	CHECK(!w->not_assessed);
	CHECK_INT(w->lang_key, 2);
	CHECK_STR(w->valid_date, "");
	CHECK_STR(w->valid_from.local, "2023-03-01T00:00:00");
	CHECK(!w->valid_from.has_utc);
	CHECK_STR(w->valid_to.local, "2023-03-01T23:59:59");
	CHECK_STR(w->next_warning_time.local, "2023-03-02T16:00:00");
	CHECK_STR(w->publish_time.local, "2023-02-28T15:32:29.677");
	CHECK(w->danger_increase_time.local == NULL);
	CHECK_STR(w->danger_decrease_time.local, "2023-03-01T12:00:00");
	CHECK_STR(w->main_text,
		  "Fresh wind slabs are easy to trigger in steep lee slopes. ");

	CHECK(w->is_detail);
	CHECK_STR(w->danger_level_name, "3 Considerable");
	CHECK_STR(w->author, "Snøskredvarslingen 227");
	CHECK(starts_with(w->avalanche_danger, "Det har kommet 10-20 cm"));
	CHECK_STR(w->emergency_warning, "Not given");
	CHECK_STR(w->snow_surface,
		  "Vindpåvirket overflate i høyden, løs snø i skjermet "
		  "terreng.");
	CHECK_STR(w->current_weaklayers, "Nedføyket nysnø over skare.");
	CHECK(w->latest_avalanche_activity == NULL);
	CHECK_STR(w->latest_observations,
		  "Skytende sprekker observert ved Kongsvoll.\r\n");
	CHECK_INT(w->previous_warning_reg_id, 331904);
	CHECK_INT(w->is_tendency, -1); /* v6.2.1: absent */
	CHECK_INT(w->utm_zone, 33);
	CHECK_INT(w->utm_east, 210810);
	CHECK_INT(w->utm_north, 6991060);

	CHECK(w->has_weather);
	CHECK_INT(w->cloud_cover_id, 30);
	CHECK_STR(w->cloud_cover_name, "Cloudy");
	CHECK_STR(w->weather_comment, ".");
	CHECK_STR(w->weather_saved_time.local, "2023-02-28T15:32:29.927");
	CHECK_INT(w->n_weather, 9);
	if (w->n_weather == 9) {
		/* Flattened in document order, one per sub-type. */
		static const int ids[9][2] = {{10, 60}, {10, 70}, {20, 20},
					      {20, 50}, {30, 20}, {30, 50},
					      {40, 30}, {40, 40}, {40, 90}};
		for (size_t i = 0; i < 9; i++) {
			CHECK_INT(w->weather[i].type_id, ids[i][0]);
			CHECK_INT(w->weather[i].subtype_id, ids[i][1]);
		}
		CHECK_STR(w->weather[0].type_name, "Rainfall");
		CHECK_STR(w->weather[0].subtype_name, "Most exposed area");
		CHECK_STR(w->weather[0].value, "8");
		CHECK_STR(w->weather[1].value, "4");
		CHECK_STR(w->weather[2].type_name, "Wind");
		CHECK_STR(w->weather[2].value, "Strong breeze");
		CHECK_STR(w->weather[3].value, "NW");
		CHECK_STR(w->weather[4].type_name, "Wind shift to");
		CHECK(w->weather[4].value == NULL);
		CHECK(w->weather[5].value == NULL);
		CHECK_STR(w->weather[6].subtype_name, "Min");
		CHECK_STR(w->weather[6].value, "-7");
		CHECK_STR(w->weather[8].type_name, "Temperature");
		CHECK_STR(w->weather[8].subtype_name, "masl");
		CHECK_STR(w->weather[8].value, "1400");
	}

	CHECK_INT(w->n_problems, 2);
	if (w->n_problems == 2) {
		const struct sk_problem *p = &w->problems[0];
		CHECK_INT(p->problem_id, 1);
		CHECK_INT(p->problem_type_id, 10);
		CHECK_STR(p->problem_type_name,
			  "Wind drifted snow (slab avalanches)");
		CHECK_INT(p->cause_id, 10);
		CHECK_STR(p->cause_name, "Buried weak layer of new snow");
		CHECK_INT(p->aval_type_id, 10);
		CHECK_STR(p->aval_type_name, "Slab avalanche");
		CHECK_INT(p->ext_id, 20);
		CHECK_STR(p->ext_name, "Dry slab avalanche");
		CHECK_INT(p->trigger_simple_id, 21);
		CHECK_STR(p->trigger_simple_name, "Easy to trigger");
		CHECK_INT(p->trigger_sensitivity_id, 30);
		CHECK_STR(p->trigger_sensitivity_name, "Easy to trigger\r\n");
		CHECK_INT(p->size_id, 2);
		CHECK_STR(p->size_name, "2 - Medium");
		CHECK_INT(p->probability_id, 3);
		CHECK_STR(p->probability_name, "Possible");
		CHECK_INT(p->propagation_id, 2);
		CHECK_STR(p->propagation_name, "Some steep slopes");
		CHECK_INT(p->exposed_height_1, 1000);
		CHECK_INT(p->exposed_height_2, 1000);
		CHECK_INT(p->exposed_height_fill, 1);
		CHECK_STR(p->valid_expositions, "00111000");
		CHECK_INT(p->danger_level, 3);
		CHECK_STR(p->text, "You can easily trigger avalanches on some "
				   "steep slopes. ");
		p = &w->problems[1];
		CHECK_INT(p->problem_id, 2);
		CHECK_INT(p->problem_type_id, 30);
		CHECK_INT(p->cause_id, 19);
		CHECK_STR(p->cause_name, "Faceted snow below crust");
		CHECK_INT(p->trigger_simple_id, 10);
		CHECK_INT(p->trigger_sensitivity_id, 20);
		CHECK_INT(p->size_id, 3);
		CHECK_INT(p->probability_id, 2);
		CHECK_INT(p->propagation_id, 1);
		CHECK_INT(p->exposed_height_1, 800);
		CHECK_INT(p->exposed_height_2, 1400);
		CHECK_INT(p->exposed_height_fill, 4);
		CHECK_STR(p->valid_expositions, "11111111");
		CHECK_INT(p->danger_level, 2); /* "2" in the sample */
	}

	CHECK_INT(w->n_advices, 3);
	if (w->n_advices == 3) {
		CHECK_INT(w->advices[0].position, 0);
		CHECK_STR(w->advices[0].text, "Avoid terrain traps. ");
		CHECK_STR(w->advices[0].image_url,
			  "https://api01.nve.no/hydrology/forecast/avalanche/"
			  "v6.2.1/Images/AvalancheAdvice/11.jpg");
		CHECK_INT(w->advices[1].position, 1);
		CHECK_INT(w->advices[2].position, 2);
		CHECK(w->advices[2].text == NULL);
		CHECK(w->advices[2].image_url == NULL);
	}
	sk_warning_free(w);

	/* Second day: nulls, real UTM coordinates, IsTendency. */
	w = parse_item("detail_en.json", 1);
	if (!w)
		return;
	CHECK(w->is_detail);
	CHECK_INT(w->previous_warning_reg_id, -1);
	CHECK(w->author == NULL);
	CHECK_STR(w->emergency_warning, "Natural avalanches");
	CHECK_INT(w->utm_east, 210811);
	CHECK_INT(w->utm_north, 6991059);
	CHECK_INT(w->is_tendency, 1);
	CHECK(!w->has_weather);
	CHECK_INT(w->cloud_cover_id, -1);
	CHECK_INT(w->n_weather, 0);
	CHECK_INT(w->n_problems, 0);
	CHECK(w->problems == NULL);
	CHECK_INT(w->n_advices, 0);
	CHECK_STR(w->publish_time.local, "2023-03-02T09:11:14.2");
	sk_warning_free(w);
	sk_warning_free(NULL);
}

static void test_parse_simple(void)
{
	struct sk_warning *w = parse_item("simple_nb.json", 1);
	if (!w)
		return;
	CHECK(!w->is_detail);
	CHECK_INT(w->reg_id, 412991);
	CHECK_INT(w->region_id, 3011);
	CHECK_STR(w->region_name, " Tromsø\r\n"); /* trimmed by proc */
	CHECK_INT(w->region_type_id, 0);
	CHECK_STR(w->region_type_name, "Ikke gitt");
	CHECK_STR(w->danger_level_raw, " 3 ");
	CHECK_INT(w->lang_key, 1);
	CHECK_STR(w->danger_increase_time.local, "2024-03-31T02:30:00");
	CHECK_INT(w->previous_warning_reg_id, -1);
	CHECK_INT(w->is_tendency, -1);
	CHECK_INT(w->utm_zone, -1);
	CHECK_INT(w->utm_east, -1);
	CHECK_INT(w->utm_north, -1);
	CHECK(!w->has_weather);
	CHECK_INT(w->cloud_cover_id, -1);
	CHECK(w->danger_level_name == NULL);
	CHECK(w->emergency_warning == NULL);
	CHECK_INT(w->n_problems + w->n_advices + w->n_weather, 0);
	sk_warning_free(w);

	w = parse_item("simple_nb.json", 2);
	if (w)
		CHECK(w->region_name == NULL);
	sk_warning_free(w);
}

/* A minimal Simple warning with one field's raw JSON value appended
 * (last key wins, so this overrides the default). */
static const char *with(char *buf, size_t n, const char *extra)
{
	snprintf(buf, n,
		 "{\"RegId\":1,\"RegionId\":3011,\"DangerLevel\":\"2\","
		 "\"ValidFrom\":\"2024-01-05T00:00:00\",\"LangKey\":1%s%s}",
		 extra ? "," : "", extra ? extra : "");
	return buf;
}

/* One field's raw value in a minimal warning, and the start of the
 * expected parse error. */
static const struct {
	const char *extra;
	const char *want;
} type_cases[] = {
	{"\"RegionId\":\"abc\"", "field RegionId: expected integer"},
	{"\"RegionId\":3011.0", "field RegionId: expected integer"},
	{"\"RegionId\":4294967296",
	 "field RegionId: integer 4294967296 out of range"},
	{"\"LangKey\":\"1\"", "field LangKey: expected integer"},
	{"\"RegId\":true", "field RegId: expected integer"},
	{"\"RegId\":null", "field RegId: required"},
	{"\"ValidFrom\":null", "field ValidFrom: required"},
	{"\"ValidFrom\":20240105", "field ValidFrom: expected string"},
	{"\"DangerLevel\":2.5", "field DangerLevel: expected string"},
	{"\"DangerLevel\":null", "field DangerLevel: required"},
	{"\"MainText\":[\"a\"]", "field MainText: expected string, got array"},
	{"\"PublishTime\":{}", "field PublishTime: expected string"},
	{"\"IsTendency\":\"false\"", "field IsTendency: expected boolean"},
	{"\"IsTendency\":0", "field IsTendency: expected boolean"},
	{"\"UtmEast\":\"210810\"", "field UtmEast: expected integer"},
	{"\"UtmNorth\":1e12", "field UtmNorth: number"},
	{"\"UtmZone\":33.0", "field UtmZone: expected integer"},
	{"\"PreviousWarningRegId\":\"1\"",
	 "field PreviousWarningRegId: expected integer"},
	{"\"MountainWeather\":[]", "field MountainWeather: expected object"},
	{"\"MountainWeather\":{\"CloudCoverId\":\"30\"}",
	 "field MountainWeather.CloudCoverId: expected integer"},
	{"\"MountainWeather\":{\"MeasurementTypes\":[{\"Id\":10,"
	 "\"MeasurementSubTypes\":{}}]}",
	 "field MountainWeather.MeasurementTypes[0].MeasurementSubTypes: "
	 "expected array"},
	{"\"MountainWeather\":{\"MeasurementTypes\":[{\"Id\":10,"
	 "\"MeasurementSubTypes\":[{\"Id\":60,\"Value\":8}]}]}",
	 "field MountainWeather.MeasurementTypes[0].MeasurementSubTypes[0]."
	 "Value: expected string"},
	{"\"MountainWeather\":{\"MeasurementTypes\":[{\"Id\":\"x\","
	 "\"MeasurementSubTypes\":[{\"Id\":60}]}]}",
	 "field MountainWeather.MeasurementTypes[0].Id: expected integer"},
	{"\"MountainWeather\":{\"MeasurementTypes\":[3]}",
	 "field MountainWeather.MeasurementTypes[0]: expected object"},
	{"\"AvalancheProblems\":{}", "field AvalancheProblems: expected array"},
	{"\"AvalancheProblems\":[{},\"x\"]",
	 "field AvalancheProblems[1]: expected object, got string"},
	{"\"AvalancheProblems\":[{\"DangerLevel\":\"x\"}]",
	 "field AvalancheProblems[0].DangerLevel: expected integer"},
	{"\"AvalancheProblems\":[{\"DangerLevel\":2.0}]",
	 "field AvalancheProblems[0].DangerLevel: expected integer"},
	{"\"AvalancheProblems\":[{\"ValidExpositions\":11100000}]",
	 "field AvalancheProblems[0].ValidExpositions: expected string"},
	{"\"AvalancheAdvices\":[{\"AdviceID\":\"0\"}]",
	 "field AvalancheAdvices[0].AdviceID: expected integer"},
};

static void test_parse_types(void)
{
	char buf[4096];
	struct sk_warning *w = NULL;
	struct sk_error err = {0};

	with(buf, sizeof buf, NULL);
	CHECK_INT(sk_model_warning_parse(buf, strlen(buf), &w, &err), SK_OK);
	if (w) {
		CHECK(!w->is_detail);
		CHECK(w->region_name == NULL);
		CHECK(w->valid_to.local == NULL);
		CHECK_INT(w->region_type_id, -1);
	}
	sk_warning_free(w);

	for (size_t i = 0; i < sizeof type_cases / sizeof type_cases[0]; i++)
		expect_parse_error(with(buf, sizeof buf, type_cases[i].extra),
				   SK_ERR_PARSE, type_cases[i].want);

	/* Not an object / not JSON / missing fields. */
	expect_parse_error("[]", SK_ERR_PARSE,
			   "JSON array, expected an object");
	expect_parse_error("null", SK_ERR_PARSE, "JSON null");
	expect_parse_error("\"x\"", SK_ERR_PARSE, "JSON string");
	expect_parse_error("{\"RegId\":1,", SK_ERR_PARSE, "not valid JSON");
	expect_parse_error("{} x", SK_ERR_PARSE, "not valid JSON");
	expect_parse_error("{\"MainText\":\"a\\u0000b\"}", SK_ERR_PARSE,
			   "not valid JSON");
	expect_parse_error("{\"MainText\":\"\xff\"}", SK_ERR_PARSE,
			   "not valid JSON");
	expect_parse_error("{}", SK_ERR_PARSE,
			   "field RegId: required, got "
			   "nothing");
	expect_parse_error("{\"RegId\":1,\"RegionId\":3011,\"DangerLevel\":"
			   "\"2\",\"ValidFrom\":\"2024-01-05T00:00:00\"}",
			   SK_ERR_PARSE, "field LangKey: required");
	w = (struct sk_warning *)1;
	CHECK_INT(sk_model_warning_parse(NULL, 0, &w, &err), SK_ERR_PARSE);
	CHECK(w == NULL);

	/* Accepted variants: integer DangerLevel, numeric string problem
	 * level, RegId beyond 32 bits, unknown fields, empty arrays. */
	w = NULL;
	with(buf, sizeof buf,
	     "\"DangerLevel\":4,\"RegId\":5000000000,\"Unknown\":{\"a\":[1]},"
	     "\"AvalancheProblems\":[{\"DangerLevel\":\" 3 \"},"
	     "{\"DangerLevel\":null,\"AvalancheProblemId\":null}],"
	     "\"MountainWeather\":{\"MeasurementTypes\":null},"
	     "\"AvalancheAdvices\":null,\"IsTendency\":false");
	CHECK_INT(sk_model_warning_parse(buf, strlen(buf), &w, &err), SK_OK);
	if (w) {
		CHECK_STR(w->danger_level_raw, "4");
		CHECK_INT(w->reg_id, 5000000000LL);
		CHECK_INT(w->n_problems, 2);
		CHECK_INT(w->problems[0].danger_level, 3);
		CHECK_INT(w->problems[1].danger_level, -1);
		CHECK_INT(w->problems[1].problem_id, -1);
		CHECK_INT(w->problems[1].ext_id, -1);
		CHECK(w->problems[1].valid_expositions == NULL);
		CHECK(w->has_weather);
		CHECK_INT(w->n_weather, 0);
		CHECK_INT(w->is_tendency, 0);
		CHECK(w->is_detail);
	}
	sk_warning_free(w);

	/* Any Detail-only key, even null, marks a Detail record. */
	w = NULL;
	with(buf, sizeof buf, "\"ExtremWeatherId\":null");
	CHECK_INT(sk_model_warning_parse(buf, strlen(buf), &w, &err), SK_OK);
	if (w)
		CHECK(w->is_detail);
	sk_warning_free(w);
}

/* A warning whose field "X" holds `levels` nested arrays. */
static char *nested(int levels)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_buf_puts(&b, "{\"RegId\":1,\"RegionId\":3011,\"DangerLevel\":\"2\","
			"\"ValidFrom\":\"2024-01-05T00:00:00\",\"LangKey\":1,"
			"\"X\":");
	for (int i = 0; i < levels; i++)
		sk_buf_puts(&b, "[");
	for (int i = 0; i < levels; i++)
		sk_buf_puts(&b, "]");
	sk_buf_puts(&b, "}");
	return sk_buf_steal(&b);
}

/* A warning with n copies of item in array field name. */
static char *repeated(const char *name, const char *prefix, const char *item,
		      const char *suffix, int n)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_buf_printf(&b,
		      "{\"RegId\":1,\"RegionId\":3011,\"DangerLevel\":\"2\","
		      "\"ValidFrom\":\"2024-01-05T00:00:00\",\"LangKey\":1,"
		      "\"%s\":%s",
		      name, prefix);
	for (int i = 0; i < n; i++)
		sk_buf_printf(&b, "%s%s", i ? "," : "", item);
	sk_buf_printf(&b, "%s}", suffix);
	return sk_buf_steal(&b);
}

static void test_parse_limits(void)
{
	struct sk_warning *w = NULL;
	struct sk_error err = {0};
	char *s;

	/* Top level is 1: 31 arrays under it reach level 32, the limit. */
	s = nested(SK_LIMIT_JSON_DEPTH - 1);
	CHECK_INT(sk_model_warning_parse(s, strlen(s), &w, &err), SK_OK);
	sk_warning_free(w);
	free(s);
	s = nested(SK_LIMIT_JSON_DEPTH);
	expect_parse_error(s, SK_ERR_PARSE, "nests deeper than 32");
	free(s);
	s = nested(3000); /* beyond jansson's own parser limit */
	expect_parse_error(s, SK_ERR_PARSE, "not valid JSON");
	free(s);

	s = repeated("AvalancheProblems", "[", "{\"DangerLevel\":2}", "]",
		     SK_LIMIT_PROBLEMS);
	w = NULL;
	CHECK_INT(sk_model_warning_parse(s, strlen(s), &w, &err), SK_OK);
	if (w)
		CHECK_INT(w->n_problems, SK_LIMIT_PROBLEMS);
	sk_warning_free(w);
	free(s);
	s = repeated("AvalancheProblems", "[", "{\"DangerLevel\":2}", "]",
		     SK_LIMIT_PROBLEMS + 1);
	expect_parse_error(s, SK_ERR_LIMIT, "AvalancheProblems: 17 items");
	free(s);

	s = repeated("AvalancheAdvices", "[", "{\"Text\":\"a\"}", "]",
		     SK_LIMIT_ADVICES);
	w = NULL;
	CHECK_INT(sk_model_warning_parse(s, strlen(s), &w, &err), SK_OK);
	sk_warning_free(w);
	free(s);
	s = repeated("AvalancheAdvices", "[", "{\"Text\":\"a\"}", "]",
		     SK_LIMIT_ADVICES + 1);
	expect_parse_error(s, SK_ERR_LIMIT, "AvalancheAdvices: 33 items");
	free(s);

	/* Weather values count across measurement types. */
	const char *type =
		"{\"Id\":10,\"Name\":\"Rainfall\","
		"\"MeasurementSubTypes\":[{\"Id\":60,\"Value\":\"1\"},"
		"{\"Id\":70,\"Value\":\"2\"}]}";
	s = repeated("MountainWeather", "{\"MeasurementTypes\":[", type, "]}",
		     SK_LIMIT_WEATHER_VALUES / 2);
	w = NULL;
	CHECK_INT(sk_model_warning_parse(s, strlen(s), &w, &err), SK_OK);
	if (w) {
		CHECK_INT(w->n_weather, SK_LIMIT_WEATHER_VALUES);
		CHECK_STR(w->weather[127].type_name, "Rainfall");
		CHECK_STR(w->weather[127].value, "2");
	}
	sk_warning_free(w);
	free(s);
	s = repeated("MountainWeather", "{\"MeasurementTypes\":[", type, "]}",
		     SK_LIMIT_WEATHER_VALUES / 2 + 1);
	expect_parse_error(s, SK_ERR_LIMIT, "more than 128 weather values");
	free(s);

	/* The input cap is checked before reading. */
	w = (struct sk_warning *)1;
	CHECK_INT(sk_model_warning_parse("{}",
					 (size_t)SK_LIMIT_WARNING_JSON + 1, &w,
					 &err),
		  SK_ERR_LIMIT);
	CHECK(w == NULL);
}

static void test_json_string(void)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	CHECK_INT(sk_model_json_string(&b, NULL), SK_OK);
	CHECK_STR(b.data, "null");
	sk_buf_reset(&b);
	sk_model_json_string(&b, "");
	CHECK_STR(b.data, "\"\"");
	sk_buf_reset(&b);
	sk_model_json_string(&b, "Tromsø – Nordenskiöld 🏔");
	CHECK_STR(b.data, "\"Tromsø – Nordenskiöld 🏔\"");
	sk_buf_reset(&b);
	sk_model_json_string(&b, "a\"b\\c/d\r\n\t\x01\x1f\x7f");
	CHECK_STR(b.data, "\"a\\\"b\\\\c/d\\u000d\\u000a\\u0009\\u0001"
			  "\\u001f\x7f\"");
	sk_buf_reset(&b);
	/* Invalid UTF-8 never reaches the output. */
	sk_model_json_string(&b, "x\xff"
				 "y\xc3");
	CHECK_STR(b.data, "\"x\\ufffdy\\ufffd\"");
	sk_buf_reset(&b);
	sk_model_json_string(&b, "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80");
	CHECK_STR(b.data, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
			  "\\ufffd\\ufffd\"");
	sk_buf_reset(&b);
	sk_model_json_string(&b, "\xe2\x82");
	CHECK_STR(b.data, "\"\\ufffd\\ufffd\"");
	sk_buf_reset(&b);
	/* A full buffer reports the cap. */
	struct sk_buf small = SK_BUF_INIT(4);
	CHECK_INT(sk_model_json_string(&small, "abcdef"), SK_ERR_LIMIT);
	sk_buf_free(&small);
	sk_buf_free(&b);
}

static void test_to_json_uncleaned(void)
{
	/* Before cleaning there are no UTC instants and no level. */
	struct sk_warning *w = parse_item("simple_nb.json", 0);
	char *out = NULL;
	struct sk_error err = {0};
	if (!w)
		return;
	CHECK_INT(sk_model_warning_to_json(w, &out, &err), SK_OK);
	if (out) {
		CHECK(starts_with(out, "{\"reg_id\":412870,\"region_id\":3011,"
				       "\"region_name\":\"Tromsø\","
				       "\"region_type_id\":10,"));
		CHECK(strstr(out, "\"danger_level\":null,\"not_assessed\":false"
				  ",\"lang_key\":1,\"valid_date\":null,"
				  "\"valid_from\":null,") != NULL);
		CHECK(strstr(out, "\"main_text\":\"Vær varsom i bratte heng "
				  "med fokksnø. \"") != NULL);
		CHECK(strstr(out, "\"is_detail\":false") != NULL);
		CHECK(strstr(out, "\"is_tendency\":null") != NULL);
		CHECK(strstr(out, "\"previous_warning_reg_id\":null") != NULL);
		CHECK(strstr(out, "\"problems\":[],\"advices\":[],"
				  "\"mountain_weather\":null}") != NULL);
	}
	free(out);
	sk_warning_free(w);
	out = (char *)1;
	CHECK_INT(sk_model_warning_to_json(NULL, &out, &err), SK_ERR_INVAL);
	CHECK(out == NULL);
}

static const struct sk_case cases[] = {
	{"split_samples", test_split_samples},
	{"split_edges", test_split_edges},
	{"items_check", test_items_check},
	{"parse_detail", test_parse_detail},
	{"parse_simple", test_parse_simple},
	{"parse_types", test_parse_types},
	{"parse_limits", test_parse_limits},
	{"json_string", test_json_string},
	{"to_json_uncleaned", test_to_json_uncleaned},
};

SK_CASES_MAIN(cases)
