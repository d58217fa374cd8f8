/* moderation.h: deciding held posts -- by a moderator's reply to a
 * LIST-moderate+TOKEN address, or by `confer mod` -- and the runner's
 * periodic work: expiring held posts, daily reminders, removing the
 * originals of decided posts.
 *
 * A decision happens inside one BEGIN IMMEDIATE transaction and reads the
 * held post's state after taking the lock, so of two moderators (or two
 * runners) deciding at once exactly one decides and the other is told who
 * did. */
#ifndef CONFER_MODERATION_H
#define CONFER_MODERATION_H

#include <sqlite3.h>
#include <time.h>

#include "core/buf.h"
#include "policy/reply_parse.h"

struct site;
struct list_info;
struct spool_entry;
struct outcome;
struct mt_var;

struct held_row {
	long long id, list_id, size;
	time_t received, expires, decided_at;
	char *list, *path, *sender, *from_addr, *subject, *reason, *state,
	     *decided_by, *decision_reason;
};

/* Loads held post id: 0, 1 when there is none, -1 on error.  Free with
 * held_row_release. */
int held_load(sqlite3 *db, long long id, struct held_row *h);
void held_row_release(struct held_row *h);

/* Calls fn for each held post (state 'held'), of one list or of all
 * (list NULL), oldest first.  0 or -1. */
int held_each(sqlite3 *db, const char *list,
	      void (*fn)(const struct held_row *h, void *arg), void *arg);

/* Decides held post id as `actor` (an address or "admin"), inside the
 * caller's transaction.  Returns 0 when this call decided it, 1 when it
 * was already decided (who and when appended to info), 2 when there is
 * no such post, -1 on a temporary failure.  *archive_dirty is set when
 * an approved post changed the archive. */
int moderation_decide(struct site *site, long long id, enum mod_command cmd,
		      const char *actor, const char *reason, struct buf *info,
		      int *archive_dirty);

/* Mail to LIST-moderate+TOKEN (inside the runner's transaction). */
int moderation_mail(struct site *site, const struct list_info *li,
		    const struct spool_entry *e, const char *token,
		    struct outcome *out);

/* Expires held posts past their time (telling the sender), sends one
 * reminder a day to moderators while posts wait, removes the originals
 * of decided posts.  0 or -1 (logged). */
int moderation_tick(struct site *site);

/* Sends confer's answer about e from LIST-owner to `to`, or to e's
 * envelope sender when to is NULL (the sender already known not to be a
 * robot).  With limit_kind, at most one such answer a day per address.
 * 0 or -1. */
int moderation_answer(struct site *site, const struct list_info *li,
		      const struct spool_entry *e, const char *to,
		      const char *limit_kind, const char *subject,
		      const char *body);

/* moderation_answer with the subject and text of mail template `name`
 * (mailtext.h) in the list's language.  0 or -1. */
int moderation_answer_text(struct site *site, const struct list_info *li,
			   const struct spool_entry *e, const char *to,
			   const char *limit_kind, const char *name,
			   const struct mt_var *vars);

#endif
