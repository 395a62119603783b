/*
 * fuzz_split.c - fuzz target for cutting a response body into warning
 * messages (sk_model_split_array). Invariants abort on violation: failure
 * leaves no items; every item is NUL-terminated with the right length and a
 * short key; re-splitting an item's JSON gives it back unchanged. Each item
 * is also run through the warning parser, and the items through the check
 * against their request (sk_model_items_check).
 */
#include "model/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_item(const struct sk_raw_item *it)
{
	struct sk_buf arr = SK_BUF_INIT(SK_LIMIT_TEXT);
	struct sk_raw_item *again = NULL;
	size_t n = 0;
	struct sk_error err = {0};
	struct sk_warning *w = NULL;

	if (strlen(it->json) != it->json_len ||
	    strnlen(it->key, SK_MODEL_KEY_MAX) >= SK_MODEL_KEY_MAX)
		abort();
	if (sk_buf_printf(&arr, "[%s]", it->json) == SK_OK &&
	    sk_model_split_array(arr.data, arr.len, 0, 0, &again, &n, &err) ==
		    SK_OK) {
		if (n != 1 || strcmp(again[0].json, it->json) != 0)
			abort();
	}
	sk_model_raw_items_free(again, n);
	sk_buf_free(&arr);

	if (sk_model_warning_parse(it->json, it->json_len, &w, &err) == SK_OK)
		sk_warning_free(w);
	else if (w)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_raw_item *items = NULL;
	size_t n = 0;
	struct sk_error err = {0};

	if (sk_model_split_array((const char *)data, size, 3011, 1, &items, &n,
				 &err) != SK_OK) {
		if (items || n || !err.msg[0])
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		check_item(&items[i]);
	/* Checking against a request marks exactly the count it returns,
	 * each with its sentence. */
	struct sk_date from = {2024, 2, 1}, to = {2024, 2, 5};
	size_t bad = sk_model_items_check(items, n, 3011, 1, &from, &to);
	size_t marked = 0;
	for (size_t i = 0; bad != (size_t)-1 && i < n; i++) {
		if (items[i].reject && !items[i].reject_why[0])
			abort();
		marked += items[i].reject != NULL;
	}
	if (bad != (size_t)-1 && bad != marked)
		abort();
	sk_model_raw_items_free(items, n);
	return 0;
}
