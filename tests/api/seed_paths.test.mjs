// seed_paths.test.mjs: the seed's paths /api/{user_id}/tasks[/{id}[/complete]]
// behave exactly like /api/tasks... for the caller's own id and answer 403
// for any other id (CONTRACT.md "Tasks").

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  assertError, assertJsonType, assertLogHasNoSecrets, assertTask, assertTaskList, createTask, newUser,
  request, startServer, stopAndCheck,
} from './helpers.mjs';

let server;
let base;
let me;
let other;
before(async () => {
  server = await startServer();
  base = server.base;
  me = await newUser(base);
  other = await newUser(base);
});
after(async () => {
  await stopAndCheck(server);
});

const own = (suffix = '') => `/api/${me.id}/tasks${suffix}`;

test('POST /api/{own id}/tasks creates a task: 201, Task, Location ending in /tasks/{id}', async () => {
  const res = await me.req('POST', own(), { json: { title: 'seed create', description: 'via seed' } });
  assert.equal(res.status, 201, res.text);
  assertJsonType(res);
  assertTask(res.body);
  assert.equal(res.body.user_id, me.id);
  assert.equal(res.body.title, 'seed create');
  const location = res.headers.get('location');
  assert.ok(location && location.endsWith(`/tasks/${res.body.id}`), `Location: ${location}`);
  const direct = await me.req('GET', `/api/tasks/${res.body.id}`);
  assert.deepEqual(direct.body, res.body, 'the same task is seen through /api/tasks');
});

test('GET /api/{own id}/tasks lists like /api/tasks, query included', async () => {
  const a = await createTask(me, 'seed list alpha');
  const b = await createTask(me, { title: 'seed list beta', completed: true });
  const seed = await me.req('GET', own());
  assert.equal(seed.status, 200, seed.text);
  assertTaskList(seed.body);
  const plain = await me.req('GET', '/api/tasks');
  assert.deepEqual(seed.body, plain.body);
  const q = '?status=completed&q=seed%20list&sort=title&order=asc&limit=5&offset=0';
  const seedQ = await me.req('GET', own(q));
  const plainQ = await me.req('GET', `/api/tasks${q}`);
  assert.equal(seedQ.status, 200, seedQ.text);
  assert.deepEqual(seedQ.body, plainQ.body);
  assert.deepEqual(seedQ.body.tasks.map((t) => t.id), [b.id]);
  assert.ok(a.id !== b.id);
  assertError(await me.req('GET', own('?status=done')), 422, 'validation_failed');
});

test('GET, PUT, PATCH, PATCH complete and DELETE on /api/{own id}/tasks/{id} behave like /api/tasks/{id}', async () => {
  const task = await createTask(me, 'seed item');
  const got = await me.req('GET', own(`/${task.id}`));
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.body, task);

  const put = await me.req('PUT', own(`/${task.id}`), { json: { title: 'seed put' } });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.title, 'seed put');
  assert.ok(Date.parse(put.body.updated_at) > Date.parse(task.updated_at));

  const patch = await me.req('PATCH', own(`/${task.id}`), { json: { description: 'seed patch' } });
  assert.equal(patch.status, 200, patch.text);
  assert.equal(patch.body.description, 'seed patch');
  assert.equal(patch.body.title, 'seed put');

  const toggled = await me.req('PATCH', own(`/${task.id}/complete`));
  assert.equal(toggled.status, 200, toggled.text);
  assert.equal(toggled.body.completed, true);
  const set = await me.req('PATCH', own(`/${task.id}/complete`), { json: { completed: true } });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.completed, true);

  assertError(await me.req('PATCH', own(`/${task.id}`), { json: {} }), 422, 'validation_failed');
  assertError(await me.req('PUT', own(`/${task.id}`), { json: { title: 5 } }), 422, 'validation_failed', { field: 'title' });

  const del = await me.req('DELETE', own(`/${task.id}`));
  assert.equal(del.status, 204, del.text);
  assert.equal(del.text, '');
  assertError(await me.req('GET', own(`/${task.id}`)), 404, 'not_found');
  assertError(await me.req('GET', `/api/tasks/${task.id}`), 404, 'not_found');
});

test('/api/{own id}/tasks/{id} answers 404 for another user\'s task, a missing task and a bad id', async () => {
  const theirs = await createTask(other, 'not yours');
  for (const id of [theirs.id, 2000000000, 'abc', '0']) {
    assertError(await me.req('GET', own(`/${id}`)), 404, 'not_found');
    assertError(await me.req('PATCH', own(`/${id}/complete`)), 404, 'not_found');
  }
  const still = await other.req('GET', `/api/tasks/${theirs.id}`);
  assert.deepEqual(still.body, theirs);
});

test('every seed path with another user\'s id gets 403 forbidden and changes nothing', async () => {
  const theirs = await createTask(other, { title: 'other seed', description: 'keep' });
  const base403 = `/api/${other.id}/tasks`;
  const cases = [
    ['GET', base403, undefined],
    ['POST', base403, { title: 'intruder' }],
    ['GET', `${base403}/${theirs.id}`, undefined],
    ['PUT', `${base403}/${theirs.id}`, { title: 'intruder' }],
    ['PATCH', `${base403}/${theirs.id}`, { title: 'intruder' }],
    ['DELETE', `${base403}/${theirs.id}`, undefined],
    ['PATCH', `${base403}/${theirs.id}/complete`, undefined],
  ];
  for (const [method, p, json] of cases) {
    assertError(await me.req(method, p, json ? { json } : {}), 403, 'forbidden');
  }
  const still = await other.req('GET', `/api/tasks/${theirs.id}`);
  assert.deepEqual(still.body, theirs);
  const list = await other.req('GET', '/api/tasks?q=intruder');
  assert.equal(list.body.total, 0, 'no task was created for the other user');
});

test('a seed path with an id that is no user gets 403 forbidden', async () => {
  const nobody = randomUUID();
  assertError(await me.req('GET', `/api/${nobody}/tasks`), 403, 'forbidden');
  assertError(await me.req('POST', `/api/${nobody}/tasks`, { json: { title: 'x' } }), 403, 'forbidden');
  assertError(await me.req('GET', `/api/${nobody}/tasks/1`), 403, 'forbidden');
  assertError(await me.req('PATCH', `/api/${nobody}/tasks/1/complete`), 403, 'forbidden');
});

test('seed paths without a token get 401', async () => {
  assertError(await request(base, 'GET', own()), 401, 'unauthorized');
  assertError(await request(base, 'POST', own(), { json: { title: 'x' } }), 401, 'unauthorized');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(server);
});
