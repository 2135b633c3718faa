// journey.test.mjs: one person's whole journey in a real browser, with the
// mouse and then with the keyboard alone: sign up, add three tasks, edit
// one, toggle one, filter, search, sort, delete one, sign out; /tasks then
// sends to /signin; signing in again finds the same tasks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addTask, assertNoProblems, expectCounts, expectTitles, newPage, signIn, signUp, tabTo, uniqueEmail, useWeb,
} from './helpers.mjs';

const fx = useWeb();

test('the whole journey with the mouse', async () => {
  const page = await newPage(fx);
  await page.goto('/');
  await page.getByRole('link', { name: 'Get started' }).click();
  await page.waitForURL('**/signup');
  const me = await signUp(page);
  await page.getByText('Nothing here yet').waitFor();
  await assert.doesNotReject(page.getByText(me.email).waitFor());

  await addTask(page, 'Buy milk');
  await addTask(page, 'Write report', 'Quarterly numbers');
  await addTask(page, 'Call mom');
  await expectTitles(page, ['Call mom', 'Write report', 'Buy milk']);
  await expectCounts(page, '3 pending · 0 done');

  // edit in place
  await page.getByRole('button', { name: 'Edit: Buy milk' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Buy oat milk');
  await page.getByLabel('Description', { exact: true }).fill('Two cartons');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.task-title', { hasText: 'Buy oat milk' }).waitFor();
  await page.getByText('Two cartons').waitFor();

  // toggle
  await page.getByRole('checkbox', { name: 'Done: Call mom' }).check();
  await expectCounts(page, '2 pending · 1 done');

  // filter, kept in the URL across a reload and back
  await page.getByRole('button', { name: 'Completed', exact: true }).click();
  await expectTitles(page, ['Call mom']);
  assert.match(page.url(), /status=completed/);
  await page.reload();
  await expectTitles(page, ['Call mom']);
  assert.equal(await page.getByRole('button', { name: 'Completed', exact: true }).getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: 'Pending', exact: true }).click();
  await expectTitles(page, ['Write report', 'Buy oat milk']);
  await page.goBack();
  await expectTitles(page, ['Call mom']);
  await page.getByRole('button', { name: 'All', exact: true }).click();
  await expectTitles(page, ['Call mom', 'Write report', 'Buy oat milk']);

  // search as you type
  await page.getByLabel('Search tasks').fill('report');
  await expectTitles(page, ['Write report']);
  assert.match(page.url(), /q=report/);
  await page.getByLabel('Search tasks').fill('quarterly');
  await expectTitles(page, ['Write report']);
  await page.getByLabel('Search tasks').fill('');
  await expectTitles(page, ['Call mom', 'Write report', 'Buy oat milk']);

  // sort, both orders, kept on reload
  await page.getByLabel('Sort by').selectOption('title:asc');
  await expectTitles(page, ['Buy oat milk', 'Call mom', 'Write report']);
  assert.match(page.url(), /sort=title&order=asc/);
  await page.reload();
  await expectTitles(page, ['Buy oat milk', 'Call mom', 'Write report']);
  await page.getByLabel('Sort by').selectOption('title:desc');
  await expectTitles(page, ['Write report', 'Call mom', 'Buy oat milk']);
  await page.getByLabel('Sort by').selectOption('created:asc');
  await expectTitles(page, ['Buy oat milk', 'Write report', 'Call mom']);

  // delete with undo, then for good
  await page.getByRole('button', { name: 'Delete: Call mom' }).click();
  await expectTitles(page, ['Buy oat milk', 'Write report']);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expectTitles(page, ['Buy oat milk', 'Write report', 'Call mom']);
  await page.getByRole('button', { name: 'Delete: Write report' }).click();
  await expectTitles(page, ['Buy oat milk', 'Call mom']);
  await expectCounts(page, '1 pending · 1 done');

  // sign out: /tasks now sends to /signin
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  await page.goto('/tasks');
  assert.equal(new URL(page.url()).pathname, '/signin');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/tasks');
  assert.equal(await page.locator('#list').count(), 0, 'no protected content');

  // sign in again: the same tasks
  await signIn(page, me);
  await page.waitForURL('**/tasks');
  await expectTitles(page, ['Call mom', 'Buy oat milk']);
  await expectCounts(page, '1 pending · 1 done');
  assertNoProblems(page);
  await page.context().close();
});

test('signing in with a wrong password says so without saying which; next is only ever a local path', async () => {
  const page = await newPage(fx);
  const me = await signUp(page, { email: uniqueEmail('wrong') });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  await signIn(page, { email: me.email, password: 'not the password' });
  await page.getByText('Invalid email or password.').waitFor();
  await signIn(page, { email: uniqueEmail('nobody'), password: 'not the password' });
  await page.getByText('Invalid email or password.').waitFor();
  for (const next of ['https://example.com/x', '//example.com/x', '/\\example.com']) {
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await signIn(page, me);
    await page.waitForURL('**/tasks');
    assert.equal(new URL(page.url()).host, new URL(fx.base).host, `next=${next} is ignored`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin');
  }
  await page.goto('/signin?next=%2Ftasks%3Fstatus%3Dpending');
  await signIn(page, me);
  await page.waitForURL('**/tasks?status=pending');
  assertNoProblems(page);
  await page.context().close();
});

test('too many failed sign-ins: the page says when to try again', async () => {
  const page = await newPage(fx);
  await page.goto('/signin');
  const email = uniqueEmail('locked');
  for (let i = 0; i < 5; i++) {
    await signIn(page, { email, password: `wrong password ${i}` });
    await page.getByText('Invalid email or password.').waitFor();
    await page.locator('button[type="submit"]:not([disabled])').waitFor();
  }
  await signIn(page, { email, password: 'wrong password again' });
  await page.getByText(/Too many sign-in attempts\. Try again in \d+ (minutes?|seconds?)\./).waitFor();
  await page.context().close();
});

test('sign-up rules show as you type; the server says when the email is taken', async () => {
  const page = await newPage(fx);
  const me = await signUp(page, { email: uniqueEmail('taken') });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
  await page.goto('/signup');
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Password').blur();
  await page.getByText('Your password must be 8 to 128 characters.').waitFor();
  await page.getByLabel('Password').fill('long enough now');
  await page.locator('[data-rule="password"].ok').waitFor();
  await page.getByLabel('Name').fill('Someone');
  await page.getByLabel('Email').fill(me.email.toUpperCase());
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('An account with this email already exists').waitFor();
  assert.equal(new URL(page.url()).pathname, '/signup');
  assertNoProblems(page);
  await page.context().close();
});

test('the whole journey with the keyboard alone', async () => {
  const page = await newPage(fx);
  const email = uniqueEmail('keys');
  const focused = (text) => `document.activeElement?.textContent?.trim() === ${JSON.stringify(text)}`;
  const labelled = (label) => `document.activeElement?.getAttribute('aria-label') === ${JSON.stringify(label)}`;
  await page.goto('/');
  await tabTo(page, focused('Get started'), 'Get started');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/signup');
  // the name field has focus
  await page.keyboard.type('Kay Board');
  await page.keyboard.press('Tab');
  await page.keyboard.type(email);
  await tabTo(page, "document.activeElement?.id === 'password'", 'the password', 5);
  await page.keyboard.type('correct horse battery');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/tasks');
  await page.locator('#list[aria-busy="false"]').waitFor({ state: 'attached' });

  await tabTo(page, "document.activeElement?.id === 'new-title'", 'the new task field');
  for (const title of ['Buy milk', 'Write report', 'Call mom']) {
    await page.keyboard.type(title);
    await page.keyboard.press('Enter');
    await page.locator('.task-title', { hasText: title }).waitFor();
  }
  await expectTitles(page, ['Call mom', 'Write report', 'Buy milk']);

  await tabTo(page, labelled('Edit: Buy milk'), 'Edit: Buy milk');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Buy oat milk'); // the title is selected: typing replaces it
  await page.keyboard.press('Enter');
  await page.locator('.task-title', { hasText: 'Buy oat milk' }).waitFor();

  await page.keyboard.press('Shift+Tab');
  await tabTo(page, labelled('Done: Call mom'), 'Done: Call mom', 60);
  await page.keyboard.press('Space');
  await expectCounts(page, '2 pending · 1 done');

  await page.locator('#new-title').focus();
  await tabTo(page, focused('Completed'), 'the Completed filter');
  await page.keyboard.press('Enter');
  await expectTitles(page, ['Call mom']);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  assert.ok(await page.evaluate(focused('All')));
  await page.keyboard.press('Enter');
  await expectTitles(page, ['Call mom', 'Write report', 'Buy oat milk']);

  await tabTo(page, "document.activeElement?.id === 'search'", 'search');
  await page.keyboard.type('report');
  await expectTitles(page, ['Write report']);
  for (let i = 0; i < 6; i++) await page.keyboard.press('Backspace');
  await expectTitles(page, ['Call mom', 'Write report', 'Buy oat milk']);

  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate("document.activeElement?.id === 'sort'"));
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown'); // to "Title A to Z"
  await expectTitles(page, ['Buy oat milk', 'Call mom', 'Write report']);

  await tabTo(page, labelled('Delete: Write report'), 'Delete: Write report');
  await page.keyboard.press('Enter');
  await expectTitles(page, ['Buy oat milk', 'Call mom']);

  await page.locator('.brand').focus();
  await tabTo(page, focused('Sign out'), 'Sign out');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/signin');
  await page.goto('/tasks');
  await page.waitForURL('**/signin?next=%2Ftasks');
  // the email field has focus
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('correct horse battery');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/tasks');
  await expectTitles(page, ['Call mom', 'Buy oat milk']);
  assertNoProblems(page);
  await page.context().close();
});
