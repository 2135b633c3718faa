/* accesslog.h: the request log, buffered per thread (like nginx's
 * `access_log ... buffer=64k flush=100ms`).
 * Each thread that logs appends whole lines to a buffer of its own
 * (ACCESSLOG_BUFFER_BYTES); the buffer is written with one write(2) when the
 * next line would not fit, by a flusher thread every ACCESSLOG_FLUSH_MS, and
 * by accesslog_close. Lines are never split between two writes and never
 * lost: accesslog_close writes every buffer before it returns. */
#ifndef TODOD_ACCESSLOG_H
#define TODOD_ACCESSLOG_H

#include <stddef.h>

#include "core/status.h"

#define ACCESSLOG_BUFFER_BYTES (64 * 1024)
#define ACCESSLOG_FLUSH_MS     100

typedef struct accesslog accesslog;

/* A log writing to fd (not closed by accesslog_close), with its flusher
 * thread started. STATUS_NOMEM, or STATUS_INTERNAL when the thread cannot
 * start. */
status accesslog_open(int fd, accesslog **out);

/* Appends one line (len bytes, ending in '\n') to the calling thread's
 * buffer. Any thread may call it, until accesslog_close. */
void accesslog_append(accesslog *log, const char *line, size_t len);

/* Stops the flusher, writes every buffered line and frees the log. No
 * thread may append any more. Accepts NULL. */
void accesslog_close(accesslog *log);

#endif
