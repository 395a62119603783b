/*
 * fields.c - the field tables of the four record types (model.h) and the
 * generic accessors that read and write a member through its row.
 *
 * Row order is the SQLite column order (the content hash walks it); to_json
 * order is json_pos. Adding a field to a record: the struct member, one row
 * here, a store migration, a test. docs/DATA_MODEL.md's column lists are
 * generated from these rows (`skred schema --doc`).
 *
 * No JSON here (json.c) and no I/O.
 */
#include "model/model.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Short names for the rows below. */
#define K_INT SK_FIELD_INT
#define K_INT64 SK_FIELD_INT64
#define K_BOOL SK_FIELD_BOOL
#define K_TRI SK_FIELD_TRI
#define K_TEXT SK_FIELD_TEXT
#define K_DATE SK_FIELD_DATE
#define K_TIME SK_FIELD_TIME
#define K_LIST SK_FIELD_LIST

#define NUL SK_FIELD_NULLABLE
#define KEY SK_FIELD_KEY
#define REQ SK_FIELD_REQUIRED
#define DET SK_FIELD_DETAIL
#define CLN SK_FIELD_CLEANED
#define DRV SK_FIELD_DERIVED
#define NOST SK_FIELD_NOSTORE
#define NOJS SK_FIELD_NOJSON
#define NEED SK_FIELD_NEEDED
#define GRP SK_FIELD_GROUP
#define ING SK_FIELD_IN_GROUP
#define OUT SK_FIELD_OUTER
#define RND SK_FIELD_ROUND
#define NUMT SK_FIELD_NUMTEXT

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

/* One scalar row: the member's name is its column name. */
#define ROW(type, m, js, ap, k, fl, pos, dc)                                   \
	{                                                                      \
		.name = #m, .json = js, .api = ap, .kind = k,                  \
		.off = offsetof(type, m), .size = MEMBER_SIZE(type, m),        \
		.flags = fl, .absent = -1, .json_pos = pos, .doc = dc          \
	}
/* One LIST row: member m is the child array, cnt its size_t count. */
#define LIST(type, m, cnt, js, ap, ch, lim, fl, pos, dc)                       \
	{                                                                      \
		.name = #m, .json = js, .api = ap, .kind = K_LIST,             \
		.off = offsetof(type, m), .size = MEMBER_SIZE(type, m),        \
		.flags = fl, .absent = -1, .json_pos = pos, .child = &ch,      \
		.count_off = offsetof(type, cnt), .limit = lim, .doc = dc      \
	}

#define W(...) ROW(struct sk_warning, __VA_ARGS__)
#define P(...) ROW(struct sk_problem, __VA_ARGS__)
#define A(...) ROW(struct sk_advice, __VA_ARGS__)
#define V(...) ROW(struct sk_weather_value, __VA_ARGS__)
#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

/* ------------------------------------------------------------ problems */

static const struct sk_field problem_rows[] = {
	P(problem_id, NULL, "AvalancheProblemId", K_INT, KEY, 1,
	  "order within the warning, 1 = main problem"),
	P(problem_type_id, NULL, "AvalancheProblemTypeId", K_INT, NUL, 2,
	  "3 new snow (loose), 5 wet snow (loose), 7 new snow (slab), 10 "
	  "wind-drifted snow, 30 persistent weak layer, 45 wet snow "
	  "(slab), 50 gliding snow; 0 not given"),
	P(problem_type_name, NULL, "AvalancheProblemTypeName", K_TEXT, NUL, 3,
	  "name of `problem_type_id`"),
	P(cause_id, NULL, "AvalCauseId", K_INT, NUL, 4,
	  "weak layer (10 new snow, 11 surface hoar, 13 faceted snow, …)"),
	P(cause_name, NULL, "AvalCauseName", K_TEXT, NUL, 5,
	  "name of `cause_id`"),
	P(aval_type_id, NULL, "AvalancheTypeId", K_INT, NUL, 6,
	  "10 slab, 20 loose snow"),
	P(aval_type_name, NULL, "AvalancheTypeName", K_TEXT, NUL, 7,
	  "name of `aval_type_id`"),
	P(ext_id, NULL, "AvalancheExtId", K_INT, NUL, 8,
	  "10 loose dry … 40 cornice"),
	P(ext_name, NULL, "AvalancheExtName", K_TEXT, NUL, 9,
	  "name of `ext_id`"),
	P(trigger_simple_id, NULL, "AvalTriggerSimpleId", K_INT, NUL, 10,
	  "legacy trigger (21 small additional load, 22 natural release)"),
	P(trigger_simple_name, NULL, "AvalTriggerSimpleName", K_TEXT, NUL, 11,
	  "name of `trigger_simple_id`"),
	P(trigger_sensitivity_id, NULL, "AvalTriggerSensitivityId", K_INT, NUL,
	  12,
	  "EAWS sensitivity: 10 very hard, 20 hard, 30 easy, 40 very easy, "
	  "45 natural"),
	P(trigger_sensitivity_name, NULL, "AvalTriggerSensitivityName", K_TEXT,
	  NUL, 13, "name of `trigger_sensitivity_id`"),
	P(size_id, NULL, "DestructiveSizeExtId", K_INT, NUL, 14,
	  "destructive size 1–5"),
	P(size_name, NULL, "DestructiveSizeExtName", K_TEXT, NUL, 15,
	  "name of `size_id`"),
	P(probability_id, NULL, "AvalProbabilityId", K_INT, NUL, 16,
	  "2 unlikely, 3 possible, 5 likely, 7 very likely"),
	P(probability_name, NULL, "AvalProbabilityName", K_TEXT, NUL, 17,
	  "name of `probability_id`"),
	P(propagation_id, NULL, "AvalPropagationId", K_INT, NUL, 18,
	  "distribution: 1 few, 2 some, 3 many steep slopes"),
	P(propagation_name, NULL, "AvalPropagationName", K_TEXT, NUL, 19,
	  "name of `propagation_id`"),
	P(exposed_height_1, NULL, "ExposedHeight1", K_INT, NUL, 20,
	  "first height limit, metres above sea level"),
	P(exposed_height_2, NULL, "ExposedHeight2", K_INT, NUL, 21,
	  "second height limit, m a.s.l. (equals the first when only one "
	  "is used)"),
	P(exposed_height_fill, NULL, "ExposedHeightFill", K_INT, NUL, 22,
	  "1 above h1; 2 below h1; 3 below h1 and above h2; 4 between h1 "
	  "and h2; 0 not given"),
	P(valid_expositions, NULL, "ValidExpositions", K_TEXT, NUL, 23,
	  "8 characters `0`/`1` for N, NE, E, SE, S, SW, W, NW; `1` = "
	  "exposed (validated by proc)"),
	P(danger_level, NULL, "DangerLevel", K_INT, NUL | NUMT, 24,
	  "danger level attributed to this problem (an integer here; a "
	  "numeric string is accepted)"),
	P(text, NULL, "TriggerSenitivityPropagationDestuctiveSizeText", K_TEXT,
	  NUL, 25,
	  "generated sentence on sensitivity, distribution and size (the "
	  "API key's typos are NVE's)"),
};

/* Sent, not kept: the level's name (the warning has it), the per-problem
 * advice of older API versions. */
static const char *const problem_ignored[] = {"DangerLevelName",
					      "AvalancheAdvice", NULL};

const struct sk_table sk_model_problem_table = {
	.name = "avalanche_problem",
	.record = "sk_problem",
	.what = "problems",
	.rows = problem_rows,
	.n_rows = NROWS(problem_rows),
	.size = sizeof(struct sk_problem),
	.doc = "`AvalancheProblems[]` (Detail only; at most three in practice)",
	.api_ignored = problem_ignored,
};

/* ------------------------------------------------------------- advices */

static const struct sk_field advice_rows[] = {
	A(position, NULL, "AdviceID", K_INT, KEY, 1,
	  "position in the list (0, 1, 2 …), not a stable id"),
	A(text, NULL, "Text", K_TEXT, NUL, 2, "the advice"),
	A(image_url, NULL, "ImageUrl", K_TEXT, NUL, 3,
	  "illustration URL (embeds the API version)"),
};

const struct sk_table sk_model_advice_table = {
	.name = "avalanche_advice",
	.record = "sk_advice",
	.what = "advices",
	.rows = advice_rows,
	.n_rows = NROWS(advice_rows),
	.size = sizeof(struct sk_advice),
	.doc = "`AvalancheAdvices[]`",
};

/* ----------------------------------------------- mountain-weather values */

/* MeasurementTypes[] of MeasurementSubTypes[]: one record per sub-type,
 * carrying its type's id and name (the SK_FIELD_OUTER rows). */
static const struct sk_field weather_value_rows[] = {
	V(type_id, NULL, "Id", K_INT, KEY | OUT, 1,
	  "10 rainfall, 20 wind, 30 wind shift "
	  "to, 40 temperature, 50 freezing level, 55 rain/snow line"),
	V(type_name, NULL, "Name", K_TEXT, NUL | OUT, 2, "name of `type_id`"),
	V(subtype_id, NULL, "Id", K_INT, KEY, 3,
	  "e.g. 60 most exposed area, 70 average, 20 speed, 50 direction, "
	  "30 min, 40 max, 90 masl, 100/110 time window start/end"),
	V(subtype_name, NULL, "Name", K_TEXT, NUL, 4, "name of `subtype_id`"),
	V(value, NULL, "Value", K_TEXT, NUL, 5,
	  "the value as sent, a string: mm for rainfall, °C for "
	  "temperature, m a.s.l. for levels, hours for time windows, words "
	  "for wind speed, compass points for direction; NULL when left "
	  "empty"),
};

/* Sent in both the type and the sub-type objects, not kept. */
static const char *const weather_ignored[] = {"SortOrder", NULL};

const struct sk_table sk_model_weather_value_table = {
	.name = "mountain_weather",
	.record = "sk_weather_value",
	.what = "weather values",
	.rows = weather_value_rows,
	.n_rows = NROWS(weather_value_rows),
	.size = sizeof(struct sk_weather_value),
	.api_nested = "MeasurementSubTypes",
	.doc = "`MountainWeather.MeasurementTypes[]` x "
	       "`MeasurementSubTypes[]`, "
	       "one record per sub-type",
	.api_ignored = weather_ignored,
};

/* ------------------------------------------------------------- warnings */

static const struct sk_field warning_rows[] = {
	W(region_id, NULL, "RegionId", K_INT, KEY | REQ, 2,
	  "forecast region 3001–3046"),
	W(lang_key, NULL, "LangKey", K_INT, KEY | REQ, 9,
	  "language of the texts: 1 Norwegian (bokmål), 2 English"),
	W(valid_date, NULL, NULL, K_DATE, KEY | CLN, 10,
	  "forecast day, the Europe/Oslo date `YYYY-MM-DD` of `ValidFrom`"),
	W(reg_id, NULL, "RegId", K_INT64, REQ, 1,
	  "id of the published warning; 0 for generated \"not assessed\" "
	  "records (several can share 0); a republished warning gets a new "
	  "id"),
	W(region_name, NULL, "RegionName", K_TEXT, NUL | CLN, 3,
	  "region name (Norwegian spelling in both languages); the "
	  "built-in region list's when empty"),
	W(region_type_id, NULL, "RegionTypeId", K_INT, NUL | CLN, 4,
	  "10 = A region (daily forecasts), 20 = B region: from the "
	  "built-in region list, not the warning's own (0 or 20 in "
	  "RegionSummary answers)"),
	W(region_type_name, NULL, "RegionTypeName", K_TEXT, NUL | CLN, 5,
	  "`A` / `B`, from the region list (the warning's is `\"Ikke "
	  "gitt\"` in RegionSummary)"),
	W(danger_level_raw, NULL, "DangerLevel", K_TEXT,
	  REQ | NOST | NOJS | NUMT, 6,
	  "`DangerLevel` as received (a string; an integer is kept as its "
	  "text)"),
	W(danger_level, NULL, NULL, K_INT, CLN, 7,
	  "0–5 parsed from `DangerLevel`; **0 = not assessed**, not \"low\""),
	W(not_assessed, NULL, NULL, K_BOOL, CLN, 8,
	  "1 when `danger_level` is 0 (generated record, or out of season)"),
	W(valid_from, NULL, "ValidFrom", K_TIME, NUL | REQ | CLN | NEED, 11,
	  "start of the forecast day (local midnight)"),
	W(valid_to, NULL, "ValidTo", K_TIME, NUL | CLN, 12,
	  "end of the forecast day (local 23:59:59)"),
	W(next_warning_time, NULL, "NextWarningTime", K_TIME, NUL | CLN, 13,
	  "when the next forecast is due (odd values for generated records)"),
	W(publish_time, NULL, "PublishTime", K_TIME, NUL | CLN | NEED, 14,
	  "when this revision was published; decides which revision is "
	  "current"),
	W(danger_increase_time, NULL, "DangerIncreaseTime", K_TIME, NUL | CLN,
	  15,
	  "time of day from which the stated level applies; NULL = all day "
	  "(v6.2.1+)"),
	W(danger_decrease_time, NULL, "DangerDecreaseTime", K_TIME, NUL | CLN,
	  16,
	  "time of day after which the danger drops below the level "
	  "(v6.2.1+)"),
	W(main_text, NULL, "MainText", K_TEXT, NUL, 17,
	  "headline; `\"Ikke vurdert\"` for generated Norwegian records"),
	W(is_detail, NULL, NULL, K_BOOL, DRV, 18,
	  "1 when the record came from a Detail endpoint (any Detail-only "
	  "key present; the columns below are then filled)"),
	W(danger_level_name, NULL, "DangerLevelName", K_TEXT, NUL | DET, 19,
	  "level number and name, e.g. `\"3 Considerable\"`"),
	W(author, NULL, "Author", K_TEXT, NUL | DET, 20,
	  "forecaster signature"),
	W(avalanche_danger, NULL, "AvalancheDanger", K_TEXT, NUL | DET, 21,
	  "danger assessment prose (Norwegian even when `lang_key` = 2)"),
	W(emergency_warning, NULL, "EmergencyWarning", K_TEXT, NUL | DET, 22,
	  "natural-avalanche notice; `\"Ikke gitt\"` / `\"Not given\"` "
	  "means none"),
	W(snow_surface, NULL, "SnowSurface", K_TEXT, NUL | DET, 23,
	  "snow surface prose"),
	W(current_weaklayers, NULL, "CurrentWeaklayers", K_TEXT, NUL | DET, 24,
	  "weak layers prose"),
	W(latest_avalanche_activity, NULL, "LatestAvalancheActivity", K_TEXT,
	  NUL | DET, 25, "recent activity (often NULL)"),
	W(latest_observations, NULL, "LatestObservations", K_TEXT, NUL | DET,
	  26, "recent observations"),
	W(previous_warning_reg_id, NULL, "PreviousWarningRegId", K_INT64,
	  NUL | DET, 27, "`reg_id` of the forecast this one follows"),
	W(is_tendency, NULL, "IsTendency", K_TRI, NUL | DET, 28,
	  "1 = reduced forecast carrying only the main message (the "
	  "day-after product since 2023/24); NULL before v6.3.0"),
	W(utm_zone, NULL, "UtmZone", K_INT, NUL | DET, 29,
	  "UTM zone of a representative point"),
	W(utm_east, NULL, "UtmEast", K_INT, NUL | DET | RND, 30,
	  "easting, metres (EUREF89 / UTM; a real is rounded)"),
	W(utm_north, NULL, "UtmNorth", K_INT, NUL | DET | RND, 31,
	  "northing, metres (a real is rounded)"),
	W(has_weather, "mountain_weather", "MountainWeather", K_BOOL, DET | GRP,
	  35,
	  "1 when a `MountainWeather` object was present (its fields "
	  "follow)"),
	W(cloud_cover_id, NULL, "CloudCoverId", K_INT, NUL | ING, 1,
	  "cloud cover code (e.g. 30)"),
	W(cloud_cover_name, NULL, "CloudCoverName", K_TEXT, NUL | ING, 2,
	  "e.g. `\"Cloudy\"`"),
	W(weather_comment, "comment", "Comment", K_TEXT, NUL | ING, 3,
	  "forecaster's weather comment"),
	W(weather_saved_time, "last_saved_time", "LastSavedTime", K_TIME,
	  NUL | ING | CLN, 4, "when the weather part was last saved"),
	W(exposed_height_fill, NULL, "ExposedHeightFill", K_INT, NUL | DET, 32,
	  "top-level legacy copy of the main problem's height fill (Detail; "
	  "the problems' own fields are the ones to use)"),
	/* the children: not columns (their own tables) */
	LIST(struct sk_warning, problems, n_problems, NULL, "AvalancheProblems",
	     sk_model_problem_table, SK_LIMIT_PROBLEMS, DET, 33,
	     "the avalanche problems"),
	LIST(struct sk_warning, advices, n_advices, NULL, "AvalancheAdvices",
	     sk_model_advice_table, SK_LIMIT_ADVICES, DET, 34,
	     "the travel advices"),
	LIST(struct sk_warning, weather, n_weather, "values",
	     "MeasurementTypes", sk_model_weather_value_table,
	     SK_LIMIT_WEATHER_VALUES, ING, 5,
	     "the forecaster's weather values"),
};

/* Sent, not kept (docs/DATA_MODEL.md): the Detail warning's places, the
 * legacy top-level height, the always-null extreme weather pair, and
 * MountainWeather's generated sentences. */
static const char *const warning_ignored[] = {"CountyList",
					      "MunicipalityList",
					      "ExposedHeight1",
					      "ExtremWeatherId",
					      "ExtremWeatherName",
					      "MeasurementTexts",
					      NULL};

const struct sk_table sk_model_warning_table = {
	.name = "avalanche_warning",
	.record = "sk_warning",
	.what = "warnings",
	.rows = warning_rows,
	.n_rows = NROWS(warning_rows),
	.size = sizeof(struct sk_warning),
	.doc = "one warning of the Simple or Detail endpoint",
	.api_ignored = warning_ignored,
};

/* ------------------------------------------------------------ the list */

static const struct sk_table *const all_tables[] = {
	&sk_model_warning_table,
	&sk_model_problem_table,
	&sk_model_advice_table,
	&sk_model_weather_value_table,
};

const struct sk_table *const *sk_model_tables(size_t *n)
{
	*n = NROWS(all_tables);
	return all_tables;
}

const struct sk_field *sk_model_table_field(const struct sk_table *t,
					    const char *name)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (strcmp(t->rows[i].name, name) == 0)
			return &t->rows[i];
	return NULL;
}

int sk_model_key_cmp(const struct sk_table *t, const void *a, const void *b)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (!(f->flags & SK_FIELD_KEY))
			continue;
		int64_t x = sk_model_field_get_int(f, a);
		int64_t y = sk_model_field_get_int(f, b);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

size_t sk_model_sort_by_key(const struct sk_table *t, const void **c, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const void *x = c[i];
		size_t j = i;
		for (; j > 0 && sk_model_key_cmp(t, c[j - 1], x) > 0; j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
	for (size_t i = 1; i < n; i++)
		if (!sk_model_key_cmp(t, c[i - 1], c[i]))
			return i;
	return 0;
}

bool sk_model_field_stored(const struct sk_field *f)
{
	return f->kind != SK_FIELD_LIST && !(f->flags & SK_FIELD_NOSTORE);
}

const char *sk_model_field_json_name(const struct sk_field *f)
{
	return f->json ? f->json : f->name;
}

/* ------------------------------------------------------------ accessors */

void *sk_model_field_ptr(const struct sk_field *f, void *rec)
{
	return (char *)rec + f->off;
}

const void *sk_model_field_cptr(const struct sk_field *f, const void *rec)
{
	return (const char *)rec + f->off;
}

int64_t sk_model_field_get_int(const struct sk_field *f, const void *rec)
{
	const void *p = sk_model_field_cptr(f, rec);
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_TRI:
		return *(const int *)p;
	case SK_FIELD_INT64:
		return *(const int64_t *)p;
	case SK_FIELD_BOOL:
		return *(const bool *)p ? 1 : 0;
	default:
		return f->absent;
	}
}

void sk_model_field_set_int(const struct sk_field *f, void *rec, int64_t v)
{
	void *p = sk_model_field_ptr(f, rec);
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_TRI:
		*(int *)p = (int)v;
		break;
	case SK_FIELD_INT64:
		*(int64_t *)p = v;
		break;
	case SK_FIELD_BOOL:
		*(bool *)p = v != 0;
		break;
	default:
		break;
	}
}

const char *sk_model_field_get_text(const struct sk_field *f, const void *rec)
{
	const void *p = sk_model_field_cptr(f, rec);
	switch (f->kind) {
	case SK_FIELD_TEXT:
		return *(char *const *)p;
	case SK_FIELD_DATE:
		return *(const char *)p ? (const char *)p : NULL;
	case SK_FIELD_TIME:
		return ((const struct sk_time_field *)p)->local;
	default:
		return NULL;
	}
}

char **sk_model_field_text_slot(const struct sk_field *f, void *rec)
{
	void *p = sk_model_field_ptr(f, rec);
	switch (f->kind) {
	case SK_FIELD_TEXT:
		return (char **)p;
	case SK_FIELD_TIME:
		return &((struct sk_time_field *)p)->local;
	default:
		return NULL;
	}
}

void sk_model_field_set_text(const struct sk_field *f, void *rec, char *s)
{
	char **slot = sk_model_field_text_slot(f, rec);
	if (slot) {
		free(*slot);
		*slot = s;
		return;
	}
	if (f->kind == SK_FIELD_DATE) {
		char *d = sk_model_field_ptr(f, rec);
		size_t n = s ? strlen(s) : 0;
		if (n > f->size - 1)
			n = f->size - 1;
		if (n)
			memcpy(d, s, n);
		d[n] = '\0';
	}
	free(s);
}

const struct sk_time_field *sk_model_field_get_time(const struct sk_field *f,
						    const void *rec)
{
	return f->kind == SK_FIELD_TIME ? sk_model_field_cptr(f, rec) : NULL;
}

struct sk_time_field *sk_model_field_time(const struct sk_field *f, void *rec)
{
	return f->kind == SK_FIELD_TIME ? sk_model_field_ptr(f, rec) : NULL;
}

bool sk_model_field_is_absent(const struct sk_field *f, const void *rec)
{
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
	case SK_FIELD_TRI:
		return sk_model_field_get_int(f, rec) == f->absent;
	case SK_FIELD_TEXT:
	case SK_FIELD_DATE:
		return sk_model_field_get_text(f, rec) == NULL;
	case SK_FIELD_TIME:
		return !sk_model_field_get_time(f, rec)->has_utc;
	case SK_FIELD_BOOL:
	case SK_FIELD_LIST:
		break;
	}
	return false;
}

size_t sk_model_field_list_count(const struct sk_field *f, const void *rec)
{
	if (f->kind != SK_FIELD_LIST)
		return 0;
	return *(const size_t *)(const void *)((const char *)rec +
					       f->count_off);
}

void *sk_model_field_list_child(const struct sk_field *f, void *rec, size_t i)
{
	if (f->kind != SK_FIELD_LIST)
		return NULL;
	char *items = *(char **)sk_model_field_ptr(f, rec);
	return items + i * f->child->size;
}

const void *sk_model_field_list_cchild(const struct sk_field *f,
				       const void *rec, size_t i)
{
	return sk_model_field_list_child(f, (void *)rec, i);
}

/* Free the children of a LIST row and leave the list empty. */
static void list_clear(const struct sk_field *f, void *rec)
{
	void **items = sk_model_field_ptr(f, rec);
	size_t *n = (size_t *)(void *)((char *)rec + f->count_off);
	for (size_t i = 0; i < *n; i++)
		sk_model_record_clear(f->child,
				      (char *)*items + i * f->child->size);
	free(*items);
	*items = NULL;
	*n = 0;
}

sk_err_t sk_model_field_list_alloc(const struct sk_field *f, void *rec,
				   size_t n)
{
	if (f->kind != SK_FIELD_LIST)
		return SK_ERR_INVAL;
	list_clear(f, rec);
	if (n == 0)
		return SK_OK;
	if (n > f->limit)
		return SK_ERR_LIMIT;
	char *items = calloc(n, f->child->size);
	if (!items)
		return SK_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		sk_model_record_init(f->child, items + i * f->child->size);
	*(void **)sk_model_field_ptr(f, rec) = items;
	*(size_t *)(void *)((char *)rec + f->count_off) = n;
	return SK_OK;
}

/* ------------------------------------------------------------ records */

void sk_model_record_init(const struct sk_table *t, void *rec)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		void *p = sk_model_field_ptr(f, rec);
		switch (f->kind) {
		case SK_FIELD_INT:
		case SK_FIELD_INT64:
		case SK_FIELD_TRI:
			sk_model_field_set_int(f, rec, f->absent);
			break;
		case SK_FIELD_BOOL:
			*(bool *)p = false;
			break;
		case SK_FIELD_TEXT:
			*(char **)p = NULL;
			break;
		case SK_FIELD_DATE:
			*(char *)p = '\0';
			break;
		case SK_FIELD_TIME:
			memset(p, 0, sizeof(struct sk_time_field));
			break;
		case SK_FIELD_LIST:
			*(void **)p = NULL;
			*(size_t *)(void *)((char *)rec + f->count_off) = 0;
			break;
		}
	}
}

void sk_model_record_clear(const struct sk_table *t, void *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->kind == SK_FIELD_LIST)
			list_clear(f, rec);
		else
			sk_model_field_set_text(f, rec, NULL);
	}
	sk_model_record_init(t, rec);
}
