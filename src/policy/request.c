/* request.c: commands to LIST-request, confirmations, owner approvals. */
#include <stdio.h>
#include <stdlib.h>
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
#include "mail/address.h"
#include "mail/content.h"
#include "mail/header.h"
#include "policy/hold.h"
#include "policy/moderation.h"
#include "policy/post.h"
#include "policy/reply_parse.h"
#include "policy/request.h"
#include "policy/robots.h"

#define MAX_COMMANDS 20
#define TEMPLATE_MAX 65536

/* ---- templates ---- */

struct mail_template {
	const char *name, *text;
};

static const struct mail_template builtin[] = {
	{ "help",
	  "This is the address for commands to the {list} list at {domain}.\n"
	  "{description}\n\n"
	  "Write one command per line at the start of your message (or in\n"
	  "the subject); the first line that is not a command ends them.\n\n"
	  "  help, info            this text\n"
	  "  subscribe [ADDRESS]   join the list (you confirm by mail)\n"
	  "  unsubscribe [ADDRESS] leave the list (you confirm by mail)\n"
	  "  set each              receive every post\n"
	  "  set digest            receive digests\n"
	  "  set nomail            receive nothing (and stay a member)\n"
	  "  who                   the members (owners and moderators only)\n\n"
	  "Posts go to {list}@{domain}; the owners are at\n"
	  "{list}-owner@{domain}.\n" },
	{ "welcome",
	  "Welcome to the {list} list at {domain}, {address}.\n"
	  "{description}\n\n"
	  "Post by writing to {list}@{domain}.  To leave, send\n"
	  "\"unsubscribe\" to {list}-request@{domain}.\n" },
	{ "goodbye",
	  "{address} has left the {list} list at {domain}.\n\n"
	  "To join again, send \"subscribe\" to {list}-request@{domain}.\n" },
};

static void fill_template(const char *t, const struct site *site,
			  const struct list_info *li, const char *address,
			  struct buf *out)
{
	static const char *const keys[] = { "{list}", "{domain}", "{address}",
					    "{description}" };
	const char *vals[4];
	size_t k;

	vals[0] = li->name;
	vals[1] = site->domain;
	vals[2] = address ? address : "";
	vals[3] = li->description;
	while (*t) {
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strncmp(t, keys[k], strlen(keys[k])))
				break;
		if (k < ARRAY_SIZE(keys)) {
			buf_adds(out, vals[k]);
			t += strlen(keys[k]);
		} else {
			buf_addc(out, *t++);
		}
	}
}

void request_template(const struct site *site, const struct list_info *li,
		      const char *name, const char *address, struct buf *out)
{
	struct buf path = BUF_INIT, file = BUF_INIT, fname = BUF_INIT;
	const char *text = "";
	size_t i;

	buf_printf(&fname, "mail/%s.txt", name);
	path_join(&path, site->templates_dir, fname.data);
	if (read_file(path.data, TEMPLATE_MAX, &file) == 0) {
		text = file.data;
	} else {
		for (i = 0; i < ARRAY_SIZE(builtin); i++)
			if (!strcmp(builtin[i].name, name))
				text = builtin[i].text;
	}
	fill_template(text, site, li, address, out);
	buf_release(&path);
	buf_release(&file);
	buf_release(&fname);
}

/* ---- sending ---- */

/* A message from LIST-LOCAL (Reply-To the same when reply is set). */
static int send_from(struct site *site, const struct list_info *li,
		     const char *local, int reply, const char *to,
		     const char *subject, const char *body)
{
	struct buf from = BUF_INIT;
	struct reply r;
	int rc;

	buf_printf(&from, "%s-%s", li->name, local);
	memset(&r, 0, sizeof(r));
	r.list = li->name;
	r.from_local = from.data;
	r.reply_to_local = reply ? from.data : NULL;
	r.to = to;
	r.subject = subject;
	r.body = body;
	rc = reply_queue(site, &r);
	buf_release(&from);
	return rc;
}

struct owner_note {
	struct site *site;
	const struct list_info *li;
	const char *subject, *body;
};

static int note_owner(const char *owner, void *arg)
{
	const struct owner_note *n = arg;

	return send_from(n->site, n->li, "owner", 0, owner, n->subject, n->body);
}

/* Tells the owners of a join or a leave, when the list wants that. */
static int tell_owners(struct site *site, const struct list_info *li,
		       const char *what, const char *address)
{
	struct list_rules r;
	struct owner_note n;
	struct buf subj = BUF_INIT, body = BUF_INIT;
	int rc = list_rules_get(site->db, li->id, &r);

	if (rc < 0 || !r.notify_owners)
		return rc;
	buf_printf(&subj, "%s: %s %s", li->name, address, what);
	buf_printf(&body, "%s %s the %s list.\n", address, what, li->name);
	n.site = site;
	n.li = li;
	n.subject = subj.data;
	n.body = body.data;
	rc = hold_each_moderator(site->db, li->id, 1, note_owner, &n);
	buf_release(&subj);
	buf_release(&body);
	return rc;
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
	struct buf tok = BUF_INIT, local = BUF_INIT, body = BUF_INIT,
		   subj = BUF_INIT;
	time_t exp = clock_now() + (time_t)site->confirm_days * 86400;
	long long id = request_new(site->db, li->id, kind, address, by);
	int rc = id < 0 ? -1 : token_create(site->db, "confirm", li->id, id,
					    address, exp, &tok);

	buf_printf(&local, "confirm%c%s", site->delimiter, tok.data);
	buf_printf(&body, "Someone, perhaps you, asked to %s\n%s\n"
		   "%s the %s list at %s.\n\nTo confirm, reply to this message; "
		   "what you write does not\nmatter.  Replies go to:\n"
		   "%s-%s@%s\n\nIf you did not ask for this, ignore this "
		   "message: nothing\nwill change.  The request expires in %ld "
		   "days.\n", kind, address, !strcmp(kind, "subscribe") ? "to" :
		   "from", li->name, site->domain, li->name, local.data,
		   site->domain, site->confirm_days);
	buf_printf(&subj, "Please confirm: %s %s %s", kind, address, li->name);
	if (rc == 0)
		rc = send_from(site, li, local.data, 1, address, subj.data,
			       body.data);
	if (rc == 0)
		buf_printf(resp, "%s %s: a confirmation request was sent to "
			   "%s.\n", kind, address, address);
	buf_release(&tok);
	buf_release(&local);
	buf_release(&body);
	buf_release(&subj);
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

static int cmd_subscribe(struct cmd_ctx *c, const char *arg, int sub)
{
	const char *addr = *arg ? arg : c->from, *why = NULL;
	const char *kind = sub ? "subscribe" : "unsubscribe";
	char role[16];
	int m, net;

	if (!address_valid(addr, &why)) {
		buf_printf(&c->resp, "%s: \"%s\" is not a usable address.\n",
			   kind, addr);
		return 0;
	}
	if (sub && !strcmp(c->rules.subscription_policy, "closed")) {
		buf_printf(&c->resp, "subscribe: %s is closed; the owners add "
			   "members (%s-owner@%s).\n", c->li->name, c->li->name,
			   c->site->domain);
		return 0;
	}
	m = member_role(c->site->db, c->li->id, addr, role);
	net = sub ? network_member(c->site, c->li, addr) : 1;
	if (m < 0 || net < 0)
		return -1;
	if (sub && m == 0)
		buf_printf(&c->resp, "subscribe: %s is already a member.\n", addr);
	else if (!sub && m == 1)
		buf_printf(&c->resp, "unsubscribe: %s is not a member.\n", addr);
	else if (!net)
		buf_printf(&c->resp, "subscribe: %s must first be a member of "
			   "the %s list.\n", addr, NETWORK_LIST);
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
		buf_printf(&c->resp, "set: use \"set each\", \"set digest\" or "
			   "\"set nomail\".\n");
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
		buf_printf(&c->resp, "set %s: %s is not a member.\n", arg, c->from);
		return 0;
	}
	db_event(c->site->db, c->from, c->li->name, "set-delivery", arg);
	buf_printf(&c->resp, "set %s: done for %s.\n", arg, c->from);
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
		buf_printf(&c->resp, "who: only owners and moderators of %s may "
			   "see its members.\n", c->li->name);
		return 0;
	}
	buf_printf(&c->resp, "who: the members of %s:\n", c->li->name);
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
		request_template(c->site, c->li, "help", c->from, &c->resp);
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

int request_mail(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, struct outcome *out)
{
	const char *robot = robots_no_reply_reason(e->sender, e->msg,
						   e->msg_len);
	struct buf subj = BUF_INIT;
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
	buf_printf(&subj, "Re: your message to %s-request", li->name);
	if (rc == 0 && c.known) {
		rc = moderation_answer(site, li, e, NULL, subj.data, c.resp.data);
	} else if (rc == 0) {
		buf_printf(&c.resp, "Your message contained no command.\n\n");
		request_template(site, li, "help", c.from, &c.resp);
		rc = moderation_answer(site, li, e, "help", subj.data, c.resp.data);
	}
	if (rc == 0) {
		out->what = "answered";
		buf_printf(&out->reason, "%d command(s)", c.known);
	}
	content_release(&ct);
	buf_release(&c.resp);
	buf_release(&subj);
	return rc;
}

/* ---- confirmations ---- */

static void set_out(struct outcome *out, const char *what, const char *why)
{
	out->what = what;
	buf_reset(&out->reason);
	buf_adds(&out->reason, why);
}

static int answer(struct site *site, const struct list_info *li,
		  const struct spool_entry *e, const char *limit,
		  const char *text)
{
	struct buf subj = BUF_INIT;
	int rc;

	buf_printf(&subj, "Your request to %s", li->name);
	rc = moderation_answer(site, li, e, limit, subj.data, text);
	buf_release(&subj);
	return rc;
}

static int join(struct site *site, const struct list_info *li,
		const struct request_row *rq, const char *actor)
{
	struct buf err = BUF_INIT, body = BUF_INIT, subj = BUF_INIT;
	int rc = member_add_tx(site, li, rq->address, "", "member", &err);

	if (rc == -2 || rc == 1)
		log_info("request: %s not added to %s: %s", rq->address,
			 li->name, err.data);
	if (rc == 0) {
		request_template(site, li, "welcome", rq->address, &body);
		buf_printf(&subj, "Welcome to %s", li->name);
		rc = send_from(site, li, "owner", 0, rq->address, subj.data,
			       body.data);
	}
	if (rc == 0)
		rc = tell_owners(site, li, "joined", rq->address);
	if (rc == 0)
		db_event(site->db, actor, li->name, "subscribe", rq->address);
	buf_release(&err);
	buf_release(&body);
	buf_release(&subj);
	return rc < -1 || rc == 1 ? 0 : rc;
}

static int leave(struct site *site, const struct list_info *li,
		 const struct request_row *rq, const char *actor)
{
	struct buf body = BUF_INIT, subj = BUF_INIT;
	int rc = member_remove_tx(site, li, rq->address);

	if (rc == 0) {
		request_template(site, li, "goodbye", rq->address, &body);
		buf_printf(&subj, "You have left %s", li->name);
		rc = send_from(site, li, "owner", 0, rq->address, subj.data,
			       body.data);
	}
	if (rc == 0)
		rc = tell_owners(site, li, "left", rq->address);
	if (rc == 0)
		db_event(site->db, actor, li->name, "unsubscribe", rq->address);
	buf_release(&body);
	buf_release(&subj);
	return rc == 1 ? 0 : rc;
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
	struct buf tok = BUF_INIT, local = BUF_INIT, body = BUF_INIT,
		   subj = BUF_INIT;
	time_t exp = clock_now() + (time_t)site->hold_days * 86400;
	int rc = token_create(site->db, "approve", n->li->id, n->rq->id, owner,
			      exp, &tok);

	buf_printf(&local, "moderate%c%s", site->delimiter, tok.data);
	buf_printf(&body, "Subscription request for %s@%s\n\n%s asks to join "
		   "the list and has confirmed\nthe address.\n\nTo approve, "
		   "reply to this message: an empty reply approves.\nTo refuse, "
		   "reply with the word \"reject\" as the first word of\nyour "
		   "text, optionally followed by a reason.  Replies go to:\n"
		   "%s-%s@%s\n", n->li->name, site->domain, n->rq->address,
		   n->li->name, local.data, site->domain);
	buf_printf(&subj, "%s: approve subscription of %s?", n->li->name,
		   n->rq->address);
	if (rc == 0)
		rc = send_from(site, n->li, local.data, 1, owner, subj.data,
			       body.data);
	buf_release(&tok);
	buf_release(&local);
	buf_release(&body);
	buf_release(&subj);
	return rc;
}

static int confirmed(struct site *site, const struct list_info *li,
		     const struct spool_entry *e, const struct request_row *rq,
		     struct outcome *out)
{
	struct list_rules r;
	struct approval_note n;
	int rc = list_rules_get(site->db, li->id, &r);

	if (rc == 0 && !strcmp(rq->kind, "unsubscribe")) {
		rc = leave(site, li, rq, rq->address);
		set_out(out, "answered", "unsubscribe confirmed");
	} else if (rc == 0 && !strcmp(r.subscription_policy, "open")) {
		rc = join(site, li, rq, rq->address);
		set_out(out, "answered", "subscribe confirmed");
	} else if (rc == 0 && !strcmp(r.subscription_policy, "closed")) {
		rc = answer(site, li, e, NULL, "Subscriptions to this list are "
			    "now closed; nothing was done.\n");
		set_out(out, "refused", "subscriptions closed");
		return rc == 0 ? request_set(site->db, rq->id, "refused", NULL) : rc;
	} else if (rc == 0) {
		n.site = site;
		n.li = li;
		n.rq = rq;
		rc = hold_each_moderator(site->db, li->id, 1, ask_owner, &n);
		if (rc == 0)
			rc = answer(site, li, e, NULL, "Thank you: your address is "
				    "confirmed.  An owner of the list will now\n"
				    "decide on your subscription.\n");
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
		return answer(site, li, e, "badconfirm", "This confirmation "
			      "address is not valid; nothing was done.\n");
	}
	if (!from_matches(e, row.address)) {
		set_out(out, "refused", "confirmation from another address");
		return answer(site, li, e, "badconfirm", "This confirmation was "
			      "sent to another address and must come from\n"
			      "there; nothing was done.\n");
	}
	if (row.used || clock_now() > row.expires) {
		set_out(out, "refused", row.used ? "token already used" :
			"token expired");
		return answer(site, li, e, NULL, row.used ? "This request was "
			      "already confirmed; nothing more was done.\n" :
			      "This request has expired; nothing was done.  "
			      "Please ask again.\n");
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

static int approve_decided(struct site *site, const struct list_info *li,
			   const struct spool_entry *e,
			   const struct request_row *rq, struct outcome *out)
{
	struct buf text = BUF_INIT;
	int rc;

	buf_printf(&text, "The subscription of %s was already decided (%s) by "
		   "%s.\nNothing more was done.\n", rq->address, rq->state,
		   rq->decided_by[0] ? rq->decided_by : "someone");
	rc = answer(site, li, e, NULL, text.data);
	set_out(out, "answered", "request already decided");
	buf_release(&text);
	return rc;
}

static int owner_decides(struct site *site, const struct list_info *li,
			 const struct spool_entry *e, const char *token,
			 const struct request_row *rq, const char *owner,
			 struct outcome *out)
{
	struct buf reason = BUF_INIT, text = BUF_INIT, subj = BUF_INIT;
	enum mod_command cmd = modreply_parse(e->msg, e->msg_len, &reason);
	int rc = token_use(site->db, token);

	if (rc == 0)
		rc = token_retire(site->db, "approve", rq->id);
	if (rc == 0 && cmd == MOD_APPROVE) {
		rc = join(site, li, rq, owner);
		buf_printf(&text, "Approved: %s is now a member of %s.\n",
			   rq->address, li->name);
	} else if (rc == 0) {
		db_event(site->db, owner, li->name, "subscribe-refused",
			 rq->address);
		buf_printf(&text, "Refused: %s was not subscribed to %s.\n",
			   rq->address, li->name);
		buf_printf(&subj, "Subscription to %s refused", li->name);
		if (cmd == MOD_REJECT)
			rc = send_from(site, li, "owner", 0, rq->address, subj.data,
				       reason.len ? reason.data :
				       "The list owners refused your subscription.\n");
	}
	if (rc == 0)
		rc = request_set(site->db, rq->id, cmd == MOD_APPROVE ? "done" :
				 "refused", owner);
	if (rc == 0)
		rc = answer(site, li, e, NULL, text.data);
	set_out(out, "moderated", cmd == MOD_APPROVE ? "subscription approved" :
		"subscription refused");
	buf_release(&reason);
	buf_release(&text);
	buf_release(&subj);
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
		rc = answer(site, li, e, "modrefused", "Only an owner of the list "
			    "can approve subscriptions; nothing was done.\n");
	} else if (rc == 0 && (row->used || strcmp(rq.state, "approving"))) {
		rc = approve_decided(site, li, e, &rq, out);
	} else if (rc == 0 && clock_now() > row->expires) {
		set_out(out, "refused", "token expired");
		rc = answer(site, li, e, NULL, "This request has expired; nothing "
			    "was done.\n");
	} else if (rc == 0) {
		rc = owner_decides(site, li, e, token, &rq, from.data, out);
	}
	buf_release(&from);
	buf_release(&name);
	return rc < 0 ? -1 : 0;
}

int request_tick(struct site *site)
{
	sqlite3_stmt *st = db_prepare(site->db, "UPDATE requests SET state = "
		"'expired' WHERE (state = 'confirming' AND created <= ?1) OR "
		"(state = 'approving' AND created <= ?2)");
	time_t now = clock_now();
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - site->confirm_days *
						  86400));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - site->hold_days *
						  86400));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
