/* site.c: loading the site configuration (libconfig) as a table of
 * settings, each with its type, range and default. */
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/fsutil.h"
#include "core/site.h"
#include "core/util.h"

#ifndef CONFER_TEMPLATES
#define CONFER_TEMPLATES "/usr/local/share/confer/archive-templates"
#endif

enum stype { S_STR, S_PATH, S_INT, S_LONG, S_BOOL };

struct setting {
	const char *path;
	enum stype type;
	size_t offset;
	const char *def;
	long min, max;
};

#define OFF(f) offsetof(struct site, f)

static const struct setting settings[] = {
	{ "domain", S_STR, OFF(domain), NULL, 0, 0 },
	{ "base_url", S_STR, OFF(base_url), "http://localhost:8080/", 0, 0 },
	{ "database", S_PATH, OFF(db_path), "confer.db", 0, 0 },
	{ "spool", S_PATH, OFF(spool_dir), "spool", 0, 0 },
	{ "store", S_PATH, OFF(store_dir), "store", 0, 0 },
	{ "archive", S_PATH, OFF(archive_dir), "archive", 0, 0 },
	{ "templates", S_PATH, OFF(templates_dir), "templates", 0, 0 },
	{ "outbox", S_PATH, OFF(outbox_dir), "outbox", 0, 0 },
	{ "delivery.transport", S_STR, OFF(transport), "smtp", 0, 0 },
	{ "delivery.relay_host", S_STR, OFF(relay_host), "127.0.0.1", 0, 0 },
	{ "delivery.relay_port", S_INT, OFF(relay_port), "25", 1, 65535 },
	{ "delivery.helo", S_STR, OFF(helo), "", 0, 0 },
	{ "delivery.timeout", S_INT, OFF(relay_timeout), "120", 1, 3600 },
	{ "delivery.batch_size", S_INT, OFF(batch_size), "50", 1, 1000 },
	{ "delivery.retry_min", S_LONG, OFF(retry_min), "300", 1, 86400 },
	{ "delivery.retry_max", S_LONG, OFF(retry_max), "14400", 1, 604800 },
	{ "delivery.give_up_after", S_LONG, OFF(give_up_after), "432000", 60,
	  31536000 },
	{ "limits.hard_max_size", S_LONG, OFF(hard_max_size), "52428800", 1024,
	  1073741824 },
	{ "archive_show_addresses", S_BOOL, OFF(show_addresses), "false", 0,
	  0 },
	{ "archive_workers", S_INT, OFF(archive_workers), "0", 0, 64 },
	{ "list_defaults.subject_tag", S_BOOL, OFF(default_subject_tag),
	  "true", 0, 0 },
	{ "list_defaults.max_size", S_LONG, OFF(default_max_size), "10485760",
	  1024, 1073741824 },
	{ "list_defaults.footer", S_STR, OFF(default_footer), "", 0, 0 },
	{ "list_defaults.language", S_STR, OFF(default_language), "en", 0, 0 },
	{ "moderation.hold_days", S_LONG, OFF(hold_days), "14", 1, 365 },
	{ "moderation.notify_sender", S_BOOL, OFF(hold_notice), "true", 0, 0 },
	{ "moderation.notify_sender_max", S_LONG, OFF(hold_notice_max), "10", 1,
	  10000 },
	{ "moderation.reminders", S_BOOL, OFF(mod_reminders), "true", 0, 0 },
	{ "moderation.confirm_days", S_LONG, OFF(confirm_days), "3", 1, 60 },
};

static const char *known_groups[] = { "delivery", "limits", "list_defaults",
				      "moderation", "sources",
				      "subaddress_delimiter" };

static char *abs_path(const char *dir, const char *p)
{
	struct buf b = BUF_INIT;

	if (p[0] == '/')
		return xstrdup(p);
	path_join(&b, dir, p);
	return buf_detach(&b, NULL);
}

static void *field(struct site *s, const struct setting *st)
{
	return (char *)s + st->offset;
}

static int load_one(struct site *s, config_t *cf, const struct setting *st)
{
	config_setting_t *cs = config_lookup(cf, st->path);
	const char *str = st->def;
	long v = 0;
	int line = cs ? config_setting_source_line(cs) : 0;

	if (cs && (st->type == S_STR || st->type == S_PATH)) {
		if (config_setting_type(cs) != CONFIG_TYPE_STRING)
			goto bad_type;
		str = config_setting_get_string(cs);
	}
	switch (st->type) {
	case S_STR:
	case S_PATH:
		if (!str) {
			fprintf(stderr, "%s: missing setting \"%s\"\n",
				s->config_path, st->path);
			return -1;
		}
		*(char **)field(s, st) = st->type == S_PATH ?
			abs_path(s->dir, str) : xstrdup(str);
		return 0;
	case S_INT:
	case S_LONG:
		if (cs) {
			if (config_setting_type(cs) != CONFIG_TYPE_INT &&
			    config_setting_type(cs) != CONFIG_TYPE_INT64)
				goto bad_type;
			v = (long)config_setting_get_int64(cs);
		} else if (parse_long(st->def, LONG_MIN, LONG_MAX, &v) < 0) {
			die("bad default for %s", st->path);
		}
		if (v < st->min || v > st->max) {
			fprintf(stderr, "%s:%d: \"%s\" must be between %ld and %ld\n",
				s->config_path, line, st->path, st->min, st->max);
			return -1;
		}
		if (st->type == S_INT)
			*(int *)field(s, st) = (int)v;
		else
			*(long *)field(s, st) = v;
		return 0;
	case S_BOOL:
		if (cs && config_setting_type(cs) != CONFIG_TYPE_BOOL)
			goto bad_type;
		*(int *)field(s, st) = cs ? config_setting_get_bool(cs) :
					    !strcmp(st->def, "true");
		return 0;
	}
	return 0;
bad_type:
	fprintf(stderr, "%s:%d: \"%s\" has the wrong type\n", s->config_path,
		line, st->path);
	return -1;
}

static int load_sources(struct site *s, config_t *cf)
{
	config_setting_t *list = config_lookup(cf, "sources");
	int i, n;

	if (!list)
		return 0;
	n = config_setting_length(list);
	s->maildirs = xcalloc((size_t)n + 1, sizeof(char *));
	s->maildir_rcpts = xcalloc((size_t)n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		config_setting_t *src = config_setting_get_elem(list, (unsigned)i);
		const char *type = NULL, *path = NULL, *rcpt = NULL;

		if (!config_setting_lookup_string(src, "type", &type) ||
		    strcmp(type, "maildir") ||
		    !config_setting_lookup_string(src, "path", &path) ||
		    !config_setting_lookup_string(src, "recipient", &rcpt)) {
			fprintf(stderr, "%s:%d: a source needs type = \"maildir\", "
				"a path and a recipient (the list address its "
				"mail was sent to)\n", s->config_path,
				config_setting_source_line(src));
			return -1;
		}
		s->maildir_rcpts[s->nmaildirs] = xstrdup(rcpt);
		s->maildirs[s->nmaildirs++] = abs_path(s->dir, path);
	}
	return 0;
}

static int known_path(const char *group, const char *name)
{
	char path[128];
	size_t k;

	if (snprintf(path, sizeof(path), "%s.%s", group, name) >=
	    (int)sizeof(path))
		return 0;
	for (k = 0; k < ARRAY_SIZE(settings); k++)
		if (!strcmp(settings[k].path, path))
			return 1;
	return 0;
}

/* Warns about settings inside a group that confer does not know: a typo
 * there would otherwise silently leave the default in force. */
static void warn_unknown_in(struct site *s, config_setting_t *group)
{
	const char *gname = config_setting_name(group);
	int i, n = config_setting_length(group);

	if (!gname || config_setting_type(group) != CONFIG_TYPE_GROUP)
		return;
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(e);
		if (name && !known_path(gname, name))
			fprintf(stderr, "%s:%d: warning: unknown setting "
				"\"%s.%s\"\n", s->config_path,
				config_setting_source_line(e), gname, name);
	}
}

static void warn_unknown(struct site *s, config_t *cf)
{
	config_setting_t *root = config_root_setting(cf);
	int i, n = config_setting_length(root);

	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(e);
		size_t k;
		int known = 0;

		for (k = 0; k < ARRAY_SIZE(settings) && !known; k++)
			known = !strcmp(settings[k].path, name);
		for (k = 0; k < ARRAY_SIZE(known_groups) && !known; k++)
			known = !strcmp(known_groups[k], name);
		if (!known)
			fprintf(stderr, "%s:%d: warning: unknown setting \"%s\"\n",
				s->config_path, config_setting_source_line(e), name);
		else
			warn_unknown_in(s, e);
	}
}

static int line_of(config_t *cf, const char *path)
{
	config_setting_t *cs = config_lookup(cf, path);

	return cs ? config_setting_source_line(cs) : 0;
}

static int check_values(struct site *s, config_t *cf)
{
	const char *d = "+";

	config_lookup_string(cf, "subaddress_delimiter", &d);
	if (strlen(d) != 1 || !strchr("+=_", d[0])) {
		fprintf(stderr, "%s:%d: subaddress_delimiter must be one of + = _\n",
			s->config_path, line_of(cf, "subaddress_delimiter"));
		return -1;
	}
	s->delimiter = d[0];
	if (strcmp(s->transport, "smtp") && strcmp(s->transport, "file")) {
		fprintf(stderr, "%s:%d: delivery.transport must be \"smtp\" or "
			"\"file\"\n", s->config_path,
			line_of(cf, "delivery.transport"));
		return -1;
	}
	if (!is_choice(CONFER_LANGUAGES, s->default_language)) {
		fprintf(stderr, "%s:%d: list_defaults.language must be one of "
			CONFER_LANGUAGES "\n", s->config_path,
			line_of(cf, "list_defaults.language"));
		return -1;
	}
	if (!s->domain[0] || strchr(s->domain, '@') || strchr(s->domain, ' ')) {
		fprintf(stderr, "%s:%d: domain \"%s\" is not a domain name\n",
			s->config_path, line_of(cf, "domain"), s->domain);
		return -1;
	}
	return 0;
}

static char *find_config(const char *path)
{
	const char *env = getenv("CONFER_CONFIG");

	if (path)
		return xstrdup(path);
	if (env && *env)
		return xstrdup(env);
	if (access("confer.conf", F_OK) == 0)
		return xstrdup("confer.conf");
	return xstrdup("/etc/confer/confer.conf");
}

static void set_paths(struct site *s, const char *found)
{
	char *real = realpath(found, NULL);
	char *slash;

	s->config_path = real ? real : xstrdup(found);
	s->dir = xstrdup(s->config_path);
	slash = strrchr(s->dir, '/');
	if (slash && slash != s->dir)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	else {
		free(s->dir);
		s->dir = xstrdup(".");
	}
}

static void fix_base_url(struct site *s)
{
	size_t n = strlen(s->base_url);

	if (n == 0 || s->base_url[n - 1] != '/') {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s/", s->base_url);
		free(s->base_url);
		s->base_url = buf_detach(&b, NULL);
	}
}

int site_load(struct site *s, const char *path)
{
	config_t cf;
	char *found = find_config(path);
	size_t i;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	set_paths(s, found);
	free(found);
	config_init(&cf);
	if (!config_read_file(&cf, s->config_path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			fprintf(stderr, "confer: cannot read configuration \"%s\": "
				"%s\n", s->config_path, strerror(errno));
		else
			fprintf(stderr, "%s:%d: %s\n", s->config_path,
				config_error_line(&cf), config_error_text(&cf));
		config_destroy(&cf);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (load_one(s, &cf, &settings[i]) < 0)
			rc = -1;
	if (rc == 0 && (load_sources(s, &cf) < 0 || check_values(s, &cf) < 0))
		rc = -1;
	if (rc == 0) {
		warn_unknown(s, &cf);
		fix_base_url(s);
		if (!s->helo[0]) {
			free(s->helo);
			s->helo = xstrdup(s->domain);
		}
		s->default_templates_dir = xstrdup(site_default_templates());
	}
	config_destroy(&cf);
	return rc;
}

/* The templates that come with confer: $CONFER_TEMPLATES, else beside the
 * binary (a build in the source tree), else the installed share folder. */
const char *site_default_templates(void)
{
	static char found[PATH_MAX];
	static const char *rel[] = { "archive-templates",
				     "../share/confer/archive-templates" };
	const char *env = getenv("CONFER_TEMPLATES");
	char exe[PATH_MAX];
	ssize_t n;
	size_t i;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* build-san/confer lives one folder below the source tree */
		for (i = 0; i < 3; i++) {
			const char *r = i < 2 ? rel[i] : "../archive-templates";
			int len = snprintf(found, sizeof(found), "%s/%s", exe, r);
			if (len > 0 && (size_t)len < sizeof(found) &&
			    access(found, R_OK | X_OK) == 0)
				return found;
		}
	}
	return CONFER_TEMPLATES;
}

int site_open_db(struct site *s)
{
	return db_open(&s->db, s->db_path);
}

void site_release(struct site *s)
{
	size_t i;
	int k;

	if (s->db)
		db_close(s->db);
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (settings[i].type == S_STR || settings[i].type == S_PATH)
			free(*(char **)field(s, &settings[i]));
	for (k = 0; k < s->nmaildirs; k++) {
		free(s->maildirs[k]);
		free(s->maildir_rcpts[k]);
	}
	free(s->maildirs);
	free(s->maildir_rcpts);
	free(s->config_path);
	free(s->dir);
	free(s->default_templates_dir);
	memset(s, 0, sizeof(*s));
}
