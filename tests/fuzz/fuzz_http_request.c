/*
 * fuzz_http_request.c - fuzz target for the daemon's request parsing: the
 * input's first line is "METHOD TARGET" (method GET when there is no
 * space), run through sk_web_req_parse and sk_web_route exactly as the
 * server does. Further lines "Host: v", "Origin: v", "Referer: v",
 * "Content-Length: v" and "Allowed: v" (http.allowed_hosts) feed the header
 * checks (sk_web_hosts_init, sk_web_req_check, sk_web_req_body) of a daemon
 * bound to 127.0.0.1:8080; without a Host line the Host is that address.
 * Invariants abort on violation: an error is one of the statuses the
 * server may answer, with a message; a success routes to an endpoint whose
 * parameters are in range, and every decoded argument is NUL-free text
 * inside the request's own buffer; the daemon's own Host and Origin always
 * pass, Origin "null" never does, a GET is never refused as cross-site,
 * and a Content-Length up to the cap always passes.
 */
#include "web/web_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_headers(bool post, const char *host, const char *origin,
			  const char *referer, const char *length,
			  const char *allowed)
{
	static struct sk_web_hosts hs;
	struct sk_error err = {0};
	char msg[256] = "";
	if (sk_web_hosts_init(&hs, "127.0.0.1", 8080, allowed, &err) != SK_OK) {
		if (err.code != SK_ERR_CONFIG || !err.msg[0])
			abort();
		if (sk_web_hosts_init(&hs, "127.0.0.1", 8080, NULL, &err) !=
		    SK_OK)
			abort();
	}
	unsigned code = sk_web_req_check(&hs, post, host, origin, referer, msg,
					 sizeof msg);
	if (code && ((code != 403 && code != 421) || !msg[0]))
		abort();
	if (code == 403 && !post)
		abort(); /* reads are never cross-site refusals */
	bool own_host = !strcmp(host, "127.0.0.1:8080") ||
			!strcmp(host, "localhost:8080");
	bool own_origin = !origin || !strcmp(origin, "http://127.0.0.1:8080");
	if (own_host && own_origin && (origin || !referer) && code)
		abort(); /* the daemon's own page is always let in */
	if (post && origin && !strcmp(origin, "null") && !code)
		abort();
	if (code == 0 &&
	    sk_web_req_check(&hs, false, host, NULL, NULL, msg, sizeof msg))
		abort(); /* a POST that passes passes as a GET */
	msg[0] = '\0';
	code = sk_web_req_body(length, msg, sizeof msg);
	if (code && ((code != 400 && code != 413) || !msg[0]))
		abort();
	if (length && strlen(length) <= 5 &&
	    strspn(length, "0123456789") == strlen(length) && length[0] &&
	    atol(length) <= SK_WEB_MAX_BODY && code)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * SK_WEB_MAX_URI)
		return 0;
	char *in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	const char *method = "GET", *target = in;
	const char *host = "127.0.0.1:8080", *origin = NULL, *referer = NULL;
	const char *length = NULL, *allowed = NULL;
	char *nl = strchr(in, '\n');
	if (nl)
		*nl = '\0';
	char *sp = strchr(in, ' ');
	if (sp) {
		*sp = '\0';
		method = in;
		target = sp + 1;
	}
	for (char *line = nl ? nl + 1 : NULL; line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		static const struct {
			const char *name;
			size_t len;
		} hdr[] = {{"Host: ", 6},
			   {"Origin: ", 8},
			   {"Referer: ", 9},
			   {"Content-Length: ", 16},
			   {"Allowed: ", 9}};
		const char **dst[] = {&host, &origin, &referer, &length,
				      &allowed};
		for (size_t i = 0; i < 5; i++)
			if (!strncmp(line, hdr[i].name, hdr[i].len))
				*dst[i] = line + hdr[i].len;
		line = end ? end + 1 : NULL;
	}
	check_headers(!strcmp(method, "POST"), host, origin, referer, length,
		      allowed);
	static struct sk_web_req req;
	struct sk_web_call call;
	char msg[256] = "";
	struct sk_date today = {2024, 1, 10};
	unsigned code = sk_web_req_parse(&req, method, target, msg, sizeof msg);
	if (code) {
		if ((code != 400 && code != 405 && code != 414) || !msg[0])
			abort();
		free(in);
		return 0;
	}
	if (!req.path || req.path != req.buf || req.n_args > SK_WEB_MAX_ARGS)
		abort();
	for (size_t i = 0; i < req.n_args; i++) {
		const char *k = req.args[i].key, *v = req.args[i].val;
		if (!k[0] || k < req.buf || k >= req.buf + sizeof req.buf ||
		    ((v < req.buf || v >= req.buf + sizeof req.buf) && v[0]))
			abort();
		if (sk_web_req_arg(&req, k) != v)
			abort(); /* names are unique: the first is this one */
	}
	code = sk_web_route(&req, today, &call, msg, sizeof msg);
	if (code) {
		if ((code != 400 && code != 404 && code != 405) || !msg[0])
			abort();
	} else {
		switch (call.ep) {
		case SK_WEB_EP_RUNS:
			if (call.limit < 1 || call.limit > 10000)
				abort();
			break;
		case SK_WEB_EP_RUN_GET:
		case SK_WEB_EP_RUN_CLEAR:
			if (call.run_id < 1)
				abort();
			break;
		case SK_WEB_EP_DLQ:
			if (call.offset < 0 || call.limit < 1 ||
			    call.limit > SK_WEB_MAX_DLQ)
				abort();
			break;
		case SK_WEB_EP_WARNINGS:
			if (sk_date_cmp(&call.from, &call.to) > 0 ||
			    sk_date_diff(&call.from, &call.to) >=
				    SK_WEB_MAX_RANGE_DAYS ||
			    call.n_langs < 1 || call.n_langs > 2 ||
			    (call.region_ids && !call.n_regions))
				abort();
			break;
		case SK_WEB_EP_RUN_ADD:
			if ((call.regions &&
			     strlen(call.regions) >= SK_WEB_MAX_RUN_REGIONS) ||
			    (call.lang &&
			     (call.n_langs < 1 || call.n_langs > 2)))
				abort();
			break;
		case SK_WEB_EP_ASSET:
			if (!call.asset || strcmp(call.asset->path, req.path))
				abort();
			break;
		case SK_WEB_EP_MESSAGES:
			if (!call.topic || !call.topic[0] || call.offset < 0 ||
			    call.from_ms < 0 || call.partition < -1 ||
			    call.limit < 1 ||
			    call.limit > SK_WEB_MAX_MESSAGES ||
			    (call.offset > 0 && call.from_ms > 0))
				abort();
			break;
		case SK_WEB_EP_REPLAY:
			if (!call.offsets == !call.reason ||
			    (call.offsets &&
			     strspn(call.offsets, "0123456789,:") !=
				     strlen(call.offsets)))
				abort();
			break;
		default:
			break;
		}
		if (call.mutating != req.post)
			abort();
	}
	sk_web_call_clear(&call);
	free(in);
	return 0;
}
