/*
 * test_time.c - core civil time: day numbers, strict date and timestamp
 * parsing, Europe/Oslo <-> UTC on ordinary and DST change days, UTC text,
 * weekdays and the backoff function.
 */
#include "core/core.h"
#include "cases.h"

#include <stdint.h>

/* UTC text of a local Oslo wall time given as text. */
static const char *oslo_to_utc_text(const char *local,
				    char out[SK_TIME_UTC_LEN])
{
	struct sk_civil c;
	if (sk_civil_parse(local, &c) != SK_OK)
		return "(parse failed)";
	sk_time_format_utc(sk_oslo_to_utc_ms(&c), out);
	return out;
}

/* UTC ms of "YYYY-MM-DDTHH:MM:SS" read as UTC (test helper). */
static int64_t utc_ms(int y, int m, int d, int hh, int mi, int ss)
{
	return sk_days_from_civil(y, m, d) * 86400000 +
	       ((int64_t)hh * 3600 + mi * 60 + ss) * 1000;
}

static int month_days(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30,
				  31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dim[m - 1];
}

static void test_days_round_trip(void)
{
	/* Walk every day of 1900..2100 with an independent calendar. */
	int y = 1900, m = 1, d = 1;
	int64_t z = sk_days_from_civil(1900, 1, 1);
	int bad = 0;
	CHECK_INT(sk_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(sk_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(z, -25567);
	while (y <= 2100) {
		int yy, mm, dd;
		sk_civil_from_days(z, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d ||
		    sk_days_from_civil(y, m, d) != z)
			bad++;
		z++;
		if (++d > month_days(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(z, sk_days_from_civil(2101, 1, 1));
}

static void test_date_parse(void)
{
	struct sk_date d;
	char text[11];
	CHECK_INT(sk_date_parse("2024-02-29", &d), SK_OK);
	CHECK_INT(d.y, 2024);
	CHECK_INT(d.m, 2);
	CHECK_INT(d.d, 29);
	sk_date_format(&d, text);
	CHECK_STR(text, "2024-02-29");
	CHECK_INT(sk_date_parse("2000-02-29", &d), SK_OK);
	CHECK_INT(sk_date_parse("2023-02-29", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("1900-02-29", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-13-01", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-00-10", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-04-31", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-04-00", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-1-01", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-01-01x", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023-01-01T00:00:00", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("2023/01/01", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("+023-01-01", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse("", &d), SK_ERR_PARSE);
	CHECK_INT(sk_date_parse(NULL, &d), SK_ERR_PARSE);

	struct sk_date a = {2024, 2, 28}, b = sk_date_add_days(a, 2);
	CHECK_INT(b.m, 3);
	CHECK_INT(b.d, 1);
	CHECK_INT(sk_date_diff(&a, &b), 2);
	CHECK(sk_date_cmp(&a, &b) < 0);
	CHECK(sk_date_cmp(&b, &a) > 0);
	CHECK_INT(sk_date_cmp(&a, &a), 0);
}

static void test_civil_parse(void)
{
	struct sk_civil c;
	CHECK_INT(sk_civil_parse("2023-03-01T00:00:00", &c), SK_OK);
	CHECK_INT(c.y, 2023);
	CHECK_INT(c.hh, 0);
	CHECK_INT(c.ms, 0);
	CHECK_INT(sk_civil_parse("2023-03-02T09:11:14.2", &c), SK_OK);
	CHECK_INT(c.hh, 9);
	CHECK_INT(c.mi, 11);
	CHECK_INT(c.ss, 14);
	CHECK_INT(c.ms, 200);
	CHECK_INT(sk_civil_parse("2022-01-16T15:20:07.89", &c), SK_OK);
	CHECK_INT(c.ms, 890);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29.677", &c), SK_OK);
	CHECK_INT(c.ms, 677);
	CHECK_INT(sk_civil_parse("2023-02-28T23:59:59.007", &c), SK_OK);
	CHECK_INT(c.ms, 7);

	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29.6771", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29.", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29Z", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29+01:00", &c),
		  SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29.5+01:00", &c),
		  SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32:29.5Z", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28 15:32:29", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T15:32", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T24:00:00", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T23:60:00", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T23:59:60", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-29T12:00:00", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28T1a:00:00", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("2023-02-28", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse("", &c), SK_ERR_PARSE);
	CHECK_INT(sk_civil_parse(NULL, &c), SK_ERR_PARSE);
}

static void test_oslo_to_utc(void)
{
	char t[SK_TIME_UTC_LEN];
	/* Winter (+01:00) and summer (+02:00). */
	CHECK_STR(oslo_to_utc_text("2023-03-01T00:00:00", t),
		  "2023-02-28T23:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2023-02-28T15:32:29.677", t),
		  "2023-02-28T14:32:29.677Z");
	CHECK_STR(oslo_to_utc_text("2023-07-15T12:00:00", t),
		  "2023-07-15T10:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2024-01-01T00:30:00.5", t),
		  "2023-12-31T23:30:00.500Z");

	/* 2024 spring: 02:00 local jumps to 03:00 (01:00Z). */
	CHECK_STR(oslo_to_utc_text("2024-03-31T00:00:00", t),
		  "2024-03-30T23:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2024-03-31T01:59:59", t),
		  "2024-03-31T00:59:59.000Z");
	CHECK_STR(oslo_to_utc_text("2024-03-31T03:00:00", t),
		  "2024-03-31T01:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2024-03-31T02:30:00", t),
		  "2024-03-31T01:30:00.000Z"); /* gap: read as +01:00 */
	CHECK_STR(oslo_to_utc_text("2024-03-31T02:00:00", t),
		  "2024-03-31T01:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2024-03-31T23:59:59", t),
		  "2024-03-31T21:59:59.000Z");
	/* 2024 autumn: 03:00 local falls back to 02:00 (01:00Z). */
	CHECK_STR(oslo_to_utc_text("2024-10-27T00:00:00", t),
		  "2024-10-26T22:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2024-10-27T01:59:59", t),
		  "2024-10-26T23:59:59.000Z");
	CHECK_STR(oslo_to_utc_text("2024-10-27T02:30:00", t),
		  "2024-10-27T00:30:00.000Z"); /* first occurrence */
	CHECK_STR(oslo_to_utc_text("2024-10-27T02:59:59.999", t),
		  "2024-10-27T00:59:59.999Z");
	CHECK_STR(oslo_to_utc_text("2024-10-27T03:00:00", t),
		  "2024-10-27T02:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2024-10-27T23:59:59", t),
		  "2024-10-27T22:59:59.000Z");
	/* 2023: 26 March and 29 October. */
	CHECK_STR(oslo_to_utc_text("2023-03-26T01:59:59", t),
		  "2023-03-26T00:59:59.000Z");
	CHECK_STR(oslo_to_utc_text("2023-03-26T02:30:00", t),
		  "2023-03-26T01:30:00.000Z");
	CHECK_STR(oslo_to_utc_text("2023-03-26T03:00:00", t),
		  "2023-03-26T01:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2023-03-25T02:30:00", t),
		  "2023-03-25T01:30:00.000Z");
	CHECK_STR(oslo_to_utc_text("2023-10-29T02:30:00", t),
		  "2023-10-29T00:30:00.000Z");
	CHECK_STR(oslo_to_utc_text("2023-10-29T03:00:00", t),
		  "2023-10-29T02:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2023-10-28T02:30:00", t),
		  "2023-10-28T00:30:00.000Z");
	/* 2025: 30 March and 26 October. */
	CHECK_STR(oslo_to_utc_text("2025-03-30T01:59:59", t),
		  "2025-03-30T00:59:59.000Z");
	CHECK_STR(oslo_to_utc_text("2025-03-30T02:30:00", t),
		  "2025-03-30T01:30:00.000Z");
	CHECK_STR(oslo_to_utc_text("2025-03-30T03:00:00", t),
		  "2025-03-30T01:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2025-10-26T02:30:00", t),
		  "2025-10-26T00:30:00.000Z");
	CHECK_STR(oslo_to_utc_text("2025-10-26T03:00:00", t),
		  "2025-10-26T02:00:00.000Z");
	CHECK_STR(oslo_to_utc_text("2025-10-27T02:30:00", t),
		  "2025-10-27T01:30:00.000Z");

	/* Offsets around the instants of change. */
	CHECK_INT(sk_oslo_offset_at(utc_ms(2024, 3, 31, 0, 59, 59)), 3600);
	CHECK_INT(sk_oslo_offset_at(utc_ms(2024, 3, 31, 1, 0, 0)), 7200);
	CHECK_INT(sk_oslo_offset_at(utc_ms(2024, 10, 27, 0, 59, 59)), 7200);
	CHECK_INT(sk_oslo_offset_at(utc_ms(2024, 10, 27, 1, 0, 0)), 3600);
}

static void test_oslo_from_utc(void)
{
	/* Every 15 minutes through 2023-2025 (both change days each year):
	 * UTC -> local -> UTC is the identity, except the repeated autumn
	 * hour, whose second occurrence maps back to the first. */
	int64_t start = utc_ms(2023, 1, 1, 0, 0, 0);
	int64_t end = utc_ms(2026, 1, 1, 0, 0, 0);
	int mismatches = 0, repeated = 0;
	for (int64_t t = start; t < end; t += 15 * 60000 + 7) {
		struct sk_civil c;
		sk_oslo_from_utc_ms(t, &c);
		int64_t back = sk_oslo_to_utc_ms(&c);
		if (back == t)
			continue;
		if (back == t - 3600000 && c.hh == 2 && c.m == 10)
			repeated++;
		else
			mismatches++;
	}
	CHECK_INT(mismatches, 0);
	CHECK(repeated > 0);

	struct sk_civil c;
	sk_oslo_from_utc_ms(utc_ms(2024, 10, 27, 1, 30, 0), &c);
	CHECK_INT(c.d, 27);
	CHECK_INT(c.hh, 2);
	CHECK_INT(c.mi, 30);
	sk_oslo_from_utc_ms(utc_ms(2024, 10, 27, 0, 30, 0), &c);
	CHECK_INT(c.hh, 2);
	sk_oslo_from_utc_ms(utc_ms(2024, 3, 31, 1, 0, 0) + 5, &c);
	CHECK_INT(c.hh, 3);
	CHECK_INT(c.mi, 0);
	CHECK_INT(c.ms, 5);
	sk_oslo_from_utc_ms(utc_ms(2023, 12, 31, 23, 0, 0), &c);
	CHECK_INT(c.y, 2024);
	CHECK_INT(c.m, 1);
	CHECK_INT(c.d, 1);
	CHECK_INT(c.hh, 0);
}

static void test_oslo_date_at(void)
{
	/* 22:30Z is 23:30 local in winter (same day), 00:30 next day in
	 * summer. */
	struct sk_date d = sk_oslo_date_at(utc_ms(2024, 1, 15, 22, 30, 0));
	CHECK_INT(d.y, 2024);
	CHECK_INT(d.m, 1);
	CHECK_INT(d.d, 15);
	d = sk_oslo_date_at(utc_ms(2024, 7, 15, 22, 30, 0));
	CHECK_INT(d.m, 7);
	CHECK_INT(d.d, 16);
	d = sk_oslo_date_at(utc_ms(2024, 12, 31, 23, 0, 0));
	CHECK_INT(d.y, 2025);
	CHECK_INT(d.m, 1);
	CHECK_INT(d.d, 1);
	d = sk_oslo_date_at(utc_ms(2024, 12, 31, 22, 59, 59));
	CHECK_INT(d.y, 2024);
	CHECK_INT(d.d, 31);
}

static void test_format_utc(void)
{
	char t[SK_TIME_UTC_LEN];
	sk_time_format_utc(0, t);
	CHECK_STR(t, "1970-01-01T00:00:00.000Z");
	sk_time_format_utc(utc_ms(2024, 2, 29, 23, 59, 59) + 999, t);
	CHECK_STR(t, "2024-02-29T23:59:59.999Z");
	sk_time_format_utc(-1, t);
	CHECK_STR(t, "1969-12-31T23:59:59.999Z");
	sk_time_format_utc(utc_ms(1900, 1, 1, 0, 0, 0), t);
	CHECK_STR(t, "1900-01-01T00:00:00.000Z");
	CHECK_INT(strlen(t), SK_TIME_UTC_LEN - 1);
	/* A sweep over 200 years round-trips through the parser. */
	int bad = 0;
	for (int64_t ms = utc_ms(1900, 1, 1, 0, 0, 0) + 7;
	     ms < utc_ms(2100, 1, 1, 0, 0, 0);
	     ms += 86400000LL * 37 + 3723457) {
		int64_t back = 0;
		sk_time_format_utc(ms, t);
		if (!sk_time_parse_utc(t, &back) || back != ms)
			bad++;
	}
	CHECK_INT(bad, 0);
}

static void test_weekday(void)
{
	struct sk_date d = {1970, 1, 1};
	CHECK_INT(sk_date_weekday(&d), 4); /* Thursday */
	d = (struct sk_date){2024, 3, 31};
	CHECK_INT(sk_date_weekday(&d), 7); /* Sunday: DST change */
	d = (struct sk_date){2024, 10, 27};
	CHECK_INT(sk_date_weekday(&d), 7);
	d = (struct sk_date){2000, 1, 1};
	CHECK_INT(sk_date_weekday(&d), 6); /* Saturday */
	d = (struct sk_date){1900, 1, 1};
	CHECK_INT(sk_date_weekday(&d), 1); /* Monday */
	d = (struct sk_date){2023, 3, 1};
	CHECK_INT(sk_date_weekday(&d), 3); /* Wednesday */
}

static void test_backoff(void)
{
	uint64_t rng = 42;
	for (unsigned attempt = 0; attempt < 40; attempt++) {
		int64_t ceil = 100;
		for (unsigned i = 0; i < attempt && ceil < 30000; i++)
			ceil *= 2;
		if (ceil > 30000)
			ceil = 30000;
		int64_t lo = INT64_MAX, hi = -1;
		bool out_of_range = false;
		for (int k = 0; k < 200; k++) {
			int64_t v = sk_backoff_ms(attempt, 100, 30000, &rng);
			out_of_range |= v < 0 || v > ceil;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		CHECK(!out_of_range);
		CHECK(lo != hi); /* jittered, not constant */
	}
	/* A huge attempt count does not overflow past the cap. */
	int64_t v = sk_backoff_ms(1000, 1000, 60000, &rng);
	CHECK(v >= 0 && v <= 60000);
	CHECK_INT(sk_backoff_ms(3, 0, 1000, &rng), 0);
	CHECK_INT(sk_backoff_ms(3, 100, 0, &rng), 0);
	/* The same seed gives the same sequence (caller-owned state). */
	uint64_t a = 7, b = 7;
	CHECK_INT(sk_backoff_ms(5, 100, 30000, &a),
		  sk_backoff_ms(5, 100, 30000, &b));
}

static const struct sk_case cases[] = {
	{"days_round_trip", test_days_round_trip},
	{"date_parse", test_date_parse},
	{"civil_parse", test_civil_parse},
	{"oslo_to_utc", test_oslo_to_utc},
	{"oslo_from_utc", test_oslo_from_utc},
	{"oslo_date_at", test_oslo_date_at},
	{"format_utc", test_format_utc},
	{"weekday", test_weekday},
	{"backoff", test_backoff},
};

SK_CASES_MAIN(cases)
