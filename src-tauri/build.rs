// Generates an `allow-<command>` permission for each of Signbook's commands,
// so the kiosk capability can grant exactly these and nothing else.
fn main() {
    let commands = &[
        "welcome",
        "agreement_for",
        "check_name",
        "submit",
        "admin_status",
        "admin_set_first_pin",
        "admin_unlock",
        "admin_lock",
        "admin_overview",
        "admin_verify",
        "admin_export",
        "admin_import",
        "admin_preview",
        "admin_publish",
        "admin_save_settings",
        "admin_change_pin",
        "admin_quit",
    ];
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)))
        .expect("tauri-build failed");
}
