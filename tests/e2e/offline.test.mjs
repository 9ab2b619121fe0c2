// End-to-end: a kiosk whose office has gone silent never keeps a visitor
// waiting. The kiosk is paired with a real office (through the `signbook`
// CLI), then the office is replaced on its port by a listener that accepts
// connections and never answers: the worst case, where every request waits
// for its timeout. "Sync now" must answer at once, and the welcome flow
// must answer within 200 ms while the sync is stuck on the network.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { cli, click, launch, look, startDrivers, startOffice, stopDrivers, waitForScreen } from './harness.mjs';

const PIN = '2580';
/** What "answers at once" means for the person at the kiosk (the bound). */
const PROMPT_MS = 200;

/** A port that accepts connections and never says a word; `close()` drops them all. */
function silentOffice(port) {
  const sockets = new Set();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = () => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return {
    /** Listens on `port`, retrying while the office that had it is still going away. */
    async start() {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          return await listen();
        } catch (e) {
          if (e.code !== 'EADDRINUSE' || Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    accepted: () => accepted,
    open: () => sockets.size,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** The milliseconds each of the welcome flow's commands takes, timed in the page. */
async function commandTimes(browser) {
  return browser.executeAsync((done) => {
    const invoke = window.__TAURI_INTERNALS__.invoke;
    const timed = async (name, args) => {
      const started = performance.now();
      await invoke(name, args);
      return [name, Math.round(performance.now() - started)];
    };
    (async () => [
      await timed('welcome'),
      await timed('agreement_for', { role: 'visitor' }),
      await timed('check_name', { role: 'visitor', name: 'Zoë O’Brien', organisation: 'Acme Plumbing' }),
    ])().then((times) => done(Object.fromEntries(times)), (e) => done({ error: JSON.stringify(e) }));
  });
}

/** Taps a role and times, in the page, until the agreement screen is shown. */
async function timeToAgreement(browser, role) {
  return browser.executeAsync((role, done) => {
    const app = document.getElementById('app');
    const started = performance.now();
    const observer = new MutationObserver(() => {
      if (app.dataset.screen === 'agreement') { observer.disconnect(); done(Math.round(performance.now() - started)); }
    });
    observer.observe(app, { attributes: true, attributeFilter: ['data-screen'] });
    document.querySelector(`button[data-role="${role}"]`).click();
  }, role);
}

/** When this file runs after kiosk.test.mjs, its Xvfb and tauri-driver may still be exiting. */
async function untilTheLastRunHasGone() {
  const busy = () => new Promise((resolve) => {
    const socket = createConnection({ port: 4444, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && ((!process.env.SIGNBOOK_E2E_USE_DISPLAY && existsSync('/tmp/.X97-lock')) || await busy())) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  await untilTheLastRunHasGone();
  await startDrivers();
});
after(() => stopDrivers());

test('with the office silent, "Sync now" answers at once and the welcome flow within 200 ms', async () => {
  // Paired with a real office, which then stops; its port now never answers.
  const office = await startOffice();
  const code = /pairing code: (\S+)/.exec(office.office('pair'))[1];
  cli('pair', '--office', office.url, '--code', code, '--fingerprint', office.fingerprint);
  office.stop();
  const silent = silentOffice(Number(new URL(office.url).port));
  await silent.start();

  let browser;
  try {
    browser = await launch();
    // The background sync's first push is now waiting on the silent office.
    await browser.waitUntil(async () => silent.accepted() > 0, { timeout: 15_000, timeoutMsg: 'the kiosk never tried the office' });

    await browser.keys(['Control', 'Alt', 'a']);
    await waitForScreen(browser, 'admin-pin');
    await (await browser.$('#pin')).setValue(PIN);
    await (await browser.$('#pin-again')).setValue(PIN);
    await click(browser, '#pin-submit');
    await waitForScreen(browser, 'admin');
    await (await browser.$('#sync-office')).waitForExist();
    const pressed = Date.now();
    await click(browser, '#sync-now');
    await browser.waitUntil(async () => /^Sync requested/.test(await (await browser.$('#admin-message')).getText()),
      { timeout: 2_000, timeoutMsg: '"Sync now" should say at once that a sync was requested' });
    const requestedAfter = Date.now() - pressed;
    assert.ok(await (await browser.$('#sync-progress')).isExisting(), 'the Status tab shows the sync under way');
    assert.deepEqual(await look(browser, 'offline-1-sync-requested'), [], 'axe found problems');

    await click(browser, '#admin-exit');
    await waitForScreen(browser, 'welcome');
    const times = await commandTimes(browser);
    assert.equal(times.error, undefined, times.error);
    for (const [command, ms] of Object.entries(times)) assert.ok(ms < PROMPT_MS, `${command} took ${ms} ms while the office was silent`);
    await click(browser, '#start');
    await waitForScreen(browser, 'role');
    const toAgreement = await timeToAgreement(browser, 'visitor');
    assert.ok(toAgreement < PROMPT_MS, `the agreement took ${toAgreement} ms to appear`);
    assert.ok(silent.open() > 0, 'the sync was still waiting on the office all along');
    assert.deepEqual(await look(browser, 'offline-2-agreement'), [], 'axe found problems');
    console.log(`# "Sync now" answered on screen in ${requestedAfter} ms; commands ${JSON.stringify(times)} ms; tap to agreement ${toAgreement} ms`);

    // The office goes away for good: the outcome lands in the sync status.
    await silent.close();
    await browser.waitUntil(async () => /last error \(office_unreachable/.test(cli('sync-status')),
      { timeout: 20_000, timeoutMsg: 'the failed sync should be recorded' });
  } finally {
    await browser?.deleteSession().catch(() => undefined);
    await silent.close();
  }
});
