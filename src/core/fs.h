/*
 * fs.h - files: mkdir -p and the lockfile that keeps one process per
 * data directory.
 */
#ifndef SK_CORE_FS_H
#define SK_CORE_FS_H

#include "core/error.h"

#include <stdint.h>

/* mkdir -p; SK_ERR_IO naming the path if a part cannot be created or the
 * result is not a directory. */
sk_err_t sk_mkdir_p(const char *dir, struct sk_error *err);

/* Take an exclusive lock on path (created, mode 0644) that lasts until
 * sk_lockfile_release or the process's end (crash and kill -9 included:
 * the kernel drops it), and write our pid into it. SK_ERR_CONFLICT when
 * another process holds it, *holder then that process's pid as written
 * in the file (0 if unknown); SK_ERR_IO if it cannot be opened. *fd is
 * the open lock, -1 on failure. */
sk_err_t sk_lockfile_take(const char *path, int *fd, int64_t *holder,
			  struct sk_error *err);
void sk_lockfile_release(int fd);

#endif
