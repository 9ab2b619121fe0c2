// Sync with the office: the backlog and its health, pairing with the office
// server (found on the network or its address typed, then the one-time code
// alone; the certificate fingerprint only on the "advanced" path for older
// offices), "Sync now", and moving to another address of the paired office. The background sync in the app
// sends records by itself; "Sync now" only wakes it and returns at once, so
// this panel says a sync was requested, then polls the status and shows the
// outcome when it lands.
import type { AdminBackend, AdminOverview, SyncView } from '../backend';
import { asKioskError } from '../backend';
import { button, h } from '../dom';
import { officeAddressForm } from './officeAddress';
import { configurationRefusalText, errorText, formatWhen, t } from '../i18n';

/** How often the panel asks whether a running sync has finished. */
export const SYNC_POLL_MS = 1000;

const lastError = (sync: SyncView) =>
  sync.last_error ? errorText({ code: sync.last_error_code ?? '', message: sync.last_error }) : null;

/** The office's configuration: the version in use, one waiting for the next visitor, and the last one refused. */
function configurationFacts(sync: SyncView): (HTMLLIElement | null)[] {
  if (!sync.paired) return [];
  const refused = sync.configuration_refused_code && sync.configuration_refused_at
    ? t('admin.sync.configurationRefused', {
      when: formatWhen(sync.configuration_refused_at),
      reason: configurationRefusalText(sync.configuration_refused_code),
    })
    : null;
  return [
    h('li', { id: 'sync-configuration' }, sync.configuration_version > 0
      ? t('admin.sync.configuration', { version: sync.configuration_version })
      : t('admin.sync.configurationNone')),
    sync.configuration_pending !== null
      ? h('li', { id: 'sync-configuration-pending' }, t('admin.sync.configurationPending', { version: sync.configuration_pending }))
      : null,
    refused ? h('li', { class: 'error', id: 'sync-configuration-refused' }, refused) : null,
  ];
}

/** The figures, from a status as the core reports it. */
function syncFacts(sync: SyncView): Node[] {
  const error = lastError(sync);
  return [
    sync.office_url ? h('li', { id: 'sync-office' }, t('admin.sync.office', { url: sync.office_url })) : null,
    h('li', { id: 'sync-pending' }, t('admin.sync.pending', { n: sync.pending })),
    sync.syncing ? h('li', { id: 'sync-progress' }, t('admin.sync.syncing')) : null,
    h('li', { id: 'sync-last-success' }, t('admin.sync.lastSuccess', { when: sync.last_success ? formatWhen(sync.last_success) : t('admin.sync.never') })),
    error ? h('li', { class: 'error', id: 'sync-last-error' }, t('admin.sync.lastError', { error })) : null,
    ...configurationFacts(sync),
  ].filter((item): item is HTMLLIElement => item !== null);
}

export function syncPanel(admin: AdminBackend, o: AdminOverview, say: (text: string, isError?: boolean) => void, reload: () => Promise<void>): HTMLElement {
  const act = async (action: () => Promise<string>) => {
    try {
      const done = await action();
      await reload();
      say(done);
    } catch (e) {
      say(errorText(asKioskError(e)), true);
    }
  };
  const facts = h('ul', { class: 'facts' }, ...syncFacts(o.sync));
  const panel = h('div', { class: 'sync' }, h('h2', {}, t('admin.sync.heading')));

  // While a sync runs (asked for here, or started by pairing), ask now and
  // then whether it has finished; then update the figures in place and, if
  // this panel asked for the sync, say how it went. Stops when the panel is
  // no longer shown.
  let following = false;
  let announce = false;
  const follow = () => {
    if (following) return;
    following = true;
    void (async () => {
      try {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
          if (!panel.isConnected) return;
          const status = await admin.syncStatus();
          if (status.syncing) continue;
          facts.replaceChildren(...syncFacts(status));
          if (announce) {
            const failed = lastError(status);
            say(failed ? t('admin.sync.failed', { error: failed }) : t('admin.sync.sent', { n: status.pending }), !!failed);
          }
          return;
        }
      } catch (e) {
        const problem = asKioskError(e);
        // The session ended while waiting: reloading goes back to the kiosk.
        if (problem.code === 'admin_locked') await reload();
        else say(errorText(problem), true);
      } finally {
        following = false;
      }
    })();
  };
  if (o.sync.syncing) follow();

  if (o.sync.paired) {
    panel.append(facts,
      button(t('admin.sync.now'), () => void (async () => {
        try {
          facts.replaceChildren(...syncFacts(await admin.syncNow()));
        } catch (e) {
          say(errorText(asKioskError(e)), true);
          return;
        }
        announce = true;
        say(t('admin.sync.requested'));
        follow();
      })(), { class: 'primary', id: 'sync-now' }),
      officeAddressForm(admin, o.sync.office_url, act));
    return panel;
  }

  const field = (id: string, label: string, hint: string, attrs: Record<string, string> = {}) => h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${id}-hint`, ...attrs }),
    h('p', { class: 'hint', id: `${id}-hint` }, hint));
  // "Find offices": what answered, each a button that fills in the address.
  const found = h('div', { class: 'pair-found', id: 'pair-found', 'aria-live': 'polite' });
  const find = async () => {
    found.replaceChildren(h('p', { class: 'hint' }, t('admin.pair.finding')));
    let offices;
    try {
      offices = await admin.findOffices();
    } catch (e) {
      found.replaceChildren();
      say(errorText(asKioskError(e)), true);
      return;
    }
    if (offices.length === 0) {
      found.replaceChildren(h('p', { class: 'notice', id: 'pair-found-none' }, t('admin.pair.foundNone')));
      return;
    }
    found.replaceChildren(h('p', {}, t('admin.pair.foundSome')), h('ul', { class: 'offices' }, ...offices.map((office, i) =>
      h('li', {}, button(`${office.name} (${office.office_url})`, () => {
        const address = form.querySelector<HTMLInputElement>('#pair-office');
        if (address) address.value = office.office_url;
        say(t('admin.pair.chosen', { name: office.name, url: office.office_url }));
        form.querySelector<HTMLInputElement>('#pair-code')?.focus();
      }, { id: `pair-found-${i}` })))));
  };
  const form = h('form', { class: 'pair-form', 'aria-labelledby': 'pair-heading' },
    h('h3', { id: 'pair-heading' }, t('admin.pair.heading')),
    h('p', {}, t('admin.pair.intro')),
    button(t('admin.pair.find'), () => void find(), { id: 'pair-find' }),
    found,
    field('pair-office', t('admin.pair.office'), t('admin.pair.officeHint'), { inputmode: 'url' }),
    field('pair-code', t('admin.pair.code'), t('admin.pair.codeHint'), { autocapitalize: 'characters' }),
    field('pair-location', t('admin.pair.location'), t('admin.pair.locationHint'), { maxlength: '60', spellcheck: 'true' }),
    h('details', { class: 'pair-advanced' },
      h('summary', {}, t('admin.pair.advanced')),
      field('pair-fingerprint', t('admin.pair.fingerprint'), t('admin.pair.fingerprintHint'))),
    button(t('admin.pair.submit'), () => {
      const value = (id: string) => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '').trim();
      const [office, code, fingerprint, location] = ['pair-office', 'pair-code', 'pair-fingerprint', 'pair-location'].map(value);
      void act(async () => {
        // The fingerprint is only for the advanced path; the code alone is the usual one.
        if (fingerprint) await admin.pair(office, code, fingerprint, location);
        else await admin.pairWithCode(office, code, location);
        return t('admin.pair.done', { url: office });
      });
    }, { class: 'primary', id: 'pair-submit' }));
  form.addEventListener('submit', (e) => e.preventDefault());
  panel.append(h('p', { class: 'notice' }, t('admin.sync.notPaired')), facts, form);
  return panel;
}
