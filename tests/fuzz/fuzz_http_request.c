/*
 * fuzz_http_request.c - fuzz target for the daemon's request parsing: the
 * input is "METHOD TARGET" (method GET when there is no space), run through
 * sk_web_req_parse and sk_web_route exactly as the server does. Invariants
 * abort on violation: an error is one of the statuses the server may
 * answer, with a message; a success routes to an endpoint whose
 * parameters are in range, and every decoded argument is NUL-free text
 * inside the request's own buffer.
 */
#include "web/web_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	char *sp = memchr(in, ' ', size);
	if (sp) {
		*sp = '\0';
		method = in;
		target = sp + 1;
	}
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
			    (call.lang && (call.n_langs < 1 ||
					   call.n_langs > 2)))
				abort();
			break;
		case SK_WEB_EP_ASSET:
			if (!call.asset || strcmp(call.asset->path, req.path))
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
