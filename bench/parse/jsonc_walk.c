/*
 * jsonc_walk.c - the json-c column of bench/parse_bench (its own file:
 * json-c's and jansson's headers both declare json_object_get).
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

bool bench_jsonc_parse(const char *text, size_t len, uint64_t *sum);

static void walk_jsonc(struct json_object *j, uint64_t *sum)
{
	switch (json_object_get_type(j)) {
	case json_type_object: {
		json_object_object_foreach(j, k, v)
		{
			*sum += strlen(k);
			walk_jsonc(v, sum);
		}
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(j); i++)
			walk_jsonc(json_object_array_get_idx(j, i), sum);
		break;
	case json_type_string:
		*sum += (uint64_t)json_object_get_string_len(j);
		break;
	case json_type_int:
		*sum += (uint64_t)json_object_get_int64(j) & 0xff;
		break;
	case json_type_double:
		*sum += json_object_get_double(j) != 0.0;
		break;
	case json_type_boolean:
		*sum += json_object_get_boolean(j) ? 1 : 0;
		break;
	case json_type_null:
		break;
	}
	*sum += 1;
}

static struct json_tokener *tok;

bool bench_jsonc_parse(const char *text, size_t len, uint64_t *sum)
{
	if (!tok && !(tok = json_tokener_new()))
		return false;
	json_tokener_reset(tok);
	struct json_object *j = json_tokener_parse_ex(tok, text, (int)len);
	if (!j)
		return false;
	walk_jsonc(j, sum);
	json_object_put(j);
	return true;
}

