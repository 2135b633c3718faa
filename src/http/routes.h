/* routes.h: todod's route table (defined in routes.c). */
#ifndef TODOD_ROUTES_H
#define TODOD_ROUTES_H

#include <stddef.h>

#include "http/router.h"

/* ROUTE_SEED: the first path parameter is a user id that must be the
 * caller's own (403 otherwise); handlers see the task id as the last one. */
enum { ROUTE_SEED = 2 };

extern const struct route routes[];
extern const size_t routes_count;

#endif
