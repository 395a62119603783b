/*
 * fuzz_avro.c - fuzz target for the readers of bus.format=avro: the input
 * as a Confluent-framed Avro clean record (sk_model_warning_from_avro with
 * the generated schema) and as a schema registry's answer
 * (sk_model_json_member, sk_model_json_array). Invariants: a failure leaves no record and a
 * reason; a record read back encodes again, and that encoding reads back to
 * the same JSON.
 */
#include "model/model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_error err = {0};
	struct sk_model_avro *enc = NULL;
	struct sk_buf s = SK_BUF_INIT(SK_LIMIT_TEXT);
	if (sk_model_schema_avro(SK_SCHEMA_CLEAN, &s) != SK_OK ||
	    sk_model_avro_new(s.data, &enc, &err) != SK_OK)
		abort();
	sk_buf_free(&s);
	struct sk_warning *w = NULL;
	sk_err_t rc = sk_model_warning_from_avro(enc, data, size, &w, &err);
	if (rc != SK_OK && (w || !err.msg[0]))
		abort();
	if (rc == SK_OK) {
		char *j1 = NULL, *j2 = NULL;
		struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
		struct sk_warning *w2 = NULL;
		if (sk_model_warning_to_avro(enc, 1, w, &b, &err) == SK_OK) {
			if (sk_model_warning_from_avro(enc, b.data, b.len, &w2,
						       &err) != SK_OK)
				abort();
			if (sk_model_warning_to_json(w, &j1, &err) == SK_OK &&
			    sk_model_warning_to_json(w2, &j2, &err) == SK_OK &&
			    strcmp(j1, j2))
				abort();
		}
		free(j1);
		free(j2);
		sk_warning_free(w2);
		sk_buf_free(&b);
		sk_warning_free(w);
	}
	sk_model_avro_free(enc);
	struct sk_json_member m;
	if (sk_model_json_member((const char *)data, size, "id", &m, &err) ==
	    SK_OK)
		free(m.s);
	/* A registry's lists (subjects, versions): on failure nothing. */
	struct sk_json_member *a = NULL;
	size_t n = 0;
	sk_err_t arc = sk_model_json_array((const char *)data, size, &a, &n,
					   &err);
	if (arc != SK_OK && (a || n))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!a[i].present || (a[i].type == SK_JSON_STRING && !a[i].s))
			abort();
	sk_model_json_array_free(a, n);
	return 0;
}
