/* sqlite.c: the SQLite backend of the store.
 * One sqlite3 handle per connection (WAL, foreign keys on, busy timeout),
 * every statement prepared once from the fixed table below and kept; values
 * only ever travel as bound parameters. Argument checks and the choice of
 * connection per thread are store.c's. */
#include "store/store_int.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/embedded.h"
#include "core/text.h"
#include "store/sqlite_search.h"

#define BUSY_TIMEOUT_MS 5000
/* The WAL size (pages) past which the writer checkpoints, to rewind it
 * (see wal_hook): once at most WAL_CHECKPOINT_TAIL_FRAMES of it are left
 * to copy, or at once past WAL_CHECKPOINT_FORCE_PAGES. */
#define WAL_CHECKPOINT_PAGES 16000
#define WAL_CHECKPOINT_TAIL_FRAMES 256
#define WAL_CHECKPOINT_FORCE_PAGES (2 * WAL_CHECKPOINT_PAGES)
/* The background checkpointer's period while the WAL grows, the most it
 * backs off to, doubling, while nothing is written, and its period while
 * the WAL is past WAL_CHECKPOINT_PAGES (checkpointer_main). */
#define CHECKPOINT_MS 20
#define CHECKPOINT_IDLE_MS 1000
#define CHECKPOINT_CATCH_UP_MS 1

#define TASK_COLUMNS "id, user_id, title, description, completed, created_at, updated_at"
/* A create's INSERT up to its rows (STMT_TASK_INSERT, create_many_stmt). */
#define TASK_INSERT_INTO "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
#define TASK_INSERT TASK_INSERT_INTO "VALUES "
/* The task list's statements. Parameters: ?1 the user, ?2 the completed
 * value wanted (status filter only), ?3 the search text case-folded like
 * the columns it is looked for in, ?4 its FTS5 query (sqlite_search_match:
 * the user's tokens of the text's trigrams, or of the whole text when it has
 * one or two characters), ?5 limit and ?6 offset (pages only). Every
 * (filter, sort) pair walks one index of 002_list_indexes.sql in order, so
 * no page sorts. A search either takes its candidates from the search index
 * tasks_fts (004_search_per_user.sql) and sorts those (SEARCH_INDEX), or
 * walks the user's index in order and checks each task (SEARCH_SCAN); each
 * row is checked with instr either way, so both give the same rows. */
#define TASK_BY_USER      "user_id = ?1"
#define TASK_WHERE_STATUS " AND completed = ?2"
#define TASK_WHERE_SCAN   " AND (instr(todod_fold(title), ?3) > 0 OR instr(todod_fold(description), ?3) > 0)"
/* "+user_id": not by the user's indexes, which would probe every task of
 * the user against the search index's matches. */
#define TASK_WHERE_INDEX                                                                                     \
	"+user_id = ?1 AND id IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ?4)" TASK_WHERE_SCAN
#define TASK_PAGE(where, key, bound, order)                                                                  \
	"SELECT " TASK_COLUMNS " FROM tasks WHERE " where " ORDER BY " order " LIMIT ?5 OFFSET ?6"
/* A page without search text at a deep offset (SEARCH_NONE_IDS) is its
 * tasks' ids alone, read from the index it walks (a covering index: every
 * skipped entry of the offset is an index entry, never a row); the rows are
 * then read by id (visit_ids). The sort key comes with each id: a mark
 * (task_page_marked) is a key met at a known position. */
#define TASK_PAGE_IDS(where, key, bound, order)                                                              \
	"SELECT id, " key " FROM tasks WHERE " where " ORDER BY " order " LIMIT ?5 OFFSET ?6"
/* The same from a mark on (task_page_marked): the entries whose key is ?7
 * or after it in the page's order, a range of its index (the comparison
 * takes the collation of the right side, the index's); and the number of
 * entries of key ?7 before id ?8 in that order, a range too. */
#define TASK_PAGE_MARKED_ASC(where, key, bound, order)                                                       \
	"SELECT id, " key " FROM tasks WHERE " where " AND " key " >= " bound " ORDER BY " order              \
	" LIMIT ?5 OFFSET ?6"
#define TASK_PAGE_MARKED_DESC(where, key, bound, order)                                                      \
	"SELECT id, " key " FROM tasks WHERE " where " AND " key " <= " bound " ORDER BY " order              \
	" LIMIT ?5 OFFSET ?6"
#define TASK_TIES_ASC(where, key, bound, order)                                                              \
	"SELECT count(*) FROM tasks WHERE " where " AND " key " = " bound " AND id < ?8"
#define TASK_TIES_DESC(where, key, bound, order)                                                             \
	"SELECT count(*) FROM tasks WHERE " where " AND " key " = " bound " AND id > ?8"
#define TASK_COUNT(where) "SELECT count(*) FROM tasks WHERE " where
/* The number of tasks holding a text of one or two characters: those its
 * one token lists, all of them the user's, counted by FTS5 itself from the
 * token's list (fts5vocab; ?1 the token, sqlite_search_token: no task is
 * read, no row made per match), or those of them with the status. */
#define TASK_COUNT_EXACT "SELECT doc FROM tasks_fts_terms WHERE term = ?1"
#define TASK_COUNT_EXACT_STATUS                                                                              \
	"SELECT count(*) FROM tasks WHERE +user_id = ?1 AND completed = ?2"                                  \
	" AND id IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ?4)"

/* How a list looks for its search text. A user with at most
 * SEARCH_SCAN_MAX_TASKS tasks is searched by checking each of them.
 * SEARCH_NONE_IDS is SEARCH_NONE for an offset of at least
 * PAGE_IDS_MIN_OFFSET: the page's ids from a covering index, then its rows by
 * id. Reading 20 rows by id costs about 5 us more than with the page;
 * skipping an index entry alone saves about 20 ns. */
enum task_search { SEARCH_NONE, SEARCH_SCAN, SEARCH_INDEX, SEARCH_NONE_IDS, SEARCH_MARKED, SEARCH_TIES };
#define SEARCH_SCAN_MAX_TASKS 500
#define PAGE_IDS_MIN_OFFSET   500

/* Marks of deep pages (task_page_marked): in one list of one user (status
 * filter, sort, order), a key and the position of the first entry with it,
 * about every MARK_STEP entries, found once and kept by the connection
 * while the user's version (006_list_version.sql) reads the same;
 * MARK_LISTS lists at most, the least recently used given up first. */
#define MARK_STEP  512
#define MARK_LISTS 4

struct mark {
	int64_t pos; /* in the list, from 0 */
	int64_t key; /* created_at or updated_at */
	char *title; /* the key of the title sort */
};

struct mark_list {
	char user_id[UUID_BYTES + 1]; /* "": unused */
	enum task_filter filter;
	enum task_sort sort;
	bool ascending;
	bool ended; /* no further mark: the list ends within MARK_STEP of the last, or in its key */
	int64_t version;
	uint64_t used; /* mark_clock when last used */
	size_t n, cap; /* marks[], by position */
	struct mark *marks;
};

/* The page statement of (search, status filter or not, sort, ascending) and
 * the count statement of a search. */
#define PAGE_AT(search, by_status, sort, asc)                                                                \
	(STMT_TASK_PAGE + ((((search) * 2 + (by_status)) * 3 + (sort)) * 2 + (asc)))
#define COUNT_AT(search, by_status) (STMT_TASK_COUNT_SEARCH + ((search) - 1) * 2 + (by_status))
#define TASK_PAGES_OF(desc, asc, search, by_status, where)                                                   \
	[PAGE_AT(search, by_status, TASK_SORT_CREATED, 0)] =                                                 \
	    desc(where, "created_at", "?7", "created_at DESC, id DESC"),                                     \
	[PAGE_AT(search, by_status, TASK_SORT_CREATED, 1)] =                                                 \
	    asc(where, "created_at", "?7", "created_at ASC, id ASC"),                                        \
	[PAGE_AT(search, by_status, TASK_SORT_UPDATED, 0)] =                                                 \
	    desc(where, "updated_at", "?7", "updated_at DESC, id DESC"),                                     \
	[PAGE_AT(search, by_status, TASK_SORT_UPDATED, 1)] =                                                 \
	    asc(where, "updated_at", "?7", "updated_at ASC, id ASC"),                                        \
	[PAGE_AT(search, by_status, TASK_SORT_TITLE, 0)] =                                                   \
	    desc(where, "title", "?7 COLLATE NOCASE", "title COLLATE NOCASE DESC, id DESC"),                 \
	[PAGE_AT(search, by_status, TASK_SORT_TITLE, 1)] =                                                   \
	    asc(where, "title", "?7 COLLATE NOCASE", "title COLLATE NOCASE ASC, id ASC")
#define TASK_PAGES(search, by_status, where) TASK_PAGES_OF(TASK_PAGE, TASK_PAGE, search, by_status, where)

enum stmt_id {
	STMT_BEGIN,
	STMT_BEGIN_IMMEDIATE,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_PING,
	STMT_SEARCH_MERGE, /* prepared when first run: needs tasks_fts */
	STMT_MIGRATION_APPLIED,
	STMT_MIGRATION_RECORD,
	STMT_USER_INSERT,
	STMT_USER_BY_EMAIL,
	STMT_USER_BY_ID,
	STMT_USER_SET_HASH,
	STMT_SESSION_INSERT,
	STMT_SESSION_CHECK,
	STMT_SESSION_REVOKE,
	STMT_SESSION_PRUNE,
	STMT_LOGIN_PRUNE,
	STMT_LOGIN_COUNT,
	STMT_LOGIN_NTH,
	STMT_LOGIN_INSERT,
	STMT_LOGIN_FORGET_KEY,
	STMT_LOGIN_FORGET_ID,
	STMT_TASK_INSERT,
	STMT_TASK_GET,
	STMT_TASK_UPDATE,
	STMT_TASK_UPDATE_COMPLETED,
	STMT_TASK_DELETE,
	STMT_TASK_COUNTERS,
	STMT_TASK_COUNT_SEARCH, /* 4 statements: COUNT_AT */
	STMT_TASK_COUNT_EXACT = STMT_TASK_COUNT_SEARCH + 4,
	STMT_TASK_COUNT_EXACT_STATUS,
	STMT_TASK_PAGE, /* 72 statements: PAGE_AT */
	STMT_COUNT = STMT_TASK_PAGE + 72
};

/* Schema-independent statements, prepared when the connection opens so a
 * rollback never depends on memory being available later. */
#define STMT_EAGER_COUNT (STMT_PING + 1)

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN",
	[STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	/* a batch's job (sqlite_batch_step) */
	[STMT_SAVEPOINT] = "SAVEPOINT job",
	[STMT_RELEASE] = "RELEASE job",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO job",
	[STMT_PING] = "SELECT 1",
	/* after a batch: at most 16 pages of the search index's merging
	 * (005_search_merge.sql) */
	[STMT_SEARCH_MERGE] = "INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('merge', 16)",
	[STMT_MIGRATION_APPLIED] = "SELECT 1 FROM schema_migrations WHERE version = ?1",
	[STMT_MIGRATION_RECORD] = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
	[STMT_USER_INSERT] = "INSERT INTO users (id, email, name, password_hash, created_at)"
			     " VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_USER_BY_EMAIL] = "SELECT id, email, name, password_hash, created_at FROM users WHERE email = ?1",
	[STMT_USER_BY_ID] = "SELECT id, email, name, password_hash, created_at FROM users WHERE id = ?1",
	[STMT_USER_SET_HASH] = "UPDATE users SET password_hash = ?2 WHERE id = ?1",
	[STMT_SESSION_INSERT] =
	    "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
	[STMT_SESSION_CHECK] = "SELECT 1 FROM sessions WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL"
			       " AND expires_at > ?3",
	[STMT_SESSION_REVOKE] = "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
	[STMT_SESSION_PRUNE] = "DELETE FROM sessions WHERE user_id = ?1"
			       " AND (expires_at <= ?2 OR revoked_at IS NOT NULL)",
	[STMT_LOGIN_PRUNE] = "DELETE FROM login_failures WHERE at <= ?1",
	[STMT_LOGIN_COUNT] = "SELECT count(*) FROM login_failures WHERE key = ?1 AND at > ?2",
	[STMT_LOGIN_NTH] =
	    "SELECT at FROM login_failures WHERE key = ?1 AND at > ?2 ORDER BY at LIMIT 1 OFFSET ?3",
	[STMT_LOGIN_INSERT] = "INSERT INTO login_failures (key, at) VALUES (?1, ?2)",
	[STMT_LOGIN_FORGET_KEY] = "DELETE FROM login_failures WHERE key = ?1",
	[STMT_LOGIN_FORGET_ID] = "DELETE FROM login_failures WHERE id = ?1",
	[STMT_TASK_INSERT] = TASK_INSERT "(?1, ?2, ?3, ?4, ?5, ?5) RETURNING " TASK_COLUMNS,
	[STMT_TASK_GET] = "SELECT " TASK_COLUMNS " FROM tasks WHERE id = ?1 AND user_id = ?2",
	/* ?3: new title or NULL; ?4: set description to ?5; ?6: a
	 * task_completed_change. One statement, so no other writer can come
	 * between the read of the old values and the write. */
	[STMT_TASK_UPDATE] = "UPDATE tasks SET title = coalesce(?3, title),"
			     " description = CASE WHEN ?4 THEN ?5 ELSE description END,"
			     " completed = CASE ?6 WHEN 1 THEN 0 WHEN 2 THEN 1 WHEN 3 THEN 1 - completed"
			     " ELSE completed END,"
			     " updated_at = max(?7, updated_at + 1)"
			     " WHERE id = ?1 AND user_id = ?2 RETURNING " TASK_COLUMNS,
	/* A patch of completed alone, ?6 and ?7 as above: title and
	 * description are not set, so neither their indexes nor the search
	 * index's trigger are touched. */
	[STMT_TASK_UPDATE_COMPLETED] = "UPDATE tasks SET"
				       " completed = CASE ?6 WHEN 1 THEN 0 WHEN 2 THEN 1 WHEN 3 THEN 1 - completed"
				       " ELSE completed END,"
				       " updated_at = max(?7, updated_at + 1)"
				       " WHERE id = ?1 AND user_id = ?2 RETURNING " TASK_COLUMNS,
	[STMT_TASK_DELETE] = "DELETE FROM tasks WHERE id = ?1 AND user_id = ?2",
	[STMT_TASK_COUNTERS] = "SELECT total, completed, version FROM task_counts WHERE user_id = ?1",
	[COUNT_AT(SEARCH_SCAN, 0)] = TASK_COUNT(TASK_BY_USER TASK_WHERE_SCAN),
	[COUNT_AT(SEARCH_SCAN, 1)] = TASK_COUNT(TASK_BY_USER TASK_WHERE_STATUS TASK_WHERE_SCAN),
	[COUNT_AT(SEARCH_INDEX, 0)] = TASK_COUNT(TASK_WHERE_INDEX),
	[COUNT_AT(SEARCH_INDEX, 1)] = TASK_COUNT(TASK_WHERE_INDEX TASK_WHERE_STATUS),
	[STMT_TASK_COUNT_EXACT] = TASK_COUNT_EXACT,
	[STMT_TASK_COUNT_EXACT_STATUS] = TASK_COUNT_EXACT_STATUS,
	TASK_PAGES(SEARCH_NONE, 0, TASK_BY_USER),
	TASK_PAGES(SEARCH_NONE, 1, TASK_BY_USER TASK_WHERE_STATUS),
	TASK_PAGES(SEARCH_SCAN, 0, TASK_BY_USER TASK_WHERE_SCAN),
	TASK_PAGES(SEARCH_SCAN, 1, TASK_BY_USER TASK_WHERE_STATUS TASK_WHERE_SCAN),
	TASK_PAGES(SEARCH_INDEX, 0, TASK_WHERE_INDEX),
	TASK_PAGES(SEARCH_INDEX, 1, TASK_WHERE_INDEX TASK_WHERE_STATUS),
	TASK_PAGES_OF(TASK_PAGE_IDS, TASK_PAGE_IDS, SEARCH_NONE_IDS, 0, TASK_BY_USER),
	TASK_PAGES_OF(TASK_PAGE_IDS, TASK_PAGE_IDS, SEARCH_NONE_IDS, 1, TASK_BY_USER TASK_WHERE_STATUS),
	TASK_PAGES_OF(TASK_PAGE_MARKED_DESC, TASK_PAGE_MARKED_ASC, SEARCH_MARKED, 0, TASK_BY_USER),
	TASK_PAGES_OF(TASK_PAGE_MARKED_DESC, TASK_PAGE_MARKED_ASC, SEARCH_MARKED, 1, TASK_BY_USER TASK_WHERE_STATUS),
	TASK_PAGES_OF(TASK_TIES_DESC, TASK_TIES_ASC, SEARCH_TIES, 0, TASK_BY_USER),
	TASK_PAGES_OF(TASK_TIES_DESC, TASK_TIES_ASC, SEARCH_TIES, 1, TASK_BY_USER TASK_WHERE_STATUS),
};

static const char migrations_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
					   "version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
					   " applied_at INTEGER NOT NULL) STRICT";

static const char *const open_pragmas[] = {
	"PRAGMA journal_mode = WAL",
	"PRAGMA foreign_keys = ON",
	"PRAGMA synchronous = NORMAL",
};

struct sqlite_conn {
	struct store_conn base; /* first: store.c sees only this */
	sqlite3 *db;
	sqlite3_stmt *stmt[STMT_COUNT];
	/* the WAL index's first region as SQLite maps it (sqlite_data_version);
	 * it stays mapped while this connection is open */
	const volatile unsigned char *wal_index;
	/* group commit: a batch is open (from its BEGIN to its TIDY), and the
	 * WAL's size after its commit */
	bool in_batch;
	int wal_pages;
	bool batches; /* has run a batch: its journals are kept in memory */
	/* sqlite_task_create_many's statement, prepared when first needed */
	sqlite3_stmt *create_many;
	struct mark_list marks[MARK_LISTS];
	uint64_t mark_clock;
};

static struct sqlite_conn *conn_of(struct store_conn *c)
{
	return (struct sqlite_conn *)c;
}

/* statements and errors ------------------------------------------------ */

static status status_of(int rc)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE)
		return STATUS_OK;
	if (rc == SQLITE_IOERR_NOMEM)
		return STATUS_NOMEM;
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return STATUS_NOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FULL:
	case SQLITE_READONLY:
		return STATUS_UNAVAILABLE;
	default:
		return STATUS_INTERNAL;
	}
}

static status stmt_get(struct sqlite_conn *c, enum stmt_id id, sqlite3_stmt **out)
{
	if (!c->stmt[id]) {
		int rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id],
					    NULL);

		if (rc != SQLITE_OK)
			return status_of(rc);
	}
	*out = c->stmt[id];
	return STATUS_OK;
}

/* Readies a cached statement for its next use. Accepts NULL. */
static void stmt_release(sqlite3_stmt *st)
{
	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Binders keep the first error in *rc and do nothing after it. Text is
 * bound SQLITE_STATIC: every statement is released before its caller
 * returns. */
static void bind_text(sqlite3_stmt *st, int i, const char *s, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static void bind_i64(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

/* Steps once: STATUS_OK on a row, STATUS_NOT_FOUND when there is none. */
static status step_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return STATUS_OK;
	if (rc == SQLITE_DONE)
		return STATUS_NOT_FOUND;
	return status_of(rc);
}

/* Steps until the statement is done, skipping any rows. */
static status step_done(sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	return rc == SQLITE_DONE ? STATUS_OK : status_of(rc);
}

/* Runs fixed SQL text of one or more statements (schema work only). */
static status exec_sql(struct sqlite_conn *c, const char *sql)
{
	return status_of(sqlite3_exec(c->db, sql, NULL, NULL, NULL));
}

/* Runs one of the parameterless statements (transaction control). */
static status run(struct sqlite_conn *c, enum stmt_id id)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, id, &st);

	if (rv == STATUS_OK)
		rv = step_done(st);
	stmt_release(st);
	return rv;
}

/* Runs a statement whose one parameter is the text v, or the integer n
 * when v is NULL. */
static status run_one(struct sqlite_conn *c, enum stmt_id id, const char *v, int64_t n)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, id, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	if (v)
		bind_text(st, 1, v, &rc);
	else
		bind_i64(st, 1, n, &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	stmt_release(st);
	return rv;
}

static status run_text(struct sqlite_conn *c, enum stmt_id id, const char *v)
{
	return run_one(c, id, v, 0);
}

static status run_i64(struct sqlite_conn *c, enum stmt_id id, int64_t v)
{
	return run_one(c, id, NULL, v);
}

/* Ends the open transaction: commits when commit is true, else rolls back.
 * Returns rv unless the commit itself fails; nothing is left half-written. */
static status tx_finish(struct sqlite_conn *c, bool commit, status rv)
{
	if (commit) {
		status crv = run(c, STMT_COMMIT);

		if (crv == STATUS_OK)
			return rv;
		rv = crv;
	}
	if (!sqlite3_get_autocommit(c->db))
		run(c, STMT_ROLLBACK);
	return rv;
}

/* Copies a text column into a field of size cap; a longer value is an
 * error, never cut. NULL reads as "". */
static status column_text(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);

	if (!s) {
		if (sqlite3_column_type(st, col) != SQLITE_NULL)
			return STATUS_NOMEM;
		dst[0] = '\0';
		return STATUS_OK;
	}
	return text_copy(dst, cap, s, (size_t)len) ? STATUS_OK : STATUS_INTERNAL;
}

static status read_user(sqlite3_stmt *st, struct user *u)
{
	status rv = column_text(st, 0, u->id, sizeof(u->id));

	if (rv == STATUS_OK)
		rv = column_text(st, 1, u->email, sizeof(u->email));
	if (rv == STATUS_OK)
		rv = column_text(st, 2, u->name, sizeof(u->name));
	if (rv == STATUS_OK)
		rv = column_text(st, 3, u->password_hash, sizeof(u->password_hash));
	u->created_at = sqlite3_column_int64(st, 4);
	return rv;
}

/* Reads a row of TASK_COLUMNS. */
static status read_task(sqlite3_stmt *st, struct task *t)
{
	status rv;

	t->id = sqlite3_column_int64(st, 0);
	rv = column_text(st, 1, t->user_id, sizeof(t->user_id));
	if (rv == STATUS_OK)
		rv = column_text(st, 2, t->title, sizeof(t->title));
	t->has_description = sqlite3_column_type(st, 3) != SQLITE_NULL;
	if (rv == STATUS_OK)
		rv = column_text(st, 3, t->description, sizeof(t->description));
	t->completed = sqlite3_column_int64(st, 4) != 0;
	t->created_at = sqlite3_column_int64(st, 5);
	t->updated_at = sqlite3_column_int64(st, 6);
	return rv;
}

/* connections ---------------------------------------------------------- */

static void mark_list_clear(struct mark_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->marks[i].title);
	free(l->marks);
	memset(l, 0, sizeof(*l));
}

static void sqlite_conn_close(struct store_conn *base)
{
	struct sqlite_conn *c = conn_of(base);

	if (!c)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_finalize(c->create_many);
	for (int i = 0; i < MARK_LISTS; i++)
		mark_list_clear(&c->marks[i]);
	if (c->db)
		sqlite3_exec(c->db, "PRAGMA optimize", NULL, NULL, NULL);
	sqlite3_close_v2(c->db);
	free(c);
}

/* todod_fold(text): the text lower-cased as core/text.c folds it, so the
 * search is case-insensitive beyond ASCII. NULL stays NULL. */
static void fold_function(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);
	char stack[1024];
	char *out = stack;
	size_t cap = (size_t)len * 2 + 4, n = 0;

	(void)argc;
	if (!text) {
		sqlite3_result_null(ctx);
		return;
	}
	if (cap > sizeof(stack) && !(out = sqlite3_malloc64(cap))) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (text_fold(out, cap, text, (size_t)len, &n))
		sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
	else
		sqlite3_result_error(ctx, "todod_fold: result too long", -1);
	if (out != stack)
		sqlite3_free(out);
}

static bool wal_index_map(struct sqlite_conn *c);
static long wal_uncopied(struct sqlite_conn *c);

/* Background checkpoints under way in this process (checkpointer_main). */
static atomic_int background_checkpoints;

/* Whether the writer checkpoints now, the WAL being `pages` long. Only a
 * writer that starts on a wholly copied WAL rewinds it, so the writer
 * checkpoints past WAL_CHECKPOINT_PAGES; but a checkpoint syncs the WAL and
 * then the database file, which flushes every page of it not yet synced,
 * and the writes queued meanwhile wait. So the writer leaves the copying
 * to the background checkpointer (checkpointer_main, which runs back to
 * back meanwhile) and checkpoints between two of its rounds, once at most
 * WAL_CHECKPOINT_TAIL_FRAMES are left to copy: a short copy and sync. */
static bool writer_checkpoints(struct sqlite_conn *c, int pages)
{
	long uncopied;

	if (pages < WAL_CHECKPOINT_PAGES)
		return false;
	if (pages >= WAL_CHECKPOINT_FORCE_PAGES)
		return true;
	if (atomic_load_explicit(&background_checkpoints, memory_order_relaxed) > 0)
		return false;
	uncopied = wal_uncopied(c);
	return uncopied < 0 || uncopied <= WAL_CHECKPOINT_TAIL_FRAMES;
}

/* SQLite's automatic checkpoint (wal_autocheckpoint), made here when
 * writer_checkpoints says so: after a commit outside a batch, in the hook;
 * after a batch's, in its TIDY step, once every write of the batch has been
 * answered, so no answer waits for the checkpoint's fsyncs. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sqlite_conn *c = arg;

	c->wal_pages = pages;
	if (!c->in_batch && writer_checkpoints(c, pages))
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* Runs one of open_pragmas. Switching a new file to WAL takes an
 * exclusive lock that SQLite does not wait for when several processes
 * open the file at once (SQLITE_BUSY at once, busy timeout or not): that
 * one is tried again every 10 ms, up to the busy timeout. */
static int exec_pragma(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	for (int waited = 0; (rc & 0xff) == SQLITE_BUSY && waited < BUSY_TIMEOUT_MS; waited += 10) {
		sqlite3_sleep(10);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	return rc;
}

static status configure(struct sqlite_conn *c)
{
	int rc = sqlite3_extended_result_codes(c->db, 1);

	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(c->db, "todod_fold", 1,
						SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
						fold_function, NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite_search_register(c->db);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	/* Stricter SQL: double quotes name identifiers only, and the schema
	 * tables cannot be written to. */
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < sizeof(open_pragmas) / sizeof(open_pragmas[0]); i++)
		rc = exec_pragma(c->db, open_pragmas[i]);
	if (rc == SQLITE_OK)
		(void)sqlite3_wal_hook(c->db, wal_hook, c);
	for (int i = 0; rc == SQLITE_OK && i < STMT_EAGER_COUNT; i++)
		rc = sqlite3_prepare_v3(c->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[i], NULL);
	return rc == SQLITE_OK ? STATUS_OK : status_of(rc);
}

/* Process-wide settings, made before SQLite initialises: no allocation
 * statistics, whose upkeep takes one global mutex on every malloc and free. */
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Any failure to open is STATUS_UNAVAILABLE but for lack of memory. */
static status sqlite_conn_open(const char *path, struct store_conn **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct sqlite_conn *c;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc;
	status rv;

	pthread_once(&once, sqlite_setup);
	c = calloc(1, sizeof(*c));
	if (!c)
		return STATUS_NOMEM;
	c->base.ops = &store_sqlite_ops;
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		rv = rc == SQLITE_NOMEM ? STATUS_NOMEM : STATUS_UNAVAILABLE;
		goto done;
	}
	rv = configure(c);
	if (rv != STATUS_OK && rv != STATUS_NOMEM)
		rv = STATUS_UNAVAILABLE;
done:
	if (rv != STATUS_OK) {
		sqlite_conn_close(&c->base);
		return rv;
	}
	*out = &c->base;
	return STATUS_OK;
}

/* the background checkpointer ------------------------------------------ */

/* Copies the WAL back into the database every CHECKPOINT_MS while it grows
 * (backing off to CHECKPOINT_IDLE_MS while nothing is written), on a
 * connection and thread of its own, and syncs what it copied. PASSIVE: it
 * never waits for, nor blocks, a reader or the writer. The writer still
 * checkpoints by itself when the WAL passes WAL_CHECKPOINT_PAGES
 * (writer_checkpoints), because only a writer that starts on a wholly
 * copied WAL rewinds it to its beginning (under steady writes the
 * background alone would let it grow without end); meanwhile this thread
 * runs every CHECKPOINT_CATCH_UP_MS, so the writer finds a short tail left
 * to copy and sync. Measured under wrk (c64): POST throughput up by a
 * third, p99 down. */
struct checkpointer {
	char *target;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

/* Syncs the database file's data. SQLite syncs it at the end of a
 * checkpoint only when no frame was added to the WAL meanwhile, which under
 * steady writes is never true of a background round: the pages it copies
 * would wait, unsynced, for the writer's checkpoint (wal_hook), which
 * would then flush them all while the queued writes wait. */
static void sync_database_file(struct sqlite_conn *c)
{
	sqlite3_file *f = NULL;

	if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f &&
	    f->pMethods && f->pMethods->xSync)
		(void)f->pMethods->xSync(f, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY);
}

static void *checkpointer_main(void *arg)
{
	struct checkpointer *k = arg;
	struct store_conn *conn = NULL;
	struct timespec at;
	long ms = CHECKPOINT_MS;
	int last_frames = -1, last_copied = -1;

	pthread_mutex_lock(&k->lock);
	while (!k->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += ms / 1000;
		at.tv_nsec += ms % 1000 * 1000000L;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		while (!k->stopping && pthread_cond_timedwait(&k->wake, &k->lock, &at) != ETIMEDOUT)
			;
		if (k->stopping)
			break;
		pthread_mutex_unlock(&k->lock);
		if (!conn && sqlite_conn_open(k->target, &conn) != STATUS_OK)
			conn = NULL; /* tried again next time */
		/* SQLITE_BUSY (another process checkpoints): next time */
		int frames = -1, copied = -1;

		if (conn) {
			atomic_fetch_add_explicit(&background_checkpoints, 1, memory_order_relaxed);
			if (sqlite3_wal_checkpoint_v2(conn_of(conn)->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
						      &frames, &copied) == SQLITE_OK &&
			    copied > 0 && copied != last_copied)
				sync_database_file(conn_of(conn)); /* copied some just now */
			atomic_fetch_sub_explicit(&background_checkpoints, 1, memory_order_relaxed);
		}
		/* Nothing written since the last round, and all of it copied:
		 * an idle server wakes this thread once a second, not 50 times. */
		if (frames >= 0 && frames == last_frames && copied == frames)
			ms = ms * 2 > CHECKPOINT_IDLE_MS ? CHECKPOINT_IDLE_MS : ms * 2;
		else if (frames >= WAL_CHECKPOINT_PAGES)
			ms = CHECKPOINT_CATCH_UP_MS; /* the writer waits for a short tail */
		else
			ms = CHECKPOINT_MS;
		last_frames = frames;
		last_copied = copied;
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	sqlite_conn_close(conn);
	return NULL;
}

static void checkpointer_free(struct checkpointer *k)
{
	pthread_cond_destroy(&k->wake);
	pthread_mutex_destroy(&k->lock);
	free(k->target);
	free(k);
}

static status sqlite_background_start(const char *target, void **out)
{
	struct checkpointer *k = calloc(1, sizeof(*k));
	pthread_condattr_t attr;
	bool cond_ok = false;

	if (!k)
		return STATUS_NOMEM;
	k->target = strdup(target);
	if (!k->target || pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k->target);
		free(k);
		return STATUS_NOMEM;
	}
	if (pthread_condattr_init(&attr) == 0) {
		cond_ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
			  pthread_cond_init(&k->wake, &attr) == 0;
		pthread_condattr_destroy(&attr);
	}
	if (!cond_ok) {
		pthread_mutex_destroy(&k->lock);
		free(k->target);
		free(k);
		return STATUS_INTERNAL;
	}
	if (pthread_create(&k->thread, NULL, checkpointer_main, k) != 0) {
		checkpointer_free(k);
		return STATUS_INTERNAL;
	}
	*out = k;
	return STATUS_OK;
}

static void sqlite_background_stop(void *background)
{
	struct checkpointer *k = background;

	pthread_mutex_lock(&k->lock);
	k->stopping = true;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	checkpointer_free(k);
}

static status sqlite_ping(struct store_conn *base)
{
	return run(conn_of(base), STMT_PING) == STATUS_OK ? STATUS_OK : STATUS_UNAVAILABLE;
}

/* migrations ------------------------------------------------------------ */

/* The version of "NNN_name.sql": its leading digits, at least 1. */
static status migration_version(const char *name, int64_t *out)
{
	int64_t v = 0;
	size_t i = 0;

	while (i < 9 && name[i] >= '0' && name[i] <= '9')
		v = v * 10 + (name[i++] - '0');
	if (i == 0 || name[i] != '_' || v == 0)
		return STATUS_INTERNAL;
	*out = v;
	return STATUS_OK;
}

static status migration_is_applied(struct sqlite_conn *c, int64_t version, bool *applied)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_MIGRATION_APPLIED, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_i64(st, 1, version, &rc);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	stmt_release(st);
	if (rv != STATUS_OK && rv != STATUS_NOT_FOUND)
		return rv;
	*applied = rv == STATUS_OK;
	return STATUS_OK;
}

static status migration_record(struct sqlite_conn *c, int64_t version, const char *name)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_MIGRATION_RECORD, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_i64(st, 1, version, &rc);
	bind_text(st, 2, name, &rc);
	bind_i64(st, 3, clock_now_ms(), &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	stmt_release(st);
	return rv;
}

static status migration_run(struct sqlite_conn *c, const struct embedded_file *m)
{
	status rv;

	if (strlen(m->data) != m->len)
		return STATUS_INTERNAL; /* a NUL would hide the rest */
	rv = exec_sql(c, m->data);
	/* A migration must not end the transaction it runs in. */
	if (rv == STATUS_OK && sqlite3_get_autocommit(c->db))
		rv = STATUS_INTERNAL;
	return rv;
}

/* Under BEGIN IMMEDIATE, so a second process starting at the same time
 * waits and then finds the migration applied. */
static status migration_apply(struct sqlite_conn *c, const struct embedded_file *m, int64_t version)
{
	bool applied = false;
	status rv = run(c, STMT_BEGIN_IMMEDIATE);

	if (rv != STATUS_OK)
		return rv;
	rv = exec_sql(c, migrations_table_sql);
	if (rv == STATUS_OK)
		rv = migration_is_applied(c, version, &applied);
	if (rv == STATUS_OK && !applied)
		rv = migration_run(c, m);
	if (rv == STATUS_OK && !applied)
		rv = migration_record(c, version, m->name);
	return tx_finish(c, rv == STATUS_OK, rv);
}

/* STATUS_CONFLICT when the database records a migration newer than latest
 * (a newer todod migrated it): this build would misread its schema. */
static status migration_check_newer(struct sqlite_conn *c, int64_t latest)
{
	sqlite3_stmt *st = NULL;
	status rv;

	/* No table yet: a fresh database. */
	if (sqlite3_table_column_metadata(c->db, NULL, "schema_migrations", "version", NULL, NULL, NULL, NULL,
					  NULL) != SQLITE_OK)
		return STATUS_OK;
	rv = status_of(sqlite3_prepare_v2(c->db, "SELECT max(version) FROM schema_migrations", -1, &st, NULL));
	if (rv == STATUS_OK)
		rv = step_row(st);
	if (rv == STATUS_OK && sqlite3_column_int64(st, 0) > latest)
		rv = STATUS_CONFLICT;
	sqlite3_finalize(st);
	return rv == STATUS_NOT_FOUND ? STATUS_INTERNAL : rv;
}

static status sqlite_migrate(struct store_conn *base)
{
	struct sqlite_conn *c = conn_of(base);
	int64_t previous = 0, latest = 0;
	status checked;

	if (migrations_sqlite_count > 0 &&
	    migration_version(migrations_sqlite[migrations_sqlite_count - 1].name, &latest) != STATUS_OK)
		return STATUS_INTERNAL;
	checked = migration_check_newer(c, latest);
	if (checked != STATUS_OK)
		return checked;

	for (unsigned i = 0; i < migrations_sqlite_count; i++) {
		const struct embedded_file *m = &migrations_sqlite[i];
		int64_t version = 0;
		status rv = migration_version(m->name, &version);

		if (rv == STATUS_OK && version <= previous)
			rv = STATUS_INTERNAL; /* numbers must rise in name order */
		if (rv == STATUS_OK)
			rv = migration_apply(c, m, version);
		if (rv != STATUS_OK)
			return rv;
		previous = version;
	}
	return STATUS_OK;
}

/* users ----------------------------------------------------------------- */

/* Runs a statement that yields at most one user row, keyed by ?1. */
static status user_lookup(struct sqlite_conn *c, enum stmt_id id, const char *key, struct user *out)
{
	sqlite3_stmt *st = NULL;
	struct user u;
	status rv = stmt_get(c, id, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, key, &rc);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	if (rv == STATUS_OK)
		rv = read_user(st, &u);
	stmt_release(st);
	if (rv == STATUS_OK)
		*out = u;
	return rv;
}

static status sqlite_user_by_email(struct store_conn *base, const char *email, struct user *out)
{
	return user_lookup(conn_of(base), STMT_USER_BY_EMAIL, email, out);
}

static status sqlite_user_by_id(struct store_conn *base, const char *id, struct user *out)
{
	return user_lookup(conn_of(base), STMT_USER_BY_ID, id, out);
}

/* STATUS_CONFLICT when the email is taken. */
static status user_insert(struct sqlite_conn *c, const struct user *u)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_USER_INSERT, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, u->id, &rc);
	bind_text(st, 2, u->email, &rc);
	bind_text(st, 3, u->name, &rc);
	bind_text(st, 4, u->password_hash, &rc);
	bind_i64(st, 5, u->created_at, &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	/* The id is the primary key (SQLITE_CONSTRAINT_PRIMARYKEY), so a
	 * unique violation can only be the email. */
	if (rv != STATUS_OK && sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_UNIQUE)
		rv = STATUS_CONFLICT;
	stmt_release(st);
	return rv;
}

/* STATUS_NOT_FOUND when user_id names no user. */
static status session_insert(struct sqlite_conn *c, const char *sid, const char *user_id, int64_t created,
			     int64_t expires)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_SESSION_INSERT, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, sid, &rc);
	bind_text(st, 2, user_id, &rc);
	bind_i64(st, 3, created, &rc);
	bind_i64(st, 4, expires, &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	if (rv != STATUS_OK && sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
		rv = STATUS_NOT_FOUND;
	stmt_release(st);
	return rv;
}

static status sqlite_user_create(struct store_conn *base, const struct user *u, const char *sid,
				 int64_t session_expires)
{
	struct sqlite_conn *c = conn_of(base);
	status rv = run(c, STMT_BEGIN_IMMEDIATE);

	if (rv != STATUS_OK)
		return rv;
	rv = user_insert(c, u);
	if (rv == STATUS_OK)
		rv = session_insert(c, sid, u->id, u->created_at, session_expires);
	return tx_finish(c, rv == STATUS_OK, rv);
}

/* Runs a write keyed by (?1 text, ?2 text or integer); STATUS_NOT_FOUND
 * when it changed no row. */
static status write_one(struct sqlite_conn *c, enum stmt_id id, const char *key, const char *text,
			int64_t number)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, id, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, key, &rc);
	if (text)
		bind_text(st, 2, text, &rc);
	else
		bind_i64(st, 2, number, &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	if (rv == STATUS_OK && sqlite3_changes(c->db) == 0)
		rv = STATUS_NOT_FOUND;
	stmt_release(st);
	return rv;
}

static status sqlite_user_set_password_hash(struct store_conn *base, const char *id, const char *hash)
{
	return write_one(conn_of(base), STMT_USER_SET_HASH, id, hash, 0);
}

/* sessions -------------------------------------------------------------- */

/* A new session also forgets the user's dead ones (expired or revoked: their
 * tokens fail the check either way), so the table does not grow forever. */
static status sqlite_session_create(struct store_conn *base, const char *sid, const char *user_id,
				    int64_t created, int64_t expires)
{
	struct sqlite_conn *c = conn_of(base);
	status rv = run(c, STMT_BEGIN_IMMEDIATE);

	if (rv != STATUS_OK)
		return rv;
	rv = write_one(c, STMT_SESSION_PRUNE, user_id, NULL, created);
	if (rv == STATUS_NOT_FOUND)
		rv = STATUS_OK;
	if (rv == STATUS_OK)
		rv = session_insert(c, sid, user_id, created, expires);
	return tx_finish(c, rv == STATUS_OK, rv);
}

static status sqlite_session_check(struct store_conn *base, const char *sid, const char *user_id, int64_t now)
{
	struct sqlite_conn *c = conn_of(base);
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_SESSION_CHECK, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, sid, &rc);
	bind_text(st, 2, user_id, &rc);
	bind_i64(st, 3, now, &rc);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	stmt_release(st);
	return rv == STATUS_NOT_FOUND ? STATUS_UNAUTHORIZED : rv;
}

static status sqlite_session_revoke(struct store_conn *base, const char *sid, int64_t now)
{
	status rv = write_one(conn_of(base), STMT_SESSION_REVOKE, sid, NULL, now);

	return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
}

/* login rate limit ------------------------------------------------------ */

/* Runs a statement binding key and since; *out gets the one integer its
 * row holds. STATUS_NOT_FOUND when there is no row. */
static status login_query(struct sqlite_conn *c, enum stmt_id id, const char *key, int64_t since,
			  int64_t offset, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, id, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, key, &rc);
	bind_i64(st, 2, since, &rc);
	if (id == STMT_LOGIN_NTH)
		bind_i64(st, 3, offset, &rc);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	if (rv == STATUS_OK)
		*out = sqlite3_column_int64(st, 0);
	stmt_release(st);
	return rv;
}

/* When key has reached max failures since now - window, raises *wait_ms to
 * the time until enough of them leave the window (at least 1 ms). */
static status login_wait(struct sqlite_conn *c, const char *key, int64_t now, int64_t window, int max,
			 int64_t *wait_ms)
{
	int64_t count = 0, at = 0, wait;
	status rv = login_query(c, STMT_LOGIN_COUNT, key, now - window, 0, &count);

	if (rv != STATUS_OK || count < max)
		return rv;
	/* Below max again once the (count - max + 1) oldest have left. */
	rv = login_query(c, STMT_LOGIN_NTH, key, now - window, count - max, &at);
	if (rv != STATUS_OK)
		return rv;
	wait = at + window - now;
	if (wait < 1)
		wait = 1;
	if (wait > *wait_ms)
		*wait_ms = wait;
	return STATUS_OK;
}

static status login_insert(struct sqlite_conn *c, const char *key, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_LOGIN_INSERT, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, key, &rc);
	bind_i64(st, 2, now, &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	if (rv == STATUS_OK)
		*id = sqlite3_last_insert_rowid(c->db);
	stmt_release(st);
	return rv;
}

static status sqlite_login_reserve(struct store_conn *base, const char *email_key, const char *client_key,
				   int64_t now, int64_t window, int max_email, int max_client,
				   int64_t *attempt, int64_t *retry_after)
{
	struct sqlite_conn *c = conn_of(base);
	int64_t wait_ms = 0, email_row = 0, client_row = 0;
	status rv = run(c, attempt ? STMT_BEGIN_IMMEDIATE : STMT_BEGIN);

	if (rv != STATUS_OK)
		return rv;
	if (attempt)
		rv = run_i64(c, STMT_LOGIN_PRUNE, now - window);
	if (rv == STATUS_OK)
		rv = login_wait(c, email_key, now, window, max_email, &wait_ms);
	if (rv == STATUS_OK)
		rv = login_wait(c, client_key, now, window, max_client, &wait_ms);
	if (rv == STATUS_OK && !attempt && wait_ms == 0)
		return tx_finish(c, true, STATUS_OK); /* only a check: nothing to record */
	if (rv == STATUS_OK && wait_ms > 0) {
		/* Refused: keep the pruning, record nothing. */
		rv = tx_finish(c, true, STATUS_RATE_LIMITED);
		if (rv == STATUS_RATE_LIMITED)
			*retry_after = (wait_ms + 999) / 1000;
		return rv;
	}
	if (rv == STATUS_OK)
		rv = login_insert(c, email_key, now, &email_row);
	if (rv == STATUS_OK)
		rv = login_insert(c, client_key, now, &client_row);
	rv = tx_finish(c, rv == STATUS_OK, rv);
	if (rv == STATUS_OK)
		*attempt = client_row;
	return rv;
}

static status sqlite_login_succeeded(struct store_conn *base, const char *email_key, int64_t attempt)
{
	struct sqlite_conn *c = conn_of(base);
	status rv = run(c, STMT_BEGIN_IMMEDIATE);

	if (rv != STATUS_OK)
		return rv;
	rv = run_text(c, STMT_LOGIN_FORGET_KEY, email_key);
	if (rv == STATUS_OK)
		rv = run_i64(c, STMT_LOGIN_FORGET_ID, attempt);
	return tx_finish(c, rv == STATUS_OK, rv);
}

/* tasks ----------------------------------------------------------------- */

/* Steps a statement that yields at most one TASK_COLUMNS row (a SELECT or a
 * write with RETURNING) to its end, reading the row into *out.
 * STATUS_NOT_FOUND when there is none. */
static status task_row(sqlite3_stmt *st, struct task *out)
{
	status rv = step_row(st);

	if (rv == STATUS_OK)
		rv = read_task(st, out);
	/* A write commits only once its statement is done. */
	if (rv == STATUS_OK)
		rv = step_done(st);
	return rv;
}

static status sqlite_task_create(struct store_conn *base, const char *user_id, const char *title,
				 const char *description, bool completed, int64_t now, struct task *out)
{
	struct sqlite_conn *c = conn_of(base);
	sqlite3_stmt *st = NULL;
	struct task t;
	status rv = stmt_get(c, STMT_TASK_INSERT, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, user_id, &rc);
	bind_text(st, 2, title, &rc);
	bind_text(st, 3, description, &rc);
	bind_i64(st, 4, completed, &rc);
	bind_i64(st, 5, now, &rc);
	rv = rc == SQLITE_OK ? task_row(st, &t) : status_of(rc);
	if (rv != STATUS_OK && sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
		rv = STATUS_NOT_FOUND; /* the user is gone */
	stmt_release(st);
	if (rv == STATUS_OK)
		*out = t;
	return rv;
}

/* The statement of sqlite_task_create_many: one INSERT of the rows of a
 * VALUES list of STORE_BATCH_MAX rows whose user is not NULL, parameters
 * 5 * i + 1 to 5 * i + 5 for row i (user, title, description, completed,
 * time). A batch of n binds its n rows; the rest stay NULL (stmt_release
 * clears every binding) and are left out. One statement serves every
 * batch size: a statement per size (one INSERT ... VALUES of exactly n
 * rows, for n = 2 to 64) held about 2.2 MB on the writer's connection,
 * most of it the compiled triggers and index updates each of them
 * carries, against about 55 kB for this one. */
static status create_many_stmt(struct sqlite_conn *c, sqlite3_stmt **out)
{
	static const char head[] = TASK_INSERT_INTO "SELECT column1, column2, column3, column4, column5, column5 FROM (VALUES ";
	static const char tail[] = ") WHERE column1 IS NOT NULL RETURNING " TASK_COLUMNS;
	char sql[sizeof(head) + STORE_BATCH_MAX * 48 + sizeof(tail)];
	size_t len = sizeof(head) - 1;
	int rc;

	if (c->create_many) {
		*out = c->create_many;
		return STATUS_OK;
	}
	memcpy(sql, head, len);
	for (unsigned i = 0; i < STORE_BATCH_MAX; i++) {
		unsigned p = 5 * i;
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(?%u, ?%u, ?%u, ?%u, ?%u)", i ? ", " : "",
					p + 1, p + 2, p + 3, p + 4, p + 5);
	}
	snprintf(sql + len, sizeof(sql) - len, "%s", tail);
	rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->create_many, NULL);
	if (rc != SQLITE_OK)
		return status_of(rc);
	*out = c->create_many;
	return STATUS_OK;
}

/* One INSERT of n rows, inside a batch's transaction. A statement with
 * triggers is a statement transaction, and every statement transaction
 * makes FTS5 write what it holds in memory to the search index as a new
 * segment (its xSavepoint): with one INSERT per create, that was a segment
 * and the merges it brings for every task, about half the writer's time;
 * with one INSERT per batch, one. The rows go in VALUES order, so their
 * ids (AUTOINCREMENT) rise in that order; RETURNING's rows are taken in
 * that order and each is checked against its write. A failed INSERT
 * (one write refused: its user is gone) is undone whole by SQLite and
 * leaves the transaction open: STATUS_CONFLICT, and the caller runs the
 * writes one by one. */
static status sqlite_task_create_many(struct store_conn *base, struct store_write *const *w, unsigned n)
{
	struct sqlite_conn *c = conn_of(base);
	sqlite3_stmt *st = NULL;
	status rv;
	int rc = SQLITE_OK;
	int64_t last_id = INT64_MIN;
	bool refused = false;

	if (n < 1 || n > STORE_BATCH_MAX)
		return STATUS_INVALID;
	rv = create_many_stmt(c, &st);
	if (rv != STATUS_OK)
		return rv;
	for (unsigned i = 0; i < n; i++) {
		int p = (int)(5 * i);

		bind_text(st, p + 1, w[i]->user_id, &rc);
		bind_text(st, p + 2, w[i]->title, &rc);
		bind_text(st, p + 3, w[i]->description, &rc);
		bind_i64(st, p + 4, w[i]->completed, &rc);
		bind_i64(st, p + 5, w[i]->now, &rc);
	}
	rv = rc == SQLITE_OK ? STATUS_OK : status_of(rc);
	for (unsigned i = 0; rv == STATUS_OK && i < n; i++) {
		struct task *t = &w[i]->task;

		rv = step_row(st);
		/* SQLite has undone the whole INSERT; the transaction goes on */
		refused = rv != STATUS_OK && rv != STATUS_NOT_FOUND && !sqlite3_get_autocommit(c->db) &&
			  (sqlite3_extended_errcode(c->db) & 0xff) == SQLITE_CONSTRAINT;
		if (rv == STATUS_NOT_FOUND)
			rv = STATUS_INTERNAL; /* fewer rows than writes */
		if (rv == STATUS_OK)
			rv = read_task(st, t);
		if (rv == STATUS_OK && (t->id <= last_id || strcmp(t->user_id, w[i]->user_id) != 0 ||
					strcmp(t->title, w[i]->title) != 0))
			rv = STATUS_INTERNAL; /* not the row of this write */
		last_id = t->id;
	}
	if (rv == STATUS_OK)
		rv = step_done(st);
	stmt_release(st);
	return refused ? STATUS_CONFLICT : rv;
}

static status sqlite_task_get(struct store_conn *base, const char *user_id, int64_t id, struct task *out)
{
	struct sqlite_conn *c = conn_of(base);
	sqlite3_stmt *st = NULL;
	struct task t;
	status rv = stmt_get(c, STMT_TASK_GET, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_i64(st, 1, id, &rc);
	bind_text(st, 2, user_id, &rc);
	rv = rc == SQLITE_OK ? task_row(st, &t) : status_of(rc);
	stmt_release(st);
	if (rv == STATUS_OK)
		*out = t;
	return rv;
}

/* One UPDATE ... RETURNING: the old values are read and written in the
 * same statement, so it needs no explicit transaction. */
static status sqlite_task_update(struct store_conn *base, const char *user_id, int64_t id,
				 const struct task_patch *p, int64_t now, struct task *out)
{
	struct sqlite_conn *c = conn_of(base);
	sqlite3_stmt *st = NULL;
	struct task t;
	bool text = p->title || p->set_description;
	status rv = stmt_get(c, text ? STMT_TASK_UPDATE : STMT_TASK_UPDATE_COMPLETED, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_i64(st, 1, id, &rc);
	bind_text(st, 2, user_id, &rc);
	if (text) {
		bind_text(st, 3, p->title, &rc);
		bind_i64(st, 4, p->set_description, &rc);
		bind_text(st, 5, p->set_description ? p->description : NULL, &rc);
	}
	bind_i64(st, 6, p->completed, &rc);
	bind_i64(st, 7, now, &rc);
	rv = rc == SQLITE_OK ? task_row(st, &t) : status_of(rc);
	stmt_release(st);
	if (rv == STATUS_OK)
		*out = t;
	return rv;
}

static status sqlite_task_delete(struct store_conn *base, const char *user_id, int64_t id)
{
	struct sqlite_conn *c = conn_of(base);
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_TASK_DELETE, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_i64(st, 1, id, &rc);
	bind_text(st, 2, user_id, &rc);
	rv = rc == SQLITE_OK ? step_done(st) : status_of(rc);
	if (rv == STATUS_OK && sqlite3_changes(c->db) == 0)
		rv = STATUS_NOT_FOUND;
	stmt_release(st);
	return rv;
}

/* Binds the parameters of the task list statement st that it has (see
 * TASK_PAGE): each has every parameter up to its last one. */
static int bind_task_query(sqlite3_stmt *st, const char *user_id, const struct task_query *q,
			   const char *pattern, const char *match)
{
	int n = sqlite3_bind_parameter_count(st);
	int rc = SQLITE_OK;

	bind_text(st, 1, user_id, &rc);
	if (n >= 2)
		bind_i64(st, 2, q->filter == TASK_FILTER_COMPLETED, &rc);
	if (n >= 3)
		bind_text(st, 3, pattern, &rc);
	if (n >= 4)
		bind_text(st, 4, match, &rc);
	if (n >= 5)
		bind_i64(st, 5, q->limit, &rc);
	if (n >= 6)
		bind_i64(st, 6, q->offset, &rc);
	return rc;
}

/* The user's number of tasks and of completed ones, and the version of
 * their lists (006_list_version.sql), from task_counts (no row: no task). */
static status task_counters_version(struct sqlite_conn *c, const char *user_id, int64_t *all,
				    int64_t *completed, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, STMT_TASK_COUNTERS, &st);
	int rc = SQLITE_OK;

	if (rv != STATUS_OK)
		return rv;
	bind_text(st, 1, user_id, &rc);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	*all = *completed = *version = 0;
	if (rv == STATUS_OK) {
		*all = sqlite3_column_int64(st, 0);
		*completed = sqlite3_column_int64(st, 1);
		*version = sqlite3_column_int64(st, 2);
	}
	stmt_release(st);
	return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
}

static status task_counters(struct sqlite_conn *c, const char *user_id, int64_t *all, int64_t *completed)
{
	int64_t version;

	return task_counters_version(c, user_id, all, completed, &version);
}

/* How many tasks q's status filter lets through, of all and completed. */
static int64_t in_filter(const struct task_query *q, int64_t all, int64_t completed)
{
	return q->filter == TASK_FILTER_ALL ? all : q->filter == TASK_FILTER_COMPLETED ? completed : all - completed;
}

static status task_count(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			 enum task_search search, const char *pattern, const char *match, int64_t *total)
{
	sqlite3_stmt *st = NULL;
	status rv;
	int rc;

	if (search == SEARCH_NONE) {
		int64_t all, completed;

		rv = task_counters(c, user_id, &all, &completed);
		if (rv == STATUS_OK)
			*total = in_filter(q, all, completed);
		return rv;
	}
	rv = stmt_get(c, COUNT_AT(search, q->filter != TASK_FILTER_ALL), &st);
	if (rv != STATUS_OK)
		return rv;
	rc = bind_task_query(st, user_id, q, pattern, match);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	if (rv == STATUS_OK)
		*total = sqlite3_column_int64(st, 0);
	stmt_release(st);
	return rv == STATUS_NOT_FOUND ? STATUS_INTERNAL : rv;
}

/* Visits the rows of the page statement st, bound; *rows gets how many. */
static status visit_rows(sqlite3_stmt *st, task_visit_fn visit, void *arg, int64_t *rows)
{
	struct task t;
	int64_t n = 0;
	status rv = step_row(st);

	while (rv == STATUS_OK) {
		rv = read_task(st, &t);
		if (rv == STATUS_OK)
			rv = visit(&t, arg);
		if (rv == STATUS_OK) {
			n++;
			rv = step_row(st);
		}
	}
	if (rv == STATUS_NOT_FOUND) {
		*rows = n;
		rv = STATUS_OK;
	}
	return rv;
}

/* Visits the page of ids of the page statement st, bound, reading each
 * task by id (STMT_TASK_GET) after the last id, last id first when
 * reversed; *rows gets how many. */
static status visit_ids(struct sqlite_conn *c, const char *user_id, sqlite3_stmt *st, bool reversed,
			task_visit_fn visit, void *arg, int64_t *rows)
{
	int64_t ids[LIMIT_PAGE_MAX], n = 0;
	sqlite3_stmt *get = NULL;
	struct task t;
	status rv = step_row(st);

	while (rv == STATUS_OK && n < LIMIT_PAGE_MAX) {
		ids[n++] = sqlite3_column_int64(st, 0);
		rv = step_row(st);
	}
	if (rv == STATUS_OK) /* more rows than a page holds: not the page statement's */
		rv = STATUS_INTERNAL;
	if (rv == STATUS_NOT_FOUND)
		rv = stmt_get(c, STMT_TASK_GET, &get);
	for (int64_t i = 0; rv == STATUS_OK && i < n; i++) {
		int rc = SQLITE_OK;

		bind_i64(get, 1, ids[reversed ? n - 1 - i : i], &rc);
		bind_text(get, 2, user_id, &rc);
		rv = rc == SQLITE_OK ? step_row(get) : status_of(rc);
		if (rv == STATUS_OK)
			rv = read_task(get, &t);
		stmt_release(get);
		if (rv == STATUS_NOT_FOUND) /* same read transaction: the row is there */
			rv = STATUS_INTERNAL;
		if (rv == STATUS_OK)
			rv = visit(&t, arg);
	}
	if (rv == STATUS_OK)
		*rows = n;
	return rv;
}

/* Visits the page; *rows gets how many rows it held. A reversed page is
 * read in the opposite order and visited last row first (ids only: the
 * page of a deep offset, task_page_deep). */
static status task_page(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			bool reversed, enum task_search search, const char *pattern, const char *match,
			task_visit_fn visit, void *arg, int64_t *rows)
{
	sqlite3_stmt *st = NULL;
	status rv;
	int rc;

	if (search == SEARCH_NONE && (q->offset >= PAGE_IDS_MIN_OFFSET || reversed))
		search = SEARCH_NONE_IDS;
	rv = stmt_get(c, PAGE_AT(search, q->filter != TASK_FILTER_ALL, q->sort, q->ascending), &st);
	if (rv != STATUS_OK)
		return rv;
	rc = bind_task_query(st, user_id, q, pattern, match);
	if (rc != SQLITE_OK)
		rv = status_of(rc);
	else if (search == SEARCH_NONE_IDS)
		rv = visit_ids(c, user_id, st, reversed, visit, arg, rows);
	else
		rv = visit_rows(st, visit, arg, rows);
	stmt_release(st);
	return rv;
}

/* Statement `search` of q's list, bound: the page of ids (SEARCH_NONE_IDS),
 * the same from mark m's key on (SEARCH_MARKED), or the number of entries of
 * m's key before id (SEARCH_TIES). */
static status mark_stmt(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			enum task_search search, const struct mark *m, int64_t id, sqlite3_stmt **out)
{
	sqlite3_stmt *st = NULL;
	status rv = stmt_get(c, PAGE_AT(search, q->filter != TASK_FILTER_ALL, q->sort, q->ascending), &st);
	int rc;

	if (rv != STATUS_OK)
		return rv;
	rc = bind_task_query(st, user_id, q, NULL, NULL);
	if (m && q->sort == TASK_SORT_TITLE)
		bind_text(st, 7, m->title, &rc);
	else if (m)
		bind_i64(st, 7, m->key, &rc);
	if (search == SEARCH_TIES)
		bind_i64(st, 8, id, &rc);
	if (rc != SQLITE_OK) {
		stmt_release(st);
		return status_of(rc);
	}
	*out = st;
	return STATUS_OK;
}

/* The connection's marks of q's list for the user, emptied if they were
 * found at another version; NULL for a user id longer than any the store
 * makes (not kept). */
static struct mark_list *mark_list_get(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
				       int64_t version)
{
	struct mark_list *l = NULL, *oldest = &c->marks[0];
	size_t len = strlen(user_id);

	if (len == 0 || len > UUID_BYTES)
		return NULL;
	for (int i = 0; i < MARK_LISTS && !l; i++) {
		struct mark_list *m = &c->marks[i];

		if (strcmp(m->user_id, user_id) == 0 && m->filter == q->filter && m->sort == q->sort &&
		    m->ascending == q->ascending)
			l = m;
		else if (m->used < oldest->used)
			oldest = m;
	}
	if (!l) {
		l = oldest;
		mark_list_clear(l);
		memcpy(l->user_id, user_id, len + 1);
		l->filter = q->filter;
		l->sort = q->sort;
		l->ascending = q->ascending;
		l->version = version;
	} else if (l->version != version) {
		for (size_t i = 0; i < l->n; i++)
			free(l->marks[i].title);
		l->n = 0;
		l->ended = false;
		l->version = version;
	}
	l->used = ++c->mark_clock;
	return l;
}

/* The entry of q's list `at` entries from mark `from`'s key (from the
 * list's start when NULL), at least 1: its key in *m, its id in *id, and
 * whether the entry before it has the same key in *tie; STATUS_NOT_FOUND
 * past the end. */
static status mark_entry(struct sqlite_conn *c, const char *user_id, const struct task_query *list,
			 const struct mark *from, int64_t at, struct mark *m, int64_t *id, bool *tie)
{
	struct task_query q = *list;
	sqlite3_stmt *st = NULL;
	int64_t key = 0;
	char *title = NULL;
	status rv;

	q.limit = 2;
	q.offset = at - 1;
	rv = mark_stmt(c, user_id, &q, from ? SEARCH_MARKED : SEARCH_NONE_IDS, from, 0, &st);
	for (int row = 0; row < 2 && rv == STATUS_OK; row++) {
		rv = step_row(st);
		if (rv != STATUS_OK)
			break;
		*id = sqlite3_column_int64(st, 0);
		title = NULL;
		if (q.sort != TASK_SORT_TITLE)
			key = sqlite3_column_int64(st, 1);
		else if (sqlite3_column_type(st, 1) != SQLITE_TEXT)
			rv = STATUS_INTERNAL;
		else
			title = (char *)sqlite3_column_text(st, 1);
		if (rv == STATUS_OK && row == 0) {
			if (title && !(m->title = strdup(title)))
				rv = STATUS_NOMEM;
			m->key = key;
		} else if (rv == STATUS_OK) {
			/* NOCASE: the title sort's collation */
			*tie = title ? sqlite3_stricmp(title, m->title) == 0 : key == m->key;
			free(m->title);
			m->title = NULL;
			if (title && !(m->title = strdup(title)))
				rv = STATUS_NOMEM;
			m->key = key;
		}
	}
	stmt_release(st);
	return rv;
}

/* How many entries of q's list have mark m's key and come before id. */
static status mark_ties(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			const struct mark *m, int64_t id, int64_t *count)
{
	sqlite3_stmt *st = NULL;
	status rv = mark_stmt(c, user_id, q, SEARCH_TIES, m, id, &st);

	if (rv == STATUS_OK)
		rv = step_row(st);
	if (rv == STATUS_OK)
		*count = sqlite3_column_int64(st, 0);
	stmt_release(st);
	return rv == STATUS_NOT_FOUND ? STATUS_INTERNAL : rv;
}

/* Adds the list's next mark: the key of the entry MARK_STEP on from its
 * last mark (from its start when it has none) and the position of the
 * first entry with that key; when that is the last mark's key, the key
 * after it. Or finds that the list has no further key (l->ended). */
static status mark_next(struct sqlite_conn *c, const char *user_id, struct mark_list *l)
{
	struct task_query q = {.filter = l->filter, .sort = l->sort, .ascending = l->ascending};
	const struct mark *last;
	struct mark m = {0};
	int64_t id = 0, before = 0;
	bool tie = false;
	status rv;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct mark *marks = realloc(l->marks, cap * sizeof(*marks));

		if (!marks)
			return STATUS_NOMEM;
		l->marks = marks;
		l->cap = cap;
	}
	last = l->n ? &l->marks[l->n - 1] : NULL;
	rv = mark_entry(c, user_id, &q, last, MARK_STEP, &m, &id, &tie);
	/* an entry whose key the one before it has: the key starts before */
	if (rv == STATUS_OK && tie)
		rv = mark_ties(c, user_id, &q, &m, id, &before);
	m.pos = (last ? last->pos : 0) + MARK_STEP - before;
	if (rv == STATUS_OK && last && m.pos <= last->pos) {
		/* the last mark's key holds MARK_STEP entries or more */
		free(m.title);
		m.title = NULL;
		rv = mark_ties(c, user_id, &q, last, q.ascending ? INT64_MAX : INT64_MIN, &before);
		if (rv == STATUS_OK)
			rv = mark_entry(c, user_id, &q, last, before, &m, &id, &tie);
		m.pos = last->pos + before;
	}
	if (rv == STATUS_OK) {
		l->marks[l->n++] = m;
		return STATUS_OK;
	}
	free(m.title);
	if (rv == STATUS_NOT_FOUND) {
		l->ended = true;
		rv = STATUS_OK;
	}
	return rv;
}

/* The page at q's offset, MARK_STEP or more, of the ids of q's list: from
 * the last mark at or before it, a range of the index that starts at the
 * mark's key, so it walks about MARK_STEP entries at most (more only in a
 * run of entries with one key). The marks up to it are found first if
 * this connection has not found them at this version of the user's lists:
 * each walks MARK_STEP entries of the index from the one before, so the
 * first page at an offset walks it once, as without marks, and later pages
 * at any offset up to it do not, until the user's tasks change. Another
 * user's write changes nothing. */
static status task_page_marked(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			       bool reversed, int64_t version, task_visit_fn visit, void *arg)
{
	struct mark_list *l = mark_list_get(c, user_id, q, version);
	struct task_query page = *q;
	sqlite3_stmt *st = NULL;
	size_t lo = 0, hi;
	int64_t rows = 0;
	status rv = STATUS_OK;

	if (!l)
		return task_page(c, user_id, q, reversed, SEARCH_NONE, NULL, NULL, visit, arg, &rows);
	while (rv == STATUS_OK && !l->ended && (l->n == 0 || l->marks[l->n - 1].pos + MARK_STEP <= q->offset))
		rv = mark_next(c, user_id, l);
	if (rv != STATUS_OK)
		return rv;
	/* the first mark past the offset: marks[lo] */
	hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->marks[mid].pos <= q->offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return task_page(c, user_id, q, reversed, SEARCH_NONE, NULL, NULL, visit, arg, &rows);
	page.offset = q->offset - l->marks[lo - 1].pos;
	rv = mark_stmt(c, user_id, &page, SEARCH_MARKED, &l->marks[lo - 1], 0, &st);
	if (rv == STATUS_OK)
		rv = visit_ids(c, user_id, st, reversed, visit, arg, &rows);
	stmt_release(st);
	return rv;
}

/* A page without search text at a deep offset, from whichever end of the
 * list is nearer: the count comes first (task_counts, one row), and a page
 * in the list's second half is the page at total - offset - limit of the
 * opposite order, visited backwards. Every order ends with the id, so the
 * opposite order is exactly the list reversed. An offset walks at most
 * half the list (offset 99,980 of 100,000 skips nothing), and past
 * MARK_STEP from a mark (task_page_marked). */
static status task_page_deep(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			     task_visit_fn visit, void *arg, int64_t *total)
{
	struct task_query back = *q;
	const struct task_query *at = q;
	int64_t rows = 0, rest, all, completed, version;
	status rv = task_counters_version(c, user_id, &all, &completed, &version);

	if (rv != STATUS_OK)
		return rv;
	*total = in_filter(q, all, completed);
	if (q->offset >= *total)
		return STATUS_OK;
	rest = *total - q->offset;
	back.limit = rest < q->limit ? (int)rest : q->limit;
	back.offset = rest - back.limit;
	back.ascending = !q->ascending;
	if (back.offset < q->offset)
		at = &back;
	if (at->offset >= MARK_STEP)
		return task_page_marked(c, user_id, at, at == &back, version, visit, arg);
	return task_page(c, user_id, at, at == &back, SEARCH_NONE, NULL, NULL, visit, arg, &rows);
}

/* The number of tasks holding a text of one or two characters (exact: its
 * one token lists them), under q's status filter. */
static status task_count_exact(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			       const char *pattern, const char *match, int64_t *total)
{
	sqlite3_stmt *st = NULL;
	char token[SEARCH_TOKEN_MAX];
	size_t len = 0;
	status rv;
	int rc = SQLITE_OK;

	if (q->filter == TASK_FILTER_ALL) {
		len = sqlite_search_token(user_id, pattern, token, sizeof(token));
		if (len == 0)
			return STATUS_INTERNAL; /* sqlite_search_match took it */
	}
	rv = stmt_get(c, q->filter == TASK_FILTER_ALL ? STMT_TASK_COUNT_EXACT : STMT_TASK_COUNT_EXACT_STATUS, &st);
	if (rv != STATUS_OK)
		return rv;
	if (q->filter == TASK_FILTER_ALL)
		rc = sqlite3_bind_text(st, 1, token, (int)len, SQLITE_STATIC);
	else
		rc = bind_task_query(st, user_id, q, pattern, match);
	rv = rc == SQLITE_OK ? step_row(st) : status_of(rc);
	if (rv == STATUS_OK)
		*total = sqlite3_column_int64(st, 0);
	else if (rv == STATUS_NOT_FOUND && q->filter == TASK_FILTER_ALL) {
		*total = 0; /* no task holds the token */
		rv = STATUS_OK;
	}
	stmt_release(st);
	return rv == STATUS_NOT_FOUND ? STATUS_INTERNAL : rv;
}

/* A text of one or two characters: the count first (exact, from its one
 * token), then the page by whichever costs less: walking the filter's
 * index in order, checking each task, finds offset + limit matches after
 * about (offset + limit) * tasks / matches tasks; reading the matches from
 * the search index and sorting them costs about their number. */
static status task_list_exact(struct sqlite_conn *c, const char *user_id, const struct task_query *q,
			      const char *pattern, const char *match, int64_t all, int64_t completed,
			      task_visit_fn visit, void *arg, int64_t *total)
{
	int64_t tasks = in_filter(q, all, completed);
	int64_t rows = 0, matches = 0;
	status rv = task_count_exact(c, user_id, q, pattern, match, &matches);
	enum task_search page;

	if (rv != STATUS_OK || q->offset >= matches) {
		*total = matches;
		return rv;
	}
	/* (offset + limit) * in_filter / matches < matches, in doubles: the
	 * product can pass 2^63 */
	page = (double)(q->offset + q->limit) * (double)tasks < (double)matches * (double)matches ? SEARCH_SCAN
												  : SEARCH_INDEX;
	rv = task_page(c, user_id, q, false, page, pattern, match, visit, arg, &rows);
	*total = matches;
	return rv;
}

/* Page and count are read in one transaction, so they agree. A page that
 * starts the list and is not full is the whole list: its size is the count,
 * and the counting query is skipped (the common case of a short list). */
static status sqlite_task_list(struct store_conn *base, const char *user_id, const struct task_query *q,
			       int64_t *total, task_visit_fn visit, void *arg)
{
	struct sqlite_conn *c = conn_of(base);
	char pattern[2 * LIMIT_QUERY_TEXT_BYTES + 3];
	char *match = NULL;
	size_t cap;
	enum search_match kind = MATCH_NONE;
	enum task_search search = SEARCH_NONE;
	int64_t rows = 0, count = 0, all = 0, completed = 0;
	status rv;

	if (!text_fold(pattern, sizeof(pattern), q->text, strlen(q->text), NULL))
		return STATUS_INVALID;
	if (pattern[0]) {
		cap = SEARCH_MATCH_CAP(strlen(pattern), strlen(user_id));
		if (!(match = malloc(cap)))
			return STATUS_NOMEM;
		/* a text the index cannot take is checked task by task */
		search = sqlite_search_match(user_id, pattern, match, cap, &kind) ? SEARCH_INDEX : SEARCH_SCAN;
	}
	rv = run(c, STMT_BEGIN);
	if (rv != STATUS_OK)
		goto done;
	/* Checking each of a few tasks costs less than the search index. */
	if (search == SEARCH_INDEX) {
		rv = task_counters(c, user_id, &all, &completed);
		if (rv == STATUS_OK && all <= SEARCH_SCAN_MAX_TASKS)
			search = SEARCH_SCAN;
	}
	if (rv == STATUS_OK && search == SEARCH_INDEX && kind == MATCH_EXACT) {
		rv = task_list_exact(c, user_id, q, pattern, match, all, completed, visit, arg, &count);
	} else if (rv == STATUS_OK && search == SEARCH_NONE && q->offset >= PAGE_IDS_MIN_OFFSET) {
		rv = task_page_deep(c, user_id, q, visit, arg, &count);
	} else {
		if (rv == STATUS_OK)
			rv = task_page(c, user_id, q, false, search, pattern, match, visit, arg, &rows);
		if (rv == STATUS_OK && (rows == q->limit || (rows == 0 && q->offset > 0)))
			rv = task_count(c, user_id, q, search, pattern, match, &count);
		else
			count = q->offset + rows;
	}
	rv = tx_finish(c, rv == STATUS_OK, rv);
	if (rv == STATUS_OK)
		*total = count;
done:
	free(match);
	return rv;
}

/* group commit ----------------------------------------------------------- */

/* The task writes are single statements, each its own transaction when
 * called alone; in a batch they join the batch's. */
static status sqlite_batch_step(struct store_conn *base, enum store_batch_step step)
{
	struct sqlite_conn *c = conn_of(base);
	status rv;

	switch (step) {
	case STORE_BATCH_BEGIN:
		/* A savepoint's journal (the pages it changed, to roll back to)
		 * goes to a temporary file once over 64 KiB, made and deleted by
		 * every batch whose jobs touch many pages; in memory it costs a
		 * few pages per job. Only on the writer: a reader's temporary
		 * sorts may be large. */
		if (!c->batches) {
			rv = exec_sql(c, "PRAGMA temp_store = MEMORY");
			if (rv != STATUS_OK)
				return rv;
			c->batches = true;
		}
		c->in_batch = true;
		return run(c, STMT_BEGIN_IMMEDIATE);
	case STORE_BATCH_JOB_BEGIN: return run(c, STMT_SAVEPOINT);
	case STORE_BATCH_JOB_KEEP: return run(c, STMT_RELEASE);
	case STORE_BATCH_JOB_UNDO:
		/* an I/O error, a full disk or lack of memory may have rolled
		 * back the whole transaction: the batch has failed */
		if (sqlite3_get_autocommit(c->db))
			return STATUS_UNAVAILABLE;
		rv = run(c, STMT_ROLLBACK_TO);
		return rv == STATUS_OK ? run(c, STMT_RELEASE) : rv;
	case STORE_BATCH_COMMIT: return run(c, STMT_COMMIT);
	case STORE_BATCH_ROLLBACK:
		if (!sqlite3_get_autocommit(c->db))
			(void)run(c, STMT_ROLLBACK);
		return STATUS_OK;
	case STORE_BATCH_TIDY:
		c->in_batch = false;
		/* The search index merges its segments here, a few pages after
		 * each batch, rather than all at once inside the commit that
		 * tips a level over (005_search_merge.sql): an error leaves the
		 * merge to the next batch. */
		(void)run(c, STMT_SEARCH_MERGE);
		if (c->wal_pages >= WAL_CHECKPOINT_PAGES && !c->wal_index)
			(void)wal_index_map(c);
		if (writer_checkpoints(c, c->wal_pages))
			(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		c->wal_pages = 0;
		return STATUS_OK;
	}
	return STATUS_INTERNAL;
}

const char *store_sqlite_list_sql(unsigned i, bool *search_index)
{
	unsigned id = STMT_TASK_COUNT_SEARCH + i;

	if (id >= STMT_COUNT)
		return NULL;
	*search_index = strstr(stmt_sql[id], "tasks_fts") != NULL;
	return stmt_sql[id];
}

/* The data version ------------------------------------------------------
 *
 * The WAL index (the -shm file every connection maps) begins with two copies
 * of its 48-byte header (https://www.sqlite.org/walformat.html). Every
 * commit, of any connection in any process, rewrites them before it returns
 * (the frame count, frame checksums and salts change; a rewound WAL gets new
 * salts), the second copy first: two equal copies with isInit set are one
 * whole header, which SQLite itself reads in the same way, without a lock,
 * to tell whether its cache is still good. */
#define WAL_INDEX_REGION_BYTES 32768 /* SQLite's WALINDEX_PGSZ */
#define WAL_HDR_BYTES 48
#define WAL_HDR_VERSION 3007000u /* iVersion, the first u32 */
#define WAL_HDR_IS_INIT 12       /* offset of the isInit byte */

_Static_assert(STORE_VERSION_BYTES == WAL_HDR_BYTES, "a data version is one WAL index header");

/* true when the database is in WAL mode: only then is there a WAL index. */
static bool in_wal_mode(struct sqlite_conn *c)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;

	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);
		wal = mode && strcmp((const char *)mode, "wal") == 0;
	}
	sqlite3_finalize(st);
	return wal;
}

static bool wal_index_map(struct sqlite_conn *c)
{
	sqlite3_file *f = NULL;
	volatile void *region = NULL;

	/* a read transaction first, so SQLite has opened the WAL index */
	if (sqlite3_exec(c->db, "PRAGMA schema_version", NULL, NULL, NULL) != SQLITE_OK || !in_wal_mode(c))
		return false;
	if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
	    !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
		return false;
	if (f->pMethods->xShmMap(f, 0, WAL_INDEX_REGION_BYTES, 0, &region) != SQLITE_OK || !region)
		return false;
	c->wal_index = region;
	return true;
}

#define WAL_HDR_MX_FRAME 16   /* offset of mxFrame, the WAL's last frame (u32) */
#define WAL_CKPT_BACKFILL (2 * WAL_HDR_BYTES) /* offset of nBackfill, the frames copied (u32) */

/* How many frames of the WAL are not yet copied into the database, read
 * from the WAL index without a lock (a hint: a checkpoint or a commit may
 * be changing it), or -1 when unknown (the index is not mapped yet:
 * wal_index_map runs a statement, which the WAL hook may not). */
static long wal_uncopied(struct sqlite_conn *c)
{
	uint32_t last, copied;

	if (!c->wal_index)
		return -1;
	last = *(const volatile uint32_t *)(const volatile void *)(c->wal_index + WAL_HDR_MX_FRAME);
	copied = *(const volatile uint32_t *)(const volatile void *)(c->wal_index + WAL_CKPT_BACKFILL);
	return last >= copied ? (long)(last - copied) : -1;
}

static bool sqlite_data_version(struct store_conn *base, struct store_version *out)
{
	struct sqlite_conn *c = conn_of(base);
	unsigned char first[WAL_HDR_BYTES], second[WAL_HDR_BYTES];
	uint32_t version;

	if (!c->wal_index && !wal_index_map(c))
		return false;
	for (size_t i = 0; i < WAL_HDR_BYTES; i++)
		first[i] = c->wal_index[i];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (size_t i = 0; i < WAL_HDR_BYTES; i++)
		second[i] = c->wal_index[WAL_HDR_BYTES + i];
	memcpy(&version, first, sizeof(version));
	/* unequal copies: a commit is being written; take it as unknown */
	if (memcmp(first, second, WAL_HDR_BYTES) != 0 || version != WAL_HDR_VERSION ||
	    first[WAL_HDR_IS_INIT] != 1)
		return false;
	memcpy(out->b, first, WAL_HDR_BYTES);
	return true;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.serialize_writes = true,
	.conn_open = sqlite_conn_open,
	.conn_close = sqlite_conn_close,
	.background_start = sqlite_background_start,
	.background_stop = sqlite_background_stop,
	.migrate = sqlite_migrate,
	.ping = sqlite_ping,
	.user_create = sqlite_user_create,
	.user_by_email = sqlite_user_by_email,
	.user_by_id = sqlite_user_by_id,
	.user_set_password_hash = sqlite_user_set_password_hash,
	.session_create = sqlite_session_create,
	.session_check = sqlite_session_check,
	.session_revoke = sqlite_session_revoke,
	.login_reserve = sqlite_login_reserve,
	.login_succeeded = sqlite_login_succeeded,
	.task_create = sqlite_task_create,
	.task_get = sqlite_task_get,
	.task_update = sqlite_task_update,
	.task_delete = sqlite_task_delete,
	.task_list = sqlite_task_list,
	.data_version = sqlite_data_version,
	.batch_step = sqlite_batch_step,
	.task_create_many = sqlite_task_create_many,
};
