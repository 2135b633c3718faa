// session.test.mjs: the session lives in the HttpOnly cookie. Two people in
// two browser contexts never see each other's tasks; with a short
// TODOD_TOKEN_TTL the next action after expiry lands on /signin with the
// message and signing in returns to /tasks, keeping what was typed; signing
// out in one tab sends the other tab's next action to /signin.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addTask, assertNoProblems, expectTitles, newPage, signIn, signUp, useWeb } from './helpers.mjs';

describe('with the default token lifetime', () => {
  const fx = useWeb();

  test('two people in two browser contexts never see each other\'s tasks', async () => {
    const ada = await newPage(fx);
    const bob = await newPage(fx);
    await signUp(ada, { name: 'Ada' });
    await signUp(bob, { name: 'Bob' });
    await addTask(ada, 'Ada private one');
    await addTask(bob, 'Bob private one');
    await addTask(ada, 'Ada private two');
    await ada.reload();
    await bob.reload();
    await expectTitles(ada, ['Ada private two', 'Ada private one']);
    await expectTitles(bob, ['Bob private one']);
    await bob.getByLabel('Search tasks').fill('Ada');
    await bob.getByText('No matching tasks').waitFor();
    assert.equal(await bob.locator('.task').count(), 0);
    assert.ok((await ada.locator('.who').textContent()).includes('Ada'));
    assert.ok((await bob.locator('.who').textContent()).includes('Bob'));
    assert.deepEqual(await ada.context().cookies().then((c) => c.map((x) => [x.name, x.httpOnly])), [['todod_token', true]]);
    assert.equal(await ada.evaluate(() => document.cookie), '', 'page scripts never see the token');
    assertNoProblems(ada);
    assertNoProblems(bob);
    await ada.context().close();
    await bob.context().close();
  });

  test('sign out in one tab, act in another: /signin', async () => {
    const first = await newPage(fx);
    await signUp(first);
    await addTask(first, 'Shared tab task');
    const second = await first.context().newPage();
    await second.goto('/tasks');
    await expectTitles(second, ['Shared tab task']);
    await first.getByRole('button', { name: 'Sign out' }).click();
    await first.waitForURL('**/signin');
    await second.getByRole('checkbox', { name: 'Done: Shared tab task' }).click({ noWaitAfter: true });
    await second.waitForURL('**/signin?**');
    await second.getByText('Your session has expired, please sign in again.').waitFor();
    await first.context().close();
  });
});

describe('with TODOD_TOKEN_TTL=4', () => {
  const fx = useWeb({ env: { TODOD_TOKEN_TTL: '4' } });

  test('the next action after expiry lands on /signin with the message; signing in returns to /tasks', async () => {
    const page = await newPage(fx);
    const me = await signUp(page);
    await page.getByLabel('Sort by').selectOption('title:asc');
    await page.waitForURL('**/tasks?sort=title&order=asc');
    await page.waitForTimeout(5500);
    await page.getByLabel('New task title').fill('Typed before expiry');
    await page.getByLabel('New task title').press('Enter');
    await page.waitForURL('**/signin?**');
    await page.getByText('Your session has expired, please sign in again.').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('next'), '/tasks?sort=title&order=asc');
    await signIn(page, me);
    await page.waitForURL('**/tasks?sort=title&order=asc');
    assert.equal(await page.locator('#new-title').inputValue(), 'Typed before expiry', `the draft is kept (${page.url()})`);
    assertNoProblems(page);
    await page.context().close();
  });
});
