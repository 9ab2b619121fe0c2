//! The configuration the office sends its kiosks: what each role signs
//! (with the texts), re-sign rules and kiosk settings, numbered. Any change
//! to an adoption or to a setting makes the next version, in the same
//! transaction as the change, whoever made it (the dashboard, the CLI, the
//! agreement publish, a first kiosk's versions): the versioning lives here,
//! under every caller, so none can forget it. Signing is done when a kiosk
//! asks (`crate::configuration`), with the certificate then in use.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use signbook_core::Hash32;
use signbook_core::privacy_notice::PrivacyNotice;
use signbook_sync::configuration::{ConfigurationSettings, WireResignRule};
use uuid::Uuid;

use crate::error::Result;

/// What a configuration version says, without the agreement texts (they are
/// kept once, by hash). Two versions differ exactly when this does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationContent {
    /// Every version current for some role, by hash order.
    pub agreements: Vec<ContentAgreement>,
    /// What each role signs.
    pub current: BTreeMap<String, Hash32>,
    /// The re-sign rules staff set.
    pub resign_rules: BTreeMap<String, WireResignRule>,
    /// The settings staff set.
    pub settings: ConfigurationSettings,
}

/// An agreement version in a configuration, without its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentAgreement {
    /// Its hash.
    pub hash: Hash32,
    /// Its title.
    pub title: String,
    /// Roles it is current for.
    pub roles: Vec<String>,
}

impl ConfigurationContent {
    /// Nothing set: an office with none issues no configuration.
    pub fn is_empty(&self) -> bool {
        *self == ConfigurationContent::default()
    }
}

/// One issued configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedConfiguration {
    /// 1, 2, 3, ...
    pub version: u64,
    /// What it says.
    pub content: ConfigurationContent,
    /// When (RFC 3339).
    pub issued_at: String,
    /// Who made the change that issued it.
    pub issued_by: String,
}

/// What a kiosk last said it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskConfiguration {
    /// The configuration version it applied (0: none).
    pub applied: u64,
    /// What each of its roles signs.
    pub current: BTreeMap<String, Hash32>,
    /// When it said so (RFC 3339).
    pub reported_at: String,
}

impl KioskConfiguration {
    /// Whether the kiosk runs something else than `office` (an older
    /// version, or a version published on the kiosk itself).
    pub fn differs_from(&self, office: &IssuedConfiguration) -> bool {
        self.applied != office.version || self.current != office.content.current
    }
}

/// A setting staff can set for every kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskSetting {
    /// The welcome screen's heading.
    SchoolName(String),
    /// Seconds of no touch before the form is wiped.
    IdleTimeoutSecs(u32),
    /// The roles offered, in order.
    Roles(Vec<String>),
    /// When a role signs again.
    ResignRule(String, WireResignRule),
    /// "How we use your information", checked with
    /// [`crate::privacy_notice::checked`].
    PrivacyNotice(PrivacyNotice),
    /// Days a kiosk keeps the personal data of a record the office holds
    /// (`signbook_sync::configuration::LOCAL_RETENTION_DAYS`).
    LocalRetentionDays(u32),
}

/// The office's configuration for its kiosks.
#[async_trait]
pub trait ConfigurationStore: Send + Sync {
    /// The latest configuration, issuing one first if what the office holds
    /// changed without one (`None`: nothing set yet).
    async fn current_configuration(&self, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>>;

    /// The texts of these versions, by hash.
    async fn agreement_texts(&self, hashes: Vec<Hash32>) -> Result<BTreeMap<Hash32, String>>;

    /// Saves a setting (already checked with [`crate::configuration::parse_setting`]),
    /// issues the next configuration and audits both, in one transaction.
    /// Returns the version now current.
    async fn set_kiosk_setting(&self, setting: KioskSetting, actor: &str, now: DateTime<Utc>) -> Result<Option<u64>>;

    /// What each kiosk last said it runs.
    async fn kiosk_configurations(&self) -> Result<BTreeMap<Uuid, KioskConfiguration>>;
}
