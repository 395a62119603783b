/*
 * jsonc_walk.c - the json-c column of bench/parse_bench. json-c and
 * jansson export symbols of the same names (json_object_get,
 * json_object_iter_next ...), so json-c is not linked: it is opened with
 * RTLD_LOCAL | RTLD_DEEPBIND and its functions are called through
 * pointers, leaving every other json_* name to jansson.
 */
#include <dlfcn.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool bench_jsonc_parse(const char *text, size_t len, uint64_t *sum);

static struct {
	enum json_type (*get_type)(const struct json_object *);
	struct lh_table *(*get_object)(const struct json_object *);
	size_t (*array_length)(const struct json_object *);
	struct json_object *(*array_get_idx)(const struct json_object *,
					     size_t);
	int (*get_string_len)(const struct json_object *);
	int64_t (*get_int64)(const struct json_object *);
	double (*get_double)(const struct json_object *);
	json_bool (*get_boolean)(const struct json_object *);
	int (*put)(struct json_object *);
	struct json_tokener *(*tokener_new)(void);
	void (*tokener_reset)(struct json_tokener *);
	struct json_object *(*parse_ex)(struct json_tokener *, const char *,
					int);
} jc;

static bool jc_open(void)
{
#ifdef __SANITIZE_ADDRESS__
	/* the sanitizer runtime refuses RTLD_DEEPBIND: no json-c column */
	fprintf(stderr, "parse_bench: json-c skipped under ASan\n");
	return false;
#endif
	void *h = dlopen("libjson-c.so.5", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (!h) {
		fprintf(stderr, "parse_bench: %s\n", dlerror());
		return false;
	}
#define SYM(field, name)                                                       \
	do {                                                                   \
		void *p = dlsym(h, name);                                      \
		if (!p)                                                        \
			return false;                                          \
		memcpy(&jc.field, &p, sizeof p);                               \
	} while (0)
	SYM(get_type, "json_object_get_type");
	SYM(get_object, "json_object_get_object");
	SYM(array_length, "json_object_array_length");
	SYM(array_get_idx, "json_object_array_get_idx");
	SYM(get_string_len, "json_object_get_string_len");
	SYM(get_int64, "json_object_get_int64");
	SYM(get_double, "json_object_get_double");
	SYM(get_boolean, "json_object_get_boolean");
	SYM(put, "json_object_put");
	SYM(tokener_new, "json_tokener_new");
	SYM(tokener_reset, "json_tokener_reset");
	SYM(parse_ex, "json_tokener_parse_ex");
#undef SYM
	return true;
}

static void walk_jsonc(struct json_object *j, uint64_t *sum)
{
	switch (jc.get_type(j)) {
	case json_type_object:
		for (struct lh_entry *e = jc.get_object(j)->head; e;
		     e = lh_entry_next(e)) {
			*sum += strlen((const char *)lh_entry_k(e));
			walk_jsonc((struct json_object *)lh_entry_v(e), sum);
		}
		break;
	case json_type_array:
		for (size_t i = 0; i < jc.array_length(j); i++)
			walk_jsonc(jc.array_get_idx(j, i), sum);
		break;
	case json_type_string:
		*sum += (uint64_t)jc.get_string_len(j);
		break;
	case json_type_int:
		*sum += (uint64_t)jc.get_int64(j) & 0xff;
		break;
	case json_type_double:
		*sum += jc.get_double(j) != 0.0;
		break;
	case json_type_boolean:
		*sum += jc.get_boolean(j) ? 1 : 0;
		break;
	case json_type_null:
		break;
	}
	*sum += 1;
}

static struct json_tokener *tok;
static int opened; /* 0 not yet, 1 ok, -1 failed */

bool bench_jsonc_parse(const char *text, size_t len, uint64_t *sum)
{
	if (!opened)
		opened = jc_open() ? 1 : -1;
	if (opened < 0)
		return false;
	if (!tok && !(tok = jc.tokener_new()))
		return false;
	jc.tokener_reset(tok);
	struct json_object *j = jc.parse_ex(tok, text, (int)len);
	if (!j)
		return false;
	walk_jsonc(j, sum);
	jc.put(j);
	return true;
}
