/* sqlite_fixture.h: the SQLite store fixture of the store's unit tests
 * (test_store.c, test_store_scale.c): one temporary directory per run, a
 * freshly migrated database file per test, and connections the tests open
 * with sqlite3 directly (raw_open, with todod_fold and the search index's
 * tokenizer, which the triggers on tasks use; raw_query).
 * Include after cmocka.h and store/store.h. */
#ifndef TODOD_TEST_SQLITE_FIXTURE_H
#define TODOD_TEST_SQLITE_FIXTURE_H

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"
#include "store/sqlite_search.h"
#include "store/store.h"

static char tmp_dir[] = "/tmp/todod-store-XXXXXX";
static unsigned db_serial;

struct fixture {
	char path[256];
	char url[300];
	store *s;
	store_conn *c;
};

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	char path[512];

	(void)state;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmp_dir);
}

static void fresh_path(struct fixture *f)
{
	snprintf(f->path, sizeof(f->path), "%s/t%u.db", tmp_dir, ++db_serial);
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	fresh_path(f);
	*state = f;
	if (store_open(f->url, &f->s) != STATUS_OK || store_migrate(f->s) != STATUS_OK ||
	    store_conn_get(f->s, &f->c) != STATUS_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->s)
		store_close(f->s);
	free(f);
	return 0;
}

/* todod_fold for raw connections: the triggers on tasks call it. */
static void raw_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	size_t len = (size_t)sqlite3_value_bytes(argv[0]), n = 0;
	char *out;

	(void)argc;
	if (!text) {
		sqlite3_result_null(ctx);
		return;
	}
	out = malloc(len * 2 + 4);
	assert_non_null(out);
	assert_true(text_fold(out, len * 2 + 4, text, len, &n));
	sqlite3_result_text(ctx, out, (int)n, free);
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	                 SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_create_function_v2(db, "todod_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	                                            NULL, raw_fold, NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite_search_register(db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* The first column of the first row of sql with ?1 bound to param (when
 * given), or -1 when there is no row. */
static int64_t raw_query(const char *path, const char *sql, const char *param)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	int rc;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (param)
		assert_int_equal(sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC), SQLITE_OK);
	rc = sqlite3_step(st);
	assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A user as the store tests make them: named Ada, with a fixed hash. */
static struct user make_user(const char *id, const char *email)
{
	struct user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", id);
	snprintf(u.email, sizeof(u.email), "%s", email);
	snprintf(u.name, sizeof(u.name), "%s", "Ada");
	snprintf(u.password_hash, sizeof(u.password_hash), "%s",
		 "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
	u.created_at = 1000;
	return u;
}

/* Creates that user with a first session "sid-<id>". */
static void add_user(const struct fixture *f, const char *id, const char *email)
{
	struct user u = make_user(id, email);
	char sid[64];

	snprintf(sid, sizeof(sid), "sid-%s", id);
	assert_int_equal(store_user_create(f->c, &u, sid, 1000000000000000LL), STATUS_OK);
}

#endif
