// fairness.mjs: one address floods, the others must not notice.
// Starts its own todod (build/todod, or TODOD_BIN) on a throw-away data
// directory and measures, from three loopback addresses at once:
//   127.0.0.3: correct logins, one after another (a person signing in);
//   127.0.0.1: the authenticated list, BENCH_FAIR_READERS connections;
//   127.0.0.2: nothing (baseline), then a flood of registrations, then a
//              flood of wrong-password logins, BENCH_FAIR_FLOOD connections.
// Prints each phase's p50/p99, the cores todod and these clients kept busy
// (on a shared machine, what the clients take is what todod lacks), and the
// targets: login p99 under a flood within 3x of the baseline, list p99
// within 2x. BENCH_DURATION (seconds per phase) shortens a trial run. Exit
// status 1 when a request failed in a way the contract does not allow (a
// 5xx, a socket error).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.resolve(ROOT, process.env.TODOD_BIN || 'build/todod');
const SECONDS = Number(process.env.BENCH_DURATION || 10);
const READERS = Number(process.env.BENCH_FAIR_READERS || 8);
const FLOOD = Number(process.env.BENCH_FAIR_FLOOD || 32);
const TARGET_LOGIN = 3;
const TARGET_LIST = 2;

let errors = 0;
const agents = new Map();
function agentFor(localAddress) {
  if (!agents.has(localAddress)) agents.set(localAddress, new http.Agent({ keepAlive: true, localAddress, maxSockets: 256 }));
  return agents.get(localAddress);
}

function call(port, from, method, urlPath, json, token) {
  return new Promise((resolve) => {
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const headers = {};
    if (body) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = body.length; }
    if (token) headers.Authorization = `Bearer ${token}`;
    const started = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: agentFor(from) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', (err) => resolve({ status: 0, text: err.code || err.message, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    if (body) req.write(body);
    req.end();
  });
}

function startTodod(dataDir) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TODOD_JWT_SECRET: 'todod-bench-fairness-secret-0123456789abcdef',
      TODOD_REGISTER_MAX_PER_ADDRESS: '1000000' };
    for (const name of ['TODOD_LISTEN', 'TODOD_DATA_DIR', 'DATABASE_URL', 'TODOD_TRUST_PROXY', 'TODOD_LOGIN_MAX_FAILURES', 'TODOD_MAX_CONNECTIONS_PER_ADDRESS']) delete env[name];
    const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`todod did not start:\n${log}`)), 15000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }); }
      if (log.length > 1e6) log = log.slice(-1e5);
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`todod exited ${code}:\n${log}`)); });
  });
}

// Runs fn in `conns` loops until the deadline; collects latencies by tag.
async function loops(conns, deadline, fn) {
  await Promise.all(Array.from({ length: conns }, async (_, i) => {
    for (let n = 0; Date.now() < deadline; n++) await fn(i, n);
  }));
}

function pct(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// CPU seconds used so far by the process pid (all its threads): /proc
// counts in USER_HZ, 100 a second on Linux.
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

let unique = 0;
// One phase; besides the latencies, the cores todod and these clients
// (flood included) kept busy during it, which say what bounds the figures
// on a machine they share.
async function phase(port, pid, name, token, user, flood) {
  const lat = { login: [], list: [] };
  const statuses = {};
  const started = { at: process.hrtime.bigint(), todod: cpuSeconds(pid), clients: process.cpuUsage() };
  const deadline = Date.now() + SECONDS * 1000;
  const count = (what, res) => {
    statuses[`${what} ${res.status}`] = (statuses[`${what} ${res.status}`] ?? 0) + 1;
    if (res.status === 0 || res.status >= 500) errors++;
  };
  await Promise.all([
    loops(1, deadline, async () => {
      const res = await call(port, '127.0.0.3', 'POST', '/api/auth/login', { email: user.email, password: user.password });
      count('login', res);
      if (res.status === 200) lat.login.push(res.ms);
    }),
    loops(READERS, deadline, async () => {
      const res = await call(port, '127.0.0.1', 'GET', '/api/tasks', undefined, token);
      count('list', res);
      if (res.status === 200) lat.list.push(res.ms);
    }),
    flood ? runFlood({ port, kind: flood, deadline, email: user.email }).then((f) => {
      for (const [k, v] of Object.entries(f.statuses)) statuses[`flood ${k}`] = v;
      errors += f.errors;
    }) : Promise.resolve(),
  ]);
  const wall = Number(process.hrtime.bigint() - started.at) / 1e9;
  const clients = process.cpuUsage(started.clients);
  const cores = {
    todod: (cpuSeconds(pid) - started.todod) / wall,
    clients: (clients.user + clients.system) / 1e6 / wall,
  };
  return { name, lat, statuses, cores };
}

// The flood from 127.0.0.2, FLOOD connections until the deadline, in a
// worker thread; resolves to its answers by status.
function runFlood(data) {
  return new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function floodWorker({ port, kind, deadline, email }) {
  const statuses = {};
  let failed = 0;
  await loops(FLOOD, deadline, async () => {
    const n = unique++;
    const res = kind === 'register'
      ? await call(port, '127.0.0.2', 'POST', '/api/auth/register', { email: `flood${n}-${deadline}@bench.example`, password: 'flood password 123', name: 'Flood' })
      : await call(port, '127.0.0.2', 'POST', '/api/auth/login', { email: n % 2 ? email : `nobody${n}@bench.example`, password: 'wrong password 123' });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === 0 || res.status >= 500) failed++;
  });
  for (const a of agents.values()) a.destroy();
  parentPort.postMessage({ statuses, errors: failed });
}

const fmt = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'todod-fair-'));
  const { child, port } = await startTodod(dataDir);
  try {
    const user = { email: 'fair@bench.example', password: 'correct horse battery', name: 'Fair' };
    const reg = await call(port, '127.0.0.1', 'POST', '/api/auth/register', user);
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
    const token = JSON.parse(reg.text).access_token;
    for (let i = 0; i < 20; i++) await call(port, '127.0.0.1', 'POST', '/api/tasks', { title: `task ${i}` }, token);

    console.error(`fairness: todod on 127.0.0.1:${port}; ${SECONDS}s per phase, ${READERS} readers, ${FLOOD} flooding connections`);
    const phases = [];
    phases.push(await phase(port, child.pid, 'no flood', token, user, null));
    phases.push(await phase(port, child.pid, 'registration flood from 127.0.0.2', token, user, 'register'));
    phases.push(await phase(port, child.pid, 'wrong-password flood from 127.0.0.2', token, user, 'login'));

    const base = phases[0];
    console.log(`todod fairness: ${SECONDS}s per phase; correct logins from 127.0.0.3 (1 connection), list from 127.0.0.1 (${READERS}), flood from 127.0.0.2 (${FLOOD})`);
    console.log(`cores: CPU kept busy during the phase by todod, and by these clients (flood included), of ${os.cpus().length}`);
    console.log(`${'phase'.padEnd(40)} ${'login p50'.padStart(9)} ${'login p99'.padStart(9)} ${'list p50'.padStart(9)} ${'list p99'.padStart(9)} ${'logins'.padStart(7)} ${'lists'.padStart(7)} ${'todod'.padStart(5)} ${'clients'.padStart(7)}  flood answers`);
    for (const p of phases) {
      const flood = Object.entries(p.statuses).filter(([k]) => k.startsWith('flood')).map(([k, v]) => `${k.slice(6)}:${v}`).join(' ');
      console.log(`${p.name.padEnd(40)} ${fmt(pct(p.lat.login, 50)).padStart(9)} ${fmt(pct(p.lat.login, 99)).padStart(9)} ${fmt(pct(p.lat.list, 50)).padStart(9)} ${fmt(pct(p.lat.list, 99)).padStart(9)} ${String(p.lat.login.length).padStart(7)} ${String(p.lat.list.length).padStart(7)} ${p.cores.todod.toFixed(2).padStart(5)} ${p.cores.clients.toFixed(2).padStart(7)}  ${flood || '-'}`);
    }
    console.log('targets (ms):');
    for (const p of phases.slice(1)) {
      for (const [what, target] of [['login', TARGET_LOGIN], ['list', TARGET_LIST]]) {
        const ratio = pct(p.lat[what], 99) / pct(base.lat[what], 99);
        const ok = Number.isFinite(ratio) && ratio <= target;
        console.log(`  ${`${what} p99 under the ${p.name.split(' from')[0]} <= ${target}x without`.padEnd(60)} x${fmt(ratio)}  ${ok ? 'PASS' : 'FAIL'}`);
      }
    }
    const other = phases.flatMap((p) => Object.entries(p.statuses).filter(([k]) => !k.startsWith('flood') && !/ 200$/.test(k)));
    console.log(`errors (5xx or socket errors): ${errors}; other answers to the measured clients: ${other.map(([k, v]) => `${k}:${v}`).join(' ') || 'none'}`);
  } finally {
    for (const a of agents.values()) a.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(errors ? 1 : 0);
}

if (isMainThread) main().catch((err) => { console.error(`fairness: ${err.message}`); process.exit(1); });
else floodWorker(workerData);
