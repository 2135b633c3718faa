/* sqlite_search.h: the search index's tokenizer and its queries (SQLite).
 *
 * tasks_fts (migrations/sqlite/004_search_per_user.sql) is tokenized by
 * "todod_grams", registered on every connection by sqlite_search_register.
 * Each indexed text is "OWNER\x1fFOLDED": the task's user id, the unit
 * separator, the text as todod_fold folds it. Its tokens are the owner's
 * key followed by every run of one, two and three characters of FOLDED, so
 * each user has a list of tasks per n-gram of their own: a lookup costs
 * what that user's tasks hold, not what every user's do. The owner's key
 * is 0x01 and the 128 bits of a lower-case UUID (7 to a byte, high bit
 * set), or 0x02, the owner as written and 0x1f for any other id: one key
 * per user, never shared, never a NUL byte (FTS5 keeps pending terms
 * NUL-terminated).
 *
 * In a query (MATCH), each phrase is "OWNER\x1fGRAM" and is one token, the
 * owner's key followed by GRAM as written (sqlite_search_match builds
 * them). */
#ifndef TODOD_SQLITE_SEARCH_H
#define TODOD_SQLITE_SEARCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#define SEARCH_OWNER_SEP '\x1f'

/* Registers the tokenizer on db; an SQLite result code. */
int sqlite_search_register(sqlite3 *db);

/* Writes to out (capacity cap) the token of owner's n-gram gram (at most
 * three characters), as the tokenizer makes it; returns its length, 0 when
 * it does not fit or is no token. SEARCH_TOKEN_MAX bytes always fit. */
#define SEARCH_TOKEN_MAX 80
size_t sqlite_search_token(const char *owner, const char *gram, char *out, size_t cap);

/* How a folded search text is looked up in the index. */
enum search_match {
	MATCH_NONE,   /* an empty text: no search */
	MATCH_EXACT,  /* one or two characters: the one n-gram is the answer */
	MATCH_TRIGRAM /* three or more: tasks holding each tiling trigram */
};

/* Writes to match (capacity cap) the FTS5 query for the folded text
 * pattern in owner's tasks: for one or two characters the one phrase of the
 * text (whose tasks are exactly those holding it), for more the trigrams that
 * tile it (characters 0-2, 3-5, ... and the last three, all required: every
 * task holding the text holds them; the caller checks each candidate).
 * *kind tells which. false when match is too small. */
bool sqlite_search_match(const char *owner, const char *pattern, char *match, size_t cap,
                         enum search_match *kind);

/* The capacity sqlite_search_match needs for a pattern of pattern_bytes
 * bytes and an owner of owner_bytes. */
#define SEARCH_MATCH_CAP(pattern_bytes, owner_bytes)                                                         \
	(((pattern_bytes) / 3 + 2) * (2 * (owner_bytes) + 2 * 12 + 5) + 1)

#endif
