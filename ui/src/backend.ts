// What the kiosk UI asks of the Rust core. The types are generated from the
// Rust views in crates/kiosk/src (ui/src/generated/types.ts, checked by
// `cargo test -p signbook-kiosk`); `tauriBackend` calls the Tauri commands,
// and the Vitest suite passes a fake with the same shape.
import { invoke } from '@tauri-apps/api/core';

import type {
  AdminOverview, AdminStatus, AgreementRow, AgreementView, ExportDone, ImportPreview, KioskSettings, NameCheck, OfficeFound, Receipt,
  Submission, SyncView, UiError, VerifyReport, Welcome,
} from './generated/types';

// The Rust types, generated (see the file's header); re-exported so the UI
// imports them from one place.
export type * from './generated/types';

/** The one error shape every command rejects with (`UiError` in Rust). */
export type KioskError = UiError;

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
  status(): Promise<AdminStatus>;
  setFirstPin(pin: string): Promise<void>;
  unlock(pin: string): Promise<void>;
  lock(): Promise<void>;
  overview(): Promise<AdminOverview>;
  verify(): Promise<VerifyReport>;
  /** `location`: where the kiosk stands ("Main reception"), for the office's list. */
  pair(officeUrl: string, code: string, fingerprint: string, location: string): Promise<SyncView>;
  /** Pairing with the code alone: the code proves the office's certificate. */
  pairWithCode(officeUrl: string, code: string, location: string): Promise<SyncView>;
  /** Points the paired kiosk at another address of the same office; refused (address unchanged) if the server there is another. */
  moveOfficeAddress(officeUrl: string): Promise<SyncView>;
  /** Listens a few seconds for offices announcing themselves on the network. */
  findOffices(): Promise<OfficeFound[]>;
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
  pair: (officeUrl, code, fingerprint, location) => invoke('admin_pair', { officeUrl, code, fingerprint, location }),
  pairWithCode: (officeUrl, code, location) => invoke('admin_pair_with_code', { officeUrl, code, location }),
  moveOfficeAddress: (officeUrl) => invoke('admin_move_office_address', { officeUrl }),
  findOffices: () => invoke('admin_find_offices'),
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
