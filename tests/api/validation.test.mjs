// validation.test.mjs: the input rules of CONTRACT.md at and just beyond
// each boundary, for registration and for tasks. Lengths are Unicode code
// points, never bytes or UTF-16 units.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertError, assertLogHasNoSecrets, assertTask, createTask, login, newUser, register, request,
  startServer, stopAndCheck, uniqueEmail, uniquePassword,
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

const cp = (s) => [...s].length;

// An email of exactly n characters (n >= 80) that is valid by every common
// rule too: local part of 64, labels of at most 63.
function emailOfLength(n) {
  const local = `v${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`.padEnd(64, 'x').slice(0, 64);
  let rest = n - 64 - 1 - 4; // room for the domain labels before ".com"
  const labels = [];
  while (rest > 0) {
    const len = Math.min(63, rest);
    labels.push('d'.repeat(len));
    rest -= len + 1; // each label but the last one before ".com" needs a dot
  }
  let domain = `${labels.join('.')}.com`;
  let email = `${local}@${domain}`;
  // adjust for the dot arithmetic
  while (email.length < n) { domain = `d${domain}`; email = `${local}@${domain}`; }
  while (email.length > n) { domain = domain.slice(1); email = `${local}@${domain}`; }
  return email.toLowerCase();
}

function reg(fields) {
  return register(base, { email: uniqueEmail(), password: uniquePassword(), name: 'Val', ...fields });
}

// ---- registration ------------------------------------------------------------

test('email of 254 characters is accepted', async () => {
  const email = emailOfLength(254);
  assert.equal(email.length, 254);
  const res = await reg({ email });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.user.email, email);
});

test('email of 255 characters gets 422 naming email', async () => {
  const email = emailOfLength(255);
  assert.equal(email.length, 255);
  assertError(await reg({ email }), 422, 'validation_failed', { field: 'email' });
});

test('email of 254 characters plus surrounding spaces is accepted (length counts after trimming)', async () => {
  const email = emailOfLength(254);
  const res = await reg({ email: `  ${email} ` });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.user.email, email);
});

test('email without @ gets 422 naming email', async () => {
  assertError(await reg({ email: 'no-at-sign.example.com' }), 422, 'validation_failed', { field: 'email' });
});

test('email without a dot in the domain gets 422 naming email', async () => {
  assertError(await reg({ email: `nodot-${Date.now()}@localhost` }), 422, 'validation_failed', { field: 'email' });
});

test('email with an empty local part, an empty domain, or empty gets 422', async () => {
  for (const email of ['@example.com', 'someone@', '', '   ']) {
    assertError(await reg({ email }), 422, 'validation_failed', { field: 'email' });
  }
});

test('password of 8 characters is accepted, 7 gets 422 naming password', async () => {
  const ok = await reg({ password: 'Pw8chars' });
  assert.equal(ok.status, 201, ok.text);
  assertError(await reg({ password: 'Pw7char' }), 422, 'validation_failed', { field: 'password' });
});

test('password of 128 characters is accepted, 129 gets 422 naming password', async () => {
  const ok = await reg({ password: 'p'.repeat(128) });
  assert.equal(ok.status, 201, ok.text);
  assertError(await reg({ password: 'p'.repeat(129) }), 422, 'validation_failed', { field: 'password' });
});

test('password length counts code points: 128 "é" and 128 emoji are accepted and log in', async () => {
  for (const ch of ['é', '😀']) {
    const password = ch.repeat(128);
    assert.equal(cp(password), 128);
    const email = uniqueEmail();
    const res = await register(base, { email, password, name: 'Uni' });
    assert.equal(res.status, 201, `${ch} x128: ${res.text}`);
    const again = await login(base, { email, password });
    assert.equal(again.status, 200, again.text);
  }
});

test('password of 129 multi-byte characters gets 422', async () => {
  assertError(await reg({ password: 'é'.repeat(129) }), 422, 'validation_failed', { field: 'password' });
  assertError(await reg({ password: '😀'.repeat(129) }), 422, 'validation_failed', { field: 'password' });
});

test('password of 7 multi-byte characters (14+ bytes) gets 422', async () => {
  assertError(await reg({ password: '😀'.repeat(7) }), 422, 'validation_failed', { field: 'password' });
});

test('name of 1 character is accepted, empty or only spaces gets 422 naming name', async () => {
  const ok = await reg({ name: 'A' });
  assert.equal(ok.status, 201, ok.text);
  assertError(await reg({ name: '' }), 422, 'validation_failed', { field: 'name' });
  assertError(await reg({ name: '   ' }), 422, 'validation_failed', { field: 'name' });
});

test('name of 100 multi-byte characters is accepted, 101 gets 422', async () => {
  const ok = await reg({ name: 'ü'.repeat(100) });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.user.name, 'ü'.repeat(100));
  const emoji = await reg({ name: '😀'.repeat(100) });
  assert.equal(emoji.status, 201, emoji.text);
  assertError(await reg({ name: 'ü'.repeat(101) }), 422, 'validation_failed', { field: 'name' });
  assertError(await reg({ name: 'n'.repeat(101) }), 422, 'validation_failed', { field: 'name' });
});

test('name of 100 characters with surrounding spaces is accepted (counted after trimming)', async () => {
  const ok = await reg({ name: `   ${'n'.repeat(100)}   ` });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.user.name, 'n'.repeat(100));
});

test('register with a missing field gets 422 naming it', async () => {
  for (const missing of ['email', 'password', 'name']) {
    const json = { email: uniqueEmail(), password: uniquePassword(), name: 'Val' };
    delete json[missing];
    const res = await request(base, 'POST', '/api/auth/register', { json });
    assertError(res, 422, 'validation_failed', { field: missing });
  }
});

test('register with a wrong JSON type gets 422 naming the field', async () => {
  const cases = [
    ['name', 5], ['email', 5], ['password', true], ['name', null], ['email', ['a@b.co']], ['password', { p: 1 }],
  ];
  for (const [field, value] of cases) {
    const json = { email: uniqueEmail(), password: uniquePassword(), name: 'Val', [field]: value };
    const res = await request(base, 'POST', '/api/auth/register', { json });
    assertError(res, 422, 'validation_failed', { field });
  }
});

test('register with an unknown field gets 422 naming it', async () => {
  const json = { email: uniqueEmail(), password: uniquePassword(), name: 'Val', admin: true };
  assertError(await request(base, 'POST', '/api/auth/register', { json }), 422, 'validation_failed', { field: 'admin' });
  const withId = { email: uniqueEmail(), password: uniquePassword(), name: 'Val', id: '00000000-0000-4000-8000-000000000000' };
  assertError(await request(base, 'POST', '/api/auth/register', { json: withId }), 422, 'validation_failed', { field: 'id' });
});

test('a rejected registration creates no account', async () => {
  const email = uniqueEmail();
  const password = uniquePassword();
  assertError(await register(base, { email, password, name: '   ' }), 422, 'validation_failed', { field: 'name' });
  assertError(await login(base, { email, password }), 401, 'invalid_credentials');
  const ok = await register(base, { email, password, name: 'Later' });
  assert.equal(ok.status, 201, ok.text);
});

test('validation messages never echo the password or the input', async () => {
  const password = 'Sh0rt!x';
  const res = await reg({ password, email: 'marker-xyzzy-no-at' });
  assertError(res, 422, 'validation_failed');
  assert.ok(!res.text.includes(password), 'the password is not echoed');
  assert.ok(!res.text.includes('xyzzy'), 'the input is not echoed');
});

// ---- tasks ---------------------------------------------------------------------

function post(json) {
  return owner.req('POST', '/api/tasks', { json });
}

test('title of 200 characters is accepted, 201 gets 422 naming title', async () => {
  const ok = await post({ title: 't'.repeat(200) });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.title, 't'.repeat(200));
  assertError(await post({ title: 't'.repeat(201) }), 422, 'validation_failed', { field: 'title' });
});

test('title length counts code points: 200 "€" or emoji accepted, 201 gets 422', async () => {
  for (const ch of ['€', '😀']) {
    const ok = await post({ title: ch.repeat(200) });
    assert.equal(ok.status, 201, `${ch} x200: ${ok.text}`);
    assert.equal(ok.body.title, ch.repeat(200));
    assertError(await post({ title: ch.repeat(201) }), 422, 'validation_failed', { field: 'title' });
  }
});

test('title that is empty or only spaces gets 422 naming title', async () => {
  assertError(await post({ title: '' }), 422, 'validation_failed', { field: 'title' });
  assertError(await post({ title: '   ' }), 422, 'validation_failed', { field: 'title' });
  assertError(await post({ title: ' \t\n ' }), 422, 'validation_failed', { field: 'title' });
});

test('title is trimmed, and 200 characters with surrounding spaces are accepted', async () => {
  const ok = await post({ title: '  Buy milk  ' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.title, 'Buy milk');
  const long = await post({ title: `  ${'x'.repeat(200)}  ` });
  assert.equal(long.status, 201, long.text);
  assert.equal(long.body.title, 'x'.repeat(200));
});

test('create without a title gets 422 naming title', async () => {
  assertError(await post({ description: 'no title' }), 422, 'validation_failed', { field: 'title' });
  assertError(await post({}), 422, 'validation_failed', { field: 'title' });
});

test('description of 1000 characters is accepted, 1001 gets 422 naming description', async () => {
  const ok = await post({ title: 'd', description: 'd'.repeat(1000) });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.description, 'd'.repeat(1000));
  assertError(await post({ title: 'd', description: 'd'.repeat(1001) }), 422, 'validation_failed', { field: 'description' });
});

test('description length counts code points: 1000 "€" accepted, 1001 gets 422', async () => {
  const ok = await post({ title: 'd', description: '€'.repeat(1000) });
  assert.equal(ok.status, 201, ok.text);
  assertError(await post({ title: 'd', description: '€'.repeat(1001) }), 422, 'validation_failed', { field: 'description' });
});

test('create with a wrong JSON type gets 422 naming the field', async () => {
  const cases = [
    [{ title: 5 }, 'title'],
    [{ title: null }, 'title'],
    [{ title: ['a'] }, 'title'],
    [{ title: 'x', completed: 'yes' }, 'completed'],
    [{ title: 'x', completed: 1 }, 'completed'],
    [{ title: 'x', description: 5 }, 'description'],
    [{ title: 'x', description: { a: 1 } }, 'description'],
  ];
  for (const [json, field] of cases) {
    assertError(await post(json), 422, 'validation_failed', { field });
  }
});

test('create with an unknown field gets 422 naming it', async () => {
  for (const field of ['user_id', 'id', 'created_at', 'priority']) {
    const json = { title: 'x', [field]: field === 'id' ? 7 : 'value' };
    assertError(await post(json), 422, 'validation_failed', { field });
  }
});

test('update with a wrong JSON type, an unknown field or a too-long value gets 422 and changes nothing', async () => {
  const task = await createTask(owner, { title: 'stable', description: 'keep' });
  const cases = [
    [{ completed: 'yes' }, 'completed'],
    [{ title: 5 }, 'title'],
    [{ title: null }, 'title'],
    [{ completed: null }, 'completed'],
    [{ description: 7 }, 'description'],
    [{ title: '   ' }, 'title'],
    [{ title: 'x'.repeat(201) }, 'title'],
    [{ description: 'x'.repeat(1001) }, 'description'],
    [{ user_id: owner.id }, 'user_id'],
    [{ id: 99 }, 'id'],
    [{ title: 'fine', created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
  ];
  for (const method of ['PUT', 'PATCH']) {
    for (const [json, field] of cases) {
      const res = await owner.req(method, `/api/tasks/${task.id}`, { json });
      assertError(res, 422, 'validation_failed', { field });
    }
  }
  const now = await owner.req('GET', `/api/tasks/${task.id}`);
  assert.deepEqual(now.body, task, 'the task is unchanged');
});

test('update with an empty object gets 422', async () => {
  const task = await createTask(owner, 'empty update');
  for (const method of ['PUT', 'PATCH']) {
    assertError(await owner.req(method, `/api/tasks/${task.id}`, { json: {} }), 422, 'validation_failed');
  }
});

test('PATCH /complete with a wrong type or an unknown field gets 422', async () => {
  const task = await createTask(owner, 'complete types');
  assertError(await owner.req('PATCH', `/api/tasks/${task.id}/complete`, { json: { completed: 'yes' } }), 422, 'validation_failed', { field: 'completed' });
  assertError(await owner.req('PATCH', `/api/tasks/${task.id}/complete`, { json: { title: 'x' } }), 422, 'validation_failed', { field: 'title' });
  const now = await owner.req('GET', `/api/tasks/${task.id}`);
  assert.equal(now.body.completed, false);
});

test('a task id that is not a positive integer gets 404 not_found on every task route', async () => {
  const bad = ['0', '-1', 'abc', '1.5', '99999999999999999999', '1e3', '0x10'];
  for (const id of bad) {
    const routes = [
      ['GET', `/api/tasks/${id}`, undefined],
      ['PUT', `/api/tasks/${id}`, { title: 'x' }],
      ['PATCH', `/api/tasks/${id}`, { title: 'x' }],
      ['DELETE', `/api/tasks/${id}`, undefined],
      ['PATCH', `/api/tasks/${id}/complete`, undefined],
    ];
    for (const [method, p, json] of routes) {
      const res = await owner.req(method, p, json ? { json } : {});
      assertError(res, 404, 'not_found');
    }
  }
});

test('created tasks pass the Task shape', async () => {
  const t = await createTask(owner, { title: 'shape', description: 'desc', completed: true });
  assertTask(t);
  assert.equal(t.description, 'desc');
  assert.equal(t.completed, true);
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(server);
});
