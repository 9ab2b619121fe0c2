// The office dashboard end to end: a real signbook-office over HTTPS, fed by
// a real kiosk database (made and synced with the `signbook` CLI, which
// runs the same core as the kiosk app), driven in Debian's Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const root = resolve(import.meta.dirname, '../..');
export const OFFICE = process.env.SIGNBOOK_OFFICE ?? join(root, 'target/debug/signbook-office');
export const CLI = process.env.SIGNBOOK_CLI ?? join(root, 'target/debug/signbook');
export const SHOTS = join(import.meta.dirname, 'screenshots');
export const work = mkdtempSync(join(tmpdir(), 'signbook-office-e2e-'));
export const kioskDb = join(work, 'kiosk.db');
export const officeData = join(work, 'office');
export const SCHOOL = 'Ysgol Glan Llyn';
export const STAFF = { user: 'j.evans', password: 'correct horse battery staple' };
mkdirSync(SHOTS, { recursive: true });

// SIGNBOOK_TEST_BACKEND=postgres (scripts/test's second pass): this file's
// office keeps its records in a PostgreSQL database of its own, made here on
// the throwaway server, and every signbook-office it runs is given it.
delete process.env.SIGNBOOK_OFFICE_DATABASE;
if (process.env.SIGNBOOK_TEST_BACKEND === 'postgres') {
  const server = process.env.SIGNBOOK_TEST_POSTGRES;
  if (!server) throw new Error('SIGNBOOK_TEST_BACKEND=postgres needs SIGNBOOK_TEST_POSTGRES (scripts/postgres)');
  const name = `signbook_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [server, '-q', '-c', `CREATE DATABASE ${name}`]);
  process.env.SIGNBOOK_OFFICE_DATABASE = `${server.slice(0, server.lastIndexOf('/'))}/${name}`;
}

export const cli = (...args) => execFileSync(CLI, ['--db', kioskDb, ...args], { encoding: 'utf8' });
export const office = (args, input) => execFileSync(OFFICE, [...args, '--data', officeData], { encoding: 'utf8', input });

let server;
export async function startOffice() {
  server = spawn(OFFICE, ['serve', '--data', officeData, '--listen', '127.0.0.1:0', '--school', SCHOOL], { stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`signbook-office did not start: ${printed}`)), 20_000);
    server.stdout.on('data', (chunk) => {
      printed += chunk;
      const url = /listening on (https:\/\/\S+)/.exec(printed)?.[1];
      const fingerprint = /fingerprint \(SHA-256\): ([0-9a-f]{64})/.exec(printed)?.[1];
      if (url && fingerprint) { clearTimeout(timer); done({ url, fingerprint }); }
    });
    server.once('exit', (code) => fail(new Error(`signbook-office exited (${code}): ${printed}`)));
  });
}
export const stopOffice = () => server?.kill('SIGTERM');

export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

// The office's certificate is self-signed (staff accept it once in their
// browser; the kiosks pin it). `bypassCSP` only lets axe-core be injected;
// a second context without it checks the page's own scripts are blocked.
export async function newContext(browser, baseURL, options = {}) {
  return browser.newContext({ baseURL, ignoreHTTPSErrors: true, acceptDownloads: true, viewport: { width: 1024, height: 768 }, ...options });
}

// A logged-in page of its own (its own cookies); axe-core may be injected.
export async function loggedInPage(browser, baseURL, account) {
  const context = await newContext(browser, baseURL, { bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await login(page, account);
  return page;
}

// The kiosk database (signed with the `signbook` CLI) paired with the
// office started at `url`, and synced.
export function pairAndSync({ url, fingerprint }) {
  const code = /pairing code: (\S+)/.exec(office(['pair']))[1];
  cli('pair', '--office', url, '--code', code, '--fingerprint', fingerprint);
  cli('sync');
}

export async function login(page, { user = STAFF.user, password = STAFF.password } = {}) {
  await page.goto('/login');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  return Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Log in' }).click()]);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export async function axe(page) {
  await page.addScriptTag({ path: join(import.meta.dirname, 'node_modules/axe-core/axe.min.js') });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
