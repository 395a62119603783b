/*
 * backfill.c - `skred backfill`: a date range split into runs of
 * sched.backfill_days, recorded in the ledger and executed as a pipeline
 * (--concurrency runs fetching while the one before them is processed; one
 * thread and one ledger connection each), with retries, a
 * progress bar on a terminal (plain lines otherwise) and a summary.
 * Resumable: runs that succeeded are skipped in mode "missing".
 */
#include "sched/runner.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bf {
	const struct sk_config *cfg;
	struct sk_run *runs;
	size_t n;
	size_t next; /* next index to execute */
	size_t done, ok, failed;
	int64_t stored, fetched;
	int64_t t0;
	bool tty;
	pthread_mutex_t lock;
	struct sk_sched_gate gate; /* fetches at once: --concurrency */
	char first_fail[SK_RUN_TEXT + 64];
	sk_err_t fatal;
	struct sk_error fatal_err;
};

static void progress(struct bf *b, bool final)
{
	double secs = (double)(sk_mono_ms() - b->t0) / 1000.0;
	double rate = secs > 0 ? (double)b->done / secs * 60.0 : 0;
	double eta = b->done ? secs / (double)b->done * (double)(b->n - b->done)
			     : 0;
	int width = 30, fill = b->n ? (int)(width * b->done / b->n) : width;
	fprintf(stderr,
		"\r[%.*s%.*s] %zu/%zu runs  %.1f runs/min  ETA %dm%02ds  "
		"%lld warnings ",
		fill, "##############################", width - fill,
		"..............................", b->done, b->n, rate,
		(int)eta / 60, (int)eta % 60, (long long)b->stored);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Run r is another process's (a daemon claimed it first, or a backfill
 * beside this one): wait until it ends, or until it can be claimed again
 * (it failed with a retry due, or its owner died and its lease ran out,
 * which the recovery here notices), leaving r with its current row. */
static sk_err_t await_other(struct sk_ledger *l, struct sk_run *r,
			    struct sk_error *err)
{
	fprintf(stderr,
		"backfill: run %lld %s..%s is being executed by %s; "
		"waiting for it\n",
		(long long)r->id, r->window_from, r->window_to,
		r->owner[0] ? r->owner : "another process");
	while (!sk_stop_requested()) {
		int n = 0;
		if (sk_ledger_recover(l, sk_now_ms(), &n, err) != SK_OK ||
		    sk_ledger_run_get(l, r->id, r, err) != SK_OK)
			return err->code;
		if (r->state != SK_RUN_RUNNING)
			return SK_OK;
		sk_sleep_ms(250);
	}
	return SK_OK;
}

static void *worker(void *arg)
{
	struct bf *b = arg;
	struct sk_ledger *l = NULL;
	struct sk_error err = {0};
	if (sk_sched_ledger_open(b->cfg, &l, &err) != SK_OK) {
		pthread_mutex_lock(&b->lock);
		b->fatal = err.code;
		b->fatal_err = err;
		pthread_mutex_unlock(&b->lock);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&b->lock);
		bool stop = b->next >= b->n || b->fatal || sk_stop_requested();
		size_t i = b->next++;
		pthread_mutex_unlock(&b->lock);
		if (stop)
			break;
		struct sk_run *r = &b->runs[i];
		int64_t t0 = sk_mono_ms();
		sk_err_t rc = SK_OK;
		do {
			if (r->state == SK_RUN_RETRY) {
				int64_t wait = r->next_try_ms -
					       sk_clock_now_ms();
				if (wait > 0)
					sk_clock_sleep_ms(wait);
				if (sk_stop_requested())
					break;
			}
			bool claimed = false;
			rc = sk_sched_claim(b->cfg, l, r->id, r, &claimed,
					    &err);
			if (rc == SK_OK && claimed)
				rc = sk_sched_execute(b->cfg, l, r, &b->gate,
						      &err);
			else if (rc == SK_OK)
				rc = await_other(l, r, &err);
		} while (rc == SK_OK && !sk_stop_requested() &&
			 (r->state == SK_RUN_RETRY ||
			  r->state == SK_RUN_QUEUED));
		pthread_mutex_lock(&b->lock);
		if (rc != SK_OK && !b->fatal) {
			b->fatal = rc;
			b->fatal_err = err;
		}
		if (r->state == SK_RUN_SUCCESS || r->state == SK_RUN_FAILED) {
			b->done++;
			b->stored += r->stored;
			b->fetched += r->fetched;
		}
		if (r->state == SK_RUN_SUCCESS)
			b->ok++;
		if (r->state == SK_RUN_FAILED) {
			b->failed++;
			if (!b->first_fail[0])
				snprintf(b->first_fail, sizeof b->first_fail,
					 "run %lld %s..%s: %s",
					 (long long)r->id, r->window_from,
					 r->window_to, r->error);
		}
		if (b->tty) {
			progress(b, false);
		} else {
			fprintf(stderr,
				"backfill: %zu/%zu run %lld %s..%s %s after %d "
				"attempt(s), %lld stored, %.1f s%s%s\n",
				b->done, b->n, (long long)r->id, r->window_from,
				r->window_to, sk_run_state_name(r->state),
				r->attempts, (long long)r->stored,
				(double)(sk_mono_ms() - t0) / 1000.0,
				r->state == SK_RUN_FAILED ? ": " : "",
				r->state == SK_RUN_FAILED ? r->error : "");
		}
		pthread_mutex_unlock(&b->lock);
	}
	sk_ledger_close(l);
	return NULL;
}

/* The ledger's run with r's key (job, logical time, window, regions,
 * languages, endpoint), if there is one: r filled from it, *found. A look
 * only, for a dry run. */
static int find_one(const struct sk_run *r, void *ud)
{
	struct sk_run *want = ud;
	if (strcmp(r->logical_time, want->logical_time) ||
	    strcmp(r->window_from, want->window_from) ||
	    strcmp(r->window_to, want->window_to) ||
	    strcmp(r->regions, want->regions) ||
	    strcmp(r->langs, want->langs) || r->simple != want->simple)
		return 0;
	*want = *r;
	want->id = -want->id; /* found (negated back below) */
	return 1;
}

static sk_err_t run_find(struct sk_ledger *l, struct sk_run *r, bool *found,
			 struct sk_error *err)
{
	struct sk_run k = *r;
	*found = false;
	if (sk_ledger_run_list(l, -1, r->job, 0, find_one, &k, err) != SK_OK)
		return err->code;
	if (k.id < 0) {
		k.id = -k.id;
		*r = k;
		*found = true;
	}
	return SK_OK;
}

sk_err_t sk_sched_backfill_plan(const struct sk_config *cfg,
				struct sk_ledger *l,
				const struct sk_backfill_opts *o,
				sk_backfill_plan_fn fn, void *ud,
				struct sk_error *err)
{
	int days = (int)sk_sched_conf(cfg)->backfill_days;
	int64_t total_days = sk_date_diff(&o->from, &o->to) + 1;
	size_t n = (size_t)((total_days + days - 1) / days);
	for (size_t i = 0; i < n; i++) {
		struct sk_date f = sk_date_add_days(o->from, (int)i * days);
		struct sk_date t = sk_date_add_days(f, days - 1);
		if (sk_date_cmp(&t, &o->to) > 0)
			t = o->to;
		struct sk_run r = {0};
		snprintf(r.job, sizeof r.job, "backfill");
		snprintf(r.origin, sizeof r.origin, "%s",
			 o->origin ? o->origin : "cli");
		sk_date_format(&f, r.window_from);
		sk_date_format(&t, r.window_to);
		snprintf(r.logical_time, sizeof r.logical_time,
			 "%sT00:00:00.000Z", r.window_from);
		snprintf(r.regions, sizeof r.regions, "%s", o->regions);
		snprintf(r.langs, sizeof r.langs, "%s", o->langs);
		r.simple = o->simple;
		r.max_attempts = (int)sk_sched_conf(cfg)->max_attempts;
		bool created = false;
		if (o->dry_run) {
			/* What the ledger has for it, if anything. */
			bool found = false;
			if (run_find(l, &r, &found, err) != SK_OK)
				return err->code;
			if (!found)
				r.state = SK_RUN_QUEUED;
		} else if (sk_ledger_run_add(l, &r, &created, err) != SK_OK) {
			return err->code;
		}
		bool want =
			o->mode == SK_BACKFILL_ALL ||
			(o->mode == SK_BACKFILL_MISSING &&
			 r.state != SK_RUN_SUCCESS) ||
			(o->mode == SK_BACKFILL_FAILED &&
			 (r.state == SK_RUN_FAILED || r.state == SK_RUN_RETRY));
		/* A running run is someone's (a daemon's, or one cut off
		 * whose lease has not run out yet): it is left to them. */
		if (want && !o->dry_run && !created &&
		    r.state != SK_RUN_QUEUED && r.state != SK_RUN_RETRY &&
		    r.state != SK_RUN_RUNNING) {
			if (sk_ledger_run_clear(l, r.id, err) != SK_OK ||
			    sk_ledger_run_get(l, r.id, &r, err) != SK_OK)
				return err->code;
		}
		if (fn(&r, want, ud))
			break;
	}
	return SK_OK;
}

/* Collects the plan's runs for the workers (and prints the dry run). */
struct plan_ctx {
	struct bf *b;
	bool dry_run;
	size_t skipped;
};

static int plan_one(const struct sk_run *r, bool want, void *ud)
{
	struct plan_ctx *x = ud;
	if (x->dry_run)
		printf("%s %s..%s\n", want ? "run " : "skip", r->window_from,
		       r->window_to);
	if (!want)
		x->skipped++;
	else
		x->b->runs[x->b->n++] = *r;
	return 0;
}

sk_err_t sk_sched_backfill(const struct sk_config *cfg,
			   const struct sk_backfill_opts *o,
			   struct sk_error *err)
{
	struct sk_ledger *l = NULL;
	struct sk_sched_beat *beat = NULL;
	sk_sched_owner("backfill");
	if (sk_sched_ledger_open(cfg, &l, err) != SK_OK)
		return err->code;
	int recovered = 0;
	if (sk_ledger_recover(l, sk_now_ms(), &recovered, err) != SK_OK)
		goto fail;
	if (recovered)
		fprintf(stderr,
			"backfill: %d run(s) were cut off last time; "
			"they run again\n",
			recovered);
	int days = (int)sk_sched_conf(cfg)->backfill_days;
	int64_t total_days = sk_date_diff(&o->from, &o->to) + 1;
	size_t n = (size_t)((total_days + days - 1) / days);
	struct bf b = {.cfg = cfg,
		       .tty = isatty(2) != 0,
		       .lock = PTHREAD_MUTEX_INITIALIZER};
	b.runs = calloc(n ? n : 1, sizeof *b.runs);
	if (!b.runs) {
		sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto fail;
	}
	struct plan_ctx px = {.b = &b, .dry_run = o->dry_run};
	if (sk_sched_backfill_plan(cfg, l, o, plan_one, &px, err) != SK_OK)
		goto fail_runs;
	size_t skipped = px.skipped;
	sk_ledger_close(l);
	l = NULL;
	if (o->dry_run) {
		printf("backfill plan: %zu run(s) to do, %zu skipped (mode "
		       "%s)\n",
		       b.n, skipped,
		       o->mode == SK_BACKFILL_ALL      ? "all"
		       : o->mode == SK_BACKFILL_FAILED ? "failed"
						       : "missing");
		free(b.runs);
		return SK_OK;
	}
	fprintf(stderr,
		"backfill: %zu run(s) of up to %d days, %zu already "
		"done, concurrency %d\n",
		b.n, days, skipped, o->concurrency);
	if (sk_sched_beat_start(cfg, &beat, err) != SK_OK) {
		free(b.runs);
		return err->code;
	}
	b.t0 = sk_mono_ms();
	/* A pipeline: concurrency runs fetching (the gate's slots) and one
	 * more being processed, whose fetch has ended; each thread takes the
	 * next run when its own is done, so the run after the one being
	 * processed is fetched meanwhile and none further ahead. */
	int nf = o->concurrency > 0 ? o->concurrency : 1;
	if (nf > 63)
		nf = 63;
	sk_sched_gate_init(&b.gate, nf);
	int nt = nf + 1;
	if ((size_t)nt > b.n)
		nt = b.n ? (int)b.n : 1;
	pthread_t th[64];
	int started = 0;
	for (int i = 0; i < nt; i++)
		if (pthread_create(&th[i], NULL, worker, &b) == 0)
			started++;
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	sk_sched_beat_stop(beat);
	sk_sched_gate_destroy(&b.gate);
	if (b.tty)
		progress(&b, true);
	double secs = (double)(sk_mono_ms() - b.t0) / 1000.0;
	printf("backfill: %zu run(s): %zu succeeded, %zu failed, %zu not "
	       "done; %lld warnings fetched, %lld processed; %.1f s\n",
	       b.n, b.ok, b.failed, b.n - b.ok - b.failed, (long long)b.fetched,
	       (long long)b.stored, secs);
	sk_err_t rc = SK_OK;
	if (b.fatal)
		rc = sk_error_set(err, b.fatal, b.fatal_err.retriable, "%s",
				  b.fatal_err.msg);
	else if (sk_stop_requested())
		rc = sk_error_set(err, SK_ERR_INTERRUPTED, true,
				  "interrupted: run the same backfill again to "
				  "resume");
	else if (b.failed)
		rc = sk_error_set(err, SK_ERR_HTTP, true,
				  "%zu run(s) failed; first: %s (retry with "
				  "--mode failed)",
				  b.failed, b.first_fail);
	free(b.runs);
	return rc;
fail_runs:
	free(b.runs);
fail:
	sk_ledger_close(l);
	return err->code;
}
