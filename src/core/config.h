/*
 * config.h - layered configuration over declarative per-module tables
 * (src/core/config.c): defaults, a file, SKRED_* environment, the command
 * line. Included by core.h; needs its errors.
 */
#ifndef SK_CONFIG_H
#define SK_CONFIG_H

#include "core.h"

enum sk_cfg_type { SK_CFG_STR, SK_CFG_INT, SK_CFG_BOOL };

/* A secret: shown as SK_REDACTED, scrubbed from every log line and error
 * message (sk_redact_add), and accepted as "@PATH" (the file's content, its
 * trailing newlines stripped; "@@x" is the literal "@x") in every layer.
 * Keys whose names contain "password", "secret" or "token" are secrets even
 * without the flag. */
#define SK_CFG_SENSITIVE 0x1u
/* A row whose key ends in '.' and has this flag accepts any key under that
 * prefix that no other row defines ("kafka." passes librdkafka properties
 * through). Values are strings; names containing "password", "secret",
 * "token" or "key", ending in ".pem", or "sasl.oauthbearer.config" are
 * secrets. From the environment, SKRED_<PREFIX>_A_B becomes "<prefix>a.b". */
#define SK_CFG_PREFIX 0x2u
/* Read once at start (a listening address, a data directory): a reload
 * (SIGHUP) keeps the running value and names the key as needing a
 * restart. */
#define SK_CFG_RESTART 0x4u

/* One row of a module's configuration table. */
struct sk_cfg_def {
	const char *key;    /* "fetch.concurrency" */
	enum sk_cfg_type type;
	const char *def;    /* default as text, NULL = unset */
	int64_t min, max;   /* for SK_CFG_INT */
	unsigned flags;
	const char *doc;    /* one line */
};

struct sk_config;

/* Create a configuration over NULL-terminated arrays of tables (each table
 * ends with a row whose key is NULL). Defaults are applied. */
sk_err_t sk_config_new(struct sk_config **out,
		       const struct sk_cfg_def *const *tables,
		       struct sk_error *err);
void sk_config_free(struct sk_config *cfg);

/* Set one key from text, validating type and range. source names the layer
 * ("file foo.conf:3", "env", "--data-dir") for error messages. Unknown keys
 * are SK_ERR_CONFIG. */
sk_err_t sk_config_set(struct sk_config *cfg, const char *key,
		       const char *value, const char *source,
		       struct sk_error *err);
/* "key = value" lines, '#' comments, blank lines. */
sk_err_t sk_config_load_file(struct sk_config *cfg, const char *path,
			     struct sk_error *err);
/* Every key also works as SKRED_<KEY>, upper-cased, '.' -> '_'. */
sk_err_t sk_config_load_env(struct sk_config *cfg, struct sk_error *err);

/* Getters: the key must be defined (a programming error aborts). Strings are
 * borrowed from the config and may be NULL when unset. */
const char *sk_config_str(const struct sk_config *cfg, const char *key);
int64_t sk_config_int(const struct sk_config *cfg, const char *key);
bool sk_config_bool(const struct sk_config *cfg, const char *key);
/* Iterate over the keys set under a SK_CFG_PREFIX prefix, in the order they
 * were set: fn gets the name without the prefix and the (unredacted) value. */
void sk_config_each_prefixed(const struct sk_config *cfg, const char *prefix,
			     void (*fn)(const char *name, const char *value,
					void *ud),
			     void *ud);
/* Whether key (defined or under a prefix) is a secret (see
 * SK_CFG_SENSITIVE); false for unknown keys. */
bool sk_config_secret(const struct sk_config *cfg, const char *key);
/* The value of key as it may be shown anywhere (an API, a status page):
 * "" when unset or unknown, SK_REDACTED for a secret, otherwise the value
 * through sk_redact_text into buf (cap bytes; the result may be cut there).
 * Returns buf or a static string. */
const char *sk_config_shown(const struct sk_config *cfg, const char *key,
			    char *buf, size_t cap);
/* Iterate for display: calls fn for each key in table order, then the
 * pass-through keys, with the value as it may be shown: SK_REDACTED for a
 * non-empty secret (def->flags then has SK_CFG_SENSITIVE), otherwise
 * through sk_redact_text (URL userinfo masked). value is borrowed for the
 * call only. */
void sk_config_each(const struct sk_config *cfg,
		    void (*fn)(const struct sk_cfg_def *def, const char *value,
			       void *ud),
		    void *ud);

/* Keys every module may read: data_dir, log_level. */
extern const struct sk_cfg_def sk_core_cfg[];

#endif
