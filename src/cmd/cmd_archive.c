/* cmd_archive.c: `confer archive` and `confer threads`. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/lists.h"
#include "archive/build.h"
#include "archive/index.h"
#include "archive/store.h"
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/buf.h"
#include "core/site.h"
#include "core/util.h"

/* A message page's address names one message in one list: the permalink
 * and the list are taken from it (an absolute address must be one of this
 * site's archive).  Returns 1 with both set, 0 when arg is not a page
 * address, or -1 (said on stderr). */
static int page_address(const struct site *site, const char *arg,
			struct buf *page, struct buf *list)
{
	struct buf path = BUF_INIT;
	const char *m, *seg;
	char link[32];
	int rc = 0;

	/* "msg/P.html", relative to a list's folder, is taken as "/msg/..." */
	if (!strncmp(arg, "msg/", 4))
		buf_addc(&path, '/');
	buf_add(&path, arg, strcspn(arg, "#?"));
	if (strstr(path.data, "://") &&
	    strncmp(path.data, site->base_url, strlen(site->base_url))) {
		fprintf(stderr, "confer archive: %s is not an address in this "
			"site's archive (%s)\n", arg, site->base_url);
		rc = -1;
		goto out;
	}
	m = strstr(path.data, "/msg/");
	if (!m)
		goto out;
	if (!permalink_parse(m, link)) {
		fprintf(stderr, "confer archive: %s is not the address of a "
			"message page\n", arg);
		rc = -1;
		goto out;
	}
	buf_reset(page);
	buf_adds(page, link);
	buf_reset(list);
	for (seg = m; seg > path.data && seg[-1] != '/'; seg--)
		;
	buf_add(list, seg, (size_t)(m - seg));
	rc = 1;
out:
	buf_release(&path);
	return rc;
}

/* confer archive remove ID --reason TEXT [--list LIST] [--purge] */
static int archive_remove_cmd(struct site *site, int argc, char **argv)
{
	int missing = 0, n, purge, rc, already = 0;
	const char *reason = opt_take(&argc, argv, "--reason", &missing);
	const char *list = opt_take(&argc, argv, "--list", &missing);
	struct buf id = BUF_INIT, in_list = BUF_INIT;
	struct list_info li;

	purge = opt_flag(&argc, argv, "--purge");
	if (missing || !reason || !reason[0] ||
	    opt_unknown(argc, argv, "archive") || argc != 3)
		return usage_of("archive", 1);
	rc = page_address(site, argv[2], &id, &in_list);
	if (rc < 0)
		return 64;
	if (rc > 0 && in_list.len) {
		/* the page is in one list: only that list's copy goes */
		if (list && strcmp(list, in_list.data)) {
			fprintf(stderr, "confer archive: %s is a page of list "
				"\"%s\", not \"%s\"\n", argv[2],
				in_list.data, list);
			buf_release(&id);
			buf_release(&in_list);
			return 64;
		}
		if (list_lookup(site->db, in_list.data, &li) != 0) {
			fprintf(stderr, "confer archive: list \"%s\" does not "
				"exist\n", in_list.data);
			buf_release(&id);
			buf_release(&in_list);
			return 67;
		}
		list_info_release(&li);
		list = in_list.data;
	} else if (rc == 0) {
		/* a Message-ID with or without its angle brackets */
		buf_adds(&id, argv[2] + (argv[2][0] == '<'));
		if (id.len && id.data[id.len - 1] == '>')
			buf_setlen(&id, id.len - 1);
	}
	n = archive_remove(site, list, id.data, reason, purge, &already);
	if (n == 0 && already) {
		/* what was asked is done already: not an error */
		printf("%s was already removed%s\n", id.data, purge ?
		       " and its original deleted" :
		       " (--purge also deletes its original)");
		n = already;
	} else if (n == 0) {
		fprintf(stderr, "confer archive: no archived message %s\n",
			id.data);
	} else if (n > 0)
		printf("removed %d message(s) %s%s\n", n, id.data,
		       purge ? ", originals deleted" : "");
	else if (n == ARCHIVE_BAD_TEMPLATES)
		fprintf(stderr, "confer archive: %s is removed, but its pages "
			"are not updated until the templates are fixed (then "
			"`confer archive` or the runner's next pass)\n",
			id.data);
	buf_release(&id);
	buf_release(&in_list);
	if (n == ARCHIVE_BAD_TEMPLATES)
		return 78;
	return n < 0 ? 75 : n == 0 ? 67 : 0;
}

int cmd_archive(struct site *site, int argc, char **argv)
{
	struct list_info li;
	int rc;

	if (wants_help(argc, argv))
		return usage_of("archive", 0);
	if (argc >= 2 && !strcmp(argv[1], "remove"))
		return archive_remove_cmd(site, argc, argv);
	if (opt_unknown(argc, argv, "archive") || argc > 2)
		return usage_of("archive", 1);
	if (argc == 1) {
		rc = archive_build_all(site);
	} else {
		if (list_lookup(site->db, argv[1], &li) != 0) {
			fprintf(stderr, "confer archive: list \"%s\" does not "
				"exist\n", argv[1]);
			return 67;
		}
		list_info_release(&li);
		rc = archive_rebuild_list(site, argv[1]);
	}
	if (rc == ARCHIVE_BAD_TEMPLATES)
		return 78;	/* a configuration error: retrying cannot help */
	if (rc < 0)
		return 75;
	printf("archive written to %s/index.html\n", site->archive_dir);
	return 0;
}

static void iso_date(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_string(const char *s, struct buf *out)
{
	buf_addc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\t')
			buf_adds(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\u%04x", c);
		else
			buf_addc(out, (char)c);
	}
	buf_addc(out, '"');
}

struct ids_ctx {
	const struct arch_index *ix;
	struct buf *out;
	int first;
};

static void add_id(struct thread_node *n, void *arg)
{
	struct ids_ctx *c = arg;

	if (n->msg < 0)
		return;
	if (!c->first)
		buf_adds(c->out, ", ");
	c->first = 0;
	json_string(c->ix->msgs[n->msg].message_id, c->out);
}

static void thread_json(const struct arch_index *ix,
			const struct arch_thread *t, const char *list,
			struct buf *out)
{
	struct buf s = BUF_INIT;
	struct ids_ctx c = { ix, out, 1 };
	char first[32], last[32];

	subject_clean(ix->msgs[t->first_msg].subject, list, 0, &s);
	iso_date(t->first, first);
	iso_date(t->last, last);
	buf_adds(out, "  {\"id\": ");
	json_string(t->id, out);
	buf_adds(out, ", \"subject\": ");
	json_string(s.data, out);
	buf_printf(out, ", \"count\": %zu, \"first\": \"%s\", \"last\": \"%s\", "
		   "\"messages\": [", t->count, first, last);
	thread_walk(t->root, add_id, &c);
	buf_adds(out, "]}");
	buf_release(&s);
}

int cmd_threads(struct site *site, int argc, char **argv)
{
	struct list_info li;
	struct arch_index ix;
	struct buf out = BUF_INIT, s = BUF_INIT;
	size_t i;
	int json;

	if (wants_help(argc, argv))
		return usage_of("threads", 0);
	json = opt_flag(&argc, argv, "--json");
	if (opt_unknown(argc, argv, "threads") || argc != 2)
		return usage_of("threads", 1);
	if (list_lookup(site->db, argv[1], &li) != 0) {
		fprintf(stderr, "confer threads: list \"%s\" does not exist\n",
			argv[1]);
		return 67;
	}
	if (arch_index_load(site->db, li.id, &ix) < 0) {
		list_info_release(&li);
		return 75;
	}
	if (json)
		buf_adds(&out, "[\n");
	for (i = 0; i < ix.nthreads; i++) {
		const struct arch_thread *t = &ix.threads[i];
		char last[32];
		if (json) {
			thread_json(&ix, t, li.name, &out);
			buf_adds(&out, i + 1 < ix.nthreads ? ",\n" : "\n");
			continue;
		}
		buf_reset(&s);
		subject_clean(ix.msgs[t->first_msg].subject, li.name, 0, &s);
		iso_date(t->last, last);
		buf_printf(&out, "%4zu  %s  %s\n", t->count, last, s.data);
	}
	if (json)
		buf_adds(&out, "]\n");
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	buf_release(&s);
	arch_index_release(&ix);
	list_info_release(&li);
	return 0;
}
