/* state.c: reading and writing the archive's summaries (see state.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/render.h"
#include "archive/state.h"
#include "core/db.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"

/* Participants named on a list's front page, per thread. */
#define PARTICIPANTS_MAX 6

void strset_add(struct strset *set, const char *s)
{
	if (!strset_has(set, s))
		strset_push(set, s);
}

void strset_push(struct strset *set, const char *s)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 8;
		set->s = xreallocarray(set->s, set->cap, sizeof(*set->s));
	}
	set->s[set->n++] = xstrdup(s);
}

int strset_has(const struct strset *set, const char *s)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->s[i], s))
			return 1;
	return 0;
}

void strset_release(struct strset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->s[i]);
	free(set->s);
	memset(set, 0, sizeof(*set));
}

static int threads_of_id(sqlite3_stmt *by_id, sqlite3_stmt *by_ref,
			 long long list_id, const char *id,
			 struct strset *out)
{
	sqlite3_stmt *st[2] = { by_id, by_ref };
	int k, rc = SQLITE_DONE;

	for (k = 0; k < 2; k++) {
		sqlite3_reset(st[k]);
		sqlite3_bind_int64(st[k], 1, list_id);
		db_bind_text(st[k], 2, id);
		while ((rc = sqlite3_step(st[k])) == SQLITE_ROW)
			strset_add(out, db_col_text(st[k], 0));
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

struct scan {
	sqlite3_stmt *by_id, *by_ref;
	long long list_id;
	struct strset *out;
	int rc;
};

static int scan_id(const char *id, size_t len, void *arg)
{
	struct scan *s = arg;

	(void)len;
	if (threads_of_id(s->by_id, s->by_ref, s->list_id, id, s->out) < 0)
		s->rc = -1;
	return s->rc;
}

/* The threads that share an id with the messages of T (a JSON array):
 * one of T's messages names theirs or an id one of theirs names, or one
 * of theirs names one of T's; T's own among them.  Each id once, so a
 * big thread costs its references, not their square.  CROSS JOIN keeps
 * the ids outside: without statistics SQLite would rather walk the whole
 * list's index and probe the ids. */
static const char linked_sql[] =
	"WITH t(id) AS (SELECT value FROM json_each(?2)), "
	"ms(id, message_id) AS (SELECT id, message_id FROM messages INDEXED BY "
	"messages_thread WHERE list_id = ?1 AND thread_id IN t), "
	"ids(x) AS (SELECT message_id FROM ms UNION SELECT r.msgid FROM "
	"ms CROSS JOIN arch_refs r INDEXED BY arch_refs_message ON "
	"r.message = ms.id) "
	"SELECT m.thread_id FROM ids CROSS JOIN messages m INDEXED BY "
	"messages_msgid ON m.list_id = ?1 AND m.message_id = ids.x WHERE "
	"m.thread_id IS NOT NULL UNION SELECT m.thread_id FROM ids CROSS JOIN "
	"arch_refs r ON r.list_id = ?1 AND r.msgid = ids.x CROSS JOIN "
	"messages m ON m.id = r.message WHERE m.thread_id IS NOT NULL";

/* Threads are finer than the parts of the reference graph they come
 * from: a message whose In-Reply-To disagrees with its References sits
 * in one thread while naming another's messages, and a new message can
 * join the two.  Threading only the threads the new messages touch would
 * then leave out messages a full threading puts beside them, so the set
 * grows until no thread outside it shares an id with it, each round
 * looking only from the threads the last one added.  It stops once the
 * set holds more than limit threads (the caller rebuilds instead).
 * SQLITE_DONE or an error code. */
static int close_over(sqlite3 *db, long long list_id, struct strset *threads,
		      size_t limit)
{
	sqlite3_stmt *st = db_prepare(db, linked_sql);
	struct buf json = BUF_INIT;
	size_t i, from = 0, to;
	int rc = st ? SQLITE_DONE : SQLITE_ERROR;

	while (st && rc == SQLITE_DONE && from < threads->n &&
	       threads->n <= limit) {
		to = threads->n;
		buf_reset(&json);
		buf_addc(&json, '[');
		for (i = from; i < to; i++)
			buf_printf(&json, "%s\"%s\"", i > from ? "," : "",
				   threads->s[i]);
		buf_addc(&json, ']');
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, list_id);
		if (db_bind_text(st, 2, json.data) != SQLITE_OK) {
			rc = SQLITE_ERROR;
			break;
		}
		/* strset_add searches linearly: the set stays small */
		while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		       threads->n <= limit)
			strset_add(threads, db_col_text(st, 0));
		if (rc == SQLITE_ROW)
			rc = SQLITE_DONE;
		from = to;
	}
	sqlite3_finalize(st);
	buf_release(&json);
	return rc;
}

int astate_connected(sqlite3 *db, long long list_id, struct strset *threads,
		     size_t max, long long *nnew)
{
	sqlite3_stmt *news = db_prepare(db, "SELECT message_id, in_reply_to, "
		"refs FROM messages WHERE list_id = ? AND thread_id IS NULL");
	/* without statistics SQLite would take the thread index and scan */
	sqlite3_stmt *by_id = db_prepare(db, "SELECT DISTINCT thread_id FROM "
		"messages INDEXED BY messages_msgid WHERE list_id = ? AND "
		"message_id = ? AND thread_id IS NOT NULL");
	sqlite3_stmt *by_ref = db_prepare(db, "SELECT DISTINCT m.thread_id "
		"FROM arch_refs r JOIN messages m ON m.id = r.message WHERE "
		"r.list_id = ? AND r.msgid = ? AND +m.thread_id IS NOT NULL");
	struct scan s = { by_id, by_ref, list_id, threads, 0 };
	int rc = SQLITE_ERROR;
	size_t limit;

	*nnew = 0;
	if (news && by_id && by_ref) {
		sqlite3_bind_int64(news, 1, list_id);
		while (s.rc == 0 && (rc = sqlite3_step(news)) == SQLITE_ROW) {
			(*nnew)++;
			scan_id(db_col_text(news, 0), 0, &s);
			msgids_scan(db_col_text(news, 1), scan_id, &s);
			msgids_scan(db_col_text(news, 2), scan_id, &s);
		}
	}
	sqlite3_finalize(news);
	sqlite3_finalize(by_id);
	sqlite3_finalize(by_ref);
	limit = threads->n + max;
	if (rc == SQLITE_DONE && s.rc == 0 && threads->n)
		rc = close_over(db, list_id, threads, limit);
	if (rc != SQLITE_DONE || s.rc < 0) {
		log_error("archive: cannot find threads: %s", sqlite3_errmsg(db));
		return -1;
	}
	return threads->n > limit;
}

static const char neighbours_sql[] = "SELECT (SELECT b.thread_id FROM "
		"arch_threads b WHERE b.list_id = a.list_id AND (b.first, "
		"b.thread_id) < (a.first, a.thread_id) ORDER BY b.first DESC, "
		"b.thread_id DESC LIMIT 1), (SELECT b.thread_id FROM arch_threads"
		" b WHERE b.list_id = a.list_id AND (b.first, b.thread_id) > "
		"(a.first, a.thread_id) ORDER BY b.first, b.thread_id LIMIT 1) "
		"FROM arch_threads a WHERE a.list_id = ? AND a.thread_id = ?";

static int neighbours_with(sqlite3_stmt *st, long long list_id,
			   const char *id, struct strset *out)
{
	int k, rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, id);
	rc = sqlite3_step(st);
	for (k = 0; rc == SQLITE_ROW && k < 2; k++)
		if (sqlite3_column_type(st, k) != SQLITE_NULL)
			strset_add(out, db_col_text(st, k));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int astate_neighbours(sqlite3 *db, long long list_id, const char *id,
		      struct strset *out)
{
	sqlite3_stmt *st = db_prepare(db, neighbours_sql);
	int rc;

	if (!st)
		return -1;
	rc = neighbours_with(st, list_id, id, out);
	sqlite3_finalize(st);
	return rc;
}

struct saver {
	struct site *site;
	const struct arch_index *ix;
	long long list_id;
	const char *list;
	sqlite3_stmt *thread, *msg, *ref, *known;
	long long added;    /* threads that were not in arch_threads */
	struct buf who;
	size_t who_at[PARTICIPANTS_MAX]; /* where each name starts in who */
	int nwho, rc;
	int full;           /* every message's references anew */
};

/* Is this very name listed (not only a longer one holding it)? */
static int participant_listed(const struct saver *s, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 0; i < s->nwho; i++) {
		size_t end = i + 1 < s->nwho ? s->who_at[i + 1] - 2 :
			     s->who.len;
		if (end - s->who_at[i] == len &&
		    !memcmp(s->who.data + s->who_at[i], name, len))
			return 1;
	}
	return 0;
}

static void participant(struct thread_node *n, void *arg)
{
	struct saver *s = arg;
	const struct arch_msg *m;
	char *a;

	if (n->msg < 0 || s->nwho >= PARTICIPANTS_MAX)
		return;
	m = &s->ix->msgs[n->msg];
	if (m->removed)
		return;
	a = ar_author(s->site, NULL, m->from_name, m->from_addr);
	/* a name already listed is not repeated; nobody is not listed */
	if (a && !participant_listed(s, a)) {
		if (s->who.len)
			buf_adds(&s->who, ", ");
		s->who_at[s->nwho++] = s->who.len;
		buf_adds(&s->who, a);
	}
	free(a);
}

static int add_ref(const char *id, size_t len, void *arg)
{
	struct saver *s = arg;
	sqlite3_stmt *st = s->ref;

	(void)len;
	/* reset after each step, not before the next: save_msg binds the
	 * message's row between two calls, and a statement that has been
	 * stepped refuses new bindings until it is reset */
	if (sqlite3_bind_int64(st, 1, s->list_id) != SQLITE_OK ||
	    db_bind_text(st, 2, id) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		s->rc = -1;
	sqlite3_reset(st);
	return 0;
}

static void save_msg(struct thread_node *n, void *arg)
{
	void **a = arg;
	struct saver *s = a[0];
	const char *tid = a[1];
	const struct arch_msg *m;

	if (n->msg < 0)
		return;
	m = &s->ix->msgs[n->msg];
	if (!m->thread_id || strcmp(m->thread_id, tid)) {
		sqlite3_reset(s->msg);
		db_bind_text(s->msg, 1, tid);
		sqlite3_bind_int64(s->msg, 2, m->rowid);
		if (sqlite3_step(s->msg) != SQLITE_DONE)
			s->rc = -1;
	}
	if (!m->thread_id || s->full) {
		if (sqlite3_bind_int64(s->ref, 3, m->rowid) != SQLITE_OK)
			s->rc = -1;
		msgids_scan(m->in_reply_to, add_ref, s);
		msgids_scan(m->refs, add_ref, s);
	}
}

int astate_init(sqlite3 *db)
{
	/* made here rather than in the schema: only the archive uses it, and
	 * IF NOT EXISTS makes it free once made */
	/* arch_messages_author: an author's pages read the most recent posts
	 * in time order (stopping after them) and the months posted in from
	 * the index alone; arch_messages_time: a month's day counts and its
	 * count in arch_months come from the index alone, without reading
	 * each of the month's rows; arch_refs_message: the ids a thread's
	 * messages name, when an update grows its set of threads */
	return db_exec(db, "CREATE INDEX IF NOT EXISTS arch_threads_subject "
		       "ON arch_threads(list_id, subject, first);"
		       "CREATE INDEX IF NOT EXISTS arch_messages_author "
		       "ON messages(list_id, from_addr, received, removed);"
		       "CREATE INDEX IF NOT EXISTS arch_messages_time "
		       "ON messages(list_id, received, removed, thread_id);"
		       "CREATE INDEX IF NOT EXISTS arch_refs_message "
		       "ON arch_refs(message);"
		       "CREATE TABLE IF NOT EXISTS arch_lists("
		       "list_id INTEGER PRIMARY KEY, threads INTEGER NOT NULL)");
}

void astate_subject(const struct arch_index *ix, const struct arch_thread *t,
		    const char *list, struct buf *out)
{
	if (ix->msgs[t->first_msg].removed)
		buf_adds(out, SUBJECT_REMOVED);
	else
		subject_clean(ix->msgs[t->first_msg].subject, list, 1, out);
}

int astate_old_subject(sqlite3 *db, long long list_id, const char *id,
		       struct buf *out, time_t *first)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT subject, first FROM "
		"arch_threads WHERE list_id = ? AND thread_id = ?");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		buf_adds(out, db_col_text(st, 0));
		*first = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Threads of the same subject, by start: the RELATED_MAX before (newest
 * first) and after (oldest first) (first, id); SUBJECT_NONE and
 * SUBJECT_REMOVED relate nothing. */
static const char *related_sql[2] = {
		"SELECT b.thread_id, b.subject, b.first FROM arch_threads a "
		"JOIN arch_threads b INDEXED BY arch_threads_subject ON b.list_id "
		"= a.list_id AND b.subject = "
		"a.subject AND (b.first, b.thread_id) < (a.first, a.thread_id) "
		"WHERE a.list_id = ?1 AND a.thread_id = ?2 AND a.subject NOT IN "
		"('" SUBJECT_NONE "', '" SUBJECT_REMOVED "') ORDER BY b.first DESC, "
		"b.thread_id DESC LIMIT ?3",
		"SELECT b.thread_id, b.subject, b.first FROM arch_threads a "
		"JOIN arch_threads b INDEXED BY arch_threads_subject ON b.list_id "
		"= a.list_id AND b.subject = "
		"a.subject AND (b.first, b.thread_id) > (a.first, a.thread_id) "
		"WHERE a.list_id = ?1 AND a.thread_id = ?2 AND a.subject NOT IN "
		"('" SUBJECT_NONE "', '" SUBJECT_REMOVED "') ORDER BY b.first, b.thread_id "
		"LIMIT ?3" };

static int related_with(sqlite3_stmt *const st[2], long long list_id,
			const char *id,
			void (*fn)(const char *id, const char *subject,
				   time_t first, void *arg), void *arg)
{
	int k, rc = SQLITE_DONE;

	for (k = 0; k < 2 && rc == SQLITE_DONE; k++) {
		sqlite3_reset(st[k]);
		sqlite3_bind_int64(st[k], 1, list_id);
		db_bind_text(st[k], 2, id);
		sqlite3_bind_int(st[k], 3, RELATED_MAX);
		while ((rc = sqlite3_step(st[k])) == SQLITE_ROW)
			fn(db_col_text(st[k], 0), db_col_text(st[k], 1),
			   (time_t)sqlite3_column_int64(st[k], 2), arg);
		sqlite3_reset(st[k]);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

int astate_related(sqlite3 *db, long long list_id, const char *id,
		   void (*fn)(const char *id, const char *subject, time_t first,
			      void *arg), void *arg)
{
	sqlite3_stmt *st[2];
	int rc = -1;

	/* called once per thread page: prepared once per connection */
	st[0] = db_cached(db, related_sql[0]);
	st[1] = st[0] ? db_cached(db, related_sql[1]) : NULL;
	if (st[1])
		rc = related_with(st, list_id, id, fn, arg);
	return rc;
}

static void add_linked(const char *id, const char *subject, time_t first,
		       void *arg)
{
	(void)subject;
	(void)first;
	strset_add(arg, id);
}

int astate_linked(sqlite3 *db, long long list_id, const struct strset *ids,
		  struct strset *out)
{
	sqlite3_stmt *nb, *rel[2] = { NULL, NULL };
	size_t i;
	int rc = -1;

	if (!ids->n)
		return 0;
	/* prepared once for all the ids */
	nb = db_prepare(db, neighbours_sql);
	if (nb)
		rel[0] = db_prepare(db, related_sql[0]);
	if (rel[0])
		rel[1] = db_prepare(db, related_sql[1]);
	if (rel[1])
		rc = 0;
	for (i = 0; rc == 0 && i < ids->n; i++)
		if (neighbours_with(nb, list_id, ids->s[i], out) < 0 ||
		    related_with(rel, list_id, ids->s[i], add_linked, out) < 0)
			rc = -1;
	sqlite3_finalize(nb);
	sqlite3_finalize(rel[0]);
	sqlite3_finalize(rel[1]);
	return rc;
}

static void save_thread(struct saver *s, const struct arch_thread *t)
{
	struct buf subj = BUF_INIT;
	void *arg[2] = { s, (void *)t->id };
	sqlite3_stmt *st = s->thread;

	astate_subject(s->ix, t, s->list, &subj);
	buf_reset(&s->who);
	s->nwho = 0;
	thread_walk(t->root, participant, s);
	if (!s->full) {
		sqlite3_reset(s->known);
		sqlite3_bind_int64(s->known, 1, s->list_id);
		db_bind_text(s->known, 2, t->id);
		if (sqlite3_step(s->known) == SQLITE_DONE)
			s->added++;
	}
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, s->list_id);
	db_bind_text(st, 2, t->id);
	db_bind_text(st, 3, subj.data);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)t->count);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)t->first);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)t->last);
	db_bind_text(st, 7, s->who.data);
	if (sqlite3_step(st) != SQLITE_DONE)
		s->rc = -1;
	thread_walk(t->root, save_msg, arg);
	buf_release(&subj);
}

static int exec_list(sqlite3 *db, const char *sql, long long list_id,
		     const char *text)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	if (text)
		db_bind_text(st, 2, text);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int save_months(sqlite3 *db, long long list_id,
		       const struct strset *months, int full)
{
	size_t i;

	if (full)
		return exec_list(db, "DELETE FROM arch_months WHERE list_id = ?1",
				 list_id, NULL) < 0 ||
		       exec_list(db, "INSERT INTO arch_months SELECT ?1, "
				 "strftime('%Y-%m', received, 'unixepoch'), "
				 "count(*) FROM messages WHERE list_id = ?1 AND "
				 "removed = 0 GROUP BY 2", list_id, NULL) < 0 ?
		       -1 : 0;
	for (i = 0; i < months->n; i++)
		if (exec_list(db, "INSERT OR REPLACE INTO arch_months SELECT ?1,"
			      " ?2, count(*) FROM messages INDEXED BY "
			      "arch_messages_time WHERE list_id = ?1 "
			      "AND received >= unixepoch(?2 || '-01') AND "
			      "received < unixepoch(?2 || '-01', '+1 month') AND "
			      "removed = 0", list_id, months->s[i]) < 0 ||
		    exec_list(db, "DELETE FROM arch_months WHERE list_id = ?1 "
			      "AND month = ?2 AND count = 0", list_id,
			      months->s[i]) < 0)
			return -1;
	return 0;
}

static int clear_old(sqlite3 *db, long long list_id,
		     const struct strset *old, int full, long long *removed)
{
	size_t i;

	if (full)
		return exec_list(db, "DELETE FROM arch_threads WHERE list_id = ?1",
				 list_id, NULL) < 0 ||
		       exec_list(db, "DELETE FROM arch_refs WHERE list_id = ?1",
				 list_id, NULL) < 0 ? -1 : 0;
	for (i = 0; i < old->n; i++)
		if (exec_list(db, "DELETE FROM arch_threads WHERE list_id = ?1 "
			      "AND thread_id = ?2", list_id, old->s[i]) < 0)
			return -1;
		else
			*removed += sqlite3_changes(db);
	return 0;
}

/* The list's number of threads, kept in arch_lists so that the front
 * page need not count them: counted in a rebuild (or when missing), else
 * moved by the threads an update added and removed. */
static int save_thread_count(sqlite3 *db, long long list_id, int full,
			     long long delta)
{
	sqlite3_stmt *st;
	int rc;

	if (!full) {
		st = db_prepare(db, "UPDATE arch_lists SET threads = threads + ?2"
				" WHERE list_id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, list_id);
		sqlite3_bind_int64(st, 2, delta);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return -1;
		if (sqlite3_changes(db) > 0)
			return 0;
	}
	return exec_list(db, "INSERT OR REPLACE INTO arch_lists(list_id, "
			 "threads) SELECT ?1, count(*) FROM arch_threads WHERE "
			 "list_id = ?1", list_id, NULL);
}

int astate_save(struct site *site, long long list_id, const char *list,
		const struct arch_index *ix, const struct strset *old,
		const struct strset *months, int full)
{
	sqlite3 *db = site->db;
	struct saver s;
	long long sync_level, removed = 0;
	char restore[32];
	size_t i;

	memset(&s, 0, sizeof(s));
	s.site = site;
	s.ix = ix;
	s.list_id = list_id;
	s.list = list;
	buf_init(&s.who);
	/* the summaries can always be rebuilt, and a lost commit only leaves
	 * messages unthreaded for the next update: no fsync for them.  The
	 * connection's level is put back after (FULL, or NORMAL for import) */
	sync_level = db_scalar(db, "PRAGMA synchronous", NULL, 2);
	snprintf(restore, sizeof(restore), "PRAGMA synchronous = %d",
		 sync_level >= 0 && sync_level <= 3 ? (int)sync_level : 2);
	if (db_exec(db, "PRAGMA synchronous = NORMAL") < 0)
		return -1;
	if (db_begin(db) < 0) {
		db_exec(db, restore);
		return -1;
	}

	s.full = full;
	s.thread = db_prepare(db, "INSERT OR REPLACE INTO arch_threads(list_id,"
		" thread_id, subject, count, first, last, participants) VALUES "
		"(?, ?, ?, ?, ?, ?, ?)");
	s.msg = db_prepare(db, "UPDATE messages SET thread_id = ? WHERE id = ?");
	s.ref = db_prepare(db, "INSERT OR IGNORE INTO arch_refs(list_id, msgid,"
			   " message) VALUES (?, ?, ?)");
	s.known = db_prepare(db, "SELECT 1 FROM arch_threads WHERE list_id = ?"
			     " AND thread_id = ?");
	if (!s.thread || !s.msg || !s.ref || !s.known ||
	    clear_old(db, list_id, old, full, &removed))
		s.rc = -1;
	for (i = 0; s.rc == 0 && i < ix->nthreads; i++)
		save_thread(&s, &ix->threads[i]);
	if (s.rc == 0 && save_months(db, list_id, months, full) < 0)
		s.rc = -1;
	if (s.rc == 0 &&
	    save_thread_count(db, list_id, full, s.added - removed) < 0)
		s.rc = -1;
	sqlite3_finalize(s.known);
	sqlite3_finalize(s.thread);
	sqlite3_finalize(s.msg);
	sqlite3_finalize(s.ref);
	buf_release(&s.who);
	if (s.rc < 0) {
		log_error("archive: cannot record threads of \"%s\": %s", list,
			  sqlite3_errmsg(db));
		db_rollback(db);
		db_exec(db, restore);
		return -1;
	}
	s.rc = db_commit(db);
	if (db_exec(db, restore) < 0)
		s.rc = -1;
	return s.rc;
}
