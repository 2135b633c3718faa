/* test_buf.c: unit tests for core/buf and core/clock: json_put_string escapes
 * quotes, backslashes, control characters and U+2028/U+2029 and passes other
 * UTF-8 through, so that every output parses back (with Jansson) to its input;
 * buf_append_i64 covers both ends of int64_t; clock_format_rfc3339 gives the
 * RFC 3339 UTC form across epoch, leap days and century rules. */
#include "core/buf.h"
#include "core/clock.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

/* The JSON text json_put_string makes of s[0..len), read from an exact-size
 * heap copy so that AddressSanitizer catches any read past len. */
static void expect_json(const char *s, size_t len, const char *want)
{
	buf b = BUF_INIT;
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, s, len);
	json_put_string(&b, copy, len);
	free(copy);
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, strlen(want));
	assert_string_equal(b.data, want);
	buf_free(&b);
}

#define EXPECT_JSON(lit, want) expect_json(lit, sizeof(lit) - 1, want)

static void string_plain(void **state)
{
	(void)state;
	EXPECT_JSON("", "\"\"");
	EXPECT_JSON("Buy milk", "\"Buy milk\"");
	EXPECT_JSON("a/b <script>", "\"a/b <script>\"");
	EXPECT_JSON("\x7f", "\"\x7f\"");
}

static void string_quotes_and_backslash(void **state)
{
	(void)state;
	EXPECT_JSON("\"", "\"\\\"\"");
	EXPECT_JSON("\\", "\"\\\\\"");
	EXPECT_JSON("a\"b\\c", "\"a\\\"b\\\\c\"");
	EXPECT_JSON("\\\"", "\"\\\\\\\"\"");
	EXPECT_JSON("\"}],\"admin\":true", "\"\\\"}],\\\"admin\\\":true\"");
}

static void string_control_characters(void **state)
{
	(void)state;
	EXPECT_JSON("\n", "\"\\n\"");
	EXPECT_JSON("\r", "\"\\r\"");
	EXPECT_JSON("\t", "\"\\t\"");
	EXPECT_JSON("a\nb", "\"a\\nb\"");
	EXPECT_JSON("\x01", "\"\\u0001\"");
	EXPECT_JSON("\b", "\"\\u0008\"");
	EXPECT_JSON("\f", "\"\\u000c\"");
	EXPECT_JSON("\x1b[31m", "\"\\u001b[31m\"");
	EXPECT_JSON("\x1f", "\"\\u001f\"");
	EXPECT_JSON("\0", "\"\\u0000\"");
	EXPECT_JSON("x\x10y\x1az", "\"x\\u0010y\\u001az\"");
}

static void string_line_separators(void **state)
{
	(void)state;
	EXPECT_JSON("\xe2\x80\xa8", "\"\\u2028\"");
	EXPECT_JSON("\xe2\x80\xa9", "\"\\u2029\"");
	EXPECT_JSON("a\xe2\x80\xa8"
	            "b\xe2\x80\xa9"
	            "c",
	            "\"a\\u2028b\\u2029c\"");
	/* Neighbours of U+2028/2029 and other E2 sequences pass through. */
	EXPECT_JSON("\xe2\x80\xa7", "\"\xe2\x80\xa7\"");
	EXPECT_JSON("\xe2\x80\xaa", "\"\xe2\x80\xaa\"");
	EXPECT_JSON("\xe2\x82\xac", "\"\xe2\x82\xac\"");
}

static void string_multibyte_passes_through(void **state)
{
	(void)state;
	EXPECT_JSON("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	EXPECT_JSON("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
	EXPECT_JSON("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");
	EXPECT_JSON("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
	EXPECT_JSON("\xc3\xa9\"\xc3\xa9", "\"\xc3\xa9\\\"\xc3\xa9\"");
}

/* Only len bytes are read, even when len cuts the bytes of U+2028. */
static void string_respects_len(void **state)
{
	(void)state;
	expect_json("abc\"def", 3, "\"abc\"");
	expect_json("x\xe2\x80\xa8", 3, "\"x\xe2\x80\"");
}

/* Every byte 0x01..0x7F and a sample of multi-byte characters survive a round
 * trip through a strict JSON parser. */
static void string_round_trip(void **state)
{
	char in[256];
	size_t len = 0;
	buf b = BUF_INIT;
	json_error_t err;
	json_t *parsed;
	static const char extra[] =
	    "\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf";

	(void)state;
	for (int c = 1; c < 0x80; c++)
		in[len++] = (char)c;
	memcpy(in + len, extra, sizeof extra - 1);
	len += sizeof extra - 1;

	json_put_string(&b, in, len);
	assert_false(buf_failed(&b));
	/* Escaped output holds no raw control byte nor raw U+2028/2029. */
	for (size_t i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] >= 0x20);
	assert_null(strstr(b.data, "\xe2\x80\xa8"));
	assert_null(strstr(b.data, "\xe2\x80\xa9"));

	parsed = json_loadb(b.data, b.len, JSON_DECODE_ANY, &err);
	assert_non_null(parsed);
	assert_true(json_is_string(parsed));
	assert_int_equal(json_string_length(parsed), len);
	assert_memory_equal(json_string_value(parsed), in, len);
	json_decref(parsed);
	buf_free(&b);
}

/* The worst case (every byte escaped) grows the buffer past its first size. */
static void string_grows(void **state)
{
	enum { N = 5000 };
	char *in = malloc(N);
	buf b = BUF_INIT;

	(void)state;
	assert_non_null(in);
	memset(in, '\x01', N);
	buf_append_str(&b, "pre");
	json_put_string(&b, in, N);
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, 3 + N * 6 + 2);
	assert_int_equal(strlen(b.data), b.len);
	assert_memory_equal(b.data, "pre\"\\u0001", 10);
	assert_memory_equal(b.data + b.len - 7, "\\u0001\"", 7);
	free(in);
	buf_free(&b);
}

static void expect_i64(int64_t v, const char *want)
{
	buf b = BUF_INIT;

	buf_append_i64(&b, v);
	assert_false(buf_failed(&b));
	assert_int_equal(b.len, strlen(want));
	assert_string_equal(b.data, want);
	buf_free(&b);
}

/* buf_reserve: one allocation, then appends within it keep the same memory. */
static void reserve_once(void **state)
{
	buf b = BUF_INIT;
	char *before;

	(void)state;
	buf_reserve(&b, 5000);
	assert_false(buf_failed(&b));
	assert_true(b.cap > 5000);
	assert_int_equal(b.len, 0);
	before = b.data;
	for (int i = 0; i < 50; i++)
		buf_append(&b, "0123456789", 10);
	assert_ptr_equal(b.data, before);
	assert_int_equal(b.len, 500);
	buf_reserve(&b, 0);
	assert_ptr_equal(b.data, before);
	buf_free(&b);
}

static void append_i64(void **state)
{
	(void)state;
	expect_i64(0, "0");
	expect_i64(7, "7");
	expect_i64(-1, "-1");
	expect_i64(10, "10");
	expect_i64(-42, "-42");
	expect_i64(1000000000, "1000000000");
	expect_i64(INT64_C(9007199254740992), "9007199254740992");
	expect_i64(INT64_MAX, "9223372036854775807");
	expect_i64(INT64_MIN, "-9223372036854775808");
	expect_i64(INT64_MIN + 1, "-9223372036854775807");
}

static void append_and_take(void **state)
{
	buf b = BUF_INIT;
	size_t len = 99;
	char *data;

	(void)state;
	/* An empty buffer hands out nothing. */
	assert_null(buf_take(&b, &len));
	assert_int_equal(len, 0);

	buf_append(&b, "ab", 2);
	buf_append_char(&b, 'c');
	buf_append_str(&b, "de");
	buf_append(&b, NULL, 0);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "abcde");

	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_append_str(&b, "xyz");

	data = buf_take(&b, &len);
	assert_non_null(data);
	assert_int_equal(len, 3);
	assert_string_equal(data, "xyz");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(data);
	buf_free(&b);
	buf_free(NULL);
}

static void json_helpers(void **state)
{
	buf b = BUF_INIT;

	(void)state;
	buf_append_char(&b, '{');
	json_put_key(&b, true, "completed");
	json_put_bool(&b, true);
	json_put_key(&b, false, "done");
	json_put_bool(&b, false);
	json_put_key(&b, false, "at");
	json_put_time(&b, 0);
	json_put_key(&b, false, "t");
	json_put_cstring(&b, "a\"b");
	buf_append_char(&b, '}');
	assert_false(buf_failed(&b));
	assert_string_equal(b.data, "{\"completed\":true,\"done\":false,\"at\":\"1970-01-01T00:00:00.000Z\","
	                            "\"t\":\"a\\\"b\"}");
	buf_free(&b);
}

static void expect_time(int64_t ms, const char *want)
{
	char out[CLOCK_RFC3339_BYTES];

	memset(out, 'X', sizeof out);
	clock_format_rfc3339(ms, out);
	assert_int_equal(strnlen(out, sizeof out), CLOCK_RFC3339_BYTES - 1);
	assert_string_equal(out, want);
}

static void rfc3339(void **state)
{
	(void)state;
	expect_time(0, "1970-01-01T00:00:00.000Z");
	expect_time(1, "1970-01-01T00:00:00.001Z");
	expect_time(999, "1970-01-01T00:00:00.999Z");
	expect_time(1000, "1970-01-01T00:00:01.000Z");
	expect_time(86399999, "1970-01-01T23:59:59.999Z");
	expect_time(86400000, "1970-01-02T00:00:00.000Z");
	expect_time(INT64_C(1700000000123), "2023-11-14T22:13:20.123Z");
	expect_time(INT64_C(1709164800000), "2024-02-29T00:00:00.000Z");
	expect_time(INT64_C(1709251199999), "2024-02-29T23:59:59.999Z");
	expect_time(INT64_C(1709251200000), "2024-03-01T00:00:00.000Z");
	expect_time(INT64_C(951827696007), "2000-02-29T12:34:56.007Z"); /* 400-year leap */
	expect_time(INT64_C(4107542399000), "2100-02-28T23:59:59.000Z");
	expect_time(INT64_C(4107542400000), "2100-03-01T00:00:00.000Z"); /* 2100 is not leap */
	expect_time(INT64_C(253402300799999), "9999-12-31T23:59:59.999Z");
	expect_time(-1, "1969-12-31T23:59:59.999Z");
	expect_time(-1000, "1969-12-31T23:59:59.000Z");
	expect_time(-1001, "1969-12-31T23:59:58.999Z");
	expect_time(INT64_C(-2208988800000), "1900-01-01T00:00:00.000Z");
}

static void clocks_move(void **state)
{
	int64_t now = clock_now_ms();
	int64_t a = clock_mono_us();
	int64_t b = clock_mono_us();

	(void)state;
	assert_true(now > INT64_C(1700000000000)); /* after 2023-11-14 */
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(string_plain),
	    cmocka_unit_test(string_quotes_and_backslash),
	    cmocka_unit_test(string_control_characters),
	    cmocka_unit_test(string_line_separators),
	    cmocka_unit_test(string_multibyte_passes_through),
	    cmocka_unit_test(string_respects_len),
	    cmocka_unit_test(string_round_trip),
	    cmocka_unit_test(string_grows),
	    cmocka_unit_test(reserve_once),
	    cmocka_unit_test(append_i64),
	    cmocka_unit_test(append_and_take),
	    cmocka_unit_test(json_helpers),
	    cmocka_unit_test(rfc3339),
	    cmocka_unit_test(clocks_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
