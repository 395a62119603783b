/*
 * time.c - civil dates, Europe/Oslo wall time <-> UTC, clocks, backoff.
 *
 * Europe/Oslo is the only zone skred needs for the varsom calendar, so its
 * rules are written out here rather than read from a tz database; storage is
 * always UTC.
 */
#define _POSIX_C_SOURCE 200809L
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (era-based method). */
int64_t sk_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = (m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void sk_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30,
				  31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Read exactly n digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool date_valid(int y, int m, int d)
{
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= days_in_month(y, m);
}

static sk_err_t parse_date_part(const char *s, int *y, int *m, int *d)
{
	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-')
		return SK_ERR_PARSE;
	*y = digits(s, 4);
	*m = digits(s + 5, 2);
	*d = digits(s + 8, 2);
	if (*y < 0 || *m < 0 || *d < 0 || !date_valid(*y, *m, *d))
		return SK_ERR_PARSE;
	return SK_OK;
}

sk_err_t sk_date_parse(const char *s, struct sk_date *out)
{
	if (!s || strlen(s) != 10)
		return SK_ERR_PARSE;
	return parse_date_part(s, &out->y, &out->m, &out->d);
}

void sk_date_format(const struct sk_date *d, char out[11])
{
	snprintf(out, 11, "%04d-%02d-%02d", d->y % 10000, d->m % 100,
		 d->d % 100);
}

struct sk_date sk_date_add_days(struct sk_date d, int days)
{
	struct sk_date r;
	sk_civil_from_days(sk_days_from_civil(d.y, d.m, d.d) + days, &r.y, &r.m,
			   &r.d);
	return r;
}

int sk_date_cmp(const struct sk_date *a, const struct sk_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

int64_t sk_date_diff(const struct sk_date *a, const struct sk_date *b)
{
	return sk_days_from_civil(b->y, b->m, b->d) -
	       sk_days_from_civil(a->y, a->m, a->d);
}

int sk_date_weekday(const struct sk_date *d)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t z = sk_days_from_civil(d->y, d->m, d->d);
	int64_t w = (z + 3) % 7;
	if (w < 0)
		w += 7;
	return (int)w + 1;
}

sk_err_t sk_civil_parse(const char *s, struct sk_civil *out)
{
	if (!s)
		return SK_ERR_PARSE;
	size_t len = strlen(s);
	if (len < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return SK_ERR_PARSE;
	if (parse_date_part(s, &out->y, &out->m, &out->d) != SK_OK)
		return SK_ERR_PARSE;
	out->hh = digits(s + 11, 2);
	out->mi = digits(s + 14, 2);
	out->ss = digits(s + 17, 2);
	if (out->hh < 0 || out->hh > 23 || out->mi < 0 || out->mi > 59 ||
	    out->ss < 0 || out->ss > 59)
		return SK_ERR_PARSE;
	out->ms = 0;
	if (len == 19)
		return SK_OK;
	if (s[19] != '.' || len < 21 || len > 23)
		return SK_ERR_PARSE;
	size_t nd = len - 20;
	int f = digits(s + 20, (int)nd);
	if (f < 0)
		return SK_ERR_PARSE;
	out->ms = nd == 1 ? f * 100 : nd == 2 ? f * 10 : f;
	return SK_OK;
}

/* Day number of the last Sunday of month m in year y. */
static int64_t last_sunday(int y, int m)
{
	struct sk_date d = {y, m, days_in_month(y, m)};
	int wd = sk_date_weekday(&d); /* 7 = Sunday */
	return sk_days_from_civil(y, m, d.d) - (wd % 7);
}

/* DST interval [start, end) in UTC ms for year y; false if none. */
static bool oslo_dst_bounds(int y, int64_t *start, int64_t *end)
{
	const int64_t day = 86400000, hour = 3600000;
	if (y < 1980)
		return false;
	if (y == 1980) { /* 6 April - 28 September, 01:00 UTC */
		*start = sk_days_from_civil(1980, 4, 6) * day + hour;
		*end = sk_days_from_civil(1980, 9, 28) * day + hour;
		return true;
	}
	*start = last_sunday(y, 3) * day + hour;
	*end = last_sunday(y, y >= 1996 ? 10 : 9) * day + hour;
	return true;
}

int sk_oslo_offset_at(int64_t utc_ms)
{
	int y, m, d;
	int64_t days = utc_ms >= 0 ? utc_ms / 86400000
				   : -((-utc_ms + 86399999) / 86400000);
	sk_civil_from_days(days, &y, &m, &d);
	int64_t s, e;
	if (oslo_dst_bounds(y, &s, &e) && utc_ms >= s && utc_ms < e)
		return 7200;
	return 3600;
}

static int64_t civil_as_utc_ms(const struct sk_civil *t)
{
	return sk_days_from_civil(t->y, t->m, t->d) * 86400000 +
	       ((int64_t)t->hh * 3600 + t->mi * 60 + t->ss) * 1000 + t->ms;
}

int64_t sk_oslo_to_utc_ms(const struct sk_civil *lt)
{
	int64_t wall = civil_as_utc_ms(lt);
	/* Try summer time first: it wins for the repeated autumn hour. */
	int64_t summer = wall - 7200000;
	if (sk_oslo_offset_at(summer) == 7200)
		return summer;
	return wall - 3600000;
}

void sk_oslo_from_utc_ms(int64_t utc_ms, struct sk_civil *out)
{
	int64_t wall = utc_ms + (int64_t)sk_oslo_offset_at(utc_ms) * 1000;
	int64_t days = wall >= 0 ? wall / 86400000
				 : -((-wall + 86399999) / 86400000);
	int64_t rem = wall - days * 86400000;
	sk_civil_from_days(days, &out->y, &out->m, &out->d);
	out->hh = (int)(rem / 3600000);
	out->mi = (int)(rem / 60000 % 60);
	out->ss = (int)(rem / 1000 % 60);
	out->ms = (int)(rem % 1000);
}

struct sk_date sk_oslo_date_at(int64_t utc_ms)
{
	struct sk_civil c;
	sk_oslo_from_utc_ms(utc_ms, &c);
	struct sk_date d = {c.y, c.m, c.d};
	return d;
}

void sk_time_format_utc(int64_t utc_ms, char out[SK_TIME_UTC_LEN])
{
	int64_t days = utc_ms >= 0 ? utc_ms / 86400000
				   : -((-utc_ms + 86399999) / 86400000);
	int64_t rem = utc_ms - days * 86400000;
	int y, m, d;
	sk_civil_from_days(days, &y, &m, &d);
	if (y < 0) { /* never in data; the general form */
		snprintf(out, SK_TIME_UTC_LEN,
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y % 10000, m, d,
			 (int)(rem / 3600000), (int)(rem / 60000 % 60),
			 (int)(rem / 1000 % 60), (int)(rem % 1000));
		return;
	}
	/* Digits by hand: this runs for every instant hashed and stored, and
	 * snprintf was 5 % of `skred process`. */
	const int parts[] = {y % 10000,
			     m,
			     d,
			     (int)(rem / 3600000),
			     (int)(rem / 60000 % 60),
			     (int)(rem / 1000 % 60),
			     (int)(rem % 1000)};
	static const char seps[] = "--T::.Z";
	static const int widths[] = {4, 2, 2, 2, 2, 2, 3};
	char *p = out;
	for (int i = 0; i < 7; i++) {
		for (int k = widths[i] - 1, v = parts[i]; k >= 0; k--, v /= 10)
			p[k] = (char)('0' + v % 10);
		p += widths[i];
		*p++ = seps[i];
	}
	*p = '\0';
}

bool sk_time_parse_utc(const char *s, int64_t *utc_ms)
{
	char buf[SK_TIME_UTC_LEN];
	struct sk_civil t;
	if (!s || strlen(s) != SK_TIME_UTC_LEN - 1 ||
	    s[SK_TIME_UTC_LEN - 2] != 'Z')
		return false;
	memcpy(buf, s, SK_TIME_UTC_LEN - 2);
	buf[SK_TIME_UTC_LEN - 2] = '\0';
	if (sk_civil_parse(buf, &t) != SK_OK)
		return false;
	*utc_ms = sk_days_from_civil(t.y, t.m, t.d) * 86400000 +
		  (int64_t)t.hh * 3600000 + (int64_t)t.mi * 60000 +
		  (int64_t)t.ss * 1000 + t.ms;
	return true;
}

/* One of the names in list (NULL-terminated) at s, exactly: its index and
 * *len, or -1. */
static int name_at(const char *s, size_t n, const char *const *list,
		   size_t *len)
{
	for (int i = 0; list[i]; i++) {
		size_t l = strlen(list[i]);
		if (l <= n && memcmp(s, list[i], l) == 0) {
			*len = l;
			return i;
		}
	}
	return -1;
}

/* "HH:MM:SS" at s (8 chars checked by the caller): seconds of the day or
 * -1. 60 seconds (a leap second) is accepted. */
static int clock_at(const char *s)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;
	int h = digits(s, 2), mi = digits(s + 3, 2), se = digits(s + 6, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
		return -1;
	return h * 3600 + mi * 60 + se;
}

sk_err_t sk_http_date_parse(const char *s, size_t n, int64_t *utc_ms)
{
	static const char *const wkday[] = {"Mon", "Tue", "Wed", "Thu",
					    "Fri", "Sat", "Sun", NULL};
	static const char *const weekday[] = {"Monday",    "Tuesday",
					      "Wednesday", "Thursday",
					      "Friday",    "Saturday",
					      "Sunday",    NULL};
	static const char *const month[] = {"Jan", "Feb", "Mar", "Apr", "May",
					    "Jun", "Jul", "Aug", "Sep", "Oct",
					    "Nov", "Dec", NULL};
	size_t l;
	int y, m, d, secs;
	if (!s || n > SK_LIMIT_HTTP_DATE)
		return SK_ERR_PARSE;
	if (n == 29 && name_at(s, n, wkday, &l) >= 0 && s[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		    s[16] != ' ' || s[25] != ' ' || memcmp(s + 26, "GMT", 3))
			return SK_ERR_PARSE;
		d = digits(s + 5, 2);
		m = name_at(s + 8, 3, month, &l) + 1;
		y = digits(s + 12, 4);
		secs = clock_at(s + 17);
	} else if (n == 24 && name_at(s, n, wkday, &l) >= 0 && s[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
			return SK_ERR_PARSE;
		m = name_at(s + 4, 3, month, &l) + 1;
		d = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
		secs = clock_at(s + 11);
		y = digits(s + 20, 4);
	} else if (name_at(s, n, weekday, &l) >= 0 && n == l + 24 &&
		   s[l] == ',') {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit
		 * year 70-99 is 19xx, 00-69 is 20xx. */
		const char *p = s + l + 1;
		if (p[0] != ' ' || p[3] != '-' || p[7] != '-' || p[10] != ' ' ||
		    p[19] != ' ' || memcmp(p + 20, "GMT", 3))
			return SK_ERR_PARSE;
		d = digits(p + 1, 2);
		m = name_at(p + 4, 3, month, &l) + 1;
		y = digits(p + 8, 2);
		if (y >= 0)
			y += y >= 70 ? 1900 : 2000;
		secs = clock_at(p + 11);
	} else {
		return SK_ERR_PARSE;
	}
	if (y < 0 || m < 1 || d < 0 || secs < 0 || !date_valid(y, m, d))
		return SK_ERR_PARSE;
	*utc_ms = (sk_days_from_civil(y, m, d) * 86400 + secs) * 1000;
	return SK_OK;
}

int64_t sk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sk_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sk_sleep_ms(int64_t ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

uint64_t sk_rand_next(uint64_t *rng)
{
	/* xorshift64*: small, fast, good enough for jitter and simulation. */
	uint64_t x = *rng ? *rng : 0x9E3779B97F4A7C15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

int64_t sk_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
		      uint64_t *rng)
{
	if (base_ms <= 0 || cap_ms <= 0)
		return 0;
	int64_t ceil = base_ms;
	for (unsigned i = 0; i < attempt && ceil < cap_ms; i++)
		ceil *= 2;
	if (ceil > cap_ms)
		ceil = cap_ms;
	return (int64_t)(sk_rand_next(rng) % (uint64_t)(ceil + 1));
}
