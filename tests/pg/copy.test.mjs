// copy.test.mjs: `todod migrate` on PostgreSQL, a schema newer than the
// binary refused, and `todod copy` moving a SQLite deployment to PostgreSQL
// with its users (passwords), sessions (revocations) and tasks, ids kept.
// Needs scripts/pg-test.sh's environment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import {
  REPO_ROOT, createPgDatabase, createTask, loginUser, newUser, pgUrl, request, runCli, startServer, stopAndCheck,
} from '../api/helpers.mjs';

const TEMPLATE = process.env.TODOD_PG_URL;
assert.ok(TEMPLATE, 'run under scripts/pg-test.sh (TODOD_PG_URL)');

function psql(url, sql) {
  const res = spawnSync('psql', [url, '-qAtc', sql], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout.trim();
}

// One row of schema_migrations per migration the binary carries.
const MIGRATIONS = String(readdirSync(path.join(REPO_ROOT, 'src/store/migrations/postgres'))
  .filter((name) => name.endsWith('.sql')).length);

const password = new URL(TEMPLATE.replace('{db}', 'x')).password;
const scratch = await mkdtemp(path.join(tmpdir(), 'todod-cli-'));
// The CLI makes its data directory (./data) in its working directory.
const cli = (args) => runCli(args, { cwd: scratch });

test('migrate applies the schema once; a second run is a no-op; the password never reaches the output', async () => {
  const url = pgUrl(createPgDatabase(), TEMPLATE);
  for (let i = 0; i < 2; i++) {
    const res = await cli(['migrate', '--db', url]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /migrations applied/);
    assert.ok(!res.stderr.includes(password));
  }
  assert.equal(psql(url, 'SELECT count(*) FROM schema_migrations'), MIGRATIONS);
});

test("libpq's key=value form selects PostgreSQL too", async () => {
  const name = createPgDatabase();
  const url = new URL(pgUrl(name, TEMPLATE));
  const conninfo = `host=${url.hostname} port=${url.port} user=${url.username} password=${password} dbname=${name}`;
  const res = await cli(['migrate', '--db', conninfo]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(psql(pgUrl(name, TEMPLATE), 'SELECT count(*) FROM schema_migrations'), MIGRATIONS);
});

test('a database migrated by a newer todod is refused with a clear message', async () => {
  const url = pgUrl(createPgDatabase(), TEMPLATE);
  assert.equal((await cli(['migrate', '--db', url])).code, 0);
  psql(url, "INSERT INTO schema_migrations VALUES (999, '999_future.sql', 0)");
  for (const command of ['migrate', 'serve']) {
    const res = await cli([command, '--listen', '127.0.0.1:0', '--db', url]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /schema is newer than this todod/);
  }
});

test('a wrong password is refused at start without showing it', async () => {
  const url = pgUrl('postgres', TEMPLATE).replace(`:${password}@`, ':not-the-password-123@');
  const res = await cli(['migrate', '--db', url]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /cannot connect to postgresql/);
  assert.ok(!res.stderr.includes('not-the-password-123'));
});

test('copy moves users, passwords, sessions, revocations and tasks with their ids; a non-empty target is refused', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'todod-copy-'));
  const sqliteUrl = `sqlite:${path.join(dir, 'todod.db')}`;
  const lite = await startServer({ dataDir: dir, env: { DATABASE_URL: sqliteUrl } });
  const ada = await newUser(lite.base, { name: 'Ada' });
  const bob = await newUser(lite.base, { name: 'Bob' });
  const bobOut = await loginUser(lite.base, bob);
  await createTask(ada, { title: 'Écrire', description: 'Un ÉTÉ' });
  const gone = await createTask(ada, 'deleted');
  await createTask(ada, { title: 'done', completed: true });
  await createTask(bob, 'bob');
  assert.equal((await ada.req('DELETE', `/api/tasks/${gone.id}`)).status, 204);
  assert.equal((await request(lite.base, 'POST', '/api/auth/logout', { token: bobOut.token })).status, 204);
  const before = await ada.req('GET', '/api/tasks?sort=title&order=asc');
  const searched = await ada.req('GET', '/api/tasks?q=%C3%A9t%C3%A9');
  assert.equal(searched.body.total, 1);
  await stopAndCheck(lite);

  const pg = pgUrl(createPgDatabase(), TEMPLATE);
  const res = await cli(['copy', '--from', sqliteUrl, '--to', pg]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /copied 2 users and 3 tasks/);
  assert.ok(!res.stderr.includes(password));

  const srv = await startServer({ env: { DATABASE_URL: pg } });
  try {
    const as = (user) => (method, p, opts = {}) => request(srv.base, method, p, { token: user.token, ...opts });
    assert.deepEqual((await as(ada)('GET', '/api/tasks?sort=title&order=asc')).body, before.body);
    assert.deepEqual((await as(ada)('GET', '/api/tasks?q=%C3%A9t%C3%A9')).body, searched.body);
    assert.equal((await as(bob)('GET', '/api/auth/me')).status, 200, 'a live session still works');
    assert.equal((await as(bobOut)('GET', '/api/auth/me')).status, 401, 'a revoked one stays revoked');
    const again = await loginUser(srv.base, ada);
    const next = await createTask(again, 'after the move');
    assert.ok(next.id > gone.id, 'a deleted task\'s id is never handed out again');
  } finally {
    await stopAndCheck(srv);
  }

  const refused = await cli(['copy', '--from', sqliteUrl, '--to', pg]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /not empty/);
  assert.equal(psql(pg, 'SELECT count(*) FROM users'), '2');
  await rm(dir, { recursive: true, force: true });
});

test('copy refuses URLs of the wrong kinds', async () => {
  for (const args of [['--from', 'postgres://x/y', '--to', 'postgres://x/z'], ['--from', 'sqlite:/tmp/x.db', '--to', 'sqlite:/tmp/y.db'], []]) {
    const res = await cli(['copy', ...args]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /copy needs --from sqlite:PATH and --to postgres/);
  }
});
