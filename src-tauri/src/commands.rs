//! The kiosk's Tauri commands. Each locks the kiosk, calls one method of
//! `signbook_kiosk::Kiosk` and maps its error to [`CommandError`].
//! They are `async` only so that Argon2 and exports run off the UI thread.

use std::sync::{Mutex, MutexGuard};

use chrono::Utc;
use signbook_core::role::Role;
use signbook_core::store::KioskSettings;
use signbook_core::{Receipt, VerifyReport};
use signbook_kiosk::{
    AdminOverview, AdminStatus, AgreementRow, AgreementView, ExportDone, ImportPreview, Kiosk, NameCheck, Submission,
    SyncStatus, Welcome,
};
use tauri::{AppHandle, State};

pub use signbook_kiosk::UiError as CommandError;

type Result<T> = std::result::Result<T, CommandError>;

/// The kiosk, or why it could not start.
#[derive(Debug)]
pub enum KioskState {
    /// Open and working.
    Ready(Box<Mutex<Kiosk>>),
    /// The database could not be opened; every command returns this.
    Failed(CommandError),
}

impl KioskState {
    fn lock(&self) -> Result<MutexGuard<'_, Kiosk>> {
        match self {
            KioskState::Ready(kiosk) => kiosk.lock().map_err(|_| CommandError::internal()),
            KioskState::Failed(e) => Err(e.clone()),
        }
    }
}

#[tauri::command(async)]
pub fn welcome(state: State<'_, KioskState>) -> Result<Welcome> {
    Ok(state.lock()?.welcome()?)
}

#[tauri::command(async)]
pub fn agreement_for(state: State<'_, KioskState>, role: String) -> Result<AgreementView> {
    Ok(state.lock()?.agreement_for(&role)?)
}

#[tauri::command(async)]
pub fn check_name(
    state: State<'_, KioskState>,
    role: String,
    name: String,
    organisation: Option<String>,
) -> Result<NameCheck> {
    Ok(state.lock()?.check_name(&role, &name, organisation.as_deref(), Utc::now())?)
}

#[tauri::command(async)]
pub fn submit(state: State<'_, KioskState>, submission: Submission) -> Result<Receipt> {
    Ok(state.lock()?.submit(&submission)?)
}

#[tauri::command(async)]
pub fn admin_status(state: State<'_, KioskState>) -> Result<AdminStatus> {
    Ok(state.lock()?.admin_status(Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_set_first_pin(state: State<'_, KioskState>, pin: String) -> Result<()> {
    Ok(state.lock()?.admin_set_first_pin(&pin, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_unlock(state: State<'_, KioskState>, pin: String) -> Result<()> {
    Ok(state.lock()?.admin_unlock(&pin, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_lock(state: State<'_, KioskState>) -> Result<()> {
    state.lock()?.admin_lock();
    Ok(())
}

#[tauri::command(async)]
pub fn admin_overview(state: State<'_, KioskState>) -> Result<AdminOverview> {
    Ok(state.lock()?.admin_overview(Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_verify(state: State<'_, KioskState>) -> Result<VerifyReport> {
    Ok(state.lock()?.admin_verify(Utc::now())?)
}

/// Pairing talks to the office over the network: off the UI thread, like every command here.
#[tauri::command(async)]
pub fn admin_pair(
    state: State<'_, KioskState>,
    office_url: String,
    code: String,
    fingerprint: String,
) -> Result<SyncStatus> {
    Ok(state.lock()?.admin_pair(&office_url, &code, &fingerprint, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_sync_now(state: State<'_, KioskState>) -> Result<SyncStatus> {
    Ok(state.lock()?.admin_sync_now(Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_export(state: State<'_, KioskState>, folder: String) -> Result<ExportDone> {
    Ok(state.lock()?.admin_export(&folder, Utc::now())?)
}

/// The picked file arrives as the raw request body (no JSON array of
/// numbers); its name comes in the `x-file-name` header, URI-encoded.
#[tauri::command(async)]
pub fn admin_import(state: State<'_, KioskState>, request: tauri::ipc::Request<'_>) -> Result<ImportPreview> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::import_unreadable());
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    Ok(state.lock()?.admin_import(&name, bytes, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_preview(state: State<'_, KioskState>, markdown: String) -> Result<String> {
    Ok(state.lock()?.admin_preview(&markdown, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_publish(
    state: State<'_, KioskState>,
    markdown: String,
    title: String,
    roles: Vec<Role>,
) -> Result<AgreementRow> {
    Ok(state.lock()?.admin_publish(&markdown, &title, &roles, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_save_settings(state: State<'_, KioskState>, settings: KioskSettings) -> Result<()> {
    Ok(state.lock()?.admin_save_settings(&settings, Utc::now())?)
}

#[tauri::command(async)]
pub fn admin_change_pin(state: State<'_, KioskState>, current: String, new_pin: String) -> Result<()> {
    Ok(state.lock()?.admin_change_pin(&current, &new_pin, Utc::now())?)
}

/// "Close the kiosk app", for staff only.
#[tauri::command(async)]
pub fn admin_quit(app: AppHandle, state: State<'_, KioskState>) -> Result<()> {
    if !state.lock()?.admin_status(Utc::now())?.unlocked {
        return Err(signbook_kiosk::KioskError::AdminLocked.into());
    }
    app.exit(0);
    Ok(())
}
