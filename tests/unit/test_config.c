/*
 * test_config.c - the configuration core (src/core/config.c): every type
 * bound by offset to its struct field (string, integer with bounds, bool,
 * enum with its allowed values, case-insensitive enum), values checked as
 * they are set (the field keeps its value on an error), unknown keys and
 * SKRED_* variables with the nearest name suggested, a directory as a
 * config file, --check collecting every error of a file, secrets still
 * redacted, and the real tables binding every non-prefix row.
 *
 * Cases are named: `test_config --case NAME` runs one.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "bus/bus.h"
#include "job/job.h"
#include "sched/runner.h"
#include "source/source.h"
#include "store/store.h"
#include "web/web.h"
#include "cases.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct demo {
	const char *name;
	int64_t n;
	bool on;
	int color;
	int level;
	const char *pw;
};

static const char *const colors[] = {"red", "green", "blue", NULL};
static const char *const levels[] = {"LOW", "HIGH", NULL};

static const struct sk_cfg_def demo_cfg[] = {
	{"demo.name", SK_CFG_STR, "x", 0, 0, 0, "a string",
	 offsetof(struct demo, name), NULL},
	{"demo.n", SK_CFG_INT, "5", 1, 10, 0, "1..10", offsetof(struct demo, n),
	 NULL},
	{"demo.on", SK_CFG_BOOL, "false", 0, 0, 0, "a flag",
	 offsetof(struct demo, on), NULL},
	{"demo.color", SK_CFG_ENUM, "green", 0, 0, 0, "an enum",
	 offsetof(struct demo, color), colors},
	{"demo.level", SK_CFG_ENUM, "LOW", 0, 0, SK_CFG_NOCASE, "any case",
	 offsetof(struct demo, level), levels},
	{"demo.pw", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE, "a secret",
	 offsetof(struct demo, pw), NULL},
	{"pass.", SK_CFG_STR, NULL, 0, 0, SK_CFG_PREFIX, "pass-through", 0,
	 NULL},
	SK_CFG_END(struct demo),
};

static struct sk_config *demo_new(void)
{
	const struct sk_cfg_def *const tables[] = {demo_cfg, NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	return cfg;
}

static const struct demo *demo(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, demo_cfg);
}

static void case_defaults(void)
{
	struct sk_config *cfg = demo_new();
	const struct demo *d = demo(cfg);
	CHECK_STR(d->name, "x");
	CHECK_INT(d->n, 5);
	CHECK(!d->on);
	CHECK_INT(d->color, 1);
	CHECK_INT(d->level, 0);
	CHECK_STR(d->pw, "");
	sk_config_free(cfg);
}

/* One value set: the rc, the message parts it must name, and the field
 * afterwards (as text). */
static const struct {
	const char *key, *value;
	sk_err_t rc;
	const char *msg1, *msg2; /* substrings of the error, NULL: none */
	const char *field;       /* the field after, as text */
} set_cases[] = {
	{"demo.name", "hello", SK_OK, NULL, NULL, "hello"},
	{"demo.n", "10", SK_OK, NULL, NULL, "10"},
	{"demo.n", "1", SK_OK, NULL, NULL, "1"},
	{"demo.n", "0", SK_ERR_CONFIG, "demo.n must be between 1 and 10",
	 "got 0", "5"},
	{"demo.n", "11", SK_ERR_CONFIG, "between 1 and 10", "got 11", "5"},
	{"demo.n", "many", SK_ERR_CONFIG, "demo.n must be an integer", "'many'",
	 "5"},
	{"demo.on", "yes", SK_OK, NULL, NULL, "true"},
	{"demo.on", "off", SK_OK, NULL, NULL, "false"},
	{"demo.on", "maybe", SK_ERR_CONFIG, "demo.on must be true or false",
	 "'maybe'", "false"},
	{"demo.color", "blue", SK_OK, NULL, NULL, "2"},
	{"demo.color", "Blue", SK_ERR_CONFIG,
	 "demo.color must be red, green or blue", "got 'Blue'", "1"},
	{"demo.color", "purple", SK_ERR_CONFIG, "red, green or blue",
	 "'purple'", "1"},
	{"demo.level", "high", SK_OK, NULL, NULL, "1"},
	{"demo.level", "medium", SK_ERR_CONFIG, "must be LOW or HIGH",
	 "'medium'", "0"},
	{"demo.colour", "red", SK_ERR_CONFIG,
	 "unknown configuration key 'demo.colour'",
	 "did you mean 'demo.color'?", NULL},
	{"totally.unrelated.thing", "1", SK_ERR_CONFIG,
	 "unknown configuration key 'totally.unrelated.thing'", NULL, NULL},
};

static void field_text(const struct demo *d, const char *key, char *out,
		       size_t cap)
{
	if (!strcmp(key, "demo.name"))
		snprintf(out, cap, "%s", d->name);
	else if (!strcmp(key, "demo.n"))
		snprintf(out, cap, "%lld", (long long)d->n);
	else if (!strcmp(key, "demo.on"))
		snprintf(out, cap, "%s", d->on ? "true" : "false");
	else if (!strcmp(key, "demo.color"))
		snprintf(out, cap, "%d", d->color);
	else if (!strcmp(key, "demo.level"))
		snprintf(out, cap, "%d", d->level);
}

static void case_set(void)
{
	for (size_t i = 0; i < sizeof set_cases / sizeof set_cases[0]; i++) {
		struct sk_config *cfg = demo_new();
		struct sk_error err = {0};
		sk_err_t rc = sk_config_set(cfg, set_cases[i].key,
					    set_cases[i].value, "--set", &err);
		if (rc != set_cases[i].rc)
			fprintf(stderr, "case %zu %s=%s: %s\n", i,
				set_cases[i].key, set_cases[i].value, err.msg);
		CHECK_INT(rc, set_cases[i].rc);
		if (set_cases[i].msg1)
			CHECK(strstr(err.msg, set_cases[i].msg1) != NULL);
		if (set_cases[i].msg2)
			CHECK(strstr(err.msg, set_cases[i].msg2) != NULL);
		if (!set_cases[i].msg2 && rc != SK_OK)
			CHECK(strstr(err.msg, "did you mean") == NULL);
		if (set_cases[i].field) {
			char text[64] = "";
			field_text(demo(cfg), set_cases[i].key, text,
				   sizeof text);
			CHECK_STR(text, set_cases[i].field);
		}
		sk_config_free(cfg);
	}
}

/* An enum is kept as the table spells it; sk_config_str gives the name. */
static void case_enum_names(void)
{
	struct sk_config *cfg = demo_new();
	struct sk_error err = {0};
	CHECK_INT(sk_config_set(cfg, "demo.level", "hIgH", "t", &err), SK_OK);
	CHECK_STR(sk_config_str(cfg, "demo.level"), "HIGH");
	CHECK_STR(sk_cfg_enum_name(&demo_cfg[3], 2), "blue");
	CHECK_STR(sk_cfg_enum_name(&demo_cfg[3], 3), "");
	sk_config_free(cfg);
}

static void collect_msg(const char *msg, void *ud)
{
	struct sk_buf *b = ud;
	(void)sk_buf_printf(b, "%s\n", msg);
}

/* Unset every SKRED_* variable the test's own environment brings (ctest
 * may set some), so the count below is this case's. */
static void clear_skred_env(void)
{
	extern char **environ;
	char name[256];
	for (size_t i = 0; environ && environ[i];) {
		const char *eq = strchr(environ[i], '=');
		if (strncmp(environ[i], "SKRED_", 6) || !eq) {
			i++;
			continue;
		}
		snprintf(name, sizeof name, "%.*s", (int)(eq - environ[i]),
			 environ[i]);
		unsetenv(name); /* environ shifts: look at i again */
	}
}

static void case_env_unknown(void)
{
	clear_skred_env();
	struct sk_config *cfg = demo_new();
	static const char *const not_keys[] = {"SKRED_FAKE_NOW", "SKRED_UI_",
					       NULL};
	setenv("SKRED_DEMO_COLOUR", "red", 1);
	setenv("SKRED_DEMO_N", "3", 1);           /* a key */
	setenv("SKRED_PASS_EXTRA_THING", "1", 1); /* under pass. */
	setenv("SKRED_FAKE_NOW", "2024-01-01T00:00:00Z", 1);
	setenv("SKRED_UI_ANYTHING", "1", 1);
	setenv("SKRED_ZZZZZZZZZZZZ", "1", 1);
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	CHECK_INT(sk_config_env_unknown(cfg, not_keys, collect_msg, &b), 2);
	CHECK(strstr(b.data, "environment SKRED_DEMO_COLOUR is not a "
			     "configuration variable (did you mean "
			     "SKRED_DEMO_COLOR?)") != NULL);
	CHECK(strstr(b.data, "SKRED_ZZZZZZZZZZZZ is not a configuration "
			     "variable\n") != NULL);
	CHECK(strstr(b.data, "SKRED_DEMO_N ") == NULL);
	CHECK(strstr(b.data, "SKRED_FAKE_NOW") == NULL);
	CHECK(strstr(b.data, "SKRED_UI_") == NULL);
	CHECK(strstr(b.data, "SKRED_PASS_") == NULL);
	unsetenv("SKRED_DEMO_COLOUR");
	unsetenv("SKRED_DEMO_N");
	unsetenv("SKRED_PASS_EXTRA_THING");
	unsetenv("SKRED_FAKE_NOW");
	unsetenv("SKRED_UI_ANYTHING");
	unsetenv("SKRED_ZZZZZZZZZZZZ");
	sk_buf_free(&b);
	sk_config_free(cfg);
}

static char tmpdir[64];

static const char *tmp_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static void case_directory(void)
{
	struct sk_config *cfg = demo_new();
	struct sk_error err = {0};
	CHECK_INT(sk_config_load_file(cfg, tmpdir, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "is a directory") != NULL);
	CHECK_INT(sk_config_check_file(cfg, tmpdir, NULL, NULL), 1);
	sk_config_free(cfg);
}

static void collect_err(const struct sk_error *e, void *ud)
{
	struct sk_buf *b = ud;
	(void)sk_buf_printf(b, "%s\n", e->msg);
}

static void case_check_file(void)
{
	struct sk_config *cfg = demo_new();
	struct sk_error err = {0};
	const char *p = tmp_file("bad.conf", "demo.n = 99\n"
					     "demo.name = ok\n"
					     "no equals sign\n"
					     "demo.colr = red\n"
					     "demo.color = blue\n");
	/* load stops at the first error, naming file and line */
	CHECK_INT(sk_config_load_file(cfg, p, &err), SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "bad.conf:1: demo.n must be between 1 and 10") !=
	      NULL);
	sk_config_free(cfg);
	cfg = demo_new();
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	CHECK_INT(sk_config_check_file(cfg, p, collect_err, &b), 3);
	CHECK(strstr(b.data, "bad.conf:1:") != NULL);
	CHECK(strstr(b.data, "bad.conf:3: expected 'key = value'") != NULL);
	CHECK(strstr(b.data,
		     "bad.conf:4: unknown configuration key "
		     "'demo.colr' (did you mean 'demo.color'?)") != NULL);
	/* the good lines applied */
	CHECK_STR(demo(cfg)->name, "ok");
	CHECK_INT(demo(cfg)->color, 2);
	sk_buf_free(&b);
	sk_config_free(cfg);
	cfg = demo_new();
	p = tmp_file("good.conf", "# fine\ndemo.n = 7\n");
	CHECK_INT(sk_config_check_file(cfg, p, NULL, NULL), 0);
	CHECK_INT(demo(cfg)->n, 7);
	sk_config_free(cfg);
}

static void collect_shown(const struct sk_cfg_def *def, const char *value,
			  void *ud)
{
	struct sk_buf *b = ud;
	(void)sk_buf_printf(b, "%s=%s\n", def->key, value ? value : "");
}

/* A bound secret: the field has the value, the display never does. */
static void case_secret(void)
{
	sk_redact_clear();
	struct sk_config *cfg = demo_new();
	struct sk_error err = {0};
	CHECK_INT(sk_config_set(cfg, "demo.pw", "sesame-123", "t", &err),
		  SK_OK);
	CHECK_STR(demo(cfg)->pw, "sesame-123");
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_config_each(cfg, collect_shown, &b);
	CHECK(strstr(b.data, "demo.pw=" SK_REDACTED "\n") != NULL);
	CHECK(strstr(b.data, "sesame-123") == NULL);
	/* an error message cannot echo it */
	CHECK_INT(sk_config_set(cfg, "demo.n", "sesame-123", "t", &err),
		  SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "sesame-123") == NULL);
	sk_buf_free(&b);
	sk_config_free(cfg);
	sk_redact_clear();
}

/* The real tables: every default is valid, every non-prefix row binds a
 * distinct field that holds its default. */
static void case_real_tables(void)
{
	const struct sk_cfg_def *const tables[] = {
		sk_core_cfg,   sk_job_cfg,   sk_source_cfg,
		sk_bus_cfg,    sk_store_cfg, sk_sched_cfg,
		sk_ledger_cfg, sk_web_cfg,   NULL,
	};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	if (!cfg)
		return;
	CHECK_INT(sk_source_conf(cfg)->concurrency, 4);
	CHECK_STR(sk_job_conf(cfg)->topic_raw, SK_BUS_TOPIC_RAW_DEFAULT);
	CHECK_INT(sk_job_conf(cfg)->publish_clean, SK_JOB_PUBLISH_AUTO);
	CHECK_STR(sk_store_consistencies[sk_store_conf(cfg)
						 ->cassandra_consistency],
		  "LOCAL_QUORUM");
	CHECK_INT(sk_core_conf(cfg)->log_level, SK_LOG_INFO);
	CHECK(sk_sched_conf(cfg)->catchup);
	CHECK_INT(sk_web_conf(cfg)->max_connections, 1024);
	CHECK_STR(sk_job_conf(cfg)->regions, "A");
	for (size_t t = 0; tables[t]; t++) {
		const struct sk_cfg_def *end = tables[t];
		while (end->key)
			end++;
		CHECK(end->offset > 0); /* binds a struct */
		for (const struct sk_cfg_def *a = tables[t]; a->key; a++) {
			if (a->flags & SK_CFG_PREFIX)
				continue;
			CHECK(a->offset < end->offset);
			CHECK(a->type != SK_CFG_ENUM || a->values);
			for (const struct sk_cfg_def *b = a + 1; b->key; b++)
				if (!(b->flags & SK_CFG_PREFIX) &&
				    a->offset == b->offset)
					CHECK(!"two rows bind one field");
		}
	}
	CHECK_INT(sk_config_set(cfg, "bus.publish_clean", "maybe", "--set",
				&err),
		  SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "bus.publish_clean must be yes, no or auto, "
			      "got 'maybe'") != NULL);
	CHECK_INT(sk_config_set(cfg, "store", "postgres", "--set", &err),
		  SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "store must be sqlite or cassandra") != NULL);
	CHECK_STR(sk_config_nearest(cfg, "fetch.concurency"),
		  "fetch.concurrency");
	sk_config_free(cfg);
}

static const struct sk_case cases[] = {
	{"defaults", case_defaults},     {"set", case_set},
	{"enum_names", case_enum_names}, {"env_unknown", case_env_unknown},
	{"directory", case_directory},   {"check_file", case_check_file},
	{"secret", case_secret},         {"real_tables", case_real_tables},
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	snprintf(tmpdir, sizeof tmpdir, "/tmp/skred-test-config-XXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	char path[128];
	snprintf(path, sizeof path, "%s/bad.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/good.conf", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return rc;
}
