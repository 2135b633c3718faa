/* negotiate.c: reading Accept-Encoding and If-None-Match, bounded by the
 * NUL-terminated header value libmicrohttpd hands over; never writes. */
#include "web/negotiate.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* A q value of zero ("0", "0.0", "0.000") refuses the coding. */
static bool is_q_zero(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	if (len < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return false;
	p += 2;
	len -= 2;
	if (len == 0 || *p != '0')
		return false;
	for (size_t i = 1; i < len; i++)
		if (p[i] != '.' && p[i] != '0' && p[i] != ' ')
			return false;
	return true;
}

bool negotiate_gzip(const char *accept_encoding)
{
	const char *p = accept_encoding;
	int star = -1; /* -1 absent, 0 refused, 1 allowed */

	while (p && *p) {
		size_t item = strcspn(p, ",");
		size_t name = strcspn(p, ",;");
		const char *n = p;
		while (name && (*n == ' ' || *n == '\t')) {
			n++;
			name--;
		}
		while (name && (n[name - 1] == ' ' || n[name - 1] == '\t'))
			name--;
		const char *param = p + strcspn(p, ",;");
		bool refused = *param == ';' && is_q_zero(param + 1, (size_t)(p + item - param - 1));
		if (name == 4 && strncasecmp(n, "gzip", 4) == 0)
			return !refused;
		if (name == 1 && *n == '*')
			star = !refused;
		p += item;
		if (*p == ',')
			p++;
	}
	return star == 1;
}

bool negotiate_etag_matches(const char *header, const char *etag)
{
	size_t elen = strlen(etag);

	while (header && *header) {
		header += strspn(header, " \t,");
		if (*header == '*')
			return true;
		if (strncmp(header, "W/", 2) == 0)
			header += 2;
		if (*header != '"')
			return false;
		const char *end = strchr(header + 1, '"');
		if (!end)
			return false;
		if ((size_t)(end + 1 - header) == elen && memcmp(header, etag, elen) == 0)
			return true;
		header = end + 1;
	}
	return false;
}

