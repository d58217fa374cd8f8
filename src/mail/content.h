/* content.h: what a message says, for people: its decoded headers and its
 * parts as UTF-8 text or attachments.  Built on libetpan's MIME parser, with
 * confer's own bounds (depth, part count, sizes).  Used by the archive and
 * by anything that shows or quotes a message. */
#ifndef CONFER_CONTENT_H
#define CONFER_CONTENT_H

#include <stddef.h>
#include <time.h>

enum part_kind {
	PART_TEXT,       /* text/plain, or HTML converted to text */
	PART_ATTACHMENT, /* anything to offer as a download */
	PART_MESSAGE,    /* start of an embedded message/rfc822 */
	PART_MESSAGE_END /* end of that embedded message */
};

struct content_part {
	enum part_kind kind;
	char *mime_type;  /* lowercased "type/subtype" */
	char *text;       /* PART_TEXT: UTF-8, LF line ends, no NUL */
	int from_html;    /* PART_TEXT converted from text/html */
	int flowed;       /* text/plain; format=flowed (already unwrapped) */
	char *filename;   /* PART_ATTACHMENT: decoded, safe name (see
			     filename_sanitize), NULL when the part has none */
	char *data;       /* PART_ATTACHMENT: decoded bytes */
	size_t data_len;
	/* PART_MESSAGE: the embedded message's decoded headers: its sender's
	 * name and address (each "" when unusable), the subject, the Date
	 * field as written ("" when missing) */
	char *msg_from_name, *msg_from_addr, *msg_subject, *msg_date;
};

struct content {
	char *subject;      /* decoded, UTF-8, "" when missing */
	char *from_name;    /* decoded display name, may be "" */
	char *from_addr;    /* addr-spec, "" when none usable */
	char *message_id;   /* without angle brackets, NULL when missing */
	char *in_reply_to;  /* raw header value or NULL */
	char *references;   /* raw header value or NULL */
	time_t date;        /* Date: header, (time_t)-1 when missing or bad */
	struct content_part *parts;
	size_t nparts;
	int truncated;      /* limits cut the part list short */
};

/* Parses `len` bytes of mail (CRLF, LF or CR).  Never fails on malformed
 * mail: what cannot be read is left out and noted in `truncated`.  Limits:
 * MIME depth 20, 500 parts (a PART_MESSAGE_END is always added after its
 * PART_MESSAGE), 64 MiB of decoded parts; mail nested too deep for
 * libetpan to parse safely gets its headers only.  Every string is valid
 * UTF-8; header fields hold no control characters (In-Reply-To and
 * References are unfolded); non-empty text ends with a newline.  Free
 * with content_release. */
void content_parse(const char *msg, size_t len, struct content *out);
/* Only the header fields of struct content (subject, from, message id,
 * in-reply-to, references, date), read as content_parse reads them; no
 * part is parsed.  Free with content_release. */
void content_parse_headers(const char *msg, size_t len, struct content *out);
void content_release(struct content *c);

/* Converts HTML to readable text (paragraphs, list items, links written out
 * as "text <url>"; script and style contents dropped), appended to out. */
void html_to_text(const char *html, size_t len, struct buf *out);

/* Undoes format=flowed (RFC 3676) soft line breaks, with DelSp support. */
void flowed_unwrap(const char *text, size_t len, int delsp, struct buf *out);

/* Makes an attachment name safe to show and offer: no path separators,
 * no control characters, no leading dots, at most 200 bytes of UTF-8.
 * Returns a newly allocated string ("attachment" when nothing is left). */
char *filename_sanitize(const char *name);

#endif
