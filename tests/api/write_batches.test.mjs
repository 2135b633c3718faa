// write_batches.test.mjs: many writes at once, as SQLite's writer thread
// commits them in batches (PostgreSQL runs them one by one; the promises
// are the same). Every acknowledged write is there exactly once, no refused
// one is, a refused write in the middle of others changes nothing, clients
// that leave while their write waits harm nothing, and SIGTERM answers the
// writes in flight with what the database holds.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  assertError, newUser, rawConnection, request, sleep, startServer, stopAndCheck, useServer,
} from './helpers.mjs';

const fx = useServer();

// Every task of user, all pages.
async function allTasks(user) {
  const tasks = [];
  for (let offset = 0; ; offset += 100) {
    const res = await user.req('GET', `/api/tasks?limit=100&offset=${offset}&sort=created&order=asc`);
    assert.equal(res.status, 200, res.text);
    tasks.push(...res.body.tasks);
    if (res.body.tasks.length < 100) {
      assert.equal(res.body.total, tasks.length, 'the total counts every task');
      return tasks;
    }
  }
}

// Runs the thunks with at most limit in flight, in order of start.
async function inParallel(thunks, limit) {
  const results = new Array(thunks.length);
  let next = 0;
  async function lane() {
    while (next < thunks.length) {
      const i = next++;
      results[i] = await thunks[i]();
    }
  }
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

test('parallel creates, completes and deletes with refused ones mixed in: each acknowledged write is kept exactly once, no refused one', async () => {
  const [a, b] = await Promise.all([newUser(fx.base), newUser(fx.base)]);
  const seeded = await inParallel(Array.from({ length: 40 }, (_, i) => () => a.req('POST', '/api/tasks', { json: { title: `seed ${i}` } })), 20);
  for (const res of seeded) assert.equal(res.status, 201, res.text);
  const seedIds = seeded.map((r) => r.body.id);
  const other = await b.req('POST', '/api/tasks', { json: { title: 'b keeps this' } });
  assert.equal(other.status, 201, other.text);
  const missing = Math.max(...seedIds, other.body.id) + 100000;

  // what each request is, and what it must get
  const ops = [];
  for (let i = 0; i < 120; i++) {
    ops.push({ kind: 'create', title: `new ${i}`, completed: i % 4 === 0, want: 201 });
    if (i % 6 === 0) ops.push({ kind: 'bad-create', json: { title: '' }, want: 422 });
    if (i % 6 === 1) ops.push({ kind: 'bad-create', json: { title: `x ${i}`, colour: 'red' }, want: 422 });
    if (i % 6 === 2) ops.push({ kind: 'bad-create', json: { title: 'y'.repeat(201) }, want: 422 });
    if (i % 6 === 3) ops.push({ kind: 'complete', id: missing + i, want: 404 });
    if (i % 6 === 4) ops.push({ kind: 'delete', id: missing + i, want: 404 });
    if (i % 6 === 5) ops.push({ kind: 'complete', id: other.body.id, want: 404 }); // b's task
  }
  for (let i = 0; i < 20; i++) ops.push({ kind: 'complete', id: seedIds[i], want: 200 });
  for (let i = 20; i < 30; i++) ops.push({ kind: 'delete', id: seedIds[i], want: 204 });
  // the same task deleted twice at once: one 204, one 404
  ops.push({ kind: 'delete', id: seedIds[30], want: 'race' }, { kind: 'delete', id: seedIds[30], want: 'race' });
  ops.push({ kind: 'delete', id: other.body.id, want: 404 }); // b's task
  // shuffle, deterministically
  for (let i = ops.length - 1, seed = 7; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [ops[i], ops[j]] = [ops[j], ops[i]];
  }

  const send = (op) => {
    switch (op.kind) {
      case 'create': return a.req('POST', '/api/tasks', { json: { title: op.title, completed: op.completed } });
      case 'bad-create': return a.req('POST', '/api/tasks', { json: op.json });
      case 'complete': return a.req('PATCH', `/api/tasks/${op.id}/complete`, { json: { completed: true } });
      default: return a.req('DELETE', `/api/tasks/${op.id}`);
    }
  };
  const results = await inParallel(ops.map((op) => () => send(op)), 64);

  const created = new Map(); // title -> task
  let raceDeleted = 0;
  ops.forEach((op, i) => {
    const res = results[i];
    if (op.want === 'race') {
      assert.ok(res.status === 204 || res.status === 404, `${op.kind}: ${res.status} ${res.text}`);
      if (res.status === 204) raceDeleted++;
      else assertError(res, 404, 'not_found');
      return;
    }
    assert.equal(res.status, op.want, `${op.kind} ${op.title ?? op.id}: ${res.text}`);
    if (op.kind === 'create') {
      assert.equal(res.body.title, op.title, 'the answer is this request\'s task');
      assert.equal(res.body.completed, op.completed);
      assert.equal(res.headers.get('location'), `/api/tasks/${res.body.id}`);
      created.set(op.title, res.body);
    } else if (op.kind === 'complete' && op.want === 200) {
      assert.equal(res.body.id, op.id, 'the answer is this request\'s task');
      assert.equal(res.body.completed, true);
    } else if (op.want === 404) {
      assertError(res, 404, 'not_found');
    } else if (op.want === 422) {
      assertError(res, 422, 'validation_failed');
    }
  });
  assert.equal(raceDeleted, 1, 'one of two deletes of one task wins');
  assert.equal(new Set([...created.values()].map((t) => t.id)).size, created.size, 'distinct ids');

  const tasks = await allTasks(a);
  const titles = tasks.map((t) => t.title);
  assert.equal(new Set(titles).size, titles.length, 'no task is there twice');
  const want = new Set([
    ...Array.from({ length: 40 }, (_, i) => `seed ${i}`).filter((_, i) => i < 20 || i > 30),
    ...created.keys(),
  ]);
  assert.deepEqual(new Set(titles), want, 'exactly the acknowledged creates and the seeds not deleted');
  for (const t of tasks) {
    if (created.has(t.title)) {
      assert.deepEqual(t, created.get(t.title), 'stored as answered');
    } else {
      const i = Number(t.title.slice(5));
      assert.equal(t.completed, i < 20, `${t.title} completed only when asked`);
    }
  }
  const counts = await a.req('GET', '/api/tasks?status=completed&limit=1');
  assert.equal(counts.body.total, tasks.filter((t) => t.completed).length, 'the completed count agrees');
  const bs = await allTasks(b);
  assert.deepEqual(bs, [other.body], 'the other user\'s task is untouched');
});

test('every write answered 201 is seen by the next read, on another connection, at once', async () => {
  const user = await newUser(fx.base);
  const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const res = await user.req('POST', '/api/tasks', { json: { title: `seen ${i}` } });
    assert.equal(res.status, 201, res.text);
    const got = await user.req('GET', `/api/tasks/${res.body.id}`);
    assert.equal(got.status, 200, `read after the answer: ${got.text}`);
    const list = await user.req('GET', '/api/tasks?limit=100');
    assert.ok(list.body.tasks.some((t) => t.id === res.body.id), 'in the list read after the answer');
    return res.body;
  }));
  assert.equal(results.length, 50);
});

// Raw HTTP, so a client can leave before its answer.
function createRequest(port, token, title) {
  const body = JSON.stringify({ title });
  return `POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n`
    + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

test('clients that leave while their write waits: the others are answered, nothing is there twice, the server goes on', async () => {
  const user = await newUser(fx.base);
  const port = new URL(fx.base).port;
  const conns = Array.from({ length: 60 }, () => rawConnection(port));
  await Promise.all(conns.map((c) => c.connected));
  conns.forEach((c, i) => c.sock.write(createRequest(port, user.token, `left ${i}`)));
  // every other client leaves at once, without reading its answer
  conns.forEach((c, i) => { if (i % 2 === 1) c.sock.destroy(); });
  const answers = await Promise.all(conns.filter((_, i) => i % 2 === 0).map((c) => c.response.then((r) => r.data)));
  for (const data of answers) assert.match(data, /^HTTP\/1\.1 201 /, data.slice(0, 200));
  await sleep(200);
  const tasks = await allTasks(user);
  const titles = tasks.map((t) => t.title);
  assert.equal(new Set(titles).size, titles.length, 'no task twice');
  for (let i = 0; i < 60; i += 2) assert.ok(titles.includes(`left ${i}`), `answered create ${i} is there`);
  const more = await user.req('POST', '/api/tasks', { json: { title: 'after' } });
  assert.equal(more.status, 201, more.text);
});

test('SIGTERM while writes are in flight: every 201 is in the database after a restart, no 503 is', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'todod-api-'));
  const srv = await startServer({ dataDir });
  let again;
  try {
    const user = await newUser(srv.base);
    const conns = Array.from({ length: 64 }, () => rawConnection(srv.port));
    await Promise.all(conns.map((c) => c.connected));
    await sleep(50); // let the server accept them
    conns.forEach((c, i) => c.sock.write(createRequest(srv.port, user.token, `term ${i}`)));
    await sleep(5);
    const stopping = srv.stop('SIGTERM');
    const answers = await Promise.all(conns.map((c) => c.response.then((r) => r.data)));
    const { code, signal } = await stopping;
    assert.equal(signal, null);
    assert.equal(code, 0, `exit code after SIGTERM; stderr:\n${srv.stderr.slice(-2000)}`);
    const acknowledged = new Set();
    const refused = new Set();
    answers.forEach((data, i) => {
      // 201; 503 for a write that came after the writer stopped; or no
      // answer for a request not read before the server closed
      if (data === '') return;
      assert.match(data, /^HTTP\/1\.1 (201|503) /, data.slice(0, 200));
      (data.startsWith('HTTP/1.1 201') ? acknowledged : refused).add(`term ${i}`);
    });
    assert.ok(acknowledged.size > 0, 'some writes were answered');

    again = await startServer({ dataDir });
    const list = await request(again.base, 'GET', '/api/tasks?limit=100', { token: user.token });
    assert.equal(list.status, 200, list.text);
    const titles = list.body.tasks.map((t) => t.title);
    assert.equal(new Set(titles).size, titles.length, 'no task twice');
    for (const t of acknowledged) assert.ok(titles.includes(t), `${t} was answered 201 and is kept`);
    for (const t of refused) assert.ok(!titles.includes(t), `${t} was answered 503 and is not there`);
  } finally {
    await srv.stop().catch(() => {});
    if (again) await stopAndCheck(again);
    await rm(dataDir, { recursive: true, force: true });
  }
});
