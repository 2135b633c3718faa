// tokens.test.mjs: the access token of CONTRACT.md "Tokens": its claims,
// every reason to refuse one with 401, where it may be carried (Bearer
// header or cookie, never the query string), the Origin check on
// cookie-authenticated writes, and the lifetime setting.

import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  DEFAULT_TTL, TEST_SECRET, UUID_RE, assertAuthResponse, assertError, assertLogHasNoSecrets, createTask, decodeJwt,
  forgeToken, newUser, nowSeconds, request, sleep, startServer, stopAndCheck,
} from './helpers.mjs';

let server;
let base;
let user;
let claims; // the claims of user's real token
before(async () => {
  server = await startServer();
  base = server.base;
  user = await newUser(base);
  claims = decodeJwt(user.token).payload;
});
after(async () => {
  await stopAndCheck(server);
});

const me = (token) => request(base, 'GET', '/api/auth/me', { token });

test('the access token is a JWT with header alg HS256', () => {
  const { header, signature } = decodeJwt(user.token);
  assert.equal(header.alg, 'HS256');
  assert.match(signature, /^[A-Za-z0-9_-]{43}$/, 'an HS256 signature is 32 bytes of base64url');
});

test('the token carries sub, email, sid, iat, exp and iss "todod"', () => {
  assert.equal(claims.sub, user.id);
  assert.match(claims.sub, UUID_RE);
  assert.equal(claims.email, user.email);
  assert.equal(typeof claims.sid, 'string');
  assert.ok(claims.sid.length > 0, 'sid is not empty');
  assert.ok(Number.isInteger(claims.iat), 'iat is an integer');
  assert.ok(Number.isInteger(claims.exp), 'exp is an integer');
  assert.equal(claims.iss, 'todod');
  assert.ok(Math.abs(claims.iat - nowSeconds()) < 120, 'iat is about now');
});

test('exp - iat equals expires_in, 604800 by default', async () => {
  assert.equal(claims.exp - claims.iat, DEFAULT_TTL);
  const again = await request(base, 'POST', '/api/auth/login', { json: { email: user.email, password: user.password } });
  assert.equal(again.status, 200, again.text);
  const c = decodeJwt(again.body.access_token).payload;
  assert.equal(c.exp - c.iat, again.body.expires_in);
  assert.equal(again.body.expires_in, DEFAULT_TTL);
  assert.notEqual(c.sid, claims.sid, 'each login is its own session');
});

test('a token re-signed with the server secret and the same claims is accepted (control for the forgeries below)', async () => {
  const token = forgeToken(claims);
  const res = await me(token);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.user.id, user.id);
});

test('a missing token gets 401 with WWW-Authenticate: Bearer', async () => {
  assertError(await request(base, 'GET', '/api/auth/me'), 401, 'unauthorized');
  assertError(await request(base, 'GET', '/api/tasks'), 401, 'unauthorized');
});

test('a malformed token or another scheme gets 401', async () => {
  const bads = ['abc', 'a.b', 'a.b.c', '..', `${user.token}.x`, user.token.slice(0, -10), 'x'.repeat(5000)];
  for (const bad of bads) assertError(await me(bad), 401, 'unauthorized');
  for (const header of [`Basic ${Buffer.from('a:b').toString('base64')}`, `Token ${user.token}`, user.token, 'Bearer', 'Bearer ']) {
    assertError(await request(base, 'GET', '/api/auth/me', { headers: { Authorization: header } }), 401, 'unauthorized');
  }
});

test('a bad signature gets 401', async () => {
  const [h, p, s] = user.token.split('.');
  const flipped = (s[5] === 'A' ? 'B' : 'A');
  const tampered = `${h}.${p}.${s.slice(0, 5)}${flipped}${s.slice(6)}`;
  assertError(await me(tampered), 401, 'unauthorized');
  assertError(await me(`${h}.${p}.`), 401, 'unauthorized');
});

test('a changed payload under the original signature gets 401', async () => {
  const other = await newUser(base);
  const [h, , s] = user.token.split('.');
  const payload = Buffer.from(JSON.stringify({ ...claims, sub: other.id, email: other.email })).toString('base64url');
  assertError(await me(`${h}.${payload}.${s}`), 401, 'unauthorized');
});

test('alg "none" with an empty signature gets 401', async () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const token = forgeToken(claims, { header: { alg, typ: 'JWT' } });
    assert.ok(token.endsWith('.'), 'empty signature');
    assertError(await me(token), 401, 'unauthorized');
  }
});

test('alg "none" carrying a valid HS256 signature gets 401', async () => {
  const token = forgeToken(claims, { header: { alg: 'none', typ: 'JWT' }, signWith: 'HS256' });
  assertError(await me(token), 401, 'unauthorized');
});

test('an HS512 or HS384 token signed with the right secret gets 401', async () => {
  for (const alg of ['HS512', 'HS384']) {
    assertError(await me(forgeToken(claims, { header: { alg, typ: 'JWT' } })), 401, 'unauthorized');
  }
});

test('an RS256 or EdDSA header gets 401 even with an HS256 signature', async () => {
  for (const alg of ['RS256', 'EdDSA', 'ES256', 'hs256', '']) {
    assertError(await me(forgeToken(claims, { header: { alg, typ: 'JWT' }, signWith: 'HS256' })), 401, 'unauthorized');
  }
  assertError(await me(forgeToken(claims, { header: { typ: 'JWT' }, signWith: 'HS256' })), 401, 'unauthorized');
});

test('an HS256 token signed with another secret gets 401', async () => {
  const token = forgeToken(claims, { secret: 'another-secret-of-enough-length-0123456789abcdef' });
  assertError(await me(token), 401, 'unauthorized');
});

test('an expired token (exp = now - 5) gets 401', async () => {
  const now = nowSeconds();
  const token = forgeToken({ ...claims, iat: now - 100, exp: now - 5 });
  assertError(await me(token), 401, 'unauthorized');
  assertError(await request(base, 'GET', '/api/tasks', { token }), 401, 'unauthorized');
});

test('a token missing sub, sid or exp gets 401', async () => {
  for (const claim of ['sub', 'sid', 'exp']) {
    const c = { ...claims };
    delete c[claim];
    assertError(await me(forgeToken(c)), 401, 'unauthorized');
  }
});

test('a token with a mistyped sub, sid or exp gets 401', async () => {
  assertError(await me(forgeToken({ ...claims, exp: String(claims.exp) })), 401, 'unauthorized');
  assertError(await me(forgeToken({ ...claims, sub: 12 })), 401, 'unauthorized');
  assertError(await me(forgeToken({ ...claims, sid: null })), 401, 'unauthorized');
});

test('a well-formed token for a session that does not exist gets 401', async () => {
  assertError(await me(forgeToken({ ...claims, sid: randomUUID() })), 401, 'unauthorized');
  assertError(await me(forgeToken({ ...claims, sid: `${claims.sid}x` })), 401, 'unauthorized');
});

test('a well-formed token for a user that does not exist gets 401', async () => {
  assertError(await me(forgeToken({ ...claims, sub: randomUUID() })), 401, 'unauthorized');
});

test('a token in the query string (?access_token= or ?token=) with no header gets 401', async () => {
  for (const name of ['access_token', 'token']) {
    const q = `?${name}=${encodeURIComponent(user.token)}`;
    assertError(await request(base, 'GET', `/api/auth/me${q}`), 401, 'unauthorized');
    assertError(await request(base, 'GET', `/api/tasks${q}`), 401, 'unauthorized');
  }
});

// ---- cookie ------------------------------------------------------------------

test('the todod_token cookie authenticates GET', async () => {
  const res = await request(base, 'GET', '/api/auth/me', { cookie: user.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.user.id, user.id);
});

test('a cookie-authenticated POST, PUT, PATCH or DELETE with a foreign Origin gets 403 and changes nothing', async () => {
  const u = await newUser(base);
  const task = await createTask(u, 'origin-guarded');
  for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, 'http://localhost']) {
    const headers = { Origin: origin };
    assertError(await request(base, 'POST', '/api/tasks', { cookie: u.cookie, headers, json: { title: 'csrf' } }), 403, 'forbidden');
    assertError(await request(base, 'PUT', `/api/tasks/${task.id}`, { cookie: u.cookie, headers, json: { title: 'csrf' } }), 403, 'forbidden');
    assertError(await request(base, 'PATCH', `/api/tasks/${task.id}`, { cookie: u.cookie, headers, json: { title: 'csrf' } }), 403, 'forbidden');
    assertError(await request(base, 'PATCH', `/api/tasks/${task.id}/complete`, { cookie: u.cookie, headers }), 403, 'forbidden');
    assertError(await request(base, 'DELETE', `/api/tasks/${task.id}`, { cookie: u.cookie, headers }), 403, 'forbidden');
    assertError(await request(base, 'POST', '/api/auth/logout', { cookie: u.cookie, headers }), 403, 'forbidden');
  }
  const now = await u.req('GET', `/api/tasks/${task.id}`);
  assert.deepEqual(now.body, task, 'the task is unchanged');
  const list = await u.req('GET', '/api/tasks');
  assert.equal(list.body.total, 1, 'no task was created');
  const still = await request(base, 'GET', '/api/auth/me', { cookie: u.cookie });
  assert.equal(still.status, 200, 'the session was not logged out');
});

test('a cookie-authenticated GET with a foreign Origin is still answered', async () => {
  const res = await request(base, 'GET', '/api/tasks', { cookie: user.cookie, headers: { Origin: 'http://evil.example' } });
  assert.equal(res.status, 200, res.text);
});

test('a cookie-authenticated write with the server\'s own Origin is allowed', async () => {
  const u = await newUser(base);
  const headers = { Origin: server.origin };
  const created = await request(base, 'POST', '/api/tasks', { cookie: u.cookie, headers, json: { title: 'same origin' } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id;
  const put = await request(base, 'PUT', `/api/tasks/${id}`, { cookie: u.cookie, headers, json: { title: 'put' } });
  assert.equal(put.status, 200, put.text);
  const patch = await request(base, 'PATCH', `/api/tasks/${id}`, { cookie: u.cookie, headers, json: { title: 'patch' } });
  assert.equal(patch.status, 200, patch.text);
  const done = await request(base, 'PATCH', `/api/tasks/${id}/complete`, { cookie: u.cookie, headers });
  assert.equal(done.status, 200, done.text);
  const del = await request(base, 'DELETE', `/api/tasks/${id}`, { cookie: u.cookie, headers });
  assert.equal(del.status, 204, del.text);
});

test('a cookie-authenticated write without an Origin header is allowed', async () => {
  const u = await newUser(base);
  const created = await request(base, 'POST', '/api/tasks', { cookie: u.cookie, json: { title: 'no origin' } });
  assert.equal(created.status, 201, created.text);
});

test('with a Bearer header the Origin check does not apply', async () => {
  const u = await newUser(base);
  const headers = { Origin: 'http://evil.example' };
  const created = await u.req('POST', '/api/tasks', { headers, json: { title: 'bearer' } });
  assert.equal(created.status, 201, created.text);
  const del = await u.req('DELETE', `/api/tasks/${created.body.id}`, { headers });
  assert.equal(del.status, 204, del.text);
});

test('a revoked token is refused in the cookie too', async () => {
  const u = await newUser(base);
  const out = await u.req('POST', '/api/auth/logout');
  assert.equal(out.status, 204, out.text);
  assertError(await request(base, 'GET', '/api/tasks', { cookie: u.cookie }), 401, 'unauthorized');
});

test('the request log never contains a password, token or cookie used in this file', async () => {
  assertLogHasNoSecrets(server);
});

// ---- lifetime ---------------------------------------------------------------

test('TODOD_TOKEN_TTL=2: expires_in and exp - iat are 2, and the token is refused after ~3.5 s', async (t) => {
  const short = await startServer({ env: { TODOD_TOKEN_TTL: '2' } });
  t.after(() => stopAndCheck(short));
  const u = await newUser(short.base);
  const reg = await request(short.base, 'POST', '/api/auth/login', { json: { email: u.email, password: u.password } });
  assert.equal(reg.status, 200, reg.text);
  assertAuthResponse(reg.body, { ttl: 2 });
  const c = decodeJwt(reg.body.access_token).payload;
  assert.equal(c.exp - c.iat, 2);
  const fresh = await request(short.base, 'GET', '/api/auth/me', { token: reg.body.access_token });
  assert.equal(fresh.status, 200, fresh.text);
  await sleep(3500);
  assertError(await request(short.base, 'GET', '/api/auth/me', { token: reg.body.access_token }), 401, 'unauthorized');
  assertError(await request(short.base, 'GET', '/api/tasks', { token: u.token }), 401, 'unauthorized');
});

// ---- issuer and claimed lifetime --------------------------------------------

test('a token without iss, or with another issuer, gets 401', async () => {
  const { iss, ...noIss } = claims;
  assert.equal(iss, 'todod');
  assertError(await me(forgeToken(noIss)), 401, 'unauthorized');
  for (const other of ['other', 'TODOD', 'todod ', '', null, 7]) {
    assertError(await me(forgeToken({ ...claims, iss: other })), 401, 'unauthorized');
  }
  assert.equal((await me(forgeToken(claims))).status, 200, 'control: the same claims with iss "todod" pass');
});

test('TODOD_ISSUER names the issuer: its tokens carry it, and "todod" is then refused', async (t) => {
  const other = await startServer({ env: { TODOD_ISSUER: 'todo.example' } });
  t.after(() => stopAndCheck(other));
  const u = await newUser(other.base);
  const c = decodeJwt(u.token).payload;
  assert.equal(c.iss, 'todo.example');
  const ok = await request(other.base, 'GET', '/api/auth/me', { token: forgeToken(c) });
  assert.equal(ok.status, 200, ok.text);
  assertError(await request(other.base, 'GET', '/api/auth/me', { token: forgeToken({ ...c, iss: 'todod' }) }), 401, 'unauthorized');
});

test('a lifetime longer than TODOD_TOKEN_TTL + 1 s gets 401, exp - iat or exp - now without iat', async () => {
  const now = nowSeconds();
  // exp = 2^63 - 1 (as a JSON number JavaScript cannot hold exactly, written by hand)
  const forged = forgeToken({ ...claims, exp: 0 }).split('.');
  const payload = Buffer.from(forged[1], 'base64url').toString().replace('"exp":0', '"exp":9223372036854775807');
  const raw = `${forged[0]}.${Buffer.from(payload).toString('base64url')}`;
  const sig = createHmac('sha256', TEST_SECRET).update(raw).digest('base64url');
  assertError(await me(`${raw}.${sig}`), 401, 'unauthorized');

  assertError(await me(forgeToken({ ...claims, iat: now, exp: now + DEFAULT_TTL + 3 })), 401, 'unauthorized');
  assertError(await me(forgeToken({ ...claims, iat: now - DEFAULT_TTL, exp: now + 60 })), 401, 'unauthorized');
  const { iat, ...noIat } = claims;
  assert.ok(iat);
  assertError(await me(forgeToken({ ...noIat, exp: now + DEFAULT_TTL + 30 })), 401, 'unauthorized');
  // controls: the longest lifetime the server issues is accepted, with and without iat
  assert.equal((await me(forgeToken({ ...claims, iat: now, exp: now + DEFAULT_TTL }))).status, 200);
  assert.equal((await me(forgeToken({ ...noIat, exp: now + DEFAULT_TTL - 30 }))).status, 200);
});

test('with both a Bearer token and the cookie, the Bearer token decides, both ways', async () => {
  const other = await newUser(base);
  const both = await request(base, 'GET', '/api/auth/me', { token: user.token, cookie: other.token });
  assert.equal(both.status, 200, both.text);
  assert.equal(both.body.user.id, user.id, 'the Bearer user, not the cookie user');
  const swapped = await request(base, 'GET', '/api/auth/me', { token: other.token, cookie: user.token });
  assert.equal(swapped.body.user.id, other.id);
  // a bad Bearer token with a good cookie is 401: the cookie is not a fallback
  assertError(await request(base, 'GET', '/api/auth/me', { token: 'not.a.token', cookie: user.token }), 401, 'unauthorized');
  assertError(await request(base, 'GET', '/api/auth/me', { token: forgeToken({ ...claims, iss: 'x' }), cookie: user.token }), 401, 'unauthorized');
  // a good Bearer token with a bad cookie is answered
  const good = await request(base, 'GET', '/api/auth/me', { token: user.token, cookie: 'garbage' });
  assert.equal(good.status, 200, good.text);
});
