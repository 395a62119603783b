/*
 * old_json.c - skred's warning parser and response splitter as they
 * were before issue 12 (jansson: a tree per text), kept verbatim under
 * bench_old_* names so bench/parse_bench can time before and after on the
 * same bytes in one run. Not part of the library.
 */
#include "model/model.h"

sk_err_t bench_old_split_array(const char *body, size_t len, int expect_region,
			      int expect_lang, struct sk_raw_item **items,
			      size_t *n, struct sk_error *err);
void bench_old_raw_items_free(struct sk_raw_item *items, size_t n);
sk_err_t bench_old_warning_parse(const char *json, size_t len,
				struct sk_warning **out, struct sk_error *err);

#include <jansson.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
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

/* jansson allocates through these two, set once before its first use, so
 * that every allocation of a parse goes through this file's malloc/free
 * references: a test linked with -Wl,--wrap=malloc (allocation-failure
 * injection) then fails jansson's allocations too, not only skred's.
 *
 * jansson 2.14 does not survive every failed allocation: its lexer ignores
 * a failure to grow its token buffer (akheron/jansson#362) and then aborts
 * on an assertion (a long number) or reads past the buffer (a long string).
 * So a failed allocation is tried once more before jansson sees NULL, and
 * json_oom remembers it: load() then discards whatever jansson built and
 * reports SK_ERR_NOMEM (jansson itself reports some of its failures as
 * syntax errors, "invalid token", which would dead-letter a valid warning
 * instead of retrying it). When the second try fails too, every further
 * jansson allocation of that parse fails at once (json_latched), which
 * stops a string scan before it reads on from a short buffer; the number
 * case remains jansson's bug. */
static _Thread_local bool json_oom, json_latched;

static void *json_alloc(size_t n)
{
	if (json_latched)
		return NULL;
	void *p = malloc(n);
	if (p)
		return p;
	json_oom = true;
	p = malloc(n);
	if (!p)
		json_latched = true;
	return p;
}

static void json_release(void *p)
{
	free(p);
}

static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void json_setup(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
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
	pthread_once(&json_once, json_setup);
	json_oom = json_latched = false;
	*root = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
	bool oom = json_oom;
	json_oom = json_latched = false;
	if (*root && oom) {
		/* not to be trusted: jansson may have dropped a byte */
		json_decref(*root);
		*root = NULL;
	}
	if (*root)
		return SK_OK;
	if (oom || json_error_code(&jerr) == json_error_out_of_memory ||
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
			snprintf(date, sizeof date, "?");
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

sk_err_t bench_old_split_array(const char *body, size_t len, int expect_region,
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
			json_oom = json_latched = false;
			s = json_dumps(el, JSON_COMPACT | JSON_PRESERVE_ORDER |
						   JSON_ENCODE_ANY);
			if (s && json_oom) {
				free(s); /* jansson's: json_release is free */
				s = NULL;
			}
			json_oom = json_latched = false;
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
	bench_old_raw_items_free(out, count);
	json_decref(root);
	return rc;
}


/* ------------------------------------------------------ parsing warnings
 *
 * The record field tables (fields.c) say, for each member, its API key, its
 * kind and where it goes; one generic reader per kind maps a JSON value
 * into a member. Keys in no table are ignored. */

/* API keys of a Detail warning that skred does not keep (see
 * docs/DATA_MODEL.md): their presence still marks the record as Detail. */
static const char *const detail_markers[] = {
	"CountyList",     "MunicipalityList", "ExposedHeightFill",
	"ExposedHeight1", "ExtremWeatherId",  "ExtremWeatherName",
};

static sk_err_t type_error(struct sk_error *err, const char *path,
			   const char *name, const char *want,
			   const json_t *got)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "field %s%s: expected %s, got %s", path, name, want,
			    json_type_name(got));
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

/* Store a copy of n bytes of s through the row (TEXT, or a TIME's local
 * text). */
static sk_err_t set_text(const struct sk_field *f, void *base, const char *s,
			 size_t n, struct sk_error *err)
{
	char *copy = sk_strndup(s, n);
	if (!copy)
		return nomem(err);
	sk_model_field_set_text(f, base, copy);
	return SK_OK;
}

struct sk_parse {
	struct sk_warning *w;
	struct sk_error *err;
};

/* Which rows of a table one JSON object fills: those whose flags masked
 * with mask equal want. */
struct rows_sel {
	unsigned mask, want;
};

static sk_err_t map_rows(struct sk_parse *ps, const json_t *obj,
			 const struct sk_table *t, void *base, const char *path,
			 struct rows_sel sel);

/* The row of the selection at json_pos pos, or NULL. */
static const struct sk_field *row_at(const struct sk_table *t, unsigned pos,
				     struct rows_sel sel)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->json_pos == pos && (f->flags & sel.mask) == sel.want)
			return f;
	}
	return NULL;
}

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

/* Map element el (an object, else a type error naming elpath) of a list
 * through the rows sel of table t into rec. */
static sk_err_t map_element(struct sk_parse *ps, const json_t *el,
			    const struct sk_table *t, void *rec,
			    const char *elpath, struct rows_sel sel)
{
	char path[PATH_MAX_LEN];
	if (!json_is_object(el))
		return type_error(ps->err, "", elpath, "object", el);
	snprintf(path, sizeof path, "%s.", elpath);
	return map_rows(ps, el, t, rec, path, sel);
}

/* A list of records, one per array element. The list is allocated (and
 * counted) before the elements are read, so a failure part-way is cleaned
 * up with the record. */
static sk_err_t map_list(struct sk_parse *ps, const json_t *v,
			 const struct sk_field *f, void *base, const char *path)
{
	static const struct rows_sel all = {0, 0};
	char elpath[PATH_MAX_LEN];
	size_t count = 0;
	sk_err_t rc = array_count(ps, v, path, f->api, f->limit, &count);
	if (rc != SK_OK || count == 0)
		return rc;
	if (sk_model_field_list_alloc(f, base, count) != SK_OK)
		return nomem(ps->err);
	for (size_t i = 0; i < count; i++) {
		snprintf(elpath, sizeof elpath, "%s%s[%zu]", path, f->api, i);
		rc = map_element(ps, json_array_get(v, i), f->child,
				 sk_model_field_list_child(f, base, i), elpath,
				 all);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

/* Copy the SK_FIELD_OUTER members of from into to (same table). */
static sk_err_t copy_outer(const struct sk_table *t, const void *from, void *to,
			   struct sk_error *err)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (!(f->flags & SK_FIELD_OUTER))
			continue;
		if (f->kind == SK_FIELD_TEXT) {
			const char *s = sk_model_field_get_text(f, from);
			if (s) {
				sk_err_t rc = set_text(f, to, s, strlen(s),
						       err);
				if (rc != SK_OK)
					return rc;
			}
		} else {
			sk_model_field_set_int(f, to,
					       sk_model_field_get_int(f, from));
		}
	}
	return SK_OK;
}

/* A list whose API nests the records one level deeper (the child table's
 * api_nested): each element of the outer array holds an array of records
 * under that key, and its own keys fill the SK_FIELD_OUTER rows of every
 * record it holds (MountainWeather.MeasurementTypes[] of
 * MeasurementSubTypes[], one weather value per sub-type). A first pass
 * checks shapes and counts the records against f->limit. */
static sk_err_t map_nested_list(struct sk_parse *ps, const json_t *outer,
				const struct sk_field *f, void *base,
				const char *path)
{
	static const struct rows_sel outer_rows = {SK_FIELD_OUTER,
						   SK_FIELD_OUTER};
	static const struct rows_sel inner_rows = {SK_FIELD_OUTER, 0};
	const struct sk_table *ct = f->child;
	const char *key = ct->api_nested;
	char name[PATH_MAX_LEN], elpath[PATH_MAX_LEN], subpath[PATH_MAX_LEN];
	size_t nouter = 0, total = 0, k = 0;
	void *tmp = NULL;

	snprintf(name, sizeof name, "%s%s", path, f->api);
	sk_err_t rc = array_count(ps, outer, "", name, SIZE_MAX, &nouter);
	if (rc != SK_OK)
		return rc;
	for (size_t i = 0; i < nouter; i++) {
		const json_t *el = json_array_get(outer, i);
		snprintf(elpath, sizeof elpath, "%s[%zu]", name, i);
		if (!json_is_object(el))
			return type_error(ps->err, "", elpath, "object", el);
		const json_t *subs = json_object_get(el, key);
		if (!subs || json_is_null(subs))
			continue;
		if (!json_is_array(subs)) {
			snprintf(subpath, sizeof subpath, "%s.", elpath);
			return type_error(ps->err, subpath, key, "array", subs);
		}
		total += json_array_size(subs);
		if (total > f->limit)
			return sk_error_set(ps->err, SK_ERR_LIMIT, false,
					    "field %s: more than %zu %s", name,
					    f->limit, ct->what);
	}
	if (total == 0)
		return SK_OK;
	if (sk_model_field_list_alloc(f, base, total) != SK_OK)
		return nomem(ps->err);
	tmp = malloc(ct->size);
	if (!tmp)
		return nomem(ps->err);
	for (size_t i = 0; i < nouter; i++) {
		const json_t *el = json_array_get(outer, i);
		const json_t *subs = json_object_get(el, key);
		size_t nsub = json_array_size(subs);
		if (!nsub)
			continue;
		sk_model_record_init(ct, tmp);
		snprintf(elpath, sizeof elpath, "%s[%zu].", name, i);
		rc = map_rows(ps, el, ct, tmp, elpath, outer_rows);
		for (size_t j = 0; rc == SK_OK && j < nsub; j++, k++) {
			void *rec = sk_model_field_list_child(f, base, k);
			snprintf(subpath, sizeof subpath, "%s%s[%zu]", elpath,
				 key, j);
			rc = map_element(ps, json_array_get(subs, j), ct, rec,
					 subpath, inner_rows);
			if (rc == SK_OK)
				rc = copy_outer(ct, tmp, rec, ps->err);
		}
		sk_model_record_clear(ct, tmp);
		if (rc != SK_OK)
			break;
	}
	free(tmp);
	return rc;
}

/* Read one present, non-null value v of row f into base. */
static sk_err_t map_value(struct sk_parse *ps, const json_t *v,
			  const struct sk_table *t, const struct sk_field *f,
			  void *base, const char *path)
{
	static const struct rows_sel group_rows = {SK_FIELD_IN_GROUP,
						   SK_FIELD_IN_GROUP};
	struct sk_error *err = ps->err;
	char text[PATH_MAX_LEN];
	json_int_t iv;
	int n;
	switch (f->kind) {
	case SK_FIELD_INT:
		if ((f->flags & SK_FIELD_ROUND) && json_is_real(v)) {
			double r = round(json_real_value(v));
			if (!(r >= INT_MIN && r <= INT_MAX))
				return sk_error_set(err, SK_ERR_PARSE, false,
						    "field %s%s: number %g out "
						    "of range",
						    path, f->api,
						    json_real_value(v));
			sk_model_field_set_int(f, base, (int)r);
			return SK_OK;
		}
		if ((f->flags & SK_FIELD_NUMTEXT) && json_is_string(v)) {
			/* An integer in problems; a numeric string is
			 * accepted. */
			if (!text_to_int(json_string_value(v), &n))
				return type_error(err, path, f->api, "integer",
						  v);
			sk_model_field_set_int(f, base, n);
			return SK_OK;
		}
		if (!json_is_integer(v))
			return type_error(err, path, f->api, "integer", v);
		iv = json_integer_value(v);
		if (iv < INT_MIN || iv > INT_MAX)
			return range_error(err, path, f->api, iv);
		sk_model_field_set_int(f, base, iv);
		return SK_OK;
	case SK_FIELD_INT64:
		if (!json_is_integer(v))
			return type_error(err, path, f->api, "integer", v);
		sk_model_field_set_int(f, base, json_integer_value(v));
		return SK_OK;
	case SK_FIELD_TRI:
		if (!json_is_boolean(v))
			return type_error(err, path, f->api, "boolean", v);
		sk_model_field_set_int(f, base, json_is_true(v) ? 1 : 0);
		return SK_OK;
	case SK_FIELD_TEXT:
		/* DangerLevel is a string in the API; an integer is accepted
		 * defensively (several clients declare it as a number). */
		if ((f->flags & SK_FIELD_NUMTEXT) && json_is_integer(v)) {
			snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			return set_text(f, base, text, strlen(text), err);
		}
		/* fall through */
	case SK_FIELD_TIME:
		if (!json_is_string(v))
			return type_error(err, path, f->api, "string", v);
		return set_text(f, base, json_string_value(v),
				json_string_length(v), err);
	case SK_FIELD_BOOL:
		if (!(f->flags & SK_FIELD_GROUP))
			return SK_OK;
		if (!json_is_object(v))
			return type_error(err, path, f->api, "object", v);
		sk_model_field_set_int(f, base, 1);
		snprintf(text, sizeof text, "%s%s.", path, f->api);
		return map_rows(ps, v, t, base, text, group_rows);
	case SK_FIELD_LIST:
		return f->child->api_nested
			       ? map_nested_list(ps, v, f, base, path)
			       : map_list(ps, v, f, base, path);
	case SK_FIELD_DATE:
		return SK_OK; /* never from the API */
	}
	return SK_OK;
}

/* Map the rows sel of table t found in obj into base, in json_pos order.
 * path prefixes API keys in error messages ("AvalancheProblems[0]."). */
static sk_err_t map_rows(struct sk_parse *ps, const json_t *obj,
			 const struct sk_table *t, void *base, const char *path,
			 struct rows_sel sel)
{
	for (unsigned pos = 1; pos <= t->n_rows; pos++) {
		const struct sk_field *f = row_at(t, pos, sel);
		if (!f || !f->api)
			continue;
		const json_t *v = json_object_get(obj, f->api);
		if (v && (f->flags & SK_FIELD_DETAIL))
			ps->w->is_detail = true;
		if (!v || json_is_null(v)) {
			if (f->flags & SK_FIELD_REQUIRED)
				return sk_error_set(ps->err, SK_ERR_PARSE,
						    false,
						    "field %s%s: required, "
						    "got %s",
						    path, f->api,
						    v ? "null" : "nothing");
			continue;
		}
		sk_err_t rc = map_value(ps, v, t, f, base, path);
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

/* Parse text (at most limit bytes) as one JSON object no deeper than
 * SK_LIMIT_JSON_DEPTH, named what in errors, and make the empty record it
 * fills: *root and *w owned by the caller (both NULL on error). */
static sk_err_t load_object(const char *text, size_t len, size_t limit,
			    const char *what, json_t **root,
			    struct sk_warning **w, struct sk_error *err)
{
	*w = NULL;
	sk_err_t rc = load(text, len, limit, what, false, root, err);
	if (rc != SK_OK)
		return rc;
	if (!json_is_object(*root))
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "%s is a JSON %s, expected an object", what,
				  json_type_name(*root));
	else if (!depth_ok(*root, 1, SK_LIMIT_JSON_DEPTH))
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "%s JSON nests deeper than %d levels", what,
				  SK_LIMIT_JSON_DEPTH);
	if (rc == SK_OK && !(*w = sk_warning_new()))
		rc = nomem(err);
	if (rc != SK_OK) {
		json_decref(*root);
		*root = NULL;
	}
	return rc;
}

sk_err_t bench_old_warning_parse(const char *json, size_t len,
				struct sk_warning **out, struct sk_error *err)
{
	static const struct rows_sel top_rows = {SK_FIELD_IN_GROUP, 0};
	json_t *root = NULL;
	struct sk_warning *w = NULL;
	sk_err_t rc;

	*out = NULL;
	rc = load_object(json, len, SK_LIMIT_WARNING_JSON, "warning", &root, &w,
			 err);
	if (rc != SK_OK)
		return rc;
	struct sk_parse ps = {w, err};
	rc = map_rows(&ps, root, &sk_model_warning_table, w, "", top_rows);
	if (rc != SK_OK)
		goto fail;
	for (size_t i = 0; i < NFIELDS(detail_markers); i++)
		if (json_object_get(root, detail_markers[i]))
			w->is_detail = true;
	json_decref(root);
	*out = w;
	return SK_OK;
fail:
	sk_warning_free(w);
	json_decref(root);
	return rc;
}

void bench_old_raw_items_free(struct sk_raw_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i].json);
	free(items);
}
