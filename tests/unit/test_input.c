/* test_input.c: unit tests for api/input at every boundary of the contract:
 * email shape and 254 characters, password 8-128, name 1-100, title 1-200
 * after trimming and description 1000 code points; wrong types, unknown and
 * missing fields named in the verr; bodies that are not one JSON object of
 * valid UTF-8 within the depth limit give 400; bad task ids give 404. */
#include "api/input.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define E_ACUTE          "\xc3\xa9"         /* U+00E9, 2 bytes */
#define EMOJI            "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */
#define OK_BODY_REGISTER "{\"email\":\"ada@example.com\",\"password\":\"correct horse\",\"name\":\"Ada\"}"

/* ---- helpers ------------------------------------------------------------ */

/* Bodies are built in an arena emptied before each test. */
static char arena[1 << 20];
static size_t arena_used;

static int arena_reset(void **state)
{
	(void)state;
	arena_used = 0;
	return 0;
}

static char *arena_take(size_t len)
{
	char *p;

	assert_true(len < sizeof arena - arena_used);
	p = arena + arena_used;
	arena_used += len + 1;
	p[len] = '\0';
	return p;
}

/* The concatenation of the strings up to NULL. */
static const char *join(const char *first, ...)
{
	va_list ap;
	size_t len = 0;
	char *out;
	size_t at = 0;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	out = arena_take(len);
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		memcpy(out + at, s, strlen(s));
		at += strlen(s);
	}
	va_end(ap);
	return out;
}

#define J(...) join(__VA_ARGS__, (const char *)NULL)

/* unit repeated n times. */
static const char *rep(const char *unit, size_t n)
{
	size_t ulen = strlen(unit);
	char *out = arena_take(ulen * n);

	for (size_t i = 0; i < n; i++)
		memcpy(out + i * ulen, unit, ulen);
	return out;
}

/* Parsers run on an exact-size heap copy, so a read past len is caught. */
static char *heap_copy(const char *body, size_t len)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, body, len);
	return copy;
}

static status reg_n(const char *body, size_t len, struct register_input *out, struct verr *e)
{
	char *copy = heap_copy(body, len);
	status st;

	memset(e, 0, sizeof *e);
	st = input_register(copy, len, out, e);
	free(copy);
	return st;
}

static status reg(const char *body, struct register_input *out, struct verr *e)
{
	return reg_n(body, strlen(body), out, e);
}

static status login_n(const char *body, size_t len, struct login_input *out, struct verr *e)
{
	char *copy = heap_copy(body, len);
	status st;

	memset(e, 0, sizeof *e);
	st = input_login(copy, len, out, e);
	free(copy);
	return st;
}

static status login(const char *body, struct login_input *out, struct verr *e)
{
	return login_n(body, strlen(body), out, e);
}

static status task_n(const char *body, size_t len, enum task_input_kind kind, struct task_input *out,
                     struct verr *e)
{
	char *copy = heap_copy(body, len);
	status st;

	memset(e, 0, sizeof *e);
	st = input_task(copy, len, kind, out, e);
	free(copy);
	return st;
}

static status task(const char *body, enum task_input_kind kind, struct task_input *out, struct verr *e)
{
	return task_n(body, strlen(body), kind, out, e);
}

/* e names exactly one field, with message (any message when NULL). */
static void expect_only(const struct verr *e, const char *field, const char *message)
{
	assert_int_equal(e->n, 1);
	assert_string_equal(e->items[0].field, field);
	if (message)
		assert_string_equal(e->items[0].message, message);
}

/* e names field among others, with message (any when NULL). */
static void expect_has(const struct verr *e, const char *field, const char *message)
{
	for (unsigned i = 0; i < e->n; i++) {
		if (strcmp(e->items[i].field, field) != 0)
			continue;
		if (message)
			assert_string_equal(e->items[i].message, message);
		return;
	}
	fail_msg("no error for field %s", field);
}

/* A register body with these three raw JSON values. */
static const char *reg_body(const char *email, const char *password, const char *name)
{
	return J("{\"email\":", email, ",\"password\":", password, ",\"name\":", name, "}");
}

static void expect_register_invalid(const char *body, const char *field)
{
	struct register_input out;
	struct verr e;

	assert_int_equal(reg(body, &out, &e), STATUS_INVALID);
	expect_only(&e, field, NULL);
}

static void expect_register_ok(const char *body, struct register_input *out)
{
	struct verr e;

	assert_int_equal(reg(body, out, &e), STATUS_OK);
	assert_int_equal(e.n, 0);
}

static void expect_title_invalid(const char *body, const char *message)
{
	struct task_input out;
	struct verr e;

	assert_int_equal(task(body, TASK_INPUT_CREATE, &out, &e), STATUS_INVALID);
	expect_only(&e, "title", message);
}

/* ---- register ----------------------------------------------------------- */

static void register_ok(void **state)
{
	struct register_input out;

	(void)state;
	expect_register_ok(OK_BODY_REGISTER, &out);
	assert_string_equal(out.email, "ada@example.com");
	assert_string_equal(out.password, "correct horse");
	assert_int_equal(out.password_len, 13);
	assert_string_equal(out.name, "Ada");
	/* Field order and surrounding white space do not matter. */
	expect_register_ok(
	    " \n{\"name\":\"Ada\", \"password\":\"correct horse\", \"email\":\"ada@example.com\"}\n ", &out);
	assert_string_equal(out.name, "Ada");
}

static void register_email_trimmed_lower_case(void **state)
{
	struct register_input out;

	(void)state;
	expect_register_ok(reg_body("\"  Ada.Lovelace@Example.COM\\t\\n\"", "\"password\"", "\"Ada\""), &out);
	assert_string_equal(out.email, "ada.lovelace@example.com");
	/* beyond ASCII too: É, Ö and Σ fold to é, ö and σ */
	expect_register_ok(reg_body("\"\u00c9lise.\u00d6\u03a3@Example.com\"", "\"password\"", "\"Ada\""), &out);
	assert_string_equal(out.email, "\u00e9lise.\u00f6\u03c3@example.com");
}

static void register_email_length(void **state)
{
	struct register_input out;
	const char *at254 = J(rep("a", 242), "@example.com");
	const char *at255 = J(rep("a", 243), "@example.com");

	(void)state;
	assert_int_equal(strlen(at254), 254);
	expect_register_ok(reg_body(J("\"", at254, "\""), "\"password\"", "\"Ada\""), &out);
	assert_string_equal(out.email, at254);
	/* Trimming comes before counting. */
	expect_register_ok(reg_body(J("\"   ", at254, "   \""), "\"password\"", "\"Ada\""), &out);
	assert_string_equal(out.email, at254);
	expect_register_invalid(reg_body(J("\"", at255, "\""), "\"password\"", "\"Ada\""), "email");
	/* Characters are code points: 254 of them in 255 bytes is fine. */
	expect_register_ok(
	    reg_body(J("\"", rep("a", 241), E_ACUTE "@example.com\""), "\"password\"", "\"Ada\""), &out);
	expect_register_invalid(
	    reg_body(J("\"", rep("a", 242), E_ACUTE "@example.com\""), "\"password\"", "\"Ada\""), "email");
}

static void register_email_shape(void **state)
{
	static const char *const bad[] = {
	    "\"\"",
	    "\"   \"",
	    "\"ada\"",
	    "\"ada.example.com\"",
	    "\"ada@@example.com\"",
	    "\"a@b@example.com\"",
	    "\"@example.com\"",
	    "\"ada@\"",
	    "\"ada@localhost\"",
	    "\"ada@example.com.\"",
	    "\"ada@.example.com\"",
	    "\"ada@example..com\"",
	    "\"ada lovelace@example.com\"",
	    "\"ada@exa mple.com\"",
	    "\"ada\\u0001@example.com\"",
	    "\"ada@example.com\\u007f\"",
	    "\"ada@.\"",
	};
	struct register_input out;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_register_invalid(reg_body(bad[i], "\"password\"", "\"Ada\""), "email");
	/* The shortest domain with an inner dot. */
	expect_register_ok(reg_body("\"a@b.c\"", "\"password\"", "\"Ada\""), &out);
	assert_string_equal(out.email, "a@b.c");
	expect_register_ok(reg_body("\"first.last+tag@mail.example.co.uk\"", "\"password\"", "\"Ada\""),
	                   &out);
}

static void register_password_length(void **state)
{
	struct register_input out;

	(void)state;
	expect_register_invalid(reg_body("\"a@b.co\"", "\"1234567\"", "\"Ada\""), "password");
	expect_register_ok(reg_body("\"a@b.co\"", "\"12345678\"", "\"Ada\""), &out);
	assert_int_equal(out.password_len, 8);
	expect_register_ok(reg_body("\"a@b.co\"", J("\"", rep("p", 128), "\""), "\"Ada\""), &out);
	assert_int_equal(out.password_len, 128);
	assert_memory_equal(out.password, rep("p", 128), 128);
	expect_register_invalid(reg_body("\"a@b.co\"", J("\"", rep("p", 129), "\""), "\"Ada\""), "password");

	/* Multi-byte characters count as one: 7 of them (14 bytes) are too few. */
	expect_register_invalid(reg_body("\"a@b.co\"", J("\"", rep(E_ACUTE, 7), "\""), "\"Ada\""),
	                        "password");
	expect_register_ok(reg_body("\"a@b.co\"", J("\"", rep(E_ACUTE, 8), "\""), "\"Ada\""), &out);
	assert_int_equal(out.password_len, 16);
	expect_register_ok(reg_body("\"a@b.co\"", J("\"", rep(EMOJI, 128), "\""), "\"Ada\""), &out);
	assert_int_equal(out.password_len, 512);
	assert_memory_equal(out.password, rep(EMOJI, 128), 512);
	expect_register_invalid(reg_body("\"a@b.co\"", J("\"", rep(EMOJI, 129), "\""), "\"Ada\""),
	                        "password");
	/* An escaped surrogate pair is one character. */
	expect_register_ok(reg_body("\"a@b.co\"", J("\"", rep("\\ud83d\\ude00", 8), "\""), "\"Ada\""), &out);
	assert_int_equal(out.password_len, 32);
}

/* A password is a secret taken as sent: no trimming. */
static void register_password_not_trimmed(void **state)
{
	struct register_input out;

	(void)state;
	expect_register_ok(reg_body("\"a@b.co\"", "\"  pass word  \"", "\"Ada\""), &out);
	assert_string_equal(out.password, "  pass word  ");
	assert_int_equal(out.password_len, 13);
	expect_register_ok(reg_body("\"a@b.co\"", "\"        \"", "\"Ada\""), &out);
	assert_int_equal(out.password_len, 8);
	expect_register_invalid(reg_body("\"a@b.co\"", "\" pass  \"", "\"Ada\""), "password");
}

static void register_name(void **state)
{
	struct register_input out;

	(void)state;
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", "\"\""), "name");
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", "\"   \""), "name");
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", "\"\\t\\n \\r\""), "name");
	expect_register_ok(reg_body("\"a@b.co\"", "\"password\"", "\"  Ada  Lovelace \\n\""), &out);
	assert_string_equal(out.name, "Ada  Lovelace");
	expect_register_ok(reg_body("\"a@b.co\"", "\"password\"", J("\"", rep(E_ACUTE, 100), "\"")), &out);
	assert_string_equal(out.name, rep(E_ACUTE, 100));
	expect_register_ok(reg_body("\"a@b.co\"", "\"password\"", J("\"", rep(EMOJI, 100), "\"")), &out);
	expect_register_ok(reg_body("\"a@b.co\"", "\"password\"", J("\"  ", rep("n", 100), "  \"")), &out);
	assert_string_equal(out.name, rep("n", 100));
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", J("\"", rep(E_ACUTE, 101), "\"")),
	                        "name");
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", J("\"", rep("n", 101), "\"")), "name");
}

static void register_wrong_types(void **state)
{
	(void)state;
	expect_register_invalid(reg_body("5", "\"password\"", "\"Ada\""), "email");
	expect_register_invalid(reg_body("null", "\"password\"", "\"Ada\""), "email");
	expect_register_invalid(reg_body("\"a@b.co\"", "12345678", "\"Ada\""), "password");
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", "[\"Ada\"]"), "name");
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", "{\"first\":\"Ada\"}"), "name");
	expect_register_invalid(reg_body("\"a@b.co\"", "\"password\"", "true"), "name");
}

static void register_unknown_and_missing(void **state)
{
	struct register_input out;
	struct verr e;

	(void)state;
	assert_int_equal(
	    reg("{\"email\":\"a@b.co\",\"password\":\"password\",\"name\":\"Ada\",\"role\":\"admin\"}", &out,
	        &e),
	    STATUS_INVALID);
	expect_only(&e, "role", "is not a known field");
	/* Keys are case-sensitive. */
	assert_int_equal(reg("{\"Email\":\"a@b.co\",\"password\":\"password\",\"name\":\"Ada\"}", &out, &e),
	                 STATUS_INVALID);
	expect_has(&e, "Email", "is not a known field");
	expect_has(&e, "email", "is required");

	assert_int_equal(reg("{}", &out, &e), STATUS_INVALID);
	assert_int_equal(e.n, 3);
	expect_has(&e, "email", "is required");
	expect_has(&e, "password", "is required");
	expect_has(&e, "name", "is required");

	assert_int_equal(reg("{\"email\":\"a@b.co\",\"name\":\"Ada\"}", &out, &e), STATUS_INVALID);
	expect_only(&e, "password", "is required");

	/* A field of the wrong type is named once, for its type. */
	assert_int_equal(reg("{\"email\":\"a@b.co\",\"password\":null,\"name\":\"Ada\"}", &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "password", "must be a string");

	/* Every broken rule is named at once. */
	assert_int_equal(reg(reg_body("\"nope\"", "\"short\"", "\" \""), &out, &e), STATUS_INVALID);
	assert_int_equal(e.n, 3);
	expect_has(&e, "email", NULL);
	expect_has(&e, "password", "must be 8-128 characters");
	expect_has(&e, "name", "must be 1-100 characters");
}

/* Out-parameters are written only on success. */
static void register_out_untouched_on_failure(void **state)
{
	struct register_input out, before;
	struct verr e;

	(void)state;
	memset(&out, 0x5a, sizeof out);
	before = out;
	assert_int_equal(reg(reg_body("\"a@b.co\"", "\"short\"", "\"Ada\""), &out, &e), STATUS_INVALID);
	assert_memory_equal(&out, &before, sizeof out);
	assert_int_equal(reg("{\"email\":", &out, &e), STATUS_BAD_REQUEST);
	assert_memory_equal(&out, &before, sizeof out);
}

/* ---- login -------------------------------------------------------------- */

static void login_ok(void **state)
{
	struct login_input out;
	struct verr e;

	(void)state;
	assert_int_equal(login("{\"email\":\" Ada@Example.com \",\"password\":\" secret \"}", &out, &e),
	                 STATUS_OK);
	assert_int_equal(e.n, 0);
	assert_string_equal(out.email, "ada@example.com");
	assert_string_equal(out.password, " secret ");
	assert_int_equal(out.password_len, 8);
}

/* Login checks only lengths: a malformed email or a short password is just
 * a wrong credential (401 later), so nothing tells which rule it broke. */
static void login_lengths_only(void **state)
{
	struct login_input out;
	struct verr e;

	(void)state;
	assert_int_equal(login("{\"email\":\"not-an-email\",\"password\":\"x\"}", &out, &e), STATUS_OK);
	assert_string_equal(out.email, "not-an-email");
	assert_int_equal(login("{\"email\":\"a@b.co\",\"password\":\"\"}", &out, &e), STATUS_OK);
	assert_int_equal(out.password_len, 0);

	assert_int_equal(
	    login(J("{\"email\":\"", rep("a", 242), "@example.com\",\"password\":\"p\"}"), &out, &e),
	    STATUS_OK);
	assert_int_equal(
	    login(J("{\"email\":\"", rep("a", 243), "@example.com\",\"password\":\"p\"}"), &out, &e),
	    STATUS_INVALID);
	expect_only(&e, "email", NULL);

	assert_int_equal(login(J("{\"email\":\"a@b.co\",\"password\":\"", rep(EMOJI, 128), "\"}"), &out, &e),
	                 STATUS_OK);
	assert_int_equal(out.password_len, 512);
	assert_int_equal(login(J("{\"email\":\"a@b.co\",\"password\":\"", rep("p", 129), "\"}"), &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "password", NULL);
}

static void login_fields(void **state)
{
	struct login_input out, before;
	struct verr e;

	(void)state;
	memset(&out, 0x5a, sizeof out);
	before = out;
	assert_int_equal(login("{\"email\":\"a@b.co\",\"password\":\"password\",\"name\":\"Ada\"}", &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "name", "is not a known field");
	assert_int_equal(login("{\"email\":\"a@b.co\"}", &out, &e), STATUS_INVALID);
	expect_only(&e, "password", "is required");
	assert_int_equal(login("{\"password\":\"password\"}", &out, &e), STATUS_INVALID);
	expect_only(&e, "email", "is required");
	assert_int_equal(login("{\"email\":[\"a@b.co\"],\"password\":\"password\"}", &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "email", "must be a string");
	assert_int_equal(login("{\"email\":\"a@b.co\",\"password\":12345678}", &out, &e), STATUS_INVALID);
	expect_only(&e, "password", "must be a string");
	assert_memory_equal(&out, &before, sizeof out);
}

/* ---- tasks -------------------------------------------------------------- */

static void task_create_ok(void **state)
{
	struct task_input out;
	struct verr e;

	(void)state;
	assert_int_equal(task("{\"title\":\"  Buy milk \\t\"}", TASK_INPUT_CREATE, &out, &e), STATUS_OK);
	assert_int_equal(e.n, 0);
	assert_true(out.has_title);
	assert_string_equal(out.title, "Buy milk");
	assert_false(out.has_description);
	assert_false(out.has_completed);

	assert_int_equal(task("{\"title\":\"Buy milk\",\"description\":\"  2 litres  \",\"completed\":true}",
	                      TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_string_equal(out.title, "Buy milk");
	assert_true(out.has_description);
	assert_false(out.description_null);
	assert_string_equal(out.description, "  2 litres  "); /* kept as sent */
	assert_true(out.has_completed);
	assert_true(out.completed);

	assert_int_equal(task("{\"title\":\"x\",\"completed\":false}", TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_true(out.has_completed);
	assert_false(out.completed);
}

static void task_title_bounds(void **state)
{
	struct task_input out;
	struct verr e;

	(void)state;
	expect_title_invalid("{\"title\":\"\"}", "must be 1-200 characters");
	expect_title_invalid("{\"title\":\"   \"}", "must be 1-200 characters");
	expect_title_invalid("{\"title\":\"\\n\\t\\r \"}", "must be 1-200 characters");

	assert_int_equal(task("{\"title\":\"x\"}", TASK_INPUT_CREATE, &out, &e), STATUS_OK);
	assert_string_equal(out.title, "x");
	assert_int_equal(task(J("{\"title\":\"", rep(EMOJI, 200), "\"}"), TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_string_equal(out.title, rep(EMOJI, 200));
	assert_int_equal(task(J("{\"title\":\"   ", rep("t", 200), "   \"}"), TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_string_equal(out.title, rep("t", 200));
	/* Escapes are decoded before counting. */
	assert_int_equal(
	    task(J("{\"title\":\"", rep("\\ud83d\\ude00", 200), "\"}"), TASK_INPUT_CREATE, &out, &e),
	    STATUS_OK);
	assert_string_equal(out.title, rep(EMOJI, 200));
	assert_int_equal(task("{\"title\":\"caf\\u00e9\"}", TASK_INPUT_CREATE, &out, &e), STATUS_OK);
	assert_string_equal(out.title, "caf" E_ACUTE);

	expect_title_invalid(J("{\"title\":\"", rep(EMOJI, 201), "\"}"), "must be 1-200 characters");
	expect_title_invalid(J("{\"title\":\"", rep("t", 201), "\"}"), "must be 1-200 characters");
	expect_title_invalid(J("{\"title\":\"", rep("\\u00e9", 201), "\"}"), "must be 1-200 characters");
}

static void task_description_bounds(void **state)
{
	struct task_input out;
	struct verr e;

	(void)state;
	assert_int_equal(task(J("{\"title\":\"x\",\"description\":\"", rep(EMOJI, 1000), "\"}"),
	                      TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_true(out.has_description);
	assert_string_equal(out.description, rep(EMOJI, 1000));
	assert_int_equal(task(J("{\"title\":\"x\",\"description\":\"", rep("d", 1000), "\"}"),
	                      TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_int_equal(strlen(out.description), 1000);

	assert_int_equal(task(J("{\"title\":\"x\",\"description\":\"", rep(EMOJI, 1001), "\"}"),
	                      TASK_INPUT_CREATE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "description", "must be at most 1000 characters");
	assert_int_equal(task(J("{\"title\":\"x\",\"description\":\"", rep("d", 1001), "\"}"),
	                      TASK_INPUT_CREATE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "description", "must be at most 1000 characters");

	assert_int_equal(task("{\"title\":\"x\",\"description\":\"\"}", TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_true(out.has_description);
	assert_false(out.description_null);
	assert_string_equal(out.description, "");

	assert_int_equal(task("{\"title\":\"x\",\"description\":null}", TASK_INPUT_CREATE, &out, &e),
	                 STATUS_OK);
	assert_true(out.has_description);
	assert_true(out.description_null);
}

static void task_wrong_types(void **state)
{
	static const char *const not_bool[] = {"\"true\"", "1", "0", "null", "[]", "{}", "\"false\""};
	struct task_input out;
	struct verr e;

	(void)state;
	for (size_t i = 0; i < sizeof not_bool / sizeof not_bool[0]; i++) {
		for (int kind = TASK_INPUT_CREATE; kind <= TASK_INPUT_COMPLETE; kind++) {
			const char *body = kind == TASK_INPUT_COMPLETE
			                       ? J("{\"completed\":", not_bool[i], "}")
			                       : J("{\"title\":\"x\",\"completed\":", not_bool[i], "}");
			assert_int_equal(task(body, (enum task_input_kind)kind, &out, &e), STATUS_INVALID);
			expect_only(&e, "completed", "must be true or false");
		}
	}
	expect_title_invalid("{\"title\":5}", "must be a string");
	expect_title_invalid("{\"title\":null}", "must be a string");
	expect_title_invalid("{\"title\":[\"x\"]}", "must be a string");
	expect_title_invalid("{\"title\":true}", "must be a string");
	assert_int_equal(task("{\"title\":\"x\",\"description\":5}", TASK_INPUT_CREATE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "description", "must be a string or null");
	assert_int_equal(task("{\"title\":\"x\",\"description\":false}", TASK_INPUT_UPDATE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "description", "must be a string or null");
}

static void task_unknown_and_missing(void **state)
{
	static const char *const unknown[] = {"id", "user_id", "created_at", "updated_at", "Title", "done"};
	struct task_input out;
	struct verr e;

	(void)state;
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		assert_int_equal(
		    task(J("{\"title\":\"x\",\"", unknown[i], "\":1}"), TASK_INPUT_CREATE, &out, &e),
		    STATUS_INVALID);
		expect_only(&e, unknown[i], "is not a known field");
		assert_int_equal(
		    task(J("{\"title\":\"x\",\"", unknown[i], "\":1}"), TASK_INPUT_UPDATE, &out, &e),
		    STATUS_INVALID);
		expect_only(&e, unknown[i], "is not a known field");
	}
	assert_int_equal(task("{}", TASK_INPUT_CREATE, &out, &e), STATUS_INVALID);
	expect_only(&e, "title", "is required");
	assert_int_equal(task("{\"description\":\"d\",\"completed\":true}", TASK_INPUT_CREATE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "title", "is required");
	/* An empty key is still a field, and named. */
	assert_int_equal(task("{\"title\":\"x\",\"\":1}", TASK_INPUT_CREATE, &out, &e), STATUS_INVALID);
	expect_only(&e, "", "is not a known field");
}

/* A field name longer than the verr holds is cut at a character boundary. */
static void task_long_unknown_field(void **state)
{
	struct task_input out;
	struct verr e;
	char want[VERR_FIELD_BYTES + 1];

	(void)state;
	assert_int_equal(task(J("{\"", rep("k", 100), "\":1,\"title\":\"x\"}"), TASK_INPUT_CREATE, &out, &e),
	                 STATUS_INVALID);
	assert_int_equal(e.n, 1);
	assert_int_equal(strlen(e.items[0].field), VERR_FIELD_BYTES);
	assert_memory_equal(e.items[0].field, rep("k", VERR_FIELD_BYTES), VERR_FIELD_BYTES);

	/* 63 bytes then a 2-byte character across the limit: the character goes. */
	assert_int_equal(
	    task(J("{\"", rep("k", 63), E_ACUTE "tail\":1,\"title\":\"x\"}"), TASK_INPUT_CREATE, &out, &e),
	    STATUS_INVALID);
	assert_string_equal(e.items[0].field, rep("k", 63));
	/* 62 bytes then the character: it fits exactly and stays. */
	assert_int_equal(
	    task(J("{\"", rep("k", 62), E_ACUTE "tail\":1,\"title\":\"x\"}"), TASK_INPUT_CREATE, &out, &e),
	    STATUS_INVALID);
	memcpy(want, rep("k", 62), 62);
	memcpy(want + 62, E_ACUTE, 3);
	assert_string_equal(e.items[0].field, want);
}

static void task_many_errors_capped(void **state)
{
	struct task_input out;
	struct verr e;

	(void)state;
	assert_int_equal(
	    task("{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"i\":1,\"j\":1}",
	         TASK_INPUT_CREATE, &out, &e),
	    STATUS_INVALID);
	assert_int_equal(e.n, VERR_MAX);
}

static void task_update(void **state)
{
	struct task_input out, before;
	struct verr e;

	(void)state;
	memset(&out, 0x5a, sizeof out);
	before = out;
	assert_int_equal(task("{}", TASK_INPUT_UPDATE, &out, &e), STATUS_INVALID);
	assert_int_equal(e.n, 1);
	assert_memory_equal(&out, &before, sizeof out);

	assert_int_equal(task("{\"completed\":false}", TASK_INPUT_UPDATE, &out, &e), STATUS_OK);
	assert_false(out.has_title);
	assert_false(out.has_description);
	assert_true(out.has_completed);
	assert_false(out.completed);

	assert_int_equal(task("{\"description\":null}", TASK_INPUT_UPDATE, &out, &e), STATUS_OK);
	assert_false(out.has_title);
	assert_true(out.has_description);
	assert_true(out.description_null);
	assert_false(out.has_completed);

	assert_int_equal(task("{\"title\":\" New \"}", TASK_INPUT_UPDATE, &out, &e), STATUS_OK);
	assert_true(out.has_title);
	assert_string_equal(out.title, "New");
	assert_false(out.has_description);

	assert_int_equal(task("{\"title\":\"  \"}", TASK_INPUT_UPDATE, &out, &e), STATUS_INVALID);
	expect_only(&e, "title", "must be 1-200 characters");
	assert_int_equal(task(J("{\"title\":\"", rep("t", 201), "\"}"), TASK_INPUT_UPDATE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "title", "must be 1-200 characters");
}

static void task_complete(void **state)
{
	struct task_input out;
	struct verr e;

	(void)state;
	memset(&out, 0x5a, sizeof out);
	memset(&e, 0, sizeof e);
	assert_int_equal(input_task(NULL, 0, TASK_INPUT_COMPLETE, &out, &e), STATUS_OK);
	assert_false(out.has_completed); /* no body: toggle */
	assert_false(out.has_title);
	assert_false(out.has_description);

	memset(&out, 0x5a, sizeof out);
	assert_int_equal(task_n("", 0, TASK_INPUT_COMPLETE, &out, &e), STATUS_OK);
	assert_false(out.has_completed);

	memset(&out, 0x5a, sizeof out);
	assert_int_equal(task("{}", TASK_INPUT_COMPLETE, &out, &e), STATUS_OK);
	assert_false(out.has_completed);
	assert_false(out.has_title);

	assert_int_equal(task("{\"completed\":true}", TASK_INPUT_COMPLETE, &out, &e), STATUS_OK);
	assert_true(out.has_completed);
	assert_true(out.completed);
	assert_int_equal(task(" {\"completed\" : false} ", TASK_INPUT_COMPLETE, &out, &e), STATUS_OK);
	assert_true(out.has_completed);
	assert_false(out.completed);

	assert_int_equal(task("{\"title\":\"x\"}", TASK_INPUT_COMPLETE, &out, &e), STATUS_INVALID);
	expect_only(&e, "title", "is not a known field");
	assert_int_equal(task("{\"completed\":true,\"description\":null}", TASK_INPUT_COMPLETE, &out, &e),
	                 STATUS_INVALID);
	expect_only(&e, "description", "is not a known field");

	assert_int_equal(task(" ", TASK_INPUT_COMPLETE, &out, &e), STATUS_BAD_REQUEST);
	assert_int_equal(task("null", TASK_INPUT_COMPLETE, &out, &e), STATUS_BAD_REQUEST);
	assert_int_equal(task("true", TASK_INPUT_COMPLETE, &out, &e), STATUS_BAD_REQUEST);
}

/* ---- not one JSON object of valid UTF-8: 400 for every parser ----------- */

struct raw {
	const char *bytes;
	size_t len;
};

#define RAW(lit)                                                                                             \
	{                                                                                                    \
		lit, sizeof(lit) - 1                                                                         \
	}

static const struct raw bad_bodies[] = {
    RAW("{"),
    RAW("}"),
    RAW("{\"title\":}"),
    RAW("{\"title\":\"x\",}"),
    RAW("{\"title\":\"x\""),
    RAW("{'title':'x'}"),
    RAW("{title:\"x\"}"),
    RAW("{\"title\":\"x\"} {}"),
    RAW("{\"title\":\"x\"}x"),
    RAW("null"),
    RAW("true"),
    RAW("1"),
    RAW("\"title\""),
    RAW("[]"),
    RAW("[{\"title\":\"x\"}]"),
    RAW("\xef\xbb\xbf{\"title\":\"x\"}"),    /* a byte-order mark */
    RAW("{\"title\":\"\xff\"}"),             /* not UTF-8 */
    RAW("{\"title\":\"\xc0\xaf\"}"),         /* overlong */
    RAW("{\"title\":\"\xed\xa0\x80\"}"),     /* surrogate bytes */
    RAW("{\"title\":\"\xf4\x90\x80\x80\"}"), /* above U+10FFFF */
    RAW("{\"title\":\"\xe2\x82\"}"),         /* truncated */
    RAW("{\"ti\xfftle\":\"x\"}"),            /* bad byte in a key */
    RAW("{\"ti\\u0000tle\":\"x\"}"),      /* escaped NUL in a key */
    RAW("{\"title\":\"a\0b\"}"), /* raw NUL */
    RAW("{\"title\":\"x\"}\0"),
    RAW("{\"title\":\"\\ud800\"}"), /* lone surrogates */
    RAW("{\"title\":\"\\udc00x\"}"),
    RAW("{\"title\":\"\\ud83d\\u0041\"}"),
    RAW("{\"title\":\"\\x41\"}"),             /* not a JSON escape */
    RAW("{\"title\":\"a\nb\"}"),              /* raw control character */
    RAW("{\"title\":\"a\",\"title\":\"b\"}"), /* duplicate keys */
    RAW("{\"completed\":true,\"completed\":false}"),
    RAW("{\"email\":\"a@b.co\",\"email\":\"c@d.co\"}"),
    RAW("{\"x\":1,\"x\":2}"),
    RAW("{\"title\":\"x\",\"extra\":[[[[[[[[1]]]]]]]]}"), /* depth 9 */
    RAW("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{}}}}}}}}}"),
};

static void expect_bad(size_t i, const char *parser, status st, const struct verr *e)
{
	if (st != STATUS_BAD_REQUEST || e->n != 0 || !e->bad_request)
		fail_msg("bad_bodies[%zu] through %s: status %d, %u errors, %s", i, parser, (int)st, e->n,
		         e->bad_request ? e->bad_request : "no reason");
}

/* A 400 says what is wrong with the body, never quoting it: the same
 * reason from every parser. */
static void bodies_bad_say_why(void **state)
{
	static const struct {
		struct raw body;
		const char *why;
	} cases[] = {
	    {RAW(""), "request body is empty: a JSON object is expected"},
	    {RAW("{\"title\":\"x\""), "request body is not valid JSON"},
	    {RAW("{'title':'secret password'}"), "request body is not valid JSON"},
	    {RAW("{\"title\":\"\xff\"}"), "request body is not valid UTF-8"},
	    {RAW("{\"title\":\"a\",\"title\":\"b\"}"), "request body gives a member twice"},
	    {RAW("{\"ti\\u0000tle\":\"x\"}"), "request body has a member name holding \\u0000"},
	    {RAW("[{\"title\":\"x\"}]"), "request body must be a JSON object"},
	    {RAW("null"), "request body must be a JSON object"},
	    {RAW("{\"a\":[[[[[[[[1]]]]]]]]}"), "request body nests objects or arrays more than 8 deep"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct raw *b = &cases[i].body;
		struct register_input r;
		struct login_input l;
		struct task_input t;
		struct verr e;

		assert_int_equal(reg_n(b->bytes, b->len, &r, &e), STATUS_BAD_REQUEST);
		assert_string_equal(e.bad_request, cases[i].why);
		assert_int_equal(login_n(b->bytes, b->len, &l, &e), STATUS_BAD_REQUEST);
		assert_string_equal(e.bad_request, cases[i].why);
		assert_int_equal(task_n(b->bytes, b->len, TASK_INPUT_UPDATE, &t, &e), STATUS_BAD_REQUEST);
		assert_string_equal(e.bad_request, cases[i].why);
	}
}

static void bodies_not_json_objects(void **state)
{
	static const char *const kinds[] = {"create", "update", "complete"};

	(void)state;
	for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
		const struct raw *b = &bad_bodies[i];
		struct register_input r;
		struct login_input l;
		struct task_input t;
		struct verr e;

		expect_bad(i, "register", reg_n(b->bytes, b->len, &r, &e), &e);
		expect_bad(i, "login", login_n(b->bytes, b->len, &l, &e), &e);
		for (int kind = TASK_INPUT_CREATE; kind <= TASK_INPUT_COMPLETE; kind++)
			expect_bad(i, kinds[kind],
			           task_n(b->bytes, b->len, (enum task_input_kind)kind, &t, &e), &e);
	}
}

static void bodies_empty(void **state)
{
	struct register_input r;
	struct login_input l;
	struct task_input t;
	struct verr e = {0};

	(void)state;
	assert_int_equal(input_register(NULL, 0, &r, &e), STATUS_BAD_REQUEST);
	assert_int_equal(input_login(NULL, 0, &l, &e), STATUS_BAD_REQUEST);
	assert_int_equal(input_task(NULL, 0, TASK_INPUT_CREATE, &t, &e), STATUS_BAD_REQUEST);
	assert_int_equal(input_task(NULL, 0, TASK_INPUT_UPDATE, &t, &e), STATUS_BAD_REQUEST);
	assert_int_equal(reg_n("", 0, &r, &e), STATUS_BAD_REQUEST);
	assert_int_equal(task_n("", 0, TASK_INPUT_CREATE, &t, &e), STATUS_BAD_REQUEST);
	assert_int_equal(task_n("", 0, TASK_INPUT_UPDATE, &t, &e), STATUS_BAD_REQUEST);
	assert_int_equal(task("   ", TASK_INPUT_CREATE, &t, &e), STATUS_BAD_REQUEST);
	/* Only len bytes are parsed. */
	assert_int_equal(task_n("{\"title\":\"x\"}", 5, TASK_INPUT_CREATE, &t, &e), STATUS_BAD_REQUEST);
	assert_int_equal(e.n, 0);
}

/* LIMIT_JSON_DEPTH levels are fine (then the field is judged on its type);
 * one more is refused before Jansson runs. Brackets in strings do not count. */
static void bodies_depth(void **state)
{
	struct task_input t;
	struct verr e;
	const char *open = rep("[", LIMIT_JSON_DEPTH - 1);
	const char *close = rep("]", LIMIT_JSON_DEPTH - 1);

	(void)state;
	assert_int_equal(task(J("{\"title\":\"x\",\"extra\":", open, close, "}"), TASK_INPUT_CREATE, &t, &e),
	                 STATUS_INVALID);
	expect_only(&e, "extra", "is not a known field");
	assert_int_equal(
	    task(J("{\"title\":\"x\",\"extra\":[", open, close, "]}"), TASK_INPUT_CREATE, &t, &e),
	    STATUS_BAD_REQUEST);
	assert_int_equal(task(J("{\"completed\":", open, close, "}"), TASK_INPUT_COMPLETE, &t, &e),
	                 STATUS_INVALID);
	expect_only(&e, "completed", "must be true or false");
	assert_int_equal(task(J(rep("{\"a\":", 9), "1", rep("}", 9)), TASK_INPUT_UPDATE, &t, &e),
	                 STATUS_BAD_REQUEST);
	assert_int_equal(task(J(rep("[", 10000), rep("]", 10000)), TASK_INPUT_UPDATE, &t, &e),
	                 STATUS_BAD_REQUEST);

	assert_int_equal(task(J("{\"title\":\"", rep("[{", 50), "\"}"), TASK_INPUT_CREATE, &t, &e),
	                 STATUS_OK);
	assert_string_equal(t.title, rep("[{", 50));
	/* An escaped quote does not end the string... */
	assert_int_equal(task(J("{\"title\":\"\\\"", rep("[", 20), "\"}"), TASK_INPUT_CREATE, &t, &e),
	                 STATUS_OK);
	assert_string_equal(t.title, J("\"", rep("[", 20)));
	/* ...but an escaped backslash before a quote does. */
	assert_int_equal(task(J("{\"title\":\"a\\\\\",\"description\":\"", rep("[", 20), "\"}"),
	                      TASK_INPUT_CREATE, &t, &e),
	                 STATUS_OK);
	assert_string_equal(t.title, "a\\");
	assert_string_equal(t.description, rep("[", 20));
}

/* ---- task ids ----------------------------------------------------------- */

static void expect_id(const char *s, int64_t want)
{
	int64_t v = -7;

	assert_int_equal(input_task_id(s, strlen(s), &v), STATUS_OK);
	assert_int_equal(v, want);
}

static void expect_no_id(const char *s, size_t len)
{
	int64_t v = -7;

	assert_int_equal(input_task_id(s, len, &v), STATUS_NOT_FOUND);
	assert_int_equal(v, -7);
}

#define NO_ID(lit) expect_no_id(lit, sizeof(lit) - 1)

static void task_ids(void **state)
{
	(void)state;
	expect_id("1", 1);
	expect_id("42", 42);
	expect_id("9007199254740992", INT64_C(9007199254740992)); /* 2^53 */
	/* Leading zeros are accepted: "01" is task 1 (within 16 digits). */
	expect_id("01", 1);
	expect_id("0000000000000007", 7);

	NO_ID("");
	NO_ID("0");
	NO_ID("00");
	NO_ID("-1");
	NO_ID("+1");
	NO_ID(" 1");
	NO_ID("1 ");
	NO_ID("abc");
	NO_ID("1a");
	NO_ID("1.5");
	NO_ID("1e3");
	NO_ID("0x10");
	NO_ID("%31");
	NO_ID("\xd9\xa1"); /* ARABIC-INDIC DIGIT ONE */
	NO_ID("1\0");
	NO_ID("9007199254740993");              /* 2^53 + 1 */
	NO_ID("9999999999999999");              /* 16 digits, above 2^53 */
	NO_ID("10000000000000000");             /* 17 digits */
	NO_ID("00000000000000001");             /* 17 digits, even though 1 */
	NO_ID("99999999999999999999999999999"); /* would overflow int64 */
	/* Only len bytes are read. */
	assert_int_equal(input_task_id("12abc", 2, &(int64_t){0}), STATUS_OK);
}

static int group_setup(void **state)
{
	(void)state;
	input_init();
	return 0;
}

/* ---- NUL inside a string ------------------------------------------------ */

#define NUL_STR "\"a\\u0000bcdefghij\""

/* \u0000 inside any string field is that field's 422, never cut at the NUL
 * (which would turn "a\0bcdefghij" into the valid "a"), never a 400. */
static void nul_in_every_string_field(void **state)
{
	static const char msg[] = "must not contain the NUL character (\\u0000)";
	struct register_input r;
	struct login_input l;
	struct task_input t;
	struct verr e;

	(void)state;
	assert_int_equal(reg(reg_body(NUL_STR, "\"correct horse\"", "\"Ada\""), &r, &e), STATUS_INVALID);
	expect_only(&e, "email", msg);
	assert_int_equal(reg(reg_body("\"ada@example.com\"", NUL_STR, "\"Ada\""), &r, &e), STATUS_INVALID);
	expect_only(&e, "password", msg);
	assert_int_equal(reg(reg_body("\"ada@example.com\"", "\"correct horse\"", NUL_STR), &r, &e),
			 STATUS_INVALID);
	expect_only(&e, "name", msg);
	assert_int_equal(login(J("{\"email\":", NUL_STR, ",\"password\":\"x\"}"), &l, &e), STATUS_INVALID);
	expect_only(&e, "email", msg);
	assert_int_equal(login(J("{\"email\":\"a@b.co\",\"password\":", NUL_STR, "}"), &l, &e), STATUS_INVALID);
	expect_only(&e, "password", msg);
	for (int kind = TASK_INPUT_CREATE; kind <= TASK_INPUT_UPDATE; kind++) {
		assert_int_equal(task(J("{\"title\":", NUL_STR, "}"), (enum task_input_kind)kind, &t, &e),
				 STATUS_INVALID);
		expect_only(&e, "title", msg);
		assert_int_equal(task(J("{\"title\":\"x\",\"description\":", NUL_STR, "}"),
				      (enum task_input_kind)kind, &t, &e),
				 STATUS_INVALID);
		expect_only(&e, "description", msg);
	}
	/* a NUL alone, and at the end */
	assert_int_equal(task("{\"title\":\"\\u0000\"}", TASK_INPUT_CREATE, &t, &e), STATUS_INVALID);
	expect_only(&e, "title", msg);
	assert_int_equal(task("{\"title\":\"x\\u0000\"}", TASK_INPUT_UPDATE, &t, &e), STATUS_INVALID);
	expect_only(&e, "title", msg);
}

#define T(f) cmocka_unit_test_setup(f, arena_reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(register_ok),
	    T(register_email_trimmed_lower_case),
	    T(register_email_length),
	    T(register_email_shape),
	    T(register_password_length),
	    T(register_password_not_trimmed),
	    T(register_name),
	    T(register_wrong_types),
	    T(register_unknown_and_missing),
	    T(register_out_untouched_on_failure),
	    T(login_ok),
	    T(login_lengths_only),
	    T(login_fields),
	    T(task_create_ok),
	    T(task_title_bounds),
	    T(task_description_bounds),
	    T(task_wrong_types),
	    T(task_unknown_and_missing),
	    T(task_long_unknown_field),
	    T(task_many_errors_capped),
	    T(task_update),
	    T(task_complete),
	    T(bodies_not_json_objects),
	    T(bodies_empty),
	    T(bodies_bad_say_why),
	    T(bodies_depth),
	    T(task_ids),
	    T(nul_in_every_string_field),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
