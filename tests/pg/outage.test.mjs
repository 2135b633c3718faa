// outage.test.mjs: while PostgreSQL is down, thousands of API requests (reads
// and writes, over several connections) all answer 503 `unavailable`, the
// process stays up and its memory stays flat; the sanitizer build leaks
// nothing on those paths; when PostgreSQL is back todod serves within 5 s.
// Needs scripts/pg-test.sh's environment.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  REPO_ROOT, createPgDatabase, createTask, newUser, pgCtl, pgUrl, request, startServer, stopAndCheck, waitFor,
} from '../api/helpers.mjs';

const TEMPLATE = process.env.TODOD_PG_URL;
assert.ok(TEMPLATE, 'run under scripts/pg-test.sh (TODOD_PG_URL)');
const ASAN_BIN = path.join(REPO_ROOT, 'build/asan/todod');

const WORKERS = 8;            // concurrent requests, so several connections
const FAILED = 5000;          // requests measured while PostgreSQL is down
const RSS_BOUND = 2 << 20;    // bytes the measured requests may add
// A leak of 1 KiB per failed request would add FAILED KiB: twice the bound.
assert.ok(FAILED * 1024 >= 2 * RSS_BOUND);

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

// The requests of the mix: reads and writes of tasks, the session, a login;
// DELETE goes to victimId; a logout and a failed login only when asked (the
// warm-up keeps its session and stays under the per-address login limit).
function mix(user, taskId, victimId, auth) {
  const as = (method, urlPath, opts = {}) => () => request(user.base, method, urlPath, { token: user.token, ...opts });
  return [
    as('GET', '/api/tasks'),
    as('GET', '/api/tasks?status=pending&q=milk&limit=5'),
    as('GET', `/api/tasks/${taskId}`),
    as('GET', '/api/auth/me'),
    as('POST', '/api/tasks', { json: { title: 'written while down', description: 'x'.repeat(200) } }),
    as('PATCH', `/api/tasks/${taskId}`, { json: { completed: true } }),
    as('DELETE', `/api/tasks/${victimId}`),
  ].concat(auth ? [
    as('POST', '/api/auth/logout'),
    () => request(user.base, 'POST', '/api/auth/login', { json: { email: user.email, password: 'wrong-password' } }),
  ] : []);
}

// Sends n requests of the mix from WORKERS concurrent loops; resolves a
// Map from "status code" to count, and the slowest answer (ms) in "slowest".
async function drive(user, taskId, victimId, n, auth = true) {
  const calls = mix(user, taskId, victimId, auth);
  const seen = new Map();
  let next = 0;
  await Promise.all(Array.from({ length: WORKERS }, async () => {
    while (next < n) {
      const i = next++;
      const res = await calls[i % calls.length]();
      seen.slowest = Math.max(seen.slowest ?? 0, res.ms);
      const key = `${res.status} ${res.body?.error?.code ?? ''}`.trim();
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }));
  return seen;
}

// Starts a server on a fresh database, warms it, stops PostgreSQL, drives
// warm-up failures then `failed` measured ones, starts PostgreSQL again.
// Resolves the RSS figures (bytes) and the ms until it served again.
async function outage(options, failed, template = TEMPLATE) {
  const server = await startServer({ ...options, env: { DATABASE_URL: pgUrl(createPgDatabase(), template) } });
  let down = false;
  try {
    const user = { ...(await newUser(server.base)), base: server.base };
    const task = await createTask(user, 'kept through the outage');
    const victim = await createTask(user, 'deleted in the warm-up');
    const ok = await drive(user, task.id, victim.id, 600, false);
    assert.deepEqual([...ok.keys()].filter((k) => !/^(200|201|204|404)\b/.test(k)), [], `warm-up: ${[...ok]}`);
    const before = await request(server.base, 'GET', '/api/tasks?limit=1', { token: user.token });
    assert.equal(before.status, 200);
    const rssUp = rssBytes(server.pid);

    pgCtl('stop');
    down = true;
    const first = await waitFor(async () => (await request(server.base, 'GET', '/api/tasks', { token: user.token })).status === 503, 5000);
    assert.ok(first >= 0, 'no 503 within 5 s of the stop');
    const warm = await drive(user, task.id, task.id, 1000);
    const rssDown = rssBytes(server.pid);
    const measured = await drive(user, task.id, task.id, failed);
    const rssAfter = rssBytes(server.pid);
    for (const seen of [warm, measured]) {
      assert.deepEqual([...seen], [['503 unavailable', seen.get('503 unavailable')]]);
      assert.ok(seen.slowest < 5000, `a request took ${seen.slowest} ms while postgresql was down`);
    }
    assert.equal(server.child.exitCode, null, 'todod exited while postgresql was down');
    assert.equal((await request(server.base, 'GET', '/healthz')).status, 200);
    assert.equal((await request(server.base, 'GET', '/readyz')).status, 503);

    pgCtl('start');
    down = false;
    // Served again: the kept task and the list both answer 200 (each HTTP
    // thread's connection comes back on its own, the one that failed last
    // after a pause of at most 250 ms, so the two are asked together).
    let list;
    const back = await waitFor(async () => {
      const kept = await request(server.base, 'GET', `/api/tasks/${task.id}`, { token: user.token });
      list = await request(server.base, 'GET', '/api/tasks?limit=1', { token: user.token });
      return kept.status === 200 && list.status === 200;
    }, 5000);
    assert.ok(back >= 0, 'not serving within 5 s of the restart');
    assert.equal(list.body.total, before.body.total, 'a write refused while down was kept, or one made before was lost');
    return { rssUp, rssDown, rssAfter, back, slowest: Math.max(warm.slowest, measured.slowest) };
  } finally {
    if (down) pgCtl('start');
    await stopAndCheck(server);
  }
}

const mib = (bytes) => `${(bytes / 1048576).toFixed(2)} MiB`;

test(`${FAILED} requests while postgresql is down: all 503 unavailable, RSS grows less than ${mib(RSS_BOUND)}`, async (t) => {
  const r = await outage({}, FAILED);
  t.diagnostic(`RSS up ${mib(r.rssUp)}, down after 1000 failures ${mib(r.rssDown)}, after ${FAILED} more ${mib(r.rssAfter)} ` +
    `(${r.rssAfter - r.rssDown} bytes); slowest 503 ${r.slowest} ms; served again ${r.back} ms after the start`);
  assert.ok(r.rssAfter - r.rssDown < RSS_BOUND, `RSS grew ${mib(r.rssAfter - r.rssDown)} over ${FAILED} failed requests`);
  assert.ok(r.rssAfter - r.rssUp < 2 * RSS_BOUND, `RSS grew ${mib(r.rssAfter - r.rssUp)} over the outage`);
});

test('the sanitizer build leaks nothing on the same outage', async (t) => {
  assert.ok(existsSync(ASAN_BIN), 'build/asan/todod is not built: make test-pg builds it (make asan)');
  const r = await outage({ bin: ASAN_BIN, asan: true }, 1000);
  t.diagnostic(`slowest 503 ${r.slowest} ms; served again ${r.back} ms after the start; no sanitizer report at exit`);
});

test('through pgbouncer: the same outage answers 503 unavailable within 5 s, memory stays flat', async (t) => {
  const r = await outage({}, 1000, process.env.TODOD_PG_BOUNCER_URL);
  t.diagnostic(`RSS up ${mib(r.rssUp)}, down ${mib(r.rssDown)}, after 1000 more ${mib(r.rssAfter)}; slowest 503 ${r.slowest} ms; served again ${r.back} ms after the start`);
  assert.ok(r.rssAfter - r.rssDown < RSS_BOUND);
});
