/* listset.h: a list's posting and subscription rules (moderation,
 * non-member posts, subscription policy) and its accept and deny lists.
 * The rules live in columns of the lists table (schema version 2); this
 * module reads, validates and changes them. */
#ifndef CONFER_LISTSET_H
#define CONFER_LISTSET_H

#include <sqlite3.h>

#include "core/buf.h"

struct list_rules {
	int moderated;              /* every post is held but staff's */
	char nonmember_posts[8];    /* "hold", "reject", "discard" */
	long moderate_new_members;  /* a member's first N posts are held */
	char subscription_policy[24]; /* "open", "confirm_then_approve",
					 "closed" */
	int notify_owners;          /* owners hear of joins and leaves */
};

/* Reads list_id's rules.  0, or -1 on a database error (logged). */
int list_rules_get(sqlite3 *db, long long list_id, struct list_rules *r);

/* Appends "key: value" lines for every rule to out. */
void list_rules_print(const struct list_rules *r, struct buf *out);

/* Sets one rule by name after validating the value.  Returns 0, or -1
 * with a one-line reason in err (unknown key, bad value, database). */
int list_rules_set(sqlite3 *db, long long list_id, const char *key,
		   const char *value, struct buf *err);

/* Adds (remove = 0) or removes an entry of the accept or deny list:
 * an address or "@domain".  0, 1 when nothing changed, -1 with err. */
int list_access_change(sqlite3 *db, long long list_id, const char *kind,
		       const char *pattern, int remove, struct buf *err);

/* Appends the entries of one kind, one a line, to out. */
int list_access_print(sqlite3 *db, long long list_id, const char *kind,
		      struct buf *out);

/* Does the accept or deny list of list_id match address (exactly, or by
 * its domain)?  1 yes, 0 no, -1 on a database error. */
int list_access_match(sqlite3 *db, long long list_id, const char *kind,
		      const char *address);

#endif
