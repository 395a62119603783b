/*
 * serve.c - the daemon loop of `skred serve`: cron schedules in a named
 * time zone, runs created per fire time (catch-up after downtime, bounded),
 * due runs executed one at a time, retries when their time comes, pause,
 * SIGHUP reload, SIGTERM/SIGINT stop after (or interrupting) the current
 * task. State lives in the ledger, so a restart goes on where it stopped.
 */
#include "sched/runner.h"
#include "sched/sched.h"
#include "job/job.h"
#include "notify/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 16
#define POLL_MS 1000        /* longest sleep between looks at the ledger */
#define READY_PROBE_MS 2000 /* backends probed this often until ready */

struct job {
	char name[64];
	char expr[SK_CRON_MAX_LEN + 1];
	struct sk_cron cron;
};

struct plan {
	struct job jobs[MAX_JOBS];
	size_t n;
	struct sk_tz *tz;
};

static void plan_free(struct plan *p)
{
	sk_tz_free(p->tz);
	memset(p, 0, sizeof *p);
}

/* "name=cron;name=cron" and the time zone. */
static sk_err_t plan_load(const struct sk_config *cfg, struct plan *p,
			  struct sk_error *err)
{
	memset(p, 0, sizeof *p);
	const char *spec = sk_sched_conf(cfg)->schedules;
	if (sk_tz_load(sk_sched_conf(cfg)->timezone, &p->tz, err) != SK_OK)
		return err->code;
	char buf[2048];
	snprintf(buf, sizeof buf, "%s", spec ? spec : "");
	char *save = NULL;
	for (char *item = strtok_r(buf, ";", &save); item;
	     item = strtok_r(NULL, ";", &save)) {
		while (*item == ' ')
			item++;
		if (!*item)
			continue;
		char *eq = strchr(item, '=');
		if (!eq || eq == item || p->n == MAX_JOBS) {
			plan_free(p);
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "sched.schedules: expected "
					    "name=cron;... (at most %d), got "
					    "'%s'",
					    MAX_JOBS, item);
		}
		*eq = '\0';
		struct job *j = &p->jobs[p->n];
		snprintf(j->name, sizeof j->name, "%s", item);
		/* A name keys the schedule's state in the ledger
		 * (last_fire.<name>): two of one name would share it. */
		for (size_t k = 0; k < p->n; k++) {
			if (strcmp(p->jobs[k].name, j->name))
				continue;
			plan_free(p);
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "sched.schedules: two schedules "
					    "named '%s' (names must differ)",
					    item);
		}
		snprintf(j->expr, sizeof j->expr, "%s", eq + 1);
		if (sk_cron_parse(eq + 1, &j->cron, err) != SK_OK) {
			sk_error_prefix(err, "sched.schedules job %s", j->name);
			plan_free(p);
			return SK_ERR_CONFIG;
		}
		p->n++;
	}
	if (!p->n) {
		plan_free(p);
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "sched.schedules defines no schedule");
	}
	return SK_OK;
}

sk_err_t sk_sched_schedules(const struct sk_config *cfg, int64_t now_ms,
			    sk_sched_schedule_fn fn, void *ud,
			    struct sk_error *err)
{
	struct plan p;
	if (plan_load(cfg, &p, err) != SK_OK)
		return err->code;
	for (size_t i = 0; i < p.n; i++)
		if (fn(p.jobs[i].name, p.jobs[i].expr,
		       sk_cron_next(&p.jobs[i].cron, p.tz, now_ms), ud))
			break;
	plan_free(&p);
	return SK_OK;
}

static sk_err_t meta_int(struct sk_ledger *l, const char *key, int64_t *v,
			 bool *found, struct sk_error *err)
{
	char buf[64];
	if (sk_ledger_meta_get(l, key, buf, sizeof buf, found, err) != SK_OK)
		return err->code;
	*v = *found ? strtoll(buf, NULL, 10) : 0;
	return SK_OK;
}

/* Create runs for the fire times of job since the last one recorded. */
static sk_err_t schedule_job(const struct sk_config *cfg, struct sk_ledger *l,
			     const struct plan *p, const struct job *j,
			     int64_t now, bool paused, struct sk_error *err)
{
	char key[96], val[32];
	snprintf(key, sizeof key, "last_fire.%s", j->name);
	int64_t last = 0;
	bool found;
	if (meta_int(l, key, &last, &found, err) != SK_OK)
		return err->code;
	if (!found) {
		/* First start: from now on, not the whole past. */
		last = sk_cron_prev(&j->cron, p->tz, now);
		if (last < 0)
			last = now;
		snprintf(val, sizeof val, "%lld", (long long)last);
		return sk_ledger_meta_set(l, key, val, err);
	}
	size_t max = (size_t)sk_sched_conf(cfg)->catchup_max;
	int64_t fires[1024];
	size_t n = 0, missed = 0;
	int64_t from = last;
	for (;;) {
		size_t got =
			sk_cron_between(&j->cron, p->tz, from, now, fires + n,
					sizeof fires / sizeof fires[0] - n);
		n += got;
		if (n < sizeof fires / sizeof fires[0] || !got)
			break;
		/* keep only the newest; count the rest as missed */
		from = fires[n - 1];
		missed += n - 1;
		fires[0] = fires[n - 1];
		n = 1;
	}
	if (!n)
		return SK_OK;
	size_t keep = sk_sched_conf(cfg)->catchup ? max : 1;
	if (n > keep) {
		missed += n - keep;
		memmove(fires, fires + (n - keep), keep * sizeof fires[0]);
		n = keep;
	}
	if (missed)
		sk_log(SK_LOG_WARN, "sched",
		       "job=%s %zu missed interval(s) beyond catch-up "
		       "(sched.catchup_max=%zu) not run; backfill them with "
		       "`skred backfill`",
		       j->name, missed, max);
	for (size_t i = 0; i < n; i++) {
		struct sk_run r = {0};
		snprintf(r.job, sizeof r.job, "%s", j->name);
		snprintf(r.origin, sizeof r.origin, "schedule");
		struct sk_job_scope sc;
		sk_job_scope(cfg, fires[i], &sc);
		sk_sched_window(cfg, fires[i], &r);
		snprintf(r.regions, sizeof r.regions, "%s", sc.regions);
		snprintf(r.langs, sizeof r.langs, "%s", sc.lang);
		r.max_attempts = (int)sk_sched_conf(cfg)->max_attempts;
		bool created;
		if (sk_ledger_run_add(l, &r, &created, err) != SK_OK)
			return err->code;
		bool skipped = false;
		if (created && paused &&
		    sk_ledger_run_skip(l, r.id, "paused", now, &skipped, err) !=
			    SK_OK)
			return err->code;
		sk_log(SK_LOG_INFO, "sched", "job=%s fire=%s run=%lld %s%s",
		       j->name, r.logical_time, (long long)r.id,
		       created ? "queued" : "exists",
		       skipped ? " (skipped: paused)" : "");
	}
	snprintf(val, sizeof val, "%lld", (long long)fires[n - 1]);
	return sk_ledger_meta_set(l, key, val, err);
}

/* Time of the next event: a fire time or a retry becoming due. */
static int64_t next_event(const struct plan *p, struct sk_ledger *l,
			  int64_t now)
{
	int64_t next = now + 60000;
	for (size_t i = 0; i < p->n; i++) {
		int64_t f = sk_cron_next(&p->jobs[i].cron, p->tz, now);
		if (f > 0 && f < next)
			next = f;
	}
	struct sk_run r;
	bool found;
	struct sk_error err = {0};
	/* A retry due before then? Look a minute ahead. */
	if (sk_ledger_run_next_due(l, next, &r, &found, &err) == SK_OK &&
	    found && r.next_try_ms < next)
		next = r.next_try_ms > now ? r.next_try_ms : now;
	return next;
}

/* Outages: runs start only while the bus and the warehouse answer (during
 * an outage they would spend their attempts failing), and a ledger that
 * fails retriably is waited out instead of ending the daemon. Probes and
 * retries at the pace of the one backoff (outage.* keys, job.h). */
struct gate {
	struct sk_job_outage o;
	bool down;
	int64_t next_ms; /* monotonic: next probe */
};

/* True when a due run may start now. A probe that fails for a reason an
 * outage does not explain (bad credentials...) lets the run start and fail
 * visibly; so does an outage longer than outage.max_wait_ms. */
static bool backends_ready(const struct sk_config *cfg, struct gate *g)
{
	int64_t now = sk_mono_ms();
	if (g->down && now < g->next_ms)
		return false;
	struct sk_error err = {0};
	enum sk_job_backend b;
	if (sk_job_probe(cfg, &b, &err) == SK_OK ||
	    !sk_job_outage_error(&err)) {
		memset(g, 0, sizeof *g);
		return true;
	}
	int64_t d = sk_job_outage_delay(cfg, &g->o, b);
	if (d < 0) {
		memset(g, 0, sizeof *g);
		return true;
	}
	g->down = true;
	g->next_ms = now + d;
	return false;
}

/* The ledger failed with err. True after waiting (outage.* backoff, one
 * log line when the outage starts and one when it ends, through the health
 * state) when it is an outage to wait out: a PostgreSQL ledger's server
 * down, restarting or cut off; the ledger reconnects on its next call.
 * False when the daemon must stop (another error, outage.max_wait_ms
 * passed, or a stop request). */
static bool ledger_outage(const struct sk_config *cfg, struct sk_job_outage *o,
			  struct sk_error *err)
{
	if (!sk_job_outage_error(err))
		return false;
	sk_job_health_down(SK_JOB_LEDGER, sk_ledger_conf(cfg)->backend, err);
	int64_t d = sk_job_outage_delay(cfg, o, SK_JOB_LEDGER);
	if (d < 0)
		return false;
	sk_notify_status("waiting for the ledger (%s): %s",
			 sk_ledger_conf(cfg)->backend, err->msg);
	int64_t end = sk_mono_ms() + d;
	while (!sk_stop_requested() && sk_mono_ms() < end) {
		sk_notify_watchdog(); /* waiting out an outage is not a hang */
		sk_sleep_ms(100);
	}
	return !sk_stop_requested();
}

/* READY=1 to the service manager, the status naming the schedules. */
static void notify_ready(const struct plan *p)
{
	char status[256];
	size_t used = (size_t)snprintf(status, sizeof status,
				       "serving %zu schedule(s):", p->n);
	for (size_t i = 0; i < p->n && used < sizeof status; i++)
		used += (size_t)snprintf(status + used, sizeof status - used,
					 " %s", p->jobs[i].name);
	sk_notify_ready(status);
}

static void ledger_back(const struct sk_config *cfg, struct sk_job_outage *o)
{
	if (!o->attempt)
		return;
	sk_job_health_up(SK_JOB_LEDGER, sk_ledger_conf(cfg)->backend);
	memset(o, 0, sizeof *o);
}

/* Record the outcome of a run executed during a ledger outage. Retriable
 * errors are returned (the outage goes on); a refusal because the run is
 * no longer ours (its lease ran out meanwhile and another process took it
 * over, or the end was recorded after all) is logged and dropped. */
static sk_err_t record_pending(struct sk_ledger *l, const struct sk_run *r,
			       struct sk_error *err)
{
	sk_err_t rc = sk_ledger_run_end(l, r, sk_clock_now_ms(), err);
	if (rc == SK_OK)
		sk_log(SK_LOG_INFO, "sched",
		       "run=%lld attempt=%d: outcome %s recorded after the "
		       "ledger came back",
		       (long long)r->id, r->attempts,
		       sk_run_state_name(r->state));
	if (rc == SK_OK || err->retriable)
		return rc;
	struct sk_run now;
	struct sk_error gerr = {0};
	if (sk_ledger_run_get(l, r->id, &now, &gerr) == SK_OK &&
	    now.attempts == r->attempts && !strcmp(now.owner, r->owner) &&
	    now.state != SK_RUN_RUNNING)
		return SK_OK; /* it was recorded before the connection went */
	sk_log(SK_LOG_ERROR, "sched",
	       "run=%lld attempt=%d: outcome not recorded: %s",
	       (long long)r->id, r->attempts, err->msg);
	return SK_OK;
}

sk_err_t sk_sched_serve(struct sk_config **cfg, sk_sched_reload_fn reload,
			void *ud, struct sk_error *err)
{
	struct plan p;
	struct sk_ledger *l = NULL;
	if (plan_load(*cfg, &p, err) != SK_OK)
		return err->code;
	sk_sched_owner("serve");
	struct sk_sched_beat *beat = NULL;
	struct sk_job_outage lo = {0}; /* the ledger's outage, if any */
	while (sk_sched_ledger_open(*cfg, &l, err) != SK_OK ||
	       sk_sched_beat_start(*cfg, &beat, err) != SK_OK) {
		sk_ledger_close(l);
		l = NULL;
		if (!ledger_outage(*cfg, &lo, err)) {
			plan_free(&p);
			return err->code;
		}
	}
	int recovered = 0;
	int64_t next_recover = 0;
	sk_err_t rc = SK_OK;
	sk_log(SK_LOG_INFO, "sched", "serving schedules=%zu timezone=%s", p.n,
	       sk_tz_name(p.tz));
	/* An outcome the ledger could not take (it went down at the end of
	 * a run): recorded first thing when it is back, or the run, still
	 * ours and kept alive by our heartbeats, would never end. */
	struct sk_run pending;
	bool has_pending = false;
	struct gate bg = {0};
	/* The service manager hears READY once the ledger, the bus and the
	 * warehouse answer (what /readyz checks; the HTTP server is already
	 * up), probed at most every READY_PROBE_MS until then. */
	bool ready = false;
	int64_t next_ready_probe = 0;
	int64_t wd_ms = sk_notify_watchdog_ms();
	while (!sk_stop_requested()) {
		sk_notify_watchdog();
		if (rc != SK_OK) {
			/* A retriable ledger error: wait it out. */
			if (!ledger_outage(*cfg, &lo, err))
				break;
			rc = SK_OK;
			continue;
		}
		if (has_pending) {
			if ((rc = record_pending(l, &pending, err)) != SK_OK)
				continue;
			has_pending = false;
		}
		if (sk_reload_take()) {
			struct sk_error rerr = {0};
			struct plan np;
			struct sk_config *old = *cfg;
			if (ready) /* before READY a reload is part of the start */
				sk_notify_reloading();
			if (reload(ud, cfg, &rerr) != SK_OK) {
				sk_log(SK_LOG_ERROR, "sched",
				       "reload failed, keeping the running "
				       "configuration: %s",
				       rerr.msg);
			} else if (plan_load(*cfg, &np, &rerr) != SK_OK) {
				sk_log(SK_LOG_ERROR, "sched",
				       "reload failed, keeping the running "
				       "configuration: %s",
				       rerr.msg);
				sk_config_free(*cfg);
				*cfg = old;
			} else {
				sk_config_free(old);
				plan_free(&p);
				p = np;
				sk_log(SK_LOG_INFO, "sched",
				       "configuration reloaded: schedules=%zu",
				       p.n);
			}
			/* done, whichever way: the running configuration
			 * serves (READY ends the reload) */
			if (ready)
				notify_ready(&p);
		}
		/* Runs of a process that died (its lease ran out) are up
		 * for retry again, to be claimed below; live leases stay. */
		if (sk_now_ms() >= next_recover) {
			next_recover = sk_now_ms() + POLL_MS;
			if ((rc = sk_ledger_recover(l, sk_now_ms(), &recovered,
						    err)) != SK_OK)
				continue;
			if (recovered)
				sk_log(SK_LOG_WARN, "sched",
				       "%d run(s) whose owner stopped beating "
				       "(lease expired): up for retry",
				       recovered);
		}
		int64_t now = sk_clock_now_ms();
		char pbuf[8];
		bool paused = false, found;
		if ((rc = sk_ledger_meta_get(l, "paused", pbuf, sizeof pbuf,
					     &found, err)) != SK_OK)
			continue;
		ledger_back(*cfg, &lo);
		if (!ready && sk_mono_ms() >= next_ready_probe) {
			struct sk_error perr = {0};
			enum sk_job_backend which;
			if (sk_job_probe(*cfg, &which, &perr) == SK_OK) {
				ready = true;
				notify_ready(&p);
			} else {
				sk_notify_status("waiting: %s", perr.msg);
				next_ready_probe = sk_mono_ms() +
						   READY_PROBE_MS;
			}
		}
		paused = found && !strcmp(pbuf, "1");
		for (size_t i = 0; rc == SK_OK && i < p.n; i++)
			rc = schedule_job(*cfg, l, &p, &p.jobs[i], now, paused,
					  err);
		if (rc != SK_OK)
			continue;
		/* A run is claimed only when one is due and the bus and the
		 * warehouse answer: a claimed run is executed at once. */
		struct sk_run r;
		bool gated = false;
		if (!paused &&
		    (rc = sk_ledger_run_next_due(l, now, &r, &found, err)) ==
			    SK_OK &&
		    found && !(gated = !backends_ready(*cfg, &bg)) &&
		    (rc = sk_sched_claim(*cfg, l, 0, &r, &found, err)) ==
			    SK_OK &&
		    found) {
			rc = sk_sched_execute(*cfg, l, &r, NULL, err);
			if (rc != SK_OK && err->retriable) {
				/* Executed, but the ledger went away before
				 * the outcome was recorded: keep it. */
				pending = r;
				has_pending = true;
			}
			continue;
		}
		if (rc != SK_OK)
			continue;
		/* Runs queued from outside (the HTTP API, `skred runs
		 * trigger`) start within POLL_MS. */
		int64_t wait = next_event(&p, l, now) - now;
		if (paused || gated || wait > POLL_MS)
			wait = POLL_MS;
		if (wd_ms && wait > wd_ms / 2)
			wait = wd_ms / 2; /* the next watchdog ping in time */
		sk_clock_sleep_ms(wait > 50 ? wait : 50);
	}
	sk_log(SK_LOG_INFO, "sched", "stopping");
	sk_notify_stopping();
	sk_sched_beat_stop(beat);
	sk_ledger_close(l);
	plan_free(&p);
	return rc;
}
