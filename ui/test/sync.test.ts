import { afterEach, describe, expect, it, vi } from 'vitest';
import en from '../src/messages/en.json';
import type { AdminBackend, AdminOverview, SyncView } from '../src/backend';
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
