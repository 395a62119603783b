/*
 * signals.h - the process's flags set by signals (stop, reload), the
 * scheduler's clock (real or fake for tests) and crash points for kill -9
 * tests.
 */
#ifndef SK_CORE_SIGNALS_H
#define SK_CORE_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

/* Set from a signal handler (SIGINT/SIGTERM); long loops check it and stop
 * at the next safe point. */
void sk_stop_request(void);
bool sk_stop_requested(void);
/* SIGHUP: reload the configuration. take() returns and clears the flag. */
void sk_reload_request(void);
bool sk_reload_take(void);

/* The scheduler's clock: wall-clock UTC ms, or, for tests, a fake clock
 * starting at SKRED_FAKE_NOW (UTC "YYYY-MM-DDTHH:MM:SSZ") and running
 * SKRED_FAKE_SPEED times faster than real time (default 1). */
int64_t sk_clock_now_ms(void);
/* Sleep so that about ms pass on that clock (returns early on a stop or
 * reload request). */
void sk_clock_sleep_ms(int64_t ms);

/* Crash tests: when the environment variable SKRED_CRASH_AT equals name,
 * the process kills itself with SIGKILL right there (a kill -9 at an exact
 * point, e.g. "cassandra.before_mark" between a batch's writes and its
 * completion marks). A no-op when the variable is unset. */
void sk_crash_point(const char *name);
/* Fault tests: true when the environment variable SKRED_FAIL_AT equals
 * name (every time) or "name:N" (the first N times in this process); the
 * caller then fails as if its backend were down. False when unset. One
 * point per process (the count is shared). */
bool sk_fail_point(const char *name);

#endif
