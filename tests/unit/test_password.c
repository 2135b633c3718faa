/* test_password.c: unit tests for auth/password: argon2id hashes that verify,
 * carry a fresh salt and the current cost (m = 7 MiB, t = 5), refuse wrong
 * passwords and malformed hashes, and ask for a rehash when weaker. */
#include "auth/password.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#define PW "correct horse battery staple"

static int setup(void **state)
{
	(void)state;
	return password_init() == STATUS_OK ? 0 : -1;
}

static void hash_then_verify(void **state)
{
	char hash[PASSWORD_HASH_BYTES];

	(void)state;
	assert_int_equal(password_hash(PW, strlen(PW), hash), STATUS_OK);
	assert_true(strnlen(hash, sizeof hash) < sizeof hash);
	assert_int_equal(password_verify(hash, PW, strlen(PW)), STATUS_OK);
}

static void wrong_password(void **state)
{
	char hash[PASSWORD_HASH_BYTES];

	(void)state;
	assert_int_equal(password_hash(PW, strlen(PW), hash), STATUS_OK);
	assert_int_equal(password_verify(hash, "correct horse battery stapl", strlen(PW) - 1),
	                 STATUS_INVALID_CREDENTIALS);
	assert_int_equal(password_verify(hash, "Correct horse battery staple", strlen(PW)),
	                 STATUS_INVALID_CREDENTIALS);
	assert_int_equal(password_verify(hash, PW "!", strlen(PW) + 1), STATUS_INVALID_CREDENTIALS);
	assert_int_equal(password_verify(hash, "", 0), STATUS_INVALID_CREDENTIALS);
	/* The length is the caller's: a prefix of the right password is wrong. */
	assert_int_equal(password_verify(hash, PW, strlen(PW) - 1), STATUS_INVALID_CREDENTIALS);
}

static void salted(void **state)
{
	char a[PASSWORD_HASH_BYTES], b[PASSWORD_HASH_BYTES];

	(void)state;
	assert_int_equal(password_hash(PW, strlen(PW), a), STATUS_OK);
	assert_int_equal(password_hash(PW, strlen(PW), b), STATUS_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(password_verify(a, PW, strlen(PW)), STATUS_OK);
	assert_int_equal(password_verify(b, PW, strlen(PW)), STATUS_OK);
}

static void encodes_parameters(void **state)
{
	char hash[PASSWORD_HASH_BYTES];
	const char *m, *t;
	char *end;
	long t_cost;

	(void)state;
	assert_int_equal(password_hash(PW, strlen(PW), hash), STATUS_OK);
	assert_memory_equal(hash, "$argon2id$v=19$", strlen("$argon2id$v=19$"));
	m = strstr(hash, "$m=7168,");
	assert_non_null(m);
	t = strstr(m, ",t=");
	assert_non_null(t);
	t_cost = strtol(t + 3, &end, 10);
	assert_true(t_cost == 5);
	assert_true(*end == ',');
	assert_non_null(strstr(end, ",p=1$"));
}

static void rehash(void **state)
{
	char fresh[PASSWORD_HASH_BYTES];
	char weak[crypto_pwhash_STRBYTES];
	char argon2i[crypto_pwhash_STRBYTES];

	(void)state;
	assert_int_equal(password_hash(PW, strlen(PW), fresh), STATUS_OK);
	assert_false(password_needs_rehash(fresh));

	assert_int_equal(
	    crypto_pwhash_str_alg(weak, PW, strlen(PW), 1, 8 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_true(password_needs_rehash(weak));
	assert_int_equal(password_verify(weak, PW, strlen(PW)), STATUS_OK);

	/* a hash made with the earlier setting (m = 19 MiB, t = 2) still verifies */
	char earlier[crypto_pwhash_STRBYTES];
	assert_int_equal(
	    crypto_pwhash_str_alg(earlier, PW, strlen(PW), 2, 19 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_int_equal(password_verify(earlier, PW, strlen(PW)), STATUS_OK);
	assert_int_equal(password_verify(earlier, "wrong-password", 14), STATUS_INVALID_CREDENTIALS);
	assert_true(password_needs_rehash(earlier));
	/* ... and so does one of the setting before this one (m = 12 MiB, t = 3) */
	assert_int_equal(
	    crypto_pwhash_str_alg(earlier, PW, strlen(PW), 3, 12 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_int_equal(password_verify(earlier, PW, strlen(PW)), STATUS_OK);
	assert_true(password_needs_rehash(earlier));

	assert_int_equal(
	    crypto_pwhash_str_alg(argon2i, PW, strlen(PW), 3, 19 * 1024 * 1024, crypto_pwhash_ALG_ARGON2I13),
	    0);
	assert_true(password_needs_rehash(argon2i));
	assert_int_equal(password_verify(argon2i, PW, strlen(PW)), STATUS_OK);

	assert_true(password_needs_rehash(""));
	assert_true(password_needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$garbage"));
}

static void malformed_hash(void **state)
{
	char hash[PASSWORD_HASH_BYTES];
	char unterminated[PASSWORD_HASH_BYTES];
	static const char *bad[] = {
	    "",
	    "$argon2id$",
	    "$argon2id$v=19$m=19456,t=2,p=1$",
	    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$",
	    "$argon2id$v=19$m=19456,t=2,p=1$!!!!$!!!!",
	    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
	    "plaintext",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(password_verify(bad[i], PW, strlen(PW)), STATUS_INVALID_CREDENTIALS);
	assert_int_equal(password_verify(NULL, PW, strlen(PW)), STATUS_INVALID_CREDENTIALS);

	/* A real hash with one character of its digest changed. */
	assert_int_equal(password_hash(PW, strlen(PW), hash), STATUS_OK);
	hash[strlen(hash) - 2] = hash[strlen(hash) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(password_verify(hash, PW, strlen(PW)), STATUS_INVALID_CREDENTIALS);

	/* No NUL within PASSWORD_HASH_BYTES: refused without reading past it. */
	memset(unterminated, 'a', sizeof unterminated);
	assert_int_equal(password_verify(unterminated, PW, strlen(PW)), STATUS_INVALID_CREDENTIALS);
	assert_true(password_needs_rehash(unterminated));
}

static void empty_password(void **state)
{
	char hash[PASSWORD_HASH_BYTES];

	(void)state;
	assert_int_equal(password_hash("", 0, hash), STATUS_OK);
	assert_int_equal(password_verify(hash, "", 0), STATUS_OK);
	assert_int_equal(password_verify(hash, " ", 1), STATUS_INVALID_CREDENTIALS);
}

static void longest_password(void **state)
{
	char pw[LIMIT_PASSWORD_BYTES];
	char hash[PASSWORD_HASH_BYTES];

	(void)state;
	for (size_t i = 0; i < sizeof pw; i += 4)
		memcpy(pw + i, "\xF0\x9F\x94\x91", 4); /* 128 four-byte code points */
	assert_int_equal(password_hash(pw, sizeof pw, hash), STATUS_OK);
	assert_int_equal(password_verify(hash, pw, sizeof pw), STATUS_OK);
	assert_int_equal(password_verify(hash, pw, sizeof pw - 4), STATUS_INVALID_CREDENTIALS);
	pw[sizeof pw - 1] = '\x90';
	assert_int_equal(password_verify(hash, pw, sizeof pw), STATUS_INVALID_CREDENTIALS);
}

static void embedded_nul(void **state)
{
	char hash[PASSWORD_HASH_BYTES];
	static const char pw[] = {'a', 'b', '\0', 'c', 'd'};

	(void)state;
	/* The password is pw[0..len), not a C string. */
	assert_int_equal(password_hash(pw, sizeof pw, hash), STATUS_OK);
	assert_int_equal(password_verify(hash, pw, sizeof pw), STATUS_OK);
	assert_int_equal(password_verify(hash, "ab", 2), STATUS_INVALID_CREDENTIALS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hash_then_verify), cmocka_unit_test(wrong_password),
	    cmocka_unit_test(salted),           cmocka_unit_test(encodes_parameters),
	    cmocka_unit_test(rehash),           cmocka_unit_test(malformed_hash),
	    cmocka_unit_test(empty_password),   cmocka_unit_test(longest_password),
	    cmocka_unit_test(embedded_nul),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
