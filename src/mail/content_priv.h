/* content_priv.h: what content.c and content_header.c share; not for
 * other modules (use content.h). */
#ifndef CONFER_CONTENT_PRIV_H
#define CONFER_CONTENT_PRIV_H

#include <stddef.h>

#include "core/buf.h"
#include "mail/content.h"

/* Comment nesting we let libetpan see: its comment parser recurses once
 * per '(' and overflows the stack near 300,000 levels. */
#define CONTENT_PAREN_MAX 1000

/* Length of the header block at msg, the empty line that ends it
 * included (the whole of msg when there is none). */
size_t content_header_len(const char *msg, size_t len);

/* Appends the raw value of the first field `name` in the header block
 * hdr (folding kept, leading blanks skipped).  Returns 0, or -1 when the
 * field is absent. */
int content_header_raw(const char *hdr, size_t len, const char *name,
		       struct buf *out);

/* Is every comment in s nested at most `max` deep?  Conservative: '('
 * inside quoted strings counts too; backslash escapes are honoured. */
int content_parens_ok(const char *s, size_t len, size_t max);

/* Fills subject, from, message id, references and date of c from the
 * header block hdr.  Fields are valid UTF-8 without control characters. */
void content_headers_read(const char *hdr, size_t len, struct content *c);

/* Fills msg_from_name, msg_from_addr, msg_subject and msg_date of an embedded message. */
void content_message_summary(const char *hdr, size_t len,
			     struct content_part *p);

/* Date: value to time_t, (time_t)-1 when missing or not a date. */
time_t content_date_parse(const char *value, size_t len);

#endif
