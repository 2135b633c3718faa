/* web.h: the web app's routes: pages, compiled-in assets, the OpenAPI
 * document and the interactive API reference. Pages decide from the
 * cookie, before any HTML is sent, whether to answer or to redirect. */
#ifndef TODOD_WEB_H
#define TODOD_WEB_H

#include <stddef.h>

#include "http/router.h"

/* The web app's routes (web/web.c), handed to http/ by main. */
extern const struct route web_routes[];
extern const size_t web_routes_count;

#endif
