/* jwt.h: HS256 JSON Web Tokens, issued and verified.
 * The algorithm is pinned by the key, never taken from the token: only a
 * header with "alg":"HS256" is accepted, the signature is checked in
 * constant time before the payload is parsed, and every claim is checked.
 * Knows nothing of HTTP or of sessions (see store_session_check). */
#ifndef TODOD_JWT_H
#define TODOD_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/status.h"

#define JWT_SID_BYTES 64    /* longest session id accepted, without NUL */
#define JWT_ISSUER_BYTES 64 /* longest issuer, without NUL */

typedef struct jwt_key {
	unsigned char secret[LIMIT_SECRET_MAX_BYTES];
	size_t secret_len;
	char issuer[JWT_ISSUER_BYTES + 1];
	int64_t max_lifetime_s; /* longest exp - iat this server issues */
} jwt_key;

struct jwt_claims {
	char sub[UUID_BYTES + 1];           /* user id */
	char sid[JWT_SID_BYTES + 1];        /* session id */
	char email[LIMIT_EMAIL_BYTES + 1];  /* empty when absent */
	int64_t iat;                        /* seconds since the epoch */
	int64_t exp;                        /* seconds since the epoch */
};

/* Fills key from secret[0..len) and issuer, with the default token
 * lifetime (LIMIT_TOKEN_TTL_DEFAULT_S). STATUS_INVALID when the secret
 * is shorter than LIMIT_SECRET_MIN_BYTES or longer than
 * LIMIT_SECRET_MAX_BYTES, or the issuer is empty or too long. */
status jwt_key_init(jwt_key *key, const void *secret, size_t len, const char *issuer);

/* Sets the lifetime of the tokens this server issues: a token claiming a
 * longer one (beyond LIMIT_TOKEN_LEEWAY_S) is refused. STATUS_INVALID
 * unless 1 <= ttl_s <= LIMIT_TOKEN_TTL_MAX_S. */
status jwt_key_set_lifetime(jwt_key *key, int64_t ttl_s);

/* Wipes the secret. Accepts NULL. */
void jwt_key_wipe(jwt_key *key);

/* Signs claims (sub, sid, email, iat, exp; iss from the key) into a compact
 * JWS. *out is malloc'd and NUL-terminated; the caller frees it (after
 * sodium_memzero when it is done). STATUS_NOMEM or STATUS_INTERNAL. */
status jwt_sign(const jwt_key *key, const struct jwt_claims *claims, char **out);

/* Verifies token[0..len) at time now (seconds) and, on STATUS_OK, fills out.
 * STATUS_UNAUTHORIZED for anything wrong: malformed, longer than
 * LIMIT_TOKEN_BYTES, alg other than HS256, bad signature, expired beyond
 * LIMIT_TOKEN_LEEWAY_S, iat in the future beyond the leeway, nbf not reached,
 * missing or mistyped sub/sid/exp, iss missing or not the key's, a lifetime
 * (exp - iat, or exp - now without iat) beyond the key's max_lifetime_s
 * plus the leeway. */
status jwt_verify(const jwt_key *key, const char *token, size_t len, int64_t now, struct jwt_claims *out);

#endif
