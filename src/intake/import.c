/* import.c: mbox import (mboxrd, mboxo, mboxcl2) straight into the store. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin/lists.h"
#include "archive/store.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "intake/import.h"
#include "intake/import_priv.h"
#include "intake/spool.h"
#include "mail/header.h"

/* Messages a transaction records: big enough that index pages are not
 * written again for every few messages, small enough that the write lock
 * is never held long (about a tenth of a second). */
#define IMPORT_TX_SIZE 2000
/* Below this size a second process costs more than it saves. */
#define IMPORT_PIPE_MIN ((size_t)1 << 20)

int mbox_format_parse(const char *s, enum mbox_format *fmt)
{
	if (!strcmp(s, "mboxrd"))
		*fmt = MBOX_RD;
	else if (!strcmp(s, "mboxo"))
		*fmt = MBOX_O;
	else if (!strcmp(s, "mboxcl2"))
		*fmt = MBOX_CL2;
	else
		return -1;
	return 0;
}

int import_quarantine(struct site *site, const char *msg, size_t len,
		      const char *why)
{
	struct buf name = BUF_INIT, path = BUF_INIT, rpath = BUF_INIT,
		   text = BUF_INIT;
	int rc;

	buf_adds(&name, "import-");
	unique_name(&name);
	path_join(&path, site->spool_dir, "bad");
	path_join(&path, "", name.data);
	buf_printf(&rpath, "%s.reason", path.data);
	buf_printf(&text, "import: %s\n", why);
	rc = write_file_durable(path.data, NULL, msg, len, 0640);
	if (rc == 0)
		rc = write_file_durable(rpath.data, NULL, text.data, text.len,
					0640);
	log_warn("import: quarantined %s: %s", name.data, why);
	buf_release(&name);
	buf_release(&path);
	buf_release(&rpath);
	buf_release(&text);
	return rc;
}

int import_message(struct site *site, const struct list_info *li,
		   const char *msg, size_t len, long long received,
		   struct import_stats *st)
{
	struct stored_msg sm;
	const char *why;
	int rc;

	st->total++;
	if (!mail_has_header(msg, len, &why)) {
		st->quarantined++;
		return import_quarantine(site, msg, len, why);
	}
	stored_msg_init(&sm);
	rc = store_identify(site->db, li, site->domain, msg, len,
			    (time_t)received, &sm);
	if (rc == 0 && sm.duplicate) {
		st->duplicates++;
	} else if (rc == 0) {
		/* made durable by store_sync before the commit */
		rc = store_write_batch(site, &sm, msg, len);
		if (rc == 0)
			rc = store_insert(site->db, li, &sm, msg, len);
		if (rc == 0)
			st->imported++;
	}
	stored_msg_release(&sm);
	return rc;
}

/* Undoes the From-quoting of the format and makes line ends CRLF. */
static void unescape(const char *p, size_t len, enum mbox_format fmt,
		     struct buf *out)
{
	struct buf plain = BUF_INIT;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - p) + 1 : len;
		size_t q = i;
		if (fmt != MBOX_CL2) {
			while (q < end && p[q] == '>')
				q++;
			if (q > i && end - q >= 5 && !memcmp(p + q, "From ", 5) &&
			    (fmt == MBOX_RD || q == i + 1))
				i++;	/* drop one '>' */
		}
		buf_add(&plain, p + i, end - i);
		i = end;
	}
	mail_canonicalize(plain.data, plain.len, out, NULL);
	buf_release(&plain);
}

/* Length of the message at p (after its From line) in mboxcl2: the
 * Content-Length of its header, else up to the next From line. */
static size_t cl2_length(const char *p, size_t avail)
{
	struct buf v = BUF_INIT;
	size_t hlen = header_block_len(p, avail);
	long cl;

	if (header_get(p, avail, "Content-Length", &v) == 0 &&
	    parse_long(v.data, 0, 1L << 40, &cl) == 0 &&
	    hlen + (size_t)cl <= avail) {
		buf_release(&v);
		return hlen + (size_t)cl;
	}
	buf_release(&v);
	return (size_t)-1;
}

static size_t next_from(const char *data, size_t len, size_t pos)
{
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		if (!nl)
			return len;
		pos = (size_t)(nl - data) + 1;
		if (len - pos >= 5 && !memcmp(data + pos, "From ", 5))
			return pos;
	}
	return len;
}

/* Opens the import's transaction before a message is recorded. */
int import_tx_begin(struct importer *im)
{
	if (im->in_tx)
		return 0;
	if (db_begin(im->site->db) < 0)
		return -1;
	im->in_tx = 1;
	return 0;
}

/* After each message: every IMPORT_TX_SIZE, the originals written so far
 * are made durable and the transaction that records them commits. */
int import_tx_after(struct importer *im, int rc)
{
	if (rc == 0 && im->in_tx && im->st->total % IMPORT_TX_SIZE == 0) {
		im->in_tx = 0;
		rc = store_sync(im->site);
		if (rc == 0)
			rc = db_commit(im->site->db);
		else
			db_rollback(im->site->db);
		if (rc == 0)
			im->committed = *im->st;
	}
	if (im->progress && im->st->total % 100 == 0)
		fprintf(stderr, "\rimporting: %ld messages", im->st->total);
	return rc;
}

/* One process does everything, message by message. */
static int serial_one(struct importer *im, const char *msg, size_t len,
		      time_t when)
{
	int rc = import_tx_begin(im);

	if (rc == 0)
		rc = import_message(im->site, im->li, msg, len,
				    (long long)when, im->st);
	return import_tx_after(im, rc);
}

static int one(struct importer *im, const char *from_line, size_t flen,
	       const char *body, size_t blen)
{
	struct buf msg = BUF_INIT;
	time_t when = mbox_from_date(from_line, flen);
	int rc;

	if (when == (time_t)-1)
		when = clock_now();
	/* trailing blank line is the separator, not the message */
	if (blen && body[blen - 1] == '\n')
		blen--;
	if (blen && body[blen - 1] == '\r')
		blen--;
	unescape(body, blen, im->fmt, &msg);
	rc = im->each(im, msg.data, msg.len, when);
	buf_release(&msg);
	return rc;
}

/* The mbox is mapped, not read: pages already imported are given back
 * every RELEASE_STEP bytes, so memory stays flat whatever the file's size. */
#define RELEASE_STEP ((size_t)16 << 20)

static void release_done(const char *data, size_t pos)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = pos / RELEASE_STEP * RELEASE_STEP;

	if (upto >= RELEASE_STEP && upto % page == 0 && pos - upto < page * 4)
		madvise((void *)(uintptr_t)data, upto, MADV_DONTNEED);
}

static int map_file(const char *path, const char **data, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	*data = "";
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (errno == 0)
			errno = EINVAL;
		close(fd);
		return -1;
	}
	if (sb.st_size > 0) {
		p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			close(fd);
			return -1;
		}
		*data = p;
		*len = (size_t)sb.st_size;
	}
	close(fd);
	return 0;
}

int import_split(struct importer *im, const char *data, size_t len)
{
	size_t pos = 0;
	int rc = 0;

	while (pos < len && rc == 0) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t body = nl ? (size_t)(nl - data) + 1 : len, end;
		end = im->fmt == MBOX_CL2 ? cl2_length(data + body, len - body)
					  : (size_t)-1;
		end = end == (size_t)-1 ? next_from(data, len, body) : body + end;
		if (im->fmt == MBOX_CL2 && end < len)
			end = next_from(data, len, end ? end - 1 : 0);
		rc = one(im, data + pos, body - pos, data + body, end - body);
		pos = end;
		release_done(data, pos);
	}
	return rc;
}

int import_mbox(struct site *site, const struct list_info *li,
		const char *path, enum mbox_format fmt, int progress,
		struct import_stats *st)
{
	struct importer im;
	const char *data;
	size_t len;
	int rc;

	memset(&im, 0, sizeof(im));
	im.site = site;
	im.li = li;
	im.fmt = fmt;
	im.st = st;
	im.progress = progress;
	im.each = serial_one;
	im.committed = *st;	/* with what earlier files of this import added */
	errno = 0;
	if (map_file(path, &data, &len) < 0) {
		int saved = errno;
		fprintf(stderr, "confer import: cannot read \"%s\": %s\n", path,
			strerror(errno));
		errno = saved;
		return -1;
	}
	if (len < 5 || memcmp(data, "From ", 5)) {
		fprintf(stderr, "confer import: not an mbox file (it does not "
			"start with a \"From \" line)\n");
		if (len)
			munmap((void *)(uintptr_t)data, len);
		errno = EINVAL;
		return -1;
	}
	/* a big mbox is read in one process and recorded in another */
	if (len >= IMPORT_PIPE_MIN && (site->archive_workers > 1 ||
	    (site->archive_workers == 0 && sysconf(_SC_NPROCESSORS_ONLN) > 1)))
		rc = import_piped(&im, data, len);
	else
		rc = import_split(&im, data, len);
	if (im.in_tx) {
		if (rc == 0)
			rc = store_sync(site);
		if (rc == 0)
			rc = db_commit(site->db);
		else
			db_rollback(site->db);
	}
	if (rc < 0) {
		/* report what was recorded, not what was rolled back; the
		 * messages put in quarantine stay there */
		long quarantined = st->quarantined;
		*st = im.committed;
		st->quarantined = quarantined;
	}
	if (progress)
		fprintf(stderr, "\rimporting: %ld messages\n", st->total);
	db_event(site->db, "admin", li->name, "import", path);
	if (len)
		munmap((void *)(uintptr_t)data, len);
	return rc;
}
