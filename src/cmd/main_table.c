/*
 * main_table.c - argv[1] -> subcommand.
 */
#include "cmd/cmd.h"

#include <stdio.h>

int sk_cmd_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "skred: not yet\n");
	return SK_EXIT_USAGE;
}
