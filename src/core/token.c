/* token.c: creating, finding and spending single-use tokens. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "archive/store.h"
#include "core/clock.h"
#include "core/db.h"
#include "core/log.h"
#include "core/token.h"
#include "core/util.h"

int token_well_formed(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '2' && c <= '7')))
			return 0;
	}
	return i == TOKEN_CHARS;
}

/* The stored form: hex SHA-256 of the lowercased token.  Lookups go by
 * this hash, so no comparison ever touches the secret itself. */
static void token_hash(const char *token, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char low[TOKEN_CHARS + 1];

	snprintf(low, sizeof(low), "%s", token);
	ascii_lower(low);
	crypto_hash_sha256(h, (const unsigned char *)low, strlen(low));
	sodium_bin2hex(hex, 65, h, sizeof(h));
	sodium_memzero(low, sizeof(low));
}

int token_create(sqlite3 *db, const char *kind, long long list_id,
		 long long target, const char *address, time_t expires,
		 struct buf *out)
{
	unsigned char raw[16];
	struct buf tok = BUF_INIT;
	char hex[65];
	sqlite3_stmt *st;
	int rc;

	randombytes_buf(raw, sizeof(raw));
	base32_lower(raw, sizeof(raw), TOKEN_CHARS, &tok);
	sodium_memzero(raw, sizeof(raw));
	token_hash(tok.data, hex);
	st = db_prepare(db, "INSERT INTO tokens(hash, kind, list_id, target, "
			"address, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st) {
		buf_release(&tok);
		return -1;
	}
	db_bind_text(st, 1, hex);
	db_bind_text(st, 2, kind);
	sqlite3_bind_int64(st, 3, list_id);
	sqlite3_bind_int64(st, 4, target);
	db_bind_text(st, 5, address);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)clock_now());
	sqlite3_bind_int64(st, 7, (sqlite3_int64)expires);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		buf_add(out, tok.data, tok.len);
	else
		log_error("token: cannot store: %s", sqlite3_errmsg(db));
	buf_release(&tok);
	return rc == SQLITE_DONE ? 0 : -1;
}

int token_lookup(sqlite3 *db, const char *token, const char *kind,
		 struct token_row *row)
{
	sqlite3_stmt *st;
	char hex[65];
	int rc;

	memset(row, 0, sizeof(*row));
	if (!token_well_formed(token))
		return 1;
	token_hash(token, hex);
	st = db_prepare(db, "SELECT kind, list_id, target, address, expires, "
			"coalesce(used, 0) FROM tokens WHERE hash = ? AND kind = ?");
	if (!st)
		return -1;
	db_bind_text(st, 1, hex);
	db_bind_text(st, 2, kind);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(row->kind, sizeof(row->kind), "%s", db_col_text(st, 0));
		row->list_id = sqlite3_column_int64(st, 1);
		row->target = sqlite3_column_int64(st, 2);
		snprintf(row->address, sizeof(row->address), "%s",
			 db_col_text(st, 3));
		row->expires = (time_t)sqlite3_column_int64(st, 4);
		row->used = (time_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int token_use(sqlite3 *db, const char *token)
{
	sqlite3_stmt *st;
	char hex[65];
	int rc;

	token_hash(token, hex);
	st = db_prepare(db, "UPDATE tokens SET used = ? WHERE hash = ? AND "
			"used IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
	db_bind_text(st, 2, hex);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) == 1 ? 0 : 1;
}

int token_retire(sqlite3 *db, const char *kind, long long target)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE tokens SET used = ? WHERE "
				      "kind = ? AND target = ? AND used IS NULL");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
	db_bind_text(st, 2, kind);
	sqlite3_bind_int64(st, 3, target);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
