// Import a new agreement version: pick a PDF, Word, LibreOffice or text file (or paste text),
// check what the importer removed, edit, preview exactly as the kiosk will
// show it, choose the roles, publish.
import type { AdminBackend, AdminOverview, ImportPreview } from '../backend';
import { asKioskError } from '../backend';
import { button, h } from '../dom';
import { errorText, removedReasonText, roleName, t } from '../i18n';

export function importPanel(admin: AdminBackend, o: AdminOverview, say: (text: string, isError?: boolean) => void, reload: () => Promise<void>): HTMLElement {
  const file = h('input', { id: 'import-file', type: 'file', accept: '.pdf,.docx,.odt,.txt,.md,.markdown' });
  const pasted = h('textarea', { id: 'import-paste', rows: 4 });
  const title = h('input', { id: 'import-title', type: 'text', autocomplete: 'off' });
  const markdown = h('textarea', { id: 'import-markdown', rows: 12, spellcheck: 'false' });
  const preview = h('div', { class: 'agreement-text preview', id: 'import-preview', tabindex: 0, role: 'region', 'aria-label': t('admin.import.preview') });
  const report = h('div', { class: 'import-report' });
  const roles = o.known_roles.map((role) => h('label', { class: 'check', for: `publish-${role}` },
    h('input', { type: 'checkbox', id: `publish-${role}`, value: role, checked: o.settings.roles.includes(role) }), roleName(role)));
  const editor = h('div', { class: 'import-editor', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'import-title' }, t('admin.import.title')), title),
    report,
    h('div', { class: 'field' }, h('label', { for: 'import-markdown' }, t('admin.import.markdown')), markdown),
    button(t('admin.import.updatePreview'), () => void show(() => admin.preview(markdown.value).then((html) => ({ html }))), { class: 'secondary' }),
    h('h3', {}, t('admin.import.preview')), preview,
    h('fieldset', {}, h('legend', {}, t('admin.import.roles')), ...roles),
    button(t('admin.import.publish'), () => void publish(), { class: 'primary', id: 'import-publish' }));

  const show = async (load: () => Promise<Partial<ImportPreview> & { html: string }>) => {
    try {
      const result = await load();
      preview.innerHTML = result.html; // rendered by the core, raw HTML escaped
      if (result.markdown !== undefined) {
        markdown.value = result.markdown;
        title.value = result.title ?? '';
        report.replaceChildren(
          h('p', {}, t('admin.import.removed', { n: result.removed?.length ?? 0 })),
          h('ul', { class: 'removed' }, ...(result.removed ?? []).map((r) => h('li', {}, `${removedReasonText(r.reason)}: ${r.text}`))),
          result.metadata?.length ? h('p', {}, t('admin.import.metadata')) : '',
          h('ul', {}, ...(result.metadata ?? []).map(([label, value]) => h('li', {}, `${label}: ${value}`))));
      }
      editor.hidden = false;
      say('');
    } catch (e) {
      say(errorText(asKioskError(e)), true);
    }
  };
  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    if (picked) void show(async () => admin.importFile(picked.name, new Uint8Array(await picked.arrayBuffer())));
  });
  const publish = async () => {
    const chosen = [...editor.querySelectorAll<HTMLInputElement>('fieldset input:checked')].map((b) => b.value);
    if (chosen.length === 0) return say(t('admin.import.noRoles'), true);
    try {
      await admin.publish(markdown.value, title.value, chosen);
      await reload();
      say(t('admin.import.published', { roles: chosen.map(roleName).join(', ') }));
    } catch (e) {
      say(errorText(asKioskError(e)), true);
    }
  };
  return h('div', { class: 'import' },
    h('h2', {}, t('admin.import.heading')),
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('admin.import.file')), file),
    h('div', { class: 'field' }, h('label', { for: 'import-paste' }, t('admin.import.paste')), pasted),
    button(t('admin.import.usePasted'), () => void show(() => admin.importFile('pasted.txt', new TextEncoder().encode(pasted.value))), { class: 'secondary', id: 'import-use-pasted' }),
    editor);
}
