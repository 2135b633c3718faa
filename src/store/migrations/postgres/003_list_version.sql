-- 003_list_version.sql: a version per user that every change of the user's
-- tasks raises, in the writing transaction, so that a list page read with
-- version V is still the page for as long as the version reads V. Any
-- instance can check it with one primary-key read instead of reading the
-- page again (src/store/postgres.c keeps recent pages per connection).

ALTER TABLE task_counts ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- As in 001, plus the version; an update of any column raises it (the
-- list shows every column of a task), and changes the completed count only
-- when completed changed.
CREATE OR REPLACE FUNCTION todod_task_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		UPDATE task_counts SET total = total + 1, completed = completed + NEW.completed::int,
			version = version + 1 WHERE user_id = NEW.user_id;
	ELSIF TG_OP = 'DELETE' THEN
		UPDATE task_counts SET total = total - 1, completed = completed - OLD.completed::int,
			version = version + 1 WHERE user_id = OLD.user_id;
	ELSE
		UPDATE task_counts SET completed = completed + NEW.completed::int - OLD.completed::int,
			version = version + 1 WHERE user_id = NEW.user_id;
	END IF;
	RETURN NULL;
END $$;

DROP TRIGGER tasks_counts_update ON tasks;
CREATE TRIGGER tasks_counts_update AFTER UPDATE ON tasks
	FOR EACH ROW EXECUTE FUNCTION todod_task_counts();
