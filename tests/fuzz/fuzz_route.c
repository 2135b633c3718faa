/* fuzz_route.c: libFuzzer target for router_match on the real route table:
 * the first byte picks the method, the rest is the path. A match must name a
 * handler of that method with one non-empty, slash-free slice of the path per
 * pattern parameter; a 405 must come with an Allow value that leaves the
 * method out; and whether a path is known must not depend on the method. */
#include "http/router.h"
#include "api/api.h"

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

static const struct {
	unsigned method;
	const char *name; /* as router_allow writes it */
} methods[] = {
    {METHOD_GET, "GET"},     {METHOD_HEAD, "HEAD"},     {METHOD_POST, "POST"}, {METHOD_PUT, "PUT"},
    {METHOD_PATCH, "PATCH"}, {METHOD_DELETE, "DELETE"}, {METHOD_OTHER, NULL},
};

#define NMETHODS (sizeof methods / sizeof methods[0])

static unsigned count_params(const char *pattern)
{
	unsigned n = 0;

	for (; *pattern; pattern++)
		n += *pattern == '{';
	return n;
}

/* True when the comma-separated list allow holds name as a whole item. */
static bool allow_has(const char *allow, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = allow; (p = strstr(p, name)) != NULL; p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static void check_match(unsigned method, const char *path, size_t len, const struct route_match *m)
{
	unsigned want = method == METHOD_HEAD ? METHOD_GET : method;

	CHECK(m->route >= api_routes && m->route < api_routes + api_routes_count);
	CHECK(m->method >= m->route->methods && m->method < m->route->methods + ROUTE_METHODS_MAX);
	CHECK(m->method->handler != NULL && m->method->method == want);
	CHECK(m->nparams == count_params(m->route->pattern) && m->nparams <= ROUTE_PARAMS_MAX);
	for (unsigned i = 0; i < m->nparams; i++) {
		const struct route_param *p = &m->params[i];
		CHECK(p->len > 0 && p->s >= path && p->s + p->len <= path + len);
		CHECK(memchr(p->s, '/', p->len) == NULL);
		CHECK(p->s[-1] == '/');
	}
	/* A path without parameters is its pattern, byte for byte. */
	if (m->nparams == 0)
		CHECK(strlen(m->route->pattern) == len && memcmp(m->route->pattern, path, len) == 0);
}

static void check_not_allowed(unsigned method, const struct route_match *m)
{
	char allow[ROUTE_ALLOW_BYTES];

	CHECK(m->route >= api_routes && m->route < api_routes + api_routes_count);
	memset(allow, 'X', sizeof allow);
	router_allow(m->route, allow);
	CHECK(memchr(allow, '\0', sizeof allow) != NULL);
	CHECK(allow[0] != '\0');
	for (size_t k = 0; k < NMETHODS; k++)
		if (methods[k].method == method && methods[k].name)
			CHECK(!allow_has(allow, methods[k].name));
	/* GET is listed exactly when HEAD is. */
	CHECK(allow_has(allow, "GET") == allow_has(allow, "HEAD"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned pick = data[0] % NMETHODS;
	const char *path = (const char *)data + 1;
	size_t len = size - 1;
	status found[NMETHODS];

	for (size_t k = 0; k < NMETHODS; k++) {
		struct route_match m, before;

		memset(&m, 0x5a, sizeof m);
		before = m;
		found[k] = router_match(api_routes, api_routes_count, methods[k].method, path, len, &m);
		switch (found[k]) {
		case STATUS_OK:
			check_match(methods[k].method, path, len, &m);
			break;
		case STATUS_METHOD_NOT_ALLOWED:
			/* Only the route is written. */
			CHECK(m.method == before.method && m.nparams == before.nparams);
			if (k == pick)
				check_not_allowed(methods[k].method, &m);
			break;
		case STATUS_NOT_FOUND:
			CHECK(memcmp(&m, &before, sizeof m) == 0);
			break;
		default:
			abort();
		}
		/* 404 depends on the path alone. */
		CHECK((found[k] == STATUS_NOT_FOUND) == (found[0] == STATUS_NOT_FOUND));
	}
	/* HEAD is answered exactly where GET is. */
	CHECK(found[0] == found[1]);
	return 0;
}
