/* request.c: commands to LIST-request, confirmations, owner approvals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/listset.h"
#include "admin/lists.h"
#include "admin/members.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/log.h"
#include "core/site.h"
#include "core/token.h"
#include "core/util.h"
#include "delivery/reply.h"
#include "intake/spool.h"
#include "mail/address.h"
#include "mail/content.h"
#include "mail/header.h"
#include "policy/hold.h"
#include "policy/mailtext.h"
#include "policy/moderation.h"
#include "policy/post.h"
#include "policy/reply_parse.h"
#include "policy/request.h"
#include "policy/robots.h"

#define MAX_COMMANDS 20

/* ---- sending ---- */

/* A message from LIST-LOCAL (Reply-To the same when reply is set), the
 * text of mail template `name` in the list's language. */
static int send_text(struct site *site, const struct list_info *li,
		     const char *local, int reply, const char *to,
		     const char *name, const struct mt_var *vars)
{
	struct buf from = BUF_INIT, subj = BUF_INIT, body = BUF_INIT;
	struct reply r;
	int rc;

	mailtext_render(site, li, name, vars, &subj, &body);
	buf_printf(&from, "%s-%s", li->name, local);
	memset(&r, 0, sizeof(r));
	r.list = li->name;
	r.from_local = from.data;
	r.reply_to_local = reply ? from.data : NULL;
	r.to = to;
	r.subject = subj.data;
	r.body = body.data;
	rc = reply_queue(site, &r);
	buf_release(&from);
	buf_release(&subj);
	buf_release(&body);
	return rc;
}

struct owner_note {
	struct site *site;
	const struct list_info *li;
	const char *name, *address;
};

static int note_owner(const char *owner, void *arg)
{
	const struct owner_note *n = arg;
	const struct mt_var v[] = { { "address", n->address }, { NULL, NULL } };

	return send_text(n->site, n->li, "owner", 0, owner, n->name, v);
}

/* Tells the owners of a join or a leave (template owner_joined or
 * owner_left), when the list wants that. */
static int tell_owners(struct site *site, const struct list_info *li,
		       const char *name, const char *address)
{
	struct list_rules r;
	struct owner_note n;
	int rc = list_rules_get(site->db, li->id, &r);

	if (rc < 0 || !r.notify_owners)
		return rc;
	n.site = site;
	n.li = li;
	n.name = name;
	n.address = address;
	return hold_each_moderator(site->db, li->id, 1, note_owner, &n);
}

/* ---- requests ---- */

struct request_row {
	long long id;
	char kind[16], state[16];
	char address[256], decided_by[256];
	time_t decided_at;
};

static int request_load(sqlite3 *db, long long id, struct request_row *r)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT kind, state, address, "
		"coalesce(decided_by, ''), coalesce(decided_at, 0) FROM requests "
		"WHERE id = ?");
	int rc;

	memset(r, 0, sizeof(*r));
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = id;
		snprintf(r->kind, sizeof(r->kind), "%s", db_col_text(st, 0));
		snprintf(r->state, sizeof(r->state), "%s", db_col_text(st, 1));
		snprintf(r->address, sizeof(r->address), "%s", db_col_text(st, 2));
		snprintf(r->decided_by, sizeof(r->decided_by), "%s",
			 db_col_text(st, 3));
		r->decided_at = (time_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

static int request_set(sqlite3 *db, long long id, const char *state,
		       const char *actor)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE requests SET state = ?, "
		"decided_by = coalesce(?, decided_by), decided_at = ? WHERE id = ?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, actor);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
	sqlite3_bind_int64(st, 4, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static long long request_new(sqlite3 *db, long long list_id, const char *kind,
			     const char *address, const char *by)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO requests(list_id, kind, "
		"address, requested_by, created) VALUES (?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, address);
	db_bind_text(st, 4, by);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)clock_now());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(db) : -1;
}

/* Starts a subscribe or unsubscribe: a request row and a confirmation
 * sent to the address concerned (not to whoever asked). */
static int ask_confirmation(struct site *site, const struct list_info *li,
			    const char *kind, const char *address,
			    const char *by, struct buf *resp)
{
	struct buf tok = BUF_INIT, local = BUF_INIT, reply_to = BUF_INIT,
		   name = BUF_INIT;
	char days[32];
	time_t exp = clock_now() + (time_t)site->confirm_days * 86400;
	long long id = request_new(site->db, li->id, kind, address, by);
	int rc = id < 0 ? -1 : token_create(site->db, "confirm", li->id, id,
					    address, exp, &tok);
	struct mt_var v[] = { { "address", address }, { "reply_to", NULL },
			      { "days", days }, { "command", kind },
			      { NULL, NULL } };

	snprintf(days, sizeof(days), "%ld", site->confirm_days);
	if (rc == 0) {
		/* one confirmation per list and kind a day, and a few in all:
		 * anyone can ask for any address, so this must not become a
		 * way to flood someone */
		struct buf k = BUF_INIT;
		buf_printf(&k, "confirm:%s:%s", li->name, kind);
		rc = robots_reply_quota(site->db, address, k.data, "confirm", 5);
		buf_release(&k);
		if (rc == 0) {
			log_info("request: confirmation for %s not sent again "
				 "today", address);
			mailtext_render(site, li, "req_confirm_sent", v, NULL, resp);
		}
		rc = rc == 1 ? 0 : rc == 0 ? 1 : -1;
	}
	buf_printf(&local, "confirm%c%s", site->delimiter, tok.data);
	buf_printf(&reply_to, "%s-%s@%s", li->name, local.data, site->domain);
	v[1].value = reply_to.data;
	buf_printf(&name, "confirm_%s", kind);
	if (rc == 0)
		rc = send_text(site, li, local.data, 1, address, name.data, v);
	if (rc == 0)
		mailtext_render(site, li, "req_confirm_sent", v, NULL, resp);
	if (rc == 1)
		rc = 0;
	buf_release(&tok);
	buf_release(&local);
	buf_release(&reply_to);
	buf_release(&name);
	return rc;
}

/* ---- commands ---- */

struct cmd_ctx {
	struct site *site;
	const struct list_info *li;
	const struct spool_entry *e;
	const char *from;      /* the From: address, may be "" */
	struct list_rules rules;
	struct buf resp;
	int known;             /* commands read */
};

static int network_member(struct site *site, const struct list_info *li,
			  const char *address)
{
	struct list_info net;
	char role[16];
	int rc;

	if (!li->parent_id)
		return 1;
	if (list_lookup(site->db, NETWORK_LIST, &net) != 0)
		return -1;
	rc = member_role(site->db, net.id, address, role);
	list_info_release(&net);
	return rc < 0 ? -1 : rc == 0;
}

/* Appends the answer line `name` to the response. */
static void say(struct cmd_ctx *c, const char *name, const char *address,
		const char *extra)
{
	const struct mt_var v[] = { { "address", address }, { "command", extra },
				    { "mode", extra }, { NULL, NULL } };

	mailtext_render(c->site, c->li, name, v, NULL, &c->resp);
}

static int cmd_subscribe(struct cmd_ctx *c, const char *arg, int sub)
{
	const char *addr = *arg ? arg : c->from, *why = NULL;
	const char *kind = sub ? "subscribe" : "unsubscribe";
	char role[16];
	int m, net;

	if (!address_valid(addr, &why)) {
		say(c, "req_bad_address", addr, kind);
		return 0;
	}
	if (sub && !strcmp(c->rules.subscription_policy, "closed")) {
		say(c, "req_closed", addr, kind);
		return 0;
	}
	m = member_role(c->site->db, c->li->id, addr, role);
	net = sub ? network_member(c->site, c->li, addr) : 1;
	if (m < 0 || net < 0)
		return -1;
	if (sub && m == 0)
		say(c, "req_already_member", addr, kind);
	else if (!sub && m == 1)
		say(c, "req_not_member", addr, kind);
	else if (!net)
		say(c, "req_network_first", addr, kind);
	else
		return ask_confirmation(c->site, c->li, kind, addr,
					*c->from ? c->from : c->e->sender,
					&c->resp);
	return 0;
}

static int cmd_set(struct cmd_ctx *c, const char *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (strcmp(arg, "each") && strcmp(arg, "digest") &&
	    strcmp(arg, "nomail")) {
		say(c, "set_usage", c->from, arg);
		return 0;
	}
	st = db_prepare(c->site->db, "UPDATE subscriptions SET delivery = ? "
		"WHERE list_id = ? AND person_id = (SELECT person_id FROM "
		"addresses WHERE address = ?)");
	if (!st)
		return -1;
	db_bind_text(st, 1, arg);
	sqlite3_bind_int64(st, 2, c->li->id);
	db_bind_text(st, 3, c->from);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(c->site->db) == 0) {
		say(c, "set_not_member", c->from, arg);
		return 0;
	}
	db_event(c->site->db, c->from, c->li->name, "set-delivery", arg);
	say(c, "set_done", c->from, arg);
	return 0;
}

static void who_line(const struct member_row *m, void *arg)
{
	buf_printf(arg, "  %s%s%s\n", m->address,
		   strcmp(m->role, "member") ? " " : "",
		   strcmp(m->role, "member") ? m->role : "");
}

static int cmd_who(struct cmd_ctx *c)
{
	int mod = *c->from ? hold_is_moderator(c->site->db, c->li->id, c->from,
					       0) : 0;

	if (mod < 0)
		return -1;
	if (!mod) {
		say(c, "who_refused", c->from, "who");
		return 0;
	}
	say(c, "who_header", c->from, "who");
	return member_each(c->site->db, c->li->id, who_line, &c->resp);
}

/* Runs one command line; 0 when run, 1 when it is no command, -1. */
static int run_command(struct cmd_ctx *c, const char *line, size_t len)
{
	char word[16], arg[256];
	size_t w = 0, a;

	while (w < len && w < sizeof(word) - 1 && line[w] != ' ' &&
	       line[w] != '\t')
		word[w] = line[w], w++;
	word[w] = '\0';
	ascii_lower(word);
	a = w;
	while (a < len && (line[a] == ' ' || line[a] == '\t'))
		a++;
	snprintf(arg, sizeof(arg), "%.*s", (int)(len - a), line + a);
	arg[strcspn(arg, " \t")] = '\0';
	if (!strcmp(word, "help") || !strcmp(word, "info")) {
		say(c, "help", c->from, word);
		return 0;
	}
	if (!strcmp(word, "subscribe") || !strcmp(word, "unsubscribe"))
		return cmd_subscribe(c, arg, word[0] == 's');
	if (!strcmp(word, "set"))
		return cmd_set(c, arg);
	if (!strcmp(word, "who"))
		return cmd_who(c);
	return 1;
}

/* A Subject holds a command after any "Re:"-like prefixes. */
static const char *subject_command(const char *s)
{
	for (;;) {
		size_t w;
		s = skip_ws(s);
		w = strcspn(s, " :");
		if (w > 0 && w <= 3 && s[w] == ':')
			s += w + 1;
		else
			return s;
	}
}

static int one_line(struct cmd_ctx *c, const char *p, size_t n)
{
	int rc = run_command(c, p, n);

	if (rc == 0)
		c->known++;
	return rc;
}

/* Reads commands from the body: blank lines are skipped; the first line
 * that is not a command ends them (signatures, quotes). */
static int body_commands(struct cmd_ctx *c, const char *t)
{
	int rc = 0;

	while (*t && rc == 0 && c->known < MAX_COMMANDS) {
		size_t n = strcspn(t, "\n"), s = 0;
		while (s < n && (t[s] == ' ' || t[s] == '\t'))
			s++;
		while (n > s && (t[n - 1] == ' ' || t[n - 1] == '\r' ||
				 t[n - 1] == '\t'))
			n--;
		if (n > s) {
			if (n - s == 3 && !ascii_ncasecmp(t + s, "end", 3))
				return 0;
			rc = one_line(c, t + s, n - s);
		}
		t += strcspn(t, "\n");
		t += *t == '\n';
	}
	return rc < 0 ? -1 : 0;
}

static const char *body_text(const struct content *ct)
{
	const char *html = NULL;
	size_t i;

	for (i = 0; i < ct->nparts; i++) {
		if (ct->parts[i].kind == PART_MESSAGE)
			break;
		if (ct->parts[i].kind != PART_TEXT)
			continue;
		if (!ct->parts[i].from_html)
			return ct->parts[i].text;
		if (!html)
			html = ct->parts[i].text;
	}
	return html ? html : "";
}

static int read_commands(struct cmd_ctx *c, const struct content *ct)
{
	const char *s = subject_command(ct->subject);
	int rc = 0;

	if (*s && one_line(c, s, strlen(s)) < 0)
		return -1;
	rc = body_commands(c, body_text(ct));
	return rc;
}

/* A message without commands gets the help text, once a day. */
static int answer_help(struct site *site, const struct list_info *li,
		       const struct spool_entry *e, const char *from)
{
	const struct mt_var hv[] = { { "address", from }, { NULL, NULL } };
	struct mt_var v[] = { { "help", NULL }, { NULL, NULL } };
	struct buf help = BUF_INIT;
	int rc;

	mailtext_render(site, li, "help", hv, NULL, &help);
	v[0].value = help.data;
	rc = moderation_answer_text(site, li, e, NULL, "help", "nocommand", v);
	buf_release(&help);
	return rc;
}

int request_mail(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, struct outcome *out)
{
	const char *robot = robots_no_reply_reason(e->sender, e->msg,
						   e->msg_len);
	struct content ct;
	struct cmd_ctx c;
	int rc;

	if (robot) {
		out->what = "ignored";
		buf_adds(&out->reason, robot);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	buf_init(&c.resp);
	c.site = site;
	c.li = li;
	c.e = e;
	content_parse(e->msg, e->msg_len, &ct);
	c.from = ct.from_addr;
	rc = list_rules_get(site->db, li->id, &c.rules);
	if (rc == 0)
		rc = read_commands(&c, &ct);
	if (rc == 0 && c.known) {
		const struct mt_var v[] = { { "results", c.resp.data },
					    { NULL, NULL } };
		rc = moderation_answer_text(site, li, e, NULL, NULL, "answer", v);
	} else if (rc == 0) {
		rc = answer_help(site, li, e, c.from);
	}
	if (rc == 0) {
		out->what = "answered";
		buf_printf(&out->reason, "%d command(s)", c.known);
	}
	content_release(&ct);
	buf_release(&c.resp);
	return rc;
}

/* ---- confirmations ---- */

static void set_out(struct outcome *out, const char *what, const char *why)
{
	out->what = what;
	buf_reset(&out->reason);
	buf_adds(&out->reason, why);
}

/* Answers the sender of e with template `name` (an address of theirs
 * checked by the caller when `to` is set). */
static int answer(struct site *site, const struct list_info *li,
		  const struct spool_entry *e, const char *to,
		  const char *limit, const char *name, const char *address)
{
	const struct mt_var v[] = { { "address", address }, { NULL, NULL } };

	return moderation_answer_text(site, li, e, to, limit, name, v);
}

/* One message telling address why its subscription cannot be done. */
static int tell_failed(struct site *site, const struct list_info *li,
		       const char *address, const char *why_name)
{
	struct mt_var v[] = { { "address", address }, { "why", NULL },
			      { NULL, NULL } };
	struct buf why = BUF_INIT;
	int rc;

	mailtext_render(site, li, why_name, v, NULL, &why);
	v[1].value = why.data;
	rc = send_text(site, li, "owner", 0, address, "sub_failed", v);
	buf_release(&why);
	return rc;
}

/* Subscribes rq->address: 0 when joined (welcome sent, owners told), 1
 * when it can no longer be done (the person is told why, in one
 * message, and why_name says which reason), -1 on error. */
static int join(struct site *site, const struct list_info *li,
		const struct request_row *rq, const char *actor,
		const char **why_name)
{
	const struct mt_var v[] = { { "address", rq->address }, { NULL, NULL } };
	struct buf err = BUF_INIT;
	int rc = member_add_tx(site, li, rq->address, "", "member", &err);

	if (rc == -2 || rc == 1) {
		log_info("request: %s not added to %s: %s", rq->address,
			 li->name, err.data);
		*why_name = rc == -2 ? "why_not_in_network" : "why_already_member";
		rc = tell_failed(site, li, rq->address, *why_name);
		buf_release(&err);
		return rc < 0 ? -1 : 1;
	}
	if (rc == 0)
		rc = send_text(site, li, "owner", 0, rq->address, "welcome", v);
	if (rc == 0)
		rc = tell_owners(site, li, "owner_joined", rq->address);
	if (rc == 0)
		db_event(site->db, actor, li->name, "subscribe", rq->address);
	buf_release(&err);
	return rc;
}

static int leave(struct site *site, const struct list_info *li,
		 const struct request_row *rq, const char *actor)
{
	const struct mt_var v[] = { { "address", rq->address }, { NULL, NULL } };
	int rc = member_remove_tx(site, li, rq->address);

	if (rc == 1)	/* removed meanwhile: say so rather than nothing */
		return send_text(site, li, "owner", 0, rq->address,
				 "unsub_not_member", v);
	if (rc == 0)
		rc = send_text(site, li, "owner", 0, rq->address, "goodbye", v);
	if (rc == 0)
		rc = tell_owners(site, li, "owner_left", rq->address);
	if (rc == 0)
		db_event(site->db, actor, li->name, "unsubscribe", rq->address);
	return rc;
}

struct approval_note {
	struct site *site;
	const struct list_info *li;
	const struct request_row *rq;
};

static int ask_owner(const char *owner, void *arg)
{
	const struct approval_note *n = arg;
	struct site *site = n->site;
	struct buf tok = BUF_INIT, local = BUF_INIT, reply_to = BUF_INIT;
	time_t exp = clock_now() + (time_t)site->hold_days * 86400;
	int rc = token_create(site->db, "approve", n->li->id, n->rq->id, owner,
			      exp, &tok);
	struct mt_var v[] = { { "address", n->rq->address },
			      { "reply_to", NULL }, { NULL, NULL } };

	buf_printf(&local, "moderate%c%s", site->delimiter, tok.data);
	buf_printf(&reply_to, "%s-%s@%s", n->li->name, local.data,
		   site->domain);
	v[1].value = reply_to.data;
	if (rc == 0)
		rc = send_text(site, n->li, local.data, 1, owner, "sub_approve", v);
	buf_release(&tok);
	buf_release(&local);
	buf_release(&reply_to);
	return rc;
}

static int confirmed(struct site *site, const struct list_info *li,
		     const struct spool_entry *e, const struct request_row *rq,
		     struct outcome *out)
{
	struct list_rules r;
	struct approval_note n;
	const char *why = NULL;
	int rc = list_rules_get(site->db, li->id, &r);

	if (rc == 0 && !strcmp(rq->kind, "unsubscribe")) {
		rc = leave(site, li, rq, rq->address);
		set_out(out, "answered", "unsubscribe confirmed");
	} else if (rc == 0 && !strcmp(r.subscription_policy, "open")) {
		rc = join(site, li, rq, rq->address, &why);
		set_out(out, "answered", rc == 1 ? "subscribe confirmed; could "
			"not be completed" : "subscribe confirmed");
		if (rc == 1)
			return request_set(site->db, rq->id, "refused", "confer");
	} else if (rc == 0 && !strcmp(r.subscription_policy, "closed")) {
		rc = answer(site, li, e, rq->address, NULL, "conf_closed",
			    rq->address);
		set_out(out, "refused", "subscriptions closed");
		return rc == 0 ? request_set(site->db, rq->id, "refused", NULL) : rc;
	} else if (rc == 0) {
		n.site = site;
		n.li = li;
		n.rq = rq;
		rc = hold_each_moderator(site->db, li->id, 1, ask_owner, &n);
		if (rc == 0)
			rc = answer(site, li, e, rq->address, NULL,
				    "conf_wait_owner", rq->address);
		set_out(out, "answered", "subscribe confirmed; owner approval "
			"asked");
		return rc == 0 ? request_set(site->db, rq->id, "approving",
					     NULL) : rc;
	}
	return rc == 0 ? request_set(site->db, rq->id, "done", rq->address) : rc;
}

/* Does the confirmation come from the address it was sent to? */
static int from_matches(const struct spool_entry *e, const char *address)
{
	struct buf from = BUF_INIT, name = BUF_INIT;
	int ok = header_from(e->msg, e->msg_len, &from, &name) == 0 &&
		 !ascii_casecmp(from.data, address);

	buf_release(&from);
	buf_release(&name);
	return ok;
}

int request_confirm_mail(struct site *site, const struct list_info *li,
			 const struct spool_entry *e, const char *token,
			 struct outcome *out)
{
	const char *robot = robots_no_reply_reason(e->sender, e->msg,
						   e->msg_len);
	struct token_row row;
	struct request_row rq;
	int rc;

	if (robot) {
		set_out(out, "ignored", robot);
		return 0;
	}
	rc = token_lookup(site->db, token, "confirm", &row);
	if (rc < 0)
		return -1;
	if (rc == 1 || row.list_id != li->id) {
		set_out(out, "refused", "unknown token");
		return answer(site, li, e, NULL, "badconfirm", "conf_bad_token",
			      "");
	}
	if (!from_matches(e, row.address)) {
		set_out(out, "refused", "confirmation from another address");
		return answer(site, li, e, NULL, "badconfirm",
			      "conf_wrong_address", row.address);
	}
	if (row.used || clock_now() > row.expires) {
		set_out(out, "refused", row.used ? "token already used" :
			"token expired");
		return answer(site, li, e, row.address, NULL, row.used ?
			      "conf_used" : "conf_expired", row.address);
	}
	rc = request_load(site->db, row.target, &rq);
	if (rc == 0 && strcmp(rq.state, "confirming"))
		rc = 1;
	if (rc == 0)
		rc = token_use(site->db, token);
	if (rc == 0)
		rc = confirmed(site, li, e, &rq, out);
	if (rc == 1)
		set_out(out, "refused", "request no longer open");
	return rc < 0 ? -1 : 0;
}

/* ---- owner approval ---- */

/* Answers to the owner go to their From: address (checked against the
 * list's owners), never to the envelope sender. */
static int approve_decided(struct site *site, const struct list_info *li,
			   const struct spool_entry *e, const char *owner,
			   const struct request_row *rq, struct outcome *out)
{
	struct buf state = BUF_INIT, name = BUF_INIT;
	const char *who = rq->decided_by[0] ? rq->decided_by : "confer";
	int rc;

	buf_printf(&name, "state_%s", rq->state);
	mailtext_render(site, li, name.data, NULL, NULL, &state);
	if (!state.len)
		buf_adds(&state, rq->state);
	{
		const struct mt_var v[] = { { "address", rq->address },
			{ "state", state.data }, { "who", who }, { NULL, NULL } };
		rc = moderation_answer_text(site, li, e, owner, NULL,
					    "sub_decided", v);
	}
	set_out(out, "answered", "request already decided");
	buf_release(&state);
	buf_release(&name);
	return rc;
}

/* The owner approves: the person joins, or is told why they cannot
 * (and the owner is told so too). */
static int owner_approves(struct site *site, const struct list_info *li,
			  const struct spool_entry *e,
			  const struct request_row *rq, const char *owner)
{
	const char *why_name = NULL;
	struct buf why = BUF_INIT;
	int rc = join(site, li, rq, owner, &why_name);

	if (rc == 0)
		rc = request_set(site->db, rq->id, "done", owner);
	if (rc == 0)
		return answer(site, li, e, owner, NULL, "sub_approved_mod",
			      rq->address);
	if (rc == 1) {
		struct mt_var v[] = { { "address", rq->address },
				      { "why", NULL }, { NULL, NULL } };
		mailtext_render(site, li, why_name, v, NULL, &why);
		v[1].value = why.data;
		rc = request_set(site->db, rq->id, "refused", "confer");
		if (rc == 0)
			rc = moderation_answer_text(site, li, e, owner, NULL,
						    "sub_failed_mod", v);
	}
	buf_release(&why);
	return rc;
}

static int owner_refuses(struct site *site, const struct list_info *li,
			 const struct spool_entry *e,
			 const struct request_row *rq, const char *owner,
			 enum mod_command cmd, const char *reason)
{
	struct buf none = BUF_INIT;
	int rc = 0;

	db_event(site->db, owner, li->name, "subscribe-refused", rq->address);
	mailtext_render(site, li, "none_given", NULL, NULL, &none);
	if (cmd == MOD_REJECT) {
		const struct mt_var v[] = { { "address", rq->address },
			{ "reason", *reason ? reason : none.data },
			{ NULL, NULL } };
		rc = send_text(site, li, "owner", 0, rq->address, "sub_refused",
			       v);
	}
	if (rc == 0)
		rc = request_set(site->db, rq->id, "refused", owner);
	if (rc == 0)
		rc = answer(site, li, e, owner, NULL, "sub_refused_mod",
			    rq->address);
	buf_release(&none);
	return rc;
}

static int owner_decides(struct site *site, const struct list_info *li,
			 const struct spool_entry *e, const char *token,
			 const struct request_row *rq, const char *owner,
			 struct outcome *out)
{
	struct buf reason = BUF_INIT;
	enum mod_command cmd = modreply_parse(e->msg, e->msg_len, &reason);
	int rc = token_use(site->db, token);

	if (rc == 0)
		rc = token_retire(site->db, "approve", rq->id);
	if (rc == 0 && cmd == MOD_APPROVE)
		rc = owner_approves(site, li, e, rq, owner);
	else if (rc == 0)
		rc = owner_refuses(site, li, e, rq, owner, cmd, reason.data);
	set_out(out, "moderated", cmd == MOD_APPROVE ? "subscription approved" :
		"subscription refused");
	buf_release(&reason);
	return rc;
}

int request_approval_mail(struct site *site, const struct list_info *li,
			  const struct spool_entry *e, const char *token,
			  const struct token_row *row, struct outcome *out)
{
	struct buf from = BUF_INIT, name = BUF_INIT;
	struct request_row rq;
	int rc, owner = 0;

	if (header_from(e->msg, e->msg_len, &from, &name) == 0)
		owner = hold_is_moderator(site->db, li->id, from.data, 1);
	rc = owner < 0 ? -1 : request_load(site->db, row->target, &rq);
	if (rc == 0 && owner != 1) {
		set_out(out, "refused", "not from an owner");
		rc = answer(site, li, e, NULL, "modrefused", "sub_not_owner",
			    from.data);
	} else if (rc == 0 && (row->used || strcmp(rq.state, "approving"))) {
		rc = approve_decided(site, li, e, from.data, &rq, out);
	} else if (rc == 0 && clock_now() > row->expires) {
		set_out(out, "refused", "token expired");
		rc = answer(site, li, e, from.data, NULL, "mod_expired",
			    rq.address);
	} else if (rc == 0) {
		rc = owner_decides(site, li, e, token, &rq, from.data, out);
	}
	buf_release(&from);
	buf_release(&name);
	return rc < 0 ? -1 : 0;
}

/* A subscription that waited hold_days for the owners: the person who
 * confirmed it is told it expired (they did their part), inside one
 * transaction with the state change. */
static int expire_approval(struct site *site, long long id, long long list_id)
{
	struct request_row rq;
	struct list_info li;
	char days[24];
	int rc;

	if (db_begin(site->db) < 0)
		return -1;
	/* read again under the lock: an owner may have decided meanwhile */
	rc = request_load(site->db, id, &rq);
	if (rc != 0 || strcmp(rq.state, "approving")) {
		db_rollback(site->db);
		return rc < 0 ? -1 : 0;
	}
	rc = list_lookup_id(site->db, list_id, &li);
	if (rc != 0) {
		db_rollback(site->db);
		return -1;
	}
	snprintf(days, sizeof(days), "%ld", site->hold_days);
	{
		const struct mt_var v[] = { { "address", rq.address },
					    { "days", days }, { NULL, NULL } };
		rc = request_set(site->db, id, "expired", NULL);
		if (rc == 0)
			rc = token_retire(site->db, "approve", id);
		if (rc == 0)
			rc = send_text(site, &li, "owner", 0, rq.address,
				       "sub_expired", v);
	}
	if (rc == 0)
		db_event(site->db, "confer", li.name, "subscribe-expired",
			 rq.address);
	list_info_release(&li);
	if (rc < 0 || db_commit(site->db) < 0) {
		db_rollback(site->db);
		return -1;
	}
	return 0;
}

int request_tick(struct site *site)
{
	sqlite3_stmt *st = db_prepare(site->db, "SELECT id, list_id FROM "
		"requests WHERE state = 'approving' AND created <= ?");
	time_t now = clock_now();
	long long (*due)[2] = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - site->hold_days *
						  86400));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		due = xreallocarray(due, n + 1, sizeof(*due));
		due[n][0] = sqlite3_column_int64(st, 0);
		due[n][1] = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? 0 : -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = expire_approval(site, due[i][0], due[i][1]);
	free(due);
	if (rc < 0)
		return -1;
	/* an address that never confirmed hears nothing more: it may not
	 * even have asked */
	st = db_prepare(site->db, "UPDATE requests SET state = 'expired' "
		"WHERE state = 'confirming' AND created <= ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - site->confirm_days *
						  86400));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
