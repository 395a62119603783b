/*
 * fuzz_redact.c - fuzz target for the secret scrubber (sk_redact_text) on
 * arbitrary text, with one registered secret. Invariants abort on
 * violation: the output is NUL-terminated within its cap and as long as
 * reported; it never contains the registered secret; scrubbing is
 * idempotent; and a password of a URL, once masked, is not detected as
 * unmasked again (every remaining userinfo is "***" or "user:***").
 */
#include "core/core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "Zq7-secret"

/* Every "scheme://userinfo@" left in s has userinfo "***" or "...:***". */
static bool all_masked(const char *s)
{
	for (const char *p = strstr(s, "://"); p; p = strstr(p + 1, "://")) {
		const char *a = p + 3, *at = NULL;
		for (const char *q = a; *q && !strchr("/?#\"'<>` \t\r\n", *q);
		     q++)
			if (*q == '@')
				at = q;
		if (!at || at == a)
			continue;
		if (at - a < 3 || memcmp(at - 3, "***", 3) != 0)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		sk_redact_add(SECRET);
		init = true;
	}
	if (size > 4096)
		size = 4096;
	char *in = malloc(size + 1);
	size_t cap = 2 * size + 16;
	char *out = malloc(cap), *again = malloc(cap);
	if (!in || !out || !again)
		abort();
	memcpy(in, data, size);
	in[size] = '\0';
	size_t n = sk_redact_text(in, out, cap);
	if (n >= cap || out[n] != '\0' || strlen(out) != n)
		abort();
	if (strstr(out, SECRET))
		abort();
	size_t n2 = sk_redact_text(out, again, cap);
	if (n2 != n || strcmp(out, again) != 0)
		abort();
	if (!all_masked(out))
		abort();
	/* A small cap: still terminated, never past it. */
	char tiny[8];
	size_t nt = sk_redact_text(in, tiny, sizeof tiny);
	if (nt >= sizeof tiny || tiny[nt] != '\0')
		abort();
	free(in);
	free(out);
	free(again);
	return 0;
}
