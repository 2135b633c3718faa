// instances.test.mjs: two todod instances on one PostgreSQL database, as
// behind a load balancer: what one does, the other sees (tokens, logout,
// tasks, a list read again, the login limit); 200 creates through both are
// all kept; a PostgreSQL crash and restart, a hung PostgreSQL, and an
// instance killed, answer every request within 5 s and lose no acknowledged
// write. Needs scripts/pg-test.sh's environment.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  createPgDatabase, loginUser, newUser, pgCtl, pgUrl, request, sleep, startServer, stopAndCheck, uniqueEmail,
  waitFor,
} from '../api/helpers.mjs';

const TEMPLATE = process.env.TODOD_PG_URL;
assert.ok(TEMPLATE, 'run under scripts/pg-test.sh (TODOD_PG_URL)');

let dbUrl;
let a;
let b;

before(async () => {
  dbUrl = pgUrl(createPgDatabase(), TEMPLATE);
  const env = { DATABASE_URL: dbUrl, TODOD_LOGIN_MAX_FAILURES: 3 };
  a = await startServer({ env });
  b = await startServer({ env });
});

after(async () => {
  await stopAndCheck(a);
  await stopAndCheck(b);
});

function as(user, server) {
  return (method, path, opts = {}) => request(server.base, method, path, { token: user.token, ...opts });
}

test('a token issued by one instance works on the other, and a task made on one is seen on the other', async () => {
  const user = await newUser(a.base);
  const made = await as(user, a)('POST', '/api/tasks', { json: { title: 'seen everywhere' } });
  assert.equal(made.status, 201);
  const got = await as(user, b)('GET', `/api/tasks/${made.body.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, made.body);
  const list = await as(user, b)('GET', '/api/tasks');
  assert.equal(list.body.total, 1);
});

test('a list read again through one instance shows each change made through the other at once', async () => {
  const user = await newUser(a.base);
  const first = await as(user, a)('POST', '/api/tasks', { json: { title: 'first' } });
  const titles = async () => {
    const res = await as(user, b)('GET', '/api/tasks?order=asc');
    assert.equal(res.status, 200);
    return res.body.tasks.map((t) => `${t.title}${t.completed ? ' (done)' : ''}`);
  };
  assert.deepEqual(await titles(), ['first']);
  assert.deepEqual(await titles(), ['first']); // read again: b may answer from its copy
  const second = await as(user, a)('POST', '/api/tasks', { json: { title: 'second' } });
  assert.deepEqual(await titles(), ['first', 'second']);
  assert.equal((await as(user, a)('PATCH', `/api/tasks/${first.body.id}`, { json: { title: 'renamed' } })).status, 200);
  assert.deepEqual(await titles(), ['renamed', 'second']);
  assert.equal((await as(user, a)('PATCH', `/api/tasks/${second.body.id}/complete`)).status, 200);
  assert.deepEqual(await titles(), ['renamed', 'second (done)']);
  assert.equal((await as(user, a)('DELETE', `/api/tasks/${first.body.id}`)).status, 204);
  assert.deepEqual(await titles(), ['second (done)']);
});

test('a logout on one instance is refused by the other within 1 s', async () => {
  const user = await newUser(a.base);
  assert.equal((await as(user, b)('GET', '/api/auth/me')).status, 200); // remembered by b
  assert.equal((await as(user, a)('POST', '/api/auth/logout')).status, 204);
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < 3000) {
    status = (await as(user, b)('GET', '/api/auth/me')).status;
    if (status === 200) await sleep(50);
  }
  const ms = Date.now() - started;
  assert.equal(status, 401);
  assert.ok(ms <= 1200, `still accepted ${ms} ms after logout`);
});

test('200 creates through both instances at once are all kept, with distinct ids and the right total', async () => {
  const user = await newUser(a.base);
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    as(user, i % 2 ? a : b)('POST', '/api/tasks', { json: { title: `task ${i}` } })));
  assert.deepEqual(results.map((r) => r.status).filter((s) => s !== 201), []);
  const ids = new Set(results.map((r) => r.body.id));
  assert.equal(ids.size, 200);
  for (const server of [a, b]) {
    const list = await as(user, server)('GET', '/api/tasks?limit=100');
    assert.equal(list.body.total, 200);
  }
  const pending = await as(user, b)('GET', '/api/tasks?status=pending&limit=1');
  assert.equal(pending.body.total, 200);
});

test('failed logins through either instance count toward the same limit', async () => {
  const user = await newUser(a.base);
  for (const server of [a, b, a]) {
    const res = await request(server.base, 'POST', '/api/auth/login', { json: { email: user.email, password: 'wrong-password' } });
    assert.equal(res.status, 401);
  }
  for (const server of [b, a]) {
    const res = await request(server.base, 'POST', '/api/auth/login', { json: { email: user.email, password: user.password } });
    assert.equal(res.status, 429, 'the fourth attempt, right password or not');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
  }
  const other = uniqueEmail();
  const res = await request(b.base, 'POST', '/api/auth/login', { json: { email: other, password: 'wrong-password' } });
  assert.equal(res.status, 401, 'another email is not limited');
});

// Creates tasks through server until stop() is called; remembers every
// acknowledged id and every status seen, and how long each request took.
function loadRun(user, servers) {
  const acked = [];
  const statuses = new Map();
  let slowest = 0;
  let running = true;
  const workers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; running; i++) {
      const server = servers[(w + i) % servers.length];
      const started = Date.now();
      let res;
      try {
        res = await as(user, server)('POST', '/api/tasks', { json: { title: `load ${w}-${i}` } });
      } catch {
        res = { status: 'error' };
      }
      slowest = Math.max(slowest, Date.now() - started);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 201) acked.push(res.body.id);
      await sleep(10);
    }
  });
  return {
    acked, statuses,
    get slowest() { return slowest; },
    async stop() { running = false; await Promise.all(workers); },
  };
}

async function allKept(user, server, ids) {
  const found = new Set();
  for (let offset = 0; ; offset += 100) {
    const res = await as(user, server)('GET', `/api/tasks?limit=100&offset=${offset}&order=asc`);
    assert.equal(res.status, 200);
    for (const t of res.body.tasks) found.add(t.id);
    if (res.body.tasks.length < 100) break;
  }
  const lost = ids.filter((id) => !found.has(id));
  assert.deepEqual(lost, [], 'acknowledged writes are missing');
}

test('postgresql stopped in a load run: 503 within 5 s, no hang; restarted: served again within 5 s, no acknowledged write lost', async (t) => {
  const user = await newUser(a.base);
  const load = loadRun(user, [a, b]);
  await sleep(500);
  pgCtl('stop');
  const down = Date.now();
  const unavailable = await waitFor(async () => {
    const res = await as(user, a)('GET', '/api/tasks');
    return res.status === 503 && res.body?.error?.code === 'unavailable';
  }, 5000);
  assert.ok(unavailable >= 0, 'no 503 within 5 s of the stop');
  assert.equal((await request(a.base, 'GET', '/readyz')).status, 503);
  assert.equal((await request(a.base, 'GET', '/healthz')).status, 200);
  await sleep(Math.max(0, 1500 - (Date.now() - down)));
  pgCtl('start');
  for (const server of [a, b]) {
    const back = await waitFor(async () => (await as(user, server)('GET', '/api/tasks')).status === 200, 5000);
    assert.ok(back >= 0, 'not serving within 5 s of the restart');
  }
  await sleep(300);
  await load.stop();
  t.diagnostic(`slowest request ${load.slowest} ms; statuses ${[...load.statuses]}`);
  // Each request's store work has one budget of 4 s (STORE_BUDGET_MS), the
  // connect included, and a wait that used it up makes its connection pause
  // before the next attempt, so the requests queued behind it answer at once.
  assert.ok(load.slowest < 5000, `a request took ${load.slowest} ms`);
  assert.ok(load.statuses.get(503) > 0, `statuses seen: ${[...load.statuses]}`);
  assert.deepEqual([...load.statuses.keys()].filter((s) => s !== 201 && s !== 503), []);
  assert.equal((await request(b.base, 'GET', '/readyz')).status, 200);
  await allKept(user, b, load.acked);
});

test('postgresql hung in a load run (it takes connections, never answers): every request answers within 5 s, 503 while it hangs; thawed: served again within 5 s', async (t) => {
  const user = await newUser(a.base);
  const load = loadRun(user, [a, b]);
  let frozen = false;
  try {
    await sleep(500);
    pgCtl('freeze');
    frozen = true;
    const hung = Date.now();
    const unavailable = await waitFor(async () => {
      const res = await as(user, b)('GET', '/api/tasks');
      return res.status === 503 && res.body?.error?.code === 'unavailable';
    }, 5000);
    assert.ok(unavailable >= 0, 'no 503 within 5 s of the hang');
    // Long enough for every connection to fail, pause and try again.
    await sleep(Math.max(0, 6000 - (Date.now() - hung)));
    pgCtl('thaw');
    frozen = false;
    for (const server of [a, b]) {
      const back = await waitFor(async () => (await as(user, server)('GET', '/api/tasks')).status === 200, 5000);
      assert.ok(back >= 0, 'not serving within 5 s of the thaw');
    }
    await sleep(300);
  } finally {
    if (frozen) pgCtl('thaw');
    await load.stop();
  }
  t.diagnostic(`slowest request ${load.slowest} ms; statuses ${[...load.statuses]}`);
  assert.ok(load.slowest < 5000, `a request took ${load.slowest} ms`);
  assert.ok(load.statuses.get(503) > 0, `statuses seen: ${[...load.statuses]}`);
  assert.deepEqual([...load.statuses.keys()].filter((s) => s !== 201 && s !== 503), []);
  await allKept(user, a, load.acked);
});

test('one instance killed in a load run: the other keeps serving, no acknowledged write lost', async () => {
  const victim = await startServer({ env: { DATABASE_URL: dbUrl } });
  const user = await newUser(victim.base);
  const load = loadRun(user, [victim, b]);
  await sleep(400);
  victim.child.kill('SIGKILL');
  await victim.closed;
  await sleep(400);
  const before = load.acked.length;
  await sleep(400);
  await load.stop();
  assert.ok(load.acked.length > before, 'the survivor stopped acknowledging');
  await allKept(user, b, load.acked);
  await victim.stop().catch(() => {});
  const again = await loginUser(b.base, user);
  assert.ok(again.token);
});
