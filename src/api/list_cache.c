/* list_cache.c: per-thread answers of the task list keyed by the caller and
 * the parsed query, each tagged with the data version it was read under.
 * The version changes with every commit of any connection in any process,
 * so an entry is used only while nothing at all was committed since its
 * read began: never stale, and a write on one thread is seen by the next
 * read on any other. Each thread's entries are freed when it exits. */
#include "api/list_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char user_id[UUID_BYTES + 1]; /* "": empty slot */
	struct task_query q;
	struct store_version v;
	char *data;
	size_t len;
};

struct cache {
	struct entry slots[LIST_CACHE_SLOTS];
};

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static bool key_ok;

static void cache_free(void *arg)
{
	struct cache *c = arg;

	for (size_t i = 0; i < LIST_CACHE_SLOTS; i++)
		free(c->slots[i].data);
	free(c);
}

static void key_create(void)
{
	key_ok = pthread_key_create(&key, cache_free) == 0;
}

static struct cache *cache_of_thread(bool create)
{
	struct cache *c;

	pthread_once(&key_once, key_create);
	if (!key_ok)
		return NULL;
	c = pthread_getspecific(key);
	if (!c && create) {
		c = calloc(1, sizeof(*c));
		if (c && pthread_setspecific(key, c) != 0) {
			free(c);
			c = NULL;
		}
	}
	return c;
}

static bool same_query(const struct task_query *a, const struct task_query *b)
{
	return a->filter == b->filter && a->sort == b->sort && a->ascending == b->ascending &&
	       a->limit == b->limit && a->offset == b->offset && strcmp(a->text, b->text) == 0;
}

static struct entry *slot_of(struct cache *c, const char *user_id, const struct task_query *q)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *s = user_id; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	for (const char *s = q->text; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h ^= (uint32_t)q->filter * 3u + (uint32_t)q->sort * 7u + (q->ascending ? 11u : 0u);
	h = (h ^ (uint32_t)q->limit) * 16777619u;
	h = (h ^ (uint32_t)q->offset) * 16777619u;
	return &c->slots[h % LIST_CACHE_SLOTS];
}

bool list_cache_get(const char *user_id, const struct task_query *q, const struct store_version *v, buf *body)
{
	struct cache *c = cache_of_thread(false);
	struct entry *e;

	if (!c)
		return false;
	e = slot_of(c, user_id, q);
	if (!e->data || strcmp(e->user_id, user_id) != 0 || !same_query(&e->q, q) ||
	    memcmp(e->v.b, v->b, sizeof(v->b)) != 0)
		return false;
	buf_append(body, e->data, e->len);
	return !buf_failed(body);
}

void list_cache_put(const char *user_id, const struct task_query *q, const struct store_version *v,
                    const char *data, size_t len)
{
	struct cache *c;
	struct entry *e;
	char *copy;

	if (len == 0 || len > LIST_CACHE_MAX_BYTES || strlen(user_id) > UUID_BYTES)
		return;
	c = cache_of_thread(true);
	if (!c)
		return;
	e = slot_of(c, user_id, q);
	copy = e->data && e->len >= len ? e->data : realloc(e->data, len);
	if (!copy) {
		free(e->data);
		memset(e, 0, sizeof(*e));
		return;
	}
	memcpy(copy, data, len);
	e->data = copy;
	e->len = len;
	memcpy(e->user_id, user_id, strlen(user_id) + 1);
	e->q = *q;
	e->v = *v;
}
