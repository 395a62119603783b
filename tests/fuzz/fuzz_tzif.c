/*
 * fuzz_tzif.c - fuzz target for the TZif parser (sk_tz_parse, with its
 * POSIX TZ footer parser). Invariants abort on violation: failure leaves no
 * zone and a message; a parsed zone gives offsets within RFC 8536's range,
 * transitions that are later than asked and really change the offset,
 * wall times that map back to themselves (or, in a gap, forward), and
 * cron fire times later than asked. No file system access.
 */
#include "core/core.h"
#include "sched/sched.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t wall_ms(const struct sk_civil *t)
{
	return sk_days_from_civil(t->y, t->m, t->d) * 86400000 +
	       ((int64_t)t->hh * 3600 + t->mi * 60 + t->ss) * 1000 + t->ms;
}

static void check_instant(const struct sk_tz *tz, int64_t t)
{
	int off = sk_tz_offset_at(tz, t);
	if (off < -89999 || off > 93599)
		abort();
	int64_t next = sk_tz_next_transition(tz, t);
	if (next <= t)
		abort();
	if (next != INT64_MAX &&
	    sk_tz_offset_at(tz, next - 1) == sk_tz_offset_at(tz, next))
		abort();

	struct sk_civil w, back;
	sk_tz_from_utc_ms(tz, t, &w);
	int64_t first = sk_tz_local_to_utc_ms(tz, &w, 0);
	int64_t second = sk_tz_local_to_utc_ms(tz, &w, 1);
	if (first > t || second < t) /* t is one of the occurrences */
		abort();
	/* Half a day later on the wall clock: exists, or maps forward. */
	int64_t later = wall_ms(&w) + 12 * 3600000LL;
	int64_t days = later / 86400000 - (later % 86400000 < 0);
	int64_t rem = later - days * 86400000;
	sk_civil_from_days(days, &w.y, &w.m, &w.d);
	w.hh = (int)(rem / 3600000);
	int64_t u = sk_tz_local_to_utc_ms(tz, &w, 0);
	sk_tz_from_utc_ms(tz, u, &back);
	if (wall_ms(&back) < wall_ms(&w))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_tz *tz = (struct sk_tz *)&tz;
	struct sk_error err = {0};

	if (sk_tz_parse(data, size, "fuzz", &tz, &err) != SK_OK) {
		if (tz || !err.msg[0])
			abort();
		return 0;
	}
	static const int64_t instants[] = {INT64_MIN,
					   -4102444800000LL,
					   -1,
					   0,
					   1711846800000LL,
					   1729990800000LL,
					   2145916800000LL,
					   4102444800000LL,
					   253402300799000LL,
					   INT64_MAX};
	for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
		int64_t t = instants[i];
		if (t > -4e15 && t < 4e15) /* inside sk_tz's year range */
			check_instant(tz, t);
		else
			(void)sk_tz_offset_at(tz, t);
	}
	struct sk_cron c;
	if (sk_cron_parse("*/20 2 * * *", &c, &err) == SK_OK) {
		int64_t t = sk_cron_next(&c, tz, 1711846800000LL);
		if (t != -1 && t <= 1711846800000LL)
			abort();
	}
	sk_tz_free(tz);
	return 0;
}
