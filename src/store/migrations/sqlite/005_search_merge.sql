-- 005_search_merge.sql: merge the search index's segments a little after
-- each batch of writes, never all at once inside a commit (SQLite).
--
-- Every commit writes its tasks' tokens to tasks_fts as a new segment.
-- FTS5 merges the segments of a level inside the commit that has
-- 'automerge' of them (4 by default) or 'crisismerge' (16): under a stream
-- of creates those were the slow commits every queued write sat behind
-- (POST /api/tasks at 64 connections: p99 18.6-18.9 ms; 5.2 ms with no
-- search index at all). Here no commit merges (automerge 0; a crisis merge
-- only past 64 segments at a level, which the steps below keep far off):
-- the writer runs at most 16 pages of merging after each batch, once its
-- writes are answered (STMT_SEARCH_MERGE in sqlite.c). Measured at 64
-- connections: p99 6.1-7.5 ms at the same rate, and after 20 s of creates
-- (530,000 tasks) 12 segments, against 44 with 'automerge' 16.
INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('automerge', 0);
INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('crisismerge', 64);
