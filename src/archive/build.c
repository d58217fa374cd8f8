/* build.c: the static archive of a list: list page, month pages, thread
 * pages and message pages, from templates.  Pages that did not change are
 * not rewritten, so a rebuild touches only what a new message changed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/lists.h"
#include "archive/build.h"
#include "archive/index.h"
#include "archive/template.h"
#include "archive/text_html.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "mail/content.h"

struct builder {
	struct site *site;
	const struct list_info *li;
	struct arch_index ix;
	struct tset *ts;
	struct buf dir;     /* archive/LIST */
	char **names;       /* per message: the author as pages show it */
	int errors;
};

static void fmt_date(time_t t, struct buf *out)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", &tm);
	buf_adds(out, s);
}

static void set_date(struct tctx *c, const char *name, time_t t)
{
	struct buf b = BUF_INIT;

	fmt_date(t, &b);
	tctx_set(c, name, b.data);
	buf_release(&b);
}

static void set_common(struct builder *b, struct tctx *c, const char *root)
{
	tctx_set(c, "root", root);
	tctx_set(c, "lang", b->li ? b->li->language : "en");
	tctx_set(c, "domain", b->site->domain);
	if (b->li) {
		tctx_set(c, "list.name", b->li->name);
		tctx_set(c, "list.description", b->li->description);
		tctx_setf(c, "list.address", "%s@%s", b->li->name,
			  b->site->domain);
	}
}

static const char *author(struct builder *b, const struct arch_msg *m)
{
	return b->names[m - b->ix.msgs];
}

/* Pages show names; an address only where the site allows it, else only
 * its local part when the sender gave no name. */
static char *author_of(const struct site *site, const struct arch_msg *m)
{
	const char *at;

	if (m->from_name[0])
		return xstrdup(m->from_name);
	if (site->show_addresses)
		return xstrdup(m->from_addr);
	at = strchr(m->from_addr, '@');
	return at ? xstrndup(m->from_addr, (size_t)(at - m->from_addr)) :
		    xstrdup(m->from_addr[0] ? m->from_addr : "unknown");
}

static void write_page(struct builder *b, const char *rel,
		       const char *tpl, struct tctx *c)
{
	struct buf out = BUF_INIT, err = BUF_INIT, path = BUF_INIT;

	if (tset_render(b->ts, tpl, c, &out, &err) < 0) {
		log_error("archive: template %s: %s", tpl, err.data);
		b->errors++;
	} else {
		path_join(&path, b->dir.data, rel);
		if (write_file_if_changed(path.data, out.data, out.len) < 0) {
			log_error("archive: cannot write \"%s\": %s", path.data,
				  strerror(errno));
			b->errors++;
		}
	}
	buf_release(&out);
	buf_release(&err);
	buf_release(&path);
}

static void msg_summary(struct builder *b, struct tctx *c, int i,
			const char *root)
{
	const struct arch_msg *m = &b->ix.msgs[i];
	struct buf s = BUF_INIT;

	subject_clean(m->subject, b->li->name, 0, &s);
	tctx_set(c, "subject", s.data);
	tctx_set(c, "author", author(b, m));
	set_date(c, "date", m->date);
	tctx_setf(c, "url", "%smsg/%s.html", root, m->permalink);
	tctx_set(c, "permalink", m->permalink);
	buf_release(&s);
}

struct tree_ctx {
	struct builder *b;
	struct buf *html;
	int depth;
	const char *current;    /* permalink to mark, or NULL */
};

static void tree_node(struct tree_ctx *t, struct thread_node *n)
{
	struct thread_node *ch;

	buf_adds(t->html, "<li>");
	if (n->msg < 0) {
		buf_adds(t->html, "<span class=\"missing\">message not in "
			 "archive</span>");
	} else {
		const struct arch_msg *m = &t->b->ix.msgs[n->msg];
		struct buf s = BUF_INIT;
		int cur = t->current && !strcmp(t->current, m->permalink);
		subject_clean(m->subject, t->b->li->name, 0, &s);
		buf_printf(t->html, "<a href=\"../msg/%s.html\"%s>", m->permalink,
			   cur ? " aria-current=\"page\"" : "");
		html_escape(s.data, s.len, t->html);
		buf_adds(t->html, "</a> <span class=\"who\">");
		html_escape(author(t->b, m), strlen(author(t->b, m)), t->html);
		buf_adds(t->html, "</span> <time>");
		buf_reset(&s);
		fmt_date(m->date, &s);
		buf_add(t->html, s.data, s.len);
		buf_adds(t->html, "</time>");
		buf_release(&s);
	}
	if (n->child) {
		buf_adds(t->html, "<ul>");
		for (ch = n->child; ch; ch = ch->next)
			tree_node(t, ch);
		buf_adds(t->html, "</ul>");
	}
	buf_adds(t->html, "</li>");
}

static void tree_html(struct builder *b, struct thread_node *root,
		      const char *current, struct buf *out)
{
	struct tree_ctx t = { b, out, 0, current };

	buf_adds(out, "<ul class=\"tree\">");
	tree_node(&t, root);
	buf_adds(out, "</ul>");
}

static void body_html(struct builder *b, const struct arch_msg *m,
		      struct tctx *c)
{
	struct buf raw = BUF_INIT, path = BUF_INIT, html = BUF_INIT;
	struct content ct;
	size_t i;

	path_join(&path, b->site->store_dir, m->path);
	if (read_file(path.data, (size_t)1 << 30, &raw) < 0) {
		log_error("archive: cannot read \"%s\": %s", path.data,
			  strerror(errno));
		b->errors++;
		buf_adds(&html, "<p class=\"missing\">(the stored message could "
			 "not be read)</p>");
	} else {
		content_parse(raw.data, raw.len, &ct);
		for (i = 0; i < ct.nparts; i++) {
			const struct content_part *p = &ct.parts[i];
			struct tctx *pc = tctx_push(c, "parts");
			if (p->kind == PART_TEXT) {
				buf_reset(&html);
				text_to_html(p->text, &html);
				tctx_set_html(pc, "text", html.data);
				tctx_set_bool(pc, "from_html", p->from_html);
			} else if (p->kind == PART_ATTACHMENT) {
				tctx_set(pc, "attachment", p->filename ?
					 p->filename : "attachment");
				tctx_set(pc, "type", p->mime_type);
				tctx_setf(pc, "size", "%zu", p->data_len);
			} else if (p->kind == PART_MESSAGE) {
				tctx_set_bool(pc, "forward", 1);
				tctx_set(pc, "fwd_from", p->msg_from ? p->msg_from : "");
				tctx_set(pc, "fwd_subject", p->msg_subject ?
					 p->msg_subject : "");
				tctx_set(pc, "fwd_date", p->msg_date ? p->msg_date : "");
			} else {
				tctx_set_bool(pc, "forward_end", 1);
			}
		}
		content_release(&ct);
		buf_reset(&html);
	}
	if (html.len)
		tctx_set_html(c, "error", html.data);
	buf_release(&raw);
	buf_release(&path);
	buf_release(&html);
}

static void message_ctx(struct builder *b, int i, struct tctx *c,
			const char *root)
{
	const struct arch_msg *m = &b->ix.msgs[i];

	msg_summary(b, c, i, root);
	tctx_set(c, "message_id", m->message_id);
	if (b->site->show_addresses)
		tctx_set(c, "address", m->from_addr);
	body_html(b, m, c);
}

static void message_page(struct builder *b, int i)
{
	const struct arch_msg *m = &b->ix.msgs[i];
	const struct arch_thread *t = &b->ix.threads[b->ix.thread_of[i]];
	struct thread_node *n = b->ix.ts.node_of[i], *ch;
	struct tctx *c = tctx_new();
	struct buf rel = BUF_INIT, tree = BUF_INIT;

	set_common(b, c, "../../");
	message_ctx(b, i, c, "../");
	tctx_setf(c, "thread_url", "../thread/%s.html", t->id);
	tctx_setf(c, "permalink_url", "%s%s/msg/%s.html", b->site->base_url,
		  b->li->name, m->permalink);
	if (n->parent && n->parent->msg >= 0)
		msg_summary(b, tctx_map(c, "parent"), n->parent->msg, "../");
	for (ch = n->child; ch; ch = ch->next)
		if (ch->msg >= 0)
			msg_summary(b, tctx_push(c, "replies"), ch->msg, "../");
	tree_html(b, t->root, m->permalink, &tree);
	tctx_set_html(c, "tree", tree.data);
	buf_reset(&rel);
	subject_clean(m->subject, b->li->name, 0, &rel);
	tctx_setf(c, "title", "%s – %s", rel.data, b->li->name);
	buf_reset(&rel);
	buf_printf(&rel, "msg/%s.html", m->permalink);
	write_page(b, rel.data, "message.html", c);
	tctx_free(c);
	buf_release(&rel);
	buf_release(&tree);
}

static void collect(struct thread_node *n, void *arg)
{
	void **a = arg;
	struct builder *b = a[0];
	struct tctx *c = a[1];

	if (n->msg >= 0) {
		struct tctx *mc = tctx_push(c, "messages");
		message_ctx(b, n->msg, mc, "../");
		tctx_setf(mc, "depth", "%d", n->depth);
	}
}

static void thread_page(struct builder *b, size_t ti)
{
	const struct arch_thread *t = &b->ix.threads[ti];
	struct tctx *c = tctx_new();
	struct buf rel = BUF_INIT, tree = BUF_INIT, s = BUF_INIT;
	void *arg[2] = { b, c };

	set_common(b, c, "../../");
	subject_clean(b->ix.msgs[t->first_msg].subject, b->li->name, 1, &s);
	tctx_set(c, "subject", s.data);
	tctx_setf(c, "title", "%s – %s", s.data, b->li->name);
	tctx_setf(c, "count", "%zu", t->count);
	tree_html(b, t->root, NULL, &tree);
	tctx_set_html(c, "tree", tree.data);
	thread_walk(t->root, collect, arg);
	if (ti > 0)
		tctx_setf(c, "newer_url", "%s.html", b->ix.threads[ti - 1].id);
	if (ti + 1 < b->ix.nthreads)
		tctx_setf(c, "older_url", "%s.html", b->ix.threads[ti + 1].id);
	buf_printf(&rel, "thread/%s.html", t->id);
	write_page(b, rel.data, "thread.html", c);
	tctx_free(c);
	buf_release(&rel);
	buf_release(&tree);
	buf_release(&s);
}

static void participants(struct builder *b, struct thread_node *n,
			 struct buf *out, int *count)
{
	struct thread_node *ch;

	if (n->msg >= 0 && *count < 6) {
		const char *a = author(b, &b->ix.msgs[n->msg]);
		if (!strstr(out->data, a)) {
			buf_printf(out, "%s%s", out->len ? ", " : "", a);
			(*count)++;
		}
	}
	for (ch = n->child; ch; ch = ch->next)
		participants(b, ch, out, count);
}

static void thread_row(struct builder *b, struct tctx *c, size_t ti,
		       const char *prefix)
{
	const struct arch_thread *t = &b->ix.threads[ti];
	struct buf s = BUF_INIT, who = BUF_INIT;
	int n = 0;

	subject_clean(b->ix.msgs[t->first_msg].subject, b->li->name, 1, &s);
	participants(b, t->root, &who, &n);
	tctx_set(c, "subject", s.data);
	tctx_setf(c, "url", "%sthread/%s.html", prefix, t->id);
	tctx_setf(c, "replies", "%zu", t->count - 1);
	tctx_set(c, "participants", who.data);
	set_date(c, "first", t->first);
	set_date(c, "last", t->last);
	buf_release(&s);
	buf_release(&who);
}

static void month_of(time_t t, char out[8])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 8, "%Y-%m", &tm);
}

static int by_month_then_time(const void *a, const void *b, void *arg)
{
	const struct arch_msg *ms = arg;
	int x = *(const int *)a, y = *(const int *)b;

	if (ms[x].received != ms[y].received)
		return ms[x].received < ms[y].received ? -1 : 1;
	return strcmp(ms[x].permalink, ms[y].permalink);
}

static void sort_by_received(struct builder *b, int *order)
{
	size_t i, j;

	/* insertion sort over an almost sorted array (rows come in order of
	 * arrival): cheap, stable and needs no qsort_r */
	for (i = 0; i < b->ix.n; i++)
		order[i] = (int)i;
	for (i = 1; i < b->ix.n; i++) {
		int v = order[i];
		for (j = i; j > 0 && by_month_then_time(&order[j - 1], &v,
							b->ix.msgs) > 0; j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
}

static void month_pages(struct builder *b, struct tctx *list_ctx)
{
	int *order = xcalloc(b->ix.n ? b->ix.n : 1, sizeof(int));
	struct tctx *c = NULL;
	char cur[8] = "", m[8];
	size_t i;

	sort_by_received(b, order);
	for (i = 0; i <= b->ix.n; i++) {
		if (i < b->ix.n)
			month_of(b->ix.msgs[order[i]].received, m);
		if (c && (i == b->ix.n || strcmp(m, cur))) {
			struct buf rel = BUF_INIT;
			buf_printf(&rel, "%s.html", cur);
			write_page(b, rel.data, "month.html", c);
			tctx_free(c);
			buf_release(&rel);
			c = NULL;
		}
		if (i == b->ix.n)
			break;
		if (!c) {
			struct tctx *mc = tctx_push(list_ctx, "months");
			memcpy(cur, m, sizeof(cur));
			tctx_set(mc, "month", cur);
			tctx_setf(mc, "url", "%s.html", cur);
			c = tctx_new();
			set_common(b, c, "../");
			tctx_set(c, "month", cur);
			tctx_setf(c, "title", "%s: %s", b->li->name, cur);
		}
		msg_summary(b, tctx_push(c, "messages"), order[i], "");
	}
	free(order);
}

static void list_page(struct builder *b)
{
	struct tctx *c = tctx_new();
	size_t i;

	set_common(b, c, "../");
	tctx_setf(c, "title", "%s – %s", b->li->name, b->site->domain);
	tctx_setf(c, "count", "%zu", b->ix.n);
	tctx_setf(c, "threads_count", "%zu", b->ix.nthreads);
	for (i = 0; i < b->ix.nthreads; i++)
		thread_row(b, tctx_push(c, "threads"), i, "");
	month_pages(b, c);
	write_page(b, "index.html", "list.html", c);
	tctx_free(c);
}

static int make_dirs(struct builder *b)
{
	struct buf p = BUF_INIT;
	int rc;

	path_join(&b->dir, b->site->archive_dir, b->li->name);
	path_join(&p, b->dir.data, "msg");
	rc = mkdir_p(p.data, 02775);
	buf_reset(&p);
	path_join(&p, b->dir.data, "thread");
	if (rc == 0)
		rc = mkdir_p(p.data, 02775);
	if (rc < 0)
		log_error("archive: cannot create \"%s\": %s", p.data,
			  strerror(errno));
	buf_release(&p);
	return rc;
}

static struct tset *open_templates(struct site *site)
{
	struct buf err = BUF_INIT;
	struct tset *ts = tset_new(site->templates_dir,
				   site->default_templates_dir, &err);

	if (!ts)
		log_error("archive: templates: %s", err.data);
	buf_release(&err);
	return ts;
}

static int copy_static(struct site *site, struct tset *ts)
{
	struct tctx *c = tctx_new();
	struct buf out = BUF_INIT, err = BUF_INIT, path = BUF_INIT;
	int rc = tset_render(ts, "style.css", c, &out, &err);

	if (rc < 0)
		log_error("archive: style.css: %s", err.data);
	path_join(&path, site->archive_dir, "style.css");
	if (rc == 0 && write_file_if_changed(path.data, out.data, out.len) < 0)
		rc = -1;
	tctx_free(c);
	buf_release(&out);
	buf_release(&err);
	buf_release(&path);
	return rc;
}

static int build_list(struct site *site, struct tset *ts,
		      const struct list_info *li)
{
	struct builder b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.site = site;
	b.li = li;
	b.ts = ts;
	buf_init(&b.dir);
	if (make_dirs(&b) < 0 || arch_index_load(site->db, li->id, &b.ix) < 0) {
		buf_release(&b.dir);
		return -1;
	}
	b.names = xcalloc(b.ix.n ? b.ix.n : 1, sizeof(char *));
	for (i = 0; i < b.ix.n; i++)
		b.names[i] = author_of(site, &b.ix.msgs[i]);
	for (i = 0; i < b.ix.n; i++)
		message_page(&b, (int)i);
	for (i = 0; i < b.ix.nthreads; i++)
		thread_page(&b, i);
	list_page(&b);
	for (i = 0; i < b.ix.n; i++)
		free(b.names[i]);
	free(b.names);
	arch_index_release(&b.ix);
	buf_release(&b.dir);
	return b.errors ? -1 : 0;
}

struct home {
	struct site *site;
	struct tctx *c;
};

static void home_row(const struct list_info *li, int depth, void *arg)
{
	struct home *h = arg;
	struct tctx *r = tctx_push(h->c, "lists");
	sqlite3_stmt *st;

	tctx_set(r, "name", li->name);
	tctx_set(r, "description", li->description);
	tctx_setf(r, "depth", "%d", depth);
	tctx_set_bool(r, "sub", depth > 0);
	tctx_setf(r, "members", "%lld", list_member_count(h->site->db, li->id));
	st = db_prepare(h->site->db, "SELECT count(*), max(received) FROM "
			"messages WHERE list_id = ?");
	if (st) {
		sqlite3_bind_int64(st, 1, li->id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			tctx_setf(r, "messages", "%lld", sqlite3_column_int64(st, 0));
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				set_date(r, "last", (time_t)sqlite3_column_int64(st, 1));
		}
		sqlite3_finalize(st);
	}
}

static int home_page(struct site *site, struct tset *ts)
{
	struct builder b;
	struct home h;
	int rc;

	memset(&b, 0, sizeof(b));
	b.site = site;
	b.ts = ts;
	buf_init(&b.dir);
	buf_adds(&b.dir, site->archive_dir);
	h.site = site;
	h.c = tctx_new();
	set_common(&b, h.c, "");
	tctx_setf(h.c, "title", "Lists of %s", site->domain);
	rc = list_each(site->db, home_row, &h);
	write_page(&b, "index.html", "home.html", h.c);
	tctx_free(h.c);
	buf_release(&b.dir);
	return rc < 0 || b.errors ? -1 : 0;
}

int archive_build_list(struct site *site, const char *list)
{
	struct list_info li;
	struct tset *ts = open_templates(site);
	int rc = -1;

	if (!ts)
		return -1;
	if (list_lookup(site->db, list, &li) == 0) {
		rc = mkdir_p(site->archive_dir, 02775);
		if (rc == 0)
			rc = copy_static(site, ts);
		if (rc == 0)
			rc = build_list(site, ts, &li);
		if (home_page(site, ts) < 0)
			rc = -1;
		list_info_release(&li);
	} else {
		log_error("archive: list \"%s\" does not exist", list);
	}
	tset_free(ts);
	return rc;
}

static void build_one(const struct list_info *li, int depth, void *arg)
{
	void **a = arg;
	int *rc = a[2];

	(void)depth;
	if (build_list(a[0], a[1], li) < 0)
		*rc = -1;
}

int archive_build_all(struct site *site)
{
	struct tset *ts = open_templates(site);
	int rc = 0;
	void *arg[3] = { site, ts, &rc };

	if (!ts)
		return -1;
	if (mkdir_p(site->archive_dir, 02775) < 0 || copy_static(site, ts) < 0)
		rc = -1;
	if (rc == 0 && list_each(site->db, build_one, arg) < 0)
		rc = -1;
	if (home_page(site, ts) < 0)
		rc = -1;
	tset_free(ts);
	return rc;
}
