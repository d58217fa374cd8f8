/* cmd_mod.c: `confer mod` (held posts), `confer log` (who did what), and
 * the list and member settings added with moderation: `list set`,
 * `list accept|deny`, `member set`. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/listset.h"
#include "admin/lists.h"
#include "archive/build.h"
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/site.h"
#include "core/util.h"
#include "policy/hold.h"
#include "policy/moderation.h"

static void when(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

static void print_held(const struct held_row *h, void *arg)
{
	char w[32];

	(void)arg;
	when(h->received, w, sizeof(w));
	printf("%-5lld %-16s %s  %-30s %s\n", h->id, h->list, w, h->from_addr,
	       h->subject);
}

static int mod_list(struct site *site, const char *list)
{
	struct list_info li;

	if (list && list_lookup(site->db, list, &li) != 0) {
		fprintf(stderr, "confer mod: list \"%s\" does not exist\n", list);
		return 67;
	}
	if (list)
		list_info_release(&li);
	return held_each(site->db, list, print_held, NULL) < 0 ? 75 : 0;
}

static int parse_id(const char *s, long long *id)
{
	long v;

	if (parse_long(s, 1, 2147483647L, &v) < 0) {
		fprintf(stderr, "confer mod: \"%s\" is not a held post id\n", s);
		return -1;
	}
	*id = v;
	return 0;
}

static int mod_show(struct site *site, long long id)
{
	struct held_row h;
	struct buf raw = BUF_INIT, path = BUF_INIT, text = BUF_INIT;
	char r[32], x[32];
	int rc = held_load(site->db, id, &h);

	if (rc != 0) {
		fprintf(stderr, "confer mod: no held post #%lld\n", id);
		return rc < 0 ? 75 : 67;
	}
	when(h.received, r, sizeof(r));
	when(h.expires, x, sizeof(x));
	printf("id: %lld\nlist: %s\nstate: %s\nfrom: %s\nsender: %s\n"
	       "subject: %s\nreason: %s\nsize: %lld\nreceived: %s UTC\n"
	       "expires: %s UTC\n", h.id, h.list, h.state, h.from_addr,
	       h.sender[0] ? h.sender : "<>", h.subject, h.reason, h.size, r, x);
	if (h.decided_by[0])
		printf("decided by: %s\n", h.decided_by);
	path_join(&path, site->spool_dir, h.path);
	if (h.path[0] && read_file(path.data, (size_t)site->hard_max_size * 2,
				   &raw) == 0) {
		hold_excerpt(raw.data, raw.len, 20, &text);
		printf("text:\n%s", text.data);
	}
	held_row_release(&h);
	buf_release(&raw);
	buf_release(&path);
	buf_release(&text);
	return 0;
}

static int rebuild_archive(struct site *site, long long id)
{
	struct held_row h;

	if (held_load(site->db, id, &h) != 0)
		return -1;
	if (archive_build_list(site, h.list) < 0)
		fprintf(stderr, "confer mod: the archive of \"%s\" could not be "
			"updated (the runner will)\n", h.list);
	held_row_release(&h);
	return 0;
}

static int mod_decide(struct site *site, const char *verb, long long id,
		      const char *reason)
{
	enum mod_command cmd = !strcmp(verb, "reject") ? MOD_REJECT :
			       !strcmp(verb, "discard") ? MOD_DISCARD :
			       MOD_APPROVE;
	struct buf info = BUF_INIT;
	int rc, dirty = 0;

	if (db_begin(site->db) < 0)
		return 75;
	rc = moderation_decide(site, id, cmd, "admin", reason, &info, &dirty);
	if (rc >= 0 && db_commit(site->db) < 0)
		rc = -1;
	if (rc < 0)
		db_rollback(site->db);
	if (rc == 0)
		printf("%s\n", info.data);
	else if (rc == 1)
		fprintf(stderr, "confer mod: %s\n", info.data);
	else if (rc == 2)
		fprintf(stderr, "confer mod: no held post #%lld\n", id);
	if (rc == 0 && dirty)
		rebuild_archive(site, id);
	buf_release(&info);
	return rc == 0 ? 0 : rc == 1 ? 65 : rc == 2 ? 67 : 75;
}

int cmd_mod(struct site *site, int argc, char **argv)
{
	const char *reason;
	long long id;
	int missing = 0;

	if (wants_help(argc, argv))
		return usage_of("mod", 0);
	reason = opt_take(&argc, argv, "--reason", &missing);
	if (missing || opt_unknown(argc, argv, "mod") || argc < 2)
		return usage_of("mod", 1);
	if (!strcmp(argv[1], "list") && argc <= 3 && !reason)
		return mod_list(site, argc == 3 ? argv[2] : NULL);
	if (argc != 3)
		return usage_of("mod", 1);
	if (parse_id(argv[2], &id) < 0)
		return 64;
	if (!strcmp(argv[1], "show") && !reason)
		return mod_show(site, id);
	if (!strcmp(argv[1], "approve") || !strcmp(argv[1], "reject") ||
	    !strcmp(argv[1], "discard"))
		return mod_decide(site, argv[1], id, reason);
	return usage_of("mod", 1);
}

int cmd_log(struct site *site, int argc, char **argv)
{
	sqlite3_stmt *st;
	const char *lim;
	long limit = 100;
	int missing = 0;
	char w[32];

	if (wants_help(argc, argv))
		return usage_of("log", 0);
	lim = opt_take(&argc, argv, "--limit", &missing);
	if (missing || opt_unknown(argc, argv, "log") || argc > 2 ||
	    (lim && parse_long(lim, 1, 1000000, &limit) < 0))
		return usage_of("log", 1);
	st = db_prepare(site->db, "SELECT time, actor, list, action, detail "
		"FROM (SELECT * FROM events WHERE ?1 IS NULL OR list = ?1 "
		"ORDER BY id DESC LIMIT ?2) ORDER BY time, id");
	if (!st)
		return 75;
	db_bind_text(st, 1, argc == 2 ? argv[1] : NULL);
	sqlite3_bind_int64(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		when((time_t)sqlite3_column_int64(st, 0), w, sizeof(w));
		printf("%s  %-24s %-12s %-18s ", w, db_col_text(st, 1),
		       db_col_text(st, 2), db_col_text(st, 3));
		put_escaped(db_col_text(st, 4), stdout);
		putchar('\n');
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- list set / accept / deny ---- */

static int find_list(struct site *site, const char *name,
		     struct list_info *li)
{
	int rc = list_lookup(site->db, name, li);

	if (rc == 1)
		fprintf(stderr, "confer list: list \"%s\" does not exist\n", name);
	return rc;
}

/* Every page of a list's archive speaks its language: the archive is
 * rebuilt now, and marked first so that a rebuild that fails or is cut
 * short is done again by the next build. */
static int archive_relabel(struct site *site, const char *list)
{
	int rc = archive_rebuild_list(site, list);

	if (rc == 0) {
		printf("%s: archive rebuilt in the new language\n", list);
		return 0;
	}
	fprintf(stderr, "confer list set: the archive of %s is not rebuilt in "
		"the new language yet; `confer archive %s` or the runner's next "
		"pass builds it again%s\n", list, list,
		rc == ARCHIVE_BAD_TEMPLATES ? ", once the templates are fixed" :
		"");
	return rc == ARCHIVE_BAD_TEMPLATES ? 78 : 75;
}

static int list_set(struct site *site, const struct list_info *li,
		    const char *key, const char *value)
{
	struct buf err = BUF_INIT, detail = BUF_INIT;
	int relabel = !strcmp(key, "language") && strcmp(li->language, value) &&
		      is_choice(CONFER_LANGUAGES, value);
	int rc;

	/* the mark goes first: once the language is saved, a rebuild that
	 * fails or is cut short must still be owed */
	if (relabel && archive_mark_stale(site, li->name) < 0) {
		fprintf(stderr, "confer list set: language not changed: the "
			"archive of %s could not be marked for a rebuild\n",
			li->name);
		return 73;
	}
	rc = list_rules_set(site->db, li->id, key, value, &err);
	if (rc < 0) {
		fprintf(stderr, "confer list set: %s\n", err.data);
		buf_release(&err);
		return 65;
	}
	buf_printf(&detail, "%s = %s", key, value);
	db_event(site->db, "admin", li->name, "list-set", detail.data);
	printf("%s: %s = %s\n", li->name, key, value);
	buf_release(&detail);
	if (relabel)
		return archive_relabel(site, li->name);
	return 0;
}

static int list_access(struct site *site, const struct list_info *li,
		       const char *kind, const char *pattern, int remove)
{
	struct buf err = BUF_INIT, action = BUF_INIT;
	int rc = list_access_change(site->db, li->id, kind, pattern, remove,
				    &err);

	if (rc < 0) {
		fprintf(stderr, "confer list %s: %s\n", kind, err.data);
		buf_release(&err);
		return 65;
	}
	buf_printf(&action, "%s-%s", kind, remove ? "remove" : "add");
	if (rc == 0)
		db_event(site->db, "admin", li->name, action.data, pattern);
	printf("%s %s list: %s %s%s\n", li->name, kind, pattern,
	       remove ? "removed" : "added", rc == 1 ? " (nothing changed)" : "");
	buf_release(&action);
	return 0;
}

int cmd_list_rules(struct site *site, int argc, char **argv)
{
	struct list_info li;
	int remove = opt_flag(&argc, argv, "--remove"), rc;

	if (opt_unknown(argc, argv, "list") || argc < 3)
		return usage_of("list", 1);
	rc = !strcmp(argv[1], "set") ? argc == 5 : argc == 4;
	if (!rc || (remove && !strcmp(argv[1], "set")))
		return usage_of("list", 1);
	rc = find_list(site, argv[2], &li);
	if (rc != 0)
		return rc < 0 ? 75 : 67;
	if (!strcmp(argv[1], "set"))
		rc = list_set(site, &li, argv[3], argv[4]);
	else
		rc = list_access(site, &li, argv[1], argv[3], remove);
	list_info_release(&li);
	return rc;
}

void cmd_list_rules_show(struct site *site, long long list_id)
{
	struct list_rules r;
	struct buf out = BUF_INIT;

	if (list_rules_get(site->db, list_id, &r) == 0)
		list_rules_print(&r, &out);
	buf_adds(&out, "accept:\n");
	list_access_print(site->db, list_id, "accept", &out);
	buf_adds(&out, "deny:\n");
	list_access_print(site->db, list_id, "deny", &out);
	fputs(out.data, stdout);
	buf_release(&out);
}

/* ---- member set LIST ADDRESS moderated on|off / delivery MODE ---- */

static int member_update(struct site *site, const struct list_info *li,
			 const char *address, const char *sql,
			 const char *value)
{
	sqlite3_stmt *st = db_prepare(site->db, sql);
	int rc;

	if (!st)
		return 75;
	db_bind_text(st, 1, value);
	sqlite3_bind_int64(st, 2, li->id);
	db_bind_text(st, 3, address);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return 75;
	if (sqlite3_changes(site->db) == 0) {
		fprintf(stderr, "confer member set: \"%s\" is not a member of "
			"\"%s\"\n", address, li->name);
		return 67;
	}
	return 0;
}

#define MEMBER_WHERE " WHERE list_id = ?2 AND person_id = (SELECT " \
	"person_id FROM addresses WHERE address = ?3)"

static int member_set_value(struct site *site, const struct list_info *li,
			    const char *address, const char *key,
			    const char *value)
{
	if (!strcmp(key, "moderated")) {
		if (strcmp(value, "on") && strcmp(value, "off")) {
			fprintf(stderr, "confer member set: moderated is on or "
				"off, not \"%s\"\n", value);
			return 65;
		}
		return member_update(site, li, address, "UPDATE subscriptions "
			"SET moderated = (?1 = 'on')" MEMBER_WHERE, value);
	}
	if (!strcmp(key, "delivery")) {
		if (strcmp(value, "each") && strcmp(value, "digest") &&
		    strcmp(value, "nomail")) {
			fprintf(stderr, "confer member set: delivery is each, "
				"digest or nomail, not \"%s\"\n", value);
			return 65;
		}
		return member_update(site, li, address, "UPDATE subscriptions "
			"SET delivery = ?1" MEMBER_WHERE, value);
	}
	fprintf(stderr, "confer member set: unknown setting \"%s\"; settings "
		"are: moderated delivery\n", key);
	return 65;
}

int cmd_member_set(struct site *site, int argc, char **argv)
{
	struct list_info li;
	struct buf detail = BUF_INIT;
	int rc;

	if (argc != 6)
		return usage_of("member", 1);
	rc = list_lookup(site->db, argv[2], &li);
	if (rc != 0) {
		fprintf(stderr, "confer member: list \"%s\" does not exist\n",
			argv[2]);
		return rc < 0 ? 75 : 67;
	}
	rc = member_set_value(site, &li, argv[3], argv[4], argv[5]);
	if (rc == 0) {
		buf_printf(&detail, "%s %s = %s", argv[3], argv[4], argv[5]);
		db_event(site->db, "admin", li.name, "member-set", detail.data);
		printf("%s on %s: %s = %s\n", argv[3], li.name, argv[4], argv[5]);
	}
	buf_release(&detail);
	list_info_release(&li);
	return rc;
}
