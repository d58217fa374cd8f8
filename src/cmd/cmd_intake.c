/* cmd_intake.c: `confer fetch` and `confer import mbox`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/lists.h"
#include "archive/build.h"
#include "archive/store.h"
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/db.h"
#include "core/site.h"
#include "core/util.h"
#include "intake/fetch.h"
#include "intake/import.h"

int cmd_fetch(struct site *site, int argc, char **argv)
{
	long n, total = 0;
	int i, rc = 0;

	if (wants_help(argc, argv))
		return usage_of("fetch", 0);
	if (argc != 1)
		return usage_of("fetch", 1);
	if (site->nmaildirs == 0) {
		fprintf(stderr, "confer fetch: no sources in %s\n",
			site->config_path);
		return 78;
	}
	for (i = 0; i < site->nmaildirs; i++) {
		n = fetch_maildir(site->spool_dir, site->maildirs[i],
				  site->maildir_rcpts[i], site->hard_max_size);
		if (n < 0)
			rc = 75;
		else
			total += n;
	}
	printf("fetched %ld messages\n", total);
	return rc;
}

int cmd_import(struct site *site, int argc, char **argv)
{
	struct import_stats st = { 0, 0, 0, 0 };
	struct list_info li;
	const char *format;
	enum mbox_format fmt = MBOX_RD;
	long long since;
	int missing = 0, i, rc = 0, brc;

	if (wants_help(argc, argv))
		return usage_of("import", 0);
	format = opt_take(&argc, argv, "--format", &missing);
	if (missing || opt_unknown(argc, argv, "import") || argc < 4 ||
	    strcmp(argv[1], "mbox"))
		return usage_of("import", 1);
	if (format && mbox_format_parse(format, &fmt) < 0) {
		fprintf(stderr, "confer import: format \"%s\": must be mboxrd, "
			"mboxo or mboxcl2\n", format);
		return 64;
	}
	if (list_lookup(site->db, argv[2], &li) != 0) {
		fprintf(stderr, "confer import: list \"%s\" does not exist\n",
			argv[2]);
		return 67;
	}
	/* import delivers nothing and can be run again: its commits need
	 * not be flushed one by one (WAL, synchronous NORMAL: a crash keeps
	 * the database consistent and may lose the last commits, which a
	 * rerun redoes).  The originals are still fsynced before the commit
	 * that names them (store_sync).  The runner keeps FULL. */
	if (db_exec(site->db, "PRAGMA synchronous = NORMAL") < 0) {
		list_info_release(&li);
		return 75;
	}
	since = db_scalar(site->db, "SELECT coalesce(max(id), 0) FROM messages",
			  NULL, 0);
	for (i = 3; i < argc && rc == 0; i++)
		if (import_mbox(site, &li, argv[i], fmt, isatty(2), &st) < 0)
			rc = errno == ENOENT ? 66 : errno == EINVAL ? 65 : 75;
	if (rc == 0 || st.imported)
		printf("imported %ld messages into %s (%ld already there, %ld "
		       "quarantined)\n", st.imported, li.name, st.duplicates,
		       st.quarantined);
	/* messages sharing a Message-ID get permalinks that do not depend on
	 * the order they were imported in */
	if (st.imported && store_settle_shared_ids(site, &li, since) < 0)
		rc = 75;
	/* also when nothing was new: the import that is being run again
	 * may have stopped before its archive was built */
	brc = archive_build_list(site, li.name);
	if (brc == ARCHIVE_BAD_TEMPLATES)
		rc = 78;	/* what was imported stays; fix the template */
	else if (brc < 0)
		rc = 75;
	list_info_release(&li);
	return rc;
}
