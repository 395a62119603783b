/*
 * notify.c - sd_notify(3) messages for the daemon (notify.h). libsystemd
 * decides whether there is anyone to tell (NOTIFY_SOCKET, WATCHDOG_USEC and
 * WATCHDOG_PID); this file only composes the messages and paces the
 * watchdog. It does not implement the protocol itself.
 */
#include "notify/notify.h"
#include "core/core.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#ifdef SKRED_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

static void notify_send(const char *msg)
{
	static atomic_bool warned;
	int rc = sd_notify(0, msg);
	if (rc < 0 && !atomic_exchange(&warned, true))
		sk_log(SK_LOG_DEBUG, "notify", "sd_notify failed (rc=%d): %s",
		       rc, msg);
}

int64_t sk_notify_watchdog_ms(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	int64_t ms = (int64_t)(usec / 1000);
	return ms > 0 ? ms : 1;
}
#else
static void notify_send(const char *msg)
{
	(void)msg;
}

int64_t sk_notify_watchdog_ms(void)
{
	return 0;
}
#endif

void sk_notify_ready(const char *status)
{
	char msg[512];
	snprintf(msg, sizeof msg, "READY=1%s%s", status ? "\nSTATUS=" : "",
		 status ? status : "");
	notify_send(msg);
}

void sk_notify_reloading(void)
{
	notify_send("RELOADING=1\nSTATUS=reloading the configuration");
}

void sk_notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
}

void sk_notify_status(const char *fmt, ...)
{
	char msg[512] = "STATUS=";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + 7, sizeof msg - 7, fmt, ap);
	va_end(ap);
	/* one line: the protocol separates assignments by newlines */
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	notify_send(msg);
}

void sk_notify_watchdog(void)
{
	static _Atomic int64_t last_ms;
	int64_t wd = sk_notify_watchdog_ms();
	if (!wd)
		return;
	int64_t now = sk_mono_ms(), last = last_ms;
	if (last && now - last < wd / 4)
		return;
	last_ms = now;
	notify_send("WATCHDOG=1");
}
