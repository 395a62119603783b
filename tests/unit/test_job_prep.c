/*
 * test_job_prep.c - the process loop with its preparing thread (map,
 * clean, key check, hash and compression of batch messages ahead of the
 * store), against the real SQLite bus and warehouse: good and bad messages
 * interleaved in one topic come out exactly as one at a time would make
 * them - every good one stored once, every bad one dead-lettered with its
 * reason, in source order,
 * the outcomes reported per message in order - for batches of one (no
 * thread), of a few and of all messages.
 */
#include "bus/bus.h"
#include "job/job.h"
#include "store/store.h"
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_MSGS 40

static const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						  sk_store_cfg, sk_job_cfg,
						  NULL};

/* What message i is: 0 good, 1 not JSON, 2 a warning under another key. */
static int kind_of(int i)
{
	if (i % 5 == 3)
		return 1;
	if (i % 7 == 5)
		return 2;
	return 0;
}

static void produce(struct sk_bus *bus, const char *topic)
{
	struct sk_bus_msg m[N_MSGS];
	static char keys[N_MSGS][32], vals[N_MSGS][512];
	memset(m, 0, sizeof m);
	for (int i = 0; i < N_MSGS; i++) {
		int day = i % 28 + 1, month = i / 28 + 1;
		snprintf(keys[i], sizeof keys[i], "3011:1:2024-%02d-%02d",
			 month, day);
		if (kind_of(i) == 1)
			snprintf(vals[i], sizeof vals[i], "not json %d", i);
		else
			snprintf(vals[i], sizeof vals[i],
				 "{\"RegId\":%d,\"RegionId\":%d,\"RegionName\":"
				 "\"Troms\\u00f8\",\"RegionTypeId\":10,"
				 "\"RegionTypeName\":\"A\",\"DangerLevel\":"
				 "\"2\",\"ValidFrom\":\"2024-%02d-%02dT00:00:"
				 "00\",\"ValidTo\":\"2024-%02d-%02dT23:59:59\","
				 "\"NextWarningTime\":null,\"PublishTime\":"
				 "\"2024-01-01T15:30:00\",\"DangerIncreaseTime"
				 "\":null,\"DangerDecreaseTime\":null,"
				 "\"MainText\":\"Message %d, long enough to "
				 "be compressed by the value codec of the "
				 "warehouse and the bus alike.\",\"LangKey\":"
				 "1}",
				 1000 + i, kind_of(i) == 2 ? 3012 : 3011, month,
				 day, month, day, i);
		m[i].topic = (char *)topic;
		m[i].key = keys[i];
		m[i].key_len = strlen(keys[i]);
		m[i].value = vals[i];
		m[i].value_len = strlen(vals[i]);
	}
	struct sk_error err = {0};
	CHECK_INT(sk_bus_produce(bus, m, N_MSGS, &err), SK_OK);
}

struct seen {
	enum sk_job_outcome oc[N_MSGS];
	size_t n, batches;
};

static sk_err_t outcome(void *ud, const struct sk_bus_msg *msg,
			enum sk_job_outcome oc, struct sk_error *err)
{
	(void)msg;
	(void)err;
	struct seen *s = ud;
	if (oc == SK_JOB_BATCH_DONE)
		s->batches++;
	else if (s->n < N_MSGS)
		s->oc[s->n++] = oc;
	else
		CHECK(!"more outcomes than messages");
	return SK_OK;
}

struct rows {
	size_t n;
	bool ok;
};

static int row(const struct sk_warning *w, void *ud)
{
	struct rows *r = ud;
	r->n++;
	/* Message i has RegId 1000 + i and is the only one of its date. */
	if (w->reg_id < 1000 || w->reg_id >= 1000 + N_MSGS ||
	    kind_of((int)(w->reg_id - 1000)) != 0)
		r->ok = false;
	return 0;
}

static void run_with(const char *root, const char *name, size_t batch)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", dir, "test", &err), SK_OK);
	struct sk_bus *bus = NULL;
	struct sk_store *st = NULL;
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	CHECK_INT(sk_job_store_open(cfg, false, &st, &err), SK_OK);
	if (!bus || !st)
		goto out;
	produce(bus, sk_config_str(cfg, "bus.topic_raw"));
	struct seen seen = {0};
	struct sk_job_process_opts o = {.batch_size = batch,
					.outcome = outcome,
					.outcome_ud = &seen};
	struct sk_job_process_stats s;
	CHECK_INT(sk_job_process(cfg, bus, st, &o, &s, &err), SK_OK);
	size_t good = 0, bad = 0;
	int64_t bad_offsets[N_MSGS];
	for (int i = 0; i < N_MSGS; i++) {
		if (kind_of(i))
			bad_offsets[bad++] = i;
		else
			good++;
		CHECK_INT(seen.oc[i],
			  kind_of(i) ? SK_JOB_DEAD : SK_JOB_INSERTED);
	}
	CHECK_INT(seen.n, N_MSGS);
	CHECK_INT(seen.batches, (N_MSGS + batch - 1) / batch);
	CHECK_INT(s.inserted, good);
	CHECK_INT(s.dead_lettered, bad);

	/* Dead letters in source order, each with its reason. */
	struct sk_bus_batch b = {0};
	CHECK_INT(sk_bus_read(bus, sk_config_str(cfg, "bus.topic_dlq"), -1, 0,
			      1000, &b, &err),
		  SK_OK);
	CHECK_INT(b.n, bad);
	for (size_t i = 0; i < b.n && i < bad; i++) {
		const char *off = sk_bus_msg_header(&b.msgs[i],
						    "source_offset");
		CHECK(off && strtoll(off, NULL, 10) == bad_offsets[i]);
		const char *why = sk_bus_msg_header(&b.msgs[i], "reason");
		CHECK(why && *why);
		if (kind_of((int)bad_offsets[i]) == 2)
			CHECK(why && strstr(why, "3012") != NULL);
	}
	sk_bus_batch_clear(&b);

	/* The good ones stored, each once. */
	struct rows r = {.ok = true};
	struct sk_store_query q = {0};
	CHECK_INT(sk_store_query(st, &q, row, &r, &err), SK_OK);
	CHECK_INT(r.n, good);
	CHECK(r.ok);
	struct sk_store_stats stats;
	CHECK_INT(sk_store_stats(st, &stats, &err), SK_OK);
	CHECK_INT(stats.revisions, good);
out:
	sk_store_close(st);
	sk_bus_close(bus);
	sk_config_free(cfg);
}

static char root[] = "/tmp/skred-test-prep.XXXXXX";

static void test_one(void)
{
	run_with(root, "one", 1);
}

static void test_few(void)
{
	run_with(root, "few", 7);
}

static void test_all(void)
{
	run_with(root, "all", N_MSGS);
}

static const struct sk_case cases[] = {
	{"one", test_one},
	{"few", test_few},
	{"all", test_all},
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return rc;
}
