/* smtp.h: handing a message to the relay over SMTP (libesmtp), many
 * recipients per transaction, with each recipient's own answer. */
#ifndef CONFER_SMTP_H
#define CONFER_SMTP_H

#include <stddef.h>

#include "core/buf.h"

struct smtp_relay {
	const char *host;
	int port;
	const char *helo;  /* our host name for EHLO */
	int timeout;       /* seconds per SMTP step */
};

struct smtp_rcpt_status {
	int code;          /* SMTP reply code for this recipient: 250, 450,
			      550...; 0 when no answer was had (connection
			      failed or dropped: treat as temporary) */
	char text[256];    /* the reply text, for the log */
};

/* Sends one message (CRLF line ends, dot-stuffing is done here) from
 * `mail_from` ("" for the null sender <>) to n recipients.  Fills
 * status[i] for each recipient: a recipient the relay accepted at RCPT
 * counts as delivered only if the DATA answer was 2xx, and then takes that
 * code.  Returns 0 when the SMTP session ran (some recipients may still
 * have failed), -1 when no transaction could be had (connection refused,
 * timeout, greeting refused), with a message in err; every status is then
 * code 0. */
int smtp_send(const struct smtp_relay *relay, const char *mail_from,
	      const char *const *rcpts, size_t n, const char *msg,
	      size_t len, struct smtp_rcpt_status *status, struct buf *err);

#endif
