/* pages.c: the pages made from the database summaries: month pages and
 * mboxes, author pages, a list's front page and feed, the network home.
 * They read only the rows they show, so an update costs the same at any
 * archive size. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin/lists.h"
#include "archive/i18n.h"
#include "archive/index.h"
#include "archive/render.h"
#include "archive/template.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"

/* [start, end) of a month "YYYY-MM"; -1 when it is not one. */
static int month_range(const char *month, time_t *start, time_t *end)
{
	struct tm tm;
	long y, m;
	char ys[5], ms[3];

	if (strlen(month) != 7 || month[4] != '-')
		return -1;
	memcpy(ys, month, 4);
	ys[4] = 0;
	memcpy(ms, month + 5, 2);
	ms[2] = 0;
	if (parse_long(ys, 1970, 9999, &y) < 0 || parse_long(ms, 1, 12, &m) < 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = 1;
	*start = timegm(&tm);
	tm.tm_mon++;
	*end = timegm(&tm);
	return 0;
}

/* Appends to a file the archive made; 0, or 1 when it could not (the
 * caller then writes the whole file). */
static int append_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0)
		return 1;
	if (write_all(fd, data, len) < 0) {
		close(fd);
		return 1;
	}
	return close(fd) < 0 ? 1 : 0;
}

static sqlite3_stmt *prepare(struct arender *r, const char *sql)
{
	/* every page kind runs its queries once per page: prepared once */
	sqlite3_stmt *st = db_cached(r->site->db, sql);

	if (!st)
		r->errors++;
	else
		sqlite3_bind_int64(st, 1, r->li ? r->li->id : 0);
	return st;
}

static void finish(struct arender *r, sqlite3_stmt *st, int rc)
{
	if (rc != SQLITE_DONE) {
		ar_fail(r, "archive: database: %s", sqlite3_errmsg(r->site->db));
	}
	sqlite3_reset(st);
}

static void set_date(struct tctx *c, const char *name, time_t t)
{
	struct buf b = BUF_INIT;

	ar_date(t, &b);
	tctx_set(c, name, b.data);
	buf_release(&b);
}

/* Columns 0..5 of a message row: permalink, subject, from_name,
 * from_addr, date, thread_id. */
#define ROW_COLS "m.permalink, m.subject, m.from_name, m.from_addr, " \
	"coalesce(m.date, m.received), m.thread_id"

static void msg_row(struct arender *r, sqlite3_stmt *st, struct tctx *e,
		    const char *root)
{
	struct buf s = BUF_INIT;
	char key[32];
	char *who = ar_author(r->site, r->lang, db_col_text(st, 2),
			      db_col_text(st, 3));

	tctx_set(e, "subject", ar_subject(r, db_col_text(st, 1), &s));
	tctx_set(e, "author", who);
	ar_author_key(db_col_text(st, 3), key);
	tctx_setf(e, "author_url", "%sauthor/%s.html", root, key);
	tctx_setf(e, "url", "%smsg/%s.html", root, db_col_text(st, 0));
	tctx_setf(e, "thread_url", "%sthread/%s.html", root,
		  db_col_text(st, 5));
	ar_set_date(e, "date", (time_t)sqlite3_column_int64(st, 4));
	free(who);
	buf_release(&s);
}

/* A message's time for ordering and activity, as arch_msg.when (index.h):
 * its Date: but never later than its receipt. */
#define MSG_WHEN "min(coalesce(m.date, m.received), m.received)"

/* The order messages reached the list: by time of receipt, which has
 * whole seconds, then (for messages of the same second, as an mbox whose
 * From lines carry one date) by Date:, then by permalink.  The same order
 * as by_received (render.c) and month_position. */
#define ARRIVAL "m.received, coalesce(m.date, m.received), m.permalink"
#define ARRIVAL_DESC "m.received DESC, coalesce(m.date, m.received) DESC, " \
	"m.permalink DESC"

/* Threads with messages in [a, b), latest activity first. */
static void period_threads(struct arender *r, struct tctx *c, time_t a,
			   time_t b, const char *root)
{
	sqlite3_stmt *st = prepare(r, "SELECT m.thread_id, t.subject, "
		"count(*), min(" MSG_WHEN "), max(" MSG_WHEN ") "
		"FROM messages m INDEXED BY "
		"messages_received JOIN "
		"arch_threads t ON t.list_id = m.list_id AND t.thread_id = "
		"m.thread_id WHERE m.list_id = ?1 AND m.received >= ?2 AND "
		"m.received < ?3 AND m.removed = 0 GROUP BY m.thread_id "
		"ORDER BY 5 DESC, 1");
	int rc;

	if (!st)
		return;
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tctx *e = tctx_push(c, "threads");
		tctx_set(e, "subject", ar_subject_shown(r, db_col_text(st, 1)));
		tctx_setf(e, "url", "%sthread/%s.html", root, db_col_text(st, 0));
		ar_set_count(r, e, "count", sqlite3_column_int64(st, 2));
		set_date(e, "first", (time_t)sqlite3_column_int64(st, 3));
		set_date(e, "last", (time_t)sqlite3_column_int64(st, 4));
	}
	finish(r, st, rc);
}

/* The month page is an index of its days (messages and threads per day),
 * so that it stays small whatever the month's traffic; the threads and
 * messages are on the day pages (MONTH/DD.html). */
void ar_month_page(struct arender *r, const char *month)
{
	struct tctx *c;
	sqlite3_stmt *st;
	struct buf rel = BUF_INIT;
	time_t a, b;
	int rc;

	if (month_range(month, &a, &b) < 0)
		return;
	st = prepare(r, "SELECT strftime('%d', received, 'unixepoch'), "
		     "count(*), count(DISTINCT thread_id) FROM messages "
		     "INDEXED BY arch_messages_time WHERE list_id = ?1 AND "
		     "received >= ?2 AND received < ?3 AND removed = 0 "
		     "GROUP BY 1 ORDER BY 1");
	if (!st)
		return;
	c = tctx_new();
	ar_common(r, c, "../");
	tctx_set(c, "month", month);
	tctx_setf(c, "title", "%s%s %s", r->li->name,
		  i18n_get(r->lang, "colon"), month);
	tctx_setf(c, "mbox_url", "%s.mbox", month);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tctx *e = tctx_push(c, "days");
		tctx_setf(e, "day", "%s-%s", month, db_col_text(st, 0));
		tctx_setf(e, "url", "%s/%s.html", month, db_col_text(st, 0));
		ar_set_count(r, e, "count", sqlite3_column_int64(st, 1));
		ar_set_count(r, e, "threads", sqlite3_column_int64(st, 2));
	}
	finish(r, st, rc);
	buf_printf(&rel, "%s.html", month);
	ar_write(r, rel.data, "month.html", c);
	tctx_free(c);
	buf_release(&rel);
}

/* [start, end) of a day "YYYY-MM-DD"; -1 when it is not one. */
static int day_range(const char *day, time_t *start, time_t *end)
{
	char month[8];
	long d;

	if (strlen(day) != 10 || day[7] != '-' ||
	    parse_long(day + 8, 1, 31, &d) < 0)
		return -1;
	memcpy(month, day, 7);
	month[7] = 0;
	if (month_range(month, start, end) < 0)
		return -1;
	*start += (time_t)(d - 1) * 86400;
	if (*start >= *end)
		return -1;
	*end = *start + 86400;
	return 0;
}

void ar_day_page(struct arender *r, const char *day)
{
	struct tctx *c;
	sqlite3_stmt *st;
	struct buf rel = BUF_INIT, dir = BUF_INIT;
	time_t a, b;
	int rc, n = 0;

	if (day_range(day, &a, &b) < 0)
		return;
	st = prepare(r, "SELECT " ROW_COLS " FROM messages m INDEXED BY "
		     "messages_received WHERE m.list_id = ?1 AND m.received >= "
		     "?2 AND m.received < ?3 AND m.removed = 0 ORDER BY "
		     ARRIVAL);
	if (!st)
		return;
	c = tctx_new();
	ar_common(r, c, "../../");
	tctx_set(c, "day", day);
	tctx_setf(c, "month", "%.7s", day);
	tctx_setf(c, "month_url", "../%.7s.html", day);
	tctx_setf(c, "title", "%s%s %s", r->li->name,
		  i18n_get(r->lang, "colon"), day);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		msg_row(r, st, tctx_push(c, "messages"), "../");
		n++;
	}
	finish(r, st, rc);
	period_threads(r, c, a, b, "../");
	buf_printf(&rel, "%.7s/%s.html", day, day + 8);
	if (n) {
		buf_printf(&dir, "%s/%.7s", r->dir.data, day);
		if (mkdir_p(dir.data, 02775) < 0) {
			ar_fail(r, "archive: cannot create \"%s\": %s", dir.data,
				strerror(errno));
		} else {
			ar_write(r, rel.data, "day.html", c);
		}
	} else {
		ar_unlink_last(r, rel.data);
	}
	tctx_free(c);
	buf_release(&rel);
	buf_release(&dir);
}

void ar_month_mbox(struct arender *r, const char *month)
{
	sqlite3_stmt *st;
	struct buf out = BUF_INIT, raw = BUF_INIT, path = BUF_INIT,
		   rel = BUF_INIT;
	struct stream_file sf;
	time_t a, b;
	int rc;

	if (month_range(month, &a, &b) < 0)
		return;
	st = prepare(r, "SELECT m.path, m.from_addr, m.received FROM messages "
		     "m INDEXED BY messages_received WHERE m.list_id = ?1 AND "
		     "m.received >= ?2 AND m.received < ?3 AND m.removed = 0 "
		     "ORDER BY " ARRIVAL);
	if (!st)
		return;
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b);
	/* a month's mbox can be big: written as it is made, not held */
	buf_printf(&rel, "%s.mbox", month);
	path_join(&path, r->dir.data, rel.data);
	stream_open(&sf, path.data);	/* a failure shows at stream_close */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_reset(&path);
		buf_reset(&raw);
		buf_reset(&out);
		path_join(&path, r->site->store_dir, db_col_text(st, 0));
		if (read_file(path.data, (size_t)1 << 30, &raw) < 0) {
			ar_fail(r, "archive: cannot read \"%s\": %s", path.data,
				strerror(errno));
			continue;
		}
		ar_mboxrd(db_col_text(st, 1), (time_t)sqlite3_column_int64(st, 2),
			  raw.data, raw.len, &out);
		stream_write(&sf, out.data, out.len);
	}
	finish(r, st, rc);
	buf_reset(&path);
	path_join(&path, r->dir.data, rel.data);
	if (stream_close(&sf) < 0) {
		ar_fail(r, "archive: cannot write \"%s\": %s", path.data,
			strerror(errno));
	}
	buf_release(&out);
	buf_release(&raw);
	buf_release(&path);
	buf_release(&rel);
}

/* An author's months, newest first, with the number of posts in each. */
static int author_months(struct arender *r, const char *addr,
			 struct tctx *c, const char *key)
{
	sqlite3_stmt *st = prepare(r, "SELECT strftime('%Y-%m', received, "
		"'unixepoch'), count(*) FROM messages INDEXED BY arch_messages_author "
		"WHERE list_id = ?1 AND from_addr = ?2 AND removed = 0 "
		"GROUP BY 1 ORDER BY 1 DESC");
	int rc, total = 0;

	if (!st)
		return 0;
	db_bind_text(st, 2, addr);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tctx *e = tctx_push(c, "months");
		tctx_set(e, "month", db_col_text(st, 0));
		tctx_setf(e, "url", "%s/%s.html", key, db_col_text(st, 0));
		tctx_setf(e, "count", "%d", sqlite3_column_int(st, 1));
		total += sqlite3_column_int(st, 1);
	}
	finish(r, st, rc);
	return total;
}

/* An author's front page: the most recent posts (at most AUTHOR_RECENT)
 * and links to one page per month (author/KEY/YYYY-MM.html), so that a
 * new post rewrites two pages of bounded size. */
void ar_author_page(struct arender *r, const char *addr)
{
	sqlite3_stmt *st = prepare(r, "SELECT " ROW_COLS " FROM messages m "
		"INDEXED BY arch_messages_author WHERE m.list_id = ?1 AND m.from_addr = ?2 AND m.removed = 0 "
		"ORDER BY " ARRIVAL_DESC " LIMIT ?3");
	struct tctx *c;
	struct buf rel = BUF_INIT;
	char key[32];
	int rc, n = 0;

	if (!st)
		return;
	db_bind_text(st, 2, addr);
	sqlite3_bind_int(st, 3, AUTHOR_RECENT);
	c = tctx_new();
	ar_common(r, c, "../../");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			char *who = ar_author(r->site, r->lang,
					      db_col_text(st, 2), addr);
			tctx_set(c, "author", who);
			tctx_setf(c, "title", "%s – %s", who, r->li->name);
			free(who);
		}
		msg_row(r, st, tctx_push(c, "messages"), "../");
	}
	finish(r, st, rc);
	ar_author_key(addr, key);
	ar_set_count(r, c, "count", n ? author_months(r, addr, c, key) : 0);
	buf_printf(&rel, "author/%s.html", key);
	if (n)
		ar_write(r, rel.data, "author.html", c);
	else
		ar_unlink(r, rel.data);
	tctx_free(c);
	buf_release(&rel);
}

void ar_author_month_page(struct arender *r, const char *addr,
			  const char *month)
{
	sqlite3_stmt *st = prepare(r, "SELECT " ROW_COLS " FROM messages m "
		"INDEXED BY arch_messages_author WHERE m.list_id = ?1 AND m.from_addr "
		"= ?2 AND m.removed = 0 AND m.received >= ?3 AND m.received < ?4"
		" ORDER BY " ARRIVAL_DESC);
	struct tctx *c;
	struct buf rel = BUF_INIT, dir = BUF_INIT;
	char key[32];
	time_t a, b;
	int rc, n = 0;

	if (!st)
		return;
	if (month_range(month, &a, &b) < 0) {
		sqlite3_reset(st);
		return;
	}
	db_bind_text(st, 2, addr);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b);
	ar_author_key(addr, key);
	c = tctx_new();
	ar_common(r, c, "../../../");
	tctx_set(c, "month", month);
	tctx_setf(c, "author_url", "../%s.html", key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			char *who = ar_author(r->site, r->lang,
					      db_col_text(st, 2), addr);
			tctx_set(c, "author", who);
			tctx_setf(c, "title", "%s – %s – %s", who, month,
				  r->li->name);
			free(who);
		}
		msg_row(r, st, tctx_push(c, "messages"), "../../");
	}
	finish(r, st, rc);
	ar_set_count(r, c, "count", n);
	buf_printf(&rel, "author/%s/%s.html", key, month);
	if (n) {
		buf_printf(&dir, "%s/author/%s", r->dir.data, key);
		if (mkdir_p(dir.data, 02775) < 0) {
			ar_fail(r, "archive: cannot create \"%s\": %s", dir.data,
				strerror(errno));
		} else {
			ar_write(r, rel.data, "author_month.html", c);
		}
	} else {
		ar_unlink_last(r, rel.data);
	}
	tctx_free(c);
	buf_release(&rel);
	buf_release(&dir);
}

static void front_threads(struct arender *r, struct tctx *c)
{
	sqlite3_stmt *st = prepare(r, "SELECT thread_id, subject, count, "
		"first, last, participants FROM arch_threads WHERE list_id = ?1 "
		"ORDER BY last DESC, thread_id LIMIT ?2");
	int rc;

	if (!st)
		return;
	sqlite3_bind_int(st, 2, FRONT_THREADS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tctx *e = tctx_push(c, "threads");
		long long n = sqlite3_column_int64(st, 2);
		tctx_set(e, "subject", ar_subject_shown(r, db_col_text(st, 1)));
		tctx_setf(e, "url", "thread/%s.html", db_col_text(st, 0));
		ar_set_count(r, e, "replies", n > 0 ? n - 1 : 0);
		tctx_set(e, "participants", db_col_text(st, 5));
		set_date(e, "first", (time_t)sqlite3_column_int64(st, 3));
		set_date(e, "last", (time_t)sqlite3_column_int64(st, 4));
	}
	finish(r, st, rc);
}

static void list_totals(struct arender *r, struct tctx *c)
{
	sqlite3_stmt *st = prepare(r, "SELECT month, count FROM arch_months "
				   "WHERE list_id = ?1 ORDER BY month DESC");
	long long total = 0;
	int rc;

	if (!st)
		return;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tctx *e = tctx_push(c, "months");
		tctx_set(e, "month", db_col_text(st, 0));
		tctx_setf(e, "url", "%s.html", db_col_text(st, 0));
		tctx_setf(e, "count", "%lld", sqlite3_column_int64(st, 1));
		total += sqlite3_column_int64(st, 1);
	}
	finish(r, st, rc);
	ar_set_count(r, c, "count", total);
	st = prepare(r, "SELECT coalesce((SELECT threads FROM arch_lists WHERE "
		     "list_id = ?1), (SELECT count(*) FROM arch_threads WHERE "
		     "list_id = ?1))");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		ar_set_count(r, c, "threads_count",
			     sqlite3_column_int64(st, 0));
	if (st)
		sqlite3_reset(st);
}

void ar_list_page(struct arender *r)
{
	struct tctx *c = tctx_new();

	ar_common(r, c, "../");
	tctx_setf(c, "title", "%s – %s", r->li->name, r->site->domain);
	tctx_set(c, "feed_url", "feed.atom");
	list_totals(r, c);
	front_threads(r, c);
	ar_write(r, "index.html", "list.html", c);
	tctx_free(c);
}

void ar_list_feed(struct arender *r)
{
	sqlite3_stmt *st = prepare(r, "SELECT " ROW_COLS ", m.received, "
		MSG_WHEN " FROM messages m WHERE m.list_id = ?1 AND "
		"m.removed = 0 ORDER BY " ARRIVAL_DESC " LIMIT ?2");
	struct tctx *c;
	struct buf d = BUF_INIT;
	int rc, n = 0;

	if (!st)
		return;
	sqlite3_bind_int(st, 2, FEED_ENTRIES);
	c = tctx_new();
	ar_common(r, c, "");
	tctx_set(c, "title", r->li->name);
	tctx_setf(c, "feed_id", "%s%s/feed.atom", r->site->base_url,
		  r->li->name);
	tctx_setf(c, "page_url", "%s%s/index.html", r->site->base_url,
		  r->li->name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct tctx *e = tctx_push(c, "entries");
		msg_row(r, st, e, "");
		buf_reset(&d);
		/* as in a thread's feed: updated when it reached the list */
		ar_iso_date((time_t)sqlite3_column_int64(st, 7), &d);
		tctx_set(e, "iso", d.data);
		tctx_setf(e, "abs_url", "%s%s/msg/%s.html", r->site->base_url,
			  r->li->name, db_col_text(st, 0));
		if (n++ == 0) {
			buf_reset(&d);
			ar_iso_date((time_t)sqlite3_column_int64(st, 6), &d);
			tctx_set(c, "updated", d.data);
		}
	}
	finish(r, st, rc);
	if (!n)
		tctx_set(c, "updated", "1970-01-01T00:00:00Z");
	ar_write(r, "feed.atom", "feed.atom", c);
	tctx_free(c);
	buf_release(&d);
}

/* A small bar chart of the 12 months up to the list's last active month,
 * as inline SVG (no script, no style element). */
static void chart(struct arender *r, long long list_id, const char *last,
		  struct tctx *row)
{
	sqlite3_stmt *st;
	struct buf svg = BUF_INIT;
	long long counts[12] = { 0 }, max = 1;
	char months[12][8];
	time_t a, b;
	int i, rc;

	if (month_range(last, &a, &b) < 0)
		return;
	for (i = 11; i >= 0; i--) {
		char prev[8];
		ar_month(a, months[i]);
		ar_month(a - 86400, prev);	/* the month before */
		if (month_range(prev, &a, &b) < 0)
			return;
	}
	st = db_cached(r->site->db, "SELECT month, count FROM arch_months "
			"WHERE list_id = ? AND month >= ? AND month <= ?");
	if (!st) {
		r->errors++;
		return;
	}
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, months[0]);
	db_bind_text(st, 3, months[11]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (i = 0; i < 12; i++)
			if (!strcmp(months[i], db_col_text(st, 0)))
				counts[i] = sqlite3_column_int64(st, 1);
	finish(r, st, rc);
	for (i = 0; i < 12; i++)
		if (counts[i] > max)
			max = counts[i];
	buf_adds(&svg, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\""
		 " viewBox=\"0 0 120 32\" width=\"120\" height=\"32\" role=\"img\">"
		 "<title>");
	html_escape(i18n_get(r->lang, "activity"),
		    strlen(i18n_get(r->lang, "activity")), &svg);
	buf_printf(&svg, ": %s – %s</title>", months[0], months[11]);
	for (i = 0; i < 12; i++) {
		long long h = counts[i] ? 1 + counts[i] * 29 / max : 0;
		buf_printf(&svg, "<rect x=\"%d\" y=\"%lld\" width=\"8\" "
			   "height=\"%lld\" fill=\"#0b4f9c\"><title>%s: %lld"
			   "</title></rect>", i * 10 + 1, 31 - h, h, months[i],
			   counts[i]);
	}
	buf_adds(&svg, "<line x1=\"0\" y1=\"31.5\" x2=\"120\" y2=\"31.5\" "
		 "stroke=\"#555\"/></svg>");
	tctx_set_html(row, "chart", svg.data);
	buf_release(&svg);
}

struct home {
	struct arender *r;
	struct tctx *c;
};

static void home_row(const struct list_info *li, int depth, void *arg)
{
	struct home *h = arg;
	struct tctx *row = tctx_push(h->c, "lists");
	sqlite3_stmt *st;

	tctx_set(row, "name", li->name);
	tctx_set(row, "description", li->description);
	tctx_setf(row, "depth", "%d", depth);
	tctx_set_bool(row, "sub", depth > 0);
	tctx_setf(row, "members", "%lld",
		  list_member_count(h->r->site->db, li->id));
	st = db_cached(h->r->site->db, "SELECT (SELECT coalesce(sum(count), 0)"
		" FROM arch_months WHERE list_id = ?1), (SELECT max(month) FROM "
		"arch_months WHERE list_id = ?1), (SELECT max(received) FROM "
		"messages WHERE list_id = ?1)");
	if (!st) {
		h->r->errors++;
		return;
	}
	sqlite3_bind_int64(st, 1, li->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		tctx_setf(row, "messages", "%lld", sqlite3_column_int64(st, 0));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			set_date(row, "last", (time_t)sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			char *last = xstrdup(db_col_text(st, 1));
			chart(h->r, li->id, last, row);
			free(last);
		}
	}
	sqlite3_reset(st);
}

void ar_home(struct arender *r)
{
	struct home h = { r, tctx_new() };

	ar_common(r, h.c, "");
	tctx_setf(h.c, "title", "%s %s", i18n_get(r->lang, "lists_of"),
		  r->site->domain);
	if (list_each(r->site->db, home_row, &h) < 0)
		r->errors++;
	ar_write(r, "index.html", "home.html", h.c);
	tctx_free(h.c);
}

/* Where message k (from 0) of an mboxrd file starts: every line that
 * starts with "From " starts a message, since body lines that do are
 * quoted.  Sets *count to the messages in the file.  Returns len when
 * k is the number of messages. */
static size_t mbox_offset(const char *data, size_t len, size_t k,
			  size_t *count)
{
	size_t pos = 0, at = len, n = 0;

	while (pos < len) {
		if (len - pos >= 5 && !memcmp(data + pos, "From ", 5)) {
			if (n == k)
				at = pos;
			n++;
		}
		const char *nl = memchr(data + pos, '\n', len - pos);
		pos = nl ? (size_t)(nl - data) + 1 : len;
	}
	*count = n;
	return at;
}

/* The month's non-removed messages before m, and all of them. */
static int month_position(struct arender *r, const struct arch_msg *m,
			  time_t a, time_t b, long long *before,
			  long long *total)
{
	sqlite3_stmt *st = prepare(r, "SELECT count(*) FILTER (WHERE "
		"(" ARRIVAL ") < (?4, ?5, ?6)), count(*) FROM messages m "
		"INDEXED BY messages_received WHERE m.list_id = ?1 AND "
		"m.received >= ?2 AND m.received < ?3 AND m.removed = 0");
	int rc = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 2, (sqlite3_int64)a);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)m->received);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)m->date);
	db_bind_text(st, 6, m->permalink);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*before = sqlite3_column_int64(st, 0);
		*total = sqlite3_column_int64(st, 1);
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

int ar_month_mbox_append(struct arender *r, const char *month,
			 const struct arch_msg *m)
{
	struct buf rel = BUF_INIT, path = BUF_INIT, raw = BUF_INIT,
		   one = BUF_INIT, old = BUF_INIT, out = BUF_INIT;
	long long before, total;
	size_t at, count;
	time_t a, b;
	int rc = 1;

	if (month_range(month, &a, &b) < 0 ||
	    month_position(r, m, a, b, &before, &total) < 0)
		return 1;
	buf_printf(&rel, "%s.mbox", month);
	path_join(&path, r->dir.data, rel.data);
	path_join(&raw, r->site->store_dir, m->path);
	if (read_file(raw.data, (size_t)1 << 30, &one) < 0)
		goto out;
	buf_reset(&raw);
	ar_mboxrd(m->from_addr, m->received, one.data, one.len, &raw);
	if (before == total - 1) {
		/* the month's last message: appended */
		if (access(path.data, F_OK) == 0)
			rc = append_file(path.data, raw.data, raw.len);
		goto out;
	}
	/* an earlier one: put in its place, without reading the month's
	 * other messages again; a file that does not hold the month's other
	 * messages is written whole by the caller */
	if (read_file(path.data, (size_t)1 << 31, &old) < 0)
		goto out;
	at = mbox_offset(old.data, old.len, (size_t)before, &count);
	if ((long long)count != total - 1)
		goto out;
	buf_add(&out, old.data, at);
	buf_add(&out, raw.data, raw.len);
	buf_add(&out, old.data + at, old.len - at);
	ar_write_raw(r, rel.data, out.data, out.len);
	rc = 0;
out:
	buf_release(&rel);
	buf_release(&path);
	buf_release(&raw);
	buf_release(&one);
	buf_release(&old);
	buf_release(&out);
	return rc;
}
