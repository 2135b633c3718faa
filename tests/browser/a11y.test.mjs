// a11y.test.mjs: axe-core scans every page, signed out and signed in, in
// the light and the dark theme, and must find no violation at all.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { addTask, newPage, signUp, useWeb } from './helpers.mjs';

const fx = useWeb();

async function scan(page, what) {
  const result = await new AxeBuilder({ page }).analyze();
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  assert.deepEqual(found, [], `${what}: axe violations`);
  assert.ok(result.passes.length > 10, `${what}: axe ran its checks`);
}

for (const colorScheme of ['light', 'dark']) {
  test(`no axe violation on any page, ${colorScheme} theme`, async () => {
    const page = await newPage(fx, { colorScheme });
    for (const p of ['/', '/signin', '/signup', '/signin?expired=1&next=%2Ftasks']) {
      await page.goto(p);
      await scan(page, `${p} signed out`);
    }
    await page.goto('/docs');
    await page.locator('.opblock').first().waitFor();
    await scan(page, '/docs');

    await page.goto('/signup');
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Password').blur();
    await scan(page, '/signup with an error shown');

    await signUp(page);
    await scan(page, '/tasks, empty');
    await addTask(page, 'First task', 'With a description');
    await addTask(page, 'Second task');
    await page.getByRole('checkbox', { name: 'Done: Second task' }).check();
    await scan(page, '/tasks with tasks');
    await page.getByRole('button', { name: 'Edit: First task' }).click();
    await scan(page, '/tasks while editing');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Delete: First task' }).click();
    await page.getByRole('button', { name: 'Undo' }).waitFor();
    await scan(page, '/tasks with the undo toast');
    await page.goto('/');
    await scan(page, '/ signed in');
    await page.goto('/docs');
    await page.locator('.opblock').first().waitFor();
    await scan(page, '/docs signed in');
    await page.context().close();
  });
}
