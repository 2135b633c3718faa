/* render.c: users and tasks as JSON, escaped by the buf JSON writer. */
#include "api/render.h"

void render_user(buf *b, const struct user *u)
{
	buf_append_str(b, "{\"id\":");
	json_put_cstring(b, u->id);
	buf_append_str(b, ",\"email\":");
	json_put_cstring(b, u->email);
	buf_append_str(b, ",\"name\":");
	json_put_cstring(b, u->name);
	buf_append_str(b, ",\"created_at\":");
	json_put_time(b, u->created_at);
	buf_append_char(b, '}');
}

void render_task(buf *b, const struct task *t)
{
	buf_append_str(b, "{\"id\":");
	buf_append_i64(b, t->id);
	buf_append_str(b, ",\"user_id\":");
	json_put_cstring(b, t->user_id);
	buf_append_str(b, ",\"title\":");
	json_put_cstring(b, t->title);
	buf_append_str(b, ",\"description\":");
	if (t->has_description)
		json_put_cstring(b, t->description);
	else
		buf_append_str(b, "null");
	buf_append_str(b, ",\"completed\":");
	json_put_bool(b, t->completed);
	buf_append_str(b, ",\"created_at\":");
	json_put_time(b, t->created_at);
	buf_append_str(b, ",\"updated_at\":");
	json_put_time(b, t->updated_at);
	buf_append_char(b, '}');
}
