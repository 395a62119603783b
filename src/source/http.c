/*
 * http.c - the fetch engine: the only file that includes libcurl.
 *
 * One curl multi handle drives up to max_concurrent transfers. A job that
 * fails retriably (connection error, timeout, truncated body, 408/429/5xx,
 * or a 200 the caller rejects as retriable) is retried after a capped
 * exponential backoff with full jitter, or after Retry-After when the server
 * sent one, in seconds or as an HTTP-date (capped). Other 4xx and an
 * oversized body fail the job at once.
 *
 * Until a transfer has reached the server, one runs at a time: when that
 * first one fails for good without reaching it (name not resolved,
 * connection refused: offline, or a wrong URL), the others are not tried,
 * so an unreachable API costs one job's retries and one error, not every
 * job's.
 *
 * Finished transfers are handed to the caller's callback only after the
 * transfers replacing them have been started and sent, so the caller's
 * work on an answer (a bus append and its fsync) overlaps the network.
 */
#include "source/source.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	JOB_PENDING = 0,
	JOB_ACTIVE,
	JOB_DONE
};

struct xfer {
	struct sk_http_job *job;
	const struct sk_http_opts *o;
	struct curl_slist *headers; /* shared, borrowed */
	CURL *easy;                 /* while active */
	bool too_big;
	/* A finished transfer waiting to be handled (sk_http_run) */
	CURLcode cc;
	bool retry, probe_lost;
};

sk_err_t sk_http_global_init(struct sk_error *err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sk_error_set(err, SK_ERR_NET, false,
				    "libcurl initialisation failed");
	return SK_OK;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (sk_buf_append(&x->job->body, p, n) != SK_OK) {
		x->too_big = true;
		return 0; /* makes curl fail the transfer */
	}
	return n;
}

int64_t sk_http_retry_after_ms(const char *v, size_t n, int64_t now_ms)
{
	const int64_t cap = SK_HTTP_RETRY_AFTER_MAX_MS;
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
		     v[n - 1] == '\n'))
		n--;
	if (!n)
		return -1;
	if (v[0] >= '0' && v[0] <= '9') {
		int64_t ms = 0;
		for (size_t i = 0; i < n; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			if (ms < cap)
				ms = ms * 10 + (v[i] - '0') * 1000;
		}
		return ms < cap ? ms : cap;
	}
	int64_t at;
	if (sk_http_date_parse(v, n, &at) != SK_OK)
		return -1;
	if (at <= now_ms)
		return 0;
	return at - now_ms < cap ? at - now_ms : cap;
}

/* Retry-After, either form; an unusable value is ignored (normal backoff). */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";
	if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		int64_t ms = sk_http_retry_after_ms(p + sizeof name - 1,
						    n - (sizeof name - 1),
						    sk_now_ms());
		if (ms >= 0)
			x->job->retry_after_ms = ms;
	}
	return n;
}

static CURL *make_easy(struct xfer *x)
{
	const struct sk_http_opts *o = x->o;
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, x->job->url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	return e;
}

/* The transfer never reached the server: its name did not resolve or the
 * connection was refused (a timeout may be a slow server: not counted). */
static bool unreached(CURLcode cc)
{
	return cc == CURLE_COULDNT_RESOLVE_HOST ||
	       cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_COULDNT_CONNECT;
}

/* Classify a finished transfer; fills job->err. true if worth retrying. */
static bool classify(struct xfer *x, CURLcode cc)
{
	struct sk_http_job *job = x->job;
	if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		sk_error_set(&job->err, SK_ERR_LIMIT, false,
			     "response larger than fetch.max_body (%zu bytes)",
			     x->o->max_body);
		return false;
	}
	if (cc != CURLE_OK) {
		bool retriable = true;
		switch (cc) {
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
			retriable = false;
			break;
		default:
			break;
		}
		sk_error_set(&job->err,
			     cc == CURLE_OPERATION_TIMEDOUT ? SK_ERR_TIMEOUT
							    : SK_ERR_NET,
			     retriable, "%s", curl_easy_strerror(cc));
		return retriable;
	}
	long st = job->status;
	if (st == 200)
		return false;
	bool retriable = st == 408 || st == 429 || st >= 500;
	sk_error_set(&job->err, SK_ERR_HTTP, retriable, "HTTP %ld", st);
	return retriable;
}

static void schedule_retry(const struct sk_http_opts *o,
			   struct sk_http_job *job, uint64_t *rng)
{
	int64_t delay = sk_backoff_ms(job->attempts - 1, o->backoff_base_ms,
				      o->backoff_cap_ms, rng);
	if (job->retry_after_ms > 0) {
		int64_t ra = job->retry_after_ms < o->retry_after_max_ms
				     ? job->retry_after_ms
				     : o->retry_after_max_ms;
		if (ra > delay)
			delay = ra;
	}
	job->not_before_ms = sk_mono_ms() + delay;
	job->state = JOB_PENDING;
	sk_log(SK_LOG_INFO, "source", "retry url=%s attempt=%u in_ms=%lld: %s",
	       job->url, job->attempts + 1, (long long)delay, job->err.msg);
}

/* The server was never reached and `lost` has failed for good: every job
 * not yet tried ends now, failed with lost's reason and 0 attempts. false
 * when the callback asked to abort (lost->err then says why). */
static bool end_untried(struct sk_http_job *jobs, size_t n,
			struct sk_http_job *lost, sk_http_done_fn done,
			void *ud, size_t *remaining)
{
	for (size_t i = 0; i < n; i++) {
		struct sk_http_job *job = &jobs[i];
		if (job->state != JOB_PENDING)
			continue;
		job->err = lost->err;
		job->state = JOB_DONE;
		(*remaining)--;
		if (done(ud, job, false) == SK_HTTP_ABORT) {
			lost->err = job->err;
			return false;
		}
	}
	return true;
}

sk_err_t sk_http_run(const struct sk_http_opts *o, struct sk_http_job *jobs,
		     size_t n, sk_http_done_fn done, void *ud,
		     struct sk_error *err)
{
	CURLM *multi = curl_multi_init();
	struct xfer *xf = calloc(n ? n : 1, sizeof *xf);
	size_t *fin = calloc(n ? n : 1, sizeof *fin), n_fin = 0;
	struct curl_slist *headers =
		curl_slist_append(NULL, "Accept: application/json");
	if (!multi || !xf || !fin || !headers) {
		curl_multi_cleanup(multi);
		curl_slist_free_all(headers);
		free(xf);
		free(fin);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  o->max_concurrent);
	uint64_t rng = (uint64_t)sk_now_ms() ^ (uint64_t)(uintptr_t)jobs;
	size_t remaining = n, active = 0, next_scan = 0;
	int64_t last_start = 0;
	bool reached = false; /* some transfer got an answer or past connect */
	size_t probe = n;     /* the one job tried until then */
	sk_err_t rc = SK_OK;
	for (size_t i = 0; i < n; i++) {
		jobs[i].state = JOB_PENDING;
		jobs[i].attempts = 0;
		jobs[i].not_before_ms = 0;
		sk_buf_init(&jobs[i].body, o->max_body);
		xf[i].job = &jobs[i];
		xf[i].o = o;
		xf[i].headers = headers;
	}
	while (remaining > 0) {
		if (sk_stop_requested()) {
			rc = sk_error_set(err, SK_ERR_INTERRUPTED, false,
					  "interrupted");
			break;
		}
		int64_t now = sk_mono_ms();
		int64_t wait_ms = 200;
		/* Start what concurrency, politeness and backoff allow; one
		 * at a time until the server has been reached. */
		size_t limit = reached ? (size_t)o->max_concurrent : 1;
		for (size_t k = 0; k < n && active < limit; k++) {
			size_t i = (next_scan + k) % n;
			struct sk_http_job *job = &jobs[i];
			if (job->state != JOB_PENDING ||
			    (!reached && probe < n && i != probe))
				continue;
			if (job->not_before_ms > now) {
				if (job->not_before_ms - now < wait_ms)
					wait_ms = job->not_before_ms - now;
				continue;
			}
			if (last_start &&
			    now - last_start < o->min_interval_ms) {
				int64_t w = o->min_interval_ms -
					    (now - last_start);
				if (w < wait_ms)
					wait_ms = w;
				break;
			}
			sk_buf_reset(&job->body);
			job->status = 0;
			job->retry_after_ms = 0;
			xf[i].too_big = false;
			CURL *e = make_easy(&xf[i]);
			if (!e || curl_multi_add_handle(multi, e) != CURLM_OK) {
				if (e)
					curl_easy_cleanup(e);
				rc = sk_error_set(err, SK_ERR_NOMEM, false,
						  "cannot start transfer");
				goto out;
			}
			xf[i].easy = e;
			job->state = JOB_ACTIVE;
			if (!job->attempts)
				job->started_ms = sk_clock_now_ms();
			job->attempts++;
			if (!reached)
				probe = i;
			active++;
			last_start = now;
			next_scan = i + 1;
		}
		int running = 0;
		curl_multi_perform(multi, &running);
		/* The transfers that finished last time are handled now, with
		 * the ones replacing them already sent: handling an answer
		 * (the caller's callback: a bus append with its fsync, a
		 * ledger row) overlaps the network instead of holding back the
		 * next request. */
		for (size_t f = 0; f < n_fin; f++) {
			struct xfer *x = &xf[fin[f]];
			struct sk_http_job *job = x->job;
			bool retry = x->retry;
			if (x->cc == CURLE_OK && job->status == 200) {
				enum sk_http_action a = done(ud, job, true);
				if (a == SK_HTTP_ACCEPT) {
					sk_buf_free(&job->body);
					job->state = JOB_DONE;
					remaining--;
					continue;
				}
				if (a == SK_HTTP_ABORT) {
					rc = sk_error_set(err, job->err.code,
							  false, "%s",
							  job->err.msg);
					goto out;
				}
				retry = a == SK_HTTP_RETRY;
			}
			if (retry && job->attempts < o->max_attempts) {
				schedule_retry(o, job, &rng);
				continue;
			}
			if (retry)
				sk_error_prefix(&job->err, "after %u attempts",
						job->attempts);
			job->state = JOB_DONE;
			remaining--;
			enum sk_http_action fa = done(ud, job, false);
			sk_buf_free(&job->body);
			if (fa == SK_HTTP_ABORT) {
				rc = sk_error_set(err, job->err.code, false,
						  "%s", job->err.msg);
				goto out;
			}
			if (x->probe_lost &&
			    !end_untried(jobs, n, job, done, ud, &remaining)) {
				rc = sk_error_set(err, job->err.code, false,
						  "%s", job->err.msg);
				goto out;
			}
		}
		n_fin = 0;
		if (remaining == 0)
			break;
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			CURL *e = m->easy_handle;
			struct xfer *x = NULL;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE,
					  &x->job->status);
			x->cc = m->data.result; /* m goes with the handle */
			curl_multi_remove_handle(multi, e);
			curl_easy_cleanup(e);
			x->easy = NULL;
			active--;
			sk_error_clear(&x->job->err);
			x->retry = classify(x, x->cc);
			x->probe_lost = !reached && unreached(x->cc);
			reached |= !unreached(x->cc);
			fin[n_fin++] = (size_t)(x - xf);
		}
		if (n_fin)
			continue; /* start the next transfers, then these */
		int numfds;
		curl_multi_poll(multi, NULL, 0,
				(int)(wait_ms > 0 ? wait_ms : 1), &numfds);
	}
out:;
	/* Abort whatever is still in flight. */
	for (size_t i = 0; i < n; i++) {
		if (xf[i].easy) {
			curl_multi_remove_handle(multi, xf[i].easy);
			curl_easy_cleanup(xf[i].easy);
		}
	}
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	for (size_t i = 0; i < n; i++)
		sk_buf_free(&jobs[i].body);
	free(xf);
	free(fin);
	return rc;
}

/* ------------------------------------------------------- one request */

struct call_body {
	struct sk_buf *b;
	bool too_big;
};

static size_t on_call_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct call_body *cb = ud;
	size_t n = size * nmemb;
	if (sk_buf_append(cb->b, p, n) != SK_OK) {
		cb->too_big = true;
		return 0;
	}
	return n;
}

sk_err_t sk_http_call(const struct sk_http_call *c, long *status,
		      struct sk_buf *resp, struct sk_error *err)
{
	*status = 0;
	sk_buf_reset(resp);
	CURL *e = curl_easy_init();
	struct curl_slist *h = NULL, *h2;
	if (!e)
		return sk_error_set(err, SK_ERR_NOMEM, true, "out of memory");
	if (c->content_type) {
		char line[128];
		snprintf(line, sizeof line, "Content-Type: %s",
			 c->content_type);
		h2 = curl_slist_append(h, line);
		h = h2 ? h2 : h;
	}
	h2 = curl_slist_append(h, "Accept: application/vnd.schemaregistry.v1+"
				  "json, application/json");
	h = h2 ? h2 : h;
	struct call_body cb = {resp, false};
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->method);
	if (c->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(c->body));
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_call_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &cb);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->username && *c->username) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
				 c->password ? c->password : "");
	}
	if (c->ca_file && *c->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	if (c->cert_file && *c->cert_file)
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
	if (c->key_file && *c->key_file)
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file);
	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CURLcode cc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	if (cb.too_big)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "answer larger than %zu bytes", resp->max);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return sk_error_set(err, SK_ERR_TIMEOUT, true, "%s",
				    curl_easy_strerror(cc));
	if (cc != CURLE_OK)
		return sk_error_set(err, SK_ERR_NET, true, "%s",
				    curl_easy_strerror(cc));
	return SK_OK;
}
