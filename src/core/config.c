/*
 * config.c - layered configuration over declarative per-module tables:
 * defaults, then a file, then SKRED_* environment, then the command line
 * (each layer is just sk_config_set calls in that order). Unknown keys and
 * bad values are errors.
 *
 * Secrets: a key is secret when its row says SK_CFG_SENSITIVE, when its name
 * contains "password", "secret" or "token", or, for a key passed through
 * under a SK_CFG_PREFIX row (librdkafka's properties), also "key", ".pem" or
 * it is "sasl.oauthbearer.config". A secret's value is shown as
 * "(redacted)", registered with sk_redact_add so no log line or error
 * message carries it, and may be given as "@PATH" (read from that file, in
 * every layer) so it need not be in argv; "@@..." is a literal leading '@'.
 * Every other value is shown with URL userinfo masked.
 */
#define _POSIX_C_SOURCE 200809L
#include "core.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct cfg_entry {
	const struct sk_cfg_def *def;
	char *value; /* text form, NULL = unset */
	int64_t ival;
	void *field; /* in the table's struct; NULL for an unbound row */
};

/* The struct a bound table fills. */
struct cfg_obj {
	const struct sk_cfg_def *table;
	void *obj;
};

/* A key set under a SK_CFG_PREFIX row. */
struct cfg_extra {
	const struct sk_cfg_def *prefix;
	char *key; /* full key, e.g. "kafka.security.protocol" */
	char *value;
};

struct sk_config {
	struct cfg_entry *e;
	size_t n;
	struct cfg_extra *x;
	size_t nx;
	struct cfg_obj *objs;
	size_t nobj;
};

/* Case-insensitive strstr. */
static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return true;
	return false;
}

/* Whether key (full name) under row def carries a secret; see the top. The
 * name patterns apply to every key (a row that forgot the flag errs on the
 * safe side); "key" and ".pem" only to pass-through names, because table
 * keys such as cassandra.keyspace are not secrets. */
static bool key_secret(const struct sk_cfg_def *def, const char *key)
{
	if ((def->flags & SK_CFG_SENSITIVE) || has_word(key, "password") ||
	    has_word(key, "secret") || has_word(key, "token"))
		return true;
	if (!(def->flags & SK_CFG_PREFIX))
		return false;
	const char *name = key + strlen(def->key);
	size_t n = strlen(name);
	return has_word(name, "key") ||
	       (n >= 4 && strcasecmp(name + n - 4, ".pem") == 0) ||
	       strcasecmp(name, "sasl.oauthbearer.config") == 0;
}

static bool field_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ',' || c == '&' ||
	       c == '?' || c == ';';
}

/* Register a secret value for scrubbing from logs and errors, and with it
 * the parts that a library may echo alone: the value of each "name=value"
 * field (separated by blanks, ',', ';', '?' or '&') whose name looks
 * secret (sasl.oauthbearer.config embeds "clientSecret=...", a libpq
 * string "password=..."), and the password of a URL's userinfo. */
static void register_secret(const char *value)
{
	sk_redact_add(value);
	const char *u = strstr(value, "://");
	if (u) {
		const char *a = u + 3, *at = NULL, *q = a;
		for (; *q && !strchr("/?# \t\n", *q); q++)
			if (*q == '@')
				at = q;
		const char *colon = at ? memchr(a, ':', (size_t)(at - a))
				       : NULL;
		if (colon) {
			char pw[SK_LIMIT_CONFIG_LINE];
			snprintf(pw, sizeof pw, "%.*s", (int)(at - colon - 1),
				 colon + 1);
			sk_redact_add(pw);
		}
	}
	const char *p = value;
	while (*p) {
		while (field_sep(*p))
			p++;
		const char *f = p;
		while (*p && !field_sep(*p))
			p++;
		const char *eq = memchr(f, '=', (size_t)(p - f));
		if (!eq || eq + 1 >= p)
			continue;
		char name[64], val[SK_LIMIT_CONFIG_LINE];
		snprintf(name, sizeof name, "%.*s", (int)(eq - f), f);
		snprintf(val, sizeof val, "%.*s", (int)(p - eq - 1), eq + 1);
		if (has_word(name, "secret") || has_word(name, "password") ||
		    has_word(name, "token") || has_word(name, "key"))
			sk_redact_add(val);
	}
}

/* The prefix row covering key, if any. */
static const struct sk_cfg_def *find_prefix(const struct sk_config *cfg,
					    const char *key)
{
	for (size_t i = 0; i < cfg->n; i++) {
		const struct sk_cfg_def *d = cfg->e[i].def;
		size_t pl = strlen(d->key);
		if ((d->flags & SK_CFG_PREFIX) &&
		    strncmp(key, d->key, pl) == 0 && key[pl])
			return d;
	}
	return NULL;
}

static sk_err_t extra_set(struct sk_config *cfg, const struct sk_cfg_def *pre,
			  const char *key, const char *value,
			  struct sk_error *err)
{
	for (size_t i = 0; i < cfg->nx; i++) {
		if (strcmp(cfg->x[i].key, key) == 0) {
			char *v = sk_strdup(value ? value : "");
			if (!v)
				return sk_error_set(err, SK_ERR_NOMEM, false,
						    "out of memory");
			free(cfg->x[i].value);
			cfg->x[i].value = v;
			return SK_OK;
		}
	}
	struct cfg_extra *x = realloc(cfg->x, (cfg->nx + 1) * sizeof *x);
	if (!x)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	cfg->x = x;
	x[cfg->nx].prefix = pre;
	x[cfg->nx].key = sk_strdup(key);
	x[cfg->nx].value = sk_strdup(value ? value : "");
	if (!x[cfg->nx].key || !x[cfg->nx].value) {
		free(x[cfg->nx].key);
		free(x[cfg->nx].value);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	cfg->nx++;
	return SK_OK;
}

static struct cfg_entry *find(const struct sk_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->e[i].def->key, key) == 0)
			return &cfg->e[i];
	return NULL;
}

static sk_err_t parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") ||
	    !strcmp(v, "on")) {
		*out = true;
		return SK_OK;
	}
	if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") ||
	    !strcmp(v, "off")) {
		*out = false;
		return SK_OK;
	}
	return SK_ERR_PARSE;
}

/* "a, b or c" into out. */
static void enum_list(const struct sk_cfg_def *def, char *out, size_t cap)
{
	size_t n = 0, k = 0;
	while (def->values && def->values[k])
		k++;
	out[0] = '\0';
	for (size_t i = 0; i < k && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s",
				      i == 0       ? ""
				      : i + 1 == k ? " or "
						   : ", ",
				      def->values[i]);
}

/* Write the parsed value into the row's bound field. */
static void field_store(struct cfg_entry *en)
{
	if (!en->field)
		return;
	switch (en->def->type) {
	case SK_CFG_STR:
		*(const char **)en->field = en->value;
		break;
	case SK_CFG_INT:
		*(int64_t *)en->field = en->ival;
		break;
	case SK_CFG_BOOL:
		*(bool *)en->field = en->ival != 0;
		break;
	case SK_CFG_ENUM:
		*(int *)en->field = (int)en->ival;
		break;
	}
}

static sk_err_t entry_set(struct cfg_entry *en, const char *value,
			  const char *source, struct sk_error *err)
{
	const struct sk_cfg_def *def = en->def;
	int64_t iv = 0;
	if (value && def->type == SK_CFG_ENUM) {
		int found = -1;
		for (int i = 0; def->values && def->values[i]; i++)
			if ((def->flags & SK_CFG_NOCASE)
				    ? !strcasecmp(value, def->values[i])
				    : !strcmp(value, def->values[i]))
				found = i;
		if (found < 0) {
			char allowed[512];
			enum_list(def, allowed, sizeof allowed);
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "%s: %s must be %s, got '%s'",
					    source, def->key, allowed, value);
		}
		iv = found;
		value = def->values[found]; /* kept as the table spells it */
	} else if (value && def->type == SK_CFG_INT) {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno || end == value || *end)
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "%s: %s must be an integer, got "
					    "'%s'",
					    source, def->key, value);
		if (v < def->min || v > def->max)
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "%s: %s must be between %lld and "
					    "%lld, got %lld",
					    source, def->key,
					    (long long)def->min,
					    (long long)def->max, v);
		iv = v;
	} else if (value && def->type == SK_CFG_BOOL) {
		bool b;
		if (parse_bool(value, &b) != SK_OK)
			return sk_error_set(err, SK_ERR_CONFIG, false,
					    "%s: %s must be true or false, got "
					    "'%s'",
					    source, def->key, value);
		iv = b;
	}
	char *copy = NULL;
	if (value && !(copy = sk_strdup(value)))
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	free(en->value);
	en->value = copy;
	en->ival = iv;
	field_store(en);
	return SK_OK;
}

sk_err_t sk_config_new(struct sk_config **out,
		       const struct sk_cfg_def *const *tables,
		       struct sk_error *err)
{
	*out = NULL;
	struct sk_config *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	size_t n = 0;
	for (size_t t = 0; tables[t]; t++)
		for (const struct sk_cfg_def *d = tables[t]; d->key; d++)
			n++;
	size_t nt = 0;
	while (tables[nt])
		nt++;
	cfg->e = calloc(n ? n : 1, sizeof *cfg->e);
	cfg->objs = calloc(nt ? nt : 1, sizeof *cfg->objs);
	if (!cfg->e || !cfg->objs) {
		sk_config_free(cfg);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	for (size_t t = 0; tables[t]; t++) {
		const struct sk_cfg_def *end = tables[t];
		while (end->key)
			end++;
		char *obj = NULL;
		if (end->offset) {
			obj = calloc(1, end->offset);
			if (!obj) {
				sk_config_free(cfg);
				return sk_error_set(err, SK_ERR_NOMEM, false,
						    "out of memory");
			}
			cfg->objs[cfg->nobj].table = tables[t];
			cfg->objs[cfg->nobj++].obj = obj;
		}
		for (const struct sk_cfg_def *d = tables[t]; d->key; d++) {
			struct cfg_entry *en = &cfg->e[cfg->n++];
			en->def = d;
			if (obj && !(d->flags & SK_CFG_PREFIX))
				en->field = obj + d->offset;
			if (entry_set(en, d->def, "default", err) != SK_OK) {
				sk_config_free(cfg);
				return err ? err->code : SK_ERR_CONFIG;
			}
		}
	}
	*out = cfg;
	return SK_OK;
}

void sk_config_free(struct sk_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		free(cfg->e[i].value);
	for (size_t i = 0; i < cfg->nx; i++) {
		free(cfg->x[i].key);
		free(cfg->x[i].value);
	}
	for (size_t i = 0; i < cfg->nobj; i++)
		free(cfg->objs[i].obj);
	free(cfg->objs);
	free(cfg->x);
	free(cfg->e);
	free(cfg);
}

const void *sk_config_struct(const struct sk_config *cfg,
			     const struct sk_cfg_def *table)
{
	for (size_t i = 0; i < cfg->nobj; i++)
		if (cfg->objs[i].table == table)
			return cfg->objs[i].obj;
	fprintf(stderr, "BUG: config table '%s' not bound in this config\n",
		table && table->key ? table->key : "?");
	abort();
}

const char *sk_cfg_enum_name(const struct sk_cfg_def *def, int index)
{
	for (int i = 0; def->values && def->values[i]; i++)
		if (i == index)
			return def->values[i];
	return "";
}

/* Levenshtein distance of a and b (each at most 127 bytes compared). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 127)
		la = 127;
	if (lb > 127)
		lb = 127;
	size_t row[128];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Near enough to be a typo: a few edits, fewer than the name's length. */
static bool near_enough(size_t d, const char *name)
{
	size_t n = strlen(name), lim = n / 4 > 2 ? n / 4 : 2;
	return d <= lim && d < n;
}

const char *sk_config_nearest(const struct sk_config *cfg, const char *key)
{
	const char *best = NULL;
	size_t bd = (size_t)-1;
	for (size_t i = 0; i < cfg->n; i++) {
		const struct sk_cfg_def *d = cfg->e[i].def;
		if (d->flags & SK_CFG_PREFIX)
			continue;
		size_t dist = edit_distance(key, d->key);
		if (dist < bd) {
			bd = dist;
			best = d->key;
		}
	}
	return best && near_enough(bd, key) ? best : NULL;
}

/* "@PATH": the file's content without its trailing newlines, owned by the
 * caller in *out. SK_ERR_CONFIG naming the layer, key and path. */
static sk_err_t read_secret_file(const char *path, const char *key,
				 const char *source, char **out,
				 struct sk_error *err)
{
	*out = NULL;
	if (!*path)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "%s: %s: '@' must be followed by a file "
				    "name (write '@@' for a literal '@')",
				    source, key);
	FILE *f = fopen(path, "rb");
	if (!f)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "%s: %s: cannot read secret file %s: %s",
				    source, key, path, strerror(errno));
	char *buf = malloc(SK_LIMIT_SECRET_FILE + 1);
	if (!buf) {
		fclose(f);
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	}
	size_t n = fread(buf, 1, SK_LIMIT_SECRET_FILE + 1, f);
	bool bad = ferror(f);
	int e = errno;
	fclose(f);
	sk_err_t rc = SK_OK;
	if (bad)
		rc = sk_error_set(err, SK_ERR_CONFIG, false,
				  "%s: %s: cannot read secret file %s: %s",
				  source, key, path, strerror(e));
	else if (n > SK_LIMIT_SECRET_FILE)
		rc = sk_error_set(err, SK_ERR_CONFIG, false,
				  "%s: %s: secret file %s is larger than %u "
				  "bytes",
				  source, key, path, SK_LIMIT_SECRET_FILE);
	else if (memchr(buf, '\0', n))
		rc = sk_error_set(err, SK_ERR_CONFIG, false,
				  "%s: %s: secret file %s contains a NUL byte",
				  source, key, path);
	if (rc != SK_OK) {
		free(buf);
		return rc;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	*out = buf;
	return SK_OK;
}

/* One layer's value for a defined row (en) or a key under prefix row pre:
 * a secret's "@PATH" is read, "@@" unescaped, and the value registered for
 * scrubbing before it is validated (so no message can echo it). */
static sk_err_t layer_set(struct sk_config *cfg, struct cfg_entry *en,
			  const struct sk_cfg_def *pre, const char *key,
			  const char *value, const char *source,
			  struct sk_error *err)
{
	const struct sk_cfg_def *def = en ? en->def : pre;
	bool secret = key_secret(def, key);
	char *read = NULL;
	if (secret && value && value[0] == '@') {
		if (value[1] == '@') {
			value++;
		} else {
			sk_err_t rc = read_secret_file(value + 1, key, source,
						       &read, err);
			if (rc != SK_OK)
				return rc;
			value = read;
		}
	}
	if (secret && value)
		register_secret(value);
	sk_err_t rc = en ? entry_set(en, value, source, err)
			 : extra_set(cfg, pre, key, value, err);
	free(read);
	return rc;
}

sk_err_t sk_config_set(struct sk_config *cfg, const char *key,
		       const char *value, const char *source,
		       struct sk_error *err)
{
	struct cfg_entry *en = find(cfg, key);
	if (en && !(en->def->flags & SK_CFG_PREFIX))
		return layer_set(cfg, en, NULL, key, value, source, err);
	const struct sk_cfg_def *pre = find_prefix(cfg, key);
	if (pre)
		return layer_set(cfg, NULL, pre, key, value, source, err);
	const char *near = sk_config_nearest(cfg, key);
	if (near)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "%s: unknown configuration key '%s' (did "
				    "you mean '%s'?)",
				    source, key, near);
	return sk_error_set(err, SK_ERR_CONFIG, false,
			    "%s: unknown configuration key '%s'", source, key);
}

bool sk_config_secret(const struct sk_config *cfg, const char *key)
{
	const struct cfg_entry *en = find(cfg, key);
	if (en && !(en->def->flags & SK_CFG_PREFIX))
		return key_secret(en->def, key);
	const struct sk_cfg_def *pre = find_prefix(cfg, key);
	return pre && key_secret(pre, key);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Read path's lines into cfg; each error goes to fn (when set) and, the
 * first one, into err. keep_going: on past a bad line. Returns the number
 * of errors. */
static size_t load_file(struct sk_config *cfg, const char *path,
			bool keep_going,
			void (*fn)(const struct sk_error *e, void *ud),
			void *ud, struct sk_error *err)
{
	struct sk_error local = {0}, *e = err ? err : &local;
	size_t n_err = 0;
#define FILE_ERROR()                                                           \
	do {                                                                   \
		n_err++;                                                       \
		if (fn)                                                        \
			fn(e, ud);                                             \
		if (err && n_err == 1)                                         \
			e = &local; /* keep the first in err */                \
	} while (0)
	FILE *f = fopen(path, "r");
	if (!f) {
		sk_error_set(e, SK_ERR_CONFIG, false,
			     "cannot open config file %s: %s", path,
			     strerror(errno));
		FILE_ERROR();
		return n_err;
	}
	struct stat st = {0};
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		/* fopen succeeds on one and reads nothing: not "empty" */
		sk_error_set(e, SK_ERR_CONFIG, false,
			     "config file %s is a directory", path);
		fclose(f);
		FILE_ERROR();
		return n_err;
	}
	char line[SK_LIMIT_CONFIG_LINE];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char src[256];
		snprintf(src, sizeof src, "%s:%d", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			sk_error_set(e, SK_ERR_CONFIG, false,
				     "%s: line longer than %d bytes", src,
				     SK_LIMIT_CONFIG_LINE);
			FILE_ERROR();
			break; /* the rest of the line would be misread */
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			sk_error_set(e, SK_ERR_CONFIG, false,
				     "%s: expected 'key = value'", src);
			FILE_ERROR();
			if (!keep_going)
				break;
			continue;
		}
		*eq = '\0';
		char *key = trim(s);
		char *val = trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = '\0';
			val++;
		}
		if (sk_config_set(cfg, key, val, src, e) != SK_OK) {
			FILE_ERROR();
			if (!keep_going)
				break;
		}
	}
	if (ferror(f)) {
		sk_error_set(e, SK_ERR_CONFIG, false,
			     "cannot read config file %s: %s", path,
			     strerror(errno));
		FILE_ERROR();
	}
#undef FILE_ERROR
	fclose(f);
	return n_err;
}

sk_err_t sk_config_load_file(struct sk_config *cfg, const char *path,
			     struct sk_error *err)
{
	return load_file(cfg, path, false, NULL, NULL, err) ? err->code : SK_OK;
}

size_t sk_config_check_file(struct sk_config *cfg, const char *path,
			    void (*fn)(const struct sk_error *e, void *ud),
			    void *ud)
{
	return load_file(cfg, path, true, fn, ud, NULL);
}

/* SKRED_<PREFIX>_<A>_<B>=v for a prefix row "<prefix>." and no defined key
 * of that name: sets "<prefix>.a.b". */
static sk_err_t load_env_prefixed(struct sk_config *cfg, struct sk_error *err)
{
	extern char **environ;
	for (char **ep = environ; ep && *ep; ep++) {
		const char *e = *ep;
		if (strncmp(e, "SKRED_", 6) != 0)
			continue;
		const char *eq = strchr(e, '=');
		if (!eq)
			continue;
		for (size_t i = 0; i < cfg->n; i++) {
			const struct sk_cfg_def *d = cfg->e[i].def;
			if (!(d->flags & SK_CFG_PREFIX))
				continue;
			/* "kafka." -> "KAFKA_" */
			char up[64];
			size_t pl = strlen(d->key);
			if (pl >= sizeof up)
				continue;
			for (size_t k = 0; k < pl; k++)
				up[k] = d->key[k] == '.'
						? '_'
						: (char)toupper(
							  (unsigned char)
								  d->key[k]);
			up[pl] = '\0';
			const char *name = e + 6;
			if (strncmp(name, up, pl) != 0 || name + pl >= eq)
				continue;
			char key[256];
			size_t kl = (size_t)snprintf(key, sizeof key, "%s",
						     d->key);
			for (const char *p = name + pl;
			     p < eq && kl < sizeof key - 1; p++)
				key[kl++] = *p == '_'
						    ? '.'
						    : (char)tolower((
							      unsigned char)*p);
			key[kl] = '\0';
			/* Defined keys were handled by their exact name. */
			bool defined = false;
			for (size_t j = 0; j < cfg->n; j++) {
				char envn[160] = "SKRED_";
				size_t p = 6;
				for (const char *k = cfg->e[j].def->key;
				     *k && p < sizeof envn - 1; k++)
					envn[p++] =
						*k == '.'
							? '_'
							: (char)toupper((
								  unsigned char)*k);
				envn[p] = '\0';
				if (strlen(envn) == (size_t)(eq - e) &&
				    strncmp(envn, e, (size_t)(eq - e)) == 0)
					defined = true;
			}
			if (defined)
				continue;
			char src[200];
			snprintf(src, sizeof src, "environment %.*s",
				 (int)(eq - e), e);
			sk_err_t rc = layer_set(cfg, NULL, d, key, eq + 1, src,
						err);
			if (rc != SK_OK)
				return rc;
		}
	}
	return SK_OK;
}

sk_err_t sk_config_load_env(struct sk_config *cfg, struct sk_error *err)
{
	for (size_t i = 0; i < cfg->n; i++) {
		char name[160] = "SKRED_";
		size_t p = 6;
		for (const char *k = cfg->e[i].def->key;
		     *k && p < sizeof name - 1; k++)
			name[p++] = *k == '.'
					    ? '_'
					    : (char)toupper((unsigned char)*k);
		name[p] = '\0';
		const char *v = getenv(name);
		if (!v)
			continue;
		char src[200];
		snprintf(src, sizeof src, "environment %s", name);
		sk_err_t rc = layer_set(cfg, &cfg->e[i], NULL,
					cfg->e[i].def->key, v, src, err);
		if (rc != SK_OK)
			return rc;
	}
	return load_env_prefixed(cfg, err);
}

/* "SKRED_" + key upper-cased, '.' -> '_', into out (cap bytes). */
static void env_name(const char *key, char *out, size_t cap)
{
	size_t p = (size_t)snprintf(out, cap, "SKRED_");
	for (const char *k = key; *k && p + 1 < cap; k++)
		out[p++] = *k == '.' ? '_' : (char)toupper((unsigned char)*k);
	out[p < cap ? p : cap - 1] = '\0';
}

size_t sk_config_env_unknown(const struct sk_config *cfg,
			     const char *const *not_keys,
			     void (*fn)(const char *msg, void *ud), void *ud)
{
	extern char **environ;
	size_t count = 0;
	for (char **ep = environ; ep && *ep; ep++) {
		const char *e = *ep, *eq = strchr(e, '=');
		if (strncmp(e, "SKRED_", 6) != 0 || !eq)
			continue;
		char var[160];
		snprintf(var, sizeof var, "%.*s", (int)(eq - e), e);
		bool known = false;
		for (size_t i = 0; not_keys && not_keys[i] && !known; i++) {
			size_t l = strlen(not_keys[i]);
			known = not_keys[i][l - 1] == '_'
					? strncmp(var, not_keys[i], l) == 0
					: strcmp(var, not_keys[i]) == 0;
		}
		const char *best = NULL;
		size_t bd = (size_t)-1;
		char name[160];
		for (size_t i = 0; i < cfg->n && !known; i++) {
			const struct sk_cfg_def *d = cfg->e[i].def;
			env_name(d->key, name, sizeof name);
			if (d->flags & SK_CFG_PREFIX) {
				/* "SKRED_KAFKA_" covers its pass-throughs */
				known = strncmp(var, name, strlen(name)) == 0 &&
					var[strlen(name)];
				continue;
			}
			if (!strcmp(var, name)) {
				known = true;
				break;
			}
			size_t dist = edit_distance(var + 6, name + 6);
			if (dist < bd) {
				bd = dist;
				best = d->key;
			}
		}
		if (known)
			continue;
		char msg[512];
		if (best && near_enough(bd, var + 6)) {
			env_name(best, name, sizeof name);
			snprintf(msg, sizeof msg,
				 "environment %s is not a configuration "
				 "variable (did you mean %s?)",
				 var, name);
		} else {
			snprintf(msg, sizeof msg,
				 "environment %s is not a configuration "
				 "variable",
				 var);
		}
		if (fn)
			fn(msg, ud);
		count++;
	}
	return count;
}

static const struct cfg_entry *must(const struct sk_config *cfg,
				    const char *key, enum sk_cfg_type type)
{
	const struct cfg_entry *en = find(cfg, key);
	if (!en || en->def->type != type) {
		fprintf(stderr, "BUG: config key '%s' not defined as queried\n",
			key);
		abort();
	}
	return en;
}

const char *sk_config_str(const struct sk_config *cfg, const char *key)
{
	const struct cfg_entry *en = find(cfg, key);
	if (en && en->def->type == SK_CFG_ENUM)
		return en->value;
	return must(cfg, key, SK_CFG_STR)->value;
}

int64_t sk_config_int(const struct sk_config *cfg, const char *key)
{
	return must(cfg, key, SK_CFG_INT)->ival;
}

bool sk_config_bool(const struct sk_config *cfg, const char *key)
{
	return must(cfg, key, SK_CFG_BOOL)->ival != 0;
}

void sk_config_each_prefixed(const struct sk_config *cfg, const char *prefix,
			     void (*fn)(const char *name, const char *value,
					void *ud),
			     void *ud)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < cfg->nx; i++)
		if (strncmp(cfg->x[i].key, prefix, pl) == 0)
			fn(cfg->x[i].key + pl, cfg->x[i].value, ud);
}

/* Show one value: a secret as SK_REDACTED (an empty one as empty, so an
 * unset secret is visible as unset), anything else with URL userinfo and
 * registered secrets masked. */
static void
show(const struct sk_cfg_def *def, const char *key, const char *value,
     void (*fn)(const struct sk_cfg_def *def, const char *value, void *ud),
     void *ud)
{
	if (!value || !*value || key_secret(def, key)) {
		fn(def, value && *value ? SK_REDACTED : value, ud);
		return;
	}
	size_t cap = 2 * strlen(value) + 16;
	char *shown = malloc(cap);
	if (!shown) {
		fn(def, SK_REDACTED, ud); /* never the raw value */
		return;
	}
	sk_redact_text(value, shown, cap);
	fn(def, shown, ud);
	free(shown);
}

const char *sk_config_shown(const struct sk_config *cfg, const char *key,
			    char *buf, size_t cap)
{
	const char *v = NULL;
	const struct cfg_entry *en = find(cfg, key);
	const struct sk_cfg_def *def = NULL;
	if (en && !(en->def->flags & SK_CFG_PREFIX)) {
		def = en->def;
		v = en->value;
	} else if ((def = find_prefix(cfg, key))) {
		for (size_t i = 0; i < cfg->nx; i++)
			if (strcmp(cfg->x[i].key, key) == 0)
				v = cfg->x[i].value;
	}
	if (!v || !*v)
		return "";
	if (key_secret(def, key))
		return SK_REDACTED;
	sk_redact_text(v, buf, cap);
	return buf;
}

void sk_config_each(const struct sk_config *cfg,
		    void (*fn)(const struct sk_cfg_def *def, const char *value,
			       void *ud),
		    void *ud)
{
	for (size_t i = 0; i < cfg->n; i++) {
		const struct cfg_entry *en = &cfg->e[i];
		if (en->def->flags & SK_CFG_PREFIX)
			continue;
		struct sk_cfg_def d = *en->def;
		if (key_secret(en->def, d.key))
			d.flags |= SK_CFG_SENSITIVE;
		show(&d, d.key, en->value, fn, ud);
	}
	/* Keys under a prefix, shown with a synthetic row. */
	for (size_t i = 0; i < cfg->nx; i++) {
		const struct sk_cfg_def *pre = cfg->x[i].prefix;
		struct sk_cfg_def d = *pre;
		d.key = cfg->x[i].key;
		d.flags &= ~SK_CFG_PREFIX;
		if (key_secret(pre, d.key))
			d.flags |= SK_CFG_SENSITIVE;
		show(&d, d.key, cfg->x[i].value, fn, ud);
	}
}

static const char *const log_levels[] = {"error", "warn", "info", "debug",
					 NULL};

const struct sk_cfg_def sk_core_cfg[] = {
	{"data_dir", SK_CFG_STR, "./skred-data", 0, 0, SK_CFG_RESTART,
	 "directory for the bus log and the warehouse (env SKRED_DATA_DIR)",
	 offsetof(struct sk_core_conf, data_dir), NULL},
	{"log_level", SK_CFG_ENUM, "info", 0, 0, 0,
	 "error, warn, info or debug", offsetof(struct sk_core_conf, log_level),
	 log_levels},
	SK_CFG_END(struct sk_core_conf),
};

const struct sk_core_conf *sk_core_conf(const struct sk_config *cfg)
{
	return sk_config_struct(cfg, sk_core_cfg);
}
