/*
 * zblob.c - values stored compressed (zstd with a built-in dictionary),
 * readable in place by every reader.
 *
 * The encoding is in-band, so a row copied by plain SQL keeps its format:
 *
 *	stored = value                  value empty or value[0] != 0xFF
 *	stored = FF 00 value            raw, escaped (value[0] == 0xFF)
 *	stored = FF 01 frame            zstd frame, no dictionary
 *	stored = FF 02 id frame         zstd frame with built-in dictionary id
 *	                                (id: unsigned LEB128, 1..5 bytes)
 *
 * UTF-8 text never holds the byte 0xFF, so JSON written before this codec
 * existed reads as itself. Frames carry their content size and a checksum;
 * they do not repeat the dictionary id. New values use the newest built-in
 * dictionary; values name theirs, so a dictionary, once released, is never
 * changed or removed (a better one is added under the next id).
 *
 * Why built in, not trained per database: the same value then always
 * encodes to the same bytes, whichever process wrote it and whenever, so
 * two warehouses of the same input are equal byte for byte (the kill -9
 * and multi-consumer equivalence tests compare them), and there is no
 * training pause, no race between processes and no dictionary table.
 * Measured in docs/ARCHITECTURE.md ("On disk").
 *
 * This file is the only one that includes zstd.h. It does not decide which
 * columns are compressed: its callers (bus/sqlog.c, store/sqlite.c) do.
 */
#include "sqldb/sqldb.h"
#include "sqldb/sqldb_int.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define MARK 0xFF
#define F_RAW 0x00
#define F_PLAIN 0x01
#define F_DICT 0x02
#define LEVEL 3

/* Values shorter than this are stored as they are: a frame's own bytes
 * (magic, header, checksum) would eat what compression saves. */
#define MIN_COMPRESS 64

static const struct {
	const unsigned char *p;
	const size_t *n;
} builtin[] = {
	{0, 0}, /* id 0: none */
	{sk_sqldb_zdict1, &sk_sqldb_zdict1_len},
};
#define N_DICT (sizeof builtin / sizeof builtin[0])
#define NEWEST ((int64_t)N_DICT - 1)

/* A growable output buffer; what it holds is valid until its next use. */
struct zbuf {
	unsigned char *p;
	size_t cap;
};

struct sk_sqldb_z {
	ZSTD_CCtx *cctx;   /* made on first encode */
	ZSTD_CDict *cdict; /* of NEWEST */
	ZSTD_DCtx *dctx;   /* made on first decode of a frame */
	ZSTD_DDict *ddict[N_DICT];
	struct zbuf enc, dec;
};

static bool zbuf_room(struct zbuf *b, size_t n)
{
	if (b->cap >= n)
		return true;
	unsigned char *p = realloc(b->p, n);
	if (!p)
		return false;
	b->p = p;
	b->cap = n;
	return true;
}

static sk_err_t nomem(struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
}

sk_err_t sk_sqldb_z_new(struct sk_sqldb_z **out, struct sk_error *err)
{
	*out = calloc(1, sizeof **out);
	return *out ? SK_OK : nomem(err);
}

void sk_sqldb_z_free(struct sk_sqldb_z *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx);
	ZSTD_freeCDict(z->cdict);
	ZSTD_freeDCtx(z->dctx);
	for (size_t i = 0; i < N_DICT; i++)
		ZSTD_freeDDict(z->ddict[i]);
	free(z->enc.p);
	free(z->dec.p);
	free(z);
}

/* The compression context with the newest dictionary, made once. */
static bool cctx(struct sk_sqldb_z *z)
{
	if (z->cctx)
		return true;
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CDict *d = ZSTD_createCDict(builtin[NEWEST].p, *builtin[NEWEST].n,
					 LEVEL);
	if (!c || !d ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0)) ||
	    ZSTD_isError(ZSTD_CCtx_refCDict(c, d))) {
		ZSTD_freeCCtx(c);
		ZSTD_freeCDict(d);
		return false;
	}
	z->cctx = c;
	z->cdict = d;
	return true;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

static bool get_varint(const unsigned char **p, const unsigned char *end,
		       uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 35 && *p < end; shift += 7) {
		unsigned char c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

sk_err_t sk_sqldb_z_encode(struct sk_sqldb_z *z, const void *value, size_t n,
			   const void **out, size_t *out_n,
			   struct sk_error *err)
{
	bool marked = n > 0 && *(const unsigned char *)value == MARK;
	*out = value;
	*out_n = n;
	if (n < MIN_COMPRESS && !marked)
		return SK_OK;
	struct zbuf *b = &z->enc;
	/* Past the limit a reader enforces on decoded sizes: as it is. */
	if (n >= MIN_COMPRESS && n <= SK_LIMIT_HTTP_BODY) {
		if (!cctx(z))
			return nomem(err);
		unsigned char head[8] = {MARK, F_DICT};
		size_t hl = 2 + put_varint(head + 2, (uint64_t)NEWEST);
		size_t bound = ZSTD_compressBound(n);
		if (!zbuf_room(b, hl + bound))
			return nomem(err);
		memcpy(b->p, head, hl);
		size_t c = ZSTD_compress2(z->cctx, b->p + hl, bound, value, n);
		if (!ZSTD_isError(c) && hl + c < n) {
			*out = b->p;
			*out_n = hl + c;
			return SK_OK;
		}
	}
	if (!marked)
		return SK_OK; /* not worth it: as it is */
	if (!zbuf_room(b, n + 2))
		return nomem(err);
	b->p[0] = MARK;
	b->p[1] = F_RAW;
	memcpy(b->p + 2, value, n);
	*out = b->p;
	*out_n = n + 2;
	return SK_OK;
}

bool sk_sqldb_z_is_encoded(const void *stored, size_t n)
{
	return n > 0 && *(const unsigned char *)stored == MARK;
}

static sk_err_t corrupt(struct sk_error *err, const char *why)
{
	return sk_error_set(err, SK_ERR_DB, false, "stored value: %s", why);
}

sk_err_t sk_sqldb_z_decode(struct sk_sqldb_z *z, const void *stored, size_t n,
			   const char **out, size_t *out_n,
			   struct sk_error *err)
{
	*out = n ? stored : "";
	*out_n = n;
	if (!sk_sqldb_z_is_encoded(stored, n))
		return SK_OK;
	const unsigned char *p = stored, *end = p + n;
	if (n < 2)
		return corrupt(err, "format marker without a format");
	unsigned fmt = p[1];
	p += 2;
	if (fmt == F_RAW) {
		*out = (const char *)p;
		*out_n = (size_t)(end - p);
		return SK_OK;
	}
	ZSTD_DDict *dd = NULL;
	if (fmt == F_DICT) {
		uint64_t id;
		if (!get_varint(&p, end, &id) || id == 0 || id >= N_DICT)
			return corrupt(err, "unknown zstd dictionary (a value "
					    "from a newer skred?)");
		if (!z->ddict[id] &&
		    !(z->ddict[id] = ZSTD_createDDict(builtin[id].p,
						      *builtin[id].n)))
			return nomem(err);
		dd = z->ddict[id];
	} else if (fmt != F_PLAIN) {
		return corrupt(err, "unknown format (a value from a newer "
				    "skred?)");
	}
	size_t fl = (size_t)(end - p);
	unsigned long long size = ZSTD_getFrameContentSize(p, fl);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
		return corrupt(err, "not a zstd frame with its size");
	if (size > SK_LIMIT_HTTP_BODY)
		return corrupt(err, "decoded size over the limit");
	if (!z->dctx && !(z->dctx = ZSTD_createDCtx()))
		return nomem(err);
	struct zbuf *b = &z->dec;
	if (!zbuf_room(b, (size_t)size + 1))
		return nomem(err);
	size_t got = dd ? ZSTD_decompress_usingDDict(z->dctx, b->p,
						     (size_t)size, p, fl, dd)
			: ZSTD_decompressDCtx(z->dctx, b->p, (size_t)size, p,
					      fl);
	if (ZSTD_isError(got))
		return corrupt(err, ZSTD_getErrorName(got));
	if (got != size)
		return corrupt(err, "size differs from the frame's");
	b->p[got] = '\0';
	*out = (const char *)b->p;
	*out_n = got;
	return SK_OK;
}
