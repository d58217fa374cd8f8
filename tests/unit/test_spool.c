/* test_spool.c: spool file format, durable and streamed writes, line
 * ends, mbox dates. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/fsutil.h"
#include "core/util.h"
#include "intake/spool.h"

static char dir[] = "/tmp/confer-test-spool-XXXXXX";

static int count_files(const char *sub)
{
	struct buf p = BUF_INIT;
	DIR *d;
	struct dirent *e;
	int n = 0;

	path_join(&p, dir, sub);
	d = opendir(p.data);
	buf_release(&p);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void write_and_read(void **state)
{
	const char *rcpts[] = { "network@lists.example.org",
				"health@lists.example.org" };
	const char *msg = "From: a@b.org\r\nSubject: hi\r\n\r\nbody\r\n";
	struct buf name = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	struct spool_entry e;

	(void)state;
	assert_int_equal(spool_init(dir), 0);
	assert_int_equal(spool_write(dir, "a@b.org", rcpts, 2, 1700000000,
				     "pipe", msg, strlen(msg), &name), 0);
	assert_int_equal(count_files("incoming/new"), 1);
	assert_int_equal(count_files("incoming/tmp"), 0);
	path_join(&path, dir, "incoming/new");
	path_join(&path, "", name.data);
	assert_int_equal(spool_read(path.data, 1 << 20, &e, &err), 0);
	assert_string_equal(e.sender, "a@b.org");
	assert_int_equal(e.nrcpts, 2);
	assert_string_equal(e.rcpts[1], "health@lists.example.org");
	assert_int_equal(e.received, 1700000000);
	assert_int_equal(e.msg_len, strlen(msg));
	assert_memory_equal(e.msg, msg, e.msg_len);
	spool_entry_release(&e);
	unlink(path.data);
	buf_release(&name);
	buf_release(&path);
	buf_release(&err);
}

static void null_sender_and_bad_envelope(void **state)
{
	const char *rcpts[] = { "x@y.org" }, *bad[] = { "x@y.org\nsender evil" };
	struct buf name = BUF_INIT, path = BUF_INIT, err = BUF_INIT;
	struct spool_entry e;

	(void)state;
	assert_int_equal(spool_write(dir, "", rcpts, 1, 1, "pipe", "A: b\r\n\r\n",
				     8, &name), 0);
	path_join(&path, dir, "incoming/new");
	path_join(&path, "", name.data);
	assert_int_equal(spool_read(path.data, 1 << 20, &e, &err), 0);
	assert_string_equal(e.sender, "");
	spool_entry_release(&e);
	unlink(path.data);
	assert_int_equal(spool_write(dir, "", bad, 1, 1, "pipe", "A: b\r\n", 6,
				     NULL), -1);
	assert_int_equal(count_files("incoming/new"), 0);
	assert_int_equal(count_files("incoming/tmp"), 0);
	buf_release(&name);
	buf_release(&path);
	buf_release(&err);
}

static void not_a_spool_file(void **state)
{
	struct buf path = BUF_INIT, err = BUF_INIT;
	struct spool_entry e;

	(void)state;
	path_join(&path, dir, "junk");
	assert_int_equal(write_file_durable(path.data, NULL, "hello", 5, 0600), 0);
	assert_int_equal(spool_read(path.data, 1 << 20, &e, &err), -1);
	assert_non_null(strstr(err.data, "not a confer spool file"));
	spool_entry_release(&e);
	unlink(path.data);
	buf_release(&path);
	buf_release(&err);
}

static void line_ends(void **state)
{
	struct buf out = BUF_INIT;
	time_t when;
	const char *a = "A: 1\nB: 2\r\rC: 3\r\n\nx";
	const char *b = "From a@b Mon Nov  2 09:15:00 2026\nA: 1\n";

	(void)state;
	mail_canonicalize(a, strlen(a), &out, &when);
	assert_string_equal(out.data, "A: 1\r\nB: 2\r\n\r\nC: 3\r\n\r\nx\r\n");
	assert_int_equal(when, -1);
	buf_reset(&out);
	mail_canonicalize(b, strlen(b), &out, &when);
	assert_string_equal(out.data, "A: 1\r\n");
	assert_int_equal(when, 1793610900);
	buf_release(&out);
}

static void header_check(void **state)
{
	const char *why;

	(void)state;
	assert_true(mail_has_header("Subject: x\r\n\r\n", 14, &why));
	assert_false(mail_has_header("", 0, &why));
	assert_false(mail_has_header("hello world\r\n", 13, &why));
	assert_false(mail_has_header(": x\r\n", 5, &why));
	assert_false(mail_has_header("\r\nbody", 6, &why));
	assert_true(mail_has_header("Subject : old style\r\n", 21, &why));
	assert_false(mail_has_header("Sub ject: x\r\n", 13, &why));
}

static void byte_order_mark(void **state)
{
	struct buf out = BUF_INIT;
	const char *in = "\xef\xbb\xbf" "From: a@b.org\n\nx\n";

	(void)state;
	mail_canonicalize(in, strlen(in), &out, NULL);
	assert_string_equal(out.data, "From: a@b.org\r\n\r\nx\r\n");
	buf_release(&out);
}

static void mbox_dates(void **state)
{
	const char *l = "From MAILER-DAEMON Thu Jan  1 00:00:10 1970";

	(void)state;
	assert_int_equal(mbox_from_date(l, strlen(l)), 10);
	assert_int_equal(mbox_from_date("From x", 6), -1);
	/* dates no list can have received mail on, or out of range */
	static const char *bad[] = {
		"From x Mon Jan  1 00:00:00 10000",
		"From x Tue Jan  1 00:00:00 1901",
		"From x Wed Dec 31 23:59:59 1969",
		"From x Mon Jan  1 00:00:00 -001",
		"From x Mon Jan  1 00:00:00 0000",
		"From x Mon Jan 32 00:00:00 2020",
		"From x Mon Jan  1 25:00:00 2020",
		"From x Sat Feb 30 12:00:00 2019",   /* a day February lacks */
		"From x Thu Feb 29 12:00:00 2019",
		"From x Sat Jan  1 00:00:00 2100",   /* later than now */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mbox_from_date(bad[i], strlen(bad[i])), -1);
	l = "From x Thu Feb 29 12:00:00 2024";
	assert_int_equal(mbox_from_date(l, strlen(l)), 1709208000);
	/* a zone name before the year (read as UTC, as a line without) */
	l = "From x Thu Feb 29 12:00:00 PST 2024";
	assert_int_equal(mbox_from_date(l, strlen(l)), 1709208000);
	/* a sender so long that the date is past 255 bytes */
	{
		char longline[700];
		memset(longline, 'a', sizeof(longline));
		memcpy(longline, "From ", 5);
		l = " Thu Feb 29 12:00:00 2024";
		memcpy(longline + sizeof(longline) - strlen(l), l, strlen(l));
		assert_int_equal(mbox_from_date(longline, sizeof(longline)),
				 1709208000);
	}
	/* the latest date there can be is now */
	setenv("CONFER_NOW", "32503680000", 1);
	l = "From x Tue Dec 31 23:59:59 2999";
	assert_int_equal(mbox_from_date(l, strlen(l)), 32503679999LL);
	l = "From x Wed Jan  1 00:00:01 3000";
	assert_int_equal(mbox_from_date(l, strlen(l)), -1);
	unsetenv("CONFER_NOW");
}

static void stream_to(const char *path, const char *a, const char *b,
		      int want)
{
	struct stream_file f;

	assert_int_equal(stream_open(&f, path), 0);
	assert_int_equal(stream_write(&f, a, strlen(a)), 0);
	assert_int_equal(stream_write(&f, b, strlen(b)), 0);
	assert_int_equal(stream_close(&f), want);
}

/* A streamed file: written in place when new, left alone when the same,
 * replaced when different, never leaving a temporary file behind. */
static void stream_files(void **state)
{
	struct buf path = BUF_INIT, got = BUF_INIT;
	struct stream_file f;
	struct stat sb;
	struct dirent *e;
	DIR *d;
	ino_t ino;
	int n = 0;

	(void)state;
	path_join(&path, dir, "stream");
	assert_int_equal(mkdir(path.data, 0755), 0);
	buf_reset(&path);
	path_join(&path, dir, "stream/month.mbox");
	stream_to(path.data, "From a\n", "one\n", 1);
	assert_int_equal(read_file(path.data, 1 << 20, &got), 0);
	assert_string_equal(got.data, "From a\none\n");
	assert_int_equal(stat(path.data, &sb), 0);
	ino = sb.st_ino;
	stream_to(path.data, "From a\n", "one\n", 0);
	assert_int_equal(stat(path.data, &sb), 0);
	assert_true(sb.st_ino == ino);		/* not replaced */
	stream_to(path.data, "From a\n", "one", 1);
	buf_reset(&got);
	assert_int_equal(read_file(path.data, 1 << 20, &got), 0);
	assert_string_equal(got.data, "From a\none");
	stream_to(path.data, "From b\n", "two\n", 1);
	buf_reset(&got);
	assert_int_equal(read_file(path.data, 1 << 20, &got), 0);
	assert_string_equal(got.data, "From b\ntwo\n");
	/* count_files skips dot files: the temporary ones must be gone too */
	buf_reset(&path);
	path_join(&path, dir, "stream");
	d = opendir(path.data);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(n, 1);
	/* a folder that is not there: the failure shows at close */
	buf_reset(&path);
	path_join(&path, dir, "no/such/x.mbox");
	assert_int_equal(stream_open(&f, path.data), -1);
	assert_int_equal(stream_write(&f, "x", 1), -1);
	assert_int_equal(stream_close(&f), -1);
	assert_int_equal(errno, ENOENT);
	buf_release(&path);
	buf_release(&got);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(write_and_read),
		cmocka_unit_test(null_sender_and_bad_envelope),
		cmocka_unit_test(not_a_spool_file),
		cmocka_unit_test(line_ends),
		cmocka_unit_test(header_check),
		cmocka_unit_test(mbox_dates),
		cmocka_unit_test(byte_order_mark),
		cmocka_unit_test(stream_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
