/* store_batch.c: writing originals in bulk (mbox import): without an fsync
 * per file, made durable together before the commit that records them;
 * optionally by a background thread, so that the kernel's work of creating
 * the files overlaps the importing thread's database work. */
#define _GNU_SOURCE 1	/* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/store.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"

/* Files written by store_write_batch and not yet synced.  Few are synced
 * one by one; many at once by one syncfs, which costs about the same as a
 * few dozen fsyncs whatever their number. */
#define SYNC_ONE_BY_ONE 32

static struct {
	char **paths;
	size_t n, cap;
	char *dir;        /* the last folder made (by whoever writes) */
} pending;

/* The background writer's queue: bounded so that a writer slower than the
 * import holds at most this much of the mbox in memory. */
#define QUEUE_BYTES ((size_t)32 << 20)
#define QUEUE_ITEMS 4096

struct job {
	struct job *next;
	char *path;
	size_t len;
	char data[];
};

static struct {
	int running, stop;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, room, idle;
	struct job *head, *tail;
	size_t items, bytes;
	int busy;
	int failed;            /* sticky until store_batch_async_stop */
	char *error;           /* what failed, for the importing thread to log */
} q = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

/* 0 written, 1 exists already, -1 error (nothing left behind). */
static int create_new(const char *path, const char *msg, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	int saved;

	if (fd < 0)
		return errno == EEXIST ? 1 : -1;
	if (write_all(fd, msg, len) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(path);
	errno = saved;
	return -1;
}

/* Writes one original; *lastdir remembers the folder made last so that a
 * month's messages make it once.  Logs nothing (it may run in the
 * background thread): 0, or -1 with errno. */
static int write_original(const char *path, const char *msg, size_t len,
			  char **lastdir)
{
	struct buf dir = BUF_INIT;
	int rc = 0;

	buf_add(&dir, path, (size_t)(strrchr(path, '/') - path));
	if (!*lastdir || strcmp(*lastdir, dir.data)) {
		rc = mkdir_p(dir.data, 02775);
		free(*lastdir);
		*lastdir = rc == 0 ? xstrdup(dir.data) : NULL;
	}
	buf_release(&dir);
	/* a new file is written in place (a crash leaves it unrecorded, and
	 * the next import rewrites it); a file already there is replaced only
	 * when it differs (same name, same content: this message) */
	if (rc == 0 && (rc = create_new(path, msg, len)) == 1)
		rc = write_file_if_changed(path, msg, len) < 0 ? -1 :
		     chmod(path, 0640);
	return rc;
}

static void *writer_main(void *arg)
{
	struct job *j;
	char *lastdir = NULL;
	int rc, saved;

	(void)arg;
	pthread_mutex_lock(&q.mu);
	for (;;) {
		while (!q.head && !q.stop)
			pthread_cond_wait(&q.more, &q.mu);
		if (!q.head)
			break;
		j = q.head;
		q.head = j->next;
		if (!q.head)
			q.tail = NULL;
		q.busy = 1;
		rc = 0;
		if (!q.failed) {
			pthread_mutex_unlock(&q.mu);
			rc = write_original(j->path, j->data, j->len, &lastdir);
			saved = errno;
			pthread_mutex_lock(&q.mu);
		}
		if (rc < 0 && !q.failed) {
			struct buf e = BUF_INIT;

			buf_printf(&e, "store: cannot write \"%s\": %s",
				   j->path, strerror(saved));
			q.failed = 1;
			q.error = buf_detach(&e, NULL);
		}
		q.items--;
		q.bytes -= j->len;
		q.busy = 0;
		free(j->path);
		free(j);
		pthread_cond_signal(&q.room);
		if (!q.head)
			pthread_cond_broadcast(&q.idle);
	}
	pthread_mutex_unlock(&q.mu);
	free(lastdir);
	return NULL;
}

int store_batch_async_start(void)
{
	int err;

	if (q.running)
		return 0;
	q.stop = 0;
	q.failed = 0;
	err = pthread_create(&q.thread, NULL, writer_main, NULL);
	if (err) {
		/* not fatal: the originals are then written in this thread */
		log_warn("store: cannot start the writing thread: %s",
			 strerror(err));
		return -1;
	}
	q.running = 1;
	return 0;
}

/* Waits until every queued original is written; 0, or -1 when one could
 * not be (logged once). */
static int async_wait(void)
{
	int rc;

	pthread_mutex_lock(&q.mu);
	while (q.head || q.busy)
		pthread_cond_wait(&q.idle, &q.mu);
	rc = q.failed ? -1 : 0;
	if (q.error) {
		log_error("%s", q.error);
		free(q.error);
		q.error = NULL;
	}
	pthread_mutex_unlock(&q.mu);
	return rc;
}

int store_batch_async_stop(void)
{
	int rc;

	if (!q.running)
		return 0;
	rc = async_wait();
	pthread_mutex_lock(&q.mu);
	q.stop = 1;
	pthread_cond_signal(&q.more);
	pthread_mutex_unlock(&q.mu);
	pthread_join(q.thread, NULL);
	q.running = 0;
	q.failed = 0;
	return rc;
}

static int async_put(const char *path, const char *msg, size_t len)
{
	struct job *j = xmalloc(sizeof(*j) + (len ? len : 1));
	int failed;

	j->next = NULL;
	j->path = xstrdup(path);
	j->len = len;
	memcpy(j->data, msg, len);
	pthread_mutex_lock(&q.mu);
	while (!q.failed && q.items &&
	       (q.items >= QUEUE_ITEMS || q.bytes + len > QUEUE_BYTES))
		pthread_cond_wait(&q.room, &q.mu);
	failed = q.failed;
	if (!failed) {
		if (q.tail)
			q.tail->next = j;
		else
			q.head = j;
		q.tail = j;
		q.items++;
		q.bytes += len;
		pthread_cond_signal(&q.more);
	}
	pthread_mutex_unlock(&q.mu);
	if (failed) {
		/* the error itself is logged by store_sync */
		free(j->path);
		free(j);
		return -1;
	}
	return 0;
}

static void pending_add(const char *path)
{
	if (pending.n == pending.cap) {
		pending.cap = pending.cap ? pending.cap * 2 : 64;
		pending.paths = xreallocarray(pending.paths, pending.cap,
					      sizeof(*pending.paths));
	}
	pending.paths[pending.n++] = xstrdup(path);
}

static void pending_clear(void)
{
	size_t i;

	for (i = 0; i < pending.n; i++)
		free(pending.paths[i]);
	free(pending.paths);
	free(pending.dir);
	memset(&pending, 0, sizeof(pending));
}

int store_write_batch(const struct site *site, struct stored_msg *sm,
		      const char *msg, size_t len)
{
	struct buf path = BUF_INIT;
	int rc;

	path_join(&path, site->store_dir, sm->path.data);
	if (q.running) {
		rc = async_put(path.data, msg, len);
	} else {
		rc = write_original(path.data, msg, len, &pending.dir);
		if (rc < 0)
			log_error("store: cannot write \"%s\": %s", path.data,
				  strerror(errno));
	}
	if (rc == 0)
		pending_add(path.data);
	buf_release(&path);
	return rc;
}

static int sync_each(void)
{
	struct buf dir = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < pending.n; i++) {
		buf_reset(&dir);
		buf_add(&dir, pending.paths[i], (size_t)(strrchr(pending.paths[i],
			'/') - pending.paths[i]));
		if (fsync_path(pending.paths[i]) < 0 || fsync_dir(dir.data) < 0) {
			log_error("store: cannot sync \"%s\": %s",
				  pending.paths[i], strerror(errno));
			rc = -1;
		}
	}
	buf_release(&dir);
	return rc;
}

int store_sync(const struct site *site)
{
	int fd, rc;

	if (q.running && async_wait() < 0) {
		pending_clear();
		return -1;
	}
	if (pending.n <= SYNC_ONE_BY_ONE) {
		rc = sync_each();
		pending_clear();
		return rc;
	}
	pending_clear();
	fd = open(site->store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_error("store: cannot open \"%s\": %s", site->store_dir,
			  strerror(errno));
		return -1;
	}
	rc = syncfs(fd);
	if (rc < 0)
		log_error("store: cannot sync \"%s\": %s", site->store_dir,
			  strerror(errno));
	if (close(fd) < 0)
		rc = -1;
	return rc;
}
