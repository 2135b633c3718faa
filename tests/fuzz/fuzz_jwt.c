/* fuzz_jwt.c: libFuzzer target for jwt_verify on arbitrary bytes.
 * The key and the clock are fixed so that the seed corpus holds a token that
 * verifies, and mutations of it reach the claim checks past the signature. */
#include "auth/jwt.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define FUZZ_NOW ((int64_t)1700000000)

/* 32 bytes; the corpus seed fuzz_jwt/valid is signed with it. */
static const char fuzz_secret[] = "todod-fuzz-secret-0123456789abcd";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jwt_key key;
	static int ready;
	struct jwt_claims out;

	if (!ready) {
		if (sodium_init() < 0 ||
		    jwt_key_init(&key, fuzz_secret, sizeof fuzz_secret - 1, "todod") != STATUS_OK)
			abort();
		ready = 1;
	}
	if (jwt_verify(&key, (const char *)data, size, FUZZ_NOW, &out) == STATUS_OK) {
		/* Whatever passes must satisfy the promises of jwt.h. */
		if (out.sub[0] == '\0' || out.sid[0] == '\0' || out.exp < FUZZ_NOW - LIMIT_TOKEN_LEEWAY_S)
			abort();
	}
	return 0;
}
