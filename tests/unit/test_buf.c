/*
 * test_buf.c - the bounded buffer: its cap is required (a buffer without
 * one refuses every append), the cap is exact (max bytes fit, one more
 * fails), a failure (overflow, out of memory, bad format) frees the data
 * and sticks (later appends do nothing and report it) until reset or free,
 * steal returns NULL after a failure and "" for an empty buffer, room.
 * Out of memory is injected by wrapping realloc/malloc (a counter).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "core/core.h"
#include "cases.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* Allocation failure injection: fail_after = n lets n more allocations
 * succeed, then every one fails; -1 never fails. */
static int fail_after = -1;

static bool alloc_fails(void)
{
	if (fail_after < 0)
		return false;
	if (fail_after == 0)
		return true;
	fail_after--;
	return false;
}

void *realloc(void *p, size_t n)
{
	static void *(*real)(void *, size_t);
	if (!real)
		real = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	return alloc_fails() ? NULL : real(p, n);
}

static void test_cap_required(void)
{
	struct sk_buf b = {.max = 0}; /* no cap */
	CHECK_INT(sk_buf_puts(&b, "x"), SK_ERR_INVAL);
	CHECK(b.data == NULL);
	CHECK_INT(sk_buf_finish(&b), SK_ERR_INVAL);
	CHECK_INT(sk_buf_room(&b), 0);
	sk_buf_init(&b, 8);
	CHECK_INT(sk_buf_finish(&b), SK_OK);
	CHECK_INT(sk_buf_room(&b), 8);
	CHECK_INT(sk_buf_puts(&b, "x"), SK_OK);
	CHECK_STR(b.data, "x");
	sk_buf_free(&b);
}

static void test_cap_exact(void)
{
	struct sk_buf b = SK_BUF_INIT(8);
	CHECK_INT(sk_buf_puts(&b, "12345678"), SK_OK); /* exactly max */
	CHECK_INT(b.len, 8);
	CHECK_STR(b.data, "12345678");
	CHECK_INT(sk_buf_room(&b), 0);
	CHECK_INT(sk_buf_append(&b, "", 0), SK_OK); /* nothing always fits */
	CHECK_INT(sk_buf_finish(&b), SK_OK);
	CHECK_INT(sk_buf_puts(&b, "9"), SK_ERR_LIMIT); /* one more */
	sk_buf_free(&b);
	/* One append larger than the cap. */
	b = (struct sk_buf)SK_BUF_INIT(4);
	CHECK_INT(sk_buf_printf(&b, "%s", "abcdef"), SK_ERR_LIMIT);
	CHECK(b.data == NULL);
	sk_buf_free(&b);
	/* A printf longer than its stack buffer still counts exactly. */
	char big[2000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	b = (struct sk_buf)SK_BUF_INIT(sizeof big - 1);
	CHECK_INT(sk_buf_printf(&b, "%s", big), SK_OK);
	CHECK_INT(b.len, sizeof big - 1);
	CHECK_INT(sk_buf_printf(&b, "%s", "!"), SK_ERR_LIMIT);
	sk_buf_free(&b);
}

static void test_overflow_sticks(void)
{
	struct sk_buf b = SK_BUF_INIT(10);
	sk_buf_puts(&b, "hello");
	sk_buf_puts(&b, " world"); /* 11 > 10: fails */
	CHECK(b.data == NULL);     /* the data went */
	CHECK_INT(b.len, 0);
	/* Later appends do nothing, even ones that would fit. */
	CHECK_INT(sk_buf_puts(&b, "x"), SK_ERR_LIMIT);
	CHECK_INT(sk_buf_append(&b, "y", 1), SK_ERR_LIMIT);
	CHECK_INT(sk_buf_printf(&b, "%d", 7), SK_ERR_LIMIT);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(sk_buf_finish(&b), SK_ERR_LIMIT); /* checked once */
	CHECK_INT(sk_buf_room(&b), 0);
	CHECK(sk_buf_steal(&b) == NULL);
	/* Reset clears the failure and keeps the cap. */
	sk_buf_puts(&b, "x");
	sk_buf_reset(&b);
	CHECK_INT(sk_buf_finish(&b), SK_OK);
	CHECK_INT(b.max, 10);
	CHECK_INT(sk_buf_puts(&b, "0123456789"), SK_OK);
	CHECK_STR(b.data, "0123456789");
	sk_buf_free(&b);
}

static void test_nomem_sticks(void)
{
	struct sk_buf b = SK_BUF_INIT(1u << 20);
	CHECK_INT(sk_buf_puts(&b, "abc"), SK_OK); /* 256 bytes allocated */
	fail_after = 0;
	char chunk[300];
	memset(chunk, 'z', sizeof chunk);
	CHECK_INT(sk_buf_append(&b, chunk, sizeof chunk), SK_ERR_NOMEM);
	fail_after = -1; /* memory is back: the failure still sticks */
	CHECK(b.data == NULL);
	CHECK_INT(sk_buf_puts(&b, "d"), SK_ERR_NOMEM);
	CHECK_INT(sk_buf_finish(&b), SK_ERR_NOMEM);
	sk_buf_free(&b); /* free clears it too */
	CHECK_INT(sk_buf_finish(&b), SK_OK);
	CHECK_INT(b.max, 1u << 20);
	CHECK_INT(sk_buf_puts(&b, "d"), SK_OK);
	CHECK_STR(b.data, "d");
	sk_buf_free(&b);
	/* The first allocation failing. */
	fail_after = 0;
	CHECK_INT(sk_buf_puts(&b, "e"), SK_ERR_NOMEM);
	fail_after = -1;
	CHECK_INT(sk_buf_finish(&b), SK_ERR_NOMEM);
	sk_buf_free(&b);
	/* Growth failing after some successes, across many appends. */
	fail_after = 3;
	for (int i = 0; i < 1000; i++)
		sk_buf_puts(&b, "0123456789");
	fail_after = -1;
	CHECK_INT(sk_buf_finish(&b), SK_ERR_NOMEM);
	CHECK(b.data == NULL);
	sk_buf_free(&b);
}

static void test_steal_reset(void)
{
	struct sk_buf b = SK_BUF_INIT(64);
	char *s = sk_buf_steal(&b);
	CHECK_STR(s, ""); /* nothing appended: an empty string */
	free(s);
	sk_buf_printf(&b, "%s-%d", "run", 42);
	s = sk_buf_steal(&b);
	CHECK_STR(s, "run-42");
	free(s);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.max, 64); /* reusable */
	sk_buf_puts(&b, "abc");
	sk_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	sk_buf_puts(&b, "de");
	CHECK_STR(b.data, "de");
	sk_buf_free(&b);
	sk_buf_free(NULL);
}

static const struct sk_case cases[] = {
	{"cap_required", test_cap_required},
	{"cap_exact", test_cap_exact},
	{"overflow_sticks", test_overflow_sticks},
	{"nomem_sticks", test_nomem_sticks},
	{"steal_reset", test_steal_reset},
};

SK_CASES_MAIN(cases)
