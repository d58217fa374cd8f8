/* log.c: levelled key=value logging to stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
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

/* Each line goes out in one write, so that the lines of a command's
 * helper processes (render workers, the import's reader), which share
 * stderr, never mix inside a line. */
void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	struct buf line = BUF_INIT;
	va_list ap;
	size_t off = 0;
	ssize_t n;

	if (level < min_level)
		return;
	buf_printf(&line, "confer[%ld]: %s ", (long)getpid(), names[level]);
	if (current_msgid[0])
		buf_printf(&line, "msg=%s ", current_msgid);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	buf_addc(&line, '\n');
	fflush(stderr);
	while (off < line.len) {
		n = write(STDERR_FILENO, line.data + off, line.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;	/* nowhere left to report it */
		off += (size_t)n;
	}
	buf_release(&line);
}
