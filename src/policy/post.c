/* post.c: a post's way through policy to the delivery queue. */
#include <string.h>
#include <unistd.h>

#include "admin/lists.h"
#include "admin/members.h"
#include "archive/store.h"
#include "core/db.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "delivery/listcopy.h"
#include "delivery/longlines.h"
#include "delivery/queue.h"
#include "delivery/reply.h"
#include "intake/spool.h"
#include "mail/address.h"
#include "mail/decode.h"
#include "mail/header.h"
#include "policy/hold.h"
#include "policy/mailtext.h"
#include "policy/post.h"
#include "policy/robots.h"

/* Does the message carry this site's own List-Id or X-Loop? */
static int is_own_loop(const struct site *site, const char *msg, size_t len)
{
	struct buf v = BUF_INIT, tail = BUF_INIT;
	int loop = 0;

	buf_printf(&tail, ".%s>", site->domain);
	if (header_get(msg, len, "List-Id", &v) == 0)
		loop = ends_with_ci(v.data, tail.data);
	buf_reset(&v);
	buf_reset(&tail);
	buf_printf(&tail, "@%s", site->domain);
	if (!loop && header_get(msg, len, "X-Loop", &v) == 0)
		loop = ends_with_ci(v.data, tail.data);
	buf_release(&v);
	buf_release(&tail);
	return loop;
}

static void set_outcome(struct outcome *o, const char *what,
			const char *reason)
{
	o->what = what;
	buf_reset(&o->reason);
	buf_adds(&o->reason, reason);
}

/* Queues a notice about e to its envelope sender, from LIST-owner. */
static int notice_send(struct site *site, const struct list_info *li,
		       const struct spool_entry *e, const char *subject,
		       const char *body)
{
	struct buf msgid = BUF_INIT, s = BUF_INIT;
	struct reply r;
	int rc;

	if (header_get(e->msg, e->msg_len, "Message-ID", &msgid) == 0) {
		size_t n = strspn(msgid.data, "<");
		memmove(msgid.data, msgid.data + n, msgid.len - n + 1);
		msgid.len -= n;
		msgid.data[strcspn(msgid.data, "> \t")] = '\0';
	}
	buf_printf(&s, "%s-owner", li->name);
	memset(&r, 0, sizeof(r));
	r.list = li->name;
	r.from_local = s.data;
	r.to = e->sender;
	r.subject = subject;
	r.in_reply_to = msgid.data;
	r.body = body;
	rc = reply_queue(site, &r);
	buf_release(&msgid);
	buf_release(&s);
	return rc;
}

static int robot_sender(const struct spool_entry *e)
{
	const char *why = robots_no_reply_reason(e->sender, e->msg, e->msg_len);

	if (why)
		log_info("post: no reply to sender=<%s>: %s", e->sender, why);
	return why != NULL;
}

int post_notice(struct site *site, const struct list_info *li,
		const struct spool_entry *e, const char *kind,
		const char *subject, const char *body)
{
	int ok;

	if (robot_sender(e))
		return 0;
	ok = robots_reply_allowed(site->db, e->sender, kind);
	if (ok <= 0) {
		if (ok == 0)
			log_info("post: no reply to sender=<%s>: one %s notice "
				 "already sent today", e->sender, kind);
		return ok;
	}
	return notice_send(site, li, e, subject, body);
}

int post_notice_each(struct site *site, const struct list_info *li,
		     const struct spool_entry *e, const char *group,
		     long long id, long max, const char *subject,
		     const char *body)
{
	struct buf kind = BUF_INIT;
	int ok;

	if (robot_sender(e))
		return 0;
	buf_printf(&kind, "%s:%lld", group, id);
	ok = robots_reply_quota(site->db, e->sender, kind.data, group, max);
	if (ok == 0)
		log_info("post: no reply to sender=<%s>: %ld %s notices already "
			 "sent today", e->sender, max, group);
	buf_release(&kind);
	return ok <= 0 ? ok : notice_send(site, li, e, subject, body);
}

static int refuse_size(struct site *site, const struct list_info *li,
		       const struct spool_entry *e, struct outcome *out)
{
	struct buf body = BUF_INIT, subj = BUF_INIT, size = BUF_INIT,
		   max = BUF_INIT;
	int rc;

	buf_printf(&size, "%zu", e->msg_len);
	buf_printf(&max, "%lld", li->max_size);
	{
		const struct mt_var v[] = { { "size", size.data },
					    { "max", max.data }, { NULL, NULL } };
		mailtext_render(site, li, "too_large", v, &subj, &body);
	}
	rc = post_notice(site, li, e, "size", subj.data, body.data);
	set_outcome(out, "refused", "larger than the list's max_size");
	buf_release(&body);
	buf_release(&subj);
	buf_release(&size);
	buf_release(&max);
	return rc;
}

static int refuse_nonmember(struct site *site, const struct list_info *li,
			    const struct spool_entry *e, const char *from,
			    struct outcome *out)
{
	const struct mt_var v[] = { { "from", from }, { NULL, NULL } };
	struct buf body = BUF_INIT, subj = BUF_INIT, why = BUF_INIT;
	int rc;

	mailtext_render(site, li, "not_member", v, &subj, &body);
	rc = post_notice(site, li, e, "nonmember", subj.data, body.data);
	buf_printf(&why, "sender %s is not a member", from);
	set_outcome(out, "refused", why.data);
	buf_release(&body);
	buf_release(&subj);
	buf_release(&why);
	return rc;
}

static void add_list_headers(const struct site *site,
			     const struct list_info *li,
			     const struct stored_msg *sm, struct buf *h)
{
	const char *n = li->name, *d = site->domain;
	struct buf url = BUF_INIT;

	store_permalink_url(site->base_url, n, sm->permalink, &url);
	buf_printf(h, "List-Id: %s <%s.%s>\r\n", n, n, d);
	buf_printf(h, "List-Help: <mailto:%s-request@%s?subject=help>\r\n", n, d);
	buf_printf(h, "List-Subscribe: <mailto:%s-request@%s?subject=subscribe>"
		   "\r\n", n, d);
	buf_printf(h, "List-Unsubscribe: <mailto:%s-request@%s?subject="
		   "unsubscribe>\r\n", n, d);
	buf_printf(h, "List-Post: <mailto:%s@%s>\r\n", n, d);
	buf_printf(h, "List-Owner: <mailto:%s-owner@%s>\r\n", n, d);
	buf_printf(h, "List-Archive: <%s%s/>\r\n", site->base_url, n);
	buf_printf(h, "Archived-At: <%s>\r\n", url.data);
	buf_adds(h, "Precedence: list\r\n");
	if (sm->id_generated)
		buf_printf(h, "Message-ID: <%s>\r\n", sm->message_id.data);
	buf_release(&url);
}

/* Queues one delivery per member.  A member who already gets the same
 * message through another list (a cross-post, even one the MTA split
 * into separate deliveries) is not sent a second copy. */
static int queue_members(struct site *site, const struct list_info *li,
			 long long rowid, const char *copy, const char *sender)
{
	sqlite3_stmt *st = db_prepare(site->db, "SELECT a.address FROM "
		"subscriptions s JOIN addresses a ON a.id = s.address_id "
		"WHERE s.list_id = ?1 AND s.delivery = 'each' AND NOT EXISTS ("
		"SELECT 1 FROM messages m JOIN deliveries d ON d.message_id = "
		"m.id WHERE m.content_hash = (SELECT content_hash FROM messages "
		"WHERE id = ?2) AND m.id != ?2 AND d.rcpt = a.address)");
	int rc = 0, n = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	sqlite3_bind_int64(st, 2, rowid);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		rc = queue_add(site->db, rowid, copy, sender, db_col_text(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	log_info("post: list=%s queued=%d", li->name, n);
	/* a copy nobody receives (every member had it through another list)
	 * would otherwise stay in spool/outgoing for ever */
	if (rc == 0 && n == 0 && unlink(copy) < 0)
		log_warn("post: cannot remove unused copy \"%s\"", copy);
	return rc;
}

static int build_copy(struct site *site, const struct list_info *li,
		      const struct spool_entry *e, const struct stored_msg *sm,
		      struct buf *path)
{
	struct buf headers = BUF_INIT, tag = BUF_INIT, copy = BUF_INIT,
		   err = BUF_INIT, name = BUF_INIT;
	struct listcopy_opts o;
	int rc;

	add_list_headers(site, li, sm, &headers);
	buf_printf(&tag, "[%s]", li->name);
	o.subject_tag = li->subject_tag ? tag.data : NULL;
	o.footer = li->footer[0] ? li->footer : NULL;
	o.add_headers = headers.data;
	rc = listcopy_build(e->msg, e->msg_len, &o, &copy, &err);
	if (rc < 0)
		log_error("post: cannot build the list copy: %s", err.data);
	if (rc == 0 && has_long_line(copy.data, copy.len)) {
		struct buf fixed = BUF_INIT;
		longlines_fix(copy.data, copy.len, &fixed);
		log_info("post: lines over %d octets re-encoded for SMTP",
			 SMTP_MAX_LINE);
		buf_release(&copy);
		copy = fixed;
	}
	buf_printf(&name, "post-%s-%s.eml", li->name, sm->permalink);
	if (rc == 0)
		rc = queue_write_copy(site, name.data, copy.data, copy.len, path);
	buf_release(&headers);
	buf_release(&tag);
	buf_release(&copy);
	buf_release(&err);
	buf_release(&name);
	return rc;
}

static int record_envelope(sqlite3 *db, long long rowid,
			   const struct spool_entry *e)
{
	struct buf rcpts = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < e->nrcpts; i++)
		buf_printf(&rcpts, "%s%s", i ? ", " : "", e->rcpts[i]);
	rc = store_set_envelope(db, rowid, e->sender, rcpts.data);
	buf_release(&rcpts);
	return rc;
}

int post_accept(struct site *site, const struct list_info *li,
		const struct spool_entry *e, struct outcome *out)
{
	struct stored_msg sm;
	struct buf copy = BUF_INIT, sender = BUF_INIT;
	int rc;

	stored_msg_init(&sm);
	rc = store_identify(site->db, li, site->domain, e->msg, e->msg_len,
			    e->received, &sm);
	if (rc == 0 && sm.duplicate) {
		set_outcome(out, "duplicate", "already received");
		goto done;
	}
	if (rc == 0)
		rc = store_write(site, li, &sm, e->msg, e->msg_len);
	if (rc == 0)
		rc = build_copy(site, li, e, &sm, &copy);
	if (rc == 0)
		rc = store_insert(site->db, li, &sm, e->msg, e->msg_len);
	if (rc == 0)
		rc = record_envelope(site->db, sm.rowid, e);
	buf_printf(&sender, "%s-bounces@%s", li->name, site->domain);
	if (rc == 0)
		rc = queue_members(site, li, sm.rowid, copy.data, sender.data);
	if (rc == 0)
		rc = hold_count_post(site->db, li, e->msg, e->msg_len);
	if (rc == 0) {
		struct buf why = BUF_INIT;
		buf_printf(&why, "archived as %s", sm.permalink);
		set_outcome(out, "accepted", why.data);
		buf_release(&why);
		out->archive_dirty = 1;
	}
done:
	stored_msg_release(&sm);
	buf_release(&copy);
	buf_release(&sender);
	return rc;
}

/* Applies the list's rules (hold.c decides: deny list, accept list,
 * membership and moderation flags) to a post that passed the checks. */
static int route(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, const char *spool_name,
		 const char *from, struct outcome *out)
{
	struct hold_why why = HOLD_WHY_INIT;
	int r = hold_route(site, li, from, &why), rc = 0;

	if (r < 0)
		rc = -1;
	else if (r == ROUTE_ACCEPT)
		rc = post_accept(site, li, e, out);
	else if (r == ROUTE_HOLD)
		rc = hold_post(site, li, e, spool_name, &why, out);
	else if (r == ROUTE_REJECT)
		rc = refuse_nonmember(site, li, e, from, out);
	else
		set_outcome(out, "discarded", why.text.data);
	hold_why_release(&why);
	return rc;
}

int post_handle(struct site *site, const struct list_info *li,
		const struct spool_entry *e, const char *spool_name,
		struct outcome *out)
{
	struct buf from = BUF_INIT, name = BUF_INIT, why = BUF_INIT;
	const char *robot = robots_automatic_reason(e->sender, e->msg,
						    e->msg_len);
	int rc = 0;

	if (is_own_loop(site, e->msg, e->msg_len)) {
		set_outcome(out, "loop", "carries this site's List-Id or X-Loop");
	} else if (robot) {
		buf_printf(&why, "automatic message (%s), not a post", robot);
		set_outcome(out, "discarded", why.data);
	} else if (header_from(e->msg, e->msg_len, &from, &name) < 0) {
		set_outcome(out, "quarantined", "no usable From: address");
	} else if ((long long)e->msg_len > li->max_size) {
		rc = refuse_size(site, li, e, out);
	} else {
		rc = route(site, li, e, spool_name, from.data, out);
	}
	buf_release(&from);
	buf_release(&name);
	buf_release(&why);
	return rc;
}

int owner_handle(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, const char *spool_name,
		 struct outcome *out)
{
	sqlite3_stmt *st;
	struct buf name = BUF_INIT, path = BUF_INIT, sender = BUF_INIT;
	int rc, n = 0;

	buf_printf(&name, "owner-%s-%s.eml", li->name, spool_name);
	rc = queue_write_copy(site, name.data, e->msg, e->msg_len, &path);
	st = rc == 0 ? db_prepare(site->db, "SELECT a.address FROM "
		"subscriptions s JOIN addresses a ON a.id = s.address_id "
		"WHERE s.list_id = ? AND s.role = 'owner'") : NULL;
	if (rc == 0 && !st)
		rc = -1;
	buf_printf(&sender, "%s-bounces@%s", li->name, site->domain);
	if (st)
		sqlite3_bind_int64(st, 1, li->id);
	while (st && rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		rc = queue_add(site->db, 0, path.data, sender.data,
			       db_col_text(st, 0));
		n++;
	}
	sqlite3_finalize(st);
	if (rc == 0 && n == 0)
		set_outcome(out, "kept", "mail to the owners, and the list has no "
			    "owner");
	else if (rc == 0)
		set_outcome(out, "forwarded", "to the list owners");
	buf_release(&name);
	buf_release(&path);
	buf_release(&sender);
	return rc;
}
