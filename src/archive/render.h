/* render.h: the archive's page writers, shared by the full build and the
 * incremental update (build.c).  Pages made from the database summaries
 * (list, month, author, home, feeds) are rendered by the same functions
 * in both cases, so an update writes exactly what a rebuild would. */
#ifndef CONFER_RENDER_H
#define CONFER_RENDER_H

#include <sqlite3.h>
#include <time.h>

#include "archive/index.h"
#include "archive/text_html.h"
#include "core/buf.h"

struct site;
struct list_info;
struct tset;
struct tctx;

/* Most recent threads on a list's front page, and entries in its feed. */
#define FRONT_THREADS 50
#define FEED_ENTRIES 30
/* Most recent posts on an author's front page (the rest are on the
 * author's month pages). */
#define AUTHOR_RECENT 50

struct thread_links;

struct arender {
	struct site *site;
	const struct list_info *li;   /* NULL for the network home */
	struct tset *ts;
	struct buf dir;               /* the folder pages are written into */
	const char *lang;             /* en, fr or es */
	struct text_labels labels;
	int errors;                   /* failures so far (each logged) */
	struct sqlite3_stmt *nb[2];   /* previous/next thread, prepared once */
	const struct thread_links *links; /* a full build's, else NULL: the
					   * database is asked */
	struct tctx *strings;         /* the page strings (t.*) of lang, shared
				       * by every page rendered */
};

/* Prepares r for list li (NULL: the archive's top folder).  Release with
 * arender_release. */
void arender_init(struct arender *r, struct site *site,
		  const struct list_info *li, struct tset *ts);
void arender_release(struct arender *r);

/* A failure while rendering: counted, and logged for the first
 * AR_FAILS_SHOWN of a render (a full disk fails every page after it). */
#define AR_FAILS_SHOWN 20
void ar_fail(struct arender *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets what every page uses: root, lang, t.*, list.*, domain. */
void ar_common(struct arender *r, struct tctx *c, const char *root);
/* Renders tpl into dir/rel, written only when changed.  Errors counted. */
void ar_write(struct arender *r, const char *rel, const char *tpl,
	      struct tctx *c);
/* Writes bytes into dir/rel when changed.  Errors counted. */
void ar_write_raw(struct arender *r, const char *rel, const char *data,
		  size_t len);
/* Removes dir/rel (missing is fine). */
void ar_unlink(struct arender *r, const char *rel);
/* ar_unlink, then removes the page's folder when that was its last page
 * (a month's day pages, an author's month pages), as a rebuild would not
 * make it. */
void ar_unlink_last(struct arender *r, const char *rel);

/* The author as pages show it: the name; the address only when the site
 * allows it, else its local part; with neither, "unknown" in lang, or
 * NULL when lang is NULL.  Returns a string to free. */
char *ar_author(const struct site *site, const char *lang, const char *name,
		const char *addr);
/* A subject as pages show it: the archive's own (SUBJECT_NONE,
 * SUBJECT_REMOVED) in the page's language, any other as it is. */
const char *ar_subject_shown(const struct arender *r, const char *subject);
/* A message's Subject: as pages show it (subject_clean, list tag
 * removed, then ar_subject_shown); tmp holds what it returns. */
const char *ar_subject(const struct arender *r, const char *subject,
		       struct buf *tmp);
/* Sets the count `name` and, when the page's language puts a word after
 * it in the singular, the boolean `name_one` (English and Spanish: 1;
 * French: 0 and 1), so that a template says "1 message", "2 messages". */
void ar_set_count(const struct arender *r, struct tctx *c, const char *name,
		  long long n);
/* The file-name key of an author page: 16 base32 characters of a hash of
 * the address (never the address itself). */
void ar_author_key(const char *addr, char out[32]);
void ar_date(time_t t, struct buf *out);      /* 2024-01-31 12:00 UTC */
void ar_iso_date(time_t t, struct buf *out);  /* 2024-01-31T12:00:00Z */
/* Sets name to t as ar_date writes it, and "iso" to t in ISO 8601 (for
 * <time datetime>). */
void ar_set_date(struct tctx *c, const char *name, time_t t);
void ar_month(time_t t, char out[8]);         /* 2024-01 */

/* Renders a thread: its page, Atom feed and mbox, and the pages, raw
 * copies and attachments of its messages; only the message pages whose
 * flag in want (indexed like ix->msgs) is set, or all when want is NULL. */
void ar_thread(struct arender *r, const struct arch_index *ix, size_t ti,
	       const unsigned char *want);

/* Pages from the database summaries.  A month page ("YYYY-MM") is an
 * index of its days; a day page ("YYYY-MM-DD", written as MONTH/DD.html)
 * lists the threads active that day and its messages; an author has a
 * front page (recent posts, months) and a page per month. */
void ar_month_page(struct arender *r, const char *month);
void ar_day_page(struct arender *r, const char *day);
void ar_author_month_page(struct arender *r, const char *addr,
			  const char *month);
void ar_month_mbox(struct arender *r, const char *month);
/* Puts a new message m in its month's mbox: appended when it is the
 * month's last, else inserted in its place.  0, or 1 when the caller must
 * write the mbox whole (no file yet, or one that does not hold the
 * month's other messages). */
int ar_month_mbox_append(struct arender *r, const char *month,
			 const struct arch_msg *m);
void ar_author_page(struct arender *r, const char *addr);
void ar_list_page(struct arender *r);
void ar_list_feed(struct arender *r);
/* The network home (r prepared with li NULL). */
void ar_home(struct arender *r);

/* Appends one message in mboxrd form (From_ line, ">From " quoting, CRLF
 * turned into LF, a blank line after). */
void ar_mboxrd(const char *from, time_t when, const char *msg, size_t len,
	       struct buf *out);

#endif
