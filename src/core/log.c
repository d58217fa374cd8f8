/* log.c: levelled key=value logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static enum log_level min_level = LOG_INFO;
static char current_msgid[64];

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_set_msgid(const char *id)
{
	if (!id) {
		current_msgid[0] = '\0';
		return;
	}
	snprintf(current_msgid, sizeof(current_msgid), "%s", id);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	va_list ap;

	if (level < min_level)
		return;
	fprintf(stderr, "confer[%ld]: %s ", (long)getpid(), names[level]);
	if (current_msgid[0])
		fprintf(stderr, "msg=%s ", current_msgid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
