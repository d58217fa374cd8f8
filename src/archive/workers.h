/* workers.h: spreads a full archive build over worker processes.
 *
 * A full build renders tens of thousands of independent pages from one
 * snapshot (the thread index in memory, the committed database), so it
 * splits cleanly.  Items are handed out from shared counters, a few at a
 * time, so that a worker that started late or drew big threads does not
 * hold the others up.  Processes, not threads: the template cache,
 * libetpan and iconv keep state that is not thread-safe, and a crash in one
 * worker cannot corrupt another.
 *
 * Worker 0 is the calling process; it can do one thing before the others
 * may go on past workers_wait (the full build saves the thread state to the
 * database while the others already render thread pages, which need none;
 * the summary pages that read that state come after the wait). */
#ifndef CONFER_ARCHIVE_WORKERS_H
#define CONFER_ARCHIVE_WORKERS_H

#include <stddef.h>

#include "core/site.h"

struct workers;

/* The number of workers for a build of `items` independent items: the
 * site's archive_workers (at most 8); when that is 0, one per online CPU
 * (at most 8), but 1 for small builds, where a fork costs more than it
 * saves. */
unsigned workers_count(const struct site *site, size_t items);

/* Runs job(site, w, arg) in n workers: worker 0 in this process, the
 * others in children with their own database connection (an SQLite
 * connection must not cross a fork).  The database must hold no open
 * transaction.  job returns 0 or -1 (after logging why).  Returns 0 when
 * every worker succeeded, -1 otherwise. */
int workers_run(struct site *site, unsigned n,
		int (*job)(struct site *site, struct workers *w, void *arg),
		void *arg);

/* This worker's number: 0 for the calling process. */
unsigned workers_self(const struct workers *w);

/* Takes the next `chunk` items of queue q (0 or 1) for this worker:
 * returns the first, or a value >= total when none is left.  Every item
 * is taken by exactly one worker. */
size_t workers_take(struct workers *w, unsigned q, size_t chunk);

/* In worker 0: lets the other workers past workers_wait, telling them
 * whether what they wait for succeeded. */
void workers_release(struct workers *w, int ok);

/* Waits until worker 0 called workers_release (at once in worker 0).
 * Returns 0 when it succeeded, -1 when it failed or worker 0 died. */
int workers_wait(struct workers *w);

#endif
