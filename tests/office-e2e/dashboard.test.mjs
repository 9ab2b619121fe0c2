import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SCHOOL, STAFF, axe, cli, login, newContext, office, officeData, root, shot, startBrowser, startOffice, stopOffice, work } from './harness.mjs';

const strokes = join(root, 'assets/demo-signature.json');
const XSS = '<script>alert(1)</script>';
let url, browser, context, page;

before(async () => {
  const started = await startOffice();
  url = started.url;
  office(['user', 'add', STAFF.user], `${STAFF.password}\n`);
  cli('agreement', 'add', join(root, 'assets/sample-agreement.md'), '--title', 'IT Acceptable Use Agreement 2026');
  const sign = (role, name, org) => JSON.parse(cli('sign', '--role', role, '--name', name, ...(org ? ['--org', org] : []), '--strokes', strokes));
  sign('visitor', 'Zoë O\u2019Brien', 'Acme Ltd');
  sign('visitor', XSS, '=HYPERLINK("http://evil.example","click")');
  sign('staff', 'Siân Evans');
  sign('staff', 'Samuel Lee');
  sign('governor', 'Tom Price');
  const code = /pairing code: (\S+)/.exec(office(['pair']))[1];
  cli('pair', '--office', url, '--code', code, '--fingerprint', started.fingerprint, '--name', 'Main reception');
  cli('sync');
  browser = await startBrowser();
  context = await newContext(browser, url, { bypassCSP: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('dialog', () => assert.fail('a dialog opened: a signer name ran as script'));
});

after(async () => {
  await browser?.close();
  stopOffice();
});

test('a wrong password is refused and the right one logs in', async () => {
  await page.goto('/records');
  assert.match(page.url(), /\/login\?next=%2Frecords$/, 'the records need a login');
  assert.deepEqual(await axe(page), [], 'login page: axe-core violations');
  await shot(page, '01-login');
  const [wrong] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), login(page, { password: 'not the password' })]);
  assert.equal(wrong.status(), 401);
  assert.match(await page.getByRole('alert').innerText(), /do not match/);
  await login(page);
  assert.match(page.url(), /\/records$/);
  const cookie = (await context.cookies()).find((c) => c.name === 'signbook_session');
  assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite], [true, true, 'Strict']);
});

test('search finds a name whatever its accents, case and spacing', async () => {
  await page.goto('/records');
  assert.match(await page.locator('main').innerText(), /5 records found/);
  await page.getByLabel('Name').fill('  ZOE   o\'brien ');
  await page.getByRole('button', { name: 'Search' }).click();
  assert.match(await page.locator('main').innerText(), /1 record found/);
  await page.getByRole('link', { name: 'Zoë O\u2019Brien' }).isVisible();
  assert.deepEqual(await axe(page), [], 'records page: axe-core violations');
  await shot(page, '02-search');
  await page.getByLabel('Name').fill('');
  await page.getByLabel('Role').selectOption('staff');
  await page.getByRole('button', { name: 'Search' }).click();
  const names = await page.locator('tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual(names.sort(), ['Samuel Lee', 'Siân Evans']);
});

test('a record page shows the signature, the agreement signed and an intact chain', async () => {
  await page.goto('/records?name=zoe');
  await page.getByRole('link', { name: 'Zoë O\u2019Brien' }).click();
  const main = page.locator('main');
  assert.match(await main.innerText(), /Acme Ltd/);
  assert.match(await main.innerText(), /Intact: all 5 records of this kiosk verify/);
  assert.match(await main.innerText(), /IT Acceptable Use Agreement 2026/);
  const width = await page.getByAltText('Signature of Zoë O\u2019Brien').evaluate((img) => img.naturalWidth);
  assert.ok(width > 100, `the signature image loaded (${width} px wide)`);
  const agreement = readFileSync(join(root, 'assets/sample-agreement.md'), 'utf8').split('\n').find((l) => l.length > 40 && !l.startsWith('#'));
  assert.ok((await page.locator('.agreement').innerText()).includes(agreement.replace(/[*_`]/g, '').slice(0, 30)), 'the agreement text is shown');
  assert.deepEqual(await axe(page), [], 'record page: axe-core violations');
  await shot(page, '03-record');
});

test('a signer called <script> is shown as text everywhere', async () => {
  await page.goto('/records');
  const cell = page.locator('tbody a', { hasText: XSS });
  assert.equal(await cell.innerText(), XSS);
  assert.equal(await page.locator('main script').count(), 0);
  await cell.click();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Signed by ${XSS}`);
  assert.equal(await page.locator('main script').count(), 0);
  // And with the page's own CSP in force, as a browser really runs it.
  const strict = await newContext(browser, url);
  const strictPage = await strict.newPage();
  let dialogs = 0;
  strictPage.on('dialog', () => dialogs++);
  await strictPage.goto('/login');
  await login(strictPage);
  await strictPage.goto(page.url());
  assert.equal(dialogs, 0);
  await strict.close();
  await shot(page, '04-script-name');
});

test('integrity shows each chain and a forged push raises an alert staff can acknowledge', async () => {
  const device = /^([0-9a-f-]{36})/.exec(office(['kiosks']))[1];
  // A push signed with the wrong key: refused, and kept as an alert.
  const forged = spawnSync('curl', ['-sk', '-X', 'POST', `${url}/v1/push`, '-H', `x-signbook-device: ${device}`, '-H', `x-signbook-timestamp: ${Math.floor(Date.now() / 1000)}`,
    '-H', 'x-signbook-nonce: 00112233445566778899aabbccddeeff', '-H', `x-signbook-signature: ${'ab'.repeat(64)}`, '--data', '{"records":[],"checkpoint":null,"erasures":[]}'], { encoding: 'utf8' });
  assert.match(forged.stdout, /signature_invalid/);
  await page.goto('/integrity');
  const main = page.locator('main');
  assert.match(await main.innerText(), /Intact/);
  assert.match(await main.innerText(), /signature_invalid/);
  assert.deepEqual(await axe(page), [], 'integrity page: axe-core violations');
  await shot(page, '05-integrity');
  await page.getByRole('button', { name: /Acknowledge alert/ }).first().click();
  assert.match(await main.innerText(), new RegExp(`${STAFF.user}, \\d{4}-`));
  await page.goto('/kiosks');
  assert.match(await page.locator('main').innerText(), /0 waiting/);
  assert.equal(await page.getByRole('textbox', { name: /Location name of Main reception/ }).inputValue(), 'Main reception', 'the kiosk is listed by the location typed at pairing');
  // The fingerprint of the key the kiosk gave at pairing: the kiosk's own, as `signbook key` prints it.
  const { fingerprint } = JSON.parse(cli('key', '--json'));
  assert.ok((await page.locator('main').innerText()).includes(fingerprint), `kiosks page shows ${fingerprint}`);
  assert.deepEqual(await axe(page), [], 'kiosks page: axe-core violations');
  await shot(page, '06-kiosks');
});

test('the CSV download has the BOM, every record, and neutralised formulas', async () => {
  await page.goto('/records');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\uFEFFreference,'), 'UTF-8 BOM then the header');
  assert.equal(csv.trim().split('\r\n').length, 6, 'header and five records');
  assert.ok(csv.includes('Zoë O\u2019Brien') && csv.includes(XSS), 'names exactly as signed');
  assert.ok(csv.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), 'a formula becomes text');
});

test('the spreadsheet download opens in LibreOffice with every name intact and no formula', async () => {
  await page.goto('/records');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download spreadsheet/ }).click()]);
  assert.match(download.suggestedFilename(), /^signbook-records-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const rows = libreOfficeRows(await download.path(), 'records.xlsx');
  assert.equal(rows.length, 6, 'header and five records');
  const names = rows.slice(1).map((r) => r[4]);
  for (const name of ['Zoë O\u2019Brien', XSS, 'Siân Evans', 'Samuel Lee', 'Tom Price']) assert.ok(names.includes(name), `${name} in ${names}`);
  const hostile = rows.find((r) => r[4] === XSS);
  assert.equal(hostile[5], '=HYPERLINK("http://evil.example","click")', 'the organisation is text, as typed');
  assert.match(rows[1][1], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'the local time is a date LibreOffice shows as one');
});

/** The first sheet of an .xlsx as LibreOffice (headless) reads it: rows of cells. */
function libreOfficeRows(path, name) {
  const dir = join(work, `xlsx-${Date.now()}`);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, name), readFileSync(path));
  execFileSync('soffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, join(dir, name)], { stdio: 'pipe' });
  const text = readFileSync(join(dir, name.replace(/\.xlsx$/, '.csv')), 'utf8');
  return parse(text, { relax_column_count: true });
}

test('a record\u2019s PDF evidence page says who signed what, when, where', async () => {
  await page.goto('/records?name=script');
  await page.locator('tbody a').first().click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download evidence (PDF)' }).click()]);
  const text = execFileSync('pdftotext', ['-layout', await download.path(), '-'], { encoding: 'utf8' });
  for (const expected of [SCHOOL, XSS, 'IT Acceptable Use Agreement 2026', 'visitor']) assert.ok(text.includes(expected), `the PDF says ${expected}`);
  const hash = (await page.locator('dt:has-text("Record hash") + dd').innerText()).trim();
  assert.ok(text.replace(/\s/g, '').includes(hash), 'the PDF gives the record hash');
  writeFileSync(join(work, 'script.pdf'), readFileSync(await download.path()));
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', join(work, 'script.pdf'), join(import.meta.dirname, 'screenshots/07-evidence-pdf')]);
});

test('the evidence pack\u2019s manifest hashes every file in it', async () => {
  await page.goto('/records?role=visitor');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download evidence pack (ZIP)' }).click()]);
  const zip = join(work, 'pack.zip');
  writeFileSync(zip, readFileSync(await download.path()));
  const files = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
  const manifest = JSON.parse(execFileSync('unzip', ['-p', zip, 'manifest.json'], { encoding: 'utf8' }));
  const listed = manifest.files.map((f) => f.path).sort();
  assert.deepEqual(listed, files.filter((f) => f !== 'manifest.json').sort(), 'the manifest lists every other file');
  for (const f of manifest.files) {
    const bytes = execFileSync('unzip', ['-p', zip, f.path]);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, `${f.path} matches its manifest hash`);
  }
  assert.equal(files.filter((f) => f.endsWith('.pdf')).length, 2, 'one PDF per visitor record');
  assert.ok(files.some((f) => f.startsWith('agreements/')), 'the agreement version is in the pack');
  assert.match(execFileSync('unzip', ['-p', zip, 'verification.txt'], { encoding: 'utf8' }), /intact/i);
});

test('the roster shows who has not signed, tolerating accents and spacing, flagging what is unsure', async () => {
  const roster = join(work, 'roster.csv');
  writeFileSync(roster, 'Name,Role,Email\r\n  SIAN   evans ,staff,s.evans@example.org\r\nSam Lee,staff,\r\nGareth Jones,staff,g.jones@example.org\r\nTom Price,governor,\r\nTom  Price,governor,\r\n');
  await page.goto('/roster');
  await page.getByLabel('Roster file').setInputFiles(roster);
  await page.getByRole('button', { name: 'Import' }).click();
  const main = page.locator('main');
  assert.match(await main.innerText(), /Imported 5 people/);
  const status = async (name) => (await page.locator('tbody tr', { hasText: name }).first().innerText());
  assert.match(await status('SIAN'), /Signed/);
  assert.match(await status('Gareth Jones'), /Not signed/);
  assert.match(await status('Sam Lee'), /Not signed[\s\S]*Possibly signed as: Samuel Lee/);
  assert.match(await status('Tom Price'), /Check by hand/);
  assert.deepEqual(await axe(page), [], 'roster page: axe-core violations');
  await shot(page, '08-roster');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Outstanding list (CSV)' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.ok(csv.includes('Gareth Jones,staff,g.jones@example.org,not signed') && !csv.includes('SIAN'), csv);
  const [sheet] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Outstanding list (.xlsx)' }).click()]);
  const rows = libreOfficeRows(await sheet.path(), 'outstanding.xlsx');
  assert.deepEqual(rows[0], ['name', 'role', 'email', 'status', 'possible_matches']);
  assert.ok(rows.some((r) => r.join() === 'Gareth Jones,staff,g.jones@example.org,not signed,'), JSON.stringify(rows));
  assert.ok(!rows.some((r) => r[0].includes('SIAN')), 'who has signed is not on the outstanding list');
});

test('a version published later at a kiosk counts only once staff adopt it', async () => {
  const text = join(work, 'aup-2027.md');
  writeFileSync(text, '# IT Acceptable Use Agreement 2027\n\n- I will keep my password secret.\n- I will lock my screen when I leave it.\n');
  cli('agreement', 'add', text, '--title', 'IT Acceptable Use Agreement 2027', '--roles', 'staff');
  cli('sync');
  await page.goto('/roster');
  const notice = page.locator('.notice', { hasText: 'IT Acceptable Use Agreement 2027' });
  assert.match(await notice.innerText(), /uses agreement \u201cIT Acceptable Use Agreement 2027\u201d \([0-9a-f]{12}\u2026\), which the office has not adopted for staff\./);
  const status = async (name) => (await page.locator('tbody tr', { hasText: name }).first().innerText());
  assert.match(await status('SIAN'), /Signed/, 'still counted against the adopted version');
  assert.deepEqual(await axe(page), [], 'roster page with a version to adopt: axe-core violations');
  await shot(page, '08b-roster-version-not-adopted');
  await notice.getByRole('button', { name: 'Adopt for staff' }).click();
  assert.match(page.url(), /\/roster$/);
  assert.equal(await page.locator('.notice', { hasText: 'IT Acceptable Use Agreement 2027' }).count(), 0);
  assert.match(await status('SIAN'), /Not signed/, 'staff must now sign the adopted 2027 version');
  await page.goto('/audit');
  assert.match(await page.locator('main').innerText(), /agreement_adopted[\s\S]*IT Acceptable Use Agreement 2027/);
});

test('a form without the session\u2019s CSRF token changes nothing', async () => {
  await page.goto('/records?name=tom');
  const recordUrl = await page.locator('tbody a').first().getAttribute('href');
  const response = await page.request.post(`${recordUrl}/erase`, { form: { csrf: 'f'.repeat(64), reason: 'forged' }, maxRedirects: 0 });
  assert.equal(response.status(), 403);
  // A form posted from another site is refused too, login included.
  const crossSite = await page.request.post('/login', { form: { username: STAFF.user, password: STAFF.password }, headers: { origin: 'https://evil.example' }, maxRedirects: 0 });
  assert.equal(crossSite.status(), 403);
  await page.goto(recordUrl);
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Tom Price/, 'still not erased');
});

test('erasing a person keeps every chain verifiable and is in the audit log', async () => {
  await page.goto('/privacy');
  assert.deepEqual(await axe(page), [], 'privacy page: axe-core violations');
  await page.getByLabel('Their name').fill('zoe o\'brien');
  await page.getByRole('button', { name: 'Find' }).click();
  const [access] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /subject access/ }).click()]);
  const sar = join(work, 'subject-access.zip');
  writeFileSync(sar, readFileSync(await access.path()));
  const held = execFileSync('unzip', ['-Z1', sar], { encoding: 'utf8' });
  assert.equal(held.split('\n').filter((f) => f.endsWith('.pdf')).length, 1, 'her one record');
  assert.match(execFileSync('unzip', ['-p', sar, 'records.csv'], { encoding: 'utf8' }), /Zoë O’Brien,Acme Ltd/);
  await page.getByRole('checkbox').first().check();
  await page.getByLabel('Reason').fill('erasure request 2026-14');
  assert.deepEqual(await axe(page), [], 'person page: axe-core violations');
  await shot(page, '09-erase');
  await page.getByRole('button', { name: 'Erase the ticked records' }).click();
  assert.match(await page.getByRole('status').innerText(), /Erased 1 record/);
  await page.goto('/records?name=zoe');
  assert.match(await page.locator('main').innerText(), /0 records found/);
  assert.match(office(['verify']), /intact, 5 records \(1 erased\)/);
  // The kiosk's own copy goes at its next sync, and it confirms at the one after.
  await page.goto('/records?role=visitor');
  await page.getByRole('link', { name: 'erased' }).click();
  assert.match(await page.locator('main').innerText(), /The kiosk will erase its own copy the next time it syncs/);
  // Record format 2: meanwhile the office's own signed erasure log holds it.
  assert.match(await page.locator('main').innerText(), /The office's signed erasure log holds it/);
  cli('sync');
  cli('sync');
  await page.reload();
  assert.match(await page.locator('main').innerText(), /The kiosk erased its own copy too/);
  assert.match(cli('verify'), /intact/i);
  await page.goto('/audit');
  assert.match(await page.locator('tbody').innerText(), /erasure[\s\S]*erasure request 2026-14/);
  assert.deepEqual(await axe(page), [], 'audit page: axe-core violations');
  await shot(page, '10-audit');
});

test('retention periods are saved and logged; the other pages pass axe-core too', async () => {
  await page.goto('/privacy');
  await page.getByLabel('staff').fill('3650');
  await page.getByRole('button', { name: 'Save retention periods' }).click();
  assert.match(await page.getByRole('status').innerText(), /saved/);
  assert.equal(await page.getByLabel('staff').inputValue(), '3650');
  await page.goto('/audit');
  assert.match(await page.locator('tbody').innerText(), /retention_set\s+staff: keep personal data 3650 days/);
  await page.goto('/records');
  await page.locator('tbody a').first().click();
  await page.getByRole('link', { name: 'IT Acceptable Use Agreement 2026' }).click();
  assert.deepEqual(await axe(page), [], 'agreement page: axe-core violations');
  await page.goto('/kiosks');
  await page.getByRole('button', { name: 'Make a pairing code' }).click();
  assert.match(await page.locator('main').innerText(), /Pairing code\s+[0-9A-Z-]{6,}/);
  assert.deepEqual(await axe(page), [], 'pairing code page: axe-core violations');
  await page.goto('/no/such/page');
  assert.deepEqual(await axe(page), [], 'not-found page: axe-core violations');
});

// Issue 17: the whole dashboard in Welsh. The header's switch changes the
// account's language; every page is then checked again with axe-core (its
// `lang`, the Welsh words' fit) and photographed as cy-*.png.
test('every page works in Welsh and passes axe-core in Welsh too', async () => {
  await page.goto('/records');
  await page.getByRole('button', { name: 'Cymraeg' }).click();
  assert.match(page.url(), /\/records$/, 'the switch comes back to the page');
  assert.equal(await page.locator('html').getAttribute('lang'), 'cy');
  const recordUrl = await page.locator('tbody a').first().getAttribute('href');
  const pages = [
    ['records', '/records'],
    ['record', recordUrl],
    ['agreements', '/agreements'],
    ['publish', '/agreements/new'],
    ['integrity', '/integrity'],
    ['kiosks', '/kiosks'],
    ['roster', '/roster'],
    ['privacy', '/privacy'],
    ['person', '/privacy/person?name=tom'],
    ['audit', '/audit'],
    ['accounts', '/accounts'],
    ['account', '/account'],
    ['not-found', '/no/such/page'],
  ];
  for (const [name, path] of pages) {
    await page.goto(path);
    assert.equal(await page.locator('html').getAttribute('lang'), 'cy', `${path} is marked as Welsh`);
    assert.ok(!(await page.locator('body').innerText()).includes('Log out'), `${path} has no English frame`);
    assert.deepEqual(await axe(page), [], `${path} in Welsh: axe-core violations`);
    await shot(page, `cy-${name}`);
  }
  await page.goto(recordUrl);
  await page.locator('main a[href^="/agreements/"]').first().click();
  assert.deepEqual(await axe(page), [], 'agreement page in Welsh: axe-core violations');
  await shot(page, 'cy-agreement');
  await page.goto('/agreements/new');
  await page.getByLabel('Neu gludwch ei destun').fill('# Cytundeb 2027\n\n- Byddaf yn garedig.\n');
  await page.getByRole('button', { name: 'Mewnforio' }).click();
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Gwirio a chyhoeddi/);
  assert.deepEqual(await axe(page), [], 'check-and-publish page in Welsh: axe-core violations');
  await shot(page, 'cy-publish-review');
  await page.goto('/kiosks');
  await page.getByRole('button', { name: 'Gwneud cod paru' }).click();
  assert.deepEqual(await axe(page), [], 'pairing code page in Welsh: axe-core violations');
  await shot(page, 'cy-pairing-code');
  // An error page: a search with a date that is not one.
  await page.goto('/records?from=ddoe');
  assert.match(await page.getByRole('alert').innerText(), /nid yw'r dyddiad cyntaf "ddoe" yn ddyddiad/);
  // A browser asking for Welsh gets the sign-in page in Welsh, switch included.
  const welshBrowser = await (await newContext(browser, url, { bypassCSP: true, locale: 'cy-GB' })).newPage();
  await welshBrowser.goto('/records');
  assert.equal(await welshBrowser.locator('html').getAttribute('lang'), 'cy');
  assert.ok(await welshBrowser.getByLabel('Enw defnyddiwr').isVisible());
  assert.deepEqual(await axe(welshBrowser), [], 'sign-in page in Welsh: axe-core violations');
  await shot(welshBrowser, 'cy-login');
  await welshBrowser.getByRole('button', { name: 'English' }).click();
  assert.equal(await welshBrowser.locator('html').getAttribute('lang'), 'en-GB', 'the switch works before sign-in too');
  assert.match(welshBrowser.url(), /\/login\?next=%2Frecords$/);
  await welshBrowser.context().close();
  // The school chooses Welsh for its exports: the evidence page and the CSV headings follow.
  await page.goto('/accounts');
  await page.getByLabel('Allforion yn').selectOption('cy');
  await page.getByRole('button', { name: 'Cadw', exact: true }).click();
  assert.match(await page.getByRole('status').innerText(), /Mae allforion yn Gymraeg o hyn ymlaen/);
  await page.goto(recordUrl);
  const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Lawrlwytho tystiolaeth (PDF)' }).click()]);
  writeFileSync(join(work, 'cy.pdf'), readFileSync(await pdf.path()));
  const pdfText = execFileSync('pdftotext', ['-layout', join(work, 'cy.pdf'), '-'], { encoding: 'utf8' });
  for (const label of ['Tystiolaeth llofnod', 'Rhif dilyniant', 'Gwiriad y gadwyn', 'llywodraethwr', 'Y cytundeb a lofnododd yr unigolyn hwn']) assert.ok(pdfText.includes(label), `the Welsh PDF says ${label}`);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', join(work, 'cy.pdf'), join(import.meta.dirname, 'screenshots/cy-evidence-pdf')]);
  await page.goto('/records');
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Lawrlwytho CSV' }).click()]);
  assert.ok(readFileSync(await csvDownload.path(), 'utf8').startsWith('\uFEFFcyfeirnod,llofnodwyd_amser_lleol,'), 'Welsh CSV headings');
  await page.goto('/accounts');
  await page.getByLabel('Allforion yn').selectOption('en');
  await page.getByRole('button', { name: 'Cadw', exact: true }).click();
  // Back to English for the tests after this one.
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en-GB');
});

test('logging out ends the session', async () => {
  await page.goto('/records');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/records');
  assert.match(page.url(), /\/login/);
});

test('repeated wrong passwords lock the account, even with the right one', async () => {
  const fresh = await (await newContext(browser, url)).newPage();
  for (let i = 0; i < 5; i++) await login(fresh, { password: `guess ${i}` });
  const [locked] = await Promise.all([fresh.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), login(fresh)]);
  assert.equal(locked.status(), 429);
  assert.match(await fresh.getByRole('alert').innerText(), /Too many failed logins/);
  await shot(fresh, '11-locked');
});
