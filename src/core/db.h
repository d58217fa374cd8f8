/* db.h: the SQLite database: opening (WAL, busy timeout, foreign keys),
 * the schema and its forward migrations, and small helpers around prepared
 * statements.  SQL is only ever run through prepared statements with bound
 * parameters. */
#ifndef CONFER_DB_H
#define CONFER_DB_H

#include <sqlite3.h>

#define DB_SCHEMA_VERSION 4

/* Opens or creates the database and migrates it to DB_SCHEMA_VERSION.
 * Returns 0, or -1 with the reason printed. */
int db_open(sqlite3 **db, const char *path);
void db_close(sqlite3 *db);

/* Prepares sql; on failure logs the SQLite error and returns NULL. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
/* Like db_prepare for a statement run again and again: prepared once per
 * connection and kept until db_close, returned reset with no bindings.
 * sql must be a string literal (its address is the key).  The caller never
 * finalizes it, and resets it (sqlite3_reset) when it stops stepping
 * before SQLITE_DONE, so that it holds no read transaction open. */
sqlite3_stmt *db_cached(sqlite3 *db, const char *sql);
/* Runs a statement without results (no parameters).  0 or -1 (logged). */
int db_exec(sqlite3 *db, const char *sql);
/* BEGIN IMMEDIATE: takes the write lock before anything is read. */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* Binds text (NULL binds SQL NULL); returns sqlite3_bind_*'s code. */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Column as a string, never NULL ("" for SQL NULL); valid until the next
 * step or finalize. */
const char *db_col_text(sqlite3_stmt *st, int i);

/* Runs a statement that returns one integer (e.g. SELECT count(*)), with
 * optional text parameter p1.  Returns the value, or `def` when no row. */
long long db_scalar(sqlite3 *db, const char *sql, const char *p1,
		    long long def);

/* Records an administrative or mail event in the log table. */
void db_event(sqlite3 *db, const char *actor, const char *list,
	      const char *action, const char *detail);

#endif
