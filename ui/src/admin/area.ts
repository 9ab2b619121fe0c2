// The admin area: status and sync, agreement versions with import, preview
// and publish, export to a folder or USB drive, and settings. Each action
// is one command; the core checks the admin session on every one.
import type { AdminBackend, AdminOverview } from '../backend';
import { asKioskError } from '../backend';
import { button, h } from '../dom';
import { destinationName, errorText, formatWhen, problemText, roleName, t } from '../i18n';
import { importPanel } from './import';
import { syncPanel } from './sync';

type Tab = 'status' | 'agreements' | 'export' | 'settings';

export class AdminArea {
  readonly el: HTMLElement;
  private tab: Tab = 'status';
  private overview: AdminOverview | null = null;
  private readonly body = h('div', { class: 'admin-body' });
  private readonly message = h('p', { class: 'admin-message', role: 'status', id: 'admin-message' });

  constructor(private readonly admin: AdminBackend, private readonly onExit: () => void) {
    const nav = h('nav', { class: 'admin-tabs', 'aria-label': t('admin.heading') },
      ...(['status', 'agreements', 'export', 'settings'] as Tab[]).map((tab) =>
        button(t(`admin.tab.${tab}`), () => { this.tab = tab; this.message.textContent = ''; this.render(); }, { 'data-tab': tab, class: 'tab' })));
    this.el = h('section', { class: 'screen admin' },
      h('header', { class: 'admin-header' },
        h('h1', { tabindex: -1 }, t('admin.heading')),
        button(t('admin.backToKiosk'), () => void this.exit(), { class: 'secondary', id: 'admin-exit' }),
        button(t('admin.quit'), () => void this.admin.quit(), { class: 'secondary', id: 'admin-quit' })),
      nav, this.message, this.body);
  }

  async load(): Promise<void> {
    await this.run(async () => {
      this.overview = await this.admin.overview();
      this.render();
    });
  }

  async exit(): Promise<void> {
    await this.admin.lock().catch(() => undefined);
    this.onExit();
  }

  /** Runs an action, showing its error (a locked session goes back to the kiosk). */
  private async run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (e) {
      const error = asKioskError(e);
      if (error.code === 'admin_locked') return this.onExit();
      this.say(errorText(error), true);
    }
  }

  private say(text: string, isError = false): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', isError);
  }

  private render(): void {
    for (const tab of this.el.querySelectorAll<HTMLButtonElement>('.tab')) {
      if (tab.dataset.tab === this.tab) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    const o = this.overview;
    if (!o) return;
    const sections = { status: () => this.status(o), agreements: () => this.agreements(o), export: () => this.exportTab(o), settings: () => this.settings(o) };
    this.body.replaceChildren(sections[this.tab]());
  }

  private status(o: AdminOverview): HTMLElement {
    const result = h('p', { id: 'verify-result', role: 'status' });
    return h('div', { class: 'panel' },
      syncPanel(this.admin, o, (text, isError) => this.say(text, isError), () => this.load()),
      h('h2', {}, t('admin.kiosk.heading')),
      h('ul', { class: 'facts' },
        h('li', { id: 'record-count' }, t('admin.records', { n: o.records })),
        o.last_signed_at ? h('li', {}, t('admin.lastSigned', { when: formatWhen(o.last_signed_at) })) : null,
        h('li', {}, t('admin.device', { id: o.device_id })),
        h('li', { id: 'key-fingerprint' }, t('admin.keyFingerprint', { fingerprint: o.key_fingerprint })),
        h('li', { class: 'path' }, t('admin.database', { path: o.database }))),
      button(t('admin.verify'), () => void this.run(async () => {
        result.textContent = t('admin.working');
        const report = await this.admin.verify();
        result.textContent = report.problem
          ? t('admin.verifyBroken', { seq: report.problem.seq, kind: problemText(report.problem.kind) })
          : t('admin.verifyOk', { n: report.records });
        result.classList.toggle('error', !!report.problem);
      }), { class: 'primary', id: 'verify' }),
      result);
  }

  private agreements(o: AdminOverview): HTMLElement {
    const list = h('ul', { class: 'versions' },
      ...[...o.agreements].reverse().map((a) => h('li', { class: 'version' },
        h('h3', {}, a.title),
        h('p', {}, t('admin.agreements.published', { when: formatWhen(a.published_at) }), ' · ', t('admin.agreements.signatures', { n: a.signatures })),
        h('p', {}, a.current_for.length ? t('admin.agreements.currentFor', { roles: a.current_for.map(roleName).join(', ') }) : t('admin.agreements.superseded')),
        h('p', { class: 'hash' }, a.hash))));
    const importer = importPanel(this.admin, o, (text, isError) => this.say(text, isError), () => this.load());
    return h('div', { class: 'panel' }, h('h2', {}, t('admin.agreements.heading')), list, importer);
  }

  private exportTab(o: AdminOverview): HTMLElement {
    return h('div', { class: 'panel' },
      h('h2', {}, t('admin.export.heading')),
      h('p', {}, t('admin.export.hint')),
      o.destinations.length === 0 ? h('p', { class: 'notice' }, t('admin.export.none')) : null,
      h('div', { class: 'destinations' }, ...o.destinations.map((d) =>
        button(t('admin.export.to', { label: destinationName(d.label) }), () => void this.run(async () => {
          this.say(t('admin.working'));
          const done = await this.admin.exportTo(d.path);
          this.say(t('admin.export.done', { n: done.records, csv: done.csv, jsonl: done.jsonl }));
        }), { class: 'primary export-button', title: d.path }))),
      button(t('admin.export.refresh'), () => void this.load(), { class: 'secondary' }));
  }

  private settings(o: AdminOverview): HTMLElement {
    const school = h('input', { id: 'school-name', type: 'text', value: o.settings.school_name, autocomplete: 'off' });
    const idle = h('input', { id: 'idle-timeout', type: 'number', min: 15, max: 600, value: o.settings.idle_timeout_secs });
    const roleBoxes = o.known_roles.map((role) => {
      const box = h('input', { type: 'checkbox', id: `offer-${role}`, value: role, checked: o.settings.roles.includes(role) });
      return h('label', { class: 'check', for: `offer-${role}` }, box, roleName(role));
    });
    // Blank means the built-in notice, which names the school.
    const notice = (id: string, value: string) => h('textarea', { id, rows: 5, spellcheck: 'false', 'aria-describedby': 'notice-hint' }, value);
    const noticeEn = notice('notice-en', o.settings.privacy_notice.english);
    const noticeCy = notice('notice-cy', o.settings.privacy_notice.welsh);
    const save = h('form', { class: 'settings-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'school-name' }, t('admin.settings.schoolName')), school),
      h('div', { class: 'field' }, h('label', { for: 'idle-timeout' }, t('admin.settings.idle', { min: 15, max: 600 })), idle),
      h('fieldset', {}, h('legend', {}, t('admin.settings.roles')), ...roleBoxes),
      h('fieldset', {}, h('legend', {}, t('admin.settings.notice')),
        h('p', { class: 'hint', id: 'notice-hint' }, t('admin.settings.noticeHint')),
        h('div', { class: 'field' }, h('label', { for: 'notice-en' }, t('admin.settings.noticeEn')), noticeEn),
        h('div', { class: 'field' }, h('label', { for: 'notice-cy' }, t('admin.settings.noticeCy')), noticeCy)),
      h('button', { type: 'submit', class: 'primary', id: 'save-settings' }, t('admin.settings.save')));
    save.addEventListener('submit', (e) => {
      e.preventDefault();
      const roles = [...save.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((b) => b.value);
      void this.run(async () => {
        const privacy_notice = { english: noticeEn.value, welsh: noticeCy.value };
        await this.admin.saveSettings({ school_name: school.value, idle_timeout_secs: Number(idle.value), roles, privacy_notice });
        this.overview = await this.admin.overview();
        this.say(t('admin.settings.saved'));
      });
    });
    const current = h('input', { id: 'current-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off' });
    const next = h('input', { id: 'new-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off' });
    const pin = h('form', { class: 'settings-form', novalidate: true },
      h('h2', {}, t('admin.settings.changePin')),
      h('div', { class: 'field' }, h('label', { for: 'current-pin' }, t('admin.settings.currentPin')), current),
      h('div', { class: 'field' }, h('label', { for: 'new-pin' }, t('admin.settings.newPin')), next),
      h('button', { type: 'submit', class: 'secondary' }, t('admin.settings.changePin')));
    pin.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(async () => {
        await this.admin.changePin(current.value, next.value);
        current.value = next.value = '';
        this.say(t('admin.settings.pinChanged'));
      });
    });
    return h('div', { class: 'panel' }, h('h2', {}, t('admin.tab.settings')), save, pin);
  }
}
