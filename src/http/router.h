/* router.h: the route table's types and the matcher.
 * A path is matched against patterns in table order (literal routes come
 * first); a pattern segment "{name}" matches any one non-empty segment. The
 * first pattern that matches decides between the handler, 405 (with the
 * methods it allows) and, when none matches, 404. Pure: no I/O. */
#ifndef TODOD_ROUTER_H
#define TODOD_ROUTER_H

#include <stddef.h>

#include "core/status.h"

enum http_method {
	METHOD_GET = 1,
	METHOD_HEAD = 2,
	METHOD_POST = 4,
	METHOD_PUT = 8,
	METHOD_PATCH = 16,
	METHOD_DELETE = 32,
	METHOD_OTHER = 64,
};

#define ROUTE_METHODS_MAX 4
#define ROUTE_PARAMS_MAX 2
#define ROUTE_ALLOW_BYTES 48 /* "GET, HEAD, POST, PUT, PATCH, DELETE" */

enum route_flags {
	ROUTE_PUBLIC = 1,  /* no token needed */
	ROUTE_SEED = 2,    /* the first path parameter is a user id that must be the
			    * caller's own (403 otherwise) */
	ROUTE_SESSION = 4, /* a token is looked at when sent, never required: the
			    * handler sees r->authenticated (pages that redirect) */
};

struct request;
typedef void (*route_handler)(struct request *r);

struct route_method {
	unsigned method; /* one enum http_method; GET also answers HEAD */
	route_handler handler;
	unsigned flags;
};

struct route {
	const char *pattern; /* "/api/tasks/{id}" */
	struct route_method methods[ROUTE_METHODS_MAX];
};

/* A part's routes (api/, web/): http/ is handed a list of these and names
 * no handler itself. */
struct route_table {
	const struct route *routes;
	size_t count;
};

struct route_param {
	const char *s; /* points into the matched path, not NUL-terminated */
	size_t len;
};

struct route_match {
	const struct route *route;
	const struct route_method *method;
	struct route_param params[ROUTE_PARAMS_MAX];
	unsigned nparams;
};

/* The enum http_method of a request method name, METHOD_OTHER if unknown. */
unsigned method_parse(const char *name);

/* Matches method and path[0..len) against table[0..n). STATUS_OK fills out;
 * STATUS_METHOD_NOT_ALLOWED fills only out->route (for router_allow);
 * STATUS_NOT_FOUND writes nothing. */
status router_match(const struct route *table, size_t n, unsigned method, const char *path, size_t len,
		    struct route_match *out);

/* router_match over tables[0..n) in order: the first table with a pattern
 * that matches the path decides. */
status router_match_tables(const struct route_table *tables, size_t n, unsigned method, const char *path,
			   size_t len, struct route_match *out);

/* Writes the Allow header value for route ("GET, HEAD, POST") into out. */
void router_allow(const struct route *route, char out[ROUTE_ALLOW_BYTES]);

#endif
