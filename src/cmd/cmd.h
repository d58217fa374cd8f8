/* cmd.h: the subcommands.  Each takes the arguments after its name
 * (argv[0] is the command name) and returns the process exit code. */
#ifndef CONFER_CMD_H
#define CONFER_CMD_H

struct site;

struct command {
	const char *name;
	int (*fn)(struct site *site, int argc, char **argv);
	int needs_site;   /* open the configuration and database first */
	const char *usage;
	const char *summary;
};

const struct command *command_table(void);

#endif
