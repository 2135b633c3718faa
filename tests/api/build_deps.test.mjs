// build_deps.test.mjs: `make` on a machine without the -dev libraries names
// the Debian packages that are missing and how to install them, before any
// compiler runs. pkg-config is pointed at directories holding none (or only
// some) of the libraries' .pc files, so the check cannot pass by accident.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers.mjs';

const LIBS = { libmicrohttpd: 'libmicrohttpd-dev', jansson: 'libjansson-dev', libsodium: 'libsodium-dev', sqlite3: 'libsqlite3-dev' };

function run(cmd, args, env) {
  return spawnSync(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000 });
}

// A directory with every .pc file pkg-config knows on this machine but those
// of the libraries named in absent (libraries require others: libmicrohttpd
// needs gnutls's, so copying only the four would not do).
function pcDir(absent) {
  const dir = mkdtempSync(path.join(tmpdir(), 'todod-pc-'));
  if (absent === null) return dir;
  const searchPath = run('pkg-config', ['--variable', 'pc_path', 'pkg-config'], {}).stdout.trim();
  assert.ok(searchPath, 'pkg-config names its search path');
  for (const where of searchPath.split(':')) {
    let names = [];
    try { names = readdirSync(where); } catch { continue; }
    for (const name of names) {
      if (!name.endsWith('.pc') || absent.includes(name.slice(0, -3))) continue;
      try { symlinkSync(path.join(where, name), path.join(dir, name)); } catch { /* first one wins */ }
    }
  }
  for (const lib of absent) assert.ok(!existsSync(path.join(dir, `${lib}.pc`)));
  return dir;
}

const check = (env) => run('sh', ['scripts/check_deps.sh', ...Object.keys(LIBS)], env);

test('with every library present the check is silent and succeeds', () => {
  const res = check({});
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr, '');
});

test('with no library known to pkg-config, every Debian package is named with how to install it', () => {
  const empty = pcDir(null);
  try {
    for (const libdir of ['', empty]) {
      const res = check({ PKG_CONFIG_PATH: empty, PKG_CONFIG_LIBDIR: libdir });
      assert.equal(res.status, 1, res.stderr);
      const all = Object.values(LIBS).join(' ');
      assert.match(res.stderr, new RegExp(`^missing: ${all}$`, 'm'));
      assert.match(res.stderr, /make setup/);
      assert.ok(res.stderr.includes(`sudo apt-get install ${all}`), res.stderr);
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('with one library absent, only its package is named', () => {
  const all = pcDir([]);
  try {
    const res = check({ PKG_CONFIG_PATH: all, PKG_CONFIG_LIBDIR: all });
    assert.equal(res.status, 0, `the copied search path holds every library: ${res.stderr}`);
  } finally {
    rmSync(all, { recursive: true, force: true });
  }
  for (const [absent, deb] of Object.entries(LIBS)) {
    const dir = pcDir([absent]);
    try {
      const res = check({ PKG_CONFIG_PATH: dir, PKG_CONFIG_LIBDIR: dir });
      assert.equal(res.status, 1, res.stderr);
      assert.match(res.stderr, new RegExp(`^missing: ${deb}$`, 'm'), res.stderr);
      for (const other of Object.values(LIBS).filter((d) => d !== deb)) assert.ok(!res.stderr.includes(other));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('`make` itself stops with that message before compiling anything', () => {
  const empty = pcDir(null);
  try {
    const res = run('make', ['--no-print-directory', 'all'], { PKG_CONFIG_PATH: empty, PKG_CONFIG_LIBDIR: '', MAKEFLAGS: '' });
    assert.notEqual(res.status, 0, `make succeeded without libraries:\n${res.stdout}${res.stderr}`);
    assert.match(res.stderr, /^missing: .*libsodium-dev/m);
    assert.match(res.stderr, /make setup/);
    assert.doesNotMatch(res.stdout + res.stderr, /sodium\.h|No such file|^\s+CC\s/m, 'no compiler ran');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('`make setup` is a target (it runs scripts/setup.sh run)', () => {
  const res = run('make', ['-n', '--no-print-directory', 'setup'], { MAKEFLAGS: '' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /sh scripts\/setup\.sh run/);
});
