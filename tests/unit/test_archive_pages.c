/* test_archive_pages.c: the archive's page helpers: translation tables
 * complete (every table has every key), quotes folded, escaping of what
 * strict parsers reject, attachment names, mboxrd quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "archive/attach.h"
#include "archive/i18n.h"
#include "archive/render.h"
#include "archive/template.h"
#include "archive/text_html.h"
#include "core/buf.h"
#include "core/util.h"

static void test_i18n_tables_complete(void **state)
{
	struct buf report = BUF_INIT;
	int problems = i18n_check(&report);

	(void)state;
	if (problems)
		fail_msg("translation tables: %s", report.data);
	assert_string_equal(i18n_get("fr", "whole_thread"), "Tout le fil");
	assert_string_equal(i18n_get("es", "whole_thread"), "Hilo completo");
	assert_string_equal(i18n_get("xx", "whole_thread"), "Whole thread");
	assert_null(i18n_get("en", "no such key"));
	assert_string_equal(i18n_lang("de"), "en");
	assert_string_equal(i18n_lang("fr"), "fr");
	buf_release(&report);
}

static void expect_html(const char *text, const char *want)
{
	struct buf out = BUF_INIT;

	text_to_html(text, NULL, &out);
	assert_string_equal(out.data, want);
	buf_release(&out);
}

static void test_quotes_folded(void **state)
{
	(void)state;
	/* a short quote stays open */
	expect_html("> a\nb\n", "<span class=\"q\">&gt; a\n</span>b\n");
	/* a long one folds with a count */
	expect_html("> 1\n> 2\n> 3\n> 4\n",
		    "<details class=\"quote\"><summary>quoted text (4 lines)"
		    "</summary><span class=\"q\">&gt; 1\n&gt; 2\n&gt; 3\n&gt; 4\n"
		    "</span></details>");
	/* an attribution folds its quote, even a short one, across one
	 * blank line */
	expect_html("On Mon, Bob <b@x> wrote:\n\n> hi\nok\n",
		    "<details class=\"quote\"><summary>On Mon, Bob &lt;b@x&gt; "
		    "wrote:</summary><span class=\"q\">&gt; hi\n</span>"
		    "</details>ok\n");
	/* "wrote:" without a quote after it is text */
	expect_html("He wrote:\nnothing\n", "He wrote:\nnothing\n");
	assert_true(is_attribution("Le 3 mai, Ana a écrit :", 24));
	assert_false(is_attribution("> x wrote:", 10));
}

static void test_links_only_safe_schemes(void **state)
{
	(void)state;
	expect_html("see https://a.example/x?a=1&b=2.",
		    "see <a href=\"https://a.example/x?a=1&amp;b=2\" "
		    "rel=\"nofollow noopener\">https://a.example/x?a=1&amp;b=2"
		    "</a>.");
	expect_html("javascript:alert(1) data:text/html,x",
		    "javascript:alert(1) data:text/html,x");
	expect_html("http://x/\"onmouseover=1",
		    "<a href=\"http://x/\" rel=\"nofollow noopener\">http://x/"
		    "</a>&quot;onmouseover=1");
	/* brackets: the URL's own stay, the sentence's go */
	expect_html("https://w.example/Foo_(bar).",
		    "<a href=\"https://w.example/Foo_(bar)\" "
		    "rel=\"nofollow noopener\">https://w.example/Foo_(bar)</a>.");
	expect_html("(see https://w.example/a)",
		    "(see <a href=\"https://w.example/a\" "
		    "rel=\"nofollow noopener\">https://w.example/a</a>)");
	expect_html("(https://w.example/Foo_(bar))",
		    "(<a href=\"https://w.example/Foo_(bar)\" "
		    "rel=\"nofollow noopener\">https://w.example/Foo_(bar)</a>)");
}

static void test_escape_replaces_controls(void **state)
{
	struct buf out = BUF_INIT;
	const char s[] = "a\x01" "b\x7f" "c\xc2\x85" "d\xef\xbf\xbe" "e\t\n\f";

	(void)state;
	html_escape(s, sizeof(s) - 1, &out);
	/* a form feed is white space in HTML but not allowed in XML (the
	 * feeds): a space */
	assert_string_equal(out.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c"
			    "\xef\xbf\xbd" "d\xef\xbf\xbd" "e\t\n ");
	buf_release(&out);
}

static void test_attachment_extensions(void **state)
{
	static const char png[] = "\x89PNG\r\n\x1a\n0000";

	(void)state;
	assert_string_equal(attach_ext("image/png", png, sizeof(png) - 1), "png");
	assert_true(attach_inline_image("image/png", png, sizeof(png) - 1));
	/* a "png" that is not one, and every active type: neutral */
	assert_string_equal(attach_ext("image/png", "<html>", 6), "bin");
	assert_false(attach_inline_image("image/png", "<html>", 6));
	assert_string_equal(attach_ext("text/html", "x", 1), "bin");
	assert_string_equal(attach_ext("image/svg+xml", "x", 1), "bin");
	assert_string_equal(attach_ext("application/javascript", "x", 1), "bin");
	assert_string_equal(attach_ext("text/xml", "x", 1), "bin");
	assert_string_equal(attach_ext("application/xhtml+xml", "x", 1), "bin");
	assert_string_equal(attach_ext(NULL, "x", 1), "bin");
	assert_string_equal(attach_ext("application/pdf", "%PDF", 4), "pdf");
	assert_false(attach_inline_image("application/pdf", "%PDF", 4));
}

static void test_mboxrd(void **state)
{
	struct buf out = BUF_INIT;
	const char msg[] = "Subject: x\r\n\r\nFrom here\r\n>From there\r\nend";

	(void)state;
	ar_mboxrd("a@b", 0, msg, sizeof(msg) - 1, &out);
	assert_string_equal(out.data, "From a@b Thu Jan  1 00:00:00 1970\n"
			    "Subject: x\n\n>From here\n>>From there\nend\n\n");
	buf_reset(&out);
	ar_mboxrd("bad sender", 0, "x", 1, &out);
	assert_true(!strncmp(out.data, "From MAILER-DAEMON ", 19));
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i18n_tables_complete),
		cmocka_unit_test(test_quotes_folded),
		cmocka_unit_test(test_links_only_safe_schemes),
		cmocka_unit_test(test_escape_replaces_controls),
		cmocka_unit_test(test_attachment_extensions),
		cmocka_unit_test(test_mboxrd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
