/* workpool.h: a small bounded pool of threads for slow work (password
 * hashing), so that it never runs on an HTTP thread. The queue is bounded:
 * when it is full, submitting fails at once and the caller answers 503.
 * Knows nothing of HTTP; the job itself resumes whatever waits for it. */
#ifndef TODOD_WORKPOOL_H
#define TODOD_WORKPOOL_H

#include "core/status.h"

typedef struct workpool workpool;

/* Runs on a pool thread; owns nothing of the pool. */
typedef void (*workpool_fn)(void *arg);

/* Starts threads workers (at lower CPU priority than the caller) with room
 * for queue_max waiting jobs. *out is freed with workpool_free.
 * STATUS_NOMEM or STATUS_INTERNAL (threads could not start). */
status workpool_new(unsigned threads, unsigned queue_max, workpool **out);

/* Queues fn(arg). STATUS_UNAVAILABLE when the queue is full or the pool is
 * stopping; fn is then never called. */
status workpool_submit(workpool *p, workpool_fn fn, void *arg);

/* Runs every job already queued, then stops and joins the threads and frees
 * p. Accepts NULL. */
void workpool_free(workpool *p);

#endif
