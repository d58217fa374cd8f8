/* runner.c: one spool file at a time through classification and policy,
 * then deliveries and archive updates. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "admin/lists.h"
#include "archive/build.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "delivery/queue.h"
#include "intake/spool.h"
#include "mail/address.h"
#include "mail/header.h"
#include "policy/moderation.h"
#include "policy/post.h"
#include "policy/request.h"
#include "runner/runner.h"

/* Lists whose archive must be updated after this pass. */
struct dirty {
	char **names;
	size_t n;
};

static struct dirty dirty_lists;

static void mark_dirty(const char *list)
{
	size_t i;

	for (i = 0; i < dirty_lists.n; i++)
		if (!strcmp(dirty_lists.names[i], list))
			return;
	dirty_lists.names = xreallocarray(dirty_lists.names, dirty_lists.n + 1,
					  sizeof(char *));
	dirty_lists.names[dirty_lists.n++] = xstrdup(list);
}

static int already_done(sqlite3 *db, const char *name)
{
	return db_scalar(db, "SELECT count(*) FROM intake WHERE name = ?", name,
			 0) > 0;
}

static int record_intake(sqlite3 *db, const char *name, const char *outcome,
			 const char *reason)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT OR REPLACE INTO intake(name, "
				      "time, outcome, reason) VALUES (?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)clock_now());
	db_bind_text(st, 3, outcome);
	db_bind_text(st, 4, reason);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Moves a spool file aside (bad/ or kept/) with a NAME.reason file. */
static int set_aside(struct site *site, const char *path, const char *name,
		     const char *where, const char *reason)
{
	struct buf dst = BUF_INIT, rpath = BUF_INIT, text = BUF_INIT;
	int rc;

	path_join(&dst, site->spool_dir, where);
	path_join(&dst, "", name);
	buf_printf(&rpath, "%s.reason", dst.data);
	buf_printf(&text, "%s\n", reason);
	rc = write_file_durable(rpath.data, NULL, text.data, text.len, 0640);
	if (rc == 0 && link(path, dst.data) < 0 && errno != EEXIST)
		rc = -1;
	if (rc == 0) {
		buf_reset(&rpath);
		path_join(&rpath, site->spool_dir, where);
		rc = fsync_dir(rpath.data);
	}
	if (rc < 0)
		log_error("runner: cannot move \"%s\" to %s/: %s", name, where,
			  strerror(errno));
	buf_release(&dst);
	buf_release(&rpath);
	buf_release(&text);
	return rc;
}

static int handle_rcpt(struct site *site, const struct spool_entry *e,
		       const char *rcpt, const char *name, struct outcome *o)
{
	struct list_addr la;
	struct list_info li;
	int rc;

	if (list_addr_parse(rcpt, site->domain, site->delimiter, &la) < 0 ||
	    (rc = list_lookup(site->db, la.list, &li)) == 1) {
		o->what = "kept";
		buf_printf(&o->reason, "recipient %s is no list of this site",
			   rcpt);
		return 0;
	}
	if (rc < 0)
		return -1;
	if (la.kind == ADDR_POST)
		rc = post_handle(site, &li, e, name, o);
	else if (la.kind == ADDR_OWNER)
		rc = owner_handle(site, &li, e, name, o);
	else if (la.kind == ADDR_MODERATE)
		rc = moderation_mail(site, &li, e, la.ext, o);
	else if (la.kind == ADDR_REQUEST)
		rc = request_mail(site, &li, e, o);
	else if (la.kind == ADDR_CONFIRM)
		rc = request_confirm_mail(site, &li, e, la.ext, o);
	else {
		o->what = "kept";
		buf_printf(&o->reason, "mail to %s%s is kept for the work that "
			   "handles it", li.name, list_addr_suffix(la.kind));
	}
	if (rc == 0 && o->archive_dirty)
		mark_dirty(li.name);
	list_info_release(&li);
	return rc;
}

/* The recipient as logs and the intake table may show it: a token in a
 * sub-address (LIST-moderate+TOKEN) is a secret and is masked. */
static void rcpt_shown(const struct site *site, const char *rcpt,
		       struct buf *out)
{
	const char *d = strchr(rcpt, site->delimiter);
	const char *at = strrchr(rcpt, '@');
	struct list_addr la;

	buf_reset(out);
	if (!d || (at && d > at) ||
	    list_addr_parse(rcpt, site->domain, site->delimiter, &la) < 0 ||
	    (la.kind != ADDR_MODERATE && la.kind != ADDR_CONFIRM)) {
		buf_adds(out, rcpt);
		return;
	}
	buf_add(out, rcpt, (size_t)(d - rcpt) + 1);
	buf_adds(out, "...");
	if (at)
		buf_adds(out, at);
}

/* Decides every recipient; the worst outcome names the file's fate. */
static int decide(struct site *site, const char *path, const char *name,
		  const struct spool_entry *e, struct buf *summary,
		  const char **fate)
{
	struct outcome o;
	struct buf shown = BUF_INIT;
	size_t i;
	int rc = 0;

	*fate = NULL;
	for (i = 0; i < e->nrcpts && rc == 0; i++) {
		memset(&o, 0, sizeof(o));
		buf_init(&o.reason);
		rc = handle_rcpt(site, e, e->rcpts[i], name, &o);
		rcpt_shown(site, e->rcpts[i], &shown);
		if (rc == 0) {
			log_info("decision: rcpt=%s sender=<%s> outcome=%s "
				 "reason=\"%s\"", shown.data, e->sender, o.what,
				 o.reason.data);
			buf_printf(summary, "%s%s: %s (%s)", i ? "; " : "",
				   shown.data, o.what, o.reason.data);
			if (!strcmp(o.what, "quarantined"))
				*fate = "bad";
			else if (!strcmp(o.what, "kept") && !*fate)
				*fate = "kept";
		}
		buf_release(&o.reason);
	}
	buf_release(&shown);
	if (rc == 0 && *fate)
		rc = set_aside(site, path, name, *fate, summary->data);
	return rc;
}

static int quarantine_unreadable(struct site *site, const char *path,
				 const char *name, const char *why)
{
	log_warn("runner: quarantined \"%s\": %s", name, why);
	if (set_aside(site, path, name, "bad", why) < 0)
		return -1;
	if (db_begin(site->db) < 0)
		return -1;
	if (record_intake(site->db, name, "quarantined", why) < 0 ||
	    db_commit(site->db) < 0) {
		db_rollback(site->db);
		return -1;
	}
	return 0;
}

static int check_message(const struct spool_entry *e, const char **why)
{
	return mail_has_header(e->msg, e->msg_len, why);
}

int runner_process_file(struct site *site, const char *dir, const char *name)
{
	struct spool_entry e;
	struct buf path = BUF_INIT, err = BUF_INIT, summary = BUF_INIT;
	const char *why, *fate;
	int rc;

	path_join(&path, dir, name);
	log_set_msgid(name);
	if (already_done(site->db, name)) {
		rc = 0;	/* decided before a crash; only the unlink was lost */
	} else if (spool_read(path.data, (size_t)site->hard_max_size * 2, &e,
			      &err) < 0) {
		rc = quarantine_unreadable(site, path.data, name, err.data);
		spool_entry_release(&e);
	} else if (!check_message(&e, &why)) {
		rc = quarantine_unreadable(site, path.data, name, why);
		spool_entry_release(&e);
	} else {
		rc = db_begin(site->db);
		if (rc == 0)
			rc = decide(site, path.data, name, &e, &summary, &fate);
		if (rc == 0)
			rc = record_intake(site->db, name, fate ? fate : "done",
					   summary.data);
		if (rc == 0)
			rc = db_commit(site->db);
		if (rc < 0)
			db_rollback(site->db);
		spool_entry_release(&e);
	}
	if (rc == 0 && unlink(path.data) < 0 && errno != ENOENT)
		log_warn("runner: cannot remove \"%s\": %s", path.data,
			 strerror(errno));
	log_set_msgid(NULL);
	buf_release(&path);
	buf_release(&err);
	buf_release(&summary);
	return rc;
}

/* The names waiting in a folder, oldest (by name) first. */
static size_t waiting(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	size_t n = 0;

	*names = NULL;
	if (!d)
		return 0;
	while ((ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.')
			continue;
		*names = xreallocarray(*names, n + 1, sizeof(char *));
		(*names)[n++] = xstrdup(ent->d_name);
	}
	closedir(d);
	if (n)
		qsort(*names, n, sizeof(char *), strptr_cmp);
	return n;
}

/* One runner at a time handles the spool and one the queue, so that two
 * `confer run` never decide one file or send one delivery twice. */
static int take_lock(struct site *site, const char *name)
{
	struct buf p = BUF_INIT;
	int fd;

	path_join(&p, site->spool_dir, name);
	fd = open(p.data, O_RDWR | O_CREAT, 0660);
	buf_release(&p);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

long runner_process_spool(struct site *site, volatile int *stop)
{
	struct buf dir = BUF_INIT;
	char **names;
	size_t i, n;
	long done = 0;
	int lock = take_lock(site, ".spool.lock");

	if (lock < 0) {
		log_error("runner: cannot lock the spool: %s", strerror(errno));
		return -1;
	}
	path_join(&dir, site->spool_dir, "incoming/new");
	n = waiting(dir.data, &names);
	for (i = 0; i < n; i++) {
		if (!*stop && done >= 0) {
			if (runner_process_file(site, dir.data, names[i]) < 0)
				done = -1;	/* stop; keep the rest for later */
			else
				done++;
		}
		free(names[i]);
	}
	free(names);
	close(lock);
	buf_release(&dir);
	return done;
}

/* 0, -1, or ARCHIVE_BAD_TEMPLATES when that was a reason: the operator
 * has to act, not wait. */
static int update_archives(struct site *site)
{
	size_t i;
	int rc = 0, r;

	for (i = 0; i < dirty_lists.n; i++) {
		r = archive_build_list(site, dirty_lists.names[i]);
		if (r < 0) {
			log_error("archive: update of \"%s\" failed",
				  dirty_lists.names[i]);
			if (rc != ARCHIVE_BAD_TEMPLATES)
				rc = r;
		}
		free(dirty_lists.names[i]);
	}
	free(dirty_lists.names);
	dirty_lists.names = NULL;
	dirty_lists.n = 0;
	return rc;
}

int runner_step(struct site *site, volatile int *stop)
{
	int rc = 0, arc, lock;

	if (runner_process_spool(site, stop) < 0)
		rc = -1;
	/* held posts that expired, reminders, confirmations not made */
	if (moderation_tick(site) < 0 || request_tick(site) < 0)
		rc = -1;
	arc = update_archives(site);
	lock = take_lock(site, ".queue.lock");
	if (lock < 0) {
		log_error("runner: cannot lock the queue: %s", strerror(errno));
		return arc == ARCHIVE_BAD_TEMPLATES ? arc : -1;
	}
	if (queue_run(site, stop) < 0)
		rc = -1;
	close(lock);
	return arc < 0 ? arc : rc;
}
