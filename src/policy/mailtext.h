/* mailtext.h: the texts of the messages confer writes (help, welcome,
 * goodbye, notices to senders, moderators' notifications and
 * confirmations, subscription confirmations and refusals), in the list's
 * language (en, fr, es), from templates a site can override.
 *
 * A template is "Subject: ...", a blank line and the body; {name} is
 * replaced by a value (unknown names stay as written).  {list},
 * {domain}, {description} and {network} are always set.  Lookup order for
 * NAME in language LANG: the site's templates/mail/NAME.LANG.txt, then
 * templates/mail/NAME.txt, then the built-in text for LANG.  A site file
 * without a "Subject:" first line keeps the built-in subject. */
#ifndef CONFER_MAILTEXT_H
#define CONFER_MAILTEXT_H

#include "core/buf.h"

struct site;
struct list_info;

struct mt_var {
	const char *key;   /* without braces */
	const char *value;
};

/* The language code a list's `language` setting selects: "en", "fr" or
 * "es" (anything else is "en").  Never NULL. */
const char *mailtext_lang(const char *language);

/* Renders template name for li.  The subject (one line, no line breaks)
 * replaces subject's contents when subject is not NULL; the body (LF line
 * ends) is appended to body.  vars ends with a NULL key; values are
 * borrowed and inserted as they are (never read as placeholders). */
void mailtext_render(const struct site *site, const struct list_info *li,
		     const char *name, const struct mt_var *vars,
		     struct buf *subject, struct buf *body);

/* Checks the built-in templates: every language has every template, with
 * a subject when English has one, the same placeholders as English, and
 * a {reply_to} (a token address) alone on its line.  Returns the number
 * of problems, each described on a line of report. */
int mailtext_check(struct buf *report);

#endif
