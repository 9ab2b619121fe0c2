//! The kiosk's Tauri commands: each is one call on
//! `signbook_kiosk::SharedKiosk`, which holds the kiosk for the call (or,
//! for what waits on the network, does not) and maps its error to
//! [`CommandError`].
//! They are `async` only so that Argon2 and exports run off the UI thread.

use chrono::Utc;
use signbook_core::role::Role;
use signbook_core::store::KioskSettings;
use signbook_core::{Receipt, VerifyReport};
use signbook_kiosk::{
    AdminOverview, AdminStatus, AgreementRow, AgreementView, ExportDone, ImportPreview, NameCheck, OfficeFound,
    SharedKiosk, Submission, SyncView, Welcome,
};
use tauri::{AppHandle, State};

pub use signbook_kiosk::UiError as CommandError;

type Result<T> = std::result::Result<T, CommandError>;
type Kiosk<'a> = State<'a, SharedKiosk>;

#[tauri::command(async)]
pub fn welcome(kiosk: Kiosk<'_>) -> Result<Welcome> {
    kiosk.with(|k| k.welcome())
}

#[tauri::command(async)]
pub fn agreement_for(kiosk: Kiosk<'_>, role: String) -> Result<AgreementView> {
    kiosk.with(|k| k.agreement_for(&role))
}

#[tauri::command(async)]
pub fn check_name(kiosk: Kiosk<'_>, role: String, name: String, organisation: Option<String>) -> Result<NameCheck> {
    kiosk.with(|k| k.check_name(&role, &name, organisation.as_deref()))
}

#[tauri::command(async)]
pub fn submit(kiosk: Kiosk<'_>, submission: Submission) -> Result<Receipt> {
    kiosk.with(|k| k.submit(&submission))
}

#[tauri::command(async)]
pub fn admin_status(kiosk: Kiosk<'_>) -> Result<AdminStatus> {
    kiosk.with(|k| k.admin_status(Utc::now()))
}

#[tauri::command(async)]
pub fn admin_set_first_pin(kiosk: Kiosk<'_>, pin: String) -> Result<()> {
    kiosk.with(|k| k.admin_set_first_pin(&pin, Utc::now()))
}

#[tauri::command(async)]
pub fn admin_unlock(kiosk: Kiosk<'_>, pin: String) -> Result<()> {
    kiosk.with(|k| k.admin_unlock(&pin, Utc::now()))
}

#[tauri::command(async)]
pub fn admin_lock(kiosk: Kiosk<'_>) -> Result<()> {
    kiosk.admin_lock()
}

#[tauri::command(async)]
pub fn admin_overview(kiosk: Kiosk<'_>) -> Result<AdminOverview> {
    kiosk.admin_overview(Utc::now())
}

#[tauri::command(async)]
pub fn admin_verify(kiosk: Kiosk<'_>) -> Result<VerifyReport> {
    kiosk.with(|k| k.admin_verify(Utc::now()))
}

/// Pairing talks to the office over the network: off the UI thread, like
/// every command here, and without holding the kiosk meanwhile.
#[tauri::command(async)]
pub fn admin_pair(
    kiosk: Kiosk<'_>,
    office_url: String,
    code: String,
    fingerprint: String,
    location: String,
) -> Result<SyncView> {
    kiosk.admin_pair(&office_url, &code, &fingerprint, &location, Utc::now())
}

/// Pairing with the code alone: the office's address (found or typed), the
/// code and where the kiosk stands; no fingerprint.
#[tauri::command(async)]
pub fn admin_pair_with_code(kiosk: Kiosk<'_>, office_url: String, code: String, location: String) -> Result<SyncView> {
    kiosk.admin_pair_with_code(&office_url, &code, &location, Utc::now())
}

/// "Change address": the paired office at another address, kept only if
/// the server there has the paired certificate.
#[tauri::command(async)]
pub fn admin_move_office_address(kiosk: Kiosk<'_>, office_url: String) -> Result<SyncView> {
    kiosk.admin_move_office_address(&office_url, Utc::now())
}

/// Listens a few seconds for offices announcing themselves on the network.
#[tauri::command(async)]
pub fn admin_find_offices(kiosk: Kiosk<'_>) -> Result<Vec<OfficeFound>> {
    kiosk.admin_find_offices(Utc::now())
}

/// Wakes the background sync and returns at once; the UI polls
/// [`admin_sync_status`] for the outcome.
#[tauri::command(async)]
pub fn admin_sync_now(kiosk: Kiosk<'_>) -> Result<SyncView> {
    kiosk.admin_sync_now(Utc::now())
}

#[tauri::command(async)]
pub fn admin_sync_status(kiosk: Kiosk<'_>) -> Result<SyncView> {
    kiosk.admin_sync_status(Utc::now())
}

#[tauri::command(async)]
pub fn admin_export(kiosk: Kiosk<'_>, folder: String) -> Result<ExportDone> {
    kiosk.with(|k| k.admin_export(&folder, Utc::now()))
}

/// The picked file arrives as the raw request body (no JSON array of
/// numbers); its name comes in the `x-file-name` header, URI-encoded.
#[tauri::command(async)]
pub fn admin_import(kiosk: Kiosk<'_>, request: tauri::ipc::Request<'_>) -> Result<ImportPreview> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::import_unreadable());
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    kiosk.with(|k| k.admin_import(&name, bytes, Utc::now()))
}

#[tauri::command(async)]
pub fn admin_preview(kiosk: Kiosk<'_>, markdown: String) -> Result<String> {
    kiosk.with(|k| k.admin_preview(&markdown, Utc::now()))
}

#[tauri::command(async)]
pub fn admin_publish(kiosk: Kiosk<'_>, markdown: String, title: String, roles: Vec<Role>) -> Result<AgreementRow> {
    kiosk.with(|k| k.admin_publish(&markdown, &title, &roles, Utc::now()))
}

#[tauri::command(async)]
pub fn admin_save_settings(kiosk: Kiosk<'_>, settings: KioskSettings) -> Result<()> {
    kiosk.with(|k| k.admin_save_settings(&settings, Utc::now()))
}

#[tauri::command(async)]
pub fn admin_change_pin(kiosk: Kiosk<'_>, current: String, new_pin: String) -> Result<()> {
    kiosk.with(|k| k.admin_change_pin(&current, &new_pin, Utc::now()))
}

/// "Close the kiosk app", for staff only.
#[tauri::command(async)]
pub fn admin_quit(app: AppHandle, kiosk: Kiosk<'_>) -> Result<()> {
    if !kiosk.with(|k| k.admin_status(Utc::now()))?.unlocked {
        return Err(signbook_kiosk::KioskError::AdminLocked.into());
    }
    app.exit(0);
    Ok(())
}
