/*
 * ledger_pg.c - the run ledger in PostgreSQL (see ledger.h), shared by
 * several `skred serve` daemons on different hosts. The only file that
 * includes libpq.
 *
 * The same tables as the SQLite ledger (run, attempt, task, check_result,
 * meta) plus daemon (the processes that beat), created by numbered
 * migrations under a transaction-scoped advisory lock, so daemons starting
 * at once do not race; schema_version records what is applied.
 *
 * Claims are one statement: the oldest due run is picked with SELECT ...
 * FOR UPDATE SKIP LOCKED (a run another daemon is claiming is skipped, not
 * waited for), set running with its owner and lease, and its attempt row
 * opened - atomically, so each run goes to exactly one claimant. A
 * scheduled run is created once: UNIQUE(job, logical time, window, ...)
 * and INSERT ... ON CONFLICT DO NOTHING, then SELECT.
 *
 * Leases and heartbeats are measured on the database server's clock: the
 * caller's lease length (lease_until_ms - its wall clock) is added to the
 * server's now, and expiry is judged against the server's now, so hosts
 * whose clocks disagree still agree on when a lease ended.
 *
 * Errors: a lost or refused connection, a server shutting down, a
 * serialization failure or deadlock are retriable (SK_ERR_NET / SK_ERR_DB
 * with retriable set); the next call reconnects. Authentication and a bad
 * connection string are SK_ERR_CONFIG. Messages never contain the
 * password. This backend does not sleep or retry on its own.
 */
#include "sched/ledger.h"
#include "sched/ledger_int.h"
#include "core/core.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pg_ledger {
	struct sk_ledger base;
	PGconn *conn;
	char *url;          /* owned; connection string or URL */
	char password[256]; /* as parsed from url, to scrub messages */
	int64_t connect_timeout_ms, statement_timeout_ms;
	bool in_tx; /* inside BEGIN..COMMIT: never reconnect silently */
};

/* The server's clock in UTC ms. */
#define DBNOW "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

/* Most parameters of one statement. */
#define MAX_PARAMS 16

/* Text parameters of a statement: numbers formatted in place, strings
 * made valid UTF-8 (PostgreSQL refuses invalid bytes, and run errors and
 * excerpts are cut at byte limits). */
struct params {
	const char *v[MAX_PARAMS];
	char num[MAX_PARAMS][24];
	char *owned[MAX_PARAMS];
	int n;
};

static void p_int(struct params *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof p->num[0], "%lld", (long long)v);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

/* A parameter the params own (freed by params_free); NULL stays NULL. */
static void p_owned(struct params *p, char *s)
{
	p->owned[p->n] = s;
	p->v[p->n] = s;
	p->n++;
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* NULL stays SQL NULL. Invalid bytes become '?'. */
static void p_text(struct params *p, const char *s)
{
	p->v[p->n] = s;
	if (s) {
		const unsigned char *u = (const unsigned char *)s;
		size_t n = strlen(s), i = 0, l = 0;
		while (i < n && (l = utf8_len(u + i, n - i)) > 0)
			i += l;
		if (i < n) {
			char *c = strdup(s);
			if (c) {
				for (i = 0; i < n;) {
					l = utf8_len(u + i, n - i);
					if (!l) {
						c[i++] = '?';
						continue;
					}
					i += l;
				}
				p->owned[p->n] = c;
				p->v[p->n] = c;
			}
		}
	}
	p->n++;
}

static void params_free(struct params *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->owned[i]);
}

/* Replace every occurrence of the password in msg by "***". */
static void scrub(const struct pg_ledger *p, char *msg)
{
	size_t pl = strlen(p->password);
	if (!pl)
		return;
	char *at;
	while ((at = strstr(msg, p->password)) != NULL) {
		memmove(at + 3, at + pl, strlen(at + pl) + 1);
		memcpy(at, "***", 3);
	}
}

/* One line: libpq's messages end in newlines and may have several (the
 * next indented by a tab); runs of white space become one space. */
static void one_line(char *s)
{
	char *out = s;
	bool space = false;
	for (const char *c = s; *c; c++) {
		if (*c == '\n' || *c == '\t' || *c == ' ' || *c == '\r') {
			space = out != s;
			continue;
		}
		if (space)
			*out++ = ' ';
		space = false;
		*out++ = *c;
	}
	*out = '\0';
}

/* A connection-level failure (no result to read a SQLSTATE from). Refused,
 * reset, timed out, starting up or shutting down: retriable. A password or
 * database that is wrong: a configuration error. */
static sk_err_t conn_error(struct pg_ledger *p, const char *what,
			   struct sk_error *err)
{
	char msg[SK_ERROR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s",
		 p->conn ? PQerrorMessage(p->conn) : "out of memory");
	one_line(msg);
	scrub(p, msg);
	static const char *const fatal[] = {
		"authentication failed", "no password supplied",
		"does not exist",        "invalid",
		"no pg_hba.conf entry",  "permission denied",
		"unsupported",           NULL,
	};
	for (size_t i = 0; fatal[i]; i++)
		if (strstr(msg, fatal[i]))
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "ledger (postgres): %s: %s", what,
					    msg);
	return sk_error_set(err, SK_ERR_NET, true,
			    "ledger (postgres): %s: %s (retriable: the "
			    "server is down or unreachable)",
			    what, msg);
}

/* The error of a failed statement. SQLSTATE classes 08 (connection), 53
 * (resources), 57P0x (shutdown, cannot connect now), 40001/40P01
 * (serialization, deadlock) are retriable; a dropped connection too. */
static sk_err_t result_error(struct pg_ledger *p, PGresult *res,
			     const char *what, struct sk_error *err)
{
	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK)
		return conn_error(p, what, err);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
				: NULL;
	const char *primary =
		res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[SK_ERROR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s",
		 primary ? primary : PQerrorMessage(p->conn));
	one_line(msg);
	scrub(p, msg);
	bool retriable = false;
	sk_err_t code = SK_ERR_DB;
	if (state && (!strncmp(state, "08", 2) || !strncmp(state, "53", 2) ||
		      !strncmp(state, "57P", 3))) {
		retriable = true;
		code = SK_ERR_NET;
	} else if (state &&
		   (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
		    !strcmp(state, "55P03") || !strcmp(state, "57014"))) {
		retriable = true; /* serialization, deadlock, lock/statement
				     timeout */
	} else if (state &&
		   (!strncmp(state, "28", 2) || !strncmp(state, "42501", 5))) {
		code = SK_ERR_CONFIG; /* authorization */
	}
	return sk_error_set(err, code, retriable,
			    "ledger (postgres): %s: %s%s%s%s", what, msg,
			    state ? " (SQLSTATE " : "", state ? state : "",
			    state ? ")" : "");
}

/* The server's notices ("relation ... already exists, skipping") go to
 * the log at debug level instead of stderr. */
static void notice(void *ud, const char *msg)
{
	(void)ud;
	char line[512];
	snprintf(line, sizeof line, "%s", msg);
	one_line(line);
	sk_log(SK_LOG_DEBUG, "ledger", "postgres: %s", line);
}

/* (Re)connect when there is no healthy connection. */
static sk_err_t ensure_conn(struct pg_ledger *p, struct sk_error *err)
{
	if (p->conn && PQstatus(p->conn) == CONNECTION_OK)
		return SK_OK;
	if (p->in_tx)
		return conn_error(p, "connection lost in a transaction", err);
	if (p->conn)
		PQfinish(p->conn);
	char timeout[24], stmt[80];
	/* libpq's connect_timeout is in whole seconds (minimum 2). */
	int64_t s = (p->connect_timeout_ms + 999) / 1000;
	snprintf(timeout, sizeof timeout, "%lld", (long long)(s < 2 ? 2 : s));
	/* Ours first: a key given in the URL overrides the same key here. */
	const char *const kw[] = {
		"connect_timeout",
		"application_name",
		"keepalives",
		"keepalives_idle",
		"keepalives_interval",
		"keepalives_count",
		"dbname",
		NULL,
	};
	const char *const val[] = {
		timeout, "skred", "1", "10", "5", "3", p->url, NULL,
	};
	p->conn = PQconnectdbParams(kw, val, 1);
	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
		sk_err_t rc = conn_error(p, "connect", err);
		PQfinish(p->conn);
		p->conn = NULL;
		return rc;
	}
	PQsetErrorVerbosity(p->conn, PQERRORS_DEFAULT);
	PQsetNoticeProcessor(p->conn, notice, NULL);
	/* A hung statement (a lock never granted, a stalled server) ends in
	 * a retriable error instead of blocking the daemon. */
	snprintf(stmt, sizeof stmt, "SET statement_timeout = %lld",
		 (long long)p->statement_timeout_ms);
	PGresult *res = PQexec(p->conn, stmt);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		sk_err_t rc = result_error(p, res, "connect", err);
		PQclear(res);
		PQfinish(p->conn);
		p->conn = NULL;
		return rc;
	}
	PQclear(res);
	return SK_OK;
}

/* Run sql with params; the result must have status want. On success
 * *out owns the result (PQclear), NULL when out is NULL. */
static sk_err_t q(struct pg_ledger *p, const char *what, const char *sql,
		  struct params *ps, ExecStatusType want, PGresult **out,
		  struct sk_error *err)
{
	if (out)
		*out = NULL;
	sk_err_t rc = ensure_conn(p, err);
	if (rc != SK_OK) {
		if (ps)
			params_free(ps);
		return rc;
	}
	PGresult *res = PQexecParams(p->conn, sql, ps ? ps->n : 0, NULL,
				     ps ? ps->v : NULL, NULL, NULL, 0);
	if (ps)
		params_free(ps);
	if (!res || PQresultStatus(res) != want) {
		rc = result_error(p, res, what, err);
		PQclear(res);
		/* Leave no failed transaction open for the next call. */
		if (!p->in_tx && p->conn &&
		    PQstatus(p->conn) == CONNECTION_OK &&
		    PQtransactionStatus(p->conn) != PQTRANS_IDLE)
			PQclear(PQexec(p->conn, "ROLLBACK"));
		return rc;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return SK_OK;
}

static sk_err_t cmd(struct pg_ledger *p, const char *what, const char *sql,
		    struct params *ps, struct sk_error *err)
{
	return q(p, what, sql, ps, PGRES_COMMAND_OK, NULL, err);
}

static sk_err_t rows(struct pg_ledger *p, const char *what, const char *sql,
		     struct params *ps, PGresult **out, struct sk_error *err)
{
	return q(p, what, sql, ps, PGRES_TUPLES_OK, out, err);
}

static int64_t col_int(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col)
		       ? 0
		       : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void col_text(PGresult *res, int row, int col, char *dst, size_t size)
{
	snprintf(dst, size, "%s",
		 PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* ----------------------------------------------------------- schema */

static const char *const schema[] = {
	/* 1: the SQLite ledger's tables, with owners and leases */
	"CREATE TABLE IF NOT EXISTS run("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  job TEXT NOT NULL,"
	"  logical_time TEXT NOT NULL,"
	"  window_from TEXT NOT NULL,"
	"  window_to TEXT NOT NULL,"
	"  regions TEXT NOT NULL,"
	"  langs TEXT NOT NULL,"
	"  simple INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  max_attempts INTEGER NOT NULL,"
	"  next_try_ms BIGINT NOT NULL DEFAULT 0,"
	"  created_ms BIGINT NOT NULL,"
	"  start_ms BIGINT NOT NULL DEFAULT 0,"
	"  end_ms BIGINT NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  fetched BIGINT NOT NULL DEFAULT 0,"
	"  stored BIGINT NOT NULL DEFAULT 0,"
	"  dead BIGINT NOT NULL DEFAULT 0,"
	"  log_excerpt TEXT NOT NULL DEFAULT '',"
	"  owner TEXT NOT NULL DEFAULT '',"
	"  lease_until_ms BIGINT NOT NULL DEFAULT 0,"
	"  CONSTRAINT run_once UNIQUE(job, logical_time, window_from,"
	"    window_to, regions, langs, simple));"
	"CREATE INDEX IF NOT EXISTS run_due ON run(state, next_try_ms);"
	"CREATE TABLE IF NOT EXISTS attempt("
	"  run_id BIGINT NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  attempt INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  start_ms BIGINT NOT NULL,"
	"  end_ms BIGINT NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  fetched BIGINT NOT NULL DEFAULT 0,"
	"  stored BIGINT NOT NULL DEFAULT 0,"
	"  dead BIGINT NOT NULL DEFAULT 0,"
	"  log_excerpt TEXT NOT NULL DEFAULT '',"
	"  owner TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(run_id, attempt));"
	"CREATE TABLE IF NOT EXISTS check_result("
	"  run_id BIGINT NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  ok INTEGER NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  checked_ms BIGINT NOT NULL,"
	"  PRIMARY KEY(run_id, name));"
	"CREATE TABLE IF NOT EXISTS task("
	"  run_id BIGINT NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  attempt INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  start_ms BIGINT NOT NULL,"
	"  end_ms BIGINT NOT NULL,"
	"  count BIGINT NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY(run_id, attempt, seq));"
	"CREATE TABLE IF NOT EXISTS meta("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS daemon("
	"  owner TEXT PRIMARY KEY,"
	"  host TEXT NOT NULL,"
	"  pid BIGINT NOT NULL,"
	"  started_ms BIGINT NOT NULL,"
	"  last_beat_ms BIGINT NOT NULL,"
	"  lease_ms BIGINT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  version TEXT NOT NULL);",
	/* 2: the messages credited to runs (sk_ledger_run_credit) */
	"CREATE TABLE IF NOT EXISTS credit("
	"  run_id BIGINT NOT NULL,"
	"  attempt INTEGER NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  off BIGINT NOT NULL,"
	"  dead INTEGER NOT NULL,"
	"  credited_ms BIGINT NOT NULL,"
	"  PRIMARY KEY(run_id, attempt, part, off));"
	"CREATE INDEX IF NOT EXISTS credit_age ON credit(credited_ms);",
	/* 3: where each run came from (struct sk_run.origin); the runs
	 * before it named by their job */
	"ALTER TABLE run ADD COLUMN IF NOT EXISTS origin TEXT NOT NULL "
	"DEFAULT '';" SK_LEDGER_ORIGIN_FILL
		/* and the fetch chunks of an attempt (a run's Gantt) */
		SK_LEDGER_CHUNK_TABLE,
};

#define SCHEMA_VERSION (int)(sizeof schema / sizeof schema[0])
/* pg_advisory_xact_lock key: "skred" in ASCII. */
#define MIGRATE_LOCK "495891490148"

/* Apply the migrations not yet recorded, in one transaction, holding an
 * advisory lock so that daemons starting at once apply them once. */
static sk_err_t migrate(struct pg_ledger *p, struct sk_error *err)
{
	PGresult *res = NULL;
	if (cmd(p, "migrate", "BEGIN", NULL, err) != SK_OK)
		return err->code;
	p->in_tx = true;
	if (rows(p, "migrate lock",
		 "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", NULL, NULL,
		 err) != SK_OK ||
	    cmd(p, "migrate",
		"CREATE TABLE IF NOT EXISTS schema_version("
		"  version INTEGER PRIMARY KEY,"
		"  applied_ms BIGINT NOT NULL)",
		NULL, err) != SK_OK ||
	    rows(p, "migrate",
		 "SELECT COALESCE(max(version), 0) FROM schema_version", NULL,
		 &res, err) != SK_OK)
		goto fail;
	int have = (int)col_int(res, 0, 0);
	PQclear(res);
	res = NULL;
	if (have > SCHEMA_VERSION) {
		sk_error_set(err, SK_ERR_CONFIG, false,
			     "ledger (postgres): schema version %d is newer "
			     "than this skred knows (%d): upgrade skred",
			     have, SCHEMA_VERSION);
		goto fail;
	}
	for (int v = have + 1; v <= SCHEMA_VERSION; v++) {
		struct params ps = {0};
		p_int(&ps, v);
		char what[48];
		snprintf(what, sizeof what, "migration %d", v);
		/* A multi-statement string needs the simple protocol. */
		res = PQexec(p->conn, schema[v - 1]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			result_error(p, res, what, err);
			PQclear(res);
			res = NULL;
			goto fail;
		}
		PQclear(res);
		res = NULL;
		if (cmd(p, what,
			"INSERT INTO schema_version(version, applied_ms) "
			"VALUES ($1, " DBNOW ")",
			&ps, err) != SK_OK)
			goto fail;
	}
	sk_err_t rc = cmd(p, "migrate commit", "COMMIT", NULL, err);
	p->in_tx = false;
	return rc;
fail:
	p->in_tx = false;
	if (p->conn && PQstatus(p->conn) == CONNECTION_OK)
		PQclear(PQexec(p->conn, "ROLLBACK"));
	return err->code;
}

/* ------------------------------------------------------------- open */

static void pg_close(struct sk_ledger *l)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	if (!p)
		return;
	PQfinish(p->conn);
	free(p->url);
	free(p);
}

static sk_err_t pg_open(struct sk_ledger **out, const struct sk_ledger_opts *o,
			struct sk_error *err)
{
	*out = NULL;
	/* sk_ledger_open checked that the URL is set */
	const char *url = o->conf->postgres_url;
	struct pg_ledger *p = calloc(1, sizeof *p);
	if (!p || !(p->url = strdup(url))) {
		free(p);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	p->base.type = &sk_ledger_postgres;
	p->connect_timeout_ms = o->conf->postgres_connect_timeout_ms;
	p->statement_timeout_ms = o->conf->postgres_statement_timeout_ms;
	/* Parse it once: a malformed string is a configuration error (and
	 * libpq's message about it must not echo the password). */
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &perr);
	if (!opts) {
		char msg[SK_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", perr ? perr : "out of memory");
		PQfreemem(perr);
		one_line(msg);
		/* Its message may quote a piece of the string: say less. */
		sk_error_set(err, SK_ERR_CONFIG, false,
			     "ledger.postgres_url is not a valid connection "
			     "string or URL (%s)",
			     strstr(msg, "@") || strstr(msg, "password")
				     ? "see the libpq documentation"
				     : msg);
		pg_close(&p->base);
		return err->code;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val)
			snprintf(p->password, sizeof p->password, "%s", o->val);
	PQconninfoFree(opts);
	if (ensure_conn(p, err) != SK_OK || migrate(p, err) != SK_OK) {
		pg_close(&p->base);
		return err->code;
	}
	*out = &p->base;
	return SK_OK;
}

/* ------------------------------------------------------------- runs */

#define RUN_COLS SK_LEDGER_RUN_COLS

#define RUN_COLS_Q                                                             \
	"run.id, run.job, run.logical_time, run.window_from, run.window_to, "  \
	"run.regions, run.langs, run.simple, run.state, run.attempts, "        \
	"run.max_attempts, run.next_try_ms, run.created_ms, run.start_ms, "    \
	"run.end_ms, run.error, run.fetched, run.stored, run.dead, "           \
	"run.log_excerpt, run.owner, run.lease_until_ms, run.origin"

/* Row i of a result, for sk_ledger_run_from_row. */
struct pg_row {
	PGresult *res;
	int i;
};

static const char *row_text(void *row, int col)
{
	struct pg_row *x = row;
	return PQgetisnull(x->res, x->i, col) ? NULL
					      : PQgetvalue(x->res, x->i, col);
}

static int64_t row_int(void *row, int col)
{
	struct pg_row *x = row;
	return col_int(x->res, x->i, col);
}

static void row_to_run(PGresult *res, int i, struct sk_run *r)
{
	struct pg_row x = {res, i};
	sk_ledger_run_from_row(r, row_text, row_int, &x);
}

static sk_err_t pg_run_get(struct sk_ledger *l, int64_t id, struct sk_run *r,
			   struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, id);
	if (rows(p, "run", "SELECT " RUN_COLS " FROM run WHERE id = $1", &ps,
		 &res, err) != SK_OK)
		return err->code;
	bool found = PQntuples(res) > 0;
	if (found)
		row_to_run(res, 0, r);
	PQclear(res);
	if (!found)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "no run with id %lld", (long long)id);
	return SK_OK;
}

static sk_err_t pg_run_add(struct sk_ledger *l, struct sk_run *r, bool *created,
			   struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_text(&ps, r->job);
	p_text(&ps, r->logical_time);
	p_text(&ps, r->window_from);
	p_text(&ps, r->window_to);
	p_text(&ps, r->regions);
	p_text(&ps, r->langs);
	p_int(&ps, r->simple);
	p_int(&ps, r->max_attempts);
	p_int(&ps, r->next_try_ms);
	p_int(&ps, sk_now_ms());
	p_text(&ps, r->origin[0] ? r->origin : "api");
	/* Created once whoever adds it first: the others' inserts wait for
	 * the first to commit, then do nothing. */
	if (rows(p, "add run",
		 "INSERT INTO run(job, logical_time, window_from, window_to, "
		 "regions, langs, simple, state, max_attempts, next_try_ms, "
		 "created_ms, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		 "'queued', $8, "
		 "$9, $10, $11) ON CONFLICT ON CONSTRAINT run_once DO NOTHING "
		 "RETURNING id",
		 &ps, &res, err) != SK_OK)
		return err->code;
	*created = PQntuples(res) > 0;
	PQclear(res);
	struct params ks = {0};
	p_text(&ks, r->job);
	p_text(&ks, r->logical_time);
	p_text(&ks, r->window_from);
	p_text(&ks, r->window_to);
	p_text(&ks, r->regions);
	p_text(&ks, r->langs);
	p_int(&ks, r->simple);
	if (rows(p, "add run",
		 "SELECT " RUN_COLS " FROM run WHERE job = $1 AND "
		 "logical_time = $2 AND window_from = $3 AND window_to = $4 "
		 "AND regions = $5 AND langs = $6 AND simple = $7",
		 &ks, &res, err) != SK_OK)
		return err->code;
	bool found = PQntuples(res) > 0;
	if (found)
		row_to_run(res, 0, r);
	PQclear(res);
	if (!found)
		return sk_error_set(err, SK_ERR_DB, true,
				    "ledger (postgres): add run: the run "
				    "vanished after its insert (deleted "
				    "concurrently?)");
	return SK_OK;
}

static sk_err_t pg_run_list(struct sk_ledger *l, int state, const char *job,
			    size_t limit,
			    int (*fn)(const struct sk_run *r, void *ud),
			    void *ud, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_text(&ps,
	       state >= 0 ? sk_run_state_name((enum sk_run_state)state) : NULL);
	p_text(&ps, job);
	p_int(&ps, limit ? (int64_t)limit : (int64_t)1 << 40);
	if (rows(p, "list runs",
		 "SELECT " RUN_COLS " FROM run WHERE ($1::text IS NULL OR "
		 "state = $1) AND ($2::text IS NULL OR job = $2) ORDER BY id "
		 "DESC LIMIT $3",
		 &ps, &res, err) != SK_OK)
		return err->code;
	struct sk_run r;
	for (int i = 0; i < PQntuples(res); i++) {
		row_to_run(res, i, &r);
		if (fn(&r, ud))
			break;
	}
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_run_next_due(struct sk_ledger *l, int64_t now_ms,
				struct sk_run *r, bool *found,
				struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	*found = false;
	p_int(&ps, now_ms);
	if (rows(p, "next run",
		 "SELECT " RUN_COLS
		 " FROM run WHERE state IN " SK_LEDGER_CLAIMABLE
		 " AND next_try_ms <= $1 ORDER BY "
		 "logical_time, id LIMIT 1",
		 &ps, &res, err) != SK_OK)
		return err->code;
	if (PQntuples(res) > 0) {
		row_to_run(res, 0, r);
		*found = true;
	}
	PQclear(res);
	return SK_OK;
}

/* The lease length the caller asked for (its lease_until_ms is on its own
 * wall clock); at least one second. */
static int64_t lease_len(int64_t lease_until_ms)
{
	int64_t len = lease_until_ms - sk_now_ms();
	return len < 1000 ? 1000 : len;
}

/* Claim: which (a subquery choosing the run, locking it), then the update
 * and the attempt row in the same statement. $1 now_ms, $2 owner, $3
 * lease length; the chooser may use $4. */
#define CLAIM_SQL(chooser)                                                     \
	"WITH c AS (" chooser "), "                                            \
	"u AS (UPDATE run SET state = 'running', attempts = run.attempts + "   \
	"1, "                                                                  \
	"  start_ms = $1, end_ms = 0, owner = $2, "                            \
	"  lease_until_ms = " DBNOW " + $3, fetched = 0, stored = 0, "         \
	"  dead = 0 "                                                          \
	"  FROM c WHERE run.id = c.id AND run.state IN " SK_LEDGER_CLAIMABLE   \
	"  RETURNING " RUN_COLS_Q "), "                                        \
	"a AS (INSERT INTO attempt(run_id, attempt, state, start_ms, owner) "  \
	"  SELECT id, attempts, 'running', start_ms, owner FROM u "            \
	"  ON CONFLICT (run_id, attempt) DO UPDATE SET state = 'running', "    \
	"  start_ms = excluded.start_ms, end_ms = 0, error = '', "             \
	"  fetched = 0, stored = 0, dead = 0, log_excerpt = '', "              \
	"  owner = excluded.owner) "                                           \
	"SELECT " RUN_COLS " FROM u"

static sk_err_t pg_run_claim_next(struct sk_ledger *l,
				  const struct sk_ledger_owner *o,
				  int64_t now_ms, int64_t lease_until_ms,
				  struct sk_run *r, bool *claimed,
				  struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	*claimed = false;
	p_int(&ps, now_ms);
	p_text(&ps, o->id);
	p_int(&ps, lease_len(lease_until_ms));
	/* SKIP LOCKED: a run another daemon is claiming right now is passed
	 * over, not waited for; the next one due is taken instead. */
	if (rows(p, "claim",
		 CLAIM_SQL("SELECT id FROM run WHERE state "
			   "IN " SK_LEDGER_CLAIMABLE " AND next_try_ms <= $1 "
			   "ORDER BY logical_time, id LIMIT 1 "
			   "FOR UPDATE SKIP LOCKED"),
		 &ps, &res, err) != SK_OK)
		return err->code;
	if (PQntuples(res) > 0) {
		row_to_run(res, 0, r);
		*claimed = true;
	}
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_run_claim(struct sk_ledger *l, int64_t id,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, struct sk_run *r,
			     bool *claimed, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	*claimed = false;
	p_int(&ps, now_ms);
	p_text(&ps, o->id);
	p_int(&ps, lease_len(lease_until_ms));
	p_int(&ps, id);
	if (rows(p, "claim",
		 CLAIM_SQL("SELECT id FROM run WHERE id = $4 AND state "
			   "IN " SK_LEDGER_CLAIMABLE " FOR UPDATE"),
		 &ps, &res, err) != SK_OK)
		return err->code;
	if (PQntuples(res) > 0) {
		row_to_run(res, 0, r);
		*claimed = true;
	}
	PQclear(res);
	if (*claimed)
		return SK_OK;
	return pg_run_get(l, id, r, err);
}

static sk_err_t pg_run_end(struct sk_ledger *l, const struct sk_run *r,
			   int64_t now_ms, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	const char *attempt_state = r->state == SK_RUN_SUCCESS  ? "success"
				    : r->state == SK_RUN_QUEUED ? "interrupted"
								: "failed";
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, r->id);
	p_text(&ps, sk_run_state_name(r->state));
	p_int(&ps, r->next_try_ms);
	p_int(&ps, now_ms);
	p_text(&ps, r->error);
	p_int(&ps, r->fetched);
	p_int(&ps, r->stored);
	p_int(&ps, r->dead);
	p_text(&ps, r->log_excerpt);
	p_text(&ps, r->owner);
	p_int(&ps, r->attempts);
	p_text(&ps, attempt_state);
	/* Only the claimant of the current attempt writes: the check and
	 * the writes are one statement. */
	if (rows(p, "end run",
		 "WITH u AS (UPDATE run SET state = $2, next_try_ms = $3, "
		 "end_ms = $4, error = $5, fetched = $6, stored = stored + "
		 "$7, dead = dead + $8, log_excerpt = $9, lease_until_ms = 0 "
		 "WHERE id = $1 AND state = 'running' AND owner = $10 AND "
		 "attempts = $11 RETURNING id), "
		 "a AS (UPDATE attempt SET state = $12, end_ms = $4, "
		 "error = $5, fetched = $6, stored = attempt.stored + $7, "
		 "dead = attempt.dead + $8, log_excerpt = $9 FROM u WHERE "
		 "attempt.run_id = u.id AND attempt.attempt = $11) "
		 "SELECT count(*) FROM u",
		 &ps, &res, err) != SK_OK)
		return err->code;
	bool ours = col_int(res, 0, 0) == 1;
	PQclear(res);
	if (ours)
		return SK_OK;
	struct sk_run now;
	if (pg_run_get(l, r->id, &now, err) != SK_OK)
		return err->code;
	return sk_error_set(err, SK_ERR_CONFLICT, false,
			    "run %lld attempt %d is no longer ours (%s): it "
			    "is %s, attempt %d, owner %s (the lease expired "
			    "and the run was recovered or taken over)",
			    (long long)r->id, r->attempts, r->owner,
			    sk_run_state_name(now.state), now.attempts,
			    now.owner[0] ? now.owner : "none");
}

/* n values of field f of c as a PostgreSQL array literal ("{1,2}"),
 * owned by ps. */
#define P_ARRAY(ps, c, n, f, cast)                                             \
	do {                                                                   \
		struct sk_buf a_ = SK_BUF_INIT(SK_LIMIT_TEXT);                 \
		sk_buf_puts(&a_, "{");                                         \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			sk_buf_printf(&a_, "%s%lld", i_ ? "," : "",            \
				      (long long)(cast)(c)[i_].f);             \
		sk_buf_puts(&a_, "}");                                         \
		p_owned(ps, sk_buf_finish(&a_) == SK_OK ? sk_buf_steal(&a_)    \
							: NULL);               \
	} while (0)

static sk_err_t pg_run_credit(struct sk_ledger *l,
			      const struct sk_ledger_credit *c, size_t n,
			      int64_t now_ms, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	P_ARRAY(&ps, c, n, run_id, int64_t);
	P_ARRAY(&ps, c, n, attempt, int64_t);
	P_ARRAY(&ps, c, n, partition, int64_t);
	P_ARRAY(&ps, c, n, offset, int64_t);
	P_ARRAY(&ps, c, n, dead, int64_t);
	for (int i = 0; i < ps.n; i++)
		if (!ps.v[i]) {
			params_free(&ps);
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		}
	p_int(&ps, now_ms);
	/* Forgetting first, on its own: within one statement the insert
	 * would still see the rows the delete removes. */
	struct params old = {0};
	p_int(&old, now_ms - SK_LEDGER_CREDIT_KEEP_MS);
	if (cmd(p, "forget old credits",
		"DELETE FROM credit WHERE credited_ms < $1", &old,
		err) != SK_OK) {
		params_free(&ps);
		return err->code;
	}
	/* One statement: the messages not credited before (the insert
	 * that conflicts counts nothing), then their counts added to each
	 * attempt and, when it is its run's current one, to the run. */
	return rows(p, "credit runs",
		    "WITH c AS (SELECT * FROM unnest($1::bigint[], "
		    "$2::int[], $3::int[], $4::bigint[], $5::int[]) AS "
		    "c(run_id, attempt, part, off, dead)), "
		    "ins AS (INSERT INTO credit(run_id, attempt, part, off, "
		    "dead, credited_ms) SELECT run_id, attempt, part, off, "
		    "dead, $6 FROM c ON CONFLICT DO NOTHING "
		    "RETURNING run_id, attempt, dead), "
		    "g AS (SELECT run_id, attempt, count(*) FILTER (WHERE "
		    "dead = 0) AS s, count(*) FILTER (WHERE dead <> 0) AS d "
		    "FROM ins GROUP BY run_id, attempt), "
		    "a AS (UPDATE attempt SET stored = attempt.stored + g.s, "
		    "dead = attempt.dead + g.d FROM g WHERE attempt.run_id = "
		    "g.run_id AND attempt.attempt = g.attempt RETURNING 1), "
		    "r AS (UPDATE run SET stored = run.stored + g.s, dead = "
		    "run.dead + g.d FROM g WHERE run.id = g.run_id AND "
		    "run.attempts = g.attempt RETURNING 1) "
		    "SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM r)",
		    &ps, NULL, err);
}

static sk_err_t pg_run_skip(struct sk_ledger *l, int64_t id, const char *reason,
			    int64_t now_ms, bool *done, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	*done = false;
	p_int(&ps, id);
	p_text(&ps, reason ? reason : "");
	p_int(&ps, now_ms);
	if (rows(p, "skip run",
		 "UPDATE run SET state = 'skipped', error = $2, end_ms = $3, "
		 "next_try_ms = 0 WHERE id = $1 AND state "
		 "IN " SK_LEDGER_CLAIMABLE " RETURNING id",
		 &ps, &res, err) != SK_OK)
		return err->code;
	*done = PQntuples(res) > 0;
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_run_clear(struct sk_ledger *l, int64_t id,
			     struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, id);
	if (rows(p, "clear run",
		 "UPDATE run SET state = 'queued', attempts = 0, "
		 "next_try_ms = 0, error = '' WHERE id = $1 AND state <> "
		 "'running' RETURNING id",
		 &ps, &res, err) != SK_OK)
		return err->code;
	bool done = PQntuples(res) > 0;
	PQclear(res);
	if (done)
		return SK_OK;
	struct sk_run r;
	if (pg_run_get(l, id, &r, err) != SK_OK)
		return err->code;
	return sk_error_set(err, SK_ERR_INVAL, false, "run %lld is running",
			    (long long)id);
}

static sk_err_t pg_recover(struct sk_ledger *l, int64_t now_ms, int *n,
			   struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	*n = 0;
	p_int(&ps, now_ms);
	/* Expired on the server's clock; up for retry at once (next_try_ms
	 * 0: the scheduler's clock may be a test's fake one). Processes
	 * silent for a day leave the table of daemons. */
	if (rows(p, "recover",
		 "WITH x AS (UPDATE run SET state = 'up_for_retry', "
		 "next_try_ms = 0, lease_until_ms = 0, error = 'cut off: the "
		 "lease of ' || owner || ' expired (crash, kill or hang)' "
		 "WHERE state = 'running' AND lease_until_ms < " DBNOW " "
		 "RETURNING id, attempts), "
		 "a AS (UPDATE attempt SET state = 'interrupted', end_ms = $1, "
		 "error = 'cut off: the lease of ' || owner || ' expired "
		 "(crash, kill or hang)' FROM x WHERE attempt.run_id = x.id "
		 "AND attempt.attempt = x.attempts AND attempt.state = "
		 "'running'), "
		 "d AS (DELETE FROM daemon WHERE last_beat_ms + lease_ms "
		 "< " DBNOW " - 86400000) "
		 "SELECT count(*) FROM x",
		 &ps, &res, err) != SK_OK)
		return err->code;
	*n = (int)col_int(res, 0, 0);
	PQclear(res);
	return SK_OK;
}

/* -------------------------------------------------------- processes */

static sk_err_t pg_heartbeat(struct sk_ledger *l,
			     const struct sk_ledger_owner *o, int64_t now_ms,
			     int64_t lease_until_ms, int *renewed,
			     struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	if (renewed)
		*renewed = 0;
	p_text(&ps, o->id);
	p_int(&ps, lease_len(lease_until_ms));
	p_text(&ps, o->host);
	p_int(&ps, o->pid);
	p_int(&ps, o->started_ms);
	p_text(&ps, o->role);
	p_text(&ps, o->version);
	if (rows(p, "heartbeat",
		 "WITH r AS (UPDATE run SET lease_until_ms = " DBNOW " + $2 "
		 "WHERE state = 'running' AND owner = $1 RETURNING id), "
		 "d AS (INSERT INTO daemon(owner, host, pid, started_ms, "
		 "last_beat_ms, lease_ms, role, version) VALUES ($1, $3, $4, "
		 "$5, " DBNOW ", $2, $6, $7) ON CONFLICT (owner) DO UPDATE "
		 "SET last_beat_ms = excluded.last_beat_ms, lease_ms = "
		 "excluded.lease_ms) "
		 "SELECT count(*) FROM r",
		 &ps, &res, err) != SK_OK)
		return err->code;
	if (renewed)
		*renewed = (int)col_int(res, 0, 0);
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_owner_gone(struct sk_ledger *l,
			      const struct sk_ledger_owner *o,
			      struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	p_text(&ps, o->id);
	return cmd(p, "owner gone", "DELETE FROM daemon WHERE owner = $1", &ps,
		   err);
}

static sk_err_t pg_daemons(struct sk_ledger *l, int64_t now_ms,
			   int (*fn)(const struct sk_ledger_daemon *d,
				     void *ud),
			   void *ud, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	PGresult *res;
	if (rows(p, "daemons",
		 "SELECT owner, host, pid, started_ms, last_beat_ms, lease_ms, "
		 "role, version, (last_beat_ms + lease_ms >= " DBNOW ")::int "
		 "FROM daemon ORDER BY started_ms, owner",
		 NULL, &res, err) != SK_OK)
		return err->code;
	for (int i = 0; i < PQntuples(res); i++) {
		struct sk_ledger_daemon d = {0};
		col_text(res, i, 0, d.owner, sizeof d.owner);
		col_text(res, i, 1, d.host, sizeof d.host);
		d.pid = col_int(res, i, 2);
		d.started_ms = col_int(res, i, 3);
		d.last_beat_ms = col_int(res, i, 4);
		d.lease_ms = col_int(res, i, 5);
		col_text(res, i, 6, d.role, sizeof d.role);
		col_text(res, i, 7, d.version, sizeof d.version);
		d.alive = col_int(res, i, 8) != 0;
		if (fn(&d, ud))
			break;
	}
	PQclear(res);
	return SK_OK;
}

/* ---------------------------------------- attempts, checks, tasks */

static sk_err_t pg_attempts(struct sk_ledger *l, int64_t run_id,
			    int (*fn)(const struct sk_attempt *a, void *ud),
			    void *ud, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, run_id);
	if (rows(p, "attempts",
		 "SELECT attempt, state, start_ms, end_ms, error, fetched, "
		 "stored, dead, owner FROM attempt WHERE run_id = $1 ORDER BY "
		 "attempt",
		 &ps, &res, err) != SK_OK)
		return err->code;
	for (int i = 0; i < PQntuples(res); i++) {
		struct sk_attempt a = {0};
		a.attempt = (int)col_int(res, i, 0);
		col_text(res, i, 1, a.state, sizeof a.state);
		a.start_ms = col_int(res, i, 2);
		a.end_ms = col_int(res, i, 3);
		col_text(res, i, 4, a.error, sizeof a.error);
		a.fetched = col_int(res, i, 5);
		a.stored = col_int(res, i, 6);
		a.dead = col_int(res, i, 7);
		col_text(res, i, 8, a.owner, sizeof a.owner);
		if (fn(&a, ud))
			break;
	}
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_check_put(struct sk_ledger *l, int64_t run_id,
			     const char *name, bool ok, const char *detail,
			     int64_t now_ms, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	p_int(&ps, run_id);
	p_text(&ps, name);
	p_int(&ps, ok);
	p_text(&ps, detail ? detail : "");
	p_int(&ps, now_ms);
	return cmd(p, "put check",
		   "INSERT INTO check_result(run_id, name, ok, detail, "
		   "checked_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT "
		   "(run_id, name) DO UPDATE SET ok = excluded.ok, detail = "
		   "excluded.detail, checked_ms = excluded.checked_ms",
		   &ps, err);
}

static sk_err_t pg_checks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const char *name, bool ok,
				    const char *detail, void *ud),
			  void *ud, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, run_id);
	if (rows(p, "checks",
		 "SELECT name, ok, detail FROM check_result WHERE run_id = $1 "
		 "ORDER BY name",
		 &ps, &res, err) != SK_OK)
		return err->code;
	for (int i = 0; i < PQntuples(res); i++)
		if (fn(PQgetvalue(res, i, 0), col_int(res, i, 1) != 0,
		       PQgetvalue(res, i, 2), ud))
			break;
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_task_put(struct sk_ledger *l, int64_t run_id,
			    const struct sk_task *t, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	p_int(&ps, run_id);
	p_int(&ps, t->attempt);
	p_int(&ps, t->seq);
	p_text(&ps, t->name);
	p_text(&ps, t->state);
	p_int(&ps, t->start_ms);
	p_int(&ps, t->end_ms);
	p_int(&ps, t->count);
	p_text(&ps, t->error);
	return cmd(p, "put task",
		   "INSERT INTO task(run_id, attempt, seq, name, state, "
		   "start_ms, end_ms, count, error) VALUES ($1, $2, $3, $4, "
		   "$5, "
		   "$6, $7, $8, $9) ON CONFLICT (run_id, attempt, seq) DO "
		   "UPDATE SET name = excluded.name, state = excluded.state, "
		   "start_ms = excluded.start_ms, end_ms = excluded.end_ms, "
		   "count = excluded.count, error = excluded.error",
		   &ps, err);
}

static sk_err_t pg_tasks(struct sk_ledger *l, int64_t run_id,
			 int (*fn)(const struct sk_task *t, void *ud), void *ud,
			 struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, run_id);
	if (rows(p, "tasks",
		 "SELECT attempt, seq, name, state, start_ms, end_ms, count, "
		 "error FROM task WHERE run_id = $1 ORDER BY attempt, seq",
		 &ps, &res, err) != SK_OK)
		return err->code;
	for (int i = 0; i < PQntuples(res); i++) {
		struct sk_task t = {0};
		t.attempt = (int)col_int(res, i, 0);
		t.seq = (int)col_int(res, i, 1);
		col_text(res, i, 2, t.name, sizeof t.name);
		col_text(res, i, 3, t.state, sizeof t.state);
		t.start_ms = col_int(res, i, 4);
		t.end_ms = col_int(res, i, 5);
		t.count = col_int(res, i, 6);
		col_text(res, i, 7, t.error, sizeof t.error);
		if (fn(&t, ud))
			break;
	}
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_chunks_put(struct sk_ledger *l, int64_t run_id,
			      const struct sk_chunk *c, size_t n,
			      struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	for (size_t i = 0; i < n; i++) {
		struct params ps = {0};
		p_int(&ps, run_id);
		p_int(&ps, c[i].attempt);
		p_int(&ps, c[i].seq);
		p_int(&ps, c[i].region);
		p_int(&ps, c[i].lang);
		p_text(&ps, c[i].from);
		p_text(&ps, c[i].to);
		p_text(&ps, c[i].state);
		p_int(&ps, c[i].start_ms);
		p_int(&ps, c[i].end_ms);
		p_int(&ps, c[i].count);
		p_text(&ps, c[i].error);
		if (cmd(p, "put chunk",
			"INSERT INTO chunk(run_id, attempt, seq, region, lang, "
			"window_from, window_to, state, start_ms, end_ms, "
			"count, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
			"$9, $10, $11, $12) ON CONFLICT (run_id, attempt, seq) "
			"DO UPDATE SET region = excluded.region, lang = "
			"excluded.lang, window_from = excluded.window_from, "
			"window_to = excluded.window_to, state = "
			"excluded.state, start_ms = excluded.start_ms, end_ms "
			"= excluded.end_ms, count = excluded.count, error = "
			"excluded.error",
			&ps, err) != SK_OK)
			return err->code;
	}
	return SK_OK;
}

static sk_err_t pg_chunks(struct sk_ledger *l, int64_t run_id,
			  int (*fn)(const struct sk_chunk *c, void *ud),
			  void *ud, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	p_int(&ps, run_id);
	if (rows(p, "chunks",
		 "SELECT attempt, seq, region, lang, window_from, window_to, "
		 "state, start_ms, end_ms, count, error FROM chunk WHERE "
		 "run_id = $1 ORDER BY attempt, seq",
		 &ps, &res, err) != SK_OK)
		return err->code;
	for (int i = 0; i < PQntuples(res); i++) {
		struct sk_chunk c = {0};
		c.attempt = (int)col_int(res, i, 0);
		c.seq = (int)col_int(res, i, 1);
		c.region = (int)col_int(res, i, 2);
		c.lang = (int)col_int(res, i, 3);
		col_text(res, i, 4, c.from, sizeof c.from);
		col_text(res, i, 5, c.to, sizeof c.to);
		col_text(res, i, 6, c.state, sizeof c.state);
		c.start_ms = col_int(res, i, 7);
		c.end_ms = col_int(res, i, 8);
		c.count = col_int(res, i, 9);
		col_text(res, i, 10, c.error, sizeof c.error);
		if (fn(&c, ud))
			break;
	}
	PQclear(res);
	return SK_OK;
}

/* ------------------------------------------------------------- meta */

static sk_err_t pg_meta_get(struct sk_ledger *l, const char *key, char *buf,
			    size_t size, bool *found, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	PGresult *res;
	*found = false;
	p_text(&ps, key);
	if (rows(p, "meta", "SELECT value FROM meta WHERE key = $1", &ps, &res,
		 err) != SK_OK)
		return err->code;
	if (PQntuples(res) > 0) {
		col_text(res, 0, 0, buf, size);
		*found = true;
	}
	PQclear(res);
	return SK_OK;
}

static sk_err_t pg_meta_set(struct sk_ledger *l, const char *key,
			    const char *value, struct sk_error *err)
{
	struct pg_ledger *p = (struct pg_ledger *)l;
	struct params ps = {0};
	p_text(&ps, key);
	if (!value)
		return cmd(p, "meta", "DELETE FROM meta WHERE key = $1", &ps,
			   err);
	p_text(&ps, value);
	return cmd(p, "meta",
		   "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT "
		   "(key) DO UPDATE SET value = excluded.value",
		   &ps, err);
}

const struct sk_ledger_type sk_ledger_postgres = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.run_add = pg_run_add,
	.run_get = pg_run_get,
	.run_list = pg_run_list,
	.run_next_due = pg_run_next_due,
	.run_claim_next = pg_run_claim_next,
	.run_claim = pg_run_claim,
	.run_end = pg_run_end,
	.run_credit = pg_run_credit,
	.run_skip = pg_run_skip,
	.run_clear = pg_run_clear,
	.recover = pg_recover,
	.heartbeat = pg_heartbeat,
	.owner_gone = pg_owner_gone,
	.daemons = pg_daemons,
	.attempts = pg_attempts,
	.check_put = pg_check_put,
	.checks = pg_checks,
	.task_put = pg_task_put,
	.tasks = pg_tasks,
	.chunks_put = pg_chunks_put,
	.chunks = pg_chunks,
	.meta_get = pg_meta_get,
	.meta_set = pg_meta_set,
};
