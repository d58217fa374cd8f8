/* opts.h: the few helpers every command uses to read its arguments. */
#ifndef CONFER_OPTS_H
#define CONFER_OPTS_H

/* Does argv hold "--help" or "-h"?  Then the command prints its usage. */
int wants_help(int argc, char **argv);

/* Removes "--name VALUE" (or "--name=VALUE") from argv and returns VALUE,
 * or NULL when absent.  *missing is set when "--name" has no value. */
const char *opt_take(int *argc, char **argv, const char *name, int *missing);
/* Removes "--name" and returns 1 when it was there. */
int opt_flag(int *argc, char **argv, const char *name);
/* Is any argument left that starts with "--"?  Prints an error naming it. */
int opt_unknown(int argc, char **argv, const char *cmd);

/* Prints "usage: confer USAGE" to stdout (help) or stderr (misuse) and
 * returns 0 or 64 (EX_USAGE) accordingly. */
int usage_of(const char *cmd, int misuse);

#endif
