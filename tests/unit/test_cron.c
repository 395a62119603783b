/*
 * test_cron.c - cron expressions (src/sched/cron.c): parsing of every form
 * and every error; next/previous fire times with an injected "now" across
 * both Europe/Oslo DST changes (and New York's, Sydney's), month and year
 * ends, leap days, weekdays, the day-of-month/day-of-week OR rule, gap and
 * overlap rules, impossible expressions, catch-up ranges; and a brute-force
 * comparison over every minute for fixed-offset zones.
 */
#include "sched/sched.h"
#include "cases.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MIN 60000LL
#define HOUR 3600000LL
#define DAY (24 * HOUR)

static int64_t utc_ms(int y, int m, int d, int hh, int mi)
{
	return sk_days_from_civil(y, m, d) * DAY + (int64_t)hh * HOUR +
	       mi * MIN;
}

static struct sk_tz *load(const char *name)
{
	struct sk_tz *tz = NULL;
	struct sk_error err = {0};
	if (sk_tz_load(name, &tz, &err) != SK_OK) {
		fprintf(stderr, "load %s: %s\n", name, err.msg);
		exit(1);
	}
	return tz;
}

static struct sk_cron cron(const char *expr)
{
	struct sk_cron c = {0};
	struct sk_error err = {0};
	if (sk_cron_parse(expr, &c, &err) != SK_OK) {
		fprintf(stderr, "parse '%s': %s\n", expr, err.msg);
		exit(1);
	}
	return c;
}

/* sk_cron_next as UTC text, for readable failures. */
static const char *next_text(const char *expr, const struct sk_tz *tz,
			     int64_t after, char out[SK_TIME_UTC_LEN])
{
	struct sk_cron c = cron(expr);
	int64_t t = sk_cron_next(&c, tz, after);
	if (t == -1)
		return "never";
	sk_time_format_utc(t, out);
	return out;
}

static void test_parse_valid(void)
{
	struct sk_cron c = cron("* * * * *");
	CHECK(c.minute == 0x0FFFFFFFFFFFFFFFull && c.hour == 0xFFFFFF &&
	      c.dom == 0xFFFFFFFE && c.month == 0x1FFE && c.dow == 0x7F);
	c = cron("*/15 * * * *");
	CHECK(c.minute == (1ull | 1ull << 15 | 1ull << 30 | 1ull << 45));
	c = cron("1-5/2 0,12 1,15,31 * *");
	CHECK(c.minute == (1ull << 1 | 1ull << 3 | 1ull << 5));
	CHECK(c.hour == (1u | 1u << 12));
	CHECK(c.dom == (1u << 1 | 1u << 15 | 1u << 31));
	c = cron("5/20 */6 * * *");
	CHECK(c.minute == (1ull << 5 | 1ull << 25 | 1ull << 45));
	CHECK(c.hour == (1u | 1u << 6 | 1u << 12 | 1u << 18));
	c = cron("0 9 * * MON-FRI");
	CHECK(c.dow == 0x3E);
	c = cron("0 9 * * mon-Fri");
	CHECK(c.dow == 0x3E);
	c = cron("0 0 * * 7");
	CHECK(c.dow == 0x01);
	c = cron("0 0 * * 5-7");
	CHECK(c.dow == (1u | 1u << 5 | 1u << 6));
	c = cron("0 0 * * sun,SAT");
	CHECK(c.dow == (1u | 1u << 6));
	c = cron("0 0 * * 0-7");
	CHECK(c.dow == 0x7F);
	c = cron("0 0 1 jan-mar,DEC *");
	CHECK(c.month == (1u << 1 | 1u << 2 | 1u << 3 | 1u << 12));
	c = cron("0 0 1 JAN-DEC/3 *");
	CHECK(c.month == (1u << 1 | 1u << 4 | 1u << 7 | 1u << 10));
	c = cron(" \t0\t0  1 1 *  ");
	CHECK(c.minute == 1 && c.hour == 1 && c.dom == 2 && c.month == 2);
	c = cron("00 09 * * *");
	CHECK(c.minute == 1 && c.hour == 1u << 9);

	static const struct {
		const char *macro, *expr;
	} macros[] = {
		{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
		{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
		{"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"},  {"  @DAILY  ", "0 0 * * *"},
	};
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++) {
		struct sk_cron a = cron(macros[i].macro),
			       b = cron(macros[i].expr);
		CHECK(memcmp(&a, &b, sizeof a) == 0);
	}
}

static void test_parse_errors(void)
{
	static const struct {
		const char *expr, *msg;
	} cases[] = {
		{"0 24 * * *",
		 "cron: hour 24 out of range 0-23 in '0 24 * * *'"},
		{"60 * * * *",
		 "cron: minute 60 out of range 0-59 in '60 * * * *'"},
		{"0 0 0 * *",
		 "cron: day-of-month 0 out of range 1-31 in '0 0 0 * *'"},
		{"0 0 32 * *",
		 "cron: day-of-month 32 out of range 1-31 in '0 0 32 * *'"},
		{"0 0 1 13 *",
		 "cron: month 13 out of range 1-12 in '0 0 1 13 *'"},
		{"0 0 * * 8",
		 "cron: day-of-week 8 out of range 0-7 in '0 0 * * 8'"},
		{"99999999999 * * * *", "cron: minute 99999999999 out of range "
					"0-59 in '99999999999 * * * *'"},
		{"* * * *",
		 "cron: expected 5 fields (minute hour day-of-month month "
		 "day-of-week) or a @macro, found 4 in '* * * *'"},
		{"* * * * * *",
		 "cron: expected 5 fields (minute hour day-of-month month "
		 "day-of-week) or a @macro, found 6 in '* * * * * *'"},
		{"", "cron: expected 5 fields (minute hour day-of-month month "
		     "day-of-week) or a @macro, found 0 in ''"},
		{"*/0 * * * *",
		 "cron: minute step '0' is not 1-60 in '*/0 * * * *'"},
		{"*/ * * * *",
		 "cron: minute step '' is not 1-60 in '*/ * * * *'"},
		{"*/61 * * * *",
		 "cron: minute step '61' is not 1-60 in '*/61 * * * *'"},
		{"* */x * * *",
		 "cron: hour step 'x' is not 1-24 in '* */x * * *'"},
		{"5-1 * * * *",
		 "cron: minute range is backwards: '5-1' in '5-1 * * * *'"},
		{"0 0 * * FRI-MON", "cron: day-of-week range is backwards: "
				    "'FRI-MON' in '0 0 * * FRI-MON'"},
		{"0 0 * * FOO",
		 "cron: day-of-week has a bad value 'FOO' in '0 0 * * FOO'"},
		{"0 0 * * MONDAY", "cron: day-of-week has a bad value 'MONDAY' "
				   "in '0 0 * * MONDAY'"},
		{"0 0 * JAN-",
		 "cron: expected 5 fields (minute hour day-of-month month "
		 "day-of-week) or a @macro, found 4 in '0 0 * JAN-'"},
		{"0 0 * JAN- *",
		 "cron: month has a bad value '' in '0 0 * JAN- *'"},
		{"0 0 * * MON", NULL}, /* valid: checked below */
		{"0 0 1 * JAN",
		 "cron: day-of-week has a bad value 'JAN' in '0 0 1 * JAN'"},
		{"0 0 MON * *",
		 "cron: day-of-month has a bad value 'MON' in '0 0 MON * *'"},
		{"1,,2 * * * *",
		 "cron: minute has an empty list item in '1,,2 * * * *'"},
		{"1, * * * *",
		 "cron: minute has an empty list item in '1, * * * *'"},
		{"-1 * * * *",
		 "cron: minute has a bad value '' in '-1 * * * *'"},
		{"1x * * * *",
		 "cron: minute has a bad value '1x' in '1x * * * *'"},
		{"? * * * *",
		 "cron: minute has a bad value '?' in '? * * * *'"},
		{"0 0 L * *",
		 "cron: day-of-month has a bad value 'L' in '0 0 L * *'"},
		{"@reboot",
		 "cron: unknown macro '@reboot' (known: @yearly @annually "
		 "@monthly @weekly @daily @midnight @hourly)"},
		{"@daily 5", "cron: unexpected text after macro in '@daily 5'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_cron c = {0};
		struct sk_error err = {0};
		sk_err_t rc = sk_cron_parse(cases[i].expr, &c, &err);
		if (!cases[i].msg) {
			CHECK_INT(rc, SK_OK);
			continue;
		}
		CHECK_INT(rc, SK_ERR_PARSE);
		CHECK_STR(err.msg, cases[i].msg);
		CHECK(c.minute == 0 && c.dow == 0); /* untouched */
	}
	struct sk_cron c;
	struct sk_error err = {0};
	CHECK_INT(sk_cron_parse(NULL, &c, &err), SK_ERR_INVAL);
	char long_expr[SK_CRON_MAX_LEN + 8];
	memset(long_expr, ' ', sizeof long_expr - 1);
	long_expr[sizeof long_expr - 1] = '\0';
	memcpy(long_expr, "* * * * *", 9);
	CHECK_INT(sk_cron_parse(long_expr, &c, &err), SK_ERR_LIMIT);
	long_expr[SK_CRON_MAX_LEN] = '\0';
	CHECK_INT(sk_cron_parse(long_expr, &c, &err), SK_OK);
}

static void test_daily_oslo_dst(void)
{
	struct sk_tz *oslo = load("Europe/Oslo");
	struct sk_cron c = cron("0 17 * * *");
	char s[SK_TIME_UTC_LEN];
	/* Spring: 17:00 CET, then 17:00 CEST. */
	int64_t t = utc_ms(2024, 3, 29, 16, 0);
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 3, 30, 16, 0));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 3, 31, 15, 0));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 4, 1, 15, 0));
	/* Autumn. */
	t = sk_cron_next(&c, oslo, utc_ms(2024, 10, 25, 15, 0));
	CHECK_INT(t, utc_ms(2024, 10, 26, 15, 0));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 10, 27, 16, 0));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 10, 28, 16, 0));
	/* "After" anywhere in the day before. */
	CHECK_STR(next_text("0 17 * * *", oslo, utc_ms(2024, 3, 30, 16, 0) - 1,
			    s),
		  "2024-03-30T16:00:00.000Z");
	CHECK_STR(next_text("0 17 * * *", oslo, utc_ms(2024, 3, 30, 16, 0) + 1,
			    s),
		  "2024-03-31T15:00:00.000Z");
	sk_tz_free(oslo);
}

static void test_calendar_edges(void)
{
	struct sk_tz *utc = load("UTC"), *oslo = load("Europe/Oslo");
	char s[SK_TIME_UTC_LEN];
	/* 31st only: short months are skipped. */
	struct sk_cron c = cron("0 0 31 * *");
	int64_t t = sk_cron_next(&c, oslo, utc_ms(2024, 1, 31, 12, 0));
	CHECK_INT(t, utc_ms(2024, 3, 30, 23, 0)); /* March 31 00:00 CET */
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 5, 30, 22, 0)); /* May 31 00:00 CEST */
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 7, 30, 22, 0));
	/* Year end. */
	CHECK_STR(next_text("* * * * *", utc, utc_ms(2024, 12, 31, 23, 59), s),
		  "2025-01-01T00:00:00.000Z");
	CHECK_STR(next_text("59 23 31 12 *", utc, utc_ms(2024, 12, 31, 23, 59),
			    s),
		  "2025-12-31T23:59:00.000Z");
	CHECK_STR(next_text("@yearly", utc, utc_ms(2024, 6, 1, 0, 0), s),
		  "2025-01-01T00:00:00.000Z");
	CHECK_STR(next_text("@yearly", oslo, utc_ms(2024, 6, 1, 0, 0), s),
		  "2024-12-31T23:00:00.000Z");
	/* Leap days: up to eight years apart (2100 is not a leap year). */
	CHECK_STR(next_text("0 0 29 2 *", utc, utc_ms(2024, 3, 1, 0, 0), s),
		  "2028-02-29T00:00:00.000Z");
	CHECK_STR(next_text("0 0 29 2 *", utc, utc_ms(2096, 3, 1, 0, 0), s),
		  "2104-02-29T00:00:00.000Z");
	CHECK_STR(next_text("0 0 29 2 *", utc, utc_ms(2024, 2, 28, 23, 59), s),
		  "2024-02-29T00:00:00.000Z");
	/* Every 15 minutes; "after" is exclusive. */
	CHECK_STR(next_text("*/15 * * * *", utc, utc_ms(2024, 5, 5, 10, 7), s),
		  "2024-05-05T10:15:00.000Z");
	CHECK_STR(next_text("*/15 * * * *", utc, utc_ms(2024, 5, 5, 10, 15), s),
		  "2024-05-05T10:30:00.000Z");
	CHECK_STR(next_text("*/15 * * * *", utc, utc_ms(2024, 5, 5, 10, 59), s),
		  "2024-05-05T11:00:00.000Z");
	CHECK_STR(next_text("*/15 * * * *", utc, utc_ms(2024, 5, 5, 10, 15) - 1,
			    s),
		  "2024-05-05T10:15:00.000Z");
	/* Weekdays: Friday 09:00 -> Monday 09:00 (Oslo summer time). */
	CHECK_STR(next_text("0 9 * * MON-FRI", oslo, utc_ms(2024, 6, 7, 7, 0),
			    s),
		  "2024-06-10T07:00:00.000Z");
	CHECK_STR(next_text("0 9 * * MON-FRI", oslo, utc_ms(2024, 6, 10, 6, 59),
			    s),
		  "2024-06-10T07:00:00.000Z");
	/* Before 1970 works too. */
	CHECK_STR(next_text("0 12 * * *", utc, utc_ms(1969, 7, 20, 12, 0), s),
		  "1969-07-21T12:00:00.000Z");
	sk_tz_free(utc);
	sk_tz_free(oslo);
}

static void test_dom_dow_rule(void)
{
	struct sk_tz *utc = load("UTC");
	/* Both restricted: the 13th OR a Friday. */
	struct sk_cron c = cron("0 0 13 * FRI");
	static const int want[][2] = {{9, 6},   {9, 13},  {9, 20},  {9, 27},
				      {10, 4},  {10, 11}, {10, 13}, {10, 18},
				      {10, 25}, {11, 1}};
	int64_t t = utc_ms(2024, 9, 1, 0, 0);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		t = sk_cron_next(&c, utc, t);
		CHECK_INT(t, utc_ms(2024, want[i][0], want[i][1], 0, 0));
	}
	/* One side unrestricted: the other decides alone. */
	c = cron("0 0 13 * *");
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 9, 1, 0, 0)),
		  utc_ms(2024, 9, 13, 0, 0));
	c = cron("0 0 * * FRI");
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 9, 7, 0, 0)),
		  utc_ms(2024, 9, 13, 0, 0));
	c = cron("0 0 */1 * 5"); /* a full set counts as unrestricted */
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 9, 7, 0, 0)),
		  utc_ms(2024, 9, 13, 0, 0));
	c = cron("0 0 1-31 * 0-6");
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 9, 7, 0, 0)),
		  utc_ms(2024, 9, 8, 0, 0));
	c = cron("0 0 */2 * MON"); /* odd days OR Mondays */
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 9, 1, 0, 0)),
		  utc_ms(2024, 9, 2, 0, 0)); /* Monday the 2nd */
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 9, 2, 0, 0)),
		  utc_ms(2024, 9, 3, 0, 0));
	/* An impossible day, rescued by the weekday. */
	c = cron("0 0 31 2 MON");
	CHECK_INT(sk_cron_next(&c, utc, utc_ms(2024, 1, 1, 0, 0)),
		  utc_ms(2024, 2, 5, 0, 0));
	CHECK(sk_cron_matches(&c, 2024, 2, 5, 0, 0));
	CHECK(!sk_cron_matches(&c, 2024, 2, 6, 0, 0));
	CHECK(!sk_cron_matches(&c, 2024, 2, 5, 0, 1));
	CHECK(!sk_cron_matches(&c, 2024, 13, 5, 0, 0));
	sk_tz_free(utc);
}

static void test_gap_and_overlap(void)
{
	struct sk_tz *oslo = load("Europe/Oslo");
	char s[SK_TIME_UTC_LEN];
	/* Spring 2024-03-31: 02:00-02:59 does not exist; 02:30 fires at the
	 * first instant after the gap, 03:00 CEST = 01:00Z. */
	struct sk_cron c = cron("30 2 * * *");
	int64_t t = sk_cron_next(&c, oslo, utc_ms(2024, 3, 30, 12, 0));
	CHECK_INT(t, utc_ms(2024, 3, 31, 1, 0));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 4, 1, 0, 30));
	/* All of the gap's minutes and 03:00 fire once, at 01:00Z. */
	c = cron("*/15 * * * *");
	t = utc_ms(2024, 3, 31, 0, 30);
	static const int spring[][2] = {{0, 45}, {1, 0}, {1, 15}, {1, 30}};
	for (size_t i = 0; i < 4; i++) {
		t = sk_cron_next(&c, oslo, t);
		CHECK_INT(t, utc_ms(2024, 3, 31, spring[i][0], spring[i][1]));
	}
	c = cron("0 * * * *");
	t = utc_ms(2024, 3, 30, 23, 30);
	for (int h = 0; h < 4; h++) {
		t = sk_cron_next(&c, oslo, t);
		CHECK_INT(t, utc_ms(2024, 3, 31, h, 0));
	}
	/* Only inside the gap: 02:00-02:59 every minute, fires once. */
	c = cron("* 2 * * *");
	t = sk_cron_next(&c, oslo, utc_ms(2024, 3, 30, 12, 0));
	CHECK_INT(t, utc_ms(2024, 3, 31, 1, 0));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 4, 1, 0, 0));

	/* Autumn 2024-10-27: 02:00-02:59 happens twice; fires once, at the
	 * first occurrence (CEST). */
	c = cron("30 2 * * *");
	t = sk_cron_next(&c, oslo, utc_ms(2024, 10, 26, 12, 0));
	CHECK_INT(t, utc_ms(2024, 10, 27, 0, 30));
	t = sk_cron_next(&c, oslo, t);
	CHECK_INT(t, utc_ms(2024, 10, 28, 1, 30));
	c = cron("*/15 * * * *");
	CHECK_STR(next_text("*/15 * * * *", oslo, utc_ms(2024, 10, 27, 0, 45),
			    s),
		  "2024-10-27T02:00:00.000Z");
	/* "Now" inside the second pass. */
	CHECK_STR(next_text("*/15 * * * *", oslo, utc_ms(2024, 10, 27, 1, 10),
			    s),
		  "2024-10-27T02:00:00.000Z");
	CHECK_STR(next_text("45 2 * * *", oslo, utc_ms(2024, 10, 27, 1, 10), s),
		  "2024-10-28T01:45:00.000Z");
	/* Previous fire seen from the second pass: 02:45's first occurrence. */
	c = cron("45 2 * * *");
	CHECK_INT(sk_cron_prev(&c, oslo, utc_ms(2024, 10, 27, 1, 10)),
		  utc_ms(2024, 10, 27, 0, 45));
	c = cron("30 2 * * *");
	CHECK_INT(sk_cron_prev(&c, oslo, utc_ms(2024, 3, 31, 1, 0)),
		  utc_ms(2024, 3, 31, 1, 0));
	CHECK_INT(sk_cron_prev(&c, oslo, utc_ms(2024, 3, 31, 1, 0) - 1),
		  utc_ms(2024, 3, 30, 1, 30));

	/* Other zones' gaps: New York and Sydney at 02:00. */
	struct sk_tz *ny = load("America/New_York");
	struct sk_tz *syd = load("Australia/Sydney");
	CHECK_STR(next_text("0 2 * * *", ny, utc_ms(2024, 3, 9, 12, 0), s),
		  "2024-03-10T07:00:00.000Z");
	CHECK_STR(next_text("30 1 * * *", ny, utc_ms(2024, 11, 2, 12, 0), s),
		  "2024-11-03T05:30:00.000Z");
	CHECK_STR(next_text("30 1 * * *", ny, utc_ms(2024, 11, 3, 5, 30), s),
		  "2024-11-04T06:30:00.000Z");
	CHECK_STR(next_text("0 2 * * *", syd, utc_ms(2024, 10, 5, 0, 0), s),
		  "2024-10-05T16:00:00.000Z");
	CHECK_STR(next_text("30 2 * * *", syd, utc_ms(2024, 4, 6, 0, 0), s),
		  "2024-04-06T15:30:00.000Z");
	sk_tz_free(ny);
	sk_tz_free(syd);
	sk_tz_free(oslo);
}

static void test_impossible_and_prev(void)
{
	struct sk_tz *utc = load("UTC"), *oslo = load("Europe/Oslo");
	static const char *const never[] = {"0 0 30 2 *", "0 0 31 4,6,9,11 *",
					    "* * 31 2 *"};
	for (size_t i = 0; i < 3; i++) {
		struct sk_cron c = cron(never[i]);
		CHECK_INT(sk_cron_next(&c, oslo, utc_ms(2024, 1, 1, 0, 0)), -1);
		CHECK_INT(sk_cron_prev(&c, oslo, utc_ms(2024, 1, 1, 0, 0)), -1);
		int64_t out[4];
		CHECK_INT(sk_cron_between(&c, oslo, 0, utc_ms(2100, 1, 1, 0, 0),
					  out, 4),
			  0);
	}
	struct sk_cron c = cron("* * * * *");
	CHECK_INT(sk_cron_next(&c, utc, INT64_MAX), -1);
	CHECK_INT(sk_cron_prev(&c, utc, INT64_MIN), -1);

	c = cron("0 17 * * *");
	CHECK_INT(sk_cron_prev(&c, oslo, utc_ms(2024, 3, 31, 14, 59)),
		  utc_ms(2024, 3, 30, 16, 0));
	CHECK_INT(sk_cron_prev(&c, oslo, utc_ms(2024, 3, 31, 15, 0)),
		  utc_ms(2024, 3, 31, 15, 0));
	c = cron("0 0 29 2 *");
	CHECK_INT(sk_cron_prev(&c, utc, utc_ms(2104, 2, 28, 0, 0)),
		  utc_ms(2096, 2, 29, 0, 0));
	sk_tz_free(utc);
	sk_tz_free(oslo);
}

static void test_between(void)
{
	struct sk_tz *oslo = load("Europe/Oslo");
	struct sk_cron c = cron("0 17 * * *");
	int64_t out[8];
	/* Three days of downtime across the spring change: three runs. */
	size_t n = sk_cron_between(&c, oslo, utc_ms(2024, 3, 29, 16, 0),
				   utc_ms(2024, 4, 1, 15, 0), out, 8);
	CHECK_INT(n, 3);
	CHECK_INT(out[0], utc_ms(2024, 3, 30, 16, 0));
	CHECK_INT(out[1], utc_ms(2024, 3, 31, 15, 0));
	CHECK_INT(out[2], utc_ms(2024, 4, 1, 15, 0));
	/* Bounded: continue from the last one written. */
	n = sk_cron_between(&c, oslo, utc_ms(2024, 3, 29, 16, 0),
			    utc_ms(2024, 4, 1, 15, 0), out, 2);
	CHECK_INT(n, 2);
	n = sk_cron_between(&c, oslo, out[1], utc_ms(2024, 4, 1, 15, 0), out,
			    2);
	CHECK_INT(n, 1);
	CHECK_INT(out[0], utc_ms(2024, 4, 1, 15, 0));
	CHECK_INT(sk_cron_between(&c, oslo, 0, 0, out, 8), 0);
	CHECK_INT(sk_cron_between(&c, oslo, 0, utc_ms(2024, 1, 1, 0, 0), NULL,
				  0),
		  0);
	/* Ranges ending before they start are empty. */
	CHECK_INT(sk_cron_between(&c, oslo, utc_ms(2024, 4, 1, 15, 0),
				  utc_ms(2024, 3, 1, 0, 0), out, 8),
		  0);
	sk_tz_free(oslo);
}

/* Properties over a year with both changes, for several zones and
 * expressions: fire times strictly increase, each is its own prev, prev of
 * the instant before a fire is the fire before it, each fire's wall minute
 * matches (or ends a gap), and catch-up agrees with stepping. */
static void test_properties(void)
{
	static const char *const zones[] = {"Europe/Oslo", "America/New_York",
					    "Australia/Sydney",
					    "Australia/Lord_Howe", "UTC"};
	static const char *const exprs[] = {"*/15 * * * *", "30 2 * * *",
					    "0 * * * *",    "*/7 1-3 * * *",
					    "0 0 13 * FRI", "59 23 L * *"};
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		struct sk_tz *tz = load(zones[z]);
		for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
			struct sk_cron c;
			struct sk_error err;
			if (sk_cron_parse(exprs[e], &c, &err) != SK_OK)
				continue; /* "L" is not supported */
			int64_t prev = sk_cron_next(&c, tz,
						    utc_ms(2024, 1, 1, 0, 0));
			int64_t end = utc_ms(2025, 1, 1, 0, 0);
			long bad = 0, count = 1;
			while (prev != -1 && prev < end) {
				int64_t t = sk_cron_next(&c, tz, prev);
				count++;
				if (t <= prev || sk_cron_prev(&c, tz, t) != t ||
				    sk_cron_prev(&c, tz, t - 1) != prev)
					bad++;
				struct sk_civil w;
				sk_tz_from_utc_ms(tz, t, &w);
				if (!sk_cron_matches(&c, w.y, w.m, w.d, w.hh,
						     w.mi) &&
				    sk_tz_offset_at(tz, t) ==
					    sk_tz_offset_at(tz, t - 1))
					bad++;
				prev = t;
			}
			if (bad)
				fprintf(stderr, "  %s '%s': %ld bad\n",
					zones[z], exprs[e], bad);
			CHECK_INT(bad, 0);
			static int64_t all[40000];
			size_t n = sk_cron_between(&c, tz,
						   utc_ms(2024, 1, 1, 0, 0),
						   end, all, 40000);
			CHECK(n == (size_t)count - 1 || n == (size_t)count);
		}
		sk_tz_free(tz);
	}
}

/* Fixed-offset zones have no gaps or repeats: the fire times must be
 * exactly the minutes whose wall time matches. */
static void test_brute_force(void)
{
	static const char *const zones[] = {"UTC", "Asia/Kolkata"};
	static const char *const exprs[] = {"*/7 9-17 * * 1-5",
					    "0 0 13 * FRI",
					    "15,45 */5 1-7 * MON",
					    "0 12 29 2 *",
					    "5/20 3 * JAN,JUL,DEC SUN",
					    "@hourly"};
	for (size_t z = 0; z < 2; z++) {
		struct sk_tz *tz = load(zones[z]);
		for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
			struct sk_cron c = cron(exprs[e]);
			int64_t t = utc_ms(2023, 12, 1, 0, 0),
				end = utc_ms(2025, 3, 1, 0, 0);
			int64_t next = sk_cron_next(&c, tz, t - 1);
			long bad = 0;
			for (; t < end; t += MIN) {
				struct sk_civil w;
				sk_tz_from_utc_ms(tz, t, &w);
				bool m = sk_cron_matches(&c, w.y, w.m, w.d,
							 w.hh, w.mi);
				if (m != (t == next))
					bad++;
				if (t == next)
					next = sk_cron_next(&c, tz, t);
			}
			CHECK_INT(bad, 0);
		}
		sk_tz_free(tz);
	}
}

static const struct sk_case cases[] = {
	{"parse_valid", test_parse_valid},
	{"parse_errors", test_parse_errors},
	{"daily_oslo_dst", test_daily_oslo_dst},
	{"calendar_edges", test_calendar_edges},
	{"dom_dow_rule", test_dom_dow_rule},
	{"gap_and_overlap", test_gap_and_overlap},
	{"impossible_and_prev", test_impossible_and_prev},
	{"between", test_between},
	{"properties", test_properties},
	{"brute_force", test_brute_force},
};

SK_CASES_MAIN(cases)
