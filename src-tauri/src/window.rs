//! Keeps the kiosk window on the whole of its monitor.
//!
//! Asking for fullscreen is not enough. On a bare X session (`xinit` with
//! only the kiosk, a common reception set-up) no window manager honours the
//! request, and the window keeps the size it was built with: on a smaller or
//! portrait screen, "I agree" and "Submit" end up off-screen. So the window
//! is also moved and sized to its monitor, and again whenever that monitor
//! changes (a screen rotated to portrait, a monitor re-plugged at another
//! resolution). Where a window manager or compositor does honour fullscreen
//! (cage, a desktop) this changes nothing: it already fills the monitor.

use tauri::{Runtime, WebviewWindow};

/// Fills the window's monitor now, and follows that monitor's changes.
pub fn fill_monitor<R: Runtime>(window: &WebviewWindow<R>) {
    place_on_monitor(window);
    follow_monitor_changes(window);
}

/// Moves and sizes the window to the monitor it is on (the primary one
/// before it is shown).
fn place_on_monitor<R: Runtime>(window: &WebviewWindow<R>) {
    let monitor = match window.current_monitor() {
        Ok(Some(monitor)) => Some(monitor),
        _ => window.primary_monitor().ok().flatten(),
    };
    let Some(monitor) = monitor else {
        tracing::warn!("no monitor found: the kiosk window keeps its size and relies on fullscreen alone");
        return;
    };
    let (position, size) = (*monitor.position(), *monitor.size());
    tracing::info!("filling the monitor at {},{}: {}x{}", position.x, position.y, size.width, size.height);
    if let Err(e) = window.set_position(position).and_then(|()| window.set_size(size)) {
        tracing::warn!("cannot place the kiosk window on its monitor: {e}");
    }
}

/// GDK tells us when the screen changes size and when monitors come, go or
/// change geometry; tao and Tauri pass neither on, so we listen to GDK.
#[cfg(target_os = "linux")]
fn follow_monitor_changes<R: Runtime>(window: &WebviewWindow<R>) {
    use gtk::prelude::GtkWindowExt;

    let screen = match window.gtk_window() {
        Ok(gtk_window) => gtk_window.screen(),
        Err(e) => {
            tracing::warn!("cannot follow monitor changes: {e}");
            return;
        }
    };
    let Some(screen) = screen else { return };
    let replace = |window: WebviewWindow<R>| move |_: &gtk::gdk::Screen| place_on_monitor(&window);
    screen.connect_size_changed(replace(window.clone()));
    screen.connect_monitors_changed(replace(window.clone()));
}

/// The kiosk is packaged for Linux only (a cage session or a bare X one);
/// elsewhere it relies on the system's own fullscreen.
#[cfg(not(target_os = "linux"))]
fn follow_monitor_changes<R: Runtime>(_window: &WebviewWindow<R>) {}
