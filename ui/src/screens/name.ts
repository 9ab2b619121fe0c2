// Name, and organisation for visitors and contractors, with the on-screen
// keyboard. The core checks the name (and the re-sign rule) on "Continue".
import { button, h } from '../dom';
import { errorText, lang, t, type Lang } from '../i18n';
import { Keyboard } from '../keyboard';
import type { State } from '../flow';
import type { Ctx, ScreenView } from './types';

type NameState = Extract<State, { screen: 'name' }>;

export function nameScreen(ctx: Ctx, state: NameState): ScreenView {
  const field = (id: 'name' | 'organisation', label: string, value: string) => {
    const input = h('input', {
      id, name: id, type: 'text', value, autocomplete: 'off', autocapitalize: 'words', spellcheck: 'false', 'aria-describedby': 'name-error',
    });
    input.addEventListener('input', () => ctx.flow.edit(id, input.value));
    input.addEventListener('focus', () => (lastFocused = input));
    return { input, row: h('div', { class: 'field' }, h('label', { for: id }, label), input) };
  };
  const name = field('name', t('name.name'), state.name);
  const org = state.role.asks_for_organisation ? field('organisation', t('name.organisation'), state.organisation) : null;
  let lastFocused: HTMLInputElement = name.input;

  const error = h('p', { class: 'error', id: 'name-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'name-continue' }, t('name.continue'));
  // The error sits between Back and Continue: on a 1024x600 screen a row of
  // its own would push the keyboard's bottom row off the screen.
  const form = h('form', { class: 'name-form', novalidate: true }, name.row, org?.row,
    h('div', { class: 'actions' }, button(t('nav.back'), () => ctx.flow.back(), { class: 'secondary' }), error, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ctx.flow.submitName();
  });
  const keyboard = new Keyboard(() => lastFocused, (input) => ctx.flow.edit(input.id as 'name' | 'organisation', input.value));
  const noticeButton = button(t('privacy.open'), () => openNotice(), { class: 'secondary', id: 'privacy-open' });
  const el = h('section', { class: 'screen name' },
    h('div', { class: 'name-head' }, h('h1', { tabindex: -1 }, t('name.heading')), noticeButton), form, keyboard.element);

  // "How we use your information" (UK GDPR Article 13), over the screen so
  // what was typed stays as it was; readable in either language.
  const openNotice = () => {
    const notice = ctx.flow.welcome?.privacy_notice;
    if (!notice) return;
    const text = h('div', { class: 'agreement-text', id: 'privacy-text', tabindex: 0, role: 'region', 'aria-label': t('privacy.open') });
    const show = (code: Lang) => {
      text.innerHTML = code === 'cy' ? notice.welsh_html : notice.english_html; // rendered by the core, raw HTML escaped
      text.setAttribute('lang', code);
      for (const b of toggles) b.setAttribute('aria-pressed', String(b.getAttribute('lang') === code));
    };
    const toggles = (['en', 'cy'] as Lang[]).map((code) => button(t(`lang.${code}`), () => show(code), { lang: code, class: 'toggle' }));
    const close = () => {
      dialog.remove();
      noticeButton.focus();
    };
    const closeButton = button(t('privacy.close'), close, { class: 'primary', id: 'privacy-close' });
    const dialog = h('div', { class: 'notice-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('privacy.open') },
      h('div', { role: 'group', 'aria-label': t('welcome.language'), class: 'option-group' }, ...toggles),
      text,
      h('div', { class: 'actions' }, closeButton));
    dialog.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
    show(lang());
    el.append(dialog);
    closeButton.focus();
  };

  const update = (s: State) => {
    if (s.screen !== 'name') return;
    error.textContent = s.error ? errorText(s.error) : '';
    const badField = s.error?.code.startsWith('organisation_') ? org?.input : s.error ? name.input : null;
    name.input.setAttribute('aria-invalid', String(badField === name.input));
    org?.input.setAttribute('aria-invalid', String(badField === org?.input));
    submit.disabled = s.busy;
    submit.textContent = s.busy ? t('name.checking') : t('name.continue');
    if (badField) {
      badField.focus();
      lastFocused = badField;
    }
  };
  update(state);
  return { el, update, initialFocus: name.input };
}
