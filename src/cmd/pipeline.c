/*
 * pipeline.c - `skred fetch`, `skred process` and `skred run`.
 */
#include "cmd/cmd_int.h"
#include "job/job.h"
#include "sched/runner.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void print_fetch(const struct sk_job_fetch_stats *s, const char *topic)
{
	printf("fetch: %lld warnings (%.1f MB) in %lld chunks, %lld requests, "
	       "%lld retries, %lld failed chunks, %.1f s; appended %lld to "
	       "%s\n",
	       (long long)s->fetch.warnings, (double)s->fetch.bytes / 1e6,
	       (long long)s->fetch.chunks, (long long)s->fetch.requests,
	       (long long)s->fetch.retries, (long long)s->fetch.chunks_failed,
	       (double)s->elapsed_ms / 1000.0, (long long)s->produced, topic);
	if (s->dead_lettered)
		printf("fetch: %lld records did not match their request and "
		       "were dead-lettered\n",
		       (long long)s->dead_lettered);
	if (s->fetch.empty_active)
		printf("fetch: %lld empty answers for active regions: %s%s\n",
		       (long long)s->fetch.empty_active,
		       s->fetch.empty_active_list,
		       s->fetch.empty_active > 4 ? "; ..." : "");
}

static void print_process(const struct sk_job_process_stats *s)
{
	printf("process: %lld messages: %lld inserted, %lld updated, %lld "
	       "unchanged, %lld stale, %lld dead-lettered; %.1f MB in %.1f s\n",
	       (long long)s->consumed, (long long)s->inserted,
	       (long long)s->updated, (long long)s->unchanged,
	       (long long)s->stale, (long long)s->dead_lettered,
	       (double)s->bytes / 1e6, (double)s->elapsed_ms / 1000.0);
	fflush(stdout);
}

/* The request of the command line (logged). */
static void fetch_req(const struct sk_cli *cli, struct sk_fetch_req *req)
{
	*req = (struct sk_fetch_req){
		.regions = cli->regions,
		.n_regions = cli->n_regions,
		.langs = cli->langs,
		.n_langs = cli->n_langs,
		.simple = cli->simple,
	};
	sk_cli_window(cli, &req->from, &req->to);
	char f[11], t[11];
	sk_date_format(&req->from, f);
	sk_date_format(&req->to, t);
	sk_log(SK_LOG_INFO, "fetch",
	       "start regions=%zu langs=%zu from=%s to=%s endpoint=%s",
	       cli->n_regions, cli->n_langs, f, t,
	       cli->simple ? "Simple" : "Detail");
}

static sk_err_t do_fetch(struct sk_cli *cli, struct sk_bus *bus,
			 struct sk_error *err)
{
	struct sk_fetch_req req;
	fetch_req(cli, &req);
	struct sk_job_fetch_stats s;
	sk_err_t rc = sk_job_fetch(cli->cfg, bus, &req, &s, err);
	print_fetch(&s, sk_job_conf(cli->cfg)->topic_raw);
	return rc;
}

/* Process the raw topic into the warehouse; with stream, also what that
 * fetch appends while it goes on. *ran: the warehouse opened and the
 * processing ran (its stats in s are worth printing). */
static sk_err_t do_process(struct sk_cli *cli, struct sk_bus *bus,
			   const struct sk_job_fetcher *stream,
			   struct sk_job_process_stats *s, bool *ran,
			   struct sk_error *err)
{
	struct sk_store *st = NULL;
	memset(s, 0, sizeof *s);
	*ran = false;
	if (sk_job_store_open(cli->cfg, cli->follow, &st, err) != SK_OK)
		return err->code;
	*ran = true;
	/* Records fetched by a ledger run (a daemon's or a backfill's) may be
	 * stored here: they are credited to their runs, before their offsets
	 * are committed. So nothing is consumed without the ledger: --follow
	 * waits its outage out, a single pass fails (exit 1, nothing
	 * consumed). */
	struct sk_ledger *l = NULL;
	struct sk_sched_tally tally = {0};
	if (sk_sched_ledger_open_wait(cli->cfg, cli->follow, &l, err) !=
	    SK_OK) {
		sk_error_prefix(err, "ledger (%s)",
				sk_ledger_conf(cli->cfg)->backend);
		sk_store_close(st);
		return err->code;
	}
	tally.l = l;
	struct sk_job_process_opts o = {
		.follow = cli->follow,
		.wait_outages = cli->follow, /* long-running: outlive outages */
		.batch_size = (size_t)cli->batch_size,
		.max_messages = cli->max_messages,
		.outcome = sk_sched_tally_outcome,
		.outcome_ud = &tally,
		.stream = stream,
	};
	sk_err_t rc = sk_job_process(cli->cfg, bus, st, &o, s, err);
	sk_sched_tally_free(&tally);
	sk_ledger_close(l);
	sk_store_close(st);
	return rc;
}

int sk_cmd_fetch(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	if (sk_job_bus_open(cli->cfg, &bus, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	sk_err_t rc = do_fetch(cli, bus, &err);
	sk_bus_close(bus);
	return rc == SK_OK ? SK_EXIT_OK : sk_cli_fail(cli, &err);
}

int sk_cmd_process(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_bus *bus = NULL;
	if (sk_job_bus_open(cli->cfg, &bus, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	struct sk_job_process_stats s;
	bool ran;
	sk_err_t rc = do_process(cli, bus, NULL, &s, &ran, &err);
	if (ran)
		print_process(&s);
	sk_bus_close(bus);
	return rc == SK_OK ? SK_EXIT_OK : sk_cli_fail(cli, &err);
}

/* `skred run` that cannot be a ledger run (its regions do not fit one):
 * the same fetch and processing, recorded nowhere. */
static int run_unrecorded(struct sk_cli *cli)
{
	struct sk_error err = {0}, perr = {0};
	struct sk_bus *bus = NULL;
	struct sk_job_fetcher *f = NULL;
	struct sk_fetch_req req;
	if (sk_job_bus_open(cli->cfg, &bus, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	/* bus.format=avro: the clean topic's contract first (an incompatible
	 * schema stops the run before anything is fetched). */
	int32_t id;
	if (sk_job_schema_prepare(cli->cfg, bus->type->name, &id, &err) !=
	    SK_OK) {
		sk_bus_close(bus);
		return sk_cli_fail(cli, &err);
	}
	fetch_req(cli, &req);
	if (sk_job_fetch_start(cli->cfg, &req, NULL, &f, &err) != SK_OK) {
		sk_bus_close(bus);
		return sk_cli_fail(cli, &err);
	}
	struct sk_job_process_stats ps;
	bool ran;
	sk_err_t prc = do_process(cli, bus, f, &ps, &ran, &perr);
	struct sk_job_fetch_stats fs;
	sk_err_t rc = sk_job_fetch_join(f, &fs, NULL, &err);
	print_fetch(&fs, sk_job_conf(cli->cfg)->topic_raw);
	if (ran)
		print_process(&ps);
	sk_bus_close(bus);
	if (rc != SK_OK)
		return sk_cli_fail(cli, &err);
	if (prc != SK_OK)
		return sk_cli_fail(cli, &perr);
	return SK_EXIT_OK;
}

/* Fetch and process at once: the fetch appends chunk by chunk on a thread
 * (and bus handle) of its own while the processing stores what has
 * arrived, until the fetch has ended and everything is processed. What was
 * fetched is stored even if some chunks failed, and the run still exits 1
 * naming what failed.
 *
 * The run is a ledger run (job "manual", origin "cli", one attempt): added
 * not due (next_try_ms in the far future, so no daemon's claim takes it),
 * claimed by id with this process's lease and heartbeats, and executed as
 * every ledger run is (sk_sched_execute: tasks, data checks, outcome), so
 * it shows in `skred runs` and the web UI. Stopped by a signal it ends
 * skipped, not queued: nobody else runs a CLI run. A ledger that cannot
 * be opened fails it before anything is fetched (exit 1). */
int sk_cmd_run(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_ledger *l = NULL;
	const struct sk_job_conf *jc = sk_job_conf(cli->cfg);
	struct sk_run r = {0};
	struct sk_date from, to;
	sk_cli_window(cli, &from, &to);
	snprintf(r.job, sizeof r.job, "manual");
	snprintf(r.origin, sizeof r.origin, "cli");
	sk_date_format(&from, r.window_from);
	sk_date_format(&to, r.window_to);
	r.simple = cli->simple;
	r.max_attempts = 1;
	r.next_try_ms = INT64_MAX / 2;
	bool fits = (size_t)snprintf(r.regions, sizeof r.regions, "%s",
				     jc->regions) < sizeof r.regions &&
		    (size_t)snprintf(r.langs, sizeof r.langs, "%s", jc->lang) <
			    sizeof r.langs;
	if (!fits) {
		sk_log(SK_LOG_WARN, "sched",
		       "this run is not recorded in the ledger: its regions "
		       "do not fit a ledger run (at most %zu characters)",
		       sizeof r.regions - 1);
		return run_unrecorded(cli);
	}
	sk_sched_owner("run");
	if (sk_sched_ledger_open(cli->cfg, &l, &err) != SK_OK) {
		/* Nothing is consumed without the ledger (do_process). */
		sk_error_prefix(&err, "ledger (%s)",
				sk_ledger_conf(cli->cfg)->backend);
		return sk_cli_fail(cli, &err);
	}
	struct sk_sched_beat *beat = NULL;
	struct sk_sched_report rep;
	bool created = false, claimed = false;
	/* A new run per invocation: its logical time is this instant (UTC,
	 * real clock), moved on a millisecond if another run has it. */
	int64_t now = sk_now_ms();
	for (int i = 0; i < 8 && !created; i++) {
		sk_time_format_utc(now + i, r.logical_time);
		if (sk_ledger_run_add(l, &r, &created, &err) != SK_OK)
			goto fail;
	}
	if (!created) {
		sk_error_set(&err, SK_ERR_DB, true,
			     "ledger: no new run could be added for this "
			     "instant");
		goto fail;
	}
	if (sk_sched_beat_start(cli->cfg, &beat, &err) != SK_OK ||
	    sk_sched_claim(cli->cfg, l, r.id, &r, &claimed, &err) != SK_OK)
		goto fail;
	if (!claimed) {
		sk_error_set(&err, SK_ERR_CONFLICT, false,
			     "run %lld was claimed by %s before this process",
			     (long long)r.id, r.owner[0] ? r.owner : "another");
		goto fail;
	}
	if (sk_sched_execute_report(cli->cfg, l, &r, NULL, &rep, &err) != SK_OK)
		goto fail;
	if (r.state == SK_RUN_QUEUED) {
		bool done = false;
		if (sk_ledger_run_skip(l, r.id, "stopped by a signal",
				       sk_clock_now_ms(), &done, &err) != SK_OK)
			sk_log(SK_LOG_WARN, "sched", "run=%lld: %s",
			       (long long)r.id, err.msg);
	}
	sk_sched_beat_stop(beat);
	sk_ledger_close(l);
	print_fetch(&rep.fs, jc->topic_raw);
	if (rep.processed)
		print_process(&rep.ps);
	if (rep.rc != SK_OK)
		return sk_cli_fail(cli, &rep.why);
	return SK_EXIT_OK;
fail:
	if (created && !claimed) {
		/* Not left queued (never due) for ever: skipped, with why. */
		struct sk_error serr = {0};
		bool done = false;
		(void)sk_ledger_run_skip(l, r.id, err.msg, sk_clock_now_ms(),
					 &done, &serr);
	}
	sk_sched_beat_stop(beat);
	sk_ledger_close(l);
	return sk_cli_fail(cli, &err);
}
