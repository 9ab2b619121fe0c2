// Staff roles (issue 15, item 5), in Chromium: what a records, a privacy and
// an admin account each see and may do, a 403 page for a forbidden action of
// each, and an admin managing accounts in the dashboard. Its own office and
// kiosk (harness.mjs makes a fresh work directory per test file).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { axe, cli, login, loggedInPage, office, pairAndSync, root, shot, startBrowser, startOffice, stopOffice } from './harness.mjs';

const HEAD = { user: 'head', password: 'the head of office passphrase' };
const accounts = {}; // user name -> password shown by the dashboard
let url, browser;

before(async () => {
  const started = await startOffice();
  url = started.url;
  office(['user', 'add', HEAD.user], `${HEAD.password}\n`); // the first account: an admin
  cli('agreement', 'add', join(root, 'assets/sample-agreement.md'), '--title', 'IT Acceptable Use Agreement 2026');
  for (const name of ['Ann Hughes', 'Tom Price']) cli('sign', '--role', 'visitor', '--name', name, '--strokes', join(root, 'assets/demo-signature.json'));
  pairAndSync(started);
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  stopOffice();
});

const as = (account) => loggedInPage(browser, url, account);

const menu = async (page) => (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).sort();
const csrfOf = (page) => page.locator('input[name=csrf]').first().getAttribute('value');
const statusOf = (response) => response.status();

let head;

test('an admin adds accounts in the dashboard, each password shown once', async () => {
  head = await as(HEAD);
  assert.deepEqual(await menu(head), ['Agreements', 'Audit log', 'Integrity', 'Kiosks', 'Privacy', 'Records', 'Roster', 'Schools', 'Staff accounts']);
  await head.getByRole('link', { name: 'Staff accounts' }).click();
  assert.match(await head.locator('tbody tr').first().innerText(), /^head \(you\)[\s\S]*Active/);
  assert.equal(await head.getByLabel('Role of head', { exact: true }).inputValue(), 'admin', 'the first account, made with the CLI, is an admin');
  assert.deepEqual(await axe(head), [], 'accounts page: axe-core violations');
  for (const [user, role] of [['r.jones', 'records'], ['p.hughes', 'privacy']]) {
    await head.goto('/accounts');
    await head.getByLabel('User name').fill(user);
    await head.getByLabel('Role', { exact: true }).selectOption(role);
    await head.getByRole('button', { name: 'Add account' }).click();
    assert.match(await head.locator('main').innerText(), new RegExp(`Added ${user} with the ${role} role`));
    accounts[user] = (await head.locator('#password').innerText()).trim();
    assert.match(accounts[user], /^([a-z2-9]{4}-){3}[a-z2-9]{4}$/);
    if (role === 'records') {
      assert.deepEqual(await axe(head), [], 'new password page: axe-core violations');
      await shot(head, '21-account-added');
    }
  }
  await head.goto('/accounts');
  await shot(head, '20-accounts');
  assert.match(await head.locator('tbody tr', { hasText: 'p.hughes' }).innerText(), /Active/);
});

test('a records account searches and exports, and is refused privacy and admin work with a 403 page', async () => {
  const page = await as({ user: 'r.jones', password: accounts['r.jones'] });
  assert.deepEqual(await menu(page), ['Agreements', 'Integrity', 'Records', 'Roster']);
  assert.match(await page.locator('main').innerText(), /2 records found/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  assert.ok(await download.path(), 'the CSV downloads');
  await page.getByRole('link', { name: 'Tom Price' }).click();
  const recordUrl = page.url();
  assert.equal(await page.getByRole('button', { name: 'Erase' }).count(), 0, 'no erase form to use');
  const csrf = await csrfOf(page);
  const erase = await page.request.post(`${recordUrl}/erase`, { form: { csrf, reason: 'trying' }, maxRedirects: 0 });
  assert.equal(statusOf(erase), 403, 'erasing is refused');
  assert.match(await erase.text(), /Your account cannot erase records[^<]*Ask a member of staff with the privacy role\./);
  const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/privacy')), page.goto('/privacy')]);
  assert.equal(refused.status(), 403);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Forbidden');
  assert.match(await page.getByRole('alert').innerText(), /Ask a member of staff with the privacy role/);
  assert.deepEqual(await axe(page), [], '403 page: axe-core violations');
  await shot(page, '22-forbidden');
  await page.goto(recordUrl);
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Tom Price/, 'still not erased');
  await page.context().close();
});

test('a privacy account erases (named in the audit log) and is refused admin work with a 403 page', async () => {
  const page = await as({ user: 'p.hughes', password: accounts['p.hughes'] });
  assert.deepEqual(await menu(page), ['Agreements', 'Audit log', 'Integrity', 'Privacy', 'Records', 'Roster']);
  const csrf = await csrfOf(page);
  const pairing = await page.request.post('/kiosks/pairing-code', { form: { csrf }, maxRedirects: 0 });
  assert.equal(statusOf(pairing), 403, 'making a pairing code is refused');
  assert.match(await pairing.text(), /Your account cannot manage staff accounts, kiosks or pairing[^<]*admin role\./);
  const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/accounts')), page.goto('/accounts')]);
  assert.equal(refused.status(), 403);
  await page.goto('/records?name=ann');
  await page.getByRole('link', { name: 'Ann Hughes' }).click();
  await page.getByLabel('Reason').fill('erasure request 2026-31');
  await page.getByRole('button', { name: 'Erase' }).click();
  assert.match(await page.locator('main').innerText(), /was erased on/);
  await page.goto('/audit');
  assert.match(await page.locator('tbody tr', { hasText: 'erasure request 2026-31' }).innerText(), /p\.hughes\s+erasure/);
  await page.context().close();
});

test('the admin sets a role, makes a new password and disables an account; it can then not log in', async () => {
  const jones = await as({ user: 'r.jones', password: accounts['r.jones'] });
  await head.goto('/accounts');
  await head.getByLabel('Role of r.jones', { exact: true }).selectOption('privacy');
  await head.getByRole('button', { name: 'Set role of r.jones' }).click();
  assert.match(await head.getByRole('status').innerText(), /r\.jones now has the privacy role/);
  await jones.goto('/records');
  assert.ok((await menu(jones)).includes('Privacy'), 'the new role applies at their next request');

  await head.getByRole('button', { name: 'New password for r.jones' }).click();
  const fresh = (await head.locator('#password').innerText()).trim();
  await jones.goto('/records');
  assert.match(jones.url(), /\/login/, 'a new password logs them out');
  const [old] = await Promise.all([jones.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), login(jones, { user: 'r.jones', password: accounts['r.jones'] })]);
  assert.equal(old.status(), 401, 'the old password no longer works');
  await login(jones, { user: 'r.jones', password: fresh });
  assert.match(jones.url(), /\/records$/, 'the new one does');

  await head.goto('/accounts');
  await head.getByRole('button', { name: 'Disable r.jones' }).click();
  assert.match(await head.getByRole('status').innerText(), /r\.jones is disabled/);
  assert.match(await head.locator('tbody tr', { hasText: 'r.jones' }).innerText(), /Disabled \d{4}-/);
  await shot(head, '23-account-disabled');
  await jones.goto('/records');
  assert.match(jones.url(), /\/login/, 'disabling ends their session');
  const [disabled] = await Promise.all([jones.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), login(jones, { user: 'r.jones', password: fresh })]);
  assert.equal(disabled.status(), 401, 'a disabled account cannot log in');

  // The last active admin cannot disable itself (nobody could then manage accounts).
  const [last] = await Promise.all([head.waitForResponse((r) => r.url().endsWith('/head/disable')), head.getByRole('button', { name: 'Disable head' }).click()]);
  assert.equal(last.status(), 409);
  assert.match(await head.getByRole('alert').innerText(), /head is the last active admin/);

  await head.goto('/audit');
  const log = await head.locator('tbody').innerText();
  for (const [action, detail] of [['account_added', 'r.jones, role records'], ['account_role_set', 'r.jones: role privacy \\(was records\\)'], ['account_password_reset', 'r.jones: a new password'], ['account_disabled', 'r.jones: cannot log in']]) {
    assert.match(log, new RegExp(`head\\s+${action}\\s+${detail}`), `the audit log names who did ${action} to whom`);
  }
  assert.match(log, /r\.jones\s+refused\s+POST \/records\/[0-9a-f-]+\/2\/erase: needs the privacy role, the account has the records role/);
});
