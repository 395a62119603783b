/*
 * test_store_preview.c - sk_store_put_preview, the replay's dry run: the
 * decision a put would make (inserted, unchanged, updated, stale) by reads
 * only, and nothing written: the warehouse's counts and rows stay, and a
 * put afterwards decides the same.
 */
#define _XOPEN_SOURCE 700
#include "core/core.h"
#include "model/model.h"
#include "proc/proc.h"
#include "store/store.h"
#include "cases.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_time(struct sk_time_field *t, const char *local)
{
	struct sk_civil c;
	t->local = sk_strdup(local);
	if (sk_civil_parse(local, &c) == SK_OK) {
		t->utc_ms = sk_oslo_to_utc_ms(&c);
		t->has_utc = true;
	}
}

/* A cleaned Simple warning for (region, lang, date) published at pub. */
static struct sk_warning *simple(int region, const char *date, const char *pub,
				 int level, const char *text)
{
	struct sk_warning *w = calloc(1, sizeof *w);
	if (!w)
		abort();
	char t[32];
	w->reg_id = 400000 + region;
	w->region_id = region;
	w->region_name = sk_strdup("Tromsø");
	w->region_type_id = 10;
	w->region_type_name = sk_strdup("A");
	w->danger_level_raw = sk_strdup("2");
	w->danger_level = level;
	w->lang_key = 1;
	snprintf(w->valid_date, sizeof w->valid_date, "%s", date);
	snprintf(t, sizeof t, "%sT00:00:00", date);
	set_time(&w->valid_from, t);
	snprintf(t, sizeof t, "%sT23:59:59", date);
	set_time(&w->valid_to, t);
	set_time(&w->publish_time, pub);
	w->main_text = sk_strdup(text);
	w->previous_warning_reg_id = -1;
	w->is_tendency = -1;
	w->utm_zone = w->utm_east = w->utm_north = -1;
	w->cloud_cover_id = -1;
	return w;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char tmp[] = "/tmp/skred-preview-XXXXXX";

static enum sk_store_put preview(struct sk_store *st,
				 const struct sk_warning *w)
{
	struct sk_error err = {0};
	enum sk_store_put res = SK_STORE_STALE;
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put_preview(st, w, &res, &err), SK_OK);
	sk_store_rollback(st);
	return res;
}

static void test_preview(void)
{
	const struct sk_cfg_def *const tables[] = {sk_core_cfg, sk_store_cfg,
						   NULL};
	struct sk_config *cfg = NULL;
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	CHECK_INT(sk_config_new(&cfg, tables, &err), SK_OK);
	CHECK_INT(sk_config_set(cfg, "data_dir", tmp, "test", &err), SK_OK);
	struct sk_store_opts so = {.conf = sk_store_conf(cfg),
				   .data_dir = sk_core_conf(cfg)->data_dir,
				   .map = sk_proc_map};
	CHECK_INT(sk_store_open(&st, &so, &err), SK_OK);
	if (!st) {
		sk_config_free(cfg);
		return;
	}
	struct sk_warning *a = simple(3011, "2024-01-05", "2024-01-04T16:00:00",
				      2, "first");
	struct sk_warning *later = simple(3011, "2024-01-05",
					  "2024-01-05T08:00:00", 3, "later");
	struct sk_warning *older = simple(3011, "2024-01-05",
					  "2024-01-03T08:00:00", 1, "older");
	/* Nothing stored: a put would insert; the preview writes nothing. */
	CHECK_INT(preview(st, a), SK_STORE_INSERTED);
	struct sk_store_stats s = {0};
	CHECK_INT(sk_store_stats(st, &s, &err), SK_OK);
	CHECK_INT(s.warnings, 0);
	CHECK_INT(s.revisions, 0);
	/* Stored: the same is unchanged, a later one updates, an older one
	 * is stale - each decided as the put itself decides. */
	enum sk_store_put res;
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, a, "{}", 2, &res, &err), SK_OK);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	CHECK_INT(res, SK_STORE_INSERTED);
	CHECK_INT(preview(st, a), SK_STORE_UNCHANGED);
	CHECK_INT(preview(st, later), SK_STORE_UPDATED);
	CHECK_INT(preview(st, older), SK_STORE_STALE);
	CHECK_INT(sk_store_stats(st, &s, &err), SK_OK);
	CHECK_INT(s.warnings, 1);
	CHECK_INT(s.revisions, 1);
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put(st, later, "{}", 2, &res, &err), SK_OK);
	CHECK_INT(sk_store_commit(st, &err), SK_OK);
	CHECK_INT(res, SK_STORE_UPDATED);
	/* A record without a date: refused. */
	struct sk_warning *bad = simple(3011, "", "2024-01-04T16:00:00", 2,
					"x");
	CHECK_INT(sk_store_begin(st, &err), SK_OK);
	CHECK_INT(sk_store_put_preview(st, bad, &res, &err), SK_ERR_INVAL);
	sk_store_rollback(st);
	sk_warning_free(a);
	sk_warning_free(later);
	sk_warning_free(older);
	sk_warning_free(bad);
	sk_store_close(st);
	sk_config_free(cfg);
}

static const struct sk_case cases[] = {
	{"preview", test_preview},
};

int main(int argc, char **argv)
{
	int sel = sk_cases_select(argc, argv, cases, SK_NCASES(cases));
	if (!mkdtemp(tmp))
		return 1;
	int rc = sk_cases_run(cases, SK_NCASES(cases), sel);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
