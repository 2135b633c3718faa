// docs.test.mjs: keeps docs/openapi.json and docs/API.md true to CONTRACT.md.
// Reads the two files only; starts no server.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CODE_STATUS } from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OPENAPI_PATH = path.join(ROOT, 'docs', 'openapi.json');
const API_MD_PATH = path.join(ROOT, 'docs', 'API.md');

// Every route of CONTRACT.md with its methods.
const ROUTES = {
  '/api/auth/register': ['POST'],
  '/api/auth/login': ['POST'],
  '/api/auth/logout': ['POST'],
  '/api/auth/me': ['GET'],
  '/api/tasks': ['GET', 'POST'],
  '/api/tasks/{id}': ['GET', 'PUT', 'PATCH', 'DELETE'],
  '/api/tasks/{id}/complete': ['PATCH'],
  '/api/{user_id}/tasks': ['GET', 'POST'],
  '/api/{user_id}/tasks/{id}': ['GET', 'PUT', 'PATCH', 'DELETE'],
  '/api/{user_id}/tasks/{id}/complete': ['PATCH'],
  '/healthz': ['GET'],
  '/readyz': ['GET'],
  '/': ['GET'],
  '/signin': ['GET'],
  '/signup': ['GET'],
  '/tasks': ['GET'],
  '/docs': ['GET'],
  '/api/openapi.json': ['GET'],
  '/assets/{version}/{name}': ['GET'],
};

const PUBLIC = new Set([
  '/api/auth/register', '/api/auth/login', '/healthz', '/readyz', '/docs', '/api/openapi.json', '/assets/{version}/{name}',
]);
// Pages look at the cookie when it is there and redirect on it; none needs it.
const SESSION = new Set(['/', '/signin', '/signup', '/tasks']);
// The contract's codes, uri_too_long (414) included.
const CODES = { ...CODE_STATUS, uri_too_long: 414 };

// The objects of CONTRACT.md have exactly these fields.
const FIELDS = {
  User: ['id', 'email', 'name', 'created_at'],
  Task: ['id', 'user_id', 'title', 'description', 'completed', 'created_at', 'updated_at'],
  AuthResponse: ['user', 'access_token', 'token_type', 'expires_in'],
  TaskList: ['tasks', 'total', 'limit', 'offset'],
  Error: ['error'],
};
const ERROR_FIELDS = ['code', 'message', 'fields'];
const ERROR_REQUIRED = ['code', 'message'];


const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
const apiMd = readFileSync(API_MD_PATH, 'utf8');

const sorted = (list) => [...list].sort();

// Follows a local "#/..." reference (repeatedly) to the object it names.
function resolve(node) {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    assert.ok(node.$ref.startsWith('#/'), `only local $refs are used: ${node.$ref}`);
    let target = doc;
    for (const part of node.$ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      assert.ok(target && Object.hasOwn(target, key), `$ref ${node.$ref} resolves`);
      target = target[key];
    }
    node = target;
    assert.ok(++seen < 16, `$ref chain too long at ${node.$ref}`);
  }
  return node;
}

function operations() {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      if (item[method]) ops.push({ path: p, method, op: item[method] });
    }
  }
  return ops;
}

function allParameters(p, method) {
  const item = doc.paths[p];
  return [...(item.parameters || []), ...(item[method].parameters || [])].map(resolve);
}

// ---- openapi.json ------------------------------------------------------------

test('openapi.json is an OpenAPI 3.1 document', () => {
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.equal(typeof doc.info?.title, 'string');
  assert.equal(typeof doc.info?.version, 'string');
  assert.equal(typeof doc.paths, 'object');
});

test('openapi.json has every route of the contract with exactly its methods', () => {
  for (const [p, methods] of Object.entries(ROUTES)) {
    const item = doc.paths[p];
    assert.ok(item, `path ${p} is missing`);
    const present = HTTP_METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
    assert.deepEqual(sorted(present), sorted(methods), `methods of ${p}`);
  }
  assert.deepEqual(sorted(Object.keys(doc.paths)), sorted(Object.keys(ROUTES)), 'no path beyond the contract');
});

test('every $ref in openapi.json resolves', () => {
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if (typeof node.$ref === 'string') resolve(node);
      Object.values(node).forEach(walk);
    }
  };
  walk(doc);
});

test('schemas User, Task, AuthResponse, TaskList and Error have exactly the contract fields', () => {
  const schemas = doc.components?.schemas || {};
  for (const [name, fields] of Object.entries(FIELDS)) {
    const schema = schemas[name];
    assert.ok(schema, `schema ${name} is missing`);
    assert.equal(schema.type, 'object', `${name} is an object`);
    assert.equal(schema.additionalProperties, false, `${name} has additionalProperties: false`);
    assert.deepEqual(sorted(Object.keys(schema.properties || {})), sorted(fields), `fields of ${name}`);
    assert.deepEqual(sorted(schema.required || []), sorted(fields), `required fields of ${name}`);
  }
  const inner = resolve(schemas.Error.properties.error);
  assert.equal(inner.type, 'object');
  assert.equal(inner.additionalProperties, false, 'the error object has additionalProperties: false');
  assert.deepEqual(sorted(Object.keys(inner.properties || {})), sorted(ERROR_FIELDS), 'fields of the error object');
  assert.deepEqual(sorted(inner.required || []), sorted(ERROR_REQUIRED), 'fields is optional, code and message are not');
  assert.deepEqual(sorted(inner.properties.code.enum || []), sorted(Object.keys(CODES)), 'error codes');
});

test('schema member types and bounds follow the contract', () => {
  const s = doc.components.schemas;
  const p = (name, field) => resolve(s[name].properties[field]);
  assert.equal(p('User', 'id').format, 'uuid');
  assert.equal(p('User', 'email').maxLength, 254);
  assert.equal(p('User', 'name').maxLength, 100);
  assert.equal(p('Task', 'id').type, 'integer');
  assert.equal(p('Task', 'user_id').format, 'uuid');
  assert.equal(p('Task', 'title').maxLength, 200);
  assert.deepEqual(sorted([p('Task', 'description').type].flat()), ['null', 'string']);
  assert.equal(p('Task', 'description').maxLength, 1000);
  assert.equal(p('Task', 'completed').type, 'boolean');
  for (const f of ['created_at', 'updated_at']) assert.equal(p('Task', f).format, 'date-time');
  assert.equal(p('AuthResponse', 'token_type').const, 'bearer');
  assert.equal(p('AuthResponse', 'expires_in').type, 'integer');
  assert.equal(resolve(p('TaskList', 'tasks').items), s.Task);
});

test('security schemes: bearer JWT and the todod_token cookie', () => {
  const schemes = doc.components?.securitySchemes || {};
  assert.deepEqual(
    { type: schemes.bearerAuth?.type, scheme: schemes.bearerAuth?.scheme, bearerFormat: schemes.bearerAuth?.bearerFormat },
    { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  );
  assert.deepEqual(
    { type: schemes.cookieAuth?.type, in: schemes.cookieAuth?.in, name: schemes.cookieAuth?.name },
    { type: 'apiKey', in: 'cookie', name: 'todod_token' },
  );
});

test('public routes need no token; every other operation takes either token and documents 401', () => {
  const globalSecurity = JSON.stringify(doc.security || []);
  for (const { path: p, method, op } of operations()) {
    const security = op.security ?? doc.security ?? [];
    if (PUBLIC.has(p)) {
      assert.deepEqual(security, [], `${method} ${p} is public`);
    } else if (SESSION.has(p)) {
      assert.deepEqual(security, [{}, { cookieAuth: [] }], `${method} ${p} takes the cookie when there is one`);
    } else {
      const names = security.flatMap((req) => Object.keys(req));
      assert.ok(names.includes('bearerAuth') && names.includes('cookieAuth'), `${method} ${p} takes bearer or cookie (${globalSecurity})`);
      assert.ok(op.responses['401'], `${method} ${p} documents 401`);
    }
  }
});

test('each operation documents its statuses, all with the Error body for errors', () => {
  const want = {
    'post /api/auth/register': ['201', '409', '422'],
    'post /api/auth/login': ['200', '401', '422', '429'],
    'post /api/auth/logout': ['204', '401'],
    'get /api/auth/me': ['200', '401'],
    'get /api/tasks': ['200', '422'],
    'post /api/tasks': ['201', '422'],
    'get /api/tasks/{id}': ['200', '404'],
    'put /api/tasks/{id}': ['200', '404', '422'],
    'patch /api/tasks/{id}': ['200', '404', '422'],
    'delete /api/tasks/{id}': ['204', '404'],
    'patch /api/tasks/{id}/complete': ['200', '404', '422'],
    'get /healthz': ['200'],
    'get /readyz': ['200', '503'],
    'get /': ['200', '304'],
    'get /signin': ['200', '303', '304'],
    'get /signup': ['200', '303', '304'],
    'get /tasks': ['200', '303'],
    'get /docs': ['200', '304'],
    'get /api/openapi.json': ['200', '304'],
    'get /assets/{version}/{name}': ['200', '304', '404'],
  };
  for (const { path: p, method, op } of operations()) {
    const seed = p.startsWith('/api/{user_id}/');
    const key = `${method} ${seed ? p.replace('/api/{user_id}/tasks', '/api/tasks') : p}`;
    const statuses = Object.keys(op.responses);
    for (const status of want[key] || []) assert.ok(statuses.includes(status), `${method} ${p} documents ${status}`);
    if (seed) assert.ok(statuses.includes('403'), `${method} ${p} documents 403`);
    if (op.requestBody) {
      for (const status of ['400', '413', '415']) assert.ok(statuses.includes(status), `${method} ${p} documents ${status}`);
    }
    for (const [status, raw] of Object.entries(op.responses)) {
      if (Number(status) < 400) continue;
      const response = resolve(raw);
      const schema = response.content?.['application/json']?.schema;
      assert.ok(schema, `${method} ${p} ${status} has a JSON body`);
      assert.equal(resolve(schema), doc.components.schemas.Error, `${method} ${p} ${status} is the Error object`);
    }
  }
});

test('headers the contract promises: WWW-Authenticate, Retry-After, Location', () => {
  for (const { path: p, method, op } of operations()) {
    if (op.responses['401']) {
      assert.ok(resolve(op.responses['401']).headers?.['WWW-Authenticate'], `${method} ${p} 401 has WWW-Authenticate`);
    }
  }
  assert.ok(resolve(doc.paths['/api/auth/login'].post.responses['429']).headers?.['Retry-After']);
  assert.ok(resolve(doc.paths['/api/auth/register'].post.responses['429']).headers?.['Retry-After'], 'register documents 429 with Retry-After');
  for (const p of ['/signin', '/signup', '/tasks']) {
    assert.ok(resolve(doc.paths[p].get.responses['303']).headers?.Location, `${p} 303 has Location`);
  }
  assert.ok(resolve(doc.paths['/api/tasks'].post.responses['201']).headers?.Location);
});

test('every operation documents 414 for a request target over 8,192 bytes', () => {
  for (const { path: p, method, op } of operations()) {
    assert.ok(op.responses['414'], `${method} ${p} documents 414`);
  }
  assert.match(resolve(doc.components.responses.UriTooLong).description, /8,192 bytes/);
});

test('the token rules: issuer, lifetime, refusals', () => {
  const text = `${doc.info.description} ${doc.components.securitySchemes.bearerAuth.description}`;
  for (const word of ['iss', 'TODOD_ISSUER', 'TODOD_TOKEN_TTL', '604800', 'HS256', 'exp - iat', 'leeway', 'query string', 'revoked']) {
    assert.ok(text.includes(word), `the document tells about ${word}`);
  }
});

test('the list parameters have the contract defaults and allowed values', () => {
  for (const p of ['/api/tasks', '/api/{user_id}/tasks']) {
    const params = Object.fromEntries(allParameters(p, 'get').filter((x) => x.in === 'query').map((x) => [x.name, x.schema]));
    assert.deepEqual(sorted(Object.keys(params)), ['limit', 'offset', 'order', 'q', 'sort', 'status'], `query parameters of ${p}`);
    assert.deepEqual(sorted(params.status.enum), ['all', 'completed', 'pending']);
    assert.equal(params.status.default, 'all');
    assert.deepEqual(sorted(params.sort.enum), ['created', 'title', 'updated']);
    assert.equal(params.sort.default, 'created');
    assert.deepEqual(sorted(params.order.enum), ['asc', 'desc']);
    assert.equal(params.order.default, 'desc');
    assert.equal(params.limit.minimum, 1);
    assert.equal(params.limit.maximum, 100);
    assert.equal(params.limit.default, 50);
    assert.equal(params.offset.minimum, 0);
    assert.equal(params.offset.default, 0);
  }
});

test('path parameters are declared for every {name} in a path', () => {
  for (const { path: p, method } of operations()) {
    const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = allParameters(p, method).filter((x) => x.in === 'path');
    assert.deepEqual(sorted(declared.map((x) => x.name)), sorted(names), `path parameters of ${method} ${p}`);
    for (const x of declared) assert.equal(x.required, true, `${x.name} of ${method} ${p} is required`);
  }
});

test('request bodies carry the contract length rules in characters', () => {
  const body = (p, method) => resolve(resolve(doc.paths[p][method].requestBody).content['application/json'].schema);
  const reg = body('/api/auth/register', 'post');
  assert.deepEqual(sorted(reg.required), ['email', 'name', 'password']);
  assert.equal(reg.additionalProperties, false);
  assert.equal(reg.properties.email.maxLength, 254);
  assert.equal(reg.properties.password.minLength, 8);
  assert.equal(reg.properties.password.maxLength, 128);
  assert.equal(reg.properties.name.minLength, 1);
  assert.equal(reg.properties.name.maxLength, 100);
  const login = body('/api/auth/login', 'post');
  assert.deepEqual(sorted(login.required), ['email', 'password']);
  assert.equal(login.additionalProperties, false);
  const create = body('/api/tasks', 'post');
  assert.deepEqual(create.required, ['title']);
  assert.deepEqual(sorted(Object.keys(create.properties)), ['completed', 'description', 'title']);
  assert.equal(create.properties.title.minLength, 1);
  assert.equal(create.properties.title.maxLength, 200);
  assert.equal(create.properties.description.maxLength, 1000);
  for (const method of ['put', 'patch']) {
    const update = body('/api/tasks/{id}', method);
    assert.equal(update.additionalProperties, false);
    assert.deepEqual(sorted(Object.keys(update.properties)), ['completed', 'description', 'title']);
    assert.ok(update.minProperties >= 1, 'at least one field');
  }
  const complete = body('/api/tasks/{id}/complete', 'patch');
  assert.deepEqual(Object.keys(complete.properties), ['completed']);
  assert.equal(resolve(doc.paths['/api/tasks/{id}/complete'].patch.requestBody).required, false, 'the body is optional');
});

// ---- API.md ------------------------------------------------------------------

test('API.md mentions every path of the contract', () => {
  for (const p of Object.keys(ROUTES)) assert.ok(apiMd.includes(p), `API.md does not mention ${p}`);
});

test('API.md mentions every error code, the cookie and every setting', () => {
  for (const code of Object.keys(CODES)) assert.ok(apiMd.includes(`\`${code}\``), `API.md does not mention ${code}`);
  for (const word of [
    'todod_token', 'HttpOnly', 'SameSite=Strict', 'Retry-After', 'WWW-Authenticate', 'Origin',
    'TODOD_LISTEN', 'DATABASE_URL', 'TODOD_DATA_DIR', 'TODOD_JWT_SECRET', 'BETTER_AUTH_SECRET', 'JWT_SECRET',
    'TODOD_TOKEN_TTL', 'TODOD_LOGIN_MAX_FAILURES', 'TODOD_TRUST_PROXY', '604800', '127.0.0.1:8080',
    'TODOD_REGISTER_MAX_PER_ADDRESS', 'TODOD_ISSUER', '414', '/api/openapi.json', '/docs',
  ]) {
    assert.ok(apiMd.includes(word), `API.md does not mention ${word}`);
  }
});
