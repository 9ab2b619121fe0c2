//! The kiosk app's sync loop: its own database connection, thread and
//! [`OfficeLink`] (so the office connection and clock offset last as long
//! as the loop), backing off with jitter while the office is unreachable,
//! and woken early by "Sync now".

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use signbook_core::store::Store;

use crate::backoff::Backoff;
use crate::link::OfficeLink;

/// Settings of [`BackgroundSync`].
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

/// What the loop and its handles share.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<LoopState>,
    changed: Condvar,
}

#[derive(Debug, Default, Clone, Copy)]
struct LoopState {
    stop: bool,
    /// "Sync now" was pressed and the loop has not started that push yet.
    woken: bool,
    /// A push is in flight.
    pushing: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, LoopState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sleeps until `delay` has passed, "Sync now" or stop. True to stop.
    fn sleep(&self, delay: Duration) -> bool {
        let until = Instant::now() + delay;
        let mut state = self.lock();
        loop {
            if state.stop {
                return true;
            }
            if state.woken {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self.changed.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Marks the start of a push (which serves any "Sync now" so far). True to stop.
    fn start_push(&self) -> bool {
        let mut state = self.lock();
        state.woken = false;
        state.pushing = true;
        state.stop
    }

    fn end_push(&self) {
        self.lock().pushing = false;
    }
}

/// Wakes the background loop from anywhere: what "Sync now" holds.
#[derive(Debug, Clone)]
pub struct SyncWaker(Arc<Shared>);

impl SyncWaker {
    /// Asks the loop to push now, without waiting for it: it starts at once
    /// if idle (backing off included), else right after the push in flight.
    pub fn wake(&self) {
        self.0.lock().woken = true;
        self.0.changed.notify_all();
    }

    /// Whether a push is in flight or asked for and not yet started.
    pub fn is_busy(&self) -> bool {
        let state = self.0.lock();
        state.woken || state.pushing
    }
}

/// The loop on its own thread, stopped when this is dropped: what the
/// kiosk app holds for its lifetime. It opens its own connection to the
/// database, so signing is never blocked by it. Before pairing it simply
/// waits and checks again.
#[derive(Debug)]
pub struct BackgroundSync {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundSync {
    /// Starts syncing the database at `db_path` in the background; the
    /// first push starts at once.
    pub fn start(db_path: impl Into<PathBuf>, options: BackgroundOptions) -> std::io::Result<Self> {
        let (db_path, shared) = (db_path.into(), Arc::new(Shared::default()));
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new().name("signbook-sync".into()).spawn(move || run(&db_path, &shared, options))?
        };
        Ok(BackgroundSync { shared, thread: Some(thread) })
    }

    /// A handle that wakes the loop ("Sync now") and tells whether it is busy.
    pub fn waker(&self) -> SyncWaker {
        SyncWaker(self.shared.clone())
    }

    /// Stops the loop and waits for it (at once while it sleeps; a push in
    /// flight is finished or fails first).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
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

fn run(db_path: &Path, shared: &Shared, options: BackgroundOptions) {
    let BackgroundOptions { interval, backoff } = options;
    let mut link = OfficeLink::new();
    let mut store: Option<Store> = None;
    let mut failures: u32 = 0;
    loop {
        if shared.start_push() {
            break;
        }
        let delay = push_once(db_path, &mut store, &mut link, &mut failures, interval, &backoff);
        shared.end_push();
        if shared.sleep(delay) {
            break;
        }
    }
}

/// One round: open the database if need be, push if paired; the pause
/// before the next round.
fn push_once(
    db_path: &Path,
    store: &mut Option<Store>,
    link: &mut OfficeLink,
    failures: &mut u32,
    interval: Duration,
    backoff: &Backoff,
) -> Duration {
    let store = match store {
        Some(store) => store,
        None => match Store::open(db_path) {
            Ok(opened) => store.insert(opened),
            Err(error) => {
                *failures = failures.saturating_add(1);
                tracing::warn!(%error, "sync: cannot open the kiosk database");
                return backoff.random_delay(*failures);
            }
        },
    };
    match store.sync_config() {
        Ok(None) => interval,
        Ok(Some(_)) => match link.push(store) {
            Ok(report) => {
                *failures = 0;
                tracing::debug!(?report, "sync: pushed");
                interval
            }
            Err(error) => {
                *failures = failures.saturating_add(1);
                tracing::warn!(%error, failures, "sync: push failed; retrying later");
                backoff.random_delay(*failures)
            }
        },
        Err(error) => {
            *failures = failures.saturating_add(1);
            tracing::warn!(%error, "sync: cannot read the sync settings");
            backoff.random_delay(*failures)
        }
    }
}
