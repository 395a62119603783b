/*
 * schema.c - the contracts of the topics, generated from the field tables
 * (fields.c) so they are never written a second time by hand: an Avro
 * schema and a JSON Schema for the clean record (what
 * sk_model_warning_to_json writes, member for member, in its order) and for
 * the dead-letter envelope (the headers job/ puts on a dead letter).
 *
 * Types: INT int / integer, INT64 long / integer, BOOL and TRI boolean, TEXT
 * string, DATE Avro int with logicalType date (days since 1970-01-01) /
 * string format date, TIME Avro long with logicalType timestamp-millis (the
 * UTC instant) / string format date-time (sk_time_format_utc text), LIST an
 * array of the child table's record, the SK_FIELD_GROUP row a nullable
 * record of its group's rows. A row is nullable (an Avro union with null
 * first and a null default, so adding one is a BACKWARD-compatible change)
 * when its column may be NULL (SK_FIELD_NULLABLE) or it is the group.
 * The JSON Schema also lets an integer without a guaranteed value (not
 * required by the parser, not set by cleaning) be null: to_json writes the
 * absent -1 as null, where Avro carries it as stored.
 *
 * Output only; no I/O. avro.c encodes records with the Avro schema.
 */
#include "model/model.h"

#include <string.h>

/* The rows of t to_json writes, in its order: group true gives the
 * SK_FIELD_IN_GROUP rows (the group's object), false the others. */
static const struct sk_field *json_row(const struct sk_table *t, unsigned pos,
				       bool group)
{
	unsigned want = group ? SK_FIELD_IN_GROUP : 0;
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct sk_field *f = &t->rows[i];
		if (f->json_pos == pos &&
		    (f->flags & SK_FIELD_IN_GROUP) == want &&
		    !(f->flags & SK_FIELD_NOJSON))
			return f;
	}
	return NULL;
}

bool sk_model_schema_nullable(const struct sk_field *f)
{
	return (f->flags & (SK_FIELD_NULLABLE | SK_FIELD_GROUP)) != 0;
}

/* The record names (Avro named types must be unique in a schema). */
static const char *record_name(const struct sk_table *t)
{
	return !strncmp(t->record, "sk_", 3) ? t->record + 3 : t->record;
}

static void str(struct sk_buf *o, const char *s)
{
	(void)sk_model_json_string(o, s);
}

/* ------------------------------------------------------------ Avro */

static void avro_record(struct sk_buf *o, const struct sk_table *t,
			const char *name, const char *doc, bool group,
			const struct sk_field *grp);

static void avro_type(struct sk_buf *o, const struct sk_table *t,
		      const struct sk_field *f)
{
	switch (f->kind) {
	case SK_FIELD_INT:
		(void)sk_buf_puts(o, "\"int\"");
		break;
	case SK_FIELD_INT64:
		(void)sk_buf_puts(o, "\"long\"");
		break;
	case SK_FIELD_BOOL:
		if (f->flags & SK_FIELD_GROUP)
			avro_record(o, t, sk_model_field_json_name(f), f->doc,
				    true, f);
		else
			(void)sk_buf_puts(o, "\"boolean\"");
		break;
	case SK_FIELD_TRI:
		(void)sk_buf_puts(o, "\"boolean\"");
		break;
	case SK_FIELD_TEXT:
		(void)sk_buf_puts(o, "\"string\"");
		break;
	case SK_FIELD_DATE:
		(void)sk_buf_puts(o, "{\"type\":\"int\",\"logicalType\":"
				     "\"date\"}");
		break;
	case SK_FIELD_TIME:
		(void)sk_buf_puts(o, "{\"type\":\"long\",\"logicalType\":"
				     "\"timestamp-millis\"}");
		break;
	case SK_FIELD_LIST:
		(void)sk_buf_puts(o, "{\"type\":\"array\",\"items\":");
		avro_record(o, f->child, record_name(f->child), f->child->doc,
			    false, NULL);
		(void)sk_buf_puts(o, "}");
		break;
	}
}

static void avro_record(struct sk_buf *o, const struct sk_table *t,
			const char *name, const char *doc, bool group,
			const struct sk_field *grp)
{
	(void)sk_buf_puts(o, "{\"type\":\"record\",\"name\":");
	str(o, name);
	if (t == &sk_model_warning_table && !group)
		(void)sk_buf_puts(o,
				  ",\"namespace\":\"" SK_MODEL_SCHEMA_NS "\"");
	(void)sk_buf_puts(o, ",\"doc\":");
	str(o, doc);
	(void)sk_buf_puts(o, ",\"fields\":[");
	bool first = true;
	for (unsigned pos = 1; pos <= t->n_rows; pos++) {
		const struct sk_field *f = json_row(t, pos, group);
		if (!f)
			continue;
		if (!first)
			(void)sk_buf_puts(o, ",");
		first = false;
		bool null = sk_model_schema_nullable(f);
		(void)sk_buf_puts(o, "{\"name\":");
		str(o, sk_model_field_json_name(f));
		(void)sk_buf_puts(o, ",\"type\":");
		if (null)
			(void)sk_buf_puts(o, "[\"null\",");
		avro_type(o, t, f);
		if (null)
			(void)sk_buf_puts(o, "],\"default\":null");
		(void)sk_buf_puts(o, ",\"doc\":");
		str(o, f->doc);
		(void)sk_buf_puts(o, "}");
	}
	(void)sk_buf_puts(o, "]}");
	(void)grp;
}

/* ------------------------------------------------------ JSON Schema */

static void js_object(struct sk_buf *o, const struct sk_table *t,
		      const char *doc, bool group, bool null);

static bool js_nullable(const struct sk_field *f)
{
	if (sk_model_schema_nullable(f) || f->kind == SK_FIELD_TEXT ||
	    f->kind == SK_FIELD_TRI)
		return true;
	return (f->kind == SK_FIELD_INT || f->kind == SK_FIELD_INT64) &&
	       !(f->flags & (SK_FIELD_REQUIRED | SK_FIELD_CLEANED));
}

static void js_type(struct sk_buf *o, const char *type, bool null)
{
	(void)sk_buf_printf(o,
			    null ? "\"type\":[\"%s\",\"null\"]"
				 : "\"type\":\"%s\"",
			    type);
}

static void js_field(struct sk_buf *o, const struct sk_table *t,
		     const struct sk_field *f)
{
	bool null = js_nullable(f);
	if (f->kind == SK_FIELD_BOOL && (f->flags & SK_FIELD_GROUP)) {
		js_object(o, t, f->doc, true, true);
		return;
	}
	(void)sk_buf_puts(o, "{");
	switch (f->kind) {
	case SK_FIELD_INT:
	case SK_FIELD_INT64:
		js_type(o, "integer", null);
		break;
	case SK_FIELD_BOOL:
	case SK_FIELD_TRI:
		js_type(o, "boolean", null);
		break;
	case SK_FIELD_TEXT:
		js_type(o, "string", null);
		break;
	case SK_FIELD_DATE:
		js_type(o, "string", null);
		(void)sk_buf_puts(o, ",\"format\":\"date\"");
		break;
	case SK_FIELD_TIME:
		js_type(o, "string", null);
		(void)sk_buf_puts(o, ",\"format\":\"date-time\"");
		break;
	case SK_FIELD_LIST:
		js_type(o, "array", false);
		(void)sk_buf_printf(o,
				    ",\"maxItems\":%zu,\"items\":", f->limit);
		js_object(o, f->child, f->child->doc, false, false);
		break;
	}
	(void)sk_buf_puts(o, ",\"description\":");
	str(o, f->doc);
	(void)sk_buf_puts(o, "}");
}

static void js_object(struct sk_buf *o, const struct sk_table *t,
		      const char *doc, bool group, bool null)
{
	(void)sk_buf_puts(o, "{");
	js_type(o, "object", null);
	(void)sk_buf_puts(o, ",\"description\":");
	str(o, doc);
	(void)sk_buf_puts(o, ",\"properties\":{");
	bool first = true;
	for (unsigned pos = 1; pos <= t->n_rows; pos++) {
		const struct sk_field *f = json_row(t, pos, group);
		if (!f)
			continue;
		if (!first)
			(void)sk_buf_puts(o, ",");
		first = false;
		str(o, sk_model_field_json_name(f));
		(void)sk_buf_puts(o, ":");
		js_field(o, t, f);
	}
	(void)sk_buf_puts(o, "},\"required\":[");
	first = true;
	for (unsigned pos = 1; pos <= t->n_rows; pos++) {
		const struct sk_field *f = json_row(t, pos, group);
		if (!f)
			continue;
		if (!first)
			(void)sk_buf_puts(o, ",");
		first = false;
		str(o, sk_model_field_json_name(f));
	}
	(void)sk_buf_puts(o, "]}");
}

/* ------------------------------------------------- dead-letter envelope */

/* A dead letter on the bus: the key and value of the record as they were
 * (the raw API bytes), and headers saying why (job/job.c writes them). */
static const struct {
	const char *name;
	const char *avro;  /* Avro type */
	const char *jtype; /* JSON Schema type */
	bool null;
	const char *doc;
} dead_rows[] = {
	{"key", "\"string\"", "\"string\"", false,
	 "message key `<region_id>:<lang_key>:<YYYY-MM-DD>` (`?` for a part "
	 "that could not be read)"},
	{"value", "\"bytes\"", "\"string\"", false,
	 "the message value exactly as received (the API element's bytes)"},
	{"reason", "\"string\"", "\"string\"", false,
	 "header `reason`: why, one sentence"},
	{"error", "\"string\"", "\"string\"", false,
	 "header `error`: the kind (`parse`, `validate`, `limit` from "
	 "processing; `misrouted`, `out_of_range`, `duplicate_in_response` "
	 "from fetching)"},
	{"payload_hash", "\"string\"", "\"string\"", false,
	 "header `payload_hash`: 16 hex digits of FNV-1a 64 of the value"},
	{"dedup_id", "\"string\"", "\"string\"", false,
	 "header `dedup_id`: `<key>#<payload_hash>`, the same however often "
	 "the record is replayed"},
	{"dead_lettered_at", "\"string\"", "\"string\"", false,
	 "header `dead_lettered_at`: UTC time text"},
	{"source_topic", "\"string\"", "\"string\"", true,
	 "header `source_topic`: the topic processing read it from"},
	{"source_partition", "\"string\"", "\"string\"", true,
	 "header `source_partition` (decimal)"},
	{"source_offset", "\"string\"", "\"string\"", true,
	 "header `source_offset` (decimal)"},
	{"url", "\"string\"", "\"string\"", true,
	 "header `url`: the API request that returned it"},
	{"fetched_at", "\"string\"", "\"string\"", true,
	 "header `fetched_at`: UTC time text (fetch-time rejections)"},
};
#define N_DEAD (sizeof dead_rows / sizeof dead_rows[0])

static const char dead_doc[] =
	"a dead letter: a record processing could not use, with why";

static void dead_avro(struct sk_buf *o)
{
	(void)sk_buf_puts(o,
			  "{\"type\":\"record\",\"name\":\"dead_letter\","
			  "\"namespace\":\"" SK_MODEL_SCHEMA_NS "\",\"doc\":");
	str(o, dead_doc);
	(void)sk_buf_puts(o, ",\"fields\":[");
	for (size_t i = 0; i < N_DEAD; i++) {
		(void)sk_buf_printf(o, "%s{\"name\":\"%s\",\"type\":",
				    i ? "," : "", dead_rows[i].name);
		if (dead_rows[i].null)
			(void)sk_buf_printf(o, "[\"null\",%s],\"default\":null",
					    dead_rows[i].avro);
		else
			(void)sk_buf_puts(o, dead_rows[i].avro);
		(void)sk_buf_puts(o, ",\"doc\":");
		str(o, dead_rows[i].doc);
		(void)sk_buf_puts(o, "}");
	}
	(void)sk_buf_puts(o, "]}");
}

static void dead_json(struct sk_buf *o)
{
	(void)sk_buf_puts(o, "{\"type\":\"object\",\"description\":");
	str(o, dead_doc);
	(void)sk_buf_puts(o, ",\"properties\":{");
	for (size_t i = 0; i < N_DEAD; i++) {
		(void)sk_buf_printf(o, "%s\"%s\":{", i ? "," : "",
				    dead_rows[i].name);
		js_type(o, "string", dead_rows[i].null);
		(void)sk_buf_puts(o, ",\"description\":");
		str(o, dead_rows[i].doc);
		(void)sk_buf_puts(o, "}");
	}
	(void)sk_buf_puts(o, "},\"required\":[");
	bool first = true;
	for (size_t i = 0; i < N_DEAD; i++) {
		if (dead_rows[i].null)
			continue;
		(void)sk_buf_printf(o, "%s\"%s\"", first ? "" : ",",
				    dead_rows[i].name);
		first = false;
	}
	(void)sk_buf_puts(o, "]}");
}

/* ------------------------------------------------------------ entry */

const char *sk_model_schema_name(enum sk_model_schema which)
{
	return which == SK_SCHEMA_DEAD_LETTER ? "dead_letter"
					      : "avalanche_warning";
}

sk_err_t sk_model_schema_avro(enum sk_model_schema which, struct sk_buf *out)
{
	if (which == SK_SCHEMA_DEAD_LETTER)
		dead_avro(out);
	else
		avro_record(out, &sk_model_warning_table, "avalanche_warning",
			    sk_model_warning_table.doc, false, NULL);
	return sk_buf_finish(out);
}

sk_err_t sk_model_schema_json(enum sk_model_schema which, struct sk_buf *out)
{
	(void)sk_buf_printf(out,
			    "{\"$schema\":\"https://json-schema.org/draft/"
			    "2020-12/schema\",\"$id\":\"urn:" SK_MODEL_SCHEMA_NS
			    ":%s\",\"title\":\"%s\",",
			    sk_model_schema_name(which),
			    sk_model_schema_name(which));
	struct sk_buf body = SK_BUF_INIT(SK_LIMIT_TEXT);
	if (which == SK_SCHEMA_DEAD_LETTER)
		dead_json(&body);
	else
		js_object(&body, &sk_model_warning_table,
			  sk_model_warning_table.doc, false, false);
	sk_err_t rc = sk_buf_finish(&body);
	if (rc == SK_OK)
		(void)sk_buf_append(out, body.data + 1, body.len - 1);
	sk_buf_free(&body);
	return rc != SK_OK ? rc : sk_buf_finish(out);
}
