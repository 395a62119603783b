/*
 * test_pg_ledger.c - the PostgreSQL ledger against the real server that
 * scripts/postgres.sh runs (its URL from `scripts/postgres.sh url`), in a
 * schema of its own: migrations applied once by processes opening at the
 * same time; a scheduled run created once by racing processes; claims
 * racing in several processes (each run claimed exactly once); an expired
 * lease taken over, the old owner's end refused; a live lease left alone;
 * heartbeats and the daemons list; pause shared through meta; text that
 * is not UTF-8 stored; a ledger of schema 2 upgraded (run.origin); errors: a refused connection is retriable, a wrong
 * password is a configuration error that does not show the password.
 */
#include "sched/ledger.h"
#include "sched/runner.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCS 4
#define RUNS 60

static char url[1024], schema[64];

static struct sk_config *config_for(const char *u)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_ledger_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	if (sk_config_new(&cfg, tables, &err) != SK_OK ||
	    sk_config_set(cfg, "ledger", "postgres", "test", &err) != SK_OK ||
	    sk_config_set(cfg, "ledger.postgres_url", u, "test", &err) !=
		    SK_OK ||
	    sk_config_set(cfg, "ledger.postgres_connect_timeout_ms", "3000",
			  "test", &err) != SK_OK) {
		fprintf(stderr, "config: %s\n", err.msg);
		exit(1);
	}
	return cfg;
}

static struct sk_ledger *open_ledger(void)
{
	struct sk_config *cfg = config_for(url);
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	if (sk_sched_ledger_open(cfg, &l, &err) != SK_OK) {
		fprintf(stderr, "open: %s\n", err.msg);
		exit(1);
	}
	sk_config_free(cfg);
	return l;
}

/* One psql statement in our schema, its output trimmed. */
static void psql(const char *sql, char *out, size_t size)
{
	char cmdline[2048];
	snprintf(cmdline, sizeof cmdline,
		 "\"%s/scripts/postgres.sh\" psql -tA -c \"SET search_path = "
		 "%s; %s\"",
		 getenv("SKRED_SRC") ? getenv("SKRED_SRC") : ".", schema, sql);
	FILE *f = popen(cmdline, "r");
	out[0] = '\0';
	if (!f)
		return;
	size_t n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	pclose(f);
}

static void mkrun(struct sk_run *r, const char *job, int i)
{
	memset(r, 0, sizeof *r);
	snprintf(r->job, sizeof r->job, "%s", job);
	snprintf(r->logical_time, sizeof r->logical_time,
		 "2024-01-%02dT16:00:00.000Z", 1 + i % 28);
	snprintf(r->window_from, sizeof r->window_from, "2024-%02d-01",
		 1 + i / 28);
	snprintf(r->window_to, sizeof r->window_to, "2024-%02d-02", 1 + i / 28);
	snprintf(r->regions, sizeof r->regions, "A");
	snprintf(r->langs, sizeof r->langs, "nb");
	r->max_attempts = 3;
}

/* A child: open, add every run of job "race" (all children add the same
 * ones), write how many it created, then claim until none is left and
 * write each id it claimed, ending each claimed run. */
static void child(int fd, int k)
{
	struct sk_ledger *l = open_ledger();
	struct sk_ledger_owner o;
	char role[16];
	snprintf(role, sizeof role, "test%d", k);
	sk_ledger_owner_init(&o, role);
	struct sk_error err = {0};
	int created_n = 0;
	for (int i = 0; i < RUNS; i++) {
		struct sk_run r;
		bool created;
		mkrun(&r, "race", i);
		if (sk_ledger_run_add(l, &r, &created, &err) != SK_OK) {
			fprintf(stderr, "child %d add: %s\n", k, err.msg);
			_exit(2);
		}
		created_n += created;
	}
	dprintf(fd, "created %d\n", created_n);
	for (;;) {
		struct sk_run r;
		bool claimed;
		if (sk_ledger_run_claim_next(l, &o, sk_now_ms(),
					     sk_now_ms() + 60000, &r, &claimed,
					     &err) != SK_OK) {
			fprintf(stderr, "child %d claim: %s\n", k, err.msg);
			_exit(2);
		}
		if (!claimed)
			break;
		if (strcmp(r.job, "race") != 0 || r.state != SK_RUN_RUNNING ||
		    strcmp(r.owner, o.id) != 0 || r.attempts != 1)
			_exit(3);
		dprintf(fd, "claimed %lld\n", (long long)r.id);
		r.state = SK_RUN_SUCCESS;
		r.stored = k;
		if (sk_ledger_run_end(l, &r, sk_now_ms(), &err) != SK_OK) {
			fprintf(stderr, "child %d end: %s\n", k, err.msg);
			_exit(2);
		}
	}
	sk_ledger_close(l);
	_exit(0);
}

static void test_races(void)
{
	int fds[PROCS][2];
	pid_t pids[PROCS];
	for (int k = 0; k < PROCS; k++) {
		CHECK(pipe(fds[k]) == 0);
		pids[k] = fork();
		if (pids[k] == 0) {
			close(fds[k][0]);
			child(fds[k][1], k);
		}
		close(fds[k][1]);
	}
	static int claims[100000];
	int total_created = 0, total_claims = 0, procs_claiming = 0;
	for (int k = 0; k < PROCS; k++) {
		FILE *f = fdopen(fds[k][0], "r");
		char line[128];
		int mine = 0;
		while (f && fgets(line, sizeof line, f)) {
			long long v;
			if (sscanf(line, "created %lld", &v) == 1)
				total_created += (int)v;
			else if (sscanf(line, "claimed %lld", &v) == 1 &&
				 v > 0 && v < 100000) {
				claims[v]++;
				total_claims++;
				mine++;
			}
		}
		if (f)
			fclose(f);
		procs_claiming += mine > 0;
		int status = 0;
		waitpid(pids[k], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	int twice = 0;
	for (int i = 0; i < 100000; i++)
		twice += claims[i] > 1;
	printf("race: %d processes, %d runs created once each (%d "
	       "creations), %d claims, %d claimed twice, %d processes "
	       "claimed some\n",
	       PROCS, RUNS, total_created, total_claims, twice, procs_claiming);
	CHECK_INT(total_created, RUNS);
	CHECK_INT(total_claims, RUNS);
	CHECK_INT(twice, 0);
	char out[256];
	psql("SELECT count(*) FROM run WHERE job = 'race'", out, sizeof out);
	CHECK_STR(out, "60");
	psql("SELECT count(*) FROM run WHERE job = 'race' AND state = "
	     "'success' AND attempts = 1",
	     out, sizeof out);
	CHECK_STR(out, "60");
	psql("SELECT count(*) FROM attempt a JOIN run r ON r.id = a.run_id "
	     "WHERE r.job = 'race'",
	     out, sizeof out);
	CHECK_STR(out, "60");
	psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM "
	     "schema_version",
	     out, sizeof out);
	CHECK_STR(out, "1,2,3");
}

static int count_daemon(const struct sk_ledger_daemon *d, void *ud)
{
	int *n = ud;
	if (!strcmp(d->role, "serve") && d->alive)
		n[0]++;
	if (!strcmp(d->role, "serve") && !d->alive)
		n[1]++;
	return 0;
}

struct owners {
	char first[SK_LEDGER_OWNER_LEN], second[SK_LEDGER_OWNER_LEN];
	char states[64];
};

static int see_attempt(const struct sk_attempt *a, void *ud)
{
	struct owners *w = ud;
	snprintf(a->attempt == 1 ? w->first : w->second, sizeof w->first, "%s",
		 a->owner);
	size_t n = strlen(w->states);
	snprintf(w->states + n, sizeof w->states - n, "%s%s", n ? "," : "",
		 a->state);
	return 0;
}

static void test_leases(void)
{
	struct sk_ledger *a = open_ledger(), *b = open_ledger();
	struct sk_ledger_owner oa, ob;
	sk_ledger_owner_init(&oa, "serve");
	sk_ledger_owner_init(&ob, "serve");
	snprintf(ob.id, sizeof ob.id, "%s-b", oa.id);
	struct sk_error err = {0};
	struct sk_run r, rb;
	bool created, claimed;
	mkrun(&r, "lease", 0);
	CHECK_INT(sk_ledger_run_add(a, &r, &created, &err), SK_OK);
	CHECK(created);
	int64_t now = sk_now_ms();
	/* A claims with a short lease and "dies" (never beats). */
	CHECK_INT(sk_ledger_run_claim(a, r.id, &oa, now, now + 1000, &r,
				      &claimed, &err),
		  SK_OK);
	CHECK(claimed);
	/* B cannot claim it while it runs, and recovery leaves a live lease
	 * alone. */
	CHECK_INT(sk_ledger_run_claim(b, r.id, &ob, now, now + 60000, &rb,
				      &claimed, &err),
		  SK_OK);
	CHECK(!claimed);
	CHECK_INT(rb.state, SK_RUN_RUNNING);
	CHECK_STR(rb.owner, oa.id);
	int n = -1;
	CHECK_INT(sk_ledger_recover(b, sk_now_ms(), &n, &err), SK_OK);
	CHECK_INT(n, 0);
	usleep(1500 * 1000);
	CHECK_INT(sk_ledger_recover(b, sk_now_ms(), &n, &err), SK_OK);
	CHECK_INT(n, 1);
	CHECK_INT(sk_ledger_run_claim_next(b, &ob, sk_now_ms(),
					   sk_now_ms() + 60000, &rb, &claimed,
					   &err),
		  SK_OK);
	CHECK(claimed);
	CHECK_INT(rb.id, r.id);
	CHECK_INT(rb.attempts, 2);
	/* A wakes up and tries to end its attempt: refused, nothing
	 * written. */
	r.state = SK_RUN_SUCCESS;
	r.stored = 999;
	CHECK_INT(sk_ledger_run_end(a, &r, sk_now_ms(), &err), SK_ERR_CONFLICT);
	CHECK(strstr(err.msg, "no longer ours") != NULL);
	/* B beats (the lease is extended) and ends it. */
	int renewed = 0;
	CHECK_INT(sk_ledger_heartbeat(b, &ob, sk_now_ms(), sk_now_ms() + 60000,
				      &renewed, &err),
		  SK_OK);
	CHECK_INT(renewed, 1);
	CHECK_INT(sk_ledger_recover(a, sk_now_ms(), &n, &err), SK_OK);
	CHECK_INT(n, 0);
	rb.state = SK_RUN_SUCCESS;
	rb.stored = 7;
	/* An error text cut in the middle of a UTF-8 sequence is stored. */
	snprintf(rb.error, sizeof rb.error, "bad \xc3");
	CHECK_INT(sk_ledger_run_end(b, &rb, sk_now_ms(), &err), SK_OK);
	CHECK_INT(sk_ledger_run_get(a, r.id, &r, &err), SK_OK);
	CHECK_INT(r.state, SK_RUN_SUCCESS);
	CHECK_INT(r.stored, 7);
	CHECK_STR(r.error, "bad ?");
	/* Credits from other consumers: the current attempt's count the
	 * run's too, an old attempt's only its own. */
	struct sk_ledger_credit cr[6];
	for (int i = 0; i < 4; i++)
		cr[i] = (struct sk_ledger_credit){.run_id = r.id,
						  .attempt = 2,
						  .partition = i % 2,
						  .offset = 10 + i,
						  .dead = i == 3};
	cr[4] = (struct sk_ledger_credit){.run_id = r.id, .attempt = 1};
	cr[5] = (struct sk_ledger_credit){.run_id = 999999, .attempt = 1};
	int64_t t = sk_now_ms();
	CHECK_INT(sk_ledger_run_credit(a, cr, 2, t, &err), SK_OK);
	/* A consumer died between crediting and committing: its successor
	 * credits the batch again, and more; each message counts once. */
	CHECK_INT(sk_ledger_run_credit(b, cr, 6, t, &err), SK_OK);
	CHECK_INT(sk_ledger_run_credit(a, cr + 1, 3, t, &err), SK_OK);
	CHECK_INT(sk_ledger_run_get(b, r.id, &r, &err), SK_OK);
	CHECK_INT(r.stored, 10);
	CHECK_INT(r.dead, 1);
	/* Forgotten after SK_LEDGER_CREDIT_KEEP_MS: counted again. */
	CHECK_INT(sk_ledger_run_credit(a, cr, 1,
				       t + SK_LEDGER_CREDIT_KEEP_MS + 1, &err),
		  SK_OK);
	CHECK_INT(sk_ledger_run_get(b, r.id, &r, &err), SK_OK);
	CHECK_INT(r.stored, 11);
	struct owners w = {{0}, {0}, {0}};
	CHECK_INT(sk_ledger_attempts(a, r.id, see_attempt, &w, &err), SK_OK);
	CHECK_STR(w.first, oa.id);
	CHECK_STR(w.second, ob.id);
	CHECK_STR(w.states, "interrupted,success");

	/* Daemons: B beat, A did not; A beats now; A leaves. */
	CHECK_INT(sk_ledger_heartbeat(a, &oa, sk_now_ms(), sk_now_ms() + 60000,
				      NULL, &err),
		  SK_OK);
	int alive[2] = {0, 0};
	CHECK_INT(sk_ledger_daemons(b, sk_now_ms(), count_daemon, alive, &err),
		  SK_OK);
	CHECK_INT(alive[0], 2);
	CHECK_INT(sk_ledger_owner_gone(a, &oa, &err), SK_OK);
	alive[0] = alive[1] = 0;
	CHECK_INT(sk_ledger_daemons(b, sk_now_ms(), count_daemon, alive, &err),
		  SK_OK);
	CHECK_INT(alive[0], 1);

	/* Pause set by one process is seen by the other. */
	char buf[16];
	bool found;
	CHECK_INT(sk_ledger_meta_set(a, "paused", "1", &err), SK_OK);
	CHECK_INT(sk_ledger_meta_get(b, "paused", buf, sizeof buf, &found,
				     &err),
		  SK_OK);
	CHECK(found && !strcmp(buf, "1"));
	CHECK_INT(sk_ledger_meta_set(b, "paused", NULL, &err), SK_OK);
	CHECK_INT(sk_ledger_meta_get(a, "paused", buf, sizeof buf, &found,
				     &err),
		  SK_OK);
	CHECK(!found);

	/* Skip only a queued run; clear refuses a running one. */
	mkrun(&r, "skip", 1);
	CHECK_INT(sk_ledger_run_add(a, &r, &created, &err), SK_OK);
	bool done = false;
	CHECK_INT(sk_ledger_run_skip(a, r.id, "paused", sk_now_ms(), &done,
				     &err),
		  SK_OK);
	CHECK(done);
	CHECK_INT(sk_ledger_run_skip(a, r.id, "paused", sk_now_ms(), &done,
				     &err),
		  SK_OK);
	CHECK(!done);
	CHECK_INT(sk_ledger_run_clear(a, r.id, &err), SK_OK);
	CHECK_INT(sk_ledger_run_claim(a, r.id, &oa, sk_now_ms(),
				      sk_now_ms() + 60000, &r, &claimed, &err),
		  SK_OK);
	CHECK(claimed);
	CHECK_INT(sk_ledger_run_clear(b, r.id, &err), SK_ERR_INVAL);
	CHECK_INT(sk_ledger_run_get(b, 999999, &r, &err), SK_ERR_NOTFOUND);
	sk_ledger_close(a);
	sk_ledger_close(b);
}

static void test_errors(const char *port)
{
	/* Nothing listens on port 1: refused, retriable. */
	struct sk_config *cfg = config_for(
		"postgresql://skred:hunter2-secret@127.0.0.1:1/skred");
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_ERR_NET);
	CHECK(err.retriable);
	CHECK(strstr(err.msg, "hunter2-secret") == NULL);
	printf("refused: %s\n", err.msg);
	sk_config_free(cfg);
	/* The right server, a wrong password: a configuration error. */
	char u[256];
	snprintf(u, sizeof u,
		 "postgresql://skred:hunter2-secret@127.0.0.1:%s/skred", port);
	cfg = config_for(u);
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_ERR_CONFIG);
	CHECK(!err.retriable);
	CHECK(strstr(err.msg, "authentication failed") != NULL);
	CHECK(strstr(err.msg, "hunter2-secret") == NULL);
	printf("wrong password: %s\n", err.msg);
	sk_config_free(cfg);
	/* Not a connection string at all. */
	cfg = config_for("host=127.0.0.1 password='s3cr3tvalue");
	CHECK_INT(sk_sched_ledger_open(cfg, &l, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "s3cr3tvalue") == NULL);
	printf("malformed: %s\n", err.msg);
	sk_config_free(cfg);
}

/* A ledger of schema 2 (before run.origin: the column dropped, its
 * migration unrecorded) with runs of three jobs, opened by this code:
 * migration 3 adds the column and names the old runs' origins by their
 * job; a new run keeps the one it is given. */
static void test_upgrade(void)
{
	char out[512];
	psql("DROP TABLE chunk; ALTER TABLE run DROP COLUMN origin; DELETE "
	     "FROM schema_version "
	     "WHERE version = 3; INSERT INTO run(job, logical_time, "
	     "window_from, window_to, regions, langs, simple, state, "
	     "max_attempts, created_ms) VALUES ('backfill', 'u1', "
	     "'2024-01-01', '2024-01-01', 'A', 'nb', 0, 'success', 3, 1), "
	     "('manual', 'u2', '2024-01-01', '2024-01-01', 'A', 'nb', 0, "
	     "'failed', 3, 1), ('daily', 'u3', '2024-01-01', '2024-01-01', "
	     "'A', 'nb', 0, 'queued', 3, 1); SELECT max(version) FROM "
	     "schema_version",
	     out, sizeof out);
	CHECK_STR(out, "2");
	struct sk_ledger *l = open_ledger();
	psql("SELECT string_agg(job || ':' || origin, ' ' ORDER BY "
	     "logical_time) FROM run WHERE logical_time LIKE 'u_'",
	     out, sizeof out);
	CHECK_STR(out, "backfill:cli manual:api daily:schedule");
	psql("SELECT max(version) FROM schema_version", out, sizeof out);
	CHECK_STR(out, "3");
	struct sk_run r;
	mkrun(&r, "upgrade", 0);
	snprintf(r.origin, sizeof r.origin, "ui");
	bool created = false;
	struct sk_error err = {0};
	CHECK_INT(sk_ledger_run_add(l, &r, &created, &err), SK_OK);
	CHECK(created);
	CHECK_STR(r.origin, "ui");
	struct sk_run again;
	CHECK_INT(sk_ledger_run_get(l, r.id, &again, &err), SK_OK);
	CHECK_STR(again.origin, "ui");
	struct sk_chunk ck = {.attempt = 1,
			      .seq = 1,
			      .region = 3011,
			      .lang = 2,
			      .from = "2024-01-01",
			      .to = "2024-01-30",
			      .state = "failed",
			      .start_ms = 5,
			      .end_ms = 9,
			      .error = "e"};
	CHECK_INT(sk_ledger_chunks_put(l, r.id, &ck, 1, &err), SK_OK);
	ck.end_ms = 11; /* recorded again: replaced */
	CHECK_INT(sk_ledger_chunks_put(l, r.id, &ck, 1, &err), SK_OK);
	psql("SELECT string_agg(region || ':' || state || ':' || (end_ms - "
	     "start_ms) || ':' || error, ' ') FROM chunk",
	     out, sizeof out);
	CHECK_STR(out, "3011:failed:6:e");
	sk_ledger_close(l);
}

int main(void)
{
	const char *src = getenv("SKRED_SRC") ? getenv("SKRED_SRC") : ".";
	char cmdline[1024], base[512] = "";
	snprintf(cmdline, sizeof cmdline, "\"%s/scripts/postgres.sh\" url",
		 src);
	FILE *f = popen(cmdline, "r");
	if (!f || !fgets(base, sizeof base, f) || pclose(f) != 0) {
		printf("FAIL - PostgreSQL is not running (scripts/postgres.sh "
		       "start)\n");
		return 1;
	}
	base[strcspn(base, "\n")] = '\0';
	const char *port = strrchr(base, ':');
	char portbuf[16] = "";
	if (port)
		snprintf(portbuf, sizeof portbuf, "%.*s",
			 (int)strcspn(port + 1, "/"), port + 1);
	snprintf(schema, sizeof schema, "t_pgledger_%d", (int)getpid());
	snprintf(url, sizeof url, "%s?options=-csearch_path%%3D%s", base,
		 schema);
	char c2[1024];
	snprintf(c2, sizeof c2,
		 "\"%s/scripts/postgres.sh\" psql -c \"CREATE SCHEMA %s\"", src,
		 schema);
	CHECK(system(c2) == 0);
	sk_log_set_level_name("error");
	test_races();
	test_leases();
	test_errors(portbuf);
	test_upgrade();
	snprintf(c2, sizeof c2,
		 "\"%s/scripts/postgres.sh\" psql -c \"DROP SCHEMA %s "
		 "CASCADE\" >/dev/null",
		 src, schema);
	if (!sk_test_failures)
		CHECK(system(c2) == 0);
	TEST_DONE();
}
