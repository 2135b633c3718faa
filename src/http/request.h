/* request.h: one HTTP request as the handlers see it, and the ways to answer.
 * http/ fills the request (route, raw query, body, caller) before calling the
 * route's handler; a handler answers exactly once, or suspends for slow work
 * (request_suspend) and answers when it is resumed. */
#ifndef TODOD_REQUEST_H
#define TODOD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "core/buf.h"
#include "core/random.h"
#include "http/router.h"

struct MHD_Connection;
struct conns_entry;

#define REQUEST_HEADERS_MAX 4
#define VERR_MAX 8
#define VERR_FIELD_BYTES 64

/* Validation errors: field name and message, for a 422 body. */
struct verr {
	unsigned n;
	struct {
		char field[VERR_FIELD_BYTES + 1];
		const char *message; /* static text, e.g. "must be 1-200 characters" */
	} items[VERR_MAX];
	/* why a body is not one JSON object (a 400), static text; NULL: none */
	const char *bad_request;
};

/* Records that field (name[0..len), shortened at a UTF-8 boundary when too
 * long) breaks a rule; ignores errors past VERR_MAX. */
void verr_add(struct verr *e, const char *name, size_t len, const char *message);

/* The authenticated caller, from a verified token and a live session. */
struct principal {
	char user_id[UUID_BYTES + 1];
	char sid[STORE_SID_BYTES + 1];
	bool via_cookie;
};

struct request {
	/* filled by http/ */
	struct MHD_Connection *conn;
	struct conns_entry *conn_entry; /* its connection in http/conns.c, or NULL */
	const struct app *app;
	unsigned method;
	char method_name[8];      /* as sent, for the log; "-" when unknown */
	char *uri;                /* owned: the raw request target (its first
	                             LIMIT_URI_LOG_BYTES when longer than allowed) */
	size_t target_len;        /* the whole target's length as sent */
	const char *path;         /* into uri, NUL-terminated */
	size_t path_len;
	const char *query;        /* into uri, raw, without '?'; "" when absent */
	size_t query_len;
	struct route_match match;
	buf body;                 /* the request body; body.len == 0 when none */
	bool has_body;
	bool body_too_large;
	bool refused;             /* refused by the edge checks: close the connection */
	size_t body_discarded;    /* read and dropped after a 413 */
	struct principal caller;  /* valid when authenticated */
	bool authenticated;
	char client[64];          /* the client address used for limits */
	bool secure;              /* served over HTTPS (behind a trusted proxy) */

	/* for handlers across a suspension */
	route_handler resume;     /* called, instead of the route's handler, when resumed */
	void *state;              /* the handler's own; freed with state_free at the end */
	void (*state_free)(void *state);
	bool suspended;
	struct request *delay_next; /* held back (http/delay.c) */
	int64_t delay_due_ns;

	/* the answer */
	bool answered;
	unsigned http_code;
	unsigned nheaders;
	struct {
		const char *name; /* static */
		char *value;      /* owned */
	} headers[REQUEST_HEADERS_MAX];

	int64_t start_us;
	bool started;             /* headers seen: the route is known */
};

/* Adds a header to the coming answer (value copied). */
void request_header(struct request *r, const char *name, const char *value);

/* The value of a request header, or NULL. */
const char *request_header_get(const struct request *r, const char *name);

/* Answers with code and the JSON in body (taken: body is left empty). */
void respond_json(struct request *r, unsigned code, buf *body);

/* What a page or asset answer carries besides its bytes; a NULL member is
 * left out, except csp and cache_control, which default to the API's
 * ("default-src 'none'", "no-store"). nosniff, Referrer-Policy and
 * X-Frame-Options are always sent. */
struct static_headers {
	const char *content_type;
	const char *csp;
	const char *cache_control;
	const char *etag;             /* quoted, strong */
	const char *content_encoding; /* "gzip" when data is compressed */
	const char *vary;
};

/* Answers with code and data[0..len), which must outlive the response
 * (compiled-in bytes). For HEAD, libmicrohttpd sends the headers only. */
void respond_static(struct request *r, unsigned code, const void *data, size_t len, const struct static_headers *h);

/* Like respond_static, with bytes made for this request (body is taken). */
void respond_static_copy(struct request *r, unsigned code, buf *body, const struct static_headers *h);

/* Answers code (302, 303) with Location: location and no body. */
void respond_redirect(struct request *r, unsigned code, const char *location);

/* Answers with code and no body (204). */
void respond_empty(struct request *r, unsigned code);

/* Answers with the error body for st: {"error":{"code","message"}}. message
 * must be safe to show (it never echoes input or secrets). */
void respond_error(struct request *r, status st, const char *message);

/* Writes the error answer for st to the socket at once, with
 * "Connection: close", when libmicrohttpd can no longer queue one (in the
 * middle of a body) or might lack the memory to (a head refused by
 * http/edge.c). The caller must then have the connection closed. */
void respond_error_now(struct request *r, status st, const char *message);

/* Answers 422 validation_failed with the fields of e. */
void respond_invalid(struct request *r, const struct verr *e);

/* Suspends the connection until request_resume; the handler returns at once
 * and r->resume runs on an HTTP thread when resumed. */
void request_suspend(struct request *r, route_handler resume);

/* Wakes a suspended request; may be called from any thread. */
void request_resume(struct request *r);

/* Wakes a suspended request LIMIT_REFUSAL_DELAY_MS from now (http/delay.h):
 * for refusals of a client that asks too often. Any thread. */
void request_resume_later(struct request *r);

/* Path parameter i as a NUL-free slice. */
static inline struct route_param request_param(const struct request *r, unsigned i)
{
	return r->match.params[i];
}

#endif
