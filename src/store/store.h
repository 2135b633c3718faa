/* store.h: the only way into the database.
 * One opaque handle per process (store) and one connection per thread
 * (store_conn), each with its own prepared statements, so the hot path takes
 * no lock. Every query is scoped by the caller's user id. Backends live
 * behind store_int.h; callers never see SQL. Timestamps are epoch ms. */
#ifndef TODOD_STORE_H
#define TODOD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/status.h"

typedef struct store store;
typedef struct store_conn store_conn;

#define STORE_SID_BYTES 64 /* longest session id, without NUL */

struct user {
	char id[UUID_BYTES + 1];
	char email[LIMIT_EMAIL_BYTES + 1]; /* trimmed, lower-case */
	char name[LIMIT_NAME_BYTES + 1];
	char password_hash[LIMIT_HASH_BYTES + 1];
	int64_t created_at;
};

struct task {
	int64_t id;
	char user_id[UUID_BYTES + 1];
	char title[LIMIT_TITLE_BYTES + 1];
	char description[LIMIT_DESCRIPTION_BYTES + 1];
	bool has_description; /* false: description is null */
	bool completed;
	int64_t created_at;
	int64_t updated_at;
};

enum task_completed_change {
	TASK_COMPLETED_KEEP,
	TASK_COMPLETED_SET_FALSE,
	TASK_COMPLETED_SET_TRUE,
	TASK_COMPLETED_TOGGLE,
};

/* A partial update; fields left NULL / false / KEEP stay as they are. */
struct task_patch {
	const char *title;       /* NULL: unchanged */
	bool set_description;    /* true: description becomes the value below */
	const char *description; /* with set_description, NULL clears it */
	enum task_completed_change completed;
};

enum task_filter { TASK_FILTER_ALL, TASK_FILTER_PENDING, TASK_FILTER_COMPLETED };
enum task_sort { TASK_SORT_CREATED, TASK_SORT_UPDATED, TASK_SORT_TITLE };

struct task_query {
	enum task_filter filter;
	enum task_sort sort;
	bool ascending;
	char text[LIMIT_QUERY_TEXT_BYTES + 1]; /* "" matches everything */
	int limit;                             /* 1..LIMIT_PAGE_MAX */
	int64_t offset;                        /* 0..LIMIT_OFFSET_MAX */
};

/* Called once per task of a page, in order; t is valid during the call only.
 * A status other than STATUS_OK stops the walk and is returned. */
typedef status (*task_visit_fn)(const struct task *t, void *arg);

/* Opens the store named by url ("sqlite:PATH", or "postgres://..." /
 * "postgresql://..." with libpq's parameters, plus prepare=off for a
 * transaction-mode pooler, or libpq's "host=... dbname=..." form). Creates an SQLite file if absent;
 * does not migrate. *out is freed with store_close. STATUS_INVALID for a url
 * this build cannot serve, STATUS_UNAVAILABLE when the database cannot be
 * opened, STATUS_NOMEM. */
status store_open(const char *url, store **out);

/* Applies every pending migration, each in its own transaction; safe when
 * several processes start at once. STATUS_CONFLICT when the database holds
 * a migration newer than this build knows (it then changes nothing),
 * STATUS_UNAVAILABLE or STATUS_INTERNAL. */
status store_migrate(store *s);

/* Copies a SQLite deployment into an empty PostgreSQL database: every user
 * (password hash included), session (revoked ones too), login failure and
 * task, with their ids, in one transaction on the target, after migrating
 * both. from_url is "sqlite:PATH", to_url a postgres url. *users and *tasks
 * get how many were copied. STATUS_INVALID for other urls, STATUS_CONFLICT
 * when the target already holds users, sessions or tasks (nothing is
 * written), STATUS_UNAVAILABLE, STATUS_NOMEM, STATUS_INTERNAL. */
status store_copy(const char *from_url, const char *to_url, int64_t *users, int64_t *tasks);

/* Closes every connection (no thread may still be using one) and frees s.
 * Accepts NULL. */
void store_close(store *s);

/* This thread's connection, opened on first use and kept until store_close.
 * STATUS_UNAVAILABLE when it cannot be opened, STATUS_NOMEM. */
status store_conn_get(store *s, store_conn **out);

/* STATUS_OK when the database answers a trivial query, else
 * STATUS_UNAVAILABLE. */
status store_ping(store_conn *c);

/* time budget ---------------------------------------------------------- */

/* How long the store operations of one request may take together (ms),
 * leaving a margin under the 5 s within which a request answers while the
 * database is down. */
#define STORE_BUDGET_MS 4000

/* Starts this thread's budget: the operations it makes until
 * store_budget_end answer within ms from now, all of them together
 * (connects, statements, retries); one that cannot answers
 * STATUS_UNAVAILABLE, and once the budget is spent the rest answer it at
 * once. Without a budget each operation has STORE_BUDGET_MS of its own.
 * The PostgreSQL backend keeps to it; SQLite's waits are bounded by its
 * busy timeout instead. */
void store_budget_begin(int64_t ms);

/* Ends this thread's budget. */
void store_budget_end(void);

/* Every function below may also answer STATUS_INVALID for arguments out of
 * the ranges of limits.h, STATUS_UNAVAILABLE when the database is busy past
 * its timeout or failing, STATUS_NOMEM and STATUS_INTERNAL. */

/* users --------------------------------------------------------------- */

/* Inserts u and, in the same transaction, its first session (sid, expiring
 * at session_expires). STATUS_CONFLICT when the email is taken. */
status store_user_create(store_conn *c, const struct user *u, const char *sid, int64_t session_expires);

/* STATUS_NOT_FOUND when no user has that (already lower-case) email. */
status store_user_by_email(store_conn *c, const char *email, struct user *out);
status store_user_by_id(store_conn *c, const char *id, struct user *out);

/* Replaces a user's password hash (rehash on login). STATUS_NOT_FOUND. */
status store_user_set_password_hash(store_conn *c, const char *id, const char *hash);

/* sessions ------------------------------------------------------------ */

/* Creates a session and forgets the user's expired or revoked ones.
 * STATUS_NOT_FOUND when the user no longer exists. */
status store_session_create(store_conn *c, const char *sid, const char *user_id, int64_t created,
			    int64_t expires);

/* STATUS_OK when session sid exists, belongs to user_id, is not revoked and
 * has not expired at now; STATUS_UNAUTHORIZED otherwise. */
status store_session_check(store_conn *c, const char *sid, const char *user_id, int64_t now);

/* Marks the session revoked (idempotent). STATUS_OK even when absent. */
status store_session_revoke(store_conn *c, const char *sid, int64_t now);

/* login rate limit ---------------------------------------------------- */

/* Times now and window are in ms; retry_after is in whole seconds. Email
 * and client keys share one table, so callers prefix them ("email:",
 * "client:"). STATUS_INVALID for an empty key, window <= 0 or a max < 1.
 * In one write transaction: counts the failures recorded since
 * now - window for email_key and for client_key; when either count has
 * reached its maximum, answers STATUS_RATE_LIMITED with *retry_after (whole
 * seconds until the oldest counted failure leaves the window, at least 1);
 * otherwise records one failure for each key (the attempt is presumed to
 * fail until store_login_succeeded says otherwise), writes the id of the
 * client's row to *attempt and answers STATUS_OK. Also forgets failures
 * older than the window. With attempt NULL it only checks: it answers
 * STATUS_RATE_LIMITED or STATUS_OK the same way and records nothing. */
status store_login_reserve(store_conn *c, const char *email_key, const char *client_key, int64_t now,
			   int64_t window, int max_email, int max_client, int64_t *attempt,
			   int64_t *retry_after);

/* The attempt succeeded: forgets every failure of email_key and the client
 * row numbered attempt. */
status store_login_succeeded(store_conn *c, const char *email_key, int64_t attempt);

/* limits per client address ------------------------------------------ */

#define STORE_KEY_BYTES 320 /* longest key of store_address_take, without NUL */

/* Whether the backend keeps counts per client address for every process
 * that shares the database (PostgreSQL: any number of instances may serve
 * one database). false when one process owns it (SQLite): then
 * store_address_take counts nothing and the caller's memory is the rule. */
bool store_counts_addresses(const store *s);

/* Times in ms; retry_after in whole seconds. In one transaction: counts one
 * event for key (callers prefix it with what it counts, "register:") at
 * now, unless key already had max events in the window ending at now: then
 * STATUS_RATE_LIMITED with *retry_after (until the oldest event that counts
 * leaves the window, at least 1 s) and nothing counted. Callers of one key
 * run one at a time, each seeing those before it, in every process; other
 * keys never wait for them. Also forgets some events whose window is over,
 * of any key. STATUS_INVALID for an empty or longer key, window <= 0 or
 * max < 1; STATUS_OK, counting nothing, when the backend keeps no such
 * counts (store_counts_addresses). */
status store_address_take(store_conn *c, const char *key, int64_t now, int64_t window, int max,
			  int64_t *retry_after);

/* tasks --------------------------------------------------------------- */

/* Inserts a task owned by user_id; created_at = updated_at = now.
 * STATUS_NOT_FOUND when the user no longer exists. */
status store_task_create(store_conn *c, const char *user_id, const char *title, const char *description,
			 bool completed, int64_t now, struct task *out);

/* STATUS_NOT_FOUND when no task has that id for that user. */
status store_task_get(store_conn *c, const char *user_id, int64_t id, struct task *out);

/* Applies p; updated_at becomes max(now, previous updated_at + 1 ms) so it
 * always moves forward. STATUS_NOT_FOUND. */
status store_task_update(store_conn *c, const char *user_id, int64_t id, const struct task_patch *p,
			 int64_t now, struct task *out);

/* STATUS_NOT_FOUND when there was nothing to delete. */
status store_task_delete(store_conn *c, const char *user_id, int64_t id);

/* Visits the page q selects of the user's tasks matching q's filter and text
 * (order ties broken by id), then writes how many match in all to *total
 * (only on STATUS_OK). The text matches title or description as a literal
 * substring, ASCII letters case-insensitively; the title sort folds ASCII
 * case too. STATUS_INVALID for a query out of range. */
status store_task_list(store_conn *c, const char *user_id, const struct task_query *q, int64_t *total,
		       task_visit_fn visit, void *arg);

/* group commit ------------------------------------------------------- */

/* A task write handed to the store's writer thread (store_write_submit):
 * the arguments of store_task_create, store_task_update or
 * store_task_delete, and room for the outcome. The caller owns it, and the
 * strings it points to, until done is called. */
enum store_write_kind {
	STORE_WRITE_TASK_CREATE,
	STORE_WRITE_TASK_UPDATE,
	STORE_WRITE_TASK_DELETE,
};

struct store_write {
	enum store_write_kind kind;
	const char *user_id;
	int64_t id;              /* update, delete */
	const char *title;       /* create */
	const char *description; /* create; NULL: none */
	bool completed;          /* create */
	struct task_patch patch; /* update */
	int64_t now;             /* create, update */
	/* the outcome: what the function of that name would have answered,
	 * and its task (create, update) on STATUS_OK */
	status result;
	struct task task;
	/* Called once, on the writer thread, when result is final: after the
	 * commit of the transaction that holds the write succeeded, or with
	 * that commit's failure. The store never touches w after the call. */
	void (*done)(struct store_write *w);
	void *arg;                /* the caller's */
	struct store_write *next; /* the store's */
};

/* true when s runs task writes in batches (SQLite, whose database takes one
 * writer at a time): store_write_submit then queues them for one writer
 * thread, which runs every write waiting, up to a batch's limit, in one
 * transaction (a savepoint each, so a write that fails rolls back alone)
 * and commits once. false for backends that take concurrent writers
 * (PostgreSQL): write on the caller's connection (store_write_run). */
bool store_batches_writes(const store *s);

/* Queues w (see store_batches_writes); w->done is then called exactly once,
 * from the writer thread. STATUS_INVALID for arguments the function of that
 * name would refuse or no done, STATUS_UNAVAILABLE when s does not batch or its writer
 * has stopped, STATUS_INTERNAL when the thread cannot start: w->done is
 * then never called. */
status store_write_submit(store *s, struct store_write *w);

/* Runs w at once on c, in a transaction of its own, like the function of
 * that name; sets w->result (and w->task) and returns it. Never calls
 * w->done. */
status store_write_run(store_conn *c, struct store_write *w);

/* Runs and answers every queued write, then stops the writer thread: later
 * submissions get STATUS_UNAVAILABLE. Idempotent; store_close calls it. */
void store_writer_stop(store *s);

/* A mark of the database's content that changes with every commit, by any
 * connection of any process, and is read without a transaction: an answer
 * computed from the database after the mark was read may be reused for as
 * long as the mark stays the same. Backends that can tell opt in (SQLite:
 * the WAL index header); the others never do, and nothing is kept. */
#define STORE_VERSION_BYTES 48
struct store_version {
	unsigned char b[STORE_VERSION_BYTES];
};

/* true with *out set when c's backend can tell now; false otherwise. */
bool store_data_version(store_conn *c, struct store_version *out);

#endif
