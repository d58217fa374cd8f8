/* lists.c: creating, finding and walking lists. */
#include <stdlib.h>
#include <string.h>

#include "admin/lists.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "mail/address.h"

#define LIST_COLS \
	"l.id, l.name, l.parent_id, coalesce(p.name, ''), l.description, " \
	"l.language, l.subject_tag, l.footer, l.max_size, l.created " \
	"FROM lists l LEFT JOIN lists p ON p.id = l.parent_id "

static void fill(sqlite3_stmt *st, struct list_info *li)
{
	li->id = sqlite3_column_int64(st, 0);
	li->name = xstrdup(db_col_text(st, 1));
	li->parent_id = sqlite3_column_int64(st, 2);
	li->parent_name = xstrdup(db_col_text(st, 3));
	li->description = xstrdup(db_col_text(st, 4));
	li->language = xstrdup(db_col_text(st, 5));
	li->subject_tag = sqlite3_column_int(st, 6);
	li->footer = xstrdup(db_col_text(st, 7));
	li->max_size = sqlite3_column_int64(st, 8);
	li->created = sqlite3_column_int64(st, 9);
}

static int lookup(sqlite3_stmt *st, struct list_info *li)
{
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, li);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int list_lookup(sqlite3 *db, const char *name, struct list_info *li)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " LIST_COLS
				      "WHERE l.name = ?");

	memset(li, 0, sizeof(*li));
	if (st)
		db_bind_text(st, 1, name);
	return lookup(st, li);
}

int list_lookup_id(sqlite3 *db, long long id, struct list_info *li)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " LIST_COLS "WHERE l.id = ?");

	memset(li, 0, sizeof(*li));
	if (st)
		sqlite3_bind_int64(st, 1, id);
	return lookup(st, li);
}

void list_info_release(struct list_info *li)
{
	free(li->name);
	free(li->parent_name);
	free(li->description);
	free(li->language);
	free(li->footer);
	memset(li, 0, sizeof(*li));
}

static int insert_list(struct site *site, const char *name,
		       long long parent_id, const char *description)
{
	sqlite3_stmt *st = db_prepare(site->db,
		"INSERT INTO lists(name, parent_id, description, language, "
		"subject_tag, footer, max_size, created) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	if (parent_id)
		sqlite3_bind_int64(st, 2, parent_id);
	else
		sqlite3_bind_null(st, 2);
	db_bind_text(st, 3, description ? description : "");
	db_bind_text(st, 4, site->default_language);
	sqlite3_bind_int(st, 5, site->default_subject_tag);
	db_bind_text(st, 6, site->default_footer);
	sqlite3_bind_int64(st, 7, site->default_max_size);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)clock_now());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int list_create(struct site *site, const char *name, const char *parent,
		const char *description, struct buf *err)
{
	struct list_info li;
	long long parent_id = 0;
	const char *why;
	int rc;

	if (!list_name_valid(name, &why)) {
		buf_printf(err, "list name \"%s\": %s", name, why);
		return -1;
	}
	if (description && has_control_chars(description)) {
		buf_printf(err, "a description cannot hold control characters or "
			   "line breaks");
		return -1;
	}
	if (list_lookup(site->db, name, &li) == 0) {
		list_info_release(&li);
		buf_printf(err, "list \"%s\" already exists", name);
		return -1;
	}
	if (!parent && strcmp(name, NETWORK_LIST))
		parent = NETWORK_LIST;
	if (parent) {
		rc = list_lookup(site->db, parent, &li);
		if (rc != 0) {
			buf_printf(err, "parent list \"%s\" does not exist", parent);
			return -1;
		}
		parent_id = li.id;
		list_info_release(&li);
	}
	if (insert_list(site, name, parent_id, description) < 0) {
		buf_printf(err, "cannot create list \"%s\": %s", name,
			   sqlite3_errmsg(site->db));
		return -1;
	}
	db_event(site->db, "admin", name, "list-create", parent ? parent : "");
	return 0;
}

static int walk(sqlite3 *db, long long parent, int depth,
		void (*fn)(const struct list_info *, int, void *), void *arg)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " LIST_COLS
		"WHERE coalesce(l.parent_id, 0) = ? ORDER BY l.name");
	struct list_info *li = NULL;
	size_t n = 0, i;
	int rc;

	if (!st)
		return -1;
	/* read all, then call: fn may write (an archive build), and a read
	 * left open would pin an old snapshot that cannot become a write
	 * once another process has committed (SQLITE_BUSY_SNAPSHOT) */
	sqlite3_bind_int64(st, 1, parent);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		li = xreallocarray(li, n + 1, sizeof(*li));
		fill(st, &li[n++]);
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		fn(&li[i], depth, arg);
		if (depth < 32 && walk(db, li[i].id, depth + 1, fn, arg) < 0)
			rc = SQLITE_ERROR;
	}
	for (i = 0; i < n; i++)
		list_info_release(&li[i]);
	free(li);
	return rc == SQLITE_DONE ? 0 : -1;
}

int list_each(sqlite3 *db,
	      void (*fn)(const struct list_info *li, int depth, void *arg),
	      void *arg)
{
	return walk(db, 0, 0, fn, arg);
}

long long list_member_count(sqlite3 *db, long long list_id)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM subscriptions "
				      "WHERE list_id = ?");
	long long n = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, list_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

void list_id_header(const char *name, const char *domain, struct buf *out)
{
	buf_printf(out, "<%s.%s>", name, domain);
}
