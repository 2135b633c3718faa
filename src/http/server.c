/* server.c: libmicrohttpd setup and the life of one request.
 * Order of checks: route (404/405) in the tables app->routes hands over,
 * declared body size (413), media type (415), body read within
 * LIMIT_BODY_BYTES (413), caller's token and session (401; looked at but
 * never required on ROUTE_SESSION pages), seed path owner and cookie Origin
 * (403), then the handler.
 * One log line per request, made when it completes (never with a query
 * string, header, token or body) and buffered per thread by accesslog.c. */
#include "http/server.h"
#include "http/accesslog.h"
#include "auth/session.h"
#include "core/clock.h"
#include "core/limits.h"
#include "http/conns.h"
#include "http/delay.h"
#include "http/edge.h"
#include "http/request.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct server {
	struct MHD_Daemon *daemon;
	const struct app *app;
	atomic_uint inflight;
	struct sockaddr_storage addr;
	accesslog *log; /* the request log: stderr, buffered per thread */
};

/* Per connection: the raw target of the request being read. libmicrohttpd
 * hands it over only in the URI callback, and may then refuse the request
 * itself (a header too big for its memory) without ever calling the access
 * handler or the completion callback; so nothing is allocated per request
 * until the access handler runs, and this is freed with the connection. */
struct conn_ctx {
	struct conns_entry entry; /* in the idle list of http/conns.c */
	bool counted;             /* conns_opened was called */
	char *uri;
	size_t target_len; /* the whole target's length, even when longer than uri */
};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct conn_ctx *cc = *socket_context;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		cc = calloc(1, sizeof(struct conn_ctx));
		if (cc && info) {
			conns_opened(&cc->entry, info->connect_fd);
			cc->counted = true;
		}
		*socket_context = cc;
	} else if (cc) {
		if (cc->counted)
			conns_closed(&cc->entry);
		free(cc->uri);
		free(cc);
		*socket_context = NULL;
	}
}

static struct conn_ctx *conn_ctx_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* libmicrohttpd turns the query into one record per '&'-separated argument,
 * taken from the connection's memory pool right after this callback; todod
 * never reads them (api/query.c parses its own copy), and a target of
 * thousands of '&' would exhaust the pool and stall the connection. The
 * bytes are the connection's own read buffer, so after the copy the
 * separators become '_': one argument, whatever the query. */
static void neutralize_query(const char *uri, size_t len)
{
	char *q = memchr(uri, '?', len);

	if (!q)
		return;
	for (char *p = q + 1; (p = memchr(p, '&', len - (size_t)(p - uri))) != NULL; p++)
		*p = '_';
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_ctx *cc = conn_ctx_of(conn);
	size_t len = strlen(uri);
	size_t keep = len > LIMIT_URI_BYTES ? LIMIT_URI_LOG_BYTES : len;

	(void)cls;
	edge_request_started(conn);
	if (cc) {
		if (cc->counted)
			conns_busy(&cc->entry);
		free(cc->uri);
		cc->uri = malloc(keep + 1);
		cc->target_len = len;
		if (cc->uri) {
			memcpy(cc->uri, uri, keep);
			cc->uri[keep] = '\0';
		}
	}
	neutralize_query(uri, len);
	return NULL;
}

/* The request record, made on the first call of the access handler. */
static struct request *request_new(server *s, struct MHD_Connection *conn)
{
	struct conn_ctx *cc = conn_ctx_of(conn);
	struct request *r;

	if (!cc || !cc->uri)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->start_us = clock_mono_us();
	r->conn = conn;
	r->conn_entry = cc->counted ? &cc->entry : NULL;
	r->app = s->app;
	r->uri = cc->uri;
	r->target_len = cc->target_len;
	cc->uri = NULL;
	char *q = strchr(r->uri, '?');
	if (q) {
		*q = '\0';
		r->query = q + 1;
	} else {
		r->query = "";
	}
	r->path = r->uri;
	r->path_len = strlen(r->path);
	r->query_len = strlen(r->query);
	atomic_fetch_add(&s->inflight, 1);
	return r;
}

/* The log line: time method path status duration user. The path is the
 * raw one without its query; bytes outside printable ASCII are escaped.
 * Lines go to this thread's buffer of s->log (http/accesslog.h). */
static void log_request(server *s, const struct request *r)
{
	char line[LIMIT_URI_LOG_BYTES * 4 + 256];
	char ts[CLOCK_RFC3339_BYTES];
	size_t n = 0;
	int64_t us = clock_mono_us() - r->start_us;

	clock_format_rfc3339(clock_now_ms(), ts);
	int w = snprintf(line, sizeof(line), "%s %s ", ts, r->method_name[0] ? r->method_name : "-");
	if (w < 0)
		return;
	n = (size_t)w;
	for (size_t i = 0; i < r->path_len && i < LIMIT_URI_LOG_BYTES && n + 8 < sizeof(line) - 128; i++) {
		unsigned char c = (unsigned char)r->path[i];
		if (c > 0x20 && c < 0x7F && c != '\\') {
			line[n++] = (char)c;
		} else {
			w = snprintf(line + n, sizeof(line) - n, "\\x%02x", c);
			n += (size_t)w;
		}
	}
	w = snprintf(line + n, sizeof(line) - n, " %u %lld.%03lldms user=%s\n", r->http_code,
		     (long long)(us / 1000), (long long)(us % 1000),
		     r->authenticated ? r->caller.user_id : "-");
	if (w > 0 && (size_t)w < sizeof(line) - n)
		n += (size_t)w;
	accesslog_append(s->log, line, n);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	server *s = cls;
	struct request *r = *con_cls;

	if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		struct conn_ctx *cc = conn_ctx_of(conn);
		edge_request_done(conn);
		if (cc && cc->counted)
			conns_idle(&cc->entry);
	}
	if (!r)
		return;
	if (!r->answered && why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		r->http_code = 499; /* the client went away first */
	log_request(s, r);
	if (r->state_free)
		r->state_free(r->state);
	for (unsigned i = 0; i < r->nheaders; i++)
		free(r->headers[i].value);
	if (r->body.data)
		sodium_memzero(r->body.data, r->body.cap);
	buf_free(&r->body);
	free(r->uri);
	atomic_fetch_sub(&s->inflight, 1);
	free(r);
	*con_cls = NULL;
}

/* The media type of Content-Type, without parameters, is application/json. */
static bool is_json_type(const char *value)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (!value)
		return false;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(value, want, n) != 0)
		return false;
	value += n;
	while (*value == ' ' || *value == '\t')
		value++;
	return *value == '\0' || *value == ';';
}

/* Checks what the headers declare about the body before any of it is read. */
static status check_body_headers(struct request *r)
{
	const char *length = request_header_get(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *chunked = request_header_get(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);

	if (length) {
		size_t digits = strspn(length, "0123456789");
		if (digits == 0 || length[digits] != '\0')
			return STATUS_BAD_REQUEST;
		if (digits > 9 || strtoul(length, NULL, 10) > LIMIT_BODY_BYTES)
			return STATUS_TOO_LARGE;
		r->has_body = strtoul(length, NULL, 10) > 0;
	}
	if (chunked)
		r->has_body = true;
	if (r->has_body && !is_json_type(request_header_get(r, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return STATUS_UNSUPPORTED_MEDIA;
	return STATUS_OK;
}

/* True when the raw query names a token: tokens are never taken from URLs. */
static bool query_has_token(const char *q)
{
	while (*q) {
		size_t key = strcspn(q, "=&");
		if ((key == 5 && strncmp(q, "token", 5) == 0) || (key == 12 && strncmp(q, "access_token", 12) == 0))
			return true;
		q += strcspn(q, "&");
		if (*q == '&')
			q++;
	}
	return false;
}

/* The server's own origin, as a browser on it would send it. */
static bool is_own_origin(const struct request *r, const char *origin)
{
	const char *host = request_header_get(r, MHD_HTTP_HEADER_HOST);
	const char *scheme = r->secure ? "https://" : "http://";
	size_t slen = strlen(scheme);

	if (!host || strncmp(origin, scheme, slen) != 0)
		return false;
	return strcasecmp(origin + slen, host) == 0;
}

static status authenticate(struct request *r)
{
	const char *auth = request_header_get(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *token = NULL;
	struct jwt_claims claims;
	store_conn *c;
	status st;

	if (query_has_token(r->query))
		return STATUS_UNAUTHORIZED;
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) != 0)
			return STATUS_UNAUTHORIZED;
		token = auth + 7;
		while (*token == ' ')
			token++;
	} else {
		token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "todod_token");
		r->caller.via_cookie = true;
	}
	if (!token || !*token)
		return STATUS_UNAUTHORIZED;
	st = store_conn_get(r->app->store, &c);
	if (st != STATUS_OK)
		return st;
	st = session_authenticate(&r->app->cfg->key, c, token, strnlen(token, LIMIT_TOKEN_BYTES + 1),
				  clock_now_ms(), &claims);
	if (st != STATUS_OK)
		return st;
	memcpy(r->caller.user_id, claims.sub, sizeof(claims.sub));
	memcpy(r->caller.sid, claims.sid, sizeof(r->caller.sid) - 1);
	r->caller.sid[sizeof(r->caller.sid) - 1] = '\0';
	r->authenticated = true;
	return STATUS_OK;
}

/* After authentication: the seed path's user id and the cookie's Origin. */
static status authorize(struct request *r)
{
	if (r->match.method->flags & ROUTE_SEED) {
		struct route_param uid = request_param(r, 0);
		if (uid.len != strlen(r->caller.user_id) || memcmp(uid.s, r->caller.user_id, uid.len) != 0)
			return STATUS_FORBIDDEN;
	}
	if (r->caller.via_cookie && !(r->method & (METHOD_GET | METHOD_HEAD))) {
		const char *origin = request_header_get(r, "Origin");
		if (origin && !is_own_origin(r, origin))
			return STATUS_FORBIDDEN;
	}
	return STATUS_OK;
}

static const char *message_for(status st)
{
	switch (st) {
	case STATUS_UNAUTHORIZED: return "missing, invalid or expired token";
	case STATUS_FORBIDDEN: return "not allowed";
	case STATUS_NOT_FOUND: return "no such resource";
	case STATUS_METHOD_NOT_ALLOWED: return "method not allowed on this resource";
	case STATUS_TOO_LARGE: return "request body larger than 65536 bytes";
	case STATUS_UNSUPPORTED_MEDIA: return "request body must be application/json";
	case STATUS_BAD_REQUEST: return "malformed request";
	case STATUS_UNAVAILABLE: return "service unavailable, try again";
	default: return "internal error";
	}
}

/* Keeps the value of the last X-Forwarded-For line: a proxy that adds a
 * line of its own (haproxy's option forwardfor) puts it after any the client
 * sent. */
static enum MHD_Result last_forwarded_for(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
		*(const char **)cls = value;
	return MHD_YES;
}

static void client_address(struct request *r)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff = NULL;

	if (r->app->cfg->trust_proxy)
		MHD_get_connection_values(r->conn, MHD_HEADER_KIND, last_forwarded_for, &xff);

	if (xff) {
		const char *last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ' || *last == '\t')
			last++;
		size_t n = strcspn(last, " \t");
		if (n > 0 && n < sizeof(r->client)) {
			memcpy(r->client, last, n);
			r->client[n] = '\0';
			const char *proto = request_header_get(r, "X-Forwarded-Proto");
			r->secure = proto && strcasecmp(proto, "https") == 0;
			return;
		}
	}
	const struct sockaddr *sa = info ? info->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client, sizeof(r->client));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client, sizeof(r->client));
	else
		memcpy(r->client, "unknown", sizeof("unknown"));
}

/* First call for a request: its headers are in, its body not yet. */
static void on_headers(struct request *r, const char *method, const char *version)
{
	status st;

	size_t mlen = strnlen(method, sizeof(r->method_name));
	if (mlen < sizeof(r->method_name))
		memcpy(r->method_name, method, mlen + 1);
	r->method = method_parse(method);
	if (!edge_admits(r, version))
		return;
	st = router_match_tables(r->app->routes, r->app->nroutes, r->method, r->path, r->path_len, &r->match);
	if (st == STATUS_METHOD_NOT_ALLOWED) {
		char allow[ROUTE_ALLOW_BYTES];
		router_allow(r->match.route, allow);
		request_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	}
	if (st == STATUS_OK)
		st = check_body_headers(r);
	if (st != STATUS_OK)
		respond_error(r, st, st == STATUS_NOT_FOUND ? "no such route" : message_for(st));
}

/* Last call: the whole body is in. */
static void on_request(struct request *r)
{
	status st = STATUS_OK;

	if (r->body_too_large) {
		respond_error(r, STATUS_TOO_LARGE, message_for(STATUS_TOO_LARGE));
		return;
	}
	if (buf_failed(&r->body)) {
		respond_error(r, STATUS_NOMEM, "out of memory");
		return;
	}
	client_address(r);
	if (r->match.method->flags & ROUTE_SESSION) {
		/* a page: a missing or failing token only means "signed out" */
		(void)authenticate(r);
	} else if (!(r->match.method->flags & ROUTE_PUBLIC)) {
		st = authenticate(r);
		if (st == STATUS_OK)
			st = authorize(r);
	}
	if (st != STATUS_OK) {
		respond_error(r, st, message_for(st));
		return;
	}
	r->match.method->handler(r);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	struct request *r = *con_cls;

	(void)url;
	if (!r) {
		r = *con_cls = request_new(cls, conn);
		if (!r) {
			static const char oom[] = "http: out of memory for a request, closing its connection\n";
			(void)!write(STDERR_FILENO, oom, sizeof(oom) - 1);
			return MHD_NO;
		}
	}
	if (r->suspended) {
		r->suspended = false;
		store_budget_begin(STORE_BUDGET_MS);
		r->resume(r);
		store_budget_end();
	} else if (!r->started) {
		r->started = true;
		on_headers(r, method, version);
		return r->refused ? MHD_NO : MHD_YES; /* refused: answered, now closed */
	} else if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (r->body_too_large || (!r->answered && r->body.len + n > LIMIT_BODY_BYTES))
			return edge_body_too_large(r, n);
		if (!r->answered)
			buf_append(&r->body, upload_data, n);
		return MHD_YES;
	} else if (r->body_too_large) {
		return MHD_NO; /* answered in the middle of the body: close */
	} else if (!r->answered) {
		/* One store budget for the whole handler, authentication included. */
		store_budget_begin(STORE_BUDGET_MS);
		on_request(r);
		store_budget_end();
	}
	if (!r->answered && !r->suspended)
		respond_error(r, STATUS_INTERNAL, message_for(STATUS_INTERNAL));
	return MHD_YES;
}

/* libmicrohttpd's own messages (format strings of its own). */
static const char closed_by_handler[] = "http: Application reported internal error, closing connection.\n";

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	memcpy(line, "http: ", 6);
	int n = vsnprintf(line + 6, sizeof(line) - 6, fmt, ap);
	if (n < 0)
		return;
	size_t len = 6 + ((size_t)n < sizeof(line) - 6 ? (size_t)n : sizeof(line) - 7);
	/* todod's access handler returns MHD_NO only to have a connection
	 * closed after answering on its own (a refused head, a body over the
	 * limit) or when out of memory, which it logs itself */
	if (len == sizeof(closed_by_handler) - 1 && memcmp(line, closed_by_handler, len) == 0)
		return;
	if (len && line[len - 1] != '\n')
		line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
}

/* Resolves "host:port" ("[v6]:port" for IPv6) into s->addr. */
static status resolve(server *s, const char *listen, bool *ipv6, char *err)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	size_t hlen = colon ? (size_t)(colon - listen) : 0;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *res = NULL;

	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
		listen++;
		hlen -= 2;
	}
	if (!colon || hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, 256, "invalid listen address: expected HOST:PORT");
		return STATUS_INVALID;
	}
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	int rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, 256, "invalid listen address: %s", gai_strerror(rc));
		return STATUS_INVALID;
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	*ipv6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return STATUS_OK;
}

static void print_listening(server *s, bool ipv6)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	char line[128];

	if (ipv6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s->addr)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&s->addr)->sin_addr, host, sizeof(host));
	int n = snprintf(line, sizeof(line), "todod: listening on http://%s%s%s:%u\n", ipv6 ? "[" : "", host,
			 ipv6 ? "]" : "", info ? info->port : 0);
	if (n > 0)
		(void)!write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

status server_start(const struct app *app, server **out, char err[256])
{
	server *s = calloc(1, sizeof(*s));
	bool ipv6 = false;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (!s)
		return STATUS_NOMEM;
	s->app = app;
	atomic_init(&s->inflight, 0);
	if (resolve(s, app->cfg->listen, &ipv6, err) != STATUS_OK) {
		free(s);
		return STATUS_INVALID;
	}
	if (ipv6)
		flags |= MHD_USE_IPv6;
	if (accesslog_open(STDERR_FILENO, &s->log) != STATUS_OK) {
		snprintf(err, 256, "cannot start the request log");
		free(s);
		return STATUS_UNAVAILABLE;
	}
	if (conns_start() != STATUS_OK || delay_start() != STATUS_OK) {
		snprintf(err, 256, "cannot start the connection watcher");
		conns_stop();
		accesslog_close(s->log);
		free(s);
		return STATUS_UNAVAILABLE;
	}
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&s->addr,
		MHD_OPTION_THREAD_POOL_SIZE, app->cfg->http_threads, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)LIMIT_CONNECTIONS, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LIMIT_CONNECTION_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LIMIT_REQUEST_SILENCE_S,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, app->cfg->max_connections_per_address, MHD_OPTION_LISTEN_BACKLOG_SIZE,
		1024u, MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, 256, "cannot listen on %.200s: address in use or not allowed", app->cfg->listen);
		delay_stop();
		conns_stop();
		accesslog_close(s->log);
		free(s);
		return STATUS_UNAVAILABLE;
	}
	print_listening(s, ipv6);
	*out = s;
	return STATUS_OK;
}

void server_quiesce(server *s)
{
	MHD_socket fd = MHD_quiesce_daemon(s->daemon);

	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

unsigned server_drain(server *s, int timeout_ms)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (atomic_load(&s->inflight) == 0)
			return 0;
		nanosleep(&pause, NULL);
	}
	return atomic_load(&s->inflight);
}

void server_stop(server *s)
{
	if (!s)
		return;
	/* libmicrohttpd stops only once no connection is suspended */
	delay_stop();
	MHD_stop_daemon(s->daemon);
	conns_stop();
	/* every request has completed and logged: write out what is buffered */
	accesslog_close(s->log);
	free(s);
}
