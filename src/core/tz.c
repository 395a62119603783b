/*
 * tz.c - named time zones from the system tz database: a TZif parser
 * (RFC 8536, versions 1-4) with the POSIX TZ rule of its footer, offset
 * lookup, and wall time <-> UTC with stated gap/overlap rules.
 *
 * sk_tz_parse does no I/O and checks bounds on every read; sk_tz_load_dir
 * is the only function that touches the file system. Deliberately not here:
 * leap seconds ("right/" zones are rejected), time zone abbreviations, and
 * the TZ environment variable or the process's local zone.
 */
#define _POSIX_C_SOURCE 200809L
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* RFC 8536: offsets should lie in [-89999, 93599]; we insist, so that every
 * wall time is within 26 hours of its UTC instant. */
#define OFF_MIN (-89999)
#define OFF_MAX 93599
#define SPAN_MS (26 * 3600 * 1000LL)
#define HDR_LEN 44
#define MAX_TYPES 256 /* a transition's type is one byte */
#define YEAR_LIMIT 1000000

/* One date rule of a POSIX TZ string: Jn (1-365, Feb 29 never counted),
 * n (0-365, counting Feb 29) or Mm.w.d, with the local time of the change. */
struct tz_rule {
	char kind; /* 'J', 'N' or 'M' */
	int n;     /* J and N: day number */
	int mon, week, wday;
	int32_t secs; /* -167 h .. 167 h (RFC 8536 extension of POSIX) */
};

struct tz_posix {
	int32_t std_off, dst_off; /* seconds east of UTC */
	bool has_dst;
	struct tz_rule start, end; /* start in standard, end in daylight time */
};

struct sk_tz {
	const char *name; /* into this allocation */
	size_t ntrans;
	const int64_t *trans;      /* UTC seconds, strictly ascending */
	const uint8_t *trans_type; /* index into type_off */
	size_t ntypes;
	int32_t type_off[MAX_TYPES];
	bool has_footer; /* a non-empty POSIX TZ string follows the data */
	struct tz_posix footer;
};

/* ------------------------------------------------------------ arithmetic */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Seconds -> ms, saturating instead of overflowing. */
static int64_t s_to_ms(int64_t s)
{
	if (s > INT64_MAX / 1000)
		return INT64_MAX;
	if (s < INT64_MIN / 1000)
		return INT64_MIN;
	return s * 1000;
}

static int year_of(int64_t utc_s)
{
	int y, m, d;
	sk_civil_from_days(floor_div(utc_s, 86400), &y, &m, &d);
	return y;
}

static int64_t month_length(int y, int m)
{
	int64_t next = m == 12 ? sk_days_from_civil(y + 1, 1, 1)
			       : sk_days_from_civil(y, m + 1, 1);
	return next - sk_days_from_civil(y, m, 1);
}

/* 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday0(int64_t days)
{
	return (int)((days % 7 + 11) % 7);
}

/* ------------------------------------------------------ POSIX TZ footer */

/* The rule's local date in year y, as days since the epoch. */
static int64_t rule_day(const struct tz_rule *r, int y)
{
	int64_t jan1 = sk_days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->n - 1 +
		       (r->n >= 60 && month_length(y, 2) == 29);
	if (r->kind == 'N')
		return jan1 + r->n;
	int64_t first = sk_days_from_civil(y, r->mon, 1);
	int64_t d = first + (r->wday - weekday0(first) + 7) % 7 +
		    7 * (r->week - 1);
	while (d >= first + month_length(y, r->mon))
		d -= 7;
	return d;
}

struct tz_event {
	int64_t at; /* UTC seconds */
	bool dst;   /* daylight time from here on */
};

/* Daylight-time starts and ends of years y-2 .. y+2, sorted; an end sorts
 * before a start at the same instant, so a rule that ends and restarts at
 * once (permanent daylight time, "0/0,J365/25") stays in daylight time.
 * Five years cover any instant of year y whatever the rule times. */
#define EVENT_YEARS 5
static size_t footer_events(const struct tz_posix *f, int y,
			    struct tz_event ev[2 * EVENT_YEARS])
{
	size_t n = 0;
	for (int k = -2; k <= 2; k++) {
		ev[n].at = rule_day(&f->start, y + k) * 86400 + f->start.secs -
			   f->std_off;
		ev[n++].dst = true;
		ev[n].at = rule_day(&f->end, y + k) * 86400 + f->end.secs -
			   f->dst_off;
		ev[n++].dst = false;
	}
	for (size_t i = 1; i < n; i++) { /* insertion sort, ten items */
		struct tz_event e = ev[i];
		size_t j = i;
		while (j > 0 &&
		       (ev[j - 1].at > e.at ||
			(ev[j - 1].at == e.at && ev[j - 1].dst && !e.dst))) {
			ev[j] = ev[j - 1];
			j--;
		}
		ev[j] = e;
	}
	return n;
}

static int32_t footer_offset(const struct tz_posix *f, int64_t t)
{
	if (!f->has_dst)
		return f->std_off;
	struct tz_event ev[2 * EVENT_YEARS];
	size_t n = footer_events(f, year_of(t), ev);
	bool dst = false;
	for (size_t i = 0; i < n && ev[i].at <= t; i++)
		dst = ev[i].dst;
	return dst ? f->dst_off : f->std_off;
}

/* First rule event strictly after t; false if none (no daylight time). */
static bool footer_next_event(const struct tz_posix *f, int64_t t, int64_t *at)
{
	if (!f->has_dst)
		return false;
	struct tz_event ev[2 * EVENT_YEARS];
	size_t n = footer_events(f, year_of(t), ev);
	for (size_t i = 0; i < n; i++) {
		if (ev[i].at > t) {
			*at = ev[i].at;
			return true;
		}
	}
	return false; /* unreachable: year y+2's events are after t */
}

/* A bounded cursor over the footer text (not NUL-terminated). */
struct pz {
	const char *s;
	size_t i, n;
};

static int pz_peek(const struct pz *p)
{
	return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Up to max_digits digits; false if there is none. */
static bool pz_num(struct pz *p, int max_digits, int *out)
{
	int v = 0, k = 0;
	while (k < max_digits && is_digit(pz_peek(p))) {
		v = v * 10 + (p->s[p->i++] - '0');
		k++;
	}
	*out = v;
	return k > 0;
}

/* A zone abbreviation: three or more letters, or <...> with letters,
 * digits, '+' and '-' inside. Not kept. */
static bool pz_name(struct pz *p)
{
	size_t start;
	if (pz_peek(p) == '<') {
		start = ++p->i;
		while (is_alpha(pz_peek(p)) || is_digit(pz_peek(p)) ||
		       pz_peek(p) == '+' || pz_peek(p) == '-')
			p->i++;
		if (p->i - start < 3 || pz_peek(p) != '>')
			return false;
		p->i++;
		return true;
	}
	start = p->i;
	while (is_alpha(pz_peek(p)))
		p->i++;
	return p->i - start >= 3;
}

/* [+-]hh[:mm[:ss]] with hh <= max_h, as signed seconds. */
static bool pz_hms(struct pz *p, int max_h, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;
	if (pz_peek(p) == '+' || pz_peek(p) == '-')
		sign = p->s[p->i++] == '-' ? -1 : 1;
	if (!pz_num(p, 3, &h) || h > max_h)
		return false;
	if (pz_peek(p) == ':') {
		p->i++;
		if (!pz_num(p, 2, &m) || m > 59)
			return false;
		if (pz_peek(p) == ':') {
			p->i++;
			if (!pz_num(p, 2, &s) || s > 59)
				return false;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return true;
}

/* ",date[/time]" */
static bool pz_rule(struct pz *p, struct tz_rule *r)
{
	if (pz_peek(p) != ',')
		return false;
	p->i++;
	if (pz_peek(p) == 'J') {
		p->i++;
		r->kind = 'J';
		if (!pz_num(p, 3, &r->n) || r->n < 1 || r->n > 365)
			return false;
	} else if (pz_peek(p) == 'M') {
		p->i++;
		r->kind = 'M';
		if (!pz_num(p, 2, &r->mon) || r->mon < 1 || r->mon > 12 ||
		    pz_peek(p) != '.')
			return false;
		p->i++;
		if (!pz_num(p, 1, &r->week) || r->week < 1 || r->week > 5 ||
		    pz_peek(p) != '.')
			return false;
		p->i++;
		if (!pz_num(p, 1, &r->wday) || r->wday > 6)
			return false;
	} else {
		r->kind = 'N';
		if (!pz_num(p, 3, &r->n) || r->n > 365)
			return false;
	}
	r->secs = 7200; /* POSIX default 02:00 */
	if (pz_peek(p) == '/') {
		p->i++;
		return pz_hms(p, 167, &r->secs);
	}
	return true;
}

/* Parse "std offset [dst [offset] ,rule,rule]" (POSIX.1-2017 TZ, plus the
 * RFC 8536 extensions: hours -167..167 in rule times). POSIX offsets are
 * west-positive; we store east-positive. Daylight time without a rule is
 * implementation-defined in POSIX and never written by zic, so it is
 * rejected. */
static bool posix_parse(const char *s, size_t n, struct tz_posix *out)
{
	struct pz p = {s, 0, n};
	int32_t off;
	memset(out, 0, sizeof *out);
	if (!pz_name(&p) || !pz_hms(&p, 24, &off))
		return false;
	out->std_off = -off;
	if (p.i == n)
		return true;
	if (!pz_name(&p))
		return false;
	out->has_dst = true;
	out->dst_off = out->std_off + 3600;
	if (pz_peek(&p) != ',') {
		if (!pz_hms(&p, 24, &off))
			return false;
		out->dst_off = -off;
	}
	/* Hours <= 24 keep both offsets within [OFF_MIN, OFF_MAX]. */
	return pz_rule(&p, &out->start) && pz_rule(&p, &out->end) && p.i == n;
}

/* ---------------------------------------------------------------- lookup */

/* Index of the last transition at or before t; -1 if t is before all. */
static ptrdiff_t trans_index(const struct sk_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->ntrans; /* answer + 1 in [lo, hi] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->trans[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

static bool in_footer(const struct sk_tz *tz, int64_t t)
{
	return tz->has_footer &&
	       (tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1]);
}

static int32_t offset_s(const struct sk_tz *tz, int64_t t)
{
	if (in_footer(tz, t))
		return footer_offset(&tz->footer, t);
	ptrdiff_t i = trans_index(tz, t);
	return tz->type_off[i < 0 ? 0 : tz->trans_type[i]];
}

/* First instant > t where the offset differs from offset_s(t). Rule
 * events that change nothing are skipped, a bounded number of times. */
static bool next_change_s(const struct sk_tz *tz, int64_t t, int64_t *at)
{
	int32_t cur = offset_s(tz, t);
	if (!in_footer(tz, t)) {
		for (size_t i = (size_t)(trans_index(tz, t) + 1);
		     i < tz->ntrans; i++) {
			if (offset_s(tz, tz->trans[i]) != cur) {
				*at = tz->trans[i];
				return true;
			}
		}
		if (!tz->has_footer)
			return false;
		t = tz->trans[tz->ntrans - 1];
	}
	for (int k = 0; k < 4 * EVENT_YEARS; k++) {
		if (!footer_next_event(&tz->footer, t, &t))
			return false;
		if (footer_offset(&tz->footer, t) != cur) {
			*at = t;
			return true;
		}
	}
	return false;
}

int sk_tz_offset_at(const struct sk_tz *tz, int64_t utc_ms)
{
	return offset_s(tz, floor_div(utc_ms, 1000));
}

int64_t sk_tz_next_transition(const struct sk_tz *tz, int64_t utc_ms)
{
	int64_t at;
	if (!next_change_s(tz, floor_div(utc_ms, 1000), &at))
		return INT64_MAX;
	return s_to_ms(at);
}

void sk_tz_from_utc_ms(const struct sk_tz *tz, int64_t utc_ms,
		       struct sk_civil *out)
{
	int64_t s = floor_div(utc_ms, 1000);
	int64_t ms = utc_ms % 1000;
	if (ms < 0)
		ms += 1000;
	int64_t wall = s + offset_s(tz, s);
	int64_t days = floor_div(wall, 86400);
	int64_t rem = wall - days * 86400;
	sk_civil_from_days(days, &out->y, &out->m, &out->d);
	out->hh = (int)(rem / 3600);
	out->mi = (int)(rem / 60 % 60);
	out->ss = (int)(rem % 60);
	out->ms = (int)ms;
}

int64_t sk_tz_local_to_utc_ms(const struct sk_tz *tz, const struct sk_civil *lt,
			      int fold)
{
	if (lt->y < -YEAR_LIMIT || lt->y > YEAR_LIMIT || lt->m < 1 ||
	    lt->m > 12 || lt->d < 1 || lt->d > 31 || lt->hh < 0 ||
	    lt->hh > 23 || lt->mi < 0 || lt->mi > 59 || lt->ss < 0 ||
	    lt->ss > 59 || lt->ms < 0 || lt->ms > 999)
		return INT64_MIN;
	int64_t wall = sk_days_from_civil(lt->y, lt->m, lt->d) * 86400000 +
		       ((int64_t)lt->hh * 3600 + lt->mi * 60 + lt->ss) * 1000 +
		       lt->ms;

	/* Walk the constant-offset intervals [u, next) of UTC that may hold
	 * an instant showing this wall time: offsets are under 26 hours, so
	 * they all lie within wall +- 26 h. Each interval has at most one
	 * candidate, wall - offset. */
	int64_t u = floor_div(wall - SPAN_MS, 1000);
	int64_t hi = floor_div(wall + SPAN_MS, 1000);
	int64_t first = INT64_MIN, last = INT64_MIN, gap = INT64_MIN;
	for (int k = 0; k < SK_LIMIT_TZ_TRANSITIONS + 64 && u <= hi; k++) {
		int32_t off = offset_s(tz, u);
		int64_t c = wall - (int64_t)off * 1000, next;
		bool more = next_change_s(tz, u, &next);
		if (!more || c < s_to_ms(next)) {
			if (c >= s_to_ms(u)) { /* always true for the first */
				if (first == INT64_MIN)
					first = c;
				last = c;
			}
		} else {
			/* The wall time comes after this interval's local end:
			 * if no later interval shows it, it is in the gap that
			 * follows the latest such interval. */
			gap = c;
		}
		if (!more)
			break;
		u = next;
	}
	if (first != INT64_MIN)
		return fold ? last : first;
	if (gap != INT64_MIN)
		return gap;
	/* Unreachable: the loop covers every table transition and more rule
	 * changes than 52 hours can hold. */
	return wall - (int64_t)sk_tz_offset_at(tz, wall) * 1000;
}

const char *sk_tz_name(const struct sk_tz *tz)
{
	return tz->name;
}

void sk_tz_free(struct sk_tz *tz)
{
	free(tz);
}

/* --------------------------------------------------------------- parsing */

struct tzif_hdr {
	int version; /* 1, 2, 3, 4, ... */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* "tz: <name>: <message>" */
static sk_err_t tz_fail(struct sk_error *err, sk_err_t code, const char *name,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static sk_err_t tz_fail(struct sk_error *err, sk_err_t code, const char *name,
			const char *fmt, ...)
{
	char msg[SK_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sk_error_set(err, code, false, "tz: %s: %s", name, msg);
}

static sk_err_t read_header(const unsigned char *data, size_t len, size_t at,
			    struct tzif_hdr *h, const char *name,
			    struct sk_error *err)
{
	if (len - at < HDR_LEN)
		return tz_fail(err, SK_ERR_PARSE, name,
			       "truncated TZif header at byte %zu", at);
	const unsigned char *p = data + at;
	if (memcmp(p, "TZif", 4) != 0)
		return tz_fail(err, SK_ERR_PARSE, name,
			       "not TZif data (bad magic at byte %zu)", at);
	if (p[4] == 0)
		h->version = 1;
	else if (p[4] >= '2' && p[4] <= '9')
		h->version = p[4] - '0';
	else
		return tz_fail(err, SK_ERR_PARSE, name,
			       "unknown TZif version byte 0x%02x", p[4]);
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > MAX_TYPES ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) || h->charcnt == 0)
		return tz_fail(err, SK_ERR_PARSE, name,
			       "inconsistent TZif counts (types %u, isut %u, "
			       "isstd %u, chars %u)",
			       h->typecnt, h->isutcnt, h->isstdcnt, h->charcnt);
	if (h->timecnt > SK_LIMIT_TZ_TRANSITIONS ||
	    h->leapcnt > SK_LIMIT_TZ_TRANSITIONS ||
	    h->charcnt > SK_LIMIT_TZ_CHARS)
		return tz_fail(err, SK_ERR_LIMIT, name,
			       "%u transitions / %u leap seconds / %u "
			       "abbreviation bytes exceed the limits (%u / %u "
			       "/ %u)",
			       h->timecnt, h->leapcnt, h->charcnt,
			       SK_LIMIT_TZ_TRANSITIONS, SK_LIMIT_TZ_TRANSITIONS,
			       SK_LIMIT_TZ_CHARS);
	return SK_OK;
}

/* Size of a data block; counts are capped, so this cannot overflow. */
static size_t block_size(const struct tzif_hdr *h, size_t tsize)
{
	return (size_t)h->timecnt * (tsize + 1) + (size_t)h->typecnt * 6 +
	       h->charcnt + (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
	       h->isutcnt;
}

sk_err_t sk_tz_parse(const unsigned char *data, size_t len, const char *name,
		     struct sk_tz **out, struct sk_error *err)
{
	struct tzif_hdr h;
	size_t at = 0, tsize = 4, namelen;
	const char *foot = NULL;
	size_t footlen = 0;
	struct sk_tz *tz;
	sk_err_t rc;

	*out = NULL;
	if (!name)
		name = "";
	namelen = strnlen(name, SK_LIMIT_TZ_NAME + 1);
	const char *label = namelen ? name : "TZif data"; /* for messages */
	if (namelen > SK_LIMIT_TZ_NAME)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "tz: zone name longer than %d bytes",
				    SK_LIMIT_TZ_NAME);
	if (!data && len)
		return sk_error_set(err, SK_ERR_INVAL, false, "tz: no data");
	if (len > SK_LIMIT_TZIF)
		return tz_fail(err, SK_ERR_LIMIT, label,
			       "TZif data of %zu bytes exceeds the %u-byte "
			       "limit",
			       len, SK_LIMIT_TZIF);
	if ((rc = read_header(data, len, 0, &h, label, err)) != SK_OK)
		return rc;
	at = HDR_LEN;
	if (h.version >= 2) { /* skip the 32-bit block; use the 64-bit one */
		size_t skip = block_size(&h, 4);
		if (len - at < skip)
			return tz_fail(err, SK_ERR_PARSE, label,
				       "truncated version 1 data block");
		at += skip;
		if ((rc = read_header(data, len, at, &h, label, err)) != SK_OK)
			return rc;
		at += HDR_LEN;
		tsize = 8;
	}
	if (h.leapcnt)
		return tz_fail(err, SK_ERR_PARSE, label,
			       "leap-second records are not supported "
			       "(use a zone outside \"right/\")");
	if (len - at < block_size(&h, tsize))
		return tz_fail(err, SK_ERR_PARSE, label,
			       "truncated data block (needs %zu bytes at byte "
			       "%zu, %zu left)",
			       block_size(&h, tsize), at, len - at);
	size_t data_at = at, end = at + block_size(&h, tsize);
	if (h.version >= 2) { /* footer: "\n" TZ-string "\n" */
		const unsigned char *nl;
		if (end >= len || data[end] != '\n')
			return tz_fail(err, SK_ERR_PARSE, label,
				       "missing footer after the data block");
		foot = (const char *)data + end + 1;
		nl = memchr(foot, '\n', len - end - 1);
		if (!nl)
			return tz_fail(err, SK_ERR_PARSE, label,
				       "unterminated footer");
		footlen = (size_t)((const char *)nl - foot);
		if (footlen > SK_LIMIT_TZ_FOOTER)
			return tz_fail(err, SK_ERR_LIMIT, label,
				       "footer of %zu bytes exceeds the "
				       "%u-byte "
				       "limit",
				       footlen, SK_LIMIT_TZ_FOOTER);
		end += footlen + 2;
	}
	if (end != len)
		return tz_fail(err, SK_ERR_PARSE, label,
			       "%zu unexpected bytes after the data",
			       len - end);

	size_t hdr = (sizeof *tz + 7) / 8 * 8;
	tz = malloc(hdr + (size_t)h.timecnt * 9 + namelen + 1);
	if (!tz)
		return sk_error_set(err, SK_ERR_NOMEM, false,
				    "tz: out of memory");
	memset(tz, 0, sizeof *tz);
	int64_t *trans = (int64_t *)(void *)((char *)tz + hdr);
	uint8_t *types = (uint8_t *)(trans + h.timecnt);
	char *nm = (char *)(types + h.timecnt);
	memcpy(nm, name, namelen);
	nm[namelen] = '\0';
	tz->name = nm;
	tz->ntrans = h.timecnt;
	tz->trans = trans;
	tz->trans_type = types;
	tz->ntypes = h.typecnt;

	const unsigned char *p = data + data_at;
	for (size_t i = 0; i < h.timecnt; i++, p += tsize) {
		trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
		if (i > 0 && trans[i] <= trans[i - 1]) {
			rc = tz_fail(err, SK_ERR_PARSE, label,
				     "transition times not ascending at "
				     "index %zu",
				     i);
			goto fail;
		}
	}
	for (size_t i = 0; i < h.timecnt; i++, p++) {
		if (*p >= h.typecnt) {
			rc = tz_fail(err, SK_ERR_PARSE, label,
				     "transition %zu has type %u of %u", i, *p,
				     h.typecnt);
			goto fail;
		}
		types[i] = *p;
	}
	for (size_t i = 0; i < h.typecnt; i++, p += 6) {
		int32_t off = (int32_t)be32(p);
		if (off < OFF_MIN || off > OFF_MAX || p[4] > 1 ||
		    p[5] >= h.charcnt) {
			rc = tz_fail(err, SK_ERR_PARSE, label,
				     "bad local time type %zu (offset %ld, "
				     "isdst %u, abbreviation %u)",
				     i, (long)off, p[4], p[5]);
			goto fail;
		}
		tz->type_off[i] = off;
	}
	/* Abbreviations and the isstd/isut indicators are not needed. */
	if (footlen > 0) {
		if (!posix_parse(foot, footlen, &tz->footer)) {
			rc = tz_fail(err, SK_ERR_PARSE, label,
				     "bad POSIX TZ string in footer: '%.*s'",
				     (int)footlen, foot);
			goto fail;
		}
		tz->has_footer = true;
	}
	*out = tz;
	return SK_OK;
fail:
	free(tz);
	return rc;
}

/* ---------------------------------------------------------------- loading */

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > SK_LIMIT_TZ_NAME || name[0] == '/' ||
	    strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '+' &&
		    c != '-' && c != '/')
			return false;
	}
	return true;
}

sk_err_t sk_tz_load(const char *name, struct sk_tz **out, struct sk_error *err)
{
	return sk_tz_load_dir(NULL, name, out, err);
}

sk_err_t sk_tz_load_dir(const char *dir, const char *name, struct sk_tz **out,
			struct sk_error *err)
{
	char path[4096];
	struct stat st;
	unsigned char *buf = NULL;
	size_t len = 0;
	sk_err_t rc;
	int fd;

	*out = NULL;
	if (!name || !name_ok(name)) {
		bool printable = name != NULL;
		for (const char *c = name; c && *c && printable; c++)
			printable = *c >= 0x20 && *c < 0x7f;
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "tz: invalid zone name '%.100s' (want "
				    "1-%d of [A-Za-z0-9_+-/], no leading '/', "
				    "no '..')",
				    printable ? name : "?", SK_LIMIT_TZ_NAME);
	}
	if (!dir || !*dir)
		dir = getenv("SKRED_ZONEINFO");
	if (!dir || !*dir)
		dir = SK_TZ_DIR_DEFAULT;
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "tz: path too long for zone '%s'", name);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return sk_error_set(err, SK_ERR_NOTFOUND, false,
					    "tz: unknown time zone '%s' (no "
					    "file %s; is tzdata installed?)",
					    name, path);
		return sk_error_set(err, SK_ERR_IO, false, "tz: open %s: %s",
				    path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		rc = sk_error_set(err, SK_ERR_IO, false, "tz: stat %s: %s",
				  path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = sk_error_set(err, SK_ERR_NOTFOUND, false,
				  "tz: unknown time zone '%s' (%s is not a "
				  "zone file)",
				  name, path);
		goto done;
	}
	if (st.st_size > (off_t)SK_LIMIT_TZIF) {
		rc = sk_error_set(err, SK_ERR_LIMIT, false,
				  "tz: %s is larger than %u bytes", path,
				  SK_LIMIT_TZIF);
		goto done;
	}
	/* One spare byte notices a file that grew while being read. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false,
				  "tz: out of memory");
		goto done;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = sk_error_set(err, SK_ERR_IO, false,
					  "tz: read %s: %s", path,
					  strerror(errno));
			goto done;
		}
		if (r == 0 || (len += (size_t)r) == (size_t)st.st_size + 1)
			break;
	}
	if (len > (size_t)st.st_size) {
		rc = sk_error_set(err, SK_ERR_IO, false,
				  "tz: %s changed while being read", path);
		goto done;
	}
	if (len < 4 || memcmp(buf, "TZif", 4) != 0) {
		rc = sk_error_set(err, SK_ERR_NOTFOUND, false,
				  "tz: unknown time zone '%s' (%s is not TZif "
				  "data)",
				  name, path);
		goto done;
	}
	rc = sk_tz_parse(buf, len, name, out, err);
done:
	free(buf);
	close(fd);
	return rc;
}
