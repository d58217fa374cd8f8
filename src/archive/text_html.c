/* text_html.c: escaping mail text into HTML with links and folded quotes. */
#include <string.h>

#include "archive/template.h"
#include "archive/text_html.h"
#include "core/util.h"

/* Quoted runs at least this long are folded. */
#define FOLD_QUOTE_LINES 4

/* Openings minus closings of a bracket pair in s. */
static long balance(const char *s, size_t len, char open, char close)
{
	long d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d += s[i] == open ? 1 : s[i] == close ? -1 : 0;
	return d;
}

static size_t url_len(const char *s, size_t len)
{
	static const char *schemes[] = { "https://", "http://", "mailto:" };
	size_t i, n = 0, sl = 0;

	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (len > strlen(schemes[i]) &&
		    !ascii_ncasecmp(s, schemes[i], strlen(schemes[i]))) {
			sl = strlen(schemes[i]);
			break;
		}
	if (!sl)
		return 0;
	n = sl;
	while (n < len && (unsigned char)s[n] > 32 && !strchr("<>\"'`", s[n]))
		n++;
	/* trailing punctuation belongs to the sentence, not the URL; a
	 * closing bracket does only when the URL did not open it, as in
	 * "(see https://x.org/a)" against "https://x.org/Foo_(bar)" */
	while (n > sl && strchr(".,;:!?)]}", s[n - 1])) {
		const char *open = s[n - 1] == ')' ? "(" :
				   s[n - 1] == ']' ? "[" :
				   s[n - 1] == '}' ? "{" : NULL;
		if (open && balance(s + sl, n - sl, *open, s[n - 1]) == 0)
			break;
		n--;
	}
	return n > sl ? n : 0;
}

void linkify(const char *s, size_t len, struct buf *out)
{
	size_t i = 0, start = 0, n;

	while (i < len) {
		int boundary = i == 0 || !((s[i - 1] >= 'a' && s[i - 1] <= 'z') ||
					   (s[i - 1] >= 'A' && s[i - 1] <= 'Z'));
		if (boundary && (s[i] == 'h' || s[i] == 'H' || s[i] == 'm' ||
				 s[i] == 'M') && (n = url_len(s + i, len - i))) {
			html_escape(s + start, i - start, out);
			buf_adds(out, "<a href=\"");
			html_escape(s + i, n, out);
			buf_adds(out, "\" rel=\"nofollow noopener\">");
			html_escape(s + i, n, out);
			buf_adds(out, "</a>");
			i += n;
			start = i;
			continue;
		}
		i++;
	}
	html_escape(s + start, len - start, out);
}

static int is_quote(const char *line, size_t len)
{
	return len > 0 && line[0] == '>';
}

static size_t line_end(const char *s, size_t pos)
{
	const char *nl = strchr(s + pos, '\n');

	return nl ? (size_t)(nl - s) + 1 : strlen(s);
}

int is_attribution(const char *line, size_t len)
{
	static const char *ends[] = { "wrote:", "writes:", "a écrit :",
				      "a écrit:", "escribió:", "schrieb:" };
	size_t i, n;

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\r' ||
		       line[len - 1] == '\n' || line[len - 1] == '\t'))
		len--;
	if (len > 400 || is_quote(line, len))
		return 0;
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		n = strlen(ends[i]);
		if (len >= n && !ascii_ncasecmp(line + len - n, ends[i], n))
			return 1;
	}
	return 0;
}

/* Emits a run of quoted lines, folded when it is long or follows an
 * attribution (then the attribution is the summary). */
static void quote_run(const char *s, size_t from, size_t to, int lines,
		      const char *attr, size_t alen,
		      const struct text_labels *lb, struct buf *out)
{
	int fold = attr || lines >= FOLD_QUOTE_LINES;

	if (fold) {
		buf_adds(out, "<details class=\"quote\"><summary>");
		if (attr)
			linkify(attr, alen, out);
		else
			buf_printf(out, "%s (%d %s)", lb->quoted, lines,
				   lb->lines);
		buf_adds(out, "</summary>");
	}
	buf_adds(out, "<span class=\"q\">");
	linkify(s + from, to - from, out);
	buf_adds(out, "</span>");
	if (fold)
		buf_adds(out, "</details>");
}

/* End of the quote run starting at pos (pos itself when none), counting
 * its lines; a blank line between an attribution and its quote is
 * allowed by the caller. */
static size_t quote_end(const char *text, size_t pos, size_t len, int *lines)
{
	size_t q = pos;

	*lines = 0;
	while (q < len && is_quote(text + q, line_end(text, q) - q)) {
		q = line_end(text, q);
		(*lines)++;
	}
	return q;
}

void text_to_html(const char *text, const struct text_labels *labels,
		  struct buf *out)
{
	static const struct text_labels en = { "quoted text", "lines" };
	const struct text_labels *lb = labels ? labels : &en;
	size_t pos = 0, len = strlen(text);

	while (pos < len) {
		size_t end = line_end(text, pos), qstart = end, qend;
		int lines;

		qend = quote_end(text, pos, len, &lines);
		if (lines) {
			quote_run(text, pos, qend, lines, NULL, 0, lb, out);
			pos = qend;
			continue;
		}
		if (is_attribution(text + pos, end - pos)) {
			/* one blank line may separate it from the quote */
			if (qstart < len && (text[qstart] == '\n' ||
			    (text[qstart] == '\r' && text[qstart + 1] == '\n')))
				qstart = line_end(text, qstart);
			qend = quote_end(text, qstart, len, &lines);
			if (lines) {
				size_t alen = end - pos;
				while (alen && (text[pos + alen - 1] == '\n' ||
						text[pos + alen - 1] == '\r'))
					alen--;
				quote_run(text, qstart, qend, lines, text + pos,
					  alen, lb, out);
				pos = qend;
				continue;
			}
		}
		linkify(text + pos, end - pos, out);
		pos = end;
	}
}
