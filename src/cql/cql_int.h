/*
 * cql_int.h - internals of the CQL client shared by its files and its
 * tests: the arena that owns decoded messages, the bounded reader and the
 * sticky-error writer for the protocol's notations, the frame codec (no
 * I/O), value (de)serialization, and the connection (stream ids, I/O).
 *
 * Not for use outside src/cql/ and its tests.
 */
#ifndef SK_CQL_INT_H
#define SK_CQL_INT_H

#include "cql/cql.h"

/* ------------------------------------------------------------- protocol */
#define SK_CQL_VERSION_REQ 0x04
#define SK_CQL_VERSION_RESP 0x84
#define SK_CQL_HEADER_LEN 9

#define SK_CQL_FLAG_COMPRESSION 0x01
#define SK_CQL_FLAG_TRACING 0x02
#define SK_CQL_FLAG_CUSTOM_PAYLOAD 0x04
#define SK_CQL_FLAG_WARNING 0x08

enum sk_cql_opcode {
	SK_CQL_OP_ERROR = 0x00,
	SK_CQL_OP_STARTUP = 0x01,
	SK_CQL_OP_READY = 0x02,
	SK_CQL_OP_AUTHENTICATE = 0x03,
	SK_CQL_OP_OPTIONS = 0x05,
	SK_CQL_OP_SUPPORTED = 0x06,
	SK_CQL_OP_QUERY = 0x07,
	SK_CQL_OP_RESULT = 0x08,
	SK_CQL_OP_PREPARE = 0x09,
	SK_CQL_OP_EXECUTE = 0x0A,
	SK_CQL_OP_REGISTER = 0x0B,
	SK_CQL_OP_EVENT = 0x0C,
	SK_CQL_OP_BATCH = 0x0D,
	SK_CQL_OP_AUTH_CHALLENGE = 0x0E,
	SK_CQL_OP_AUTH_RESPONSE = 0x0F,
	SK_CQL_OP_AUTH_SUCCESS = 0x10,
};

/* Name of an opcode ("RESULT"), "UNKNOWN" otherwise. */
const char *sk_cql_opcode_name(unsigned op);

/* Query parameter flags (QUERY, EXECUTE; BATCH uses 0x10 and 0x20). */
#define SK_CQL_QF_VALUES 0x01
#define SK_CQL_QF_SKIP_METADATA 0x02
#define SK_CQL_QF_PAGE_SIZE 0x04
#define SK_CQL_QF_PAGING_STATE 0x08
#define SK_CQL_QF_SERIAL_CONSISTENCY 0x10
#define SK_CQL_QF_DEFAULT_TIMESTAMP 0x20

/* Big-endian loads and stores. */
static inline uint16_t sk_cql_load16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t sk_cql_load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t sk_cql_load64(const uint8_t *p)
{
	return (uint64_t)sk_cql_load32(p) << 32 | sk_cql_load32(p + 4);
}
static inline void sk_cql_store16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void sk_cql_store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void sk_cql_store64(uint8_t *p, uint64_t v)
{
	sk_cql_store32(p, (uint32_t)(v >> 32));
	sk_cql_store32(p + 4, (uint32_t)v);
}

/* ---------------------------------------------------------------- arena */

/*
 * Bump allocator owning everything decoded from one message. Allocations
 * are aligned for any type and never freed one by one; the whole arena
 * goes at once. The total is capped (SK_ERR_LIMIT beyond).
 */
struct sk_cql_arena;

/* NULL on allocation failure. cap: total bytes allowed (0 = unlimited). */
struct sk_cql_arena *sk_cql_arena_new(size_t cap);
/* NULL when the cap would be exceeded or malloc fails; *rc says which. */
void *sk_cql_arena_alloc(struct sk_cql_arena *a, size_t n, sk_err_t *rc);
/* Copy n bytes and add a NUL; NULL as for alloc. */
char *sk_cql_arena_strndup(struct sk_cql_arena *a, const void *p, size_t n,
			   sk_err_t *rc);
/* Take ownership of a malloc'd block (freed with the arena). On failure
 * the block is freed right away and SK_ERR_NOMEM returned. */
sk_err_t sk_cql_arena_adopt(struct sk_cql_arena *a, void *block);
/* Accepts NULL. */
void sk_cql_arena_free(struct sk_cql_arena *a);

/* --------------------------------------------------------------- reader */

/*
 * A cursor over a bounded buffer. Every read checks the remaining length;
 * the first failure sticks (later reads fail too) and records what was
 * being read and where, for one error message at the end.
 */
struct sk_cql_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
	const char *fail_what; /* NULL while no read failed */
	size_t fail_pos;
};

void sk_cql_reader_init(struct sk_cql_reader *r, const void *p, size_t len);
static inline size_t sk_cql_reader_left(const struct sk_cql_reader *r)
{
	return r->len - r->pos;
}
/* Mark a failure found by the caller (a bad value); returns false. */
bool sk_cql_reader_fail(struct sk_cql_reader *r, const char *what);
/* Fill err (SK_ERR_PARSE) from the recorded failure; "ctx: what at
 * offset N". */
sk_err_t sk_cql_reader_error(const struct sk_cql_reader *r, const char *ctx,
			     struct sk_error *err);

/* Each returns true on success, false (and the reader failed) otherwise. */
bool sk_cql_read_byte(struct sk_cql_reader *r, uint8_t *v);
bool sk_cql_read_short(struct sk_cql_reader *r, uint16_t *v);
bool sk_cql_read_int(struct sk_cql_reader *r, int32_t *v);
bool sk_cql_read_long(struct sk_cql_reader *r, int64_t *v);
bool sk_cql_read_uuid(struct sk_cql_reader *r, uint8_t v[16]);
bool sk_cql_read_consistency(struct sk_cql_reader *r, uint16_t *v);
/* Raw n bytes, borrowed from the buffer. */
bool sk_cql_read_raw(struct sk_cql_reader *r, size_t n, const uint8_t **p);
/* [string] / [long string], borrowed, not NUL-terminated. A negative long
 * string length fails. */
bool sk_cql_read_string(struct sk_cql_reader *r, const char **s, size_t *n);
bool sk_cql_read_long_string(struct sk_cql_reader *r, const char **s,
			     size_t *n);
/* The same, copied NUL-terminated into the arena. */
bool sk_cql_read_string_dup(struct sk_cql_reader *r, struct sk_cql_arena *a,
			    const char **s);
/* [bytes]: *p NULL for null (any negative length). Borrowed. */
bool sk_cql_read_bytes(struct sk_cql_reader *r, const uint8_t **p, int32_t *n);
/* [short bytes], borrowed. */
bool sk_cql_read_short_bytes(struct sk_cql_reader *r, const uint8_t **p,
			     size_t *n);
/* [value]: *n is -1 for null, -2 for not set; below -2 fails. */
bool sk_cql_read_value(struct sk_cql_reader *r, const uint8_t **p, int32_t *n);
/* [string list] into the arena: *list has *n NUL-terminated strings. */
bool sk_cql_read_string_list(struct sk_cql_reader *r, struct sk_cql_arena *a,
			     const char *const **list, size_t *n);

struct sk_cql_string_pair {
	const char *key;
	const char *value;
};
/* [string map] into the arena. */
bool sk_cql_read_string_map(struct sk_cql_reader *r, struct sk_cql_arena *a,
			    const struct sk_cql_string_pair **map, size_t *n);

struct sk_cql_multimap_entry {
	const char *key;
	const char *const *values;
	size_t n_values;
};
/* [string multimap] into the arena. */
bool sk_cql_read_string_multimap(struct sk_cql_reader *r,
				 struct sk_cql_arena *a,
				 const struct sk_cql_multimap_entry **mm,
				 size_t *n);

struct sk_cql_inet {
	uint8_t len; /* 4 or 16 */
	uint8_t addr[16];
	int32_t port;
};
bool sk_cql_read_inet(struct sk_cql_reader *r, struct sk_cql_inet *v);

/* An [option] type, recursively (depth capped), into the arena. */
bool sk_cql_read_type(struct sk_cql_reader *r, struct sk_cql_arena *a,
		      struct sk_cql_type *t, int depth);

/* --------------------------------------------------------------- writer */

/*
 * Appends protocol notations to a sk_buf. The first error (SK_ERR_LIMIT
 * from the buffer cap or an over-long field, SK_ERR_NOMEM) sticks: later
 * writes do nothing, and the caller checks w->rc once at the end.
 */
struct sk_cql_writer {
	struct sk_buf *buf;
	size_t frame_start; /* set by sk_cql_frame_begin */
	sk_err_t rc;
};

void sk_cql_write_byte(struct sk_cql_writer *w, uint8_t v);
void sk_cql_write_short(struct sk_cql_writer *w, uint16_t v);
void sk_cql_write_int(struct sk_cql_writer *w, int32_t v);
void sk_cql_write_long(struct sk_cql_writer *w, int64_t v);
void sk_cql_write_raw(struct sk_cql_writer *w, const void *p, size_t n);
void sk_cql_write_string(struct sk_cql_writer *w, const char *s, size_t n);
void sk_cql_write_cstring(struct sk_cql_writer *w, const char *s);
void sk_cql_write_long_string(struct sk_cql_writer *w, const char *s, size_t n);
/* [bytes]; p NULL writes a null (-1). */
void sk_cql_write_bytes(struct sk_cql_writer *w, const void *p, size_t n);
void sk_cql_write_short_bytes(struct sk_cql_writer *w, const void *p, size_t n);
void sk_cql_write_string_list(struct sk_cql_writer *w, const char *const *list,
			      size_t n);
void sk_cql_write_string_map(struct sk_cql_writer *w,
			     const struct sk_cql_string_pair *map, size_t n);
void sk_cql_write_uuid(struct sk_cql_writer *w, const uint8_t v[16]);
void sk_cql_write_inet(struct sk_cql_writer *w, const struct sk_cql_inet *v);
/* A type option, recursively. */
void sk_cql_write_type(struct sk_cql_writer *w, const struct sk_cql_type *t);
/* A bound value as [value] (null -1, unset -2); SK_ERR_INVAL for an unset
 * or null inside a collection. */
void sk_cql_write_value(struct sk_cql_writer *w, const struct sk_cql_value *v);

/* Start a frame: header with length 0, remembered in w->frame_start. */
void sk_cql_frame_begin(struct sk_cql_writer *w, struct sk_buf *buf,
			uint8_t version, uint8_t flags, int16_t stream,
			uint8_t opcode);
/* Patch the length. On any error the buffer is cut back to frame_start, so
 * a failed encoding leaves no partial frame. Returns w->rc. */
sk_err_t sk_cql_frame_end(struct sk_cql_writer *w);

/* ---------------------------------------------------------------- frame */

struct sk_cql_header {
	uint8_t version;
	uint8_t flags;
	int16_t stream;
	uint8_t opcode;
	uint32_t length; /* body bytes */
};

/*
 * Decode the 9-byte header at p (n >= 9 else SK_ERR_PARSE). The version
 * byte must be 0x04 or 0x84 (SK_ERR_PARSE otherwise, naming the version);
 * a body longer than max_body (0 = SK_CQL_LIMIT_FRAME, never above
 * SK_CQL_LIMIT_FRAME_HARD) is SK_ERR_LIMIT.
 */
sk_err_t sk_cql_header_decode(const uint8_t *p, size_t n, uint32_t max_body,
			      struct sk_cql_header *h, struct sk_error *err);
void sk_cql_header_encode(const struct sk_cql_header *h, uint8_t out[9]);

/* Request encoders. Each appends one complete frame (version 0x04, the
 * given stream) to out, or nothing on failure (SK_ERR_LIMIT when out->max
 * or a field length is exceeded, SK_ERR_INVAL for bad arguments,
 * SK_ERR_NOMEM). */
sk_err_t sk_cql_encode_startup(struct sk_buf *out, int16_t stream);
sk_err_t sk_cql_encode_options(struct sk_buf *out, int16_t stream);
/* SASL PLAIN token "\0user\0password". The caller should wipe out after
 * sending. */
sk_err_t sk_cql_encode_auth_response(struct sk_buf *out, int16_t stream,
				     const char *user, const char *password);
/* consistency: the protocol code for SK_CQL_CL_DEFAULT (the session's). */
sk_err_t sk_cql_encode_query(struct sk_buf *out, int16_t stream,
			     const char *cql, const struct sk_cql_params *p,
			     uint16_t default_cl);
sk_err_t sk_cql_encode_prepare(struct sk_buf *out, int16_t stream,
			       const char *cql);
sk_err_t sk_cql_encode_execute(struct sk_buf *out, int16_t stream,
			       const uint8_t *id, size_t id_len,
			       const struct sk_cql_params *p,
			       uint16_t default_cl);
/* id_off (may be NULL) has b->n_items entries: for a prepared item the
 * offset in out of its id bytes, 0 for a text item. */
sk_err_t sk_cql_encode_batch(struct sk_buf *out, int16_t stream,
			     const struct sk_cql_batch *b, uint16_t default_cl,
			     size_t *id_off);
sk_err_t sk_cql_encode_register(struct sk_buf *out, int16_t stream,
				const char *const *events, size_t n);

/* Offset of the prepared id bytes inside an EXECUTE frame. */
#define SK_CQL_EXECUTE_ID_OFF (SK_CQL_HEADER_LEN + 2)

/* A decoded response. Everything is owned by arena. */
struct sk_cql_response {
	struct sk_cql_header h;
	struct sk_cql_arena *arena;
	bool has_tracing;
	uint8_t tracing_id[16];
	const char *const *warnings;
	size_t n_warnings;
	/* by opcode: */
	struct sk_cql_server_error *error; /* ERROR */
	const char *authenticator;         /* AUTHENTICATE */
	const uint8_t *token;              /* AUTH_CHALLENGE/SUCCESS, NULL */
	int32_t token_len;                 /* for a null token */
	const struct sk_cql_multimap_entry *supported; /* SUPPORTED */
	size_t n_supported;
	struct sk_cql_result *result; /* RESULT, in the same arena */
	const char *event_type;       /* EVENT (rest ignored) */
};

/*
 * Decode the body of a response frame whose header is h. body is borrowed
 * and must outlive the response (blobs point into it) unless adopted into
 * resp->arena. The response flags are honoured (tracing id, warnings,
 * custom payload); a compressed body is SK_ERR_PARSE. Unknown opcodes and
 * request opcodes are SK_ERR_PARSE. Decoded data is capped at
 * 16 x body + 64 KiB (SK_ERR_LIMIT). On failure resp holds nothing.
 * Free with sk_cql_response_clear.
 */
sk_err_t sk_cql_response_decode(const struct sk_cql_header *h,
				const uint8_t *body, size_t len,
				struct sk_cql_response *resp,
				struct sk_error *err);
void sk_cql_response_clear(struct sk_cql_response *resp);

/* Decode a RESULT body (after the frame's optional prefixes) into the
 * arena. */
sk_err_t sk_cql_result_decode(struct sk_cql_reader *r, struct sk_cql_arena *a,
			      struct sk_cql_result **out);
/* Decode an ERROR body into the arena. */
sk_err_t sk_cql_error_decode(struct sk_cql_reader *r, struct sk_cql_arena *a,
			     struct sk_cql_server_error **out);

/* ---------------------------------------------------------------- values */

/*
 * Decode the cell bytes p[0..n) (n < 0: null) of type t into v, allocating
 * collection items in the arena. Never fails on content: bytes that do not
 * fit the type give SK_CQL_RAW. Fails only on arena exhaustion (*rc).
 */
bool sk_cql_value_decode(const struct sk_cql_type *t, const uint8_t *p,
			 int32_t n, struct sk_cql_arena *a,
			 struct sk_cql_value *v, sk_err_t *rc);
/* Whether v may be bound to a marker of type t (null/unset/raw fit all). */
bool sk_cql_value_fits(const struct sk_cql_type *t,
		       const struct sk_cql_value *v);
/* "int", "list<text>" ... for messages; writes at most n bytes. */
void sk_cql_type_format(const struct sk_cql_type *t, char *out, size_t n);
const char *sk_cql_kind_name(enum sk_cql_kind k);

/* A prepared statement as cached by the session (also what BATCH encoding
 * reads the id from). */
struct sk_cql_prepared {
	char *cql;
	uint8_t *id;
	size_t id_len;
	struct sk_cql_result *res; /* bind + result metadata; may be NULL */
	struct sk_cql_prepared *hnext;
};

/* Map a server error to sk_err_t and its retriable flag (see cql.h). */
sk_err_t sk_cql_error_map(int32_t code, bool *retriable);
/* Fill err from a server error: mapped code, and "<host>: <name> error
 * (0x....): <message> [details]". Returns the mapped code. */
sk_err_t sk_cql_error_set_server(struct sk_error *err,
				 const struct sk_cql_server_error *se,
				 const char *host);

/* ---------------------------------------------------------- connection */

struct sk_cql_conn;

struct sk_cql_conn_opts {
	const char *host; /* name or address literal */
	int port;
	const char *username; /* NULL: none */
	const char *password;
	const char *keyspace;   /* NULL: none */
	int connect_timeout_ms; /* whole open: TCP, TLS, handshake, USE */
	uint32_t frame_max;     /* 0 = SK_CQL_LIMIT_FRAME */
	unsigned max_streams;   /* 0 = 1024, at most SK_CQL_LIMIT_STREAMS */
	bool tls;
	bool tls_no_verify;
	const char *tls_ca_file;
};

/*
 * One request in flight, owned by the caller; the connection holds a
 * pointer to it from sk_cql_conn_start until it is done (or cancelled).
 * When done: rc is SK_OK and the response frame is h/body (body malloc'd,
 * now owned by the caller), or rc/err say why (timeout, lost connection).
 */
struct sk_cql_call {
	bool done;
	sk_err_t rc;
	struct sk_error err;
	struct sk_cql_header h;
	uint8_t *body;
	int64_t deadline; /* monotonic ms */
	int timeout_ms;
	int16_t stream;                  /* -1 when not in flight */
	struct sk_cql_call *prev, *next; /* the connection's in-flight list */
};

/*
 * Connect (trying every resolved address), TLS if asked, STARTUP, PLAIN
 * authentication if the server asks, USE keyspace, all before
 * connect_timeout_ms. *out owned by the caller (sk_cql_conn_close).
 * Errors: SK_ERR_NET/SK_ERR_TIMEOUT retriable; SK_ERR_CONFIG for bad
 * credentials ("authentication failed for user X: <server message>"), a
 * server that wants authentication when no user is set, or TLS without
 * OpenSSL; other server errors mapped as in cql.h.
 */
sk_err_t sk_cql_conn_open(struct sk_cql_conn **out,
			  const struct sk_cql_conn_opts *o,
			  struct sk_error *err);
/* Close the socket; calls in flight are completed with SK_ERR_NET.
 * Accepts NULL. */
void sk_cql_conn_close(struct sk_cql_conn *c);

/* False once the connection failed (then every start fails). */
bool sk_cql_conn_alive(const struct sk_cql_conn *c);
/* "host:port". */
const char *sk_cql_conn_name(const struct sk_cql_conn *c);
/* Stream ids free now. */
unsigned sk_cql_conn_free_streams(const struct sk_cql_conn *c);
/* Calls in flight (not counting abandoned ones). */
unsigned sk_cql_conn_in_flight(const struct sk_cql_conn *c);

/*
 * Queue the request frame (copied; its stream bytes are set here) for
 * sending, with a deadline of now + timeout_ms. SK_ERR_LIMIT (retriable)
 * when no stream id is free: pump and try again. SK_ERR_NET when the
 * connection is dead.
 */
sk_err_t sk_cql_conn_start(struct sk_cql_conn *c, struct sk_cql_call *call,
			   const uint8_t *frame, size_t len, int timeout_ms,
			   struct sk_error *err);

/*
 * Do I/O once: send what is queued, wait for input until `until`
 * (monotonic ms; <= now: don't wait) or the earliest call deadline, read
 * and dispatch complete responses by stream id, expire calls past their
 * deadline (their stream ids stay reserved until the late answer arrives).
 * Event frames and answers to abandoned streams are discarded. Returns
 * SK_OK, or the error that killed the connection (after completing every
 * call in flight with it).
 */
sk_err_t sk_cql_conn_pump(struct sk_cql_conn *c, int64_t until,
			  struct sk_error *err);

/* Pump until call is done (or the connection dies). */
sk_err_t sk_cql_conn_wait(struct sk_cql_conn *c, struct sk_cql_call *call,
			  struct sk_error *err);

/* Abandon a call in flight: its answer will be discarded and its stream id
 * freed when it comes. No-op when the call is not in flight. */
void sk_cql_conn_cancel(struct sk_cql_conn *c, struct sk_cql_call *call);

#endif
