/* config.h: every setting of todod, from flags and the environment.
 * This is the only code that reads the environment. A flag wins over its
 * variable; a bad value is refused with a message naming the setting. */
#ifndef TODOD_CONFIG_H
#define TODOD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/jwt.h"
#include "core/status.h"

#define CONFIG_PATH_BYTES 4096
#define CONFIG_ERROR_BYTES 512

enum command { COMMAND_SERVE, COMMAND_MIGRATE, COMMAND_HELP, COMMAND_VERSION, COMMAND_COPY };

struct config {
	enum command command;
	char listen[300];                  /* host:port as given */
	char db_url[CONFIG_PATH_BYTES];    /* sqlite:PATH or postgres://... */
	char data_dir[CONFIG_PATH_BYTES];
	char copy_from[CONFIG_PATH_BYTES]; /* copy: sqlite:PATH */
	char copy_to[CONFIG_PATH_BYTES];   /* copy: postgres://... */
	jwt_key key;                       /* filled by config_load_secret */
	int64_t token_ttl;                 /* seconds */
	int login_max_failures;            /* per email per window */
	int login_max_failures_client;     /* per client address per window */
	bool trust_proxy;
	unsigned max_connections_per_address; /* per TCP peer; 0: no cap */
	int register_max_per_address;      /* registrations per client address per hour */
	unsigned http_threads;
	unsigned hash_threads;
};

/* Fills cfg from argv and the environment. STATUS_INVALID with a message in
 * err (for the user, lower-case, naming the setting) when something is wrong. */
status config_load(struct config *cfg, int argc, char **argv, char err[CONFIG_ERROR_BYTES]);

/* Creates the data directory (mode 0700) when it is missing. */
status config_make_data_dir(const struct config *cfg, char err[CONFIG_ERROR_BYTES]);

/* Sets cfg->key from TODOD_JWT_SECRET, else BETTER_AUTH_SECRET, else
 * JWT_SECRET, else from <data dir>/jwt_secret, which is created (mode 0600,
 * 32 random bytes as hex) when absent. STATUS_INVALID with a message in err
 * when the secret is shorter than 32 bytes or cannot be read or made. */
status config_load_secret(struct config *cfg, char err[CONFIG_ERROR_BYTES]);

/* Wipes the secret held in cfg. */
void config_wipe(struct config *cfg);

/* The --help text. */
extern const char config_usage[];

#endif
