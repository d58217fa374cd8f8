/* token.h: single-use secrets carried in addresses (LIST-moderate+TOKEN,
 * LIST-confirm+TOKEN).  A token is 128 bits from libsodium written as 26
 * lowercase base32 characters (MTAs and clients may change the case of a
 * local part; parsing lowercases it).  Only a SHA-256 of the token is
 * stored, so the database never holds a usable token; tokens are never
 * logged. */
#ifndef CONFER_TOKEN_H
#define CONFER_TOKEN_H

#include <sqlite3.h>
#include <time.h>

#include "core/buf.h"

#define TOKEN_CHARS 26

/* What a token stands for. */
struct token_row {
	char kind[16];        /* "moderate", "confirm", "approve" */
	long long list_id;
	long long target;     /* held.id or requests.id */
	char address[256];    /* whom it was sent to */
	time_t expires;
	time_t used;          /* 0 while unused */
};

/* Is s shaped like a token (26 base32 characters, either case)? */
int token_well_formed(const char *s);

/* Makes a new token (appended to out) and stores its hash with what it
 * stands for, inside the caller's transaction.  0 or -1 (logged). */
int token_create(sqlite3 *db, const char *kind, long long list_id,
		 long long target, const char *address, time_t expires,
		 struct buf *out);

/* Finds a token of `kind`: 0 found (row filled, used or not, expired or
 * not: the caller decides what to say), 1 unknown, -1 database error. */
int token_lookup(sqlite3 *db, const char *token, const char *kind,
		 struct token_row *row);

/* Marks a token used (single use).  Returns 0 when this call used it, 1
 * when it was already used, -1 on error.  Inside the caller's transaction. */
int token_use(sqlite3 *db, const char *token);

/* Marks every unused token for target used (its object was decided by
 * other means).  0 or -1. */
int token_retire(sqlite3 *db, const char *kind, long long target);

#endif
