/*
 * tz.h - named time zones from the system tz database (TZif files, RFC
 * 8536), read by src/core/tz.c, for schedules in any zone. The
 * Europe/Oslo functions (civil.h) stay as they are and need no files.
 * Instants are UTC ms since the epoch; offsets are seconds east of UTC. A
 * loaded zone is immutable, so one struct sk_tz may be shared by threads.
 * Caps: SK_LIMIT_TZ* in limits.h.
 */
#ifndef SK_CORE_TZ_H
#define SK_CORE_TZ_H

#include "core/civil.h"
#include "core/error.h"
#include "core/limits.h"

#include <stddef.h>
#include <stdint.h>

#define SK_TZ_DIR_DEFAULT "/usr/share/zoneinfo" /* Debian package tzdata */

struct sk_tz;

/* Load zone name ("Europe/Oslo", "UTC") from the directory named by the
 * environment variable SKRED_ZONEINFO, or SK_TZ_DIR_DEFAULT when it is unset
 * or empty. Same as sk_tz_load_dir(NULL, name, out, err). */
sk_err_t sk_tz_load(const char *name, struct sk_tz **out, struct sk_error *err);

/* Load zone name from dir (NULL or "": as sk_tz_load): read <dir>/<name>,
 * at most SK_LIMIT_TZIF bytes, and sk_tz_parse it. name must be 1 to
 * SK_LIMIT_TZ_NAME characters from [A-Za-z0-9_+-/], must not start with '/'
 * and must not contain "..".
 * Returns SK_OK and *out (owned by the caller, free with sk_tz_free);
 * SK_ERR_INVAL for a bad name, SK_ERR_NOTFOUND when there is no such zone
 * file (or the file is not TZif, like zone.tab), SK_ERR_IO when it cannot be
 * read, SK_ERR_LIMIT when it is too big, else sk_tz_parse's codes. *out is
 * NULL on failure. */
sk_err_t sk_tz_load_dir(const char *dir, const char *name, struct sk_tz **out,
			struct sk_error *err);

/* Parse TZif data (versions 1-4; the 64-bit block and the POSIX TZ footer
 * are used when present) without any I/O. data is borrowed; name (may be
 * NULL) is copied and only used by sk_tz_name and messages. Caps: len <=
 * SK_LIMIT_TZIF, SK_LIMIT_TZ_TRANSITIONS, SK_LIMIT_TZ_CHARS,
 * SK_LIMIT_TZ_FOOTER (SK_ERR_LIMIT). Files with leap-second records
 * ("right/" zones) are rejected. SK_ERR_PARSE for anything malformed,
 * SK_ERR_NOMEM. *out is owned by the caller, NULL on failure. */
sk_err_t sk_tz_parse(const unsigned char *data, size_t len, const char *name,
		     struct sk_tz **out, struct sk_error *err);

/* Accepts NULL. */
void sk_tz_free(struct sk_tz *tz);

/* The name given at load/parse time (borrowed from tz; "" if none). */
const char *sk_tz_name(const struct sk_tz *tz);

/* Offset east of UTC in seconds at a UTC instant. Before the first
 * transition the zone's first time type applies; after the last one the
 * footer rule (or, without one, the last transition's type). */
int sk_tz_offset_at(const struct sk_tz *tz, int64_t utc_ms);

/* The first instant strictly after utc_ms at which the offset changes, or
 * INT64_MAX when there is none (fixed-offset zones, permanent rules). */
int64_t sk_tz_next_transition(const struct sk_tz *tz, int64_t utc_ms);

/* Wall time lt in tz -> UTC ms. lt's fields must be in their usual ranges
 * (year -1000000..1000000, month 1-12, day 1-31, hour 0-23, minute and
 * second 0-59, ms 0-999; a day past the month's end rolls over into the
 * next month); otherwise INT64_MIN.
 *  - Overlap (a wall time that occurs twice when clocks go back): fold 0
 *    gives the first occurrence, fold 1 (any non-zero) the second.
 *  - Gap (a wall time skipped when clocks go forward): fold is ignored and
 *    the time is read with the offset in effect before the gap, so the
 *    result lies after the gap, shifted forward by the gap's length:
 *    Europe/Oslo 2024-03-31T02:30 -> 01:30Z (= 03:30 local). This matches
 *    sk_oslo_to_utc_ms. */
int64_t sk_tz_local_to_utc_ms(const struct sk_tz *tz, const struct sk_civil *lt,
			      int fold);

/* UTC ms -> wall time in tz. */
void sk_tz_from_utc_ms(const struct sk_tz *tz, int64_t utc_ms,
		       struct sk_civil *out);

#endif
