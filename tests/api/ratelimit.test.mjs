// ratelimit.test.mjs: login limits of CONTRACT.md: per email
// (TODOD_LOGIN_MAX_FAILURES in 15 minutes) and per client address (50),
// with the client address from X-Forwarded-For only under TODOD_TRUST_PROXY=1.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertError, assertLogHasNoSecrets, loggedMs, login, newUser, uniqueEmail, useServer,
} from './helpers.mjs';

const CLIENT_LIMIT = 50;

describe('per email, TODOD_LOGIN_MAX_FAILURES=3', () => {
  const fx = useServer({ env: { TODOD_LOGIN_MAX_FAILURES: '3' } });

  const fail = (email, password = 'wrong-password-123') => login(fx.base, { email, password });

  test('3 failed logins get 401 each, then 429 rate_limited with Retry-After even with the right password', async () => {
    const user = await newUser(fx.base);
    for (let i = 0; i < 3; i++) assertError(await fail(user.email), 401, 'invalid_credentials');
    const limited = await login(fx.base, user);
    assertError(limited, 429, 'rate_limited');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 15 * 60, `Retry-After within the 15-minute window: ${retry}`);
    assertError(await fail(user.email), 429, 'rate_limited');
  });

  test('the 429 is answered before any password is checked (no hashing time)', async () => {
    const user = await newUser(fx.base);
    const from = fx.server.stderr.length;
    for (let i = 0; i < 3; i++) assertError(await fail(user.email), 401, 'invalid_credentials');
    for (let i = 0; i < 3; i++) assertError(await login(fx.base, user), 429, 'rate_limited');
    // a refusal that skips the password hash is much faster than a failure
    // that hashed, in the server's own durations
    const logged = (status) => loggedMs(fx.server, 'POST /api/auth/login', status, fx.server.stderr.slice(from));
    assert.ok(await fx.server.waitForLog(() => logged(401).length >= 3 && logged(429).length >= 3), 'every request logged');
    const limited = logged(429);
    const times = logged(401);
    assert.ok(Math.min(...limited) * 2 < Math.min(...times), `429 took ${limited} ms, 401 took ${times} ms`);
  });

  test('another email is unaffected by one email\'s failures', async () => {
    const victim = await newUser(fx.base);
    const bystander = await newUser(fx.base);
    for (let i = 0; i < 3; i++) assertError(await fail(victim.email), 401, 'invalid_credentials');
    assertError(await login(fx.base, victim), 429, 'rate_limited');
    const ok = await login(fx.base, bystander);
    assert.equal(ok.status, 200, ok.text);
    assertError(await fail(bystander.email), 401, 'invalid_credentials');
  });

  test('case and surrounding spaces of the email count as the same email', async () => {
    const user = await newUser(fx.base);
    assertError(await fail(user.email.toUpperCase()), 401, 'invalid_credentials');
    assertError(await fail(`  ${user.email}  `), 401, 'invalid_credentials');
    assertError(await fail(` ${user.email.replace(/^u/, 'U')}`), 401, 'invalid_credentials');
    assertError(await login(fx.base, user), 429, 'rate_limited');
    assertError(await login(fx.base, { email: user.email.toUpperCase(), password: user.password }), 429, 'rate_limited');
  });

  test('failures for an email with no account count too', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 3; i++) assertError(await fail(ghost), 401, 'invalid_credentials');
    assertError(await fail(ghost), 429, 'rate_limited');
    assertError(await fail(ghost.toUpperCase()), 429, 'rate_limited');
  });

  test('a successful login before the limit clears the email\'s count', async () => {
    const user = await newUser(fx.base);
    assertError(await fail(user.email), 401, 'invalid_credentials');
    assertError(await fail(user.email), 401, 'invalid_credentials');
    const ok = await login(fx.base, user);
    assert.equal(ok.status, 200, ok.text);
    assertError(await fail(user.email), 401, 'invalid_credentials');
    assertError(await fail(user.email), 401, 'invalid_credentials');
    // without the reset this would be the 5th failure in the window: 429
    const again = await login(fx.base, user);
    assert.equal(again.status, 200, again.text);
  });

  test('registering is not limited by login failures, and the limit does not lock other routes', async () => {
    const user = await newUser(fx.base);
    for (let i = 0; i < 3; i++) assertError(await fail(user.email), 401, 'invalid_credentials');
    assertError(await login(fx.base, user), 429, 'rate_limited');
    const me = await user.req('GET', '/api/auth/me');
    assert.equal(me.status, 200, 'an existing session keeps working');
    const other = await newUser(fx.base);
    assert.ok(other.token);
  });

  test('only failures count: parallel logins with the right password all get 200', async () => {
    const user = await newUser(fx.base);
    const results = await Promise.all(Array.from({ length: 6 }, () => login(fx.base, user)));
    assert.deepEqual(results.map((r) => r.status), Array(6).fill(200), results.map((r) => r.text.slice(0, 80)).join('\n'));
    const after6 = await login(fx.base, user);
    assert.equal(after6.status, 200, after6.text);
  });

  test('the request log never contains a password, token or cookie used in this file', async () => {
    assertLogHasNoSecrets(fx.server);
  });
});

// Sends n failed logins, each for a different email, from one client.
async function failMany(base, n, headers) {
  const results = [];
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, () => login(base, { email: uniqueEmail('spray'), password: 'wrong-password-123' }, headers));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

describe('per client address, TODOD_TRUST_PROXY=1', () => {
  const fx = useServer({ env: { TODOD_TRUST_PROXY: '1' } });

  test('50 failures over different emails from one forwarded address: 429 for that address, others unaffected', async () => {
    const user = await newUser(fx.base);
    const limited = { 'X-Forwarded-For': '203.0.113.7' };
    const results = await failMany(fx.base, CLIENT_LIMIT, limited);
    for (const res of results) assertError(res, 401, 'invalid_credentials');

    const blocked = await login(fx.base, { email: uniqueEmail('late'), password: 'wrong-password-123' }, limited);
    assertError(blocked, 429, 'rate_limited');
    const blockedRight = await login(fx.base, user, limited);
    assertError(blockedRight, 429, 'rate_limited');

    // The last entry is the client: a proxy chain ending in the limited address is limited...
    const chained = await login(fx.base, user, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' });
    assertError(chained, 429, 'rate_limited');
    // ...and one that merely starts with it is not.
    const spoofed = await login(fx.base, user, { 'X-Forwarded-For': '203.0.113.7, 198.51.100.2' });
    assert.equal(spoofed.status, 200, spoofed.text);

    const elsewhereWrong = await login(fx.base, { email: user.email, password: 'wrong-password-123' }, { 'X-Forwarded-For': '198.51.100.3' });
    assertError(elsewhereWrong, 401, 'invalid_credentials');
    const elsewhere = await login(fx.base, user, { 'X-Forwarded-For': '198.51.100.3' });
    assert.equal(elsewhere.status, 200, elsewhere.text);
  });

  test('the request log never contains a password, token or cookie used in this file', async () => {
    assertLogHasNoSecrets(fx.server);
  });
});

describe('per client address, proxy not trusted', () => {
  const fx = useServer();

  test('without TODOD_TRUST_PROXY, X-Forwarded-For is ignored: 50 failures from one peer limit it', async () => {
    const user = await newUser(fx.base);
    const results = [];
    for (let i = 0; i < CLIENT_LIMIT; i += 10) {
      const batch = Array.from({ length: Math.min(10, CLIENT_LIMIT - i) }, (_, j) => login(
        fx.base, { email: uniqueEmail('peer'), password: 'wrong-password-123' }, { 'X-Forwarded-For': `192.0.2.${i + j + 1}` },
      ));
      results.push(...(await Promise.all(batch)));
    }
    for (const res of results) assertError(res, 401, 'invalid_credentials');
    assertError(await login(fx.base, user, { 'X-Forwarded-For': '192.0.2.200' }), 429, 'rate_limited');
    assertError(await login(fx.base, user), 429, 'rate_limited');
  });
});
