/* embedded.h: files compiled into the binary by scripts/embed.sh. */
#ifndef TODOD_EMBEDDED_H
#define TODOD_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* base name, e.g. "001_init.sql" */
	const char *data; /* NUL-terminated */
	size_t len;       /* without the NUL */
};

/* The SQLite migrations, in name order. */
extern const struct embedded_file migrations_sqlite[];
extern const unsigned migrations_sqlite_count;

/* The PostgreSQL migrations, in name order. */
extern const struct embedded_file migrations_postgres[];
extern const unsigned migrations_postgres_count;

#endif
