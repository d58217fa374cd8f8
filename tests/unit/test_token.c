/* test_token.c: tokens are 26 lowercase base32 characters, stored only
 * as hashes, single use, and found whatever the case of the address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/token.h"
#include "core/util.h"

static sqlite3 *open_db(void)
{
	sqlite3 *db = NULL;

	assert_int_equal(db_open(&db, ":memory:"), 0);
	assert_int_equal(db_exec(db, "INSERT INTO lists(name, max_size, created) "
				 "VALUES ('network', 1000, 0)"), 0);
	return db;
}

static void create_and_use(void **state)
{
	sqlite3 *db = open_db();
	struct buf tok = BUF_INIT, upper = BUF_INIT;
	struct token_row row;
	size_t i;

	(void)state;
	assert_int_equal(token_create(db, "moderate", 1, 7, "m@example.org",
				      (time_t)4000000000LL, &tok), 0);
	assert_int_equal(tok.len, TOKEN_CHARS);
	for (i = 0; i < tok.len; i++)
		assert_true(strchr("abcdefghijklmnopqrstuvwxyz234567",
				   tok.data[i]) != NULL);
	/* only the hash is stored */
	assert_int_equal(db_scalar(db, "SELECT count(*) FROM tokens WHERE "
				   "hash = ?", tok.data, -1), 0);
	buf_adds(&upper, tok.data);
	for (i = 0; i < upper.len; i++)
		if (upper.data[i] >= 'a' && upper.data[i] <= 'z')
			upper.data[i] = (char)(upper.data[i] - 32);
	assert_int_equal(token_lookup(db, upper.data, "moderate", &row), 0);
	assert_int_equal(row.target, 7);
	assert_int_equal(row.used, 0);
	assert_int_equal(token_lookup(db, tok.data, "confirm", &row), 1);
	assert_int_equal(token_use(db, tok.data), 0);
	assert_int_equal(token_use(db, tok.data), 1);
	assert_int_equal(token_lookup(db, tok.data, "moderate", &row), 0);
	assert_true(row.used != 0);
	buf_release(&tok);
	buf_release(&upper);
	db_close(db);
}

static void malformed_and_unknown(void **state)
{
	sqlite3 *db = open_db();
	struct token_row row;

	(void)state;
	assert_false(token_well_formed(""));
	assert_false(token_well_formed("abc"));
	assert_false(token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaa1"));
	assert_true(token_well_formed("aaaaaaaaaaaaaaaaaaaaaaaaa2"));
	assert_int_equal(token_lookup(db, "x' OR 1=1 --", "moderate", &row), 1);
	assert_int_equal(token_lookup(db, "aaaaaaaaaaaaaaaaaaaaaaaaa2",
				      "moderate", &row), 1);
	db_close(db);
}

static void retire(void **state)
{
	sqlite3 *db = open_db();
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct token_row row;

	(void)state;
	assert_int_equal(token_create(db, "moderate", 1, 3, "a@x.org",
				      (time_t)4000000000LL, &a), 0);
	assert_int_equal(token_create(db, "moderate", 1, 3, "b@x.org",
				      (time_t)4000000000LL, &b), 0);
	assert_string_not_equal(a.data, b.data);
	assert_int_equal(token_retire(db, "moderate", 3), 0);
	assert_int_equal(token_lookup(db, b.data, "moderate", &row), 0);
	assert_true(row.used != 0);
	buf_release(&a);
	buf_release(&b);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_and_use),
		cmocka_unit_test(malformed_and_unknown),
		cmocka_unit_test(retire),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
