/* test_query.c: unit tests for api/query: the list defaults, every allowed
 * value of status, sort, order, q, limit and offset; unknown values,
 * unknown or repeated parameters give 422 naming the parameter; escapes are
 * decoded ('+' is a space), while broken escapes, NUL and text that is not
 * UTF-8 once decoded give 400; q is bounded in code points, not bytes. */
#include "api/query.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define EMOJI         "\xf0\x9f\x98\x80"
#define EMOJI_ENCODED "%F0%9F%98%80"

/* ---- helpers ------------------------------------------------------------ */

static char scratch[64 * 1024];

/* prefix, then unit n times, then suffix, in one static buffer. */
static const char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t at = 0;

	assert_true(strlen(prefix) + strlen(unit) * n + strlen(suffix) < sizeof scratch);
	memcpy(scratch, prefix, strlen(prefix));
	at += strlen(prefix);
	for (size_t i = 0; i < n; i++) {
		memcpy(scratch + at, unit, strlen(unit));
		at += strlen(unit);
	}
	memcpy(scratch + at, suffix, strlen(suffix) + 1);
	return scratch;
}

/* Parses from an exact-size heap copy, so a read past len is caught. */
static status parse_n(const char *raw, size_t len, struct task_query *out, struct verr *e)
{
	char *copy = malloc(len ? len : 1);
	status st;

	assert_non_null(copy);
	memcpy(copy, raw, len);
	memset(e, 0, sizeof *e);
	st = query_tasks_parse(copy, len, out, e);
	free(copy);
	return st;
}

static struct task_query parse_ok(const char *raw)
{
	struct task_query q;
	struct verr e;
	status st = parse_n(raw, strlen(raw), &q, &e);

	if (st != STATUS_OK)
		fail_msg("\"%s\": status %d, first error on \"%s\"", raw, (int)st,
		         e.n ? e.items[0].field : "");
	assert_int_equal(e.n, 0);
	return q;
}

/* raw is refused with 422 naming only field, with message (any when NULL);
 * the out-parameter stays as it was. */
static void expect_invalid(const char *raw, const char *field, const char *message)
{
	struct task_query q, before;
	struct verr e;

	memset(&q, 0x5a, sizeof q);
	before = q;
	if (parse_n(raw, strlen(raw), &q, &e) != STATUS_INVALID)
		fail_msg("\"%s\": not refused as invalid", raw);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.items[0].field, field);
	if (message)
		assert_string_equal(e.items[0].message, message);
	assert_memory_equal(&q, &before, sizeof q);
}

static void expect_bad_n(const char *raw, size_t len)
{
	struct task_query q, before;
	struct verr e;

	memset(&q, 0x5a, sizeof q);
	before = q;
	if (parse_n(raw, len, &q, &e) != STATUS_BAD_REQUEST)
		fail_msg("\"%.*s\": not refused as a bad request", (int)len, raw);
	assert_memory_equal(&q, &before, sizeof q);
}

static void expect_bad(const char *raw)
{
	expect_bad_n(raw, strlen(raw));
}

static void expect_defaults(const struct task_query *q)
{
	assert_int_equal(q->filter, TASK_FILTER_ALL);
	assert_int_equal(q->sort, TASK_SORT_CREATED);
	assert_false(q->ascending);
	assert_string_equal(q->text, "");
	assert_int_equal(q->limit, LIMIT_PAGE_DEFAULT);
	assert_int_equal(q->offset, 0);
}

/* ---- tests -------------------------------------------------------------- */

static void defaults(void **state)
{
	struct task_query q;
	struct verr e = {0};

	(void)state;
	assert_int_equal(LIMIT_PAGE_DEFAULT, 50);
	q = parse_ok("");
	expect_defaults(&q);
	memset(&q, 0x5a, sizeof q);
	assert_int_equal(query_tasks_parse(NULL, 0, &q, &e), STATUS_OK);
	expect_defaults(&q);
	q = parse_ok("&");
	expect_defaults(&q);
	q = parse_ok("&&&");
	expect_defaults(&q);
}

static void status_values(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("status=all").filter, TASK_FILTER_ALL);
	assert_int_equal(parse_ok("status=pending").filter, TASK_FILTER_PENDING);
	assert_int_equal(parse_ok("status=completed").filter, TASK_FILTER_COMPLETED);
	expect_invalid("status=done", "status", "must be one of all, pending, completed");
	expect_invalid("status=ALL", "status", NULL);
	expect_invalid("status=", "status", NULL);
	expect_invalid("status", "status", NULL);
	expect_invalid("status=all+", "status", NULL);
	expect_invalid("status=pending,completed", "status", NULL);
}

static void sort_values(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("sort=created").sort, TASK_SORT_CREATED);
	assert_int_equal(parse_ok("sort=updated").sort, TASK_SORT_UPDATED);
	assert_int_equal(parse_ok("sort=title").sort, TASK_SORT_TITLE);
	expect_invalid("sort=id", "sort", "must be one of created, updated, title");
	expect_invalid("sort=created_at", "sort", NULL);
	expect_invalid("sort=title;drop", "sort", NULL);
	expect_invalid("sort=", "sort", NULL);
}

static void order_values(void **state)
{
	(void)state;
	assert_true(parse_ok("order=asc").ascending);
	assert_false(parse_ok("order=desc").ascending);
	expect_invalid("order=up", "order", "must be asc or desc");
	expect_invalid("order=ASC", "order", NULL);
	expect_invalid("order=", "order", NULL);
}

static void all_together(void **state)
{
	struct task_query q;

	(void)state;
	q = parse_ok("status=pending&sort=title&order=asc&q=milk&limit=10&offset=20");
	assert_int_equal(q.filter, TASK_FILTER_PENDING);
	assert_int_equal(q.sort, TASK_SORT_TITLE);
	assert_true(q.ascending);
	assert_string_equal(q.text, "milk");
	assert_int_equal(q.limit, 10);
	assert_int_equal(q.offset, 20);
	/* Order of parameters does not matter. */
	q = parse_ok("offset=20&limit=10&q=milk&order=asc&sort=title&status=pending");
	assert_int_equal(q.filter, TASK_FILTER_PENDING);
	assert_int_equal(q.limit, 10);
	assert_int_equal(q.offset, 20);
}

static void limit_values(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("limit=1").limit, 1);
	assert_int_equal(parse_ok("limit=50").limit, 50);
	assert_int_equal(parse_ok("limit=100").limit, 100);
	/* Leading zeros are plain decimal. */
	assert_int_equal(parse_ok("limit=007").limit, 7);
	expect_invalid("limit=0", "limit", "must be a whole number from 1 to 100");
	expect_invalid("limit=101", "limit", NULL);
	expect_invalid("limit=1000", "limit", NULL);
	expect_invalid("limit=x", "limit", NULL);
	expect_invalid("limit=", "limit", NULL);
	expect_invalid("limit", "limit", NULL);
	expect_invalid("limit=-1", "limit", NULL);
	expect_invalid("limit=+5", "limit", NULL);
	expect_invalid("limit=%2B5", "limit", NULL);
	expect_invalid("limit=%205", "limit", NULL);
	expect_invalid("limit=5%20", "limit", NULL);
	expect_invalid("limit=1e2", "limit", NULL);
	expect_invalid("limit=5.0", "limit", NULL);
	expect_invalid("limit=0x10", "limit", NULL);
	expect_invalid("limit=18446744073709551617", "limit", NULL);
	expect_invalid("limit=99999999999999999999999999999999", "limit", NULL);
}

static void offset_values(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("offset=0").offset, 0);
	assert_int_equal(parse_ok("offset=1").offset, 1);
	assert_int_equal(parse_ok("offset=1000000000").offset, LIMIT_OFFSET_MAX);
	expect_invalid("offset=-1", "offset", "must be a whole number from 0 to 1000000000");
	expect_invalid("offset=1000000001", "offset", NULL);
	expect_invalid("offset=9223372036854775807", "offset", NULL);
	expect_invalid("offset=9223372036854775808", "offset", NULL);
	expect_invalid("offset=99999999999999999999999999", "offset", NULL);
	expect_invalid("offset=", "offset", NULL);
	expect_invalid("offset=abc", "offset", NULL);
	expect_invalid("offset=1.5", "offset", NULL);
}

static void unknown_parameters(void **state)
{
	struct task_query q;
	struct verr e;

	(void)state;
	expect_invalid("foo=1", "foo", "is not a known parameter");
	expect_invalid("Status=all", "Status", "is not a known parameter");
	expect_invalid("page=2", "page", NULL);
	expect_invalid("access_token=abc", "access_token", NULL);
	expect_invalid("limit=5&foo", "foo", NULL);
	expect_invalid("=5", "", NULL);
	expect_invalid("averyveryverylongparametername=1", "averyveryverylongparametername", NULL);
	/* A name is cut to what the verr holds. */
	assert_int_equal(parse_n(repeat("", "p", 100, "=1"), 102, &q, &e), STATUS_INVALID);
	assert_int_equal(strlen(e.items[0].field), VERR_FIELD_BYTES);
	/* Each error is named, up to what the verr holds. */
	assert_int_equal(parse_n("status=x&sort=y&a=1", 19, &q, &e), STATUS_INVALID);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.items[0].field, "status");
	assert_string_equal(e.items[1].field, "sort");
	assert_string_equal(e.items[2].field, "a");
	assert_int_equal(parse_n("a&b&c&d&e&f&g&h&i&j&k", 21, &q, &e), STATUS_INVALID);
	assert_int_equal(e.n, VERR_MAX);
}

static void duplicates(void **state)
{
	struct task_query q;
	struct verr e;

	(void)state;
	expect_invalid("limit=5&limit=5", "limit", "must be given at most once");
	expect_invalid("status=all&status=pending", "status", "must be given at most once");
	expect_invalid("sort=title&sort=title", "sort", NULL);
	expect_invalid("order=asc&order=desc", "order", NULL);
	expect_invalid("offset=1&offset=2", "offset", NULL);
	expect_invalid("q=a&q=b", "q", NULL);
	expect_invalid("q&q", "q", NULL);
	/* Decoding comes first: an encoded name is the same parameter. */
	expect_invalid("limit=5&%6Cimit=6", "limit", "must be given at most once");
	/* A bad first value and then a repeat: both are named. */
	assert_int_equal(parse_n("limit=x&limit=5", 15, &q, &e), STATUS_INVALID);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.items[0].field, "limit");
	assert_string_equal(e.items[1].field, "limit");
	assert_string_equal(e.items[1].message, "must be given at most once");
}

static void decoding(void **state)
{
	(void)state;
	assert_string_equal(parse_ok("q=milk").text, "milk");
	assert_string_equal(parse_ok("q=buy+milk").text, "buy milk");
	assert_string_equal(parse_ok("q=buy%20milk").text, "buy milk");
	assert_string_equal(parse_ok("q=a%2Bb").text, "a+b");
	assert_string_equal(parse_ok("q=caf%C3%A9").text, "caf\xc3\xa9");
	assert_string_equal(parse_ok("q=caf%c3%a9").text, "caf\xc3\xa9");
	assert_string_equal(parse_ok("q=caf\xc3\xa9").text, "caf\xc3\xa9");
	assert_string_equal(parse_ok("q=%26%3D%25%23").text, "&=%#");
	assert_string_equal(parse_ok("q=50%25+off").text, "50% off");
	assert_string_equal(parse_ok("q=a=b").text, "a=b");
	assert_string_equal(parse_ok("q=%27%3B+DROP+TABLE+tasks%3B--").text, "'; DROP TABLE tasks;--");
	assert_string_equal(parse_ok("q=+milk+").text, " milk "); /* not trimmed */
	assert_string_equal(parse_ok("q=").text, "");
	assert_string_equal(parse_ok("q").text, "");
	assert_string_equal(parse_ok("%71=milk").text, "milk");
	assert_int_equal(parse_ok("%6c%69%6d%69%74=%39").limit, 9);
	assert_int_equal(parse_ok("status=%70ending").filter, TASK_FILTER_PENDING);
}

static void broken_escapes(void **state)
{
	(void)state;
	expect_bad("q=%");
	expect_bad("q=%4");
	expect_bad("q=%zz");
	expect_bad("q=%4g");
	expect_bad("q=%g4");
	expect_bad("q=milk%");
	expect_bad("q=milk%2");
	expect_bad("q=%%41");
	expect_bad("limit=%");
	expect_bad("%=1");
	expect_bad("%zz=1");
	expect_bad("li%mit=5");
	expect_bad("foo%zz=1");
	expect_bad("limit=5&q=%");
	/* A broken escape is refused even after a 422-worthy parameter. */
	expect_bad("foo=1&q=%zz");
	/* Only len bytes are read: "%41" cut to "%4". */
	expect_bad_n("q=%41", 4);
}

static void not_utf8_or_nul(void **state)
{
	(void)state;
	expect_bad("q=%FF");
	/* names too: a NUL must not cut a name short, nor may it be non-UTF-8 */
	expect_bad("status%00junk=completed");
	expect_bad("limit%00=5");
	expect_bad("%ff=1");
	expect_bad("%00=1");
	expect_bad("q=%C3");
	expect_bad("q=%C3%28");
	expect_bad("q=%C0%AF");
	expect_bad("q=%E0%80%80");
	expect_bad("q=%ED%A0%80");
	expect_bad("q=%F4%90%80%80");
	expect_bad("q=%F0%9F%98");
	expect_bad("q=\xff");
	expect_bad("q=\xed\xa0\x80");
	expect_bad("q=%00");
	expect_bad("q=a%00b");
	expect_bad("status=all%00");
	expect_bad("limit=%005");
	expect_bad("foo\xff=1");
	expect_bad_n("q=a\0b", 5);
	expect_bad_n("foo\0=1", 6);
}

static void text_length(void **state)
{
	struct task_query q;

	(void)state;
	q = parse_ok(repeat("q=", "a", LIMIT_QUERY_TEXT_CHARS, ""));
	assert_int_equal(strlen(q.text), 200);
	expect_invalid(repeat("q=", "a", LIMIT_QUERY_TEXT_CHARS + 1, ""), "q",
	               "must be at most 200 characters");

	/* Code points, not bytes: 200 four-byte characters fill 800 bytes. */
	q = parse_ok(repeat("q=", EMOJI_ENCODED, 200, ""));
	assert_int_equal(strlen(q.text), 800);
	assert_memory_equal(q.text, EMOJI EMOJI, 8);
	q = parse_ok(repeat("q=", EMOJI, 200, ""));
	assert_int_equal(strlen(q.text), 800);
	expect_invalid(repeat("q=", EMOJI_ENCODED, 201, ""), "q", "must be at most 200 characters");
	expect_invalid(repeat("q=", EMOJI, 201, ""), "q", "must be at most 200 characters");
	q = parse_ok(repeat("q=", "%C3%A9", 200, ""));
	assert_int_equal(strlen(q.text), 400);
	expect_invalid(repeat("q=", "%C3%A9", 201, ""), "q", NULL);
	expect_invalid(repeat("q=", "+", 5000, ""), "q", NULL);
	/* Values of other parameters are bounded too. */
	expect_invalid(repeat("limit=", "0", 5000, "1"), "limit", NULL);
}

static void empty_segments(void **state)
{
	struct task_query q;

	(void)state;
	q = parse_ok("&&limit=5&");
	assert_int_equal(q.limit, 5);
	q = parse_ok("limit=5&&&offset=3&&");
	assert_int_equal(q.limit, 5);
	assert_int_equal(q.offset, 3);
	q = parse_ok("&q=x");
	assert_string_equal(q.text, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults),       cmocka_unit_test(status_values),
	    cmocka_unit_test(sort_values),    cmocka_unit_test(order_values),
	    cmocka_unit_test(all_together),   cmocka_unit_test(limit_values),
	    cmocka_unit_test(offset_values),  cmocka_unit_test(unknown_parameters),
	    cmocka_unit_test(duplicates),     cmocka_unit_test(decoding),
	    cmocka_unit_test(broken_escapes), cmocka_unit_test(not_utf8_or_nul),
	    cmocka_unit_test(text_length),    cmocka_unit_test(empty_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
