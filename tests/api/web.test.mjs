// web.test.mjs: the web app as HTTP sees it. Pages redirect on the session
// cookie before any HTML is sent; pages and assets carry a CSP of 'self'
// only, nosniff, no-referrer and frame-ancestors 'none'; strong ETags give
// 304; gzip is sent when accepted and is the same bytes; hashed asset names
// are cached for a year; /api/openapi.json is docs/openapi.json.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT, assertError, forgeToken, newUser, request, useServer } from './helpers.mjs';

const fx = useServer({ env: { TODOD_REGISTER_MAX_PER_ADDRESS: '100000' } });
const PAGES = ['/', '/signin', '/signup', '/docs'];

// One request with node:http: raw bytes, nothing decoded, no redirect followed.
function raw(urlPath, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${fx.base}${urlPath}`, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function assertPageHeaders(res, what) {
  const csp = res.headers['content-security-policy'];
  assert.ok(csp, `${what}: a CSP`);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'self'"], `${what}: default-src 'self'`);
  assert.deepEqual(directives['frame-ancestors'], ["'none'"], `${what}: frame-ancestors 'none'`);
  for (const [name, values] of Object.entries(directives)) {
    for (const v of values) assert.ok(v === "'self'" || v === "'none'", `${what}: ${name} allows only 'self' (${v})`);
  }
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
}

// The asset URLs a page names (href= and src=).
function assetLinks(html) {
  return [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
}

test('every page answers HTML with its own headers, a strong ETag and 304 on If-None-Match', async () => {
  for (const p of PAGES) {
    const res = await raw(p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers['content-type'], /^text\/html; charset=utf-8$/, p);
    assertPageHeaders(res, p);
    assert.match(res.headers.etag, /^"[0-9a-f]+"$/, `${p}: a strong ETag`);
    assert.match(res.headers['cache-control'], /no-cache/, p);
    assert.match(res.body.toString(), /^<!doctype html>/, p);
    const again = await raw(p, { headers: { 'If-None-Match': res.headers.etag } });
    assert.equal(again.status, 304, `${p}: 304 for its own ETag`);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, res.headers.etag);
    const other = await raw(p, { headers: { 'If-None-Match': '"not-this-one"' } });
    assert.equal(other.status, 200, `${p}: 200 for another ETag`);
  }
});

test('gzip when accepted: the same bytes, its own ETag; never when refused', async () => {
  for (const p of PAGES) {
    const plain = await raw(p);
    const gz = await raw(p, { headers: { 'Accept-Encoding': 'br, gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip', p);
    assert.match(gz.headers.vary, /Accept-Encoding/, p);
    assert.deepEqual(gunzipSync(gz.body), plain.body, `${p}: gzip holds the same bytes`);
    assert.notEqual(gz.headers.etag, plain.headers.etag, `${p}: each form has its own ETag`);
    const star = await raw(p, { headers: { 'Accept-Encoding': 'identity, *' } });
    assert.equal(star.headers['content-encoding'], 'gzip', `${p}: * allows gzip`);
    const notStar = await raw(p, { headers: { 'Accept-Encoding': '*;q=0.5, gzip;q=0' } });
    assert.equal(notStar.headers['content-encoding'], undefined, `${p}: gzip;q=0 wins over *`);
    const refused = await raw(p, { headers: { 'Accept-Encoding': 'gzip;q=0, identity' } });
    assert.equal(refused.headers['content-encoding'], undefined, `${p}: gzip;q=0 is refused`);
    assert.deepEqual(refused.body, plain.body);
    assert.equal((await raw(p, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag } })).status, 304);
  }
});

test('assets: hashed names, a year of cache, the right types; another version or a page is 404 JSON', async () => {
  const html = (await raw('/signin')).body.toString() + (await raw('/docs')).body.toString();
  const links = [...new Set(assetLinks(html))];
  assert.ok(links.length >= 5, `pages name their assets (${links})`);
  const types = { css: /^text\/css/, js: /^text\/javascript/, svg: /^image\/svg\+xml$/ };
  for (const link of links) {
    const res = await raw(link, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200, link);
    assert.match(res.headers['content-type'], types[link.split('.').pop()], link);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', link);
    assert.match(res.headers.etag, /^"[0-9a-f]+(-gz)?"$/, link);
    assertPageHeaders(res, link);
    assert.equal((await raw(link, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': res.headers.etag } })).status, 304);
  }
  const [, , version] = links[0].split('/');
  const otherVersion = `${version[0] === '0' ? '1' : '0'}${version.slice(1)}`;
  for (const bad of [`/assets/${otherVersion}/app.css`, `/assets/${version}/nope.css`, `/assets/${version}/tasks.html`,
    `/assets/${version}/index.html+in`, `/assets/${version}/openapi.json`.replace('openapi.json', '..%2Fapp.css')]) {
    assertError(await request(fx.base, 'GET', bad), 404, 'not_found');
  }
});

test('signed out: /tasks redirects to /signin with next, keeping its query, before any HTML', async () => {
  const res = await raw('/tasks');
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/signin?next=%2Ftasks');
  assert.equal(res.body.length, 0, 'no HTML');
  const q = await raw('/tasks?status=pending&q=milk%20%26%20eggs');
  assert.equal(q.status, 303);
  const next = new URL(q.headers.location, fx.base).searchParams.get('next');
  assert.equal(next, '/tasks?status=pending&q=milk%20%26%20eggs');
  for (const cookie of ['todod_token=garbage', `todod_token=${forgeToken({ sub: 'x', sid: 'y', exp: 1 })}`]) {
    const r = await raw('/tasks', { headers: { Cookie: cookie } });
    assert.equal(r.status, 303, `a bad cookie is signed out (${cookie.slice(0, 20)})`);
    assert.equal((await raw('/signin', { headers: { Cookie: cookie } })).status, 200);
  }
});

test('signed in: /signin and /signup go to /tasks; /tasks carries the name, escaped, and is not stored', async () => {
  const user = await newUser(fx.base, { name: '<b>Ada</b> & "Bob"' });
  const headers = { Cookie: `todod_token=${user.cookie}` };
  for (const p of ['/signin', '/signup']) {
    const res = await raw(p, { headers });
    assert.equal(res.status, 303, p);
    assert.equal(res.headers.location, '/tasks', p);
    assert.equal(res.body.length, 0, p);
  }
  const res = await raw('/tasks', { headers });
  assert.equal(res.status, 200);
  assertPageHeaders(res, '/tasks');
  assert.equal(res.headers['cache-control'], 'no-store');
  const html = res.body.toString();
  assert.ok(html.includes('data-name="&lt;b&gt;Ada&lt;/b&gt; &amp; &quot;Bob&quot;"'), 'the name is escaped');
  assert.ok(!html.includes('<b>Ada'), 'never raw');
  assert.ok(html.includes('data-pending="0" data-done="0"'));
  await user.req('POST', '/api/tasks', { json: { title: 'one' } });
  const two = await user.req('POST', '/api/tasks', { json: { title: 'two' } });
  await user.req('PATCH', `/api/tasks/${two.body.id}/complete`);
  const again = (await raw('/tasks', { headers })).body.toString();
  assert.ok(again.includes('data-pending="1" data-done="1"'), 'the counts');
  const home = (await raw('/', { headers })).body.toString();
  assert.ok(home.includes('href="/tasks"') && !home.includes('href="/signup"'), 'signed in, the landing page links to the tasks');
  const out = (await raw('/')).body.toString();
  assert.ok(out.includes('href="/signup"') && out.includes('href="/signin"'), 'signed out, to sign up and sign in');
  // after logout the same cookie is signed out
  await user.req('POST', '/api/auth/logout');
  assert.equal((await raw('/tasks', { headers })).status, 303);
});

test('/api/openapi.json is docs/openapi.json', async () => {
  const res = await raw('/api/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.deepEqual(res.body, readFileSync(path.join(REPO_ROOT, 'docs', 'openapi.json')));
});

test('HEAD answers the headers only; other methods are 405 JSON; API answers keep the API headers', async () => {
  const head = await raw('/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.match(head.headers['content-type'], /^text\/html/);
  const post = await request(fx.base, 'POST', '/signin', { json: {} });
  assertError(post, 405, 'method_not_allowed');
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const api = await raw('/healthz');
  assert.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
  assert.equal(api.headers['cache-control'], 'no-store');
  assertError(await request(fx.base, 'GET', '/no/such/page'), 404, 'not_found');
});
