/* copy.c: moves a SQLite deployment to PostgreSQL (todod copy).
 * Reads the SQLite file read-only and writes every row, ids kept, through one
 * libpq transaction that first checks the target is empty, so a failed or
 * refused copy leaves the target as it was. Values travel as parameters. */
#include "store/store_int.h"
#include "store/pq.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/text.h"

#define I64_BYTES 24
#define MAX_COLUMNS 9

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* One table: what is read from SQLite and how it is written. fold_texts
 * appends the folded forms of columns 2 and 3 (a task's texts). */
struct table_copy {
	const char *select;
	const char *insert;
	int columns;
	bool fold_texts;
};

static const struct table_copy tables[] = {
	{"SELECT id, email, name, password_hash, created_at FROM users ORDER BY created_at, id",
	 "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)", 5, false},
	{"SELECT id, user_id, created_at, expires_at, revoked_at FROM sessions",
	 "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)", 5,
	 false},
	{"SELECT id, key, at FROM login_failures ORDER BY id",
	 "INSERT INTO login_failures (id, key, at) VALUES ($1, $2, $3)", 3, false},
	{"SELECT id, user_id, title, description, completed <> 0, created_at, updated_at FROM tasks ORDER BY id",
	 "INSERT INTO tasks (id, user_id, title, description, completed, created_at, updated_at, title_fold,"
	 " description_fold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	 7, true},
};

/* Runs sql with params; STATUS_OK when it succeeded. */
static status pg_run(PGconn *pg, const char *sql, int n, const char *const *params, PGresult **keep)
{
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	status rv = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? STATUS_OK : STATUS_INTERNAL;

	if (rv != STATUS_OK) {
		const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		fprintf(stderr, "todod: copy failed: %s\n", msg ? msg : "connection lost");
		if (PQstatus(pg) != CONNECTION_OK)
			rv = STATUS_UNAVAILABLE;
	}
	if (rv == STATUS_OK && keep)
		*keep = res;
	else
		PQclear(res);
	return rv;
}

/* Copies one table row by row; *rows gets how many. */
static status copy_table(sqlite3 *db, PGconn *pg, const struct table_copy *t, int64_t *rows)
{
	char title_fold[2 * LIMIT_TITLE_BYTES + 4], description_fold[2 * LIMIT_DESCRIPTION_BYTES + 4];
	sqlite3_stmt *st = NULL;
	const char *params[MAX_COLUMNS];
	int64_t n = 0;
	status rv = sqlite3_prepare_v2(db, t->select, -1, &st, NULL) == SQLITE_OK ? STATUS_OK : STATUS_INTERNAL;
	int rc = SQLITE_OK;

	while (rv == STATUS_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int count = t->columns;

		for (int i = 0; i < t->columns; i++)
			params[i] = (const char *)sqlite3_column_text(st, i);
		if (t->fold_texts) {
			const char *title = params[2], *description = params[3];

			if (!title || !text_fold(title_fold, sizeof(title_fold), title, strlen(title), NULL) ||
			    (description && !text_fold(description_fold, sizeof(description_fold), description,
						       strlen(description), NULL))) {
				rv = STATUS_INTERNAL;
				break;
			}
			params[4] = sqlite3_column_int64(st, 4) ? "true" : "false";
			params[count++] = title_fold;
			params[count++] = description ? description_fold : NULL;
		}
		rv = pg_run(pg, t->insert, count, params, NULL);
		n++;
	}
	if (rv == STATUS_OK && rc != SQLITE_DONE) {
		fprintf(stderr, "todod: copy failed: cannot read the sqlite database: %s\n", sqlite3_errmsg(db));
		rv = STATUS_UNAVAILABLE;
	}
	sqlite3_finalize(st);
	if (rv == STATUS_OK)
		*rows = n;
	return rv;
}

/* Sets the target's id sequence past every id the source handed out
 * (AUTOINCREMENT remembers deleted tasks' ids in sqlite_sequence). */
static status copy_sequence(sqlite3 *db, PGconn *pg, const char *table)
{
	char sql[160], next[I64_BYTES];
	const char *params[2] = {table, next};
	sqlite3_stmt *st = NULL;
	int64_t last = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT max(n) FROM (SELECT max(id) AS n FROM %s UNION ALL"
		 " SELECT seq FROM sqlite_sequence WHERE name = ?1)",
		 table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		/* No sqlite_sequence (no AUTOINCREMENT table written yet). */
		snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s", table);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return STATUS_INTERNAL;
	}
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (last < 1)
		return STATUS_OK;
	snprintf(next, sizeof(next), "%lld", (long long)last);
	return pg_run(pg, "SELECT setval(pg_get_serial_sequence($1, 'id'), $2)", 2, params, NULL);
}

/* Brings a database's schema up to date through the store. */
static status migrate_url(const char *url)
{
	store *s = NULL;
	status rv = store_open(url, &s);

	if (rv == STATUS_OK)
		rv = store_migrate(s);
	store_close(s);
	return rv;
}

static status copy_all(sqlite3 *db, PGconn *pg, int64_t *users, int64_t *tasks)
{
	PGresult *res = NULL;
	int64_t rows[sizeof(tables) / sizeof(tables[0])] = {0};
	status rv = pg_run(pg, "BEGIN", 0, NULL, NULL);

	/* Nobody writes the tables while they are checked and filled. */
	if (rv == STATUS_OK)
		rv = pg_run(pg, "LOCK TABLE users, sessions, tasks IN EXCLUSIVE MODE", 0, NULL, NULL);
	if (rv == STATUS_OK)
		rv = pg_run(pg,
			    "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM sessions)"
			    " OR EXISTS (SELECT 1 FROM tasks)",
			    0, NULL, &res);
	if (rv == STATUS_OK && PQgetvalue(res, 0, 0)[0] != 'f') {
		fprintf(stderr, "todod: copy refused: the target database already holds users or tasks\n");
		rv = STATUS_CONFLICT;
	}
	PQclear(res);
	for (size_t i = 0; rv == STATUS_OK && i < sizeof(tables) / sizeof(tables[0]); i++)
		rv = copy_table(db, pg, &tables[i], &rows[i]);
	if (rv == STATUS_OK)
		rv = copy_sequence(db, pg, "tasks");
	if (rv == STATUS_OK)
		rv = copy_sequence(db, pg, "login_failures");
	if (rv == STATUS_OK)
		rv = pg_run(pg, "COMMIT", 0, NULL, NULL);
	else if (PQstatus(pg) == CONNECTION_OK)
		PQclear(PQexec(pg, "ROLLBACK"));
	if (rv == STATUS_OK) {
		*users = rows[0];
		*tasks = rows[3];
	}
	return rv;
}

status store_copy(const char *from_url, const char *to_url, int64_t *users, int64_t *tasks)
{
	sqlite3 *db = NULL;
	PGconn *pg = NULL;
	status rv;

	if (!from_url || !to_url || !users || !tasks || !starts_with(from_url, "sqlite:") || !from_url[7] ||
	    !(starts_with(to_url, "postgres://") || starts_with(to_url, "postgresql://")))
		return STATUS_INVALID;
	rv = migrate_url(from_url);
	if (rv == STATUS_OK)
		rv = migrate_url(to_url);
	if (rv != STATUS_OK)
		return rv;
	if (sqlite3_open_v2(from_url + 7, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rv = STATUS_UNAVAILABLE;
		goto done;
	}
	sqlite3_busy_timeout(db, 5000);
	pg = postgres_connect(to_url);
	if (!pg) {
		rv = STATUS_UNAVAILABLE;
		goto done;
	}
	/* The copy is one long transaction: no per-statement deadline. */
	PQsetnonblocking(pg, 0);
	/* One read transaction on the source too, so the copy is a snapshot. */
	rv = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? STATUS_OK : STATUS_UNAVAILABLE;
	if (rv == STATUS_OK)
		rv = copy_all(db, pg, users, tasks);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
done:
	if (pg)
		PQfinish(pg);
	sqlite3_close_v2(db);
	return rv;
}
