/* test_jwt.c: unit tests for auth/jwt against RFC 7515 appendix A.1 and the
 * known attacks on JWT verifiers (alg confusion, alg none, tampering, claim
 * types, expiry edges, truncation, oversized and malformed input).
 * Hostile tokens are signed correctly here, so each is refused for its flaw
 * and not merely for its signature. */
#include "auth/jwt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#define VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define NOW     ((int64_t)1700000000)
#define HDR     "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define HDR_B64 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define SUB     "0b6f9a34-6a1d-4c39-9d2e-5f7f2c1d8e41"
#define SID     "q1w2e3r4t5y6u7i8o9p0aa"
#define ISS     "todod"

/* RFC 7515 appendix A.1 */
#define RFC_K          "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
#define RFC_HEADER_B64 "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
#define RFC_PAYLOAD_B64                                                                                      \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RFC_SIG     "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_HEADER  "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"
#define RFC_PAYLOAD "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"

static const unsigned char test_secret[32] = "0123456789abcdef0123456789abcdef";
static jwt_key key;

/* ---- helpers ------------------------------------------------------------ */

static char *b64(const void *data, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, VARIANT);
	char *out = malloc(cap);

	assert_non_null(out);
	sodium_bin2base64(out, cap, data, len, VARIANT);
	return out;
}

static void hmac256(const unsigned char *secret, size_t secret_len, const char *in, size_t len,
                    unsigned char mac[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, secret, secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)in, len);
	crypto_auth_hmacsha256_final(&st, mac);
}

static char *concat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *out = malloc(la + lb + lc + 3);

	assert_non_null(out);
	memcpy(out, a, la);
	out[la] = '.';
	memcpy(out + la + 1, b, lb);
	out[la + 1 + lb] = '.';
	memcpy(out + la + lb + 2, c, lc);
	out[la + lb + lc + 2] = '\0';
	return out;
}

__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...)
{
	va_list ap;
	int n;
	char *out;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	assert_true(n >= 0);
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	va_start(ap, f);
	vsnprintf(out, (size_t)n + 1, f, ap);
	va_end(ap);
	return out;
}

/* header_b64.payload_b64.HS256(secret) */
static char *sign_b64(const unsigned char *secret, size_t secret_len, const char *header_b64,
                      const char *payload_b64)
{
	unsigned char mac[32];
	char *input = fmt("%s.%s", header_b64, payload_b64);
	char *sig, *token;

	hmac256(secret, secret_len, input, strlen(input), mac);
	sig = b64(mac, sizeof mac);
	token = concat3(header_b64, payload_b64, sig);
	free(sig);
	free(input);
	return token;
}

static char *make_token_with(const unsigned char *secret, size_t secret_len, const char *header,
                             const char *payload)
{
	char *h = b64(header, strlen(header));
	char *p = b64(payload, strlen(payload));
	char *token = sign_b64(secret, secret_len, h, p);

	free(h);
	free(p);
	return token;
}

static char *make_token(const char *header, const char *payload)
{
	return make_token_with(test_secret, sizeof test_secret, header, payload);
}

/* Verifies token[0..len) from an exactly sized copy, so that any read past
 * the end is caught by AddressSanitizer. */
static status verify_exact(const jwt_key *k, const char *token, size_t len, int64_t now,
                           struct jwt_claims *out)
{
	char *copy = malloc(len ? len : 1);
	status st;

	assert_non_null(copy);
	memcpy(copy, token, len);
	st = jwt_verify(k, copy, len, now, out);
	free(copy);
	return st;
}

/* Checks that token is refused and that out is left alone. */
static void expect_rejected_at(const char *token, size_t len, int64_t now)
{
	struct jwt_claims out, before;

	memset(&out, 0xA5, sizeof out);
	memcpy(&before, &out, sizeof out);
	assert_int_equal(verify_exact(&key, token, len, now, &out), STATUS_UNAUTHORIZED);
	assert_memory_equal(&out, &before, sizeof out);
}

static void expect_rejected(const char *token)
{
	expect_rejected_at(token, strlen(token), NOW);
}

static void expect_accepted(const char *token, struct jwt_claims *out)
{
	assert_int_equal(verify_exact(&key, token, strlen(token), NOW, out), STATUS_OK);
}

static void reject_header(const char *header)
{
	char *token = make_token(header, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");

	expect_rejected(token);
	free(token);
}

static void reject_payload(const char *payload)
{
	char *token = make_token(HDR, payload);

	expect_rejected(token);
	free(token);
}

static void accept_payload(const char *payload, struct jwt_claims *out)
{
	char *token = make_token(HDR, payload);

	expect_accepted(token, out);
	free(token);
}

/* A payload with sub, sid and iss, and exp set to exp. */
static char *payload_exp(int64_t exp)
{
	return fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":%" PRId64 "}", exp);
}

static char *signed_valid(void)
{
	struct jwt_claims c;
	char *token = NULL;

	memset(&c, 0, sizeof c);
	memcpy(c.sub, SUB, sizeof SUB);
	memcpy(c.sid, SID, sizeof SID);
	memcpy(c.email, "ada@example.com", sizeof "ada@example.com");
	c.iat = NOW;
	c.exp = NOW + 3600;
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_OK);
	return token;
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	return jwt_key_init(&key, test_secret, sizeof test_secret, ISS) == STATUS_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	jwt_key_wipe(&key);
	return 0;
}

/* ---- RFC 7515 A.1 ------------------------------------------------------- */

static void rfc7515_hmac_vector(void **state)
{
	unsigned char k[64], mac[32], bin[128];
	char sig[sodium_base64_ENCODED_LEN(32, VARIANT)];
	const char *input = RFC_HEADER_B64 "." RFC_PAYLOAD_B64;
	size_t k_len, bin_len;

	(void)state;
	assert_int_equal(sodium_base642bin(k, sizeof k, RFC_K, strlen(RFC_K), NULL, &k_len, NULL, VARIANT),
	                 0);
	assert_int_equal(k_len, 64);

	assert_int_equal(sodium_base642bin(bin, sizeof bin, RFC_HEADER_B64, strlen(RFC_HEADER_B64), NULL,
	                                   &bin_len, NULL, VARIANT),
	                 0);
	assert_int_equal(bin_len, strlen(RFC_HEADER));
	assert_memory_equal(bin, RFC_HEADER, bin_len);

	hmac256(k, k_len, input, strlen(input), mac);
	sodium_bin2base64(sig, sizeof sig, mac, sizeof mac, VARIANT);
	assert_string_equal(sig, RFC_SIG);
}

static void rfc7515_token_lacks_claims(void **state)
{
	unsigned char k[64];
	size_t k_len;
	jwt_key rfc_key;
	struct jwt_claims out;
	const char *token = RFC_HEADER_B64 "." RFC_PAYLOAD_B64 "." RFC_SIG;
	char *good;

	(void)state;
	assert_int_equal(sodium_base642bin(k, sizeof k, RFC_K, strlen(RFC_K), NULL, &k_len, NULL, VARIANT),
	                 0);
	assert_int_equal(jwt_key_init(&rfc_key, k, k_len, "joe"), STATUS_OK);

	/* Correctly signed, but without sub and sid. */
	assert_int_equal(jwt_verify(&rfc_key, token, strlen(token), 1300819000, &out), STATUS_UNAUTHORIZED);

	/* The RFC's header (CRLF and all) with the claims we need, same key. */
	good = make_token_with(
	    k, k_len, RFC_HEADER,
	    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true,"
	    "\"sub\":\"" SUB "\",\"sid\":\"" SID "\"}");
	assert_int_equal(jwt_verify(&rfc_key, good, strlen(good), 1300819380, &out), STATUS_OK);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.sid, SID);
	assert_string_equal(out.email, "");
	assert_int_equal(out.exp, 1300819380);
	assert_int_equal(out.iat, 0);
	assert_int_equal(jwt_verify(&rfc_key, good, strlen(good), 1300819382, &out), STATUS_UNAUTHORIZED);
	assert_int_equal(jwt_verify(&key, good, strlen(good), 1300819380, &out), STATUS_UNAUTHORIZED);
	free(good);
	jwt_key_wipe(&rfc_key);
}

/* ---- signing ------------------------------------------------------------ */

static void round_trip(void **state)
{
	struct jwt_claims c, out;
	char *token = NULL;
	char *dot1, *dot2;
	unsigned char payload[512];
	size_t payload_len;
	const char *email = "\"ada\" \\ l\xC3\xB6velace \xF0\x9F\x98\x80@example.com";
	const char *expected =
	    "{\"sub\":\"" SUB "\",\"email\":\"\\\"ada\\\" \\\\ l\xC3\xB6velace \xF0\x9F\x98\x80"
	    "@example.com\",\"sid\":\"" SID "\",\"iat\":1700000000,\"exp\":1700604800,"
	    "\"iss\":\"" ISS "\"}";

	(void)state;
	memset(&c, 0, sizeof c);
	memcpy(c.sub, SUB, sizeof SUB);
	memcpy(c.sid, SID, sizeof SID);
	memcpy(c.email, email, strlen(email) + 1);
	c.iat = NOW;
	c.exp = NOW + 604800;
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_OK);
	assert_non_null(token);

	assert_memory_equal(token, HDR_B64 ".", strlen(HDR_B64) + 1);
	dot1 = strchr(token, '.');
	dot2 = strchr(dot1 + 1, '.');
	assert_non_null(dot2);
	assert_null(strchr(dot2 + 1, '.'));
	assert_int_equal(strlen(dot2 + 1), 43);
	assert_int_equal(sodium_base642bin(payload, sizeof payload, dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL,
	                                   &payload_len, NULL, VARIANT),
	                 0);
	assert_int_equal(payload_len, strlen(expected));
	assert_memory_equal(payload, expected, payload_len);

	memset(&out, 0, sizeof out);
	expect_accepted(token, &out);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.sid, SID);
	assert_string_equal(out.email, email);
	assert_int_equal(out.iat, NOW);
	assert_int_equal(out.exp, NOW + 604800);
	free(token);
}

static void sign_largest_claims(void **state)
{
	struct jwt_claims c, out;
	char *token = NULL;

	(void)state;
	memset(&c, 0, sizeof c);
	memset(c.sub, 'u', UUID_BYTES);
	memset(c.sid, 's', JWT_SID_BYTES);
	for (size_t i = 0; i < LIMIT_EMAIL_BYTES; i += 4)
		memcpy(c.email + i, "\xF0\x9F\x98\x80", 4);
	c.iat = INT64_MIN;
	c.exp = INT64_MAX;
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_OK);
	assert_true(strlen(token) <= LIMIT_TOKEN_BYTES);
	expect_rejected(token); /* a lifetime no server issues */
	free(token);
	c.iat = NOW;
	c.exp = NOW + LIMIT_TOKEN_TTL_DEFAULT_S;
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_OK);
	expect_accepted(token, &out);
	assert_string_equal(out.sub, c.sub);
	assert_string_equal(out.sid, c.sid);
	assert_string_equal(out.email, c.email);
	assert_true(out.iat == NOW);
	assert_true(out.exp == NOW + LIMIT_TOKEN_TTL_DEFAULT_S);
	free(token);
}

static void sign_refuses_bad_claims(void **state)
{
	struct jwt_claims c;
	jwt_key wiped;
	char *token = (char *)"untouched";

	(void)state;
	memset(&c, 0, sizeof c);
	memcpy(c.sid, SID, sizeof SID);
	c.exp = NOW;
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_INTERNAL); /* empty sub */
	memcpy(c.sub, SUB, sizeof SUB);
	memset(c.sid, 0, sizeof c.sid);
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_INTERNAL); /* empty sid */
	memcpy(c.sid, SID, sizeof SID);
	memset(c.sub, 'x', sizeof c.sub);
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_INTERNAL); /* sub not terminated */
	memcpy(c.sub, SUB, sizeof SUB);
	memcpy(c.email, "\xFF@example.com", sizeof "\xFF@example.com");
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_INTERNAL); /* not UTF-8 */
	/* Escaped control characters would make a token longer than the limit. */
	memset(c.email, 0x01, LIMIT_EMAIL_BYTES);
	assert_int_equal(jwt_sign(&key, &c, &token), STATUS_INTERNAL);
	memset(c.email, 0, sizeof c.email);

	wiped = key;
	jwt_key_wipe(&wiped);
	assert_int_equal(jwt_sign(&wiped, &c, &token), STATUS_INTERNAL);
	assert_string_equal(token, "untouched");
}

/* ---- the header: only HS256 -------------------------------------------- */

static void alg_none(void **state)
{
	const char *payload = "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}";
	char *h = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}", strlen("{\"alg\":\"none\",\"typ\":\"JWT\"}"));
	char *p = b64(payload, strlen(payload));
	char *unsigned_token = concat3(h, p, "");
	char *signed_token = sign_b64(test_secret, sizeof test_secret, h, p);

	(void)state;
	expect_rejected(unsigned_token);
	expect_rejected(signed_token);
	unsigned_token[strlen(unsigned_token) - 1] = '\0'; /* "h.p" */
	expect_rejected(unsigned_token);
	reject_header("{\"alg\":\"None\"}");
	reject_header("{\"alg\":\"NONE\"}");
	reject_header("{\"alg\":\"\"}");
	reject_header("{\"alg\":null}");
	free(signed_token);
	free(unsigned_token);
	free(p);
	free(h);
}

static void alg_hs512(void **state)
{
	const char *header = "{\"alg\":\"HS512\",\"typ\":\"JWT\"}";
	const char *payload = "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}";
	char *h = b64(header, strlen(header));
	char *p = b64(payload, strlen(payload));
	char *input = fmt("%s.%s", h, p);
	unsigned char mac[crypto_auth_hmacsha512_BYTES];
	crypto_auth_hmacsha512_state st;
	char *sig, *token;

	(void)state;
	crypto_auth_hmacsha512_init(&st, test_secret, sizeof test_secret);
	crypto_auth_hmacsha512_update(&st, (const unsigned char *)input, strlen(input));
	crypto_auth_hmacsha512_final(&st, mac);
	sig = b64(mac, sizeof mac);
	token = concat3(h, p, sig);
	expect_rejected(token);
	reject_header(header); /* with an HS256 signature */
	reject_header("{\"alg\":\"HS384\",\"typ\":\"JWT\"}");
	free(token);
	free(sig);
	free(input);
	free(p);
	free(h);
}

static void alg_rs256(void **state)
{
	(void)state;
	/* The secret used as an HMAC key under an asymmetric alg name. */
	reject_header("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
	reject_header("{\"alg\":\"ES256\",\"typ\":\"JWT\"}");
	reject_header("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}");
	reject_header("{\"alg\":\"PS256\",\"typ\":\"JWT\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}");
}

static void alg_spelling(void **state)
{
	(void)state;
	reject_header("{\"alg\":\"hs256\",\"typ\":\"JWT\"}");
	reject_header("{\"alg\":\"Hs256\"}");
	reject_header("{\"alg\":\"HS256 \"}");
	reject_header("{\"alg\":\" HS256\"}");
	reject_header("{\"alg\":\"HS2560\"}");
	reject_header("{\"alg\":\"HS25\"}");
	reject_header("{\"alg\":\"HS256\\u0000\"}");
	reject_header("{\"alg\":[\"HS256\"]}");
	reject_header("{\"alg\":256}");
	reject_header("{\"typ\":\"JWT\"}");
	reject_header("{}");
	reject_header("[\"HS256\"]");
	reject_header("\"HS256\"");
	reject_header("");
	reject_header("{\"alg\":\"HS256\"");
	reject_header("{\"alg\":\"HS256\"}{}");
}

static void header_members(void **state)
{
	const char *payload = "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}";
	struct jwt_claims out;
	char *token;

	(void)state;
	reject_header("{\"alg\":\"HS256\",\"typ\":\"jwt\"}");
	reject_header("{\"alg\":\"HS256\",\"typ\":\"JOSE\"}");
	reject_header("{\"alg\":\"HS256\",\"typ\":1}");
	reject_header("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}");
	reject_header("{\"alg\":\"HS256\",\"crit\":[]}");

	/* The control: well-formed headers pass, kid and white space ignored. */
	const char *good[] = {HDR, "{\"alg\":\"HS256\"}",
	                      "{\"typ\":\"JWT\",\"alg\":\"HS256\",\"kid\":\"k1\"}",
	                      " { \"alg\" : \"HS256\" } "};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		token = make_token(good[i], payload);
		expect_accepted(token, &out);
		free(token);
	}
}

static void duplicate_members(void **state)
{
	(void)state;
	reject_header("{\"alg\":\"HS256\",\"alg\":\"none\"}");
	reject_header("{\"alg\":\"none\",\"alg\":\"HS256\"}");
	reject_header("{\"alg\":\"HS256\",\"alg\":\"HS256\"}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600,\"exp\":1}");
	reject_payload("{\"sub\":\"other\",\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
}

/* ---- the signature ------------------------------------------------------ */

static void bad_signature(void **state)
{
	static const unsigned char other[32] = "fedcba9876543210fedcba9876543210";
	const char *payload = "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}";
	char *token = signed_valid();
	char *sig = strrchr(token, '.') + 1;
	char *copy, *foreign;

	(void)state;
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	expect_rejected(token);
	sig[0] = sig[0] == 'A' ? 'B' : 'A';

	copy = fmt("%.*sAA", (int)strlen(token), token); /* 34 bytes of signature */
	expect_rejected(copy);
	free(copy);
	copy = fmt("%.*s", (int)strlen(token) - 2, token); /* 31 bytes */
	expect_rejected(copy);
	free(copy);
	copy = fmt("%.*s", (int)(sig - token), token); /* empty */
	expect_rejected(copy);
	free(copy);

	foreign = make_token_with(other, sizeof other, HDR, payload);
	expect_rejected(foreign);
	free(foreign);
	free(token);
}

/* A signature must be exactly 32 bytes: a correct MAC cut to 31 bytes (its
 * last byte made 0, as a zeroed buffer would hold) or grown to 33 fails. */
static void signature_length(void **state)
{
	unsigned char mac[33];
	char *h = b64(HDR, strlen(HDR));
	char *p = NULL, *p64 = NULL, *input = NULL, *sig, *token;
	struct jwt_claims out;

	(void)state;
	for (unsigned n = 0;; n++) {
		free(p);
		free(p64);
		free(input);
		p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600,\"n\":%u}", n);
		p64 = b64(p, strlen(p));
		input = fmt("%s.%s", h, p64);
		hmac256(test_secret, sizeof test_secret, input, strlen(input), mac);
		if (mac[31] == 0)
			break;
	}
	sig = b64(mac, 32);
	token = concat3(h, p64, sig);
	expect_accepted(token, &out);
	free(token);
	free(sig);

	sig = b64(mac, 31);
	token = concat3(h, p64, sig);
	expect_rejected(token);
	free(token);
	free(sig);

	mac[32] = 0;
	sig = b64(mac, 33);
	token = concat3(h, p64, sig);
	expect_rejected(token);
	free(token);
	free(sig);
	free(input);
	free(p64);
	free(p);
	free(h);
}

static void tampered_token(void **state)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *token = signed_valid();
	size_t len = strlen(token);
	struct jwt_claims out;

	(void)state;
	expect_accepted(token, &out);
	for (size_t i = 0; i < len; i++) {
		char was = token[i];

		if (was == '.')
			continue;
		/* Two replacements per place, so one differs in its high bits. */
		for (size_t k = 0; k < 2; k++) {
			const char *at = strchr(alphabet, was);
			token[i] = alphabet[((size_t)(at - alphabet) + 1 + k * 31) % 64];
			expect_rejected(token);
		}
		token[i] = was;
	}
	expect_accepted(token, &out);
	free(token);
}

/* ---- claims ------------------------------------------------------------- */

static void expiry(void **state)
{
	struct jwt_claims out;
	char *p;

	(void)state;
	p = payload_exp(NOW - 2);
	reject_payload(p);
	free(p);
	p = payload_exp(NOW - 1);
	accept_payload(p, &out);
	assert_int_equal(out.exp, NOW - 1);
	free(p);
	p = payload_exp(NOW);
	accept_payload(p, &out);
	free(p);
	p = payload_exp(INT64_MAX);
	reject_payload(p);
	free(p);
	p = payload_exp(INT64_MIN);
	reject_payload(p);
	free(p);
	p = payload_exp(0);
	reject_payload(p);
	free(p);
}

static void expiry_of_signed_token(void **state)
{
	struct jwt_claims out;
	char *token = signed_valid();

	(void)state;
	assert_int_equal(jwt_verify(&key, token, strlen(token), NOW + 3600 + 1, &out), STATUS_OK);
	expect_rejected_at(token, strlen(token), NOW + 3600 + 2);
	expect_rejected_at(token, strlen(token), INT64_MAX);
	free(token);
}

static void iat_in_future(void **state)
{
	struct jwt_claims out;

	(void)state;
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":1700000002,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID
	               "\",\"iat\":9223372036854775807,\"exp\":1700003600}");
	accept_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":1700000001,\"exp\":1700003600}",
	               &out);
	assert_int_equal(out.iat, NOW + 1);
	accept_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":1699996400,\"exp\":1700003600}", &out);
	assert_int_equal(out.iat, NOW - 3600);
}

static void nbf_in_future(void **state)
{
	struct jwt_claims out;

	(void)state;
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"nbf\":1700000002,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"nbf\":\"1\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"nbf\":1.5,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"nbf\":null,\"exp\":1700003600}");
	accept_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"nbf\":1700000001,\"exp\":1700003600}",
	               &out);
	accept_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"nbf\":0,\"exp\":1700003600}", &out);
}

static void missing_claims(void **state)
{
	struct jwt_claims out;

	(void)state;
	reject_payload("{\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\"}");
	reject_payload("{\"sub\":\"\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"\",\"exp\":1700003600}");
	reject_payload("{}");
	reject_payload("[]");
	reject_payload("");
	reject_payload("null");
	accept_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}", &out);
	assert_string_equal(out.email, "");
	assert_int_equal(out.iat, 0);
}

static void claim_lengths(void **state)
{
	struct jwt_claims out;
	char sub[UUID_BYTES + 2], sid[JWT_SID_BYTES + 2], email[LIMIT_EMAIL_BYTES + 2];
	char *p;

	(void)state;
	memset(sub, 'u', sizeof sub - 1);
	sub[sizeof sub - 1] = '\0';
	memset(sid, 's', sizeof sid - 1);
	sid[sizeof sid - 1] = '\0';
	memset(email, 'e', sizeof email - 1);
	email[sizeof email - 1] = '\0';

	p = fmt("{\"sub\":\"%s\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}", sub);
	reject_payload(p);
	free(p);
	p = fmt("{\"sub\":\"%.*s\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}", UUID_BYTES, sub);
	accept_payload(p, &out);
	free(p);
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"%s\",\"iss\":\"" ISS "\",\"exp\":1700003600}", sid);
	reject_payload(p);
	free(p);
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"%.*s\",\"iss\":\"" ISS "\",\"exp\":1700003600}", JWT_SID_BYTES, sid);
	accept_payload(p, &out);
	free(p);
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"email\":\"%s\",\"exp\":1700003600}", email);
	reject_payload(p);
	free(p);
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"email\":\"%.*s\",\"exp\":1700003600}",
	        LIMIT_EMAIL_BYTES, email);
	accept_payload(p, &out);
	assert_int_equal(strlen(out.email), LIMIT_EMAIL_BYTES);
	free(p);
}

static void claim_types(void **state)
{
	(void)state;
	reject_payload("{\"sub\":123,\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":null,\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":[\"" SUB "\"],\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":{},\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":7,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":true,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":\"1700003600\"}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600.0}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1.8e9}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":true}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":null}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":[1700003600]}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":99999999999999999999}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":\"1\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":1.0,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"email\":5,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"email\":null,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\\u0000\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
}

static void issuer(void **state)
{
	struct jwt_claims out;

	(void)state;
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"other\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"TODOD\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"todod \",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"todo\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"\",\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":7,\"exp\":1700003600}");
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":null,\"exp\":1700003600}");
	accept_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"todod\",\"exp\":1700003600}",
	               &out);
	/* A token without iss is not one of ours. */
	reject_payload("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"exp\":1700003600}");
}

/* No token lives longer than the server issues them: exp - iat, or exp - now
 * without iat, at most the key's lifetime plus 1 s of leeway. */
static void lifetime(void **state)
{
	struct jwt_claims out;
	jwt_key k = key;
	char *p;

	(void)state;
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":%" PRId64
	        ",\"exp\":%" PRId64 "}", NOW, NOW + LIMIT_TOKEN_TTL_DEFAULT_S + 1);
	accept_payload(p, &out);
	free(p);
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":%" PRId64
	        ",\"exp\":%" PRId64 "}", NOW, NOW + LIMIT_TOKEN_TTL_DEFAULT_S + 2);
	reject_payload(p);
	free(p);
	/* an old iat makes a long lifetime even when exp is near */
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":%" PRId64
	        ",\"exp\":%" PRId64 "}", NOW - LIMIT_TOKEN_TTL_DEFAULT_S, NOW + 2);
	reject_payload(p);
	free(p);
	p = payload_exp(NOW + LIMIT_TOKEN_TTL_DEFAULT_S + 1);
	accept_payload(p, &out);
	free(p);
	p = payload_exp(NOW + LIMIT_TOKEN_TTL_DEFAULT_S + 2);
	reject_payload(p);
	free(p);
	p = payload_exp(INT64_MAX);
	reject_payload(p);
	free(p);
	p = fmt("{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"iat\":%" PRId64
	        ",\"exp\":%" PRId64 "}", INT64_MIN, INT64_MAX);
	reject_payload(p);
	free(p);

	/* the key's own lifetime decides */
	assert_int_equal(jwt_key_set_lifetime(&k, 0), STATUS_INVALID);
	assert_int_equal(jwt_key_set_lifetime(&k, LIMIT_TOKEN_TTL_MAX_S + 1), STATUS_INVALID);
	assert_int_equal(jwt_key_set_lifetime(NULL, 60), STATUS_INVALID);
	assert_int_equal(jwt_key_set_lifetime(&k, 60), STATUS_OK);
	char *ok = make_token(HDR, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS
	                           "\",\"iat\":1700000000,\"exp\":1700000061}");
	char *longer = make_token(HDR, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS
	                               "\",\"iat\":1700000000,\"exp\":1700000062}");
	assert_int_equal(jwt_verify(&k, ok, strlen(ok), NOW, &out), STATUS_OK);
	assert_int_equal(jwt_verify(&k, longer, strlen(longer), NOW, &out), STATUS_UNAUTHORIZED);
	assert_int_equal(jwt_verify(&key, longer, strlen(longer), NOW, &out), STATUS_OK);
	free(ok);
	free(longer);
	jwt_key_wipe(&k);
}

/* ---- malformed input ---------------------------------------------------- */

static void truncated(void **state)
{
	char *token = signed_valid();
	size_t len = strlen(token);
	struct jwt_claims out;

	(void)state;
	for (size_t n = 0; n < len; n++)
		expect_rejected_at(token, n, NOW);
	assert_int_equal(verify_exact(&key, token, len, NOW, &out), STATUS_OK);
	free(token);
}

static void garbage(void **state)
{
	static const char *inputs[] = {
	    "",
	    ".",
	    "..",
	    "...",
	    "....",
	    "a.b.c",
	    "a.b",
	    "a",
	    HDR_B64,
	    HDR_B64 ".",
	    HDR_B64 "..",
	    "." HDR_B64 ".",
	    "\xff\xfe.\x00.x",
	    "eyJ.eyJ.eyJ",
	    "e30.e30.",
	    "e30.e30.e30",
	};
	unsigned char bytes[400];
	char *token = signed_valid();
	char *dot1 = strchr(token, '.'), *dot2 = strrchr(token, '.');
	char *p;

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		expect_rejected(inputs[i]);
	expect_rejected_at("\0", 1, NOW);

	for (int i = 0; i < 2000; i++) {
		size_t n = randombytes_uniform(sizeof bytes);
		randombytes_buf(bytes, n);
		expect_rejected_at((const char *)bytes, n, NOW);
	}

	/* Padding, white space or a NUL at each segment's end. */
	static const char *extras[] = {"=", "==", " ", "\n", "\t"};
	for (size_t e = 0; e < sizeof extras / sizeof extras[0]; e++) {
		const char *x = extras[e];
		p = fmt("%.*s%s%s", (int)(dot1 - token), token, x, dot1);
		expect_rejected(p);
		free(p);
		p = fmt("%.*s%s%s", (int)(dot2 - token), token, x, dot2);
		expect_rejected(p);
		free(p);
		p = fmt("%s%s", token, x);
		expect_rejected(p);
		free(p);
		p = fmt("%s%s", x, token);
		expect_rejected(p);
		free(p);
	}
	p = fmt("%s", token);
	p[strlen(p) - 1] = '\0';
	expect_rejected_at(p, strlen(token), NOW); /* a NUL in place of the last byte */
	free(p);
	p = fmt("%s.", token); /* a third dot */
	expect_rejected(p);
	free(p);
	free(token);
}

/* A correctly signed token whose payload is exactly n bytes long. */
static char *token_with_payload_len(size_t n)
{
	const char *head = "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600,\"pad\":\"";
	size_t head_len = strlen(head);
	char *payload = malloc(n + 1);
	char *token;

	assert_non_null(payload);
	assert_true(n >= head_len + 2);
	memcpy(payload, head, head_len);
	memset(payload + head_len, 'x', n - head_len - 2);
	memcpy(payload + n - 2, "\"}", 3);
	token = make_token(HDR, payload);
	free(payload);
	return token;
}

static void oversized(void **state)
{
	char big[3001];
	struct jwt_claims out;
	char *token;

	(void)state;
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[1000] = '.';
	big[2000] = '.';
	expect_rejected(big);

	/* 36 + 1 + 1967 + 1 + 43 = 2048 bytes: the longest token accepted. */
	token = token_with_payload_len(1475);
	assert_int_equal(strlen(token), LIMIT_TOKEN_BYTES);
	expect_accepted(token, &out);
	free(token);
	token = token_with_payload_len(1476);
	assert_int_equal(strlen(token), LIMIT_TOKEN_BYTES + 1);
	expect_rejected(token);
	free(token);
	token = token_with_payload_len(2200);
	expect_rejected(token);
	free(token);
}

/* ---- keys --------------------------------------------------------------- */

static void key_init_limits(void **state)
{
	static unsigned char secret[LIMIT_SECRET_MAX_BYTES + 1];
	char issuer_name[JWT_ISSUER_BYTES + 2];
	jwt_key k, before;

	(void)state;
	memset(secret, 7, sizeof secret);
	memset(&k, 0x5A, sizeof k);
	memcpy(&before, &k, sizeof k);
	assert_int_equal(jwt_key_init(&k, secret, LIMIT_SECRET_MIN_BYTES - 1, ISS), STATUS_INVALID);
	assert_int_equal(jwt_key_init(&k, secret, 0, ISS), STATUS_INVALID);
	assert_int_equal(jwt_key_init(&k, secret, LIMIT_SECRET_MAX_BYTES + 1, ISS), STATUS_INVALID);
	assert_int_equal(jwt_key_init(&k, NULL, 32, ISS), STATUS_INVALID);
	assert_int_equal(jwt_key_init(&k, secret, 32, ""), STATUS_INVALID);
	assert_int_equal(jwt_key_init(&k, secret, 32, NULL), STATUS_INVALID);
	assert_int_equal(jwt_key_init(&k, secret, 32, "\xff"), STATUS_INVALID);
	memset(issuer_name, 'i', sizeof issuer_name - 1);
	issuer_name[sizeof issuer_name - 1] = '\0';
	assert_int_equal(jwt_key_init(&k, secret, 32, issuer_name), STATUS_INVALID);
	assert_memory_equal(&k, &before, sizeof k);

	issuer_name[JWT_ISSUER_BYTES] = '\0';
	assert_int_equal(jwt_key_init(&k, secret, LIMIT_SECRET_MIN_BYTES, issuer_name), STATUS_OK);
	assert_int_equal(k.secret_len, LIMIT_SECRET_MIN_BYTES);
	assert_string_equal(k.issuer, issuer_name);
	assert_int_equal(jwt_key_init(&k, secret, LIMIT_SECRET_MAX_BYTES, ISS), STATUS_OK);
	assert_int_equal(k.secret_len, LIMIT_SECRET_MAX_BYTES);
	jwt_key_wipe(&k);
	memset(&before, 0, sizeof before);
	assert_memory_equal(&k, &before, sizeof k);
	jwt_key_wipe(NULL);
}

static void long_secret(void **state)
{
	static unsigned char secret[200];
	jwt_key k;
	struct jwt_claims out;
	char *token;

	(void)state;
	for (size_t i = 0; i < sizeof secret; i++)
		secret[i] = (unsigned char)i;
	assert_int_equal(jwt_key_init(&k, secret, sizeof secret, ISS), STATUS_OK);
	token = make_token_with(secret, sizeof secret, HDR,
	                        "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	assert_int_equal(jwt_verify(&k, token, strlen(token), NOW, &out), STATUS_OK);
	assert_int_equal(jwt_verify(&key, token, strlen(token), NOW, &out), STATUS_UNAUTHORIZED);
	free(token);
	jwt_key_wipe(&k);
}

static void wiped_key(void **state)
{
	jwt_key k = key;
	char *token = signed_valid();
	struct jwt_claims out;
	char *empty_key_token;

	(void)state;
	jwt_key_wipe(&k);
	assert_int_equal(jwt_verify(&k, token, strlen(token), NOW, &out), STATUS_UNAUTHORIZED);
	/* A token signed under the empty key must not pass a wiped key. */
	empty_key_token = make_token_with((const unsigned char *)"", 0, HDR,
	                                  "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"iss\":\"" ISS "\",\"exp\":1700003600}");
	assert_int_equal(jwt_verify(&k, empty_key_token, strlen(empty_key_token), NOW, &out),
	                 STATUS_UNAUTHORIZED);
	assert_int_equal(jwt_verify(NULL, token, strlen(token), NOW, &out), STATUS_UNAUTHORIZED);
	assert_int_equal(jwt_verify(&key, NULL, 0, NOW, &out), STATUS_UNAUTHORIZED);
	free(empty_key_token);
	free(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc7515_hmac_vector),
	    cmocka_unit_test(rfc7515_token_lacks_claims),
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(sign_largest_claims),
	    cmocka_unit_test(sign_refuses_bad_claims),
	    cmocka_unit_test(alg_none),
	    cmocka_unit_test(alg_hs512),
	    cmocka_unit_test(alg_rs256),
	    cmocka_unit_test(alg_spelling),
	    cmocka_unit_test(header_members),
	    cmocka_unit_test(duplicate_members),
	    cmocka_unit_test(bad_signature),
	    cmocka_unit_test(signature_length),
	    cmocka_unit_test(tampered_token),
	    cmocka_unit_test(expiry),
	    cmocka_unit_test(expiry_of_signed_token),
	    cmocka_unit_test(iat_in_future),
	    cmocka_unit_test(nbf_in_future),
	    cmocka_unit_test(missing_claims),
	    cmocka_unit_test(claim_lengths),
	    cmocka_unit_test(claim_types),
	    cmocka_unit_test(issuer),
	    cmocka_unit_test(lifetime),
	    cmocka_unit_test(truncated),
	    cmocka_unit_test(garbage),
	    cmocka_unit_test(oversized),
	    cmocka_unit_test(key_init_limits),
	    cmocka_unit_test(long_secret),
	    cmocka_unit_test(wiped_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
