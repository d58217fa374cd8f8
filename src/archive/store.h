/* store.h: the archive store: each accepted message's original bytes (in
 * STORE/LIST/YYYY-MM/PERMALINK.eml) and its row in the messages table,
 * with the permalink that Archived-At gives members for ever. */
#ifndef CONFER_STORE_H
#define CONFER_STORE_H

#include <sqlite3.h>
#include <time.h>

#include "core/buf.h"

struct site;
struct list_info;

struct stored_msg {
	long long rowid;       /* 0 until inserted */
	char permalink[32];
	struct buf message_id; /* without <> */
	int id_generated;      /* the message had no usable Message-ID */
	char content_hash[65]; /* hex SHA-256 of the message minus trace fields */
	struct buf path;       /* relative to the store folder */
	time_t received;
	int duplicate;         /* already stored: same id and content */
};

void stored_msg_init(struct stored_msg *sm);
void stored_msg_release(struct stored_msg *sm);

/* What a message's row holds that its bytes alone tell (no database):
 * worked out apart from the database so that an import can do it in
 * another process. */
struct msg_facts {
	char content_hash[65];
	struct buf message_id; /* without <>; derived from the content when
				* the message has no usable one */
	int id_generated;
	time_t date;           /* of the Date: field; -1 when unusable */
	char *from_name, *from_addr, *subject;  /* decoded, UTF-8 */
	char *in_reply_to, *references;         /* raw; NULL when absent */
	size_t size;
};

void msg_facts_read(const char *domain, const char *msg, size_t len,
		    struct msg_facts *f);
void msg_facts_release(struct msg_facts *f);

/* store_identify's database half, for facts already read.  0 or -1. */
int store_decide(sqlite3 *db, const struct list_info *li,
		 const struct msg_facts *f, time_t received,
		 struct stored_msg *sm);
/* store_insert for facts already read.  0 or -1. */
int store_insert_facts(sqlite3 *db, const struct list_info *li,
		       struct stored_msg *sm, const struct msg_facts *f);

/* Works out the message's identity in list li: its Message-ID (a message
 * without one gets one derived from its content), content hash, whether it
 * is a duplicate, and its permalink (from the Message-ID; from the
 * Message-ID and the content when another message already has that id).
 * Reads only.  Returns 0 or -1 (database error, logged). */
int store_identify(sqlite3 *db, const struct list_info *li,
		   const char *domain, const char *msg, size_t len,
		   time_t received, struct stored_msg *sm);

/* Writes the original durably into the store (idempotent).  0 or -1. */
int store_write(const struct site *site, const struct list_info *li,
		struct stored_msg *sm, const char *msg, size_t len);

/* Bulk mode (mbox import): store_write_batch writes without an fsync per
 * file; store_sync makes every file written so far durable (one syncfs of
 * the store's file system) and must be called before the transaction that
 * records them commits.  0 or -1 (logged). */
int store_write_batch(const struct site *site, struct stored_msg *sm,
		      const char *msg, size_t len);
int store_sync(const struct site *site);
/* From start to stop, store_write_batch hands the originals to a thread
 * that writes them while the caller goes on; store_sync waits for it.
 * start: 0, or -1 when no thread could be started (writes stay in the
 * caller's thread).  stop: 0, or -1 when a write failed (logged). */
int store_batch_async_start(void);
int store_batch_async_stop(void);

/* Inserts the message row (inside the caller's transaction).  0 or -1. */
int store_insert(sqlite3 *db, const struct list_info *li,
		 struct stored_msg *sm, const char *msg, size_t len);

/* Records the envelope the message arrived with (inside the caller's
 * transaction, after store_insert).  0 or -1. */
int store_set_envelope(sqlite3 *db, long long rowid, const char *sender,
		       const char *rcpt);

/* After an import: where two or more different messages of li share a
 * Message-ID and all were stored after row since_rowid (so no permalink of
 * theirs has been published yet), gives the id's own permalink to the one
 * that reached the list first (the smallest content hash among those
 * received in the same second) and the content-derived ones to the
 * others, so that the result does not depend on the import order.  Moves
 * their stored originals accordingly.  0 or -1 (logged). */
int store_settle_shared_ids(const struct site *site,
			    const struct list_info *li, long long since_rowid);

/* The message's permanent URL: BASE/LIST/msg/PERMALINK.html */
void store_permalink_url(const char *base_url, const char *list,
			 const char *permalink, struct buf *out);

/* The permalink id of a Message-ID (and of its content hash when not
 * NULL): 16 lowercase base32 characters of a SHA-256. */
void permalink_compute(const char *msgid, const char *hash, char out[32]);

/* Whether s is a permalink id, or the address of a message page or raw
 * message (".../msg/ID.html", ".../msg/ID.eml"); the id goes to out. */
int permalink_parse(const char *s, char out[32]);

/* Lowercase RFC 4648 base32 of the first bytes of data, `chars` long. */
void base32_lower(const unsigned char *data, size_t len, size_t chars,
		  struct buf *out);

#endif
