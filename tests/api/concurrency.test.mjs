// concurrency.test.mjs: parallel writes are all kept, and a race to register
// one email has exactly one winner.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertError, assertLogHasNoSecrets, newUser, register, uniqueEmail,
  uniquePassword, useServer,
} from './helpers.mjs';

const fx = useServer();

test('50 parallel creates by one user all get 201 with 50 distinct ids, and the list counts 50', async () => {
  const user = await newUser(fx.base);
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => user.req('POST', '/api/tasks', { json: { title: `parallel ${i}` } })),
  );
  for (const res of results) assert.equal(res.status, 201, res.text);
  const ids = new Set(results.map((r) => r.body.id));
  assert.equal(ids.size, 50, 'ids are distinct');
  const titles = new Set(results.map((r) => r.body.title));
  assert.equal(titles.size, 50);
  const list = await user.req('GET', '/api/tasks?limit=100');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.total, 50);
  assert.deepEqual(new Set(list.body.tasks.map((t) => t.id)), ids);

  // one more: the default page holds 50 of the 51
  const extra = await user.req('POST', '/api/tasks', { json: { title: 'one more' } });
  assert.equal(extra.status, 201, extra.text);
  const page = await user.req('GET', '/api/tasks');
  assert.equal(page.body.total, 51);
  assert.equal(page.body.limit, 50);
  assert.equal(page.body.tasks.length, 50, 'the default limit is 50');
  assert.equal(page.body.tasks[0].id, extra.body.id, 'newest first');
});

test('parallel updates of one task all succeed and the task stays consistent', async () => {
  const user = await newUser(fx.base);
  const created = await user.req('POST', '/api/tasks', { json: { title: 'contended' } });
  const id = created.body.id;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => user.req('PATCH', `/api/tasks/${id}`, { json: { title: `v${i}` } })),
  );
  for (const res of results) assert.equal(res.status, 200, res.text);
  const final = await user.req('GET', `/api/tasks/${id}`);
  assert.match(final.body.title, /^v\d+$/);
  const latest = Math.max(...results.map((r) => Date.parse(r.body.updated_at)));
  assert.equal(Date.parse(final.body.updated_at), latest, 'the stored task is the last update');
});

test('parallel creates by two users keep each user\'s tasks apart', async () => {
  const [a, b] = await Promise.all([newUser(fx.base), newUser(fx.base)]);
  const reqs = [];
  for (let i = 0; i < 20; i++) {
    reqs.push(a.req('POST', '/api/tasks', { json: { title: `a${i}` } }));
    reqs.push(b.req('POST', '/api/tasks', { json: { title: `b${i}` } }));
  }
  const results = await Promise.all(reqs);
  for (const res of results) assert.equal(res.status, 201, res.text);
  const la = await a.req('GET', '/api/tasks?limit=100');
  const lb = await b.req('GET', '/api/tasks?limit=100');
  assert.equal(la.body.total, 20);
  assert.equal(lb.body.total, 20);
  assert.ok(la.body.tasks.every((t) => t.title.startsWith('a') && t.user_id === a.id));
  assert.ok(lb.body.tasks.every((t) => t.title.startsWith('b') && t.user_id === b.id));
});

test('10 parallel registrations of one email: exactly one 201, the rest 409 email_taken', async () => {
  const email = uniqueEmail('race');
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => register(fx.base, {
      email: i % 2 ? email : email.toUpperCase(), password: uniquePassword(), name: `Racer ${i}`,
    })),
  );
  const created = results.filter((r) => r.status === 201);
  const taken = results.filter((r) => r.status !== 201);
  assert.equal(created.length, 1, `statuses: ${results.map((r) => r.status).join(', ')}`);
  for (const res of taken) assertError(res, 409, 'email_taken');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(fx.server);
});
