// Generates an `allow-<command>` permission for each of Signbook's commands,
// so the kiosk capability can grant exactly these and nothing else.
fn main() {
    // tauri::generate_context! embeds ui/dist; without it the compiler only
    // says that a proc macro panicked. Say what to run instead.
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.exists() {
        panic!(
            "the kiosk UI is not built ({} is missing): run `npm --prefix ui install && npm --prefix ui run build` first (scripts/run and scripts/test do)",
            dist.display()
        );
    }
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
        "admin_pair",
        "admin_pair_with_code",
        "admin_move_office_address",
        "admin_find_offices",
        "admin_sync_now",
        "admin_sync_status",
        "admin_export",
        "admin_import",
        "admin_preview",
        "admin_publish",
        "admin_save_settings",
        "admin_change_pin",
        "admin_quit",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build failed");
}
