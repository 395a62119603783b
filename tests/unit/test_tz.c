/*
 * test_tz.c - named time zones (src/core/tz.c): Europe/Oslo from the system
 * tz database against core's hard-coded sk_oslo_* for 1990-2040, New York
 * and Sydney around their changes, UTC, bad and unknown names, the
 * SKRED_ZONEINFO override, truncated and corrupted TZif data, POSIX TZ
 * footers on their own (every date form, signs, <+03> names), and a
 * cross-check against the C library's localtime_r for tricky zones.
 *
 * Needs /usr/share/zoneinfo (Debian package tzdata).
 */
#include "core/core.h"
#include "cases.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOUR 3600000LL
#define DAY (24 * HOUR)

static int64_t utc_ms(int y, int m, int d, int hh, int mi, int ss)
{
	return sk_days_from_civil(y, m, d) * DAY +
	       ((int64_t)hh * 3600 + mi * 60 + ss) * 1000;
}

static struct sk_civil civil(int y, int m, int d, int hh, int mi)
{
	struct sk_civil c = {y, m, d, hh, mi, 0, 0};
	return c;
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

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	static unsigned char buf[SK_LIMIT_TZIF];
	if (!f) {
		perror(path);
		exit(1);
	}
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

/* ------------------------------------------------------- TZif construction */

struct tzif_spec {
	int version; /* 1, 2, 3 */
	size_t ntrans;
	const int64_t *times;
	const uint8_t *idx;
	size_t ntypes;
	const int32_t *offs;
	const char *footer; /* v2+: the POSIX TZ string */
};

static void put32(unsigned char **p, uint32_t v)
{
	(*p)[0] = (unsigned char)(v >> 24);
	(*p)[1] = (unsigned char)(v >> 16);
	(*p)[2] = (unsigned char)(v >> 8);
	(*p)[3] = (unsigned char)v;
	*p += 4;
}

static void put_header(unsigned char **p, int version, size_t ntrans,
		       size_t ntypes)
{
	memcpy(*p, "TZif", 4);
	(*p)[4] = version == 1 ? 0 : (unsigned char)('0' + version);
	memset(*p + 5, 0, 15);
	*p += 20;
	put32(p, 0);                /* isutcnt */
	put32(p, 0);                /* isstdcnt */
	put32(p, 0);                /* leapcnt */
	put32(p, (uint32_t)ntrans); /* timecnt */
	put32(p, (uint32_t)ntypes); /* typecnt */
	put32(p, 4);                /* charcnt: "ABC\0" */
}

static void put_block(unsigned char **p, const struct tzif_spec *s, int tsize)
{
	for (size_t i = 0; i < s->ntrans; i++) {
		if (tsize == 8)
			put32(p, (uint32_t)((uint64_t)s->times[i] >> 32));
		put32(p, (uint32_t)s->times[i]);
	}
	for (size_t i = 0; i < s->ntrans; i++)
		*(*p)++ = s->idx[i];
	for (size_t i = 0; i < s->ntypes; i++) {
		put32(p, (uint32_t)s->offs[i]);
		*(*p)++ = 0; /* isdst */
		*(*p)++ = 0; /* abbreviation index */
	}
	memcpy(*p, "ABC", 4);
	*p += 4;
}

/* Writes the file into buf (big enough) and returns its length. */
static size_t build_tzif(unsigned char *buf, const struct tzif_spec *s)
{
	unsigned char *p = buf;
	put_header(&p, s->version, s->ntrans, s->ntypes);
	put_block(&p, s, 4);
	if (s->version >= 2) {
		put_header(&p, s->version, s->ntrans, s->ntypes);
		put_block(&p, s, 8);
		*p++ = '\n';
		size_t n = strlen(s->footer);
		memcpy(p, s->footer, n);
		p += n;
		*p++ = '\n';
	}
	return (size_t)(p - buf);
}

/* A zone from only a POSIX TZ string: no transitions, one type. */
static sk_err_t footer_zone(const char *footer, int32_t off, struct sk_tz **out,
			    struct sk_error *err)
{
	unsigned char buf[512];
	struct tzif_spec s = {2, 0, NULL, NULL, 1, &off, footer};
	return sk_tz_parse(buf, build_tzif(buf, &s), footer, out, err);
}

/* ------------------------------------------------------------------ tests */

static void test_oslo_matches_core(void)
{
	struct sk_tz *tz = load("Europe/Oslo");
	CHECK_STR(sk_tz_name(tz), "Europe/Oslo");
	int64_t from = utc_ms(1990, 1, 1, 0, 0, 0);
	int64_t to = utc_ms(2041, 1, 1, 0, 0, 0);
	long bad = 0, bad_wall = 0, bad_back = 0;
	for (int64_t t = from; t < to; t += HOUR) {
		if (sk_tz_offset_at(tz, t) != sk_oslo_offset_at(t))
			bad++;
		struct sk_civil a, b;
		sk_tz_from_utc_ms(tz, t + 1234, &a);
		sk_oslo_from_utc_ms(t + 1234, &b);
		if (memcmp(&a, &b, sizeof a) != 0)
			bad_wall++;
		/* Every wall hh:30 (the UTC digits of t + 30 min), including
		 * the skipped and the repeated ones: gap and overlap rules
		 * must agree with core's too. */
		struct sk_civil lt;
		int64_t wall = t + 30 * 60000;
		sk_civil_from_days(wall / DAY, &lt.y, &lt.m, &lt.d);
		lt.hh = (int)(wall % DAY / HOUR);
		lt.mi = 30;
		lt.ss = lt.ms = 0;
		if (sk_tz_local_to_utc_ms(tz, &lt, 0) != sk_oslo_to_utc_ms(&lt))
			bad_back++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(bad_wall, 0);
	CHECK_INT(bad_back, 0);

	/* Transitions: the same instants as core's, both before 2037 (the
	 * table) and after (the footer). */
	int64_t t = from;
	int changes = 0;
	bool same = true;
	while ((t = sk_tz_next_transition(tz, t)) < to) {
		same = same &&
		       sk_oslo_offset_at(t - 1) != sk_oslo_offset_at(t) &&
		       sk_tz_offset_at(tz, t) == sk_oslo_offset_at(t);
		changes++;
	}
	CHECK(same);
	CHECK_INT(changes, 2 * 51);
	CHECK_INT(sk_tz_next_transition(tz, utc_ms(2040, 6, 1, 0, 0, 0)),
		  utc_ms(2040, 10, 28, 1, 0, 0));

	/* The rules, on 2024's change days. */
	struct sk_civil c = civil(2024, 3, 31, 2, 30);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 3, 31, 1, 30, 0));
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 1),
		  utc_ms(2024, 3, 31, 1, 30, 0));
	c = civil(2024, 10, 27, 2, 30);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 10, 27, 0, 30, 0));
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 1),
		  utc_ms(2024, 10, 27, 1, 30, 0));
	c = civil(2024, 10, 27, 3, 0);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 1),
		  utc_ms(2024, 10, 27, 2, 0, 0));
	c = civil(2024, 2, 31, 12, 0); /* rolls over into March 2 */
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 3, 2, 11, 0, 0));
	c = civil(2024, 13, 1, 0, 0);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0), INT64_MIN);
	c = civil(2024, 1, 1, 24, 0);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0), INT64_MIN);

	/* Before 1900 (LMT, +00:43) and far away: no crash, sane values. */
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(1880, 1, 1, 0, 0, 0)), 2580);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2500, 7, 1, 0, 0, 0)), 7200);
	CHECK_INT(sk_tz_offset_at(tz, INT64_MAX) % 3600, 0);
	CHECK_INT(sk_tz_offset_at(tz, INT64_MIN), 2580);
	struct sk_civil far;
	sk_tz_from_utc_ms(tz, INT64_MIN, &far);
	CHECK(far.y < -290000000 && far.ms >= 0 && far.ms < 1000);
	sk_tz_from_utc_ms(tz, INT64_MAX, &far);
	CHECK(far.y > 290000000 && far.hh >= 0 && far.hh < 24);
	sk_tz_free(tz);
}

static void test_new_york(void)
{
	struct sk_tz *tz = load("America/New_York");
	int64_t spring = utc_ms(2024, 3, 10, 7, 0, 0);
	int64_t autumn = utc_ms(2024, 11, 3, 6, 0, 0);
	CHECK_INT(sk_tz_offset_at(tz, spring - 1), -18000);
	CHECK_INT(sk_tz_offset_at(tz, spring), -14400);
	CHECK_INT(sk_tz_offset_at(tz, autumn - 1), -14400);
	CHECK_INT(sk_tz_offset_at(tz, autumn), -18000);
	CHECK_INT(sk_tz_next_transition(tz, utc_ms(2024, 1, 1, 0, 0, 0)),
		  spring);
	CHECK_INT(sk_tz_next_transition(tz, spring), autumn);
	struct sk_civil c = civil(2024, 3, 10, 2, 30); /* gap */
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 3, 10, 7, 30, 0));
	c = civil(2024, 11, 3, 1, 30); /* overlap */
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 11, 3, 5, 30, 0));
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 1),
		  utc_ms(2024, 11, 3, 6, 30, 0));
	struct sk_civil w;
	sk_tz_from_utc_ms(tz, utc_ms(2024, 7, 4, 16, 0, 0), &w);
	CHECK(w.y == 2024 && w.m == 7 && w.d == 4 && w.hh == 12 && w.mi == 0);
	/* After the table (2037): the footer's US rules. */
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2090, 3, 12, 6, 59, 59)), -18000);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2090, 3, 12, 7, 0, 0)), -14400);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2090, 11, 5, 5, 59, 59)), -14400);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2090, 11, 5, 6, 0, 0)), -18000);
	sk_tz_free(tz);
}

static void test_sydney(void)
{
	struct sk_tz *tz = load("Australia/Sydney");
	/* Summer time ends on the first Sunday of April at 03:00 AEDT and
	 * starts on the first Sunday of October at 02:00 AEST. */
	int64_t end = utc_ms(2024, 4, 6, 16, 0, 0);
	int64_t start = utc_ms(2024, 10, 5, 16, 0, 0);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 1, 15, 0, 0, 0)), 39600);
	CHECK_INT(sk_tz_offset_at(tz, end - 1), 39600);
	CHECK_INT(sk_tz_offset_at(tz, end), 36000);
	CHECK_INT(sk_tz_offset_at(tz, start - 1), 36000);
	CHECK_INT(sk_tz_offset_at(tz, start), 39600);
	CHECK_INT(sk_tz_next_transition(tz, utc_ms(2024, 1, 1, 0, 0, 0)), end);
	CHECK_INT(sk_tz_next_transition(tz, end), start);
	struct sk_civil c = civil(2024, 10, 6, 2, 30); /* gap */
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 10, 5, 16, 30, 0));
	c = civil(2024, 4, 7, 2, 30); /* overlap */
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 4, 6, 15, 30, 0));
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 1),
		  utc_ms(2024, 4, 6, 16, 30, 0));
	/* Footer, across the year boundary of the southern summer. */
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2061, 1, 1, 0, 0, 0)), 39600);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2061, 7, 1, 0, 0, 0)), 36000);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2061, 12, 31, 23, 0, 0)), 39600);
	sk_tz_free(tz);
}

static void test_utc(void)
{
	struct sk_tz *tz = load("UTC");
	CHECK_STR(sk_tz_name(tz), "UTC");
	CHECK_INT(sk_tz_offset_at(tz, 0), 0);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2100, 6, 1, 0, 0, 0)), 0);
	CHECK_INT(sk_tz_offset_at(tz, -utc_ms(2100, 6, 1, 0, 0, 0)), 0);
	CHECK_INT(sk_tz_next_transition(tz, 0), INT64_MAX);
	struct sk_civil c = civil(2024, 2, 29, 23, 59);
	c.ss = 59;
	c.ms = 999;
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2024, 2, 29, 23, 59, 59) + 999);
	struct sk_civil w;
	sk_tz_from_utc_ms(tz, -1, &w);
	CHECK(w.y == 1969 && w.m == 12 && w.d == 31 && w.hh == 23 &&
	      w.mi == 59 && w.ss == 59 && w.ms == 999);
	sk_tz_free(tz);
}

static void test_bad_names(void)
{
	static const struct {
		const char *name;
		sk_err_t code;
	} cases[] = {
		{"Europe/Atlantis", SK_ERR_NOTFOUND},
		{"Nowhere", SK_ERR_NOTFOUND},
		{"Europe", SK_ERR_NOTFOUND},         /* a directory */
		{"leapseconds", SK_ERR_NOTFOUND},    /* not TZif */
		{"right/Europe/Oslo", SK_ERR_PARSE}, /* leap seconds */
		{"../etc/passwd", SK_ERR_INVAL},
		{"Europe/../../etc/passwd", SK_ERR_INVAL},
		{"/etc/passwd", SK_ERR_INVAL},
		{"zone.tab", SK_ERR_INVAL},
		{"Europe/Oslo\n", SK_ERR_INVAL},
		{"Europe/Oslo ", SK_ERR_INVAL},
		{"Europe\\Oslo", SK_ERR_INVAL},
		{"", SK_ERR_INVAL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_tz *tz = (struct sk_tz *)&tz;
		struct sk_error err = {0};
		sk_err_t rc = sk_tz_load(cases[i].name, &tz, &err);
		CHECK_INT(rc, cases[i].code);
		CHECK_INT(err.code, cases[i].code);
		CHECK(tz == NULL);
		CHECK(strncmp(err.msg, "tz: ", 4) == 0);
		if (rc != cases[i].code)
			fprintf(stderr, "  %s: %s\n", cases[i].name, err.msg);
	}
	struct sk_tz *tz = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_tz_load(NULL, &tz, &err), SK_ERR_INVAL);
	char longname[400];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(sk_tz_load(longname, &tz, &err), SK_ERR_INVAL);
	CHECK_INT(sk_tz_load("Europe/Atlantis", &tz, &err), SK_ERR_NOTFOUND);
	CHECK(strstr(err.msg, "unknown time zone 'Europe/Atlantis'") != NULL);
}

static void test_override_dir(void)
{
	char dir[] = "/tmp/skred-test-tz-XXXXXX";
	char sub[64], path[128], path2[128];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof sub, "%s/Test", dir);
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(path, sizeof path, "%s/Test/Plus3", dir);

	unsigned char buf[512];
	int32_t off = 10800;
	struct tzif_spec s = {2, 0, NULL, NULL, 1, &off, "<+03>-3"};
	size_t len = build_tzif(buf, &s);
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite(buf, 1, len, f) == len);
	if (f)
		fclose(f);

	struct sk_tz *tz = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_tz_load_dir(dir, "Test/Plus3", &tz, &err), SK_OK);
	CHECK(tz && sk_tz_offset_at(tz, 0) == 10800);
	CHECK_STR(tz ? sk_tz_name(tz) : NULL, "Test/Plus3");
	sk_tz_free(tz);
	tz = NULL;
	CHECK_INT(sk_tz_load("Test/Plus3", &tz, &err), SK_ERR_NOTFOUND);
	setenv("SKRED_ZONEINFO", dir, 1);
	CHECK_INT(sk_tz_load("Test/Plus3", &tz, &err), SK_OK);
	CHECK(tz && sk_tz_offset_at(tz, 0) == 10800);
	sk_tz_free(tz);
	tz = NULL;
	CHECK_INT(sk_tz_load("Europe/Oslo", &tz, &err), SK_ERR_NOTFOUND);
	unsetenv("SKRED_ZONEINFO");
	CHECK_INT(sk_tz_load("Europe/Oslo", &tz, &err), SK_OK);
	sk_tz_free(tz);

	/* Over the size cap. */
	snprintf(path2, sizeof path2, "%s/Big", dir);
	f = fopen(path2, "wb");
	CHECK(f != NULL);
	for (size_t i = 0; f && i <= SK_LIMIT_TZIF / len; i++)
		fwrite(buf, 1, len, f);
	if (f)
		fclose(f);
	CHECK_INT(sk_tz_load_dir(dir, "Big", &tz, &err), SK_ERR_LIMIT);
	CHECK(tz == NULL);

	unlink(path2);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static void test_truncated_and_corrupted(void)
{
	size_t len;
	const unsigned char *file = read_all(SK_TZ_DIR_DEFAULT "/Europe/Oslo",
					     &len);
	static unsigned char copy[SK_LIMIT_TZIF];
	struct sk_error err;
	struct sk_tz *tz;
	CHECK(len > 1000);
	memcpy(copy, file, len);

	/* Every proper prefix is rejected with a message. */
	long ok = 0, silent = 0;
	for (size_t n = 0; n < len; n++) {
		memset(&err, 0, sizeof err);
		tz = (struct sk_tz *)&tz;
		if (sk_tz_parse(copy, n, "Oslo", &tz, &err) == SK_OK)
			ok++;
		if (!err.msg[0] || tz != NULL)
			silent++;
	}
	CHECK_INT(ok, 0);
	CHECK_INT(silent, 0);
	/* Trailing bytes too. */
	copy[len] = '\n';
	CHECK_INT(sk_tz_parse(copy, len + 1, "Oslo", &tz, &err), SK_ERR_PARSE);

	/* Every byte flipped: parsed or rejected, never a crash (the
	 * sanitizer build watches), and a parsed zone answers queries. */
	long parsed = 0;
	for (size_t i = 0; i < len; i++) {
		for (int x = 0; x < 3; x++) {
			static const unsigned char flips[] = {0xff, 0x01, 0x80};
			memcpy(copy, file, len);
			copy[i] ^= flips[x];
			tz = NULL;
			memset(&err, 0, sizeof err);
			if (sk_tz_parse(copy, len, "Oslo", &tz, &err) !=
			    SK_OK) {
				CHECK(tz == NULL && err.msg[0]);
				continue;
			}
			parsed++;
			struct sk_civil c = civil(2024, 3, 31, 2, 30), w;
			int64_t u = sk_tz_local_to_utc_ms(tz, &c, 0);
			sk_tz_from_utc_ms(tz, u, &w);
			(void)sk_tz_offset_at(tz, utc_ms(2100, 1, 1, 0, 0, 0));
			(void)sk_tz_next_transition(tz, 0);
			sk_tz_free(tz);
		}
	}
	CHECK(parsed > 0);

	/* Specific damage. */
	memcpy(copy, file, len);
	copy[0] = 'X';
	CHECK_INT(sk_tz_parse(copy, len, "Oslo", &tz, &err), SK_ERR_PARSE);
	CHECK(strstr(err.msg, "magic") != NULL);
	memcpy(copy, file, len);
	copy[4] = '1';
	CHECK_INT(sk_tz_parse(copy, len, "Oslo", &tz, &err), SK_ERR_PARSE);
	memcpy(copy, file, len);
	memset(copy + 32, 0xff, 4); /* timecnt */
	CHECK_INT(sk_tz_parse(copy, len, "Oslo", &tz, &err), SK_ERR_LIMIT);
	memcpy(copy, file, len);
	memset(copy + 36, 0, 4); /* typecnt 0 */
	CHECK_INT(sk_tz_parse(copy, len, "Oslo", &tz, &err), SK_ERR_PARSE);
	CHECK_INT(sk_tz_parse(copy, SK_LIMIT_TZIF + 1, "Oslo", &tz, &err),
		  SK_ERR_LIMIT);
	CHECK_INT(sk_tz_parse(NULL, 0, NULL, &tz, &err), SK_ERR_PARSE);
	CHECK(tz == NULL);
	char longname[SK_LIMIT_TZ_NAME + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(sk_tz_parse(file, len, longname, &tz, &err), SK_ERR_INVAL);
	CHECK_INT(sk_tz_parse(file, len, longname + 1, &tz, &err), SK_OK);
	CHECK_STR(tz ? sk_tz_name(tz) : NULL, longname + 1);
	sk_tz_free(tz);

	/* Constructed: out-of-order times, a bad type index, a huge offset. */
	unsigned char buf[512];
	int64_t times[2] = {1000, 1000};
	uint8_t idx[2] = {0, 1};
	int32_t offs[2] = {0, 3600};
	struct tzif_spec s = {2, 2, times, idx, 2, offs, "ABC-1"};
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err),
		  SK_ERR_PARSE);
	CHECK(strstr(err.msg, "ascending") != NULL);
	times[1] = 2000;
	idx[1] = 2;
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err),
		  SK_ERR_PARSE);
	idx[1] = 1;
	offs[1] = 100000;
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err),
		  SK_ERR_PARSE);
	offs[1] = 3600;
	char footer[SK_LIMIT_TZ_FOOTER + 2];
	memset(footer, 'A', sizeof footer - 1);
	footer[sizeof footer - 1] = '\0';
	s.footer = footer;
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err),
		  SK_ERR_LIMIT);
	s.footer = "ABC-1";
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err), SK_OK);
	CHECK(tz && sk_tz_offset_at(tz, 999999) == 0 &&
	      sk_tz_offset_at(tz, 1000000) == 0 &&
	      sk_tz_offset_at(tz, 2000000) == 3600);
	sk_tz_free(tz);
	/* Version 1: 32-bit times, no footer; the last type persists. */
	s.version = 1;
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err), SK_OK);
	CHECK(tz && sk_tz_offset_at(tz, utc_ms(2500, 1, 1, 0, 0, 0)) == 3600 &&
	      sk_tz_offset_at(tz, -utc_ms(2500, 1, 1, 0, 0, 0)) == 0);
	sk_tz_free(tz);
	/* An empty footer is allowed (no rule after the table). */
	s.version = 3;
	s.footer = "";
	CHECK_INT(sk_tz_parse(buf, build_tzif(buf, &s), "x", &tz, &err), SK_OK);
	CHECK(tz && sk_tz_offset_at(tz, utc_ms(2500, 1, 1, 0, 0, 0)) == 3600);
	sk_tz_free(tz);
}

static void test_footer_only(void)
{
	struct sk_tz *tz = NULL;
	struct sk_error err = {0};
	CHECK_INT(footer_zone("CET-1CEST,M3.5.0,M10.5.0/3", 3600, &tz, &err),
		  SK_OK);
	long bad = 0;
	for (int64_t t = utc_ms(1996, 1, 1, 0, 0, 0);
	     t < utc_ms(2041, 1, 1, 0, 0, 0); t += HOUR)
		if (sk_tz_offset_at(tz, t) != sk_oslo_offset_at(t))
			bad++;
	CHECK_INT(bad, 0);
	struct sk_civil c = civil(2030, 3, 31, 2, 30);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 0),
		  utc_ms(2030, 3, 31, 1, 30, 0));
	c = civil(2030, 10, 27, 2, 30);
	CHECK_INT(sk_tz_local_to_utc_ms(tz, &c, 1),
		  utc_ms(2030, 10, 27, 1, 30, 0));
	sk_tz_free(tz);

	/* Footer against the file's own table (US rules, 2007-2037). */
	struct sk_tz *ny = load("America/New_York");
	CHECK_INT(footer_zone("EST5EDT,M3.2.0,M11.1.0", -18000, &tz, &err),
		  SK_OK);
	bad = 0;
	for (int64_t t = utc_ms(2008, 1, 1, 0, 0, 0);
	     t < utc_ms(2037, 1, 1, 0, 0, 0); t += HOUR)
		if (sk_tz_offset_at(tz, t) != sk_tz_offset_at(ny, t))
			bad++;
	CHECK_INT(bad, 0);
	sk_tz_free(tz);
	sk_tz_free(ny);

	/* Jn never counts Feb 29; n (zero-based) does. Both at 00:00. */
	CHECK_INT(footer_zone("AAA-2BBB,J60/0,J300/0", 7200, &tz, &err), SK_OK);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2023, 2, 28, 21, 59, 59)), 7200);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2023, 2, 28, 22, 0, 0)), 10800);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 2, 28, 22, 0, 0)), 7200);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 2, 29, 22, 0, 0)), 10800);
	sk_tz_free(tz);
	CHECK_INT(footer_zone("AAA-2BBB,59/0,299/0", 7200, &tz, &err), SK_OK);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2023, 2, 28, 22, 0, 0)), 10800);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 2, 28, 21, 59, 59)), 7200);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 2, 28, 22, 0, 0)), 10800);
	sk_tz_free(tz);

	/* Negative and >24 h rule times, angle-bracket names (Greenland). */
	CHECK_INT(footer_zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, &tz,
			      &err),
		  SK_OK);
	/* Starts Saturday 2024-03-30 23:00 local -02 = 2024-03-31 01:00Z. */
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 3, 31, 0, 59, 59)), -7200);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 3, 31, 1, 0, 0)), -3600);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 10, 27, 0, 59, 59)), -3600);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 10, 27, 1, 0, 0)), -7200);
	sk_tz_free(tz);
	CHECK_INT(footer_zone("AAA0BBB,M3.1.0/49,M11.1.0/-25:30", 0, &tz, &err),
		  SK_OK);
	/* Start: Sunday 2024-03-03 + 49 h = Tuesday 01:00 local. */
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 3, 5, 0, 59, 59)), 0);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 3, 5, 1, 0, 0)), 3600);
	/* End: Sunday 2024-11-03 - 25:30 = Friday 22:30 BBB = 21:30Z. */
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 11, 1, 21, 29, 59)), 3600);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2024, 11, 1, 21, 30, 0)), 0);
	sk_tz_free(tz);

	/* Southern hemisphere and negative daylight saving (Dublin). */
	CHECK_INT(footer_zone("AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, &tz, &err),
		  SK_OK);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 1, 1, 0, 0, 0)), 39600);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 7, 1, 0, 0, 0)), 36000);
	sk_tz_free(tz);
	CHECK_INT(footer_zone("IST-1GMT0,M10.5.0,M3.5.0/1", 3600, &tz, &err),
		  SK_OK);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 1, 1, 0, 0, 0)), 0);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 7, 1, 0, 0, 0)), 3600);
	sk_tz_free(tz);

	/* Explicit daylight offset, seconds; permanent daylight time. */
	CHECK_INT(footer_zone("<+0530>-5:30<+0645>-6:45:30,J1/0,J365/0", 19800,
			      &tz, &err),
		  SK_OK);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 6, 1, 0, 0, 0)), 24330);
	sk_tz_free(tz);
	CHECK_INT(footer_zone("EST5EDT,0/0,J365/25", -18000, &tz, &err), SK_OK);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 1, 1, 4, 30, 0)), -14400);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2030, 12, 31, 23, 0, 0)), -14400);
	CHECK_INT(sk_tz_offset_at(tz, utc_ms(2031, 7, 1, 0, 0, 0)), -14400);
	CHECK_INT(sk_tz_next_transition(tz, utc_ms(2030, 6, 1, 0, 0, 0)),
		  INT64_MAX);
	sk_tz_free(tz);

	/* Malformed POSIX strings. */
	static const char *const bad_footers[] = {
		"CET-1CEST", /* daylight time without a rule */
		"CE-1",
		"CET",
		"CET-25",
		"CET-1:60",
		"-1",
		"<+03-3",
		"<+3>-3",
		"CET-1CEST,M13.5.0,M10.5.0",
		"CET-1CEST,M3.6.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0",
		"CET-1CEST,M3.5.0",
		"CET-1CEST,J0,J1",
		"CET-1CEST,366,1",
		"CET-1CEST,M3.5.0/168,M10.5.0",
		"CET-1CEST,M3.5.0,M10.5.0,",
		"CET-1 ",
		"CET-1CEST-25,J1,J2",
		":Europe/Oslo",
		"CET-1CEST,M3.5.0,M10.5.0/3x",
	};
	for (size_t i = 0; i < sizeof bad_footers / sizeof bad_footers[0];
	     i++) {
		tz = NULL;
		sk_err_t rc = footer_zone(bad_footers[i], 0, &tz, &err);
		CHECK_INT(rc, SK_ERR_PARSE);
		if (rc == SK_OK) {
			fprintf(stderr, "  accepted '%s'\n", bad_footers[i]);
			sk_tz_free(tz);
		}
	}
	CHECK(strstr(err.msg, "POSIX TZ") != NULL);
}

/* The C library reads the same files: compare offsets for zones with odd
 * rules (negative DST, half hours, 45 minutes, >24 h rule times, southern
 * hemisphere, date-line jumps, double summer time). */
static void test_against_libc(void)
{
	static const char *const zones[] = {
		"Europe/Oslo",      "Europe/Dublin",       "Europe/London",
		"Europe/Moscow",    "America/New_York",    "America/Nuuk",
		"America/Santiago", "America/St_Johns",    "America/Sao_Paulo",
		"Asia/Tehran",      "Asia/Kolkata",        "Asia/Kathmandu",
		"Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham",
		"Pacific/Apia",     "Pacific/Kiritimati",  "Africa/Casablanca",
		"Antarctica/Troll", "Asia/Gaza",           "UTC",
	};
	long bad = 0, samples = 0;
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		struct sk_tz *tz = load(zones[z]);
		char tzenv[128];
		snprintf(tzenv, sizeof tzenv, ":%s", zones[z]);
		setenv("TZ", tzenv, 1);
		tzset();
		long zbad = 0;
		/* Every 7 h 13 min from 1950 to 2065. */
		for (int64_t t = utc_ms(1950, 1, 1, 0, 0, 0);
		     t < utc_ms(2065, 1, 1, 0, 0, 0); t += 26580000) {
			time_t tt = (time_t)(t / 1000);
			struct tm tm;
			if (!localtime_r(&tt, &tm))
				continue;
			samples++;
			if (tm.tm_gmtoff != sk_tz_offset_at(tz, t) &&
			    zbad++ < 3)
				fprintf(stderr,
					"  %s at %lld: libc %ld, tz %d\n",
					zones[z], (long long)t, tm.tm_gmtoff,
					sk_tz_offset_at(tz, t));
		}
		bad += zbad;
		sk_tz_free(tz);
	}
	unsetenv("TZ");
	tzset();
	CHECK(samples > 1000000);
	CHECK_INT(bad, 0);
}

/* Round trips around every Oslo change from 1990 to 2040 and in Lord Howe
 * (30-minute changes): a wall time that exists maps back to itself. */
static void test_round_trips(void)
{
	static const char *const zones[] = {"Europe/Oslo",
					    "Australia/Lord_Howe",
					    "America/Santiago"};
	for (size_t z = 0; z < 3; z++) {
		struct sk_tz *tz = load(zones[z]);
		long bad = 0, gaps = 0, folds = 0;
		int64_t t = utc_ms(1990, 1, 1, 0, 0, 0);
		while ((t = sk_tz_next_transition(tz, t)) <
		       utc_ms(2041, 1, 1, 0, 0, 0)) {
			for (int64_t u = t - 3 * HOUR; u < t + 3 * HOUR;
			     u += 5 * 60000) {
				struct sk_civil w, back;
				sk_tz_from_utc_ms(tz, u, &w);
				int64_t a = sk_tz_local_to_utc_ms(tz, &w, 0);
				int64_t b = sk_tz_local_to_utc_ms(tz, &w, 1);
				if (a != u && b != u)
					bad++;
				if (a != b)
					folds++;
				/* An hour later on the same wall clock: may be a
				 * gap. */
				if (++w.hh == 24) {
					w.hh = 0;
					sk_civil_from_days(
						sk_days_from_civil(w.y, w.m,
								   w.d) +
							1,
						&w.y, &w.m, &w.d);
				}
				int64_t g = sk_tz_local_to_utc_ms(tz, &w, 0);
				sk_tz_from_utc_ms(tz, g, &back);
				if (back.hh != w.hh || back.mi != w.mi) {
					gaps++;
					if (sk_tz_offset_at(tz, g) <=
					    sk_tz_offset_at(tz, g - HOUR))
						bad++; /* gaps map forward */
				}
			}
		}
		CHECK_INT(bad, 0);
		if (!(gaps > 0 && folds > 0))
			fprintf(stderr, "  %s: gaps %ld folds %ld\n", zones[z],
				gaps, folds);
		CHECK(gaps > 0 && folds > 0);
		sk_tz_free(tz);
	}
}

static const struct sk_case cases[] = {
	{"oslo_matches_core", test_oslo_matches_core},
	{"new_york", test_new_york},
	{"sydney", test_sydney},
	{"utc", test_utc},
	{"bad_names", test_bad_names},
	{"override_dir", test_override_dir},
	{"truncated_and_corrupted", test_truncated_and_corrupted},
	{"footer_only", test_footer_only},
	{"against_libc", test_against_libc},
	{"round_trips", test_round_trips},
};

SK_CASES_MAIN(cases)
