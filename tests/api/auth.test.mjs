// auth.test.mjs: register, login, me and logout as CONTRACT.md
// "Authentication" describes them, cookie attributes included.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertAuthResponse, assertError, assertJsonType, assertKeys, assertLogHasNoSecrets, assertUser,
  createTask, login, loginUser, newUser, register, request, tokenCookie,
  uniqueEmail, uniquePassword, useServer,
} from './helpers.mjs';

const fx = useServer();

function assertSessionCookie(res) {
  const cookie = tokenCookie(res.headers);
  assert.ok(cookie, `a todod_token cookie is set; Set-Cookie: ${JSON.stringify(res.headers.getSetCookie())}`);
  assert.ok(cookie.value.length > 0, 'the cookie carries a value');
  assert.ok(cookie.attrs.has('httponly'), `cookie is HttpOnly: ${cookie.line}`);
  assert.equal((cookie.attrs.get('samesite') ?? '').toLowerCase(), 'strict', `cookie is SameSite=Strict: ${cookie.line}`);
  assert.equal(cookie.attrs.get('path'), '/', `cookie has Path=/: ${cookie.line}`);
  assert.ok(!cookie.attrs.has('secure'), `no Secure attribute over plain http: ${cookie.line}`);
  return cookie;
}

test('register answers 201 with {user, access_token, token_type "bearer", expires_in}', async () => {
  const email = uniqueEmail();
  const res = await register(fx.base, { email, password: uniquePassword(), name: 'Ada' });
  assert.equal(res.status, 201, res.text);
  assertJsonType(res);
  assertAuthResponse(res.body);
  assert.equal(res.body.user.email, email);
  assert.equal(res.body.user.name, 'Ada');
  const created = Date.parse(res.body.user.created_at);
  assert.ok(Math.abs(created - Date.now()) < 60_000, 'created_at is about now');
});

test('register sets the todod_token cookie HttpOnly, SameSite=Strict, Path=/, not Secure over http', async () => {
  const res = await register(fx.base, { email: uniqueEmail(), password: uniquePassword(), name: 'Ada' });
  assert.equal(res.status, 201, res.text);
  assertSessionCookie(res);
});

test('the todod_token cookie set by register authenticates GET requests', async () => {
  const res = await register(fx.base, { email: uniqueEmail(), password: uniquePassword(), name: 'Ada' });
  const cookie = tokenCookie(res.headers);
  const me = await request(fx.base, 'GET', '/api/auth/me', { cookie: cookie.value });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.user.id, res.body.user.id);
  const list = await request(fx.base, 'GET', '/api/tasks', { cookie: cookie.value });
  assert.equal(list.status, 200, list.text);
});

test('email is stored trimmed and lower-case', async () => {
  const local = `Mixed-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const res = await register(fx.base, { email: `  ${local}@Example.COM  `, password: uniquePassword(), name: 'Ada' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.user.email, `${local.toLowerCase()}@example.com`);
});

test('name is trimmed', async () => {
  const res = await register(fx.base, { email: uniqueEmail(), password: uniquePassword(), name: '  Grace Hopper  ' });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.user.name, 'Grace Hopper');
});

test('duplicate email gets 409 email_taken, case-insensitive and with surrounding spaces', async () => {
  const email = uniqueEmail('dup');
  const first = await register(fx.base, { email, password: uniquePassword(), name: 'First' });
  assert.equal(first.status, 201, first.text);
  const same = await register(fx.base, { email, password: uniquePassword(), name: 'Second' });
  assertError(same, 409, 'email_taken');
  const upper = await register(fx.base, { email: email.toUpperCase(), password: uniquePassword(), name: 'Third' });
  assertError(upper, 409, 'email_taken');
  const spaced = await register(fx.base, { email: `  ${email.replace('dup', 'DUP')}\t`, password: uniquePassword(), name: 'Fourth' });
  assertError(spaced, 409, 'email_taken');
});

test('a duplicate registration does not change the existing account', async () => {
  const email = uniqueEmail();
  const password = uniquePassword();
  const first = await register(fx.base, { email, password, name: 'Owner' });
  assert.equal(first.status, 201, first.text);
  const other = uniquePassword();
  assertError(await register(fx.base, { email, password: other, name: 'Intruder' }), 409, 'email_taken');
  const ok = await login(fx.base, { email, password });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.user.name, 'Owner');
  assertError(await login(fx.base, { email, password: other }), 401, 'invalid_credentials');
});

test('login answers 200 with the same shape as register and sets the cookie', async () => {
  const user = await newUser(fx.base, { name: 'Login Shape' });
  const res = await login(fx.base, { email: user.email, password: user.password });
  assert.equal(res.status, 200, res.text);
  assertJsonType(res);
  assertAuthResponse(res.body);
  assert.deepEqual(res.body.user, user.user);
  assertSessionCookie(res);
});

test('login compares the email trimmed and case-insensitively', async () => {
  const user = await newUser(fx.base);
  const res = await login(fx.base, { email: `  ${user.email.toUpperCase()} `, password: user.password });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.user.id, user.id);
});

test('each login issues a new working token', async () => {
  const user = await newUser(fx.base);
  const again = await loginUser(fx.base, user);
  assert.notEqual(again.token, user.token);
  const me = await again.req('GET', '/api/auth/me');
  assert.equal(me.status, 200, me.text);
});

test('wrong password and unknown email both get 401 invalid_credentials with identical bodies', async () => {
  const user = await newUser(fx.base);
  const wrong = await login(fx.base, { email: user.email, password: `${user.password}x` });
  const unknown = await login(fx.base, { email: uniqueEmail('nobody'), password: user.password });
  assertError(wrong, 401, 'invalid_credentials');
  assertError(unknown, 401, 'invalid_credentials');
  assert.deepEqual(wrong.body, unknown.body, 'the two answers are the same');
  assert.equal(tokenCookie(wrong.headers), undefined, 'no cookie on a failed login');
});

test('the invalid_credentials message does not tell which of email or password was wrong', async () => {
  const user = await newUser(fx.base);
  const wrong = await login(fx.base, { email: user.email, password: `${user.password}y` });
  assertError(wrong, 401, 'invalid_credentials');
  const msg = wrong.body.error.message;
  assert.doesNotMatch(msg, /not found|no such|unknown|does not exist|doesn't exist|not registered|wrong password|incorrect password|password is (wrong|incorrect)|email is (wrong|incorrect)/i);
});

test('login for an unknown email takes about as long as for a wrong password', async () => {
  // An answer that skips the password hash for unknown emails would be many
  // times faster; the contract wants about the same time.
  const user = await newUser(fx.base);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const known = [];
  const unknown = [];
  for (let i = 0; i < 4; i++) {
    const a = await login(fx.base, { email: user.email, password: `${user.password}-${i}` });
    assertError(a, 401, 'invalid_credentials');
    known.push(a.ms);
    const b = await login(fx.base, { email: uniqueEmail('ghost'), password: `${user.password}-${i}` });
    assertError(b, 401, 'invalid_credentials');
    unknown.push(b.ms);
  }
  assert.ok(median(unknown) >= median(known) * 0.3,
    `unknown email median ${median(unknown)} ms vs wrong password median ${median(known)} ms`);
});

test('login with a wrong JSON type or an unknown field gets 422 naming the field', async () => {
  const user = await newUser(fx.base);
  const typed = await request(fx.base, 'POST', '/api/auth/login', { json: { email: user.email, password: 12345678 } });
  assertError(typed, 422, 'validation_failed', { field: 'password' });
  const extra = await request(fx.base, 'POST', '/api/auth/login', { json: { email: user.email, password: user.password, remember: true } });
  assertError(extra, 422, 'validation_failed', { field: 'remember' });
});

test('GET /api/auth/me answers 200 {user} with exactly the User fields', async () => {
  const user = await newUser(fx.base, { name: 'Me Myself' });
  const res = await user.req('GET', '/api/auth/me');
  assert.equal(res.status, 200, res.text);
  assertJsonType(res);
  assertKeys(res.body, ['user'], 'me response');
  assertUser(res.body.user);
  assert.deepEqual(res.body.user, user.user);
});

test('GET /api/auth/me without a token gets 401 unauthorized', async () => {
  assertError(await request(fx.base, 'GET', '/api/auth/me'), 401, 'unauthorized');
});

test('logout answers 204 with no body and clears the cookie', async () => {
  const user = await newUser(fx.base);
  const res = await user.req('POST', '/api/auth/logout');
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '', '204 has no body');
  const cookie = tokenCookie(res.headers);
  assert.ok(cookie, `logout sends a Set-Cookie for todod_token: ${JSON.stringify(res.headers.getSetCookie())}`);
  const maxAge = cookie.attrs.get('max-age');
  const expires = cookie.attrs.get('expires');
  const cleared = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) < Date.now());
  assert.ok(cleared, `the cookie is expired (Max-Age=0 or a past Expires): ${cookie.line}`);
  assert.equal(cookie.attrs.get('path'), '/', 'the clearing cookie has the same Path=/');
});

test('after logout the same token gets 401 everywhere; another session of the user still works', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'before logout');
  const second = await loginUser(fx.base, user);
  // Use the token in parallel first, so every server thread has seen it good.
  const warm = await Promise.all(Array.from({ length: 16 }, () => user.req('GET', '/api/auth/me')));
  assert.deepEqual(warm.map((r) => r.status), Array(16).fill(200));
  const out = await user.req('POST', '/api/auth/logout');
  assert.equal(out.status, 204, out.text);
  const cold = await Promise.all(Array.from({ length: 16 }, () => user.req('GET', '/api/auth/me')));
  assert.deepEqual(cold.map((r) => r.status), Array(16).fill(401), 'refused at once on every thread');
  assertError(await user.req('GET', '/api/auth/me'), 401, 'unauthorized');
  assertError(await user.req('GET', '/api/tasks'), 401, 'unauthorized');
  assertError(await user.req('GET', `/api/tasks/${task.id}`), 401, 'unauthorized');
  assertError(await user.req('POST', '/api/tasks', { json: { title: 'after logout' } }), 401, 'unauthorized');
  assertError(await request(fx.base, 'GET', '/api/auth/me', { cookie: user.cookie }), 401, 'unauthorized');
  assertError(await user.req('POST', '/api/auth/logout'), 401, 'unauthorized');
  const me = await second.req('GET', '/api/auth/me');
  assert.equal(me.status, 200, me.text);
  const got = await second.req('GET', `/api/tasks/${task.id}`);
  assert.equal(got.status, 200, got.text);
});

test('logout by cookie revokes that session', async () => {
  const user = await newUser(fx.base);
  const out = await request(fx.base, 'POST', '/api/auth/logout', { cookie: user.cookie });
  assert.equal(out.status, 204, out.text);
  assertError(await user.req('GET', '/api/auth/me'), 401, 'unauthorized');
});

test('logout without a token gets 401 unauthorized', async () => {
  assertError(await request(fx.base, 'POST', '/api/auth/logout'), 401, 'unauthorized');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  await request(fx.base, 'GET', '/healthz');
  assertLogHasNoSecrets(fx.server);
});
