/* tasks_api.c: the task endpoints, for /api/tasks and the seed's
 * /api/{user_id}/tasks paths alike. Every store call is scoped by the
 * caller's id from the token; a task of someone else is simply not found. */
#include "api/api.h"
#include "api/input.h"
#include "api/list_cache.h"
#include "api/query.h"
#include "api/render.h"
#include "core/clock.h"
#include "http/request.h"

#include <string.h>

static const char *message_for(status st)
{
	switch (st) {
	case STATUS_NOT_FOUND: return "task not found";
	case STATUS_BAD_REQUEST: return "request body must be a JSON object";
	case STATUS_UNAVAILABLE: return "database unavailable, try again";
	case STATUS_NOMEM: return "out of memory";
	default: return "internal error";
	}
}

static void fail(struct request *r, status st, const struct verr *e)
{
	if (st == STATUS_INVALID && e)
		respond_invalid(r, e);
	else
		respond_error(r, st, message_for(st));
}

static void respond_task(struct request *r, unsigned code, const struct task *t)
{
	buf b = BUF_INIT;

	render_task(&b, t);
	respond_json(r, code, &b);
}

/* The connection and the task id of the path (its last parameter). */
static status prepare(struct request *r, store_conn **c, int64_t *id)
{
	status st = store_conn_get(r->app->store, c);

	if (st == STATUS_OK && id) {
		struct route_param p = request_param(r, r->match.nparams - 1);
		st = input_task_id(p.s, p.len, id);
	}
	return st;
}

/* A list's answer: its envelope, and a task with a short description. */
#define LIST_BYTES_FIXED 128
#define LIST_BYTES_PER_TASK 256

struct list_writer {
	buf *b;
	bool first;
};

static status write_task(const struct task *t, void *arg)
{
	struct list_writer *w = arg;

	if (!w->first)
		buf_append_char(w->b, ',');
	w->first = false;
	render_task(w->b, t);
	return buf_failed(w->b) ? STATUS_NOMEM : STATUS_OK;
}

void api_tasks_list(struct request *r)
{
	struct verr e = {0};
	struct task_query q;
	store_conn *c;
	int64_t total = 0;
	buf b = BUF_INIT;
	status st = query_tasks_parse(r->query, r->query_len, &q, &e);

	if (st == STATUS_BAD_REQUEST) {
		respond_error(r, st, "malformed query string");
		return;
	}
	if (st == STATUS_OK)
		st = prepare(r, &c, NULL);
	if (st != STATUS_OK) {
		fail(r, st, &e);
		return;
	}
	/* the version is taken before the read: an answer kept under it can
	 * only be older than a commit that changes it, never newer */
	struct store_version v;
	bool versioned = store_data_version(c, &v);
	if (versioned && list_cache_get(r->caller.user_id, &q, &v, &b)) {
		respond_json(r, 200, &b);
		return;
	}
	struct list_writer w = {&b, true};
	/* the whole answer is rendered into the buffer libmicrohttpd sends
	 * (respond_json hands it over, no copy): sized once for a typical task */
	buf_reserve(&b, LIST_BYTES_FIXED + (size_t)q.limit * LIST_BYTES_PER_TASK);
	buf_append_str(&b, "{\"tasks\":[");
	st = store_task_list(c, r->caller.user_id, &q, &total, write_task, &w);
	if (st != STATUS_OK) {
		buf_free(&b);
		fail(r, st, &e);
		return;
	}
	buf_append_str(&b, "],\"total\":");
	buf_append_i64(&b, total);
	buf_append_str(&b, ",\"limit\":");
	buf_append_i64(&b, q.limit);
	buf_append_str(&b, ",\"offset\":");
	buf_append_i64(&b, q.offset);
	buf_append_char(&b, '}');
	if (versioned && !buf_failed(&b))
		list_cache_put(r->caller.user_id, &q, &v, b.data, b.len);
	respond_json(r, 200, &b);
}

void api_task_create(struct request *r)
{
	struct verr e = {0};
	struct task_input in;
	struct task t;
	store_conn *c;
	char location[64];
	status st = input_task(r->body.data, r->body.len, TASK_INPUT_CREATE, &in, &e);

	if (st == STATUS_OK)
		st = prepare(r, &c, NULL);
	if (st == STATUS_OK)
		st = store_task_create(c, r->caller.user_id, in.title,
				       in.has_description && !in.description_null ? in.description : NULL,
				       in.has_completed && in.completed, clock_now_ms(), &t);
	if (st != STATUS_OK) {
		fail(r, st, &e);
		return;
	}
	buf lb = BUF_INIT;
	buf_append_str(&lb, "/api/tasks/");
	buf_append_i64(&lb, t.id);
	if (!buf_failed(&lb) && lb.len < sizeof(location)) {
		memcpy(location, lb.data, lb.len + 1);
		request_header(r, "Location", location);
	}
	buf_free(&lb);
	respond_task(r, 201, &t);
}

void api_task_get(struct request *r)
{
	struct task t;
	store_conn *c;
	int64_t id;
	status st = prepare(r, &c, &id);

	if (st == STATUS_OK)
		st = store_task_get(c, r->caller.user_id, id, &t);
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	respond_task(r, 200, &t);
}

/* Applies a checked input as a patch. */
static void update_with(struct request *r, int64_t id, store_conn *c, const struct task_input *in)
{
	struct task_patch p = {0};
	struct task t;
	status st;

	if (in->has_title)
		p.title = in->title;
	if (in->has_description) {
		p.set_description = true;
		p.description = in->description_null ? NULL : in->description;
	}
	if (in->has_completed)
		p.completed = in->completed ? TASK_COMPLETED_SET_TRUE : TASK_COMPLETED_SET_FALSE;
	else if (!in->has_title && !in->has_description)
		p.completed = TASK_COMPLETED_TOGGLE;
	st = store_task_update(c, r->caller.user_id, id, &p, clock_now_ms(), &t);
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	respond_task(r, 200, &t);
}

/* A bad id answers 404 before the body is looked at, like a missing task. */
static void update(struct request *r, enum task_input_kind kind)
{
	struct verr e = {0};
	struct task_input in;
	store_conn *c;
	int64_t id;
	status st = prepare(r, &c, &id);

	if (st == STATUS_OK)
		st = input_task(r->body.data, r->body.len, kind, &in, &e);
	if (st != STATUS_OK) {
		fail(r, st, &e);
		return;
	}
	update_with(r, id, c, &in);
}

void api_task_update(struct request *r)
{
	update(r, TASK_INPUT_UPDATE);
}

void api_task_complete(struct request *r)
{
	update(r, TASK_INPUT_COMPLETE);
}

void api_task_delete(struct request *r)
{
	store_conn *c;
	int64_t id;
	status st = prepare(r, &c, &id);

	if (st == STATUS_OK)
		st = store_task_delete(c, r->caller.user_id, id);
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	respond_empty(r, 204);
}
