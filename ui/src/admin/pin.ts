// The admin PIN screen, with its own number pad (a kiosk has no keyboard).
// First run asks for a new PIN twice; after that, the PIN. The core counts
// wrong PINs and locks the area with a growing delay.
import type { AdminBackend } from '../backend';
import { asKioskError } from '../backend';
import { button, h } from '../dom';
import { errorText, t } from '../i18n';

export function pinScreen(admin: AdminBackend, pinSet: boolean, onUnlocked: () => void, onCancel: () => void): { el: HTMLElement; initialFocus: HTMLElement } {
  const input = (id: string, label: string) => {
    const el = h('input', { id, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 12, 'aria-describedby': 'pin-error' });
    el.addEventListener('focus', () => (active = el));
    return { el, row: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
  };
  const first = input('pin', pinSet ? t('admin.enterPin') : t('admin.choosePin'));
  const again = pinSet ? null : input('pin-again', t('admin.confirmPin'));
  let active = first.el;
  const error = h('p', { class: 'error', id: 'pin-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'pin-submit' }, t('admin.unlock'));

  const digit = (d: string) => {
    const key = button(d, () => { active.value = (active.value + d).slice(0, 12); }, { class: 'key', tabindex: -1, 'aria-label': d });
    key.addEventListener('pointerdown', (e) => e.preventDefault());
    return key;
  };
  const backspace = button('⌫', () => { active.value = active.value.slice(0, -1); }, { class: 'key', tabindex: -1, 'aria-label': t('keyboard.backspace') });
  backspace.addEventListener('pointerdown', (e) => e.preventDefault());
  const pad = h('div', { class: 'pin-pad', role: 'group', 'aria-label': t('keyboard.label') },
    ...'123456789'.split('').map(digit), h('span'), digit('0'), backspace);

  const form = h('form', { class: 'pin-form', novalidate: true }, first.row, again?.row, error,
    h('div', { class: 'actions' }, button(t('admin.cancel'), onCancel, { class: 'secondary', id: 'pin-cancel' }), submit));
  const attempt = async () => {
    error.textContent = '';
    if (again && again.el.value !== first.el.value) {
      error.textContent = t('admin.pinMismatch');
      again.el.value = '';
      return;
    }
    submit.disabled = true;
    try {
      if (pinSet) await admin.unlock(first.el.value);
      else await admin.setFirstPin(first.el.value);
      onUnlocked();
    } catch (err) {
      error.textContent = errorText(asKioskError(err));
      first.el.value = '';
      if (again) again.el.value = '';
      first.el.focus();
    } finally {
      submit.disabled = false;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt();
  });
  const el = h('section', { class: 'screen admin-pin' }, h('h1', { tabindex: -1 }, t('admin.heading')), form, pad);
  return { el, initialFocus: first.el };
}
