// UI text in English and Welsh, from messages/*.json. English error text
// comes from the core (it already speaks to the visitor); Welsh has its own
// `error.<code>` entries and falls back to a general message.
import en from './messages/en.json';
import cy from './messages/cy.json';
import type { KioskError } from './backend';

export type Lang = 'en' | 'cy';
export type MessageKey = keyof typeof en;
const catalogues: Record<Lang, Record<string, string>> = { en, cy };

let current: Lang = 'en';

export function setLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
}

export function lang(): Lang {
  return current;
}

/** The message for `key`, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogues[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** What to show a person for an error from the core. */
export function errorText(error: KioskError): string {
  if (current === 'en') return error.code === 'internal' ? t('error.generic') : error.message;
  return catalogues[current][`error.${error.code}`] ?? `${t('error.generic')} (${error.message})`;
}

/** A role's name on its button; a school's own role shows as written. */
export function roleName(role: string): string {
  const key = `role.${role}` as MessageKey;
  if (key in en) return t(key);
  return role.charAt(0).toUpperCase() + role.slice(1).replace(/[-_]/g, ' ');
}

/** A date and time as people read them, in the UI's language. */
export function formatWhen(iso: string): string {
  const locale = current === 'cy' ? 'cy-GB' : 'en-GB';
  return new Date(iso).toLocaleString(locale, { dateStyle: 'long', timeStyle: 'short' });
}
