/* main.c: flags -> config -> store -> worker pool -> server -> signals ->
 * teardown in reverse. SIGTERM or SIGINT stops accepting, lets requests in
 * flight finish (at most DRAIN_MS), answers every queued write (and the
 * password checks still queued with 503), closes the database and exits 0. */
#include "api/api.h"
#include "api/input.h"
#include "app.h"
#include "auth/password.h"
#include "config.h"
#include "http/server.h"
#include "web/web.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define DRAIN_MS 8000
/* then, for the answers the stop itself made (password checks cancelled
 * with 503) to go out before the connections close: within 10 s in all */
#define FLUSH_MS 1000

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "todod: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	return 1;
}

/* Room for every connection the server allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int open_store(const struct config *cfg, store **out)
{
	status st = store_open(cfg->db_url, out);

	if (st == STATUS_INVALID)
		return fail("cannot open database", "unsupported DATABASE_URL");
	if (st != STATUS_OK)
		return fail("cannot open database", status_code_name(st));
	st = store_migrate(*out);
	if (st != STATUS_OK) {
		store_close(*out);
		*out = NULL;
		return fail("cannot migrate database", st == STATUS_CONFLICT
							       ? "its schema is newer than this todod: upgrade todod"
							       : status_code_name(st));
	}
	return 0;
}

/* Blocks until SIGTERM or SIGINT (blocked in every thread). Meanwhile,
 * once a second, gives the memory freed in the threads' malloc arenas back
 * to the system: requests allocate on the HTTP threads and the writer frees
 * some of it, and glibc kept up to 15 MB of such free memory in its arenas
 * after a burst of writes (RSS 30-33 MiB under make bench's writes at 256
 * connections; 25-29 MiB with this). */
static void wait_for_signal(const sigset_t *set)
{
	const struct timespec second = {.tv_sec = 1};
	int sig;

	while ((sig = sigtimedwait(set, NULL, &second)) < 0)
		if (errno == EAGAIN)
			(void)malloc_trim(0);
	fprintf(stderr, "todod: %s received, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int serve(struct config *cfg, const sigset_t *signals)
{
	/* The API first: its paths are the ones clients depend on. */
	const struct route_table routes[] = {
		{api_routes, api_routes_count},
		{web_routes, web_routes_count},
	};
	struct app app = {.cfg = cfg, .routes = routes, .nroutes = sizeof(routes) / sizeof(routes[0])};
	char err[CONFIG_ERROR_BYTES];
	char serr[256];
	server *srv = NULL;
	int rc = 1;
	status st;

	if (config_load_secret(cfg, err) != STATUS_OK)
		return fail(err, NULL);
	if (open_store(cfg, &app.store) != 0)
		goto done;
	/* A real hash to verify unknown emails against: same cost as a real one. */
	unsigned char random_pw[16];
	randombytes_buf(random_pw, sizeof(random_pw));
	st = password_hash((const char *)random_pw, sizeof(random_pw), app.dummy_hash);
	sodium_memzero(random_pw, sizeof(random_pw));
	if (st != STATUS_OK) {
		fail("cannot prepare password hashing", status_code_name(st));
		goto done;
	}
	if (addrlimit_new(cfg->register_max_per_address, &app.register_limit) != STATUS_OK ||
	    addrlimit_new_window(cfg->login_max_failures_client, LIMIT_LOGIN_WINDOW_S / 60, &app.login_limit) !=
		    STATUS_OK ||
	    addrlimit_new_window(LIMIT_REFUSALS_AT_ONCE, 1, &app.refusal_limit) != STATUS_OK ||
	    workpool_new(cfg->hash_threads, LIMIT_HASH_QUEUE, LIMIT_HASH_QUEUE_PER_ADDRESS, &app.hash_pool) !=
		    STATUS_OK) {
		fail("cannot start worker threads", NULL);
		goto done;
	}
	if (server_start(&app, &srv, serr) != STATUS_OK) {
		fail(serr, NULL);
		goto done;
	}
	wait_for_signal(signals);
	server_quiesce(srv);
	unsigned left = server_drain(srv, DRAIN_MS);
	if (left)
		fprintf(stderr, "todod: %u requests still in flight: queued password checks get 503,"
				" the rest are closed\n", left);
	rc = 0;
done:
	/* The pool and the store's writer first: their jobs resume connections
	 * the server still holds (libmicrohttpd cannot stop while one is
	 * suspended); a write submitted after this runs nowhere and is
	 * answered 503 at once. Hashes still queued after the drain are not
	 * made (a full queue is seconds of them): answered 503 at once. */
	workpool_cancel(app.hash_pool);
	workpool_free(app.hash_pool);
	store_writer_stop(app.store);
	if (srv)
		(void)server_drain(srv, FLUSH_MS);
	server_stop(srv);
	addrlimit_free(app.register_limit);
	addrlimit_free(app.login_limit);
	addrlimit_free(app.refusal_limit);
	store_close(app.store);
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[CONFIG_ERROR_BYTES];
	sigset_t signals;
	int rc;

	if (config_load(&cfg, argc, argv, err) != STATUS_OK) {
		fprintf(stderr, "todod: %s\n", err);
		return 2;
	}
	if (cfg.command == COMMAND_HELP) {
		fputs(config_usage, stdout);
		return 0;
	}
	if (cfg.command == COMMAND_VERSION) {
		printf("todod %s\n", TODOD_VERSION);
		return 0;
	}
	/* The database holds password hashes: nobody else reads what we make. */
	umask(077);
	if (password_init() != STATUS_OK)
		return fail("cannot initialise cryptography", NULL);
	input_init();
	if (config_make_data_dir(&cfg, err) != STATUS_OK)
		return fail(err, NULL);
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	if (cfg.command == COMMAND_COPY) {
		int64_t users = 0, tasks = 0;
		status st = store_copy(cfg.copy_from, cfg.copy_to, &users, &tasks);
		rc = st == STATUS_OK ? 0 : 1;
		if (st == STATUS_OK)
			fprintf(stderr, "todod: copied %lld users and %lld tasks\n", (long long)users, (long long)tasks);
		else
			fail("cannot copy", st == STATUS_CONFLICT ? "the target database is not empty" : status_code_name(st));
	} else if (cfg.command == COMMAND_MIGRATE) {
		store *s = NULL;
		rc = open_store(&cfg, &s);
		store_close(s);
		if (rc == 0)
			fprintf(stderr, "todod: migrations applied\n");
	} else {
		rc = serve(&cfg, &signals);
	}
	config_wipe(&cfg);
	return rc;
}
