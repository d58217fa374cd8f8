/* build.h: generating a list's static archive from the store and the
 * database, fully or by updating only what new messages touch. */
#ifndef CONFER_BUILD_H
#define CONFER_BUILD_H

struct site;

/* What the builds below return, beside 0 and -1, when a template (the
 * site's own, or a default one) cannot be parsed: nothing was written,
 * and only fixing the template helps (logged with its file and line). */
#define ARCHIVE_BAD_TEMPLATES (-2)

/* Brings the archive of one list up to date: when it has been built
 * before, only the messages not yet threaded are added and only the pages
 * they touch are rendered (their threads, the threads next to them, their
 * months and authors, the list's front page and feed, the home page);
 * otherwise the list is rebuilt.  Returns 0, -1 or ARCHIVE_BAD_TEMPLATES
 * (logged). */
int archive_build_list(struct site *site, const char *list);

/* Rebuilds one list from scratch (pages whose content did not change are
 * not rewritten) and the home page.  0, -1 or ARCHIVE_BAD_TEMPLATES
 * (logged). */
int archive_rebuild_list(struct site *site, const char *list);

/* Marks the archive of one list as to be built again in full, by the
 * next build of it (archive_build_list, the runner's archive_catch_up):
 * for a change, such as the list's language, that every page shows.
 * 0 or -1 (logged). */
int archive_mark_stale(struct site *site, const char *list);

/* Rebuilds every list and the network home page.  0, -1 or
 * ARCHIVE_BAD_TEMPLATES. */
int archive_build_all(struct site *site);

/* Brings up to date every list whose archive is behind: a build that did
 * not finish, or messages recorded but not archived yet.  0, -1 or
 * ARCHIVE_BAD_TEMPLATES. */
int archive_catch_up(struct site *site);

/* Takes a message out of the archive of list (every list when NULL): id
 * is a permalink id or a message page's address (one message), or a
 * Message-ID without <> (every message with it).  A placeholder keeps its
 * place in the thread and its permalink; the removal and reason go to the
 * event log.  With purge, the row also forgets the sender, the subject and
 * the envelope, and the stored original is deleted (for a message already
 * removed too).  Returns the number of messages removed, or -1 (logged),
 * or ARCHIVE_BAD_TEMPLATES when the removal is recorded (and a purge done)
 * but the pages could not be updated; when none was, *already (if not
 * NULL) says how many the id names that were removed before. */
int archive_remove(struct site *site, const char *list, const char *id,
		   const char *reason, int purge, int *already);

#endif
