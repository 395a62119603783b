/*
 * kafka_bench.c - throughput of skred's Kafka path: messages read from an
 * embedded bus log (as `skred fetch` left them) are produced through the
 * bus interface to Kafka in batches (each batch waits for every delivery
 * report, as `skred fetch` does per chunk), then consumed back as a
 * consumer group with a commit per batch (as `skred process` does).
 * Prints one line per phase: messages, MB, seconds.
 *
 * usage: kafka_bench DATA_DIR TOPIC BATCH   (env SKRED_KAFKA_BROKERS)
 */
#include "bus/bus.h"
#include "job/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						  NULL};

static struct sk_config *cfg_for(const char *bus, const char *dir,
				 struct sk_error *err)
{
	struct sk_config *cfg = NULL;
	if (sk_config_new(&cfg, tables, err) != SK_OK ||
	    sk_config_load_env(cfg, err) != SK_OK ||
	    sk_config_set(cfg, "bus", bus, "bench", err) != SK_OK ||
	    sk_config_set(cfg, "data_dir", dir, "bench", err) != SK_OK) {
		sk_config_free(cfg);
		return NULL;
	}
	return cfg;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s DATA_DIR TOPIC BATCH\n", argv[0]);
		return 2;
	}
	struct sk_error err = {0};
	size_t batch = (size_t)atol(argv[3]);
	struct sk_config *scfg = cfg_for("sqlite", argv[1], &err);
	struct sk_config *kcfg = cfg_for("kafka", argv[1], &err);
	struct sk_bus *src = NULL, *dst = NULL;
	if (!scfg || !kcfg || sk_job_bus_open(scfg, &src, &err) != SK_OK ||
	    sk_job_bus_open(kcfg, &dst, &err) != SK_OK) {
		fprintf(stderr, "kafka_bench: %s\n", err.msg);
		return 1;
	}
	/* Load every raw message first, so only Kafka is timed. */
	struct sk_bus_batch all = {0};
	if (sk_bus_read(src, SK_BUS_TOPIC_RAW_DEFAULT, 0, 0, (size_t)-1, &all,
			&err) != SK_OK) {
		fprintf(stderr, "kafka_bench: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < all.n; i++) {
		free(all.msgs[i].topic);
		all.msgs[i].topic = sk_strdup(argv[2]);
	}
	int64_t t0 = sk_mono_ms();
	for (size_t i = 0; i < all.n; i += batch) {
		size_t n = all.n - i < batch ? all.n - i : batch;
		if (sk_bus_produce(dst, &all.msgs[i], n, &err) != SK_OK) {
			fprintf(stderr, "produce: %s\n", err.msg);
			return 1;
		}
	}
	double ps = (double)(sk_mono_ms() - t0) / 1000.0;
	printf("produce %zu %.1f %.3f\n", all.n, (double)all.bytes / 1e6, ps);
	fflush(stdout);

	char group[160];
	snprintf(group, sizeof group, "%s.bench", argv[2]);
	size_t got = 0, bytes = 0;
	t0 = sk_mono_ms();
	if (sk_bus_subscribe(dst, group, argv[2], &err) != SK_OK) {
		fprintf(stderr, "subscribe: %s\n", err.msg);
		return 1;
	}
	for (;;) {
		struct sk_bus_batch b = {0};
		if (sk_bus_poll(dst, &b, batch, 0, &err) != SK_OK) {
			fprintf(stderr, "poll: %s\n", err.msg);
			return 1;
		}
		if (!b.n)
			break;
		got += b.n;
		bytes += b.bytes;
		if (sk_bus_commit(dst, &b, &err) != SK_OK) {
			fprintf(stderr, "commit: %s\n", err.msg);
			return 1;
		}
		sk_bus_batch_clear(&b);
	}
	double cs = (double)(sk_mono_ms() - t0) / 1000.0;
	printf("consume %zu %.1f %.3f\n", got, (double)bytes / 1e6, cs);
	size_t produced = all.n;
	sk_bus_batch_clear(&all);
	sk_bus_close(src);
	sk_bus_close(dst);
	sk_config_free(scfg);
	sk_config_free(kcfg);
	return got == produced ? 0 : 1;
}
