/* input.h: request bodies, from untrusted bytes to checked values.
 * Each parser takes the raw body and either fills its struct (every rule of
 * CONTRACT.md applied: types, unknown fields, trimming, lengths in code
 * points) or says why not. Pure: no I/O, so each is fuzzed as it is. */
#ifndef TODOD_INPUT_H
#define TODOD_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h"
#include "http/request.h"

struct register_input {
	char email[LIMIT_EMAIL_BYTES + 1]; /* trimmed, lower-case */
	char password[LIMIT_PASSWORD_BYTES + 1];
	size_t password_len;
	char name[LIMIT_NAME_BYTES + 1]; /* trimmed */
};

struct login_input {
	char email[LIMIT_EMAIL_BYTES + 1]; /* trimmed, lower-case */
	char password[LIMIT_PASSWORD_BYTES + 1];
	size_t password_len;
};

struct task_input {
	bool has_title;
	char title[LIMIT_TITLE_BYTES + 1]; /* trimmed */
	bool has_description;
	bool description_null;
	char description[LIMIT_DESCRIPTION_BYTES + 1];
	bool has_completed;
	bool completed;
};

enum task_input_kind {
	TASK_INPUT_CREATE,   /* title required */
	TASK_INPUT_UPDATE,   /* at least one field */
	TASK_INPUT_COMPLETE, /* only "completed", optional */
};

/* Sets up Jansson so that every string it parsed is wiped when freed
 * (bodies carry passwords). Call once before any parsing. */
void input_init(void);

/* Each returns STATUS_OK (out filled), STATUS_BAD_REQUEST (not JSON, not
 * UTF-8, not an object, too deep) or STATUS_INVALID (e filled). The caller
 * wipes password fields after use. */
status input_register(const char *body, size_t len, struct register_input *out, struct verr *e);
status input_login(const char *body, size_t len, struct login_input *out, struct verr *e);
status input_task(const char *body, size_t len, enum task_input_kind kind, struct task_input *out,
		  struct verr *e);

/* The task id of a path segment: digits only, 1..2^53. STATUS_NOT_FOUND
 * otherwise (a bad id is indistinguishable from a missing task). */
status input_task_id(const char *s, size_t len, int64_t *out);

#endif
