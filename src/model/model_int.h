/*
 * model_int.h - model/'s JSON scanner (internal to model/; no other module
 * includes it).
 *
 * One validating recursive-descent scan over a JSON text, with no tree of
 * allocated nodes: it either only validates (the response splitter reads
 * the elements' byte ranges and three keys as it goes), or also writes a
 * flat tape of tokens, one per value, into one growing array (the warning
 * parser looks members up on it). Strings stay in the text: a token gives
 * their raw span, decoded on demand into the caller's memory.
 *
 * What it accepts is what jansson 2.14 (skred's parser before) accepted
 * with JSON_DECODE_ANY: RFC 8259 JSON, strings of valid UTF-8 without
 * \u0000 or a lone surrogate, integers that fit int64_t (beyond that: an
 * error, not a real), reals that do not overflow a double, nesting at most
 * SK_JSCAN_MAX_DEPTH values deep, one value and then only whitespace. The
 * differential test (tests/unit/test_jscan.c) holds it to that.
 */
#ifndef SK_MODEL_INT_H
#define SK_MODEL_INT_H

#include "core/core.h"

#include <stdint.h>

/* jansson's JSON_PARSER_MAX_DEPTH: a value at this level (the top value is
 * level 1) is accepted, one deeper is not. */
#define SK_JSCAN_MAX_DEPTH 2048

enum sk_jtype {
	SK_JNULL,
	SK_JFALSE,
	SK_JTRUE,
	SK_JINT,
	SK_JREAL,
	SK_JSTR,
	SK_JARR,
	SK_JOBJ,
};

/* One value. Containers are followed by their contents (an object by key,
 * value, key, value ...), and end is the index of the token after them. */
struct sk_jtok {
	uint8_t type; /* enum sk_jtype */
	uint8_t esc;  /* string: holds a backslash escape */
	uint32_t n;   /* string: raw byte length; array: elements; object:
		       * members */
	uint32_t end; /* index of the first token after this value */
	uint32_t pos; /* offset in the text: the first byte of the value (a
		       * string's: the one after its opening quote) */
	union {
		int64_t i;
		double d;
	} v;
};

struct sk_jscan {
	const char *text;
	size_t len, p;
	struct sk_jtok *tok; /* NULL: validate only */
	size_t ntok, cap;
	bool heap;       /* tok was grown onto the heap (free it) */
	bool oom;        /* the tape could not grow */
	int max_level;   /* deepest level reached */
	const char *why; /* the fault, when a scan failed */
	size_t at;       /* its offset */
};

/* Set up a scan of text. buf/cap: the tape's first buffer (the caller's,
 * e.g. on the stack; the scan moves to the heap when it fills), or NULL/0
 * to validate only. */
void sk_model_jscan_init(struct sk_jscan *s, const char *text, size_t len,
			 struct sk_jtok *buf, size_t cap);
/* Free the tape if it moved to the heap. */
void sk_model_jscan_free(struct sk_jscan *s);

/* Skip whitespace; the next byte, or -1 at the end. */
int sk_model_jscan_peek(struct sk_jscan *s);
/* Scan one value at level (1 = top), after whitespace. Its token is
 * written to *out when out is not NULL (with a tape, it is also
 * tok[index it had]). SK_ERR_PARSE (why, at set) or SK_ERR_NOMEM. */
sk_err_t sk_model_jscan_value(struct sk_jscan *s, int level,
			      struct sk_jtok *out);
/* Scan a whole text as one value with only whitespace after it. */
sk_err_t sk_model_jscan_doc(struct sk_jscan *s);
/* Set the fault of a failed scan at the current offset; SK_ERR_PARSE. */
sk_err_t sk_model_jscan_fail(struct sk_jscan *s, const char *why);

/* err <- "<what> is not valid JSON: <why> (line L, column C)" for a failed
 * scan (line and column 1-based, columns in bytes). */
sk_err_t sk_model_jscan_error(const struct sk_jscan *s, const char *what,
			      bool retriable, struct sk_error *err);

/* Decode the validated string of token t into dst (room for t->n + 1
 * bytes: decoding never lengthens); NUL-terminated; returns its length. */
size_t sk_model_jstr_decode(const char *text, const struct sk_jtok *t,
			    char *dst);
/* Decode string t only until at least max bytes are out (or it ends):
 * dst needs max + 4 bytes. The bytes decoded (NUL-terminated). */
size_t sk_model_jstr_head(const char *text, const struct sk_jtok *t, char *dst,
			  size_t max);
/* True when the string of token t decodes to key (klen bytes). */
bool sk_model_jstr_eq(const char *text, const struct sk_jtok *t,
		      const char *key, size_t klen);

struct sk_table;
struct sk_model_drift;

/* The rows of table t whose API key is the string of token key (of text),
 * in row order, through the parser's hash of each table's keys (json.c):
 * r 0 gives the first one's index + 1, r that of the next one after row
 * r - 1; 0 when there is none (no more). */
size_t sk_model_key_rows(const struct sk_table *t, const char *text,
			 const struct sk_jtok *key, size_t r);

/* The drift of the warning object on tape d (token 0, scanned and checked
 * as the parser does: an object within SK_LIMIT_JSON_DEPTH) into out
 * (drift.c). The parser calls it on its own tape (one scan for both). */
void sk_model_drift_tape(const struct sk_jscan *d, struct sk_model_drift *out);

/* The type's name in messages ("object", "integer", "boolean" ...). */
const char *sk_model_jtype_name(int type);

/* Length of the valid UTF-8 sequence at p (at most avail bytes there;
 * 1..4), 0 when it is not valid UTF-8: overlong, a surrogate, beyond
 * U+10FFFF, cut short. The scanner's check, and the JSON writer's. */
size_t sk_model_utf8_seq(const unsigned char *p, size_t avail);

#endif
