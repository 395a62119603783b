/*
 * redact.h - the one scrubber for log lines, error messages and the
 * values `skred config` shows (src/core/redact.c; sk_log_write,
 * sk_error_set/prefix and sk_config_each call it; nothing else needs to).
 */
#ifndef SK_CORE_REDACT_H
#define SK_CORE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define SK_REDACT_MIN_LEN 4      /* shorter secret values are not scrubbed */
#define SK_REDACT_MAX_SECRETS 64 /* registered values kept */
#define SK_REDACTED "(redacted)" /* how `skred config` shows a secret */

/* Copy in to out (cap bytes, always NUL-terminated when cap > 0) with URL
 * userinfo masked ("https://user:pw@host" -> "https://user:***@host", a
 * lone user part "tok@host" -> "***@host"; an '@' after the authority is
 * not userinfo) and every registered secret value replaced by "***".
 * Idempotent. Returns the length written. in may be NULL (empty output). */
size_t sk_redact_text(const char *in, char *out, size_t cap);

/* Register a secret value (copied) to be scrubbed from all later text;
 * values shorter than SK_REDACT_MIN_LEN are ignored. At most
 * SK_REDACT_MAX_SECRETS are kept: past that, the one registered (or
 * re-registered) longest ago is forgotten. Thread-safe; config.c calls it
 * for every secret key it sets (again on each reload). */
void sk_redact_add(const char *value);
/* Forget every registered value (tests). */
void sk_redact_clear(void);

/* True if s contains a URL with userinfo (credentials). */
bool sk_redact_has_userinfo(const char *s);

#endif
