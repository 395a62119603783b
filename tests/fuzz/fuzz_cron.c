/*
 * fuzz_cron.c - fuzz target for cron expressions: sk_cron_parse on
 * arbitrary text, then sk_cron_next / sk_cron_prev / sk_cron_between in UTC
 * and in a zone with DST (Central European rules, built in memory so no
 * tz database is needed). Invariants abort on violation: failure leaves a
 * message; fire times are later than asked (next) or not later (prev),
 * strictly increasing, and in UTC fall on matching minutes.
 */
#include "sched/sched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A TZif v2 file with no transitions, one type and a POSIX TZ footer. */
static struct sk_tz *footer_zone(const char *posix, int32_t off)
{
	unsigned char buf[256], *p = buf;
	size_t n = strlen(posix);
	for (int block = 0; block < 2; block++) {
		static const unsigned char counts[24] = {0, 0, 0, 0, 0, 0,
							 0, 0, 0, 0, 0, 0,
							 0, 0, 0, 0, 0, 0,
							 0, 1, 0, 0, 0, 4};
		memcpy(p, "TZif2", 5);
		memset(p + 5, 0, 15);
		memcpy(p + 20, counts, 24);
		p += 44;
		p[0] = (unsigned char)((uint32_t)off >> 24);
		p[1] = (unsigned char)((uint32_t)off >> 16);
		p[2] = (unsigned char)((uint32_t)off >> 8);
		p[3] = (unsigned char)off;
		p[4] = p[5] = 0;
		memcpy(p + 6, "ABC", 4);
		p += 10;
	}
	*p++ = '\n';
	memcpy(p, posix, n);
	p += n;
	*p++ = '\n';
	struct sk_tz *tz = NULL;
	struct sk_error err;
	if (sk_tz_parse(buf, (size_t)(p - buf), posix, &tz, &err) != SK_OK)
		abort();
	return tz;
}

static void check(const struct sk_cron *c, const struct sk_tz *tz, bool utc,
		  int64_t after)
{
	int64_t t = after, out[8];
	for (int i = 0; i < 4; i++) {
		int64_t next = sk_cron_next(c, tz, t);
		if (next == -1)
			break;
		if (next <= t || sk_cron_prev(c, tz, next) != next)
			abort();
		if (utc) {
			struct sk_civil w;
			sk_tz_from_utc_ms(tz, next, &w);
			if (!sk_cron_matches(c, w.y, w.m, w.d, w.hh, w.mi))
				abort();
		}
		t = next;
	}
	int64_t prev = sk_cron_prev(c, tz, after);
	if (prev != -1 && prev > after)
		abort();
	size_t n = sk_cron_between(c, tz, after, after + 3 * 86400000LL, out,
				   8);
	for (size_t i = 0; i < n; i++)
		if (out[i] <= (i ? out[i - 1] : after))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expr[SK_CRON_MAX_LEN + 2];
	struct sk_cron c;
	struct sk_error err = {0};

	if (size > SK_CRON_MAX_LEN + 1)
		size = SK_CRON_MAX_LEN + 1;
	memcpy(expr, data, size);
	expr[size] = '\0';
	if (sk_cron_parse(expr, &c, &err) != SK_OK) {
		if (!err.msg[0])
			abort();
		return 0;
	}
	struct sk_tz *utc = footer_zone("UTC0", 0);
	struct sk_tz *cet = footer_zone("CET-1CEST,M3.5.0,M10.5.0/3", 3600);
	check(&c, utc, true, 1704067200000LL);  /* 2024-01-01 */
	check(&c, cet, false, 1711846740000LL); /* 2024-03-31 00:59Z */
	check(&c, cet, false, 1729990800000LL); /* 2024-10-27 01:00Z */
	sk_tz_free(utc);
	sk_tz_free(cet);
	return 0;
}
