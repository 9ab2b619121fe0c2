// End-to-end with real processes (issue 17): staff publish a new agreement
// and the school's privacy notice at a real `signbook-office`, in Chromium;
// the paired release kiosk (under Xvfb) syncs, and its next visitor reads
// the new text and the office's notice in Welsh and English, and the record
// names the new hash. Then a configuration altered on the way (by a proxy
// holding the office's own certificate, so the kiosk's pin still matches)
// is refused, shown on the admin Status tab, and the intact copy that
// follows is applied.
//
// Covered elsewhere, with real servers: an offline kiosk catching up and a
// configuration signed by another office (crates/kiosk/tests/configuration.rs),
// an account without the permission refused with a 403 (tests/office-e2e/publish.test.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { CLI, SHOTS, cli, click, db, drawSignature, launch, look, startDrivers, startOffice, stopDrivers, waitForScreen, workDir } from './harness.mjs';

const PIN = '2580';
const HEAD = { user: 'head', password: 'the head of office passphrase' };
const NEW_TEXT = '# Visitor Agreement 2027\n\nI will keep my visitor badge on and will not photograph pupils.\n';
const NOTICE_EN = '# How we use your information\n\nYsgol y Dderwen holds your name and signature to keep pupils safe. Ask Mrs Ann Jones, our data protection officer.\n';
const NOTICE_CY = "# Sut rydym yn defnyddio eich gwybodaeth\n\nMae Ysgol y Dderwen yn cadw eich enw a'ch llofnod i gadw disgyblion yn ddiogel. Gofynnwch i Mrs Ann Jones.\n";
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

let office, proxy, chromiumBrowser;

/**
 * Between the kiosk and the office: passes every request on, and while
 * `tamper` is set changes one character of the configuration the office
 * signed. It presents the office's own certificate and key, as an attacker
 * with a copy of them would: only the signature can tell.
 */
function startProxy(target, dataDir) {
  const cert = new X509Certificate(readFileSync(join(dataDir, 'cert.der'))).toString();
  const key = createPrivateKey({ key: readFileSync(join(dataDir, 'key.der')), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' });
  const upstream = new URL(target);
  const state = { tamper: false, tampered: 0 };
  const server = createServer({ cert, key }, (req, res) => {
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => {
      const headers = { ...req.headers, host: upstream.host };
      const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, rejectUnauthorized: false }, (answer) => {
        const chunks = [];
        answer.on('data', (chunk) => chunks.push(chunk));
        answer.on('end', () => {
          let payload = Buffer.concat(chunks);
          if (state.tamper && req.url === '/v1/configuration' && answer.statusCode === 200) {
            const signed = JSON.parse(payload.toString('utf8'));
            signed.configuration = signed.configuration.replace('photograph', 'phonograph');
            payload = Buffer.from(JSON.stringify(signed));
            state.tampered++;
          }
          const { 'content-length': _length, 'transfer-encoding': _encoding, ...kept } = answer.headers;
          res.writeHead(answer.statusCode, { ...kept, 'content-length': payload.length });
          res.end(payload);
        });
      });
      out.on('error', () => res.destroy());
      out.end(Buffer.concat(body));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `https://127.0.0.1:${server.address().port}`,
    state,
    stop: () => server.close(),
  })));
}

/** A logged-in dashboard page in Chromium (the office's certificate is self-signed). */
async function dashboard() {
  const context = await chromiumBrowser.newContext({ baseURL: office.url, ignoreHTTPSErrors: true, viewport: { width: 1024, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto('/login');
  await page.getByLabel('User name').fill(HEAD.user);
  await page.getByLabel('Password').fill(HEAD.password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Log in' }).click()]);
  return page;
}

const officeShot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function expectAccessible(browser, name) {
  assert.deepEqual(await look(browser, name), [], `axe found problems on ${name}`);
}

/** Opens the admin area (a new PIN each time, after `signbook admin-pin reset`) on its Status tab. */
async function openAdmin(browser) {
  cli('admin-pin', 'reset');
  await browser.keys(['Control', 'Alt', 'a']);
  await waitForScreen(browser, 'admin-pin');
  await (await browser.$('#pin')).setValue(PIN);
  await (await browser.$('#pin-again')).setValue(PIN);
  await click(browser, '#pin-submit');
  await waitForScreen(browser, 'admin');
  await (await browser.$('#sync-office')).waitForExist();
}

/** "Sync now" on the Status tab, then waits until `done` holds for the status shown. */
async function syncNow(browser, done, timeoutMsg) {
  await click(browser, '#sync-now');
  try {
    await browser.waitUntil(async () => done(), { timeout: 30_000, interval: 500 });
  } catch {
    const shown = await browser.execute(() => [...document.querySelectorAll('[id^="sync-"], #admin-message')].map((e) => `${e.id}: ${e.textContent}`));
    throw new Error(`${timeoutMsg}; the Status tab shows:\n${shown.join('\n')}`);
  }
}

/** The text of one line of the Status tab ('' when it is not shown). */
const line = async (browser, id) => ((await browser.$(`#${id}`).isExisting()) ? (await browser.$(`#${id}`)).getText() : '');
const allSent = async (browser) => /: 0$/.test(await line(browser, 'sync-pending'));

before(async () => {
  await startDrivers();
  office = await startOffice();
  office.officeWithInput(`${HEAD.password}\n`, 'user', 'add', HEAD.user); // the first account: an admin
  proxy = await startProxy(office.url, office.data);
  // Paired by the code alone, through the proxy (it shows the office's certificate).
  const code = /pairing code: (\S+)/.exec(office.office('pair'))[1];
  // Not execFileSync: the proxy answers from this process's event loop.
  await promisify(execFile)(CLI, ['pair', '--office', proxy.url, '--code', code, '--name', 'Main reception'], { env: { ...process.env, SIGNBOOK_DB: db } });
  chromiumBrowser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await chromiumBrowser?.close();
  proxy?.stop();
  office?.stop();
  stopDrivers();
});

test('an agreement and a privacy notice published at the office reach the next visitor, whose record names the new hash', async () => {
  const browser = await launch();
  try {
    // The kiosk's first sync brings its sample agreement: the office's configuration 1.
    await openAdmin(browser);
    await syncNow(browser, async () => (await allSent(browser)) && /version 1$/.test(await line(browser, 'sync-configuration')),
      'the kiosk should send its records and use the office configuration 1');

    // At the office, in Chromium: publish a new agreement for visitors...
    const page = await dashboard();
    await page.goto('/agreements/new');
    await page.getByLabel('Or paste its text').fill(NEW_TEXT);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByLabel('Title').fill('Visitor Agreement 2027');
    for (const role of ['governor', 'staff', 'volunteer', 'contractor']) await page.getByLabel(role, { exact: true }).uncheck();
    await page.getByLabel('visitor', { exact: true }).check();
    await page.getByRole('button', { name: 'Publish' }).click();
    assert.match(await page.getByRole('status').innerText(), /Published \u201cVisitor Agreement 2027\u201d for visitor/);
    await officeShot(page, 'office-publish-1-published');
    const listed = office.office('agreement', 'list');
    const newHash = /^([0-9a-f]{64}) {2}"Visitor Agreement 2027"/m.exec(listed)?.[1];
    assert.equal(newHash, sha256(NEW_TEXT), `the office holds the text as typed: ${listed}`);

    // ...and the school's privacy notice, from the template.
    await page.goto('/privacy');
    await page.getByRole('link', { name: 'Privacy notice' }).click();
    const english = page.getByLabel('In English');
    assert.match(await english.inputValue(), /holds the information[\s\S]*\[Write here how to reach the school's data protection officer/, 'the template');
    await officeShot(page, 'office-publish-2-notice-template');
    await english.fill(NOTICE_EN);
    await page.getByLabel('In Welsh (Cymraeg)').fill(NOTICE_CY);
    await page.getByRole('button', { name: 'Save and send to every kiosk' }).click();
    const saved = /Privacy notice saved: kiosk configuration (\d+)\./.exec(await page.getByRole('status').innerText());
    assert.ok(saved, 'saving says which configuration carries the notice');
    const version = saved[1];
    await officeShot(page, 'office-publish-3-notice-saved');
    await page.context().close();

    // The kiosk syncs; the Status tab says the version waits for the next visitor.
    await syncNow(browser, async () => (await line(browser, 'sync-configuration-pending')).startsWith(`Version ${version} from the office`),
      `the kiosk should fetch configuration ${version}`);
    await expectAccessible(browser, 'office-publish-4-kiosk-pending');
    await click(browser, '#admin-exit');
    await waitForScreen(browser, 'welcome');

    // The next visitor, reading in Welsh, reads the new text...
    await click(browser, 'button[lang="cy"]');
    await click(browser, '#start');
    await click(browser, 'button[data-role="visitor"]');
    await waitForScreen(browser, 'agreement');
    assert.match(await (await browser.$('#agreement-text')).getText(), /Visitor Agreement 2027[\s\S]*will not photograph pupils/);
    await browser.execute(() => { const text = document.getElementById('agreement-text'); text.scrollTop = text.scrollHeight; });
    await click(browser, '#agree');
    await waitForScreen(browser, 'name');
    await (await browser.$('#name')).setValue('Siân Lloyd');
    await (await browser.$('#organisation')).setValue('Cyngor Sir');
    // ...and the office's notice, in Welsh first, then in English.
    await click(browser, '#privacy-open');
    const notice = await browser.$('#privacy-text');
    await notice.waitForDisplayed();
    assert.match(await notice.getText(), /Sut rydym yn defnyddio eich gwybodaeth[\s\S]*Gofynnwch i Mrs Ann Jones\./);
    await expectAccessible(browser, 'office-publish-5-notice-cy');
    await click(browser, '.notice-dialog button[lang="en"]');
    assert.match(await notice.getText(), /How we use your information[\s\S]*Ask Mrs Ann Jones, our data protection officer\./);
    await expectAccessible(browser, 'office-publish-6-notice-en');
    await click(browser, '#privacy-close');
    assert.equal(await (await browser.$('#name')).getValue(), 'Siân Lloyd', 'the name typed is still there');
    assert.equal(await (await browser.$('#organisation')).getValue(), 'Cyngor Sir', 'and the organisation');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await drawSignature(browser);
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');

    // The signed record names the new hash, on the kiosk and, once synced, at the office.
    const exported = join(workDir, 'after-office-publish.jsonl');
    cli('export', '--format', 'jsonl', '--out', exported);
    const records = readFileSync(exported, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.kind === 'record');
    assert.equal(records.at(-1).name, 'Siân Lloyd');
    assert.equal(records.at(-1).agreement_hash, newHash, 'the record names the version the visitor read');
    await click(browser, '#done');
    await waitForScreen(browser, 'welcome');
    await openAdmin(browser);
    await syncNow(browser, async () => allSent(browser), 'the record should reach the office');
    assert.match(await line(browser, 'sync-configuration'), new RegExp(`version ${version}$`), 'the notice\u2019s configuration is in use');
    assert.match(office.office('verify'), new RegExp(`intact, ${records.length} records`));
    assert.match(office.office('kiosks'), /Main reception/);
  } finally {
    await browser.deleteSession().catch(() => undefined);
  }
});

test('a configuration altered on the way is refused, shown on the Status tab, and the intact copy applied after', async () => {
  const changed = join(workDir, 'visitor-2028.md');
  writeFileSync(changed, '# Visitor Agreement 2028\n\nI will not photograph pupils, and I will sign out when I leave.\n');
  office.office('agreement', 'publish', changed, '--title', 'Visitor Agreement 2028', '--roles', 'visitor');
  proxy.state.tamper = true;
  const browser = await launch();
  try {
    await openAdmin(browser);
    await syncNow(browser, async () => (await line(browser, 'sync-configuration-refused')) !== '', 'the altered configuration should be refused');
    assert.ok(proxy.state.tampered > 0, 'the proxy altered a configuration');
    assert.match(await (await browser.$('#sync-configuration-refused')).getText(), /altered on the way[\s\S]*keeps what it had/);
    const inUse = /version (\d+)$/.exec(await line(browser, 'sync-configuration'))?.[1];
    assert.ok(inUse, 'the kiosk keeps the configuration it had');
    await expectAccessible(browser, 'office-publish-7-refused');
    assert.match(cli('role', 'list'), /visitor[^\n]*Visitor Agreement 2027/, 'visitors still sign the version in use');

    // Reached intact again, the kiosk asks again after its next push and applies it between two visitors.
    proxy.state.tamper = false;
    await syncNow(browser, async () => (await line(browser, 'sync-configuration-pending')) !== '' && (await line(browser, 'sync-configuration-refused')) === '',
      'the intact configuration should be fetched');
    assert.match(await line(browser, 'sync-configuration-pending'), new RegExp(`^Version ${Number(inUse) + 1} from the office`));
    await expectAccessible(browser, 'office-publish-8-intact-pending');
    await click(browser, '#admin-exit');
    await waitForScreen(browser, 'welcome');
    await browser.waitUntil(async () => /visitor[^\n]*Visitor Agreement 2028/.test(cli('role', 'list')), { timeout: 10_000, timeoutMsg: 'version 4 should be applied before the next visitor' });
  } finally {
    await browser.deleteSession().catch(() => undefined);
  }
});
