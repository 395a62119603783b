/*
 * web.h - the daemon's HTTP API (libmicrohttpd is included in web/ only):
 * JSON under /api/v1/ for the run ledger (list, one, trigger, clear, pause,
 * unpause) and /healthz. The web UI, the data and pipeline endpoints and
 * /metrics build on this (see the web issue).
 *
 * Security: bound to loopback by default; when bound elsewhere every
 * mutating request needs the token (http.token) as "Authorization: Bearer".
 */
#ifndef SK_WEB_H
#define SK_WEB_H

#include "core/core.h"

struct sk_config;
struct sk_web;

/* Start serving on http.addr ("host:port"; empty = no HTTP). The server
 * runs in its own thread with its own ledger connection; cfg is borrowed
 * and must outlive the server. *out is NULL when disabled. */
sk_err_t sk_web_start(struct sk_web **out, const struct sk_config *cfg,
		      struct sk_error *err);
void sk_web_stop(struct sk_web *w);

extern const struct sk_cfg_def sk_web_cfg[];

#endif
