/* password.h: argon2id password hashing (libsodium).
 * Parameters are one of OWASP's equivalent settings (m = 7 MiB, t = 5, p = 1;
 * password.c says why). Each call
 * costs tens of milliseconds: call only from the worker pool, never from an
 * HTTP thread. Knows nothing of users or HTTP. */
#ifndef TODOD_PASSWORD_H
#define TODOD_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h"
#include "core/status.h"

#define PASSWORD_HASH_BYTES LIMIT_HASH_BYTES /* encoded hash, with its NUL */

/* Prepares libsodium. Each hash's memory is mapped for it and unmapped when
 * it is done, so it goes back to the system. STATUS_INTERNAL on failure. */
status password_init(void);

/* Hashes pw[0..len) into out (NUL-terminated encoded string).
 * STATUS_NOMEM when the hash memory cannot be had. */
status password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_BYTES]);

/* STATUS_OK when pw[0..len) matches the encoded hash,
 * STATUS_INVALID_CREDENTIALS otherwise (also for a malformed hash). */
status password_verify(const char *hash, const char *pw, size_t len);

/* True when hash was made with other parameters than the current ones (it
 * is then rehashed at the next successful login). */
bool password_needs_rehash(const char *hash);

#endif
