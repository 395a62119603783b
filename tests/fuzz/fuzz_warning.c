/*
 * fuzz_warning.c - fuzz target for one warning message: parse + clean
 * (sk_proc_map), then, on success, the record's JSON output and the key
 * check. Invariants that must hold for any input abort on violation: a
 * failure leaves no record and a reason; a cleaned record has a level 0..5
 * and a date; its JSON output is valid JSON. The drift check of the same
 * input (sk_model_warning_drift): it fails exactly when the parser finds no
 * JSON object, every item names a field of a known kind, rows with their
 * table; a record that maps was a JSON object to it too; the drift made
 * from the parser's own scan (sk_proc_map_drift) is the same.
 */
#include "proc/proc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The output must be valid JSON: wrapped in [] it splits into one item. */
static void check_valid_json(const char *json)
{
	struct sk_buf arr = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_raw_item *items = NULL;
	size_t n = 0;
	struct sk_error err = {0};
	if (sk_buf_printf(&arr, "[%s]", json) != SK_OK) {
		sk_buf_free(&arr);
		return;
	}
	sk_err_t rc = sk_model_split_array(arr.data, arr.len, 0, 0, &items, &n,
					   &err);
	if (rc != SK_OK && rc != SK_ERR_NOMEM)
		abort();
	if (rc == SK_OK && n != 1)
		abort();
	sk_model_raw_items_free(items, n);
	sk_buf_free(&arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_warning *w = NULL;
	struct sk_error err = {0};
	char *json = NULL;
	char key[SK_MODEL_KEY_MAX];

	struct sk_model_drift dr;
	struct sk_error derr = {0};
	sk_err_t drc = sk_model_warning_drift((const char *)data, size, &dr,
					      &derr);
	if (drc != SK_OK && (dr.n || !derr.msg[0]))
		abort();
	for (size_t i = 0; i < dr.n; i++) {
		const struct sk_model_drift_item *it = &dr.items[i];
		if (!it->field[0] || it->kind > SK_DRIFT_RETYPED ||
		    (it->kind != SK_DRIFT_UNKNOWN && (!it->f || !it->t)))
			abort();
	}
	/* The one-scan drift (what processing uses) is the same drift. */
	struct sk_model_drift d2;
	sk_err_t mrc = sk_proc_map_drift((const char *)data, size, &w, &d2,
					 &err);
	if (d2.n != (drc == SK_OK ? dr.n : 0) ||
	    (drc == SK_OK &&
	     (d2.detail != dr.detail || d2.truncated != dr.truncated)))
		abort();
	for (size_t i = 0; i < d2.n; i++)
		if (d2.items[i].kind != dr.items[i].kind ||
		    strcmp(d2.items[i].field, dr.items[i].field) != 0 ||
		    d2.items[i].f != dr.items[i].f)
			abort();
	if (mrc != SK_OK) {
		if (w || err.code == SK_OK || !err.msg[0])
			abort();
		return 0;
	}
	if (drc != SK_OK)
		abort(); /* mapped, so it was a JSON object */
	if (w->danger_level < 0 || w->danger_level > 5 ||
	    strlen(w->valid_date) != 10 || !w->valid_from.has_utc ||
	    !w->publish_time.has_utc || !w->region_type_name)
		abort();
	if (sk_model_warning_to_json(w, &json, &err) == SK_OK) {
		check_valid_json(json);
		free(json);
	}
	snprintf(key, sizeof key, "%d:%d:%s", w->region_id, w->lang_key,
		 w->valid_date);
	if (sk_proc_check_key(w, key, &err) != SK_OK)
		abort();
	sk_warning_free(w);
	return 0;
}
