/* addrlimit.c: a table of addresses, each with 61 per-minute counters
 * stamped with their minute (a counter older than the window reads as 0)
 * and the end of a refusal learned from elsewhere.
 * One lock: an event costs a hash and a few comparisons. */
#include "core/addrlimit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MINUTES 61
#define ADDRESS_BYTES 64

struct slot {
	char address[ADDRESS_BYTES]; /* "" when free */
	int64_t minute[MINUTES];     /* which minute each counter counts */
	uint32_t count[MINUTES];
	int64_t last_seen_ms;
	int64_t blocked_until_ms; /* addrlimit_block's, 0 when never */
};

struct addrlimit {
	pthread_mutex_t lock;
	int max;
	int minutes; /* the window: this many minutes before the current one */
	struct slot *slots;
};

status addrlimit_new(int max, addrlimit **out)
{
	return addrlimit_new_window(max, MINUTES - 1, out);
}

status addrlimit_new_window(int max, int minutes, addrlimit **out)
{
	addrlimit *l;

	if (max < 1 || minutes < 1 || minutes > MINUTES - 1)
		return STATUS_INVALID;
	l = calloc(1, sizeof(*l));
	if (!l)
		return STATUS_NOMEM;
	l->slots = calloc(ADDRLIMIT_SLOTS, sizeof(*l->slots));
	if (!l->slots) {
		free(l);
		return STATUS_NOMEM;
	}
	l->max = max;
	l->minutes = minutes;
	pthread_mutex_init(&l->lock, NULL);
	*out = l;
	return STATUS_OK;
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The address's slot, or (when create) a free one, or the least recently
 * seen of the probe sequence (forgotten); without create, NULL for an
 * address not in the table. Linear probing over 16 slots. */
static struct slot *find(addrlimit *l, const char *address, bool create)
{
	uint32_t h = hash(address);
	struct slot *free_slot = NULL, *oldest = NULL, *s;
	size_t len = strnlen(address, ADDRESS_BYTES - 1);

	for (unsigned i = 0; i < 16; i++) {
		s = &l->slots[(h + i) % ADDRLIMIT_SLOTS];
		if (s->address[0] == '\0') {
			if (!free_slot)
				free_slot = s;
		} else if (strncmp(s->address, address, ADDRESS_BYTES) == 0) {
			return s;
		} else if (!oldest || s->last_seen_ms < oldest->last_seen_ms) {
			oldest = s;
		}
	}
	if (!create)
		return NULL;
	s = free_slot ? free_slot : oldest;
	memset(s, 0, sizeof(*s));
	memcpy(s->address, address, len);
	return s;
}

/* Whether s had max events in the window ending at now_ms: then
 * STATUS_RATE_LIMITED with *retry_after. The lock is held. */
static status over(const addrlimit *l, const struct slot *s, int64_t now_ms, int64_t *retry_after)
{
	int64_t minute = now_ms / 60000;
	int64_t first = minute - l->minutes;
	int64_t oldest = minute;
	uint64_t total = 0;

	if (now_ms < s->blocked_until_ms) {
		int64_t left = s->blocked_until_ms - now_ms;
		*retry_after = left > 1000 ? (left + 999) / 1000 : 1;
		return STATUS_RATE_LIMITED;
	}
	for (unsigned i = 0; i < MINUTES; i++) {
		if (s->count[i] && s->minute[i] >= first) {
			total += s->count[i];
			if (s->minute[i] < oldest)
				oldest = s->minute[i];
		}
	}
	if (total < (uint64_t)l->max)
		return STATUS_OK;
	/* free when the oldest counted minute leaves the window */
	int64_t wait = (oldest + l->minutes + 1) * 60000 - now_ms;
	*retry_after = wait > 1000 ? (wait + 999) / 1000 : 1;
	return STATUS_RATE_LIMITED;
}

static void count(struct slot *s, int64_t now_ms)
{
	int64_t minute = now_ms / 60000;
	unsigned i = (unsigned)(minute % MINUTES);

	if (s->minute[i] != minute) {
		s->minute[i] = minute;
		s->count[i] = 0;
	}
	s->count[i]++;
	s->last_seen_ms = now_ms;
}

status addrlimit_take(addrlimit *l, const char *address, int64_t now_ms, int64_t *retry_after)
{
	pthread_mutex_lock(&l->lock);
	struct slot *s = find(l, address, true);
	status st = over(l, s, now_ms, retry_after);
	if (st == STATUS_OK)
		count(s, now_ms);
	else
		s->last_seen_ms = now_ms;
	pthread_mutex_unlock(&l->lock);
	return st;
}

status addrlimit_check(addrlimit *l, const char *address, int64_t now_ms, int64_t *retry_after)
{
	pthread_mutex_lock(&l->lock);
	struct slot *s = find(l, address, false);
	status st = s ? over(l, s, now_ms, retry_after) : STATUS_OK;
	pthread_mutex_unlock(&l->lock);
	return st;
}

void addrlimit_count(addrlimit *l, const char *address, int64_t now_ms)
{
	pthread_mutex_lock(&l->lock);
	count(find(l, address, true), now_ms);
	pthread_mutex_unlock(&l->lock);
}

void addrlimit_block(addrlimit *l, const char *address, int64_t until_ms)
{
	pthread_mutex_lock(&l->lock);
	struct slot *s = find(l, address, true);
	if (until_ms > s->blocked_until_ms)
		s->blocked_until_ms = until_ms;
	pthread_mutex_unlock(&l->lock);
}

void addrlimit_free(addrlimit *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l->slots);
	free(l);
}
