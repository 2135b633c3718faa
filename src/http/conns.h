/* conns.h: what todod watches on every open connection, beside
 * libmicrohttpd.
 *
 * - Connections run short: it tracks which connections are idle (no
 *   request in progress: fresh, or kept alive between requests) and since
 *   when; once the open ones come within LIMIT_CONNECTIONS_HEADROOM of
 *   LIMIT_CONNECTIONS, each new connection closes the connection idle the
 *   longest (its socket is shut down; the library then closes it). So many
 *   idle connections, from however many addresses, cannot keep out one that
 *   wants to make a request. Marking a connection busy or idle is one atomic
 *   store, no lock: the search for the oldest runs only near the limit.
 * - Half-close: libmicrohttpd reads a client's last bytes and its end of
 *   stream in one go without seeing the end (a short read ends its reading,
 *   and its epoll is edge-triggered), so a request cut short by a half-close
 *   would wait for its timeout. A watcher thread is told by its own epoll
 *   (EPOLLRDHUP, once per connection) when a client half-closes, and shuts
 *   the socket's reading side: nothing changes for the reader (the client
 *   sends nothing more; what it sent is still read), but the library is
 *   woken, reads the end of stream and closes a request in progress at
 *   once. A whole request is still answered first.
 * - Silence before a request line on a kept-alive connection: the library
 *   calls nothing before a request line is whole, and such a connection
 *   has the idle timeout (LIMIT_CONNECTION_TIMEOUT_S). When a request is
 *   answered, the connection's requests so far add up to a known number of
 *   bytes: each one's head (libmicrohttpd's header size) and its
 *   Content-Length. Every second the watcher asks the kernel (TCP_INFO)
 *   about the connections idle for over LIMIT_REQUEST_SILENCE_S: one that
 *   has received more than that (a request has begun, pipelined or sent
 *   since; its line is not whole, or it would not be idle) and nothing for
 *   LIMIT_REQUEST_SILENCE_S is shut down. After a chunked body, whose
 *   framing is not counted, the count falls back to the bytes received
 *   when the answer was queued (a line pipelined behind such a request
 *   waits for the idle timeout).
 * Thread-safe; one server per process. */
#ifndef TODOD_CONNS_H
#define TODOD_CONNS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"

/* One connection, embedded in its context. */
struct conns_entry {
	_Atomic int64_t idle_since; /* CLOCK_MONOTONIC ns it became idle; 0 while busy */
	atomic_bool served;         /* it has answered a request (kept alive since) */
	_Atomic uint64_t answered_bytes; /* bytes of the requests answered so far */
	int fd;
	unsigned slot;              /* in the table of conns.c */
	bool listed;                /* in the table (false when it was full) */
};

/* Starts the watcher thread. Call once, before the server accepts. */
status conns_start(void);

/* Stops it, after the server has closed every connection. */
void conns_stop(void);

/* A new connection on socket fd: counted, watched and idle. */
void conns_opened(struct conns_entry *e, int fd);

/* A request has started on it: no longer idle. */
void conns_busy(struct conns_entry *e);

/* An answer to its request is queued; the request took request_bytes on
 * the wire (head and body), or 0 when that is not known (a chunked body). */
void conns_answering(struct conns_entry *e, uint64_t request_bytes);

/* Its request is answered: idle again, the newest. */
void conns_idle(struct conns_entry *e);

/* It is closing (before its socket is closed). */
void conns_closed(struct conns_entry *e);

#endif
