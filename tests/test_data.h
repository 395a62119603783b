/*
 * test_data.h - reading files of tests/data (env SKRED_TEST_DATA, set by
 * CTest) for unit tests that use core.
 */
#ifndef SK_TEST_DATA_H
#define SK_TEST_DATA_H

#include "core/core.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

/* Whole file from the test data directory; NULL (and a failed check) if it
 * cannot be read. Caller frees. */
static inline char *read_data(const char *name, size_t *len)
{
	const char *dir = getenv("SKRED_TEST_DATA");
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", name);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return NULL;
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sk_buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return sk_buf_steal(&b);
}

#endif
