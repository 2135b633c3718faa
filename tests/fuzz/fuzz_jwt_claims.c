/* fuzz_jwt_claims.c: libFuzzer target for the claim checks of jwt_verify.
 * The input is a JWT's header and payload JSON, separated by the first NUL
 * byte (no NUL: the input is the payload under the usual header); the
 * harness signs them with the key, so every input gets past the signature
 * and reaches header and claim parsing. */
#include "auth/jwt.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NOW ((int64_t)1700000000)
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char fuzz_secret[] = "todod-fuzz-secret-0123456789abcd";
static const char default_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Appends the base64url of bin[0..len) at out + *at. */
static void put_b64(char *out, size_t *at, const void *bin, size_t len)
{
	sodium_bin2base64(out + *at, sodium_base64_ENCODED_LEN(len, B64), bin, len, B64);
	*at += strlen(out + *at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jwt_key key;
	static int ready;
	static char token[8192];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	const uint8_t *nul = memchr(data, 0, size);
	const void *header = nul ? (const void *)data : (const void *)default_header;
	size_t header_len = nul ? (size_t)(nul - data) : sizeof default_header - 1;
	const uint8_t *payload = nul ? nul + 1 : data;
	size_t payload_len = nul ? size - header_len - 1 : size;
	struct jwt_claims out;
	size_t at = 0;

	if (!ready) {
		if (sodium_init() < 0 ||
		    jwt_key_init(&key, fuzz_secret, sizeof fuzz_secret - 1, "todod") != STATUS_OK)
			abort();
		ready = 1;
	}
	if (header_len > 1024 || payload_len > 4096)
		return 0;
	put_b64(token, &at, header, header_len);
	token[at++] = '.';
	put_b64(token, &at, payload, payload_len);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)fuzz_secret, sizeof fuzz_secret - 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, at);
	crypto_auth_hmacsha256_final(&st, mac);
	token[at++] = '.';
	put_b64(token, &at, mac, sizeof mac);

	if (jwt_verify(&key, token, at, FUZZ_NOW, &out) == STATUS_OK) {
		/* Whatever passes must satisfy the promises of jwt.h. */
		if (out.sub[0] == '\0' || out.sid[0] == '\0' || strlen(out.sub) > UUID_BYTES ||
		    strlen(out.sid) > JWT_SID_BYTES || out.exp < FUZZ_NOW - LIMIT_TOKEN_LEEWAY_S)
			abort();
	}
	return 0;
}
