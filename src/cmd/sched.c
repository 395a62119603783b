/*
 * sched.c - `skred serve`, `skred backfill`, `skred runs ...`,
 * `skred pause` and `skred unpause`.
 */
#include "cmd/cmd_int.h"
#include "job/job.h"
#include "sched/runner.h"
#include "web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a reload needs beside the command line: the web server, which has
 * its own copy of the configuration (it outlives the scheduler's). */
struct serve_ctx {
	struct sk_cli *cli;
	struct sk_web *web;
	struct sk_config *web_cfg;
};

/* Keys flagged SK_CFG_RESTART whose value changed: fresh gets the running
 * value back, and the key is named. */
struct restart_ctx {
	const struct sk_config *old;
	struct sk_config *fresh;
	const char *keys[32];
	size_t n;
	sk_err_t rc;
	struct sk_error *err;
};

static void value_text(const struct sk_config *cfg,
		       const struct sk_cfg_def *def, char *out, size_t size)
{
	const char *v;
	switch (def->type) {
	case SK_CFG_INT:
		snprintf(out, size, "%lld",
			 (long long)sk_config_int(cfg, def->key));
		break;
	case SK_CFG_BOOL:
		snprintf(out, size, "%s",
			 sk_config_bool(cfg, def->key) ? "true" : "false");
		break;
	default:
		v = sk_config_str(cfg, def->key);
		snprintf(out, size, "%s", v ? v : "");
	}
}

static void keep_restart_key(const struct sk_cfg_def *def, const char *value,
			     void *ud)
{
	struct restart_ctx *x = ud;
	char was[1024], now[1024];
	(void)value;
	if (!(def->flags & SK_CFG_RESTART) || x->rc != SK_OK)
		return;
	value_text(x->old, def, was, sizeof was);
	value_text(x->fresh, def, now, sizeof now);
	if (!strcmp(was, now))
		return;
	x->rc = sk_config_set(x->fresh, def->key, was, "the running value",
			      x->err);
	if (x->n < sizeof x->keys / sizeof x->keys[0])
		x->keys[x->n++] = def->key;
}

/* What the web server is given from its configuration: its own struct and
 * the other modules' values it shows or uses (sk_web_env). NULL cfg: a
 * zeroed env (sk_web_reload of no server ignores it). */
static struct sk_web_env web_env(const struct sk_config *cfg)
{
	if (!cfg)
		return (struct sk_web_env){0};
	return (struct sk_web_env){
		.cfg = cfg,
		.conf = sk_web_conf(cfg),
		.job = sk_job_conf(cfg),
		.max_attempts = (int)sk_sched_conf(cfg)->max_attempts,
		.timezone = sk_sched_conf(cfg)->timezone,
		.bus_backend = sk_bus_backends[sk_bus_conf(cfg)->backend],
		.store_backend = sk_store_backends[sk_store_conf(cfg)->backend],
	};
}

/* SIGHUP: the configuration built again from the same layers (the file
 * re-read) for the scheduler and for the web server, all or nothing.
 * Keys read only at start keep their running value and are named in the
 * log and in /api/v1/status; log_level applies when it changed. */
static sk_err_t reload(void *ud, struct sk_config **cfg, struct sk_error *err)
{
	struct serve_ctx *s = ud;
	struct sk_config *fresh = NULL, *web_cfg = NULL;
	struct restart_ctx x = {.old = *cfg, .err = err};
	int level = sk_log_level_current;
	int lvl_was = sk_core_conf(*cfg)->log_level;
	if (sk_cli_build_config(s->cli, &fresh, err) != SK_OK ||
	    (s->web && sk_cli_build_config(s->cli, &web_cfg, err) != SK_OK))
		goto fail;
	/* A bad schedule is refused here, before the web server shows it. */
	if (sk_cli_check_schedules(fresh, err) != SK_OK)
		goto fail;
	if (web_cfg) {
		x.fresh = web_cfg;
		sk_config_each(*cfg, keep_restart_key, &x);
		x.n = 0;
	}
	x.fresh = fresh; /* the scheduler's: these keys are named */
	if (x.rc == SK_OK)
		sk_config_each(*cfg, keep_restart_key, &x);
	if (x.rc != SK_OK)
		goto fail;
	size_t n = x.n;
	int lvl = sk_core_conf(fresh)->log_level; /* an enum: checked */
	if (lvl != lvl_was)
		sk_log_level_current = lvl;
	struct sk_web_env env = web_env(web_cfg);
	if (sk_web_reload(s->web, &env, x.keys, n, err) != SK_OK) {
		sk_log_level_current = level;
		goto fail;
	}
	sk_config_free(s->web_cfg);
	s->web_cfg = web_cfg;
	for (size_t i = 0; i < n; i++)
		sk_log(SK_LOG_WARN, "sched",
		       "reload: %s changed; it needs a restart (the running "
		       "value stays until then)",
		       x.keys[i]);
	/* The caller frees the old one when the new plan is good. */
	*cfg = fresh;
	s->cli->cfg = fresh;
	return SK_OK;
fail:
	sk_config_free(fresh);
	sk_config_free(web_cfg);
	return err->code;
}

/* One daemon per data dir: its embedded ledger, bus and warehouse are
 * local files. The lock is the kernel's (flock), so a crashed daemon
 * never leaves it behind. Exit 2 when another daemon holds it. */
static int lock_data_dir(struct sk_cli *cli, int *fd)
{
	struct sk_error err = {0};
	const char *dir = sk_core_conf(cli->cfg)->data_dir;
	char path[4200];
	int64_t holder = 0;
	snprintf(path, sizeof path, "%s/serve.lock", dir);
	if (sk_mkdir_p(dir, &err) == SK_OK &&
	    sk_lockfile_take(path, fd, &holder, &err) == SK_OK)
		return -1;
	if (err.code == SK_ERR_CONFLICT) {
		fprintf(stderr,
			"skred serve: data dir %s is in use by skred serve pid "
			"%lld (%s): one daemon per data dir (several daemons "
			"share a PostgreSQL ledger, each with a data dir of "
			"its own)\n",
			dir, (long long)holder, path);
		return SK_EXIT_USAGE;
	}
	return sk_cli_fail(cli, &err);
}

int sk_cmd_serve(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_config *cfg = cli->cfg;
	int lock_fd = -1;
	int lrc = lock_data_dir(cli, &lock_fd);
	if (lrc >= 0)
		return lrc;
	/* The HTTP API has its own copy of the configuration (a reload
	 * hands it a new one: sk_web_reload). */
	struct serve_ctx s = {.cli = cli};
	sk_err_t wrc = sk_cli_build_config(cli, &s.web_cfg, &err);
	if (wrc == SK_OK) {
		struct sk_web_env env = web_env(s.web_cfg);
		wrc = sk_web_start(&s.web, &env, &err);
	}
	if (wrc != SK_OK) {
		sk_config_free(s.web_cfg);
		sk_lockfile_release(lock_fd);
		return sk_cli_fail(cli, &err);
	}
	sk_err_t rc = sk_sched_serve(&cfg, reload, &s, &err);
	cli->cfg = cfg;
	sk_web_stop(s.web);
	sk_config_free(s.web_cfg);
	sk_lockfile_release(lock_fd);
	return rc == SK_OK ? SK_EXIT_OK : sk_cli_fail(cli, &err);
}

static const char *langs_text(const struct sk_cli *cli)
{
	return cli->n_langs == 2 ? "both" : cli->langs[0] == 2 ? "en" : "nb";
}

int sk_cmd_backfill(struct sk_cli *cli)
{
	struct sk_error err = {0};
	if (!cli->has_from || !cli->has_to) {
		sk_error_set(&err, SK_ERR_INVAL, false,
			     "backfill needs --from and --to");
		return sk_cli_fail(cli, &err);
	}
	struct sk_backfill_opts o = {
		.from = cli->from,
		.to = cli->to,
		.regions = sk_job_conf(cli->cfg)->regions,
		.langs = langs_text(cli),
		.simple = cli->simple,
		.mode = !cli->mode || !strcmp(cli->mode, "missing")
				? SK_BACKFILL_MISSING
			: !strcmp(cli->mode, "failed") ? SK_BACKFILL_FAILED
						       : SK_BACKFILL_ALL,
		.dry_run = cli->dry_run,
		.concurrency = cli->concurrency ? (int)cli->concurrency : 1,
	};
	if (sk_sched_backfill(cli->cfg, &o, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	return SK_EXIT_OK;
}

static void fmt_ms(int64_t ms, char out[SK_TIME_UTC_LEN])
{
	if (ms)
		sk_time_format_utc(ms, out);
	else
		snprintf(out, SK_TIME_UTC_LEN, "-");
}

static int list_row(const struct sk_run *r, void *ud)
{
	(void)ud;
	char start[SK_TIME_UTC_LEN];
	fmt_ms(r->start_ms, start);
	double dur = r->end_ms > r->start_ms && r->start_ms
			     ? (double)(r->end_ms - r->start_ms) / 1000.0
			     : 0;
	printf("%6lld  %-9s  %-24s  %-12s  %d/%d  %s..%s  %6lld  %6lld  %4lld  "
	       "%7.1f  %.60s\n",
	       (long long)r->id, r->job, r->logical_time,
	       sk_run_state_name(r->state), r->attempts, r->max_attempts,
	       r->window_from, r->window_to, (long long)r->fetched,
	       (long long)r->stored, (long long)r->dead, dur, r->error);
	return 0;
}

static int show_attempt(const struct sk_attempt *a, void *ud)
{
	(void)ud;
	char s[SK_TIME_UTC_LEN], e[SK_TIME_UTC_LEN];
	fmt_ms(a->start_ms, s);
	fmt_ms(a->end_ms, e);
	printf("  attempt %d  %-11s  %s -> %s  fetched %lld stored %lld dead "
	       "%lld  by %s%s%s\n",
	       a->attempt, a->state, s, e, (long long)a->fetched,
	       (long long)a->stored, (long long)a->dead,
	       a->owner[0] ? a->owner : "-", a->error[0] ? "  " : "", a->error);
	return 0;
}

static int show_check(const char *name, bool ok, const char *detail, void *ud)
{
	(void)ud;
	printf("  check %-24s %s  %s\n", name, ok ? "ok  " : "FAIL", detail);
	return 0;
}

static int parse_id(const struct sk_cli *cli, int64_t *id)
{
	if (cli->n_args < 2)
		return -1;
	char *end;
	long long v = strtoll(cli->args[1], &end, 10);
	if (*end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

int sk_cmd_runs(struct sk_cli *cli)
{
	struct sk_error err = {0};
	const char *verb = cli->n_args ? cli->args[0] : "list";
	struct sk_ledger *l = NULL;
	if (strcmp(verb, "list") && strcmp(verb, "show") &&
	    strcmp(verb, "trigger") && strcmp(verb, "clear")) {
		sk_error_set(&err, SK_ERR_INVAL, false,
			     "unknown verb '%s': list, show ID, trigger, "
			     "clear ID",
			     verb);
		return sk_cli_fail(cli, &err);
	}
	int64_t id = 0;
	if ((!strcmp(verb, "show") || !strcmp(verb, "clear")) &&
	    parse_id(cli, &id) != 0) {
		sk_error_set(&err, SK_ERR_INVAL, false,
			     "runs %s needs a run id", verb);
		return sk_cli_fail(cli, &err);
	}
	if (sk_sched_ledger_open(cli->cfg, &l, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	sk_err_t rc = SK_OK;
	if (!strcmp(verb, "list")) {
		printf("%6s  %-9s  %-24s  %-12s  %-3s  %-22s  %6s  %6s  %4s  "
		       "%7s  "
		       "%s\n",
		       "id", "job", "logical time", "state", "try", "window",
		       "fetch", "stored", "dead", "secs", "error");
		rc = sk_ledger_run_list(
			l, cli->state ? sk_run_state_parse(cli->state) : -1,
			NULL, cli->limit ? (size_t)cli->limit : 50, list_row,
			NULL, &err);
	} else if (!strcmp(verb, "show")) {
		struct sk_run r;
		if ((rc = sk_ledger_run_get(l, id, &r, &err)) == SK_OK) {
			list_row(&r, NULL);
			printf("  regions %s, languages %s%s\n", r.regions,
			       r.langs, r.simple ? ", Simple" : "");
			rc = sk_ledger_attempts(l, id, show_attempt, NULL,
						&err);
			if (rc == SK_OK)
				rc = sk_ledger_checks(l, id, show_check, NULL,
						      &err);
			if (r.log_excerpt[0]) {
				printf("  log:\n    ");
				for (const char *c = r.log_excerpt; *c; c++)
					fputs(*c == '\n' ? "\n    "
							 : (char[]){*c, 0},
					      stdout);
				putchar('\n');
			}
		}
	} else if (!strcmp(verb, "clear")) {
		if ((rc = sk_ledger_run_clear(l, id, &err)) == SK_OK)
			printf("run %lld queued again\n", (long long)id);
	} else {
		struct sk_run r = {0};
		int64_t now = sk_clock_now_ms();
		snprintf(r.job, sizeof r.job, "manual");
		sk_sched_window(cli->cfg, now, &r);
		if (cli->has_from)
			sk_date_format(&cli->from, r.window_from);
		if (cli->has_to)
			sk_date_format(&cli->to, r.window_to);
		snprintf(r.regions, sizeof r.regions, "%s",
			 sk_job_conf(cli->cfg)->regions);
		snprintf(r.langs, sizeof r.langs, "%s", langs_text(cli));
		r.max_attempts = (int)sk_sched_conf(cli->cfg)->max_attempts;
		bool created;
		if ((rc = sk_ledger_run_add(l, &r, &created, &err)) == SK_OK)
			printf("run %lld queued (%s..%s); `skred serve` runs "
			       "it\n",
			       (long long)r.id, r.window_from, r.window_to);
	}
	sk_ledger_close(l);
	return rc == SK_OK ? SK_EXIT_OK : sk_cli_fail(cli, &err);
}

static int set_paused(struct sk_cli *cli, bool paused)
{
	struct sk_error err = {0};
	struct sk_ledger *l = NULL;
	if (sk_sched_ledger_open(cli->cfg, &l, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	sk_err_t rc = sk_ledger_meta_set(l, "paused", paused ? "1" : NULL,
					 &err);
	sk_ledger_close(l);
	if (rc != SK_OK)
		return sk_cli_fail(cli, &err);
	printf("schedules %s\n", paused ? "paused" : "running");
	return SK_EXIT_OK;
}

int sk_cmd_pause(struct sk_cli *cli)
{
	return set_paused(cli, true);
}

int sk_cmd_unpause(struct sk_cli *cli)
{
	return set_paused(cli, false);
}
