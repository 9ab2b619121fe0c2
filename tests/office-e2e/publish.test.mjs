// Publishing an agreement from the office (issues 16 and 17), in Chromium:
// an admin lets a records account publish; it uploads the school's Word
// file, reads what the importer took out, edits the text, previews it as
// the kiosk shows it and publishes it for two roles; an account without
// the permission gets a 403 page. Its own office and kiosk.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { axe, cli, loggedInPage, office, pairAndSync, root, shot, startBrowser, startOffice, stopOffice } from './harness.mjs';

const HEAD = { user: 'head', password: 'the head of office passphrase' };
const PA = { user: 'p.a', password: 'the policies person passphrase' };
const CLERK = { user: 'clerk', password: 'the records clerk passphrase' };
const DOCX = join(root, 'crates/import/tests/corpus/headings-colon.docx');
let url, browser;

before(async () => {
  const started = await startOffice();
  url = started.url;
  office(['user', 'add', HEAD.user], `${HEAD.password}\n`); // the first account: an admin
  office(['user', 'add', PA.user, '--role', 'records'], `${PA.password}\n`);
  office(['user', 'add', CLERK.user, '--role', 'records'], `${CLERK.password}\n`);
  cli('agreement', 'add', join(root, 'assets/sample-agreement.md'), '--title', 'IT Acceptable Use Agreement 2026');
  cli('sign', '--role', 'visitor', '--name', 'Ann Hughes', '--strokes', join(root, 'assets/demo-signature.json'));
  pairAndSync(started);
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  stopOffice();
});

const as = (account) => loggedInPage(browser, url, account);

test('an admin lets an account publish; it imports a Word file, edits, previews and publishes it', async () => {
  const head = await as(HEAD);
  await head.goto('/accounts');
  await head.getByRole('button', { name: 'Let p.a publish' }).click();
  assert.match(await head.getByRole('status').innerText(), /p\.a may now publish agreements/);
  assert.match(await head.locator('tbody tr', { hasText: 'p.a' }).innerText(), /Yes/);
  await head.context().close();

  const page = await as(PA);
  await page.getByRole('link', { name: 'Agreements' }).click();
  assert.match(await page.locator('tbody').innerText(), /IT Acceptable Use Agreement 2026[\s\S]*visitor/, 'the kiosk\u2019s version is listed');
  await page.getByRole('link', { name: 'Publish a new agreement' }).click();
  assert.deepEqual(await axe(page), [], 'upload page: axe-core violations');
  await shot(page, '30-publish-upload');
  await page.getByLabel("The agreement's file").setInputFiles(DOCX);
  await page.getByRole('button', { name: 'Import' }).click();

  assert.match(await page.locator('#import-report').innerText(), /Removed paper signature block[^\n]*"Signed:"/, 'the report says what was taken out');
  assert.equal(await page.getByLabel('Title').inputValue(), 'Staff and Volunteer ICT Agreement');
  const markdown = page.getByLabel(/The text/);
  assert.match(await markdown.inputValue(), /^# Staff and Volunteer ICT Agreement\n\n## Email\n/);
  assert.deepEqual(await axe(page), [], 'review page: axe-core violations');
  await shot(page, '31-publish-review');

  await page.getByLabel('Title').fill('Staff and Volunteer ICT Agreement 2027');
  await markdown.fill((await markdown.inputValue()).replace('for all school business', 'for all school work'));
  await page.getByLabel('visitor').uncheck();
  await page.getByLabel('staff').check();
  await page.getByLabel('volunteer').check();
  await page.getByRole('button', { name: 'Update the preview' }).click();
  const preview = page.getByRole('region', { name: 'Preview of the agreement text' });
  assert.match(await preview.innerText(), /for all school work/, 'the preview follows the edit');
  assert.equal(await page.getByLabel('staff').isChecked(), true, 'the roles ticked survive the preview');
  await page.getByRole('button', { name: 'Publish' }).click();

  assert.match(await page.getByRole('status').innerText(), /Published \u201cStaff and Volunteer ICT Agreement 2027\u201d for staff, volunteer/);
  assert.match(await page.locator('tbody tr', { hasText: '2027' }).innerText(), /staff, volunteer/);
  assert.deepEqual(await axe(page), [], 'versions page: axe-core violations');
  await shot(page, '32-published');
  await page.context().close();

  const audit = await as(HEAD);
  await audit.goto('/audit');
  assert.match(await audit.locator('tbody tr', { hasText: 'agreement_published' }).innerText(), /p\.a[\s\S]*2027[\s\S]*staff, volunteer/);
  await audit.context().close();
  assert.match(office(['agreement', 'list']), /"Staff and Volunteer ICT Agreement 2027"\n {2}current for: staff, volunteer/);
});

test('an account without the permission sees no way to publish and is refused with a 403 page', async () => {
  const page = await as(CLERK);
  await page.goto('/agreements');
  assert.equal(await page.getByRole('link', { name: 'Publish a new agreement' }).count(), 0);
  const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/agreements/new')), page.goto('/agreements/new')]);
  assert.equal(refused.status(), 403);
  assert.match(await page.getByRole('alert').innerText(), /Your account cannot publish agreements/);
  await page.context().close();
});
