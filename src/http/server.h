/* server.h: the HTTP server's lifecycle (libmicrohttpd, epoll thread pool).
 * Reads requests within the limits of core/limits.h, routes them, checks
 * the caller's token, calls the handler and logs one line per request. */
#ifndef TODOD_SERVER_H
#define TODOD_SERVER_H

#include "app.h"
#include "core/status.h"

typedef struct server server;

/* Binds app->cfg->listen and starts serving; prints "listening on URL" to
 * stderr. *out is freed with server_stop. STATUS_INVALID (bad address) or
 * STATUS_UNAVAILABLE (cannot bind), with a message in err[256]. */
status server_start(const struct app *app, server **out, char err[256]);

/* Stops accepting connections; requests in flight go on. */
void server_quiesce(server *s);

/* Waits until no request is in flight, or timeout_ms has passed. Returns
 * the number of requests still in flight. */
unsigned server_drain(server *s, int timeout_ms);

/* Closes every connection and frees s. Accepts NULL. */
void server_stop(server *s);

#endif
