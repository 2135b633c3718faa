/* session.c: token verification joined to the session table, with a short
 * per-thread memory of tokens found good, so a busy client costs one HMAC
 * and one lookup per second rather than per request. */
#include "auth/session.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

/* Tokens that verified and whose session was live, per thread. */
struct cached_token {
	char token[LIMIT_TOKEN_BYTES];
	size_t len; /* 0: empty slot */
	const jwt_key *key;
	struct jwt_claims claims;
	int64_t checked_ms;
	uint64_t generation;
};

static _Thread_local struct cached_token cache[SESSION_CACHE_SLOTS];

/* Bumped by every revocation in this process: older entries are stale. */
static atomic_uint_fast64_t generation;

static struct cached_token *slot_of(const char *token, size_t len)
{
	unsigned h = (unsigned)len;

	/* The signature's last bytes are as good as random. */
	for (size_t i = len > 8 ? len - 8 : 0; i < len; i++)
		h = h * 31 + (unsigned char)token[i];
	return &cache[h % SESSION_CACHE_SLOTS];
}

static bool cache_hit(const struct cached_token *e, const jwt_key *key, const char *token, size_t len,
		      int64_t now_ms)
{
	return e->len == len && e->key == key && e->generation == atomic_load(&generation) &&
	       now_ms - e->checked_ms < SESSION_CACHE_MS && now_ms >= e->checked_ms &&
	       now_ms / 1000 <= e->claims.exp + LIMIT_TOKEN_LEEWAY_S && sodium_memcmp(e->token, token, len) == 0;
}

status session_authenticate(const jwt_key *key, store_conn *c, const char *token, size_t len, int64_t now_ms,
			    struct jwt_claims *claims)
{
	struct cached_token *e = len <= LIMIT_TOKEN_BYTES ? slot_of(token, len) : NULL;
	struct jwt_claims got;
	uint64_t gen = atomic_load(&generation);
	status st;

	if (e && cache_hit(e, key, token, len, now_ms)) {
		*claims = e->claims;
		return STATUS_OK;
	}
	st = jwt_verify(key, token, len, now_ms / 1000, &got);
	if (st != STATUS_OK)
		return STATUS_UNAUTHORIZED;
	st = store_session_check(c, got.sid, got.sub, now_ms);
	if (st == STATUS_NOT_FOUND)
		st = STATUS_UNAUTHORIZED;
	if (st != STATUS_OK)
		return st;
	if (e) {
		memcpy(e->token, token, len);
		e->len = len;
		e->key = key;
		e->claims = got;
		e->checked_ms = now_ms;
		e->generation = gen;
	}
	*claims = got;
	return STATUS_OK;
}

status session_revoke(store_conn *c, const char *sid, int64_t now_ms)
{
	status st = store_session_revoke(c, sid, now_ms);

	atomic_fetch_add(&generation, 1);
	return st;
}

status session_issue(const jwt_key *key, const char *sid, const char *user_id, const char *email,
		     int64_t now_ms, int64_t ttl_s, char **token)
{
	struct jwt_claims claims = {0};

	if (strlen(sid) > JWT_SID_BYTES || strlen(user_id) > UUID_BYTES || strlen(email) > LIMIT_EMAIL_BYTES)
		return STATUS_INTERNAL;
	memcpy(claims.sid, sid, strlen(sid) + 1);
	memcpy(claims.sub, user_id, strlen(user_id) + 1);
	memcpy(claims.email, email, strlen(email) + 1);
	claims.iat = now_ms / 1000;
	claims.exp = claims.iat + ttl_s;
	return jwt_sign(key, &claims, token);
}
