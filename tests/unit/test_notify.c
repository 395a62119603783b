/*
 * test_notify.c - notify/: without NOTIFY_SOCKET every call is a no-op and
 * no watchdog is asked for; with one (a unix datagram socket of the test's
 * own, as systemd's) each call sends its message, a status is one line,
 * WATCHDOG_USEC gives the interval and pings are paced to a quarter of it;
 * an abstract socket ('@' name) is reached too, and a NOTIFY_SOCKET that
 * is no unix socket name is a no-op (the protocol is notify.c's own).
 * (tests/deploy/test_systemd.sh checks the daemon's use of them.)
 */
#include "notify/notify.h"
#include "core/core.h"
#include "cases.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int sock = -1;
static char path[108];

/* The next message on the socket, or "" when none within 200 ms. */
static const char *next_msg(void)
{
	static char buf[1024];
	struct timeval tv = {0, 200000};
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void listen_on(void)
{
	snprintf(path, sizeof path, "/tmp/skred-notify-%d.sock", (int)getpid());
	unlink(path);
	sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	CHECK(sock >= 0 && bind(sock, (struct sockaddr *)&a, sizeof a) == 0);
	setenv("NOTIFY_SOCKET", path, 1);
}

static void test_unset(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	CHECK_INT(sk_notify_watchdog_ms(), 0);
	sk_notify_ready("x");
	sk_notify_reloading();
	sk_notify_status("y %d", 1);
	sk_notify_watchdog();
	sk_notify_stopping();
	CHECK(1); /* nothing to send to, nothing failed */
}

static void test_messages(void)
{
	listen_on();
	sk_notify_ready("serving 1 schedule(s): daily");
	CHECK_STR(next_msg(), "READY=1\nSTATUS=serving 1 schedule(s): daily");
	sk_notify_ready(NULL);
	CHECK_STR(next_msg(), "READY=1");
	sk_notify_reloading();
	CHECK_STR(next_msg(),
		  "RELOADING=1\nSTATUS=reloading the configuration");
	sk_notify_status("waiting: %s", "bus\nsqlite");
	CHECK_STR(next_msg(), "STATUS=waiting: bus sqlite");
	sk_notify_stopping();
	CHECK_STR(next_msg(), "STOPPING=1\nSTATUS=stopping");
	sk_notify_watchdog(); /* no WATCHDOG_USEC: none asked for */
	CHECK_STR(next_msg(), "");
}

static void test_watchdog(void)
{
	if (sock < 0)
		listen_on();
	setenv("WATCHDOG_USEC", "4000000", 1);
	CHECK_INT(sk_notify_watchdog_ms(), 4000);
	sk_notify_watchdog();
	CHECK_STR(next_msg(), "WATCHDOG=1");
	sk_notify_watchdog(); /* within a quarter of the interval: paced */
	CHECK_STR(next_msg(), "");
	sk_sleep_ms(1100); /* a quarter of the interval later */
	sk_notify_watchdog();
	CHECK_STR(next_msg(), "WATCHDOG=1");
	setenv("WATCHDOG_PID", "1", 1); /* another process's watchdog */
	CHECK_INT(sk_notify_watchdog_ms(), 0);
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1); /* this process's */
	CHECK_INT(sk_notify_watchdog_ms(), 4000);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "4s", 1); /* not a number: none */
	CHECK_INT(sk_notify_watchdog_ms(), 0);
	setenv("WATCHDOG_USEC", "0", 1);
	CHECK_INT(sk_notify_watchdog_ms(), 0);
	setenv("WATCHDOG_USEC", "500", 1); /* under a millisecond */
	CHECK_INT(sk_notify_watchdog_ms(), 1);
	unsetenv("WATCHDOG_USEC");
	close(sock);
	unlink(path);
}

/* '@name': Linux's abstract namespace (no file), as systemd may pass. */
static void test_abstract(void)
{
	char name[64];
	snprintf(name, sizeof name, "@skred-notify-test-%d", (int)getpid());
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(a.sun_path, name, n);
	a.sun_path[0] = '\0';
	CHECK(s >= 0 &&
	      bind(s, (struct sockaddr *)&a,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) ==
		      0);
	int keep = sock;
	sock = s;
	setenv("NOTIFY_SOCKET", name, 1);
	sk_notify_ready("abstract");
	CHECK_STR(next_msg(), "READY=1\nSTATUS=abstract");
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1); /* not ours to reach */
	sk_notify_stopping();
	CHECK_STR(next_msg(), "");
	unsetenv("NOTIFY_SOCKET");
	close(s);
	sock = keep;
}

static const struct sk_case cases[] = {
	{"unset", test_unset},
	{"messages", test_messages},
	{"watchdog", test_watchdog},
	{"abstract", test_abstract},
};

SK_CASES_MAIN(cases)
