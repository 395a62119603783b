/*
 * faults.c - which request fails and how (fail-region, fail-first,
 * fault-rate), the per-path attempt counters that drive it, and the
 * request/warning/fault statistics served by /_sim/stats.
 */
#include "sim.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- attempt counts */

struct attempt {
	struct attempt *next;
	uint64_t hash;
	unsigned count;
	size_t len;
	char path[];
};

#define ATTEMPT_BUCKETS 4096

static pthread_mutex_t attempts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attempt *attempts[ATTEMPT_BUCKETS];

static uint64_t path_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return sim_mix(h);
}

/* 1 for the first attempt at a path, 2 for the second, ... */
static unsigned attempt_next(const char *path, size_t n, uint64_t h)
{
	unsigned count = 1;
	pthread_mutex_lock(&attempts_lock);
	struct attempt **b = &attempts[h % ATTEMPT_BUCKETS];
	struct attempt *a = *b;
	while (a && !(a->hash == h && a->len == n && !memcmp(a->path, path, n)))
		a = a->next;
	if (a) {
		count = ++a->count;
	} else {
		a = malloc(sizeof(*a) + n + 1);
		if (a) {
			a->hash = h;
			a->count = 1;
			a->len = n;
			memcpy(a->path, path, n);
			a->path[n] = '\0';
			a->next = *b;
			*b = a;
		}
	}
	pthread_mutex_unlock(&attempts_lock);
	return count;
}

void attempts_reset(void)
{
	pthread_mutex_lock(&attempts_lock);
	for (int i = 0; i < ATTEMPT_BUCKETS; i++) {
		struct attempt *a = attempts[i];
		while (a) {
			struct attempt *next = a->next;
			free(a);
			a = next;
		}
		attempts[i] = NULL;
	}
	pthread_mutex_unlock(&attempts_lock);
}

enum fault_kind fault_decide(const struct sim_config *c, const char *path,
			     size_t pathlen, int region)
{
	if (c->fail_region && c->fail_region == region)
		return c->fail_region_kind;
	if (c->fail_first_n <= 0 && c->fault_rate <= 0.0)
		return FK_NONE;
	uint64_t h = path_hash(path, pathlen);
	unsigned n = attempt_next(path, pathlen, h);
	if (c->fail_first_n > 0 && n <= (unsigned)c->fail_first_n)
		return c->fail_first_kind;
	if (c->fault_rate > 0.0 && c->nfault_kinds > 0) {
		uint64_t r = sim_hash4(c->seed, h, n, 0xfa17);
		if (sim_unit(r) < c->fault_rate)
			return c->fault_kinds[sim_mix(r) %
					      (unsigned)c->nfault_kinds];
	}
	return FK_NONE;
}

/* ---------------------------------------------------------------- stats */

static atomic_ullong st_requests, st_warnings, st_bad, st_faults;
static atomic_ullong st_by_kind[FK_COUNT];

void stats_request(void)
{
	atomic_fetch_add(&st_requests, 1);
}

void stats_warnings(long n)
{
	atomic_fetch_add(&st_warnings, (unsigned long long)n);
}

void stats_bad(long n)
{
	atomic_fetch_add(&st_bad, (unsigned long long)n);
}

void stats_fault(enum fault_kind k)
{
	if (k <= FK_NONE || k >= FK_COUNT)
		return;
	atomic_fetch_add(&st_faults, 1);
	atomic_fetch_add(&st_by_kind[k], 1);
}

void stats_reset(void)
{
	atomic_store(&st_requests, 0);
	atomic_store(&st_warnings, 0);
	atomic_store(&st_bad, 0);
	atomic_store(&st_faults, 0);
	for (int i = 0; i < FK_COUNT; i++)
		atomic_store(&st_by_kind[i], 0);
}

void stats_json(struct jbuf *j)
{
	jb_obj(j);
	jb_kint(j, "requests", (long long)atomic_load(&st_requests));
	jb_kint(j, "warnings", (long long)atomic_load(&st_warnings));
	jb_kint(j, "faults", (long long)atomic_load(&st_faults));
	jb_key(j, "by_kind");
	jb_obj(j);
	for (int i = FK_NONE + 1; i < FK_COUNT; i++)
		jb_kint(j, fault_kind_name((enum fault_kind)i),
			(long long)atomic_load(&st_by_kind[i]));
	jb_obj_end(j);
	jb_kint(j, "bad_records", (long long)atomic_load(&st_bad));
	jb_obj_end(j);
}
