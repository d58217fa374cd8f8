/* main.c: entry point; finds the subcommand, loads the site when the
 * command needs it, and runs it. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/site.h"
#include "core/util.h"

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: confer [-c FILE] COMMAND [ARGS...]\n\n"
		"The configuration is FILE, else $CONFER_CONFIG, else "
		"./confer.conf,\nelse /etc/confer/confer.conf.\n\ncommands:\n");
	for (c = command_table(); c->name; c++) {
		const char *p = c->summary;
		/* the whole summary, its later lines indented under the first */
		fprintf(f, "  %-9s ", c->name);
		for (; *p; p++) {
			fputc(*p, f);
			if (*p == '\n')
				fprintf(f, "  %-9s ", "");
		}
		fputc('\n', f);
	}
	fprintf(f, "\n'confer COMMAND --help' describes a command.  Exit codes "
		"follow sysexits:\n0 success, 64 usage, 65 bad input, 66 missing "
		"input file,\n67 unknown list or address, 69 refused, 70 internal "
		"error,\n73 cannot create, 75 temporary failure, 78 configuration "
		"error.\n");
}

static const struct command *find(const char *name)
{
	const struct command *c;

	for (c = command_table(); c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;
	const char *config = NULL;
	struct site site;
	int rc, i = 1;

	if (argc > 1 && !strcmp(argv[1], "-c")) {
		if (argc < 3 || !argv[2][0]) {
			fprintf(stderr, "confer: -c needs a configuration file\n");
			return 64;
		}
		config = argv[2];
		i = 3;
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
	    !strcmp(argv[i], "help")) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 64 : 0;
	}
	c = find(argv[i]);
	if (!c) {
		fprintf(stderr, "confer: unknown command \"%s\" (see confer "
			"--help)\n", argv[i]);
		return 64;
	}
	memset(&site, 0, sizeof(site));
	/* the runner, the MTA's receive and an administrator in the site's
	 * group all write in the site folder: what any of them makes (init
	 * included) must be writable by the others and by nobody else */
	umask(007);
	/* "confer list set --help" is answered without a site as well */
	if (c->needs_site && !wants_help(argc - i, argv + i)) {
		/* the MTA retries on 75: a broken configuration must not
		 * bounce mail */
		int fail = !strcmp(c->name, "receive") ? 75 : 78;
		if (site_load(&site, config) < 0) {
			site_release(&site);
			return fail;
		}
		if (site_open_db(&site) < 0) {
			site_release(&site);
			return fail == 78 ? 75 : fail;
		}
	}
	rc = c->fn(&site, argc - i, argv + i);
	site_release(&site);
	return rc;
}
