/*
 * test.h - the project's small test macros: each CHECK counts, a failure
 * prints file:line and the expression, and the test exits non-zero at the end.
 */
#ifndef SK_TEST_H
#define SK_TEST_H

#include <stdio.h>
#include <string.h>

static int sk_test_failures;
static int sk_test_checks;

#define CHECK(cond)                                                            \
	do {                                                                   \
		sk_test_checks++;                                              \
		if (!(cond)) {                                                 \
			sk_test_failures++;                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_INT(a, b)                                                        \
	do {                                                                   \
		long long sk_a_ = (long long)(a), sk_b_ = (long long)(b);      \
		sk_test_checks++;                                              \
		if (sk_a_ != sk_b_) {                                          \
			sk_test_failures++;                                    \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n",  \
				__FILE__, __LINE__, #a, sk_a_, sk_b_);         \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *sk_a_ = (a), *sk_b_ = (b);                         \
		sk_test_checks++;                                              \
		if (!sk_a_ || !sk_b_ || strcmp(sk_a_, sk_b_) != 0) {           \
			sk_test_failures++;                                    \
			fprintf(stderr,                                        \
				"%s:%d: %s == \"%s\", expected \"%s\"\n",      \
				__FILE__, __LINE__, #a,                        \
				sk_a_ ? sk_a_ : "(null)",                      \
				sk_b_ ? sk_b_ : "(null)");                     \
		}                                                              \
	} while (0)

#define TEST_DONE()                                                            \
	do {                                                                   \
		printf("%d checks, %d failed\n", sk_test_checks,               \
		       sk_test_failures);                                      \
		return sk_test_failures ? 1 : 0;                               \
	} while (0)

#endif
