/* jwt.c: HS256 compact JWS on libsodium (HMAC-SHA256, base64url) and Jansson.
 * Verification checks the length, the shape and the header first, then the
 * signature in constant time, and parses the payload only after that. Whether
 * the session named by a token is still live is left to the store. */
#include "auth/jwt.h"
#include "core/text.h"

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define MAC_BYTES   crypto_auth_hmacsha256_BYTES
#define HEADER_JSON "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

_Static_assert(MAC_BYTES == 32, "HS256 signatures are 32 bytes");

status jwt_key_init(jwt_key *key, const void *secret, size_t len, const char *issuer)
{
	size_t issuer_len;

	if (!key || !secret || !issuer)
		return STATUS_INVALID;
	if (len < LIMIT_SECRET_MIN_BYTES || len > LIMIT_SECRET_MAX_BYTES)
		return STATUS_INVALID;
	issuer_len = strnlen(issuer, JWT_ISSUER_BYTES + 1);
	if (issuer_len == 0 || issuer_len > JWT_ISSUER_BYTES || !utf8_is_valid(issuer, issuer_len))
		return STATUS_INVALID;

	sodium_memzero(key, sizeof *key);
	memcpy(key->secret, secret, len);
	key->secret_len = len;
	memcpy(key->issuer, issuer, issuer_len);
	key->issuer[issuer_len] = '\0';
	key->max_lifetime_s = LIMIT_TOKEN_TTL_DEFAULT_S;
	return STATUS_OK;
}

status jwt_key_set_lifetime(jwt_key *key, int64_t ttl_s)
{
	if (!key || ttl_s < 1 || ttl_s > LIMIT_TOKEN_TTL_MAX_S)
		return STATUS_INVALID;
	key->max_lifetime_s = ttl_s;
	return STATUS_OK;
}

void jwt_key_wipe(jwt_key *key)
{
	if (key)
		sodium_memzero(key, sizeof *key);
}

/* A wiped or never-initialised key has no secret: refuse to sign or verify
 * with it rather than compute an HMAC under an empty key. */
static bool key_is_usable(const jwt_key *key)
{
	return key && key->secret_len >= LIMIT_SECRET_MIN_BYTES && key->secret_len <= LIMIT_SECRET_MAX_BYTES;
}

static void hmac(const jwt_key *key, const char *input, size_t len, unsigned char mac[MAC_BYTES])
{
	crypto_auth_hmacsha256_state state;

	crypto_auth_hmacsha256_init(&state, key->secret, key->secret_len);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)input, len);
	crypto_auth_hmacsha256_final(&state, mac);
	sodium_memzero(&state, sizeof state);
}

/* a > b + slack, without overflow (slack >= 0). */
static bool is_later(int64_t a, int64_t b, int64_t slack)
{
	if (b > INT64_MAX - slack)
		return false;
	return a > b + slack;
}

/* ---- signing ------------------------------------------------------------ */

/* Sets obj[name] to the string s, at most max bytes and, when required, not
 * empty. Bad input is a caller bug: STATUS_INTERNAL. */
static status put_string(json_t *obj, const char *name, const char *s, size_t cap, bool required)
{
	size_t len = strnlen(s, cap);

	if (len == cap || (required && len == 0) || !utf8_is_valid(s, len))
		return STATUS_INTERNAL;
	if (json_object_set_new(obj, name, json_stringn(s, len)) != 0)
		return STATUS_NOMEM;
	return STATUS_OK;
}

static status put_integer(json_t *obj, const char *name, int64_t v)
{
	if (json_object_set_new(obj, name, json_integer((json_int_t)v)) != 0)
		return STATUS_NOMEM;
	return STATUS_OK;
}

/* The payload as compact JSON text (malloc'd), claims in a fixed order. */
static status payload_json(const jwt_key *key, const struct jwt_claims *claims, char **out)
{
	json_t *obj = json_object();
	status st = STATUS_NOMEM;

	if (!obj)
		goto done;
	if ((st = put_string(obj, "sub", claims->sub, sizeof claims->sub, true)) != STATUS_OK ||
	    (st = put_string(obj, "email", claims->email, sizeof claims->email, false)) != STATUS_OK ||
	    (st = put_string(obj, "sid", claims->sid, sizeof claims->sid, true)) != STATUS_OK ||
	    (st = put_integer(obj, "iat", claims->iat)) != STATUS_OK ||
	    (st = put_integer(obj, "exp", claims->exp)) != STATUS_OK ||
	    (st = put_string(obj, "iss", key->issuer, sizeof key->issuer, true)) != STATUS_OK)
		goto done;
	*out = json_dumps(obj, JSON_COMPACT);
	st = *out ? STATUS_OK : STATUS_NOMEM;
done:
	json_decref(obj);
	return st;
}

/* Unpadded base64url length of n bytes, without the NUL. */
static size_t b64_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, B64_VARIANT) - 1;
}

status jwt_sign(const jwt_key *key, const struct jwt_claims *claims, char **out)
{
	unsigned char mac[MAC_BYTES];
	char *payload = NULL;
	char *token = NULL;
	size_t payload_len, header_end, payload_end, token_len;
	status st = STATUS_INTERNAL;

	if (!key_is_usable(key) || !claims || !out)
		goto done;
	if ((st = payload_json(key, claims, &payload)) != STATUS_OK)
		goto done;
	payload_len = strlen(payload);
	header_end = b64_len(sizeof HEADER_JSON - 1);
	payload_end = header_end + 1 + b64_len(payload_len);
	token_len = payload_end + 1 + b64_len(MAC_BYTES);
	/* A token that jwt_verify would refuse is a bug, not a token. */
	if (token_len > LIMIT_TOKEN_BYTES) {
		st = STATUS_INTERNAL;
		goto done;
	}
	token = malloc(token_len + 1);
	if (!token) {
		st = STATUS_NOMEM;
		goto done;
	}

	sodium_bin2base64(token, header_end + 1, (const unsigned char *)HEADER_JSON, sizeof HEADER_JSON - 1,
	                  B64_VARIANT);
	token[header_end] = '.';
	sodium_bin2base64(token + header_end + 1, payload_end - header_end, (const unsigned char *)payload,
	                  payload_len, B64_VARIANT);
	hmac(key, token, payload_end, mac);
	token[payload_end] = '.';
	sodium_bin2base64(token + payload_end + 1, token_len - payload_end, mac, sizeof mac, B64_VARIANT);

	*out = token;
	token = NULL;
	st = STATUS_OK;
done:
	free(token);
	if (payload) {
		/* json_dumps allocates with Jansson's allocator: free with it. */
		json_malloc_t jmalloc;
		json_free_t jfree;
		json_get_alloc_funcs(&jmalloc, &jfree);
		sodium_memzero(payload, strlen(payload));
		jfree(payload);
	}
	sodium_memzero(mac, sizeof mac);
	return st;
}

/* ---- verification ------------------------------------------------------- */

/* Strict base64url: no padding, no white space, canonical trailing bits. */
static bool b64_decode(unsigned char *bin, size_t cap, const char *s, size_t len, size_t *bin_len)
{
	return sodium_base642bin(bin, cap, s, len, NULL, bin_len, NULL, B64_VARIANT) == 0;
}

/* Decodes s[0..len) into scratch and parses it as a JSON object with no
 * duplicate member names. NULL when it is anything else. */
static json_t *decode_object(const char *s, size_t len, unsigned char *scratch, size_t cap)
{
	size_t n;
	json_t *obj;

	if (!b64_decode(scratch, cap, s, len, &n))
		return NULL;
	obj = json_loadb((const char *)scratch, n, JSON_REJECT_DUPLICATES, NULL);
	if (obj && !json_is_object(obj)) {
		json_decref(obj);
		obj = NULL;
	}
	return obj;
}

/* Finds the two dots of token[0..len); false unless there are exactly two. */
static bool split(const char *token, size_t len, size_t *dot1, size_t *dot2)
{
	const char *end = token + len;
	const char *a = memchr(token, '.', len);
	const char *b = a ? memchr(a + 1, '.', (size_t)(end - a - 1)) : NULL;

	if (!b || memchr(b + 1, '.', (size_t)(end - b - 1)))
		return false;
	*dot1 = (size_t)(a - token);
	*dot2 = (size_t)(b - token);
	return true;
}

static bool string_is(const json_t *v, const char *expected)
{
	size_t n = strlen(expected);

	return json_is_string(v) && json_string_length(v) == n &&
	       memcmp(json_string_value(v), expected, n) == 0;
}

/* The algorithm is pinned: "alg" must be exactly "HS256". Extensions the
 * token says we must understand ("crit") are refused: we understand none. */
static bool header_is_acceptable(const json_t *header)
{
	const json_t *typ = json_object_get(header, "typ");

	if (!string_is(json_object_get(header, "alg"), "HS256"))
		return false;
	if (typ && !string_is(typ, "JWT"))
		return false;
	return json_object_get(header, "crit") == NULL;
}

/* Copies the string claim name into dst (capacity cap). An absent optional
 * claim gives "". Required claims must be present and not empty. */
static bool read_string(const json_t *payload, const char *name, bool required, char *dst, size_t cap)
{
	const json_t *v = json_object_get(payload, name);

	if (!v)
		return !required && text_copy(dst, cap, "", 0);
	if (!json_is_string(v) || (required && json_string_length(v) == 0))
		return false;
	return text_copy(dst, cap, json_string_value(v), json_string_length(v));
}

/* Reads the integer claim name; *present says whether it was there. */
static bool read_integer(const json_t *payload, const char *name, bool *present, int64_t *out)
{
	const json_t *v = json_object_get(payload, name);

	*present = v != NULL;
	if (!v)
		return true;
	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

static bool issuer_matches(const json_t *payload, const jwt_key *key)
{
	const json_t *iss = json_object_get(payload, "iss");

	return iss && string_is(iss, key->issuer);
}

/* No token this server issued lives longer than its TTL: exp - iat, or
 * exp - now for a token without iat, beyond it (plus the leeway) is forged
 * or from another configuration. */
static bool lifetime_is_acceptable(const jwt_key *key, int64_t exp, bool has_iat, int64_t iat, int64_t now)
{
	int64_t lifetime;

	if (__builtin_sub_overflow(exp, has_iat ? iat : now, &lifetime))
		return false;
	return lifetime <= key->max_lifetime_s + LIMIT_TOKEN_LEEWAY_S;
}

static bool read_claims(const json_t *payload, const jwt_key *key, int64_t now, struct jwt_claims *c)
{
	bool has_exp, has_iat, has_nbf;
	int64_t nbf = 0;

	c->iat = 0;
	if (!read_string(payload, "sub", true, c->sub, sizeof c->sub) ||
	    !read_string(payload, "sid", true, c->sid, sizeof c->sid) ||
	    !read_string(payload, "email", false, c->email, sizeof c->email) ||
	    !read_integer(payload, "exp", &has_exp, &c->exp) ||
	    !read_integer(payload, "iat", &has_iat, &c->iat) ||
	    !read_integer(payload, "nbf", &has_nbf, &nbf) || !issuer_matches(payload, key))
		return false;
	if (!has_exp || is_later(now, c->exp, LIMIT_TOKEN_LEEWAY_S))
		return false;
	if (has_iat && is_later(c->iat, now, LIMIT_TOKEN_LEEWAY_S))
		return false;
	if (!lifetime_is_acceptable(key, c->exp, has_iat, c->iat, now))
		return false;
	return !(has_nbf && is_later(nbf, now, LIMIT_TOKEN_LEEWAY_S));
}

status jwt_verify(const jwt_key *key, const char *token, size_t len, int64_t now, struct jwt_claims *out)
{
	unsigned char scratch[LIMIT_TOKEN_BYTES];
	unsigned char mac[MAC_BYTES];
	unsigned char sig[MAC_BYTES];
	struct jwt_claims claims;
	json_t *header = NULL;
	json_t *payload = NULL;
	size_t dot1, dot2, sig_len;
	status st = STATUS_UNAUTHORIZED;

	memset(&claims, 0, sizeof claims);
	if (!key_is_usable(key) || !token || !out || len > LIMIT_TOKEN_BYTES ||
	    !split(token, len, &dot1, &dot2))
		goto done;

	header = decode_object(token, dot1, scratch, sizeof scratch);
	if (!header || !header_is_acceptable(header))
		goto done;

	hmac(key, token, dot2, mac);
	if (!b64_decode(sig, sizeof sig, token + dot2 + 1, len - dot2 - 1, &sig_len) ||
	    sig_len != sizeof sig || crypto_verify_32(mac, sig) != 0)
		goto done;

	payload = decode_object(token + dot1 + 1, dot2 - dot1 - 1, scratch, sizeof scratch);
	if (!payload || !read_claims(payload, key, now, &claims))
		goto done;

	*out = claims;
	st = STATUS_OK;
done:
	json_decref(payload);
	json_decref(header);
	sodium_memzero(&claims, sizeof claims);
	sodium_memzero(sig, sizeof sig);
	sodium_memzero(mac, sizeof mac);
	sodium_memzero(scratch, sizeof scratch);
	return st;
}
