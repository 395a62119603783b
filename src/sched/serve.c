/*
 * serve.c - the daemon loop of `skred serve`: cron schedules in a named
 * time zone, runs created per fire time (catch-up after downtime, bounded),
 * due runs executed one at a time, retries when their time comes, pause,
 * SIGHUP reload, SIGTERM/SIGINT stop after (or interrupting) the current
 * task. State lives in the ledger, so a restart goes on where it stopped.
 */
#include "sched/runner.h"
#include "sched/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JOBS 16
#define POLL_MS 1000 /* longest sleep between looks at the ledger */

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
	const char *spec = sk_config_str(cfg, "sched.schedules");
	if (sk_tz_load(sk_config_str(cfg, "sched.timezone"), &p->tz, err) !=
	    SK_OK)
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
	*v = *found ? atoll(buf) : 0;
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
	size_t max = (size_t)sk_config_int(cfg, "sched.catchup_max");
	int64_t fires[1024];
	size_t n = 0, missed = 0;
	int64_t from = last;
	for (;;) {
		size_t got = sk_cron_between(&j->cron, p->tz, from, now, fires + n,
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
	size_t keep = sk_config_bool(cfg, "sched.catchup") ? max : 1;
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
		sk_sched_window(cfg, fires[i], &r);
		snprintf(r.regions, sizeof r.regions, "%s",
			 sk_config_str(cfg, "regions"));
		snprintf(r.langs, sizeof r.langs, "%s",
			 sk_config_str(cfg, "lang"));
		r.max_attempts = (int)sk_config_int(cfg, "sched.max_attempts");
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

/* The ledger is unreachable (a PostgreSQL ledger's server down, restarting
 * or cut off): wait, with capped exponential backoff and full jitter on the
 * real clock, until the next attempt or a stop request. The first attempt
 * is logged as a warning, later ones at debug, the recovery at info; the
 * daemon does not exit for an outage however long. */
static void outage_wait(const struct sk_config *cfg, unsigned attempt,
			int64_t since_ms, const struct sk_error *why,
			uint64_t *rng)
{
	int64_t ms = sk_backoff_ms(attempt,
				   sk_config_int(cfg, "sched.outage_base_ms"),
				   sk_config_int(cfg, "sched.outage_cap_ms"),
				   rng);
	if (ms < 100)
		ms = 100;
	if (!attempt)
		sk_log(SK_LOG_WARN, "sched",
		       "ledger unreachable, waiting for it (retries logged "
		       "at debug): %s",
		       why->msg);
	else
		sk_log(SK_LOG_DEBUG, "sched",
		       "ledger unreachable for %llds (attempt %u), trying "
		       "again in %lldms: %s",
		       (long long)((sk_now_ms() - since_ms) / 1000),
		       attempt + 1, (long long)ms, why->msg);
	int64_t end = sk_now_ms() + ms;
	while (!sk_stop_requested() && sk_now_ms() < end)
		sk_sleep_ms(100);
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
	unsigned outage = 0;
	int64_t outage_since = 0;
	uint64_t rng = (uint64_t)sk_now_ms() | 1;
	while (sk_sched_ledger_open(*cfg, &l, err) != SK_OK ||
	       sk_sched_beat_start(*cfg, &beat, err) != SK_OK) {
		sk_ledger_close(l);
		l = NULL;
		if (!err->retriable || sk_stop_requested()) {
			plan_free(&p);
			return err->code;
		}
		if (!outage_since)
			outage_since = sk_now_ms();
		outage_wait(*cfg, outage++, outage_since, err, &rng);
	}
	int recovered = 0;
	int64_t next_recover = 0;
	sk_err_t rc = SK_OK;
	sk_log(SK_LOG_INFO, "sched", "serving schedules=%zu timezone=%s",
	       p.n, sk_tz_name(p.tz));
	/* An outcome the ledger could not take (it went down at the end of
	 * a run): recorded first thing when it is back, or the run, still
	 * ours and kept alive by our heartbeats, would never end. */
	struct sk_run pending;
	bool has_pending = false;
again:
	if (has_pending && rc == SK_OK &&
	    (rc = record_pending(l, &pending, err)) == SK_OK)
		has_pending = false;
	while (rc == SK_OK && !sk_stop_requested()) {
		if (sk_reload_take()) {
			struct sk_error rerr = {0};
			struct plan np;
			struct sk_config *old = *cfg;
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
		}
		/* Runs of a process that died (its lease ran out) are up
		 * for retry again, to be claimed below; live leases stay. */
		if (sk_now_ms() >= next_recover) {
			next_recover = sk_now_ms() + POLL_MS;
			if ((rc = sk_ledger_recover(l, sk_now_ms(), &recovered,
						    err)) != SK_OK)
				break;
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
			break;
		paused = found && !strcmp(pbuf, "1");
		if (outage) {
			sk_log(SK_LOG_INFO, "sched",
			       "ledger reachable again after %llds",
			       (long long)((sk_now_ms() - outage_since) /
					   1000));
			outage = 0;
			outage_since = 0;
		}
		for (size_t i = 0; rc == SK_OK && i < p.n; i++)
			rc = schedule_job(*cfg, l, &p, &p.jobs[i], now, paused,
					  err);
		if (rc != SK_OK)
			break;
		struct sk_run r;
		if (!paused &&
		    (rc = sk_sched_claim(*cfg, l, 0, &r, &found, err)) ==
			    SK_OK &&
		    found) {
			rc = sk_sched_execute(*cfg, l, &r, err);
			if (rc != SK_OK && err->retriable) {
				/* Executed, but the ledger went away before
				 * the outcome was recorded: keep it. */
				pending = r;
				has_pending = true;
			}
			continue;
		}
		if (rc != SK_OK)
			break;
		/* Runs queued from outside (the HTTP API, `skred runs
		 * trigger`) start within POLL_MS. */
		int64_t wait = next_event(&p, l, now) - now;
		if (paused || wait > POLL_MS)
			wait = POLL_MS;
		sk_clock_sleep_ms(wait > 50 ? wait : 50);
	}
	/* A retriable ledger error (the connection lost): wait it out; the
	 * ledger reconnects on the next call. Anything else ends the loop. */
	if (rc != SK_OK && err->retriable && !sk_stop_requested()) {
		if (!outage_since)
			outage_since = sk_now_ms();
		outage_wait(*cfg, outage++, outage_since, err, &rng);
		rc = SK_OK;
		goto again;
	}
	sk_log(SK_LOG_INFO, "sched", "stopping");
	sk_sched_beat_stop(beat);
	sk_ledger_close(l);
	plan_free(&p);
	return rc;
}
