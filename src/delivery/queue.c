/* queue.c: the delivery queue: grouping, sending, retrying, giving up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "delivery/queue.h"
#include "delivery/smtp.h"

int queue_add(sqlite3 *db, long long msg_rowid, const char *copy_path,
	      const char *sender, const char *rcpt)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO deliveries("
		"message_id, copy_path, sender, rcpt, next_try, created, "
		"updated) VALUES (?, ?, ?, ?, ?, ?, ?)");
	long long now = (long long)clock_now();
	int rc;

	if (!st)
		return -1;
	if (msg_rowid)
		sqlite3_bind_int64(st, 1, msg_rowid);
	else
		sqlite3_bind_null(st, 1);
	db_bind_text(st, 2, copy_path);
	db_bind_text(st, 3, sender);
	db_bind_text(st, 4, rcpt);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int queue_write_copy(const struct site *site, const char *name,
		     const char *data, size_t len, struct buf *out)
{
	struct buf path = BUF_INIT;
	int rc;

	path_join(&path, site->spool_dir, "outgoing");
	path_join(&path, "", name);
	rc = write_file_durable(path.data, NULL, data, len, 0640);
	if (rc < 0)
		log_error("queue: cannot write \"%s\": %s", path.data,
			  strerror(errno));
	else
		buf_adds(out, path.data);
	buf_release(&path);
	return rc;
}

/* One group: deliveries of one copy from one sender. */
struct batch {
	char *copy_path;
	char *sender;
	long long *ids;
	char **rcpts;
	long long *created;
	long long *attempts;
	size_t n;
};

static void batch_release(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->rcpts[i]);
	free(b->rcpts);
	free(b->ids);
	free(b->created);
	free(b->attempts);
	free(b->copy_path);
	free(b->sender);
	memset(b, 0, sizeof(*b));
}

/* Loads the next due group of at most max recipients. 1, 0 none, -1. */
static int next_batch(sqlite3 *db, size_t max, struct batch *b)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT d.id, d.rcpt, d.created, d.attempts, d.copy_path, "
		"d.sender FROM deliveries d, (SELECT copy_path, sender FROM "
		"deliveries WHERE state = 'queued' AND next_try <= ?1 "
		"ORDER BY next_try, id LIMIT 1) g WHERE d.state = 'queued' "
		"AND d.next_try <= ?1 AND d.copy_path = g.copy_path AND "
		"d.sender = g.sender ORDER BY d.rcpt LIMIT ?2");
	int rc;

	memset(b, 0, sizeof(*b));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	b->ids = xcalloc(max, sizeof(*b->ids));
	b->rcpts = xcalloc(max, sizeof(*b->rcpts));
	b->created = xcalloc(max, sizeof(*b->created));
	b->attempts = xcalloc(max, sizeof(*b->attempts));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && b->n < max) {
		b->ids[b->n] = sqlite3_column_int64(st, 0);
		b->rcpts[b->n] = xstrdup(db_col_text(st, 1));
		b->created[b->n] = sqlite3_column_int64(st, 2);
		b->attempts[b->n] = sqlite3_column_int64(st, 3);
		if (!b->copy_path) {
			b->copy_path = xstrdup(db_col_text(st, 4));
			b->sender = xstrdup(db_col_text(st, 5));
		}
		b->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return b->n > 0;
}

/* The file transport: each copy becomes outbox/NAME.eml with the
 * envelope as Return-Path and Delivered-To, as a local delivery would. */
static void send_file(struct site *site, const struct batch *b,
		      const struct buf *msg, struct smtp_rcpt_status *st)
{
	struct buf out = BUF_INIT, path = BUF_INIT, name = BUF_INIT;
	size_t i;

	for (i = 0; i < b->n; i++) {
		buf_reset(&out);
		buf_reset(&path);
		buf_reset(&name);
		buf_printf(&out, "Return-Path: <%s>\r\nDelivered-To: %s\r\n",
			   b->sender, b->rcpts[i]);
		buf_add(&out, msg->data, msg->len);
		unique_name(&name);
		buf_adds(&name, ".eml");
		path_join(&path, site->outbox_dir, name.data);
		if (write_file_durable(path.data, NULL, out.data, out.len,
				       0640) == 0) {
			st[i].code = 250;
			snprintf(st[i].text, sizeof(st[i].text), "written to %s",
				 name.data);
		} else {
			st[i].code = 0;
			snprintf(st[i].text, sizeof(st[i].text), "outbox: %s",
				 strerror(errno));
		}
	}
	buf_release(&out);
	buf_release(&path);
	buf_release(&name);
}

/* Returns -1 when the relay could not be reached at all. */
static int send_batch(struct site *site, const struct batch *b,
		      const struct buf *msg, struct smtp_rcpt_status *st)
{
	struct smtp_relay relay = { site->relay_host, site->relay_port,
				    site->helo, site->relay_timeout };
	struct buf err = BUF_INIT;
	size_t i;
	int rc = 0;

	if (!strcmp(site->transport, "file")) {
		send_file(site, b, msg, st);
		return 0;
	}
	if (smtp_send(&relay, b->sender, (const char *const *)b->rcpts, b->n,
		      msg->data, msg->len, st, &err) < 0) {
		log_warn("delivery: %s; %zu recipients wait for a retry",
			 err.data, b->n);
		/* no recipient had an answer: the session's failure is what
		 * `confer queue` shows for each */
		for (i = 0; i < b->n; i++)
			snprintf(st[i].text, sizeof(st[i].text), "%s", err.data);
		rc = -1;
	}
	buf_release(&err);
	return rc;
}

static long backoff(const struct site *site, long long attempts)
{
	long wait = site->retry_min;

	while (attempts-- > 1 && wait < site->retry_max)
		wait *= 2;
	return wait < site->retry_max ? wait : site->retry_max;
}

static int record(struct site *site, const struct batch *b, size_t i,
		  const struct smtp_rcpt_status *s, sqlite3_stmt *up)
{
	long long now = (long long)clock_now();
	const char *state = "queued";
	long long next = now + backoff(site, b->attempts[i] + 1);
	struct buf text = BUF_INIT;
	int rc;

	buf_adds(&text, s->text);
	if (s->code >= 200 && s->code < 300) {
		state = "sent";
	} else if (s->code >= 500) {
		state = "failed";
	} else if (now - b->created[i] >= site->give_up_after) {
		/* the last answer was only temporary: say why it ended */
		state = "failed";
		buf_reset(&text);
		buf_printf(&text, "gave up after %lld days; last answer: %s",
			   (long long)(now - b->created[i]) / 86400,
			   s->text);
	}
	if (strcmp(state, "queued") || s->code >= 400)
		log_info("delivery: rcpt=%s state=%s code=%d text=\"%s\"",
			 b->rcpts[i], state, s->code, text.data);
	sqlite3_reset(up);
	if (db_bind_text(up, 1, state) != SQLITE_OK ||
	    sqlite3_bind_int64(up, 2, next) != SQLITE_OK ||
	    sqlite3_bind_int64(up, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int(up, 4, s->code) != SQLITE_OK ||
	    db_bind_text(up, 5, text.data) != SQLITE_OK ||
	    sqlite3_bind_int64(up, 6, b->ids[i]) != SQLITE_OK)
		rc = -1;
	else
		rc = sqlite3_step(up) == SQLITE_DONE ? 0 : -1;
	buf_release(&text);
	return rc;
}

static int record_all(struct site *site, const struct batch *b,
		      const struct smtp_rcpt_status *st)
{
	sqlite3_stmt *up;
	size_t i;
	int rc = 0;

	if (db_begin(site->db) < 0)
		return -1;
	up = db_prepare(site->db, "UPDATE deliveries SET state = ?, "
		"next_try = ?, updated = ?, last_code = ?, last_text = ?, "
		"attempts = attempts + 1 WHERE id = ?");
	for (i = 0; up && i < b->n && rc == 0; i++)
		rc = record(site, b, i, &st[i], up);
	sqlite3_finalize(up);
	if (!up || rc < 0 || db_commit(site->db) < 0) {
		db_rollback(site->db);
		return -1;
	}
	return 0;
}

/* A copy none of whose deliveries waits any more is removed right after
 * its last batch, so that no pass has to search the whole history. */
static void remove_if_finished(sqlite3 *db, const char *copy)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM deliveries WHERE "
				      "copy_path = ? AND state = 'queued' LIMIT 1");
	int waiting;

	if (!st)
		return;
	db_bind_text(st, 1, copy);
	waiting = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!waiting && unlink(copy) < 0 && errno != ENOENT)
		log_warn("queue: cannot remove \"%s\": %s", copy,
			 strerror(errno));
}

/* Returns 0, -1 on a database error, 1 when the relay is unreachable. */
static int deliver_batch(struct site *site, const struct batch *b)
{
	struct smtp_rcpt_status *st = xcalloc(b->n, sizeof(*st));
	struct buf msg = BUF_INIT;
	size_t i;
	int rc, down = 0;

	if (read_file(b->copy_path, (size_t)1 << 31, &msg) < 0) {
		/* without its copy the delivery can never happen */
		for (i = 0; i < b->n; i++) {
			st[i].code = 554;
			snprintf(st[i].text, sizeof(st[i].text),
				 "copy \"%s\" unreadable: %s", b->copy_path,
				 strerror(errno));
		}
	} else {
		down = send_batch(site, b, &msg, st) < 0;
	}
	rc = record_all(site, b, st);
	if (rc == 0)
		remove_if_finished(site->db, b->copy_path);
	free(st);
	buf_release(&msg);
	return rc < 0 ? -1 : down;
}

/* Moves every due delivery `wait` seconds on, without counting it as an
 * attempt: the relay was not reached, so nothing was tried for them. */
static int postpone_due(sqlite3 *db, long wait)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE deliveries SET next_try = ?1 "
				      "WHERE state = 'queued' AND next_try < ?1");
	long long now = (long long)clock_now();
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, now + wait);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

long queue_run(struct site *site, volatile int *stop)
{
	struct batch b;
	long done = 0;
	int rc = 0;

	while (!*stop && (rc = next_batch(site->db, (size_t)site->batch_size,
					  &b)) == 1) {
		rc = deliver_batch(site, &b);
		done += (long)b.n;
		batch_release(&b);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			/* a relay that is down or silent would stall every
			 * further batch of this pass for its timeout */
			log_warn("delivery: relay unreachable; the rest of the "
				 "queue waits %ld s", site->retry_min);
			rc = postpone_due(site->db, site->retry_min);
			break;
		}
	}
	if (rc <= 0 && !*stop)
		batch_release(&b);
	return rc < 0 ? -1 : done;
}

long queue_retry_all(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE deliveries SET next_try = ? "
				      "WHERE state = 'queued'");
	long n = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
	sqlite3_finalize(st);
	return n;
}

/* One delivery, on one line: its fields come from envelopes and relay
 * answers, so they are escaped for the terminal. */
static void print_delivery(sqlite3_stmt *st, const char *when_label)
{
	const char *copy = strrchr(db_col_text(st, 6), '/');

	put_escaped(db_col_text(st, 0), stdout);
	fputs("  from <", stdout);
	put_escaped(db_col_text(st, 1), stdout);
	printf(">  tries %d  %s %s  last %d ", sqlite3_column_int(st, 2),
	       when_label, db_col_text(st, 3), sqlite3_column_int(st, 4));
	put_escaped(db_col_text(st, 5), stdout);
	fputs("  (", stdout);
	put_escaped(copy ? copy + 1 : db_col_text(st, 6), stdout);
	fputs(")\n", stdout);
}

int queue_print(sqlite3 *db, long failed_days)
{
	sqlite3_stmt *st;
	long n = 0;

	if (failed_days < 0)
		st = db_prepare(db, "SELECT rcpt, sender, attempts, "
			"datetime(next_try, 'unixepoch'), "
			"coalesce(last_code, 0), coalesce(last_text, ''), "
			"copy_path FROM deliveries WHERE state = 'queued' "
			"ORDER BY next_try, id");
	else
		st = db_prepare(db, "SELECT rcpt, sender, attempts, "
			"datetime(updated, 'unixepoch'), "
			"coalesce(last_code, 0), coalesce(last_text, ''), "
			"copy_path FROM deliveries WHERE state = 'failed' "
			"AND updated >= ? ORDER BY updated, id");
	if (!st)
		return -1;
	if (failed_days >= 0)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(clock_now() -
				   (time_t)failed_days * 86400));
	while (sqlite3_step(st) == SQLITE_ROW) {
		print_delivery(st, failed_days < 0 ? "next" : "failed");
		n++;
	}
	sqlite3_finalize(st);
	if (failed_days < 0)
		printf("%ld deliveries waiting\n", n);
	else
		printf("%ld deliveries failed in the last %ld days\n", n,
		       failed_days);
	return 0;
}

void queue_cleanup(struct site *site)
{
	sqlite3_stmt *st = db_prepare(site->db, "SELECT copy_path FROM "
		"deliveries GROUP BY copy_path HAVING sum(state = 'queued') = 0");

	if (!st)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = db_col_text(st, 0);
		if (unlink(p) < 0 && errno != ENOENT)
			log_warn("queue: cannot remove \"%s\": %s", p,
				 strerror(errno));
	}
	sqlite3_finalize(st);
}
