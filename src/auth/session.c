/* session.c: token verification joined to the session table. */
#include "auth/session.h"

#include <string.h>

status session_authenticate(const jwt_key *key, store_conn *c, const char *token, size_t len, int64_t now_ms,
			    struct jwt_claims *claims)
{
	struct jwt_claims got;
	status st = jwt_verify(key, token, len, now_ms / 1000, &got);

	if (st != STATUS_OK)
		return STATUS_UNAUTHORIZED;
	st = store_session_check(c, got.sid, got.sub, now_ms);
	if (st == STATUS_NOT_FOUND)
		st = STATUS_UNAUTHORIZED;
	if (st != STATUS_OK)
		return st;
	*claims = got;
	return STATUS_OK;
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
