/* import_pipe.c: a big mbox import in two processes.
 *
 * Splitting the mbox and reading each message's facts (content hash,
 * Message-ID, decoded header fields) take about as long as asking the
 * database, writing the original and recording the row, so a reader
 * process does the first while this process does the second, message by
 * message in mbox order.  The reader sends one record per message, with
 * the message itself, through a pipe; the pipe's buffer bounds how far it
 * runs ahead.  Every decision and every write to the store stay here, with
 * the same calls as a one-process import, so the result is the same. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive/store.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/proc.h"
#include "core/site.h"
#include "core/util.h"
#include "intake/import_priv.h"
#include "intake/spool.h"

enum rec_kind { REC_MSG = 1, REC_QUARANTINED, REC_END, REC_FAIL };

enum rec_field { F_HASH, F_MSGID, F_FROM_NAME, F_FROM_ADDR, F_SUBJECT,
		 F_IN_REPLY_TO, F_REFERENCES, F_MESSAGE, F_COUNT };

/* Both ends are the same binary: the header goes as it is in memory. */
struct rec_head {
	int kind;
	int id_generated;
	long long received;
	long long date;
	size_t size;
	size_t len[F_COUNT];    /* (size_t)-1: NULL */
};

#define PIPE_BUF_SIZE ((size_t)1 << 16)
#define FIELD_MAX ((size_t)1 << 30)

/* ---- the reader ---- */

static void put(struct rec_head *h, enum rec_field f, const char *s,
		const char **vals)
{
	h->len[f] = s ? strlen(s) : (size_t)-1;
	vals[f] = s;
}

static int send_rec(FILE *out, struct rec_head *h, const char **vals)
{
	size_t i;

	if (fwrite(h, sizeof(*h), 1, out) != 1)
		return -1;
	for (i = 0; i < F_COUNT; i++)
		if (h->len[i] != (size_t)-1 && h->len[i] &&
		    fwrite(vals[i], h->len[i], 1, out) != 1)
			return -1;
	return 0;
}

static int send_kind(FILE *out, int kind)
{
	struct rec_head h;
	const char *vals[F_COUNT] = { NULL };
	size_t i;

	memset(&h, 0, sizeof(h));
	h.kind = kind;
	for (i = 0; i < F_COUNT; i++)
		h.len[i] = (size_t)-1;
	return send_rec(out, &h, vals);
}

static int reader_one(struct importer *im, const char *msg, size_t len,
		      time_t when)
{
	FILE *out = im->out;
	struct rec_head h;
	const char *vals[F_COUNT];
	struct msg_facts f;
	const char *why;
	int rc;

	if (!mail_has_header(msg, len, &why)) {
		if (import_quarantine(im->site, msg, len, why) < 0)
			return -1;
		return send_kind(out, REC_QUARANTINED);
	}
	msg_facts_read(im->site->domain, msg, len, &f);
	memset(&h, 0, sizeof(h));
	h.kind = REC_MSG;
	h.id_generated = f.id_generated;
	h.received = (long long)when;
	h.date = (long long)f.date;
	h.size = f.size;
	put(&h, F_HASH, f.content_hash, vals);
	put(&h, F_MSGID, f.message_id.data, vals);
	put(&h, F_FROM_NAME, f.from_name, vals);
	put(&h, F_FROM_ADDR, f.from_addr, vals);
	put(&h, F_SUBJECT, f.subject, vals);
	put(&h, F_IN_REPLY_TO, f.in_reply_to, vals);
	put(&h, F_REFERENCES, f.references, vals);
	/* the message may hold NULs: its length is the record's size */
	h.len[F_MESSAGE] = len;
	vals[F_MESSAGE] = msg;
	rc = send_rec(out, &h, vals);
	msg_facts_release(&f);
	return rc;
}

static void reader(struct importer *im, const char *data, size_t len, int fd)
{
	FILE *out = fdopen(fd, "w");
	int rc;

	if (!out)
		_exit(1);
	/* the writer stopping early shows as EPIPE, not as a signal */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(out, NULL, _IOFBF, PIPE_BUF_SIZE);
	im->each = reader_one;
	im->out = out;
	rc = import_split(im, data, len);
	if (send_kind(out, rc == 0 ? REC_END : REC_FAIL) < 0 || fflush(out))
		rc = -1;
	_exit(rc < 0 ? 1 : 0);
}

/* ---- the writer ---- */

static int get(FILE *in, void *p, size_t n)
{
	return n == 0 || fread(p, n, 1, in) == 1 ? 0 : -1;
}

/* Reads the strings of h into vals (each NUL-terminated; NULL stays
 * NULL). */
static int get_fields(FILE *in, const struct rec_head *h, char **vals)
{
	size_t i;

	for (i = 0; i < F_COUNT; i++)
		vals[i] = NULL;
	for (i = 0; i < F_COUNT; i++) {
		if (h->len[i] == (size_t)-1)
			continue;
		if (h->len[i] > FIELD_MAX)
			goto fail;
		vals[i] = xmalloc(h->len[i] + 1);
		if (get(in, vals[i], h->len[i]) < 0)
			goto fail;
		vals[i][h->len[i]] = '\0';
	}
	return 0;
fail:
	/* a record cut short (the reader died) leaves nothing behind */
	for (i = 0; i < F_COUNT; i++) {
		free(vals[i]);
		vals[i] = NULL;
	}
	return -1;
}

static int record(struct importer *im, const struct rec_head *h, char **v)
{
	struct msg_facts f;
	struct stored_msg sm;
	int rc;

	memset(&f, 0, sizeof(f));
	buf_init(&f.message_id);
	if (!v[F_HASH] || !v[F_MSGID] || !v[F_MESSAGE] ||
	    h->len[F_MESSAGE] != h->size ||
	    strlen(v[F_HASH]) != sizeof(f.content_hash) - 1)
		return -1;
	memcpy(f.content_hash, v[F_HASH], sizeof(f.content_hash));
	buf_adds(&f.message_id, v[F_MSGID]);
	f.id_generated = h->id_generated;
	f.date = (time_t)h->date;
	f.size = h->size;
	/* the strings are lent, not given: v keeps them */
	f.from_name = v[F_FROM_NAME];
	f.from_addr = v[F_FROM_ADDR];
	f.subject = v[F_SUBJECT];
	f.in_reply_to = v[F_IN_REPLY_TO];
	f.references = v[F_REFERENCES];
	stored_msg_init(&sm);
	rc = store_decide(im->site->db, im->li, &f, (time_t)h->received, &sm);
	if (rc == 0 && sm.duplicate) {
		im->st->duplicates++;
	} else if (rc == 0) {
		/* made durable by store_sync before the commit */
		rc = store_write_batch(im->site, &sm, v[F_MESSAGE], h->size);
		if (rc == 0)
			rc = store_insert_facts(im->site->db, im->li, &sm, &f);
		if (rc == 0)
			im->st->imported++;
	}
	stored_msg_release(&sm);
	buf_release(&f.message_id);
	return rc;
}

static int writer(struct importer *im, FILE *in)
{
	struct rec_head h;
	char *v[F_COUNT];
	size_t i;
	int rc = 0;

	while (rc == 0) {
		if (get(in, &h, sizeof(h)) < 0 || get_fields(in, &h, v) < 0) {
			log_error("import: the reader stopped unexpectedly");
			return -1;
		}
		if (h.kind == REC_END)
			break;
		if (h.kind == REC_FAIL) {
			rc = -1;	/* the reader said why */
		} else if (h.kind == REC_QUARANTINED) {
			im->st->total++;
			im->st->quarantined++;
			rc = import_tx_after(im, 0);
		} else if (h.kind == REC_MSG) {
			im->st->total++;
			rc = import_tx_begin(im);
			if (rc == 0)
				rc = record(im, &h, v);
			rc = import_tx_after(im, rc);
		} else {
			log_error("import: unknown record from the reader");
			rc = -1;
		}
		for (i = 0; i < F_COUNT; i++)
			free(v[i]);
	}
	return rc;
}

int import_piped(struct importer *im, const char *data, size_t len)
{
	int fds[2], status;
	FILE *in;
	pid_t pid;
	int rc;

	if (pipe(fds) < 0) {
		log_warn("import: cannot start a reader: %s", strerror(errno));
		return import_split(im, data, len);
	}
	pid = fork_helper();
	if (pid == 0) {
		close(fds[0]);
		reader(im, data, len, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		log_warn("import: cannot start a reader: %s", strerror(errno));
		close(fds[0]);
		return import_split(im, data, len);
	}
	in = fdopen(fds[0], "r");
	if (!in) {
		close(fds[0]);
		rc = -1;
	} else {
		setvbuf(in, NULL, _IOFBF, PIPE_BUF_SIZE);
		/* the originals are written by a thread of this process (the
		 * reader could, but a name is only final once the database
		 * has been asked); a failure to start it only costs speed */
		store_batch_async_start();
		rc = writer(im, in);
		if (store_batch_async_stop() < 0)
			rc = -1;
		/* a reader still writing gets EPIPE and stops */
		fclose(in);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		log_error("import: the reader failed");
		rc = -1;
	}
	return rc;
}
