-- 006_list_marks.sql: a deep page of a long list without walking the
-- index up to it (SQLite).
--
-- SQLite's b-trees keep no counts, so OFFSET n walks n index entries
-- (limit=100&offset=50000&sort=title at 100,000 tasks: 3-4 ms, most of it
-- reading the index's pages again after another connection's commit). A
-- user with 1024 tasks or more (LIST_MARKS_MIN_TASKS in sqlite.c) gets
-- marks for the unfiltered list sorted by creation (list 0) and by title
-- (list 2; the task_sort values): the list's index cut into runs, each
-- run a row of task_marks: the sort key and id where it starts, in index
-- order, and n, how many tasks lie from there to the next mark. A deep
-- page sums n over the marks up to its offset, then walks the rest from
-- the mark's key (task_page_marked in sqlite.c): a few hundred rows of
-- task_marks and at most 512 index entries (575 for a while after a
-- join, below), whatever the offset.
--
-- Only those two lists have marks, as every write that moves a task in a
-- list with marks updates them: a task's updated_at changes with every
-- edit and its status with every toggle, so marks for the updated_at
-- order or a status filter would cost every PATCH (measured with all
-- nine lists: PATCH .../complete of such a user 42-50 us of CPU before,
-- 68-77 us with them; with the three unfiltered ones, 15-20% fewer
-- toggles a second). Here a toggle touches no mark; a create or a delete
-- two, a title edit two. Deep pages of the other lists walk their index.
--
-- The first mark of each list is a sentinel below every key (the smallest
-- integer, which sorts before any integer or text, and id 0), so every
-- task has a mark at or before it. The triggers below keep n exact in the
-- transaction of every write: a new task adds one to the last mark at or
-- before its key in each list, a deleted one takes one off, a changed key
-- does both. A mark may stay on a deleted task's key: runs are ranges of
-- the order, so a mark need not be a task.
--
-- Marks are made here for every user with 1024 tasks or more, and later
-- by the create that brings a user there (STMT_TASK_MARKS_BUILD in
-- sqlite.c, from task_marks_built, after the insert: the trigger below
-- found no marks for it, so the cut holds the new task once), and kept
-- from then on. A user without marks pays one lookup per write, and its
-- deep pages walk. Applying this file again drops and rebuilds them all.
DROP TRIGGER IF EXISTS tasks_marks_ai;
DROP TRIGGER IF EXISTS tasks_marks_ad;
DROP TRIGGER IF EXISTS tasks_marks_au;
DROP TRIGGER IF EXISTS task_marks_balance;
DROP VIEW IF EXISTS task_marks_built;
DROP TABLE IF EXISTS task_marks;

CREATE TABLE task_marks (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	list INTEGER NOT NULL CHECK (list IN (0, 2)),
	key ANY COLLATE NOCASE,
	id INTEGER NOT NULL,
	n INTEGER NOT NULL CHECK (n >= 0),
	PRIMARY KEY (user_id, list, key, id)
) WITHOUT ROWID, STRICT;

-- The marks of a fresh cut, every user's (a WHERE on user_id reaches each
-- part): the sentinels, holding the first 255 tasks of each list, and a
-- mark at every 256th task. "+key": a key of no affinity, so a
-- materialized copy of the view keeps each key's type (otherwise SQLite
-- 3.40 gives the compound's column TEXT affinity there, and the created
-- keys would be stored as text, out of order).
CREATE VIEW task_marks_built (user_id, list, key, id, n) AS
SELECT u.id, l.list, -9223372036854775808, 0,
       min(255, (SELECT count(*) FROM tasks t WHERE t.user_id = u.id))
FROM users u, (SELECT 0 AS list UNION ALL SELECT 2) l
UNION ALL
SELECT user_id, 0, +key, id, min(256, total - r + 1) FROM (
	SELECT user_id, created_at AS key, id, count(*) OVER u AS total,
	       row_number() OVER (u ORDER BY created_at, id) AS r
	FROM tasks WINDOW u AS (PARTITION BY user_id)) WHERE r % 256 = 0
UNION ALL
SELECT user_id, 2, +key, id, min(256, total - r + 1) FROM (
	SELECT user_id, title AS key, id, count(*) OVER u AS total,
	       row_number() OVER (u ORDER BY title COLLATE NOCASE, id) AS r
	FROM tasks WINDOW u AS (PARTITION BY user_id)) WHERE r % 256 = 0;

INSERT INTO task_marks (user_id, list, key, id, n)
SELECT * FROM task_marks_built
WHERE user_id IN (SELECT user_id FROM task_counts WHERE total >= 1024);

CREATE TRIGGER tasks_marks_ai AFTER INSERT ON tasks
WHEN EXISTS (SELECT 1 FROM task_marks WHERE user_id = new.user_id) BEGIN
	UPDATE task_marks SET n = n + 1 WHERE user_id = new.user_id AND list = 0 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = new.user_id AND list = 0
		 AND (key, id) <= (new.created_at, new.id) ORDER BY key DESC, id DESC LIMIT 1);
	UPDATE task_marks SET n = n + 1 WHERE user_id = new.user_id AND list = 2 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = new.user_id AND list = 2
		 AND (key, id) <= (new.title, new.id) ORDER BY key DESC, id DESC LIMIT 1);
END;

CREATE TRIGGER tasks_marks_ad AFTER DELETE ON tasks
WHEN EXISTS (SELECT 1 FROM task_marks WHERE user_id = old.user_id) BEGIN
	UPDATE task_marks SET n = n - 1 WHERE user_id = old.user_id AND list = 0 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = old.user_id AND list = 0
		 AND (key, id) <= (old.created_at, old.id) ORDER BY key DESC, id DESC LIMIT 1);
	UPDATE task_marks SET n = n - 1 WHERE user_id = old.user_id AND list = 2 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = old.user_id AND list = 2
		 AND (key, id) <= (old.title, old.id) ORDER BY key DESC, id DESC LIMIT 1);
END;

-- A changed key moves the task in that key's list; each pair of updates
-- runs only when its key changed (a title changed in case only keeps its
-- place: the order is NOCASE).
CREATE TRIGGER tasks_marks_au AFTER UPDATE OF user_id, created_at, title ON tasks
WHEN EXISTS (SELECT 1 FROM task_marks WHERE user_id IN (old.user_id, new.user_id)) BEGIN
	UPDATE task_marks SET n = n - 1 WHERE (old.user_id, old.created_at) IS NOT (new.user_id, new.created_at)
		AND user_id = old.user_id AND list = 0 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = old.user_id AND list = 0
		 AND (key, id) <= (old.created_at, old.id) ORDER BY key DESC, id DESC LIMIT 1);
	UPDATE task_marks SET n = n + 1 WHERE (old.user_id, old.created_at) IS NOT (new.user_id, new.created_at)
		AND user_id = new.user_id AND list = 0 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = new.user_id AND list = 0
		 AND (key, id) <= (new.created_at, new.id) ORDER BY key DESC, id DESC LIMIT 1);
	UPDATE task_marks SET n = n - 1
		WHERE (old.user_id, old.title COLLATE NOCASE) IS NOT (new.user_id, new.title)
		AND user_id = old.user_id AND list = 2 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = old.user_id AND list = 2
		 AND (key, id) <= (old.title, old.id) ORDER BY key DESC, id DESC LIMIT 1);
	UPDATE task_marks SET n = n + 1
		WHERE (old.user_id, old.title COLLATE NOCASE) IS NOT (new.user_id, new.title)
		AND user_id = new.user_id AND list = 2 AND (key, id) =
		(SELECT key, id FROM task_marks WHERE user_id = new.user_id AND list = 2
		 AND (key, id) <= (new.title, new.id) ORDER BY key DESC, id DESC LIMIT 1);
END;

-- Runs stay between 64 and 512 tasks, roughly: one trigger (a trigger's
-- WHEN is checked inside its own subprogram, so two would cost two calls
-- on every change of n). A run of more than 512 is cut at its 256th task:
-- the new mark holds the rest. A run of fewer than 64 (not the sentinel's)
-- joins the run before it, its mark deleted first. recursive_triggers is
-- off, so the updates below do not fire this trigger again: a join can
-- leave the run before it with up to 512 + 63, cut at its next change. (A
-- row value's collation comes from its right side here, written on it, so
-- the title index's range serves the comparison.)
CREATE TRIGGER task_marks_balance AFTER UPDATE OF n ON task_marks
WHEN new.n > 512 OR (new.n < 64 AND new.id > 0) BEGIN
	INSERT INTO task_marks (user_id, list, key, id, n)
	SELECT new.user_id, new.list, created_at, id, new.n - 256 FROM tasks
	WHERE new.n > 512 AND new.list = 0 AND user_id = new.user_id AND (created_at, id) >= (new.key, new.id)
	ORDER BY created_at, id LIMIT 1 OFFSET 256;
	INSERT INTO task_marks (user_id, list, key, id, n)
	SELECT new.user_id, new.list, title, id, new.n - 256 FROM tasks
	WHERE new.n > 512 AND new.list = 2 AND user_id = new.user_id
	AND (title, id) >= (new.key COLLATE NOCASE, new.id)
	ORDER BY title COLLATE NOCASE, id LIMIT 1 OFFSET 256;
	UPDATE task_marks SET n = 256
	WHERE new.n > 512 AND user_id = new.user_id AND list = new.list AND key = new.key AND id = new.id;
	DELETE FROM task_marks
	WHERE new.n < 64 AND user_id = new.user_id AND list = new.list AND key = new.key AND id = new.id;
	UPDATE task_marks SET n = n + new.n WHERE new.n < 64 AND user_id = new.user_id AND list = new.list
		AND (key, id) = (SELECT key, id FROM task_marks WHERE user_id = new.user_id AND list = new.list
		                 AND (key, id) < (new.key, new.id) ORDER BY key DESC, id DESC LIMIT 1);
END;
