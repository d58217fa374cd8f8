/* queue.h: the delivery queue.  One row per recipient of one prepared copy
 * (a file in spool/outgoing), with its state: queued, sent or failed.  The
 * copy is a file so that per-recipient variants (VERP, personal links,
 * digests) are simply other copies. */
#ifndef CONFER_QUEUE_H
#define CONFER_QUEUE_H

#include <sqlite3.h>
#include <stddef.h>

#include "core/buf.h"

struct site;

/* Adds a delivery (inside the caller's transaction); a copy already queued
 * for that recipient is not queued twice.  msg_rowid may be 0.  0 or -1. */
int queue_add(sqlite3 *db, long long msg_rowid, const char *copy_path,
	      const char *sender, const char *rcpt);

/* Writes a prepared copy durably as spool/outgoing/NAME and appends its
 * path to out.  0 or -1 (logged). */
int queue_write_copy(const struct site *site, const char *name,
		     const char *data, size_t len, struct buf *out);

/* Attempts every due delivery: 2xx marks it sent, 4xx or no answer
 * schedules a retry with backoff, 5xx marks it failed; a delivery waiting
 * longer than give_up_after fails.  Stops early when *stop becomes
 * non-zero.  Returns the number of deliveries attempted, -1 on error. */
long queue_run(struct site *site, volatile int *stop);

/* Makes every queued delivery due now.  Returns how many. */
long queue_retry_all(sqlite3 *db);

/* Prints the waiting deliveries (failed_days < 0), or those that failed
 * for good in the last failed_days days (the reason is the relay's last
 * answer, or why confer gave up). */
int queue_print(sqlite3 *db, long failed_days);

/* Removes outgoing copies whose deliveries are all finished (a copy is
 * normally removed after its last batch; this catches those a crash left
 * behind, so `confer run` calls it once when it starts). */
void queue_cleanup(struct site *site);

#endif
