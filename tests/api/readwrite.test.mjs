// readwrite.test.mjs: a write is seen at once by every later read, whichever
// connection (and so whichever HTTP thread and store connection) carries it:
// writes go through one writer connection, reads through each thread's own.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { newUser, PG_URL, pgDatabaseFor, startServer, stopAndCheck } from './helpers.mjs';

let server;
let user;
before(async () => {
  server = await startServer();
  user = await newUser(server.base);
});
after(async () => {
  await stopAndCheck(server);
});

// A request on a connection of its own (no keep-alive reuse).
const fresh = (method, path, json) => user.req(method, path, { json, headers: { Connection: 'close' } });

test('a task created, changed or deleted is seen by the very next read on another connection', async () => {
  const clients = 8;
  const rounds = 25;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; i < rounds; i++) {
      const title = `ryw ${c}-${i}`;
      const made = await fresh('POST', '/api/tasks', { title });
      assert.equal(made.status, 201, made.text);
      const got = await fresh('GET', `/api/tasks/${made.body.id}`);
      assert.equal(got.status, 200, `created task ${made.body.id} not found at once`);
      const listed = await fresh('GET', `/api/tasks?q=${encodeURIComponent(title)}`);
      assert.ok(listed.body.tasks.some((t) => t.id === made.body.id), 'listed at once');
      const done = await fresh('PATCH', `/api/tasks/${made.body.id}/complete`);
      assert.equal(done.status, 200, done.text);
      const seen = await fresh('GET', `/api/tasks/${made.body.id}`);
      assert.equal(seen.body.completed, true, 'the change is seen at once');
      assert.equal((await fresh('DELETE', `/api/tasks/${made.body.id}`)).status, 204);
      assert.equal((await fresh('GET', `/api/tasks/${made.body.id}`)).status, 404, 'the delete is seen at once');
    }
  }));
  const all = await fresh('GET', '/api/tasks?limit=100');
  assert.equal(all.body.total, 0);
});

// The same list, asked again and again: an answer kept from an earlier read
// must never be served once anything was committed since.
test('the same list read again on other connections shows each write at once', async () => {
  const other = await newUser(server.base);
  const list = async (u) => (await u.req('GET', '/api/tasks?limit=5', { headers: { Connection: 'close' } })).body;
  const mine = async () => list(user);
  for (let i = 0; i < 3; i++) await mine(); // warm every thread's copy
  const made = await fresh('POST', '/api/tasks', { title: 'kept list 1' });
  assert.equal(made.status, 201, made.text);
  for (let i = 0; i < 4; i++) {
    const got = await mine();
    assert.equal(got.total, 1);
    assert.equal(got.tasks[0].title, 'kept list 1');
  }
  assert.equal((await fresh('PATCH', `/api/tasks/${made.body.id}`, { title: 'kept list 2' })).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await mine()).tasks[0].title, 'kept list 2', 'the edit is seen');
  assert.equal((await fresh('PATCH', `/api/tasks/${made.body.id}/complete`)).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await mine()).tasks[0].completed, true, 'the completion is seen');
  // someone else's identical query is never answered with this list
  assert.deepEqual((await list(other)).tasks, []);
  assert.equal((await fresh('DELETE', `/api/tasks/${made.body.id}`)).status, 204);
  for (let i = 0; i < 4; i++) assert.equal((await mine()).total, 0, 'the delete is seen');
});

// A commit by another process on the same database (here Debian's sqlite3
// shell, or psql on PostgreSQL) is seen by the next list, as a write of the
// server's own.
// The shell sets `completed`: a change of the text would run the search
// index's triggers, which call todod_fold, a function only todod registers.
test('a change committed by another process is seen by the next list', async () => {
  const made = await fresh('POST', '/api/tasks', { title: 'before the shell' });
  assert.equal(made.status, 201, made.text);
  for (let i = 0; i < 4; i++) assert.equal((await fresh('GET', '/api/tasks')).body.tasks[0].title, 'before the shell');
  if (PG_URL) {
    // psql takes libpq's parameters only: not todod's own prepare=off
    const url = pgDatabaseFor(server.dataDir).replace(/[?&]prepare=off$/, '');
    await promisify(execFile)('psql', [url, '-qAtc',
      `UPDATE tasks SET completed = true WHERE id = ${made.body.id}`]);
  } else {
    await promisify(execFile)('sqlite3', [path.join(server.dataDir, 'todod.db'),
      `PRAGMA busy_timeout = 5000; UPDATE tasks SET completed = 1 WHERE id = ${made.body.id};`]);
  }
  for (let i = 0; i < 4; i++) {
    const list = await fresh('GET', '/api/tasks');
    assert.equal(list.body.tasks[0].completed, true, 'the other process\'s commit is seen');
    assert.equal(list.body.tasks[0].title, 'before the shell');
  }
  assert.equal((await fresh('DELETE', `/api/tasks/${made.body.id}`)).status, 204);
});
