/* post.h: deciding what happens to mail sent to a list's addresses, and
 * doing it: accept a post (store, list copy, one delivery per member),
 * refuse it with a reply, forward owner mail, keep what later work handles.
 * Everything a message causes is committed in one transaction. */
#ifndef CONFER_POST_H
#define CONFER_POST_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"

struct site;
struct list_info;
struct spool_entry;

/* The result of one recipient of one message. */
struct outcome {
	const char *what;      /* "accepted", "duplicate", "refused", "loop",
				  "forwarded", "kept", "quarantined" */
	struct buf reason;
	int archive_dirty;     /* the list's archive needs updating */
};

/* Handles a post to li (inside the caller's transaction, after writing
 * the files it needs durably).  Returns 0, or -1 on a temporary failure
 * (disk, database): the caller rolls back and retries later. */
int post_handle(struct site *site, const struct list_info *li,
		const struct spool_entry *e, const char *spool_name,
		struct outcome *out);

/* Mail to LIST-owner: a copy to each owner.  Same return as above. */
int owner_handle(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, const char *spool_name,
		 struct outcome *out);

#endif
