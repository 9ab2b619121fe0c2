//! Sync with the office as the admin area's Status tab shows it, and the
//! two halves of pairing that need the kiosk's store (the network call in
//! between runs without it: see [`crate::SharedKiosk::admin_pair`]).

use chrono::{DateTime, Utc};
use serde::Serialize;
use signbook_sync::discovery::FoundOffice;
use signbook_sync::{CodePairing, Paired, PairingRequest};

use crate::Kiosk;
use crate::error::Result;

/// Sync with the office, as the admin area shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncView {
    /// Whether the kiosk has been paired with an office server.
    pub paired: bool,
    /// The office it sends to (`https://HOST:PORT`).
    pub office_url: Option<String>,
    /// Records (and erasures) not yet confirmed by the office.
    pub pending: u64,
    /// Last time the office confirmed a batch.
    pub last_success: Option<String>,
    /// Last time a push ended, well or not (RFC 3339, UTC).
    pub last_attempt: Option<String>,
    /// The last failure, in words (English).
    pub last_error: Option<String>,
    /// Its code, which the UI translates (e.g. `office_unreachable`).
    pub last_error_code: Option<String>,
    /// A push is in flight, or asked for ("Sync now") and about to start.
    pub syncing: bool,
    /// The office configuration this kiosk runs (0: none yet).
    pub configuration_version: u64,
    /// The office's newest, when this kiosk has not applied it yet.
    pub office_configuration_version: Option<u64>,
    /// A verified configuration waiting for the next visitor.
    pub configuration_pending: Option<u64>,
    /// The last configuration refused: its code, which the UI translates
    /// (`configuration_signature_invalid`), and when (RFC 3339, UTC).
    pub configuration_refused_code: Option<String>,
    /// When it was refused.
    pub configuration_refused_at: Option<String>,
}

/// An office found on the local network, as the pairing screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OfficeFound {
    /// The school's name the office announces.
    pub name: String,
    /// Its address, `https://ADDRESS:PORT`, for pairing.
    pub office_url: String,
}

impl From<FoundOffice> for OfficeFound {
    fn from(found: FoundOffice) -> Self {
        OfficeFound { name: found.name, office_url: found.url }
    }
}

impl Kiosk {
    /// The sync status from the database (`syncing` is for the caller that
    /// runs the background sync to say).
    pub(crate) fn sync_view(&self) -> Result<SyncView> {
        let status = self.store.sync_status()?;
        let configuration = self.store.configuration_state()?;
        let (refused_code, refused_at) = configuration.refused.map(|r| (r.code, r.at)).unzip();
        Ok(SyncView {
            configuration_version: configuration.applied_version,
            office_configuration_version: configuration
                .office_version
                .filter(|office| *office > configuration.applied_version),
            configuration_pending: configuration.pending_version,
            configuration_refused_code: refused_code,
            configuration_refused_at: refused_at,
            paired: status.office_url.is_some(),
            office_url: status.office_url,
            pending: status.pending + status.pending_erasures,
            last_success: status.last_success_at,
            last_attempt: status.last_attempt_at,
            last_error: status.last_error,
            last_error_code: status.last_error_code,
            syncing: false,
        })
    }

    /// The sync status for a view the UI polls: checks the admin session
    /// without extending it.
    pub(crate) fn admin_sync_view(&mut self, now: DateTime<Utc>) -> Result<SyncView> {
        self.check_admin(now)?;
        self.sync_view()
    }

    /// Pairing, first half: checks the session and what the admin typed,
    /// and reads the kiosk's identity.
    pub(crate) fn admin_prepare_pairing(
        &mut self,
        office_url: &str,
        code: &str,
        fingerprint: &str,
        location: &str,
        now: DateTime<Utc>,
    ) -> Result<PairingRequest> {
        self.require_admin(now)?;
        Ok(PairingRequest::prepare(&self.store, office_url.trim(), code, fingerprint)?.named(location)?)
    }

    /// Pairing with the code alone, first half: as
    /// [`Kiosk::admin_prepare_pairing`], without a fingerprint.
    pub(crate) fn admin_prepare_code_pairing(
        &mut self,
        office_url: &str,
        code: &str,
        location: &str,
        now: DateTime<Utc>,
    ) -> Result<CodePairing> {
        self.require_admin(now)?;
        Ok(CodePairing::prepare(&self.store, office_url.trim(), code)?.named(location)?)
    }

    /// Pairing, second half: saves the office the admin paired with. The
    /// session is not checked again: it was open when the admin asked, and
    /// the office has registered the kiosk meanwhile.
    pub(crate) fn save_pairing(&mut self, paired: Paired) -> Result<SyncView> {
        paired.save(&mut self.store)?;
        self.sync_view()
    }
}
