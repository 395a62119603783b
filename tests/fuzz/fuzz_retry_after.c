/*
 * fuzz_retry_after.c - fuzz target for the Retry-After value parser
 * (sk_http_retry_after_ms) and the HTTP-date parser under it
 * (sk_http_date_parse). Invariants abort on violation: the delay is -1 or in
 * [0, SK_HTTP_RETRY_AFTER_MAX_MS]; an accepted date formatted again as an
 * IMF-fixdate parses to the same instant, and as a Retry-After it is 1000 ms
 * away one second before that instant and 0 at it.
 */
#include "core/core.h"
#include "source/source.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* IMF-fixdate of t (UTC ms, whole seconds, years 1900-9999). */
static size_t imf(int64_t t, char out[40])
{
	static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun",
					 "Mon", "Tue", "Wed"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr",
					 "May", "Jun", "Jul", "Aug",
					 "Sep", "Oct", "Nov", "Dec"};
	int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
	int64_t s = (t - days * 86400000) / 1000;
	int y, m, d;
	sk_civil_from_days(days, &y, &m, &d);
	int w = (int)(((days % 7) + 7) % 7); /* 1970-01-01 was a Thursday */
	return (size_t)snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT",
				wd[w], d, mo[m - 1], y, (int)(s / 3600),
				(int)(s / 60 % 60), (int)(s % 60));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data;
	const int64_t now = 1704067200000LL; /* 2024-01-01T00:00:00Z */
	int64_t ms = sk_http_retry_after_ms(v, size, now);
	if (ms < -1 || ms > SK_HTTP_RETRY_AFTER_MAX_MS)
		abort();
	int64_t t;
	if (sk_http_date_parse(v, size, &t) != SK_OK)
		return 0;
	if (t % 1000 || t < sk_days_from_civil(1900, 1, 1) * 86400000 ||
	    t >= sk_days_from_civil(10000, 1, 1) * 86400000)
		abort();
	char again[40];
	size_t n = imf(t, again);
	int64_t t2;
	if (sk_http_date_parse(again, n, &t2) != SK_OK || t2 != t)
		abort();
	if (sk_http_retry_after_ms(v, size, t - 1000) != 1000 ||
	    sk_http_retry_after_ms(v, size, t) != 0)
		abort();
	return 0;
}
