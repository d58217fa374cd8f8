/* text_html.h: mail text (UTF-8) as safe HTML: everything escaped, web and
 * mailto links made links, long quoted runs folded into <details>. */
#ifndef CONFER_TEXT_HTML_H
#define CONFER_TEXT_HTML_H

#include "core/buf.h"

/* Appends text as HTML for a block styled white-space: pre-wrap. */
void text_to_html(const char *text, struct buf *out);

/* Appends s with URLs (http, https, mailto) as links, all escaped. */
void linkify(const char *s, size_t len, struct buf *out);

#endif
