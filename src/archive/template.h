/* template.h: a small logic-less template engine for the archive pages.
 *
 * Syntax (mustache-like):
 *   {{name}}          value: HTML-escaped, unless the code set it as HTML
 *                     (tctx_set_html), which prints as is
 *   {{{name}}}        the same (accepted for mustache habits; the braces
 *                     never make a plain string trusted)
 *   {{#name}}..{{/name}}  section: repeated for each item of a list, shown
 *                     once for a true value or a non-empty string
 *   {{^name}}..{{/name}}  inverted section: shown when missing, false,
 *                     empty string or empty list
 *   {{>name}}         partial: the template file "name" rendered here
 *   {{! comment }}
 * Names may be dotted ("list.name") and are looked up from the innermost
 * section outwards.  "." is the current item when it is a string.
 *
 * Only strings print: booleans, maps and lists print nothing.  A section
 * over a map or a non-empty string makes it the current item ("."); over
 * a boolean it adds no scope.  A partial sees the context of its tag;
 * partials may recurse (e.g. over a reply tree) at most 16 deep.  In such a
 * tree give each leaf its own value for the list's name (tctx_set_bool
 * false), or the lookup finds its parent's list again.
 * Inside a list section (also from sections nested in it):
 *   {{#-first}}..{{/-first}}  shown for the first item only
 *   {{^-last}}, {{/-last}}    between items (shown for all but the last)
 *   {{-index}}        the item's position, counting from 1
 * A line holding only a section, inverted, closing, partial or comment tag
 * (and blanks) is dropped whole, as in mustache, so block tags on their
 * own lines leave no blank lines.  Partial and template names must be
 * plain file names: letters, digits, '.', '_', '-', no leading '.', no
 * "..".  Nothing in a value is ever parsed as a tag.
 *
 * Errors are appended to err (which may be NULL) as "FILE:LINE: message";
 * FILE is the template's path, or "string" for template_render_string
 * (a missing top-level template has no FILE:LINE).  A failed render leaves
 * out as it was. */
#ifndef CONFER_TEMPLATE_H
#define CONFER_TEMPLATE_H

#include "core/buf.h"

struct tctx; /* a map of names to values: strings, booleans, lists of maps */

struct tctx *tctx_new(void);
/* Frees c and everything in it; only for maps from tctx_new (nested maps
 * belong to their parent). */
void tctx_free(struct tctx *c);
/* Setting a name twice replaces the old value (and frees it, with any map
 * or list it held).  Strings are copied; a NULL string is "".  In every
 * setter a dotted name ("list.name") sets inside the nested maps, creating
 * them (and replacing non-map values in the way) as needed. */
void tctx_set(struct tctx *c, const char *name, const char *value);
void tctx_setf(struct tctx *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A string that is output unescaped even by {{name}} (trusted HTML). */
void tctx_set_html(struct tctx *c, const char *name, const char *html);
void tctx_set_bool(struct tctx *c, const char *name, int value);
/* Returns a nested map stored under name (created on first use). */
struct tctx *tctx_map(struct tctx *c, const char *name);
/* Stores a map owned by someone else under name, for values many pages
 * share (the translated strings): it must outlive c, is never freed by c,
 * and setters that walk into it (tctx_set(c, "name.x", ..)) replace it
 * with a map of c's own instead of changing it. */
void tctx_set_shared(struct tctx *c, const char *name,
		     const struct tctx *shared);
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
 * appending to out.  Templates are parsed once and cached (files changed
 * afterwards are not re-read; a tset is not thread-safe).  Returns 0, or
 * -1 with "FILE:LINE: message" in err (unknown template, unclosed section,
 * partials nested deeper than 16, script or bytes that are not UTF-8 text
 * in a template file). */
int tset_render(struct tset *t, const char *name, struct tctx *c,
		struct buf *out, struct buf *err);

/* Loads template `name` and the partials it names, so that a broken
 * template is found before anything is rendered: every partial it could
 * name, in shown sections or not, so a partial that names itself fails
 * here.  0, or -1 with "FILE:LINE: message" in err. */
int tset_check(struct tset *t, const char *name, struct buf *err);

/* Renders a template given as a string (for tests and mail bodies). */
int template_render_string(const char *tpl, struct tctx *c, struct buf *out,
			   struct buf *err);

/* Appends s HTML-escaped (& < > " '), with the code points a strict HTML
 * or XML parser rejects (controls, noncharacters) replaced by U+FFFD. */
void html_escape(const char *s, size_t len, struct buf *out);

#endif
