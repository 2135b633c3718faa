/* test_text.c: unit tests for core/text: utf8_is_valid accepts every
 * well-formed 1-4 byte sequence and refuses overlongs, surrogates, code points
 * above U+10FFFF, truncated or stray bytes and NUL, never reading past len;
 * utf8_count counts code points; text_trim drops only ASCII white space;
 * text_copy and text_copy_lower refuse, writing nothing, what does not fit. */
#include "core/text.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Validates bytes from an exact-size heap copy, so that AddressSanitizer
 * catches any read past len. */
static bool valid(const char *bytes, size_t len)
{
	char *copy = malloc(len ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	ok = utf8_is_valid(copy, len);
	free(copy);
	return ok;
}

#define VALID(lit) valid(lit, sizeof(lit) - 1)

static void utf8_accepts_well_formed(void **state)
{
	(void)state;
	assert_true(VALID(""));
	assert_true(VALID("plain ascii ~\x7f"));
	assert_true(VALID("\x01\x1f"));
	assert_true(VALID("\xc2\x80"));         /* U+0080, smallest 2-byte */
	assert_true(VALID("\xc3\xa9"));         /* U+00E9 */
	assert_true(VALID("\xdf\xbf"));         /* U+07FF, largest 2-byte */
	assert_true(VALID("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
	assert_true(VALID("\xe2\x82\xac"));     /* U+20AC */
	assert_true(VALID("\xed\x9f\xbf"));     /* U+D7FF, just below surrogates */
	assert_true(VALID("\xee\x80\x80"));     /* U+E000, just above surrogates */
	assert_true(VALID("\xef\xbf\xbf"));     /* U+FFFF */
	assert_true(VALID("\xf0\x90\x80\x80")); /* U+10000, smallest 4-byte */
	assert_true(VALID("\xf0\x9f\x98\x80")); /* U+1F600 */
	assert_true(VALID("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
	assert_true(VALID("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"));
}

static void utf8_refuses_overlongs(void **state)
{
	(void)state;
	assert_false(VALID("\xc0\x80")); /* NUL in two bytes */
	assert_false(VALID("\xc0\xaf")); /* '/' in two bytes */
	assert_false(VALID("\xc1\xbf"));
	assert_false(VALID("\xe0\x80\x80"));
	assert_false(VALID("\xe0\x9f\xbf")); /* U+07FF in three bytes */
	assert_false(VALID("\xf0\x80\x80\x80"));
	assert_false(VALID("\xf0\x8f\xbf\xbf")); /* U+FFFF in four bytes */
}

static void utf8_refuses_surrogates(void **state)
{
	(void)state;
	assert_false(VALID("\xed\xa0\x80"));             /* U+D800 */
	assert_false(VALID("\xed\xaf\xbf"));             /* U+DBFF */
	assert_false(VALID("\xed\xb0\x80"));             /* U+DC00 */
	assert_false(VALID("\xed\xbf\xbf"));             /* U+DFFF */
	assert_false(VALID("\xed\xa0\xbd\xed\xb8\x80")); /* a CESU-8 pair */
}

static void utf8_refuses_above_max(void **state)
{
	(void)state;
	assert_false(VALID("\xf4\x90\x80\x80")); /* U+110000 */
	assert_false(VALID("\xf4\xbf\xbf\xbf"));
	assert_false(VALID("\xf5\x80\x80\x80"));
	assert_false(VALID("\xf7\xbf\xbf\xbf"));
	assert_false(VALID("\xf8\x88\x80\x80\x80"));
	assert_false(VALID("\xfc\x84\x80\x80\x80\x80"));
	assert_false(VALID("\xfe"));
	assert_false(VALID("\xff"));
}

static void utf8_refuses_truncated_and_stray(void **state)
{
	(void)state;
	assert_false(VALID("\xc3"));
	assert_false(VALID("\xe2\x82"));
	assert_false(VALID("\xe2"));
	assert_false(VALID("\xf0\x9f\x98"));
	assert_false(VALID("\xf0\x9f"));
	assert_false(VALID("\xf0"));
	assert_false(VALID("\xc3"
	                   "A")); /* lead byte then ASCII */
	assert_false(VALID("\xe2\x82"
	                   "A"));
	assert_false(VALID("\xf0\x9f\x98"
	                   "A"));
	assert_false(VALID("\xc3\xc3\xa9")); /* lead byte then a new lead */
	assert_false(VALID("\x80"));         /* stray continuation */
	assert_false(VALID("\xbf"));
	assert_false(VALID("a\x80z"));
	assert_false(VALID("\xc3\xa9\xa9")); /* one continuation too many */
	/* A whole sequence in memory, but len cuts it. */
	assert_false(valid("\xe2\x82\xac", 2));
	assert_false(valid("\xf0\x9f\x98\x80", 3));
	assert_true(valid("\xc3\xa9\xc3", 2));
}

static void utf8_refuses_nul(void **state)
{
	(void)state;
	assert_false(valid("\0", 1));
	assert_false(valid("a\0b", 3));
	assert_false(valid("abc\0", 4));
	assert_true(valid("abc\0", 3));
}

static void utf8_count_code_points(void **state)
{
	char big[200 * 4];

	(void)state;
	assert_int_equal(utf8_count("", 0), 0);
	assert_int_equal(utf8_count("abc", 3), 3);
	assert_int_equal(utf8_count("\xc3\xa9", 2), 1);
	assert_int_equal(utf8_count("\xe2\x82\xac", 3), 1);
	assert_int_equal(utf8_count("\xf0\x9f\x98\x80", 4), 1);
	assert_int_equal(utf8_count("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 11), 5);
	for (size_t i = 0; i < sizeof big; i += 4)
		memcpy(big + i, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(utf8_count(big, sizeof big), 200);
	/* Only len bytes count. */
	assert_int_equal(utf8_count("abcdef", 2), 2);
}

static void trim_case(const char *in, const char *want)
{
	const char *s = in;
	size_t len = strlen(in);

	text_trim(&s, &len);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
	/* The result is a slice of the input, not a copy. */
	assert_true(s >= in && s + len <= in + strlen(in));
}

static void trim_ascii_space(void **state)
{
	(void)state;
	trim_case("", "");
	trim_case("x", "x");
	trim_case("  Ada  ", "Ada");
	trim_case("\t\n\r\f\v Ada Lovelace \v\f\r\n\t", "Ada Lovelace");
	trim_case(" \t\n\r\f\v", "");
	trim_case("a  b", "a  b");
	trim_case("   x", "x");
	trim_case("x   ", "x");
	/* U+00A0 and U+3000 are not ASCII space: kept. */
	trim_case("\xc2\xa0x\xc2\xa0", "\xc2\xa0x\xc2\xa0");
	trim_case(" \xe3\x80\x80 ", "\xe3\x80\x80");
}

static void trim_respects_len(void **state)
{
	const char *s = "  ab  cd";
	size_t len = 6; /* "  ab  " */

	(void)state;
	text_trim(&s, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(s, "ab", 2);
}

static void copy_bounds(void **state)
{
	char dst[8];

	(void)state;
	memset(dst, 'Z', sizeof dst);
	assert_true(text_copy(dst, sizeof dst, "1234567", 7)); /* len + 1 == cap */
	assert_string_equal(dst, "1234567");

	memset(dst, 'Z', sizeof dst);
	assert_false(text_copy(dst, sizeof dst, "12345678", 8)); /* len == cap */
	assert_false(text_copy(dst, sizeof dst, "123456789", 9));
	for (size_t i = 0; i < sizeof dst; i++)
		assert_int_equal(dst[i], 'Z'); /* nothing written */

	assert_true(text_copy(dst, 1, "", 0));
	assert_int_equal(dst[0], '\0');
	dst[0] = 'Z';
	assert_false(text_copy(dst, 0, "", 0));
	assert_int_equal(dst[0], 'Z');

	/* Only len bytes are copied, and the result is terminated. */
	assert_true(text_copy(dst, sizeof dst, "abcdef", 3));
	assert_string_equal(dst, "abc");
	/* Case is kept. */
	assert_true(text_copy(dst, sizeof dst, "AbC", 3));
	assert_string_equal(dst, "AbC");
}

static void copy_lower_bounds(void **state)
{
	char dst[16];

	(void)state;
	assert_true(text_copy_lower(dst, sizeof dst, "Ada@Example.COM", 15));
	assert_string_equal(dst, "ada@example.com");
	/* Only ASCII letters change: digits, symbols and UTF-8 bytes stay. */
	assert_true(text_copy_lower(dst, sizeof dst, "AZ@[`{09\xc3\x89", 10));
	assert_string_equal(dst, "az@[`{09\xc3\x89");

	memset(dst, 'Z', sizeof dst);
	assert_false(text_copy_lower(dst, sizeof dst, "ABCDEFGHIJKLMNOP", 16));
	for (size_t i = 0; i < sizeof dst; i++)
		assert_int_equal(dst[i], 'Z');
	assert_true(text_copy_lower(dst, sizeof dst, "ABCDEFGHIJKLMNO", 15));
	assert_string_equal(dst, "abcdefghijklmno");
	assert_false(text_copy_lower(dst, 0, "", 0));
	assert_true(text_copy_lower(dst, 1, "", 0));
	assert_string_equal(dst, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(utf8_accepts_well_formed),
	    cmocka_unit_test(utf8_refuses_overlongs),
	    cmocka_unit_test(utf8_refuses_surrogates),
	    cmocka_unit_test(utf8_refuses_above_max),
	    cmocka_unit_test(utf8_refuses_truncated_and_stray),
	    cmocka_unit_test(utf8_refuses_nul),
	    cmocka_unit_test(utf8_count_code_points),
	    cmocka_unit_test(trim_ascii_space),
	    cmocka_unit_test(trim_respects_len),
	    cmocka_unit_test(copy_bounds),
	    cmocka_unit_test(copy_lower_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
