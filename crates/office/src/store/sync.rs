//! What the sync API needs: pairing, request nonces, pushed batches,
//! alerts and revocation.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use signbook_sync::wire::{PushRequest, PushResponse};
use uuid::Uuid;

use crate::error::OfficeError;
use crate::error::Result;
use crate::pairing::{PairingAlerts, PairingThrottle};
use crate::store::RecentFailures;
use crate::store::sites::SiteId;

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
    /// The school it belongs to (its pairing code's).
    pub site: SiteId,
}

/// A kiosk's columns in `devices`, in the order [`Device::from_columns`]
/// reads them: one reader for both backends, so a damaged row is named
/// the same way by each.
pub(crate) const DEVICE_COLUMNS: &str = "device_id, public_key, name, paired_at, revoked_at, site_id";

/// The values of [`DEVICE_COLUMNS`].
pub(crate) type DeviceColumns = (String, Vec<u8>, Option<String>, String, Option<String>, i64);

impl Device {
    /// A device from its stored columns.
    pub(crate) fn from_columns(row: DeviceColumns) -> Result<Device> {
        let (id, key, name, paired_at, revoked_at, site) = row;
        let device_id =
            Uuid::parse_str(&id).map_err(|e| OfficeError::Internal(format!("stored device id {id}: {e}")))?;
        let key: [u8; 32] =
            key.try_into().map_err(|_| OfficeError::Internal(format!("stored key of {id} is not 32 bytes")))?;
        let public_key = VerifyingKey::from_bytes(&key)
            .map_err(|_| OfficeError::Internal(format!("stored key of {id} is not an Ed25519 key")))?;
        Ok(Device { device_id, public_key, name, paired_at, revoked_at, site: SiteId(site) })
    }
}

/// A pairing-by-code exchange waiting for the kiosk's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakeExchange {
    /// Random, 32 hex digits.
    pub exchange_id: String,
    /// The code it was run with.
    pub code_hash: String,
    /// That code's first two characters, to name it in messages.
    pub code_id: String,
    /// The kiosk that started it.
    pub device_id: Uuid,
    /// The confirmation the kiosk must send, hex.
    pub kiosk_confirm: String,
    /// When it started (Unix seconds).
    pub created_at: i64,
}

/// Pairing and ingest: everything a kiosk's requests touch.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Stores a new pairing code for a kiosk of `site` (its hash, and its
    /// first two characters that name it for pairing by code alone) valid
    /// until `expires_at`. `false`, storing nothing, when an open code
    /// already starts with the same two characters: make another.
    /// [`OfficeError::SiteUnknown`] if there is no such school.
    async fn add_pairing_code(
        &self,
        site: SiteId,
        code: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Starts a pairing-by-code exchange for the open code named `code_id`:
    /// counts the attempt and returns the code's hash (the SPAKE2
    /// password). [`OfficeError::PairingCodeInvalid`] if no open code has
    /// that name, [`OfficeError::PairingCodeExhausted`] once it was tried
    /// [`signbook_sync::pake::PAKE_ATTEMPTS_PER_CODE`] times.
    async fn pake_code(&self, code_id: &str, now: DateTime<Utc>) -> Result<String>;

    /// Keeps an exchange until the kiosk confirms it.
    async fn save_pake_exchange(&self, exchange: &PakeExchange) -> Result<()>;

    /// Takes (and forgets) the exchange `exchange_id`, if it is younger than
    /// [`signbook_sync::pake::PAKE_EXCHANGE_TTL_SECS`].
    async fn take_pake_exchange(&self, exchange_id: &str, now: i64) -> Result<Option<PakeExchange>>;

    /// Consumes a pairing code and registers the device as a kiosk of the
    /// school the code was issued for; returns the device
    /// and the highest sequence already held for it. `code` is only for
    /// error messages.
    async fn pair(
        &self,
        code: &str,
        code_hash: &str,
        device_id: Uuid,
        public_key: &VerifyingKey,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Device, u64)>;

    /// The last `throttle.per_address` wrong pairing codes from `address`
    /// in the window ([`PairingThrottle::wait`] decides).
    async fn recent_pairing_failures(
        &self,
        throttle: &PairingThrottle,
        address: &str,
        now: i64,
    ) -> Result<RecentFailures>;

    /// Counts a wrong pairing code from `address`; says what staff should
    /// be told of it, each at most once a window.
    async fn note_pairing_failure(&self, throttle: &PairingThrottle, address: &str, now: i64) -> Result<PairingAlerts>;

    /// A paired (or revoked) device.
    async fn device(&self, device_id: Uuid) -> Result<Option<Device>>;

    /// Records a request nonce; `false` if this device used it before.
    async fn remember_nonce(&self, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool>;

    /// Verifies and stores one batch (see [`crate::ingest`]); on refusal
    /// nothing of the batch is stored and the error says why. A request's
    /// `nonce` is remembered in the same transaction (one commit, one
    /// fsync per push); a nonce already seen is [`crate::OfficeError::Replay`].
    async fn ingest(
        &self,
        device: &Device,
        nonce: Option<(&str, i64)>,
        batch: PushRequest,
        now: DateTime<Utc>,
    ) -> Result<PushResponse>;

    /// Keeps an alert.
    async fn raise_alert(
        &self,
        device_id: Option<Uuid>,
        seq: Option<u64>,
        kind: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Refuses the device from now on. `false` if it was already revoked.
    async fn revoke(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    /// Gives the kiosk a new location name (already checked by
    /// `pairing::kiosk_name`); returns its old one.
    async fn rename_kiosk(&self, device_id: Uuid, name: &str) -> Result<Option<String>>;
}
