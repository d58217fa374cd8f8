/* state.h: the archive's state in the database (schema version 3): each
 * message's thread, the ids messages refer to, and per-thread and
 * per-month summaries.  It lets an update find the threads a new message
 * joins and render list, month and feed pages without loading the list. */
#ifndef CONFER_STATE_H
#define CONFER_STATE_H

#include <sqlite3.h>
#include <time.h>

#include "archive/index.h"

struct site;

/* A set of strings (thread ids, months, addresses), in insertion order. */
struct strset {
	char **s;
	size_t n, cap;
};

/* Adds s unless it is there (a linear search: for the few threads,
 * months and authors an update touches). */
void strset_add(struct strset *set, const char *s);
/* Adds s without looking (for values already distinct). */
void strset_push(struct strset *set, const char *s);
int strset_has(const struct strset *set, const char *s);
void strset_release(struct strset *set);

/* The threads the list's unthreaded (new) messages connect to: those of
 * messages they refer to, that refer to them, or that refer to an id they
 * refer to, and then the threads connected in the same way to those,
 * until none is added.  Also counts the new messages.  0, -1 (logged),
 * or 1 when the second step added more than max threads and stopped
 * (the set is then incomplete: rebuild instead). */
int astate_connected(sqlite3 *db, long long list_id, struct strset *threads,
		     size_t max, long long *nnew);

/* Records the threads of ix in one transaction: thread ids of messages,
 * the thread summaries (replacing those named in old, or all the list's
 * when full), the ids new messages refer to, and the message counts of
 * the months in months (every month when full).  0 or -1 (logged). */
int astate_save(struct site *site, long long list_id, const char *list,
		const struct arch_index *ix, const struct strset *old,
		const struct strset *months, int full);

/* Makes the indexes the archive reads by (astate_related, author and
 * month pages) and arch_lists (threads per list), once.  0 or -1. */
int astate_init(sqlite3 *db);

/* Threads shown as possibly related on a thread page, each way. */
#define RELATED_MAX 5

/* The subject a thread is recorded and related under (reply prefixes and
 * list tag removed; "(removed)" when only removed messages are left). */
void astate_subject(const struct arch_index *ix, const struct arch_thread *t,
		    const char *list, struct buf *out);
/* The recorded subject and start of thread id: 1 (subject appended to
 * out), 0 when the thread is not recorded, -1 on a database error. */
int astate_old_subject(sqlite3 *db, long long list_id, const char *id,
		       struct buf *out, time_t *first);
/* Calls fn for the threads that only share thread id's subject: up to
 * RELATED_MAX that started before it (newest first), then up to
 * RELATED_MAX after (oldest first).  Never merged: the thread pages only
 * show them.  0 or -1. */
int astate_related(sqlite3 *db, long long list_id, const char *id,
		   void (*fn)(const char *id, const char *subject, time_t first,
			      void *arg), void *arg);

/* Adds the ids before and after thread id (by start) to out. */
int astate_neighbours(sqlite3 *db, long long list_id, const char *id,
		      struct strset *out);

/* For each of ids, adds to out the threads whose pages link to it: the
 * ones before and after it by start and those it is possibly related to
 * (astate_neighbours and astate_related, each statement prepared once).
 * 0 or -1. */
int astate_linked(sqlite3 *db, long long list_id, const struct strset *ids,
		  struct strset *out);

#endif
