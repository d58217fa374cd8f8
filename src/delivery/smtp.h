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
 * code 0.
 *
 * Details of this contract:
 * - a sender the relay refuses at MAIL FROM also gives -1 ("sender
 *   refused: 550 ..."): no transaction was had, nothing is a recipient's
 *   fault;
 * - a recipient address that could not be sent safely (controls, spaces,
 *   '<' '>', over 256 bytes) is not sent and gets code 553 at once;
 * - a bare CR or LF in msg is sent as CRLF (no SMTP smuggling);
 * - libesmtp edits the header block: it drops Return-Path: and
 *   Original-Recipient:, keeps only the first Date/From/Message-ID/Sender/
 *   To/Cc/Bcc/Reply-To, and adds Date:, From: and Message-ID: when they
 *   are missing.  Give it complete messages and they go byte for byte;
 * - SIGPIPE is blocked in the calling thread during the session (and one
 *   raised meanwhile discarded), so a relay that hangs up cannot kill us;
 * - the relay's TCP connect() uses the kernel's timeout; `timeout` bounds
 *   every SMTP step after it.
 * TCP_NODELAY is set on libesmtp's socket by scanning our descriptors;
 * should another thread open and close descriptors meanwhile it may be
 * missed (logged once): slower, still correct. */
int smtp_send(const struct smtp_relay *relay, const char *mail_from,
	      const char *const *rcpts, size_t n, const char *msg,
	      size_t len, struct smtp_rcpt_status *status, struct buf *err);

#endif
