/* conns.h: keeps the server reachable when connections run short. Tracks
 * which connections are idle (no request in progress: fresh, or kept
 * alive between requests); once the open ones come within
 * LIMIT_CONNECTIONS_HEADROOM of LIMIT_CONNECTIONS, each new connection
 * closes the connection idle the longest (its socket is shut down; the
 * library then closes it). So many idle connections, from however many
 * addresses, cannot keep out one that wants to make a request.
 * Thread-safe; one server per process. */
#ifndef TODOD_CONNS_H
#define TODOD_CONNS_H

#include <stdbool.h>

/* One connection's place in the idle list, embedded in its context. */
struct conns_entry {
	struct conns_entry *prev, *next;
	int fd;
	bool listed;
};

/* A new connection on socket fd: counted and idle. */
void conns_opened(struct conns_entry *e, int fd);

/* A request has started on it: no longer idle. */
void conns_busy(struct conns_entry *e);

/* Its request is answered: idle again, the newest. */
void conns_idle(struct conns_entry *e);

/* It is closing (before its socket is closed). */
void conns_closed(struct conns_entry *e);

#endif
