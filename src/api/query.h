/* query.h: the task list's query string, from raw bytes to a task_query.
 * Pure: no I/O, so it is fuzzed as it is. */
#ifndef TODOD_QUERY_H
#define TODOD_QUERY_H

#include <stddef.h>

#include "http/request.h"
#include "store/store.h"

/* Parses raw[0..len) (percent-encoded, without '?') into out, starting from
 * the defaults (all, created, desc, no text, limit 50, offset 0).
 * STATUS_BAD_REQUEST for a broken escape or text that is not UTF-8;
 * STATUS_INVALID (e filled) for an unknown parameter or value, or one given
 * twice. */
status query_tasks_parse(const char *raw, size_t len, struct task_query *out, struct verr *e);

#endif
