//! `signbook-kiosk`: the reception kiosk. A thin Tauri shell: every command
//! in [`commands`] is one call on `signbook_kiosk::SharedKiosk`.
//!
//! Usage: `signbook-kiosk [--windowed]`. The database is found as the CLI
//! finds it (`SIGNBOOK_DB`, else the platform data directory), so
//! `signbook verify` and `signbook export` read what the kiosk wrote.

// No console window behind the kiosk on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod window;

use anyhow::Context as _;
use signbook_kiosk::SharedKiosk;
use signbook_sync::BackgroundOptions;
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

/// The one window's label; the capability in capabilities/kiosk.json names it.
const WINDOW: &str = "kiosk";

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let mut windowed = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--windowed" => windowed = true,
            "--help" | "-h" => {
                println!(
                    "signbook-kiosk [--windowed]\n\n  --windowed  run in a normal window instead of fullscreen kiosk mode\n\nDatabase: $SIGNBOOK_DB, else {}",
                    signbook_core::paths::default_db_path().map(|p| p.display().to_string()).unwrap_or_default()
                );
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}; run signbook-kiosk --help"),
        }
    }

    // Opens the database and starts the background sync (its own thread
    // and connection; signing never waits on it). A kiosk that cannot open
    // its database still starts, and says why on screen.
    let kiosk = SharedKiosk::open_default(BackgroundOptions::default());

    tauri::Builder::default()
        // First, so a second launch only brings the running kiosk forward.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window(WINDOW) {
                let _ = window.set_focus();
            }
        }))
        .manage(kiosk)
        .invoke_handler(tauri::generate_handler![
            commands::welcome,
            commands::agreement_for,
            commands::check_name,
            commands::submit,
            commands::admin_status,
            commands::admin_set_first_pin,
            commands::admin_unlock,
            commands::admin_lock,
            commands::admin_overview,
            commands::admin_verify,
            commands::admin_pair,
            commands::admin_pair_with_code,
            commands::admin_move_office_address,
            commands::admin_find_offices,
            commands::admin_sync_now,
            commands::admin_sync_status,
            commands::admin_export,
            commands::admin_import,
            commands::admin_preview,
            commands::admin_publish,
            commands::admin_save_settings,
            commands::admin_change_pin,
            commands::admin_quit,
        ])
        .setup(move |app| {
            let window = WebviewWindowBuilder::new(app, WINDOW, WebviewUrl::default())
                .title("Signbook")
                .fullscreen(!windowed)
                .decorations(windowed)
                .inner_size(1280.0, 800.0)
                .min_inner_size(640.0, 480.0)
                .zoom_hotkeys_enabled(false)
                .build()?;
            window.with_webview(software_rendering)?;
            if !windowed {
                window::fill_monitor(&window);
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .context("the kiosk window could not be started")
}

/// Paints the kiosk's pages without GPU compositing. Reception PCs often
/// have no usable GPU, and then WebKit composites through a software GL:
/// measured here, that made "Submit" take 100-270 ms to paint instead of
/// about 25 ms, and the kiosk use 376 MB instead of 255 MB (docs/benchmarks.md).
/// Static forms and a 2D canvas gain nothing from compositing.
#[cfg(target_os = "linux")]
fn software_rendering(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    if let Some(settings) = WebViewExt::settings(&webview.inner()) {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
}

#[cfg(not(target_os = "linux"))]
fn software_rendering(_webview: tauri::webview::PlatformWebview) {}
