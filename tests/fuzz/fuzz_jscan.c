/*
 * fuzz_jscan.c - differential fuzz target for model/'s JSON scanner and
 * the response splitter built on it: any input on which they disagree
 * with jansson 2.14, the parser they replaced (tests/jscan_ref.h: the
 * verdict, the values, the split items and keys), aborts. The corpus
 * (tests/fuzz/corpus/jscan/) holds the edge cases of numbers, escapes,
 * surrogates, UTF-8, nesting and structure.
 */
#include "jscan_ref.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!jscan_ref_agree((const char *)data, size))
		abort();
	return 0;
}
