/* postgres.c: the PostgreSQL backend of the store (libpq).
 * One PGconn per store connection (so one per HTTP thread), every statement
 * from the fixed table below, prepared once per connection unless a
 * transaction-mode pooler (PgBouncer, Neon's "-pooler" host) rules named
 * statements out, when each runs as an unnamed extended-protocol statement.
 * Values only ever travel as bound parameters. Every wait is bounded by the
 * thread's store budget (store_budget_begin), connects and statements
 * together: the connect is non-blocking and polled, each statement is sent
 * asynchronously and its answer polled, against the same deadline; a
 * statement without an answer by then drops its connection, a lost
 * connection is reopened by a later operation, and meanwhile the operations
 * answer STATUS_UNAVAILABLE. Each operation is one statement, so it is its
 * own transaction and holds through a pooler. */
#include "store/store_int.h"
#include "store/pq.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/embedded.h"
#include "core/text.h"

/* After a failed connect or a statement that ran out of time, the
 * connection makes no new attempt for this long: the requests queued behind
 * a wait that used up its budget on this thread answer at once instead of
 * waiting out budgets of their own. */
#define RECONNECT_PAUSE_MS 250
/* pg_advisory_xact_lock(MIGRATION_LOCK, 0): one migrator at a time. */
#define MIGRATION_LOCK "1952737636"

#define TASK_COLUMNS "id, user_id, title, description, completed, created_at, updated_at"
#define FILTER_ALL " WHERE user_id = $1"
#define FILTER_DONE " WHERE user_id = $1 AND completed = $2"
#define SEARCH(p) " AND (title_fold LIKE " p " OR description_fold LIKE " p ")"
/* Pages without search text also read the matching count from task_counts,
 * in the same statement (one snapshot). */
#define TOTAL_ALL ", (SELECT total FROM task_counts WHERE user_id = $1)"
#define TOTAL_DONE                                                                                           \
	", (SELECT CASE WHEN $2 THEN completed ELSE total - completed END FROM task_counts WHERE user_id = $1)"
/* Every page also reads the user's version (003_list_version.sql), last,
 * in the same statement: the page stays right while the version reads the
 * same. */
#define VERSION ", (SELECT version FROM task_counts WHERE user_id = $1)"
#define PAGE(total, where, order, lim)                                                                      \
	"SELECT " TASK_COLUMNS total VERSION " FROM tasks" where " ORDER BY " order " LIMIT " lim

#define ORDER_CREATED_DESC "created_at DESC, id DESC"
#define ORDER_CREATED_ASC "created_at ASC, id ASC"
#define ORDER_UPDATED_DESC "updated_at DESC, id DESC"
#define ORDER_UPDATED_ASC "updated_at ASC, id ASC"
#define ORDER_TITLE_DESC "lower(title) DESC, id DESC"
#define ORDER_TITLE_ASC "lower(title) ASC, id ASC"

/* The page statements of one filter and search form, in task_sort order,
 * descending then ascending. */
#define PAGES(total, where, lim)                                                                            \
	PAGE(total, where, ORDER_CREATED_DESC, lim), PAGE(total, where, ORDER_CREATED_ASC, lim),             \
	    PAGE(total, where, ORDER_UPDATED_DESC, lim), PAGE(total, where, ORDER_UPDATED_ASC, lim),         \
	    PAGE(total, where, ORDER_TITLE_DESC, lim), PAGE(total, where, ORDER_TITLE_ASC, lim)

enum stmt_id {
	STMT_PING,
	STMT_USER_CREATE,
	STMT_USER_BY_EMAIL,
	STMT_USER_BY_ID,
	STMT_USER_SET_HASH,
	STMT_SESSION_CREATE,
	STMT_SESSION_CHECK,
	STMT_SESSION_REVOKE,
	STMT_LOGIN_RESERVE,
	STMT_LOGIN_SUCCEEDED,
	STMT_ADDRESS_TAKE,
	STMT_TASK_INSERT,
	STMT_TASK_GET,
	STMT_TASK_UPDATE,
	STMT_TASK_DELETE,
	STMT_TASK_COUNTS,
	STMT_TASK_VERSION,
	STMT_TASK_COUNT_ALL_SEARCH,
	STMT_TASK_COUNT_DONE_SEARCH,
	STMT_PAGE_ALL,                         /* 6 sorts each, see PAGES */
	STMT_PAGE_DONE = STMT_PAGE_ALL + 6,
	STMT_PAGE_ALL_SEARCH = STMT_PAGE_DONE + 6,
	STMT_PAGE_DONE_SEARCH = STMT_PAGE_ALL_SEARCH + 6,
	STMT_COUNT = STMT_PAGE_DONE_SEARCH + 6
};

/* A clock for deadlines that wall-clock steps do not move. */
static int64_t mono_ms(void)
{
	return clock_mono_us() / 1000;
}

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_PING] = "SELECT 1",
	/* The user and its first session in one statement, so in one
	 * transaction. */
	[STMT_USER_CREATE] = "WITH u AS (INSERT INTO users (id, email, name, password_hash, created_at)"
			     " VALUES ($1, $2, $3, $4, $5) RETURNING id)"
			     " INSERT INTO sessions (id, user_id, created_at, expires_at)"
			     " SELECT $6, id, $5, $7 FROM u",
	[STMT_USER_BY_EMAIL] = "SELECT id, email, name, password_hash, created_at FROM users WHERE email = $1",
	[STMT_USER_BY_ID] = "SELECT id, email, name, password_hash, created_at FROM users WHERE id = $1",
	[STMT_USER_SET_HASH] = "UPDATE users SET password_hash = $2 WHERE id = $1",
	/* A new session also forgets the user's dead ones (expired or revoked),
	 * so the table does not grow forever. */
	[STMT_SESSION_CREATE] = "WITH dead AS (DELETE FROM sessions WHERE user_id = $2"
				" AND (expires_at <= $3 OR revoked_at IS NOT NULL))"
				" INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
	[STMT_SESSION_CHECK] = "SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
			       " AND expires_at > $3",
	[STMT_SESSION_REVOKE] = "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
	[STMT_LOGIN_RESERVE] = "SELECT attempt, wait_ms FROM todod_login_reserve($1, $2, $3, $4, $5, $6, $7)",
	[STMT_LOGIN_SUCCEEDED] = "WITH k AS (DELETE FROM login_failures WHERE key = $1)"
				 " DELETE FROM login_failures WHERE id = $2",
	[STMT_ADDRESS_TAKE] = "SELECT wait_ms FROM todod_address_take($1, $2, $3, $4)",
	[STMT_TASK_INSERT] = "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at,"
			     " title_fold, description_fold) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)"
			     " RETURNING " TASK_COLUMNS,
	[STMT_TASK_GET] = "SELECT " TASK_COLUMNS " FROM tasks WHERE id = $1 AND user_id = $2",
	/* $3/$8: new title and its folded form or NULL; $4: set description
	 * to $5 (folded $9); $6: a task_completed_change. One statement, so no
	 * other writer comes between the read of the old values and the write. */
	[STMT_TASK_UPDATE] = "UPDATE tasks SET title = coalesce($3, title), title_fold = coalesce($8, title_fold),"
			     " description = CASE WHEN $4 THEN $5 ELSE description END,"
			     " description_fold = CASE WHEN $4 THEN $9 ELSE description_fold END,"
			     " completed = CASE $6::int WHEN 1 THEN false WHEN 2 THEN true"
			     " WHEN 3 THEN NOT completed ELSE completed END,"
			     " updated_at = greatest($7, updated_at + 1)"
			     " WHERE id = $1 AND user_id = $2 RETURNING " TASK_COLUMNS,
	[STMT_TASK_DELETE] = "DELETE FROM tasks WHERE id = $1 AND user_id = $2",
	[STMT_TASK_COUNTS] = "SELECT total, completed FROM task_counts WHERE user_id = $1",
	[STMT_TASK_VERSION] = "SELECT version FROM task_counts WHERE user_id = $1",
	[STMT_TASK_COUNT_ALL_SEARCH] = "SELECT count(*) FROM tasks" FILTER_ALL SEARCH("$2"),
	[STMT_TASK_COUNT_DONE_SEARCH] = "SELECT count(*) FROM tasks" FILTER_DONE SEARCH("$3"),
	PAGES(TOTAL_ALL, FILTER_ALL, "$2 OFFSET $3"),
	PAGES(TOTAL_DONE, FILTER_DONE, "$3 OFFSET $4"),
	PAGES("", FILTER_ALL SEARCH("$2"), "$3 OFFSET $4"),
	PAGES("", FILTER_DONE SEARCH("$3"), "$4 OFFSET $5"),
};

static const char migrations_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
					   "version bigint PRIMARY KEY, name text NOT NULL,"
					   " applied_at bigint NOT NULL)";

/* Set when a pooler refused a named statement: from then on every
 * connection of the process runs unnamed statements. */
static atomic_bool pooler_seen;
/* Whether the last connection attempt failed, so a lost database is logged
 * once when it goes and once when it comes back, not per request. */
static atomic_bool database_down;

/* The store's target, split once per connection: what libpq gets and what
 * only this file reads. */
struct pg_target {
	char *conninfo;     /* the url without the parameters libpq does not know */
	bool prepare;       /* named prepared statements */
};

/* Recent list pages of one connection (so of one thread), each with the
 * user's version it was read at: a page is answered again, without reading
 * it, while a read of the version (one primary-key lookup) gives the same
 * number. Every change of the user's tasks, through any connection of any
 * instance, raises the version in its own transaction, so a kept page is
 * never older than the database. */
#define PAGE_CACHE_SLOTS 8
#define PAGE_CACHE_KEY_BYTES 1024    /* statement and parameters; longer: not kept */
#define PAGE_CACHE_PAGE_BYTES 65536  /* larger results are not kept */

struct page_entry {
	PGresult *res; /* the page as read; NULL: a free slot */
	int64_t version;
	int64_t total;
	uint64_t used; /* the connection's tick at its last use */
	size_t key_len;
	char key[PAGE_CACHE_KEY_BYTES];
};

struct postgres_conn {
	struct store_conn base; /* first: store.c sees only this */
	PGconn *pg;
	struct page_entry pages[PAGE_CACHE_SLOTS];
	uint64_t tick;
	struct pg_target target;
	int64_t retry_at; /* no reconnect before this (ms clock) */
	int64_t deadline; /* the current operation's end (ms clock): store_deadline_ms */
	bool prepared[STMT_COUNT];
};

static struct postgres_conn *conn_of(struct store_conn *c)
{
	return (struct postgres_conn *)c;
}

/* target ---------------------------------------------------------------- */

/* Splits url's query string: prepare=on|off is ours and leaves it; every
 * other parameter goes on to libpq. prepare defaults to off for a Neon
 * pooled host ("-pooler." in the host) and on otherwise. */
static status target_parse(const char *url, struct pg_target *out)
{
	size_t len = strlen(url);
	const char *query = strchr(url, '?');
	const char *host_end = query ? query : url + len;
	char *conninfo = malloc(len + 1);
	size_t n;
	bool prepare = true, first = true;

	if (!conninfo)
		return STATUS_NOMEM;
	n = (size_t)(host_end - url);
	memcpy(conninfo, url, n);
	for (const char *p = url; p + 8 <= host_end; p++)
		if (memcmp(p, "-pooler.", 8) == 0)
			prepare = false;
	for (const char *p = query ? query + 1 : NULL; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);

		if (plen == 11 && memcmp(p, "prepare=off", 11) == 0)
			prepare = false;
		else if (plen == 10 && memcmp(p, "prepare=on", 10) == 0)
			prepare = true;
		else if (plen > 0) {
			conninfo[n++] = first ? '?' : '&';
			memcpy(conninfo + n, p, plen);
			n += plen;
			first = false;
		}
		p = amp ? amp + 1 : NULL;
	}
	conninfo[n] = '\0';
	out->conninfo = conninfo;
	out->prepare = prepare;
	return STATUS_OK;
}

/* errors and connections ---------------------------------------------- */

/* Logs a connection failure once per outage. libpq's messages name the host
 * and user, never the password; a message holding the password anyway (a
 * server echoing it) is withheld. */
static void log_down(struct postgres_conn *c, const char *what, const char *why)
{
	const char *msg = why ? why : c->pg ? PQerrorMessage(c->pg) : "out of memory";
	const char *password = c->pg ? PQpass(c->pg) : NULL;
	size_t len = strcspn(msg, "\n");

	if (atomic_exchange(&database_down, true))
		return;
	if (password && *password && strstr(msg, password))
		msg = "(message withheld)", len = strlen(msg);
	fprintf(stderr, "todod: %s: %.*s\n", what, (int)len, msg);
}

static void drop(struct postgres_conn *c)
{
	PQfinish(c->pg);
	c->pg = NULL;
	memset(c->prepared, 0, sizeof(c->prepared));
}

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Waits until the socket of pg is ready for events (or fails) or until
 * deadline (ms clock): false when the deadline came first. */
static bool wait_socket(PGconn *pg, short events, int64_t deadline)
{
	struct pollfd p = {.fd = PQsocket(pg), .events = events};

	for (;;) {
		int64_t left = deadline - mono_ms();
		int rc;

		if (left <= 0 || p.fd < 0)
			return false;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return true;
		if (rc == 0 || errno != EINTR)
			return false;
	}
}

/* Drives a started connection (PQconnectStartParams) to its end within
 * c->deadline: libpq's own connect_timeout only bounds its blocking
 * connect, so the deadline is ours. NULL reason when it is open. */
static const char *connect_poll(struct postgres_conn *c)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	if (PQstatus(c->pg) == CONNECTION_BAD)
		return PQerrorMessage(c->pg);
	for (;;) {
		if (st == PGRES_POLLING_OK)
			return NULL;
		if (st == PGRES_POLLING_FAILED)
			return PQerrorMessage(c->pg);
		/* The socket may change between calls (another address, a retry
		 * without SSL), so wait_socket asks libpq for it each time. */
		if (!wait_socket(c->pg, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, c->deadline))
			return "no answer within the time budget";
		st = PQconnectPoll(c->pg);
	}
}

/* Opens c->pg within c->deadline. libpq's own defaults are placed before
 * the url, so any the url names win: TCP keepalives and a user timeout, so
 * a dead peer is noticed within seconds even between operations. A host
 * name is resolved by libpq before the deadline applies (a numeric address
 * or /etc/hosts costs nothing). */
static status reconnect(struct postgres_conn *c)
{
	static const char *const keys[] = {"keepalives",       "keepalives_idle",  "keepalives_interval",
					   "keepalives_count", "tcp_user_timeout", "application_name",
					   "dbname",           NULL};
	const char *values[] = {"1", "5", "2", "2", "4000", "todod", c->target.conninfo, NULL};
	const char *failure;
	int64_t now = mono_ms();

	drop(c);
	if (now < c->retry_at || now >= c->deadline)
		return STATUS_UNAVAILABLE;
	c->pg = PQconnectStartParams(keys, values, 1);
	failure = c->pg ? connect_poll(c) : "out of memory";
	if (failure) {
		log_down(c, "cannot connect to postgresql", failure);
		drop(c);
		c->retry_at = mono_ms() + RECONNECT_PAUSE_MS;
		return STATUS_UNAVAILABLE;
	}
	/* Notices ("already exists, skipping") are not the log's business. */
	PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
	if (PQsetnonblocking(c->pg, 1) != 0) {
		drop(c);
		return STATUS_UNAVAILABLE;
	}
	if (atomic_exchange(&database_down, false))
		fprintf(stderr, "todod: connected to postgresql again\n");
	return STATUS_OK;
}

/* A usable connection: reopens a missing or broken one. An idle
 * connection has nothing to read unless the server ended it (a restart
 * sends a farewell error, then closes), so anything readable means it is
 * gone: noticed before a statement is lost on it. */
static status ensure_open(struct postgres_conn *c)
{
	struct pollfd p = {.fd = c->pg ? PQsocket(c->pg) : -1, .events = POLLIN};

	if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE &&
	    p.fd >= 0 && poll(&p, 1, 0) == 0)
		return STATUS_OK;
	return reconnect(c);
}

/* The status for a failed result; a broken connection is dropped. */
static status status_of(struct postgres_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		log_down(c, "lost the postgresql connection", NULL);
		drop(c);
		return STATUS_UNAVAILABLE;
	}
	if (!state)
		return res ? STATUS_INTERNAL : STATUS_NOMEM;
	if (strcmp(state, "23505") == 0)
		return STATUS_CONFLICT;
	if (strcmp(state, "23503") == 0)
		return STATUS_NOT_FOUND; /* a foreign key: the user is gone */
	/* Connection, resources, shutdown, cancelled, serialization,
	 * deadlock, read-only replica: worth a retry by the client. */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	    strncmp(state, "40", 2) == 0 || strcmp(state, "25006") == 0)
		return STATUS_UNAVAILABLE;
	return STATUS_INTERNAL;
}

/* Collects the results of the query just sent, by c->deadline: the first
 * error, else the last result. NULL when the connection failed or the
 * deadline came (then it is dropped: its statement may still run on the
 * server, but nothing waits for it, and it ends with the connection or by
 * itself). */
static PGresult *collect(struct postgres_conn *c)
{
	PGresult *keep = NULL, *res;
	const char *why = NULL;
	int flush;

	while ((flush = PQflush(c->pg)) == 1)
		if (!wait_socket(c->pg, POLLIN | POLLOUT, c->deadline) || !PQconsumeInput(c->pg))
			goto broken;
	if (flush < 0)
		goto broken;
	for (;;) {
		while (PQisBusy(c->pg))
			if (!wait_socket(c->pg, POLLIN, c->deadline) || !PQconsumeInput(c->pg))
				goto broken;
		res = PQgetResult(c->pg);
		if (!res)
			break;
		if (!keep || PQresultStatus(keep) != PGRES_FATAL_ERROR) {
			PQclear(keep);
			keep = res;
		} else {
			PQclear(res);
		}
	}
	return keep;
broken:
	PQclear(keep);
	if (mono_ms() >= c->deadline) {
		/* Out of time: the next attempt waits, so requests queued behind
		 * this one on its thread answer at once. */
		why = "no answer within the time budget";
		c->retry_at = mono_ms() + RECONNECT_PAUSE_MS;
	}
	log_down(c, "postgresql did not answer", why);
	drop(c);
	return NULL;
}

static bool is_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* True when the error says a pooler handed the statement to a server
 * connection that does not hold this connection's named statements. */
static bool is_pooler_error(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && (strcmp(state, "26000") == 0 || strcmp(state, "42P05") == 0);
}

/* Runs one statement of the table with n text parameters (NULL is SQL
 * NULL). *out gets its result on STATUS_OK (PQclear it). STATUS_BAD_REQUEST
 * here means only: a pooler refused a named statement. */
static status exec_once(struct postgres_conn *c, enum stmt_id id, int n, const char *const *params, PGresult **out)
{
	char name[24];
	PGresult *res;
	bool named = c->target.prepare && !atomic_load(&pooler_seen);

	snprintf(name, sizeof(name), "todod_%d", (int)id);
	if (named && !c->prepared[id]) {
		if (!PQsendPrepare(c->pg, name, stmt_sql[id], n, NULL))
			return status_of(c, NULL);
		res = collect(c);
		if (!res)
			return STATUS_UNAVAILABLE;
		if (!is_ok(res)) {
			status rv = is_pooler_error(res) ? STATUS_BAD_REQUEST : status_of(c, res);

			PQclear(res);
			return rv;
		}
		PQclear(res);
		c->prepared[id] = true;
	}
	if (named ? !PQsendQueryPrepared(c->pg, name, n, params, NULL, NULL, 0)
		  : !PQsendQueryParams(c->pg, stmt_sql[id], n, NULL, params, NULL, NULL, 0))
		return status_of(c, NULL);
	res = collect(c);
	if (!res)
		return STATUS_UNAVAILABLE;
	if (!is_ok(res)) {
		status rv = is_pooler_error(res) ? STATUS_BAD_REQUEST : status_of(c, res);

		PQclear(res);
		return rv;
	}
	*out = res;
	return STATUS_OK;
}

/* Statements that change nothing: safe to run again when the connection
 * broke under them. */
static bool is_read(enum stmt_id id)
{
	return id == STMT_PING || id == STMT_USER_BY_EMAIL || id == STMT_USER_BY_ID || id == STMT_SESSION_CHECK ||
	       id == STMT_TASK_GET || id >= STMT_TASK_COUNTS;
}

/* exec_once on an open connection, within the thread's budget; a pooler's
 * refusal of a named statement (which failed, so changed nothing) turns
 * named statements off for the process and runs it again unnamed. */
static status exec(struct postgres_conn *c, enum stmt_id id, int n, const char *const *params, PGresult **out)
{
	bool reused = c->pg != NULL;
	status rv;

	/* The budget is spent: answer without touching the connection. */
	c->deadline = store_deadline_ms();
	if (mono_ms() >= c->deadline)
		return STATUS_UNAVAILABLE;
	rv = ensure_open(c);
	if (rv != STATUS_OK)
		return rv;
	rv = exec_once(c, id, n, params, out);
	/* A kept connection the server had ended (a restart, an idle timeout,
	 * a pooler recycling it) without our noticing yet: a read runs again on
	 * a new one, so the first request after a restart succeeds. */
	if (rv == STATUS_UNAVAILABLE && reused && !c->pg && is_read(id) && ensure_open(c) == STATUS_OK)
		rv = exec_once(c, id, n, params, out);
	if (rv == STATUS_BAD_REQUEST && c->pg) {
		if (!atomic_exchange(&pooler_seen, true))
			fprintf(stderr, "todod: postgresql is behind a transaction pooler: prepared statements off\n");
		rv = exec_once(c, id, n, params, out);
		if (rv == STATUS_BAD_REQUEST)
			rv = STATUS_INTERNAL;
	}
	return rv;
}

/* exec for a write: STATUS_NOT_FOUND when it changed no row. */
static status exec_write(struct postgres_conn *c, enum stmt_id id, int n, const char *const *params)
{
	PGresult *res = NULL;
	status rv = exec(c, id, n, params, &res);

	if (rv == STATUS_OK && strcmp(PQcmdTuples(res), "0") == 0)
		rv = STATUS_NOT_FOUND;
	PQclear(res);
	return rv;
}

/* values ------------------------------------------------------------------ */

#define I64_BYTES 24

static const char *i64_text(char buf[I64_BYTES], int64_t v)
{
	snprintf(buf, I64_BYTES, "%lld", (long long)v);
	return buf;
}

static status parse_i64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return STATUS_INTERNAL;
	*out = v;
	return STATUS_OK;
}

static status column_i64(const PGresult *res, int row, int col, int64_t *out)
{
	if (PQgetisnull(res, row, col))
		return STATUS_INTERNAL;
	return parse_i64(PQgetvalue(res, row, col), out);
}

/* Copies a text column into a field of size cap; a longer value is an
 * error, never cut. NULL reads as "". */
static status column_text(const PGresult *res, int row, int col, char *dst, size_t cap)
{
	return text_copy(dst, cap, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col))
		   ? STATUS_OK
		   : STATUS_INTERNAL;
}

static status read_user(const PGresult *res, struct user *u)
{
	status rv = column_text(res, 0, 0, u->id, sizeof(u->id));

	if (rv == STATUS_OK)
		rv = column_text(res, 0, 1, u->email, sizeof(u->email));
	if (rv == STATUS_OK)
		rv = column_text(res, 0, 2, u->name, sizeof(u->name));
	if (rv == STATUS_OK)
		rv = column_text(res, 0, 3, u->password_hash, sizeof(u->password_hash));
	if (rv == STATUS_OK)
		rv = column_i64(res, 0, 4, &u->created_at);
	return rv;
}

/* Reads row `row` of TASK_COLUMNS. */
static status read_task(const PGresult *res, int row, struct task *t)
{
	status rv = column_i64(res, row, 0, &t->id);

	if (rv == STATUS_OK)
		rv = column_text(res, row, 1, t->user_id, sizeof(t->user_id));
	if (rv == STATUS_OK)
		rv = column_text(res, row, 2, t->title, sizeof(t->title));
	t->has_description = !PQgetisnull(res, row, 3);
	if (rv == STATUS_OK)
		rv = column_text(res, row, 3, t->description, sizeof(t->description));
	t->completed = PQgetvalue(res, row, 4)[0] == 't';
	if (rv == STATUS_OK)
		rv = column_i64(res, row, 5, &t->created_at);
	if (rv == STATUS_OK)
		rv = column_i64(res, row, 6, &t->updated_at);
	return rv;
}

/* connections ------------------------------------------------------------- */

static void pg_conn_close(struct store_conn *base)
{
	struct postgres_conn *c = conn_of(base);

	if (!c)
		return;
	drop(c);
	for (int i = 0; i < PAGE_CACHE_SLOTS; i++)
		PQclear(c->pages[i].res);
	free(c->target.conninfo);
	free(c);
}

static status pg_conn_open(const char *url, struct store_conn **out)
{
	struct postgres_conn *c;
	status rv;

	if (!pq_load())
		return STATUS_UNAVAILABLE;
	c = calloc(1, sizeof(*c));
	if (!c)
		return STATUS_NOMEM;
	c->base.ops = &store_postgres_ops;
	c->deadline = store_deadline_ms();
	rv = target_parse(url, &c->target);
	if (rv == STATUS_OK)
		rv = reconnect(c);
	if (rv != STATUS_OK) {
		pg_conn_close(&c->base);
		return rv;
	}
	*out = &c->base;
	return STATUS_OK;
}

struct pg_conn *postgres_connect(const char *url)
{
	struct postgres_conn c = {0};
	PGconn *pg = NULL;

	if (!pq_load())
		return NULL;
	c.deadline = store_deadline_ms();
	if (target_parse(url, &c.target) == STATUS_OK && reconnect(&c) == STATUS_OK) {
		pg = c.pg;
		c.pg = NULL;
	}
	free(c.target.conninfo);
	return pg;
}

static status pg_ping(struct store_conn *base)
{
	PGresult *res = NULL;
	status rv = exec(conn_of(base), STMT_PING, 0, NULL, &res);

	PQclear(res);
	return rv == STATUS_OK ? STATUS_OK : STATUS_UNAVAILABLE;
}

/* migrations -------------------------------------------------------------- */

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

/* Runs fixed SQL text (schema work only), one or more statements. */
static status exec_sql(struct postgres_conn *c, const char *sql)
{
	PGresult *res;
	status rv;

	c->deadline = store_deadline_ms();
	if (!PQsendQuery(c->pg, sql))
		return status_of(c, NULL);
	res = collect(c);
	if (!res)
		return STATUS_UNAVAILABLE;
	rv = is_ok(res) ? STATUS_OK : status_of(c, res);
	if (rv != STATUS_OK && rv != STATUS_UNAVAILABLE) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		fprintf(stderr, "todod: migration failed: %s\n", msg ? msg : "unknown error");
	}
	PQclear(res);
	return rv;
}

/* Runs a query of fixed text and params; *out gets its one integer (or
 * -1 when NULL). STATUS_NOT_FOUND when there is no row. */
static status query_i64(struct postgres_conn *c, const char *sql, int n, const char *const *params, int64_t *out)
{
	PGresult *res;
	status rv;

	c->deadline = store_deadline_ms();
	if (!PQsendQueryParams(c->pg, sql, n, NULL, params, NULL, NULL, 0))
		return status_of(c, NULL);
	res = collect(c);
	if (!res)
		return STATUS_UNAVAILABLE;
	if (!is_ok(res))
		rv = status_of(c, res);
	else if (PQntuples(res) == 0)
		rv = STATUS_NOT_FOUND;
	else if (PQgetisnull(res, 0, 0))
		*out = -1, rv = STATUS_OK;
	else
		rv = parse_i64(PQgetvalue(res, 0, 0), out);
	PQclear(res);
	return rv;
}

/* One migration in its own transaction, under a transaction-scoped advisory
 * lock (which, unlike a session lock, holds through a transaction-mode
 * pooler): a second instance starting at the same time waits, then finds
 * it applied. With m NULL it only checks the newest version applied against
 * latest: STATUS_CONFLICT when the database is ahead of this build. */
static status migration_apply(struct postgres_conn *c, const struct embedded_file *m, int64_t version,
			      int64_t latest)
{
	char v[I64_BYTES], now[I64_BYTES];
	const char *params[3] = {i64_text(v, version), m ? m->name : NULL, i64_text(now, clock_now_ms())};
	int64_t found = 0;
	status rv = exec_sql(c, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ", 0)");

	if (rv == STATUS_OK)
		rv = exec_sql(c, migrations_table_sql);
	if (rv == STATUS_OK && !m) {
		rv = query_i64(c, "SELECT max(version) FROM schema_migrations", 0, NULL, &found);
		if (rv == STATUS_OK && found > latest)
			rv = STATUS_CONFLICT;
		goto finish;
	}
	if (rv == STATUS_OK)
		rv = query_i64(c, "SELECT version FROM schema_migrations WHERE version = $1", 1, params, &found);
	if (rv == STATUS_NOT_FOUND) {
		rv = strlen(m->data) == m->len ? exec_sql(c, m->data) : STATUS_INTERNAL;
		/* A migration must not end the transaction it runs in. */
		if (rv == STATUS_OK && PQtransactionStatus(c->pg) != PQTRANS_INTRANS)
			rv = STATUS_INTERNAL;
		if (rv == STATUS_OK)
			rv = query_i64(c,
				       "INSERT INTO schema_migrations (version, name, applied_at)"
				       " VALUES ($1, $2, $3) RETURNING version",
				       3, params, &found);
	}
finish:
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
		status crv = exec_sql(c, rv == STATUS_OK ? "COMMIT" : "ROLLBACK");
		if (rv == STATUS_OK)
			rv = crv;
	}
	return rv;
}

static status pg_migrate(struct store_conn *base)
{
	struct postgres_conn *c = conn_of(base);
	int64_t previous = 0, latest = 0;
	status rv;

	c->deadline = store_deadline_ms();
	rv = ensure_open(c);

	for (unsigned i = 0; rv == STATUS_OK && i < migrations_postgres_count; i++) {
		rv = migration_version(migrations_postgres[i].name, &latest);
		if (rv == STATUS_OK && latest <= previous)
			rv = STATUS_INTERNAL; /* numbers must rise in name order */
		previous = latest;
	}
	if (rv == STATUS_OK)
		rv = migration_apply(c, NULL, 0, latest);
	for (unsigned i = 0; rv == STATUS_OK && i < migrations_postgres_count; i++) {
		int64_t version = 0;

		rv = migration_version(migrations_postgres[i].name, &version);
		if (rv == STATUS_OK)
			rv = migration_apply(c, &migrations_postgres[i], version, latest);
	}
	return rv;
}

/* users ------------------------------------------------------------------- */

static status user_lookup(struct postgres_conn *c, enum stmt_id id, const char *key, struct user *out)
{
	PGresult *res = NULL;
	struct user u;
	status rv = exec(c, id, 1, &key, &res);

	if (rv == STATUS_OK)
		rv = PQntuples(res) == 1 ? read_user(res, &u) : STATUS_NOT_FOUND;
	PQclear(res);
	if (rv == STATUS_OK)
		*out = u;
	return rv;
}

static status pg_user_by_email(struct store_conn *base, const char *email, struct user *out)
{
	return user_lookup(conn_of(base), STMT_USER_BY_EMAIL, email, out);
}

static status pg_user_by_id(struct store_conn *base, const char *id, struct user *out)
{
	return user_lookup(conn_of(base), STMT_USER_BY_ID, id, out);
}

/* The id is a fresh uuid, so a unique violation is the email's. */
static status pg_user_create(struct store_conn *base, const struct user *u, const char *sid,
			     int64_t session_expires)
{
	char created[I64_BYTES], expires[I64_BYTES];
	const char *params[7] = {u->id, u->email, u->name, u->password_hash, i64_text(created, u->created_at),
				 sid, i64_text(expires, session_expires)};

	return exec_write(conn_of(base), STMT_USER_CREATE, 7, params);
}

static status pg_user_set_password_hash(struct store_conn *base, const char *id, const char *hash)
{
	const char *params[2] = {id, hash};

	return exec_write(conn_of(base), STMT_USER_SET_HASH, 2, params);
}

/* sessions ---------------------------------------------------------------- */

static status pg_session_create(struct store_conn *base, const char *sid, const char *user_id,
				int64_t created, int64_t expires)
{
	char c_text[I64_BYTES], e_text[I64_BYTES];
	const char *params[4] = {sid, user_id, i64_text(c_text, created), i64_text(e_text, expires)};

	return exec_write(conn_of(base), STMT_SESSION_CREATE, 4, params);
}

static status pg_session_check(struct store_conn *base, const char *sid, const char *user_id, int64_t now)
{
	char n_text[I64_BYTES];
	const char *params[3] = {sid, user_id, i64_text(n_text, now)};
	PGresult *res = NULL;
	status rv = exec(conn_of(base), STMT_SESSION_CHECK, 3, params, &res);

	if (rv == STATUS_OK && PQntuples(res) == 0)
		rv = STATUS_UNAUTHORIZED;
	PQclear(res);
	return rv;
}

static status pg_session_revoke(struct store_conn *base, const char *sid, int64_t now)
{
	char n_text[I64_BYTES];
	const char *params[2] = {sid, i64_text(n_text, now)};
	status rv = exec_write(conn_of(base), STMT_SESSION_REVOKE, 2, params);

	return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
}

/* login rate limit -------------------------------------------------------- */

/* One call of todod_login_reserve (001_init.sql). */
static status pg_login_reserve(struct store_conn *base, const char *email_key, const char *client_key,
			       int64_t now, int64_t window, int max_email, int max_client, int64_t *attempt,
			       int64_t *retry_after)
{
	char n_text[I64_BYTES], w_text[I64_BYTES], me[I64_BYTES], mc[I64_BYTES];
	const char *params[7] = {email_key, client_key, i64_text(n_text, now), i64_text(w_text, window),
				 i64_text(me, max_email), i64_text(mc, max_client), attempt ? "true" : "false"};
	PGresult *res = NULL;
	int64_t wait_ms = 0, row = 0;
	status rv = exec(conn_of(base), STMT_LOGIN_RESERVE, 7, params, &res);

	if (rv == STATUS_OK)
		rv = PQntuples(res) == 1 ? column_i64(res, 0, 1, &wait_ms) : STATUS_INTERNAL;
	if (rv == STATUS_OK && wait_ms > 0) {
		*retry_after = (wait_ms + 999) / 1000;
		rv = STATUS_RATE_LIMITED;
	} else if (rv == STATUS_OK && attempt) {
		rv = column_i64(res, 0, 0, &row);
		if (rv == STATUS_OK)
			*attempt = row;
	}
	PQclear(res);
	return rv;
}

static status pg_login_succeeded(struct store_conn *base, const char *email_key, int64_t attempt)
{
	char a_text[I64_BYTES];
	const char *params[2] = {email_key, i64_text(a_text, attempt)};
	status rv = exec_write(conn_of(base), STMT_LOGIN_SUCCEEDED, 2, params);

	return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
}

/* limits per client address ---------------------------------------------- */

/* One call of todod_address_take (002_address_limits.sql). */
static status pg_address_take(struct store_conn *base, const char *key, int64_t now, int64_t window, int max,
			      int64_t *retry_after)
{
	char n_text[I64_BYTES], w_text[I64_BYTES], m_text[I64_BYTES];
	const char *params[4] = {key, i64_text(n_text, now), i64_text(w_text, window), i64_text(m_text, max)};
	PGresult *res = NULL;
	int64_t wait_ms = 0;
	status rv = exec(conn_of(base), STMT_ADDRESS_TAKE, 4, params, &res);

	if (rv == STATUS_OK)
		rv = PQntuples(res) == 1 ? column_i64(res, 0, 0, &wait_ms) : STATUS_INTERNAL;
	if (rv == STATUS_OK && wait_ms > 0) {
		*retry_after = (wait_ms + 999) / 1000;
		rv = STATUS_RATE_LIMITED;
	}
	PQclear(res);
	return rv;
}

/* tasks ------------------------------------------------------------------- */

#define TITLE_FOLD_BYTES (2 * LIMIT_TITLE_BYTES + 4)
#define DESCRIPTION_FOLD_BYTES (2 * LIMIT_DESCRIPTION_BYTES + 4)

/* The folded form the search reads, or NULL for a NULL text. */
static status fold(const char *text, char *dst, size_t cap, const char **out)
{
	if (!text) {
		*out = NULL;
		return STATUS_OK;
	}
	if (!text_fold(dst, cap, text, strlen(text), NULL))
		return STATUS_INVALID;
	*out = dst;
	return STATUS_OK;
}

/* Runs a statement that yields at most one TASK_COLUMNS row. */
static status task_row(struct postgres_conn *c, enum stmt_id id, int n, const char *const *params, struct task *out)
{
	PGresult *res = NULL;
	struct task t;
	status rv = exec(c, id, n, params, &res);

	if (rv == STATUS_OK)
		rv = PQntuples(res) == 1 ? read_task(res, 0, &t) : STATUS_NOT_FOUND;
	PQclear(res);
	if (rv == STATUS_OK)
		*out = t;
	return rv;
}

static status pg_task_create(struct store_conn *base, const char *user_id, const char *title,
			     const char *description, bool completed, int64_t now, struct task *out)
{
	char n_text[I64_BYTES];
	char title_fold[TITLE_FOLD_BYTES], description_fold[DESCRIPTION_FOLD_BYTES];
	const char *params[7] = {user_id, title, description, completed ? "true" : "false", i64_text(n_text, now),
				 NULL, NULL};
	status rv = fold(title, title_fold, sizeof(title_fold), &params[5]);

	if (rv == STATUS_OK)
		rv = fold(description, description_fold, sizeof(description_fold), &params[6]);
	if (rv == STATUS_OK)
		rv = task_row(conn_of(base), STMT_TASK_INSERT, 7, params, out);
	return rv;
}

static status pg_task_get(struct store_conn *base, const char *user_id, int64_t id, struct task *out)
{
	char id_text[I64_BYTES];
	const char *params[2] = {i64_text(id_text, id), user_id};

	return task_row(conn_of(base), STMT_TASK_GET, 2, params, out);
}

static status pg_task_update(struct store_conn *base, const char *user_id, int64_t id,
			     const struct task_patch *p, int64_t now, struct task *out)
{
	char id_text[I64_BYTES], n_text[I64_BYTES], change[I64_BYTES];
	char title_fold[TITLE_FOLD_BYTES], description_fold[DESCRIPTION_FOLD_BYTES];
	const char *description = p->set_description ? p->description : NULL;
	const char *params[9] = {i64_text(id_text, id),
				 user_id,
				 p->title,
				 p->set_description ? "true" : "false",
				 description,
				 i64_text(change, p->completed),
				 i64_text(n_text, now),
				 NULL,
				 NULL};
	status rv = fold(p->title, title_fold, sizeof(title_fold), &params[7]);

	if (rv == STATUS_OK)
		rv = fold(description, description_fold, sizeof(description_fold), &params[8]);
	if (rv == STATUS_OK)
		rv = task_row(conn_of(base), STMT_TASK_UPDATE, 9, params, out);
	return rv;
}

static status pg_task_delete(struct store_conn *base, const char *user_id, int64_t id)
{
	char id_text[I64_BYTES];
	const char *params[2] = {i64_text(id_text, id), user_id};

	return exec_write(conn_of(base), STMT_TASK_DELETE, 2, params);
}

/* "%text%" for LIKE, text folded, with %, _ and \ in it taken literally. */
static status search_pattern(const char *text, char *out, size_t cap)
{
	char folded[2 * LIMIT_QUERY_TEXT_BYTES + 4];
	size_t n = 0, len = 0;

	if (!text_fold(folded, sizeof(folded), text, strlen(text), &len) || cap < 2 * len + 3)
		return STATUS_INVALID;
	out[n++] = '%';
	for (size_t i = 0; i < len; i++) {
		if (folded[i] == '%' || folded[i] == '_' || folded[i] == '\\')
			out[n++] = '\\';
		out[n++] = folded[i];
	}
	out[n++] = '%';
	out[n] = '\0';
	return STATUS_OK;
}

/* How many tasks match q in all, when the page could not tell. */
static status task_total(struct postgres_conn *c, const char *user_id, const struct task_query *q,
			 const char *pattern, int64_t *total)
{
	bool filtered = q->filter != TASK_FILTER_ALL;
	const char *done = q->filter == TASK_FILTER_COMPLETED ? "true" : "false";
	const char *params[3] = {user_id, filtered ? done : pattern, pattern};
	PGresult *res = NULL;
	int64_t all = 0, completed = 0;
	status rv;

	if (!pattern) {
		rv = exec(c, STMT_TASK_COUNTS, 1, params, &res);
		if (rv == STATUS_OK && PQntuples(res) == 1) {
			rv = column_i64(res, 0, 0, &all);
			if (rv == STATUS_OK)
				rv = column_i64(res, 0, 1, &completed);
		}
		if (rv == STATUS_OK)
			*total = !filtered ? all : q->filter == TASK_FILTER_COMPLETED ? completed : all - completed;
	} else {
		rv = exec(c, filtered ? STMT_TASK_COUNT_DONE_SEARCH : STMT_TASK_COUNT_ALL_SEARCH, filtered ? 3 : 2,
			  params, &res);
		if (rv == STATUS_OK)
			rv = PQntuples(res) == 1 ? column_i64(res, 0, 0, total) : STATUS_INTERNAL;
	}
	PQclear(res);
	return rv;
}

/* page cache ------------------------------------------------------------ */

/* The key of a page: its statement and its parameters, each with its
 * length. false when it does not fit (the page is then not kept). */
static bool page_key(enum stmt_id id, int n, const char *const *params, char *out, size_t *len)
{
	size_t k = 0;

	out[k++] = (char)id;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(params[i]);

		if (k + 2 + l > PAGE_CACHE_KEY_BYTES)
			return false;
		out[k++] = (char)(l >> 8);
		out[k++] = (char)(l & 0xff);
		memcpy(out + k, params[i], l);
		k += l;
	}
	*len = k;
	return true;
}

static struct page_entry *page_find(struct postgres_conn *c, const char *key, size_t len)
{
	for (int i = 0; i < PAGE_CACHE_SLOTS; i++) {
		struct page_entry *e = &c->pages[i];

		if (e->res && e->key_len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

static void page_forget(struct page_entry *e)
{
	PQclear(e->res);
	e->res = NULL;
	e->key_len = 0;
}

/* Keeps res (taken: the cache frees it) as the page of key, read at
 * version, in a free slot or the least recently used one. */
static void page_keep(struct postgres_conn *c, const char *key, size_t len, PGresult *res, int64_t version,
		      int64_t total)
{
	struct page_entry *e = &c->pages[0];

	for (int i = 1; i < PAGE_CACHE_SLOTS && e->res; i++)
		if (!c->pages[i].res || c->pages[i].used < e->used)
			e = &c->pages[i];
	page_forget(e);
	e->res = res;
	e->version = version;
	e->total = total;
	e->used = ++c->tick;
	memcpy(e->key, key, len);
	e->key_len = len;
}

/* The user's version now, or STATUS_NOT_FOUND without a counts row. */
static status user_version(struct postgres_conn *c, const char *user_id, int64_t *out)
{
	PGresult *res = NULL;
	status rv = exec(c, STMT_TASK_VERSION, 1, &user_id, &res);

	if (rv == STATUS_OK)
		rv = PQntuples(res) == 1 ? column_i64(res, 0, 0, out) : STATUS_NOT_FOUND;
	PQclear(res);
	return rv;
}

static status visit_rows(const PGresult *res, task_visit_fn visit, void *arg)
{
	struct task t;
	status rv = STATUS_OK;

	for (int i = 0; rv == STATUS_OK && i < PQntuples(res); i++) {
		rv = read_task(res, i, &t);
		if (rv == STATUS_OK)
			rv = visit(&t, arg);
	}
	return rv;
}

/* A kept page of key that is still right: visited, *total set, true. */
static bool page_answer(struct postgres_conn *c, const char *user_id, const char *key, size_t len,
			task_visit_fn visit, void *arg, int64_t *total, status *rv)
{
	struct page_entry *e = page_find(c, key, len);
	int64_t version = -1;

	if (!e)
		return false;
	*rv = user_version(c, user_id, &version);
	if (*rv == STATUS_NOT_FOUND)
		*rv = STATUS_OK;
	if (*rv != STATUS_OK || version != e->version) {
		page_forget(e);
		return *rv != STATUS_OK;
	}
	e->used = ++c->tick;
	*rv = visit_rows(e->res, visit, arg);
	if (*rv == STATUS_OK)
		*total = e->total;
	return true;
}

/* tasks: the list ------------------------------------------------------------ */

/* A page without search text carries the count (task_counts) in its rows,
 * read in the same statement, and every page the user's version, last. A
 * page that starts the list and is not full is the whole list: its size is
 * the count. Otherwise (a search with a full page, or a page past the end)
 * the count is one more statement (read later than the page: if a change
 * came between, it raised the version, so the kept page never matches
 * again). A page kept from before is answered again while the version is
 * the same. */
static status pg_task_list(struct store_conn *base, const char *user_id, const struct task_query *q,
			   int64_t *total, task_visit_fn visit, void *arg)
{
	struct postgres_conn *c = conn_of(base);
	char pattern[2 * (2 * LIMIT_QUERY_TEXT_BYTES + 4) + 3];
	char limit[I64_BYTES], offset[I64_BYTES], key[PAGE_CACHE_KEY_BYTES];
	bool filtered = q->filter != TASK_FILTER_ALL, search = q->text[0] != '\0', keyed;
	const char *params[5];
	int n = 0, rows = 0, first = STMT_PAGE_ALL;
	enum stmt_id id;
	PGresult *res = NULL;
	int64_t count = -1, version = -1;
	size_t key_len = 0;
	status rv = STATUS_OK;

	if (search)
		rv = search_pattern(q->text, pattern, sizeof(pattern));
	if (rv != STATUS_OK)
		return rv;
	params[n++] = user_id;
	if (filtered)
		params[n++] = q->filter == TASK_FILTER_COMPLETED ? "true" : "false";
	if (search)
		params[n++] = pattern;
	params[n++] = i64_text(limit, q->limit);
	params[n++] = i64_text(offset, q->offset);
	first = search ? (filtered ? STMT_PAGE_DONE_SEARCH : STMT_PAGE_ALL_SEARCH)
		       : (filtered ? STMT_PAGE_DONE : STMT_PAGE_ALL);
	id = (enum stmt_id)(first + 2 * (int)q->sort + (q->ascending ? 1 : 0));
	keyed = page_key(id, n, params, key, &key_len);
	if (keyed && page_answer(c, user_id, key, key_len, visit, arg, total, &rv))
		return rv;
	rv = exec(c, id, n, params, &res);
	if (rv == STATUS_OK)
		rows = PQntuples(res);
	if (rv == STATUS_OK && !search && rows > 0)
		rv = column_i64(res, 0, 7, &count);
	if (rv == STATUS_OK && rows > 0 && !PQgetisnull(res, 0, PQnfields(res) - 1))
		rv = column_i64(res, 0, PQnfields(res) - 1, &version);
	if (rv == STATUS_OK)
		rv = visit_rows(res, visit, arg);
	if (rv == STATUS_OK && count < 0) {
		if (rows < q->limit && (rows > 0 || q->offset == 0))
			count = q->offset + rows;
		else
			rv = task_total(c, user_id, q, search ? pattern : NULL, &count);
	}
	if (rv == STATUS_OK)
		*total = count;
	if (rv == STATUS_OK && keyed && version >= 0 && PQresultMemorySize(res) <= PAGE_CACHE_PAGE_BYTES)
		page_keep(c, key, key_len, res, version, count);
	else
		PQclear(res);
	return rv;
}

const struct store_ops store_postgres_ops = {
	.name = "postgres",
	.serialize_writes = false,
	.conn_open = pg_conn_open,
	.conn_close = pg_conn_close,
	.migrate = pg_migrate,
	.ping = pg_ping,
	.user_create = pg_user_create,
	.user_by_email = pg_user_by_email,
	.user_by_id = pg_user_by_id,
	.user_set_password_hash = pg_user_set_password_hash,
	.session_create = pg_session_create,
	.session_check = pg_session_check,
	.session_revoke = pg_session_revoke,
	.login_reserve = pg_login_reserve,
	.login_succeeded = pg_login_succeeded,
	.address_take = pg_address_take,
	.task_create = pg_task_create,
	.task_get = pg_task_get,
	.task_update = pg_task_update,
	.task_delete = pg_task_delete,
	.task_list = pg_task_list,
};
