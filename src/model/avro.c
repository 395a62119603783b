/*
 * avro.c - clean records in Avro binary with the Confluent framing, through
 * libavro's generic values (the only file of skred that includes avro.h).
 *
 * libavro is opened at run time, by the first sk_model_avro_new, not
 * linked: it brings libsnappy and so libstdc++ (with jansson, liblzma and
 * libgcc_s), 1.2 MiB of every skred process's resident set, for a bus
 * format most never use (bus.format=avro). Its 15 functions are called
 * through the table below; avro.h's value macros go through each value's
 * own interface, as always. Without the library sk_model_avro_new fails
 * with dlopen's message; everything else here needs an encoder first.
 *
 * The walk is driven by the schema's fields, each looked up by name among
 * the rows to_json writes (schema.c's mapping): so a later, compatible
 * version of the schema (a field added as a union with null) encodes, its
 * unknown fields as null, and a schema whose types do not fit the rows
 * fails naming the field. Absent values go to the null branch; a non-null
 * integer carries the stored value as is (-1), like the warehouse.
 */
#include "model/model.h"

#include <avro.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SKRED_AVRO_SONAME
#define SKRED_AVRO_SONAME "libavro.so"
#endif

/* Every libavro function this file calls (the rest are avro.h macros). */
#define AVRO_FUNCS(X)                                                          \
	X(avro_generic_class_from_schema)                                      \
	X(avro_generic_value_new)                                              \
	X(avro_reader_free)                                                    \
	X(avro_reader_memory)                                                  \
	X(avro_schema_decref)                                                  \
	X(avro_schema_from_json_length)                                        \
	X(avro_schema_union_branch)                                            \
	X(avro_schema_union_size)                                              \
	X(avro_strerror)                                                       \
	X(avro_value_decref)                                                   \
	X(avro_value_read)                                                     \
	X(avro_value_sizeof)                                                   \
	X(avro_value_write)                                                    \
	X(avro_writer_free)                                                    \
	X(avro_writer_memory)

static struct {
#define AVRO_FIELD(f) __typeof__(f) *f;
	AVRO_FUNCS(AVRO_FIELD)
#undef AVRO_FIELD
} lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static char lib_error[256]; /* why lib is not there; "" when it is */

/* Once per process: the library by its soname (the system's search path,
 * as the dynamic linker would have found it), else at the path it had when
 * skred was built (a prefix outside that path, e.g. Nix's). Never closed:
 * encoders may live until exit. */
static void lib_open(void)
{
	void *h = dlopen(SKRED_AVRO_SONAME, RTLD_NOW | RTLD_LOCAL);
#ifdef SKRED_AVRO_PATH
	if (!h)
		h = dlopen(SKRED_AVRO_PATH, RTLD_NOW | RTLD_LOCAL);
#endif
	if (!h) {
		const char *e = dlerror();
		snprintf(lib_error, sizeof lib_error,
			 "Avro needs libavro (%s), which cannot be opened: %s",
			 SKRED_AVRO_SONAME, e ? e : "unknown error");
		return;
	}
#define AVRO_LOAD(f)                                                           \
	if (!(lib.f = (__typeof__(f) *)dlsym(h, #f))) {                        \
		snprintf(lib_error, sizeof lib_error,                          \
			 "libavro (%s) has no %s", SKRED_AVRO_SONAME, #f);     \
		return;                                                        \
	}
	AVRO_FUNCS(AVRO_LOAD)
#undef AVRO_LOAD
}

/* From here on each of those names is a call through the table. */
#define avro_generic_class_from_schema lib.avro_generic_class_from_schema
#define avro_generic_value_new lib.avro_generic_value_new
#define avro_reader_free lib.avro_reader_free
#define avro_reader_memory lib.avro_reader_memory
#define avro_schema_decref lib.avro_schema_decref
#define avro_schema_from_json_length lib.avro_schema_from_json_length
#define avro_schema_union_branch lib.avro_schema_union_branch
#define avro_schema_union_size lib.avro_schema_union_size
#define avro_strerror lib.avro_strerror
#define avro_value_decref lib.avro_value_decref
#define avro_value_read lib.avro_value_read
#define avro_value_sizeof lib.avro_value_sizeof
#define avro_value_write lib.avro_value_write
#define avro_writer_free lib.avro_writer_free
#define avro_writer_memory lib.avro_writer_memory

/* value is written, rvalue read into: libavro 1.11 leaks a string that
 * the reader gave to a value when the value's string is set afterwards
 * (found by fuzz_avro), so one value never does both. */
struct sk_model_avro {
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value, rvalue;
	bool has_value, has_rvalue;
	char *scratch;
	size_t scratch_cap;
};

static sk_err_t nomem(struct sk_error *err)
{
	return sk_error_set(err, SK_ERR_NOMEM, true, "out of memory");
}

void sk_model_avro_free(struct sk_model_avro *a)
{
	if (!a)
		return;
	if (a->has_value)
		avro_value_decref(&a->value);
	if (a->has_rvalue)
		avro_value_decref(&a->rvalue);
	if (a->iface)
		avro_value_iface_decref(a->iface);
	if (a->schema)
		avro_schema_decref(a->schema);
	free(a->scratch);
	free(a);
}

sk_err_t sk_model_avro_new(const char *schema_json, struct sk_model_avro **out,
			   struct sk_error *err)
{
	*out = NULL;
	pthread_once(&lib_once, lib_open);
	if (lib_error[0])
		return sk_error_set(err, SK_ERR_NOTFOUND, false, "%s",
				    lib_error);
	struct sk_model_avro *a = calloc(1, sizeof *a);
	if (!a)
		return nomem(err);
	if (avro_schema_from_json_length(schema_json, strlen(schema_json),
					 &a->schema)) {
		sk_error_set(err, SK_ERR_PARSE, false,
			     "not a valid Avro schema: %s", avro_strerror());
		goto fail;
	}
	if (avro_typeof(a->schema) != AVRO_RECORD) {
		sk_error_set(err, SK_ERR_PARSE, false,
			     "the Avro schema is not a record");
		goto fail;
	}
	a->iface = avro_generic_class_from_schema(a->schema);
	if (!a->iface || avro_generic_value_new(a->iface, &a->value)) {
		nomem(err);
		goto fail;
	}
	a->has_value = true;
	if (avro_generic_value_new(a->iface, &a->rvalue)) {
		nomem(err);
		goto fail;
	}
	a->has_rvalue = true;
	*out = a;
	return SK_OK;
fail:
	sk_model_avro_free(a);
	return err->code;
}

/* The row of t to_json writes under key name (group: among the group's
 * rows), or NULL. */
static const struct sk_field *row_named(const struct sk_table *t,
					const char *name, bool group)
{
	unsigned want = group ? SK_FIELD_IN_GROUP : 0;
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->json_pos && (f->flags & SK_FIELD_IN_GROUP) == want &&
		    !(f->flags & SK_FIELD_NOJSON) &&
		    !strcmp(sk_model_field_json_name(f), name))
			return f;
	}
	return NULL;
}

/* The null branch and the first other branch of a union value; -1 none. */
static void union_branches(avro_value_t *v, int *null_b, int *val_b)
{
	avro_schema_t s = avro_value_get_schema(v);
	*null_b = *val_b = -1;
	for (size_t i = 0; i < avro_schema_union_size(s); i++) {
		avro_schema_t b = avro_schema_union_branch(s, (int)i);
		if (avro_typeof(b) == AVRO_NULL) {
			if (*null_b < 0)
				*null_b = (int)i;
		} else if (*val_b < 0) {
			*val_b = (int)i;
		}
	}
}

static sk_err_t field_error(struct sk_error *err, const char *path,
			    const char *name, const char *why)
{
	return sk_error_set(err, SK_ERR_INVAL, false, "Avro field %s%s: %s",
			    path, name, why);
}

static sk_err_t put_record(avro_value_t *rv, const struct sk_table *t,
			   const void *rec, bool group, const char *path,
			   struct sk_error *err);

/* v (not a union) <- the value of row f of rec. */
static sk_err_t put_value(avro_value_t *v, const struct sk_table *t,
			  const struct sk_field *f, const void *rec,
			  const char *path, const char *name,
			  struct sk_error *err)
{
	avro_type_t ty = avro_value_get_type(v);
	int rc = EINVAL;
	int64_t x;
	struct sk_date d;
	const char *s;
	char sub[128];
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
		x = sk_model_field_get_int(f, rec);
		if (ty == AVRO_INT32 && x >= INT32_MIN && x <= INT32_MAX)
			rc = avro_value_set_int(v, (int32_t)x);
		else if (ty == AVRO_INT64)
			rc = avro_value_set_long(v, x);
		break;
	case SK_FIELD_BOOL:
		if (f->flags & SK_FIELD_GROUP) {
			if (ty != AVRO_RECORD)
				break;
			snprintf(sub, sizeof sub, "%s%s.", path, name);
			return put_record(v, t, rec, true, sub, err);
		}
		/* fall through */
	case SK_FIELD_TRI:
		if (ty == AVRO_BOOLEAN)
			rc = avro_value_set_boolean(
				v, sk_model_field_get_int(f, rec) > 0);
		break;
	case SK_FIELD_TEXT:
		s = sk_model_field_get_text(f, rec);
		if (ty == AVRO_STRING && s)
			rc = avro_value_set_string(v, s);
		break;
	case SK_FIELD_DATE:
		s = sk_model_field_get_text(f, rec);
		if (!s || sk_date_parse(s, &d) != SK_OK)
			return field_error(err, path, name,
					   "not a date YYYY-MM-DD");
		x = sk_days_from_civil(d.y, d.m, d.d);
		if (ty == AVRO_INT32)
			rc = avro_value_set_int(v, (int32_t)x);
		break;
	case SK_FIELD_TIME:
		if (ty == AVRO_INT64)
			rc = avro_value_set_long(
				v, sk_model_field_get_time(f, rec)->utc_ms);
		break;
	case SK_FIELD_LIST:
		if (ty != AVRO_ARRAY)
			break;
		snprintf(sub, sizeof sub, "%s%s[].", path, name);
		for (size_t i = 0; i < sk_model_field_list_count(f, rec); i++) {
			avro_value_t el;
			if (avro_value_append(v, &el, NULL))
				return nomem(err);
			if (avro_value_get_type(&el) != AVRO_RECORD)
				return field_error(err, path, name,
						   "not an array of records");
			if (put_record(&el, f->child,
				       sk_model_field_list_cchild(f, rec, i),
				       false, sub, err) != SK_OK)
				return err->code;
		}
		return SK_OK;
	}
	if (rc == ENOMEM)
		return nomem(err);
	return rc ? field_error(err, path, name,
				"the schema's type does not fit the value")
		  : SK_OK;
}

/* Is row f's value absent (null in to_json)? */
static bool absent(const struct sk_field *f, const void *rec)
{
	if (f->kind == SK_FIELD_BOOL)
		return (f->flags & SK_FIELD_GROUP) &&
		       !sk_model_field_get_int(f, rec);
	return sk_model_field_is_absent(f, rec);
}

static sk_err_t put_record(avro_value_t *rv, const struct sk_table *t,
			   const void *rec, bool group, const char *path,
			   struct sk_error *err)
{
	size_t n = 0;
	avro_value_get_size(rv, &n);
	for (size_t i = 0; i < n; i++) {
		avro_value_t fv, bv;
		const char *name = NULL;
		if (avro_value_get_by_index(rv, i, &fv, &name))
			return nomem(err);
		const struct sk_field *f = row_named(t, name, group);
		bool is_union = avro_value_get_type(&fv) == AVRO_UNION;
		int nb = -1, vb = -1;
		if (is_union)
			union_branches(&fv, &nb, &vb);
		if (!f || absent(f, rec)) {
			bool keep = f && !is_union &&
				    (f->kind == SK_FIELD_INT ||
				     f->kind == SK_FIELD_INT64);
			if (keep) {
				if (put_value(&fv, t, f, rec, path, name,
					      err) != SK_OK)
					return err->code;
				continue;
			}
			if (nb < 0)
				return field_error(err, path, name,
						   f ? "no value, and the "
						       "schema does not allow "
						       "null"
						     : "not a field of the "
						       "record, and the "
						       "schema does not allow "
						       "null");
			if (avro_value_set_branch(&fv, nb, &bv) ||
			    avro_value_set_null(&bv))
				return nomem(err);
			continue;
		}
		if (is_union) {
			if (vb < 0 || avro_value_set_branch(&fv, vb, &bv))
				return field_error(err, path, name,
						   "no branch for the value");
			if (put_value(&bv, t, f, rec, path, name, err) != SK_OK)
				return err->code;
		} else if (put_value(&fv, t, f, rec, path, name, err) !=
			   SK_OK) {
			return err->code;
		}
	}
	return SK_OK;
}

int64_t sk_model_avro_schema_id(const void *data, size_t len)
{
	const unsigned char *p = data;
	if (len < SK_MODEL_AVRO_HEADER || p[0] != 0)
		return -1;
	return (int64_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 8 | (uint32_t)p[4]);
}

sk_err_t sk_model_warning_to_avro(struct sk_model_avro *a, int32_t schema_id,
				  const struct sk_warning *w,
				  struct sk_buf *out, struct sk_error *err)
{
	avro_value_reset(&a->value);
	if (put_record(&a->value, &sk_model_warning_table, w, false, "", err) !=
	    SK_OK)
		return err->code;
	size_t size = 0;
	if (avro_value_sizeof(&a->value, &size))
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "Avro record size: %s", avro_strerror());
	if (size > a->scratch_cap) {
		char *p = realloc(a->scratch, size);
		if (!p)
			return nomem(err);
		a->scratch = p;
		a->scratch_cap = size;
	}
	avro_writer_t wr = avro_writer_memory(a->scratch, (int64_t)size);
	if (!wr)
		return nomem(err);
	int rc = avro_value_write(wr, &a->value);
	avro_writer_free(wr);
	if (rc)
		return sk_error_set(err, SK_ERR_INVAL, false, "Avro record: %s",
				    avro_strerror());
	uint32_t id = (uint32_t)schema_id;
	unsigned char hdr[SK_MODEL_AVRO_HEADER] = {0, (unsigned char)(id >> 24),
						   (unsigned char)(id >> 16),
						   (unsigned char)(id >> 8),
						   (unsigned char)id};
	(void)sk_buf_append(out, hdr, sizeof hdr);
	(void)sk_buf_append(out, a->scratch, size);
	rc = sk_buf_finish(out);
	if (rc == SK_ERR_NOMEM)
		return nomem(err);
	return rc ? sk_error_set(err, (sk_err_t)rc, false,
				 "Avro record exceeds the buffer's limit")
		  : SK_OK;
}

/* ------------------------------------------------------------ reading */

static sk_err_t get_record(avro_value_t *rv, const struct sk_table *t,
			   void *rec, bool group, struct sk_error *err);

static sk_err_t bad(struct sk_error *err, const char *name)
{
	return sk_error_set(err, SK_ERR_PARSE, false,
			    "Avro field %s: unexpected type", name);
}

static sk_err_t get_value(avro_value_t *v, const struct sk_table *t,
			  const struct sk_field *f, void *rec, const char *name,
			  struct sk_error *err)
{
	avro_type_t ty = avro_value_get_type(v);
	int32_t i32;
	int64_t i64;
	int b;
	const char *s;
	size_t n;
	char date[11];
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
		if (ty == AVRO_INT32 && !avro_value_get_int(v, &i32))
			sk_model_field_set_int(f, rec, i32);
		else if (ty == AVRO_INT64 && !avro_value_get_long(v, &i64))
			sk_model_field_set_int(f, rec, i64);
		else
			return bad(err, name);
		return SK_OK;
	case SK_FIELD_BOOL:
		if (f->flags & SK_FIELD_GROUP) {
			if (ty != AVRO_RECORD)
				return bad(err, name);
			sk_model_field_set_int(f, rec, 1);
			return get_record(v, t, rec, true, err);
		}
		/* fall through */
	case SK_FIELD_TRI:
		if (ty != AVRO_BOOLEAN || avro_value_get_boolean(v, &b))
			return bad(err, name);
		sk_model_field_set_int(f, rec, b != 0);
		return SK_OK;
	case SK_FIELD_TEXT:
		if (ty != AVRO_STRING || avro_value_get_string(v, &s, &n))
			return bad(err, name);
		{
			char *c = sk_strndup(s, n ? n - 1 : 0);
			if (!c)
				return nomem(err);
			sk_model_field_set_text(f, rec, c);
		}
		return SK_OK;
	case SK_FIELD_DATE:
		if (ty != AVRO_INT32 || avro_value_get_int(v, &i32))
			return bad(err, name);
		{
			struct sk_date d;
			sk_civil_from_days(i32, &d.y, &d.m, &d.d);
			sk_date_format(&d, date);
			sk_model_field_set_text(f, rec, sk_strdup(date));
		}
		return SK_OK;
	case SK_FIELD_TIME:
		if (ty != AVRO_INT64 || avro_value_get_long(v, &i64))
			return bad(err, name);
		sk_model_field_time(f, rec)->utc_ms = i64;
		sk_model_field_time(f, rec)->has_utc = true;
		return SK_OK;
	case SK_FIELD_LIST:
		if (ty != AVRO_ARRAY || avro_value_get_size(v, &n))
			return bad(err, name);
		if (sk_model_field_list_alloc(f, rec, n) != SK_OK)
			return sk_error_set(err, SK_ERR_PARSE, false,
					    "Avro field %s: too many elements",
					    name);
		for (size_t i = 0; i < n; i++) {
			avro_value_t el;
			if (avro_value_get_by_index(v, i, &el, NULL) ||
			    avro_value_get_type(&el) != AVRO_RECORD)
				return bad(err, name);
			if (get_record(&el, f->child,
				       sk_model_field_list_child(f, rec, i),
				       false, err) != SK_OK)
				return err->code;
		}
		return SK_OK;
	}
	return bad(err, name);
}

static sk_err_t get_record(avro_value_t *rv, const struct sk_table *t,
			   void *rec, bool group, struct sk_error *err)
{
	size_t n = 0;
	avro_value_get_size(rv, &n);
	for (size_t i = 0; i < n; i++) {
		avro_value_t fv, bv;
		const char *name = NULL;
		if (avro_value_get_by_index(rv, i, &fv, &name))
			return bad(err, "?");
		const struct sk_field *f = row_named(t, name, group);
		if (!f)
			continue;
		avro_value_t *v = &fv;
		if (avro_value_get_type(&fv) == AVRO_UNION) {
			if (avro_value_get_current_branch(&fv, &bv))
				return bad(err, name);
			if (avro_value_get_type(&bv) == AVRO_NULL)
				continue;
			v = &bv;
		}
		if (get_value(v, t, f, rec, name, err) != SK_OK)
			return err->code;
	}
	return SK_OK;
}

sk_err_t sk_model_warning_from_avro(struct sk_model_avro *a, const void *data,
				    size_t len, struct sk_warning **out,
				    struct sk_error *err)
{
	*out = NULL;
	if (sk_model_avro_schema_id(data, len) < 0)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "not a Confluent-framed Avro value");
	avro_reader_t rd =
		avro_reader_memory((const char *)data + SK_MODEL_AVRO_HEADER,
				   (int64_t)(len - SK_MODEL_AVRO_HEADER));
	if (!rd)
		return nomem(err);
	avro_value_reset(&a->rvalue);
	int rc = avro_value_read(rd, &a->rvalue);
	avro_reader_free(rd);
	if (rc)
		return sk_error_set(err, SK_ERR_PARSE, false,
				    "not an Avro record of the schema: %s",
				    avro_strerror());
	struct sk_warning *w = sk_warning_new();
	if (!w)
		return nomem(err);
	if (get_record(&a->rvalue, &sk_model_warning_table, w, false, err) !=
	    SK_OK) {
		sk_warning_free(w);
		return err->code;
	}
	*out = w;
	return SK_OK;
}
