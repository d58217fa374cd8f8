/* test_smtp.c: smtp_send() against a real SMTP server (tests/tools/smtpd.py
 * on loopback), a closed port, a relay that never answers and a relay that
 * hangs up in the middle of DATA. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "delivery/smtp.h"
#include "core/util.h"

#define PYTHON "/usr/bin/python3"

/* ---- the test server -------------------------------------------------- */

struct smtpd {
	pid_t pid;
	int port;
	char dir[64];
};

static const char *srcdir(void)
{
	const char *d = getenv("CONFER_SRCDIR");

	return d && *d ? d : ".";
}

/* Starts smtpd.py with extra arguments (NULL-terminated) and reads the
 * port it prints. */
static void smtpd_start(struct smtpd *s, ...)
{
	const char *argv[16];
	struct buf script = BUF_INIT;
	char line[32];
	int fds[2], n = 0;
	long port;
	va_list ap;
	FILE *f;

	snprintf(s->dir, sizeof(s->dir), "/tmp/confer-smtp-XXXXXX");
	if (!mkdtemp(s->dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	buf_printf(&script, "%s/tests/tools/smtpd.py", srcdir());
	argv[n++] = PYTHON;
	argv[n++] = script.data;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--outdir";
	argv[n++] = s->dir;
	va_start(ap, s);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;

	assert_int_equal(pipe(fds), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	assert_non_null(f);
	if (fgets(line, sizeof(line), f))
		line[strcspn(line, "\n")] = '\0';
	else
		line[0] = '\0';
	if (parse_long(line, 1, 65535, &port) < 0)
		fail_msg("smtpd.py did not print its port (is %s right?)",
			 script.data);
	fclose(f);
	s->port = (int)port;
	buf_release(&script);
}

static void rm_tree(const char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		buf_reset(&path);
		path_join(&path, dir, e->d_name);
		unlink(path.data);
	}
	closedir(d);
	rmdir(dir);
	buf_release(&path);
}

static void smtpd_stop(struct smtpd *s)
{
	int st;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	rm_tree(s->dir);
}

static int count_deliveries(const struct smtpd *s)
{
	struct dirent *e;
	DIR *d = opendir(s->dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l > 5 && e->d_name[0] != '.' &&
		    !strcmp(e->d_name + l - 5, ".json"))
			n++;
	}
	closedir(d);
	return n;
}

/* Reads delivery number seq (1-based): its raw .eml and its .json. */
static void read_delivery(const struct smtpd *s, int seq, struct buf *eml,
			  struct buf *json)
{
	struct buf path = BUF_INIT;

	buf_printf(&path, "%s/%06d.eml", s->dir, seq);
	if (read_file(path.data, 64u << 20, eml) < 0)
		fail_msg("no delivery %s", path.data);
	buf_reset(&path);
	buf_printf(&path, "%s/%06d.json", s->dir, seq);
	if (read_file(path.data, 1u << 20, json) < 0)
		fail_msg("no delivery %s", path.data);
	buf_release(&path);
}

/* ---- helpers around smtp_send ------------------------------------------- */

static struct smtpd server;  /* the normal server: 550 for bad@, 450 for later@ */

static struct smtp_relay relay_at(int port, int timeout)
{
	struct smtp_relay r = { "127.0.0.1", port, "confer.test", timeout };
	return r;
}

static const char MSG[] =
	"Date: Tue, 2 Dec 2025 10:00:00 +0000\r\n"
	"From: Alice <alice@example.org>\r\n"
	"To: list@example.org\r\n"
	"Message-ID: <m1@example.org>\r\n"
	"Subject: hello\r\n"
	"\r\n"
	"Hi all,\r\n"
	"\r\n"
	"see you.\r\n";

/* Sends msg to rcpts and checks the server stored it unchanged as the next
 * delivery, with this envelope. */
static void send_and_check(const char *from, const char *const *rcpts,
			   size_t n, const char *msg, size_t len,
			   const char *want_json)
{
	struct smtp_relay r = relay_at(server.port, 10);
	struct smtp_rcpt_status st[8];
	struct buf err = BUF_INIT, eml = BUF_INIT, json = BUF_INIT;
	int before = count_deliveries(&server);
	size_t i;

	assert_true(n <= 8);
	if (smtp_send(&r, from, rcpts, n, msg, len, st, &err) != 0)
		fail_msg("smtp_send: %s", err.data);
	for (i = 0; i < n; i++)
		assert_int_equal(st[i].code, 250);
	assert_int_equal(count_deliveries(&server), before + 1);
	read_delivery(&server, before + 1, &eml, &json);
	assert_int_equal(eml.len, len);
	assert_memory_equal(eml.data, msg, len);
	if (!strstr(json.data, want_json))
		fail_msg("envelope %s lacks %s", json.data, want_json);
	buf_release(&err);
	buf_release(&eml);
	buf_release(&json);
}

/* ---- tests -------------------------------------------------------------- */

static void test_three_recipients(void **state)
{
	const char *rcpts[] = { "a@example.net", "b@example.net",
				"c@example.com" };

	(void)state;
	send_and_check("list-bounces@example.org", rcpts, 3, MSG,
		       strlen(MSG),
		       "{\"mail_from\": \"list-bounces@example.org\", "
		       "\"rcpt_tos\": [\"a@example.net\", \"b@example.net\", "
		       "\"c@example.com\"]");
}

/* Lines starting with '.', including lines that are only "." and would end
 * DATA early if they were not dot-stuffed. */
static void test_dot_lines(void **state)
{
	static const char msg[] =
		"Date: Tue, 2 Dec 2025 10:00:00 +0000\r\n"
		"From: alice@example.org\r\n"
		"Message-ID: <dots@example.org>\r\n"
		"Subject: dots\r\n"
		"\r\n"
		".leading dot\r\n"
		"..two dots\r\n"
		".\r\n"
		"after the lone dot\r\n"
		".\r\n";
	const char *rcpts[] = { "a@example.net" };

	(void)state;
	send_and_check("alice@example.org", rcpts, 1, msg, strlen(msg),
		       "\"rcpt_tos\": [\"a@example.net\"]");
}

static void test_null_sender(void **state)
{
	const char *rcpts[] = { "owner@example.org", "b@example.net" };

	(void)state;
	send_and_check("", rcpts, 2, MSG, strlen(MSG),
		       "{\"mail_from\": \"\", \"rcpt_tos\": "
		       "[\"owner@example.org\", \"b@example.net\"]");
}

/* A message over 1 MiB, given to libesmtp in several pieces. */
static void test_large_message(void **state)
{
	struct buf msg = BUF_INIT;
	const char *rcpts[] = { "a@example.net" };
	int i;

	(void)state;
	buf_adds(&msg, MSG);
	for (i = 0; i < 40000; i++)
		buf_printf(&msg, "%s line %05d of a long body, %s\r\n",
			   i % 7 ? "" : ".", i, "padding padding padding");
	send_and_check("alice@example.org", rcpts, 1, msg.data, msg.len,
		       "\"rcpt_tos\": [\"a@example.net\"]");
	buf_release(&msg);
}

static void test_per_recipient_codes(void **state)
{
	const char *rcpts[] = { "ok1@example.net", "bad@example.net",
				"ok2@example.net", "later@example.net",
				"x\r\nRCPT TO:<evil@example.net>" };
	struct smtp_relay r = relay_at(server.port, 10);
	struct smtp_rcpt_status st[5];
	struct buf err = BUF_INIT, eml = BUF_INIT, json = BUF_INIT;
	int before = count_deliveries(&server);

	(void)state;
	assert_int_equal(smtp_send(&r, "alice@example.org", rcpts, 5, MSG,
				   strlen(MSG), st, &err), 0);
	assert_int_equal(st[0].code, 250);
	assert_int_equal(st[1].code, 550);
	assert_non_null(strstr(st[1].text, "5.1.1"));
	assert_int_equal(st[2].code, 250);
	assert_int_equal(st[3].code, 450);
	assert_int_equal(st[4].code, 553);  /* refused before sending */
	assert_int_equal(count_deliveries(&server), before + 1);
	read_delivery(&server, before + 1, &eml, &json);
	assert_memory_equal(eml.data, MSG, strlen(MSG));
	if (!strstr(json.data, "\"rcpt_tos\": [\"ok1@example.net\", "
			       "\"ok2@example.net\"]"))
		fail_msg("envelope: %s", json.data);
	buf_release(&err);
	buf_release(&eml);
	buf_release(&json);
}

/* Bare LF and bare CR are sent as CRLF, so that no relay can read a line
 * end where we did not dot-stuff (SMTP smuggling). */
static void test_bare_line_ends(void **state)
{
	static const char in[] =
		"From: a@example.org\r\nDate: Tue, 2 Dec 2025 10:00:00 +0000\r\n"
		"Message-ID: <lf@example.org>\r\n\r\nx\n.\nQUIT\ry\r\n";
	static const char want[] =
		"From: a@example.org\r\nDate: Tue, 2 Dec 2025 10:00:00 +0000\r\n"
		"Message-ID: <lf@example.org>\r\n\r\nx\r\n.\r\nQUIT\r\ny\r\n";
	const char *rcpts[] = { "a@example.net" };
	struct smtp_relay r = relay_at(server.port, 10);
	struct smtp_rcpt_status st[1];
	struct buf err = BUF_INIT, eml = BUF_INIT, json = BUF_INIT;
	int before = count_deliveries(&server);

	(void)state;
	assert_int_equal(smtp_send(&r, "a@example.org", rcpts, 1, in,
				   strlen(in), st, &err), 0);
	assert_int_equal(st[0].code, 250);
	read_delivery(&server, before + 1, &eml, &json);
	assert_string_equal(eml.data, want);
	buf_release(&err);
	buf_release(&eml);
	buf_release(&json);
}

/* What libesmtp does to an incomplete header block (documented in
 * smtp.h); this pins it so that a libesmtp upgrade that changes it shows. */
static void test_header_edits_by_libesmtp(void **state)
{
	static const char in[] =
		"Return-Path: <x@example.org>\r\n"
		"To: a@example.net\r\n"
		"To: b@example.net\r\n"
		"Subject: no date, no from, no id\r\n"
		"\r\n"
		"body\r\n";
	const char *rcpts[] = { "a@example.net" };
	struct smtp_relay r = relay_at(server.port, 10);
	struct smtp_rcpt_status st[1];
	struct buf err = BUF_INIT, eml = BUF_INIT, json = BUF_INIT;
	int before = count_deliveries(&server);

	(void)state;
	assert_int_equal(smtp_send(&r, "bounce@example.org", rcpts, 1, in,
				   strlen(in), st, &err), 0);
	read_delivery(&server, before + 1, &eml, &json);
	assert_null(strstr(eml.data, "Return-Path:"));
	assert_null(strstr(eml.data, "b@example.net"));
	assert_non_null(strstr(eml.data, "\r\nDate: "));
	assert_non_null(strstr(eml.data, "\r\nFrom: bounce@example.org\r\n"));
	assert_non_null(strstr(eml.data, "\r\nMessage-Id: <"));
	assert_non_null(strstr(eml.data, ">\r\n\r\nbody\r\n"));
	buf_release(&err);
	buf_release(&eml);
	buf_release(&json);
}

/* A port nobody listens on. */
static int closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void expect_failure(int port, int timeout, const char *want_err)
{
	const char *rcpts[] = { "a@example.net", "b@example.net" };
	struct smtp_relay r = relay_at(port, timeout);
	struct smtp_rcpt_status st[2];
	struct buf err = BUF_INIT, want = BUF_INIT;

	st[0].code = st[1].code = 999;
	assert_int_equal(smtp_send(&r, "a@example.org", rcpts, 2, MSG,
				   strlen(MSG), st, &err), -1);
	assert_int_equal(st[0].code, 0);
	assert_int_equal(st[1].code, 0);
	buf_printf(&want, "relay 127.0.0.1:%d: %s", port, want_err);
	assert_string_equal(err.data, want.data);
	buf_release(&err);
	buf_release(&want);
}

static void test_connection_refused(void **state)
{
	(void)state;
	expect_failure(closed_port(), 10, "connection refused");
}

/* The kernel completes the connection in the backlog, but nobody greets. */
static void test_timeout(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	expect_failure(ntohs(sa.sin_port), 1, "timed out after 1 s");
	close(fd);
}

static void test_bad_arguments(void **state)
{
	const char *rcpts[] = { "a@example.net" };
	struct smtp_relay r = relay_at(server.port, 10);
	struct smtp_rcpt_status st[1];
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(smtp_send(&r, "a b@example.org", rcpts, 1, MSG,
				   strlen(MSG), st, &err), -1);
	assert_non_null(strstr(err.data, "bad sender"));
	buf_reset(&err);
	assert_int_equal(smtp_send(&r, "a@example.org", rcpts, 0, MSG,
				   strlen(MSG), st, &err), -1);
	buf_reset(&err);
	r.host = "::1";
	assert_int_equal(smtp_send(&r, "a@example.org", rcpts, 1, MSG,
				   strlen(MSG), st, &err), -1);
	assert_int_equal(st[0].code, 0);
	buf_release(&err);
}

static void test_tempfail_all(void **state)
{
	const char *rcpts[] = { "a@example.net", "b@example.net" };
	struct smtpd tf;
	struct smtp_relay r;
	struct smtp_rcpt_status st[2];
	struct buf err = BUF_INIT;

	(void)state;
	smtpd_start(&tf, "--tempfail-all", (const char *)NULL);
	r = relay_at(tf.port, 10);
	assert_int_equal(smtp_send(&r, "a@example.org", rcpts, 2, MSG,
				   strlen(MSG), st, &err), 0);
	assert_int_equal(st[0].code, 451);
	assert_int_equal(st[1].code, 451);
	assert_int_equal(count_deliveries(&tf), 0);
	smtpd_stop(&tf);
	buf_release(&err);
}

/* A relay that answers 354 to DATA and hangs up: our writes then hit a
 * closed socket.  SIGPIPE must not kill us; the recipient has no answer. */
static void fake_relay_serve(int lfd)
{
	static const char *const replies[][2] = {
		{ "EHLO", "250 fake\r\n" }, { "MAIL", "250 ok\r\n" },
		{ "RCPT", "250 ok\r\n" }, { "DATA", "354 go\r\n" },
	};
	char line[512];
	size_t n = 0, i;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0 || write(fd, "220 fake\r\n", 10) != 10)
		_exit(1);
	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1) {
		if (line[n++] != '\n')
			continue;
		line[n] = '\0';
		n = 0;
		for (i = 0; i < ARRAY_SIZE(replies); i++)
			if (!strncmp(line, replies[i][0], 4) &&
			    write(fd, replies[i][1], strlen(replies[i][1])) < 0)
				_exit(1);
		if (!strncmp(line, "DATA", 4))
			break;
	}
	close(fd);
	_exit(0);
}

static void test_hangup_during_data(void **state)
{
	const char *rcpts[] = { "a@example.net" };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct smtp_relay r;
	struct smtp_rcpt_status st[1];
	struct buf err = BUF_INIT, msg = BUF_INIT;
	int fd = socket(AF_INET, SOCK_STREAM, 0), i, rc, wst;
	pid_t pid;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		fake_relay_serve(fd);
	close(fd);

	buf_adds(&msg, MSG);
	for (i = 0; i < 100000; i++)
		buf_adds(&msg, "a long body that the relay will never read\r\n");
	r = relay_at(ntohs(sa.sin_port), 5);
	rc = smtp_send(&r, "a@example.org", rcpts, 1, msg.data, msg.len, st,
		       &err);
	assert_int_equal(rc, 0);
	assert_int_equal(st[0].code, 0);
	waitpid(pid, &wst, 0);
	buf_release(&err);
	buf_release(&msg);
}

static int group_setup(void **state)
{
	(void)state;
	smtpd_start(&server, "--reject", "^bad@=550", "--reject",
		    "^later@=450", (const char *)NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	smtpd_stop(&server);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_recipients),
		cmocka_unit_test(test_dot_lines),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_large_message),
		cmocka_unit_test(test_per_recipient_codes),
		cmocka_unit_test(test_bare_line_ends),
		cmocka_unit_test(test_header_edits_by_libesmtp),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_tempfail_all),
		cmocka_unit_test(test_hangup_during_data),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
