/*
 * test_jscan.c - model/'s JSON scanner (model/jscan.c) against jansson
 * 2.14, the parser it replaced: on hand-picked edge cases, on every input
 * of the fuzz corpora of the JSON parsers (split, warning, record) and the
 * samples of tests/data/, and on seeded random mutations of those, both
 * must agree on whether a text is JSON; where it is, on every value (type,
 * integer, real, decoded string, object member); and the response splitter
 * must give what the jansson-based one gave: as many items, each item's
 * bytes the element jansson parsed, and the same key.
 */
#include "cases.h"
#include "model/model.h"
#include "model/model_int.h"
#include "test.h"

#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the reference: jansson, as model/ used it */

static json_t *ref_load(const char *s, size_t n)
{
	json_error_t e;
	if (memchr(s, '\0', n))
		return NULL;
	return json_loadb(s, n, JSON_DECODE_ANY, &e);
}

/* The key the splitter built with jansson (expectations 0: "?"). */
static void ref_key(const json_t *el, char key[SK_MODEL_KEY_MAX])
{
	char region[24] = "?", lang[24] = "?", date[11] = "?";
	const json_t *v = json_object_get(el, "RegionId");
	if (json_is_integer(v))
		snprintf(region, sizeof region, "%lld",
			 (long long)json_integer_value(v));
	v = json_object_get(el, "LangKey");
	if (json_is_integer(v))
		snprintf(lang, sizeof lang, "%lld",
			 (long long)json_integer_value(v));
	v = json_object_get(el, "ValidFrom");
	if (json_is_string(v) && json_string_length(v) >= 10) {
		struct sk_date d;
		memcpy(date, json_string_value(v), 10);
		date[10] = '\0';
		if (sk_date_parse(date, &d) != SK_OK)
			snprintf(date, sizeof date, "?");
	}
	snprintf(key, SK_MODEL_KEY_MAX, "%s:%s:%s", region, lang, date);
}

/* ---- comparing a tape with a jansson tree */

static bool has_dup_keys(const struct sk_jscan *s, size_t obj)
{
	/* jansson keeps the last of duplicate keys: compare only objects
	 * without duplicates value by value */
	size_t k = obj + 1;
	char a[4096], b[4096];
	for (uint32_t i = 0; i < s->tok[obj].n; i++) {
		if (s->tok[k].n >= sizeof a)
			return true;
		sk_model_jstr_decode(s->text, &s->tok[k], a);
		size_t k2 = s->tok[k + 1].end;
		for (uint32_t j = i + 1; j < s->tok[obj].n; j++) {
			if (s->tok[k2].n < sizeof b) {
				sk_model_jstr_decode(s->text, &s->tok[k2], b);
				if (strcmp(a, b) == 0)
					return true;
			}
			k2 = s->tok[k2 + 1].end;
		}
		k = s->tok[k + 1].end;
	}
	return false;
}

/* Token i equals j; returns false (and says where) when not. */
static bool same(const struct sk_jscan *s, size_t i, const json_t *j)
{
	const struct sk_jtok *t = &s->tok[i];
	char *buf;
	bool ok;
	switch (t->type) {
	case SK_JNULL:
		return json_is_null(j);
	case SK_JTRUE:
		return json_is_true(j);
	case SK_JFALSE:
		return json_is_false(j);
	case SK_JINT:
		return json_is_integer(j) && json_integer_value(j) == t->v.i;
	case SK_JREAL:
		return json_is_real(j) && json_real_value(j) == t->v.d;
	case SK_JSTR:
		if (!json_is_string(j))
			return false;
		buf = malloc((size_t)t->n + 1);
		if (!buf)
			return false;
		size_t n = sk_model_jstr_decode(s->text, t, buf);
		ok = n == json_string_length(j) &&
		     memcmp(buf, json_string_value(j), n) == 0;
		free(buf);
		return ok;
	case SK_JARR: {
		if (!json_is_array(j) || json_array_size(j) != t->n)
			return false;
		size_t k = i + 1;
		for (uint32_t e = 0; e < t->n; e++, k = s->tok[k].end)
			if (!same(s, k, json_array_get(j, e)))
				return false;
		return true;
	}
	case SK_JOBJ: {
		if (!json_is_object(j))
			return false;
		if (has_dup_keys(s, i))
			return true;
		if (json_object_size(j) != t->n)
			return false;
		size_t k = i + 1;
		for (uint32_t m = 0; m < t->n; m++) {
			buf = malloc((size_t)s->tok[k].n + 1);
			if (!buf)
				return false;
			size_t n = sk_model_jstr_decode(s->text, &s->tok[k],
							buf);
			const json_t *v = json_object_getn(j, buf, n);
			free(buf);
			if (!v || !same(s, k + 1, v))
				return false;
			k = s->tok[k + 1].end;
		}
		return true;
	}
	}
	return false;
}

static int disagreements;

/* One text: same verdict, same values, same split. */
static void compare(const char *what, const char *text, size_t n)
{
	json_t *ref = ref_load(text, n);
	struct sk_jscan s;
	sk_model_jscan_init(&s, text, n, NULL, 0);
	/* the tape goes to the heap from the first token */
	sk_err_t rc = memchr(text, '\0', n) ? SK_ERR_PARSE
					    : sk_model_jscan_doc(&s);
	bool agree = (ref != NULL) == (rc == SK_OK);
	sk_model_jscan_free(&s);
	struct sk_jtok small[4];
	sk_model_jscan_init(&s, text, n, small, 4);
	if (agree && ref) {
		rc = sk_model_jscan_doc(&s);
		agree = rc == SK_OK && same(&s, 0, ref);
	}
	sk_model_jscan_free(&s);

	struct sk_raw_item *items = NULL;
	size_t ni = 0;
	struct sk_error err = {0};
	rc = sk_model_split_array(text, n, 0, 0, &items, &ni, &err);
	if (agree) {
		bool want_ok = json_is_array(ref);
		agree = (rc == SK_OK) == want_ok &&
			(rc != SK_OK || ni == json_array_size(ref));
		for (size_t i = 0; agree && i < ni; i++) {
			char key[SK_MODEL_KEY_MAX];
			const json_t *el = json_array_get(ref, i);
			json_t *back = ref_load(items[i].json,
						items[i].json_len);
			ref_key(el, key);
			agree = back && json_equal(back, el) &&
				strcmp(key, items[i].key) == 0;
			json_decref(back);
		}
		if (rc != SK_OK)
			agree = agree && err.code == SK_ERR_PARSE &&
				err.retriable &&
				strstr(err.msg, ref ? "expected an array"
						    : "not valid JSON");
	}
	sk_model_raw_items_free(items, ni);
	json_decref(ref);
	CHECK(agree);
	if (!agree && disagreements++ < 10)
		fprintf(stderr, "  %s: %.*s\n", what, n > 200 ? 200 : (int)n,
			text);
}

static void test_edges(void)
{
	static const char *const cases[] = {
		"0",
		"-0",
		"1",
		"-1",
		"01",
		"-01",
		"1.",
		".5",
		"1e",
		"1e+",
		"-",
		"+1",
		"1.5e3",
		"1E-2",
		"1e400",
		"-1e400",
		"1e-400",
		"9223372036854775807",
		"9223372036854775808",
		"-9223372036854775808",
		"-9223372036854775809",
		"123456789012345678901234567890",
		"1.0",
		"[1.5.3]",
		"[1x]",
		"true",
		"false",
		"null",
		"tru",
		"nulll",
		"True",
		"[true1]",
		"\"\"",
		"\"a\"",
		"\"\\u0041\"",
		"\"\\u0000\"",
		"\"\\ud800\"",
		"\"\\ud800\\udc00\"",
		"\"\\udc00\"",
		"\"\\ud800x\"",
		"\"\\ud800\\u0041\"",
		"\"\\uDBFF\\uDFFF\"",
		"\"\\u00e6\"",
		"\"\\/\\b\\f\\n\\r\\t\\\\\\\"\"",
		"\"\\x\"",
		"\"\\u12\"",
		"\"\\u12G4\"",
		"\"\t\"",
		"\"\x7f\"",
		"\"\xc3\xa6\"",
		"\"\xc0\x80\"",
		"\"\xc3\"",
		"\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"",
		"\"\xf0\x9f\x98\x80\"",
		"\"\xff\"",
		"\"\xe2\x82\"",
		"\"abc",
		"\xc3\xa6",
		"[",
		"]",
		"{",
		"}",
		"[]",
		"{}",
		" [ ] ",
		"\n[\r\n]\t",
		"[] x",
		"[1,]",
		"[,1]",
		"[1,,2]",
		"{,}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{\"a\" 1}",
		"{1:2}",
		"{\"a\":1 \"b\":2}",
		"{\"a\":1}",
		"[\f]",
		"\f1",
		"{\"\\u0000\":1}",
		"{\"a\":1,\"a\":2}",
		"[{\"RegionId\":3011,\"RegionId\":3012}]",
		"[{\"Region\\u0049d\":3011,\"LangKey\":2,\"ValidFrom\":"
		"\"2024-01-0\\u0035T00:00:00\"}]",
		"[{\"ValidFrom\":\"\\u00e6024-01-05\"}]",
		"[{\"ValidFrom\":\"2024-01-05\"},{\"ValidFrom\":\"2024-1\"}]",
		"[{\"RegionId\":-9223372036854775808,\"LangKey\":1e2}]",
		"[1, \"x\", null, [], {}, [[]]]",
		"",
		" ",
		"[\"a\" , 1 ]",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		compare("edge", cases[i], strlen(cases[i]));
	/* Depth: jansson's own limit (2048 levels) and beyond. */
	static char deep[2 * 2100 + 8];
	int levels[] = {2047, 2048, 2049, 2100};
	for (size_t k = 0; k < 4; k++) {
		int l = levels[k];
		memset(deep, '[', (size_t)l);
		memset(deep + l, ']', (size_t)l);
		compare("deep", deep, 2 * (size_t)l);
		deep[l - 1] = '1'; /* a scalar at level l */
		memset(deep + l, ']', (size_t)l - 1);
		compare("deep scalar", deep, 2 * (size_t)l - 1);
	}
}

/* Every file of one directory, and seeded mutations of each. */
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate_and_compare(const char *text, size_t n)
{
	static const char pick[] = "{}[]\",:\\u0123456789.-+eEtrufalsn \n\t"
				   "\x80\xc3\xa6\xed\xff";
	char *m = malloc(n + 8);
	if (!m)
		return;
	for (int round = 0; round < 32; round++) {
		memcpy(m, text, n);
		size_t len = n;
		int edits = 1 + (int)(next_rand() % 3);
		for (int e = 0; e < edits && len; e++) {
			size_t at = next_rand() % len;
			int op = (int)(next_rand() % 3);
			char c = pick[next_rand() % (sizeof pick - 1)];
			if (op == 0) {
				m[at] = c;
			} else if (op == 1) {
				memmove(m + at, m + at + 1, len - at - 1);
				len--;
			} else if (len < n + 7) {
				memmove(m + at + 1, m + at, len - at);
				m[at] = c;
				len++;
			}
		}
		compare("mutation", m, len);
	}
	free(m);
}

static void corpus_dir(const char *sub, size_t *files)
{
	const char *src = getenv("SKRED_TEST_DATA");
	char dir[1024], path[2048];
	snprintf(dir, sizeof dir, "%s/%s", src ? src : "tests/data", sub);
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			sk_buf_append(&b, chunk, n);
		fclose(f);
		if (b.data) {
			compare(de->d_name, b.data, b.len);
			mutate_and_compare(b.data, b.len);
			(*files)++;
		}
		sk_buf_free(&b);
	}
	closedir(d);
}

static void test_corpora(void)
{
	size_t files = 0;
	corpus_dir(".", &files);
	corpus_dir("../fuzz/corpus/split", &files);
	corpus_dir("../fuzz/corpus/warning", &files);
	corpus_dir("../fuzz/corpus/record", &files);
	printf("%zu files, each with 32 mutations, compared with jansson\n",
	       files);
	CHECK(files > 50);
}

static const struct sk_case cases[] = {
	{"edges", test_edges},
	{"corpora", test_corpora},
};

SK_CASES_MAIN(cases)
