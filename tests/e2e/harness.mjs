// Runs the real kiosk binary under Xvfb and drives it through tauri-driver
// and WebKitWebDriver, as a person at the kiosk would. Also: the `signbook`
// CLI to check what the kiosk stored, screenshots, and axe-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { remote } from 'webdriverio';

const root = resolve(import.meta.dirname, '../..');
export const KIOSK = process.env.SIGNBOOK_KIOSK ?? join(root, 'target/release/signbook-kiosk');
export const CLI = process.env.SIGNBOOK_CLI ?? join(root, 'target/debug/signbook');
export const SHOTS = join(import.meta.dirname, 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const workDir = mkdtempSync(join(tmpdir(), 'signbook-e2e-'));
export const db = join(workDir, 'kiosk.db');
export const exportDir = join(workDir, 'exports');
mkdirSync(SHOTS, { recursive: true });

const children = [];

function waitForPort(port, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePort, reject) => {
    const attempt = () => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => { socket.end(); resolvePort(); });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listened on port ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Xvfb (unless a display exists) and tauri-driver, with the kiosk's environment. */
export async function startDrivers() {
  const env = { ...process.env, SIGNBOOK_DB: db, SIGNBOOK_EXPORT_DIR: exportDir, RUST_LOG: 'warn' };
  if (!process.env.SIGNBOOK_E2E_USE_DISPLAY) {
    env.DISPLAY = ':97';
    children.push(spawn('Xvfb', [':97', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 500));
  }
  const driver = spawn('tauri-driver', ['--port', '4444', '--native-port', '4445', '--native-driver', '/usr/bin/WebKitWebDriver'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(driver);
  // tauri-driver listens first; WebKitWebDriver only once it has started.
  await waitForPort(4444);
  await waitForPort(4445);
}

export function stopDrivers() {
  for (const child of children.reverse()) child.kill('SIGTERM');
}

/** Launches the kiosk and returns a WebDriver session on its window. */
export async function launch() {
  const browser = await remote({
    hostname: '127.0.0.1',
    port: 4444,
    logLevel: 'error',
    capabilities: {
      'tauri:options': { application: KIOSK },
      'wdio:enforceWebDriverClassic': true,
    },
  });
  await browser.$('#app[data-screen="welcome"]').waitForExist({ timeout: 15_000 });
  return browser;
}

export function cli(...args) {
  return execFileSync(CLI, args, { env: { ...process.env, SIGNBOOK_DB: db }, encoding: 'utf8' });
}

/** Screenshot and accessibility check of what is on screen now. */
export async function look(browser, name) {
  await browser.pause(250); // let the screen settle (focus, layout)
  await browser.saveScreenshot(join(SHOTS, `${name}.png`));
  await browser.execute(AXE_SOURCE);
  const result = await browser.executeAsync((done) => {
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }).then((r) => done(r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)));
  });
  return result;
}

/** Draws a signature-like scribble on the pad with pointer actions. */
export async function drawSignature(browser, { strokes = 3 } = {}) {
  const pad = await browser.$('#signature-pad');
  const { width, height } = await pad.getSize();
  for (let s = 0; s < strokes; s++) {
    const x0 = -width * 0.35 + s * width * 0.25;
    const action = browser.action('pointer', { parameters: { pointerType: 'mouse' } }).move({ origin: pad, x: Math.round(x0), y: 0 }).down();
    for (let i = 1; i <= 24; i++) {
      const x = x0 + i * (width * 0.008);
      const y = Math.sin(i / 3 + s) * height * 0.25;
      action.move({ origin: pad, x: Math.round(x), y: Math.round(y), duration: 10 });
    }
    await action.up().perform();
  }
}

export async function click(browser, selector) {
  const el = await browser.$(selector);
  await el.waitForClickable({ timeout: 10_000 });
  await el.click();
}

export async function screen(browser) {
  return (await browser.$('#app')).getAttribute('data-screen');
}

export async function waitForScreen(browser, name, timeout = 10_000) {
  await browser.$(`#app[data-screen="${name}"]`).waitForExist({ timeout });
}
