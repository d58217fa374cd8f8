/* header.h: reading header fields from a raw message (CRLF or LF), for the
 * policy checks that only need a field's value: loops, robots, the poster.
 * MIME structure is content.h's job. */
#ifndef CONFER_HEADER_H
#define CONFER_HEADER_H

#include <stddef.h>

#include "core/buf.h"

/* Length of the header block including the empty line that ends it (or the
 * whole message when there is no empty line). */
size_t header_block_len(const char *msg, size_t len);

/* Appends the unfolded value of the first field called `name` (case-
 * insensitive), with leading white space removed.  Returns 0, or -1 when
 * there is none.  Only the header block is searched. */
int header_get(const char *msg, size_t len, const char *name,
	       struct buf *out);

/* Calls fn(name, name_len, field_start, field_len, arg) for each field in
 * order; field_len covers the whole field including its continuation lines
 * and line end.  Stops early when fn returns non-zero. */
void header_each(const char *msg, size_t len,
		 int (*fn)(const char *name, size_t nlen, const char *field,
			   size_t flen, void *arg), void *arg);

/* The first mailbox of From: as addr-spec and decoded display name.
 * Returns 0, or -1 when From: has no usable address. */
int header_from(const char *msg, size_t len, struct buf *addr,
		struct buf *name);

/* Is this a trace field (Received, Return-Path, Delivered-To, ...) that
 * relays add on the way, and that does not make a message different? */
int header_is_trace(const char *name, size_t nlen);

#endif
