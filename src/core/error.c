/*
 * error.c - the one table of error names and the sk_error helpers. Every
 * message is scrubbed of credentials (sk_redact_text) as it is formatted, so
 * what reaches the ledger, the API and stderr never carries a secret.
 */
#include "core.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const err_names[SK_ERR__COUNT] = {
	[SK_OK] = "ok",
	[SK_ERR_NOMEM] = "nomem",
	[SK_ERR_INVAL] = "inval",
	[SK_ERR_IO] = "io",
	[SK_ERR_PARSE] = "parse",
	[SK_ERR_LIMIT] = "limit",
	[SK_ERR_NOTFOUND] = "notfound",
	[SK_ERR_HTTP] = "http",
	[SK_ERR_DB] = "db",
	[SK_ERR_BUS] = "bus",
	[SK_ERR_STORE] = "store",
	[SK_ERR_CONFIG] = "config",
	[SK_ERR_TIMEOUT] = "timeout",
	[SK_ERR_VALIDATE] = "validate",
	[SK_ERR_INTERRUPTED] = "interrupted",
	[SK_ERR_NET] = "net",
	[SK_ERR_CONFLICT] = "conflict",
};

const char *sk_err_name(sk_err_t code)
{
	if ((int)code < 0 || code >= SK_ERR__COUNT || !err_names[code])
		return "unknown";
	return err_names[code];
}

/* Redact raw into msg (cap bytes); a message longer than msg is cut at the
 * last blank that leaves room for " ...", so it never ends mid-word (nor
 * mid-character: a word longer than half of msg is cut at a UTF-8
 * boundary). */
static void fit(const char *raw, char *msg, size_t cap)
{
	static const char more[] = " ...";
	char wide[2 * SK_ERROR_MSG_MAX + 64];
	size_t n = sk_redact_text(raw, wide, sizeof wide);
	if (n < cap) {
		memcpy(msg, wide, n + 1);
		return;
	}
	size_t keep = cap - sizeof more; /* room for more and the NUL */
	size_t cut = keep;
	while (cut > keep / 2 && wide[cut] != ' ')
		cut--;
	if (wide[cut] == ' ') {
		while (cut && strchr(" ;,:", wide[cut - 1]))
			cut--; /* no dangling separator before " ..." */
	} else {
		cut = keep;
		while (cut && ((unsigned char)wide[cut] & 0xC0) == 0x80)
			cut--;
	}
	memcpy(msg, wide, cut);
	memcpy(msg + cut, more, sizeof more);
}

sk_err_t sk_error_set(struct sk_error *err, sk_err_t code, bool retriable,
		      const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->retriable = retriable;
	/* Formatted wider than msg, so a URL cut at the end of msg is still
	 * recognised (and masked) before the cut. */
	char raw[2 * SK_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	fit(raw, err->msg, sizeof err->msg);
	return code;
}

void sk_error_prefix(struct sk_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	char pre[SK_ERROR_MSG_MAX];
	char raw[2 * SK_ERROR_MSG_MAX + 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	snprintf(raw, sizeof raw, "%s: %s", pre, err->msg);
	fit(raw, err->msg, sizeof err->msg);
}

void sk_error_clear(struct sk_error *err)
{
	if (!err)
		return;
	err->code = SK_OK;
	err->retriable = false;
	err->msg[0] = '\0';
}

bool sk_fail_point(const char *name)
{
	static int hits; /* of the point named, this process */
	const char *at = getenv("SKRED_FAIL_AT");
	size_t n = strlen(name);
	if (!at || strncmp(at, name, n) || (at[n] && at[n] != ':'))
		return false;
	long times = at[n] == ':' ? strtol(at + n + 1, NULL, 10) : -1;
	if (times >= 0 && hits >= times)
		return false;
	hits++;
	fprintf(stderr, "skred: SKRED_FAIL_AT=%s: failing here\n", at);
	return true;
}

void sk_crash_point(const char *name)
{
	const char *at = getenv("SKRED_CRASH_AT");
	if (!at || strcmp(at, name))
		return;
	fprintf(stderr, "skred: SKRED_CRASH_AT=%s: killing myself\n", name);
	fflush(stderr);
	raise(SIGKILL);
}
