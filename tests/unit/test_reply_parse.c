/* test_reply_parse.c: the moderator's command is the first word of their
 * own text, whatever the reply's shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/util.h"
#include "policy/reply_parse.h"

#define NOTE "Moderation request for network@lists.test (held post #1)\n" \
	"\nFrom:    x@example.net\nSubject: hi\n\nTo approve the post, reply " \
	"to this message: an empty reply\napproves.  To refuse it, reply with " \
	"the word \"reject\" as\nthe first word of your text, optionally\n" \
	"reject REASON\ndiscard\n"
#define QUOTED "> Moderation request for network@lists.test\n>\n" \
	"> reject REASON\n> discard\n"

struct shape {
	const char *name, *text;
	enum mod_command cmd;
	const char *reason;
};

static const struct shape shapes[] = {
	{ "empty", "", MOD_APPROVE, "" },
	{ "blank lines", "\n\n  \n", MOD_APPROVE, "" },
	{ "plain ok", "ok, fine by me\n", MOD_APPROVE, "" },
	{ "reject with reason", "reject too long\n", MOD_REJECT, "too long" },
	{ "Reject: capitalised", "Reject: off topic\n", MOD_REJECT, "off topic" },
	{ "discard.", "Discard.\n", MOD_DISCARD, "" },
	{ "rejected counts", "Rejected, off topic\n", MOD_REJECT, "off topic" },
	{ "discarded counts", "discarded.\n", MOD_DISCARD, "" },
	{ "rejection is not reject", "rejection would be harsh\n", MOD_APPROVE,
	  "" },
	{ "top posted", "reject spam\n\nOn Thu, Dec 3, 2026 at 5:34 PM network "
	  "list <network-moderate+abc@lists.test> wrote:\n" QUOTED, MOD_REJECT,
	  "spam" },
	{ "bottom posted", "On Thu, Dec 03, 2026 at 05:34:00PM +0000, network "
	  "list wrote:\n" QUOTED "\ndiscard\n\n-- \nMod\n", MOD_DISCARD, "" },
	{ "bottom posted approve", "On Thu, Dec 3, network list wrote:\n" QUOTED
	  "\n", MOD_APPROVE, "" },
	{ "gmail wrapped attribution", "On Thu, Dec 3, 2026 at 5:34 PM network "
	  "list <\nnetwork-moderate+abc@lists.test> wrote:\n\n" QUOTED
	  "\nreject not now\n", MOD_REJECT, "not now" },
	{ "french attribution", "Le 03/12/2026 \xc3\xa0 17:34, network list a "
	  "\xc3\xa9" "crit :\n" QUOTED "\nreject hors sujet\n", MOD_REJECT,
	  "hors sujet" },
	{ "german attribution", "Am 03.12.2026 um 17:34 schrieb network list "
	  "<network-moderate+abc@lists.test>:\n" QUOTED "\ndiscard\n",
	  MOD_DISCARD, "" },
	{ "swedish attribution", "Den 2026-12-03 kl. 17:34, skrev network "
	  "list:\n" QUOTED "\nreject nej\n", MOD_REJECT, "nej" },
	{ "outlook separator", "-----Original Message-----\nFrom: network list\n"
	  "Sent: Thursday\n" NOTE, MOD_APPROVE, "" },
	{ "outlook top", "reject wrong list\n\n-----Original Message-----\n"
	  "From: network list\nSent: Thursday\n" NOTE, MOD_REJECT, "wrong list" },
	{ "outlook html header block", "discard\n\n\xc2\xa0\nFrom: network list "
	  "<network-moderate+abc@lists.test>\nSent: Thursday, December 3, 2026 "
	  "5:34 PM\nTo: Mod\nSubject: held\n\n" NOTE, MOD_DISCARD, "" },
	{ "outlook unmarked quote, no own text", "\nFrom: network list\nSent: "
	  "Thursday\nTo: Mod\n" NOTE, MOD_APPROVE, "" },
	{ "outlook german", "reject bitte nicht\n\nVon: network list\nGesendet: "
	  "Donnerstag\nAn: Mod\nBetreff: held\n" NOTE, MOD_REJECT,
	  "bitte nicht" },
	{ "outlook french", "\nDe : network list\nEnvoy\xc3\xa9 : jeudi\n\xc3\x80 "
	  ": Mod\nObjet : held\n" NOTE, MOD_APPROVE, "" },
	{ "outlook rule", "discard\n________________________________\nFrom: "
	  "network list\n" NOTE, MOD_DISCARD, "" },
	{ "signature only", "-- \nMod, moderator\n", MOD_APPROVE, "" },
	{ "sent from my phone", "Sent from my iPhone\n\nOn Dec 3, network list "
	  "wrote:\n" QUOTED, MOD_APPROVE, "" },
	{ "nbsp indent from html", "\xc2\xa0 reject\xc2\xa0\n", MOD_REJECT, "" },
	{ "crlf", "reject too long\r\n\r\n> quoted\r\n", MOD_REJECT, "too long" },
	{ "html blockquote text", "discard\n\nOn 3 Dec 2026, at 17:34, network "
	  "list <network-moderate+abc@lists.test> wrote:\n\n> Moderation "
	  "request\n> reject REASON\n", MOD_DISCARD, "" },
	{ "quoted command is not a command", QUOTED, MOD_APPROVE, "" },
};

static void reply_shapes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct buf reason = BUF_INIT;
		enum mod_command c = modreply_parse_text(shapes[i].text, &reason);
		if (c != shapes[i].cmd || strcmp(reason.data, shapes[i].reason))
			fail_msg("shape \"%s\": got %s \"%s\", want %s \"%s\"",
				 shapes[i].name, mod_command_name(c), reason.data,
				 mod_command_name(shapes[i].cmd), shapes[i].reason);
		buf_release(&reason);
	}
}

static void long_reason_is_capped(void **state)
{
	struct buf text = BUF_INIT, reason = BUF_INIT;
	size_t i;

	(void)state;
	buf_adds(&text, "reject ");
	for (i = 0; i < 2000; i++)
		buf_addc(&text, 'x');
	assert_int_equal(modreply_parse_text(text.data, &reason), MOD_REJECT);
	assert_int_equal(reason.len, 500);
	buf_release(&text);
	buf_release(&reason);
}

static void html_only_message(void **state)
{
	static const char msg[] =
		"From: Mod <mod@example.org>\r\nSubject: RE: held\r\n"
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
		"\r\n<html><body><div dir=\"ltr\">reject&nbsp;too long</div><br>"
		"<div class=\"gmail_quote\"><div>On Thu, network list wrote:<br>"
		"</div><blockquote>reject nothing<br>discard</blockquote></div>"
		"</body></html>\r\n";
	struct buf reason = BUF_INIT;

	(void)state;
	assert_int_equal(modreply_parse(msg, sizeof(msg) - 1, &reason),
			 MOD_REJECT);
	assert_string_equal(reason.data, "too long");
	buf_release(&reason);
}

static void attached_message_is_not_read(void **state)
{
	static const char msg[] =
		"From: Mod <mod@example.org>\r\nSubject: Re: held\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
		"boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
		"\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n"
		"\r\ndiscard\r\n--b--\r\n";
	struct buf reason = BUF_INIT;

	(void)state;
	assert_int_equal(modreply_parse(msg, sizeof(msg) - 1, &reason),
			 MOD_APPROVE);
	buf_release(&reason);
}

static void first_line(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	modreply_first_line("\n> q\nOn x, y wrote:\n> q\n\n  hello there \n",
			    &out);
	assert_string_equal(out.data, "hello there");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_shapes),
		cmocka_unit_test(long_reason_is_capped),
		cmocka_unit_test(html_only_message),
		cmocka_unit_test(attached_message_is_not_read),
		cmocka_unit_test(first_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
