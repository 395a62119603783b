/*
 * show.c - `skred show` (stored warnings as table, CSV or JSON lines) and
 * `skred regions`.
 */
#include "cmd/cmd_int.h"
#include "job/job.h"
#include "model/model.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Display width of UTF-8 text (code points; our texts have no wide ones). */
static size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Print s padded or cut to width columns (cut text ends in "..."). */
static void print_cell(const char *s, size_t width)
{
	if (!s)
		s = "";
	size_t w = utf8_width(s);
	if (w <= width) {
		fputs(s, stdout);
		for (; w < width; w++)
			putchar(' ');
		return;
	}
	size_t cols = 0;
	const char *p = s;
	while (*p && cols < width - 3) {
		p++;
		while (((unsigned char)*p & 0xC0) == 0x80)
			p++;
		cols++;
	}
	fwrite(s, 1, (size_t)(p - s), stdout);
	fputs("...", stdout);
}

static void csv_field(const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

struct show_ctx {
	const char *format;
	size_t rows;
	sk_err_t rc;
	struct sk_error *err;
};

static int show_row(const struct sk_warning *w, void *ud)
{
	struct show_ctx *ctx = ud;
	ctx->rows++;
	char pub[SK_TIME_UTC_LEN] = "";
	if (w->publish_time.has_utc)
		sk_time_format_utc(w->publish_time.utc_ms, pub);
	if (!strcmp(ctx->format, "jsonl")) {
		char *json = NULL;
		if (sk_model_warning_to_json(w, &json, ctx->err) != SK_OK) {
			ctx->rc = ctx->err->code;
			return 1;
		}
		puts(json);
		free(json);
	} else if (!strcmp(ctx->format, "csv")) {
		printf("%s,%d,", w->valid_date, w->region_id);
		csv_field(w->region_name);
		printf(",%s,%d,%d,%d,%s,",
		       w->region_type_name ? w->region_type_name : "",
		       w->lang_key, w->danger_level, w->not_assessed ? 1 : 0,
		       pub);
		csv_field(w->main_text);
		putchar('\n');
	} else {
		char level[24];
		if (w->not_assessed)
			snprintf(level, sizeof level, "-");
		else
			snprintf(level, sizeof level, "%d", w->danger_level);
		printf("%-10s  %4d  ", w->valid_date, w->region_id);
		print_cell(w->region_name, 22);
		printf("  %-1s  %-2s  %5s  ",
		       w->region_type_name ? w->region_type_name : "",
		       w->lang_key == 2 ? "en" : "nb", level);
		print_cell(w->main_text, 60);
		putchar('\n');
	}
	return 0;
}

int sk_cmd_show(struct sk_cli *cli)
{
	struct sk_error err = {0};
	struct sk_store *st = NULL;
	struct sk_store_opts so = sk_job_store_opts(cli->cfg);
	if (sk_store_open(&st, &so, &err) != SK_OK)
		return sk_cli_fail(cli, &err);
	struct sk_date today = sk_oslo_date_at(sk_now_ms());
	struct sk_store_query q = {
		.region_ids = cli->regions,
		.n_regions = cli->n_regions,
		.lang_key = cli->n_langs == 1 ? cli->langs[0] : 0,
		.from = cli->has_from ? cli->from : today,
		.to = cli->has_to ? cli->to
				  : (cli->has_from ? cli->from : today),
		.with_children = !strcmp(cli->format, "jsonl"),
		.limit = (size_t)cli->limit,
	};
	if (cli->has_to && !cli->has_from)
		q.from = q.to;
	if (!strcmp(cli->format, "csv"))
		printf("valid_date,region_id,region_name,region_type,lang_key,"
		       "danger_level,not_assessed,publish_time,main_text\n");
	else if (!strcmp(cli->format, "table"))
		printf("%-10s  %4s  %-22s  %-1s  %-2s  %5s  %s\n", "date", "id",
		       "region", "T", "ln", "level", "main text");
	struct show_ctx ctx = {.format = cli->format, .err = &err};
	sk_err_t rc = sk_store_query(st, &q, show_row, &ctx, &err);
	if (rc == SK_OK)
		rc = ctx.rc;
	sk_store_close(st);
	if (rc != SK_OK)
		return sk_cli_fail(cli, &err);
	if (!ctx.rows && !strcmp(cli->format, "table")) {
		char f[11], t[11];
		sk_date_format(&q.from, f);
		sk_date_format(&q.to, t);
		fprintf(stderr,
			"no stored warnings for %s..%s (run `skred run` "
			"first?)\n",
			f, t);
	}
	return SK_EXIT_OK;
}

int sk_cmd_regions(struct sk_cli *cli)
{
	size_t n;
	const struct sk_region *r = sk_model_regions(&n);
	bool csv = !strcmp(cli->format, "csv");
	bool jsonl = !strcmp(cli->format, "jsonl");
	if (csv)
		printf("id,name,type,active,lat,lon\n");
	else if (!jsonl)
		printf("%-4s  %-22s  %-4s  %-6s\n", "id", "name", "type",
		       "active");
	struct sk_buf b = SK_BUF_INIT(SK_LIMIT_TEXT);
	for (size_t i = 0; i < n; i++) {
		if (csv) {
			printf("%d,", r[i].id);
			csv_field(r[i].name);
			printf(",%c,%s,%.3f,%.3f\n", r[i].type,
			       r[i].active ? "yes" : "no", r[i].lat, r[i].lon);
		} else if (jsonl) {
			sk_buf_reset(&b);
			sk_model_json_string(&b, r[i].name);
			if (sk_buf_finish(&b) != SK_OK) {
				sk_buf_free(&b);
				fprintf(stderr, "skred: out of memory\n");
				return SK_EXIT_FAILED;
			}
			printf("{\"id\":%d,\"name\":%s,\"type\":\"%c\","
			       "\"active\":%s,\"lat\":%.3f,\"lon\":%.3f}\n",
			       r[i].id, b.data, r[i].type,
			       r[i].active ? "true" : "false", r[i].lat,
			       r[i].lon);
		} else {
			printf("%-4d  ", r[i].id);
			print_cell(r[i].name, 22);
			printf("  %-4c  %-6s\n", r[i].type,
			       r[i].active ? "yes" : "no");
		}
	}
	sk_buf_free(&b);
	return SK_EXIT_OK;
}
