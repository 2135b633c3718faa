// accesslog.test.mjs: the request log is buffered per thread, yet no line is
// ever lost: every request answered before SIGTERM or SIGINT has its line
// on stderr once the process has exited, a quiet server writes its lines
// within a moment (the flush timer), and lines are never cut or mixed.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { assertLogHasNoSecrets, newUser, request, startServer, stopAndCheck } from './helpers.mjs';

// Sends n authenticated GET /api/tasks, concurrency at a time; all must be 200.
async function listMany(user, n, concurrency = 16) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const res = await user.req('GET', '/api/tasks');
      assert.equal(res.status, 200, res.text);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const LINE_RE = /^\d{4}-\d{2}-\d{2}T\S+Z \S+ \S+ \d{3} \d+\.\d{3}ms user=\S+$/;

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`every line of requests answered before ${signal} is on stderr after exit`, async () => {
    const server = await startServer();
    const user = await newUser(server.base);
    const n = 600;
    await listMany(user, n);
    // at once: well inside the flush interval, so only the exit can write them
    const { code, signal: killed } = await server.stop(signal);
    assert.equal(killed, null);
    assert.equal(code, 0, server.stderr.slice(-2000));
    const lines = server.stderr.split('\n').filter((l) => l.includes(' GET /api/tasks 200 '));
    assert.equal(lines.length, n, `one line per request (${lines.length} of ${n})`);
    for (const line of lines) {
      assert.match(line, LINE_RE, 'a whole line, not cut nor mixed with another');
      assert.ok(line.endsWith(`user=${user.id}`));
    }
    assertLogHasNoSecrets(server, [user.token]);
  });
}

test('a quiet server writes its lines within a second (the flush timer)', async () => {
  const server = await startServer();
  try {
    const probe = `/api/quiet-${randomUUID()}`;
    const res = await request(server.base, 'GET', probe);
    assert.equal(res.status, 404);
    await server.waitForLog((text) => text.includes(`GET ${probe} 404 `), 1000);
  } finally {
    await stopAndCheck(server);
  }
});

test('lines of a 4 KiB path (logged cut to its first 256 bytes) stay whole among many short ones', async () => {
  const server = await startServer();
  const user = await newUser(server.base);
  const long = `/api/${'%ff'.repeat(1300)}`;
  const sends = [];
  for (let i = 0; i < 60; i++) {
    sends.push(request(server.base, 'GET', long));
    sends.push(user.req('GET', '/api/tasks'));
  }
  const answers = await Promise.all(sends);
  for (const res of answers) assert.ok(res.status === 404 || res.status === 200, res.text);
  await stopAndCheck(server);
  const lines = server.stderr.split('\n').filter((l) => l.includes(' GET /api/'));
  assert.equal(lines.length, 120);
  for (const line of lines) assert.match(line, LINE_RE);
  assert.equal(lines.filter((l) => l.includes(` GET ${long.slice(0, 256)} 404 `)).length, 60);
});
