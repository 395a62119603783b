/*
 * cases.h - a unit test file as a table of named cases, so one case can run
 * alone:
 *
 *	static const struct sk_case cases[] = {
 *		{"parse_valid", test_parse_valid},
 *		{"parse_errors", test_parse_errors},
 *	};
 *	SK_CASES_MAIN(cases)
 *
 * test_x            runs every case in order, one line per case with its
 *                   result, then test.h's "N checks, M failed" total
 * test_x --case NAME runs that case only (an unknown NAME: error, exit 2)
 * test_x --list     prints the names, one a line
 *
 * The exit status is 0 when every check of the cases run passed, else 1.
 * A file whose cases share a fixture (a temp dir, a fake server) writes its
 * own main: sk_cases_select() first, then the setup, sk_cases_run(), the
 * teardown. Cases use test.h's CHECK macros and must not return early from
 * main; CTest still runs each file as one test.
 */
#ifndef SK_CASES_H
#define SK_CASES_H

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_case {
	const char *name;
	void (*fn)(void);
};

#define SK_NCASES(t) (sizeof(t) / sizeof((t)[0]))

/* The index of the case named by --case, or -1 for all. --list prints the
 * names and exits 0; an unknown case or argument exits 2. */
static int sk_cases_select(int argc, char **argv, const struct sk_case *c,
			   size_t n)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", c[i].name);
		exit(0);
	}
	if (argc == 3 && strcmp(argv[1], "--case") == 0) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(c[i].name, argv[2]) == 0)
				return (int)i;
		fprintf(stderr, "%s: no case '%s' (--list shows them)\n",
			argv[0], argv[2]);
		exit(2);
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--list | --case NAME]\n", argv[0]);
		exit(2);
	}
	return -1;
}

/* Run case sel (or all when sel < 0), printing each name and result, then
 * the totals; the exit status for main. */
static int sk_cases_run(const struct sk_case *c, size_t n, int sel)
{
	for (size_t i = 0; i < n; i++) {
		if (sel >= 0 && (size_t)sel != i)
			continue;
		int checks = sk_test_checks, failures = sk_test_failures;
		c[i].fn();
		checks = sk_test_checks - checks;
		failures = sk_test_failures - failures;
		if (failures)
			printf("case %s: FAILED (%d of %d checks)\n", c[i].name,
			       failures, checks);
		else
			printf("case %s: ok (%d checks)\n", c[i].name, checks);
		fflush(stdout);
	}
	printf("%d checks, %d failed\n", sk_test_checks, sk_test_failures);
	return sk_test_failures ? 1 : 0;
}

#define SK_CASES_MAIN(table)                                                   \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		int sk_sel_ = sk_cases_select(argc, argv, table,               \
					      SK_NCASES(table));               \
		return sk_cases_run(table, SK_NCASES(table), sk_sel_);         \
	}

#endif
