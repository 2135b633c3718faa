// readwrite.test.mjs: a write is seen at once by every later read, whichever
// connection (and so whichever HTTP thread and store connection) carries it:
// writes go through one writer connection, reads through each thread's own.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newUser, startServer, stopAndCheck } from './helpers.mjs';

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
