/* list_cache.h: the last answers of the task list, per thread, reused while
 * the store's data version (store_data_version) is the one they were read
 * under. A hit answers without a database transaction. Only backends that
 * give a data version (SQLite) ever fill it. */
#ifndef TODOD_LIST_CACHE_H
#define TODOD_LIST_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "store/store.h"

#define LIST_CACHE_SLOTS     16
#define LIST_CACHE_MAX_BYTES (64 * 1024) /* a longer answer is not kept */

/* true and the answer of user_id's query appended to body when this thread
 * holds one read under version v; false otherwise (body untouched). */
bool list_cache_get(const char *user_id, const struct task_query *q, const struct store_version *v,
                    buf *body);

/* Keeps data[0..len) as the answer of user_id's query read under version v,
 * which must have been taken before the read began. Best effort: nothing is
 * kept when memory is short or the answer is long. */
void list_cache_put(const char *user_id, const struct task_query *q, const struct store_version *v,
                    const char *data, size_t len);

#endif
