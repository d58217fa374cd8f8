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
				  "forwarded", "kept", "quarantined", "held",
				  "discarded", "moderated", "ignored",
				  "answered" */
	struct buf reason;
	int archive_dirty;     /* the list's archive needs updating */
};

/* Handles a post to li (inside the caller's transaction, after writing
 * the files it needs durably).  Returns 0, or -1 on a temporary failure
 * (disk, database): the caller rolls back and retries later. */
int post_handle(struct site *site, const struct list_info *li,
		const struct spool_entry *e, const char *spool_name,
		struct outcome *out);

/* Accepts a post that may go to the list: stores the original, builds
 * the list copy and queues one delivery per member (inside the caller's
 * transaction).  Used for members' posts and for approved held posts, so
 * both take exactly the same way.  0 or -1 (temporary failure). */
int post_accept(struct site *site, const struct list_info *li,
		const struct spool_entry *e, struct outcome *out);

/* Sends a notice about e to its envelope sender, unless the message is
 * from a robot (robots.c) or the sender already had a notice of this kind
 * today.  Inside the caller's transaction.  0 or -1. */
int post_notice(struct site *site, const struct list_info *li,
		const struct spool_entry *e, const char *kind,
		const char *subject, const char *body);

/* Sends a notice about one object (group "held", id the held post) to
 * e's envelope sender: once per object, never to robots, and at most max
 * notices of that group per address a day (a flood of posts must not
 * become a flood of notices).  0 or -1. */
int post_notice_each(struct site *site, const struct list_info *li,
		     const struct spool_entry *e, const char *group,
		     long long id, long max, const char *subject,
		     const char *body);

/* Mail to LIST-owner: a copy to each owner.  Same return as above. */
int owner_handle(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, const char *spool_name,
		 struct outcome *out);

#endif
