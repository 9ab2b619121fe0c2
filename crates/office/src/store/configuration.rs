//! The configuration the office sends its kiosks: what each role signs
//! (with the texts), re-sign rules and kiosk settings, numbered. Each
//! school's kiosks take their school's: the trust's settings, with any the
//! school set itself instead, and its own name on the welcome screen.
//! Versions are one sequence across schools, so whichever school's changes,
//! a kiosk's next configuration is numbered above the one it applied. Any change
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

use crate::error::{OfficeError, Result};
use crate::store::sites::{FIRST_SITE_PLACEHOLDER, SiteId};

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

impl KioskSetting {
    /// Which setting this is.
    pub fn name(&self) -> SettingName {
        match self {
            KioskSetting::SchoolName(_) => SettingName::SchoolName,
            KioskSetting::IdleTimeoutSecs(_) => SettingName::IdleTimeoutSecs,
            KioskSetting::Roles(_) => SettingName::Roles,
            KioskSetting::ResignRule(role, _) => SettingName::ResignRule(role.clone()),
            KioskSetting::PrivacyNotice(_) => SettingName::PrivacyNotice,
            KioskSetting::LocalRetentionDays(_) => SettingName::LocalRetentionDays,
        }
    }
}

/// A setting by name: what a school stops setting itself, to take the
/// trust's again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SettingName {
    /// The welcome screen's heading.
    SchoolName,
    /// Seconds of no touch before the form is wiped.
    IdleTimeoutSecs,
    /// The roles offered.
    Roles,
    /// One role's re-sign rule.
    ResignRule(String),
    /// The privacy notice.
    PrivacyNotice,
    /// Days a kiosk keeps personal data the office holds.
    LocalRetentionDays,
}

impl SettingName {
    /// Its name in `signbook-office settings` and the dashboard's forms.
    pub fn key(&self) -> String {
        match self {
            SettingName::SchoolName => "school-name".into(),
            SettingName::IdleTimeoutSecs => "idle-timeout".into(),
            SettingName::Roles => "roles".into(),
            SettingName::ResignRule(role) => format!("resign.{role}"),
            SettingName::PrivacyNotice => "privacy-notice".into(),
            SettingName::LocalRetentionDays => "local-retention-days".into(),
        }
    }

    /// Reads [`SettingName::key`] back.
    pub fn parse(key: &str) -> Result<SettingName> {
        Ok(match key.trim() {
            "school-name" => SettingName::SchoolName,
            "idle-timeout" => SettingName::IdleTimeoutSecs,
            "roles" => SettingName::Roles,
            "privacy-notice" => SettingName::PrivacyNotice,
            "local-retention-days" => SettingName::LocalRetentionDays,
            other => match other.strip_prefix("resign.") {
                Some(role) => SettingName::ResignRule(
                    signbook_core::role::Role::new(role)
                        .map_err(|e| OfficeError::InputInvalid(e.to_string()))?
                        .as_str()
                        .to_owned(),
                ),
                None => {
                    return Err(OfficeError::InputInvalid(format!(
                        "there is no setting \"{other}\"; the settings are {}, privacy-notice",
                        crate::configuration::SETTING_KEYS
                    )));
                }
            },
        })
    }

    /// The column value the settings tables keep it under.
    pub(crate) fn column(&self) -> &str {
        match self {
            SettingName::SchoolName => "school_name",
            SettingName::IdleTimeoutSecs => "idle_timeout_secs",
            SettingName::Roles => "roles",
            SettingName::LocalRetentionDays => "local_retention_days",
            SettingName::ResignRule(role) => role,
            SettingName::PrivacyNotice => "privacy_notice",
        }
    }

    /// Read back from a settings table's key column.
    pub(crate) fn from_column(key: &str) -> Option<SettingName> {
        Some(match key {
            "school_name" => SettingName::SchoolName,
            "idle_timeout_secs" => SettingName::IdleTimeoutSecs,
            "roles" => SettingName::Roles,
            "local_retention_days" => SettingName::LocalRetentionDays,
            _ => return None,
        })
    }
}

/// Whose settings a change is to: every school's, or one school's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsFor {
    /// The trust's, which every school takes unless it set its own.
    Trust,
    /// One school's own.
    School(SiteId),
}

/// The school name is each school's own: the trust has none to set.
pub fn trust_has_no_school_name() -> OfficeError {
    OfficeError::InputInvalid(
        "each school's kiosks show their own school's name: choose the school (--school NAME) to set it".into(),
    )
}

/// The name a school's kiosks show when it set none itself: the school's,
/// unless still the placeholder a new office starts with (then each kiosk
/// keeps its own).
pub(crate) fn shown_school_name(site_name: Option<String>) -> Option<String> {
    site_name
        .filter(|name| crate::store::sites::site_key(name) != crate::store::sites::site_key(FIRST_SITE_PLACEHOLDER))
}

/// The audit line of an issued configuration.
pub(crate) fn issued_detail(version: u64, content: &ConfigurationContent) -> String {
    let current: Vec<String> =
        content.current.iter().map(|(role, hash)| format!("{role} {}", &hash.to_hex()[..12])).collect();
    format!(
        "kiosk configuration {version}: agreements {}",
        if current.is_empty() { "none".into() } else { current.join(", ") }
    )
}

/// The office's configuration for its kiosks.
#[async_trait]
pub trait ConfigurationStore: Send + Sync {
    /// The latest configuration of this school's kiosks, issuing one first
    /// if what the office holds for them changed without one (`None`:
    /// nothing set yet).
    async fn current_configuration(&self, site: SiteId, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>>;

    /// The texts of these versions, by hash.
    async fn agreement_texts(&self, hashes: Vec<Hash32>) -> Result<BTreeMap<Hash32, String>>;

    /// Saves a setting (already checked with [`crate::configuration::parse_setting`])
    /// for the trust or one school, issues the next configuration of every
    /// school it changes and audits both, in one transaction. Returns the
    /// latest version now current among those schools. The school name is
    /// only a school's ([`trust_has_no_school_name`]).
    async fn set_kiosk_setting(
        &self,
        target: SettingsFor,
        setting: KioskSetting,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>>;

    /// The school stops setting this itself and takes the trust's again;
    /// issued and audited like a change. Nothing to undo is not an error.
    async fn unset_school_setting(
        &self,
        site: SiteId,
        name: SettingName,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>>;

    /// What a school's kiosks take now (the trust's settings with the
    /// school's own over them), or the trust's own settings; nothing issued.
    async fn settings_content(&self, target: SettingsFor) -> Result<ConfigurationContent>;

    /// The settings this school sets itself, instead of the trust's.
    async fn school_setting_names(&self, site: SiteId) -> Result<Vec<SettingName>>;

    /// What each kiosk last said it runs.
    async fn kiosk_configurations(&self) -> Result<BTreeMap<Uuid, KioskConfiguration>>;
}
