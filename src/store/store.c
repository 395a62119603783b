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

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct sk_store_type *const store_types[] = {
	&sk_store_sqlite,
	&sk_store_cassandra,
	NULL,
};

const char *const sk_store_backends[] = {"sqlite", "cassandra", NULL};
const char *const sk_store_consistencies[] = {
	"ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM",
	"LOCAL_ONE", NULL,
};

const struct sk_cfg_def sk_store_cfg[] = {
	{"store", SK_CFG_ENUM, "sqlite", 0, 0, 0,
	 "warehouse backend: sqlite (<data_dir>/warehouse.db) or cassandra",
	 offsetof(struct sk_store_conf, backend), sk_store_backends},
	{"cassandra.hosts", SK_CFG_STR, "127.0.0.1:9042", 0, 0, 0,
	 "contact points host[:port],... tried in order (env "
	 "SKRED_CASSANDRA_HOSTS)",
	 offsetof(struct sk_store_conf, cassandra_hosts), NULL},
	{"cassandra.username", SK_CFG_STR, "", 0, 0, 0,
	 "login (PasswordAuthenticator); empty: no authentication",
	 offsetof(struct sk_store_conf, cassandra_username), NULL},
	{"cassandra.password", SK_CFG_STR, "", 0, 0, SK_CFG_SENSITIVE,
	 "password (never logged)",
	 offsetof(struct sk_store_conf, cassandra_password), NULL},
	{"cassandra.keyspace", SK_CFG_STR, "skred", 0, 0, 0,
	 "keyspace, created if missing",
	 offsetof(struct sk_store_conf, cassandra_keyspace), NULL},
	{"cassandra.replication", SK_CFG_STR,
	 "{'class': 'SimpleStrategy', 'replication_factor': 1}", 0, 0, 0,
	 "replication of a keyspace skred creates (a CQL map)",
	 offsetof(struct sk_store_conf, cassandra_replication), NULL},
	{"cassandra.consistency", SK_CFG_ENUM, "LOCAL_QUORUM", 0, 0,
	 SK_CFG_NOCASE,
	 "consistency of reads and writes",
	 offsetof(struct sk_store_conf, cassandra_consistency), sk_store_consistencies},
	{"cassandra.connect_timeout_ms", SK_CFG_INT, "5000", 100, 600000, 0,
	 "connect + handshake timeout per contact point",
	 offsetof(struct sk_store_conf, cassandra_connect_timeout_ms), NULL},
	{"cassandra.request_timeout_ms", SK_CFG_INT, "12000", 100, 600000, 0,
	 "per request",
	 offsetof(struct sk_store_conf, cassandra_request_timeout_ms), NULL},
	{"cassandra.max_in_flight", SK_CFG_INT, "256", 1, 32768, 0,
	 "pipelined requests in flight on the connection",
	 offsetof(struct sk_store_conf, cassandra_max_in_flight), NULL},
	{"cassandra.tls", SK_CFG_BOOL, "false", 0, 0, 0, "connect with TLS",
	 offsetof(struct sk_store_conf, cassandra_tls), NULL},
	{"cassandra.tls_ca_file", SK_CFG_STR, "", 0, 0, 0,
	 "CA bundle for TLS (empty: system default)",
	 offsetof(struct sk_store_conf, cassandra_tls_ca_file), NULL},
	SK_CFG_END(struct sk_store_conf),
};

const struct sk_store_conf *sk_store_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_store_cfg);
}

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
			       sk_store_backends[sk_store_conf(cfg)->backend],
			       &type, err) != SK_OK)
		return err->code;
	return ((const struct sk_store_type *)type)->open(out, cfg, err);
}
