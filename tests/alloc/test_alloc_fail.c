/*
 * test_alloc_fail.c - allocation-failure injection for the parsers.
 *
 * Linked with -Wl,--wrap=malloc,calloc,realloc,free,strdup,strndup
 * (cmake/tests.cmake), so every allocation made by skred's own objects goes
 * through the counting allocator below; __real_malloc is libc's (or ASan's
 * interceptor). model/ parses JSON with its own scanner (model/jscan.c),
 * so those allocations are skred's too. For each parser and each input of its fuzz corpus
 * (tests/fuzz/corpus/<name>/), and for the warning's whole round (split,
 * parse, clean, to_json, from_json) over the response samples of
 * tests/data/, the parse and its cleanup run once to count the allocations,
 * then again with the Nth allocation failing, for N = 1, 2, ... until a run
 * sees no injected failure. Each run must
 *   - not crash (ASan/UBSan in the sanitizer suite),
 *   - report the failure from the call in which it happened: SK_ERR_NOMEM
 *     (or, for an input that is invalid anyway, the error it gets without
 *     injection) with a message, never success with data missing, never
 *     another error (jansson 2.14 reports some of its allocation failures as
 *     "invalid token": a valid warning dead-lettered instead of retried);
 *     the calls after it do what they do without injection,
 *   - leak nothing: the blocks live after the cleanup call are the blocks
 *     live before the parse.
 * A parser that allocates nothing is reported as such (0 allocations) and
 * still checked once.
 */
#include "cases.h"
#include "core/core.h"
#include "cql/cql_int.h"
#include "model/model.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "source/source.h"
#include "web/web_int.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the counting allocator ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* The blocks handed out by the wrappers (a chained hash set), so a free of
 * memory libc allocated itself is passed through without being counted. */
struct blk {
	void *p;
	struct blk *next;
};
#define NBUCKETS 65536
static struct blk *blocks[NBUCKETS];
/* volatile: glibc declares malloc and free "leaf" (never calling back into
 * this file), so without it gcc keeps these in registers across the calls
 * that __wrap_* make change them. */
static volatile size_t live;   /* blocks in the set */
static volatile long calls;    /* allocation calls since arm() */
static volatile long fail_at;  /* this call fails; 0 = none */
static volatile bool injected; /* the failure happened */

static size_t bucket(const void *p)
{
	uintptr_t v = (uintptr_t)p >> 4;
	return (size_t)((v ^ (v >> 16)) & (NBUCKETS - 1));
}

static void track(void *p)
{
	struct blk *b = __real_malloc(sizeof *b);
	if (!b)
		abort();
	b->p = p;
	b->next = blocks[bucket(p)];
	blocks[bucket(p)] = b;
	live++;
}

static bool untrack(void *p)
{
	for (struct blk **b = &blocks[bucket(p)]; *b; b = &(*b)->next)
		if ((*b)->p == p) {
			struct blk *dead = *b;
			*b = dead->next;
			__real_free(dead);
			live--;
			return true;
		}
	return false;
}

/* Count one allocation call; false when it is the one to fail. */
static bool may_allocate(void)
{
	calls++;
	if (fail_at && calls == fail_at) {
		injected = true;
		return false;
	}
	return true;
}

void *__wrap_malloc(size_t n)
{
	if (!may_allocate())
		return NULL;
	void *p = __real_malloc(n);
	if (p)
		track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (!may_allocate())
		return NULL;
	void *p = __real_calloc(n, size);
	if (p)
		track(p);
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	if (!may_allocate())
		return NULL; /* p stays valid and owned by the caller */
	void *q = __real_realloc(p, n);
	if (q || n == 0) {
		if (p)
			untrack(p);
		if (q)
			track(q);
	}
	return q;
}

void __wrap_free(void *p)
{
	if (p)
		untrack(p);
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	if (!may_allocate())
		return NULL;
	char *p = __real_strdup(s);
	if (p)
		track(p);
	return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
	if (!may_allocate())
		return NULL;
	char *p = __real_strndup(s, n);
	if (p)
		track(p);
	return p;
}

static void arm(long n)
{
	calls = 0;
	fail_at = n;
	injected = false;
}

/* ---- the parsers, each as: input -> sk_err_t, message in msg ---- */

/* An error that left a result behind (not an sk_err_t the code returns). */
#define LEFT_BEHIND ((sk_err_t)SK_ERR__COUNT)

typedef sk_err_t (*parse_fn)(const uint8_t *d, size_t n, char *msg,
			     size_t size);

static void set_msg(char *msg, size_t size, const struct sk_error *err)
{
	snprintf(msg, size, "%s", err->msg);
}

/* model/json.c: a response body split into items. */
static sk_err_t parse_split(const uint8_t *d, size_t n, char *msg, size_t size)
{
	struct sk_raw_item *items = NULL;
	size_t k = 0;
	struct sk_error err = {0};
	sk_err_t rc = sk_model_split_array((const char *)d, n, 3011, 1, &items,
					   &k, &err);
	set_msg(msg, size, &err);
	if (rc != SK_OK && (items || k))
		return LEFT_BEHIND; /* an error must leave nothing */
	sk_model_raw_items_free(items, k);
	return rc;
}

/* A parser made of several calls (the warning's round) checks each call:
 * the call in which the injected failure happened must itself report it
 * (SK_ERR_NOMEM, or the error the input gets anyway), never succeed, and a
 * later call, which saw no failure of its own, must do what it does without
 * injection: a failure must not leak into the next record's parse (json.c's
 * latch is per parse). The first wrong call is the run's result, named in
 * msg; these two outcomes are pseudo codes beside LEFT_BEHIND. */
#define SWALLOWED ((sk_err_t)(SK_ERR__COUNT + 1))
#define STALE ((sk_err_t)(SK_ERR__COUNT + 2))

static bool pseudo(sk_err_t rc)
{
	return rc >= SK_ERR__COUNT;
}

static const char *rc_name(sk_err_t rc)
{
	if (rc == LEFT_BEHIND)
		return "an error with a result left behind";
	if (rc == SWALLOWED)
		return "a call that succeeded although its allocation failed";
	if (rc == STALE)
		return "a failure after the injected one";
	return sk_err_name(rc);
}

struct calls {
	sk_err_t rc; /* the first failure (or wrong call), SK_OK while none */
	char *msg;
	size_t size;
};

/* One call's result; was is `injected` before the call, may_reject allows
 * SK_ERR_VALIDATE (sk_proc_clean's rejection, a result, not a failure).
 * True when the call gave its result. */
static bool call_done(struct calls *c, const char *call, bool was, sk_err_t rc,
		      const struct sk_error *err, bool may_reject)
{
	bool mine = injected && !was;
	bool ok = rc == SK_OK || (may_reject && rc == SK_ERR_VALIDATE);
	sk_err_t got = rc;
	if (ok && mine)
		got = SWALLOWED;
	else if (!ok && was)
		got = STALE;
	else if (ok)
		return true;
	if (c->rc == SK_OK || (pseudo(got) && !pseudo(c->rc))) {
		c->rc = got;
		if (got == SWALLOWED)
			snprintf(c->msg, c->size, "%s succeeded", call);
		else if (got == STALE)
			snprintf(c->msg, c->size,
				 "%s failed afterwards: %s (%s)", call,
				 sk_err_name(rc), err->msg);
		else if (err->msg[0])
			snprintf(c->msg, c->size, "%s: %s", call, err->msg);
		else
			c->msg[0] = '\0'; /* no message: the driver says so */
	}
	return ok;
}

/* model/json.c + proc/clean.c: one warning parsed, cleaned, written as
 * JSON, read back (the round a record makes through proc and the store). */
static void warning_round(struct calls *c, const char *json, size_t len)
{
	struct sk_warning *w = NULL, *back = NULL;
	struct sk_error err = {0};
	char *out = NULL;
	bool was = injected;
	sk_err_t rc = sk_model_warning_parse(json, len, &w, &err);
	if (!call_done(c, "parse", was, rc, &err, false)) {
		if (w && !pseudo(c->rc))
			c->rc = LEFT_BEHIND;
		goto done;
	}
	was = injected;
	rc = sk_proc_clean(w, &err);
	call_done(c, "clean", was, rc, &err, true);
	if (rc != SK_OK && rc != SK_ERR_VALIDATE)
		goto done;
	was = injected;
	rc = sk_model_warning_to_json(w, &out, &err);
	if (!call_done(c, "to_json", was, rc, &err, false))
		goto done;
	was = injected;
	rc = sk_model_warning_from_json(out, strlen(out), &back, &err);
	if (!call_done(c, "from_json", was, rc, &err, false) && back &&
	    !pseudo(c->rc))
		c->rc = LEFT_BEHIND;
done:
	free(out);
	sk_warning_free(back);
	sk_warning_free(w);
}

static sk_err_t parse_warning(const uint8_t *d, size_t n, char *msg,
			      size_t size)
{
	struct calls c = {SK_OK, msg, size};
	msg[0] = '\0';
	warning_round(&c, (const char *)d, n);
	return c.rc;
}

/* A response body (tests/data/): split, then each item's warning round;
 * after a failed call the remaining items still go round. */
static sk_err_t parse_body(const uint8_t *d, size_t n, char *msg, size_t size)
{
	struct calls c = {SK_OK, msg, size};
	struct sk_raw_item *items = NULL;
	size_t k = 0;
	struct sk_error err = {0};
	msg[0] = '\0';
	bool was = injected;
	sk_err_t rc = sk_model_split_array((const char *)d, n, 0, 0, &items, &k,
					   &err);
	if (call_done(&c, "split", was, rc, &err, false))
		for (size_t i = 0; i < k; i++)
			warning_round(&c, items[i].json, items[i].json_len);
	else if (items || k)
		c.rc = LEFT_BEHIND;
	sk_model_raw_items_free(items, k);
	return c.rc;
}

/* model/json.c: a record read back from its JSON, written, read again. */
static sk_err_t parse_record(const uint8_t *d, size_t n, char *msg, size_t size)
{
	struct calls c = {SK_OK, msg, size};
	struct sk_warning *w = NULL, *back = NULL;
	struct sk_error err = {0};
	char *out = NULL;
	msg[0] = '\0';
	bool was = injected;
	sk_err_t rc = sk_model_warning_from_json((const char *)d, n, &w, &err);
	if (!call_done(&c, "from_json", was, rc, &err, false)) {
		if (w && !pseudo(c.rc))
			c.rc = LEFT_BEHIND;
		goto done;
	}
	was = injected;
	rc = sk_model_warning_to_json(w, &out, &err);
	if (!call_done(&c, "to_json", was, rc, &err, false))
		goto done;
	was = injected;
	rc = sk_model_warning_from_json(out, strlen(out), &back, &err);
	if (!call_done(&c, "from_json again", was, rc, &err, false) && back &&
	    !pseudo(c.rc))
		c.rc = LEFT_BEHIND;
done:
	free(out);
	sk_warning_free(back);
	sk_warning_free(w);
	return c.rc;
}

/* cql/frame.c + value.c: a response frame decoded as its opcode says. */
static sk_err_t decode_frame(const struct sk_cql_header *h, const uint8_t *body,
			     size_t len, char *msg, size_t size)
{
	struct sk_cql_response r;
	struct sk_error err = {0};
	sk_err_t rc = sk_cql_response_decode(h, body, len, &r, &err);
	set_msg(msg, size, &err);
	if (rc != SK_OK)
		return r.arena || r.result || r.error ? LEFT_BEHIND : rc;
	sk_cql_response_clear(&r);
	return rc;
}

static sk_err_t parse_cql_frame(const uint8_t *d, size_t n, char *msg,
				size_t size)
{
	struct sk_cql_header h;
	struct sk_error err = {0};
	sk_err_t rc = sk_cql_header_decode(d, n, 1u << 20, &h, &err);
	if (rc != SK_OK) {
		set_msg(msg, size, &err);
		return rc;
	}
	size_t len = n - SK_CQL_HEADER_LEN;
	return decode_frame(&h, d + SK_CQL_HEADER_LEN,
			    h.length < len ? h.length : len, msg, size);
}

/* cql/frame.c + value.c: a RESULT Rows body (the corpus omits the kind). */
static sk_err_t parse_cql_rows(const uint8_t *d, size_t n, char *msg,
			       size_t size)
{
	static uint8_t body[1 << 17];
	if (n + 4 > sizeof body)
		return SK_ERR_LIMIT;
	memcpy(body, "\x00\x00\x00\x02", 4);
	memcpy(body + 4, d, n);
	struct sk_cql_header h = {SK_CQL_VERSION_RESP, 0, 0, SK_CQL_OP_RESULT,
				  (uint32_t)(n + 4)};
	return decode_frame(&h, body, n + 4, msg, size);
}

/* web/request.c: request line parsed, then routed. */
static sk_err_t parse_http_request(const uint8_t *d, size_t n, char *msg,
				   size_t size)
{
	static struct sk_web_req req;
	static char line[2 * SK_WEB_MAX_URI + 1];
	struct sk_web_call call = {0};
	struct sk_date today = {2024, 1, 10};
	if (n >= sizeof line)
		return SK_ERR_LIMIT;
	memcpy(line, d, n);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	char *sp = strchr(line, ' ');
	const char *method = "GET", *target = line;
	if (sp) {
		*sp = '\0';
		method = line;
		target = sp + 1;
	}
	msg[0] = '\0';
	if (sk_web_req_parse(&req, method, target, msg, size))
		return SK_ERR_INVAL;
	unsigned code = sk_web_route(&req, today, &call, msg, size);
	sk_web_call_clear(&call);
	if (!code)
		return SK_OK;
	/* An allocation failure comes back as a refusal naming it. */
	return strstr(msg, "out of memory") ? SK_ERR_NOMEM : SK_ERR_INVAL;
}

/* sched/cron.c */
static sk_err_t parse_cron(const uint8_t *d, size_t n, char *msg, size_t size)
{
	char expr[SK_CRON_MAX_LEN + 2];
	struct sk_cron c;
	struct sk_error err = {0};
	if (n > SK_CRON_MAX_LEN + 1)
		n = SK_CRON_MAX_LEN + 1;
	memcpy(expr, d, n);
	expr[n] = '\0';
	sk_err_t rc = sk_cron_parse(expr, &c, &err);
	set_msg(msg, size, &err);
	return rc;
}

/* core/tz.c: a TZif file. */
static sk_err_t parse_tzif(const uint8_t *d, size_t n, char *msg, size_t size)
{
	struct sk_tz *tz = NULL;
	struct sk_error err = {0};
	sk_err_t rc = sk_tz_parse(d, n, "alloc", &tz, &err);
	set_msg(msg, size, &err);
	if (rc != SK_OK)
		return tz ? LEFT_BEHIND : rc;
	sk_tz_free(tz);
	return rc;
}

/* source/http.c and core/time.c: Retry-After and the HTTP date. */
static sk_err_t parse_retry_after(const uint8_t *d, size_t n, char *msg,
				  size_t size)
{
	int64_t t;
	(void)sk_http_retry_after_ms((const char *)d, n, 1704067200000LL);
	sk_err_t rc = sk_http_date_parse((const char *)d, n, &t);
	snprintf(msg, size, "not an HTTP date");
	return rc;
}

/* core/redact.c: scrubbing text; without memory for its scratch copy it
 * withholds the whole message (documented), which is the error here. */
static sk_err_t parse_redact(const uint8_t *d, size_t n, char *msg, size_t size)
{
	static char in[4097], out[2 * 4096 + 16];
	if (n > 4096)
		n = 4096;
	memcpy(in, d, n);
	in[n] = '\0';
	sk_redact_text(in, out, sizeof out);
	snprintf(msg, size, "%s", out);
	if (strcmp(out, "(message withheld: out of memory)") == 0)
		return SK_ERR_NOMEM;
	return SK_OK;
}

/* ---- the driver ---- */

struct stats {
	int inputs, runs, allocating;
	long max_allocs;
	char ref_msg[512]; /* the last input's message without injection */
};

static void expect(bool ok, const char *parser, const char *file, long n,
		   const char *what)
{
	sk_test_checks++;
	if (!ok) {
		sk_test_failures++;
		fprintf(stderr, "%s %s, allocation %ld failing: %s\n", parser,
			file, n, what);
	}
}

/* Every N until a run sees no injected failure; the result without
 * injection. */
static sk_err_t inject_each(const char *parser, parse_fn fn, const char *file,
			    const uint8_t *d, size_t n, struct stats *st)
{
	char msg[512], why[700];
	size_t live0 = live;
	arm(0);
	sk_err_t ref = fn(d, n, msg, sizeof msg);
	long total = calls;
	snprintf(st->ref_msg, sizeof st->ref_msg, "%s", msg);
	expect(live == live0, parser, file, 0, "leak without injection");
	snprintf(why, sizeof why, "%s (%s)", rc_name(ref), msg);
	expect(!pseudo(ref), parser, file, 0, why);
	st->inputs++;
	st->runs++;
	if (total > st->max_allocs)
		st->max_allocs = total;
	st->allocating += total > 0;
	for (long k = 1;; k++) {
		arm(k);
		sk_err_t rc = fn(d, n, msg, sizeof msg);
		bool inj = injected;
		arm(0);
		st->runs++;
		snprintf(why, sizeof why, "leak: %zu block(s) left",
			 live - live0);
		expect(live == live0, parser, file, k, why);
		if (!inj) {
			snprintf(why, sizeof why,
				 "%s (%s), expected %s (no failure injected)",
				 rc_name(rc), msg, rc_name(ref));
			expect(rc == ref, parser, file, k, why);
			break;
		}
		snprintf(why, sizeof why,
			 "returned %s (%s), expected SK_ERR_NOMEM%s%s",
			 rc_name(rc), msg, ref == SK_OK ? "" : " or ",
			 ref == SK_OK ? "" : sk_err_name(ref));
		expect(rc == SK_ERR_NOMEM || (ref != SK_OK && rc == ref),
		       parser, file, k, why);
		expect(msg[0] != '\0', parser, file, k,
		       "error without message");
		if (k > 2 * total + 16) { /* a failure that allocates on */
			expect(false, parser, file, k,
			       "runs never end without a failure");
			break;
		}
	}
	return ref;
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(len > 0 ? (size_t)len + 1 : 1);
	if (buf && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = len > 0 ? (size_t)len : 0;
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Over the fuzz corpus of that name. */
static void corpus(const char *parser, parse_fn fn)
{
	const char *src = getenv("SKRED_SRC");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src ? src : ".",
		 parser);
	struct dirent **names = NULL;
	int k = scandir(dir, &names, NULL, by_name);
	CHECK(k > 0);
	struct stats st = {0};
	for (int i = 0; i < k; i++) {
		char path[8192];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &sb) == 0 &&
		    S_ISREG(sb.st_mode)) {
			size_t n = 0;
			uint8_t *d = read_file(path, &n);
			CHECK(d != NULL);
			if (d)
				inject_each(parser, fn, names[i]->d_name, d, n,
					    &st);
			free(d);
		}
		free(names[i]);
	}
	free(names);
	CHECK(st.inputs > 0);
	printf("%s: %d inputs, %d allocate (at most %ld allocations), %d "
	       "runs\n",
	       parser, st.inputs, st.allocating, st.max_allocs, st.runs);
}

/* A response body of tests/data/ (the samples the unit tests use), which
 * must go round without injection: split, and every item parsed, cleaned
 * (a rejection is a result), written as JSON and read back. */
static void sample(const char *file)
{
	const char *src = getenv("SKRED_SRC");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/data/%s", src ? src : ".", file);
	size_t n = 0;
	uint8_t *d = read_file(path, &n);
	CHECK(d != NULL);
	if (!d)
		return;
	struct stats st = {0};
	sk_err_t ref = inject_each("sample", parse_body, file, d, n, &st);
	free(d);
	CHECK_INT(ref, SK_OK);
	if (ref != SK_OK)
		fprintf(stderr, "%s without injection: %s (%s)\n", file,
			rc_name(ref), st.ref_msg);
	/* The round allocates (model/ parses with its own scanner now, so
	 * every allocation is skred's: ~34 for a sample warning;
	 * jansson's tree made this > 300). */
	CHECK(st.max_allocs >= 20);
	printf("%s: every one of %ld allocations failed in turn, %d runs\n",
	       file, st.max_allocs, st.runs);
}

static void test_sample_detail_en(void)
{
	sample("detail_en.json");
}

static void test_sample_simple_nb(void)
{
	sample("simple_nb.json");
}

static void test_sample_model_edge(void)
{
	sample("model_edge.json");
}

static void test_record(void)
{
	corpus("record", parse_record);
}

static void test_split(void)
{
	corpus("split", parse_split);
}

static void test_warning(void)
{
	corpus("warning", parse_warning);
}

static void test_cql_frame(void)
{
	corpus("cql_frame", parse_cql_frame);
}

static void test_cql_rows(void)
{
	corpus("cql_rows", parse_cql_rows);
}

static void test_http_request(void)
{
	corpus("http_request", parse_http_request);
}

static void test_cron(void)
{
	corpus("cron", parse_cron);
}

static void test_tzif(void)
{
	corpus("tzif", parse_tzif);
}

static void test_retry_after(void)
{
	corpus("retry_after", parse_retry_after);
}

static void test_redact(void)
{
	sk_redact_add("Zq7-secret"); /* as the fuzz target: the slow path */
	corpus("redact", parse_redact);
	sk_redact_clear();
}

/* The allocator itself: the Nth call fails, realloc keeps its block, the
 * count of live blocks returns to where it was. */
static void test_allocator(void)
{
	size_t live0 = live;
	arm(2);
	char *a = malloc(8), *b = malloc(8), *c = strdup("x");
	CHECK(a != NULL);
	CHECK(b == NULL);
	CHECK(injected);
	CHECK(c != NULL);
	CHECK_INT(live, live0 + 2);
	char *volatile keep = a; /* still ours after a failed realloc */
	arm(1);
	char *a2 = realloc(a, 64);
	CHECK(a2 == NULL);
	CHECK_INT(live, live0 + 2);
	arm(0);
	free(keep);
	CHECK_INT(live, live0 + 1);
	a = malloc(8);
	a2 = a ? realloc(a, 64) : NULL;
	CHECK(a2 != NULL);
	CHECK_INT(live, live0 + 2);
	free(a2);
	free(c);
	CHECK_INT(live, live0);
}

static const struct sk_case cases[] = {
	{"allocator", test_allocator},
	{"split", test_split},
	{"warning", test_warning},
	{"record", test_record},
	{"sample_detail_en", test_sample_detail_en},
	{"sample_simple_nb", test_sample_simple_nb},
	{"sample_model_edge", test_sample_model_edge},
	{"cql_frame", test_cql_frame},
	{"cql_rows", test_cql_rows},
	{"http_request", test_http_request},
	{"cron", test_cron},
	{"tzif", test_tzif},
	{"retry_after", test_retry_after},
	{"redact", test_redact},
};

SK_CASES_MAIN(cases)
