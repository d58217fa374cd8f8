/* table.c: the command table: name, function, whether it needs the site,
 * usage and summary (shown by --help). */
#include <stddef.h>

#include "cmd/cmd.h"
#include "core/util.h"

static const struct command commands[] = {
	{ "init", cmd_init, 0,
	  "init DIR --domain DOMAIN [--url BASE-URL] [--relay HOST:PORT]\n"
	  "            [--transport smtp|file]",
	  "create a site in the empty folder DIR with the list \"network\"" },
	{ "lists", cmd_lists, 1, "lists",
	  "show every list as a tree, with member counts" },
	{ "list", cmd_list, 1,
	  "list create NAME [--parent LIST] [--description TEXT]\n"
	  "       confer list show NAME\n"
	  "       confer list set NAME KEY VALUE\n"
	  "       confer list accept|deny NAME ADDRESS|@DOMAIN [--remove]",
	  "create a list (a sub-list of \"network\" unless --parent says\n"
	  "otherwise), show its settings or change them.  Keys for set:\n"
	  "  moderated on|off              hold every post but the staff's\n"
	  "  nonmember_posts hold|reject|discard  (default hold)\n"
	  "  moderate_new_members N        hold a member's first N posts\n"
	  "  subscription_policy open|confirm_then_approve|closed\n"
	  "  notify_owners on|off          tell owners of joins and leaves\n"
	  "  language en|fr|es             of the archive and of confer's mail\n"
	  "                                about the list (the archive is\n"
	  "                                rebuilt at once)\n"
	  "accept and deny lists take an address or a whole @domain; the\n"
	  "deny list is checked first, then the accept list, then membership" },
	{ "member", cmd_member, 1,
	  "member add LIST ADDRESS [--name NAME] [--role member|moderator|owner]\n"
	  "       confer member remove LIST ADDRESS\n"
	  "       confer member list LIST\n"
	  "       confer member show ADDRESS\n"
	  "       confer member set LIST ADDRESS moderated on|off\n"
	  "       confer member set LIST ADDRESS delivery each|digest|nomail",
	  "manage members; a sub-list member must be a member of \"network\",\n"
	  "and leaving \"network\" ends every sub-list membership; a member\n"
	  "whose \"moderated\" flag is on has every post held" },
	{ "receive", cmd_receive, 1,
	  "receive [--sender ADDRESS] RECIPIENT... < MESSAGE",
	  "take one message from the MTA into the spool.  Without arguments\n"
	  "the envelope comes from SENDER and RECIPIENT (or ORIGINAL_RECIPIENT).\n"
	  "--sender '' or '<>' is the null sender.  Exit codes: 0 stored,\n"
	  "64 usage, 65 not a message, 67 no such list address, 69 larger than\n"
	  "limits.hard_max_size, 75 temporary failure (the MTA retries)" },
	{ "fetch", cmd_fetch, 1, "fetch",
	  "move mail from the Maildir sources in the configuration into the\n"
	  "spool; a message leaves its source only once its copy is durable" },
	{ "run", cmd_run, 1, "run [--once]",
	  "process the spool, deliver what is due and update the archive;\n"
	  "--once does everything waiting and exits, otherwise it runs until\n"
	  "SIGTERM or SIGINT and then finishes the step in hand; exits 75\n"
	  "when a part failed (retried next time), 78 when broken site\n"
	  "templates stopped an archive update; deliveries waiting for a\n"
	  "retry are not failures (`confer queue` shows them and why)" },
	{ "queue", cmd_queue, 1, "queue [retry | failed [--days N]]",
	  "list waiting deliveries and why they wait; \"retry\" makes them\n"
	  "all due now; \"failed\" lists those that failed for good in the\n"
	  "last N days (default 7) with the relay's last answer" },
	{ "archive", cmd_archive, 1,
	  "archive [LIST] | archive remove ID --reason TEXT [--list L] "
	  "[--purge]",
	  "rebuild the static archive of one list or of every list;\n"
	  "\"remove\" takes a message out of every page, feed and download,\n"
	  "leaving a placeholder, and records it in the event log; ID is a\n"
	  "Message-ID (every message with it), a permalink (that message in\n"
	  "every list it was posted to), or the address of a message page\n"
	  "in this site's archive (that message in that list); --purge also\n"
	  "deletes the stored original and the sender and subject kept for it" },
	{ "threads", cmd_threads, 1, "threads LIST [--json]",
	  "list a list's archived threads, newest activity first" },
	{ "import", cmd_import, 1,
	  "import mbox LIST FILE... [--format mboxrd|mboxo|mboxcl2]",
	  "load an existing archive into a list without delivering anything;\n"
	  "the mbox From line's date is the time of receipt" },
	{ "mod", cmd_mod, 1,
	  "mod list [LIST]\n"
	  "       confer mod show ID\n"
	  "       confer mod approve|reject|discard ID [--reason TEXT]",
	  "held posts: list them, show one, or decide.  approve sends the\n"
	  "post to the members (on the runner's next pass), reject tells the\n"
	  "sender (with --reason), discard drops it silently.  Moderators can\n"
	  "also decide by replying to the notification they were sent" },
	{ "log", cmd_log, 1, "log [LIST] [--limit N]",
	  "the record of moderation and administrative actions: when, who,\n"
	  "which list, what (the last N, default 100)" },
	{ NULL, NULL, 0, NULL, NULL },
};

const struct command *command_table(void)
{
	return commands;
}
