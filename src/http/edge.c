/* edge.c: the checks of edge.h. Field by field, then one verdict, so that a
 * request is judged on all its fields whatever their order. Values are
 * compared as sent: "Content-Length: 5" twice is one length, "5" and "05"
 * are two. */
#include "http/edge.h"
#include "core/limits.h"
#include "http/request.h"

#include <microhttpd.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

void edge_head_init(struct edge_head *h)
{
	memset(h, 0, sizeof(*h));
}

static bool is_named(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

static bool has_bad_byte(const char *s, size_t len)
{
	return memchr(s, '\r', len) || memchr(s, '\n', len) || memchr(s, '\0', len);
}

/* Optional white space around a value is not part of it. */
static void trim(const char **s, size_t *len)
{
	while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static void add_length(struct edge_head *h, const char *value, size_t len)
{
	trim(&value, &len);
	if (h->content_lengths++ == 0) {
		if (len > sizeof(h->first_length)) {
			h->lengths_differ = true; /* no length that long is honest */
			return;
		}
		memcpy(h->first_length, value, len);
		h->first_length_len = len;
	} else if (len != h->first_length_len || memcmp(value, h->first_length, len) != 0) {
		h->lengths_differ = true;
	}
}

void edge_head_add(struct edge_head *h, const char *name, size_t name_len, const char *value,
		   size_t value_len)
{
	size_t field = name_len + value_len + 4;

	h->bytes = h->bytes > SIZE_MAX - field ? SIZE_MAX : h->bytes + field;
	if (h->fields < UINT_MAX - LIMIT_HEADER_FIELDS)
		h->fields++;
	if (has_bad_byte(name, name_len) || has_bad_byte(value, value_len))
		h->bad_byte = true;
	if (is_named(name, name_len, "Content-Length")) {
		add_length(h, value, value_len);
	} else if (is_named(name, name_len, "Transfer-Encoding")) {
		trim(&value, &value_len);
		h->transfer_encoding = true;
		if (!is_named(value, value_len, "chunked"))
			h->not_chunked = true;
	} else if (is_named(name, name_len, "Host")) {
		h->hosts++;
	}
}

void edge_head_require_host(struct edge_head *h)
{
	h->needs_host = true;
}

void edge_head_add_cookies(struct edge_head *h, unsigned n)
{
	h->cookies = n > UINT_MAX - LIMIT_HEADER_FIELDS ? UINT_MAX - LIMIT_HEADER_FIELDS : n;
}

status edge_head_check(const struct edge_head *h, const char **message)
{
	if (h->bad_byte) {
		*message = "malformed request: control character in a header";
		return STATUS_BAD_REQUEST;
	}
	if (h->lengths_differ) {
		*message = "malformed request: conflicting Content-Length headers";
		return STATUS_BAD_REQUEST;
	}
	if (h->transfer_encoding && h->content_lengths) {
		*message = "malformed request: Content-Length with Transfer-Encoding";
		return STATUS_BAD_REQUEST;
	}
	if (h->not_chunked) {
		*message = "malformed request: unsupported Transfer-Encoding";
		return STATUS_BAD_REQUEST;
	}
	if (h->hosts > 1) {
		*message = "malformed request: more than one Host header";
		return STATUS_BAD_REQUEST;
	}
	if (h->needs_host && h->hosts == 0) {
		*message = "malformed request: HTTP/1.1 without a Host header";
		return STATUS_BAD_REQUEST;
	}
	if (h->bytes > LIMIT_HEADER_BYTES) {
		*message = "request header fields larger than 8192 bytes";
		return STATUS_HEADERS_TOO_LARGE;
	}
	if (h->fields + h->cookies > LIMIT_HEADER_FIELDS) {
		*message = "more than 100 request header fields and cookies";
		return STATUS_HEADERS_TOO_LARGE;
	}
	return STATUS_OK;
}

status edge_target_check(size_t target_len)
{
	return target_len > LIMIT_URI_BYTES ? STATUS_URI_TOO_LONG : STATUS_OK;
}

/* The length of an "http://" or "https://" prefix of s[0..len), any case;
 * 0 when it has neither. */
static size_t http_scheme_len(const char *s, size_t len)
{
	static const char *const schemes[] = {"http://", "https://"};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);

		if (len >= n && strncasecmp(s, schemes[i], n) == 0)
			return n;
	}
	return 0;
}

status edge_target_path(const char *path, size_t len, const char **origin, size_t *origin_len,
			const char **message)
{
	size_t scheme = http_scheme_len(path, len);
	const char *host = path + scheme, *end = path + len, *slash;

	if ((len > 0 && path[0] == '/') || (len == 1 && path[0] == '*')) {
		*origin = path;
		*origin_len = len;
		return STATUS_OK;
	}
	if (scheme == 0) {
		*message = "malformed request: the target must be a path or an http(s) URI";
		return STATUS_BAD_REQUEST;
	}
	slash = memchr(host, '/', (size_t)(end - host));
	if (!slash)
		slash = end;
	if (slash == host) {
		*message = "malformed request: the target's URI has no host";
		return STATUS_BAD_REQUEST;
	}
	if (memchr(host, '@', (size_t)(slash - host))) {
		*message = "malformed request: the target's URI has userinfo";
		return STATUS_BAD_REQUEST;
	}
	*origin = slash == end ? "/" : slash;
	*origin_len = slash == end ? 1 : (size_t)(end - slash);
	return STATUS_OK;
}

/* ---- on a connection ---- */

/* A half-close is seen by http/conns.c, which wakes the library to read
 * the end of stream: no timeout here needs to allow for it. */
static void set_timeout(struct MHD_Connection *conn, unsigned seconds)
{
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, seconds);
}

void edge_request_started(struct MHD_Connection *conn)
{
	set_timeout(conn, LIMIT_REQUEST_SILENCE_S);
}

void edge_request_done(struct MHD_Connection *conn)
{
	set_timeout(conn, LIMIT_CONNECTION_TIMEOUT_S);
}

/* libmicrohttpd measures a value with strlen, so a NUL inside it only
 * shows as a value cut short. Its fields lie in order in the connection's
 * read buffer, each line's end overwritten with NULs: between the end of
 * one value and the next name there may be only NULs and blanks, and after
 * the last value at least two NULs (its line end and the empty line's)
 * before anything else. Anything else there is the rest of a value after
 * a NUL. */
struct walk {
	struct edge_head head;
	const char *value_end; /* of the previous field */
};

static bool is_line_end(unsigned char c)
{
	return c == '\0' || c == ' ' || c == '\t';
}

static void check_gap(struct walk *w, const char *next_key)
{
	if (!w->value_end || next_key < w->value_end || next_key - w->value_end > 256)
		return;
	for (const char *p = w->value_end; p < next_key; p++)
		if (!is_line_end((unsigned char)*p))
			w->head.bad_byte = true;
}

static void check_last(struct walk *w)
{
	unsigned nuls = 0;

	if (!w->value_end)
		return;
	for (const char *p = w->value_end; nuls < 2 && p < w->value_end + 256; p++) {
		if (!is_line_end((unsigned char)*p)) {
			w->head.bad_byte = true;
			return;
		}
		nuls += *p == '\0';
	}
}

static enum MHD_Result add_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				 const char *value, size_t value_size)
{
	struct walk *w = cls;

	(void)kind;
	check_gap(w, key);
	if (!value) {
		value = "";
		value_size = 0;
	}
	edge_head_add(&w->head, key, key_size, value, value_size);
	w->value_end = value_size ? value + value_size : NULL;
	return MHD_YES;
}

/* The rest of the request is not read: the connection cannot be reused.
 * The answer is written to the socket at once rather than queued: a head
 * this large may have left too little of libmicrohttpd's memory pool to
 * build an answer in, and the library would close the connection without
 * any. The access handler then has the library close the connection. */
static void refuse(struct request *r, status st, const char *message)
{
	respond_error_now(r, st, message);
	r->refused = true;
}

bool edge_admits(struct request *r, const char *version)
{
	struct walk w;
	const char *message = "malformed request";
	status st;

	if (edge_target_check(r->target_len) != STATUS_OK) {
		refuse(r, STATUS_URI_TOO_LONG, "request target longer than 8192 bytes");
		return false;
	}
	if (edge_target_path(r->path, r->path_len, &r->path, &r->path_len, &message) != STATUS_OK) {
		refuse(r, STATUS_BAD_REQUEST, message);
		return false;
	}
	memset(&w, 0, sizeof(w));
	edge_head_init(&w.head);
	/* libmicrohttpd takes HTTP/1.0 and HTTP/1.1 only (505 otherwise) */
	if (version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		edge_head_require_host(&w.head);
	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, add_field, &w);
	check_last(&w);
	int cookies = MHD_get_connection_values(r->conn, MHD_COOKIE_KIND, NULL, NULL);
	edge_head_add_cookies(&w.head, cookies > 0 ? (unsigned)cookies : 0);
	st = edge_head_check(&w.head, &message);
	if (st == STATUS_OK)
		return true;
	refuse(r, st, message);
	return false;
}

int edge_body_too_large(struct request *r, size_t n)
{
	if (!r->body_too_large) {
		r->body_too_large = true;
		respond_error_now(r, STATUS_TOO_LARGE, "request body larger than 65536 bytes");
	}
	/* Closing with unread bytes would reset the connection and could
	 * destroy the answer before the client reads it: read on, for a while. */
	r->body_discarded += n;
	return r->body_discarded > LIMIT_BODY_LINGER_BYTES ? MHD_NO : MHD_YES;
}
