/* db.c: opening the database, its schema and migrations, statement helpers. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"

/* Version 1: the main job's tables.  Later versions append migrations
 * below; a database is always walked forward one version at a time. */
static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE lists("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" parent_id INTEGER REFERENCES lists(id),"
	" description TEXT NOT NULL DEFAULT '',"
	" language TEXT NOT NULL DEFAULT 'en',"
	" subject_tag INTEGER NOT NULL DEFAULT 1,"
	" footer TEXT NOT NULL DEFAULT '',"
	" max_size INTEGER NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE persons("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL DEFAULT '',"
	" organisation TEXT NOT NULL DEFAULT '',"
	" country TEXT NOT NULL DEFAULT '',"
	" languages TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);"
	"CREATE TABLE addresses("
	" id INTEGER PRIMARY KEY,"
	" person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	" address TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX addresses_person ON addresses(person_id);"
	"CREATE TABLE subscriptions("
	" list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	" person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,"
	" address_id INTEGER NOT NULL REFERENCES addresses(id),"
	" role TEXT NOT NULL DEFAULT 'member'"
	"  CHECK(role IN ('member','moderator','owner')),"
	" delivery TEXT NOT NULL DEFAULT 'each'"
	"  CHECK(delivery IN ('each','digest','nomail')),"
	" moderated INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" PRIMARY KEY(list_id, person_id));"
	"CREATE INDEX subscriptions_person ON subscriptions(person_id);"
	"CREATE TABLE messages("
	" id INTEGER PRIMARY KEY,"
	" list_id INTEGER NOT NULL REFERENCES lists(id),"
	" permalink TEXT NOT NULL,"
	" message_id TEXT NOT NULL,"
	" id_generated INTEGER NOT NULL DEFAULT 0,"
	" content_hash TEXT NOT NULL,"
	" received INTEGER NOT NULL,"
	" date INTEGER,"
	" from_name TEXT NOT NULL DEFAULT '',"
	" from_addr TEXT NOT NULL DEFAULT '',"
	" subject TEXT NOT NULL DEFAULT '',"
	" in_reply_to TEXT,"
	" refs TEXT,"
	" size INTEGER NOT NULL,"
	" path TEXT NOT NULL,"
	" UNIQUE(list_id, permalink),"
	" UNIQUE(list_id, message_id, content_hash));"
	"CREATE INDEX messages_received ON messages(list_id, received);"
	"CREATE INDEX messages_hash ON messages(content_hash);"
	"CREATE TABLE intake("
	" name TEXT PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" outcome TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE deliveries("
	" id INTEGER PRIMARY KEY,"
	" message_id INTEGER REFERENCES messages(id),"
	" copy_path TEXT NOT NULL,"
	" sender TEXT NOT NULL,"
	" rcpt TEXT NOT NULL COLLATE NOCASE,"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK(state IN ('queued','sent','failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_try INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" last_code INTEGER,"
	" last_text TEXT);"
	"CREATE INDEX deliveries_due ON deliveries(state, next_try);"
	"CREATE UNIQUE INDEX deliveries_once ON deliveries(copy_path, rcpt);"
	"CREATE INDEX deliveries_message ON deliveries(message_id, rcpt);"
	"CREATE TABLE replies("
	" address TEXT NOT NULL COLLATE NOCASE,"
	" kind TEXT NOT NULL,"
	" day INTEGER NOT NULL,"
	" PRIMARY KEY(address, kind, day));"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" list TEXT NOT NULL DEFAULT '',"
	" action TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '');";

/* Version 2: moderation and self-service by mail (issue 3): list
 * settings, accept/deny lists, held posts, tokens (stored hashed) and
 * subscription requests. */
static const char schema_v2[] =
	"ALTER TABLE lists ADD COLUMN moderated INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE lists ADD COLUMN nonmember_posts TEXT NOT NULL"
	" DEFAULT 'hold' CHECK(nonmember_posts IN ('hold','reject','discard'));"
	"ALTER TABLE lists ADD COLUMN moderate_new_members INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE lists ADD COLUMN subscription_policy TEXT NOT NULL"
	" DEFAULT 'confirm_then_approve' CHECK(subscription_policy IN"
	" ('open','confirm_then_approve','closed'));"
	"ALTER TABLE lists ADD COLUMN notify_owners INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE subscriptions ADD COLUMN posts INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE access("
	" list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	" pattern TEXT NOT NULL COLLATE NOCASE,"
	" kind TEXT NOT NULL CHECK(kind IN ('accept','deny')),"
	" PRIMARY KEY(list_id, pattern, kind));"
	"CREATE TABLE held("
	" id INTEGER PRIMARY KEY,"
	" list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	" path TEXT NOT NULL,"
	" sender TEXT NOT NULL,"
	" from_addr TEXT NOT NULL,"
	" subject TEXT NOT NULL DEFAULT '',"
	" size INTEGER NOT NULL,"
	" reason TEXT NOT NULL,"
	" received INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'held' CHECK(state IN"
	"  ('held','approved','rejected','discarded','expired')),"
	" decided_by TEXT, decided_at INTEGER, decision_reason TEXT);"
	"CREATE INDEX held_state ON held(state, list_id);"
	"CREATE TABLE tokens("
	" hash TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK(kind IN ('moderate','confirm','approve')),"
	" list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	" target INTEGER NOT NULL,"
	" address TEXT NOT NULL COLLATE NOCASE,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" used INTEGER);"
	"CREATE TABLE requests("
	" id INTEGER PRIMARY KEY,"
	" list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK(kind IN ('subscribe','unsubscribe')),"
	" address TEXT NOT NULL COLLATE NOCASE,"
	" requested_by TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'confirming' CHECK(state IN"
	"  ('confirming','approving','done','refused','expired')),"
	" created INTEGER NOT NULL,"
	" decided_by TEXT, decided_at INTEGER);";

/* Version 3: the archive's own state (issue 4), so that adding a message
 * re-renders only what it touches: each message's thread, whether it was
 * removed, the ids messages refer to (to find the threads a new message
 * joins), and per-thread, per-month and per-author summaries. */
static const char schema_v3[] =
	"ALTER TABLE messages ADD COLUMN thread_id TEXT;"
	"ALTER TABLE messages ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN removed_reason TEXT NOT NULL"
	" DEFAULT '';"
	"CREATE INDEX messages_thread ON messages(list_id, thread_id);"
	"CREATE INDEX messages_from ON messages(list_id, from_addr);"
	"CREATE INDEX messages_msgid ON messages(list_id, message_id);"
	"CREATE INDEX messages_unthreaded ON messages(list_id)"
	" WHERE thread_id IS NULL;"
	"CREATE TABLE arch_refs("
	" list_id INTEGER NOT NULL,"
	" msgid TEXT NOT NULL,"
	" message INTEGER NOT NULL,"
	" PRIMARY KEY(list_id, msgid, message)) WITHOUT ROWID;"
	"CREATE TABLE arch_threads("
	" list_id INTEGER NOT NULL,"
	" thread_id TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" count INTEGER NOT NULL,"
	" first INTEGER NOT NULL,"
	" last INTEGER NOT NULL,"
	" participants TEXT NOT NULL,"
	" PRIMARY KEY(list_id, thread_id));"
	"CREATE INDEX arch_threads_last ON arch_threads(list_id, last);"
	"CREATE INDEX arch_threads_first ON arch_threads(list_id, first,"
	" thread_id);"
	"CREATE TABLE arch_months("
	" list_id INTEGER NOT NULL,"
	" month TEXT NOT NULL,"
	" count INTEGER NOT NULL,"
	" PRIMARY KEY(list_id, month));";

/* Version 4: the envelope a message arrived with is kept with it. */
static const char schema_v4[] =
	"ALTER TABLE messages ADD COLUMN env_sender TEXT;"
	"ALTER TABLE messages ADD COLUMN env_rcpt TEXT;";

static const char *migrations[] = { NULL, schema_v1, schema_v2, schema_v3,
				    schema_v4 };

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("database: %s (in \"%.60s\")", sqlite3_errmsg(db), sql);
		return NULL;
	}
	return st;
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("database: %s (in \"%.60s\")", msg ? msg : "?", sql);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
	return db_exec(db, "COMMIT");
}

void db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	return sqlite3_bind_null(st, i);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

long long db_scalar(sqlite3 *db, const char *sql, const char *p1,
		    long long def)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	long long v = def;

	if (!st)
		return def;
	if (p1)
		db_bind_text(st, 1, p1);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

void db_event(sqlite3 *db, const char *actor, const char *list,
	      const char *action, const char *detail)
{
	sqlite3_stmt *st = db_prepare(db,
		"INSERT INTO events(time, actor, list, action, detail) "
		"VALUES (?, ?, ?, ?, ?)");

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
	db_bind_text(st, 2, actor);
	db_bind_text(st, 3, list ? list : "");
	db_bind_text(st, 4, action);
	db_bind_text(st, 5, detail ? detail : "");
	if (sqlite3_step(st) != SQLITE_DONE)
		log_error("database: cannot record event: %s",
			  sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

static int schema_version(sqlite3 *db)
{
	if (db_scalar(db, "SELECT count(*) FROM sqlite_master WHERE "
		      "type = 'table' AND name = 'meta'", NULL, 0) == 0)
		return 0;
	return (int)db_scalar(db, "SELECT CAST(value AS INTEGER) FROM meta "
			      "WHERE key = 'schema_version'", NULL, 0);
}

static int migrate(sqlite3 *db, const char *path)
{
	int v;
	char sql[96];

	/* the common case, without taking the write lock */
	if (schema_version(db) == DB_SCHEMA_VERSION)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	v = schema_version(db);
	if (v > DB_SCHEMA_VERSION) {
		fprintf(stderr, "confer: database \"%s\" has schema version %d, "
			"newer than this confer (%d)\n", path, v,
			DB_SCHEMA_VERSION);
		db_rollback(db);
		return -1;
	}
	for (; v < DB_SCHEMA_VERSION; v++) {
		if (db_exec(db, migrations[v + 1]) < 0)
			goto fail;
		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta(key, "
			 "value) VALUES ('schema_version', '%d')", v + 1);
		if (db_exec(db, sql) < 0)
			goto fail;
	}
	return db_commit(db);
fail:
	fprintf(stderr, "confer: cannot migrate database \"%s\" to version %d\n",
		path, v + 1);
	db_rollback(db);
	return -1;
}

static int set_wal(sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA journal_mode");
	int wal = 0;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		wal = !strcmp(db_col_text(st, 0), "wal");
	sqlite3_finalize(st);
	return wal ? 0 : db_exec(db, "PRAGMA journal_mode = WAL");
}

int db_open(sqlite3 **db, const char *path)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "confer: cannot open database \"%s\": %s\n", path,
			*db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(*db, 30000);
	if (set_wal(*db) < 0 ||
	    db_exec(*db, "PRAGMA foreign_keys = ON") < 0 ||
	    db_exec(*db, "PRAGMA synchronous = FULL") < 0 ||
	    migrate(*db, path) < 0) {
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

/* Statements on hot paths (one per imported message or rendered page) are
 * prepared once per connection: preparing costs more than running them.
 * The key is the SQL text's address, so callers pass string literals. */
#define DB_CACHE_SLOTS 64

static struct cached_stmt {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
} stmt_cache[DB_CACHE_SLOTS];

sqlite3_stmt *db_cached(sqlite3 *db, const char *sql)
{
	struct cached_stmt *free_slot = NULL;
	size_t i;

	for (i = 0; i < DB_CACHE_SLOTS; i++) {
		struct cached_stmt *c = &stmt_cache[i];
		if (c->db == db && c->sql == sql) {
			sqlite3_reset(c->st);
			sqlite3_clear_bindings(c->st);
			return c->st;
		}
		if (!c->db && !free_slot)
			free_slot = c;
	}
	if (!free_slot)
		die("database: more than %d cached statements", DB_CACHE_SLOTS);
	free_slot->st = db_prepare(db, sql);
	if (!free_slot->st)
		return NULL;
	free_slot->db = db;
	free_slot->sql = sql;
	return free_slot->st;
}

void db_close(sqlite3 *db)
{
	size_t i;

	for (i = 0; i < DB_CACHE_SLOTS; i++)
		if (stmt_cache[i].db == db) {
			sqlite3_finalize(stmt_cache[i].st);
			memset(&stmt_cache[i], 0, sizeof(stmt_cache[i]));
		}
	sqlite3_close(db);
}
