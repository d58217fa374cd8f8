/* fetch.h: pulling mail from Maildir sources into the spool.  A message is
 * claimed by renaming it (only one fetch can win), copied durably into the
 * spool, and only then removed from its source. */
#ifndef CONFER_FETCH_H
#define CONFER_FETCH_H

/* Moves every message of the Maildir at path (new/ and cur/) into the
 * spool for recipient.  Returns the number moved, or -1 on an error that
 * stopped it (the rest stays in the source). */
long fetch_maildir(const char *spool_dir, const char *path,
		   const char *recipient, long long max_size);

#endif
