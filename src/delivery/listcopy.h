/* listcopy.h: building the copy of a post that members receive: the list
 * headers (RFC 2369, 2919, 5064), the subject tag, the footer.  This is the
 * one place where later work adds From rewriting for DMARC and
 * per-recipient variants.  Every byte it does not mean to change is left
 * as received. */
#ifndef CONFER_LISTCOPY_H
#define CONFER_LISTCOPY_H

#include <stddef.h>

#include "core/buf.h"

struct listcopy_opts {
	const char *subject_tag; /* "[name]", or NULL for none */
	const char *footer;      /* UTF-8 text, or NULL for none */
	/* Complete header lines to add, each ending in CRLF (List-Id, List-*,
	 * Archived-At, Precedence...).  Headers of these names already in the
	 * message are removed first. */
	const char *add_headers;
};

/* Builds the list copy of a message (CRLF line ends) into out.  Returns 0,
 * or -1 with a reason in err when the message has no header block. */
int listcopy_build(const char *msg, size_t len,
		   const struct listcopy_opts *o, struct buf *out,
		   struct buf *err);

/* Adds the tag to a raw (possibly RFC 2047 encoded) Subject value exactly
 * once: "Re: [x] Re: hello" becomes "Re: [x] hello"-like forms never
 * "[x] Re: [x] ...".  Encoded words keep their spaces and meaning. */
void subject_tag_apply(const char *raw_subject, const char *tag,
		       struct buf *out);

/* Adds a footer to a message's body part structure following the rules in
 * the main-job issue (single text part in its charset or UTF-8, re-encoded
 * QP/base64; multipart/mixed gets a new part; multipart/alternative is
 * wrapped; signed or encrypted left alone).  msg is headers + body; out
 * receives the whole message.  Returns 1 if a footer was added, 0 if the
 * structure forbids it (message copied unchanged), -1 on error. */
int footer_add(const char *msg, size_t len, const char *footer,
	       struct buf *out);

#endif
