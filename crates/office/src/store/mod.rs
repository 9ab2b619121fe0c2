//! Storage behind the [`OfficeStore`] trait, so a PostgreSQL backend for
//! multi-school trusts can follow; [`SqliteStore`] is the default.
//!
//! Every method is one transaction. Verification rules live in
//! [`crate::ingest`] and in `signbook_core::verify::ChainWalk`, not in a
//! backend, so a second backend cannot drift from the first.

mod dashboard;
mod migrations;
mod privacy;
mod rows;
mod search;
mod sqlite;
mod staff;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use signbook_core::Hash32;
use signbook_core::record::Record;
use signbook_core::store::Erasure;
use signbook_core::verify::VerifyReport;
use signbook_sync::wire::{PushRequest, PushResponse};
use uuid::Uuid;

use crate::error::Result;

pub use dashboard::{AlertRow, ErasureStatus, KioskStatus, SearchPage};
pub use privacy::{AuditEntry, PurgeReport, RosterEntry, RosterStatus, parse_roster};
pub use search::{RecordQuery, fold};
pub use sqlite::SqliteStore;
pub use staff::{LoginThrottle, MIN_PASSWORD_CHARS, Session, check_new_account, check_username};

/// A paired kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id.
    pub device_id: Uuid,
    /// The key it registered.
    pub public_key: VerifyingKey,
    /// Name it gave (its school name setting).
    pub name: Option<String>,
    /// When it paired.
    pub paired_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A kiosk in the `kiosks` listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSummary {
    /// Its id.
    pub device_id: Uuid,
    /// Name it gave.
    pub name: Option<String>,
    /// When it paired.
    pub paired_at: String,
    /// When revoked.
    pub revoked_at: Option<String>,
    /// Highest sequence held.
    pub records: u64,
    /// When the last record arrived.
    pub last_received_at: Option<String>,
}

/// An alert for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// The kiosk, when known.
    pub device_id: Option<Uuid>,
    /// The record concerned.
    pub seq: Option<u64>,
    /// e.g. `fork`, `clock_implausible`.
    pub kind: String,
    /// Details.
    pub detail: String,
    /// When the office raised it.
    pub raised_at: String,
}

/// A record as the office holds it: the kiosk's record (its personal data
/// is `None` once erased), the erasure if any, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The record, exactly as the kiosk hashed it.
    pub record: Record,
    /// Why and when its personal data was erased, if it was.
    pub erasure: Option<Erasure>,
    /// The name the kiosk gave at pairing.
    pub kiosk_name: Option<String>,
    /// The office's own clock when the record arrived.
    pub received_at: String,
}

/// An agreement version as the office holds it (sent by the kiosks that
/// collected signatures for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAgreement {
    /// SHA-256 of the canonical text: the version's identity.
    pub hash: Hash32,
    /// Its title.
    pub title: String,
    /// The canonical Markdown text people read before signing.
    pub text: String,
    /// When the kiosk first published it (RFC 3339, UTC).
    pub published_at: String,
}

/// Everything the server and the CLI need from storage.
pub trait OfficeStore: Send {
    /// Stores a new pairing code (as its hash) valid until `expires_at`.
    fn add_pairing_code(&mut self, code_hash: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<()>;

    /// Consumes a pairing code and registers the device; returns the device
    /// and the highest sequence already held for it. `code` is only for
    /// error messages.
    fn pair(
        &mut self,
        code: &str,
        code_hash: &str,
        device_id: Uuid,
        public_key: &VerifyingKey,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Device, u64)>;

    /// A paired (or revoked) device.
    fn device(&self, device_id: Uuid) -> Result<Option<Device>>;

    /// Records a request nonce; `false` if this device used it before.
    fn remember_nonce(&mut self, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool>;

    /// Verifies and stores one batch (see [`crate::ingest`]); on refusal
    /// nothing of the batch is stored and the error says why. A request's
    /// `nonce` is remembered in the same transaction (one commit, one
    /// fsync per push); a nonce already seen is [`crate::OfficeError::Replay`].
    fn ingest(
        &mut self,
        device: &Device,
        nonce: Option<(&str, i64)>,
        batch: &PushRequest,
        now: DateTime<Utc>,
    ) -> Result<PushResponse>;

    /// Keeps an alert.
    fn raise_alert(
        &mut self,
        device_id: Option<Uuid>,
        seq: Option<u64>,
        kind: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Refuses the device from now on. `false` if it was already revoked.
    fn revoke(&mut self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    /// Every kiosk.
    fn devices(&self) -> Result<Vec<DeviceSummary>>;

    /// Every alert, oldest first.
    fn alerts(&self) -> Result<Vec<Alert>>;

    /// Walks every stored chain with the kiosk's own verification rules.
    fn verify(&self) -> Result<Vec<VerifyReport>>;
}
