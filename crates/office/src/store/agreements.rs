//! Which agreement version each role must sign: the office's decision,
//! never a kiosk's. A kiosk's `published_at` is kept as what it claimed
//! and shown as such; it never ranks or chooses versions (issue 15, item
//! 12: a kiosk claiming a version published in 9999 made it current
//! everywhere).
//!
//! A version becomes current for a role when staff adopt it (the dashboard
//! or `signbook-office agreement adopt`), or when a kiosk brings it while
//! the office has no version for that role yet: a fresh office starts from
//! what its first kiosk uses. Any later version a kiosk sends is stored
//! and shown as not adopted until staff decide.
//!
//! Those are the trust's decisions, for every school. A school may choose
//! its own version for a role instead (a primary school's visitors read
//! another text than a secondary's), and take the trust's again.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use signbook_core::Hash32;
use uuid::Uuid;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::store::StoredAgreement;
use crate::store::sites::SiteId;

/// A kiosk that sent a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementSender {
    /// The kiosk.
    pub device_id: Uuid,
    /// Its name, if it gave one.
    pub name: Option<String>,
    /// When it says it published the version (its claim, RFC 3339).
    pub claimed_published_at: String,
    /// When the office last received the version from it.
    pub last_sent_at: String,
}

/// One version the office holds and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementStanding {
    /// The version (its `received_at` is when the office first had it).
    pub agreement: StoredAgreement,
    /// Roles it was published for, as kiosks sent it.
    pub roles: Vec<String>,
    /// Roles for which it is the current version now.
    pub current_for: Vec<String>,
    /// Roles it was published for that the office never adopted it for.
    pub not_adopted_for: Vec<String>,
    /// Kiosks that sent it.
    pub senders: Vec<AgreementSender>,
}

impl AgreementStanding {
    /// A kiosk uses it for a role the office never adopted it for: staff
    /// should decide.
    pub fn awaits_decision(&self) -> bool {
        !self.not_adopted_for.is_empty() && !self.senders.is_empty()
    }
}

/// The office's record of current agreement versions.
#[async_trait]
pub trait AgreementStore: Send + Sync {
    /// Every version held, the one the office received last first, with
    /// where it stands.
    async fn agreement_standings(&self) -> Result<Vec<AgreementStanding>>;

    /// Makes `hash` the current version for `roles`, and writes the audit
    /// log (who, when, the hash, the roles), in one transaction.
    /// [`crate::OfficeError::NotFound`] if the office does not hold it.
    async fn adopt_agreement(&self, hash: &Hash32, roles: &[String], actor: &str, now: DateTime<Utc>) -> Result<()>;

    /// Makes `hash` the version `roles` sign at `site`'s kiosks instead of
    /// the trust's, or with `None` the trust's current one again; audited
    /// as that school's, and its next configuration issued (returned).
    async fn set_school_agreement(
        &self,
        site: SiteId,
        roles: &[String],
        hash: Option<Hash32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>>;

    /// The versions `site` chose itself, by role.
    async fn school_agreements(&self, site: SiteId) -> Result<BTreeMap<String, Hash32>>;

    /// Publishes a version written at the office: keeps `text` (checked
    /// and made canonical by the kiosk's own rules,
    /// [`signbook_core::agreement::check_publishable`]) under its hash,
    /// makes it current for `roles`, and writes the audit log (who, when,
    /// title, hash, roles), in one transaction. Publishing text the office
    /// already holds only adopts it. Returns the version's hash.
    async fn publish_agreement(
        &self,
        text: &str,
        title: &str,
        roles: &[String],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Hash32>;
}
