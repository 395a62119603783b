/*
 * test_kafka_commit.c - the consumer side of the bus while the real broker
 * (scripts/kafka.sh) is down: a commit returns a retriable error (it does
 * not block); a follow poll with nothing to read reports the brokers
 * unreachable (a retriable error, so `process --follow` logs an outage even
 * when the group lost its assignment and holds nothing); once the broker is
 * back the same commit lands and the group's position is the one committed.
 */
#include "bus/bus.h"
#include "test.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 3

static char kafka_sh[1024];

static void kafka(const char *verb)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", kafka_sh, verb);
	if (system(cmd) != 0)
		fprintf(stderr, "scripts/kafka.sh %s failed\n", verb);
}

static void restart_kafka(void)
{
	kafka("start");
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL - the commit did not return while "
				  "the broker was down (blocked)\n";
	if (write(2, msg, sizeof msg - 1) < 0) {
		/* nothing more to do in a signal handler */
	}
	_exit(1);
}

int main(void)
{
	const char *src = getenv("SKRED_SRC");
	const char *port = getenv("KAFKA_PORT");
	char brokers[128], topic[64], group[64];
	snprintf(kafka_sh, sizeof kafka_sh, "%s/scripts/kafka.sh",
		 src ? src : ".");
	snprintf(brokers, sizeof brokers, "127.0.0.1:%s", port ? port : "9092");
	snprintf(topic, sizeof topic, "commit%ld", (long)getpid());
	snprintf(group, sizeof group, "%s.g", topic);

	const struct sk_cfg_def *const tables[] = {sk_bus_cfg, NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	if (sk_config_new(&cfg, tables, &err) != SK_OK ||
	    sk_config_set(cfg, "bus", "kafka", "test", &err) != SK_OK ||
	    sk_config_set(cfg, "kafka.brokers", brokers, "test", &err) !=
		    SK_OK ||
	    sk_config_set(cfg, "kafka.topic_partitions", "1", "test", &err) !=
		    SK_OK ||
	    sk_config_set(cfg, "kafka.request_timeout_ms", "3000", "test",
			  &err) != SK_OK) {
		fprintf(stderr, "config: %s\n", err.msg);
		return 1;
	}
	struct sk_bus_opts o = {.conf = sk_bus_conf(cfg), .data_dir = "."};
	struct sk_bus *bus = NULL;
	if (sk_bus_open(&bus, &o, &err) != SK_OK) {
		fprintf(stderr,
			"FAIL - open (is scripts/kafka.sh running?): "
			"%s\n",
			err.msg);
		return 1;
	}

	struct sk_bus_batch in = {0};
	for (int i = 0; i < N; i++) {
		char key[16];
		snprintf(key, sizeof key, "k%d", i);
		CHECK(sk_bus_batch_push(&in, topic, -1, 0, 0, key, strlen(key),
					"{}", 2, &err) == SK_OK);
	}
	CHECK(sk_bus_produce(bus, in.msgs, in.n, &err) == SK_OK);
	sk_bus_batch_clear(&in);

	struct sk_bus_batch got = {0};
	CHECK(sk_bus_subscribe(bus, group, topic, &err) == SK_OK);
	for (int tries = 0; got.n < N && tries < 30; tries++)
		if (sk_bus_poll(bus, &got, N - got.n, 2000, &err) != SK_OK)
			fprintf(stderr, "poll: %s\n", err.msg);
	CHECK_INT(got.n, N);

	/* The broker goes; the commit of what was read must come back. */
	atexit(restart_kafka);
	kafka("stop");
	signal(SIGALRM, on_alarm);
	alarm(120);
	sk_err_t rc = sk_bus_commit(bus, &got, &err);
	alarm(0);
	CHECK(rc != SK_OK);
	CHECK(err.retriable);
	fprintf(stderr, "# commit while down: %s\n", err.msg);

	/* A follow poll with nothing to read (the group lost its assignment
	 * in the outage) reports the brokers unreachable instead of idling
	 * through the outage silently. */
	rc = SK_OK;
	for (int tries = 0; rc == SK_OK && tries < 30; tries++) {
		struct sk_bus_batch none = {0};
		rc = sk_bus_poll(bus, &none, N, 1000, &err);
		CHECK_INT(none.n, 0);
		sk_bus_batch_clear(&none);
	}
	CHECK(rc != SK_OK);
	CHECK(err.retriable);
	fprintf(stderr, "# idle poll while down: %s\n", err.msg);

	/* Back: the consumer rejoins its group (polling serves that; what it
	 * reads again is what it had) and the same commit is retried until
	 * the group's position is the one committed. */
	kafka("start");
	struct sk_bus_lag *lag = NULL;
	size_t nlag = 0;
	bool landed = false;
	for (int tries = 0; !landed && tries < 60; tries++) {
		struct sk_bus_batch again = {0};
		if (sk_bus_poll(bus, &again, N, 1000, &err) != SK_OK)
			fprintf(stderr, "poll: %s\n", err.msg);
		sk_bus_batch_clear(&again);
		if (sk_bus_commit(bus, &got, &err) != SK_OK)
			continue;
		free(lag);
		lag = NULL;
		landed = sk_bus_lag(bus, group, topic, &lag, &nlag, &err) ==
				 SK_OK &&
			 nlag == 1 && lag[0].committed_offset == N;
	}
	CHECK(landed);
	CHECK(lag && nlag == 1 && lag[0].lag == 0);
	free(lag);
	sk_bus_batch_clear(&got);
	sk_bus_close(bus);
	sk_config_free(cfg);
	TEST_DONE();
}
