/*
 * store_int.h - internals shared by the store registry and its backends:
 * the one exported symbol of each backend.
 * Not for use outside src/store/.
 */
#ifndef SK_STORE_INT_H
#define SK_STORE_INT_H

#include "store/store.h"

/* The embedded warehouse: <data_dir>/warehouse.db (src/store/sqlite.c). */
extern const struct sk_store_type sk_store_sqlite;
extern const struct sk_store_type sk_store_cassandra;

#endif
