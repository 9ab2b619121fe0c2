//! The office's signed configuration: which agreement version each role
//! signs (with the full text), the re-sign rules, and the kiosk settings,
//! as one numbered document the office signs with its certificate's key
//! (`docs/sync-protocol.md`, "Configuration").
//!
//! The signed bytes travel as a JSON string inside [`SignedConfiguration`],
//! so the kiosk checks the signature over exactly what the office signed
//! and never over a re-encoding. Every size and count is bounded here,
//! before anything of it is used ([`Configuration::check_bounds`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use signbook_core::hash::Hash32;
use signbook_core::privacy_notice::PrivacyNotice;

/// The configuration endpoint.
pub const CONFIGURATION_PATH: &str = "/v1/configuration";
/// `format` of every configuration: also keeps it apart from the office's
/// other signed document (`signbook-office-statement-v1`).
pub const CONFIGURATION_FORMAT: &str = "signbook-configuration-v1";
/// Largest configuration body, in bytes.
pub const MAX_CONFIGURATION_BYTES: usize = 4 * 1024 * 1024;
/// Most agreement versions one configuration carries.
pub const MAX_CONFIGURATION_AGREEMENTS: usize = 16;
/// Accepted `settings.local_retention_days`.
pub use signbook_core::store::LOCAL_RETENTION_DAYS;
/// Most roles named in `current`, `resign_rules` or `settings.roles`.
pub const MAX_CONFIGURATION_ROLES: usize = 32;
/// Largest certificate accepted, DER bytes.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;
/// Longest signature accepted, hex digits (a DER ECDSA P-256 signature is at most 144).
pub const MAX_SIGNATURE_HEX: usize = 512;

/// `POST /v1/configuration`: a kiosk asks for the office's current
/// configuration. Signed like a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationRequest {
    /// The version the kiosk applied (0: none).
    pub applied: u64,
}

/// The answer: the configuration's exact bytes, the certificate whose key
/// signed them, and the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConfiguration {
    /// A [`Configuration`] as compact JSON, UTF-8: the bytes signed.
    pub configuration: String,
    /// The office's TLS certificate, DER, standard base64.
    pub certificate: String,
    /// ECDSA P-256 with SHA-256 over `configuration`, DER-encoded, hex.
    pub signature: String,
}

/// What the office asks every kiosk to use. Fields a kiosk does not know
/// are ignored (a newer office may add some); fields it needs are required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    /// Always [`CONFIGURATION_FORMAT`].
    pub format: String,
    /// 1, 2, 3, ...: each change at the office makes the next.
    pub version: u64,
    /// When the office made this version (RFC 3339 UTC, milliseconds).
    pub issued_at: String,
    /// SHA-256 of the certificate whose key signs it.
    pub office_certificate_sha256: Hash32,
    /// Every version current for some role, with its full text.
    pub agreements: Vec<ConfigurationAgreement>,
    /// The version each role signs now.
    pub current: BTreeMap<String, Hash32>,
    /// When each role the office set a rule for signs again.
    pub resign_rules: BTreeMap<String, WireResignRule>,
    /// The kiosk settings the office set; one left out is the kiosk's own.
    pub settings: ConfigurationSettings,
}

/// An agreement version in a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationAgreement {
    /// SHA-256 of `text`.
    pub hash: Hash32,
    /// Its title.
    pub title: String,
    /// The canonical Markdown text.
    pub text: String,
    /// The roles it is current for.
    pub roles: Vec<String>,
}

/// A re-sign rule: `{"rule": "every_visit"}`, `{"rule": "new_version"}`
/// or `{"rule": "after_days", "days": N}` (as the kiosk UI receives it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", content = "days", rename_all = "snake_case")]
pub enum WireResignRule {
    /// Every time they come in.
    EveryVisit,
    /// Once per agreement version.
    NewVersion,
    /// Once per version, and again after this many days.
    AfterDays(u32),
}

/// The kiosk settings an office may set; each is absent until it does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigurationSettings {
    /// The welcome screen's heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_name: Option<String>,
    /// Seconds without a touch before the form is wiped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_secs: Option<u32>,
    /// The roles offered, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// "How we use your information" (UK GDPR Article 13), Markdown in
    /// English and Welsh; replaces the kiosk's own or built-in one. Added
    /// after the first configurations: an older kiosk ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_notice: Option<PrivacyNotice>,
    /// Days the kiosk keeps the personal data of a record the office has
    /// acknowledged, before removing it locally ("held at the office");
    /// [`LOCAL_RETENTION_DAYS`]. A kiosk never sent one uses 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_retention_days: Option<u32>,
}

/// What a kiosk tells an office that announced configurations: the
/// version it runs and what each of its roles signs now (which differs
/// from the office's after a local publish in its admin area).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationStatus {
    /// The office configuration it applied last (0: none).
    pub applied: u64,
    /// The version each role signs on this kiosk now.
    pub current: BTreeMap<String, Hash32>,
}

impl Configuration {
    /// Refuses anything beyond the limits above or the core's own (title,
    /// text, role names), and agreements whose text does not hash to their
    /// hash, naming the first problem. Checked before any of it is used.
    pub fn check_bounds(&self) -> Result<(), String> {
        use signbook_core::agreement::{MAX_AGREEMENT_BYTES, MAX_TITLE_CHARS};
        if self.format != CONFIGURATION_FORMAT {
            return Err(format!("its format is {:?}, not {CONFIGURATION_FORMAT}", self.format));
        }
        if self.version == 0 {
            return Err("its version is 0".into());
        }
        if self.agreements.len() > MAX_CONFIGURATION_AGREEMENTS {
            return Err(format!(
                "it carries {} agreements, more than {MAX_CONFIGURATION_AGREEMENTS}",
                self.agreements.len()
            ));
        }
        let roles_named = self.current.len().max(self.resign_rules.len());
        let offered = self.settings.roles.as_ref().map_or(0, Vec::len);
        if roles_named.max(offered) > MAX_CONFIGURATION_ROLES {
            return Err(format!("it names more than {MAX_CONFIGURATION_ROLES} roles"));
        }
        let role_ok = |role: &str| signbook_core::role::Role::new(role).is_ok();
        for agreement in &self.agreements {
            if agreement.text.len() > MAX_AGREEMENT_BYTES || agreement.title.chars().count() > MAX_TITLE_CHARS {
                return Err(format!("agreement {} is too long", agreement.hash));
            }
            if agreement.roles.is_empty() || agreement.roles.len() > MAX_CONFIGURATION_ROLES {
                return Err(format!("agreement {} names no roles or too many", agreement.hash));
            }
            if let Some(role) = agreement.roles.iter().find(|r| !role_ok(r)) {
                return Err(format!("agreement {} names the role {role:?}", agreement.hash));
            }
            let genuine = signbook_core::agreement::canonical_text(&agreement.text) == agreement.text
                && signbook_core::agreement::agreement_hash(&agreement.text) == agreement.hash;
            if !genuine {
                return Err(format!("the text of agreement {} does not hash to it", agreement.hash));
            }
        }
        for (role, hash) in &self.current {
            if !role_ok(role) {
                return Err(format!("it names the role {role:?}"));
            }
            if !self.agreements.iter().any(|a| a.hash == *hash && a.roles.contains(role)) {
                return Err(format!("the role {role} is to sign {hash}, which it does not carry for that role"));
            }
        }
        if let Some(role) = self.resign_rules.keys().find(|r| !role_ok(r)) {
            return Err(format!("it sets a rule for the role {role:?}"));
        }
        if self.resign_rules.values().any(|r| *r == WireResignRule::AfterDays(0)) {
            return Err("a re-sign rule says after 0 days".into());
        }
        if let Some(role) = self.settings.roles.iter().flatten().find(|r| !role_ok(r)) {
            return Err(format!("it offers the role {role:?}"));
        }
        // The kiosk's own rule for a notice (size, no control characters),
        // so one the kiosk would not save is refused before it is stored.
        if let Some((language, reason)) = self.settings.privacy_notice.as_ref().and_then(PrivacyNotice::problem) {
            return Err(format!("its privacy notice in {language} cannot be used: {reason}"));
        }
        Ok(())
    }
}

impl SignedConfiguration {
    /// Refuses fields too large to be genuine, before decoding any of them.
    pub fn check_sizes(&self) -> Result<(), String> {
        if self.configuration.len() > MAX_CONFIGURATION_BYTES {
            return Err(format!("the configuration is longer than {MAX_CONFIGURATION_BYTES} bytes"));
        }
        if self.certificate.len() > MAX_CERTIFICATE_BYTES * 4 / 3 + 4 {
            return Err(format!("the certificate is longer than {MAX_CERTIFICATE_BYTES} bytes"));
        }
        if self.signature.len() > MAX_SIGNATURE_HEX {
            return Err(format!("the signature is longer than {MAX_SIGNATURE_HEX} hex digits"));
        }
        Ok(())
    }
}
