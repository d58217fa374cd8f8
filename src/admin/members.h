/* members.h: people, their addresses and their subscriptions to lists.
 * A member is a person with one or more addresses; a subscription joins a
 * person to a list with a role and a delivery mode.  Addresses compare
 * case-insensitively as a whole. */
#ifndef CONFER_MEMBERS_H
#define CONFER_MEMBERS_H

#include <sqlite3.h>

#include "core/buf.h"

struct site;

/* Returns 0 when added, 1 when that person was already subscribed (nothing
 * changed, a message in err), -1 with a reason in err. */
int member_add(struct site *site, const char *list, const char *address,
	       const char *name, const char *role, struct buf *err);

/* member_add inside the caller's transaction, for a list already looked
 * up: 0 added, 1 already subscribed, -2 refused (reason in err), -1 on a
 * database error. */
int member_add_tx(struct site *site, const struct list_info *li,
		  const char *address, const char *name, const char *role,
		  struct buf *err);

/* Ends a subscription inside the caller's transaction (for the network
 * list also every sub-list one): 0, 1 when not subscribed, -1. */
int member_remove_tx(struct site *site, const struct list_info *li,
		     const char *address);

/* Ends a subscription; for the network list also every sub-list one.
 * Returns 0, 1 when there was no such subscription, -1 on error. */
int member_remove(struct site *site, const char *list, const char *address,
		  struct buf *err);

/* The role of whoever owns `address` on list_id ("member", "moderator",
 * "owner") copied into role (at least 16 bytes); 0 when subscribed, 1 when
 * not, -1 on error. */
int member_role(sqlite3 *db, long long list_id, const char *address,
		char *role);

struct member_row {
	const char *address, *name, *role, *delivery;
	long long created;
};

/* Calls fn for each subscription of a list, by address. */
int member_each(sqlite3 *db, long long list_id,
		void (*fn)(const struct member_row *m, void *arg), void *arg);

/* Prints a person and their subscriptions; 0, 1 when unknown, -1. */
int member_show(sqlite3 *db, const char *address, struct buf *out);

#endif
