/*
 * notify.h - telling the service manager how the daemon is doing: ready,
 * reloading, stopping, alive (the watchdog) and a one-line status. The
 * systemd notification protocol of sd_notify(3), implemented in notify.c
 * (a datagram to $NOTIFY_SOCKET; no library).
 *
 * Every call is a no-op when the process was not started by a service
 * manager that listens (NOTIFY_SOCKET unset), or when skred was built
 * without notifications (-DSKRED_SYSTEMD=OFF): callers never check. Nothing
 * here fails: a notification that cannot be sent is logged once at debug
 * level and forgotten (the manager's own timeouts are what notice it).
 * Safe from any thread. Called by the daemon (sched/serve.c, the lease
 * heartbeat in sched/runner.c), never by one-shot commands.
 */
#ifndef SK_NOTIFY_H
#define SK_NOTIFY_H

#include <stdint.h>

/* READY=1 with STATUS=status (may be NULL): the daemon serves, as /readyz
 * would say. Also ends a reload (after sk_notify_reloading). */
void sk_notify_ready(const char *status);
/* RELOADING=1: a SIGHUP reload starts; sk_notify_ready ends it. */
void sk_notify_reloading(void);
/* STOPPING=1: the daemon is shutting down (after SIGTERM/SIGINT). */
void sk_notify_stopping(void);
/* STATUS=<formatted text>: what the daemon is doing or waiting for. */
void sk_notify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* WATCHDOG=1 when the manager asked for keep-alive pings (WATCHDOG_USEC
 * for this process); sent at most once every quarter of the interval, so
 * loops may call it as often as they like. */
void sk_notify_watchdog(void);
/* The watchdog interval in ms (0: none asked for). The daemon's loops wait
 * at most half of it between sk_notify_watchdog calls. */
int64_t sk_notify_watchdog_ms(void);

#endif
