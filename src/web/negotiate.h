/* negotiate.h: the request headers a page or asset answer depends on:
 * Accept-Encoding (may it be gzip?) and If-None-Match (does the client hold
 * this version?). Pure: no I/O, so they are unit-tested and fuzzed as they are. */
#ifndef TODOD_NEGOTIATE_H
#define TODOD_NEGOTIATE_H

#include <stdbool.h>

/* True when the Accept-Encoding value allows gzip: gzip named without q=0,
 * or, when gzip is not named, "*" without q=0. NULL (no header) is false. */
bool negotiate_gzip(const char *accept_encoding);

/* True when the If-None-Match value names etag (a quoted strong tag, as
 * "\"abc\""), compared weakly as RFC 9110 asks for GET, or is "*". NULL is
 * false; a malformed list stops at the first bad entry. */
bool negotiate_etag_matches(const char *if_none_match, const char *etag);

#endif
