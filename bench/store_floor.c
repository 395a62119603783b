/*
 * store_floor.c - SQLite's floor for `skred process`: the very rows a
 * process run wrote (read back from its warehouse) inserted again into a
 * new, empty warehouse with the same schema (made by the store's own
 * open), the same connection settings (sqldb's, plus the store's
 * temp_store and its WAL checkpoints on a thread of their own,
 * sk_sqldb_ckpt_start) and one prepared INSERT per table, in the same order per
 * warning (revision, warning row, children) and the same transactions of
 * BATCH warnings, but with nothing else: no bus, no parsing, cleaning,
 * hashing or compressing (raw_json is the stored BLOB), no reads for the
 * write decision. What `process` takes beyond this is skred's own work.
 *
 * The rows are loaded into memory first (one packed buffer per table,
 * about the warehouse's size) and only the inserts are timed.
 *
 * usage: store_floor SOURCE_DIR EMPTY_DIR [BATCH]
 * prints: warnings rows seconds
 */
#include "sqldb/sqldb.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Tables in the order a put writes them; key columns come first in each. */
static const char *const tables[] = {"warning_revision", "avalanche_warning",
				     "avalanche_problem", "avalanche_advice",
				     "mountain_weather_packed"};
#define N_TABLES (sizeof tables / sizeof *tables)

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t c = b->cap ? b->cap : 1 << 20;
		while (c < b->n + n)
			c *= 2;
		unsigned char *p = realloc(b->p, c);
		if (!p) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		b->p = p;
		b->cap = c;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

/* One table's rows, packed: per row the owning warning's number (its
 * rowid order), then per column a type byte and an int64 or a length and
 * the bytes. */
struct table {
	struct buf rows;
	size_t pos; /* read position while inserting */
	int ncols;
	sqlite3_stmt *ins;
	long long count;
};

static int load(sqlite3 *src, const char *name, struct table *t)
{
	char sql[512];
	/* k: the owning warning's rank in insertion (rowid) order. */
	snprintf(sql, sizeof sql,
		 "SELECT w.rowid, c.* FROM %s c JOIN avalanche_warning w"
		 " USING (region_id, lang_key, valid_date)"
		 " ORDER BY w.rowid, c.rowid",
		 name);
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(src, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", name, sqlite3_errmsg(src));
		return -1;
	}
	t->ncols = sqlite3_column_count(s) - 1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t k = sqlite3_column_int64(s, 0);
		put(&t->rows, &k, sizeof k);
		for (int i = 1; i <= t->ncols; i++) {
			unsigned char type =
				(unsigned char)sqlite3_column_type(s, i);
			put(&t->rows, &type, 1);
			if (type == SQLITE_INTEGER) {
				int64_t v = sqlite3_column_int64(s, i);
				put(&t->rows, &v, sizeof v);
			} else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
				const void *v = type == SQLITE_TEXT
							? (const void *)
								  sqlite3_column_text(
									  s, i)
							: sqlite3_column_blob(
								  s, i);
				uint32_t n = (uint32_t)sqlite3_column_bytes(s,
									    i);
				put(&t->rows, &n, sizeof n);
				put(&t->rows, v, n);
			} else if (type == SQLITE_FLOAT) {
				double v = sqlite3_column_double(s, i);
				put(&t->rows, &v, sizeof v);
			}
		}
		t->count++;
	}
	sqlite3_finalize(s);
	return 0;
}

/* The insert with the source table's columns in their order. */
static int prepare_insert(sqlite3 *src, sqlite3 *dst, const char *name,
			  struct table *t)
{
	char cols[4096] = "", qs[1024] = "", sql[6144];
	size_t cl = 0, ql = 0;
	sqlite3_stmt *s = NULL;
	snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s')",
		 name);
	if (sqlite3_prepare_v2(src, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	for (int i = 0; sqlite3_step(s) == SQLITE_ROW; i++) {
		cl += (size_t)snprintf(cols + cl, sizeof cols - cl, "%s%s",
				       i ? ", " : "",
				       (const char *)sqlite3_column_text(s, 0));
		ql += (size_t)snprintf(qs + ql, sizeof qs - ql, "%s?%d",
				       i ? ", " : "", i + 1);
	}
	sqlite3_finalize(s);
	snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (%s)", name,
		 cols, qs);
	if (sqlite3_prepare_v2(dst, sql, -1, &t->ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", name, sqlite3_errmsg(dst));
		return -1;
	}
	return 0;
}

/* Insert t's rows of warning k (the next ones in its buffer). */
static int insert_rows(sqlite3 *dst, struct table *t, int64_t k)
{
	while (t->pos < t->rows.n) {
		const unsigned char *p = t->rows.p + t->pos;
		int64_t rk;
		memcpy(&rk, p, sizeof rk);
		if (rk != k)
			return 0;
		p += sizeof rk;
		for (int i = 1; i <= t->ncols; i++) {
			unsigned char type = *p++;
			if (type == SQLITE_INTEGER) {
				int64_t v;
				memcpy(&v, p, sizeof v);
				p += sizeof v;
				sqlite3_bind_int64(t->ins, i, v);
			} else if (type == SQLITE_TEXT ||
				   type == SQLITE_BLOB) {
				uint32_t n;
				memcpy(&n, p, sizeof n);
				p += sizeof n;
				if (type == SQLITE_TEXT)
					sqlite3_bind_text(t->ins, i,
							  (const char *)p,
							  (int)n, SQLITE_STATIC);
				else
					sqlite3_bind_blob(t->ins, i, p, (int)n,
							  SQLITE_STATIC);
				p += n;
			} else if (type == SQLITE_FLOAT) {
				double v;
				memcpy(&v, p, sizeof v);
				p += sizeof v;
				sqlite3_bind_double(t->ins, i, v);
			} else {
				sqlite3_bind_null(t->ins, i);
			}
		}
		if (sqlite3_step(t->ins) != SQLITE_DONE) {
			fprintf(stderr, "insert: %s\n", sqlite3_errmsg(dst));
			return -1;
		}
		sqlite3_reset(t->ins);
		t->pos = (size_t)(p - t->rows.p);
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s SOURCE_DIR EMPTY_DIR [BATCH]\n",
			argv[0]);
		return 2;
	}
	long batch = argc > 3 ? strtol(argv[3], NULL, 10) : 500;
	if (batch < 1)
		batch = 500;
	struct sk_error err = {0};
	char path[4096];
	sqlite3 *src = NULL, *dst = NULL;
	snprintf(path, sizeof path, "%s/warehouse.db", argv[1]);
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(src));
		return 1;
	}
	/* The schema, made as the store makes it. */
	struct sk_store_conf conf = {0};
	struct sk_store_opts so = {.conf = &conf, .data_dir = argv[2]};
	struct sk_store *st = NULL;
	if (sk_store_type_find("sqlite")->open(&st, &so, &err) != SK_OK) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	sk_store_close(st);
	snprintf(path, sizeof path, "%s/warehouse.db", argv[2]);
	struct sk_sqldb_ckpt *ckpt = NULL;
	if (sk_sqldb_open(&dst, path, &err) != SK_OK ||
	    sk_sqldb_exec(dst, "PRAGMA temp_store=MEMORY;", &err) != SK_OK ||
	    sk_sqldb_ckpt_start(dst, path, 0, &ckpt, &err) != SK_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	struct table t[N_TABLES];
	memset(t, 0, sizeof t);
	long long rows = 0;
	for (size_t i = 0; i < N_TABLES; i++) {
		if (load(src, tables[i], &t[i]) != 0 ||
		    prepare_insert(src, dst, tables[i], &t[i]) != 0)
			return 1;
		rows += t[i].count;
	}
	/* The warnings in insertion order: their rowids. */
	sqlite3_stmt *ks = NULL;
	if (sqlite3_prepare_v2(src,
			       "SELECT rowid FROM avalanche_warning ORDER BY "
			       "rowid",
			       -1, &ks, NULL) != SQLITE_OK)
		return 1;
	int64_t *keys = NULL;
	size_t nk = 0, ck = 0;
	while (sqlite3_step(ks) == SQLITE_ROW) {
		if (nk == ck) {
			ck = ck ? ck * 2 : 1024;
			keys = realloc(keys, ck * sizeof *keys);
			if (!keys)
				return 1;
		}
		keys[nk++] = sqlite3_column_int64(ks, 0);
	}
	sqlite3_finalize(ks);
	sqlite3_close(src);

	double t0 = now_s();
	for (size_t i = 0; i < nk; i++) {
		if (i % (size_t)batch == 0 &&
		    sk_sqldb_begin(dst, &err) != SK_OK) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		for (size_t k = 0; k < N_TABLES; k++)
			if (insert_rows(dst, &t[k], keys[i]) != 0)
				return 1;
		if ((i + 1) % (size_t)batch == 0 || i + 1 == nk) {
			if (sk_sqldb_commit(dst, &err) != SK_OK) {
				fprintf(stderr, "%s\n", err.msg);
				return 1;
			}
		}
	}
	double secs = now_s() - t0;
	for (size_t i = 0; i < N_TABLES; i++) {
		sqlite3_finalize(t[i].ins);
		free(t[i].rows.p);
	}
	free(keys);
	sk_sqldb_ckpt_stop(ckpt);
	sk_sqldb_close(dst);
	printf("%zu %lld %.3f\n", nk, rows, secs);
	return 0;
}
