/* workers.h: spreads a full archive build over worker processes.
 *
 * A full build renders tens of thousands of independent pages from a
 * read-only snapshot (the thread index and the committed database), so it
 * splits cleanly: worker k of n renders every n-th item.  Processes, not
 * threads: the template cache, the libetpan parser and iconv keep state that
 * is not thread-safe, and a crash in one worker cannot corrupt another. */
#ifndef CONFER_ARCHIVE_WORKERS_H
#define CONFER_ARCHIVE_WORKERS_H

#include "core/site.h"

/* The number of workers for a build of `items` independent items: the
 * site's archive_workers (at most 8); when that is 0, one per online CPU
 * (at most 8), but 1 for small builds, where a fork costs more than it
 * saves. */
unsigned workers_count(const struct site *site, size_t items);

/* Runs job(site, k, n, arg) for k = 0..n-1, k = 0 in this process and each
 * other k in a child with its own database connection (an SQLite
 * connection must not cross a fork).  The database must hold no open
 * transaction.  job returns 0 or -1 (after logging why).  Returns 0 when
 * every worker succeeded, -1 otherwise. */
int workers_run(struct site *site, unsigned n,
		int (*job)(struct site *site, unsigned k, unsigned n,
			   void *arg),
		void *arg);

#endif
