/*
 * main.c - argv[1] -> subcommand table, nothing else.
 */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	return sk_cmd_main(argc, argv);
}
