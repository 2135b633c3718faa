-- 003_write_cost.sql: a cheaper search index to keep up on every write
-- (SQLite).
--
-- The search looks each trigram of its text up on its own and checks every
-- candidate with instr (see sqlite.c), so the index needs neither the
-- positions of a trigram nor the column it is in, nor the length of each
-- column (only ranking uses those): detail = none and columnsize = 0 leave
-- just the list of tasks holding each trigram. Same answers, about a
-- quarter fewer instructions per task insert. The triggers of
-- 002_list_indexes.sql name the table and go on working with the new one.
DROP TABLE tasks_fts;

CREATE VIRTUAL TABLE tasks_fts USING fts5 (
	title, description,
	content = 'tasks_folded', content_rowid = 'id',
	tokenize = 'trigram case_sensitive 1',
	detail = none, columnsize = 0
);

INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
