// failure.test.mjs: when the server answers 500 or cannot be reached, an
// optimistic change is rolled back and says so, and nothing typed is lost;
// a list that cannot load shows the lost connection and is retried.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTask, assertNoProblems, expectCounts, expectTitles, newPage, signUp, useWeb } from './helpers.mjs';

const fx = useWeb();
const INTERNAL = { status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"internal error"}}' };

test('a toggle the server refuses is rolled back and says so', async () => {
  const page = await newPage(fx);
  await signUp(page);
  await addTask(page, 'Stays pending');
  await page.route('**/api/tasks/*/complete', (route) => route.fulfill(INTERNAL));
  await page.getByRole('checkbox', { name: 'Done: Stays pending' }).click();
  await page.getByText('Could not save: internal error The change was undone.').waitFor();
  assert.equal(await page.getByRole('checkbox', { name: 'Done: Stays pending' }).isChecked(), false);
  await expectCounts(page, '1 pending · 0 done');
  await page.unroute('**/api/tasks/*/complete');
  await page.reload();
  assert.equal(await page.getByRole('checkbox', { name: 'Done: Stays pending' }).isChecked(), false, 'nothing was written');
  await page.context().close();
});

test('an edit that fails keeps what was typed, and saves once the server is back', async () => {
  const page = await newPage(fx);
  await signUp(page);
  await addTask(page, 'Original title');
  await page.route('**/api/tasks/*', (route) => (route.request().method() === 'PATCH' ? route.fulfill(INTERNAL) : route.continue()));
  await page.getByRole('button', { name: 'Edit: Original title' }).click();
  await page.getByLabel('Title', { exact: true }).fill('A better title');
  await page.getByLabel('Description', { exact: true }).fill('Typed with care');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Could not save: internal error Your text is kept; try again.').waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'A better title');
  assert.equal(await page.getByLabel('Description', { exact: true }).inputValue(), 'Typed with care');
  await page.unroute('**/api/tasks/*');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.task-title', { hasText: 'A better title' }).waitFor();
  await page.reload();
  await expectTitles(page, ['A better title']);
  assertNoProblems(page);
  await page.context().close();
});

test('a server that went away: the new task stays typed, a delete comes back, the list retries', async () => {
  const page = await newPage(fx);
  await signUp(page);
  await addTask(page, 'Keep me');
  await page.route('**/api/**', (route) => route.abort('connectionrefused'));
  await page.getByLabel('New task title').fill('Typed while offline');
  await page.getByLabel('New task title').press('Enter');
  await page.getByText('Could not add the task: Cannot reach todod.').waitFor();
  assert.equal(await page.getByLabel('New task title').inputValue(), 'Typed while offline');
  await expectTitles(page, ['Keep me']);

  await page.getByRole('button', { name: 'Delete: Keep me' }).click();
  await expectTitles(page, []);
  await page.waitForTimeout(5500); // the undo window, then the DELETE fails
  await expectTitles(page, ['Keep me']);
  await page.getByText('Could not delete: Cannot reach todod.').waitFor();

  await page.getByRole('button', { name: 'Pending', exact: true }).click();
  await page.getByText('Connection lost. Retrying…').waitFor();
  await page.unroute('**/api/**');
  await page.locator('#banner:empty').waitFor({ state: 'attached', timeout: 10000 });
  await expectTitles(page, ['Keep me']);
  await page.getByLabel('New task title').press('Enter');
  await page.locator('.task-title', { hasText: 'Typed while offline' }).waitFor();
  await page.context().close();
});
