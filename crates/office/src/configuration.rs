//! The signed configuration kiosks fetch (`POST /v1/configuration`,
//! `docs/sync-protocol.md`, "Configuration"): the latest version the store
//! issued, with the agreement texts, as compact JSON signed by the office
//! certificate's key at the moment a kiosk asks, so a rotated certificate
//! signs from the restart on. And the settings staff set, checked here once
//! for the CLI and the dashboard.

use chrono::{DateTime, Utc};
use signbook_core::role::{Role, parse_role_list};
use signbook_core::store::{IDLE_TIMEOUT_SECS, LOCAL_RETENTION_DAYS, MAX_ROLES, MAX_SCHOOL_NAME_CHARS};
use signbook_sync::configuration::{
    CONFIGURATION_FORMAT, Configuration, ConfigurationAgreement, MAX_CONFIGURATION_AGREEMENTS, MAX_CONFIGURATION_BYTES,
    SignedConfiguration, WireResignRule,
};

use crate::error::{OfficeError, Result};
use crate::store::SharedStore;
use crate::store::configuration::{KioskSetting, SettingsFor, trust_has_no_school_name};
use crate::store::sites::{SiteId, SiteStore};
use crate::tls::OfficeSigner;

/// The setting names `signbook-office settings set` takes.
pub const SETTING_KEYS: &str = "school-name, idle-timeout, roles, local-retention-days, resign.ROLE";

/// Reads `settings set KEY VALUE`, checked as the kiosk checks its own
/// settings, so a configuration never carries one a kiosk would refuse.
pub fn parse_setting(key: &str, value: &str) -> Result<KioskSetting> {
    let invalid = |why: String| Err(OfficeError::InputInvalid(why));
    let value = value.trim();
    match key {
        "school-name" => {
            let name = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if name.is_empty() || name.chars().count() > MAX_SCHOOL_NAME_CHARS || name.chars().any(char::is_control) {
                return invalid(format!("the school name must be one line of 1 to {MAX_SCHOOL_NAME_CHARS} characters"));
            }
            Ok(KioskSetting::SchoolName(name))
        }
        "idle-timeout" => match value.parse::<u32>() {
            Ok(secs) if IDLE_TIMEOUT_SECS.contains(&secs) => Ok(KioskSetting::IdleTimeoutSecs(secs)),
            _ => invalid(format!(
                "the idle timeout is a number of seconds from {} to {}",
                IDLE_TIMEOUT_SECS.start(),
                IDLE_TIMEOUT_SECS.end()
            )),
        },
        "local-retention-days" => match value.parse::<u32>() {
            Ok(days) if LOCAL_RETENTION_DAYS.contains(&days) => Ok(KioskSetting::LocalRetentionDays(days)),
            _ => invalid(format!(
                "the kiosks' local retention is a number of days from {} to {}: how long a kiosk keeps the personal data of a record the office holds",
                LOCAL_RETENTION_DAYS.start(),
                LOCAL_RETENTION_DAYS.end()
            )),
        },
        "roles" => {
            let roles = parse_role_list(value).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
            if roles.is_empty() || roles.len() > MAX_ROLES {
                return invalid(format!("offer between 1 and {MAX_ROLES} roles, separated by commas"));
            }
            Ok(KioskSetting::Roles(roles.iter().map(|r| r.as_str().to_owned()).collect()))
        }
        _ => {
            let Some(role) = key.strip_prefix("resign.") else {
                return invalid(format!("there is no setting \"{key}\"; the settings are {SETTING_KEYS}"));
            };
            let role = Role::new(role).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
            let rule = match value.split_once(':') {
                None if value == "every-visit" => WireResignRule::EveryVisit,
                None if value == "new-version" => WireResignRule::NewVersion,
                Some(("after-days", days)) => match days.parse::<u32>() {
                    Ok(days) if days >= 1 => WireResignRule::AfterDays(days),
                    _ => return invalid("after-days needs a number of days of at least 1: after-days:365".into()),
                },
                _ => return invalid("a re-sign rule is every-visit, new-version or after-days:N".into()),
            };
            Ok(KioskSetting::ResignRule(role.as_str().to_owned(), rule))
        }
    }
}

/// Whose setting a change made without choosing a school is: the trust's,
/// except the school name, which is each school's own and, in an office of
/// one school, that school's.
pub async fn unchosen_target(store: &dyn SiteStore, setting: &KioskSetting) -> Result<SettingsFor> {
    if !matches!(setting, KioskSetting::SchoolName(_)) {
        return Ok(SettingsFor::Trust);
    }
    match store.sites().await?.as_slice() {
        [only] => Ok(SettingsFor::School(only.id)),
        _ => Err(trust_has_no_school_name()),
    }
}

/// The latest configuration of this school's kiosks, signed by `signer`;
/// `None` when the office has set nothing for its kiosks yet.
pub async fn signed_configuration(
    store: &SharedStore,
    signer: &OfficeSigner,
    site: SiteId,
    now: DateTime<Utc>,
) -> Result<Option<SignedConfiguration>> {
    let Some(issued) = store.current_configuration(site, now).await? else { return Ok(None) };
    if issued.content.agreements.len() > MAX_CONFIGURATION_AGREEMENTS {
        return Err(OfficeError::Internal(format!(
            "kiosks are asked to sign {} different agreement versions, more than the {MAX_CONFIGURATION_AGREEMENTS} a configuration carries",
            issued.content.agreements.len()
        )));
    }
    let texts = store.agreement_texts(issued.content.agreements.iter().map(|a| a.hash).collect()).await?;
    let content = issued.content;
    let configuration = Configuration {
        format: CONFIGURATION_FORMAT.to_owned(),
        version: issued.version,
        issued_at: issued.issued_at,
        office_certificate_sha256: signer.fingerprint(),
        agreements: content
            .agreements
            .into_iter()
            .map(|a| ConfigurationAgreement {
                text: texts.get(&a.hash).cloned().unwrap_or_default(),
                hash: a.hash,
                title: a.title,
                roles: a.roles,
            })
            .collect(),
        current: content.current,
        resign_rules: content.resign_rules,
        settings: content.settings,
    };
    let body = serde_json::to_string(&configuration).map_err(|e| OfficeError::Internal(e.to_string()))?;
    if body.len() > MAX_CONFIGURATION_BYTES {
        return Err(OfficeError::Internal(format!(
            "the kiosk configuration is {} bytes, more than the {MAX_CONFIGURATION_BYTES} kiosks accept: shorten the agreement texts",
            body.len()
        )));
    }
    use base64::Engine;
    let signature = signer.sign_statement(body.as_bytes())?;
    Ok(Some(SignedConfiguration {
        certificate: base64::engine::general_purpose::STANDARD.encode(signer.certificate_der()),
        signature: hex::encode(signature),
        configuration: body,
    }))
}

/// A short line for the CLI: the version kiosks take next.
pub fn describe_version(version: Option<u64>) -> String {
    match version {
        Some(version) => {
            format!("kiosk configuration {version}: each kiosk takes it on its next sync, between two visitors")
        }
        None => "no kiosk configuration yet".to_owned(),
    }
}
