// Welcome, role choice, and the screen shown when the kiosk cannot work.
import { button, h } from '../dom';
import { errorText, lang, roleName, setLang, t, type Lang } from '../i18n';
import type { State } from '../flow';
import type { Ctx, ScreenView } from './types';

/** Holding the school's name this long opens the admin PIN screen. */
export const ADMIN_HOLD_MS = 3000;

export function welcomeScreen(ctx: Ctx): ScreenView {
  const school = ctx.flow.welcome?.school_name ?? '';
  const heading = h('h1', { class: 'school-name', tabindex: -1 }, school);
  holdToOpen(heading, () => ctx.openAdmin());
  const langButton = (code: Lang) =>
    button(t(`lang.${code}`), () => { setLang(code); ctx.rerender(); }, { 'aria-pressed': String(lang() === code), lang: code, class: 'toggle' });
  const displayToggle = (cls: string, label: string) => {
    const on = document.documentElement.classList.contains(cls);
    return button(label, () => { document.documentElement.classList.toggle(cls); ctx.rerender(); }, { 'aria-pressed': String(on), class: 'toggle' });
  };
  const el = h(
    'section',
    { class: 'screen welcome', 'aria-labelledby': 'welcome-title' },
    h('div', { class: 'welcome-main' },
      heading,
      h('p', { class: 'lead', id: 'welcome-title' }, t('welcome.intro')),
      button(t('welcome.start'), () => ctx.flow.begin(), { class: 'primary huge', id: 'start' }),
    ),
    h('div', { class: 'welcome-options' },
      h('div', { role: 'group', 'aria-label': t('welcome.language'), class: 'option-group' }, langButton('en'), langButton('cy')),
      h('div', { role: 'group', 'aria-label': t('welcome.display'), class: 'option-group' },
        displayToggle('larger-text', t('display.largerText')),
        displayToggle('high-contrast', t('display.highContrast'))),
    ),
  );
  return { el };
}

/** The hidden gesture: press and hold the school's name. */
function holdToOpen(target: HTMLElement, open: () => void): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = () => { if (timer) clearTimeout(timer); timer = null; };
  target.addEventListener('pointerdown', () => { cancel(); timer = setTimeout(open, ADMIN_HOLD_MS); });
  for (const ev of ['pointerup', 'pointerleave', 'pointercancel']) target.addEventListener(ev, cancel);
}

export function roleScreen(ctx: Ctx): ScreenView {
  const roles = ctx.flow.welcome?.roles ?? [];
  const el = h(
    'section',
    { class: 'screen role' },
    h('h1', { tabindex: -1 }, t('role.heading')),
    h('div', { class: 'role-grid' },
      ...roles.map((r) =>
        h('button', { type: 'button', class: 'role-button', 'data-role': r.role, disabled: !r.has_agreement, onclick: () => void ctx.flow.chooseRole(r.role) },
          roleName(r.role),
          r.has_agreement ? null : h('span', { class: 'role-note' }, t('role.unavailable'))),
      )),
    h('div', { class: 'actions' }, button(t('nav.back'), () => ctx.flow.back(), { class: 'secondary' })),
  );
  return { el };
}

export function unavailableScreen(ctx: Ctx, state: Extract<State, { screen: 'unavailable' }>): ScreenView {
  const el = h(
    'section',
    { class: 'screen unavailable' },
    h('h1', { tabindex: -1 }, t('unavailable.heading')),
    h('p', { class: 'lead' }, t('unavailable.body')),
    h('p', { class: 'error-detail' }, errorText(state.error)),
    h('div', { class: 'actions' }, button(t('unavailable.retry'), () => void ctx.flow.start(), { class: 'primary' })),
  );
  return { el };
}
