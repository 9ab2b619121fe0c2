// "Change address": a paired kiosk pointed at another address of the same
// office (a new IP address after a move, a second network). The core keeps
// the address only if the server there proves to be the paired office, so
// this form only sends what was typed and shows the answer.
import type { AdminBackend } from '../backend';
import { button, h } from '../dom';
import { t } from '../i18n';

export function officeAddressForm(admin: AdminBackend, current: string | null, act: (action: () => Promise<string>) => Promise<void>): HTMLElement {
  const input = h('input', {
    id: 'office-address', type: 'text', inputmode: 'url', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'office-address-hint',
  });
  input.value = current ?? '';
  const form = h('form', { class: 'office-address-form' },
    h('div', { class: 'field' },
      h('label', { for: 'office-address' }, t('admin.sync.address')),
      input,
      h('p', { class: 'hint', id: 'office-address-hint' }, t('admin.sync.addressHint'))),
    button(t('admin.sync.changeAddress'), () => {
      const address = input.value.trim();
      void act(async () => {
        const moved = await admin.moveOfficeAddress(address);
        return t('admin.sync.addressChanged', { url: moved.office_url ?? address });
      });
    }, { id: 'office-address-change' }));
  form.addEventListener('submit', (e) => e.preventDefault());
  return form;
}
