/*
 * web_int.h - what the files of web/ share: the server state, replies,
 * request counters, and the data endpoints' router.
 */
#ifndef SK_WEB_INT_H
#define SK_WEB_INT_H

#include "web/web.h"
#include "sched/runner.h"

#include <microhttpd.h>
#include <pthread.h>

struct sk_web {
	struct MHD_Daemon *d;
	const struct sk_config *cfg;
	struct sk_ledger *l;
	pthread_mutex_t lock; /* one ledger connection, one request at a time */
	bool loopback;
	char token[256];
};

/* Queue a JSON response (copied) / {"error": msg}. */
enum MHD_Result sk_web_reply(struct MHD_Connection *c, unsigned status,
			     const struct sk_buf *b);
enum MHD_Result sk_web_reply_error(struct MHD_Connection *c, unsigned status,
				   const char *msg);
/* Count a response by status code (for /metrics). */
void sk_web_count(unsigned status);

/* Data, pipeline and operations endpoints (data.c): true when url is one
 * of them (the response is queued, *result says how that went). */
bool sk_web_data_route(struct sk_web *w, struct MHD_Connection *c,
		       const char *url, bool post, enum MHD_Result *result);

#endif
