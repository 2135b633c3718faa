/* edge.h: todod's own refusals at the HTTP edge, on top of libmicrohttpd's
 * parser: a request target over LIMIT_URI_BYTES (414), header fields over
 * LIMIT_HEADER_BYTES or more than LIMIT_HEADER_FIELDS of them and of cookies
 * together (431: each takes a record in libmicrohttpd's memory pool), and framing that two servers could read two ways
 * (400, then the connection is closed): different Content-Length values,
 * Content-Length with Transfer-Encoding, a Transfer-Encoding other than
 * chunked, a CR, LF or NUL inside a header name or value; a target that is
 * neither a path nor an http(s) URI (edge_target_path); and a request
 * that names no server or two (RFC 9112, 3.2: an HTTP/1.1 request without
 * a Host field, any request with more than one).
 * The checks are pure: fed the fields libmicrohttpd parsed, so the
 * connection and the fuzzer run the same code. The edge_request_* functions
 * at the end are their glue to a connection, and its timeouts: a request in
 * progress that goes silent for LIMIT_REQUEST_SILENCE_S is dropped, an idle
 * keep-alive connection after LIMIT_CONNECTION_TIMEOUT_S. */
#ifndef TODOD_EDGE_H
#define TODOD_EDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define EDGE_LENGTH_BYTES 24 /* longest Content-Length value compared */

/* What the header fields of one request said, gathered field by field. */
struct edge_head {
	size_t bytes;                          /* name + value + 4 per field */
	unsigned fields;                       /* fields seen */
	unsigned cookies;                      /* cookies libmicrohttpd parsed from them */
	unsigned content_lengths;              /* Content-Length fields seen */
	char first_length[EDGE_LENGTH_BYTES];  /* the first one's value */
	size_t first_length_len;
	bool lengths_differ;                   /* a later one said otherwise */
	bool transfer_encoding;                /* a Transfer-Encoding field was seen */
	bool not_chunked;                      /* one said anything but "chunked" */
	bool bad_byte;                         /* CR, LF or NUL in a name or value */
	unsigned hosts;                        /* Host fields seen */
	bool needs_host;                       /* an HTTP/1.1 request: one Host field is required */
};

/* Starts an empty record. */
void edge_head_init(struct edge_head *h);

/* Adds the field name[0..name_len): value[0..value_len) (bytes as sent,
 * NUL included). Never fails. */
void edge_head_add(struct edge_head *h, const char *name, size_t name_len, const char *value,
		   size_t value_len);

/* The request is HTTP/1.1: it must carry a Host field. */
void edge_head_require_host(struct edge_head *h);

/* The request's Cookie header held n cookies (libmicrohttpd parses them
 * into records of their own before todod sees the request). */
void edge_head_add_cookies(struct edge_head *h, unsigned n);

/* The verdict on the fields added so far: STATUS_OK;
 * STATUS_HEADERS_TOO_LARGE; or STATUS_BAD_REQUEST for ambiguous framing,
 * with *message set to a safe static text (the caller closes the connection). */
status edge_head_check(const struct edge_head *h, const char **message);

/* STATUS_URI_TOO_LONG when a request target of target_len bytes is over
 * LIMIT_URI_BYTES, else STATUS_OK. */
status edge_target_check(size_t target_len);

/* The origin-form path of a request target's path (the target up to its
 * first '?', path[0..len)), RFC 9112, 3.2: a target that starts with '/'
 * is its own path; an absolute-form target "http://HOST/PATH" or
 * "https://HOST/PATH" (scheme in any case) is PATH, or "/" when empty; the
 * asterisk-form "*" is itself (no route has it). STATUS_OK with *origin
 * (into path, or a static "/") and *origin_len set; STATUS_BAD_REQUEST with
 * *message set to a safe static text for anything else: another scheme, an
 * empty host, userinfo ("user@host", RFC 9110, 4.2.4), or no scheme at all. */
status edge_target_path(const char *path, size_t len, const char **origin, size_t *origin_len,
			const char **message);

/* ---- on a connection (http/server.c) ---- */

struct MHD_Connection;
struct request;

/* A request's head has begun on conn: it gets LIMIT_REQUEST_SILENCE_S. */
void edge_request_started(struct MHD_Connection *conn);

/* Its answer is sent: conn waits for the next one LIMIT_CONNECTION_TIMEOUT_S. */
void edge_request_done(struct MHD_Connection *conn);

/* Runs the target and header checks on r (headers in, body not yet read),
 * whose request line said version ("HTTP/1.1" requires a Host field).
 * False when r was refused: answered in JSON with "Connection: close",
 * written to the socket (respond_error_now); r->refused is set and the
 * connection must be closed. */
bool edge_admits(struct request *r, const char *version);

/* n more bytes of r's body came in, past LIMIT_BODY_BYTES (a chunked body):
 * the first time, answers 413 at once and closes the sending side; then
 * discards what follows, up to LIMIT_BODY_LINGER_BYTES. Returns what the
 * access handler returns (MHD_NO, to close, once that is reached). */
int edge_body_too_large(struct request *r, size_t n);

#endif
