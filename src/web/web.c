/* web.c: the web app's pages and assets, served from the binary. Pages look
 * at the session cookie (ROUTE_SESSION) and redirect before any HTML leaves.
 * Every answer has a CSP of 'self' only, a strong ETag (304 on If-None-Match)
 * and gzip when accepted; http/ does the rest (framing, common headers, the
 * request log). */
#include "web/web.h"
#include "core/buf.h"
#include "http/request.h"
#include "store/store.h"
#include "web/assets.h"
#include "web/negotiate.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Only 'self': no inline script or style, no other origin, no framing. */
static const char page_csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
			       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
			       "form-action 'self'; frame-ancestors 'none'";

/* A page may change with the code or the session: revalidate every time. */
static const char page_cache[] = "private, no-cache";
/* A name under /assets/VERSION/ changes whenever its bytes do. */
static const char asset_cache[] = "public, max-age=31536000, immutable";

static int asset_compare(const void *key, const void *item)
{
	return strcmp(key, ((const struct web_asset *)item)->name);
}

static const struct web_asset *asset_find(const char *name)
{
	return bsearch(name, web_assets, web_assets_count, sizeof(web_assets[0]), asset_compare);
}

static void serve(struct request *r, const struct web_asset *a, const char *cache, const char *vary)
{
	bool gz = a->gz && negotiate_gzip(request_header_get(r, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	struct static_headers h = {
		.csp = page_csp,
		.cache_control = cache,
		.etag = gz ? a->etag_gz : a->etag,
		.vary = vary,
	};

	if (negotiate_etag_matches(request_header_get(r, MHD_HTTP_HEADER_IF_NONE_MATCH), h.etag)) {
		respond_static(r, 304, "", 0, &h);
		return;
	}
	h.content_type = a->content_type;
	h.content_encoding = gz ? "gzip" : NULL;
	respond_static(r, 200, gz ? a->gz : a->data, gz ? a->gz_len : a->len, &h);
}

/* A page; its signed-in form ("NAME+in") when there is one and the cookie
 * holds a live session. */
static void page(struct request *r, const char *name)
{
	const struct web_asset *a = NULL;
	char in[64];

	if (r->authenticated && strlen(name) + 4 < sizeof(in)) {
		memcpy(in, name, strlen(name));
		memcpy(in + strlen(name), "+in", 4);
		a = asset_find(in);
	}
	if (!a)
		a = asset_find(name);
	if (!a) {
		respond_error(r, STATUS_INTERNAL, "page missing from this build");
		return;
	}
	serve(r, a, page_cache, "Accept-Encoding, Cookie");
}

static void web_index(struct request *r)
{
	page(r, "index.html");
}

static void web_signin(struct request *r)
{
	if (r->authenticated)
		respond_redirect(r, 303, "/tasks");
	else
		page(r, "signin.html");
}

static void web_signup(struct request *r)
{
	if (r->authenticated)
		respond_redirect(r, 303, "/tasks");
	else
		page(r, "signup.html");
}

static void web_docs(struct request *r)
{
	page(r, "docs.html");
}

static void web_openapi(struct request *r)
{
	const struct web_asset *a = asset_find("openapi.json");

	if (!a) {
		respond_error(r, STATUS_INTERNAL, "document missing from this build");
		return;
	}
	serve(r, a, "no-cache", "Accept-Encoding");
}

/* /assets/VERSION/NAME: only this build's version, never a page. */
static void web_asset(struct request *r)
{
	struct route_param version = request_param(r, 0);
	struct route_param name = request_param(r, 1);
	const struct web_asset *a = NULL;
	char key[64];

	if (version.len == strlen(web_assets_version) && memcmp(version.s, web_assets_version, version.len) == 0 &&
	    name.len < sizeof(key) && !memchr(name.s, '\0', name.len)) {
		memcpy(key, name.s, name.len);
		key[name.len] = '\0';
		if (!strstr(key, ".html"))
			a = asset_find(key);
	}
	if (!a) {
		respond_error(r, STATUS_NOT_FOUND, "no such asset");
		return;
	}
	serve(r, a, asset_cache, "Accept-Encoding");
}

/* Text for an HTML attribute value in double quotes. */
static void put_attr(buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_append_str(b, "&amp;"); break;
		case '<': buf_append_str(b, "&lt;"); break;
		case '>': buf_append_str(b, "&gt;"); break;
		case '"': buf_append_str(b, "&quot;"); break;
		case '\'': buf_append_str(b, "&#39;"); break;
		default: buf_append_char(b, *s);
		}
	}
}

static status count_nothing(const struct task *t, void *arg)
{
	(void)t;
	(void)arg;
	return STATUS_OK;
}

/* How many of the user's tasks filter selects. */
static status count_tasks(store_conn *c, const char *user_id, enum task_filter filter, int64_t *out)
{
	struct task_query q = {.filter = filter, .sort = TASK_SORT_CREATED, .limit = 1};

	return store_task_list(c, user_id, &q, out, count_nothing, NULL);
}

/* The tasks page carries who is signed in and the counts, so that it needs
 * a single API call (the list) once loaded: "<body data-boot>" in the
 * template becomes "<body data-name=... data-pending=N data-done=N>". */
static void web_tasks(struct request *r)
{
	static const char marker[] = "<body data-boot>";
	const struct web_asset *a = asset_find("tasks.html");
	struct user u;
	store_conn *c;
	int64_t pending = 0, done = 0;
	buf b = BUF_INIT;
	buf location = BUF_INIT;
	status st;

	if (!r->authenticated) {
		static const char keep[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
		static const char hex[] = "0123456789ABCDEF";
		buf_append_str(&location, "/signin?next=%2Ftasks");
		if (r->query_len) {
			buf_append_str(&location, "%3F");
			for (size_t i = 0; i < r->query_len; i++) {
				unsigned char ch = (unsigned char)r->query[i];
				if (ch && strchr(keep, ch)) {
					buf_append_char(&location, (char)ch);
				} else {
					char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
					buf_append(&location, esc, 3);
				}
			}
		}
		buf_append_char(&location, '\0');
		if (buf_failed(&location))
			respond_error(r, STATUS_NOMEM, "out of memory");
		else
			respond_redirect(r, 303, location.data);
		goto done;
	}
	const char *at = a ? strstr((const char *)a->data, marker) : NULL;
	if (!at) {
		respond_error(r, STATUS_INTERNAL, "page missing from this build");
		goto done;
	}
	st = store_conn_get(r->app->store, &c);
	if (st == STATUS_OK)
		st = store_user_by_id(c, r->caller.user_id, &u);
	if (st == STATUS_OK)
		st = count_tasks(c, r->caller.user_id, TASK_FILTER_PENDING, &pending);
	if (st == STATUS_OK)
		st = count_tasks(c, r->caller.user_id, TASK_FILTER_COMPLETED, &done);
	if (st == STATUS_NOT_FOUND) {
		respond_redirect(r, 303, "/signin");
		goto done;
	}
	if (st != STATUS_OK) {
		respond_error(r, st, "cannot load your tasks, try again");
		goto done;
	}
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	buf_append(&b, a->data, (size_t)(at - (const char *)a->data));
	buf_append_str(&b, "<body data-name=\"");
	put_attr(&b, u.name);
	buf_append_str(&b, "\" data-email=\"");
	put_attr(&b, u.email);
	buf_append_str(&b, "\" data-pending=\"");
	buf_append_i64(&b, pending);
	buf_append_str(&b, "\" data-done=\"");
	buf_append_i64(&b, done);
	buf_append_str(&b, "\">");
	at += sizeof(marker) - 1;
	buf_append(&b, at, a->len - (size_t)(at - (const char *)a->data));
	if (buf_failed(&b)) {
		respond_error(r, STATUS_NOMEM, "out of memory");
		goto done;
	}
	struct static_headers h = {
		.content_type = a->content_type,
		.csp = page_csp,
		.cache_control = "no-store",
	};
	respond_static_copy(r, 200, &b, &h);
done:
	buf_free(&location);
	buf_free(&b);
}

#define PUBLIC ROUTE_PUBLIC
#define SESSION ROUTE_SESSION

const struct route web_routes[] = {
	{"/", {{METHOD_GET, web_index, SESSION}}},
	{"/signin", {{METHOD_GET, web_signin, SESSION}}},
	{"/signup", {{METHOD_GET, web_signup, SESSION}}},
	{"/tasks", {{METHOD_GET, web_tasks, SESSION}}},
	{"/docs", {{METHOD_GET, web_docs, PUBLIC}}},
	{"/api/openapi.json", {{METHOD_GET, web_openapi, PUBLIC}}},
	{"/assets/{version}/{name}", {{METHOD_GET, web_asset, PUBLIC}}},
};

const size_t web_routes_count = sizeof(web_routes) / sizeof(web_routes[0]);
