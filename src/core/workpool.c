/* workpool.c: a fixed set of threads draining a bounded ring of jobs.
 * Workers run under SCHED_IDLE (falling back to nice 19): they take only
 * CPU time nothing else wants, and an HTTP thread that wakes up preempts
 * them at once, so a storm of slow jobs cannot slow the other requests. */
#include "core/workpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define WORKER_NICE 19

struct job {
	workpool_fn fn;
	void *arg;
};

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct job *ring;
	unsigned cap, head, count;
	bool stopping;
	unsigned nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	workpool *p = arg;

	/* Per-thread on Linux: only this worker gets the lower priority. */
	struct sched_param idle = {0};
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) != 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), WORKER_NICE);
	for (;;) {
		struct job j;

		pthread_mutex_lock(&p->lock);
		while (p->count == 0 && !p->stopping)
			pthread_cond_wait(&p->ready, &p->lock);
		if (p->count == 0) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		j = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);
		j.fn(j.arg);
	}
}

status workpool_new(unsigned threads, unsigned queue_max, workpool **out)
{
	workpool *p = calloc(1, sizeof(*p));

	if (!p)
		return STATUS_NOMEM;
	p->cap = queue_max ? queue_max : 1;
	p->ring = calloc(p->cap, sizeof(*p->ring));
	p->threads = calloc(threads ? threads : 1, sizeof(*p->threads));
	if (!p->ring || !p->threads) {
		free(p->ring);
		free(p->threads);
		free(p);
		return STATUS_NOMEM;
	}
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

status workpool_submit(workpool *p, workpool_fn fn, void *arg)
{
	status st = STATUS_UNAVAILABLE;

	pthread_mutex_lock(&p->lock);
	if (!p->stopping && p->count < p->cap) {
		p->ring[(p->head + p->count) % p->cap] = (struct job){fn, arg};
		p->count++;
		pthread_cond_signal(&p->ready);
		st = STATUS_OK;
	}
	pthread_mutex_unlock(&p->lock);
	return st;
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
	free(p->ring);
	free(p);
}
