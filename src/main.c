/* main.c: entry point; finds the subcommand and runs it. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/util.h"

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: confer [-c FILE] COMMAND [ARGS...]\n\ncommands:\n");
	for (c = command_table(); c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
	fprintf(f, "\n'confer COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	(void)argc;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 64 : 0;
	}
	return 0;
}
