/*
 * jscan_ref.h - model/'s JSON scanner and splitter held against jansson
 * 2.14, the parser they replaced (tests/unit/test_jscan.c,
 * tests/fuzz/fuzz_jscan.c). jscan_ref_agree(text, n): both say the same
 * about whether text is JSON; where it is, the tape holds the values
 * jansson built (type, integer, real, decoded string, members of objects
 * without duplicate keys); and sk_model_split_array gives what the
 * jansson-based splitter gave (the same number of items, each item's bytes
 * the element jansson parsed, the same key), or the same kind of error.
 */
#ifndef SK_TEST_JSCAN_REF_H
#define SK_TEST_JSCAN_REF_H

#include "model/model.h"
#include "model/model_int.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the reference: jansson, as model/ used it */

static json_t *ref_load(const char *s, size_t n)
{
	json_error_t e;
	if (memchr(s, '\0', n))
		return NULL;
	return json_loadb(s, n, JSON_DECODE_ANY, &e);
}

/* The key the splitter built with jansson (expectations 0: "?"). */
static void ref_key(const json_t *el, char key[SK_MODEL_KEY_MAX])
{
	char region[24] = "?", lang[24] = "?", date[11] = "?";
	const json_t *v = json_object_get(el, "RegionId");
	if (json_is_integer(v))
		snprintf(region, sizeof region, "%lld",
			 (long long)json_integer_value(v));
	v = json_object_get(el, "LangKey");
	if (json_is_integer(v))
		snprintf(lang, sizeof lang, "%lld",
			 (long long)json_integer_value(v));
	v = json_object_get(el, "ValidFrom");
	if (json_is_string(v) && json_string_length(v) >= 10) {
		struct sk_date d;
		memcpy(date, json_string_value(v), 10);
		date[10] = '\0';
		if (sk_date_parse(date, &d) != SK_OK)
			snprintf(date, sizeof date, "?");
	}
	snprintf(key, SK_MODEL_KEY_MAX, "%s:%s:%s", region, lang, date);
}

/* ---- comparing a tape with a jansson tree */

static bool has_dup_keys(const struct sk_jscan *s, size_t obj)
{
	/* jansson keeps the last of duplicate keys: compare only objects
	 * without duplicates value by value */
	size_t k = obj + 1;
	char a[4096], b[4096];
	for (uint32_t i = 0; i < s->tok[obj].n; i++) {
		if (s->tok[k].n >= sizeof a)
			return true;
		sk_model_jstr_decode(s->text, &s->tok[k], a);
		size_t k2 = s->tok[k + 1].end;
		for (uint32_t j = i + 1; j < s->tok[obj].n; j++) {
			if (s->tok[k2].n < sizeof b) {
				sk_model_jstr_decode(s->text, &s->tok[k2], b);
				if (strcmp(a, b) == 0)
					return true;
			}
			k2 = s->tok[k2 + 1].end;
		}
		k = s->tok[k + 1].end;
	}
	return false;
}

/* Token i equals j; returns false (and says where) when not. */
static bool same(const struct sk_jscan *s, size_t i, const json_t *j)
{
	const struct sk_jtok *t = &s->tok[i];
	char *buf;
	bool ok;
	switch (t->type) {
	case SK_JNULL:
		return json_is_null(j);
	case SK_JTRUE:
		return json_is_true(j);
	case SK_JFALSE:
		return json_is_false(j);
	case SK_JINT:
		return json_is_integer(j) && json_integer_value(j) == t->v.i;
	case SK_JREAL:
		return json_is_real(j) && json_real_value(j) == t->v.d;
	case SK_JSTR:
		if (!json_is_string(j))
			return false;
		buf = malloc((size_t)t->n + 1);
		if (!buf)
			return false;
		size_t n = sk_model_jstr_decode(s->text, t, buf);
		ok = n == json_string_length(j) &&
		     memcmp(buf, json_string_value(j), n) == 0;
		free(buf);
		return ok;
	case SK_JARR: {
		if (!json_is_array(j) || json_array_size(j) != t->n)
			return false;
		size_t k = i + 1;
		for (uint32_t e = 0; e < t->n; e++, k = s->tok[k].end)
			if (!same(s, k, json_array_get(j, e)))
				return false;
		return true;
	}
	case SK_JOBJ: {
		if (!json_is_object(j))
			return false;
		if (has_dup_keys(s, i))
			return true;
		if (json_object_size(j) != t->n)
			return false;
		size_t k = i + 1;
		for (uint32_t m = 0; m < t->n; m++) {
			buf = malloc((size_t)s->tok[k].n + 1);
			if (!buf)
				return false;
			size_t n = sk_model_jstr_decode(s->text, &s->tok[k],
							buf);
			const json_t *v = json_object_getn(j, buf, n);
			free(buf);
			if (!v || !same(s, k + 1, v))
				return false;
			k = s->tok[k + 1].end;
		}
		return true;
	}
	}
	return false;
}

/* One text: same verdict, same values, same split. */
static bool jscan_ref_agree(const char *text, size_t n)
{
	json_t *ref = ref_load(text, n);
	struct sk_jscan s;
	sk_model_jscan_init(&s, text, n, NULL, 0);
	/* the tape goes to the heap from the first token */
	sk_err_t rc = memchr(text, '\0', n) ? SK_ERR_PARSE
					    : sk_model_jscan_doc(&s);
	bool agree = (ref != NULL) == (rc == SK_OK);
	sk_model_jscan_free(&s);
	struct sk_jtok small[4];
	sk_model_jscan_init(&s, text, n, small, 4);
	if (agree && ref) {
		rc = sk_model_jscan_doc(&s);
		agree = rc == SK_OK && same(&s, 0, ref);
	}
	sk_model_jscan_free(&s);

	struct sk_raw_item *items = NULL;
	size_t ni = 0;
	struct sk_error err = {0};
	rc = sk_model_split_array(text, n, 0, 0, &items, &ni, &err);
	if (agree) {
		bool want_ok = json_is_array(ref);
		agree = (rc == SK_OK) == want_ok &&
			(rc != SK_OK || ni == json_array_size(ref));
		for (size_t i = 0; agree && i < ni; i++) {
			char key[SK_MODEL_KEY_MAX];
			const json_t *el = json_array_get(ref, i);
			json_t *back = ref_load(items[i].json,
						items[i].json_len);
			ref_key(el, key);
			agree = back && json_equal(back, el) &&
				strcmp(key, items[i].key) == 0;
			json_decref(back);
		}
		if (rc != SK_OK)
			agree = agree && err.code == SK_ERR_PARSE &&
				err.retriable &&
				strstr(err.msg, ref ? "expected an array"
						    : "not valid JSON");
	}
	sk_model_raw_items_free(items, ni);
	json_decref(ref);
	return agree;
}

#endif
