/*
 * registry.c - a client of the Confluent Schema Registry REST API: what
 * bus.format = avro needs to put the clean topic's schema under a contract
 * (TopicNameStrategy subject "<topic>-value", one id per schema version).
 *
 * Requests go through sk_http_call (http.c, the only file with libcurl),
 * one at a time, each retried on a transport failure, 408, 429 and 5xx
 * with the capped exponential backoff of the fetcher (core/backoff.h).
 * Answers are small JSON objects read with model/'s member reader. Ids
 * are cached per client for (subject, schema): after the first run the
 * registry is not asked again for the same schema.
 *
 * Confluent's registry defaults to BACKWARD compatibility; Apicurio's
 * ccompat API to NONE, so ensure sets the subject's level when the subject
 * has none of its own (GET /config/<subject> answers 404 or 40408).
 */
#include "core/backoff.h"
#include "source/source.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sk_schemareg_levels[] = {"BACKWARD", "BACKWARD_TRANSITIVE",
					   "FORWARD",  "FORWARD_TRANSITIVE",
					   "FULL",     "FULL_TRANSITIVE",
					   "NONE",     NULL};

const struct sk_cfg_def sk_schemareg_cfg[] = {
	{"schema_registry.url", SK_CFG_STR, NULL, 0, 0, 0,
	 "Confluent-compatible Schema Registry base URL for bus.format=avro, "
	 "e.g. http://127.0.0.1:8081 or Apicurio's "
	 "http://127.0.0.1:8081/apis/ccompat/v7 (env "
	 "SKRED_SCHEMA_REGISTRY_URL)",
	 offsetof(struct sk_schemareg_conf, url), NULL},
	{"schema_registry.username", SK_CFG_STR, NULL, 0, 0, 0,
	 "basic auth user (with schema_registry.password)",
	 offsetof(struct sk_schemareg_conf, username), NULL},
	{"schema_registry.password", SK_CFG_STR, NULL, 0, 0, SK_CFG_SENSITIVE,
	 "basic auth password (secret; @FILE reads it from a file)",
	 offsetof(struct sk_schemareg_conf, password), NULL},
	{"schema_registry.ca_file", SK_CFG_STR, NULL, 0, 0, 0,
	 "CA certificates (PEM) to verify the registry's TLS certificate",
	 offsetof(struct sk_schemareg_conf, ca_file), NULL},
	{"schema_registry.cert_file", SK_CFG_STR, NULL, 0, 0, 0,
	 "client certificate (PEM) for TLS client authentication",
	 offsetof(struct sk_schemareg_conf, cert_file), NULL},
	{"schema_registry.key_file", SK_CFG_STR, NULL, 0, 0, 0,
	 "the client certificate's private key (PEM)",
	 offsetof(struct sk_schemareg_conf, key_file), NULL},
	{"schema_registry.insecure", SK_CFG_BOOL, "false", 0, 0, 0,
	 "skip verifying the registry's TLS certificate (tests only)",
	 offsetof(struct sk_schemareg_conf, insecure), NULL},
	{"schema_registry.connect_timeout_ms", SK_CFG_INT, "5000", 100, 600000,
	 0, "connect timeout per registry request",
	 offsetof(struct sk_schemareg_conf, connect_timeout_ms), NULL},
	{"schema_registry.timeout_ms", SK_CFG_INT, "15000", 100, 600000, 0,
	 "total timeout per registry request",
	 offsetof(struct sk_schemareg_conf, timeout_ms), NULL},
	{"schema_registry.attempts", SK_CFG_INT, "5", 1, 100, 0,
	 "attempts per registry request (first try included)",
	 offsetof(struct sk_schemareg_conf, attempts), NULL},
	{"schema_registry.backoff_base_ms", SK_CFG_INT, "500", 0, 600000, 0,
	 "first retry of a registry request waits up to this (full jitter), "
	 "doubling",
	 offsetof(struct sk_schemareg_conf, backoff_base_ms), NULL},
	{"schema_registry.backoff_cap_ms", SK_CFG_INT, "10000", 0, 3600000, 0,
	 "cap of the delay between registry retries",
	 offsetof(struct sk_schemareg_conf, backoff_cap_ms), NULL},
	{"schema_registry.compatibility", SK_CFG_ENUM, "BACKWARD", 0, 0,
	 SK_CFG_NOCASE,
	 "level set on a subject that has none of its own (Apicurio's default "
	 "is NONE, Confluent's BACKWARD)",
	 offsetof(struct sk_schemareg_conf, compatibility),
	 sk_schemareg_levels},
	SK_CFG_END(struct sk_schemareg_conf),
};

const struct sk_schemareg_conf *sk_schemareg_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_schemareg_cfg);
}

#define ANSWER_MAX (4u << 20)

struct cached {
	char *subject;
	char *schema;
	int32_t id;
};

struct sk_schemareg {
	const struct sk_schemareg_conf *c;
	char base[1024]; /* the URL without a trailing '/' */
	struct sk_buf resp;
	uint64_t rng;
	struct cached *cache;
	size_t n_cache;
};

sk_err_t sk_schemareg_open(const struct sk_schemareg_conf *c,
			   struct sk_schemareg **out, struct sk_error *err)
{
	*out = NULL;
	if (!c->url || !*c->url)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "bus.format=avro needs schema_registry.url "
				    "(env SKRED_SCHEMA_REGISTRY_URL)");
	size_t n = strlen(c->url);
	while (n && c->url[n - 1] == '/')
		n--;
	if (n >= sizeof((struct sk_schemareg *)0)->base)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "schema_registry.url is too long");
	struct sk_schemareg *r = calloc(1, sizeof *r);
	if (!r)
		return sk_error_set(err, SK_ERR_NOMEM, true, "out of memory");
	r->c = c;
	memcpy(r->base, c->url, n);
	r->base[n] = '\0';
	sk_buf_init(&r->resp, ANSWER_MAX);
	r->rng = (uint64_t)sk_now_ms() | 1;
	*out = r;
	return SK_OK;
}

void sk_schemareg_close(struct sk_schemareg *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_cache; i++) {
		free(r->cache[i].subject);
		free(r->cache[i].schema);
	}
	free(r->cache);
	sk_buf_free(&r->resp);
	free(r);
}

/* The answer's "message" (Confluent's error body), else its text cut. */
static void answer_message(struct sk_schemareg *r, char *out, size_t n)
{
	struct sk_json_member m;
	struct sk_error e = {0};
	out[0] = '\0';
	if (!r->resp.len)
		return;
	if (sk_model_json_member(r->resp.data, r->resp.len, "message", &m,
				 &e) == SK_OK &&
	    m.type == SK_JSON_STRING) {
		snprintf(out, n, "%s", m.s);
		free(m.s);
		return;
	}
	free(m.s);
	snprintf(out, n, "%.*s", (int)(r->resp.len < 300 ? r->resp.len : 300),
		 r->resp.data);
}

/* One request, retried; SK_OK with *status for any final answer. */
static sk_err_t call(struct sk_schemareg *r, const char *method,
		     const char *path, const char *body, long *status,
		     struct sk_error *err)
{
	char url[2048];
	snprintf(url, sizeof url, "%s%s", r->base, path);
	const struct sk_schemareg_conf *c = r->c;
	struct sk_http_call hc = {
		.method = method,
		.url = url,
		.body = body,
		.content_type = body ? "application/vnd.schemaregistry.v1+json"
				     : NULL,
		.username = c->username,
		.password = c->password,
		.ca_file = c->ca_file,
		.cert_file = c->cert_file,
		.key_file = c->key_file,
		.insecure = c->insecure,
		.connect_timeout_ms = (long)c->connect_timeout_ms,
		.timeout_ms = (long)c->timeout_ms,
		.user_agent = "skred/" SKRED_VERSION,
	};
	sk_err_t rc = SK_OK;
	for (unsigned a = 0; a < (unsigned)c->attempts; a++) {
		if (a) {
			int64_t d = sk_backoff_ms(a - 1, c->backoff_base_ms,
						  c->backoff_cap_ms, &r->rng);
			sk_log(SK_LOG_DEBUG, "registry",
			       "%s %s: retry %u in %lld ms: %s", method, path,
			       a, (long long)d, err->msg);
			int64_t until = sk_mono_ms() + d;
			while (!sk_stop_requested() && sk_mono_ms() < until)
				sk_sleep_ms(until - sk_mono_ms() < 100
						    ? until - sk_mono_ms()
						    : 100);
			if (sk_stop_requested())
				return sk_error_set(err, SK_ERR_INTERRUPTED,
						    false, "stopped");
		}
		rc = sk_http_call(&hc, status, &r->resp, err);
		if (rc == SK_OK &&
		    (*status == 408 || *status == 429 || *status >= 500)) {
			char msg[256];
			answer_message(r, msg, sizeof msg);
			rc = sk_error_set(err, SK_ERR_HTTP, true,
					  "HTTP %ld%s%s", *status,
					  *msg ? ": " : "", msg);
			continue;
		}
		if (rc == SK_OK || !err->retriable)
			break;
	}
	if (rc != SK_OK)
		sk_error_prefix(err,
				"schema registry %s: %s %s failed after %lld "
				"attempts",
				r->base, method, path, (long long)c->attempts);
	return rc;
}

/* err <- an unexpected answer to method path. */
static sk_err_t unexpected(struct sk_schemareg *r, const char *what,
			   long status, struct sk_error *err)
{
	char msg[512];
	answer_message(r, msg, sizeof msg);
	return sk_error_set(err, SK_ERR_HTTP, false,
			    "schema registry %s: %s answered HTTP %ld%s%s",
			    r->base, what, status, *msg ? ": " : "", msg);
}

/* Integer member key of the answer, -1 when there is none. */
static int64_t answer_int(struct sk_schemareg *r, const char *key)
{
	struct sk_json_member m;
	struct sk_error e = {0};
	if (!r->resp.len || sk_model_json_member(r->resp.data, r->resp.len, key,
						 &m, &e) != SK_OK)
		return -1;
	free(m.s);
	return m.type == SK_JSON_INT ? m.i : -1;
}

/* {"schema": "<schema>"} (schemaType AVRO is the default). */
static char *schema_body(const char *schema, struct sk_error *err)
{
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	(void)sk_buf_puts(&b, "{\"schema\":");
	(void)sk_model_json_string(&b, schema);
	(void)sk_buf_puts(&b, "}");
	char *s = sk_buf_steal(&b);
	if (!s)
		sk_error_set(err, SK_ERR_NOMEM, true,
			     "schema too large or out of memory");
	return s;
}

/* A subject as a URL path segment (Kafka topic names need no escaping
 * beyond what is refused here). */
static sk_err_t subject_ok(const char *subject, struct sk_error *err)
{
	for (const char *p = subject; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "subject '%s': only letters, "
					    "digits, '.', '_' and '-'",
					    subject);
	return *subject ? SK_OK
			: sk_error_set(err, SK_ERR_CONFIG, false,
				       "empty subject");
}

sk_err_t sk_schemareg_lookup(struct sk_schemareg *r, const char *subject,
			     const char *schema, int32_t *id, int *version,
			     struct sk_error *err)
{
	char path[512];
	long st = 0;
	if (subject_ok(subject, err) != SK_OK)
		return err->code;
	char *body = schema_body(schema, err);
	if (!body)
		return err->code;
	snprintf(path, sizeof path, "/subjects/%s", subject);
	sk_err_t rc = call(r, "POST", path, body, &st, err);
	free(body);
	if (rc != SK_OK)
		return rc;
	if (st == 404)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "schema is not a version of %s", subject);
	if (st != 200 || answer_int(r, "id") < 0)
		return unexpected(r, "looking up the schema", st, err);
	*id = (int32_t)answer_int(r, "id");
	if (version)
		*version = (int)answer_int(r, "version");
	return SK_OK;
}

sk_err_t sk_schemareg_schema(struct sk_schemareg *r, int32_t id, char **schema,
			     struct sk_error *err)
{
	char path[64];
	long st = 0;
	*schema = NULL;
	snprintf(path, sizeof path, "/schemas/ids/%ld", (long)id);
	if (call(r, "GET", path, NULL, &st, err) != SK_OK)
		return err->code;
	if (st == 404)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "schema registry %s has no schema id %ld",
				    r->base, (long)id);
	struct sk_json_member m = {0};
	if (st != 200 ||
	    sk_model_json_member(r->resp.data, r->resp.len, "schema", &m,
				 err) != SK_OK ||
	    m.type != SK_JSON_STRING) {
		free(m.s);
		return unexpected(r, "fetching a schema by id", st, err);
	}
	*schema = m.s;
	return SK_OK;
}

sk_err_t sk_schemareg_check(struct sk_schemareg *r, const char *subject,
			    const char *schema, bool *ok, char *why,
			    size_t why_len, struct sk_error *err)
{
	char path[512];
	long st = 0;
	*ok = false;
	if (why_len)
		why[0] = '\0';
	if (subject_ok(subject, err) != SK_OK)
		return err->code;
	char *body = schema_body(schema, err);
	if (!body)
		return err->code;
	snprintf(path, sizeof path,
		 "/compatibility/subjects/%s/versions/latest?verbose=true",
		 subject);
	sk_err_t rc = call(r, "POST", path, body, &st, err);
	free(body);
	if (rc != SK_OK)
		return rc;
	if (st == 404) { /* no subject or no version yet */
		*ok = true;
		return SK_OK;
	}
	struct sk_json_member m = {0};
	if (st != 200 ||
	    sk_model_json_member(r->resp.data, r->resp.len, "is_compatible", &m,
				 err) != SK_OK ||
	    (m.type != SK_JSON_TRUE && m.type != SK_JSON_FALSE)) {
		free(m.s);
		return unexpected(r, "checking compatibility", st, err);
	}
	*ok = m.type == SK_JSON_TRUE;
	if (!*ok && why_len) {
		/* "messages" (Confluent, verbose): quoted as it came */
		const char *p = r->resp.len
					? strstr(r->resp.data, "\"messages\"")
					: NULL;
		snprintf(why, why_len, "%s", p ? p : "");
	}
	return SK_OK;
}

/* Give subject a compatibility level when it has none of its own. */
static sk_err_t ensure_level(struct sk_schemareg *r, const char *subject,
			     struct sk_error *err)
{
	char path[512], body[128];
	long st = 0;
	snprintf(path, sizeof path, "/config/%s", subject);
	if (call(r, "GET", path, NULL, &st, err) != SK_OK)
		return err->code;
	if (st == 200)
		return SK_OK;
	if (st != 404)
		return unexpected(r, "reading the subject's compatibility", st,
				  err);
	const char *level = sk_schemareg_levels[r->c->compatibility];
	snprintf(body, sizeof body, "{\"compatibility\":\"%s\"}", level);
	if (call(r, "PUT", path, body, &st, err) != SK_OK)
		return err->code;
	if (st != 200)
		return unexpected(r, "setting the subject's compatibility", st,
				  err);
	sk_log(SK_LOG_INFO, "registry", "subject %s: compatibility set to %s",
	       subject, level);
	return SK_OK;
}

sk_err_t sk_schemareg_ensure(struct sk_schemareg *r, const char *subject,
			     const char *schema, int32_t *id,
			     struct sk_error *err)
{
	for (size_t i = 0; i < r->n_cache; i++)
		if (!strcmp(r->cache[i].subject, subject) &&
		    !strcmp(r->cache[i].schema, schema)) {
			*id = r->cache[i].id;
			return SK_OK;
		}
	if (subject_ok(subject, err) != SK_OK ||
	    ensure_level(r, subject, err) != SK_OK)
		return err->code;
	bool ok = false;
	char why[512];
	if (sk_schemareg_check(r, subject, schema, &ok, why, sizeof why, err) !=
	    SK_OK)
		return err->code;
	if (!ok)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "schema registry %s refuses the schema "
				    "of subject %s: not compatible with its "
				    "latest version (%s)%s%s",
				    r->base, subject,
				    sk_schemareg_levels[r->c->compatibility],
				    *why ? ": " : "", why);
	char path[512];
	long st = 0;
	char *body = schema_body(schema, err);
	if (!body)
		return err->code;
	snprintf(path, sizeof path, "/subjects/%s/versions", subject);
	sk_err_t rc = call(r, "POST", path, body, &st, err);
	free(body);
	if (rc != SK_OK)
		return rc;
	if (st == 409) {
		char msg[512];
		answer_message(r, msg, sizeof msg);
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "schema registry %s refuses the schema "
				    "of subject %s as incompatible: %s",
				    r->base, subject, msg);
	}
	if (st != 200 || answer_int(r, "id") < 0)
		return unexpected(r, "registering the schema", st, err);
	*id = (int32_t)answer_int(r, "id");
	struct cached *c = realloc(r->cache,
				   (r->n_cache + 1) * sizeof *r->cache);
	if (c) {
		r->cache = c;
		c[r->n_cache].subject = sk_strdup(subject);
		c[r->n_cache].schema = sk_strdup(schema);
		c[r->n_cache].id = *id;
		if (c[r->n_cache].subject && c[r->n_cache].schema)
			r->n_cache++;
		else {
			free(c[r->n_cache].subject);
			free(c[r->n_cache].schema);
		}
	}
	sk_log(SK_LOG_INFO, "registry", "subject %s: schema id %ld", subject,
	       (long)*id);
	return SK_OK;
}

/* ------------------------------------------------------------- listing */

/* The answer of GET path as a JSON array (*a, *n), SK_ERR_NOTFOUND for a
 * 404. */
static sk_err_t get_array(struct sk_schemareg *r, const char *path,
			  struct sk_json_member **a, size_t *n,
			  struct sk_error *err)
{
	long status = 0;
	*a = NULL;
	*n = 0;
	if (call(r, "GET", path, NULL, &status, err) != SK_OK)
		return err->code;
	if (status == 404)
		return sk_error_set(err, SK_ERR_NOTFOUND, false,
				    "schema registry %s: %s: not found",
				    r->base, path);
	if (status != 200)
		return unexpected(r, path, status, err);
	if (sk_model_json_array(r->resp.data, r->resp.len, a, n, err) !=
	    SK_OK) {
		sk_error_prefix(err, "schema registry %s: %s", r->base, path);
		return err->code;
	}
	return SK_OK;
}

sk_err_t sk_schemareg_subjects(struct sk_schemareg *r, char ***out, size_t *n,
			       struct sk_error *err)
{
	struct sk_json_member *a = NULL;
	size_t na = 0;
	*out = NULL;
	*n = 0;
	if (get_array(r, "/subjects", &a, &na, err) != SK_OK)
		return err->code;
	sk_err_t rc = SK_OK;
	if (na && !(*out = calloc(na, sizeof **out)))
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	for (size_t i = 0; rc == SK_OK && i < na; i++)
		if (a[i].type == SK_JSON_STRING) {
			(*out)[(*n)++] = a[i].s;
			a[i].s = NULL;
		}
	sk_model_json_array_free(a, na);
	return rc;
}

sk_err_t sk_schemareg_versions(struct sk_schemareg *r, const char *subject,
			       int **out, size_t *n, struct sk_error *err)
{
	char path[400];
	struct sk_json_member *a = NULL;
	size_t na = 0;
	*out = NULL;
	*n = 0;
	if (subject_ok(subject, err) != SK_OK)
		return err->code;
	snprintf(path, sizeof path, "/subjects/%s/versions", subject);
	if (get_array(r, path, &a, &na, err) != SK_OK)
		return err->code;
	sk_err_t rc = SK_OK;
	if (na && !(*out = calloc(na, sizeof **out)))
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	for (size_t i = 0; rc == SK_OK && i < na; i++)
		if (a[i].type == SK_JSON_INT)
			(*out)[(*n)++] = (int)a[i].i;
	sk_model_json_array_free(a, na);
	return rc;
}
