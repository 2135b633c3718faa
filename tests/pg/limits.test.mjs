// limits.test.mjs: the per-address limits with two instances on one
// PostgreSQL database, as behind a load balancer (TODOD_TRUST_PROXY=1, the
// address from X-Forwarded-For): registrations and failed logins from one
// address, spread over both instances, meet the configured total, not a
// total per instance; an instance then refuses the address from memory;
// another address is not affected. Needs scripts/pg-test.sh's environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import {
  createPgDatabase, login, pgUrl, register, startServer, stopAndCheck, uniqueEmail, uniquePassword,
} from '../api/helpers.mjs';

const TEMPLATE = process.env.TODOD_PG_URL;
assert.ok(TEMPLATE, 'run under scripts/pg-test.sh (TODOD_PG_URL)');

const REGISTER_MAX = 6;        // TODOD_REGISTER_MAX_PER_ADDRESS of both instances
const LOGIN_MAX_CLIENT = 50;   // failed logins per address per 15 minutes (LIMIT_LOGIN_FAILURES_CLIENT)

let dbUrl;
let a;
let b;

function psql(sql) {
  const res = spawnSync('psql', [dbUrl, '-qAtc', sql], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout.trim();
}

before(async () => {
  dbUrl = pgUrl(createPgDatabase(), TEMPLATE);
  const env = {
    DATABASE_URL: dbUrl, TODOD_TRUST_PROXY: 1,
    TODOD_REGISTER_MAX_PER_ADDRESS: REGISTER_MAX,
  };
  a = await startServer({ env });
  b = await startServer({ env });
});

after(async () => {
  await stopAndCheck(a);
  await stopAndCheck(b);
});

const from = (address) => ({ 'X-Forwarded-For': address });
const someone = () => ({ email: uniqueEmail(), password: uniquePassword(), name: 'Ada' });

function assertLimited(res, maxSeconds) {
  assert.equal(res.status, 429);
  assert.equal(res.body?.error?.code, 'rate_limited');
  const retry = Number(res.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= maxSeconds, `Retry-After ${retry}`);
}

test(`registrations from one address through both instances stop at ${REGISTER_MAX} in all; another address goes on`, async () => {
  for (let i = 0; i < REGISTER_MAX; i++) {
    const res = await register((i % 2 ? b : a).base, someone(), from('203.0.113.10'));
    assert.equal(res.status, 201, `registration ${i + 1}`);
  }
  // Each instance has seen only half of them; the database saw them all.
  for (const server of [a, b, a, b]) assertLimited(await register(server.base, someone(), from('203.0.113.10')), 3600);
  // Once refused by the database, each instance refuses the address from
  // memory: with the database's rows gone it still says 429.
  assert.equal(psql("DELETE FROM address_events WHERE key = 'register:203.0.113.10' RETURNING 1").split('\n').length, REGISTER_MAX);
  for (const server of [a, b]) assertLimited(await register(server.base, someone(), from('203.0.113.10')), 3600);
  for (const server of [b, a]) assert.equal((await register(server.base, someone(), from('203.0.113.11'))).status, 201);
});

test(`failed logins from one address through both instances stop at ${LOGIN_MAX_CLIENT} in all, right password or not; another address signs in`, async () => {
  const user = someone();
  assert.equal((await register(b.base, user, from('203.0.113.30'))).status, 201);
  for (let i = 0; i < LOGIN_MAX_CLIENT; i++) {
    // a new email each time: only the address's count can run out
    const res = await login((i % 2 ? b : a).base, { email: uniqueEmail(), password: 'wrong-password' }, from('203.0.113.20'));
    assert.equal(res.status, 401, `failed login ${i + 1}`);
  }
  for (const server of [a, b, a, b]) assertLimited(await login(server.base, user, from('203.0.113.20')), 15 * 60);
  // Refused from memory once the database said the address is over.
  psql("DELETE FROM login_failures WHERE key = 'client:203.0.113.20'");
  for (const server of [a, b]) assertLimited(await login(server.base, user, from('203.0.113.20')), 15 * 60);
  for (const server of [b, a]) assert.equal((await login(server.base, user, from('203.0.113.21'))).status, 200);
});
