/*
 * store.c - the warehouse registry: finds a backend by name and opens the
 * one named by config key "store". Also the store module's configuration
 * table.
 *
 * Knows no backend internals; each backend is one `const struct
 * sk_store_type` declared in store_int.h.
 */
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

static const struct sk_store_type *const store_types[] = {
	&sk_store_sqlite,
	NULL,
};

const struct sk_cfg_def sk_store_cfg[] = {
	{"store", SK_CFG_STR, "sqlite", 0, 0, 0,
	 "warehouse backend: sqlite (cassandra comes later)"},
	{NULL, 0, NULL, 0, 0, 0, NULL},
};

/* NULL when name is NULL or no backend has that name. */
const struct sk_store_type *sk_store_type_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; store_types[i]; i++)
		if (strcmp(store_types[i]->name, name) == 0)
			return store_types[i];
	return NULL;
}

/* Opens the backend named by "store". An unknown name is SK_ERR_CONFIG
 * listing the known ones; otherwise whatever the backend's open returns.
 * On success *out is owned by the caller (sk_store_close). */
sk_err_t sk_store_open(struct sk_store **out, const struct sk_config *cfg,
		       struct sk_error *err)
{
	*out = NULL;
	const char *name = sk_config_str(cfg, "store");
	const struct sk_store_type *type = sk_store_type_find(name);
	if (!type) {
		char known[128] = "";
		size_t used = 0;
		for (size_t i = 0; store_types[i] && used < sizeof known; i++) {
			int n = snprintf(known + used, sizeof known - used,
					 "%s%s", i ? ", " : "",
					 store_types[i]->name);
			if (n < 0)
				break;
			used += (size_t)n;
		}
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "store: unknown backend '%s' (known: %s)",
				    name ? name : "(unset)", known);
	}
	return type->open(out, cfg, err);
}
