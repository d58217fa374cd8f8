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
int cmd_mod(struct site *site, int argc, char **argv);
int cmd_log(struct site *site, int argc, char **argv);
/* cmd_mod.c: `list set|accept|deny ...` and `member set ...`, dispatched
 * from cmd_list and cmd_member; the rules printed by `list show`. */
int cmd_list_rules(struct site *site, int argc, char **argv);
void cmd_list_rules_show(struct site *site, long long list_id);
int cmd_member_set(struct site *site, int argc, char **argv);

#endif
