/*
 * fuzz_zblob.c - fuzz target for sqldb's stored-value codec
 * (sk_sqldb_z_decode over any bytes). Invariants abort on violation: a
 * value that is not in the codec's format decodes to itself; one that
 * decodes, encoded again, decodes to the same bytes; a failure is
 * SK_ERR_DB (or SK_ERR_NOMEM), never other bytes.
 */
#include "core/core.h"
#include "sqldb/sqldb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sk_sqldb_z *z;
	struct sk_error err = {0};
	if (!z && sk_sqldb_z_new(&z, &err) != SK_OK)
		abort();
	const char *out;
	size_t n;
	sk_err_t rc = sk_sqldb_z_decode(z, data, size, &out, &n, &err);
	if (rc != SK_OK) {
		if (rc != SK_ERR_DB && rc != SK_ERR_NOMEM)
			abort();
		return 0;
	}
	if (!sk_sqldb_z_is_encoded(data, size) &&
	    (n != size || (size && memcmp(out, data, size) != 0)))
		abort();
	char *copy = malloc(n + 1);
	if (!copy)
		return 0;
	memcpy(copy, out, n);
	size_t cl = n;
	const void *enc;
	size_t el;
	if (sk_sqldb_z_encode(z, copy, cl, &enc, &el, &err) == SK_OK) {
		void *e = malloc(el + 1);
		if (e) {
			memcpy(e, enc, el);
			if (sk_sqldb_z_decode(z, e, el, &out, &n, &err) !=
				    SK_OK ||
			    n != cl || (cl && memcmp(out, copy, cl) != 0))
				abort();
			free(e);
		}
	}
	free(copy);
	return 0;
}
