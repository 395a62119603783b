/*
 * test_redact.c - secrets never shown: URL userinfo masking (with and
 * without a password, '@' outside the authority, IPv6 hosts, several URLs,
 * truncation), registered secret values, the scrubbing of log lines and
 * error messages, which configuration keys are secrets (table flags, name
 * patterns, librdkafka pass-through names, cassandra.keyspace is not), how
 * they are shown, and key=@file (content, trailing newline, '@@', errors).
 */
#define _POSIX_C_SOURCE 200809L
#include "core/core.h"
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *red(const char *in)
{
	static char out[1024];
	sk_redact_text(in, out, sizeof out);
	return out;
}

static void test_urls(void)
{
	CHECK_STR(red("https://user:pw@host/x"), "https://user:***@host/x");
	CHECK_STR(red("varsom_url=https://u:pw@127.0.0.1:1/"),
		  "varsom_url=https://u:***@127.0.0.1:1/");
	/* A lone user part is often a token. */
	CHECK_STR(red("https://ghp_abc123@host/r"), "https://***@host/r");
	/* Empty password; empty userinfo. */
	CHECK_STR(red("http://u:@h/"), "http://u:***@h/");
	CHECK_STR(red("http://@h/"), "http://@h/"); /* nothing to hide */
	/* '@' in path, query or fragment is not userinfo. */
	CHECK_STR(red("https://host/p@th?mail=a@b.no#x@y"),
		  "https://host/p@th?mail=a@b.no#x@y");
	CHECK_STR(red("https://host?to=a@b"), "https://host?to=a@b");
	/* IPv6 literals, with and without userinfo. */
	CHECK_STR(red("http://[::1]:8080/api"), "http://[::1]:8080/api");
	CHECK_STR(red("http://u:pw@[::1]:8080/api"),
		  "http://u:***@[::1]:8080/api");
	CHECK_STR(red("http://u:pw@[fe80::1%25eth0]/"),
		  "http://u:***@[fe80::1%25eth0]/");
	/* An unencoded '@' in the password: the last '@' ends userinfo. */
	CHECK_STR(red("https://u:p@ss@host/"), "https://u:***@host/");
	/* ':' in the password: the first ':' ends the user. */
	CHECK_STR(red("postgresql://app:a:b:c@127.0.0.1:5432/skred"),
		  "postgresql://app:***@127.0.0.1:5432/skred");
	/* Several URLs, quoted, at the end of the text, in JSON. */
	CHECK_STR(red("a http://x:1@h1, 'https://y:2@h2' \"z://t@h3\""),
		  "a http://x:***@h1, 'https://y:***@h2' \"z://***@h3\"");
	CHECK_STR(red("{\"url\":\"https://u:pw@h/a\"}"),
		  "{\"url\":\"https://u:***@h/a\"}");
	CHECK_STR(red("ends with http://u:pw@h"), "ends with http://u:***@h");
	/* Without a (valid) scheme still masked; mail addresses and plain
	 * text are not URLs. */
	CHECK_STR(red("://u:pw@h"), "://u:***@h");
	CHECK_STR(red("a b ://u:pw@h"), "a b ://u:***@h");
	CHECK_STR(red("mail ola@example.no"), "mail ola@example.no");
	CHECK_STR(red("plain text"), "plain text");
	CHECK_STR(red(""), "");
	CHECK_STR(red(NULL), "");
	/* Idempotent. */
	char once[128];
	snprintf(once, sizeof once, "%s", red("https://u:pw@h/ https://t@h/"));
	CHECK_STR(once, "https://u:***@h/ https://***@h/");
	CHECK_STR(red(once), once);
	CHECK(sk_redact_has_userinfo("x https://u:pw@h/"));
	CHECK(sk_redact_has_userinfo("https://tok@h"));
	CHECK(!sk_redact_has_userinfo("https://h/a@b"));
	CHECK(!sk_redact_has_userinfo(NULL));
	/* Output bounded by cap, NUL-terminated. */
	char small[12];
	size_t n = sk_redact_text("https://u:secret@host/", small,
				  sizeof small);
	CHECK_INT(n, 11);
	CHECK_STR(small, "https://u:*");
	CHECK_INT(sk_redact_text("abc", small, 0), 0);
}

static void test_registered(void)
{
	sk_redact_clear();
	sk_redact_add("abc"); /* too short: ignored */
	sk_redact_add("hunter2");
	sk_redact_add("hunter2-long"); /* contains the other: replaced whole */
	sk_redact_add(NULL);
	CHECK_STR(red("pw hunter2 and hunter2-long, abc"),
		  "pw *** and ***, abc");
	CHECK_STR(red("in a url https://u:hunter2@h/"),
		  "in a url https://u:***@h/");
	CHECK_STR(red(""), ""); /* the scrubbing path, nothing to copy */
	/* Error messages and their prefixes are scrubbed as they are made. */
	struct sk_error err = {0};
	sk_error_set(&err, SK_ERR_NET, true, "GET %s: refused",
		     "https://me:Pa55word@127.0.0.1:9/api");
	CHECK_STR(err.msg, "GET https://me:***@127.0.0.1:9/api: refused");
	sk_error_prefix(&err, "token %s", "hunter2");
	CHECK_STR(err.msg,
		  "token ***: GET https://me:***@127.0.0.1:9/api: refused");
	/* A URL whose end falls past the message cap is still masked. */
	char big[SK_ERROR_MSG_MAX];
	memset(big, 'x', sizeof big - 20);
	big[sizeof big - 20] = '\0';
	sk_error_set(&err, SK_ERR_NET, true, "%s https://u:longpassword@h/",
		     big);
	CHECK(!strstr(err.msg, "longpass"));
	CHECK(!strstr(err.msg, "long"));
	/* Full: the oldest goes, the newest (and a re-registered one) stay. */
	sk_redact_clear();
	sk_redact_add("first-secret");
	sk_redact_add("second-secret");
	for (int i = 0; i < SK_REDACT_MAX_SECRETS - 2; i++) {
		char v[32];
		snprintf(v, sizeof v, "rotated-%03d", i);
		sk_redact_add(v);
		if (i == 10)
			sk_redact_add("first-secret"); /* in use again */
	}
	sk_redact_add("newest-secret");
	CHECK_STR(red("first-secret second-secret newest-secret rotated-000"),
		  "*** second-secret *** ***");
	sk_redact_clear();
	CHECK_STR(red("hunter2"), "hunter2");
}

/* Log lines: the tap sees the scrubbed line. */
static char tapped[4096];
static void tap(const char *line, void *ud)
{
	(void)ud;
	snprintf(tapped, sizeof tapped, "%s", line);
}

static void test_log(void)
{
	sk_redact_clear();
	sk_redact_add("s3cr3t-value");
	sk_log_set_tap(tap, NULL);
	int lvl = sk_log_level_current;
	sk_log_level_current = SK_LOG_ERROR;
	sk_log(SK_LOG_ERROR, "test", "retry url=%s key=%s", "http://a:b@h/x",
	       "s3cr3t-value");
	sk_log_level_current = lvl;
	sk_log_set_tap(NULL, NULL);
	CHECK(strstr(tapped, "retry url=http://a:***@h/x key=***") != NULL);
	CHECK(!strstr(tapped, "s3cr3t"));
	sk_redact_clear();
}

static const struct sk_cfg_def tab[] = {
	{"cassandra.keyspace", SK_CFG_STR, "skred", 0, 0, 0, "not a secret", 0,
	 NULL},
	{"cassandra.password", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE, "pw", 0,
	 NULL},
	{"db.url", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE, "url with pw", 0,
	 NULL},
	{"api.token_forgot_flag", SK_CFG_STR, "", 0, 0, 0, "name says so", 0,
	 NULL},
	{"varsom_url", SK_CFG_STR, "https://api.example/", 0, 0, 0, "url", 0,
	 NULL},
	{"sched.schedules", SK_CFG_STR, "@daily", 0, 0, 0, "cron", 0, NULL},
	{"n", SK_CFG_INT, "1", 0, 10, 0, "a number", 0, NULL},
	{"kafka.", SK_CFG_STR, NULL, 0, 0, SK_CFG_PREFIX, "librdkafka", 0,
	 NULL},
	{NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

struct shown {
	char text[8192];
};

static void collect(const struct sk_cfg_def *def, const char *value, void *ud)
{
	struct shown *s = ud;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s=%s%s\n", def->key,
		 value ? value : "",
		 def->flags & SK_CFG_SENSITIVE ? " [secret]" : "");
}

/* sk_config_each_prefixed: the unredacted values librdkafka gets. */
static void collect_raw(const char *name, const char *value, void *ud)
{
	struct shown *s = ud;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s=%s\n", name, value);
}

static void test_config_secrets(void)
{
	const struct sk_cfg_def *const tables[] = {tab, NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	sk_redact_clear();
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK(!sk_config_secret(cfg, "cassandra.keyspace"));
	CHECK(sk_config_secret(cfg, "cassandra.password"));
	CHECK(sk_config_secret(cfg, "db.url"));
	CHECK(sk_config_secret(cfg, "api.token_forgot_flag"));
	CHECK(!sk_config_secret(cfg, "varsom_url"));
	CHECK(!sk_config_secret(cfg, "nope"));
	/* librdkafka names: *key*, *.pem, *secret*, *password*, *token*,
	 * sasl.oauthbearer.config. */
	static const char *const yes[] = {
		"kafka.ssl.key.pem",
		"kafka.ssl.key.password",
		"kafka.ssl.key.location",
		"kafka.ssl.keystore.password",
		"kafka.ssl.certificate.pem",
		"kafka.ssl.ca.pem",
		"kafka.sasl.password",
		"kafka.sasl.oauthbearer.client.secret",
		"kafka.sasl.oauthbearer.config",
		"kafka.sasl.kerberos.keytab",
		"kafka.sasl.oauthbearer.token.endpoint.url",
		"kafka.SSL.KEY.PEM",
		NULL};
	static const char *const no[] = {"kafka.security.protocol",
					 "kafka.sasl.username",
					 "kafka.sasl.mechanism",
					 "kafka.ssl.ca.location",
					 "kafka.sasl.oauthbearer.client.id",
					 NULL};
	for (size_t i = 0; yes[i]; i++) {
		if (!sk_config_secret(cfg, yes[i]))
			fprintf(stderr, "not secret: %s\n", yes[i]);
		CHECK(sk_config_secret(cfg, yes[i]));
	}
	for (size_t i = 0; no[i]; i++) {
		if (sk_config_secret(cfg, no[i]))
			fprintf(stderr, "secret: %s\n", no[i]);
		CHECK(!sk_config_secret(cfg, no[i]));
	}

	CHECK_INT(sk_config_set(cfg, "kafka.ssl.key.pem",
				"-----BEGIN PRIVATE KEY-----\nMIIEvQ", "t",
				&err),
		  SK_OK);
	CHECK_INT(sk_config_set(cfg, "kafka.sasl.oauthbearer.config",
				"principal=admin clientSecret=XYZ-cl13nt "
				"scope=all",
				"t", &err),
		  SK_OK);
	CHECK_INT(sk_config_set(cfg, "kafka.sasl.username", "alice", "t", &err),
		  SK_OK);
	CHECK_INT(sk_config_set(cfg, "varsom_url",
				"https://u:pw-in-url@127.0.0.1:1/", "t", &err),
		  SK_OK);
	CHECK_INT(sk_config_set(cfg, "cassandra.password", "cass-pw", "t",
				&err),
		  SK_OK);
	struct shown s = {{0}};
	sk_config_each(cfg, collect, &s);
	CHECK(strstr(s.text, "kafka.ssl.key.pem=(redacted) [secret]\n"));
	CHECK(strstr(s.text,
		     "kafka.sasl.oauthbearer.config=(redacted) [secret]\n"));
	CHECK(strstr(s.text, "kafka.sasl.username=alice\n"));
	CHECK(strstr(s.text, "varsom_url=https://u:***@127.0.0.1:1/\n"));
	CHECK(strstr(s.text, "cassandra.password=(redacted) [secret]\n"));
	CHECK(strstr(s.text, "cassandra.keyspace=skred\n"));
	/* An unset secret is shown as unset, still marked secret. */
	CHECK(strstr(s.text, "db.url= [secret]\n"));
	CHECK(!strstr(s.text, "MIIE") && !strstr(s.text, "XYZ") &&
	      !strstr(s.text, "pw-in-url") && !strstr(s.text, "cass-pw"));
	/* One value for an API or status page. */
	char buf[128];
	CHECK_STR(sk_config_shown(cfg, "varsom_url", buf, sizeof buf),
		  "https://u:***@127.0.0.1:1/");
	CHECK_STR(sk_config_shown(cfg, "cassandra.password", buf, sizeof buf),
		  "(redacted)");
	CHECK_STR(sk_config_shown(cfg, "kafka.ssl.key.pem", buf, sizeof buf),
		  "(redacted)");
	CHECK_STR(sk_config_shown(cfg, "kafka.sasl.username", buf, sizeof buf),
		  "alice");
	CHECK_STR(sk_config_shown(cfg, "db.url", buf, sizeof buf), "");
	CHECK_STR(sk_config_shown(cfg, "kafka.unset.key", buf, sizeof buf), "");
	CHECK_STR(sk_config_shown(cfg, "nope", buf, sizeof buf), "");
	/* Getters still return the real values. */
	CHECK_STR(sk_config_str(cfg, "cassandra.password"), "cass-pw");
	CHECK_STR(sk_config_str(cfg, "varsom_url"),
		  "https://u:pw-in-url@127.0.0.1:1/");
	/* Secret values (and the secret fields inside one) are registered:
	 * a library echoing them cannot leak them through a message. */
	CHECK_STR(red("Unrecognized sasl.oauthbearer.config beginning at: "
		      "clientSecret=XYZ-cl13nt scope=all"),
		  "Unrecognized sasl.oauthbearer.config beginning at: "
		  "clientSecret=*** scope=all");
	CHECK_STR(red("auth failed for cass-pw"), "auth failed for ***");
	CHECK_STR(red("user alice, principal admin"),
		  "user alice, principal admin");
	/* A secret URL: the whole value, and its password alone, and a
	 * password in its query (libpq accepts one there). */
	CHECK_INT(sk_config_set(cfg, "db.url",
				"postgresql://app:Pg-pa55@127.0.0.1/skred"
				"?sslmode=disable&password=Q-pa55",
				"t", &err),
		  SK_OK);
	CHECK_STR(red("failed for Pg-pa55 and Q-pa55"),
		  "failed for *** and ***");
	CHECK_STR(red("connect postgresql://app:Pg-pa55@127.0.0.1/skred"),
		  "connect postgresql://app:***@127.0.0.1/skred");
	CHECK_STR(red("sslmode=disable"), "sslmode=disable");
	sk_config_free(cfg);
	sk_redact_clear();
}

static void test_secret_files(void)
{
	const struct sk_cfg_def *const tables[] = {tab, NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	char dir[] = "/tmp/skred-redact-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256], path2[256], missing[256];
	snprintf(path, sizeof path, "%s/pw", dir);
	snprintf(path2, sizeof path2, "%s/pem", dir);
	snprintf(missing, sizeof missing, "%s/none", dir);
	FILE *f = fopen(path, "w");
	fputs("from-a-file\n", f);
	fclose(f);
	f = fopen(path2, "w");
	fputs("-----BEGIN-----\nline2\n-----END-----\r\n\n", f);
	fclose(f);

	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	char v[300];
	snprintf(v, sizeof v, "@%s", path);
	CHECK_INT(sk_config_set(cfg, "cassandra.password", v, "--set", &err),
		  SK_OK);
	CHECK_STR(sk_config_str(cfg, "cassandra.password"), "from-a-file");
	snprintf(v, sizeof v, "@%s", path2);
	CHECK_INT(sk_config_set(cfg, "kafka.ssl.key.pem", v, "--set", &err),
		  SK_OK);
	struct shown s = {{0}};
	sk_config_each(cfg, collect, &s);
	CHECK(strstr(s.text, "kafka.ssl.key.pem=(redacted)"));
	/* Its content is registered: never in a message. */
	CHECK_STR(red("got from-a-file"), "got ***");
	/* "@@" is a literal leading '@'. */
	CHECK_INT(sk_config_set(cfg, "cassandra.password", "@@lit", "--set",
				&err),
		  SK_OK);
	CHECK_STR(sk_config_str(cfg, "cassandra.password"), "@lit");
	/* Non-secret keys take '@' literally (cron macros). */
	CHECK_INT(sk_config_set(cfg, "sched.schedules", "@hourly", "--set",
				&err),
		  SK_OK);
	CHECK_STR(sk_config_str(cfg, "sched.schedules"), "@hourly");
	/* Unreadable or missing: a configuration error naming the layer, key
	 * and path. */
	snprintf(v, sizeof v, "@%s", missing);
	CHECK_INT(sk_config_set(cfg, "cassandra.password", v, "--set", &err),
		  SK_ERR_CONFIG);
	CHECK(strstr(err.msg, "--set: cassandra.password: cannot read secret "
			      "file") != NULL);
	CHECK(strstr(err.msg, missing) != NULL);
	CHECK_INT(sk_config_set(cfg, "cassandra.password", "@", "--set", &err),
		  SK_ERR_CONFIG);
	/* A directory cannot be read. */
	snprintf(v, sizeof v, "@%s", dir);
	CHECK_INT(sk_config_set(cfg, "cassandra.password", v, "--set", &err),
		  SK_ERR_CONFIG);
	/* The value from before the failures is kept. */
	CHECK_STR(sk_config_str(cfg, "cassandra.password"), "@lit");

	/* The environment takes @file too, for pass-through keys as well. */
	snprintf(v, sizeof v, "@%s", path);
	setenv("SKRED_KAFKA_SASL_PASSWORD", v, 1);
	setenv("SKRED_KAFKA_SSL_KEY_PEM", "inline-pem-text", 1);
	setenv("SKRED_CASSANDRA_PASSWORD", "@@env", 1);
	CHECK_INT(sk_config_load_env(cfg, &err), SK_OK);
	unsetenv("SKRED_KAFKA_SASL_PASSWORD");
	unsetenv("SKRED_KAFKA_SSL_KEY_PEM");
	unsetenv("SKRED_CASSANDRA_PASSWORD");
	CHECK_STR(sk_config_str(cfg, "cassandra.password"), "@env");
	struct shown raw = {{0}};
	sk_config_each_prefixed(cfg, "kafka.", collect_raw, &raw);
	CHECK(strstr(raw.text, "sasl.password=from-a-file\n") != NULL);
	CHECK(strstr(raw.text, "ssl.key.pem=inline-pem-text\n") != NULL);
	sk_config_free(cfg);
	unlink(path);
	unlink(path2);
	rmdir(dir);
	sk_redact_clear();
}

static const struct sk_case cases[] = {
	{"urls", test_urls},
	{"registered", test_registered},
	{"log", test_log},
	{"config_secrets", test_config_secrets},
	{"secret_files", test_secret_files},
};

SK_CASES_MAIN(cases)
