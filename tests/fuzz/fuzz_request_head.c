/* fuzz_request_head.c: libFuzzer target for the edge checks of http/edge.c
 * on raw request heads. The bytes are cut into lines at LF (a CR before it
 * is the line end, as libmicrohttpd reads it) and each header line at its
 * first colon, then fed to edge_head_add in order, as a connection feeds
 * what libmicrohttpd parsed; the request line's target to
 * edge_target_check and its path to edge_target_path. The verdict must agree with an independent reading:
 * any CR, LF or NUL left in a name or value, two different Content-Length
 * values, Content-Length with Transfer-Encoding, or a Transfer-Encoding
 * other than chunked, two Host fields, or none in an HTTP/1.1 request are
 * refused; an accepted head is within the limits (bytes and number of
 * fields). */
#include "core/limits.h"
#include "http/edge.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

struct expect {
	bool control;
	bool length_conflict;
	bool has_length, has_te, te_other;
	const char *length;
	size_t length_len;
	size_t bytes;
	size_t fields;
	unsigned hosts;
	bool needs_host;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trimmed(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

/* The target's form (RFC 9112, 3.2), read independently: its path (up to
 * the first '?') starts with '/', is "*", or is "http://" or "https://" in
 * any case, a host without '@', and a path that is the origin (or "/"). */
static void check_target_path(const char *t, size_t n)
{
	const char *q = memchr(t, '?', n), *origin = NULL, *message = NULL;
	size_t len = q ? (size_t)(q - t) : n, origin_len = 0, skip = 0;
	char lower[8] = {0};
	status st;

	for (size_t i = 0; i < len && i < sizeof(lower); i++)
		lower[i] = (char)((t[i] >= 'A' && t[i] <= 'Z') ? t[i] + 32 : t[i]);
	if (len >= 7 && memcmp(lower, "http://", 7) == 0)
		skip = 7;
	else if (len >= 8 && memcmp(lower, "https://", 8) == 0)
		skip = 8;
	st = edge_target_path(t, len, &origin, &origin_len, &message);
	if (len > 0 && (t[0] == '/' || (len == 1 && t[0] == '*'))) {
		CHECK(st == STATUS_OK && origin == t && origin_len == len);
		return;
	}
	if (skip == 0) {
		CHECK(st == STATUS_BAD_REQUEST && message && message[0]);
		return;
	}
	size_t host = 0;
	bool at = false;
	while (skip + host < len && t[skip + host] != '/')
		at |= t[skip + host++] == '@';
	if (host == 0 || at) {
		CHECK(st == STATUS_BAD_REQUEST && message && message[0]);
		return;
	}
	CHECK(st == STATUS_OK && origin_len > 0 && origin[0] == '/');
	CHECK(skip + host == len ? origin_len == 1 : (origin == t + skip + host && origin_len == len - skip - host));
}

static void expect_field(struct expect *x, const char *name, size_t nlen, const char *value, size_t vlen)
{
	x->bytes += nlen + vlen + 4;
	x->fields++;
	if (memchr(name, '\r', nlen) || memchr(name, '\0', nlen) || memchr(value, '\r', vlen) ||
	    memchr(value, '\0', vlen))
		x->control = true;
	if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0) {
		trimmed(&value, &vlen);
		if (!x->has_length) {
			x->has_length = true;
			x->length = value;
			x->length_len = vlen;
		} else if (vlen != x->length_len || memcmp(value, x->length, vlen) != 0) {
			x->length_conflict = true;
		}
	} else if (nlen == 4 && strncasecmp(name, "Host", 4) == 0) {
		x->hosts++;
	} else if (nlen == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
		trimmed(&value, &vlen);
		x->has_te = true;
		if (vlen != 7 || strncasecmp(value, "chunked", 7) != 0)
			x->te_other = true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct edge_head h;
	struct expect x = {0};
	const char *message = NULL;
	bool first = true;

	edge_head_init(&h);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		size_t len = (size_t)(line_end - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (first) {
			const char *sp1 = memchr(p, ' ', len);
			const char *sp2 = NULL;
			for (const char *q = p + len; sp1 && q > sp1 + 1; q--)
				if (q[-1] == ' ') {
					sp2 = q - 1;
					break;
				}
			size_t target = sp1 ? (size_t)((sp2 && sp2 > sp1 ? sp2 : p + len) - sp1 - 1) : 0;
			status ts = edge_target_check(target);
			CHECK((ts == STATUS_URI_TOO_LONG) == (target > LIMIT_URI_BYTES));
			if (sp1)
				check_target_path(sp1 + 1, target);
			/* the version, as libmicrohttpd gives it to todod */
			if (sp2 && sp2 > sp1 && (size_t)(p + len - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0) {
				x.needs_host = true;
				edge_head_require_host(&h);
			}
			first = false;
		} else if (len == 0) {
			break; /* the empty line: the body follows */
		} else {
			const char *colon = memchr(p, ':', len);
			if (colon) {
				const char *value = colon + 1;
				size_t nlen = (size_t)(colon - p), vlen = len - nlen - 1;
				while (vlen && is_blank(*value)) {
					value++;
					vlen--;
				}
				edge_head_add(&h, p, nlen, value, vlen);
				expect_field(&x, p, nlen, value, vlen);
			}
		}
		p = nl ? nl + 1 : end;
	}

	status st = edge_head_check(&h, &message);
	CHECK(st == STATUS_OK || st == STATUS_BAD_REQUEST || st == STATUS_HEADERS_TOO_LARGE);
	CHECK(st == STATUS_OK || (message && *message));
	bool ambiguous = x.control || x.length_conflict || (x.has_length && x.has_te) || x.te_other || x.hosts > 1 ||
	                 (x.needs_host && x.hosts == 0);
	if (ambiguous)
		CHECK(st == STATUS_BAD_REQUEST);
	bool too_large = x.bytes > LIMIT_HEADER_BYTES || x.fields > LIMIT_HEADER_FIELDS;
	if (st == STATUS_OK)
		CHECK(!ambiguous && !too_large);
	if (!ambiguous)
		CHECK((st == STATUS_HEADERS_TOO_LARGE) == too_large);
	return 0;
}
