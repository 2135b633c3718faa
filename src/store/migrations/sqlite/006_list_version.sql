-- 006_list_version.sql: a version per user that every change of the user's
-- tasks raises, in the writing transaction (SQLite; PostgreSQL's
-- 003_list_version.sql keeps the same). While it reads the same, the
-- user's lists are the same: the marks of a deep page (task_page_marked in
-- sqlite.c), positions in a list found once, hold for as long.
--
-- The counter triggers of 002_list_indexes.sql raise it. An update raises
-- it whatever it changed (a task's updated_at changes with every edit,
-- which moves it in the lists by update time): one primary-key update of
-- its user's row, or, in the rare update that gives a task another owner,
-- of both users' rows.
ALTER TABLE task_counts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER tasks_counts_ai;
DROP TRIGGER tasks_counts_ad;
DROP TRIGGER tasks_counts_au;

CREATE TRIGGER tasks_counts_ai AFTER INSERT ON tasks BEGIN
	UPDATE task_counts SET total = total + 1, completed = completed + new.completed, version = version + 1
	WHERE user_id = new.user_id;
END;

CREATE TRIGGER tasks_counts_ad AFTER DELETE ON tasks BEGIN
	UPDATE task_counts SET total = total - 1, completed = completed - old.completed, version = version + 1
	WHERE user_id = old.user_id;
END;

CREATE TRIGGER tasks_counts_au AFTER UPDATE ON tasks WHEN old.user_id IS new.user_id BEGIN
	UPDATE task_counts SET completed = completed + new.completed - old.completed, version = version + 1
	WHERE user_id = new.user_id;
END;

CREATE TRIGGER tasks_counts_owner AFTER UPDATE OF user_id ON tasks WHEN old.user_id IS NOT new.user_id BEGIN
	UPDATE task_counts SET total = total - 1, completed = completed - old.completed, version = version + 1
	WHERE user_id = old.user_id;
	UPDATE task_counts SET total = total + 1, completed = completed + new.completed, version = version + 1
	WHERE user_id = new.user_id;
END;
