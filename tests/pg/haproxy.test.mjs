// haproxy.test.mjs: docs/haproxy.cfg as written, in front of two todod
// instances on one PostgreSQL database: requests through it reach both, one
// instance stopped leaves the service up, and the client address limits see
// the client, not haproxy. Needs scripts/pg-test.sh's environment.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  createPgDatabase, freePort, newUser, pgUrl, REPO_ROOT, request, sleep, startServer, stopAndCheck,
} from '../api/helpers.mjs';

const TEMPLATE = process.env.TODOD_PG_URL;
assert.ok(TEMPLATE, 'run under scripts/pg-test.sh (TODOD_PG_URL)');

let servers = [];
let haproxy;
let base;
let log = '';

before(async () => {
  const env = { DATABASE_URL: pgUrl(createPgDatabase(), TEMPLATE), TODOD_TRUST_PROXY: 1 };
  servers = [await startServer({ env }), await startServer({ env })];
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  haproxy = spawn('haproxy', ['-db', '-f', path.join(REPO_ROOT, 'docs', 'haproxy.cfg')], {
    env: {
      ...process.env,
      TODOD_LB_LISTEN: `127.0.0.1:${port}`,
      TODOD_INSTANCE_1: `127.0.0.1:${servers[0].port}`,
      TODOD_INSTANCE_2: `127.0.0.1:${servers[1].port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  haproxy.stderr.on('data', (c) => { log += c; });
  haproxy.stdout.on('data', (c) => { log += c; });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await request(base, 'GET', '/readyz')).status === 200) return;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  throw new Error(`haproxy did not come up:\n${log}`);
});

after(async () => {
  haproxy?.kill('SIGTERM');
  for (const s of servers) await stopAndCheck(s);
});

test('requests through haproxy reach both instances and see one database', async () => {
  const user = await newUser(base);
  for (let i = 0; i < 10; i++) {
    assert.equal((await user.req('POST', '/api/tasks', { json: { title: `t${i}` } })).status, 201);
  }
  const list = await user.req('GET', '/api/tasks');
  assert.equal(list.body.total, 10);
  // the request log is written in batches: give it a few flushes under load
  for (let i = 0; i < 60 && !servers.every((s) => /POST \/api\/tasks 201/.test(s.stderr)); i++) await sleep(50);
  for (const s of servers) assert.match(s.stderr, /POST \/api\/tasks 201/, 'each instance served some');
});

test('the client address limit counts the client haproxy saw, whatever X-Forwarded-For it sent, on both instances', async () => {
  // 50 failed logins per client address (the default), spread over both
  // instances by haproxy, each with another made-up X-Forwarded-For.
  for (let i = 0; i < 50; i++) {
    const res = await request(base, 'POST', '/api/auth/login', {
      json: { email: `nobody-${i}@example.com`, password: 'wrong-password' },
      headers: { 'X-Forwarded-For': `203.0.113.${i}` },
    });
    assert.equal(res.status, 401, `attempt ${i}`);
  }
  const res = await request(base, 'POST', '/api/auth/login', {
    json: { email: 'nobody-else@example.com', password: 'wrong-password' },
    headers: { 'X-Forwarded-For': '198.51.100.1' },
  });
  assert.equal(res.status, 429);
});

test('one instance stopped: the service stays up through the other', async () => {
  const user = await newUser(base);
  await servers[0].stop('SIGKILL');
  const statuses = [];
  for (let i = 0; i < 20; i++) {
    statuses.push((await user.req('POST', '/api/tasks', { json: { title: `after ${i}` } })).status);
  }
  assert.deepEqual(statuses.filter((s) => s !== 201), []);
  servers = servers.slice(1);
});
