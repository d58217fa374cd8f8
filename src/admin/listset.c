/* listset.c: list rules and accept/deny lists, validated as data. */
#include <stdio.h>
#include <string.h>

#include "admin/listset.h"
#include "core/db.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "mail/address.h"

enum rule_type { R_BOOL, R_COUNT, R_CHOICE };

struct rule {
	const char *key;
	enum rule_type type;
	const char *choices;  /* R_CHOICE: "a|b|c" */
	const char *update;   /* the one statement that changes it */
};

/* One table of rules: adding one is one line here plus its column. */
static const struct rule rules[] = {
	{ "moderated", R_BOOL, NULL,
	  "UPDATE lists SET moderated = ?1 WHERE id = ?2" },
	{ "nonmember_posts", R_CHOICE, "hold|reject|discard",
	  "UPDATE lists SET nonmember_posts = ?1 WHERE id = ?2" },
	{ "moderate_new_members", R_COUNT, NULL,
	  "UPDATE lists SET moderate_new_members = ?1 WHERE id = ?2" },
	{ "subscription_policy", R_CHOICE, "open|confirm_then_approve|closed",
	  "UPDATE lists SET subscription_policy = ?1 WHERE id = ?2" },
	{ "notify_owners", R_BOOL, NULL,
	  "UPDATE lists SET notify_owners = ?1 WHERE id = ?2" },
	{ "language", R_CHOICE, CONFER_LANGUAGES,
	  "UPDATE lists SET language = ?1 WHERE id = ?2" },
};

int list_rules_get(sqlite3 *db, long long list_id, struct list_rules *r)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT moderated, nonmember_posts, "
		"moderate_new_members, subscription_policy, notify_owners "
		"FROM lists WHERE id = ?");
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->moderated = sqlite3_column_int(st, 0);
		snprintf(r->nonmember_posts, sizeof(r->nonmember_posts), "%s",
			 db_col_text(st, 1));
		r->moderate_new_members = (long)sqlite3_column_int64(st, 2);
		snprintf(r->subscription_policy, sizeof(r->subscription_policy),
			 "%s", db_col_text(st, 3));
		r->notify_owners = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

void list_rules_print(const struct list_rules *r, struct buf *out)
{
	buf_printf(out, "moderated: %s\nnonmember_posts: %s\n"
		   "moderate_new_members: %ld\nsubscription_policy: %s\n"
		   "notify_owners: %s\n", r->moderated ? "on" : "off",
		   r->nonmember_posts, r->moderate_new_members,
		   r->subscription_policy, r->notify_owners ? "on" : "off");
}

static int parse_bool(const char *v, long *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!ascii_casecmp(v, yes[i]) || !ascii_casecmp(v, no[i])) {
			*out = !ascii_casecmp(v, yes[i]);
			return 0;
		}
	}
	return -1;
}

static int validate(const struct rule *ru, const char *value, long *num,
		    struct buf *err)
{
	if (ru->type == R_BOOL && parse_bool(value, num) < 0) {
		buf_printf(err, "%s: \"%s\" is not on or off", ru->key, value);
		return -1;
	}
	if (ru->type == R_COUNT && parse_long(value, 0, 1000000, num) < 0) {
		buf_printf(err, "%s: \"%s\" is not a number from 0 to 1000000",
			   ru->key, value);
		return -1;
	}
	if (ru->type == R_CHOICE && !is_choice(ru->choices, value)) {
		buf_printf(err, "%s: \"%s\" must be one of %s", ru->key, value,
			   ru->choices);
		return -1;
	}
	return 0;
}

static void unknown_key(const char *key, struct buf *err)
{
	size_t i;

	buf_printf(err, "unknown setting \"%s\"; settings are:", key);
	for (i = 0; i < ARRAY_SIZE(rules); i++)
		buf_printf(err, " %s", rules[i].key);
}

int list_rules_set(sqlite3 *db, long long list_id, const char *key,
		   const char *value, struct buf *err)
{
	const struct rule *ru = NULL;
	sqlite3_stmt *st;
	long num = 0;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(rules) && !ru; i++)
		if (!strcmp(rules[i].key, key))
			ru = &rules[i];
	if (!ru) {
		unknown_key(key, err);
		return -1;
	}
	if (validate(ru, value, &num, err) < 0)
		return -1;
	st = db_prepare(db, ru->update);
	if (!st) {
		buf_printf(err, "database error");
		return -1;
	}
	if (ru->type == R_CHOICE)
		db_bind_text(st, 1, value);
	else
		sqlite3_bind_int64(st, 1, num);
	sqlite3_bind_int64(st, 2, list_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		buf_printf(err, "cannot change %s: %s", key, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* An entry is an address or "@domain"; stored lowercased. */
static int pattern_valid(const char *p, struct buf *err)
{
	const char *why = NULL;
	struct buf probe = BUF_INIT;
	int ok;

	if (p[0] == '@')
		buf_printf(&probe, "x%s", p);
	else
		buf_adds(&probe, p);
	ok = address_valid(probe.data, &why);
	buf_release(&probe);
	if (!ok)
		buf_printf(err, "\"%s\" is neither an address nor @domain: %s", p,
			   why ? why : "invalid");
	return ok ? 0 : -1;
}

int list_access_change(sqlite3 *db, long long list_id, const char *kind,
		       const char *pattern, int remove, struct buf *err)
{
	sqlite3_stmt *st;
	int rc;

	if (pattern_valid(pattern, err) < 0)
		return -1;
	st = db_prepare(db, remove ?
		"DELETE FROM access WHERE list_id = ? AND pattern = ? AND kind = ?" :
		"INSERT OR IGNORE INTO access(list_id, pattern, kind) "
		"VALUES (?, lower(?), ?)");
	if (!st) {
		buf_printf(err, "database error");
		return -1;
	}
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, pattern);
	db_bind_text(st, 3, kind);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		buf_printf(err, "database error: %s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db) == 1 ? 0 : 1;
}

int list_access_print(sqlite3 *db, long long list_id, const char *kind,
		      struct buf *out)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT pattern FROM access WHERE "
				      "list_id = ? AND kind = ? ORDER BY pattern");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		buf_printf(out, "%s\n", db_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int list_access_match(sqlite3 *db, long long list_id, const char *kind,
		      const char *address)
{
	const char *at = strrchr(address, '@');
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM access WHERE "
		"list_id = ? AND kind = ? AND (pattern = ? OR pattern = ?)");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, address);
	db_bind_text(st, 4, at ? at : address);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
