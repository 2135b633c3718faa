/* test_store_pg.c: the store on PostgreSQL, each test on a fresh database of
 * the throw-away server scripts/pg-test.sh starts (TODOD_PG_ADMIN_URL makes
 * the databases, TODOD_PG_URL names them); without them every test fails
 * (make test-pg runs this file, make unit leaves it out). Migrations
 * (twice, a newer schema refused), users, sessions, the login limit, the
 * per-address limit (windows, pruning, takers at once),
 * tasks (isolation, updates, listing, search folding, totals, paging,
 * kept pages following changes made through another store),
 * per-thread connections, reconnection after the server ends a connection,
 * and the time budget (a connect never answered, a statement kept
 * waiting). Where store.h has no operation the test speaks libpq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define USER_A "00000000-0000-4000-8000-00000000000a"
#define USER_B "00000000-0000-4000-8000-00000000000b"
#define WINDOW_MS (15 * 60 * 1000LL)
#define T0 1700000000000LL
#define MAX_VISITS 256

struct fixture {
	char url[1024];
	store *s;
	store_conn *c;
};

struct visits {
	int64_t ids[MAX_VISITS];
	int count;
};

static unsigned db_serial;

/* Runs sql on url; returns the first column of the first row as a number,
 * or -1 when there is none. */
static int64_t raw(const char *url, const char *sql)
{
	PGconn *pg = PQconnectdb(url);
	PGresult *res;
	int64_t v = -1;

	assert_int_equal(PQstatus(pg), CONNECTION_OK);
	res = PQexec(pg, sql);
	assert_true(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(pg);
	return v;
}

static int setup(void **state)
{
	const char *admin = getenv("TODOD_PG_ADMIN_URL"), *template = getenv("TODOD_PG_URL");
	struct fixture *f;
	char name[64], sql[128];
	const char *at;

	if (!admin || !template || !(at = strstr(template, "{db}"))) {
		fprintf(stderr, "test_store_pg: TODOD_PG_ADMIN_URL and TODOD_PG_URL (with {db}) are not set: "
				"run it through scripts/pg-test.sh (make test-pg)\n");
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(name, sizeof(name), "todod_unit_%ld_%u", (long)getpid(), ++db_serial);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	raw(admin, sql);
	snprintf(f->url, sizeof(f->url), "%.*s%s%s", (int)(at - template), template, name, at + 4);
	*state = f;
	if (store_open(f->url, &f->s) != STATUS_OK || store_migrate(f->s) != STATUS_OK ||
	    store_conn_get(f->s, &f->c) != STATUS_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f)
		store_close(f->s);
	free(f);
	return 0;
}

static struct fixture *fixture_of(void **state)
{
	assert_non_null(*state);
	return *state;
}

static void add_user(const struct fixture *f, const char *id, const char *email)
{
	struct user u;
	char sid[64];

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	snprintf(u.email, sizeof(u.email), "%s", email);
	snprintf(u.name, sizeof(u.name), "Ada");
	snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
	u.created_at = 1000;
	snprintf(sid, sizeof(sid), "sid-%s", id);
	assert_int_equal(store_user_create(f->c, &u, sid, 1000000000000000LL), STATUS_OK);
}

static struct task new_task(const struct fixture *f, const char *user_id, const char *title,
			    const char *description, bool completed, int64_t now)
{
	struct task t;

	assert_int_equal(store_task_create(f->c, user_id, title, description, completed, now, &t), STATUS_OK);
	return t;
}

static status visit(const struct task *t, void *arg)
{
	struct visits *v = arg;

	assert_true(v->count < MAX_VISITS);
	v->ids[v->count++] = t->id;
	return STATUS_OK;
}

static int64_t list(const struct fixture *f, const char *user_id, enum task_filter filter, enum task_sort sort,
		    bool ascending, const char *text, int limit, int64_t offset, struct visits *v)
{
	struct task_query q;
	int64_t total = -1;

	memset(&q, 0, sizeof(q));
	q.filter = filter;
	q.sort = sort;
	q.ascending = ascending;
	snprintf(q.text, sizeof(q.text), "%s", text);
	q.limit = limit;
	q.offset = offset;
	memset(v, 0, sizeof(*v));
	assert_int_equal(store_task_list(f->c, user_id, &q, &total, visit, v), STATUS_OK);
	return total;
}

static void assert_ids(const struct visits *v, const int64_t *ids, int n)
{
	assert_int_equal(v->count, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(v->ids[i], ids[i]);
}

/* tests ------------------------------------------------------------------ */

static void test_migrate_twice_and_newer_refused(void **state)
{
	struct fixture *f = fixture_of(state);

	assert_int_equal(store_migrate(f->s), STATUS_OK);
	/* one row per file of migrations/postgres */
	assert_int_equal(raw(f->url, "SELECT count(*) FROM schema_migrations"), 3);
	raw(f->url, "INSERT INTO schema_migrations VALUES (999, '999_future.sql', 0)");
	assert_int_equal(store_migrate(f->s), STATUS_CONFLICT);
}

static void test_users(void **state)
{
	struct fixture *f = fixture_of(state);
	struct user u, got;

	add_user(f, USER_A, "ada@example.com");
	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), USER_B);
	snprintf(u.email, sizeof(u.email), "ada@example.com");
	assert_int_equal(store_user_create(f->c, &u, "sid-other", 10), STATUS_CONFLICT);
	assert_int_equal(store_user_by_email(f->c, "ada@example.com", &got), STATUS_OK);
	assert_string_equal(got.id, USER_A);
	assert_string_equal(got.name, "Ada");
	assert_int_equal(got.created_at, 1000);
	assert_int_equal(store_user_by_email(f->c, "ADA@example.com", &got), STATUS_NOT_FOUND);
	assert_int_equal(store_user_by_id(f->c, USER_B, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_user_set_password_hash(f->c, USER_A, "new-hash"), STATUS_OK);
	assert_int_equal(store_user_by_id(f->c, USER_A, &got), STATUS_OK);
	assert_string_equal(got.password_hash, "new-hash");
	assert_int_equal(store_user_set_password_hash(f->c, USER_B, "x"), STATUS_NOT_FOUND);
}

static void test_sessions(void **state)
{
	struct fixture *f = fixture_of(state);

	add_user(f, USER_A, "ada@example.com");
	assert_int_equal(store_session_check(f->c, "sid-" USER_A, USER_A, T0), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "sid-" USER_A, USER_B, T0), STATUS_UNAUTHORIZED);
	assert_int_equal(store_session_create(f->c, "s2", USER_A, T0, T0 + 100), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s2", USER_A, T0 + 99), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s2", USER_A, T0 + 100), STATUS_UNAUTHORIZED);
	assert_int_equal(store_session_create(f->c, "s3", USER_B, T0, T0 + 100), STATUS_NOT_FOUND);
	assert_int_equal(store_session_revoke(f->c, "sid-" USER_A, T0), STATUS_OK);
	assert_int_equal(store_session_revoke(f->c, "sid-" USER_A, T0), STATUS_OK);
	assert_int_equal(store_session_revoke(f->c, "absent", T0), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "sid-" USER_A, USER_A, T0), STATUS_UNAUTHORIZED);
	/* A new session forgets the dead ones (s2 expired, the first revoked). */
	assert_int_equal(store_session_create(f->c, "s4", USER_A, T0 + 200, T0 + 1000), STATUS_OK);
	assert_int_equal(raw(f->url, "SELECT count(*) FROM sessions"), 1);
}

static void test_login_limit(void **state)
{
	struct fixture *f = fixture_of(state);
	int64_t attempt = 0, retry = 0, first = 0;

	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_login_reserve(f->c, "email:a", "client:1", T0 + i * 1000, WINDOW_MS, 3, 50,
						     &attempt, &retry),
				 STATUS_OK);
		if (i == 0)
			first = attempt;
	}
	assert_true(attempt > first);
	assert_int_equal(store_login_reserve(f->c, "email:a", "client:1", T0 + 5000, WINDOW_MS, 3, 50, NULL, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(retry, (WINDOW_MS - 5000 + 999) / 1000);
	assert_int_equal(store_login_reserve(f->c, "email:a", "client:1", T0 + 5000, WINDOW_MS, 3, 50, &attempt,
					     &retry),
			 STATUS_RATE_LIMITED);
	/* Another email from the same client is not limited by a's count. */
	assert_int_equal(store_login_reserve(f->c, "email:b", "client:1", T0 + 5000, WINDOW_MS, 3, 50, &attempt,
					     &retry),
			 STATUS_OK);
	/* Success forgets the email's failures. */
	assert_int_equal(store_login_succeeded(f->c, "email:a", attempt), STATUS_OK);
	assert_int_equal(store_login_reserve(f->c, "email:a", "client:1", T0 + 6000, WINDOW_MS, 3, 50, NULL, &retry),
			 STATUS_OK);
	/* Past the window nothing counts. */
	assert_int_equal(store_login_reserve(f->c, "email:b", "client:1", T0 + WINDOW_MS + 6000, WINDOW_MS, 1, 50,
					     &attempt, &retry),
			 STATUS_OK);
}

static void test_tasks_crud_and_isolation(void **state)
{
	struct fixture *f = fixture_of(state);
	struct task t, got, u;
	struct task_patch p = {0};

	add_user(f, USER_A, "a@example.com");
	add_user(f, USER_B, "b@example.com");
	t = new_task(f, USER_A, "Buy milk", NULL, false, T0);
	assert_true(t.id > 0);
	assert_false(t.has_description);
	assert_int_equal(t.created_at, T0);
	assert_int_equal(t.updated_at, T0);
	assert_int_equal(store_task_get(f->c, USER_B, t.id, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &got), STATUS_OK);
	assert_string_equal(got.title, "Buy milk");
	assert_int_equal(store_task_create(f->c, "00000000-0000-4000-8000-0000000000ff", "x", NULL, false, T0, &got),
			 STATUS_NOT_FOUND);

	p.set_description = true;
	p.description = "two litres";
	p.completed = TASK_COMPLETED_TOGGLE;
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, T0 - 50, &u), STATUS_OK);
	assert_true(u.has_description);
	assert_string_equal(u.description, "two litres");
	assert_true(u.completed);
	assert_int_equal(u.updated_at, T0 + 1); /* moves forward even when the clock does not */
	memset(&p, 0, sizeof(p));
	p.title = "Buy oat milk";
	p.set_description = true;
	p.description = NULL;
	p.completed = TASK_COMPLETED_SET_FALSE;
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, T0 + 500, &u), STATUS_OK);
	assert_string_equal(u.title, "Buy oat milk");
	assert_false(u.has_description);
	assert_false(u.completed);
	assert_int_equal(u.updated_at, T0 + 500);
	assert_int_equal(store_task_update(f->c, USER_B, t.id, &p, T0, &u), STATUS_NOT_FOUND);
	assert_int_equal(store_task_delete(f->c, USER_B, t.id), STATUS_NOT_FOUND);
	assert_int_equal(store_task_delete(f->c, USER_A, t.id), STATUS_OK);
	assert_int_equal(store_task_delete(f->c, USER_A, t.id), STATUS_NOT_FOUND);
	/* A deleted task's id is not handed out again. */
	assert_true(new_task(f, USER_A, "next", NULL, false, T0).id > t.id);
}

static void test_list_sorts_filters_search_totals(void **state)
{
	struct fixture *f = fixture_of(state);
	struct visits v;
	struct task a, b, c, d;
	struct task_patch p = {0};

	add_user(f, USER_A, "a@example.com");
	add_user(f, USER_B, "b@example.com");
	a = new_task(f, USER_A, "banana", "Un ÉTÉ chaud", false, T0);
	b = new_task(f, USER_A, "Apple", NULL, true, T0 + 10);
	c = new_task(f, USER_A, "cherry 100%", "x_y", false, T0 + 10);
	d = new_task(f, USER_A, "apple", NULL, false, T0 + 20);
	new_task(f, USER_B, "banana of b", NULL, false, T0);

	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "", 100, 0, &v), 4);
	assert_ids(&v, (int64_t[]){d.id, c.id, b.id, a.id}, 4);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, true, "", 100, 0, &v), 4);
	assert_ids(&v, (int64_t[]){a.id, b.id, c.id, d.id}, 4);
	/* Title: ASCII case folded, ties by id. */
	list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_TITLE, true, "", 100, 0, &v);
	assert_ids(&v, (int64_t[]){b.id, d.id, a.id, c.id}, 4);
	list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_TITLE, false, "", 100, 0, &v);
	assert_ids(&v, (int64_t[]){c.id, a.id, d.id, b.id}, 4);
	p.title = "zebra";
	assert_int_equal(store_task_update(f->c, USER_A, a.id, &p, T0 + 100, &a), STATUS_OK);
	list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_UPDATED, false, "", 100, 0, &v);
	assert_ids(&v, (int64_t[]){a.id, d.id, c.id, b.id}, 4);

	assert_int_equal(list(f, USER_A, TASK_FILTER_COMPLETED, TASK_SORT_CREATED, false, "", 100, 0, &v), 1);
	assert_ids(&v, (int64_t[]){b.id}, 1);
	assert_int_equal(list(f, USER_A, TASK_FILTER_PENDING, TASK_SORT_CREATED, false, "", 100, 0, &v), 3);
	/* Search: folded beyond ASCII, % and _ literal, title or description. */
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "été", 100, 0, &v), 1);
	assert_ids(&v, (int64_t[]){a.id}, 1);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "0%", 100, 0, &v), 1);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "x_y", 100, 0, &v), 1);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "x%y", 100, 0, &v), 0);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "APPLE", 100, 0, &v), 2);
	assert_int_equal(list(f, USER_A, TASK_FILTER_PENDING, TASK_SORT_CREATED, false, "apple", 100, 0, &v), 1);
	/* Paging: totals from the counters and from a search count. */
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "", 2, 2, &v), 4);
	assert_ids(&v, (int64_t[]){b.id, a.id}, 2);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "", 2, 10, &v), 4);
	assert_int_equal(v.count, 0);
	assert_int_equal(list(f, USER_A, TASK_FILTER_PENDING, TASK_SORT_CREATED, false, "", 1, 0, &v), 3);
	/* "a": zebra (by its description), Apple, apple; not cherry. */
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "a", 1, 0, &v), 3);
	assert_int_equal(list(f, USER_A, TASK_FILTER_COMPLETED, TASK_SORT_CREATED, false, "a", 1, 5, &v), 1);
	/* Counters follow toggles and deletes. */
	memset(&p, 0, sizeof(p));
	p.completed = TASK_COMPLETED_SET_TRUE;
	assert_int_equal(store_task_update(f->c, USER_A, c.id, &p, T0 + 200, &c), STATUS_OK);
	assert_int_equal(store_task_delete(f->c, USER_A, b.id), STATUS_OK);
	assert_int_equal(list(f, USER_A, TASK_FILTER_COMPLETED, TASK_SORT_CREATED, false, "", 1, 0, &v), 1);
	assert_int_equal(list(f, USER_A, TASK_FILTER_PENDING, TASK_SORT_CREATED, false, "", 1, 0, &v), 2);
	assert_int_equal(list(f, USER_B, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "", 1, 0, &v), 1);
}

struct thread_arg {
	store *s;
	store_conn *c;
	status st;
};

static void *other_thread(void *p)
{
	struct thread_arg *a = p;
	struct task t;

	a->st = store_conn_get(a->s, &a->c);
	if (a->st == STATUS_OK)
		a->st = store_task_create(a->c, USER_A, "from a thread", NULL, false, T0, &t);
	return NULL;
}

static void test_connection_per_thread_and_reconnect(void **state)
{
	struct fixture *f = fixture_of(state);
	struct thread_arg a = {.s = f->s};
	struct visits v;
	pthread_t th;
	char sql[1200];

	add_user(f, USER_A, "a@example.com");
	assert_int_equal(pthread_create(&th, NULL, other_thread, &a), 0);
	pthread_join(th, NULL);
	assert_int_equal(a.st, STATUS_OK);
	assert_ptr_not_equal(a.c, f->c);
	/* The server ends every other connection to this database: the next
	 * operation notices and reconnects. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
		 " WHERE datname = current_database() AND pid <> pg_backend_pid()");
	assert_true(raw(f->url, sql) >= 1);
	assert_int_equal(store_ping(f->c), STATUS_OK);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, TASK_SORT_CREATED, false, "", 10, 0, &v), 1);
}

#define HOUR_MS (3600 * 1000LL)

/* Counts per key and window; a refusal counts nothing and says when the
 * oldest counted event leaves the window. */
static void test_address_limit(void **state)
{
	struct fixture *f = fixture_of(state);
	char long_key[STORE_KEY_BYTES + 2];
	int64_t retry = 0;

	assert_true(store_counts_addresses(f->s));
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_address_take(f->c, "register:192.0.2.1", T0 + i * 1000, HOUR_MS, 3, &retry),
				 STATUS_OK);
	assert_int_equal(store_address_take(f->c, "register:192.0.2.1", T0 + 5000, HOUR_MS, 3, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(retry, (HOUR_MS - 5000 + 999) / 1000);
	assert_int_equal(raw(f->url, "SELECT count(*) FROM address_events WHERE key = 'register:192.0.2.1'"), 3);
	/* another address is its own */
	assert_int_equal(store_address_take(f->c, "register:192.0.2.2", T0 + 5000, HOUR_MS, 3, &retry), STATUS_OK);
	/* once the first event is an hour old, one more */
	assert_int_equal(store_address_take(f->c, "register:192.0.2.1", T0 + HOUR_MS, HOUR_MS, 3, &retry),
			 STATUS_OK);
	assert_int_equal(store_address_take(f->c, "register:192.0.2.1", T0 + HOUR_MS, HOUR_MS, 3, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(retry, 1);

	assert_int_equal(store_address_take(f->c, "", T0, HOUR_MS, 3, &retry), STATUS_INVALID);
	assert_int_equal(store_address_take(f->c, "k", T0, 0, 3, &retry), STATUS_INVALID);
	assert_int_equal(store_address_take(f->c, "k", T0, HOUR_MS, 0, &retry), STATUS_INVALID);
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	assert_int_equal(store_address_take(f->c, long_key, T0, HOUR_MS, 3, &retry), STATUS_INVALID);
}

/* Every call forgets up to 32 events whose window is over, of any key. */
static void test_address_limit_prunes(void **state)
{
	struct fixture *f = fixture_of(state);
	const int64_t late = T0 + 10 * HOUR_MS;
	int64_t retry = 0;
	char sql[160];

	assert_int_equal(store_address_take(f->c, "register:192.0.2.1", T0, HOUR_MS, 3, &retry), STATUS_OK);
	raw(f->url, "INSERT INTO address_events (key, at, expires_at)"
		    " SELECT 'register:10.0.0.' || i, 0, 1 FROM generate_series(1, 40) i");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM address_events WHERE expires_at <= %lld", (long long)late);
	assert_int_equal(raw(f->url, sql), 41);
	assert_int_equal(store_address_take(f->c, "register:192.0.2.9", late, HOUR_MS, 3, &retry), STATUS_OK);
	assert_int_equal(raw(f->url, sql), 9);
	assert_int_equal(store_address_take(f->c, "register:192.0.2.9", late, HOUR_MS, 3, &retry), STATUS_OK);
	assert_int_equal(raw(f->url, sql), 0);
	assert_int_equal(raw(f->url, "SELECT count(*) FROM address_events"), 2);
}

struct taker {
	store *s;
	int allowed;
	status failed;
};

static void *take_many(void *p)
{
	struct taker *t = p;
	store_conn *c = NULL;
	int64_t retry = 0;

	t->failed = store_conn_get(t->s, &c);
	for (int i = 0; t->failed == STATUS_OK && i < 20; i++) {
		status st = store_address_take(c, "register:192.0.2.7", T0, HOUR_MS, 10, &retry);

		if (st == STATUS_OK)
			t->allowed++;
		else if (st != STATUS_RATE_LIMITED)
			t->failed = st;
	}
	return NULL;
}

/* Takers of one key on separate connections at once: exactly max pass. */
static void test_address_limit_concurrent(void **state)
{
	struct fixture *f = fixture_of(state);
	struct taker t[4];
	pthread_t th[4];

	for (int i = 0; i < 4; i++) {
		t[i] = (struct taker){.s = f->s};
		assert_int_equal(pthread_create(&th[i], NULL, take_many, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(t[i].failed, STATUS_OK);
	assert_int_equal(t[0].allowed + t[1].allowed + t[2].allowed + t[3].allowed, 10);
}

/* What a list showed: each task's id, title and completed. */
struct shown {
	int count;
	int64_t ids[16];
	char titles[16][64];
	bool completed[16];
};

static status show(const struct task *t, void *arg)
{
	struct shown *s = arg;

	assert_true(s->count < 16);
	s->ids[s->count] = t->id;
	assert_true(strlen(t->title) < sizeof(s->titles[0]));
	memcpy(s->titles[s->count], t->title, strlen(t->title) + 1);
	s->completed[s->count++] = t->completed;
	return STATUS_OK;
}

/* Lists through c (newest first); *total gets the count. */
static struct shown shown_by(store_conn *c, const char *text, int limit, int64_t *total)
{
	struct task_query q;
	struct shown s;

	memset(&q, 0, sizeof(q));
	memset(&s, 0, sizeof(s));
	snprintf(q.text, sizeof(q.text), "%s", text);
	q.limit = limit;
	assert_int_equal(store_task_list(c, USER_A, &q, total, show, &s), STATUS_OK);
	return s;
}

/* A page read again is answered from the connection's kept copy only while
 * nothing of the user's tasks changed: each kind of change, made through
 * another store (as another instance would), shows in the next list. */
static void test_list_kept_pages_follow_every_change(void **state)
{
	struct fixture *f = fixture_of(state);
	struct task_patch title = {.title = "renamed elsewhere"}, done = {.completed = TASK_COMPLETED_SET_TRUE};
	struct task t1, t2, t3, got;
	store *other = NULL;
	store_conn *oc = NULL;
	struct shown s;
	int64_t total = 0;

	add_user(f, USER_A, "a@example.com");
	add_user(f, USER_B, "b@example.com");
	t1 = new_task(f, USER_A, "first task", NULL, false, T0);
	t2 = new_task(f, USER_A, "second task", NULL, false, T0 + 1);
	assert_int_equal(store_open(f->url, &other), STATUS_OK);
	assert_int_equal(store_conn_get(other, &oc), STATUS_OK);
	for (int i = 0; i < 2; i++) { /* read, then answered again */
		s = shown_by(f->c, "", 10, &total);
		assert_int_equal(total, 2);
		assert_int_equal(s.count, 2);
	}
	/* Another user's task changes nothing of A's list. */
	assert_int_equal(store_task_create(oc, USER_B, "b's task", NULL, false, T0 + 2, &got), STATUS_OK);
	s = shown_by(f->c, "", 10, &total);
	assert_int_equal(total, 2);

	assert_int_equal(store_task_create(oc, USER_A, "made elsewhere", NULL, false, T0 + 3, &t3), STATUS_OK);
	s = shown_by(f->c, "", 10, &total);
	assert_int_equal(total, 3);
	assert_int_equal(s.ids[0], t3.id);

	assert_int_equal(store_task_update(oc, USER_A, t1.id, &title, T0 + 4, &got), STATUS_OK);
	s = shown_by(f->c, "", 10, &total);
	assert_int_equal(s.ids[2], t1.id);
	assert_string_equal(s.titles[2], "renamed elsewhere");

	assert_int_equal(store_task_update(oc, USER_A, t2.id, &done, T0 + 5, &got), STATUS_OK);
	s = shown_by(f->c, "", 10, &total);
	assert_int_equal(s.ids[1], t2.id);
	assert_true(s.completed[1]);

	/* A search page that is full gets its count from another statement. */
	s = shown_by(f->c, "elsewhere", 1, &total);
	assert_int_equal(total, 2);
	assert_int_equal(s.ids[0], t3.id);
	assert_int_equal(store_task_delete(oc, USER_A, t3.id), STATUS_OK);
	s = shown_by(f->c, "elsewhere", 1, &total);
	assert_int_equal(total, 1);
	assert_int_equal(s.ids[0], t1.id);
	s = shown_by(f->c, "", 10, &total);
	assert_int_equal(total, 2);
	assert_int_equal(s.count, 2);
	store_close(other);
}

/* ms on the monotonic clock */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP port on 127.0.0.1 that takes connections (the kernel completes
 * them into the backlog) and never answers: nothing accepts them. */
static int silent_listener(int *port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	*port = ntohs(addr.sin_port);
	return fd;
}

/* A connect to a server that never answers ends with the budget, well
 * before libpq's own waits would (no connect_timeout is given: without the
 * budget it would wait for TCP to give up); the log says so without the
 * password. */
static void test_budget_bounds_a_connect_that_is_never_answered(void **state)
{
	char url[256], logged[1024] = "";
	int port = 0, listener = silent_listener(&port), saved = dup(STDERR_FILENO);
	FILE *log = tmpfile();
	store *s = NULL;
	int64_t started, took;
	status st;
	size_t n;

	(void)state;
	assert_non_null(log);
	snprintf(url, sizeof(url), "postgresql://todod:budget-secret-7f3a@127.0.0.1:%d/todod", port);
	fflush(stderr);
	dup2(fileno(log), STDERR_FILENO);
	store_budget_begin(300);
	started = now_ms();
	st = store_open(url, &s);
	took = now_ms() - started;
	store_budget_end();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(log);
	n = fread(logged, 1, sizeof(logged) - 1, log);
	logged[n] = '\0';
	fclose(log);
	close(listener);

	assert_int_equal(st, STATUS_UNAVAILABLE);
	assert_null(s);
	assert_true(took >= 250);
	assert_true(took < 2500);
	assert_non_null(strstr(logged, "cannot connect to postgresql: no answer within the time budget"));
	assert_null(strstr(logged, "budget-secret-7f3a"));
}

/* A statement that cannot finish (its table is locked by another
 * connection) ends with the budget and drops its connection; the budget
 * being spent, the next operation is refused at once even though the
 * database could now answer; after the budget, the connection is made
 * again. A spent budget leaves a good connection as it is. */
static void test_budget_bounds_statements_together(void **state)
{
	struct fixture *f = fixture_of(state);
	struct task t, got;
	PGconn *holder = PQconnectdb(f->url);
	PGresult *res;
	int64_t started;
	status st = STATUS_UNAVAILABLE;

	add_user(f, USER_A, "a@example.com");
	t = new_task(f, USER_A, "before the lock", NULL, false, T0);
	assert_int_equal(PQstatus(holder), CONNECTION_OK);
	res = PQexec(holder, "BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);

	store_budget_begin(400);
	started = now_ms();
	assert_int_equal(store_task_create(f->c, USER_A, "waits for the lock", NULL, false, T0, &got),
			 STATUS_UNAVAILABLE);
	assert_true(now_ms() - started >= 350);
	res = PQexec(holder, "ROLLBACK");
	PQclear(res);
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &got), STATUS_UNAVAILABLE);
	assert_int_equal(store_ping(f->c), STATUS_UNAVAILABLE);
	store_budget_end();
	PQfinish(holder);

	/* Reconnects once the pause after a failure is over. */
	for (int i = 0; i < 100 && st != STATUS_OK; i++) {
		st = store_task_get(f->c, USER_A, t.id, &got);
		if (st != STATUS_OK)
			usleep(50 * 1000);
	}
	assert_int_equal(st, STATUS_OK);
	assert_string_equal(got.title, "before the lock");

	store_budget_begin(0);
	assert_int_equal(store_ping(f->c), STATUS_UNAVAILABLE);
	store_budget_end();
	assert_int_equal(store_ping(f->c), STATUS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_twice_and_newer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_limit_prunes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_limit_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_crud_and_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_sorts_filters_search_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_kept_pages_follow_every_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_per_thread_and_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_bounds_a_connect_that_is_never_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_bounds_statements_together, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
