/* request.h: self-service by mail.  LIST-request@DOMAIN takes commands
 * (help, info, subscribe, unsubscribe, set digest|each|nomail, who) from
 * the Subject and from the first lines of the body; LIST-confirm+TOKEN
 * confirms a subscribe or unsubscribe (double opt-in); under the
 * confirm_then_approve policy an owner then approves by replying to
 * LIST-moderate+TOKEN, as for a held post.  Robots get no answer
 * (RFC 3834). */
#ifndef CONFER_REQUEST_H
#define CONFER_REQUEST_H

#include "core/buf.h"

struct site;
struct list_info;
struct spool_entry;
struct outcome;
struct token_row;

/* Mail to LIST-request (inside the runner's transaction).  0 or -1. */
int request_mail(struct site *site, const struct list_info *li,
		 const struct spool_entry *e, struct outcome *out);

/* Mail to LIST-confirm+TOKEN.  0 or -1. */
int request_confirm_mail(struct site *site, const struct list_info *li,
			 const struct spool_entry *e, const char *token,
			 struct outcome *out);

/* An owner's reply to an approval request (token kind "approve", found
 * by moderation_mail).  0 or -1. */
int request_approval_mail(struct site *site, const struct list_info *li,
			  const struct spool_entry *e, const char *token,
			  const struct token_row *row, struct outcome *out);

/* Expires requests nobody confirmed or approved in time.  0 or -1. */
int request_tick(struct site *site);

#endif
