/*
 * cmd.h - the subcommands: main.c reads the flags (one table) and builds the
 * configuration; each subcommand builds its objects from it and calls job/,
 * sched/ or web/.
 */
#ifndef SK_CMD_H
#define SK_CMD_H

/* Exit codes of every subcommand. */
#define SK_EXIT_OK 0
#define SK_EXIT_FAILED 1 /* failed after retries */
#define SK_EXIT_USAGE 2  /* usage or configuration error */

int sk_cmd_main(int argc, char **argv);

#endif
