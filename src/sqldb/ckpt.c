/*
 * ckpt.c - WAL checkpoints on a thread of their own (sqldb.h). SQLite's
 * automatic checkpoint runs inside the COMMIT that crosses its threshold,
 * on the committing thread: for `skred process` that was 12 % of the
 * writer's time (copying WAL frames into the database file and the two
 * fdatasyncs around it), while the other core had room. Here the commit
 * only signals; a thread with its own connection to the same file runs the
 * same PASSIVE checkpoint SQLite would have run, concurrently with the
 * writer (WAL mode lets one checkpointer run beside one writer).
 *
 * What it does not change: durability and the on-disk format are
 * SQLite's own (a checkpoint only moves committed frames; a crash at any
 * point leaves the WAL to be replayed, exactly as with the automatic
 * checkpoint), and closing the last connection still checkpoints and
 * removes the WAL. The WAL is bounded: SQLite starts it over at a commit
 * that finds every frame checkpointed, which the thread's checkpoint,
 * started right after a commit, normally achieves before the next one;
 * when a writer commits faster than that and the WAL reaches
 * CKPT_INLINE_FACTOR times the threshold (or the thread could not be
 * started), the commit waits for the thread's checkpoint and checkpoints
 * inline, as SQLite would have, so that the next commit starts it over.
 */
#include "sqldb/sqldb.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The WAL size, in thresholds, at which a commit checkpoints inline. */
#define CKPT_INLINE_FACTOR 8

struct sk_sqldb_ckpt {
	sqlite3 *db;  /* the writer's connection (borrowed) */
	char *path;   /* its file, for the thread's own connection */
	int pages;    /* threshold: a checkpoint once the WAL has this many */
	pthread_t th; /* started on the first threshold crossing */
	bool started, failed;
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* due or stop */
	pthread_cond_t idle; /* running went false */
	bool due;            /* a checkpoint is asked for (under mu) */
	bool running;        /* the thread checkpoints (under mu) */
	bool hold;           /* the writer checkpoints inline (under mu) */
	bool stop;           /* sk_sqldb_ckpt_stop was called (under mu) */
	atomic_bool warned;
};

static void *ckpt_main(void *arg)
{
	struct sk_sqldb_ckpt *c = arg;
	sqlite3 *cdb = NULL;
	/* Its own connection: a connection is used by one thread at a time
	 * (NOMUTEX), and a checkpoint on the writer's would block it. The
	 * file's journal mode (WAL) is persistent; synchronous is per
	 * connection and set as sk_sqldb_open sets it. */
	int rc = sqlite3_open_v2(c->path, &cdb,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(cdb, "PRAGMA synchronous=NORMAL;", NULL, NULL,
				  NULL);
	if (rc != SQLITE_OK) {
		sk_log(SK_LOG_DEBUG, "sqlite",
		       "checkpoint thread: cannot open %s: %s; commits "
		       "checkpoint inline",
		       c->path, cdb ? sqlite3_errmsg(cdb) : sqlite3_errstr(rc));
		sqlite3_close(cdb);
		pthread_mutex_lock(&c->mu);
		c->failed = true;
		pthread_mutex_unlock(&c->mu);
		return NULL;
	}
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while ((!c->due || c->hold) && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->due = false;
		c->running = true;
		pthread_mutex_unlock(&c->mu);
		int log = 0, done = 0;
		rc = sqlite3_wal_checkpoint_v2(cdb, NULL,
					       SQLITE_CHECKPOINT_PASSIVE, &log,
					       &done);
		/* BUSY: another checkpoint runs (an inline one); the next
		 * commit asks again. Anything else is logged once: the
		 * inline bound keeps the WAL in check meanwhile. */
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY &&
		    !atomic_exchange(&c->warned, true))
			sk_log(SK_LOG_DEBUG, "sqlite",
			       "background checkpoint of %s: %s", c->path,
			       sqlite3_errmsg(cdb));
		pthread_mutex_lock(&c->mu);
		c->running = false;
		pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->mu);
	sqlite3_close(cdb);
	return NULL;
}

/* sqlite3_wal_hook: after each commit, with the WAL's size in pages. */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sk_sqldb_ckpt *c = arg;
	if (pages < c->pages)
		return SQLITE_OK;
	pthread_mutex_lock(&c->mu);
	if (!c->started && !c->failed && !c->stop) {
		c->started = pthread_create(&c->th, NULL, ckpt_main, c) == 0;
		c->failed = !c->started;
	}
	bool inline_ = c->failed || c->stop ||
		       pages >= c->pages * CKPT_INLINE_FACTOR;
	if (!inline_) {
		c->due = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return SQLITE_OK;
	}
	/* The thread's checkpoint, if one runs, would make this one BUSY:
	 * wait for it, and start none until this one is done. */
	c->hold = true;
	while (c->running)
		pthread_cond_wait(&c->idle, &c->mu);
	pthread_mutex_unlock(&c->mu);
	/* What SQLite's automatic checkpoint does; its result is ignored
	 * there too (the commit has succeeded). */
	sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
				  NULL);
	pthread_mutex_lock(&c->mu);
	c->hold = false;
	c->due = false;
	pthread_mutex_unlock(&c->mu);
	return SQLITE_OK;
}

sk_err_t sk_sqldb_ckpt_start(sqlite3 *db, const char *path, int pages,
			     struct sk_sqldb_ckpt **out, struct sk_error *err)
{
	*out = NULL;
	struct sk_sqldb_ckpt *c = calloc(1, sizeof *c);
	if (!c || !(c->path = sk_strdup(path)))
		goto nomem;
	if (pthread_mutex_init(&c->mu, NULL) != 0)
		goto nomem;
	if (pthread_cond_init(&c->cv, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		goto nomem;
	}
	if (pthread_cond_init(&c->idle, NULL) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		goto nomem;
	}
	c->db = db;
	c->pages = pages > 0 ? pages : 1000;
	/* Replaces the automatic checkpoint (itself a WAL hook). */
	sqlite3_wal_hook(db, ckpt_hook, c);
	*out = c;
	return SK_OK;
nomem:
	if (c)
		free(c->path);
	free(c);
	return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
}

void sk_sqldb_ckpt_stop(struct sk_sqldb_ckpt *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	bool started = c->started;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (started)
		pthread_join(c->th, NULL);
	/* Back to SQLite's automatic checkpoint (its default, 1000 pages). */
	sqlite3_wal_autocheckpoint(c->db, 1000);
	pthread_cond_destroy(&c->idle);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
}
