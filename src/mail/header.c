/* header.c: finding header fields in raw mail (see header.h). */
#include <string.h>

#include <libetpan/libetpan.h>

#include "core/util.h"
#include "mail/decode.h"
#include "mail/header.h"

size_t header_block_len(const char *msg, size_t len)
{
	size_t i;

	/* a MIME part may have no header fields at all */
	if (len >= 1 && msg[0] == '\n')
		return 1;
	if (len >= 2 && msg[0] == '\r' && msg[1] == '\n')
		return 2;
	for (i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (i + 1 < len && msg[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* End of the field starting at p: past its last continuation line. */
static size_t field_end(const char *msg, size_t len, size_t p)
{
	for (;;) {
		const char *nl = memchr(msg + p, '\n', len - p);
		if (!nl)
			return len;
		p = (size_t)(nl - msg) + 1;
		if (p >= len || (msg[p] != ' ' && msg[p] != '\t'))
			return p;
	}
}

void header_each(const char *msg, size_t len,
		 int (*fn)(const char *name, size_t nlen, const char *field,
			   size_t flen, void *arg), void *arg)
{
	size_t hlen = header_block_len(msg, len), p = 0;

	while (p < hlen) {
		size_t end = field_end(msg, hlen, p);
		const char *colon = memchr(msg + p, ':', end - p);
		if (msg[p] == '\r' || msg[p] == '\n')
			break;
		if (colon) {
			size_t nlen = (size_t)(colon - (msg + p));
			while (nlen && (msg[p + nlen - 1] == ' ' ||
					msg[p + nlen - 1] == '\t'))
				nlen--;
			if (fn(msg + p, nlen, msg + p, end - p, arg))
				return;
		}
		p = end;
	}
}

struct get_ctx {
	const char *name;
	struct buf *out;
	int found;
};

static void unfold(const char *v, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		buf_addc(out, v[i]);
	}
	buf_rtrim(out);
}

static int get_one(const char *name, size_t nlen, const char *field,
		   size_t flen, void *arg)
{
	struct get_ctx *g = arg;
	const char *v;

	if (nlen != strlen(g->name) || ascii_ncasecmp(name, g->name, nlen))
		return 0;
	v = memchr(field, ':', flen) + 1;
	while (v < field + flen && (*v == ' ' || *v == '\t'))
		v++;
	unfold(v, (size_t)(field + flen - v), g->out);
	g->found = 1;
	return 1;
}

int header_get(const char *msg, size_t len, const char *name,
	       struct buf *out)
{
	struct get_ctx g = { name, out, 0 };

	header_each(msg, len, get_one, &g);
	return g.found ? 0 : -1;
}

static int first_mailbox(struct mailimf_mailbox_list *mbl, struct buf *addr,
			 struct buf *name)
{
	clistiter *it;

	for (it = clist_begin(mbl->mb_list); it; it = clist_next(it)) {
		struct mailimf_mailbox *mb = clist_content(it);
		if (!mb->mb_addr_spec || !strchr(mb->mb_addr_spec, '@'))
			continue;
		buf_adds(addr, mb->mb_addr_spec);
		if (mb->mb_display_name)
			header_decode(mb->mb_display_name,
				      strlen(mb->mb_display_name), name);
		return 0;
	}
	return -1;
}

/* Drops obsolete source routes ("<@a.example,@b.example:user@host>",
 * RFC 5322 section 4.4), which libetpan does not read: the route is
 * meaningless today and the mailbox is what follows the colon. */
static void drop_routes(struct buf *v)
{
	char *p = v->data;

	while ((p = strstr(p, "<@")) != NULL) {
		char *colon = strchr(p, ':'), *gt = strchr(p, '>');
		if (!colon || (gt && gt < colon)) {
			p += 2;
			continue;
		}
		memmove(p + 1, colon + 1, strlen(colon + 1) + 1);
		v->len = strlen(v->data);
		p++;
	}
}

int header_from(const char *msg, size_t len, struct buf *addr,
		struct buf *name)
{
	struct buf v = BUF_INIT;
	struct mailimf_mailbox_list *mbl = NULL;
	size_t idx = 0;
	int rc = -1, found = header_get(msg, len, "From", &v) == 0;

	if (found)
		drop_routes(&v);
	if (found &&
	    mailimf_mailbox_list_parse(v.data, v.len, &idx, &mbl) ==
		    MAILIMF_NO_ERROR) {
		rc = first_mailbox(mbl, addr, name);
		mailimf_mailbox_list_free(mbl);
	}
	buf_release(&v);
	return rc;
}

int header_is_trace(const char *name, size_t nlen)
{
	static const char *trace[] = {
		"Received", "Return-Path", "Delivered-To", "X-Original-To",
		"X-Delivered-To", "Envelope-To", "X-Envelope-From",
		"X-Envelope-To", "Received-SPF", "Authentication-Results",
		"ARC-Seal", "ARC-Message-Signature",
		"ARC-Authentication-Results", "X-Spam-Status", "X-Spam-Score",
		"X-Spam-Level", "X-Spam-Checker-Version",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(trace); i++)
		if (strlen(trace[i]) == nlen && !ascii_ncasecmp(name, trace[i],
								nlen))
			return 1;
	return 0;
}
