/* hold.h: which posts wait for a moderator, and holding them.  A held
 * post's original is kept durably in spool/held/ with a row in the held
 * table; every moderator (and owner) of the list gets one notification
 * with the post attached and a single-use LIST-moderate+TOKEN address to
 * reply to.  Deciding is moderation.c's job. */
#ifndef CONFER_HOLD_H
#define CONFER_HOLD_H

#include <sqlite3.h>
#include <stddef.h>

#include "core/buf.h"

struct site;
struct list_info;
struct spool_entry;
struct outcome;

enum post_route {
	ROUTE_ACCEPT,
	ROUTE_HOLD,
	ROUTE_REJECT,   /* refused with a reply (nonmember_posts = reject) */
	ROUTE_DISCARD,  /* dropped silently (deny list, nonmember_posts) */
};

/* Why a post takes its route: `text` in English, for the log and the
 * held row; `note`, when set, names the mail template (why_*) that says
 * the same in the list's language on the moderators' notification, with
 * from, n and max as its placeholders. */
struct hold_why {
	struct buf text;
	const char *note;
	const char *from;
	long long n, max;
};
#define HOLD_WHY_INIT { BUF_INIT, NULL, NULL, 0, 0 }
void hold_why_release(struct hold_why *w);

/* Applies the list's rules to a post from `from`, in this order: the deny
 * list, the accept list, then membership (an address of this site is
 * never a member) and the moderation flags.  Returns a route, with why
 * filled in, or -1 on a database error. */
int hold_route(struct site *site, const struct list_info *li,
	       const char *from, struct hold_why *why);

/* Holds a post (inside the caller's transaction): writes the original to
 * spool/held/, adds the held row, notifies each moderator and tells the
 * sender once.  0 or -1 (temporary failure). */
int hold_post(struct site *site, const struct list_info *li,
	      const struct spool_entry *e, const char *spool_name,
	      const struct hold_why *why, struct outcome *out);

/* Counts an accepted post of the From: address's subscription (for
 * moderate_new_members).  0 or -1. */
int hold_count_post(sqlite3 *db, const struct list_info *li,
		    const char *msg, size_t len);

/* Calls fn for each moderator and owner of a list (by address); roles
 * "owner" restricts it to owners.  0 or -1. */
int hold_each_moderator(sqlite3 *db, long long list_id, int owners_only,
			int (*fn)(const char *address, void *arg), void *arg);

/* Is address a moderator or owner of list_id (owners_only: an owner)?
 * 1 yes, 0 no, -1 on a database error. */
int hold_is_moderator(sqlite3 *db, long long list_id, const char *address,
		      int owners_only);

/* The first lines of a message's text, each indented, appended to out. */
void hold_excerpt(const char *msg, size_t len, int max_lines,
		  struct buf *out);

#endif
