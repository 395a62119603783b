/*
 * sched.h - when runs happen: cron expressions (src/sched/cron.c), the
 * parser and the next/previous fire time of a schedule in any time zone.
 *
 * The rest of the sched module has headers of its own: the run ledger in
 * ledger.h (ledger.c, ledger_sqlite.c, ledger_pg.c), and in runner.h the
 * attempts with retries and checks (runner.c), the daemon (serve.c) and
 * backfills (backfill.c).
 */
#ifndef SK_SCHED_H
#define SK_SCHED_H

#include "core/core.h"

/* ------------------------------------------------------- cron expressions
 * src/sched/cron.c. Five fields, "minute hour day-of-month month
 * day-of-week", separated by spaces or tabs:
 *   minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
 *   day-of-week 0-7 or SUN-SAT (0 and 7 are both Sunday);
 * each a comma-separated list of "*", "n", "a-b", "*\/s", "a-b/s" or
 * "a/s" (= a to the field's maximum, step s; "*\/s" is star-slash-s,
 * escaped inside this comment); names are case-insensitive
 * and may appear in ranges (MON-FRI). Ranges must not wrap (FRI-MON is an
 * error). Macros: @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
 * @weekly = "0 0 * * 0", @daily = @midnight = "0 0 * * *",
 * @hourly = "0 * * * *". Not supported: @reboot, seconds, years, L W # ?.
 *
 * Day rule: a field is "restricted" unless it selects every value of its
 * range ("*", "*\/1", "1-31", "0-6"...). When both day-of-month and
 * day-of-week are restricted, a day matches if EITHER matches ("0 0 13 * FRI"
 * fires on every 13th and every Friday); otherwise both must match. Note
 * that Vixie cron treats any field starting with '*' as unrestricted, so
 * "0 0 *\/2 * MON" means "odd days that are Mondays" there and "odd days
 * or Mondays" here (as in croniter, which Airflow uses).
 */
#define SK_CRON_MAX_LEN 256      /* expression length, bytes */
#define SK_CRON_SEARCH_DAYS 3660 /* how far sk_cron_next/prev look */

/* A parsed expression: plain bitsets, bit n set when value n matches. */
struct sk_cron {
	uint64_t minute; /* bits 0-59 */
	uint32_t hour;   /* bits 0-23 */
	uint32_t dom;    /* bits 1-31 */
	uint16_t month;  /* bits 1-12 */
	uint8_t dow;     /* bits 0-6, 0 = Sunday (7 is folded into 0) */
};

/* Parse expr into *out. SK_ERR_PARSE with a message naming the field and
 * quoting the expression ("cron: hour 24 out of range 0-23 in '0 24 * * *'");
 * SK_ERR_LIMIT if expr is longer than SK_CRON_MAX_LEN; SK_ERR_INVAL for
 * NULL. *out is only written on success. */
sk_err_t sk_cron_parse(const char *expr, struct sk_cron *out,
		       struct sk_error *err);

/* True if the wall-clock minute (y-m-d hh:mi, in whatever zone) matches. */
bool sk_cron_matches(const struct sk_cron *c, int y, int m, int d, int hh,
		     int mi);

/* The first fire time strictly after after_utc_ms (UTC ms), evaluating c on
 * tz's wall clock (tz borrowed). Fire times are whole minutes of wall time:
 *  - a wall time skipped by a spring-forward gap fires at the first instant
 *    after the gap: "30 2 * * *" in Europe/Oslo on 2024-03-31 fires at
 *    03:00 local = 01:00Z; all matching minutes of one gap (and the minute
 *    the gap ends on) fire once, at that instant;
 *  - a wall time repeated when clocks go back fires once, at its first
 *    occurrence: "30 2 * * *" on 2024-10-27 fires at 02:30+02:00 = 00:30Z,
 *    and "*\/15 * * * *" does not fire during the repeated hour.
 * Returns -1 when nothing fires within SK_CRON_SEARCH_DAYS days of wall
 * time ("0 0 30 2 *" can never fire); -1 is never a fire time, as those
 * are whole seconds. Fire times of one expression in one
 * zone are strictly increasing, so calling again with the result gives the
 * one after it. */
int64_t sk_cron_next(const struct sk_cron *c, const struct sk_tz *tz,
		     int64_t after_utc_ms);

/* The last fire time at or before utc_ms (same rules as sk_cron_next), or
 * -1 if none within SK_CRON_SEARCH_DAYS days before it. */
int64_t sk_cron_prev(const struct sk_cron *c, const struct sk_tz *tz,
		     int64_t utc_ms);

/* Catch-up: write the fire times in (from_excl, to_incl] in ascending order
 * into out, at most max of them, and return how many were written. If the
 * result is max there may be more: call again with from_excl =
 * out[max - 1]. out may be NULL only when max is 0. */
size_t sk_cron_between(const struct sk_cron *c, const struct sk_tz *tz,
		       int64_t from_excl, int64_t to_incl, int64_t *out,
		       size_t max);

#endif
