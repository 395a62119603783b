/*
 * dedup.h - fingerprints and string sets, for deduplication: the one
 * FNV-1a (64-bit, streaming, 32-bit) and a set of strings.
 */
#ifndef SK_CORE_DEDUP_H
#define SK_CORE_DEDUP_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64 of n bytes: a fingerprint for deduplication, not a
 * cryptographic hash (nothing here defends against a chosen collision). */
uint64_t sk_fnv1a64(const void *p, size_t n);
/* The same hash fed in pieces: h = SK_FNV1A64_INIT, then h =
 * sk_fnv1a64_update(h, p, n) per piece; sk_fnv1a64(p, n) is one piece. */
#define SK_FNV1A64_INIT 0xcbf29ce484222325ULL
uint64_t sk_fnv1a64_update(uint64_t h, const void *p, size_t n);
/* FNV-1a 32 of n bytes (partitioning and load spreading, where 32 bits
 * are what the protocol or the modulus wants). */
uint32_t sk_fnv1a32(const void *p, size_t n);

/* A set of strings (copies), for deduplication. Zero-initialise, add,
 * free. Grows without a cap of its own: callers bound what they add. */
struct sk_strset {
	char **slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};
/* Adds a copy of s: SK_OK with *added true when it was new, false when it
 * was already there; SK_ERR_NOMEM (the set unchanged). */
sk_err_t sk_strset_add(struct sk_strset *set, const char *s, bool *added);
bool sk_strset_has(const struct sk_strset *set, const char *s);
void sk_strset_free(struct sk_strset *set);

#endif
