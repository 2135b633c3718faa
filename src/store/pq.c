/* pq.c: loads libpq.so.5 on first use (pq.h says why). */
#define PQ_LOADER
#include "store/pq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PQ_POINTER_DEFINE(f) __typeof__(f) *pq_##f;
PQ_FUNCTIONS(PQ_POINTER_DEFINE)
#undef PQ_POINTER_DEFINE

/* the soname of libpq5, the library's ABI since PostgreSQL 8.2 */
#define PQ_LIBRARY "libpq.so.5"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;

static void load(void)
{
	void *lib = dlopen(PQ_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;
	void *sym;

	if (!lib) {
		const char *why = dlerror();

		fprintf(stderr,
		        "todod: cannot load " PQ_LIBRARY
		        " for a PostgreSQL database (%s); install it: apt-get install libpq5\n",
		        why ? why : "not found");
		return;
	}
	/* POSIX's way to a function from dlsym: copy the pointer's bytes */
#define PQ_RESOLVE(f)                                                                                        \
	sym = dlsym(lib, #f);                                                                                \
	if (!sym && !missing)                                                                                \
		missing = #f;                                                                                \
	memcpy(&pq_##f, &sym, sizeof(pq_##f));
	PQ_FUNCTIONS(PQ_RESOLVE)
#undef PQ_RESOLVE
	if (missing) {
		fprintf(stderr, "todod: " PQ_LIBRARY " has no %s: a newer libpq5 is needed\n", missing);
		dlclose(lib);
		return;
	}
	loaded = true;
}

bool pq_load(void)
{
	return pthread_once(&load_once, load) == 0 && loaded;
}
