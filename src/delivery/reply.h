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
	/* Optional (zero them with memset when unused): */
	const char *reply_to_local; /* Reply-To: LOCAL@DOMAIN, e.g. a token
				       address; NULL for none */
	const char *attach;      /* a message attached as message/rfc822 */
	size_t attach_len;
};

/* Builds the message (CRLF) into out: text/plain, or multipart/mixed
 * with the attached message.  Text goes as 7bit when it is ASCII in short
 * lines, else quoted-printable; lines are wrapped at spaces only, so an
 * address or link on a short line of its own stays whole either way. */
void reply_build(const struct site *site, const struct reply *r,
		 struct buf *out);

/* Builds, writes to spool/outgoing and queues the reply (inside the
 * caller's transaction).  0 or -1 (logged). */
int reply_queue(struct site *site, const struct reply *r);

#endif
