/*
 * cmd_int.h - what the subcommand files share: the parsed command line and
 * the configuration built from it.
 */
#ifndef SK_CMD_INT_H
#define SK_CMD_INT_H

#include "cmd/cmd.h"
#include "core/core.h"

/* Option groups a subcommand accepts. */
enum {
	OPT_SELECT = 1u << 0,         /* --regions --lang */
	OPT_RANGE = 1u << 1,          /* --from --to */
	OPT_SIMPLE = 1u << 2,         /* --simple */
	OPT_FOLLOW = 1u << 3,         /* --follow --batch-size --max */
	OPT_FORMAT = 1u << 4,         /* --format */
	OPT_DOC = 1u << 5,            /* --doc */
	OPT_LIMIT = 1u << 6,          /* --limit --offset */
	OPT_ARGS = 1u << 7,           /* positional arguments (a verb, an id) */
	OPT_BACKFILL = 1u << 8,       /* --mode --dry-run --concurrency */
	OPT_STATE = 1u << 9,          /* --state */
	OPT_SCHEMA_FORMAT = 1u << 10, /* --format is avro|json-schema */
};

struct sk_cli {
	const struct sk_cmd *cmd;
	struct sk_config *cfg;
	int *regions;
	size_t n_regions;
	int langs[2];
	size_t n_langs;
	struct sk_date from, to;
	bool has_from, has_to;
	bool simple, follow, doc;
	const char *format; /* table (default), csv, jsonl */
	int64_t batch_size, max_messages;
	int64_t limit, offset;
	/* backfill and runs */
	const char *mode, *state;
	bool dry_run;
	int64_t concurrency;
	bool concurrency_set;
	const char *check_file; /* config --check FILE */
	char **args;
	int n_args;
	/* what built cfg, kept for a reload (SIGHUP) */
	const char *config_file, *opt_regions, *opt_lang, *opt_data_dir;
	const char *sets[64];
	size_t n_sets;
	char *set_copies[64]; /* owned copies of secret --set values, whose
			       * argv text was blanked */
};

/* The checks beyond a row's type that every built configuration passes
 * (regions, lang, ledger); SK_ERR_CONFIG naming the key and value. */
sk_err_t sk_cli_check_config(const struct sk_config *cfg, struct sk_error *err);
/* sched.schedules and sched.timezone (cron syntax, the zone, distinct
 * names): checked by serve at start and on reload, and by --check;
 * `skred config` shows the value as it is. */
sk_err_t sk_cli_check_schedules(const struct sk_config *cfg,
				struct sk_error *err);
/* A configuration over every module's table, with the defaults only. */
sk_err_t sk_cli_new_config(struct sk_config **out, struct sk_error *err);
/* SKRED_* variables that are not keys (NULL-terminated; "X_" a prefix). */
const char *const *sk_cli_not_config_env(void);

/* Build cli->cfg again from the saved layers (file re-read); on error the
 * old configuration is untouched and *out is NULL. */
sk_err_t sk_cli_build_config(const struct sk_cli *cli, struct sk_config **out,
			     struct sk_error *err);

struct sk_cmd {
	const char *name;
	const char *summary;
	const char *usage; /* command-specific lines of --help */
	unsigned opts;
	int (*run)(struct sk_cli *cli);
};

/* Exit code for an error: 2 for usage/config, 1 otherwise; logs it. */
int sk_cli_fail(const struct sk_cli *cli, const struct sk_error *err);

/* The window of a daily run from configuration, overridden by --from/--to. */
void sk_cli_window(const struct sk_cli *cli, struct sk_date *from,
		   struct sk_date *to);

int sk_cmd_fetch(struct sk_cli *cli);
int sk_cmd_process(struct sk_cli *cli);
int sk_cmd_run(struct sk_cli *cli);
int sk_cmd_regions(struct sk_cli *cli);
int sk_cmd_show(struct sk_cli *cli);
int sk_cmd_dlq(struct sk_cli *cli);
int sk_cmd_status(struct sk_cli *cli);
int sk_cmd_config(struct sk_cli *cli);
int sk_cmd_serve(struct sk_cli *cli);
int sk_cmd_backfill(struct sk_cli *cli);
int sk_cmd_runs(struct sk_cli *cli);
int sk_cmd_pause(struct sk_cli *cli);
int sk_cmd_unpause(struct sk_cli *cli);
int sk_cmd_schema(struct sk_cli *cli);

#endif
