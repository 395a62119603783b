/*
 * civil.h - civil time: calendar dates, wall times, Europe/Oslo <-> UTC
 * (its rules written out, no tz files), UTC text, HTTP-dates, and the wall
 * and monotonic clocks. Storage is always UTC.
 */
#ifndef SK_CORE_CIVIL_H
#define SK_CORE_CIVIL_H

#include "core/error.h"
#include "core/limits.h"

#include <stddef.h>
#include <stdint.h>

/* A calendar date (proleptic Gregorian). */
struct sk_date {
	int y, m, d;
};

/* A wall-clock time without zone. */
struct sk_civil {
	int y, m, d, hh, mi, ss, ms;
};

int64_t sk_days_from_civil(int y, int m, int d);
void sk_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Strict "YYYY-MM-DD"; SK_ERR_PARSE on anything else or an impossible date. */
sk_err_t sk_date_parse(const char *s, struct sk_date *out);
/* Writes "YYYY-MM-DD" and a NUL into out (11 bytes). */
void sk_date_format(const struct sk_date *d, char out[11]);
struct sk_date sk_date_add_days(struct sk_date d, int days);
/* Negative, zero or positive like strcmp. */
int sk_date_cmp(const struct sk_date *a, const struct sk_date *b);
/* b - a in days. */
int64_t sk_date_diff(const struct sk_date *a, const struct sk_date *b);
/* 1 = Monday ... 7 = Sunday. */
int sk_date_weekday(const struct sk_date *d);

/* "YYYY-MM-DDTHH:MM:SS" with an optional ".f", ".ff" or ".fff";
 * no offset allowed. SK_ERR_PARSE otherwise. */
sk_err_t sk_civil_parse(const char *s, struct sk_civil *out);

/* UTC offset of Europe/Oslo, in seconds, at a UTC instant (ms since epoch).
 * EU rules from 1996 (last Sunday of March/October, 01:00 UTC); 1981-1995
 * ended on the last Sunday of September; before 1981 standard time only. */
int sk_oslo_offset_at(int64_t utc_ms);

/* Europe/Oslo wall time -> UTC ms. A time in the spring gap (02:00-02:59 on
 * the change day) is read as standard time (+01:00); a time repeated in the
 * autumn (02:00-02:59) is read as its first occurrence (+02:00). */
int64_t sk_oslo_to_utc_ms(const struct sk_civil *lt);
void sk_oslo_from_utc_ms(int64_t utc_ms, struct sk_civil *out);

/* Today's date on the Europe/Oslo calendar at utc_ms. */
struct sk_date sk_oslo_date_at(int64_t utc_ms);

#define SK_TIME_UTC_LEN 25
/* "YYYY-MM-DDTHH:MM:SS.sssZ" (24 chars + NUL): sortable as text. */
void sk_time_format_utc(int64_t utc_ms, char out[SK_TIME_UTC_LEN]);
/* Its inverse: false when s (NULL allowed) is anything else. */
bool sk_time_parse_utc(const char *s, int64_t *utc_ms);

/* An HTTP-date (RFC 9110 5.6.7) of n bytes at s (no NUL needed) -> UTC ms:
 * IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and the obsolete RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years 70-99 are 19xx, 00-69
 * 20xx) and asctime "Sun Nov  6 08:49:37 1994" forms, exactly as the grammar
 * writes them (case-sensitive names, no surrounding blanks; the day name is
 * not checked against the date). Years 1900-9999. SK_ERR_PARSE otherwise,
 * including anything longer than SK_LIMIT_HTTP_DATE. No I/O. */
sk_err_t sk_http_date_parse(const char *s, size_t n, int64_t *utc_ms);

int64_t sk_now_ms(void);  /* wall clock, UTC ms */
int64_t sk_mono_ms(void); /* monotonic ms, for timeouts only */
void sk_sleep_ms(int64_t ms);

#endif
