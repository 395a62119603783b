/*
 * model.h - the records that flow between the stages, the region list, and
 * the mapping between the varsom API's JSON and those records.
 *
 * model/ is the only module that reads JSON (with its own scanner,
 * jscan.c; no JSON library). It parses and serialises; it does not
 * validate business rules (that is proc/) and does no I/O.
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
	double lat, lon; /* centre (area centroid) */
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

/* One warning cut out of an API response array. Owned by the array
 * sk_model_split_array returns (sk_model_raw_items_free). */
struct sk_raw_item {
	char *json; /* the element's bytes exactly as received,
			 * NUL-terminated; the items' texts share one block
			 * (never free one alone) */
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
	int problem_id;      /* AvalancheProblemId (1 = main) */
	int problem_type_id; /* AvalancheProblemTypeId */
	char *problem_type_name;
	int cause_id; /* AvalCauseId */
	char *cause_name;
	int aval_type_id; /* AvalancheTypeId */
	char *aval_type_name;
	int ext_id; /* AvalancheExtId */
	char *ext_name;
	int trigger_simple_id; /* AvalTriggerSimpleId */
	char *trigger_simple_name;
	int trigger_sensitivity_id; /* AvalTriggerSensitivityId */
	char *trigger_sensitivity_name;
	int size_id; /* DestructiveSizeExtId */
	char *size_name;
	int probability_id; /* AvalProbabilityId */
	char *probability_name;
	int propagation_id; /* AvalPropagationId */
	char *propagation_name;
	int exposed_height_1;
	int exposed_height_2;
	int exposed_height_fill;
	char *valid_expositions; /* 8 chars of '0'/'1', N clockwise */
	int danger_level;        /* integer in the problem object */
	char *text; /* TriggerSenitivityPropagationDestuctiveSizeText */
};

struct sk_advice {
	int position; /* AdviceID (a position, not a stable id) */
	char *text;
	char *image_url;
};

struct sk_weather_value {
	int type_id; /* MeasurementTypes[].Id */
	char *type_name;
	int subtype_id; /* MeasurementSubTypes[].Id */
	char *subtype_name;
	char *value; /* string as received, may be NULL */
};

/* One warning of the Simple or Detail endpoint. Integer fields that were
 * absent or null are -1 unless noted. All strings owned (free with
 * sk_warning_free). */
struct sk_warning {
	int64_t reg_id; /* RegId; 0 for generated "not assessed" */
	int region_id;
	char *region_name;
	int region_type_id;     /* after cleaning: 10 A / 20 B (region list) */
	char *region_type_name; /* after cleaning: "A" / "B" */
	char *danger_level_raw; /* DangerLevel string as received */
	int danger_level;       /* after cleaning: 0..5 */
	bool not_assessed;      /* after cleaning: generated level-0 record */
	int lang_key;           /* 1 nb, 2 en */
	char valid_date[11];    /* after cleaning: local date of ValidFrom */
	struct sk_time_field valid_from, valid_to, next_warning_time,
		publish_time, danger_increase_time, danger_decrease_time;
	char *main_text;

	bool is_detail; /* Detail-only fields present */
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
	int exposed_height_fill; /* top-level ExposedHeightFill */

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

/* ---------------------------------------------------------- field tables
 *
 * One table per record type (warning, problem, advice, mountain-weather
 * value) describes every member of the record struct: its stored column and
 * JSON name, its varsom API key, its kind, where it lives (offsetof), whether
 * its column may be NULL, and a one-line doc. Parsing, to_json, free and
 * trimming walk these tables; the store's DDL, binds, row reads and content
 * hash do too, so adding a field is one row here (plus a store migration).
 *
 * Table order is the column order of the SQLite table (the content hash
 * walks it in that order: reordering rows changes every stored hash). The
 * to_json member order, also the order the parser reads API keys in, is
 * json_pos. Rows with kind SK_FIELD_LIST describe
 * the child records (problems, advices, weather values) and are not columns.
 */

enum sk_field_kind {
	SK_FIELD_INT,   /* int; absent (API null or missing) = absent (-1) */
	SK_FIELD_INT64, /* int64_t; absent = absent (-1) */
	SK_FIELD_BOOL,  /* bool; never absent */
	SK_FIELD_TRI,   /* int -1 (absent) / 0 / 1; a JSON boolean */
	SK_FIELD_TEXT,  /* char *, owned; NULL when absent */
	SK_FIELD_DATE,  /* char[11] local date "YYYY-MM-DD"; "" when unset */
	SK_FIELD_TIME,  /* struct sk_time_field: local text + UTC instant;
			 * stored and written as UTC (sk_time_format_utc) */
	SK_FIELD_LIST,  /* array of child records (child table) + size_t
			 * count at count_off */
};

/* Row flags. */
#define SK_FIELD_NULLABLE                                                      \
	0x0001u                   /* the column may be NULL: the absent value
				   * (-1, NULL, no UTC) is stored as NULL.
				   * Without it the value is stored as is
				   * (NOT NULL; an int's -1 stays -1) */
#define SK_FIELD_KEY 0x0002u      /* part of the table's primary key */
#define SK_FIELD_REQUIRED 0x0004u /* parse: API key required, not null */
#define SK_FIELD_DETAIL                                                        \
	0x0008u                  /* parse: the key's presence marks a
				   * Detail warning (is_detail) */
#define SK_FIELD_CLEANED 0x0010u /* set or replaced by proc cleaning */
#define SK_FIELD_DERIVED                                                       \
	0x0020u                  /* set by the parser from the element's
				   * shape, not read under a key of its own */
#define SK_FIELD_NOSTORE 0x0040u /* not a stored column */
#define SK_FIELD_GROUP                                                         \
	0x0080u /* BOOL: the API sub-object named by api is
				   * present; rows flagged SK_FIELD_IN_GROUP
				   * are read from it, and to_json writes them
				   * as one object under this row's JSON name
				   * (null when false) */
#define SK_FIELD_IN_GROUP                                                      \
	0x0100u /* read from / written into the group
				   * object of the table's SK_FIELD_GROUP row;
				   * json_pos counts within that object */
#define SK_FIELD_OUTER                                                         \
	0x0200u                /* child row read from the enclosing API
				   * element (see sk_table.api_nested) */
#define SK_FIELD_ROUND 0x0400u /* INT: a JSON real is accepted, rounded */
#define SK_FIELD_NUMTEXT                                                       \
	0x0800u                 /* INT: a numeric string is accepted;
				   * TEXT: an integer is kept as its decimal
				   * text */
#define SK_FIELD_NEEDED 0x2000u /* proc rejects a record without it */
#define SK_FIELD_NOJSON                                                        \
	0x1000u /* not written by to_json (json_pos still
				   * places it in the parse order) */

struct sk_table;

struct sk_field {
	const char *name; /* stored column name; also the JSON key unless
			     * json is set */
	const char *json; /* to_json key when it differs from name */
	const char *api;  /* varsom API key (within the group object, or
			     * the list element); NULL when not read from the
			     * API (cleaned or derived) */
	enum sk_field_kind kind;
	size_t off;        /* offsetof in the record struct */
	size_t size;       /* sizeof the member */
	unsigned flags;    /* SK_FIELD_* */
	int64_t absent;    /* INT, INT64, TRI: the absent value (-1) */
	unsigned json_pos; /* 1-based position in the record's member order
			     * (within the group's object for
			     * SK_FIELD_IN_GROUP): to_json writes the members
			     * in this order, and the parser reads the API
			     * keys in it (so which fault of several is
			     * reported is stable); 0: neither */
	const struct sk_table *child; /* LIST: the child records' table */
	size_t count_off; /* LIST: offsetof the size_t element count */
	size_t limit;     /* LIST: at most this many elements (SK_LIMIT_*) */
	const char *doc;  /* one line, for docs/DATA_MODEL.md */
};

struct sk_table {
	const char *name;   /* SQLite table name ("avalanche_warning") */
	const char *record; /* C struct ("sk_warning") */
	const struct sk_field *rows; /* column order */
	size_t n_rows;
	size_t size;            /* sizeof the record struct */
	const char *api_nested; /* child tables only: the API nests the
				 * records one level deeper, in the array
				 * under this key of each list element (whose
				 * own keys fill SK_FIELD_OUTER rows); NULL:
				 * one list element is one record */
	const char *what;       /* plural noun for messages ("problems") */
	const char *doc;
	/* API keys the source sends that skred reads no row from (NULL-ended;
	 * NULL: none): known, so not drift (sk_model_warning_drift). */
	const char *const *api_ignored;
};

extern const struct sk_table sk_model_warning_table;
extern const struct sk_table sk_model_problem_table;
extern const struct sk_table sk_model_advice_table;
extern const struct sk_table sk_model_weather_value_table;

/* The four tables, warning first (then its children in row order). Static
 * storage; *n is set to 4. */
const struct sk_table *const *sk_model_tables(size_t *n);

/* The row called name (its column name) in t, or NULL. */
const struct sk_field *sk_model_table_field(const struct sk_table *t,
					    const char *name);

/* True when the row is a stored column of its table (not a LIST row, not
 * SK_FIELD_NOSTORE). */
bool sk_model_field_stored(const struct sk_field *f);

/* The key to_json writes the row under (json, else name). */
const char *sk_model_field_json_name(const struct sk_field *f);

/* Generic accessors: rec points at a record of the row's table. Each one
 * accepts only the kinds it names (anything else is a programming error:
 * the getters return the absent value, the setters do nothing). */

/* The member's address. */
void *sk_model_field_ptr(const struct sk_field *f, void *rec);
const void *sk_model_field_cptr(const struct sk_field *f, const void *rec);

/* True when the value is the absent one: INT/INT64/TRI == absent, TEXT
 * NULL, DATE "", TIME without a UTC instant. BOOL and LIST: never. */
bool sk_model_field_is_absent(const struct sk_field *f, const void *rec);

/* INT, INT64, TRI: the value; BOOL: 0 or 1. */
int64_t sk_model_field_get_int(const struct sk_field *f, const void *rec);
/* INT and TRI truncate to int; BOOL stores v != 0. */
void sk_model_field_set_int(const struct sk_field *f, void *rec, int64_t v);

/* TEXT: the string (borrowed, may be NULL); DATE: the buffer, NULL when
 * ""; TIME: the local text (may be NULL). */
const char *sk_model_field_get_text(const struct sk_field *f, const void *rec);
/* TEXT: the address of the owned string; TIME: of its local text; NULL
 * for other kinds. For in-place edits (trimming) and ownership moves. */
char **sk_model_field_text_slot(const struct sk_field *f, void *rec);
/* TEXT and TIME (local text): takes ownership of s (may be NULL), freeing
 * the old value. DATE: copies at most 10 bytes of s ("" for NULL) and
 * frees s. Other kinds: frees s. */
void sk_model_field_set_text(const struct sk_field *f, void *rec, char *s);

/* TIME: the member. */
const struct sk_time_field *sk_model_field_get_time(const struct sk_field *f,
						    const void *rec);
struct sk_time_field *sk_model_field_time(const struct sk_field *f, void *rec);

/* LIST: the number of children, child i (borrowed; i < count). */
size_t sk_model_field_list_count(const struct sk_field *f, const void *rec);
void *sk_model_field_list_child(const struct sk_field *f, void *rec, size_t i);
const void *sk_model_field_list_cchild(const struct sk_field *f,
				       const void *rec, size_t i);
/* LIST: replace the children by n new records, each set to its table's
 * absent values (sk_model_record_init). The old children are freed. n 0
 * leaves an empty list. SK_ERR_LIMIT when n > f->limit, SK_ERR_NOMEM;
 * the list is empty after a failure. */
sk_err_t sk_model_field_list_alloc(const struct sk_field *f, void *rec,
				   size_t n);

/* Children in key order: -1, 0, 1 as a's primary key (t's SK_FIELD_KEY
 * integer rows, in row order) is before, equal to or after b's. */
int sk_model_key_cmp(const struct sk_table *t, const void *a, const void *b);
/* Sort c[0..n) (children of table t) by key, in place (insertion sort: the
 * lists are short and usually in order already). Returns the first i > 0
 * whose key equals c[i - 1]'s after sorting, 0 when every key differs. */
size_t sk_model_sort_by_key(const struct sk_table *t, const void **c, size_t n);

/* Set every member of rec to its absent value (ints -1, pointers NULL,
 * bools false, lists empty). Does not free anything: for fresh memory. */
void sk_model_record_init(const struct sk_table *t, void *rec);
/* Free what rec owns (its strings, its children, recursively) and leave it
 * as sk_model_record_init does. rec itself is not freed. NULL is a no-op. */
void sk_model_record_clear(const struct sk_table *t, void *rec);

/* A new warning with every member absent (calloc + init), NULL when out
 * of memory. Free with sk_warning_free. */
struct sk_warning *sk_warning_new(void);

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

/* Read a record back from the JSON of sk_model_warning_to_json (the clean
 * topic, warning_revision rows, `skred show --format jsonl`): its inverse,
 * through the same field tables. Times come back as UTC instants (local
 * text NULL), members to_json does not write (danger_level_raw) absent.
 * Unknown keys are ignored; a value of the wrong type, or a time that is
 * not sk_time_format_utc text, is SK_ERR_PARSE naming the key; lists are
 * capped as in sk_model_warning_parse. Max input SK_LIMIT_TEXT.
 * On success *out is allocated (sk_warning_free); else NULL. */
sk_err_t sk_model_warning_from_json(const char *json, size_t len,
				    struct sk_warning **out,
				    struct sk_error *err);

/* One top-level member of a JSON object (a small answer, e.g. a schema
 * registry's): present, its type (SK_JSON_*), the integer, the boolean,
 * the decoded string (malloc'd; free it). */
enum {
	SK_JSON_NULL,
	SK_JSON_FALSE,
	SK_JSON_TRUE,
	SK_JSON_INT,
	SK_JSON_REAL,
	SK_JSON_STRING,
	SK_JSON_ARRAY,
	SK_JSON_OBJECT
};
struct sk_json_member {
	bool present;
	int type;
	int64_t i;
	bool b;
	char *s;
};
/* Member key of the JSON text (an object; anything else has no members).
 * SK_ERR_PARSE when the text is not JSON, SK_ERR_LIMIT beyond
 * SK_LIMIT_TEXT, SK_ERR_NOMEM; absent is not an error (present false). */
sk_err_t sk_model_json_member(const char *json, size_t len, const char *key,
			      struct sk_json_member *out, struct sk_error *err);

/* The elements of a JSON array text (a registry's list of subjects or
 * versions), each as a member (nested arrays and objects: their type
 * only). *out malloc'd (sk_model_json_array_free), *n elements.
 * SK_ERR_PARSE when the text is not JSON or not an array, SK_ERR_LIMIT
 * beyond SK_LIMIT_TEXT, SK_ERR_NOMEM. Fuzzed by fuzz_avro. */
sk_err_t sk_model_json_array(const char *json, size_t len,
			     struct sk_json_member **out, size_t *n,
			     struct sk_error *err);
void sk_model_json_array_free(struct sk_json_member *a, size_t n);

/* Escape s as a JSON string literal (with quotes) into b. */
sk_err_t sk_model_json_string(struct sk_buf *b, const char *s);

/* --------------------------------------------------------------- drift
 *
 * The raw warning against the API shape the field tables expect (drift.c):
 * every key a row reads (api), in the objects and list elements it reads
 * them from, plus the table's api_ignored keys. No second list of fields:
 * adding a row changes the expected shape. */

enum sk_model_drift_kind {
	SK_DRIFT_UNKNOWN, /* a key no row reads and no api_ignored names */
	SK_DRIFT_MISSING, /* a row's key absent (null is not drift; null in a
			   * required row is) */
	SK_DRIFT_RETYPED, /* present, not null, not of the row's JSON type */
};
#define SK_DRIFT_KINDS 3
#define SK_DRIFT_PATH 64 /* a field's path, cut to fit */
#define SK_DRIFT_MAX 32  /* different (field, kind) pairs per record */

/* "unknown", "missing", "retyped". */
const char *sk_model_drift_kind_name(enum sk_model_drift_kind k);

struct sk_model_drift_item {
	enum sk_model_drift_kind kind;
	/* API path: "MainText", "MountainWeather.CloudCoverId",
	 * "AvalancheProblems[].AvalCauseName"; an unknown key's bytes kept
	 * only when printable ASCII (others as '?') */
	char field[SK_DRIFT_PATH];
	const struct sk_table *t; /* the row's table; NULL for unknown */
	const struct sk_field *f; /* the row; NULL for unknown */
};

/* The drift of one record: each (field, kind) once, at most SK_DRIFT_MAX
 * (then truncated). n 0: the record has the expected shape. */
struct sk_model_drift {
	size_t n;
	bool truncated;
	bool detail; /* the record is a Detail warning (its Detail-only
		      * rows were expected) */
	struct sk_model_drift_item items[SK_DRIFT_MAX];
};

/* Check one raw warning (JSON object text, as sk_model_warning_parse
 * reads it) against the expected shape into *out. Detail-only rows are
 * expected when any Detail key is present; a group's rows when its object
 * is; a list's child rows in each element. SK_ERR_PARSE when the text is
 * not a JSON object (the parser dead-letters it), SK_ERR_NOMEM; out->n 0
 * then. Max input SK_LIMIT_WARNING_JSON. No I/O; fuzzed by fuzz_warning. */
sk_err_t sk_model_warning_drift(const char *json, size_t len,
				struct sk_model_drift *out,
				struct sk_error *err);
/* sk_model_warning_parse and, when drift is not NULL, the drift of the same
 * text from the same scan (one scan, not two): *drift as
 * sk_model_warning_drift makes it, whether the mapping then succeeds or
 * not (a retyped field is drift and a parse error); out->n 0 when the
 * text is not a JSON object. */
sk_err_t sk_model_warning_parse_drift(const char *json, size_t len,
				      struct sk_warning **out,
				      struct sk_model_drift *drift,
				      struct sk_error *err);

/* ------------------------------------------------------------- schemas
 *
 * The contracts of the topics, generated from the field tables (schema.c):
 * the clean record (with its children) as sk_model_warning_to_json writes
 * it, and the dead-letter envelope (key, value and the headers). */

#define SK_MODEL_SCHEMA_NS "no.skred"

enum sk_model_schema {
	SK_SCHEMA_CLEAN,       /* the clean topic's records */
	SK_SCHEMA_DEAD_LETTER, /* the dead-letter topic's envelope */
};

/* "avalanche_warning" or "dead_letter". */
const char *sk_model_schema_name(enum sk_model_schema which);
/* Append the Avro schema (JSON text, one line) / the JSON Schema (draft
 * 2020-12) to out; sk_buf_finish's result (SK_ERR_NOMEM, SK_ERR_LIMIT). */
sk_err_t sk_model_schema_avro(enum sk_model_schema which, struct sk_buf *out);
sk_err_t sk_model_schema_json(enum sk_model_schema which, struct sk_buf *out);
/* The fields that differ between Avro record schemas a and b (JSON
 * texts), one line each, appended to out: "+ path: type" (only in b),
 * "- path: type" (only in a), "~ path: type -> type" (retyped); nested
 * records are compared field by field (path "mountain_weather.comment").
 * Nothing appended when they have the same fields. SK_ERR_PARSE when either
 * is not JSON or not a record schema. */
sk_err_t sk_model_schema_diff(const char *a, const char *b, struct sk_buf *out,
			      struct sk_error *err);
/* True when the row's Avro type is a union with null (its column may be
 * NULL, or it is the group). */
bool sk_model_schema_nullable(const struct sk_field *f);

/* ------------------------------------------------------------- Avro
 *
 * Records in Avro binary with the Confluent framing (magic byte 0, the
 * schema's registry id as 4 bytes big-endian, then the Avro binary body),
 * through libavro (avro.c is the only file that includes avro.h). */

#define SK_MODEL_AVRO_HEADER 5

struct sk_model_avro;

/* An encoder/decoder for records of schema_json (an Avro schema of the
 * clean record: sk_model_schema_avro's, or a compatible later version of
 * it). SK_ERR_PARSE with libavro's message when the schema is not valid
 * Avro; SK_ERR_NOMEM. Free with sk_model_avro_free (NULL is a no-op). */
sk_err_t sk_model_avro_new(const char *schema_json, struct sk_model_avro **out,
			   struct sk_error *err);
void sk_model_avro_free(struct sk_model_avro *a);

/* Append w in the Confluent wire format with schema id to out. A value the
 * schema cannot carry (a non-null field absent, a date that is not
 * YYYY-MM-DD) is SK_ERR_INVAL naming the field; SK_ERR_NOMEM. A failure may
 * leave part of a record in out (the caller drops it). */
sk_err_t sk_model_warning_to_avro(struct sk_model_avro *a, int32_t schema_id,
				  const struct sk_warning *w,
				  struct sk_buf *out, struct sk_error *err);

/* The schema id of a Confluent-framed value, -1 when it is not one (too
 * short, magic byte not 0). */
int64_t sk_model_avro_schema_id(const void *data, size_t len);

/* Read a record back from the Confluent-framed value data (its inverse;
 * fields the writer's schema lacks are left absent). SK_ERR_PARSE when the
 * bytes are not a record of the schema; *out as sk_model_warning_parse.
 * For tests and tools: skred writes Avro, it never reads the topic, and
 * libavro 1.11 leaks the buffer of a string cut short by the input's end
 * (tests/fuzz/lsan_avro.supp). */
sk_err_t sk_model_warning_from_avro(struct sk_model_avro *a, const void *data,
				    size_t len, struct sk_warning **out,
				    struct sk_error *err);

#endif
