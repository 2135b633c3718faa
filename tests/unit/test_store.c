/* test_store.c: the store on real SQLite files in a temporary directory:
 * migrations, users, sessions, the login rate limit, tasks (isolation,
 * listing, search, paging), cascades, and connections per thread. Where
 * store.h has no operation (deleting a user, planting a bad row, counting
 * rows) the test opens the file with sqlite3 directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embedded.h"
#include "core/text.h"
#include "store/store.h"

#include "sqlite_fixture.h"

#define USER_A     "00000000-0000-4000-8000-00000000000a"
#define USER_B     "00000000-0000-4000-8000-00000000000b"
#define WINDOW_MS  (15 * 60 * 1000LL)
#define T0         1700000000000LL
#define MAX_VISITS 256

/* What a list visitor saw. */
struct visits {
	int64_t ids[MAX_VISITS];
	int count;
	int stop_after; /* 0: never stop */
};

/* helpers --------------------------------------------------------------- */

/* Creates user id with the session "sid-" id, live until 10^15. */

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
	if (v->stop_after && v->count >= v->stop_after)
		return STATUS_NOMEM;
	return STATUS_OK;
}

static struct task_query query(enum task_filter filter, enum task_sort sort, bool ascending, const char *text)
{
	struct task_query q;

	memset(&q, 0, sizeof(q));
	q.filter = filter;
	q.sort = sort;
	q.ascending = ascending;
	snprintf(q.text, sizeof(q.text), "%s", text);
	q.limit = LIMIT_PAGE_MAX;
	q.offset = 0;
	return q;
}

/* Lists user_id's tasks for q; returns the total, fills v. */
static int64_t list(const struct fixture *f, const char *user_id, const struct task_query *q,
		    struct visits *v)
{
	int64_t total = -1;

	memset(v, 0, sizeof(*v));
	assert_int_equal(store_task_list(f->c, user_id, q, &total, visit, v), STATUS_OK);
	return total;
}

/* Field by field: the bytes after each string's NUL are not defined. */
static void assert_user_equal(const struct user *a, const struct user *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->email, b->email);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->password_hash, b->password_hash);
	assert_int_equal(a->created_at, b->created_at);
}

static void assert_task_equal(const struct task *a, const struct task *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->user_id, b->user_id);
	assert_string_equal(a->title, b->title);
	assert_int_equal(a->has_description, b->has_description);
	if (a->has_description)
		assert_string_equal(a->description, b->description);
	assert_int_equal(a->completed, b->completed);
	assert_int_equal(a->created_at, b->created_at);
	assert_int_equal(a->updated_at, b->updated_at);
}

static void assert_ids(const struct visits *v, const int64_t *ids, int n)
{
	assert_int_equal(v->count, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(v->ids[i], ids[i]);
}

/* open and migrate ---------------------------------------------------- */

static void test_open_rejects_urls(void **state)
{
	static const char *const invalid[] = {"postgres:x", "postgresql:/u@h/db", "bogus", "sqlite:", "",
					      "SQLITE:x"};
	char marker;
	store *const sentinel = (store *)&marker; /* never dereferenced */
	store *s = sentinel;
	char garbage[300];
	FILE *fp;

	(void)state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		assert_int_equal(store_open(invalid[i], &s), STATUS_INVALID);
		assert_ptr_equal(s, sentinel);
	}
	assert_int_equal(store_open(NULL, &s), STATUS_INVALID);
	assert_int_equal(store_open("sqlite:/nonexistent-todod-dir/x.db", &s), STATUS_UNAVAILABLE);
	/* Nothing listens on port 1: a clean refusal, at once. */
	assert_int_equal(store_open("postgresql://todod@127.0.0.1:1/x?connect_timeout=2", &s), STATUS_UNAVAILABLE);
	assert_ptr_equal(s, sentinel);
	snprintf(garbage, sizeof(garbage), "%s/garbage.db", tmp_dir);
	fp = fopen(garbage, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database file. ", fp);
	fclose(fp);
	snprintf(garbage, sizeof(garbage), "sqlite:%s/garbage.db", tmp_dir);
	assert_int_equal(store_open(garbage, &s), STATUS_UNAVAILABLE);
	assert_ptr_equal(s, sentinel);
}

static void test_migrate_idempotent(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_migrate(f->s), STATUS_OK);
	assert_int_equal(store_migrate(f->s), STATUS_OK);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM schema_migrations", NULL),
			 migrations_sqlite_count);
	assert_int_equal(
	    raw_query(f->path, "SELECT version FROM schema_migrations WHERE name = '001_init.sql'", NULL), 1);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'tasks'", NULL), 1);
	assert_int_equal(store_ping(f->c), STATUS_OK);
}

static void *migrate_thread(void *arg)
{
	const char *url = arg;
	store *s = NULL;
	status rv = store_open(url, &s);

	if (rv == STATUS_OK)
		rv = store_migrate(s);
	store_close(s);
	return (void *)(intptr_t)rv;
}

/* Several processes starting at once on a new file: one applies each
 * migration, the others find it applied. */
static void test_migrate_concurrent_starters(void **state)
{
	struct fixture g;
	pthread_t th[4];
	void *rv;

	(void)state;
	fresh_path(&g);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, g.url), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &rv), 0);
		assert_int_equal((intptr_t)rv, STATUS_OK);
	}
	assert_int_equal(raw_query(g.path, "SELECT count(*) FROM schema_migrations", NULL),
			 migrations_sqlite_count);
}

/* users --------------------------------------------------------------- */

static void test_user_create_and_lookup(void **state)
{
	struct fixture *f = *state;
	struct user want = make_user(USER_A, "ada@example.com");
	struct user got, untouched;

	assert_int_equal(store_user_create(f->c, &want, "sid-1", 5000), STATUS_OK);
	assert_int_equal(store_user_by_email(f->c, "ada@example.com", &got), STATUS_OK);
	assert_user_equal(&got, &want);
	memset(&got, 0, sizeof(got));
	assert_int_equal(store_user_by_id(f->c, USER_A, &got), STATUS_OK);
	assert_user_equal(&got, &want);

	memset(&got, 0x5a, sizeof(got));
	untouched = got;
	assert_int_equal(store_user_by_email(f->c, "ADA@example.com", &got), STATUS_NOT_FOUND);
	assert_int_equal(store_user_by_id(f->c, USER_B, &got), STATUS_NOT_FOUND);
	assert_memory_equal(&got, &untouched, sizeof(got));
	assert_int_equal(store_session_check(f->c, "sid-1", USER_A, 4999), STATUS_OK);
}

static void test_user_duplicate_email(void **state)
{
	struct fixture *f = *state;
	struct user b = make_user(USER_B, "ada@example.com");
	struct user got;

	add_user(f, USER_A, "ada@example.com");
	assert_int_equal(store_user_create(f->c, &b, "sid-dup", 5000), STATUS_CONFLICT);
	assert_int_equal(store_user_by_id(f->c, USER_B, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_session_check(f->c, "sid-dup", USER_B, 1000), STATUS_UNAUTHORIZED);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM sessions WHERE id = ?1", "sid-dup"), 0);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM users", NULL), 1);

	/* The connection is usable afterwards: nothing was left open. */
	b = make_user(USER_B, "bob@example.com");
	assert_int_equal(store_user_create(f->c, &b, "sid-dup", 5000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "sid-dup", USER_B, 1000), STATUS_OK);
}

static void test_user_rejects_bad_fields(void **state)
{
	struct fixture *f = *state;
	struct user u = make_user(USER_A, "ada@example.com");
	char long_sid[STORE_SID_BYTES + 2];

	memset(long_sid, 's', sizeof(long_sid) - 1);
	long_sid[sizeof(long_sid) - 1] = '\0';
	assert_int_equal(store_user_create(f->c, &u, long_sid, 5000), STATUS_INVALID);
	assert_int_equal(store_user_create(f->c, &u, "", 5000), STATUS_INVALID);
	memset(u.email, 'e', sizeof(u.email)); /* not terminated */
	assert_int_equal(store_user_create(f->c, &u, "sid-1", 5000), STATUS_INVALID);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM users", NULL), 0);
}

static void test_user_set_password_hash(void **state)
{
	struct fixture *f = *state;
	struct user got;

	add_user(f, USER_A, "ada@example.com");
	assert_int_equal(store_user_set_password_hash(f->c, USER_A, "$argon2id$new"), STATUS_OK);
	assert_int_equal(store_user_by_id(f->c, USER_A, &got), STATUS_OK);
	assert_string_equal(got.password_hash, "$argon2id$new");
	assert_int_equal(store_user_set_password_hash(f->c, USER_B, "$argon2id$new"), STATUS_NOT_FOUND);
}

/* sessions ------------------------------------------------------------ */

static void test_session_check(void **state)
{
	struct fixture *f = *state;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	assert_int_equal(store_session_create(f->c, "s1", USER_A, 1000, 5000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s1", USER_A, 1000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s1", USER_A, 4999), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s1", USER_A, 5000), STATUS_UNAUTHORIZED); /* expired */
	assert_int_equal(store_session_check(f->c, "s1", USER_B, 1000), STATUS_UNAUTHORIZED); /* wrong user */
	assert_int_equal(store_session_check(f->c, "s2", USER_A, 1000), STATUS_UNAUTHORIZED); /* unknown */
	assert_int_equal(store_session_check(f->c, "", USER_A, 1000), STATUS_UNAUTHORIZED);

	assert_int_equal(store_session_create(f->c, "s2", USER_A, 1000, 5000), STATUS_OK);
	assert_int_equal(store_session_revoke(f->c, "s2", 2000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s2", USER_A, 2000), STATUS_UNAUTHORIZED); /* revoked */
	assert_int_equal(store_session_revoke(f->c, "s2", 3000), STATUS_OK);
	assert_int_equal(raw_query(f->path, "SELECT revoked_at FROM sessions WHERE id = ?1", "s2"), 2000);
	assert_int_equal(store_session_revoke(f->c, "absent", 3000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "s1", USER_A, 3000), STATUS_OK); /* others untouched */

	assert_int_equal(store_session_create(f->c, "s3", "no-such-user", 1000, 5000), STATUS_NOT_FOUND);
}

static void test_session_create_prunes_dead(void **state)
{
	struct fixture *f = *state;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	assert_int_equal(store_session_create(f->c, "old", USER_A, 1000, 2000), STATUS_OK);
	assert_int_equal(store_session_create(f->c, "gone", USER_A, 1000, 9000), STATUS_OK);
	assert_int_equal(store_session_create(f->c, "live", USER_A, 1000, 9000), STATUS_OK);
	assert_int_equal(store_session_create(f->c, "bob-old", USER_B, 1000, 2000), STATUS_OK);
	assert_int_equal(store_session_revoke(f->c, "gone", 1500), STATUS_OK);

	/* A's expired and revoked sessions go; the live ones (with the one
	 * add_user made) and B's stay. */
	assert_int_equal(store_session_create(f->c, "new", USER_A, 3000, 9000), STATUS_OK);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM sessions WHERE user_id = ?1", USER_A), 3);
	assert_int_equal(store_session_check(f->c, "live", USER_A, 3000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "new", USER_A, 3000), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "gone", USER_A, 3000), STATUS_UNAUTHORIZED);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM sessions WHERE user_id = ?1", USER_B), 2);
}

/* login rate limit ---------------------------------------------------- */

static status reserve(const struct fixture *f, const char *email, const char *client, int64_t now,
		      int max_email, int max_client, int64_t *attempt, int64_t *retry_after)
{
	return store_login_reserve(f->c, email, client, now, WINDOW_MS, max_email, max_client, attempt,
				   retry_after);
}

static void test_login_reserve_counts(void **state)
{
	struct fixture *f = *state;
	int64_t attempt[3], retry = -1, untouched = -7;

	for (int i = 0; i < 3; i++)
		assert_int_equal(reserve(f, "e:ada", "c:1", T0 + i * 1000, 3, 100, &attempt[i], &retry),
				 STATUS_OK);
	assert_int_equal(retry, -1);
	assert_true(attempt[0] != attempt[1] && attempt[1] != attempt[2]);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures", NULL), 6);

	/* The fourth is refused until the first leaves the window. */
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 5500, 3, 100, &untouched, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(untouched, -7);
	assert_int_equal(retry, (WINDOW_MS - 5500 + 999) / 1000);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures", NULL), 6);
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + WINDOW_MS - 1, 3, 100, &untouched, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(retry, 1);

	/* Another email from the same client still passes. */
	assert_int_equal(reserve(f, "e:bob", "c:1", T0 + 6000, 3, 100, &untouched, &retry), STATUS_OK);
}

static void test_login_client_limit(void **state)
{
	struct fixture *f = *state;
	int64_t attempt = 0, retry = 0;

	assert_int_equal(reserve(f, "e:1", "c:1", T0, 5, 2, &attempt, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:2", "c:1", T0 + 2000, 5, 2, &attempt, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:3", "c:1", T0 + 3000, 5, 2, &attempt, &retry), STATUS_RATE_LIMITED);
	assert_int_equal(retry, (WINDOW_MS - 3000) / 1000);
	assert_int_equal(reserve(f, "e:3", "c:2", T0 + 3000, 5, 2, &attempt, &retry), STATUS_OK);
}

/* 1 when login_failures holds the row numbered id. */
static int64_t row_exists(const struct fixture *f, int64_t id)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", (long long)id);
	return raw_query(f->path, "SELECT count(*) FROM login_failures WHERE id = ?1", text);
}

static void test_login_succeeded_clears(void **state)
{
	struct fixture *f = *state;
	int64_t a1 = 0, a2 = 0, a3 = 0, retry = 0;

	assert_int_equal(reserve(f, "e:ada", "c:1", T0, 3, 100, &a1, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 1, 3, 100, &a2, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:bob", "c:1", T0 + 2, 3, 100, &a3, &retry), STATUS_OK);
	assert_int_equal(store_login_succeeded(f->c, "e:ada", a2), STATUS_OK);

	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures WHERE key = ?1", "e:ada"), 0);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures WHERE key = ?1", "e:bob"), 1);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures WHERE key = ?1", "c:1"), 2);
	/* a1's and a3's client rows remain; a2's is gone. */
	assert_int_equal(row_exists(f, a2), 0);
	assert_int_equal(row_exists(f, a1), 1);
	assert_int_equal(row_exists(f, a3), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 10 + i, 3, 100, &a1, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 20, 3, 100, &a1, &retry), STATUS_RATE_LIMITED);
	assert_int_equal(store_login_succeeded(f->c, "e:nobody", 999999), STATUS_OK);
}

static void test_login_window(void **state)
{
	struct fixture *f = *state;
	int64_t attempt = 0, retry = 0;

	assert_int_equal(reserve(f, "e:ada", "c:1", T0, 2, 100, &attempt, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 1000, 2, 100, &attempt, &retry), STATUS_OK);
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 2000, 2, 100, &attempt, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(retry, (WINDOW_MS - 2000) / 1000);
	/* The first failure has left: one slot again, and its row is gone. */
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + WINDOW_MS, 2, 100, &attempt, &retry), STATUS_OK);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures WHERE at = 1700000000000", NULL),
			 0);
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + WINDOW_MS + 1, 2, 100, &attempt, &retry),
			 STATUS_RATE_LIMITED);
	assert_int_equal(retry, 1); /* the one at T0 + 1000 leaves at T0 + WINDOW + 1000 */
	assert_int_equal(reserve(f, "e:ada", "c:1", T0 + 3 * WINDOW_MS, 2, 100, &attempt, &retry), STATUS_OK);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM login_failures", NULL), 2);
	assert_int_equal(reserve(f, "", "c:1", T0, 2, 100, &attempt, &retry), STATUS_INVALID);
}

/* tasks --------------------------------------------------------------- */

static void test_task_create_get(void **state)
{
	struct fixture *f = *state;
	struct task t, got, untouched;

	add_user(f, USER_A, "ada@example.com");
	t = new_task(f, USER_A, "Buy milk", NULL, false, 1000);
	assert_true(t.id > 0);
	assert_string_equal(t.user_id, USER_A);
	assert_string_equal(t.title, "Buy milk");
	assert_false(t.has_description);
	assert_false(t.completed);
	assert_int_equal(t.created_at, 1000);
	assert_int_equal(t.updated_at, 1000);
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &got), STATUS_OK);
	assert_task_equal(&got, &t);

	t = new_task(f, USER_A, "Write", "", true, 2000);
	assert_true(t.has_description);
	assert_string_equal(t.description, "");
	assert_true(t.completed);

	memset(&got, 0x5a, sizeof(got));
	untouched = got;
	assert_int_equal(store_task_get(f->c, USER_A, t.id + 1, &got), STATUS_NOT_FOUND);
	assert_memory_equal(&got, &untouched, sizeof(got));
	assert_int_equal(store_task_create(f->c, USER_A, "", NULL, false, 1000, &got), STATUS_INVALID);
	assert_int_equal(store_task_create(f->c, USER_B, "x", NULL, false, 1000, &got), STATUS_NOT_FOUND);
}

static void test_task_update_fields(void **state)
{
	struct fixture *f = *state;
	struct task t, u;
	struct task_patch p;

	add_user(f, USER_A, "ada@example.com");
	t = new_task(f, USER_A, "Buy milk", "whole", false, 1000);
	memset(&p, 0, sizeof(p));
	p.title = "Buy oat milk";
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, 2000, &u), STATUS_OK);
	assert_string_equal(u.title, "Buy oat milk");
	assert_string_equal(u.description, "whole");
	assert_false(u.completed);
	assert_int_equal(u.created_at, 1000);
	assert_int_equal(u.updated_at, 2000);

	memset(&p, 0, sizeof(p));
	p.set_description = true;
	p.description = "2 litres";
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, 3000, &u), STATUS_OK);
	assert_string_equal(u.title, "Buy oat milk");
	assert_string_equal(u.description, "2 litres");

	p.description = NULL; /* with set_description: cleared */
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, 4000, &u), STATUS_OK);
	assert_false(u.has_description);
	assert_string_equal(u.title, "Buy oat milk");
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &t), STATUS_OK);
	assert_task_equal(&t, &u);

	p.title = "";
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, 5000, &u), STATUS_INVALID);
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_task_update(f->c, USER_A, t.id + 1, &p, 5000, &u), STATUS_NOT_FOUND);
}

/* completed changes; updated_at moves forward even when now does not. */
static void test_task_update_completed(void **state)
{
	static const struct {
		enum task_completed_change change;
		bool want;
	} steps[] = {
		{TASK_COMPLETED_TOGGLE, true},     {TASK_COMPLETED_TOGGLE, false},
		{TASK_COMPLETED_SET_TRUE, true},   {TASK_COMPLETED_SET_TRUE, true},
		{TASK_COMPLETED_SET_FALSE, false}, {TASK_COMPLETED_KEEP, false},
	};
	struct fixture *f = *state;
	struct task t, u;
	struct task_patch p;

	add_user(f, USER_A, "ada@example.com");
	t = new_task(f, USER_A, "Buy milk", NULL, false, 2000);
	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		p.completed = steps[i].change;
		/* The same now, then a clock that went back. */
		assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, i == 0 ? 2000 : 1500, &u),
				 STATUS_OK);
		assert_int_equal(u.completed, steps[i].want);
		assert_int_equal(u.updated_at, 2001 + (int64_t)i);
		assert_int_equal(u.created_at, 2000);
		assert_string_equal(u.title, "Buy milk");
		assert_false(u.has_description);
	}
	p.completed = (enum task_completed_change)9;
	assert_int_equal(store_task_update(f->c, USER_A, t.id, &p, 9000, &u), STATUS_INVALID);
}

static void test_task_delete(void **state)
{
	struct fixture *f = *state;
	struct task t, u, got;
	struct task_patch p;

	add_user(f, USER_A, "ada@example.com");
	t = new_task(f, USER_A, "one", NULL, false, 1000);
	u = new_task(f, USER_A, "two", NULL, false, 1000);
	assert_int_equal(store_task_delete(f->c, USER_A, u.id), STATUS_OK);
	assert_int_equal(store_task_get(f->c, USER_A, u.id, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_task_delete(f->c, USER_A, u.id), STATUS_NOT_FOUND);
	memset(&p, 0, sizeof(p));
	p.title = "back";
	assert_int_equal(store_task_update(f->c, USER_A, u.id, &p, 2000, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &got), STATUS_OK);

	/* The highest id was deleted; it is not handed out again. */
	got = new_task(f, USER_A, "three", NULL, false, 1000);
	assert_true(got.id > u.id);
}

static void test_task_isolation(void **state)
{
	struct fixture *f = *state;
	struct task_query q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, false, "");
	struct task t, got;
	struct task_patch p;
	struct visits v;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	t = new_task(f, USER_A, "secret", "of A", false, 1000);
	memset(&p, 0, sizeof(p));
	p.title = "taken";
	p.completed = TASK_COMPLETED_TOGGLE;

	assert_int_equal(store_task_get(f->c, USER_B, t.id, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_task_update(f->c, USER_B, t.id, &p, 2000, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_task_delete(f->c, USER_B, t.id), STATUS_NOT_FOUND);
	assert_int_equal(list(f, USER_B, &q, &v), 0);
	assert_int_equal(v.count, 0);
	snprintf(q.text, sizeof(q.text), "%s", "secret");
	assert_int_equal(list(f, USER_B, &q, &v), 0);
	assert_int_equal(v.count, 0);

	assert_int_equal(store_task_get(f->c, USER_A, t.id, &got), STATUS_OK);
	assert_task_equal(&got, &t);
	assert_int_equal(list(f, USER_A, &q, &v), 1);
}

/* id[0..3]: "banana" (created 1000, updated 9000), "Apple" (2000, done),
 * "cherry" (3000, updated 8000, done), "apple" (2000). */
static void add_fruit(const struct fixture *f, int64_t id[4])
{
	struct task_patch p;
	struct task t;

	add_user(f, USER_A, "ada@example.com");
	id[0] = new_task(f, USER_A, "banana", NULL, false, 1000).id;
	id[1] = new_task(f, USER_A, "Apple", NULL, true, 2000).id;
	id[2] = new_task(f, USER_A, "cherry", NULL, true, 3000).id;
	id[3] = new_task(f, USER_A, "apple", NULL, false, 2000).id;
	memset(&p, 0, sizeof(p));
	p.set_description = true;
	p.description = "ripe";
	assert_int_equal(store_task_update(f->c, USER_A, id[0], &p, 9000, &t), STATUS_OK);
	assert_int_equal(store_task_update(f->c, USER_A, id[2], &p, 8000, &t), STATUS_OK);
}

static void test_task_list_sorts(void **state)
{
	struct fixture *f = *state;
	int64_t id[4];
	struct visits v;
	struct task_query q;

	add_fruit(f, id);
	{
		const int64_t want[] = {id[2], id[3], id[1], id[0]};
		q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, false, "");
		assert_int_equal(list(f, USER_A, &q, &v), 4);
		assert_ids(&v, want, 4);
	}
	{
		const int64_t want[] = {id[0], id[1], id[3], id[2]};
		q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "");
		assert_int_equal(list(f, USER_A, &q, &v), 4);
		assert_ids(&v, want, 4);
	}
	{
		const int64_t want[] = {id[0], id[2], id[3], id[1]};
		q = query(TASK_FILTER_ALL, TASK_SORT_UPDATED, false, "");
		assert_int_equal(list(f, USER_A, &q, &v), 4);
		assert_ids(&v, want, 4);
	}
	{
		const int64_t want[] = {id[1], id[3], id[2], id[0]};
		q = query(TASK_FILTER_ALL, TASK_SORT_UPDATED, true, "");
		assert_int_equal(list(f, USER_A, &q, &v), 4);
		assert_ids(&v, want, 4);
	}
	{
		const int64_t want[] = {id[2], id[0], id[3], id[1]};
		q = query(TASK_FILTER_ALL, TASK_SORT_TITLE, false, "");
		assert_int_equal(list(f, USER_A, &q, &v), 4);
		assert_ids(&v, want, 4);
	}
	{
		const int64_t want[] = {id[1], id[3], id[0], id[2]};
		q = query(TASK_FILTER_ALL, TASK_SORT_TITLE, true, "");
		assert_int_equal(list(f, USER_A, &q, &v), 4);
		assert_ids(&v, want, 4);
	}
}

static void test_task_list_filter(void **state)
{
	struct fixture *f = *state;
	int64_t id[4];
	struct visits v;
	struct task_query q;

	add_fruit(f, id);
	{
		const int64_t want[] = {id[3], id[0]};
		q = query(TASK_FILTER_PENDING, TASK_SORT_CREATED, false, "");
		assert_int_equal(list(f, USER_A, &q, &v), 2);
		assert_ids(&v, want, 2);
	}
	{
		const int64_t want[] = {id[1], id[2]};
		q = query(TASK_FILTER_COMPLETED, TASK_SORT_TITLE, true, "");
		assert_int_equal(list(f, USER_A, &q, &v), 2);
		assert_ids(&v, want, 2);
	}
	{
		const int64_t want[] = {id[2]};
		q = query(TASK_FILTER_COMPLETED, TASK_SORT_CREATED, false, "RIPE");
		assert_int_equal(list(f, USER_A, &q, &v), 1);
		assert_ids(&v, want, 1);
	}
}

static void test_task_list_search(void **state)
{
	struct fixture *f = *state;
	struct task_query q;
	struct visits v;
	int64_t pct, snake, slash, plain, other;

	add_user(f, USER_A, "ada@example.com");
	pct = new_task(f, USER_A, "100% sure", NULL, false, 1000).id;
	new_task(f, USER_A, "100 percent", NULL, false, 1000);
	snake = new_task(f, USER_A, "snake_case", NULL, false, 1000).id;
	new_task(f, USER_A, "snakeXcase", NULL, false, 1000);
	slash = new_task(f, USER_A, "back\\slash", NULL, false, 1000).id;
	new_task(f, USER_A, "backslash", NULL, false, 1000);
	plain = new_task(f, USER_A, "Plain TITLE", NULL, false, 1000).id;
	other = new_task(f, USER_A, "other", "has PLAIN text", false, 1000).id;

	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "%");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &pct, 1);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "_");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &snake, 1);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "\\");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &slash, 1);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "plain");
	{
		const int64_t want[] = {plain, other};
		assert_int_equal(list(f, USER_A, &q, &v), 2);
		assert_ids(&v, want, 2);
	}
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "pLAIN title");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &plain, 1);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "zzz");
	assert_int_equal(list(f, USER_A, &q, &v), 0);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "");
	assert_int_equal(list(f, USER_A, &q, &v), 8);
	assert_int_equal(v.count, 8);

	/* Case folds beyond ASCII, both ways. */
	int64_t elise = new_task(f, USER_A, "\u00c9crire \u00e0 \u00c9lise", NULL, false, 1000).id;
	int64_t sigma = new_task(f, USER_A, "note", "\u03c3\u03bf\u03c6\u03af\u03b1", false, 1000).id;
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "\u00e9lise");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &elise, 1);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "\u00c9CRIRE");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &elise, 1);
	q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, true, "\u03a3\u039f\u03a6");
	assert_int_equal(list(f, USER_A, &q, &v), 1);
	assert_ids(&v, &sigma, 1);
}

static void test_task_list_paging(void **state)
{
	struct fixture *f = *state;
	struct task_query q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, false, "");
	struct visits v;
	int64_t id[7];

	add_user(f, USER_A, "ada@example.com");
	for (int i = 0; i < 7; i++)
		id[i] = new_task(f, USER_A, "t", NULL, false, 1000 * (i + 1)).id;
	q.limit = 3;
	{
		const int64_t want[] = {id[6], id[5], id[4]};
		assert_int_equal(list(f, USER_A, &q, &v), 7);
		assert_ids(&v, want, 3);
	}
	q.offset = 3;
	{
		const int64_t want[] = {id[3], id[2], id[1]};
		assert_int_equal(list(f, USER_A, &q, &v), 7);
		assert_ids(&v, want, 3);
	}
	q.offset = 6;
	assert_int_equal(list(f, USER_A, &q, &v), 7);
	assert_ids(&v, &id[0], 1);
	q.offset = 7;
	assert_int_equal(list(f, USER_A, &q, &v), 7);
	assert_int_equal(v.count, 0);
	q.offset = LIMIT_OFFSET_MAX;
	assert_int_equal(list(f, USER_A, &q, &v), 7);
	assert_int_equal(v.count, 0);
	/* A first page that is not full is the whole list. */
	q.offset = 0;
	q.limit = 10;
	assert_int_equal(list(f, USER_A, &q, &v), 7);
	assert_int_equal(v.count, 7);
	q.limit = 7;
	assert_int_equal(list(f, USER_A, &q, &v), 7);
	q.text[0] = 'x'; /* matches nothing */
	q.text[1] = '\0';
	assert_int_equal(list(f, USER_A, &q, &v), 0);
	assert_int_equal(v.count, 0);
}

/* The data version: steady while nothing commits, new after a commit of
 * the writer or of any other connection. */
static void test_data_version(void **state)
{
	struct fixture *f = *state;
	struct store_version a, b;
	sqlite3 *db;

	add_user(f, "u1", "a@x.example");
	assert_true(store_data_version(f->c, &a));
	assert_true(store_data_version(f->c, &b));
	assert_memory_equal(a.b, b.b, sizeof(a.b));
	new_task(f, "u1", "one", NULL, false, 2000);
	assert_true(store_data_version(f->c, &b));
	assert_memory_not_equal(a.b, b.b, sizeof(a.b));
	assert_true(store_data_version(f->c, &a));
	assert_memory_equal(a.b, b.b, sizeof(a.b));
	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "UPDATE tasks SET title = 'two'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_true(store_data_version(f->c, &b));
	assert_memory_not_equal(a.b, b.b, sizeof(a.b));
	assert_false(store_data_version(NULL, &b));
}

static void test_task_list_stops_and_checks(void **state)
{
	struct fixture *f = *state;
	struct task_query q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, false, "");
	struct visits v;
	int64_t total = -1;

	add_user(f, USER_A, "ada@example.com");
	for (int i = 0; i < 5; i++)
		new_task(f, USER_A, "t", NULL, false, 1000 + i);
	memset(&v, 0, sizeof(v));
	v.stop_after = 2;
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, visit, &v), STATUS_NOMEM);
	assert_int_equal(v.count, 2);
	assert_int_equal(total, -1);
	/* The read transaction was ended: writes and reads go on. */
	new_task(f, USER_A, "t", NULL, false, 2000);
	assert_int_equal(list(f, USER_A, &q, &v), 6);

	q.limit = 0;
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, visit, &v), STATUS_INVALID);
	q.limit = LIMIT_PAGE_MAX + 1;
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, visit, &v), STATUS_INVALID);
	q.limit = 1;
	q.offset = -1;
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, visit, &v), STATUS_INVALID);
	assert_int_equal(total, -1);
}

/* A stored value too long for its field is an error, never cut short. */
static void test_task_too_long_is_internal(void **state)
{
	struct fixture *f = *state;
	struct task t, got, untouched;
	char title[LIMIT_TITLE_BYTES + 2];

	add_user(f, USER_A, "ada@example.com");
	t = new_task(f, USER_A, "short", NULL, false, 1000);
	memset(title, 'x', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	assert_int_equal(raw_query(f->path, "UPDATE tasks SET title = ?1", title), -1);
	memset(&got, 0x5a, sizeof(got));
	untouched = got;
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &got), STATUS_INTERNAL);
	assert_memory_equal(&got, &untouched, sizeof(got));
}

static void test_user_delete_cascades(void **state)
{
	struct fixture *f = *state;
	struct task a, b, got;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	a = new_task(f, USER_A, "a", NULL, false, 1000);
	b = new_task(f, USER_B, "b", NULL, false, 1000);
	assert_int_equal(raw_query(f->path, "DELETE FROM users WHERE id = ?1", USER_A), -1);

	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM tasks WHERE user_id = ?1", USER_A), 0);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM sessions WHERE user_id = ?1", USER_A), 0);
	assert_int_equal(store_task_get(f->c, USER_A, a.id, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_session_check(f->c, "sid-" USER_A, USER_A, 2000), STATUS_UNAUTHORIZED);
	assert_int_equal(store_task_create(f->c, USER_A, "late", NULL, false, 2000, &got), STATUS_NOT_FOUND);
	assert_int_equal(store_task_get(f->c, USER_B, b.id, &got), STATUS_OK);
	assert_int_equal(store_session_check(f->c, "sid-" USER_B, USER_B, 2000), STATUS_OK);
}

/* connections and threads --------------------------------------------- */

struct conn_probe {
	store *s;
	pthread_barrier_t *barrier;
	store_conn *conn;
};

static void *probe_thread(void *arg)
{
	struct conn_probe *p = arg;
	store_conn *again = NULL;

	if (store_conn_get(p->s, &p->conn) != STATUS_OK || store_conn_get(p->s, &again) != STATUS_OK ||
	    again != p->conn || store_ping(p->conn) != STATUS_OK)
		p->conn = NULL;
	/* Both threads hold their connection at the same time. */
	pthread_barrier_wait(p->barrier);
	return NULL;
}

static void test_conn_per_thread(void **state)
{
	struct fixture *f = *state;
	pthread_barrier_t barrier;
	struct conn_probe p[2] = {{f->s, &barrier, NULL}, {f->s, &barrier, NULL}};
	pthread_t th[2];
	struct fixture g;
	store_conn *mine = NULL, *other = NULL;

	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, probe_thread, &p[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&barrier);
	assert_non_null(p[0].conn);
	assert_non_null(p[1].conn);
	assert_ptr_not_equal(p[0].conn, p[1].conn);
	assert_ptr_not_equal(p[0].conn, f->c);
	assert_ptr_not_equal(p[1].conn, f->c);

	/* Two stores in one thread do not share a connection. */
	fresh_path(&g);
	assert_int_equal(store_open(g.url, &g.s), STATUS_OK);
	assert_int_equal(store_conn_get(g.s, &other), STATUS_OK);
	assert_ptr_not_equal(other, f->c);
	assert_int_equal(store_conn_get(f->s, &mine), STATUS_OK);
	assert_ptr_equal(mine, f->c);
	assert_int_equal(store_conn_get(g.s, &mine), STATUS_OK);
	assert_ptr_equal(mine, other);
	store_close(g.s);
	assert_int_equal(store_conn_get(f->s, &mine), STATUS_OK);
	assert_ptr_equal(mine, f->c);
}

#define WRITERS 4
#define WRITES  50

struct writer {
	store *s;
	int64_t ids[WRITES];
	int ok;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	store_conn *c = NULL;
	struct task t;

	if (store_conn_get(w->s, &c) != STATUS_OK)
		return NULL;
	for (int i = 0; i < WRITES; i++) {
		if (store_task_create(c, USER_A, "concurrent", NULL, false, 1000 + i, &t) != STATUS_OK)
			break;
		w->ids[w->ok++] = t.id;
	}
	return NULL;
}

static int compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	int64_t all[WRITERS * WRITES];
	struct task_query q = query(TASK_FILTER_ALL, TASK_SORT_CREATED, false, "");
	struct visits v;

	add_user(f, USER_A, "ada@example.com");
	memset(w, 0, sizeof(w));
	for (int i = 0; i < WRITERS; i++) {
		w[i].s = f->s;
		assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].ok, WRITES);
		memcpy(&all[i * WRITES], w[i].ids, sizeof(w[i].ids));
	}
	qsort(all, WRITERS * WRITES, sizeof(all[0]), compare_i64);
	for (int i = 1; i < WRITERS * WRITES; i++)
		assert_true(all[i] > all[i - 1]);
	assert_int_equal(list(f, USER_A, &q, &v), WRITERS * WRITES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_rejects_urls),
		cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup, teardown),
		cmocka_unit_test(test_migrate_concurrent_starters),
		cmocka_unit_test_setup_teardown(test_user_create_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_duplicate_email, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_rejects_bad_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_set_password_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_create_prunes_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_reserve_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_client_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_succeeded_clears, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_create_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_update_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_update_completed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_list_sorts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_list_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_list_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_list_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_list_stops_and_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_task_too_long_is_internal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_delete_cascades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_per_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, group_setup, group_teardown);
}
