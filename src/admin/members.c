/* members.c: adding and removing members, roles, listing. */
#include <stdio.h>
#include <string.h>

#include "admin/lists.h"
#include "admin/members.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/site.h"
#include "core/util.h"
#include "mail/address.h"

/* Finds the person and address row for an address; 0 found, 1 not. */
static int find_address(sqlite3 *db, const char *address,
			long long *person, long long *addr_id)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT person_id, id FROM "
				      "addresses WHERE address = ?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, address);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*person = sqlite3_column_int64(st, 0);
		*addr_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static long long insert_row(sqlite3 *db, const char *sql, long long id,
			    const char *text)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc;

	if (!st)
		return -1;
	if (id)
		sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, id ? 2 : 1, text);
	sqlite3_bind_int64(st, id ? 3 : 2, (sqlite3_int64)clock_now());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(db) : -1;
}

static int ensure_person(sqlite3 *db, const char *address, const char *name,
			 long long *person, long long *addr_id)
{
	int rc = find_address(db, address, person, addr_id);

	if (rc != 1)
		return rc;
	*person = insert_row(db, "INSERT INTO persons(name, created) "
			     "VALUES (?, ?)", 0, name ? name : "");
	if (*person < 0)
		return -1;
	*addr_id = insert_row(db, "INSERT INTO addresses(person_id, address, "
			      "created) VALUES (?, ?, ?)", *person, address);
	return *addr_id < 0 ? -1 : 0;
}

static int subscribed(sqlite3 *db, long long list_id, long long person)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM subscriptions WHERE "
				      "list_id = ? AND person_id = ?");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_int64(st, 2, person);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int subscribe(sqlite3 *db, long long list_id, long long person,
		     long long addr_id, const char *role)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO subscriptions(list_id, "
		"person_id, address_id, role, created) VALUES (?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_int64(st, 2, person);
	sqlite3_bind_int64(st, 3, addr_id);
	db_bind_text(st, 4, role);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)clock_now());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int check_input(const char *address, const char *role,
		       struct buf *err)
{
	const char *why;

	if (!address_valid(address, &why)) {
		buf_printf(err, "address \"%s\": %s", address, why);
		return -1;
	}
	if (strcmp(role, "member") && strcmp(role, "moderator") &&
	    strcmp(role, "owner")) {
		buf_printf(err, "role \"%s\": must be member, moderator or owner",
			   role);
		return -1;
	}
	return 0;
}

/* In a sub-list, only members of the network list may be subscribed. */
static int network_member(sqlite3 *db, const struct list_info *li,
			  long long person, long long addr_found)
{
	struct list_info net;
	int rc;

	if (!li->parent_id)
		return 1;
	if (addr_found != 0)
		return 0;
	if (list_lookup(db, NETWORK_LIST, &net) != 0)
		return 0;
	rc = subscribed(db, net.id, person);
	list_info_release(&net);
	return rc == 1;
}

int member_add_tx(struct site *site, const struct list_info *li,
		  const char *address, const char *name, const char *role,
		  struct buf *err)
{
	long long person = 0, addr_id = 0;
	int found = find_address(site->db, address, &person, &addr_id);

	if (found < 0)
		return -1;
	if (!network_member(site->db, li, person, found)) {
		buf_printf(err, "\"%s\" is not a member of the %s list; add them "
			   "there first", address, NETWORK_LIST);
		return -2;
	}
	if (ensure_person(site->db, address, name, &person, &addr_id) < 0)
		return -1;
	if (subscribed(site->db, li->id, person) == 1) {
		buf_printf(err, "\"%s\" is already a member of \"%s\"; nothing "
			   "changed", address, li->name);
		return 1;
	}
	if (subscribe(site->db, li->id, person, addr_id, role) < 0)
		return -1;
	db_event(site->db, "admin", li->name, "member-add", address);
	return 0;
}

int member_add(struct site *site, const char *list, const char *address,
	       const char *name, const char *role, struct buf *err)
{
	struct list_info li;
	int rc;

	if (check_input(address, role, err) < 0)
		return -1;
	if (name && has_control_chars(name)) {
		buf_printf(err, "a name cannot hold control characters or line "
			   "breaks");
		return -1;
	}
	if (ends_with_ci(address, site->domain) &&
	    address[strlen(address) - strlen(site->domain) - 1] == '@') {
		buf_printf(err, "\"%s\" is an address of this site (%s), not a "
			   "person's", address, site->domain);
		return -1;
	}
	if (list_lookup(site->db, list, &li) != 0) {
		buf_printf(err, "list \"%s\" does not exist", list);
		return -1;
	}
	if (db_begin(site->db) < 0) {
		list_info_release(&li);
		buf_printf(err, "database busy");
		return -1;
	}
	rc = member_add_tx(site, &li, address, name, role, err);
	if (rc == 0 && db_commit(site->db) < 0)
		rc = -1;
	if (rc != 0)
		db_rollback(site->db);
	if (rc == -1 && !err->len)
		buf_printf(err, "cannot add \"%s\" to \"%s\": %s", address, list,
			   sqlite3_errmsg(site->db));
	list_info_release(&li);
	return rc == -2 ? -1 : rc;
}

static int unsubscribe(sqlite3 *db, const struct list_info *li,
		       long long person)
{
	sqlite3_stmt *st;
	int rc;

	/* leaving the network ends every sub-list membership too */
	st = db_prepare(db, li->parent_id ?
		"DELETE FROM subscriptions WHERE person_id = ?2 AND list_id = ?1" :
		"DELETE FROM subscriptions WHERE person_id = ?2");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	sqlite3_bind_int64(st, 2, person);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int member_remove_tx(struct site *site, const struct list_info *li,
		     const char *address)
{
	long long person = 0, addr_id = 0;
	int rc = find_address(site->db, address, &person, &addr_id);

	if (rc == 0 && subscribed(site->db, li->id, person) != 1)
		rc = 1;
	if (rc == 0)
		rc = unsubscribe(site->db, li, person);
	return rc;
}

int member_remove(struct site *site, const char *list, const char *address,
		  struct buf *err)
{
	struct list_info li;
	long long person = 0, addr_id = 0;
	int rc;

	if (list_lookup(site->db, list, &li) != 0) {
		buf_printf(err, "list \"%s\" does not exist", list);
		return -1;
	}
	rc = db_begin(site->db);
	if (rc == 0)
		rc = find_address(site->db, address, &person, &addr_id);
	if (rc == 0 && subscribed(site->db, li.id, person) != 1)
		rc = 1;
	if (rc == 0)
		rc = unsubscribe(site->db, &li, person);
	if (rc == 0)
		db_event(site->db, "admin", li.name, "member-remove", address);
	if (rc == 0 && db_commit(site->db) < 0)
		rc = -1;
	if (rc != 0)
		db_rollback(site->db);
	if (rc == 1)
		buf_printf(err, "\"%s\" is not a member of \"%s\"", address, list);
	else if (rc < 0)
		buf_printf(err, "cannot remove \"%s\": %s", address,
			   sqlite3_errmsg(site->db));
	list_info_release(&li);
	return rc;
}

int member_role(sqlite3 *db, long long list_id, const char *address,
		char *role)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT s.role FROM subscriptions s "
		"JOIN addresses a ON a.person_id = s.person_id "
		"WHERE s.list_id = ? AND a.address = ?");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, address);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(role, 16, "%s", db_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int member_each(sqlite3 *db, long long list_id,
		void (*fn)(const struct member_row *m, void *arg), void *arg)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT a.address, p.name, s.role, "
		"s.delivery, s.created FROM subscriptions s "
		"JOIN addresses a ON a.id = s.address_id "
		"JOIN persons p ON p.id = s.person_id "
		"WHERE s.list_id = ? ORDER BY a.address");
	struct member_row m;
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m.address = db_col_text(st, 0);
		m.name = db_col_text(st, 1);
		m.role = db_col_text(st, 2);
		m.delivery = db_col_text(st, 3);
		m.created = sqlite3_column_int64(st, 4);
		fn(&m, arg);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int member_show(sqlite3 *db, const char *address, struct buf *out)
{
	long long person = 0, addr_id = 0;
	sqlite3_stmt *st;
	int rc = find_address(db, address, &person, &addr_id);

	if (rc != 0)
		return rc;
	st = db_prepare(db, "SELECT p.name, p.organisation, p.country, "
		"(SELECT group_concat(address, ', ') FROM addresses "
		" WHERE person_id = p.id) FROM persons p WHERE p.id = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, person);
	if (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(out, "name: %s\norganisation: %s\ncountry: %s\n"
			   "addresses: %s\n", db_col_text(st, 0),
			   db_col_text(st, 1), db_col_text(st, 2),
			   db_col_text(st, 3));
	sqlite3_finalize(st);
	st = db_prepare(db, "SELECT l.name, s.role, s.delivery FROM "
		"subscriptions s JOIN lists l ON l.id = s.list_id "
		"WHERE s.person_id = ? ORDER BY l.name");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, person);
	buf_adds(out, "subscriptions:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(out, "  %-24s %-9s %s\n", db_col_text(st, 0),
			   db_col_text(st, 1), db_col_text(st, 2));
	sqlite3_finalize(st);
	return 0;
}
