/* batch.c: group commit, for backends whose database takes one writer at a
 * time (SQLite). HTTP threads queue task writes; one writer thread takes
 * every write waiting (up to STORE_BATCH_MAX), runs them on the writer
 * connection in one transaction, a savepoint each, commits once and only
 * then hands each write its outcome. A commit writes the pages the whole
 * batch touched once, and the search index one segment, instead of once
 * per write. The SQL of each step is the backend's (batch_step). */
#include "store/store_int.h"

#include <stdlib.h>

bool store_batches_writes(const store *s)
{
	return s && s->writer && s->ops->serialize_writes && s->ops->batch_step;
}

/* The batch's creates, when the backend creates several at once: all of
 * them in one call (task_create_many), marked in grouped by their place in
 * the list once created. Writes are answered only after the commit, so
 * every write of a batch was in flight at once and any order of them is
 * one the clients could have seen: the creates go first. STATUS_OK also
 * when the backend refused the group (each then runs alone). */
static status create_group(struct store_conn *c, struct store_write *first, bool grouped[STORE_BATCH_MAX])
{
	struct store_write *creates[STORE_BATCH_MAX];
	unsigned at[STORE_BATCH_MAX];
	unsigned n = 0, i = 0;
	status st;

	for (struct store_write *w = first; w && i < STORE_BATCH_MAX; w = w->next, i++)
		if (w->kind == STORE_WRITE_TASK_CREATE && store_write_check(w) == STATUS_OK) {
			at[n] = i;
			creates[n++] = w;
		}
	if (n < 2)
		return STATUS_OK;
	st = c->ops->task_create_many(c, creates, n);
	if (st != STATUS_OK)
		return st == STATUS_CONFLICT ? STATUS_OK : st;
	for (unsigned k = 0; k < n; k++) {
		creates[k]->result = STATUS_OK;
		grouped[at[k]] = true;
	}
	return STATUS_OK;
}

void store_batch_run(struct store_conn *c, struct store_write *first)
{
	status failed = c->ops->batch_step(c, STORE_BATCH_BEGIN);
	bool grouped[STORE_BATCH_MAX] = {false};
	struct store_write *w;
	unsigned i = 0;

	if (failed == STATUS_OK && c->ops->task_create_many)
		failed = create_group(c, first, grouped);
	for (w = first; w && failed == STATUS_OK; w = w->next, i++) {
		if (i < STORE_BATCH_MAX && grouped[i])
			continue;
		failed = c->ops->batch_step(c, STORE_BATCH_JOB_BEGIN);
		if (failed != STATUS_OK)
			break;
		w->result = store_write_apply(c, w);
		failed = c->ops->batch_step(c, w->result == STATUS_OK ? STORE_BATCH_JOB_KEEP
								      : STORE_BATCH_JOB_UNDO);
	}
	if (failed == STATUS_OK)
		failed = c->ops->batch_step(c, STORE_BATCH_COMMIT);
	if (failed == STATUS_OK)
		return;
	(void)c->ops->batch_step(c, STORE_BATCH_ROLLBACK);
	for (w = first; w; w = w->next)
		w->result = failed;
}

/* Takes up to STORE_BATCH_MAX writes off the queue, waiting while it is
 * empty; NULL once it is empty and the writer is stopping. */
static struct store_write *queue_take(store *s)
{
	struct store_write *first, *last;
	unsigned n = 1;

	pthread_mutex_lock(&s->queue_lock);
	while (!s->queue_head && !s->writer_stopping)
		pthread_cond_wait(&s->queue_wake, &s->queue_lock);
	first = last = s->queue_head;
	if (first) {
		while (last->next && n < STORE_BATCH_MAX) {
			last = last->next;
			n++;
		}
		s->queue_head = last->next;
		if (!s->queue_head)
			s->queue_tail = NULL;
		last->next = NULL;
	}
	pthread_mutex_unlock(&s->queue_lock);
	return first;
}

static void *writer_main(void *arg)
{
	store *s = arg;
	struct store_write *batch, *w, *next;

	/* started by an HTTP thread, whose name it would keep */
	(void)pthread_setname_np(pthread_self(), "todod-writer");
	while ((batch = queue_take(s)) != NULL) {
		/* the lock keeps the writes that stay synchronous (users,
		 * sessions, login limits) out of the batch's transaction */
		pthread_mutex_lock(&s->write_lock);
		store_batch_run(s->writer, batch);
		pthread_mutex_unlock(&s->write_lock);
		/* done may free w: its next is read first */
		for (w = batch; w; w = next) {
			next = w->next;
			w->next = NULL;
			w->done(w);
		}
		pthread_mutex_lock(&s->write_lock);
		(void)s->ops->batch_step(s->writer, STORE_BATCH_TIDY);
		pthread_mutex_unlock(&s->write_lock);
	}
	return NULL;
}

status store_queue_push(store *s, struct store_write *w)
{
	status st = STATUS_OK;

	if (!w->done)
		return STATUS_INVALID;
	if (!store_batches_writes(s))
		return STATUS_UNAVAILABLE;
	w->next = NULL;
	pthread_mutex_lock(&s->queue_lock);
	if (s->writer_stopping) {
		st = STATUS_UNAVAILABLE;
	} else if (!s->writer_started) {
		if (pthread_create(&s->writer_thread, NULL, writer_main, s) == 0)
			s->writer_started = true;
		else
			st = STATUS_INTERNAL;
	}
	if (st == STATUS_OK) {
		if (s->queue_tail)
			s->queue_tail->next = w;
		else
			s->queue_head = w;
		s->queue_tail = w;
		pthread_cond_signal(&s->queue_wake);
	}
	pthread_mutex_unlock(&s->queue_lock);
	return st;
}

void store_writer_stop(store *s)
{
	bool join;

	if (!s)
		return;
	pthread_mutex_lock(&s->queue_lock);
	join = s->writer_started && !s->writer_stopping;
	s->writer_stopping = true;
	pthread_cond_signal(&s->queue_wake);
	pthread_mutex_unlock(&s->queue_lock);
	/* the thread answers what is queued before it sees the queue empty */
	if (join)
		pthread_join(s->writer_thread, NULL);
}
