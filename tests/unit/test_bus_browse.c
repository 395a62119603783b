/*
 * test_bus_browse.c - the message browser on the embedded log
 * (sk_bus_browse): from an offset, from a time, by key substring, the limit
 * and the read window, a partition the log does not have, a topic with
 * nothing; and members, which the embedded log has none of.
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

static char tmp[] = "/tmp/skred-browse-XXXXXX";

static struct sk_config *cfg_new(void)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", tmp, "test", &err), SK_OK);
	return cfg;
}

/* 30 messages on "t": key "r<i%3>:<i>", value "v<i>", time 1000 + 100 i. */
static void fill(struct sk_bus *bus)
{
	struct sk_bus_msg m[30];
	char keys[30][16], vals[30][16];
	struct sk_error err = {0};
	memset(m, 0, sizeof m);
	for (int i = 0; i < 30; i++) {
		snprintf(keys[i], sizeof keys[i], "r%d:%d", i % 3, i);
		snprintf(vals[i], sizeof vals[i], "v%d", i);
		m[i].topic = "t";
		m[i].key = keys[i];
		m[i].key_len = strlen(keys[i]);
		m[i].value = vals[i];
		m[i].value_len = strlen(vals[i]);
		m[i].timestamp_ms = 1000 + 100 * i;
		m[i].headers[0].key = "h";
		m[i].headers[0].value = "x";
		m[i].n_headers = 1;
	}
	CHECK_INT(sk_bus_produce(bus, m, 30, &err), SK_OK);
}

static void test_browse(void)
{
	struct sk_config *cfg = cfg_new();
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_bus_batch b = {0};
	size_t scanned = 0;
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	if (!bus) {
		sk_config_free(cfg);
		return;
	}
	fill(bus);
	/* From an offset, up to the limit, in order, headers kept. */
	struct sk_bus_browse q = {.topic = "t",
				  .partition = -1,
				  .offset = 5,
				  .max = 4};
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 4);
	for (size_t i = 0; i < b.n; i++)
		CHECK_INT(b.msgs[i].offset, (int64_t)(5 + i));
	if (b.n)
		CHECK_STR(sk_bus_msg_header(&b.msgs[0], "h"), "x");
	CHECK_INT(scanned, 4);
	sk_bus_batch_clear(&b);
	/* By key: every third message, all of them within the window. */
	q = (struct sk_bus_browse){
		.topic = "t", .partition = -1, .key = "r1:", .max = 100};
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 10);
	for (size_t i = 0; i < b.n; i++)
		CHECK(!strncmp(b.msgs[i].key, "r1:", 3));
	sk_bus_batch_clear(&b);
	/* ... a window of 6 offsets holds two of them. */
	q.scan_max = 6;
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 2);
	CHECK_INT(scanned, 6);
	sk_bus_batch_clear(&b);
	/* From a time: the first message at or after it. */
	q = (struct sk_bus_browse){.topic = "t",
				   .partition = -1,
				   .from_ms = 1000 + 100 * 20 - 50,
				   .max = 100};
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 10);
	if (b.n)
		CHECK_INT(b.msgs[0].offset, 20);
	sk_bus_batch_clear(&b);
	/* After the last message: nothing, not an error. */
	q.from_ms = 999999;
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 0);
	/* A partition the log does not have, a topic with nothing. */
	q = (struct sk_bus_browse){.topic = "t", .partition = 1, .max = 10};
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 0);
	q = (struct sk_bus_browse){.topic = "none", .partition = -1, .max = 10};
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 0);
	/* A key that is no key: nothing. */
	q = (struct sk_bus_browse){.topic = "t",
				   .partition = -1,
				   .key = "r9",
				   .max = 10};
	CHECK_INT(sk_bus_browse(bus, &q, &b, &scanned, &err), SK_OK);
	CHECK_INT(b.n, 0);
	/* Members: the embedded log has none to show. */
	struct sk_bus_member *mem = NULL;
	size_t n = 1;
	CHECK_INT(sk_bus_members(bus, "g", &mem, &n, &err), SK_ERR_NOTFOUND);
	CHECK(mem == NULL && n == 0);
	sk_bus_close(bus);
	sk_config_free(cfg);
}

static const struct sk_case cases[] = {
	{"browse", test_browse},
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
