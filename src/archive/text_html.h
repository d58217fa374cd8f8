/* text_html.h: mail text (UTF-8) as safe HTML: everything escaped, web and
 * mailto links made links, long quoted runs and "On ... wrote:" blocks
 * folded into <details> (works without JavaScript). */
#ifndef CONFER_TEXT_HTML_H
#define CONFER_TEXT_HTML_H

#include "core/buf.h"

/* Words the folded quotes are labelled with, in the page's language. */
struct text_labels {
	const char *quoted;  /* "quoted text" */
	const char *lines;   /* "lines" */
};

/* Appends text as HTML for a block styled white-space: pre-wrap (long
 * lines are wrapped by CSS, the text is not rewritten).  labels may be
 * NULL (English). */
void text_to_html(const char *text, const struct text_labels *labels,
		  struct buf *out);

/* Appends s with URLs (http, https, mailto) as links, all escaped. */
void linkify(const char *s, size_t len, struct buf *out);

/* Is this line (without its end) an attribution such as "On ..., X
 * wrote:"?  Recognises English, French, Spanish and German forms. */
int is_attribution(const char *line, size_t len);

#endif
