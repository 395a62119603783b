/*
 * strset.c - FNV-1a fingerprints and a set of strings (open addressing,
 * linear probing), used to write and show each dead letter once and to find
 * a key repeated in one response.
 *
 * No deletion: the sets live for one call or one process.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

uint64_t sk_fnv1a64_update(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t sk_fnv1a64(const void *p, size_t n)
{
	return sk_fnv1a64_update(SK_FNV1A64_INIT, p, n);
}

uint32_t sk_fnv1a32(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static size_t slot_of(char *const *slots, size_t cap, const char *s)
{
	size_t i = (size_t)sk_fnv1a64(s, strlen(s)) & (cap - 1);
	while (slots[i] && strcmp(slots[i], s) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static sk_err_t grow(struct sk_strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64;
	char **slots = calloc(cap, sizeof *slots);
	if (!slots)
		return SK_ERR_NOMEM;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			slots[slot_of(slots, cap, set->slots[i])] =
				set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return SK_OK;
}

sk_err_t sk_strset_add(struct sk_strset *set, const char *s, bool *added)
{
	*added = false;
	if ((set->n + 1) * 2 > set->cap && grow(set) != SK_OK)
		return SK_ERR_NOMEM;
	size_t i = slot_of(set->slots, set->cap, s);
	if (set->slots[i])
		return SK_OK;
	if (!(set->slots[i] = sk_strdup(s)))
		return SK_ERR_NOMEM;
	set->n++;
	*added = true;
	return SK_OK;
}

bool sk_strset_has(const struct sk_strset *set, const char *s)
{
	return set->cap && set->slots[slot_of(set->slots, set->cap, s)];
}

void sk_strset_free(struct sk_strset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof *set);
}
