/*
 * backoff.h - the one retry delay (capped exponential, full jitter) and
 * its random numbers.
 */
#ifndef SK_CORE_BACKOFF_H
#define SK_CORE_BACKOFF_H

#include <stdint.h>

/* Capped exponential backoff with full jitter: a uniform random delay in
 * [0, min(cap_ms, base_ms * 2^attempt)]. attempt counts from 0. The RNG
 * state is caller-owned (seed it with anything non-zero). */
int64_t sk_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms,
		      uint64_t *rng);
uint64_t sk_rand_next(uint64_t *rng);

#endif
