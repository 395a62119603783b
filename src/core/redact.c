/*
 * redact.c - the one place secrets are scrubbed from text: every log line
 * (sk_log_write) and every error message (sk_error_set, sk_error_prefix)
 * passes through sk_redact_text, and so does every value `skred config`
 * shows. Two rules:
 *
 *  - URL userinfo: "scheme://user:pw@host" -> "scheme://user:***@host";
 *    a lone user part ("token@host") becomes "***@host", as it is often a
 *    token. The authority ends at the first '/', '?', '#', blank, quote or
 *    angle bracket (RFC 3986 3.2), so an '@' in a path or query is not
 *    userinfo; the last '@' of the authority ends the userinfo, so
 *    "[::1]" hosts and '@' in an unencoded password are handled. Any "://"
 *    starts an authority (the scheme is not checked), and a password must
 *    not contain '/', '?', '#' or blanks unencoded (a URL cannot carry
 *    them there anyway).
 *  - Registered values: the value of every secret configuration key (set by
 *    config.c) is replaced by "***" wherever it appears, so a library that
 *    echoes a secret in its message (librdkafka's "Unrecognized
 *    sasl.oauthbearer.config beginning at: clientSecret=...") does not leak
 *    it. Values shorter than SK_REDACT_MIN_LEN are not registered (they
 *    would mangle ordinary text); they are still hidden by `skred config`.
 *
 * Deliberately not a general secret scanner: text without a URL and without
 * a registered value is copied unchanged.
 */
#include "core.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t redact_lock = PTHREAD_MUTEX_INITIALIZER;
/* Longest first, so a secret that contains another is replaced whole;
 * added[] orders them by age for eviction. */
static char *secrets[SK_REDACT_MAX_SECRETS];
static uint64_t added[SK_REDACT_MAX_SECRETS];
static size_t n_secrets;
static uint64_t n_added;

static void drop(size_t i)
{
	free(secrets[i]);
	for (; i + 1 < n_secrets; i++) {
		secrets[i] = secrets[i + 1];
		added[i] = added[i + 1];
	}
	n_secrets--;
}

void sk_redact_add(const char *value)
{
	if (!value || strlen(value) < SK_REDACT_MIN_LEN)
		return;
	char *copy = sk_strdup(value);
	if (!copy)
		return;
	size_t len = strlen(copy);
	pthread_mutex_lock(&redact_lock);
	bool known = false;
	for (size_t i = 0; i < n_secrets && !known; i++)
		if (strcmp(secrets[i], value) == 0) {
			known = true;
			added[i] = ++n_added; /* in use again: keep longest */
		}
	if (known) {
		pthread_mutex_unlock(&redact_lock);
		free(copy);
		return;
	}
	if (n_secrets == SK_REDACT_MAX_SECRETS) {
		/* Full (secrets rotated by many reloads): the newest value is
		 * the one in use, so the oldest makes room. */
		size_t old = 0;
		for (size_t i = 1; i < n_secrets; i++)
			if (added[i] < added[old])
				old = i;
		drop(old);
	}
	size_t at = n_secrets;
	while (at > 0 && strlen(secrets[at - 1]) < len) {
		secrets[at] = secrets[at - 1];
		added[at] = added[at - 1];
		at--;
	}
	secrets[at] = copy;
	added[at] = ++n_added;
	n_secrets++;
	pthread_mutex_unlock(&redact_lock);
}

void sk_redact_clear(void)
{
	pthread_mutex_lock(&redact_lock);
	while (n_secrets)
		drop(n_secrets - 1);
	pthread_mutex_unlock(&redact_lock);
}

/* Output cursor over a caller's buffer: writes what fits, always leaves a
 * NUL-terminated prefix. */
struct out {
	char *p;
	size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->len + 1 < o->cap; i++)
		o->p[o->len++] = s[i];
	if (o->cap)
		o->p[o->len] = '\0';
}

static bool authority_end(char c)
{
	return c == '\0' || c == '/' || c == '?' || c == '#' || c == ' ' ||
	       c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' ||
	       c == '<' || c == '>' || c == '`';
}

/* If s[i] starts "://", the length of the userinfo that follows (up to,
 * not including, the authority's last '@'); 0 if none. The scheme is not
 * checked: a mangled one must not let a password through. */
static size_t userinfo_at(const char *s, size_t i)
{
	if (s[i] != ':' || s[i + 1] != '/' || s[i + 2] != '/')
		return 0;
	const char *a = s + i + 3;
	size_t at = 0;
	bool found = false;
	for (size_t k = 0; !authority_end(a[k]); k++) {
		if (a[k] == '@') {
			at = k;
			found = true;
		}
	}
	return found ? at : 0;
}

/* Copy s to o, rewriting URL userinfo. */
static void scrub_urls(struct out *o, const char *s)
{
	size_t i = 0, from = 0;
	while (s[i]) {
		size_t ui = userinfo_at(s, i);
		if (!ui) {
			i++;
			continue;
		}
		const char *u = s + i + 3;
		const char *colon = memchr(u, ':', ui);
		put(o, s + from, (size_t)(u - (s + from)));
		if (colon)
			put(o, u, (size_t)(colon - u) + 1);
		put(o, "***", 3);
		i += 3 + ui; /* at the '@', copied with what follows */
		from = i;
	}
	put(o, s + from, i - from);
}

size_t sk_redact_text(const char *in, char *out, size_t cap)
{
	struct out o = {out, cap, 0};
	if (cap)
		out[0] = '\0';
	if (!in)
		return 0;
	/* Fast path: nothing registered and no URL. */
	pthread_mutex_lock(&redact_lock);
	size_t ns = n_secrets;
	pthread_mutex_unlock(&redact_lock);
	if (!ns && !strstr(in, "://")) {
		put(&o, in, strlen(in));
		return o.len;
	}
	/* Registered values first, into a scratch copy as long as the input
	 * (replacing by "***" never grows it past the longer of the two). */
	size_t n = strlen(in);
	char *tmp = malloc(n + 4);
	if (!tmp) {
		/* Cannot scrub: show nothing rather than a secret. */
		put(&o, "(message withheld: out of memory)", 33);
		return o.len;
	}
	struct out t = {tmp, n + 4, 0};
	tmp[0] = '\0'; /* put() terminates only what it writes */
	pthread_mutex_lock(&redact_lock);
	for (const char *p = in; *p;) {
		size_t hit = 0;
		for (size_t k = 0; k < n_secrets && !hit; k++) {
			size_t l = strlen(secrets[k]);
			if (strncmp(p, secrets[k], l) == 0)
				hit = l;
		}
		if (hit) {
			put(&t, "***", 3);
			p += hit;
		} else {
			put(&t, p, 1);
			p++;
		}
	}
	pthread_mutex_unlock(&redact_lock);
	scrub_urls(&o, tmp);
	free(tmp);
	return o.len;
}

bool sk_redact_has_userinfo(const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; s[i]; i++) {
		size_t ui = userinfo_at(s, i);
		if (ui)
			return true;
	}
	return false;
}
