/*
 * fs.c - small process helpers: mkdir -p, the flags signals set, and the
 * scheduler clock (real, or fake for tests).
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

sk_err_t sk_mkdir_p(const char *dir, struct sk_error *err)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "data_dir too long");
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST)
				return sk_error_set(err, SK_ERR_IO, false,
						    "cannot create %s: %s",
						    path, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return sk_error_set(err, SK_ERR_IO, false,
				    "data_dir %s is not a directory", dir);
	return SK_OK;
}

static volatile sig_atomic_t stop_flag;

void sk_stop_request(void)
{
	stop_flag = 1;
}

bool sk_stop_requested(void)
{
	return stop_flag != 0;
}

static volatile sig_atomic_t reload_flag;

void sk_reload_request(void)
{
	reload_flag = 1;
}

bool sk_reload_take(void)
{
	bool r = reload_flag != 0;
	reload_flag = 0;
	return r;
}

static int64_t fake_base_ms = -1, fake_mono0, fake_speed = 1;

static void fake_init(void)
{
	if (fake_base_ms != -1)
		return;
	fake_base_ms = 0;
	const char *s = getenv("SKRED_FAKE_NOW");
	struct sk_civil c;
	char buf[32];
	if (s && strlen(s) >= 19 && strlen(s) < sizeof buf) {
		snprintf(buf, sizeof buf, "%.19s", s);
		if (sk_civil_parse(buf, &c) == SK_OK) {
			fake_base_ms =
				sk_days_from_civil(c.y, c.m, c.d) * 86400000 +
				((int64_t)c.hh * 3600 + c.mi * 60 + c.ss) *
					1000;
			fake_mono0 = sk_mono_ms();
			const char *sp = getenv("SKRED_FAKE_SPEED");
			if (sp && strtoll(sp, NULL, 10) > 0)
				fake_speed = strtoll(sp, NULL, 10);
		}
	}
}

int64_t sk_clock_now_ms(void)
{
	fake_init();
	if (!fake_base_ms)
		return sk_now_ms();
	return fake_base_ms + (sk_mono_ms() - fake_mono0) * fake_speed;
}

void sk_clock_sleep_ms(int64_t ms)
{
	fake_init();
	int64_t real = fake_base_ms ? ms / fake_speed : ms;
	if (real < 1)
		real = 1;
	int64_t end = sk_mono_ms() + real;
	while (!sk_stop_requested() && !reload_flag) {
		int64_t left = end - sk_mono_ms();
		if (left <= 0)
			break;
		sk_sleep_ms(left < 100 ? left : 100);
	}
}

sk_err_t sk_lockfile_take(const char *path, int *fd, int64_t *holder,
			  struct sk_error *err)
{
	*fd = -1;
	*holder = 0;
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f < 0)
		return sk_error_set(err, SK_ERR_IO, false, "open %s: %s", path,
				    strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		char buf[32] = "";
		ssize_t n = pread(f, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		close(f);
		if (e != EWOULDBLOCK)
			return sk_error_set(err, SK_ERR_IO, false,
					    "lock %s: %s", path, strerror(e));
		*holder = strtoll(buf, NULL, 10);
		return sk_error_set(err, SK_ERR_CONFLICT, false,
				    "%s is locked by pid %lld", path,
				    (long long)*holder);
	}
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%lld\n", (long long)getpid());
	if (ftruncate(f, 0) != 0 || pwrite(f, buf, (size_t)len, 0) != len) {
		int e = errno;
		close(f);
		return sk_error_set(err, SK_ERR_IO, false, "write %s: %s", path,
				    strerror(e));
	}
	*fd = f;
	return SK_OK;
}

void sk_lockfile_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
