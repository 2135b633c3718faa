// list_counts.test.mjs: the list's `total` (read from counters kept with
// every write) stays right through every kind of write, and `q` finds the
// same tasks whether the search text is long enough for the search index
// (three characters or more) or not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTask, loginUser, newUser, useServer } from './helpers.mjs';

const fx = useServer();

// total for each status, on pages of one task (so the total is not the
// page's own size) and on full pages, and the page sizes agree.
async function assertTotals(user, all, completed) {
  for (const [status, want] of [['all', all], ['completed', completed], ['pending', all - completed]]) {
    for (const limit of [1, 100]) {
      const res = await user.req('GET', `/api/tasks?status=${status}&limit=${limit}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.total, want, `status=${status} limit=${limit}`);
      assert.equal(res.body.tasks.length, Math.min(limit, want), `status=${status} limit=${limit} page`);
    }
    const past = await user.req('GET', `/api/tasks?status=${status}&offset=1000`);
    assert.equal(past.body.total, want, `status=${status} past the end`);
  }
}

test('total follows create, complete, uncomplete, toggle, PUT, PATCH and DELETE', async () => {
  const user = await newUser(fx.base);
  const other = await newUser(fx.base);
  await assertTotals(user, 0, 0);

  const a = await createTask(user, 'a');
  const b = await createTask(user, { title: 'b', completed: true });
  const c = await createTask(user, { title: 'c', description: 'see' });
  const o = await createTask(other, { title: 'other', completed: true });
  await assertTotals(user, 3, 1);
  await assertTotals(other, 1, 1);

  let res = await user.req('PATCH', `/api/tasks/${a.id}/complete`);
  assert.equal(res.status, 200, res.text);
  await assertTotals(user, 3, 2);
  res = await user.req('PATCH', `/api/tasks/${a.id}/complete`, { json: { completed: true } });
  assert.equal(res.status, 200, res.text);
  await assertTotals(user, 3, 2);
  res = await user.req('PATCH', `/api/tasks/${b.id}/complete`, { json: { completed: false } });
  assert.equal(res.status, 200, res.text);
  await assertTotals(user, 3, 1);
  res = await user.req('PUT', `/api/tasks/${c.id}`, { json: { completed: true, title: 'c2' } });
  assert.equal(res.status, 200, res.text);
  await assertTotals(user, 3, 2);
  res = await user.req('PATCH', `/api/tasks/${c.id}`, { json: { completed: false } });
  assert.equal(res.status, 200, res.text);
  await assertTotals(user, 3, 1);
  res = await user.req('PATCH', `/api/tasks/${c.id}`, { json: { description: null } });
  assert.equal(res.status, 200, res.text);
  await assertTotals(user, 3, 1);

  // Failed writes count nothing: another user's task, a bad body.
  res = await user.req('PATCH', `/api/tasks/${o.id}/complete`);
  assert.equal(res.status, 404);
  res = await user.req('DELETE', `/api/tasks/${o.id}`);
  assert.equal(res.status, 404);
  res = await user.req('POST', '/api/tasks', { json: { title: '' } });
  assert.equal(res.status, 422);
  await assertTotals(user, 3, 1);
  await assertTotals(other, 1, 1);

  res = await user.req('DELETE', `/api/tasks/${a.id}`);
  assert.equal(res.status, 204);
  await assertTotals(user, 2, 0);
  res = await user.req('DELETE', `/api/tasks/${a.id}`);
  assert.equal(res.status, 404);
  await assertTotals(user, 2, 0);
});

test('total survives logout and a new session', async () => {
  const user = await newUser(fx.base);
  await createTask(user, 'one');
  await createTask(user, { title: 'two', completed: true });
  const res = await user.req('POST', '/api/auth/logout');
  assert.equal(res.status, 204);
  const again = await loginUser(fx.base, user);
  await assertTotals(again, 2, 1);
});

// The tasks whose title or description holds the text, folded the way the
// server folds (toLowerCase agrees with it on these texts).
function expected(tasks, text) {
  const t = text.toLowerCase();
  return tasks.filter((k) => k.title.toLowerCase().includes(t) ||
    (k.description !== null && k.description.toLowerCase().includes(t))).map((k) => k.id);
}

test('q finds the same tasks for short texts (scanned) and long ones (indexed)', async () => {
  const user = await newUser(fx.base);
  const other = await newUser(fx.base);
  const specs = [
    { title: 'Buy milk' },
    { title: 'buy MILK and bread', description: 'corner shop' },
    { title: 'Call "Bob"', description: 'number 12345' },
    { title: '100% sure', description: 'snake_case back\\slash' },
    { title: 'Écrire à Élise', description: 'lettre' },
    { title: 'note', description: 'ΣΟΦΙΑ σοφία' },
    { title: '🍎 apples', description: '🍎🍎' },
    { title: 'ab' },
  ];
  const tasks = [];
  for (const s of specs) {
    tasks.push(await createTask(user, s));
    await createTask(other, s);
  }
  // A second user with the same tasks and 600 more: a user with few tasks
  // is searched task by task, one with many through the search index
  // (texts of three characters or more). "0" holds none of the queries.
  const many = await newUser(fx.base);
  const manyTasks = [];
  for (const s of specs) manyTasks.push(await createTask(many, s));
  for (let i = 0; i < 600; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => createTask(many, '0')));
  }
  const queries = ['a', 'é', '"', '%', '_', '🍎', 'ab', 'AB', 'él', 'ÉÉ', '"b', 'buy', 'MILK', 'milk and',
    '"bob"', '12345', 'NUMBER 1234', '100%', 'e_c', 'k\\s', 'ÉLISE', 'écrire à', 'σοφ', 'ΣΟΦΊΑ', '🍎🍎',
    '🍎 a', 'nothing here'];
  for (const [who, list] of [[user, tasks], [many, manyTasks]]) {
    for (const q of queries) {
      const want = expected(list, q).sort((x, y) => x - y);
      for (const limit of [100, 1]) {
        const res = await who.req('GET', `/api/tasks?q=${encodeURIComponent(q)}&sort=created&order=asc&limit=${limit}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.total, want.length, `q=${q} limit=${limit} total`);
        assert.deepEqual(res.body.tasks.map((k) => k.id), want.slice(0, limit), `q=${q} limit=${limit}`);
      }
    }
  }
});

test('q follows edits and deletes', async () => {
  const user = await newUser(fx.base);
  const t = await createTask(user, { title: 'alpha bravo', description: 'charlie' });
  const find = async (q) => (await user.req('GET', `/api/tasks?q=${encodeURIComponent(q)}`)).body.tasks.map((k) => k.id);
  assert.deepEqual(await find('bravo'), [t.id]);
  let res = await user.req('PATCH', `/api/tasks/${t.id}`, { json: { title: 'delta', description: 'echo' } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(await find('bravo'), []);
  assert.deepEqual(await find('charlie'), []);
  assert.deepEqual(await find('DELTA'), [t.id]);
  assert.deepEqual(await find('ech'), [t.id]);
  res = await user.req('DELETE', `/api/tasks/${t.id}`);
  assert.equal(res.status, 204);
  assert.deepEqual(await find('delta'), []);
});

// Pages at an offset of 500 or more are read from the nearer end of the
// list (HACKING.md, 4a): they must be exactly the pages a walk from the
// start would give, for every status, sort and order, up to and past the
// end. 720 tasks with ties in every key (same title but for case, several
// per millisecond), every third completed, every fifth renamed later.
test('deep pages (offset 500 and more) are the same tasks in the same order as a sorted walk', async () => {
  const user = await newUser(fx.base);
  const tasks = new Map();
  const keep = (t) => tasks.set(t.id, t);
  const n = 720;
  for (let i = 0; i < n; i += 24) {
    const batch = await Promise.all(Array.from({ length: Math.min(24, n - i) }, (_, j) => createTask(user, {
      title: `${(i + j) % 2 ? 'Item' : 'item'} ${String((i + j) * 37 % 101).padStart(3, '0')}`,
    })));
    batch.forEach(keep);
  }
  const ids = [...tasks.keys()];
  for (const id of ids.filter((_, i) => i % 5 === 0)) {
    const res = await user.req('PATCH', `/api/tasks/${id}`, { json: { title: `renamed ${id % 7}` } });
    assert.equal(res.status, 200, res.text);
    keep(res.body);
  }
  for (const id of ids.filter((_, i) => i % 3 === 0)) {
    const res = await user.req('PATCH', `/api/tasks/${id}/complete`);
    assert.equal(res.status, 200, res.text);
    keep(res.body);
  }
  const key = {
    created: (t) => t.created_at,
    updated: (t) => t.updated_at,
    title: (t) => t.title.toLowerCase(), // ASCII titles: COLLATE NOCASE
  };
  for (const status of ['all', 'pending', 'completed']) {
    const mine = [...tasks.values()].filter((t) => status === 'all' || t.completed === (status === 'completed'));
    for (const sort of ['created', 'updated', 'title']) {
      for (const order of ['asc', 'desc']) {
        const sign = order === 'asc' ? 1 : -1;
        const want = [...mine].sort((a, b) => {
          const ka = key[sort](a), kb = key[sort](b);
          return sign * (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id);
        }).map((t) => t.id);
        const pages = [[500, 100], [555, 7], [600, 100], [want.length - 130, 100], [want.length - 1, 1],
          [want.length - 3, 50], [want.length, 10], [want.length + 40, 10]];
        for (const [offset, limit] of pages) {
          const res = await user.req('GET', `/api/tasks?status=${status}&sort=${sort}&order=${order}&limit=${limit}&offset=${offset}`);
          assert.equal(res.status, 200, res.text);
          assert.equal(res.body.total, want.length, `${status} ${sort} ${order} ${offset}: total`);
          assert.deepEqual(res.body.tasks.map((t) => t.id), want.slice(offset, offset + limit),
            `status=${status} sort=${sort} order=${order} offset=${offset} limit=${limit}`);
        }
      }
    }
  }
});
