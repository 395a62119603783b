/*
 * ledger.c - the run ledger's registry and dispatch: finds a backend by
 * the config key "ledger", forwards every sk_ledger_* call to it, and
 * holds what all backends share (run state names, the owner identity, the
 * configuration table). Knows no backend internals: each backend is one
 * `const struct sk_ledger_type` declared in ledger_int.h.
 */
#include "sched/ledger.h"
#include "sched/ledger_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct sk_ledger_type *const ledger_types[] = {
	&sk_ledger_sqlite,
#ifdef SKRED_HAVE_LIBPQ
	&sk_ledger_postgres,
#endif
	NULL,
};

const struct sk_cfg_def sk_ledger_cfg[] = {
	{"ledger", SK_CFG_STR, "sqlite", 0, 0, SK_CFG_RESTART,
	 "run ledger backend: sqlite (<data_dir>/ledger.db, one daemon per "
	 "data dir) or postgres (shared by several daemons)",
	 offsetof(struct sk_ledger_conf, backend), NULL},
	{"ledger.postgres_url", SK_CFG_STR, "", 0, 0,
	 SK_CFG_SENSITIVE | SK_CFG_RESTART,
	 "ledger = postgres: libpq connection string or postgresql:// URL "
	 "(password redacted; ?options=-csearch_path%3DS for a schema)",
	 offsetof(struct sk_ledger_conf, postgres_url), NULL},
	{"ledger.postgres_connect_timeout_ms", SK_CFG_INT, "5000", 1000, 600000,
	 0, "ledger = postgres: connect timeout (whole seconds)",
	 offsetof(struct sk_ledger_conf, postgres_connect_timeout_ms), NULL},
	{"ledger.postgres_statement_timeout_ms", SK_CFG_INT, "30000", 0,
	 3600000, 0,
	 "ledger = postgres: a statement running longer fails (retriable); "
	 "0 = no limit",
	 offsetof(struct sk_ledger_conf, postgres_statement_timeout_ms), NULL},
	SK_CFG_END(struct sk_ledger_conf),
};

const struct sk_ledger_conf *sk_ledger_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_ledger_cfg);
}

static const char *const state_names[SK_RUN__COUNT] = {
	"queued", "running", "success", "failed", "up_for_retry", "skipped",
};

const char *sk_run_state_name(enum sk_run_state s)
{
	return (int)s >= 0 && s < SK_RUN__COUNT ? state_names[s] : "unknown";
}

#define RUN_COL(name, kind)                                                    \
	{                                                                      \
#name, SK_LEDGER_COL_##kind, offsetof(struct sk_run, name),    \
			sizeof(((struct sk_run *)0)->name)                     \
	}

const struct sk_ledger_col sk_ledger_run_cols[] = {
	RUN_COL(id, I64),
	RUN_COL(job, TEXT),
	RUN_COL(logical_time, TEXT),
	RUN_COL(window_from, TEXT),
	RUN_COL(window_to, TEXT),
	RUN_COL(regions, TEXT),
	RUN_COL(langs, TEXT),
	RUN_COL(simple, BOOL),
	RUN_COL(state, STATE),
	RUN_COL(attempts, INT),
	RUN_COL(max_attempts, INT),
	RUN_COL(next_try_ms, I64),
	RUN_COL(created_ms, I64),
	RUN_COL(start_ms, I64),
	RUN_COL(end_ms, I64),
	RUN_COL(error, TEXT),
	RUN_COL(fetched, I64),
	RUN_COL(stored, I64),
	RUN_COL(dead, I64),
	RUN_COL(log_excerpt, TEXT),
	RUN_COL(owner, TEXT),
	RUN_COL(lease_until_ms, I64),
	RUN_COL(origin, TEXT),
	{NULL, 0, 0, 0},
};

void sk_ledger_run_from_row(struct sk_run *r,
			    const char *(*text)(void *row, int i),
			    int64_t (*num)(void *row, int i), void *row)
{
	memset(r, 0, sizeof *r);
	for (int i = 0; sk_ledger_run_cols[i].name; i++) {
		const struct sk_ledger_col *c = &sk_ledger_run_cols[i];
		char *f = (char *)r + c->off;
		const char *t;
		int s;
		switch (c->kind) {
		case SK_LEDGER_COL_I64:
			*(int64_t *)(void *)f = num(row, i);
			break;
		case SK_LEDGER_COL_INT:
			*(int *)(void *)f = (int)num(row, i);
			break;
		case SK_LEDGER_COL_BOOL:
			*(bool *)(void *)f = num(row, i) != 0;
			break;
		case SK_LEDGER_COL_TEXT:
			t = text(row, i);
			snprintf(f, c->size, "%s", t ? t : "");
			break;
		case SK_LEDGER_COL_STATE:
			t = text(row, i);
			s = t ? sk_run_state_parse(t) : -1;
			*(enum sk_run_state *)(void *)f =
				s < 0 ? SK_RUN_FAILED : (enum sk_run_state)s;
			break;
		}
	}
}

int sk_run_state_parse(const char *name)
{
	for (int i = 0; name && i < SK_RUN__COUNT; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}

void sk_ledger_owner_init(struct sk_ledger_owner *o, const char *role)
{
	memset(o, 0, sizeof *o);
	if (gethostname(o->host, sizeof o->host - 1) != 0 || !o->host[0])
		snprintf(o->host, sizeof o->host, "localhost");
	o->pid = (int64_t)getpid();
	o->started_ms = sk_now_ms();
	snprintf(o->role, sizeof o->role, "%s", role ? role : "");
	snprintf(o->version, sizeof o->version, "%s", SKRED_VERSION);
	snprintf(o->id, sizeof o->id, "%s:%lld:%lld", o->host,
		 (long long)o->pid, (long long)o->started_ms);
}

/* The built backend named by "ledger", or NULL. */
static const struct sk_ledger_type *ledger_type(const struct sk_ledger_conf *c)
{
	return sk_registry_find(SK_REGISTRY(ledger_types), c->backend);
}

sk_err_t sk_ledger_check_config(const struct sk_ledger_conf *c,
				struct sk_error *err)
{
	const char *name = c->backend;
	const char *url = c->postgres_url;
	const void *t;
	if (sk_registry_lookup(SK_REGISTRY(ledger_types), "ledger", name, &t,
			       err) != SK_OK)
		return err->code;
	if (!strcmp(name, "postgres") && (!url || !*url))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "ledger = postgres needs "
				    "ledger.postgres_url "
				    "(a libpq connection string or "
				    "postgresql:// URL)");
	return SK_OK;
}

sk_err_t sk_ledger_open(struct sk_ledger **out, const struct sk_ledger_opts *o,
			struct sk_error *err)
{
	*out = NULL;
	if (sk_ledger_check_config(o->conf, err) != SK_OK)
		return err->code;
	return ledger_type(o->conf)->open(out, o, err);
}

void sk_ledger_close(struct sk_ledger *l)
{
	if (l)
		l->type->close(l);
}

const char *sk_ledger_backend(const struct sk_ledger *l)
{
	return l->type->name;
}

sk_err_t sk_ledger_run_add(struct sk_ledger *l, struct sk_run *r, bool *created,
			   struct sk_error *err)
{
	return l->type->run_add(l, r, created, err);
}

sk_err_t sk_ledger_run_get(struct sk_ledger *l, int64_t id, struct sk_run *r,
			   struct sk_error *err)
{
	return l->type->run_get(l, id, r, err);
}

sk_err_t sk_ledger_run_list(struct sk_ledger *l, int state, const char *job,
			    size_t limit,
			    int (*fn)(const struct sk_run *r, void *ud),
			    void *ud, struct sk_error *err)
{
	return l->type->run_list(l, state, job, limit, fn, ud, err);
}

sk_err_t sk_ledger_run_next_due(struct sk_ledger *l, int64_t now_ms,
				struct sk_run *r, bool *found,
				struct sk_error *err)
{
	return l->type->run_next_due(l, now_ms, r, found, err);
}

sk_err_t sk_ledger_run_claim_next(struct sk_ledger *l,
				  const struct sk_ledger_owner *o,
				  int64_t now_ms, int64_t lease_until_ms,
				  struct sk_run *r, bool *claimed,
				  struct sk_error *err)
{
	return l->type->run_claim_next(l, o, now_ms, lease_until_ms, r, claimed,
				       err);
}

sk_err_t sk_ledger_run_claim(struct sk_ledger *l, int64_t id,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, struct sk_run *r,
			     bool *claimed, struct sk_error *err)
{
	return l->type->run_claim(l, id, o, now_ms, lease_until_ms, r, claimed,
				  err);
}

sk_err_t sk_ledger_run_end(struct sk_ledger *l, const struct sk_run *r,
			   int64_t now_ms, struct sk_error *err)
{
	return l->type->run_end(l, r, now_ms, err);
}

sk_err_t sk_ledger_run_credit(struct sk_ledger *l,
			      const struct sk_ledger_credit *c, size_t n,
			      int64_t now_ms, struct sk_error *err)
{
	if (n == 0)
		return SK_OK;
	return l->type->run_credit(l, c, n, now_ms, err);
}

sk_err_t sk_ledger_run_skip(struct sk_ledger *l, int64_t id, const char *reason,
			    int64_t now_ms, bool *done, struct sk_error *err)
{
	return l->type->run_skip(l, id, reason, now_ms, done, err);
}

sk_err_t sk_ledger_run_clear(struct sk_ledger *l, int64_t id,
			     struct sk_error *err)
{
	return l->type->run_clear(l, id, err);
}

sk_err_t sk_ledger_recover(struct sk_ledger *l, int64_t now_ms, int *n,
			   struct sk_error *err)
{
	return l->type->recover(l, now_ms, n, err);
}

sk_err_t sk_ledger_heartbeat(struct sk_ledger *l,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, int *renewed,
			     struct sk_error *err)
{
	int dummy;
	return l->type->heartbeat(l, o, now_ms, lease_until_ms,
				  renewed ? renewed : &dummy, err);
}

sk_err_t sk_ledger_owner_gone(struct sk_ledger *l,
			      const struct sk_ledger_owner *o,
			      struct sk_error *err)
{
	return l->type->owner_gone(l, o, err);
}

sk_err_t sk_ledger_daemons(struct sk_ledger *l, int64_t now_ms,
			   int (*fn)(const struct sk_ledger_daemon *d,
				     void *ud),
			   void *ud, struct sk_error *err)
{
	return l->type->daemons(l, now_ms, fn, ud, err);
}

sk_err_t sk_ledger_attempts(struct sk_ledger *l, int64_t run_id,
			    int (*fn)(const struct sk_attempt *a, void *ud),
			    void *ud, struct sk_error *err)
{
	return l->type->attempts(l, run_id, fn, ud, err);
}

sk_err_t sk_ledger_check_put(struct sk_ledger *l, int64_t run_id,
			     const char *name, bool ok, const char *detail,
			     int64_t now_ms, struct sk_error *err)
{
	return l->type->check_put(l, run_id, name, ok, detail, now_ms, err);
}

sk_err_t sk_ledger_checks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const char *name, bool ok,
				    const char *detail, void *ud),
			  void *ud, struct sk_error *err)
{
	return l->type->checks(l, run_id, fn, ud, err);
}

sk_err_t sk_ledger_task_put(struct sk_ledger *l, int64_t run_id,
			    const struct sk_task *t, struct sk_error *err)
{
	return l->type->task_put(l, run_id, t, err);
}

sk_err_t sk_ledger_tasks(struct sk_ledger *l, int64_t run_id,
			 int (*fn)(const struct sk_task *t, void *ud), void *ud,
			 struct sk_error *err)
{
	return l->type->tasks(l, run_id, fn, ud, err);
}

sk_err_t sk_ledger_chunks_put(struct sk_ledger *l, int64_t run_id,
			      const struct sk_chunk *c, size_t n,
			      struct sk_error *err)
{
	if (n == 0)
		return SK_OK;
	return l->type->chunks_put(l, run_id, c, n, err);
}

sk_err_t sk_ledger_chunks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const struct sk_chunk *c, void *ud),
			  void *ud, struct sk_error *err)
{
	return l->type->chunks(l, run_id, fn, ud, err);
}

sk_err_t sk_ledger_meta_get(struct sk_ledger *l, const char *key, char *buf,
			    size_t size, bool *found, struct sk_error *err)
{
	return l->type->meta_get(l, key, buf, size, found, err);
}

sk_err_t sk_ledger_meta_set(struct sk_ledger *l, const char *key,
			    const char *value, struct sk_error *err)
{
	return l->type->meta_set(l, key, value, err);
}
