/*
 * ledger_int.h - internals shared by the ledger dispatch (ledger.c) and
 * its backends: the backend table and each backend's one exported symbol.
 * Not for use outside src/sched/.
 *
 * One op per public sk_ledger_* function, with the same arguments and the
 * same contract (see ledger.h); ledger.c dispatches, and holds the one
 * mapping of a run row to struct sk_run (below) that backends share. A backend's
 * handle starts with `struct sk_ledger` (its type), so ledger.c can find
 * the table:
 *
 *	struct pg_ledger { struct sk_ledger base; PGconn *conn; ... };
 *
 * Every op is required. Claims (run_claim_next, run_claim) must be atomic
 * across processes: a run goes from queued/up_for_retry to running for
 * exactly one caller (SQLite: a write transaction and an UPDATE whose
 * WHERE re-checks the state, changes() == 1; PostgreSQL: SELECT ... FOR
 * UPDATE SKIP LOCKED, or UPDATE ... WHERE state IN (...) RETURNING).
 * run_end must check the owner and attempt in the same statement that
 * writes. recover must leave runs with a live lease alone.
 */
#ifndef SK_LEDGER_INT_H
#define SK_LEDGER_INT_H

#include "sched/ledger.h"

struct sk_ledger_type {
	const char *name;
	sk_err_t (*open)(struct sk_ledger **out, const struct sk_ledger_opts *o,
			 struct sk_error *err);
	void (*close)(struct sk_ledger *l);

	sk_err_t (*run_add)(struct sk_ledger *l, struct sk_run *r,
			    bool *created, struct sk_error *err);
	sk_err_t (*run_get)(struct sk_ledger *l, int64_t id, struct sk_run *r,
			    struct sk_error *err);
	sk_err_t (*run_list)(struct sk_ledger *l, int state, const char *job,
			     size_t limit,
			     int (*fn)(const struct sk_run *r, void *ud),
			     void *ud, struct sk_error *err);
	sk_err_t (*run_next_due)(struct sk_ledger *l, int64_t now_ms,
				 struct sk_run *r, bool *found,
				 struct sk_error *err);
	sk_err_t (*run_claim_next)(struct sk_ledger *l,
				   const struct sk_ledger_owner *o,
				   int64_t now_ms, int64_t lease_until_ms,
				   struct sk_run *r, bool *claimed,
				   struct sk_error *err);
	sk_err_t (*run_claim)(struct sk_ledger *l, int64_t id,
			      const struct sk_ledger_owner *o, int64_t now_ms,
			      int64_t lease_until_ms, struct sk_run *r,
			      bool *claimed, struct sk_error *err);
	sk_err_t (*run_end)(struct sk_ledger *l, const struct sk_run *r,
			    int64_t now_ms, struct sk_error *err);
	sk_err_t (*run_credit)(struct sk_ledger *l,
			       const struct sk_ledger_credit *c, size_t n,
			       int64_t now_ms, struct sk_error *err);
	sk_err_t (*run_skip)(struct sk_ledger *l, int64_t id,
			     const char *reason, int64_t now_ms, bool *done,
			     struct sk_error *err);
	sk_err_t (*run_clear)(struct sk_ledger *l, int64_t id,
			      struct sk_error *err);
	sk_err_t (*recover)(struct sk_ledger *l, int64_t now_ms, int *n,
			    struct sk_error *err);

	sk_err_t (*heartbeat)(struct sk_ledger *l,
			      const struct sk_ledger_owner *o, int64_t now_ms,
			      int64_t lease_until_ms, int *renewed,
			      struct sk_error *err);
	sk_err_t (*owner_gone)(struct sk_ledger *l,
			       const struct sk_ledger_owner *o,
			       struct sk_error *err);
	sk_err_t (*daemons)(struct sk_ledger *l, int64_t now_ms,
			    int (*fn)(const struct sk_ledger_daemon *d,
				      void *ud),
			    void *ud, struct sk_error *err);

	sk_err_t (*attempts)(struct sk_ledger *l, int64_t run_id,
			     int (*fn)(const struct sk_attempt *a, void *ud),
			     void *ud, struct sk_error *err);
	sk_err_t (*check_put)(struct sk_ledger *l, int64_t run_id,
			      const char *name, bool ok, const char *detail,
			      int64_t now_ms, struct sk_error *err);
	sk_err_t (*checks)(struct sk_ledger *l, int64_t run_id,
			   int (*fn)(const char *name, bool ok,
				     const char *detail, void *ud),
			   void *ud, struct sk_error *err);
	sk_err_t (*task_put)(struct sk_ledger *l, int64_t run_id,
			     const struct sk_task *t, struct sk_error *err);
	sk_err_t (*tasks)(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const struct sk_task *t, void *ud),
			  void *ud, struct sk_error *err);
	sk_err_t (*chunks_put)(struct sk_ledger *l, int64_t run_id,
			       const struct sk_chunk *c, size_t n,
			       struct sk_error *err);
	sk_err_t (*chunks)(struct sk_ledger *l, int64_t run_id,
			   int (*fn)(const struct sk_chunk *c, void *ud),
			   void *ud, struct sk_error *err);
	sk_err_t (*meta_get)(struct sk_ledger *l, const char *key, char *buf,
			     size_t size, bool *found, struct sk_error *err);
	sk_err_t (*meta_set)(struct sk_ledger *l, const char *key,
			     const char *value, struct sk_error *err);
};

/* The head of every backend's handle. */
struct sk_ledger {
	const struct sk_ledger_type *type;
};

/* The embedded ledger: <data_dir>/ledger.db (src/sched/ledger_sqlite.c). */
extern const struct sk_ledger_type sk_ledger_sqlite;
/* The shared ledger (src/sched/ledger_pg.c), when built with libpq
 * (SKRED_HAVE_LIBPQ). */
extern const struct sk_ledger_type sk_ledger_postgres;

/* The migration of both backends that adds run.origin: the runs before
 * it get the origin their job implies (a backfill was the CLI's, a manual
 * run the API's, any other job a schedule's). */
/* The chunk table (sk_ledger_chunks_put), the same in both backends. */
#define SK_LEDGER_CHUNK_TABLE                                                  \
	"CREATE TABLE chunk("                                                  \
	"  run_id BIGINT NOT NULL REFERENCES run(id) ON DELETE CASCADE,"       \
	"  attempt INTEGER NOT NULL,"                                          \
	"  seq INTEGER NOT NULL,"                                              \
	"  region INTEGER NOT NULL,"                                           \
	"  lang INTEGER NOT NULL,"                                             \
	"  window_from TEXT NOT NULL,"                                         \
	"  window_to TEXT NOT NULL,"                                           \
	"  state TEXT NOT NULL,"                                               \
	"  start_ms BIGINT NOT NULL,"                                          \
	"  end_ms BIGINT NOT NULL,"                                            \
	"  count BIGINT NOT NULL DEFAULT 0,"                                   \
	"  error TEXT NOT NULL DEFAULT '',"                                    \
	"  PRIMARY KEY(run_id, attempt, seq));"

#define SK_LEDGER_ORIGIN_FILL                                                  \
	"UPDATE run SET origin = CASE job WHEN 'backfill' THEN 'cli' WHEN "    \
	"'manual' THEN 'api' ELSE 'schedule' END WHERE origin = '';"

/* The run states in the ledger's text form, for backends' SQL. */
#define SK_LEDGER_CLAIMABLE "('queued', 'up_for_retry')"

/* ------------------------------------------------------------- run rows
 * One mapping of a run row to struct sk_run for every backend: a backend
 * selects SK_LEDGER_RUN_COLS (the order of sk_ledger_run_cols) and hands
 * each row to sk_ledger_run_from_row with two readers of column i of its
 * row: text (NULL for SQL NULL) and integer (0 for NULL). */
#define SK_LEDGER_RUN_COLS                                                     \
	"id, job, logical_time, window_from, window_to, regions, langs, "      \
	"simple, state, attempts, max_attempts, next_try_ms, created_ms, "     \
	"start_ms, end_ms, error, fetched, stored, dead, log_excerpt, owner, " \
	"lease_until_ms, origin"

enum sk_ledger_col_kind {
	SK_LEDGER_COL_I64,   /* int64_t */
	SK_LEDGER_COL_INT,   /* int */
	SK_LEDGER_COL_BOOL,  /* bool, stored as 0/1 */
	SK_LEDGER_COL_TEXT,  /* char[size], cut to fit */
	SK_LEDGER_COL_STATE, /* enum sk_run_state, stored as its name */
};

struct sk_ledger_col {
	const char *name;
	enum sk_ledger_col_kind kind;
	size_t off;  /* in struct sk_run */
	size_t size; /* of a TEXT field */
};

/* The columns in SK_LEDGER_RUN_COLS order, ending with a NULL name. */
extern const struct sk_ledger_col sk_ledger_run_cols[];

/* Fill r (cleared first) from one row. An unknown state reads as failed. */
void sk_ledger_run_from_row(struct sk_run *r,
			    const char *(*text)(void *row, int i),
			    int64_t (*num)(void *row, int i), void *row);

#endif
