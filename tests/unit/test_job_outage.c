/*
 * test_job_outage.c - the process loop waiting out a warehouse outage,
 * against the real SQLite bus and a real SQLite warehouse whose commit is
 * made to fail (fault injection): the batch is kept and retried after the
 * backoff, its dead letters are written once, the offsets only after the
 * store committed; the health state counts the outage and its retries; a
 * wait longer than outage.max_wait_ms gives up with the error; without
 * wait_outages the first failure ends the call as before.
 */
#include "bus/bus.h"
#include "job/job.h"
#include "store/store.h"
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_MSGS 7

/* The real SQLite store, with commits failing (retriable) while fails > 0
 * (fails < 0: always). */
struct faulty {
	struct sk_store base;
	struct sk_store *real;
	int fails;
	int commits, failed_commits;
};

static struct faulty the_faulty;

static sk_err_t f_begin(struct sk_store *st, struct sk_error *err)
{
	return sk_store_begin(((struct faulty *)st)->real, err);
}

/* The three steps of a put, forwarded to the real store. */
static sk_err_t f_current(struct sk_store *st, const struct sk_warning *w,
			  struct sk_store_current *cur, struct sk_error *err)
{
	struct sk_store *r = ((struct faulty *)st)->real;
	return r->type->current(r, w, cur, err);
}

static sk_err_t f_revision_seen(struct sk_store *st, const struct sk_warning *w,
				const char *hash, bool *seen,
				struct sk_error *err)
{
	struct sk_store *r = ((struct faulty *)st)->real;
	return r->type->revision_seen(r, w, hash, seen, err);
}

static sk_err_t f_write(struct sk_store *st, const struct sk_store_write *wr,
			struct sk_error *err)
{
	struct sk_store *r = ((struct faulty *)st)->real;
	return r->type->write(r, wr, err);
}

static sk_err_t f_commit(struct sk_store *st, struct sk_error *err)
{
	struct faulty *f = (struct faulty *)st;
	if (f->fails != 0) {
		if (f->fails > 0)
			f->fails--;
		f->failed_commits++;
		sk_store_rollback(f->real);
		return sk_error_set(err, SK_ERR_NET, true,
				    "injected: node unreachable");
	}
	f->commits++;
	return sk_store_commit(f->real, err);
}

static void f_rollback(struct sk_store *st)
{
	sk_store_rollback(((struct faulty *)st)->real);
}

static const struct sk_store_type faulty_type = {
	.name = "faulty",
	.begin = f_begin,
	.current = f_current,
	.revision_seen = f_revision_seen,
	.write = f_write,
	.commit = f_commit,
	.rollback = f_rollback,
};

static const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						  sk_store_cfg, sk_job_cfg,
						  NULL};

static struct sk_config *make_cfg(const char *dir, const char *max_wait)
{
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", dir, "test", &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "outage.backoff_base_ms", "5", "test",
				&err),
		  SK_OK);
	CHECK_INT(sk_config_set(cfg, "outage.backoff_cap_ms", "20", "test",
				&err),
		  SK_OK);
	CHECK_INT(sk_config_set(cfg, "outage.max_wait_ms", max_wait, "test",
				&err),
		  SK_OK);
	return cfg;
}

/* Messages that do not map: each becomes a dead letter, through the same
 * store transaction as good records. */
static void produce(struct sk_bus *bus, const char *topic)
{
	struct sk_bus_msg m[N_MSGS];
	char keys[N_MSGS][16];
	memset(m, 0, sizeof m);
	for (int i = 0; i < N_MSGS; i++) {
		snprintf(keys[i], sizeof keys[i], "3011:1:bad%d", i);
		m[i].topic = (char *)topic;
		m[i].key = keys[i];
		m[i].key_len = strlen(keys[i]);
		m[i].value = "not json";
		m[i].value_len = 8;
	}
	struct sk_error err = {0};
	CHECK_INT(sk_bus_produce(bus, m, N_MSGS, &err), SK_OK);
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

static int64_t lag(struct sk_bus *bus, const struct sk_config *cfg)
{
	struct sk_bus_lag *l = NULL;
	size_t n = 0;
	struct sk_error err = {0};
	CHECK_INT(sk_bus_lag(bus, sk_config_str(cfg, "bus.group"),
			     sk_config_str(cfg, "bus.topic_raw"), &l, &n, &err),
		  SK_OK);
	int64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += l[i].lag;
	free(l);
	return total;
}

/* One scenario in its own data dir: commits fail `fails` times. */
static void scenario(const char *root, const char *name, int fails, bool wait,
		     const char *max_wait, sk_err_t want_rc, int want_commits,
		     size_t want_dlq, int64_t want_lag)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	struct sk_config *cfg = make_cfg(dir, max_wait);
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_store *real = NULL;
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	struct sk_store_opts so = sk_job_store_opts(cfg);
	CHECK_INT(sk_store_open(&real, &so, &err), SK_OK);
	produce(bus, sk_config_str(cfg, "bus.topic_raw"));
	the_faulty = (struct faulty){.base = {&faulty_type},
				     .real = real,
				     .fails = fails};
	struct sk_job_health before, after;
	sk_job_health_get(SK_JOB_STORE, &before);
	struct sk_job_process_opts o = {.batch_size = 100,
					.wait_outages = wait};
	struct sk_job_process_stats s;
	sk_err_t rc = sk_job_process(cfg, bus, &the_faulty.base, &o, &s, &err);
	fprintf(stderr, "# %s: rc=%d %s\n", name, rc, err.msg);
	sk_job_health_get(SK_JOB_STORE, &after);
	CHECK_INT(rc, want_rc);
	CHECK_INT(the_faulty.commits, want_commits);
	CHECK_INT(count(bus, sk_config_str(cfg, "bus.topic_dlq")), want_dlq);
	CHECK_INT(lag(bus, cfg), want_lag);
	if (wait && fails) {
		CHECK_INT(after.outages, before.outages + 1);
		CHECK(after.retries > before.retries);
	} else {
		CHECK_INT(after.outages, before.outages);
	}
	if (want_commits) { /* the batch went through */
		CHECK_INT(s.consumed, N_MSGS);
		CHECK_INT(s.dead_lettered, N_MSGS);
		CHECK(!after.down);
	}
	sk_store_close(real);
	sk_bus_close(bus);
	sk_config_free(cfg);
}

static char root[] = "/tmp/skred-test-outage.XXXXXX";

/* 3 failed commits, waited out: one commit, dead letters once, no lag
 * left; the health counts one outage with its retries. Every record is
 * bad, so the pass then fails as all dead-lettered. */
static void test_waited(void)
{
	scenario(root, "waited", 3, true, "0", SK_ERR_VALIDATE, 1, N_MSGS, 0);
	CHECK_INT(the_faulty.failed_commits, 3);
}

/* Never back within outage.max_wait_ms: the error, nothing committed, no
 * dead letter, every message still to read. */
static void test_gave_up(void)
{
	scenario(root, "gave_up", -1, true, "100", SK_ERR_NET, 0, 0, N_MSGS);
	CHECK(the_faulty.failed_commits >= 2);
	struct sk_job_health h;
	sk_job_health_get(SK_JOB_STORE, &h);
	CHECK(h.down);
	CHECK(strstr(h.reason, "injected") != NULL);
}

/* Without wait_outages: the first failure ends the call. */
static void test_no_wait(void)
{
	scenario(root, "no_wait", 1, false, "0", SK_ERR_NET, 0, 0, N_MSGS);
	CHECK_INT(the_faulty.failed_commits, 1);
}

static const struct sk_case cases[] = {
	{"waited", test_waited},
	{"gave_up", test_gave_up},
	{"no_wait", test_no_wait},
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
