/* longlines.c: quoted-printable re-encoding and header folding for lines
 * SMTP cannot carry (see longlines.h). */
#include <string.h>

#include "core/util.h"
#include "delivery/longlines.h"
#include "mail/decode.h"
#include "mail/header.h"

#define MAX_DEPTH 20

int has_long_line(const char *s, size_t len)
{
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		if (s[i] != '\n')
			continue;
		if (i - start - (i > start && s[i - 1] == '\r') > SMTP_MAX_LINE)
			return 1;
		start = i + 1;
	}
	return len - start > SMTP_MAX_LINE;
}

/* Folds one field (with its line end) at white space so that no line
 * passes 998 octets; a run without white space is left as it is. */
static void fold_field(const char *f, size_t n, struct buf *out)
{
	size_t col = 0, i, last_ws = 0, start = out->len;

	for (i = 0; i < n; i++) {
		char c = f[i];
		if (c == '\r' || c == '\n') {
			buf_addc(out, c);
			col = 0;
			last_ws = 0;
			continue;
		}
		if ((c == ' ' || c == '\t') && col > 0)
			last_ws = out->len;
		buf_addc(out, c);
		col++;
		if (col > 900 && last_ws > start) {
			/* break before the last white space: it starts the
			 * continuation line, as folding requires */
			size_t tail = out->len - last_ws;
			buf_grow(out, 2);
			memmove(out->data + last_ws + 2, out->data + last_ws, tail);
			memcpy(out->data + last_ws, "\r\n", 2);
			out->len += 2;
			out->data[out->len] = '\0';
			col = tail;
			last_ws = 0;
		}
	}
}

struct hdr_copy {
	struct buf *out;
	int drop_cte;
};

static int copy_field(const char *name, size_t nlen, const char *field,
		      size_t flen, void *arg)
{
	struct hdr_copy *h = arg;

	if (h->drop_cte && nlen == 25 &&
	    !ascii_ncasecmp(name, "Content-Transfer-Encoding", 25))
		return 0;
	fold_field(field, flen, h->out);
	return 0;
}

static int plain_encoding(const char *msg, size_t hlen)
{
	struct buf v = BUF_INIT;
	int plain = 1;

	if (header_get(msg, hlen, "Content-Transfer-Encoding", &v) == 0) {
		v.data[strcspn(v.data, " \t;(")] = '\0';
		plain = !ascii_casecmp(v.data, "7bit") ||
			!ascii_casecmp(v.data, "8bit") ||
			!ascii_casecmp(v.data, "binary") || !v.len;
	}
	buf_release(&v);
	return plain;
}

static int fix_entity(const char *msg, size_t len, int depth,
		      struct buf *out);

/* Does the header block end with the empty line (rather than the end of
 * the message)? */
static int ends_with_blank(const char *msg, size_t hlen)
{
	if (hlen == 0 || msg[hlen - 1] != '\n')
		return 0;
	if (hlen == 1 || (hlen == 2 && msg[0] == '\r'))
		return 1;
	return msg[hlen - 2] == '\n' ||
	       (msg[hlen - 2] == '\r' && hlen >= 3 && msg[hlen - 3] == '\n');
}

/* Splits a multipart body at its boundary lines and fixes each part. */
static int fix_multipart(const char *body, size_t len, const char *boundary,
			 int depth, struct buf *out)
{
	struct buf delim = BUF_INIT;
	size_t pos = 0, part_start = 0;
	int changed = 0, in_part = 0;

	buf_printf(&delim, "--%s", boundary);
	while (pos < len) {
		const char *nl = memchr(body + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - body) + 1 : len;
		int is_delim = end - pos >= delim.len &&
			       !memcmp(body + pos, delim.data, delim.len);
		if (is_delim) {
			if (in_part) {
				/* the CRLF before a delimiter belongs to it */
				size_t pend = pos;
				if (pend > part_start && body[pend - 1] == '\n')
					pend--;
				if (pend > part_start && body[pend - 1] == '\r')
					pend--;
				changed |= fix_entity(body + part_start,
						      pend - part_start, depth + 1,
						      out);
				buf_add(out, body + pend, pos - pend);
			}
			buf_add(out, body + pos, end - pos);
			in_part = 1;
			part_start = end;
		} else if (!in_part) {
			buf_add(out, body + pos, end - pos);
		}
		pos = end;
	}
	if (in_part && part_start < len) {
		/* no closing delimiter: the rest is copied as it is */
		buf_add(out, body + part_start, len - part_start);
	}
	buf_release(&delim);
	return changed;
}

static int fix_entity(const char *msg, size_t len, int depth,
		      struct buf *out)
{
	size_t hlen = header_block_len(msg, len);
	struct buf ct = BUF_INIT, boundary = BUF_INIT;
	struct hdr_copy hc = { out, 0 };
	int changed = has_long_line(msg, hlen), multipart = 0;

	if (header_get(msg, hlen, "Content-Type", &ct) == 0) {
		multipart = starts_with_ci(ct.data, "multipart/") &&
			    mime_param_get(ct.data, "boundary", &boundary) == 0 &&
			    boundary.len > 0;
	}
	if (multipart && depth < MAX_DEPTH) {
		header_each(msg, hlen, copy_field, &hc);
		if (ends_with_blank(msg, hlen))
			buf_add(out, "\r\n", 2);
		changed |= fix_multipart(msg + hlen, len - hlen, boundary.data,
					 depth, out);
	} else if (has_long_line(msg + hlen, len - hlen) &&
		   plain_encoding(msg, hlen) && !starts_with_ci(ct.data,
								"message/")) {
		hc.drop_cte = 1;
		header_each(msg, hlen, copy_field, &hc);
		buf_adds(out, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		qp_encode(msg + hlen, len - hlen, out);
		changed = 1;
	} else {
		header_each(msg, hlen, copy_field, &hc);
		if (ends_with_blank(msg, hlen))
			buf_add(out, "\r\n", 2);
		buf_add(out, msg + hlen, len - hlen);
	}
	buf_release(&ct);
	buf_release(&boundary);
	return changed;
}

int longlines_fix(const char *msg, size_t len, struct buf *out)
{
	if (!has_long_line(msg, len)) {
		buf_add(out, msg, len);
		return 0;
	}
	fix_entity(msg, len, 0, out);
	return 1;
}
