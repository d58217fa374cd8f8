/* cmd_admin.c: init, list, lists and member: the administrative commands. */
#include <stdio.h>
#include <string.h>

#include "admin/lists.h"
#include "admin/members.h"
#include "admin/siteinit.h"
#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "core/site.h"
#include "core/util.h"

static int fail(const char *cmd, struct buf *err, int code)
{
	fprintf(stderr, "confer %s: %s\n", cmd, err->data);
	buf_release(err);
	return code;
}

static int parse_relay(const char *s, struct site_init_opts *o, char *host,
		       size_t hostsz)
{
	const char *colon = strrchr(s, ':');
	long port = 25;
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (colon && parse_long(colon + 1, 1, 65535, &port) < 0)
		return -1;
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	o->relay_host = host;
	o->relay_port = (int)port;
	return 0;
}

int cmd_init(struct site *site, int argc, char **argv)
{
	struct site_init_opts o = { 0 };
	struct buf err = BUF_INIT;
	const char *relay;
	char host[256];
	int missing = 0;

	(void)site;
	if (wants_help(argc, argv))
		return usage_of("init", 0);
	o.domain = opt_take(&argc, argv, "--domain", &missing);
	o.url = opt_take(&argc, argv, "--url", &missing);
	relay = opt_take(&argc, argv, "--relay", &missing);
	o.transport = opt_take(&argc, argv, "--transport", &missing);
	if (missing || opt_unknown(argc, argv, "init") || argc != 2 || !o.domain)
		return usage_of("init", 1);
	o.dir = argv[1];
	if (relay && parse_relay(relay, &o, host, sizeof(host)) < 0) {
		fprintf(stderr, "confer init: relay \"%s\" is not HOST:PORT\n",
			relay);
		return 64;
	}
	if (o.transport && strcmp(o.transport, "smtp") &&
	    strcmp(o.transport, "file")) {
		fprintf(stderr, "confer init: transport must be smtp or file\n");
		return 64;
	}
	if (site_init(&o, &err) < 0)
		return fail("init", &err, 73);
	printf("created site \"%s\" for %s with the list \"%s\"\n", o.dir,
	       o.domain, NETWORK_LIST);
	return 0;
}

static void print_tree(const struct list_info *li, int depth, void *arg)
{
	sqlite3 *db = arg;

	printf("%*s%-*s %6lld members  %s\n", depth * 2, "", 26 - depth * 2,
	       li->name, list_member_count(db, li->id), li->description);
}

int cmd_lists(struct site *site, int argc, char **argv)
{
	if (wants_help(argc, argv))
		return usage_of("lists", 0);
	if (argc != 1)
		return usage_of("lists", 1);
	return list_each(site->db, print_tree, site->db) < 0 ? 75 : 0;
}

static int list_show(struct site *site, const char *name)
{
	struct list_info li;
	struct buf id = BUF_INIT;

	if (list_lookup(site->db, name, &li) != 0) {
		fprintf(stderr, "confer list: list \"%s\" does not exist\n", name);
		return 67;
	}
	list_id_header(li.name, site->domain, &id);
	printf("name: %s\naddress: %s@%s\nlist-id: %s\nparent: %s\n"
	       "description: %s\nlanguage: %s\nsubject_tag: %s\n"
	       "max_size: %lld\nfooter: %s\nmembers: %lld\n",
	       li.name, li.name, site->domain, id.data,
	       li.parent_name[0] ? li.parent_name : "(none)", li.description,
	       li.language, li.subject_tag ? "on" : "off", li.max_size,
	       li.footer[0] ? li.footer : "(none)",
	       list_member_count(site->db, li.id));
	cmd_list_rules_show(site, li.id);
	buf_release(&id);
	list_info_release(&li);
	return 0;
}

int cmd_list(struct site *site, int argc, char **argv)
{
	struct buf err = BUF_INIT;
	const char *parent, *desc;
	int missing = 0;

	if (wants_help(argc, argv))
		return usage_of("list", 0);
	if (argc > 1 && (!strcmp(argv[1], "set") || !strcmp(argv[1], "accept") ||
			 !strcmp(argv[1], "deny")))
		return cmd_list_rules(site, argc, argv);
	parent = opt_take(&argc, argv, "--parent", &missing);
	desc = opt_take(&argc, argv, "--description", &missing);
	if (missing || opt_unknown(argc, argv, "list") || argc != 3)
		return usage_of("list", 1);
	if (!strcmp(argv[1], "show"))
		return list_show(site, argv[2]);
	if (strcmp(argv[1], "create"))
		return usage_of("list", 1);
	if (list_create(site, argv[2], parent, desc, &err) < 0)
		return fail("list create", &err, 65);
	printf("created list \"%s\" (%s@%s)\n", argv[2], argv[2], site->domain);
	return 0;
}

static void print_member(const struct member_row *m, void *arg)
{
	(void)arg;
	printf("%-40s %-9s %-6s %s\n", m->address, m->role, m->delivery,
	       m->name);
}

static int member_list(struct site *site, const char *list)
{
	struct list_info li;
	int rc;

	if (list_lookup(site->db, list, &li) != 0) {
		fprintf(stderr, "confer member: list \"%s\" does not exist\n",
			list);
		return 67;
	}
	rc = member_each(site->db, li.id, print_member, NULL);
	list_info_release(&li);
	return rc < 0 ? 75 : 0;
}

static int member_show_cmd(struct site *site, const char *address)
{
	struct buf out = BUF_INIT;
	int rc = member_show(site->db, address, &out);

	if (rc == 1)
		fprintf(stderr, "confer member: no member has the address "
			"\"%s\"\n", address);
	else
		fputs(out.data, stdout);
	buf_release(&out);
	return rc == 0 ? 0 : rc == 1 ? 67 : 75;
}

static int member_change(struct site *site, int argc, char **argv,
			 const char *name, const char *role)
{
	struct buf err = BUF_INIT;
	int rc;

	if (!strcmp(argv[1], "add")) {
		rc = member_add(site, argv[2], argv[3], name,
				role ? role : "member", &err);
		if (rc == 1) {
			printf("%s\n", err.data);
			buf_release(&err);
			return 0;
		}
		if (rc < 0)
			return fail("member add", &err, 65);
		printf("added %s to %s\n", argv[3], argv[2]);
		return 0;
	}
	if (name || role || argc != 4)
		return usage_of("member", 1);
	rc = member_remove(site, argv[2], argv[3], &err);
	if (rc != 0)
		return fail("member remove", &err, rc == 1 ? 67 : 65);
	printf("removed %s from %s\n", argv[3], argv[2]);
	return 0;
}

int cmd_member(struct site *site, int argc, char **argv)
{
	const char *name, *role;
	int missing = 0;

	if (wants_help(argc, argv))
		return usage_of("member", 0);
	name = opt_take(&argc, argv, "--name", &missing);
	role = opt_take(&argc, argv, "--role", &missing);
	if (missing || opt_unknown(argc, argv, "member") || argc < 3)
		return usage_of("member", 1);
	if (!strcmp(argv[1], "list") && argc == 3)
		return member_list(site, argv[2]);
	if (!strcmp(argv[1], "show") && argc == 3)
		return member_show_cmd(site, argv[2]);
	if (!strcmp(argv[1], "set") && !name && !role)
		return cmd_member_set(site, argc, argv);
	if ((!strcmp(argv[1], "add") || !strcmp(argv[1], "remove")) &&
	    argc == 4)
		return member_change(site, argc, argv, name, role);
	return usage_of("member", 1);
}
