/* api.h: one handler per endpoint of CONTRACT.md.
 * Handlers are thin: validate input (api/input.h, api/query.h), call auth
 * and store, shape the JSON. The caller is already authenticated (except on
 * public routes) and its seed path user id already checked by http/. */
#ifndef TODOD_API_H
#define TODOD_API_H

#include <stddef.h>

#include "http/router.h"

struct request;

/* The API's routes (api/routes.c), literal routes before patterns. */
extern const struct route api_routes[];
extern const size_t api_routes_count;

void api_health(struct request *r);
void api_ready(struct request *r);

void api_register(struct request *r);
void api_login(struct request *r);
void api_logout(struct request *r);
void api_me(struct request *r);

void api_tasks_list(struct request *r);
void api_task_create(struct request *r);
void api_task_get(struct request *r);
void api_task_update(struct request *r);
void api_task_delete(struct request *r);
void api_task_complete(struct request *r);

#endif
