/* hold.c: the posting rules and holding a post for a moderator. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin/listset.h"
#include "admin/lists.h"
#include "admin/members.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/token.h"
#include "core/util.h"
#include "delivery/reply.h"
#include "intake/spool.h"
#include "mail/content.h"
#include "mail/header.h"
#include "policy/hold.h"
#include "policy/mailtext.h"
#include "policy/post.h"

#define EXCERPT_LINES 10

static int is_site_address(const struct site *site, const char *from)
{
	const char *at = strrchr(from, '@');

	return at && !ascii_casecmp(at + 1, site->domain);
}

/* A member's subscription: role, per-member flag and posts so far. */
struct sub_state {
	int found;
	char role[16];
	int moderated;
	long long posts;
};

static int sub_state(sqlite3 *db, long long list_id, const char *address,
		     struct sub_state *s)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT s.role, s.moderated, s.posts "
		"FROM subscriptions s JOIN addresses a ON a.person_id = "
		"s.person_id WHERE s.list_id = ? AND a.address = ?");
	int rc;

	memset(s, 0, sizeof(*s));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, address);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->found = 1;
		snprintf(s->role, sizeof(s->role), "%s", db_col_text(st, 0));
		s->moderated = sqlite3_column_int(st, 1);
		s->posts = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

void hold_why_release(struct hold_why *w)
{
	buf_release(&w->text);
}

/* Says why in the language of the list copy `li` (its language as set),
 * from the why_* template; fills in the English text for the log. */
static void why_text(const struct site *site, const struct list_info *li,
		     const struct hold_why *w, struct buf *out)
{
	char n[24], max[24];
	const struct mt_var v[] = { { "from", w->from }, { "n", n },
				    { "max", max }, { NULL, NULL } };

	snprintf(n, sizeof(n), "%lld", w->n);
	snprintf(max, sizeof(max), "%lld", w->max);
	mailtext_render(site, li, w->note, v, NULL, out);
	buf_rtrim(out);
}

static void set_why(const struct site *site, const struct list_info *li,
		    struct hold_why *w, const char *note, const char *from,
		    long long n, long long max)
{
	struct list_info en = *li;

	w->note = note;
	w->from = from;
	w->n = n;
	w->max = max;
	en.language = (char *)"en";
	buf_reset(&w->text);
	why_text(site, &en, w, &w->text);
}

static int nonmember_route(const struct site *site, const struct list_info *li,
			   const struct list_rules *r, const char *from,
			   int site_addr, struct hold_why *why)
{
	set_why(site, li, why, site_addr ? "why_site_address" :
		"why_not_member", from, 0, 0);
	if (!strcmp(r->nonmember_posts, "reject"))
		return ROUTE_REJECT;
	if (!strcmp(r->nonmember_posts, "discard"))
		return ROUTE_DISCARD;
	return ROUTE_HOLD;
}

static int member_route(const struct site *site, const struct list_info *li,
			const struct list_rules *r, const struct sub_state *s,
			const char *from, struct hold_why *why)
{
	if (strcmp(s->role, "member"))
		return ROUTE_ACCEPT;	/* moderators and owners are trusted */
	if (r->moderated) {
		set_why(site, li, why, "why_moderated_list", from, 0, 0);
		return ROUTE_HOLD;
	}
	if (s->moderated) {
		set_why(site, li, why, "why_moderated_member", from, 0, 0);
		return ROUTE_HOLD;
	}
	if (s->posts < r->moderate_new_members) {
		set_why(site, li, why, "why_new_member", from, s->posts + 1,
			r->moderate_new_members);
		return ROUTE_HOLD;
	}
	return ROUTE_ACCEPT;
}

int hold_route(struct site *site, const struct list_info *li,
	       const char *from, struct hold_why *why)
{
	struct list_rules r;
	struct sub_state s;
	int site_addr = is_site_address(site, from), m;

	if (list_rules_get(site->db, li->id, &r) < 0)
		return -1;
	m = list_access_match(site->db, li->id, "deny", from);
	if (m != 0) {
		/* not held, so no note: English for the log only */
		buf_printf(&why->text, "sender %s is on the deny list", from);
		return m < 0 ? -1 : ROUTE_DISCARD;
	}
	m = site_addr ? 0 : list_access_match(site->db, li->id, "accept", from);
	if (m != 0) {
		buf_printf(&why->text, "sender %s is on the accept list", from);
		return m < 0 ? -1 : ROUTE_ACCEPT;
	}
	if (site_addr)
		s.found = 0;
	else if (sub_state(site->db, li->id, from, &s) < 0)
		return -1;
	if (!s.found)
		return nonmember_route(site, li, &r, from, site_addr, why);
	return member_route(site, li, &r, &s, from, why);
}

int hold_count_post(sqlite3 *db, const struct list_info *li,
		    const char *msg, size_t len)
{
	struct buf from = BUF_INIT, name = BUF_INIT;
	sqlite3_stmt *st;
	int rc = 0;

	if (header_from(msg, len, &from, &name) < 0)
		goto done;
	st = db_prepare(db, "UPDATE subscriptions SET posts = posts + 1 WHERE "
			"list_id = ? AND person_id = (SELECT person_id FROM "
			"addresses WHERE address = ?)");
	rc = st ? 0 : -1;
	if (st) {
		sqlite3_bind_int64(st, 1, li->id);
		db_bind_text(st, 2, from.data);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
done:
	buf_release(&from);
	buf_release(&name);
	return rc;
}

int hold_each_moderator(sqlite3 *db, long long list_id, int owners_only,
			int (*fn)(const char *address, void *arg), void *arg)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT a.address FROM subscriptions s "
		"JOIN addresses a ON a.id = s.address_id WHERE s.list_id = ? AND "
		"(s.role = 'owner' OR (?2 = 0 AND s.role = 'moderator')) "
		"ORDER BY a.address");
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	sqlite3_bind_int(st, 2, owners_only);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = fn(db_col_text(st, 0), arg);
	sqlite3_finalize(st);
	return rc;
}

int hold_is_moderator(sqlite3 *db, long long list_id, const char *address,
		      int owners_only)
{
	char role[16];
	int rc = member_role(db, list_id, address, role);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	return !strcmp(role, "owner") ||
	       (!owners_only && !strcmp(role, "moderator"));
}

static const char *first_text(const struct content *c)
{
	size_t i;

	for (i = 0; i < c->nparts; i++)
		if (c->parts[i].kind == PART_TEXT)
			return c->parts[i].text;
	return "";
}

void hold_excerpt(const char *msg, size_t len, int max_lines,
		  struct buf *out)
{
	struct content c;
	const char *t;
	int n = 0;

	content_parse(msg, len, &c);
	t = first_text(&c);
	while (*t && n < max_lines) {
		size_t l = strcspn(t, "\n");
		if (l > 70)
			buf_printf(out, "  | %.70s...\n", t);
		else
			buf_printf(out, "  | %.*s\n", (int)l, t);
		t += l + (t[l] == '\n');
		n++;
	}
	if (*t)
		buf_adds(out, "  | [...]\n");
	content_release(&c);
}

/* What one notification needs. */
struct held_note {
	struct site *site;
	const struct list_info *li;
	long long id;
	const struct spool_entry *e;
	const char *from, *from_name, *subject;
	const struct hold_why *why;
	time_t expires;
};

/* The notification's text in the list's language (template "modnote"). */
static void note_text(const struct held_note *h, const char *addr,
		      struct buf *subj, struct buf *body)
{
	char when[64], size[32], id[32];
	struct buf full = BUF_INIT, excerpt = BUF_INIT, reply_to = BUF_INIT,
		   why = BUF_INIT;
	struct tm tm;

	gmtime_r(&h->expires, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	snprintf(size, sizeof(size), "%zu", h->e->msg_len);
	snprintf(id, sizeof(id), "%lld", h->id);
	if (*h->from_name)
		buf_printf(&full, "%s <%s>", h->from_name, h->from);
	else
		buf_adds(&full, h->from);
	hold_excerpt(h->e->msg, h->e->msg_len, EXCERPT_LINES, &excerpt);
	buf_printf(&reply_to, "%s@%s", addr, h->site->domain);
	if (h->why->note)
		why_text(h->site, h->li, h->why, &why);
	else
		buf_adds(&why, h->why->text.data);
	{
		const struct mt_var v[] = {
			{ "id", id }, { "from", h->from },
			{ "from_full", full.data }, { "subject", h->subject },
			{ "why", why.data }, { "size", size },
			{ "excerpt", excerpt.data }, { "reply_to", reply_to.data },
			{ "expires", when }, { NULL, NULL } };
		mailtext_render(h->site, h->li, "modnote", v, subj, body);
	}
	buf_release(&full);
	buf_release(&excerpt);
	buf_release(&reply_to);
	buf_release(&why);
}

static int notify_one(const char *moderator, void *arg)
{
	const struct held_note *h = arg;
	struct buf tok = BUF_INIT, addr = BUF_INIT, body = BUF_INIT,
		   subj = BUF_INIT;
	struct reply r;
	int rc;

	rc = token_create(h->site->db, "moderate", h->li->id, h->id, moderator,
			  h->expires, &tok);
	buf_printf(&addr, "%s-moderate%c%s", h->li->name, h->site->delimiter,
		   tok.data);
	note_text(h, addr.data, &subj, &body);
	memset(&r, 0, sizeof(r));
	r.list = h->li->name;
	r.from_local = addr.data;
	r.reply_to_local = addr.data;
	r.to = moderator;
	r.subject = subj.data;
	r.body = body.data;
	r.attach = h->e->msg;
	r.attach_len = h->e->msg_len;
	if (rc == 0)
		rc = reply_queue(h->site, &r);
	buf_release(&tok);
	buf_release(&addr);
	buf_release(&body);
	buf_release(&subj);
	return rc;
}

static int write_held(const struct site *site, const char *name,
		      const struct spool_entry *e, struct buf *rel)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	int rc;

	path_join(&dir, site->spool_dir, "held");
	rc = mkdir_p(dir.data, 02770);
	buf_printf(rel, "held/%s", name);
	path_join(&path, site->spool_dir, rel->data);
	if (rc == 0)
		rc = write_file_durable(path.data, NULL, e->msg, e->msg_len, 0660);
	if (rc < 0)
		log_error("hold: cannot write \"%s\": %s", path.data,
			  strerror(errno));
	buf_release(&dir);
	buf_release(&path);
	return rc;
}

static long long insert_held(sqlite3 *db, const struct held_note *h,
			     const char *rel)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO held(list_id, path, "
		"sender, from_addr, subject, size, reason, received, expires) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, h->li->id);
	db_bind_text(st, 2, rel);
	db_bind_text(st, 3, h->e->sender);
	db_bind_text(st, 4, h->from);
	db_bind_text(st, 5, h->subject);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)h->e->msg_len);
	db_bind_text(st, 7, h->why->text.data);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)h->e->received);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)h->expires);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(db) : -1;
}

/* The sender hears once per held post that it waits, unless the sender
 * is a robot or already had notify_sender_max such notices today. */
static int tell_sender(struct site *site, const struct list_info *li,
		       const struct spool_entry *e, long long id,
		       const char *subject)
{
	const struct mt_var v[] = { { "subject", subject }, { NULL, NULL } };
	struct buf body = BUF_INIT, subj = BUF_INIT;
	int rc;

	if (!site->hold_notice)
		return 0;
	mailtext_render(site, li, "held", v, &subj, &body);
	rc = post_notice_each(site, li, e, "held", id, site->hold_notice_max,
			      subj.data, body.data);
	buf_release(&body);
	buf_release(&subj);
	return rc;
}

int hold_post(struct site *site, const struct list_info *li,
	      const struct spool_entry *e, const char *spool_name,
	      const struct hold_why *why, struct outcome *out)
{
	struct content c;
	struct buf rel = BUF_INIT;
	struct held_note h;
	int rc;

	content_parse(e->msg, e->msg_len, &c);
	memset(&h, 0, sizeof(h));
	h.site = site;
	h.li = li;
	h.e = e;
	h.from = c.from_addr;
	h.from_name = c.from_name ? c.from_name : "";
	h.subject = c.subject;
	h.why = why;
	h.expires = clock_now() + (time_t)site->hold_days * 86400;
	rc = write_held(site, spool_name, e, &rel);
	if (rc == 0)
		rc = (h.id = insert_held(site->db, &h, rel.data)) < 0 ? -1 : 0;
	if (rc == 0)
		rc = hold_each_moderator(site->db, li->id, 0, notify_one, &h);
	if (rc == 0)
		rc = tell_sender(site, li, e, h.id, c.subject);
	if (rc == 0) {
		out->what = "held";
		buf_printf(&out->reason, "#%lld: %s", h.id, why->text.data);
		db_event(site->db, "confer", li->name, "hold", out->reason.data);
	}
	content_release(&c);
	buf_release(&rel);
	return rc;
}
