/* tasks_api.c: the task endpoints, for /api/tasks and the seed's
 * /api/{user_id}/tasks paths alike. Every store call is scoped by the
 * caller's id from the token; a task of someone else is simply not found.
 * Creates, updates and deletes go to the store's writer thread when the
 * store batches writes (SQLite): the connection is suspended until the
 * commit that holds the write is done, and the answer is made when it is
 * resumed. Otherwise (PostgreSQL) they run here, on the HTTP thread. */
#include "api/api.h"
#include "api/input.h"
#include "api/list_cache.h"
#include "api/query.h"
#include "api/render.h"
#include "core/clock.h"
#include "http/request.h"

#include <stdlib.h>
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
	else if (st == STATUS_BAD_REQUEST && e && e->bad_request)
		respond_error(r, st, e->bad_request);
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

/* The task id of the path (its last parameter). */
static status prepare_id(struct request *r, int64_t *id)
{
	struct route_param p = request_param(r, r->match.nparams - 1);

	return input_task_id(p.s, p.len, id);
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

/* A write on its way to the store, with the input its strings point into;
 * the request owns it (state) until it completes, so a client that leaves
 * while its write is queued frees nothing the writer still uses:
 * libmicrohttpd ends a suspended connection only after it is resumed. */
struct write_job {
	struct request *r;
	struct task_input in;
	struct store_write w;
};

/* On the writer thread: the write's commit is done; nothing of job is
 * touched after the resume. */
static void write_done(struct store_write *w)
{
	struct write_job *job = w->arg;

	request_resume(job->r);
}

/* A new job for r, owned by r; NULL when memory runs out (answered). */
static struct write_job *write_job_new(struct request *r, enum store_write_kind kind)
{
	struct write_job *job = calloc(1, sizeof(*job));

	if (!job) {
		fail(r, STATUS_NOMEM, NULL);
		return NULL;
	}
	job->r = r;
	job->w.kind = kind;
	job->w.user_id = r->caller.user_id;
	job->w.now = clock_now_ms();
	job->w.done = write_done;
	job->w.arg = job;
	r->state = job;
	r->state_free = free;
	return job;
}

/* Runs job's write, then finish(r): through the writer thread when the
 * store batches writes, else at once on this thread's connection. */
static void write_start(struct request *r, struct write_job *job, route_handler finish)
{
	store *s = r->app->store;
	store_conn *c;
	status st;

	if (store_batches_writes(s)) {
		request_suspend(r, finish);
		st = store_write_submit(s, &job->w);
		if (st != STATUS_OK) { /* not queued: done will never run */
			job->w.result = st;
			request_resume(r);
		}
		return;
	}
	st = store_conn_get(s, &c);
	if (st == STATUS_OK)
		store_write_run(c, &job->w);
	else
		job->w.result = st;
	finish(r);
}

static void create_finish(struct request *r)
{
	struct write_job *job = r->state;
	const struct task *t = &job->w.task;
	char location[64];

	if (job->w.result != STATUS_OK) {
		fail(r, job->w.result, NULL);
		return;
	}
	buf lb = BUF_INIT;
	buf_append_str(&lb, "/api/tasks/");
	buf_append_i64(&lb, t->id);
	if (!buf_failed(&lb) && lb.len < sizeof(location)) {
		memcpy(location, lb.data, lb.len + 1);
		request_header(r, "Location", location);
	}
	buf_free(&lb);
	respond_task(r, 201, t);
}

void api_task_create(struct request *r)
{
	struct verr e = {0};
	struct write_job *job = write_job_new(r, STORE_WRITE_TASK_CREATE);
	struct task_input *in;
	status st;

	if (!job)
		return;
	in = &job->in;
	st = input_task(r->body.data, r->body.len, TASK_INPUT_CREATE, in, &e);
	if (st != STATUS_OK) {
		fail(r, st, &e);
		return;
	}
	job->w.title = in->title;
	job->w.description = in->has_description && !in->description_null ? in->description : NULL;
	job->w.completed = in->has_completed && in->completed;
	write_start(r, job, create_finish);
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

static void update_finish(struct request *r)
{
	struct write_job *job = r->state;

	if (job->w.result != STATUS_OK) {
		fail(r, job->w.result, NULL);
		return;
	}
	respond_task(r, 200, &job->w.task);
}

/* The patch a checked input asks for; its strings point into in. */
static void patch_of(const struct task_input *in, struct task_patch *p)
{
	*p = (struct task_patch){0};
	if (in->has_title)
		p->title = in->title;
	if (in->has_description) {
		p->set_description = true;
		p->description = in->description_null ? NULL : in->description;
	}
	if (in->has_completed)
		p->completed = in->completed ? TASK_COMPLETED_SET_TRUE : TASK_COMPLETED_SET_FALSE;
	else if (!in->has_title && !in->has_description)
		p->completed = TASK_COMPLETED_TOGGLE;
}

/* A bad id answers 404 before the body is looked at, like a missing task. */
static void update(struct request *r, enum task_input_kind kind)
{
	struct verr e = {0};
	struct write_job *job;
	int64_t id;
	status st = prepare_id(r, &id);

	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	job = write_job_new(r, STORE_WRITE_TASK_UPDATE);
	if (!job)
		return;
	st = input_task(r->body.data, r->body.len, kind, &job->in, &e);
	if (st != STATUS_OK) {
		fail(r, st, &e);
		return;
	}
	job->w.id = id;
	patch_of(&job->in, &job->w.patch);
	write_start(r, job, update_finish);
}

void api_task_update(struct request *r)
{
	update(r, TASK_INPUT_UPDATE);
}

void api_task_complete(struct request *r)
{
	update(r, TASK_INPUT_COMPLETE);
}

static void delete_finish(struct request *r)
{
	struct write_job *job = r->state;

	if (job->w.result != STATUS_OK) {
		fail(r, job->w.result, NULL);
		return;
	}
	respond_empty(r, 204);
}

void api_task_delete(struct request *r)
{
	struct write_job *job;
	int64_t id;
	status st = prepare_id(r, &id);

	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	job = write_job_new(r, STORE_WRITE_TASK_DELETE);
	if (!job)
		return;
	job->w.id = id;
	write_start(r, job, delete_finish);
}
