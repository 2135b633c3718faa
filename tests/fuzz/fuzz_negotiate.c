/* fuzz_negotiate.c: libFuzzer target for web/negotiate on arbitrary header
 * values: neither parser may read past the value's NUL, and a tag always
 * matches a list made of itself alone, or of the value followed by it. */
#include "web/negotiate.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char etag[] = "\"0123456789abcdef01234567\"";
	char *value = malloc(size + 1);

	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	(void)negotiate_gzip(value);
	(void)negotiate_etag_matches(value, etag);
	CHECK(negotiate_etag_matches(etag, etag));
	/* a value without quotes cannot hide the tag that follows it */
	if (!memchr(data, '"', size) && !memchr(data, '\0', size) && strspn(value, " \t,") == size) {
		char *list = malloc(size + sizeof(etag) + 1);
		if (list) {
			memcpy(list, value, size);
			memcpy(list + size, etag, sizeof(etag));
			CHECK(negotiate_etag_matches(list, etag));
			free(list);
		}
	}
	free(value);
	return 0;
}
