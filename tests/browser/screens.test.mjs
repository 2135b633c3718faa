// screens.test.mjs: every page at 1280 and 360 px, light and dark, saved
// under build/screenshots/ for people to look at; no page scrolls sideways
// at 360 px; and what each page loads weighs, gzipped, under 50 KB (the
// API reference excepted: swagger-ui alone is larger; its weight is printed).
// The tasks page makes exactly one API call after its HTML.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { addTask, expectTitles, newPage, screenshotDir, signUp, useWeb } from './helpers.mjs';

const fx = useWeb();
const BUDGET = 50 * 1024;

// Loads urlPath in a fresh context (a cold cache; storageState carries a
// session) and sums the bytes on the wire (headers aside) of everything it
// fetched; also returns the API calls made.
async function weigh(urlPath, storageState, ready) {
  const page = await newPage(fx, { storageState });
  const responses = [];
  page.on('response', (res) => responses.push(res));
  await page.goto(urlPath, { waitUntil: 'networkidle' });
  if (ready) await ready(page);
  let bytes = 0;
  for (const res of responses) bytes += (await res.request().sizes()).responseBodySize;
  const api = responses.map((r) => new URL(r.url())).filter((u) => u.pathname.startsWith('/api/')).map((u) => u.pathname);
  await page.context().close();
  return { bytes, api, count: responses.length };
}

async function noSidewaysScroll(page, what) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${what}: no horizontal scrolling (${scroll} > ${client})`);
}

test('screenshots of every page at 1280 and 360 px, light and dark', async () => {
  const dir = await screenshotDir();
  const files = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const page = await newPage(fx, { colorScheme, viewport: { width, height: 800 } });
      const shot = async (name) => {
        const file = path.join(dir, `${name}-${width}-${colorScheme}.png`);
        await page.screenshot({ path: file, fullPage: true });
        files.push(file);
      };
      for (const [name, urlPath] of [['home', '/'], ['signin', '/signin'], ['signup', '/signup'], ['docs', '/docs']]) {
        await page.goto(urlPath);
        if (name === 'docs') await page.locator('.opblock').first().waitFor();
        else await noSidewaysScroll(page, `${urlPath} at ${width}`);
        await shot(name);
      }
      await page.goto('/signin?expired=1&next=%2Ftasks');
      await shot('signin-expired');
      await signUp(page, { name: 'Grace Hopper' });
      await shot('tasks-empty');
      await addTask(page, 'Renew passport', 'Photos, the old passport and the form from the town hall');
      await addTask(page, 'Plan the team offsite');
      await addTask(page, 'Water the plants');
      await addTask(page, 'Reply to Ada about the compiler talk', 'She asked for slides by Friday');
      await page.getByRole('checkbox', { name: 'Done: Water the plants' }).check();
      await page.locator('#counts', { hasText: '3 pending · 1 done' }).waitFor();
      await noSidewaysScroll(page, `/tasks at ${width}`);
      await shot('tasks');
      await page.getByRole('button', { name: 'Edit: Plan the team offsite' }).click();
      await shot('tasks-editing');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.goto('/');
      await shot('home-signed-in');
      await page.context().close();
    }
  }
  console.log(`screenshots:\n${files.map((f) => path.relative(process.cwd(), f)).join('\n')}`);
  assert.equal(files.length, 4 * 9);
});

test('page weight, gzipped, under 50 KB; /tasks needs one API call after its HTML', async () => {
  const weights = {};
  for (const p of ['/', '/signin', '/signup']) {
    weights[p] = await weigh(p);
    assert.deepEqual(weights[p].api, [], `${p} calls no API`);
  }
  const page = await newPage(fx);
  await signUp(page);
  for (let i = 0; i < 55; i++) await page.request.post('/api/tasks', { data: { title: `Task number ${i}` } });
  const session = await page.context().storageState();
  weights['/tasks'] = await weigh('/tasks', session,
    (p) => expectTitles(p, Array.from({ length: 50 }, (_, i) => `Task number ${54 - i}`)));
  assert.deepEqual(weights['/tasks'].api, ['/api/tasks'], '/tasks makes one API call, the list');
  weights['/docs'] = await weigh('/docs', undefined, (p) => p.locator('.opblock').first().waitFor());
  for (const [p, w] of Object.entries(weights)) {
    console.log(`page weight ${p}: ${(w.bytes / 1024).toFixed(1)} KB gzipped in ${w.count} responses`);
    if (p !== '/docs') assert.ok(w.bytes < BUDGET, `${p} weighs ${w.bytes} bytes`);
  }
  // more than 50 tasks: the rest loads as the list scrolls
  await page.goto('/tasks');
  await page.locator('#sentinel').scrollIntoViewIfNeeded();
  await page.locator('.task-title', { hasText: 'Task number 0' }).waitFor();
  assert.equal(await page.locator('.task').count(), 55);
  await page.context().close();
});
