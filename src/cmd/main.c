/*
 * main.c - the subcommand table, shared option parsing and configuration
 * layering (defaults, --config file, SKRED_* environment, command line).
 */
#include "cmd/cmd_int.h"
#include "bus/bus.h"
#include "job/job.h"
#include "model/model.h"
#include "source/source.h"
#include "sched/runner.h"
#include "web/web.h"
#include "store/store.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sk_cmd commands[] = {
	{"fetch", "fetch warnings from the varsom API onto the raw topic",
	 "Default window: run.days_back before today to run.days_ahead after "
	 "(Europe/Oslo).\n",
	 OPT_SELECT | OPT_RANGE | OPT_SIMPLE, sk_cmd_fetch},
	{"process",
	 "consume the raw topic, clean, write the warehouse (stops when caught "
	 "up)",
	 "  --follow          keep consuming new messages until "
	 "SIGINT/SIGTERM\n"
	 "  --batch-size N    messages per warehouse transaction\n"
	 "  --max N           stop after N messages\n",
	 OPT_FOLLOW, sk_cmd_process},
	{"run", "the daily job: fetch then process for a window",
	 "Default window: 7 days back to 2 days ahead, Europe/Oslo calendar\n"
	 "(run.days_back, run.days_ahead).\n",
	 OPT_SELECT | OPT_RANGE | OPT_SIMPLE, sk_cmd_run},
	{"regions", "list the forecast regions: id, name, A/B, active", "",
	 OPT_FORMAT, sk_cmd_regions},
	{"show", "show stored warnings (default: today, the selected regions)",
	 "  --format table|csv|jsonl\n"
	 "  --limit N         at most N rows\n",
	 OPT_SELECT | OPT_RANGE | OPT_FORMAT | OPT_LIMIT, sk_cmd_show},
	{"dlq", "list dead-lettered records with their reasons",
	 "  --format table|jsonl\n"
	 "  --offset N        start at this offset of the dead-letter topic\n"
	 "  --limit N         at most N records (default 100)\n",
	 OPT_FORMAT | OPT_LIMIT, sk_cmd_dlq},
	{"status", "bus offsets and lag, warehouse counts", "", 0,
	 sk_cmd_status},
	{"serve",
	 "the daemon: run the pipeline on its schedules (SIGHUP reloads)",
	 "Schedules: sched.schedules (default daily at 17:00 Europe/Oslo),\n"
	 "catch-up after downtime, retries; state in <data_dir>/ledger.db.\n"
	 "Web UI, JSON API (/api/v1/) and /metrics on http.addr\n"
	 "(default 127.0.0.1:8080, env SKRED_HTTP_ADDR; empty: off).\n",
	 0, sk_cmd_serve},
	{"backfill", "fetch and process a date range as runs in the ledger",
	 "  --mode missing|failed|all  which runs to do (default missing)\n"
	 "  --dry-run                 show the plan only\n"
	 "  --concurrency N           runs fetched at once while the one "
	 "before is processed (default 1)\n",
	 OPT_SELECT | OPT_RANGE | OPT_SIMPLE | OPT_BACKFILL, sk_cmd_backfill},
	{"runs", "the run ledger: runs list|show ID|trigger|clear ID",
	 "  list [--state S] [--limit N]   newest first\n"
	 "  show ID                        a run, its attempts and checks\n"
	 "  trigger [--from D --to D]      queue a manual run for the daemon\n"
	 "  clear ID                       queue a finished run again\n",
	 OPT_ARGS | OPT_STATE | OPT_LIMIT | OPT_RANGE | OPT_SELECT,
	 sk_cmd_runs},
	{"pause", "pause the schedules (runs due meanwhile are skipped)", "", 0,
	 sk_cmd_pause},
	{"unpause", "resume the schedules", "", 0, sk_cmd_unpause},
	{"config", "show the effective configuration (secrets redacted)",
	 "  --doc             print every key as Markdown "
	 "(docs/CONFIGURATION.md)\n"
	 "  --check FILE      validate FILE (with the SKRED_* environment) "
	 "without running:\n"
	 "                    exit 0 when good, 2 listing every error\n",
	 OPT_DOC, sk_cmd_config},
	{"schema", "the record fields as stored columns: type, null, API key",
	 "  [TABLE]           only this table (avalanche_warning, ...)\n"
	 "  --doc             print them as Markdown (docs/DATA_MODEL.md)\n"
	 "  show [clean|dead_letter] [--format avro|json-schema]\n"
	 "                    the topic's contract, generated from the "
	 "fields\n"
	 "  list              the record shapes kept with the embedded bus "
	 "(versions)\n"
	 "  show SUBJECT N    version N as kept (SUBJECT: clean, "
	 "dead_letter or a name)\n"
	 "  diff [SUBJECT [N [M]]]  fields added, dropped or retyped "
	 "between versions\n"
	 "  drift             the source's drift from the expected API "
	 "shape: field,\n"
	 "                    kind, records, first and last seen\n",
	 OPT_DOC | OPT_ARGS | OPT_FORMAT | OPT_SCHEMA_FORMAT, sk_cmd_schema},
	{NULL, NULL, NULL, 0, NULL},
};

static const struct sk_cfg_def *const cfg_tables[] = {
	sk_core_cfg,      sk_job_cfg,   sk_source_cfg, sk_bus_cfg,
	sk_store_cfg,     sk_sched_cfg, sk_ledger_cfg, sk_web_cfg,
	sk_schemareg_cfg, NULL,
};

/* SKRED_* variables that skred or its tests read which are not keys:
 * never "unknown configuration variables". A name ending in '_' is a
 * prefix. */
static const char *const not_config_env[] = {
	"SKRED_CONFIG",   /* --config */
	"SKRED_ZONEINFO", /* core/tz.c */
	"SKRED_FAKE_NOW", /* core/fs.c, test clock */
	"SKRED_FAKE_SPEED",
	"SKRED_CRASH_AT", /* core/error.c, crash tests */
	"SKRED_FAIL_AT",  /* core/error.c, fault tests */
	/* test and script harness (tests/, scripts/, bench/) */
	"SKRED_PASSWORD",
	"SKRED_CACHE",
	"SKRED_SRC",
	"SKRED_MAVEN_REPO",
	"SKRED_MAVEN_OPTS",
	"SKRED_TEST_DATA",
	"SKRED_ARTIFACTS",
	"SKRED_UI_",
	NULL,
};

static void usage_main(FILE *f)
{
	fprintf(f,
		"usage: skred <command> [options]\n\n"
		"skred collects Norway's avalanche warnings (varsom.no) into "
		"a local warehouse.\n\ncommands:\n");
	for (const struct sk_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "  version   print the version\n"
		   "  completion bash  print the bash completion script\n\n"
		   "`skred <command> --help` shows its options. Exit codes: 0 "
		   "ok, 1 failed (after retries), 2 usage or configuration "
		   "error.\n");
}

static void usage_cmd(const struct sk_cmd *c, FILE *f)
{
	fprintf(f, "usage: skred %s [options]\n\n%s.\n\n", c->name, c->summary);
	if (c->usage[0])
		fprintf(f, "%s\n", c->usage);
	if (c->opts & OPT_SELECT)
		fprintf(f, "  --regions all|A|B|ID,ID  regions (default: "
			   "config `regions`, A)\n"
			   "  --lang nb|en|both        languages (default: "
			   "config `lang`, nb)\n");
	if (c->opts & OPT_RANGE)
		fprintf(f, "  --from YYYY-MM-DD        first valid date\n"
			   "  --to YYYY-MM-DD          last valid date\n");
	if (c->opts & OPT_SIMPLE)
		fprintf(f,
			"  --simple                 Simple endpoint (default "
			"Detail)\n");
	fprintf(f, "  --data-dir DIR           data directory (env "
		   "SKRED_DATA_DIR, default ./skred-data)\n"
		   "  --config FILE            configuration file (env "
		   "SKRED_CONFIG)\n"
		   "  --set KEY=VALUE          set any configuration key\n"
		   "  -v, --verbose            debug logging\n"
		   "  -q, --quiet              warnings and errors only\n"
		   "  -h, --help               this help\n");
}

int sk_cli_fail(const struct sk_cli *cli, const struct sk_error *err)
{
	bool usage = err->code == SK_ERR_CONFIG || err->code == SK_ERR_INVAL;
	fprintf(stderr, "skred %s: %s\n", cli && cli->cmd ? cli->cmd->name : "",
		err->msg[0] ? err->msg : sk_err_name(err->code));
	return usage ? SK_EXIT_USAGE : SK_EXIT_FAILED;
}

void sk_cli_window(const struct sk_cli *cli, struct sk_date *from,
		   struct sk_date *to)
{
	sk_job_window(sk_now_ms(), (int)sk_job_conf(cli->cfg)->run_days_back,
		      (int)sk_job_conf(cli->cfg)->run_days_ahead, from, to);
	if (cli->has_from)
		*from = cli->from;
	if (cli->has_to)
		*to = cli->to;
}

static void on_signal(int sig)
{
	if (sk_stop_requested())
		signal(sig, SIG_DFL); /* a second signal stops at once */
	sk_stop_request();
}

static void on_hup(int sig)
{
	(void)sig;
	sk_reload_request();
}

/* The flags, one row each: how the value is read and where it goes in
 * struct sk_cli. A subcommand accepts a flag when its opts has the row's
 * group (0: every subcommand). getopt_long's table is made from this one. */
enum flag_kind {
	F_BOOL,   /* no value: the bool at off is set */
	F_TEXT,   /* the const char * at off */
	F_CHOICE, /* F_TEXT, one of choices */
	F_STATE,  /* F_TEXT, a run state name */
	F_DATE,   /* the struct sk_date at off, and the bool at given */
	F_COUNT,  /* a non-negative int64_t at off, and the bool at given */
	F_SET,    /* KEY=VALUE appended to sets */
};

struct flag {
	const char *name;
	enum flag_kind kind;
	unsigned group;
	size_t off;
	size_t given; /* offset of a bool set when the flag is given; 0 none */
	const char *const *choices; /* F_CHOICE: the values; else offered */
	char complete; /* what the shell completes for the value: 'f' a file,
			* 'd' a directory, 'r' region ids, 's' a run state,
			* 0 choices or nothing */
};

#define CLI(m) offsetof(struct sk_cli, m)

static const char *const formats[] = {"table", "csv", "jsonl", NULL};
static const char *const schema_formats[] = {"avro", "json-schema", NULL};
static const char *const modes[] = {"missing", "failed", "all", NULL};
/* offered by the completion; checked by the configuration (lang) */
static const char *const langs[] = {"nb", "en", "both", NULL};

static const struct flag flags[] = {
	{"regions", F_TEXT, OPT_SELECT, CLI(opt_regions), 0, NULL, 'r'},
	{"lang", F_TEXT, OPT_SELECT, CLI(opt_lang), 0, langs, 0},
	{"from", F_DATE, OPT_RANGE, CLI(from), CLI(has_from), NULL, 0},
	{"to", F_DATE, OPT_RANGE, CLI(to), CLI(has_to), NULL, 0},
	{"simple", F_BOOL, OPT_SIMPLE, CLI(simple), 0, NULL, 0},
	{"data-dir", F_TEXT, 0, CLI(opt_data_dir), 0, NULL, 'd'},
	{"config", F_TEXT, 0, CLI(config_file), 0, NULL, 'f'},
	{"set", F_SET, 0, 0, 0, NULL, 0},
	{"follow", F_BOOL, OPT_FOLLOW, CLI(follow), 0, NULL, 0},
	{"batch-size", F_COUNT, OPT_FOLLOW, CLI(batch_size), 0, NULL, 0},
	{"max", F_COUNT, OPT_FOLLOW, CLI(max_messages), 0, NULL, 0},
	{"format", F_CHOICE, OPT_FORMAT, CLI(format), 0, formats, 0},
	{"doc", F_BOOL, OPT_DOC, CLI(doc), 0, NULL, 0},
	{"check", F_TEXT, OPT_DOC, CLI(check_file), 0, NULL, 'f'},
	{"limit", F_COUNT, OPT_LIMIT, CLI(limit), 0, NULL, 0},
	{"offset", F_COUNT, OPT_LIMIT, CLI(offset), 0, NULL, 0},
	{"mode", F_CHOICE, OPT_BACKFILL, CLI(mode), 0, modes, 0},
	{"dry-run", F_BOOL, OPT_BACKFILL, CLI(dry_run), 0, NULL, 0},
	{"concurrency", F_COUNT, OPT_BACKFILL, CLI(concurrency),
	 CLI(concurrency_set), NULL, 0},
	{"state", F_STATE, OPT_STATE, CLI(state), 0, NULL, 's'},
};

/* --format of `skred schema show`. */
static const struct flag schema_format_flag = {"format",   F_CHOICE,
					       OPT_FORMAT, CLI(format),
					       0,          schema_formats,
					       0};

#define NFLAGS (sizeof flags / sizeof flags[0])
#define FLAG_VAL 1000 /* getopt value of flags[i]: FLAG_VAL + i */

static int check_no_schedule(const char *job, const char *cron, int64_t next_ms,
			     void *ud)
{
	(void)job;
	(void)cron;
	(void)next_ms;
	(void)ud;
	return 0;
}

static bool parse_count(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < 0)
		return false;
	*out = v;
	return true;
}

/* Checks beyond one row's type, run on every configuration built (start,
 * reload, --check) so no subcommand starts work with a value that a later
 * stage would refuse: the region and language selections and the ledger
 * backend (the set this build has). */
sk_err_t sk_cli_check_config(const struct sk_config *cfg, struct sk_error *err)
{
	int *ids = NULL, langs[2];
	size_t n = 0;
	sk_err_t rc = sk_model_regions_select(sk_job_conf(cfg)->regions, &ids,
					      &n, err);
	free(ids);
	if (rc == SK_OK)
		rc = sk_model_langs_select(sk_job_conf(cfg)->lang, langs, &n,
					   err);
	if (rc != SK_OK) {
		/* a configuration error (exit 2), whichever layer set it */
		err->code = SK_ERR_CONFIG;
		return SK_ERR_CONFIG;
	}
	return sk_ledger_check_config(sk_ledger_conf(cfg), err);
}

sk_err_t sk_cli_check_schedules(const struct sk_config *cfg,
				struct sk_error *err)
{
	return sk_sched_schedules(cfg, 0, check_no_schedule, NULL, err);
}

sk_err_t sk_cli_new_config(struct sk_config **out, struct sk_error *err)
{
	return sk_config_new(out, cfg_tables, err);
}

sk_err_t sk_cli_build_config(const struct sk_cli *cli, struct sk_config **out,
			     struct sk_error *err)
{
	struct sk_config *cfg = NULL;
	*out = NULL;
	/* Layers: defaults, file, environment, command line. */
	if (sk_cli_new_config(&cfg, err) != SK_OK ||
	    (cli->config_file &&
	     sk_config_load_file(cfg, cli->config_file, err) != SK_OK) ||
	    sk_config_load_env(cfg, err) != SK_OK ||
	    (cli->opt_data_dir &&
	     sk_config_set(cfg, "data_dir", cli->opt_data_dir, "--data-dir",
			   err) != SK_OK) ||
	    (cli->opt_regions && sk_config_set(cfg, "regions", cli->opt_regions,
					       "--regions", err) != SK_OK) ||
	    (cli->opt_lang &&
	     sk_config_set(cfg, "lang", cli->opt_lang, "--lang", err) != SK_OK))
		goto fail;
	for (size_t i = 0; i < cli->n_sets; i++) {
		char key[256];
		const char *eq = strchr(cli->sets[i], '=');
		snprintf(key, sizeof key, "%.*s", (int)(eq - cli->sets[i]),
			 cli->sets[i]);
		if (sk_config_set(cfg, key, eq + 1, "--set", err) != SK_OK)
			goto fail;
	}
	if (sk_cli_check_config(cfg, err) != SK_OK)
		goto fail;
	*out = cfg;
	return SK_OK;
fail:
	sk_config_free(cfg);
	return err->code;
}

/* A secret in argv is readable by every local user (ps, /proc): for each
 * --set of a secret key with a literal value, or of a URL with credentials,
 * say so and name the ways that keep it out of argv; then keep a copy (for
 * a reload) and blank the value in argv, so at least a long-running daemon
 * does not show it for its whole life. */
static void guard_secret_sets(struct sk_cli *cli)
{
	for (size_t i = 0; i < cli->n_sets; i++) {
		const char *kv = cli->sets[i], *eq = strchr(kv, '=');
		char key[256], env[300] = "SKRED_";
		snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
		size_t p = 6;
		for (const char *k = key; *k && p < sizeof env - 1; k++)
			env[p++] = *k == '.'                ? '_'
				   : *k >= 'a' && *k <= 'z' ? (char)(*k - 32)
							    : *k;
		env[p] = '\0';
		const char *v = eq + 1;
		if (sk_config_secret(cli->cfg, key)) {
			if (!*v || (v[0] == '@' && v[1] != '@'))
				continue;
			fprintf(stderr,
				"skred %s: warning: --set %s puts a secret on "
				"the command line, where other local users can "
				"read it (ps); use --set %s=@FILE or %s\n",
				cli->cmd->name, key, key, env);
		} else if (sk_redact_has_userinfo(v)) {
			fprintf(stderr,
				"skred %s: warning: --set %s puts URL "
				"credentials on the command line, where other "
				"local users can read them (ps); use %s\n",
				cli->cmd->name, key, env);
		} else {
			continue;
		}
		char *copy = sk_strdup(kv);
		if (!copy)
			continue; /* still works, just stays visible */
		cli->set_copies[i] = copy;
		cli->sets[i] = copy;
		memset((char *)eq + 1, '*', strlen(eq + 1));
	}
}

static void warn_env(const char *msg, void *ud)
{
	const struct sk_cli *cli = ud;
	fprintf(stderr, "skred %s: warning: %s\n", cli->cmd->name, msg);
}

/* "a, b or c" of a NULL-terminated list, into out. */
static void choices_text(const char *const *v, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; v[i] && used < cap; i++) {
		const char *sep = i == 0 ? "" : v[i + 1] ? ", " : " or ";
		int n = snprintf(out + used, cap - used, "%s%s", sep, v[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* The value arg of flag f into cli. -1 to go on, or the exit code after
 * saying what was expected. */
static int read_flag(const struct sk_cmd *c, const struct flag *f,
		     const char *arg, struct sk_cli *cli)
{
	char *base = (char *)cli, list[128];
	bool ok = true;
	switch (f->kind) {
	case F_BOOL:
		*(bool *)(base + f->off) = true;
		return -1;
	case F_CHOICE:
		ok = false;
		if (f->choices == formats && (c->opts & OPT_SCHEMA_FORMAT))
			f = &schema_format_flag;
		for (size_t i = 0; f->choices[i] && !ok; i++)
			ok = strcmp(arg, f->choices[i]) == 0;
		if (!ok) {
			choices_text(f->choices, list, sizeof list);
			fprintf(stderr, "skred %s: --%s must be %s\n", c->name,
				f->name, list);
			return SK_EXIT_USAGE;
		}
		*(const char **)(base + f->off) = arg;
		return -1;
	case F_STATE:
		if (sk_run_state_parse(arg) < 0) {
			fprintf(stderr,
				"skred %s: --state must be queued, running, "
				"success, failed, up_for_retry or skipped\n",
				c->name);
			return SK_EXIT_USAGE;
		}
		/* fall through */
	case F_TEXT:
		*(const char **)(base + f->off) = arg;
		return -1;
	case F_DATE:
		if (sk_date_parse(arg, (struct sk_date *)(base + f->off)) !=
		    SK_OK) {
			fprintf(stderr,
				"skred %s: --%s expects a date YYYY-MM-DD, "
				"got '%s'\n",
				c->name, f->name, arg);
			return SK_EXIT_USAGE;
		}
		break;
	case F_COUNT:
		if (!parse_count(arg, (int64_t *)(base + f->off))) {
			fprintf(stderr,
				"skred %s: --%s expects a non-negative "
				"number\n",
				c->name, f->name);
			return SK_EXIT_USAGE;
		}
		break;
	case F_SET:
		if (cli->n_sets == sizeof cli->sets / sizeof cli->sets[0] ||
		    !strchr(arg, '=')) {
			fprintf(stderr, "skred %s: --set expects KEY=VALUE\n",
				c->name);
			return SK_EXIT_USAGE;
		}
		cli->sets[cli->n_sets++] = arg;
		return -1;
	}
	if (f->given)
		*(bool *)(base + f->given) = true;
	return -1;
}

/* Parse argv into cli and build the configuration. Returns -1 to go on, or
 * an exit code. */
static int parse(const struct sk_cmd *c, int argc, char **argv,
		 struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct option opts[NFLAGS + 4] = {
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
	};
	for (size_t i = 0; i < NFLAGS; i++)
		opts[3 + i] = (struct option){flags[i].name,
					      flags[i].kind == F_BOOL
						      ? no_argument
						      : required_argument,
					      NULL, FLAG_VAL + (int)i};
	int verbosity = 0, o;
	cli->config_file = getenv("SKRED_CONFIG");
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":vqh", opts, NULL)) != -1) {
		if (o == '?' || o == ':') {
			fprintf(stderr, "skred %s: %s option %s\n", c->name,
				o == '?' ? "unknown" : "missing value for",
				argv[optind - 1]);
			fprintf(stderr, "try `skred %s --help`\n", c->name);
			return SK_EXIT_USAGE;
		}
		if (o == 'h') {
			usage_cmd(c, stdout);
			return SK_EXIT_OK;
		}
		if (o == 'v' || o == 'q') {
			verbosity = o == 'v' ? 1 : -1;
			continue;
		}
		const struct flag *f = &flags[o - FLAG_VAL];
		if (f->group && !(c->opts & f->group)) {
			fprintf(stderr,
				"skred %s: option %s does not apply here\n",
				c->name, argv[optind - 1]);
			return SK_EXIT_USAGE;
		}
		int rc = read_flag(c, f, optarg, cli);
		if (rc >= 0)
			return rc;
	}
	if (optind < argc && !(c->opts & OPT_ARGS)) {
		fprintf(stderr, "skred %s: unexpected argument '%s'\n", c->name,
			argv[optind]);
		return SK_EXIT_USAGE;
	}
	cli->args = argv + optind;
	cli->n_args = argc - optind;
	if (cli->concurrency_set && cli->concurrency < 1) {
		fprintf(stderr, "skred %s: --concurrency must be at least 1\n",
			c->name);
		return SK_EXIT_USAGE;
	}
	if (cli->has_from && cli->has_to &&
	    sk_date_cmp(&cli->from, &cli->to) > 0) {
		fprintf(stderr, "skred %s: --from is after --to\n", c->name);
		return SK_EXIT_USAGE;
	}
	if (cli->check_file)
		return -1; /* `config --check` builds its own */
	if (sk_cli_build_config(cli, &cli->cfg, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	guard_secret_sets(cli);
	sk_log_level_current = sk_core_conf(cli->cfg)->log_level;
	if (verbosity > 0)
		sk_log_level_current = SK_LOG_DEBUG;
	else if (verbosity < 0)
		sk_log_level_current = SK_LOG_WARN;
	if (sk_model_regions_select(sk_job_conf(cli->cfg)->regions,
				    &cli->regions, &cli->n_regions,
				    &err) != SK_OK ||
	    sk_model_langs_select(sk_job_conf(cli->cfg)->lang, cli->langs,
				  &cli->n_langs, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	sk_config_env_unknown(cli->cfg, not_config_env, warn_env, cli);
	return -1;
}

const char *const *sk_cli_not_config_env(void)
{
	return not_config_env;
}

/* ------------------------------------------------------- completion */

/* The words of a NULL-terminated list, space-separated. */
static void words(FILE *f, const char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", v[i]);
}

/* `skred completion bash`: a bash completion script made from the tables
 * above (subcommands, their flags, each flag's values), the region list
 * (model/), the run states (sched/) and the stored tables (model/), so it
 * cannot drift from what the parser accepts. tests/deploy/test_completion.sh
 * checks it against --help and drives it in bash. */
static int print_completion(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[2], "bash")) {
		fprintf(stderr, "usage: skred completion bash\n");
		return SK_EXIT_USAGE;
	}
	FILE *f = stdout;
	fprintf(f,
		"# bash completion for skred %s: generated by `skred "
		"completion bash`\n# from skred's command, flag and region "
		"tables; do not edit.\n",
		SKRED_VERSION);
	fprintf(f, "_skred_regions() {\n"
		   "\tlocal pre='' last=$cur w\n"
		   "\tcase $cur in *,*) pre=${cur%%,*},; last=${cur##*,};; "
		   "esac\n"
		   "\tw='");
	size_t n = 0;
	const struct sk_region *r = sk_model_regions(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? " " : "", r[i].id);
	fprintf(f, "'\n"
		   "\t[ -n \"$pre\" ] || w=\"all A B $w\"\n"
		   "\tCOMPREPLY=($(compgen -P \"$pre\" -W \"$w\" -- "
		   "\"$last\"))\n}\n");
	fprintf(f, "_skred() {\n"
		   "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
		   "prev=${COMP_WORDS[COMP_CWORD-1]} i=$((COMP_CWORD-1)) opts\n"
		   "\tCOMPREPLY=()\n"
		   "\t# --flag=value: '=' is a word of its own\n"
		   "\tif [ \"$cur\" = = ]; then prev=${COMP_WORDS[i]}; cur=; "
		   "elif [ \"$prev\" = = ]; then "
		   "prev=${COMP_WORDS[i-1]}; fi\n"
		   "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
		   "\t\tCOMPREPLY=($(compgen -W '");
	for (const struct sk_cmd *c = commands; c->name; c++)
		fprintf(f, "%s ", c->name);
	fprintf(f, "version completion help --help --version' -- \"$cur\"))"
		   "\n\t\treturn\n\tfi\n\tcase $prev in\n");
	for (size_t i = 0; i < NFLAGS; i++) {
		const struct flag *fl = &flags[i];
		if (fl->kind == F_BOOL)
			continue;
		fprintf(f, "\t--%s) ", fl->name);
		if (fl->choices) {
			fprintf(f, "COMPREPLY=($(compgen -W '");
			words(f, fl->choices);
			fprintf(f, "' -- \"$cur\"));;\n");
		} else if (fl->complete == 's') {
			fprintf(f, "COMPREPLY=($(compgen -W '");
			for (int s = 0; s < SK_RUN__COUNT; s++)
				fprintf(f, "%s%s", s ? " " : "",
					sk_run_state_name(
						(enum sk_run_state)s));
			fprintf(f, "' -- \"$cur\"));;\n");
		} else if (fl->complete == 'r') {
			fprintf(f, "_skred_regions;;\n");
		} else if (fl->complete == 'f' || fl->complete == 'd') {
			fprintf(f, "COMPREPLY=($(compgen -%c -- \"$cur\"));;\n",
				fl->complete);
		} else {
			fprintf(f, ";;\n"); /* a number, a date, KEY=VALUE */
		}
	}
	fprintf(f, "\t*) case ${COMP_WORDS[1]} in\n");
	for (const struct sk_cmd *c = commands; c->name; c++) {
		fprintf(f, "\t\t%s) opts='", c->name);
		for (size_t i = 0; i < NFLAGS; i++)
			if (!flags[i].group || (c->opts & flags[i].group))
				fprintf(f, "--%s ", flags[i].name);
		fprintf(f, "--verbose --quiet --help -v -q -h'");
		if (!strcmp(c->name, "runs"))
			fprintf(f, "\n\t\t\t[ \"$COMP_CWORD\" -ne 2 ] || "
				   "opts=\"$opts list show trigger clear\"");
		if (!strcmp(c->name, "schema")) {
			size_t nt = 0;
			const struct sk_table *const *t = sk_model_tables(&nt);
			fprintf(f, "\n\t\t\topts=\"$opts show list diff drift");
			for (size_t i = 0; i < nt; i++)
				fprintf(f, " %s", t[i]->name);
			fprintf(f, "\"");
		}
		fprintf(f, ";;\n");
	}
	fprintf(f, "\t\tcompletion) opts=bash;;\n"
		   "\t\t*) return;;\n\t\tesac\n"
		   "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"));;\n"
		   "\tesac\n}\ncomplete -F _skred skred\n");
	return ferror(f) ? SK_EXIT_FAILED : SK_EXIT_OK;
}

int sk_cmd_main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return SK_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") ||
	    !strcmp(name, "help")) {
		usage_main(stdout);
		return SK_EXIT_OK;
	}
	if (!strcmp(name, "version") || !strcmp(name, "--version")) {
		printf("skred %s\n", SKRED_VERSION);
		return SK_EXIT_OK;
	}
	if (!strcmp(name, "completion"))
		return print_completion(argc, argv);
	const struct sk_cmd *c = NULL;
	for (const struct sk_cmd *k = commands; k->name; k++)
		if (!strcmp(k->name, name))
			c = k;
	if (!c) {
		fprintf(stderr, "skred: unknown command '%s'\n\n", name);
		usage_main(stderr);
		return SK_EXIT_USAGE;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct sigaction hup;
	memset(&hup, 0, sizeof hup);
	hup.sa_handler = on_hup;
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sk_cli cli = {.cmd = c, .format = "table"};
	int rc = parse(c, argc - 1, argv + 1, &cli);
	if (rc < 0) {
		struct sk_error err = {0};
		if (sk_http_global_init(&err) != SK_OK)
			rc = sk_cli_fail(&cli, &err);
		else
			rc = c->run(&cli);
	}
	free(cli.regions);
	for (size_t i = 0; i < cli.n_sets; i++)
		free(cli.set_copies[i]);
	sk_config_free(cli.cfg);
	return rc;
}
