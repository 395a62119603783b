/*
 * cron.c - cron expressions: parsing into bitsets, and fire times on a
 * named zone's wall clock (next, previous, all in a range for catch-up).
 *
 * Pure computation: "now" is always an argument, nothing reads the clock
 * or the file system. Deliberately not here: running anything, the run
 * ledger, or Quartz-style extensions (seconds, L, W, #).
 */
#include "sched/sched.h"

#include <string.h>

#define DOM_ALL 0xFFFFFFFEu /* bits 1-31 */
#define DOW_ALL 0x7Fu       /* bits 0-6 */
#define YEAR_MAX 999000     /* keeps the search inside sk_tz's year range */

struct field_def {
	const char *name;
	int lo, hi;
	const char *const *names; /* three-letter names for lo, lo+1, ... */
	int nnames;
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR",
					  "MAY", "JUN", "JUL", "AUG",
					  "SEP", "OCT", "NOV", "DEC"};
static const char *const dow_names[] = {"SUN", "MON", "TUE", "WED",
					"THU", "FRI", "SAT"};

static const struct field_def fields[5] = {
	{"minute", 0, 59, NULL, 0},          {"hour", 0, 23, NULL, 0},
	{"day-of-month", 1, 31, NULL, 0},    {"month", 1, 12, month_names, 12},
	{"day-of-week", 0, 7, dow_names, 7},
};

static const struct {
	const char *name, *expr;
} macros[] = {
	{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
	{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
	{"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
	{"@hourly", "0 * * * *"},
};

static int upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static bool eq_nocase(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (upper((unsigned char)a[i]) != upper((unsigned char)b[i]))
			return false;
	return true;
}

/* ---------------------------------------------------------------- parsing */

struct cron_ctx {
	const char *expr; /* the whole expression, for messages */
	const struct field_def *f;
	struct sk_error *err;
};

static sk_err_t bad(const struct cron_ctx *cx, const char *what,
		    const char *tok, size_t n)
{
	return sk_error_set(cx->err, SK_ERR_PARSE, false,
			    "cron: %s %s '%.*s' in '%s'", cx->f->name, what,
			    (int)n, tok, cx->expr);
}

/* A number or (for months and weekdays) a name, within the field's range. */
static sk_err_t parse_value(const struct cron_ctx *cx, const char *s, size_t n,
			    int *out)
{
	const struct field_def *f = cx->f;
	if (n > 0 && s[0] >= '0' && s[0] <= '9') {
		int v = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return bad(cx, "has a bad value", s, n);
			if (v < 1000)
				v = v * 10 + (s[i] - '0');
		}
		if (v < f->lo || v > f->hi)
			return sk_error_set(cx->err, SK_ERR_PARSE, false,
					    "cron: %s %.*s out of range %d-%d "
					    "in '%s'",
					    f->name, (int)n, s, f->lo, f->hi,
					    cx->expr);
		*out = v;
		return SK_OK;
	}
	for (int i = 0; i < f->nnames; i++) {
		if (eq_nocase(s, n, f->names[i])) {
			*out = f->lo + i;
			return SK_OK;
		}
	}
	return bad(cx, "has a bad value", s, n);
}

/* One list item: "*", "v", "a-b", each optionally followed by "/step". */
static sk_err_t parse_item(const struct cron_ctx *cx, const char *s, size_t n,
			   uint64_t *bits)
{
	const struct field_def *f = cx->f;
	const char *slash = memchr(s, '/', n);
	size_t rn = slash ? (size_t)(slash - s) : n;
	int a, b, step = 1;
	sk_err_t rc;

	if (n == 0)
		return sk_error_set(cx->err, SK_ERR_PARSE, false,
				    "cron: %s has an empty list item in '%s'",
				    f->name, cx->expr);
	if (slash) {
		const char *st = slash + 1;
		size_t sn = n - rn - 1;
		int span = f->hi - f->lo + 1;
		step = 0;
		for (size_t i = 0; i < sn; i++) {
			if (st[i] < '0' || st[i] > '9') {
				step = 0;
				break;
			}
			if (step <= span)
				step = step * 10 + (st[i] - '0');
		}
		if (sn == 0 || step < 1 || step > span)
			return sk_error_set(cx->err, SK_ERR_PARSE, false,
					    "cron: %s step '%.*s' is not 1-%d "
					    "in '%s'",
					    f->name, (int)sn, st, span,
					    cx->expr);
	}
	if (rn == 1 && s[0] == '*') {
		a = f->lo;
		b = f->hi;
	} else {
		const char *dash = memchr(s, '-', rn);
		size_t an = dash ? (size_t)(dash - s) : rn;
		if ((rc = parse_value(cx, s, an, &a)) != SK_OK)
			return rc;
		if (dash) {
			if ((rc = parse_value(cx, dash + 1, rn - an - 1, &b)) !=
			    SK_OK)
				return rc;
			if (b < a)
				return bad(cx, "range is backwards:", s, rn);
		} else {
			b = slash ? f->hi : a;
		}
	}
	for (int v = a; v <= b; v += step)
		*bits |= (uint64_t)1 << v;
	return SK_OK;
}

/* A comma-separated list. */
static sk_err_t parse_field(const struct cron_ctx *cx, const char *s, size_t n,
			    uint64_t *bits)
{
	*bits = 0;
	for (;;) {
		const char *comma = memchr(s, ',', n);
		size_t in = comma ? (size_t)(comma - s) : n;
		sk_err_t rc = parse_item(cx, s, in, bits);
		if (rc != SK_OK)
			return rc;
		if (!comma)
			return SK_OK;
		s = comma + 1;
		n -= in + 1;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static sk_err_t parse_fields(const char *s, const char *expr,
			     struct sk_cron *out, struct sk_error *err)
{
	const char *tok[5];
	size_t len[5], count = 0;
	uint64_t bits[5];

	for (const char *p = s; *p;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !is_space(*p))
			p++;
		if (count < 5) {
			tok[count] = start;
			len[count] = (size_t)(p - start);
		}
		count++;
	}
	if (count != 5)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "cron: expected 5 fields (minute hour "
				    "day-of-month month day-of-week) or a "
				    "@macro, found %zu in '%s'",
				    count, expr);
	for (int i = 0; i < 5; i++) {
		struct cron_ctx cx = {expr, &fields[i], err};
		sk_err_t rc = parse_field(&cx, tok[i], len[i], &bits[i]);
		if (rc != SK_OK)
			return rc;
	}
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint16_t)bits[3];
	out->dow = (uint8_t)((bits[4] | bits[4] >> 7) & DOW_ALL);
	return SK_OK;
}

sk_err_t sk_cron_parse(const char *expr, struct sk_cron *out,
		       struct sk_error *err)
{
	if (!expr || !out)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cron: no expression");
	if (strnlen(expr, SK_CRON_MAX_LEN + 1) > SK_CRON_MAX_LEN)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "cron: expression longer than %d bytes",
				    SK_CRON_MAX_LEN);
	const char *s = expr;
	while (is_space(*s))
		s++;
	if (*s != '@')
		return parse_fields(s, expr, out, err);
	size_t n = 0;
	while (s[n] && !is_space(s[n]))
		n++;
	for (const char *p = s + n; *p; p++)
		if (!is_space(*p))
			return sk_error_set(err, SK_ERR_PARSE, false,
					    "cron: unexpected text after "
					    "macro in '%s'",
					    expr);
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
		if (eq_nocase(s, n, macros[i].name))
			return parse_fields(macros[i].expr, expr, out, err);
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "cron: unknown macro '%.*s' (known: @yearly "
			    "@annually @monthly @weekly @daily @midnight "
			    "@hourly)",
			    (int)n, s);
}

/* ------------------------------------------------------------- fire times */

static bool day_matches(const struct sk_cron *c, int y, int m, int d)
{
	if (!(c->month >> m & 1))
		return false;
	struct sk_date date = {y, m, d};
	bool dom = c->dom >> d & 1;
	bool dow = c->dow >> (sk_date_weekday(&date) % 7) & 1;
	if ((c->dom & DOM_ALL) != DOM_ALL && (c->dow & DOW_ALL) != DOW_ALL)
		return dom || dow;
	return dom && dow;
}

bool sk_cron_matches(const struct sk_cron *c, int y, int m, int d, int hh,
		     int mi)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= 31 && hh >= 0 && hh <= 23 &&
	       mi >= 0 && mi <= 59 && (c->hour >> hh & 1) &&
	       (c->minute >> mi & 1) && day_matches(c, y, m, d);
}

static int64_t wall_ms(const struct sk_civil *t)
{
	return sk_days_from_civil(t->y, t->m, t->d) * 86400000 +
	       ((int64_t)t->hh * 3600 + t->mi * 60 + t->ss) * 1000 + t->ms;
}

/* The instant a matching wall minute fires: its first occurrence, or for a
 * minute skipped by a gap, the transition that ends the gap. This map is
 * non-decreasing in wall time, which the searches below rely on. */
static int64_t slot_utc(const struct sk_tz *tz, int64_t day, int hh, int mi)
{
	struct sk_civil lt = {0, 0, 0, hh, mi, 0, 0}, back;
	sk_civil_from_days(day, &lt.y, &lt.m, &lt.d);
	int64_t u = sk_tz_local_to_utc_ms(tz, &lt, 0);
	sk_tz_from_utc_ms(tz, u, &back);
	int64_t shift = wall_ms(&back) - wall_ms(&lt);
	if (shift <= 0)
		return u;
	/* In a gap: u read the wall time with the offset from before it, so
	 * the transition lies in (u - shift, u]. */
	int64_t t = sk_tz_next_transition(tz, u - shift);
	return t <= u ? t : u;
}

int64_t sk_cron_next(const struct sk_cron *c, const struct sk_tz *tz,
		     int64_t after_utc_ms)
{
	struct sk_civil w;
	sk_tz_from_utc_ms(tz, after_utc_ms, &w);
	if (w.y > YEAR_MAX || w.y < -YEAR_MAX)
		return -1;
	/* Every wall minute up to w's fires at or before after_utc_ms, so
	 * start with the minute after it. */
	int64_t day = sk_days_from_civil(w.y, w.m, w.d);
	int start = w.hh * 60 + w.mi + 1;
	for (int i = 0; i <= SK_CRON_SEARCH_DAYS; i++, day++, start = 0) {
		int y, m, d;
		sk_civil_from_days(day, &y, &m, &d);
		if (!day_matches(c, y, m, d))
			continue;
		for (int hh = start / 60; hh < 24; hh++) {
			if (!(c->hour >> hh & 1))
				continue;
			for (int mi = hh == start / 60 ? start % 60 : 0;
			     mi < 60; mi++) {
				if (!(c->minute >> mi & 1))
					continue;
				int64_t u = slot_utc(tz, day, hh, mi);
				if (u > after_utc_ms)
					return u;
			}
		}
	}
	return -1;
}

int64_t sk_cron_prev(const struct sk_cron *c, const struct sk_tz *tz,
		     int64_t utc_ms)
{
	struct sk_civil w;
	sk_tz_from_utc_ms(tz, utc_ms, &w);
	if (w.y > YEAR_MAX || w.y < -YEAR_MAX)
		return -1;
	/* In the second pass of a repeated stretch, every wall minute up to
	 * the stretch's end has already fired (at its first occurrence):
	 * start from the last minute before the clocks went back. */
	int64_t first = sk_tz_local_to_utc_ms(tz, &w, 0);
	if (first < utc_ms) {
		int64_t t = sk_tz_next_transition(tz, first);
		if (t <= utc_ms)
			sk_tz_from_utc_ms(tz, t - 1, &w);
	}
	int64_t day = sk_days_from_civil(w.y, w.m, w.d);
	int start = w.hh * 60 + w.mi;
	for (int i = 0; i <= SK_CRON_SEARCH_DAYS; i++, day--, start = 1439) {
		int y, m, d;
		sk_civil_from_days(day, &y, &m, &d);
		if (!day_matches(c, y, m, d))
			continue;
		for (int hh = start / 60; hh >= 0; hh--) {
			if (!(c->hour >> hh & 1))
				continue;
			for (int mi = hh == start / 60 ? start % 60 : 59;
			     mi >= 0; mi--) {
				if (!(c->minute >> mi & 1))
					continue;
				int64_t u = slot_utc(tz, day, hh, mi);
				if (u <= utc_ms)
					return u;
			}
		}
	}
	return -1;
}

size_t sk_cron_between(const struct sk_cron *c, const struct sk_tz *tz,
		       int64_t from_excl, int64_t to_incl, int64_t *out,
		       size_t max)
{
	size_t n = 0;
	int64_t t = from_excl;
	while (n < max && t < to_incl) {
		t = sk_cron_next(c, tz, t);
		if (t == -1 || t > to_incl)
			break;
		out[n++] = t;
	}
	return n;
}
