/*
 * fuzz_record.c - fuzz target for reading a record back from its own JSON
 * (sk_model_warning_from_json, the inverse of sk_model_warning_to_json).
 * Invariants that abort on violation: a failure leaves no record and a
 * reason; a record read back writes JSON that reads back again, and the
 * second round writes the same bytes as the first.
 */
#include "model/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_warning *w = NULL, *back = NULL;
	struct sk_error err = {0};
	char *a = NULL, *b = NULL;

	if (sk_model_warning_from_json((const char *)data, size, &w, &err) !=
	    SK_OK) {
		if (w || err.code == SK_OK || !err.msg[0])
			abort();
		return 0;
	}
	sk_err_t rc = sk_model_warning_to_json(w, &a, &err);
	if (rc != SK_OK) {
		if (rc != SK_ERR_LIMIT && rc != SK_ERR_NOMEM)
			abort();
		goto done;
	}
	rc = sk_model_warning_from_json(a, strlen(a), &back, &err);
	if (rc == SK_ERR_NOMEM)
		goto done;
	if (rc != SK_OK)
		abort();
	rc = sk_model_warning_to_json(back, &b, &err);
	if (rc == SK_ERR_NOMEM)
		goto done;
	if (rc != SK_OK || strcmp(a, b) != 0)
		abort();
done:
	free(a);
	free(b);
	sk_warning_free(w);
	sk_warning_free(back);
	return 0;
}
