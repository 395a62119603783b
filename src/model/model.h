/*
 * model.h - the records that flow between the stages, the region list, and
 * the mapping between the varsom API's JSON and those records.
 *
 * model/ is the only module that includes the JSON library. It parses and
 * serialises; it does not validate business rules (that is proc/) and does
 * no I/O.
 */
#ifndef SK_MODEL_H
#define SK_MODEL_H

#include "core/core.h"

/* ----------------------------------------------------------------- regions */

struct sk_region {
	int id;           /* 3001..3046 */
	const char *name; /* Norwegian spelling, UTF-8 */
	char type;        /* 'A' or 'B' */
	bool active;
	double lat, lon;  /* centre (area centroid) */
};

/* The built-in region list (from NVE's region list; see docs/DATA_MODEL.md).
 * Returns the array and its length through n. Static storage. */
const struct sk_region *sk_model_regions(size_t *n);
/* NULL if unknown. */
const struct sk_region *sk_model_region_find(int id);

/* Parse a --regions value: "all", "A", "B", or a comma list of ids.
 * On success *ids is a malloc'd array (caller frees) of *n ids.
 * Unknown ids are SK_ERR_INVAL with a message naming them. */
sk_err_t sk_model_regions_select(const char *spec, int **ids, size_t *n,
				 struct sk_error *err);

/* Parse a --lang value: "nb" (or "no", "1"), "en" (or "2"), or "both" into
 * API langKeys (1, 2); *n is 1 or 2. SK_ERR_INVAL naming the value else. */
sk_err_t sk_model_langs_select(const char *spec, int langs[2], size_t *n,
			       struct sk_error *err);

/* ------------------------------------------------------- the raw messages */

/* Key of a raw or clean message: "<region_id>:<lang_key>:<YYYY-MM-DD>". */
#define SK_MODEL_KEY_MAX 64

/* One warning cut out of an API response array. All fields owned. */
struct sk_raw_item {
	char *json;     /* the element's bytes exactly as received (a
			 * re-serialisation only if the body could not be
			 * sliced, which a valid array never causes) */
	size_t json_len;
	char key[SK_MODEL_KEY_MAX]; /* built from RegionId, LangKey, ValidFrom;
				     * fields that cannot be read give "?" */
	/* Set by sk_model_items_check: NULL when the element may be what was
	 * asked for, else "misrouted", "out_of_range" or
	 * "duplicate_in_response", with a sentence in reject_why. */
	const char *reject;
	char reject_why[192];
};

/* Split an API response body (a JSON array of warnings) into items.
 * A body of [] yields zero items. A body that is not a JSON array (null,
 * an object, a number; not JSON, truncated) is SK_ERR_PARSE (retriable=true:
 * the upstream may answer correctly next time). Elements that are not objects
 * are still returned (processing dead-letters them).
 * expect_region/expect_lang fill the key when the element lacks them.
 * Caller frees with sk_model_raw_items_free. Max body: SK_LIMIT_HTTP_BODY. */
sk_err_t sk_model_split_array(const char *body, size_t len, int expect_region,
			      int expect_lang, struct sk_raw_item **items,
			      size_t *n, struct sk_error *err);
void sk_model_raw_items_free(struct sk_raw_item *items, size_t n);

/* Check split items against the request they answer (region, lang, the
 * inclusive date range): an element of another known region or of the
 * other language is "misrouted", a date outside the range "out_of_range",
 * and every element whose key occurs more than once in the response
 * "duplicate_in_response" (all copies: which one is right is unknown).
 * Keys with an unreadable part ("?") and values no request could name
 * (LangKey 3, an unknown RegionId) are left alone: processing dead-letters
 * them as invalid. Returns the number of items rejected; SK_ERR_NOMEM is
 * reported as (size_t)-1 with nothing marked. */
size_t sk_model_items_check(struct sk_raw_item *items, size_t n, int region,
			    int lang, const struct sk_date *from,
			    const struct sk_date *to);

/* ------------------------------------------------------- warning records */

/* A time field: the text as received (local Europe/Oslo wall time, no
 * offset) and, after proc cleaning, the UTC instant. */
struct sk_time_field {
	char *local;    /* NULL when JSON null or absent */
	int64_t utc_ms; /* valid when has_utc */
	bool has_utc;
};

struct sk_problem {
	int problem_id;               /* AvalancheProblemId (1 = main) */
	int problem_type_id;          /* AvalancheProblemTypeId */
	char *problem_type_name;
	int cause_id;                 /* AvalCauseId */
	char *cause_name;
	int aval_type_id;             /* AvalancheTypeId */
	char *aval_type_name;
	int ext_id;                   /* AvalancheExtId */
	char *ext_name;
	int trigger_simple_id;        /* AvalTriggerSimpleId */
	char *trigger_simple_name;
	int trigger_sensitivity_id;   /* AvalTriggerSensitivityId */
	char *trigger_sensitivity_name;
	int size_id;                  /* DestructiveSizeExtId */
	char *size_name;
	int probability_id;           /* AvalProbabilityId */
	char *probability_name;
	int propagation_id;           /* AvalPropagationId */
	char *propagation_name;
	int exposed_height_1;
	int exposed_height_2;
	int exposed_height_fill;
	char *valid_expositions;      /* 8 chars of '0'/'1', N clockwise */
	int danger_level;             /* integer in the problem object */
	char *text;                   /* TriggerSenitivityPropagationDestuctiveSizeText */
};

struct sk_advice {
	int position;   /* AdviceID (a position, not a stable id) */
	char *text;
	char *image_url;
};

struct sk_weather_value {
	int type_id;     /* MeasurementTypes[].Id */
	char *type_name;
	int subtype_id;  /* MeasurementSubTypes[].Id */
	char *subtype_name;
	char *value;     /* string as received, may be NULL */
};

/* One warning of the Simple or Detail endpoint. Integer fields that were
 * absent or null are -1 unless noted. All strings owned (free with
 * sk_warning_free). */
struct sk_warning {
	int64_t reg_id;           /* RegId; 0 for generated "not assessed" */
	int region_id;
	char *region_name;
	int region_type_id;       /* after cleaning: 10 A / 20 B (region list) */
	char *region_type_name;   /* after cleaning: "A" / "B" */
	char *danger_level_raw;   /* DangerLevel string as received */
	int danger_level;         /* after cleaning: 0..5 */
	bool not_assessed;        /* after cleaning: generated level-0 record */
	int lang_key;             /* 1 nb, 2 en */
	char valid_date[11];      /* after cleaning: local date of ValidFrom */
	struct sk_time_field valid_from, valid_to, next_warning_time,
		publish_time, danger_increase_time, danger_decrease_time;
	char *main_text;

	bool is_detail;           /* Detail-only fields present */
	char *danger_level_name;
	char *author;
	char *avalanche_danger;
	char *emergency_warning;
	char *snow_surface;
	char *current_weaklayers;
	char *latest_avalanche_activity;
	char *latest_observations;
	int64_t previous_warning_reg_id; /* -1 when null */
	int is_tendency;                 /* -1 absent, 0/1 */
	int utm_zone, utm_east, utm_north;

	/* mountain weather (Detail) */
	bool has_weather;
	int cloud_cover_id;
	char *cloud_cover_name;
	char *weather_comment;
	struct sk_time_field weather_saved_time;
	struct sk_weather_value *weather;
	size_t n_weather;

	struct sk_problem *problems;
	size_t n_problems;
	struct sk_advice *advices;
	size_t n_advices;
};

/* Map one warning element (JSON object text) to a record. Types are checked
 * (a string where an integer belongs is SK_ERR_PARSE naming the field);
 * unknown fields are ignored; null and absent optional fields are allowed.
 * Required: RegId, RegionId, DangerLevel, ValidFrom, LangKey. Nothing is
 * validated beyond types (that is proc's job). Max input
 * SK_LIMIT_WARNING_JSON, max depth SK_LIMIT_JSON_DEPTH, max problems/advices/
 * weather values per SK_LIMIT_*. On success *out is allocated (caller frees
 * with sk_warning_free); on error *out is NULL and err says why. */
sk_err_t sk_model_warning_parse(const char *json, size_t len,
				struct sk_warning **out, struct sk_error *err);
void sk_warning_free(struct sk_warning *w);

/* The cleaned record as one JSON object (for jsonl output, the clean topic
 * and the revision table). Returned string is malloc'd; caller frees. */
sk_err_t sk_model_warning_to_json(const struct sk_warning *w, char **out,
				  struct sk_error *err);

/* Escape s as a JSON string literal (with quotes) into b. */
sk_err_t sk_model_json_string(struct sk_buf *b, const char *s);

#endif
