/*
 * parse_bench.c - parse-only comparison on the same bytes (issue 12):
 * every warning of FILE (raw warnings, one JSON object per line, as the
 * bus holds them) parsed by jansson, cJSON, json-c and simdjson (DOM),
 * each walking every value it built (so no parser skips work), and by
 * skred's own sk_model_warning_parse (model/'s scanner, parse + map into
 * struct sk_warning + free); the jansson row is what skred parsed with
 * before issue 12 (BENCH_BEFORE in bench/run.sh times the old binary end
 * to end). Then the fetch path's splitter, over the
 * warnings regrouped into their responses (consecutive lines of one region
 * and language, as fetched). Rounds are interleaved (every parser once per
 * round), timed in CPU seconds of this process; the table shows the best
 * and median round. Usage: parse_bench FILE [ROUNDS]   (ROUNDS >= 5).
 * Prints a Markdown table on stdout. Not a test.
 */
#include "model/model.h"
#include "model/model_int.h"

#include <cjson/cJSON.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bench_simdjson_load(const char *const *text, const size_t *len, size_t n);
bool bench_simdjson_parse(size_t i, uint64_t *sum);
const char *bench_simdjson_impl(void);
bool bench_jsonc_parse(const char *text, size_t len, uint64_t *sum);

static const char **doc;
static size_t *doc_len, ndoc, nbytes;
static char **body;
static size_t *body_len, nbody, nbody_items;

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- walkers: every value visited; sum = values + string and key bytes
 * + the low byte of each integer + true booleans + non-zero reals */

static void walk_jansson(const json_t *j, uint64_t *sum)
{
	const char *k;
	json_t *v;
	size_t i;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)j, k, v)
		{
			*sum += strlen(k);
			walk_jansson(v, sum);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v) walk_jansson(v, sum);
		break;
	case JSON_STRING:
		*sum += json_string_length(j);
		break;
	case JSON_INTEGER:
		*sum += (uint64_t)json_integer_value(j) & 0xff;
		break;
	case JSON_REAL:
		*sum += json_real_value(j) != 0.0;
		break;
	case JSON_TRUE:
		*sum += 1;
		break;
	case JSON_FALSE:
	case JSON_NULL:
		break;
	}
	*sum += 1;
}

static bool run_jansson(size_t i, uint64_t *sum)
{
	json_error_t e;
	json_t *j = json_loadb(doc[i], doc_len[i], 0, &e);
	if (!j)
		return false;
	walk_jansson(j, sum);
	json_decref(j);
	return true;
}

static void walk_cjson(const cJSON *j, uint64_t *sum)
{
	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		for (const cJSON *c = j->child; c; c = c->next) {
			if (cJSON_IsObject(j))
				*sum += strlen(c->string);
			walk_cjson(c, sum);
		}
	} else if (cJSON_IsString(j)) {
		*sum += strlen(j->valuestring);
	} else if (cJSON_IsNumber(j)) {
		/* cJSON keeps a double (and an int copy); integers as such */
		double d = j->valuedouble;
		if (d == (double)(int64_t)d)
			*sum += (uint64_t)(int64_t)d & 0xff;
		else
			*sum += d != 0.0;
	} else if (cJSON_IsTrue(j)) {
		*sum += 1;
	}
	*sum += 1;
}

static bool run_cjson(size_t i, uint64_t *sum)
{
	cJSON *j = cJSON_ParseWithLength(doc[i], doc_len[i]);
	if (!j)
		return false;
	walk_cjson(j, sum);
	cJSON_Delete(j);
	return true;
}

static bool run_jsonc(size_t i, uint64_t *sum)
{
	return bench_jsonc_parse(doc[i], doc_len[i], sum);
}

static bool run_simdjson(size_t i, uint64_t *sum)
{
	return bench_simdjson_parse(i, sum);
}

/* model/'s scanner alone (the tape skred's parser maps from), walked:
 * the value at token i; returns the index after it. */
static size_t walk_tape(const struct sk_jscan *d, size_t i, uint64_t *sum,
			char *buf)
{
	const struct sk_jtok *t = &d->tok[i];
	size_t k = i + 1;
	switch (t->type) {
	case SK_JOBJ:
		for (uint32_t m = 0; m < t->n; m++) {
			*sum += sk_model_jstr_decode(d->text, &d->tok[k], buf);
			k = walk_tape(d, k + 1, sum, buf);
		}
		break;
	case SK_JARR:
		for (uint32_t m = 0; m < t->n; m++)
			k = walk_tape(d, k, sum, buf);
		break;
	case SK_JSTR:
		/* decoded, as the other parsers do */
		*sum += sk_model_jstr_decode(d->text, t, buf);
		break;
	case SK_JINT:
		*sum += (uint64_t)t->v.i & 0xff;
		break;
	case SK_JREAL:
		*sum += t->v.d != 0.0;
		break;
	case SK_JTRUE:
		*sum += 1;
		break;
	default:
		break;
	}
	*sum += 1;
	return k;
}

static char *tape_buf;

static bool run_scanner(size_t i, uint64_t *sum)
{
	struct sk_jtok buf[768];
	struct sk_jscan s;
	sk_model_jscan_init(&s, doc[i], doc_len[i], buf, 768);
	bool ok = sk_model_jscan_doc(&s) == SK_OK;
	if (ok)
		walk_tape(&s, 0, sum, tape_buf);
	sk_model_jscan_free(&s);
	return ok;
}

/* skred's parser: the record's members stand in for "every value" (it
 * maps all it keeps, which is what processing needs). */
static void sum_warning(const struct sk_warning *w, uint64_t *sum)
{
	*sum += (uint64_t)w->reg_id + w->n_problems + w->n_advices +
		w->n_weather + (w->main_text ? strlen(w->main_text) : 0);
}

static bool run_skred_new(size_t i, uint64_t *sum)
{
	struct sk_warning *w;
	struct sk_error err;
	if (sk_model_warning_parse(doc[i], doc_len[i], &w, &err) != SK_OK)
		return false;
	sum_warning(w, sum);
	sk_warning_free(w);
	return true;
}

static bool run_split_new(size_t i, uint64_t *sum)
{
	struct sk_raw_item *items;
	size_t n;
	struct sk_error err;
	if (sk_model_split_array(body[i], body_len[i], 0, 0, &items, &n,
				 &err) != SK_OK)
		return false;
	for (size_t k = 0; k < n; k++)
		*sum += items[k].json_len + (unsigned char)items[k].key[0];
	sk_model_raw_items_free(items, n);
	return true;
}

struct contender {
	const char *name, *what;
	bool (*run)(size_t i, uint64_t *sum);
	bool split; /* over the response bodies */
	double *secs;
	uint64_t sum;
	size_t failed;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	*len = n;
	return b;
}

/* The region:lang part of a warning's key ("3011:1"), via the splitter. */
static void region_lang(const char *s, size_t n, char out[32])
{
	struct sk_raw_item *items = NULL;
	size_t k = 0;
	struct sk_error err;
	char *arr = malloc(n + 3);
	out[0] = '\0';
	if (!arr)
		return;
	arr[0] = '[';
	memcpy(arr + 1, s, n);
	arr[n + 1] = ']';
	if (sk_model_split_array(arr, n + 2, 0, 0, &items, &k, &err) == SK_OK &&
	    k == 1) {
		snprintf(out, 32, "%s", items[0].key);
		char *c = strrchr(out, ':');
		if (c)
			*c = '\0';
	}
	sk_model_raw_items_free(items, k);
	free(arr);
}

/* Regroup the warnings into response bodies: a run of consecutive lines
 * of one region and language is one response (as fetched). */
static bool make_bodies(void)
{
	char cur[32] = "", rl[32];
	size_t start = 0;
	body = calloc(ndoc + 1, sizeof *body);
	body_len = calloc(ndoc + 1, sizeof *body_len);
	if (!body || !body_len)
		return false;
	for (size_t i = 0; i <= ndoc; i++) {
		if (i < ndoc)
			region_lang(doc[i], doc_len[i], rl);
		if (i < ndoc && (i == start || strcmp(rl, cur) == 0)) {
			snprintf(cur, sizeof cur, "%s", rl);
			continue;
		}
		size_t total = 2;
		for (size_t k = start; k < i; k++)
			total += doc_len[k] + 1;
		char *b = malloc(total), *o = b;
		if (!b)
			return false;
		*o++ = '[';
		for (size_t k = start; k < i; k++) {
			if (k > start)
				*o++ = ',';
			memcpy(o, doc[k], doc_len[k]);
			o += doc_len[k];
		}
		*o++ = ']';
		body[nbody] = b;
		body_len[nbody++] = (size_t)(o - b);
		start = i;
		snprintf(cur, sizeof cur, "%s", rl);
	}
	nbody_items = ndoc;
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: parse_bench FILE [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (rounds < 5)
		rounds = 5;
	size_t len;
	char *all = read_all(argv[1], &len);
	if (!all) {
		perror(argv[1]);
		return 1;
	}
	size_t cap = 1024;
	doc = malloc(cap * sizeof *doc);
	doc_len = malloc(cap * sizeof *doc_len);
	for (char *p = all, *end = all + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0) {
			if (ndoc == cap) {
				cap *= 2;
				doc = realloc(doc, cap * sizeof *doc);
				doc_len = realloc(doc_len,
						  cap * sizeof *doc_len);
			}
			doc[ndoc] = p;
			doc_len[ndoc++] = n;
			nbytes += n;
		}
		p += n + 1;
	}
	if (!ndoc || !make_bodies()) {
		fprintf(stderr, "parse_bench: no warnings in %s\n", argv[1]);
		return 1;
	}
	bench_simdjson_load(doc, doc_len, ndoc);
	size_t maxlen = 0;
	for (size_t i = 0; i < ndoc; i++)
		maxlen = doc_len[i] > maxlen ? doc_len[i] : maxlen;
	tape_buf = malloc(maxlen + 1);

	struct contender c[] = {
		{.name = "jansson 2.14", .what = "tree (json_loadb), walk, free", .run = run_jansson},
		{.name = "cJSON", .what = "tree (cJSON_ParseWithLength), walk, free", .run = run_cjson},
		{.name = "json-c", .what = "tree (json_tokener_parse_ex), walk, put", .run = run_jsonc},
		{.name = "simdjson (DOM)", .what = "tape (dom::parser reused), walk", .run = run_simdjson},
		{.name = "model/ scanner (skred, C)",
		 .what = "tape (jscan.c, on the stack), walk",
		 .run = run_scanner},
		{.name = "sk_model_warning_parse", .what = "model/ scanner tape + map into struct sk_warning + free", .run = run_skred_new},
		{.name = "sk_model_split_array", .what = "response bodies: validating scan, 3 keys, no tree", .run = run_split_new, .split = true},
	};
	size_t nc = sizeof c / sizeof c[0];
	for (size_t k = 0; k < nc; k++)
		c[k].secs = calloc((size_t)rounds, sizeof(double));
	for (int r = 0; r < rounds; r++) {
		for (size_t k = 0; k < nc; k++) {
			uint64_t sum = 0;
			size_t failed = 0, n = c[k].split ? nbody : ndoc;
			double t0 = cpu_now();
			for (size_t i = 0; i < n; i++)
				failed += !c[k].run(i, &sum);
			c[k].secs[r] = cpu_now() - t0;
			c[k].sum = sum;
			c[k].failed = failed;
		}
	}
	double mb = (double)nbytes / 1e6;
	printf("parse-only: %zu warnings, %.1f MB of JSON (%zu response "
	       "bodies for the splitter), %d interleaved rounds, CPU seconds "
	       "of one thread; simdjson kernel: %s\n\n",
	       ndoc, mb, nbody, rounds, bench_simdjson_impl());
	printf("| parser | work per warning | warnings/s per CPU-s (best) | "
	       "(median) | MB/s (best) | best s | median s | check |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---|\n");
	for (size_t k = 0; k < nc; k++) {
		qsort(c[k].secs, (size_t)rounds, sizeof(double), cmp_double);
		double best = c[k].secs[0], med = c[k].secs[rounds / 2];
		char check[64];
		if (c[k].failed)
			snprintf(check, sizeof check, "%zu rejected",
				 c[k].failed);
		else
			snprintf(check, sizeof check, "%llx",
				 (unsigned long long)c[k].sum);
		printf("| %s | %s | %.0f | %.0f | %.1f | %.3f | %.3f | %s |\n",
		       c[k].name, c[k].what, (double)ndoc / best,
		       (double)ndoc / med, mb / best, best, med, check);
	}
	for (size_t k = 0; k < nc; k++)
		free(c[k].secs);
	return 0;
}
