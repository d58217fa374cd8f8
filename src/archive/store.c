/* store.c: message identity, permalinks and the original-message store. */
#define _GNU_SOURCE 1	/* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include <sodium.h>

#include "admin/lists.h"
#include "archive/store.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/log.h"
#include "core/site.h"
#include "core/util.h"
#include "mail/content.h"
#include "mail/header.h"

/* 16 base32 characters = 80 bits: collisions between different
 * Message-IDs in one list are not a practical concern, and a collision
 * would still be caught by the UNIQUE constraint. */
#define PERMALINK_CHARS 16

void stored_msg_init(struct stored_msg *sm)
{
	memset(sm, 0, sizeof(*sm));
	buf_init(&sm->message_id);
	buf_init(&sm->path);
}

void stored_msg_release(struct stored_msg *sm)
{
	buf_release(&sm->message_id);
	buf_release(&sm->path);
}

void base32_lower(const unsigned char *data, size_t len, size_t chars,
		  struct buf *out)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t bit = 0;

	while (chars-- > 0 && bit / 8 < len) {
		size_t byte = bit / 8, off = bit % 8;
		unsigned v = (unsigned)data[byte] << 8;
		if (byte + 1 < len)
			v |= data[byte + 1];
		buf_addc(out, alphabet[(v >> (11 - off)) & 31]);
		bit += 5;
	}
}

struct hash_ctx {
	crypto_hash_sha256_state st;
};

static int hash_field(const char *name, size_t nlen, const char *field,
		      size_t flen, void *arg)
{
	struct hash_ctx *h = arg;

	if (!header_is_trace(name, nlen))
		crypto_hash_sha256_update(&h->st, (const unsigned char *)field,
					  flen);
	return 0;
}

static void content_hash(const char *msg, size_t len, char *hex)
{
	struct hash_ctx h;
	unsigned char out[crypto_hash_sha256_BYTES];
	size_t hlen = header_block_len(msg, len);

	crypto_hash_sha256_init(&h.st);
	header_each(msg, len, hash_field, &h);
	crypto_hash_sha256_update(&h.st, (const unsigned char *)msg + hlen,
				  len - hlen);
	crypto_hash_sha256_final(&h.st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
}

static void message_id_of(const char *msg, size_t len, const char *domain,
			  const char *hash, struct buf *id, int *generated)
{
	struct buf v = BUF_INIT;

	*generated = 0;
	if (header_get(msg, len, "Message-ID", &v) == 0) {
		const char *lt = strchr(v.data, '<');
		const char *gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt && gt > lt + 1 && (size_t)(gt - lt) < 990 &&
		    !memchr(lt + 1, ' ', (size_t)(gt - lt - 1)))
			buf_add(id, lt + 1, (size_t)(gt - lt - 1));
		else if (!lt && v.len && v.len < 990 && strchr(v.data, '@') &&
			 !strchr(v.data, ' '))
			buf_add(id, v.data, v.len);
	}
	buf_release(&v);
	if (!id->len) {
		/* derived from the content, so that processing the same
		 * message again gives the same id */
		buf_printf(id, "confer.%.32s@%s", hash, domain);
		*generated = 1;
	}
}

static char *field_or_null(const char *msg, size_t len, const char *name)
{
	struct buf v = BUF_INIT;

	if (header_get(msg, len, name, &v) == 0)
		return buf_detach(&v, NULL);
	buf_release(&v);
	return NULL;
}

/* The header fields of the row: only the header block is parsed. */
static void row_fields(const char *msg, size_t len, struct msg_facts *f)
{
	struct content c;

	content_parse_headers(msg, header_block_len(msg, len), &c);
	f->date = c.date;
	f->from_name = c.from_name;
	f->from_addr = c.from_addr;
	f->subject = c.subject;
	c.from_name = c.from_addr = c.subject = NULL;
	content_release(&c);
	f->in_reply_to = field_or_null(msg, len, "In-Reply-To");
	f->references = field_or_null(msg, len, "References");
	f->size = len;
}

void msg_facts_read(const char *domain, const char *msg, size_t len,
		    struct msg_facts *f)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->message_id);
	content_hash(msg, len, f->content_hash);
	message_id_of(msg, len, domain, f->content_hash, &f->message_id,
		      &f->id_generated);
	row_fields(msg, len, f);
}

void msg_facts_release(struct msg_facts *f)
{
	buf_release(&f->message_id);
	free(f->from_name);
	free(f->from_addr);
	free(f->subject);
	free(f->in_reply_to);
	free(f->references);
	memset(f, 0, sizeof(*f));
}

static int lookup(sqlite3 *db, const char *sql, long long list_id,
		  const char *a, const char *b)
{
	sqlite3_stmt *st = db_cached(db, sql);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, a);
	if (b)
		db_bind_text(st, 3, b);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void permalink_compute(const char *msgid, const char *hash, char out[32])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	struct buf b = BUF_INIT;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"confer:", 7);
	crypto_hash_sha256_update(&st, (const unsigned char *)msgid,
				  strlen(msgid));
	if (hash) {
		crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
		crypto_hash_sha256_update(&st, (const unsigned char *)hash,
					  strlen(hash));
	}
	crypto_hash_sha256_final(&st, d);
	base32_lower(d, sizeof(d), PERMALINK_CHARS, &b);
	memcpy(out, b.data, b.len + 1);
	buf_release(&b);
}

int permalink_parse(const char *s, char out[32])
{
	const char *m = strstr(s, "/msg/");
	size_t n, i;

	if (m)
		s = m + 5;
	n = strcspn(s, ".");
	if (n != PERMALINK_CHARS || (m && strcmp(s + n, ".html") &&
				     strcmp(s + n, ".eml")) || (!m && s[n]))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
							s[i] <= '7')))
			return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

static void make_permalink(const char *msgid, const char *hash,
			   struct stored_msg *sm)
{
	permalink_compute(msgid, hash, sm->permalink);
}

/* LIST/YYYY-MM/PERMALINK.eml, the month being the one of receipt. */
static void store_path(const char *list, time_t received,
		       const char *permalink, struct buf *out)
{
	struct tm tm;

	gmtime_r(&received, &tm);
	buf_reset(out);
	buf_printf(out, "%s/%04d-%02d/%s.eml", list, tm.tm_year + 1900,
		   tm.tm_mon + 1, permalink);
}

int store_decide(sqlite3 *db, const struct list_info *li,
		 const struct msg_facts *f, time_t received,
		 struct stored_msg *sm)
{
	int rc;

	sm->received = received;
	memcpy(sm->content_hash, f->content_hash, sizeof(sm->content_hash));
	buf_reset(&sm->message_id);
	buf_add(&sm->message_id, f->message_id.data, f->message_id.len);
	sm->id_generated = f->id_generated;
	rc = lookup(db, "SELECT 1 FROM messages WHERE list_id = ? AND "
		    "message_id = ? AND content_hash = ?", li->id,
		    sm->message_id.data, sm->content_hash);
	if (rc < 0)
		return -1;
	sm->duplicate = rc;
	rc = lookup(db, "SELECT 1 FROM messages WHERE list_id = ? AND "
		    "message_id = ?", li->id, sm->message_id.data, NULL);
	if (rc < 0)
		return -1;
	/* the first message with an id gets the id's permalink; a different
	 * message reusing the id gets one that also covers its content */
	make_permalink(sm->message_id.data,
		       rc && !sm->duplicate ? sm->content_hash : NULL, sm);
	if (sm->duplicate)
		make_permalink(sm->message_id.data, NULL, sm);
	store_path(li->name, received, sm->permalink, &sm->path);
	return 0;
}

int store_identify(sqlite3 *db, const struct list_info *li,
		   const char *domain, const char *msg, size_t len,
		   time_t received, struct stored_msg *sm)
{
	struct msg_facts f;
	int rc;

	msg_facts_read(domain, msg, len, &f);
	rc = store_decide(db, li, &f, received, sm);
	msg_facts_release(&f);
	return rc;
}

int store_write(const struct site *site, const struct list_info *li,
		struct stored_msg *sm, const char *msg, size_t len)
{
	struct buf path = BUF_INIT, dir = BUF_INIT;
	int rc;

	(void)li;
	path_join(&path, site->store_dir, sm->path.data);
	buf_add(&dir, path.data, (size_t)(strrchr(path.data, '/') - path.data));
	rc = mkdir_p(dir.data, 02775);
	if (rc == 0)
		rc = write_file_durable(path.data, NULL, msg, len, 0640);
	if (rc < 0)
		log_error("store: cannot write \"%s\": %s", path.data,
			  strerror(errno));
	buf_release(&path);
	buf_release(&dir);
	return rc;
}

int store_insert_facts(sqlite3 *db, const struct list_info *li,
		       struct stored_msg *sm, const struct msg_facts *f)
{
	sqlite3_stmt *st = db_cached(db,
		"INSERT INTO messages(list_id, permalink, message_id, "
		"id_generated, content_hash, received, date, from_name, "
		"from_addr, subject, in_reply_to, refs, size, path) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	db_bind_text(st, 2, sm->permalink);
	db_bind_text(st, 3, sm->message_id.data);
	sqlite3_bind_int(st, 4, sm->id_generated);
	db_bind_text(st, 5, sm->content_hash);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)sm->received);
	if (f->date != (time_t)-1)
		sqlite3_bind_int64(st, 7, (sqlite3_int64)f->date);
	db_bind_text(st, 8, f->from_name);
	db_bind_text(st, 9, f->from_addr);
	db_bind_text(st, 10, f->subject);
	db_bind_text(st, 11, f->in_reply_to);
	db_bind_text(st, 12, f->references);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)f->size);
	db_bind_text(st, 14, sm->path.data);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		log_error("store: cannot record message <%s>: %s",
			  sm->message_id.data, sqlite3_errmsg(db));
	else
		sm->rowid = sqlite3_last_insert_rowid(db);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_insert(sqlite3 *db, const struct list_info *li,
		 struct stored_msg *sm, const char *msg, size_t len)
{
	struct msg_facts f;
	int rc;

	memset(&f, 0, sizeof(f));
	buf_init(&f.message_id);
	row_fields(msg, len, &f);
	rc = store_insert_facts(db, li, sm, &f);
	msg_facts_release(&f);
	return rc;
}

void store_permalink_url(const char *base_url, const char *list,
			 const char *permalink, struct buf *out)
{
	buf_printf(out, "%s%s/msg/%s.html", base_url, list, permalink);
}

int store_set_envelope(sqlite3 *db, long long rowid, const char *sender,
		       const char *rcpt)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE messages SET env_sender = ?, "
				      "env_rcpt = ? WHERE id = ?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, sender);
	db_bind_text(st, 2, rcpt);
	sqlite3_bind_int64(st, 3, rowid);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct settle_row {
	long long id;
	char hash[65];
	char old_link[32], new_link[32];
	char *old_path, *new_path;
};

static char *path_with_link(const char *path, const char *link)
{
	const char *slash = strrchr(path, '/');
	struct buf b = BUF_INIT;

	if (slash)
		buf_add(&b, path, (size_t)(slash - path) + 1);
	buf_printf(&b, "%s.eml", link);
	return buf_detach(&b, NULL);
}

/* Renames the stored originals in two steps (each to a temporary name,
 * then to its new one), so that two messages that swap permalinks never
 * overwrite each other. */
static int move_originals(const struct site *site, struct settle_row *r,
			  size_t n)
{
	struct buf from = BUF_INIT, to = BUF_INIT;
	size_t i;
	int rc = 0, step;

	for (step = 0; step < 2 && rc == 0; step++)
		for (i = 0; i < n && rc == 0; i++) {
			if (!strcmp(r[i].old_link, r[i].new_link))
				continue;
			buf_reset(&from);
			buf_reset(&to);
			path_join(&from, site->store_dir, r[i].old_path);
			if (step == 0) {
				buf_printf(&to, "%s.settle", from.data);
			} else {
				buf_adds(&from, ".settle");
				path_join(&to, site->store_dir, r[i].new_path);
			}
			if (rename(from.data, to.data) < 0) {
				log_error("store: cannot rename \"%s\": %s",
					  from.data, strerror(errno));
				rc = -1;
			}
		}
	buf_release(&from);
	buf_release(&to);
	return rc;
}

static int update_rows(sqlite3 *db, struct settle_row *r, size_t n)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE messages SET permalink = ?, "
				      "path = ? WHERE id = ?");
	size_t i;
	int rc = 0, step;

	if (!st)
		return -1;
	/* first free every permalink, then set the new ones: UNIQUE holds
	 * at each step */
	for (step = 0; step < 2 && rc == 0; step++)
		for (i = 0; i < n && rc == 0; i++) {
			struct buf tmp = BUF_INIT;
			buf_printf(&tmp, "settle-%lld", r[i].id);
			sqlite3_reset(st);
			db_bind_text(st, 1, step ? r[i].new_link : tmp.data);
			db_bind_text(st, 2, step ? r[i].new_path : r[i].old_path);
			sqlite3_bind_int64(st, 3, r[i].id);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = -1;
			buf_release(&tmp);
		}
	sqlite3_finalize(st);
	return rc;
}

static int settle_one(const struct site *site, const struct list_info *li,
		      const char *msgid)
{
	sqlite3_stmt *st = db_prepare(site->db, "SELECT id, content_hash, "
		"permalink, path FROM messages WHERE list_id = ? AND "
		"message_id = ? ORDER BY received, coalesce(date, received), "
		"content_hash, id");
	struct settle_row *r = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	db_bind_text(st, 2, msgid);
	while (sqlite3_step(st) == SQLITE_ROW && n < 1000) {
		r = xreallocarray(r, n + 1, sizeof(*r));
		memset(&r[n], 0, sizeof(*r));
		r[n].id = sqlite3_column_int64(st, 0);
		snprintf(r[n].hash, sizeof(r[n].hash), "%s", db_col_text(st, 1));
		snprintf(r[n].old_link, sizeof(r[n].old_link), "%s",
			 db_col_text(st, 2));
		r[n].old_path = xstrdup(db_col_text(st, 3));
		permalink_compute(msgid, n ? r[n].hash : NULL, r[n].new_link);
		r[n].new_path = path_with_link(r[n].old_path, r[n].new_link);
		n++;
	}
	sqlite3_finalize(st);
	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(r[i].old_link, r[i].new_link))
			break;
	if (i < n) {
		rc = move_originals(site, r, n);
		if (rc == 0)
			rc = update_rows(site->db, r, n);
	}
	for (i = 0; i < n; i++) {
		free(r[i].old_path);
		free(r[i].new_path);
	}
	free(r);
	return rc;
}

int store_settle_shared_ids(const struct site *site,
			    const struct list_info *li, long long since_rowid)
{
	/* the ids shared by several messages, all of them new: looked up
	 * from the new rows only (rowid range), not by grouping the list */
	sqlite3_stmt *st = db_prepare(site->db, "SELECT DISTINCT n.message_id "
		"FROM messages n WHERE n.id > ?2 AND +n.list_id = ?1 AND "
		"NOT EXISTS (SELECT 1 FROM messages o INDEXED BY messages_msgid "
		"WHERE o.list_id = ?1 AND o.message_id = n.message_id AND "
		"o.id <= ?2) AND (SELECT count(*) FROM messages c INDEXED BY "
		"messages_msgid WHERE c.list_id = ?1 AND "
		"c.message_id = n.message_id) > 1 ORDER BY n.message_id");
	char **ids = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, li->id);
	sqlite3_bind_int64(st, 2, since_rowid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof(char *));
		ids[n++] = xstrdup(db_col_text(st, 0));
	}
	sqlite3_finalize(st);
	if (n && db_begin(site->db) < 0)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = settle_one(site, li, ids[i]);
	if (n && rc == 0 && db_commit(site->db) < 0)
		rc = -1;
	if (rc < 0)
		db_rollback(site->db);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return rc;
}
