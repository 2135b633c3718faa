/* random.h: identifiers from the system CSPRNG (libsodium). */
#ifndef TODOD_RANDOM_H
#define TODOD_RANDOM_H

#include "core/limits.h"

#define RANDOM_TOKEN_BYTES 22 /* 16 random bytes in base64url, without NUL */

/* A random (version 4) UUID in lower-case text form. */
void random_uuid(char out[UUID_BYTES + 1]);

/* 128 random bits as unpadded base64url text. */
void random_token(char out[RANDOM_TOKEN_BYTES + 1]);

#endif
