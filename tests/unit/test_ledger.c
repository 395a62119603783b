/*
 * test_ledger.c - the run ledger: add (idempotent), begin/end with
 * attempts, retry scheduling, recovery of runs cut off by a crash, clear,
 * checks, meta, reopen.
 */
#include "sched/ledger.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_runs(const struct sk_run *r, void *ud)
{
	(void)r;
	(*(int *)ud)++;
	return 0;
}

static int count_attempts(const struct sk_attempt *a, void *ud)
{
	int *n = ud;
	(*n)++;
	if (a->attempt == 1)
		CHECK_STR(a->state, "interrupted");
	if (a->attempt == 2) {
		CHECK_STR(a->state, "success");
		CHECK_INT(a->stored, 42);
	}
	return 0;
}

static int see_check(const char *name, bool ok, const char *detail, void *ud)
{
	(*(int *)ud)++;
	CHECK_STR(name, "danger_level_range");
	CHECK(ok);
	CHECK_STR(detail, "0 warnings outside 0..5");
	return 0;
}

/* A configuration with data_dir = dir (and the default ledger). */
static struct sk_config *config_for(const char *dir)
{
	static const struct sk_cfg_def *const tables[] = {sk_core_cfg,
							  sk_ledger_cfg, NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", dir, "test", &err), SK_OK);
	return cfg;
}

int main(void)
{
	char dir[] = "/tmp/skred-ledger-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct sk_config *cfg = config_for(dir);
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_ledger_open(&l, cfg, &err), SK_OK);
	CHECK_STR(sk_ledger_backend(l), "sqlite");
	struct sk_ledger_owner o;
	sk_ledger_owner_init(&o, "test");
	CHECK(strstr(o.id, o.host) == o.id);
	bool claimed = false;

	struct sk_run r = {0};
	snprintf(r.job, sizeof r.job, "daily");
	snprintf(r.logical_time, sizeof r.logical_time, "2024-01-10T16:00:00.000Z");
	snprintf(r.window_from, sizeof r.window_from, "2024-01-03");
	snprintf(r.window_to, sizeof r.window_to, "2024-01-12");
	snprintf(r.regions, sizeof r.regions, "A");
	snprintf(r.langs, sizeof r.langs, "nb");
	r.max_attempts = 3;
	bool created = false;
	CHECK_INT(sk_ledger_run_add(l, &r, &created, &err), SK_OK);
	CHECK(created);
	CHECK(r.id > 0);
	CHECK_INT(r.state, SK_RUN_QUEUED);
	struct sk_run again = r;
	CHECK_INT(sk_ledger_run_add(l, &again, &created, &err), SK_OK);
	CHECK(!created);
	CHECK_INT(again.id, r.id);

	bool found = false;
	struct sk_run due;
	CHECK_INT(sk_ledger_run_next_due(l, 1000, &due, &found, &err), SK_OK);
	CHECK(found);
	CHECK_INT(due.id, r.id);

	/* attempt 1 is cut off by a "crash": its lease (until 2500) ends */
	CHECK_INT(sk_ledger_run_claim_next(l, &o, 2000, 2500, &due, &claimed,
					   &err),
		  SK_OK);
	CHECK(claimed);
	CHECK_INT(due.attempts, 1);
	CHECK_STR(due.owner, o.id);
	CHECK_INT(due.lease_until_ms, 2500);
	int n = 0;
	CHECK_INT(sk_ledger_recover(l, 2400, &n, &err), SK_OK);
	CHECK_INT(n, 0); /* a live lease is left alone */
	CHECK_INT(sk_ledger_recover(l, 3000, &n, &err), SK_OK);
	CHECK_INT(n, 1);
	CHECK_INT(sk_ledger_run_get(l, r.id, &due, &err), SK_OK);
	CHECK_INT(due.state, SK_RUN_RETRY);
	CHECK(strstr(due.error, "cut off") != NULL);

	/* attempt 2 succeeds */
	CHECK_INT(sk_ledger_run_next_due(l, 3000, &due, &found, &err), SK_OK);
	CHECK(found);
	CHECK_INT(sk_ledger_run_claim(l, due.id, &o, 4000, 1 << 30, &due,
				      &claimed, &err),
		  SK_OK);
	CHECK(claimed);
	CHECK_INT(due.attempts, 2);
	due.state = SK_RUN_SUCCESS;
	due.stored = 42;
	due.fetched = 50;
	snprintf(due.log_excerpt, sizeof due.log_excerpt, "line 1\nline 2");
	CHECK_INT(sk_ledger_run_end(l, &due, 5000, &err), SK_OK);
	CHECK_INT(sk_ledger_run_get(l, r.id, &due, &err), SK_OK);
	CHECK_INT(due.state, SK_RUN_SUCCESS);
	CHECK_INT(due.stored, 42);
	CHECK_INT(due.end_ms - due.start_ms, 1000);
	CHECK_STR(due.log_excerpt, "line 1\nline 2");
	n = 0;
	CHECK_INT(sk_ledger_attempts(l, r.id, count_attempts, &n, &err), SK_OK);
	CHECK_INT(n, 2);
	CHECK_INT(sk_ledger_run_next_due(l, 1 << 30, &due, &found, &err), SK_OK);
	CHECK(!found);

	/* checks */
	CHECK_INT(sk_ledger_check_put(l, r.id, "danger_level_range", true,
				      "0 warnings outside 0..5", 5000, &err),
		  SK_OK);
	n = 0;
	CHECK_INT(sk_ledger_checks(l, r.id, see_check, &n, &err), SK_OK);
	CHECK_INT(n, 1);

	/* a retry in the future is not due yet */
	struct sk_run r2 = r;
	snprintf(r2.logical_time, sizeof r2.logical_time, "2024-01-11T16:00:00.000Z");
	CHECK_INT(sk_ledger_run_add(l, &r2, &created, &err), SK_OK);
	CHECK_INT(sk_ledger_run_claim(l, r2.id, &o, 6000, 1 << 30, &r2,
				      &claimed, &err),
		  SK_OK);
	CHECK(claimed);
	r2.state = SK_RUN_RETRY;
	r2.next_try_ms = 9000;
	snprintf(r2.error, sizeof r2.error, "HTTP 503");
	CHECK_INT(sk_ledger_run_end(l, &r2, 7000, &err), SK_OK);
	CHECK_INT(sk_ledger_run_next_due(l, 8000, &due, &found, &err), SK_OK);
	CHECK(!found);
	CHECK_INT(sk_ledger_run_next_due(l, 9000, &due, &found, &err), SK_OK);
	CHECK(found);
	CHECK_INT(due.id, r2.id);

	/* clear puts a finished run back in the queue */
	CHECK_INT(sk_ledger_run_clear(l, r.id, &err), SK_OK);
	CHECK_INT(sk_ledger_run_get(l, r.id, &due, &err), SK_OK);
	CHECK_INT(due.state, SK_RUN_QUEUED);
	CHECK_INT(due.attempts, 0);
	CHECK_INT(sk_ledger_run_get(l, 999, &due, &err), SK_ERR_NOTFOUND);

	/* meta */
	char buf[32];
	CHECK_INT(sk_ledger_meta_set(l, "paused", "1", &err), SK_OK);
	CHECK_INT(sk_ledger_meta_get(l, "paused", buf, sizeof buf, &found, &err),
		  SK_OK);
	CHECK(found);
	CHECK_STR(buf, "1");
	CHECK_INT(sk_ledger_meta_set(l, "paused", NULL, &err), SK_OK);
	CHECK_INT(sk_ledger_meta_get(l, "paused", buf, sizeof buf, &found, &err),
		  SK_OK);
	CHECK(!found);

	/* it survives a restart */
	sk_ledger_close(l);
	CHECK_INT(sk_ledger_open(&l, cfg, &err), SK_OK);
	n = 0;
	CHECK_INT(sk_ledger_run_list(l, -1, NULL, 0, count_runs, &n, &err), SK_OK);
	CHECK_INT(n, 2);
	n = 0;
	CHECK_INT(sk_ledger_run_list(l, SK_RUN_RETRY, "daily", 0, count_runs, &n,
				     &err),
		  SK_OK);
	CHECK_INT(n, 1);
	CHECK_INT(sk_run_state_parse("up_for_retry"), SK_RUN_RETRY);
	CHECK_INT(sk_run_state_parse("nope"), -1);
	sk_ledger_close(l);
	sk_config_free(cfg);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	TEST_DONE();
}
