/* test_store_batch.c: group commit (store/batch.c). The batch's logic on a
 * scripted backend (which step fails, which job fails), then on real
 * SQLite files: a batch run on the writer connection, writes submitted
 * from several threads at once, the data version after a batch, and the
 * writer's stop answering every queued write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#include "sqlite_fixture.h"

#define USER_A "00000000-0000-4000-8000-00000000000a"
#define USER_B "00000000-0000-4000-8000-00000000000b"
#define NOBODY "00000000-0000-4000-8000-0000000000ff"
#define T0     1700000000000LL

/* a scripted backend ----------------------------------------------------- */

#define STEPS_MAX 64

/* What the scripted backend does and what it was asked. A job's status is
 * chosen by its title: "fail:N" fails with status N, anything else
 * succeeds with a task whose id is the number after "job:". */
static struct script {
	enum store_batch_step fail_step; /* this step fails... */
	status fail_status;              /* ...with this status (STATUS_OK: none fails) */
	enum store_batch_step steps[STEPS_MAX];
	unsigned nsteps;
} script;

static status fake_step(struct store_conn *c, enum store_batch_step step)
{
	(void)c;
	if (script.nsteps < STEPS_MAX)
		script.steps[script.nsteps++] = step;
	if (script.fail_status != STATUS_OK && step == script.fail_step)
		return script.fail_status;
	return STATUS_OK;
}

static status fake_create(struct store_conn *c, const char *user_id, const char *title,
			  const char *description, bool completed, int64_t now, struct task *out)
{
	int n = 0;

	(void)c;
	(void)description;
	if (sscanf(title, "fail:%d", &n) == 1)
		return (status)n;
	if (sscanf(title, "job:%d", &n) != 1)
		return STATUS_INTERNAL;
	memset(out, 0, sizeof(*out));
	out->id = n;
	snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
	snprintf(out->title, sizeof(out->title), "%s", title);
	out->completed = completed;
	out->created_at = out->updated_at = now;
	return STATUS_OK;
}

static const struct store_ops fake_ops = {
	.name = "fake",
	.serialize_writes = true,
	.task_create = fake_create,
	.batch_step = fake_step,
};

/* n create jobs titled titles[i], linked in order. */
static void link_jobs(struct store_write *jobs, const char *const *titles, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].kind = STORE_WRITE_TASK_CREATE;
		jobs[i].user_id = USER_A;
		jobs[i].title = titles[i];
		jobs[i].now = T0 + i;
		jobs[i].result = STATUS_INTERNAL; /* must be overwritten */
		jobs[i].next = i + 1 < n ? &jobs[i + 1] : NULL;
	}
}

static void run_script(struct store_write *jobs, enum store_batch_step fail_step, status fail_status)
{
	struct store_conn c = {.ops = &fake_ops};

	memset(&script, 0, sizeof(script));
	script.fail_step = fail_step;
	script.fail_status = fail_status;
	store_batch_run(&c, jobs);
}

static void assert_steps(const enum store_batch_step *want, unsigned n)
{
	assert_int_equal(script.nsteps, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(script.steps[i], want[i]);
}

static void test_fake_failing_job_rolls_back_alone(void **state)
{
	static const char *const titles[] = {"job:11", "fail:4", "job:13", "job:14"};
	static const enum store_batch_step want[] = {
		STORE_BATCH_BEGIN,     STORE_BATCH_JOB_BEGIN, STORE_BATCH_JOB_KEEP, STORE_BATCH_JOB_BEGIN,
		STORE_BATCH_JOB_UNDO,  STORE_BATCH_JOB_BEGIN, STORE_BATCH_JOB_KEEP, STORE_BATCH_JOB_BEGIN,
		STORE_BATCH_JOB_KEEP,  STORE_BATCH_COMMIT,
	};
	struct store_write jobs[4];

	(void)state;
	link_jobs(jobs, titles, 4);
	run_script(jobs, STORE_BATCH_BEGIN, STATUS_OK);
	assert_steps(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(jobs[0].result, STATUS_OK);
	assert_int_equal(jobs[1].result, (status)4);
	assert_int_equal(jobs[2].result, STATUS_OK);
	assert_int_equal(jobs[3].result, STATUS_OK);
	/* each job has its own answer */
	assert_int_equal(jobs[0].task.id, 11);
	assert_int_equal(jobs[2].task.id, 13);
	assert_int_equal(jobs[3].task.id, 14);
	assert_string_equal(jobs[3].task.title, "job:14");
	assert_int_equal(jobs[3].task.created_at, T0 + 3);
}

static void test_fake_failed_commit_fails_all(void **state)
{
	static const char *const titles[] = {"job:1", "fail:4", "job:3"};
	struct store_write jobs[3];

	(void)state;
	link_jobs(jobs, titles, 3);
	run_script(jobs, STORE_BATCH_COMMIT, STATUS_UNAVAILABLE);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(jobs[i].result, STATUS_UNAVAILABLE);
	assert_int_equal(script.steps[script.nsteps - 2], STORE_BATCH_COMMIT);
	assert_int_equal(script.steps[script.nsteps - 1], STORE_BATCH_ROLLBACK);
}

static void test_fake_failed_begin_fails_all(void **state)
{
	static const char *const titles[] = {"job:1", "job:2"};
	static const enum store_batch_step want[] = {STORE_BATCH_BEGIN, STORE_BATCH_ROLLBACK};
	struct store_write jobs[2];

	(void)state;
	link_jobs(jobs, titles, 2);
	run_script(jobs, STORE_BATCH_BEGIN, STATUS_UNAVAILABLE);
	assert_steps(want, 2);
	assert_int_equal(jobs[0].result, STATUS_UNAVAILABLE);
	assert_int_equal(jobs[1].result, STATUS_UNAVAILABLE);
}

/* A job whose failure took the whole transaction with it: the jobs before
 * it are lost too, so every job gets the failure and none after it runs. */
static void test_fake_lost_transaction_fails_all(void **state)
{
	static const char *const titles[] = {"job:1", "fail:4", "job:3"};
	static const enum store_batch_step want[] = {
		STORE_BATCH_BEGIN,    STORE_BATCH_JOB_BEGIN, STORE_BATCH_JOB_KEEP,
		STORE_BATCH_JOB_BEGIN, STORE_BATCH_JOB_UNDO, STORE_BATCH_ROLLBACK,
	};
	struct store_write jobs[3];

	(void)state;
	link_jobs(jobs, titles, 3);
	run_script(jobs, STORE_BATCH_JOB_UNDO, STATUS_UNAVAILABLE);
	assert_steps(want, sizeof(want) / sizeof(want[0]));
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(jobs[i].result, STATUS_UNAVAILABLE);
}

/* A job the store would refuse never reaches the backend. */
static void test_fake_invalid_job_refused(void **state)
{
	static const char *const titles[] = {"job:1", "", "job:3"};
	struct store_write jobs[3];

	(void)state;
	link_jobs(jobs, titles, 3);
	run_script(jobs, STORE_BATCH_BEGIN, STATUS_OK);
	assert_int_equal(jobs[0].result, STATUS_OK);
	assert_int_equal(jobs[1].result, STATUS_INVALID);
	assert_int_equal(jobs[2].result, STATUS_OK);
	assert_int_equal(jobs[2].task.id, 3);
}

/* real SQLite ----------------------------------------------------------- */

static int64_t count_tasks(const struct fixture *f, const char *user_id)
{
	return raw_query(f->path, "SELECT count(*) FROM tasks WHERE user_id = ?1", user_id);
}

static void test_sqlite_batch_keeps_all_but_the_failed(void **state)
{
	struct fixture *f = *state;
	struct task t;
	struct store_write jobs[6];

	add_user(f, USER_A, "ada@example.com");
	assert_int_equal(store_task_create(f->c, USER_A, "first", NULL, false, T0, &t), STATUS_OK);
	memset(jobs, 0, sizeof(jobs));
	jobs[0] = (struct store_write){
		.kind = STORE_WRITE_TASK_CREATE, .user_id = USER_A, .title = "one", .now = T0};
	/* a missing task */
	jobs[1] = (struct store_write){.kind = STORE_WRITE_TASK_UPDATE, .user_id = USER_A, .id = t.id + 100,
				       .patch = {.completed = TASK_COMPLETED_TOGGLE}, .now = T0};
	/* a user that does not exist: the foreign key fails the statement */
	jobs[2] = (struct store_write){
		.kind = STORE_WRITE_TASK_CREATE, .user_id = NOBODY, .title = "ghost", .now = T0};
	jobs[3] = (struct store_write){.kind = STORE_WRITE_TASK_UPDATE, .user_id = USER_A, .id = t.id,
				       .patch = {.completed = TASK_COMPLETED_SET_TRUE}, .now = T0 + 5};
	jobs[4] = (struct store_write){.kind = STORE_WRITE_TASK_CREATE, .user_id = USER_A, .title = "two",
				       .description = "second", .now = T0 + 6};
	jobs[5] = (struct store_write){.kind = STORE_WRITE_TASK_DELETE, .user_id = USER_A, .id = t.id + 200};
	for (unsigned i = 0; i + 1 < 6; i++)
		jobs[i].next = &jobs[i + 1];
	pthread_mutex_lock(&f->s->write_lock);
	store_batch_run(f->s->writer, jobs);
	pthread_mutex_unlock(&f->s->write_lock);

	assert_int_equal(jobs[0].result, STATUS_OK);
	assert_int_equal(jobs[1].result, STATUS_NOT_FOUND);
	assert_int_equal(jobs[2].result, STATUS_NOT_FOUND);
	assert_int_equal(jobs[3].result, STATUS_OK);
	assert_int_equal(jobs[4].result, STATUS_OK);
	assert_int_equal(jobs[5].result, STATUS_NOT_FOUND);
	assert_string_equal(jobs[0].task.title, "one");
	assert_string_equal(jobs[4].task.title, "two");
	assert_string_equal(jobs[4].task.description, "second");
	assert_true(jobs[3].task.completed);
	assert_int_equal(jobs[3].task.id, t.id);
	assert_true(jobs[0].task.id != jobs[4].task.id);

	/* committed, as each job was told, on a connection of another thread */
	assert_int_equal(count_tasks(f, USER_A), 3);
	assert_int_equal(count_tasks(f, NOBODY), 0);
	assert_int_equal(store_task_get(f->c, USER_A, jobs[4].task.id, &t), STATUS_OK);
	assert_string_equal(t.title, "two");
	assert_int_equal(raw_query(f->path, "SELECT total FROM task_counts WHERE user_id = ?1", USER_A), 3);
	assert_int_equal(raw_query(f->path, "SELECT completed FROM task_counts WHERE user_id = ?1", USER_A), 1);
}

/* Submitted writes, counted as they are answered. */
struct answers {
	pthread_mutex_t lock;
	pthread_cond_t all;
	unsigned done, ok;
};

struct job {
	struct store_write w;
	struct answers *a;
	char title[32];
	status submitted; /* store_write_submit's answer */
};

static void job_done(struct store_write *w)
{
	struct job *j = w->arg;

	pthread_mutex_lock(&j->a->lock);
	j->a->done++;
	if (w->result == STATUS_OK)
		j->a->ok++;
	pthread_cond_broadcast(&j->a->all);
	pthread_mutex_unlock(&j->a->lock);
}

static void wait_answers(struct answers *a, unsigned n)
{
	pthread_mutex_lock(&a->lock);
	while (a->done < n)
		pthread_cond_wait(&a->all, &a->lock);
	pthread_mutex_unlock(&a->lock);
}

#define SUBMITTERS 4
#define PER_SUBMITTER 150

struct submitter {
	store *s;
	struct answers *a;
	struct job jobs[PER_SUBMITTER];
	unsigned index;
};

/* Creates tasks titled "<submitter>-<n>"; every third is for a user that
 * does not exist (refused by the database, in the middle of batches). */
static void *submit_many(void *arg)
{
	struct submitter *sb = arg;

	for (unsigned i = 0; i < PER_SUBMITTER; i++) {
		struct job *j = &sb->jobs[i];
		snprintf(j->title, sizeof(j->title), "%u-%u", sb->index, i);
		j->a = sb->a;
		j->w = (struct store_write){.kind = STORE_WRITE_TASK_CREATE,
					    .user_id = i % 3 == 2 ? NOBODY : USER_A,
					    .title = j->title,
					    .now = T0 + i,
					    .done = job_done,
					    .arg = j};
		/* checked by the main thread: cmocka asserts only there */
		j->submitted = store_write_submit(sb->s, &j->w);
	}
	return NULL;
}

static void test_sqlite_submit_from_threads(void **state)
{
	struct fixture *f = *state;
	struct answers a = {.lock = PTHREAD_MUTEX_INITIALIZER, .all = PTHREAD_COND_INITIALIZER};
	struct submitter *sb = calloc(SUBMITTERS, sizeof(*sb));
	pthread_t threads[SUBMITTERS];
	unsigned ok = 0;

	assert_non_null(sb);
	add_user(f, USER_A, "ada@example.com");
	assert_true(store_batches_writes(f->s));
	for (unsigned i = 0; i < SUBMITTERS; i++) {
		sb[i].s = f->s;
		sb[i].a = &a;
		sb[i].index = i;
		assert_int_equal(pthread_create(&threads[i], NULL, submit_many, &sb[i]), 0);
	}
	for (unsigned i = 0; i < SUBMITTERS; i++)
		pthread_join(threads[i], NULL);
	for (unsigned i = 0; i < SUBMITTERS; i++)
		for (unsigned k = 0; k < PER_SUBMITTER; k++)
			assert_int_equal(sb[i].jobs[k].submitted, STATUS_OK);
	wait_answers(&a, SUBMITTERS * PER_SUBMITTER);
	for (unsigned i = 0; i < SUBMITTERS; i++) {
		for (unsigned k = 0; k < PER_SUBMITTER; k++) {
			struct job *j = &sb[i].jobs[k];
			struct task t;
			if (k % 3 == 2) {
				assert_int_equal(j->w.result, STATUS_NOT_FOUND);
				continue;
			}
			/* the answer is this job's task, and it is there */
			assert_int_equal(j->w.result, STATUS_OK);
			assert_string_equal(j->w.task.title, j->title);
			assert_int_equal(store_task_get(f->c, USER_A, j->w.task.id, &t), STATUS_OK);
			assert_string_equal(t.title, j->title);
			ok++;
		}
	}
	assert_int_equal(a.ok, ok);
	/* exactly once each: as many rows as answers, titles unique */
	assert_int_equal(count_tasks(f, USER_A), ok);
	assert_int_equal(raw_query(f->path, "SELECT count(DISTINCT title) FROM tasks WHERE user_id = ?1", USER_A),
			 ok);
	assert_int_equal(raw_query(f->path, "SELECT total FROM task_counts WHERE user_id = ?1", USER_A), ok);
	free(sb);
}

static status count_visit(const struct task *t, void *arg)
{
	(void)t;
	(void)arg;
	return STATUS_OK;
}

/* Each batch commits a segment of the search index; the writer merges a
 * few pages after each batch (005_search_merge.sql), so one write at a
 * time, one batch each, leaves a handful of segments, not one per batch
 * up to the crisis merge at 64. */
static void test_sqlite_search_segments_merged_between_batches(void **state)
{
	struct fixture *f = *state;
	struct answers a = {.lock = PTHREAD_MUTEX_INITIALIZER, .all = PTHREAD_COND_INITIALIZER};
	struct job j = {.a = &a};
	struct task_query q = {.text = "word-7", .limit = 100, .sort = TASK_SORT_CREATED};
	int64_t segments, total = -1;

	add_user(f, USER_A, "ada@example.com");
	for (unsigned i = 0; i < 300; i++) {
		snprintf(j.title, sizeof(j.title), "word-%u", i);
		j.w = (struct store_write){.kind = STORE_WRITE_TASK_CREATE,
					   .user_id = USER_A,
					   .title = j.title,
					   .now = T0 + i,
					   .done = job_done,
					   .arg = &j};
		assert_int_equal(store_write_submit(f->s, &j.w), STATUS_OK);
		wait_answers(&a, i + 1);
		assert_int_equal(j.w.result, STATUS_OK);
	}
	segments = raw_query(f->path, "SELECT count(DISTINCT segid) FROM tasks_fts_idx", NULL);
	print_message("search index segments after 300 batches: %lld\n", (long long)segments);
	assert_true(segments >= 1 && segments <= 12);
	/* the merged index still finds every match: word-7 and word-70..79 */
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, count_visit, NULL), STATUS_OK);
	assert_int_equal(total, 11);
}

/* The creates of a batch go in as one INSERT: one new segment of the
 * search index for the batch, each write its own row, ids in the order of
 * the list, the counters and the search index kept by the same INSERT. */
static void test_sqlite_batch_creates_at_once(void **state)
{
	struct fixture *f = *state;
	static const char *const owners[] = {USER_A, USER_B, USER_A, NULL, USER_B, USER_A};
	static const char *const titles[] = {"alpha one", "beta one", "alpha two", NULL, "beta two", "alpha three"};
	struct store_write jobs[6];
	struct task t;
	struct task_query q = {.text = "alpha", .limit = 100, .sort = TASK_SORT_CREATED};
	int64_t before, after, total = -1;

	add_user(f, USER_A, "ada@example.com");
	add_user(f, USER_B, "bob@example.com");
	assert_int_equal(store_task_create(f->c, USER_B, "beta zero", NULL, false, T0, &t), STATUS_OK);
	before = raw_query(f->path, "SELECT count(DISTINCT segid) FROM tasks_fts_idx", NULL);
	memset(jobs, 0, sizeof(jobs));
	for (unsigned i = 0; i < 6; i++) {
		if (owners[i])
			jobs[i] = (struct store_write){.kind = STORE_WRITE_TASK_CREATE,
						       .user_id = owners[i],
						       .title = titles[i],
						       .description = i == 2 ? "the second" : NULL,
						       .completed = i == 4,
						       .now = T0 + 10 + i};
		else /* an update among the creates */
			jobs[i] = (struct store_write){.kind = STORE_WRITE_TASK_UPDATE, .user_id = USER_B, .id = t.id,
						       .patch = {.completed = TASK_COMPLETED_SET_TRUE}, .now = T0 + 20};
		jobs[i].result = STATUS_INTERNAL;
		if (i)
			jobs[i - 1].next = &jobs[i];
	}
	pthread_mutex_lock(&f->s->write_lock);
	store_batch_run(f->s->writer, jobs);
	pthread_mutex_unlock(&f->s->write_lock);

	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(jobs[i].result, STATUS_OK);
	for (unsigned i = 0, last = 0; i < 6; i++) {
		if (!owners[i])
			continue;
		assert_string_equal(jobs[i].task.user_id, owners[i]);
		assert_string_equal(jobs[i].task.title, titles[i]);
		assert_int_equal(jobs[i].task.created_at, T0 + 10 + i);
		assert_int_equal(jobs[i].task.completed, i == 4);
		if (last)
			assert_true(jobs[i].task.id > jobs[last].task.id);
		last = i;
	}
	assert_true(jobs[2].task.has_description);
	assert_string_equal(jobs[2].task.description, "the second");
	assert_false(jobs[0].task.has_description);
	assert_true(jobs[3].task.completed);
	assert_int_equal(store_task_get(f->c, USER_A, jobs[5].task.id, &t), STATUS_OK);
	assert_string_equal(t.title, "alpha three");

	assert_int_equal(raw_query(f->path, "SELECT total FROM task_counts WHERE user_id = ?1", USER_A), 3);
	assert_int_equal(raw_query(f->path, "SELECT total FROM task_counts WHERE user_id = ?1", USER_B), 3);
	assert_int_equal(raw_query(f->path, "SELECT completed FROM task_counts WHERE user_id = ?1", USER_B), 2);
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, count_visit, NULL), STATUS_OK);
	assert_int_equal(total, 3);
	snprintf(q.text, sizeof(q.text), "beta");
	assert_int_equal(store_task_list(f->c, USER_A, &q, &total, count_visit, NULL), STATUS_OK);
	assert_int_equal(total, 0);
	assert_int_equal(store_task_list(f->c, USER_B, &q, &total, count_visit, NULL), STATUS_OK);
	assert_int_equal(total, 3);
	after = raw_query(f->path, "SELECT count(DISTINCT segid) FROM tasks_fts_idx", NULL);
	print_message("search index segments: %lld before the batch, %lld after\n", (long long)before,
		      (long long)after);
	assert_true(after <= before + 1);
}

/* An answered write is visible to the next read on any connection, and
 * changes the data version the list answers are kept under. */
static void test_sqlite_answer_after_commit(void **state)
{
	struct fixture *f = *state;
	struct answers a = {.lock = PTHREAD_MUTEX_INITIALIZER, .all = PTHREAD_COND_INITIALIZER};
	struct store_version v0, v1;
	struct job j = {.a = &a};
	struct task t;

	add_user(f, USER_A, "ada@example.com");
	assert_int_equal(store_task_create(f->c, USER_A, "seen", NULL, false, T0, &t), STATUS_OK);
	assert_true(store_data_version(f->c, &v0));
	j.w = (struct store_write){.kind = STORE_WRITE_TASK_UPDATE,
				   .user_id = USER_A,
				   .id = t.id,
				   .patch = {.title = "renamed"},
				   .now = T0 + 1,
				   .done = job_done,
				   .arg = &j};
	assert_int_equal(store_write_submit(f->s, &j.w), STATUS_OK);
	wait_answers(&a, 1);
	assert_int_equal(j.w.result, STATUS_OK);
	assert_true(store_data_version(f->c, &v1));
	assert_memory_not_equal(v0.b, v1.b, sizeof(v0.b));
	assert_int_equal(store_task_get(f->c, USER_A, t.id, &t), STATUS_OK);
	assert_string_equal(t.title, "renamed");
}

static void test_sqlite_submit_refuses_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct answers a = {.lock = PTHREAD_MUTEX_INITIALIZER, .all = PTHREAD_COND_INITIALIZER};
	struct job j = {.a = &a};

	j.w = (struct store_write){
		.kind = STORE_WRITE_TASK_CREATE, .user_id = USER_A, .title = "", .done = job_done, .arg = &j};
	assert_int_equal(store_write_submit(f->s, &j.w), STATUS_INVALID);
	j.w.title = "ok";
	j.w.patch.completed = (enum task_completed_change)9;
	j.w.kind = STORE_WRITE_TASK_UPDATE;
	assert_int_equal(store_write_submit(f->s, &j.w), STATUS_INVALID);
	j.w.kind = (enum store_write_kind)7;
	assert_int_equal(store_write_submit(f->s, &j.w), STATUS_INVALID);
	j.w.kind = STORE_WRITE_TASK_DELETE;
	j.w.done = NULL;
	assert_int_equal(store_write_submit(f->s, &j.w), STATUS_INVALID);
	assert_int_equal(a.done, 0);
}

/* Stopping the writer answers every write already queued; later ones are
 * refused at once and never answered. */
static void test_sqlite_stop_answers_queued(void **state)
{
	struct fixture *f = *state;
	struct answers a = {.lock = PTHREAD_MUTEX_INITIALIZER, .all = PTHREAD_COND_INITIALIZER};
	enum { N = 200 };
	struct job *jobs = calloc(N, sizeof(*jobs));

	assert_non_null(jobs);
	add_user(f, USER_B, "bob@example.com");
	/* the writer waits for the lock, so the writes pile up in the queue */
	pthread_mutex_lock(&f->s->write_lock);
	for (unsigned i = 0; i < N; i++) {
		snprintf(jobs[i].title, sizeof(jobs[i].title), "t%u", i);
		jobs[i].a = &a;
		jobs[i].w = (struct store_write){.kind = STORE_WRITE_TASK_CREATE,
						 .user_id = USER_B,
						 .title = jobs[i].title,
						 .now = T0,
						 .done = job_done,
						 .arg = &jobs[i]};
		assert_int_equal(store_write_submit(f->s, &jobs[i].w), STATUS_OK);
	}
	pthread_mutex_unlock(&f->s->write_lock);
	store_writer_stop(f->s);
	assert_int_equal(a.done, N);
	assert_int_equal(a.ok, N);
	assert_int_equal(count_tasks(f, USER_B), N);
	jobs[0].w.done = job_done;
	assert_int_equal(store_write_submit(f->s, &jobs[0].w), STATUS_UNAVAILABLE);
	store_writer_stop(f->s); /* again: nothing to do */
	assert_int_equal(a.done, N);
	/* the synchronous path still writes */
	assert_int_equal(store_write_run(f->c, &jobs[0].w), STATUS_OK);
	assert_int_equal(count_tasks(f, USER_B), N + 1);
	free(jobs);
}

/* The WAL's last frame (mxFrame), read from the WAL index file beside the
 * database (its first header copy), or -1. */
static long wal_last_frame(const struct fixture *f)
{
	char shm[300];
	uint32_t last;
	FILE *in;
	long frame = -1;

	snprintf(shm, sizeof(shm), "%s-shm", f->path);
	in = fopen(shm, "rb");
	if (in && fseek(in, 16, SEEK_SET) == 0 && fread(&last, sizeof(last), 1, in) == 1)
		frame = (long)last;
	if (in)
		fclose(in);
	return frame;
}

#define WAL_REWIND_PAGES 16000 /* sqlite.c: WAL_CHECKPOINT_PAGES */
#define WAL_REWIND_ROUND 256   /* creates submitted at a time */
#define WAL_REWIND_ROUNDS 600  /* at most */
#define WAL_REWIND_SLACK 2000  /* frames: a few rounds past the bound */

static struct job wal_jobs[2][WAL_REWIND_ROUND];

static void submit_round(store *s, struct job *jobs, struct answers *a, unsigned round,
			 const char *description)
{
	for (unsigned i = 0; i < WAL_REWIND_ROUND; i++) {
		struct job *j = &jobs[i];
		snprintf(j->title, sizeof(j->title), "steady %u-%u", round, i);
		j->a = a;
		j->w = (struct store_write){.kind = STORE_WRITE_TASK_CREATE,
					    .user_id = USER_A,
					    .title = j->title,
					    .description = description,
					    .now = T0 + (int64_t)round * WAL_REWIND_ROUND + i,
					    .done = job_done,
					    .arg = j};
		j->submitted = store_write_submit(s, &j->w);
	}
}

/* Under steady writes the WAL stays bounded: only a writer that starts on
 * a wholly copied WAL rewinds it, so past 16,000 pages the writer
 * checkpoints (once the background checkpointer has left it a short tail
 * to copy, at once past twice that). Creates with long descriptions, a
 * second round always queued behind the one being written so the writer
 * never waits, until three times the threshold has been written to the
 * WAL: it never held more than twice the threshold (without the writer's
 * checkpoint it passed 86,000 frames). */
static void test_sqlite_wal_rewound_under_steady_writes(void **state)
{
	struct fixture *f = *state;
	struct answers a = {.lock = PTHREAD_MUTEX_INITIALIZER, .all = PTHREAD_COND_INITIALIZER};
	char description[1001];
	long most = 0, written = 0, previous = 0, frame, size;
	unsigned round, rewinds = 0;
	char wal[300];
	FILE *in;

	add_user(f, USER_A, "ada@example.com");
	for (size_t i = 0; i < sizeof(description) - 1; i++)
		description[i] = (char)('a' + (i * 7 + i / 26) % 26);
	description[sizeof(description) - 1] = '\0';
	submit_round(f->s, wal_jobs[0], &a, 0, description);
	for (round = 0; round < WAL_REWIND_ROUNDS && written < 3L * WAL_REWIND_PAGES &&
		       most <= 2L * WAL_REWIND_PAGES + WAL_REWIND_SLACK;
	     round++) {
		struct job *done = wal_jobs[round % 2];

		submit_round(f->s, wal_jobs[(round + 1) % 2], &a, round + 1, description);
		wait_answers(&a, (round + 1) * WAL_REWIND_ROUND);
		for (unsigned i = 0; i < WAL_REWIND_ROUND; i++) {
			assert_int_equal(done[i].submitted, STATUS_OK);
			assert_int_equal(done[i].w.result, STATUS_OK);
		}
		frame = wal_last_frame(f);
		assert_true(frame >= 0);
		if (frame < previous) {
			rewinds++;
			written += previous;
		}
		previous = frame;
		if (frame > most)
			most = frame;
	}
	wait_answers(&a, (round + 1) * WAL_REWIND_ROUND);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	in = fopen(wal, "rb");
	assert_non_null(in);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	size = ftell(in);
	fclose(in);
	print_message("%u rounds of %u creates: %ld frames written to the WAL, %u rewinds, at most %ld "
		      "frames, a file of %ld bytes\n",
		      round + 1, WAL_REWIND_ROUND, written + previous, rewinds, most, size);
	assert_true(written >= 3L * WAL_REWIND_PAGES);
	assert_true(most <= 2L * WAL_REWIND_PAGES + WAL_REWIND_SLACK);
	assert_true(size <= (2L * WAL_REWIND_PAGES + WAL_REWIND_SLACK) * (4096 + 24) + 32);
	assert_int_equal(count_tasks(f, USER_A), (int64_t)(round + 1) * WAL_REWIND_ROUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_failing_job_rolls_back_alone),
		cmocka_unit_test(test_fake_failed_commit_fails_all),
		cmocka_unit_test(test_fake_failed_begin_fails_all),
		cmocka_unit_test(test_fake_lost_transaction_fails_all),
		cmocka_unit_test(test_fake_invalid_job_refused),
		cmocka_unit_test_setup_teardown(test_sqlite_batch_keeps_all_but_the_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_submit_from_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_search_segments_merged_between_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_batch_creates_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_answer_after_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_submit_refuses_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_stop_answers_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_wal_rewound_under_steady_writes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
