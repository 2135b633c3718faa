/* render.h: the JSON shapes of CONTRACT.md, written into a buf.
 * Exactly the fields the contract shows, no more. */
#ifndef TODOD_RENDER_H
#define TODOD_RENDER_H

#include "core/buf.h"
#include "store/store.h"

/* {"id","email","name","created_at"} */
void render_user(buf *b, const struct user *u);

/* {"id","user_id","title","description","completed","created_at","updated_at"} */
void render_task(buf *b, const struct task *t);

#endif
