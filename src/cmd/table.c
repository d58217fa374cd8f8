/* table.c: the command table. */
#include <stddef.h>

#include "cmd/cmd.h"
#include "core/util.h"

static const struct command commands[] = {
	{ NULL, NULL, 0, NULL, NULL },
};

const struct command *command_table(void)
{
	return commands;
}
