/* fuzz_body.c: libFuzzer target for the JSON body parsers of api/input on
 * the same bytes: input_register, input_login and input_task of each kind.
 * Whatever is accepted must keep the contract's rules (lengths in code
 * points, trimmed, lower-case email, valid UTF-8), every refusal must be
 * one of the promised statuses, and all parsers agree on what is not JSON. */
#include "api/input.h"
#include "core/text.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			abort();                                                                             \
	} while (0)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* s is a NUL-terminated, valid UTF-8 string of min..max code points that
 * fits in cap bytes; when trimmed, it neither starts nor ends with space. */
static void check_text(const char *s, size_t cap, size_t min, size_t max, bool trimmed)
{
	size_t len = strnlen(s, cap);

	CHECK(len < cap);
	CHECK(utf8_is_valid(s, len));
	CHECK(utf8_count(s, len) >= min && utf8_count(s, len) <= max);
	if (trimmed && len > 0)
		CHECK(!is_space(s[0]) && !is_space(s[len - 1]));
}

static void check_lower(const char *s)
{
	for (; *s; s++)
		CHECK(!(*s >= 'A' && *s <= 'Z'));
}

/* The statuses input.h promises, and a verr that matches the status. */
static void check_status(status st, const struct verr *e)
{
	CHECK(st == STATUS_OK || st == STATUS_BAD_REQUEST || st == STATUS_INVALID);
	if (st == STATUS_INVALID) {
		CHECK(e->n >= 1 && e->n <= VERR_MAX);
		for (unsigned i = 0; i < e->n; i++) {
			size_t len = strnlen(e->items[i].field, sizeof e->items[i].field);
			CHECK(len <= VERR_FIELD_BYTES);
			CHECK(utf8_is_valid(e->items[i].field, len));
			CHECK(e->items[i].message != NULL && e->items[i].message[0] != '\0');
		}
	} else {
		CHECK(e->n == 0);
	}
	/* a 400 always says why; nothing else does */
	CHECK((st == STATUS_BAD_REQUEST) == (e->bad_request != NULL));
}

static status fuzz_register(const char *body, size_t len)
{
	struct register_input out;
	struct verr e = {0};
	status st = input_register(body, len, &out, &e);

	check_status(st, &e);
	if (st == STATUS_OK) {
		check_text(out.email, sizeof out.email, 5, LIMIT_EMAIL_CHARS, true); /* a@b.c */
		check_lower(out.email);
		CHECK(strchr(out.email, '@') != NULL && strchr(out.email, '@') == strrchr(out.email, '@'));
		CHECK(strchr(strchr(out.email, '@'), '.') != NULL);
		check_text(out.password, sizeof out.password, LIMIT_PASSWORD_MIN_CHARS, LIMIT_PASSWORD_CHARS,
		           false);
		CHECK(out.password_len == strlen(out.password));
		check_text(out.name, sizeof out.name, 1, LIMIT_NAME_CHARS, true);
	}
	return st;
}

static status fuzz_login(const char *body, size_t len)
{
	struct login_input out;
	struct verr e = {0};
	status st = input_login(body, len, &out, &e);

	check_status(st, &e);
	if (st == STATUS_OK) {
		check_text(out.email, sizeof out.email, 0, LIMIT_EMAIL_CHARS, true);
		check_lower(out.email);
		check_text(out.password, sizeof out.password, 0, LIMIT_PASSWORD_CHARS, false);
		CHECK(out.password_len == strlen(out.password));
	}
	return st;
}

static status fuzz_task(const char *body, size_t len, enum task_input_kind kind)
{
	struct task_input out;
	struct verr e = {0};
	status st = input_task(body, len, kind, &out, &e);

	check_status(st, &e);
	if (st != STATUS_OK)
		return st;
	if (out.has_title)
		check_text(out.title, sizeof out.title, 1, LIMIT_TITLE_CHARS, true);
	if (out.has_description && !out.description_null)
		check_text(out.description, sizeof out.description, 0, LIMIT_DESCRIPTION_CHARS, false);
	switch (kind) {
	case TASK_INPUT_CREATE:
		CHECK(out.has_title);
		break;
	case TASK_INPUT_UPDATE:
		CHECK(out.has_title || out.has_description || out.has_completed);
		break;
	case TASK_INPUT_COMPLETE:
		CHECK(!out.has_title && !out.has_description);
		break;
	}
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *body = (const char *)data;

	if (!ready) {
		input_init();
		ready = true;
	}
	bool bad = fuzz_register(body, size) == STATUS_BAD_REQUEST;
	/* Whether the bytes are one JSON object within the depth limit does
	 * not depend on which parser reads them. */
	CHECK((fuzz_login(body, size) == STATUS_BAD_REQUEST) == bad);
	CHECK((fuzz_task(body, size, TASK_INPUT_CREATE) == STATUS_BAD_REQUEST) == bad);
	CHECK((fuzz_task(body, size, TASK_INPUT_UPDATE) == STATUS_BAD_REQUEST) == bad);
	CHECK((fuzz_task(body, size, TASK_INPUT_COMPLETE) == STATUS_BAD_REQUEST) == (bad && size > 0));
	return 0;
}
