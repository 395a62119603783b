/*
 * varsom.c - the varsom avalanche API as a source: one URL per region,
 * language and chunk of at most fetch.chunk_days days; every warning of a
 * successful chunk goes to the caller's emit function.
 *
 * A 200 answer that is not a JSON array (malformed, truncated) is retried
 * like a server error. It does not interpret warnings beyond cutting the
 * array into elements and building their keys (model/ does that).
 */
#include "source/source.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct sk_cfg_def sk_source_cfg[] = {
	{"varsom_url", SK_CFG_STR, SK_VARSOM_URL_DEFAULT, 0, 0, 0,
	 "base URL of the varsom avalanche API (env SKRED_VARSOM_URL)",
	 offsetof(struct sk_source_conf, varsom_url), NULL},
	{"fetch.concurrency", SK_CFG_INT, "4", 1, 64, 0,
	 "requests in flight at once",
	 offsetof(struct sk_source_conf, concurrency), NULL},
	{"fetch.min_interval_ms", SK_CFG_INT, "250", 0, 60000, 0,
	 "politeness: minimum time between request starts",
	 offsetof(struct sk_source_conf, min_interval_ms), NULL},
	{"fetch.attempts", SK_CFG_INT, "6", 1, 100, 0,
	 "attempts per chunk (first try included) before it fails",
	 offsetof(struct sk_source_conf, attempts), NULL},
	{"fetch.backoff_base_ms", SK_CFG_INT, "500", 0, 600000, 0,
	 "first retry waits up to this (full jitter), doubling per attempt",
	 offsetof(struct sk_source_conf, backoff_base_ms), NULL},
	{"fetch.backoff_cap_ms", SK_CFG_INT, "30000", 0, 3600000, 0,
	 "cap of the backoff delay",
	 offsetof(struct sk_source_conf, backoff_cap_ms), NULL},
	{"fetch.retry_after_max_ms", SK_CFG_INT, "120000", 0, 3600000, 0,
	 "cap on a server's Retry-After (seconds or HTTP-date)",
	 offsetof(struct sk_source_conf, retry_after_max_ms), NULL},
	{"fetch.connect_timeout_ms", SK_CFG_INT, "10000", 100, 600000, 0,
	 "connect timeout per request",
	 offsetof(struct sk_source_conf, connect_timeout_ms), NULL},
	{"fetch.timeout_ms", SK_CFG_INT, "60000", 100, 3600000, 0,
	 "total timeout per request",
	 offsetof(struct sk_source_conf, timeout_ms), NULL},
	{"fetch.max_body", SK_CFG_INT, "67108864", 1024, 1073741824, 0,
	 "largest response body accepted, bytes",
	 offsetof(struct sk_source_conf, max_body), NULL},
	{"fetch.chunk_days", SK_CFG_INT, "30", 1, 30, 0,
	 "days per request (the API is asked for at most 30)",
	 offsetof(struct sk_source_conf, chunk_days), NULL},
	{"fetch.user_agent", SK_CFG_STR,
	 "skred/" SKRED_VERSION " (avalanche warning pipeline; libcurl)", 0, 0,
	 0, "User-Agent sent to the API",
	 offsetof(struct sk_source_conf, user_agent), NULL},
	SK_CFG_END(struct sk_source_conf),
};

const struct sk_source_conf *sk_source_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_source_cfg);
}

struct chunk {
	struct sk_fetch_chunk c;
	char url[1024];   /* fetched */
	char shown[1100]; /* c.url: url with credentials masked, for headers */
};

struct fetch_ctx {
	struct chunk *chunks;
	sk_fetch_emit_fn emit;
	void *ud;
	struct sk_fetch_stats *stats;
	struct sk_buf failures; /* the first few, "; "-separated */
	size_t listed_end[10];  /* failures.len after each one listed */
	int64_t n_failed;
	int64_t n_untried;  /* of n_failed: the API was never reached */
	bool any_retriable; /* a failed chunk might succeed another time */
	char why[SK_ERROR_MSG_MAX]; /* the first chunk's failure */
};

/* Count a chunk as failed for good and name it in the fetch's error. */
static void chunk_failed(struct fetch_ctx *ctx, const struct chunk *ch,
			 const struct sk_error *why)
{
	char from[11], to[11];
	sk_date_format(&ch->c.from, from);
	sk_date_format(&ch->c.to, to);
	if (!ctx->n_failed++)
		snprintf(ctx->why, sizeof ctx->why, "%s", why->msg);
	ctx->any_retriable |= why->retriable;
	sk_log(SK_LOG_ERROR, "source",
	       "chunk failed region=%d lang=%d from=%s to=%s url=%s: %s",
	       ch->c.region, ch->c.lang, from, to, ch->c.url, why->msg);
	if (ctx->n_failed <= 10) {
		sk_buf_printf(&ctx->failures, "%sregion %d lang %d %s..%s: %s",
			      ctx->n_failed > 1 ? "; " : "", ch->c.region,
			      ch->c.lang, from, to, why->msg);
		ctx->listed_end[ctx->n_failed - 1] = ctx->failures.len;
	}
}

/* The fetch's error for failed chunks: as many of the listed failures as
 * fit in an error message whole, then how many more failed. */
static sk_err_t failed_error(struct fetch_ctx *ctx, size_t n,
			     struct sk_error *err)
{
	char head[96], tail[64];
	int listed = ctx->n_failed < 10 ? (int)ctx->n_failed : 10;
	snprintf(head, sizeof head,
		 "%lld of %zu chunk(s) failed: ", (long long)ctx->n_failed, n);
	if (sk_buf_finish(&ctx->failures) != SK_OK || !ctx->failures.data)
		return sk_error_set(err, SK_ERR_HTTP, ctx->any_retriable,
				    "%s(the list of failures is lost: out of "
				    "memory)",
				    head);
	/* Slack for redaction, which may lengthen a URL's userinfo. */
	size_t room = SK_ERROR_MSG_MAX - 1 - 16 - strlen(head);
	int k = listed;
	for (;;) {
		tail[0] = '\0';
		if (k < ctx->n_failed)
			snprintf(tail, sizeof tail, "; and %lld more",
				 (long long)(ctx->n_failed - k));
		if (k == 1 || ctx->listed_end[k - 1] + strlen(tail) <= room)
			break;
		k--;
	}
	return sk_error_set(err, SK_ERR_HTTP, ctx->any_retriable, "%s%.*s%s",
			    head, (int)ctx->listed_end[k - 1],
			    ctx->failures.data, tail);
}

/* An empty answer ([]) for an active region: the API answers every day of
 * a region, in summer with "not assessed" elements, so [] means something
 * upstream is wrong. Noted for the run's data checks. */
static void chunk_empty(struct fetch_ctx *ctx, const struct chunk *ch)
{
	const struct sk_region *rg = sk_model_region_find(ch->c.region);
	ctx->stats->chunks_empty++;
	if (!rg || !rg->active)
		return;
	char from[11], to[11];
	sk_date_format(&ch->c.from, from);
	sk_date_format(&ch->c.to, to);
	sk_log(SK_LOG_WARN, "source",
	       "empty answer region=%d lang=%d from=%s to=%s (an active "
	       "region)",
	       ch->c.region, ch->c.lang, from, to);
	struct sk_fetch_stats *s = ctx->stats;
	if (s->empty_active++ < 4) {
		size_t used = strlen(s->empty_active_list);
		snprintf(s->empty_active_list + used,
			 sizeof s->empty_active_list - used,
			 "%sregion %d lang %d %s..%s", used ? "; " : "",
			 ch->c.region, ch->c.lang, from, to);
	}
}

static enum sk_http_action on_done(void *ud, struct sk_http_job *job, bool ok)
{
	struct fetch_ctx *ctx = ud;
	struct chunk *ch = job->ud;
	char from[11], to[11];
	sk_date_format(&ch->c.from, from);
	sk_date_format(&ch->c.to, to);
	if (!ok && !job->attempts) { /* not tried: the API is unreachable */
		ctx->n_failed++;
		ctx->n_untried++;
		ctx->any_retriable |= job->err.retriable;
		return SK_HTTP_FAIL;
	}
	ctx->stats->requests++;
	ch->c.started_ms = job->started_ms;
	ch->c.ended_ms = sk_clock_now_ms();
	if (!ok) {
		ctx->stats->requests += job->attempts - 1;
		ctx->stats->retries += job->attempts - 1;
		chunk_failed(ctx, ch, &job->err);
		ch->c.error = job->err.msg;
		sk_err_t erc = ctx->emit(ctx->ud, &ch->c, NULL, 0, &job->err);
		ch->c.error = NULL;
		return erc == SK_OK ? SK_HTTP_FAIL : SK_HTTP_ABORT;
	}
	struct sk_raw_item *items = NULL;
	size_t n = 0;
	if (sk_model_split_array(job->body.data, job->body.len, ch->c.region,
				 ch->c.lang, &items, &n, &job->err) != SK_OK) {
		ctx->stats->requests--; /* counted again on the next attempt */
		return job->err.retriable ? SK_HTTP_RETRY : SK_HTTP_FAIL;
	}
	size_t bad = sk_model_items_check(items, n, ch->c.region, ch->c.lang,
					  &ch->c.from, &ch->c.to);
	if (bad == (size_t)-1) {
		sk_model_raw_items_free(items, n);
		sk_error_set(&job->err, SK_ERR_NOMEM, false, "out of memory");
		return SK_HTTP_ABORT;
	}
	ctx->stats->requests += job->attempts - 1;
	ctx->stats->retries += job->attempts - 1;
	ctx->stats->warnings += (int64_t)(n - bad);
	ctx->stats->rejected += (int64_t)bad;
	ctx->stats->bytes += (int64_t)job->body.len;
	ch->c.fetched_at_ms = sk_now_ms();
	if (!n)
		chunk_empty(ctx, ch);
	sk_err_t rc = ctx->emit(ctx->ud, &ch->c, items, n, &job->err);
	struct sk_error why = {0};
	for (size_t i = 0; bad && i < n; i++) {
		if (items[i].reject) {
			/* Not retried: the good elements are appended and
			 * the rest dead-lettered; asking again would change
			 * neither. */
			sk_error_set(&why, SK_ERR_VALIDATE, false,
				     "%zu of %zu records do not match the "
				     "request (%s%s)",
				     bad, n, items[i].reject_why,
				     bad > 1 ? "; ..." : "");
			break;
		}
	}
	sk_model_raw_items_free(items, n);
	if (rc != SK_OK)
		return SK_HTTP_ABORT;
	if (bad) {
		chunk_failed(ctx, ch, &why);
		return SK_HTTP_ACCEPT; /* emitted; already counted as failed */
	}
	sk_log(SK_LOG_DEBUG, "source",
	       "chunk ok region=%d lang=%d from=%s to=%s warnings=%zu "
	       "attempts=%u",
	       ch->c.region, ch->c.lang, from, to, n, job->attempts);
	return SK_HTTP_ACCEPT;
}

sk_err_t sk_source_varsom_fetch(const struct sk_source_conf *c,
				const struct sk_fetch_req *req,
				sk_fetch_emit_fn emit, void *ud,
				struct sk_fetch_stats *stats,
				struct sk_error *err)
{
	struct sk_fetch_stats local = {0};
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	if (sk_date_cmp(&req->from, &req->to) > 0)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "--from is after --to");
	const char *base = c->varsom_url;
	if (!base || strncmp(base, "http", 4) != 0)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "varsom_url must be an http(s) URL, got "
				    "'%s'",
				    base ? base : "");
	size_t blen = strlen(base);
	while (blen && base[blen - 1] == '/')
		blen--;
	int chunk_days = (int)c->chunk_days;
	int64_t days = sk_date_diff(&req->from, &req->to) + 1;
	size_t per = (size_t)((days + chunk_days - 1) / chunk_days);
	size_t n = per * req->n_regions * req->n_langs;
	struct chunk *chunks = calloc(n ? n : 1, sizeof *chunks);
	struct sk_http_job *jobs = calloc(n ? n : 1, sizeof *jobs);
	if (!chunks || !jobs) {
		free(chunks);
		free(jobs);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	/* Order: by date chunk, then region, then language, so a partial
	 * fetch still covers every region for the earliest days. */
	size_t k = 0;
	for (size_t p = 0; p < per; p++) {
		struct sk_date f = sk_date_add_days(req->from,
						    (int)p * chunk_days);
		struct sk_date t = sk_date_add_days(f, chunk_days - 1);
		if (sk_date_cmp(&t, &req->to) > 0)
			t = req->to;
		for (size_t r = 0; r < req->n_regions; r++) {
			for (size_t l = 0; l < req->n_langs; l++) {
				struct chunk *ch = &chunks[k];
				char fs[11], ts[11];
				sk_date_format(&f, fs);
				sk_date_format(&t, ts);
				ch->c.region = req->regions[r];
				ch->c.lang = req->langs[l];
				ch->c.from = f;
				ch->c.to = t;
				snprintf(ch->url, sizeof ch->url,
					 "%.*s/AvalancheWarningByRegion/%s/%d/"
					 "%d/%s/%s",
					 (int)blen, base,
					 req->simple ? "Simple" : "Detail",
					 ch->c.region, ch->c.lang, fs, ts);
				sk_redact_text(ch->url, ch->shown,
					       sizeof ch->shown);
				ch->c.url = ch->shown;
				jobs[k].url = ch->url;
				jobs[k].ud = ch;
				k++;
			}
		}
	}
	struct sk_http_opts o = {
		.max_concurrent = (long)c->concurrency,
		.min_interval_ms = c->min_interval_ms,
		.max_attempts = (unsigned)c->attempts,
		.backoff_base_ms = c->backoff_base_ms,
		.backoff_cap_ms = c->backoff_cap_ms,
		.retry_after_max_ms = c->retry_after_max_ms,
		.connect_timeout_ms = (long)c->connect_timeout_ms,
		.timeout_ms = (long)c->timeout_ms,
		.max_body = (size_t)c->max_body,
		.user_agent = c->user_agent,
	};
	struct fetch_ctx ctx = {
		.chunks = chunks,
		.emit = emit,
		.ud = ud,
		.stats = stats,
		.failures = SK_BUF_INIT(8192),
	};
	stats->chunks = (int64_t)n;
	sk_err_t rc = sk_http_run(&o, jobs, n, on_done, &ctx, err);
	stats->chunks_failed = ctx.n_failed;
	if (rc == SK_OK && ctx.n_untried > 0)
		/* One line for an unreachable API (offline, a wrong host),
		 * not one per chunk: the first chunk's reason is theirs. */
		rc = sk_error_set(err, SK_ERR_NET, true,
				  "cannot reach the API at %.*s (%s): %lld of "
				  "%zu chunk(s) failed, %lld not tried; no "
				  "network? try `make demo` (the simulator, "
				  "offline)",
				  (int)blen, base, ctx.why,
				  (long long)ctx.n_failed, n,
				  (long long)ctx.n_untried);
	else if (rc == SK_OK && ctx.n_failed > 0)
		rc = failed_error(&ctx, n, err);
	sk_buf_free(&ctx.failures);
	free(chunks);
	free(jobs);
	return rc;
}
