// Kiosk benchmarks on the release build under Xvfb: node bench.mjs
// Prints a table for docs/benchmarks.md. BENCH_IDLE_SECS (default 300) is
// how long the kiosk sits idle before memory is read.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { click, drawSignature, launch, startDrivers, stopDrivers, waitForScreen } from './harness.mjs';

const IDLE_SECS = Number(process.env.BENCH_IDLE_SECS ?? 300);
const SUBMITS = Number(process.env.BENCH_SUBMITS ?? 10);
const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 5);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const bootEpochMs = Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;

const stat = (pid) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]), startTicks: Number(fields[19]) };
};
const allPids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
const kioskPid = () => Number(execFileSync('pgrep', ['-n', '-x', 'signbook-kiosk'], { encoding: 'utf8' }).trim());
/** The kiosk and every process under it (WebKit's web and network processes). */
function tree(root) {
  const pids = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const pid of allPids()) {
      try {
        if (!pids.has(pid) && pids.has(stat(pid).ppid)) { pids.add(pid); grew = true; }
      } catch { /* exited */ }
    }
  }
  return [...pids];
}
const pssKb = (pid) => Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
const rssKb = (pid) => Number(/^Rss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))[1]);
const pct = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function toSignature(browser) {
  await click(browser, '#start');
  await click(browser, 'button[data-role="visitor"]');
  await waitForScreen(browser, 'agreement');
  await browser.execute(() => { const t = document.getElementById('agreement-text'); t.scrollTop = t.scrollHeight; });
  await click(browser, '#agree');
  await (await browser.$('#name')).setValue('Bench Mark');
  await click(browser, '#name-continue');
  await waitForScreen(browser, 'signature');
  await drawSignature(browser);
}

await startDrivers();
const rows = [];
try {
  const launches = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const browser = await launch();
    const pid = kioskPid();
    const startedEpochMs = bootEpochMs + (stat(pid).startTicks / TICKS) * 1000;
    const shownEpochMs = await browser.execute(() => performance.timeOrigin + performance.getEntriesByName('welcome-shown')[0].startTime);
    launches.push(shownEpochMs - startedEpochMs);
    await browser.deleteSession();
  }
  rows.push(['launch to welcome shown (ms, max of ' + LAUNCHES + ')', Math.max(...launches).toFixed(0), '≤ 1500']);

  const browser = await launch();
  const submits = [];
  for (let i = 0; i < SUBMITS; i++) {
    await toSignature(browser);
    // From the tap to the confirmation painted (two animation frames later).
    const ms = await browser.executeAsync((done) => {
      const app = document.getElementById('app');
      const t0 = performance.now();
      new MutationObserver((_, obs) => {
        if (app.dataset.screen === 'confirmation') {
          obs.disconnect();
          requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
        }
      }).observe(app, { attributes: true });
      document.getElementById('signature-submit').click();
    });
    submits.push(ms);
    await click(browser, '#done');
    await waitForScreen(browser, 'welcome');
  }
  rows.push([`Submit to confirmation shown (ms, p50 / max of ${SUBMITS})`, `${pct(submits, 0.5).toFixed(0)} / ${Math.max(...submits).toFixed(0)}`, '≤ 150']);

  const pids = tree(kioskPid());
  await new Promise((r) => setTimeout(r, Math.max(IDLE_SECS - 30, 0) * 1000));
  const cpuBefore = pids.reduce((sum, pid) => sum + stat(pid).cpuTicks, 0);
  await new Promise((r) => setTimeout(r, 30_000));
  const cpuAfter = pids.reduce((sum, pid) => sum + stat(pid).cpuTicks, 0);
  const pss = pids.reduce((sum, pid) => sum + pssKb(pid), 0);
  const rss = pids.reduce((sum, pid) => sum + rssKb(pid), 0);
  rows.push([`idle CPU over 30 s (% of one core, ${pids.length} processes)`, (((cpuAfter - cpuBefore) / TICKS / 30) * 100).toFixed(2), '< 1']);
  rows.push([`memory after ${IDLE_SECS} s idle: PSS (MB)`, (pss / 1024).toFixed(0), '≤ 300']);
  rows.push([`memory after ${IDLE_SECS} s idle: RSS (MB, for comparison)`, (rss / 1024).toFixed(0), '']);
  await browser.deleteSession();
} finally {
  stopDrivers();
}
console.log('| measure | result | target |\n|---|---|---|');
for (const [name, value, target] of rows) console.log(`| ${name} | ${value} | ${target} |`);
