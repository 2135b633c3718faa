/* test_fairness.c: unit tests for the per-address shares of core/: the
 * hash queue (core/workpool.c) serves addresses round-robin and refuses an
 * address over its share with STATUS_RATE_LIMITED, never STATUS_UNAVAILABLE
 * while running; the hourly counter (core/addrlimit.c) allows max events
 * per address in any hour, says when to retry, keeps addresses apart, and
 * holds a refusal learned from elsewhere until its end. */
#include "core/addrlimit.h"
#include "core/workpool.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* ---- workpool ---------------------------------------------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;
static char order[64];
static size_t norder;

/* The first job holds the only worker until the gate opens, so the rest
 * queue up and their order of service can be read; it records 'g' (or 'G',
 * cancelled) once let through. */
static void blocker(void *arg, bool cancelled)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	if (norder < sizeof(order) - 1)
		order[norder++] = cancelled ? 'G' : 'g';
	pthread_mutex_unlock(&gate_lock);
}

/* Records the job's letter, upper-case when it ran cancelled. */
static void record(void *arg, bool cancelled)
{
	char c = *(const char *)arg;

	pthread_mutex_lock(&gate_lock);
	if (norder < sizeof(order) - 1)
		order[norder++] = cancelled ? (char)(c - 'a' + 'A') : c;
	pthread_mutex_unlock(&gate_lock);
}

/* A pool of one worker, held by the blocker. */
static workpool *gated_pool(unsigned queue_max, unsigned per_key_max)
{
	workpool *p = NULL;

	gate_open = 0;
	norder = 0;
	memset(order, 0, sizeof(order));
	assert_int_equal(workpool_new(1, queue_max, per_key_max, &p), STATUS_OK);
	assert_int_equal(workpool_submit(p, "gate", blocker, NULL), STATUS_OK);
	/* let the worker take the blocker before the others queue up */
	struct timespec pause = {0, 50 * 1000 * 1000};
	nanosleep(&pause, NULL);
	return p;
}

/* Opens the gate, frees the pool (which runs every queued job first) and
 * ends the record. */
static void open_gate_and_free(workpool *p)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	workpool_free(p);
	order[norder] = '\0';
}

static void round_robin_between_keys(void **state)
{
	static const char a = 'a', b = 'b';
	workpool *p = gated_pool(64, 4);

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(workpool_submit(p, "10.0.0.1", record, (void *)&a), STATUS_OK);
	/* over its share of 4: refused with 429's status, not 503's */
	assert_int_equal(workpool_submit(p, "10.0.0.1", record, (void *)&a), STATUS_RATE_LIMITED);
	assert_int_equal(workpool_submit(p, "10.0.0.2", record, (void *)&b), STATUS_OK);
	assert_int_equal(workpool_submit(p, "10.0.0.2", record, (void *)&b), STATUS_OK);
	open_gate_and_free(p);
	/* b's jobs are not held behind all of a's: served in turn */
	assert_int_equal(norder, 7);
	assert_true(strcmp(order, "gababaa") == 0 || strcmp(order, "gbabaaa") == 0);
}

static void whole_queue_full_is_rate_limited(void **state)
{
	workpool *p = gated_pool(4, 2);
	char key[16];

	(void)state;
	int accepted = 0;
	for (int i = 0; i < 10; i++) {
		key[0] = (char)('a' + i);
		key[1] = '\0';
		status st = workpool_submit(p, key, record, (void *)"x");
		assert_true(st == STATUS_OK || st == STATUS_RATE_LIMITED);
		accepted += st == STATUS_OK;
	}
	assert_true(accepted >= 3 && accepted <= 4);
	open_gate_and_free(p);
	workpool_free(NULL);
}

/* A stop that cancels the pool: the job running finishes as it is, every
 * job still waiting (and one submitted after) runs cancelled, and the pool
 * still frees. */
static void cancel_runs_waiting_jobs_cancelled(void **state)
{
	static const char b = 'b', c = 'c';
	workpool *p = gated_pool(64, 4);

	(void)state;
	assert_int_equal(workpool_submit(p, "10.0.0.1", record, (void *)&b), STATUS_OK);
	assert_int_equal(workpool_submit(p, "10.0.0.2", record, (void *)&b), STATUS_OK);
	workpool_cancel(p);
	assert_int_equal(workpool_submit(p, "10.0.0.3", record, (void *)&c), STATUS_OK);
	open_gate_and_free(p);
	/* the blocker was running: not cancelled; the rest all cancelled, in
	 * round-robin turn (whose order depends on the lanes they landed in) */
	assert_int_equal(norder, 4);
	assert_int_equal(order[0], 'g');
	assert_non_null(memchr(order + 1, 'C', 3));
	assert_int_equal((order[1] == 'B') + (order[2] == 'B') + (order[3] == 'B'), 2);
	workpool_cancel(NULL);
}

/* ---- addrlimit ---------------------------------------------------------- */

#define T0 ((int64_t)1700000000000) /* ms */

static void allows_max_per_hour(void **state)
{
	addrlimit *l = NULL;
	int64_t ra = 0;

	(void)state;
	assert_int_equal(addrlimit_new(0, &l), STATUS_INVALID);
	assert_int_equal(addrlimit_new(3, &l), STATUS_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(addrlimit_take(l, "192.0.2.1", T0 + i * 1000, &ra), STATUS_OK);
	assert_int_equal(addrlimit_take(l, "192.0.2.1", T0 + 5000, &ra), STATUS_RATE_LIMITED);
	assert_true(ra >= 3590 && ra <= 3660);
	/* another address is its own */
	assert_int_equal(addrlimit_take(l, "192.0.2.2", T0 + 5000, &ra), STATUS_OK);
	/* still refused 59 minutes later: no hour ever holds more than 3 */
	assert_int_equal(addrlimit_take(l, "192.0.2.1", T0 + 59 * 60000, &ra), STATUS_RATE_LIMITED);
	assert_true(ra >= 1 && ra <= 180);
	/* and allowed again once the first ones are over an hour old */
	assert_int_equal(addrlimit_take(l, "192.0.2.1", T0 + 62 * 60000, &ra), STATUS_OK);
	addrlimit_free(l);
	addrlimit_free(NULL);
}

static void check_and_count_in_a_window(void **state)
{
	addrlimit *l = NULL;
	int64_t ra = 0;

	(void)state;
	assert_int_equal(addrlimit_new_window(2, 0, &l), STATUS_INVALID);
	assert_int_equal(addrlimit_new_window(2, 61, &l), STATUS_INVALID);
	assert_int_equal(addrlimit_new_window(2, 15, &l), STATUS_OK);
	/* checking counts nothing, and an unknown address is allowed */
	for (int i = 0; i < 5; i++)
		assert_int_equal(addrlimit_check(l, "192.0.2.1", T0, &ra), STATUS_OK);
	addrlimit_count(l, "192.0.2.1", T0);
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0 + 1000, &ra), STATUS_OK);
	addrlimit_count(l, "192.0.2.1", T0 + 2000);
	ra = 0;
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0 + 3000, &ra), STATUS_RATE_LIMITED);
	assert_true(ra >= 14 * 60 && ra <= 16 * 60);
	/* counting goes on past the limit (attempts already under way) */
	addrlimit_count(l, "192.0.2.1", T0 + 4000);
	assert_int_equal(addrlimit_check(l, "192.0.2.2", T0 + 3000, &ra), STATUS_OK);
	/* still refused 14 minutes on, allowed once the window has passed */
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0 + 14 * 60000, &ra), STATUS_RATE_LIMITED);
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0 + 17 * 60000, &ra), STATUS_OK);
	addrlimit_free(l);
}

/* A refusal learned from elsewhere holds until its end whatever the count,
 * for check and take alike; it only ever grows; other addresses are
 * untouched. */
static void block_refuses_until_its_end(void **state)
{
	addrlimit *l = NULL;
	int64_t ra = 0;

	(void)state;
	assert_int_equal(addrlimit_new(50, &l), STATUS_OK);
	addrlimit_block(l, "192.0.2.1", T0 + 90500);
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0, &ra), STATUS_RATE_LIMITED);
	assert_int_equal(ra, 91);
	assert_int_equal(addrlimit_take(l, "192.0.2.1", T0 + 90000, &ra), STATUS_RATE_LIMITED);
	assert_int_equal(ra, 1);
	addrlimit_block(l, "192.0.2.1", T0 + 1000); /* earlier: changes nothing */
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0 + 2000, &ra), STATUS_RATE_LIMITED);
	assert_int_equal(addrlimit_check(l, "192.0.2.2", T0, &ra), STATUS_OK);
	/* over: the count is the rule again, and nothing was counted meanwhile */
	assert_int_equal(addrlimit_check(l, "192.0.2.1", T0 + 90500, &ra), STATUS_OK);
	assert_int_equal(addrlimit_take(l, "192.0.2.1", T0 + 90500, &ra), STATUS_OK);
	addrlimit_free(l);
}

static void many_addresses(void **state)
{
	addrlimit *l = NULL;
	int64_t ra = 0;
	char addr[32];

	(void)state;
	assert_int_equal(addrlimit_new(1, &l), STATUS_OK);
	for (int i = 0; i < ADDRLIMIT_SLOTS * 2; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		assert_int_equal(addrlimit_take(l, addr, T0 + i, &ra), STATUS_OK);
	}
	/* the most recent address is still remembered */
	assert_int_equal(addrlimit_take(l, addr, T0 + ADDRLIMIT_SLOTS * 2, &ra), STATUS_RATE_LIMITED);
	addrlimit_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_robin_between_keys),
	    cmocka_unit_test(whole_queue_full_is_rate_limited),
	    cmocka_unit_test(cancel_runs_waiting_jobs_cancelled),
	    cmocka_unit_test(allows_max_per_hour),
	    cmocka_unit_test(check_and_count_in_a_window),
	    cmocka_unit_test(block_refuses_until_its_end),
	    cmocka_unit_test(many_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
