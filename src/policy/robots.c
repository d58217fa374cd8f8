/* robots.c: RFC 3834 checks and the once-a-day reply limit. */
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/util.h"
#include "mail/address.h"
#include "mail/decode.h"
#include "mail/header.h"
#include "policy/robots.h"

static int header_is(const char *msg, size_t len, const char *name,
		     const char *const *values, size_t nvalues)
{
	struct buf v = BUF_INIT;
	size_t i;
	int hit = 0;

	if (header_get(msg, len, name, &v) == 0) {
		/* compare the first word only: "bulk (comment)" is bulk */
		size_t w = strcspn(v.data, " \t;(");
		v.data[w] = '\0';
		for (i = 0; i < nvalues && !hit; i++)
			hit = !ascii_casecmp(v.data, values[i]);
	}
	buf_release(&v);
	return hit;
}

static int auto_submitted(const char *msg, size_t len)
{
	struct buf v = BUF_INIT;
	int autom = 0;

	if (header_get(msg, len, "Auto-Submitted", &v) == 0) {
		size_t w = strcspn(v.data, " \t;(");
		v.data[w] = '\0';
		autom = ascii_casecmp(v.data, "no") != 0;
	}
	buf_release(&v);
	return autom;
}

static int daemon_sender(const char *sender)
{
	static const char *prefixes[] = { "mailer-daemon@", "postmaster@",
					  "noreply@", "no-reply@" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (starts_with_ci(sender, prefixes[i]))
			return 1;
	return 0;
}

/* Out-of-office replies from systems that set no RFC 3834 field:
 * Exchange marks rule-generated mail, and the usual subjects say it. */
static const char *vacation_reply(const char *msg, size_t len)
{
	static const char *subjects[] = {
		"Automatic reply:", "Auto:", "Out of Office", "Autoreply:",
		"Abwesenheitsnotiz", "Automatische Antwort:",
		"R\xc3\xa9ponse automatique", "Respuesta autom\xc3\xa1tica",
		"Absence du bureau", "Fuera de la oficina",
	};
	struct buf v = BUF_INIT;
	size_t i;
	int hit = header_get(msg, len, "X-MS-Exchange-Inbox-Rules-Loop", &v) == 0;

	buf_reset(&v);
	if (!hit && header_get(msg, len, "Subject", &v) == 0) {
		struct buf d = BUF_INIT;
		header_decode(v.data, v.len, &d);
		for (i = 0; i < ARRAY_SIZE(subjects) && !hit; i++)
			hit = starts_with_ci(skip_ws(d.data), subjects[i]);
		buf_release(&d);
	}
	buf_release(&v);
	return hit ? "an out-of-office reply" : NULL;
}

const char *robots_no_reply_reason(const char *sender, const char *msg,
				   size_t len)
{
	static const char *const bulk[] = { "bulk", "junk", "list",
					    "auto_reply" };
	struct buf v = BUF_INIT;
	int has_list_id;

	const char *why;

	if (!sender || !*sender)
		return "null sender";
	if (!address_valid(sender, &why))
		return "sender is not a valid address";
	if (daemon_sender(sender))
		return "sender is a mail system";
	if (auto_submitted(msg, len))
		return "Auto-Submitted";
	if (header_is(msg, len, "Precedence", bulk, ARRAY_SIZE(bulk)))
		return "Precedence bulk, junk, list or auto_reply";
	/* vacation programs that predate RFC 3834 */
	if (header_get(msg, len, "X-Autoreply", &v) == 0 ||
	    header_get(msg, len, "X-Autorespond", &v) == 0) {
		buf_release(&v);
		return "X-Autoreply";
	}
	has_list_id = header_get(msg, len, "List-Id", &v) == 0;
	buf_release(&v);
	if (has_list_id)
		return "mail from a list (List-Id)";
	return vacation_reply(msg, len);
}

const char *robots_automatic_reason(const char *sender, const char *msg,
				    size_t len)
{
	static const char *const autoreply[] = { "auto_reply" };
	struct buf v = BUF_INIT;
	int old_style;

	if (!sender || !*sender)
		return "null sender (a bounce or notice)";
	if (daemon_sender(sender))
		return "sender is a mail system";
	if (auto_submitted(msg, len))
		return "Auto-Submitted";
	if (header_is(msg, len, "Precedence", autoreply, 1))
		return "Precedence auto_reply";
	old_style = header_get(msg, len, "X-Autoreply", &v) == 0 ||
		    header_get(msg, len, "X-Autorespond", &v) == 0;
	buf_release(&v);
	return old_style ? "X-Autoreply" : NULL;
}

int robots_reply_allowed(sqlite3 *db, const char *address, const char *kind)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO replies("
				      "address, kind, day) VALUES (?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, address);
	db_bind_text(st, 2, kind);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(clock_now() / 86400));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) == 1;
}

int robots_reply_quota(sqlite3 *db, const char *address, const char *kind,
		       const char *group, long max)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*) FROM replies WHERE "
		"address = ?1 AND day = ?2 AND substr(kind, 1, length(?3) + 1) = "
		"?3 || ':'");
	long long n = 0;
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, address);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(clock_now() / 86400));
	db_bind_text(st, 3, group);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	if (n >= max)
		return 0;
	return robots_reply_allowed(db, address, kind);
}
