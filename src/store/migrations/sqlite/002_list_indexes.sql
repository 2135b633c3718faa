-- 002_list_indexes.sql: a page of the task list costs the same at 20 tasks
-- and at 100,000 (SQLite).
--
-- Indexes: every (status filter, sort) pair walks one index in order, so
-- LIMIT/OFFSET never sorts. The rowid (the task id, the tiebreak of every
-- sort) ends each index, so "sort key, id" in either direction is index
-- order. The "all" filter walks the first three; "pending" and "completed"
-- the last three.
DROP INDEX tasks_user_created;
DROP INDEX tasks_user_completed;
CREATE INDEX tasks_user_created ON tasks (user_id, created_at);
CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at);
CREATE INDEX tasks_user_title ON tasks (user_id, title COLLATE NOCASE);
CREATE INDEX tasks_user_completed_created ON tasks (user_id, completed, created_at);
CREATE INDEX tasks_user_completed_updated ON tasks (user_id, completed, updated_at);
CREATE INDEX tasks_user_completed_title ON tasks (user_id, completed, title COLLATE NOCASE);

-- Counters: each user's number of tasks and of completed ones, kept by the
-- triggers below in the transaction of every write to tasks, so `total`
-- of an unsearched list is one primary-key lookup. A user's row is made
-- with the user and goes with it.
CREATE TABLE task_counts (
	user_id TEXT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	total INTEGER NOT NULL CHECK (total >= 0),
	completed INTEGER NOT NULL CHECK (completed BETWEEN 0 AND total)
) WITHOUT ROWID, STRICT;

INSERT INTO task_counts (user_id, total, completed)
SELECT u.id, count(t.id), coalesce(sum(t.completed), 0)
FROM users u LEFT JOIN tasks t ON t.user_id = u.id
GROUP BY u.id;

CREATE TRIGGER users_counts_ai AFTER INSERT ON users BEGIN
	INSERT INTO task_counts (user_id, total, completed) VALUES (new.id, 0, 0);
END;

CREATE TRIGGER tasks_counts_ai AFTER INSERT ON tasks BEGIN
	UPDATE task_counts SET total = total + 1, completed = completed + new.completed
	WHERE user_id = new.user_id;
END;

CREATE TRIGGER tasks_counts_ad AFTER DELETE ON tasks BEGIN
	UPDATE task_counts SET total = total - 1, completed = completed - old.completed
	WHERE user_id = old.user_id;
END;

CREATE TRIGGER tasks_counts_au AFTER UPDATE OF user_id, completed ON tasks
WHEN old.user_id IS NOT new.user_id OR old.completed IS NOT new.completed BEGIN
	UPDATE task_counts SET total = total - 1, completed = completed - old.completed
	WHERE user_id = old.user_id;
	UPDATE task_counts SET total = total + 1, completed = completed + new.completed
	WHERE user_id = new.user_id;
END;

-- Search index: the trigrams of the case-folded title and description
-- (todod_fold, the same folding the search text gets), so a search text of
-- three characters or more finds its candidates through the index; the
-- query still checks each candidate the way a scan would, so the answer is
-- the same with or without it. External content: the index stores no copy
-- of the text, and 'rebuild' re-reads it from tasks_folded.
CREATE VIEW tasks_folded (id, title, description) AS
SELECT id, todod_fold(title), todod_fold(description) FROM tasks;

CREATE VIRTUAL TABLE tasks_fts USING fts5 (
	title, description,
	content = 'tasks_folded', content_rowid = 'id',
	tokenize = 'trigram case_sensitive 1'
);

INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');

CREATE TRIGGER tasks_fts_ai AFTER INSERT ON tasks BEGIN
	INSERT INTO tasks_fts (rowid, title, description)
	VALUES (new.id, todod_fold(new.title), todod_fold(new.description));
END;

CREATE TRIGGER tasks_fts_ad AFTER DELETE ON tasks BEGIN
	INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
	VALUES ('delete', old.id, todod_fold(old.title), todod_fold(old.description));
END;

CREATE TRIGGER tasks_fts_au AFTER UPDATE OF title, description ON tasks
WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
	INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
	VALUES ('delete', old.id, todod_fold(old.title), todod_fold(old.description));
	INSERT INTO tasks_fts (rowid, title, description)
	VALUES (new.id, todod_fold(new.title), todod_fold(new.description));
END;
