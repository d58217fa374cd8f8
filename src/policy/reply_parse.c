/* reply_parse.c: finding the moderator's own first line in a reply.
 *
 * A line is skipped when it is quoted ('>'), blank, or part of an
 * attribution ("On DATE, NAME wrote:", possibly wrapped over three lines).
 * Reading stops at the first separator: a signature ("-- "), a "Sent
 * from my ..." line, an "-----Original Message-----" style rule, a line
 * of underscores, or a header block that starts a quoted message
 * ("From: ..." followed by "Sent:/Date:/To:/Subject:" in any of the usual
 * languages).  The first other line is the moderator's. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "mail/content.h"
#include "policy/reply_parse.h"

#define REASON_MAX 500
#define ATTRIBUTION_LINES 3

/* One line of the text, without its line end and surrounding blanks. */
struct line {
	const char *p;
	size_t n;
};

/* Splits text into at most max lines; returns how many. */
static size_t split_lines(const char *text, struct line *lines, size_t max)
{
	size_t k = 0;

	while (*text && k < max) {
		size_t n = strcspn(text, "\n");
		const char *p = text;
		size_t m = n;

		/* blanks, and the UTF-8 no-break space HTML leaves behind */
		for (;;) {
			if (m && (*p == ' ' || *p == '\t' || *p == '\r')) {
				p++, m--;
			} else if (m >= 2 && (unsigned char)p[0] == 0xc2 &&
				   (unsigned char)p[1] == 0xa0) {
				p += 2, m -= 2;
			} else {
				break;
			}
		}
		for (;;) {
			if (m && (p[m - 1] == ' ' || p[m - 1] == '\t' ||
				  p[m - 1] == '\r'))
				m--;
			else if (m >= 2 && (unsigned char)p[m - 2] == 0xc2 &&
				 (unsigned char)p[m - 1] == 0xa0)
				m -= 2;
			else
				break;
		}
		lines[k].p = p;
		lines[k++].n = m;
		text += n + (text[n] == '\n');
	}
	return k;
}

static int line_ends_ci(const struct line *l, const char *suffix)
{
	size_t s = strlen(suffix);

	return l->n >= s && !ascii_ncasecmp(l->p + l->n - s, suffix, s);
}

/* Does the line hold word (bytes, ASCII case-insensitive)? */
static int line_has(const struct line *l, const char *word)
{
	size_t w = strlen(word), i;

	for (i = 0; i + w <= l->n; i++)
		if (!ascii_ncasecmp(l->p + i, word, w))
			return 1;
	return 0;
}

/* The endings of attribution lines in the languages moderators use. */
static int attribution_end(const struct line *l)
{
	static const char *const ends[] = {
		"wrote:", "writes:", "a \xc3\xa9" "crit :", "a \xc3\xa9" "crit:",
		"schrieb:", "schrieb ", "escribi\xc3\xb3:", "ha scritto:",
		"schreef:", "skrev:", "escreveu:", "napisa\xc5\x82:",
		"napisa\xc5\x82(a):", "kirjoitti:", "yazd\xc4\xb1:",
		"\xe5\x86\x99\xe9\x81\x93\xef\xbc\x9a", /* 写道： */
		"\xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb:",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ends); i++)
		if (line_ends_ci(l, ends[i]))
			return 1;
	/* "Am 3. Juni 2024 schrieb X <x@y>:" ends in ">:" after "schrieb" */
	return l->n > 2 && l->p[l->n - 1] == ':' &&
	       line_has(l, " schrieb ");
}

/* Is the next non-blank line from i quoted? */
static int quote_follows(const struct line *lines, size_t n, size_t i)
{
	while (i < n && lines[i].n == 0)
		i++;
	return i < n && lines[i].p[0] == '>';
}

/* How many lines from i form an attribution (0 when none).  A wrapped
 * attribution never spans a blank line. */
static size_t attribution_len(const struct line *lines, size_t n, size_t i)
{
	size_t k;

	for (k = 0; k < ATTRIBUTION_LINES && i + k < n; k++) {
		const struct line *l = &lines[i + k];
		if (l->n == 0)
			return 0;
		if (attribution_end(l))
			return k + 1;
		/* any language: "...:" right before the quoted text */
		if (l->p[l->n - 1] == ':' && quote_follows(lines, n, i + k + 1))
			return k + 1;
	}
	return 0;
}

/* "Name:" or "Name :" (French) at the start of a line, from a set. */
static int field_line(const struct line *l, const char *const *names,
		      size_t nnames)
{
	size_t i;

	for (i = 0; i < nnames; i++) {
		size_t s = strlen(names[i]), j;
		if (l->n <= s || ascii_ncasecmp(l->p, names[i], s))
			continue;
		j = s;
		while (j < l->n && l->p[j] == ' ')
			j++;
		if (j < l->n && l->p[j] == ':')
			return 1;
	}
	return 0;
}

static const char *const from_names[] = {
	"From", "De", "Von", "Da", "Fr\xc3\xa5n", "Fra", "Van", "Od",
	"L\xc3\xa4hett\xc3\xa4j\xc3\xa4", "Remitente", "Kimden", "\xd0\x9e\xd1\x82",
};
static const char *const next_names[] = {
	"Sent", "Date", "To", "Subject", "Cc", "Envoy\xc3\xa9", "\xc3\x80",
	"Objet", "Gesendet", "An", "Betreff", "Datum", "Enviado", "Para",
	"Asunto", "Fecha", "Inviato", "Oggetto", "Data", "A", "Skickat",
	"Till", "\xc3\x84mne", "Sendt", "Til", "Emne", "Verzonden", "Aan",
	"Onderwerp", "Wys\xc5\x82" "ano", "Temat", "Do",
};

/* A quoted message's header block: a From line followed closely by
 * another header line. */
static int header_block(const struct line *lines, size_t n, size_t i)
{
	size_t k;

	if (!field_line(&lines[i], from_names, ARRAY_SIZE(from_names)))
		return 0;
	for (k = 1; k <= 3 && i + k < n; k++)
		if (field_line(&lines[i + k], next_names, ARRAY_SIZE(next_names)))
			return 1;
	return 0;
}

/* "-----Original Message-----", "-------- Message d'origine --------",
 * a line of underscores (Outlook's rule), a signature, "Sent from my". */
static int separator(const struct line *l)
{
	size_t i, under = 0;

	if ((l->n == 2 && !memcmp(l->p, "--", 2)) ||
	    (l->n >= 3 && l->p[0] == '-' && l->p[1] == '-' &&
	     l->p[2] == '-' && l->p[l->n - 1] == '-'))
		return 1;
	for (i = 0; i < l->n; i++)
		under += l->p[i] == '_';
	if (under >= 10 && under == l->n)
		return 1;
	return starts_with_ci(l->p, "Sent from my ") ||
	       starts_with_ci(l->p, "Envoy\xc3\xa9 de mon ") ||
	       starts_with_ci(l->p, "Von meinem ");
}

/* Index of the moderator's first own line, or n when there is none. */
static size_t own_line(const struct line *lines, size_t n)
{
	size_t i = 0, a;

	while (i < n) {
		const struct line *l = &lines[i];
		if (l->n == 0 || l->p[0] == '>' || l->p[0] == '|') {
			i++;
			continue;
		}
		if ((a = attribution_len(lines, n, i)) > 0) {
			i += a;
			continue;
		}
		if (separator(l) || header_block(lines, n, i))
			return n;
		return i;
	}
	return n;
}

#define MAX_LINES 2000

static size_t first_own(const char *text, struct line *lines, size_t *n)
{
	*n = split_lines(text, lines, MAX_LINES);
	return own_line(lines, *n);
}

void modreply_first_line(const char *text, struct buf *out)
{
	struct line *lines = xcalloc(MAX_LINES, sizeof(*lines));
	size_t n, i = first_own(text, lines, &n);

	if (i < n)
		buf_add(out, lines[i].p, lines[i].n);
	free(lines);
}

/* The command word: letters only, so "Reject:" and "discard." count.
 * "rejected" and "discarded" count too: a moderator writing "Rejected,
 * off topic" must not publish the post by accident. */
static enum mod_command word_command(const struct line *l, size_t *end)
{
	size_t w = 0;

	while (w < l->n && ((l->p[w] | 0x20) >= 'a' && (l->p[w] | 0x20) <= 'z'))
		w++;
	*end = w;
	if ((w == 6 || (w == 8 && (l->p[6] | 0x20) == 'e' &&
			(l->p[7] | 0x20) == 'd')) &&
	    !ascii_ncasecmp(l->p, "reject", 6))
		return MOD_REJECT;
	if ((w == 7 || (w == 9 && (l->p[7] | 0x20) == 'e' &&
			(l->p[8] | 0x20) == 'd')) &&
	    !ascii_ncasecmp(l->p, "discard", 7))
		return MOD_DISCARD;
	return MOD_APPROVE;
}

static void take_reason(const struct line *l, size_t from, struct buf *out)
{
	size_t i = from;

	/* "reject: too long", "reject - too long" */
	while (i < l->n && strchr(" \t:,.-", l->p[i]))
		i++;
	if (l->n - i > REASON_MAX)
		buf_add(out, l->p + i, REASON_MAX);
	else
		buf_add(out, l->p + i, l->n - i);
}

enum mod_command modreply_parse_text(const char *text, struct buf *reason)
{
	struct line *lines = xcalloc(MAX_LINES, sizeof(*lines));
	enum mod_command c = MOD_APPROVE;
	size_t n, end, i = first_own(text, lines, &n);

	if (i < n) {
		c = word_command(&lines[i], &end);
		if (c == MOD_REJECT)
			take_reason(&lines[i], end, reason);
	}
	free(lines);
	return c;
}

/* The first text part outside attached messages: plain text if there is
 * one, else HTML converted to text. */
static const char *reply_text(const struct content *c)
{
	const char *html = NULL;
	size_t i;
	int depth = 0;

	for (i = 0; i < c->nparts; i++) {
		const struct content_part *p = &c->parts[i];
		if (p->kind == PART_MESSAGE)
			depth++;
		else if (p->kind == PART_MESSAGE_END)
			depth--;
		else if (p->kind == PART_TEXT && depth == 0) {
			if (!p->from_html)
				return p->text;
			if (!html)
				html = p->text;
		}
	}
	return html ? html : "";
}

enum mod_command modreply_parse(const char *msg, size_t len,
				struct buf *reason)
{
	struct content c;
	enum mod_command cmd;

	content_parse(msg, len, &c);
	cmd = modreply_parse_text(reply_text(&c), reason);
	content_release(&c);
	return cmd;
}

const char *mod_command_name(enum mod_command c)
{
	return c == MOD_REJECT ? "reject" : c == MOD_DISCARD ? "discard" :
	       "approve";
}
