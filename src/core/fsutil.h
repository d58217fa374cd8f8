/* fsutil.h: durable file writes and small file-system helpers.  A durable
 * write creates the file exclusively in a temporary place, writes and checks
 * every call, fsyncs, closes, renames into place and fsyncs the folder. */
#ifndef CONFER_FSUTIL_H
#define CONFER_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

/* Writes data to `path` durably, through "DIR/.tmp-NAME" in the same
 * folder (or through `tmpdir` when not NULL: it must be on the same file
 * system).  Replaces an existing file.  Returns 0, or -1 with errno set and
 * nothing left behind. */
int write_file_durable(const char *path, const char *tmpdir,
		       const void *data, size_t len, mode_t mode);

/* Like write_file_durable but without fsync: for regenerated files (the
 * archive) that can always be rebuilt.  Skips the write when the file
 * already has exactly this content (returns 0).  Returns 1 when written. */
int write_file_if_changed(const char *path, const void *data, size_t len);

/* A regenerated file too big to build in memory (a month's mbox), written
 * piece by piece: in place when it does not exist yet, else to a
 * temporary file that replaces it at stream_close only when the content
 * differs (as write_file_if_changed).  Each call returns 0, or -1 with
 * errno set; after a failure stream_close removes what was written. */
struct stream_file {
	int fd;
	int direct;             /* writing the file itself (it was new) */
	int failed;
	int saved_errno;
	struct buf path, tmp, pending;
};

int stream_open(struct stream_file *f, const char *path);
int stream_write(struct stream_file *f, const void *data, size_t len);
/* Returns 1 when the file was written, 0 when it was already so, -1. */
int stream_close(struct stream_file *f);

/* Reads a whole file, at most max bytes (-1 with errno EFBIG beyond). */
int read_file(const char *path, size_t max, struct buf *out);

/* mkdir -p with the given mode; 0 or -1 (errno set). */
int mkdir_p(const char *path, mode_t mode);

/* fsyncs a folder so that a rename or unlink in it is durable. */
int fsync_dir(const char *dir);
/* fsyncs a file or folder by name.  0 or -1 (errno set). */
int fsync_path(const char *path);
/* Writes all of data to fd, retrying on EINTR.  0 or -1 (errno set). */
int write_all(int fd, const void *data, size_t len);

/* A name unique across processes and hosts: TIME.PID_COUNT.RANDOM */
void unique_name(struct buf *out);

/* The prefix of the temporary files written beside their final name and
 * renamed over it; one a killed process left behind keeps it. */
#define TEMP_PREFIX ".tmp-"

/* Removes the files named TEMP_PREFIX... in dir and the folders under it
 * (not following links), for a caller that knows no writer is at work
 * there.  Returns how many it removed, or -1 when dir cannot be read
 * (a missing dir is none). */
long remove_temp_files(const char *dir);

/* Joins a and b with one '/'. */
void path_join(struct buf *out, const char *a, const char *b);

#endif
