/* html2text.c: HTML mail as readable plain text.  A single forward pass
 * over the markup (no tree, no recursion): tags only steer line structure,
 * script/style/head contents are dropped, links are written out, entities
 * decoded.  The result is text; nothing of the markup survives as markup. */
#include <string.h>

#include "core/buf.h"
#include "mail/content.h"
#include "mail/decode.h"
#include "core/util.h"

#define QUOTE_MAX 20
#define LIST_MAX 10
#define TAG_NAME_MAX 16
#define ATTR_MAX 2048 /* longer attribute values are cut */

struct h2t {
	struct buf *out;
	size_t start;     /* where our text begins in out */
	int pending_nl;   /* line breaks owed before the next text (0-2) */
	int pending_sp;   /* a blank owed before the next text */
	int bol;          /* nothing written on this line yet */
	int pre;          /* inside <pre>: blanks and breaks are kept */
	int quote;        /* <blockquote> depth, shown as "> " */
	int lists;        /* <ul>/<ol> depth, for indenting items */
	int in_head;      /* inside <head>: nothing is shown */
	int in_link;
	size_t link_start;
	struct buf href;
};

/* ---- writing ---- */

static int wrote_any(const struct h2t *h)
{
	return h->out->len > h->start;
}

/* Settles owed breaks and blanks before visible text. */
static void h2t_settle(struct h2t *h)
{
	int i;

	if (h->pending_nl && wrote_any(h)) {
		for (i = 0; i < h->pending_nl; i++)
			buf_addc(h->out, '\n');
		h->bol = 1;
	}
	h->pending_nl = 0;
	if (h->bol) {
		for (i = 0; i < h->quote; i++)
			buf_addc(h->out, '>');
		if (h->quote)
			buf_addc(h->out, ' ');
		h->bol = 0;
		h->pending_sp = 0;
	} else if (h->pending_sp) {
		buf_addc(h->out, ' ');
		h->pending_sp = 0;
	}
}

static void h2t_text(struct h2t *h, const char *s, size_t n)
{
	if (h->in_head || n == 0)
		return;
	h2t_settle(h);
	buf_add(h->out, s, n);
}

static void h2t_space(struct h2t *h)
{
	if (!h->bol && wrote_any(h))
		h->pending_sp = 1;
}

/* A block boundary: at least n line breaks (2 = an empty line between). */
static void h2t_block(struct h2t *h, int n)
{
	if (h->pending_nl < n)
		h->pending_nl = n;
	h->pending_sp = 0;
}

/* <br>: each one is a line break of its own. */
static void h2t_br(struct h2t *h)
{
	if (h->in_head)
		return;
	if (h->pre || !wrote_any(h)) {
		/* A break already owed (after <pre> itself) absorbs it. */
		if (wrote_any(h) && !h->pending_nl) {
			buf_addc(h->out, '\n');
			h->bol = 1;
		}
		return;
	}
	if (h->pending_nl < 2)
		h->pending_nl++;
	h->pending_sp = 0;
}

/* ---- entities ---- */

/* Latin-1 names, U+00A0 to U+00FF in order. */
static const char *const latin1_names[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
	"deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
	"agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

static const struct {
	const char *name;
	unsigned long cp;
} other_names[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "OElig", 0x152 }, { "oelig", 0x153 },
	{ "Scaron", 0x160 }, { "scaron", 0x161 }, { "Yuml", 0x178 },
	{ "fnof", 0x192 }, { "circ", 0x2C6 }, { "tilde", 0x2DC },
	{ "ensp", 0x2002 }, { "emsp", 0x2003 }, { "thinsp", 0x2009 },
	{ "zwnj", 0x200C }, { "zwj", 0x200D }, { "lrm", 0x200E },
	{ "rlm", 0x200F }, { "ndash", 0x2013 }, { "mdash", 0x2014 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "sbquo", 0x201A },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "bdquo", 0x201E },
	{ "dagger", 0x2020 }, { "Dagger", 0x2021 }, { "bull", 0x2022 },
	{ "hellip", 0x2026 }, { "permil", 0x2030 }, { "prime", 0x2032 },
	{ "Prime", 0x2033 }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203A },
	{ "euro", 0x20AC }, { "trade", 0x2122 }, { "larr", 0x2190 },
	{ "uarr", 0x2191 }, { "rarr", 0x2192 }, { "darr", 0x2193 },
	{ "harr", 0x2194 }, { "minus", 0x2212 }, { "ne", 0x2260 },
	{ "le", 0x2264 }, { "ge", 0x2265 }, { "infin", 0x221E },
	{ "hearts", 0x2665 }, { "check", 0x2713 },
};

static long entity_named(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(latin1_names); i++)
		if (strlen(latin1_names[i]) == n && !memcmp(latin1_names[i], s, n))
			return (long)(0xA0 + i);
	for (i = 0; i < ARRAY_SIZE(other_names); i++)
		if (strlen(other_names[i].name) == n &&
		    !memcmp(other_names[i].name, s, n))
			return (long)other_names[i].cp;
	return -1;
}

/* HTML5 reads numeric references to C1 bytes as windows-1252. */
static unsigned long entity_fix(unsigned long cp)
{
	static const unsigned short c1[32] = {
		0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
		0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
	};

	if (cp == 0)
		return 0xFFFD;
	if (cp >= 0x80 && cp < 0xA0)
		return c1[cp - 0x80];
	return cp;
}

static long entity_numeric(const char *s, size_t n, size_t *used)
{
	size_t i = 0, digits = 0;
	unsigned long cp = 0;
	int hex = n > 0 && (s[0] == 'x' || s[0] == 'X');

	i = (size_t)hex;
	for (; i < n; i++, digits++) {
		int v = (s[i] >= '0' && s[i] <= '9') ? s[i] - '0' :
			(hex && s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 :
			(hex && s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 10 : -1;

		if (v < 0)
			break;
		if (cp <= 0x10FFFF) /* saturate: too big is U+FFFD anyway */
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
	}
	if (digits == 0)
		return -1;
	*used = i + (i < n && s[i] == ';');
	return (long)(cp > 0x10FFFF ? 0xFFFD : entity_fix(cp));
}

/* Decodes the reference at s ('&' included) into cp; returns its length,
 * or 0 when it is none (the '&' is then plain text). */
static size_t entity_at(const char *s, size_t n, long *cp)
{
	size_t i, used;

	if (n > 2 && s[1] == '#') {
		*cp = entity_numeric(s + 2, n - 2, &used);
		return *cp < 0 ? 0 : used + 2;
	}
	for (i = 1; i < n && i < 12 && ((s[i] >= 'a' && s[i] <= 'z') ||
					 (s[i] >= 'A' && s[i] <= 'Z') ||
					 (s[i] >= '0' && s[i] <= '9')); i++)
		;
	if (i == 1 || (*cp = entity_named(s + 1, i - 1)) < 0)
		return 0;
	if (i < n && s[i] == ';')
		return i + 1;
	/* Without ';' only the oldest names are read (as browsers do). */
	return *cp == '&' || *cp == '<' || *cp == '>' || *cp == '"' ||
	       *cp == 0xA0 ? i : 0;
}

/* Appends s with entities decoded (for attribute values). */
static void decode_entities(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, used;
	long cp;

	while (i < n) {
		if (s[i] == '&' && (used = entity_at(s + i, n - i, &cp)) > 0) {
			utf8_put(out, (unsigned long)cp);
			i += used;
		} else {
			buf_addc(out, s[i++]);
		}
	}
}

/* ---- tags ---- */

struct tag {
	char name[TAG_NAME_MAX + 1];
	int end;            /* </name> */
	struct buf href;    /* <a href> */
	struct buf alt;     /* <img alt> */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == ':';
}

/* Reads one attribute at s[i]; keeps href and alt.  Returns the index
 * after it. */
static size_t tag_attr(const char *s, size_t n, size_t i, struct tag *t)
{
	size_t a = i, an, v, vn;
	char q;

	while (i < n && !is_space(s[i]) && s[i] != '=' && s[i] != '>' &&
	       s[i] != '/')
		i++;
	an = i - a;
	while (i < n && is_space(s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return i > a ? i : i + 1;
	for (i++; i < n && is_space(s[i]); i++)
		;
	q = (i < n && (s[i] == '"' || s[i] == '\'')) ? s[i++] : 0;
	v = i;
	while (i < n && (q ? s[i] != q : !is_space(s[i]) && s[i] != '>'))
		i++;
	vn = i - v < ATTR_MAX ? i - v : ATTR_MAX;
	if (q && i < n)
		i++;
	if (an == 4 && !ascii_ncasecmp(s + a, "href", 4) && !t->href.len)
		decode_entities(s + v, vn, &t->href);
	else if (an == 3 && !ascii_ncasecmp(s + a, "alt", 3) && !t->alt.len)
		decode_entities(s + v, vn, &t->alt);
	return i;
}

/* Parses the tag starting at s[i] == '<'.  Returns the index after it, or
 * i when this '<' starts no tag (and is text). */
static size_t tag_parse(const char *s, size_t n, size_t i, struct tag *t)
{
	size_t k = 0, j = i + 1;

	t->end = j < n && s[j] == '/';
	j += (size_t)t->end;
	if (j >= n || !((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
		return i;
	for (; j < n && name_char(s[j]); j++)
		if (k < TAG_NAME_MAX)
			t->name[k++] = (char)((s[j] >= 'A' && s[j] <= 'Z') ? s[j] + 32 : s[j]);
	t->name[k] = '\0';
	while (j < n && s[j] != '>') {
		if (is_space(s[j]) || s[j] == '/')
			j++;
		else
			j = tag_attr(s, n, j, t);
	}
	return j < n ? j + 1 : n;
}

/* Skips what is not shown at s[i] == '<': comments, doctype, processing
 * instructions.  Returns the index after it, or i when it is none.  An
 * unclosed comment hides the rest, as it does in a browser. */
static size_t skip_markup(const char *s, size_t n, size_t i)
{
	const char *e;
	size_t j;

	if (n - i >= 4 && !memcmp(s + i, "<!--", 4)) {
		for (j = i + 4; j + 3 <= n; j++)
			if (!memcmp(s + j, "-->", 3))
				return j + 3;
		return n;
	}
	if (n - i >= 2 && (s[i + 1] == '!' || s[i + 1] == '?')) {
		e = memchr(s + i, '>', n - i);
		return e ? (size_t)(e - s) + 1 : n;
	}
	return i;
}

/* Elements whose content is raw text never shown: skip to their end tag. */
static size_t skip_raw(const char *s, size_t n, size_t i, const char *name)
{
	size_t nl = strlen(name);

	for (; i + 2 + nl <= n; i++) {
		if (s[i] != '<' || s[i + 1] != '/' ||
		    ascii_ncasecmp(s + i + 2, name, nl))
			continue;
		if (i + 2 + nl == n || !name_char(s[i + 2 + nl])) {
			const char *e = memchr(s + i, '>', n - i);

			return e ? (size_t)(e - s) + 1 : n;
		}
	}
	return n;
}

static int tag_is(const struct tag *t, const char *const *names, size_t nn)
{
	size_t i;

	for (i = 0; i < nn; i++)
		if (!strcmp(t->name, names[i]))
			return 1;
	return 0;
}

static const char *const raw_tags[] = { "script", "style", "title",
					 "template", "xml" };
static const char *const para_tags[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre", "blockquote",
	"hr", "form",
};
static const char *const line_tags[] = {
	"div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "section", "article", "header",
	"footer", "nav", "aside", "address", "figure", "figcaption",
	"caption", "center", "main", "fieldset", "legend", "summary",
	"details", "tbody", "thead", "tfoot",
};
/* What may stand in <head>; anything else ends it, as in HTML5 parsing. */
static const char *const head_tags[] = { "head", "meta", "link", "base",
					  "title", "style", "script",
					  "noscript", "template", "html" };

/* Only links a reader can follow safely are written out. */
static int href_shown(const struct buf *href)
{
	static const char *const schemes[] = { "http://", "https://",
					       "mailto:", "ftp://" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (starts_with_ci(href->data, schemes[i]))
			return 1;
	return 0;
}

static void link_open(struct h2t *h, const struct tag *t)
{
	size_t i;

	buf_reset(&h->href);
	/* Blanks and controls are no part of a URL (browsers drop them). */
	for (i = 0; i < t->href.len; i++)
		if ((unsigned char)t->href.data[i] > ' ')
			buf_addc(&h->href, t->href.data[i]);
	h->in_link = 1;
	h->link_start = h->out->len;
}

/* Is the link's text just its target (so writing both would repeat)? */
static int link_text_is_url(const char *text, size_t n, const char *url)
{
	while (n && is_space(*text)) {
		text++;
		n--;
	}
	while (n && is_space(text[n - 1]))
		n--;
	if (starts_with_ci(url, "mailto:") && strlen(url + 7) == n &&
	    !ascii_ncasecmp(url + 7, text, n))
		return 1;
	return strlen(url) == n && !ascii_ncasecmp(url, text, n);
}

/* Writes " <url>" after the link text; characters that would end the
 * brackets early are percent-encoded. */
static void link_close(struct h2t *h)
{
	size_t i;

	if (!h->in_link)
		return;
	h->in_link = 0;
	if (!href_shown(&h->href) ||
	    link_text_is_url(h->out->data + h->link_start,
			     h->out->len - h->link_start, h->href.data))
		return;
	if (h->out->len > h->link_start)
		h->pending_sp = 1;
	h2t_settle(h);
	buf_addc(h->out, '<');
	for (i = 0; i < h->href.len; i++) {
		char c = h->href.data[i];

		if (c == '<' || c == '>' || c == '"')
			buf_printf(h->out, "%%%02X", (unsigned)(unsigned char)c);
		else
			buf_addc(h->out, c);
	}
	buf_addc(h->out, '>');
	h->pending_sp = 1;
}

static void list_item(struct h2t *h)
{
	int i;

	h2t_block(h, 1);
	h2t_settle(h);
	for (i = 1; i < h->lists; i++)
		buf_adds(h->out, "  ");
	buf_adds(h->out, "- ");
}

/* Line structure for block elements, opening or closing. */
static void tag_block(struct h2t *h, const struct tag *t)
{
	if (tag_is(t, para_tags, ARRAY_SIZE(para_tags)))
		h2t_block(h, 2);
	else if (tag_is(t, line_tags, ARRAY_SIZE(line_tags)))
		h2t_block(h, 1);
	else if (!strcmp(t->name, "td") || !strcmp(t->name, "th"))
		h2t_space(h);
}

static void tag_nesting(struct h2t *h, const struct tag *t)
{
	int d = t->end ? -1 : 1;

	if (!strcmp(t->name, "pre"))
		h->pre = h->pre + d < 0 ? 0 : h->pre + d;
	else if (!strcmp(t->name, "blockquote") &&
		 (t->end ? h->quote > 0 : h->quote < QUOTE_MAX))
		h->quote += d;
	else if ((!strcmp(t->name, "ul") || !strcmp(t->name, "ol")) &&
		 (t->end ? h->lists > 0 : h->lists < LIST_MAX))
		h->lists += d;
}

static void tag_apply(struct h2t *h, const struct tag *t)
{
	if (h->in_head && (!strcmp(t->name, "body") ||
			   !tag_is(t, head_tags, ARRAY_SIZE(head_tags))))
		h->in_head = 0;
	if (!strcmp(t->name, "head")) {
		h->in_head = !t->end;
		return;
	}
	if (h->in_head)
		return;
	if (!strcmp(t->name, "a")) {
		link_close(h); /* links do not nest */
		if (!t->end)
			link_open(h, t);
		return;
	}
	if (!strcmp(t->name, "br") && !t->end) {
		h2t_br(h);
		return;
	}
	if (!strcmp(t->name, "img") && t->alt.len) {
		h2t_space(h);
		h2t_text(h, t->alt.data, t->alt.len);
		h2t_space(h);
		return;
	}
	tag_block(h, t);
	tag_nesting(h, t);
	if (!strcmp(t->name, "hr") && !t->end) {
		h2t_text(h, "----", 4);
		h2t_block(h, 2);
	} else if (!strcmp(t->name, "li") && !t->end) {
		list_item(h);
	}
}

/* Handles the '<' at s[i]; returns the index after what it started. */
static size_t at_markup(struct h2t *h, const char *s, size_t n, size_t i)
{
	struct tag t;
	size_t j = skip_markup(s, n, i);

	if (j != i)
		return j;
	memset(t.name, 0, sizeof(t.name));
	buf_init(&t.href);
	buf_init(&t.alt);
	j = tag_parse(s, n, i, &t);
	if (j == i) {
		h2t_text(h, "<", 1);
		j = i + 1;
	} else if (!t.end && tag_is(&t, raw_tags, ARRAY_SIZE(raw_tags))) {
		j = skip_raw(s, n, j, t.name);
	} else {
		tag_apply(h, &t);
	}
	buf_release(&t.href);
	buf_release(&t.alt);
	return j;
}

/* ---- text ---- */

/* Writes the character a reference stands for.  A no-break space is
 * kept (it often indents); invisible format characters go; other
 * controls read as white space. */
static void h2t_entity(struct h2t *h, long cp)
{
	struct buf tmp = BUF_INIT;

	if (cp == 0xAD || cp == 0x200E || cp == 0x200F)
		return;
	if (cp == 0xA0)
		cp = ' ';
	if (cp < 0x20) {
		h2t_space(h);
		return;
	}
	utf8_put(&tmp, (unsigned long)cp);
	h2t_text(h, tmp.data, tmp.len);
	buf_release(&tmp);
}

static int visible(char c)
{
	return !is_space(c) && (unsigned char)c >= 0x20 && c != 0x7F;
}

/* White space collapses, except inside <pre>. */
static void at_space(struct h2t *h, char c)
{
	if (!h->pre)
		h2t_space(h);
	else if (c == '\n')
		h2t_br(h);
	else if (c != '\r') /* in CRLF, the LF makes the break */
		h2t_text(h, " ", 1);
}

/* Handles text at s[i] up to the next '<'; returns where it stopped. */
static size_t at_text(struct h2t *h, const char *s, size_t n, size_t i)
{
	size_t used, j;
	long cp;

	while (i < n && s[i] != '<') {
		/* Text ends <head> as it does in HTML5 parsing: a missing
		 * </head> must not hide the message. */
		if (h->in_head && !is_space(s[i]))
			h->in_head = 0;
		if (is_space(s[i]))
			at_space(h, s[i]);
		else if (s[i] == '&' && (used = entity_at(s + i, n - i, &cp)) > 0) {
			h2t_entity(h, cp);
			i += used;
			continue;
		} else if (visible(s[i])) {
			/* A run of visible text; s[i] may be an '&' that is
			 * no reference. */
			for (j = i + 1; j < n && s[j] != '<' && s[j] != '&' &&
			     visible(s[j]); j++)
				;
			h2t_text(h, s + i, j - i);
			i = j;
			continue;
		}
		i++; /* stray control characters are dropped */
	}
	return i;
}

void html_to_text(const char *html, size_t len, struct buf *out)
{
	struct h2t h;
	struct buf clean = BUF_INIT;
	size_t i = 0;

	memset(&h, 0, sizeof(h));
	h.out = out;
	h.start = out->len;
	h.bol = 1;
	buf_init(&h.href);
	/* Whatever the caller passes, the text we write is UTF-8. */
	utf8_sanitize(html, len, &clean);
	while (i < clean.len) {
		if (clean.data[i] == '<')
			i = at_markup(&h, clean.data, clean.len, i);
		else
			i = at_text(&h, clean.data, clean.len, i);
	}
	link_close(&h);
	for (i = out->len; i > h.start && is_space(out->data[i - 1]); i--)
		;
	buf_setlen(out, i);
	if (out->len > h.start)
		buf_addc(out, '\n');
	buf_release(&h.href);
	buf_release(&clean);
}
