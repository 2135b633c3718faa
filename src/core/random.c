/* random.c: UUIDs and opaque ids from libsodium's randombytes. */
#include "core/random.h"

#include <sodium.h>

void random_uuid(char out[UUID_BYTES + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t o = 0;

	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

void random_token(char out[RANDOM_TOKEN_BYTES + 1])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	sodium_bin2base64(out, RANDOM_TOKEN_BYTES + 1, b, sizeof(b), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
