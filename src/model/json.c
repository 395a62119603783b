/*
 * json.c - the mapping between the varsom API's JSON and skred's records:
 * cutting a response array into one message per warning, parsing one
 * warning into struct sk_warning, and writing a cleaned record as JSON.
 *
 * The only file in skred that includes <jansson.h>. It checks JSON types
 * and the size caps of core.h; it does not validate business rules (that is
 * proc/clean.c) and does no I/O.
 */
#include "model/model.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))
#define PATH_MAX_LEN 128

/* ------------------------------------------------------------ helpers */

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "real";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static sk_err_t nomem(struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
}

/* Parse text (at most limit bytes) as any JSON value into *root. what
 * names the text in messages. Some of jansson's allocation failures return
 * without filling its error at all (empty text): those are out of memory
 * too. DECODE_ANY: a bare `null` is a valid response body. */
static sk_err_t load(const char *text, size_t len, size_t limit,
		     const char *what, bool retriable, json_t **root,
		     struct sk_error *err)
{
	json_error_t jerr;
	*root = NULL;
	if (len > limit)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "%s of %zu bytes exceeds the limit of %zu "
				    "bytes",
				    what, len, limit);
	if (!text)
		return sk_error_set(err, SK_ERR_PARSE, retriable,
				    "%s is missing", what);
	/* Valid JSON never holds a raw NUL (jansson lets some through). */
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return sk_error_set(err, SK_ERR_PARSE, retriable,
				    "%s is not valid JSON: NUL byte at offset "
				    "%zu",
				    what, (size_t)(nul - text));
	*root = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
	if (*root)
		return SK_OK;
	if (json_error_code(&jerr) == json_error_out_of_memory ||
	    jerr.text[0] == '\0')
		return nomem(err);
	return sk_error_set(err, SK_ERR_PARSE, retriable,
			    "%s is not valid JSON: %s (line %d, column %d)",
			    what, jerr.text, jerr.line, jerr.column);
}

/* ------------------------------------------------------ splitting arrays */

/* Build "<region>:<lang>:<date>" for one array element. A field that is not
 * readable falls back to the caller's expectation (when > 0), else "?". The
 * date must be a real YYYY-MM-DD, so a key never carries arbitrary bytes. */
static void item_key(const json_t *el, int expect_region, int expect_lang,
		     char key[SK_MODEL_KEY_MAX])
{
	char region[24] = "?", lang[24] = "?", date[11] = "?";
	const json_t *v = json_is_object(el) ? json_object_get(el, "RegionId")
					     : NULL;
	if (json_is_integer(v))
		snprintf(region, sizeof region, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (expect_region > 0)
		snprintf(region, sizeof region, "%d", expect_region);

	v = json_is_object(el) ? json_object_get(el, "LangKey") : NULL;
	if (json_is_integer(v))
		snprintf(lang, sizeof lang, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (expect_lang > 0)
		snprintf(lang, sizeof lang, "%d", expect_lang);

	v = json_is_object(el) ? json_object_get(el, "ValidFrom") : NULL;
	if (json_is_string(v) && json_string_length(v) >= 10) {
		struct sk_date d;
		memcpy(date, json_string_value(v), 10);
		date[10] = '\0';
		if (sk_date_parse(date, &d) != SK_OK)
			strcpy(date, "?");
	}
	snprintf(key, SK_MODEL_KEY_MAX, "%s:%s:%s", region, lang, date);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Byte spans of the elements of a top-level JSON array that jansson has
 * already accepted, so each warning goes on the bus exactly as received
 * (and without a re-serialisation). false if the scan disagrees with the
 * parsed count; the caller then re-serialises instead. */
static bool slice_elements(const char *body, size_t len, size_t count,
			   size_t *starts, size_t *lens)
{
	size_t p = 0, k = 0;
	while (p < len && is_ws(body[p]))
		p++;
	if (p >= len || body[p] != '[')
		return false;
	p++;
	while (k < count) {
		while (p < len && is_ws(body[p]))
			p++;
		size_t start = p;
		int depth = 0;
		bool in_str = false, esc = false;
		for (; p < len; p++) {
			char c = body[p];
			if (in_str) {
				if (esc)
					esc = false;
				else if (c == '\\')
					esc = true;
				else if (c == '"')
					in_str = false;
				continue;
			}
			if (c == '"')
				in_str = true;
			else if (c == '[' || c == '{')
				depth++;
			else if ((c == ']' || c == '}') && depth > 0)
				depth--;
			else if ((c == ',' || c == ']') && depth == 0)
				break;
		}
		if (p >= len)
			return false;
		size_t end = p;
		while (end > start && is_ws(body[end - 1]))
			end--;
		if (end == start)
			return false;
		starts[k] = start;
		lens[k] = end - start;
		k++;
		if (body[p] == ']')
			break;
		p++; /* the comma */
	}
	return k == count;
}

sk_err_t sk_model_split_array(const char *body, size_t len, int expect_region,
			      int expect_lang, struct sk_raw_item **items,
			      size_t *n, struct sk_error *err)
{
	json_t *root = NULL;
	struct sk_raw_item *out = NULL;
	size_t count = 0;
	sk_err_t rc;

	*items = NULL;
	*n = 0;
	rc = load(body, len, SK_LIMIT_HTTP_BODY, "response body", true, &root,
		  err);
	if (rc != SK_OK)
		return rc;
	/* null included: the API answers null only for a place outside
	 * every region, never for a region asked by id. */
	if (!json_is_array(root)) {
		rc = sk_error_set(err, SK_ERR_PARSE, true,
				  "response body is a JSON %s, expected an "
				  "array",
				  json_type_name(root));
		goto fail;
	}
	count = json_array_size(root);
	if (count == 0) {
		json_decref(root);
		return SK_OK;
	}
	out = calloc(count, sizeof *out);
	size_t *spans = calloc(2 * count, sizeof *spans);
	if (!out || !spans) {
		free(spans);
		count = 0;
		rc = nomem(err);
		goto fail;
	}
	bool sliced = slice_elements(body, len, count, spans, spans + count);
	for (size_t i = 0; i < count; i++) {
		const json_t *el = json_array_get(root, i);
		char *s;
		if (sliced) {
			s = sk_strndup(body + spans[i], spans[count + i]);
		} else {
			/* ENCODE_ANY: non-object elements are passed on, to
			 * be dead-lettered by processing. */
			s = json_dumps(el, JSON_COMPACT | JSON_PRESERVE_ORDER |
						   JSON_ENCODE_ANY);
		}
		if (!s) {
			free(spans);
			rc = nomem(err);
			goto fail;
		}
		out[i].json = s;
		out[i].json_len = sliced ? spans[count + i] : strlen(s);
		item_key(el, expect_region, expect_lang, out[i].key);
	}
	free(spans);
	json_decref(root);
	*items = out;
	*n = count;
	return SK_OK;
fail:
	sk_model_raw_items_free(out, count);
	json_decref(root);
	return rc;
}

void sk_model_raw_items_free(struct sk_raw_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i].json);
	free(items);
}

/* The key's parts, when each is a value a request could have named. */
static bool key_parts(const char *key, int *region, int *lang,
		      struct sk_date *date)
{
	char r[24], d[11];
	int l;
	if (sscanf(key, "%23[0-9]:%d:%10s", r, &l, d) != 3)
		return false;
	*region = atoi(r);
	*lang = l;
	return sk_model_region_find(*region) && (l == 1 || l == 2) &&
	       sk_date_parse(d, date) == SK_OK;
}

size_t sk_model_items_check(struct sk_raw_item *items, size_t n, int region,
			    int lang, const struct sk_date *from,
			    const struct sk_date *to)
{
	struct sk_strset seen = {0}, twice = {0};
	size_t bad = 0;
	bool added;
	for (size_t i = 0; i < n; i++) {
		if (strchr(items[i].key, '?'))
			continue;
		if (sk_strset_add(&seen, items[i].key, &added) != SK_OK ||
		    (!added && sk_strset_add(&twice, items[i].key, &added) !=
				       SK_OK)) {
			sk_strset_free(&seen);
			sk_strset_free(&twice);
			return (size_t)-1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct sk_raw_item *it = &items[i];
		int r, l;
		struct sk_date d;
		char f[11], t[11];
		it->reject = NULL;
		it->reject_why[0] = '\0';
		if (!key_parts(it->key, &r, &l, &d))
			continue;
		sk_date_format(from, f);
		sk_date_format(to, t);
		if (r != region || l != lang) {
			it->reject = "misrouted";
			snprintf(it->reject_why, sizeof it->reject_why,
				 "misrouted: region %d lang %d in the answer "
				 "for region %d lang %d %s..%s",
				 r, l, region, lang, f, t);
		} else if (sk_date_cmp(&d, from) < 0 ||
			   sk_date_cmp(&d, to) > 0) {
			it->reject = "out_of_range";
			snprintf(it->reject_why, sizeof it->reject_why,
				 "out_of_range: ValidFrom %.10s outside the "
				 "requested %s..%s",
				 it->key + strlen(it->key) - 10, f, t);
		} else if (sk_strset_has(&twice, it->key)) {
			it->reject = "duplicate_in_response";
			snprintf(it->reject_why, sizeof it->reject_why,
				 "duplicate_in_response: key %s occurs more "
				 "than once in the answer for %s..%s",
				 it->key, f, t);
		}
		bad += it->reject != NULL;
	}
	sk_strset_free(&seen);
	sk_strset_free(&twice);
	return bad;
}

/* ------------------------------------------------------ field tables
 *
 * One table per JSON object type says, for each field: its key in the API,
 * its snake_case key in skred's output (NULL when the table is not used for
 * output), how its value is read, and where it goes (offset into the record
 * struct the table describes). Fields not in a table are ignored. */

enum kind {
	K_INT,        /* integer -> int; -1 when absent */
	K_INT_ROUND,  /* integer or real (rounded) -> int */
	K_INT64,      /* integer -> int64_t */
	K_STR,        /* string -> char * */
	K_TIME,       /* string -> struct sk_time_field.local */
	K_TRIBOOL,    /* boolean -> int 0/1; -1 when absent */
	K_LEVEL_TEXT, /* string (or integer, as decimal text) -> char * */
	K_LEVEL_INT,  /* integer (or numeric string) -> int */
	K_IGNORE,     /* known, not stored: only marks a Detail warning */
	K_WEATHER,    /* MountainWeather object */
	K_MEASURE,    /* MountainWeather.MeasurementTypes array */
	K_PROBLEMS,   /* AvalancheProblems array */
	K_ADVICES,    /* AvalancheAdvices array */
};

#define F_REQUIRED 0x1u
#define F_DETAIL 0x2u /* presence marks a Detail warning */

struct field {
	const char *api;
	const char *out;
	enum kind kind;
	size_t off;
	unsigned flags;
};

#define W(m) offsetof(struct sk_warning, m)
#define P(m) offsetof(struct sk_problem, m)
#define A(m) offsetof(struct sk_advice, m)
#define V(m) offsetof(struct sk_weather_value, m)

static const struct field warning_fields[] = {
	{"RegId", NULL, K_INT64, W(reg_id), F_REQUIRED},
	{"RegionId", NULL, K_INT, W(region_id), F_REQUIRED},
	{"RegionName", NULL, K_STR, W(region_name), 0},
	{"RegionTypeId", NULL, K_INT, W(region_type_id), 0},
	{"RegionTypeName", NULL, K_STR, W(region_type_name), 0},
	{"DangerLevel", NULL, K_LEVEL_TEXT, W(danger_level_raw), F_REQUIRED},
	{"ValidFrom", NULL, K_TIME, W(valid_from), F_REQUIRED},
	{"ValidTo", NULL, K_TIME, W(valid_to), 0},
	{"NextWarningTime", NULL, K_TIME, W(next_warning_time), 0},
	{"PublishTime", NULL, K_TIME, W(publish_time), 0},
	{"DangerIncreaseTime", NULL, K_TIME, W(danger_increase_time), 0},
	{"DangerDecreaseTime", NULL, K_TIME, W(danger_decrease_time), 0},
	{"MainText", NULL, K_STR, W(main_text), 0},
	{"LangKey", NULL, K_INT, W(lang_key), F_REQUIRED},
	{"CountyList", NULL, K_IGNORE, 0, F_DETAIL},
	{"MunicipalityList", NULL, K_IGNORE, 0, F_DETAIL},
	{"PreviousWarningRegId", NULL, K_INT64, W(previous_warning_reg_id),
	 F_DETAIL},
	{"DangerLevelName", NULL, K_STR, W(danger_level_name), F_DETAIL},
	{"UtmZone", NULL, K_INT, W(utm_zone), F_DETAIL},
	{"UtmEast", NULL, K_INT_ROUND, W(utm_east), F_DETAIL},
	{"UtmNorth", NULL, K_INT_ROUND, W(utm_north), F_DETAIL},
	{"Author", NULL, K_STR, W(author), F_DETAIL},
	{"AvalancheDanger", NULL, K_STR, W(avalanche_danger), F_DETAIL},
	{"EmergencyWarning", NULL, K_STR, W(emergency_warning), F_DETAIL},
	{"SnowSurface", NULL, K_STR, W(snow_surface), F_DETAIL},
	{"CurrentWeaklayers", NULL, K_STR, W(current_weaklayers), F_DETAIL},
	{"LatestAvalancheActivity", NULL, K_STR, W(latest_avalanche_activity),
	 F_DETAIL},
	{"LatestObservations", NULL, K_STR, W(latest_observations), F_DETAIL},
	{"ExposedHeightFill", NULL, K_IGNORE, 0, F_DETAIL},
	{"ExposedHeight1", NULL, K_IGNORE, 0, F_DETAIL},
	{"MountainWeather", NULL, K_WEATHER, 0, F_DETAIL},
	{"AvalancheProblems", NULL, K_PROBLEMS, 0, F_DETAIL},
	{"AvalancheAdvices", NULL, K_ADVICES, 0, F_DETAIL},
	{"ExtremWeatherId", NULL, K_IGNORE, 0, F_DETAIL},
	{"ExtremWeatherName", NULL, K_IGNORE, 0, F_DETAIL},
	{"IsTendency", NULL, K_TRIBOOL, W(is_tendency), F_DETAIL},
};

/* MountainWeather's own fields live in struct sk_warning too. */
static const struct field weather_fields[] = {
	{"CloudCoverId", "cloud_cover_id", K_INT, W(cloud_cover_id), 0},
	{"CloudCoverName", "cloud_cover_name", K_STR, W(cloud_cover_name), 0},
	{"Comment", "comment", K_STR, W(weather_comment), 0},
	{"LastSavedTime", "last_saved_time", K_TIME, W(weather_saved_time), 0},
	{"MeasurementTypes", NULL, K_MEASURE, 0, 0},
};

static const struct field measurement_type_fields[] = {
	{"Id", "type_id", K_INT, V(type_id), 0},
	{"Name", "type_name", K_STR, V(type_name), 0},
};

static const struct field measurement_subtype_fields[] = {
	{"Id", "subtype_id", K_INT, V(subtype_id), 0},
	{"Name", "subtype_name", K_STR, V(subtype_name), 0},
	{"Value", "value", K_STR, V(value), 0},
};

static const struct field problem_fields[] = {
	{"AvalancheProblemId", "problem_id", K_INT, P(problem_id), 0},
	{"AvalancheProblemTypeId", "problem_type_id", K_INT,
	 P(problem_type_id), 0},
	{"AvalancheProblemTypeName", "problem_type_name", K_STR,
	 P(problem_type_name), 0},
	{"AvalCauseId", "cause_id", K_INT, P(cause_id), 0},
	{"AvalCauseName", "cause_name", K_STR, P(cause_name), 0},
	{"AvalancheTypeId", "aval_type_id", K_INT, P(aval_type_id), 0},
	{"AvalancheTypeName", "aval_type_name", K_STR, P(aval_type_name), 0},
	{"AvalancheExtId", "ext_id", K_INT, P(ext_id), 0},
	{"AvalancheExtName", "ext_name", K_STR, P(ext_name), 0},
	{"AvalTriggerSimpleId", "trigger_simple_id", K_INT,
	 P(trigger_simple_id), 0},
	{"AvalTriggerSimpleName", "trigger_simple_name", K_STR,
	 P(trigger_simple_name), 0},
	{"AvalTriggerSensitivityId", "trigger_sensitivity_id", K_INT,
	 P(trigger_sensitivity_id), 0},
	{"AvalTriggerSensitivityName", "trigger_sensitivity_name", K_STR,
	 P(trigger_sensitivity_name), 0},
	{"DestructiveSizeExtId", "size_id", K_INT, P(size_id), 0},
	{"DestructiveSizeExtName", "size_name", K_STR, P(size_name), 0},
	{"AvalProbabilityId", "probability_id", K_INT, P(probability_id), 0},
	{"AvalProbabilityName", "probability_name", K_STR,
	 P(probability_name), 0},
	{"AvalPropagationId", "propagation_id", K_INT, P(propagation_id), 0},
	{"AvalPropagationName", "propagation_name", K_STR,
	 P(propagation_name), 0},
	{"ExposedHeight1", "exposed_height_1", K_INT, P(exposed_height_1), 0},
	{"ExposedHeight2", "exposed_height_2", K_INT, P(exposed_height_2), 0},
	{"ExposedHeightFill", "exposed_height_fill", K_INT,
	 P(exposed_height_fill), 0},
	{"ValidExpositions", "valid_expositions", K_STR,
	 P(valid_expositions), 0},
	{"DangerLevel", "danger_level", K_LEVEL_INT, P(danger_level), 0},
	{"TriggerSenitivityPropagationDestuctiveSizeText", "text", K_STR,
	 P(text), 0},
};

static const struct field advice_fields[] = {
	{"AdviceID", "position", K_INT, A(position), 0},
	{"Text", "text", K_STR, A(text), 0},
	{"ImageUrl", "image_url", K_STR, A(image_url), 0},
};

#define FIELD_PTR(base, f, type) ((type *)((char *)(base) + (f)->off))

/* Set the "absent" value (-1) of every integer field of a table. */
static void init_fields(const struct field *tab, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &tab[i];
		switch (f->kind) {
		case K_INT:
		case K_INT_ROUND:
		case K_TRIBOOL:
		case K_LEVEL_INT:
			*FIELD_PTR(base, f, int) = -1;
			break;
		case K_INT64:
			*FIELD_PTR(base, f, int64_t) = -1;
			break;
		default:
			break;
		}
	}
}

/* ------------------------------------------------------ parsing warnings */

static sk_err_t type_error(struct sk_error *err, const char *path,
			   const char *name, const char *want,
			   const json_t *got)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "field %s%s: expected %s, got %s", path, name,
			    want, json_type_name(got));
}

static sk_err_t range_error(struct sk_error *err, const char *path,
			    const char *name, json_int_t v)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "field %s%s: integer %" JSON_INTEGER_FORMAT
			    " out of range",
			    path, name, v);
}

/* A numeric string ("3", " -1 ") as int; false if it is anything else. */
static bool text_to_int(const char *s, int *out)
{
	long long v = 0;
	bool neg = false;
	int nd = 0;
	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++nd > 9)
			return false;
		v = v * 10 + (*s - '0');
	}
	while (*s == ' ')
		s++;
	if (nd == 0 || *s)
		return false;
	*out = (int)(neg ? -v : v);
	return true;
}

static sk_err_t dup_string(const json_t *v, char **dst, struct sk_error *err)
{
	char *s = sk_strndup(json_string_value(v), json_string_length(v));
	if (!s)
		return nomem(err);
	free(*dst);
	*dst = s;
	return SK_OK;
}

struct sk_parse {
	struct sk_warning *w;
	struct sk_error *err;
};

static sk_err_t map_fields(struct sk_parse *ps, const json_t *obj,
			   const struct field *tab, size_t n, void *base,
			   const char *path);

/* Count the elements of an optional array field against a cap. */
static sk_err_t array_count(struct sk_parse *ps, const json_t *v,
			    const char *path, const char *name, size_t limit,
			    size_t *n)
{
	if (!json_is_array(v))
		return type_error(ps->err, path, name, "array", v);
	*n = json_array_size(v);
	if (*n > limit)
		return sk_error_set(ps->err, SK_ERR_LIMIT, false,
				    "field %s%s: %zu items exceed the limit "
				    "of %zu",
				    path, name, *n, limit);
	return SK_OK;
}

/* Map each object of arr into items[i] (already allocated, elem bytes
 * each) through tab. */
static sk_err_t map_elements(struct sk_parse *ps, const json_t *arr,
			     const char *name, void *items, size_t elem,
			     const struct field *tab, size_t ntab)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *el = json_array_get(arr, i);
		char path[PATH_MAX_LEN];
		void *base = (char *)items + i * elem;
		init_fields(tab, ntab, base);
		snprintf(path, sizeof path, "%s[%zu]", name, i);
		if (!json_is_object(el))
			return type_error(ps->err, "", path, "object", el);
		strcat(path, ".");
		sk_err_t rc = map_fields(ps, el, tab, ntab, base, path);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

/* An optional array of objects (name, at most limit) mapped through tab
 * into a new array of elem-byte records. *items and *n are set as soon as
 * the array exists, so a failure part-way is cleaned up with the record. */
static sk_err_t map_array(struct sk_parse *ps, const json_t *v,
			  const char *name, size_t limit, size_t elem,
			  const struct field *tab, size_t ntab, void **items,
			  size_t *n)
{
	size_t count = 0;
	sk_err_t rc = array_count(ps, v, "", name, limit, &count);
	if (rc != SK_OK || count == 0)
		return rc;
	*items = calloc(count, elem);
	if (!*items)
		return nomem(ps->err);
	*n = count;
	return map_elements(ps, v, name, *items, elem, tab, ntab);
}

static sk_err_t map_problems(struct sk_parse *ps, const json_t *v)
{
	void *items = NULL;
	sk_err_t rc = map_array(ps, v, "AvalancheProblems", SK_LIMIT_PROBLEMS,
				sizeof *ps->w->problems, problem_fields,
				NFIELDS(problem_fields), &items,
				&ps->w->n_problems);
	ps->w->problems = items;
	return rc;
}

static sk_err_t map_advices(struct sk_parse *ps, const json_t *v)
{
	void *items = NULL;
	sk_err_t rc = map_array(ps, v, "AvalancheAdvices", SK_LIMIT_ADVICES,
				sizeof *ps->w->advices, advice_fields,
				NFIELDS(advice_fields), &items,
				&ps->w->n_advices);
	ps->w->advices = items;
	return rc;
}

/* MeasurementTypes[] of MeasurementSubTypes[] flattened into one weather
 * value per sub-type, each carrying its type's id and name. A first pass
 * checks shapes and counts against SK_LIMIT_WEATHER_VALUES. */
static sk_err_t map_measurements(struct sk_parse *ps, const json_t *types)
{
	static const char *const name = "MountainWeather.MeasurementTypes";
	struct sk_warning *w = ps->w;
	struct sk_weather_value type = {0};
	char path[PATH_MAX_LEN];
	size_t ntypes = 0, total = 0, k = 0;
	sk_err_t rc = array_count(ps, types, "", name, SIZE_MAX, &ntypes);
	if (rc != SK_OK)
		return rc;
	for (size_t i = 0; i < ntypes; i++) {
		const json_t *t = json_array_get(types, i);
		snprintf(path, sizeof path, "%s[%zu]", name, i);
		if (!json_is_object(t))
			return type_error(ps->err, "", path, "object", t);
		const json_t *subs = json_object_get(t, "MeasurementSubTypes");
		if (!subs || json_is_null(subs))
			continue;
		strcat(path, ".");
		if (!json_is_array(subs))
			return type_error(ps->err, path,
					  "MeasurementSubTypes", "array",
					  subs);
		total += json_array_size(subs);
		if (total > SK_LIMIT_WEATHER_VALUES)
			return sk_error_set(ps->err, SK_ERR_LIMIT, false,
					    "field %s: more than %d weather "
					    "values",
					    name, SK_LIMIT_WEATHER_VALUES);
	}
	if (total == 0)
		return SK_OK;
	w->weather = calloc(total, sizeof *w->weather);
	if (!w->weather)
		return nomem(ps->err);
	w->n_weather = total;
	for (size_t i = 0; i < ntypes; i++) {
		const json_t *t = json_array_get(types, i);
		const json_t *subs = json_object_get(t, "MeasurementSubTypes");
		if (!json_array_size(subs))
			continue;
		snprintf(path, sizeof path, "%s[%zu].", name, i);
		init_fields(measurement_type_fields,
			    NFIELDS(measurement_type_fields), &type);
		rc = map_fields(ps, t, measurement_type_fields,
				NFIELDS(measurement_type_fields), &type, path);
		if (rc != SK_OK)
			goto done;
		strcat(path, "MeasurementSubTypes");
		rc = map_elements(ps, subs, path, w->weather + k,
				  sizeof *w->weather,
				  measurement_subtype_fields,
				  NFIELDS(measurement_subtype_fields));
		if (rc != SK_OK)
			goto done;
		for (size_t j = 0; j < json_array_size(subs); j++, k++) {
			w->weather[k].type_id = type.type_id;
			if (type.type_name &&
			    !(w->weather[k].type_name =
				      sk_strdup(type.type_name))) {
				rc = nomem(ps->err);
				goto done;
			}
		}
		free(type.type_name);
		type.type_name = NULL;
	}
done:
	free(type.type_name);
	return rc;
}

static sk_err_t map_weather(struct sk_parse *ps, const json_t *v)
{
	if (!json_is_object(v))
		return type_error(ps->err, "", "MountainWeather", "object", v);
	ps->w->has_weather = true;
	return map_fields(ps, v, weather_fields, NFIELDS(weather_fields),
			  ps->w, "MountainWeather.");
}

/* Read one present, non-null value v of field f into base. */
static sk_err_t map_value(struct sk_parse *ps, const json_t *v,
			  const struct field *f, void *base, const char *path)
{
	struct sk_error *err = ps->err;
	json_int_t iv;
	switch (f->kind) {
	case K_INT:
	case K_INT_ROUND:
		if (json_is_real(v) && f->kind == K_INT_ROUND) {
			double r = round(json_real_value(v));
			if (!(r >= INT_MIN && r <= INT_MAX))
				return sk_error_set(
					err, SK_ERR_PARSE, false,
					"field %s%s: number %g out of range",
					path, f->api, json_real_value(v));
			*FIELD_PTR(base, f, int) = (int)r;
			return SK_OK;
		}
		if (!json_is_integer(v))
			return type_error(err, path, f->api, "integer", v);
		iv = json_integer_value(v);
		if (iv < INT_MIN || iv > INT_MAX)
			return range_error(err, path, f->api, iv);
		*FIELD_PTR(base, f, int) = (int)iv;
		return SK_OK;
	case K_INT64:
		if (!json_is_integer(v))
			return type_error(err, path, f->api, "integer", v);
		*FIELD_PTR(base, f, int64_t) = json_integer_value(v);
		return SK_OK;
	case K_STR:
		if (!json_is_string(v))
			return type_error(err, path, f->api, "string", v);
		return dup_string(v, FIELD_PTR(base, f, char *), err);
	case K_TIME:
		if (!json_is_string(v))
			return type_error(err, path, f->api, "string", v);
		return dup_string(
			v, &FIELD_PTR(base, f, struct sk_time_field)->local,
			err);
	case K_TRIBOOL:
		if (!json_is_boolean(v))
			return type_error(err, path, f->api, "boolean", v);
		*FIELD_PTR(base, f, int) = json_is_true(v) ? 1 : 0;
		return SK_OK;
	case K_LEVEL_TEXT:
		/* A string in the API; an integer is accepted defensively
		 * (several clients declare it as a number). */
		if (json_is_integer(v)) {
			char text[32];
			char **dst = FIELD_PTR(base, f, char *);
			snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			free(*dst);
			*dst = sk_strdup(text);
			return *dst ? SK_OK : nomem(err);
		}
		if (!json_is_string(v))
			return type_error(err, path, f->api, "string", v);
		return dup_string(v, FIELD_PTR(base, f, char *), err);
	case K_LEVEL_INT:
		/* An integer in problems; a numeric string is accepted. */
		if (json_is_string(v)) {
			if (!text_to_int(json_string_value(v),
					 FIELD_PTR(base, f, int)))
				return type_error(err, path, f->api,
						  "integer", v);
			return SK_OK;
		}
		if (!json_is_integer(v))
			return type_error(err, path, f->api, "integer", v);
		iv = json_integer_value(v);
		if (iv < INT_MIN || iv > INT_MAX)
			return range_error(err, path, f->api, iv);
		*FIELD_PTR(base, f, int) = (int)iv;
		return SK_OK;
	case K_IGNORE:
		return SK_OK;
	case K_WEATHER:
		return map_weather(ps, v);
	case K_MEASURE:
		return map_measurements(ps, v);
	case K_PROBLEMS:
		return map_problems(ps, v);
	case K_ADVICES:
		return map_advices(ps, v);
	}
	return SK_OK;
}

/* Map the fields of table tab found in obj into base. path prefixes field
 * names in error messages ("AvalancheProblems[0]."). */
static sk_err_t map_fields(struct sk_parse *ps, const json_t *obj,
			   const struct field *tab, size_t n, void *base,
			   const char *path)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &tab[i];
		const json_t *v = json_object_get(obj, f->api);
		if (v && (f->flags & F_DETAIL))
			ps->w->is_detail = true;
		if (!v || json_is_null(v)) {
			if (f->flags & F_REQUIRED)
				return sk_error_set(ps->err, SK_ERR_PARSE,
						    false,
						    "field %s%s: required, "
						    "got %s",
						    path, f->api,
						    v ? "null" : "nothing");
			continue;
		}
		sk_err_t rc = map_value(ps, v, f, base, path);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

/* True if no value in j is nested deeper than max (j itself is level 1).
 * Stops descending at the limit, so recursion is bounded by max. */
static bool depth_ok(const json_t *j, int level, int max)
{
	if (level > max)
		return false;
	if (json_is_object(j)) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)j, key, v)
		{
			if (!depth_ok(v, level + 1, max))
				return false;
		}
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++)
			if (!depth_ok(json_array_get(j, i), level + 1, max))
				return false;
	}
	return true;
}

sk_err_t sk_model_warning_parse(const char *json, size_t len,
				struct sk_warning **out, struct sk_error *err)
{
	json_t *root = NULL;
	struct sk_warning *w = NULL;
	sk_err_t rc;

	*out = NULL;
	rc = load(json, len, SK_LIMIT_WARNING_JSON, "warning", false, &root,
		  err);
	if (rc != SK_OK)
		return rc;
	if (!json_is_object(root)) {
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "warning is a JSON %s, expected an object",
				  json_type_name(root));
		goto fail;
	}
	if (!depth_ok(root, 1, SK_LIMIT_JSON_DEPTH)) {
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "warning JSON nests deeper than %d levels",
				  SK_LIMIT_JSON_DEPTH);
		goto fail;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		rc = nomem(err);
		goto fail;
	}
	init_fields(warning_fields, NFIELDS(warning_fields), w);
	init_fields(weather_fields, NFIELDS(weather_fields), w);
	w->danger_level = -1;

	struct sk_parse ps = {w, err};
	rc = map_fields(&ps, root, warning_fields, NFIELDS(warning_fields), w,
			"");
	if (rc != SK_OK)
		goto fail;
	json_decref(root);
	*out = w;
	return SK_OK;
fail:
	sk_warning_free(w);
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------ writing records */

/* JSON writer over a capped buffer with a sticky error: after the first
 * failure every call is a no-op and rc says what went wrong. */
struct jw {
	struct sk_buf b;
	sk_err_t rc;
};

static void jw_raw(struct jw *o, const char *s)
{
	if (o->rc == SK_OK)
		o->rc = sk_buf_puts(&o->b, s);
}

/* A comma unless this is the first member of an object or array. */
static void jw_sep(struct jw *o)
{
	if (o->rc == SK_OK && o->b.len > 0) {
		char last = o->b.data[o->b.len - 1];
		if (last != '{' && last != '[')
			jw_raw(o, ",");
	}
}

static void jw_key(struct jw *o, const char *key)
{
	jw_sep(o);
	if (o->rc == SK_OK)
		o->rc = sk_model_json_string(&o->b, key);
	jw_raw(o, ":");
}

static void jw_str(struct jw *o, const char *key, const char *s)
{
	jw_key(o, key);
	if (o->rc == SK_OK)
		o->rc = sk_model_json_string(&o->b, s);
}

/* -1 is the record's "absent" value for integers: written as null. */
static void jw_int(struct jw *o, const char *key, int64_t v)
{
	jw_key(o, key);
	if (o->rc == SK_OK)
		o->rc = v == -1 ? sk_buf_puts(&o->b, "null")
				: sk_buf_printf(&o->b, "%lld", (long long)v);
}

static void jw_bool(struct jw *o, const char *key, int v)
{
	jw_key(o, key);
	jw_raw(o, v < 0 ? "null" : v ? "true" : "false");
}

static void jw_time(struct jw *o, const char *key,
		    const struct sk_time_field *t)
{
	char text[SK_TIME_UTC_LEN];
	if (!t->has_utc) {
		jw_str(o, key, NULL);
		return;
	}
	sk_time_format_utc(t->utc_ms, text);
	jw_str(o, key, text);
}

/* Write the fields of tab that have an output name, in table order. */
static void jw_fields(struct jw *o, const struct field *tab, size_t n,
		      const void *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct field *f = &tab[i];
		const char *p = (const char *)base + f->off;
		if (!f->out)
			continue;
		switch (f->kind) {
		case K_INT:
		case K_INT_ROUND:
		case K_LEVEL_INT:
			jw_int(o, f->out, *(const int *)(const void *)p);
			break;
		case K_INT64:
			jw_int(o, f->out, *(const int64_t *)(const void *)p);
			break;
		case K_TRIBOOL:
			jw_bool(o, f->out, *(const int *)(const void *)p);
			break;
		case K_STR:
		case K_LEVEL_TEXT:
			jw_str(o, f->out, *(char *const *)(const void *)p);
			break;
		case K_TIME:
			jw_time(o, f->out,
				(const struct sk_time_field *)(const void *)p);
			break;
		default:
			break;
		}
	}
}

static void jw_weather(struct jw *o, const struct sk_warning *w)
{
	jw_key(o, "mountain_weather");
	if (!w->has_weather) {
		jw_raw(o, "null");
		return;
	}
	jw_raw(o, "{");
	jw_fields(o, weather_fields, NFIELDS(weather_fields), w);
	jw_key(o, "values");
	jw_raw(o, "[");
	for (size_t i = 0; i < w->n_weather; i++) {
		jw_sep(o);
		jw_raw(o, "{");
		jw_fields(o, measurement_type_fields,
			  NFIELDS(measurement_type_fields), &w->weather[i]);
		jw_fields(o, measurement_subtype_fields,
			  NFIELDS(measurement_subtype_fields), &w->weather[i]);
		jw_raw(o, "}");
	}
	jw_raw(o, "]}");
}

sk_err_t sk_model_warning_to_json(const struct sk_warning *w, char **out,
				  struct sk_error *err)
{
	struct jw o = {.b = SK_BUF_INIT(SK_LIMIT_TEXT), .rc = SK_OK};

	*out = NULL;
	if (!w)
		return sk_error_set(err, SK_ERR_INVAL, false, "no record");
	jw_raw(&o, "{");
	jw_int(&o, "reg_id", w->reg_id);
	jw_int(&o, "region_id", w->region_id);
	jw_str(&o, "region_name", w->region_name);
	jw_int(&o, "region_type_id", w->region_type_id);
	jw_str(&o, "region_type_name", w->region_type_name);
	jw_int(&o, "danger_level", w->danger_level);
	jw_bool(&o, "not_assessed", w->not_assessed);
	jw_int(&o, "lang_key", w->lang_key);
	jw_str(&o, "valid_date", w->valid_date[0] ? w->valid_date : NULL);
	jw_time(&o, "valid_from", &w->valid_from);
	jw_time(&o, "valid_to", &w->valid_to);
	jw_time(&o, "next_warning_time", &w->next_warning_time);
	jw_time(&o, "publish_time", &w->publish_time);
	jw_time(&o, "danger_increase_time", &w->danger_increase_time);
	jw_time(&o, "danger_decrease_time", &w->danger_decrease_time);
	jw_str(&o, "main_text", w->main_text);
	jw_bool(&o, "is_detail", w->is_detail);
	jw_str(&o, "danger_level_name", w->danger_level_name);
	jw_str(&o, "author", w->author);
	jw_str(&o, "avalanche_danger", w->avalanche_danger);
	jw_str(&o, "emergency_warning", w->emergency_warning);
	jw_str(&o, "snow_surface", w->snow_surface);
	jw_str(&o, "current_weaklayers", w->current_weaklayers);
	jw_str(&o, "latest_avalanche_activity", w->latest_avalanche_activity);
	jw_str(&o, "latest_observations", w->latest_observations);
	jw_int(&o, "previous_warning_reg_id", w->previous_warning_reg_id);
	jw_bool(&o, "is_tendency", w->is_tendency);
	jw_int(&o, "utm_zone", w->utm_zone);
	jw_int(&o, "utm_east", w->utm_east);
	jw_int(&o, "utm_north", w->utm_north);

	jw_key(&o, "problems");
	jw_raw(&o, "[");
	for (size_t i = 0; i < w->n_problems; i++) {
		jw_sep(&o);
		jw_raw(&o, "{");
		jw_fields(&o, problem_fields, NFIELDS(problem_fields),
			  &w->problems[i]);
		jw_raw(&o, "}");
	}
	jw_raw(&o, "]");
	jw_key(&o, "advices");
	jw_raw(&o, "[");
	for (size_t i = 0; i < w->n_advices; i++) {
		jw_sep(&o);
		jw_raw(&o, "{");
		jw_fields(&o, advice_fields, NFIELDS(advice_fields),
			  &w->advices[i]);
		jw_raw(&o, "}");
	}
	jw_raw(&o, "]");
	jw_weather(&o, w);
	jw_raw(&o, "}");

	if (o.rc != SK_OK) {
		sk_buf_free(&o.b);
		return o.rc == SK_ERR_NOMEM
			       ? nomem(err)
			       : sk_error_set(err, o.rc, false,
					      "record JSON exceeds %u bytes",
					      SK_LIMIT_TEXT);
	}
	*out = sk_buf_steal(&o.b);
	return *out ? SK_OK : nomem(err);
}

/* Length of the valid UTF-8 sequence starting at p (1..4), or 0 when the
 * bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF, cut
 * short). Never reads past a NUL. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Valid UTF-8 passes through; '"', '\\' and control characters are
 * escaped (controls as \u00XX); a byte that is not valid UTF-8 becomes
 * U+FFFD so the output is always valid JSON. */
sk_err_t sk_model_json_string(struct sk_buf *b, const char *s)
{
	if (!s)
		return sk_buf_puts(b, "null");
	const unsigned char *p = (const unsigned char *)s, *run = p;
	sk_err_t rc = sk_buf_append(b, "\"", 1);
	while (rc == SK_OK && *p) {
		size_t n = utf8_len(p);
		if (n > 1 || (n == 1 && *p >= 0x20 && *p != '"' && *p != '\\')) {
			p += n;
			continue;
		}
		rc = sk_buf_append(b, run, (size_t)(p - run));
		if (rc != SK_OK)
			break;
		if (n == 0) {
			rc = sk_buf_puts(b, "\\ufffd");
		} else if (*p == '"' || *p == '\\') {
			char esc[3] = {'\\', (char)*p, '\0'};
			rc = sk_buf_puts(b, esc);
		} else {
			rc = sk_buf_printf(b, "\\u%04x", *p);
		}
		run = ++p;
	}
	if (rc == SK_OK)
		rc = sk_buf_append(b, run, (size_t)(p - run));
	if (rc == SK_OK)
		rc = sk_buf_append(b, "\"", 1);
	return rc;
}
