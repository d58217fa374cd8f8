/* reply.h: messages confer itself writes (notices to senders and owners).
 * Each goes out with a null envelope sender and Auto-Submitted:
 * auto-replied (RFC 3834), so that no robot answers it. */
#ifndef CONFER_REPLY_H
#define CONFER_REPLY_H

#include "core/buf.h"

struct site;

struct reply {
	const char *list;        /* the list it is about */
	const char *from_local;  /* e.g. "LIST-owner" */
	const char *to;          /* recipient address */
	const char *subject;     /* UTF-8 */
	const char *in_reply_to; /* Message-ID without <>, or NULL */
	const char *body;        /* UTF-8 text, LF line ends */
};

/* Builds the message (CRLF) into out. */
void reply_build(const struct site *site, const struct reply *r,
		 struct buf *out);

/* Builds, writes to spool/outgoing and queues the reply (inside the
 * caller's transaction).  0 or -1 (logged). */
int reply_queue(struct site *site, const struct reply *r);

#endif
