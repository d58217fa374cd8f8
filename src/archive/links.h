/* links.h: each thread's previous and next thread and its possibly related
 * threads, worked out in memory for a full build.
 *
 * They give the same answers as the queries of state.h (astate_related and
 * the neighbour query of the thread page) over a complete thread index, so
 * that a full build needs no query per thread page and its thread pages
 * need no database at all.  An update, which holds only some threads in
 * memory, keeps asking the database. */
#ifndef CONFER_ARCHIVE_LINKS_H
#define CONFER_ARCHIVE_LINKS_H

#include <stddef.h>

#include "archive/index.h"

struct thread_links {
	size_t n;               /* threads */
	int *prev, *next;       /* per thread: index into ix->threads, or -1 */
	size_t *rel_start;      /* per thread: its related threads are */
	size_t *rel_count;      /* rel[rel_start .. rel_start + rel_count) */
	int *rel;               /* thread indexes, the order of astate_related */
	char **subject;         /* per thread: as arch_threads.subject holds it */
};

/* Computes the links of every thread of ix (a full index of list `list`). */
void links_compute(const struct arch_index *ix, const char *list,
		   struct thread_links *out);
void links_release(struct thread_links *l);

#endif
