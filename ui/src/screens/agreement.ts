// The agreement for the chosen role. "I agree" stays disabled until the
// reader has scrolled to the end (or the whole text fits on the screen).
import { button, h } from '../dom';
import { t } from '../i18n';
import type { State } from '../flow';
import type { Ctx, ScreenView } from './types';

type AgreementState = Extract<State, { screen: 'agreement' }>;

/** Pixels from the bottom that count as "the end" (rounding, zoom). */
const END_SLACK_PX = 24;

export function agreementScreen(ctx: Ctx, state: AgreementState): ScreenView {
  const text = h('div', { class: 'agreement-text', id: 'agreement-text', tabindex: 0, role: 'region', 'aria-label': t('agreement.label') });
  // The HTML comes from the core's Markdown renderer, which turns any raw
  // HTML in the agreement into text; the CSP forbids scripts regardless.
  text.innerHTML = state.agreement.html.startsWith('<h1') ? state.agreement.html : `<h1>${escapeHtml(state.agreement.title)}</h1>${state.agreement.html}`;
  text.querySelector('h1')?.setAttribute('tabindex', '-1');
  const status = h('p', { class: 'hint', id: 'read-status', 'aria-live': 'polite' });
  const agree = button(t('agreement.agree'), () => ctx.flow.agree(), { class: 'primary', id: 'agree', 'aria-describedby': 'read-status' });
  const el = h('section', { class: 'screen agreement' }, text, status,
    h('div', { class: 'actions' }, button(t('nav.back'), () => ctx.flow.back(), { class: 'secondary' }), agree));

  const check = () => {
    if (text.scrollTop + text.clientHeight >= text.scrollHeight - END_SLACK_PX) ctx.flow.reachedEnd();
  };
  text.addEventListener('scroll', check, { passive: true });
  const observer = new ResizeObserver(check);
  observer.observe(text);

  const update = (s: State) => {
    if (s.screen !== 'agreement') return;
    agree.disabled = !s.readToEnd;
    status.textContent = s.readToEnd ? t('agreement.reachedEnd') : t('agreement.readToEnd');
  };
  update(state);
  return { el, update, destroy: () => observer.disconnect() };
}

function escapeHtml(text: string): string {
  const div = document.createElement('div');
  div.textContent = text;
  return div.innerHTML;
}
