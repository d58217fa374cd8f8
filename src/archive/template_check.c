/* template_check.c: refuses template files that are not text, or whose
 * markup would make a page run something.  It reads HTML the way a
 * browser's tokenizer does, closely enough for that: tags, quoted and
 * unquoted attribute values, comments, raw-text elements.  What a
 * template tag ({{...}}) prints is only known when rendering, so the
 * check keeps the page's structure out of their reach instead: a section
 * must open and close in one place (the text, one tag, one attribute
 * value, one comment), values and partials stay out of names, and
 * partials out of tags, values, comments and raw text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/template_check.h"
#include "core/util.h"
#include "mail/decode.h"

struct scan {
	const char *file, *s;
	size_t len, i, line;
	struct buf *err;
	/* where template tags are read: 0 for the text, else the number
	 * of one tag, value, comment or raw-text element */
	unsigned long place, places;
	unsigned long *open;          /* the place of each open section */
	size_t nopen;
};

static int refuse(struct scan *sc, const char *what)
{
	if (sc->err)
		buf_printf(sc->err, "%s:%zu: %s: a template may hold no script "
			   "or active content, and only UTF-8 text", sc->file,
			   sc->line, what);
	return -1;
}

static int at(const struct scan *sc, const char *word)
{
	size_t n = strlen(word);

	return sc->len - sc->i >= n && !strncasecmp(sc->s + sc->i, word, n);
}

static int at_end(const struct scan *sc)
{
	return sc->i >= sc->len;
}

/* Moves to `to`, counting the lines passed (LF, CRLF or a lone CR). */
static void advance(struct scan *sc, size_t to)
{
	for (; sc->i < to && sc->i < sc->len; sc->i++)
		if (sc->s[sc->i] == '\n' ||
		    (sc->s[sc->i] == '\r' && (sc->i + 1 >= sc->len ||
					      sc->s[sc->i + 1] != '\n')))
			sc->line++;
}

/* A new place (a tag, a value...) to read template tags in. */
static unsigned long enter(struct scan *sc)
{
	unsigned long was = sc->place;

	sc->place = ++sc->places;
	return was;
}

/* At "{{": reads the template tag, keeping sections to the place they
 * open in.  Returns its kind ('#', '^', '/', '!', '>', or 'v' for a
 * value), or 0 after a refusal. */
static char template_tag(struct scan *sc)
{
	char kind = sc->i + 2 < sc->len ? sc->s[sc->i + 2] : 'v';
	const char *close = kind == '{' ? "}}}" : "}}";
	const char *end = NULL;
	size_t from = sc->i + 2;

	while (from < sc->len) {
		end = memchr(sc->s + from, '}', sc->len - from);
		if (!end || (size_t)(end - sc->s) + strlen(close) > sc->len) {
			end = NULL;
			break;
		}
		if (!strncmp(end, close, strlen(close)))
			break;
		from = (size_t)(end - sc->s) + 1;
		end = NULL;
	}
	/* an unclosed tag is the template parser's to report */
	advance(sc, end ? (size_t)(end - sc->s) + strlen(close) : sc->len);
	if (!kind || !strchr("#^/!>", kind))
		return 'v';
	if (kind == '#' || kind == '^') {
		sc->open = xreallocarray(sc->open, sc->nopen + 1,
					 sizeof(*sc->open));
		sc->open[sc->nopen++] = sc->place;
	} else if (kind == '/' && sc->nopen) {
		/* (a close with none open is the parser's to report: it
		 * reads the same template tags in the same order) */
		if (sc->open[sc->nopen - 1] != sc->place)
			return refuse(sc, "a section opened in one place (the "
				      "text, a tag, a value, a comment) and "
				      "closed in another"), 0;
		sc->nopen--;
	}
	return kind;
}

/* One step inside a value, comment or raw-text element: past a
 * template tag (a partial refused: it could end what holds it, `inside`
 * says what) or one character.  0, or -1 after a refusal. */
static int step_inside(struct scan *sc, const char *inside)
{
	char kind;
	char what[64];

	if (!at(sc, "{{")) {
		advance(sc, sc->i + 1);
		return 0;
	}
	kind = template_tag(sc);
	if (!kind)
		return -1;
	if (kind != '>')
		return 0;
	snprintf(what, sizeof(what), "a partial inside %s", inside);
	return refuse(sc, what);
}

/* The character a character reference stands for (ASCII only; others
 * as '?'); *p is past the '&', and is moved past the reference. */
static char reference(const char **p, const char *end)
{
	static const struct { const char *name; char c; } named[] = {
		{ "colon;", ':' }, { "tab;", '\t' }, { "newline;", '\n' },
		{ "sol;", '/' }, { "lpar;", '(' }, { "amp;", '&' },
	};
	const char *q = *p;
	unsigned long v = 0;
	size_t k;

	if (q < end && *q == '#') {
		int hex = q + 1 < end && (q[1] == 'x' || q[1] == 'X');
		q += hex ? 2 : 1;
		while (q < end && (hex ? isxdigit((unsigned char)*q) :
				   isdigit((unsigned char)*q))) {
			if (v < 0x110000)
				v = v * (hex ? 16 : 10) +
				    (unsigned long)(isdigit((unsigned char)*q) ?
				     *q - '0' : (tolower((unsigned char)*q) -
						 'a' + 10));
			q++;
		}
		if (q < end && *q == ';')
			q++;
		*p = q;
		return v && v < 0x80 ? (char)v : '?';
	}
	for (k = 0; k < ARRAY_SIZE(named); k++) {
		size_t n = strlen(named[k].name);
		if ((size_t)(end - q) >= n && !strncasecmp(q, named[k].name, n)) {
			*p = q + n;
			return named[k].c;
		}
	}
	return '&';
}

/* An attribute that holds a URL a browser follows or loads, and what
 * separates several (0: one URL). */
static int url_attribute(const char *name, size_t n, char *sep)
{
	static const struct { const char *name; char sep; } names[] = {
		{ "href", 0 }, { "src", 0 }, { "action", 0 },
		{ "formaction", 0 }, { "data", 0 }, { "poster", 0 },
		{ "background", 0 }, { "srcset", ',' }, { "cite", 0 },
		{ "ping", ' ' }, { "manifest", 0 }, { "codebase", 0 },
		{ "xlink:href", 0 }, { "lowsrc", 0 }, { "dynsrc", 0 },
		/* SVG animation can set an href */
		{ "values", ';' }, { "to", 0 }, { "from", 0 }, { "by", 0 },
	};
	size_t k;

	for (k = 0; k < ARRAY_SIZE(names); k++)
		if (strlen(names[k].name) == n &&
		    !strncasecmp(name, names[k].name, n)) {
			*sep = names[k].sep;
			return 1;
		}
	return 0;
}

/* Marks in the value as bad_url reads it, control characters that
 * add_url_char drops from the value itself: where a separator lets
 * another URL start, and where a template tag stood (a section that is
 * not shown takes what stood before it; one that is, or a comment,
 * joins what stands around it). */
#define MARK_SEP '\001'
#define MARK_TAG '\002'

static void add_url_char(struct buf *u, char c)
{
	/* browsers drop blanks and controls in a URL's scheme */
	if ((unsigned char)c > ' ' && c != 0x7f)
		buf_addc(u, (char)tolower((unsigned char)c));
}

/* Does s start with scheme, template tag marks skipped? */
static int scheme_at(const char *s, const char *scheme)
{
	for (; *scheme; s++) {
		if (*s == MARK_TAG)
			continue;
		if (*s != *scheme++)
			return 0;
	}
	return 1;
}

/* Does the value [a, b) as a browser reads it (references decoded,
 * blanks and controls removed, any case) give a script scheme at its
 * start, after a separator or after a template tag? */
static int bad_url(const char *a, const char *b, char sep)
{
	struct buf u = BUF_INIT;
	const char *p = a;
	size_t i;
	int bad = 0;

	while (p < b) {
		if (b - p >= 2 && p[0] == '{' && p[1] == '{') {
			const char *close = strstr(p, "}}");
			p = close && close < b ? close + 2 : b;
			while (p < b && *p == '}')
				p++;
			buf_addc(&u, MARK_TAG);
		} else if (*p == '&') {
			p++;
			add_url_char(&u, reference(&p, b));
		} else {
			add_url_char(&u, *p);
			if (sep && *p == sep)
				buf_addc(&u, MARK_SEP);
			p++;
		}
	}
	for (i = 0; i < u.len && !bad; i++)
		if (i == 0 || u.data[i - 1] == MARK_SEP ||
		    u.data[i - 1] == MARK_TAG)
			bad = scheme_at(u.data + i, "javascript:") ||
			      scheme_at(u.data + i, "vbscript:");
	buf_release(&u);
	return bad;
}

static int name_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("\"'<>/=", c);
}

/* Reads an attribute value (quoted or not) in its own place.  Returns 0,
 * or -1 after a refusal; [*a, *b) is the value. */
static int attr_value(struct scan *sc, size_t *a, size_t *b)
{
	char q = sc->s[sc->i];
	unsigned long was;

	if (q != '"' && q != '\'')
		q = 0;
	if (q)
		advance(sc, sc->i + 1);
	*a = sc->i;
	was = enter(sc);
	while (!at_end(sc)) {
		char c = sc->s[sc->i];
		if (q ? c == q : (isspace((unsigned char)c) || c == '>'))
			break;
		if (step_inside(sc, "an attribute value") < 0)
			return -1;
	}
	*b = sc->i;
	if (at_end(sc))
		return refuse(sc, "a tag not closed in its file");
	if (q)
		advance(sc, sc->i + 1);
	sc->place = was;
	return 0;
}

/* Is the name [name, name + n) one of names (any case)? */
static int one_of(const char *name, size_t n, const char *const *names,
		  size_t count)
{
	size_t k;

	for (k = 0; k < count; k++)
		if (strlen(names[k]) == n && !strncasecmp(name, names[k], n))
			return 1;
	return 0;
}

/* Elements whose content a browser reads as text up to their end tag. */
static int raw_text(const char *name, size_t n)
{
	static const char *const names[] = {
		"style", "title", "textarea", "xmp", "noscript", "noembed",
		"noframes",
	};

	return one_of(name, n, names, ARRAY_SIZE(names));
}

/* What ends a comment or a raw-text element's content: at sc, its
 * length (0: the end tag, read by the caller), or -1 when not there. */
struct ending {
	long (*at)(const struct scan *sc, const struct ending *e);
	const char *name;       /* a raw-text element's */
	size_t n;
};

/* The content of a comment or raw-text element, read in a place of its
 * own up to its end and past it, template tags in it but no partial (it
 * could end what holds it). */
static int content_until(struct scan *sc, const struct ending *e,
			 const char *inside, const char *unclosed)
{
	unsigned long was = enter(sc);
	long n;

	while (!at_end(sc)) {
		if ((n = e->at(sc, e)) >= 0) {
			advance(sc, sc->i + (size_t)n);
			sc->place = was;
			return 0;
		}
		if (step_inside(sc, inside) < 0)
			return -1;
	}
	return refuse(sc, unclosed);
}

/* "</name" followed by what ends a name. */
static long end_tag_at(const struct scan *sc, const struct ending *e)
{
	size_t k = sc->i + 2 + e->n;

	return sc->len - sc->i >= 2 + e->n && sc->s[sc->i] == '<' &&
	       sc->s[sc->i + 1] == '/' &&
	       !strncasecmp(sc->s + sc->i + 2, e->name, e->n) &&
	       (k >= sc->len || !name_char(sc->s[k])) ? 0 : -1;
}

/* "-->", or "--!>" as browsers also read it. */
static long comment_end_at(const struct scan *sc, const struct ending *e)
{
	(void)e;
	return at(sc, "-->") ? 3 : at(sc, "--!>") ? 4 : -1;
}

/* At the '<' of a start tag: its name, attributes and values. */
static int start_tag(struct scan *sc)
{
	static const char *const refused[] = {
		"script", "iframe", "frame", "frameset", "object", "embed",
		"applet", "base", "plaintext",
	};
	const char *local;
	size_t a, n, k, name_at, name_len;
	unsigned long was;
	int glued = 1;      /* the last character read ends a name */

	advance(sc, sc->i + 1);
	name_at = sc->i;
	while (!at_end(sc) && name_char(sc->s[sc->i]) && !at(sc, "{{"))
		advance(sc, sc->i + 1);
	name_len = sc->i - name_at;
	/* "x:script" in an XML namespace is a script too */
	for (n = name_len; n > 0 && sc->s[name_at + n - 1] != ':'; n--)
		;
	local = sc->s + name_at + n;
	n = name_len - n;
	if (one_of(local, n, refused, ARRAY_SIZE(refused))) {
		char what[48];
		snprintf(what, sizeof(what), "a <%.*s> element", (int)n, local);
		return refuse(sc, what);
	}
	was = enter(sc);
	for (;;) {
		size_t va, vb;
		char sep;

		while (!at_end(sc) && (isspace((unsigned char)sc->s[sc->i]) ||
				       sc->s[sc->i] == '/')) {
			advance(sc, sc->i + 1);
			glued = 0;
		}
		/* a partial could go on where this file stops */
		if (at_end(sc))
			return refuse(sc, "a tag not closed in its file");
		if (sc->s[sc->i] == '>') {
			advance(sc, sc->i + 1);
			sc->place = was;
			if (raw_text(sc->s + name_at, name_len)) {
				struct ending e = { end_tag_at, sc->s + name_at,
						    name_len };
				return content_until(sc, &e, "a raw-text "
						     "element (style, title...)",
						     "an element not closed in "
						     "its file");
			}
			return 0;
		}
		if (at(sc, "{{")) {
			switch (template_tag(sc)) {
			case 0:
				return -1;
			case '#': case '^': case '/': case '!':
				break;
			case '>':
				return refuse(sc, "a partial inside a tag");
			default:
				return refuse(sc, "a template value where an "
					      "attribute name goes");
			}
			/* "<scr{{! }}ipt>": a name the rendering would join */
			if (glued && !at_end(sc) && name_char(sc->s[sc->i]) &&
			    !at(sc, "{{"))
				return refuse(sc, "a template tag inside a name");
			continue;
		}
		a = sc->i;
		/* a name starts with any character but these (even a quote
		 * or '='), as in a browser */
		advance(sc, sc->i + 1);
		while (!at_end(sc) && name_char(sc->s[sc->i]) && !at(sc, "{{"))
			advance(sc, sc->i + 1);
		n = sc->i - a;
		glued = 1;
		if (n > 2 && !strncasecmp(sc->s + a, "on", 2))
			return refuse(sc, "an event-handler attribute (on...)");
		if (n == 6 && !strncasecmp(sc->s + a, "srcdoc", 6))
			return refuse(sc, "a srcdoc attribute");
		k = sc->i;
		while (k < sc->len && isspace((unsigned char)sc->s[k]))
			k++;
		if (k >= sc->len || sc->s[k] != '=')
			continue;
		advance(sc, k + 1);
		while (!at_end(sc) && isspace((unsigned char)sc->s[sc->i]))
			advance(sc, sc->i + 1);
		if (at_end(sc))
			return refuse(sc, "a tag not closed in its file");
		if (attr_value(sc, &va, &vb) < 0)
			return -1;
		glued = 0;
		if (url_attribute(sc->s + a, n, &sep) &&
		    bad_url(sc->s + va, sc->s + vb, sep))
			return refuse(sc, "a javascript: or vbscript: URL");
	}
}

/* A comment, from "<!--" to "-->" or "--!>" (or at once: "<!-->",
 * "<!--->"), read in a place of its own. */
static int comment(struct scan *sc)
{
	static const struct ending e = { comment_end_at, NULL, 0 };

	advance(sc, sc->i + 4);
	if (at(sc, ">") || at(sc, "->")) {
		advance(sc, sc->i + (at(sc, ">") ? 1 : 2));
		return 0;
	}
	return content_until(sc, &e, "a comment",
			     "a comment not closed in its file");
}

static int markup_check(struct scan *sc)
{
	int rc = 0;

	while (rc == 0 && !at_end(sc)) {
		if (at(sc, "{{"))
			rc = template_tag(sc) ? 0 : -1;
		else if (at(sc, "<!--"))
			rc = comment(sc);
		else if (at(sc, "<!") || at(sc, "<?") || at(sc, "</")) {
			/* a declaration, processing instruction or end tag:
			 * nothing in it runs, but it must end here */
			while (!at_end(sc) && sc->s[sc->i] != '>' &&
			       !at(sc, "{{"))
				advance(sc, sc->i + 1);
			if (at_end(sc) || at(sc, "{{"))
				rc = refuse(sc, "a declaration or end tag not "
					    "closed before a template tag or "
					    "the file's end");
			else
				advance(sc, sc->i + 1);
		} else if (at(sc, "<{{"))
			rc = refuse(sc, "a template tag in an element's name");
		else if (sc->s[sc->i] == '<' && sc->i + 1 < sc->len &&
			 isalpha((unsigned char)sc->s[sc->i + 1]))
			rc = start_tag(sc);
		else
			advance(sc, sc->i + 1);
	}
	/* sections left open are the parser's to report */
	return rc;
}

int template_text_check(const char *file, const char *s, size_t len,
			int markup, struct buf *err)
{
	struct scan sc;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	sc.file = file;
	sc.s = s;
	sc.len = len;
	sc.line = 1;
	sc.err = err;
	while (sc.i < len) {
		unsigned char c = (unsigned char)s[sc.i];
		size_t n = c < 0x80 ? 1 : utf8_seqlen(s + sc.i, len - sc.i);
		if (c == '\0')
			return refuse(&sc, "a NUL byte");
		if (n == 0)
			return refuse(&sc, "bytes that are not UTF-8");
		if (n > 1)
			sc.i += n;
		else
			advance(&sc, sc.i + 1);
	}
	sc.i = 0;
	sc.line = 1;
	if (markup)
		rc = markup_check(&sc);
	free(sc.open);
	return rc;
}
