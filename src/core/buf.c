/* buf.c: growable buffer and JSON string escaping. */
#include "core/buf.h"
#include "core/clock.h"

#include <stdlib.h>
#include <string.h>

void buf_free(buf *b)
{
	if (!b)
		return;
	free(b->data);
	*b = (buf)BUF_INIT;
}

char *buf_take(buf *b, size_t *len)
{
	char *data = b->failed ? NULL : b->data;

	if (!data)
		free(b->data);
	if (len)
		*len = data ? b->len : 0;
	*b = (buf)BUF_INIT;
	return data;
}

bool buf_failed(const buf *b)
{
	return b->failed;
}

void buf_reset(buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

static bool reserve(buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (b->len + extra < b->cap)
		return true;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return false;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap <= b->len + extra)
		cap *= 2;
	char *data = realloc(b->data, cap);
	if (!data) {
		b->failed = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

void buf_reserve(buf *b, size_t extra)
{
	(void)reserve(b, extra);
}

void buf_append(buf *b, const void *data, size_t len)
{
	if (!reserve(b, len))
		return;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_append_str(buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_append_char(buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_append_i64(buf *b, int64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--n] = '-';
	buf_append(b, tmp + n, sizeof(tmp) - n);
}

void json_put_string(buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;

	/* Worst case every byte becomes \u00XX. */
	if (!reserve(b, len * 6 + 2))
		return;
	b->data[b->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char u[6];

		if (c >= 0x20 && c != '"' && c != '\\' &&
		    !(c == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9))) {
			run++;
			continue;
		}
		memcpy(b->data + b->len, s + i - run, run);
		b->len += run;
		run = 0;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case 0xE2: /* U+2028 or U+2029: legal JSON, but not legal JavaScript */
			memcpy(b->data + b->len, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
			b->len += 6;
			i += 2;
			continue;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			memcpy(b->data + b->len, u, 6);
			b->len += 6;
			continue;
		}
		size_t n = strlen(esc);
		memcpy(b->data + b->len, esc, n);
		b->len += n;
	}
	memcpy(b->data + b->len, s + len - run, run);
	b->len += run;
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
}

void json_put_cstring(buf *b, const char *s)
{
	json_put_string(b, s, strlen(s));
}

void json_put_key(buf *b, bool first, const char *key)
{
	if (!first)
		buf_append_char(b, ',');
	json_put_cstring(b, key);
	buf_append_char(b, ':');
}

void json_put_bool(buf *b, bool v)
{
	buf_append_str(b, v ? "true" : "false");
}

void json_put_time(buf *b, int64_t ms)
{
	char ts[CLOCK_RFC3339_BYTES];

	clock_format_rfc3339(ms, ts);
	buf_append_char(b, '"');
	buf_append(b, ts, CLOCK_RFC3339_BYTES - 1);
	buf_append_char(b, '"');
}
