// docs.test.mjs: the interactive API reference at /docs works under the
// page CSP ('self' only): it renders every operation of the document, and
// "Try it out" calls this server with the session cookie, or with a token
// pasted under "Authorize".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoProblems, newPage, signUp, useWeb } from './helpers.mjs';

const fx = useWeb();

async function tryMe(page) {
  const op = page.locator('#operations-auth-me');
  await op.locator('.opblock-summary-control').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.getByRole('button', { name: 'Execute' }).click();
  const status = op.locator('.live-responses-table tr.response .response-col_status').first();
  await status.waitFor();
  return (await status.textContent()).trim();
}

test('/docs renders every operation and "Try it out" works with the cookie', async () => {
  const page = await newPage(fx);
  const me = await signUp(page);
  await page.goto('/docs');
  await page.locator('.opblock').first().waitFor();
  const doc = await (await page.request.get('/api/openapi.json')).json();
  const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item).filter((k) => k !== 'parameters'));
  assert.equal(await page.locator('.opblock').count(), operations.length, 'one block per operation');
  assert.equal(await tryMe(page), '200');
  await page.locator('#operations-auth-me .live-responses-table', { hasText: me.email }).waitFor();
  assertNoProblems(page);
  await page.context().close();
});

test('"Try it out" with a pasted bearer token, and 401 without one', async () => {
  const signedUp = await newPage(fx);
  const res = await signedUp.request.post('/api/auth/register', {
    data: { email: `docs-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Doc' },
  });
  const { access_token: token } = await res.json();
  await signedUp.context().close();

  const page = await newPage(fx);
  await page.goto('/docs');
  await page.locator('.opblock').first().waitFor();
  assert.equal(await tryMe(page), '401', 'no cookie, no token');
  await page.getByRole('button', { name: 'Authorize' }).first().click();
  // the first scheme in the dialog is bearerAuth
  const bearer = page.locator('.modal-ux .auth-container').first();
  await bearer.locator('input').first().fill(token);
  await bearer.locator('button.authorize').click();
  await page.locator('.modal-ux .close-modal').click();
  await page.locator('#operations-auth-me').getByRole('button', { name: 'Execute' }).click();
  await page.locator('#operations-auth-me .live-responses-table tr.response .response-col_status', { hasText: '200' }).waitFor();
  assertNoProblems(page);
  await page.context().close();
});
