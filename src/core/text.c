/* text.c: UTF-8 validation and counting, trimming, bounded copies. */
#include "core/text.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

bool utf8_is_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}

size_t utf8_count(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t count = 0;

	for (size_t i = 0; i < len; i++)
		count += (s[i] & 0xC0) != 0x80;
	return count;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void text_trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	while (n > 0 && is_space(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_space(p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

bool text_copy_lower(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	dst[len] = '\0';
	return true;
}

bool text_copy(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

static locale_t utf8_locale;
static pthread_once_t utf8_locale_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes one code point of valid UTF-8 at s; returns its length. */
static size_t decode_one(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	unsigned v = n == 1 ? s[0] : n == 2 ? s[0] & 0x1Fu : n == 3 ? s[0] & 0x0Fu : s[0] & 0x07u;

	if (n > len)
		n = len;
	for (size_t k = 1; k < n; k++)
		v = (v << 6) | (s[k] & 0x3Fu);
	*cp = v;
	return n;
}

static size_t encode_one(unsigned cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char)(0xF0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

bool text_fold(char *dst, size_t cap, const char *src, size_t len, size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	pthread_once(&utf8_locale_once, utf8_locale_init);
	for (size_t i = 0; i < len;) {
		unsigned cp;
		unsigned char enc[4];
		i += decode_one(s + i, len - i, &cp);
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		else if (cp >= 0x80 && utf8_locale)
			cp = (unsigned)towlower_l((wint_t)cp, utf8_locale);
		size_t n = encode_one(cp, enc);
		if (o + n >= cap)
			return false;
		memcpy(dst + o, enc, n);
		o += n;
	}
	if (o >= cap)
		return false;
	dst[o] = '\0';
	if (out_len)
		*out_len = o;
	return true;
}
