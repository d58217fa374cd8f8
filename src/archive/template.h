/* template.h: a small logic-less template engine for the archive pages.
 *
 * Syntax (mustache-like):
 *   {{name}}          value, HTML-escaped
 *   {{{name}}}        value as is (only for HTML that confer itself built)
 *   {{#name}}..{{/name}}  section: repeated for each item of a list, shown
 *                     once for a true value or a non-empty string
 *   {{^name}}..{{/name}}  inverted section: shown when missing, false,
 *                     empty string or empty list
 *   {{>name}}         partial: the template file "name" rendered here
 *   {{! comment }}
 * Names may be dotted ("list.name") and are looked up from the innermost
 * section outwards.  "." is the current item when it is a string. */
#ifndef CONFER_TEMPLATE_H
#define CONFER_TEMPLATE_H

#include "core/buf.h"

struct tctx; /* a map of names to values: strings, booleans, lists of maps */

struct tctx *tctx_new(void);
void tctx_free(struct tctx *c);
/* Setting a name twice replaces the old value.  Strings are copied. */
void tctx_set(struct tctx *c, const char *name, const char *value);
void tctx_setf(struct tctx *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A string that is output unescaped even by {{name}} (trusted HTML). */
void tctx_set_html(struct tctx *c, const char *name, const char *html);
void tctx_set_bool(struct tctx *c, const char *name, int value);
/* Returns a nested map stored under name (created on first use). */
struct tctx *tctx_map(struct tctx *c, const char *name);
/* Appends a new map to the list stored under name and returns it; the
 * list is created on first use.  Owned by c. */
struct tctx *tctx_push(struct tctx *c, const char *name);
/* Appends a string item to the list under name (for {{.}} iteration). */
void tctx_push_str(struct tctx *c, const char *name, const char *value);

struct tset; /* templates loaded from an override folder and a default one */

/* Either folder may be NULL.  A file in `override_dir` wins over the file of
 * the same name in `default_dir`.  Returns NULL with a message in err. */
struct tset *tset_new(const char *override_dir, const char *default_dir,
		      struct buf *err);
void tset_free(struct tset *t);

/* Renders template file `name` (e.g. "thread.html") with context c,
 * appending to out.  Templates are parsed once and cached.  Returns 0, or
 * -1 with "FILE:LINE: message" in err (unknown template, unclosed section,
 * partial recursion deeper than 16). */
int tset_render(struct tset *t, const char *name, struct tctx *c,
		struct buf *out, struct buf *err);

/* Renders a template given as a string (for tests and mail bodies). */
int template_render_string(const char *tpl, struct tctx *c, struct buf *out,
			   struct buf *err);

/* Appends s HTML-escaped (& < > " '). */
void html_escape(const char *s, size_t len, struct buf *out);

#endif
