/*
 * fs.c - small process helpers: mkdir -p and the stop flag set by signals.
 */
#include "core.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

sk_err_t sk_mkdir_p(const char *dir, struct sk_error *err)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "data_dir too long");
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST)
				return sk_error_set(err, SK_ERR_IO, false,
						    "cannot create %s: %s",
						    path, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return sk_error_set(err, SK_ERR_IO, false,
				    "data_dir %s is not a directory", dir);
	return SK_OK;
}


static volatile sig_atomic_t stop_flag;

void sk_stop_request(void)
{
	stop_flag = 1;
}

bool sk_stop_requested(void)
{
	return stop_flag != 0;
}
