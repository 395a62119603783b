/*
 * web.h - the daemon's HTTP server (libmicrohttpd is included in web/ only):
 * the web UI (assets compiled in from src/web/ui/); JSON under /api/v1/
 * for the run ledger (status, runs: list, one, trigger, clear; pause,
 * unpause; api.c) and for the data (warnings, regions, topics, dlq,
 * warehouse; data.c); /healthz, /readyz and /metrics. Requests are parsed
 * and routed without I/O in request.c.
 *
 * Security: bound to loopback by default; when bound elsewhere every
 * mutating request needs the token (http.token) as "Authorization: Bearer".
 * Every request's Host must name the daemon and a POST's Origin (or
 * Referer) must be the daemon's own page (DNS rebinding, CSRF); slow
 * clients are bounded in time and number (http.* keys).
 */
#ifndef SK_WEB_H
#define SK_WEB_H

#include "core/core.h"

struct sk_config;
struct sk_web;
struct sk_web_conf;
struct sk_job_conf;

/* What the server is started and reloaded with, built by its caller from
 * one configuration: web's own struct, and the values of other modules the
 * API shows or uses (the caller reads them: web never calls another
 * module's accessor). Everything is borrowed and lives as long as cfg,
 * which web only hands on to the entry points of the layers below that
 * open the bus, the warehouse and the ledger (job, sched). */
struct sk_web_env {
	const struct sk_config *cfg;
	const struct sk_web_conf *conf; /* required */
	const struct sk_job_conf *job;  /* regions, lang, group, topics */
	int max_attempts;               /* sched.max_attempts (manual runs) */
	const char *timezone;           /* sched.timezone (status) */
	const char *bus_backend;        /* "bus" (status, health) */
	const char *store_backend;      /* "store" (status, health) */
};

/* Start serving on http.addr ("host:port"; empty = no HTTP). The server
 * runs in threads of its own with one ledger connection of its own, used
 * under a lock; a ledger that does not answer at start (a retriable error)
 * is opened by the first request that needs it. env (copied) and what it
 * points to must outlive the server. *out is NULL when disabled. */
sk_err_t sk_web_start(struct sk_web **out, const struct sk_web_env *env,
		      struct sk_error *err);
void sk_web_stop(struct sk_web *w);

/* A reload (SIGHUP): env (copied; what it points to must outlive the server
 * or the next reload) replaces the configuration for every later request: schedules
 * and settings in /api/v1/status, http.token, http.allowed_hosts,
 * http.header_timeout_ms, the warehouse and bus (handles reopened). The
 * previous one may be freed when this returns SK_OK. restart names the n
 * keys whose change needs a restart (shown as restart_required in
 * /api/v1/status; the strings must be static). On an error (bad
 * http.allowed_hosts, no token while not on loopback) nothing changes.
 * w NULL (no HTTP): SK_OK. */
sk_err_t sk_web_reload(struct sk_web *w, const struct sk_web_env *env,
		       const char *const *restart, size_t n,
		       struct sk_error *err);

/* The keys of sk_web_cfg as typed fields, filled and checked at load by
 * sk_config_new/sk_config_set (core/config.h). */
struct sk_web_conf {
	const char *addr;               /* http.addr */
	const char *token;              /* http.token */
	const char *allowed_hosts;      /* http.allowed_hosts */
	int64_t max_connections;        /* http.max_connections */
	int64_t max_connections_per_ip; /* http.max_connections_per_ip */
	int64_t header_timeout_ms;      /* http.header_timeout_ms */
};
extern const struct sk_cfg_def sk_web_cfg[];
/* This module's struct in cfg (borrowed; lives as long as cfg). */
const struct sk_web_conf *sk_web_conf(const struct sk_config *cfg);

#endif
