/* query.c: percent-decoding and the rules of GET /api/tasks parameters. */
#include "api/query.h"
#include "core/text.h"

#include <string.h>

#define KEY_BYTES 16

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) ('+' is a space) into dst (capacity cap). Returns the
 * decoded length, -1 for a broken escape, -2 when it does not fit. */
static long decode(const char *s, size_t len, char *dst, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -2;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return (long)o;
}

static bool number(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

/* Picks value among names (index into *out); false when it is none of them. */
static bool one_of(const char *value, const char *const *names, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(value, names[i]) == 0) {
			*out = (int)i;
			return true;
		}
	}
	return false;
}

enum param { P_STATUS, P_SORT, P_ORDER, P_Q, P_LIMIT, P_OFFSET, P_COUNT };

static const char *const param_names[P_COUNT] = {"status", "sort", "order", "q", "limit", "offset"};

/* Applies one decoded parameter; adds to e when the value is not allowed. */
static void apply(enum param p, const char *value, size_t vlen, struct task_query *q, struct verr *e)
{
	static const char *const filters[] = {"all", "pending", "completed"};
	static const char *const sorts[] = {"created", "updated", "title"};
	static const char *const orders[] = {"asc", "desc"};
	const char *name = param_names[p];
	int choice;
	int64_t n;

	switch (p) {
	case P_STATUS:
		if (one_of(value, filters, 3, &choice))
			q->filter = (enum task_filter)choice;
		else
			verr_add(e, name, strlen(name), "must be one of all, pending, completed");
		break;
	case P_SORT:
		if (one_of(value, sorts, 3, &choice))
			q->sort = (enum task_sort)choice;
		else
			verr_add(e, name, strlen(name), "must be one of created, updated, title");
		break;
	case P_ORDER:
		if (one_of(value, orders, 2, &choice))
			q->ascending = choice == 0;
		else
			verr_add(e, name, strlen(name), "must be asc or desc");
		break;
	case P_Q:
		if (utf8_count(value, vlen) > LIMIT_QUERY_TEXT_CHARS)
			verr_add(e, name, strlen(name), "must be at most 200 characters");
		else
			memcpy(q->text, value, vlen + 1);
		break;
	case P_LIMIT:
		if (number(value, 1, LIMIT_PAGE_MAX, &n))
			q->limit = (int)n;
		else
			verr_add(e, name, strlen(name), "must be a whole number from 1 to 100");
		break;
	case P_OFFSET:
		if (number(value, 0, LIMIT_OFFSET_MAX, &n))
			q->offset = n;
		else
			verr_add(e, name, strlen(name), "must be a whole number from 0 to 1000000000");
		break;
	default:
		break;
	}
}

status query_tasks_parse(const char *raw, size_t len, struct task_query *out, struct verr *e)
{
	struct task_query q = {.filter = TASK_FILTER_ALL, .sort = TASK_SORT_CREATED, .limit = LIMIT_PAGE_DEFAULT};
	bool seen[P_COUNT] = {false};
	char key[KEY_BYTES + 1];
	char value[LIMIT_QUERY_TEXT_BYTES + 1];
	size_t i = 0;

	while (i < len) {
		size_t end = i;
		while (end < len && raw[end] != '&')
			end++;
		const char *pair = raw + i;
		size_t plen = end - i;
		i = end + 1;
		if (plen == 0)
			continue;
		const char *eq = memchr(pair, '=', plen);
		size_t klen = eq ? (size_t)(eq - pair) : plen;
		long k = decode(pair, klen, key, sizeof(key));
		if (k == -1 || (k >= 0 && !utf8_is_valid(key, (size_t)k)))
			return STATUS_BAD_REQUEST; /* a broken escape, NUL or not UTF-8 */
		int p;
		if (k < 0 || !one_of(key, param_names, P_COUNT, &p)) {
			if (!utf8_is_valid(pair, klen))
				return STATUS_BAD_REQUEST;
			verr_add(e, pair, klen, "is not a known parameter");
			continue;
		}
		long v = eq ? decode(eq + 1, plen - klen - 1, value, sizeof(value)) : 0;
		if (!eq)
			value[0] = '\0';
		if (v == -1 || (v >= 0 && !utf8_is_valid(value, (size_t)v)))
			return STATUS_BAD_REQUEST;
		if (seen[p]) {
			verr_add(e, key, (size_t)k, "must be given at most once");
			continue;
		}
		seen[p] = true;
		if (v == -2) {
			verr_add(e, key, (size_t)k, p == P_Q ? "must be at most 200 characters" : "is too long");
			continue;
		}
		apply((enum param)p, value, (size_t)v, &q, e);
	}
	if (e->n)
		return STATUS_INVALID;
	*out = q;
	return STATUS_OK;
}
