/* router.c: pattern matching of request paths, segment by segment.
 * Paths are matched as they arrive (still percent-encoded): "%31" is not
 * "1", so an encoded id is simply not a valid id. */
#include "http/router.h"

#include <stdbool.h>
#include <string.h>

unsigned method_parse(const char *name)
{
	static const struct {
		const char *name;
		unsigned method;
	} names[] = {
		{"GET", METHOD_GET},     {"HEAD", METHOD_HEAD},   {"POST", METHOD_POST},
		{"PUT", METHOD_PUT},     {"PATCH", METHOD_PATCH}, {"DELETE", METHOD_DELETE},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].method;
	return METHOD_OTHER;
}

/* Matches one pattern; fills params on success. */
static bool pattern_match(const char *pattern, const char *path, size_t len, struct route_match *m)
{
	const char *p = pattern;
	size_t i = 0;
	unsigned nparams = 0;

	while (*p && i < len) {
		if (*p != '/' || path[i] != '/')
			return false;
		p++;
		i++;
		const char *pend = strchr(p, '/');
		size_t plen = pend ? (size_t)(pend - p) : strlen(p);
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		size_t slen = i - start;
		if (plen > 1 && p[0] == '{') {
			if (slen == 0 || nparams == ROUTE_PARAMS_MAX)
				return false;
			m->params[nparams].s = path + start;
			m->params[nparams].len = slen;
			nparams++;
		} else if (plen != slen || memcmp(p, path + start, slen) != 0) {
			return false;
		}
		p += plen;
	}
	if (*p || i != len)
		return false;
	m->nparams = nparams;
	return true;
}

status router_match(const struct route *table, size_t n, unsigned method, const char *path, size_t len,
		    struct route_match *out)
{
	for (size_t r = 0; r < n; r++) {
		struct route_match m = {0};

		if (!pattern_match(table[r].pattern, path, len, &m))
			continue;
		m.route = &table[r];
		unsigned want = method == METHOD_HEAD ? METHOD_GET : method;
		for (size_t k = 0; k < ROUTE_METHODS_MAX && table[r].methods[k].handler; k++) {
			if (table[r].methods[k].method == want) {
				m.method = &table[r].methods[k];
				*out = m;
				return STATUS_OK;
			}
		}
		out->route = &table[r];
		return STATUS_METHOD_NOT_ALLOWED;
	}
	return STATUS_NOT_FOUND;
}

status router_match_tables(const struct route_table *tables, size_t n, unsigned method, const char *path,
			   size_t len, struct route_match *out)
{
	for (size_t t = 0; t < n; t++) {
		status st = router_match(tables[t].routes, tables[t].count, method, path, len, out);
		if (st != STATUS_NOT_FOUND)
			return st;
	}
	return STATUS_NOT_FOUND;
}

void router_allow(const struct route *route, char out[ROUTE_ALLOW_BYTES])
{
	static const struct {
		unsigned method;
		const char *name;
	} order[] = {
		{METHOD_GET, "GET, HEAD"}, {METHOD_POST, "POST"},     {METHOD_PUT, "PUT"},
		{METHOD_PATCH, "PATCH"},   {METHOD_DELETE, "DELETE"},
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t k = 0; k < ROUTE_METHODS_MAX && route->methods[k].handler; k++) {
			if (route->methods[k].method != order[o].method)
				continue;
			size_t n = strlen(order[o].name);
			if (len + n + 3 > ROUTE_ALLOW_BYTES)
				return;
			if (len) {
				memcpy(out + len, ", ", 2);
				len += 2;
			}
			memcpy(out + len, order[o].name, n + 1);
			len += n;
		}
	}
}
