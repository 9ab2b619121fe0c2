//! Kiosks, alerts and the verification of the chains the office holds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::verify::VerifyReport;
use uuid::Uuid;

use crate::error::Result;
use crate::store::sites::{Scope, SiteId};
use crate::store::sync::Device;

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

/// A kiosk on the dashboard's kiosk page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskStatus {
    /// Its id.
    pub device_id: Uuid,
    /// The name it gave.
    pub name: Option<String>,
    /// When it paired.
    pub paired_at: String,
    /// When revoked.
    pub revoked_at: Option<String>,
    /// When it last called (any push, even with nothing to send).
    pub last_seen_at: Option<String>,
    /// Highest sequence the office holds.
    pub held: u64,
    /// The school it belongs to.
    pub site: SiteId,
    /// Highest sequence the kiosk said it has.
    pub reported_head: Option<u64>,
    /// Highest sequence covered by a kiosk-signed checkpoint.
    pub last_checkpoint: Option<u64>,
    /// Alerts not yet acknowledged.
    pub open_alerts: u64,
    /// Fingerprint of the public key it gave at pairing (the kiosk's admin
    /// area and its exports show the same).
    pub key_fingerprint: String,
}

impl KioskStatus {
    /// Records signed at the kiosk that the office does not hold yet, as
    /// of its last call.
    pub fn backlog(&self) -> Option<u64> {
        self.reported_head.map(|head| head.saturating_sub(self.held))
    }
}

/// A kiosk's key and the latest head it signed that the office holds, for
/// the office statement in evidence packs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskHead {
    /// The kiosk, with the public key it gave at pairing.
    pub device: Device,
    /// The highest checkpoint the kiosk signed and the office stored.
    pub checkpoint: Option<Checkpoint>,
}

/// An alert with its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRow {
    /// Its id.
    pub id: i64,
    /// The kiosk, when known.
    pub device_id: Option<Uuid>,
    /// The record concerned.
    pub seq: Option<u64>,
    /// e.g. `fork`.
    pub kind: String,
    /// What happened.
    pub detail: String,
    /// When the office raised it.
    pub raised_at: String,
    /// When staff acknowledged it, and who.
    pub acknowledged: Option<(String, String)>,
}

/// What staff and `signbook-office verify` check the office's copy with.
#[async_trait]
pub trait IntegrityStore: Send + Sync {
    /// Every kiosk, for `signbook-office kiosks`.
    async fn devices(&self) -> Result<Vec<DeviceSummary>>;

    /// Every kiosk of `scope`'s schools with what staff need to see about it.
    async fn kiosk_statuses(&self, scope: &Scope) -> Result<Vec<KioskStatus>>;

    /// Every alert, oldest first.
    async fn alerts(&self) -> Result<Vec<Alert>>;

    /// Alerts about kiosks of `scope`'s schools (and, for the trust,
    /// those about no kiosk), newest first; only unacknowledged ones unless `all`.
    async fn alert_rows(&self, scope: &Scope, all: bool) -> Result<Vec<AlertRow>>;

    /// Marks an alert of `scope` as seen by `staff`. `false` if it was
    /// already, or is not `scope`'s to see.
    async fn acknowledge_alert(&self, scope: &Scope, id: i64, staff: &str, now: DateTime<Utc>) -> Result<bool>;

    /// Walks every stored chain with the kiosk's own verification rules;
    /// a damaged row is reported where it is.
    async fn verify(&self) -> Result<Vec<VerifyReport>>;

    /// The first kiosk-signed checkpoint at or after `seq`: the kiosk's key
    /// vouches for the record through the chain up to it.
    async fn checkpoint_covering(&self, device_id: Uuid, seq: u64) -> Result<Option<u64>>;

    /// Every kiosk's key and the latest checkpoint it signed.
    async fn kiosk_heads(&self) -> Result<Vec<KioskHead>>;

    /// Rows stored for `device_id`.
    async fn record_count(&self, device_id: Uuid) -> Result<u64>;

    /// Entries 1 to `up_to` of `device_id`'s chain in sequence order, records
    /// without their personal data: an evidence pack's chain file.
    async fn chain_entries(&self, device_id: Uuid, up_to: u64) -> Result<Vec<signbook_core::erasure::ChainEntry>>;

    /// `(seq, record_hash)` of every stored record of `device_id`, in order.
    async fn record_hashes(&self, device_id: Uuid) -> Result<Vec<(u64, Hash32)>>;
}
