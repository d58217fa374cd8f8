/* text_html.c: escaping mail text into HTML with links and folded quotes. */
#include <string.h>

#include "archive/template.h"
#include "archive/text_html.h"
#include "core/util.h"

/* Quoted runs at least this long are folded. */
#define FOLD_QUOTE_LINES 4

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
	/* trailing punctuation belongs to the sentence, not the URL */
	while (n > sl && strchr(".,;:!?)]}", s[n - 1]))
		n--;
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

/* Emits a run of quoted lines, folded when it is long. */
static void quote_run(const char *s, size_t from, size_t to, int lines,
		      struct buf *out)
{
	if (lines >= FOLD_QUOTE_LINES)
		buf_printf(out, "<details class=\"quote\"><summary>quoted text "
			   "(%d lines)</summary>", lines);
	buf_adds(out, "<span class=\"q\">");
	linkify(s + from, to - from, out);
	buf_adds(out, "</span>");
	if (lines >= FOLD_QUOTE_LINES)
		buf_adds(out, "</details>");
}

void text_to_html(const char *text, struct buf *out)
{
	size_t pos = 0, len = strlen(text);

	while (pos < len) {
		size_t end = line_end(text, pos), qend = pos;
		int lines = 0;

		while (qend < len && is_quote(text + qend, line_end(text, qend) -
					      qend)) {
			qend = line_end(text, qend);
			lines++;
		}
		if (lines) {
			quote_run(text, pos, qend, lines, out);
			pos = qend;
			continue;
		}
		linkify(text + pos, end - pos, out);
		pos = end;
	}
}
