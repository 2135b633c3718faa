-- 004_search_per_user.sql: each user's own lists in the search index, and
-- texts of one and two characters found through it (SQLite).
--
-- The trigram index of 002/003 was one index over every user's tasks: a
-- common trigram ("num", "ber") listed a quarter of the database, and a
-- search read those lists whole however few tasks its user had. Here each
-- indexed text is "USER_ID<U+001F>FOLDED TEXT" and the tokenizer todod_grams
-- (src/store/sqlite_search.c, registered by todod on every connection)
-- makes every token the user's key followed by one n-gram, so a lookup
-- reads the lists of its user's tasks only. It indexes the runs of one and
-- two characters as well as three: the tasks holding a search text of one
-- or two characters are exactly those listing its one token, counted
-- without reading a task (tasks_fts_terms). Positions, columns and column
-- sizes are still not kept (detail = none, columnsize = 0; see 003).
--
-- Like todod_fold, the tokenizer exists only in todod: the sqlite3 shell
-- cannot write tasks (bench/scale.sh shows how to bulk-load). Every object
-- is dropped first, so the migration can be applied again to index tasks
-- loaded without it.
DROP TABLE IF EXISTS tasks_fts_terms;
DROP TRIGGER IF EXISTS tasks_fts_ai;
DROP TRIGGER IF EXISTS tasks_fts_ad;
DROP TRIGGER IF EXISTS tasks_fts_au;
DROP TABLE IF EXISTS tasks_fts;
DROP VIEW IF EXISTS tasks_folded;

-- A NULL description stays NULL (nothing indexed).
CREATE VIEW tasks_folded (id, title, description) AS
SELECT id, user_id || char(31) || todod_fold(title), user_id || char(31) || todod_fold(description)
FROM tasks;

CREATE VIRTUAL TABLE tasks_fts USING fts5 (
	title, description,
	content = 'tasks_folded', content_rowid = 'id',
	tokenize = 'todod_grams',
	detail = none, columnsize = 0
);

INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
-- one segment: a lookup reads each list once (about 2 s per million tasks)
INSERT INTO tasks_fts (tasks_fts) VALUES ('optimize');

-- Each token's number of tasks, counted by FTS5 from its list (nothing is
-- stored): the count of a text of one or two characters.
CREATE VIRTUAL TABLE tasks_fts_terms USING fts5vocab (tasks_fts, 'row');

CREATE TRIGGER tasks_fts_ai AFTER INSERT ON tasks BEGIN
	INSERT INTO tasks_fts (rowid, title, description)
	VALUES (new.id, new.user_id || char(31) || todod_fold(new.title),
	        new.user_id || char(31) || todod_fold(new.description));
END;

CREATE TRIGGER tasks_fts_ad AFTER DELETE ON tasks BEGIN
	INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
	VALUES ('delete', old.id, old.user_id || char(31) || todod_fold(old.title),
	        old.user_id || char(31) || todod_fold(old.description));
END;

CREATE TRIGGER tasks_fts_au AFTER UPDATE OF user_id, title, description ON tasks
WHEN old.user_id IS NOT new.user_id OR old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
	INSERT INTO tasks_fts (tasks_fts, rowid, title, description)
	VALUES ('delete', old.id, old.user_id || char(31) || todod_fold(old.title),
	        old.user_id || char(31) || todod_fold(old.description));
	INSERT INTO tasks_fts (rowid, title, description)
	VALUES (new.id, new.user_id || char(31) || todod_fold(new.title),
	        new.user_id || char(31) || todod_fold(new.description));
END;
