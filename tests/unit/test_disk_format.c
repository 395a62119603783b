/*
 * test_disk_format.c - the stored raw JSON: sqldb's value codec (every
 * value back byte for byte, the same bytes for the same value, compressed
 * warnings, corrupt values refused), and the upgrade of databases in the
 * format of the code before it: a bus.db of schema 2 made with that code's
 * DDL and a warehouse.db of schema 2 with raw_json as text, each opened by
 * this code, every record read back identically.
 */
#define _XOPEN_SOURCE 700
#include "bus/bus.h"
#include "core/core.h"
#include "job/job.h"
#include "model/model.h"
#include "proc/proc.h"
#include "sqldb/sqldb.h"
#include "store/store.h"
#include "cases.h"
#include "old_warehouse.h"
#include "test_data.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmp[] = "/tmp/skred-disk-XXXXXX";

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The warnings of tests/data/detail_en.json, each its exact bytes. */
static struct sk_raw_item *items;
static size_t n_items;
static char *body;

static void load_items(void)
{
	size_t len = 0;
	struct sk_error err = {0};
	body = read_data("detail_en.json", &len);
	CHECK(body && sk_model_split_array(body, len, 3022, 2, &items, &n_items,
					   &err) == SK_OK);
	CHECK(n_items >= 2);
}

/* Encode then decode v: the same bytes back; returns the stored size. */
static size_t round_trip(struct sk_sqldb_z *z, const char *v, size_t n)
{
	struct sk_error err = {0};
	const void *enc = NULL;
	size_t el = 0;
	CHECK_INT(sk_sqldb_z_encode(z, v, n, &enc, &el, &err), SK_OK);
	char *copy = malloc(el + 1);
	if (!copy)
		abort();
	if (el)
		memcpy(copy, enc, el);
	const char *dec = NULL;
	size_t dl = 0;
	CHECK_INT(sk_sqldb_z_decode(z, copy, el, &dec, &dl, &err), SK_OK);
	CHECK_INT(dl, n);
	CHECK(dec && (n == 0 || memcmp(dec, v, n) == 0));
	free(copy);
	return el;
}

static void test_codec(void)
{
	struct sk_sqldb_z *z = NULL, *z2 = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_sqldb_z_new(&z, &err), SK_OK);
	CHECK_INT(sk_sqldb_z_new(&z2, &err), SK_OK);
	if (!z || !z2)
		goto out;
	/* Short values and text are stored as they are. */
	CHECK_INT(round_trip(z, "", 0), 0);
	CHECK_INT(round_trip(z, "{}", 2), 2);
	CHECK(!sk_sqldb_z_is_encoded("{}", 2));
	/* A value starting with the marker byte is escaped, any length. */
	CHECK_INT(round_trip(z, "\xff", 1), 3);
	CHECK_INT(round_trip(z, "\xff\x02\x01", 3), 5);
	char big[5000];
	big[0] = (char)0xff;
	uint64_t x = 88172645463325252u; /* xorshift64 */
	for (size_t i = 1; i < sizeof big; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		big[i] = (char)(x >> 56);
	}
	CHECK(round_trip(z, big, sizeof big) <= sizeof big + 2);
	/* Incompressible bytes stay as they are. */
	big[0] = 'x';
	CHECK_INT(round_trip(z, big, sizeof big), sizeof big);
	/* Bytes with NULs, compressible. */
	char zeros[300] = {0};
	CHECK(round_trip(z, zeros, sizeof zeros) < 40);
	/* Warnings: each back exactly, at most a quarter of its size, the
	 * same bytes from another codec (deterministic). */
	size_t raw = 0, stored = 0;
	for (size_t i = 0; i < n_items; i++) {
		stored += round_trip(z, items[i].json, items[i].json_len);
		raw += items[i].json_len;
		const void *a, *b;
		size_t al, bl;
		CHECK_INT(sk_sqldb_z_encode(z, items[i].json, items[i].json_len,
					    &a, &al, &err),
			  SK_OK);
		CHECK_INT(sk_sqldb_z_encode(z2, items[i].json,
					    items[i].json_len, &b, &bl, &err),
			  SK_OK);
		CHECK(al == bl && memcmp(a, b, al) == 0);
		CHECK(sk_sqldb_z_is_encoded(a, al));
	}
	printf("# %zu warnings: %zu bytes stored for %zu\n", n_items, stored,
	       raw);
	CHECK(n_items && stored * 4 < raw);

	/* Damaged values are errors, never a crash or other bytes. */
	const void *enc;
	size_t el;
	CHECK_INT(sk_sqldb_z_encode(z, items[0].json, items[0].json_len, &enc,
				    &el, &err),
		  SK_OK);
	unsigned char *bad = malloc(el);
	if (!bad)
		abort();
	const char *dec;
	size_t dl;
	for (size_t cut = 1; cut < el; cut += 7) { /* truncated */
		memcpy(bad, enc, el);
		CHECK_INT(sk_sqldb_z_decode(z, bad, cut, &dec, &dl, &err),
			  SK_ERR_DB);
	}
	memcpy(bad, enc, el);
	bad[el / 2] ^= 0x40; /* a flipped bit: the checksum */
	CHECK_INT(sk_sqldb_z_decode(z, bad, el, &dec, &dl, &err), SK_ERR_DB);
	memcpy(bad, enc, el);
	bad[1] = 0x03; /* unknown format */
	CHECK_INT(sk_sqldb_z_decode(z, bad, el, &dec, &dl, &err), SK_ERR_DB);
	CHECK(strstr(err.msg, "newer skred") != NULL);
	bad[1] = 0x02;
	bad[2] = 0x09; /* unknown dictionary */
	CHECK_INT(sk_sqldb_z_decode(z, bad, el, &dec, &dl, &err), SK_ERR_DB);
	bad[2] = 0x00; /* no dictionary 0 */
	CHECK_INT(sk_sqldb_z_decode(z, bad, el, &dec, &dl, &err), SK_ERR_DB);
	free(bad);
out:
	sk_sqldb_z_free(z);
	sk_sqldb_z_free(z2);
	sk_sqldb_z_free(NULL);
}

/* ------------------------------------------------------------ old bus.db */

/* bus.db as the code before schema 3 made it (sqlog.c's steps 0->1, 1->2
 * at that commit, verbatim). */
static const char old_bus_ddl[] =
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
	"  PRIMARY KEY(grp, topic));"
	"CREATE TABLE message_dedup("
	"  topic TEXT NOT NULL,"
	"  dedup_id TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY(topic, dedup_id)) WITHOUT ROWID;"
	"PRAGMA user_version = 2;";

struct val {
	const char *p;
	size_t n;
};

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sql: %s\n", msg ? msg : "?");
	CHECK_INT(rc, SQLITE_OK);
	sqlite3_free(msg);
}

static long long scalar(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static struct sk_config *bus_config(const char *dir)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_bus_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", dir, "test", &err), SK_OK);
	return cfg;
}

/* Every message of topic "raw" is vals[i] at offset i. */
static void check_topic(struct sk_bus *bus, const struct val *vals, size_t n)
{
	struct sk_bus_batch b = {0};
	struct sk_error err = {0};
	CHECK_INT(sk_bus_read(bus, "raw", -1, 0, 1000, &b, &err), SK_OK);
	CHECK_INT(b.n, n);
	for (size_t i = 0; i < b.n && i < n; i++) {
		CHECK_INT(b.msgs[i].offset, (int64_t)i);
		CHECK_INT(b.msgs[i].value_len, vals[i].n);
		CHECK(b.msgs[i].value_len == vals[i].n &&
		      memcmp(b.msgs[i].value, vals[i].p, vals[i].n) == 0);
		CHECK_STR(sk_bus_msg_header(&b.msgs[i], "h"), "v");
	}
	sk_bus_batch_clear(&b);
}

static void test_bus_upgrade(void)
{
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/bus", tmp);
	snprintf(path, sizeof path, "%s/bus.db", dir);
	struct sk_error err = {0};
	CHECK_INT(sk_mkdir_p(dir, &err), SK_OK);
	/* The old database: warnings as text, a value that starts with the
	 * codec's marker, an empty and a binary one. */
	struct val vals[16];
	size_t n = 0;
	for (size_t i = 0; i < n_items && n < 4; i++)
		vals[n++] = (struct val){items[i].json, items[i].json_len};
	vals[n++] = (struct val){"\xff\x02\x01not compressed", 17};
	vals[n++] = (struct val){"", 0};
	vals[n++] = (struct val){"\x00\x01\xfe\xff", 4};
	size_t n_old = n;
	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, old_bus_ddl);
	sqlite3_stmt *ins = NULL;
	CHECK_INT(sqlite3_prepare_v2(db,
				     "INSERT INTO message VALUES ('raw', ?1, "
				     "1000, 'k', ?2, '1:h1:v')",
				     -1, &ins, NULL),
		  SQLITE_OK);
	for (size_t i = 0; i < n_old; i++) {
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
		sqlite3_bind_blob(ins, 2, vals[i].p, (int)vals[i].n,
				  SQLITE_STATIC);
		CHECK_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	exec_ok(db, "INSERT INTO topic VALUES ('raw', 1000)");
	sqlite3_close(db);

	/* Opened by this code: upgraded, every old message as it was. */
	struct sk_config *cfg = bus_config(dir);
	struct sk_bus *bus = NULL;
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	if (!bus)
		goto out;
	CHECK_INT(scalar(path, "PRAGMA user_version"), 6);
	/* 4 -> 5: the kept record shapes, empty after the upgrade. */
	CHECK_INT(scalar(path, "SELECT COUNT(*) FROM schema_version"), 0);
	/* 5 -> 6: the source's drift (issue 13), empty after the upgrade. */
	CHECK_INT(scalar(path, "SELECT COUNT(*) FROM source_drift"), 0);
	/* Retention finds old messages through the time index. */
	CHECK_INT(scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE "
			       "name = 'message_ts'"),
		  1);
	check_topic(bus, vals, n_old);
	/* New messages: stored compressed, read back as produced, after
	 * the old ones. */
	struct sk_bus_msg m[4] = {{0}};
	for (size_t i = 0; i < 2 && i < n_items; i++) {
		m[i].topic = "raw";
		m[i].key = "k";
		m[i].key_len = 1;
		m[i].value = (char *)items[i].json;
		m[i].value_len = items[i].json_len;
		m[i].headers[0] = (struct sk_bus_header){"h", "v"};
		m[i].n_headers = 1;
		vals[n++] = (struct val){items[i].json, items[i].json_len};
	}
	CHECK_INT(sk_bus_produce(bus, m, 2, &err), SK_OK);
	check_topic(bus, vals, n);
	CHECK_INT(scalar(path, "SELECT count(*) FROM message WHERE "
			       "substr(value, 1, 2) = X'FF02'"),
		  2);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT max(length(value)) FROM message WHERE seq >= %zu",
		 n_old);
	CHECK(scalar(path, sql) * 4 < (long long)items[0].json_len);
	sk_bus_close(bus);
	bus = NULL;
	/* A row copied by plain SQL (as tests and operators do) keeps its
	 * format; the reopened log reads it like the original. */
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof sql,
		 "INSERT INTO message SELECT topic, %zu, ts_ms, key, value, "
		 "headers FROM message WHERE seq = %zu",
		 n, n_old);
	exec_ok(db, sql);
	sqlite3_close(db);
	vals[n] = vals[n_old];
	n++;
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	if (bus)
		check_topic(bus, vals, n);
	sk_bus_close(bus);
out:
	sk_config_free(cfg);
}

/* ------------------------------------------------------- old warehouse.db */

static sk_err_t store_open(struct sk_store **st, const char *dir,
			   struct sk_error *err)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_store_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	sk_err_t rc = sk_config_new(&cfg, tables, err);
	if (rc == SK_OK)
		rc = sk_config_set(cfg, "data_dir", dir, "test", err);
	if (rc == SK_OK) {
		struct sk_store_opts so = {.conf = sk_store_conf(cfg),
					   .data_dir =
						   sk_core_conf(cfg)->data_dir,
					   .map = sk_proc_map};
		rc = sk_store_open(st, &so, err);
	}
	sk_config_free(cfg);
	return rc;
}

/* Put items [from, to) in one transaction; results into res. */
static void put_items(struct sk_store *st, size_t from, size_t to,
		      enum sk_store_put *res)
{
	struct sk_error err = {0};
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	for (size_t i = from; i < to; i++) {
		struct sk_warning *w = NULL;
		CHECK_INT(sk_proc_map(items[i].json, items[i].json_len, &w,
				      &err),
			  SK_OK);
		if (w)
			CHECK_INT(sk_store_put(st, w, items[i].json,
					       items[i].json_len, &res[i],
					       &err),
				  SK_OK);
		sk_warning_free(w);
	}
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
}

/* raw_json of the revision of item i, as stored (type, bytes). */
static int stored_raw(const char *path, size_t i, char **out, size_t *len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int type = -1;
	*out = NULL;
	*len = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(db,
			       "SELECT raw_json FROM warning_revision ORDER BY "
			       "rowid LIMIT 1 OFFSET ?1",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, (sqlite3_int64)i);
		if (sqlite3_step(s) == SQLITE_ROW) {
			type = sqlite3_column_type(s, 0);
			*len = (size_t)sqlite3_column_bytes(s, 0);
			*out = malloc(*len + 1);
			if (!*out)
				abort();
			memcpy(*out, sqlite3_column_blob(s, 0), *len);
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return type;
}

/* The warehouse's rows without raw_json and first_seen, as text. */
static char *rows_text(const char *path)
{
	static const char *const sql[] = {
		"SELECT * FROM avalanche_warning ORDER BY 1, 2, 3",
		"SELECT * FROM avalanche_problem ORDER BY 1, 2, 3, 4",
		"SELECT * FROM avalanche_advice ORDER BY 1, 2, 3, 4",
		"SELECT * FROM mountain_weather ORDER BY 1, 2, 3, 4, 6",
		"SELECT region_id, lang_key, valid_date, publish_time, "
		"content_hash, reg_id, danger_level, main_text FROM "
		"warning_revision ORDER BY 1, 2, 3, 4, 5",
	};
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		abort();
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, sql[i], -1, &s, NULL) != SQLITE_OK)
			abort();
		while (sqlite3_step(s) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(s); c++) {
				const unsigned char *t = sqlite3_column_text(s,
									     c);
				sk_buf_printf(&b, "%s|",
					      t ? (const char *)t : "");
			}
			sk_buf_puts(&b, "\n");
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return sk_buf_steal(&b);
}

/* The v2 warehouse (the code before: the same tables, raw_json the text
 * of the message) is made by this code's writes, then raw_json set to the
 * text and the version to 2: schema 3 adds no table or column, so that is
 * byte for byte what the old code stores. Opened: version 3, the old text
 * untouched, new revisions compressed; a version-1 database (which reads
 * every old raw_json to rewrite its rows) rewrites from the text. */

static void test_store_upgrade(void)
{
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/wh", tmp);
	snprintf(path, sizeof path, "%s/warehouse.db", dir);
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	enum sk_store_put res[64];
	size_t half = n_items / 2;
	if (n_items > 64 || !half)
		return;
	CHECK_INT(store_open(&st, dir, &err), SK_OK);
	if (!st)
		return;
	put_items(st, 0, half, res);
	sk_store_close(st);
	st = NULL;
	/* New rows are compressed BLOBs. */
	char *raw;
	size_t len;
	CHECK_INT(stored_raw(path, 0, &raw, &len), SQLITE_BLOB);
	CHECK(raw && sk_sqldb_z_is_encoded(raw, len) &&
	      len * 4 < items[0].json_len);
	free(raw);
	char *want = rows_text(path);
	int64_t weather_rows = scalar(path, "SELECT count(*) FROM "
					    "mountain_weather");
	CHECK(weather_rows > 0);

	/* Make it the old format. */
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db,
				     "UPDATE warning_revision SET raw_json = "
				     "?2 WHERE rowid = (SELECT rowid FROM "
				     "warning_revision ORDER BY rowid LIMIT 1 "
				     "OFFSET ?1)",
				     -1, &s, NULL),
		  SQLITE_OK);
	for (size_t i = 0; i < half; i++) {
		sqlite3_bind_int64(s, 1, (sqlite3_int64)i);
		sqlite3_bind_text(s, 2, items[i].json, (int)items[i].json_len,
				  SQLITE_STATIC);
		CHECK_INT(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	exec_ok(db, SK_TEST_UNPACK_WEATHER);
	exec_ok(db, "PRAGMA user_version = 2");
	CHECK_INT(scalar(path, "SELECT count(*) FROM mountain_weather"),
		  weather_rows);
	sqlite3_close(db);

	/* Upgraded by this code: every old record as it was. */
	CHECK_INT(store_open(&st, dir, &err), SK_OK);
	if (!st)
		goto out;
	CHECK_INT(scalar(path, "PRAGMA user_version"), 4);
	CHECK_INT(scalar(path, "SELECT count(*) FROM mountain_weather_packed"),
		  scalar(path, "SELECT count(DISTINCT region_id || lang_key || "
			       "valid_date) FROM mountain_weather"));
	for (size_t i = 0; i < half; i++) {
		CHECK_INT(stored_raw(path, i, &raw, &len), SQLITE_TEXT);
		CHECK(raw && len == items[i].json_len &&
		      memcmp(raw, items[i].json, len) == 0);
		free(raw);
	}
	char *got = rows_text(path);
	CHECK(want && got && strcmp(want, got) == 0);
	free(got);
	/* The same input again: unchanged; the rest: new, compressed. */
	put_items(st, 0, half, res);
	for (size_t i = 0; i < half; i++)
		CHECK_INT(res[i], SK_STORE_UNCHANGED);
	put_items(st, half, n_items, res);
	for (size_t i = half; i < n_items; i++) {
		CHECK_INT(res[i], SK_STORE_INSERTED);
		CHECK_INT(stored_raw(path, i, &raw, &len), SQLITE_BLOB);
		CHECK(raw && sk_sqldb_z_is_encoded(raw, len));
		free(raw);
	}
	sk_store_close(st);
	st = NULL;

	/* Version 1 (before exposed_height_fill): opening rewrites every
	 * current row from its revision's raw_json, old text and new blobs
	 * alike, to what a new run stores. */
	free(want);
	want = rows_text(path);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, "ALTER TABLE avalanche_warning DROP COLUMN "
		    "exposed_height_fill;"
		    "UPDATE avalanche_warning SET content_hash = 'x';"
		    "UPDATE warning_revision SET content_hash = 'x';"
		    "PRAGMA user_version = 1;");
	exec_ok(db, SK_TEST_UNPACK_WEATHER);
	sqlite3_close(db);
	CHECK_INT(store_open(&st, dir, &err), SK_OK);
	got = rows_text(path);
	CHECK(want && got && strcmp(want, got) == 0);
	free(got);
out:
	free(want);
	sk_store_close(st);
}

/* bus.retention_days: at open, messages older than the retention that
 * every group has consumed are deleted; an old message a group has not
 * read yet stays, and so do recent ones (through the time index). */
static void test_retention(void)
{
	char dir[600], path[700];
	snprintf(dir, sizeof dir, "%s/retention", tmp);
	snprintf(path, sizeof path, "%s/bus.db", dir);
	struct sk_error err = {0};
	CHECK_INT(sk_mkdir_p(dir, &err), SK_OK);
	struct sk_config *cfg = bus_config(dir);
	CHECK_INT(sk_config_set(cfg, "bus.retention_days", "30", "test", &err),
		  SK_OK);
	struct sk_bus *bus = NULL;
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	if (!bus) {
		sk_config_free(cfg);
		return;
	}
	int64_t old = sk_now_ms() - 40LL * 86400000;
	struct sk_bus_msg m[4] = {{0}};
	for (int i = 0; i < 4; i++) {
		m[i].topic = "raw";
		m[i].key = "k";
		m[i].key_len = 1;
		m[i].value = "{}";
		m[i].value_len = 2;
		m[i].timestamp_ms = i < 3 ? old : 0; /* 0: now */
	}
	CHECK_INT(sk_bus_produce(bus, m, 4, &err), SK_OK);
	struct sk_bus_batch b = {0};
	CHECK_INT(sk_bus_subscribe(bus, "g", "raw", &err), SK_OK);
	CHECK_INT(sk_bus_poll(bus, &b, 2, 0, &err), SK_OK);
	CHECK_INT(b.n, 2);
	CHECK_INT(sk_bus_commit(bus, &b, &err), SK_OK);
	sk_bus_batch_clear(&b);
	sk_bus_close(bus);
	bus = NULL;
	CHECK_INT(scalar(path, "SELECT COUNT(*) FROM message"), 4);
	/* Reopened: offsets 0 and 1 (old, consumed) go; 2 (old, unread)
	 * and 3 (recent) stay. */
	CHECK_INT(sk_job_bus_open(cfg, &bus, &err), SK_OK);
	CHECK_INT(scalar(path, "SELECT COUNT(*) FROM message"), 2);
	CHECK_INT(scalar(path, "SELECT MIN(seq) FROM message"), 2);
	sk_bus_close(bus);
	sk_config_free(cfg);
}

static const struct sk_case cases[] = {
	{"codec", test_codec},
	{"bus_upgrade", test_bus_upgrade},
	{"store_upgrade", test_store_upgrade},
	{"retention", test_retention},
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	if (!mkdtemp(tmp))
		return 1;
	load_items();
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	sk_model_raw_items_free(items, n_items);
	free(body);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
