/*
 * metrics.c - family heads, histograms and the process_* families of the
 * Prometheus text format (metrics.h). Reads /proc/self for the process
 * families; does not know which skred metrics exist.
 */
#include "core.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const double bounds[SK_HIST_BUCKETS - 1] = {SK_HIST_BOUNDS};

_Static_assert(sizeof bounds / sizeof bounds[0] == SK_HIST_BUCKETS - 1,
	       "SK_HIST_BUCKETS is the number of SK_HIST_BOUNDS plus one");

int64_t sk_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sk_hist_observe_us(struct sk_hist *h, int64_t us)
{
	if (us < 0)
		us = 0;
	size_t i = 0;
	while (i < SK_HIST_BUCKETS - 1 && (double)us / 1e6 > bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

void sk_metric_head(struct sk_buf *b, const char *name, const char *type,
		    const char *help)
{
	sk_buf_printf(b, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			sk_buf_puts(b, "\\\\");
		else if (*p == '\n')
			sk_buf_puts(b, "\\n");
		else
			sk_buf_append(b, p, 1);
	}
	sk_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void sk_hist_write(struct sk_buf *b, const char *name, const char *help,
		   const struct sk_hist *h)
{
	sk_metric_head(b, name, "histogram", help);
	int64_t cum = 0;
	for (size_t i = 0; i < SK_HIST_BUCKETS; i++) {
		cum += atomic_load_explicit(&h->bucket[i],
					    memory_order_relaxed);
		if (i < SK_HIST_BUCKETS - 1)
			sk_buf_printf(b, "%s_bucket{le=\"%g\"} %lld\n", name,
				      bounds[i], (long long)cum);
		else
			sk_buf_printf(b, "%s_bucket{le=\"+Inf\"} %lld\n", name,
				      (long long)cum);
	}
	int64_t sum = atomic_load_explicit(&h->sum_us, memory_order_relaxed);
	sk_buf_printf(b, "%s_sum %.6f\n%s_count %lld\n", name,
		      (double)sum / 1e6, name, (long long)cum);
}

/* The n-th blank-separated number of p (0: the first). */
static bool nth(const char *p, int n, unsigned long long *v)
{
	for (; n > 0; n--) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	char *end;
	errno = 0;
	*v = strtoull(p, &end, 10);
	return end != p && !errno;
}

/* The first line of a /proc file into line; false if unreadable. */
static bool first_line(const char *path, char *line, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(line, (int)size, f) != NULL;
	fclose(f);
	return ok;
}

/* utime, stime and starttime (clock ticks) from /proc/self/stat. */
static bool self_stat(unsigned long long *ut, unsigned long long *st,
		      unsigned long long *start)
{
	char line[1024];
	if (!first_line("/proc/self/stat", line, sizeof line))
		return false;
	/* the command name may hold blanks and ')': fields after the last;
	 * after ") " comes field 3 (state): utime is 14, stime 15, starttime
	 * 22 */
	const char *p = strrchr(line, ')');
	return p && p[1] == ' ' && nth(p + 2, 14 - 3, ut) &&
	       nth(p + 2, 15 - 3, st) && nth(p + 2, 22 - 3, start);
}

/* Seconds since the epoch at boot, from /proc/stat's btime. */
static bool boot_time(unsigned long long *bt)
{
	char line[256];
	bool ok = false;
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof line, f))
		ok = !strncmp(line, "btime ", 6) && nth(line + 6, 0, bt);
	fclose(f);
	return ok;
}

void sk_metrics_process(struct sk_buf *b)
{
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	unsigned long long vsz, rss;
	char line[256];
	if (page > 0 && first_line("/proc/self/statm", line, sizeof line) &&
	    nth(line, 0, &vsz) && nth(line, 1, &rss)) {
		sk_metric_head(b, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes.");
		sk_buf_printf(b, "process_resident_memory_bytes %llu\n",
			      rss * (unsigned long long)page);
		sk_metric_head(b, "process_virtual_memory_bytes", "gauge",
			       "Virtual memory size in bytes.");
		sk_buf_printf(b, "process_virtual_memory_bytes %llu\n",
			      vsz * (unsigned long long)page);
	}
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		long n = 0;
		for (struct dirent *e; (e = readdir(d));)
			n += e->d_name[0] != '.';
		closedir(d);
		sk_metric_head(b, "process_open_fds", "gauge",
			       "Number of open file descriptors.");
		sk_buf_printf(b, "process_open_fds %ld\n", n - 1 /* d's */);
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		sk_metric_head(b, "process_max_fds", "gauge",
			       "Maximum number of open file descriptors.");
		sk_buf_printf(b, "process_max_fds %llu\n",
			      (unsigned long long)rl.rlim_cur);
	}
	unsigned long long ut, st, start, bt;
	if (hz > 0 && self_stat(&ut, &st, &start)) {
		sk_metric_head(b, "process_cpu_seconds_total", "counter",
			       "Total user and system CPU time spent in "
			       "seconds.");
		sk_buf_printf(b, "process_cpu_seconds_total %.2f\n",
			      (double)(ut + st) / (double)hz);
		if (boot_time(&bt)) {
			sk_metric_head(b, "process_start_time_seconds", "gauge",
				       "Start time of the process since unix "
				       "epoch in seconds.");
			sk_buf_printf(b, "process_start_time_seconds %.2f\n",
				      (double)bt + (double)start / (double)hz);
		}
	}
}
