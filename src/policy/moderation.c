/* moderation.c: deciding held posts, by mail and by command; expiry and
 * reminders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/lists.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/token.h"
#include "core/util.h"
#include "delivery/reply.h"
#include "intake/spool.h"
#include "mail/header.h"
#include "policy/hold.h"
#include "policy/mailtext.h"
#include "policy/moderation.h"
#include "policy/post.h"
#include "policy/request.h"
#include "policy/robots.h"

/* Answers any one address may get in a day, over every list and kind. */
#define ANSWERS_PER_DAY 20

#define HELD_COLS "h.id, h.list_id, l.name, h.path, h.sender, h.from_addr, " \
	"h.subject, h.size, h.reason, h.received, h.expires, h.state, " \
	"coalesce(h.decided_by, ''), coalesce(h.decided_at, 0), " \
	"coalesce(h.decision_reason, '') FROM held h JOIN lists l ON " \
	"l.id = h.list_id "

static void held_fill(sqlite3_stmt *st, struct held_row *h)
{
	h->id = sqlite3_column_int64(st, 0);
	h->list_id = sqlite3_column_int64(st, 1);
	h->list = xstrdup(db_col_text(st, 2));
	h->path = xstrdup(db_col_text(st, 3));
	h->sender = xstrdup(db_col_text(st, 4));
	h->from_addr = xstrdup(db_col_text(st, 5));
	h->subject = xstrdup(db_col_text(st, 6));
	h->size = sqlite3_column_int64(st, 7);
	h->reason = xstrdup(db_col_text(st, 8));
	h->received = (time_t)sqlite3_column_int64(st, 9);
	h->expires = (time_t)sqlite3_column_int64(st, 10);
	h->state = xstrdup(db_col_text(st, 11));
	h->decided_by = xstrdup(db_col_text(st, 12));
	h->decided_at = (time_t)sqlite3_column_int64(st, 13);
	h->decision_reason = xstrdup(db_col_text(st, 14));
}

void held_row_release(struct held_row *h)
{
	free(h->list);
	free(h->path);
	free(h->sender);
	free(h->from_addr);
	free(h->subject);
	free(h->reason);
	free(h->state);
	free(h->decided_by);
	free(h->decision_reason);
	memset(h, 0, sizeof(*h));
}

int held_load(sqlite3 *db, long long id, struct held_row *h)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " HELD_COLS "WHERE h.id = ?");
	int rc;

	memset(h, 0, sizeof(*h));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		held_fill(st, h);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int held_each(sqlite3 *db, const char *list,
	      void (*fn)(const struct held_row *h, void *arg), void *arg)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " HELD_COLS "WHERE "
		"h.state = 'held' AND (?1 IS NULL OR l.name = ?1) ORDER BY h.id");
	struct held_row h;
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, list);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		held_fill(st, &h);
		fn(&h, arg);
		held_row_release(&h);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void format_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Reads a held original into a spool entry (sender and time from the
 * row), so that it takes the same way as a post from the spool. */
static int held_entry(const struct site *site, const struct held_row *h,
		      struct buf *raw, struct spool_entry *e)
{
	struct buf path = BUF_INIT;
	int rc;

	path_join(&path, site->spool_dir, h->path);
	rc = read_file(path.data, (size_t)site->hard_max_size * 2, raw);
	if (rc < 0)
		log_error("moderation: cannot read held post #%lld \"%s\": %s",
			  h->id, path.data, strerror(errno));
	buf_release(&path);
	memset(e, 0, sizeof(*e));
	e->sender = h->sender;
	e->msg = raw->data;
	e->msg_len = raw->len;
	e->received = h->received;
	return rc;
}

static int tell_rejected(struct site *site, const struct list_info *li,
			 const struct held_row *h, const struct spool_entry *e,
			 const char *reason)
{
	struct buf body = BUF_INIT, subj = BUF_INIT, kind = BUF_INIT,
		   none = BUF_INIT;
	int rc;

	mailtext_render(site, li, "none_given", NULL, NULL, &none);
	{
		const struct mt_var v[] = { { "subject", h->subject },
			{ "reason", reason && *reason ? reason : none.data },
			{ NULL, NULL } };
		mailtext_render(site, li, "rejected", v, &subj, &body);
	}
	buf_printf(&kind, "rejected:%lld", h->id);
	rc = post_notice(site, li, e, kind.data, subj.data, body.data);
	buf_release(&body);
	buf_release(&subj);
	buf_release(&kind);
	buf_release(&none);
	return rc;
}

static int set_state(sqlite3 *db, long long id, const char *state,
		     const char *actor, const char *reason)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE held SET state = ?, "
		"decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, actor);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
	db_bind_text(st, 4, reason ? reason : "");
	sqlite3_bind_int64(st, 5, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char *state_of(enum mod_command cmd)
{
	return cmd == MOD_REJECT ? "rejected" : cmd == MOD_DISCARD ?
	       "discarded" : "approved";
}

/* Carries out the decision on a post still held. */
static int carry_out(struct site *site, const struct held_row *h,
		     enum mod_command cmd, const char *reason, int *dirty)
{
	struct list_info li;
	struct spool_entry e;
	struct outcome o;
	struct buf raw = BUF_INIT;
	int rc = list_lookup_id(site->db, h->list_id, &li);

	if (rc != 0)
		return -1;
	memset(&o, 0, sizeof(o));
	buf_init(&o.reason);
	if (cmd != MOD_DISCARD)
		rc = held_entry(site, h, &raw, &e);
	if (rc == 0 && cmd == MOD_APPROVE)
		rc = post_accept(site, &li, &e, &o);
	else if (rc == 0 && cmd == MOD_REJECT)
		rc = tell_rejected(site, &li, h, &e, reason);
	if (rc == 0 && o.archive_dirty)
		*dirty = 1;
	buf_release(&o.reason);
	buf_release(&raw);
	list_info_release(&li);
	return rc;
}

int moderation_decide(struct site *site, long long id, enum mod_command cmd,
		      const char *actor, const char *reason, struct buf *info,
		      int *archive_dirty)
{
	struct held_row h;
	struct buf detail = BUF_INIT, action = BUF_INIT;
	char when[64];
	int rc = held_load(site->db, id, &h);

	if (rc != 0)
		return rc < 0 ? -1 : 2;
	if (strcmp(h.state, "held")) {
		format_time(h.decided_at, when, sizeof(when));
		buf_printf(info, "held post #%lld was already %s by %s on %s", id,
			   h.state, h.decided_by, when);
		held_row_release(&h);
		return 1;
	}
	rc = carry_out(site, &h, cmd, reason, archive_dirty);
	if (rc == 0)
		rc = set_state(site->db, id, state_of(cmd), actor, reason);
	if (rc == 0)
		rc = token_retire(site->db, "moderate", id);
	if (rc == 0) {
		buf_printf(&detail, "#%lld from %s: %s%s%s", id, h.from_addr,
			   h.subject, reason && *reason ? "; reason: " : "",
			   reason && *reason ? reason : "");
		buf_printf(&action, "mod-%s", mod_command_name(cmd));
		db_event(site->db, actor, h.list, action.data, detail.data);
		buf_printf(info, "held post #%lld from %s %s", id, h.from_addr,
			   state_of(cmd));
	}
	buf_release(&detail);
	buf_release(&action);
	held_row_release(&h);
	return rc;
}

/* ---- replies to LIST-moderate+TOKEN ---- */

static int answer_quota(struct site *site, const char *to)
{
	struct buf kind = BUF_INIT;
	int rc;

	buf_adds(&kind, "answer:");
	unique_name(&kind);
	rc = robots_reply_quota(site->db, to, kind.data, "answer",
				ANSWERS_PER_DAY);
	if (rc == 0)
		log_info("moderation: no answer to %s: %d answers already "
			 "today", to, ANSWERS_PER_DAY);
	buf_release(&kind);
	return rc;
}

int moderation_answer(struct site *site, const struct list_info *li,
		      const struct spool_entry *e, const char *to,
		      const char *limit_kind, const char *subject,
		      const char *body)
{
	struct buf msgid = BUF_INIT, from = BUF_INIT;
	struct reply r;
	int rc;

	if (!to)
		to = e->sender;
	if (limit_kind) {
		rc = robots_reply_allowed(site->db, to, limit_kind);
		if (rc <= 0)
			return rc;
	}
	/* whatever the kind, an address gets a bounded number of answers a
	 * day: a forged sender must not turn confer into a reflector */
	rc = answer_quota(site, to);
	if (rc <= 0)
		return rc;
	if (header_get(e->msg, e->msg_len, "Message-ID", &msgid) == 0) {
		size_t n = strspn(msgid.data, "< \t");
		memmove(msgid.data, msgid.data + n, msgid.len - n + 1);
		msgid.data[strcspn(msgid.data, "> \t")] = '\0';
	}
	buf_printf(&from, "%s-owner", li->name);
	memset(&r, 0, sizeof(r));
	r.list = li->name;
	r.from_local = from.data;
	r.to = to;
	r.subject = subject;
	r.in_reply_to = msgid.data;
	r.body = body;
	rc = reply_queue(site, &r);
	buf_release(&msgid);
	buf_release(&from);
	return rc;
}

int moderation_answer_text(struct site *site, const struct list_info *li,
			   const struct spool_entry *e, const char *to,
			   const char *limit_kind, const char *name,
			   const struct mt_var *vars)
{
	struct buf subj = BUF_INIT, body = BUF_INIT;
	int rc;

	mailtext_render(site, li, name, vars, &subj, &body);
	rc = moderation_answer(site, li, e, to, limit_kind, subj.data,
			       body.data);
	buf_release(&subj);
	buf_release(&body);
	return rc;
}

static void set_out(struct outcome *out, const char *what, const char *why)
{
	out->what = what;
	buf_reset(&out->reason);
	buf_adds(&out->reason, why);
}

/* Answers a human whose reply could not decide anything: to the
 * moderator's From: once that was checked (to), else, limited to one a
 * day, to the envelope sender. */
static int refuse(struct site *site, const struct list_info *li,
		  const struct spool_entry *e, const char *to, const char *why,
		  const char *name, const struct mt_var *vars,
		  struct outcome *out)
{
	set_out(out, "refused", why);
	return moderation_answer_text(site, li, e, to, to ? NULL : "modrefused",
				      name, vars);
}

/* "approved", ... in the list's language. */
static void state_word(struct site *site, const struct list_info *li,
		       const char *state, struct buf *out)
{
	struct buf name = BUF_INIT;

	buf_printf(&name, "state_%s", state);
	mailtext_render(site, li, name.data, NULL, NULL, out);
	if (!out->len)
		buf_adds(out, state);
	buf_release(&name);
}

/* Tells a moderator (at their From: address) what happened to held post
 * id: what this reply did (decided: 0) or who decided before (1), or
 * that the post is gone. */
static int tell_moderator(struct site *site, const struct list_info *li,
			  const struct spool_entry *e, const char *to,
			  long long id, int decided, const char *reason)
{
	struct buf state = BUF_INIT, none = BUF_INIT, name = BUF_INIT;
	char when[64], ids[32];
	struct held_row h;
	int rc = held_load(site->db, id, &h);

	if (rc < 0)
		return -1;
	if (rc == 1 || (decided && !h.decided_by[0]))
		return moderation_answer_text(site, li, e, to, NULL, "mod_used",
					      NULL);
	format_time(h.decided_at, when, sizeof(when));
	snprintf(ids, sizeof(ids), "%lld", id);
	state_word(site, li, h.state, &state);
	mailtext_render(site, li, "none_given", NULL, NULL, &none);
	if (decided)
		buf_adds(&name, "mod_already");
	else
		buf_printf(&name, "mod_%s", h.state);
	{
		const struct mt_var v[] = { { "id", ids },
			{ "from", h.from_addr }, { "subject", h.subject },
			{ "state", state.data }, { "who", h.decided_by },
			{ "when", when },
			{ "reason", reason && *reason ? reason : none.data },
			{ NULL, NULL } };
		rc = moderation_answer_text(site, li, e, to, NULL, name.data, v);
	}
	held_row_release(&h);
	buf_release(&state);
	buf_release(&none);
	buf_release(&name);
	return rc;
}

/* The token is valid and the sender a moderator: decide.  The moderator
 * is answered at actor, the From: address checked against the list's
 * moderators, never at the envelope sender (which anyone can forge). */
static int decide_by_mail(struct site *site, const struct list_info *li,
			  const struct spool_entry *e, const char *token,
			  const struct token_row *row, const char *actor,
			  struct outcome *out)
{
	struct buf reason = BUF_INIT, info = BUF_INIT;
	enum mod_command cmd = modreply_parse(e->msg, e->msg_len, &reason);
	int rc, dirty = 0;

	rc = moderation_decide(site, row->target, cmd, actor, reason.data,
			       &info, &dirty);
	if (rc == 2) {
		buf_reset(&info);
		buf_printf(&info, "held post #%lld no longer exists", row->target);
		rc = 1;
	}
	if (rc >= 0 && token_use(site->db, token) < 0)
		rc = -1;
	if (rc >= 0)
		rc = tell_moderator(site, li, e, actor, row->target, rc,
				    reason.data);
	if (rc == 0) {
		set_out(out, "moderated", info.data);
		out->archive_dirty = dirty;
	}
	buf_release(&reason);
	buf_release(&info);
	return rc;
}

static int check_and_decide(struct site *site, const struct list_info *li,
			    const struct spool_entry *e, const char *token,
			    const struct token_row *row, struct outcome *out)
{
	struct buf from = BUF_INIT, name = BUF_INIT;
	int rc, mod = -2;

	if (header_from(e->msg, e->msg_len, &from, &name) == 0)
		mod = hold_is_moderator(site->db, li->id, from.data, 0);
	if (mod == -1) {
		rc = -1;
	} else if (mod != 1) {
		const struct mt_var v[] = {
			{ "address", from.len ? from.data : e->sender },
			{ NULL, NULL } };
		rc = refuse(site, li, e, NULL, "not from a moderator",
			    "mod_not_moderator", v, out);
	} else if (row->used) {
		set_out(out, "answered", "token already used");
		rc = tell_moderator(site, li, e, from.data, row->target, 1, NULL);
	} else if (clock_now() > row->expires) {
		rc = refuse(site, li, e, from.data, "token expired",
			    "mod_expired", NULL, out);
	} else {
		rc = decide_by_mail(site, li, e, token, row, from.data, out);
	}
	buf_release(&from);
	buf_release(&name);
	return rc;
}

int moderation_mail(struct site *site, const struct list_info *li,
		    const struct spool_entry *e, const char *token,
		    struct outcome *out)
{
	const char *robot = robots_no_reply_reason(e->sender, e->msg,
						   e->msg_len);
	struct token_row row;
	int rc;

	if (robot) {
		set_out(out, "ignored", robot);
		return 0;
	}
	rc = token_lookup(site->db, token, "moderate", &row);
	if (rc == 1) {
		rc = token_lookup(site->db, token, "approve", &row);
		if (rc == 0 && row.list_id == li->id)
			return request_approval_mail(site, li, e, token, &row, out);
	}
	if (rc < 0)
		return -1;
	if (rc == 1 || row.list_id != li->id)
		return refuse(site, li, e, NULL, "unknown token", "mod_bad_token",
			      NULL, out);
	return check_and_decide(site, li, e, token, &row, out);
}

/* ---- periodic work ---- */

static int expire_one(struct site *site, const struct held_row *h)
{
	struct list_info li;
	struct spool_entry e;
	struct buf raw = BUF_INIT, body = BUF_INIT, subj = BUF_INIT,
		   kind = BUF_INIT;
	int rc = list_lookup_id(site->db, h->list_id, &li);

	if (rc != 0)
		return -1;
	rc = set_state(site->db, h->id, "expired", "confer", "expired");
	if (rc == 0)
		rc = token_retire(site->db, "moderate", h->id);
	if (rc == 0 && held_entry(site, h, &raw, &e) == 0) {
		const struct mt_var v[] = { { "subject", h->subject },
					    { NULL, NULL } };
		mailtext_render(site, &li, "expired", v, &subj, &body);
		buf_printf(&kind, "expired:%lld", h->id);
		if (!robots_no_reply_reason(e.sender, e.msg, e.msg_len))
			rc = post_notice(site, &li, &e, kind.data, subj.data,
					 body.data);
	}
	if (rc == 0)
		db_event(site->db, "confer", li.name, "mod-expire", h->from_addr);
	buf_release(&raw);
	buf_release(&body);
	buf_release(&subj);
	buf_release(&kind);
	list_info_release(&li);
	return rc;
}

/* Ids of held posts matching a query with one time parameter. */
static size_t held_ids(sqlite3 *db, const char *sql, time_t t,
		       long long **ids)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	size_t n = 0;

	*ids = NULL;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)t);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, n + 1, sizeof(**ids));
		(*ids)[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

static int expire_due(struct site *site)
{
	long long *ids;
	size_t i, n = held_ids(site->db, "SELECT id FROM held WHERE state = "
			       "'held' AND expires <= ?", clock_now(), &ids);
	struct held_row h;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (db_begin(site->db) < 0) {
			rc = -1;
			break;
		}
		/* read again under the lock: a moderator may have decided */
		rc = held_load(site->db, ids[i], &h);
		if (rc == 0 && !strcmp(h.state, "held"))
			rc = expire_one(site, &h);
		if (rc >= 0)
			rc = db_commit(site->db);
		if (rc < 0)
			db_rollback(site->db);
		held_row_release(&h);
	}
	free(ids);
	return rc;
}

struct reminder {
	struct site *site;
	struct list_info *li;
	const char *subject, *text;
};

static int remind_one(const char *moderator, void *arg)
{
	struct reminder *rm = arg;
	struct buf kind = BUF_INIT, from = BUF_INIT;
	struct reply r;
	int rc;

	buf_printf(&kind, "reminder:%s", rm->li->name);
	rc = robots_reply_allowed(rm->site->db, moderator, kind.data);
	buf_printf(&from, "%s-owner", rm->li->name);
	memset(&r, 0, sizeof(r));
	r.list = rm->li->name;
	r.from_local = from.data;
	r.to = moderator;
	r.subject = rm->subject;
	r.body = rm->text;
	if (rc == 1)
		rc = reply_queue(rm->site, &r);
	buf_release(&kind);
	buf_release(&from);
	return rc < 0 ? -1 : 0;
}

static void reminder_line(const struct held_row *h, void *arg)
{
	char when[64];

	format_time(h->received, when, sizeof(when));
	buf_printf(arg, "  #%lld  %s  from %s: %s\n", h->id, when, h->from_addr,
		   h->subject);
}

static int remind_list(struct site *site, long long list_id)
{
	struct list_info li;
	struct reminder rm;
	struct buf posts = BUF_INIT, subj = BUF_INIT, text = BUF_INIT;
	int rc = list_lookup_id(site->db, list_id, &li);

	if (rc != 0)
		return -1;
	rc = held_each(site->db, li.name, reminder_line, &posts);
	{
		const struct mt_var v[] = { { "posts", posts.data },
					    { NULL, NULL } };
		mailtext_render(site, &li, "reminder", v, &subj, &text);
	}
	rm.site = site;
	rm.li = &li;
	rm.subject = subj.data;
	rm.text = text.data;
	if (rc == 0 && db_begin(site->db) == 0) {
		rc = hold_each_moderator(site->db, li.id, 0, remind_one, &rm);
		if (rc == 0)
			rc = db_commit(site->db);
		if (rc < 0)
			db_rollback(site->db);
	}
	buf_release(&posts);
	buf_release(&subj);
	buf_release(&text);
	list_info_release(&li);
	return rc;
}

/* One reminder a day per moderator, for posts held over a day. */
static int remind(struct site *site)
{
	long long *ids;
	size_t i, n = held_ids(site->db, "SELECT DISTINCT list_id FROM held "
			       "WHERE state = 'held' AND received <= ?",
			       clock_now() - 86400, &ids);
	int rc = 0;

	for (i = 0; i < n; i++)
		if (remind_list(site, ids[i]) < 0)
			rc = -1;
	free(ids);
	return rc;
}

/* The originals of decided posts are no longer needed once the decision
 * is committed (an approved post is in the store by then). */
static void clean_decided(struct site *site)
{
	sqlite3_stmt *st = db_prepare(site->db, "SELECT id, path FROM held "
				      "WHERE state != 'held' AND path != ''");
	struct buf p = BUF_INIT;
	long long *ids = NULL;
	size_t n = 0, i;

	if (!st)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		buf_reset(&p);
		path_join(&p, site->spool_dir, db_col_text(st, 1));
		if (unlink(p.data) < 0 && errno != ENOENT)
			continue;
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		st = db_prepare(site->db, "UPDATE held SET path = '' WHERE id = ?");
		if (!st)
			break;
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	free(ids);
	buf_release(&p);
}

int moderation_tick(struct site *site)
{
	int rc = expire_due(site);

	if (site->mod_reminders && remind(site) < 0)
		rc = -1;
	clean_decided(site);
	return rc;
}
