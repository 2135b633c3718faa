/* workpool.h: a small bounded pool of threads for slow work (password
 * hashing), so that it never runs on an HTTP thread, shared fairly between
 * keys (client addresses): each key has its own lane of at most
 * per_key_max waiting jobs, and the workers take one job from each waiting
 * lane in turn, so one key's backlog delays another key's job by at most
 * one job per other key. Knows nothing of HTTP; the job itself resumes
 * whatever waits for it. */
#ifndef TODOD_WORKPOOL_H
#define TODOD_WORKPOOL_H

#include "core/status.h"

#include <stdbool.h>

typedef struct workpool workpool;

/* Runs on a pool thread; owns nothing of the pool. cancelled: the pool was
 * cancelled (workpool_cancel) before the job's turn came, so the job does
 * none of its slow work and only lets whatever waits for it go on. */
typedef void (*workpool_fn)(void *arg, bool cancelled);

#define WORKPOOL_KEY_BYTES 64 /* longer keys are cut */
#define WORKPOOL_NICE 0       /* workers' nice level: the HTTP threads' */

/* Starts threads workers (at nice WORKPOOL_NICE) with room for queue_max waiting jobs in all, at most
 * per_key_max of them for one key. *out is freed with workpool_free.
 * STATUS_NOMEM or STATUS_INTERNAL (threads could not start). */
status workpool_new(unsigned threads, unsigned queue_max, unsigned per_key_max, workpool **out);

/* Queues fn(arg) in key's lane. STATUS_RATE_LIMITED when key already has
 * per_key_max jobs waiting or the whole queue is full (try again later);
 * STATUS_UNAVAILABLE when the pool is stopping. fn is then never called. */
status workpool_submit(workpool *p, const char *key, workpool_fn fn, void *arg);

/* From now on the jobs still waiting, and any submitted later, run
 * cancelled: a stop that cannot wait for a full queue of hashes (up to
 * queue_max of them, tens of milliseconds each) answers them at once.
 * Accepts NULL. */
void workpool_cancel(workpool *p);

/* Runs every job already queued, then stops and joins the threads and frees
 * p. Accepts NULL. */
void workpool_free(workpool *p);

#endif
