// README.md's quickstart, run as it is written (bash, curl) against a fresh
// server: the commands a new user copies must really work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, startServer, stopAndCheck, assertLogHasNoSecrets } from './helpers.mjs';

let server;
const secrets = ['correct horse battery'];

before(async () => {
  server = await startServer();
});

after(async () => {
  await stopAndCheck(server);
  assertLogHasNoSecrets(server, secrets);
});

function quickstart() {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const m = /<!-- quickstart -->\s*```sh\n([\s\S]*?)```\s*<!-- \/quickstart -->/.exec(readme);
  assert.ok(m, 'README.md has a quickstart block between <!-- quickstart --> markers');
  return m[1];
}

test('README quickstart: register, login, create, list, toggle, delete, logout, refused after', () => {
  const script = quickstart();
  const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
    env: { ...process.env, TODOD: server.base },
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.equal(run.status, 0, `quickstart failed:\n${run.stderr}\n${run.stdout}`);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 6, `expected 6 lines of output, got:\n${run.stdout}`);

  const registered = JSON.parse(lines[0]);
  secrets.push(registered.access_token);
  assert.equal(registered.user.email, 'ada@example.com');
  assert.equal(registered.token_type, 'bearer');

  const list = JSON.parse(lines[1]);
  assert.equal(list.total, 1);
  assert.equal(list.tasks[0].title, 'Buy milk');
  assert.equal(list.tasks[0].completed, false);

  const toggled = JSON.parse(lines[2]);
  assert.equal(toggled.id, list.tasks[0].id);
  assert.equal(toggled.completed, true);

  assert.deepEqual(lines.slice(3), ['204', '204', '401'], 'delete 204, logout 204, then the token is refused');
});
