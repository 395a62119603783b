/*
 * cql.h - a small Cassandra client speaking CQL native protocol v4 over
 * TCP (optionally TLS), built on core only.
 *
 * What it does: a session over a list of contact points with failover and
 * reconnect; many requests in flight on one connection (stream ids);
 * STARTUP with optional PasswordAuthenticator (SASL PLAIN); QUERY, PREPARE
 * (cached by statement text), EXECUTE, BATCH; transparent re-prepare once on
 * "Unprepared"; pipelined asynchronous EXECUTE/BATCH with wait-for-all; a
 * row iterator that follows paging states; typed values for binding and for
 * decoded cells; server errors mapped to sk_err_t with a retriable flag.
 *
 * What it does not do: protocol v5 framing, compression, token-aware
 * routing, more than one connection per session, automatic retries (the
 * caller decides; "retriable" says when it may), or thread safety (one
 * session per thread).
 *
 * Keyspace: set sk_cql_session_opts.keyspace and every connection issues
 * `USE "<keyspace>"` right after the handshake (also after a reconnect), so
 * statements may use unqualified table names; fully qualified names always
 * work too. Do not send USE through sk_cql_session_query: a reconnect would
 * silently go back to the configured keyspace.
 *
 * Error mapping (struct sk_error filled once, message names the host and
 * the CQL error code; sk_cql_session_last_code gives the code):
 *   unavailable 0x1000, overloaded 0x1001, bootstrapping 0x1002,
 *   truncate 0x1003                          -> SK_ERR_STORE, retriable
 *   write timeout 0x1100, read timeout 0x1200 -> SK_ERR_TIMEOUT, retriable
 *   unprepared 0x2500 (after the one re-prepare) -> SK_ERR_STORE, retriable
 *   syntax 0x2000, invalid 0x2200            -> SK_ERR_INVAL, not retriable
 *   unauthorized 0x2100, config 0x2300,
 *   bad credentials 0x0100                   -> SK_ERR_CONFIG, not retriable
 *   server 0x0000, protocol 0x000A, read/write failure 0x1300/0x1500,
 *   function failure 0x1400, already exists 0x2400 -> SK_ERR_STORE, not
 *                                               retriable
 *   lost connection, no contact point reachable -> SK_ERR_NET, retriable
 *   request or connect timeout               -> SK_ERR_TIMEOUT, retriable
 *   malformed response                       -> SK_ERR_PARSE, not retriable
 *   response larger than frame_max           -> SK_ERR_LIMIT, not retriable
 *   bad argument (value does not fit a bind marker, ...) -> SK_ERR_INVAL
 */
#ifndef SK_CQL_H
#define SK_CQL_H

#include "core/core.h"

#include <string.h>

/* ------------------------------------------------------------------ limits */
#define SK_CQL_LIMIT_FRAME (16u * 1024 * 1024) /* default frame_max (body) */
#define SK_CQL_LIMIT_FRAME_HARD (256u * 1024 * 1024) /* protocol maximum */
#define SK_CQL_LIMIT_TYPE_DEPTH 16 /* nesting of type options */
#define SK_CQL_LIMIT_PREPARED 4096 /* cached statements per session */
#define SK_CQL_LIMIT_HOSTS 64      /* contact points per session */
#define SK_CQL_LIMIT_STREAMS 32768 /* requests in flight per connection */
#define SK_CQL_DEFAULT_PORT 9042

/* -------------------------------------------------------------- constants */

/* Consistency levels. SK_CQL_CL_DEFAULT (0, what a zeroed struct holds) is
 * the session's default; the others are 0x100 | the protocol code. */
enum sk_cql_consistency {
	SK_CQL_CL_DEFAULT = 0,
	SK_CQL_CL_ANY = 0x100,
	SK_CQL_CL_ONE = 0x101,
	SK_CQL_CL_TWO = 0x102,
	SK_CQL_CL_THREE = 0x103,
	SK_CQL_CL_QUORUM = 0x104,
	SK_CQL_CL_ALL = 0x105,
	SK_CQL_CL_LOCAL_QUORUM = 0x106,
	SK_CQL_CL_EACH_QUORUM = 0x107,
	SK_CQL_CL_SERIAL = 0x108,
	SK_CQL_CL_LOCAL_SERIAL = 0x109,
	SK_CQL_CL_LOCAL_ONE = 0x10A,
};

/* Name of a protocol consistency code (0..10, as found in server errors);
 * "UNKNOWN" otherwise. Never NULL. */
const char *sk_cql_consistency_name(unsigned wire_code);

/* Column types: the protocol's [option] ids. */
enum sk_cql_type_id {
	SK_CQL_TYPE_CUSTOM = 0x0000,
	SK_CQL_TYPE_ASCII = 0x0001,
	SK_CQL_TYPE_BIGINT = 0x0002,
	SK_CQL_TYPE_BLOB = 0x0003,
	SK_CQL_TYPE_BOOLEAN = 0x0004,
	SK_CQL_TYPE_COUNTER = 0x0005,
	SK_CQL_TYPE_DECIMAL = 0x0006,
	SK_CQL_TYPE_DOUBLE = 0x0007,
	SK_CQL_TYPE_FLOAT = 0x0008,
	SK_CQL_TYPE_INT = 0x0009,
	SK_CQL_TYPE_TIMESTAMP = 0x000B,
	SK_CQL_TYPE_UUID = 0x000C,
	SK_CQL_TYPE_VARCHAR = 0x000D,
	SK_CQL_TYPE_VARINT = 0x000E,
	SK_CQL_TYPE_TIMEUUID = 0x000F,
	SK_CQL_TYPE_INET = 0x0010,
	SK_CQL_TYPE_DATE = 0x0011,
	SK_CQL_TYPE_TIME = 0x0012,
	SK_CQL_TYPE_SMALLINT = 0x0013,
	SK_CQL_TYPE_TINYINT = 0x0014,
	SK_CQL_TYPE_LIST = 0x0020,
	SK_CQL_TYPE_MAP = 0x0021,
	SK_CQL_TYPE_SET = 0x0022,
	SK_CQL_TYPE_UDT = 0x0030,
	SK_CQL_TYPE_TUPLE = 0x0031,
	SK_CQL_TYPE_UNKNOWN = 0xFFFF, /* cells of a result without metadata */
};

/* CQL server error codes (ERROR message). */
enum sk_cql_error_code {
	SK_CQL_ERR_SERVER = 0x0000,
	SK_CQL_ERR_PROTOCOL = 0x000A,
	SK_CQL_ERR_BAD_CREDENTIALS = 0x0100,
	SK_CQL_ERR_UNAVAILABLE = 0x1000,
	SK_CQL_ERR_OVERLOADED = 0x1001,
	SK_CQL_ERR_BOOTSTRAPPING = 0x1002,
	SK_CQL_ERR_TRUNCATE = 0x1003,
	SK_CQL_ERR_WRITE_TIMEOUT = 0x1100,
	SK_CQL_ERR_READ_TIMEOUT = 0x1200,
	SK_CQL_ERR_READ_FAILURE = 0x1300,
	SK_CQL_ERR_FUNCTION_FAILURE = 0x1400,
	SK_CQL_ERR_WRITE_FAILURE = 0x1500,
	SK_CQL_ERR_SYNTAX = 0x2000,
	SK_CQL_ERR_UNAUTHORIZED = 0x2100,
	SK_CQL_ERR_INVALID = 0x2200,
	SK_CQL_ERR_CONFIG = 0x2300,
	SK_CQL_ERR_ALREADY_EXISTS = 0x2400,
	SK_CQL_ERR_UNPREPARED = 0x2500,
};

/* Short name of a server error code ("unavailable", ...); "unknown"
 * otherwise. Never NULL. */
const char *sk_cql_error_code_name(int32_t code);

/* ----------------------------------------------------------------- values */

/* What a value holds. A zeroed struct sk_cql_value is NULL. */
enum sk_cql_kind {
	SK_CQL_NULL = 0,  /* null (binds -1) */
	SK_CQL_UNSET,     /* "not set": leaves the column alone (binds -2) */
	SK_CQL_INT,       /* u.i32: int */
	SK_CQL_BIGINT,    /* u.i64: bigint, counter, time (ns since midnight) */
	SK_CQL_TEXT,      /* u.text: text/varchar/ascii */
	SK_CQL_BOOLEAN,   /* u.b */
	SK_CQL_DOUBLE,    /* u.f64 */
	SK_CQL_FLOAT,     /* u.f32 */
	SK_CQL_TIMESTAMP, /* u.i64: ms since the Unix epoch, UTC */
	SK_CQL_DATE,      /* u.date: days, 2^31 = 1970-01-01 */
	SK_CQL_SMALLINT,  /* u.i16 */
	SK_CQL_TINYINT,   /* u.i8 */
	SK_CQL_BLOB,      /* u.bytes */
	SK_CQL_UUID,      /* u.uuid: uuid or timeuuid */
	SK_CQL_LIST,      /* u.coll: n items */
	SK_CQL_SET,       /* u.coll: n items */
	SK_CQL_MAP,       /* u.coll: n pairs as 2n items key, value, ... */
	SK_CQL_RAW,       /* u.bytes: serialized as-is (types not decoded:
			   * custom, decimal, varint, inet, UDT, tuple, and
			   * any cell whose bytes do not fit its type) */
};

/*
 * A tagged value. For binding, pointers are borrowed from the caller for
 * the duration of the call (values are serialized before it returns), and
 * `type` is ignored. For decoded cells, everything is borrowed from the
 * result that holds it; `type` is the column's SK_CQL_TYPE_* (the element
 * type for collection items); text is NUL-terminated (len excludes it).
 */
struct sk_cql_value {
	enum sk_cql_kind kind;
	uint16_t type;
	union {
		bool b;
		int8_t i8;
		int16_t i16;
		int32_t i32;
		int64_t i64;
		uint32_t date;
		float f32;
		double f64;
		uint8_t uuid[16];
		struct {
			const char *p;
			size_t len;
		} text;
		struct {
			const uint8_t *p;
			size_t len;
		} bytes;
		struct {
			const struct sk_cql_value *items;
			size_t n; /* items (pairs for a map) */
		} coll;
	} u;
};

/* Days value of SK_CQL_DATE for 1970-01-01. */
#define SK_CQL_DATE_EPOCH 2147483648u

/* Constructors for binding (no allocation, nothing to free). */
static inline struct sk_cql_value sk_cql_value_null(void)
{
	return (struct sk_cql_value){.kind = SK_CQL_NULL};
}
static inline struct sk_cql_value sk_cql_value_unset(void)
{
	return (struct sk_cql_value){.kind = SK_CQL_UNSET};
}
static inline struct sk_cql_value sk_cql_value_int(int32_t v)
{
	return (struct sk_cql_value){.kind = SK_CQL_INT, .u.i32 = v};
}
static inline struct sk_cql_value sk_cql_value_bigint(int64_t v)
{
	return (struct sk_cql_value){.kind = SK_CQL_BIGINT, .u.i64 = v};
}
static inline struct sk_cql_value sk_cql_value_smallint(int16_t v)
{
	return (struct sk_cql_value){.kind = SK_CQL_SMALLINT, .u.i16 = v};
}
static inline struct sk_cql_value sk_cql_value_tinyint(int8_t v)
{
	return (struct sk_cql_value){.kind = SK_CQL_TINYINT, .u.i8 = v};
}
static inline struct sk_cql_value sk_cql_value_boolean(bool v)
{
	return (struct sk_cql_value){.kind = SK_CQL_BOOLEAN, .u.b = v};
}
static inline struct sk_cql_value sk_cql_value_double(double v)
{
	return (struct sk_cql_value){.kind = SK_CQL_DOUBLE, .u.f64 = v};
}
static inline struct sk_cql_value sk_cql_value_float(float v)
{
	return (struct sk_cql_value){.kind = SK_CQL_FLOAT, .u.f32 = v};
}
/* ms since the Unix epoch (UTC). */
static inline struct sk_cql_value sk_cql_value_timestamp(int64_t ms)
{
	return (struct sk_cql_value){.kind = SK_CQL_TIMESTAMP, .u.i64 = ms};
}
/* Days since 1970-01-01 (may be negative), as for sk_days_from_civil. */
static inline struct sk_cql_value sk_cql_value_date(int64_t days)
{
	return (struct sk_cql_value){.kind = SK_CQL_DATE,
				     .u.date = (uint32_t)(SK_CQL_DATE_EPOCH +
							  (uint64_t)days)};
}
/* NUL-terminated text; NULL s gives a NULL value. */
static inline struct sk_cql_value sk_cql_value_text(const char *s)
{
	if (!s)
		return sk_cql_value_null();
	return (struct sk_cql_value){.kind = SK_CQL_TEXT,
				     .u.text = {s, strlen(s)}};
}
static inline struct sk_cql_value sk_cql_value_textn(const char *s, size_t n)
{
	return (struct sk_cql_value){.kind = SK_CQL_TEXT, .u.text = {s, n}};
}
static inline struct sk_cql_value sk_cql_value_blob(const void *p, size_t n)
{
	return (struct sk_cql_value){.kind = SK_CQL_BLOB,
				     .u.bytes = {(const uint8_t *)p, n}};
}
static inline struct sk_cql_value sk_cql_value_uuid(const uint8_t u[16])
{
	struct sk_cql_value v = {.kind = SK_CQL_UUID};
	memcpy(v.u.uuid, u, 16);
	return v;
}
/* Collections: items borrowed; a map takes n pairs laid out k0,v0,k1,v1. */
static inline struct sk_cql_value
sk_cql_value_list(const struct sk_cql_value *items, size_t n)
{
	return (struct sk_cql_value){.kind = SK_CQL_LIST, .u.coll = {items, n}};
}
static inline struct sk_cql_value
sk_cql_value_set(const struct sk_cql_value *items, size_t n)
{
	return (struct sk_cql_value){.kind = SK_CQL_SET, .u.coll = {items, n}};
}
static inline struct sk_cql_value
sk_cql_value_map(const struct sk_cql_value *pairs, size_t n_pairs)
{
	return (struct sk_cql_value){.kind = SK_CQL_MAP,
				     .u.coll = {pairs, n_pairs}};
}

/* -------------------------------------------------------------- metadata */

/* A column type. sub has n_sub entries: list/set 1, map 2 (key, value),
 * tuple and UDT one per component. name: custom class name or UDT name,
 * NULL otherwise; keyspace and field_names only for UDTs. */
struct sk_cql_type {
	uint16_t id; /* enum sk_cql_type_id */
	uint16_t n_sub;
	const struct sk_cql_type *sub;
	const char *name;
	const char *keyspace;
	const char *const *field_names;
};

/* A column of a result, or a bind marker of a prepared statement. */
struct sk_cql_column {
	const char *keyspace; /* never NULL */
	const char *table;    /* never NULL */
	const char *name;     /* never NULL */
	struct sk_cql_type type;
};

#define SK_CQL_META_GLOBAL_SPEC 0x0001
#define SK_CQL_META_HAS_MORE_PAGES 0x0002
#define SK_CQL_META_NO_METADATA 0x0004

/* Rows metadata or prepared bind/result metadata. */
struct sk_cql_meta {
	int32_t flags; /* SK_CQL_META_* as received */
	int32_t n_columns;
	const struct sk_cql_column *columns; /* NULL with NO_METADATA */
	const uint8_t *paging_state;         /* NULL unless HAS_MORE_PAGES */
	size_t paging_state_len;
	int32_t n_pk; /* bind metadata only */
	const uint16_t *pk_index;
};

/* --------------------------------------------------------------- results */

enum sk_cql_result_kind {
	SK_CQL_RESULT_VOID = 1,
	SK_CQL_RESULT_ROWS = 2,
	SK_CQL_RESULT_SET_KEYSPACE = 3,
	SK_CQL_RESULT_PREPARED = 4,
	SK_CQL_RESULT_SCHEMA_CHANGE = 5,
};

struct sk_cql_arena; /* private */

/*
 * A decoded RESULT. Everything it points to is owned by it and lives until
 * sk_cql_result_free.
 */
struct sk_cql_result {
	enum sk_cql_result_kind kind;
	/* ROWS: the rows' metadata. PREPARED: the result metadata. */
	struct sk_cql_meta meta;
	/* ROWS: n_rows * meta.n_columns cells, row-major. */
	int32_t n_rows;
	const struct sk_cql_value *cells;
	/* SET_KEYSPACE: the keyspace; SCHEMA_CHANGE: the affected keyspace. */
	const char *keyspace;
	/* PREPARED: the statement id and its bind markers. */
	const uint8_t *prepared_id;
	size_t prepared_id_len;
	struct sk_cql_meta bind;
	/* SCHEMA_CHANGE: "CREATED"/"UPDATED"/"DROPPED", "KEYSPACE"/"TABLE"/
	 * "TYPE"/"FUNCTION"/"AGGREGATE", the object name (NULL for a
	 * keyspace) and, for functions and aggregates, the argument types. */
	const char *change_type;
	const char *target;
	const char *name;
	const char *const *arg_types;
	size_t n_arg_types;
	/* Server warnings that came with the response. */
	const char *const *warnings;
	size_t n_warnings;
	struct sk_cql_arena *arena_; /* private */
};

/* Cell (row, col) of a ROWS result; NULL when out of range. Borrowed. */
const struct sk_cql_value *sk_cql_result_cell(const struct sk_cql_result *res,
					      int32_t row, int32_t col);
/* Index of the column named name, or -1. */
int32_t sk_cql_result_column(const struct sk_cql_result *res, const char *name);
/* Accepts NULL. */
void sk_cql_result_free(struct sk_cql_result *res);

/* --------------------------------------------------------- server errors */

/* The decoded ERROR message of the last failed call. */
struct sk_cql_server_error {
	int32_t code;        /* enum sk_cql_error_code */
	const char *message; /* never NULL */
	/* unavailable, read/write timeout, read/write failure: */
	uint16_t consistency;    /* protocol code; sk_cql_consistency_name */
	int32_t required, alive; /* unavailable */
	int32_t received, blockfor, numfailures; /* timeouts, failures */
	bool data_present;                       /* read timeout/failure */
	const char *write_type; /* write timeout/failure, else NULL */
	/* already exists: keyspace and table ("" for a keyspace);
	 * function failure: keyspace, function and argument types. */
	const char *keyspace;
	const char *table;
	const char *function;
	const char *const *arg_types;
	size_t n_arg_types;
	const uint8_t *unprepared_id; /* unprepared */
	size_t unprepared_id_len;
};

/* --------------------------------------------------------------- session */

struct sk_cql_session_opts {
	/* "host[:port],host[:port],..." ("[v6addr]:port" for IPv6 literals),
	 * default port 9042. Tried in order; the first that completes the
	 * handshake is used until its connection is lost. */
	const char *contact_points;
	const char *username;   /* NULL: no authentication offered */
	const char *password;   /* never logged, never put in messages */
	const char *keyspace;   /* NULL: none; else USE on every connection */
	int connect_timeout_ms; /* TCP + TLS + handshake; 0 = 5000 */
	int request_timeout_ms; /* per request; 0 = 12000 */
	uint32_t frame_max;     /* frame body cap, both ways; 0 = 16 MiB */
	unsigned max_in_flight; /* stream ids per connection; 0 = 1024 */
	enum sk_cql_consistency consistency; /* DEFAULT = LOCAL_QUORUM */
	/* TLS (only when built with SKRED_HAVE_OPENSSL; otherwise tls=true
	 * fails with SK_ERR_CONFIG). The server name is verified against the
	 * contact point's host unless tls_no_verify. */
	bool tls;
	bool tls_no_verify;
	const char *tls_ca_file; /* NULL: system default paths */
};

struct sk_cql_session;
struct sk_cql_prepared; /* a cached prepared statement, owned by the
			 * session, valid until sk_cql_session_close */

/*
 * Open a session and connect to the first reachable contact point (so a
 * wrong address, bad credentials or a missing keyspace show up here).
 * opts is copied. *out is owned by the caller (sk_cql_session_close).
 * Returns SK_OK; SK_ERR_INVAL/SK_ERR_CONFIG for bad options or credentials;
 * SK_ERR_NET/SK_ERR_TIMEOUT (retriable) when no contact point answered.
 */
sk_err_t sk_cql_session_open(struct sk_cql_session **out,
			     const struct sk_cql_session_opts *opts,
			     struct sk_error *err);

/* Close the connection and free everything, including cached prepared
 * statements and requests still in flight (their results are dropped).
 * Accepts NULL. */
void sk_cql_session_close(struct sk_cql_session *s);

/* Query parameters. A zeroed struct (or a NULL pointer) means: session
 * consistency, no values, no paging. Everything is borrowed for the call. */
struct sk_cql_params {
	enum sk_cql_consistency consistency;        /* DEFAULT: session's */
	enum sk_cql_consistency serial_consistency; /* DEFAULT: not sent */
	const struct sk_cql_value *values;          /* positional */
	size_t n_values;
	int32_t page_size;           /* > 0: ask for pages of this size */
	const uint8_t *paging_state; /* NULL: from the start */
	size_t paging_state_len;
	int64_t timestamp_us; /* > 0: default timestamp (µs) */
	bool skip_metadata;   /* Rows without metadata: cells come
					* back as SK_CQL_RAW */
};

/*
 * Run one CQL statement (QUERY). On SK_OK *out (if out is not NULL) is the
 * result, owned by the caller (sk_cql_result_free); with out NULL the
 * result is dropped. On failure *out is NULL and err says why (see the
 * mapping at the top). A lost connection is reconnected on the next call.
 */
sk_err_t sk_cql_session_query(struct sk_cql_session *s, const char *cql,
			      const struct sk_cql_params *p,
			      struct sk_cql_result **out, struct sk_error *err);

/*
 * Prepare cql, or return the cached statement for the same text. *out is
 * borrowed from the session (valid until sk_cql_session_close); the cache
 * holds at most SK_CQL_LIMIT_PREPARED statements (SK_ERR_LIMIT beyond).
 */
sk_err_t sk_cql_session_prepare(struct sk_cql_session *s, const char *cql,
				const struct sk_cql_prepared **out,
				struct sk_error *err);

/* Bind markers of a prepared statement (borrowed, never NULL) and its
 * statement text. */
const struct sk_cql_meta *
sk_cql_prepared_bind(const struct sk_cql_prepared *ps);
const char *sk_cql_prepared_cql(const struct sk_cql_prepared *ps);

/*
 * EXECUTE a prepared statement. The values are checked against the bind
 * markers first (count and kind; SK_ERR_INVAL naming the marker). On
 * "Unprepared" the statement is prepared again and the request sent once
 * more. Result and errors as for sk_cql_session_query.
 */
sk_err_t sk_cql_session_execute(struct sk_cql_session *s,
				const struct sk_cql_prepared *ps,
				const struct sk_cql_params *p,
				struct sk_cql_result **out,
				struct sk_error *err);

enum sk_cql_batch_type {
	SK_CQL_BATCH_LOGGED = 0,
	SK_CQL_BATCH_UNLOGGED = 1,
	SK_CQL_BATCH_COUNTER = 2,
};

/* One statement of a batch: a prepared statement, or (prepared NULL) the
 * text cql sent as is. Values borrowed for the call. */
struct sk_cql_batch_item {
	const struct sk_cql_prepared *prepared;
	const char *cql;
	const struct sk_cql_value *values;
	size_t n_values;
};

struct sk_cql_batch {
	enum sk_cql_batch_type type;
	const struct sk_cql_batch_item *items; /* 1..65535 */
	size_t n_items;
	enum sk_cql_consistency consistency;        /* DEFAULT: session's */
	enum sk_cql_consistency serial_consistency; /* DEFAULT: not sent */
	int64_t timestamp_us;                       /* > 0: sent */
};

/* Run a BATCH synchronously (re-prepared once on "Unprepared"). */
sk_err_t sk_cql_session_batch(struct sk_cql_session *s,
			      const struct sk_cql_batch *b,
			      struct sk_error *err);

/*
 * Pipelined asynchronous writes. submit serializes the request (so values
 * may be freed as soon as it returns), sends it on the session's
 * connection without waiting for the answer and sets *ticket (if not NULL)
 * to a number identifying it (increasing from 1). When max_in_flight
 * requests are outstanding, submit first waits for one of them. Results
 * are dropped; failures are remembered until sk_cql_session_wait_all.
 * submit itself fails only when the request cannot be sent (bad values,
 * no contact point reachable, ...); the request then does not count.
 */
sk_err_t sk_cql_session_submit_execute(struct sk_cql_session *s,
				       const struct sk_cql_prepared *ps,
				       const struct sk_cql_params *p,
				       uint64_t *ticket, struct sk_error *err);
sk_err_t sk_cql_session_submit_batch(struct sk_cql_session *s,
				     const struct sk_cql_batch *b,
				     uint64_t *ticket, struct sk_error *err);

/* What wait_all found. */
struct sk_cql_wait_report {
	size_t n_ok;
	size_t n_failed;
	uint64_t first_failed_ticket; /* 0 if none */
};

/*
 * Wait for every submitted request to complete (each bounded by the
 * request timeout). Returns SK_OK if all succeeded; otherwise the first
 * failure (in order of completion) with err filled as for a synchronous
 * call. rep (may be NULL) gets the counts. Afterwards nothing is pending and
 * the counts start again from zero.
 */
sk_err_t sk_cql_session_wait_all(struct sk_cql_session *s,
				 struct sk_cql_wait_report *rep,
				 struct sk_error *err);

/* Code of the last CQL server error a call on this session failed with, or
 * -1 when the last failed call did not fail with a server ERROR (or nothing
 * has failed yet). */
int32_t sk_cql_session_last_code(const struct sk_cql_session *s);
/* That error in full, or NULL; borrowed until the next call that fails. */
const struct sk_cql_server_error *
sk_cql_session_last_error(const struct sk_cql_session *s);
/* "host:port" of the current connection, or NULL when not connected. */
const char *sk_cql_session_host(const struct sk_cql_session *s);

/* ------------------------------------------------------------------ rows */

struct sk_cql_rows;

/*
 * A row iterator over a SELECT that fetches pages transparently: the
 * first page is fetched here (so errors show here), the next ones by
 * sk_cql_rows_next when the current one is used up. p->page_size sets the
 * page size (0 = 5000); p->paging_state is ignored. prepared may be NULL,
 * then cql is sent as a QUERY; otherwise cql is ignored. p and the values
 * it points to are BORROWED until sk_cql_rows_close (pages are fetched
 * later). *out is owned by the caller.
 */
sk_err_t sk_cql_rows_open(struct sk_cql_rows **out, struct sk_cql_session *s,
			  const char *cql, const struct sk_cql_prepared *ps,
			  const struct sk_cql_params *p, struct sk_error *err);

/*
 * Next row: *row points at meta->n_columns cells, borrowed until the next
 * call or close; *row is NULL at the end. A failed page fetch returns its
 * error and keeps the position, so calling again retries that page.
 */
sk_err_t sk_cql_rows_next(struct sk_cql_rows *it,
			  const struct sk_cql_value **row,
			  struct sk_error *err);

/* Column metadata of the current page (borrowed until the next
 * sk_cql_rows_next or close; never NULL). */
const struct sk_cql_meta *sk_cql_rows_meta(const struct sk_cql_rows *it);
/* Pages fetched so far. */
unsigned sk_cql_rows_pages(const struct sk_cql_rows *it);
/* Accepts NULL. */
void sk_cql_rows_close(struct sk_cql_rows *it);

#endif
