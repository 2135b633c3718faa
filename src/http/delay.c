/* delay.c: the requests of delay.h, in one list in the order they are due
 * (every delay is the same, so a new one goes last), and one thread that
 * sleeps until the first is due. */
#include "http/delay.h"
#include "http/request.h"
#include "core/limits.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct request *head, *tail; /* the first and last due; linked by delay_next */
static bool running, stopping;
static pthread_t thread;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Takes off the list the requests due by now (all of them when stopping);
 * under lock. */
static struct request *take_due(int64_t now)
{
	struct request *due = head, **end = &head;

	while (*end && (stopping || (*end)->delay_due_ns <= now))
		end = &(*end)->delay_next;
	if (end == &head)
		return NULL;
	head = *end;
	*end = NULL;
	if (!head)
		tail = NULL;
	return due;
}

static void *delay_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct request *due = take_due(now_ns());

		if (due) {
			pthread_mutex_unlock(&lock);
			/* r may be answered and freed once resumed: next first */
			for (struct request *r = due, *next; r; r = next) {
				next = r->delay_next;
				r->delay_next = NULL;
				request_resume(r);
			}
			pthread_mutex_lock(&lock);
			continue;
		}
		if (stopping)
			break;
		if (!head) {
			pthread_cond_wait(&wake, &lock);
		} else {
			struct timespec at = {.tv_sec = head->delay_due_ns / 1000000000LL,
			                      .tv_nsec = head->delay_due_ns % 1000000000LL};
			(void)pthread_cond_timedwait(&wake, &lock, &at);
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

status delay_start(void)
{
	pthread_condattr_t attr;
	bool ok = false;

	pthread_mutex_lock(&lock);
	if (running) {
		pthread_mutex_unlock(&lock);
		return STATUS_OK;
	}
	if (pthread_condattr_init(&attr) == 0) {
		ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
		     pthread_cond_init(&wake, &attr) == 0;
		pthread_condattr_destroy(&attr);
	}
	stopping = false;
	if (ok && pthread_create(&thread, NULL, delay_main, NULL) != 0) {
		pthread_cond_destroy(&wake);
		ok = false;
	}
	running = ok;
	pthread_mutex_unlock(&lock);
	return ok ? STATUS_OK : STATUS_INTERNAL;
}

void delay_resume(struct request *r)
{
	pthread_mutex_lock(&lock);
	if (!running || stopping) {
		pthread_mutex_unlock(&lock);
		request_resume(r);
		return;
	}
	r->delay_due_ns = now_ns() + LIMIT_REFUSAL_DELAY_MS * 1000000LL;
	r->delay_next = NULL;
	if (tail) {
		tail->delay_next = r;
	} else {
		head = r;
		pthread_cond_signal(&wake);
	}
	tail = r;
	pthread_mutex_unlock(&lock);
}

void delay_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&lock);
	running = false;
	pthread_cond_destroy(&wake);
	pthread_mutex_unlock(&lock);
}
