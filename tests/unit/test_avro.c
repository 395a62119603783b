/*
 * test_avro.c - the topic contracts generated from the field tables
 * (model/schema.c) and the Avro encoding of clean records (model/avro.c),
 * without servers: the schemas are valid (libavro parses the Avro ones,
 * jansson the JSON ones), name every member to_json writes and nothing
 * else, and records of the fixtures survive encode -> decode unchanged
 * (their to_json is equal), in the Confluent framing; a schema that does
 * not fit the rows is refused naming the field, a later schema with an
 * added nullable field encodes (null there).
 */
#include "model/model.h"
#include "proc/proc.h"
#include "test.h"
#include "test_data.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *schema_text(enum sk_model_schema which, bool json_schema)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	sk_err_t rc = json_schema ? sk_model_schema_json(which, &b)
				  : sk_model_schema_avro(which, &b);
	CHECK_INT(rc, SK_OK);
	return sk_buf_steal(&b);
}

/* The clean records of a fixture response (parsed and cleaned). */
static size_t fixture(const char *name, struct sk_warning **out, size_t max)
{
	size_t len = 0, n = 0, got = 0;
	char *body = read_data(name, &len);
	struct sk_raw_item *items = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_model_split_array(body, len, 0, 0, &items, &n, &err),
		  SK_OK);
	for (size_t i = 0; i < n && got < max; i++) {
		struct sk_warning *w = NULL;
		if (sk_proc_map(items[i].json, items[i].json_len, &w, &err) ==
		    SK_OK)
			out[got++] = w;
		else
			sk_warning_free(w);
	}
	sk_model_raw_items_free(items, n);
	free(body);
	CHECK(got > 0);
	return got;
}

static char *to_json(const struct sk_warning *w)
{
	char *j = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_model_warning_to_json(w, &j, &err), SK_OK);
	return j;
}

/* Every key of the object o is a property of the JSON Schema object s and
 * the other way round; recursing into objects and arrays of objects. */
static void check_keys(json_t *s, json_t *o, const char *path)
{
	json_t *props = json_object_get(s, "properties");
	CHECK(props != NULL);
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		json_t *p = json_object_get(props, k);
		if (!p)
			fprintf(stderr, "%s%s not in the JSON Schema\n", path,
				k);
		CHECK(p != NULL);
		if (!p)
			continue;
		if (json_is_object(v))
			check_keys(p, v, k);
		if (json_is_array(v) && json_array_size(v) &&
		    json_is_object(json_array_get(v, 0)))
			check_keys(json_object_get(p, "items"),
				   json_array_get(v, 0), k);
	}
	json_object_foreach(props, k, v)
	{
		CHECK(json_object_get(o, k) != NULL);
	}
	CHECK_INT(json_array_size(json_object_get(s, "required")),
		  json_object_size(props));
}

static void test_schemas_parse(void)
{
	for (int w = 0; w < 2; w++) {
		char *avro = schema_text((enum sk_model_schema)w, false);
		char *js = schema_text((enum sk_model_schema)w, true);
		json_error_t je;
		json_t *a = json_loads(avro, 0, &je),
		       *j = json_loads(js, 0, &je);
		CHECK(a != NULL && j != NULL);
		CHECK_STR(json_string_value(json_object_get(a, "namespace")),
			  SK_MODEL_SCHEMA_NS);
		CHECK_STR(json_string_value(json_object_get(a, "name")),
			  sk_model_schema_name((enum sk_model_schema)w));
		struct sk_model_avro *enc = NULL;
		struct sk_error err = {0};
		CHECK_INT(sk_model_avro_new(avro, &enc, &err), SK_OK);
		sk_model_avro_free(enc);
		json_decref(a);
		json_decref(j);
		free(avro);
		free(js);
	}
}

/* Logical types and nullability of a few rows, as the tables say. */
static void test_avro_types(void)
{
	char *avro = schema_text(SK_SCHEMA_CLEAN, false);
	json_error_t je;
	json_t *a = json_loads(avro, 0, &je);
	json_t *fields = json_object_get(a, "fields");
	size_t i;
	json_t *f;
	int seen = 0;
	json_array_foreach(fields, i, f)
	{
		const char *name =
			json_string_value(json_object_get(f, "name"));
		json_t *t = json_object_get(f, "type");
		CHECK(json_is_string(json_object_get(f, "doc")));
		if (!strcmp(name, "valid_date")) {
			CHECK_STR(json_string_value(
					  json_object_get(t, "logicalType")),
				  "date");
			seen++;
		} else if (!strcmp(name, "publish_time")) {
			CHECK(json_is_array(t));
			CHECK_STR(json_string_value(json_array_get(t, 0)),
				  "null");
			CHECK_STR(json_string_value(
					  json_object_get(json_array_get(t, 1),
							  "logicalType")),
				  "timestamp-millis");
			CHECK(json_is_null(json_object_get(f, "default")));
			seen++;
		} else if (!strcmp(name, "region_id")) {
			CHECK_STR(json_string_value(t), "int");
			seen++;
		} else if (!strcmp(name, "reg_id")) {
			CHECK_STR(json_string_value(t), "long");
			seen++;
		} else if (!strcmp(name, "mountain_weather")) {
			CHECK(json_is_array(t));
			CHECK_STR(json_string_value(
					  json_object_get(json_array_get(t, 1),
							  "type")),
				  "record");
			seen++;
		} else if (!strcmp(name, "problems")) {
			CHECK_STR(json_string_value(json_object_get(t, "type")),
				  "array");
			seen++;
		}
	}
	CHECK_INT(seen, 6);
	json_decref(a);
	free(avro);
}

/* The JSON Schema names exactly the members to_json writes. */
static void test_json_schema_keys(void)
{
	struct sk_warning *ws[64];
	size_t n = fixture("detail_en.json", ws, 64);
	char *js = schema_text(SK_SCHEMA_CLEAN, true);
	json_error_t je;
	json_t *s = json_loads(js, 0, &je);
	bool weather = false, problems = false;
	for (size_t i = 0; i < n; i++) {
		char *j = to_json(ws[i]);
		json_t *o = json_loads(j, 0, &je);
		CHECK(o != NULL);
		check_keys(s, o, "");
		weather |=
			json_is_object(json_object_get(o, "mountain_weather"));
		problems |= json_array_size(json_object_get(o, "problems")) > 0;
		json_decref(o);
		free(j);
		sk_warning_free(ws[i]);
	}
	CHECK(weather && problems); /* the fixture reaches the nested rows */
	json_decref(s);
	free(js);
}

static void roundtrip(const char *file)
{
	struct sk_warning *ws[64];
	size_t n = fixture(file, ws, 64);
	char *avro = schema_text(SK_SCHEMA_CLEAN, false);
	struct sk_model_avro *enc = NULL;
	struct sk_error err = {0};
	CHECK_INT(sk_model_avro_new(avro, &enc, &err), SK_OK);
	for (size_t i = 0; i < n; i++) {
		struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
		CHECK_INT(sk_model_warning_to_avro(enc, 258 + (int32_t)i, ws[i],
						   &b, &err),
			  SK_OK);
		CHECK(b.len > SK_MODEL_AVRO_HEADER);
		CHECK_INT((unsigned char)b.data[0], 0);
		CHECK_INT((unsigned char)b.data[3], 1);
		CHECK_INT(sk_model_avro_schema_id(b.data, b.len), 258 + (int)i);
		/* reg_id is the first field: a zigzag varint */
		int64_t reg = 0;
		unsigned shift = 0;
		for (size_t k = SK_MODEL_AVRO_HEADER; k < b.len; k++) {
			unsigned char c = (unsigned char)b.data[k];
			reg |= (int64_t)(c & 0x7f) << shift;
			shift += 7;
			if (!(c & 0x80))
				break;
		}
		reg = (int64_t)((uint64_t)reg >> 1) ^ -(reg & 1);
		CHECK_INT(reg, ws[i]->reg_id);
		struct sk_warning *back = NULL;
		CHECK_INT(sk_model_warning_from_avro(enc, b.data, b.len, &back,
						     &err),
			  SK_OK);
		char *j1 = to_json(ws[i]), *j2 = back ? to_json(back) : NULL;
		CHECK_STR(j2, j1);
		/* smaller than the JSON */
		CHECK(b.len < strlen(j1));
		free(j1);
		free(j2);
		sk_warning_free(back);
		sk_buf_free(&b);
		sk_warning_free(ws[i]);
	}
	sk_model_avro_free(enc);
	free(avro);
}

static void test_roundtrip(void)
{
	roundtrip("detail_en.json");
	roundtrip("simple_nb.json");
	roundtrip("not_assessed.json");
}

/* Replace the first occurrence of from in s by to (s malloc'd). */
static char *replace(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);
	CHECK(p != NULL);
	if (!p)
		return s;
	size_t a = (size_t)(p - s), fl = strlen(from), tl = strlen(to);
	char *r = malloc(strlen(s) - fl + tl + 1);
	memcpy(r, s, a);
	memcpy(r + a, to, tl);
	strcpy(r + a + tl, p + fl);
	free(s);
	return r;
}

static void test_evolved_schemas(void)
{
	struct sk_warning *ws[4];
	size_t n = fixture("detail_en.json", ws, 4);
	struct sk_error err = {0};
	struct sk_model_avro *enc = NULL;
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);

	/* a later version: a nullable field added -> null there */
	char *s = schema_text(SK_SCHEMA_CLEAN, false);
	s = replace(s, "\"fields\":[",
		    "\"fields\":[{\"name\":\"extra\",\"type\":[\"null\","
		    "\"string\"],\"default\":null},");
	CHECK_INT(sk_model_avro_new(s, &enc, &err), SK_OK);
	CHECK_INT(sk_model_warning_to_avro(enc, 2, ws[0], &b, &err), SK_OK);
	CHECK_INT((unsigned char)b.data[SK_MODEL_AVRO_HEADER], 0); /* null */
	sk_model_avro_free(enc);
	free(s);

	/* a required field the rows cannot fill: refused, named */
	s = schema_text(SK_SCHEMA_CLEAN, false);
	s = replace(s, "\"fields\":[",
		    "\"fields\":[{\"name\":\"extra\",\"type\":\"string\"},");
	CHECK_INT(sk_model_avro_new(s, &enc, &err), SK_OK);
	sk_buf_reset(&b);
	CHECK_INT(sk_model_warning_to_avro(enc, 2, ws[0], &b, &err),
		  SK_ERR_INVAL);
	CHECK(strstr(err.msg, "extra") != NULL);
	sk_model_avro_free(enc);
	free(s);

	/* a retyped field: refused, named */
	s = schema_text(SK_SCHEMA_CLEAN, false);
	s = replace(s, "{\"name\":\"region_id\",\"type\":\"int\"",
		    "{\"name\":\"region_id\",\"type\":\"string\"");
	CHECK_INT(sk_model_avro_new(s, &enc, &err), SK_OK);
	sk_buf_reset(&b);
	CHECK_INT(sk_model_warning_to_avro(enc, 2, ws[0], &b, &err),
		  SK_ERR_INVAL);
	CHECK(strstr(err.msg, "region_id") != NULL);
	sk_model_avro_free(enc);
	free(s);

	/* not Avro */
	CHECK_INT(sk_model_avro_new("{\"type\":\"nope\"}", &enc, &err),
		  SK_ERR_PARSE);
	CHECK(enc == NULL);
	/* not framed */
	struct sk_warning *back = NULL;
	CHECK_INT(sk_model_warning_from_avro(enc, "\1\0\0\0\1x", 6, &back,
					     &err),
		  SK_ERR_PARSE);
	CHECK_INT(sk_model_avro_schema_id("\0\0\0", 3), -1);
	sk_buf_free(&b);
	for (size_t i = 0; i < n; i++)
		sk_warning_free(ws[i]);
}

int main(void)
{
	test_schemas_parse();
	test_avro_types();
	test_json_schema_keys();
	test_roundtrip();
	test_evolved_schemas();
	TEST_DONE();
}
