/*
 * test_store_decide_cassandra.c - the write decision's case table (tests/
 * store_cases.h) on the Cassandra warehouse, against the real node that
 * scripts/cassandra.sh runs (127.0.0.1:$CASSANDRA_PORT, user skred), in a
 * keyspace of its own: the same results, revisions and read-back records
 * as tests/unit/test_store_decide.c asks of SQLite. Revisions are counted
 * through a CQL session of their own.
 *
 * Usage: test_store_decide_cassandra [--case NAME]
 */
#include "cql/cql.h"
#include "proc/proc.h"
#include "store_cases.h"

#include <unistd.h>

static char hosts[64], ks[64];
static const char *password;
static struct sk_cql_session *sess;

static long long count_revisions(int region, void *ud)
{
	(void)ud;
	char q[200];
	snprintf(q, sizeof q,
		 "SELECT COUNT(*) FROM %s.warning_revisions WHERE region_id = "
		 "%d AND lang_key = 1 AND valid_date = '2024-02-01'",
		 ks, region);
	struct sk_cql_result *res = NULL;
	struct sk_error err = {0};
	long long n = -1;
	if (sk_cql_session_query(sess, q, NULL, &res, &err) == SK_OK &&
	    res->n_rows == 1) {
		const struct sk_cql_value *c = sk_cql_result_cell(res, 0, 0);
		if (c && c->kind == SK_CQL_BIGINT)
			n = c->u.i64;
	} else {
		fprintf(stderr, "count: %s\n", err.msg);
	}
	sk_cql_result_free(res);
	return n;
}

int main(int argc, char **argv)
{
	const char *only = argc == 3 && !strcmp(argv[1], "--case") ? argv[2]
								   : NULL;
	const char *port = getenv("CASSANDRA_PORT");
	password = getenv("CASSANDRA_SKRED_PASSWORD");
	if (!password)
		password = "skred-test-pw";
	snprintf(hosts, sizeof hosts, "127.0.0.1:%s", port ? port : "9042");
	snprintf(ks, sizeof ks, "decide%ld", (long)getpid());

	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_store_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	char dir[] = "/tmp/skred-decide-cass-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	if (sk_config_new(&cfg, tables, &err) != SK_OK ||
	    sk_config_set(cfg, "data_dir", dir, "test", &err) != SK_OK ||
	    sk_config_set(cfg, "store", "cassandra", "test", &err) != SK_OK ||
	    sk_config_set(cfg, "cassandra.hosts", hosts, "test", &err) !=
		    SK_OK ||
	    sk_config_set(cfg, "cassandra.username", "skred", "test", &err) !=
		    SK_OK ||
	    sk_config_set(cfg, "cassandra.password", password, "test", &err) !=
		    SK_OK ||
	    sk_config_set(cfg, "cassandra.keyspace", ks, "test", &err) !=
		    SK_OK ||
	    sk_store_open(&st,
			  &(struct sk_store_opts){
				  .conf = sk_store_conf(cfg),
				  .data_dir = sk_core_conf(cfg)->data_dir,
				  .map = sk_proc_map},
			  &err) != SK_OK) {
		fprintf(stderr, "FAIL - open the Cassandra store at %s: %s\n",
			hosts, err.msg);
		sk_config_free(cfg);
		return 1;
	}
	sk_config_free(cfg);
	struct sk_cql_session_opts o = {.contact_points = hosts,
					.username = "skred",
					.password = password,
					.connect_timeout_ms = 5000,
					.request_timeout_ms = 30000};
	if (sk_cql_session_open(&sess, &o, &err) != SK_OK) {
		fprintf(stderr, "FAIL - session: %s\n", err.msg);
		return 1;
	}

	/* The hash a put stores is the one pinned for SQLite. */
	if (!only || !strcmp(only, "pinned_hash")) {
		struct sk_warning *w = sc_record(3012, "2024-01-31T15:30:00",
						 "Vær varsom");
		enum sk_store_put res;
		CHECK_INT(sk_store_begin(st, &err), SK_OK);
		CHECK(sc_put(st, w, &res));
		CHECK_INT(sk_store_commit(st, &err), SK_OK);
		char q[200];
		snprintf(q, sizeof q,
			 "SELECT content_hash FROM %s.warnings_by_region WHERE "
			 "region_id = 3012 AND lang_key = 1 AND valid_date = "
			 "'2024-02-01'",
			 ks);
		struct sk_cql_result *r = NULL;
		CHECK_INT(sk_cql_session_query(sess, q, NULL, &r, &err), SK_OK);
		const struct sk_cql_value *c =
			r && r->n_rows ? sk_cql_result_cell(r, 0, 0) : NULL;
		CHECK_STR(c && c->kind == SK_CQL_TEXT ? c->u.text.p : NULL,
			  SC_PINNED_HASH);
		sk_cql_result_free(r);
		sk_warning_free(w);
		printf("ok pinned_hash\n");
	}

	run_decide_cases(st, only, count_revisions, NULL);
	if (!only)
		run_drift_cases(st);

	sk_store_close(st);
	char q[100];
	snprintf(q, sizeof q, "DROP KEYSPACE %s", ks);
	struct sk_cql_result *r = NULL;
	if (sk_cql_session_query(sess, q, NULL, &r, &err) != SK_OK)
		fprintf(stderr, "drop keyspace: %s\n", err.msg);
	sk_cql_result_free(r);
	sk_cql_session_close(sess);
	rmdir(dir);
	TEST_DONE();
}
