/*
 * test_bus_dedup.c - appending at most once per dedup id on the embedded
 * log (in one call, across calls, per topic, messages without an id
 * untouched), the dead-letter identity, dropping repeats when showing a
 * topic, and the string set underneath.
 */
#define _XOPEN_SOURCE 700
#include "bus/bus.h"
#include "job/job.h"
#include "core/core.h"
#include "cases.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A message of topic with key/value and, when id is not NULL, a dedup id. */
static struct sk_bus_msg msg(const char *topic, const char *key,
			     const char *value, const char *id)
{
	struct sk_bus_msg m = {0};
	m.topic = (char *)topic;
	m.key = (char *)key;
	m.key_len = strlen(key);
	m.value = (char *)value;
	m.value_len = strlen(value);
	m.headers[0].key = "reason";
	m.headers[0].value = "test";
	m.n_headers = 1;
	if (id) {
		m.headers[1].key = SK_BUS_HEADER_DEDUP;
		m.headers[1].value = (char *)id;
		m.n_headers = 2;
	}
	return m;
}

static size_t count(struct sk_bus *bus, const char *topic)
{
	struct sk_bus_batch b = {0};
	struct sk_error err = {0};
	CHECK_INT(sk_bus_read(bus, topic, -1, 0, 1000, &b, &err), SK_OK);
	size_t n = b.n;
	sk_bus_batch_clear(&b);
	return n;
}

static void test_strset(void)
{
	struct sk_strset s = {0};
	bool added;
	char k[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(k, sizeof k, "key%d", i);
		CHECK_INT(sk_strset_add(&s, k, &added), SK_OK);
		CHECK(added);
	}
	CHECK_INT(sk_strset_add(&s, "key7", &added), SK_OK);
	CHECK(!added);
	CHECK_INT(s.n, 1000);
	CHECK(sk_strset_has(&s, "key999"));
	CHECK(!sk_strset_has(&s, "key1000"));
	sk_strset_free(&s);
	CHECK(!sk_strset_has(&s, "key1"));
	sk_strset_free(&s); /* twice is harmless */
}

static void test_dead_letter_id(void)
{
	char hash[17], id[SK_BUS_DEAD_ID_MAX];
	sk_bus_dead_letter_id("3011:1:2024-01-05", 17, "{}", 2, hash, id);
	CHECK_INT(strlen(hash), 16);
	char want[64];
	snprintf(want, sizeof want, "3011:1:2024-01-05#%s", hash);
	CHECK_STR(id, want);
	char hash2[17], id2[SK_BUS_DEAD_ID_MAX];
	sk_bus_dead_letter_id("3011:1:2024-01-05", 17, "{ }", 3, hash2, id2);
	CHECK(strcmp(hash, hash2) != 0); /* another payload, another letter */
	sk_bus_dead_letter_id(NULL, 0, NULL, 0, hash2, id2);
	CHECK(id2[0] == '#');
}

static char tmp[] = "/tmp/skred-bus-XXXXXX";

static void test_sqlog(void)
{
	const char *dir = tmp;
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", dir, "test", &err), SK_OK);
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	if (!bus) {
		sk_config_free(cfg);
		return;
	}
	/* One call: the second copy of an id is skipped, no id is kept. */
	struct sk_bus_msg one[] = {
		msg("dlq", "k1", "v1", "k1#a"),
		msg("dlq", "k1", "v1", "k1#a"),
		msg("dlq", "k2", "v2", NULL),
		msg("raw", "k1", "v1", NULL),
	};
	CHECK_INT(sk_bus_produce(bus, one, 4, &err), SK_OK);
	CHECK_INT(count(bus, "dlq"), 2);
	CHECK_INT(count(bus, "raw"), 1);
	/* Another call (a replay, a re-fetch): the id is known. */
	struct sk_bus_msg two[] = {
		msg("dlq", "k1", "v1", "k1#a"),
		msg("dlq", "k2", "v2", NULL),
		msg("dlq", "k1", "v1b", "k1#b"),
		msg("other", "k1", "v1", "k1#a"),
	};
	CHECK_INT(sk_bus_produce(bus, two, 4, &err), SK_OK);
	CHECK_INT(count(bus, "dlq"), 4);   /* + k2 again, + k1#b */
	CHECK_INT(count(bus, "other"), 1); /* ids are per topic */
	/* Offsets stay dense: skipped messages take none. */
	struct sk_bus_batch b = {0};
	CHECK_INT(sk_bus_read(bus, "dlq", -1, 0, 100, &b, &err), SK_OK);
	for (size_t i = 0; i < b.n; i++)
		CHECK_INT(b.msgs[i].offset, (int64_t)i);
	/* Showing: k2 twice without an id is one identity (key + value). */
	CHECK_INT(sk_bus_batch_dedup(&b, &err), SK_OK);
	CHECK_INT(b.n, 3);
	if (b.n == 3) {
		CHECK_STR(b.msgs[0].key, "k1");
		CHECK_STR(b.msgs[1].key, "k2");
		CHECK_STR(b.msgs[2].value, "v1b");
	}
	sk_bus_batch_clear(&b);
	sk_bus_close(bus);
	/* Reopened: the ids survive. */
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	if (bus) {
		CHECK_INT(sk_bus_produce(bus, one, 2, &err), SK_OK);
		CHECK_INT(count(bus, "dlq"), 4);
		sk_bus_close(bus);
	}
	sk_config_free(cfg);
}

static const struct sk_case cases[] = {
	{"strset", test_strset},
	{"dead_letter_id", test_dead_letter_id},
	{"sqlog", test_sqlog},
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	if (!mkdtemp(tmp))
		return 1;
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
