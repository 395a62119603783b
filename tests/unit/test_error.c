/*
 * test_error.c - error messages never end mid-word: a message longer than
 * SK_ERROR_MSG_MAX is cut at a blank and ends in " ..." (sk_error_set and
 * sk_error_prefix), a word too long for that is cut on a UTF-8 character
 * boundary, no separator dangles before the " ...", short messages are
 * kept whole, and a URL's password at the cut is still masked.
 */
#include "core/core.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* msg is a cut copy of full: full's first bytes up to a word end, then
 * " ...", within the buffer. */
static void check_cut_at_word(const char *msg, const char *full)
{
	size_t n = strlen(msg);
	CHECK(n < SK_ERROR_MSG_MAX);
	CHECK(n > SK_ERROR_MSG_MAX / 2); /* not cut needlessly short */
	CHECK(n >= 4 && !strcmp(msg + n - 4, " ..."));
	size_t kept = n - 4;
	CHECK(!strncmp(msg, full, kept));
	CHECK(full[kept] == ' ' || full[kept] == ';' || full[kept] == ',');
	CHECK(!strchr(" ;,:", msg[kept - 1]));
}

static void test_short(void)
{
	struct sk_error err = {0};
	CHECK_INT(sk_error_set(&err, SK_ERR_NET, true, "refused: %s", "x"),
		  SK_ERR_NET);
	CHECK_STR(err.msg, "refused: x");
	CHECK(err.retriable);
	/* exactly the largest message kept whole */
	char full[SK_ERROR_MSG_MAX];
	memset(full, 'a', sizeof full - 1);
	full[sizeof full - 1] = '\0';
	sk_error_set(&err, SK_ERR_IO, false, "%s", full);
	CHECK_STR(err.msg, full);
}

static void test_long_words(void)
{
	char full[4 * SK_ERROR_MSG_MAX];
	size_t used = 0;
	for (int i = 0; used + 40 < sizeof full; i++)
		used += (size_t)snprintf(full + used, sizeof full - used,
					 "%sregion %d lang 1: HTTP 503",
					 i ? "; " : "", 3000 + i);
	struct sk_error err = {0};
	sk_error_set(&err, SK_ERR_HTTP, true, "%s", full);
	check_cut_at_word(err.msg, full);

	/* the prefix of a full message, too */
	char pre[SK_ERROR_MSG_MAX + 16];
	snprintf(pre, sizeof pre, "after 6 attempts: %s", err.msg);
	sk_error_prefix(&err, "after %d attempts", 6);
	check_cut_at_word(err.msg, pre);
}

static void test_one_long_word(void)
{
	/* "æ" is two bytes: a cut inside it would leave half a character. */
	char full[2 * SK_ERROR_MSG_MAX + 1];
	size_t i = 0;
	full[i++] = 'x'; /* odd offset for every pair */
	while (i + 2 < sizeof full) {
		full[i++] = (char)0xC3;
		full[i++] = (char)0xA6;
	}
	full[i] = '\0';
	struct sk_error err = {0};
	sk_error_set(&err, SK_ERR_PARSE, false, "%s", full);
	size_t n = strlen(err.msg);
	CHECK(n < SK_ERROR_MSG_MAX && n > SK_ERROR_MSG_MAX / 2);
	CHECK(!strcmp(err.msg + n - 4, " ..."));
	/* the last byte before " ..." ends a character (a lead byte 0xC3
	 * never comes last) */
	CHECK((unsigned char)err.msg[n - 5] == 0xA6);
	CHECK(!strncmp(err.msg, full, n - 4));
}

static void test_redacted_at_cut(void)
{
	/* words up to just before the limit, then a URL with a password */
	char full[2 * SK_ERROR_MSG_MAX];
	size_t used = 0;
	while (used < SK_ERROR_MSG_MAX - 30)
		used += (size_t)snprintf(full + used, sizeof full - used,
					 "word ");
	snprintf(full + used, sizeof full - used,
		 "http://u:hunter2@127.0.0.1:9/api/AvalancheWarningByRegion "
		 "end");
	struct sk_error err = {0};
	sk_error_set(&err, SK_ERR_NET, true, "%s", full);
	CHECK(!strstr(err.msg, "hunter2"));
	CHECK(!strstr(err.msg, "hunt"));
	size_t n = strlen(err.msg);
	CHECK(n < SK_ERROR_MSG_MAX && !strcmp(err.msg + n - 4, " ..."));
}

int main(void)
{
	test_short();
	test_long_words();
	test_one_long_word();
	test_redacted_at_cut();
	TEST_DONE();
}
