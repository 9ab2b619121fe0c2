//! UK GDPR duties: retention periods per role, the purge that applies
//! them, erasure of one person's records, and the audit log.
//!
//! Erasure never deletes a record: it replaces the personal data (name,
//! organisation, signature image and their salts) with a tombstone. The
//! record's hash covers only salted digests of those fields, so every
//! chain still verifies afterwards, and nobody can tell from the digests
//! whose data it was.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::sites::{Scope, SiteId};
use crate::error::Result;

/// An audit log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// Staff account, `cli`, `office` (a lockout), or a client address (a failed login).
    pub actor: String,
    /// e.g. `erasure`, `export_csv`.
    pub action: String,
    /// What exactly.
    pub detail: String,
    /// The school it concerns; `None` for the trust's own business.
    pub site: Option<SiteId>,
}

/// An erasure made at the office, as its signed log holds it
/// (`crate::erasure_log`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOfficeErasure {
    /// The statement's exact bytes.
    pub statement: String,
    /// The office certificate key's signature over them (ECDSA P-256, DER).
    pub signature: Vec<u8>,
    /// SHA-256 of the certificate that signed, 64 hex digits.
    pub certificate_sha256: String,
}

/// What a retention purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Records erased, per role (every school's together), by role.
    pub erased: Vec<(String, u64)>,
}

impl PurgeReport {
    /// All records erased.
    pub fn total(&self) -> u64 {
        self.erased.iter().map(|(_, n)| n).sum()
    }
}

/// The audit log, erasure and retention.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Appends a line about the trust's own business (accounts, sign-ins,
    /// searches across schools) to the audit log: only trust staff read it.
    async fn audit(&self, actor: &str, action: &str, detail: &str, now: DateTime<Utc>) -> Result<()> {
        self.audit_for(None, actor, action, detail, now).await
    }

    /// Appends a line to the audit log about `site`'s records or kiosks
    /// (`None`: the trust's), which that school's staff read too.
    async fn audit_for(
        &self,
        site: Option<SiteId>,
        actor: &str,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The audit log of `scope`'s schools, newest first (the trust's reads
    /// every entry).
    async fn audit_log(&self, scope: &Scope, limit: u64) -> Result<Vec<AuditEntry>>;

    /// Erases one record's personal data at the office's request, and logs
    /// it. The kiosk's own copy is erased by its admin (`signbook erase`)
    /// or when it next syncs. A record of a school outside `scope` is
    /// refused as one not held.
    async fn erase_record(
        &self,
        scope: &Scope,
        device_id: Uuid,
        seq: u64,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Signs every erasure made at the office that its signed erasure log
    /// does not hold yet, with the office certificate's key; returns how
    /// many. Called after each erasure and purge.
    async fn sign_office_erasures(&self, signer: &crate::tls::OfficeSigner, now: DateTime<Utc>) -> Result<u64>;

    /// The signed statement of an office erasure, once signed.
    async fn office_erasure(&self, device_id: Uuid, seq: u64) -> Result<Option<SignedOfficeErasure>>;

    /// `site`'s retention periods in days, by role.
    async fn retention(&self, site: SiteId) -> Result<Vec<(String, u32)>>;

    /// Sets (or with `None` clears) the retention period of a role at
    /// `site`, and logs it for that school.
    async fn set_retention(
        &self,
        site: SiteId,
        role: &str,
        days: Option<u32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Erases the personal data of every record older than the retention
    /// period of its role at its own school, for every school, in one
    /// transaction, and logs it.
    async fn purge_expired(&self, actor: &str, now: DateTime<Utc>) -> Result<PurgeReport>;
}
