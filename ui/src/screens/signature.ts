// Drawing the signature, and the confirmation after it.
import { button, h } from '../dom';
import { errorText, t } from '../i18n';
import { Pad } from '../pad';
import type { State } from '../flow';
import type { Ctx, ScreenView } from './types';

type SignatureState = Extract<State, { screen: 'signature' }>;

export function signatureScreen(ctx: Ctx, state: SignatureState): ScreenView {
  const canvas = h('canvas', { class: 'pad', id: 'signature-pad', role: 'img', 'aria-label': t('signature.pad'), 'aria-describedby': 'signature-hint' });
  const error = h('p', { class: 'error', id: 'signature-error', role: 'alert' });
  const submit = button(t('signature.submit'), () => void ctx.flow.submitSignature(JSON.stringify(pad.toJson())), { class: 'primary', id: 'signature-submit' });
  const el = h(
    'section',
    { class: 'screen signature' },
    h('h1', { tabindex: -1 }, t('signature.heading')),
    h('p', { class: 'lead' }, t('signature.signingAs', { name: state.checked.name })),
    h('p', { class: 'hint', id: 'signature-hint' }, t('signature.hint')),
    h('div', { class: 'pad-frame' }, canvas),
    error,
    h('div', { class: 'actions' },
      button(t('nav.back'), () => ctx.flow.back(), { class: 'secondary' }),
      button(t('signature.undo'), () => { pad.undo(); ctx.flow.clearSignatureError(); }, { class: 'secondary', id: 'signature-undo' }),
      button(t('signature.clear'), () => { pad.clear(); ctx.flow.clearSignatureError(); }, { class: 'secondary', id: 'signature-clear' }),
      submit),
  );
  const pad = new Pad(canvas, () => ctx.flow.clearSignatureError());
  const update = (s: State) => {
    if (s.screen !== 'signature') return;
    error.textContent = s.error ? errorText(s.error) : '';
    submit.disabled = s.busy;
    submit.textContent = s.busy ? t('signature.saving') : t('signature.submit');
  };
  update(state);
  // The canvas has its size only once it is in the document.
  requestAnimationFrame(() => pad.fit());
  return { el, update, destroy: () => pad.destroy() };
}

export function confirmationScreen(ctx: Ctx, state: Extract<State, { screen: 'confirmation' }>): ScreenView {
  const el = h(
    'section',
    { class: 'screen confirmation' },
    h('h1', { tabindex: -1, id: 'thanks' }, t('confirmation.thanks', { name: state.receipt.first_name })),
    h('p', { class: 'lead' }, t('confirmation.saved')),
    h('p', { class: 'reference-label', id: 'reference-label' }, t('confirmation.reference')),
    h('p', { class: 'reference', id: 'reference', 'aria-labelledby': 'reference-label' }, state.receipt.reference),
    h('div', { class: 'actions' }, button(t('confirmation.done'), () => ctx.flow.reset(), { class: 'primary', id: 'done' })),
    h('p', { class: 'hint' }, t('confirmation.returning')),
  );
  return { el };
}
