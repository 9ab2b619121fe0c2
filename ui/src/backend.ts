// What the kiosk UI asks of the Rust core. The types mirror the `Serialize`
// views in crates/kiosk/src; `tauriBackend` calls the Tauri commands,
// and the Vitest suite passes a fake with the same shape.
import { invoke } from '@tauri-apps/api/core';

export interface RoleChoice { role: string; asks_for_organisation: boolean; has_agreement: boolean }
export interface Welcome { school_name: string; idle_timeout_secs: number; roles: RoleChoice[]; admin_pin_set: boolean }
export interface AgreementView { hash: string; title: string; html: string; published_at: string }
export type SigningStatus =
  | { status: 'must_sign'; reason: 'every_visit' | 'not_signed_this_version' | 'expired' }
  | { status: 'already_signed'; seq: number; signed_at: string };
export interface NameCheck { name: string; organisation: string | null; first_name: string; status: SigningStatus }
export interface Submission { role: string; name: string; organisation: string | null; strokes_json: string; agreement_hash: string }
export interface Receipt { id: string; seq: number; reference: string; first_name: string; role: string; signed_at: string; signed_at_local: string }

export interface KioskSettings { school_name: string; idle_timeout_secs: number; roles: string[] }
export interface AgreementRow { hash: string; title: string; published_at: string; current_for: string[]; signatures: number }
export interface Destination { label: string; path: string; removable: boolean }
export interface SyncView {
  paired: boolean; office_url: string | null; pending: number;
  last_success: string | null; last_attempt: string | null; last_error: string | null; last_error_code: string | null;
  /** A push is in flight, or asked for and about to start. */
  syncing: boolean;
}
export interface AdminOverview {
  device_id: string; database: string; records: number; last_signed_at: string | null;
  sync: SyncView;
  agreements: AgreementRow[]; settings: KioskSettings; known_roles: string[]; destinations: Destination[];
}
export interface VerifyReport { records: number; erased: number; checkpoints: number; head_seq: number | null; problem: { seq: number; kind: { kind: string } } | null }
export interface ExportDone { records: number; csv: string; jsonl: string }
export interface ImportPreview { markdown: string; title: string | null; html: string; metadata: [string, string][]; removed: { reason: string; text: string }[] }

/** The one error shape every command rejects with. */
export interface KioskError { code: string; message: string }

export function asKioskError(e: unknown): KioskError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) return e as KioskError;
  return { code: 'internal', message: String(e) };
}

export interface Backend {
  welcome(): Promise<Welcome>;
  agreementFor(role: string): Promise<AgreementView>;
  checkName(role: string, name: string, organisation: string | null): Promise<NameCheck>;
  submit(submission: Submission): Promise<Receipt>;
}

export interface AdminBackend {
  status(): Promise<{ pin_set: boolean; unlocked: boolean }>;
  setFirstPin(pin: string): Promise<void>;
  unlock(pin: string): Promise<void>;
  lock(): Promise<void>;
  overview(): Promise<AdminOverview>;
  verify(): Promise<VerifyReport>;
  pair(officeUrl: string, code: string, fingerprint: string): Promise<SyncView>;
  /** Wakes the background sync and answers at once; poll `syncStatus` for the outcome. */
  syncNow(): Promise<SyncView>;
  syncStatus(): Promise<SyncView>;
  exportTo(folder: string): Promise<ExportDone>;
  importFile(name: string, bytes: Uint8Array): Promise<ImportPreview>;
  preview(markdown: string): Promise<string>;
  publish(markdown: string, title: string, roles: string[]): Promise<AgreementRow>;
  saveSettings(settings: KioskSettings): Promise<void>;
  changePin(current: string, newPin: string): Promise<void>;
  quit(): Promise<void>;
}

export const tauriBackend: Backend = {
  welcome: () => invoke('welcome'),
  agreementFor: (role) => invoke('agreement_for', { role }),
  checkName: (role, name, organisation) => invoke('check_name', { role, name, organisation }),
  submit: (submission) => invoke('submit', { submission }),
};

export const tauriAdmin: AdminBackend = {
  status: () => invoke('admin_status'),
  setFirstPin: (pin) => invoke('admin_set_first_pin', { pin }),
  unlock: (pin) => invoke('admin_unlock', { pin }),
  lock: () => invoke('admin_lock'),
  overview: () => invoke('admin_overview'),
  verify: () => invoke('admin_verify'),
  pair: (officeUrl, code, fingerprint) => invoke('admin_pair', { officeUrl, code, fingerprint }),
  syncNow: () => invoke('admin_sync_now'),
  syncStatus: () => invoke('admin_sync_status'),
  exportTo: (folder) => invoke('admin_export', { folder }),
  importFile: (name, bytes) => invoke('admin_import', bytes, { headers: { 'x-file-name': encodeURIComponent(name) } }),
  preview: (markdown) => invoke('admin_preview', { markdown }),
  publish: (markdown, title, roles) => invoke('admin_publish', { markdown, title, roles }),
  saveSettings: (settings) => invoke('admin_save_settings', { settings }),
  changePin: (current, newPin) => invoke('admin_change_pin', { current, newPin }),
  quit: () => invoke('admin_quit'),
};
