/* test_template.c: unit tests for the archive template engine, escaping
 * first since it is the security boundary of every rendered page. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive/template.h"
#include "core/buf.h"
#include "core/util.h"

/* Renders tpl with c and checks the exact output. */
static void expect_render(const char *tpl, struct tctx *c, const char *want)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int rc = template_render_string(tpl, c, &out, &err);

	if (rc != 0)
		fail_msg("render of \"%s\" failed: %s", tpl, err.data);
	assert_string_equal(out.data, want);
	buf_release(&out);
	buf_release(&err);
}

/* Checks that tpl fails with an error starting with want, and that the
 * output buffer is left as it was. */
static void expect_error(const char *tpl, struct tctx *c, const char *want)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	buf_adds(&out, "before");
	assert_int_equal(template_render_string(tpl, c, &out, &err), -1);
	if (strncmp(err.data, want, strlen(want)) != 0)
		fail_msg("error for \"%s\" is \"%s\", wanted \"%s...\"", tpl,
			 err.data, want);
	assert_string_equal(out.data, "before");
	buf_release(&out);
	buf_release(&err);
}

/* ---- temporary template folders ----------------------------------------- */

struct dirs {
	char root[64];
	char over[96];
	char def[96];
};

static void write_file(const char *dir, const char *name, const char *text)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/%s", dir, name);
	f = fopen(path.data, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
	buf_release(&path);
}

static void rm_dir(const char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, de->d_name);
		assert_int_equal(unlink(path.data), 0);
	}
	closedir(d);
	buf_release(&path);
	assert_int_equal(rmdir(dir), 0);
}

static int dirs_setup(void **state)
{
	struct dirs *d = xcalloc(1, sizeof(*d));

	snprintf(d->root, sizeof(d->root), "/tmp/confer-tpl-XXXXXX");
	if (!mkdtemp(d->root))
		return -1;
	snprintf(d->over, sizeof(d->over), "%s/over", d->root);
	snprintf(d->def, sizeof(d->def), "%s/def", d->root);
	if (mkdir(d->over, 0700) < 0 || mkdir(d->def, 0700) < 0)
		return -1;
	*state = d;
	return 0;
}

static int dirs_teardown(void **state)
{
	struct dirs *d = *state;

	rm_dir(d->over);
	rm_dir(d->def);
	rm_dir(d->root);
	free(d);
	return 0;
}

static struct tset *new_set(const struct dirs *d)
{
	struct buf err = BUF_INIT;
	struct tset *t = tset_new(d->over, d->def, &err);

	if (!t)
		fail_msg("tset_new: %s", err.data);
	buf_release(&err);
	return t;
}

/* Renders template `name` from t and checks the exact output. */
static void expect_set(struct tset *t, const char *name, struct tctx *c,
		       const char *want)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	if (tset_render(t, name, c, &out, &err) != 0)
		fail_msg("render of %s failed: %s", name, err.data);
	assert_string_equal(out.data, want);
	buf_release(&out);
	buf_release(&err);
}

static void expect_set_error(struct tset *t, const char *name,
			     struct tctx *c, const char *want)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	assert_int_equal(tset_render(t, name, c, &out, &err), -1);
	if (!strstr(err.data, want))
		fail_msg("error for %s is \"%s\", wanted \"%s\"", name,
			 err.data, want);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	buf_release(&err);
}

/* ---- escaping ------------------------------------------------------------ */

static void test_html_escape_every_char(void **state)
{
	struct buf out = BUF_INIT;
	const char *s = "a&b<c>d\"e'f";

	(void)state;
	html_escape(s, strlen(s), &out);
	assert_string_equal(out.data, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	buf_reset(&out);
	html_escape("&&<<", 4, &out);
	assert_string_equal(out.data, "&amp;&amp;&lt;&lt;");
	buf_reset(&out);
	html_escape("plain", 5, &out);
	html_escape("", 0, &out);
	html_escape("<>", 1, &out); /* only len bytes are read */
	assert_string_equal(out.data, "plain&lt;");
	buf_release(&out);
}

static void test_var_escapes(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_set(c, "v", "<script>alert('x') & \"y\"</script>");
	expect_render("[{{v}}]", c,
		      "[&lt;script&gt;alert(&#39;x&#39;) &amp; "
		      "&quot;y&quot;&lt;/script&gt;]");
	expect_render("[{{ v }}]", c,
		      "[&lt;script&gt;alert(&#39;x&#39;) &amp; "
		      "&quot;y&quot;&lt;/script&gt;]");
	tctx_free(c);
}

static void test_raw_output(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_set(c, "v", "<b>&amp;</b>");
	tctx_set_html(c, "h", "<i>'trusted'</i>");
	/* triple braces do not make a plain string trusted */
	expect_render("{{{v}}}|{{{ v }}}", c,
		      "&lt;b&gt;&amp;amp;&lt;/b&gt;|&lt;b&gt;&amp;amp;&lt;/b&gt;");
	expect_render("{{h}}|{{{h}}}", c,
		      "<i>'trusted'</i>|<i>'trusted'</i>");
	/* Replacing trusted HTML with a plain string restores escaping. */
	tctx_set(c, "h", "<i>");
	expect_render("{{h}}", c, "&lt;i&gt;");
	tctx_free(c);
}

static void test_hostile_value_not_expanded(void **state)
{
	struct tctx *c = tctx_new();
	struct tctx *item;

	(void)state;
	tctx_set(c, "secret", "SECRET");
	tctx_set(c, "v", "{{secret}}{{#x}}{{>passwd}}{{/x}}{{{secret}}}");
	expect_render("{{v}}", c,
		      "{{secret}}{{#x}}{{&gt;passwd}}{{/x}}{{{secret}}}");
	expect_render("{{{v}}}", c,
		      "{{secret}}{{#x}}{{&gt;passwd}}{{/x}}{{{secret}}}");
	item = tctx_push(c, "items");
	tctx_set(item, "name", "{{secret}}");
	tctx_push_str(c, "strs", "{{secret}}");
	expect_render("{{#items}}{{name}}{{/items}}{{#strs}}{{.}}{{/strs}}", c,
		      "{{secret}}{{secret}}");
	tctx_free(c);
}

/* ---- values and sections -------------------------------------------------- */

static void test_missing_and_non_strings(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_set_bool(c, "b", 1);
	tctx_map(c, "m");
	tctx_push_str(c, "l", "x");
	expect_render("[{{nope}}{{{nope}}}{{b}}{{m}}{{l}}{{a.b.c}}]", c, "[]");
	expect_render("no tags at all\n", c, "no tags at all\n");
	expect_render("", c, "");
	expect_render("{{x}}", NULL, "");
	tctx_free(c);
}

static void test_setf_and_replace(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_setf(c, "n", "%d messages in <%s>", 42, "list");
	expect_render("{{n}}", c, "42 messages in &lt;list&gt;");
	tctx_set(c, "n", "one");
	tctx_set(c, "n", "two");
	expect_render("{{n}}", c, "two");
	tctx_push_str(c, "n", "a"); /* a list replaces the string */
	expect_render("{{n}}{{#n}}{{.}}{{/n}}", c, "a");
	tctx_set(tctx_map(c, "n"), "x", "map");
	assert_ptr_equal(tctx_map(c, "n"), tctx_map(c, "n"));
	expect_render("{{n.x}}", c, "map");
	tctx_set(c, "z", NULL);
	expect_render("[{{z}}]{{^z}}empty{{/z}}", c, "[]empty");
	tctx_free(c);
	tctx_free(NULL);
}

static void test_bool_and_string_sections(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_set_bool(c, "yes", 1);
	tctx_set_bool(c, "no", 0);
	tctx_set(c, "s", "<subject>");
	tctx_set(c, "empty", "");
	expect_render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}", c, "Y");
	expect_render("{{#s}}<h1>{{.}}</h1>{{/s}}", c,
		      "<h1>&lt;subject&gt;</h1>");
	expect_render("{{#empty}}E{{/empty}}{{#missing}}M{{/missing}}", c, "");
	expect_render("{{#yes}}{{s}}{{/yes}}", c, "&lt;subject&gt;");
	tctx_free(c);
}

static void test_inverted(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_set_bool(c, "no", 0);
	tctx_set_bool(c, "yes", 1);
	tctx_set(c, "empty", "");
	tctx_set(c, "full", "x");
	tctx_push_str(c, "list", "x");
	tctx_map(c, "map");
	tctx_push(tctx_map(c, "m2"), "inner"); /* m2.inner is non-empty */
	expect_render("{{^missing}}1{{/missing}}{{^no}}2{{/no}}"
		      "{{^empty}}3{{/empty}}", c, "123");
	expect_render("{{^yes}}1{{/yes}}{{^full}}2{{/full}}"
		      "{{^list}}3{{/list}}{{^map}}4{{/map}}"
		      "{{^m2.inner}}5{{/m2.inner}}", c, "");
	tctx_free(c);
}

static void test_empty_list(void **state)
{
	struct tctx *c = tctx_new();
	struct tctx *m = tctx_new();

	(void)state;
	/* A list that was created and then replaced by an empty one. */
	tctx_push_str(c, "tags", "x");
	tctx_set_bool(c, "tags", 0);
	expect_render("<ul>{{#tags}}<li>{{.}}</li>{{/tags}}</ul>"
		      "{{^tags}}none{{/tags}}", c, "<ul></ul>none");
	tctx_free(c);
	expect_render("{{#nothing}}x{{/nothing}}{{^nothing}}none{{/nothing}}",
		      m, "none");
	tctx_free(m);
}

static void test_string_list(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_push_str(c, "tags", "a<b");
	tctx_push_str(c, "tags", "c&d");
	tctx_push_str(c, "tags", "e");
	expect_render("{{#tags}}[{{.}}|{{{.}}}]{{/tags}}", c,
		      "[a&lt;b|a&lt;b][c&amp;d|c&amp;d][e|e]");
	tctx_free(c);
}

static void test_list_of_maps_and_nesting(void **state)
{
	struct tctx *c = tctx_new();
	struct tctx *t, *m;

	(void)state;
	t = tctx_push(c, "threads");
	tctx_set(t, "subject", "first");
	m = tctx_push(t, "msgs");
	tctx_set(m, "from", "ann");
	m = tctx_push(t, "msgs");
	tctx_set(m, "from", "bob");
	t = tctx_push(c, "threads");
	tctx_set(t, "subject", "second");
	m = tctx_push(t, "msgs");
	tctx_set(m, "from", "cy");
	expect_render("{{#threads}}{{subject}}:{{#msgs}} {{from}}{{/msgs}};"
		      "{{/threads}}", c, "first: ann bob;second: cy;");
	tctx_free(c);
}

static void test_dotted_names(void **state)
{
	struct tctx *c = tctx_new();
	struct tctx *list, *item;

	(void)state;
	list = tctx_map(c, "list");
	tctx_set(list, "name", "dev<");
	tctx_set(tctx_map(list, "owner"), "addr", "o@x");
	item = tctx_push(c, "items");
	tctx_set(item, "x", "1");
	expect_render("{{list.name}} {{list.owner.addr}} [{{list.nope}}]"
		      "[{{list.name.deeper}}]", c, "dev&lt; o@x [][]");
	expect_render("{{#list.owner}}{{addr}}{{/list.owner}}", c, "o@x");
	/* Dotted names resolve their first part through the scopes. */
	expect_render("{{#items}}{{x}}/{{list.owner.addr}}{{/items}}", c,
		      "1/o@x");
	/* The first part found wins: no fall-back for the rest. */
	tctx_set(item, "list", "shadow");
	expect_render("{{#items}}[{{list.name}}]{{/items}}", c, "[]");
	tctx_free(c);
}

/* A shared map reads like an own one, is never freed by the contexts
 * that borrow it, and setters never write through it. */
static void test_shared_map(void **state)
{
	struct tctx *strings = tctx_new();
	struct tctx *a = tctx_new(), *b = tctx_new();

	(void)state;
	tctx_set(strings, "hello", "Hi <there>");
	tctx_set_shared(a, "t", strings);
	tctx_set_shared(b, "t", strings);
	expect_render("{{t.hello}}|{{#t}}{{hello}}{{/t}}", a,
		      "Hi &lt;there&gt;|Hi &lt;there&gt;");
	tctx_free(a);
	/* b still reads it: a did not free it */
	expect_render("{{t.hello}}", b, "Hi &lt;there&gt;");
	/* writing into b's "t" gives b a map of its own */
	tctx_set(b, "t.other", "x");
	expect_render("[{{t.hello}}][{{t.other}}]", b, "[][x]");
	tctx_set_shared(b, "t", strings);
	expect_render("[{{t.hello}}][{{t.other}}]", b, "[Hi &lt;there&gt;][]");
	tctx_free(b);
	tctx_free(strings);
}

static void test_dotted_setters(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_set(c, "list.name", "dev");
	tctx_setf(c, "list.address", "%s@%s", "dev", "example.org");
	tctx_set_html(c, "list.owner.html", "<b>o</b>");
	tctx_set_bool(c, "list.open", 1);
	tctx_push_str(c, "list.tags", "t1");
	tctx_set(tctx_push(c, "list.msgs"), "n", "m1");
	expect_render("{{list.name}} {{list.address}} {{list.owner.html}}"
		      "{{#list.open}} open{{/list.open}}"
		      "{{#list.tags}} {{.}}{{/list.tags}}"
		      "{{#list.msgs}} {{n}}{{/list.msgs}}", c,
		      "dev dev@example.org <b>o</b> open t1 m1");
	/* Same maps whether reached by a dotted name or step by step. */
	assert_ptr_equal(tctx_map(c, "list.owner"),
			 tctx_map(tctx_map(c, "list"), "owner"));
	expect_render("{{#list}}{{name}}{{/list}}", c, "dev");
	/* A string in the way is replaced by a map. */
	tctx_set(c, "s", "str");
	tctx_set(c, "s.x", "inner");
	expect_render("{{s.x}}", c, "inner");
	tctx_free(c);
}

static void test_scoping(void **state)
{
	struct tctx *c = tctx_new();
	struct tctx *it;

	(void)state;
	tctx_set(c, "name", "outer");
	tctx_set(c, "list", "mylist");
	it = tctx_push(c, "items");
	tctx_set(it, "name", "inner1");
	it = tctx_push(c, "items");
	(void)it; /* second item has no name: the outer one shows */
	expect_render("{{#items}}{{name}}@{{list}} {{/items}}{{name}}", c,
		      "inner1@mylist outer@mylist outer");
	/* A map section scopes like a list item. */
	tctx_set(tctx_map(c, "m"), "name", "m-name");
	expect_render("{{#m}}{{name}}{{/m}}/{{name}}", c, "m-name/outer");
	/* {{.}} is the innermost item; a boolean section adds no scope. */
	tctx_set_bool(c, "flag", 1);
	tctx_push_str(c, "s", "v");
	expect_render("{{#s}}{{#flag}}{{.}}{{/flag}}{{/s}}", c, "v");
	tctx_free(c);
}

static void test_first_last_index(void **state)
{
	struct tctx *c = tctx_new();
	struct tctx *it;

	(void)state;
	tctx_push_str(c, "l", "a");
	tctx_push_str(c, "l", "b");
	tctx_push_str(c, "l", "c");
	expect_render("{{#l}}{{.}}{{^-last}}, {{/-last}}{{/l}}", c, "a, b, c");
	expect_render("{{#l}}{{#-first}}<{{/-first}}{{-index}}{{.}}"
		      "{{#-last}}>{{/-last}}{{/l}}", c, "<1a2b3c>");
	/* Outside a list the specials are simply missing. */
	expect_render("[{{-index}}]{{#-first}}x{{/-first}}"
		      "{{^-last}}y{{/-last}}", c, "[]y");
	/* Sections nested in an item still see the item's position. */
	it = tctx_push(c, "m");
	tctx_set(tctx_map(it, "who"), "n", "p");
	it = tctx_push(c, "m");
	tctx_set(tctx_map(it, "who"), "n", "q");
	expect_render("{{#m}}{{#who}}{{n}}{{-index}}{{^-last}},{{/-last}}"
		      "{{/who}}{{/m}}", c, "p1,q2");
	/* The innermost list wins. */
	expect_render("{{#m}}{{#l}}{{-index}}{{/l}}|{{/m}}", c, "123|123|");
	expect_error("{{-bogus}}", c, "string:1: bad tag");
	tctx_free(c);
}

static void test_comments(void **state)
{
	(void)state;
	expect_render("a{{! a comment }}b{{!}}c", NULL, "abc");
	expect_render("a{{! spans\ntwo lines }}b", NULL, "ab");
	expect_render("x\n{{! note }}\ny\n", NULL, "x\ny\n");
	/* Line numbers still count the lines inside comments. */
	expect_error("{{!\n\n}}\n{{#a}}", NULL, "string:4: section \"a\"");
}

/* ---- whitespace -------------------------------------------------------- */

static void test_standalone_lines(void **state)
{
	struct tctx *c = tctx_new();

	(void)state;
	tctx_push_str(c, "items", "a");
	tctx_push_str(c, "items", "b");
	expect_render("<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n"
		      "</ul>\n", c, "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n");
	/* CRLF lines, tabs, and a closing tag on the last line without \n. */
	expect_render("{{#items}}\r\n\t{{.}}\r\n\t{{/items}}", c,
		      "\ta\r\n\tb\r\n");
	expect_render("{{^items}}\nnone\n{{/items}}\nend\n", c, "end\n");
	/* Not alone on the line: everything is kept. */
	expect_render("x {{#items}}{{.}}{{/items}}\n", c, "x ab\n");
	expect_render("{{#items}}{{.}}{{/items}} \n", c, "ab \n");
	expect_render("{{#items}}{{/items}}\n", c, "\n");
	/* Variables on their own line are content, not block tags. */
	expect_render("a\n{{missing}}\nb\n", c, "a\n\nb\n");
	expect_render("a\n  {{! only a comment }}  \nb\n", c, "a\nb\n");
	tctx_free(c);
}

/* ---- parse errors -------------------------------------------------------- */

static void test_unclosed_section(void **state)
{
	(void)state;
	expect_error("line1\nline2\n{{#a}}\nbody\n", NULL,
		     "string:3: section \"a\" is not closed");
	expect_error("{{#a}}\n{{#b}}\n{{/b}}\n", NULL,
		     "string:1: section \"a\" is not closed");
	expect_error("\n\n{{^inv}}", NULL,
		     "string:3: section \"inv\" is not closed");
}

static void test_mismatched_section(void **state)
{
	(void)state;
	expect_error("{{#a}}\n{{#b}}\nx\n{{/a}}\n{{/b}}\n", NULL,
		     "string:4: \"{{/a}}\" does not close \"{{#b}}\" "
		     "opened on line 2");
	expect_error("ok\n{{/a}}", NULL, "string:2: no open section for");
	expect_error("{{^x}}{{/y}}", NULL,
		     "string:1: \"{{/y}}\" does not close \"{{^x}}\"");
}

static void test_bad_tags(void **state)
{
	(void)state;
	expect_error("a\n{{unclosed", NULL, "string:2: unclosed tag");
	expect_error("{{{raw}}", NULL, "string:1: unclosed tag");
	expect_error("{{}}", NULL, "string:1: bad tag");
	expect_error("x\n\n{{a b}}", NULL, "string:3: bad tag \"{{a b}}\"");
	expect_error("{{&x}}", NULL, "string:1: bad tag");
	expect_error("\n{{a\nb}}", NULL, "string:2: bad tag \"{{a...\"");
	expect_error("{{=<% %>=}}", NULL, "string:1: bad tag");
	expect_error("{{a..b}}", NULL, "string:1: bad tag");
	expect_error("{{.a}}", NULL, "string:1: bad tag");
	expect_error("{{a.}}", NULL, "string:1: bad tag");
	expect_error("{{#}}{{/}}", NULL, "string:1: bad section name");
	expect_error("{{>x}}", NULL, "string:1: no template set for partial");
	/* Single braces and stray closers are text. */
	expect_render("{ } }} {x}", NULL, "{ } }} {x}");
}

/* ---- big contexts --------------------------------------------------------- */

static void test_many_names(void **state)
{
	struct tctx *c = tctx_new();
	struct buf name = BUF_INIT, tpl = BUF_INIT, want = BUF_INIT;
	int i;

	(void)state;
	/* Enough names to build and regrow the hash index. */
	for (i = 0; i < 1000; i++) {
		buf_reset(&name);
		buf_printf(&name, "k%d", i);
		tctx_setf(c, name.data, "%d", i * 2);
	}
	tctx_setf(c, "k500", "replaced");
	for (i = 0; i < 1000; i += 37) {
		buf_printf(&tpl, "{{k%d}},", i);
		if (i == 500)
			buf_adds(&want, "replaced,");
		else
			buf_printf(&want, "%d,", i * 2);
	}
	expect_render(tpl.data, c, want.data);
	buf_release(&name);
	buf_release(&tpl);
	buf_release(&want);
	tctx_free(c);
}

static void test_big_list(void **state)
{
	struct tctx *c = tctx_new();
	struct buf out = BUF_INIT, err = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++)
		tctx_setf(tctx_push(c, "msgs"), "n", "%d", i);
	assert_int_equal(template_render_string("{{#msgs}}{{n}}\n{{/msgs}}", c,
						&out, &err), 0);
	assert_int_equal(out.len, 588890);
	assert_memory_equal(out.data + out.len - 6, "99999\n", 6);
	buf_release(&out);
	buf_release(&err);
	tctx_free(c);
}

/* ---- template sets and partials -------------------------------------------- */

static void test_override_and_default(void **state)
{
	struct dirs *d = *state;
	struct tctx *c = tctx_new();
	struct tset *t;

	tctx_set(c, "who", "<you>");
	write_file(d->def, "page.html", "D:{{>head.html}}|{{>foot.html}}");
	write_file(d->def, "head.html", "default head {{who}}\n");
	write_file(d->over, "head.html", "override head {{who}}\n");
	write_file(d->def, "foot.html", "default foot");
	t = new_set(d);
	expect_set(t, "page.html", c, "D:override head &lt;you&gt;\n|"
				      "default foot");
	expect_set(t, "foot.html", c, "default foot");
	tset_free(t);
	/* Without the override folder the default head shows. */
	t = tset_new(NULL, d->def, NULL);
	assert_non_null(t);
	expect_set(t, "page.html", c, "D:default head &lt;you&gt;\n|"
				      "default foot");
	tset_free(t);
	tctx_free(c);
}

static void test_partial_scope_and_standalone(void **state)
{
	struct dirs *d = *state;
	struct tctx *c = tctx_new();
	struct tset *t;

	tctx_push_str(c, "tags", "a");
	tctx_push_str(c, "tags", "b");
	tctx_set(tctx_push(c, "msgs"), "from", "ann");
	write_file(d->def, "list.html",
		   "<ul>\n  {{#tags}}\n  {{> tag.html }}\n  {{/tags}}\n</ul>\n"
		   "{{#msgs}}\n{{>msg.html}}\n{{/msgs}}\n");
	write_file(d->def, "tag.html", "<li>{{.}}</li>\n");
	write_file(d->def, "msg.html", "<p>{{from}}</p>\n");
	t = new_set(d);
	expect_set(t, "list.html", c,
		   "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>ann</p>\n");
	tset_free(t);
	tctx_free(c);
}

static void test_cache(void **state)
{
	struct dirs *d = *state;
	struct tset *t;

	write_file(d->def, "c.html", "v1 {{>p.html}}");
	write_file(d->def, "p.html", "p1");
	t = new_set(d);
	expect_set(t, "c.html", NULL, "v1 p1");
	/* Parsed once: later edits are not seen by this set. */
	write_file(d->def, "c.html", "v2 {{>p.html}}");
	write_file(d->def, "p.html", "p2");
	expect_set(t, "c.html", NULL, "v1 p1");
	expect_set(t, "p.html", NULL, "p1");
	tset_free(t);
	t = new_set(d);
	expect_set(t, "c.html", NULL, "v2 p2");
	tset_free(t);
}

static void test_unknown_template(void **state)
{
	struct dirs *d = *state;
	struct buf want = BUF_INIT;
	struct tset *t = new_set(d);

	write_file(d->def, "inc.html", "one\ntwo {{>nope.html}}\n");
	expect_set_error(t, "missing.html", NULL,
			 "unknown template \"missing.html\"");
	buf_printf(&want, "%s/inc.html:2: unknown template \"nope.html\"",
		   d->def);
	expect_set_error(t, "inc.html", NULL, want.data);
	/* A failure is not cached: the file can appear later. */
	write_file(d->over, "nope.html", "here");
	expect_set(t, "inc.html", NULL, "one\ntwo here\n");
	buf_release(&want);
	tset_free(t);
}

static void test_bad_names(void **state)
{
	struct dirs *d = *state;
	static const char *const bad[] = {
		"../def/x.html", "sub/x.html", "/etc/passwd", "..", ".",
		".hidden", "", "a..b", "a b", "x\\y",
	};
	struct buf tpl = BUF_INIT;
	struct tset *t = new_set(d);
	size_t i;

	write_file(d->def, "x.html", "x");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		expect_set_error(t, bad[i], NULL, "bad template name");
		buf_reset(&tpl);
		buf_printf(&tpl, "\n{{>%s}}", bad[i]);
		expect_error(tpl.data, NULL, "string:2: bad partial name");
	}
	write_file(d->def, "bad.html", "ok\n{{> ../def/x.html}}");
	expect_set_error(t, "bad.html", NULL, "/bad.html:2: bad partial name");
	expect_set(t, "x.html", NULL, "x");
	buf_release(&tpl);
	tset_free(t);
}

static void test_parse_error_in_file(void **state)
{
	struct dirs *d = *state;
	struct buf want = BUF_INIT;
	struct tset *t = new_set(d);

	write_file(d->over, "top.html", "{{>broken.html}}");
	write_file(d->def, "broken.html", "a\nb\n{{#open}}\n");
	buf_printf(&want, "%s/broken.html:3: section \"open\" is not closed",
		   d->def);
	expect_set_error(t, "top.html", NULL, want.data);
	buf_release(&want);
	tset_free(t);
}

/* Builds a chain of `depth` nested maps under "kids".  The leaf says it
 * has no kids; otherwise the lookup would find its parent's list. */
static void nest(struct tctx *c, int depth)
{
	int i;

	for (i = 0; i < depth; i++) {
		c = tctx_push(c, "kids");
		tctx_setf(c, "n", "%d", i + 1);
	}
	tctx_set_bool(c, "kids", 0);
}

static void test_recursion_limit(void **state)
{
	struct dirs *d = *state;
	struct tctx *ok = tctx_new(), *deep = tctx_new(), *small = tctx_new();
	struct buf want = BUF_INIT;
	struct tset *t = new_set(d);
	int i;

	/* Recursion driven by data, as a reply tree would be: each level of
	 * kids is one more partial, so 16 levels fit and 17 do not. */
	write_file(d->def, "tree.html",
		   "{{#kids}}({{n}}{{>tree.html}}){{/kids}}");
	write_file(d->def, "loop.html", "x{{>loop.html}}");
	nest(small, 3);
	expect_set(t, "tree.html", small, "(1(2(3)))");
	nest(ok, 16);
	for (i = 1; i <= 16; i++)
		buf_printf(&want, "(%d", i);
	for (i = 1; i <= 16; i++)
		buf_addc(&want, ')');
	expect_set(t, "tree.html", ok, want.data);
	nest(deep, 17);
	expect_set_error(t, "tree.html", deep,
			 "tree.html:1: partials nested deeper than 16");
	/* A leaf without its own "kids" would see its parent's again: the
	 * limit turns that endless recursion into an error. */
	tctx_set(tctx_push(tctx_push(small, "kids"), "kids"), "n", "x");
	expect_set_error(t, "tree.html", small,
			 "tree.html:1: partials nested deeper than 16");
	expect_set_error(t, "loop.html", NULL,
			 "loop.html:1: partials nested deeper than 16");
	buf_release(&want);
	tset_free(t);
	tctx_free(small);
	tctx_free(ok);
	tctx_free(deep);
}

static void test_bad_folders(void **state)
{
	struct dirs *d = *state;
	struct buf err = BUF_INIT, path = BUF_INIT;
	struct tset *t;

	buf_printf(&path, "%s/none", d->root);
	assert_null(tset_new(path.data, d->def, &err));
	assert_non_null(strstr(err.data, "/none\": "));
	buf_reset(&err);
	write_file(d->def, "f.html", "x");
	buf_reset(&path);
	buf_printf(&path, "%s/f.html", d->def);
	assert_null(tset_new(NULL, path.data, &err));
	assert_non_null(strstr(err.data, "not a directory"));
	/* A folder named like a template is not read as one. */
	t = tset_new(d->root, NULL, NULL);
	assert_non_null(t);
	expect_set_error(t, "def", NULL, "\"");
	tset_free(t);
	buf_release(&err);
	buf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape_every_char),
		cmocka_unit_test(test_var_escapes),
		cmocka_unit_test(test_raw_output),
		cmocka_unit_test(test_hostile_value_not_expanded),
		cmocka_unit_test(test_missing_and_non_strings),
		cmocka_unit_test(test_setf_and_replace),
		cmocka_unit_test(test_bool_and_string_sections),
		cmocka_unit_test(test_inverted),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_string_list),
		cmocka_unit_test(test_list_of_maps_and_nesting),
		cmocka_unit_test(test_dotted_names),
		cmocka_unit_test(test_dotted_setters),
		cmocka_unit_test(test_shared_map),
		cmocka_unit_test(test_scoping),
		cmocka_unit_test(test_first_last_index),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_standalone_lines),
		cmocka_unit_test(test_unclosed_section),
		cmocka_unit_test(test_mismatched_section),
		cmocka_unit_test(test_bad_tags),
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_big_list),
		cmocka_unit_test_setup_teardown(test_override_and_default,
						dirs_setup, dirs_teardown),
		cmocka_unit_test_setup_teardown(test_partial_scope_and_standalone,
						dirs_setup, dirs_teardown),
		cmocka_unit_test_setup_teardown(test_cache, dirs_setup,
						dirs_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_template,
						dirs_setup, dirs_teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, dirs_setup,
						dirs_teardown),
		cmocka_unit_test_setup_teardown(test_parse_error_in_file,
						dirs_setup, dirs_teardown),
		cmocka_unit_test_setup_teardown(test_recursion_limit,
						dirs_setup, dirs_teardown),
		cmocka_unit_test_setup_teardown(test_bad_folders, dirs_setup,
						dirs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
