/* footer.c: adding the list footer to a message by splicing raw bytes:
 * only the bytes the footer needs change, the rest stays as received.
 *
 * What the top-level Content-Type decides:
 *   text/plain (or none), not an attachment: the footer is appended to the
 *     body in the part's charset when it can be written in it, else the
 *     text is converted to UTF-8 and the charset parameter says so.  7bit,
 *     8bit and binary bodies get the bytes appended (7bit becomes 8bit
 *     when 8-bit bytes arrive); quoted-printable bodies get the footer
 *     appended in quoted-printable (the whole body is encoded again only
 *     when it is converted); base64 bodies are decoded, extended and
 *     encoded again.  The Content-Transfer-Encoding stays as it was.
 *   multipart/mixed: a new text/plain; charset=utf-8 part before the
 *     closing delimiter.
 *   multipart/signed, multipart/encrypted, application/(x-)pkcs7-mime,
 *     message/partial, message/external-body: unchanged.
 *   anything else (multipart/alternative, text/html, other types, text
 *     attachments): wrapped in a new multipart/mixed whose first part
 *     carries the original body with the original Content-* fields, and
 *     whose second part is the footer.
 * A structure that cannot be read with confidence (a Content-Type that is
 * not type/subtype, a multipart without boundary, opening or closing
 * delimiter, an unknown transfer encoding on text) is left unchanged:
 * adding a footer must never make a message harder to read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delivery/listcopy.h"
#include "mail/decode.h"
#include "core/util.h"

enum cte { CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP, CTE_BASE64, CTE_OTHER };

/* What footer_add needs to know about the top-level entity. */
struct entity {
	const char *msg;
	size_t len, fields_end, body;
	int has_ct, ct_ok, has_cte, has_mime_version, attachment;
	struct rawhdr_field ct, cte;
	char type[64];      /* "type/subtype" lowercased, "text/plain" when
			       there is no Content-Type */
	enum cte cte_kind;
	struct buf charset; /* as given, "" when absent */
	struct buf boundary;
};

/* One parameter of a Content-Type value, as offsets into the message. */
struct param {
	size_t seg; /* the ';' before it */
	size_t name, name_end, val, val_end;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does needle occur in hay?  (memmem is a GNU extension.) */
static int contains(const char *hay, size_t hlen, const char *needle,
		    size_t nlen)
{
	const char *p = hay, *end = hay + hlen;

	while ((size_t)(end - p) >= nlen) {
		p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
		if (!p)
			return 0;
		if (!memcmp(p, needle, nlen))
			return 1;
		p++;
	}
	return 0;
}

/* Trims white space (folding included) off both ends of [*a, *b). */
static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && is_ws(s[*a]))
		(*a)++;
	while (*b > *a && is_ws(s[*b - 1]))
		(*b)--;
}

/* End of the ';'-separated segment starting at i: quoted strings (with
 * backslash escapes) may contain ';', as in Python's parser. */
static size_t segment_end(const char *s, size_t i, size_t end)
{
	int quoted = 0;

	for (; i < end; i++) {
		if (quoted && s[i] == '\\' && i + 1 < end)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == ';')
			return i;
	}
	return end;
}

/* Steps through the parameters after the type: fills p and returns 1, or
 * returns 0 at the end.  *pos starts at the first ';'. */
static int param_next(const char *s, size_t *pos, size_t end,
		      struct param *p)
{
	while (*pos < end) {
		size_t a = *pos + 1, b = segment_end(s, a, end);
		const char *eq = memchr(s + a, '=', b - a);

		p->seg = *pos;
		*pos = b;
		if (!eq)
			continue;
		p->name = a;
		p->name_end = (size_t)(eq - s);
		p->val = p->name_end + 1;
		p->val_end = b;
		trim(s, &p->name, &p->name_end);
		trim(s, &p->val, &p->val_end);
		return 1;
	}
	return 0;
}

/* Appends a parameter value unfolded, without its quotes and escapes. */
static void param_value(const char *s, const struct param *p,
			struct buf *out)
{
	size_t i = p->val, end = p->val_end;
	int quoted = end - i >= 2 && s[i] == '"' && s[end - 1] == '"';

	if (quoted) {
		i++;
		end--;
	}
	for (; i < end; i++) {
		if (quoted && s[i] == '\\' && i + 1 < end)
			i++;
		if (s[i] != '\r' && s[i] != '\n')
			buf_addc(out, s[i]);
	}
}

static int param_is(const char *s, const struct param *p, const char *name)
{
	return p->name_end - p->name == strlen(name) &&
	       ascii_ncasecmp(s + p->name, name, p->name_end - p->name) == 0;
}

/* "charset", or its RFC 2231 forms "charset*", "charset*0*"... */
static int param_is_charset(const char *s, const struct param *p)
{
	size_t n = p->name_end - p->name;

	return n >= 7 && ascii_ncasecmp(s + p->name, "charset", 7) == 0 &&
	       (n == 7 || s[p->name + 7] == '*');
}

static int is_token(const char *s, size_t a, size_t b)
{
	if (a == b)
		return 0;
	for (; a < b; a++)
		if ((unsigned char)s[a] <= 32 || (unsigned char)s[a] >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=", s[a]))
			return 0;
	return 1;
}

/* Reads type/subtype and the charset and boundary parameters. */
static void content_type_read(struct entity *e)
{
	const char *s = e->msg;
	size_t a = e->ct.value, end = e->ct.value_end;
	size_t b = segment_end(s, a, end), slash, pos = b;
	struct param p;
	char *value;

	trim(s, &a, &b);
	slash = a;
	while (slash < b && s[slash] != '/')
		slash++;
	e->ct_ok = slash < b && is_token(s, a, slash) &&
		   is_token(s, slash + 1, b) && b - a < sizeof(e->type);
	if (!e->ct_ok)
		return;
	memcpy(e->type, s + a, b - a);
	e->type[b - a] = '\0';
	ascii_lower(e->type);
	while (param_next(s, &pos, end, &p))
		if (param_is(s, &p, "boundary") && !e->boundary.len)
			param_value(s, &p, &e->boundary);
	/* Python's email package strips trailing blanks of a boundary too. */
	buf_rtrim(&e->boundary);
	/* The charset may come in RFC 2231 form (charset*=us-ascii''...). */
	value = xstrndup(s + e->ct.value, e->ct.value_end - e->ct.value);
	if (mime_param_get(value, "charset", &e->charset) < 0)
		buf_reset(&e->charset);
	free(value);
}

static enum cte cte_read(const char *s, const struct rawhdr_field *f)
{
	static const struct {
		const char *name;
		enum cte kind;
	} names[] = {
		{ "7bit", CTE_7BIT }, { "8bit", CTE_8BIT },
		{ "binary", CTE_BINARY }, { "quoted-printable", CTE_QP },
		{ "base64", CTE_BASE64 },
	};
	size_t a = f->value, b = f->value_end, i;

	trim(s, &a, &b);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (b - a == strlen(names[i].name) &&
		    ascii_ncasecmp(s + a, names[i].name, b - a) == 0)
			return names[i].kind;
	return CTE_OTHER;
}

static int is_attachment(const char *s, const struct rawhdr_field *f)
{
	size_t a = f->value, b = f->value_end;

	trim(s, &a, &b);
	return b - a >= 10 && ascii_ncasecmp(s + a, "attachment", 10) == 0 &&
	       (b - a == 10 || s[a + 10] == ';' || is_ws(s[a + 10]));
}

static int entity_read(const char *msg, size_t len, struct entity *e)
{
	struct rawhdr_field f;
	const char *why;

	memset(e, 0, sizeof(*e));
	buf_init(&e->charset);
	buf_init(&e->boundary);
	e->msg = msg;
	e->len = len;
	if (rawhdr_split(msg, len, &e->fields_end, &e->body, &why) < 0)
		return -1;
	e->has_ct = rawhdr_find(msg, e->fields_end, "Content-Type", &e->ct);
	e->has_cte = rawhdr_find(msg, e->fields_end,
				 "Content-Transfer-Encoding", &e->cte);
	e->has_mime_version = rawhdr_find(msg, e->fields_end, "MIME-Version",
					  &f);
	if (rawhdr_find(msg, e->fields_end, "Content-Disposition", &f))
		e->attachment = is_attachment(msg, &f);
	e->cte_kind = e->has_cte ? cte_read(msg, &e->cte) : CTE_7BIT;
	if (e->has_ct) {
		content_type_read(e);
	} else {
		e->ct_ok = 1;
		memcpy(e->type, "text/plain", sizeof("text/plain"));
	}
	return 0;
}

static void entity_release(struct entity *e)
{
	buf_release(&e->charset);
	buf_release(&e->boundary);
}

enum plan { PLAN_NONE, PLAN_TEXT, PLAN_MIXED, PLAN_WRAP };

static enum plan plan_for(const struct entity *e)
{
	static const char *const untouchable[] = {
		"multipart/signed", "multipart/encrypted",
		"application/pkcs7-mime", "application/x-pkcs7-mime",
		"message/partial", "message/external-body",
	};
	size_t i;

	if (!e->ct_ok)
		return PLAN_NONE;
	for (i = 0; i < ARRAY_SIZE(untouchable); i++)
		if (!strcmp(e->type, untouchable[i]))
			return PLAN_NONE;
	if (starts_with_ci(e->type, "multipart/")) {
		if (!e->boundary.len)
			return PLAN_NONE;
		return strcmp(e->type, "multipart/mixed") ? PLAN_WRAP
							   : PLAN_MIXED;
	}
	if (!strcmp(e->type, "text/plain") && !e->attachment)
		return e->cte_kind == CTE_OTHER ? PLAN_NONE : PLAN_TEXT;
	return PLAN_WRAP;
}

/* ---- text/plain: the footer joins the text ---- */

static int has_8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static int is_ascii_charset(const char *cs)
{
	return !*cs || !ascii_casecmp(cs, "us-ascii") ||
	       !ascii_casecmp(cs, "ascii") ||
	       !ascii_casecmp(cs, "ansi_x3.4-1968");
}

/* The footer in the part's charset, or -1 when it cannot be written so. */
static int footer_in_charset(const char *cs, const struct buf *text,
			     struct buf *out)
{
	if (is_ascii_charset(cs)) {
		if (has_8bit(text->data, text->len))
			return -1;
		buf_add(out, text->data, text->len);
		return 0;
	}
	return utf8_to_charset(cs, text->data, text->len, out);
}

/* The body text in UTF-8 (8-bit bytes labelled US-ASCII, or not
 * labelled, are read as UTF-8 where valid, else as windows-1252). */
static void text_to_utf8(const char *cs, const char *s, size_t len,
			 struct buf *out)
{
	charset_to_utf8(*cs ? cs : "us-ascii", s, len, out);
}

/* The footer with the given line ends. */
static void footer_lines(const char *footer, const char *nl, struct buf *out)
{
	struct buf crlf = BUF_INIT;

	rawhdr_add_crlf(footer, strlen(footer), &crlf);
	if (!strcmp(nl, "\r\n")) {
		buf_add(out, crlf.data, crlf.len);
	} else {
		for (size_t i = 0; i < crlf.len; i++)
			if (crlf.data[i] != '\r')
				buf_addc(out, crlf.data[i]);
	}
	buf_release(&crlf);
}

/* Ends text with a line end unless it is empty or has one. */
static void end_line(struct buf *text, const char *nl)
{
	if (text->len && text->data[text->len - 1] != '\n')
		buf_adds(text, nl);
}

/* What the text/plain case changes in the header block. */
struct hdr_edit {
	int utf8;    /* Content-Type charset=utf-8 */
	int to_8bit; /* Content-Transfer-Encoding 7bit -> 8bit */
};

/* The Content-Type field with charset=utf-8 in place of the first charset
 * parameter (the others, RFC 2231 forms included, dropped), or added. */
static void ct_write_utf8(const struct entity *e, struct buf *out)
{
	const char *s = e->msg;
	size_t pos = segment_end(s, e->ct.value, e->ct.value_end);
	size_t last = e->ct.start;
	struct param p;
	int done = 0;

	while (param_next(s, &pos, e->ct.value_end, &p)) {
		if (!param_is_charset(s, &p))
			continue;
		buf_add(out, s + last, (done ? p.seg : p.name) - last);
		if (!done)
			buf_adds(out, "charset=utf-8");
		done = 1;
		last = p.val_end;
	}
	if (!done) {
		last = e->ct.value_end;
		while (last > e->ct.value && is_ws(s[last - 1]))
			last--;
		buf_add(out, s + e->ct.start, last - e->ct.start);
		buf_adds(out, s[last - 1] == ';' ? " charset=utf-8"
						 : "; charset=utf-8");
	}
	rawhdr_copy_line(s, last, e->ct.end, out);
}

/* The header block with those changes (fields added when missing), every
 * other field as received, then the empty line. */
static void headers_edit(const struct entity *e, const struct hdr_edit *ed,
			 struct buf *out)
{
	struct rawhdr_field f;
	size_t pos = 0;

	while (rawhdr_next(e->msg, e->fields_end, &pos, &f)) {
		if (ed->utf8 && e->has_ct && f.start == e->ct.start) {
			ct_write_utf8(e, out);
		} else if (ed->to_8bit && e->has_cte &&
			   f.start == e->cte.start) {
			buf_add(out, e->msg + f.start, f.name_len);
			buf_adds(out, ": 8bit\r\n");
		} else {
			rawhdr_copy_line(e->msg, f.start, f.end, out);
		}
	}
	if ((ed->utf8 && !e->has_ct) || (ed->to_8bit && !e->has_cte)) {
		if (!e->has_mime_version)
			buf_adds(out, "MIME-Version: 1.0\r\n");
		if (ed->utf8 && !e->has_ct)
			buf_adds(out, "Content-Type: text/plain; charset=utf-8\r\n");
		if (ed->to_8bit && !e->has_cte)
			buf_adds(out, "Content-Transfer-Encoding: 8bit\r\n");
	}
	if (e->body > e->fields_end)
		buf_add(out, e->msg + e->fields_end, e->body - e->fields_end);
	else if (e->body == e->len)
		buf_adds(out, "\r\n"); /* no empty line yet, and now a body */
}

/* Quoted-printable text that may end in a soft line break ("=" and
 * perhaps blanks) gets a hard one, so the footer starts a line. */
static void qp_end_line(struct buf *raw)
{
	size_t end;

	if (!raw->len)
		return;
	if (raw->data[raw->len - 1] != '\n')
		buf_adds(raw, "\r\n");
	end = raw->len - 1;
	if (end > 0 && raw->data[end - 1] == '\r')
		end--;
	while (end > 0 && (raw->data[end - 1] == ' ' || raw->data[end - 1] == '\t'))
		end--;
	if (end > 0 && raw->data[end - 1] == '=')
		buf_adds(raw, "\r\n");
}

static void transfer_encode(enum cte kind, const struct buf *text,
			    struct buf *out)
{
	if (kind == CTE_QP)
		qp_encode(text->data, text->len, out);
	else if (kind == CTE_BASE64)
		base64_encode(text->data, text->len, out);
	else
		buf_add(out, text->data, text->len);
}

static void body_decode(const struct entity *e, struct buf *out)
{
	const char *b = e->msg + e->body;
	size_t n = e->len - e->body;

	if (e->cte_kind == CTE_QP)
		qp_decode(b, n, out);
	else if (e->cte_kind == CTE_BASE64)
		base64_decode(b, n, out);
	else
		buf_add(out, b, n);
}

static int text_append(const struct entity *e, const char *footer,
		       struct buf *out)
{
	struct buf text = BUF_INIT, ftr = BUF_INIT, inset = BUF_INIT,
		   body = BUF_INIT;
	struct hdr_edit ed = { 0, 0 };
	const char *cs = e->charset.data, *nl = "\r\n";
	int fits;

	body_decode(e, &text);
	if (e->cte_kind == CTE_BASE64 && !contains(text.data, text.len, "\r\n", 2) &&
	    memchr(text.data, '\n', text.len))
		nl = "\n";
	footer_lines(footer, nl, &ftr);
	fits = footer_in_charset(cs, &ftr, &inset) == 0;
	if (fits && e->cte_kind != CTE_BASE64) {
		buf_add(&body, e->msg + e->body, e->len - e->body);
		if (e->cte_kind == CTE_QP) {
			qp_end_line(&body);
			qp_encode(inset.data, inset.len, &body);
		} else {
			end_line(&body, nl);
			buf_add(&body, inset.data, inset.len);
		}
	} else {
		struct buf plain = BUF_INIT;

		if (fits) {
			buf_add(&plain, text.data, text.len);
			end_line(&plain, nl);
			buf_add(&plain, inset.data, inset.len);
		} else {
			text_to_utf8(cs, text.data, text.len, &plain);
			end_line(&plain, nl);
			buf_add(&plain, ftr.data, ftr.len);
			ed.utf8 = 1;
		}
		transfer_encode(e->cte_kind, &plain, &body);
		buf_release(&plain);
	}
	ed.to_8bit = e->cte_kind == CTE_7BIT && has_8bit(body.data, body.len);
	headers_edit(e, &ed, out);
	buf_add(out, body.data, body.len);
	buf_release(&text);
	buf_release(&ftr);
	buf_release(&inset);
	buf_release(&body);
	return 1;
}

/* ---- multipart: the footer as a part of its own ---- */

/* The footer part, from its delimiter line to the end of its text (the
 * line end before the next delimiter is the caller's). */
static void footer_part(const char *footer, const char *boundary,
			struct buf *out)
{
	struct buf text = BUF_INIT;
	int ascii;

	rawhdr_add_crlf(footer, strlen(footer), &text);
	ascii = !has_8bit(text.data, text.len);
	buf_printf(out, "--%s\r\n"
		   "Content-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: %s\r\n"
		   "Content-Disposition: inline\r\n\r\n",
		   boundary, ascii ? "7bit" : "quoted-printable");
	if (ascii)
		buf_add(out, text.data, text.len);
	else
		qp_encode(text.data, text.len, out);
	buf_release(&text);
}

/* Is the line [p, p+n) a delimiter of boundary b (RFC 2046 section 5.1.1:
 * "--" b, then "--" for the close delimiter, then only blanks)?  Returns
 * 1 for an opening delimiter, 2 for the close delimiter, else 0. */
static int delimiter_kind(const char *p, size_t n, const char *b, size_t blen)
{
	size_t i = 2 + blen;
	int kind = 1;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (n < i || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b, blen))
		return 0;
	if (n - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i == n ? kind : 0;
}

/* Finds the start of the close delimiter line of the top-level multipart,
 * after at least one opening delimiter.  Returns 0 or -1. */
static int close_find(const struct entity *e, size_t *at)
{
	const char *s = e->msg;
	size_t pos = e->body;
	int opened = 0;

	while (pos < e->len) {
		const char *nl = memchr(s + pos, '\n', e->len - pos);
		size_t n = nl ? (size_t)(nl - (s + pos)) + 1 : e->len - pos;
		int kind = delimiter_kind(s + pos, n, e->boundary.data,
				      e->boundary.len);
		if (kind == 2) {
			if (!opened)
				return -1;
			*at = pos;
			return 0;
		}
		opened |= kind == 1;
		pos += n;
	}
	return -1;
}

static int mixed_insert(const struct entity *e, const char *footer,
			struct buf *out)
{
	size_t at, q;

	if (close_find(e, &at) < 0)
		return 0;
	/* The line end before a delimiter belongs to the delimiter. */
	q = at;
	if (q > e->body && e->msg[q - 1] == '\n') {
		q--;
		if (q > e->body && e->msg[q - 1] == '\r')
			q--;
	}
	buf_add(out, e->msg, q);
	if (q < at)
		buf_adds(out, "\r\n");
	footer_part(footer, e->boundary.data, out);
	if (q == at)
		buf_adds(out, "\r\n");
	buf_add(out, e->msg + q, e->len - q);
	return 1;
}

/* A boundary that occurs nowhere in the message or the footer, the same
 * for the same message.  Returns 0 or -1. */
static int boundary_new(const struct entity *e, const char *footer,
			char *b, size_t size)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;
	unsigned n;

	for (i = 0; i < e->len; i++)
		h = (h ^ (unsigned char)e->msg[i]) * 1099511628211ULL;
	for (n = 0; n < 100; n++) {
		snprintf(b, size, "=_confer_%016llx_%u", (unsigned long long)h, n);
		if (!contains(e->msg, e->len, b, strlen(b)) &&
		    !strstr(footer, b))
			return 0;
	}
	return -1;
}

static int is_content_field(const char *s, const struct rawhdr_field *f)
{
	return f->name_len > 8 && ascii_ncasecmp(s + f->start, "Content-", 8) == 0;
}

static int wrap(const struct entity *e, const char *footer, struct buf *out)
{
	struct rawhdr_field f;
	char b[64];
	size_t pos;

	if (starts_with_ci(e->type, "multipart/") && close_find(e, &pos) < 0)
		return 0;
	if (boundary_new(e, footer, b, sizeof(b)) < 0)
		return 0;
	pos = 0;
	while (rawhdr_next(e->msg, e->fields_end, &pos, &f))
		if (!is_content_field(e->msg, &f))
			rawhdr_copy_line(e->msg, f.start, f.end, out);
	if (!e->has_mime_version)
		buf_adds(out, "MIME-Version: 1.0\r\n");
	buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
		   "\r\n--%s\r\n", b, b);
	pos = 0;
	while (rawhdr_next(e->msg, e->fields_end, &pos, &f))
		if (is_content_field(e->msg, &f))
			rawhdr_copy_line(e->msg, f.start, f.end, out);
	buf_adds(out, "\r\n");
	buf_add(out, e->msg + e->body, e->len - e->body);
	buf_adds(out, "\r\n");
	footer_part(footer, b, out);
	buf_printf(out, "\r\n--%s--\r\n", b);
	return 1;
}

int footer_add(const char *msg, size_t len, const char *footer,
	       struct buf *out)
{
	struct entity e;
	size_t start = out->len;
	int rc = 0;

	if (entity_read(msg, len, &e) < 0) {
		entity_release(&e);
		return -1;
	}
	if (footer && *footer) {
		switch (plan_for(&e)) {
		case PLAN_NONE:
			break;
		case PLAN_TEXT:
			rc = text_append(&e, footer, out);
			break;
		case PLAN_MIXED:
			rc = mixed_insert(&e, footer, out);
			break;
		case PLAN_WRAP:
			rc = wrap(&e, footer, out);
			break;
		}
	}
	if (!rc) {
		buf_setlen(out, start);
		buf_add(out, msg, len);
	}
	entity_release(&e);
	return rc;
}
