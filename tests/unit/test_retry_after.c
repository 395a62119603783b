/*
 * test_retry_after.c - Retry-After in both forms (RFC 9110 10.2.3):
 * delta-seconds and HTTP-date (IMF-fixdate, and the obsolete RFC 850 and
 * asctime forms), past dates (0), huge values (capped), garbage (-1, so the
 * engine backs off as without the field).
 */
#include "core/core.h"
#include "source/source.h"
#include "cases.h"

#include <string.h>

/* 1994-11-06T08:49:37Z, the example of RFC 9110. */
#define T0 784111777000LL
#define CAP SK_HTTP_RETRY_AFTER_MAX_MS

static int64_t ra(const char *v, int64_t now)
{
	return sk_http_retry_after_ms(v, strlen(v), now);
}

static int64_t date(const char *v)
{
	int64_t t = -1;
	if (sk_http_date_parse(v, strlen(v), &t) != SK_OK)
		return -1;
	return t;
}

static void test_delta_seconds(void)
{
	CHECK_INT(ra("120", T0), 120000);
	CHECK_INT(ra("0", T0), 0);
	CHECK_INT(ra(" \t5 \r\n", T0), 5000);
	CHECK_INT(ra("000017", T0), 17000);
	CHECK_INT(ra("86400", T0), CAP);
	CHECK_INT(ra("86399", T0), 86399000);
	CHECK_INT(ra("99999999999999999999999999999999", T0), CAP);
	CHECK_INT(ra("5abc", T0), -1);
	CHECK_INT(ra("5 5", T0), -1);
	CHECK_INT(ra("-5", T0), -1);
	CHECK_INT(ra("+5", T0), -1);
	CHECK_INT(ra("1.5", T0), -1);
	CHECK_INT(ra("", T0), -1);
	CHECK_INT(ra(" \r\n", T0), -1);
	/* Not NUL-terminated: only n bytes are read. */
	CHECK_INT(sk_http_retry_after_ms("12345", 2, T0), 12000);
}

static void test_http_date(void)
{
	CHECK_INT(date("Sun, 06 Nov 1994 08:49:37 GMT"), T0);
	CHECK_INT(date("Sunday, 06-Nov-94 08:49:37 GMT"), T0);
	CHECK_INT(date("Sun Nov  6 08:49:37 1994"), T0);
	CHECK_INT(date("Sun Nov 06 08:49:37 1994"), T0);
	CHECK_INT(date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	CHECK_INT(date("Wed, 29 Feb 2024 23:59:59 GMT"),
		  (sk_days_from_civil(2024, 2, 29) * 86400 + 86399) * 1000);
	/* Leap second. */
	CHECK_INT(date("Sat, 31 Dec 2016 23:59:60 GMT"),
		  sk_days_from_civil(2017, 1, 1) * 86400000);
	/* RFC 850 two-digit years: 70-99 -> 19xx, 00-69 -> 20xx. */
	CHECK_INT(date("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
	CHECK_INT(date("Wednesday, 31-Dec-69 00:00:00 GMT"),
		  sk_days_from_civil(2069, 12, 31) * 86400000);
	CHECK_INT(date("Saturday, 01-Jan-00 00:00:00 GMT"),
		  sk_days_from_civil(2000, 1, 1) * 86400000);
	/* Malformed. */
	static const char *const bad[] = {"Sun, 06 Nov 1994 08:49:37 UTC",
					  "Sun, 06 Nov 1994 08:49:37",
					  "Sun, 6 Nov 1994 08:49:37 GMT",
					  "sun, 06 nov 1994 08:49:37 GMT",
					  "Sun, 31 Feb 1994 08:49:37 GMT",
					  "Sun, 06 Nov 1994 24:00:00 GMT",
					  "Sun, 06 Nov 1994 08:60:00 GMT",
					  "Sun, 06 Nov 1994 08:49:61 GMT",
					  "Sun, 06 Xyz 1994 08:49:37 GMT",
					  "Sun, 00 Nov 1994 08:49:37 GMT",
					  "Sun, 06 Nov 1899 08:49:37 GMT",
					  "Sun, 06-Nov-94 08:49:37 GMT",
					  "Sunday, 06 Nov 1994 08:49:37 GMT",
					  "Sun Nov 6 08:49:37 1994",
					  "Sun Nov  0 08:49:37 1994",
					  "Sun Nov  6 08:49:37 94",
					  "Sun, 06 Nov 1994 08:49:37 GMT ",
					  " Sun, 06 Nov 1994 08:49:37 GMT",
					  "Sun, 06 Nov 1994 08-49-37 GMT",
					  "Sun, 0x Nov 1994 08:49:37 GMT",
					  "Funday, 06-Nov-94 08:49:37 GMT",
					  "",
					  "GMT",
					  NULL};
	for (size_t i = 0; bad[i]; i++) {
		if (date(bad[i]) != -1)
			fprintf(stderr, "accepted: '%s'\n", bad[i]);
		CHECK_INT(date(bad[i]), -1);
	}
	char longer[200];
	memset(longer, 'A', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	CHECK_INT(date(longer), -1);
	CHECK(sk_http_date_parse(NULL, 0, &(int64_t){0}) == SK_ERR_PARSE);
}

static void test_date_delays(void)
{
	/* 30 s ahead of now; every form. */
	CHECK_INT(ra("Sun, 06 Nov 1994 08:50:07 GMT", T0), 30000);
	CHECK_INT(ra("Sunday, 06-Nov-94 08:50:07 GMT", T0), 30000);
	CHECK_INT(ra("Sun Nov  6 08:50:07 1994", T0), 30000);
	CHECK_INT(ra("  Sun, 06 Nov 1994 08:50:07 GMT\r\n", T0), 30000);
	/* Sub-second now: the delay is to the date, not rounded. */
	CHECK_INT(ra("Sun, 06 Nov 1994 08:50:07 GMT", T0 + 250), 29750);
	/* Now and the past: retry at once (the engine's backoff still
	 * applies). */
	CHECK_INT(ra("Sun, 06 Nov 1994 08:49:37 GMT", T0), 0);
	CHECK_INT(ra("Sun, 06 Nov 1994 08:49:36 GMT", T0), 0);
	CHECK_INT(ra("Thu, 01 Jan 1970 00:00:00 GMT", T0), 0);
	/* Far future: capped. */
	CHECK_INT(ra("Fri, 31 Dec 9999 23:59:59 GMT", T0), CAP);
	CHECK_INT(ra("Mon, 07 Nov 1994 08:49:37 GMT", T0), CAP);
	CHECK_INT(ra("Sun, 06 Nov 1994 09:49:37 GMT", T0), 3600000);
	/* Garbage is ignored. */
	CHECK_INT(ra("soon", T0), -1);
	CHECK_INT(ra("Sun, 06 Nov 1994 08:50:07 CET", T0), -1);
	CHECK_INT(ra("Sun, 06 Nov 1994", T0), -1);
}

static const struct sk_case cases[] = {
	{"delta_seconds", test_delta_seconds},
	{"http_date", test_http_date},
	{"date_delays", test_date_delays},
};

SK_CASES_MAIN(cases)
