/* health_api.c: liveness (the process answers) and readiness (so does the
 * database). */
#include "api/api.h"
#include "http/request.h"

void api_health(struct request *r)
{
	buf b = BUF_INIT;

	buf_append_str(&b, "{\"status\":\"ok\"}");
	respond_json(r, 200, &b);
}

void api_ready(struct request *r)
{
	store_conn *c;
	buf b = BUF_INIT;

	if (store_conn_get(r->app->store, &c) != STATUS_OK || store_ping(c) != STATUS_OK) {
		respond_error(r, STATUS_UNAVAILABLE, "database not reachable");
		return;
	}
	buf_append_str(&b, "{\"status\":\"ready\"}");
	respond_json(r, 200, &b);
}
