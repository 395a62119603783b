/*
 * test_model_oom.c - allocation failures in model/json.c, jansson's
 * included (it allocates through json.c: json_set_alloc_funcs). Linked with
 * --wrap=malloc,calloc,realloc: the Nth allocation fails, for every N until
 * the whole round (split, parse, to_json, from_json, clean) succeeds.
 * Whenever an allocation failed inside a call, that call must return
 * SK_ERR_NOMEM: not success, and not a parse error (jansson 2.14 reports
 * some of its allocation failures as "invalid token", which would dead-
 * letter a valid warning instead of retrying it), and must not crash or
 * leak (run under ASan; jansson's lexer reads past its token buffer after a
 * dropped allocation failure unless json.c latches it, akheron/jansson#362).
 */
#include "model/model.h"
#include "proc/proc.h"
#include "test.h"
#include "test_data.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long fail_at = -1, calls;
static bool failed; /* an allocation failed since the last check */

static bool fail_now(void)
{
	if (fail_at < 0 || ++calls != fail_at)
		return false;
	failed = true;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

static int bad;

/* rc of a call during which an allocation may have failed: NOMEM if one
 * did, else ok (or, for clean, a validation the sample expects). */
static bool outcome(const char *what, sk_err_t rc, bool may_reject)
{
	bool f = failed;
	failed = false;
	if (f && rc != SK_ERR_NOMEM) {
		fprintf(stderr, "  N=%ld: %s returned %s after a failed "
				"allocation\n",
			fail_at, what, sk_err_name(rc));
		bad++;
	} else if (!f && rc != SK_OK &&
		   !(may_reject && rc == SK_ERR_VALIDATE)) {
		fprintf(stderr, "  N=%ld: %s failed (%s) without a failed "
				"allocation\n",
			fail_at, what, sk_err_name(rc));
		bad++;
	}
	return rc == SK_OK;
}

/* One round over a sample body; true when every call succeeded. */
static bool round_once(const char *body, size_t len)
{
	struct sk_raw_item *items = NULL;
	size_t n = 0;
	struct sk_error err = {0};
	bool all = true;
	failed = false;
	if (!outcome("split", sk_model_split_array(body, len, 0, 0, &items,
						   &n, &err),
		     false))
		return false;
	for (size_t i = 0; i < n; i++) {
		struct sk_warning *w = NULL, *back = NULL;
		char *json = NULL;
		if (!outcome("parse",
			     sk_model_warning_parse(items[i].json,
						    items[i].json_len, &w, &err),
			     false)) {
			all = false;
			continue;
		}
		sk_err_t rc = sk_proc_clean(w, &err);
		if (!outcome("clean", rc, true) && rc != SK_ERR_VALIDATE)
			all = false;
		if (outcome("to_json", sk_model_warning_to_json(w, &json, &err),
			    false)) {
			if (!outcome("from_json",
				     sk_model_warning_from_json(
					     json, strlen(json), &back, &err),
				     false))
				all = false;
		} else {
			all = false;
		}
		free(json);
		sk_warning_free(back);
		sk_warning_free(w);
	}
	sk_model_raw_items_free(items, n);
	return all;
}

static void sweep(const char *file)
{
	size_t len = 0;
	char *body = read_data(file, &len);
	if (!body)
		return;
	fail_at = -1;
	CHECK(round_once(body, len));
	long n;
	for (n = 1; n < 100000; n++) {
		fail_at = n;
		calls = 0;
		if (getenv("SKRED_OOM_TRACE"))
			fprintf(stderr, "%s N=%ld\n", file, n);
		if (round_once(body, len) && calls < n)
			break;
	}
	fail_at = -1;
	printf("%s: every one of %ld allocations failed in turn\n", file,
	       n - 1);
	CHECK(n > 300); /* jansson's allocations are among them */
	free(body);
}

int main(void)
{
	sweep("detail_en.json");
	sweep("simple_nb.json");
	sweep("model_edge.json");
	CHECK_INT(bad, 0);
	TEST_DONE();
}
