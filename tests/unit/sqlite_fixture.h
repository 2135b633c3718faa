/* sqlite_fixture.h: the SQLite store fixture of the store's unit tests
 * (test_store.c, test_store_scale.c): one temporary directory per run, a
 * freshly migrated database file per test, and todod_fold for connections
 * the tests open with sqlite3 directly (the triggers on tasks call it).
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

#endif
