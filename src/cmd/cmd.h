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

int cmd_init(struct site *site, int argc, char **argv);
int cmd_list(struct site *site, int argc, char **argv);
int cmd_lists(struct site *site, int argc, char **argv);
int cmd_member(struct site *site, int argc, char **argv);
int cmd_receive(struct site *site, int argc, char **argv);
int cmd_fetch(struct site *site, int argc, char **argv);
int cmd_run(struct site *site, int argc, char **argv);
int cmd_queue(struct site *site, int argc, char **argv);
int cmd_archive(struct site *site, int argc, char **argv);
int cmd_threads(struct site *site, int argc, char **argv);
int cmd_import(struct site *site, int argc, char **argv);

#endif
