/*
 * clean.c - validation and normalisation of parsed warnings (see proc.h):
 * local Europe/Oslo times to UTC, the danger level, A/B from the built-in
 * region list, trimmed strings, and the message key check.
 *
 * Pure functions: no I/O, no logging, no allocation beyond the record's own
 * fields. A failure is SK_ERR_VALIDATE with a short reason naming the field
 * and the offending value; it is never retriable.
 */
#include "proc/proc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX 48 /* a value quoted in a reason, with "..." */

/* Copy s for quoting in a reason: at most 40 bytes, cut on a UTF-8
 * boundary, control characters shown as '?'. Returns out. */
static const char *show(const char *s, char out[SHOW_MAX])
{
	size_t n = 0, k = 0;
	if (!s)
		return "(null)";
	while (s[n] && n < 40)
		n++;
	bool cut = s[n] != '\0';
	if (cut)
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	for (size_t i = 0; i < n; i++)
		out[k++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?'
								      : s[i];
	if (cut) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

static sk_err_t reject(struct sk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static sk_err_t reject(struct sk_error *err, const char *fmt, ...)
{
	char msg[SK_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sk_error_set(err, SK_ERR_VALIDATE, false, "%s", msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* Strip leading and trailing ASCII whitespace in place. */
static void trim(char *s)
{
	if (!s)
		return;
	size_t len = strlen(s), start = 0;
	while (len > 0 && is_space(s[len - 1]))
		len--;
	while (start < len && is_space(s[start]))
		start++;
	memmove(s, s + start, len - start);
	s[len - start] = '\0';
}

/* Trim every text of a record of table t (TEXT members and the local
 * text of TIME members), its children's too, through the field tables. */
static void trim_record(const struct sk_table *t, void *rec)
{
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		char **slot = sk_model_field_text_slot(f, rec);
		if (slot)
			trim(*slot);
		for (size_t k = 0; k < sk_model_field_list_count(f, rec); k++)
			trim_record(f->child,
				    sk_model_field_list_child(f, rec, k));
	}
}

/* Named group + dot + api in reasons (group "" at the top), formatted
 * only for a reason: this runs for every time of every record. */
static sk_err_t clean_time(struct sk_time_field *t, const char *group,
			   const char *api, bool required, struct sk_error *err)
{
	struct sk_civil c;
	char shown[SHOW_MAX];
	const char *dot = *group ? "." : "";
	t->has_utc = false;
	if (!t->local)
		return required ? reject(err, "field %s%s%s: missing", group,
					 dot, api)
				: SK_OK;
	if (sk_civil_parse(t->local, &c) != SK_OK)
		return reject(err, "field %s%s%s: bad timestamp '%s'", group,
			      dot, api, show(t->local, shown));
	t->utc_ms = sk_oslo_to_utc_ms(&c);
	t->has_utc = true;
	return SK_OK;
}

/* Every time of the record, in table order, named by its API key (a
 * member of the MountainWeather group by "MountainWeather.<key>"). */
static sk_err_t clean_times(struct sk_warning *w, struct sk_error *err)
{
	const struct sk_table *t = &sk_model_warning_table;
	const char *group = "";
	for (size_t i = 0; i < t->n_rows; i++)
		if (t->rows[i].flags & SK_FIELD_GROUP)
			group = t->rows[i].api;
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->kind != SK_FIELD_TIME)
			continue;
		sk_err_t rc =
			clean_time(sk_model_field_time(f, w),
				   f->flags & SK_FIELD_IN_GROUP ? group : "",
				   f->api, f->flags & SK_FIELD_NEEDED, err);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

static sk_err_t clean_problem(struct sk_problem *p, size_t i,
			      struct sk_error *err)
{
	char shown[SHOW_MAX];
	if (p->danger_level != -1 &&
	    (p->danger_level < 0 || p->danger_level > 5))
		return reject(err,
			      "AvalancheProblems[%zu].DangerLevel %d is not a "
			      "level 0..5",
			      i, p->danger_level);
	if (p->valid_expositions) {
		const char *s = p->valid_expositions;
		bool ok = strlen(s) == 8 && strspn(s, "01") == 8;
		if (!ok)
			return reject(err,
				      "AvalancheProblems[%zu].ValidExpositions "
				      "'%s' is not 8 characters of 0/1",
				      i, show(s, shown));
	}
	return SK_OK;
}

/* The children of each list differ in their key (their table's primary
 * key): two problems with one AvalancheProblemId would be one row. */
static sk_err_t check_child_keys(const struct sk_warning *w,
				 struct sk_error *err)
{
	const struct sk_table *t = &sk_model_warning_table;
	const void *c[SK_LIMIT_WEATHER_VALUES];
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->kind != SK_FIELD_LIST)
			continue;
		size_t n = sk_model_field_list_count(f, w);
		if (n > f->limit || n > sizeof c / sizeof *c)
			return reject(err, "%s: %zu %s, more than %zu", f->api,
				      n, f->child->what, f->limit);
		for (size_t j = 0; j < n; j++)
			c[j] = sk_model_field_list_cchild(f, w, j);
		size_t dup = sk_model_sort_by_key(f->child, c, n);
		if (!dup)
			continue;
		char key[SHOW_MAX];
		size_t len = 0;
		for (size_t k = 0; k < f->child->n_rows; k++) {
			const struct sk_field *kf = &f->child->rows[k];
			if ((kf->flags & SK_FIELD_KEY) && len < sizeof key)
				len += (size_t)snprintf(
					key + len, sizeof key - len,
					"%s%s=%lld", len ? ", " : "", kf->name,
					(long long)sk_model_field_get_int(
						kf, c[dup]));
		}
		return reject(err, "%s: two %s with the same key (%s)", f->api,
			      f->child->what, key);
	}
	return SK_OK;
}

/* Replace *dst by a copy of s (the record owns its strings). */
static sk_err_t replace_str(char **dst, const char *s, struct sk_error *err)
{
	char *copy = sk_strdup(s);
	if (!copy)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	free(*dst);
	*dst = copy;
	return SK_OK;
}

sk_err_t sk_proc_clean(struct sk_warning *w, struct sk_error *err)
{
	char shown[SHOW_MAX], shown2[SHOW_MAX];
	const struct sk_region *region;
	sk_err_t rc;

	if (!w)
		return sk_error_set(err, SK_ERR_INVAL, false, "no record");
	trim_record(&sk_model_warning_table, w);

	if (w->reg_id < 0)
		return reject(err, "RegId %lld is negative",
			      (long long)w->reg_id);
	if (w->lang_key != 1 && w->lang_key != 2)
		return reject(err, "LangKey %d is not 1 (nb) or 2 (en)",
			      w->lang_key);
	region = sk_model_region_find(w->region_id);
	if (!region)
		return reject(err, "RegionId %d is not a known region",
			      w->region_id);

	const char *level = w->danger_level_raw;
	if (!level)
		return reject(err, "DangerLevel is missing");
	if (level[0] < '0' || level[0] > '5' || level[1] != '\0')
		return reject(err, "DangerLevel '%s' is not a level 0..5",
			      show(level, shown));

	rc = clean_times(w, err);
	if (rc != SK_OK)
		return rc;
	if (w->valid_to.has_utc && w->valid_to.utc_ms < w->valid_from.utc_ms)
		return reject(err, "ValidTo '%s' is before ValidFrom '%s'",
			      show(w->valid_to.local, shown),
			      show(w->valid_from.local, shown2));

	for (size_t i = 0; i < w->n_problems; i++) {
		rc = clean_problem(&w->problems[i], i, err);
		if (rc != SK_OK)
			return rc;
	}

	rc = check_child_keys(w, err);
	if (rc != SK_OK)
		return rc;

	/* Validated: normalise. ValidFrom parsed, so its first 10 bytes are
	 * a real date. */
	memcpy(w->valid_date, w->valid_from.local, 10);
	w->valid_date[10] = '\0';
	w->danger_level = level[0] - '0';
	w->not_assessed = w->danger_level == 0;
	/* The warning's own RegionTypeId/Name are unreliable (0/"Ikke gitt"
	 * in RegionSummary answers): the region list decides. */
	w->region_type_id = region->type == 'A' ? 10 : 20;
	rc = replace_str(&w->region_type_name, region->type == 'A' ? "A" : "B",
			 err);
	if (rc == SK_OK && (!w->region_name || !w->region_name[0]))
		rc = replace_str(&w->region_name, region->name, err);
	return rc;
}

sk_err_t sk_proc_map(const char *json, size_t len, struct sk_warning **out,
		     struct sk_error *err)
{
	return sk_proc_map_drift(json, len, out, NULL, err);
}

sk_err_t sk_proc_map_drift(const char *json, size_t len,
			   struct sk_warning **out,
			   struct sk_model_drift *drift, struct sk_error *err)
{
	struct sk_warning *w = NULL;
	sk_err_t rc;
	*out = NULL;
	rc = sk_model_warning_parse_drift(json, len, &w, drift, err);
	if (rc != SK_OK)
		return rc;
	rc = sk_proc_clean(w, err);
	if (rc != SK_OK) {
		sk_warning_free(w);
		return rc;
	}
	*out = w;
	return SK_OK;
}

sk_err_t sk_proc_check_key(const struct sk_warning *w, const char *key,
			   struct sk_error *err)
{
	char want[SK_MODEL_KEY_MAX], shown[SHOW_MAX];
	if (!w)
		return sk_error_set(err, SK_ERR_INVAL, false, "no record");
	snprintf(want, sizeof want, "%d:%d:%s", w->region_id, w->lang_key,
		 w->valid_date);
	if (!key || strcmp(key, want) != 0)
		return reject(err,
			      "message key '%s' does not match the record's "
			      "key '%s'",
			      show(key, shown), want);
	return SK_OK;
}
