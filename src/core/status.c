/* status.c: names and HTTP codes of the project-wide status enum. */
#include "core/status.h"

static const struct {
	const char *name;
	unsigned http;
} table[STATUS_COUNT] = {
	[STATUS_OK] = {"ok", 200},
	[STATUS_BAD_REQUEST] = {"bad_request", 400},
	[STATUS_UNAUTHORIZED] = {"unauthorized", 401},
	[STATUS_INVALID_CREDENTIALS] = {"invalid_credentials", 401},
	[STATUS_FORBIDDEN] = {"forbidden", 403},
	[STATUS_NOT_FOUND] = {"not_found", 404},
	[STATUS_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405},
	[STATUS_CONFLICT] = {"email_taken", 409},
	[STATUS_TOO_LARGE] = {"payload_too_large", 413},
	[STATUS_UNSUPPORTED_MEDIA] = {"unsupported_media_type", 415},
	[STATUS_INVALID] = {"validation_failed", 422},
	[STATUS_RATE_LIMITED] = {"rate_limited", 429},
	[STATUS_INTERNAL] = {"internal", 500},
	[STATUS_NOMEM] = {"internal", 500},
	[STATUS_UNAVAILABLE] = {"unavailable", 503},
	[STATUS_URI_TOO_LONG] = {"uri_too_long", 414},
	[STATUS_HEADERS_TOO_LARGE] = {"headers_too_large", 431},
};

const char *status_code_name(status s)
{
	if ((unsigned)s >= STATUS_COUNT)
		return "internal";
	return table[s].name;
}

unsigned status_http_code(status s)
{
	if ((unsigned)s >= STATUS_COUNT)
		return 500;
	return table[s].http;
}
