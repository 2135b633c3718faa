/* auth_api.c: register, login, logout, me.
 * Password hashing runs on the worker pool: the handler suspends its
 * connection, the job hashes or verifies, then resumes it, and the second
 * half of the handler finishes on an HTTP thread. A login is checked against
 * the rate limit twice: read-only on the HTTP thread (so a locked-out storm
 * is refused at once, without queueing), then for real on the worker, where
 * the attempt is counted as a failure before its password is checked and
 * forgotten if it succeeds. Logins queue for the workers, so an attempt sees
 * the outcome of the ones before it: guesses sent in parallel cannot get
 * past the limit, and correct ones sent in parallel all succeed. A
 * registration takes the address's allowance before its hash: in memory on
 * the HTTP thread, or, when the store is shared, in the database on the
 * worker, memory refusing first. */
#include "api/api.h"
#include "api/input.h"
#include "api/render.h"
#include "auth/password.h"
#include "auth/session.h"
#include "core/clock.h"
#include "http/request.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES (LIMIT_EMAIL_BYTES + 16)
#define SIGNIN_LIMITED "too many failed sign-ins, try again later"
#define BUSY_LIMITED "too many requests from this address at once, try again shortly"
#define REGISTER_LIMITED "too many registrations from this address, try again later"

enum job_kind { JOB_HASH, JOB_VERIFY };

/* Shared by a request and its job; the request owns it (state_free). */
struct auth_job {
	struct request *r;
	enum job_kind kind;
	char password[LIMIT_PASSWORD_BYTES + 1];
	size_t password_len;
	char hash[PASSWORD_HASH_BYTES];     /* register: the new hash */
	char new_hash[PASSWORD_HASH_BYTES]; /* verify: a stronger rehash, when made */
	bool rehashed;
	status result;
	/* what the second half needs */
	bool user_found;
	struct user user;
	struct register_input reg;
	store *store;
	const struct config *cfg;
	char email[LIMIT_EMAIL_BYTES + 1];
	char email_key[KEY_BYTES];
	char client_key[KEY_BYTES];
	const char *dummy_hash;
	int64_t retry_after;
	bool queue_refused; /* the address had its share of the hash queue waiting */
	/* register on a shared store: the job takes the address's allowance */
	bool take_allowance;
	addrlimit *register_limit;
	char client[sizeof(((struct request *)0)->client)];
};

static void job_free(void *state)
{
	struct auth_job *job = state;

	if (!job)
		return;
	sodium_memzero(job, sizeof(*job));
	free(job);
}

/* A login on a pool thread: count the attempt (or refuse it), verify,
 * forget the attempt when it succeeded. */
static status login_attempt(struct auth_job *job)
{
	const struct config *cfg = job->cfg;
	int64_t attempt = 0;
	store_conn *c;
	status st = store_conn_get(job->store, &c);

	if (st == STATUS_OK)
		st = store_login_reserve(c, job->email_key, job->client_key, clock_now_ms(),
					 LIMIT_LOGIN_WINDOW_S * 1000LL, cfg->login_max_failures,
					 cfg->login_max_failures_client, &attempt, &job->retry_after);
	if (st != STATUS_OK)
		return st;
	st = store_user_by_email(c, job->email, &job->user);
	if (st != STATUS_OK && st != STATUS_NOT_FOUND)
		return st;
	job->user_found = st == STATUS_OK;
	st = password_verify(job->user_found ? job->user.password_hash : job->dummy_hash, job->password,
			     job->password_len);
	if (st == STATUS_OK && !job->user_found)
		st = STATUS_INVALID_CREDENTIALS;
	if (st != STATUS_OK)
		return st;
	if (password_needs_rehash(job->user.password_hash))
		job->rehashed = password_hash(job->password, job->password_len, job->new_hash) == STATUS_OK;
	return store_login_succeeded(c, job->email_key, attempt);
}

/* "prefix" + value, cut to KEY_BYTES: a key of the store's limits. */
static void key_of(char out[KEY_BYTES], const char *prefix, const char *value)
{
	size_t p = strlen(prefix), v = strnlen(value, KEY_BYTES - p - 1);

	memcpy(out, prefix, p);
	memcpy(out + p, value, v);
	out[p + v] = '\0';
}

/* A registration on a pool thread, when several processes share the
 * database: takes one of the address's registrations of the hour in the
 * database, whose count is the rule, before any hashing. This process's
 * memory counts it too, and learns a refusal until the database's retry
 * time, so that api_register refuses the next ones without asking. On the
 * pool, not the HTTP thread: only jobs the address's share of the queue
 * admitted ask the database, one address's round-robin turn at a time. */
static status register_take(struct auth_job *job)
{
	int64_t now = clock_now_ms();
	char key[KEY_BYTES];
	store_conn *c;
	status st = store_conn_get(job->store, &c);

	if (st == STATUS_OK) {
		key_of(key, "register:", job->client);
		st = store_address_take(c, key, now, LIMIT_REGISTER_WINDOW_S * 1000LL,
					job->cfg->register_max_per_address, &job->retry_after);
	}
	if (st == STATUS_RATE_LIMITED)
		addrlimit_block(job->register_limit, job->client, now + job->retry_after * 1000);
	else if (st == STATUS_OK)
		addrlimit_count(job->register_limit, job->client, now);
	return st;
}

/* Runs on a pool thread. Each job's store work has a budget of its own:
 * the wait for a worker is the hash queue's, not the database's. A job
 * cancelled by a stop touches nothing (no allowance taken, no failure
 * counted) and is answered 503. */
static void job_run(void *arg, bool cancelled)
{
	struct auth_job *job = arg;

	if (cancelled) {
		job->result = STATUS_UNAVAILABLE;
	} else if (job->kind == JOB_HASH) {
		job->result = STATUS_OK;
		if (job->take_allowance) {
			store_budget_begin(STORE_BUDGET_MS);
			job->result = register_take(job);
			store_budget_end();
		}
		if (job->result == STATUS_OK)
			job->result = password_hash(job->password, job->password_len, job->hash);
	} else {
		store_budget_begin(STORE_BUDGET_MS);
		job->result = login_attempt(job);
		store_budget_end();
	}
	sodium_memzero(job->password, sizeof(job->password));
	request_resume(job->r);
}

/* job becomes r's state, freed with it. */
static void adopt(struct request *r, struct auth_job *job)
{
	job->r = r;
	r->state = job;
	r->state_free = job_free;
}

/* Whether this 429 for r's address goes out at once: the first
 * LIMIT_REFUSALS_AT_ONCE in a minute do (a person who mistyped, a client
 * that retries now and then); past them they wait LIMIT_REFUSAL_DELAY_MS
 * (http/delay.h), so a client that repeats refused sign-ins or
 * registrations as fast as it is answered gets one answer per connection
 * per delay, and its flood leaves the CPU to everyone else. */
static bool refuse_at_once(struct request *r)
{
	int64_t unused;

	return addrlimit_take(r->app->refusal_limit, r->client, clock_now_ms(), &unused) == STATUS_OK;
}

/* Refuses r in finish with 429, retry after retry_after s (refuse_at_once). */
static void refuse(struct request *r, struct auth_job *job, int64_t retry_after, route_handler finish)
{
	job->result = STATUS_RATE_LIMITED;
	job->retry_after = retry_after;
	adopt(r, job);
	if (refuse_at_once(r)) {
		finish(r);
		return;
	}
	request_suspend(r, finish);
	request_resume_later(r);
}

/* Hands job to the pool and suspends r until it is done; when the client's
 * address already has its share of the queue waiting (or the queue is
 * full), refuses it (refuse_at_once), retry after 1 s. */
static void run_job(struct request *r, struct auth_job *job, route_handler resume)
{
	adopt(r, job);
	request_suspend(r, resume);
	status st = workpool_submit(r->app->hash_pool, r->client, job_run, job);
	if (st != STATUS_OK) {
		/* this address has its share of the queue waiting: its turn will come */
		job->result = st;
		job->retry_after = 1;
		job->queue_refused = true;
		if (st == STATUS_RATE_LIMITED && !refuse_at_once(r))
			request_resume_later(r);
		else
			request_resume(r);
	}
}

static void fail(struct request *r, status st, const struct verr *e)
{
	switch (st) {
	case STATUS_INVALID:
		if (e) {
			respond_invalid(r, e);
			return;
		}
		respond_error(r, STATUS_INTERNAL, "internal error");
		return;
	case STATUS_BAD_REQUEST:
		respond_error(r, st, e && e->bad_request ? e->bad_request : "request body must be a JSON object");
		return;
	case STATUS_CONFLICT: respond_error(r, st, "an account with this email already exists"); return;
	case STATUS_INVALID_CREDENTIALS: respond_error(r, st, "invalid email or password"); return;
	case STATUS_UNAUTHORIZED: respond_error(r, st, "missing, invalid or expired token"); return;
	case STATUS_UNAVAILABLE: respond_error(r, st, "service busy, try again"); return;
	case STATUS_NOMEM: respond_error(r, st, "out of memory"); return;
	default: respond_error(r, STATUS_INTERNAL, "internal error"); return;
	}
}

/* The 200/201 answer: user, token (also as the cookie), its lifetime. */
static void respond_session(struct request *r, unsigned code, const struct user *u, const char *sid)
{
	const struct config *cfg = r->app->cfg;
	char *token = NULL;
	buf cookie = BUF_INIT;
	buf b = BUF_INIT;
	status st = session_issue(&cfg->key, sid, u->id, u->email, clock_now_ms(), cfg->token_ttl, &token);

	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	buf_append_str(&cookie, "todod_token=");
	buf_append_str(&cookie, token);
	buf_append_str(&cookie, "; Path=/; HttpOnly; SameSite=Strict; Max-Age=");
	buf_append_i64(&cookie, cfg->token_ttl);
	if (r->secure)
		buf_append_str(&cookie, "; Secure");
	if (!buf_failed(&cookie))
		request_header(r, "Set-Cookie", cookie.data);
	/* From here on the request acts for u (the log names it). */
	memcpy(r->caller.user_id, u->id, sizeof(r->caller.user_id));
	r->authenticated = true;
	buf_append_str(&b, "{\"user\":");
	render_user(&b, u);
	buf_append_str(&b, ",\"access_token\":");
	json_put_cstring(&b, token);
	buf_append_str(&b, ",\"token_type\":\"bearer\",\"expires_in\":");
	buf_append_i64(&b, cfg->token_ttl);
	buf_append_char(&b, '}');
	sodium_memzero(token, strlen(token));
	free(token);
	if (cookie.data)
		sodium_memzero(cookie.data, cookie.cap);
	buf_free(&cookie);
	respond_json(r, code, &b);
}

static void respond_rate_limited(struct request *r, int64_t retry_after, const char *message)
{
	buf ra = BUF_INIT;

	buf_append_i64(&ra, retry_after > 0 ? retry_after : 1);
	if (!buf_failed(&ra))
		request_header(r, "Retry-After", ra.data);
	buf_free(&ra);
	respond_error(r, STATUS_RATE_LIMITED, message);
}

/* register ------------------------------------------------------------- */

static void register_finish(struct request *r)
{
	struct auth_job *job = r->state;
	struct user *u = &job->user;
	char sid[RANDOM_TOKEN_BYTES + 1];
	int64_t now = clock_now_ms();
	store_conn *c;
	status st = job->result;

	if (st == STATUS_RATE_LIMITED) {
		respond_rate_limited(r, job->retry_after, job->queue_refused ? BUSY_LIMITED : REGISTER_LIMITED);
		return;
	}
	if (st == STATUS_OK)
		st = store_conn_get(r->app->store, &c);
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	random_uuid(u->id);
	memcpy(u->email, job->reg.email, sizeof(u->email));
	memcpy(u->name, job->reg.name, sizeof(u->name));
	memcpy(u->password_hash, job->hash, sizeof(u->password_hash));
	u->created_at = now;
	random_token(sid);
	st = store_user_create(c, u, sid, now + r->app->cfg->token_ttl * 1000);
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	respond_session(r, 201, u, sid);
}

void api_register(struct request *r)
{
	struct verr e = {0};
	struct auth_job *job = calloc(1, sizeof(*job));
	status st;

	if (!job) {
		fail(r, STATUS_NOMEM, NULL);
		return;
	}
	st = input_register(r->body.data, r->body.len, &job->reg, &e);
	if (st != STATUS_OK) {
		job_free(job);
		fail(r, st, &e);
		return;
	}
	/* The address's hourly allowance, before any hashing. On SQLite (one
	 * process) this process's memory is the rule; on a shared store the
	 * database's count is (the job takes it: register_take) and memory
	 * only refuses first, from this process's registrations and the
	 * refusals it learned. */
	int64_t retry_after = 1, now = clock_now_ms();
	job->take_allowance = store_counts_addresses(r->app->store);
	st = job->take_allowance ? addrlimit_check(r->app->register_limit, r->client, now, &retry_after)
				 : addrlimit_take(r->app->register_limit, r->client, now, &retry_after);
	if (st != STATUS_OK) {
		sodium_memzero(&job->reg, sizeof(job->reg));
		refuse(r, job, retry_after, register_finish);
		return;
	}
	job->kind = JOB_HASH;
	job->store = r->app->store;
	job->cfg = r->app->cfg;
	job->register_limit = r->app->register_limit;
	memcpy(job->client, r->client, sizeof(job->client));
	memcpy(job->password, job->reg.password, job->reg.password_len + 1);
	job->password_len = job->reg.password_len;
	sodium_memzero(job->reg.password, sizeof(job->reg.password));
	run_job(r, job, register_finish);
}

/* login ---------------------------------------------------------------- */

static void login_finish(struct request *r)
{
	struct auth_job *job = r->state;
	char sid[RANDOM_TOKEN_BYTES + 1];
	int64_t now = clock_now_ms();
	store_conn *c;
	status st = job->result;

	if (st == STATUS_RATE_LIMITED) {
		respond_rate_limited(r, job->retry_after, job->queue_refused ? BUSY_LIMITED : SIGNIN_LIMITED);
		return;
	}
	if (st == STATUS_INVALID_CREDENTIALS)
		addrlimit_count(r->app->login_limit, r->client, now);
	if (st == STATUS_OK)
		st = store_conn_get(r->app->store, &c);
	if (st == STATUS_OK && job->rehashed)
		st = store_user_set_password_hash(c, job->user.id, job->new_hash);
	if (st == STATUS_OK) {
		random_token(sid);
		st = store_session_create(c, sid, job->user.id, now, now + r->app->cfg->token_ttl * 1000);
	}
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	respond_session(r, 200, &job->user, sid);
}

/* The address this thread last asked about in learn_address_refusal, and
 * when. */
static _Thread_local struct {
	char client[sizeof(((struct request *)0)->client)];
	int64_t at_ms;
} last_asked;

/* The database refused a login: when the address itself is over its
 * failures (not only the email), this process refuses it from memory until
 * the database's retry time, so a flood spread over several instances is
 * soon refused without asking the database. One key given as both keys
 * counts the address alone. A thread asks about one address at most once a
 * second, so refusals for an email alone cost that question rarely. */
static void learn_address_refusal(struct request *r, store_conn *c, const char *client_key)
{
	int max = r->app->cfg->login_max_failures_client;
	int64_t now = clock_now_ms(), retry_after = 0;

	if (now - last_asked.at_ms < 1000 && strcmp(last_asked.client, r->client) == 0)
		return;
	memcpy(last_asked.client, r->client, sizeof(last_asked.client));
	last_asked.at_ms = now;
	if (store_login_reserve(c, client_key, client_key, now, LIMIT_LOGIN_WINDOW_S * 1000LL, max, max, NULL,
				&retry_after) == STATUS_RATE_LIMITED)
		addrlimit_block(r->app->login_limit, r->client, now + retry_after * 1000);
}

void api_login(struct request *r)
{
	const struct config *cfg = r->app->cfg;
	struct verr e = {0};
	struct login_input in;
	struct auth_job *job = calloc(1, sizeof(*job));
	store_conn *c;
	status st;

	if (!job) {
		fail(r, STATUS_NOMEM, NULL);
		return;
	}
	st = input_login(r->body.data, r->body.len, &in, &e);
	if (st != STATUS_OK)
		goto failed;
	/* An address over its failures is refused from memory, before the
	 * database is asked anything: a flood of refused guesses costs the
	 * service next to nothing. The database's count stays the rule (it
	 * is shared by every instance); this one only answers first, from
	 * this process's failures and the refusals it learned from the
	 * database (learn_address_refusal). */
	if (addrlimit_check(r->app->login_limit, r->client, clock_now_ms(), &job->retry_after) ==
	    STATUS_RATE_LIMITED) {
		sodium_memzero(&in, sizeof(in));
		refuse(r, job, job->retry_after, login_finish);
		return;
	}
	st = store_conn_get(r->app->store, &c);
	if (st != STATUS_OK)
		goto failed;
	key_of(job->email_key, "email:", in.email);
	key_of(job->client_key, "client:", r->client);
	st = store_login_reserve(c, job->email_key, job->client_key, clock_now_ms(), LIMIT_LOGIN_WINDOW_S * 1000LL,
				 cfg->login_max_failures, cfg->login_max_failures_client, NULL, &job->retry_after);
	if (st == STATUS_RATE_LIMITED) {
		learn_address_refusal(r, c, job->client_key);
		sodium_memzero(&in, sizeof(in));
		refuse(r, job, job->retry_after, login_finish);
		return;
	}
	if (st != STATUS_OK)
		goto failed;
	job->kind = JOB_VERIFY;
	job->store = r->app->store;
	job->cfg = cfg;
	job->dummy_hash = r->app->dummy_hash;
	memcpy(job->email, in.email, sizeof(job->email));
	memcpy(job->password, in.password, in.password_len + 1);
	job->password_len = in.password_len;
	sodium_memzero(&in, sizeof(in));
	run_job(r, job, login_finish);
	return;
failed:
	fail(r, st, &e);
	sodium_memzero(&in, sizeof(in));
	job_free(job);
}

/* logout and me -------------------------------------------------------- */

void api_logout(struct request *r)
{
	store_conn *c;
	status st = store_conn_get(r->app->store, &c);

	if (st == STATUS_OK)
		st = session_revoke(c, r->caller.sid, clock_now_ms());
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	request_header(r, "Set-Cookie",
		       r->secure ? "todod_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
				 : "todod_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	respond_empty(r, 204);
}

void api_me(struct request *r)
{
	struct user u;
	store_conn *c;
	buf b = BUF_INIT;
	status st = store_conn_get(r->app->store, &c);

	if (st == STATUS_OK)
		st = store_user_by_id(c, r->caller.user_id, &u);
	if (st == STATUS_NOT_FOUND)
		st = STATUS_UNAUTHORIZED;
	if (st != STATUS_OK) {
		fail(r, st, NULL);
		return;
	}
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	buf_append_str(&b, "{\"user\":");
	render_user(&b, &u);
	buf_append_char(&b, '}');
	respond_json(r, 200, &b);
}
