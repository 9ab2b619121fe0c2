// Sync with the office: the backlog and its health, pairing with the office
// server (address, one-time code, certificate fingerprint, all printed by
// `signbook-office pair`), and "Sync now". The background sync in the app
// sends records by itself; this panel only shows it and starts it early.
import type { AdminBackend, AdminOverview } from '../backend';
import { asKioskError } from '../backend';
import { button, h } from '../dom';
import { errorText, formatWhen, t } from '../i18n';

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
  const facts = h('ul', { class: 'facts' },
    o.sync.office_url ? h('li', { id: 'sync-office' }, t('admin.sync.office', { url: o.sync.office_url })) : null,
    h('li', { id: 'sync-pending' }, t('admin.sync.pending', { n: o.sync.pending })),
    h('li', { id: 'sync-last-success' }, t('admin.sync.lastSuccess', { when: o.sync.last_success ? formatWhen(o.sync.last_success) : t('admin.sync.never') })),
    o.sync.last_error_code
      ? h('li', { class: 'error', id: 'sync-last-error' }, t('admin.sync.lastError', { error: errorText({ code: o.sync.last_error_code, message: o.sync.last_error ?? '' }) }))
      : null);

  if (o.sync.paired) {
    return h('div', { class: 'sync' },
      h('h2', {}, t('admin.sync.heading')),
      facts,
      button(t('admin.sync.now'), () => void act(async () => t('admin.sync.sent', { n: (await admin.syncNow()).pending })), { class: 'primary', id: 'sync-now' }));
  }

  const field = (id: string, label: string, hint: string, attrs: Record<string, string> = {}) => h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${id}-hint`, ...attrs }),
    h('p', { class: 'hint', id: `${id}-hint` }, hint));
  const form = h('form', { class: 'pair-form', 'aria-labelledby': 'pair-heading' },
    h('h3', { id: 'pair-heading' }, t('admin.pair.heading')),
    h('p', {}, t('admin.pair.intro')),
    field('pair-office', t('admin.pair.office'), t('admin.pair.officeHint'), { inputmode: 'url' }),
    field('pair-code', t('admin.pair.code'), t('admin.pair.codeHint'), { autocapitalize: 'characters' }),
    field('pair-fingerprint', t('admin.pair.fingerprint'), t('admin.pair.fingerprintHint')),
    button(t('admin.pair.submit'), () => {
      const value = (id: string) => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '').trim();
      const office = value('pair-office');
      void act(async () => {
        await admin.pair(office, value('pair-code'), value('pair-fingerprint'));
        return t('admin.pair.done', { url: office });
      });
    }, { class: 'primary', id: 'pair-submit' }));
  form.addEventListener('submit', (e) => e.preventDefault());
  return h('div', { class: 'sync' },
    h('h2', {}, t('admin.sync.heading')),
    h('p', { class: 'notice' }, t('admin.sync.notPaired')),
    facts,
    form);
}
