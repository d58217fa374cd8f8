/* test_mailtext.c: every language has every mail template, placeholders
 * are filled, and a site's files override the built-in texts in the
 * order NAME.LANG.txt, NAME.txt, built-in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "admin/lists.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/site.h"
#include "policy/mailtext.h"

static void test_every_language_has_every_template(void **state)
{
	struct buf report = BUF_INIT;
	int problems = mailtext_check(&report);

	(void)state;
	if (problems)
		fail_msg("mail templates: %s", report.data);
	assert_string_equal(mailtext_lang("fr"), "fr");
	assert_string_equal(mailtext_lang("de"), "en");
	assert_string_equal(mailtext_lang(NULL), "en");
	buf_release(&report);
}

struct fixture {
	char dir[64];
	struct site site;
	struct list_info li;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/confer-mt-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->site.templates_dir = f->dir;
	f->site.domain = "lists.test";
	f->li.name = "dev";
	f->li.description = "Developers";
	f->li.language = "fr";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct buf cmd = BUF_INIT;

	buf_printf(&cmd, "rm -rf '%s'", f->dir);
	if (system(cmd.data) != 0)
		return -1;
	buf_release(&cmd);
	free(f);
	return 0;
}

static void put(const struct fixture *f, const char *name, const char *text)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;

	path_join(&dir, f->dir, "mail");
	assert_int_equal(mkdir_p(dir.data, 0755), 0);
	path_join(&path, dir.data, name);
	assert_int_equal(write_file_durable(path.data, NULL, text, strlen(text),
					    0644), 0);
	buf_release(&dir);
	buf_release(&path);
}

static void render(const struct fixture *f, const char *name,
		   const struct mt_var *v, struct buf *subj, struct buf *body)
{
	buf_reset(subj);
	buf_reset(body);
	mailtext_render(&f->site, &f->li, name, v, subj, body);
}

static void test_builtin_in_list_language(void **state)
{
	struct fixture *f = *state;
	const struct mt_var v[] = { { "address", "a@example.org" },
				    { "subject", "{list} stays" },
				    { NULL, NULL } };
	struct buf subj = BUF_INIT, body = BUF_INIT;

	render(f, "welcome", v, &subj, &body);
	assert_string_equal(subj.data, "Bienvenue sur la liste dev");
	assert_non_null(strstr(body.data, "dev@lists.test"));
	assert_non_null(strstr(body.data, "a@example.org"));
	assert_non_null(strstr(body.data, "Developers"));
	/* values are never read as placeholders */
	render(f, "held", v, &subj, &body);
	assert_non_null(strstr(body.data, "« {list} stays »"));
	f->li.language = "es";
	render(f, "held", v, &subj, &body);
	assert_string_equal(subj.data, "Su mensaje a dev espera a un moderador");
	f->li.language = "xx";
	render(f, "held", v, &subj, &body);
	assert_string_equal(subj.data, "Message to dev awaits a moderator");
	f->li.language = "fr";
	buf_release(&subj);
	buf_release(&body);
}

static void test_site_files_override(void **state)
{
	struct fixture *f = *state;
	const struct mt_var v[] = { { "address", "a@example.org" },
				    { NULL, NULL } };
	struct buf subj = BUF_INIT, body = BUF_INIT;

	/* NAME.txt without a subject: the built-in subject stays */
	put(f, "welcome.txt", "Hello {address}, {unknown} {list}!\r\n");
	render(f, "welcome", v, &subj, &body);
	assert_string_equal(subj.data, "Bienvenue sur la liste dev");
	assert_string_equal(body.data, "Hello a@example.org, {unknown} dev!\n");
	/* NAME.LANG.txt comes first, and may set the subject */
	put(f, "welcome.fr.txt", "Subject: Salut {list}\n\nCoucou {address}\n");
	render(f, "welcome", v, &subj, &body);
	assert_string_equal(subj.data, "Salut dev");
	assert_string_equal(body.data, "Coucou a@example.org\n");
	f->li.language = "es";
	render(f, "welcome", v, &subj, &body);
	assert_string_equal(body.data, "Hello a@example.org, {unknown} dev!\n");
	f->li.language = "fr";
	buf_release(&subj);
	buf_release(&body);
}

static void test_subject_is_one_line(void **state)
{
	struct fixture *f = *state;
	const struct mt_var v[] = { { "from", "x@example.org" },
				    { "subject", "a\nBcc: evil@example.net" },
				    { NULL, NULL } };
	struct buf subj = BUF_INIT, body = BUF_INIT;

	render(f, "modnote", v, &subj, &body);
	assert_null(strchr(subj.data, '\n'));
	buf_release(&subj);
	buf_release(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_language_has_every_template),
		cmocka_unit_test_setup_teardown(test_builtin_in_list_language,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_site_files_override, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subject_is_one_line, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
