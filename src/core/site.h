/* site.h: one confer site: its configuration file (libconfig, site settings
 * and defaults for new lists) and its database handle.  Paths in the
 * configuration are relative to the configuration file's folder. */
#ifndef CONFER_SITE_H
#define CONFER_SITE_H

#include <sqlite3.h>

/* The languages confer has texts in (its mail and the archive's pages),
 * as the configuration and `list set` accept them. */
#define CONFER_LANGUAGES "en|fr|es"

struct site {
	char *config_path;   /* absolute */
	char *dir;           /* the configuration file's folder */
	char *domain;
	char *base_url;      /* always ends in '/' */
	char *db_path;
	char *spool_dir;
	char *store_dir;     /* original messages, per list and month */
	char *archive_dir;   /* the generated archive */
	char *templates_dir; /* site overrides, may not exist */
	char *default_templates_dir; /* the installed archive-templates */
	char *outbox_dir;    /* the file transport's folder */
	char *transport;     /* "smtp" or "file" */
	char *relay_host;
	int relay_port;
	char *helo;
	int relay_timeout;
	int batch_size;      /* recipients per SMTP transaction */
	long retry_min, retry_max, give_up_after;
	long hard_max_size;  /* receive refuses larger input */
	char delimiter;      /* sub-address delimiter */
	int show_addresses;  /* archive pages may show addresses */
	int archive_workers; /* full-build render processes; 0: one per CPU */
	/* defaults for new lists */
	int default_subject_tag;
	long default_max_size;
	char *default_footer;
	char *default_language;     /* one of CONFER_LANGUAGES */
	/* moderation and requests by mail (issue 3) */
	long hold_days;       /* a held post expires after this many days */
	int hold_notice;      /* tell the sender a post awaits a moderator */
	long hold_notice_max; /* ... at most this many notices a day each */
	int mod_reminders;    /* one reminder a day while posts wait */
	long confirm_days;    /* a confirmation token lives this long */
	/* Maildir sources for `confer fetch` */
	char **maildirs;
	char **maildir_rcpts; /* the list address each source's mail is for */
	int nmaildirs;
	sqlite3 *db;
};

/* Finds the configuration: `path` if given, else $CONFER_CONFIG, else
 * ./confer.conf, else /etc/confer/confer.conf.  Loads and validates it,
 * printing every error as "FILE:LINE: message".  Returns 0 or -1. */
int site_load(struct site *s, const char *path);
/* Opens (and migrates) the database.  Returns 0 or -1 (message printed). */
int site_open_db(struct site *s);
void site_release(struct site *s);

/* Writes a commented configuration file for a new site. */
int site_write_config(const char *path, const char *domain, const char *url,
		      const char *relay_host, int relay_port,
		      const char *transport);

/* Where the installed archive-templates folder is. */
const char *site_default_templates(void);

#endif
