/* addrlimit.h: events per client address in a sliding hour (or a
 * shorter window), in memory, and refusals learned from elsewhere.
 * Counts are kept per minute (61 of them, so a full hour is always
 * covered: never more than max in any 3600 s), for up to ADDRLIMIT_SLOTS
 * addresses; when the table is full, the address seen least recently is
 * forgotten. Thread-safe. Knows nothing of HTTP. */
#ifndef TODOD_ADDRLIMIT_H
#define TODOD_ADDRLIMIT_H

#include <stdint.h>

#include "core/status.h"

#define ADDRLIMIT_SLOTS 4096

typedef struct addrlimit addrlimit;

/* A limiter of max events per address per hour. *out is freed with
 * addrlimit_free. STATUS_NOMEM, or STATUS_INVALID when max < 1. */
status addrlimit_new(int max, addrlimit **out);

/* The same with a window of minutes (1 to 60) instead of the hour: never
 * more than max events in any minutes * 60 s. */
status addrlimit_new_window(int max, int minutes, addrlimit **out);

/* Counts one event for address at now_ms, unless the address already had
 * max in the last hour: then STATUS_RATE_LIMITED with *retry_after (whole
 * seconds, at least 1) and nothing counted. */
status addrlimit_take(addrlimit *l, const char *address, int64_t now_ms, int64_t *retry_after);

/* STATUS_RATE_LIMITED with *retry_after when address already had max
 * events in the window; counts nothing. */
status addrlimit_check(addrlimit *l, const char *address, int64_t now_ms, int64_t *retry_after);

/* Counts one event for address at now_ms, whatever the count already is. */
void addrlimit_count(addrlimit *l, const char *address, int64_t now_ms);

/* Refuses address until until_ms whatever its count: addrlimit_take and
 * addrlimit_check answer STATUS_RATE_LIMITED, *retry_after the whole
 * seconds left (at least 1). For what a count kept elsewhere (the database,
 * shared by every instance) said, so that the next refusals cost no
 * question. A later until_ms extends it, an earlier one changes nothing. */
void addrlimit_block(addrlimit *l, const char *address, int64_t until_ms);

/* Accepts NULL. */
void addrlimit_free(addrlimit *l);

#endif
