/*
 * control.c - the simulator's own endpoints: GET /_sim/stats,
 * /_sim/config?key=value&... (change settings at runtime) and /_sim/reset.
 * They never fault.
 */
#include "sim.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define VALUE_MAX 256

/* Serialises read-modify-write of the config by concurrent requests. */
static pthread_mutex_t control_lock = PTHREAD_MUTEX_INITIALIZER;

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes (and '+' -> ' ') into out; false if too long or bad. */
static bool url_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return false;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			ch = (char)(hi * 16 + lo);
			i += 2;
		} else if (ch == '+') {
			ch = ' ';
		}
		if (!ch || k + 1 >= cap)
			return false;
		out[k++] = ch;
	}
	out[k] = '\0';
	return true;
}

/* Applies one key=value to c; NULL or a reason for the 400. */
static const char *apply(struct sim_config *c, const char *key, const char *val,
			 char *err, size_t errlen)
{
	long n;
	enum fault_kind k;
	if (!strcmp(key, "revision")) {
		if (!config_parse_int(val, 0, 1000000, &n))
			return "revision must be an integer 0..1000000";
		c->revision = (int)n;
	} else if (!strcmp(key, "seed")) {
		if (!config_parse_int(val, 0, LONG_MAX, &n))
			return "seed must be a non-negative integer";
		c->seed = (uint64_t)n;
	} else if (!strcmp(key, "fault_rate")) {
		if (!config_parse_rate(val, &c->fault_rate))
			return "fault_rate must be a number 0..1";
	} else if (!strcmp(key, "bad_rate")) {
		if (!config_parse_rate(val, &c->bad_rate))
			return "bad_rate must be a number 0..1";
	} else if (!strcmp(key, "fault_kinds")) {
		if (!config_parse_kinds(val, c, err, errlen))
			return err;
	} else if (!strcmp(key, "fail_region")) {
		if (!strcmp(val, "none")) {
			c->fail_region = 0;
		} else if (config_parse_n_kind(val, 3001, 3000 + SIM_NREGIONS,
					       &n, &k)) {
			c->fail_region = (int)n;
			c->fail_region_kind = k;
		} else {
			return "fail_region must be none or ID:KIND";
		}
	} else if (!strcmp(key, "fail_first")) {
		if (!strcmp(val, "none")) {
			c->fail_first_n = 0;
		} else if (config_parse_n_kind(val, 0, 1000000, &n, &k)) {
			c->fail_first_n = (int)n;
			c->fail_first_kind = k;
		} else {
			return "fail_first must be none or N:KIND";
		}
	} else if (!strcmp(key, "slow_ms")) {
		if (!config_parse_int(val, 0, 600000, &n))
			return "slow_ms must be an integer 0..600000";
		c->slow_ms = (int)n;
	} else if (!strcmp(key, "latency_ms")) {
		if (!config_parse_int(val, 0, 600000, &n))
			return "latency_ms must be an integer 0..600000";
		c->latency_ms = (int)n;
	} else if (!strcmp(key, "retry_after")) {
		if (!config_parse_int(val, 0, 86400, &n))
			return "retry_after must be an integer 0..86400";
		c->retry_after = (int)n;
	} else if (!strcmp(key, "retry_after_date")) {
		if (!config_parse_int(val, 0, 1, &n))
			return "retry_after_date must be 0 or 1";
		c->retry_after_date = n;
	} else if (!strcmp(key, "quiet")) {
		if (!config_parse_int(val, 0, 1, &n))
			return "quiet must be 0 or 1";
		c->quiet = n;
	} else {
		snprintf(err, errlen, "unknown parameter '%.60s'", key);
		return err;
	}
	return NULL;
}

static void config_endpoint(struct conn *c, const struct http_req *r)
{
	char key[VALUE_MAX], val[VALUE_MAX], err[160];
	struct sim_config cfg;
	const char *bad = NULL;
	pthread_mutex_lock(&control_lock);
	config_get(&cfg);
	const char *p = r->query, *end = r->query + r->query_len;
	while (p < end && !bad) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		if (pe == p) {
			p = pe + 1;
			continue;
		}
		if (!eq) {
			bad = "parameters must be key=value";
		} else if (!url_decode(p, (size_t)(eq - p), key, sizeof(key)) ||
			   !url_decode(eq + 1, (size_t)(pe - eq - 1), val,
				       sizeof(val))) {
			bad = "bad percent-encoding or value too long";
		} else {
			bad = apply(&cfg, key, val, err, sizeof(err));
		}
		p = pe + 1;
	}
	if (!bad)
		config_set(&cfg);
	pthread_mutex_unlock(&control_lock);
	if (bad) {
		http_error(c, 400, bad, NULL);
		return;
	}
	struct jbuf j;
	jb_init(&j, SIM_HDR_RESERVE, 512);
	config_json(&j, &cfg);
	http_respond(c, 200, NULL, &j);
	jb_free(&j);
}

void control_handle(struct conn *c, const struct http_req *r)
{
	const char *name = r->path + 6; /* after "/_sim/" */
	size_t n = r->path_len - 6;
	struct jbuf j;
	if (n == 6 && !memcmp(name, "config", 6)) {
		config_endpoint(c, r);
		return;
	}
	jb_init(&j, SIM_HDR_RESERVE, 512);
	if (n == 5 && !memcmp(name, "stats", 5)) {
		stats_json(&j);
		http_respond(c, 200, NULL, &j);
	} else if (n == 5 && !memcmp(name, "reset", 5)) {
		stats_reset();
		attempts_reset();
		jb_obj(&j);
		jb_kbool(&j, "reset", true);
		jb_obj_end(&j);
		http_respond(c, 200, NULL, &j);
	} else {
		http_error(c, 404, "unknown control endpoint", NULL);
	}
	jb_free(&j);
}
