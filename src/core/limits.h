/* limits.h: every input ceiling of todod, declared once.
 * Each is checked before anything is copied or parsed. Lengths named _CHARS
 * count Unicode code points; _BYTES count bytes of UTF-8. */
#ifndef TODOD_LIMITS_H
#define TODOD_LIMITS_H

/* HTTP */
#define LIMIT_BODY_BYTES (64 * 1024)        /* larger: 413 */
#define LIMIT_BODY_LINGER_BYTES (4 * 1024 * 1024) /* read and dropped after an early 413 */
#define LIMIT_URI_BYTES 8192                /* request target (path + query); longer: 414 */
#define LIMIT_URI_LOG_BYTES 256             /* a path is logged cut to this */
#define LIMIT_HEADER_BYTES (8 * 1024)       /* header fields (name + value + 4 each); more: 431 */
#define LIMIT_HEADER_FIELDS 100             /* header fields and cookies in one request (a
                                               record each in libmicrohttpd's pool); more: 431 */
#define LIMIT_QUERY_PARAMS 16               /* distinct parameters in a query */
#define LIMIT_CONNECTIONS 4096              /* open connections at once */
#define LIMIT_CONNECTIONS_PER_ADDRESS_DEFAULT 512 /* TODOD_MAX_CONNECTIONS_PER_ADDRESS */
#define LIMIT_CONNECTIONS_HEADROOM 64       /* this close to the limit, a new connection
                                               closes the one idle the longest */
#define LIMIT_CONNECTION_MEMORY (32 * 1024) /* libmicrohttpd's per-connection pool: above
                                               the target and header limits together (a
                                               head they allow takes at most about 31 KiB
                                               of it: half for reading, 64 bytes a field or
                                               cookie, a copy of the cookies), so todod
                                               sees an oversized request first. The library
                                               zeroes all of it after every request: it
                                               counts in the RSS of every kept-alive
                                               connection, and 64 KiB cost about 7% of the
                                               list's rate (HACKING.md) */
#define LIMIT_CONNECTION_TIMEOUT_S 30       /* idle keep-alive connection closed after */
#define LIMIT_REQUEST_SILENCE_S 10          /* a request in progress silent this long: dropped */
#define LIMIT_JSON_DEPTH 8                  /* nesting allowed in a body */
#define LIMIT_TOKEN_BYTES 2048              /* a JWT longer is refused */
#define LIMIT_ORIGIN_BYTES 512

/* users */
#define LIMIT_EMAIL_CHARS 254
#define LIMIT_EMAIL_BYTES (LIMIT_EMAIL_CHARS * 4)
#define LIMIT_PASSWORD_MIN_CHARS 8
#define LIMIT_PASSWORD_CHARS 128
#define LIMIT_PASSWORD_BYTES (LIMIT_PASSWORD_CHARS * 4)
#define LIMIT_NAME_CHARS 100
#define LIMIT_NAME_BYTES (LIMIT_NAME_CHARS * 4)
#define LIMIT_HASH_BYTES 128 /* an encoded argon2id hash string */
#define UUID_BYTES 36        /* text form, without the NUL */

/* tasks */
#define LIMIT_TITLE_CHARS 200
#define LIMIT_TITLE_BYTES (LIMIT_TITLE_CHARS * 4)
#define LIMIT_DESCRIPTION_CHARS 1000
#define LIMIT_DESCRIPTION_BYTES (LIMIT_DESCRIPTION_CHARS * 4)
#define LIMIT_QUERY_TEXT_CHARS 200 /* the q= search text */
#define LIMIT_QUERY_TEXT_BYTES (LIMIT_QUERY_TEXT_CHARS * 4)
#define LIMIT_PAGE_DEFAULT 50
#define LIMIT_PAGE_MAX 100
#define LIMIT_OFFSET_MAX 1000000000LL

/* authentication */
#define LIMIT_LOGIN_WINDOW_S (15 * 60)
#define LIMIT_LOGIN_FAILURES_EMAIL 5    /* default of TODOD_LOGIN_MAX_FAILURES */
#define LIMIT_LOGIN_FAILURES_CLIENT 50  /* per client address */
#define LIMIT_REGISTER_PER_ADDRESS_DEFAULT 50 /* TODOD_REGISTER_MAX_PER_ADDRESS, per hour */
#define LIMIT_REGISTER_WINDOW_S 3600
#define LIMIT_HASH_QUEUE 256            /* queued password hashes in all; full: 429 */
#define LIMIT_HASH_QUEUE_PER_ADDRESS 16 /* queued for one client address; more: 429 */
#define LIMIT_REFUSALS_AT_ONCE 30       /* sign-in and registration 429s per address per minute
					   answered at once; the next ones wait: */
#define LIMIT_REFUSAL_DELAY_MS 250      /* this long (http/delay.h) */
#define LIMIT_TOKEN_TTL_DEFAULT_S 604800
#define LIMIT_TOKEN_TTL_MAX_S (366LL * 24 * 3600)
#define LIMIT_TOKEN_LEEWAY_S 1
#define LIMIT_SECRET_MIN_BYTES 32
#define LIMIT_SECRET_MAX_BYTES 1024

#endif
