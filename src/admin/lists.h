/* lists.h: the lists of a site and their settings, kept in the database. */
#ifndef CONFER_LISTS_H
#define CONFER_LISTS_H

#include <sqlite3.h>

#include "core/buf.h"

struct site;

struct list_info {
	long long id;
	char *name;
	long long parent_id;   /* 0 for the network list */
	char *parent_name;     /* "" for none */
	char *description;
	char *language;
	int subject_tag;
	char *footer;
	long long max_size;
	long long created;
};

/* The general list every member belongs to. */
#define NETWORK_LIST "network"

/* Returns 0 and fills li when the list exists, 1 when it does not, -1 on a
 * database error (logged).  Free with list_info_release. */
int list_lookup(sqlite3 *db, const char *name, struct list_info *li);
int list_lookup_id(sqlite3 *db, long long id, struct list_info *li);
void list_info_release(struct list_info *li);

/* Creates a list with the site's defaults.  Returns 0, or -1 with a
 * one-line reason in err. */
int list_create(struct site *site, const char *name, const char *parent,
		const char *description, struct buf *err);

/* Calls fn for every list, parents before children, with its depth. */
int list_each(sqlite3 *db,
	      void (*fn)(const struct list_info *li, int depth, void *arg),
	      void *arg);

/* Number of subscriptions of a list. */
long long list_member_count(sqlite3 *db, long long list_id);

/* "<name.domain>" as List-Id uses it (RFC 2919), into out. */
void list_id_header(const char *name, const char *domain, struct buf *out);

#endif
