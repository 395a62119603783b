/*
 * inspect.c - `skred dlq`, `skred status` and `skred config`: looking at
 * the dead letters, the bus positions, the warehouse and the configuration.
 */
#include "bus/bus.h"
#include "cmd/cmd_int.h"
#include "job/job.h"
#include "model/model.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_cmd_dlq(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	if (sk_job_bus_open(cli->cfg, &bus, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	struct sk_bus_batch b = {0};
	size_t limit = cli->limit ? (size_t)cli->limit : 100;
	sk_err_t rc = sk_bus_read(bus, sk_job_conf(cli->cfg)->topic_dlq, -1,
				  cli->offset, limit, &b, &err);
	if (rc == SK_OK)
		rc = sk_bus_batch_dedup(&b, &err);
	struct sk_buf j = SK_BUF_INIT(SK_LIMIT_TEXT);
	for (size_t i = 0; rc == SK_OK && i < b.n; i++) {
		const struct sk_bus_msg *m = &b.msgs[i];
		const char *reason = sk_bus_msg_header(m, "reason");
		if (!strcmp(cli->format, "jsonl")) {
			sk_buf_reset(&j);
			sk_buf_printf(&j,
				      "{\"partition\":%d,\"offset\":%lld,"
				      "\"key\":",
				      m->partition, (long long)m->offset);
			sk_model_json_string(&j, m->key);
			for (size_t h = 0; h < m->n_headers; h++) {
				sk_buf_puts(&j, ",");
				sk_model_json_string(&j, m->headers[h].key);
				sk_buf_puts(&j, ":");
				sk_model_json_string(&j, m->headers[h].value);
			}
			sk_buf_puts(&j, ",\"payload\":");
			sk_model_json_string(&j, m->value);
			sk_buf_puts(&j, "}");
			if ((rc = sk_buf_finish(&j)) != SK_OK) {
				sk_error_set(&err, rc, false,
					     "dead letter at offset %lld: "
					     "cannot format it as JSON",
					     (long long)m->offset);
				break;
			}
			puts(j.data);
		} else {
			printf("%2d:%-6lld  %-20s  %s\n", m->partition,
			       (long long)m->offset, m->key ? m->key : "",
			       reason ? reason : "");
		}
	}
	sk_buf_free(&j);
	sk_bus_batch_clear(&b);
	sk_bus_close(bus);
	return rc == SK_OK ? SK_EXIT_OK : sk_cli_fail(cli, &err);
}

int sk_cmd_status(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	struct sk_store *st = NULL;
	if (sk_job_bus_open(cli->cfg, &bus, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	const char *group = sk_job_conf(cli->cfg)->group;
	const char *topics[] = {sk_job_conf(cli->cfg)->topic_raw,
				sk_job_conf(cli->cfg)->topic_dlq};
	printf("bus %s, group %s\n",
	       sk_bus_backends[sk_bus_conf(cli->cfg)->backend], group);
	printf("  %-28s %4s %12s %12s %10s\n", "topic", "part", "end",
	       "committed", "lag");
	sk_err_t rc = SK_OK;
	for (size_t t = 0; t < 2 && rc == SK_OK; t++) {
		struct sk_bus_lag *lag = NULL;
		size_t n = 0;
		rc = sk_bus_lag(bus, group, topics[t], &lag, &n, &err);
		for (size_t i = 0; rc == SK_OK && i < n; i++)
			printf("  %-28s %4d %12lld %12lld %10lld\n",
			       lag[i].topic, lag[i].partition,
			       (long long)lag[i].end_offset,
			       (long long)lag[i].committed_offset,
			       (long long)lag[i].lag);
		free(lag);
	}
	sk_bus_close(bus);
	if (rc != SK_OK)
		return sk_cli_fail(cli, &err);
	struct sk_store_stats s;
	struct sk_store_opts so = sk_job_store_opts(cli->cfg);
	if (sk_store_open(&st, &so, &err) != SK_OK ||
	    sk_store_stats(st, &s, &err) != SK_OK) {
		sk_store_close(st);
		return sk_cli_fail(cli, &err);
	}
	sk_store_close(st);
	char last[SK_TIME_UTC_LEN] = "never";
	if (s.last_write_ms)
		sk_time_format_utc(s.last_write_ms, last);
	printf("warehouse %s: %lld warnings, %lld problems, %lld revisions, "
	       "last write %s\n",
	       sk_store_backends[sk_store_conf(cli->cfg)->backend],
	       (long long)s.warnings, (long long)s.problems,
	       (long long)s.revisions, last);
	return SK_EXIT_OK;
}

static void print_key(const struct sk_cfg_def *def, const char *value, void *ud)
{
	const struct sk_cli *cli = ud;
	if (cli->doc) {
		char env[160] = "SKRED_";
		size_t p = 6;
		for (const char *k = def->key; *k && p < sizeof env - 1; k++)
			env[p++] = *k == '.' ? '_'
					     : (char)(*k >= 'a' && *k <= 'z'
							      ? *k - 32
							      : *k);
		env[p] = '\0';
		/* the type with its bounds or allowed values */
		char type[512] = "string";
		size_t n = 0;
		if (def->type == SK_CFG_INT)
			snprintf(type, sizeof type, "integer %lld..%lld",
				 (long long)def->min, (long long)def->max);
		else if (def->type == SK_CFG_BOOL)
			snprintf(type, sizeof type, "boolean");
		else if (def->type == SK_CFG_ENUM)
			for (size_t i = 0; def->values[i] && n < sizeof type;
			     i++)
				n += (size_t)snprintf(type + n, sizeof type - n,
						      "%s`%s`",
						      i ? ", " : "one of ",
						      def->values[i]);
		printf("| `%s` | `%s` | %s | `%s` | %s%s%s%s |\n", def->key,
		       env, type, def->def ? def->def : "", def->doc,
		       def->flags & SK_CFG_NOCASE ? " (any case)" : "",
		       def->flags & SK_CFG_SENSITIVE ? " (secret: redacted)"
						     : "",
		       def->flags & SK_CFG_RESTART ? " (read at start: a "
						     "reload keeps it)"
						   : "");
		return;
	}
	printf("%s = %s\n", def->key, value ? value : "");
}

static void print_error(const struct sk_error *e, void *ud)
{
	(void)ud;
	fprintf(stderr, "skred config: %s\n", e->msg);
}

static void print_env_error(const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "skred config: %s\n", msg);
}

/* `skred config --check FILE`: FILE over the defaults, then the
 * environment, every error listed (not just the first); nothing runs. */
static int check_file(struct sk_cli *cli)
{
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	if (sk_cli_new_config(&cfg, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	size_t n = sk_config_check_file(cfg, cli->check_file, print_error,
					NULL);
	n += sk_config_env_unknown(cfg, sk_cli_not_config_env(),
				   print_env_error, NULL);
	if (sk_config_load_env(cfg, &err) != SK_OK) {
		print_error(&err, NULL);
		n++;
	} else if (!n && (sk_cli_check_config(cfg, &err) != SK_OK ||
			  sk_cli_check_schedules(cfg, &err) != SK_OK)) {
		/* only over good values: a bad one was named already */
		print_error(&err, NULL);
		n++;
	}
	sk_config_free(cfg);
	if (n) {
		fprintf(stderr, "skred config: %s: %zu error%s\n",
			cli->check_file, n, n == 1 ? "" : "s");
		return SK_EXIT_USAGE;
	}
	printf("%s: ok\n", cli->check_file);
	return SK_EXIT_OK;
}

int sk_cmd_config(struct sk_cli *cli)
{
	if (cli->check_file)
		return check_file(cli);
	if (cli->doc)
		printf("# Configuration\n\n"
		       "Generated by `skred config --doc`. Layers, later wins: "
		       "defaults, the file given by `--config` (or "
		       "`SKRED_CONFIG`; `key = value` lines, `#` comments), "
		       "`SKRED_*` environment variables, then command-line "
		       "flags (`--set key=value` for any key). Every value "
		       "is checked when the configuration is loaded, before "
		       "any work starts (also by a SIGHUP reload, which keeps "
		       "the running configuration when the new one is bad): "
		       "a bad value, or an unknown key (with the nearest one "
		       "suggested), is an error, exit 2. An unknown `SKRED_*` "
		       "variable is a warning. `skred config --check FILE` "
		       "validates a file without running.\n\n"
		       "| key | environment | type | default | meaning |\n"
		       "|---|---|---|---|---|\n");
	sk_config_each(cli->cfg, print_key, cli);
	if (cli->doc)
		printf("| `kafka.<property>` | `SKRED_KAFKA_<PROPERTY>` (`_` "
		       "for `.`) | string | | any librdkafka property, passed "
		       "through (secret if the name contains `key`, `secret`, "
		       "`password` or `token`, ends in `.pem`, or is "
		       "`sasl.oauthbearer.config`) |\n"
		       "\n## Secrets\n\n"
		       "A key is secret when the table says so, when its name "
		       "contains `password`, `secret` or `token`, or, for a "
		       "`kafka.<property>`, as the row above says (so "
		       "`kafka.ssl.key.pem`, `kafka.ssl.key.password` and "
		       "`kafka.sasl.oauthbearer.config` are, "
		       "`cassandra.keyspace` is not).\n\n"
		       "- `skred config` shows a secret as `(redacted)` (an "
		       "unset one as empty) and any other value with the "
		       "credentials of a URL masked: "
		       "`https://user:pw@host` as `https://user:***@host`, "
		       "`https://token@host` as `https://***@host`.\n"
		       "- The same masking applies to every log line and every "
		       "error message (so also to run errors and log excerpts "
		       "in the ledger, the API and the UI), and the value of "
		       "each secret key (%d characters or more) is replaced by "
		       "`***` wherever it would appear.\n"
		       "- A secret's value may be given as `@PATH`, in any "
		       "layer: the content of that file, trailing newlines "
		       "stripped (at most %u bytes); `@@` writes a literal "
		       "leading `@`. A file that cannot be read is a "
		       "configuration error (exit 2). Other keys take `@` "
		       "literally (`sched.schedules = @daily`).\n"
		       "- Anything on the command line is visible to other "
		       "local users (`ps`): `--set` of a secret with a literal "
		       "value, or of a URL with credentials, prints a warning "
		       "(skred then blanks the value in its argv, but it was "
		       "visible until then). "
		       "Use `--set key=@PATH`, the configuration file, or the "
		       "environment (`SKRED_<KEY>`, upper case, `.` as `_`; "
		       "every key, `kafka.<property>` too: "
		       "`SKRED_KAFKA_SSL_KEY_PEM` sets `kafka.ssl.key.pem`).\n",
		       SK_REDACT_MIN_LEN, SK_LIMIT_SECRET_FILE);
	return SK_EXIT_OK;
}
