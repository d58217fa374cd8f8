/* links.c: previous/next and related threads of a full build, in memory
 * (see links.h; the order and limits are those of state.c's queries). */
#include <stdlib.h>
#include <string.h>

#include "archive/links.h"
#include "archive/state.h"
#include "core/buf.h"
#include "core/util.h"

struct entry {
	const struct arch_thread *t;
	const char *subject;    /* as stored in arch_threads.subject */
	int idx;
};

/* (first, thread id) as SQLite compares the row values: integer, then
 * text in binary collation. */
static int by_start(const struct entry *a, const struct entry *b)
{
	if (a->t->first != b->t->first)
		return a->t->first < b->t->first ? -1 : 1;
	return strcmp(a->t->id, b->t->id);
}

static int cmp_start(const void *a, const void *b)
{
	return by_start(a, b);
}

static int cmp_subject(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->subject, y->subject);

	return c ? c : by_start(x, y);
}

static int relates(const char *subject)
{
	return strcmp(subject, SUBJECT_NONE) && strcmp(subject, SUBJECT_REMOVED);
}

void links_compute(const struct arch_index *ix, const char *list,
		   struct thread_links *out)
{
	size_t n = ix->nthreads, i, g, k, nrel = 0;
	struct entry *e = xcalloc(n ? n : 1, sizeof(*e));
	struct buf s = BUF_INIT;

	out->n = n;
	out->prev = xcalloc(n ? n : 1, sizeof(int));
	out->next = xcalloc(n ? n : 1, sizeof(int));
	out->rel_start = xcalloc(n ? n : 1, sizeof(size_t));
	out->rel_count = xcalloc(n ? n : 1, sizeof(size_t));
	out->subject = xcalloc(n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		buf_reset(&s);
		astate_subject(ix, &ix->threads[i], list, &s);
		e[i].t = &ix->threads[i];
		e[i].subject = out->subject[i] = buf_detach(&s, NULL);
		e[i].idx = (int)i;
	}
	qsort(e, n, sizeof(*e), cmp_start);
	for (i = 0; i < n; i++) {
		out->prev[e[i].idx] = i > 0 ? e[i - 1].idx : -1;
		out->next[e[i].idx] = i + 1 < n ? e[i + 1].idx : -1;
	}
	qsort(e, n, sizeof(*e), cmp_subject);
	out->rel = xcalloc(n * 2 * RELATED_MAX + 1, sizeof(int));
	for (g = 0; g < n; g = k) {
		/* e[g .. k) share a subject, in order of start */
		for (k = g + 1; k < n && !strcmp(e[k].subject, e[g].subject);
		     k++)
			;
		for (i = g; i < k; i++) {
			size_t j, idx = (size_t)e[i].idx;
			out->rel_start[idx] = nrel;
			if (!relates(e[i].subject))
				continue;
			/* RELATED_MAX before, newest first */
			for (j = i; j > g && i - j < RELATED_MAX; j--)
				out->rel[nrel++] = e[j - 1].idx;
			/* RELATED_MAX after, oldest first */
			for (j = i + 1; j < k && j - i <= RELATED_MAX; j++)
				out->rel[nrel++] = e[j].idx;
			out->rel_count[idx] = nrel - out->rel_start[idx];
		}
	}
	free(e);
	buf_release(&s);
}

void links_release(struct thread_links *l)
{
	size_t i;

	free(l->prev);
	free(l->next);
	free(l->rel_start);
	free(l->rel_count);
	free(l->rel);
	for (i = 0; l->subject && i < l->n; i++)
		free(l->subject[i]);
	free(l->subject);
	memset(l, 0, sizeof(*l));
}
