/* input.c: JSON bodies checked against the contract's rules.
 * Jansson parses (strict UTF-8, duplicate keys refused); the nesting depth is
 * bounded before it runs. A string value may hold \u0000 as far as JSON goes
 * (JSON_ALLOW_NUL), but no field accepts one: such a field is a 422 naming
 * it, never cut at the NUL. Field rules live in one table per body. */
#include "api/input.h"
#include "core/text.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Allocation with a size header so that free can wipe what it frees. */
static void *wiping_malloc(size_t size)
{
	if (size > SIZE_MAX - 16)
		return NULL;
	unsigned char *p = malloc(size + 16);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + 16;
}

static void wiping_free(void *ptr)
{
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - 16;
	size_t size;
	memcpy(&size, p, sizeof(size));
	sodium_memzero(ptr, size);
	free(p);
}

void input_init(void)
{
	json_set_alloc_funcs(wiping_malloc, wiping_free);
}

/* True when containers nest at most LIMIT_JSON_DEPTH deep. Strings are
 * skipped so brackets inside them do not count. */
static bool depth_ok(const char *s, size_t len)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > LIMIT_JSON_DEPTH)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

#define INPUT_STR_(x) #x
#define INPUT_STR(x)  INPUT_STR_(x)

/* STATUS_BAD_REQUEST with e->bad_request saying why (never quoting the
 * body: it may hold a password). */
static status bad_body(struct verr *e, const char *why)
{
	e->bad_request = why;
	return STATUS_BAD_REQUEST;
}

static status parse_object(const char *body, size_t len, json_t **out, struct verr *e)
{
	json_error_t jerr;
	json_t *root;

	if (!body || len == 0)
		return bad_body(e, "request body is empty: a JSON object is expected");
	if (!depth_ok(body, len))
		return bad_body(e, "request body nests objects or arrays more than " INPUT_STR(LIMIT_JSON_DEPTH) " deep");
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	if (!root) {
		switch (json_error_code(&jerr)) {
		case json_error_invalid_utf8: return bad_body(e, "request body is not valid UTF-8");
		case json_error_duplicate_key: return bad_body(e, "request body gives a member twice");
		case json_error_null_byte_in_key:
			return bad_body(e, "request body has a member name holding \\u0000");
		default: return bad_body(e, "request body is not valid JSON");
		}
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return bad_body(e, "request body must be a JSON object");
	}
	*out = root;
	return STATUS_OK;
}

enum field_type { FIELD_STRING, FIELD_STRING_OR_NULL, FIELD_BOOL };

struct field {
	const char *name;
	enum field_type type;
	bool required;
	json_t *value; /* borrowed from the parsed object; NULL when absent */
};

/* Unknown fields, wrong types and missing required fields, each named. */
static void match_fields(json_t *obj, struct field *fields, size_t n, struct verr *e)
{
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value) {
		size_t i;
		for (i = 0; i < n && strcmp(fields[i].name, key) != 0; i++)
			;
		if (i == n) {
			verr_add(e, key, strlen(key), "is not a known field");
			continue;
		}
		bool ok = fields[i].type == FIELD_BOOL ? json_is_boolean(value)
			  : fields[i].type == FIELD_STRING ? json_is_string(value)
							   : json_is_string(value) || json_is_null(value);
		if (!ok) {
			verr_add(e, key, strlen(key),
				 fields[i].type == FIELD_BOOL		? "must be true or false"
				 : fields[i].type == FIELD_STRING ? "must be a string"
								   : "must be a string or null");
			continue;
		}
		if (json_is_string(value) &&
		    memchr(json_string_value(value), '\0', json_string_length(value))) {
			verr_add(e, key, strlen(key), "must not contain the NUL character (\\u0000)");
			continue;
		}
		fields[i].value = value;
	}
	for (size_t i = 0; i < n; i++)
		if (fields[i].required && !fields[i].value && !json_object_get(obj, fields[i].name))
			verr_add(e, fields[i].name, strlen(fields[i].name), "is required");
}

/* A string field, optionally trimmed, within [min, max] code points, copied
 * into dst (capacity cap). Adds message to e when out of bounds. */
static bool take_text(const struct field *f, bool trim, size_t min, size_t max, char *dst, size_t cap,
		      size_t *out_len, const char *message, struct verr *e)
{
	const char *s = json_string_value(f->value);
	size_t len = json_string_length(f->value);

	if (trim)
		text_trim(&s, &len);
	size_t chars = utf8_count(s, len);
	if (chars < min || chars > max || !text_copy(dst, cap, s, len)) {
		verr_add(e, f->name, strlen(f->name), message);
		return false;
	}
	if (out_len)
		*out_len = len;
	return true;
}

/* local@domain, with a dot inside the domain, nothing blank or control. */
static bool email_is_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	if (!at || at == s || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7F)
			return false;
	const char *domain = at + 1;
	size_t dlen = len - (size_t)(domain - s);
	if (dlen < 3 || domain[0] == '.' || domain[dlen - 1] == '.')
		return false;
	const char *dot = memchr(domain, '.', dlen);
	for (size_t i = 0; i + 1 < dlen; i++)
		if (domain[i] == '.' && domain[i + 1] == '.')
			return false;
	return dot != NULL;
}

static bool take_email(const struct field *f, char *dst, struct verr *e)
{
	const char *s = json_string_value(f->value);
	size_t len = json_string_length(f->value);

	text_trim(&s, &len);
	if (utf8_count(s, len) > LIMIT_EMAIL_CHARS || !email_is_valid(s, len) ||
	    !text_fold(dst, LIMIT_EMAIL_BYTES + 1, s, len, NULL)) {
		verr_add(e, f->name, strlen(f->name), "must be a valid email address of at most 254 characters");
		return false;
	}
	return true;
}

status input_register(const char *body, size_t len, struct register_input *out, struct verr *e)
{
	struct field f[] = {{"email", FIELD_STRING, true, NULL},
			    {"password", FIELD_STRING, true, NULL},
			    {"name", FIELD_STRING, true, NULL}};
	struct register_input in;
	json_t *root;
	status st = parse_object(body, len, &root, e);

	if (st != STATUS_OK)
		return st;
	match_fields(root, f, 3, e);
	if (f[0].value)
		take_email(&f[0], in.email, e);
	if (f[1].value)
		take_text(&f[1], false, LIMIT_PASSWORD_MIN_CHARS, LIMIT_PASSWORD_CHARS, in.password,
			  sizeof(in.password), &in.password_len, "must be 8-128 characters", e);
	if (f[2].value)
		take_text(&f[2], true, 1, LIMIT_NAME_CHARS, in.name, sizeof(in.name), NULL,
			  "must be 1-100 characters", e);
	json_decref(root);
	if (e->n == 0)
		*out = in;
	sodium_memzero(&in, sizeof(in));
	return e->n ? STATUS_INVALID : STATUS_OK;
}

status input_login(const char *body, size_t len, struct login_input *out, struct verr *e)
{
	struct field f[] = {{"email", FIELD_STRING, true, NULL}, {"password", FIELD_STRING, true, NULL}};
	struct login_input in;
	json_t *root;
	status st = parse_object(body, len, &root, e);

	if (st != STATUS_OK)
		return st;
	match_fields(root, f, 2, e);
	if (f[0].value) {
		const char *s = json_string_value(f[0].value);
		size_t n = json_string_length(f[0].value);
		text_trim(&s, &n);
		if (utf8_count(s, n) > LIMIT_EMAIL_CHARS || !text_fold(in.email, sizeof(in.email), s, n, NULL))
			verr_add(e, "email", 5, "must be at most 254 characters");
	}
	if (f[1].value)
		take_text(&f[1], false, 0, LIMIT_PASSWORD_CHARS, in.password, sizeof(in.password),
			  &in.password_len, "must be at most 128 characters", e);
	json_decref(root);
	if (e->n == 0)
		*out = in;
	sodium_memzero(&in, sizeof(in));
	return e->n ? STATUS_INVALID : STATUS_OK;
}

status input_task(const char *body, size_t len, enum task_input_kind kind, struct task_input *out,
		  struct verr *e)
{
	struct field f[] = {{"title", FIELD_STRING, kind == TASK_INPUT_CREATE, NULL},
			    {"description", FIELD_STRING_OR_NULL, false, NULL},
			    {"completed", FIELD_BOOL, false, NULL}};
	struct field *fields = kind == TASK_INPUT_COMPLETE ? &f[2] : f;
	size_t nfields = kind == TASK_INPUT_COMPLETE ? 1 : 3;
	struct task_input in = {0};
	json_t *root;
	status st;

	if (kind == TASK_INPUT_COMPLETE && len == 0) {
		*out = in;
		return STATUS_OK;
	}
	st = parse_object(body, len, &root, e);
	if (st != STATUS_OK)
		return st;
	match_fields(root, fields, nfields, e);
	if (f[0].value)
		in.has_title = take_text(&f[0], true, 1, LIMIT_TITLE_CHARS, in.title, sizeof(in.title), NULL,
					 "must be 1-200 characters", e);
	if (f[1].value) {
		in.has_description = true;
		in.description_null = json_is_null(f[1].value);
		if (!in.description_null)
			take_text(&f[1], false, 0, LIMIT_DESCRIPTION_CHARS, in.description,
				  sizeof(in.description), NULL, "must be at most 1000 characters", e);
	}
	if (f[2].value) {
		in.has_completed = true;
		in.completed = json_is_true(f[2].value);
	}
	if (kind == TASK_INPUT_UPDATE && e->n == 0 && !f[0].value && !f[1].value && !f[2].value)
		verr_add(e, "body", 4, "must set at least one of title, description, completed");
	json_decref(root);
	if (e->n)
		return STATUS_INVALID;
	*out = in;
	return STATUS_OK;
}

status input_task_id(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 16)
		return STATUS_NOT_FOUND;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return STATUS_NOT_FOUND;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > (INT64_C(1) << 53))
		return STATUS_NOT_FOUND;
	*out = v;
	return STATUS_OK;
}
