/*
 * log.c - one sink for every subsystem (and for the libraries we route into
 * it): one line per event on stderr, scrubbed of credentials
 * (sk_redact_text) before it is written or handed to a tap.
 */
#include "core.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

int sk_log_level_current = SK_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local void (*tap_fn)(const char *line, void *ud);
static _Thread_local void *tap_ud;

void sk_log_set_tap(void (*fn)(const char *line, void *ud), void *ud)
{
	tap_fn = fn;
	tap_ud = ud;
}

int sk_log_set_level_name(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (name && strcmp(name, level_names[i]) == 0) {
			sk_log_level_current = i;
			return 0;
		}
	}
	return -1;
}

void sk_log_write(enum sk_log_level level, const char *subsys, const char *fmt,
		  ...)
{
	char ts[SK_TIME_UTC_LEN];
	char raw[4096], line[2048];
	sk_time_format_utc(sk_now_ms(), ts);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	sk_redact_text(raw, line, sizeof line);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	const char *lv =
		level_names[level < 0 || level > SK_LOG_DEBUG ? 0 : level];
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s %-5s %s: %s\n", ts, lv, subsys ? subsys : "-",
		line);
	pthread_mutex_unlock(&log_lock);
	if (tap_fn) {
		char full[2200];
		snprintf(full, sizeof full, "%s %s %s: %s", ts, lv,
			 subsys ? subsys : "-", line);
		tap_fn(full, tap_ud);
	}
}
