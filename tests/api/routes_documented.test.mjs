// routes_documented.test.mjs: the server's routes and docs/openapi.json are
// the same set. The route tables of src/api and src/web are the only place
// paths are declared; each of their routes must be documented with exactly
// its methods, and every documented operation must answer on the real server
// (anything but the router's own 404 "no such route" or a 405), while every
// method left out of the document is 405 there.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, createTask, newUser, request, useServer } from './helpers.mjs';

const fx = useServer({ env: { TODOD_REGISTER_MAX_PER_ADDRESS: '100000' } });
const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs', 'openapi.json'), 'utf8'));
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const TABLES = ['src/api/routes.c', 'src/web/web.c'];

// {pattern: [methods]} from the C route tables: {"/pattern", {{METHOD_X, ...
function serverRoutes() {
  const routes = {};
  for (const file of TABLES) {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    const table = text.slice(text.indexOf('const struct route '));
    const entries = [...table.matchAll(/\{"(\/[^"]*)",\s*\{([\s\S]*?)\}\},?\n/g)];
    assert.ok(entries.length > 0, `${file} declares routes`);
    for (const [, pattern, body] of entries) {
      routes[pattern] = [...body.matchAll(/METHOD_([A-Z]+)/g)].map((m) => m[1]).sort();
    }
  }
  return routes;
}

function documented() {
  const out = {};
  for (const [p, item] of Object.entries(doc.paths)) {
    out[p] = METHODS.filter((m) => item[m.toLowerCase()]).sort();
  }
  return out;
}

test('every route the server declares is documented with exactly its methods, and nothing more', () => {
  const server = serverRoutes();
  assert.ok(Object.keys(server).length >= 19, 'both tables were read');
  assert.deepEqual(documented(), server);
});

test('every documented operation answers, every other method on its path is 405', async () => {
  const user = await newUser(fx.base);
  const task = await createTask(user, 'routes');
  const version = (await request(fx.base, 'GET', '/')).text.match(/"\/assets\/([0-9a-f]+)\//)[1];
  const values = { id: String(task.id), user_id: user.id, version, name: 'app.css' };
  const bodies = {
    '/api/auth/register': { email: `r-${Date.now()}@example.com`, password: 'long enough pw', name: 'R' },
    '/api/auth/login': { email: user.email, password: user.password },
  };
  const paths = Object.keys(doc.paths).sort((a, b) => (a.includes('logout') ? 1 : 0) - (b.includes('logout') ? 1 : 0));
  for (const p of paths) {
    const url = p.replace(/\{([^}]+)\}/g, (_, name) => values[name]);
    for (const method of METHODS) {
      const op = doc.paths[p][method.toLowerCase()];
      const json = method === 'GET' || method === 'DELETE' ? undefined : (bodies[p] ?? { title: 'x' });
      const res = await request(fx.base, method, url, { token: user.token, json });
      if (op) {
        assert.notEqual(res.status, 405, `${method} ${p} answers`);
        assert.ok(!(res.status === 404 && res.body?.error?.message === 'no such route'), `${method} ${p} is routed`);
        assert.ok(op.responses[String(res.status)], `${method} ${p} answered ${res.status}, which it documents`);
      } else {
        assert.equal(res.status, 405, `${method} ${p} is not documented, so it is 405`);
      }
    }
  }
});
