/* text.h: UTF-8 and string helpers shared by validation and parsing.
 * Pure functions on caller-owned memory; nothing here allocates. */
#ifndef TODOD_TEXT_H
#define TODOD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) and holds no NUL byte. */
bool utf8_is_valid(const char *s, size_t len);

/* The number of code points in the valid UTF-8 string s[0..len). */
size_t utf8_count(const char *s, size_t len);

/* Narrows [*s, *s + *len) to drop leading and trailing ASCII white space. */
void text_trim(const char **s, size_t *len);

/* Copies src[0..len) to dst (capacity cap, NUL-terminated), ASCII letters
 * lower-cased. Returns false, writing nothing, when len + 1 > cap. */
bool text_copy_lower(char *dst, size_t cap, const char *src, size_t len);

/* Lower-cases the valid UTF-8 src[0..len) code point by code point (Unicode
 * simple case mapping, as C.UTF-8 defines it) into dst (capacity cap,
 * NUL-terminated); *out_len gets the bytes written. The result may be
 * shorter or longer than src. Returns false, writing nothing useful, when it
 * does not fit. Thread-safe. */
bool text_fold(char *dst, size_t cap, const char *src, size_t len, size_t *out_len);

/* Copies src[0..len) to dst (capacity cap) and NUL-terminates. Returns false,
 * writing nothing, when len + 1 > cap. */
bool text_copy(char *dst, size_t cap, const char *src, size_t len);

#endif
