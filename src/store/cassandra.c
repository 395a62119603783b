/*
 * cassandra.c - the warehouse in Apache Cassandra through skred's own CQL
 * client (src/cql/).
 *
 * Tables are modelled per query (docs/DATA_MODEL.md): warnings by region
 * over time, all regions' warnings by date (the map), problems and weather
 * by warning, and every revision. Natural keys are the SQLite warehouse's,
 * and every write carries USING TIMESTAMP = the revision's publish time
 * (µs), so Cassandra's last-write-wins keeps the newest revision whatever
 * order writes arrive in, and replaying a revision changes nothing.
 *
 * The write decision is store.c's (sk_store_put): this backend reads the
 * current (publish_time, content_hash, write time) of a key, says whether a
 * revision is on record, and submits the writes it is told, pipelined. An
 * update at the same publish time (the tie rule) is written 2 µs after the
 * current row's write time, so last-write-wins never mixes the cells of two
 * revisions. Rows are read by column name (result metadata), never by
 * position. commit() waits for all of them
 * and fails (retriable) if Cassandra did not acknowledge every one, so the
 * processor never commits bus offsets for unacknowledged records.
 * Credentials come from the configuration and are never logged.
 */
#include "cql/cql.h"
#include "proc/proc.h"
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Current state of one key, known from a prefetch or an earlier put
 * (cur.version: the row's write time, µs). */
struct known {
	int region, lang;
	int64_t day;
	bool written; /* this batch wrote it: its hash is set at commit */
	struct sk_store_current cur;
};

/* A revision this batch submitted (not necessarily acknowledged yet). */
struct rev_note {
	int region, lang;
	int64_t day;
	bool has_pub;
	int64_t pub;
	char hash[SK_STORE_HASH_LEN];
};

/* A (region, lang, day range) whose every row was read by a prefetch. */
struct covered {
	int region, lang;
	int64_t from, to;
};

struct cstore {
	struct sk_store base;
	struct known *known;
	size_t n_known, cap_known;
	struct covered *cov;
	size_t n_cov, cap_cov;
	struct rev_note *revs;
	size_t n_revs, cap_revs;
	const struct sk_cql_prepared *del_advices, *ins_advice, *sel_advices,
		*sel_weather, *sel_rev_seen;
	const struct sk_cql_prepared *sel_range, *upd_hash, *upd_meta;
	char ks[64];
	struct sk_cql_session *s;
	const struct sk_cql_prepared *sel_current, *ins_region, *ins_date,
		*del_problems, *ins_problem, *del_weather, *ins_weather,
		*ins_revision, *sel_date, *sel_problems;
	bool in_tx;
	int64_t last_write_ms;
	size_t submitted;
};

#define WARNING_COLUMNS                                                        \
	"region_id, lang_key, valid_date, reg_id, region_name, "              \
	"region_type_id, region_type_name, danger_level, not_assessed, "      \
	"valid_from, valid_to, next_warning_time, publish_time, "             \
	"danger_increase_time, danger_decrease_time, main_text, "             \
	"danger_level_name, author, avalanche_danger, emergency_warning, "    \
	"snow_surface, current_weaklayers, latest_avalanche_activity, "       \
	"latest_observations, previous_warning_reg_id, is_tendency, "         \
	"is_detail, utm_zone, utm_east, utm_north, cloud_cover_id, "          \
	"cloud_cover_name, weather_comment, weather_saved_time, "             \
	"advice_list, has_weather, content_hash"
#define N_WARNING_COLUMNS 37
#define WARNING_MARKERS                                                        \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "  \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

#define WARNING_TYPES                                                          \
	"reg_id bigint, region_name text, region_type_id int, "                \
	"region_type_name text, danger_level int, not_assessed boolean, "      \
	"valid_from timestamp, valid_to timestamp, next_warning_time "         \
	"timestamp, publish_time timestamp, danger_increase_time timestamp, "  \
	"danger_decrease_time timestamp, main_text text, danger_level_name "   \
	"text, author text, avalanche_danger text, emergency_warning text, "   \
	"snow_surface text, current_weaklayers text, "                         \
	"latest_avalanche_activity text, latest_observations text, "           \
	"previous_warning_reg_id bigint, is_tendency boolean, is_detail "      \
	"boolean, utm_zone int, utm_east int, utm_north int, cloud_cover_id "  \
	"int, cloud_cover_name text, weather_comment text, weather_saved_time " \
	"timestamp, advice_list frozen<list<text>>, content_hash text, "        \
	"has_weather boolean, "

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS @.warnings_by_region (region_id int, "
	"lang_key int, valid_date date, " WARNING_TYPES
	"PRIMARY KEY ((region_id, lang_key), valid_date)) "
	"WITH CLUSTERING ORDER BY (valid_date DESC)",
	"CREATE TABLE IF NOT EXISTS @.warnings_by_date (valid_date date, "
	"region_id int, lang_key int, " WARNING_TYPES
	"PRIMARY KEY ((valid_date), region_id, lang_key))",
	"CREATE TABLE IF NOT EXISTS @.problems_by_warning (region_id int, "
	"lang_key int, valid_date date, problem_id int, problem_type_id int, "
	"problem_type_name text, cause_id int, cause_name text, aval_type_id "
	"int, aval_type_name text, ext_id int, ext_name text, "
	"trigger_simple_id int, trigger_simple_name text, "
	"trigger_sensitivity_id int, trigger_sensitivity_name text, size_id "
	"int, size_name text, probability_id int, probability_name text, "
	"propagation_id int, propagation_name text, exposed_height_1 int, "
	"exposed_height_2 int, exposed_height_fill int, valid_expositions "
	"text, danger_level int, text text, "
	"PRIMARY KEY ((region_id, lang_key, valid_date), problem_id))",
	"CREATE TABLE IF NOT EXISTS @.weather_by_warning (region_id int, "
	"lang_key int, valid_date date, type_id int, subtype_id int, "
	"type_name text, subtype_name text, value text, "
	"PRIMARY KEY ((region_id, lang_key, valid_date), type_id, "
	"subtype_id))",
	"CREATE TABLE IF NOT EXISTS @.advices_by_warning (region_id int, "
	"lang_key int, valid_date date, position int, text text, image_url "
	"text, PRIMARY KEY ((region_id, lang_key, valid_date), position))",
	"CREATE TABLE IF NOT EXISTS @.warning_revisions (region_id int, "
	"lang_key int, valid_date date, publish_time timestamp, content_hash "
	"text, reg_id bigint, danger_level int, main_text text, raw_json "
	"text, PRIMARY KEY ((region_id, lang_key, valid_date), publish_time, "
	"content_hash)) WITH CLUSTERING ORDER BY (publish_time DESC, "
	"content_hash ASC)",
	("CREATE TABLE IF NOT EXISTS @.store_meta (key text PRIMARY KEY, "
	 "value bigint)"),
};

/* Version of the tables above, kept in store_meta ('schema_version'):
 * 1 (no row) had a non-frozen `advices list<text>`, whose replay at the same
 * timestamp appended the elements again; 2 has `advice_list
 * frozen<list<text>>`, one cell that a replay overwrites; 3 adds
 * advices_by_warning (text and image URL per advice, read back; advice_list
 * stays, written, for readers of the row alone) and has_weather, and its
 * content_hash is store.c's one hash (2 hashed the JSON). migrate() takes
 * a keyspace from 1 to 2 to 3. */
#define SCHEMA_VERSION 3

static const char *const warning_tables[] = {"warnings_by_region",
					     "warnings_by_date"};

static const struct {
	const char *name;
	enum sk_cql_consistency cl;
} consistencies[] = {
	{"ONE", SK_CQL_CL_ONE},		  {"TWO", SK_CQL_CL_TWO},
	{"THREE", SK_CQL_CL_THREE},	  {"QUORUM", SK_CQL_CL_QUORUM},
	{"ALL", SK_CQL_CL_ALL},		  {"LOCAL_QUORUM", SK_CQL_CL_LOCAL_QUORUM},
	{"EACH_QUORUM", SK_CQL_CL_EACH_QUORUM}, {"LOCAL_ONE", SK_CQL_CL_LOCAL_ONE},
};

static sk_err_t submit(struct cstore *cs, const struct sk_cql_prepared *ps,
		       const struct sk_cql_value *v, size_t n, int64_t ts_us,
		       struct sk_error *err);

/* ------------------------------------------------------------ values */

/* Optional integers: -1 is the record's "absent" (stored NULL, as in the
 * SQLite warehouse); every other value, negative ones too, is stored. */
static struct sk_cql_value v_int(int v)
{
	return v == -1 ? sk_cql_value_null() : sk_cql_value_int(v);
}

static struct sk_cql_value v_big(int64_t v)
{
	return v == -1 ? sk_cql_value_null() : sk_cql_value_bigint(v);
}

static struct sk_cql_value v_tri(int v)
{
	return v < 0 ? sk_cql_value_null() : sk_cql_value_boolean(v != 0);
}

static struct sk_cql_value v_time(const struct sk_time_field *t)
{
	return t->has_utc ? sk_cql_value_timestamp(t->utc_ms)
			  : sk_cql_value_null();
}

static sk_err_t v_date(const char *s, struct sk_cql_value *out,
		       struct sk_error *err)
{
	struct sk_date d;
	if (sk_date_parse(s, &d) != SK_OK)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: bad valid_date '%s'", s);
	*out = sk_cql_value_date(sk_days_from_civil(d.y, d.m, d.d));
	return SK_OK;
}

/* The warning columns in WARNING_COLUMNS order, for both warning
 * tables (advices borrowed from adv, sized by the caller to n_advices). */
static void warning_values(const struct sk_warning *w,
			   const struct sk_cql_value *date,
			   struct sk_cql_value *adv, const char *hash,
			   struct sk_cql_value *v)
{
	for (size_t i = 0; i < w->n_advices; i++)
		adv[i] = sk_cql_value_text(w->advices[i].text
						   ? w->advices[i].text : "");
	struct sk_cql_value all[N_WARNING_COLUMNS] = {
		sk_cql_value_int(w->region_id),
		sk_cql_value_int(w->lang_key),
		*date,
		sk_cql_value_bigint(w->reg_id),
		sk_cql_value_text(w->region_name),
		v_int(w->region_type_id),
		sk_cql_value_text(w->region_type_name),
		sk_cql_value_int(w->danger_level),
		sk_cql_value_boolean(w->not_assessed),
		v_time(&w->valid_from),
		v_time(&w->valid_to),
		v_time(&w->next_warning_time),
		v_time(&w->publish_time),
		v_time(&w->danger_increase_time),
		v_time(&w->danger_decrease_time),
		sk_cql_value_text(w->main_text),
		sk_cql_value_text(w->danger_level_name),
		sk_cql_value_text(w->author),
		sk_cql_value_text(w->avalanche_danger),
		sk_cql_value_text(w->emergency_warning),
		sk_cql_value_text(w->snow_surface),
		sk_cql_value_text(w->current_weaklayers),
		sk_cql_value_text(w->latest_avalanche_activity),
		sk_cql_value_text(w->latest_observations),
		v_big(w->previous_warning_reg_id),
		v_tri(w->is_tendency),
		sk_cql_value_boolean(w->is_detail),
		v_int(w->utm_zone),
		v_int(w->utm_east),
		v_int(w->utm_north),
		v_int(w->cloud_cover_id),
		sk_cql_value_text(w->cloud_cover_name),
		sk_cql_value_text(w->weather_comment),
		v_time(&w->weather_saved_time),
		w->n_advices ? sk_cql_value_list(adv, w->n_advices)
			     : sk_cql_value_null(),
		sk_cql_value_boolean(w->has_weather),
		sk_cql_value_text(hash),
	};
	memcpy(v, all, sizeof all);
}

/* ------------------------------------------------------------ open */

/* cql with every "@." replaced by "<keyspace>.": statements name their
 * tables fully, so no USE is needed. Caller frees. */
static char *qualify(const struct cstore *cs, const char *cql)
{
	struct sk_buf b = {0};
	for (const char *p = cql; *p; p++) {
		if (p[0] == '@' && p[1] == '.') {
			if (sk_buf_puts(&b, cs->ks) != SK_OK)
				goto fail;
			continue;
		}
		if (sk_buf_append(&b, p, 1) != SK_OK)
			goto fail;
	}
	return sk_buf_steal(&b);
fail:
	sk_buf_free(&b);
	return NULL;
}

/* Run a statement without results, qualified. */
static sk_err_t run_ddl(struct cstore *cs, const char *cql,
			struct sk_error *err)
{
	char *q = qualify(cs, cql);
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	struct sk_cql_result *res = NULL;
	sk_err_t rc = sk_cql_session_query(cs->s, q, NULL, &res, err);
	sk_cql_result_free(res);
	free(q);
	return rc;
}

static sk_err_t prepare_all(struct cstore *cs, struct sk_error *err)
{
	struct {
		const struct sk_cql_prepared **ps;
		const char *cql;
	} st[] = {
		{&cs->sel_range,
		 "SELECT valid_date, publish_time, content_hash, "
		 "WRITETIME(reg_id) FROM "
		 "@.warnings_by_region WHERE region_id = ? AND lang_key = ? AND "
		 "valid_date >= ? AND valid_date <= ?"},
		{&cs->upd_hash,
		 "UPDATE @.warnings_by_region SET content_hash = ? WHERE "
		 "region_id = ? AND lang_key = ? AND valid_date = ?"},
		/* Kept in the keyspace so that every process (the daemon's
		 * web UI, `skred status`) sees when any of them last wrote. */
		{&cs->upd_meta,
		 "UPDATE @.store_meta SET value = ? WHERE key = 'last_write'"},
		{&cs->sel_current,
		 "SELECT publish_time, content_hash, WRITETIME(reg_id) FROM "
		 "@.warnings_by_region "
		 "WHERE region_id = ? AND lang_key = ? AND valid_date = ?"},
		{&cs->ins_region, "INSERT INTO @.warnings_by_region ("
				  WARNING_COLUMNS ") VALUES (" WARNING_MARKERS
				  ")"},
		{&cs->ins_date, "INSERT INTO @.warnings_by_date (" WARNING_COLUMNS
				") VALUES (" WARNING_MARKERS ")"},
		{&cs->del_problems,
		 "DELETE FROM @.problems_by_warning WHERE region_id = ? AND "
		 "lang_key = ? AND valid_date = ?"},
		{&cs->ins_problem,
		 "INSERT INTO @.problems_by_warning (region_id, lang_key, "
		 "valid_date, problem_id, problem_type_id, problem_type_name, "
		 "cause_id, cause_name, aval_type_id, aval_type_name, ext_id, "
		 "ext_name, trigger_simple_id, trigger_simple_name, "
		 "trigger_sensitivity_id, trigger_sensitivity_name, size_id, "
		 "size_name, probability_id, probability_name, propagation_id, "
		 "propagation_name, exposed_height_1, exposed_height_2, "
		 "exposed_height_fill, valid_expositions, danger_level, text) "
		 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
		{&cs->del_weather,
		 "DELETE FROM @.weather_by_warning WHERE region_id = ? AND "
		 "lang_key = ? AND valid_date = ?"},
		{&cs->ins_weather,
		 "INSERT INTO @.weather_by_warning (region_id, lang_key, "
		 "valid_date, type_id, subtype_id, type_name, subtype_name, "
		 "value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"},
		{&cs->ins_revision,
		 "INSERT INTO @.warning_revisions (region_id, lang_key, "
		 "valid_date, publish_time, content_hash, reg_id, danger_level, "
		 "main_text, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"},
		{&cs->del_advices,
		 "DELETE FROM @.advices_by_warning WHERE region_id = ? AND "
		 "lang_key = ? AND valid_date = ?"},
		{&cs->ins_advice,
		 "INSERT INTO @.advices_by_warning (region_id, lang_key, "
		 "valid_date, position, text, image_url) VALUES (?, ?, ?, ?, ?, "
		 "?)"},
		{&cs->sel_advices,
		 "SELECT position, text, image_url FROM @.advices_by_warning "
		 "WHERE region_id = ? AND lang_key = ? AND valid_date = ?"},
		{&cs->sel_weather,
		 "SELECT type_id, subtype_id, type_name, subtype_name, value "
		 "FROM @.weather_by_warning WHERE region_id = ? AND lang_key = ? "
		 "AND valid_date = ?"},
		{&cs->sel_rev_seen,
		 "SELECT content_hash FROM @.warning_revisions WHERE region_id = "
		 "? AND lang_key = ? AND valid_date = ? AND publish_time = ? AND "
		 "content_hash = ?"},
		{&cs->sel_date, "SELECT " WARNING_COLUMNS
				" FROM @.warnings_by_date WHERE valid_date = ?"},
		{&cs->sel_problems,
		 "SELECT problem_id, problem_type_id, problem_type_name, "
		 "cause_id, cause_name, aval_type_id, aval_type_name, ext_id, "
		 "ext_name, trigger_simple_id, trigger_simple_name, "
		 "trigger_sensitivity_id, trigger_sensitivity_name, size_id, "
		 "size_name, probability_id, probability_name, propagation_id, "
		 "propagation_name, exposed_height_1, exposed_height_2, "
		 "exposed_height_fill, valid_expositions, danger_level, text "
		 "FROM @.problems_by_warning WHERE region_id = ? AND lang_key = ? "
		 "AND valid_date = ?"},
	};
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
		char *q = qualify(cs, st[i].cql);
		if (!q)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		sk_err_t rc = sk_cql_session_prepare(cs->s, q, st[i].ps, err);
		free(q);
		if (rc != SK_OK)
			return rc;
	}
	return SK_OK;
}

static void cass_close(struct sk_store *st)
{
	struct cstore *cs = (struct cstore *)st;
	if (!cs)
		return;
	sk_cql_session_close(cs->s);
	free(cs->known);
	free(cs->cov);
	free(cs->revs);
	free(cs);
}

/* Keyspace names are identifiers: letters, digits, underscore. */
static bool ident_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 48)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* ------------------------------------------------------------ schema */

/* A store_meta value; *found false when the key has no row. */
static sk_err_t meta_get(struct cstore *cs, const char *key, int64_t *v,
			 bool *found, struct sk_error *err)
{
	char *q = qualify(cs, "SELECT value FROM @.store_meta WHERE key = ?");
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	struct sk_cql_value kv = sk_cql_value_text(key);
	struct sk_cql_params p = {.values = &kv, .n_values = 1};
	struct sk_cql_result *res = NULL;
	sk_err_t rc = sk_cql_session_query(cs->s, q, &p, &res, err);
	free(q);
	if (rc != SK_OK)
		return rc;
	const struct sk_cql_value *c =
		res->n_rows ? sk_cql_result_cell(res, 0, 0) : NULL;
	*found = c && c->kind == SK_CQL_BIGINT;
	*v = *found ? c->u.i64 : 0;
	sk_cql_result_free(res);
	return SK_OK;
}

/* Whether table has column (from system_schema, this node's view). */
static sk_err_t has_column(struct cstore *cs, const char *table,
			   const char *column, bool *yes, struct sk_error *err)
{
	/* Unquoted names are stored in lower case. */
	char ks[sizeof cs->ks];
	size_t i;
	for (i = 0; cs->ks[i] && i + 1 < sizeof ks; i++)
		ks[i] = (char)(cs->ks[i] >= 'A' && cs->ks[i] <= 'Z'
				       ? cs->ks[i] - 'A' + 'a'
				       : cs->ks[i]);
	ks[i] = '\0';
	struct sk_cql_value v[3] = {sk_cql_value_text(ks),
				    sk_cql_value_text(table),
				    sk_cql_value_text(column)};
	struct sk_cql_params p = {.values = v, .n_values = 3};
	struct sk_cql_result *res = NULL;
	if (sk_cql_session_query(cs->s,
				 "SELECT type FROM system_schema.columns WHERE "
				 "keyspace_name = ? AND table_name = ? AND "
				 "column_name = ?",
				 &p, &res, err) != SK_OK)
		return err->code;
	*yes = res->n_rows > 0;
	sk_cql_result_free(res);
	return SK_OK;
}

/* Length of the shortest prefix the list is a whole repetition of: a
 * non-frozen list written twice at the same timestamp holds its elements
 * twice in order (L L), three times after two replays, and so on. */
static size_t list_period(const struct sk_cql_value *it, size_t n)
{
	for (size_t m = 1; m < n; m++) {
		if (n % m)
			continue;
		size_t i;
		for (i = m; i < n; i++)
			if (it[i].kind != it[i % m].kind ||
			    (it[i].kind == SK_CQL_TEXT &&
			     (it[i].u.text.len != it[i % m].u.text.len ||
			      memcmp(it[i].u.text.p, it[i % m].u.text.p,
				     it[i].u.text.len))))
				break;
		if (i == n)
			return m;
	}
	return n;
}

/* Copy table's old `advices` into `advice_list`, one copy of a list that
 * replays repeated, written with the row's own timestamp (that of reg_id,
 * set by the same INSERT) so that revision order still decides. */
static sk_err_t copy_advices(struct cstore *cs, const char *table,
			     size_t *copied, struct sk_error *err)
{
	char sel[160], upd[200];
	snprintf(sel, sizeof sel,
		 "SELECT region_id, lang_key, valid_date, advices, "
		 "WRITETIME(reg_id) FROM @.%s",
		 table);
	snprintf(upd, sizeof upd,
		 "UPDATE @.%s SET advice_list = ? WHERE region_id = ? AND "
		 "lang_key = ? AND valid_date = ?",
		 table);
	char *qs = qualify(cs, sel), *qu = qualify(cs, upd);
	const struct sk_cql_prepared *ps = NULL;
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 500};
	sk_err_t rc = SK_OK;
	if (!qs || !qu) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto done;
	}
	if ((rc = sk_cql_session_prepare(cs->s, qu, &ps, err)) != SK_OK ||
	    (rc = sk_cql_rows_open(&it, cs->s, qs, NULL, &p, err)) != SK_OK)
		goto done;
	const struct sk_cql_value *row;
	while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
		if (row[3].kind != SK_CQL_LIST || !row[3].u.coll.n ||
		    row[4].kind != SK_CQL_BIGINT)
			continue;
		struct sk_cql_value v[4] = {
			sk_cql_value_list(row[3].u.coll.items,
					  list_period(row[3].u.coll.items,
						      row[3].u.coll.n)),
			row[0], row[1], row[2]};
		if ((rc = submit(cs, ps, v, 4, row[4].u.i64, err)) != SK_OK)
			break;
		(*copied)++;
	}
	struct sk_cql_wait_report rep = {0};
	struct sk_error werr = {0};
	if (sk_cql_session_wait_all(cs->s, &rep, &werr) != SK_OK &&
	    rc == SK_OK) {
		*err = werr;
		rc = werr.code;
	}
done:
	sk_cql_rows_close(it);
	free(qs);
	free(qu);
	return rc;
}

/* ------------------------------------------------------------ writes */

static sk_err_t cass_begin(struct sk_store *st, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	if (cs->in_tx)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: begin inside a batch");
	cs->in_tx = true;
	cs->submitted = 0;
	return SK_OK;
}

static sk_err_t submit(struct cstore *cs, const struct sk_cql_prepared *ps,
		       const struct sk_cql_value *v, size_t n, int64_t ts_us,
		       struct sk_error *err)
{
	struct sk_cql_params p = {.values = v, .n_values = n,
				  .timestamp_us = ts_us};
	uint64_t ticket;
	if (sk_cql_session_submit_execute(cs->s, ps, &p, &ticket, err) !=
	    SK_OK)
		return err->code;
	cs->submitted++;
	return SK_OK;
}

static int64_t day_of(const struct sk_cql_value *date)
{
	return (int64_t)date->u.date - 2147483648LL;
}

/* A (publish_time, content_hash, WRITETIME(reg_id)) cell triple as a
 * current row. */
static void cells_current(const struct sk_cql_value *t,
			  const struct sk_cql_value *h,
			  const struct sk_cql_value *wt,
			  struct sk_store_current *cur)
{
	memset(cur, 0, sizeof *cur);
	cur->found = true;
	cur->has_pub = t && t->kind == SK_CQL_TIMESTAMP;
	cur->pub_ms = cur->has_pub ? t->u.i64 : 0;
	if (h && h->kind == SK_CQL_TEXT)
		snprintf(cur->hash, sizeof cur->hash, "%.*s",
			 (int)h->u.text.len, h->u.text.p);
	cur->version = wt && wt->kind == SK_CQL_BIGINT ? wt->u.i64 : 0;
}

/* Current row of the key; cur->found false if none. */
static sk_err_t read_current(struct cstore *cs, const struct sk_cql_value *key,
			     struct sk_store_current *cur,
			     struct sk_error *err)
{
	struct sk_cql_params p = {.values = key, .n_values = 3};
	struct sk_cql_result *res = NULL;
	memset(cur, 0, sizeof *cur);
	if (sk_cql_session_execute(cs->s, cs->sel_current, &p, &res, err) !=
	    SK_OK)
		return err->code;
	if (res->n_rows > 0)
		cells_current(sk_cql_result_cell(res, 0, 0),
			      sk_cql_result_cell(res, 0, 1),
			      sk_cql_result_cell(res, 0, 2), cur);
	sk_cql_result_free(res);
	return SK_OK;
}

static struct known *known_find(struct cstore *cs, int region, int lang,
				int64_t day)
{
	for (size_t i = cs->n_known; i-- > 0;) {
		struct known *k = &cs->known[i];
		if (k->region == region && k->lang == lang && k->day == day)
			return k;
	}
	return NULL;
}

static sk_err_t known_set(struct cstore *cs, int region, int lang, int64_t day,
			  const struct sk_store_current *cur,
			  struct known **out, struct sk_error *err)
{
	struct known *k = known_find(cs, region, lang, day);
	if (!k) {
		if (cs->n_known == cs->cap_known) {
			size_t cap = cs->cap_known ? cs->cap_known * 2 : 256;
			struct known *n = realloc(cs->known, cap * sizeof *n);
			if (!n)
				return sk_error_set(err, SK_ERR_NOMEM, true,
						    "out of memory");
			cs->known = n;
			cs->cap_known = cap;
		}
		k = &cs->known[cs->n_known++];
		k->region = region;
		k->lang = lang;
		k->day = day;
	}
	k->written = false;
	k->cur = *cur;
	if (out)
		*out = k;
	return SK_OK;
}

static bool is_covered(const struct cstore *cs, int region, int lang,
		       int64_t day)
{
	for (size_t i = 0; i < cs->n_cov; i++) {
		const struct covered *c = &cs->cov[i];
		if (c->region == region && c->lang == lang && day >= c->from &&
		    day <= c->to)
			return true;
	}
	return false;
}

/* Read the current state of every key in a few range queries: one per
 * (region, language) over the days the keys span. Keys that do not parse
 * are left to put()'s own read. */
static sk_err_t cass_prefetch(struct sk_store *st, const char *const *keys,
			      size_t n, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	cs->n_known = 0;
	cs->n_cov = 0;
	for (size_t i = 0; i < n; i++) {
		int region, lang;
		char date[11];
		struct sk_date d;
		if (sscanf(keys[i], "%d:%d:%10s", &region, &lang, date) != 3 ||
		    sk_date_parse(date, &d) != SK_OK)
			continue;
		int64_t day = sk_days_from_civil(d.y, d.m, d.d);
		size_t j;
		for (j = 0; j < cs->n_cov; j++)
			if (cs->cov[j].region == region && cs->cov[j].lang == lang)
				break;
		if (j == cs->n_cov) {
			if (cs->n_cov == cs->cap_cov) {
				size_t cap = cs->cap_cov ? cs->cap_cov * 2 : 32;
				struct covered *c =
					realloc(cs->cov, cap * sizeof *c);
				if (!c)
					return sk_error_set(err, SK_ERR_NOMEM,
							    true,
							    "out of memory");
				cs->cov = c;
				cs->cap_cov = cap;
			}
			cs->cov[j] = (struct covered){region, lang, day, day};
			cs->n_cov++;
		}
		if (day < cs->cov[j].from)
			cs->cov[j].from = day;
		if (day > cs->cov[j].to)
			cs->cov[j].to = day;
	}
	for (size_t j = 0; j < cs->n_cov; j++) {
		const struct covered *c = &cs->cov[j];
		struct sk_cql_value v[4] = {sk_cql_value_int(c->region),
					    sk_cql_value_int(c->lang),
					    sk_cql_value_date(c->from),
					    sk_cql_value_date(c->to)};
		struct sk_cql_params p = {.values = v, .n_values = 4};
		struct sk_cql_result *res = NULL;
		if (sk_cql_session_execute(cs->s, cs->sel_range, &p, &res,
					   err) != SK_OK) {
			cs->n_cov = 0; /* fall back to per-put reads */
			cs->n_known = 0;
			return err->code;
		}
		for (int32_t r = 0; r < res->n_rows; r++) {
			const struct sk_cql_value *row =
				sk_cql_result_cell(res, r, 0);
			if (row[0].kind != SK_CQL_DATE)
				continue;
			struct sk_store_current cur;
			cells_current(&row[1], &row[2], &row[3], &cur);
			sk_err_t rc = known_set(cs, c->region, c->lang,
						day_of(&row[0]), &cur, NULL,
						err);
			if (rc != SK_OK) {
				sk_cql_result_free(res);
				return rc;
			}
		}
		sk_cql_result_free(res);
	}
	return SK_OK;
}

static sk_err_t cass_current(struct sk_store *st, const struct sk_warning *w,
			     struct sk_store_current *cur,
			     struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	if (!cs->in_tx)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: put outside begin");
	struct sk_cql_value date;
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	struct sk_cql_value key[3] = {sk_cql_value_int(w->region_id),
				      sk_cql_value_int(w->lang_key), date};
	const struct known *kn =
		known_find(cs, w->region_id, w->lang_key, day_of(&date));
	memset(cur, 0, sizeof *cur);
	if (kn) {
		*cur = kn->cur;
		return SK_OK;
	}
	if (is_covered(cs, w->region_id, w->lang_key, day_of(&date)))
		return SK_OK;
	return read_current(cs, key, cur, err);
}

/* A missing publish time is timestamp 0 in warning_revisions (a clustering
 * column cannot be NULL). */
static struct sk_cql_value rev_pub(const struct sk_warning *w)
{
	return sk_cql_value_timestamp(w->publish_time.has_utc
					      ? w->publish_time.utc_ms
					      : 0);
}

static sk_err_t cass_revision_seen(struct sk_store *st,
				   const struct sk_warning *w,
				   const char *hash, bool *seen,
				   struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	struct sk_cql_value date;
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	int64_t day = day_of(&date);
	bool has = w->publish_time.has_utc;
	int64_t pub = has ? w->publish_time.utc_ms : 0;
	for (size_t i = 0; i < cs->n_revs; i++) {
		const struct rev_note *r = &cs->revs[i];
		if (r->region == w->region_id && r->lang == w->lang_key &&
		    r->day == day && r->has_pub == has && r->pub == pub &&
		    !strcmp(r->hash, hash)) {
			*seen = true;
			return SK_OK;
		}
	}
	struct sk_cql_value v[5] = {sk_cql_value_int(w->region_id),
				    sk_cql_value_int(w->lang_key), date,
				    rev_pub(w), sk_cql_value_text(hash)};
	struct sk_cql_params p = {.values = v, .n_values = 5};
	struct sk_cql_result *res = NULL;
	if (sk_cql_session_execute(cs->s, cs->sel_rev_seen, &p, &res, err) !=
	    SK_OK)
		return err->code;
	*seen = res->n_rows > 0;
	sk_cql_result_free(res);
	return SK_OK;
}

static sk_err_t rev_note_add(struct cstore *cs, const struct sk_warning *w,
			     int64_t day, const char *hash,
			     struct sk_error *err)
{
	if (cs->n_revs == cs->cap_revs) {
		size_t cap = cs->cap_revs ? cs->cap_revs * 2 : 64;
		struct rev_note *n = realloc(cs->revs, cap * sizeof *n);
		if (!n)
			return sk_error_set(err, SK_ERR_NOMEM, true,
					    "out of memory");
		cs->revs = n;
		cs->cap_revs = cap;
	}
	struct rev_note *r = &cs->revs[cs->n_revs++];
	r->region = w->region_id;
	r->lang = w->lang_key;
	r->day = day;
	r->has_pub = w->publish_time.has_utc;
	r->pub = r->has_pub ? w->publish_time.utc_ms : 0;
	snprintf(r->hash, sizeof r->hash, "%s", hash);
	return SK_OK;
}

/* Submit the current row of w (both warning tables; warnings_by_region
 * without its content_hash, set by the caller once every write is
 * acknowledged) and its children at ts; clear first deletes the previous
 * revision's children 1 µs earlier. */
static sk_err_t write_current(struct cstore *cs, const struct sk_warning *w,
			      const char *hash, int64_t ts, bool clear,
			      struct sk_error *err)
{
	struct sk_cql_value date;
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	struct sk_cql_value key[3] = {sk_cql_value_int(w->region_id),
				      sk_cql_value_int(w->lang_key), date};
	struct sk_cql_value *adv = calloc(w->n_advices + 1, sizeof *adv);
	if (!adv)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	struct sk_cql_value v[N_WARNING_COLUMNS];
	warning_values(w, &date, adv, hash, v);
	sk_err_t rc = submit(cs, cs->ins_date, v, N_WARNING_COLUMNS, ts, err);
	/* warnings_by_region's content_hash is what says "this revision is
	 * completely stored": it is set after every other write of the
	 * record was acknowledged, so a crash in between leaves a hash that
	 * makes the replay write again. */
	v[N_WARNING_COLUMNS - 1] = sk_cql_value_unset();
	if (rc == SK_OK)
		rc = submit(cs, cs->ins_region, v, N_WARNING_COLUMNS, ts, err);
	free(adv);
	if (rc != SK_OK)
		return rc;
	if (clear && (submit(cs, cs->del_problems, key, 3, ts - 1, err) !=
			      SK_OK ||
		      submit(cs, cs->del_weather, key, 3, ts - 1, err) !=
			      SK_OK ||
		      submit(cs, cs->del_advices, key, 3, ts - 1, err) !=
			      SK_OK))
		return err->code;
	for (size_t i = 0; i < w->n_problems; i++) {
		const struct sk_problem *p = &w->problems[i];
		struct sk_cql_value pv[28] = {
			key[0], key[1], key[2],
			sk_cql_value_int(p->problem_id),
			v_int(p->problem_type_id),
			sk_cql_value_text(p->problem_type_name),
			v_int(p->cause_id),
			sk_cql_value_text(p->cause_name),
			v_int(p->aval_type_id),
			sk_cql_value_text(p->aval_type_name),
			v_int(p->ext_id),
			sk_cql_value_text(p->ext_name),
			v_int(p->trigger_simple_id),
			sk_cql_value_text(p->trigger_simple_name),
			v_int(p->trigger_sensitivity_id),
			sk_cql_value_text(p->trigger_sensitivity_name),
			v_int(p->size_id),
			sk_cql_value_text(p->size_name),
			v_int(p->probability_id),
			sk_cql_value_text(p->probability_name),
			v_int(p->propagation_id),
			sk_cql_value_text(p->propagation_name),
			v_int(p->exposed_height_1),
			v_int(p->exposed_height_2),
			v_int(p->exposed_height_fill),
			sk_cql_value_text(p->valid_expositions),
			v_int(p->danger_level),
			sk_cql_value_text(p->text),
		};
		if (submit(cs, cs->ins_problem, pv, 28, ts, err) != SK_OK)
			return err->code;
	}
	for (size_t i = 0; i < w->n_weather; i++) {
		const struct sk_weather_value *x = &w->weather[i];
		struct sk_cql_value wv[8] = {
			key[0], key[1], key[2],
			sk_cql_value_int(x->type_id),
			sk_cql_value_int(x->subtype_id),
			sk_cql_value_text(x->type_name),
			sk_cql_value_text(x->subtype_name),
			sk_cql_value_text(x->value),
		};
		if (submit(cs, cs->ins_weather, wv, 8, ts, err) != SK_OK)
			return err->code;
	}
	for (size_t i = 0; i < w->n_advices; i++) {
		const struct sk_advice *a = &w->advices[i];
		struct sk_cql_value av[6] = {
			key[0], key[1], key[2],
			sk_cql_value_int(a->position),
			sk_cql_value_text(a->text),
			sk_cql_value_text(a->image_url),
		};
		if (submit(cs, cs->ins_advice, av, 6, ts, err) != SK_OK)
			return err->code;
	}
	return SK_OK;
}

/* Timestamps: the publish time in µs (+1 ms, so the deletes 1 µs earlier
 * stay after any earlier second); an update that ties with the current
 * row's write time goes 2 µs after it. */
static sk_err_t cass_write(struct sk_store *st,
			   const struct sk_store_write *wr,
			   struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	const struct sk_warning *w = wr->w;
	struct sk_cql_value date;
	if (v_date(w->valid_date, &date, err) != SK_OK)
		return err->code;
	int64_t day = day_of(&date);
	int64_t pub = w->publish_time.has_utc ? w->publish_time.utc_ms : 0;
	int64_t ts = pub * 1000 + 1000;
	if (wr->revision) {
		struct sk_cql_value rv[9] = {
			sk_cql_value_int(w->region_id),
			sk_cql_value_int(w->lang_key),
			date,
			rev_pub(w),
			sk_cql_value_text(wr->hash),
			sk_cql_value_bigint(w->reg_id),
			sk_cql_value_int(w->danger_level),
			sk_cql_value_text(w->main_text),
			sk_cql_value_textn(wr->raw ? wr->raw : "",
					   wr->raw ? wr->raw_len : 0),
		};
		if (submit(cs, cs->ins_revision, rv, 9, ts, err) != SK_OK ||
		    rev_note_add(cs, w, day, wr->hash, err) != SK_OK)
			return err->code;
	}
	if (wr->what != SK_STORE_INSERTED && wr->what != SK_STORE_UPDATED)
		return SK_OK;
	if (wr->cur->found && wr->cur->version + 2 > ts)
		ts = wr->cur->version + 2;
	if (write_current(cs, w, wr->hash, ts, wr->cur->found, err) != SK_OK)
		return err->code;
	/* A later record of this batch with the same key sees this one. */
	struct sk_store_current now = {
		.found = true, .has_pub = w->publish_time.has_utc,
		.pub_ms = pub, .version = ts};
	snprintf(now.hash, sizeof now.hash, "%s", wr->hash);
	struct known *k;
	if (known_set(cs, w->region_id, w->lang_key, day, &now, &k, err) !=
	    SK_OK)
		return err->code;
	k->written = true;
	return SK_OK;
}

static sk_err_t cass_commit(struct sk_store *st, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	if (!cs->in_tx)
		return sk_error_set(err, SK_ERR_INVAL, false,
				    "cassandra store: commit without begin");
	cs->in_tx = false;
	struct sk_cql_wait_report rep = {0};
	sk_err_t rc = sk_cql_session_wait_all(cs->s, &rep, err);
	if (rc == SK_OK && rep.n_failed)
		rc = sk_error_set(err, SK_ERR_STORE, true,
				  "cassandra: %zu of %zu writes not "
				  "acknowledged",
				  rep.n_failed, rep.n_ok + rep.n_failed);
	if (rc == SK_OK && cs->submitted)
		sk_crash_point("cassandra.before_mark");
	/* Phase 2: mark each written record complete, and stamp the
	 * warehouse's last write (pipelined with the marks). */
	bool wrote = cs->submitted > 0;
	int64_t now = sk_now_ms();
	for (size_t i = 0; rc == SK_OK && i < cs->n_known; i++) {
		const struct known *k = &cs->known[i];
		if (!k->written)
			continue;
		struct sk_cql_value v[4] = {
			sk_cql_value_text(k->cur.hash),
			sk_cql_value_int(k->region), sk_cql_value_int(k->lang),
			sk_cql_value_date(k->day)};
		rc = submit(cs, cs->upd_hash, v, 4, k->cur.version, err);
	}
	if (rc == SK_OK && wrote) {
		struct sk_cql_value v = sk_cql_value_bigint(now);
		rc = submit(cs, cs->upd_meta, &v, 1, now * 1000, err);
	}
	if (rc == SK_OK) {
		memset(&rep, 0, sizeof rep);
		rc = sk_cql_session_wait_all(cs->s, &rep, err);
		if (rc == SK_OK && rep.n_failed)
			rc = sk_error_set(err, SK_ERR_STORE, true,
					  "cassandra: %zu of %zu writes not "
					  "acknowledged",
					  rep.n_failed,
					  rep.n_ok + rep.n_failed);
	}
	cs->n_known = 0;
	cs->n_cov = 0;
	cs->n_revs = 0;
	if (rc != SK_OK)
		return rc;
	if (wrote)
		cs->last_write_ms = now;
	return SK_OK;
}

static void cass_rollback(struct sk_store *st)
{
	struct cstore *cs = (struct cstore *)st;
	struct sk_cql_wait_report rep;
	struct sk_error err = {0};
	/* Writes already sent may land; they are idempotent upserts. */
	sk_cql_session_wait_all(cs->s, &rep, &err);
	cs->in_tx = false;
	cs->n_known = 0;
	cs->n_cov = 0;
	cs->n_revs = 0;
}

/* ------------------------------------------------------------ reads */

static char *cell_str(const struct sk_cql_value *v)
{
	if (!v || v->kind != SK_CQL_TEXT)
		return NULL;
	return sk_strndup(v->u.text.p, v->u.text.len);
}

static int cell_int(const struct sk_cql_value *v)
{
	return v && v->kind == SK_CQL_INT ? v->u.i32 : -1;
}

static int64_t cell_big(const struct sk_cql_value *v)
{
	return v && v->kind == SK_CQL_BIGINT ? v->u.i64 : -1;
}

static int cell_tri(const struct sk_cql_value *v)
{
	return v && v->kind == SK_CQL_BOOLEAN ? v->u.b : -1;
}

static void cell_time(const struct sk_cql_value *v, struct sk_time_field *t)
{
	t->has_utc = v && v->kind == SK_CQL_TIMESTAMP;
	t->utc_ms = t->has_utc ? v->u.i64 : 0;
}

/* A result row read by column name (the result metadata), never by
 * position. */
struct row {
	const struct sk_cql_meta *m;
	const struct sk_cql_value *c;
};

/* The cell of column name, NULL when the result has no such column. */
static const struct sk_cql_value *col(const struct row *r, const char *name)
{
	if (!r->m->columns)
		return NULL;
	for (int32_t i = 0; i < r->m->n_columns; i++)
		if (!strcmp(r->m->columns[i].name, name))
			return &r->c[i];
	return NULL;
}

static void cell_date(const struct sk_cql_value *v, char out[11])
{
	out[0] = '\0';
	if (!v || v->kind != SK_CQL_DATE)
		return;
	struct sk_date d;
	sk_civil_from_days(day_of(v), &d.y, &d.m, &d.d);
	sk_date_format(&d, out);
}

static sk_err_t row_to_warning(const struct row *r, struct sk_warning **out,
			       struct sk_error *err)
{
	struct sk_warning *w = calloc(1, sizeof *w);
	if (!w)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	w->region_id = cell_int(col(r, "region_id"));
	w->lang_key = cell_int(col(r, "lang_key"));
	cell_date(col(r, "valid_date"), w->valid_date);
	w->reg_id = cell_big(col(r, "reg_id"));
	w->region_name = cell_str(col(r, "region_name"));
	w->region_type_id = cell_int(col(r, "region_type_id"));
	w->region_type_name = cell_str(col(r, "region_type_name"));
	w->danger_level = cell_int(col(r, "danger_level"));
	w->not_assessed = cell_tri(col(r, "not_assessed")) == 1;
	cell_time(col(r, "valid_from"), &w->valid_from);
	cell_time(col(r, "valid_to"), &w->valid_to);
	cell_time(col(r, "next_warning_time"), &w->next_warning_time);
	cell_time(col(r, "publish_time"), &w->publish_time);
	cell_time(col(r, "danger_increase_time"), &w->danger_increase_time);
	cell_time(col(r, "danger_decrease_time"), &w->danger_decrease_time);
	w->main_text = cell_str(col(r, "main_text"));
	w->danger_level_name = cell_str(col(r, "danger_level_name"));
	w->author = cell_str(col(r, "author"));
	w->avalanche_danger = cell_str(col(r, "avalanche_danger"));
	w->emergency_warning = cell_str(col(r, "emergency_warning"));
	w->snow_surface = cell_str(col(r, "snow_surface"));
	w->current_weaklayers = cell_str(col(r, "current_weaklayers"));
	w->latest_avalanche_activity =
		cell_str(col(r, "latest_avalanche_activity"));
	w->latest_observations = cell_str(col(r, "latest_observations"));
	w->previous_warning_reg_id = cell_big(col(r, "previous_warning_reg_id"));
	w->is_tendency = cell_tri(col(r, "is_tendency"));
	w->is_detail = cell_tri(col(r, "is_detail")) == 1;
	w->utm_zone = cell_int(col(r, "utm_zone"));
	w->utm_east = cell_int(col(r, "utm_east"));
	w->utm_north = cell_int(col(r, "utm_north"));
	w->cloud_cover_id = cell_int(col(r, "cloud_cover_id"));
	/* Rows of schema 2 have no has_weather: it was "a cloud cover". */
	int hw = cell_tri(col(r, "has_weather"));
	w->has_weather = hw < 0 ? w->cloud_cover_id != -1 : hw == 1;
	w->cloud_cover_name = cell_str(col(r, "cloud_cover_name"));
	w->weather_comment = cell_str(col(r, "weather_comment"));
	cell_time(col(r, "weather_saved_time"), &w->weather_saved_time);
	*out = w;
	return SK_OK;
}

/* Advices from advice_list alone (rows no advices_by_warning row has been
 * written for): texts, no image URLs. */
static sk_err_t advices_from_list(struct sk_warning *w,
				  const struct sk_cql_value *list,
				  struct sk_error *err)
{
	if (!list || list->kind != SK_CQL_LIST || !list->u.coll.n)
		return SK_OK;
	size_t n = list->u.coll.n;
	if (!(w->advices = calloc(n, sizeof *w->advices)))
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	for (size_t i = 0; i < n; i++) {
		w->advices[i].position = (int)i;
		w->advices[i].text = cell_str(&list->u.coll.items[i]);
	}
	w->n_advices = n;
	return SK_OK;
}

enum child_kind { CHILD_PROBLEM, CHILD_ADVICE, CHILD_WEATHER };

static void read_problem(const struct row *r, struct sk_problem *q)
{
	q->problem_id = cell_int(col(r, "problem_id"));
	q->problem_type_id = cell_int(col(r, "problem_type_id"));
	q->problem_type_name = cell_str(col(r, "problem_type_name"));
	q->cause_id = cell_int(col(r, "cause_id"));
	q->cause_name = cell_str(col(r, "cause_name"));
	q->aval_type_id = cell_int(col(r, "aval_type_id"));
	q->aval_type_name = cell_str(col(r, "aval_type_name"));
	q->ext_id = cell_int(col(r, "ext_id"));
	q->ext_name = cell_str(col(r, "ext_name"));
	q->trigger_simple_id = cell_int(col(r, "trigger_simple_id"));
	q->trigger_simple_name = cell_str(col(r, "trigger_simple_name"));
	q->trigger_sensitivity_id = cell_int(col(r, "trigger_sensitivity_id"));
	q->trigger_sensitivity_name =
		cell_str(col(r, "trigger_sensitivity_name"));
	q->size_id = cell_int(col(r, "size_id"));
	q->size_name = cell_str(col(r, "size_name"));
	q->probability_id = cell_int(col(r, "probability_id"));
	q->probability_name = cell_str(col(r, "probability_name"));
	q->propagation_id = cell_int(col(r, "propagation_id"));
	q->propagation_name = cell_str(col(r, "propagation_name"));
	q->exposed_height_1 = cell_int(col(r, "exposed_height_1"));
	q->exposed_height_2 = cell_int(col(r, "exposed_height_2"));
	q->exposed_height_fill = cell_int(col(r, "exposed_height_fill"));
	q->valid_expositions = cell_str(col(r, "valid_expositions"));
	q->danger_level = cell_int(col(r, "danger_level"));
	q->text = cell_str(col(r, "text"));
}

static void read_advice(const struct row *r, struct sk_advice *a)
{
	a->position = cell_int(col(r, "position"));
	a->text = cell_str(col(r, "text"));
	a->image_url = cell_str(col(r, "image_url"));
}

static void read_weather(const struct row *r, struct sk_weather_value *x)
{
	x->type_id = cell_int(col(r, "type_id"));
	x->type_name = cell_str(col(r, "type_name"));
	x->subtype_id = cell_int(col(r, "subtype_id"));
	x->subtype_name = cell_str(col(r, "subtype_name"));
	x->value = cell_str(col(r, "value"));
}

/* Children of one kind, in clustering (primary-key) order. The arrays are
 * sized to the result and every element is filled, so sk_warning_free is
 * safe whatever happens. */
static sk_err_t load_children(struct cstore *cs, struct sk_warning *w,
			      enum child_kind k,
			      const struct sk_cql_value *key,
			      struct sk_error *err)
{
	static const size_t max[] = {SK_LIMIT_PROBLEMS, SK_LIMIT_ADVICES,
				     SK_LIMIT_WEATHER_VALUES};
	const struct sk_cql_prepared *ps[] = {cs->sel_problems, cs->sel_advices,
					      cs->sel_weather};
	struct sk_cql_params p = {.values = key, .n_values = 3};
	struct sk_cql_result *res = NULL;
	if (sk_cql_session_execute(cs->s, ps[k], &p, &res, err) != SK_OK)
		return err->code;
	size_t n = res->n_rows > 0 ? (size_t)res->n_rows : 0;
	sk_err_t rc = SK_OK;
	if (n > max[k]) {
		rc = sk_error_set(err, SK_ERR_LIMIT, false,
				  "%zu children of kind %d in one warning", n,
				  (int)k);
		goto out;
	}
	if (!n)
		goto out;
	size_t size = k == CHILD_PROBLEM  ? sizeof *w->problems
		      : k == CHILD_ADVICE ? sizeof *w->advices
					  : sizeof *w->weather;
	void *arr = calloc(n, size);
	if (!arr) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct row r = {&res->meta,
				sk_cql_result_cell(res, (int32_t)i, 0)};
		if (k == CHILD_PROBLEM)
			read_problem(&r, &((struct sk_problem *)arr)[i]);
		else if (k == CHILD_ADVICE)
			read_advice(&r, &((struct sk_advice *)arr)[i]);
		else
			read_weather(&r, &((struct sk_weather_value *)arr)[i]);
	}
	if (k == CHILD_PROBLEM) {
		w->problems = arr;
		w->n_problems = n;
	} else if (k == CHILD_ADVICE) {
		w->advices = arr;
		w->n_advices = n;
	} else {
		w->weather = arr;
		w->n_weather = n;
	}
out:
	sk_cql_result_free(res);
	return rc;
}

static sk_err_t load_all_children(struct cstore *cs, struct sk_warning *w,
				  const struct row *r, struct sk_error *err)
{
	const struct sk_cql_value *d = col(r, "valid_date");
	struct sk_cql_value key[3] = {sk_cql_value_int(w->region_id),
				      sk_cql_value_int(w->lang_key),
				      d ? *d : sk_cql_value_null()};
	sk_err_t rc = SK_OK;
	for (int k = CHILD_PROBLEM; k <= CHILD_WEATHER && rc == SK_OK; k++)
		rc = load_children(cs, w, (enum child_kind)k, key, err);
	if (rc == SK_OK && !w->n_advices)
		rc = advices_from_list(w, col(r, "advice_list"), err);
	return rc;
}

static bool wanted(const struct sk_store_query *q, int region, int lang)
{
	if (q->lang_key && q->lang_key != lang)
		return false;
	if (!q->region_ids || !q->n_regions)
		return true;
	for (size_t i = 0; i < q->n_regions; i++)
		if (q->region_ids[i] == region)
			return true;
	return false;
}

/* One date partition of warnings_by_date at a time, in date order; rows
 * within it are clustered by (region_id, lang_key): the store contract's
 * order. */
static sk_err_t cass_query(struct sk_store *st, const struct sk_store_query *q,
			   sk_store_row_fn fn, void *ud, struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	size_t rows = 0;
	for (struct sk_date d = q->from; sk_date_cmp(&d, &q->to) <= 0;
	     d = sk_date_add_days(d, 1)) {
		struct sk_cql_value dv =
			sk_cql_value_date(sk_days_from_civil(d.y, d.m, d.d));
		struct sk_cql_params p = {.values = &dv, .n_values = 1,
					  .page_size = 500};
		struct sk_cql_rows *it = NULL;
		if (sk_cql_rows_open(&it, cs->s, NULL, cs->sel_date, &p, err) !=
		    SK_OK)
			return err->code;
		const struct sk_cql_value *row;
		sk_err_t rc;
		bool stop = false;
		while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
			struct row r = {sk_cql_rows_meta(it), row};
			if (!wanted(q, cell_int(col(&r, "region_id")),
				    cell_int(col(&r, "lang_key"))))
				continue;
			struct sk_warning *w = NULL;
			if ((rc = row_to_warning(&r, &w, err)) != SK_OK)
				break;
			if (q->with_children)
				rc = load_all_children(cs, w, &r, err);
			if (rc == SK_OK)
				stop = fn(w, ud) != 0;
			sk_warning_free(w);
			if (rc != SK_OK)
				break;
			if (stop || (q->limit && ++rows >= q->limit)) {
				stop = true;
				break;
			}
		}
		sk_cql_rows_close(it);
		if (rc != SK_OK)
			return rc;
		if (stop)
			break;
	}
	return SK_OK;
}

static sk_err_t cass_stats(struct sk_store *st, struct sk_store_stats *out,
			   struct sk_error *err)
{
	struct cstore *cs = (struct cstore *)st;
	memset(out, 0, sizeof *out);
	static const char *const counts[] = {
		"SELECT COUNT(*) FROM @.warnings_by_region",
		"SELECT COUNT(*) FROM @.problems_by_warning",
		"SELECT COUNT(*) FROM @.warning_revisions",
	};
	int64_t *dst[] = {&out->warnings, &out->problems, &out->revisions};
	for (size_t i = 0; i < 3; i++) {
		struct sk_cql_result *res = NULL;
		char *q = qualify(cs, counts[i]);
		if (!q)
			return sk_error_set(err, SK_ERR_NOMEM, false,
					    "out of memory");
		sk_err_t rc = sk_cql_session_query(cs->s, q, NULL, &res, err);
		free(q);
		if (rc != SK_OK)
			return rc;
		*dst[i] = res->n_rows ? cell_big(sk_cql_result_cell(res, 0, 0))
				      : 0;
		sk_cql_result_free(res);
	}
	struct sk_cql_result *res = NULL;
	char *q = qualify(cs, "SELECT value FROM @.store_meta WHERE key = "
			      "'last_write'");
	if (!q)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	sk_err_t rc = sk_cql_session_query(cs->s, q, NULL, &res, err);
	free(q);
	if (rc != SK_OK)
		return rc;
	out->last_write_ms = res->n_rows ? cell_big(sk_cql_result_cell(res, 0, 0))
					 : 0;
	sk_cql_result_free(res);
	if (cs->last_write_ms > out->last_write_ms)
		out->last_write_ms = cs->last_write_ms;
	return SK_OK;
}

/* Set the content_hash of every row this batch wrote (in cs->known), once
 * all the batch's writes are acknowledged; then forget them. */
static sk_err_t mark_written(struct cstore *cs, struct sk_error *err)
{
	struct sk_cql_wait_report rep = {0};
	sk_err_t rc = sk_cql_session_wait_all(cs->s, &rep, err);
	for (int round = 0; round < 2 && rc == SK_OK; round++) {
		if (rep.n_failed)
			return sk_error_set(err, SK_ERR_STORE, true,
					    "cassandra: %zu of %zu migration "
					    "writes not acknowledged",
					    rep.n_failed,
					    rep.n_ok + rep.n_failed);
		for (size_t i = 0; round == 0 && rc == SK_OK &&
				   i < cs->n_known;
		     i++) {
			const struct known *k = &cs->known[i];
			if (!k->written)
				continue;
			struct sk_cql_value v[4] = {
				sk_cql_value_text(k->cur.hash),
				sk_cql_value_int(k->region),
				sk_cql_value_int(k->lang),
				sk_cql_value_date(k->day)};
			rc = submit(cs, cs->upd_hash, v, 4, k->cur.version,
				    err);
		}
		if (round == 0 && rc == SK_OK) {
			memset(&rep, 0, sizeof rep);
			rc = sk_cql_session_wait_all(cs->s, &rep, err);
		}
	}
	cs->n_known = 0;
	return rc;
}

/* Schema 3, current rows: each is rewritten from the raw message of its
 * revision (the one with its publish time and content hash, or whose
 * message hashes to it now), mapped again as a put maps it: so its
 * content_hash becomes store.c's hash of the same record a new run of the
 * same input makes (no spurious updates), and what schema 2 lost (advice
 * image URLs, negative integers, has_weather) is stored. Written 1 µs
 * after the row's write time (a NULL schema 2 wrote is a tombstone, which
 * wins a tie). A row whose revision is not found keeps its hash (a new run
 * then rewrites it). */
static sk_err_t rehash_current(struct cstore *cs, size_t *rows,
			       size_t *missing, struct sk_error *err)
{
	char *qs = qualify(cs, "SELECT region_id, lang_key, valid_date, "
			       "publish_time, content_hash, WRITETIME(reg_id) "
			       "FROM @.warnings_by_region");
	char *qr = qualify(cs, "SELECT content_hash, raw_json FROM "
			       "@.warning_revisions WHERE region_id = ? AND "
			       "lang_key = ? AND valid_date = ? AND "
			       "publish_time = ?");
	const struct sk_cql_prepared *ps = NULL;
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 200};
	sk_err_t rc = SK_OK;
	if (!qs || !qr) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto done;
	}
	if ((rc = sk_cql_session_prepare(cs->s, qr, &ps, err)) != SK_OK ||
	    (rc = sk_cql_rows_open(&it, cs->s, qs, NULL, &p, err)) != SK_OK)
		goto done;
	const struct sk_cql_value *row;
	cs->n_known = 0;
	while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
		struct row r = {sk_cql_rows_meta(it), row};
		struct sk_store_current cur;
		cells_current(col(&r, "publish_time"), col(&r, "content_hash"),
			      col(&r, "writetime(reg_id)"), &cur);
		const struct sk_cql_value *d = col(&r, "valid_date");
		if (!d || d->kind != SK_CQL_DATE)
			continue;
		struct sk_cql_value v[4] = {
			*col(&r, "region_id"), *col(&r, "lang_key"), *d,
			sk_cql_value_timestamp(cur.has_pub ? cur.pub_ms : 0)};
		struct sk_cql_params rp = {.values = v, .n_values = 4};
		struct sk_cql_result *res = NULL;
		if ((rc = sk_cql_session_execute(cs->s, ps, &rp, &res, err)) !=
		    SK_OK)
			break;
		struct sk_warning *w = NULL;
		char hash[SK_STORE_HASH_LEN] = "";
		for (int32_t i = 0; i < res->n_rows && !w; i++) {
			const struct sk_cql_value *h =
				sk_cql_result_cell(res, i, 0);
			const struct sk_cql_value *raw =
				sk_cql_result_cell(res, i, 1);
			struct sk_error why = {0};
			if (!raw || raw->kind != SK_CQL_TEXT ||
			    sk_proc_map(raw->u.text.p, raw->u.text.len, &w,
					&why) != SK_OK ||
			    sk_store_content_hash(w, hash, &why) != SK_OK ||
			    !(strcmp(hash, cur.hash) == 0 ||
			      (h && h->kind == SK_CQL_TEXT &&
			       h->u.text.len == strlen(cur.hash) &&
			       !memcmp(h->u.text.p, cur.hash,
				       h->u.text.len)))) {
				sk_warning_free(w);
				w = NULL;
			}
		}
		sk_cql_result_free(res);
		if (!w) {
			(*missing)++;
			continue;
		}
		struct sk_store_current now = cur;
		now.version = cur.version + 1;
		snprintf(now.hash, sizeof now.hash, "%s", hash);
		struct known *k;
		rc = write_current(cs, w, hash, now.version, false, err);
		sk_warning_free(w);
		if (rc == SK_OK)
			rc = known_set(cs, cell_int(col(&r, "region_id")),
				       cell_int(col(&r, "lang_key")),
				       day_of(d), &now, &k, err);
		if (rc != SK_OK)
			break;
		k->written = true;
		(*rows)++;
		/* Mark in steps: the rows' writes first, then their hashes. */
		if (cs->n_known >= 200 && (rc = mark_written(cs, err)) != SK_OK)
			break;
	}
	if (rc == SK_OK)
		rc = mark_written(cs, err);
done:
	cs->n_known = 0;
	sk_cql_rows_close(it);
	free(qs);
	free(qr);
	return rc;
}

/* Schema 3, revisions: a revision whose raw message hashes otherwise now
 * is moved to its new hash (same values, same write time; the old row
 * deleted at that time). One whose message does not map keeps its hash. */
static sk_err_t rehash_revisions(struct cstore *cs, size_t *moved,
				 struct sk_error *err)
{
	char *qs = qualify(cs, "SELECT region_id, lang_key, valid_date, "
			       "publish_time, content_hash, reg_id, "
			       "danger_level, main_text, raw_json, "
			       "WRITETIME(reg_id) FROM @.warning_revisions");
	char *qd = qualify(cs, "DELETE FROM @.warning_revisions WHERE "
			       "region_id = ? AND lang_key = ? AND valid_date "
			       "= ? AND publish_time = ? AND content_hash = ?");
	const struct sk_cql_prepared *del = NULL;
	struct sk_cql_rows *it = NULL;
	struct sk_cql_params p = {.page_size = 200};
	sk_err_t rc = SK_OK;
	if (!qs || !qd) {
		rc = sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
		goto done;
	}
	if ((rc = sk_cql_session_prepare(cs->s, qd, &del, err)) != SK_OK ||
	    (rc = sk_cql_rows_open(&it, cs->s, qs, NULL, &p, err)) != SK_OK)
		goto done;
	const struct sk_cql_value *row;
	while ((rc = sk_cql_rows_next(it, &row, err)) == SK_OK && row) {
		struct row r = {sk_cql_rows_meta(it), row};
		const struct sk_cql_value *raw = col(&r, "raw_json");
		const struct sk_cql_value *old = col(&r, "content_hash");
		const struct sk_cql_value *wt = col(&r, "writetime(reg_id)");
		struct sk_warning *w = NULL;
		struct sk_error why = {0};
		char hash[SK_STORE_HASH_LEN];
		if (!raw || raw->kind != SK_CQL_TEXT || !old ||
		    old->kind != SK_CQL_TEXT || !wt ||
		    wt->kind != SK_CQL_BIGINT ||
		    sk_proc_map(raw->u.text.p, raw->u.text.len, &w, &why) !=
			    SK_OK ||
		    sk_store_content_hash(w, hash, &why) != SK_OK ||
		    (old->u.text.len == strlen(hash) &&
		     !memcmp(old->u.text.p, hash, old->u.text.len))) {
			sk_warning_free(w);
			continue;
		}
		sk_warning_free(w);
		struct sk_cql_value v[9] = {
			*col(&r, "region_id"), *col(&r, "lang_key"),
			*col(&r, "valid_date"), *col(&r, "publish_time"),
			sk_cql_value_text(hash), *col(&r, "reg_id"),
			*col(&r, "danger_level"), *col(&r, "main_text"), *raw};
		struct sk_cql_value k[5] = {v[0], v[1], v[2], v[3], *old};
		if ((rc = submit(cs, cs->ins_revision, v, 9, wt->u.i64,
				 err)) != SK_OK ||
		    (rc = submit(cs, del, k, 5, wt->u.i64, err)) != SK_OK)
			break;
		(*moved)++;
	}
	struct sk_cql_wait_report rep = {0};
	struct sk_error werr = {0};
	if (sk_cql_session_wait_all(cs->s, &rep, &werr) != SK_OK &&
	    rc == SK_OK) {
		*err = werr;
		rc = werr.code;
	}
	if (rc == SK_OK && rep.n_failed)
		rc = sk_error_set(err, SK_ERR_STORE, true,
				  "cassandra: %zu of %zu migration writes not "
				  "acknowledged",
				  rep.n_failed, rep.n_ok + rep.n_failed);
done:
	sk_cql_rows_close(it);
	free(qs);
	free(qd);
	return rc;
}

/* Schema 2 -> 3: has_weather added, advices_by_warning (made by the
 * CREATE TABLE IF NOT EXISTS at open) and every content_hash filled from
 * the revisions' raw messages. Every step can run again. */
static sk_err_t migrate_v3(struct cstore *cs, struct sk_error *err)
{
	for (size_t i = 0; i < 2; i++) {
		bool has;
		char ddl[160];
		if (has_column(cs, warning_tables[i], "has_weather", &has,
			       err) != SK_OK)
			return err->code;
		if (has)
			continue;
		snprintf(ddl, sizeof ddl,
			 "ALTER TABLE @.%s ADD has_weather boolean",
			 warning_tables[i]);
		if (run_ddl(cs, ddl, err) != SK_OK)
			return err->code;
	}
	/* The writes below are prepared against the new columns. */
	if (prepare_all(cs, err) != SK_OK)
		return err->code;
	size_t rows = 0, missing = 0, moved = 0;
	if (rehash_current(cs, &rows, &missing, err) != SK_OK ||
	    rehash_revisions(cs, &moved, err) != SK_OK)
		return err->code;
	if (rows || missing || moved)
		sk_log(SK_LOG_INFO, "store",
		       "cassandra keyspace %s migrated to schema version 3: "
		       "%zu rows rewritten from their revisions (%zu without "
		       "one kept as they were), %zu revisions rehashed",
		       cs->ks, rows, missing, moved);
	return SK_OK;
}

/* Bring a keyspace of an older schema version to SCHEMA_VERSION. Every
 * step can run again (a crash or a second process midway is harmless):
 * 1 -> 2 adds advice_list, copies advices into it, drops advices; 2 -> 3 is
 * migrate_v3; then the version is recorded. A keyspace made by this
 * version passes through once, changing nothing. */
static sk_err_t migrate(struct cstore *cs, struct sk_error *err)
{
	int64_t ver = 0;
	bool found;
	if (meta_get(cs, "schema_version", &ver, &found, err) != SK_OK)
		return err->code;
	if (found && ver >= SCHEMA_VERSION)
		return SK_OK;
	size_t copied = 0;
	bool migrated = false;
	for (size_t i = 0; i < 2 && !(found && ver >= 2); i++) {
		const char *t = warning_tables[i];
		char ddl[160];
		bool has_new, has_old;
		if (has_column(cs, t, "advice_list", &has_new, err) != SK_OK ||
		    has_column(cs, t, "advices", &has_old, err) != SK_OK)
			return err->code;
		if (!has_new) {
			snprintf(ddl, sizeof ddl,
				 "ALTER TABLE @.%s ADD advice_list "
				 "frozen<list<text>>",
				 t);
			if (run_ddl(cs, ddl, err) != SK_OK)
				return err->code;
		}
		if (!has_old)
			continue;
		migrated = true;
		if (copy_advices(cs, t, &copied, err) != SK_OK)
			return err->code;
		snprintf(ddl, sizeof ddl, "ALTER TABLE @.%s DROP advices", t);
		if (run_ddl(cs, ddl, err) != SK_OK)
			return err->code;
	}
	if (migrated)
		sk_log(SK_LOG_INFO, "store",
		       "cassandra keyspace %s migrated to schema version 2: "
		       "advices copied into advice_list (frozen) for %zu "
		       "rows, advices dropped",
		       cs->ks, copied);
	if (migrate_v3(cs, err) != SK_OK)
		return err->code;
	char upd[96];
	snprintf(upd, sizeof upd,
		 "UPDATE @.store_meta SET value = %d WHERE key = "
		 "'schema_version'",
		 SCHEMA_VERSION);
	if (run_ddl(cs, upd, err) != SK_OK)
		return err->code;
	return SK_OK;
}

static sk_err_t cass_open(struct sk_store **out, const struct sk_config *cfg,
			  struct sk_error *err)
{
	*out = NULL;
	const char *ks = sk_config_str(cfg, "cassandra.keyspace");
	const char *repl = sk_config_str(cfg, "cassandra.replication");
	const char *cl_name = sk_config_str(cfg, "cassandra.consistency");
	if (!ident_ok(ks))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "cassandra.keyspace '%s' is not a plain "
				    "identifier",
				    ks ? ks : "");
	if (!repl || !*repl || strchr(repl, ';'))
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "cassandra.replication must be a CQL map, "
				    "e.g. {'class': 'SimpleStrategy', "
				    "'replication_factor': 1}");
	enum sk_cql_consistency cl = SK_CQL_CL_DEFAULT;
	for (size_t i = 0; i < sizeof consistencies / sizeof consistencies[0];
	     i++)
		if (cl_name && !strcasecmp(cl_name, consistencies[i].name))
			cl = consistencies[i].cl;
	if (cl == SK_CQL_CL_DEFAULT)
		return sk_error_set(err, SK_ERR_CONFIG, false,
				    "cassandra.consistency '%s' is not one of "
				    "ONE, TWO, THREE, QUORUM, ALL, "
				    "LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE",
				    cl_name ? cl_name : "");
	struct cstore *cs = calloc(1, sizeof *cs);
	if (!cs)
		return sk_error_set(err, SK_ERR_NOMEM, false, "out of memory");
	cs->base.type = &sk_store_cassandra;
	snprintf(cs->ks, sizeof cs->ks, "%s", ks);
	const char *user = sk_config_str(cfg, "cassandra.username");
	struct sk_cql_session_opts o = {
		.contact_points = sk_config_str(cfg, "cassandra.hosts"),
		.username = user && *user ? user : NULL,
		.password = sk_config_str(cfg, "cassandra.password"),
		.connect_timeout_ms =
			(int)sk_config_int(cfg, "cassandra.connect_timeout_ms"),
		.request_timeout_ms =
			(int)sk_config_int(cfg, "cassandra.request_timeout_ms"),
		.max_in_flight =
			(unsigned)sk_config_int(cfg, "cassandra.max_in_flight"),
		.consistency = cl,
		.tls = sk_config_bool(cfg, "cassandra.tls"),
		.tls_ca_file = sk_config_str(cfg, "cassandra.tls_ca_file"),
	};
	if (o.tls_ca_file && !*o.tls_ca_file)
		o.tls_ca_file = NULL;
	char cql[1024];
	if (sk_cql_session_open(&cs->s, &o, err) != SK_OK)
		goto fail;
	snprintf(cql, sizeof cql,
		 "CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s", ks,
		 repl);
	if (run_ddl(cs, cql, err) != SK_OK)
		goto fail;
	for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
		if (run_ddl(cs, schema[i], err) != SK_OK)
			goto fail;
	if (migrate(cs, err) != SK_OK)
		goto fail;
	if (prepare_all(cs, err) != SK_OK)
		goto fail;
	*out = &cs->base;
	return SK_OK;
fail:
	sk_error_prefix(err, "cassandra store (%s)", o.contact_points);
	cass_close(&cs->base);
	return err->code;
}

const struct sk_store_type sk_store_cassandra = {
	.name = "cassandra",
	.open = cass_open,
	.close = cass_close,
	.begin = cass_begin,
	.current = cass_current,
	.revision_seen = cass_revision_seen,
	.write = cass_write,
	.commit = cass_commit,
	.rollback = cass_rollback,
	.query = cass_query,
	.stats = cass_stats,
	.prefetch = cass_prefetch,
};
