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
export const OFFICE = process.env.SIGNBOOK_OFFICE ?? join(root, 'target/debug/signbook-office');
export const SHOTS = join(import.meta.dirname, 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const workDir = mkdtempSync(join(tmpdir(), 'signbook-e2e-'));
export const db = join(workDir, 'kiosk.db');
export const exportDir = join(workDir, 'exports');
mkdirSync(SHOTS, { recursive: true });

const children = [];
/** Where the kiosk is shown: our own Xvfb, or the desktop's with SIGNBOOK_E2E_USE_DISPLAY. */
const display = process.env.SIGNBOOK_E2E_USE_DISPLAY ? process.env.DISPLAY : ':97';

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
    env.DISPLAY = display;
    children.push(spawn('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' }));
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
  // The X display itself, as a person would see it. WebKitWebDriver's own
  // screenshot waits for a composited frame that never comes now that the
  // kiosk paints without GPU compositing (src-tauri/src/main.rs).
  execFileSync('/usr/bin/import', ['-display', display, '-window', 'root', join(SHOTS, `${name}.png`)]);
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

/** A real `signbook-office` on a free loopback port, with its address and certificate fingerprint. */
export async function startOffice() {
  const data = mkdtempSync(join(tmpdir(), 'signbook-office-'));
  const server = spawn(OFFICE, ['serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(server);
  let printed = '';
  const started = await new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`signbook-office did not start: ${printed}`)), 20_000);
    server.stdout.on('data', (chunk) => {
      printed += chunk;
      const url = /listening on (https:\/\/\S+)/.exec(printed)?.[1];
      const fingerprint = /fingerprint \(SHA-256\): ([0-9a-f]{64})/.exec(printed)?.[1];
      if (url && fingerprint) { clearTimeout(timer); resolveStart({ url, fingerprint }); }
    });
    server.once('exit', (code) => reject(new Error(`signbook-office exited (${code}): ${printed}`)));
  });
  const office = (...args) => execFileSync(OFFICE, [...args, '--data', data], { encoding: 'utf8' });
  return { ...started, office, stop: () => server.kill('SIGTERM') };
}
