/* store.c: the backend-independent half of the store.
 * Picks a backend from the url, keeps one reading connection per thread (a
 * thread-local cache in front of a mutex-guarded registry, so a read takes
 * no lock of ours), sends every write through the one writer connection
 * under the write lock when the backend serializes writes (the task writes
 * queued for the writer thread go through batch.c), checks the arguments
 * store.h bounds, and dispatches every call through the backend's
 * store_ops. SQL and its errors are the backends' (sqlite.c, postgres.c). */
#include "store/store_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

static _Atomic uint64_t last_serial;

/* This thread's connection to the store numbered serial. Serials are never
 * reused, so an entry left behind by a closed store never matches again. */
static _Thread_local struct {
	uint64_t serial;
	struct store_conn *conn;
} cached;

/* The end of this thread's budget (ms clock), 0 when it has none. */
static _Thread_local int64_t budget_end;

void store_budget_begin(int64_t ms)
{
	budget_end = clock_mono_us() / 1000 + (ms > 0 ? ms : 0);
}

void store_budget_end(void)
{
	budget_end = 0;
}

int64_t store_deadline_ms(void)
{
	return budget_end ? budget_end : clock_mono_us() / 1000 + STORE_BUDGET_MS;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Chooses the backend for url and the target it is given. */
static status parse_url(const char *url, const struct store_ops **ops, const char **target)
{
	if (!url)
		return STATUS_INVALID;
	if (starts_with(url, "sqlite:") && url[strlen("sqlite:")] != '\0') {
		*ops = &store_sqlite_ops;
		*target = url + strlen("sqlite:");
		return STATUS_OK;
	}
	/* libpq reads the url itself, parameters included, or its key=value
	 * form (no ':' there, so never a url of another scheme). */
	if (starts_with(url, "postgres://") || starts_with(url, "postgresql://") ||
	    (strchr(url, '=') && !strchr(url, ':'))) {
		*ops = &store_postgres_ops;
		*target = url;
		return STATUS_OK;
	}
	return STATUS_INVALID;
}

/* A store with no connection yet, or NULL when memory runs out. Each
 * failure undoes what was made before it, in reverse. */
static store *store_new(const struct store_ops *ops, const char *target)
{
	store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->target = strdup(target);
	if (!s->target)
		goto no_target;
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		goto no_target;
	if (pthread_mutex_init(&s->write_lock, NULL) != 0)
		goto no_write_lock;
	if (pthread_mutex_init(&s->queue_lock, NULL) != 0)
		goto no_queue_lock;
	if (pthread_cond_init(&s->queue_wake, NULL) != 0)
		goto no_queue_wake;
	s->ops = ops;
	s->serial = atomic_fetch_add(&last_serial, 1) + 1;
	return s;

no_queue_wake:
	pthread_mutex_destroy(&s->queue_lock);
no_queue_lock:
	pthread_mutex_destroy(&s->write_lock);
no_write_lock:
	pthread_mutex_destroy(&s->lock);
no_target:
	free(s->target);
	free(s);
	return NULL;
}

status store_open(const char *url, store **out)
{
	const struct store_ops *ops = NULL;
	const char *target = NULL;
	struct store_conn *first = NULL;
	store *s = NULL;
	status rv = parse_url(url, &ops, &target);

	if (rv != STATUS_OK)
		return rv;
	s = store_new(ops, target);
	if (!s)
		return STATUS_NOMEM;
	/* Opening the writer (or else the caller's connection) now reports a
	 * bad path at once. */
	if (ops->serialize_writes) {
		rv = ops->conn_open(s->target, &s->writer);
		if (rv != STATUS_OK) {
			store_close(s);
			return rv;
		}
		s->writer->write_lock = &s->write_lock;
	}
	if (ops->background_start) {
		rv = ops->background_start(s->target, &s->background);
		if (rv != STATUS_OK) {
			store_close(s);
			return rv;
		}
	}
	rv = store_conn_get(s, &first);
	if (rv != STATUS_OK) {
		store_close(s);
		return rv;
	}
	*out = s;
	return STATUS_OK;
}

void store_close(store *s)
{
	struct store_conn *c, *next;

	if (!s)
		return;
	store_writer_stop(s);
	for (c = s->conns; c; c = next) {
		next = c->next;
		s->ops->conn_close(c);
	}
	if (s->writer)
		s->ops->conn_close(s->writer);
	if (s->background)
		s->ops->background_stop(s->background);
	if (cached.serial == s->serial) {
		cached.serial = 0;
		cached.conn = NULL;
	}
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->write_lock);
	pthread_cond_destroy(&s->queue_wake);
	pthread_mutex_destroy(&s->queue_lock);
	free(s->target);
	free(s);
}

static struct store_conn *registry_find(store *s, pthread_t self)
{
	struct store_conn *c;

	pthread_mutex_lock(&s->lock);
	for (c = s->conns; c; c = c->next)
		if (pthread_equal(c->thread, self))
			break;
	pthread_mutex_unlock(&s->lock);
	return c;
}

/* A thread id may be reused after its thread exits; the new thread then
 * inherits the connection, which nobody else can be using. */
status store_conn_get(store *s, store_conn **out)
{
	pthread_t self = pthread_self();
	struct store_conn *c;
	status rv;

	if (cached.serial == s->serial) {
		*out = cached.conn;
		return STATUS_OK;
	}
	c = registry_find(s, self);
	if (!c) {
		/* Opened outside the lock: only this thread adds its own entry. */
		rv = s->ops->conn_open(s->target, &c);
		if (rv != STATUS_OK)
			return rv;
		c->thread = self;
		c->write_lock = s->ops->serialize_writes ? &s->write_lock : NULL;
		c->writer = s->writer;
		pthread_mutex_lock(&s->lock);
		c->next = s->conns;
		s->conns = c;
		pthread_mutex_unlock(&s->lock);
	}
	cached.serial = s->serial;
	cached.conn = c;
	*out = c;
	return STATUS_OK;
}

status store_migrate(store *s)
{
	struct store_conn *c = s->writer;
	status rv = STATUS_OK;

	if (!c)
		rv = store_conn_get(s, &c);
	if (rv != STATUS_OK)
		return rv;
	if (c->write_lock)
		pthread_mutex_lock(c->write_lock);
	rv = c->ops->migrate(c);
	if (c->write_lock)
		pthread_mutex_unlock(c->write_lock);
	return rv;
}

status store_ping(store_conn *c)
{
	return c->ops->ping(c);
}

/* True when s is a string of min..max bytes. */
static bool text_fits(const char *s, size_t min, size_t max)
{
	size_t len;

	if (!s)
		return false;
	len = strnlen(s, max + 1);
	return len >= min && len <= max;
}

/* True when the fixed-size field holds a NUL-terminated string of at least
 * min bytes. */
static bool field_fits(const char *field, size_t size, size_t min)
{
	return text_fits(field, min, size - 1);
}

/* Brackets a write when the backend wants writes serialized: takes the
 * write lock and hands out the connection the write goes through. */
static store_conn *write_begin(store_conn *c)
{
	if (c->write_lock)
		pthread_mutex_lock(c->write_lock);
	return c->writer ? c->writer : c;
}

static status write_end(store_conn *c, status st)
{
	if (c->write_lock)
		pthread_mutex_unlock(c->write_lock);
	return st;
}

/* users --------------------------------------------------------------- */

status store_user_create(store_conn *c, const struct user *u, const char *sid, int64_t session_expires)
{
	if (!u || !field_fits(u->id, sizeof(u->id), 1) || !field_fits(u->email, sizeof(u->email), 1) ||
	    !field_fits(u->name, sizeof(u->name), 0) ||
	    !field_fits(u->password_hash, sizeof(u->password_hash), 0) || !text_fits(sid, 1, STORE_SID_BYTES))
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->user_create(w, u, sid, session_expires));
}

status store_user_by_email(store_conn *c, const char *email, struct user *out)
{
	if (!email)
		return STATUS_INVALID;
	return c->ops->user_by_email(c, email, out);
}

status store_user_by_id(store_conn *c, const char *id, struct user *out)
{
	if (!id)
		return STATUS_INVALID;
	return c->ops->user_by_id(c, id, out);
}

status store_user_set_password_hash(store_conn *c, const char *id, const char *hash)
{
	if (!id || !text_fits(hash, 0, LIMIT_HASH_BYTES))
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->user_set_password_hash(w, id, hash));
}

/* sessions ------------------------------------------------------------ */

status store_session_create(store_conn *c, const char *sid, const char *user_id, int64_t created,
			    int64_t expires)
{
	if (!text_fits(sid, 1, STORE_SID_BYTES) || !text_fits(user_id, 1, UUID_BYTES))
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->session_create(w, sid, user_id, created, expires));
}

status store_session_check(store_conn *c, const char *sid, const char *user_id, int64_t now)
{
	if (!text_fits(sid, 1, STORE_SID_BYTES) || !text_fits(user_id, 1, UUID_BYTES))
		return STATUS_UNAUTHORIZED;
	return c->ops->session_check(c, sid, user_id, now);
}

status store_session_revoke(store_conn *c, const char *sid, int64_t now)
{
	if (!text_fits(sid, 1, STORE_SID_BYTES))
		return STATUS_OK; /* no such session can exist */
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->session_revoke(w, sid, now));
}

/* login rate limit ---------------------------------------------------- */

status store_login_reserve(store_conn *c, const char *email_key, const char *client_key, int64_t now,
			   int64_t window, int max_email, int max_client, int64_t *attempt,
			   int64_t *retry_after)
{
	if (!email_key || !*email_key || !client_key || !*client_key || window <= 0 || max_email < 1 ||
	    max_client < 1 || !retry_after)
		return STATUS_INVALID;
	if (!attempt) /* a check only: reads */
		return c->ops->login_reserve(c, email_key, client_key, now, window, max_email, max_client, NULL,
					     retry_after);
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->login_reserve(w, email_key, client_key, now, window, max_email, max_client,
						  attempt, retry_after));
}

status store_login_succeeded(store_conn *c, const char *email_key, int64_t attempt)
{
	if (!email_key)
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->login_succeeded(w, email_key, attempt));
}

/* limits per client address ------------------------------------------ */

bool store_counts_addresses(const store *s)
{
	return s && s->ops->address_take;
}

status store_address_take(store_conn *c, const char *key, int64_t now, int64_t window, int max,
			  int64_t *retry_after)
{
	if (!text_fits(key, 1, STORE_KEY_BYTES) || window <= 0 || max < 1 || !retry_after)
		return STATUS_INVALID;
	if (!c->ops->address_take)
		return STATUS_OK;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->address_take(w, key, now, window, max, retry_after));
}

/* tasks --------------------------------------------------------------- */

static bool task_create_fits(const char *user_id, const char *title, const char *description)
{
	return text_fits(user_id, 1, UUID_BYTES) && text_fits(title, 1, LIMIT_TITLE_BYTES) &&
	       (!description || text_fits(description, 0, LIMIT_DESCRIPTION_BYTES));
}

static bool task_patch_fits(const char *user_id, const struct task_patch *p)
{
	return user_id && p && (!p->title || text_fits(p->title, 1, LIMIT_TITLE_BYTES)) &&
	       (!p->set_description || !p->description ||
		text_fits(p->description, 0, LIMIT_DESCRIPTION_BYTES)) &&
	       (unsigned)p->completed <= TASK_COMPLETED_TOGGLE;
}

status store_task_create(store_conn *c, const char *user_id, const char *title, const char *description,
			 bool completed, int64_t now, struct task *out)
{
	if (!task_create_fits(user_id, title, description) || !out)
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->task_create(w, user_id, title, description, completed, now, out));
}

status store_task_get(store_conn *c, const char *user_id, int64_t id, struct task *out)
{
	if (!user_id)
		return STATUS_INVALID;
	return c->ops->task_get(c, user_id, id, out);
}

status store_task_update(store_conn *c, const char *user_id, int64_t id, const struct task_patch *p,
			 int64_t now, struct task *out)
{
	if (!task_patch_fits(user_id, p) || !out)
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->task_update(w, user_id, id, p, now, out));
}

status store_task_delete(store_conn *c, const char *user_id, int64_t id)
{
	if (!user_id)
		return STATUS_INVALID;
	store_conn *w = write_begin(c);
	return write_end(c, w->ops->task_delete(w, user_id, id));
}

status store_task_list(store_conn *c, const char *user_id, const struct task_query *q, int64_t *total,
		       task_visit_fn visit, void *arg)
{
	if (!user_id || !q || !total || !visit || (unsigned)q->filter > TASK_FILTER_COMPLETED ||
	    (unsigned)q->sort > TASK_SORT_TITLE || q->limit < 1 || q->limit > LIMIT_PAGE_MAX ||
	    q->offset < 0 || q->offset > LIMIT_OFFSET_MAX || !field_fits(q->text, sizeof(q->text), 0))
		return STATUS_INVALID;
	return c->ops->task_list(c, user_id, q, total, visit, arg);
}

/* group commit: the queue and the writer thread are batch.c's ----------- */

status store_write_check(const struct store_write *w)
{
	switch (w->kind) {
	case STORE_WRITE_TASK_CREATE:
		return task_create_fits(w->user_id, w->title, w->description) ? STATUS_OK : STATUS_INVALID;
	case STORE_WRITE_TASK_UPDATE: return task_patch_fits(w->user_id, &w->patch) ? STATUS_OK : STATUS_INVALID;
	case STORE_WRITE_TASK_DELETE: return w->user_id ? STATUS_OK : STATUS_INVALID;
	}
	return STATUS_INVALID;
}

status store_write_apply(struct store_conn *c, struct store_write *w)
{
	status st = store_write_check(w);

	if (st != STATUS_OK)
		return st;
	switch (w->kind) {
	case STORE_WRITE_TASK_CREATE:
		return c->ops->task_create(c, w->user_id, w->title, w->description, w->completed, w->now, &w->task);
	case STORE_WRITE_TASK_UPDATE: return c->ops->task_update(c, w->user_id, w->id, &w->patch, w->now, &w->task);
	case STORE_WRITE_TASK_DELETE: return c->ops->task_delete(c, w->user_id, w->id);
	}
	return STATUS_INVALID;
}

status store_write_run(store_conn *c, struct store_write *w)
{
	store_conn *wc = write_begin(c);

	w->result = write_end(c, store_write_apply(wc, w));
	return w->result;
}

status store_write_submit(store *s, struct store_write *w)
{
	status st = store_write_check(w);

	return st == STATUS_OK ? store_queue_push(s, w) : st;
}

bool store_data_version(store_conn *c, struct store_version *out)
{
	return c && out && c->ops->data_version && c->ops->data_version(c, out);
}
