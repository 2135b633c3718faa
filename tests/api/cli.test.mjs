// cli.test.mjs: CONTRACT.md "Running" and the secret rules of "Tokens":
// commands, --help and --version, settings as flags or environment (the
// flag wins), refusing bad settings, and the generated secret.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  TEST_SECRET, assertError, decodeJwt, forgeToken, freePort, newUser, request, runCli, startServer,
  stopAndCheck,
} from './helpers.mjs';

const dirs = [];
async function tempDir(tag = 'cli') {
  const dir = await mkdtemp(path.join(tmpdir(), `todod-api-${tag}-`));
  dirs.push(dir);
  return dir;
}
let scratch;
before(async () => {
  scratch = await tempDir('scratch');
});
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const NO_SECRETS = { TODOD_JWT_SECRET: undefined, BETTER_AUTH_SECRET: undefined, JWT_SECRET: undefined };
const DB_FILES = new Set(['todod.db', 'todod.db-wal', 'todod.db-shm', 'todod.db-journal']);

// Runs a command that must be refused: non-zero exit, a message on stderr.
async function assertRefused(args, env = {}, mention) {
  const res = await runCli(args, { env: { DATABASE_URL: undefined, ...env }, cwd: scratch, timeoutMs: 8000 });
  assert.equal(res.signal, null, `${args.join(' ')} was killed by ${res.signal}`);
  assert.notEqual(res.code, 0, `${args.join(' ')} with ${JSON.stringify(env)} should exit non-zero; stderr:\n${res.stderr}`);
  assert.ok(res.stderr.trim().length > 0, `${args.join(' ')} says what is wrong on stderr`);
  if (mention) assert.match(res.stderr, mention, `the message names the problem: ${res.stderr}`);
  return res;
}

test('--help exits 0 and mentions every flag and environment variable', async () => {
  const res = await runCli(['--help']);
  assert.equal(res.code, 0, res.stderr);
  const text = res.stdout;
  for (const word of ['serve', 'migrate', '--listen', '--db', '--data-dir', 'TODOD_LISTEN', 'DATABASE_URL', 'TODOD_DATA_DIR',
    'TODOD_JWT_SECRET', 'TODOD_TOKEN_TTL', 'TODOD_LOGIN_MAX_FAILURES', 'TODOD_TRUST_PROXY']) {
    assert.ok(text.includes(word), `--help on stdout mentions ${word}`);
  }
});

test('--version exits 0 and prints a version', async () => {
  const res = await runCli(['--version']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /\d+\.\d+\.\d+/);
});

test('a bad flag exits non-zero and says what is wrong', async () => {
  await assertRefused(['--nope'], {}, /nope/);
  await assertRefused(['serve', '--nope', '--data-dir', scratch], {}, /nope/);
  await assertRefused(['frobnicate'], {}, /frobnicate/);
});

test('a flag missing its value exits non-zero', async () => {
  await assertRefused(['serve', '--data-dir', scratch, '--listen']);
});

test('TODOD_JWT_SECRET of 10 bytes is refused at start, without echoing it', async () => {
  const res = await assertRefused(['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch], { TODOD_JWT_SECRET: 'short10byt' });
  assert.ok(!res.stderr.includes('short10byt'), 'the secret is not printed');
});

test('a 31-byte secret is refused, a 32-byte one is accepted', async (t) => {
  await assertRefused(['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch], { TODOD_JWT_SECRET: 's'.repeat(31) });
  const srv = await startServer({ env: { TODOD_JWT_SECRET: 's'.repeat(32) } });
  t.after(() => srv.stop().catch(() => {}));
  const health = await request(srv.base, 'GET', '/healthz');
  assert.equal(health.status, 200);
  await stopAndCheck(srv);
});

test('BETTER_AUTH_SECRET and JWT_SECRET are refused too when short', async () => {
  await assertRefused(['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch], { ...NO_SECRETS, BETTER_AUTH_SECRET: 'tooshort' });
  await assertRefused(['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch], { ...NO_SECRETS, JWT_SECRET: 'tooshort' });
});

test('bad settings are refused: TODOD_TOKEN_TTL=abc or -1, TODOD_LOGIN_MAX_FAILURES=abc, bad listen, bad database URL', async () => {
  const serve = ['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch];
  await assertRefused(serve, { TODOD_TOKEN_TTL: 'abc' }, /TODOD_TOKEN_TTL/);
  await assertRefused(serve, { TODOD_TOKEN_TTL: '-1' }, /TODOD_TOKEN_TTL/);
  await assertRefused(serve, { TODOD_LOGIN_MAX_FAILURES: 'abc' }, /TODOD_LOGIN_MAX_FAILURES/);
  await assertRefused(['serve', '--listen', 'not-an-address', '--data-dir', scratch]);
  await assertRefused(['serve', '--listen', '127.0.0.1:99999', '--data-dir', scratch]);
  await assertRefused(['serve', '--data-dir', scratch], { TODOD_LISTEN: 'nonsense' });
  await assertRefused(['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch, '--db', 'mysql://x/y']);
  await assertRefused(['serve', '--listen', '127.0.0.1:0', '--data-dir', scratch], { DATABASE_URL: 'mysql://x/y' });
});

test('migrate --data-dir D exits 0 and creates D/todod.db; a second run is a no-op exiting 0', async () => {
  const dir = await tempDir('migrate');
  const env = { DATABASE_URL: undefined };
  const first = await runCli(['migrate', '--data-dir', dir], { env, cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.ok(existsSync(path.join(dir, 'todod.db')), 'todod.db created');
  assert.equal((await stat(path.join(dir, 'todod.db'))).mode & 0o777, 0o600, 'the database (password hashes) is private');
  const second = await runCli(['migrate', '--data-dir', dir], { env, cwd: dir });
  assert.equal(second.code, 0, second.stderr);
});

test('a SQLite database migrated by a newer todod is refused by migrate and serve, and left alone', async () => {
  const dir = await tempDir('migrate-newer');
  const env = { DATABASE_URL: undefined };
  assert.equal((await runCli(['migrate', '--data-dir', dir], { env, cwd: dir })).code, 0);
  const sql = spawnSync('sqlite3', [path.join(dir, 'todod.db'),
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '999_future.sql', 0)"], { encoding: 'utf8' });
  assert.equal(sql.status, 0, sql.stderr);
  for (const command of ['migrate', 'serve']) {
    const res = await runCli([command, '--listen', '127.0.0.1:0', '--data-dir', dir], { env, cwd: dir });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /schema is newer than this todod/);
  }
  const left = spawnSync('sqlite3', [path.join(dir, 'todod.db'), 'SELECT max(version) FROM schema_migrations'], { encoding: 'utf8' });
  assert.equal(left.stdout.trim(), '999');
});

test('migrate with --db sqlite:PATH creates that file', async () => {
  const dir = await tempDir('migrate-db');
  const file = path.join(dir, 'custom.db');
  const res = await runCli(['migrate', '--data-dir', dir, '--db', `sqlite:${file}`], { env: { DATABASE_URL: undefined }, cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.ok(existsSync(file), 'custom.db created');
  assert.ok(!existsSync(path.join(dir, 'todod.db')), 'the default database was not created');
});

test('a database migrated by migrate is served by serve', async () => {
  const dir = await tempDir('migrate-serve');
  const res = await runCli(['migrate', '--data-dir', dir], { env: { DATABASE_URL: undefined }, cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const srv = await startServer({ dataDir: dir, env: { DATABASE_URL: undefined } });
  try {
    const user = await newUser(srv.base);
    const me = await user.req('GET', '/api/auth/me');
    assert.equal(me.status, 200, me.text);
  } finally {
    await stopAndCheck(srv);
  }
});

test('serve is the default command', async () => {
  const dir = await tempDir('default-cmd');
  const srv = await startServer({ command: null, dataDir: dir, env: { DATABASE_URL: undefined } });
  try {
    const res = await request(srv.base, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.ok(existsSync(path.join(dir, 'todod.db')), 'serve applied the migrations into the data dir');
  } finally {
    await stopAndCheck(srv);
  }
});

test('TODOD_LISTEN and TODOD_DATA_DIR are read from the environment', async () => {
  const dir = await tempDir('env');
  const srv = await startServer({
    listen: null, noDataDirFlag: true, dataDir: dir, cwd: scratch,
    env: { TODOD_LISTEN: '127.0.0.1:0', TODOD_DATA_DIR: dir, DATABASE_URL: undefined },
  });
  try {
    const res = await request(srv.base, 'GET', '/healthz');
    assert.equal(res.status, 200);
    assert.ok(existsSync(path.join(dir, 'todod.db')), 'the database is in TODOD_DATA_DIR');
  } finally {
    await stopAndCheck(srv);
  }
});

test('a flag wins over its environment variable', async () => {
  const flagDir = await tempDir('flag');
  const envDir = await tempDir('envdir');
  const port = await freePort();
  const srv = await startServer({
    dataDir: flagDir,
    env: { TODOD_LISTEN: `127.0.0.1:${port}`, TODOD_DATA_DIR: envDir, DATABASE_URL: undefined },
  });
  try {
    assert.notEqual(srv.port, port, '--listen 127.0.0.1:0 wins over TODOD_LISTEN');
    assert.ok(existsSync(path.join(flagDir, 'todod.db')), 'the database is in --data-dir');
    assert.ok(!existsSync(path.join(envDir, 'todod.db')), 'not in TODOD_DATA_DIR');
  } finally {
    await stopAndCheck(srv);
  }
});

test('DATABASE_URL=sqlite:PATH is used, and --db wins over it', async (t) => {
  const dir = await tempDir('dburl');
  const envFile = path.join(dir, 'from-env.db');
  const flagFile = path.join(dir, 'from-flag.db');
  const a = await startServer({ dataDir: dir, env: { DATABASE_URL: `sqlite:${envFile}` } });
  t.after(() => a.stop().catch(() => {}));
  await stopAndCheck(a);
  assert.ok(existsSync(envFile), 'DATABASE_URL names the database');
  assert.ok(!existsSync(path.join(dir, 'todod.db')), 'not the default database');
  const b = await startServer({ dataDir: dir, args: ['--db', `sqlite:${flagFile}`], env: { DATABASE_URL: `sqlite:${envFile}` } });
  t.after(() => b.stop().catch(() => {}));
  await stopAndCheck(b);
  assert.ok(existsSync(flagFile), '--db wins');
});

test('with no secret set, serve keeps a generated secret in the data dir with mode 0600, and tokens survive a restart', async () => {
  const dir = await tempDir('secret');
  const env = { ...NO_SECRETS, DATABASE_URL: undefined };
  const first = await startServer({ dataDir: dir, env });
  let user;
  try {
    user = await newUser(first.base);
    const forged = forgeToken(decodeJwt(user.token).payload, { secret: TEST_SECRET });
    assertError(await request(first.base, 'GET', '/api/auth/me', { token: forged }), 401, 'unauthorized');
  } finally {
    await stopAndCheck(first);
  }
  const walk = async (d) => {
    const out = [];
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) out.push(...(await walk(p)));
      else out.push(p);
    }
    return out;
  };
  const files = (await walk(dir)).filter((p) => !DB_FILES.has(path.basename(p)));
  assert.ok(files.length >= 1, `a secret file is kept in the data dir; found ${JSON.stringify(await walk(dir))}`);
  for (const file of files) {
    const mode = (await stat(file)).mode & 0o777;
    assert.equal(mode.toString(8), '600', `${path.basename(file)} has mode 0600`);
  }
  const second = await startServer({ dataDir: dir, env });
  try {
    const me = await request(second.base, 'GET', '/api/auth/me', { token: user.token });
    assert.equal(me.status, 200, `a token from the first run works after a restart: ${me.text}`);
  } finally {
    await stopAndCheck(second);
  }
});

test('BETTER_AUTH_SECRET is used when TODOD_JWT_SECRET is unset, JWT_SECRET after it', async () => {
  const better = 'better-auth-secret-0123456789-0123456789-abcdef';
  const jwt = 'plain-jwt-secret-0123456789-0123456789-abcdefghi';
  const a = await startServer({ env: { ...NO_SECRETS, BETTER_AUTH_SECRET: better, JWT_SECRET: jwt } });
  try {
    const u = await newUser(a.base);
    const claims = decodeJwt(u.token).payload;
    const ok = await request(a.base, 'GET', '/api/auth/me', { token: forgeToken(claims, { secret: better }) });
    assert.equal(ok.status, 200, 'signed with BETTER_AUTH_SECRET');
    assertError(await request(a.base, 'GET', '/api/auth/me', { token: forgeToken(claims, { secret: jwt }) }), 401, 'unauthorized');
  } finally {
    await stopAndCheck(a);
  }
  const b = await startServer({ env: { ...NO_SECRETS, JWT_SECRET: jwt } });
  try {
    const u = await newUser(b.base);
    const claims = decodeJwt(u.token).payload;
    const ok = await request(b.base, 'GET', '/api/auth/me', { token: forgeToken(claims, { secret: jwt }) });
    assert.equal(ok.status, 200, 'signed with JWT_SECRET');
  } finally {
    await stopAndCheck(b);
  }
});

test('TODOD_JWT_SECRET wins over BETTER_AUTH_SECRET', async () => {
  const better = 'better-auth-secret-0123456789-0123456789-abcdef';
  const srv = await startServer({ env: { TODOD_JWT_SECRET: TEST_SECRET, BETTER_AUTH_SECRET: better } });
  try {
    const u = await newUser(srv.base);
    const claims = decodeJwt(u.token).payload;
    const ok = await request(srv.base, 'GET', '/api/auth/me', { token: forgeToken(claims, { secret: TEST_SECRET }) });
    assert.equal(ok.status, 200, 'signed with TODOD_JWT_SECRET');
    assertError(await request(srv.base, 'GET', '/api/auth/me', { token: forgeToken(claims, { secret: better }) }), 401, 'unauthorized');
  } finally {
    await stopAndCheck(srv);
  }
});

test('TODOD_LOGIN_MAX_FAILURES and TODOD_TOKEN_TTL are read from the environment', async () => {
  const srv = await startServer({ env: { TODOD_LOGIN_MAX_FAILURES: '1', TODOD_TOKEN_TTL: '3600' } });
  try {
    const u = await newUser(srv.base);
    const again = await request(srv.base, 'POST', '/api/auth/login', { json: { email: u.email, password: u.password } });
    assert.equal(again.body.expires_in, 3600);
    const bad = await request(srv.base, 'POST', '/api/auth/login', { json: { email: u.email, password: 'wrong-password-1' } });
    assertError(bad, 401, 'invalid_credentials');
    const limited = await request(srv.base, 'POST', '/api/auth/login', { json: { email: u.email, password: u.password } });
    assertError(limited, 429, 'rate_limited');
  } finally {
    await stopAndCheck(srv);
  }
});
