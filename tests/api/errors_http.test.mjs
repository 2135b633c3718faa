// errors_http.test.mjs: CONTRACT.md "General": the error body on every
// path, 404 and 405 routing, media type, body size, JSON and UTF-8 checks.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  allowList, assertError, assertJsonType, assertLogHasNoSecrets, createTask, newUser, request,
  startServer, stopAndCheck,
} from './helpers.mjs';

let server;
let base;
let user;
let task;
before(async () => {
  server = await startServer();
  base = server.base;
  user = await newUser(base);
  task = await createTask(user, 'http checks');
});
after(async () => {
  await stopAndCheck(server);
});

const KIB64 = 64 * 1024;

// ---- routing -------------------------------------------------------------------

test('an unknown route gets 404 not_found as JSON, under /api and elsewhere', async () => {
  for (const p of ['/api/nope', '/api/tasks/1/nope', '/api/auth/nope', '/api', '/no-such-page-at-all', '/api/tasks/1/complete/x']) {
    assertError(await user.req('GET', p), 404, 'not_found');
  }
  assertError(await user.req('POST', '/api/nope', { json: {} }), 404, 'not_found');
  assertError(await request(base, 'GET', '/api/nope'), 404, 'not_found');
});

const allowCases = [
  ['/api/tasks', ['DELETE', 'PUT', 'PATCH'], ['GET', 'POST']],
  ['/api/tasks/{id}', ['POST'], ['DELETE', 'GET', 'PATCH', 'PUT']],
  ['/api/tasks/{id}/complete', ['GET', 'POST', 'PUT', 'DELETE'], ['PATCH']],
  ['/api/auth/register', ['GET', 'PUT'], ['POST']],
  ['/api/auth/login', ['GET', 'DELETE'], ['POST']],
  ['/api/auth/logout', ['GET'], ['POST']],
  ['/api/auth/me', ['POST', 'DELETE'], ['GET']],
  ['/healthz', ['POST'], ['GET']],
  ['/api/{user_id}/tasks', ['DELETE', 'PATCH'], ['GET', 'POST']],
  ['/api/{user_id}/tasks/{id}', ['POST'], ['DELETE', 'GET', 'PATCH', 'PUT']],
  ['/api/{user_id}/tasks/{id}/complete', ['GET', 'PUT'], ['PATCH']],
];

for (const [route, wrong, right] of allowCases) {
  test(`${wrong.join('/')} on ${route} gets 405 with Allow: ${right.join(', ')}`, async () => {
    const p = route.replace('{id}', String(task.id)).replace('{user_id}', user.id);
    for (const method of wrong) {
      const res = await user.req(method, p, ['POST', 'PUT', 'PATCH'].includes(method) ? { json: {} } : {});
      assertError(res, 405, 'method_not_allowed');
      const allowed = allowList(res).filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
      assert.deepEqual(allowed, [...right].sort(), `Allow: ${res.headers.get('allow')}`);
    }
  });
}

// ---- content type ------------------------------------------------------------

test('every JSON response has Content-Type application/json', async () => {
  const checks = [
    await user.req('GET', '/api/tasks'),
    await user.req('GET', `/api/tasks/${task.id}`),
    await user.req('GET', '/api/auth/me'),
    await user.req('POST', '/api/tasks', { json: { title: 'ct' } }),
    await request(base, 'GET', '/healthz'),
    await request(base, 'GET', '/api/tasks'),
    await user.req('GET', '/api/nope'),
  ];
  for (const res of checks) assertJsonType(res);
});

test('a body with Content-Type text/plain gets 415 unsupported_media_type', async () => {
  const body = JSON.stringify({ title: 'plain' });
  const res = await user.req('POST', '/api/tasks', { body, headers: { 'Content-Type': 'text/plain' } });
  assertError(res, 415, 'unsupported_media_type');
  const put = await user.req('PUT', `/api/tasks/${task.id}`, { body, headers: { 'Content-Type': 'text/plain' } });
  assertError(put, 415, 'unsupported_media_type');
  const reg = await request(base, 'POST', '/api/auth/register', {
    body: JSON.stringify({ email: 'x@example.com', password: 'password1', name: 'x' }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assertError(reg, 415, 'unsupported_media_type');
});

test('a body without Content-Type gets 415', async () => {
  const res = await user.req('POST', '/api/tasks', { body: Buffer.from(JSON.stringify({ title: 'untyped' })) });
  assertError(res, 415, 'unsupported_media_type');
});

test('a look-alike media type (application/jsonx, text/json) gets 415', async () => {
  for (const type of ['application/jsonx', 'text/json', 'application/json-seq']) {
    const res = await user.req('POST', '/api/tasks', { body: JSON.stringify({ title: 'x' }), headers: { 'Content-Type': type } });
    assertError(res, 415, 'unsupported_media_type');
  }
});

test('Content-Type "application/json; charset=utf-8" is accepted', async () => {
  const res = await user.req('POST', '/api/tasks', {
    body: JSON.stringify({ title: 'with charset' }),
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.title, 'with charset');
});

// ---- body size -------------------------------------------------------------------

function bodyOfSize(size) {
  const head = '{"title":"';
  const tail = '"}';
  const buf = Buffer.from(head + 'a'.repeat(size - head.length - tail.length) + tail);
  assert.equal(buf.length, size);
  return buf;
}

test('a body of 64 KiB + 1 byte gets 413 payload_too_large', async () => {
  const res = await user.req('POST', '/api/tasks', { body: bodyOfSize(KIB64 + 1), headers: { 'Content-Type': 'application/json' } });
  assertError(res, 413, 'payload_too_large');
});

test('a body of exactly 64 KiB is processed (422 for the too-long title), not 413', async () => {
  const res = await user.req('POST', '/api/tasks', { body: bodyOfSize(KIB64), headers: { 'Content-Type': 'application/json' } });
  assertError(res, 422, 'validation_failed', { field: 'title' });
});

test('a chunked body over 64 KiB gets 413', async () => {
  const chunk = Buffer.from('a'.repeat(8192));
  let sent = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(Buffer.from('{"title":"'));
      if (sent >= 12) { controller.enqueue(Buffer.from('"}')); controller.close(); return; }
      controller.enqueue(chunk);
      sent += 1;
    },
  });
  let res;
  try {
    res = await user.req('POST', '/api/tasks', { body: stream, headers: { 'Content-Type': 'application/json' } });
  } catch (err) {
    assert.fail(`the server should answer 413, the request failed instead: ${err.cause?.code ?? err.message}`);
  }
  assertError(res, 413, 'payload_too_large');
});

test('nothing was created by the oversized bodies', async () => {
  const list = await user.req('GET', '/api/tasks?q=aaaaaaaaaa');
  assert.equal(list.body.total, 0);
});

// ---- JSON and UTF-8 --------------------------------------------------------------

test('invalid JSON gets 400 bad_request', async () => {
  const bads = ['{"title": ', '{title: "x"}', '{"title":"x"} trailing', '{"title":"x",}', "{'title':'x'}", '{"title":"x"', 'nope', '{"title":"\\x"}'];
  for (const body of bads) {
    const res = await user.req('POST', '/api/tasks', { body, headers: { 'Content-Type': 'application/json' } });
    assertError(res, 400, 'bad_request');
  }
});

test('invalid UTF-8 inside a JSON string gets 400', async () => {
  const bads = [
    Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), // overlong '/'
    Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // surrogate
    Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]), // truncated
  ];
  for (const body of bads) {
    const res = await user.req('POST', '/api/tasks', { body, headers: { 'Content-Type': 'application/json' } });
    assertError(res, 400, 'bad_request');
  }
  const reg = await request(base, 'POST', '/api/auth/register', {
    body: Buffer.concat([Buffer.from('{"email":"u8@example.com","password":"password1","name":"'), Buffer.from([0xff]), Buffer.from('"}')]),
    headers: { 'Content-Type': 'application/json' },
  });
  assertError(reg, 400, 'bad_request');
});

test('a JSON body that is not an object gets 400 or 422 with a JSON error', async () => {
  for (const body of ['[{"title":"x"}]', '"title"', '42', 'null', 'true']) {
    const res = await user.req('POST', '/api/tasks', { body, headers: { 'Content-Type': 'application/json' } });
    assert.ok([400, 422].includes(res.status), `${body}: expected 400 or 422, got ${res.status} ${res.text}`);
    assertError(res, res.status, res.status === 400 ? 'bad_request' : 'validation_failed');
  }
});

test('deeply nested JSON gets 400 or 422, and the server keeps serving', async () => {
  const body = `{"title":"x","description":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  const res = await user.req('POST', '/api/tasks', { body, headers: { 'Content-Type': 'application/json' } });
  assert.ok([400, 422].includes(res.status), `expected 400 or 422, got ${res.status} ${res.text.slice(0, 200)}`);
  assertError(res, res.status, res.status === 400 ? 'bad_request' : 'validation_failed');
  const health = await request(base, 'GET', '/healthz');
  assert.equal(health.status, 200);
});

test('a NUL character in a string gets 400 or 422, never stored', async () => {
  const res = await user.req('POST', '/api/tasks', { body: '{"title":"a\\u0000b"}', headers: { 'Content-Type': 'application/json' } });
  assert.ok([400, 422].includes(res.status), `expected 400 or 422, got ${res.status} ${res.text}`);
  assertError(res, res.status, res.status === 400 ? 'bad_request' : 'validation_failed');
});

test('a 400 for a bad body creates nothing and the task is unchanged', async () => {
  const res = await user.req('PATCH', `/api/tasks/${task.id}`, { body: '{"title":', headers: { 'Content-Type': 'application/json' } });
  assertError(res, 400, 'bad_request');
  const now = await user.req('GET', `/api/tasks/${task.id}`);
  assert.equal(now.body.title, task.title);
});

test('a 400 for a body says what is wrong with it, never quoting it', async () => {
  const cases = [
    ['', 'request body is empty: a JSON object is expected'],
    ['{"title":"secret words here",', 'request body is not valid JSON'],
    [Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff]), Buffer.from('"}')]), 'request body is not valid UTF-8'],
    ['{"title":"a","title":"b"}', 'request body gives a member twice'],
    ['{"ti\\u0000tle":"x"}', 'request body has a member name holding \\u0000'],
    ['["secret words here"]', 'request body must be a JSON object'],
    ['null', 'request body must be a JSON object'],
    ['{"title":"x","description":[[[[[[[[1]]]]]]]]}', 'request body nests objects or arrays more than 8 deep'],
  ];
  for (const [body, message] of cases) {
    for (const [method, path] of [['POST', '/api/tasks'], ['PATCH', `/api/tasks/${task.id}`]]) {
      const res = await user.req(method, path, { body, headers: { 'Content-Type': 'application/json' } });
      assertError(res, 400, 'bad_request');
      assert.equal(res.body.error.message, message, `${method} ${path} ${JSON.stringify(String(body))}`);
      assert.ok(!res.text.includes('secret words'), 'the body is not quoted');
    }
    const reg = await request(base, 'POST', '/api/auth/register', { body, headers: { 'Content-Type': 'application/json' } });
    assertError(reg, 400, 'bad_request');
    assert.equal(reg.body.error.message, message, `register ${JSON.stringify(String(body))}`);
  }
});

// ---- bodies of no-content answers --------------------------------------------

test('204 answers have no body', async () => {
  const t = await createTask(user, 'to delete');
  const res = await user.req('DELETE', `/api/tasks/${t.id}`);
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(server);
});
