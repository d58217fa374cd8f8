/* test_store_batch.c: bulk writing of originals, in the caller's thread
 * and by the writing thread: every file written with its bytes, the queue
 * bound, a failed write reported before the commit and sticky. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "archive/store.h"
#include "core/fsutil.h"
#include "core/site.h"
#include "core/util.h"

/* more than the thread's queue holds, so that the producer waits */
#define MANY 5000

static char dir[] = "/tmp/confer-test-store-XXXXXX";

static void message(int i, struct buf *msg)
{
	buf_reset(msg);
	buf_printf(msg, "Message-ID: <%d@x.org>\r\n\r\nbody %d\r\n", i, i);
	if (i % 7 == 0)		/* some bigger than a page */
		while (msg->len < 9000)
			buf_adds(msg, "more text in a longer message\r\n");
}

static void rel_path(const char *top, int i, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/list/20%02d-01/m%05d.eml", top, i / 1000, i);
}

static void write_many(const char *top, int async)
{
	struct site site;
	struct stored_msg sm;
	struct buf msg = BUF_INIT, got = BUF_INIT, p = BUF_INIT;
	int i;

	memset(&site, 0, sizeof(site));
	site.store_dir = dir;
	if (async)
		assert_int_equal(store_batch_async_start(), 0);
	for (i = 0; i < MANY; i++) {
		stored_msg_init(&sm);
		rel_path(top, i, &sm.path);
		message(i, &msg);
		assert_int_equal(store_write_batch(&site, &sm, msg.data,
						   msg.len), 0);
		stored_msg_release(&sm);
		if (i == MANY / 2)	/* a commit half-way */
			assert_int_equal(store_sync(&site), 0);
	}
	assert_int_equal(store_sync(&site), 0);
	assert_int_equal(store_batch_async_stop(), 0);
	for (i = 0; i < MANY; i++) {
		rel_path(top, i, &got);
		buf_reset(&p);
		path_join(&p, dir, got.data);
		message(i, &msg);
		buf_reset(&got);
		assert_int_equal(read_file(p.data, 1 << 20, &got), 0);
		assert_int_equal(got.len, msg.len);
		assert_memory_equal(got.data, msg.data, msg.len);
	}
	buf_release(&msg);
	buf_release(&got);
	buf_release(&p);
}

static void caller_thread(void **state)
{
	(void)state;
	write_many("serial", 0);
}

static void writing_thread(void **state)
{
	(void)state;
	write_many("async", 1);
}

/* A file where a month's folder goes: the store_sync before the commit
 * fails, later writes are refused, and what came before was written. */
static void failed_write(void **state)
{
	struct site site;
	struct stored_msg sm;
	struct buf p = BUF_INIT;
	const char *msg = "Subject: x\r\n\r\nbody\r\n";
	struct stat sb;
	int i, rc = 0;

	(void)state;
	memset(&site, 0, sizeof(site));
	site.store_dir = dir;
	path_join(&p, dir, "fail/list/2001-01");
	assert_int_equal(mkdir_p(p.data, 0700), 0);
	assert_int_equal(rmdir(p.data), 0);
	assert_int_equal(write_file_if_changed(p.data, "x", 1), 1);
	assert_int_equal(store_batch_async_start(), 0);
	stored_msg_init(&sm);
	for (i = 0; i < 3000 && rc == 0; i++) {
		buf_reset(&sm.path);
		buf_printf(&sm.path, "fail/list/%s/m%d.eml",
			   i < 1000 ? "2000-01" : "2001-01", i);
		rc = store_write_batch(&site, &sm, msg, strlen(msg));
	}
	/* refused at once, or when the queue next had to wait */
	assert_int_equal(store_sync(&site), -1);
	assert_int_equal(store_write_batch(&site, &sm, msg, strlen(msg)), -1);
	assert_int_equal(store_batch_async_stop(), -1);
	stored_msg_release(&sm);
	buf_reset(&p);
	path_join(&p, dir, "fail/list/2000-01/m999.eml");
	assert_int_equal(stat(p.data, &sb), 0);
	/* stopped, a new batch writes in the caller's thread again */
	stored_msg_init(&sm);
	buf_adds(&sm.path, "fail/list/2002-01/again.eml");
	assert_int_equal(store_write_batch(&site, &sm, msg, strlen(msg)), 0);
	assert_int_equal(store_sync(&site), 0);
	stored_msg_release(&sm);
	buf_release(&p);
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
		cmocka_unit_test(caller_thread),
		cmocka_unit_test(writing_thread),
		cmocka_unit_test(failed_write),
	};
	int rc;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	teardown(NULL);
	return rc;
}
