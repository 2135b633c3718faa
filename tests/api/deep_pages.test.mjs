// deep_pages.test.mjs: pages far into a long list (1,600 tasks: deep
// offsets are read as ids from a covering index, from the nearer end of
// the list, then the rows by id; on SQLite, past 512 from marks the server
// keeps while the user's tasks do not change) hold exactly the tasks the
// order puts there, after creates, title edits, toggles and deletes, in
// every sort, in both orders, with and without a status filter; then again
// after another user's write, and after more of the user's own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newUser, useServer } from './helpers.mjs';

const fx = useServer();

const TASKS = 1600;
const WORDS = ['alpha', 'Beta', 'GAMMA', 'delta', 'same', 'SAME'];

// Runs fn over items, at most `width` at a time.
async function inParallel(items, width, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += width) {
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  }
  return out;
}

// ASCII titles only: the stores fold ASCII case for the title order
// (SQLite NOCASE, PostgreSQL lower()), ties broken by id.
const byKey = (key) => (a, b) => {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
};
const ORDERS = {
  created: byKey((t) => Date.parse(t.created_at)),
  updated: byKey((t) => Date.parse(t.updated_at)),
  title: byKey((t) => t.title.toLowerCase()),
};

test('deep pages of a list of more than a thousand tasks hold the tasks the order puts there', async () => {
  const user = await newUser(fx.base);
  const other = await newUser(fx.base);
  const tasks = new Map();
  const keep = (res) => {
    assert.ok(res.status === 200 || res.status === 201, res.text);
    tasks.set(res.body.id, res.body);
  };

  const made = await inParallel([...Array(TASKS).keys()], 32, (i) => user.req('POST', '/api/tasks', {
    json: {
      title: i % 7 === 0 ? WORDS[4 + (i % 2)] : `${WORDS[i % 4]} ${String((i * 37) % 1000).padStart(4, '0')}`,
      completed: i % 3 === 0,
    },
  }));
  made.forEach(keep);
  const ids = [...tasks.keys()];
  // another user's task, with the next id: never on these pages
  assert.equal((await other.req('POST', '/api/tasks', { json: { title: 'alpha 0000' } })).status, 201);

  // edits: titles (some to another case of the same title), toggles, deletes
  await inParallel(ids.filter((_, k) => k % 11 === 0), 16, async (id) =>
    keep(await user.req('PATCH', `/api/tasks/${id}`, { json: { title: id % 2 ? 'Same' : `zeta ${id}` } })));
  await inParallel(ids.filter((_, k) => k % 13 === 0), 16, async (id) =>
    keep(await user.req('PATCH', `/api/tasks/${id}/complete`)));
  await inParallel(ids.filter((_, k) => k % 17 === 5), 16, async (id) => {
    const res = await user.req('DELETE', `/api/tasks/${id}`);
    assert.equal(res.status, 204, res.text);
    tasks.delete(id);
  });
  assert.ok(tasks.size > 1024, `${tasks.size} tasks`);

  await checkPages(user, tasks);
  // Four lists read again and again between changes (as many as a server
  // thread keeps marks of), each change followed by their pages.
  await checkPages(user, tasks, FEW);
  // another user's write leaves the user's lists (and their marks) as they were
  assert.equal((await other.req('POST', '/api/tasks', { json: { title: 'alpha 0001' } })).status, 201);
  await checkPages(user, tasks, FEW);
  // the user's own: titles that sort first, toggles, a delete, creates
  await inParallel(ids.filter((id, k) => k % 19 === 1 && tasks.has(id)), 16, async (id) =>
    keep(await user.req('PATCH', `/api/tasks/${id}`, { json: { title: `aardvark ${id}` } })));
  await checkPages(user, tasks, FEW);
  await inParallel(ids.filter((id, k) => k % 23 === 2 && tasks.has(id)), 16, async (id) =>
    keep(await user.req('PATCH', `/api/tasks/${id}/complete`)));
  await checkPages(user, tasks, FEW);
  const gone = ids.find((id, k) => k > 600 && tasks.has(id));
  assert.equal((await user.req('DELETE', `/api/tasks/${gone}`)).status, 204);
  tasks.delete(gone);
  await checkPages(user, tasks, FEW);
  (await inParallel([...Array(20).keys()], 10, (i) => user.req('POST', '/api/tasks', {
    json: { title: `middle ${i}`, completed: i % 2 === 0 },
  }))).forEach(keep);
  await checkPages(user, tasks, FEW);
  await checkPages(user, tasks);
});

// the unfiltered list by title and by update time, in both orders, at
// offsets more than 512 from either end
const FEW = { statuses: ['all'], sorts: ['updated', 'title'], offsets: (n) => [[733, 7], [n - 760, 100]] };

async function checkPages(user, tasks, only) {
  for (const status of only?.statuses ?? ['all', 'pending', 'completed']) {
    const inList = [...tasks.values()].filter((t) => status === 'all' || t.completed === (status === 'completed'));
    for (const [sort, cmp] of Object.entries(ORDERS)) {
      if (only && !only.sorts.includes(sort)) continue;
      const asc = [...inList].sort(cmp);
      for (const order of ['asc', 'desc']) {
        const want = order === 'asc' ? asc : [...asc].reverse();
        const pages = (only?.offsets(inList.length) ??
          [[500, 100], [733, 7], [inList.length - 510, 100], [inList.length - 1, 5]])
          .filter(([offset]) => offset >= 0);
        for (const [offset, limit] of pages) {
          const page = await user.req('GET', `/api/tasks?status=${status}&sort=${sort}&order=${order}` +
            `&offset=${offset}&limit=${limit}`);
          assert.equal(page.status, 200, page.text);
          assert.equal(page.body.total, inList.length, `${status} ${sort} ${order} total`);
          assert.deepEqual(page.body.tasks.map((t) => t.id), want.slice(offset, offset + limit).map((t) => t.id),
            `status=${status} sort=${sort} order=${order} offset=${offset} limit=${limit}`);
        }
      }
    }
  }
}
