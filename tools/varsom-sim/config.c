/*
 * config.c - the runtime-changeable simulator settings (guarded by a
 * mutex; requests work on a snapshot) and the parsers shared by the
 * command line and GET /_sim/config.
 */
#include "sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sim_config config_cur;

static const char *const kind_names[FK_COUNT] = {
	"none",         "500",       "503",   "429",     "slow",
	"truncate",     "malformed", "reset", "unknown", "misrouted",
	"out_of_range", "twice",     "null",  "object",  "empty",
};

void config_defaults(struct sim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->fail_first_kind = FK_500;
	c->fault_kinds[0] = FK_500;
	c->fault_kinds[1] = FK_503;
	c->fault_kinds[2] = FK_429;
	c->fault_kinds[3] = FK_TRUNCATE;
	c->fault_kinds[4] = FK_MALFORMED;
	c->nfault_kinds = 5;
	c->fail_region_kind = FK_500;
	c->slow_ms = 3000;
	c->retry_after = 1;
	c->drift_rate = 1.0;
}

void config_get(struct sim_config *out)
{
	pthread_mutex_lock(&config_lock);
	*out = config_cur;
	pthread_mutex_unlock(&config_lock);
}

void config_set(const struct sim_config *in)
{
	pthread_mutex_lock(&config_lock);
	config_cur = *in;
	pthread_mutex_unlock(&config_lock);
}

const char *fault_kind_name(enum fault_kind k)
{
	return (unsigned)k < FK_COUNT ? kind_names[k] : "?";
}

bool fault_kind_parse(const char *s, size_t n, enum fault_kind *k)
{
	for (int i = 1; i < FK_COUNT; i++) {
		if (strlen(kind_names[i]) == n &&
		    !strncmp(s, kind_names[i], n)) {
			*k = (enum fault_kind)i;
			return true;
		}
	}
	return false;
}

bool config_parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool config_parse_rate(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v >= 0.0 && v <= 1.0))
		return false;
	*out = v;
	return true;
}

bool config_parse_kinds(const char *s, struct sim_config *c, char *err,
			size_t errlen)
{
	enum fault_kind kinds[FK_COUNT];
	int n = 0;
	const char *p = s;
	if (!s || !*s) {
		snprintf(err, errlen, "empty fault kind list");
		return false;
	}
	for (;;) {
		const char *q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		enum fault_kind k;
		if (!fault_kind_parse(p, len, &k)) {
			snprintf(err, errlen, "unknown fault kind '%.*s'",
				 (int)(len > 40 ? 40 : len), p);
			return false;
		}
		bool dup = false;
		for (int i = 0; i < n; i++)
			dup |= kinds[i] == k;
		if (!dup && n < FK_COUNT)
			kinds[n++] = k;
		if (!q)
			break;
		p = q + 1;
	}
	memcpy(c->fault_kinds, kinds, sizeof(kinds[0]) * (size_t)n);
	c->nfault_kinds = n;
	return true;
}

bool config_parse_n_kind(const char *s, long lo, long hi, long *n,
			 enum fault_kind *k)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	char num[24];
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(num))
		return false;
	memcpy(num, s, (size_t)(colon - s));
	num[colon - s] = '\0';
	return config_parse_int(num, lo, hi, n) &&
	       fault_kind_parse(colon + 1, strlen(colon + 1), k);
}

void config_json(struct jbuf *j, const struct sim_config *c)
{
	jb_obj(j);
	jb_kint(j, "seed", (long long)c->seed);
	jb_kint(j, "revision", c->revision);
	jb_key(j, "fail_first");
	if (c->fail_first_n > 0) {
		jb_obj(j);
		jb_kint(j, "n", c->fail_first_n);
		jb_kstr(j, "kind", fault_kind_name(c->fail_first_kind));
		jb_obj_end(j);
	} else {
		jb_null(j);
	}
	jb_key(j, "fault_rate");
	jb_dbl(j, c->fault_rate);
	jb_key(j, "fault_kinds");
	jb_arr(j);
	for (int i = 0; i < c->nfault_kinds; i++)
		jb_str(j, fault_kind_name(c->fault_kinds[i]));
	jb_arr_end(j);
	jb_key(j, "fail_region");
	if (c->fail_region) {
		jb_obj(j);
		jb_kint(j, "id", c->fail_region);
		jb_kstr(j, "kind", fault_kind_name(c->fail_region_kind));
		jb_obj_end(j);
	} else {
		jb_null(j);
	}
	jb_key(j, "bad_rate");
	jb_dbl(j, c->bad_rate);
	jb_kint(j, "slow_ms", c->slow_ms);
	jb_kint(j, "latency_ms", c->latency_ms);
	jb_kint(j, "retry_after", c->retry_after);
	jb_kint(j, "retry_after_date", c->retry_after_date);
	jb_obj_end(j);
}
