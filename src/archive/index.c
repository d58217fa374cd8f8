/* index.c: loading a list's messages and threading them. */
#include <stdlib.h>
#include <string.h>

#include "archive/index.h"
#include "archive/store.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"

static char *col(struct arch_index *ix, sqlite3_stmt *st, int i)
{
	const char *t = db_col_text(st, i);

	return strpool_dup(&ix->strs, t, strlen(t));
}

static char *col_or_null(struct arch_index *ix, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strpool_dup(&ix->strs, (const char *)t,
			       strlen((const char *)t)) : NULL;
}

static void fill(struct arch_index *ix, sqlite3_stmt *st, struct arch_msg *m)
{
	m->rowid = sqlite3_column_int64(st, 0);
	m->permalink = col(ix, st, 1);
	m->message_id = col(ix, st, 2);
	m->id_generated = sqlite3_column_int(st, 3);
	m->received = (time_t)sqlite3_column_int64(st, 4);
	m->has_date = sqlite3_column_type(st, 5) != SQLITE_NULL;
	m->date = m->has_date ? (time_t)sqlite3_column_int64(st, 5) :
				m->received;
	m->when = m->date < m->received ? m->date : m->received;
	m->from_name = col(ix, st, 6);
	m->from_addr = col(ix, st, 7);
	m->subject = col(ix, st, 8);
	m->in_reply_to = col_or_null(ix, st, 9);
	m->refs = col_or_null(ix, st, 10);
	m->path = col(ix, st, 11);
	m->thread_id = col_or_null(ix, st, 12);
	m->removed = sqlite3_column_int(st, 13);
}

#define MSG_COLUMNS "SELECT id, permalink, message_id, id_generated, " \
	"received, date, from_name, from_addr, subject, in_reply_to, refs, " \
	"path, thread_id, removed FROM messages WHERE list_id = ?1 "

/* json: NULL for every message of the list, else a JSON array of thread
 * ids whose messages (and the unthreaded ones) to load. */
static int load(sqlite3 *db, long long list_id, const char *json,
		struct arch_index *ix)
{
	/* two indexed lookups: an OR would make SQLite scan the list */
	sqlite3_stmt *st = db_prepare(db, json ? MSG_COLUMNS "AND thread_id "
		"IN (SELECT value FROM json_each(?2)) UNION ALL " MSG_COLUMNS
		"AND thread_id IS NULL ORDER BY 1" : MSG_COLUMNS "ORDER BY id");
	size_t cap = 0;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	if (json)
		db_bind_text(st, 2, json);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ix->n == cap) {
			cap = cap ? cap * 2 : 64;
			ix->msgs = xreallocarray(ix->msgs, cap, sizeof(*ix->msgs));
		}
		fill(ix, st, &ix->msgs[ix->n++]);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct summary {
	struct arch_index *ix;
	struct arch_thread *t;
	int idx;
};

/* A message reusing the root's Message-ID (it sits below the root). */
static int root_copy(const struct summary *s, const struct thread_node *n)
{
	const struct thread_node *r = s->t->root;

	return n != r && n->msgid && r->msgid && !strcmp(n->msgid, r->msgid);
}

/* Whose subject names the thread: the root's when the root is here (the
 * walk meets it first), so that a reply dated earlier does not rename
 * it; else the earliest message, but not one reusing the root's id when
 * another will do, since its Date: is the reuser's to choose. */
static int names_thread(const struct summary *s, const struct thread_node *n)
{
	const struct arch_thread *t = s->t;
	const struct thread_node *cur;
	int mine, theirs;

	if (t->count == 0)
		return 1;
	if (t->root->msg >= 0 && !s->ix->msgs[t->root->msg].removed)
		return 0;
	cur = s->ix->ts.node_of[t->first_msg];
	mine = root_copy(s, n);
	theirs = root_copy(s, cur);
	if (mine != theirs)
		return theirs;
	return s->ix->msgs[n->msg].when < s->ix->msgs[t->first_msg].when;
}

static void summarize(struct thread_node *node, void *arg)
{
	struct summary *s = arg;
	const struct arch_msg *m;

	if (node->msg < 0)
		return;
	m = &s->ix->msgs[node->msg];
	s->ix->thread_of[node->msg] = s->idx;
	if (m->removed) {
		/* dates of removed messages only when nothing else is left */
		if (s->t->count == 0 && s->t->first_msg < 0) {
			s->t->first = s->t->last = m->when;
			s->t->first_msg = node->msg;
		}
		return;
	}
	if (names_thread(s, node))
		s->t->first_msg = node->msg;
	if (s->t->count == 0 || m->when < s->t->first)
		s->t->first = m->when;
	if (s->t->count == 0 || m->when > s->t->last)
		s->t->last = m->when;
	s->t->count++;
}

static int by_activity(const void *a, const void *b)
{
	const struct arch_thread *x = a, *y = b;

	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void make_threads(struct arch_index *ix)
{
	size_t i;

	ix->threads = xcalloc(ix->ts.nroots ? ix->ts.nroots : 1,
			      sizeof(*ix->threads));
	ix->thread_of = xcalloc(ix->n ? ix->n : 1, sizeof(int));
	for (i = 0; i < ix->ts.nroots; i++) {
		struct arch_thread *t = &ix->threads[i];
		t->root = ix->ts.roots[i];
		t->first_msg = -1;
		if (t->root->msg >= 0)
			memcpy(t->id, ix->msgs[t->root->msg].permalink,
			       strlen(ix->msgs[t->root->msg].permalink) + 1);
		else
			permalink_compute(t->root->msgid ? t->root->msgid : "",
					  NULL, t->id);
	}
	ix->nthreads = ix->ts.nroots;
	for (i = 0; i < ix->nthreads; i++) {
		struct summary s = { ix, &ix->threads[i], (int)i };
		thread_walk(ix->threads[i].root, summarize, &s);
	}
	qsort(ix->threads, ix->nthreads, sizeof(*ix->threads), by_activity);
	/* thread_of must name positions after sorting */
	for (i = 0; i < ix->nthreads; i++) {
		struct arch_thread copy = ix->threads[i];
		struct summary s = { ix, &copy, (int)i };
		copy.count = 0;
		thread_walk(ix->threads[i].root, summarize, &s);
	}
}

static int index_load(sqlite3 *db, long long list_id, const char *json,
		      struct arch_index *ix)
{
	struct thread_msg *tm;
	size_t i;

	memset(ix, 0, sizeof(*ix));
	if (load(db, list_id, json, ix) < 0) {
		arch_index_release(ix);
		return -1;
	}
	tm = xcalloc(ix->n ? ix->n : 1, sizeof(*tm));
	for (i = 0; i < ix->n; i++) {
		const struct arch_msg *m = &ix->msgs[i];
		char plain[32];
		/* a generated id is ours, nobody can refer to it */
		tm[i].msgid = m->message_id;
		tm[i].in_reply_to = m->in_reply_to;
		tm[i].references = m->refs;
		tm[i].date = m->when;
		tm[i].sent = m->date;
		tm[i].tiebreak = m->permalink;
		/* the message that reached the list first holds its id's own
		 * permalink (store.c); the others sharing the id have one
		 * that also covers their content */
		permalink_compute(m->message_id, NULL, plain);
		tm[i].primary = !strcmp(plain, m->permalink);
	}
	thread_build(tm, ix->n, &ix->ts);
	free(tm);
	make_threads(ix);
	return 0;
}

int arch_index_load(sqlite3 *db, long long list_id, struct arch_index *ix)
{
	return index_load(db, list_id, NULL, ix);
}

int arch_index_load_threads(sqlite3 *db, long long list_id,
			    char **thread_ids, size_t n,
			    struct arch_index *ix)
{
	struct buf json = BUF_INIT;
	size_t i;
	int rc;

	/* thread ids are base32 permalinks: nothing to escape */
	buf_addc(&json, '[');
	for (i = 0; i < n; i++)
		buf_printf(&json, "%s\"%s\"", i ? "," : "", thread_ids[i]);
	buf_addc(&json, ']');
	rc = index_load(db, list_id, json.data, ix);
	buf_release(&json);
	return rc;
}

void arch_index_release(struct arch_index *ix)
{
	strpool_release(&ix->strs);
	free(ix->msgs);
	thread_set_release(&ix->ts);
	free(ix->threads);
	free(ix->thread_of);
	memset(ix, 0, sizeof(*ix));
}

static size_t reply_prefix(const char *s)
{
	static const char *prefixes[] = { "re:", "aw:", "sv:", "fw:", "fwd:",
					  "antw:", "ref:", "tr:", "r:" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (starts_with_ci(s, prefixes[i]))
			return strlen(prefixes[i]);
	return 0;
}

void subject_clean(const char *subject, const char *list, int strip_replies,
		   struct buf *out)
{
	struct buf tag = BUF_INIT;
	const char *s = skip_ws(subject);
	size_t n, start = out->len;

	buf_printf(&tag, "[%s]", list ? list : "");
	for (;;) {
		const char *t;
		if (list && starts_with_ci(s, tag.data))
			s = skip_ws(s + tag.len);
		else if (strip_replies && (n = reply_prefix(s)) > 0)
			s = skip_ws(s + n);
		else if (!strip_replies && (n = reply_prefix(s)) > 0 &&
			 starts_with_ci((t = skip_ws(s + n)), tag.data)) {
			/* "Re: [list] x" keeps its Re: but loses the tag */
			buf_add(out, s, n);
			buf_addc(out, ' ');
			s = skip_ws(t + tag.len);
		} else
			break;
	}
	buf_adds(out, s);
	buf_rtrim(out);
	if (out->len - start > SUBJECT_SHOWN_MAX) {
		/* cut at a character's first byte */
		n = start + SUBJECT_SHOWN_MAX;
		while (n > start && ((unsigned char)out->data[n] & 0xc0) == 0x80)
			n--;
		buf_setlen(out, n);
		buf_adds(out, "…");
	}
	if (out->len == start)
		buf_adds(out, SUBJECT_NONE);
	buf_release(&tag);
}
