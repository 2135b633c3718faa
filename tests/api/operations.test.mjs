// operations.test.mjs: CONTRACT.md "Operations": health and readiness,
// graceful shutdown on SIGTERM and SIGINT (requests in flight finish, exit 0
// within 10 s), and the request log on stderr.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  assertJsonType, assertLogHasNoSecrets, login, newUser, register, rememberSecret, request, sleep,
  rawConnection, startServer, stopAndCheck, uniqueEmail, uniquePassword,
} from './helpers.mjs';

let server;
let base;
let user;
before(async () => {
  server = await startServer();
  base = server.base;
  user = await newUser(base);
});
after(async () => {
  await stopAndCheck(server);
});

// ---- health ----------------------------------------------------------------------

test('GET /healthz answers 200 {"status":"ok"} as JSON, without a token', async () => {
  const res = await request(base, 'GET', '/healthz');
  assert.equal(res.status, 200, res.text);
  assertJsonType(res);
  assert.deepEqual(res.body, { status: 'ok' });
});

test('GET /healthz answers 200 even with a bad token', async () => {
  const res = await request(base, 'GET', '/healthz', { token: 'not-a-token' });
  assert.equal(res.status, 200, res.text);
});

test('GET /readyz answers 200 when the database answers', async () => {
  const res = await request(base, 'GET', '/readyz');
  assert.equal(res.status, 200, res.text);
  assertJsonType(res);
});

// ---- request log -----------------------------------------------------------------

const linesWith = (text) => server.stderr.split('\n').filter((l) => l.includes(text));

test('each request gets one log line with method, path and status', async () => {
  const probe = `/api/log-probe-${randomUUID()}`;
  for (let i = 0; i < 3; i++) {
    const res = await request(base, 'GET', probe);
    assert.equal(res.status, 404);
  }
  await server.waitForLog(() => linesWith(probe).length >= 3);
  await sleep(200);
  const lines = linesWith(probe);
  assert.equal(lines.length, 3, `one line per request:\n${lines.join('\n')}`);
  for (const line of lines) {
    assert.match(line, /\bGET\b/);
    assert.match(line, /\b404\b/);
  }
  const del = await request(base, 'DELETE', `${probe}-x`);
  assert.equal(del.status, 404);
  await server.waitForLog(() => linesWith(`${probe}-x`).length >= 1);
  assert.match(linesWith(`${probe}-x`)[0], /\bDELETE\b.*\b404\b|\b404\b.*\bDELETE\b/);
});

test('the log line of an authenticated request carries the time, method, path, status and user id', async () => {
  const id = 900000000 + Math.floor(Math.random() * 99999999);
  const res = await user.req('GET', `/api/tasks/${id}`);
  assert.equal(res.status, 404);
  await server.waitForLog(() => linesWith(`/api/tasks/${id}`).length >= 1);
  const [line] = linesWith(`/api/tasks/${id}`);
  assert.ok(line, 'a log line for the request');
  assert.match(line, /\bGET\b/);
  assert.match(line, /\b404\b/);
  assert.ok(line.includes(user.id), `the line names the user id ${user.id}: ${line}`);
  assert.match(line, /\d{2}:\d{2}:\d{2}|\b\d{10}\b/, `the line carries a time: ${line}`);
});

test('the log line of a login shows POST /api/auth/login 200 and no secret', async () => {
  const res = await login(base, user);
  assert.equal(res.status, 200, res.text);
  await server.waitForLog(() => linesWith('/api/auth/login').length >= 1);
  const lines = linesWith('/api/auth/login');
  assert.ok(lines.some((l) => /\bPOST\b/.test(l) && /\b200\b/.test(l)), lines.join('\n'));
});

test('a token sent in the query string is refused and does not reach the log', async () => {
  const marker = `m${Date.now()}`;
  const res = await request(base, 'GET', `/api/tasks?access_token=${encodeURIComponent(user.token)}&${marker}=1`);
  assert.equal(res.status, 401);
  await server.waitForLog(() => server.stderr.includes('/api/tasks'), 1000);
  await sleep(100);
  assert.ok(!server.stderr.includes(user.token), 'the token is not logged');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  // one more of each kind, then search the whole log
  const password = uniquePassword();
  const reg = await register(base, { email: uniqueEmail(), password, name: 'Log' });
  assert.equal(reg.status, 201, reg.text);
  await request(base, 'GET', '/api/auth/me', { cookie: user.cookie });
  await request(base, 'POST', '/api/auth/login', { json: { email: user.email, password: 'wrong-but-secret-pw' } });
  rememberSecret('wrong-but-secret-pw');
  await sleep(200);
  assertLogHasNoSecrets(server);
});

// ---- shutdown ----------------------------------------------------------------------

function loginRequest(port, email, password) {
  const body = JSON.stringify({ email, password });
  return `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

test('SIGTERM while logins are in flight: each still gets its 200, then the process exits 0 within 10 s', async () => {
  const srv = await startServer();
  try {
    const users = await Promise.all(Array.from({ length: 4 }, () => newUser(srv.base)));
    // Eight logins (two per user) hash a few at a time, so some are still
    // running when the signal arrives.
    const conns = Array.from({ length: 8 }, () => rawConnection(srv.port));
    await Promise.all(conns.map((c) => c.connected));
    await sleep(50); // let the server accept them
    conns.forEach((c, i) => c.send(loginRequest(srv.port, users[i % 4].email, users[i % 4].password)));
    await sleep(5); // the requests are read and hashing has begun
    const stopping = srv.stop('SIGTERM');
    const unanswered = conns.filter((c) => c.received() === '').length;
    assert.ok(unanswered > 0, 'some logins were still in flight at SIGTERM');
    const answers = await Promise.all(conns.map((c) => c.response));
    for (const { data, error } of answers) {
      assert.match(data, /^HTTP\/1\.[01] 200 /, `in-flight login answered${error ? ` (${error.code})` : ''}: ${JSON.stringify(data.slice(0, 200))}`);
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      const token = /"access_token"\s*:\s*"([^"]+)"/.exec(body);
      assert.ok(token, `the answer carries a token: ${body.slice(0, 200)}`);
      rememberSecret(token[1]);
    }
    const { code, signal, ms } = await stopping;
    assert.equal(signal, null, `killed by ${signal}`);
    assert.equal(code, 0, `exit code after SIGTERM; stderr:\n${srv.stderr.slice(-2000)}`);
    assert.ok(ms < 10_000, `exited in ${ms} ms`);
    assertLogHasNoSecrets(srv);
  } finally {
    await srv.stop().catch(() => {});
  }
});

test('SIGTERM on an idle server exits 0 within 10 s, even with an idle connection open', async (t) => {
  const srv = await startServer();
  t.after(() => srv.stop().catch(() => {}));
  const idle = rawConnection(srv.port);
  await idle.connected;
  const health = await request(srv.base, 'GET', '/healthz');
  assert.equal(health.status, 200);
  const { code, signal, ms } = await srv.stop('SIGTERM');
  idle.sock.destroy();
  assert.equal(signal, null);
  assert.equal(code, 0, srv.stderr.slice(-2000));
  assert.ok(ms < 10_000, `exited in ${ms} ms`);
});

test('SIGINT exits 0 within 10 s', async (t) => {
  const srv = await startServer();
  t.after(() => srv.stop().catch(() => {}));
  const health = await request(srv.base, 'GET', '/healthz');
  assert.equal(health.status, 200);
  const { code, signal, ms } = await srv.stop('SIGINT');
  assert.equal(signal, null);
  assert.equal(code, 0, srv.stderr.slice(-2000));
  assert.ok(ms < 10_000, `exited in ${ms} ms`);
});

test('after a restart on the same data directory, accounts and tasks are still there', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(tmpdir(), 'todod-api-restart-'));
  try {
    const first = await startServer({ dataDir: dir });
    const u = await newUser(first.base);
    const created = await u.req('POST', '/api/tasks', { json: { title: 'survives restart' } });
    assert.equal(created.status, 201);
    await stopAndCheck(first);
    const second = await startServer({ dataDir: dir });
    try {
      const got = await request(second.base, 'GET', `/api/tasks/${created.body.id}`, { token: u.token });
      assert.equal(got.status, 200, got.text);
      assert.deepEqual(got.body, created.body);
      const again = await login(second.base, u);
      assert.equal(again.status, 200, again.text);
    } finally {
      await stopAndCheck(second);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
