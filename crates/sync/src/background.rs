//! The kiosk app's sync loop: its own database connection and thread,
//! backing off with jitter while the office is unreachable.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use signbook_core::store::Store;

use crate::backoff::Backoff;
use crate::client::push;

/// Settings of [`run_background`].
#[derive(Debug, Clone, Copy)]
pub struct BackgroundOptions {
    /// Pause between pushes while all is well.
    pub interval: Duration,
    /// Retry schedule after failures.
    pub backoff: Backoff,
}

impl Default for BackgroundOptions {
    fn default() -> Self {
        BackgroundOptions { interval: Duration::from_secs(30), backoff: Backoff::default() }
    }
}

/// The kiosk app's sync loop; returns when `stop` becomes true (within
/// about 100 ms). Run it on its own thread: it opens its own connection to
/// `db_path`, so signing is never blocked by it. Before pairing it simply
/// waits and checks again.
pub fn run_background(db_path: &Path, stop: &AtomicBool, options: &BackgroundOptions) {
    let mut store: Option<Store> = None;
    let mut failures: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        if store.is_none() {
            match Store::open(db_path) {
                Ok(s) => store = Some(s),
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, "sync: cannot open the kiosk database");
                    sleep_unless_stopped(options.backoff.random_delay(failures), stop);
                    continue;
                }
            }
        }
        let Some(s) = store.as_mut() else { continue };
        let delay = match s.sync_config() {
            Ok(None) => options.interval,
            Ok(Some(_)) => match push(s) {
                Ok(report) => {
                    failures = 0;
                    tracing::debug!(?report, "sync: pushed");
                    options.interval
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, failures, "sync: push failed; retrying later");
                    options.backoff.random_delay(failures)
                }
            },
            Err(error) => {
                failures = failures.saturating_add(1);
                tracing::warn!(%error, "sync: cannot read the sync settings");
                options.backoff.random_delay(failures)
            }
        };
        sleep_unless_stopped(delay, stop);
    }
}

/// [`run_background`] on its own thread, stopped when this is dropped: what
/// the kiosk app holds for its lifetime.
#[derive(Debug)]
pub struct BackgroundSync {
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundSync {
    /// Starts syncing the database at `db_path` in the background.
    pub fn start(db_path: impl Into<std::path::PathBuf>, options: BackgroundOptions) -> std::io::Result<Self> {
        let (db_path, stop) = (db_path.into(), std::sync::Arc::new(AtomicBool::new(false)));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("signbook-sync".into())
                .spawn(move || run_background(&db_path, &stop, &options))?
        };
        Ok(BackgroundSync { stop, thread: Some(thread) })
    }

    /// Stops the loop and waits for it (at most about 100 ms, or the end of
    /// a push in flight).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the sync thread panicked");
        }
    }
}

impl Drop for BackgroundSync {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn sleep_unless_stopped(delay: Duration, stop: &AtomicBool) {
    let until = Instant::now() + delay;
    while !stop.load(Ordering::Relaxed) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}
