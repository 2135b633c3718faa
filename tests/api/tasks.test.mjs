// tasks.test.mjs: create, read, update, delete, complete and list tasks as
// CONTRACT.md "Tasks" describes them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertError, assertJsonType, assertLogHasNoSecrets, assertTask, assertTaskList, createTask, newUser,
  request, sleep, useServer,
} from './helpers.mjs';

const fx = useServer();

const ms = (ts) => Date.parse(ts);

// ---- create, get, update, delete --------------------------------------------

test('POST /api/tasks answers 201 with the Task and Location: /api/tasks/{id}', async () => {
  const user = await newUser(fx.base);
  const res = await user.req('POST', '/api/tasks', { json: { title: 'Buy milk' } });
  assert.equal(res.status, 201, res.text);
  assertJsonType(res);
  assertTask(res.body);
  assert.equal(res.headers.get('location'), `/api/tasks/${res.body.id}`);
  assert.equal(res.body.user_id, user.id);
  assert.equal(res.body.title, 'Buy milk');
});

test('a new task defaults to description null and completed false, with created_at = updated_at about now', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'defaults');
  assert.equal(task.description, null);
  assert.equal(task.completed, false);
  assert.equal(ms(task.created_at), ms(task.updated_at));
  assert.ok(Math.abs(ms(task.created_at) - Date.now()) < 60_000, 'created_at is about now');
});

test('create accepts description and completed', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, { title: 'full', description: 'with words', completed: true });
  assert.equal(task.description, 'with words');
  assert.equal(task.completed, true);
  const nulled = await createTask(user, { title: 'explicit null', description: null, completed: false });
  assert.equal(nulled.description, null);
  assert.equal(nulled.completed, false);
});

test('create keeps Unicode text exactly', async () => {
  const user = await newUser(fx.base);
  const title = 'Café ☕ 日本語 😀 "quotes" \\ back';
  const description = 'line one\nline two\ttab <b>html</b> \u2028';
  const task = await createTask(user, { title, description });
  assert.equal(task.title, title);
  assert.equal(task.description, description);
  const got = await user.req('GET', `/api/tasks/${task.id}`);
  assert.equal(got.body.title, title);
  assert.equal(got.body.description, description);
});

test('task ids are distinct positive integers', async () => {
  const user = await newUser(fx.base);
  const a = await createTask(user, 'a');
  const b = await createTask(user, 'b');
  assert.notEqual(a.id, b.id);
  assert.ok(b.id > a.id, 'a later task has a larger id');
});

test('GET /api/tasks/{id} answers 200 with the same Task', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, { title: 'get me', description: 'd' });
  const res = await user.req('GET', `/api/tasks/${task.id}`);
  assert.equal(res.status, 200, res.text);
  assertJsonType(res);
  assert.deepEqual(res.body, task);
});

for (const method of ['PUT', 'PATCH']) {
  test(`${method} updates each field alone and leaves the others as they were`, async () => {
    const user = await newUser(fx.base);
    const task = await createTask(user, { title: 'original', description: 'first' });

    const t1 = await user.req(method, `/api/tasks/${task.id}`, { json: { title: '  renamed  ' } });
    assert.equal(t1.status, 200, t1.text);
    assertTask(t1.body);
    assert.equal(t1.body.title, 'renamed');
    assert.equal(t1.body.description, 'first');
    assert.equal(t1.body.completed, false);

    const t2 = await user.req(method, `/api/tasks/${task.id}`, { json: { description: 'second' } });
    assert.equal(t2.status, 200, t2.text);
    assert.equal(t2.body.title, 'renamed');
    assert.equal(t2.body.description, 'second');
    assert.equal(t2.body.completed, false);

    const t3 = await user.req(method, `/api/tasks/${task.id}`, { json: { completed: true } });
    assert.equal(t3.status, 200, t3.text);
    assert.equal(t3.body.title, 'renamed');
    assert.equal(t3.body.description, 'second');
    assert.equal(t3.body.completed, true);

    const t4 = await user.req(method, `/api/tasks/${task.id}`, { json: { description: null } });
    assert.equal(t4.status, 200, t4.text);
    assert.equal(t4.body.description, null, 'description null clears it');
    assert.equal(t4.body.title, 'renamed');
    assert.equal(t4.body.completed, true);

    const t5 = await user.req(method, `/api/tasks/${task.id}`, { json: { title: 'all', description: 'three', completed: false } });
    assert.equal(t5.status, 200, t5.text);
    assert.equal(t5.body.title, 'all');
    assert.equal(t5.body.description, 'three');
    assert.equal(t5.body.completed, false);

    const got = await user.req('GET', `/api/tasks/${task.id}`);
    assert.deepEqual(got.body, t5.body, 'GET shows the stored update');
    for (const t of [t1, t2, t3, t4, t5]) {
      assert.equal(t.body.id, task.id);
      assert.equal(t.body.user_id, user.id);
      assert.equal(t.body.created_at, task.created_at, 'created_at never changes');
    }
  });

  test(`${method} moves updated_at strictly forward, even for two updates in quick succession`, async () => {
    const user = await newUser(fx.base);
    const task = await createTask(user, 'timing');
    const a = await user.req(method, `/api/tasks/${task.id}`, { json: { title: 'one' } });
    const b = await user.req(method, `/api/tasks/${task.id}`, { json: { title: 'two' } });
    const c = await user.req(method, `/api/tasks/${task.id}`, { json: { completed: true } });
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.equal(c.status, 200, c.text);
    assert.ok(ms(a.body.updated_at) > ms(task.updated_at), `${a.body.updated_at} > ${task.updated_at}`);
    assert.ok(ms(b.body.updated_at) > ms(a.body.updated_at), `${b.body.updated_at} > ${a.body.updated_at}`);
    assert.ok(ms(c.body.updated_at) > ms(b.body.updated_at), `${c.body.updated_at} > ${b.body.updated_at}`);
    assert.equal(c.body.created_at, task.created_at);
  });
}

test('DELETE answers 204 with no body, then the task is 404 everywhere', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'doomed');
  const del = await user.req('DELETE', `/api/tasks/${task.id}`);
  assert.equal(del.status, 204, del.text);
  assert.equal(del.text, '');
  assertError(await user.req('GET', `/api/tasks/${task.id}`), 404, 'not_found');
  assertError(await user.req('PATCH', `/api/tasks/${task.id}`, { json: { title: 'x' } }), 404, 'not_found');
  assertError(await user.req('PUT', `/api/tasks/${task.id}`, { json: { title: 'x' } }), 404, 'not_found');
  assertError(await user.req('PATCH', `/api/tasks/${task.id}/complete`), 404, 'not_found');
  assertError(await user.req('DELETE', `/api/tasks/${task.id}`), 404, 'not_found');
  const list = await user.req('GET', '/api/tasks');
  assert.equal(list.body.total, 0);
});

test('a missing task id gets 404 not_found', async () => {
  const user = await newUser(fx.base);
  assertError(await user.req('GET', '/api/tasks/987654321'), 404, 'not_found');
});

test('every task route without a token gets 401 unauthorized', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'guarded');
  const anon = (method, p, json) => request(fx.base, method, p, json ? { json } : {});
  assertError(await anon('GET', '/api/tasks'), 401, 'unauthorized');
  assertError(await anon('POST', '/api/tasks', { title: 'x' }), 401, 'unauthorized');
  assertError(await anon('GET', `/api/tasks/${task.id}`), 401, 'unauthorized');
  assertError(await anon('PUT', `/api/tasks/${task.id}`, { title: 'x' }), 401, 'unauthorized');
  assertError(await anon('PATCH', `/api/tasks/${task.id}`, { title: 'x' }), 401, 'unauthorized');
  assertError(await anon('DELETE', `/api/tasks/${task.id}`), 401, 'unauthorized');
  assertError(await anon('PATCH', `/api/tasks/${task.id}/complete`), 401, 'unauthorized');
  const still = await user.req('GET', `/api/tasks/${task.id}`);
  assert.deepEqual(still.body, task);
});

// ---- complete ------------------------------------------------------------------

test('PATCH /api/tasks/{id}/complete without a body toggles completed, twice back again', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'toggle');
  const on = await user.req('PATCH', `/api/tasks/${task.id}/complete`);
  assert.equal(on.status, 200, on.text);
  assertTask(on.body);
  assert.equal(on.body.completed, true);
  assert.ok(ms(on.body.updated_at) > ms(task.updated_at), 'updated_at moves forward');
  const off = await user.req('PATCH', `/api/tasks/${task.id}/complete`);
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.completed, false);
  assert.ok(ms(off.body.updated_at) > ms(on.body.updated_at), 'updated_at moves forward again');
  assert.equal(off.body.title, 'toggle');
  assert.equal(off.body.created_at, task.created_at);
});

test('PATCH /complete with {"completed": true} sets it, and twice stays true; false sets false', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'set');
  const a = await user.req('PATCH', `/api/tasks/${task.id}/complete`, { json: { completed: true } });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.body.completed, true);
  const b = await user.req('PATCH', `/api/tasks/${task.id}/complete`, { json: { completed: true } });
  assert.equal(b.status, 200, b.text);
  assert.equal(b.body.completed, true, 'setting true twice stays true');
  const c = await user.req('PATCH', `/api/tasks/${task.id}/complete`, { json: { completed: false } });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.body.completed, false);
  const d = await user.req('PATCH', `/api/tasks/${task.id}/complete`, { json: { completed: false } });
  assert.equal(d.body.completed, false, 'setting false twice stays false');
  const got = await user.req('GET', `/api/tasks/${task.id}`);
  assert.equal(got.body.completed, false);
});

// ---- list ------------------------------------------------------------------------

test('GET /api/tasks for a new user answers 200 {tasks: [], total 0, limit 50, offset 0}', async () => {
  const user = await newUser(fx.base);
  const res = await user.req('GET', '/api/tasks');
  assert.equal(res.status, 200, res.text);
  assertJsonType(res);
  assertTaskList(res.body);
  assert.deepEqual(res.body, { tasks: [], total: 0, limit: 50, offset: 0 });
});

// One user with a known set of tasks for the list tests.
let lister;
let made; // in creation order
async function listerSetup() {
  if (lister) return;
  lister = await newUser(fx.base);
  const specs = [
    { title: 'banana bread', description: 'bake it' },
    { title: 'Apple pie', description: null, completed: true },
    { title: 'cherry jam', description: 'buy MILK and sugar' },
    { title: 'Buy milk', description: null },
    { title: '100% done', description: 'percent' },
    { title: 'under_score', description: 'snake' },
    { title: 'plain', description: 'nothing special', completed: true },
  ];
  made = [];
  for (const s of specs) made.push(await createTask(lister, s));
}
const ids = (res) => res.body.tasks.map((t) => t.id);
const list = (query = '') => lister.req('GET', `/api/tasks${query}`);

test('the list defaults to all tasks, newest created first, limit 50, offset 0', async () => {
  await listerSetup();
  const res = await list();
  assert.equal(res.status, 200, res.text);
  assertTaskList(res.body);
  assert.equal(res.body.total, made.length);
  assert.equal(res.body.limit, 50);
  assert.equal(res.body.offset, 0);
  assert.deepEqual(ids(res), made.map((t) => t.id).reverse());
  assert.deepEqual(res.body.tasks[0], made[made.length - 1], 'listed tasks are full Task objects');
});

test('status=pending, completed and all filter by completed', async () => {
  await listerSetup();
  const pending = await list('?status=pending');
  assert.equal(pending.status, 200, pending.text);
  const wantPending = made.filter((t) => !t.completed).map((t) => t.id).reverse();
  assert.deepEqual(ids(pending), wantPending);
  assert.equal(pending.body.total, wantPending.length);
  const completed = await list('?status=completed');
  const wantDone = made.filter((t) => t.completed).map((t) => t.id).reverse();
  assert.deepEqual(ids(completed), wantDone);
  assert.equal(completed.body.total, wantDone.length);
  const all = await list('?status=all');
  assert.equal(all.body.total, made.length);
});

test('sort=created with order=asc and order=desc', async () => {
  await listerSetup();
  assert.deepEqual(ids(await list('?sort=created&order=asc')), made.map((t) => t.id));
  assert.deepEqual(ids(await list('?sort=created&order=desc')), made.map((t) => t.id).reverse());
  assert.deepEqual(ids(await list('?order=asc')), made.map((t) => t.id), 'sort defaults to created');
});

test('sort=title orders by title, asc and desc', async () => {
  await listerSetup();
  const asc = await list('?sort=title&order=asc');
  assert.equal(asc.status, 200, asc.text);
  const titles = asc.body.tasks.map((t) => t.title);
  // Case-insensitive or byte order are both orders by title; check the one that applies.
  const byBytes = [...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const byFold = [...titles].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  assert.ok(JSON.stringify(titles) === JSON.stringify(byBytes) || JSON.stringify(titles) === JSON.stringify(byFold),
    `titles in ascending order: ${JSON.stringify(titles)}`);
  assert.equal(titles.length, made.length);
  const desc = await list('?sort=title&order=desc');
  assert.deepEqual(desc.body.tasks.map((t) => t.title), [...titles].reverse());
});

test('sort=updated puts the most recently updated first (desc) and last (asc)', async () => {
  // Pauses keep the timestamps of different tasks apart: the order under
  // test is by updated_at, not a tie-break.
  const user = await newUser(fx.base);
  const a = await createTask(user, 'first');
  await sleep(5);
  const b = await createTask(user, 'second');
  await sleep(5);
  const c = await createTask(user, 'third');
  await sleep(5);
  const upd = await user.req('PATCH', `/api/tasks/${a.id}`, { json: { description: 'touched' } });
  assert.equal(upd.status, 200, upd.text);
  const desc = await user.req('GET', '/api/tasks?sort=updated&order=desc');
  assert.equal(desc.status, 200, desc.text);
  assert.deepEqual(desc.body.tasks.map((t) => t.id), [a.id, c.id, b.id]);
  const asc = await user.req('GET', '/api/tasks?sort=updated&order=asc');
  assert.deepEqual(asc.body.tasks.map((t) => t.id), [b.id, c.id, a.id]);
});

test('q matches title or description case-insensitively', async () => {
  await listerSetup();
  const res = await list('?q=milk');
  assert.equal(res.status, 200, res.text);
  const want = [made[3].id, made[2].id]; // "Buy milk" title, "buy MILK" description
  assert.deepEqual(ids(res), want);
  assert.equal(res.body.total, 2);
  assert.deepEqual(ids(await list('?q=MiLk')), want);
  assert.deepEqual(ids(await list('?q=APPLE')), [made[1].id]);
  assert.deepEqual(ids(await list('?q=bake')), [made[0].id], 'matches in the description');
  assert.deepEqual(ids(await list('?q=nomatchanywhere')), []);
});

test('q is case-insensitive beyond ASCII too (É matches é)', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, { title: 'Café CRÈME', description: 'ÉTÉ à Zürich' });
  for (const q of ['café', 'CAFÉ', 'crème', 'été', 'ZÜRICH']) {
    const res = await user.req('GET', `/api/tasks?q=${encodeURIComponent(q)}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.tasks.map((t) => t.id), [task.id], `q=${q} finds the task`);
  }
});

test('q treats % and _ literally', async () => {
  await listerSetup();
  const pct = await list(`?q=${encodeURIComponent('%')}`);
  assert.equal(pct.status, 200, pct.text);
  assert.deepEqual(ids(pct), [made[4].id], '% matches only the title containing %');
  const under = await list(`?q=${encodeURIComponent('_')}`);
  assert.deepEqual(ids(under), [made[5].id], '_ matches only the title containing _');
  const mixed = await list(`?q=${encodeURIComponent('r_s')}`);
  assert.deepEqual(ids(mixed), [made[5].id], '"r_s" is literal');
  assert.deepEqual(ids(await list(`?q=${encodeURIComponent('b%d')}`)), [], '"b%d" is not a wildcard');
});

test('q combines with status, sort and paging; total counts every match', async () => {
  await listerSetup();
  const res = await list(`?q=${encodeURIComponent('e')}&status=pending&sort=title&order=asc&limit=1&offset=0`);
  assert.equal(res.status, 200, res.text);
  const matches = made.filter((t) => !t.completed && (t.title.toLowerCase().includes('e') || (t.description ?? '').toLowerCase().includes('e')));
  assert.equal(res.body.total, matches.length);
  assert.equal(res.body.tasks.length, 1);
});

test('limit and offset page through the list; total counts all matches, not just the page', async () => {
  await listerSetup();
  const all = ids(await list('?order=asc'));
  const p1 = await list('?order=asc&limit=3&offset=0');
  assert.equal(p1.status, 200, p1.text);
  assert.equal(p1.body.limit, 3);
  assert.equal(p1.body.offset, 0);
  assert.equal(p1.body.total, made.length);
  assert.deepEqual(ids(p1), all.slice(0, 3));
  const p2 = await list('?order=asc&limit=3&offset=3');
  assert.equal(p2.body.offset, 3);
  assert.equal(p2.body.total, made.length);
  assert.deepEqual(ids(p2), all.slice(3, 6));
  const p3 = await list('?order=asc&limit=3&offset=6');
  assert.deepEqual(ids(p3), all.slice(6));
  const beyond = await list('?limit=3&offset=100');
  assert.equal(beyond.status, 200, beyond.text);
  assert.deepEqual(beyond.body.tasks, []);
  assert.equal(beyond.body.total, made.length);
});

test('limit 1 and 100 are accepted', async () => {
  await listerSetup();
  const one = await list('?limit=1');
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.tasks.length, 1);
  assert.equal(one.body.limit, 1);
  const hundred = await list('?limit=100');
  assert.equal(hundred.status, 200, hundred.text);
  assert.equal(hundred.body.limit, 100);
  assert.equal(hundred.body.tasks.length, made.length);
});

test('limit 0, 101, -1, "x" or empty gets 422', async () => {
  await listerSetup();
  for (const v of ['0', '101', '-1', 'x', '1.5', '']) {
    assertError(await list(`?limit=${v}`), 422, 'validation_failed');
  }
});

test('offset negative or not a number gets 422', async () => {
  await listerSetup();
  for (const v of ['-1', 'x', '1.5']) {
    assertError(await list(`?offset=${v}`), 422, 'validation_failed');
  }
});

test('an unknown status, sort or order value gets 422', async () => {
  await listerSetup();
  assertError(await list('?status=done'), 422, 'validation_failed');
  assertError(await list('?sort=x'), 422, 'validation_failed');
  assertError(await list('?order=up'), 422, 'validation_failed');
  assertError(await list('?sort=CREATED'), 422, 'validation_failed');
});

test('the list holds only the caller\'s tasks', async () => {
  await listerSetup();
  const other = await newUser(fx.base);
  await createTask(other, 'other banana');
  const mine = await list('?limit=100');
  assert.equal(mine.body.total, made.length);
  for (const t of mine.body.tasks) assert.equal(t.user_id, lister.id);
  const theirs = await other.req('GET', '/api/tasks?q=banana');
  assert.equal(theirs.body.total, 1);
  assert.equal(theirs.body.tasks[0].user_id, other.id);
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(fx.server);
});
