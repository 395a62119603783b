/*
 * test_metrics.c - the Prometheus text of core/metrics.h: a family head
 * with its help escaped, a histogram's buckets (a value on a bound counts
 * in that bound's bucket, le is an upper bound), cumulative counts, +Inf,
 * sum and count; the process_* families present and plausible.
 */
#include "core/core.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_head(void)
{
	struct sk_buf b = SK_BUF_INIT(4096);
	sk_metric_head(&b, "skred_x_total", "counter", "A \\ b\nc.");
	CHECK(sk_buf_finish(&b) == SK_OK);
	CHECK_STR(b.data, "# HELP skred_x_total A \\\\ b\\nc.\n"
			  "# TYPE skred_x_total counter\n");
	sk_buf_free(&b);
}

static void test_hist(void)
{
	static struct sk_hist h;                      /* zeroed: empty */
	sk_hist_observe_us(&h, 1000);                 /* on the 0.001 bound */
	sk_hist_observe_us(&h, 1001);                 /* just above: 0.005 */
	sk_hist_observe_us(&h, 2000000);              /* 2 s: 2.5 */
	sk_hist_observe_us(&h, -5);                   /* 0 */
	sk_hist_observe_us(&h, 1000LL * 1000 * 4000); /* past 1800 s */
	struct sk_buf b = SK_BUF_INIT(8192);
	sk_hist_write(&b, "skred_d_seconds", "D.", &h);
	CHECK(sk_buf_finish(&b) == SK_OK);
	const char *t = b.data;
	CHECK(strstr(t, "# TYPE skred_d_seconds histogram\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_bucket{le=\"0.001\"} 2\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_bucket{le=\"0.005\"} 3\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_bucket{le=\"1\"} 3\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_bucket{le=\"2.5\"} 4\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_bucket{le=\"1800\"} 4\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_bucket{le=\"+Inf\"} 5\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_count 5\n") != NULL);
	CHECK(strstr(t, "skred_d_seconds_sum 4002.002001\n") != NULL);
	/* buckets in increasing le order, +Inf last */
	CHECK(strstr(t, "le=\"0.001\"") < strstr(t, "le=\"0.005\""));
	CHECK(strstr(t, "le=\"1800\"") < strstr(t, "le=\"+Inf\""));
	sk_buf_free(&b);
}

static void test_process(void)
{
	struct sk_buf b = SK_BUF_INIT(8192);
	sk_metrics_process(&b);
	CHECK(sk_buf_finish(&b) == SK_OK);
	const char *t = b.data ? b.data : "";
	unsigned long long rss = 0;
	const char *p = strstr(t, "\nprocess_resident_memory_bytes ");
	CHECK(p != NULL);
	if (p)
		rss = strtoull(p + 31, NULL, 10);
	CHECK(rss > 100000);
	CHECK(strstr(t, "# HELP process_open_fds ") != NULL);
	CHECK(strstr(t, "# TYPE process_start_time_seconds gauge\n") != NULL);
	CHECK(strstr(t, "# TYPE process_cpu_seconds_total counter\n") != NULL);
	p = strstr(t, "\nprocess_start_time_seconds ");
	double start = p ? strtod(p + 28, NULL) : 0;
	double now = (double)sk_now_ms() / 1000.0;
	CHECK(start > now - 600 && start <= now + 2);
	sk_buf_free(&b);
}

int main(void)
{
	test_head();
	test_hist();
	test_process();
	TEST_DONE();
}
