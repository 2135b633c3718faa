/* test_router.c: unit tests for http/router on the real table of api/routes.c:
 * every path of the contract reaches its api_* handler with its parameters
 * and flags, HEAD answers where GET does, a known path with another method
 * gives 405 and the right Allow value, and anything else (trailing slashes,
 * empty or extra segments, other case) gives 404 without writing out. */
#include "api/api.h"
#include "core/limits.h"
#include "http/router.h"
#include "web/web.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define UUID "0b6f9a34-6a1d-4c39-9d2e-5f7f2c1d8e41"

/* Matches from an exact-size heap copy, so a read past len is caught. The
 * copy is kept until the next call: params point into it. */
static char *held;

static status match(unsigned method, const char *path, struct route_match *out)
{
	size_t len = strlen(path);

	free(held);
	held = malloc(len ? len : 1);
	assert_non_null(held);
	memcpy(held, path, len);
	return router_match(api_routes, api_routes_count, method, held, len, out);
}

static int release(void **state)
{
	(void)state;
	free(held);
	held = NULL;
	return 0;
}

struct route_case {
	unsigned method;
	const char *path;
	const char *pattern;
	route_handler handler;
	unsigned flags;
	unsigned nparams;
	const char *param[ROUTE_PARAMS_MAX];
};

static const struct route_case contract_routes[] = {
    {METHOD_GET, "/healthz", "/healthz", api_health, ROUTE_PUBLIC, 0, {NULL, NULL}},
    {METHOD_GET, "/readyz", "/readyz", api_ready, ROUTE_PUBLIC, 0, {NULL, NULL}},
    {METHOD_POST, "/api/auth/register", "/api/auth/register", api_register, ROUTE_PUBLIC, 0, {NULL, NULL}},
    {METHOD_POST, "/api/auth/login", "/api/auth/login", api_login, ROUTE_PUBLIC, 0, {NULL, NULL}},
    {METHOD_POST, "/api/auth/logout", "/api/auth/logout", api_logout, 0, 0, {NULL, NULL}},
    {METHOD_GET, "/api/auth/me", "/api/auth/me", api_me, 0, 0, {NULL, NULL}},
    {METHOD_GET, "/api/tasks", "/api/tasks", api_tasks_list, 0, 0, {NULL, NULL}},
    {METHOD_POST, "/api/tasks", "/api/tasks", api_task_create, 0, 0, {NULL, NULL}},
    {METHOD_GET, "/api/tasks/42", "/api/tasks/{id}", api_task_get, 0, 1, {"42", NULL}},
    {METHOD_PUT, "/api/tasks/42", "/api/tasks/{id}", api_task_update, 0, 1, {"42", NULL}},
    {METHOD_PATCH, "/api/tasks/42", "/api/tasks/{id}", api_task_update, 0, 1, {"42", NULL}},
    {METHOD_DELETE, "/api/tasks/42", "/api/tasks/{id}", api_task_delete, 0, 1, {"42", NULL}},
    {METHOD_PATCH, "/api/tasks/7/complete", "/api/tasks/{id}/complete", api_task_complete, 0, 1, {"7", NULL}},
    {METHOD_GET, "/api/" UUID "/tasks", "/api/{user_id}/tasks", api_tasks_list, ROUTE_SEED, 1, {UUID, NULL}},
    {METHOD_POST,
     "/api/" UUID "/tasks",
     "/api/{user_id}/tasks",
     api_task_create,
     ROUTE_SEED,
     1,
     {UUID, NULL}},
    {METHOD_GET,
     "/api/" UUID "/tasks/5",
     "/api/{user_id}/tasks/{id}",
     api_task_get,
     ROUTE_SEED,
     2,
     {UUID, "5"}},
    {METHOD_PUT,
     "/api/" UUID "/tasks/5",
     "/api/{user_id}/tasks/{id}",
     api_task_update,
     ROUTE_SEED,
     2,
     {UUID, "5"}},
    {METHOD_PATCH,
     "/api/" UUID "/tasks/5",
     "/api/{user_id}/tasks/{id}",
     api_task_update,
     ROUTE_SEED,
     2,
     {UUID, "5"}},
    {METHOD_DELETE,
     "/api/" UUID "/tasks/5",
     "/api/{user_id}/tasks/{id}",
     api_task_delete,
     ROUTE_SEED,
     2,
     {UUID, "5"}},
    {METHOD_PATCH,
     "/api/" UUID "/tasks/5/complete",
     "/api/{user_id}/tasks/{id}/complete",
     api_task_complete,
     ROUTE_SEED,
     2,
     {UUID, "5"}},
};

static void expect_case(const struct route_case *c, unsigned method)
{
	struct route_match m;

	memset(&m, 0, sizeof m);
	if (match(method, c->path, &m) != STATUS_OK)
		fail_msg("%s (method %u): no match", c->path, method);
	assert_non_null(m.route);
	assert_non_null(m.method);
	assert_string_equal(m.route->pattern, c->pattern);
	assert_ptr_equal(m.method->handler, c->handler);
	assert_int_equal(m.method->method, c->method);
	assert_int_equal(m.method->flags, c->flags);
	assert_int_equal(m.nparams, c->nparams);
	for (unsigned i = 0; i < c->nparams; i++) {
		assert_int_equal(m.params[i].len, strlen(c->param[i]));
		assert_memory_equal(m.params[i].s, c->param[i], m.params[i].len);
		/* A slice of the path itself. */
		assert_true(m.params[i].s >= held &&
		            m.params[i].s + m.params[i].len <= held + strlen(c->path));
	}
}

static void every_contract_route(void **state)
{
	const struct route *seen[32] = {NULL};
	size_t nseen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof contract_routes / sizeof contract_routes[0]; i++) {
		struct route_match m;

		expect_case(&contract_routes[i], contract_routes[i].method);
		assert_int_equal(match(contract_routes[i].method, contract_routes[i].path, &m), STATUS_OK);
		size_t k;
		for (k = 0; k < nseen && seen[k] != m.route; k++)
			;
		if (k == nseen)
			seen[nseen++] = m.route;
	}
	/* Every route of the table is one the contract names. */
	assert_int_equal(nseen, api_routes_count);
}

static void head_answers_like_get(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof contract_routes / sizeof contract_routes[0]; i++)
		if (contract_routes[i].method == METHOD_GET)
			expect_case(&contract_routes[i], METHOD_HEAD);
}

static void expect_405(unsigned method, const char *path, const char *pattern, const char *allow)
{
	struct route_match m;
	const struct route_method sentinel = {0, NULL, 0};
	char out[ROUTE_ALLOW_BYTES];

	memset(&m, 0, sizeof m);
	m.method = &sentinel;
	m.nparams = 77;
	if (match(method, path, &m) != STATUS_METHOD_NOT_ALLOWED)
		fail_msg("%s (method %u): not 405", path, method);
	assert_non_null(m.route);
	assert_string_equal(m.route->pattern, pattern);
	/* Only the route is written. */
	assert_ptr_equal(m.method, &sentinel);
	assert_int_equal(m.nparams, 77);
	memset(out, 'X', sizeof out);
	router_allow(m.route, out);
	assert_string_equal(out, allow);
}

static void wrong_method(void **state)
{
	(void)state;
	expect_405(METHOD_DELETE, "/api/tasks", "/api/tasks", "GET, HEAD, POST");
	expect_405(METHOD_PUT, "/api/tasks", "/api/tasks", "GET, HEAD, POST");
	expect_405(METHOD_POST, "/api/tasks/1", "/api/tasks/{id}", "GET, HEAD, PUT, PATCH, DELETE");
	expect_405(METHOD_OTHER, "/api/tasks/1", "/api/tasks/{id}", "GET, HEAD, PUT, PATCH, DELETE");
	expect_405(METHOD_GET, "/api/tasks/1/complete", "/api/tasks/{id}/complete", "PATCH");
	expect_405(METHOD_HEAD, "/api/tasks/1/complete", "/api/tasks/{id}/complete", "PATCH");
	expect_405(METHOD_PUT, "/api/tasks/1/complete", "/api/tasks/{id}/complete", "PATCH");
	expect_405(METHOD_GET, "/api/auth/login", "/api/auth/login", "POST");
	expect_405(METHOD_HEAD, "/api/auth/register", "/api/auth/register", "POST");
	expect_405(METHOD_GET, "/api/auth/logout", "/api/auth/logout", "POST");
	expect_405(METHOD_POST, "/api/auth/me", "/api/auth/me", "GET, HEAD");
	expect_405(METHOD_POST, "/healthz", "/healthz", "GET, HEAD");
	expect_405(METHOD_DELETE, "/readyz", "/readyz", "GET, HEAD");
	expect_405(METHOD_OTHER, "/healthz", "/healthz", "GET, HEAD");
	expect_405(METHOD_DELETE, "/api/" UUID "/tasks", "/api/{user_id}/tasks", "GET, HEAD, POST");
	expect_405(METHOD_POST, "/api/" UUID "/tasks/5", "/api/{user_id}/tasks/{id}",
	           "GET, HEAD, PUT, PATCH, DELETE");
	expect_405(METHOD_GET, "/api/" UUID "/tasks/5/complete", "/api/{user_id}/tasks/{id}/complete",
	           "PATCH");
}

/* Every route's Allow value lists exactly its methods, in a fixed order. */
static void allow_of_every_route(void **state)
{
	(void)state;
	for (size_t r = 0; r < api_routes_count; r++) {
		char out[ROUTE_ALLOW_BYTES];
		size_t count = 0;

		router_allow(&api_routes[r], out);
		assert_true(strlen(out) > 0 && strlen(out) < ROUTE_ALLOW_BYTES);
		for (size_t k = 0; k < ROUTE_METHODS_MAX && api_routes[r].methods[k].handler; k++) {
			static const struct {
				unsigned method;
				const char *name;
			} names[] = {{METHOD_GET, "GET, HEAD"},
			             {METHOD_POST, "POST"},
			             {METHOD_PUT, "PUT"},
			             {METHOD_PATCH, "PATCH"},
			             {METHOD_DELETE, "DELETE"}};
			for (size_t n = 0; n < sizeof names / sizeof names[0]; n++)
				if (names[n].method == api_routes[r].methods[k].method)
					assert_non_null(strstr(out, names[n].name));
			count++;
		}
		assert_true(count > 0);
	}
}

static void expect_404(unsigned method, const char *path)
{
	struct route_match m, before;

	memset(&m, 0x5a, sizeof m);
	before = m;
	if (match(method, path, &m) != STATUS_NOT_FOUND)
		fail_msg("%s (method %u): not 404", path, method);
	assert_memory_equal(&m, &before, sizeof m);
}

static void unknown_paths(void **state)
{
	static const char *const paths[] = {
	    "",
	    "/",
	    "healthz",
	    "api/tasks",
	    "/healthz/",
	    "/HEALTHZ",
	    "/healthzz",
	    "/health",
	    "/api",
	    "/api/",
	    "/api/auth",
	    "/api/auth/",
	    "/api/auth/register/",
	    "/api/auth/me/",
	    "/api/Tasks",
	    "/api/tasks/",
	    "/api//tasks",
	    "//api/tasks",
	    "/api/tasks//",
	    "/api/tasks/1/",
	    "/api/tasks//complete",
	    "/api/tasks/1/complete/",
	    "/api/tasks/1/complete/x",
	    "/api/tasks/1/done",
	    "/api/tasks?status=all",
	    "/api/" UUID "/tasks/",
	    "/api/" UUID "/tasks/5/",
	    "/api/" UUID "/tasks//complete",
	    "/api/" UUID "/tasks/5/complete/x",
	    "/api/" UUID "/todo",
	    "/api//tasks/5/complete",
	    "/tasks",
	    "/api/tasks/1/complete/x/y",
	    "/a/b/c/d/e/f/g/h",
	};

	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		expect_404(METHOD_GET, paths[i]);
		expect_404(METHOD_PATCH, paths[i]);
		expect_404(METHOD_OTHER, paths[i]);
	}
}

/* Literal routes come before patterns; a pattern segment takes any one
 * non-empty segment, still percent-encoded: the handlers judge the values. */
static void pattern_segments(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(match(METHOD_GET, "/api/auth/me", &m), STATUS_OK);
	assert_ptr_equal(m.method->handler, api_me);

	assert_int_equal(match(METHOD_GET, "/api/tasks/%31", &m), STATUS_OK);
	assert_ptr_equal(m.method->handler, api_task_get);
	assert_int_equal(m.params[0].len, 3);
	assert_memory_equal(m.params[0].s, "%31", 3);

	assert_int_equal(match(METHOD_GET, "/api/tasks/complete", &m), STATUS_OK);
	assert_string_equal(m.route->pattern, "/api/tasks/{id}");

	assert_int_equal(match(METHOD_GET, "/api/auth/tasks", &m), STATUS_OK);
	assert_string_equal(m.route->pattern, "/api/{user_id}/tasks");
	assert_int_equal(m.method->flags, ROUTE_SEED);

	assert_int_equal(match(METHOD_GET, "/api/tasks/tasks/5", &m), STATUS_OK);
	assert_string_equal(m.route->pattern, "/api/{user_id}/tasks/{id}");
	assert_int_equal(m.params[0].len, 5);
	assert_memory_equal(m.params[1].s, "5", 1);
}

static void seed_complete_two_params(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(match(METHOD_PATCH, "/api/" UUID "/tasks/5/complete", &m), STATUS_OK);
	assert_ptr_equal(m.method->handler, api_task_complete);
	assert_int_equal(m.method->flags, ROUTE_SEED);
	assert_int_equal(m.nparams, 2);
	assert_int_equal(m.params[0].len, UUID_BYTES);
	assert_memory_equal(m.params[0].s, UUID, UUID_BYTES);
	assert_ptr_equal(m.params[0].s, held + 5);
	assert_int_equal(m.params[1].len, 1);
	assert_ptr_equal(m.params[1].s, held + 5 + UUID_BYTES + 7);
	assert_int_equal(m.params[1].s[0], '5');
}

/* Only len bytes of the path count. */
static void respects_len(void **state)
{
	struct route_match m;
	const char *path = "/api/tasks/12";

	(void)state;
	assert_int_equal(router_match(api_routes, api_routes_count, METHOD_GET, path, 10, &m), STATUS_OK);
	assert_string_equal(m.route->pattern, "/api/tasks");
	assert_int_equal(router_match(api_routes, api_routes_count, METHOD_GET, path, 12, &m), STATUS_OK);
	assert_string_equal(m.route->pattern, "/api/tasks/{id}");
	assert_int_equal(m.params[0].len, 1);
	assert_int_equal(router_match(api_routes, api_routes_count, METHOD_GET, path, 11, &m), STATUS_NOT_FOUND);
	assert_int_equal(router_match(api_routes, api_routes_count, METHOD_GET, path, 0, &m), STATUS_NOT_FOUND);
	assert_int_equal(router_match(api_routes, 0, METHOD_GET, "/healthz", 8, &m), STATUS_NOT_FOUND);
	/* A NUL inside the path is a byte like any other. */
	assert_int_equal(router_match(api_routes, api_routes_count, METHOD_GET, "/healthz\0", 9, &m),
	                 STATUS_NOT_FOUND);
}

static void methods_by_name(void **state)
{
	(void)state;
	assert_int_equal(method_parse("GET"), METHOD_GET);
	assert_int_equal(method_parse("HEAD"), METHOD_HEAD);
	assert_int_equal(method_parse("POST"), METHOD_POST);
	assert_int_equal(method_parse("PUT"), METHOD_PUT);
	assert_int_equal(method_parse("PATCH"), METHOD_PATCH);
	assert_int_equal(method_parse("DELETE"), METHOD_DELETE);
	assert_int_equal(method_parse("get"), METHOD_OTHER);
	assert_int_equal(method_parse("OPTIONS"), METHOD_OTHER);
	assert_int_equal(method_parse("TRACE"), METHOD_OTHER);
	assert_int_equal(method_parse("GETS"), METHOD_OTHER);
	assert_int_equal(method_parse(""), METHOD_OTHER);
}

/* The tables main hands to http/: the first table with a matching pattern
 * decides, so a web path never reaches the API's 404 and the other way round. */
static void tables_in_order(void **state)
{
	const struct route_table tables[] = {{api_routes, api_routes_count}, {web_routes, web_routes_count}};
	struct route_match m;

	(void)state;
	assert_int_equal(router_match_tables(tables, 2, METHOD_GET, "/", 1, &m), STATUS_OK);
	assert_true(m.route >= web_routes && m.route < web_routes + web_routes_count);
	assert_int_equal(m.method->flags, ROUTE_SESSION);
	assert_int_equal(router_match_tables(tables, 2, METHOD_GET, "/api/tasks", 10, &m), STATUS_OK);
	assert_true(m.route >= api_routes && m.route < api_routes + api_routes_count);
	assert_int_equal(router_match_tables(tables, 2, METHOD_GET, "/api/openapi.json", 17, &m), STATUS_OK);
	assert_int_equal(m.method->flags, ROUTE_PUBLIC);
	assert_int_equal(router_match_tables(tables, 2, METHOD_GET, "/assets/v1/app.css", 18, &m), STATUS_OK);
	assert_int_equal(m.nparams, 2);
	assert_int_equal(router_match_tables(tables, 2, METHOD_POST, "/signin", 7, &m), STATUS_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match_tables(tables, 2, METHOD_GET, "/signin/", 8, &m), STATUS_NOT_FOUND);
	assert_int_equal(router_match_tables(tables, 1, METHOD_GET, "/tasks", 6, &m), STATUS_NOT_FOUND);
	assert_int_equal(router_match_tables(tables, 0, METHOD_GET, "/healthz", 8, &m), STATUS_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(every_contract_route, release),
	    cmocka_unit_test_teardown(head_answers_like_get, release),
	    cmocka_unit_test_teardown(wrong_method, release),
	    cmocka_unit_test_teardown(allow_of_every_route, release),
	    cmocka_unit_test_teardown(unknown_paths, release),
	    cmocka_unit_test_teardown(pattern_segments, release),
	    cmocka_unit_test_teardown(seed_complete_two_params, release),
	    cmocka_unit_test_teardown(respects_len, release),
	    cmocka_unit_test_teardown(methods_by_name, release),
	    cmocka_unit_test(tables_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
