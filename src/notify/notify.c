/*
 * notify.c - the service manager's notification protocol for the daemon
 * (notify.h), written here rather than through libsystemd: sd_notify(3)
 * documents it as one datagram of newline-separated assignments sent to
 * the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or '@' for Linux's
 * abstract namespace), and the watchdog as $WATCHDOG_USEC (the interval)
 * and $WATCHDOG_PID (whose watchdog it is). libsystemd would bring
 * libgcrypt, libgpg-error, liblzma, liblz4 and libcap into every skred
 * process (0.7 MiB of the idle daemon's resident set) for these few
 * lines. This file composes the messages, sends them and paces the
 * watchdog; it does not read the other sd_* variables (LISTEN_FDS, ...).
 */
#include "notify/notify.h"
#include "core/core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef SKRED_NOTIFY
/* One datagram to $NOTIFY_SOCKET: 0 when sent or when there is no socket
 * to send to (the variable unset or empty), else -errno. A new socket per
 * message, as sd_notify does: messages are rare (the watchdog's are a
 * quarter of its interval apart) and the variable is read every time. */
static int notify_sendto(const char *msg)
{
	const char *e = getenv("NOTIFY_SOCKET");
	if (!e || !*e)
		return 0;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(e);
	if ((e[0] != '/' && e[0] != '@') || n < 2 || n >= sizeof a.sun_path)
		return -EAFNOSUPPORT; /* e.g. vsock:, unsupported here */
	memcpy(a.sun_path, e, n);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (e[0] == '@')
		a.sun_path[0] = '\0'; /* abstract: no terminating NUL */
	else
		len++;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	ssize_t w = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
			   (struct sockaddr *)&a, len);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != strlen(msg))
		rc = -EMSGSIZE;
	close(fd);
	return rc;
}

static void notify_send(const char *msg)
{
	static atomic_bool warned;
	int rc = notify_sendto(msg);
	if (rc < 0 && !atomic_exchange(&warned, true))
		sk_log(SK_LOG_DEBUG, "notify",
		       "notification failed (rc=%d): %s", rc, msg);
}

/* A whole decimal number without sign into *v; false otherwise. */
static bool parse_u64(const char *s, uint64_t *v)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long u = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*v = u;
	return true;
}

/* As sd_watchdog_enabled(0, ...): WATCHDOG_USEC a positive number, and
 * WATCHDOG_PID, when set, this process. */
int64_t sk_notify_watchdog_ms(void)
{
	uint64_t usec = 0, pid = 0;
	if (!parse_u64(getenv("WATCHDOG_USEC"), &usec) || usec == 0)
		return 0;
	const char *p = getenv("WATCHDOG_PID");
	if (p && (!parse_u64(p, &pid) || pid != (uint64_t)getpid()))
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
