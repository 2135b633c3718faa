/* accesslog.c: per-thread log buffers and their flusher thread.
 * A thread finds its buffer through a thread-local pointer keyed by the
 * log's serial number (never reused), so the hot path takes only its own
 * buffer's mutex, which nobody else holds but the flusher for the time of
 * one write every ACCESSLOG_FLUSH_MS. */
#include "http/accesslog.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct logbuf {
	pthread_mutex_t lock;
	size_t len;
	struct logbuf *next; /* in accesslog.bufs */
	char data[ACCESSLOG_BUFFER_BYTES];
};

struct accesslog {
	int fd;
	uint64_t serial;
	pthread_mutex_t lock; /* guards bufs and stopping */
	pthread_cond_t wake;
	bool stopping;
	pthread_t flusher;
	struct logbuf *bufs;
};

static _Atomic uint64_t last_serial;

static _Thread_local struct {
	uint64_t serial;
	struct logbuf *buf;
} mine;

/* Writes all of data[0..len), retrying short writes and interruptions. */
static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to log to: drop rather than block forever */
		data += w;
		len -= (size_t)w;
	}
}

/* Writes b's lines and empties it; the caller holds b->lock. */
static void buf_drain(accesslog *log, struct logbuf *b)
{
	if (b->len == 0)
		return;
	write_all(log->fd, b->data, b->len);
	b->len = 0;
}

/* The calling thread's buffer, made and registered on first use; NULL when
 * memory runs out. */
static struct logbuf *buf_of_thread(accesslog *log)
{
	struct logbuf *b;

	if (mine.serial == log->serial)
		return mine.buf;
	b = malloc(sizeof(*b));
	if (!b)
		return NULL;
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return NULL;
	}
	b->len = 0;
	pthread_mutex_lock(&log->lock);
	b->next = log->bufs;
	log->bufs = b;
	pthread_mutex_unlock(&log->lock);
	mine.serial = log->serial;
	mine.buf = b;
	return b;
}

void accesslog_append(accesslog *log, const char *line, size_t len)
{
	struct logbuf *b = buf_of_thread(log);

	if (!b) { /* no memory for a buffer: the line goes out at once */
		write_all(log->fd, line, len);
		return;
	}
	pthread_mutex_lock(&b->lock);
	if (b->len + len > sizeof(b->data))
		buf_drain(log, b);
	if (len > sizeof(b->data)) { /* longer than a buffer: whole, after the earlier lines */
		write_all(log->fd, line, len);
	} else {
		memcpy(b->data + b->len, line, len);
		b->len += len;
	}
	pthread_mutex_unlock(&b->lock);
}

static void *flusher_main(void *arg)
{
	accesslog *log = arg;
	struct timespec at;

	pthread_mutex_lock(&log->lock);
	while (!log->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_nsec += (long)ACCESSLOG_FLUSH_MS * 1000000L;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		while (!log->stopping && pthread_cond_timedwait(&log->wake, &log->lock, &at) != ETIMEDOUT)
			;
		/* buffers are only added under log->lock, never removed before
		 * close: walking them here, lock held, is safe */
		for (struct logbuf *b = log->bufs; b; b = b->next) {
			pthread_mutex_lock(&b->lock);
			buf_drain(log, b);
			pthread_mutex_unlock(&b->lock);
		}
	}
	pthread_mutex_unlock(&log->lock);
	return NULL;
}

status accesslog_open(int fd, accesslog **out)
{
	accesslog *log = calloc(1, sizeof(*log));
	pthread_condattr_t attr;

	if (!log)
		return STATUS_NOMEM;
	log->fd = fd;
	log->serial = atomic_fetch_add(&last_serial, 1) + 1;
	if (pthread_mutex_init(&log->lock, NULL) != 0) {
		free(log);
		return STATUS_INTERNAL;
	}
	if (pthread_condattr_init(&attr) != 0)
		goto fail_lock;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&log->wake, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		goto fail_lock;
	}
	pthread_condattr_destroy(&attr);
	if (pthread_create(&log->flusher, NULL, flusher_main, log) != 0) {
		pthread_cond_destroy(&log->wake);
		goto fail_lock;
	}
	*out = log;
	return STATUS_OK;
fail_lock:
	pthread_mutex_destroy(&log->lock);
	free(log);
	return STATUS_INTERNAL;
}

void accesslog_close(accesslog *log)
{
	struct logbuf *b, *next;

	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	log->stopping = true;
	pthread_cond_signal(&log->wake);
	pthread_mutex_unlock(&log->lock);
	pthread_join(log->flusher, NULL);
	for (b = log->bufs; b; b = next) {
		next = b->next;
		buf_drain(log, b);
		pthread_mutex_destroy(&b->lock);
		free(b);
	}
	if (mine.serial == log->serial) {
		mine.serial = 0;
		mine.buf = NULL;
	}
	pthread_cond_destroy(&log->wake);
	pthread_mutex_destroy(&log->lock);
	free(log);
}
