/*
 * test_ledger_cols.c - the one mapping of a run row (ledger.c) that both
 * ledger backends use: SK_LEDGER_RUN_COLS, the SQL column list, names the
 * table's columns in its order; every field of struct sk_run is read from
 * its column by kind (integers, bool, text cut to its field, state by name,
 * an unknown state read as failed, SQL NULL as 0 / "").
 */
#include "sched/ledger_int.h"
#include "cases.h"

#include <stdio.h>
#include <string.h>

/* A fake row: column i's text and number. */
struct fake_row {
	const char *text[32];
	int64_t num[32];
};

static const char *fake_text(void *row, int i)
{
	return ((struct fake_row *)row)->text[i];
}

static int64_t fake_num(void *row, int i)
{
	return ((struct fake_row *)row)->num[i];
}

static int col(const char *name)
{
	for (int i = 0; sk_ledger_run_cols[i].name; i++)
		if (!strcmp(sk_ledger_run_cols[i].name, name))
			return i;
	return -1;
}

static void test_run_row_mapping(void)
{
	char list[1024] = "";
	size_t used = 0;
	int n = 0;
	for (; sk_ledger_run_cols[n].name; n++)
		used += (size_t)snprintf(list + used, sizeof list - used,
					 "%s%s", n ? ", " : "",
					 sk_ledger_run_cols[n].name);
	CHECK_STR(list, SK_LEDGER_RUN_COLS);
	CHECK_INT(n, 23);

	struct fake_row row = {{0}, {0}};
	row.num[col("id")] = 42;
	row.text[col("job")] = "daily";
	row.text[col("logical_time")] = "2026-01-02T06:00:00.000Z";
	row.text[col("window_from")] = "2026-01-01";
	row.text[col("window_to")] = "2026-01-03";
	row.text[col("regions")] = "3011,3012";
	row.text[col("langs")] = "both-and-more"; /* longer than langs[8] */
	row.num[col("simple")] = 7;               /* any non-zero */
	row.text[col("state")] = "up_for_retry";
	row.num[col("attempts")] = 2;
	row.num[col("max_attempts")] = 5;
	row.num[col("next_try_ms")] = 1700000000123LL;
	row.num[col("created_ms")] = 1;
	row.num[col("start_ms")] = 2;
	row.num[col("end_ms")] = 3;
	row.text[col("error")] = "boom";
	row.num[col("fetched")] = 10;
	row.num[col("stored")] = 9;
	row.num[col("dead")] = 1;
	row.text[col("log_excerpt")] = NULL; /* SQL NULL */
	row.text[col("owner")] = "host:1:2";
	row.num[col("lease_until_ms")] = 1700000009999LL;
	row.text[col("origin")] = "schedule";
	struct sk_run r;
	memset(&r, 0x5a, sizeof r);
	sk_ledger_run_from_row(&r, fake_text, fake_num, &row);
	CHECK_INT(r.id, 42);
	CHECK_STR(r.job, "daily");
	CHECK_STR(r.logical_time, "2026-01-02T06:00:00.000Z");
	CHECK_STR(r.window_from, "2026-01-01");
	CHECK_STR(r.window_to, "2026-01-03");
	CHECK_STR(r.regions, "3011,3012");
	CHECK_STR(r.langs, "both-an"); /* cut to the field */
	CHECK(r.simple);
	CHECK_INT(r.state, SK_RUN_RETRY);
	CHECK_INT(r.attempts, 2);
	CHECK_INT(r.max_attempts, 5);
	CHECK_INT(r.next_try_ms, 1700000000123LL);
	CHECK_INT(r.created_ms, 1);
	CHECK_INT(r.start_ms, 2);
	CHECK_INT(r.end_ms, 3);
	CHECK_STR(r.error, "boom");
	CHECK_INT(r.fetched, 10);
	CHECK_INT(r.stored, 9);
	CHECK_INT(r.dead, 1);
	CHECK_STR(r.log_excerpt, "");
	CHECK_STR(r.owner, "host:1:2");
	CHECK_INT(r.lease_until_ms, 1700000009999LL);
	CHECK_STR(r.origin, "schedule");
	row.text[col("state")] = "exploded";
	sk_ledger_run_from_row(&r, fake_text, fake_num, &row);
	CHECK_INT(r.state, SK_RUN_FAILED);
	row.text[col("state")] = NULL;
	sk_ledger_run_from_row(&r, fake_text, fake_num, &row);
	CHECK_INT(r.state, SK_RUN_FAILED);
}

static const struct sk_case cases[] = {
	{"run_row_mapping", test_run_row_mapping},
};

SK_CASES_MAIN(cases)
