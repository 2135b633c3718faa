// isolation.test.mjs: a user never sees nor changes another user's tasks.
// CONTRACT.md: another user's task, a missing task and an id that is not a
// positive integer get 404, indistinguishable from each other.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertError, assertLogHasNoSecrets, createTask, newUser, startServer, stopAndCheck,
} from './helpers.mjs';

let server;
let base;
let alice;
let bob;
let aliceTask;
before(async () => {
  server = await startServer();
  base = server.base;
  alice = await newUser(base, { name: 'Alice' });
  bob = await newUser(base, { name: 'Bob' });
  aliceTask = await createTask(alice, { title: 'alice secret plan', description: 'only alice' });
});
after(async () => {
  await stopAndCheck(server);
});

async function assertAliceTaskUnchanged() {
  const res = await alice.req('GET', `/api/tasks/${aliceTask.id}`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, aliceTask, 'alice\'s task is unchanged');
}

const ops = [
  ['GET', '', undefined],
  ['PUT', '', { title: 'taken over' }],
  ['PATCH', '', { title: 'taken over', completed: true }],
  ['PATCH', '/complete', undefined],
  ['PATCH', '/complete', { completed: true }],
  ['DELETE', '', undefined],
];

for (const [method, suffix, json] of ops) {
  const label = `${method} /api/tasks/{id}${suffix}${json ? ' ' + JSON.stringify(json) : ''}`;
  test(`${label} on another user's task gets 404 (not 403) and the task is unchanged`, async () => {
    const res = await bob.req(method, `/api/tasks/${aliceTask.id}${suffix}`, json ? { json } : {});
    assertError(res, 404, 'not_found');
    await assertAliceTaskUnchanged();
  });
}

test('the 404 for another user\'s task is identical to the 404 for a missing task and for a bad id', async () => {
  for (const [method, suffix, json] of ops) {
    const opts = json ? { json } : {};
    const foreign = await bob.req(method, `/api/tasks/${aliceTask.id}${suffix}`, opts);
    const missing = await bob.req(method, `/api/tasks/2000000000${suffix}`, opts);
    const bad = await bob.req(method, `/api/tasks/abc${suffix}`, opts);
    assertError(foreign, 404, 'not_found');
    assertError(missing, 404, 'not_found');
    assertError(bad, 404, 'not_found');
    assert.deepEqual(foreign.body, missing.body, `${method}${suffix}: foreign vs missing`);
    assert.deepEqual(foreign.body, bad.body, `${method}${suffix}: foreign vs bad id`);
  }
  await assertAliceTaskUnchanged();
});

test('another user\'s list never contains the task, whatever the filter', async () => {
  const queries = ['', '?status=all', '?status=pending', '?q=alice', '?q=secret', '?sort=title&order=asc', '?limit=100'];
  for (const q of queries) {
    const res = await bob.req('GET', `/api/tasks${q}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.body.tasks.some((t) => t.id === aliceTask.id), `bob's list ${q} holds alice's task`);
    for (const t of res.body.tasks) assert.equal(t.user_id, bob.id);
    if (q.startsWith('?q=')) assert.equal(res.body.total, 0, `total for ${q} counts only bob's tasks`);
  }
});

test('a task created by one user is owned by them, whatever the other user does', async () => {
  const bobTask = await createTask(bob, 'bob task');
  assert.equal(bobTask.user_id, bob.id);
  const aliceList = await alice.req('GET', '/api/tasks?limit=100');
  assert.equal(aliceList.body.total, 1);
  assert.deepEqual(aliceList.body.tasks, [aliceTask]);
  const bobList = await bob.req('GET', '/api/tasks?limit=100');
  assert.deepEqual(bobList.body.tasks.map((t) => t.id), [bobTask.id]);
});

test('the owner can still use the task after the other user\'s attempts', async () => {
  const res = await alice.req('PATCH', `/api/tasks/${aliceTask.id}/complete`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.completed, true);
  const back = await alice.req('PATCH', `/api/tasks/${aliceTask.id}/complete`);
  assert.equal(back.body.completed, false);
  aliceTask = (await alice.req('GET', `/api/tasks/${aliceTask.id}`)).body;
  assertError(await bob.req('GET', `/api/tasks/${aliceTask.id}`), 404, 'not_found');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(server);
});
