/* conns.c: the idle list of conns.h, oldest first, under one lock. The
 * library closes a socket only after its close notification, which takes
 * this lock to leave the list: a socket shut down from the list is still
 * the connection's own. */
#include "http/conns.h"
#include "core/limits.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/socket.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct conns_entry *oldest, *newest;
static unsigned open_count;

static void unlist(struct conns_entry *e)
{
	if (!e->listed)
		return;
	if (e->prev)
		e->prev->next = e->next;
	else
		oldest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		newest = e->prev;
	e->prev = e->next = NULL;
	e->listed = false;
}

static void list(struct conns_entry *e)
{
	e->prev = newest;
	e->next = NULL;
	if (newest)
		newest->next = e;
	else
		oldest = e;
	newest = e;
	e->listed = true;
}

void conns_opened(struct conns_entry *e, int fd)
{
	pthread_mutex_lock(&lock);
	e->fd = fd;
	e->listed = false;
	open_count++;
	if (open_count > LIMIT_CONNECTIONS - LIMIT_CONNECTIONS_HEADROOM && oldest) {
		struct conns_entry *victim = oldest;
		unlist(victim);
		(void)shutdown(victim->fd, SHUT_RDWR);
	}
	list(e);
	pthread_mutex_unlock(&lock);
}

void conns_busy(struct conns_entry *e)
{
	pthread_mutex_lock(&lock);
	unlist(e);
	pthread_mutex_unlock(&lock);
}

void conns_idle(struct conns_entry *e)
{
	pthread_mutex_lock(&lock);
	unlist(e);
	list(e);
	pthread_mutex_unlock(&lock);
}

void conns_closed(struct conns_entry *e)
{
	pthread_mutex_lock(&lock);
	unlist(e);
	open_count--;
	pthread_mutex_unlock(&lock);
}
