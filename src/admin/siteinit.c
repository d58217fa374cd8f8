/* siteinit.c: `confer init`: a working site in an empty folder. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin/lists.h"
#include "admin/siteinit.h"
#include "core/fsutil.h"
#include "core/site.h"
#include "core/util.h"
#include "intake/spool.h"

static const char config_text[] =
"# confer site configuration (libconfig syntax).  Edit by hand.\n"
"# Relative paths are relative to this file's folder.\n"
"# Lists, members and list settings live in the database: change them\n"
"# with `confer list ...` and `confer member ...`, not here.\n"
"\n"
"# The mail domain of the lists: LIST@domain, LIST-request@domain, ...\n"
"domain = \"%s\";\n"
"\n"
"# Where the archive is served; used in Archived-At and List-Archive.\n"
"base_url = \"%s\";\n"
"\n"
"database  = \"confer.db\";\n"
"spool     = \"spool\";      # incoming, bad, kept, outgoing\n"
"store     = \"store\";      # the original messages, per list and month\n"
"archive   = \"archive\";    # the generated static archive, one folder a list\n"
"templates = \"templates\";  # a file here overrides the installed template\n"
"outbox    = \"outbox\";     # where the file transport writes\n"
"\n"
"# The character between a list address and its extension\n"
"# (LIST-moderate+TOKEN): one of + = _\n"
"subaddress_delimiter = \"+\";\n"
"\n"
"# Whether archive pages may show posters' addresses (names always show).\n"
"archive_show_addresses = false;\n"
"# Processes a full archive build renders in, and whether a big mbox\n"
"# import reads in a second process: 0 means one per CPU (at most 8);\n"
"# 1 keeps everything in one process.\n"
"archive_workers = 0;\n"
"\n"
"delivery = {\n"
"  # \"smtp\" hands mail to the relay; \"file\" writes each copy to outbox/\n"
"  transport = \"%s\";\n"
"  relay_host = \"%s\";\n"
"  relay_port = %d;\n"
"  batch_size = 50;        # recipients per SMTP transaction\n"
"  timeout = 120;          # seconds for each SMTP step\n"
"  retry_min = 300;        # first retry after a temporary failure (s)\n"
"  retry_max = 14400;      # longest wait between retries (s)\n"
"  give_up_after = 432000; # a recipient still waiting then has failed (5 days)\n"
"};\n"
"\n"
"limits = {\n"
"  # `confer receive` refuses larger input outright (the MTA bounces it).\n"
"  hard_max_size = 52428800;\n"
"};\n"
"\n"
"# Settings new lists start with.\n"
"list_defaults = {\n"
"  subject_tag = true;      # add [LIST] to subjects\n"
"  max_size = 10485760;     # larger posts get a reply saying so\n"
"  footer = \"\";            # text added to each post; empty for none\n"
"  language = \"en\";         # en, fr or es; also the archive home page's\n"
"};\n"
"\n"
"# Held posts and requests by mail.  Per-list rules (moderated,\n"
"# nonmember_posts, ...) are changed with `confer list set`.\n"
"moderation = {\n"
"  hold_days = 14;          # a held post expires (the sender is told)\n"
"  notify_sender = true;    # tell a sender once that a post awaits a moderator\n"
"  notify_sender_max = 10;  # ...but at most this many notices an address a day\n"
"  reminders = true;        # one reminder a day to moderators while posts wait\n"
"  confirm_days = 3;        # a subscribe/unsubscribe confirmation expires\n"
"};\n"
"\n"
"# Maildir folders `confer fetch` pulls from, for example:\n"
"# sources = ( { type = \"maildir\"; path = \"/var/mail/lists\";\n"
"#               recipient = \"network@example.org\"; } );\n";

static int dir_empty_or_absent(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return errno == ENOENT ? 1 : -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

static int make_dirs(const char *dir)
{
	static const char *subs[] = { "store", "archive", "outbox",
				      "templates" };
	struct buf p = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_SIZE(subs) && rc == 0; i++) {
		buf_reset(&p);
		path_join(&p, dir, subs[i]);
		rc = mkdir_p(p.data, 02775);
	}
	buf_reset(&p);
	path_join(&p, dir, "spool");
	if (rc == 0)
		rc = spool_init(p.data);
	buf_release(&p);
	return rc;
}

static int write_config(const struct site_init_opts *o, const char *path)
{
	struct buf text = BUF_INIT;
	int rc;

	buf_printf(&text, config_text, o->domain,
		   o->url ? o->url : "http://localhost:8080/",
		   o->transport ? o->transport : "smtp",
		   o->relay_host ? o->relay_host : "127.0.0.1",
		   o->relay_port ? o->relay_port : 25);
	rc = write_file_durable(path, NULL, text.data, text.len, 0660);
	buf_release(&text);
	return rc;
}

int site_init(const struct site_init_opts *o, struct buf *err)
{
	struct buf conf = BUF_INIT;
	struct site site;
	int rc = -1;

	if (dir_empty_or_absent(o->dir) != 1) {
		buf_printf(err, "\"%s\" is not an empty folder", o->dir);
		return -1;
	}
	if (mkdir_p(o->dir, 02775) < 0 || make_dirs(o->dir) < 0) {
		buf_printf(err, "cannot create \"%s\": %s", o->dir, strerror(errno));
		return -1;
	}
	path_join(&conf, o->dir, "confer.conf");
	if (write_config(o, conf.data) < 0) {
		buf_printf(err, "cannot write \"%s\": %s", conf.data,
			   strerror(errno));
		goto out;
	}
	if (site_load(&site, conf.data) < 0) {
		buf_printf(err, "the new configuration does not load");
		goto out;
	}
	if (site_open_db(&site) == 0 &&
	    list_create(&site, NETWORK_LIST, NULL, "The whole network", err) == 0)
		rc = 0;
	site_release(&site);
out:
	buf_release(&conf);
	return rc;
}
