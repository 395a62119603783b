/*
 * json.c - the mapping between the varsom API's JSON and skred's records:
 * cutting a response array into one message per warning, parsing one
 * warning into struct sk_warning, and writing a cleaned record as JSON.
 *
 * JSON is read with model/'s own scanner (jscan.c, model_int.h): the
 * splitter validates a body in one pass and reads the three key fields of
 * each element on the way, without a tree; the warning parser scans the
 * element into a flat tape of tokens (on the stack for a usual warning)
 * and maps members off it through the field tables. It checks JSON types
 * and the size caps of core.h; it does not validate business rules (that
 * is proc/clean.c) and does no I/O.
 */
#include "model/model.h"
#include "model/model_int.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))
#define PATH_MAX_LEN 128
/* No value (a member that is absent). */
#define NONE SIZE_MAX
/* Tape tokens on the stack: a Detail warning takes about 300. */
#define TAPE_STACK 768

/* ------------------------------------------------------------ helpers */

static sk_err_t nomem(struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
}

/* The checks before a scan of text (at most limit bytes, named what). */
static sk_err_t precheck(const char *text, size_t len, size_t limit,
			 const char *what, bool retriable, struct sk_error *err)
{
	if (len > limit)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "%s of %zu bytes exceeds the limit of %zu "
				    "bytes",
				    what, len, limit);
	if (!text)
		return sk_error_set(err, SK_ERR_PARSE, retriable,
				    "%s is missing", what);
	/* Valid JSON never holds a raw NUL. */
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return sk_error_set(err, SK_ERR_PARSE, retriable,
				    "%s is not valid JSON: NUL byte at offset "
				    "%zu",
				    what, (size_t)(nul - text));
	return SK_OK;
}

/* A failed scan as the caller's error: out of memory, or not JSON. */
static sk_err_t scan_error(const struct sk_jscan *s, sk_err_t rc,
			   const char *what, bool retriable,
			   struct sk_error *err)
{
	if (rc == SK_ERR_NOMEM || s->oom)
		return nomem(err);
	return sk_model_jscan_error(s, what, retriable, err);
}

/* Tape access: token v of the scan. */
static const struct sk_jtok *tk(const struct sk_jscan *d, size_t v)
{
	return &d->tok[v];
}

static int jtype(const struct sk_jscan *d, size_t v)
{
	return d->tok[v].type;
}

/* Member key of object obj, last occurrence (as a JSON object keeps the
 * last of duplicate keys); NONE when absent or obj is not an object. */
static size_t obj_get(const struct sk_jscan *d, size_t obj, const char *key)
{
	size_t found = NONE, klen = strlen(key);
	if (obj == NONE || jtype(d, obj) != SK_JOBJ)
		return NONE;
	size_t k = obj + 1;
	for (uint32_t i = 0; i < tk(d, obj)->n; i++) {
		if (sk_model_jstr_eq(d->text, tk(d, k), key, klen))
			found = k + 1;
		k = tk(d, k + 1)->end;
	}
	return found;
}

/* Element i of array arr (i < its n), walked from first. */
static size_t arr_next(const struct sk_jscan *d, size_t el)
{
	return tk(d, el)->end;
}

/* A malloc'd copy of string v, decoded. NULL when out of memory. */
static char *str_dup(const struct sk_jscan *d, size_t v)
{
	char *s = malloc((size_t)tk(d, v)->n + 1);
	if (s)
		sk_model_jstr_decode(d->text, tk(d, v), s);
	return s;
}

/* ------------------------------------------------------ splitting arrays */

/* What the splitter keeps of the element it is scanning: its three key
 * members (last occurrence each), as tokens. */
struct elem_keys {
	struct sk_jtok region, lang, from;
	bool has_region, has_lang, has_from;
};

/* Build "<region>:<lang>:<date>" for one array element. A field that is not
 * readable falls back to the caller's expectation (when > 0), else "?". The
 * date must be a real YYYY-MM-DD, so a key never carries arbitrary bytes. */
static void item_key(const char *body, const struct elem_keys *ek,
		     int expect_region, int expect_lang,
		     char key[SK_MODEL_KEY_MAX])
{
	char region[24] = "?", lang[24] = "?", date[11] = "?";
	if (ek->has_region && ek->region.type == SK_JINT)
		snprintf(region, sizeof region, "%lld",
			 (long long)ek->region.v.i);
	else if (expect_region > 0)
		snprintf(region, sizeof region, "%d", expect_region);

	if (ek->has_lang && ek->lang.type == SK_JINT)
		snprintf(lang, sizeof lang, "%lld", (long long)ek->lang.v.i);
	else if (expect_lang > 0)
		snprintf(lang, sizeof lang, "%d", expect_lang);

	if (ek->has_from && ek->from.type == SK_JSTR) {
		char head[16];
		struct sk_date d;
		if (sk_model_jstr_head(body, &ek->from, head, 10) >= 10) {
			memcpy(date, head, 10);
			date[10] = '\0';
			if (sk_date_parse(date, &d) != SK_OK)
				snprintf(date, sizeof date, "?");
		}
	}
	snprintf(key, SK_MODEL_KEY_MAX, "%s:%s:%s", region, lang, date);
}

/* Scan the element at s->p (level 2 of the body) and, when it is an
 * object, keep its three key members. */
static sk_err_t scan_element(struct sk_jscan *s, struct elem_keys *ek)
{
	static const struct {
		const char *name;
		size_t len;
	} keys[] = {{"RegionId", 8}, {"LangKey", 7}, {"ValidFrom", 9}};
	sk_err_t rc;
	memset(ek, 0, sizeof *ek);
	if (sk_model_jscan_peek(s) != '{')
		return sk_model_jscan_value(s, 2, NULL);
	s->p++;
	if (sk_model_jscan_peek(s) == '}') {
		s->p++;
		return SK_OK;
	}
	for (;;) {
		struct sk_jtok key, val;
		if (sk_model_jscan_peek(s) != '"')
			return sk_model_jscan_fail(s, "string expected as a "
						      "key");
		rc = sk_model_jscan_value(s, 3, &key);
		if (rc != SK_OK)
			return rc;
		if (sk_model_jscan_peek(s) != ':')
			return sk_model_jscan_fail(s, "':' expected");
		s->p++;
		rc = sk_model_jscan_value(s, 3, &val);
		if (rc != SK_OK)
			return rc;
		for (size_t i = 0; i < NFIELDS(keys); i++) {
			if (!sk_model_jstr_eq(s->text, &key, keys[i].name,
					      keys[i].len))
				continue;
			if (i == 0) {
				ek->region = val;
				ek->has_region = true;
			} else if (i == 1) {
				ek->lang = val;
				ek->has_lang = true;
			} else {
				ek->from = val;
				ek->has_from = true;
			}
		}
		int c = sk_model_jscan_peek(s);
		s->p++;
		if (c == '}')
			return SK_OK;
		if (c != ',') {
			s->p--;
			return sk_model_jscan_fail(s, "',' or '}' expected");
		}
	}
}

/* The items found so far: json points into the body (borrowed) until the
 * whole body has been validated. */
struct item_vec {
	struct sk_raw_item *v;
	size_t n, cap;
};

static bool item_vec_add(struct item_vec *iv)
{
	if (iv->n == iv->cap) {
		size_t cap = iv->cap ? 2 * iv->cap : 32;
		struct sk_raw_item *v = realloc(iv->v, cap * sizeof *v);
		if (!v)
			return false;
		iv->v = v;
		iv->cap = cap;
	}
	memset(&iv->v[iv->n++], 0, sizeof *iv->v);
	return true;
}

/* The elements of the array at s->p ('['), validated with the rest of the
 * body. */
static sk_err_t scan_items(struct sk_jscan *s, int expect_region,
			   int expect_lang, struct item_vec *iv)
{
	struct elem_keys ek;
	sk_err_t rc;
	s->p++;
	if (sk_model_jscan_peek(s) == ']') {
		s->p++;
		goto end;
	}
	for (;;) {
		sk_model_jscan_peek(s);
		size_t start = s->p;
		rc = scan_element(s, &ek);
		if (rc != SK_OK)
			return rc;
		if (!item_vec_add(iv)) {
			s->oom = true;
			return SK_ERR_NOMEM;
		}
		struct sk_raw_item *it = &iv->v[iv->n - 1];
		it->json = (char *)s->text + start;
		it->json_len = s->p - start;
		item_key(s->text, &ek, expect_region, expect_lang, it->key);
		int c = sk_model_jscan_peek(s);
		s->p++;
		if (c == ']')
			break;
		if (c != ',') {
			s->p--;
			return sk_model_jscan_fail(s, "',' or ']' expected");
		}
	}
end:
	if (sk_model_jscan_peek(s) != -1)
		return sk_model_jscan_fail(s, "end of file expected");
	return SK_OK;
}

sk_err_t sk_model_split_array(const char *body, size_t len, int expect_region,
			      int expect_lang, struct sk_raw_item **items,
			      size_t *n, struct sk_error *err)
{
	struct item_vec iv = {0};
	struct sk_jscan s;
	struct sk_jtok top;
	sk_err_t rc;

	*items = NULL;
	*n = 0;
	rc = precheck(body, len, SK_LIMIT_HTTP_BODY, "response body", true,
		      err);
	if (rc != SK_OK)
		return rc;
	sk_model_jscan_init(&s, body, len, NULL, 0);
	if (sk_model_jscan_peek(&s) != '[') {
		/* Not an array: valid JSON of another type, or not JSON. null
		 * included: the API answers null only for a place outside
		 * every region, never for a region asked by id. */
		rc = sk_model_jscan_value(&s, 1, &top);
		if (rc == SK_OK && sk_model_jscan_peek(&s) != -1)
			rc = sk_model_jscan_fail(&s, "end of file expected");
		if (rc != SK_OK)
			return scan_error(&s, rc, "response body", true, err);
		return sk_error_set(err, SK_ERR_PARSE, true,
				    "response body is a JSON %s, expected an "
				    "array",
				    sk_model_jtype_name(top.type));
	}
	s.max_level = 1;
	rc = scan_items(&s, expect_region, expect_lang, &iv);
	if (rc != SK_OK) {
		free(iv.v);
		return scan_error(&s, rc, "response body", true, err);
	}
	if (iv.n == 0) {
		free(iv.v);
		return SK_OK;
	}
	/* Every element's bytes, NUL-terminated, in one block (owned by the
	 * array: sk_model_raw_items_free frees it through items[0].json). */
	size_t total = 0;
	for (size_t i = 0; i < iv.n; i++)
		total += iv.v[i].json_len + 1;
	char *block = malloc(total);
	if (!block) {
		free(iv.v);
		return nomem(err);
	}
	char *o = block;
	for (size_t i = 0; i < iv.n; i++) {
		memcpy(o, iv.v[i].json, iv.v[i].json_len);
		o[iv.v[i].json_len] = '\0';
		iv.v[i].json = o;
		o += iv.v[i].json_len + 1;
	}
	*items = iv.v;
	*n = iv.n;
	return SK_OK;
}

void sk_model_raw_items_free(struct sk_raw_item *items, size_t n)
{
	if (!items)
		return;
	if (n)
		free(items[0].json);
	free(items);
}

/* The key's parts, when each is a value a request could have named. */
static bool key_parts(const char *key, int *region, int *lang,
		      struct sk_date *date)
{
	char d[11], *end;
	if (!isdigit((unsigned char)key[0]))
		return false;
	long r = strtol(key, &end, 10);
	if (*end != ':' || r > INT_MAX)
		return false;
	long l = strtol(end + 1, &end, 10);
	if (*end != ':' || l < INT_MIN || l > INT_MAX)
		return false;
	snprintf(d, sizeof d, "%s", end + 1);
	*region = (int)r;
	*lang = (int)l;
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
		    (!added &&
		     sk_strset_add(&twice, items[i].key, &added) != SK_OK)) {
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
			   const char *name, const char *want, int got)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "field %s%s: expected %s, got %s", path, name, want,
			    sk_model_jtype_name(got));
}

static sk_err_t range_error(struct sk_error *err, const char *path,
			    const char *name, int64_t v)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "field %s%s: integer %lld out of range", path, name,
			    (long long)v);
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

struct sk_parse {
	struct sk_warning *w;
	struct sk_error *err;
	const struct sk_jscan *d; /* the warning's tape */
};

/* dst (PATH_MAX_LEN bytes) <- a b [idx] tail (no "[idx]" when idx < 0),
 * cut to fit as snprintf would: the paths of error messages, built for
 * every list element on the way, so without printf's cost. */
static void path_cat(char *dst, const char *a, const char *b, long idx,
		     const char *tail)
{
	char num[24];
	size_t o = 0, nn = 0;
	const char *parts[5] = {a, b, NULL, NULL, tail};
	if (idx >= 0) {
		char rev[24];
		size_t r = 0;
		unsigned long v = (unsigned long)idx;
		do
			rev[r++] = (char)('0' + v % 10);
		while ((v /= 10) && r < sizeof rev);
		num[nn++] = '[';
		while (r)
			num[nn++] = rev[--r];
		num[nn++] = ']';
		num[nn] = '\0';
		parts[2] = num;
	}
	for (size_t i = 0; i < 5; i++) {
		if (!parts[i])
			continue;
		size_t n = strlen(parts[i]);
		if (n > PATH_MAX_LEN - 1 - o)
			n = PATH_MAX_LEN - 1 - o;
		memcpy(dst + o, parts[i], n);
		o += n;
	}
	dst[o] = '\0';
}

/* Which rows of a table one JSON object fills: those whose flags masked
 * with mask equal want. */
struct rows_sel {
	unsigned mask, want;
};

static sk_err_t map_rows(struct sk_parse *ps, size_t obj,
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
static sk_err_t array_count(struct sk_parse *ps, size_t v, const char *path,
			    const char *name, size_t limit, size_t *n)
{
	if (jtype(ps->d, v) != SK_JARR)
		return type_error(ps->err, path, name, "array",
				  jtype(ps->d, v));
	*n = tk(ps->d, v)->n;
	if (*n > limit)
		return sk_error_set(ps->err, SK_ERR_LIMIT, false,
				    "field %s%s: %zu items exceed the limit "
				    "of %zu",
				    path, name, *n, limit);
	return SK_OK;
}

/* Map element el (an object, else a type error naming elpath) of a list
 * through the rows sel of table t into rec. */
static sk_err_t map_element(struct sk_parse *ps, size_t el,
			    const struct sk_table *t, void *rec,
			    const char *elpath, struct rows_sel sel)
{
	char path[PATH_MAX_LEN];
	if (jtype(ps->d, el) != SK_JOBJ)
		return type_error(ps->err, "", elpath, "object",
				  jtype(ps->d, el));
	path_cat(path, elpath, "", -1, ".");
	return map_rows(ps, el, t, rec, path, sel);
}

/* A list of records, one per array element. The list is allocated (and
 * counted) before the elements are read, so a failure part-way is cleaned
 * up with the record. */
static sk_err_t map_list(struct sk_parse *ps, size_t v,
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
	size_t el = v + 1;
	for (size_t i = 0; i < count; i++, el = arr_next(ps->d, el)) {
		path_cat(elpath, path, f->api, (long)i, "");
		rc = map_element(ps, el, f->child,
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
				char *copy = sk_strdup(s);
				if (!copy)
					return nomem(err);
				sk_model_field_set_text(f, to, copy);
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
static sk_err_t map_nested_list(struct sk_parse *ps, size_t outer,
				const struct sk_field *f, void *base,
				const char *path)
{
	static const struct rows_sel outer_rows = {SK_FIELD_OUTER,
						   SK_FIELD_OUTER};
	static const struct rows_sel inner_rows = {SK_FIELD_OUTER, 0};
	const struct sk_jscan *d = ps->d;
	const struct sk_table *ct = f->child;
	const char *key = ct->api_nested;
	char name[PATH_MAX_LEN], elpath[PATH_MAX_LEN], subpath[PATH_MAX_LEN];
	size_t nouter = 0, total = 0, k = 0;
	/* the outer element's own members, copied into each record: on the
	 * stack when the record fits (it does: sk_weather_value) */
	union {
		max_align_t align;
		char bytes[256];
	} tmp_space;
	void *tmp = NULL;

	path_cat(name, path, f->api, -1, "");
	sk_err_t rc = array_count(ps, outer, "", name, SIZE_MAX, &nouter);
	if (rc != SK_OK)
		return rc;
	size_t el = outer + 1;
	for (size_t i = 0; i < nouter; i++, el = arr_next(d, el)) {
		path_cat(elpath, name, "", (long)i, "");
		if (jtype(d, el) != SK_JOBJ)
			return type_error(ps->err, "", elpath, "object",
					  jtype(d, el));
		size_t subs = obj_get(d, el, key);
		if (subs == NONE || jtype(d, subs) == SK_JNULL)
			continue;
		if (jtype(d, subs) != SK_JARR) {
			path_cat(subpath, elpath, "", -1, ".");
			return type_error(ps->err, subpath, key, "array",
					  jtype(d, subs));
		}
		total += tk(d, subs)->n;
		if (total > f->limit)
			return sk_error_set(ps->err, SK_ERR_LIMIT, false,
					    "field %s: more than %zu %s", name,
					    f->limit, ct->what);
	}
	if (total == 0)
		return SK_OK;
	if (sk_model_field_list_alloc(f, base, total) != SK_OK)
		return nomem(ps->err);
	tmp = ct->size <= sizeof tmp_space ? (void *)&tmp_space
					   : malloc(ct->size);
	if (!tmp)
		return nomem(ps->err);
	el = outer + 1;
	for (size_t i = 0; i < nouter; i++, el = arr_next(d, el)) {
		size_t subs = obj_get(d, el, key);
		if (subs == NONE || jtype(d, subs) != SK_JARR)
			continue;
		size_t nsub = tk(d, subs)->n;
		if (!nsub)
			continue;
		sk_model_record_init(ct, tmp);
		path_cat(elpath, name, "", (long)i, ".");
		rc = map_rows(ps, el, ct, tmp, elpath, outer_rows);
		size_t sub = subs + 1;
		for (size_t j = 0; rc == SK_OK && j < nsub;
		     j++, k++, sub = arr_next(d, sub)) {
			void *rec = sk_model_field_list_child(f, base, k);
			path_cat(subpath, elpath, key, (long)j, "");
			rc = map_element(ps, sub, ct, rec, subpath, inner_rows);
			if (rc == SK_OK)
				rc = copy_outer(ct, tmp, rec, ps->err);
		}
		sk_model_record_clear(ct, tmp);
		if (rc != SK_OK)
			break;
	}
	if (tmp != (void *)&tmp_space)
		free(tmp);
	return rc;
}

/* Store string v, decoded, through the row (TEXT, or a TIME's local
 * text). */
static sk_err_t set_str(struct sk_parse *ps, const struct sk_field *f,
			void *base, size_t v)
{
	char *copy = str_dup(ps->d, v);
	if (!copy)
		return nomem(ps->err);
	sk_model_field_set_text(f, base, copy);
	return SK_OK;
}

/* Read one present, non-null value v of row f into base. */
static sk_err_t map_value(struct sk_parse *ps, size_t v,
			  const struct sk_table *t, const struct sk_field *f,
			  void *base, const char *path)
{
	static const struct rows_sel group_rows = {SK_FIELD_IN_GROUP,
						   SK_FIELD_IN_GROUP};
	struct sk_error *err = ps->err;
	const struct sk_jtok *j = tk(ps->d, v);
	int ty = j->type;
	char text[PATH_MAX_LEN];
	int64_t iv;
	int n;
	bool ok;
	switch (f->kind) {
	case SK_FIELD_INT:
		if ((f->flags & SK_FIELD_ROUND) && ty == SK_JREAL) {
			double r = round(j->v.d);
			if (!(r >= INT_MIN && r <= INT_MAX))
				return sk_error_set(err, SK_ERR_PARSE, false,
						    "field %s%s: number %g out "
						    "of range",
						    path, f->api, j->v.d);
			sk_model_field_set_int(f, base, (int)r);
			return SK_OK;
		}
		if ((f->flags & SK_FIELD_NUMTEXT) && ty == SK_JSTR) {
			/* An integer in problems; a numeric string is
			 * accepted. */
			char *s = str_dup(ps->d, v);
			if (!s)
				return nomem(err);
			ok = text_to_int(s, &n);
			free(s);
			if (!ok)
				return type_error(err, path, f->api, "integer",
						  ty);
			sk_model_field_set_int(f, base, n);
			return SK_OK;
		}
		if (ty != SK_JINT)
			return type_error(err, path, f->api, "integer", ty);
		iv = j->v.i;
		if (iv < INT_MIN || iv > INT_MAX)
			return range_error(err, path, f->api, iv);
		sk_model_field_set_int(f, base, iv);
		return SK_OK;
	case SK_FIELD_INT64:
		if (ty != SK_JINT)
			return type_error(err, path, f->api, "integer", ty);
		sk_model_field_set_int(f, base, j->v.i);
		return SK_OK;
	case SK_FIELD_TRI:
		if (ty != SK_JTRUE && ty != SK_JFALSE)
			return type_error(err, path, f->api, "boolean", ty);
		sk_model_field_set_int(f, base, ty == SK_JTRUE);
		return SK_OK;
	case SK_FIELD_TEXT:
		/* DangerLevel is a string in the API; an integer is accepted
		 * defensively (several clients declare it as a number). */
		if ((f->flags & SK_FIELD_NUMTEXT) && ty == SK_JINT) {
			snprintf(text, sizeof text, "%lld", (long long)j->v.i);
			char *copy = sk_strdup(text);
			if (!copy)
				return nomem(err);
			sk_model_field_set_text(f, base, copy);
			return SK_OK;
		}
		/* fall through */
	case SK_FIELD_TIME:
		if (ty != SK_JSTR)
			return type_error(err, path, f->api, "string", ty);
		return set_str(ps, f, base, v);
	case SK_FIELD_BOOL:
		if (!(f->flags & SK_FIELD_GROUP))
			return SK_OK;
		if (ty != SK_JOBJ)
			return type_error(err, path, f->api, "object", ty);
		sk_model_field_set_int(f, base, 1);
		path_cat(text, path, f->api, -1, ".");
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

/* The selected rows of t by json_pos (at most MAX_POS), their API keys'
 * lengths, and where each one's value is in obj (NONE: absent; of
 * duplicate keys the last, as a JSON object keeps it). One pass over the
 * members, so a lookup is not a walk of the object per row. */
#define MAX_POS 64
struct row_index {
	const struct sk_field *const *row; /* by json_pos, 1..top */
	size_t val[MAX_POS + 1];
	unsigned top;
};

/* Per table, its rows by API key: an open-addressed hash of the keys (the
 * first row with each key) and the chain of rows sharing a key (the
 * weather values' "Id" and "Name"). Built once, read-only after. */
#define HASH_SLOTS 128 /* a power of 2, over twice the widest table */
#define HASH_ROWS 96
#define N_SELS 5
static const struct rows_sel sels[N_SELS] = {
	{SK_FIELD_IN_GROUP, 0},
	{SK_FIELD_IN_GROUP, SK_FIELD_IN_GROUP},
	{0, 0},
	{SK_FIELD_OUTER, SK_FIELD_OUTER},
	{SK_FIELD_OUTER, 0},
};
struct key_hash {
	const struct sk_table *t;
	uint8_t slot[HASH_SLOTS]; /* row index + 1; 0 empty */
	uint8_t next[HASH_ROWS];  /* next row with the same key, + 1 */
	uint8_t len[HASH_ROWS];   /* strlen of the row's key */
	/* per selection the parser uses (sels): its rows by json_pos (the
	 * first one at a pos, as row_at) and the highest pos */
	const struct sk_field *bypos[N_SELS][MAX_POS + 1];
	unsigned top[N_SELS];
};
static struct key_hash key_hashes[4];
static size_t n_key_hashes;
static pthread_once_t key_hash_once = PTHREAD_ONCE_INIT;

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void key_hash_build(void)
{
	size_t nt;
	const struct sk_table *const *ts = sk_model_tables(&nt);
	for (size_t k = 0; k < nt && k < NFIELDS(key_hashes); k++) {
		struct key_hash *kh = &key_hashes[n_key_hashes++];
		const struct sk_table *t = ts[k];
		kh->t = t;
		for (size_t i = 0; i < t->n_rows && i < HASH_ROWS; i++) {
			const char *api = t->rows[i].api;
			if (!api)
				continue;
			kh->len[i] = (uint8_t)strlen(api);
			uint32_t h = hash_bytes(api, kh->len[i]) &
				     (HASH_SLOTS - 1);
			while (kh->slot[h] &&
			       strcmp(t->rows[kh->slot[h] - 1].api, api) != 0)
				h = (h + 1) & (HASH_SLOTS - 1);
			if (!kh->slot[h]) {
				kh->slot[h] = (uint8_t)(i + 1);
				continue;
			}
			size_t r = kh->slot[h] - 1u;
			while (kh->next[r])
				r = kh->next[r] - 1u;
			kh->next[r] = (uint8_t)(i + 1);
		}
		for (size_t k2 = 0; k2 < N_SELS; k2++)
			for (size_t i = 0; i < t->n_rows; i++) {
				const struct sk_field *f = &t->rows[i];
				unsigned pos = f->json_pos;
				if (!pos || pos > MAX_POS || !f->api ||
				    (f->flags & sels[k2].mask) != sels[k2].want)
					continue;
				if (pos > kh->top[k2])
					kh->top[k2] = pos;
				if (!kh->bypos[k2][pos])
					kh->bypos[k2][pos] = f;
			}
	}
}

static const struct key_hash *key_hash_of(const struct sk_table *t)
{
	pthread_once(&key_hash_once, key_hash_build);
	for (size_t i = 0; i < n_key_hashes; i++)
		if (key_hashes[i].t == t)
			return &key_hashes[i];
	return NULL;
}

/* The first row of kh whose API key is the n bytes at key, + 1; 0 when
 * none. */
static size_t key_hash_find(const struct key_hash *kh, const char *key,
			    size_t n)
{
	uint32_t h = hash_bytes(key, n) & (HASH_SLOTS - 1);
	while (kh->slot[h]) {
		size_t r = kh->slot[h] - 1u;
		if (kh->len[r] == n && memcmp(kh->t->rows[r].api, key, n) == 0)
			return r + 1;
		h = (h + 1) & (HASH_SLOTS - 1);
	}
	return 0;
}

size_t sk_model_key_rows(const struct sk_table *t, const char *text,
			 const struct sk_jtok *key, size_t r)
{
	const struct key_hash *kh = key_hash_of(t);
	if (!kh)
		return 0;
	if (r)
		return kh->next[r - 1];
	char buf[256];
	const char *kb = text + key->pos;
	size_t kn = key->n;
	if (key->esc) {
		/* an escaped key of 256+ bytes decodes to 43+: no row's */
		if (kn >= sizeof buf)
			return 0;
		kn = sk_model_jstr_decode(text, key, buf);
		kb = buf;
	}
	return key_hash_find(kh, kb, kn);
}

static void index_rows(const struct sk_jscan *d, size_t obj,
		       const struct sk_table *t, struct rows_sel sel,
		       struct row_index *ix)
{
	const struct key_hash *kh = key_hash_of(t);
	size_t which = 0;
	while (which < N_SELS &&
	       (sels[which].mask != sel.mask || sels[which].want != sel.want))
		which++;
	if (!kh || which == N_SELS) {
		/* a table or selection the parser does not use */
		ix->top = 0;
		return;
	}
	ix->top = kh->top[which];
	ix->row = kh->bypos[which];
	for (unsigned pos = 1; pos <= ix->top; pos++)
		ix->val[pos] = NONE;
	size_t k = obj + 1;
	for (uint32_t m = 0; m < tk(d, obj)->n; m++) {
		const struct sk_jtok *key = tk(d, k);
		for (size_t r = sk_model_key_rows(t, d->text, key, 0); r;
		     r = kh->next[r - 1]) {
			const struct sk_field *f = &t->rows[r - 1];
			if (f->json_pos && f->json_pos <= ix->top &&
			    ix->row[f->json_pos] == f)
				ix->val[f->json_pos] = k + 1;
		}
		k = tk(d, k + 1)->end;
	}
}

/* Map the rows sel of table t found in obj into base, in json_pos order.
 * path prefixes API keys in error messages ("AvalancheProblems[0]."). */
static sk_err_t map_rows(struct sk_parse *ps, size_t obj,
			 const struct sk_table *t, void *base, const char *path,
			 struct rows_sel sel)
{
	struct row_index ix;
	index_rows(ps->d, obj, t, sel, &ix);
	for (unsigned pos = 1; pos <= ix.top; pos++) {
		const struct sk_field *f = ix.row[pos];
		if (!f)
			continue;
		size_t v = ix.val[pos];
		if (v != NONE && (f->flags & SK_FIELD_DETAIL))
			ps->w->is_detail = true;
		if (v == NONE || jtype(ps->d, v) == SK_JNULL) {
			if (f->flags & SK_FIELD_REQUIRED)
				return sk_error_set(ps->err, SK_ERR_PARSE,
						    false,
						    "field %s%s: required, "
						    "got %s",
						    path, f->api,
						    v != NONE ? "null"
							      : "nothing");
			continue;
		}
		sk_err_t rc = map_value(ps, v, t, f, base, path);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

/* Scan text (at most limit bytes) as one JSON object no deeper than
 * SK_LIMIT_JSON_DEPTH onto the tape of s (buf: its first cap tokens),
 * named what in errors, and make the empty record it fills: *w owned by
 * the caller, s freed by the caller (sk_model_jscan_free) either way. */
static sk_err_t load_object(const char *text, size_t len, size_t limit,
			    const char *what, struct sk_jscan *s,
			    struct sk_jtok *buf, size_t cap,
			    struct sk_warning **w, struct sk_error *err)
{
	*w = NULL;
	sk_model_jscan_init(s, text, len, buf, cap);
	sk_err_t rc = precheck(text, len, limit, what, false, err);
	if (rc != SK_OK)
		return rc;
	rc = sk_model_jscan_doc(s);
	if (rc != SK_OK)
		return scan_error(s, rc, what, false, err);
	if (jtype(s, 0) != SK_JOBJ)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "%s is a JSON %s, expected an object", what,
				    sk_model_jtype_name(jtype(s, 0)));
	if (s->max_level > SK_LIMIT_JSON_DEPTH)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "%s JSON nests deeper than %d levels", what,
				    SK_LIMIT_JSON_DEPTH);
	if (!(*w = sk_warning_new()))
		return nomem(err);
	return SK_OK;
}

sk_err_t sk_model_warning_parse(const char *json, size_t len,
				struct sk_warning **out, struct sk_error *err)
{
	return sk_model_warning_parse_drift(json, len, out, NULL, err);
}

sk_err_t sk_model_warning_parse_drift(const char *json, size_t len,
				      struct sk_warning **out,
				      struct sk_model_drift *drift,
				      struct sk_error *err)
{
	static const struct rows_sel top_rows = {SK_FIELD_IN_GROUP, 0};
	struct sk_jtok buf[TAPE_STACK];
	struct sk_jscan s;
	struct sk_warning *w = NULL;
	sk_err_t rc;

	*out = NULL;
	if (drift)
		memset(drift, 0, sizeof *drift);
	rc = load_object(json, len, SK_LIMIT_WARNING_JSON, "warning", &s, buf,
			 TAPE_STACK, &w, err);
	if (rc != SK_OK)
		goto fail;
	/* On the same tape, whatever the mapping below makes of it. */
	if (drift)
		sk_model_drift_tape(&s, drift);
	struct sk_parse ps = {w, err, &s};
	rc = map_rows(&ps, 0, &sk_model_warning_table, w, "", top_rows);
	if (rc != SK_OK)
		goto fail;
	for (size_t i = 0; i < NFIELDS(detail_markers) && !w->is_detail; i++)
		if (obj_get(&s, 0, detail_markers[i]) != NONE)
			w->is_detail = true;
	sk_model_jscan_free(&s);
	*out = w;
	return SK_OK;
fail:
	sk_warning_free(w);
	sk_model_jscan_free(&s);
	return rc;
}

/* ------------------------------------------------------ writing records */

/* JSON writer: the buffer's failure sticks, so the writer appends without
 * checking and sk_model_warning_to_json looks once at the end. */
static void jw_raw(struct sk_buf *o, const char *s)
{
	(void)sk_buf_puts(o, s);
}

/* A comma unless this is the first member of an object or array. */
static void jw_sep(struct sk_buf *o)
{
	if (o->len > 0) {
		char last = o->data[o->len - 1];
		if (last != '{' && last != '[')
			jw_raw(o, ",");
	}
}

static void jw_key(struct sk_buf *o, const char *key)
{
	jw_sep(o);
	(void)sk_model_json_string(o, key);
	jw_raw(o, ":");
}

static void jw_text(struct sk_buf *o, const char *s)
{
	(void)sk_model_json_string(o, s);
}

static void jw_object(struct sk_buf *o, const struct sk_table *t,
		      const void *rec, bool group);

/* One member: the row's JSON key and its value. The absent value of an
 * integer is written as null, a time as its UTC text (null without one). */
static void jw_member(struct sk_buf *o, const struct sk_table *t,
		      const struct sk_field *f, const void *rec)
{
	char utc[SK_TIME_UTC_LEN];
	int64_t v;
	const struct sk_time_field *tf;
	jw_key(o, sk_model_field_json_name(f));
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
		v = sk_model_field_get_int(f, rec);
		if (v == f->absent)
			jw_raw(o, "null");
		else
			(void)sk_buf_printf(o, "%lld", (long long)v);
		break;
	case SK_FIELD_TRI:
		v = sk_model_field_get_int(f, rec);
		jw_raw(o, v < 0 ? "null" : v ? "true" : "false");
		break;
	case SK_FIELD_BOOL:
		v = sk_model_field_get_int(f, rec);
		if (!(f->flags & SK_FIELD_GROUP))
			jw_raw(o, v ? "true" : "false");
		else if (!v)
			jw_raw(o, "null");
		else
			jw_object(o, t, rec, true);
		break;
	case SK_FIELD_TEXT:
	case SK_FIELD_DATE:
		jw_text(o, sk_model_field_get_text(f, rec));
		break;
	case SK_FIELD_TIME:
		tf = sk_model_field_get_time(f, rec);
		if (!tf->has_utc) {
			jw_raw(o, "null");
			break;
		}
		sk_time_format_utc(tf->utc_ms, utc);
		jw_text(o, utc);
		break;
	case SK_FIELD_LIST:
		jw_raw(o, "[");
		for (size_t i = 0; i < sk_model_field_list_count(f, rec); i++) {
			jw_sep(o);
			jw_object(o, f->child,
				  sk_model_field_list_cchild(f, rec, i), false);
		}
		jw_raw(o, "]");
		break;
	}
}

/* rec as a JSON object: its rows with a json_pos, in json_pos order; the
 * group's rows (group true) or the others. */
static void jw_object(struct sk_buf *o, const struct sk_table *t,
		      const void *rec, bool group)
{
	struct rows_sel sel = {SK_FIELD_IN_GROUP,
			       group ? SK_FIELD_IN_GROUP : 0};
	jw_raw(o, "{");
	for (unsigned pos = 1; pos <= t->n_rows; pos++) {
		const struct sk_field *f = row_at(t, pos, sel);
		if (f && !(f->flags & SK_FIELD_NOJSON))
			jw_member(o, t, f, rec);
	}
	jw_raw(o, "}");
}

sk_err_t sk_model_warning_to_json(const struct sk_warning *w, char **out,
				  struct sk_error *err)
{
	struct sk_buf o = SK_BUF_INIT(SK_LIMIT_TEXT);

	*out = NULL;
	if (!w)
		return sk_error_set(err, SK_ERR_INVAL, false, "no record");
	jw_object(&o, &sk_model_warning_table, w, false);
	sk_err_t rc = sk_buf_finish(&o);
	if (rc != SK_OK) {
		sk_buf_free(&o);
		return rc == SK_ERR_NOMEM
			       ? nomem(err)
			       : sk_error_set(err, rc, false,
					      "record JSON exceeds %u bytes",
					      SK_LIMIT_TEXT);
	}
	*out = sk_buf_steal(&o);
	return *out ? SK_OK : nomem(err);
}

/* ------------------------------------------------ reading records back */

static sk_err_t own_rows(struct sk_error *err, const struct sk_jscan *d,
			 size_t obj, const struct sk_table *t, void *base,
			 const char *path, bool group);

/* One present, non-null value v of row f, as to_json wrote it. */
static sk_err_t own_value(struct sk_error *err, const struct sk_jscan *d,
			  size_t v, const struct sk_table *t,
			  const struct sk_field *f, void *base,
			  const char *path)
{
	const char *key = sk_model_field_json_name(f);
	char sub[PATH_MAX_LEN];
	int64_t iv;
	int ty = jtype(d, v);
	char *copy;
	bool ok;
	size_t n;
	sk_err_t rc;
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
		if (ty != SK_JINT)
			return type_error(err, path, key, "integer", ty);
		iv = tk(d, v)->v.i;
		if (f->kind == SK_FIELD_INT && (iv < INT_MIN || iv > INT_MAX))
			return range_error(err, path, key, iv);
		sk_model_field_set_int(f, base, iv);
		return SK_OK;
	case SK_FIELD_TRI:
		if (ty != SK_JTRUE && ty != SK_JFALSE)
			return type_error(err, path, key, "boolean", ty);
		sk_model_field_set_int(f, base, ty == SK_JTRUE);
		return SK_OK;
	case SK_FIELD_BOOL:
		if (!(f->flags & SK_FIELD_GROUP)) {
			if (ty != SK_JTRUE && ty != SK_JFALSE)
				return type_error(err, path, key, "boolean",
						  ty);
			sk_model_field_set_int(f, base, ty == SK_JTRUE);
			return SK_OK;
		}
		if (ty != SK_JOBJ)
			return type_error(err, path, key, "object", ty);
		sk_model_field_set_int(f, base, 1);
		snprintf(sub, sizeof sub, "%s%s.", path, key);
		return own_rows(err, d, v, t, base, sub, true);
	case SK_FIELD_TEXT:
	case SK_FIELD_DATE:
		if (ty != SK_JSTR)
			return type_error(err, path, key, "string", ty);
		if (!(copy = str_dup(d, v)))
			return nomem(err);
		if (f->kind == SK_FIELD_DATE) {
			struct sk_date day;
			if (sk_date_parse(copy, &day) != SK_OK) {
				free(copy);
				return sk_error_set(err, SK_ERR_PARSE, false,
						    "field %s%s: not a date",
						    path, key);
			}
		}
		sk_model_field_set_text(f, base, copy);
		return SK_OK;
	case SK_FIELD_TIME:
		if (ty != SK_JSTR)
			return type_error(err, path, key, "string", ty);
		if (!(copy = str_dup(d, v)))
			return nomem(err);
		struct sk_time_field *tf = sk_model_field_time(f, base);
		ok = sk_time_parse_utc(copy, &tf->utc_ms);
		free(copy);
		if (!ok)
			return sk_error_set(err, SK_ERR_PARSE, false,
					    "field %s%s: not a UTC time", path,
					    key);
		tf->has_utc = true;
		return SK_OK;
	case SK_FIELD_LIST:
		if (ty != SK_JARR)
			return type_error(err, path, key, "array", ty);
		n = tk(d, v)->n;
		if (n > f->limit)
			return sk_error_set(err, SK_ERR_LIMIT, false,
					    "field %s%s: %zu items exceed the "
					    "limit of %zu",
					    path, key, n, f->limit);
		if (sk_model_field_list_alloc(f, base, n) != SK_OK)
			return nomem(err);
		size_t el = v + 1;
		for (size_t i = 0; i < n; i++, el = arr_next(d, el)) {
			snprintf(sub, sizeof sub, "%s%s[%zu]", path, key, i);
			if (jtype(d, el) != SK_JOBJ)
				return type_error(err, "", sub, "object",
						  jtype(d, el));
			snprintf(sub, sizeof sub, "%s%s[%zu].", path, key, i);
			rc = own_rows(err, d, el, f->child,
				      sk_model_field_list_child(f, base, i),
				      sub, false);
			if (rc != SK_OK)
				return rc;
		}
		return SK_OK;
	}
	return SK_OK;
}

/* The members to_json writes for the rows of t (the group's, or the
 * others), read from obj. */
static sk_err_t own_rows(struct sk_error *err, const struct sk_jscan *d,
			 size_t obj, const struct sk_table *t, void *base,
			 const char *path, bool group)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (!f->json_pos || (f->flags & SK_FIELD_NOJSON) ||
		    !!(f->flags & SK_FIELD_IN_GROUP) != group)
			continue;
		size_t v = obj_get(d, obj, sk_model_field_json_name(f));
		if (v == NONE || jtype(d, v) == SK_JNULL)
			continue;
		sk_err_t rc = own_value(err, d, v, t, f, base, path);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

sk_err_t sk_model_warning_from_json(const char *json, size_t len,
				    struct sk_warning **out,
				    struct sk_error *err)
{
	struct sk_jtok buf[TAPE_STACK];
	struct sk_jscan s;
	struct sk_warning *w = NULL;
	*out = NULL;
	sk_err_t rc = load_object(json, len, SK_LIMIT_TEXT, "record", &s, buf,
				  TAPE_STACK, &w, err);
	if (rc != SK_OK)
		goto fail;
	rc = own_rows(err, &s, 0, &sk_model_warning_table, w, "", false);
	if (rc != SK_OK)
		goto fail;
	sk_model_jscan_free(&s);
	*out = w;
	return SK_OK;
fail:
	sk_warning_free(w);
	sk_model_jscan_free(&s);
	return rc;
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
		/* 4 bytes at most are looked at, and a NUL fails the
		 * checks before anything past it is read. */
		size_t n = *p < 0x80 ? 1 : sk_model_utf8_seq(p, 4);
		if (n > 1 ||
		    (n == 1 && *p >= 0x20 && *p != '"' && *p != '\\')) {
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

/* ------------------------------------------------- reading one member */

_Static_assert((int)SK_JSON_OBJECT == (int)SK_JOBJ &&
		       (int)SK_JSON_STRING == (int)SK_JSTR &&
		       (int)SK_JSON_INT == (int)SK_JINT &&
		       (int)SK_JSON_TRUE == (int)SK_JTRUE,
	       "sk_json_member types are the scanner's");

/* The value at token v as a member: present, its type, an integer, true,
 * or a copy of a string. */
static sk_err_t member_fill(const struct sk_jscan *s, size_t v,
			    struct sk_json_member *m, struct sk_error *err)
{
	m->present = true;
	m->type = jtype(s, v);
	if (m->type == SK_JINT)
		m->i = tk(s, v)->v.i;
	else if (m->type == SK_JTRUE)
		m->b = true;
	else if (m->type == SK_JSTR && !(m->s = str_dup(s, v)))
		return nomem(err);
	return SK_OK;
}

sk_err_t sk_model_json_member(const char *json, size_t len, const char *key,
			      struct sk_json_member *out, struct sk_error *err)
{
	struct sk_jtok buf[64];
	struct sk_jscan s;
	memset(out, 0, sizeof *out);
	if (len > SK_LIMIT_TEXT)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "JSON exceeds %u bytes", SK_LIMIT_TEXT);
	sk_model_jscan_init(&s, json, len, buf, sizeof buf / sizeof buf[0]);
	sk_err_t rc = sk_model_jscan_doc(&s);
	if (rc != SK_OK) {
		rc = scan_error(&s, rc, "the answer", false, err);
		sk_model_jscan_free(&s);
		return rc;
	}
	size_t v = obj_get(&s, 0, key);
	if (v != NONE)
		rc = member_fill(&s, v, out, err);
	sk_model_jscan_free(&s);
	return rc;
}

sk_err_t sk_model_json_array(const char *json, size_t len,
			     struct sk_json_member **out, size_t *n,
			     struct sk_error *err)
{
	struct sk_jtok buf[64];
	struct sk_jscan s;
	*out = NULL;
	*n = 0;
	if (len > SK_LIMIT_TEXT)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "JSON exceeds %u bytes", SK_LIMIT_TEXT);
	sk_model_jscan_init(&s, json, len, buf, sizeof buf / sizeof buf[0]);
	sk_err_t rc = sk_model_jscan_doc(&s);
	if (rc != SK_OK) {
		rc = scan_error(&s, rc, "the answer", false, err);
		goto out;
	}
	if (jtype(&s, 0) != SK_JARR) {
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "the answer is a JSON %s, expected an array",
				  sk_model_jtype_name(jtype(&s, 0)));
		goto out;
	}
	size_t count = tk(&s, 0)->n;
	if (count && !(*out = calloc(count, sizeof **out))) {
		rc = nomem(err);
		goto out;
	}
	size_t el = 1;
	for (size_t i = 0; i < count; i++, el = arr_next(&s, el)) {
		if ((rc = member_fill(&s, el, &(*out)[(*n)++], err)) != SK_OK)
			break;
	}
	if (rc != SK_OK) {
		sk_model_json_array_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
out:
	sk_model_jscan_free(&s);
	return rc;
}

void sk_model_json_array_free(struct sk_json_member *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		free(a[i].s);
	free(a);
}

/* ------------------------------------------------- schema differences */

/* The record schema inside Avro type t (the type itself, a union's
 * branch, an array's items), NONE if there is none. */
static size_t record_of(const struct sk_jscan *d, size_t t, int depth)
{
	if (t == NONE || depth > 8)
		return NONE;
	if (jtype(d, t) == SK_JARR) {
		size_t el = t + 1;
		for (uint32_t i = 0; i < tk(d, t)->n; i++, el = arr_next(d, el))
			if (record_of(d, el, depth + 1) != NONE)
				return record_of(d, el, depth + 1);
		return NONE;
	}
	if (jtype(d, t) != SK_JOBJ)
		return NONE;
	size_t ty = obj_get(d, t, "type");
	if (ty != NONE && jtype(d, ty) == SK_JSTR &&
	    sk_model_jstr_eq(d->text, tk(d, ty), "record", 6))
		return t;
	return record_of(d, obj_get(d, t, "items"), depth + 1);
}

/* The byte span of validated value v: [*from, *to). */
static void value_span(const struct sk_jscan *d, size_t v, size_t *from,
		       size_t *to)
{
	size_t p = tk(d, v)->pos;
	if (jtype(d, v) == SK_JSTR) {
		*from = p - 1;
		*to = p + tk(d, v)->n + 1;
		return;
	}
	*from = p;
	if (jtype(d, v) != SK_JARR && jtype(d, v) != SK_JOBJ) {
		while (p < d->len && !strchr(" \t\r\n,]}", d->text[p]))
			p++;
		*to = p;
		return;
	}
	int depth = 0;
	bool in_str = false, esc = false;
	for (; p < d->len; p++) {
		char c = d->text[p];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if ((c == ']' || c == '}') && --depth == 0) {
			p++;
			break;
		}
	}
	*to = p;
}

/* Value v without whitespace outside strings, at most max bytes ("..."
 * after a cut). */
static void compact_text(const struct sk_jscan *d, size_t v, size_t max,
			 struct sk_buf *o)
{
	size_t from, to, start = o->len;
	bool in_str = false, esc = false;
	value_span(d, v, &from, &to);
	for (size_t i = from; i < to; i++) {
		char c = d->text[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (strchr(" \t\r\n", c)) {
			continue;
		}
		if (o->len - start >= max) {
			(void)sk_buf_puts(o, "...");
			return;
		}
		(void)sk_buf_append(o, &c, 1);
	}
}

static void raw_text(const struct sk_jscan *d, size_t v, struct sk_buf *o)
{
	compact_text(d, v, 60, o);
}

/* The field called name (n bytes) of record rec, NONE if none. */
static size_t field_named(const struct sk_jscan *d, size_t rec,
			  const char *name, size_t n)
{
	size_t fs = obj_get(d, rec, "fields");
	if (fs == NONE || jtype(d, fs) != SK_JARR)
		return NONE;
	size_t el = fs + 1;
	for (uint32_t i = 0; i < tk(d, fs)->n; i++, el = arr_next(d, el)) {
		size_t nm = obj_get(d, el, "name");
		if (nm != NONE && jtype(d, nm) == SK_JSTR &&
		    sk_model_jstr_eq(d->text, tk(d, nm), name, n))
			return el;
	}
	return NONE;
}

static bool same_text(const struct sk_jscan *a, size_t va,
		      const struct sk_jscan *b, size_t vb)
{
	struct sk_buf x = SK_BUF_INIT(SK_LIMIT_TEXT),
		      y = SK_BUF_INIT(SK_LIMIT_TEXT);
	compact_text(a, va, SK_LIMIT_TEXT, &x);
	compact_text(b, vb, SK_LIMIT_TEXT, &y);
	bool same = x.len == y.len &&
		    (!x.len || !memcmp(x.data, y.data, x.len));
	sk_buf_free(&x);
	sk_buf_free(&y);
	return same;
}

static void diff_records(const struct sk_jscan *a, size_t ra,
			 const struct sk_jscan *b, size_t rb, const char *path,
			 struct sk_buf *o, int depth)
{
	char name[256], sub[512];
	for (int side = 0; side < 2; side++) {
		const struct sk_jscan *x = side ? b : a, *y = side ? a : b;
		size_t rx = side ? rb : ra, ry = side ? ra : rb;
		size_t fs = obj_get(x, rx, "fields");
		if (fs == NONE || jtype(x, fs) != SK_JARR)
			continue;
		size_t el = fs + 1;
		for (uint32_t i = 0; i < tk(x, fs)->n;
		     i++, el = arr_next(x, el)) {
			size_t nm = obj_get(x, el, "name");
			if (nm == NONE || jtype(x, nm) != SK_JSTR ||
			    tk(x, nm)->n >= sizeof name)
				continue;
			size_t n = sk_model_jstr_decode(x->text, tk(x, nm),
							name);
			size_t other = field_named(y, ry, name, n);
			size_t tx = obj_get(x, el, "type");
			if (other == NONE) {
				(void)sk_buf_printf(o, "%c %s%s: ",
						    side ? '+' : '-', path,
						    name);
				if (tx != NONE)
					raw_text(x, tx, o);
				(void)sk_buf_puts(o, "\n");
				continue;
			}
			if (side || tx == NONE)
				continue; /* both: reported from a's side */
			size_t ty = obj_get(y, other, "type");
			if (ty == NONE || same_text(x, tx, y, ty))
				continue;
			size_t cx = record_of(x, tx, 0),
			       cy = record_of(y, ty, 0);
			if (cx != NONE && cy != NONE && depth < 8) {
				snprintf(sub, sizeof sub, "%s%s.", path, name);
				diff_records(x, cx, y, cy, sub, o, depth + 1);
				continue;
			}
			(void)sk_buf_printf(o, "~ %s%s: ", path, name);
			raw_text(x, tx, o);
			(void)sk_buf_puts(o, " -> ");
			raw_text(y, ty, o);
			(void)sk_buf_puts(o, "\n");
		}
	}
}

sk_err_t sk_model_schema_diff(const char *a, const char *b, struct sk_buf *out,
			      struct sk_error *err)
{
	struct sk_jscan sa, sb;
	struct sk_jtok ba[256], bb[256];
	sk_model_jscan_init(&sa, a, strlen(a), ba, sizeof ba / sizeof ba[0]);
	sk_model_jscan_init(&sb, b, strlen(b), bb, sizeof bb / sizeof bb[0]);
	sk_err_t rc = sk_model_jscan_doc(&sa);
	if (rc != SK_OK) {
		rc = scan_error(&sa, rc, "the first schema", false, err);
		goto out;
	}
	if ((rc = sk_model_jscan_doc(&sb)) != SK_OK) {
		rc = scan_error(&sb, rc, "the second schema", false, err);
		goto out;
	}
	size_t ra = record_of(&sa, 0, 0), rb = record_of(&sb, 0, 0);
	if (ra == NONE || rb == NONE) {
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "not an Avro record schema");
		goto out;
	}
	diff_records(&sa, ra, &sb, rb, "", out, 0);
	rc = sk_buf_finish(out);
	if (rc != SK_OK)
		sk_error_set(err, rc, false, "schema difference too large");
out:
	sk_model_jscan_free(&sa);
	sk_model_jscan_free(&sb);
	return rc;
}
