/*
 * sqlog.c - the embedded bus: a durable append-only log in SQLite (WAL,
 * synchronous=FULL) at <data_dir>/bus.db. One partition (0) per topic,
 * offsets 0,1,2,... per topic, consumer groups with committed offsets,
 * retention by age for messages every group has consumed.
 *
 * It does not push: poll re-queries, sleeping briefly, until its timeout.
 *
 * Consumers of one bus.db (several threads, `skred process` beside a
 * daemon's runs) take turns, batch by batch: a poll that returns messages
 * holds an exclusive lock (flock on bus.db.consumers.lock) until the
 * commit of that batch, and every time it takes the lock it re-reads the
 * group's committed offset. So two consumers of a group never read the
 * same uncommitted messages (each message is stored once), and one that
 * only waits (follow mode) does not hold the lock.
 *
 * A message with an SK_BUS_HEADER_DEDUP header is appended only if its id
 * is new to its topic (table message_dedup, same transaction as the
 * append), so re-appending the same dead letter after a crash is a no-op.
 *
 * Values are stored through sqldb's codec (zstd with a built-in
 * dictionary, the format in the value): read_rows decodes every one, so
 * poll and read (replay, dlq, inspect) return the bytes that were produced.
 * Values written before schema 3 are read as they are. The table stays
 * WITHOUT ROWID: compressed rows (~0.4 KB with headers) fit in their leaf
 * pages, which the overflow pages of 2.3 KB rows did not (measured in
 * docs/ARCHITECTURE.md, "On disk").
 */
#include "bus/bus_int.h"
#include "sqldb/sqldb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct sqlog {
	struct sk_bus base;
	sqlite3 *db;
	struct sk_sqldb_cache sc; /* every statement, by the S_* index */
	struct sk_sqldb_z *z;     /* the values' codec */
	char *group;
	char *topic;
	int64_t position; /* next offset this consumer reads */
	int64_t retention_ms;
	char *lock_path; /* bus.db.consumers.lock */
	int lock_fd;     /* -1 until the first poll */
	bool locked;     /* holding it: between a poll and its commit */
};

static const char *const schema[] = {
	/* 0 -> 1 */
	"CREATE TABLE topic("
	"  name TEXT PRIMARY KEY,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE message("
	"  topic TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  ts_ms INTEGER NOT NULL,"
	"  key BLOB,"
	"  value BLOB,"
	"  headers BLOB,"
	"  PRIMARY KEY(topic, seq)) WITHOUT ROWID;"
	"CREATE TABLE consumer_offset("
	"  grp TEXT NOT NULL,"
	"  topic TEXT NOT NULL,"
	"  next_seq INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(grp, topic));",
	/* 1 -> 2: ids of messages appended at most once per topic */
	"CREATE TABLE message_dedup("
	"  topic TEXT NOT NULL,"
	"  dedup_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY(topic, dedup_id)) WITHOUT ROWID;",
	/* 2 -> 3: values through sqldb's codec. Old values read as they
	 * are, except those that start with its marker byte: escaped. */
	("UPDATE message SET value = CAST(X'FF00' || value AS BLOB)"
	 " WHERE substr(value, 1, 1) = X'FF';"),
	/* 3 -> 4: retention (run at every open) finds old messages by
	 * time instead of reading the whole log. */
	"CREATE INDEX message_ts ON message(ts_ms);",
	/* 4 -> 5: the record shapes (schema versions) skred has used. */
	"CREATE TABLE schema_version("
	"  subject TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  schema TEXT NOT NULL,"
	"  first_used_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(subject, version));",
	/* 5 -> 6: the source's drift against the expected API shape, per
	 * field and kind (`skred schema drift`). */
	"CREATE TABLE source_drift("
	"  field TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_seen_ms INTEGER NOT NULL,"
	"  last_seen_ms INTEGER NOT NULL,"
	"  PRIMARY KEY(field, kind));",
};

/* The statements, prepared once per connection (sqldb's cache). */
enum {
	S_NEXT,
	S_TOPIC,
	S_INSERT,
	S_DEDUP,
	S_READ,
	S_COMMIT,
	S_COMMITTED,
	S_LAG,
	S_RETENTION,
	S_SCHEMA_FIND,
	S_SCHEMA_ADD,
	S_SCHEMA_LIST,
	S_BROWSE,
	S_SEQ_AT,
	S_DRIFT_ADD,
	S_DRIFT_LIST,
	S__COUNT
};

static const char *const sql[S__COUNT] = {
	[S_NEXT] = "SELECT COALESCE(MAX(seq) + 1, 0) FROM message "
		   "WHERE topic = ?1",
	[S_TOPIC] = "INSERT OR IGNORE INTO topic(name, created_ms) "
		    "VALUES (?1, ?2)",
	[S_INSERT] = "INSERT INTO message(topic, seq, ts_ms, key, value, "
		     "headers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_DEDUP] = "INSERT OR IGNORE INTO message_dedup(topic, dedup_id, "
		    "seq) VALUES (?1, ?2, ?3)",
	[S_READ] = "SELECT seq, ts_ms, key, value, headers FROM message "
		   "WHERE topic = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3",
	[S_COMMIT] = "INSERT INTO consumer_offset(grp, topic, next_seq, "
		     "updated_ms) VALUES (?1, ?2, ?3, ?4) "
		     "ON CONFLICT(grp, topic) DO UPDATE SET "
		     "next_seq = MAX(next_seq, excluded.next_seq), "
		     "updated_ms = excluded.updated_ms",
	[S_COMMITTED] = "SELECT next_seq FROM consumer_offset WHERE grp = "
			"?1 AND topic = ?2",
	[S_LAG] = "SELECT (SELECT COALESCE(MAX(seq) + 1, 0) FROM "
		  "message WHERE topic = ?2),"
		  "(SELECT COALESCE(MIN(seq), 0) FROM message "
		  "WHERE topic = ?2),"
		  "(SELECT next_seq FROM consumer_offset WHERE grp "
		  "= ?1 AND topic = ?2)",
	[S_RETENTION] = "DELETE FROM message WHERE ts_ms < ?1 AND seq < "
			"(SELECT MIN(next_seq) FROM consumer_offset c "
			" WHERE c.topic = message.topic)",
	[S_SCHEMA_FIND] = "SELECT version FROM schema_version WHERE subject "
			  "= ?1 AND schema = ?2 ORDER BY version LIMIT 1",
	[S_SCHEMA_ADD] = "INSERT INTO schema_version(subject, version, "
			 "schema, first_used_ms) SELECT ?1, COALESCE(MAX("
			 "version), 0) + 1, ?2, ?3 FROM schema_version "
			 "WHERE subject = ?1 RETURNING version",
	[S_SCHEMA_LIST] = "SELECT subject, version, schema, first_used_ms "
			  "FROM schema_version ORDER BY subject, version",
	/* The message browser: a window of at most ?5 offsets from ?2,
	 * keys containing ?3 (all when NULL), at most ?4 rows. */
	[S_BROWSE] = "SELECT seq, ts_ms, key, value, headers FROM message "
		     "WHERE topic = ?1 AND seq >= ?2 AND seq < ?2 + ?5 "
		     "AND (?3 IS NULL OR instr(key, ?3) > 0) "
		     "ORDER BY seq LIMIT ?4",
	/* The first offset at or after a time (the end when none). */
	[S_SEQ_AT] = "SELECT COALESCE((SELECT MIN(seq) FROM message WHERE "
		     "topic = ?1 AND ts_ms >= ?2), (SELECT COALESCE(MAX(seq) "
		     "+ 1, 0) FROM message WHERE topic = ?1))",
	[S_DRIFT_ADD] = "INSERT INTO source_drift(field, kind, count, "
			"first_seen_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, "
			"?4) ON CONFLICT(field, kind) DO UPDATE SET count = "
			"count + excluded.count, last_seen_ms = "
			"MAX(last_seen_ms, excluded.last_seen_ms)",
	[S_DRIFT_LIST] = "SELECT field, kind, count, first_seen_ms, "
			 "last_seen_ms FROM source_drift ORDER BY "
			 "last_seen_ms DESC, field, kind",
};

static sk_err_t stmt(struct sqlog *q, int id, sqlite3_stmt **st,
		     struct sk_error *err)
{
	return sk_sqldb_cache_at(&q->sc, (size_t)id, sql[id], st, err);
}

/* Headers are stored as "<klen>:<key><vlen>:<value>" repeated. */
static sk_err_t headers_encode(const struct sk_bus_msg *m, struct sk_buf *b)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		const char *k = m->headers[i].key ? m->headers[i].key : "";
		const char *v = m->headers[i].value ? m->headers[i].value : "";
		if (sk_buf_printf(b, "%zu:%s%zu:%s", strlen(k), k, strlen(v),
				  v) != SK_OK)
			return SK_ERR_NOMEM;
	}
	return SK_OK;
}

static bool read_len(const char **p, const char *end, size_t *out)
{
	size_t v = 0;
	const char *s = *p;
	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (size_t)1 << 40)
			return false;
		v = v * 10 + (size_t)(*s - '0');
		s++;
	}
	if (s >= end || *s != ':' || (size_t)(end - s - 1) < v)
		return false;
	*p = s + 1;
	*out = v;
	return true;
}

static sk_err_t headers_decode(struct sk_bus_batch *b, const char *p, size_t n,
			       struct sk_error *err)
{
	const char *end = p + n;
	while (p < end) {
		size_t kl, vl;
		if (!read_len(&p, end, &kl))
			goto bad;
		const char *k = p;
		p += kl;
		if (!read_len(&p, end, &vl))
			goto bad;
		const char *v = p;
		p += vl;
		char *ks = sk_strndup(k, kl), *vs = sk_strndup(v, vl);
		sk_err_t rc = ks && vs ? sk_bus_batch_add_header(b, ks, vs, err)
				       : sk_error_set(err, SK_ERR_NOMEM, false,
						      "out of memory");
		free(ks);
		free(vs);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
bad:
	return sk_error_set(err, SK_ERR_BUS, false,
			    "bus log: corrupt message headers");
}

static void sqlog_close(struct sk_bus *bus)
{
	struct sqlog *q = (struct sqlog *)bus;
	if (!q)
		return;
	sk_sqldb_cache_close(&q->sc);
	sk_sqldb_z_free(q->z);
	sk_sqldb_close(q->db);
	if (q->lock_fd >= 0)
		close(q->lock_fd); /* releases the lock */
	free(q->lock_path);
	free(q->group);
	free(q->topic);
	free(q);
}

/* Delete messages older than the retention that every group consuming the
 * topic has committed past. Topics nobody consumes are kept. */
static void apply_retention(struct sqlog *q)
{
	if (q->retention_ms <= 0)
		return;
	sqlite3_stmt *st = NULL;
	struct sk_error err = {0};
	sk_err_t rc = stmt(q, S_RETENTION, &st, &err);
	if (rc == SK_OK) {
		sqlite3_bind_int64(st, 1, sk_now_ms() - q->retention_ms);
		rc = sk_sqldb_run(st, "retention", &err);
	}
	if (rc != SK_OK)
		sk_log(SK_LOG_WARN, "bus", "%s", err.msg);
	else if (sqlite3_changes(q->db) > 0)
		sk_log(SK_LOG_INFO, "bus", "retention deleted=%d",
		       sqlite3_changes(q->db));
}

static sk_err_t sqlog_open(struct sk_bus **out, const struct sk_bus_opts *o,
			   struct sk_error *err)
{
	*out = NULL;
	const char *dir = o->data_dir;
	if (!dir || !*dir)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "data_dir is not set");
	if (sk_mkdir_p(dir, err) != SK_OK)
		return err->code;
	struct sqlog *q = calloc(1, sizeof *q);
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	q->base.type = &sk_bus_sqlite;
	q->lock_fd = -1;
	q->retention_ms = o->conf->retention_days * 86400000;
	char path[4200];
	snprintf(path, sizeof path, "%s/bus.db", dir);
	if (sk_sqldb_open(&q->db, path, err) != SK_OK)
		goto fail;
	size_t lp = strlen(path) + sizeof ".consumers.lock";
	if (!(q->lock_path = malloc(lp))) {
		sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto fail;
	}
	snprintf(q->lock_path, lp, "%s.consumers.lock", path);
	if (sk_sqldb_exec(q->db, "PRAGMA synchronous=FULL;", err) != SK_OK ||
	    sk_sqldb_migrate(q->db, "bus", schema,
			     sizeof schema / sizeof schema[0], err) != SK_OK ||
	    sk_sqldb_z_new(&q->z, err) != SK_OK)
		goto fail;
	sk_sqldb_cache_init(&q->sc, q->db);
	/* Prepared now, so a broken database fails at open, not mid-run. */
	for (int i = 0; i < S__COUNT; i++) {
		sqlite3_stmt *st;
		if (stmt(q, i, &st, err) != SK_OK)
			goto fail;
	}
	apply_retention(q);
	*out = &q->base;
	return SK_OK;
fail:
	sqlog_close(&q->base);
	return err->code;
}

static sk_err_t next_seq(struct sqlog *q, const char *topic, int64_t *out,
			 struct sk_error *err)
{
	sqlite3_stmt *st;
	if (stmt(q, S_NEXT, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus next offset", err);
	*out = sk_sqldb_next(&it) ? sqlite3_column_int64(st, 0) : 0;
	return sk_sqldb_end(&it);
}

/* *fresh = false when m carries a dedup id its topic already has; else the
 * id (if any) is recorded for seq, inside the caller's transaction. */
static sk_err_t claim_dedup(struct sqlog *q, const struct sk_bus_msg *m,
			    int64_t seq, bool *fresh, struct sk_error *err)
{
	const char *id = sk_bus_msg_header(m, SK_BUS_HEADER_DEDUP);
	*fresh = true;
	if (!id)
		return SK_OK;
	sqlite3_stmt *st;
	if (stmt(q, S_DEDUP, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, m->topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, seq);
	if (sk_sqldb_run(st, "bus dedup", err) != SK_OK)
		return err->code;
	*fresh = sqlite3_changes(q->db) > 0;
	return SK_OK;
}

static sk_err_t sqlog_produce(struct sk_bus *bus, const struct sk_bus_msg *msgs,
			      size_t n, struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	if (!n)
		return SK_OK;
	struct sk_buf hb = SK_BUF_INIT(SK_LIMIT_TEXT);
	const char *cur_topic = NULL;
	int64_t seq = 0;
	if (sk_sqldb_begin(q->db, err) != SK_OK)
		return err->code;
	int64_t now = sk_now_ms();
	for (size_t i = 0; i < n; i++) {
		const struct sk_bus_msg *m = &msgs[i];
		if (!cur_topic || strcmp(cur_topic, m->topic) != 0) {
			if (next_seq(q, m->topic, &seq, err) != SK_OK)
				goto fail;
			cur_topic = m->topic;
			sqlite3_stmt *ti;
			if (stmt(q, S_TOPIC, &ti, err) != SK_OK)
				goto fail;
			sqlite3_bind_text(ti, 1, m->topic, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ti, 2, now);
			if (sk_sqldb_run(ti, "bus create topic", err) != SK_OK)
				goto fail;
		}
		bool fresh;
		if (claim_dedup(q, m, seq, &fresh, err) != SK_OK)
			goto fail;
		if (!fresh)
			continue; /* appended before: once is enough */
		sk_buf_reset(&hb);
		if (headers_encode(m, &hb) != SK_OK) {
			sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
			goto fail;
		}
		const void *val;
		size_t vl;
		sqlite3_stmt *st;
		if (sk_sqldb_z_encode(q->z, m->value, m->value_len, &val, &vl,
				      err) != SK_OK ||
		    stmt(q, S_INSERT, &st, err) != SK_OK)
			goto fail;
		sqlite3_bind_text(st, 1, m->topic, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, seq);
		sqlite3_bind_int64(st, 3,
				   m->timestamp_ms ? m->timestamp_ms : now);
		sqlite3_bind_blob(st, 4, m->key, (int)m->key_len,
				  SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, val, (int)vl, SQLITE_STATIC);
		sqlite3_bind_blob(st, 6, hb.data ? hb.data : "", (int)hb.len,
				  SQLITE_STATIC);
		if (sk_sqldb_run(st, "bus append", err) != SK_OK)
			goto fail;
		seq++;
	}
	sk_buf_free(&hb);
	if (sk_sqldb_commit(q->db, err) != SK_OK) {
		sk_sqldb_rollback(q->db);
		return err->code;
	}
	return SK_OK;
fail:
	sk_buf_free(&hb);
	sk_sqldb_rollback(q->db);
	return err->code;
}

static sk_err_t read_committed(struct sqlog *q, struct sk_error *err);

static sk_err_t sqlog_subscribe(struct sk_bus *bus, const char *group,
				const char *topic, struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	free(q->group);
	free(q->topic);
	q->group = sk_strdup(group);
	q->topic = sk_strdup(topic);
	if (!q->group || !q->topic)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	return read_committed(q, err);
}

/* position = the group's committed offset on the topic (0 if none). */
static sk_err_t read_committed(struct sqlog *q, struct sk_error *err)
{
	const char *group = q->group, *topic = q->topic;
	sqlite3_stmt *st;
	if (stmt(q, S_COMMITTED, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus subscribe", err);
	q->position = sk_sqldb_next(&it) ? sqlite3_column_int64(st, 0) : 0;
	return sk_sqldb_end(&it);
}

/* The message of the current row of S_READ or S_BROWSE (seq, time, key,
 * stored value, headers) decoded and appended to out. */
static sk_err_t row_push(struct sqlog *q, sqlite3_stmt *st, const char *topic,
			 struct sk_bus_batch *out, struct sk_error *err)
{
	int64_t seq = sqlite3_column_int64(st, 0);
	const char *key = sqlite3_column_blob(st, 2);
	size_t kl = (size_t)sqlite3_column_bytes(st, 2);
	const char *hdr = sqlite3_column_blob(st, 4);
	size_t hl = (size_t)sqlite3_column_bytes(st, 4);
	const char *val;
	size_t vl;
	if (sk_sqldb_z_decode(q->z, sqlite3_column_blob(st, 3),
			      (size_t)sqlite3_column_bytes(st, 3), &val, &vl,
			      err) != SK_OK) {
		sk_error_prefix(err, "bus log: topic %s offset %lld", topic,
				(long long)seq);
		return err->code;
	}
	sk_err_t ret = sk_bus_batch_push(out, topic, 0, seq,
					 sqlite3_column_int64(st, 1),
					 key ? key : "", kl, val, vl, err);
	if (ret == SK_OK && hl)
		ret = headers_decode(out, hdr, hl, err);
	return ret;
}

static sk_err_t read_rows(struct sqlog *q, const char *topic, int64_t from,
			  size_t max, struct sk_bus_batch *out, int64_t *last,
			  struct sk_error *err)
{
	sqlite3_stmt *st;
	if (stmt(q, S_READ, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus read", err);
	sk_err_t ret = SK_OK;
	while (sk_sqldb_next(&it)) {
		if ((ret = row_push(q, st, topic, out, err)) != SK_OK)
			break;
		*last = sqlite3_column_int64(st, 0);
	}
	sk_err_t rc = sk_sqldb_end(&it);
	return ret != SK_OK ? ret : rc;
}

static void consumer_unlock(struct sqlog *q)
{
	if (q->locked)
		flock(q->lock_fd, LOCK_UN);
	q->locked = false;
}

/* Take the consumers' lock, waiting for another consumer's batch to be
 * committed (a signal ends the wait: *got false), then catch up with the
 * group's committed offset. */
static sk_err_t consumer_lock(struct sqlog *q, bool *got, struct sk_error *err)
{
	*got = false;
	if (q->locked) {
		*got = true;
		return SK_OK;
	}
	if (q->lock_fd < 0 &&
	    (q->lock_fd = open(q->lock_path, O_RDWR | O_CREAT | O_CLOEXEC,
			       0644)) < 0)
		return sk_error_set(err, SK_ERR_IO, false, "bus: open %s: %s",
				    q->lock_path, strerror(errno));
	while (flock(q->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return sk_error_set(err, SK_ERR_IO, false,
					    "bus: lock %s: %s", q->lock_path,
					    strerror(errno));
		if (sk_stop_requested())
			return SK_OK;
		sk_sleep_ms(20);
	}
	q->locked = true;
	if (read_committed(q, err) != SK_OK) {
		consumer_unlock(q);
		return err->code;
	}
	*got = true;
	return SK_OK;
}

static sk_err_t sqlog_poll(struct sk_bus *bus, struct sk_bus_batch *out,
			   size_t max, int timeout_ms, struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	if (!q->topic)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "bus poll before subscribe");
	int64_t deadline = sk_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		size_t before = out->n;
		int64_t last = -1;
		bool got;
		if (consumer_lock(q, &got, err) != SK_OK)
			return err->code;
		if (!got)
			return SK_OK; /* stopped while waiting */
		if (read_rows(q, q->topic, q->position, max, out, &last, err) !=
		    SK_OK) {
			consumer_unlock(q);
			return err->code;
		}
		if (out->n > before) {
			q->position = last + 1;
			return SK_OK; /* locked until the commit */
		}
		consumer_unlock(q);
		int64_t left = deadline - sk_mono_ms();
		if (left <= 0)
			return SK_OK;
		sk_sleep_ms(left < 200 ? left : 200);
	}
}

static sk_err_t sqlog_commit(struct sk_bus *bus, const struct sk_bus_batch *b,
			     struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	if (!q->group || !b->n)
		return SK_OK;
	int64_t next = -1;
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->msgs[i].topic, q->topic) == 0 &&
		    b->msgs[i].offset + 1 > next)
			next = b->msgs[i].offset + 1;
	if (next < 0)
		return SK_OK;
	sqlite3_stmt *st;
	if (stmt(q, S_COMMIT, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, q->group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, next);
	sqlite3_bind_int64(st, 4, sk_now_ms());
	if (sk_sqldb_run(st, "bus commit offset", err) != SK_OK)
		return err->code;
	consumer_unlock(q);
	return SK_OK;
}

static sk_err_t sqlog_lag(struct sk_bus *bus, const char *group,
			  const char *topic, struct sk_bus_lag **out, size_t *n,
			  struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st;
	struct sk_bus_lag *l = calloc(1, sizeof *l);
	if (!l)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	if (stmt(q, S_LAG, &st, err) != SK_OK) {
		free(l);
		return err->code;
	}
	sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus lag", err);
	if (!sk_sqldb_next(&it)) {
		if (sk_sqldb_end(&it) == SK_OK)
			sk_error_set(err, SK_ERR_DB, false, "bus lag: no row");
		free(l);
		return err->code;
	}
	snprintf(l->topic, sizeof l->topic, "%s", topic);
	l->partition = 0;
	l->end_offset = sqlite3_column_int64(st, 0);
	int64_t first = sqlite3_column_int64(st, 1);
	l->committed_offset = sqlite3_column_type(st, 2) == SQLITE_NULL
				      ? -1
				      : sqlite3_column_int64(st, 2);
	int64_t from = l->committed_offset >= 0 ? l->committed_offset : first;
	l->lag = l->end_offset > from ? l->end_offset - from : 0;
	if (sk_sqldb_end(&it) != SK_OK) {
		free(l);
		return err->code;
	}
	*out = l;
	*n = 1;
	return SK_OK;
}

static sk_err_t sqlog_read(struct sk_bus *bus, const char *topic, int partition,
			   int64_t offset, size_t max, struct sk_bus_batch *out,
			   struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	int64_t last = -1;
	if (partition > 0)
		return SK_OK;
	return read_rows(q, topic, offset, max, out, &last, err);
}

/* The browser's rows of a prepared S_BROWSE, appended to out. */
static sk_err_t browse_rows(struct sqlog *q, sqlite3_stmt *st,
			    const char *topic, struct sk_bus_batch *out,
			    struct sk_error *err)
{
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus browse", err);
	sk_err_t ret = SK_OK;
	while (ret == SK_OK && sk_sqldb_next(&it))
		ret = row_push(q, st, topic, out, err);
	sk_err_t rc = sk_sqldb_end(&it);
	return ret != SK_OK ? ret : rc;
}

/* One partition (0): the start from q->from_ms or q->offset, then a
 * window of scan_max offsets filtered by key. */
static sk_err_t sqlog_browse(struct sk_bus *bus, const struct sk_bus_browse *b,
			     struct sk_bus_batch *out, size_t *scanned,
			     struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	sqlite3_stmt *st;
	*scanned = 0;
	if (b->partition > 0 || b->max == 0)
		return SK_OK;
	int64_t from = b->offset > 0 ? b->offset : 0;
	if (b->from_ms > 0) {
		if (stmt(q, S_SEQ_AT, &st, err) != SK_OK)
			return err->code;
		sqlite3_bind_text(st, 1, b->topic, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, b->from_ms);
		struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus browse", err);
		if (sk_sqldb_next(&it))
			from = sqlite3_column_int64(st, 0);
		if (sk_sqldb_end(&it) != SK_OK)
			return err->code;
	}
	size_t window = b->scan_max ? b->scan_max : 10 * b->max;
	if (stmt(q, S_BROWSE, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, b->topic, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	if (b->key && b->key[0])
		sqlite3_bind_blob(st, 3, b->key, (int)strlen(b->key),
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->max);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)window);
	size_t before = out->n;
	sk_err_t rc = browse_rows(q, st, b->topic, out, err);
	/* Offsets looked at: up to the last one returned when the limit
	 * came first (or without a filter), else the whole window. */
	size_t got = out->n - before;
	bool filtered = b->key && b->key[0];
	if (got && (got >= b->max || !filtered))
		*scanned = (size_t)(out->msgs[out->n - 1].offset - from + 1);
	else
		*scanned = filtered ? window : 0;
	return rc;
}

/* The version of schema under subject, 0 when there is none. */
static sk_err_t schema_find(struct sqlog *q, const char *subject,
			    const char *schema, int *version,
			    struct sk_error *err)
{
	sqlite3_stmt *st;
	*version = 0;
	if (stmt(q, S_SCHEMA_FIND, &st, err) != SK_OK)
		return err->code;
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus schema", err);
	if (sk_sqldb_next(&it))
		*version = sqlite3_column_int(st, 0);
	return sk_sqldb_end(&it);
}

static sk_err_t sqlog_schema_note(struct sk_bus *bus, const char *subject,
				  const char *schema, int *version, bool *added,
				  struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	sqlite3_stmt *st;
	*added = false;
	if (schema_find(q, subject, schema, version, err) != SK_OK)
		return err->code;
	if (*version)
		return SK_OK;
	if (sk_sqldb_begin(q->db, err) != SK_OK)
		return err->code;
	/* Again inside the write transaction: another process may have
	 * noted it since. */
	if (schema_find(q, subject, schema, version, err) != SK_OK)
		goto fail;
	if (!*version) {
		if (stmt(q, S_SCHEMA_ADD, &st, err) != SK_OK)
			goto fail;
		sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, sk_now_ms());
		struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus schema add",
							err);
		if (sk_sqldb_next(&it))
			*version = sqlite3_column_int(st, 0);
		if (sk_sqldb_end(&it) != SK_OK)
			goto fail;
		*added = true;
	}
	if (sk_sqldb_commit(q->db, err) != SK_OK)
		goto fail;
	return SK_OK;
fail:
	sk_sqldb_rollback(q->db);
	*added = false;
	return err->code;
}

static sk_err_t sqlog_schema_list(struct sk_bus *bus,
				  struct sk_bus_schema **out, size_t *n,
				  struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	sqlite3_stmt *st;
	size_t cap = 0;
	if (stmt(q, S_SCHEMA_LIST, &st, err) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus schemas", err);
	while (sk_sqldb_next(&it)) {
		if (*n == cap) {
			size_t c = cap ? 2 * cap : 8;
			struct sk_bus_schema *p = realloc(*out, c * sizeof *p);
			if (!p)
				break;
			*out = p;
			cap = c;
		}
		struct sk_bus_schema *s = &(*out)[(*n)++];
		s->subject = sk_sqldb_column_dup(st, 0);
		s->version = sqlite3_column_int(st, 1);
		s->schema = sk_sqldb_column_dup(st, 2);
		s->first_used_ms = sqlite3_column_int64(st, 3);
		if (!s->subject || !s->schema)
			break;
	}
	bool short_list = !it.done;
	sk_err_t rc = sk_sqldb_end(&it);
	if (rc == SK_OK && short_list)
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	if (rc != SK_OK) {
		sk_bus_schemas_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static sk_err_t sqlog_drift_note(struct sk_bus *bus,
				 const struct sk_bus_drift *d, size_t n,
				 struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	sqlite3_stmt *st;
	if (!n)
		return SK_OK;
	if (sk_sqldb_begin(q->db, err) != SK_OK)
		return err->code;
	for (size_t i = 0; i < n; i++) {
		if (stmt(q, S_DRIFT_ADD, &st, err) != SK_OK)
			goto fail;
		sqlite3_bind_text(st, 1, d[i].field, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, d[i].count);
		sqlite3_bind_int64(st, 4, d[i].last_seen_ms);
		if (sk_sqldb_run(st, "bus drift", err) != SK_OK)
			goto fail;
	}
	if (sk_sqldb_commit(q->db, err) != SK_OK)
		goto fail;
	return SK_OK;
fail:
	sk_sqldb_rollback(q->db);
	return err->code;
}

static sk_err_t sqlog_drift_list(struct sk_bus *bus, struct sk_bus_drift **out,
				 size_t *n, struct sk_error *err)
{
	struct sqlog *q = (struct sqlog *)bus;
	sqlite3_stmt *st;
	size_t cap = 0;
	bool short_list = false;
	if (stmt(q, S_DRIFT_LIST, &st, err) != SK_OK)
		return err->code;
	struct sk_sqldb_iter it = SK_SQLDB_ITER(st, "bus drift", err);
	while (sk_sqldb_next(&it)) {
		if (*n == cap) {
			size_t c = cap ? 2 * cap : 16;
			struct sk_bus_drift *p = realloc(*out, c * sizeof *p);
			if (!p) {
				short_list = true;
				break;
			}
			*out = p;
			cap = c;
		}
		struct sk_bus_drift *d = &(*out)[(*n)++];
		const char *f = (const char *)sqlite3_column_text(st, 0);
		const char *k = (const char *)sqlite3_column_text(st, 1);
		snprintf(d->field, sizeof d->field, "%s", f ? f : "");
		snprintf(d->kind, sizeof d->kind, "%s", k ? k : "");
		d->count = sqlite3_column_int64(st, 2);
		d->first_seen_ms = sqlite3_column_int64(st, 3);
		d->last_seen_ms = sqlite3_column_int64(st, 4);
	}
	short_list |= !it.done;
	sk_err_t rc = sk_sqldb_end(&it);
	if (rc == SK_OK && short_list)
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	if (rc != SK_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

const struct sk_bus_type sk_bus_sqlite = {
	.name = "sqlite",
	.open = sqlog_open,
	.close = sqlog_close,
	.produce = sqlog_produce,
	.subscribe = sqlog_subscribe,
	.poll = sqlog_poll,
	.commit = sqlog_commit,
	.lag = sqlog_lag,
	.read = sqlog_read,
	.schema_note = sqlog_schema_note,
	.schema_list = sqlog_schema_list,
	.browse = sqlog_browse,
	.drift_note = sqlog_drift_note,
	.drift_list = sqlog_drift_list,
};
