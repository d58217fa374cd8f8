/* smtp.c: smtp_send() over libesmtp 1.1 (see smtp.h).  One session, one
 * message, many recipients; each recipient gets its own answer.
 *
 * Facts about libesmtp this file relies on (read from its 1.1 source):
 * - it dot-stuffs every line itself and splits lines only at CRLF, so we
 *   hand it the message unchanged (after making line ends CRLF);
 * - it processes the header block: it drops Return-Path: and
 *   Original-Recipient:, drops a second Date/From/Message-Id/Sender/To/
 *   Cc/Bcc/Reply-To header, and appends Date:, From: and Message-Id: when
 *   they are missing.  A complete message passes byte for byte;
 * - its SMTP_EV_CONNECT event comes right after connect(), before any
 *   byte is written: the moment to set TCP_NODELAY (DESIGN.md);
 * - it writes with write(), so a relay that closes early raises SIGPIPE;
 * - connect() itself is blocking with the kernel's timeout, the SMTP steps
 *   use ours;
 * - "RCPT TO:<%s>" is formatted into a 1024-byte buffer without a length
 *   check, and nothing stops CR/LF in an address: we check addresses. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libesmtp.h>

#include "delivery/smtp.h"
#include "core/log.h"
#include "core/util.h"

#define MSG_CHUNK (1u << 20)   /* bytes handed to libesmtp per callback */
#define ADDR_MAX 256           /* RFC 5321 4.5.3.1.3: path */
#define FD_GAP_STOP 16         /* closed fds in a row that end the scan */
#define FD_SCAN_MAX 65536
#define DEFAULT_TIMEOUT 300    /* seconds, RFC 5321 4.5.3.2 */

struct send_ctx {
	const char *msg;
	size_t len;
	size_t pos;
	struct addrinfo *relay_ai;  /* the relay's addresses, to find our socket */
	int connected;
	int nodelay;                /* sockets we set TCP_NODELAY on */
	char bad_reply[200];        /* last 4xx/5xx line from the relay */
};

/* ---- message source ------------------------------------------------- */

/* libesmtp's message callback: len == NULL means rewind; returning no
 * bytes means end of message.  We keep our position in ctx, not in *ctx
 * (libesmtp would free() that). */
static const char *msg_cb(void **unused, int *len, void *arg)
{
	struct send_ctx *c = arg;
	size_t n;
	const char *p;

	(void)unused;
	if (!len) {
		c->pos = 0;
		return NULL;
	}
	n = c->len - c->pos;
	if (n > MSG_CHUNK)
		n = MSG_CHUNK;
	p = c->msg + c->pos;
	c->pos += n;
	*len = (int)n;
	return n ? p : NULL;
}

/* Does the message have a CR or LF that is not part of a CRLF pair?
 * libesmtp would pass such a byte on inside a line (and not dot-stuff
 * what follows it), which some relays read as a line end: the way to
 * SMTP smuggling. */
static int has_bare_eol(const char *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (m[i] == '\r' && (i + 1 == n || m[i + 1] != '\n'))
			return 1;
		if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r'))
			return 1;
	}
	return 0;
}

/* Copies m into out with every bare CR or LF made a CRLF. */
static void canon_crlf(const char *m, size_t n, struct buf *out)
{
	size_t i;

	buf_grow(out, n + n / 8);
	for (i = 0; i < n; i++) {
		if (m[i] == '\r' && i + 1 < n && m[i + 1] == '\n') {
			buf_add(out, "\r\n", 2);
			i++;
		} else if (m[i] == '\r' || m[i] == '\n') {
			buf_add(out, "\r\n", 2);
		} else {
			buf_addc(out, m[i]);
		}
	}
}

/* ---- TCP_NODELAY on libesmtp's socket --------------------------------- */

static int sockaddr_same(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return 0;
}

static int is_relay_socket(int fd, const struct addrinfo *ai)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int type;
	socklen_t tl = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    type != SOCK_STREAM)
		return 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	for (; ai; ai = ai->ai_next)
		if (sockaddr_same(ai->ai_addr, (struct sockaddr *)&ss))
			return 1;
	return 0;
}

/* libesmtp gives no handle on its socket, so we look for it.  socket()
 * returns the lowest free descriptor and nothing opens or closes one
 * between libesmtp's socket() and its SMTP_EV_CONNECT, so every descriptor
 * below it is open: scanning up from 0 until a run of closed ones finds it
 * cheaply without /proc.  Any other connection of ours to the same relay
 * that we meet gets TCP_NODELAY too, which does no harm. */
static void set_nodelay(struct send_ctx *c)
{
	static int warned;
	int fd, gap = 0, one = 1;

	for (fd = 0; fd < FD_SCAN_MAX && gap < FD_GAP_STOP; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			gap++;
			continue;
		}
		gap = 0;
		if (is_relay_socket(fd, c->relay_ai) &&
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) == 0)
			c->nodelay++;
	}
	if (c->nodelay == 0 && !warned) {
		warned = 1;
		log_warn("smtp: libesmtp's socket not found, TCP_NODELAY not "
			 "set: each transaction will wait ~40 ms");
	}
}

/* ---- libesmtp callbacks --------------------------------------------- */

static void event_cb(smtp_session_t session, int event, void *arg, ...)
{
	struct send_ctx *c = arg;

	(void)session;
	if (event == SMTP_EV_CONNECT) {
		c->connected = 1;
		c->bad_reply[0] = '\0';
		set_nodelay(c);
	}
	/* STARTTLS events (SMTP_EV_STARTTLS_OK, SMTP_EV_*_CERTIFICATE...)
	 * will be handled here when TLS is added; see session_security(). */
}

/* Keeps the last 4xx or 5xx line the relay sent, so that a refused
 * greeting or EHLO can be reported in the relay's own words. */
static void monitor_cb(const char *p, int n, int writing, void *arg)
{
	struct send_ctx *c = arg;
	size_t len, start;

	if (writing != SMTP_CB_READING || n <= 0)
		return;
	len = (size_t)n;
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	start = len;
	while (start > 0 && p[start - 1] != '\n')
		start--;
	len -= start;
	if (len == 0 || (p[start] != '4' && p[start] != '5'))
		return;
	if (len >= sizeof(c->bad_reply))
		len = sizeof(c->bad_reply) - 1;
	memcpy(c->bad_reply, p + start, len);
	c->bad_reply[len] = '\0';
}

/* ---- SIGPIPE -------------------------------------------------------- */

/* A relay that drops the connection while we write would raise SIGPIPE
 * and kill the runner.  Rather than change the process-wide disposition
 * behind the caller's back, we block SIGPIPE in this thread for the
 * session (SIGPIPE from write() goes to the writing thread) and discard
 * one that arrived meanwhile; write() then fails with EPIPE, which
 * libesmtp reports as a dropped connection. */
struct sigpipe_guard {
	sigset_t old;
	int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
	sigemptyset(&pending);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	if (!g->was_pending && sigismember(&pending, SIGPIPE) == 1)
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- setting up the session ------------------------------------------ */

/* An address we put on the wire in "MAIL FROM:<%s>" / "RCPT TO:<%s>":
 * printable ASCII without angle brackets, at most ADDR_MAX bytes. */
static int addr_ok(const char *a)
{
	size_t n = 0;

	for (; *a; a++, n++)
		if ((unsigned char)*a <= ' ' || (unsigned char)*a >= 0x7f ||
		    *a == '<' || *a == '>')
			return 0;
	return n <= ADDR_MAX;
}

static int helo_ok(const char *h)
{
	return h && *h && addr_ok(h);
}

/* The place for STARTTLS and AUTH (a later job): smtp_starttls_enable()
 * with Starttls_REQUIRED, a certificate policy in event_cb(), and
 * smtp_auth_set_context() from <auth-client.h>.  For now the relay is
 * local and spoken to in clear. */
static int session_security(smtp_session_t s, const struct smtp_relay *relay,
			    struct buf *err)
{
	(void)relay;
	(void)err;
	return smtp_starttls_enable(s, Starttls_DISABLED) ? 0 : -1;
}

/* The per-step timeout in seconds: the relay's, within reason. */
static int timeout_sec(const struct smtp_relay *relay)
{
	if (relay->timeout <= 0)
		return DEFAULT_TIMEOUT;
	return relay->timeout > 86400 ? 86400 : relay->timeout;
}

static int set_timeouts(smtp_session_t s, const struct smtp_relay *relay)
{
	static const int which[] = { Timeout_GREETING, Timeout_ENVELOPE,
				     Timeout_DATA, Timeout_TRANSFER,
				     Timeout_DATA2 };
	long ms = timeout_sec(relay) * 1000L;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(which); i++)
		if (!smtp_set_timeout(s, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
				      ms))
			return -1;
	return 0;
}

static int resolve_relay(const struct smtp_relay *relay, struct addrinfo **ai,
			 struct buf *err)
{
	struct addrinfo hints;
	char port[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", relay->port);
	rc = getaddrinfo(relay->host, port, &hints, ai);
	if (rc != 0) {
		buf_printf(err, "relay %s:%d: %s", relay->host, relay->port,
			   rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		*ai = NULL;
		return -1;
	}
	return 0;
}

static int check_args(const struct smtp_relay *relay, const char *mail_from,
		      size_t n, struct buf *err)
{
	if (!relay->host || !*relay->host || strlen(relay->host) > 253 ||
	    strchr(relay->host, ':') || relay->port < 1 ||
	    relay->port > 65535) {
		/* libesmtp splits "host:port" at the first colon, so an IPv6
		 * literal cannot be given; use a name for it. */
		buf_printf(err, "relay \"%s\" port %d: not a usable host and port",
			   relay->host ? relay->host : "", relay->port);
		return -1;
	}
	if (relay->helo && !helo_ok(relay->helo)) {
		buf_printf(err, "relay %s:%d: bad helo name \"%s\"", relay->host,
			   relay->port, relay->helo);
		return -1;
	}
	if (!mail_from || (*mail_from && !addr_ok(mail_from))) {
		buf_printf(err, "relay %s:%d: bad sender address", relay->host,
			   relay->port);
		return -1;
	}
	if (n == 0) {
		buf_printf(err, "relay %s:%d: no recipients", relay->host,
			   relay->port);
		return -1;
	}
	return 0;
}

static smtp_session_t session_new(const struct smtp_relay *relay,
				  struct send_ctx *c, struct buf *err)
{
	smtp_session_t s = smtp_create_session();
	char hostport[300];

	if (!s)
		die("out of memory (libesmtp session)");
	snprintf(hostport, sizeof(hostport), "%s:%d", relay->host, relay->port);
	if (!smtp_set_server(s, hostport) ||
	    (relay->helo && !smtp_set_hostname(s, relay->helo)) ||
	    set_timeouts(s, relay) < 0 ||
	    !smtp_set_eventcb(s, event_cb, c) ||
	    !smtp_set_monitorcb(s, monitor_cb, c, 0) ||
	    session_security(s, relay, err) < 0) {
		if (!err->len)
			buf_printf(err, "relay %s: cannot set up libesmtp session",
				   hostport);
		smtp_destroy_session(s);
		return NULL;
	}
	return s;
}

/* Adds the message and its recipients; a recipient whose address we would
 * not put on the wire gets 553 at once and is left out (rcpt[i] NULL). */
static smtp_message_t message_new(smtp_session_t s, struct send_ctx *c,
				  const char *mail_from,
				  const char *const *rcpts, size_t n,
				  smtp_recipient_t *rcpt,
				  struct smtp_rcpt_status *status)
{
	smtp_message_t m = smtp_add_message(s);
	size_t i;

	if (!m || !smtp_set_reverse_path(m, mail_from) ||
	    !smtp_set_messagecb(m, msg_cb, c))
		die("out of memory (libesmtp message)");
	for (i = 0; i < n; i++) {
		rcpt[i] = NULL;
		if (!rcpts[i] || !*rcpts[i] || !addr_ok(rcpts[i])) {
			status[i].code = 553;
			snprintf(status[i].text, sizeof(status[i].text),
				 "5.1.3 address refused by confer: not sendable");
			continue;
		}
		rcpt[i] = smtp_add_recipient(m, rcpts[i]);
		if (!rcpt[i])
			die("out of memory (libesmtp recipient)");
	}
	return m;
}

/* ---- reading the outcome --------------------------------------------- */

static void status_set(struct smtp_rcpt_status *st, const smtp_status_t *s)
{
	const char *t = s->text ? s->text : "";
	size_t len = strlen(t);
	int off = 0;

	while (len > 0 && strchr(" \t\r\n", t[len - 1]))
		len--;
	st->code = s->code;
	if (s->enh_class > 0)
		off = snprintf(st->text, sizeof(st->text), "%d.%d.%d ",
			       s->enh_class, s->enh_subject, s->enh_detail);
	if (off < 0 || (size_t)off >= sizeof(st->text))
		off = 0;
	snprintf(st->text + off, sizeof(st->text) - (size_t)off, "%.*s",
		 (int)(len > INT_MAX ? INT_MAX : len), t);
}

/* A reply is final only if it is 2xx, 4xx or 5xx; anything else (no reply,
 * a 354 left over from a connection lost during DATA) counts as none. */
static int final_code(int code)
{
	return code >= 200 && code < 600 && code / 100 != 3;
}

static void status_none(struct smtp_rcpt_status *st)
{
	st->code = 0;
	snprintf(st->text, sizeof(st->text),
		 "no answer: connection lost or timed out");
}

static void collect(smtp_message_t m, smtp_recipient_t *rcpt, size_t n,
		    struct smtp_rcpt_status *status)
{
	const smtp_status_t *data = smtp_message_transfer_status(m);
	size_t i;

	for (i = 0; i < n; i++) {
		const smtp_status_t *rs;

		if (!rcpt[i])
			continue;  /* refused before sending */
		rs = smtp_recipient_status(rcpt[i]);
		if (!final_code(rs->code))
			status_none(&status[i]);
		else if (rs->code / 100 != 2)
			status_set(&status[i], rs);
		else if (!final_code(data->code))
			status_none(&status[i]);
		else
			status_set(&status[i], data);
	}
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Says why no transaction could be had. */
static void explain_failure(const struct smtp_relay *relay,
			    const struct send_ctx *c, smtp_message_t m, double elapsed, struct buf *err)
{
	const smtp_status_t *mail = smtp_reverse_path_status(m);
	int timeout = timeout_sec(relay);
	char why[200];

	buf_printf(err, "relay %s:%d: ", relay->host, relay->port);
	if (!c->connected) {
		/* connect() or the lookup failed: libesmtp's error is fresh */
		smtp_strerror(smtp_errno(), why, sizeof(why));
		if (why[0] >= 'A' && why[0] <= 'Z')
			why[0] = (char)(why[0] - 'A' + 'a');
		buf_adds(err, why);
	} else if (final_code(mail->code)) {
		buf_printf(err, "sender refused: %d %s", mail->code,
			   mail->text ? mail->text : "");
		buf_rtrim(err);
	} else if (c->bad_reply[0]) {
		buf_printf(err, "session refused: %s", c->bad_reply);
	} else if (elapsed + 0.5 >= timeout) {
		buf_printf(err, "timed out after %d s", timeout);
	} else {
		buf_adds(err, "connection dropped before the transaction");
	}
}

/* Runs the session for the message already set up in s.  Returns 0 or -1
 * as smtp_send() does. */
static int run_session(const struct smtp_relay *relay, struct send_ctx *c,
		       smtp_session_t s, smtp_message_t m,
		       smtp_recipient_t *rcpt, size_t n,
		       struct smtp_rcpt_status *status, struct buf *err)
{
	struct sigpipe_guard guard;
	const smtp_status_t *mail;
	double t0 = now_sec();
	int started;

	sigpipe_block(&guard);
	started = smtp_start_session(s);
	sigpipe_restore(&guard);

	mail = smtp_reverse_path_status(m);
	if (started && mail->code >= 200 && mail->code < 300) {
		collect(m, rcpt, n, status);
		return 0;
	}
	explain_failure(relay, c, m, now_sec() - t0, err);
	return -1;
}

int smtp_send(const struct smtp_relay *relay, const char *mail_from,
	      const char *const *rcpts, size_t n, const char *msg,
	      size_t len, struct smtp_rcpt_status *status, struct buf *err)
{
	struct send_ctx c;
	struct buf canon = BUF_INIT;
	smtp_session_t s;
	smtp_message_t m;
	smtp_recipient_t *rcpt;
	size_t i, sendable = 0;
	int rc = -1;

	for (i = 0; i < n; i++) {
		status[i].code = 0;
		status[i].text[0] = '\0';
	}
	if (check_args(relay, mail_from, n, err) < 0)
		return -1;

	memset(&c, 0, sizeof(c));
	c.msg = msg;
	c.len = len;
	if (has_bare_eol(msg, len)) {
		canon_crlf(msg, len, &canon);
		c.msg = canon.data;
		c.len = canon.len;
	}
	if (resolve_relay(relay, &c.relay_ai, err) < 0)
		goto out;
	s = session_new(relay, &c, err);
	if (!s)
		goto out;
	rcpt = xreallocarray(NULL, n, sizeof(*rcpt));
	m = message_new(s, &c, mail_from, rcpts, n, rcpt, status);
	for (i = 0; i < n; i++)
		sendable += rcpt[i] != NULL;
	/* With no address we could send, there is nothing to ask the relay;
	 * every recipient already has its 553. */
	rc = sendable ? run_session(relay, &c, s, m, rcpt, n, status, err) : 0;
	free(rcpt);
	smtp_destroy_session(s);
out:
	if (rc < 0)
		for (i = 0; i < n; i++)
			status[i].code = 0;
	if (c.relay_ai)
		freeaddrinfo(c.relay_ai);
	buf_release(&canon);
	return rc;
}
