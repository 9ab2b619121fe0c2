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

/** The largest screen `setScreenSize` can switch to: Xvfb cannot grow past its starting size. */
const LARGEST_SCREEN = '1920x1280';

/**
 * Xvfb (unless a display exists) and tauri-driver, with the kiosk's environment.
 * `resizable`: start Xvfb at LARGEST_SCREEN and let `setScreenSize` change it
 * (the screen tests); otherwise a fixed 1280x800 screen.
 */
export async function startDrivers({ resizable = false } = {}) {
  const env = { ...process.env, SIGNBOOK_DB: db, SIGNBOOK_EXPORT_DIR: exportDir, RUST_LOG: 'warn' };
  if (!process.env.SIGNBOOK_E2E_USE_DISPLAY) {
    env.DISPLAY = display;
    const size = resizable ? LARGEST_SCREEN : '1280x800';
    // Without -noreset, Xvfb forgets the size screen-size.py set whenever no X client is connected.
    const keepSize = resizable ? ['-noreset'] : [];
    children.push(spawn('Xvfb', [display, '-screen', '0', `${size}x24`, '-nolisten', 'tcp', ...keepSize], { stdio: 'ignore' }));
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

/** Changes the Xvfb screen's size, as rotating or re-plugging a monitor would (needs `startDrivers({ resizable: true })`). */
export function setScreenSize(width, height) {
  if (process.env.SIGNBOOK_E2E_USE_DISPLAY) throw new Error('the screen tests resize the screen: run them on their own Xvfb, without SIGNBOOK_E2E_USE_DISPLAY');
  execFileSync('python3', [join(import.meta.dirname, 'screen-size.py'), `${width}x${height}`], { env: { ...process.env, DISPLAY: display } });
}

/**
 * Starts matchbox-window-manager, the window manager of many embedded kiosks,
 * and returns a function that stops it. Resolves once it manages the screen.
 */
export async function startWindowManager() {
  const env = { ...process.env, DISPLAY: display };
  const wm = spawn('matchbox-window-manager', [], { env, stdio: 'ignore' });
  const exited = new Promise((r) => wm.once('exit', r));
  const deadline = Date.now() + 10_000;
  // An EWMH window manager announces itself on the root window.
  while (!/window id/.test(execFileSync('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], { env, encoding: 'utf8' }))) {
    if (Date.now() > deadline || wm.exitCode !== null) throw new Error('matchbox-window-manager did not start (is it installed? ./scripts/setup test)');
    await new Promise((r) => setTimeout(r, 100));
  }
  return async () => {
    wm.kill('SIGTERM');
    await exited;
  };
}

/** Where the kiosk's window is on the X screen, and how big: what a person at the screen sees. */
export function kioskWindowGeometry() {
  const tree = execFileSync('xwininfo', ['-root', '-tree'], { env: { ...process.env, DISPLAY: display }, encoding: 'utf8' });
  // e.g. `0x1600003 "Signbook": ("signbook-kiosk" "Signbook-kiosk")  1024x600+0+0  +0+0`
  const windows = [...tree.matchAll(/"Signbook": \([^)]*\)\s+(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)/g)]
    .map(([, width, height, x, y]) => ({ x: Number(x), y: Number(y), width: Number(width), height: Number(height) }));
  if (windows.length !== 1) throw new Error(`expected one Signbook window, found ${windows.length}:\n${tree}`);
  return windows[0];
}

/** A screenshot of the whole X display, as a person would see it (no accessibility check). */
export async function screenshot(browser, name) {
  await browser.pause(250); // let the screen settle (focus, layout)
  // The X display itself. WebKitWebDriver's own screenshot waits for a
  // composited frame that never comes now that the kiosk paints without GPU
  // compositing (src-tauri/src/main.rs).
  execFileSync('/usr/bin/import', ['-display', display, '-window', 'root', join(SHOTS, `${name}.png`)]);
}

export function cli(...args) {
  return execFileSync(CLI, args, { env: { ...process.env, SIGNBOOK_DB: db }, encoding: 'utf8' });
}

/** Screenshot and accessibility check of what is on screen now. */
export async function look(browser, name) {
  await screenshot(browser, name);
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
  // `input`: what a command reads on stdin (a new account's password).
  const office = (...args) => execFileSync(OFFICE, [...args, '--data', data], { encoding: 'utf8' });
  // `input`: what the command reads on stdin (a new account's password).
  const officeWithInput = (input, ...args) => execFileSync(OFFICE, [...args, '--data', data], { encoding: 'utf8', input });
  return { ...started, data, office, officeWithInput, stop: () => server.kill('SIGTERM') };
}
