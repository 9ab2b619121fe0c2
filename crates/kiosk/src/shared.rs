//! The kiosk as the app runs it: one [`Kiosk`] shared by every command
//! behind a lock, and the background sync beside it. Nothing that waits on
//! the network holds the lock, so the welcome screen, the idle lock and
//! every other command answer while the office is slow or down.

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use signbook_core::Store;
use signbook_sync::{BackgroundOptions, BackgroundSync, OfficeLink, Paired, SyncWaker};

use crate::error::{KioskError, Result, UiError};
use crate::{AdminOverview, Kiosk, OfficeFound, SyncView};

/// How long "Find offices" listens for offices announcing themselves: an
/// office answers within a second on a quiet network; a few more for a busy one.
pub const FIND_OFFICES_FOR: std::time::Duration = std::time::Duration::from_secs(3);

/// The kiosk app's state: what each Tauri command calls, in one line.
#[derive(Debug)]
pub struct SharedKiosk {
    kiosk: std::result::Result<Mutex<Kiosk>, UiError>,
    sync: Option<SyncWaker>,
    /// Dropped last: stops the loop when the app ends.
    _background: Option<BackgroundSync>,
}

impl SharedKiosk {
    /// Opens the kiosk database at `db_path` and starts syncing it in the
    /// background. A kiosk that cannot open its database still starts, and
    /// every command says why: a blank window or a silent exit helps nobody
    /// at reception.
    pub fn open(db_path: impl AsRef<Path>, options: BackgroundOptions) -> SharedKiosk {
        let db_path = db_path.as_ref();
        let kiosk = match Kiosk::open(db_path) {
            Ok(kiosk) => kiosk,
            Err(error) => return SharedKiosk::failed(error),
        };
        // Its own thread and database connection: signing never waits on it.
        let background = BackgroundSync::start(db_path, options)
            .inspect_err(|error| tracing::error!(%error, "cannot start the background sync"))
            .ok();
        SharedKiosk {
            kiosk: Ok(Mutex::new(kiosk)),
            sync: background.as_ref().map(BackgroundSync::waker),
            _background: background,
        }
    }

    /// [`SharedKiosk::open`] on the default database (`$SIGNBOOK_DB`, else
    /// the platform data directory), where the CLI finds it too.
    pub fn open_default(options: BackgroundOptions) -> SharedKiosk {
        match signbook_core::paths::default_db_path() {
            Ok(path) => SharedKiosk::open(path, options),
            Err(error) => SharedKiosk::failed(error.into()),
        }
    }

    fn failed(error: KioskError) -> SharedKiosk {
        tracing::error!("cannot open the kiosk database: {error}");
        SharedKiosk { kiosk: Err(error.into()), sync: None, _background: None }
    }

    /// Runs `action` on the kiosk, holding it meanwhile.
    pub fn with<T>(&self, action: impl FnOnce(&mut Kiosk) -> Result<T>) -> std::result::Result<T, UiError> {
        let kiosk = self.kiosk.as_ref().map_err(Clone::clone)?;
        let mut kiosk = kiosk.lock().map_err(|_| UiError::internal())?;
        Ok(action(&mut kiosk)?)
    }

    /// Ends the admin session ("Back to the kiosk").
    pub fn admin_lock(&self) -> std::result::Result<(), UiError> {
        self.with(|k| {
            k.admin_lock();
            Ok(())
        })
    }

    /// The admin area's front page, saying whether a sync is under way.
    pub fn admin_overview(&self, now: DateTime<Utc>) -> std::result::Result<AdminOverview, UiError> {
        let mut overview = self.with(|k| k.admin_overview(now))?;
        overview.sync.syncing = self.syncing();
        Ok(overview)
    }

    /// The sync status, for the Status tab to poll while a sync runs; it
    /// does not keep the admin session open.
    pub fn admin_sync_status(&self, now: DateTime<Utc>) -> std::result::Result<SyncView, UiError> {
        let mut view = self.with(|k| k.admin_sync_view(now))?;
        view.syncing = self.syncing();
        Ok(view)
    }

    /// "Sync now": wakes the background sync, which pushes over its own
    /// connection, and returns at once with `syncing` set. Poll
    /// [`SharedKiosk::admin_sync_status`] for the outcome.
    pub fn admin_sync_now(&self, now: DateTime<Utc>) -> std::result::Result<SyncView, UiError> {
        let mut view = self.with(|k| {
            k.require_admin(now)?;
            k.sync_view()
        })?;
        if !view.paired {
            return Err(KioskError::from(signbook_sync::SyncError::NotPaired).into());
        }
        let sync = self.sync.as_ref().ok_or(KioskError::SyncNotRunning)?;
        sync.wake();
        view.syncing = true;
        Ok(view)
    }

    /// Pairs with the office at `office_url`, trusting only the certificate
    /// whose SHA-256 is `fingerprint` (see [`signbook_sync::PairingRequest`]).
    /// The kiosk is held only to prepare the request and to save the
    /// answer, never while the office is waited on. Then the background
    /// sync starts sending to the new office.
    pub fn admin_pair(
        &self,
        office_url: &str,
        code: &str,
        fingerprint: &str,
        location: &str,
        now: DateTime<Utc>,
    ) -> std::result::Result<SyncView, UiError> {
        let request = self.with(|k| k.admin_prepare_pairing(office_url, code, fingerprint, location, now))?;
        let paired = request.send(&mut OfficeLink::new()).map_err(KioskError::from)?;
        self.save_pairing_and_sync(paired)
    }

    /// Pairs with the office at `office_url` with the pairing code alone:
    /// the code proves the office's certificate, nothing is typed or
    /// compared by eye (see [`signbook_sync::CodePairing`]). As
    /// [`SharedKiosk::admin_pair`], the kiosk is never held while the office
    /// is waited on.
    pub fn admin_pair_with_code(
        &self,
        office_url: &str,
        code: &str,
        location: &str,
        now: DateTime<Utc>,
    ) -> std::result::Result<SyncView, UiError> {
        let request = self.with(|k| k.admin_prepare_code_pairing(office_url, code, location, now))?;
        let paired = request.send(&mut OfficeLink::new()).map_err(KioskError::from)?;
        self.save_pairing_and_sync(paired)
    }

    /// "Change address": points the paired kiosk at another address of the
    /// same office (see [`OfficeLink::move_to_address`]), keeping the
    /// address only when a push there, pinned to the paired certificate,
    /// succeeds. The push runs on its own connection to the database, as
    /// the background sync's does, so the kiosk is never held while the
    /// office is waited on. A server with another certificate is refused as
    /// [`KioskError::NotThisOffice`], the address unchanged.
    pub fn admin_move_office_address(
        &self,
        office_url: &str,
        now: DateTime<Utc>,
    ) -> std::result::Result<SyncView, UiError> {
        let db_path = self.with(|k| {
            k.require_admin(now)?;
            if !k.sync_view()?.paired {
                return Err(signbook_sync::SyncError::NotPaired.into());
            }
            Ok(k.store().path().to_path_buf())
        })?;
        let moved = Store::open(&db_path)
            .map_err(signbook_sync::SyncError::from)
            .and_then(|mut store| OfficeLink::new().move_to_address(&mut store, office_url));
        // Either way the background sync pushes next: to the new address, or,
        // after a refusal, to the kept one, replacing the refused push's
        // error in the Status tab with how the real office answers.
        if let Some(sync) = &self.sync {
            sync.wake();
        }
        match moved {
            Ok(_) => {}
            Err(signbook_sync::SyncError::FingerprintMismatch { url, .. }) => {
                return Err(KioskError::NotThisOffice { url }.into());
            }
            Err(error) => return Err(KioskError::from(error).into()),
        }
        let mut view = self.with(|k| k.sync_view())?;
        view.syncing = self.sync.is_some();
        Ok(view)
    }

    /// Keeps the pairing and starts the first sync at once, so the admin
    /// sees records leave without waiting for the next interval.
    fn save_pairing_and_sync(&self, paired: Paired) -> std::result::Result<SyncView, UiError> {
        let mut view = self.with(|k| k.save_pairing(paired))?;
        if let Some(sync) = &self.sync {
            sync.wake();
            view.syncing = true;
        }
        Ok(view)
    }

    /// Searches the local network for offices for [`FIND_OFFICES_FOR`] and
    /// lists them (none where multicast is blocked: the address is typed
    /// then). Needs the admin session; the kiosk is not held meanwhile.
    pub fn admin_find_offices(&self, now: DateTime<Utc>) -> std::result::Result<Vec<OfficeFound>, UiError> {
        self.with(|k| k.require_admin(now))?;
        Ok(signbook_sync::discovery::discover_offices(FIND_OFFICES_FOR).into_iter().map(OfficeFound::from).collect())
    }

    fn syncing(&self) -> bool {
        self.sync.as_ref().is_some_and(SyncWaker::is_busy)
    }
}
