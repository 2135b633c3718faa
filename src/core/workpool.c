/* workpool.c: a fixed set of threads serving lanes of jobs, one lane per
 * key, round-robin. Workers run at nice WORKPOOL_NICE, the HTTP threads'
 * priority: what bounds hashing's share of the CPU is the number of workers
 * (one on 2 cores), not a lower priority. SCHED_IDLE gave them nothing and
 * nice 5 little, and a sign-in under load waited seconds either way. */
#include "core/workpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct job {
	workpool_fn fn;
	void *arg;
};

struct lane {
	char key[WORKPOOL_KEY_BYTES]; /* meaningful while count > 0 */
	struct job *jobs;             /* ring of per_key_max */
	unsigned head, count;
};

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct lane *lanes; /* queue_max of them: enough for one job per key */
	struct job *jobs;   /* the lanes' rings, in one block */
	unsigned nlanes, per_key, total, cap;
	unsigned cursor;    /* the lane served last */
	bool stopping;
	bool cancelled; /* workpool_cancel: jobs run from now on are cancelled */
	unsigned nthreads;
	pthread_t *threads;
};

/* The next waiting job after the lane served last; the lock is held. */
static bool take(workpool *p, struct job *out)
{
	for (unsigned i = 1; i <= p->nlanes; i++) {
		unsigned idx = (p->cursor + i) % p->nlanes;
		struct lane *l = &p->lanes[idx];
		if (l->count == 0)
			continue;
		*out = l->jobs[l->head];
		l->head = (l->head + 1) % p->per_key;
		l->count--;
		p->total--;
		p->cursor = idx;
		return true;
	}
	return false;
}

static void *worker(void *arg)
{
	workpool *p = arg;

	/* Per-thread on Linux: only this worker's priority is set. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), WORKPOOL_NICE);
	for (;;) {
		struct job j;
		bool cancelled;

		pthread_mutex_lock(&p->lock);
		while (p->total == 0 && !p->stopping)
			pthread_cond_wait(&p->ready, &p->lock);
		if (!take(p, &j)) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		cancelled = p->cancelled;
		pthread_mutex_unlock(&p->lock);
		j.fn(j.arg, cancelled);
	}
}

status workpool_new(unsigned threads, unsigned queue_max, unsigned per_key_max, workpool **out)
{
	workpool *p = calloc(1, sizeof(*p));

	if (!p)
		return STATUS_NOMEM;
	p->cap = queue_max ? queue_max : 1;
	p->per_key = per_key_max ? per_key_max : 1;
	p->nlanes = p->cap;
	p->lanes = calloc(p->nlanes, sizeof(*p->lanes));
	p->jobs = calloc((size_t)p->nlanes * p->per_key, sizeof(*p->jobs));
	p->threads = calloc(threads ? threads : 1, sizeof(*p->threads));
	if (!p->lanes || !p->jobs || !p->threads) {
		free(p->lanes);
		free(p->jobs);
		free(p->threads);
		free(p);
		return STATUS_NOMEM;
	}
	for (unsigned i = 0; i < p->nlanes; i++)
		p->lanes[i].jobs = p->jobs + (size_t)i * p->per_key;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->ready, NULL);
	for (unsigned i = 0; i < (threads ? threads : 1); i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
			workpool_free(p);
			return STATUS_INTERNAL;
		}
		p->nthreads++;
	}
	*out = p;
	return STATUS_OK;
}

/* key's lane when it has jobs waiting, else an empty lane made key's. */
static struct lane *lane_of(workpool *p, const char *key)
{
	struct lane *empty = NULL;

	for (unsigned i = 0; i < p->nlanes; i++) {
		struct lane *l = &p->lanes[i];
		if (l->count == 0) {
			if (!empty)
				empty = l;
		} else if (strncmp(l->key, key, sizeof(l->key) - 1) == 0) {
			return l;
		}
	}
	if (empty) {
		size_t n = strnlen(key, sizeof(empty->key) - 1);
		memcpy(empty->key, key, n);
		empty->key[n] = '\0';
		empty->head = 0;
	}
	return empty;
}

status workpool_submit(workpool *p, const char *key, workpool_fn fn, void *arg)
{
	status st = STATUS_RATE_LIMITED;

	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		st = STATUS_UNAVAILABLE;
	} else if (p->total < p->cap) {
		struct lane *l = lane_of(p, key ? key : "");
		if (l && l->count < p->per_key) {
			l->jobs[(l->head + l->count) % p->per_key] = (struct job){fn, arg};
			l->count++;
			p->total++;
			pthread_cond_signal(&p->ready);
			st = STATUS_OK;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return st;
}

void workpool_cancel(workpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->cancelled = true;
	pthread_mutex_unlock(&p->lock);
}

void workpool_free(workpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->ready);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->ready);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->jobs);
	free(p->lanes);
	free(p);
}
