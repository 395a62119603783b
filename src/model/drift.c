/*
 * drift.c - a raw warning against the API shape model/'s field tables
 * expect: keys no row reads (unknown), rows whose key is absent (missing),
 * values of another JSON type than the row's kind takes (retyped).
 *
 * The expected shape is the tables themselves (each row's api key, kind,
 * flags; the group object, the lists and their child tables, the nested
 * weather list) plus each table's api_ignored keys, so a row added there is
 * expected here with nothing else to edit. It only reports: the parser
 * (json.c) still decides what fails (a retyped or missing required field is
 * its type error, named), and job/ decides what a drifted record does to the
 * warehouse. One validating scan of the text onto a tape (jscan.c), no I/O.
 */
#include "model/model.h"
#include "model/model_int.h"

#include <stdio.h>
#include <string.h>

#define TAPE_STACK 768

const char *sk_model_drift_kind_name(enum sk_model_drift_kind k)
{
	switch (k) {
	case SK_DRIFT_UNKNOWN:
		return "unknown";
	case SK_DRIFT_MISSING:
		return "missing";
	case SK_DRIFT_RETYPED:
		return "retyped";
	}
	return "?";
}

struct walk {
	const struct sk_jscan *d;
	struct sk_model_drift *out;
};

/* Which rows of a table one object holds: (flags & mask) == want. */
struct sel {
	unsigned mask, want;
};

static const struct sk_jtok *tk(const struct walk *wk, size_t i)
{
	return &wk->d->tok[i];
}

/* Record (kind, prefix + name) once. name is n bytes of the text (an
 * unknown key: shown only as printable ASCII) or a row's key. */
static void note(struct walk *wk, enum sk_model_drift_kind kind,
		 const char *prefix, const char *name, size_t n,
		 const struct sk_table *t, const struct sk_field *f)
{
	char path[SK_DRIFT_PATH];
	if (!n && !f) { /* an unknown empty key */
		name = "(empty)";
		n = 7;
	}
	size_t o = (size_t)snprintf(path, sizeof path, "%s", prefix);
	if (o >= sizeof path)
		o = sizeof path - 1;
	for (size_t i = 0; i < n && o + 1 < sizeof path; i++) {
		unsigned char c = (unsigned char)name[i];
		path[o++] = c > 0x20 && c < 0x7f && c != '"' && c != '\\'
				    ? (char)c
				    : '?';
	}
	path[o] = '\0';
	struct sk_model_drift *out = wk->out;
	for (size_t i = 0; i < out->n; i++)
		if (out->items[i].kind == kind &&
		    !strcmp(out->items[i].field, path))
			return;
	if (out->n == SK_DRIFT_MAX) {
		out->truncated = true;
		return;
	}
	struct sk_model_drift_item *it = &out->items[out->n++];
	it->kind = kind;
	memcpy(it->field, path, o + 1);
	it->t = t;
	it->f = f;
}

static bool ignored(const struct sk_table *t, const char *text,
		    const struct sk_jtok *key)
{
	for (const char *const *k = t->api_ignored; k && *k; k++)
		if (sk_model_jstr_eq(text, key, *k, strlen(*k)))
			return true;
	return false;
}

/* A numeric string as the parser's SK_FIELD_NUMTEXT takes it. */
static bool numeric_text(const char *text, const struct sk_jtok *v)
{
	char buf[40];
	if (v->n > 24)
		return false;
	sk_model_jstr_head(text, v, buf, 32);
	const char *s = buf;
	int nd = 0;
	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		nd++;
	while (*s == ' ')
		s++;
	return nd > 0 && nd <= 9 && !*s;
}

/* Whether value v (not null) is of the JSON type row f reads. */
static bool type_ok(const struct walk *wk, const struct sk_field *f,
		    const struct sk_jtok *v)
{
	int ty = v->type;
	switch (f->kind) {
	case SK_FIELD_INT:
		return ty == SK_JINT ||
		       (ty == SK_JREAL && (f->flags & SK_FIELD_ROUND)) ||
		       (ty == SK_JSTR && (f->flags & SK_FIELD_NUMTEXT) &&
			numeric_text(wk->d->text, v));
	case SK_FIELD_INT64:
		return ty == SK_JINT;
	case SK_FIELD_TRI:
		return ty == SK_JTRUE || ty == SK_JFALSE;
	case SK_FIELD_TEXT:
		return ty == SK_JSTR ||
		       (ty == SK_JINT && (f->flags & SK_FIELD_NUMTEXT));
	case SK_FIELD_TIME:
		return ty == SK_JSTR;
	case SK_FIELD_BOOL:
		return !(f->flags & SK_FIELD_GROUP) || ty == SK_JOBJ;
	case SK_FIELD_LIST:
		return ty == SK_JARR;
	case SK_FIELD_DATE:
		break;
	}
	return true;
}

static void walk_object(struct walk *wk, size_t obj, const struct sk_table *t,
			struct sel sel, const char *prefix, bool detail);

/* The elements of list value v (an array) of row f: objects of f's child
 * table (one level deeper for a nested list). */
static void walk_list(struct walk *wk, size_t v, const struct sk_table *t,
		      const struct sk_field *f, const char *prefix)
{
	static const struct sel all = {0, 0};
	static const struct sel outer = {SK_FIELD_OUTER, SK_FIELD_OUTER};
	static const struct sel inner = {SK_FIELD_OUTER, 0};
	const struct sk_table *ct = f->child;
	char path[SK_DRIFT_PATH * 2];
	snprintf(path, sizeof path, "%s%s[]", prefix, f->api);
	char sub[SK_DRIFT_PATH * 2 + 2];
	snprintf(sub, sizeof sub, "%s.", path);
	size_t el = v + 1;
	for (uint32_t i = 0; i < tk(wk, v)->n; i++, el = tk(wk, el)->end) {
		if (tk(wk, el)->type != SK_JOBJ) {
			note(wk, SK_DRIFT_RETYPED, path, "", 0, t, f);
			continue;
		}
		if (!ct->api_nested) {
			walk_object(wk, el, ct, all, sub, false);
			continue;
		}
		walk_object(wk, el, ct, outer, sub, false);
	}
	if (!ct->api_nested)
		return;
	/* the nested records: the arrays under api_nested of each element */
	el = v + 1;
	size_t klen = strlen(ct->api_nested);
	char nsub[SK_DRIFT_PATH * 3], elp[SK_DRIFT_PATH * 3 + 4];
	snprintf(nsub, sizeof nsub, "%s.%s", path, ct->api_nested);
	snprintf(elp, sizeof elp, "%s[].", nsub);
	for (uint32_t i = 0; i < tk(wk, v)->n; i++, el = tk(wk, el)->end) {
		if (tk(wk, el)->type != SK_JOBJ)
			continue;
		size_t k = el + 1, subs = SIZE_MAX;
		for (uint32_t m = 0; m < tk(wk, el)->n; m++) {
			if (sk_model_jstr_eq(wk->d->text, tk(wk, k),
					     ct->api_nested, klen))
				subs = k + 1;
			k = tk(wk, k + 1)->end;
		}
		if (subs == SIZE_MAX) {
			note(wk, SK_DRIFT_MISSING, nsub, "", 0, t, f);
			continue;
		}
		if (tk(wk, subs)->type == SK_JNULL)
			continue;
		if (tk(wk, subs)->type != SK_JARR) {
			note(wk, SK_DRIFT_RETYPED, nsub, "", 0, t, f);
			continue;
		}
		size_t s = subs + 1;
		for (uint32_t j = 0; j < tk(wk, subs)->n;
		     j++, s = tk(wk, s)->end) {
			if (tk(wk, s)->type != SK_JOBJ)
				note(wk, SK_DRIFT_RETYPED, nsub, "[]", 2, t, f);
			else
				walk_object(wk, s, ct, inner, elp, false);
		}
	}
}

/* The rows sel of table t that object obj should hold; detail: the
 * Detail-only rows are expected too. */
static void walk_object(struct walk *wk, size_t obj, const struct sk_table *t,
			struct sel sel, const char *prefix, bool detail)
{
	const char *text = wk->d->text;
	bool seen[128] = {false};
	size_t k = obj + 1;
	for (uint32_t m = 0; m < tk(wk, obj)->n; m++, k = tk(wk, k + 1)->end) {
		const struct sk_jtok *key = tk(wk, k);
		size_t v = k + 1;
		const struct sk_field *f = NULL;
		size_t ri = 0;
		for (size_t r = sk_model_key_rows(t, text, key, 0); r;
		     r = sk_model_key_rows(t, text, key, r)) {
			const struct sk_field *row = &t->rows[r - 1];
			if (row->json_pos &&
			    (row->flags & sel.mask) == sel.want) {
				f = row;
				ri = r - 1;
				break;
			}
		}
		bool nested_key = t->api_nested && sel.mask == SK_FIELD_OUTER &&
				  sel.want == SK_FIELD_OUTER &&
				  sk_model_jstr_eq(text, key, t->api_nested,
						   strlen(t->api_nested));
		if (!f) {
			if (!nested_key && !ignored(t, text, key))
				note(wk, SK_DRIFT_UNKNOWN, prefix,
				     text + key->pos, key->n, NULL, NULL);
			continue;
		}
		if (ri < sizeof seen)
			seen[ri] = true;
		const struct sk_jtok *val = tk(wk, v);
		if (val->type == SK_JNULL) {
			if (f->flags & SK_FIELD_REQUIRED)
				note(wk, SK_DRIFT_MISSING, prefix, f->api,
				     strlen(f->api), t, f);
			continue;
		}
		if (!type_ok(wk, f, val)) {
			note(wk, SK_DRIFT_RETYPED, prefix, f->api,
			     strlen(f->api), t, f);
			continue;
		}
		if (f->kind == SK_FIELD_BOOL && (f->flags & SK_FIELD_GROUP)) {
			static const struct sel grp = {SK_FIELD_IN_GROUP,
						       SK_FIELD_IN_GROUP};
			char sub[SK_DRIFT_PATH * 2];
			snprintf(sub, sizeof sub, "%s%s.", prefix, f->api);
			walk_object(wk, v, t, grp, sub, true);
		} else if (f->kind == SK_FIELD_LIST) {
			walk_list(wk, v, t, f, prefix);
		}
	}
	for (size_t ri = 0; ri < t->n_rows && ri < sizeof seen; ri++) {
		const struct sk_field *r = &t->rows[ri];
		if (seen[ri] || !r->api || !r->json_pos ||
		    (r->flags & sel.mask) != sel.want ||
		    ((r->flags & SK_FIELD_DETAIL) && !detail))
			continue;
		note(wk, SK_DRIFT_MISSING, prefix, r->api, strlen(r->api), t,
		     r);
	}
}

void sk_model_drift_tape(const struct sk_jscan *d, struct sk_model_drift *out)
{
	static const struct sel top = {SK_FIELD_IN_GROUP, 0};
	const struct sk_table *t = &sk_model_warning_table;
	struct walk wk = {d, out};
	/* Detail: any Detail-only key, or a key only Detail warnings carry
	 * (the table's ignored ones), at the top. */
	size_t k = 1;
	for (uint32_t m = 0; m < d->tok[0].n && !out->detail;
	     m++, k = d->tok[k + 1].end) {
		const struct sk_jtok *key = &d->tok[k];
		for (size_t r = sk_model_key_rows(t, d->text, key, 0);
		     r && !out->detail;
		     r = sk_model_key_rows(t, d->text, key, r))
			out->detail =
				(t->rows[r - 1].flags & SK_FIELD_DETAIL) &&
				!(t->rows[r - 1].flags & SK_FIELD_IN_GROUP);
		if (!out->detail)
			out->detail = ignored(t, d->text, key);
	}
	walk_object(&wk, 0, t, top, "", out->detail);
}

sk_err_t sk_model_warning_drift(const char *json, size_t len,
				struct sk_model_drift *out,
				struct sk_error *err)
{
	struct sk_jtok buf[TAPE_STACK];
	struct sk_jscan s;
	memset(out, 0, sizeof *out);
	if (len > SK_LIMIT_WARNING_JSON)
		return sk_error_set(err, SK_ERR_LIMIT, false,
				    "warning larger than %u bytes",
				    SK_LIMIT_WARNING_JSON);
	sk_model_jscan_init(&s, json, len, buf, TAPE_STACK);
	sk_err_t rc = sk_model_jscan_doc(&s);
	if (rc != SK_OK) {
		rc = sk_model_jscan_error(&s, "warning", false, err);
		goto out;
	}
	if (s.oom) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto out;
	}
	if (s.tok[0].type != SK_JOBJ || s.max_level > SK_LIMIT_JSON_DEPTH) {
		rc = sk_error_set(err, SK_ERR_PARSE, false,
				  "warning is not a JSON object of at most "
				  "%d levels",
				  SK_LIMIT_JSON_DEPTH);
		goto out;
	}
	sk_model_drift_tape(&s, out);
out:
	if (rc != SK_OK)
		out->n = 0;
	sk_model_jscan_free(&s);
	return rc;
}
