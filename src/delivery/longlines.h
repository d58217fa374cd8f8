/* longlines.h: making a copy sendable when the original has lines longer
 * than SMTP allows (998 octets, RFC 5321 section 4.5.3.1.6).  Relays
 * refuse such mail, so every member would miss the post. */
#ifndef CONFER_LONGLINES_H
#define CONFER_LONGLINES_H

#include <stddef.h>

#include "core/buf.h"

#define SMTP_MAX_LINE 998

/* Does any line (without its CRLF) exceed SMTP_MAX_LINE? */
int has_long_line(const char *s, size_t len);

/* Rewrites msg (CRLF line ends) so that no line is too long: header fields
 * are folded at white space, and every leaf part with long lines in a
 * 7bit, 8bit or binary body is re-encoded as quoted-printable (which
 * decodes to exactly the same bytes).  Multiparts are followed to a depth
 * of 20.  Appends the result to out; returns 1 if something changed, 0 if
 * the message was copied unchanged. */
int longlines_fix(const char *msg, size_t len, struct buf *out);

#endif
