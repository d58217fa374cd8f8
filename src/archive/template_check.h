/* template_check.h: what an archive template file may hold. */
#ifndef CONFER_TEMPLATE_CHECK_H
#define CONFER_TEMPLATE_CHECK_H

#include <stddef.h>

#include "core/buf.h"

/* Checks the text of template `file` before it is parsed: UTF-8 text
 * without NUL; and, when markup is set (HTML and Atom templates), nothing
 * a browser would run or load as a document: a script, frame, object,
 * embed, applet or base element, an event-handler (on...) or srcdoc
 * attribute, a javascript: or vbscript: URL; no template tag in or as an
 * element or attribute name (a value from mail could name an event
 * handler there), no partial in a tag, value, comment or raw-text
 * element, no section that opens in one place (the text, a tag, a
 * value, a comment) and closes in another, nothing left open at the end
 * of the file (a partial could finish it).  Comments are skipped.  A guard against mistakes in
 * templates a site's administrator writes, who is trusted like the
 * configuration, not a sandbox.  Returns 0, or -1 with
 * "FILE:LINE: message" in err (may be NULL). */
int template_text_check(const char *file, const char *s, size_t len,
			int markup, struct buf *err);

#endif
