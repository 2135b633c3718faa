/* buf.h: a growable byte buffer and the JSON writer built on it.
 * Responses are written straight into a buf: strings are escaped here, so no
 * caller ever pastes untrusted text into JSON by hand. Allocation failure is
 * sticky: after it every append is a no-op and buf_failed() is true. */
#ifndef TODOD_BUF_H
#define TODOD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
	char *data; /* NUL-terminated while len < cap; owned */
	size_t len;
	size_t cap;
	bool failed;
} buf;

#define BUF_INIT {NULL, 0, 0, false}

/* Releases the memory; b may be reused after buf_free. Accepts NULL. */
void buf_free(buf *b);

/* Hands the bytes to the caller (free() them) and leaves b empty. NULL when
 * the buffer failed or is empty. */
char *buf_take(buf *b, size_t *len);

bool buf_failed(const buf *b);
void buf_reset(buf *b);
/* Makes room for extra more bytes now, so that appends up to them allocate
 * nothing (one allocation for a whole answer); failure is sticky as usual. */
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t len);
void buf_append_str(buf *b, const char *s);
void buf_append_char(buf *b, char c);
void buf_append_i64(buf *b, int64_t v);

/* Appends s[0..len) as a quoted JSON string, escaping quotes, backslashes,
 * control characters and U+2028/U+2029. s must be valid UTF-8. */
void json_put_string(buf *b, const char *s, size_t len);
void json_put_cstring(buf *b, const char *s);
/* "key": with the comma before it when first is false. */
void json_put_key(buf *b, bool first, const char *key);
void json_put_bool(buf *b, bool v);
/* An RFC 3339 UTC timestamp string from epoch milliseconds. */
void json_put_time(buf *b, int64_t ms);

#endif
