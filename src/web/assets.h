/* assets.h: the web app's files, compiled in by scripts/embed_web.sh.
 * Sorted by name; each has its bytes, a gzip copy when that is smaller, and
 * a strong ETag for each form. */
#ifndef TODOD_WEB_ASSETS_H
#define TODOD_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *name;         /* "app.css"; a page's signed-in form is "index.html+in" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
	const unsigned char *gz;  /* NULL when gzip would not be smaller */
	size_t gz_len;
	const char *etag;         /* quoted, of data */
	const char *etag_gz;      /* quoted, of gz */
};

/* A hash of every non-page file: assets are served under /assets/VERSION/. */
extern const char web_assets_version[];
extern const struct web_asset web_assets[];
extern const unsigned web_assets_count;

#endif
