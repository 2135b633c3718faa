/* store_int.h: what the store's backends share; nothing outside src/store
 * includes it. store.c owns the handle, the per-thread connection registry
 * and argument checks; a backend owns its connections and its SQL, reached
 * only through its struct store_ops. Each backend connection embeds a
 * struct store_conn as its first member. Tests include it too. */
#ifndef TODOD_STORE_INT_H
#define TODOD_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* The steps of a batch (batch.c): BEGIN opens its write transaction;
 * each job runs between JOB_BEGIN (a savepoint) and JOB_KEEP (released)
 * or JOB_UNDO (rolled back to, then released), then COMMIT; ROLLBACK ends
 * the transaction when anything failed, and does nothing when none is
 * open. TIDY comes after every job of the batch has been answered: the
 * backend's upkeep that need not delay them (SQLite: the checkpoint that
 * lets the WAL start over). JOB_UNDO answers STATUS_UNAVAILABLE when the database has already
 * abandoned the whole transaction (a write error), so the batch fails. */
enum store_batch_step {
	STORE_BATCH_BEGIN,
	STORE_BATCH_JOB_BEGIN,
	STORE_BATCH_JOB_KEEP,
	STORE_BATCH_JOB_UNDO,
	STORE_BATCH_COMMIT,
	STORE_BATCH_ROLLBACK,
	STORE_BATCH_TIDY,
};

/* One entry per operation of store.h, called by store.c once the arguments
 * are checked (strings non-NULL and within the limits of limits.h, query in
 * range). Same meaning and statuses as the public function of that name. */
struct store_ops {
	const char *name; /* "sqlite" */
	/* true: writes from this process are serialized by store.c, since the
	 * database takes one writer at a time and its busy handler only sleeps
	 * (SQLite); the backend's own locking then only meets other processes. */
	bool serialize_writes;

	/* Opens a connection to target (the backend's part of the url) and
	 * hands out its embedded struct store_conn; conn_close frees it. */
	status (*conn_open)(const char *target, struct store_conn **out);
	void (*conn_close)(struct store_conn *c);

	/* Optional (NULL when the backend has none): starts the backend's
	 * background work for target (SQLite: the WAL checkpointer) and stops
	 * it. store_open starts it before any connection opens; store_close
	 * stops it after every connection is closed. */
	status (*background_start)(const char *target, void **out);
	void (*background_stop)(void *background);

	status (*migrate)(struct store_conn *c);
	status (*ping)(struct store_conn *c);

	status (*user_create)(struct store_conn *c, const struct user *u, const char *sid,
			      int64_t session_expires);
	status (*user_by_email)(struct store_conn *c, const char *email, struct user *out);
	status (*user_by_id)(struct store_conn *c, const char *id, struct user *out);
	status (*user_set_password_hash)(struct store_conn *c, const char *id, const char *hash);

	status (*session_create)(struct store_conn *c, const char *sid, const char *user_id, int64_t created,
				 int64_t expires);
	status (*session_check)(struct store_conn *c, const char *sid, const char *user_id, int64_t now);
	status (*session_revoke)(struct store_conn *c, const char *sid, int64_t now);

	status (*login_reserve)(struct store_conn *c, const char *email_key, const char *client_key,
				int64_t now, int64_t window, int max_email, int max_client, int64_t *attempt,
				int64_t *retry_after);
	status (*login_succeeded)(struct store_conn *c, const char *email_key, int64_t attempt);

	/* Optional (NULL when one process owns the database and the
	 * caller's memory counts): see store_address_take. */
	status (*address_take)(struct store_conn *c, const char *key, int64_t now, int64_t window, int max,
			       int64_t *retry_after);

	status (*task_create)(struct store_conn *c, const char *user_id, const char *title,
			      const char *description, bool completed, int64_t now, struct task *out);
	status (*task_get)(struct store_conn *c, const char *user_id, int64_t id, struct task *out);
	status (*task_update)(struct store_conn *c, const char *user_id, int64_t id,
			      const struct task_patch *p, int64_t now, struct task *out);
	status (*task_delete)(struct store_conn *c, const char *user_id, int64_t id);
	status (*task_list)(struct store_conn *c, const char *user_id, const struct task_query *q,
			    int64_t *total, task_visit_fn visit, void *arg);
	/* Optional (NULL: the backend cannot tell, nothing is kept): see
	 * store_data_version. */
	bool (*data_version)(struct store_conn *c, struct store_version *out);
	/* Optional, with serialize_writes (NULL: no group commit): one step of
	 * a batch's transaction on c (see enum store_batch_step). */
	status (*batch_step)(struct store_conn *c, enum store_batch_step step);
	/* Optional, with batch_step: creates the tasks of the n checked
	 * create writes w[0..n) (1 to STORE_BATCH_MAX) at once, inside a
	 * batch's transaction, setting each one's task. STATUS_OK: all were
	 * created. STATUS_CONFLICT: one was refused and none was created; the
	 * transaction goes on (store_batch_run runs them one by one, each
	 * with its own outcome). Any other status: the batch has failed. */
	status (*task_create_many)(struct store_conn *c, struct store_write *const *w, unsigned n);
};

/* The part of every connection that store.c sees. The backend sets ops;
 * store.c sets the rest when it registers the connection. */
struct store_conn {
	const struct store_ops *ops;
	pthread_t thread;        /* the thread it was opened for */
	pthread_mutex_t *write_lock; /* the store's, when writes are serialized */
	struct store_conn *writer; /* where this thread's writes go: the store's */
	struct store_conn *next; /* in store.conns */
};

struct store {
	const struct store_ops *ops;
	uint64_t serial;          /* unique per process: keys the thread caches */
	char *target;             /* handed to ops->conn_open; owned */
	pthread_mutex_t lock;     /* guards conns */
	pthread_mutex_t write_lock; /* one writer at a time (serialize_writes) */
	struct store_conn *conns; /* every open connection, one per thread */
	/* With serialize_writes: the one connection every write goes through,
	 * holding write_lock (its page cache stays warm between writes); each
	 * thread reads on its own connection. NULL otherwise. */
	struct store_conn *writer;
	void *background; /* ops->background_start's, or NULL */
	/* Group commit (batch.c), when the backend serializes writes and has
	 * batch_step: writes queued for the writer thread, started at the
	 * first submission. queue_lock guards the queue and the flags. */
	pthread_mutex_t queue_lock;
	pthread_cond_t queue_wake;
	struct store_write *queue_head, *queue_tail;
	bool writer_started, writer_stopping;
	pthread_t writer_thread;
};

/* The end (ms, clock_mono_us / 1000) of an operation starting now: the
 * thread's budget's (store_budget_begin), else now + STORE_BUDGET_MS. */
int64_t store_deadline_ms(void);

/* The most writes one batch takes (batch.c); more wait for the next. */
#define STORE_BATCH_MAX 64

/* Runs the jobs of the list first (at most STORE_BATCH_MAX are expected,
 * linked by next) on c, which must be the writer, in one transaction of
 * the backend's batch_step, each in a savepoint: a job that fails rolls
 * back alone and keeps its status; when the transaction cannot begin, be
 * kept or commit, every job gets that failure and nothing is kept. Sets
 * each job's result (and task); calls no done. The caller holds the write
 * lock. */
void store_batch_run(struct store_conn *c, struct store_write *first);

/* Queues a checked w for the writer thread, starting it when it has not
 * started (batch.c); the statuses of store_write_submit. */
status store_queue_push(store *s, struct store_write *w);

/* STATUS_OK when w's arguments are ones the function of that name would
 * take, else its refusal (STATUS_INVALID). */
status store_write_check(const struct store_write *w);

/* Checks w's arguments like the function of that name and runs it on c,
 * without the write lock or a transaction of its own (batch.c, store.c). */
status store_write_apply(struct store_conn *c, struct store_write *w);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgres_ops;

/* A libpq connection (PGconn is libpq's struct pg_conn) to the postgres url,
 * with the backend's timeouts and keepalives, for work outside the per-thread
 * connections (copy.c); NULL when it cannot be opened. PQfinish it. */
struct pg_conn *postgres_connect(const char *url);

/* The SQL of the SQLite task list's count and page statements, i from 0
 * until NULL, for tests of their query plans. *search_index: whether it
 * takes its rows from the search index (and so sorts them). */
const char *store_sqlite_list_sql(unsigned i, bool *search_index);

#endif
