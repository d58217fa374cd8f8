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
 * or -1 with a reason in err when the message has no header block.  The
 * add_headers lines go at the end of the header block; every Subject is
 * tagged, and a message without one gets "Subject: TAG". */
int listcopy_build(const char *msg, size_t len,
		   const struct listcopy_opts *o, struct buf *out,
		   struct buf *err);

/* Adds the tag to a raw (possibly RFC 2047 encoded) Subject value exactly
 * once: "Re: [x] Re: hello" becomes "Re: [x] hello"-like forms never
 * "[x] Re: [x] ...".  Encoded words keep their spaces and meaning.
 * Canonical form (subject.c): "TAG subject", or "Re: TAG subject" for a
 * reply; a value already in that form is appended unchanged, and so is
 * any value when tag is NULL or "" (leading blanks are dropped). */
void subject_tag_apply(const char *raw_subject, const char *tag,
		       struct buf *out);

/* Adds a footer to a message's body part structure following the rules in
 * the main-job issue (single text part in its charset or UTF-8, re-encoded
 * QP/base64; multipart/mixed gets a new part; multipart/alternative is
 * wrapped; signed or encrypted left alone; footer.c has the details).  msg
 * is headers + body; out receives the whole message.  Returns 1 if a
 * footer was added, 0 if the structure forbids it or cannot be read with
 * confidence (message copied unchanged), -1 when msg has no header block
 * (nothing appended). */
int footer_add(const char *msg, size_t len, const char *footer,
	       struct buf *out);

/* Raw header block access, shared by listcopy.c, footer.c and subject.c.
 * The header block is the leading run of header fields (a name of
 * printable ASCII without ':' followed by ':') and their continuation lines
 * (RFC 5322 section 2.2).  It ends at the first empty line, which
 * separates it from the body, or, in broken mail, at the first line that
 * is neither; that line then starts the body, as in Python's parser and
 * most MUAs.  Lines end in LF, normally CRLF. */
struct rawhdr_field {
	size_t start;     /* offset of the field name */
	size_t name_len;
	size_t value;     /* offset just after the colon */
	size_t value_end; /* end of the value, before the final line end */
	size_t end;       /* end of the field including its line end */
};

/* Finds the header block.  Returns 0 with *fields_end (end of the last
 * field) and *body (start of the body, after the empty line when there is
 * one; len when there is none), or -1 with *why set when the message does
 * not begin with a header field. */
int rawhdr_split(const char *msg, size_t len, size_t *fields_end,
		 size_t *body, const char **why);

/* Steps through the fields in [*pos, fields_end): fills f, advances *pos
 * and returns 1; returns 0 after the last field. */
int rawhdr_next(const char *msg, size_t fields_end, size_t *pos,
		struct rawhdr_field *f);

/* Is f's name `name` (ASCII case-insensitively)? */
int rawhdr_is(const char *msg, const struct rawhdr_field *f,
	      const char *name);

/* Finds the first field called `name`: returns 1 and fills f, or 0. */
int rawhdr_find(const char *msg, size_t fields_end, const char *name,
		struct rawhdr_field *f);

/* Appends [start, end) of msg to out, adding CRLF when the last line has
 * no line end (a message cut off inside its header). */
void rawhdr_copy_line(const char *msg, size_t start, size_t end,
		      struct buf *out);

/* Appends text with every line end written as CRLF (LF, CR and CRLF are
 * all read as line ends); a last line without one gets one. */
void rawhdr_add_crlf(const char *text, size_t len, struct buf *out);

#endif
