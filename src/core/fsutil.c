/* fsutil.c: durable writes and file-system helpers (see fsutil.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/fsutil.h"
#include "core/util.h"

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void dir_of(const char *path, struct buf *out)
{
	const char *slash = strrchr(path, '/');

	buf_reset(out);
	if (!slash)
		buf_adds(out, ".");
	else if (slash == path)
		buf_adds(out, "/");
	else
		buf_add(out, path, (size_t)(slash - path));
}

int fsync_dir(const char *dir)
{
	return fsync_path(dir);
}

int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

static int write_tmp(const char *tmp, const void *data, size_t len,
		     mode_t mode, int sync)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
	int saved;

	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

static int publish(const char *tmp, const char *path, int sync)
{
	struct buf dir = BUF_INIT;
	int saved, rc = 0;

	if (rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (sync) {
		dir_of(path, &dir);
		rc = fsync_dir(dir.data);
		buf_release(&dir);
	}
	return rc;
}

static void tmp_name(struct buf *tmp, const char *path, const char *tmpdir)
{
	struct buf dir = BUF_INIT, name = BUF_INIT;

	unique_name(&name);
	if (tmpdir) {
		path_join(tmp, tmpdir, name.data);
	} else {
		dir_of(path, &dir);
		buf_printf(tmp, "%s/" TEMP_PREFIX "%s", dir.data, name.data);
	}
	buf_release(&dir);
	buf_release(&name);
}

int write_file_durable(const char *path, const char *tmpdir,
		       const void *data, size_t len, mode_t mode)
{
	struct buf tmp = BUF_INIT;
	int rc;

	tmp_name(&tmp, path, tmpdir);
	rc = write_tmp(tmp.data, data, len, mode, 1);
	if (rc == 0)
		rc = publish(tmp.data, path, 1);
	buf_release(&tmp);
	return rc;
}

static int same_content(const char *path, const void *data, size_t len)
{
	struct buf old = BUF_INIT;
	int same;

	same = read_file(path, len + 1, &old) == 0 && old.len == len &&
	       memcmp(old.data, data, len) == 0;
	buf_release(&old);
	return same;
}

int write_file_if_changed(const char *path, const void *data, size_t len)
{
	struct buf tmp = BUF_INIT;
	int rc;

	if (same_content(path, data, len))
		return 0;
	tmp_name(&tmp, path, NULL);
	rc = write_tmp(tmp.data, data, len, 0664, 0);
	if (rc == 0)
		rc = publish(tmp.data, path, 0);
	buf_release(&tmp);
	return rc < 0 ? -1 : 1;
}

#define STREAM_CHUNK ((size_t)1 << 18)

int stream_open(struct stream_file *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->path);
	buf_init(&f->tmp);
	buf_init(&f->pending);
	buf_adds(&f->path, path);
	f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0664);
	if (f->fd >= 0) {
		f->direct = 1;
		return 0;
	}
	if (errno != EEXIST)
		goto fail;
	tmp_name(&f->tmp, path, NULL);
	f->fd = open(f->tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0664);
	if (f->fd >= 0)
		return 0;
fail:
	f->failed = 1;
	f->saved_errno = errno;
	return -1;
}

static int stream_flush(struct stream_file *f)
{
	if (!f->failed && f->pending.len &&
	    write_all(f->fd, f->pending.data, f->pending.len) < 0) {
		f->failed = 1;
		f->saved_errno = errno;
	}
	buf_reset(&f->pending);
	return f->failed ? -1 : 0;
}

int stream_write(struct stream_file *f, const void *data, size_t len)
{
	if (f->failed)
		return -1;
	buf_add(&f->pending, data, len);
	return f->pending.len >= STREAM_CHUNK ? stream_flush(f) : 0;
}

/* Whether two files hold the same bytes, read a chunk at a time. */
static int same_files(const char *a, const char *b)
{
	char x[65536], y[65536];
	int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY |
							   O_CLOEXEC);
	int same = fa >= 0 && fb >= 0;
	ssize_t n, m;

	while (same) {
		n = read(fa, x, sizeof(x));
		m = n > 0 ? read(fb, y, (size_t)n) : read(fb, y, 1);
		if (n < 0 || m != (n > 0 ? n : 0) || memcmp(x, y, (size_t)m))
			same = 0;
		else if (n == 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

int stream_close(struct stream_file *f)
{
	const char *written = f->direct ? f->path.data : f->tmp.data;
	int rc = 1;

	stream_flush(f);
	if (f->fd >= 0 && close(f->fd) < 0 && !f->failed) {
		f->failed = 1;
		f->saved_errno = errno;
	}
	if (f->failed) {
		if (f->fd >= 0)
			unlink(written);
		rc = -1;
	} else if (!f->direct && same_files(f->tmp.data, f->path.data)) {
		unlink(f->tmp.data);
		rc = 0;
	} else if (!f->direct && rename(f->tmp.data, f->path.data) < 0) {
		f->saved_errno = errno;
		unlink(f->tmp.data);
		rc = -1;
	}
	buf_release(&f->path);
	buf_release(&f->tmp);
	buf_release(&f->pending);
	if (rc < 0)
		errno = f->saved_errno;
	return rc;
}

int read_file(const char *path, size_t max, struct buf *out)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		buf_add(out, chunk, (size_t)n);
	}
	if (n < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int mkdir_p(const char *path, mode_t mode)
{
	struct buf p = BUF_INIT;
	size_t i;
	int rc = 0;

	/* the usual case, one call: the folder is there or only it is
	 * missing */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	buf_adds(&p, path);
	for (i = 1; i <= p.len && rc == 0; i++) {
		if (p.data[i] != '/' && p.data[i] != '\0')
			continue;
		p.data[i] = '\0';
		if (mkdir(p.data, mode) < 0 && errno != EEXIST)
			rc = -1;
		if (i < p.len)
			p.data[i] = '/';
	}
	buf_release(&p);
	return rc;
}

void unique_name(struct buf *out)
{
	static unsigned long counter;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	buf_printf(out, "%lld.%06ld.%ld_%lu.%08x", (long long)ts.tv_sec,
		   ts.tv_nsec / 1000, (long)getpid(), ++counter,
		   randombytes_random());
}

void path_join(struct buf *out, const char *a, const char *b)
{
	buf_adds(out, a);
	if (out->len && out->data[out->len - 1] != '/')
		buf_addc(out, '/');
	buf_adds(out, b);
}

long remove_temp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct buf p = BUF_INIT;
	long n = 0, sub;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		int is_dir = de->d_type == DT_DIR;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		buf_reset(&p);
		path_join(&p, dir, de->d_name);
		if (de->d_type == DT_UNKNOWN)
			is_dir = lstat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
		if (is_dir) {
			sub = remove_temp_files(p.data);
			n += sub > 0 ? sub : 0;
		} else if (!strncmp(de->d_name, TEMP_PREFIX,
				    strlen(TEMP_PREFIX)) &&
			   unlink(p.data) == 0) {
			n++;
		}
	}
	closedir(d);
	buf_release(&p);
	return n;
}
