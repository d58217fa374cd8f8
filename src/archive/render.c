/* render.c: shared page helpers and the pages of one thread: the thread
 * page (tree, then every message), its Atom feed and mbox, and its
 * messages' permalink pages, raw copies and attachments.  Each message is
 * read and parsed once per thread render. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "admin/lists.h"
#include "archive/attach.h"
#include "archive/i18n.h"
#include "archive/links.h"
#include "archive/render.h"
#include "archive/state.h"
#include "archive/store.h"
#include "archive/template.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "mail/content.h"

/* Text of a message in its thread's feed, at most. */
#define FEED_TEXT_MAX 8192

void arender_init(struct arender *r, struct site *site,
		  const struct list_info *li, struct tset *ts)
{
	memset(r, 0, sizeof(*r));
	r->site = site;
	r->li = li;
	r->ts = ts;
	buf_init(&r->dir);
	if (li)
		path_join(&r->dir, site->archive_dir, li->name);
	else
		buf_adds(&r->dir, site->archive_dir);
	r->lang = i18n_lang(li ? li->language : site->default_language);
	r->labels.quoted = i18n_get(r->lang, "quoted");
	r->labels.lines = i18n_get(r->lang, "lines");
	r->strings = tctx_new();
	i18n_fill(r->strings, r->lang);
}

void ar_fail(struct arender *r, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (++r->errors > AR_FAILS_SHOWN)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	log_error("%s", b.data);
	buf_release(&b);
}

void arender_release(struct arender *r)
{
	if (r->errors > AR_FAILS_SHOWN)
		log_error("archive: %d more failures in this render, not shown",
			  r->errors - AR_FAILS_SHOWN);
	sqlite3_finalize(r->nb[0]);
	sqlite3_finalize(r->nb[1]);
	tctx_free(r->strings);
	buf_release(&r->dir);
}

void ar_date(time_t t, struct buf *out)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", &tm);
	buf_adds(out, s);
}

void ar_iso_date(time_t t, struct buf *out)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_adds(out, s);
}

void ar_month(time_t t, char out[8])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 8, "%Y-%m", &tm);
}

void ar_set_date(struct tctx *c, const char *name, time_t t)
{
	struct buf b = BUF_INIT;

	ar_date(t, &b);
	tctx_set(c, name, b.data);
	buf_reset(&b);
	ar_iso_date(t, &b);
	tctx_setf(c, "iso", "%s", b.data);
	buf_release(&b);
}

void ar_common(struct arender *r, struct tctx *c, const char *root)
{
	tctx_set(c, "root", root);
	tctx_set(c, "lang", r->lang);
	tctx_set(c, "domain", r->site->domain);
	tctx_set_shared(c, "t", tctx_map(r->strings, "t"));
	if (r->li) {
		tctx_set(c, "list.name", r->li->name);
		tctx_set(c, "list.description", r->li->description);
		tctx_setf(c, "list.address", "%s@%s", r->li->name,
			  r->site->domain);
	}
}

/* A page that does not exist yet is written in place: no reader can be
 * following a link to it, and in a first build this halves the folder
 * operations (no temporary file, no rename).  Returns 0 when written, 1
 * when the file exists (or the fast way failed before writing), -1 on a
 * failed write (the partial file is removed). */
static int write_new(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0664);

	if (fd < 0)
		return 1;
	if (write_all(fd, data, len) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* An existing page whose size differs has changed: it is written to a
 * temporary file renamed over it, without reading it back to compare
 * (write_file_if_changed does that for pages of the same size). */
static int replace(const char *path, const char *data, size_t len)
{
	struct buf tmp = BUF_INIT, name = BUF_INIT;
	const char *slash = strrchr(path, '/');
	int rc, saved;

	buf_add(&tmp, path, slash ? (size_t)(slash - path) + 1 : 0);
	unique_name(&name);
	buf_printf(&tmp, TEMP_PREFIX "%s", name.data);
	rc = write_new(tmp.data, data, len);
	if (rc == 1) {
		rc = -1;
	} else if (rc == 0 && rename(tmp.data, path) < 0) {
		saved = errno;
		unlink(tmp.data);
		errno = saved;
		rc = -1;
	}
	buf_release(&tmp);
	buf_release(&name);
	return rc;
}

void ar_write_raw(struct arender *r, const char *rel, const char *data,
		  size_t len)
{
	struct buf path = BUF_INIT;
	struct stat sb;
	int rc;

	path_join(&path, r->dir.data, rel);
	rc = write_new(path.data, data, len);
	if (rc == 1 && stat(path.data, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (size_t)sb.st_size != len)
		rc = replace(path.data, data, len);
	else if (rc == 1)
		rc = write_file_if_changed(path.data, data, len) < 0 ? -1 : 0;
	if (rc < 0) {
		ar_fail(r, "archive: cannot write \"%s\": %s", path.data,
			strerror(errno));
	}
	buf_release(&path);
}

void ar_write(struct arender *r, const char *rel, const char *tpl,
	      struct tctx *c)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	if (tset_render(r->ts, tpl, c, &out, &err) < 0) {
		ar_fail(r, "archive: template %s: %s", tpl, err.data);
	} else {
		ar_write_raw(r, rel, out.data, out.len);
	}
	buf_release(&out);
	buf_release(&err);
}

void ar_unlink(struct arender *r, const char *rel)
{
	struct buf path = BUF_INIT;

	path_join(&path, r->dir.data, rel);
	if (unlink(path.data) < 0 && errno != ENOENT) {
		ar_fail(r, "archive: cannot remove \"%s\": %s", path.data,
			strerror(errno));
	}
	buf_release(&path);
}

void ar_unlink_last(struct arender *r, const char *rel)
{
	struct buf dir = BUF_INIT;
	const char *slash = strrchr(rel, '/');

	ar_unlink(r, rel);
	if (!slash)
		return;
	path_join(&dir, r->dir.data, "");
	buf_add(&dir, rel, (size_t)(slash - rel));
	/* fails, as it should, while the folder holds other pages */
	if (rmdir(dir.data) < 0 && errno != ENOTEMPTY && errno != EEXIST &&
	    errno != ENOENT)
		ar_fail(r, "archive: cannot remove \"%s\": %s", dir.data,
			strerror(errno));
	buf_release(&dir);
}

char *ar_author(const struct site *site, const char *lang, const char *name,
		const char *addr)
{
	const char *at;

	if (name && name[0])
		return xstrdup(name);
	if (site->show_addresses && addr[0])
		return xstrdup(addr);
	at = strchr(addr, '@');
	if (at)
		return xstrndup(addr, (size_t)(at - addr));
	if (addr[0])
		return xstrdup(addr);
	return lang ? xstrdup(i18n_get(lang, "unknown_author")) : NULL;
}

const char *ar_subject_shown(const struct arender *r, const char *subject)
{
	if (!strcmp(subject, SUBJECT_NONE))
		return i18n_get(r->lang, "no_subject");
	if (!strcmp(subject, SUBJECT_REMOVED))
		return i18n_get(r->lang, "removed_subject");
	return subject;
}

const char *ar_subject(const struct arender *r, const char *subject,
		       struct buf *tmp)
{
	buf_reset(tmp);
	subject_clean(subject, r->li->name, 0, tmp);
	return ar_subject_shown(r, tmp->data);
}

void ar_set_count(const struct arender *r, struct tctx *c, const char *name,
		  long long n)
{
	struct buf one = BUF_INIT;

	tctx_setf(c, name, "%lld", n);
	buf_printf(&one, "%s_one", name);
	tctx_set_bool(c, one.data, !strcmp(r->lang, "fr") ? n == 0 || n == 1 :
				   n == 1);
	buf_release(&one);
}

void ar_author_key(const char *addr, char out[32])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	struct buf b = BUF_INIT;

	crypto_hash_sha256(d, (const unsigned char *)addr, strlen(addr));
	base32_lower(d, sizeof(d), 16, &b);
	memcpy(out, b.data, b.len + 1);
	buf_release(&b);
}

void ar_mboxrd(const char *from, time_t when, const char *msg, size_t len,
	       struct buf *out)
{
	struct tm tm;
	char d[40];
	size_t i = 0;

	gmtime_r(&when, &tm);
	strftime(d, sizeof(d), "%a %b %e %H:%M:%S %Y", &tm);
	buf_printf(out, "From %s %s\n", from[0] && !strpbrk(from, " \t\r\n") ?
		   from : "MAILER-DAEMON", d);
	while (i < len) {
		const char *nl = memchr(msg + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - msg) : len, e = end, q = i;
		if (e > i && msg[e - 1] == '\r')
			e--;
		while (q < e && msg[q] == '>')
			q++;
		if (e - q >= 5 && !memcmp(msg + q, "From ", 5))
			buf_addc(out, '>');
		buf_add(out, msg + i, e - i);
		buf_addc(out, '\n');
		i = nl ? end + 1 : len;
	}
	buf_addc(out, '\n');
}

/* One message of the thread being rendered. */
struct tmsg {
	int msg;              /* index into ix->msgs */
	struct buf raw;       /* the original */
	struct buf body;      /* its body as HTML (from body.html) */
	struct buf text;      /* its first text part, for the feed */
};

struct thread_job {
	struct arender *r;
	const struct arch_index *ix;
	size_t ti;
	struct tmsg *m;
	size_t n;
};

static void msg_summary(struct thread_job *j, struct tctx *c, int i,
			const char *root)
{
	const struct arch_msg *m = &j->ix->msgs[i];
	struct buf s = BUF_INIT;
	char key[32];
	char *who;

	if (m->removed) {
		/* empty values, so that lookups do not reach outer maps */
		tctx_set_bool(c, "removed", 1);
		tctx_set(c, "subject", "");
		tctx_set(c, "author", "");
		tctx_set(c, "permalink", m->permalink);
		tctx_setf(c, "url", "%smsg/%s.html", root, m->permalink);
		return;
	}
	tctx_set_bool(c, "removed", 0);
	tctx_set(c, "subject", ar_subject(j->r, m->subject, &s));
	who = ar_author(j->r->site, j->r->lang, m->from_name, m->from_addr);
	tctx_set(c, "author", who);
	free(who);
	ar_author_key(m->from_addr, key);
	tctx_setf(c, "author_url", "%sauthor/%s.html", root, key);
	ar_set_date(c, "date", m->date);
	tctx_setf(c, "url", "%smsg/%s.html", root, m->permalink);
	tctx_set(c, "permalink", m->permalink);
	buf_release(&s);
}

/* Links the original into the archive as msg/PERMALINK.eml (a hard link
 * when the store is on the same file system, else a copy). */
static void raw_copy(struct thread_job *j, const struct arch_msg *m,
		     const struct buf *raw)
{
	struct buf src = BUF_INIT, rel = BUF_INIT, dst = BUF_INIT;

	path_join(&src, j->r->site->store_dir, m->path);
	buf_printf(&rel, "msg/%s.eml", m->permalink);
	path_join(&dst, j->r->dir.data, rel.data);
	if (link(src.data, dst.data) < 0 && errno != EEXIST)
		ar_write_raw(j->r, rel.data, raw->data, raw->len);
	buf_release(&src);
	buf_release(&rel);
	buf_release(&dst);
}

/* A forwarded message's sender, shown as the archive shows authors: the
 * address only where the site allows it. */
static char *fwd_author(const struct site *site, const char *lang,
			const struct content_part *p)
{
	struct buf b = BUF_INIT;

	/* no From: is no label, not an unknown sender */
	if (!p->msg_from_name || !p->msg_from_addr ||
	    (!p->msg_from_name[0] && !p->msg_from_addr[0]))
		return xstrdup("");
	if (!site->show_addresses || !p->msg_from_name[0] ||
	    !p->msg_from_addr[0])
		return ar_author(site, lang, p->msg_from_name,
				 p->msg_from_addr);
	buf_printf(&b, "%s <%s>", p->msg_from_name, p->msg_from_addr);
	return buf_detach(&b, NULL);
}

static void attachment(struct thread_job *j, const struct arch_msg *m,
		       const struct content_part *p, int n, struct tctx *pc)
{
	const char *data = p->data ? p->data : "";
	const char *ext = attach_ext(p->mime_type, data, p->data_len);
	struct buf rel = BUF_INIT, dir = BUF_INIT;

	buf_printf(&rel, "att/%s", m->permalink);
	path_join(&dir, j->r->dir.data, rel.data);
	if (mkdir_p(dir.data, 02775) < 0) {
		ar_fail(j->r, "archive: cannot create \"%s\": %s", dir.data,
			strerror(errno));
	}
	buf_printf(&rel, "/%d.%s", n, ext);
	ar_write_raw(j->r, rel.data, data, p->data_len);
	tctx_set(pc, "attachment", p->filename ? p->filename :
		 i18n_get(j->r->lang, "attachment"));
	tctx_set(pc, "type", p->mime_type);
	tctx_setf(pc, "size", "%zu", p->data_len);
	/* message and thread pages are both one folder below the list */
	tctx_setf(pc, "att_url", "../%s", rel.data);
	tctx_set_bool(pc, "image", attach_inline_image(p->mime_type, data,
						       p->data_len));
	buf_release(&rel);
	buf_release(&dir);
}

static void part_ctx(struct thread_job *j, struct tmsg *tm,
		     const struct content_part *p, int *natt, struct tctx *pc)
{
	const struct arch_msg *m = &j->ix->msgs[tm->msg];
	struct buf html = BUF_INIT;

	if (p->kind == PART_TEXT) {
		text_to_html(p->text, &j->r->labels, &html);
		tctx_set_html(pc, "text", html.data);
		tctx_set_bool(pc, "from_html", p->from_html);
		if (!tm->text.len)
			buf_add(&tm->text, p->text, strlen(p->text) <
				FEED_TEXT_MAX ? strlen(p->text) : FEED_TEXT_MAX);
	} else if (p->kind == PART_ATTACHMENT) {
		attachment(j, m, p, ++*natt, pc);
	} else if (p->kind == PART_MESSAGE) {
		char *who = fwd_author(j->r->site, j->r->lang, p);

		tctx_set_bool(pc, "forward", 1);
		tctx_set(pc, "fwd_from", who);
		free(who);
		tctx_set(pc, "fwd_subject", p->msg_subject ? p->msg_subject : "");
		tctx_set(pc, "fwd_date", p->msg_date ? p->msg_date : "");
	} else {
		tctx_set_bool(pc, "forward_end", 1);
	}
	buf_release(&html);
}

/* Reads and parses one message; renders its body once into tm->body. */
static void load_body(struct thread_job *j, struct tmsg *tm)
{
	const struct arch_msg *m = &j->ix->msgs[tm->msg];
	struct buf path = BUF_INIT, err = BUF_INIT;
	struct tctx *c = tctx_new();
	struct content ct;
	size_t i;
	int natt = 0;

	tctx_set_shared(c, "t", tctx_map(j->r->strings, "t"));
	path_join(&path, j->r->site->store_dir, m->path);
	if (read_file(path.data, (size_t)1 << 30, &tm->raw) < 0) {
		ar_fail(j->r, "archive: cannot read \"%s\": %s", path.data,
			strerror(errno));
		tctx_set_bool(c, "unreadable", 1);
	} else {
		content_parse(tm->raw.data, tm->raw.len, &ct);
		for (i = 0; i < ct.nparts; i++)
			part_ctx(j, tm, &ct.parts[i], &natt,
				 tctx_push(c, "parts"));
		/* limits left parts out: say so rather than show less
		 * without a word */
		tctx_set_bool(c, "truncated", ct.truncated);
		if (ct.truncated)
			log_warn("archive: %s: message %s: part of it is "
				 "not shown (past the MIME parser's limits, "
				 "or unreadable); its page says so",
				 j->r->li ? j->r->li->name : "-",
				 m->permalink);
		content_release(&ct);
		raw_copy(j, m, &tm->raw);
	}
	if (tset_render(j->r->ts, "body.html", c, &tm->body, &err) < 0) {
		ar_fail(j->r, "archive: template body.html: %s", err.data);
	}
	tctx_free(c);
	buf_release(&path);
	buf_release(&err);
}

/* Removed messages leave no copy or attachment behind.  The folder
 * att/PERMALINK holds only files confer named. */
static void drop_files(struct thread_job *j, const struct arch_msg *m)
{
	struct buf rel = BUF_INIT, dir = BUF_INIT, f = BUF_INIT;
	DIR *d;
	struct dirent *e;

	buf_printf(&rel, "msg/%s.eml", m->permalink);
	ar_unlink(j->r, rel.data);
	buf_reset(&rel);
	buf_printf(&rel, "att/%s", m->permalink);
	path_join(&dir, j->r->dir.data, rel.data);
	d = opendir(dir.data);
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&f);
		path_join(&f, dir.data, e->d_name);
		if (unlink(f.data) < 0)
			log_warn("archive: cannot remove \"%s\": %s", f.data,
				 strerror(errno));
	}
	if (d) {
		closedir(d);
		if (rmdir(dir.data) < 0)
			log_warn("archive: cannot remove \"%s\": %s", dir.data,
				 strerror(errno));
	}
	buf_release(&rel);
	buf_release(&dir);
	buf_release(&f);
}

struct tree_ctx {
	struct thread_job *j;
	struct buf *html;
	const char *prefix;     /* "#m-" on the thread page */
	int depth;              /* of the list being written */
};

/* Levels of nested lists the tree keeps.  Browsers stop nesting
 * elements some 500 deep (Chromium: 512) and hang the rest where they
 * fall, so the replies below this level are listed one after another in
 * it, in thread order, marked "deeper".  (How far a reader's screen
 * indents is the style sheet's business: it stops much earlier.) */
#define TREE_NEST_MAX 200

static void tree_node(struct tree_ctx *t, struct thread_node *n)
{
	struct thread_node *ch;
	const struct arch_index *ix = t->j->ix;

	buf_adds(t->html, t->depth < TREE_NEST_MAX ? "<li>" :
		 "<li class=\"deeper\">");
	if (n->msg < 0 || ix->msgs[n->msg].removed) {
		buf_printf(t->html, "<span class=\"missing\">%s</span>",
			   i18n_get(t->j->r->lang, n->msg < 0 ?
				    "not_in_archive" : "removed"));
	} else {
		const struct arch_msg *m = &ix->msgs[n->msg];
		struct buf s = BUF_INIT;
		char *who = ar_author(t->j->r->site, t->j->r->lang,
				      m->from_name, m->from_addr);
		const char *shown = ar_subject(t->j->r, m->subject, &s);

		buf_printf(t->html, "<a href=\"%s%s\">", t->prefix, m->permalink);
		html_escape(shown, strlen(shown), t->html);
		buf_adds(t->html, "</a> <span class=\"who\">");
		html_escape(who, strlen(who), t->html);
		buf_adds(t->html, "</span> <time datetime=\"");
		ar_iso_date(m->date, t->html);
		buf_adds(t->html, "\">");
		ar_date(m->date, t->html);
		buf_adds(t->html, "</time>");
		buf_release(&s);
		free(who);
	}
	if (n->child && t->depth < TREE_NEST_MAX) {
		t->depth++;
		buf_adds(t->html, "<ul>");
		for (ch = n->child; ch; ch = ch->next)
			tree_node(t, ch);
		buf_adds(t->html, "</ul>");
		t->depth--;
		buf_adds(t->html, "</li>");
		return;
	}
	buf_adds(t->html, "</li>");
	for (ch = n->child; ch; ch = ch->next)
		tree_node(t, ch);
}

static void percent_encode(const char *s, struct buf *out)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			buf_addc(out, (char)c);
		else
			buf_printf(out, "%%%02X", c);
	}
}

/* Room for the parent's References in a reply link: mail programs and
 * browsers cut long mailto: addresses. */
#define REPLY_REFS_MAX 1500

/* The parent's References for a reply to it, as "<id> <id> ", at most
 * max bytes: its References (or, with none, its In-Reply-To, as RFC 5322
 * 3.6.4 says) without its own id, which the caller adds; when they do not
 * fit, the first (the thread's root) and the most recent ones that do.
 * Only the ids: what else a mailer put there (comments, words) is not for
 * the reply. */
static void refs_trimmed(const struct arch_msg *m, size_t max,
			 struct buf *out)
{
	char **ids = NULL;
	size_t n = 0, used, from, i, k;

	if (m->refs && m->refs[0])
		n = msgids_parse(m->refs, &ids);
	else if (m->in_reply_to)
		n = msgids_parse(m->in_reply_to, &ids);
	for (i = k = 0; i < n; i++) {
		if (!strcmp(ids[i], m->message_id))
			free(ids[i]);
		else
			ids[k++] = ids[i];
	}
	n = k;
	if (n == 0) {
		free(ids);
		return;
	}
	used = strlen(ids[0]) + 3;
	if (used > max) {
		msgids_free(ids, n);
		return;
	}
	/* the longest run of ids at the end that fits beside the first */
	for (from = n; from > 1 && used + strlen(ids[from - 1]) + 3 <= max;
	     from--)
		used += strlen(ids[from - 1]) + 3;
	buf_printf(out, "<%s> ", ids[0]);
	for (i = from; i < n; i++)
		buf_printf(out, "<%s> ", ids[i]);
	msgids_free(ids, n);
}

/* mailto: with Subject, In-Reply-To and References filled in (RFC 6068). */
static void reply_url(struct thread_job *j, const struct arch_msg *m,
		      struct buf *out)
{
	struct buf s = BUF_INIT, v = BUF_INIT;

	subject_clean(m->subject, NULL, 1, &s);
	buf_printf(out, "mailto:%s@%s?subject=", j->r->li->name,
		   j->r->site->domain);
	buf_printf(&v, "Re: %s", ar_subject_shown(j->r, s.data));
	percent_encode(v.data, out);
	buf_reset(&v);
	buf_printf(&v, "<%s>", m->message_id);
	buf_adds(out, "&In-Reply-To=");
	percent_encode(v.data, out);
	buf_reset(&v);
	refs_trimmed(m, REPLY_REFS_MAX, &v);
	buf_printf(&v, "<%s>", m->message_id);
	buf_adds(out, "&References=");
	percent_encode(v.data, out);
	buf_release(&s);
	buf_release(&v);
}

static void message_page(struct thread_job *j, struct tmsg *tm)
{
	const struct arch_msg *m = &j->ix->msgs[tm->msg];
	struct thread_node *n = j->ix->ts.node_of[tm->msg], *ch;
	struct tctx *c = tctx_new();
	struct buf rel = BUF_INIT, s = BUF_INIT;

	ar_common(j->r, c, "../../");
	msg_summary(j, c, tm->msg, "../");
	tctx_setf(c, "thread_url", "../thread/%s.html",
		  j->ix->threads[j->ti].id);
	tctx_setf(c, "permalink_url", "%s%s/msg/%s.html", j->r->site->base_url,
		  j->r->li->name, m->permalink);
	if (m->removed) {
		tctx_set(c, "title", i18n_get(j->r->lang, "removed"));
	} else {
		tctx_set(c, "message_id", m->message_id);
		if (j->r->site->show_addresses)
			tctx_set(c, "address", m->from_addr);
		tctx_set_html(c, "body", tm->body.data);
		tctx_setf(c, "raw_url", "%s.eml", m->permalink);
		reply_url(j, m, &s);
		tctx_set(c, "reply_url", s.data);
		tctx_setf(c, "title", "%s – %s",
			  ar_subject(j->r, m->subject, &s), j->r->li->name);
	}
	if (n->parent && n->parent->msg >= 0)
		msg_summary(j, tctx_map(c, "parent"), n->parent->msg, "../");
	for (ch = n->child; ch; ch = ch->next)
		if (ch->msg >= 0)
			msg_summary(j, tctx_push(c, "replies"), ch->msg, "../");
	buf_printf(&rel, "msg/%s.html", m->permalink);
	ar_write(j->r, rel.data, "message.html", c);
	tctx_free(c);
	buf_release(&rel);
	buf_release(&s);
}

static void count_node(struct thread_node *n, void *arg)
{
	if (n->msg >= 0)
		(*(size_t *)arg)++;
}

static void collect(struct thread_node *n, void *arg)
{
	struct thread_job *j = arg;

	if (n->msg >= 0)
		j->m[j->n++].msg = n->msg;
}

static int by_received(const void *a, const void *b, void *arg)
{
	const struct arch_msg *ms = arg;
	const struct tmsg *x = a, *y = b;

	/* as ARRIVAL in pages.c: receipt, then Date:, then permalink */
	if (ms[x->msg].received != ms[y->msg].received)
		return ms[x->msg].received < ms[y->msg].received ? -1 : 1;
	if (ms[x->msg].date != ms[y->msg].date)
		return ms[x->msg].date < ms[y->msg].date ? -1 : 1;
	return strcmp(ms[x->msg].permalink, ms[y->msg].permalink);
}

/* The thread's messages in the order they reached the list (a copy of
 * j->m to free). */
static struct tmsg *arrival_order(const struct thread_job *j)
{
	struct tmsg *order = xcalloc(j->n ? j->n : 1, sizeof(*order));
	size_t i, k;

	memcpy(order, j->m, j->n * sizeof(*order));
	/* insertion sort: threads are small and mostly in order */
	for (i = 1; i < j->n; i++) {
		struct tmsg v = order[i];
		for (k = i; k > 0 && by_received(&order[k - 1], &v,
						 j->ix->msgs) > 0; k--)
			order[k] = order[k - 1];
		order[k] = v;
	}
	return order;
}

/* The thread's mbox: its messages in the order they reached the list
 * (order, from arrival_order). */
static void thread_mbox(struct thread_job *j, const struct tmsg *order)
{
	struct buf out = BUF_INIT, rel = BUF_INIT;
	size_t i;

	for (i = 0; i < j->n; i++) {
		const struct arch_msg *m = &j->ix->msgs[order[i].msg];
		if (!m->removed && order[i].raw.len)
			ar_mboxrd(m->from_addr, m->received, order[i].raw.data,
				  order[i].raw.len, &out);
	}
	buf_printf(&rel, "thread/%s.mbox", j->ix->threads[j->ti].id);
	ar_write_raw(j->r, rel.data, out.data, out.len);
	buf_release(&out);
	buf_release(&rel);
}

static void feed_entry(struct thread_job *j, const struct tmsg *tm,
		       struct tctx *e)
{
	const struct arch_msg *m = &j->ix->msgs[tm->msg];
	struct buf d = BUF_INIT;

	msg_summary(j, e, tm->msg, "");
	/* an entry is updated when it reached the list, as the feed is: a
	 * Date: in the future would sort it above newer entries */
	ar_iso_date(m->when, &d);
	tctx_set(e, "iso", d.data);
	buf_release(&d);
	tctx_setf(e, "abs_url", "%s%s/msg/%s.html", j->r->site->base_url,
		  j->r->li->name, m->permalink);
	tctx_set(e, "content", tm->text.data);
}

/* The thread's feed (order, from arrival_order). */
static void thread_feed(struct thread_job *j, const char *subject,
			const struct tmsg *order)
{
	struct tctx *c = tctx_new();
	struct buf rel = BUF_INIT, d = BUF_INIT;
	const struct arch_thread *t = &j->ix->threads[j->ti];
	size_t i, n = 0;

	ar_common(j->r, c, "");
	tctx_set(c, "title", subject);
	tctx_setf(c, "feed_id", "%s%s/thread/%s.atom", j->r->site->base_url,
		  j->r->li->name, t->id);
	tctx_setf(c, "page_url", "%s%s/thread/%s.html", j->r->site->base_url,
		  j->r->li->name, t->id);
	ar_iso_date(t->last, &d);
	tctx_set(c, "updated", d.data);
	/* the latest FEED_ENTRIES, newest first, as in the list's feed: a
	 * feed reader needs what is new, and a long thread would otherwise
	 * carry all its text in every fetch */
	for (i = j->n; i > 0 && n < FEED_ENTRIES; i--)
		if (!j->ix->msgs[order[i - 1].msg].removed) {
			feed_entry(j, &order[i - 1], tctx_push(c, "entries"));
			n++;
		}
	buf_printf(&rel, "thread/%s.atom", t->id);
	ar_write(j->r, rel.data, "feed.atom", c);
	tctx_free(c);
	buf_release(&rel);
	buf_release(&d);
}

/* The thread before and after this one, in the order threads started
 * (statements prepared once per render). */
static void neighbours(struct thread_job *j, struct tctx *c)
{
	static const char *sql[2] = {
		"SELECT thread_id FROM arch_threads WHERE list_id = ?1 AND "
		"(first, thread_id) < (?2, ?3) ORDER BY first DESC, "
		"thread_id DESC LIMIT 1",
		"SELECT thread_id FROM arch_threads WHERE list_id = ?1 AND "
		"(first, thread_id) > (?2, ?3) ORDER BY first, thread_id "
		"LIMIT 1" };
	static const char *name[2] = { "prev_url", "next_url" };
	const struct arch_thread *t = &j->ix->threads[j->ti];
	const struct thread_links *l = j->r->links;
	int k;

	if (l) {
		int nb[2] = { l->prev[j->ti], l->next[j->ti] };
		for (k = 0; k < 2; k++)
			if (nb[k] >= 0)
				tctx_setf(c, name[k], "%s.html",
					  j->ix->threads[nb[k]].id);
		return;
	}
	for (k = 0; k < 2; k++) {
		sqlite3_stmt *st = j->r->nb[k];
		if (!st)
			st = j->r->nb[k] = db_prepare(j->r->site->db, sql[k]);
		if (!st) {
			j->r->errors++;
			continue;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, j->r->li->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)t->first);
		db_bind_text(st, 3, t->id);
		if (sqlite3_step(st) == SQLITE_ROW)
			tctx_setf(c, name[k], "%s.html", db_col_text(st, 0));
		sqlite3_reset(st);
	}
}

struct related {
	struct tctx *c;
	int n;
};

static void related_row(const char *id, const char *subject, time_t first,
			void *arg)
{
	struct related *rl = arg;
	struct tctx *e = tctx_push(rl->c, "related");

	rl->n++;
	tctx_set(e, "subject", subject);
	tctx_setf(e, "url", "%s.html", id);
	ar_set_date(e, "date", first);
}

static void links_related(struct thread_job *j, struct related *rl)
{
	const struct thread_links *l = j->r->links;
	size_t i;

	for (i = 0; i < l->rel_count[j->ti]; i++) {
		int o = l->rel[l->rel_start[j->ti] + i];
		related_row(j->ix->threads[o].id, l->subject[o],
			    j->ix->threads[o].first, rl);
	}
}

static void thread_page(struct thread_job *j, const char *subject)
{
	const struct arch_thread *t = &j->ix->threads[j->ti];
	struct tctx *c = tctx_new();
	struct buf rel = BUF_INIT, tree = BUF_INIT;
	struct tree_ctx tc = { j, &tree, "#m-", 1 };
	struct related rl = { c, 0 };
	size_t i;

	ar_common(j->r, c, "../../");
	tctx_set(c, "subject", subject);
	tctx_setf(c, "title", "%s – %s", subject, j->r->li->name);
	ar_set_count(j->r, c, "count", (long long)t->count);
	tctx_setf(c, "id", "%s", t->id);
	tctx_setf(c, "feed_url", "%s.atom", t->id);
	buf_adds(&tree, "<ul class=\"tree\">");
	tree_node(&tc, t->root);
	buf_adds(&tree, "</ul>");
	tctx_set_html(c, "tree", tree.data);
	for (i = 0; i < j->n; i++) {
		struct tctx *mc;
		if (j->ix->msgs[j->m[i].msg].removed)
			continue;
		mc = tctx_push(c, "messages");
		msg_summary(j, mc, j->m[i].msg, "../");
		tctx_set_html(mc, "body", j->m[i].body.data);
		tctx_setf(mc, "depth", "%d",
			  j->ix->ts.node_of[j->m[i].msg]->depth);
	}
	neighbours(j, c);
	if (j->r->links)
		links_related(j, &rl);
	else if (astate_related(j->r->site->db, j->r->li->id, t->id,
				related_row, &rl) < 0)
		j->r->errors++;
	tctx_set_bool(c, "has_related", rl.n > 0);
	buf_printf(&rel, "thread/%s.html", t->id);
	ar_write(j->r, rel.data, "thread.html", c);
	tctx_free(c);
	buf_release(&rel);
	buf_release(&tree);
}

void ar_thread(struct arender *r, const struct arch_index *ix, size_t ti,
	       const unsigned char *want)
{
	const struct arch_thread *t = &ix->threads[ti];
	struct thread_job j;
	struct buf subject = BUF_INIT;
	struct tmsg *order;
	const char *shown;
	size_t i;

	memset(&j, 0, sizeof(j));
	j.r = r;
	j.ix = ix;
	j.ti = ti;
	/* count leaves out removed messages: size the array by a walk */
	thread_walk(t->root, count_node, &j.n);
	j.m = xcalloc(j.n ? j.n : 1, sizeof(*j.m));
	j.n = 0;
	thread_walk(t->root, collect, &j);
	if (ix->msgs[t->first_msg].removed)
		buf_adds(&subject, i18n_get(r->lang, "removed"));
	else
		subject_clean(ix->msgs[t->first_msg].subject, r->li->name, 1,
			      &subject);
	for (i = 0; i < j.n; i++) {
		buf_init(&j.m[i].raw);
		buf_init(&j.m[i].body);
		buf_init(&j.m[i].text);
		if (ix->msgs[j.m[i].msg].removed)
			drop_files(&j, &ix->msgs[j.m[i].msg]);
		else
			load_body(&j, &j.m[i]);
	}
	for (i = 0; i < j.n; i++)
		if (!want || want[j.m[i].msg])
			message_page(&j, &j.m[i]);
	shown = ar_subject_shown(r, subject.data);
	thread_page(&j, shown);
	/* the feed and the mbox both go by arrival: sorted once */
	order = arrival_order(&j);
	thread_feed(&j, shown, order);
	thread_mbox(&j, order);
	free(order);
	for (i = 0; i < j.n; i++) {
		buf_release(&j.m[i].raw);
		buf_release(&j.m[i].body);
		buf_release(&j.m[i].text);
	}
	free(j.m);
	buf_release(&subject);
}
