/* runner.h: the runner's steps: take each spool file through policy,
 * deliver what is due, update the archives that changed.  Each spool file
 * is decided in one database transaction that also records its name, so a
 * crash at any point loses nothing and running again is safe. */
#ifndef CONFER_RUNNER_H
#define CONFER_RUNNER_H

struct site;

/* Processes every file waiting in spool/incoming/new.  Returns the number
 * processed, or -1 when a temporary failure stopped the pass (the files
 * stay for the next one). */
long runner_process_spool(struct site *site, volatile int *stop);

/* One full step: spool, archive of the lists that changed, deliveries.
 * Returns 0, or -1 when some part failed (logged), or
 * ARCHIVE_BAD_TEMPLATES when an archive could not be updated because the
 * site's templates are broken (the rest of the step is done). */
int runner_step(struct site *site, volatile int *stop);

/* Processes one spool file by path (used by import): same as above. */
int runner_process_file(struct site *site, const char *dir,
			const char *name);

#endif
