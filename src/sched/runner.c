/*
 * runner.c - one attempt of a ledger run: fetch + process its window with
 * the job module, data checks, outcome and retry decision in the ledger.
 */
#include "sched/runner.h"
#include "job/job.h"
#include "model/model.h"
#include "notify/notify.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct sk_cfg_def sk_sched_cfg[] = {
	{"sched.schedules", SK_CFG_STR, "daily=0 17 * * *", 0, 0, 0,
	 "name=cron pairs separated by ';' (5-field cron, @daily, ...)",
	 offsetof(struct sk_sched_conf, schedules), NULL},
	{"sched.timezone", SK_CFG_STR, "Europe/Oslo", 0, 0, 0,
	 "time zone the cron expressions are read in",
	 offsetof(struct sk_sched_conf, timezone), NULL},
	{"sched.catchup", SK_CFG_BOOL, "true", 0, 0, 0,
	 "after downtime, run the missed intervals",
	 offsetof(struct sk_sched_conf, catchup), NULL},
	{"sched.catchup_max", SK_CFG_INT, "14", 1, 1000, 0,
	 "at most this many missed intervals per schedule",
	 offsetof(struct sk_sched_conf, catchup_max), NULL},
	{"sched.max_attempts", SK_CFG_INT, "3", 1, 100, 0,
	 "attempts per run (first included)",
	 offsetof(struct sk_sched_conf, max_attempts), NULL},
	{"sched.retry_base_ms", SK_CFG_INT, "60000", 0, 86400000, 0,
	 "first retry waits up to this (full jitter), doubling",
	 offsetof(struct sk_sched_conf, retry_base_ms), NULL},
	{"sched.retry_cap_ms", SK_CFG_INT, "1800000", 0, 86400000, 0,
	 "cap of the retry delay", offsetof(struct sk_sched_conf, retry_cap_ms),
	 NULL},
	{"sched.checks_fail_run", SK_CFG_BOOL, "false", 0, 0, 0,
	 "a failed data check fails the run",
	 offsetof(struct sk_sched_conf, checks_fail_run), NULL},
	{"sched.publish_hour", SK_CFG_INT, "16", 0, 23, 0,
	 "Oslo hour by which NVE publishes tomorrow's warnings",
	 offsetof(struct sk_sched_conf, publish_hour), NULL},
	{"sched.backfill_days", SK_CFG_INT, "30", 1, 366, 0,
	 "days per backfill run", offsetof(struct sk_sched_conf, backfill_days),
	 NULL},
	{"sched.lease_ms", SK_CFG_INT, "60000", 1000, 86400000, 0,
	 "a claimed run is the claimant's while it beats (every third of "
	 "this); a run silent this long is taken over",
	 offsetof(struct sk_sched_conf, lease_ms), NULL},
	SK_CFG_END(struct sk_sched_conf),
};

const struct sk_sched_conf *sk_sched_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_sched_cfg);
}

sk_err_t sk_sched_ledger_open(const struct sk_config *cfg,
			      struct sk_ledger **out, struct sk_error *err)
{
	struct sk_ledger_opts o = {.conf = sk_ledger_conf(cfg),
				   .data_dir = sk_core_conf(cfg)->data_dir};
	*out = NULL;
	if (sk_fail_point("ledger.open"))
		return sk_error_set(err, SK_ERR_DB, true,
				    "cannot open the ledger: failed by "
				    "SKRED_FAIL_AT");
	return sk_ledger_open(out, &o, err);
}

sk_err_t sk_sched_ledger_open_wait(const struct sk_config *cfg, bool wait,
				   struct sk_ledger **out, struct sk_error *err)
{
	struct sk_job_outage ow = {0};
	const char *type = sk_ledger_conf(cfg)->backend;
	while (sk_sched_ledger_open(cfg, out, err) != SK_OK) {
		if (!wait || !sk_job_outage_error(err) ||
		    !sk_job_outage_wait(cfg, &ow, SK_JOB_LEDGER, type, err))
			return err->code;
	}
	sk_job_health_up(SK_JOB_LEDGER, type);
	return SK_OK;
}

static pthread_mutex_t owner_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sk_ledger_owner owner;

const struct sk_ledger_owner *sk_sched_owner(const char *role)
{
	pthread_mutex_lock(&owner_lock);
	if (!owner.id[0])
		sk_ledger_owner_init(&owner, role);
	pthread_mutex_unlock(&owner_lock);
	return &owner;
}

sk_err_t sk_sched_claim(const struct sk_config *cfg, struct sk_ledger *l,
			int64_t id, struct sk_run *r, bool *claimed,
			struct sk_error *err)
{
	int64_t until = sk_now_ms() + sk_sched_conf(cfg)->lease_ms;
	const struct sk_ledger_owner *o = sk_sched_owner(NULL);
	if (id > 0)
		return sk_ledger_run_claim(l, id, o, sk_clock_now_ms(), until,
					   r, claimed, err);
	return sk_ledger_run_claim_next(l, o, sk_clock_now_ms(), until, r,
					claimed, err);
}

/* ------------------------------------------------------------ beats */

struct sk_sched_beat {
	struct sk_ledger *l;
	int64_t lease_ms;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void beat_once(struct sk_sched_beat *b)
{
	struct sk_error err = {0};
	int64_t now = sk_now_ms();
	int renewed = 0;
	if (sk_ledger_heartbeat(b->l, sk_sched_owner(NULL), now,
				now + b->lease_ms, &renewed, &err) != SK_OK)
		sk_log(SK_LOG_WARN, "sched",
		       "heartbeat failed (tried again in %lld ms): %s",
		       (long long)(b->lease_ms / 3), err.msg);
	/* The daemon is alive while its lease is kept, also during a long
	 * run (the serve loop pings between runs). A failed beat is an
	 * outage handled above, not a hang. */
	sk_notify_watchdog();
}

static void *beat_main(void *arg)
{
	struct sk_sched_beat *b = arg;
	pthread_mutex_lock(&b->mu);
	while (!b->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t wait_ms = b->lease_ms / 3, wd = sk_notify_watchdog_ms();
		if (wd && wait_ms > wd / 2)
			wait_ms = wd / 2;
		int64_t ns = ts.tv_nsec + wait_ms * 1000000LL;
		ts.tv_sec += (time_t)(ns / 1000000000LL);
		ts.tv_nsec = (long)(ns % 1000000000LL);
		pthread_cond_timedwait(&b->cv, &b->mu, &ts);
		if (b->stop)
			break;
		pthread_mutex_unlock(&b->mu);
		beat_once(b);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

sk_err_t sk_sched_beat_start(const struct sk_config *cfg,
			     struct sk_sched_beat **out, struct sk_error *err)
{
	*out = NULL;
	struct sk_sched_beat *b = calloc(1, sizeof *b);
	if (!b)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	b->lease_ms = sk_sched_conf(cfg)->lease_ms;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if (sk_sched_ledger_open(cfg, &b->l, err) != SK_OK)
		goto fail;
	int64_t now = sk_now_ms();
	if (sk_ledger_heartbeat(b->l, sk_sched_owner(NULL), now,
				now + b->lease_ms, NULL, err) != SK_OK)
		goto fail;
	if (pthread_create(&b->th, NULL, beat_main, b) != 0) {
		sk_error_set(err, SK_ERR_NOMEM, false,
			     "cannot start the heartbeat thread");
		goto fail;
	}
	*out = b;
	return SK_OK;
fail:
	sk_ledger_close(b->l);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b);
	return err->code;
}

void sk_sched_beat_stop(struct sk_sched_beat *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = true;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	struct sk_error err = {0};
	if (sk_ledger_owner_gone(b->l, sk_sched_owner(NULL), &err) != SK_OK)
		sk_log(SK_LOG_WARN, "sched", "leaving the daemon table: %s",
		       err.msg);
	sk_ledger_close(b->l);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b);
}

/* ------------------------------------------------------------ tally */

void sk_sched_tally_free(struct sk_sched_tally *t)
{
	free(t->c);
	t->c = NULL;
	t->n = t->cap = 0;
}

sk_err_t sk_sched_tally_outcome(void *ud, const struct sk_bus_msg *msg,
				enum sk_job_outcome oc, struct sk_error *err)
{
	struct sk_sched_tally *t = ud;
	if (oc == SK_JOB_BATCH_DONE) {
		if (t->l && t->n && sk_fail_point("ledger.credit"))
			sk_error_set(err, SK_ERR_DB, true,
				     "ledger: credit: failed by SKRED_FAIL_AT");
		else if (!t->l ||
			 sk_ledger_run_credit(t->l, t->c, t->n, sk_now_ms(),
					      err) == SK_OK) {
			t->n = 0;
			return SK_OK;
		}
		sk_error_prefix(err,
				"crediting %zu stored records to their "
				"runs",
				t->n);
		return err->code;
	}
	const char *run = msg ? sk_bus_msg_header(msg, "run") : NULL;
	if (!run || oc == SK_JOB_STALE) /* stale: neither stored nor dead */
		return SK_OK;
	char *end = NULL;
	long long id = strtoll(run, &end, 10);
	if (id <= 0 || *end != '.')
		return SK_OK;
	int attempt = (int)strtol(end + 1, NULL, 10);
	bool dead = oc == SK_JOB_DEAD;
	if (id == t->own_id && attempt == t->own_attempt) {
		t->own_stored += !dead;
		t->own_dead += dead;
		return SK_OK;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct sk_ledger_credit *c = realloc(t->c, cap * sizeof *c);
		if (!c)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		t->c = c;
		t->cap = cap;
	}
	t->c[t->n++] = (struct sk_ledger_credit){.run_id = id,
						 .attempt = attempt,
						 .partition = msg->partition,
						 .offset = msg->offset,
						 .dead = dead};
	return SK_OK;
}

void sk_sched_window(const struct sk_config *cfg, int64_t fire_utc_ms,
		     struct sk_run *r)
{
	struct sk_job_scope sc;
	sk_job_scope(cfg, fire_utc_ms, &sc);
	sk_date_format(&sc.from, r->window_from);
	sk_date_format(&sc.to, r->window_to);
	sk_time_format_utc(fire_utc_ms, r->logical_time);
}

/* The last lines the attempt logged, from the runner's thread and its
 * fetch thread (both tap into it, under mu), whole up to 1 KiB each (the
 * UI wraps them), for its log excerpt. */
struct excerpt {
	pthread_mutex_t mu;
	char lines[6][1024];
	int n;
};

static void tap(const char *line, void *ud)
{
	struct excerpt *x = ud;
	pthread_mutex_lock(&x->mu);
	snprintf(x->lines[x->n % 6], sizeof x->lines[0], "%s", line);
	x->n++;
	pthread_mutex_unlock(&x->mu);
}

static void excerpt_join(const struct excerpt *x, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	int first = x->n > 6 ? x->n - 6 : 0;
	/* The newest lines that fit, whole. */
	size_t need = 0;
	for (int i = x->n - 1; i >= first; i--) {
		need += strlen(x->lines[i % 6]) + 1;
		if (need > size) {
			first = i + 1;
			break;
		}
	}
	for (int i = first; i < x->n && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s",
				 i > first ? "\n" : "", x->lines[i % 6]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* The chunks an attempt's fetch reports (on its thread, under mu), kept
 * for the ledger (sk_ledger_chunks_put once the fetch has ended). */
struct chunk_log {
	pthread_mutex_t mu;
	int attempt;
	struct sk_chunk *v;
	size_t n, cap;
};

static void chunk_seen(void *ud, const struct sk_fetch_chunk *c,
		       int64_t warnings, int64_t rejected)
{
	struct chunk_log *k = ud;
	pthread_mutex_lock(&k->mu);
	if (k->n == k->cap && k->cap < SK_LEDGER_MAX_CHUNKS) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct sk_chunk *m = realloc(k->v, cap * sizeof *m);
		if (m) {
			k->v = m;
			k->cap = cap;
		}
	}
	if (k->n < k->cap) {
		struct sk_chunk *x = &k->v[k->n];
		memset(x, 0, sizeof *x);
		x->attempt = k->attempt;
		x->seq = (int)++k->n;
		x->region = c->region;
		x->lang = c->lang;
		sk_date_format(&c->from, x->from);
		sk_date_format(&c->to, x->to);
		x->start_ms = c->started_ms;
		x->end_ms = c->ended_ms;
		x->count = warnings;
		if (c->error)
			snprintf(x->error, sizeof x->error, "%s", c->error);
		else if (rejected)
			snprintf(x->error, sizeof x->error,
				 "%lld record(s) did not match the request "
				 "(dead-lettered)",
				 (long long)rejected);
		snprintf(x->state, sizeof x->state, "%s",
			 x->error[0] ? "failed" : "success");
	}
	pthread_mutex_unlock(&k->mu);
}

/* ------------------------------------------------------------ checks */

struct check_ctx {
	struct sk_date tomorrow, today;
	int64_t bad_levels;
	int64_t tomorrow_rows;
	int64_t per_day[64];
	struct sk_date from;
};

static int check_row(const struct sk_warning *w, void *ud)
{
	struct check_ctx *c = ud;
	if (w->danger_level < 0 || w->danger_level > 5)
		c->bad_levels++;
	struct sk_date d;
	if (sk_date_parse(w->valid_date, &d) == SK_OK) {
		if (!sk_date_cmp(&d, &c->tomorrow))
			c->tomorrow_rows++;
		int64_t k = sk_date_diff(&c->from, &d);
		if (k >= 0 && k < 64)
			c->per_day[k]++;
	}
	return 0;
}

/* The source_drift check's detail: the records that drifted from the
 * expected API shape, per field and kind ("MainText missing 6"). */
static void drift_detail(const struct sk_job_process_stats *ps, char *out,
			 size_t size)
{
	if (!ps->drifted) {
		snprintf(out, size, "every record had the expected API shape");
		return;
	}
	size_t used = (size_t)snprintf(out, size,
				       "%lld record(s) drifted from the API "
				       "shape, %lld held:",
				       (long long)ps->drifted,
				       (long long)ps->held);
	for (size_t i = 0; i < ps->n_drift && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s %s %s %lld",
				 i ? "," : "", ps->drift[i].field,
				 sk_model_drift_kind_name(ps->drift[i].kind),
				 (long long)ps->drift[i].count);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Record one check's result and count it; returns ok. */
static bool put_check(struct sk_ledger *l, const struct sk_run *r,
		      const char *name, bool ok, const char *detail,
		      int64_t now, int64_t *passed, struct sk_error *err)
{
	sk_ledger_check_put(l, r->id, name, ok, detail, now, err);
	*passed += ok;
	return ok;
}

/* Data checks after a run, as the Boreas project does: levels within 0..5;
 * after publication time every active A region of the run has a warning for
 * tomorrow in each language; the day's count against the previous days';
 * no active region answered with an empty array (the API answers every day
 * of a region, out of season with "not assessed" elements, so [] is never
 * a normal answer for a region NVE still publishes).
 * *passed counts the checks that passed (a skipped one passes). */
static bool run_checks(const struct sk_config *cfg, struct sk_ledger *l,
		       struct sk_store *st, const struct sk_run *r,
		       const int *regions, size_t n_regions, const int *langs,
		       size_t n_langs, const struct sk_fetch_stats *fs,
		       const struct sk_job_process_stats *ps, int64_t *passed,
		       struct sk_error *err)
{
	int64_t now = sk_clock_now_ms();
	struct sk_date from, to;
	if (sk_date_parse(r->window_from, &from) != SK_OK ||
	    sk_date_parse(r->window_to, &to) != SK_OK)
		return false;
	struct check_ctx c = {.from = from};
	c.today = sk_oslo_date_at(now);
	c.tomorrow = sk_date_add_days(c.today, 1);
	struct sk_store_query q = {.region_ids = regions,
				   .n_regions = n_regions,
				   .lang_key = n_langs == 1 ? langs[0] : 0,
				   .from = from,
				   .to = to};
	bool all_ok = true;
	char detail[400];
	if (sk_store_query(st, &q, check_row, &c, err) != SK_OK) {
		return put_check(l, r, "query", false, err->msg, now, passed,
				 err);
	}
	if (fs->empty_active)
		snprintf(detail, sizeof detail,
			 "%lld empty answer(s) for active regions: %s%s",
			 (long long)fs->empty_active, fs->empty_active_list,
			 fs->empty_active > 4 ? "; ..." : "");
	else
		snprintf(detail, sizeof detail,
			 "no active region answered with an empty array");
	all_ok &= put_check(l, r, "nonempty_active_regions",
			    fs->empty_active == 0, detail, now, passed, err);
	drift_detail(ps, detail, sizeof detail);
	all_ok &= put_check(l, r, "source_drift", ps->drifted == 0, detail, now,
			    passed, err);
	snprintf(detail, sizeof detail, "%lld warnings outside 0..5",
		 (long long)c.bad_levels);
	all_ok &= put_check(l, r, "danger_level_range", c.bad_levels == 0,
			    detail, now, passed, err);

	struct sk_civil lt;
	sk_oslo_from_utc_ms(now, &lt);
	bool in_window = sk_date_cmp(&c.tomorrow, &from) >= 0 &&
			 sk_date_cmp(&c.tomorrow, &to) <= 0;
	if (in_window && lt.hh >= sk_sched_conf(cfg)->publish_hour) {
		int64_t active_a = 0;
		for (size_t i = 0; i < n_regions; i++) {
			const struct sk_region *rg =
				sk_model_region_find(regions[i]);
			active_a += rg && rg->type == 'A' && rg->active;
		}
		/* Counted over every region of the run; A regions are what
		 * NVE promises, so at least those many rows must be there. */
		int64_t want = active_a * (int64_t)n_langs;
		bool ok = c.tomorrow_rows >= want;
		snprintf(detail, sizeof detail,
			 "%lld warnings for tomorrow, %lld expected (active A "
			 "regions x languages)",
			 (long long)c.tomorrow_rows, (long long)want);
		all_ok &= put_check(l, r, "tomorrow_published", ok, detail, now,
				    passed, err);
	} else {
		put_check(l, r, "tomorrow_published", true,
			  "skipped: before publication time or tomorrow "
			  "outside the window",
			  now, passed, err);
	}

	int64_t k = sk_date_diff(&from, &c.today);
	if (k >= 1 && k < 64) {
		int64_t sum = 0, days = 0;
		for (int64_t i = k - 1; i >= 0 && i >= k - 7; i--, days++)
			sum += c.per_day[i];
		double avg = days ? (double)sum / (double)days : 0;
		bool ok = avg == 0 || (double)c.per_day[k] >= avg * 0.5;
		snprintf(detail, sizeof detail,
			 "%lld warnings today, %.1f a day over the %lld days "
			 "before",
			 (long long)c.per_day[k], avg, (long long)days);
		all_ok &= put_check(l, r, "count_vs_previous_days", ok, detail,
				    now, passed, err);
	}
	return all_ok;
}

/* ----------------------------------------------------------- execute */

/* Record one task of the current attempt (a failure to record is logged:
 * the run's outcome matters more than its breakdown). */
static void task_record(struct sk_ledger *l, const struct sk_run *r, int seq,
			const char *name, const char *state, int64_t start_ms,
			int64_t end_ms, int64_t count, const char *error)
{
	struct sk_task t = {.attempt = r->attempts,
			    .seq = seq,
			    .start_ms = start_ms,
			    .end_ms = end_ms,
			    .count = count};
	snprintf(t.name, sizeof t.name, "%s", name);
	snprintf(t.state, sizeof t.state, "%s", state);
	snprintf(t.error, sizeof t.error, "%s", error ? error : "");
	struct sk_error e = {0};
	if (sk_ledger_task_put(l, r->id, &t, &e) != SK_OK)
		sk_log(SK_LOG_WARN, "sched",
		       "run=%lld: task %s not recorded: %s", (long long)r->id,
		       name, e.msg);
}

static const char *task_state(sk_err_t rc)
{
	if (rc == SK_OK)
		return "success";
	return rc == SK_ERR_INTERRUPTED || sk_stop_requested() ? "interrupted"
							       : "failed";
}

/* Runs executed at once in this process (a backfill) fetch in parallel,
 * as many at once as their gate lets, but take turns processing, and every
 * run's processing happens on one thread, the processor: its SQLite caches
 * (warehouse, bus) are then allocated from one malloc arena and reused run
 * after run, where the processing of successive runs on different threads
 * left each thread's arena at its own high-water mark. The embedded log
 * makes its consumers take turns batch by batch anyway (across processes
 * too); this keeps one process's threads from competing for every batch.
 *
 * Ownership: proc_turn serializes the callers; proc_next (under proc_mu)
 * is the call handed over, set by its caller and cleared by the processor
 * once the call has returned. While the processor runs a call, the caller
 * only waits, so the call's state (struct attempt) has one user at a
 * time. */
static pthread_mutex_t proc_turn = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t proc_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t proc_cv = PTHREAD_COND_INITIALIZER;
struct proc_call {
	void (*fn)(void *ud);
	void *ud;
};
static struct proc_call *proc_next;
static bool proc_started;

static void *processor_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&proc_mu);
	for (;;) {
		while (!proc_next)
			pthread_cond_wait(&proc_cv, &proc_mu);
		struct proc_call *c = proc_next;
		pthread_mutex_unlock(&proc_mu);
		c->fn(c->ud);
		pthread_mutex_lock(&proc_mu);
		proc_next = NULL;
		pthread_cond_broadcast(&proc_cv);
	}
	return NULL;
}

/* fn(ud) on the processor thread (started at the first call, detached,
 * for the process's life), after every earlier caller's; returns when fn
 * has. On the calling thread when no thread can be started. */
static void on_processor(void (*fn)(void *ud), void *ud)
{
	struct proc_call c = {.fn = fn, .ud = ud};
	pthread_mutex_lock(&proc_turn);
	pthread_mutex_lock(&proc_mu);
	if (!proc_started) {
		pthread_t th;
		proc_started = pthread_create(&th, NULL, processor_main,
					      NULL) == 0;
		if (proc_started)
			pthread_detach(th);
	}
	if (!proc_started) {
		pthread_mutex_unlock(&proc_mu);
		fn(ud);
		pthread_mutex_unlock(&proc_turn);
		return;
	}
	proc_next = &c;
	pthread_cond_broadcast(&proc_cv);
	while (proc_next == &c)
		pthread_cond_wait(&proc_cv, &proc_mu);
	pthread_mutex_unlock(&proc_mu);
	pthread_mutex_unlock(&proc_turn);
}

void sk_sched_gate_init(struct sk_sched_gate *g, int slots)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->free = slots > 0 ? slots : 1;
}

void sk_sched_gate_destroy(struct sk_sched_gate *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

static void gate_take(struct sk_sched_gate *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	while (g->free == 0)
		pthread_cond_wait(&g->cv, &g->mu);
	g->free--;
	pthread_mutex_unlock(&g->mu);
}

/* Called by the fetch thread when its fetch ends (sk_job_fetcher_opts). */
static void gate_give(void *ud)
{
	struct sk_sched_gate *g = ud;
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->free++;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* One attempt's processing stage, run on the processor thread while the
 * runner's thread waits: process what the fetch appends until it has
 * ended, record the fetch and process tasks, run the checks, close the
 * warehouse and the bus. */
struct attempt {
	const struct sk_config *cfg;
	struct sk_ledger *l;
	struct sk_run *r;
	struct excerpt *x;
	const int *regions, *langs;
	size_t n_regions, n_langs;
	struct sk_bus *bus;
	struct sk_store *st;
	struct sk_job_fetcher *fetcher;
	int64_t t0; /* the fetch's start */
	/* results */
	sk_err_t rc;
	struct sk_error why;
	struct sk_job_fetch_stats fs;
	struct sk_job_process_stats ps;
	bool processed; /* the warehouse and bus opened, processing ran */
	struct sk_sched_tally tally;
};

static void process_stage(void *ud)
{
	struct attempt *a = ud;
	const struct sk_config *cfg = a->cfg;
	struct sk_ledger *l = a->l;
	struct sk_run *r = a->r;
	struct sk_job_process_stats ps = {0};
	struct sk_error ferr = {0};
	sk_log_set_tap(tap, a->x);
	/* The consumer group stores whatever is pending, this run's records
	 * and others'; each is counted for its own run. */
	a->tally.l = l;
	a->tally.own_id = r->id;
	a->tally.own_attempt = r->attempts;
	struct sk_job_process_opts po = {.outcome = sk_sched_tally_outcome,
					 .outcome_ud = &a->tally,
					 .stream = a->fetcher};
	int64_t tp = sk_clock_now_ms();
	/* Opened here, on the processor: the bus applies its retention at
	 * open, reading the log into this handle's cache. */
	sk_err_t rc = sk_job_bus_open(cfg, &a->bus, &a->why);
	if (rc == SK_OK) {
		a->processed = true;
		rc = sk_job_process(cfg, a->bus, a->st, &po, &ps, &a->why);
	}
	a->ps = ps;
	sk_sched_tally_free(&a->tally);
	int64_t tp_end = sk_clock_now_ms(), t0_end = tp_end;
	sk_err_t frc = sk_job_fetch_join(a->fetcher, &a->fs, &t0_end, &ferr);
	a->fetcher = NULL;
	task_record(l, r, 1, "fetch", task_state(frc), a->t0, t0_end,
		    a->fs.produced, frc == SK_OK ? "" : ferr.msg);
	/* Processing that went well after a failed fetch stored only part
	 * of the window: upstream_failed, as Airflow says, never success. */
	task_record(l, r, 2, "process",
		    rc == SK_OK && frc != SK_OK && !sk_stop_requested()
			    ? "upstream_failed"
			    : task_state(rc),
		    tp, tp_end, a->tally.own_stored,
		    rc == SK_OK ? "" : a->why.msg);
	if (frc != SK_OK) {
		rc = frc;
		a->why = ferr;
	}
	if (rc == SK_OK && sk_stop_requested())
		rc = sk_error_set(&a->why, SK_ERR_INTERRUPTED, false,
				  "stopped by a signal");
	int64_t t0 = sk_clock_now_ms();
	if (rc == SK_OK) {
		struct sk_error cerr = {0};
		int64_t passed = 0;
		bool ok = run_checks(cfg, l, a->st, r, a->regions, a->n_regions,
				     a->langs, a->n_langs, &a->fs.fetch, &ps,
				     &passed, &cerr);
		task_record(l, r, 3, "checks", ok ? "success" : "failed", t0,
			    sk_clock_now_ms(), passed,
			    ok ? "" : "a data check failed");
		if (!ok && sk_sched_conf(cfg)->checks_fail_run)
			rc = sk_error_set(&a->why, SK_ERR_VALIDATE, false,
					  "a data check failed (see the run's "
					  "checks)");
	} else {
		bool stopped = rc == SK_ERR_INTERRUPTED || sk_stop_requested();
		task_record(l, r, 3, "checks",
			    stopped ? "skipped" : "upstream_failed", t0,
			    sk_clock_now_ms(), 0,
			    stopped ? "the run was stopped"
				    : "an earlier task failed");
	}
	sk_store_close(a->st);
	sk_bus_close(a->bus);
	a->st = NULL;
	a->bus = NULL;
	a->rc = rc;
	sk_log_set_tap(NULL, NULL);
}

sk_err_t sk_sched_execute(const struct sk_config *cfg, struct sk_ledger *l,
			  struct sk_run *r, struct sk_sched_gate *gate,
			  struct sk_error *err)
{
	return sk_sched_execute_report(cfg, l, r, gate, NULL, err);
}

sk_err_t sk_sched_execute_report(const struct sk_config *cfg,
				 struct sk_ledger *l, struct sk_run *r,
				 struct sk_sched_gate *gate,
				 struct sk_sched_report *rep,
				 struct sk_error *err)
{
	struct sk_error why = {0};
	struct excerpt x = {.mu = PTHREAD_MUTEX_INITIALIZER};
	int *regions = NULL;
	size_t n_regions = 0, n_langs = 0;
	int langs[2];
	/* Threads: this one prepares and records the outcome; the processor
	 * (on_processor) opens the consumer's bus, processes into st and
	 * writes the tasks on l while this one waits; the fetch thread
	 * appends on a bus handle of its own (sk_job_fetch_start) and touches
	 * nothing here but the excerpt (x, under its lock) and the gate. */
	struct sk_store *st = NULL;
	struct sk_job_fetch_stats fs = {0};
	struct sk_sched_tally tally = {0};
	sk_err_t rc;

	struct chunk_log chunks = {.mu = PTHREAD_MUTEX_INITIALIZER,
				   .attempt = r->attempts};
	if (rep)
		memset(rep, 0, sizeof *rep);
	sk_log_set_tap(tap, &x);
	sk_log(SK_LOG_INFO, "sched",
	       "run=%lld job=%s attempt=%d/%d window=%s..%s regions=%s "
	       "lang=%s",
	       (long long)r->id, r->job, r->attempts, r->max_attempts,
	       r->window_from, r->window_to, r->regions, r->langs);
	struct sk_fetch_req req = {.simple = r->simple};
	if ((rc = sk_model_regions_select(r->regions, &regions, &n_regions,
					  &why)) != SK_OK ||
	    (rc = sk_model_langs_select(r->langs, langs, &n_langs, &why)) !=
		    SK_OK ||
	    (rc = sk_date_parse(r->window_from, &req.from)) != SK_OK ||
	    (rc = sk_date_parse(r->window_to, &req.to)) != SK_OK) {
		if (!why.msg[0])
			sk_error_set(&why, SK_ERR_INVAL, false,
				     "bad run window");
		goto done;
	}
	req.regions = regions;
	req.n_regions = n_regions;
	req.langs = langs;
	req.n_langs = n_langs;
	struct sk_store_opts so = sk_job_store_opts(cfg);
	if ((rc = sk_store_open(&st, &so, &why)) != SK_OK)
		goto done;
	struct attempt a = {.cfg = cfg,
			    .l = l,
			    .r = r,
			    .x = &x,
			    .regions = regions,
			    .n_regions = n_regions,
			    .langs = langs,
			    .n_langs = n_langs};
	char tag[48];
	snprintf(tag, sizeof tag, "%lld.%d", (long long)r->id, r->attempts);
	/* Fetch and process overlap: the fetch appends chunk by chunk on its
	 * thread while the processor stores what has arrived, until the fetch
	 * has ended and everything is processed. With bus.format=avro the
	 * clean topic's contract comes first (nothing fetched without it). */
	int32_t sid;
	if ((rc = sk_job_schema_prepare(
		     cfg, sk_bus_backends[sk_bus_conf(cfg)->backend], &sid,
		     &why)) != SK_OK)
		goto done;
	gate_take(gate);
	int64_t t0 = sk_clock_now_ms();
	struct sk_job_fetcher_opts fo = {.run = tag,
					 .tap = tap,
					 .tap_ud = &x,
					 .ended = gate ? gate_give : NULL,
					 .ended_ud = gate,
					 .chunk = chunk_seen,
					 .chunk_ud = &chunks};
	if ((rc = sk_job_fetch_start(cfg, &req, &fo, &a.fetcher, &why)) !=
	    SK_OK) {
		gate_give(gate);
		goto done;
	}
	a.st = st;
	st = NULL; /* the processing stage closes it */
	a.t0 = t0;
	on_processor(process_stage, &a);
	rc = a.rc;
	why = a.why;
	fs = a.fs;
	tally = a.tally;
	if (rep) {
		rep->ps = a.ps;
		rep->processed = a.processed;
	}
	/* The fetch has ended (joined by the processing stage). */
	struct sk_error cherr = {0};
	if (sk_ledger_chunks_put(l, r->id, chunks.v, chunks.n, &cherr) != SK_OK)
		sk_log(SK_LOG_WARN, "sched",
		       "run=%lld: its fetch chunks not recorded: %s",
		       (long long)r->id, cherr.msg);
done:
	if (rep) {
		rep->fs = fs;
		rep->rc = rc;
		rep->why = why;
	}
	r->fetched = fs.produced;
	r->stored = tally.own_stored;
	r->dead = tally.own_dead;
	r->dead += fs.dead_lettered; /* refused at fetch time */
	r->next_try_ms = 0;
	snprintf(r->error, sizeof r->error, "%s", rc == SK_OK ? "" : why.msg);
	if (rc == SK_OK) {
		r->state = SK_RUN_SUCCESS;
	} else if (rc == SK_ERR_INTERRUPTED || sk_stop_requested()) {
		r->state = SK_RUN_QUEUED; /* runs again at the next start */
	} else if (why.retriable && r->attempts < r->max_attempts) {
		uint64_t rng = (uint64_t)sk_now_ms() ^ (uint64_t)r->id;
		r->state = SK_RUN_RETRY;
		r->next_try_ms =
			sk_clock_now_ms() +
			sk_backoff_ms((unsigned)r->attempts - 1,
				      sk_sched_conf(cfg)->retry_base_ms,
				      sk_sched_conf(cfg)->retry_cap_ms, &rng);
	} else {
		r->state = SK_RUN_FAILED;
	}
	/* With rep the caller prints the error itself: said once. */
	bool say = rc != SK_OK && !rep;
	sk_log(say ? SK_LOG_WARN : SK_LOG_INFO, "sched",
	       "run=%lld attempt=%d state=%s fetched=%lld stored=%lld "
	       "dead=%lld%s%s",
	       (long long)r->id, r->attempts, sk_run_state_name(r->state),
	       (long long)r->fetched, (long long)r->stored, (long long)r->dead,
	       say ? ": " : "", say ? why.msg : "");
	sk_log_set_tap(NULL, NULL);
	excerpt_join(&x, r->log_excerpt, sizeof r->log_excerpt);
	sk_store_close(st);
	free(regions);
	free(chunks.v);
	pthread_mutex_destroy(&chunks.mu);
	pthread_mutex_destroy(&x.mu);
	/* An interrupted attempt counts: its row says "interrupted". */
	struct sk_error eerr = {0};
	rc = sk_ledger_run_end(l, r, sk_clock_now_ms(), &eerr);
	if (rc == SK_ERR_CONFLICT) {
		/* Our lease ran out (this process stalled) and the run was
		 * recovered or taken over: its outcome is the new owner's. */
		sk_log(SK_LOG_ERROR, "sched",
		       "run=%lld: outcome not recorded: %s", (long long)r->id,
		       eerr.msg);
	} else if (rc != SK_OK) {
		*err = eerr;
		return rc;
	}
	/* Counts as recorded: ours plus what other consumers credited. */
	struct sk_run now;
	if (sk_ledger_run_get(l, r->id, &now, err) != SK_OK)
		return err->code;
	*r = now;
	return SK_OK;
}
