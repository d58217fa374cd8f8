/* import_priv.h: what import.c and import_pipe.c share. */
#ifndef CONFER_IMPORT_PRIV_H
#define CONFER_IMPORT_PRIV_H

#include <stddef.h>
#include <time.h>

#include "intake/import.h"

struct importer {
	struct site *site;
	const struct list_info *li;
	enum mbox_format fmt;
	struct import_stats *st;
	struct import_stats committed;  /* st at the last commit */
	int progress, in_tx;
	/* called with each message of the mbox (From-quoting undone, CRLF)
	 * and its time of receipt; 0 or -1 to stop */
	int (*each)(struct importer *im, const char *msg, size_t len,
		    time_t when);
	void *out;              /* the reader's record stream */
};

/* Calls im->each for every message of the mbox at data. */
int import_split(struct importer *im, const char *data, size_t len);
/* Puts a message that is not mail in spool/bad with the reason. */
int import_quarantine(struct site *site, const char *msg, size_t len,
		      const char *why);
int import_tx_begin(struct importer *im);
int import_tx_after(struct importer *im, int rc);

/* The same import in two processes: a reader that splits the mbox, reads
 * each message's facts and writes its original, and this process, which
 * asks the database and records them (import_pipe.c). */
int import_piped(struct importer *im, const char *data, size_t len);

#endif
