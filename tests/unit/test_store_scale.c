/* test_store_scale.c: what keeps a page of the task list cheap at any size
 * (002_list_indexes.sql): the per-user counters follow every write, the
 * trigram search index gives the same answers as checking every task, the
 * migration fills both for existing rows, and every list statement walks
 * an index without sorting. The file is opened with sqlite3 directly where
 * store.h has no operation (deleting a user, reading the counters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embedded.h"
#include "core/text.h"
#include "store/store.h"

#include "sqlite_fixture.h"
#include "store/store_int.h"

#define USER_A "00000000-0000-4000-8000-00000000000a"
#define USER_B "00000000-0000-4000-8000-00000000000b"

/* raw access ------------------------------------------------------------ */

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

/* helpers --------------------------------------------------------------- */

static int64_t new_task(const struct fixture *f, const char *user_id, const char *title,
                        const char *description, bool completed, int64_t now)
{
	struct task t;

	assert_int_equal(store_task_create(f->c, user_id, title, description, completed, now, &t), STATUS_OK);
	return t.id;
}

struct ids {
	int64_t id[LIMIT_PAGE_MAX];
	int count;
};

static status collect(const struct task *t, void *arg)
{
	struct ids *v = arg;

	assert_true(v->count < LIMIT_PAGE_MAX);
	v->id[v->count++] = t->id;
	return STATUS_OK;
}

/* Lists user_id's tasks (filter, oldest first, text, limit); returns the
 * total, fills v. */
static int64_t list(const struct fixture *f, const char *user_id, enum task_filter filter, const char *text,
                    int limit, struct ids *v)
{
	struct task_query q;
	int64_t total = -1;

	memset(&q, 0, sizeof(q));
	memset(v, 0, sizeof(*v));
	q.filter = filter;
	q.sort = TASK_SORT_CREATED;
	q.ascending = true;
	snprintf(q.text, sizeof(q.text), "%s", text);
	q.limit = limit;
	assert_int_equal(store_task_list(f->c, user_id, &q, &total, collect, v), STATUS_OK);
	return total;
}

/* The counters of user_id agree with its rows, and the list's totals (on
 * pages of one task, so the counters are read) with both. */
static void assert_counts(const struct fixture *f, const char *user_id, int64_t total, int64_t completed)
{
	struct ids v;

	assert_int_equal(raw_query(f->path, "SELECT total FROM task_counts WHERE user_id = ?1", user_id),
	                 total);
	assert_int_equal(raw_query(f->path, "SELECT completed FROM task_counts WHERE user_id = ?1", user_id),
	                 completed);
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM tasks WHERE user_id = ?1", user_id), total);
	assert_int_equal(
	    raw_query(f->path, "SELECT count(*) FROM tasks WHERE user_id = ?1 AND completed = 1", user_id),
	    completed);
	assert_int_equal(list(f, user_id, TASK_FILTER_ALL, "", 1, &v), total);
	assert_int_equal(list(f, user_id, TASK_FILTER_COMPLETED, "", 1, &v), completed);
	assert_int_equal(list(f, user_id, TASK_FILTER_PENDING, "", 1, &v), total - completed);
}

/* The version of user_id's lists (006_list_version.sql) rose since *last
 * when `rose`, or stayed; *last gets it. */
static void assert_version(const struct fixture *f, const char *user_id, int64_t *last, bool rose)
{
	int64_t v = raw_query(f->path, "SELECT version FROM task_counts WHERE user_id = ?1", user_id);

	if (rose)
		assert_true(v > *last);
	else
		assert_int_equal(v, *last);
	*last = v;
}

static void assert_fts_intact(const struct fixture *f)
{
	raw_exec(f->path, "INSERT INTO tasks_fts (tasks_fts) VALUES ('integrity-check')");
}

/* counters -------------------------------------------------------------- */

static void test_counts_follow_writes(void **state)
{
	struct fixture *f = *state;
	struct task_patch p;
	struct task t;
	int64_t a1, a2, a3, b1, va = 0, vb = 0;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	assert_counts(f, USER_A, 0, 0);
	assert_version(f, USER_A, &va, false);

	a1 = new_task(f, USER_A, "one", NULL, false, 1000);
	assert_version(f, USER_A, &va, true);
	a2 = new_task(f, USER_A, "two", "done already", true, 1001);
	a3 = new_task(f, USER_A, "three", NULL, false, 1002);
	assert_version(f, USER_A, &va, true);
	b1 = new_task(f, USER_B, "bee", NULL, true, 1003);
	assert_version(f, USER_A, &va, false);
	assert_version(f, USER_B, &vb, true);
	assert_counts(f, USER_A, 3, 1);
	assert_counts(f, USER_B, 1, 1);

	memset(&p, 0, sizeof(p));
	p.completed = TASK_COMPLETED_SET_TRUE;
	assert_int_equal(store_task_update(f->c, USER_A, a1, &p, 2000, &t), STATUS_OK);
	assert_counts(f, USER_A, 3, 2);
	assert_version(f, USER_A, &va, true);
	/* Completing a completed task changes no counter (but its update
	 * time, so the version). */
	assert_int_equal(store_task_update(f->c, USER_A, a2, &p, 2001, &t), STATUS_OK);
	assert_counts(f, USER_A, 3, 2);
	assert_version(f, USER_A, &va, true);
	p.completed = TASK_COMPLETED_SET_FALSE;
	assert_int_equal(store_task_update(f->c, USER_A, a2, &p, 2002, &t), STATUS_OK);
	assert_counts(f, USER_A, 3, 1);
	p.completed = TASK_COMPLETED_TOGGLE;
	assert_int_equal(store_task_update(f->c, USER_A, a3, &p, 2003, &t), STATUS_OK);
	assert_counts(f, USER_A, 3, 2);
	assert_int_equal(store_task_update(f->c, USER_A, a3, &p, 2004, &t), STATUS_OK);
	assert_counts(f, USER_A, 3, 1);
	/* A title or description alone leaves the counters. */
	memset(&p, 0, sizeof(p));
	p.title = "one, renamed";
	p.set_description = true;
	p.description = "now described";
	assert_int_equal(store_task_update(f->c, USER_A, a1, &p, 2005, &t), STATUS_OK);
	assert_counts(f, USER_A, 3, 1);
	assert_version(f, USER_A, &va, true);
	/* Another user's task is not found and counts nothing. */
	p.completed = TASK_COMPLETED_TOGGLE;
	assert_int_equal(store_task_update(f->c, USER_A, b1, &p, 2006, &t), STATUS_NOT_FOUND);
	assert_int_equal(store_task_delete(f->c, USER_A, b1), STATUS_NOT_FOUND);
	assert_counts(f, USER_B, 1, 1);
	assert_version(f, USER_A, &va, false);
	assert_version(f, USER_B, &vb, false);

	assert_int_equal(store_task_delete(f->c, USER_A, a1), STATUS_OK);
	assert_counts(f, USER_A, 2, 0);
	assert_version(f, USER_A, &va, true);
	assert_int_equal(store_task_delete(f->c, USER_A, a1), STATUS_NOT_FOUND);
	assert_counts(f, USER_A, 2, 0);
	assert_version(f, USER_A, &va, false);
	assert_int_equal(store_task_delete(f->c, USER_A, a2), STATUS_OK);
	assert_int_equal(store_task_delete(f->c, USER_A, a3), STATUS_OK);
	assert_counts(f, USER_A, 0, 0);
	new_task(f, USER_A, "again", NULL, true, 3000);
	assert_counts(f, USER_A, 1, 1);
	assert_version(f, USER_A, &va, true);
	/* A task given to another user (no API does) moves between the
	 * counters, and back. */
	raw_exec(f->path, "UPDATE tasks SET user_id = '" USER_B "' WHERE user_id = '" USER_A "'");
	assert_counts(f, USER_A, 0, 0);
	assert_counts(f, USER_B, 2, 2);
	assert_version(f, USER_A, &va, true);
	assert_version(f, USER_B, &vb, true);
	raw_exec(f->path, "UPDATE tasks SET user_id = '" USER_A "' WHERE title = 'again'");
	assert_counts(f, USER_A, 1, 1);
	assert_counts(f, USER_B, 1, 1);

	/* A deleted user's counters go with it; the others stay. */
	raw_exec(f->path, "DELETE FROM users WHERE id = '" USER_A "'");
	assert_int_equal(raw_query(f->path, "SELECT count(*) FROM task_counts WHERE user_id = ?1", USER_A),
	                 0);
	{
		struct ids v;

		assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, "", 1, &v), 0);
	}
	assert_counts(f, USER_B, 1, 1);
	assert_fts_intact(f);
}

/* search ---------------------------------------------------------------- */

static const char *const texts[][2] = {
    {"Buy milk", NULL},
    {"buy MILK and bread", "at the corner shop"},
    {"Call \"Bob\" back", "number 12345"},
    {"number 123456", "NUMBER 12345 again"},
    {"100% sure", "snake_case and back\\slash"},
    {"\u00c9crire \u00e0 \u00c9lise", "lettre"},
    {"note", "\u03a3\u039f\u03a6\u0399\u0391 and \u03c3\u03bf\u03c6\u03af\u03b1"},
    {"Stra\u00dfe", "GROSSE STRASSE"},
    {"\xf0\x9f\x8d\x8e apples", "\xf0\x9f\x8d\x8e\xf0\x9f\x8d\x8e"},
    {"ab", "a"},
    {"x", NULL},
    {"Mixed \u00c9\u00c9\u00c9 case", "\u00e9\u00e9\u00e9"},
};

static const char *const queries[] = {
    "a",
    "b",
    "x",
    "\"",
    "%",
    "_",
    "\\",
    " ",
    "\u00e9",
    "\u03c3",
    "\xf0\x9f\x8d\x8e",
    "ab",
    "AB",
    "mi",
    "\"b",
    "\u00e9l",
    "\u00c9\u00c9",
    "\xf0\x9f\x8d\x8e\xf0\x9f\x8d\x8e",
    "buy",
    "MILK",
    "milk and",
    "\"bob\"",
    "bob\" b",
    "12345",
    "number 12345",
    "NUMBER 123456",
    "100%",
    "e_c",
    "k\\s",
    "\u00c9LISE",
    "\u00e9crire \u00e0",
    "\u03c3\u03bf\u03c6",
    "SOFIA",
    "\u03a3\u039f\u03a6\u0399\u0391",
    "stra\u00dfe",
    "strasse",
    "\u00e9\u00e9\u00e9",
    "\xf0\x9f\x8d\x8e a",
    "corner shop",
    "nothing here",
    "abc",
};

#define TEXT_COUNT (sizeof(texts) / sizeof(texts[0]))

/* Whether the folded needle is in the folded text: the meaning of q. */
static bool contains(const char *text, const char *needle)
{
	char ft[1024], fn[1024];

	if (!text)
		return false;
	assert_true(text_fold(ft, sizeof(ft), text, strlen(text), NULL));
	assert_true(text_fold(fn, sizeof(fn), needle, strlen(needle), NULL));
	return strstr(ft, fn) != NULL;
}

/* Every query, under each filter, on full pages and on pages of two (which
 * count), finds exactly the tasks whose folded title or description holds
 * the folded query; ids[i] is texts[i]'s task or 0 when deleted. */
static void assert_search(const struct fixture *f, const int64_t *ids, const char *const (*now)[2])
{
	for (size_t qi = 0; qi < sizeof(queries) / sizeof(queries[0]); qi++) {
		for (int filter = TASK_FILTER_ALL; filter <= TASK_FILTER_COMPLETED; filter++) {
			int64_t want[TEXT_COUNT];
			int n = 0;
			struct ids v;

			for (size_t i = 0; i < TEXT_COUNT; i++) {
				bool done = i % 2 == 1;

				if (!ids[i])
					continue;
				if ((filter == TASK_FILTER_PENDING && done) ||
				    (filter == TASK_FILTER_COMPLETED && !done))
					continue;
				if (contains(now[i][0], queries[qi]) || contains(now[i][1], queries[qi]))
					want[n++] = ids[i];
			}
			assert_int_equal(
			    list(f, USER_A, (enum task_filter)filter, queries[qi], LIMIT_PAGE_MAX, &v), n);
			if (v.count != n)
				fail_msg("q=\"%s\" filter %d: %d rows, want %d", queries[qi], filter, v.count,
				         n);
			for (int i = 0; i < n; i++)
				assert_int_equal(v.id[i], want[i]);
			assert_int_equal(list(f, USER_A, (enum task_filter)filter, queries[qi], 2, &v), n);
		}
	}
}

/* A text of one or two characters that most tasks hold ("0": the 600
 * added ones) is paged by walking the user's index (sqlite.c,
 * task_list_exact) rather than by sorting its matches: the same rows and
 * total as a brute-force count. */
static void assert_common_text(const struct fixture *f)
{
	static const char *const nth =
	    "SELECT id FROM tasks WHERE user_id = '" USER_A "' AND (instr(todod_fold(title), '0') > 0"
	    " OR instr(todod_fold(description), '0') > 0) ORDER BY created_at, id LIMIT 1 OFFSET ?1";
	struct ids v;
	int64_t all = raw_query(f->path,
	                        "SELECT count(*) FROM tasks WHERE user_id = ?1 AND (instr(todod_fold(title), '0') > 0"
	                        " OR instr(todod_fold(description), '0') > 0)",
	                        USER_A);

	assert_true(all >= 600);
	assert_int_equal(list(f, USER_A, TASK_FILTER_ALL, "0", 2, &v), all);
	assert_int_equal(v.count, 2);
	assert_int_equal(v.id[0], raw_query(f->path, nth, "0"));
	assert_int_equal(v.id[1], raw_query(f->path, nth, "1"));
	assert_int_equal(list(f, USER_A, TASK_FILTER_COMPLETED, "0", 2, &v),
	                 raw_query(f->path,
	                           "SELECT count(*) FROM tasks WHERE user_id = ?1 AND completed = 1"
	                           " AND (instr(todod_fold(title), '0') > 0 OR instr(todod_fold(description), '0') > 0)",
	                           USER_A));
}

static void test_search_index_same_as_scan(void **state)
{
	struct fixture *f = *state;
	const char *now[TEXT_COUNT][2];
	int64_t ids[TEXT_COUNT];
	struct task_patch p;
	struct task t;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	for (size_t i = 0; i < TEXT_COUNT; i++) {
		ids[i] = new_task(f, USER_A, texts[i][0], texts[i][1], i % 2 == 1, 1000 + (int64_t)i);
		now[i][0] = texts[i][0];
		now[i][1] = texts[i][1];
		/* The same texts for another user, never found for this one. */
		new_task(f, USER_B, texts[i][0], texts[i][1], i % 2 == 1, 1000 + (int64_t)i);
	}
	/* A user with few tasks is searched task by task. */
	assert_search(f, ids, now);
	/* Past SEARCH_SCAN_MAX_TASKS (sqlite.c) a text of three characters or
	 * more goes through the index; "0" holds no query. */
	raw_exec(f->path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)"
			  " INSERT INTO tasks (user_id, title, completed, created_at, updated_at)"
			  " SELECT '" USER_A "', '0', i % 2, 1, 1 FROM n");
	assert_search(f, ids, now);
	assert_common_text(f);

	/* The index follows changes of title and description, and deletes. */
	memset(&p, 0, sizeof(p));
	p.title = "Sell MILK";
	assert_int_equal(store_task_update(f->c, USER_A, ids[0], &p, 5000, &t), STATUS_OK);
	now[0][0] = p.title;
	p.title = NULL;
	p.set_description = true;
	p.description = NULL;
	assert_int_equal(store_task_update(f->c, USER_A, ids[2], &p, 5001, &t), STATUS_OK);
	now[2][1] = NULL;
	p.description = "\u00c9LISE writes back";
	assert_int_equal(store_task_update(f->c, USER_A, ids[10], &p, 5002, &t), STATUS_OK);
	now[10][1] = p.description;
	assert_int_equal(store_task_delete(f->c, USER_A, ids[3]), STATUS_OK);
	ids[3] = 0;
	assert_search(f, ids, now);
	assert_fts_intact(f);
}

/* The search index keys a UUID's tokens by its bits and any other user id
 * by its text (sqlite_search.c): both give each user their own tasks only,
 * an upper-case UUID included (another id than its lower-case form). */
static void test_search_other_ids(void **state)
{
	static const char *const owners[] = {"not-a-uuid", "0000000A-0000-4000-8000-00000000000A",
	                                     "0000000a-0000-4000-8000-00000000000a"};
	struct fixture *f = *state;
	char sql[512], email[64];
	struct ids v;

	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		snprintf(email, sizeof(email), "u%zu@example.com", i);
		add_user(f, owners[i], email);
		/* 600 tasks (past SEARCH_SCAN_MAX_TASKS), 60 + i of them "Hello" */
		snprintf(sql, sizeof(sql),
		         "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 600)"
		         " INSERT INTO tasks (user_id, title, completed, created_at, updated_at)"
		         " SELECT '%s', CASE WHEN k <= %zu THEN 'Hello ' || k ELSE 'x' || k END, 0, k, k FROM n",
		         owners[i], 60 + i);
		raw_exec(f->path, sql);
	}
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		assert_int_equal(list(f, owners[i], TASK_FILTER_ALL, "HELLO", 2, &v), (int64_t)(60 + i));
		assert_int_equal(list(f, owners[i], TASK_FILTER_ALL, "he", 2, &v), (int64_t)(60 + i));
		assert_int_equal(list(f, owners[i], TASK_FILTER_ALL, "e", 2, &v), (int64_t)(60 + i));
		assert_int_equal(list(f, owners[i], TASK_FILTER_ALL, "x", 2, &v), (int64_t)(540 - i));
	}
	assert_fts_intact(f);
}

/* migration ------------------------------------------------------------- */

/* Tasks written before 002 get their counters and their search index. */
static void test_migration_fills_existing_rows(void **state)
{
	struct fixture g;
	struct ids v;
	char sql[2048];

	(void)state;
	memset(&g, 0, sizeof(g));
	fresh_path(&g);
	assert_string_equal(migrations_sqlite[0].name, "001_init.sql");
	raw_exec(g.path, migrations_sqlite[0].data);
	raw_exec(g.path, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	                 " applied_at INTEGER NOT NULL) STRICT;"
	                 "INSERT INTO schema_migrations VALUES (1, '001_init.sql', 0)");
	snprintf(sql, sizeof(sql),
	         "INSERT INTO users VALUES ('%s', 'ada@example.com', 'Ada', 'h', 0), "
	         "('%s', 'bob@example.com', 'Bob', 'h', 0);"
	         "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) VALUES "
	         "('%s', '\u00c9crire \u00e0 \u00c9lise', NULL, 1, 1, 1), ('%s', 'milk', 'buy it', 0, 2, 2), "
	         "('%s', 'bread', NULL, 1, 3, 3), ('%s', 'Milk too', NULL, 0, 4, 4)",
	         USER_A, USER_B, USER_A, USER_A, USER_A, USER_B);
	raw_exec(g.path, sql);

	assert_int_equal(store_open(g.url, &g.s), STATUS_OK);
	assert_int_equal(store_migrate(g.s), STATUS_OK);
	assert_int_equal(store_conn_get(g.s, &g.c), STATUS_OK);
	assert_counts(&g, USER_A, 3, 2);
	assert_counts(&g, USER_B, 1, 0);
	assert_int_equal(list(&g, USER_A, TASK_FILTER_ALL, "\u00e9LISE", LIMIT_PAGE_MAX, &v), 1);
	assert_int_equal(v.id[0], 1);
	assert_int_equal(list(&g, USER_A, TASK_FILTER_ALL, "MILK", LIMIT_PAGE_MAX, &v), 1);
	assert_int_equal(v.id[0], 2);
	assert_int_equal(list(&g, USER_B, TASK_FILTER_ALL, "milk", LIMIT_PAGE_MAX, &v), 1);
	assert_int_equal(v.id[0], 4);
	assert_fts_intact(&g);
	/* A user made after the migration gets its counters too. */
	add_user(&g, "00000000-0000-4000-8000-00000000000c", "cy@example.com");
	assert_counts(&g, "00000000-0000-4000-8000-00000000000c", 0, 0);
	store_close(g.s);
}

/* query plans ----------------------------------------------------------- */

struct plan {
	char text[4096];
	size_t len;
};

static void explain(sqlite3 *db, const char *sql, struct plan *p)
{
	char eqp[4096];
	sqlite3_stmt *st = NULL;

	snprintf(eqp, sizeof(eqp), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(db, eqp, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	p->len = 0;
	p->text[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		int n = snprintf(p->text + p->len, sizeof(p->text) - p->len, "%s\n", detail ? detail : "");

		assert_true(n > 0 && (size_t)n < sizeof(p->text) - p->len);
		p->len += (size_t)n;
	}
	sqlite3_finalize(st);
}

/* Every page walks one of the user's indexes in order (no sort, no scan of
 * the table); every search by index finds its rows through tasks_fts and
 * sorts only those, or counts them there. */
static void assert_plans(const char *path)
{
	sqlite3 *db = raw_open(path);
	unsigned i = 0;
	const char *sql;
	bool by_index;
	struct plan p;

	while ((sql = store_sqlite_list_sql(i++, &by_index)) != NULL) {
		explain(db, sql, &p);
		if (strstr(p.text, "SCAN tasks\n") || strstr(p.text, "SCAN tasks USING"))
			fail_msg("full scan: %s\n%s", sql, p.text);
		if (by_index && !strstr(sql, "FROM tasks WHERE")) {
			/* the count of a text of one or two characters reads one
			 * token's entry of the search index (fts5vocab with term =) */
			if (!strstr(p.text, "SCAN tasks_fts_terms VIRTUAL TABLE INDEX 1:") || strstr(p.text, "tasks USING"))
				fail_msg("not one entry of the search index: %s\n%s", sql, p.text);
		} else if (by_index) {
			if (!strstr(p.text, "SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)") ||
			    !strstr(p.text, "SCAN tasks_fts VIRTUAL TABLE INDEX"))
				fail_msg("search index unused: %s\n%s", sql, p.text);
		} else {
			if (strstr(p.text, "TEMP B-TREE"))
				fail_msg("sorts: %s\n%s", sql, p.text);
			if (!strstr(p.text, "SEARCH tasks USING ") || !strstr(p.text, "INDEX tasks_user_"))
				fail_msg("no user index: %s\n%s", sql, p.text);
			if (strstr(sql, "completed = ?2") && !strstr(p.text, "(user_id=? AND completed=?"))
				fail_msg("status not in the index: %s\n%s", sql, p.text);
			/* a page of ids skips its offset in the index alone */
			if (strncmp(sql, "SELECT id, ", 11) == 0 && strncmp(sql, "SELECT id, user_id, ", 20) != 0 &&
			    !strstr(p.text, "USING COVERING INDEX tasks_user_"))
				fail_msg("page of ids reads rows: %s\n%s", sql, p.text);
			/* a page from a mark starts at the mark's key in the index;
			 * the entries of a key before an id are a range too */
			if (strstr(sql, " >= ?7") && !strstr(p.text, ">?)"))
				fail_msg("page from a mark walks from the start: %s\n%s", sql, p.text);
			if (strstr(sql, " <= ?7") && !strstr(p.text, "<?)"))
				fail_msg("page from a mark walks from the start: %s\n%s", sql, p.text);
			if (strstr(sql, " AND id < ?8") && !strstr(p.text, "=? AND rowid<?)"))
				fail_msg("entries of a key walk more: %s\n%s", sql, p.text);
			if (strstr(sql, " AND id > ?8") && !strstr(p.text, "=? AND rowid>?)"))
				fail_msg("entries of a key walk more: %s\n%s", sql, p.text);
		}
	}
	assert_true(i > 72);
	sqlite3_close(db);
}

static void test_list_plans_use_indexes(void **state)
{
	struct fixture *f = *state;
	char sql[1024];

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	assert_plans(f->path);
	/* Again with statistics (PRAGMA optimize gathers them) on a skewed
	 * table: one user with many tasks, most pending. */
	snprintf(sql, sizeof(sql),
	         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
	         " INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at)"
	         " SELECT CASE WHEN i %% 50 = 0 THEN '%s' ELSE '%s' END, 'task number ' || i,"
	         " 'about ' || (i * 7), i %% 9 = 0, i, i + i %% 5 FROM n; ANALYZE",
	         USER_B, USER_A);
	raw_exec(f->path, sql);
	assert_plans(f->path);
}

/* deep offsets ---------------------------------------------------------- */

/* Every page of user A at the offsets below, for every filter, sort, order
 * and limit, holds the same tasks in the same order as the index walk with
 * the rows; the lists have total_all tasks, completed_all of them done.
 * few: only the lists by title and the pending ones by update time, in
 * either order: four lists, as many as a connection keeps marks of. */
static void assert_deep_pages(const struct fixture *f, int64_t total_all, int64_t completed_all, bool few)
{
	static const char *const order[3][2] = {
	    {"created_at DESC, id DESC", "created_at ASC, id ASC"},
	    {"updated_at DESC, id DESC", "updated_at ASC, id ASC"},
	    {"title COLLATE NOCASE DESC, id DESC", "title COLLATE NOCASE ASC, id ASC"},
	};
	static const char *const by_status[3] = {"", " AND completed = 0", " AND completed = 1"};
	static const int64_t offsets[] = {500, 555, 590, 599, 600, 650, 890, 900, 1100, 1193, 1199, 1200, 1750, 1799, 1800, 5000};
	static const int limits[] = {1, 7, 100};

	for (int filter = TASK_FILTER_ALL; filter <= TASK_FILTER_COMPLETED; filter++) {
		char sql[512];
		int64_t count;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM tasks WHERE user_id = ?1%s", by_status[filter]);
		count = raw_query(f->path, sql, USER_A);
		assert_int_equal(count, filter == TASK_FILTER_ALL         ? total_all
		                        : filter == TASK_FILTER_PENDING ? total_all - completed_all
		                                                        : completed_all);
		if (few && filter == TASK_FILTER_COMPLETED)
			continue;
		for (int sort = TASK_SORT_CREATED; sort <= TASK_SORT_TITLE; sort++) {
			if (few && sort != (filter == TASK_FILTER_ALL ? TASK_SORT_TITLE : TASK_SORT_UPDATED))
				continue;
			for (int asc = 0; asc <= 1; asc++) {
				for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
					for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
						struct task_query q;
						struct ids v;
						int64_t total = -1, left = count - offsets[o];

						memset(&q, 0, sizeof(q));
						memset(&v, 0, sizeof(v));
						q.filter = (enum task_filter)filter;
						q.sort = (enum task_sort)sort;
						q.ascending = asc;
						q.limit = limits[l];
						q.offset = offsets[o];
						assert_int_equal(store_task_list(f->c, USER_A, &q, &total, collect, &v),
						                 STATUS_OK);
						assert_int_equal(total, count);
						assert_int_equal(v.count, left < 0 ? 0 : left < q.limit ? left : q.limit);
						for (int i = 0; i < v.count; i++) {
							snprintf(sql, sizeof(sql),
							         "SELECT id FROM tasks WHERE user_id = ?1%s ORDER BY %s"
							         " LIMIT 1 OFFSET %lld",
							         by_status[filter], order[sort][asc], (long long)(q.offset + i));
							if (v.id[i] != raw_query(f->path, sql, USER_A))
								fail_msg("filter %d sort %d asc %d offset %lld limit %d: row %d",
								         filter, sort, asc, (long long)q.offset, q.limit, i);
						}
					}
				}
			}
		}
	}
}

/* A page at an offset of PAGE_IDS_MIN_OFFSET (sqlite.c, 500) or more is
 * read as ids from a covering index, then rows by id; in the second half of
 * the list, from its other end, backwards, and past MARK_STEP (512) from a
 * mark the connection keeps while user A's tasks do not change
 * (task_page_deep, task_page_marked). Either way the same tasks, in the same
 * order, as the index walk with the rows, for every filter, sort, order and
 * limit, at offsets before, at and past the middle and the end: user A has
 * 1,800 tasks, 1,200 pending and 600 completed, with ties in every sort key
 * (broken by id). Then four lists again on the same connection, its marks
 * of them found, after each kind of change of A's tasks (title edits,
 * toggles, deletes, creates: each moves the entries after it) and after B's
 * alone, and after a title given to more than MARK_STEP tasks; then every
 * list once more. */
static void test_deep_offset_pages(void **state)
{
	struct fixture *f = *state;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	raw_exec(f->path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3600)"
	                  " INSERT INTO tasks (user_id, title, completed, created_at, updated_at)"
	                  " SELECT CASE WHEN i % 2 THEN '" USER_A "' ELSE '" USER_B "' END,"
	                  " CASE i % 3 WHEN 0 THEN 'Task ' ELSE 'task ' END || (i * 37 % 101),"
	                  " i % 3 = 0, i / 2, i / 2 + i * 13 % 50 FROM n");
	assert_deep_pages(f, 1800, 600, false);
	assert_deep_pages(f, 1800, 600, true);
	/* titles that sort first, and later updates */
	raw_exec(f->path, "UPDATE tasks SET title = 'aa ' || title, updated_at = updated_at + 100"
	                  " WHERE user_id = '" USER_A "' AND id % 11 = 0");
	assert_deep_pages(f, 1800, 600, true);
	/* 40 pending tasks done */
	raw_exec(f->path, "UPDATE tasks SET completed = 1 WHERE id IN (SELECT id FROM tasks"
	                  " WHERE user_id = '" USER_A "' AND completed = 0 ORDER BY id LIMIT 40)");
	assert_deep_pages(f, 1800, 640, true);
	raw_exec(f->path, "DELETE FROM tasks WHERE user_id = '" USER_A "' AND id % 13 = 1 AND completed = 0");
	{
		int64_t all = raw_query(f->path, "SELECT count(*) FROM tasks WHERE user_id = ?1", USER_A);

		assert_true(all < 1800);
		assert_deep_pages(f, all, 640, true);
		for (int i = 0; i < 30; i++)
			new_task(f, USER_A, i % 2 ? "Aardvark" : "middle task", NULL, false, 5 + i);
		assert_deep_pages(f, all + 30, 640, true);
		raw_exec(f->path, "UPDATE tasks SET title = 'a' || title WHERE user_id = '" USER_B "'");
		assert_deep_pages(f, all + 30, 640, true);
		/* one title for more than MARK_STEP tasks, in either case, in
		 * the first half of the list by title */
		raw_exec(f->path, "UPDATE tasks SET title = CASE WHEN id % 12 = 1 THEN 'middle' ELSE 'Middle' END"
		                  " WHERE user_id = '" USER_A "' AND id % 6 = 1");
		assert_true(raw_query(f->path, "SELECT count(*) FROM tasks WHERE user_id = ?1 AND title = 'Middle'"
		                               " COLLATE NOCASE", USER_A) > 512);
		assert_deep_pages(f, all + 30, 640, true);
		assert_deep_pages(f, all + 30, 640, false);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_counts_follow_writes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_index_same_as_scan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_other_ids, setup, teardown),
	    cmocka_unit_test(test_migration_fills_existing_rows),
	    cmocka_unit_test_setup_teardown(test_list_plans_use_indexes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deep_offset_pages, setup, teardown),
	};

	return cmocka_run_group_tests_name("store_scale", tests, group_setup, group_teardown);
}
