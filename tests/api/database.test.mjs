// database.test.mjs: the SQLite store. When the database cannot be written
// (another process holds its write lock past the busy timeout), todod
// answers 503 JSON, writes nothing half-way, stays up, and serves again once
// it is free; and a server on SQLite never maps libpq (loaded for PostgreSQL
// only). Left out of the PostgreSQL runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  assertError, assertLogHasNoSecrets, createTask, newUser, useServer,
} from './helpers.mjs';

const fx = useServer();

test('on SQLite, libpq and the libraries it brings are never mapped (it is loaded for a postgres:// database only)', async () => {
  const user = await newUser(fx.base);
  await createTask(user, 'a task, so the store has served reads and writes');
  const listed = await user.req('GET', '/api/tasks');
  assert.equal(listed.status, 200, listed.text);
  const maps = readFileSync(`/proc/${fx.server.pid}/maps`, 'utf8');
  assert.match(maps, /libsqlite3\.so/, 'the maps are the server\'s');
  for (const lib of ['libpq.so', 'libssl.so', 'libcrypto.so', 'libkrb5.so', 'libldap']) {
    assert.ok(!maps.includes(lib), `${lib} is mapped by a server on SQLite`);
  }
});

// Holds the database's write lock for ms milliseconds from another process
// (Debian's sqlite3 shell); resolves once the lock is taken, with
// { exited }, a promise of the shell's exit.
function holdWriteLock(file, ms) {
  const shell = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'pipe'] });
  shell.stdin.end(`BEGIN IMMEDIATE;\nSELECT 'locked';\n.shell sleep ${ms / 1000}\nROLLBACK;\n`);
  const exited = new Promise((resolve) => shell.once('close', resolve));
  return new Promise((resolve, reject) => {
    shell.stdout.on('data', (chunk) => { if (String(chunk).includes('locked')) resolve({ exited }); });
    shell.once('error', reject);
    exited.then((code) => reject(new Error(`sqlite3 exited ${code} before taking the lock`)));
  });
}

test('a database locked past the busy timeout gives 503 unavailable JSON; reads go on; then all is well', async () => {
  const user = await newUser(fx.base);
  const kept = await createTask(user, 'written before the lock');
  const { exited } = await holdWriteLock(path.join(fx.server.dataDir, 'todod.db'), 8000);

  const refused = await user.req('POST', '/api/tasks', { json: { title: 'written during the lock' } });
  assertError(refused, 503, 'unavailable');
  // WAL readers are not blocked by a writer: reads keep working.
  const during = await user.req('GET', '/api/tasks');
  assert.equal(during.status, 200, during.text);
  assert.deepEqual(during.body.tasks.map((t) => t.title), ['written before the lock']);

  await exited;
  const health = await user.req('GET', '/healthz');
  assert.equal(health.status, 200, 'the process stayed up');
  const created = await user.req('POST', '/api/tasks', { json: { title: 'written after the lock' } });
  assert.equal(created.status, 201, created.text);
  const list = await user.req('GET', '/api/tasks?sort=created&order=asc');
  assert.deepEqual(list.body.tasks.map((t) => t.title), ['written before the lock', 'written after the lock'],
    'the refused write left nothing behind');
  assert.equal(list.body.tasks[0].id, kept.id);
});

test('the request log never contains a password, token or cookie used in this file', () => {
  assertLogHasNoSecrets(fx.server);
});
