/*
 * test_kafka_mock.c - the Kafka bus backend under fault injection, against
 * librdkafka's in-process mock cluster (3 brokers): produce and consume
 * through the bus interface; request errors and a leader change are retried
 * by the idempotent producer without duplicates; with every broker down a
 * produce fails and says so instead of reporting messages as sent; messages
 * with a dedup id are appended once, also by a second client.
 * (The real-broker scenarios are tests/external/.)
 */
#include "bus/bus.h"
#include "job/job.h"
#include "cases.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "mock.raw"
#define API_PRODUCE 0

static const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						  NULL};

static struct sk_config *make_cfg(const char *bootstraps, const char *flush_ms)
{
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	sk_config_set(cfg, "bus", "kafka", "test", &err);
	sk_config_set(cfg, "kafka.brokers", bootstraps, "test", &err);
	sk_config_set(cfg, "kafka.flush_timeout_ms", flush_ms, "test", &err);
	sk_config_set(cfg, "kafka.caught_up_timeout_ms", "30000", "test", &err);
	sk_config_set(cfg, "kafka.request_timeout_ms", "5000", "test", &err);
	/* a librdkafka property passed through */
	CHECK_INT(sk_config_set(cfg, "kafka.message.timeout.ms", "20000",
				"test", &err),
		  SK_OK);
	return cfg;
}

/* Produce n messages with keys of regions 3001..3010. */
static sk_err_t produce_n(struct sk_bus *bus, int first, int n,
			  struct sk_error *err)
{
	struct sk_bus_msg *msgs = calloc((size_t)n, sizeof *msgs);
	char(*keys)[40] = calloc((size_t)n, sizeof *keys);
	char(*vals)[40] = calloc((size_t)n, sizeof *vals);
	for (int i = 0; i < n; i++) {
		int k = first + i;
		snprintf(keys[i], sizeof keys[i], "%d:1:2024-01-%02d",
			 3001 + k % 10, 1 + k / 10 % 28);
		snprintf(vals[i], sizeof vals[i], "{\"n\":%d}", k);
		msgs[i].topic = TOPIC;
		msgs[i].key = keys[i];
		msgs[i].key_len = strlen(keys[i]);
		msgs[i].value = vals[i];
		msgs[i].value_len = strlen(vals[i]);
		msgs[i].headers[0].key = "url";
		msgs[i].headers[0].value = "http://127.0.0.1/x";
		msgs[i].n_headers = 1;
	}
	sk_err_t rc = sk_bus_produce(bus, msgs, (size_t)n, err);
	free(msgs);
	free(keys);
	free(vals);
	return rc;
}

/* Consume everything as group; check per-region partitioning and no
 * duplicate values. Returns the number of distinct messages. */
static int consume_all(const char *bootstraps, const char *group, int max_n)
{
	struct sk_config *cfg = make_cfg(bootstraps, "30000");
	struct sk_bus *bus = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	CHECK_INT(sk_bus_subscribe(bus, group, TOPIC, &err), SK_OK);
	char *seen = calloc((size_t)max_n, 1);
	int region_part[10];
	for (int i = 0; i < 10; i++)
		region_part[i] = -1;
	int distinct = 0, dups = 0, misplaced = 0;
	for (;;) {
		struct sk_bus_batch b = {0};
		sk_err_t rc = sk_bus_poll(bus, &b, 1000, 0, &err);
		CHECK_INT(rc, SK_OK);
		if (rc != SK_OK || b.n == 0) {
			sk_bus_batch_clear(&b);
			break;
		}
		for (size_t i = 0; i < b.n; i++) {
			int n = atoi(b.msgs[i].value + 5);
			int r = atoi(b.msgs[i].key) - 3001;
			if (n >= 0 && n < max_n) {
				if (seen[n])
					dups++;
				else
					distinct++;
				seen[n] = 1;
			}
			if (r >= 0 && r < 10) {
				if (region_part[r] < 0)
					region_part[r] = b.msgs[i].partition;
				else if (region_part[r] != b.msgs[i].partition)
					misplaced++;
			}
			CHECK_STR(sk_bus_msg_header(&b.msgs[i], "url"),
				  "http://127.0.0.1/x");
		}
		CHECK_INT(sk_bus_commit(bus, &b, &err), SK_OK);
		sk_bus_batch_clear(&b);
	}
	CHECK_INT(dups, 0);
	CHECK_INT(misplaced, 0);
	/* After committing everything the group has no lag. */
	struct sk_bus_lag *lag = NULL;
	size_t nl = 0;
	CHECK_INT(sk_bus_lag(bus, group, TOPIC, &lag, &nl, &err), SK_OK);
	CHECK_INT(nl, 3);
	int64_t total_lag = 0, total_end = 0;
	for (size_t i = 0; i < nl; i++) {
		total_lag += lag[i].lag;
		total_end += lag[i].end_offset;
	}
	CHECK_INT(total_lag, 0);
	CHECK(total_end >= distinct);
	free(lag);
	free(seen);
	sk_bus_close(bus);
	sk_config_free(cfg);
	return distinct;
}

static void test_mock_cluster(void)
{
	char errstr[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
	rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
					sizeof errstr);
	CHECK(host != NULL);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(host, 3);
	CHECK(mc != NULL);
	const char *bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
	CHECK_INT(rd_kafka_mock_topic_create(mc, TOPIC, 3, 3),
		  RD_KAFKA_RESP_ERR_NO_ERROR);

	struct sk_config *cfg = make_cfg(bootstraps, "4000");
	struct sk_bus *bus = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);

	/* 1. plain produce */
	CHECK_INT(produce_n(bus, 0, 100, &err), SK_OK);

	/* 2. transient request errors on Produce: retried, no duplicates */
	rd_kafka_mock_push_request_errors(
		mc, API_PRODUCE, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
		RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
		RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
		RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE);
	CHECK_INT(produce_n(bus, 100, 50, &err), SK_OK);
	if (err.code)
		fprintf(stderr, "request errors: %s\n", err.msg);

	/* 3. leader change of every partition */
	for (int p = 0; p < 3; p++)
		rd_kafka_mock_partition_set_leader(mc, TOPIC, p,
						   (p + 1) % 3 + 1);
	CHECK_INT(produce_n(bus, 150, 50, &err), SK_OK);

	CHECK_INT(consume_all(bootstraps, "g1", 1000), 200);

	/* 4. every broker down: the produce fails, clearly */
	for (int b = 1; b <= 3; b++)
		rd_kafka_mock_broker_set_down(mc, b);
	sk_error_clear(&err);
	sk_err_t rc = produce_n(bus, 200, 10, &err);
	CHECK_INT(rc, SK_ERR_BUS);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "not delivered") != NULL);
	fprintf(stderr, "brokers down: %s\n", err.msg);
	for (int b = 1; b <= 3; b++)
		rd_kafka_mock_broker_set_up(mc, b);
	sk_error_clear(&err);
	/* A producer that waits long enough for the reconnection. */
	sk_bus_close(bus);
	sk_config_free(cfg);
	cfg = make_cfg(bootstraps, "30000");
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	CHECK_INT(produce_n(bus, 300, 10, &err), SK_OK);
	if (err.code)
		fprintf(stderr, "after brokers up: %s\n", err.msg);
	sk_bus_close(bus);
	/* The 10 produced while up are there; those reported as failed may
	 * or may not have arrived (at-least-once), but nothing reported as
	 * delivered is missing. */
	int got = consume_all(bootstraps, "g2", 1000);
	CHECK(got >= 210 && got <= 220);

	/* 6. dedup ids: one bus appends an id once; a second bus (another
	 * process, after a crash) reads the topic and skips what is there. */
	CHECK_INT(rd_kafka_mock_topic_create(mc, "mock.dlq", 3, 3),
		  RD_KAFKA_RESP_ERR_NO_ERROR);
	const char *ids[] = {"3001:1:2024-01-01#a", "3002:1:2024-01-01#b",
			     "3001:1:2024-01-01#a", "3003:1:2024-01-02#c",
			     "3004:1:2024-01-02#d", "3005:1:2024-01-03#e"};
	struct sk_bus_msg dl[6];
	memset(dl, 0, sizeof dl);
	for (int i = 0; i < 6; i++) {
		dl[i].topic = "mock.dlq";
		dl[i].key = (char *)ids[i];
		dl[i].key_len = 16;
		dl[i].value = "{}";
		dl[i].value_len = 2;
		dl[i].headers[0].key = SK_BUS_HEADER_DEDUP;
		dl[i].headers[0].value = (char *)ids[i];
		dl[i].n_headers = 1;
	}
	sk_config_free(cfg);
	for (int round = 0; round < 2; round++) {
		cfg = make_cfg(bootstraps, "30000");
		CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
		/* first bus: five (one id twice); second: all six again */
		CHECK_INT(sk_bus_produce(bus, dl, round ? 6 : 5, &err), SK_OK);
		if (err.code)
			fprintf(stderr, "dedup produce: %s\n", err.msg);
		struct sk_bus_batch b = {0};
		CHECK_INT(sk_bus_read(bus, "mock.dlq", -1, 0, 100, &b, &err),
			  SK_OK);
		CHECK_INT(b.n, round ? 5 : 4);
		sk_bus_batch_clear(&b);
		sk_bus_close(bus);
		sk_config_free(cfg);
	}
	cfg = NULL;

	/* 5. a bad librdkafka property is a configuration error */
	struct sk_config *bad = make_cfg(bootstraps, "4000");
	CHECK_INT(sk_config_set(bad, "kafka.no.such.property", "1", "test",
				&err),
		  SK_OK);
	struct sk_bus *bbus = NULL;
	CHECK_INT(sk_job_bus_open(bad, &bbus, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "no.such.property") != NULL);
	CHECK(bbus == NULL);
	sk_config_free(bad);

	sk_config_free(cfg);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
}

static const struct sk_case cases[] = {
	{"mock_cluster", test_mock_cluster},
};

SK_CASES_MAIN(cases)
