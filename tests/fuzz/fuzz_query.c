/* fuzz_query.c: libFuzzer target for query_tasks_parse on arbitrary bytes.
 * An accepted query must hold values the store can take as they are (known
 * filter and sort, limit 1..100, offset 0..10^9, q valid UTF-8 of at most 200
 * code points); a refusal leaves the out-parameter alone and, for 422,
 * names each parameter as valid UTF-8 within the verr's bounds. */
#include "api/query.h"
#include "core/text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static bool only_separators(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (data[i] != '&')
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct task_query q, before;
	struct verr e = {0};
	status st;

	memset(&q, 0x5a, sizeof q);
	before = q;
	st = query_tasks_parse((const char *)data, size, &q, &e);
	switch (st) {
	case STATUS_OK: {
		size_t len = strnlen(q.text, sizeof q.text);
		CHECK(e.n == 0);
		CHECK(q.filter == TASK_FILTER_ALL || q.filter == TASK_FILTER_PENDING ||
		      q.filter == TASK_FILTER_COMPLETED);
		CHECK(q.sort == TASK_SORT_CREATED || q.sort == TASK_SORT_UPDATED ||
		      q.sort == TASK_SORT_TITLE);
		CHECK(q.limit >= 1 && q.limit <= LIMIT_PAGE_MAX);
		CHECK(q.offset >= 0 && q.offset <= LIMIT_OFFSET_MAX);
		CHECK(len < sizeof q.text);
		CHECK(utf8_is_valid(q.text, len));
		CHECK(utf8_count(q.text, len) <= LIMIT_QUERY_TEXT_CHARS);
		/* Only empty segments: exactly the defaults. */
		if (only_separators(data, size))
			CHECK(q.filter == TASK_FILTER_ALL && q.sort == TASK_SORT_CREATED && !q.ascending &&
			      q.limit == LIMIT_PAGE_DEFAULT && q.offset == 0 && len == 0);
		break;
	}
	case STATUS_INVALID:
		CHECK(e.n >= 1 && e.n <= VERR_MAX);
		for (unsigned i = 0; i < e.n; i++) {
			size_t len = strnlen(e.items[i].field, sizeof e.items[i].field);
			CHECK(len <= VERR_FIELD_BYTES);
			CHECK(utf8_is_valid(e.items[i].field, len));
			CHECK(e.items[i].message != NULL && e.items[i].message[0] != '\0');
		}
		CHECK(memcmp(&q, &before, sizeof q) == 0);
		break;
	case STATUS_BAD_REQUEST:
		CHECK(memcmp(&q, &before, sizeof q) == 0);
		break;
	default:
		abort();
	}
	return 0;
}
