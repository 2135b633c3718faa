/* session.h: from a presented token to a live session.
 * A token is good only when its signature and claims verify (auth/jwt) and
 * the session it names is live in the store: that is what makes logout
 * revoke at once on every instance. Knows nothing of HTTP. */
#ifndef TODOD_SESSION_H
#define TODOD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "auth/jwt.h"
#include "store/store.h"

#define SESSION_CACHE_MS 1000
#define SESSION_CACHE_SLOTS 8 /* remembered tokens per thread */

/* Verifies token[0..len) at now_ms and checks its session. STATUS_OK fills
 * claims; STATUS_UNAUTHORIZED for a bad token or a dead session;
 * STATUS_UNAVAILABLE / STATUS_INTERNAL when the store fails.
 * A token found good is remembered by the calling thread for at most
 * SESSION_CACHE_MS (as DESIGN.md allows): a revocation in this process
 * (session_revoke) is seen at once, one in another instance within that. */
status session_authenticate(const jwt_key *key, store_conn *c, const char *token, size_t len, int64_t now_ms,
			    struct jwt_claims *claims);

/* Signs the token of session sid for user_id, valid ttl_s seconds from now.
 * *token is malloc'd (the caller wipes and frees it). */
status session_issue(const jwt_key *key, const char *sid, const char *user_id, const char *email,
		     int64_t now_ms, int64_t ttl_s, char **token);

/* Revokes session sid (store_session_revoke) and forgets every token this
 * process remembers, so the revoked one is refused at once. */
status session_revoke(store_conn *c, const char *sid, int64_t now_ms);

#endif
