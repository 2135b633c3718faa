// helpers.mjs: shared machinery of the black-box API suite.
// Starts the real binary on a throw-away data directory, speaks HTTP to it
// with Node's fetch, forges JWTs, and checks the shapes CONTRACT.md promises.
// Every server is stopped with SIGTERM and must exit 0; under a sanitizer
// build (TODOD_ASAN set) its stderr must hold no sanitizer report.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(REPO_ROOT, process.env.TODOD_BIN || 'build/todod');
export const ASAN = Boolean(process.env.TODOD_ASAN);
export const TEST_SECRET = 'todod-api-suite-secret-0123456789-abcdefghijklmn';
assert.equal(TEST_SECRET.length, 48);

export const DEFAULT_TTL = 604800;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const JSON_TYPE_RE = /^application\/json\s*(;.*)?$/i;

// Status of each error code, as CONTRACT.md lists them (invalid_credentials
// is the login failure, a 401).
export const CODE_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  uri_too_long: 414,
  headers_too_large: 431,
};

// Settings a developer's shell may carry that would change what the suite
// expects; servers start without them unless a test sets them.
const SCRUBBED_ENV = [
  'TODOD_LISTEN', 'TODOD_DATA_DIR', 'TODOD_TOKEN_TTL', 'TODOD_LOGIN_MAX_FAILURES',
  'TODOD_TRUST_PROXY', 'BETTER_AUTH_SECRET', 'JWT_SECRET', 'TODOD_ISSUER',
  'TODOD_MAX_CONNECTIONS_PER_ADDRESS',
];

// The suite registers many users from 127.0.0.1: its servers allow that
// many registrations per address per hour unless a test sets the limit
// (hostile.test.mjs tests the default of 50 on its own).
export const TEST_REGISTER_MAX = 100000;

export function childEnv(overrides = {}) {
  const env = { ...process.env, TODOD_JWT_SECRET: TEST_SECRET };
  for (const name of SCRUBBED_ENV) delete env[name];
  env.TODOD_REGISTER_MAX_PER_ADDRESS = String(TEST_REGISTER_MAX);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined || value === null) delete env[name];
    else env[name] = String(value);
  }
  return env;
}

// ---- secrets the request log must never show -----------------------------

const secrets = new Set();

// Remembers a password, token or cookie value used in this test file.
export function rememberSecret(value) {
  if (typeof value === 'string' && value.length >= 8) secrets.add(value);
}

export function usedSecrets() {
  return [...secrets];
}

// Asserts the server's stderr shows none of the secrets used in this file
// (plus extra, values used outside these helpers).
export function assertLogHasNoSecrets(server, extra = []) {
  const log = server.stderr;
  const all = new Set([...secrets, ...extra.filter((s) => typeof s === 'string' && s.length > 0)]);
  assert.ok(all.size > 0, 'this file used no secret to look for');
  for (const secret of all) {
    assert.ok(!log.includes(secret), `stderr contains a password, token or cookie value (${secret.slice(0, 12)}...)`);
  }
}

// ---- servers -------------------------------------------------------------

const liveChildren = new Set();
process.on('exit', () => {
  for (const child of liveChildren) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function sanitizerReports(text) {
  return ['ERROR: AddressSanitizer', 'runtime error:', 'LeakSanitizer'].filter((m) => text.includes(m));
}

// ---- PostgreSQL ----------------------------------------------------------

// With TODOD_TEST_DATABASE_URL set (a postgres URL with {db} where the
// database name goes, as scripts/pg-test.sh exports them) every server gets a
// database of its own, made through TODOD_PG_ADMIN_URL; a server restarted on
// the same data directory finds the same database.
export const PG_URL = process.env.TODOD_TEST_DATABASE_URL || '';
const pgDatabases = new Map();

export function createPgDatabase() {
  const name = `todod_${randomBytes(8).toString('hex')}`;
  const res = spawnSync('psql', [process.env.TODOD_PG_ADMIN_URL, '-qAtc', `CREATE DATABASE ${name}`],
    { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cannot create database ${name}: ${res.stderr}`);
  return name;
}

export function pgUrl(name, template = PG_URL) {
  return template.replace('{db}', name);
}

// Stops (immediately: a crash, as clients see it) or starts the throw-away
// PostgreSQL server of scripts/pg-test.sh (TODOD_PG_CTL).
export function pgCtl(action) {
  const res = spawnSync(process.env.TODOD_PG_CTL, [action], { encoding: 'utf8' });
  assert.equal(res.status, 0, `pg_ctl ${action}: ${res.stderr}`);
}

// Polls check every 50 ms; resolves the ms it took to hold, -1 after ms.
export async function waitFor(check, ms) {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await sleep(50);
  }
  return -1;
}

// The PostgreSQL URL of the server started on dataDir (PG_URL set).
export function pgDatabaseFor(dataDir) {
  if (!pgDatabases.has(dataDir)) pgDatabases.set(dataDir, createPgDatabase());
  return pgUrl(pgDatabases.get(dataDir));
}

// Starts `todod serve --listen 127.0.0.1:0 --data-dir <fresh dir>` and waits
// for "listening on http://HOST:PORT" on stderr.
// options: env (overrides; undefined/null removes a variable), dataDir (use
// this directory and keep it), listen (null omits the flag), command (null
// omits "serve"), args (appended), noDataDirFlag, readyTimeoutMs, bin (another
// binary than TODOD_BIN), asan (bin is a sanitizer build: check its stderr).
export async function startServer(options = {}) {
  const ownDir = options.dataDir === undefined;
  const dataDir = ownDir ? await mkdtemp(path.join(tmpdir(), 'todod-api-')) : options.dataDir;
  const args = [];
  if (options.command !== null) args.push(options.command ?? 'serve');
  if (options.listen !== null) args.push('--listen', options.listen ?? '127.0.0.1:0');
  if (!options.noDataDirFlag) args.push('--data-dir', dataDir);
  args.push(...(options.args ?? []));

  let env = options.env;
  if (PG_URL && !(env && 'DATABASE_URL' in env) && !args.includes('--db')) {
    env = { ...env, DATABASE_URL: pgDatabaseFor(dataDir) };
  }
  const child = spawn(options.bin ?? BIN, args, {
    cwd: options.cwd ?? dataDir,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  const closed = new Promise((resolve) => {
    child.once('error', (err) => { stderr += `\n[spawn error] ${err.message}\n`; resolve({ code: null, signal: null, error: err }); });
    child.once('close', (code, signal) => { liveChildren.delete(child); resolve({ code, signal }); });
  });

  const removeDir = async () => { if (ownDir) await rm(dataDir, { recursive: true, force: true }); };
  const readyTimeoutMs = options.readyTimeoutMs ?? 15000;
  let port;
  try {
    port = await new Promise((resolve, reject) => {
      const re = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
      const timer = setTimeout(() => reject(new Error(
        `todod did not print "listening on http://127.0.0.1:PORT" within ${readyTimeoutMs} ms; stderr:\n${stderr}`)), readyTimeoutMs);
      const check = () => {
        const m = re.exec(stderr);
        if (m) { clearTimeout(timer); child.stderr.off('data', check); resolve(Number(m[1])); }
      };
      child.stderr.on('data', check);
      check();
      closed.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`todod exited (code ${code}, signal ${signal}) before listening; args: ${args.join(' ')}; stderr:\n${stderr}`));
      });
    });
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await closed;
    await removeDir();
    throw err;
  }

  let stopping = null;
  const server = {
    child,
    pid: child.pid,
    port,
    base: `http://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    dataDir,
    args,
    get stderr() { return stderr; },
    get stdout() { return stdout; },
    closed,
    // Sends signal, waits for exit; resolves {code, signal, ms}. Checks for
    // sanitizer reports, removes an owned data directory.
    stop(signal = 'SIGTERM', { timeoutMs = 20000 } = {}) {
      if (!stopping) {
        stopping = (async () => {
          const started = Date.now();
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          let timer;
          const timedOut = new Promise((resolve) => {
            timer = setTimeout(() => resolve('timeout'), timeoutMs);
          });
          let result = await Promise.race([closed, timedOut]);
          clearTimeout(timer);
          if (result === 'timeout') {
            child.kill('SIGKILL');
            await closed;
            await removeDir();
            throw new Error(`todod did not exit within ${timeoutMs} ms of ${signal}; stderr:\n${stderr.slice(-4000)}`);
          }
          result = { ...result, ms: Date.now() - started };
          await removeDir();
          if (ASAN || options.asan) {
            const found = sanitizerReports(stderr);
            assert.deepEqual(found, [], `sanitizer reported problems; stderr:\n${stderr.slice(-8000)}`);
          }
          return result;
        })();
      }
      return stopping;
    },
    // Waits until stderr matches test (a RegExp or a predicate on the text).
    async waitForLog(test, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      const matches = () => (test instanceof RegExp ? test.test(stderr) : test(stderr));
      while (!matches()) {
        if (Date.now() > deadline) return false;
        await sleep(25);
      }
      return true;
    },
  };
  return server;
}

// One server for the enclosing file or describe block: started before its
// tests, stopped after them (exit 0 checked). Tests read fx.server, fx.base.
export function useServer(options) {
  const fx = {};
  before(async () => {
    fx.server = await startServer(options);
    fx.base = fx.server.base;
  });
  after(async () => {
    await stopAndCheck(fx.server);
  });
  return fx;
}

// Stops a server and asserts it exited 0 on its own.
export async function stopAndCheck(server) {
  if (!server) return;
  const { code, signal } = await server.stop();
  assert.equal(signal, null, `todod was killed by ${signal}; stderr:\n${server.stderr.slice(-4000)}`);
  assert.equal(code, 0, `todod exited ${code} after SIGTERM; stderr:\n${server.stderr.slice(-4000)}`);
}

// Runs the binary to completion (CLI checks). Resolves {code, signal,
// stdout, stderr}; kills it and rejects after timeoutMs.
export function runCli(args, { env = {}, cwd, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: cwd ?? REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`todod ${args.join(' ')} still running after ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); liveChildren.delete(child); reject(err); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      if (ASAN) {
        const found = sanitizerReports(stderr);
        if (found.length) { reject(new Error(`sanitizer reported problems; stderr:\n${stderr}`)); return; }
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// The server's own durations, in ms, of its answers with this status to
// `what` ('POST /api/auth/login'), read from its request log (`text`, by
// default all of it): free of the client's scheduling, unlike the time a
// client waits.
export function loggedMs(server, what, status, text = server.stderr) {
  return text.split('\n')
    .map((l) => l.match(new RegExp(` ${what} ${status} (\\d+\\.\\d+)ms `)))
    .filter(Boolean).map((m) => Number(m[1]));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A port nothing listens on right now.
export async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// ---- HTTP ----------------------------------------------------------------

// Sends one request. opts: token (Bearer), cookie (todod_token value),
// json (serialised, Content-Type application/json unless headers say
// otherwise), body (string, Buffer or stream sent as is), headers.
// Resolves {status, headers, text, body (parsed JSON or undefined), ms}.
export async function request(base, method, urlPath, opts = {}) {
  const headers = { ...(opts.headers ?? {}) };
  let body;
  if (opts.json !== undefined) {
    body = Buffer.from(JSON.stringify(opts.json));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  } else if (typeof opts.body === 'string') {
    body = Buffer.from(opts.body);
  } else if (opts.body !== undefined) {
    body = opts.body;
  }
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie !== undefined) headers.Cookie = `todod_token=${opts.cookie}`;
  const init = { method, headers, body, redirect: 'manual' };
  if (body && typeof body.getReader === 'function') init.duplex = 'half';
  const started = Date.now();
  const res = await fetch(base + urlPath, init);
  const text = await res.text();
  const ms = Date.now() - started;
  let parsed;
  try { parsed = text === '' ? undefined : JSON.parse(text); } catch { parsed = undefined; }
  return { status: res.status, headers: res.headers, text, body: parsed, ms };
}

export function uniqueEmail(prefix = 'u') {
  return `${prefix}-${randomUUID()}@example.com`;
}

export function uniquePassword() {
  return `pw-${randomBytes(9).toString('base64url')}`;
}

export async function register(base, { email, password, name }, headers = {}) {
  rememberSecret(password);
  const json = {};
  if (email !== undefined) json.email = email;
  if (password !== undefined) json.password = password;
  if (name !== undefined) json.name = name;
  const res = await request(base, 'POST', '/api/auth/register', { json, headers });
  rememberResponseSecrets(res);
  return res;
}

export async function login(base, { email, password }, headers = {}) {
  rememberSecret(password);
  const res = await request(base, 'POST', '/api/auth/login', { json: { email, password }, headers });
  rememberResponseSecrets(res);
  return res;
}

function rememberResponseSecrets(res) {
  if (res.body && typeof res.body.access_token === 'string') rememberSecret(res.body.access_token);
  const cookie = tokenCookie(res.headers);
  if (cookie) rememberSecret(cookie.value);
}

// Registers a fresh user and returns what tests need to act as them.
export async function newUser(base, overrides = {}) {
  const creds = {
    email: overrides.email ?? uniqueEmail(),
    password: overrides.password ?? uniquePassword(),
    name: overrides.name ?? 'Test User',
  };
  const res = await register(base, creds);
  assert.equal(res.status, 201, `register failed: ${res.status} ${res.text}`);
  return asUser(base, creds, res);
}

// Logs an existing user in again (a second session).
export async function loginUser(base, creds) {
  const res = await login(base, creds);
  assert.equal(res.status, 200, `login failed: ${res.status} ${res.text}`);
  return asUser(base, creds, res);
}

function asUser(base, creds, res) {
  const token = res.body.access_token;
  const cookie = tokenCookie(res.headers);
  return {
    ...creds,
    id: res.body.user.id,
    user: res.body.user,
    token,
    cookie: cookie ? cookie.value : undefined,
    req: (method, urlPath, opts = {}) => request(base, method, urlPath, { token, ...opts }),
  };
}

// Creates a task for user and returns it (asserting 201).
export async function createTask(user, fields) {
  const res = await user.req('POST', '/api/tasks', { json: typeof fields === 'string' ? { title: fields } : fields });
  assert.equal(res.status, 201, `create task failed: ${res.status} ${res.text}`);
  return res.body;
}

// ---- cookies ---------------------------------------------------------------

// Parses Set-Cookie lines: [{name, value, attrs: Map(lower-case name -> value)}].
export function setCookies(headers) {
  const lines = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  return lines.map((line) => {
    const [pair, ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    const attrs = new Map();
    for (const part of rest) {
      const i = part.indexOf('=');
      const key = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
      const value = i < 0 ? '' : part.slice(i + 1).trim();
      if (key) attrs.set(key, value);
    }
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs, line };
  });
}

export function tokenCookie(headers) {
  return setCookies(headers).find((c) => c.name === 'todod_token');
}

// ---- JWT -------------------------------------------------------------------

const b64url = (value) => Buffer.from(value).toString('base64url');
const HMAC_ALGS = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

// Builds a compact JWS. header defaults to {alg: 'HS256', typ: 'JWT'}; the
// signature uses signWith (default header.alg): HS256/384/512 with secret,
// anything else gives an empty signature.
export function forgeToken(claims, { secret = TEST_SECRET, header = { alg: 'HS256', typ: 'JWT' }, signWith } = {}) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const hash = HMAC_ALGS[signWith ?? header.alg];
  const signature = hash ? createHmac(hash, secret).update(input).digest('base64url') : '';
  const token = `${input}.${signature}`;
  rememberSecret(token);
  return token;
}

export function decodeJwt(token) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'a JWT has three dot-separated parts');
  return {
    header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
    signature: parts[2],
  };
}

export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

// ---- shapes ----------------------------------------------------------------

export function assertJsonType(res) {
  const type = res.headers.get('content-type');
  assert.ok(type && JSON_TYPE_RE.test(type), `Content-Type should be application/json, got ${type}`);
}

export function assertKeys(obj, keys, what) {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${what} should be an object, got ${JSON.stringify(obj)}`);
  assert.deepEqual(Object.keys(obj).sort(), [...keys].sort(), `${what} has exactly the fields ${keys.join(', ')}`);
}

export function assertTimestamp(value, what = 'timestamp') {
  assert.equal(typeof value, 'string', `${what} should be a string`);
  assert.match(value, TIMESTAMP_RE, `${what} should be RFC 3339 UTC ending in Z`);
  assert.ok(!Number.isNaN(Date.parse(value)), `${what} should parse as a date`);
}

export function assertUser(user) {
  assertKeys(user, ['id', 'email', 'name', 'created_at'], 'User');
  assert.match(user.id, UUID_RE, 'user id is a uuid');
  assert.equal(typeof user.email, 'string');
  assert.equal(typeof user.name, 'string');
  assertTimestamp(user.created_at, 'user.created_at');
}

export function assertAuthResponse(body, { ttl = DEFAULT_TTL } = {}) {
  assertKeys(body, ['user', 'access_token', 'token_type', 'expires_in'], 'auth response');
  assertUser(body.user);
  assert.equal(typeof body.access_token, 'string');
  assert.equal(body.access_token.split('.').length, 3, 'access_token is a compact JWT');
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.expires_in, ttl);
}

export function assertTask(task) {
  assertKeys(task, ['id', 'user_id', 'title', 'description', 'completed', 'created_at', 'updated_at'], 'Task');
  assert.ok(Number.isInteger(task.id) && task.id > 0, `task id should be a positive integer, got ${task.id}`);
  assert.match(task.user_id, UUID_RE);
  assert.equal(typeof task.title, 'string');
  assert.ok(task.description === null || typeof task.description === 'string', 'description is a string or null');
  assert.equal(typeof task.completed, 'boolean');
  assertTimestamp(task.created_at, 'task.created_at');
  assertTimestamp(task.updated_at, 'task.updated_at');
}

export function assertTaskList(body) {
  assertKeys(body, ['tasks', 'total', 'limit', 'offset'], 'task list');
  assert.ok(Array.isArray(body.tasks));
  for (const t of body.tasks) assertTask(t);
  assert.ok(Number.isInteger(body.total) && body.total >= 0);
  assert.ok(Number.isInteger(body.limit));
  assert.ok(Number.isInteger(body.offset));
}

const LEAK_RES = [
  /sqlite/i, /\bSELECT\b/, /\bINSERT INTO\b/, /\bDELETE FROM\b/, /\bconstraint\b/i,
  /\/(tmp|home|work|usr|var|root)\//, /\.c:\d+/, /\bat \S+ \(/, /segmentation/i,
];

// Asserts res is the contract's error: status, JSON type, body exactly
// {"error": {"code", "message"[, "fields"]}}, the code's status, the headers
// that go with it, and (when field is given) error.fields naming it.
export function assertError(res, status, code, { field, fields } = {}) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text.slice(0, 300)}`);
  assertJsonType(res);
  assert.ok(res.body !== undefined, `error body should be JSON, got ${JSON.stringify(res.text.slice(0, 200))}`);
  assertKeys(res.body, ['error'], 'error body');
  const err = res.body.error;
  const keys = Object.keys(err).sort();
  if (code === 'validation_failed' && keys.includes('fields')) {
    assert.deepEqual(keys, ['code', 'fields', 'message'], 'error object fields');
    assert.ok(err.fields && typeof err.fields === 'object' && !Array.isArray(err.fields), 'error.fields is an object');
    for (const [k, v] of Object.entries(err.fields)) assert.equal(typeof v, 'string', `error.fields.${k} is a string`);
  } else {
    assert.deepEqual(keys, ['code', 'message'], `error object of ${code} has exactly code and message`);
  }
  assert.equal(err.code, code);
  assert.equal(CODE_STATUS[code], status, `code ${code} goes with status ${CODE_STATUS[code]}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, 'error.message is not empty');
  for (const re of LEAK_RES) assert.doesNotMatch(err.message, re, 'error message leaks internals');
  for (const s of usedSecrets()) assert.ok(!res.text.includes(s), 'error body echoes a secret');
  if (status === 401) {
    const www = res.headers.get('www-authenticate');
    assert.ok(www && /^Bearer\b/i.test(www), `401 needs WWW-Authenticate: Bearer, got ${www}`);
  }
  if (status === 405) assert.ok(res.headers.get('allow'), '405 needs an Allow header');
  if (status === 429) {
    const retry = res.headers.get('retry-after');
    assert.match(retry ?? '', /^[1-9]\d*$/, `429 needs Retry-After in positive whole seconds, got ${retry}`);
  }
  for (const name of [field, ...(fields ?? [])].filter(Boolean)) {
    assert.ok(err.fields && typeof err.fields[name] === 'string',
      `error.fields should name ${name}: ${JSON.stringify(err)}`);
  }
  return err;
}

// Parses an Allow header into a sorted list of upper-case methods.
export function allowList(res) {
  return (res.headers.get('allow') ?? '').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean).sort();
}

export function later(a, b) {
  return Date.parse(b) > Date.parse(a);
}

export { randomUUID };

// Opens a TCP connection; send() writes raw HTTP, response resolves with all
// bytes read until the server closes.
export function rawConnection(port) {
  const sock = net.connect(port, '127.0.0.1');
  let data = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => { data += d; });
  const connected = new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const response = new Promise((resolve) => {
    sock.on('error', (err) => resolve({ data, error: err }));
    sock.on('close', () => resolve({ data }));
  });
  return { sock, connected, response, send: (text) => sock.write(text), received: () => data };
}
