// End-to-end: the release kiosk under Xvfb, driven through tauri-driver.
// Each test launches the app as a fresh process on the same database, and
// checks what was stored with the `signbook` CLI, as an auditor would.
// Each test sets up what it needs (a PIN, a record to export), so any one
// can run alone: (cd tests/e2e && node --test --test-name-pattern=pairing kiosk.test.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join, resolve } from 'node:path';
import { cli, click, drawSignature, exportDir, launch, workDir, look, screen, startDrivers, startOffice, stopDrivers, waitForScreen } from './harness.mjs';

const PIN = '2580';
const DEMO_SIGNATURE = resolve(import.meta.dirname, '../../assets/demo-signature.json');
const recordCount = () => JSON.parse(cli('verify', '--json')).records;

/** The admin PIN forgotten (and any lockout lifted), as `signbook admin-pin reset` does for an IT technician. */
const forgetAdminPin = () => cli('admin-pin', 'reset');

/** Sets the first admin PIN on the PIN screen the kiosk shows once it has none. */
async function setFirstPin(browser) {
  await waitForScreen(browser, 'admin-pin');
  await (await browser.$('#pin')).setValue(PIN);
  await (await browser.$('#pin-again')).setValue(PIN);
  await click(browser, '#pin-submit');
  await waitForScreen(browser, 'admin');
}

/** Runs `body` with a fresh kiosk process, closing it afterwards. */
async function withKiosk(body) {
  const browser = await launch();
  try {
    await body(browser);
  } finally {
    await browser.deleteSession().catch(() => undefined);
  }
}

async function expectAccessible(browser, name) {
  const violations = await look(browser, name);
  assert.deepEqual(violations, [], `axe found problems on ${name}`);
}

/** The keyboard route to the admin area (Ctrl+Alt+A), with a PIN this test sets. */
async function openAdmin(browser) {
  forgetAdminPin();
  await browser.keys(['Control', 'Alt', 'a']);
  await setFirstPin(browser);
}

/** The roles that, by default, sign once per agreement version rather than every visit. */
const ASKED_IF_SIGNED = ['governor', 'staff', 'volunteer'];

/** Welcome → role (→ "have you signed this version?" → read and sign) → agreement read to the end → name screen. */
async function readAgreementAs(browser, role, shots) {
  await click(browser, '#start');
  await waitForScreen(browser, 'role');
  if (shots) await expectAccessible(browser, `${shots}-2-role`);
  await click(browser, `button[data-role="${role}"]`);
  if (ASKED_IF_SIGNED.includes(role)) {
    // Everyone choosing a role that signs once per version is asked this, before typing a name.
    await waitForScreen(browser, 'signed-before');
    if (shots) await expectAccessible(browser, `${shots}-2b-signed-before`);
    await click(browser, '#read-and-sign');
  }
  await waitForScreen(browser, 'agreement');
  const agree = await browser.$('#agree');
  assert.equal(await agree.isEnabled(), false, '"I agree" must wait until the end has been read');
  if (shots) await expectAccessible(browser, `${shots}-3-agreement`);
  await browser.execute(() => {
    const text = document.getElementById('agreement-text');
    text.scrollTop = text.scrollHeight;
  });
  await agree.waitForEnabled({ timeout: 5_000 });
  await agree.click();
  await waitForScreen(browser, 'name');
}

before(async () => {
  await startDrivers();
  cli('settings', 'set', '--school-name', 'Ysgol Gymraeg Aberdaugleddau');
});

after(() => stopDrivers());

test('a visitor signs in English: read, name on the on-screen keyboard, draw, thank you', async () => {
  await withKiosk(async (browser) => {
    await expectAccessible(browser, 'en-1-welcome');
    assert.equal(await (await browser.$('h1')).getText(), 'Ysgol Gymraeg Aberdaugleddau');
    await readAgreementAs(browser, 'visitor', 'en');
    // Type "Zoë O" on the on-screen keyboard, the rest on the physical one.
    for (const key of ['Z', 'o']) await click(browser, `.keyboard button[aria-label="${key}"]`);
    await click(browser, '.keyboard button[aria-label="âŵŷ Accents"]');
    await click(browser, '.keyboard button[aria-label="ë"]');
    await click(browser, '.keyboard button[aria-label="abc Letters"]');
    await click(browser, '.keyboard button[aria-label="Space"]');
    await click(browser, '.keyboard button[aria-label="O"]');
    await (await browser.$('#name')).addValue("'Brien");
    await (await browser.$('#organisation')).setValue('Acme Plumbing');
    assert.equal(await (await browser.$('#name')).getValue(), "Zoë O'Brien");
    await expectAccessible(browser, 'en-4-name');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await drawSignature(browser);
    await expectAccessible(browser, 'en-5-signature');
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');
    assert.equal(await (await browser.$('#thanks')).getText(), 'Thank you, Zoë');
    const reference = await (await browser.$('#reference')).getText();
    assert.match(reference, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await expectAccessible(browser, 'en-6-confirmation');

    const listed = cli('records', 'list');
    assert.match(listed, new RegExp(reference));
    assert.match(listed, /visitor/);
    assert.match(cli('verify'), /intact/i);
    // The kiosk goes back to the welcome screen by itself.
    await waitForScreen(browser, 'welcome', 15_000);
  });
});

test('kiosk mode: fullscreen, no context menu or selectable chrome, strict CSP, only Signbook commands', async () => {
  await withKiosk(async (browser) => {
    const kiosk = await browser.executeAsync((done) => {
      const menu = new MouseEvent('contextmenu', { bubbles: true, cancelable: true });
      document.getElementById('start').dispatchEvent(menu);
      let evalBlocked = false;
      try { (0, eval)('1'); } catch { evalBlocked = true; }
      const invoke = window.__TAURI_INTERNALS__.invoke;
      const outcome = (promise) => promise.then(() => 'allowed', (e) => `refused: ${JSON.stringify(e)}`);
      Promise.all([
        outcome(invoke('plugin:window|close', { label: 'kiosk' })),
        outcome(invoke('plugin:path|resolve_directory', { directory: 1 })),
        outcome(invoke('welcome')),
      ]).then(([closeWindow, readPaths, welcome]) => done({
        fullscreen: window.innerWidth === screen.width && window.innerHeight === screen.height,
        menuCancelled: menu.defaultPrevented,
        buttonSelectable: getComputedStyle(document.getElementById('start')).webkitUserSelect,
        evalBlocked, closeWindow, readPaths, welcome,
      }));
    });
    assert.equal(kiosk.fullscreen, true, 'the kiosk fills the screen');
    assert.equal(kiosk.menuCancelled, true, 'no context menu');
    assert.equal(kiosk.buttonSelectable, 'none', 'buttons are not selectable text');
    assert.equal(kiosk.evalBlocked, true, 'the CSP allows no eval');
    assert.match(kiosk.closeWindow, /^refused: .*not allowed/, 'core window commands are not granted');
    assert.match(kiosk.readPaths, /^refused: .*not allowed/, 'core path commands are not granted');
    assert.equal(kiosk.welcome, 'allowed', "Signbook's own commands are");
    assert.equal(await screen(browser), 'welcome', 'the window is still there');
  });
});

test('a governor signs in Welsh, with larger text and high contrast', async () => {
  const before = recordCount();
  await withKiosk(async (browser) => {
    await click(browser, 'button[lang="cy"]');
    assert.equal(await (await browser.$('#start')).getText(), 'Cyffyrddwch i ddechrau');
    await expectAccessible(browser, 'cy-1-welcome');
    await readAgreementAs(browser, 'governor', 'cy');
    assert.equal(await (await browser.$('#organisation')).isExisting(), false, 'governors are not asked for an organisation');
    await (await browser.$('#name')).setValue('Siân Lloyd-Jones');
    await expectAccessible(browser, 'cy-4-name');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    // A blank pad is refused, in Welsh, and nothing is stored.
    await click(browser, '#signature-submit');
    await browser.waitUntil(async () => (await (await browser.$('#signature-error')).getText()).length > 0);
    assert.match(await (await browser.$('#signature-error')).getText(), /pad llofnod yn wag/);
    assert.equal(recordCount(), before);
    await expectAccessible(browser, 'cy-5-signature-refused');
    await drawSignature(browser);
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');
    assert.equal(await (await browser.$('#thanks')).getText(), 'Diolch, Siân');
    await expectAccessible(browser, 'cy-6-confirmation');
    await click(browser, '#done');
    await waitForScreen(browser, 'welcome');
    // The next visitor starts in English again.
    assert.equal(await (await browser.$('#start')).getText(), 'Tap to start');

  });
  assert.equal(recordCount(), before + 1);
  assert.match(cli('records', 'list'), /governor/);
});

test('the name screen says how the school uses what is typed, in Welsh and English, and keeps the name', async () => {
  const before = recordCount();
  await withKiosk(async (browser) => {
    await click(browser, 'button[lang="cy"]');
    await readAgreementAs(browser, 'visitor');
    await (await browser.$('#name')).setValue('Siân Lloyd');
    assert.equal(await (await browser.$('#privacy-open')).getText(), 'Sut rydym yn defnyddio eich gwybodaeth');
    await click(browser, '#privacy-open');
    const notice = await browser.$('#privacy-text');
    await notice.waitForDisplayed();
    assert.match(await notice.getText(), /Sut rydym yn defnyddio eich gwybodaeth[\s\S]*Ysgol Gymraeg Aberdaugleddau sy'n dal[\s\S]*Eich hawliau/);
    await expectAccessible(browser, 'cy-4b-privacy-notice');
    await click(browser, '.notice-dialog button[lang="en"]');
    assert.match(await notice.getText(), /How we use your information[\s\S]*Ysgol Gymraeg Aberdaugleddau holds[\s\S]*Your rights/);
    await expectAccessible(browser, 'en-4b-privacy-notice');
    await click(browser, '#privacy-close');
    assert.equal(await (await browser.$('.notice-dialog')).isExisting(), false);
    assert.equal(await (await browser.$('#name')).getValue(), 'Siân Lloyd', 'what was typed is still there');
  });
  assert.equal(recordCount(), before, 'reading the notice signs nothing');
});

test('display toggles: larger text and high contrast pass the checks too', async () => {
  await withKiosk(async (browser) => {
    const toggles = await browser.$$('.welcome-options button.toggle');
    await toggles[2].click();
    await toggles[3].click();
    await expectAccessible(browser, 'en-1-welcome-larger-high-contrast');
    await readAgreementAs(browser, 'staff');
    await expectAccessible(browser, 'en-4-name-larger-high-contrast');
  });
});

test('a blank pad, a dot and a tiny scribble are refused with a friendly message', async () => {
  const before = recordCount();
  await withKiosk(async (browser) => {
    await readAgreementAs(browser, 'staff');
    await (await browser.$('#name')).setValue('Ann Jones');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await click(browser, '#signature-submit');
    await browser.waitUntil(async () => /empty/.test(await (await browser.$('#signature-error')).getText()));
    const pad = await browser.$('#signature-pad');
    await browser.action('pointer').move({ origin: pad, x: 0, y: 0 }).down().up().perform();
    await click(browser, '#signature-submit');
    await browser.waitUntil(async () => /dot/.test(await (await browser.$('#signature-error')).getText()));
    // A tick in one corner: ink, but far too small to be anyone's name.
    await click(browser, '#signature-clear');
    await browser.action('pointer').move({ origin: pad, x: -20, y: 0 }).down().move({ origin: pad, x: -12, y: 8, duration: 20 }).move({ origin: pad, x: 4, y: -10, duration: 20 }).up().perform();
    await click(browser, '#signature-submit');
    await browser.waitUntil(async () => /very small|too short/.test(await (await browser.$('#signature-error')).getText()));
    await expectAccessible(browser, 'en-5-signature-refused');
    assert.equal(await screen(browser), 'signature');
  });
  assert.equal(recordCount(), before, 'nothing refused may be stored');
});

test('the kiosk tells nobody whether a name has signed: the same screens for a name that has and one that has not', async () => {
  let before;
  const walk = async (browser, name, shots) => {
    const seen = [];
    const note = async (shot) => {
      const heading = await browser.execute(() => document.querySelector('#app h1')?.textContent ?? '');
      seen.push(`${await screen(browser)}: ${heading.replace(name.split(' ')[0], 'NAME')}`);
      if (shots) await expectAccessible(browser, `${shots}-${shot}`);
    };
    await click(browser, '#start');
    await click(browser, 'button[data-role="staff"]');
    await waitForScreen(browser, 'signed-before');
    await note('1-signed-before');
    await click(browser, '#read-and-sign');
    await waitForScreen(browser, 'agreement');
    await browser.execute(() => { const text = document.getElementById('agreement-text'); text.scrollTop = text.scrollHeight; });
    await click(browser, '#agree');
    await waitForScreen(browser, 'name');
    await (await browser.$('#name')).setValue(name);
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await note('2-signature');
    await drawSignature(browser);
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');
    await note('3-confirmation');
    await click(browser, '#done');
    await waitForScreen(browser, 'welcome');
    return seen;
  };
  await withKiosk(async (browser) => {
    // Ann Jones signed this version before (once the kiosk has published its first agreement);
    // Bob Price never has. Anyone can type either name.
    cli('sign', '--role', 'staff', '--name', 'Ann Jones', '--strokes', DEMO_SIGNATURE);
    assert.match(cli('check', '--role', 'staff', '--name', 'Ann Jones'), /already signed/i, 'staff can still check at the kiosk computer');
    assert.match(cli('check', '--role', 'staff', '--name', 'Bob Price'), /must sign/i);
    before = recordCount();
    const signed = await walk(browser, 'Ann Jones', 'en-privacy-signed-before');
    const never = await walk(browser, 'Bob Price', 'en-privacy-never-signed');
    assert.deepEqual(signed, never, 'what the kiosk shows must not depend on the name');
    assert.deepEqual(signed.map((s) => s.split(':')[0]), ['signed-before', 'signature', 'confirmation']);
    // No date and no "you have signed" about anyone: the question is asked of everyone, not answered.
    assert.ok(!/\b20\d\d\b|You have already signed|You signed/.test(signed.join(' ')), `nothing said about anyone: ${signed}`);

    // "I have signed it": back to welcome, nothing looked up and nothing stored.
    await click(browser, '#start');
    await click(browser, 'button[data-role="staff"]');
    await waitForScreen(browser, 'signed-before');
    assert.match(await (await browser.$('#app')).getText(), /each new version[\s\S]*not sure, sign again/);
    await click(browser, '#signed-before-yes');
    await waitForScreen(browser, 'welcome');
  });
  assert.equal(recordCount(), before + 2, 'both new signatures are stored, whoever signed before');
});

/** Dark pixels on the pad's canvas, and its backing-store width. */
const padInk = (browser) => browser.execute(() => {
  const canvas = document.getElementById('signature-pad');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 128) ink++;
  return { ink, width: canvas.width };
});

test('a resize or rotation redraws the signature instead of wiping it', async () => {
  const before = recordCount();
  await withKiosk(async (browser) => {
    await readAgreementAs(browser, 'volunteer');
    await (await browser.$('#name')).setValue('Rhys Evans');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await drawSignature(browser);
    const drawn = await padInk(browser);
    assert.ok(drawn.ink > 500, `the drawing should show on the pad (${drawn.ink} dark pixels)`);
    // As a screen rotated to portrait would: the pad gets narrower.
    await browser.execute(() => { document.getElementById('signature-pad').style.width = '60%'; });
    await browser.waitUntil(async () => (await padInk(browser)).width < drawn.width, { timeoutMsg: 'the pad did not resize' });
    const resized = await padInk(browser);
    assert.ok(resized.ink > drawn.ink * 0.3, `the strokes must be redrawn at the new size (${resized.ink} of ${drawn.ink} dark pixels left)`);
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');
  });
  assert.equal(recordCount(), before + 1, 'the resized signature is stored');
});

test('an idle kiosk wipes what was typed and returns to welcome', async () => {
  cli('settings', 'set', '--idle-timeout', '15');
  try {
    await withKiosk(async (browser) => {
      await readAgreementAs(browser, 'visitor');
      await (await browser.$('#name')).setValue('Private Person');
      await waitForScreen(browser, 'welcome', 25_000);
      await readAgreementAs(browser, 'visitor');
      assert.equal(await (await browser.$('#name')).getValue(), '', 'the last visitor’s name must be gone');
    });
  } finally {
    cli('settings', 'set', '--idle-timeout', '60');
  }
});

test('admin: first PIN, every tab, export to a folder, back to the kiosk', async () => {
  forgetAdminPin();
  await withKiosk(async (browser) => {
    // A record to export, signed as the kiosk would (once the kiosk has published its first agreement).
    cli('sign', '--role', 'governor', '--name', 'Siân Lloyd-Jones', '--strokes', DEMO_SIGNATURE);
    // The hidden gesture: press and hold the school's name.
    const heading = await browser.$('h1.school-name');
    await browser.action('pointer').move({ origin: heading }).down().pause(3300).up().perform();
    await waitForScreen(browser, 'admin-pin');
    await expectAccessible(browser, 'admin-1-first-pin');
    await setFirstPin(browser);
    await browser.waitUntil(async () => (await (await browser.$('#record-count')).isExisting()));
    assert.match(await (await browser.$('#sync-pending')).getText(), new RegExp(`: ${recordCount()}$`));
    // The key fingerprint staff compare with the office's Kiosks page: the kiosk's own key.
    const { fingerprint } = JSON.parse(cli('key', '--json'));
    assert.ok((await (await browser.$('#key-fingerprint')).getText()).endsWith(fingerprint));
    await click(browser, '#verify');
    await browser.waitUntil(async () => /intact/.test(await (await browser.$('#verify-result')).getText()));
    await expectAccessible(browser, 'admin-2-status');
    await click(browser, 'button[data-tab="agreements"]');
    await expectAccessible(browser, 'admin-3-agreements');
    // Set as a paste would: WebKitWebDriver drops newlines from typed keys.
    await browser.execute(() => {
      const area = document.getElementById('import-paste');
      area.value = 'VISITOR RULES\n\nI will wear my badge.\n\nSigned: ........\n';
      area.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await click(browser, '#import-use-pasted');
    await browser.waitUntil(async () => (await (await browser.$('#import-preview')).getText()).includes('I will wear my badge.'));
    await expectAccessible(browser, 'admin-4-import-preview');
    await click(browser, 'button[data-tab="export"]');
    await click(browser, '.export-button');
    await browser.waitUntil(async () => /Exported \d+ records/.test(await (await browser.$('#admin-message')).getText()));
    await expectAccessible(browser, 'admin-5-export');
    const files = readdirSync(exportDir);
    assert.ok(files.some((f) => f.endsWith('.csv')) && files.some((f) => f.endsWith('.jsonl')), files.join(', '));
    const csv = readFileSync(join(exportDir, files.find((f) => f.endsWith('.csv'))), 'utf8');
    assert.match(csv, /Siân Lloyd-Jones/);
    await click(browser, 'button[data-tab="settings"]');
    await expectAccessible(browser, 'admin-6-settings');
    await click(browser, '#admin-exit');
    await waitForScreen(browser, 'welcome');
  });
});

test('an agreement imported and published in the admin area is what the next visitor reads and signs', async () => {
  // Text as it comes out of Word and a PDF: bookmark debris, odd bullet
  // glyphs, a page footer, a hard-wrapped line, and the paper signature block.
  const source = join(workDir, 'visitor-rules.txt');
  writeFileSync(source, [
    '[bookmark: _Toc448745862]VISITOR RULES 2027', '',
    'While in school I agree that:', '',
    '· I will wear my visitor badge where it can be seen', 'at all times.',
    '· I will not take photographs of pupils.', '',
    'Page 1 of 1', '',
    'Signed: ..................', 'Print name: ..............', 'Date: ....',
  ].join('\n'));
  const before = JSON.parse(cli('verify', '--json')).records;
  await withKiosk(async (browser) => {
    await openAdmin(browser);
    await click(browser, 'button[data-tab="agreements"]');
    await (await browser.$('#import-file')).addValue(source);
    const preview = await browser.$('#import-preview');
    await browser.waitUntil(async () => (await preview.getText()).includes('I will wear my visitor badge where it can be seen at all times.'),
      { timeoutMsg: 'the preview should show the rejoined bullet' });
    const shown = await preview.getText();
    for (const debris of ['bookmark', 'Page 1 of 1', 'Signed:', 'Print name', '·']) assert.ok(!shown.includes(debris), `"${debris}" should be removed: ${shown}`);
    await (await browser.$('#import-title')).setValue('Visitor Rules 2027');
    for (const role of ['contractor', 'governor', 'staff', 'volunteer']) {
      const box = await browser.$(`#publish-${role}`);
      if (await box.isSelected()) await box.click();
    }
    await click(browser, '#import-publish');
    await browser.waitUntil(async () => /Published/.test(await (await browser.$('#admin-message')).getText()));
    await expectAccessible(browser, 'admin-4b-published');
    await click(browser, '#admin-exit');
    await waitForScreen(browser, 'welcome');

    await click(browser, '#start');
    await click(browser, 'button[data-role="visitor"]');
    await waitForScreen(browser, 'agreement');
    assert.match(await (await browser.$('#agreement-text')).getText(), /VISITOR RULES 2027[\s\S]*I will not take photographs of pupils\./);
    await browser.execute(() => { const text = document.getElementById('agreement-text'); text.scrollTop = text.scrollHeight; });
    await click(browser, '#agree');
    await (await browser.$('#name')).setValue('Dewi Price');
    await (await browser.$('#organisation')).setValue('County Council');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await drawSignature(browser);
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');
  });
  const versions = cli('agreement', 'list');
  const published = versions.split('\n').find((line) => line.includes('Visitor Rules 2027'));
  assert.ok(published, versions);
  const publishedHash = published.split(/\s+/)[0];
  const exported = join(workDir, 'after-publish.jsonl');
  cli('export', '--format', 'jsonl', '--out', exported);
  const lines = readFileSync(exported, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(lines[0].signbook_export, 2, 'the export starts with its header');
  const records = lines.filter((line) => line.kind === 'record');
  assert.equal(records.length, before + 1);
  const last = records.at(-1);
  assert.equal(last.name, 'Dewi Price');
  assert.equal(last.agreement_hash, publishedHash, 'the record names the version the visitor read');
  // Staff still read the earlier version.
  const roles = cli('role', 'list');
  assert.match(roles, /visitor[^\n]*Visitor Rules 2027/);
  assert.match(roles, /staff[^\n]*Staff, Governor and Visitor Acceptable Use Agreement/);
});

test('pairing in the admin area with a real office server, which then holds every record', async () => {
  const office = await startOffice();
  let relay;
  const relaySockets = [];
  try {
    const code = /pairing code: (\S+)/.exec(office.office('pair'))[1];
    await withKiosk(async (browser) => {
      await openAdmin(browser);
      await (await browser.$('#pair-office')).waitForExist();
      await expectAccessible(browser, 'admin-2b-pairing');
      // "Find offices" answers within seconds: a list, or the note to type the address.
      await click(browser, '#pair-find');
      await browser.waitUntil(async () => (await browser.$('#pair-found-none').isExisting()) || (await browser.$('#pair-found-0').isExisting()),
        { timeout: 15000, timeoutMsg: 'Find offices should answer' });
      await expectAccessible(browser, 'admin-2b-found-offices');
      const pair = async (typedCode, fingerprint) => {
        for (const [id, value] of [['#pair-office', office.url], ['#pair-code', typedCode], ['#pair-fingerprint', fingerprint], ['#pair-location', 'Main reception']]) {
          const input = await browser.$(id);
          await input.clearValue();
          if (value) await input.setValue(value);
        }
        await click(browser, '#pair-submit');
      };
      // Advanced path: a certificate that is not the one the office printed is refused, and says so.
      await click(browser, '.pair-advanced summary');
      await pair(code, '00'.repeat(32));
      await browser.waitUntil(async () => /does not match the fingerprint/.test(await (await browser.$('#admin-message')).getText()),
        { timeoutMsg: 'a wrong fingerprint must be refused' });
      // The code alone: mistyped, it is not confirmed; right, it pairs.
      const mistyped = code.slice(0, -1) + (code.endsWith('Z') ? 'Y' : 'Z');
      await pair(mistyped, '');
      await browser.waitUntil(async () => /Pairing was not confirmed/.test(await (await browser.$('#admin-message')).getText()),
        { timeoutMsg: 'a mistyped code must not pair' });
      await pair(code, '');
      await browser.waitUntil(async () => /Paired with/.test(await (await browser.$('#admin-message')).getText()),
        { timeoutMsg: 'pairing with the code alone should work' });
      assert.match(await (await browser.$('#sync-office')).getText(), new RegExp(office.url.replace(/[.]/g, '\\.')));
      await click(browser, '#sync-now');
      await browser.waitUntil(async () => /Not yet sent to the office: 0$/.test(await (await browser.$('#admin-message')).getText()),
        { timeoutMsg: 'sync now should send the whole backlog' });
      assert.match(await (await browser.$('#sync-pending')).getText(), /: 0$/);
      await expectAccessible(browser, 'admin-2c-synced');
      // The office at another address (here a TCP relay to it): kept, since
      // the server there presents the certificate pinned at pairing.
      relay = createServer((client) => {
        const up = connect(Number(new URL(office.url).port), '127.0.0.1');
        relaySockets.push(client, up);
        client.pipe(up).pipe(client);
        client.on('error', () => up.destroy());
        up.on('error', () => client.destroy());
      });
      await new Promise((listening) => relay.listen(0, '127.0.0.1', listening));
      const elsewhere = `https://127.0.0.1:${relay.address().port}`;
      await (await browser.$('#office-address')).setValue(elsewhere);
      await click(browser, '#office-address-change');
      await browser.waitUntil(async () => (await (await browser.$('#admin-message')).getText()).includes(`Records now go to the office at ${elsewhere}`),
        { timeoutMsg: 'another address of the same office should be kept' });
      assert.match(await (await browser.$('#sync-office')).getText(), new RegExp(elsewhere.replace(/[.]/g, '\\.')));
      await expectAccessible(browser, 'admin-2d-office-address');
      await click(browser, '#admin-exit');
      await waitForScreen(browser, 'welcome');
    });
    // The office holds the kiosk's chain, verified with the key it learned at
    // pairing, and lists the kiosk under the location typed there.
    assert.match(office.office('verify'), new RegExp(`intact, ${recordCount()} records`));
    assert.match(office.office('kiosks'), /Main reception/);
  } finally {
    relay?.close();
    relaySockets.forEach((socket) => socket.destroy());
    office.stop();
  }
});

test('wrong PINs lock the admin area, and a restart does not lift the lock', async () => {
  await withKiosk(async (browser) => {
    await openAdmin(browser);
    await click(browser, '#admin-exit');
    await waitForScreen(browser, 'welcome');
    await browser.keys(['Control', 'Alt', 'a']);
    await waitForScreen(browser, 'admin-pin');
    for (let attempt = 1; attempt <= 6; attempt++) {
      await (await browser.$('#pin')).setValue('9753');
      await click(browser, '#pin-submit');
      await browser.waitUntil(async () => (await (await browser.$('#pin-error')).getText()).length > 0);
    }
    assert.match(await (await browser.$('#pin-error')).getText(), /locked/);
    await expectAccessible(browser, 'admin-7-locked');
    assert.equal(await screen(browser), 'admin-pin');
  });
  await withKiosk(async (browser) => {
    await browser.keys(['Control', 'Alt', 'a']);
    await waitForScreen(browser, 'admin-pin');
    await (await browser.$('#pin')).setValue(PIN);
    await click(browser, '#pin-submit');
    await browser.waitUntil(async () => /locked/.test(await (await browser.$('#pin-error')).getText()));
    assert.equal(await screen(browser), 'admin-pin', 'even the right PIN waits out the lock');
  });
  forgetAdminPin();
});
