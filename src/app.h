/* app.h: what every request handler may reach, built once by main.
 * Read-only after startup, so the HTTP threads share it without locks. */
#ifndef TODOD_APP_H
#define TODOD_APP_H

#include "auth/password.h"
#include "config.h"
#include "core/addrlimit.h"
#include "core/workpool.h"
#include "http/router.h"
#include "store/store.h"

struct app {
	const struct config *cfg;
	store *store;
	workpool *hash_pool;
	addrlimit *register_limit; /* registrations per client address per hour */
	addrlimit *login_limit;    /* failed logins per client address, this process */
	addrlimit *refusal_limit;  /* sign-in and registration 429s per client address
				      answered at once; past it they wait (http/delay.h) */
	/* Every route served, one table per part (api/, web/), tried in order. */
	const struct route_table *routes;
	size_t nroutes;
	/* A real hash of a random password: a login for an unknown email is
	 * verified against it, so it costs the same time as a known one. */
	char dummy_hash[PASSWORD_HASH_BYTES];
};

#endif
