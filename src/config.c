/* config.c: flags, environment variables and the JWT secret file.
 * Leaves opening the database and binding the socket to main and http. */
#include "config.h"
#include "core/limits.h"
#include "core/text.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char config_usage[] =
	"usage: todod [serve|migrate] [options]\n"
	"       todod copy --from sqlite:PATH --to postgres://...\n"
	"\n"
	"commands:\n"
	"  serve      apply migrations and serve the API (the default)\n"
	"  migrate    apply schema migrations and exit\n"
	"  copy       copy every user, session and task of a SQLite database into an\n"
	"             empty PostgreSQL one, ids and password hashes kept, and exit\n"
	"\n"
	"options (each also read from the environment variable shown; a flag wins):\n"
	"  --listen HOST:PORT       TODOD_LISTEN     address to serve on (default 127.0.0.1:8080)\n"
	"  --db URL                 DATABASE_URL     sqlite:PATH, or postgres://... / postgresql://...\n"
	"                                            (default sqlite:<data dir>/todod.db)\n"
	"  --data-dir DIR           TODOD_DATA_DIR   data directory (default ./data)\n"
	"  --token-ttl SECONDS      TODOD_TOKEN_TTL  access token lifetime (default 604800, 7 days)\n"
	"  --login-max-failures N   TODOD_LOGIN_MAX_FAILURES\n"
	"                                            failed logins allowed for one email per 15 minutes\n"
	"                                            (default 5; 50 per client address)\n"
	"  --trust-proxy            TODOD_TRUST_PROXY=1\n"
	"                                            take the client address from the last\n"
	"                                            X-Forwarded-For entry instead of the TCP peer\n"
	"  --max-connections-per-address N   TODOD_MAX_CONNECTIONS_PER_ADDRESS\n"
	"                                            open connections from one TCP peer (default 512,\n"
	"                                            0 = no cap; set 0 behind a proxy)\n"
	"  --register-max-per-address N      TODOD_REGISTER_MAX_PER_ADDRESS\n"
	"                                            registrations per client address per hour\n"
	"                                            (default 50)\n"
	"  -h, --help               print this help and exit\n"
	"  -V, --version            print the version and exit\n"
	"\n"
	"secrets (environment only, so they never show in a process list):\n"
	"  TODOD_JWT_SECRET, else BETTER_AUTH_SECRET, else JWT_SECRET: the HS256 key,\n"
	"  at least 32 bytes. With none set, a random secret is made once and kept in\n"
	"  <data dir>/jwt_secret with mode 0600.\n"
	"  TODOD_ISSUER: the token issuer (default todod)\n";

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static status parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return STATUS_INVALID;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (max - (*p - '0')) / 10)
			return STATUS_INVALID;
		v = v * 10 + (*p - '0');
	}
	if (v < min)
		return STATUS_INVALID;
	*out = v;
	return STATUS_OK;
}

static status set_string(char *dst, size_t cap, const char *value, const char *name, char *err)
{
	if (!text_copy(dst, cap, value, strlen(value)) || !*value) {
		snprintf(err, CONFIG_ERROR_BYTES, "invalid %s: empty or too long", name);
		return STATUS_INVALID;
	}
	return STATUS_OK;
}

static status set_number(const char *value, int64_t min, int64_t max, const char *name, int64_t *out,
			 char *err)
{
	if (parse_int(value, min, max, out) != STATUS_OK) {
		snprintf(err, CONFIG_ERROR_BYTES, "invalid %s: must be a whole number from %lld to %lld", name,
			 (long long)min, (long long)max);
		return STATUS_INVALID;
	}
	return STATUS_OK;
}

static status set_bool(const char *value, const char *name, bool *out, char *err)
{
	if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0) {
		*out = true;
	} else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0) {
		*out = false;
	} else {
		snprintf(err, CONFIG_ERROR_BYTES, "invalid %s: must be 1 or 0", name);
		return STATUS_INVALID;
	}
	return STATUS_OK;
}

/* The settings that have both a flag and a variable. */
enum setting {
	SET_LISTEN, SET_DB, SET_DATA_DIR, SET_TTL, SET_MAX_FAILURES, SET_TRUST_PROXY,
	SET_CONNECTIONS_PER_ADDRESS, SET_REGISTER_PER_ADDRESS, SET_COUNT
};

static const struct {
	const char *flag;
	const char *var;
	bool takes_value;
} settings[SET_COUNT] = {
	[SET_LISTEN] = {"--listen", "TODOD_LISTEN", true},
	[SET_DB] = {"--db", "DATABASE_URL", true},
	[SET_DATA_DIR] = {"--data-dir", "TODOD_DATA_DIR", true},
	[SET_TTL] = {"--token-ttl", "TODOD_TOKEN_TTL", true},
	[SET_MAX_FAILURES] = {"--login-max-failures", "TODOD_LOGIN_MAX_FAILURES", true},
	[SET_TRUST_PROXY] = {"--trust-proxy", "TODOD_TRUST_PROXY", false},
	[SET_CONNECTIONS_PER_ADDRESS] = {"--max-connections-per-address", "TODOD_MAX_CONNECTIONS_PER_ADDRESS", true},
	[SET_REGISTER_PER_ADDRESS] = {"--register-max-per-address", "TODOD_REGISTER_MAX_PER_ADDRESS", true},
};

static status apply(struct config *cfg, enum setting s, const char *value, char *err)
{
	const char *name = settings[s].var;
	int64_t n;

	switch (s) {
	case SET_LISTEN:
		return set_string(cfg->listen, sizeof(cfg->listen), value, name, err);
	case SET_DB:
		return set_string(cfg->db_url, sizeof(cfg->db_url), value, name, err);
	case SET_DATA_DIR:
		return set_string(cfg->data_dir, sizeof(cfg->data_dir), value, name, err);
	case SET_TTL:
		if (set_number(value, 1, LIMIT_TOKEN_TTL_MAX_S, name, &n, err) != STATUS_OK)
			return STATUS_INVALID;
		cfg->token_ttl = n;
		return STATUS_OK;
	case SET_MAX_FAILURES:
		if (set_number(value, 1, 1000000, name, &n, err) != STATUS_OK)
			return STATUS_INVALID;
		cfg->login_max_failures = (int)n;
		return STATUS_OK;
	case SET_TRUST_PROXY:
		return set_bool(value, name, &cfg->trust_proxy, err);
	case SET_CONNECTIONS_PER_ADDRESS:
		if (set_number(value, 0, LIMIT_CONNECTIONS, name, &n, err) != STATUS_OK)
			return STATUS_INVALID;
		cfg->max_connections_per_address = (unsigned)n;
		return STATUS_OK;
	case SET_REGISTER_PER_ADDRESS:
		if (set_number(value, 1, 1000000, name, &n, err) != STATUS_OK)
			return STATUS_INVALID;
		cfg->register_max_per_address = (int)n;
		return STATUS_OK;
	default:
		return STATUS_INTERNAL;
	}
}

static void defaults(struct config *cfg)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	cfg->command = COMMAND_SERVE;
	memcpy(cfg->listen, "127.0.0.1:8080", sizeof("127.0.0.1:8080"));
	memcpy(cfg->data_dir, "./data", sizeof("./data"));
	cfg->token_ttl = LIMIT_TOKEN_TTL_DEFAULT_S;
	cfg->login_max_failures = LIMIT_LOGIN_FAILURES_EMAIL;
	cfg->login_max_failures_client = LIMIT_LOGIN_FAILURES_CLIENT;
	cfg->max_connections_per_address = LIMIT_CONNECTIONS_PER_ADDRESS_DEFAULT;
	cfg->register_max_per_address = LIMIT_REGISTER_PER_ADDRESS_DEFAULT;
	cfg->http_threads = cores > 0 && cores < 64 ? (unsigned)cores : 2;
	cfg->hash_threads = cfg->http_threads > 1 ? cfg->http_threads / 2 : 1;
}

/* Environment first, so that flags parsed afterwards win. */
static status load_environment(struct config *cfg, char *err)
{
	for (int s = 0; s < SET_COUNT; s++) {
		const char *v = env(settings[s].var);
		if (v && apply(cfg, (enum setting)s, v, err) != STATUS_OK)
			return STATUS_INVALID;
	}
	return STATUS_OK;
}

static status load_flags(struct config *cfg, int argc, char **argv, char *err)
{
	bool have_command = false;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		size_t name_len = eq && arg[0] == '-' ? (size_t)(eq - arg) : strlen(arg);
		int s;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			cfg->command = COMMAND_HELP;
			return STATUS_OK;
		}
		if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			cfg->command = COMMAND_VERSION;
			return STATUS_OK;
		}
		if (arg[0] != '-' && !have_command) {
			if (strcmp(arg, "serve") == 0) {
				cfg->command = COMMAND_SERVE;
			} else if (strcmp(arg, "migrate") == 0) {
				cfg->command = COMMAND_MIGRATE;
			} else if (strcmp(arg, "copy") == 0) {
				cfg->command = COMMAND_COPY;
			} else {
				snprintf(err, CONFIG_ERROR_BYTES, "unknown command '%.64s' (try --help)", arg);
				return STATUS_INVALID;
			}
			have_command = true;
			continue;
		}
		if (cfg->command == COMMAND_COPY && (strcmp(arg, "--from") == 0 || strcmp(arg, "--to") == 0)) {
			bool from = arg[2] == 'f';
			if (i + 1 >= argc) {
				snprintf(err, CONFIG_ERROR_BYTES, "option %s needs a value", arg);
				return STATUS_INVALID;
			}
			if (set_string(from ? cfg->copy_from : cfg->copy_to, CONFIG_PATH_BYTES, argv[++i],
				       from ? "--from" : "--to", err) != STATUS_OK)
				return STATUS_INVALID;
			continue;
		}
		for (s = 0; s < SET_COUNT; s++)
			if (strlen(settings[s].flag) == name_len && strncmp(arg, settings[s].flag, name_len) == 0)
				break;
		if (s == SET_COUNT) {
			snprintf(err, CONFIG_ERROR_BYTES, "unknown option '%.64s' (try --help)", arg);
			return STATUS_INVALID;
		}
		const char *value = eq && name_len < strlen(arg) ? eq + 1 : NULL;
		if (!settings[s].takes_value) {
			if (apply(cfg, (enum setting)s, value ? value : "1", err) != STATUS_OK)
				return STATUS_INVALID;
			continue;
		}
		if (!value) {
			if (i + 1 >= argc) {
				snprintf(err, CONFIG_ERROR_BYTES, "option %s needs a value", settings[s].flag);
				return STATUS_INVALID;
			}
			value = argv[++i];
		}
		if (apply(cfg, (enum setting)s, value, err) != STATUS_OK)
			return STATUS_INVALID;
	}
	return STATUS_OK;
}

static status check_listen(const struct config *cfg, char *err)
{
	const char *colon = strrchr(cfg->listen, ':');
	int64_t port;

	if (!colon || colon == cfg->listen || parse_int(colon + 1, 0, 65535, &port) != STATUS_OK) {
		snprintf(err, CONFIG_ERROR_BYTES, "invalid TODOD_LISTEN: expected HOST:PORT, e.g. 127.0.0.1:8080");
		return STATUS_INVALID;
	}
	return STATUS_OK;
}

static status check_db(struct config *cfg, char *err)
{
	if (!cfg->db_url[0]) {
		int n = snprintf(cfg->db_url, sizeof(cfg->db_url), "sqlite:%s/todod.db", cfg->data_dir);
		if (n < 0 || (size_t)n >= sizeof(cfg->db_url)) {
			snprintf(err, CONFIG_ERROR_BYTES, "invalid TODOD_DATA_DIR: path too long");
			return STATUS_INVALID;
		}
		return STATUS_OK;
	}
	if (strncmp(cfg->db_url, "sqlite:", 7) == 0 && cfg->db_url[7])
		return STATUS_OK;
	if (strncmp(cfg->db_url, "postgres://", 11) == 0 || strncmp(cfg->db_url, "postgresql://", 13) == 0)
		return STATUS_OK;
	/* libpq's key=value form: "host=... dbname=..." */
	if (strchr(cfg->db_url, '=') && !strchr(cfg->db_url, ':'))
		return STATUS_OK;
	snprintf(err, CONFIG_ERROR_BYTES,
		 "invalid DATABASE_URL: expected sqlite:PATH, postgres://..., postgresql://... or host=... dbname=...");
	return STATUS_INVALID;
}

status config_load(struct config *cfg, int argc, char **argv, char err[CONFIG_ERROR_BYTES])
{
	defaults(cfg);
	err[0] = '\0';
	if (load_environment(cfg, err) != STATUS_OK || load_flags(cfg, argc, argv, err) != STATUS_OK)
		return STATUS_INVALID;
	if (cfg->command == COMMAND_HELP || cfg->command == COMMAND_VERSION)
		return STATUS_OK;
	if (check_listen(cfg, err) != STATUS_OK || check_db(cfg, err) != STATUS_OK)
		return STATUS_INVALID;
	if (cfg->command == COMMAND_COPY && (strncmp(cfg->copy_from, "sqlite:", 7) != 0 || !cfg->copy_from[7] ||
					     (strncmp(cfg->copy_to, "postgres://", 11) != 0 &&
					      strncmp(cfg->copy_to, "postgresql://", 13) != 0))) {
		snprintf(err, CONFIG_ERROR_BYTES, "copy needs --from sqlite:PATH and --to postgres://...");
		return STATUS_INVALID;
	}
	return STATUS_OK;
}

status config_make_data_dir(const struct config *cfg, char err[CONFIG_ERROR_BYTES])
{
	char path[CONFIG_PATH_BYTES];
	size_t len = strlen(cfg->data_dir);

	memcpy(path, cfg->data_dir, len + 1);
	/* mkdir -p: each prefix in turn, then the whole path. */
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			snprintf(err, CONFIG_ERROR_BYTES, "cannot create data directory: %s", strerror(errno));
			return STATUS_INVALID;
		}
		path[i] = saved;
	}
	return STATUS_OK;
}

/* Reads the secret file, making it first when it does not exist yet. Two
 * processes starting at once agree: O_EXCL lets one write, the other reads. */
static status secret_file(const struct config *cfg, unsigned char *out, size_t cap, size_t *len, char *err)
{
	char path[CONFIG_PATH_BYTES];
	int n = snprintf(path, sizeof(path), "%s/jwt_secret", cfg->data_dir);
	status st = STATUS_INVALID;
	int fd;

	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, CONFIG_ERROR_BYTES, "invalid TODOD_DATA_DIR: path too long");
		return STATUS_INVALID;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		unsigned char raw[32];
		char hex[65];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
		hex[64] = '\n';
		bool ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
		sodium_memzero(raw, sizeof(raw));
		sodium_memzero(hex, sizeof(hex));
		if (close(fd) != 0 || !ok) {
			unlink(path);
			snprintf(err, CONFIG_ERROR_BYTES, "cannot write secret file: %s", strerror(errno));
			return STATUS_INVALID;
		}
	} else if (errno != EEXIST) {
		snprintf(err, CONFIG_ERROR_BYTES, "cannot create secret file: %s", strerror(errno));
		return STATUS_INVALID;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, CONFIG_ERROR_BYTES, "cannot read secret file: %s", strerror(errno));
		return STATUS_INVALID;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
		snprintf(err, CONFIG_ERROR_BYTES, "refusing secret file: it must be a regular file with mode 0600");
		goto done;
	}
	ssize_t got = read(fd, out, cap);
	while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == '\r'))
		got--;
	if (got < LIMIT_SECRET_MIN_BYTES) {
		snprintf(err, CONFIG_ERROR_BYTES, "secret file holds fewer than %d bytes", LIMIT_SECRET_MIN_BYTES);
		goto done;
	}
	*len = (size_t)got;
	st = STATUS_OK;
done:
	close(fd);
	return st;
}

status config_load_secret(struct config *cfg, char err[CONFIG_ERROR_BYTES])
{
	static const char *const vars[] = {"TODOD_JWT_SECRET", "BETTER_AUTH_SECRET", "JWT_SECRET"};
	unsigned char secret[LIMIT_SECRET_MAX_BYTES];
	const char *issuer = env("TODOD_ISSUER") ? env("TODOD_ISSUER") : "todod";
	size_t len = 0;
	status st;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = env(vars[i]);
		if (!v)
			continue;
		len = strlen(v);
		if (len < LIMIT_SECRET_MIN_BYTES || len > LIMIT_SECRET_MAX_BYTES) {
			snprintf(err, CONFIG_ERROR_BYTES, "invalid %s: must be %d to %d bytes", vars[i],
				 LIMIT_SECRET_MIN_BYTES, LIMIT_SECRET_MAX_BYTES);
			return STATUS_INVALID;
		}
		memcpy(secret, v, len);
		break;
	}
	if (!len && secret_file(cfg, secret, sizeof(secret), &len, err) != STATUS_OK)
		return STATUS_INVALID;
	st = jwt_key_init(&cfg->key, secret, len, issuer);
	sodium_memzero(secret, sizeof(secret));
	if (st != STATUS_OK) {
		snprintf(err, CONFIG_ERROR_BYTES, "invalid TODOD_ISSUER: must be 1 to %d bytes", JWT_ISSUER_BYTES);
		return st;
	}
	st = jwt_key_set_lifetime(&cfg->key, cfg->token_ttl);
	if (st != STATUS_OK)
		snprintf(err, CONFIG_ERROR_BYTES, "invalid TODOD_TOKEN_TTL");
	return st;
}

void config_wipe(struct config *cfg)
{
	jwt_key_wipe(&cfg->key);
}
