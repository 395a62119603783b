/*
 * config.h - layered configuration over declarative per-module tables
 * (src/core/config.c): defaults, a file, SKRED_* environment, the command
 * line.
 */
#ifndef SK_CORE_CONFIG_H
#define SK_CORE_CONFIG_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The type of a key and of the struct field it is bound to:
 *   SK_CFG_STR   const char *  borrowed from the config, NULL when unset
 *   SK_CFG_INT   int64_t       within [min, max]
 *   SK_CFG_BOOL  bool          1/true/yes/on, 0/false/no/off
 *   SK_CFG_ENUM  int           index into the row's values (NULL-ended)
 */
enum sk_cfg_type {
	SK_CFG_STR,
	SK_CFG_INT,
	SK_CFG_BOOL,
	SK_CFG_ENUM
};

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
/* SK_CFG_ENUM: the value may be given in any case (it is kept as the
 * table spells it). */
#define SK_CFG_NOCASE 0x8u

/* One row of a module's configuration table (the librdkafka/nginx/Fluent
 * Bit pattern: a row per key, bound by offset to a field of the module's
 * own struct, which the config fills as each layer is set, so every value
 * a module reads has been parsed and checked at load). */
struct sk_cfg_def {
	const char *key; /* "fetch.concurrency" */
	enum sk_cfg_type type;
	const char *def;  /* default as text, NULL = unset */
	int64_t min, max; /* for SK_CFG_INT */
	unsigned flags;
	const char *doc; /* one line */
	size_t offset;   /* offsetof the field (see sk_cfg_type); in the
			     * terminating row: sizeof the struct, 0 = the
			     * table binds no struct */
	const char *const *values; /* SK_CFG_ENUM: the allowed names */
};

/* The row that ends a table whose rows bind fields of struct type T. */
#define SK_CFG_END(T)                                                          \
	{                                                                      \
		NULL, 0, NULL, 0, 0, 0, NULL, sizeof(T), NULL                  \
	}

struct sk_config;

/* Create a configuration over NULL-terminated arrays of tables (each table
 * ends with a row whose key is NULL, SK_CFG_END for a bound table). The
 * defaults are applied and each bound table's struct is allocated and
 * filled; a bad default is SK_ERR_CONFIG (a programming error). */
sk_err_t sk_config_new(struct sk_config **out,
		       const struct sk_cfg_def *const *tables,
		       struct sk_error *err);
void sk_config_free(struct sk_config *cfg);

/* Set one key from text, validating type, range and allowed values, and
 * update its bound field. source names the layer ("file foo.conf:3",
 * "env", "--data-dir") for error messages. A bad value is SK_ERR_CONFIG
 * naming the key, the value and the bounds or the allowed set (the value
 * unchanged); an unknown key is SK_ERR_CONFIG with the nearest defined key
 * ("did you mean ..."). */
sk_err_t sk_config_set(struct sk_config *cfg, const char *key,
		       const char *value, const char *source,
		       struct sk_error *err);
/* "key = value" lines, '#' comments, blank lines. A directory is
 * SK_ERR_CONFIG (not an empty file). Stops at the first error. */
sk_err_t sk_config_load_file(struct sk_config *cfg, const char *path,
			     struct sk_error *err);
/* As sk_config_load_file, but goes on after a bad line: fn (may be NULL)
 * gets each error. Returns the number of errors (0: the file is good). */
size_t sk_config_check_file(struct sk_config *cfg, const char *path,
			    void (*fn)(const struct sk_error *e, void *ud),
			    void *ud);
/* Every key also works as SKRED_<KEY>, upper-cased, '.' -> '_'. */
sk_err_t sk_config_load_env(struct sk_config *cfg, struct sk_error *err);
/* SKRED_* variables in the environment that name no key (nor a key under
 * a SK_CFG_PREFIX row) and are not in not_keys (NULL-terminated names; a
 * name ending in '_' covers every variable starting with it): fn gets a
 * message naming each, with the nearest key's variable ("did you mean
 * SKRED_FETCH_CONCURRENCY?"). Returns how many. */
size_t sk_config_env_unknown(const struct sk_config *cfg,
			     const char *const *not_keys,
			     void (*fn)(const char *msg, void *ud), void *ud);

/* The struct a bound table's rows fill (table is the table's first row, as
 * passed to sk_config_new): borrowed from cfg, valid until it is freed;
 * its strings too. A table not in cfg, or one that binds no struct, is a
 * programming error (aborts). Each module wraps this in its typed
 * sk_<module>_conf(cfg). */
const void *sk_config_struct(const struct sk_config *cfg,
			     const struct sk_cfg_def *table);
/* The name of an SK_CFG_ENUM row's value index, "" when out of range. */
const char *sk_cfg_enum_name(const struct sk_cfg_def *def, int index);
/* The key defined in cfg nearest to key by edit distance, if it is near
 * enough to be a likely typo; NULL otherwise. Borrowed from the tables. */
const char *sk_config_nearest(const struct sk_config *cfg, const char *key);

/* Getters by name, for generic code (display, reload, tests); a module reads
 * its own struct instead. The key must be defined (a programming error
 * aborts). Strings are borrowed from the config and may be NULL when unset;
 * sk_config_str of an SK_CFG_ENUM row gives its name. */
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
struct sk_core_conf {
	const char *data_dir;
	int log_level; /* enum sk_log_level: error, warn, info, debug */
};
extern const struct sk_cfg_def sk_core_cfg[];
const struct sk_core_conf *sk_core_conf(const struct sk_config *cfg);

#endif
