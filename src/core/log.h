/*
 * log.h - the one log sink: level + subsystem, the level checked before
 * formatting, one line per event on stderr, scrubbed of credentials;
 * librdkafka, curl, SQLite and libmicrohttpd are routed into it.
 */
#ifndef SK_CORE_LOG_H
#define SK_CORE_LOG_H

enum sk_log_level {
	SK_LOG_ERROR = 0,
	SK_LOG_WARN,
	SK_LOG_INFO,
	SK_LOG_DEBUG
};

extern int sk_log_level_current;

/* Set the level from a name (error|warn|info|debug); -1 on unknown name. */
int sk_log_set_level_name(const char *name);

void sk_log_write(enum sk_log_level level, const char *subsys, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/* One line on stderr: "<utc time> <level> <subsys>: <message>".
 * The level is checked before any formatting. */
#define sk_log(level, subsys, ...)                                             \
	do {                                                                   \
		if ((int)(level) <= sk_log_level_current)                      \
			sk_log_write((level), (subsys), __VA_ARGS__);          \
	} while (0)

/* A per-thread tap on the log: fn sees every line this thread logs (after
 * formatting), e.g. to keep an excerpt of a run. NULL removes it. */
void sk_log_set_tap(void (*fn)(const char *line, void *ud), void *ud);

#endif
