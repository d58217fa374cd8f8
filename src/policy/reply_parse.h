/* reply_parse.h: what a moderator's reply says.  The command is the first
 * word of the moderator's own text -- not of the quoted notification, the
 * attribution line, a forwarded header block or a signature:
 *   reject [REASON]   refuse the post and tell the sender REASON
 *   discard           drop the post silently
 *   anything else     approve (an empty reply approves)
 * Handles top- and bottom-posting, HTML-only replies (converted to text,
 * <blockquote> becomes "> "), Outlook's "From:/Sent:" blocks in several
 * languages, "-----Original Message-----" style separators and localised
 * attribution lines ("Le ... a écrit :", "Am ... schrieb ...:"). */
#ifndef CONFER_REPLY_PARSE_H
#define CONFER_REPLY_PARSE_H

#include <stddef.h>

#include "core/buf.h"

enum mod_command { MOD_APPROVE, MOD_REJECT, MOD_DISCARD };

/* Reads the command from decoded text (UTF-8, LF or CRLF line ends).  For
 * MOD_REJECT the rest of that line (trimmed, at most 500 bytes) is
 * appended to reason. */
enum mod_command modreply_parse_text(const char *text, struct buf *reason);

/* Same for a whole raw message: its first readable text part (plain text
 * preferred, HTML converted), outside any attached message. */
enum mod_command modreply_parse(const char *msg, size_t len,
				struct buf *reason);

/* The moderator's first own line (for logs and tests), appended to out;
 * empty when the reply has no own text. */
void modreply_first_line(const char *text, struct buf *out);

const char *mod_command_name(enum mod_command c);

#endif
