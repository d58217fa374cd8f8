/* build.c: the archive of a list, built in full or updated.  An update
 * threads only the new messages together with the threads they connect
 * to (threads are connected parts of the reference graph, so this gives
 * what a full threading would), records the result in the database
 * (state.c) and renders only the pages whose content it changes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/lists.h"
#include "archive/build.h"
#include "archive/index.h"
#include "archive/links.h"
#include "archive/render.h"
#include "archive/state.h"
#include "archive/store.h"
#include "archive/template.h"
#include "archive/workers.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"

/* More new messages than this and a rebuild is quicker than an update. */
#define UPDATE_MAX_NEW 2000
/* More threads than this linked to the ones new messages touch (mail
 * whose In-Reply-To and References disagree can chain threads together)
 * and a rebuild is quicker than finding them all. */
#define UPDATE_MAX_THREADS 500

/* Every template a build renders, checked (with their partials) before
 * anything is written, so that a broken site template stops the build at
 * once with one message instead of failing page after page. */
static const char *const page_templates[] = {
	"style.css", "home.html", "list.html", "month.html", "day.html",
	"author.html", "author_month.html", "thread.html", "message.html",
	"body.html", "feed.atom",
};

static struct tset *open_templates(struct site *site)
{
	struct buf err = BUF_INIT;
	struct tset *ts = tset_new(site->templates_dir,
				   site->default_templates_dir, &err);
	size_t i;

	for (i = 0; ts && i < ARRAY_SIZE(page_templates); i++)
		if (tset_check(ts, page_templates[i], &err) < 0) {
			tset_free(ts);
			ts = NULL;
		}
	if (!ts)
		log_error("archive: templates: %s (nothing was written)",
			  err.data);
	buf_release(&err);
	return ts;
}

static int make_dirs(const char *dir)
{
	static const char *subs[] = { "msg", "thread", "att", "author" };
	struct buf p = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < ARRAY_SIZE(subs); i++) {
		buf_reset(&p);
		path_join(&p, dir, subs[i]);
		rc = mkdir_p(p.data, 02775);
	}
	if (rc < 0)
		log_error("archive: cannot create \"%s\": %s", p.data,
			  strerror(errno));
	buf_release(&p);
	return rc;
}

static int copy_static(struct site *site, struct tset *ts)
{
	struct arender r;
	struct tctx *c = tctx_new();

	arender_init(&r, site, NULL, ts);
	if (mkdir_p(site->archive_dir, 02775) < 0) {
		log_error("archive: cannot create \"%s\": %s", site->archive_dir,
			  strerror(errno));
		r.errors++;
	} else {
		ar_write(&r, "style.css", "style.css", c);
	}
	tctx_free(c);
	arender_release(&r);
	return r.errors ? -1 : 0;
}

static int home_page(struct site *site, struct tset *ts)
{
	struct arender r;

	arender_init(&r, site, NULL, ts);
	ar_home(&r);
	arender_release(&r);
	return r.errors ? -1 : 0;
}

/* The months and authors of the messages a render must cover.  A month
 * whose only change is one new message at its end gets that message
 * appended to its mbox (append[i], parallel to months), instead of an
 * mbox read back from every message of the month. */
struct touched {
	struct strset months, authors;
	struct strset days;        /* YYYY-MM-DD */
	struct strset amonths;     /* "YYYY-MM ADDRESS": author month pages */
	struct arch_msg *append;   /* per month: rowid 0 = write it whole */
};

static void touch_day(struct touched *t, time_t received)
{
	char day[16];
	struct tm tm;

	gmtime_r(&received, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strset_add(&t->days, day);
}

static void touch_msg(struct touched *t, const struct arch_msg *m)
{
	char month[8];
	size_t i, n = t->months.n;

	struct buf am = BUF_INIT;

	ar_month(m->received, month);
	strset_add(&t->months, month);
	strset_add(&t->authors, m->from_addr);
	touch_day(t, m->received);
	buf_printf(&am, "%s %s", month, m->from_addr);
	strset_add(&t->amonths, am.data);
	buf_release(&am);
	if (t->months.n > n) {
		t->append = xreallocarray(t->append, t->months.n,
					  sizeof(*t->append));
		memset(&t->append[n], 0, sizeof(*t->append));
		if (!m->thread_id && !m->removed) {
			/* borrowed: the index outlives the render */
			t->append[n] = *m;
		}
		return;
	}
	for (i = 0; i < t->months.n; i++)
		if (!strcmp(t->months.s[i], month))
			t->append[i].rowid = 0;
}

static void touched_release(struct touched *t)
{
	strset_release(&t->months);
	strset_release(&t->authors);
	strset_release(&t->days);
	strset_release(&t->amonths);
	free(t->append);
}

static void render_summaries(struct arender *r, struct touched *t)
{
	size_t i;

	for (i = 0; i < t->months.n; i++) {
		ar_month_page(r, t->months.s[i]);
		if (!t->append || !t->append[i].rowid ||
		    ar_month_mbox_append(r, t->months.s[i], &t->append[i]))
			ar_month_mbox(r, t->months.s[i]);
	}
	for (i = 0; i < t->days.n; i++)
		ar_day_page(r, t->days.s[i]);
	for (i = 0; i < t->authors.n; i++)
		ar_author_page(r, t->authors.s[i]);
	for (i = 0; i < t->amonths.n; i++) {
		char month[8];
		memcpy(month, t->amonths.s[i], 7);
		month[7] = 0;
		ar_author_month_page(r, t->amonths.s[i] + 8, month);
	}
	ar_list_page(r);
	ar_list_feed(r);
}

static int all_authors(struct site *site, const struct list_info *li,
		       struct touched *t)
{
	sqlite3_stmt *st = db_prepare(site->db, "SELECT DISTINCT from_addr "
		"FROM messages WHERE list_id = ?");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strset_push(&t->authors, db_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int distinct(struct site *site, const struct list_info *li,
		    const char *sql, struct strset *out)
{
	sqlite3_stmt *st = db_prepare(site->db, sql);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strset_push(out, db_col_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every month, day and author month of the list (removed messages
 * included: their pages may have to go). */
static int all_months(struct site *site, const struct list_info *li,
		      struct touched *t)
{
	return distinct(site, li, "SELECT DISTINCT strftime('%Y-%m', "
			"received, 'unixepoch') FROM messages WHERE list_id = ?"
			" ORDER BY 1", &t->months) < 0 ||
	       distinct(site, li, "SELECT DISTINCT strftime('%Y-%m-%d', "
			"received, 'unixepoch') FROM messages WHERE list_id = ?"
			" ORDER BY 1", &t->days) < 0 ||
	       distinct(site, li, "SELECT DISTINCT strftime('%Y-%m', "
			"received, 'unixepoch') || ' ' || from_addr FROM "
			"messages WHERE list_id = ?", &t->amonths) < 0 ? -1 : 0;
}

/* What every worker of a full build shares (read-only after the fork). */
struct full_build {
	struct tset *ts;
	const struct list_info *li;
	struct arch_index *ix;
	struct thread_links links;
	struct touched *t;
};

/* Threads are handed out a few at a time: a thread is small work. */
#define THREAD_CHUNK 8
/* A worker gives up after this many failures: the build fails anyway. */
#define BUILD_FAILS_STOP 200

/* One summary page (or a month's page and mbox) of a full build: items
 * are numbered months, days, authors, author-months, then the list's own
 * pages. */
static void summary_item(struct arender *r, struct touched *t, size_t i)
{
	if (i < t->months.n) {
		ar_month_page(r, t->months.s[i]);
		ar_month_mbox(r, t->months.s[i]);
		return;
	}
	i -= t->months.n;
	if (i < t->days.n) {
		ar_day_page(r, t->days.s[i]);
		return;
	}
	i -= t->days.n;
	if (i < t->authors.n) {
		ar_author_page(r, t->authors.s[i]);
		return;
	}
	i -= t->authors.n;
	if (i < t->amonths.n) {
		char month[8];
		memcpy(month, t->amonths.s[i], 7);
		month[7] = 0;
		ar_author_month_page(r, t->amonths.s[i] + 8, month);
		return;
	}
	ar_list_page(r);
	ar_list_feed(r);
}

/* A worker's part of a full build.  Worker 0 first saves the thread
 * state; thread pages need none (their links are in memory), the summary
 * pages read it, so they wait for it. */
static int render_share(struct site *site, struct workers *w, void *arg)
{
	struct full_build *fb = arg;
	struct touched *t = fb->t;
	size_t nsum = t->months.n + t->days.n + t->authors.n + t->amonths.n + 1;
	struct arender r;
	size_t i, k;
	int rc = 0;

	if (workers_self(w) == 0) {
		struct strset none = { 0 };
		rc = astate_save(site, fb->li->id, fb->li->name, fb->ix, &none,
				 &none, 1);
		workers_release(w, rc == 0);
	}
	arender_init(&r, site, fb->li, fb->ts);
	r.links = &fb->links;
	/* a worker whose pages keep failing (a full disk) stops */
	while (r.errors < BUILD_FAILS_STOP &&
	       (i = workers_take(w, 0, THREAD_CHUNK)) < fb->ix->nthreads)
		for (k = i; k < i + THREAD_CHUNK && k < fb->ix->nthreads; k++)
			ar_thread(&r, fb->ix, k, NULL);
	if (workers_wait(w) < 0)
		rc = -1;
	else
		while (r.errors < BUILD_FAILS_STOP &&
		       (i = workers_take(w, 1, 1)) < nsum)
			summary_item(&r, t, i);
	if (r.errors)
		rc = -1;
	arender_release(&r);
	return rc;
}

/* Removes the pages (*.html) in dir, then dir, which must then be
 * empty: what else is there is the site's own.  0 or -1 (errno). */
static int remove_pages_in(const char *dir)
{
	struct buf p = BUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= 5 || strcmp(de->d_name + n - 5, ".html"))
			continue;
		buf_reset(&p);
		path_join(&p, dir, de->d_name);
		if (unlink(p.data) < 0 && errno != ENOENT)
			rc = -1;
	}
	closedir(d);
	buf_release(&p);
	if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

/* Whether a file or folder name is one the archive makes for a key (a
 * thread id, an author key), written to key; anything else there is the
 * site's own and stays. */
typedef int (*sweep_name)(const char *name, int is_dir, char key[32]);

/* A rebuild also removes what is named after keys that are no more (an
 * update that went wrong, a build stopped half-way, a purge that forgot
 * an author): LIST/sub then holds what a new site would.  keys sorted
 * with strptr_cmp; a folder loses its pages, then itself. */
static void sweep(struct site *site, const struct list_info *li,
		  const char *sub, char **keys, size_t n, sweep_name named)
{
	struct buf dir = BUF_INIT, p = BUF_INIT;
	char key[32], *k = key;
	struct dirent *de;
	struct stat st;
	DIR *d;

	path_join(&dir, site->archive_dir, li->name);
	path_join(&dir, "", sub);
	d = opendir(dir.data);
	while (d && (de = readdir(d)) != NULL) {
		int is_dir;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		path_join(&p, dir.data, de->d_name);
		/* the entry's type without a stat, where the file system
		 * gives it (a thread folder holds thousands of files) */
		is_dir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN)
			is_dir = lstat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
		if (!named(de->d_name, is_dir, key) ||
		    bsearch(&k, keys, n, sizeof(*keys), strptr_cmp))
			continue;
		/* a stale page left is untidy, not a failed build */
		if (is_dir ? remove_pages_in(p.data) < 0 :
		    unlink(p.data) < 0 && errno != ENOENT)
			log_warn("archive: cannot remove \"%s\": %s", p.data,
				 strerror(errno));
	}
	if (d)
		closedir(d);
	buf_release(&dir);
	buf_release(&p);
}

/* A thread's page, feed and mbox (never a folder). */
static int thread_file(const char *name, int is_dir, char key[32])
{
	size_t n = strcspn(name, ".");
	char id[32];

	if (is_dir || n >= sizeof(id) || (strcmp(name + n, ".html") &&
					  strcmp(name + n, ".atom") &&
					  strcmp(name + n, ".mbox")))
		return 0;
	memcpy(id, name, n);
	id[n] = '\0';
	return permalink_parse(id, key);
}

/* An author's page, and the folder of their month pages. */
static int author_file(const char *name, int is_dir, char key[32])
{
	size_t n = strcspn(name, ".");

	if (n != 16 || strspn(name, "abcdefghijklmnopqrstuvwxyz234567") < n ||
	    strcmp(name + n, is_dir ? "" : ".html"))
		return 0;
	memcpy(key, name, n);
	key[n] = '\0';
	return 1;
}

static void sweep_threads(struct site *site, const struct list_info *li,
			  const struct arch_index *ix)
{
	char **ids = xreallocarray(NULL, ix->nthreads ? ix->nthreads : 1,
				   sizeof(*ids));
	size_t i;

	for (i = 0; i < ix->nthreads; i++)
		ids[i] = (char *)ix->threads[i].id;
	qsort(ids, ix->nthreads, sizeof(*ids), strptr_cmp);
	sweep(site, li, "thread", ids, ix->nthreads, thread_file);
	free(ids);
}

static void sweep_authors(struct site *site, const struct list_info *li,
			  const struct strset *authors)
{
	char **keys = xreallocarray(NULL, authors->n ? authors->n : 1,
				    sizeof(*keys));
	char key[32];
	size_t i, n = 0;

	for (i = 0; i < authors->n; i++)
		if (authors->s[i][0]) {
			ar_author_key(authors->s[i], key);
			keys[n++] = xstrdup(key);
		}
	qsort(keys, n, sizeof(*keys), strptr_cmp);
	sweep(site, li, "author", keys, n, author_file);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

static int rebuild(struct site *site, struct tset *ts,
		   const struct list_info *li)
{
	struct arch_index ix;
	struct touched t;
	struct full_build fb;
	struct buf dir = BUF_INIT;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&fb, 0, sizeof(fb));
	path_join(&dir, site->archive_dir, li->name);
	rc = make_dirs(dir.data);
	/* builds take turns (build_lock): a temporary file here now is one
	 * a killed build left */
	if (rc == 0 && remove_temp_files(dir.data) < 0)
		log_warn("archive: cannot look for leftover files in \"%s\": "
			 "%s", dir.data, strerror(errno));
	buf_release(&dir);
	if (rc < 0)
		return -1;
	if (arch_index_load(site->db, li->id, &ix) < 0)
		return -1;
	fb.ts = ts;
	fb.li = li;
	fb.ix = &ix;
	fb.t = &t;
	links_compute(&ix, li->name, &fb.links);
	/* these read messages only, not the thread state */
	if (all_months(site, li, &t) < 0 || all_authors(site, li, &t) < 0)
		rc = -1;
	if (rc == 0)
		rc = workers_run(site, workers_count(site, ix.n), render_share,
				 &fb);
	if (rc == 0) {
		sweep_threads(site, li, &ix);
		sweep_authors(site, li, &t.authors);
	}
	links_release(&fb.links);
	arch_index_release(&ix);
	touched_release(&t);
	return rc;
}

/* What an update must render for the threads in ix. */
struct plan {
	unsigned char *want;        /* per message: its page */
	struct strset ids;          /* thread ids after */
	struct strset neighbours;   /* threads whose prev/next links change */
	struct strset moved;        /* threads new, or with a new start or
				     * subject: others' links to them change */
	struct strset gone;         /* thread ids before that are no more */
	struct touched t;
};

static void mark(struct plan *p, struct thread_node *n)
{
	if (n && n->msg >= 0)
		p->want[n->msg] = 1;
}

/* A message changed when it is new or its thread id changed: its page,
 * its parent's and its replies' pages (their links), its month and its
 * author page must be rendered again. */
static void plan_thread(struct plan *p, const struct arch_index *ix,
			size_t ti)
{
	const struct arch_thread *t = &ix->threads[ti];
	size_t i;

	strset_add(&p->ids, t->id);
	for (i = 0; i < ix->n; i++) {
		const struct arch_msg *m = &ix->msgs[i];
		struct thread_node *n, *ch;
		if ((size_t)ix->thread_of[i] != ti ||
		    (m->thread_id && !strcmp(m->thread_id, t->id)))
			continue;
		n = ix->ts.node_of[i];
		mark(p, n);
		mark(p, n->parent);
		for (ch = n->child; ch; ch = ch->next)
			mark(p, ch);
		touch_msg(&p->t, m);
	}
}

static void plan_release(struct plan *p)
{
	free(p->want);
	strset_release(&p->ids);
	strset_release(&p->neighbours);
	strset_release(&p->moved);
	strset_release(&p->gone);
	touched_release(&p->t);
}

/* Thread pages next to the changed threads, before and after: only their
 * prev/next links change, so they are rendered without message pages. */
static int render_neighbours(struct arender *r, struct plan *p)
{
	struct strset todo = { 0 };
	struct arch_index ix;
	unsigned char *none;
	size_t i;
	int rc = 0;

	for (i = 0; i < p->neighbours.n; i++)
		if (!strset_has(&p->ids, p->neighbours.s[i]))
			strset_add(&todo, p->neighbours.s[i]);
	if (todo.n && arch_index_load_threads(r->site->db, r->li->id, todo.s,
					      todo.n, &ix) == 0) {
		none = xcalloc(ix.n ? ix.n : 1, 1);
		for (i = 0; i < ix.nthreads; i++)
			ar_thread(r, &ix, i, none);
		free(none);
		arch_index_release(&ix);
	} else if (todo.n) {
		rc = -1;
	}
	strset_release(&todo);
	return rc;
}

/* The threads whose pages link to these: previous and next by start,
 * and those listing them as possibly related. */
static int neighbours_of(struct site *site, long long list_id,
			 const struct strset *ids, struct strset *out)
{
	return astate_linked(site->db, list_id, ids, out);
}

/* A thread whose subject changed (an earlier message arrived late) is
 * listed under its old subject on every day page it is active on: those
 * pages are rendered again.  Reads the state before astate_save. */
static int plan_subjects(struct plan *p, struct site *site,
			 const struct list_info *li, const struct arch_index *ix)
{
	struct buf was = BUF_INIT, now = BUF_INIT;
	size_t ti, i;
	time_t first = 0;
	int rc = 0;

	for (ti = 0; rc >= 0 && ti < ix->nthreads; ti++) {
		const struct arch_thread *t = &ix->threads[ti];
		buf_reset(&was);
		buf_reset(&now);
		rc = astate_old_subject(site->db, li->id, t->id, &was, &first);
		astate_subject(ix, t, li->name, &now);
		/* other threads' pages link to this one by start and subject */
		if (rc == 0 || first != t->first || strcmp(was.data, now.data))
			strset_add(&p->moved, t->id);
		if (rc <= 0 || !strcmp(was.data, now.data))
			continue;
		for (i = 0; i < ix->n; i++)
			if ((size_t)ix->thread_of[i] == ti)
				touch_day(&p->t, ix->msgs[i].received);
	}
	buf_release(&was);
	buf_release(&now);
	return rc < 0 ? -1 : 0;
}

static void drop_thread_files(struct arender *r, const char *id)
{
	static const char *exts[] = { "html", "atom", "mbox" };
	struct buf rel = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		buf_reset(&rel);
		buf_printf(&rel, "thread/%s.%s", id, exts[i]);
		ar_unlink(r, rel.data);
	}
	buf_release(&rel);
}

static int update(struct site *site, struct tset *ts,
		  const struct list_info *li, struct strset *old)
{
	struct arender r;
	struct arch_index ix;
	struct plan p;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	arender_init(&r, site, li, ts);
	rc = make_dirs(r.dir.data);
	if (rc == 0)
		rc = arch_index_load_threads(site->db, li->id, old->s, old->n, &ix);
	if (rc < 0)
		goto out;
	p.want = xcalloc(ix.n ? ix.n : 1, 1);
	for (i = 0; i < ix.nthreads; i++)
		plan_thread(&p, &ix, i);
	for (i = 0; i < old->n; i++)
		if (!strset_has(&p.ids, old->s[i]))
			strset_add(&p.gone, old->s[i]);
	rc = plan_subjects(&p, site, li, &ix);
	/* the pages linking to moved or gone threads, before and after */
	if (rc == 0)
		rc = neighbours_of(site, li->id, &p.gone, &p.neighbours);
	if (rc == 0)
		rc = neighbours_of(site, li->id, &p.moved, &p.neighbours);
	if (rc == 0)
		rc = astate_save(site, li->id, li->name, &ix, old, &p.t.months, 0);
	if (rc == 0)
		rc = neighbours_of(site, li->id, &p.moved, &p.neighbours);
	for (i = 0; rc == 0 && i < ix.nthreads; i++)
		ar_thread(&r, &ix, i, p.want);
	for (i = 0; rc == 0 && i < old->n; i++)
		if (!strset_has(&p.ids, old->s[i]))
			drop_thread_files(&r, old->s[i]);
	if (rc == 0)
		rc = render_neighbours(&r, &p);
	if (rc == 0)
		render_summaries(&r, &p.t);
	arch_index_release(&ix);
out:
	plan_release(&p);
	arender_release(&r);
	return rc < 0 || r.errors ? -1 : 0;
}

/* An EXISTS query about one list: 1, 0, or -1. */
static long long list_exists(sqlite3 *db, const char *sql, long long list_id)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	long long n = -1;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static long long count_threaded(sqlite3 *db, long long list_id)
{
	return list_exists(db, "SELECT EXISTS (SELECT 1 FROM messages WHERE "
			   "list_id = ? AND thread_id IS NOT NULL)", list_id);
}

/* A build that did not finish (killed, a worker failed, the disk filled)
 * leaves pages missing or stale that no later update would touch, while
 * the database already says every message is threaded.  So a list's
 * build first leaves a mark in its folder and removes it once it has
 * succeeded; the next build of a list with the mark is a full one. */
#define INCOMPLETE_MARK ".incomplete"

static void mark_path(struct site *site, const char *list, struct buf *out)
{
	path_join(out, site->archive_dir, list);
	path_join(out, "", INCOMPLETE_MARK);
}

/* The mark, or no front page at all (the list's folder was deleted). */
static int mark_present(struct site *site, const char *list)
{
	struct buf p = BUF_INIT, front = BUF_INIT;
	int present;

	mark_path(site, list, &p);
	path_join(&front, site->archive_dir, list);
	path_join(&front, "", "index.html");
	present = access(p.data, F_OK) == 0 || access(front.data, F_OK) < 0;
	buf_release(&p);
	buf_release(&front);
	return present;
}

static int mark_set(struct site *site, const char *list)
{
	struct buf p = BUF_INIT;
	int fd, rc = 0;

	path_join(&p, site->archive_dir, list);
	if (mkdir_p(p.data, 02775) < 0)
		rc = -1;
	buf_reset(&p);
	mark_path(site, list, &p);
	fd = rc == 0 ? open(p.data, O_WRONLY | O_CREAT | O_CLOEXEC, 0664) : -1;
	if (fd < 0 || close(fd) < 0) {
		log_error("archive: cannot write \"%s\": %s", p.data,
			  strerror(errno));
		rc = -1;
	}
	buf_release(&p);
	return rc;
}

int archive_mark_stale(struct site *site, const char *list)
{
	return mark_set(site, list);
}

static void mark_clear(struct site *site, const char *list)
{
	struct buf p = BUF_INIT;

	mark_path(site, list, &p);
	if (unlink(p.data) < 0 && errno != ENOENT)
		log_warn("archive: cannot remove \"%s\": %s", p.data,
			  strerror(errno));
	buf_release(&p);
}

/* A full build between the marks. */
static int rebuild_marked(struct site *site, struct tset *ts,
			  const struct list_info *li)
{
	int rc = mark_set(site, li->name);

	if (rc == 0)
		rc = rebuild(site, ts, li);
	if (rc == 0)
		mark_clear(site, li->name);
	return rc;
}

/* Update when the list was built before, completely, and few messages
 * are new. */
static int bring_up_to_date(struct site *site, struct tset *ts,
			    const struct list_info *li)
{
	struct strset threads = { 0 };
	long long nnew = 0, built = count_threaded(site->db, li->id);
	int rc;

	if (built < 0)
		return -1;
	if (!built || mark_present(site, li->name))
		return rebuild_marked(site, ts, li);
	rc = astate_connected(site->db, li->id, &threads, UPDATE_MAX_THREADS,
			      &nnew);
	if (rc == 1 || (rc == 0 && nnew > UPDATE_MAX_NEW)) {
		if (rc == 1)
			log_info("archive: new mail of \"%s\" is linked to over "
				 "%d threads: rebuilding the list", li->name,
				 UPDATE_MAX_THREADS);
		rc = rebuild_marked(site, ts, li);
	} else if (rc == 0 && nnew > 0) {
		rc = mark_set(site, li->name);
		if (rc == 0)
			rc = update(site, ts, li, &threads);
		if (rc == 0)
			mark_clear(site, li->name);
	}
	strset_release(&threads);
	return rc;
}

/* Builds of one site take turns: two at once (an import and the runner)
 * would each take the other's mark for their own. */
static int build_lock(struct site *site)
{
	struct buf p = BUF_INIT;
	int fd = -1;

	/* beside the runner's locks, not among the pages */
	path_join(&p, site->spool_dir, ".archive.lock");
	fd = open(p.data, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	/* a build without the lock is still a build: only a second one at
	 * the same time could go wrong */
	if (fd < 0)
		log_warn("archive: cannot lock \"%s\": %s", p.data,
			 strerror(errno));
	buf_release(&p);
	return fd;
}

static int with_list(struct site *site, const char *list, int full)
{
	struct list_info li;
	struct tset *ts = open_templates(site);
	int rc = -1;

	if (!ts)
		return ARCHIVE_BAD_TEMPLATES;
	if (astate_init(site->db) < 0) {
		tset_free(ts);
		return -1;
	}
	if (list_lookup(site->db, list, &li) == 0) {
		int lock = build_lock(site);
		rc = copy_static(site, ts);
		if (rc == 0)
			rc = full ? rebuild_marked(site, ts, &li) :
				    bring_up_to_date(site, ts, &li);
		if (home_page(site, ts) < 0)
			rc = -1;
		if (lock >= 0)
			close(lock);
		list_info_release(&li);
	} else {
		log_error("archive: list \"%s\" does not exist", list);
	}
	tset_free(ts);
	return rc;
}

/* Lists whose archive is behind: a build that did not finish, or
 * messages not threaded yet (the runner stopped between recording a
 * post and updating the archive). */
static void catch_up_one(const struct list_info *li, int depth, void *arg)
{
	void **a = arg;
	struct site *site = a[0];
	int *rc = a[1];
	long long behind;
	int r;

	(void)depth;
	behind = mark_present(site, li->name) ? 1 : list_exists(site->db,
		"SELECT EXISTS (SELECT 1 FROM messages WHERE list_id = ? AND "
		"thread_id IS NULL)", li->id);
	r = behind ? archive_build_list(site, li->name) : 0;
	if (r < 0 && *rc != ARCHIVE_BAD_TEMPLATES)
		*rc = r;
}

int archive_catch_up(struct site *site)
{
	int rc = 0;
	void *arg[2] = { site, &rc };

	if (astate_init(site->db) < 0 || list_each(site->db, catch_up_one,
						  arg) < 0)
		return -1;
	return rc;
}

int archive_build_list(struct site *site, const char *list)
{
	return with_list(site, list, 0);
}

int archive_rebuild_list(struct site *site, const char *list)
{
	return with_list(site, list, 1);
}

static void build_one(const struct list_info *li, int depth, void *arg)
{
	void **a = arg;
	int *rc = a[2];

	(void)depth;
	if (rebuild_marked(a[0], a[1], li) < 0)
		*rc = -1;
}

int archive_build_all(struct site *site)
{
	struct tset *ts = open_templates(site);
	int rc = 0, lock;
	void *arg[3] = { site, ts, &rc };

	if (!ts)
		return ARCHIVE_BAD_TEMPLATES;
	lock = build_lock(site);
	if (astate_init(site->db) < 0 || copy_static(site, ts) < 0)
		rc = -1;
	if (list_each(site->db, build_one, arg) < 0)
		rc = -1;
	if (home_page(site, ts) < 0)
		rc = -1;
	if (lock >= 0)
		close(lock);
	tset_free(ts);
	return rc;
}

struct removal {
	struct site *site;
	const char *list, *message_id, *permalink, *reason;
	int purge;
	int count, rc;
	int build_rc;               /* the updates': 0, -1 or bad templates */
	int already;                /* matched, but removed before */
	struct strset originals;    /* purged: store files to delete */
};

/* Marks one row removed and unthreaded (so that the next update threads
 * and renders it again, as a placeholder). */
static int remove_row(struct removal *rm, long long id)
{
	sqlite3_stmt *st = db_prepare(rm->site->db,
		"UPDATE messages SET removed = 1, removed_reason = ?1, "
		"thread_id = NULL WHERE id = ?2");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, rm->reason);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* A purge forgets who sent the message, what it said and where its
 * original is: after the update that took it off the pages, which needs
 * the sender to find the author pages it was on. */
static int purge_rows(struct removal *rm, const long long *ids, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (db_begin(rm->site->db) < 0)
		return -1;
	st = db_prepare(rm->site->db, "UPDATE messages SET from_name = '', "
			"from_addr = '', subject = '', env_sender = NULL, "
			"env_rcpt = NULL, path = '' WHERE id = ?1");
	for (i = 0; st && rc == 0 && i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (!st || rc < 0) {
		db_rollback(rm->site->db);
		return -1;
	}
	return db_commit(rm->site->db);
}

/* A query on the messages of li that the id names: "SELECT ... WHERE "
 * followed by the condition that it adds to theirs (?4 free). */
static sqlite3_stmt *named(struct removal *rm, const struct list_info *li,
			   const char *select, const char *more)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;

	buf_printf(&sql, "SELECT %s FROM messages WHERE list_id = ?1 AND "
		   "(message_id = ?2 OR permalink = ?3) AND %s", select, more);
	st = db_prepare(rm->site->db, sql.data);
	buf_release(&sql);
	if (st) {
		sqlite3_bind_int64(st, 1, li->id);
		db_bind_text(st, 2, rm->message_id);
		db_bind_text(st, 3, rm->permalink);
	}
	return st;
}

/* The rows to remove: by Message-ID or permalink, not removed yet (or,
 * for a purge, not purged yet). */
static int rows_to_remove(struct removal *rm, const struct list_info *li,
			  long long **ids, size_t *n)
{
	sqlite3_stmt *st = named(rm, li, "id, path",
				 "(removed = 0 OR (?4 AND path != ''))");
	int rc;

	*ids = NULL;
	*n = 0;
	if (!st)
		return -1;
	sqlite3_bind_int(st, 4, rm->purge);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
		if (rm->purge && *db_col_text(st, 1)) {
			struct buf p = BUF_INIT;
			path_join(&p, rm->site->store_dir, db_col_text(st, 1));
			strset_add(&rm->originals, p.data);
			buf_release(&p);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Messages the id names that were removed before (for a clear answer to
 * a removal asked twice). */
static int count_removed(struct removal *rm, const struct list_info *li)
{
	sqlite3_stmt *st = named(rm, li, "count(*)", "removed = 1");
	int rc;

	if (!st)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rm->already += sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void remove_in(const struct list_info *li, int depth, void *arg)
{
	struct removal *rm = arg;
	long long *ids;
	size_t n, i;
	int rc;

	(void)depth;
	if (rm->list && strcmp(rm->list, li->name))
		return;
	if (db_begin(rm->site->db) < 0) {
		rm->rc = -1;
		return;
	}
	rc = rows_to_remove(rm, li, &ids, &n);
	for (i = 0; rc == 0 && i < n; i++)
		rc = remove_row(rm, ids[i]);
	if (rc == 0 && n) {
		struct buf d = BUF_INIT;
		buf_printf(&d, "%s=%s reason=%s%s", rm->permalink ?
			   "id" : "message_id", rm->permalink ? rm->permalink :
			   rm->message_id, rm->reason, rm->purge ?
			   " purged" : "");
		db_event(rm->site->db, "admin", li->name, "archive-remove",
			 d.data);
		buf_release(&d);
	}
	if (rc == 0 && !n)
		rc = count_removed(rm, li);
	if (rc < 0) {
		log_error("archive: cannot remove from %s: %s", li->name,
			  sqlite3_errmsg(rm->site->db));
		db_rollback(rm->site->db);
		rm->rc = -1;
		free(ids);
		return;
	}
	if (db_commit(rm->site->db) < 0) {
		rm->rc = -1;
		free(ids);
		return;
	}
	rm->count += (int)n;
	if (n) {
		rc = archive_build_list(rm->site, li->name);
		if (rc < 0 && rm->build_rc != ARCHIVE_BAD_TEMPLATES)
			rm->build_rc = rc;
		/* once the purge has forgotten the sender, only a full
		 * build (sweep_authors) finds the pages the update could
		 * not take the message off */
		if (rc < 0 && rm->purge)
			archive_mark_stale(rm->site, li->name);
	}
	/* forgotten whatever the build did: a broken template must not keep
	 * what the purge was asked to take away */
	if (rm->purge && n && purge_rows(rm, ids, n) < 0) {
		log_error("archive: cannot purge from %s: %s", li->name,
			  sqlite3_errmsg(rm->site->db));
		rm->rc = -1;
	}
	free(ids);
}

int archive_remove(struct site *site, const char *list, const char *id,
		   const char *reason, int purge, int *already)
{
	struct removal rm;
	char link[32];
	size_t i;

	memset(&rm, 0, sizeof(rm));
	rm.site = site;
	rm.list = list;
	rm.reason = reason;
	rm.purge = purge;
	/* a permalink, or the page's address, names one message; anything
	 * else is a Message-ID */
	if (permalink_parse(id, link)) {
		rm.permalink = link;
		rm.message_id = NULL;
	} else {
		rm.message_id = id;
	}
	if (list_each(site->db, remove_in, &rm) < 0)
		rm.rc = -1;
	/* after the commits: a row never names a file that is gone */
	for (i = 0; rm.rc == 0 && i < rm.originals.n; i++)
		if (unlink(rm.originals.s[i]) < 0 && errno != ENOENT)
			log_error("archive: cannot delete the original \"%s\": "
				  "%s", rm.originals.s[i], strerror(errno));
	strset_release(&rm.originals);
	if (already)
		*already = rm.already;
	if (rm.rc == 0)
		log_info("archive: removed %d message(s) %s%s%s%s", rm.count,
			 rm.permalink ? "" : "<", id, rm.permalink ? "" : ">",
			 purge ? " (purged)" : "");
	if (rm.rc < 0)
		return -1;
	return rm.build_rc < 0 ? rm.build_rc : rm.count;
}
