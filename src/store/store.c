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
	&sk_store_cassandra,
	NULL,
};

const struct sk_cfg_def sk_store_cfg[] = {
	{"store", SK_CFG_STR, "sqlite", 0, 0, 0,
	 "warehouse backend: sqlite (<data_dir>/warehouse.db) or cassandra"},
	{"cassandra.hosts", SK_CFG_STR, "127.0.0.1:9042", 0, 0, 0,
	 "contact points host[:port],... tried in order (env "
	 "SKRED_CASSANDRA_HOSTS)"},
	{"cassandra.username", SK_CFG_STR, "", 0, 0, 0,
	 "login (PasswordAuthenticator); empty: no authentication"},
	{"cassandra.password", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE,
	 "password (never logged)"},
	{"cassandra.keyspace", SK_CFG_STR, "skred", 0, 0, 0,
	 "keyspace, created if missing"},
	{"cassandra.replication", SK_CFG_STR,
	 "{'class': 'SimpleStrategy', 'replication_factor': 1}", 0, 0, 0,
	 "replication of a keyspace skred creates (a CQL map)"},
	{"cassandra.consistency", SK_CFG_STR, "LOCAL_QUORUM", 0, 0, 0,
	 "consistency of reads and writes"},
	{"cassandra.connect_timeout_ms", SK_CFG_INT, "5000", 100, 600000, 0,
	 "connect + handshake timeout per contact point"},
	{"cassandra.request_timeout_ms", SK_CFG_INT, "12000", 100, 600000, 0,
	 "per request"},
	{"cassandra.max_in_flight", SK_CFG_INT, "256", 1, 32768, 0,
	 "pipelined requests in flight on the connection"},
	{"cassandra.tls", SK_CFG_BOOL, "false", 0, 0, 0, "connect with TLS"},
	{"cassandra.tls_ca_file", SK_CFG_STR, "", 0, 0, 0,
	 "CA bundle for TLS (empty: system default)"},
	{NULL, 0, NULL, 0, 0, 0, NULL},
};

/* NULL when name is NULL or no backend has that name. */
const struct sk_store_type *sk_store_type_find(const char *name)
{
	return sk_registry_find(SK_REGISTRY(store_types), name);
}

/* Opens the backend named by "store". An unknown name is SK_ERR_CONFIG
 * listing the known ones; otherwise whatever the backend's open returns.
 * On success *out is owned by the caller (sk_store_close). */
sk_err_t sk_store_open(struct sk_store **out, const struct sk_config *cfg,
		       struct sk_error *err)
{
	*out = NULL;
	const void *type;
	if (sk_registry_lookup(SK_REGISTRY(store_types), "store",
			       sk_config_str(cfg, "store"), &type,
			       err) != SK_OK)
		return err->code;
	return ((const struct sk_store_type *)type)->open(out, cfg, err);
}
