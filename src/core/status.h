/* status.h: the one project-wide result code.
 * Every fallible function returns a status and writes its out-parameters only
 * on STATUS_OK. http/response.c is the single place that maps a status to an
 * HTTP code and an error body. */
#ifndef TODOD_STATUS_H
#define TODOD_STATUS_H

typedef enum status {
	STATUS_OK = 0,
	STATUS_BAD_REQUEST,        /* 400 bad_request: malformed input */
	STATUS_UNAUTHORIZED,       /* 401 unauthorized: no valid token */
	STATUS_INVALID_CREDENTIALS,/* 401 invalid_credentials: wrong email or password */
	STATUS_FORBIDDEN,          /* 403 forbidden */
	STATUS_NOT_FOUND,          /* 404 not_found */
	STATUS_METHOD_NOT_ALLOWED, /* 405 method_not_allowed */
	STATUS_CONFLICT,           /* 409 email_taken: a unique value already exists */
	STATUS_TOO_LARGE,          /* 413 payload_too_large */
	STATUS_UNSUPPORTED_MEDIA,  /* 415 unsupported_media_type */
	STATUS_INVALID,            /* 422 validation_failed */
	STATUS_RATE_LIMITED,       /* 429 rate_limited */
	STATUS_INTERNAL,           /* 500 internal: a bug or an unexpected failure */
	STATUS_NOMEM,              /* 500 internal: out of memory */
	STATUS_UNAVAILABLE,        /* 503 unavailable: database down, queue full */
	STATUS_URI_TOO_LONG,       /* 414 uri_too_long: request target over the limit */
	STATUS_HEADERS_TOO_LARGE,  /* 431 headers_too_large: header fields over the limit */
	STATUS_COUNT
} status;

/* The stable machine-readable name of a status ("not_found"), never NULL. */
const char *status_code_name(status s);

/* The HTTP status code for s (200 for STATUS_OK). */
unsigned status_http_code(status s);

#endif
