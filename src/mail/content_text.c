/* content_text.c: small text transforms for message content:
 * format=flowed (RFC 3676) unwrapping and safe attachment names. */
#include <string.h>

#include "core/buf.h"
#include "mail/content.h"
#include "mail/decode.h"
#include "core/util.h"

#define FILENAME_MAX_BYTES 200
#define EXTENSION_MAX 16 /* an extension kept when a long name is cut */

/* ---- format=flowed ---- */

/* One line of flowed text, taken apart (RFC 3676 section 4). */
struct fline {
	int depth;          /* quote depth: leading '>' count */
	const char *text;   /* after quotes and space-stuffing */
	size_t len;
	int flowed;         /* ends in a soft break */
};

static void fline_read(const char *s, size_t n, int delsp, struct fline *l)
{
	size_t i = 0;

	while (i < n && s[i] == '>')
		i++;
	l->depth = (int)i;
	if (i < n && s[i] == ' ') /* space-stuffing (section 4.4) */
		i++;
	l->text = s + i;
	l->len = n - i;
	/* The signature separator "-- " is never flowed (section 4.3). */
	l->flowed = l->len > 0 && l->text[l->len - 1] == ' ' &&
		    !(l->len == 3 && !memcmp(l->text, "-- ", 3));
	if (l->flowed && delsp)
		l->len--; /* the space was added by the sender (section 4.2) */
}

static void quote_prefix(int depth, struct buf *out)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_addc(out, '>');
	if (depth)
		buf_addc(out, ' ');
}

void flowed_unwrap(const char *text, size_t len, int delsp, struct buf *out)
{
	struct fline l;
	size_t i = 0, end, n;
	int in_para = 0, para_depth = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);

		end = nl ? (size_t)(nl - text) : len;
		n = end - i;
		if (n && text[i + n - 1] == '\r')
			n--;
		fline_read(text + i, n, delsp, &l);
		/* A change of quote depth ends a paragraph, even one that
		 * claimed to flow on (section 4.5). */
		if (in_para && l.depth != para_depth) {
			buf_addc(out, '\n');
			in_para = 0;
		}
		if (!in_para)
			quote_prefix(l.depth, out);
		buf_add(out, l.text, l.len);
		in_para = l.flowed;
		para_depth = l.depth;
		if (!in_para)
			buf_addc(out, '\n');
		i = end + 1;
	}
	if (in_para)
		buf_addc(out, '\n');
}

/* ---- attachment names ---- */

/* Characters never kept in a name: controls (C0, DEL, C1), and the
 * invisible direction marks that make "evil\u202Etxt.exe" read as a
 * text file. */
static int name_char_dropped(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xAD ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || cp == 0xFFFD;
}

static unsigned long utf8_cp(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n == 1)
		return u[0];
	if (n == 2)
		return ((unsigned long)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
	if (n == 3)
		return ((unsigned long)(u[0] & 0x0F) << 12) |
		       ((unsigned long)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
	return ((unsigned long)(u[0] & 0x07) << 18) |
	       ((unsigned long)(u[1] & 0x3F) << 12) |
	       ((unsigned long)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
}

/* The last path component: senders sometimes give a whole Windows or
 * Unix path, and "../x" must not name a place. */
static const char *last_component(const char *s)
{
	const char *p, *last = s;

	for (p = s; *p; p++)
		if ((*p == '/' || *p == '\\') && p[1])
			last = p + 1;
	return last;
}

static void name_filter(const char *s, struct buf *out)
{
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		k = utf8_seqlen(s + i, n - i);
		if (k == 0) {
			i++;
			continue;
		}
		if (!name_char_dropped(utf8_cp(s + i, k)) && s[i] != '/' &&
		    s[i] != '\\')
			buf_add(out, s + i, k);
		i += k;
	}
}

/* Cuts a name to `max` bytes at a character boundary, keeping a short
 * extension so the file still opens with the right program. */
static void name_cut(struct buf *b, size_t max)
{
	const char *dot;
	size_t ext = 0, keep;
	char tail[EXTENSION_MAX + 1];

	if (b->len <= max)
		return;
	dot = strrchr(b->data, '.');
	if (dot && b->data + b->len - dot <= EXTENSION_MAX)
		ext = (size_t)(b->data + b->len - dot);
	memcpy(tail, b->data + b->len - ext, ext);
	keep = max - ext;
	while (keep > 0 && ((unsigned char)b->data[keep] & 0xC0) == 0x80)
		keep--; /* back to the start of a character */
	buf_setlen(b, keep);
	buf_add(b, tail, ext);
}

char *filename_sanitize(const char *name)
{
	struct buf clean = BUF_INIT, kept = BUF_INIT;
	size_t start = 0, end;

	if (name) {
		utf8_sanitize(name, strlen(name), &clean);
		name_filter(last_component(clean.data), &kept);
	}
	/* No leading dots (hidden files, "..") or blanks; no trailing
	 * blanks or dots, which some systems drop silently. */
	while (start < kept.len && (kept.data[start] == '.' ||
				    kept.data[start] == ' '))
		start++;
	end = kept.len;
	while (end > start && (kept.data[end - 1] == ' ' ||
			       kept.data[end - 1] == '.'))
		end--;
	buf_reset(&clean);
	buf_add(&clean, kept.data + start, end - start);
	name_cut(&clean, FILENAME_MAX_BYTES);
	buf_release(&kept);
	if (!clean.len)
		buf_adds(&clean, "attachment");
	return buf_detach(&clean, NULL);
}
