// Many schools in one office (issue 18), in Chromium: a trust admin adds a
// school, makes a pairing code for it and an account limited to it; the
// trust sees both schools' records and filters by school; the school's
// account sees only its own, and a link to the other school's record typed
// by hand finds nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, axe, cli, loggedInPage, office, pairAndSync, root, shot, startBrowser, startOffice, stopOffice, work } from './harness.mjs';

const HEAD = { user: 'head', password: 'the head of the trust passphrase' };
const oakDb = join(work, 'oakfield.db');
const oak = (...args) => execFileSync(CLI, ['--db', oakDb, ...args], { encoding: 'utf8' });
const strokes = join(root, 'assets/demo-signature.json');
let started, browser, head, leePassword;

before(async () => {
  started = await startOffice();
  office(['user', 'add', HEAD.user], `${HEAD.password}\n`);
  cli('agreement', 'add', join(root, 'assets/sample-agreement.md'), '--title', 'IT Acceptable Use Agreement 2026');
  cli('sign', '--role', 'visitor', '--name', 'Ann Hughes', '--strokes', strokes);
  pairAndSync(started); // the office's first school
  browser = await startBrowser();
  head = await loggedInPage(browser, started.url, HEAD);
});

after(async () => {
  await browser?.close();
  stopOffice();
});

test('a trust admin adds a school and pairs a kiosk for it', async () => {
  await head.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schools' }).click();
  await head.getByLabel('School', { exact: true }).fill('Oakfield Primary');
  await head.getByRole('button', { name: 'Add school' }).click();
  assert.match(await head.locator('tbody').innerText(), /Oakfield Primary/);
  assert.deepEqual(await axe(head), [], 'schools page: axe-core violations');
  await shot(head, '40-schools');

  await head.goto('/kiosks');
  await head.getByLabel('School', { exact: true }).selectOption({ label: 'Oakfield Primary' });
  await head.getByRole('button', { name: 'Make a pairing code' }).click();
  const code = (await head.locator('strong.hash').innerText()).trim();
  oak('agreement', 'add', join(root, 'assets/sample-agreement.md'), '--title', 'IT Acceptable Use Agreement 2026');
  oak('sign', '--role', 'governor', '--name', 'Ben Ward', '--strokes', strokes);
  oak('pair', '--office', started.url, '--code', code, '--fingerprint', started.fingerprint);
  oak('sync');
  await head.goto('/kiosks');
  assert.match(await head.locator('table.kiosks').innerText(), /Oakfield Primary/);
});

test('the trust searches both schools and filters by one', async () => {
  await head.goto('/records');
  const results = head.locator('table').first();
  assert.match(await results.innerText(), /Ann Hughes/);
  assert.match(await results.innerText(), /Ben Ward[\s\S]*Oakfield Primary|Oakfield Primary[\s\S]*Ben Ward/);
  await head.getByLabel('School', { exact: true }).selectOption({ label: 'Oakfield Primary' });
  await head.getByRole('button', { name: 'Search' }).click();
  assert.match(await head.locator('main').innerText(), /1 record found/);
  assert.doesNotMatch(await head.locator('main').innerText(), /Ann Hughes/);
  await shot(head, '41-records-by-school');
});

test("a school's account sees only its school, and another school's record link finds nothing", async () => {
  await head.goto('/accounts');
  await head.getByLabel('User name').fill('k.lee');
  await head.locator('form[action="/accounts"]').getByLabel('Oakfield Primary').check();
  await head.getByRole('button', { name: 'Add account' }).click();
  leePassword = (await head.locator('#password').innerText()).trim();

  await head.goto('/records?name=Ann');
  await head.getByRole('link', { name: 'Ann Hughes' }).click();
  const annLink = new URL(head.url()).pathname;

  const lee = await loggedInPage(browser, started.url, { user: 'k.lee', password: leePassword });
  const main = await lee.locator('main').innerText();
  assert.match(main, /1 record found/);
  assert.match(main, /Ben Ward/);
  assert.doesNotMatch(main, /Ann Hughes/);
  assert.equal(await lee.getByLabel('School', { exact: true }).count(), 0, 'one school: no choice of school');
  const [typed] = await Promise.all([lee.waitForResponse((r) => r.url().endsWith(annLink)), lee.goto(annLink)]);
  assert.equal(typed.status(), 404);
  assert.doesNotMatch(await lee.locator('body').innerText(), /Ann Hughes/);
  assert.deepEqual(await axe(lee), [], 'not found page: axe-core violations');
  await shot(lee, '42-other-school-record');
});

test("a school's kiosks take the trust's settings, or the school's own", async () => {
  await head.goto('/kiosks');
  await head.locator('#setting-idle-timeout').fill('120');
  await head.locator('#setting-idle-timeout').press('Enter');
  await head.waitForURL(/\/kiosks/);
  await head.getByLabel('Settings for').selectOption({ label: 'Oakfield Primary' });
  await head.getByRole('button', { name: 'Show' }).click();
  assert.equal(await head.locator('#setting-idle-timeout').inputValue(), '120', "the trust's, until Oakfield sets its own");
  assert.equal(await head.locator('#setting-school-name').inputValue(), 'Oakfield Primary', "its kiosks show its name");
  await head.locator('#setting-idle-timeout').fill('45');
  await head.locator('#setting-idle-timeout').press('Enter');
  await head.waitForURL(/settings=2/);
  const settings = head.locator('#setting-idle-timeout').locator('xpath=../..');
  assert.match(await settings.innerText(), /Set by this school/);
  assert.equal(await head.locator('#setting-idle-timeout').inputValue(), '45');
  assert.deepEqual(await axe(head), [], 'kiosk settings of a school: axe-core violations');
  await shot(head, '43-school-kiosk-settings');

  // Oakfield's kiosk fetches its school's configuration on its next sync,
  // the number the Kiosks page gives for Oakfield.
  oak('sync');
  const synced = oak('sync-status');
  await head.goto('/kiosks');
  const summary = await head.locator('main p', { hasText: 'Oakfield Primary:' }).innerText();
  const version = summary.match(/Kiosk configuration (\d+)/)[1];
  assert.match(synced, new RegExp(`office configuration (version )?${version}\\b`), synced);

  await head.goto('/kiosks?settings=2');
  await settings.getByRole('button', { name: "Use the trust's" }).click();
  await head.waitForURL(/settings=2/);
  assert.equal(await head.locator('#setting-idle-timeout').inputValue(), '120');
});

test("a school chooses the version its kiosks' visitors sign", async () => {
  await head.goto('/agreements');
  await head.getByLabel('At Oakfield Primary, the role').selectOption('visitor');
  const version = head.locator('#school-2-version');
  const own = await version.locator('option').nth(1).getAttribute('value');
  await version.selectOption(own);
  await head.locator('form[action="/agreements/school"]', { has: version }).getByRole('button', { name: 'Save' }).click();
  await head.waitForURL(/\/agreements/);
  const oakTable = head.locator('table', { has: head.locator('caption', { hasText: 'Oakfield Primary' }) });
  assert.match(await oakTable.locator('tr', { hasText: 'Visitor' }).innerText(), /Set by this school/);
  // The office's first school (named by serve --school on SQLite, not on a trust's database).
  const firstTable = head.locator('#school-agreements ~ div.table-wrap table').first();
  assert.match(await firstTable.locator('tr', { hasText: 'Visitor' }).innerText(), /Set by the trust/);
  assert.deepEqual(await axe(head), [], 'agreements per school: axe-core violations');
  await shot(head, '44-school-agreements');
});
