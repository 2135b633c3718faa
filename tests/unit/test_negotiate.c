/* test_negotiate.c: unit tests for web/negotiate: gzip is allowed when named
 * without q=0 (any case, any spacing) or by a "*" when not named; If-None-Match
 * matches its tag in a list, weakly, or "*", and nothing malformed. */
#include "web/negotiate.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

static void gzip_allowed(void **state)
{
	(void)state;
	assert_true(negotiate_gzip("gzip"));
	assert_true(negotiate_gzip("gzip, deflate, br"));
	assert_true(negotiate_gzip("br, GZip"));
	assert_true(negotiate_gzip("  gzip ;q=0.5"));
	assert_true(negotiate_gzip("gzip;q=1"));
	assert_true(negotiate_gzip("identity, *"));
	assert_true(negotiate_gzip("*;q=0.1"));
}

static void gzip_refused(void **state)
{
	(void)state;
	assert_false(negotiate_gzip(NULL));
	assert_false(negotiate_gzip(""));
	assert_false(negotiate_gzip("br, deflate"));
	assert_false(negotiate_gzip("gzip;q=0"));
	assert_false(negotiate_gzip("gzip; q=0.000"));
	assert_false(negotiate_gzip("*;q=0.5, gzip;q=0"));
	assert_false(negotiate_gzip("*;q=0"));
	assert_false(negotiate_gzip("gzipx, xgzip, x-gzip"));
	assert_false(negotiate_gzip(",,,;;;"));
}

static void etag_matches(void **state)
{
	(void)state;
	assert_true(negotiate_etag_matches("\"abc\"", "\"abc\""));
	assert_true(negotiate_etag_matches("\"x\", \"abc\"", "\"abc\""));
	assert_true(negotiate_etag_matches("W/\"abc\"", "\"abc\""));
	assert_true(negotiate_etag_matches("*", "\"abc\""));
	assert_true(negotiate_etag_matches(" ,\t\"abc\"", "\"abc\""));
}

static void etag_differs(void **state)
{
	(void)state;
	assert_false(negotiate_etag_matches(NULL, "\"abc\""));
	assert_false(negotiate_etag_matches("", "\"abc\""));
	assert_false(negotiate_etag_matches("\"abcd\"", "\"abc\""));
	assert_false(negotiate_etag_matches("\"ab\"", "\"abc\""));
	assert_false(negotiate_etag_matches("abc", "\"abc\""));
	assert_false(negotiate_etag_matches("\"abc", "\"abc\""));
	assert_false(negotiate_etag_matches("garbage, \"abc\"", "\"abc\""));
	assert_false(negotiate_etag_matches("\"abc-gz\"", "\"abc\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gzip_allowed),
	    cmocka_unit_test(gzip_refused),
	    cmocka_unit_test(etag_matches),
	    cmocka_unit_test(etag_differs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
