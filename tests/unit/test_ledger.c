/*
 * test_ledger.c - the run ledger: add (idempotent), claims and ends with
 * attempts, retry scheduling, recovery of runs whose lease expired (and
 * not of live ones), clear, checks, meta, reopen; the claim protocol
 * across processes: forked processes on one SQLite file race their claims
 * and each run is claimed exactly once; a run taken over after its lease
 * expired refuses the old owner's end; heartbeats renew leases and list
 * the daemons; credits add up.
 */
#include "sched/ledger.h"
#include "sched/runner.h"
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static void add_run(struct sk_ledger *l, const char *job, int i,
		    struct sk_run *out)
{
	struct sk_run r = {0};
	struct sk_error err = {0};
	bool created = false;
	snprintf(r.job, sizeof r.job, "%s", job);
	snprintf(r.logical_time, sizeof r.logical_time,
		 "2024-02-%02dT16:00:00.000Z", 1 + i % 28);
	snprintf(r.window_from, sizeof r.window_from, "2024-%02d-01",
		 1 + i / 28);
	snprintf(r.window_to, sizeof r.window_to, "2024-%02d-10", 1 + i / 28);
	snprintf(r.regions, sizeof r.regions, "A");
	snprintf(r.langs, sizeof r.langs, "nb");
	r.max_attempts = 3;
	CHECK_INT(sk_ledger_run_add(l, &r, &created, &err), SK_OK);
	CHECK(created);
	if (out)
		*out = r;
}

#define RACE_RUNS 60
#define RACE_PROCS 4

/* Child: claim runs until none is due, end each as success, and write the
 * ids claimed to fd. Exit 0 unless the ledger failed. */
static int race_child(struct sk_config *cfg, int fd, int k)
{
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	struct sk_ledger_owner o;
	if (sk_sched_ledger_open(cfg, &l, &err) != SK_OK)
		return 2;
	sk_ledger_owner_init(&o, "race");
	snprintf(o.id, sizeof o.id, "racer-%d", k);
	for (;;) {
		struct sk_run r;
		bool claimed = false;
		if (sk_ledger_run_claim_next(l, &o, 1000, sk_now_ms() + 60000,
					     &r, &claimed, &err) != SK_OK)
			return 3;
		if (!claimed)
			break;
		if (strcmp(r.owner, o.id) || r.attempts != 1)
			return 4;
		r.state = SK_RUN_SUCCESS;
		if (sk_ledger_run_end(l, &r, 2000, &err) != SK_OK)
			return 5;
		int64_t id = r.id;
		if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
			return 6;
	}
	sk_ledger_close(l);
	return 0;
}

static void test_race(struct sk_config *cfg)
{
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_OK);
	for (int i = 0; i < RACE_RUNS; i++)
		add_run(l, "race", i, NULL);
	sk_ledger_close(l);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t kids[RACE_PROCS];
	for (int k = 0; k < RACE_PROCS; k++) {
		kids[k] = fork();
		CHECK(kids[k] >= 0);
		if (kids[k] == 0) {
			close(p[0]);
			_exit(race_child(cfg, p[1], k));
		}
	}
	close(p[1]);
	int seen[RACE_RUNS + 64] = {0};
	int64_t id;
	int total = 0, procs_with_runs = 0;
	while (read(p[0], &id, sizeof id) == (ssize_t)sizeof id) {
		CHECK(id > 0 && id < RACE_RUNS + 64);
		if (id > 0 && id < RACE_RUNS + 64)
			seen[id]++;
		total++;
	}
	close(p[0]);
	for (int k = 0; k < RACE_PROCS; k++) {
		int st = 0;
		CHECK(waitpid(kids[k], &st, 0) == kids[k]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK_INT(total, RACE_RUNS);
	int twice = 0, never = 0;
	for (int i = 1; i <= RACE_RUNS; i++) {
		twice += seen[i] > 1;
		never += seen[i] == 0;
	}
	CHECK_INT(twice, 0);
	CHECK_INT(never, 0);
	/* every run has exactly one attempt, by one of the racers */
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_OK);
	struct sk_run r;
	for (int i = 1; i <= RACE_RUNS; i++) {
		CHECK_INT(sk_ledger_run_get(l, i, &r, &err), SK_OK);
		CHECK_INT(r.state, SK_RUN_SUCCESS);
		CHECK_INT(r.attempts, 1);
		CHECK(!strncmp(r.owner, "racer-", 6));
	}
	sk_ledger_close(l);
	(void)procs_with_runs;
	printf("race: %d runs claimed by %d processes, none twice\n", total,
	       RACE_PROCS);
}

static int count_daemons(const struct sk_ledger_daemon *d, void *ud)
{
	int *n = ud;
	n[0]++;
	n[1] += d->alive;
	return 0;
}

struct attempt_rows {
	char owner[2][SK_LEDGER_OWNER_LEN];
	int64_t stored[2], dead[2];
};

static int attempt_owner(const struct sk_attempt *a, void *ud)
{
	struct attempt_rows *rows = ud;
	if (a->attempt >= 1 && a->attempt <= 2) {
		snprintf(rows->owner[a->attempt - 1], SK_LEDGER_OWNER_LEN, "%s",
			 a->owner);
		rows->stored[a->attempt - 1] = a->stored;
		rows->dead[a->attempt - 1] = a->dead;
	}
	return 0;
}

/* A dies (its lease runs out), B takes the run over; A's late end is
 * refused and leaves B's attempt alone; heartbeats; credits. */
static void test_takeover(struct sk_config *cfg)
{
	struct sk_ledger *la = NULL, *lb = NULL;
	struct sk_error err = {0};
	struct sk_ledger_owner a, b;
	sk_ledger_owner_init(&a, "serve");
	sk_ledger_owner_init(&b, "serve");
	snprintf(a.id, sizeof a.id, "host-a:1:1");
	snprintf(b.id, sizeof b.id, "host-b:2:2");
	CHECK_INT(sk_sched_ledger_open(cfg, &la, &err), SK_OK);
	CHECK_INT(sk_sched_ledger_open(cfg, &lb, &err), SK_OK);
	struct sk_run r, ra, rb;
	add_run(la, "takeover", 0, &r);
	bool claimed = false;
	int n = 0;
	CHECK_INT(sk_ledger_heartbeat(la, &a, 10000, 20000, &n, &err), SK_OK);
	CHECK_INT(n, 0);
	CHECK_INT(sk_ledger_run_claim(la, r.id, &a, 10000, 20000, &ra, &claimed,
				      &err),
		  SK_OK);
	CHECK(claimed);
	/* B cannot claim it while A's lease lives */
	CHECK_INT(sk_ledger_run_claim(lb, r.id, &b, 11000, 31000, &rb, &claimed,
				      &err),
		  SK_OK);
	CHECK(!claimed);
	CHECK_STR(rb.owner, a.id);
	CHECK_INT(rb.state, SK_RUN_RUNNING);
	/* A beats: its lease moves on; recovery at 25000 leaves it alone */
	CHECK_INT(sk_ledger_heartbeat(la, &a, 15000, 30000, &n, &err), SK_OK);
	CHECK_INT(n, 1);
	CHECK_INT(sk_ledger_recover(lb, 25000, &n, &err), SK_OK);
	CHECK_INT(n, 0);
	int d[2] = {0, 0};
	CHECK_INT(sk_ledger_daemons(lb, 25000, count_daemons, d, &err), SK_OK);
	CHECK_INT(d[0], 1);
	CHECK_INT(d[1], 1);
	/* A stops beating; after 30000 its run is recovered and B takes it */
	CHECK_INT(sk_ledger_recover(lb, 30001, &n, &err), SK_OK);
	CHECK_INT(n, 1);
	d[0] = d[1] = 0;
	CHECK_INT(sk_ledger_daemons(lb, 30001, count_daemons, d, &err), SK_OK);
	CHECK_INT(d[1], 0); /* A is no longer alive */
	CHECK_INT(sk_ledger_run_claim_next(lb, &b, 31000, 90000, &rb, &claimed,
					   &err),
		  SK_OK);
	CHECK(claimed);
	CHECK_INT(rb.id, r.id);
	CHECK_INT(rb.attempts, 2);
	CHECK_STR(rb.owner, b.id);
	/* A wakes up and tries to record its outcome: refused */
	ra.state = SK_RUN_SUCCESS;
	ra.stored = 999;
	CHECK_INT(sk_ledger_run_end(la, &ra, 32000, &err), SK_ERR_CONFLICT);
	CHECK(strstr(err.msg, b.id) != NULL);
	/* A's heartbeat no longer renews anything */
	CHECK_INT(sk_ledger_heartbeat(la, &a, 32000, 40000, &n, &err), SK_OK);
	CHECK_INT(n, 0);
	/* someone else's consumer stored 5 of B's attempt's records; B
	 * stores 7 itself */
	struct sk_ledger_credit cr[7];
	for (int i = 0; i < 6; i++)
		cr[i] = (struct sk_ledger_credit){.run_id = r.id,
						  .attempt = 2,
						  .partition = i % 2,
						  .offset = 40 + i,
						  .dead = i == 5};
	cr[6] = (struct sk_ledger_credit){.run_id = r.id,
					  .attempt = 1,
					  .offset = 7}; /* an old attempt's */
	CHECK_INT(sk_ledger_run_credit(la, cr, 4, 32500, &err), SK_OK);
	/* that consumer died before committing; its successor consumes the
	 * batch again, and more: credited once each */
	CHECK_INT(sk_ledger_run_credit(lb, cr, 7, 32600, &err), SK_OK);
	CHECK_INT(sk_ledger_run_credit(la, cr + 2, 4, 32700, &err), SK_OK);
	rb.state = SK_RUN_SUCCESS;
	rb.fetched = 13;
	rb.stored = 7;
	rb.dead = 0;
	CHECK_INT(sk_ledger_run_end(lb, &rb, 33000, &err), SK_OK);
	CHECK_INT(sk_ledger_run_get(lb, r.id, &rb, &err), SK_OK);
	CHECK_INT(rb.state, SK_RUN_SUCCESS);
	CHECK_INT(rb.attempts, 2);
	CHECK_INT(rb.stored, 12);
	CHECK_INT(rb.dead, 1);
	CHECK_INT(rb.fetched, 13);
	struct attempt_rows rows = {0};
	CHECK_INT(sk_ledger_attempts(lb, r.id, attempt_owner, &rows, &err),
		  SK_OK);
	CHECK_STR(rows.owner[0], a.id);
	CHECK_STR(rows.owner[1], b.id);
	CHECK_INT(rows.stored[0], 1); /* the old attempt's record: its own */
	CHECK_INT(rows.stored[1], 12);
	CHECK_INT(rows.dead[1], 1);
	/* credits are forgotten after SK_LEDGER_CREDIT_KEEP_MS */
	CHECK_INT(sk_ledger_run_credit(la, cr + 6, 1,
				       32600 + SK_LEDGER_CREDIT_KEEP_MS + 1,
				       &err),
		  SK_OK);
	memset(&rows, 0, sizeof rows);
	CHECK_INT(sk_ledger_attempts(lb, r.id, attempt_owner, &rows, &err),
		  SK_OK);
	CHECK_INT(rows.stored[0], 2);
	/* a queued run can be skipped, a finished one not */
	bool done = false;
	CHECK_INT(sk_ledger_run_skip(la, r.id, "paused", 34000, &done, &err),
		  SK_OK);
	CHECK(!done);
	add_run(la, "takeover", 1, &r);
	CHECK_INT(sk_ledger_run_skip(la, r.id, "paused", 34000, &done, &err),
		  SK_OK);
	CHECK(done);
	CHECK_INT(sk_ledger_owner_gone(la, &a, &err), SK_OK);
	d[0] = d[1] = 0;
	CHECK_INT(sk_ledger_daemons(lb, 34000, count_daemons, d, &err), SK_OK);
	CHECK_INT(d[0], 0);
	sk_ledger_close(la);
	sk_ledger_close(lb);
}

static void test_sqlite_ledger(void)
{
	char dir[] = "/tmp/skred-ledger-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct sk_config *cfg = config_for(dir);
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_OK);
	CHECK_STR(sk_ledger_backend(l), "sqlite");
	struct sk_ledger_owner o;
	sk_ledger_owner_init(&o, "test");
	CHECK(strstr(o.id, o.host) == o.id);
	bool claimed = false;

	struct sk_run r = {0};
	snprintf(r.job, sizeof r.job, "daily");
	snprintf(r.logical_time, sizeof r.logical_time,
		 "2024-01-10T16:00:00.000Z");
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
	CHECK_INT(sk_ledger_run_next_due(l, 1 << 30, &due, &found, &err),
		  SK_OK);
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
	snprintf(r2.logical_time, sizeof r2.logical_time,
		 "2024-01-11T16:00:00.000Z");
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
	CHECK_INT(sk_ledger_meta_get(l, "paused", buf, sizeof buf, &found,
				     &err),
		  SK_OK);
	CHECK(found);
	CHECK_STR(buf, "1");
	CHECK_INT(sk_ledger_meta_set(l, "paused", NULL, &err), SK_OK);
	CHECK_INT(sk_ledger_meta_get(l, "paused", buf, sizeof buf, &found,
				     &err),
		  SK_OK);
	CHECK(!found);

	/* it survives a restart */
	sk_ledger_close(l);
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_OK);
	n = 0;
	CHECK_INT(sk_ledger_run_list(l, -1, NULL, 0, count_runs, &n, &err),
		  SK_OK);
	CHECK_INT(n, 2);
	n = 0;
	CHECK_INT(sk_ledger_run_list(l, SK_RUN_RETRY, "daily", 0, count_runs,
				     &n, &err),
		  SK_OK);
	CHECK_INT(n, 1);
	CHECK_INT(sk_run_state_parse("up_for_retry"), SK_RUN_RETRY);
	CHECK_INT(sk_run_state_parse("nope"), -1);
	sk_ledger_close(l);
	sk_config_free(cfg);

	/* a configuration naming no built backend is a clear error */
	char dir2[] = "/tmp/skred-ledger-XXXXXX";
	CHECK(mkdtemp(dir2) != NULL);
	cfg = config_for(dir2);
	CHECK_INT(sk_config_set(cfg, "ledger", "nosuch", "test", &err), SK_OK);
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "sqlite") != NULL);
	CHECK_INT(sk_config_set(cfg, "ledger", "sqlite", "test", &err), SK_OK);
	test_race(cfg);
	test_takeover(cfg);
	sk_config_free(cfg);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir2);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static const struct sk_case cases[] = {
	{"sqlite_ledger", test_sqlite_ledger},
};

SK_CASES_MAIN(cases)
