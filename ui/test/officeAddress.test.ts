import { describe, expect, it } from 'vitest';
import cy from '../src/messages/cy.json';
import en from '../src/messages/en.json';
import type { AdminBackend, AdminOverview, SyncView, UiError } from '../src/backend';
import { syncPanel } from '../src/admin/sync';
import { setLang } from '../src/i18n';

const paired: SyncView = {
  paired: true, office_url: 'https://office.local:8443', pending: 0,
  last_success: null, last_attempt: null, last_error: null, last_error_code: null, syncing: false,
  configuration_version: 2, office_configuration_version: null, configuration_pending: null,
  configuration_refused_code: null, configuration_refused_at: null,
};

/** A paired kiosk's sync panel, over an admin backend that records the addresses it is asked to move to. */
function shownPanel(sync: SyncView, refuse?: UiError) {
  const moves: string[] = [];
  const admin = {
    moveOfficeAddress: async (url: string) => { moves.push(url); if (refuse) throw refuse; return { ...sync, office_url: url }; },
    syncStatus: async () => sync,
  } as unknown as AdminBackend;
  const said: { text: string; isError: boolean }[] = [];
  let reloads = 0;
  const panel = syncPanel(admin, { sync } as AdminOverview, (text, isError = false) => said.push({ text, isError }), async () => { reloads++; });
  document.body.replaceChildren(panel);
  const address = () => document.getElementById('office-address') as HTMLInputElement;
  const change = async () => { (document.getElementById('office-address-change') as HTMLButtonElement).click(); await new Promise((r) => setTimeout(r, 0)); };
  return { moves, said, address, change, reloads: () => reloads };
}

describe('changing the office address in the admin area', () => {
  it('is prefilled with the current address and sends the typed one to the core', async () => {
    const panel = shownPanel(paired);
    expect(panel.address().value).toBe('https://office.local:8443');
    expect(document.querySelector('label[for="office-address"]')?.textContent).toBe(en['admin.sync.address']);
    panel.address().value = '  https://192.168.1.30:8443 ';
    await panel.change();
    expect(panel.moves).toEqual(['https://192.168.1.30:8443']);
    expect(panel.said.at(-1)).toEqual({ text: en['admin.sync.addressChanged'].replace('{url}', 'https://192.168.1.30:8443'), isError: false });
    expect(panel.reloads()).toBe(1);
  });

  it('says plainly, in the kiosk language, that another office was refused and nothing changed', async () => {
    const refusal = { code: 'office_address_not_this_office', message: 'the computer at https://10.0.0.9:8443 is not the office' };
    const panel = shownPanel(paired, refusal);
    panel.address().value = 'https://10.0.0.9:8443';
    await panel.change();
    expect(panel.moves).toEqual(['https://10.0.0.9:8443']);
    expect(panel.said.at(-1)).toEqual({ text: en['error.office_address_not_this_office'], isError: true });
    expect(panel.said.at(-1)?.text).toContain('not changed');
    expect(panel.reloads()).toBe(0);

    setLang('cy');
    try {
      const welsh = shownPanel(paired, refusal);
      await welsh.change();
      expect(welsh.said.at(-1)).toEqual({ text: cy['error.office_address_not_this_office'], isError: true });
    } finally {
      setLang('en');
    }
  });

  it('is not offered before the kiosk is paired', () => {
    shownPanel({ ...paired, paired: false, office_url: null });
    expect(document.getElementById('office-address')).toBeNull();
  });
});
