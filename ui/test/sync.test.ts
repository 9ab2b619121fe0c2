import { afterEach, describe, expect, it, vi } from 'vitest';
import en from '../src/messages/en.json';
import type { AdminBackend, AdminOverview, SyncView, UiError } from '../src/backend';
import { SYNC_POLL_MS, syncPanel } from '../src/admin/sync';

const paired: SyncView = {
  paired: true, office_url: 'https://office.local:8443', pending: 3,
  last_success: null, last_attempt: null, last_error: null, last_error_code: null, syncing: false,
  configuration_version: 2, office_configuration_version: null, configuration_pending: null,
  configuration_refused_code: null, configuration_refused_at: null,
};

/** The Status tab's sync panel, shown, over an admin backend whose sync status the test sets. */
function shownPanel(sync: SyncView) {
  const backend = { status: { ...sync }, syncNowCalls: 0, statusCalls: 0 };
  const admin = {
    syncNow: async () => { backend.syncNowCalls++; backend.status = { ...backend.status, syncing: true }; return backend.status; },
    syncStatus: async () => { backend.statusCalls++; return backend.status; },
  } as unknown as AdminBackend;
  const said: { text: string; isError: boolean }[] = [];
  const reload = vi.fn(async () => undefined);
  const panel = syncPanel(admin, { sync } as AdminOverview, (text, isError = false) => said.push({ text, isError }), reload);
  document.body.replaceChildren(panel);
  const text = (id: string) => panel.querySelector(`#${id}`)?.textContent ?? null;
  return { backend, panel, said, reload, text };
}

/** Lets the panel's poll run `times` times. */
async function poll(times = 1) {
  for (let i = 0; i < times; i++) await vi.advanceTimersByTimeAsync(SYNC_POLL_MS);
}

describe('"Sync now" in the admin area', () => {
  afterEach(() => vi.useRealTimers());

  it('says a sync was requested at once, then shows the outcome when it lands', async () => {
    vi.useFakeTimers();
    const { backend, said, text } = shownPanel(paired);
    (document.getElementById('sync-now') as HTMLButtonElement).click();
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.syncNowCalls).toBe(1);
    expect(said.at(-1)?.text).toMatch(/^Sync requested/);
    expect(text('sync-progress')).toBe('Sending records to the office now…');

    await poll(3); // the office is slow: still sending
    expect(said).toHaveLength(1);
    backend.status = { ...paired, pending: 0, last_success: '2026-11-23T10:00:00Z', syncing: false };
    await poll();
    expect(said.at(-1)).toEqual({ text: 'Sync finished. Not yet sent to the office: 0', isError: false });
    expect(text('sync-pending')).toBe('Not yet sent to the office: 0');
    expect(text('sync-progress')).toBeNull();
  });

  it('says why when the sync it asked for failed', async () => {
    vi.useFakeTimers();
    const { backend, said } = shownPanel(paired);
    (document.getElementById('sync-now') as HTMLButtonElement).click();
    await vi.advanceTimersByTimeAsync(0);
    backend.status = { ...paired, syncing: false, last_error_code: 'office_unreachable', last_error: 'cannot reach the office at https://office.local:8443' };
    await poll();
    // Said by its code, in the kiosk's language, not in the core's English.
    expect(said.at(-1)).toEqual({ text: `Sync failed: ${en['error.office_unreachable']}`, isError: true });
  });

  it('follows a sync already running (after pairing) without announcing it, and stops once hidden', async () => {
    vi.useFakeTimers();
    const { backend, said, text } = shownPanel({ ...paired, syncing: true });
    expect(text('sync-progress')).not.toBeNull();
    backend.status = { ...paired, pending: 0 };
    await poll();
    expect(text('sync-pending')).toBe('Not yet sent to the office: 0');
    expect(said).toEqual([]);

    // Another tab opened while the office is still busy: no more asking.
    const left = shownPanel({ ...paired, syncing: true });
    await poll();
    const asked = left.backend.statusCalls;
    expect(asked).toBe(1);
    left.panel.remove();
    await poll(3);
    expect(left.backend.statusCalls).toBe(asked);
  });
});

const unpaired: SyncView = { ...paired, paired: false, office_url: null, pending: 2 };

/** The pairing form of an unpaired kiosk, over an admin backend that records what it is asked. */
function pairingForm(offices: { name: string; office_url: string }[], refuse?: UiError) {
  const calls: unknown[][] = [];
  const admin = {
    findOffices: async () => { calls.push(['findOffices']); return offices; },
    pairWithCode: async (...args: unknown[]) => { calls.push(['pairWithCode', ...args]); if (refuse) throw refuse; return paired; },
    pair: async (...args: unknown[]) => { calls.push(['pair', ...args]); return paired; },
  } as unknown as AdminBackend;
  const said: { text: string; isError: boolean }[] = [];
  const panel = syncPanel(admin, { sync: unpaired } as AdminOverview, (text, isError = false) => said.push({ text, isError }), async () => undefined);
  document.body.replaceChildren(panel);
  const type = (id: string, value: string) => { (document.getElementById(id) as HTMLInputElement).value = value; };
  const click = async (id: string) => { (document.getElementById(id) as HTMLButtonElement).click(); await new Promise((r) => setTimeout(r, 0)); };
  return { calls, said, type, click };
}

describe('pairing with the office in the admin area', () => {
  it('finds offices, fills in the one picked, and pairs with the code alone', async () => {
    const form = pairingForm([{ name: 'Ysgol Gymraeg', office_url: 'https://192.168.1.20:8443' }]);
    await form.click('pair-find');
    expect(document.getElementById('pair-found')?.textContent).toContain('Ysgol Gymraeg (https://192.168.1.20:8443)');
    await form.click('pair-found-0');
    expect((document.getElementById('pair-office') as HTMLInputElement).value).toBe('https://192.168.1.20:8443');
    form.type('pair-code', '7KQ2M-9XD4P');
    form.type('pair-location', 'Main reception');
    await form.click('pair-submit');
    expect(form.calls.at(-1)).toEqual(['pairWithCode', 'https://192.168.1.20:8443', '7KQ2M-9XD4P', 'Main reception']);
    expect(form.said.at(-1)).toEqual({ text: en['admin.pair.done'].replace('{url}', 'https://192.168.1.20:8443'), isError: false });
  });

  it('says when no office answered, and a typed address still pairs', async () => {
    const form = pairingForm([]);
    await form.click('pair-find');
    expect(document.getElementById('pair-found-none')?.textContent).toBe(en['admin.pair.foundNone']);
    form.type('pair-office', 'https://office.local:8443');
    form.type('pair-code', '7KQ2M-9XD4P');
    await form.click('pair-submit');
    expect(form.calls.at(-1)).toEqual(['pairWithCode', 'https://office.local:8443', '7KQ2M-9XD4P', '']);
  });

  it('uses the fingerprint only when one is typed on the advanced path', async () => {
    const form = pairingForm([]);
    form.type('pair-office', 'https://office.local:8443');
    form.type('pair-code', '7KQ2M-9XD4P');
    form.type('pair-fingerprint', 'ab'.repeat(32));
    await form.click('pair-submit');
    expect(form.calls.at(-1)).toEqual(['pair', 'https://office.local:8443', '7KQ2M-9XD4P', 'ab'.repeat(32), '']);
  });

  it('says in the kiosk language why a pairing by code was not confirmed', async () => {
    const form = pairingForm([], { code: 'pairing_not_confirmed', message: 'pairing with https://x was not confirmed' });
    form.type('pair-office', 'https://office.local:8443');
    form.type('pair-code', '7KQ2M-9XD4Q');
    await form.click('pair-submit');
    expect(form.said.at(-1)).toEqual({ text: en['error.pairing_not_confirmed'], isError: true });
  });
});

describe('the office configuration in the Status tab', () => {
  it('shows the version in use and one waiting for the next visitor', () => {
    const { text } = shownPanel({ ...paired, configuration_version: 2, office_configuration_version: 3, configuration_pending: 3 });
    expect(text('sync-configuration')).toBe('Office configuration in use: version 2');
    expect(text('sync-configuration-pending')).toMatch(/^Version 3 from the office has been checked/);
    expect(text('sync-configuration-refused')).toBeNull();
  });

  it('says a configuration was refused, why, and that the kiosk keeps what it had', () => {
    const { text } = shownPanel({
      ...paired,
      configuration_refused_code: 'configuration_signature_invalid',
      configuration_refused_at: '2026-11-30T09:00:00.000Z',
    });
    const refused = text('sync-configuration-refused') ?? '';
    expect(refused).toMatch(/^Office configuration refused /);
    expect(refused).toContain(en['admin.sync.configuration.configuration_signature_invalid']);
    expect(refused).toContain('keeps what it had');
    expect(text('sync-configuration')).toBe('Office configuration in use: version 2');
  });

  it('says when no office configuration has arrived yet', () => {
    const { text } = shownPanel({ ...paired, configuration_version: 0 });
    expect(text('sync-configuration')).toMatch(/^Office configuration: none yet/);
  });
});
