/*
 * test_proc.c - cleaning rules over realistic samples (tests/data via
 * SKRED_TEST_DATA): Oslo local times to UTC on DST change days, trimming,
 * danger levels and not-assessed records, A/B from the region list, each
 * rejection reason, the key check, and the cleaned record's JSON.
 */
#include "proc/proc.h"
#include "cases.h"
#include "test_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The items of a data file (split as the source does). */
static struct sk_raw_item *load_items(const char *file, size_t *n)
{
	size_t len = 0;
	struct sk_raw_item *items = NULL;
	struct sk_error err = {0};
	char *body = read_data(file, &len);
	*n = 0;
	if (!body)
		return NULL;
	CHECK_INT(sk_model_split_array(body, len, 0, 0, &items, n, &err),
		  SK_OK);
	free(body);
	return items;
}

/* Map (parse + clean) element i of a data file; checks success. */
static struct sk_warning *map_item(const char *file, size_t i)
{
	size_t n;
	struct sk_warning *w = NULL;
	struct sk_error err = {0};
	struct sk_raw_item *items = load_items(file, &n);
	CHECK(i < n);
	if (i < n) {
		sk_err_t rc = sk_proc_map(items[i].json, items[i].json_len, &w,
					  &err);
		CHECK_INT(rc, SK_OK);
		if (rc != SK_OK)
			fprintf(stderr, "  %s[%zu]: %s\n", file, i, err.msg);
		else
			CHECK_INT(sk_proc_check_key(w, items[i].key, &err),
				  SK_OK);
	}
	sk_model_raw_items_free(items, n);
	return w;
}

static const char *utc(const struct sk_time_field *t, char out[SK_TIME_UTC_LEN])
{
	if (!t->has_utc)
		return "(none)";
	sk_time_format_utc(t->utc_ms, out);
	return out;
}

static void test_simple_dst_spring(void)
{
	char t[SK_TIME_UTC_LEN];
	struct sk_warning *w = map_item("simple_nb.json", 0);
	if (w) {
		CHECK_STR(w->valid_date, "2024-03-30");
		CHECK_INT(w->danger_level, 2);
		CHECK(!w->not_assessed);
		CHECK_STR(utc(&w->valid_from, t), "2024-03-29T23:00:00.000Z");
		CHECK_STR(utc(&w->publish_time, t), "2024-03-29T14:30:59.547Z");
		CHECK_STR(utc(&w->next_warning_time, t),
			  "2024-03-31T14:00:00.000Z");
		CHECK(!w->danger_increase_time.has_utc);
		CHECK_STR(w->main_text,
			  "Vær varsom i bratte heng med fokksnø.");
	}
	sk_warning_free(w);

	/* The change day itself, with quirky type, padding and "\r\n". */
	w = map_item("simple_nb.json", 1);
	if (w) {
		CHECK_STR(w->valid_date, "2024-03-31");
		CHECK_STR(utc(&w->valid_from, t), "2024-03-30T23:00:00.000Z");
		CHECK_STR(utc(&w->valid_to, t), "2024-03-31T21:59:59.000Z");
		CHECK_STR(utc(&w->next_warning_time, t),
			  "2024-04-01T14:00:00.000Z");
		CHECK_STR(utc(&w->publish_time, t), "2024-03-30T14:20:07.890Z");
		/* 02:30 does not exist that night: read as +01:00. */
		CHECK_STR(utc(&w->danger_increase_time, t),
			  "2024-03-31T01:30:00.000Z");
		CHECK_STR(utc(&w->danger_decrease_time, t),
			  "2024-03-31T01:00:00.000Z");
		CHECK_STR(w->region_name, "Tromsø");
		CHECK_INT(w->region_type_id, 10); /* was 0 / "Ikke gitt" */
		CHECK_STR(w->region_type_name, "A");
		CHECK_STR(w->danger_level_raw, "3");
		CHECK_INT(w->danger_level, 3);
		CHECK_STR(w->main_text,
			  "Nysnø og vind gir ferske flak som lett løsner.");
		/* Local text kept as received. */
		CHECK_STR(w->publish_time.local, "2024-03-30T15:20:07.89");
	}
	sk_warning_free(w);

	w = map_item("simple_nb.json", 2);
	if (w) {
		CHECK_STR(w->region_name, "Tromsø"); /* from the list */
		CHECK_INT(w->region_type_id, 10);    /* was 20 / "B" */
		CHECK_STR(w->region_type_name, "A");
		CHECK_STR(utc(&w->publish_time, t), "2024-03-31T00:59:59.000Z");
		CHECK_STR(utc(&w->valid_from, t), "2024-03-31T22:00:00.000Z");
	}
	sk_warning_free(w);
}

static void test_not_assessed_dst_autumn(void)
{
	char t[SK_TIME_UTC_LEN];
	struct sk_warning *w = map_item("not_assessed.json", 0);
	if (w) {
		CHECK_INT(w->reg_id, 0);
		CHECK_INT(w->danger_level, 0);
		CHECK(w->not_assessed);
		CHECK_STR(w->valid_date, "2024-10-27");
		CHECK_INT(w->region_type_id, 10); /* list says A */
		CHECK_STR(w->region_type_name, "A");
		CHECK_STR(utc(&w->valid_from, t), "2024-10-26T22:00:00.000Z");
		CHECK_STR(utc(&w->valid_to, t), "2024-10-27T22:59:59.000Z");
		CHECK_STR(utc(&w->publish_time, t), "2024-10-26T22:00:00.000Z");
		/* Generated records: NextWarningTime before ValidFrom is
		 * accepted. */
		CHECK_STR(utc(&w->next_warning_time, t),
			  "2024-10-26T15:00:00.000Z");
		CHECK_STR(w->main_text, "Ikke vurdert");
		CHECK(!w->is_detail);
	}
	sk_warning_free(w);

	w = map_item("not_assessed.json", 1);
	if (w) {
		CHECK_INT(w->region_id, 3045);
		CHECK_INT(w->region_type_id, 20);
		CHECK_STR(w->region_type_name, "B");
		/* 02:30 happens twice: the first (summer) one is taken. */
		CHECK_STR(utc(&w->next_warning_time, t),
			  "2024-10-27T00:30:00.000Z");
		CHECK_STR(utc(&w->publish_time, t), "2024-10-27T02:00:00.000Z");
	}
	sk_warning_free(w);

	/* A real RegId with level 0 is still "not assessed". */
	w = map_item("not_assessed.json", 2);
	if (w) {
		CHECK_INT(w->reg_id, 398765);
		CHECK(w->not_assessed);
		CHECK_INT(w->lang_key, 2);
		CHECK_STR(w->region_name, "Nordenskiöld Land");
		CHECK_STR(utc(&w->publish_time, t), "2024-10-27T14:44:02.100Z");
	}
	sk_warning_free(w);
}

static void test_detail(void)
{
	char t[SK_TIME_UTC_LEN];
	struct sk_warning *w = map_item("detail_en.json", 0);
	if (!w)
		return;
	CHECK_STR(w->valid_date, "2023-03-01");
	CHECK_INT(w->danger_level, 3);
	CHECK_STR(utc(&w->valid_from, t), "2023-02-28T23:00:00.000Z");
	CHECK_STR(utc(&w->danger_decrease_time, t), "2023-03-01T11:00:00.000Z");
	CHECK(!w->danger_increase_time.has_utc);
	CHECK_STR(utc(&w->weather_saved_time, t), "2023-02-28T14:32:29.927Z");
	CHECK_STR(w->latest_observations,
		  "Skytende sprekker observert ved Kongsvoll.");
	CHECK_STR(w->main_text,
		  "Fresh wind slabs are easy to trigger in steep lee slopes.");
	CHECK_INT(w->n_problems, 2);
	if (w->n_problems == 2) {
		CHECK_STR(w->problems[0].trigger_sensitivity_name,
			  "Easy to trigger");
		CHECK_STR(w->problems[1].trigger_sensitivity_name,
			  "Hard to trigger");
		CHECK_STR(w->problems[0].text, "You can easily trigger "
					       "avalanches on some steep "
					       "slopes.");
		CHECK_STR(w->problems[0].valid_expositions, "00111000");
	}
	if (w->n_advices == 3)
		CHECK_STR(w->advices[0].text, "Avoid terrain traps.");
	CHECK_INT(w->n_weather, 9);
	sk_warning_free(w);

	w = map_item("detail_en.json", 1);
	if (w) {
		CHECK_STR(utc(&w->publish_time, t), "2023-03-02T08:11:14.200Z");
		CHECK_INT(w->is_tendency, 1);
	}
	sk_warning_free(w);
}

/* A valid Simple warning with default fields, in which one key's raw value
 * is replaced (raw NULL: the key is left out; an unknown key is added). */
static const char *const base[][2] = {
	{"RegId", "412991"},
	{"RegionId", "3011"},
	{"RegionName", "\"Tromsø\""},
	{"RegionTypeId", "10"},
	{"RegionTypeName", "\"A\""},
	{"DangerLevel", "\"3\""},
	{"ValidFrom", "\"2024-03-31T00:00:00\""},
	{"ValidTo", "\"2024-03-31T23:59:59\""},
	{"NextWarningTime", "\"2024-04-01T16:00:00\""},
	{"PublishTime", "\"2024-03-30T15:20:07.89\""},
	{"DangerIncreaseTime", "null"},
	{"DangerDecreaseTime", "null"},
	{"MainText", "\"Ferske flak.\""},
	{"LangKey", "1"},
};

static char *warning_with(const char *key, const char *raw)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	bool found = false;
	sk_buf_puts(&b, "{");
	for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
		const char *v = base[i][1];
		if (key && !strcmp(key, base[i][0])) {
			found = true;
			v = raw;
		}
		if (v)
			sk_buf_printf(&b, "%s\"%s\":%s", b.len > 1 ? "," : "",
				      base[i][0], v);
	}
	if (key && !found && raw)
		sk_buf_printf(&b, ",\"%s\":%s", key, raw);
	sk_buf_puts(&b, "}");
	return sk_buf_steal(&b);
}

/* Map with one field replaced, expecting code and a reason with want. */
static void expect_reject(const char *key, const char *raw, sk_err_t code,
			  const char *want)
{
	char *json = warning_with(key, raw);
	struct sk_warning *w = (struct sk_warning *)1;
	struct sk_error err = {0};
	CHECK_INT(sk_proc_map(json, strlen(json), &w, &err), code);
	CHECK(w == NULL);
	CHECK_INT(err.code, code);
	CHECK(!err.retriable);
	if (!strstr(err.msg, want)) {
		fprintf(stderr, "  %s=%s: reason '%s' lacks '%s'\n", key,
			raw ? raw : "(absent)", err.msg, want);
		CHECK(strstr(err.msg, want) != NULL);
	}
	free(json);
}

static void expect_accept(const char *key, const char *raw)
{
	char *json = warning_with(key, raw);
	struct sk_warning *w = NULL;
	struct sk_error err = {0};
	sk_err_t rc = sk_proc_map(json, strlen(json), &w, &err);
	CHECK_INT(rc, SK_OK);
	if (rc != SK_OK)
		fprintf(stderr, "  %s=%s rejected: %s\n", key, raw, err.msg);
	sk_warning_free(w);
	free(json);
}

static void test_rejections(void)
{
	expect_accept(NULL, NULL);

	/* Danger level: exactly one digit 0..5 after trimming. */
	expect_reject("DangerLevel", "\"x\"", SK_ERR_VALIDATE,
		      "DangerLevel 'x' is not a level 0..5");
	expect_reject("DangerLevel", "\"6\"", SK_ERR_VALIDATE,
		      "DangerLevel '6' is not a level 0..5");
	expect_reject("DangerLevel", "\"-1\"", SK_ERR_VALIDATE,
		      "DangerLevel '-1'");
	expect_reject("DangerLevel", "\"12\"", SK_ERR_VALIDATE,
		      "DangerLevel '12'");
	expect_reject("DangerLevel", "\"3 Considerable\"", SK_ERR_VALIDATE,
		      "DangerLevel '3 Considerable'");
	expect_reject("DangerLevel", "\"\"", SK_ERR_VALIDATE, "DangerLevel ''");
	expect_reject("DangerLevel", "\" \\r\\n\"", SK_ERR_VALIDATE,
		      "DangerLevel ''");
	expect_reject("DangerLevel", "7", SK_ERR_VALIDATE, "DangerLevel '7'");
	expect_accept("DangerLevel", "\"5\"");
	expect_accept("DangerLevel", "\"0\"");
	expect_accept("DangerLevel", "4");
	expect_accept("DangerLevel", "\"\\t2\\r\\n\"");

	/* Timestamps. */
	expect_reject("PublishTime", "\"2024-03-30 15:20:07\"", SK_ERR_VALIDATE,
		      "field PublishTime: bad timestamp '2024-03-30 15:20:07'");
	expect_reject("PublishTime", "\"2024-03-30T15:20:07+01:00\"",
		      SK_ERR_VALIDATE, "field PublishTime: bad timestamp");
	expect_reject("PublishTime", "\"2024-03-30T15:20:07.1234\"",
		      SK_ERR_VALIDATE, "field PublishTime: bad timestamp");
	expect_reject("PublishTime", "\"2024-03-30T15:20:07Z\"",
		      SK_ERR_VALIDATE, "field PublishTime: bad timestamp");
	expect_reject("PublishTime", NULL, SK_ERR_VALIDATE,
		      "field PublishTime: missing");
	expect_reject("PublishTime", "null", SK_ERR_VALIDATE,
		      "field PublishTime: missing");
	expect_reject("ValidFrom", "\"2023-02-29T00:00:00\"", SK_ERR_VALIDATE,
		      "field ValidFrom: bad timestamp '2023-02-29T00:00:00'");
	expect_reject("ValidFrom", "\"2024-03-31\"", SK_ERR_VALIDATE,
		      "field ValidFrom: bad timestamp");
	expect_reject("ValidTo", "\"2024-03-30T23:59:59\"", SK_ERR_VALIDATE,
		      "ValidTo '2024-03-30T23:59:59' is before ValidFrom "
		      "'2024-03-31T00:00:00'");
	expect_reject("NextWarningTime", "\"tomorrow\"", SK_ERR_VALIDATE,
		      "field NextWarningTime: bad timestamp 'tomorrow'");
	expect_reject("DangerIncreaseTime", "\"12:00\"", SK_ERR_VALIDATE,
		      "field DangerIncreaseTime: bad timestamp '12:00'");
	expect_reject("DangerDecreaseTime", "\"\"", SK_ERR_VALIDATE,
		      "field DangerDecreaseTime: bad timestamp ''");
	expect_reject("MountainWeather", "{\"LastSavedTime\":\"x\"}",
		      SK_ERR_VALIDATE,
		      "field MountainWeather.LastSavedTime: bad timestamp 'x'");
	expect_accept("ValidTo", NULL);
	expect_accept("ValidTo", "\"2024-03-31T00:00:00\"");
	expect_accept("NextWarningTime", "\"2024-03-30T17:00:00\"");
	expect_accept("PublishTime", "\" 2024-03-30T15:20:07 \"");

	/* Identity fields. */
	expect_reject("RegionId", "9999", SK_ERR_VALIDATE,
		      "RegionId 9999 is not a known region");
	expect_reject("RegionId", "11", SK_ERR_VALIDATE,
		      "RegionId 11 is not a known region");
	expect_reject("LangKey", "3", SK_ERR_VALIDATE,
		      "LangKey 3 is not 1 (nb) or 2 (en)");
	expect_reject("LangKey", "0", SK_ERR_VALIDATE, "LangKey 0");
	expect_reject("RegId", "-5", SK_ERR_VALIDATE, "RegId -5 is negative");
	expect_accept("RegId", "0");

	/* Problems. */
	expect_reject("AvalancheProblems",
		      "[{\"ValidExpositions\":\"0011100\"}]", SK_ERR_VALIDATE,
		      "AvalancheProblems[0].ValidExpositions '0011100' is not "
		      "8 characters of 0/1");
	expect_reject("AvalancheProblems",
		      "[{\"ValidExpositions\":\"11111111\"},"
		      "{\"ValidExpositions\":\"0011100x\"}]",
		      SK_ERR_VALIDATE,
		      "AvalancheProblems[1].ValidExpositions '0011100x'");
	expect_reject("AvalancheProblems",
		      "[{\"ValidExpositions\":\"001110001\"}]", SK_ERR_VALIDATE,
		      "ValidExpositions '001110001'");
	expect_reject("AvalancheProblems", "[{\"ValidExpositions\":\"\"}]",
		      SK_ERR_VALIDATE, "ValidExpositions ''");
	expect_reject("AvalancheProblems", "[{\"DangerLevel\":7}]",
		      SK_ERR_VALIDATE,
		      "AvalancheProblems[0].DangerLevel 7 is not a level 0..5");
	expect_reject("AvalancheProblems", "[{\"DangerLevel\":\"-2\"}]",
		      SK_ERR_VALIDATE, "AvalancheProblems[0].DangerLevel -2");
	/* Children with one key would be one row: dead-lettered, naming
	 * the key (the store's primary key of the list). */
	expect_reject("AvalancheProblems",
		      "[{\"AvalancheProblemId\":2},{\"AvalancheProblemId\":1},"
		      "{\"AvalancheProblemId\":2}]",
		      SK_ERR_VALIDATE,
		      "AvalancheProblems: two problems with the same key "
		      "(problem_id=2)");
	expect_reject("MountainWeather",
		      "{\"MeasurementTypes\":[{\"Id\":20,"
		      "\"MeasurementSubTypes\":"
		      "[{\"Id\":20,\"Value\":\"Storm\"},{\"Id\":50,\"Value\":"
		      "\"W\"}]},{\"Id\":20,\"MeasurementSubTypes\":[{\"Id\":50,"
		      "\"Value\":\"N\"}]}]}",
		      SK_ERR_VALIDATE,
		      "MeasurementTypes: two weather values with the same key "
		      "(type_id=20, subtype_id=50)");
	expect_accept(
		"MountainWeather",
		"{\"MeasurementTypes\":[{\"Id\":20,\"MeasurementSubTypes\":"
		"[{\"Id\":50,\"Value\":\"W\"}]},{\"Id\":10,"
		"\"MeasurementSubTypes\":[{\"Id\":50,\"Value\":\"N\"}]}]}");
	expect_accept("AvalancheProblems",
		      "[{\"DangerLevel\":null,\"ValidExpositions\":null}]");
	expect_accept("AvalancheProblems",
		      "[{\"ValidExpositions\":\" 00000000\\r\\n\"}]");

	/* Parse errors pass through sk_proc_map unchanged. */
	expect_reject("RegionId", "\"abc\"", SK_ERR_PARSE,
		      "field RegionId: expected integer");
	expect_reject("RegId", NULL, SK_ERR_PARSE, "field RegId: required");

	/* Shown values are short and printable. */
	expect_reject("NextWarningTime",
		      "\"2024-04-01T16:00:00 and then some more text that "
		      "goes on and on\"",
		      SK_ERR_VALIDATE,
		      "bad timestamp '2024-04-01T16:00:00 and then some more "
		      "t...'");
	expect_reject("DangerLevel", "\"a\\u0001b\"", SK_ERR_VALIDATE,
		      "DangerLevel 'a?b'");
	/* Cut at 40 bytes without splitting the 'ø' (bytes 40-41). */
	expect_reject("DangerLevel",
		      "\"123456789012345678901234567890123456789ø\"",
		      SK_ERR_VALIDATE,
		      "'123456789012345678901234567890123456789...'");
}

static void test_clean_direct(void)
{
	struct sk_error err = {0};
	CHECK_INT(sk_proc_clean(NULL, &err), SK_ERR_INVAL);

	/* Cleaning twice gives the same record. */
	struct sk_warning *w = map_item("detail_en.json", 0);
	char *a = NULL, *b = NULL;
	if (!w)
		return;
	CHECK_INT(sk_model_warning_to_json(w, &a, &err), SK_OK);
	CHECK_INT(sk_proc_clean(w, &err), SK_OK);
	CHECK_INT(sk_model_warning_to_json(w, &b, &err), SK_OK);
	CHECK(a && b && strcmp(a, b) == 0);
	free(a);
	free(b);

	/* Empty region name after trimming: the list's name. */
	free(w->region_name);
	w->region_name = sk_strdup(" \r\n");
	CHECK_INT(sk_proc_clean(w, &err), SK_OK);
	CHECK_STR(w->region_name, "Trollheimen");
	sk_warning_free(w);
}

static void test_check_key(void)
{
	struct sk_error err = {0};
	struct sk_warning *w = map_item("simple_nb.json", 1);
	if (!w)
		return;
	CHECK_INT(sk_proc_check_key(w, "3011:1:2024-03-31", &err), SK_OK);
	CHECK_INT(sk_proc_check_key(w, "3011:1:2024-03-30", &err),
		  SK_ERR_VALIDATE);
	CHECK(strstr(err.msg, "message key '3011:1:2024-03-30' does not match "
			      "the record's key '3011:1:2024-03-31'") != NULL);
	CHECK(!err.retriable);
	CHECK_INT(sk_proc_check_key(w, "3011:2:2024-03-31", &err),
		  SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(w, "3012:1:2024-03-31", &err),
		  SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(w, "?:1:2024-03-31", &err),
		  SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(w, "3011:1:?", &err), SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(w, "3011:1:2024-03-31 ", &err),
		  SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(w, "", &err), SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(w, NULL, &err), SK_ERR_VALIDATE);
	CHECK_INT(sk_proc_check_key(NULL, "x", &err), SK_ERR_INVAL);
	sk_warning_free(w);

	/* Keys built by split with fallbacks match after cleaning. */
	const char *body =
		"[{\"RegId\":1,\"RegionId\":3022,\"DangerLevel\":\"1\","
		"\"ValidFrom\":\"2024-10-27T00:00:00\","
		"\"PublishTime\":\"2024-10-26T15:00:00\","
		"\"LangKey\":2}]";
	struct sk_raw_item *items = NULL;
	size_t n = 0;
	CHECK_INT(sk_model_split_array(body, strlen(body), 3001, 1, &items, &n,
				       &err),
		  SK_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(items[0].key, "3022:2:2024-10-27");
		w = NULL;
		CHECK_INT(sk_proc_map(items[0].json, items[0].json_len, &w,
				      &err),
			  SK_OK);
		CHECK_INT(sk_proc_check_key(w, items[0].key, &err), SK_OK);
		sk_warning_free(w);
	}
	sk_model_raw_items_free(items, n);
}

static bool has(const char *json, const char *part)
{
	if (json && strstr(json, part))
		return true;
	fprintf(stderr, "  output lacks %s\n", part);
	return false;
}

/* json parsed back by the JSON library (wrapped in [] and split) and
 * re-serialised compactly; NULL if it is not one valid JSON value. */
static char *reparse(const char *json)
{
	struct sk_buf arr = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_raw_item *items = NULL;
	struct sk_error err = {0};
	size_t n = 0;
	char *back = NULL;
	if (!json)
		return NULL;
	sk_buf_printf(&arr, "[%s]", json);
	if (sk_model_split_array(arr.data, arr.len, 0, 0, &items, &n, &err) ==
		    SK_OK &&
	    n == 1) {
		back = items[0].json;
		items[0].json = NULL;
	}
	sk_model_raw_items_free(items, n);
	sk_buf_free(&arr);
	return back;
}

static void test_to_json(void)
{
	struct sk_error err = {0};
	struct sk_warning *w = map_item("detail_en.json", 0);
	char *out = NULL, *again = NULL;
	if (!w)
		return;
	CHECK_INT(sk_model_warning_to_json(w, &out, &err), SK_OK);
	CHECK(has(out, "{\"reg_id\":332114,\"region_id\":3022,"
		       "\"region_name\":\"Trollheimen\",\"region_type_id\":10,"
		       "\"region_type_name\":\"A\",\"danger_level\":3,"
		       "\"not_assessed\":false,\"lang_key\":2,"
		       "\"valid_date\":\"2023-03-01\","
		       "\"valid_from\":\"2023-02-28T23:00:00.000Z\","
		       "\"valid_to\":\"2023-03-01T22:59:59.000Z\","
		       "\"next_warning_time\":\"2023-03-02T15:00:00.000Z\","
		       "\"publish_time\":\"2023-02-28T14:32:29.677Z\","
		       "\"danger_increase_time\":null,"
		       "\"danger_decrease_time\":\"2023-03-01T11:00:00.000Z\","
		       "\"main_text\":\"Fresh wind slabs are easy to trigger "
		       "in steep lee slopes.\""));
	CHECK(has(out, "\"author\":\"Snøskredvarslingen 227\""));
	CHECK(has(out, "\"latest_avalanche_activity\":null"));
	CHECK(has(out, "\"previous_warning_reg_id\":331904,"
		       "\"is_tendency\":null"));
	CHECK(has(out, "\"utm_zone\":33,\"utm_east\":210810,"
		       "\"utm_north\":6991060"));
	CHECK(has(out, "\"problems\":[{\"problem_id\":1,\"problem_type_id\":10,"
		       "\"problem_type_name\":\"Wind drifted snow (slab "
		       "avalanches)\",\"cause_id\":10,"));
	CHECK(has(out, "\"trigger_sensitivity_id\":30,"
		       "\"trigger_sensitivity_name\":\"Easy to trigger\","));
	CHECK(has(out, "\"valid_expositions\":\"00111000\",\"danger_level\":3,"
		       "\"text\":\"You can easily trigger avalanches on some "
		       "steep slopes.\"}"));
	CHECK(has(out, "{\"problem_id\":2,"));
	CHECK(has(out, "\"advices\":[{\"position\":0,\"text\":\"Avoid terrain "
		       "traps.\",\"image_url\":\"https://api01.nve.no/"));
	CHECK(has(out, "{\"position\":2,\"text\":null,\"image_url\":null}]"));
	CHECK(has(out, "\"mountain_weather\":{\"cloud_cover_id\":30,"
		       "\"cloud_cover_name\":\"Cloudy\",\"comment\":\".\","
		       "\"last_saved_time\":\"2023-02-28T14:32:29.927Z\","
		       "\"values\":[{\"type_id\":10,\"type_name\":\"Rainfall\","
		       "\"subtype_id\":60,\"subtype_name\":\"Most exposed "
		       "area\",\"value\":\"8\"},"));
	CHECK(has(out, "{\"type_id\":30,\"type_name\":\"Wind shift to\","
		       "\"subtype_id\":20,\"subtype_name\":\"Speed\","
		       "\"value\":null}"));
	CHECK(has(out, "\"value\":\"1400\"}]}}"));

	/* Valid JSON: it splits back as one element, byte for byte (the
	 * texts hold no control characters, whose escapes differ). */
	again = reparse(out);
	CHECK_STR(again, out);
	free(again);
	/* Deterministic. */
	CHECK_INT(sk_model_warning_to_json(w, &again, &err), SK_OK);
	CHECK(out && again && strcmp(out, again) == 0);
	free(again);
	free(out);

	/* Control characters inside texts are escaped, output stays valid. */
	free(w->main_text);
	w->main_text = sk_strdup("line 1\nline 2\t\"quoted\"");
	out = NULL;
	CHECK_INT(sk_model_warning_to_json(w, &out, &err), SK_OK);
	CHECK(has(out, "\"main_text\":\"line 1\\u000aline 2\\u0009\\\"quoted"
		       "\\\"\""));
	again = reparse(out);
	CHECK(again != NULL);
	free(again);
	free(out);
	sk_warning_free(w);

	/* Tendency record, and a generated not-assessed one. */
	w = map_item("detail_en.json", 1);
	out = NULL;
	if (w && sk_model_warning_to_json(w, &out, &err) == SK_OK) {
		CHECK(has(out, "\"is_tendency\":true"));
		CHECK(has(out, "\"previous_warning_reg_id\":null"));
		CHECK(has(out, "\"utm_east\":210811,\"utm_north\":6991059"));
		CHECK(has(out, "\"problems\":[],\"advices\":[],"
			       "\"mountain_weather\":null}"));
	}
	free(out);
	sk_warning_free(w);

	w = map_item("not_assessed.json", 0);
	out = NULL;
	if (w && sk_model_warning_to_json(w, &out, &err) == SK_OK) {
		CHECK(has(out, "{\"reg_id\":0,"));
		CHECK(has(out, "\"danger_level\":0,\"not_assessed\":true,"));
		CHECK(has(out,
			  "\"is_detail\":false,\"danger_level_name\":null"));
	}
	free(out);
	sk_warning_free(w);
}

static const struct sk_case cases[] = {
	{"simple_dst_spring", test_simple_dst_spring},
	{"not_assessed_dst_autumn", test_not_assessed_dst_autumn},
	{"detail", test_detail},
	{"rejections", test_rejections},
	{"clean_direct", test_clean_direct},
	{"check_key", test_check_key},
	{"to_json", test_to_json},
};

SK_CASES_MAIN(cases)
