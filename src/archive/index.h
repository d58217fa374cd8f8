/* index.h: a list's archived messages loaded from the database and
 * threaded: what the archive pages and `confer threads` are made from. */
#ifndef CONFER_INDEX_H
#define CONFER_INDEX_H

#include <sqlite3.h>
#include <time.h>

#include "archive/thread.h"
#include "core/buf.h"
#include "core/strpool.h"

struct arch_msg {
	long long rowid;
	char *permalink;
	char *message_id;
	int id_generated;
	time_t received;
	time_t date;        /* Date: header, or received when it has none */
	int has_date;
	/* what threads and replies are ordered by: the Date: header, but
	 * never later than receipt, so that a date in the future cannot keep
	 * a thread on top */
	time_t when;
	char *from_name, *from_addr, *subject;
	char *in_reply_to, *refs;
	char *path;         /* relative to the store */
	char *thread_id;    /* as last recorded, NULL for a new message */
	int removed;        /* taken out of the archive (a placeholder) */
};

struct arch_thread {
	struct thread_node *root;
	char id[32];        /* the thread's permalink id */
	size_t count;       /* messages present (not removed) */
	time_t first, last;
	int first_msg;      /* index of the earliest message present (a
			     * removed one only when all are removed) */
};

struct arch_index {
	struct arch_msg *msgs;      /* their strings live in strs: a full
				     * build's workers share these pages */
	struct strpool strs;
	size_t n;
	struct thread_set ts;
	struct arch_thread *threads; /* newest activity first */
	size_t nthreads;
	int *thread_of;     /* per message: index into threads */
};

/* Loads and threads the messages of list_id.  0 or -1 (logged). */
int arch_index_load(sqlite3 *db, long long list_id, struct arch_index *ix);
void arch_index_release(struct arch_index *ix);

/* Loads and threads only the messages of the given threads (thread_ids:
 * n ids) and the messages not yet threaded, for adding messages without
 * reloading the list.  Because threads are the connected parts of the
 * reference graph, threading this subset gives the threads a full load
 * would give for these messages.  0 or -1 (logged). */
int arch_index_load_threads(sqlite3 *db, long long list_id,
			    char **thread_ids, size_t n,
			    struct arch_index *ix);

/* The archive's own subjects for a message without one and for a removed
 * thread root: kept in its state (arch_threads) in this form, whatever
 * the list's language, and shown in it (ar_subject_shown). */
#define SUBJECT_NONE "(no subject)"
#define SUBJECT_REMOVED "(removed)"

/* The subject without the list tag "[list]" (and, when strip_replies,
 * without reply prefixes such as Re: and AW:), for display, appended to
 * out; SUBJECT_NONE when nothing is left.  A subject longer than
 * SUBJECT_SHOWN_MAX bytes is cut there and ends with "…": it is shown in
 * every list, title and reply link, and no mailer writes one that long
 * (the raw message keeps it whole). */
#define SUBJECT_SHOWN_MAX 1000
void subject_clean(const char *subject, const char *list, int strip_replies,
		   struct buf *out);

#endif
