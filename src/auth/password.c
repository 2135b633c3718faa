/* password.c: argon2id hashing, verification and rehash checks on libsodium.
 * The cost parameters are set here and nowhere else: OWASP's argon2id
 * setting m = 7 MiB, t = 5, p = 1 (as strong as its m = 19 MiB, t = 2 and
 * m = 12 MiB, t = 3: the same work, less memory), so that a hash running
 * under load stays within the 32 MiB memory budget; measured on 2 cores,
 * it is also a little faster than m = 12 MiB (fewer pages to fault in). Hashes
 * made with other parameters still verify (they are in the encoded hash)
 * and are redone at the next sign-in. Password length and content rules
 * are the caller's; so is wiping the password afterwards. */
#include "auth/password.h"

#include <sodium.h>
#include <string.h>

#define OPSLIMIT               5ULL                       /* argon2 t */
#define MEMLIMIT               ((size_t)7 * 1024 * 1024)  /* argon2 m, 7 MiB */

_Static_assert(PASSWORD_HASH_BYTES >= crypto_pwhash_STRBYTES, "an encoded hash must fit");

status password_init(void)
{
	if (sodium_init() < 0)
		return STATUS_INTERNAL;
	/* Nothing to tune in the allocator: libsodium maps each hash's 7 MiB
	 * with mmap and unmaps it when done, so it goes back to the system. */
	return STATUS_OK;
}

status password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_BYTES])
{
	char hash[crypto_pwhash_STRBYTES];

	if (!pw && len > 0)
		return STATUS_INTERNAL;
	if (crypto_pwhash_str_alg(hash, pw ? pw : "", len, OPSLIMIT, MEMLIMIT,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return STATUS_NOMEM;
	memcpy(out, hash, sizeof hash);
	return STATUS_OK;
}

/* An encoded hash is a NUL-terminated string that fits PASSWORD_HASH_BYTES;
 * libsodium reads it as a C string, so check the bound before handing it on. */
static bool hash_is_bounded(const char *hash)
{
	return hash && strnlen(hash, PASSWORD_HASH_BYTES) < PASSWORD_HASH_BYTES;
}

status password_verify(const char *hash, const char *pw, size_t len)
{
	if (!hash_is_bounded(hash) || (!pw && len > 0))
		return STATUS_INVALID_CREDENTIALS;
	if (crypto_pwhash_str_verify(hash, pw ? pw : "", len) != 0)
		return STATUS_INVALID_CREDENTIALS;
	return STATUS_OK;
}

bool password_needs_rehash(const char *hash)
{
	if (!hash_is_bounded(hash))
		return true;
	return crypto_pwhash_str_needs_rehash(hash, OPSLIMIT, MEMLIMIT) != 0;
}
