/* routes.c: every path of the JSON API and the health checks, literal
 * routes before patterns. The seed's /api/{user_id}/... paths share the
 * handlers of /api/tasks. http/ is handed this table by main. */
#include "api/api.h"
#include "http/router.h"

#define PUBLIC ROUTE_PUBLIC

const struct route api_routes[] = {
	{"/healthz", {{METHOD_GET, api_health, PUBLIC}}},
	{"/readyz", {{METHOD_GET, api_ready, PUBLIC}}},
	{"/api/auth/register", {{METHOD_POST, api_register, PUBLIC}}},
	{"/api/auth/login", {{METHOD_POST, api_login, PUBLIC}}},
	{"/api/auth/logout", {{METHOD_POST, api_logout, 0}}},
	{"/api/auth/me", {{METHOD_GET, api_me, 0}}},
	{"/api/tasks", {{METHOD_GET, api_tasks_list, 0}, {METHOD_POST, api_task_create, 0}}},
	{"/api/tasks/{id}",
	 {{METHOD_GET, api_task_get, 0},
	  {METHOD_PUT, api_task_update, 0},
	  {METHOD_PATCH, api_task_update, 0},
	  {METHOD_DELETE, api_task_delete, 0}}},
	{"/api/tasks/{id}/complete", {{METHOD_PATCH, api_task_complete, 0}}},
	{"/api/{user_id}/tasks", {{METHOD_GET, api_tasks_list, ROUTE_SEED}, {METHOD_POST, api_task_create, ROUTE_SEED}}},
	{"/api/{user_id}/tasks/{id}",
	 {{METHOD_GET, api_task_get, ROUTE_SEED},
	  {METHOD_PUT, api_task_update, ROUTE_SEED},
	  {METHOD_PATCH, api_task_update, ROUTE_SEED},
	  {METHOD_DELETE, api_task_delete, ROUTE_SEED}}},
	{"/api/{user_id}/tasks/{id}/complete", {{METHOD_PATCH, api_task_complete, ROUTE_SEED}}},
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
