/* reply.c: building and queueing confer's own messages. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/clock.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "delivery/queue.h"
#include "delivery/reply.h"
#include "mail/decode.h"

static void date_header(struct buf *out)
{
	char date[64];
	time_t now = clock_now();
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_printf(out, "Date: %s\r\n", date);
}

/* Plain ASCII text in short lines goes as 7bit, so that addresses and
 * links (tokens later) are never broken by a transfer encoding. */
static int plain_7bit(const char *text)
{
	size_t col = 0;

	for (; *text; text++) {
		if ((unsigned char)*text > 126)
			return 0;
		col = *text == '\n' ? 0 : col + 1;
		if (col > 900)
			return 0;
	}
	return 1;
}

/* Wraps long lines at spaces (never inside a word, so an address or a
 * link stays whole) and makes line ends CRLF. */
static void wrap_crlf(const char *text, struct buf *out)
{
	while (*text) {
		size_t len = strcspn(text, "\n"), cut = len;
		if (len > 72) {
			size_t i;
			for (i = 72; i > 0 && text[i] != ' '; i--)
				;
			if (i == 0)
				for (i = 72; i < len && text[i] != ' '; i++)
					;
			cut = i;
		}
		buf_add(out, text, cut);
		buf_adds(out, "\r\n");
		text += cut;
		if (*text == ' ' || *text == '\n')
			text++;
	}
}

static void body_crlf(const char *text, int encode, struct buf *out)
{
	struct buf qp = BUF_INIT, crlf = BUF_INIT;

	wrap_crlf(text, &crlf);
	if (encode)
		qp_encode(crlf.data, crlf.len, &qp);
	else
		buf_add(&qp, crlf.data, crlf.len);
	buf_add(out, qp.data, qp.len);
	if (!qp.len || qp.data[qp.len - 1] != '\n')
		buf_adds(out, "\r\n");
	buf_release(&qp);
	buf_release(&crlf);
}

/* The encoding an attached message needs: message/rfc822 may only be
 * 7bit, 8bit or binary (RFC 2046 section 5.2.1). */
static const char *attach_cte(const char *msg, size_t len)
{
	size_t i, col = 0;
	int eight = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)msg[i] > 126 || msg[i] == '\0')
			eight = 1;
		col = msg[i] == '\n' ? 0 : col + 1;
		if (col > 998)
			return "binary";
	}
	return eight ? "8bit" : "7bit";
}

static void text_part_headers(int encode, struct buf *out)
{
	buf_printf(out, "Content-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: %s\r\n\r\n",
		   encode ? "quoted-printable" : "7bit");
}

/* multipart/mixed: the text, then the attached message as it was. */
static void multipart_body(const struct reply *r, int encode,
			   struct buf *out)
{
	char b[40];

	snprintf(b, sizeof(b), "=_confer_%08x%08x", randombytes_random(),
		 randombytes_random());
	buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
		   "\r\nThis is a message in MIME format.\r\n\r\n--%s\r\n", b, b);
	text_part_headers(encode, out);
	body_crlf(r->body, encode, out);
	buf_printf(out, "\r\n--%s\r\nContent-Type: message/rfc822\r\n"
		   "Content-Disposition: attachment\r\n"
		   "Content-Transfer-Encoding: %s\r\n\r\n", b,
		   attach_cte(r->attach, r->attach_len));
	buf_add(out, r->attach, r->attach_len);
	if (r->attach_len && r->attach[r->attach_len - 1] != '\n')
		buf_adds(out, "\r\n");
	buf_printf(out, "\r\n--%s--\r\n", b);
}

void reply_build(const struct site *site, const struct reply *r,
		 struct buf *out)
{
	struct buf subj = BUF_INIT;
	int encode = !plain_7bit(r->body);

	header_encode(r->subject, strlen(r->subject), 9, &subj);
	buf_printf(out, "From: \"%s list\" <%s@%s>\r\n", r->list, r->from_local,
		   site->domain);
	if (r->reply_to_local)
		buf_printf(out, "Reply-To: <%s@%s>\r\n", r->reply_to_local,
			   site->domain);
	buf_printf(out, "To: <%s>\r\n", r->to);
	buf_printf(out, "Subject: %s\r\n", subj.data);
	date_header(out);
	buf_printf(out, "Message-ID: <confer.%08x%08x@%s>\r\n",
		   randombytes_random(), randombytes_random(), site->domain);
	if (r->in_reply_to && *r->in_reply_to)
		buf_printf(out, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n",
			   r->in_reply_to, r->in_reply_to);
	buf_printf(out, "Auto-Submitted: auto-replied\r\n"
		   "X-Loop: %s@%s\r\n"
		   "MIME-Version: 1.0\r\n", r->list, site->domain);
	if (r->attach) {
		multipart_body(r, encode, out);
	} else {
		text_part_headers(encode, out);
		body_crlf(r->body, encode, out);
	}
	buf_release(&subj);
}

int reply_queue(struct site *site, const struct reply *r)
{
	struct buf msg = BUF_INIT, name = BUF_INIT, path = BUF_INIT;
	int rc;

	reply_build(site, r, &msg);
	buf_adds(&name, "reply-");
	unique_name(&name);
	buf_adds(&name, ".eml");
	rc = queue_write_copy(site, name.data, msg.data, msg.len, &path);
	if (rc == 0)
		rc = queue_add(site->db, 0, path.data, "", r->to);
	if (rc == 0)
		log_info("reply: to=%s subject=\"%s\"", r->to, r->subject);
	buf_release(&msg);
	buf_release(&name);
	buf_release(&path);
	return rc;
}
