/* sqlite_search.c: the "todod_grams" FTS5 tokenizer and the queries of the
 * search index (see sqlite_search.h). */
#include "store/sqlite_search.h"

#include <string.h>

#define KEY_UUID   0x01
#define KEY_OTHER  0x02
#define UUID_CHARS 36
#define OWNER_MAX  64 /* the store's user ids are UUIDs; a longer owner is an error */
#define KEY_MAX    (OWNER_MAX + 2)
#define GRAM_MAX   12 /* three characters of at most four bytes */

/* The character after the one at p, at most end (UTF-8; a stray
 * continuation byte counts as one character). */
static const char *next_char(const char *p, const char *end)
{
	for (p++; p < end && ((unsigned char)*p & 0xC0) == 0x80; p++)
		;
	return p;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Writes owner's key (len at most OWNER_MAX) to key (KEY_MAX bytes);
 * returns its length. A token must hold no NUL (FTS5 keeps its pending
 * terms NUL-terminated), so the 128 bits of a UUID go 7 to a byte, each
 * byte's high bit set: 19 bytes. */
static size_t owner_key(const char *owner, size_t len, unsigned char *key)
{
	size_t n = 0;
	bool uuid = len == UUID_CHARS;

	for (size_t i = 0; uuid && i < len; i++)
		uuid = (i == 8 || i == 13 || i == 18 || i == 23) ? owner[i] == '-' : hex_value(owner[i]) >= 0;
	if (uuid) {
		unsigned acc = 0, bits = 0;

		key[n++] = KEY_UUID;
		for (size_t i = 0; i < len; i++) {
			if (owner[i] == '-')
				continue;
			acc = (acc << 4 | (unsigned)hex_value(owner[i])) & 0x7ff;
			bits += 4;
			if (bits >= 7) {
				bits -= 7;
				key[n++] = (unsigned char)(0x80 | (acc >> bits & 0x7f));
			}
		}
		if (bits)
			key[n++] = (unsigned char)(0x80 | (acc << (7 - bits) & 0x7f));
		return n;
	}
	key[n++] = KEY_OTHER;
	memcpy(key + n, owner, len);
	n += len;
	key[n++] = SEARCH_OWNER_SEP;
	return n;
}

static int grams_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
	(void)ctx;
	(void)args;
	if (nargs != 0)
		return SQLITE_ERROR;
	static int stateless;

	*out = (Fts5Tokenizer *)(void *)&stateless;
	return SQLITE_OK;
}

static void grams_delete(Fts5Tokenizer *t)
{
	(void)t;
}

/* A document gives the key and every run of one, two and three characters
 * of its text; a query phrase gives the key and the rest as written. */
static int grams_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
                          int (*token)(void *, int, const char *, int, int, int))
{
	unsigned char buf[KEY_MAX + GRAM_MAX];
	const char *end = text + len, *sep = memchr(text, SEARCH_OWNER_SEP, (size_t)len), *p;
	size_t k;
	int rc = SQLITE_OK;

	(void)t;
	if (!sep || sep - text > OWNER_MAX)
		return SQLITE_TOOBIG; /* not "OWNER\x1fTEXT": not ours to index */
	k = owner_key(text, (size_t)(sep - text), buf);
	p = sep + 1;
	if (flags & FTS5_TOKENIZE_QUERY) {
		size_t n = (size_t)(end - p);

		if (n > GRAM_MAX)
			n = 0; /* no n-gram of ours: the key alone, which no task lists */
		memcpy(buf + k, p, n);
		return token(ctx, 0, (const char *)buf, (int)(k + n), (int)(p - text), (int)(p - text + n));
	}
	for (; rc == SQLITE_OK && p < end; p = next_char(p, end)) {
		const char *q = p;

		for (int chars = 0; rc == SQLITE_OK && chars < 3 && q < end; chars++) {
			q = next_char(q, end);
			memcpy(buf + k, p, (size_t)(q - p));
			rc = token(ctx, 0, (const char *)buf, (int)(k + (size_t)(q - p)), (int)(p - text),
			           (int)(q - text));
		}
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int sqlite_search_register(sqlite3 *db)
{
	static fts5_tokenizer grams = {grams_create, grams_delete, grams_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK && (!api || api->iVersion < 2))
		rc = SQLITE_ERROR;
	if (rc == SQLITE_OK)
		rc = api->xCreateTokenizer(api, "todod_grams", NULL, &grams, NULL);
	return rc;
}

size_t sqlite_search_token(const char *owner, const char *gram, char *out, size_t cap)
{
	unsigned char key[KEY_MAX];
	size_t owner_len = strlen(owner), gram_len = strlen(gram), k;

	if (owner_len > OWNER_MAX || gram_len > GRAM_MAX)
		return 0;
	k = owner_key(owner, owner_len, key);
	if (k + gram_len > cap)
		return 0;
	memcpy(out, key, k);
	memcpy(out + k, gram, gram_len);
	return k + gram_len;
}

/* Appends the phrase "OWNER\x1fGRAM" (quotes doubled) and a space. */
static bool phrase_add(char *match, size_t cap, size_t *o, const char *owner, const char *gram,
                       const char *gram_end)
{
	size_t need = 2 * (strlen(owner) + (size_t)(gram_end - gram)) + 4;
	const char *parts[2][2] = {{owner, owner + strlen(owner)}, {gram, gram_end}};

	if (*o + need >= cap)
		return false;
	match[(*o)++] = '"';
	for (int i = 0; i < 2; i++) {
		for (const char *p = parts[i][0]; p < parts[i][1]; p++) {
			if (*p == '"')
				match[(*o)++] = '"';
			match[(*o)++] = *p;
		}
		if (i == 0)
			match[(*o)++] = SEARCH_OWNER_SEP;
	}
	match[(*o)++] = '"';
	match[(*o)++] = ' ';
	return true;
}

bool sqlite_search_match(const char *owner, const char *pattern, char *match, size_t cap,
                         enum search_match *kind)
{
	const char *end = pattern + strlen(pattern), *p, *last = pattern;
	size_t chars = 0, i = 0, o = 0;
	bool fits = true;

	for (p = pattern; p < end; p = next_char(p, end))
		chars++;
	if (chars == 0) {
		*kind = MATCH_NONE;
		return true;
	}
	if (chars < 3) {
		fits = phrase_add(match, cap, &o, owner, pattern, end);
		*kind = MATCH_EXACT;
	} else {
		for (p = pattern; fits && i + 3 <= chars; p = next_char(p, end), i++) {
			if (i % 3 == 0)
				fits = phrase_add(match, cap, &o, owner, p,
				                  next_char(next_char(next_char(p, end), end), end));
			last = p;
		}
		if (fits && chars % 3 != 0)
			fits = phrase_add(match, cap, &o, owner, last,
			                  next_char(next_char(next_char(last, end), end), end));
		*kind = MATCH_TRIGRAM;
	}
	if (!fits) {
		if (cap)
			match[0] = '\0';
		return false;
	}
	match[o - 1] = '\0';
	return true;
}
