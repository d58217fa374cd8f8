/* test_template_check.c: template files that would make a page run
 * something are refused, with the line; ordinary markup, text that only
 * talks about script, and the default templates' patterns pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "archive/template_check.h"
#include "core/buf.h"

/* 0 when accepted, else the line the error names (the error must also
 * name the file). */
static int line_of(const char *text, size_t len, int markup)
{
	struct buf err = BUF_INIT;
	int line = 0;

	if (template_text_check("t.html", text, len, markup, &err) < 0) {
		assert_non_null(err.data);
		assert_int_equal(sscanf(err.data, "t.html:%d:", &line), 1);
		assert_true(line > 0);
	}
	buf_release(&err);
	return line;
}

static int check(const char *text)
{
	return line_of(text, strlen(text), 1);
}

static void refused(void **state)
{
	static const struct { const char *text; int line; } cases[] = {
		{ "<script>x()</script>", 1 },
		{ "a\n<SCRIPT src=x.js></SCRIPT>", 2 },
		{ "<p class=x\n  onClick = 'f()'>", 2 },
		{ "<a title=\">\" onclick=\"alert(1)\">", 1 },
		{ "<img src=x {{! c }}onerror=f()>", 1 },
		{ "<img src=x {{#lang}}{{/lang}}onerror=f()>", 1 },
		{ "<img src=x {{#lang}}on{{/lang}}error=f()>", 1 },
		{ "<img src=x {{^lang}}>{{/lang}} onerror=f()>", 1 },
		{ "<{{! c }}script>", 1 },
		{ "<{{lang}} onclick=f()>", 1 },
		{ "<scr{{! c }}ipt>", 1 },
		{ "<p {{subject}}>", 1 },
		{ "<p class=x {{>attrs.html}}>", 1 },
		{ "<a href=\"&#106;avascript:f()\">x</a>", 1 },
		{ "<a href=\"&#x6A;avascript:f()\">x</a>", 1 },
		{ "<a href=\"javascript&colon;f()\">x</a>", 1 },
		{ "<a href=\"java\tscript:f()\">x</a>", 1 },
		{ "<a href=\" JavaScript:f()\">x</a>", 1 },
		{ "<a href=java{{! c }}script:f()>x</a>", 1 },
		{ "<a href='vbscript:f()'>x</a>", 1 },
		{ "<img srcset=\"a.png 1x, javascript:f() 2x\">", 1 },
		{ "<iframe src=\"x.html\"></iframe>", 1 },
		{ "<object data=x></object>", 1 },
		{ "<embed src=x>", 1 },
		{ "<base href=\"http://elsewhere/\">", 1 },
		{ "<div srcdoc=\"x\"></div>", 1 },
		{ "<p>\n<img src=x", 2 },
		{ "<p title=\"never closed>", 1 },
		/* references, blanks and case in a URL */
		{ "<a href=\"&#74;avascript:f()\">x</a>", 1 },
		{ "<a href=\"java&#9;script:f()\">x</a>", 1 },
		{ "<a href=\"java&Tab;script:f()\">x</a>", 1 },
		{ "<a href=\"java&NewLine;script:f()\">x</a>", 1 },
		{ "<a href=\"&#32;javascript:f()\">x</a>", 1 },
		/* what a section that is not shown would take away */
		{ "<a href=\"{{^lang}}x{{/lang}}javascript:f()\">x</a>", 1 },
		{ "<a href=\"x{{^a}}{{/a}}java{{! c }}script:f()\">x</a>", 1 },
		/* sections that leave or enter a value, a tag, a comment */
		{ "<p title='{{^lang}}'{{/lang}} x=' onclick=f() '>", 1 },
		{ "<b title=\"{{^lang}}\"></b>{{/lang}}\" onclick=\"f()\">", 1 },
		{ "{{^lang}}<b title=\"{{/lang}}<img src=x>\">", 1 },
		{ "<img src=x{{^lang}}>{{/lang}} onerror=f()>", 1 },
		{ "{{^lang}}<!--{{/lang}}<img src=x>-->", 1 },
		{ "<img alt=\"{{!\"}}\"=' src=x onerror=f() '>", 1 },
		/* comments end as browsers end them */
		{ "<!-- x --!><img src=x onerror=f()> -->", 1 },
		/* raw text ends at its end tag, not at a quote inside */
		{ "<noscript><b title=\"</noscript><img src=x onerror=f()>\">",
		  1 },
		{ "<style><b title=\"</style><img src=x onerror=f()>\">", 1 },
		/* partials where they could end a tag, value or element */
		{ "<style>{{>style.css}}</style>", 1 },
		{ "<!-- {{>p.html}} -->", 1 },
		{ "<p title=\"{{>p.html}}\">", 1 },
		/* unfinished at the end: a partial that opens what the page
		 * would close */
		{ "<!-- ", 1 },
		{ "<?x ", 1 },
		{ "<title>x", 1 },
		/* SVG animation setting an href; a script in a namespace */
		{ "<svg><a><animate attributeName=\"href\" "
		  "values=\"0;javascript:f()\"/></a></svg>", 1 },
		{ "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (check(cases[i].text) != cases[i].line)
			fail_msg("case %zu (%s): line %d", i, cases[i].text,
				 check(cases[i].text));
}

static void accepted(void **state)
{
	static const char *const cases[] = {
		"<p>No JavaScript: this archive works in any browser.</p>",
		"<abbr title=\"one = 1\">1</abbr>",
		"<img alt=\"Archive online = free\" src=\"{{root}}logo.png\">",
		"<!-- never a <script> here -->",
		"<p>Donation = online, onion</p>",
		"<td class=\"{{#sub}}sub{{/sub}}\">x</td>",
		"<li{{#current}} aria-current=\"page\"{{/current}}>x</li>",
		"<a href=\"{{url}}\" data-on=\"1\">{{subject}}</a>",
		"<a href=\"?a=1&amp;on=2\">x</a>",
		"<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"\">",
		"<!DOCTYPE html>\n<html lang=\"{{lang}}\">",
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed></feed>",
		"{{>head.html}}\n<h1>{{title}}</h1>\n{{>foot.html}}\n",
		"<p>a > b and c < d</p>",
		"<a href=\"mailto:{{list.address}}\">{{list.address}}</a>",
		"<style>/* no <script> here */ a > b { color: red }</style>",
		"<a href=\"mailto:x@y?subject=Question,JavaScript: broken\">x</a>",
		"<a href=\"https://duckduckgo.com/?q=html,javascript:void\">x</a>",
		"<title>{{title}} – {{list.name}}</title>",
		"<p>{{#items}}<li{{#cur}} class=\"c\"{{/cur}}>{{name}}</li>"
		"{{/items}}</p>",
		"<!-- {{#x}}a{{/x}} -->",
		"<svg viewBox=\"0 0 10 10\"><animate attributeName=\"x\" "
		"values=\"0;5;0\" dur=\"2s\"/></svg>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (check(cases[i]) != 0)
			fail_msg("case %zu (%s) refused at line %d", i,
				 cases[i], check(cases[i]));
}

static void not_text(void **state)
{
	(void)state;
	assert_int_equal(line_of("a\nb\0c", 5, 0), 2);
	assert_int_equal(line_of("a\r\r\xff", 4, 0), 3);
	assert_int_equal(line_of("\xc0\xaf", 2, 1), 1);      /* overlong */
	assert_int_equal(line_of("\xed\xa0\x80", 3, 0), 1);  /* surrogate */
	assert_int_equal(line_of("caf\xc3\xa9", 5, 1), 0);
	/* style sheets are text, not markup */
	assert_int_equal(line_of("a > b { content: \"<script>\" }", 29, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused),
		cmocka_unit_test(accepted),
		cmocka_unit_test(not_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
