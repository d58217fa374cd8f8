/* content.c: a message as a reader sees it.  libetpan's MIME tree is
 * walked in reading order into text parts (HTML converted, flowed text
 * unwrapped, all UTF-8 with LF line ends) and attachments, under confer's
 * own bounds on nesting, parts and decoded sizes. */
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "core/buf.h"
#include "core/log.h"
#include "mail/content.h"
#include "mail/content_priv.h"
#include "mail/decode.h"
#include "core/util.h"

#define CONTENT_MAX_DEPTH 20
#define CONTENT_MAX_PARTS 500
#define CONTENT_MAX_NODES 2000          /* MIME entities visited at all */
#define CONTENT_MAX_DECODED (64u << 20) /* bytes of parts kept */
/* libetpan recurses once per nesting level with no limit of its own and
 * overflows the stack past some 20,000 levels; a level needs a
 * Content-Type field (or a multipart/digest default, one per field at
 * most), so capping those fields caps its depth before it starts. */
#define CONTENT_MAX_CTYPE_FIELDS 1000
/* It also allocates some 300 bytes per part however small: cap the lines
 * that could start one. */
#define CONTENT_MAX_DASH_LINES 20000
#define CONTENT_MAX_BOUNDARY 200

struct walk {
	struct content *c;
	size_t cap;
	size_t nodes;
	size_t decoded;
	const char *lo, *hi; /* the buffer libetpan's pointers point into */
};

/* What a leaf says about itself. */
struct leaf {
	struct buf type;  /* lowercased "type/subtype" */
	struct buf ctype; /* raw Content-Type value */
	struct buf disp;  /* raw Content-Disposition value */
	const char *body;
	size_t body_len;
	int encoding;     /* MAILMIME_MECHANISM_* */
};

static void walk(struct walk *w, struct mailmime *m, int depth);

/* ---- parts ---- */

/* A new zeroed part, or NULL once the part limit is reached.  The end of
 * an embedded message is always added so the list stays balanced. */
static struct content_part *part_add(struct walk *w, enum part_kind kind)
{
	struct content *c = w->c;
	struct content_part *p;

	if (kind != PART_MESSAGE_END && c->nparts >= CONTENT_MAX_PARTS) {
		c->truncated = 1;
		return NULL;
	}
	if (c->nparts == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		c->parts = xreallocarray(c->parts, w->cap, sizeof(*c->parts));
	}
	p = &c->parts[c->nparts++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	return p;
}

static void part_release(struct content_part *p)
{
	free(p->mime_type);
	free(p->text);
	free(p->filename);
	free(p->data);
	free(p->msg_from_name);
	free(p->msg_from_addr);
	free(p->msg_subject);
	free(p->msg_date);
}

void content_release(struct content *c)
{
	size_t i;

	for (i = 0; i < c->nparts; i++)
		part_release(&c->parts[i]);
	free(c->parts);
	free(c->subject);
	free(c->from_name);
	free(c->from_addr);
	free(c->message_id);
	free(c->in_reply_to);
	free(c->references);
	memset(c, 0, sizeof(*c));
	c->date = (time_t)-1;
}

/* Counts bytes kept against the limit; returns 0 when they may be. */
static int budget(struct walk *w, size_t n)
{
	if (n > CONTENT_MAX_DECODED - w->decoded) {
		w->c->truncated = 1;
		return -1;
	}
	w->decoded += n;
	return 0;
}

/* ---- reading a node ---- */

static int in_bounds(const struct walk *w, const char *p, size_t n)
{
	return p && p >= w->lo && p <= w->hi && n <= (size_t)(w->hi - p);
}

static int node_body(const struct walk *w, const struct mailmime *m,
		     const char **body, size_t *len)
{
	const struct mailmime_data *d = m->mm_body;

	if (!d || d->dt_type != MAILMIME_DATA_TEXT ||
	    !in_bounds(w, d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length))
		return -1;
	*body = d->dt_data.dt_text.dt_data;
	*len = d->dt_data.dt_text.dt_length;
	return 0;
}

/* The node's own header block: from its start to its body. */
static void node_headers(const struct walk *w, const struct mailmime *m,
			 const char **hdr, size_t *len)
{
	const char *body;
	size_t blen;

	*hdr = "";
	*len = 0;
	if (node_body(w, m, &body, &blen) < 0 || !m->mm_mime_start ||
	    !in_bounds(w, m->mm_mime_start, 0) || m->mm_mime_start > body)
		return;
	*hdr = m->mm_mime_start;
	*len = (size_t)(body - m->mm_mime_start);
}

static const char *discrete_name(const struct mailmime_discrete_type *d)
{
	switch (d->dt_type) {
	case MAILMIME_DISCRETE_TYPE_TEXT: return "text";
	case MAILMIME_DISCRETE_TYPE_IMAGE: return "image";
	case MAILMIME_DISCRETE_TYPE_AUDIO: return "audio";
	case MAILMIME_DISCRETE_TYPE_VIDEO: return "video";
	case MAILMIME_DISCRETE_TYPE_APPLICATION: return "application";
	default: return d->dt_extension;
	}
}

static const char *composite_name(const struct mailmime_composite_type *c)
{
	switch (c->ct_type) {
	case MAILMIME_COMPOSITE_TYPE_MESSAGE: return "message";
	case MAILMIME_COMPOSITE_TYPE_MULTIPART: return "multipart";
	default: return c->ct_token;
	}
}

static int token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7F ||
		    strchr("()<>@,;:\\\"[]?=", *s))
			return 0;
	return 1;
}

/* "type/subtype" as libetpan read it (its defaults included: text/plain,
 * message/rfc822 in a digest), lowercased; anything odd is treated as
 * application/octet-stream. */
static void type_of(const struct mailmime *m, struct buf *out)
{
	const struct mailmime_content *ct = m->mm_content_type;
	const struct mailmime_type *t = ct ? ct->ct_type : NULL;
	const char *type = "text", *sub = "plain";

	if (t && t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE && t->tp_data.tp_discrete_type)
		type = discrete_name(t->tp_data.tp_discrete_type);
	else if (t && t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE && t->tp_data.tp_composite_type)
		type = composite_name(t->tp_data.tp_composite_type);
	if (ct && ct->ct_subtype)
		sub = ct->ct_subtype;
	if (!type || !*type || !*sub || !token_ok(type) || !token_ok(sub)) {
		type = "application";
		sub = "octet-stream";
	}
	buf_reset(out);
	buf_printf(out, "%s/%s", type, sub);
	ascii_lower(out->data);
}

/* Fills lf (which leaf_release() frees) from node m. */
static void leaf_read(const struct walk *w, const struct mailmime *m,
		      struct leaf *lf)
{
	const char *hdr;
	size_t hlen;

	buf_init(&lf->type);
	buf_init(&lf->ctype);
	buf_init(&lf->disp);
	type_of(m, &lf->type);
	node_headers(w, m, &hdr, &hlen);
	content_header_raw(hdr, hlen, "Content-Type", &lf->ctype);
	content_header_raw(hdr, hlen, "Content-Disposition", &lf->disp);
	if (node_body(w, m, &lf->body, &lf->body_len) < 0) {
		lf->body = "";
		lf->body_len = 0;
	}
	lf->encoding = m->mm_body ? m->mm_body->dt_encoding : MAILMIME_MECHANISM_8BIT;
}

static void leaf_release(struct leaf *lf)
{
	buf_release(&lf->type);
	buf_release(&lf->ctype);
	buf_release(&lf->disp);
}

/* Transfer decoding.  Our decoders rather than mailmime_part_parse():
 * libetpan's quoted-printable decoder misreads lowercase hex and soft
 * breaks followed by blanks, both common in real mail. */
static void body_decode(const struct leaf *lf, struct buf *out)
{
	if (lf->encoding == MAILMIME_MECHANISM_BASE64)
		base64_decode(lf->body, lf->body_len, out);
	else if (lf->encoding == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		qp_decode(lf->body, lf->body_len, out);
	else
		buf_add(out, lf->body, lf->body_len); /* 7bit, 8bit, unknown */
}

static int param_is(const struct buf *ctype, const char *name,
		    const char *value)
{
	struct buf v = BUF_INIT;
	int r = mime_param_get(ctype->data, name, &v) == 0 &&
		!ascii_casecmp(v.data, value);

	buf_release(&v);
	return r;
}

static int is_attachment(const struct leaf *lf)
{
	const char *d = skip_ws(lf->disp.data);

	return starts_with_ci(d, "attachment") &&
	       (d[10] == '\0' || strchr(" \t\r\n;(", d[10]) != NULL);
}

/* The name a part offers (RFC 2231 or 2047 encoded, or plain), from
 * Content-Disposition or else Content-Type.  Returns 0, or -1 if none. */
static int leaf_name(const struct leaf *lf, struct buf *name)
{
	return mime_param_get(lf->disp.data, "filename", name) == 0 ||
	       mime_param_get(lf->ctype.data, "name", name) == 0 ? 0 : -1;
}

static int has_filename(const struct leaf *lf)
{
	struct buf name = BUF_INIT;
	int r = leaf_name(lf, &name) == 0;

	buf_release(&name);
	return r;
}

/* The sanitized name a part offers, or NULL when it has none. */
static char *leaf_filename(const struct leaf *lf)
{
	struct buf name = BUF_INIT;
	char *r = leaf_name(lf, &name) == 0 ? filename_sanitize(name.data) : NULL;

	buf_release(&name);
	return r;
}

/* ---- text ---- */

static int label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* The charset a text/html part declares in a <meta> when its header
 * does not, read from the start of the document. */
static void html_meta_charset(const struct buf *raw, struct buf *cs)
{
	const char *s = raw->data;
	size_t n = raw->len < 4096 ? raw->len : 4096, i, j;

	for (i = 0; i + 8 < n; i++) {
		if (ascii_ncasecmp(s + i, "charset=", 8))
			continue;
		for (i += 8; i < n && (s[i] == '"' || s[i] == '\''); i++)
			;
		for (j = i; j < n && j - i < 40 && label_char(s[j]); j++)
			;
		buf_add(cs, s + i, j - i);
		return;
	}
}

/* LF line ends only: CRLF and lone CR both become LF. */
static char *lf_only(const struct buf *in)
{
	struct buf out = BUF_INIT;
	size_t i;

	buf_grow(&out, in->len);
	for (i = 0; i < in->len; i++) {
		if (in->data[i] == '\r') {
			buf_addc(&out, '\n');
			if (i + 1 < in->len && in->data[i + 1] == '\n')
				i++;
		} else {
			buf_addc(&out, in->data[i]);
		}
	}
	return buf_detach(&out, NULL);
}

static void text_part(struct walk *w, const struct leaf *lf, int html)
{
	struct buf raw = BUF_INIT, cs = BUF_INIT, utf8 = BUF_INIT,
		   done = BUF_INIT;
	struct content_part *p;
	char *lf_text;

	body_decode(lf, &raw);
	if (mime_param_get(lf->ctype.data, "charset", &cs) < 0 && html)
		html_meta_charset(&raw, &cs);
	charset_to_utf8(cs.len ? cs.data : NULL, raw.data, raw.len, &utf8);
	buf_release(&raw);
	if (budget(w, utf8.len) == 0 && (p = part_add(w, PART_TEXT)) != NULL) {
		p->mime_type = xstrdup(lf->type.data);
		lf_text = lf_only(&utf8);
		if (html) {
			html_to_text(lf_text, strlen(lf_text), &done);
			p->from_html = 1;
		} else if (param_is(&lf->ctype, "format", "flowed")) {
			flowed_unwrap(lf_text, strlen(lf_text),
				      param_is(&lf->ctype, "delsp", "yes"), &done);
			p->flowed = 1;
		} else {
			buf_adds(&done, lf_text);
		}
		free(lf_text);
		if (done.len && done.data[done.len - 1] != '\n')
			buf_addc(&done, '\n'); /* text ends its last line */
		p->text = buf_detach(&done, NULL);
	}
	buf_release(&cs);
	buf_release(&utf8);
	buf_release(&done);
}

static void attachment_part(struct walk *w, const struct leaf *lf)
{
	struct buf data = BUF_INIT;
	struct content_part *p;

	body_decode(lf, &data);
	if (budget(w, data.len) == 0 && (p = part_add(w, PART_ATTACHMENT)) != NULL) {
		p->mime_type = xstrdup(lf->type.data);
		p->filename = leaf_filename(lf);
		p->data = buf_detach(&data, &p->data_len);
	}
	buf_release(&data);
}

/* ---- structure ---- */

static int is_text_type(const char *type, int *html)
{
	*html = !strcmp(type, "text/html");
	return *html || !strcmp(type, "text/plain");
}

/* How much a multipart/alternative reader wants this alternative: plain
 * text first, then a nested multipart (often holding the plain text with
 * attachments), then HTML; 0 for anything else. */
static int alt_rank(const struct walk *w, struct mailmime *m)
{
	struct leaf lf;
	int rank = 0, html;

	leaf_read(w, m, &lf);
	if (m->mm_type == MAILMIME_MULTIPLE)
		rank = 2;
	else if (is_text_type(lf.type.data, &html) && !is_attachment(&lf))
		rank = html ? 1 : 3;
	leaf_release(&lf);
	return rank;
}

static struct mailmime *alt_choose(const struct walk *w,
				   struct mailmime **kids, size_t n)
{
	struct mailmime *best = n ? kids[n - 1] : NULL;
	int best_rank = 0, r;
	size_t i;

	for (i = 0; i < n; i++) {
		r = alt_rank(w, kids[i]);
		if (r > best_rank) {
			best_rank = r;
			best = kids[i];
		}
	}
	return best;
}

static void walk_kids(struct walk *w, const char *subtype,
		      struct mailmime **kids, size_t n, int depth)
{
	size_t i;

	if (!strcmp(subtype, "alternative")) {
		walk(w, alt_choose(w, kids, n), depth + 1);
		return;
	}
	for (i = 0; i < n && w->c->nparts < CONTENT_MAX_PARTS; i++)
		walk(w, kids[i], depth + 1);
}

/* Finds the next delimiter line "--boundary" at or after i.  Returns its
 * start (or len), with *next set past the line and *close when it is the
 * closing one. */
static size_t delimiter_find(const char *s, size_t len, size_t i,
			     const struct buf *b, size_t *next, int *close)
{
	size_t k;
	const char *nl;

	for (; i < len; i = (size_t)(nl - s) + 1) {
		if (len - i >= b->len + 2 && s[i] == '-' && s[i + 1] == '-' &&
		    !memcmp(s + i + 2, b->data, b->len)) {
			k = i + 2 + b->len;
			*close = len - k >= 2 && s[k] == '-' && s[k + 1] == '-';
			nl = memchr(s + k, '\n', len - k);
			*next = nl ? (size_t)(nl - s) + 1 : len;
			return i;
		}
		if (!(nl = memchr(s + i, '\n', len - i)))
			break;
	}
	*next = len;
	*close = 1;
	return len;
}

/* A multipart libetpan left whole because it could not read the boundary
 * (RFC 2231 "boundary*=..." is one such case): split it here and let
 * libetpan parse each part.  Returns -1 when there is no boundary. */
static int split_multipart(struct walk *w, const struct leaf *lf, int depth)
{
	struct buf b = BUF_INIT;
	struct mailmime **roots = NULL, **kids = NULL, *root;
	size_t n = 0, i, start, end, next, idx;
	int close = 0;

	if (mime_param_get(lf->ctype.data, "boundary", &b) < 0 || !b.len ||
	    b.len > CONTENT_MAX_BOUNDARY ||
	    delimiter_find(lf->body, lf->body_len, 0, &b, &start, &close) ==
		    lf->body_len) {
		buf_release(&b);
		return -1;
	}
	while (!close && n < CONTENT_MAX_PARTS) {
		end = delimiter_find(lf->body, lf->body_len, start, &b, &next, &close);
		/* The line break before a delimiter belongs to it. */
		i = end > start && lf->body[end - 1] == '\n' ? end - 1 : end;
		i = i > start && lf->body[i - 1] == '\r' ? i - 1 : i;
		idx = 0;
		root = NULL;
		if (mailmime_parse(lf->body + start, i - start, &idx, &root) ==
		    MAILIMF_NO_ERROR && root && root->mm_data.mm_message.mm_msg_mime) {
			roots = xreallocarray(roots, n + 1, sizeof(*roots));
			kids = xreallocarray(kids, n + 1, sizeof(*kids));
			roots[n] = root;
			kids[n++] = root->mm_data.mm_message.mm_msg_mime;
		} else if (root) {
			mailmime_free(root);
		}
		start = next;
	}
	walk_kids(w, strchr(lf->type.data, '/') + 1, kids, n, depth);
	for (i = 0; i < n; i++)
		mailmime_free(roots[i]);
	free(roots);
	free(kids);
	buf_release(&b);
	return 0;
}

/* libetpan's input must be safe for its recursion (see the limits). */
static int etpan_safe(const char *s, size_t len)
{
	size_t i, ctype = 0, dash = 0;

	for (i = 0; i < len; i++) {
		if (i && s[i - 1] != '\n')
			continue;
		if (s[i] == '-' && i + 1 < len && s[i + 1] == '-')
			dash++;
		else if (len - i > 12 && !ascii_ncasecmp(s + i, "content-type", 12))
			ctype++;
	}
	return ctype <= CONTENT_MAX_CTYPE_FIELDS &&
	       dash <= CONTENT_MAX_DASH_LINES &&
	       content_parens_ok(s, len, CONTENT_PAREN_MAX);
}

/* Every line ending made CRLF, the form libetpan is written for; CR-only
 * and LF-only mail otherwise parses as one line or not at all. */
static void crlf_normalize(const char *s, size_t len, struct buf *out)
{
	size_t i, start = 0;

	buf_grow(out, len + len / 16);
	for (i = 0; i < len; i++) {
		if (s[i] != '\r' && s[i] != '\n')
			continue;
		buf_add(out, s + start, i - start);
		buf_add(out, "\r\n", 2);
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	buf_add(out, s + start, len - start);
}

/* An embedded message: its headers as a PART_MESSAGE, its parts, and the
 * PART_MESSAGE_END. */
static void message_open(struct walk *w, const char *text, size_t len,
			 struct mailmime *body, int depth)
{
	struct content_part *p = part_add(w, PART_MESSAGE);

	if (!p)
		return;
	p->mime_type = xstrdup("message/rfc822");
	content_message_summary(text, content_header_len(text, len), p);
	walk(w, body, depth + 1);
	part_add(w, PART_MESSAGE_END)->mime_type = xstrdup("message/rfc822");
}

/* A message/rfc822 libetpan did not parse (it was base64 or
 * quoted-printable encoded): decode it and parse it on its own. */
static void message_encoded(struct walk *w, const struct leaf *lf, int depth)
{
	struct buf dec = BUF_INIT, norm = BUF_INIT;
	struct mailmime *root = NULL;
	const char *lo = w->lo, *hi = w->hi;
	size_t idx = 0;

	body_decode(lf, &dec);
	crlf_normalize(dec.data, dec.len, &norm);
	buf_release(&dec);
	if (etpan_safe(norm.data, norm.len) &&
	    mailmime_parse(norm.data, norm.len, &idx, &root) == MAILIMF_NO_ERROR &&
	    root) {
		w->lo = norm.data;
		w->hi = norm.data + norm.len;
		message_open(w, norm.data, norm.len,
			     root->mm_data.mm_message.mm_msg_mime, depth);
		w->lo = lo;
		w->hi = hi;
	} else {
		w->c->truncated = 1;
	}
	if (root)
		mailmime_free(root);
	buf_release(&norm);
}

static int blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr(" \t\r\n", s[i]))
			return 0;
	return 1;
}

/* A multipart that libetpan did not split into parts: split it here, or
 * failing that show what it holds as plain text. */
static void multipart_unsplit(struct walk *w, struct leaf *lf, int depth)
{
	if (split_multipart(w, lf, depth) == 0 || blank(lf->body, lf->body_len))
		return;
	buf_reset(&lf->type);
	buf_adds(&lf->type, "text/plain");
	text_part(w, lf, 0);
}

static void walk_leaf(struct walk *w, struct mailmime *m, int depth)
{
	struct leaf lf;
	int html = 0;

	leaf_read(w, m, &lf);
	if (!strcmp(lf.type.data, "message/rfc822") ||
	    !strcmp(lf.type.data, "message/global"))
		message_encoded(w, &lf, depth);
	else if (starts_with_ci(lf.type.data, "multipart/"))
		multipart_unsplit(w, &lf, depth);
	else if (is_text_type(lf.type.data, &html) &&
		 !(is_attachment(&lf) && has_filename(&lf)))
		text_part(w, &lf, html);
	else
		attachment_part(w, &lf);
	leaf_release(&lf);
}

static void walk_multi(struct walk *w, struct mailmime *m, int depth)
{
	struct mailmime **kids = NULL;
	clist *list = m->mm_data.mm_multipart.mm_mp_list;
	clistiter *it;
	size_t n = 0;
	const char *sub = m->mm_content_type && m->mm_content_type->ct_subtype ?
				  m->mm_content_type->ct_subtype : "mixed";

	for (it = list ? clist_begin(list) : NULL; it && n < CONTENT_MAX_PARTS;
	     it = clist_next(it)) {
		if (!clist_content(it))
			continue;
		kids = xreallocarray(kids, n + 1, sizeof(*kids));
		kids[n++] = clist_content(it);
	}
	if (n == 0) /* no part found: what is there reads as text */
		walk_leaf(w, m, depth);
	else
		walk_kids(w, ascii_casecmp(sub, "alternative") ? "mixed" :
			  "alternative", kids, n, depth);
	if (it)
		w->c->truncated = 1; /* parts past the limit were left out */
	free(kids);
}

static void walk(struct walk *w, struct mailmime *m, int depth)
{
	const char *text;
	size_t len;

	if (!m)
		return;
	if (depth > CONTENT_MAX_DEPTH || ++w->nodes > CONTENT_MAX_NODES) {
		w->c->truncated = 1;
		return;
	}
	if (m->mm_type == MAILMIME_MULTIPLE)
		walk_multi(w, m, depth);
	else if (m->mm_type == MAILMIME_MESSAGE) {
		if (node_body(w, m, &text, &len) == 0)
			message_open(w, text, len,
				     m->mm_data.mm_message.mm_msg_mime, depth);
	} else
		walk_leaf(w, m, depth);
}

void content_parse_headers(const char *msg, size_t len, struct content *out)
{
	struct buf norm = BUF_INIT;

	memset(out, 0, sizeof(*out));
	crlf_normalize(msg, len, &norm);
	content_headers_read(norm.data, content_header_len(norm.data, norm.len),
			     out);
	buf_release(&norm);
}

void content_parse(const char *msg, size_t len, struct content *out)
{
	struct buf norm = BUF_INIT;
	struct mailmime *root = NULL;
	struct walk w;
	size_t idx = 0;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.c = out;
	crlf_normalize(msg, len, &norm);
	content_headers_read(norm.data, content_header_len(norm.data, norm.len),
			     out);
	w.lo = norm.data;
	w.hi = norm.data + norm.len;
	if (!etpan_safe(norm.data, norm.len)) {
		/* the caller knows which message this is and says so */
		out->truncated = 1;
	} else if (mailmime_parse(norm.data, norm.len, &idx, &root) !=
			   MAILIMF_NO_ERROR || !root) {
		log_debug("content: libetpan could not parse the message");
		out->truncated = 1;
	} else {
		walk(&w, root->mm_data.mm_message.mm_msg_mime, 1);
	}
	if (root)
		mailmime_free(root);
	buf_release(&norm);
}
