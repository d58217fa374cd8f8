/* template_check.c: refuses template files that are not text, or whose
 * markup would make a page run something.  It reads HTML the way a
 * browser's tokenizer does, closely enough for that: tags, quoted and
 * unquoted attribute values, comments; template tags ({{...}}) are
 * opaque, since what they print is only known when rendering. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/template_check.h"
#include "mail/decode.h"

struct scan {
	const char *file, *s;
	size_t len, i, line;
	struct buf *err;
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

/* Moves to `to`, counting the lines passed (LF, CRLF or a lone CR). */
static void advance(struct scan *sc, size_t to)
{
	for (; sc->i < to && sc->i < sc->len; sc->i++)
		if (sc->s[sc->i] == '\n' ||
		    (sc->s[sc->i] == '\r' && (sc->i + 1 >= sc->len ||
					      sc->s[sc->i + 1] != '\n')))
			sc->line++;
}

/* Moves past `end`, or to the end of the text. */
static void skip_past(struct scan *sc, const char *end)
{
	const char *hit = NULL;
	size_t from = sc->i, n = strlen(end);

	while (from + n <= sc->len) {
		hit = memchr(sc->s + from, end[0], sc->len - from);
		if (!hit || (size_t)(hit - sc->s) + n > sc->len) {
			hit = NULL;
			break;
		}
		if (!memcmp(hit, end, n))
			break;
		from = (size_t)(hit - sc->s) + 1;
		hit = NULL;
	}
	advance(sc, hit ? (size_t)(hit - sc->s) + n : sc->len);
}

/* At "{{": the kind of template tag ('#', '^', '/', '!', '>', or 'v' for
 * a value), and moves past it. */
static char template_tag(struct scan *sc)
{
	char kind = sc->i + 2 < sc->len ? sc->s[sc->i + 2] : 'v';

	if (kind == '{') {
		skip_past(sc, "}}}");
		return 'v';
	}
	skip_past(sc, "}}");
	return strchr("#^/!>", kind) && kind ? kind : 'v';
}

/* Appends a character reference's character (ASCII only; others as
 * '?'), for the URL check; *p is past the '&'. */
static void reference(const char **p, const char *end, struct buf *out)
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
		buf_addc(out, v && v < 0x80 ? (char)v : '?');
		*p = q;
		return;
	}
	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].name);
		if ((size_t)(end - q) >= n && !strncasecmp(q, named[k].name, n)) {
			buf_addc(out, named[k].c);
			*p = q + n;
			return;
		}
	}
	buf_addc(out, '&');
}

/* An attribute that holds a URL: one a browser follows or loads. */
static int url_attribute(const char *name, size_t n)
{
	static const char *const names[] = {
		"href", "src", "action", "formaction", "data", "poster",
		"background", "srcset", "cite", "ping", "manifest",
		"codebase", "xlink:href", "lowsrc", "dynsrc",
	};
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k]) == n && !strncasecmp(name, names[k], n))
			return 1;
	return 0;
}

/* The value [a, b) as a browser reads its URL: references decoded,
 * template tags dropped, blanks and controls removed (browsers ignore
 * them in a scheme), lower case. */
static int bad_url(const char *a, const char *b)
{
	static const char *const schemes[] = { ",javascript:",
					       ",vbscript:" };
	struct buf u = BUF_INIT;
	const char *p = a;
	size_t k;
	int bad = 0;

	while (p < b) {
		if (b - p >= 2 && p[0] == '{' && p[1] == '{') {
			const char *close = strstr(p, "}}");
			p = close && close < b ? close + 2 : b;
			while (p < b && *p == '}')
				p++;
		} else if (*p == '&') {
			p++;
			reference(&p, b, &u);
		} else {
			unsigned char c = (unsigned char)*p++;
			if (c > ' ' && c != 0x7f)
				buf_addc(&u, (char)tolower(c));
		}
	}
	/* at the start, or after a comma (srcset's candidates) */
	for (k = 0; u.data && k < sizeof(schemes) / sizeof(schemes[0]); k++)
		if (!strncmp(u.data, schemes[k] + 1, strlen(schemes[k]) - 1) ||
		    strstr(u.data, schemes[k]))
			bad = 1;
	buf_release(&u);
	return bad;
}

static int name_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("\"'<>/=", c);
}

/* At the '<' of a start tag: its name, attributes and values. */
static int start_tag(struct scan *sc)
{
	static const char *const refused[] = {
		"script", "iframe", "frame", "frameset", "object", "embed",
		"applet", "base",
	};
	size_t a, k;
	int sections = 0;
	int glued = 1;      /* the last character read ends a name */

	advance(sc, sc->i + 1);
	a = sc->i;
	while (sc->i < sc->len && name_char(sc->s[sc->i]) && !at(sc, "{{"))
		advance(sc, sc->i + 1);
	for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
		if (sc->i - a == strlen(refused[k]) &&
		    !strncasecmp(sc->s + a, refused[k], sc->i - a)) {
			char what[48];
			snprintf(what, sizeof(what), "a <%s> element", refused[k]);
			return refuse(sc, what);
		}
	for (;;) {
		size_t n;
		while (sc->i < sc->len && (isspace((unsigned char)sc->s[sc->i]) ||
					   sc->s[sc->i] == '/')) {
			advance(sc, sc->i + 1);
			glued = 0;
		}
		/* a partial could go on where this file stops */
		if (sc->i >= sc->len)
			return refuse(sc, "a tag not closed in its file");
		if (sc->s[sc->i] == '>') {
			if (sections)
				return refuse(sc, "a section opened inside a "
					      "tag and not closed in it");
			advance(sc, sc->i + 1);
			return 0;
		}
		if (at(sc, "{{")) {
			switch (template_tag(sc)) {
			case '#': case '^':
				sections++;
				break;
			case '/':
				sections -= sections > 0;
				break;
			case '!':
				break;
			case '>':
				return refuse(sc, "a partial inside a tag");
			default:
				return refuse(sc, "a template value where an "
					      "attribute name goes");
			}
			/* "<scr{{! }}ipt>": a name the rendering would join */
			if (glued && sc->i < sc->len &&
			    name_char(sc->s[sc->i]) && !at(sc, "{{"))
				return refuse(sc, "a template tag inside a name");
			continue;
		}
		a = sc->i;
		/* a name starts with any character but these (even a quote
		 * or '='), as in a browser */
		advance(sc, sc->i + 1);
		while (sc->i < sc->len && name_char(sc->s[sc->i]) &&
		       !at(sc, "{{"))
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
		while (sc->i < sc->len && isspace((unsigned char)sc->s[sc->i]))
			advance(sc, sc->i + 1);
		if (sc->i < sc->len && (sc->s[sc->i] == '"' ||
					sc->s[sc->i] == '\'')) {
			char q[2] = { sc->s[sc->i], '\0' };
			size_t v = sc->i + 1, line = sc->line;
			advance(sc, v);
			skip_past(sc, q);
			glued = 0;
			if (url_attribute(sc->s + a, n) &&
			    bad_url(sc->s + v, sc->s + sc->i -
				    (sc->s[sc->i - 1] == q[0]))) {
				sc->line = line;
				return refuse(sc, "a javascript: or vbscript: "
					      "URL");
			}
		} else {
			size_t v = sc->i;
			while (sc->i < sc->len &&
			       !isspace((unsigned char)sc->s[sc->i]) &&
			       sc->s[sc->i] != '>') {
				if (at(sc, "{{"))
					template_tag(sc);
				else
					advance(sc, sc->i + 1);
			}
			if (url_attribute(sc->s + a, n) &&
			    bad_url(sc->s + v, sc->s + sc->i))
				return refuse(sc, "a javascript: or vbscript: "
					      "URL");
		}
	}
}

static int markup_check(struct scan *sc)
{
	while (sc->i < sc->len) {
		if (at(sc, "{{"))
			template_tag(sc);
		else if (at(sc, "<!--"))
			skip_past(sc, "-->");
		else if (at(sc, "<!") || at(sc, "<?") || at(sc, "</"))
			skip_past(sc, ">");
		else if (at(sc, "<{{"))
			return refuse(sc, "a template tag in an element's name");
		else if (sc->s[sc->i] == '<' && sc->i + 1 < sc->len &&
			 isalpha((unsigned char)sc->s[sc->i + 1])) {
			if (start_tag(sc) < 0)
				return -1;
		} else
			advance(sc, sc->i + 1);
	}
	return 0;
}

int template_text_check(const char *file, const char *s, size_t len,
			int markup, struct buf *err)
{
	struct scan sc = { file, s, len, 0, 1, err };

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
	return markup ? markup_check(&sc) : 0;
}
