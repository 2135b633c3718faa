/* conns.c: the table of conns.h and its watcher thread.
 * The table (one slot per open connection, each with a generation) changes
 * only when a connection opens or closes, under one lock; a request marks
 * its connection busy or idle with one atomic store and takes no lock. The
 * library closes a socket only after its close notification, which takes
 * the lock to leave the table: a socket shut down from the table, under the
 * lock, is still the connection's own. The watcher's epoll carries a slot
 * and its generation, so an event of a connection since closed is dropped. */
#include "http/conns.h"
#include "core/limits.h"

#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS (LIMIT_CONNECTIONS + LIMIT_CONNECTIONS_HEADROOM)
#define SCAN_EVERY_MS 1000
#define WAKE_TAG UINT64_MAX

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct conns_entry *slots[SLOTS];
static uint32_t gens[SLOTS];
static unsigned free_slots[SLOTS];
static unsigned nfree;
static bool table_ready;
static unsigned open_count;

static int ep = -1;   /* the watcher's epoll */
static int wake = -1; /* eventfd: conns_stop wakes it */
static atomic_bool stopping;
static pthread_t watcher;
static bool watching;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Under lock. */
static void table_init(void)
{
	if (table_ready)
		return;
	for (unsigned i = 0; i < SLOTS; i++)
		free_slots[i] = SLOTS - 1 - i;
	nfree = SLOTS;
	table_ready = true;
}

/* Under lock: shuts down the idle connection idle the longest, if any. A
 * connection that turns busy meanwhile is left alone. */
static void close_oldest_idle(void)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		struct conns_entry *victim = NULL;
		int64_t oldest = INT64_MAX;
		for (unsigned i = 0; i < SLOTS; i++) {
			struct conns_entry *e = slots[i];
			if (!e)
				continue;
			int64_t t = atomic_load_explicit(&e->idle_since, memory_order_relaxed);
			if (t > 0 && t < oldest) {
				oldest = t;
				victim = e;
			}
		}
		if (!victim)
			return;
		if (atomic_compare_exchange_strong(&victim->idle_since, &oldest, 0)) {
			(void)shutdown(victim->fd, SHUT_RDWR);
			return;
		}
	}
}

void conns_opened(struct conns_entry *e, int fd)
{
	struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLONESHOT};

	e->fd = fd;
	e->listed = false;
	atomic_init(&e->served, false);
	atomic_init(&e->answered_bytes, 0);
	atomic_init(&e->idle_since, now_ns());
	pthread_mutex_lock(&lock);
	table_init();
	open_count++;
	if (open_count > LIMIT_CONNECTIONS - LIMIT_CONNECTIONS_HEADROOM)
		close_oldest_idle();
	if (nfree > 0) {
		e->slot = free_slots[--nfree];
		slots[e->slot] = e;
		e->listed = true;
		ev.data.u64 = (uint64_t)gens[e->slot] << 32 | e->slot;
	}
	pthread_mutex_unlock(&lock);
	/* closing the socket takes it out of the epoll */
	if (e->listed && ep >= 0)
		(void)epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

void conns_busy(struct conns_entry *e)
{
	atomic_store_explicit(&e->idle_since, 0, memory_order_relaxed);
}

/* The kernel's count of bytes received on fd, or 0 when it has none. */
static uint64_t bytes_received(int fd, uint32_t *quiet_ms)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return 0;
	if (quiet_ms)
		*quiet_ms = ti.tcpi_last_data_recv;
	return ti.tcpi_bytes_received;
}

void conns_answering(struct conns_entry *e, uint64_t request_bytes)
{
	/* only this connection's thread writes it */
	uint64_t done = atomic_load_explicit(&e->answered_bytes, memory_order_relaxed);

	done = request_bytes ? done + request_bytes : bytes_received(e->fd, NULL);
	atomic_store_explicit(&e->answered_bytes, done, memory_order_relaxed);
}

void conns_idle(struct conns_entry *e)
{
	atomic_store_explicit(&e->served, true, memory_order_relaxed);
	atomic_store_explicit(&e->idle_since, now_ns(), memory_order_relaxed);
}

void conns_closed(struct conns_entry *e)
{
	pthread_mutex_lock(&lock);
	if (e->listed) {
		slots[e->slot] = NULL;
		gens[e->slot]++;
		free_slots[nfree++] = e->slot;
		e->listed = false;
	}
	open_count--;
	pthread_mutex_unlock(&lock);
}

/* ---- the watcher ---- */

/* Half-closed connections whose socket still holds bytes the library has
 * not read: waking it before it reads them would be lost (it would read
 * them, stop at a short read and miss the end of stream again), so the
 * wake-up waits until they are read, looked at again after a delay that
 * doubles from 1 ms to 1 s. Only the watcher thread touches this. */
struct pending {
	uint64_t tag;
	int64_t due_ns;
	int64_t delay_ns;
};
static struct pending pend[SLOTS];
static unsigned npend;

/* The client behind tag (slot and generation) half-closed: once the library
 * has read what it sent, wake it (conns.h). True when done with tag. */
static bool wake_reader(uint64_t tag)
{
	unsigned slot = (unsigned)(tag & 0xFFFFFFFFu);
	uint32_t gen = (uint32_t)(tag >> 32);
	bool done = true;
	int unread = 0;

	if (slot >= SLOTS)
		return true;
	pthread_mutex_lock(&lock);
	if (slots[slot] && gens[slot] == gen) {
		if (ioctl(slots[slot]->fd, FIONREAD, &unread) == 0 && unread > 0)
			done = false;
		else
			(void)shutdown(slots[slot]->fd, SHUT_RD);
	}
	pthread_mutex_unlock(&lock);
	return done;
}

static void on_half_close(uint64_t tag)
{
	const int64_t first = 1000000LL;

	if (wake_reader(tag) || npend >= SLOTS)
		return;
	pend[npend++] = (struct pending){.tag = tag, .due_ns = now_ns() + first, .delay_ns = first};
}

/* Retries the pending wake-ups that are due; returns when the next is. */
static int64_t retry_pending(int64_t now)
{
	int64_t next = INT64_MAX;

	for (unsigned i = 0; i < npend;) {
		struct pending *p = &pend[i];
		if (p->due_ns <= now) {
			if (wake_reader(p->tag)) {
				pend[i] = pend[--npend];
				continue;
			}
			p->delay_ns = p->delay_ns * 2 > 1000000000LL ? 1000000000LL : p->delay_ns * 2;
			p->due_ns = now + p->delay_ns;
		}
		if (p->due_ns < next)
			next = p->due_ns;
		i++;
	}
	return next;
}

/* Kept-alive connections whose next request began and went silent for
 * LIMIT_REQUEST_SILENCE_S before its request line was whole (conns.h). */
static void drop_silent(void)
{
	const int64_t silence_ns = LIMIT_REQUEST_SILENCE_S * 1000000000LL;
	int64_t now = now_ns();

	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct conns_entry *e = slots[i];
		if (!e || !atomic_load_explicit(&e->served, memory_order_relaxed))
			continue;
		int64_t idle = atomic_load_explicit(&e->idle_since, memory_order_relaxed);
		if (idle <= 0 || now - idle < silence_ns)
			continue;
		uint32_t quiet_ms = 0;
		uint64_t received = bytes_received(e->fd, &quiet_ms);
		uint64_t answered = atomic_load_explicit(&e->answered_bytes, memory_order_relaxed);
		if (received > answered && answered > 0 && (int64_t)quiet_ms * 1000000LL >= silence_ns &&
		    atomic_compare_exchange_strong(&e->idle_since, &idle, 0))
			(void)shutdown(e->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&lock);
}

static void *watch_main(void *arg)
{
	struct epoll_event events[64];
	int64_t next_scan = now_ns() + SCAN_EVERY_MS * 1000000LL;
	int64_t next_retry = INT64_MAX;

	(void)arg;
	while (!atomic_load(&stopping)) {
		int64_t next = next_retry < next_scan ? next_retry : next_scan;
		int64_t left_ms = (next - now_ns() + 999999) / 1000000LL;
		int n = epoll_wait(ep, events, 64, left_ms < 0 ? 0 : (int)left_ms);
		for (int i = 0; i < n; i++)
			if (events[i].data.u64 != WAKE_TAG)
				on_half_close(events[i].data.u64);
		int64_t now = now_ns();
		next_retry = npend ? retry_pending(now) : INT64_MAX;
		if (now >= next_scan) {
			drop_silent();
			next_scan = now + SCAN_EVERY_MS * 1000000LL;
		}
	}
	return NULL;
}

status conns_start(void)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TAG};

	if (watching)
		return STATUS_OK;
	pthread_mutex_lock(&lock);
	table_init();
	pthread_mutex_unlock(&lock);
	ep = epoll_create1(EPOLL_CLOEXEC);
	wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ep < 0 || wake < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) != 0)
		goto fail;
	atomic_store(&stopping, false);
	if (pthread_create(&watcher, NULL, watch_main, NULL) != 0)
		goto fail;
	watching = true;
	return STATUS_OK;
fail:
	if (ep >= 0)
		close(ep);
	if (wake >= 0)
		close(wake);
	ep = wake = -1;
	return STATUS_UNAVAILABLE;
}

void conns_stop(void)
{
	uint64_t one = 1;

	if (!watching)
		return;
	atomic_store(&stopping, true);
	(void)!write(wake, &one, sizeof(one));
	pthread_join(watcher, NULL);
	close(ep);
	close(wake);
	ep = wake = -1;
	watching = false;
}
