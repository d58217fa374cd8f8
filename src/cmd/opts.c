/* opts.c: small argument helpers shared by the commands. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/util.h"

int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static void drop(int *argc, char **argv, int i, int n)
{
	int k;

	for (k = i; k + n <= *argc; k++)
		argv[k] = argv[k + n];
	*argc -= n;
}

const char *opt_take(int *argc, char **argv, const char *name, int *missing)
{
	size_t nl = strlen(name);
	const char *v;
	int i;

	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], name, nl) && argv[i][nl] == '=') {
			v = argv[i] + nl + 1;
			drop(argc, argv, i, 1);
			return v;
		}
		if (strcmp(argv[i], name))
			continue;
		if (i + 1 >= *argc) {
			*missing = 1;
			drop(argc, argv, i, 1);
			return NULL;
		}
		v = argv[i + 1];
		drop(argc, argv, i, 2);
		return v;
	}
	return NULL;
}

int opt_flag(int *argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < *argc; i++)
		if (!strcmp(argv[i], name)) {
			drop(argc, argv, i, 1);
			return 1;
		}
	return 0;
}

int opt_unknown(int argc, char **argv, const char *cmd)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--", 2) && argv[i][2]) {
			fprintf(stderr, "confer %s: unknown option \"%s\"\n", cmd,
				argv[i]);
			return 1;
		}
	return 0;
}

int usage_of(const char *cmd, int misuse)
{
	const struct command *c;

	for (c = command_table(); c->name; c++)
		if (!strcmp(c->name, cmd)) {
			fprintf(misuse ? stderr : stdout, "usage: confer %s\n\n%s\n",
				c->usage, c->summary);
			break;
		}
	return misuse ? 64 : 0;
}
