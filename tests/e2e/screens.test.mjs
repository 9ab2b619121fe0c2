// The kiosk on the screens reception kiosks really have: a 10-inch 1024x600
// touchscreen, an 800x1280 portrait one and a 1920x1080 monitor, each on a
// bare X session (`xinit` with only the kiosk: nothing honours its request
// for fullscreen) and under a window manager. On every screen of the visitor
// flow, the window must cover the whole screen and every control must lie
// inside it, with nothing to scroll. One kiosk launch per screen set-up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cli, click, drawSignature, kioskWindowGeometry, launch, screenshot, setScreenSize, startDrivers, startWindowManager, stopDrivers, waitForScreen,
} from './harness.mjs';

const SCREENS = [
  { width: 1024, height: 600 },
  { width: 800, height: 1280 },
  { width: 1920, height: 1080 },
];

before(async () => {
  await startDrivers({ resizable: true });
  cli('settings', 'set', '--school-name', 'Ysgol Gymraeg Aberdaugleddau');
});

after(() => stopDrivers());

/**
 * What a person at a `width` x `height` screen would check: the kiosk covers
 * the screen, no control is cut off or off-screen, nothing needs scrolling.
 * The agreement's text scrolls inside its own box, so what is in that box is
 * left out; the box itself is not.
 */
async function assertFits(browser, { width, height }, where) {
  assert.deepEqual(kioskWindowGeometry(), { x: 0, y: 0, width, height }, `${where}: the kiosk window should cover the ${width}x${height} screen`);
  const page = await browser.execute(() => {
    const controls = [...document.querySelectorAll('button, input, textarea, select, canvas, [tabindex="0"]')]
      .filter((el) => !el.parentElement.closest('.agreement-text'));
    const cutOff = controls.flatMap((el) => {
      const r = el.getBoundingClientRect();
      const inside = r.width > 0 && r.height > 0 && r.left >= -0.5 && r.top >= -0.5 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
      const name = el.getAttribute('aria-label') || el.textContent.trim() || el.id || el.tagName;
      return inside ? [] : [`${name} at ${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)}`];
    });
    const scrolls = [document.scrollingElement, ...document.querySelectorAll('.screen')]
      .filter((el) => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.className || el.tagName}: ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
    return { viewport: { width: innerWidth, height: innerHeight }, controls: controls.length, cutOff, scrolls };
  });
  assert.deepEqual(page.viewport, { width, height }, `${where}: the page should be the size of the screen`);
  assert.ok(page.controls > 0, `${where}: no controls found`);
  assert.deepEqual(page.cutOff, [], `${where}: controls outside the ${width}x${height} screen`);
  assert.deepEqual(page.scrolls, [], `${where}: the screen should not need scrolling`);
}

/** The signature pad is not a strip in the middle of an empty screen: it has at least 40% of it. */
async function assertPadTakesTheRoom(browser, { width, height }) {
  const pad = await (await browser.$('#signature-pad')).getSize();
  const share = (pad.width * pad.height) / (width * height);
  assert.ok(share >= 0.4, `the signature pad is ${pad.width}x${pad.height}, ${Math.round(share * 100)}% of the ${width}x${height} screen`);
}

/** Welcome to "Thank you" as a visitor, checking and photographing every screen. */
async function walkVisitorFlow(browser, size, name) {
  // The screenshot first, so that a failure can be seen.
  const check = async (step) => {
    await screenshot(browser, `${name}-${step}`);
    await assertFits(browser, size, `${name}, ${step}`);
  };
  await check('1-welcome');
  await click(browser, '#start');
  await waitForScreen(browser, 'role');
  await check('2-role');
  // Staff sign once per version: everyone choosing the role is asked first.
  await click(browser, 'button[data-role="staff"]');
  await waitForScreen(browser, 'signed-before');
  await check('2b-signed-before');
  await click(browser, '#signed-before-yes');
  await waitForScreen(browser, 'welcome');
  await click(browser, '#start');
  await waitForScreen(browser, 'role');
  await click(browser, 'button[data-role="visitor"]');
  await waitForScreen(browser, 'agreement');
  await check('3-agreement');
  await browser.execute(() => {
    const text = document.getElementById('agreement-text');
    text.scrollTop = text.scrollHeight;
  });
  await click(browser, '#agree');
  await waitForScreen(browser, 'name');
  // Every key of the on-screen keyboard is a control: the accents too.
  await click(browser, '.keyboard button[aria-label="âŵŷ Accents"]');
  await check('4-name-accents');
  await click(browser, '.keyboard button[aria-label="abc Letters"]');
  for (const key of ['A', 'n', 'n', 'Space', 'J', 'o', 'n', 'e', 's']) await click(browser, `.keyboard button[aria-label="${key}"]`);
  await (await browser.$('#organisation')).setValue('Acme Plumbing');
  assert.equal(await (await browser.$('#name')).getValue(), 'Ann Jones');
  await check('4-name');
  await click(browser, '#name-continue');
  await waitForScreen(browser, 'signature');
  await drawSignature(browser);
  await check('5-signature');
  await assertPadTakesTheRoom(browser, size);
  await click(browser, '#signature-submit');
  await waitForScreen(browser, 'confirmation');
  await check('6-confirmation');
  await click(browser, '#done');
  await waitForScreen(browser, 'welcome');
}

async function turnOnLargerTextAndHighContrast(browser) {
  const toggles = await browser.$$('.welcome-options button.toggle');
  await toggles[2].click();
  await toggles[3].click();
}

for (const windowManager of [false, true]) {
  for (const size of SCREENS) {
    const setUp = windowManager ? 'matchbox window manager' : 'bare X, no window manager';
    test(`the visitor flow fits ${size.width}x${size.height}, ${setUp}`, async () => {
      setScreenSize(size.width, size.height);
      const stopWindowManager = windowManager ? await startWindowManager() : null;
      const browser = await launch();
      try {
        const name = `${size.width}x${size.height}-${windowManager ? 'wm' : 'bare'}`;
        await walkVisitorFlow(browser, size, name);
        // The largest layout: larger text (and high contrast, which changes no sizes).
        // Where the window sits does not depend on the text size, so once per screen is enough.
        if (!windowManager) {
          await turnOnLargerTextAndHighContrast(browser);
          await walkVisitorFlow(browser, size, `${name}-larger`);
        }
      } finally {
        await browser.deleteSession().catch(() => undefined);
        await stopWindowManager?.();
      }
    });
  }
}

/** Dark pixels on the pad's canvas. */
const padInk = (browser) => browser.execute(() => {
  const canvas = document.getElementById('signature-pad');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 128) ink++;
  return ink;
});

test('a screen rotated to portrait mid-signature: the kiosk follows it, and the signature stays', async () => {
  const landscape = { width: 1280, height: 800 };
  const portrait = { width: 800, height: 1280 };
  setScreenSize(landscape.width, landscape.height);
  const before = JSON.parse(cli('verify', '--json')).records;
  const browser = await launch();
  try {
    await click(browser, '#start');
    await click(browser, 'button[data-role="staff"]');
    await waitForScreen(browser, 'signed-before');
    await click(browser, '#read-and-sign');
    await waitForScreen(browser, 'agreement');
    await browser.execute(() => { const text = document.getElementById('agreement-text'); text.scrollTop = text.scrollHeight; });
    await click(browser, '#agree');
    await (await browser.$('#name')).setValue('Rhys Evans');
    await click(browser, '#name-continue');
    await waitForScreen(browser, 'signature');
    await drawSignature(browser);
    const drawn = await padInk(browser);
    assert.ok(drawn > 500, `the drawing should show on the pad (${drawn} dark pixels)`);
    await assertFits(browser, landscape, 'before the rotation');

    setScreenSize(portrait.width, portrait.height);
    await browser.waitUntil(async () => (await browser.execute(() => innerWidth === 800 && innerHeight === 1280)),
      { timeout: 5_000, timeoutMsg: 'the kiosk window did not follow the screen to 800x1280' });
    await assertFits(browser, portrait, 'after the rotation');
    const kept = await padInk(browser);
    assert.ok(kept > drawn * 0.3, `the signature must be redrawn, not wiped (${kept} of ${drawn} dark pixels)`);
    await screenshot(browser, 'rotated-to-portrait-5-signature');
    await click(browser, '#signature-submit');
    await waitForScreen(browser, 'confirmation');
  } finally {
    await browser.deleteSession().catch(() => undefined);
  }
  assert.equal(JSON.parse(cli('verify', '--json')).records, before + 1, 'the signature drawn before the rotation is stored');
});
