/* robots.h: who confer may answer (RFC 3834), and how often.  A robot must
 * not talk to a robot, and forged senders must not turn confer into a
 * source of backscatter. */
#ifndef CONFER_ROBOTS_H
#define CONFER_ROBOTS_H

#include <sqlite3.h>
#include <stddef.h>

/* Returns NULL when a reply to this message is allowed, else the reason:
 * null sender, Auto-Submitted other than "no", Precedence bulk/junk/list/
 * auto_reply, X-Autoreply, a List-Id, or a sender that looks like a
 * mailer daemon. */
const char *robots_no_reply_reason(const char *sender, const char *msg,
				   size_t len);

/* Returns NULL for mail a person sent, else why it is automatic: a null
 * sender (bounces), a mail system, Auto-Submitted other than "no",
 * Precedence: auto_reply, X-Autoreply.  Such mail to a list address is
 * never distributed: out-of-office replies and bounces are not posts. */
const char *robots_automatic_reason(const char *sender, const char *msg,
				    size_t len);

/* Takes today's reply allowance of `kind` for address: returns 1 when this
 * is the first such reply today (and records it), 0 when one was already
 * sent, -1 on a database error. */
int robots_reply_allowed(sqlite3 *db, const char *address, const char *kind);

/* Like robots_reply_allowed for a kind "GROUP:KEY" (one notice per
 * object, e.g. "held:12"), but also refuses (0) once address had `max`
 * replies of that group today, so that a flood of mail does not become a
 * flood of notices.  1, 0 or -1. */
int robots_reply_quota(sqlite3 *db, const char *address, const char *kind,
		       const char *group, long max);

#endif
