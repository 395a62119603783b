/*
 * api.c - the varsom endpoints: routes /hydrology/forecast/avalanche/
 * <version>/api/..., validates AvalancheWarningByRegion parameters,
 * applies the configured faults and sends the generated warnings.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_SEGS 8

struct seg {
	const char *s;
	size_t n;
};

static bool seg_is(const struct seg *g, const char *word)
{
	return strlen(word) == g->n && !strncasecmp(g->s, word, g->n);
}

/* Splits p[0..n) at '/', ignoring one trailing '/'. Returns the count or
 * -1 if there are more than MAX_SEGS or an empty segment. */
static int split(const char *p, size_t n, struct seg *out)
{
	int k = 0;
	if (n && p[n - 1] == '/')
		n--;
	size_t i = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		if (j == i || k == MAX_SEGS)
			return -1;
		out[k].s = p + i;
		out[k].n = j - i;
		k++;
		i = j + 1;
	}
	return k;
}

static bool seg_int(const struct seg *g, int *out)
{
	int v = 0;
	if (!g->n || g->n > 6)
		return false;
	for (size_t i = 0; i < g->n; i++) {
		if (g->s[i] < '0' || g->s[i] > '9')
			return false;
		v = v * 10 + (g->s[i] - '0');
	}
	*out = v;
	return true;
}

/* "Retry-After: <IMF-fixdate of now + secs>\r\n" (RFC 9110 5.6.7), built
 * by hand so the C locale's names are used whatever the environment. */
static void retry_after_date(char *out, size_t n, int secs)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
					 "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr",
					 "May", "Jun", "Jul", "Aug",
					 "Sep", "Oct", "Nov", "Dec"};
	time_t t = time(NULL) + secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, n, "Retry-After: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
		 wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void respond_faulted_status(struct conn *c, enum fault_kind fk,
				   const struct sim_config *cfg)
{
	char hdr[64];
	if (cfg->retry_after_date)
		retry_after_date(hdr, sizeof(hdr), cfg->retry_after);
	else
		snprintf(hdr, sizeof(hdr), "Retry-After: %d\r\n",
			 cfg->retry_after);
	switch (fk) {
	case FK_500:
		http_error(c, 500, "simulated internal server error", NULL);
		break;
	case FK_503:
		http_error(c, 503, "simulated service unavailable", hdr);
		break;
	case FK_429:
		http_error(c, 429, "simulated rate limit", hdr);
		break;
	default:
		http_reset(c);
		break;
	}
}

static void by_region(struct conn *c, const struct http_req *r,
		      const struct seg *version, const struct seg *s)
{
	struct gen_req g;
	int end;
	memset(&g, 0, sizeof(g));
	g.detail = seg_is(&s[1], "Detail");
	if (!g.detail && !seg_is(&s[1], "Simple")) {
		http_error(c, 404, "no such endpoint", NULL);
		return;
	}
	if (!seg_int(&s[2], &g.region) || !region_get(g.region)) {
		http_error(c, 400, "unknown regionId (3001..3046)", NULL);
		return;
	}
	if (!seg_int(&s[3], &g.lang) || s[3].n != 1 ||
	    (g.lang != 1 && g.lang != 2)) {
		http_error(c, 400, "langKey must be 1 or 2", NULL);
		return;
	}
	if (!date_parse(s[4].s, s[4].n, &g.start) ||
	    !date_parse(s[5].s, s[5].n, &end)) {
		http_error(c, 400, "dates must be YYYY-MM-DD", NULL);
		return;
	}
	if (end < g.start) {
		http_error(c, 400, "end date before start date", NULL);
		return;
	}
	if (end - g.start + 1 > SIM_MAX_DAYS) {
		http_error(c, 400, "date range longer than 400 days", NULL);
		return;
	}
	g.ndays = end - g.start + 1;

	struct sim_config cfg;
	config_get(&cfg);
	enum fault_kind fk = fault_decide(&cfg, r->path, r->path_len, g.region);
	c->fault = fk;
	stats_fault(fk);
	switch (fk) {
	case FK_500:
	case FK_503:
	case FK_429:
	case FK_RESET:
		respond_faulted_status(c, fk, &cfg);
		return;
	case FK_SLOW:
		sim_sleep_ms(cfg.slow_ms);
		break;
	default:
		break;
	}

	g.seed = cfg.seed;
	g.revision = cfg.revision;
	g.bad_rate = cfg.bad_rate;
	g.unknown = fk == FK_UNKNOWN;
	g.drift = cfg.drift;
	g.ndrift = cfg.ndrift;
	g.drift_rate = cfg.drift_rate;
	g.version = version->s;
	g.version_len = version->n;
	if (fk == FK_MISROUTED)
		g.region = g.region == 3000 + SIM_NREGIONS ? 3001
							   : g.region + 1;
	if (fk == FK_OUT_OF_RANGE)
		g.start += 400;

	struct jbuf j;
	long nbad = 0, n = 0;
	jb_init(&j, SIM_HDR_RESERVE,
		(size_t)g.ndays * (g.detail ? 6144 : 640) *
				(fk == FK_TWICE ? 2 : 1) +
			64);
	if (fk == FK_NULL)
		jb_puts(&j, "null");
	else if (fk == FK_OBJECT)
		jb_puts(&j, "{\"Message\":\"An error has occurred.\"}");
	else if (fk == FK_EMPTY)
		jb_puts(&j, "[]");
	else
		n = gen_warnings(&j, &g, &nbad);
	if (fk == FK_TWICE && !j.oom) {
		/* the same days again from another seed: other words, other
		 * levels, the same keys */
		struct jbuf k;
		long kbad;
		struct gen_req g2 = g;
		g2.seed = g.seed ^ 0x7715ce;
		jb_init(&k, 0, jb_body_len(&j) + 64);
		long n2 = gen_warnings(&k, &g2, &kbad);
		if (n > 0 && n2 > 0) {
			n += n2;
			nbad += kbad;
			j.len--; /* the ']' */
			jb_put(&j, ",", 1);
			jb_put(&j, jb_body(&k) + 1, jb_body_len(&k) - 1);
		}
		j.oom |= k.oom;
		jb_free(&k);
	}
	if (j.oom) {
		http_respond(c, 500, NULL, &j); /* turns into a 500 error */
	} else if (fk == FK_TRUNCATE) {
		http_respond_truncated(c, &j, jb_body_len(&j) / 2);
	} else if (fk == FK_MALFORMED) {
		/* cut in the middle and followed by text no JSON can hold */
		j.len = j.start + jb_body_len(&j) / 2;
		jb_puts(&j, "<html>simulated garbage\x01</html>");
		http_respond(c, 200, NULL, &j);
	} else {
		http_respond(c, 200, NULL, &j);
		stats_warnings(n);
		stats_bad(nbad);
	}
	jb_free(&j);
}

static void regions(struct conn *c, const struct seg *s, int nseg)
{
	int type = 0;
	if (nseg == 2 &&
	    (!seg_int(&s[1], &type) || (type != 10 && type != 20))) {
		http_error(c, 400, "regionTypeId must be 10 or 20", NULL);
		return;
	}
	struct jbuf j;
	jb_init(&j, SIM_HDR_RESERVE, 8192);
	gen_regions(&j, type);
	http_respond(c, 200, NULL, &j);
	jb_free(&j);
}

static bool version_ok(const struct seg *v)
{
	if (v->n < 2 || v->n > 20 || (v->s[0] != 'v' && v->s[0] != 'V'))
		return false;
	for (size_t i = 1; i < v->n; i++)
		if (!((v->s[i] >= '0' && v->s[i] <= '9') || v->s[i] == '.'))
			return false;
	return true;
}

void api_handle(struct conn *c, const struct http_req *r)
{
	static const char prefix[] = "/hydrology/forecast/avalanche/";
	const size_t pl = sizeof(prefix) - 1;
	struct seg s[MAX_SEGS];
	if (r->path_len <= pl || memcmp(r->path, prefix, pl)) {
		http_error(c, 404, "not found", NULL);
		return;
	}
	int nseg = split(r->path + pl, r->path_len - pl, s);
	if (nseg < 3 || !version_ok(&s[0]) || !seg_is(&s[1], "api")) {
		http_error(c, 404, "not found", NULL);
		return;
	}
	struct seg version = s[0];
	const struct seg *rest = s + 2;
	int nrest = nseg - 2;
	if (seg_is(&rest[0], "Region") && nrest <= 2)
		regions(c, rest, nrest);
	else if (seg_is(&rest[0], "AvalancheWarningByRegion") && nrest == 6)
		by_region(c, r, &version, rest);
	else
		http_error(c, 404, "not found", NULL);
}
