/*
 * registry.c - finding a named backend in a module's table (registry.h).
 */
#include "core/registry.h"

#include <stdio.h>
#include <string.h>

/* Every type struct starts with its name: a pointer to the struct is a
 * pointer to that first member (C11 6.7.2.1). */
static const char *entry_name(const void *entry)
{
	return *(const char *const *)entry;
}

const void *sk_registry_find(const void *const *table, const char *name)
{
	for (size_t i = 0; name && table[i]; i++)
		if (strcmp(entry_name(table[i]), name) == 0)
			return table[i];
	return NULL;
}

sk_err_t sk_registry_lookup(const void *const *table, const char *what,
			    const char *name, const void **out,
			    struct sk_error *err)
{
	if ((*out = sk_registry_find(table, name)))
		return SK_OK;
	char known[256] = "";
	size_t used = 0;
	for (size_t i = 0; table[i] && used < sizeof known; i++) {
		int n = snprintf(known + used, sizeof known - used, "%s%s",
				 i ? ", " : "", entry_name(table[i]));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return sk_error_set(err, SK_ERR_CONFIG, false,
			    "%s: unknown backend '%s' (this skred has: %s)",
			    what, name ? name : "(unset)", known);
}
