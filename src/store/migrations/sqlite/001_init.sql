-- 001_init.sql: users, sessions, login failures and tasks (SQLite).
-- store_migrate runs this inside its own transaction and records it in
-- schema_migrations; times are epoch milliseconds. Lengths are checked by
-- the code that writes; the checks here guard the invariants it relies on.

CREATE TABLE users (
	id TEXT NOT NULL PRIMARY KEY,
	email TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID, STRICT;

-- The session check on every request is one primary-key lookup.
CREATE TABLE sessions (
	id TEXT NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER
) WITHOUT ROWID, STRICT;

CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed (or not yet succeeded) login, for its email key and
-- for its client key.
CREATE TABLE login_failures (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL,
	at INTEGER NOT NULL
) STRICT;

CREATE INDEX login_failures_key_at ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- AUTOINCREMENT: a deleted task's id is never handed out again.
CREATE TABLE tasks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	title TEXT NOT NULL CHECK (title <> ''),
	description TEXT,
	completed INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL CHECK (updated_at >= created_at)
) STRICT;

CREATE INDEX tasks_user_created ON tasks (user_id, created_at);
CREATE INDEX tasks_user_completed ON tasks (user_id, completed);
