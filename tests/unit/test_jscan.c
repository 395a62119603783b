/*
 * test_jscan.c - model/'s JSON scanner (model/jscan.c) and splitter
 * against jansson 2.14, the parser they replaced (tests/jscan_ref.h says
 * what must agree): on hand-picked edge cases, on every input of the fuzz
 * corpora of the JSON parsers (split, warning, record, jscan) and the
 * samples of tests/data/, and on seeded random mutations of those.
 */
#include "cases.h"
#include "jscan_ref.h"
#include "test.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int disagreements;

/* One text: same verdict, same values, same split. */
static void compare(const char *what, const char *text, size_t n)
{
	bool agree = jscan_ref_agree(text, n);
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
		("[{\"Region\\u0049d\":3011,\"LangKey\":2,\"ValidFrom\":"
		 "\"2024-01-0\\u0035T00:00:00\"}]"),
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
	corpus_dir("../fuzz/corpus/jscan", &files);
	printf("%zu files, each with 32 mutations, compared with jansson\n",
	       files);
	CHECK(files > 50);
}

static const struct sk_case cases[] = {
	{"edges", test_edges},
	{"corpora", test_corpora},
};

SK_CASES_MAIN(cases)
