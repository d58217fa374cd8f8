/* spool.h: the spool, where mail waits between intake and the runner.
 *
 * Layout under the spool folder (Maildir rules for incoming):
 *   incoming/tmp/   files being written (never read by the runner)
 *   incoming/new/   complete messages waiting for the runner
 *   bad/            quarantined messages, each with NAME.reason
 *   kept/           mail for work confer does not do yet, with NAME.reason
 *   held/           originals of posts waiting for a moderator (hold.c)
 *   outgoing/       list copies and replies waiting for delivery
 *
 * A spool file holds its envelope and the message in one file, so that one
 * rename publishes both:
 *   confer-spool 1\n
 *   sender ADDRESS\n       ("" for the null sender)
 *   recipient ADDRESS\n    (one or more)
 *   received SECONDS\n
 *   source pipe|fetch|import\n
 *   \n
 *   MESSAGE (CRLF line ends)
 */
#ifndef CONFER_SPOOL_H
#define CONFER_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"

#define SPOOL_MAX_RCPTS 100

struct spool_entry {
	char *sender;
	char **rcpts;
	size_t nrcpts;
	time_t received;
	char *source;
	const char *msg;   /* points into raw */
	size_t msg_len;
	struct buf raw;
};

/* Creates the spool folders (group-writable, see README). 0 or -1. */
int spool_init(const char *spool_dir);

/* Writes one message durably into incoming/ and publishes it; the name is
 * appended to name_out when not NULL.  Returns 0, or -1 with errno set and
 * no file left behind. */
int spool_write(const char *spool_dir, const char *sender,
		const char *const *rcpts, size_t nrcpts, time_t received,
		const char *source, const char *msg, size_t len,
		struct buf *name_out);

/* Reads a spool file.  Returns 0, or -1 with a reason in err (the file is
 * then not a spool file: quarantine it). */
int spool_read(const char *path, size_t max, struct spool_entry *e,
	       struct buf *err);
void spool_entry_release(struct spool_entry *e);

/* Normalises line ends (LF, CR, CRLF) to CRLF, appending to out.  When the
 * input starts with an mbox "From " line it is dropped; its date is stored
 * in *from_date when given (or -1).  Returns 0. */
int mail_canonicalize(const char *in, size_t len, struct buf *out,
		      time_t *from_date);

/* Does this look like a message at all: a header block that starts with
 * a valid field?  Returns 1 or 0 with the reason in *why. */
int mail_has_header(const char *msg, size_t len, const char **why);

/* Parses the date of an mbox "From sender DATE" line (asctime form).
 * Returns -1 when it cannot, or when the date cannot be when a list
 * received the message: before 1970, later than now, or a day its month
 * does not have (the caller then uses the time of import). */
time_t mbox_from_date(const char *line, size_t len);

#endif
