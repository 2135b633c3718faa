/* test_list_cache.c: unit tests for api/list_cache: an answer is given back
 * only for the same caller, the same query and the same data version; a
 * longer answer than the cap is not kept; a thread's answers are freed when
 * it exits (LeakSanitizer checks that in the sanitizer build). */
#include "api/list_cache.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const ada = "00000000-0000-4000-8000-000000000001";
static const char *const bob = "00000000-0000-4000-8000-000000000002";

static struct task_query query(void)
{
	struct task_query q;

	memset(&q, 0, sizeof(q));
	q.filter = TASK_FILTER_ALL;
	q.sort = TASK_SORT_CREATED;
	q.limit = 20;
	return q;
}

static struct store_version version(unsigned char fill)
{
	struct store_version v;

	memset(v.b, fill, sizeof(v.b));
	return v;
}

/* true when get answers exactly want */
static bool got(const char *user, const struct task_query *q, const struct store_version *v, const char *want)
{
	buf b = BUF_INIT;
	bool hit = list_cache_get(user, q, v, &b);
	bool same = hit && b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;

	assert_true(hit == same);
	buf_free(&b);
	return same;
}

static void test_same_key_only(void **state)
{
	struct task_query q = query(), other = query();
	struct store_version v1 = version(1), v2 = version(2);

	(void)state;
	assert_false(got(ada, &q, &v1, "{}"));
	list_cache_put(ada, &q, &v1, "{\"a\":1}", 7);
	assert_true(got(ada, &q, &v1, "{\"a\":1}"));
	assert_false(got(bob, &q, &v1, "{\"a\":1}"));
	assert_false(got(ada, &q, &v2, "{\"a\":1}"));
	other.offset = 20;
	assert_false(got(ada, &other, &v1, "{\"a\":1}"));
	other = query();
	other.filter = TASK_FILTER_COMPLETED;
	assert_false(got(ada, &other, &v1, "{\"a\":1}"));
	other = query();
	other.ascending = true;
	assert_false(got(ada, &other, &v1, "{\"a\":1}"));
	other = query();
	memcpy(other.text, "milk", 5);
	assert_false(got(ada, &other, &v1, "{\"a\":1}"));
	/* a newer answer replaces the older one, shorter or longer */
	list_cache_put(ada, &q, &v2, "{}", 2);
	assert_true(got(ada, &q, &v2, "{}"));
	assert_false(got(ada, &q, &v1, "{\"a\":1}"));
	list_cache_put(ada, &q, &v1, "{\"a\":12345}", 11);
	assert_true(got(ada, &q, &v1, "{\"a\":12345}"));
}

static void test_long_answer_not_kept(void **state)
{
	struct task_query q = query();
	struct store_version v = version(3);
	char *big = malloc(LIST_CACHE_MAX_BYTES + 2);
	buf b = BUF_INIT;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', LIST_CACHE_MAX_BYTES + 1);
	big[LIST_CACHE_MAX_BYTES + 1] = '\0';
	q.limit = 100;
	list_cache_put(ada, &q, &v, big, LIST_CACHE_MAX_BYTES + 1);
	assert_false(list_cache_get(ada, &q, &v, &b));
	assert_int_equal(b.len, 0);
	big[LIST_CACHE_MAX_BYTES] = '\0';
	list_cache_put(ada, &q, &v, big, LIST_CACHE_MAX_BYTES);
	assert_true(got(ada, &q, &v, big));
	free(big);
}

static void *fill_and_exit(void *arg)
{
	struct store_version v = version(4);

	(void)arg;
	for (int i = 1; i <= 40; i++) {
		struct task_query q = query();
		q.limit = i;
		list_cache_put(bob, &q, &v, "{\"tasks\":[]}", 12);
	}
	return NULL;
}

static void test_per_thread(void **state)
{
	struct task_query q = query();
	struct store_version v = version(4);
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, fill_and_exit, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* the other thread's answers are its own (and gone with it) */
	assert_false(got(bob, &q, &v, "{\"tasks\":[]}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_key_only),
	    cmocka_unit_test(test_long_answer_not_kept),
	    cmocka_unit_test(test_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
