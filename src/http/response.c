/* response.c: every answer todod gives goes through here.
 * The single place that turns a status into an HTTP code and the one error
 * body, and that puts the security headers on every response (the API's
 * strict ones, or those a page or asset asks for). */
#include "http/request.h"
#include "http/conns.h"
#include "http/delay.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void verr_add(struct verr *e, const char *name, size_t len, const char *message)
{
	if (e->n >= VERR_MAX)
		return;
	if (len > VERR_FIELD_BYTES) {
		len = VERR_FIELD_BYTES;
		while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(e->items[e->n].field, name, len);
	e->items[e->n].field[len] = '\0';
	e->items[e->n].message = message;
	e->n++;
}

void request_header(struct request *r, const char *name, const char *value)
{
	if (r->nheaders >= REQUEST_HEADERS_MAX)
		return;
	char *copy = strdup(value);
	if (!copy)
		return;
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = copy;
	r->nheaders++;
}

const char *request_header_get(const struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The API's policy: a JSON answer loads nothing and is never cached. */
static const struct static_headers api_headers = {
	.csp = "default-src 'none'; frame-ancestors 'none'",
	.cache_control = "no-store",
};

static void add_security_headers(struct MHD_Response *resp, const struct static_headers *h)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy", h->csp ? h->csp : api_headers.csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cache-Control", h->cache_control ? h->cache_control : api_headers.cache_control);
	if (h->content_type)
		MHD_add_response_header(resp, "Content-Type", h->content_type);
	if (h->etag)
		MHD_add_response_header(resp, "ETag", h->etag);
	if (h->content_encoding)
		MHD_add_response_header(resp, "Content-Encoding", h->content_encoding);
	if (h->vary)
		MHD_add_response_header(resp, "Vary", h->vary);
}

/* The bytes r took on the wire, head and body, or 0 when that is not known:
 * a chunked body's framing is not counted anywhere. */
static uint64_t wire_bytes(const struct request *r)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	const char *length = request_header_get(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t digits = length ? strspn(length, "0123456789") : 0;

	if (!ci || ci->header_size == 0 || request_header_get(r, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return 0;
	if (!length)
		return ci->header_size;
	if (digits == 0 || digits > 18 || length[digits] != '\0')
		return 0;
	return ci->header_size + strtoull(length, NULL, 10);
}

/* Queues resp with the headers h names and those gathered so far. */
static void queue_with(struct request *r, unsigned code, struct MHD_Response *resp, const struct static_headers *h)
{
	if (!resp) {
		r->http_code = 500;
		r->answered = true;
		return;
	}
	if (r->conn_entry)
		conns_answering(r->conn_entry, wire_bytes(r));
	add_security_headers(resp, h);
	for (unsigned i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	MHD_queue_response(r->conn, code, resp);
	MHD_destroy_response(resp);
	r->http_code = code;
	r->answered = true;
}

static void queue(struct request *r, unsigned code, struct MHD_Response *resp, bool json)
{
	struct static_headers h = api_headers;

	if (json)
		h.content_type = "application/json";
	queue_with(r, code, resp, &h);
}

void respond_static(struct request *r, unsigned code, const void *data, size_t len, const struct static_headers *h)
{
	queue_with(r, code, MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT), h);
}

void respond_static_copy(struct request *r, unsigned code, buf *body, const struct static_headers *h)
{
	size_t len;
	char *data = buf_take(body, &len);

	if (!data) {
		respond_error(r, STATUS_NOMEM, "out of memory");
		return;
	}
	queue_with(r, code, MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE), h);
}

void respond_redirect(struct request *r, unsigned code, const char *location)
{
	request_header(r, "Location", location);
	queue(r, code, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT), false);
}

void respond_json(struct request *r, unsigned code, buf *body)
{
	size_t len;
	char *data = buf_take(body, &len);

	if (!data) {
		respond_error(r, STATUS_NOMEM, "out of memory");
		return;
	}
	queue(r, code, MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE), true);
}

void respond_empty(struct request *r, unsigned code)
{
	queue(r, code, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT), false);
}

/* The fixed bodies used when memory is short: no allocation needed. */
static const char oom_body[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";

static void respond_body(struct request *r, status st, buf *b)
{
	unsigned code = status_http_code(st);

	if (buf_failed(b)) {
		buf_free(b);
		queue(r, 500,
		     MHD_create_response_from_buffer(sizeof(oom_body) - 1, (void *)oom_body,
						     MHD_RESPMEM_PERSISTENT),
		     true);
		return;
	}
	if (st == STATUS_UNAUTHORIZED || st == STATUS_INVALID_CREDENTIALS)
		request_header(r, "WWW-Authenticate", "Bearer");
	respond_json(r, code, b);
}

static void error_head(buf *b, status st, const char *message)
{
	buf_append_str(b, "{\"error\":{\"code\":");
	json_put_cstring(b, status_code_name(st));
	buf_append_str(b, ",\"message\":");
	json_put_cstring(b, message);
}

void respond_error(struct request *r, status st, const char *message)
{
	buf b = BUF_INIT;

	error_head(&b, st, message);
	buf_append_str(&b, "}}");
	respond_body(r, st, &b);
}

void respond_invalid(struct request *r, const struct verr *e)
{
	buf b = BUF_INIT;
	buf msg = BUF_INIT;

	for (unsigned i = 0; i < e->n; i++) {
		if (i)
			buf_append_str(&msg, "; ");
		buf_append_str(&msg, e->items[i].field);
		buf_append_char(&msg, ' ');
		buf_append_str(&msg, e->items[i].message);
	}
	error_head(&b, STATUS_INVALID, e->n && !buf_failed(&msg) ? msg.data : "invalid input");
	buf_free(&msg);
	buf_append_str(&b, ",\"fields\":{");
	for (unsigned i = 0; i < e->n; i++) {
		json_put_key(&b, i == 0, e->items[i].field);
		json_put_cstring(&b, e->items[i].message);
	}
	buf_append_str(&b, "}}}");
	respond_body(r, STATUS_INVALID, &b);
}

void request_suspend(struct request *r, route_handler resume)
{
	r->resume = resume;
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

void request_resume(struct request *r)
{
	MHD_resume_connection(r->conn);
}

void request_resume_later(struct request *r)
{
	delay_resume(r);
}

/* libmicrohttpd queues an answer only before a body is read or after all
 * of it, and builds it in the connection's memory pool; for the refusals
 * made in the middle of a body (413 as soon as it crosses the limit) or of
 * a head that may have filled the pool (the edge checks of http/edge.c)
 * the same error body, with the API's headers, is written to the socket
 * here, and the caller has the connection closed. */
void respond_error_now(struct request *r, status st, const char *message)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	unsigned code = status_http_code(st);
	buf body = BUF_INIT;
	buf out = BUF_INIT;

	error_head(&body, st, message);
	buf_append_str(&body, "}}");
	buf_append_str(&out, "HTTP/1.1 ");
	buf_append_i64(&out, code);
	buf_append_char(&out, ' ');
	buf_append_str(&out, MHD_get_reason_phrase_for(code));
	buf_append_str(&out, "\r\nConnection: close\r\nContent-Type: application/json\r\n"
			     "X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
			     "Content-Security-Policy: ");
	buf_append_str(&out, api_headers.csp);
	buf_append_str(&out, "\r\nX-Frame-Options: DENY\r\nCache-Control: no-store\r\nContent-Length: ");
	buf_append_i64(&out, (int64_t)body.len);
	buf_append_str(&out, "\r\n\r\n");
	if (!(r->method & METHOD_HEAD))
		buf_append(&out, body.data, body.len);
	if (info && !buf_failed(&out)) {
		(void)!send(info->connect_fd, out.data, out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(info->connect_fd, SHUT_WR);
	}
	buf_free(&out);
	buf_free(&body);
	r->http_code = code;
	r->answered = true;
}
