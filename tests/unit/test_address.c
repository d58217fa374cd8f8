/* test_address.c: mailbox validation, site addresses, list names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/util.h"
#include "mail/address.h"

static void valid_addresses(void **state)
{
	static const char *good[] = { "a@b.org", "first.last@example.org",
				      "x+tag@sub.example.co", "\"odd name\"@example.org",
				      "o'brien@example.ie", "u@[192.0.2.1]" };
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(address_valid(good[i], &why));
}

static void invalid_addresses(void **state)
{
	static const char *bad[] = { "", "plain", "@example.org", "a@",
				     "a..b@example.org", ".a@example.org",
				     "a.@example.org", "a b@example.org",
				     "a@-bad.org", "a@bad-.org", "a@exa_mple.org",
				     "jos\xc3\xa9@example.org", "a@b..org",
				     "a\n@example.org" };
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_false(address_valid(bad[i], &why));
		assert_non_null(why);
	}
}

static void local_part_limit(void **state)
{
	char addr[100];
	const char *why;

	(void)state;
	memset(addr, 'a', 65);
	memcpy(addr + 65, "@e.org", 7);
	assert_false(address_valid(addr, &why));
	memcpy(addr + 64, "@e.org", 7);
	assert_true(address_valid(addr, &why));
}

static void site_addresses(void **state)
{
	struct list_addr la;

	(void)state;
	assert_int_equal(list_addr_parse("Network@Lists.Example.ORG",
					 "lists.example.org", '+', &la), 0);
	assert_string_equal(la.list, "network");
	assert_int_equal(la.kind, ADDR_POST);
	assert_int_equal(list_addr_parse("health-request@lists.example.org",
					 "lists.example.org", '+', &la), 0);
	assert_string_equal(la.list, "health");
	assert_int_equal(la.kind, ADDR_REQUEST);
	assert_int_equal(list_addr_parse("health-moderate+abc234@lists.example.org",
					 "lists.example.org", '+', &la), 0);
	assert_int_equal(la.kind, ADDR_MODERATE);
	assert_string_equal(la.ext, "abc234");
	assert_int_equal(list_addr_parse("x-y-owner@lists.example.org",
					 "lists.example.org", '+', &la), 0);
	assert_string_equal(la.list, "x-y");
	assert_int_equal(la.kind, ADDR_OWNER);
	assert_int_equal(list_addr_parse("network@other.org",
					 "lists.example.org", '+', &la), -1);
	assert_int_equal(list_addr_parse("@lists.example.org",
					 "lists.example.org", '+', &la), -1);
}

static void list_names(void **state)
{
	const char *why;

	(void)state;
	assert_true(list_name_valid("health", &why));
	assert_true(list_name_valid("west-africa.2027", &why));
	assert_true(list_name_valid("abcdefghijklmnopqrstuvwx", &why));
	assert_false(list_name_valid("abcdefghijklmnopqrstuvwxy", &why));
	assert_false(list_name_valid("Health", &why));
	assert_false(list_name_valid("news-request", &why));
	assert_false(list_name_valid("x-bounces", &why));
	assert_false(list_name_valid("postmaster", &why));
	assert_false(list_name_valid("abuse", &why));
	assert_false(list_name_valid("", &why));
	assert_false(list_name_valid("a b", &why));
	assert_false(list_name_valid("-x", &why));
}

static void strip(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	address_strip("  <a@b.org> ", &b);
	assert_string_equal(b.data, "a@b.org");
	buf_reset(&b);
	address_strip("<>", &b);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_addresses),
		cmocka_unit_test(invalid_addresses),
		cmocka_unit_test(local_part_limit),
		cmocka_unit_test(site_addresses),
		cmocka_unit_test(list_names),
		cmocka_unit_test(strip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
