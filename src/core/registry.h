/*
 * registry.h - the one way a module finds a pluggable part by name
 * (STYLE.md convention 6): a NULL-terminated table of pointers to the
 * backends' `const struct sk_<x>_type`, each of which starts with
 * `const char *name`. Used by the bus, the store and the run ledger.
 *
 * It holds no table itself and allocates nothing: the table is the
 * module's (static const in bus.c, store.c, ledger.c), so a backend still
 * exports exactly one symbol, its type.
 */
#ifndef SK_CORE_REGISTRY_H
#define SK_CORE_REGISTRY_H

#include "core/error.h"

#include <stddef.h>

/* A module's table as the registry sees it: (const void *const *). */
#define SK_REGISTRY(table) ((const void *const *)(table))

/* The entry whose name is name, or NULL (also for a NULL name). */
const void *sk_registry_find(const void *const *table, const char *name);

/* The entry named name (*out), or SK_ERR_CONFIG:
 * "<what>: unknown backend '<name>' (this skred has: a, b)". */
sk_err_t sk_registry_lookup(const void *const *table, const char *what,
			    const char *name, const void **out,
			    struct sk_error *err);

#endif
