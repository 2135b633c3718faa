// nul.test.mjs: a NUL (\u0000) inside a JSON string is valid JSON, so the
// body is a JSON object and never a 400; but no field takes a NUL: every
// string field of every route with a body answers 422 validation_failed
// naming that field, and nothing is stored or changed. A password with a
// NUL is never taken for its prefix.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertError, assertLogHasNoSecrets, createTask, login, newUser, register, request, startServer,
  stopAndCheck, uniqueEmail, uniquePassword,
} from './helpers.mjs';

let server;
let base;
let owner;
before(async () => {
  server = await startServer();
  base = server.base;
  owner = await newUser(base);
});
after(async () => {
  await stopAndCheck(server);
});

// The places a NUL can sit in a value.
const withNul = (s) => [`${s}\u0000after`, `\u0000${s}`, `${s}\u0000`, '\u0000'];

test('register: a NUL in email, password or name is 422 naming it, and no account is made', async () => {
  for (const field of ['email', 'password', 'name']) {
    for (const variant of [0, 1, 2, 3]) {
      const creds = { email: uniqueEmail('nul'), password: uniquePassword(), name: 'Nul Tester' };
      const bad = { ...creds, [field]: withNul(creds[field])[variant] };
      const res = await register(base, bad);
      assertError(res, 422, 'validation_failed', { field });
      assert.deepEqual(Object.keys(res.body.error.fields), [field]);
      // nothing stored: the same email registers now, once
      const ok = await register(base, creds);
      assert.equal(ok.status, 201, `${field} variant ${variant}: ${ok.text}`);
    }
  }
});

test('login: a NUL in email or password is 422 naming it, never a login with the prefix', async () => {
  const creds = { email: uniqueEmail('nul-login'), password: uniquePassword(), name: 'Nul' };
  assert.equal((await register(base, creds)).status, 201);
  for (const field of ['email', 'password']) {
    for (const value of withNul(creds[field])) {
      const res = await login(base, { ...creds, [field]: value });
      assertError(res, 422, 'validation_failed', { field });
      assert.equal(res.headers.get('set-cookie'), null, 'no cookie');
    }
  }
  assert.equal((await login(base, creds)).status, 200, 'the failed attempts did not lock the account');
});

// Every route that takes a task body, both path forms.
function taskRoutes(user, id) {
  return [
    { method: 'POST', path: '/api/tasks', create: true },
    { method: 'POST', path: `/api/${user.id}/tasks`, create: true },
    { method: 'PUT', path: `/api/tasks/${id}` },
    { method: 'PATCH', path: `/api/tasks/${id}` },
    { method: 'PUT', path: `/api/${user.id}/tasks/${id}` },
    { method: 'PATCH', path: `/api/${user.id}/tasks/${id}` },
  ];
}

test('tasks: a NUL in title or description is 422 naming it on every route, and nothing changes', async () => {
  const task = await createTask(owner, { title: 'kept', description: 'kept too' });
  const before = await owner.req('GET', '/api/tasks?limit=100');
  assert.equal(before.status, 200);
  for (const route of taskRoutes(owner, task.id)) {
    for (const field of ['title', 'description']) {
      for (const value of withNul('text')) {
        const json = field === 'title' ? { title: value } : { title: 'ok title', description: value };
        const res = await owner.req(route.method, route.path, { json });
        assertError(res, 422, 'validation_failed', { field });
        assert.deepEqual(Object.keys(res.body.error.fields), [field], `${route.method} ${route.path}`);
      }
    }
  }
  const after = await owner.req('GET', '/api/tasks?limit=100');
  assert.deepEqual(after.body, before.body, 'no task was created or changed');
  const again = await owner.req('GET', `/api/tasks/${task.id}`);
  assert.equal(again.body.title, 'kept');
  assert.equal(again.body.description, 'kept too');
  assert.equal(again.body.updated_at, task.updated_at);
});

test('complete: its one field is a boolean, so a string with a NUL is 422 naming it', async () => {
  const task = await createTask(owner, 'to complete');
  for (const path of [`/api/tasks/${task.id}/complete`, `/api/${owner.id}/tasks/${task.id}/complete`]) {
    const res = await owner.req('PATCH', path, { json: { completed: 'true\u0000' } });
    assertError(res, 422, 'validation_failed', { field: 'completed' });
  }
  const again = await owner.req('GET', `/api/tasks/${task.id}`);
  assert.equal(again.body.completed, false);
});

test('the 422 message is JSON-safe and the log shows no secret', async () => {
  const res = await request(base, 'POST', '/api/tasks', { token: owner.token, json: { title: 'a\u0000b' } });
  assertError(res, 422, 'validation_failed', { field: 'title' });
  assert.ok(!res.text.includes('\u0000'), 'no raw NUL in the answer');
  assertLogHasNoSecrets(server, [owner.token]);
});
