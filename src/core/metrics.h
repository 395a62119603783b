/*
 * metrics.h - the Prometheus text format, written in one place: every
 * family's HELP and TYPE lines (sk_metric_head), duration histograms that
 * any thread observes without a lock, and the standard process_* families
 * read from /proc. The scrape (web/data.c) decides which families appear;
 * `promtool check metrics` checks the result (tests/integration/
 * test_metrics.sh). No I/O apart from sk_metrics_process's /proc reads.
 */
#ifndef SK_CORE_METRICS_H
#define SK_CORE_METRICS_H

#include "core/buf.h"

#include <stdatomic.h>
#include <stdint.h>

/* The upper bounds of the histogram buckets, seconds (+Inf implied): from
 * an HTTP request's milliseconds to a long backfill fetch's minutes. */
#define SK_HIST_BOUNDS                                                         \
	0.001, 0.005, 0.025, 0.1, 0.25, 1, 2.5, 5, 10, 30, 60, 300, 1800
#define SK_HIST_BUCKETS 14 /* the bounds above and +Inf */

/* A histogram of durations. Zero-initialised static storage is an empty
 * one; observed from any thread (relaxed atomics: a scrape may see an
 * observation's bucket before its count, off by one for an instant). */
struct sk_hist {
	_Atomic int64_t
		bucket[SK_HIST_BUCKETS]; /* per bucket, not cumulative */
	_Atomic int64_t sum_us;
};

/* Count one duration of us microseconds (negative counts as 0). */
void sk_hist_observe_us(struct sk_hist *h, int64_t us);

/* "# HELP name help\n# TYPE name type\n": every family starts so. help is
 * one line (backslashes and newlines are escaped). */
void sk_metric_head(struct sk_buf *b, const char *name, const char *type,
		    const char *help);

/* A whole histogram family: head, cumulative name_bucket{le=...} lines,
 * name_sum (seconds) and name_count. */
void sk_hist_write(struct sk_buf *b, const char *name, const char *help,
		   const struct sk_hist *h);

/* process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds, process_max_fds, process_cpu_seconds_total,
 * process_start_time_seconds of this process (Linux /proc); a family whose
 * source cannot be read is left out. */
void sk_metrics_process(struct sk_buf *b);

/* Monotonic microseconds, for durations. */
int64_t sk_mono_us(void);

#endif
