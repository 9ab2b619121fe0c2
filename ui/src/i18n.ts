// UI text in English and Welsh, from messages/*.json. Everything the core
// sends for display is a code: errors are `error.<code>` (with `params` for
// their placeholders), labels have keys of their own. `cargo test -p
// signbook-kiosk` fails when a code the Rust side can send lacks either
// language; the English `message` is shown only for a code this UI does not
// know (a newer office's refusal, say).
import en from './messages/en.json';
import cy from './messages/cy.json';
import type { DestinationLabel, KioskError, ProblemKind, RemovedReason } from './backend';

export type Lang = 'en' | 'cy';
export type MessageKey = keyof typeof en;
type Params = Partial<Record<string, string | number>>;
const catalogues: Record<Lang, Record<string, string | undefined>> = { en, cy };

/** How an office refusal's code starts (`signbook_sync::OFFICE_CODE_PREFIX`). */
const OFFICE_PREFIX = 'office.';

let current: Lang = 'en';

export function setLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
}

export function lang(): Lang {
  return current;
}

function fill(text: string, params: Params): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole));
}

/** The text for a key built from a code, in the current language, English failing that. */
function lookup(key: string, params: Params = {}): string | undefined {
  const text = catalogues[current][key] ?? catalogues.en[key];
  return text === undefined ? undefined : fill(text, params);
}

/** The message for `key`, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Params = {}): string {
  return lookup(key, params) ?? key;
}

/** What to show a person for an error from the core. */
export function errorText(error: KioskError): string {
  const known = lookup(`error.${error.code}`, error.params);
  if (known !== undefined) return known;
  if (error.code.startsWith(OFFICE_PREFIX)) return `${t('error.office_refused')} (${error.message})`;
  return current === 'en' ? error.message : `${t('error.generic')} (${error.message})`;
}

/** A role's name on its button; a school's own role shows as written. */
export function roleName(role: string): string {
  return lookup(`role.${role}`) ?? role.charAt(0).toUpperCase() + role.slice(1).replace(/[-_]/g, ' ');
}

/** Where an export goes, e.g. "USB drive KINGSTON". */
export function destinationName(label: DestinationLabel): string {
  return lookup(`admin.export.destination.${label.code}`, label) ?? label.code;
}

/** What is wrong with a broken record, from `Check the records`. */
export function problemText(kind: ProblemKind): string {
  return lookup(`admin.verify.problem.${kind.kind}`) ?? kind.kind;
}

/** Why the kiosk refused the office's configuration (a code from the core). */
export function configurationRefusalText(code: string): string {
  return lookup(`admin.sync.configuration.${code}`) ?? code;
}

/** Why the importer removed a piece of text. */
export function removedReasonText(reason: RemovedReason): string {
  return lookup(`admin.import.removed.${reason}`) ?? reason;
}

/** A day as people read it, in the UI's language ("1 September 2026"). */
export function formatDay(iso: string): string {
  const locale = current === 'cy' ? 'cy-GB' : 'en-GB';
  return new Date(iso).toLocaleDateString(locale, { dateStyle: 'long' });
}

/** A date and time as people read them, in the UI's language. */
export function formatWhen(iso: string): string {
  const locale = current === 'cy' ? 'cy-GB' : 'en-GB';
  return new Date(iso).toLocaleString(locale, { dateStyle: 'long', timeStyle: 'short' });
}
