// helpers.mjs: shared machinery of the browser journeys.
// Starts the real binary on a throw-away data directory (through the API
// suite's helpers) and Debian's /usr/bin/chromium, headless, through
// playwright-core; nothing is downloaded. Pages are reached on loopback only.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO_ROOT, startServer, stopAndCheck } from '../api/helpers.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO_ROOT, 'build', 'screenshots');
export const PASSWORD = 'correct horse battery';

// Every server gets a registration allowance no test run can reach.
export const SERVER_ENV = { TODOD_REGISTER_MAX_PER_ADDRESS: '100000' };

export async function launchBrowser() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: make test installs Debian's chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync',
    ],
  });
}

// A server and a browser for the enclosing file: fx.server, fx.base, fx.browser.
export function useWeb(options = {}) {
  const fx = {};
  before(async () => {
    fx.server = await startServer({ ...options, env: { ...SERVER_ENV, ...(options.env ?? {}) } });
    fx.base = fx.server.base;
    fx.browser = await launchBrowser();
  });
  after(async () => {
    await fx.browser?.close();
    await stopAndCheck(fx.server);
  });
  return fx;
}

// A fresh browser context (its own cookies) whose page fails the test on
// any script error or CSP violation.
export async function newPage(fx, contextOptions = {}) {
  const context = await fx.browser.newContext({ baseURL: fx.base, ...contextOptions });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 4\d\d|status of 5\d\d|net::ERR_/.test(msg.text())) {
      page.problems.push(`console error: ${msg.text()}`);
    }
  });
  return page;
}

export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], 'no script error and no CSP violation');
}

let counter = 0;
export function uniqueEmail(tag = 'user') {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

// Signs up through the form; lands on /tasks.
export async function signUp(page, { name = 'Ada Lovelace', email = uniqueEmail(), password = PASSWORD } = {}) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/tasks');
  await page.locator('#list[aria-busy="false"]').waitFor({ state: 'attached' });
  return { name, email, password };
}

export async function signIn(page, { email, password = PASSWORD }) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// Adds a task through the composer and waits for it in the list.
export async function addTask(page, title, description = '') {
  await page.getByLabel('New task title').fill(title);
  if (description) await page.getByLabel('Description (optional)').fill(description);
  await page.getByLabel('New task title').press('Enter');
  await page.locator('.task-title', { hasText: title }).first().waitFor();
}

export function taskTitles(page) {
  return page.locator('#list .task-title').allTextContents();
}

// Waits until the list shows exactly titles (in order).
export async function expectTitles(page, titles) {
  const deadline = Date.now() + 5000;
  let seen;
  for (;;) {
    const busy = await page.locator('#list').getAttribute('aria-busy');
    seen = await taskTitles(page);
    if (busy === 'false' && JSON.stringify(seen) === JSON.stringify(titles)) return;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(50);
  }
  assert.deepEqual(seen, titles);
}

export async function screenshotDir() {
  await mkdir(SCREENSHOTS, { recursive: true });
  return SCREENSHOTS;
}

export { startServer, stopAndCheck };

// Presses Tab (at most limit times) until the focused element matches
// predicate (run in the page on document.activeElement); fails otherwise.
export async function tabTo(page, predicate, what, limit = 40) {
  if (await page.evaluate(predicate)) return;
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return;
  }
  assert.fail(`Tab never reached ${what}`);
}

// The counts line, e.g. "2 pending · 1 done".
export async function expectCounts(page, text) {
  await page.locator('#counts', { hasText: text }).waitFor();
}
