/*
 * error.c - the one table of error names and the sk_error helpers.
 */
#include "core.h"

#include <stdio.h>
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

sk_err_t sk_error_set(struct sk_error *err, sk_err_t code, bool retriable,
		      const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->retriable = retriable;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void sk_error_prefix(struct sk_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	char pre[SK_ERROR_MSG_MAX];
	char old[SK_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", pre, old);
}

void sk_error_clear(struct sk_error *err)
{
	if (!err)
		return;
	err->code = SK_OK;
	err->retriable = false;
	err->msg[0] = '\0';
}
