//! Kiosk settings and configuration versions in SQLite; the rules are in
//! [`crate::store::configuration`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use signbook_core::Hash32;
use signbook_core::privacy_notice::PrivacyNotice;
use signbook_core::record::format_utc;
use signbook_sync::configuration::{
    ConfigurationSettings, ConfigurationStatus, MAX_CONFIGURATION_ROLES, WireResignRule,
};
use uuid::Uuid;

use super::Db;
use super::agreements::CURRENT;
use crate::error::{DbContext, OfficeError, Result};
use crate::store::configuration::{
    ConfigurationContent, ContentAgreement, IssuedConfiguration, KioskConfiguration, KioskSetting,
};

impl Db {
    /// The latest configuration, issuing one first if the content changed
    /// without one (an office upgraded from before configurations).
    pub fn current_configuration(&mut self, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>> {
        const DOING: &str = "reading the kiosk configuration";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        issue_configuration(&tx, "office", now)?;
        let latest = latest(&tx)?;
        tx.commit().doing(DOING)?;
        Ok(latest)
    }

    /// The canonical texts of these versions.
    pub fn agreement_texts(&self, hashes: &[Hash32]) -> Result<BTreeMap<Hash32, String>> {
        const DOING: &str = "reading agreement texts";
        let mut stmt = self.conn.prepare_cached("SELECT text FROM agreements WHERE hash = ?1").doing(DOING)?;
        let mut out = BTreeMap::new();
        for hash in hashes {
            let text: Option<String> = stmt.query_row([hash.to_hex()], |r| r.get(0)).optional().doing(DOING)?;
            out.insert(*hash, text.ok_or(OfficeError::NotFound)?);
        }
        Ok(out)
    }

    /// Saves a setting, issues the next configuration and audits both.
    pub fn set_kiosk_setting(
        &mut self,
        setting: &KioskSetting,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        const DOING: &str = "saving a kiosk setting";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let (key, value) = match setting {
            KioskSetting::SchoolName(name) => ("school_name", name.clone()),
            KioskSetting::IdleTimeoutSecs(secs) => ("idle_timeout_secs", secs.to_string()),
            KioskSetting::Roles(roles) => ("roles", roles.join(",")),
            KioskSetting::LocalRetentionDays(days) => ("local_retention_days", days.to_string()),
            KioskSetting::ResignRule(role, rule) => {
                let (name, days) = match rule {
                    WireResignRule::EveryVisit => ("every_visit", None),
                    WireResignRule::NewVersion => ("new_version", None),
                    WireResignRule::AfterDays(days) => ("after_days", Some(*days)),
                };
                tx.execute(
                    "INSERT INTO resign_rules (role, resign_rule, resign_days) VALUES (?1, ?2, ?3)
                     ON CONFLICT (role) DO UPDATE SET resign_rule = excluded.resign_rule, resign_days = excluded.resign_days",
                    params![role, name, days],
                )
                .doing(DOING)?;
                (role.as_str(), days.map_or(name.to_owned(), |d| format!("{name} {d}")))
            }
            KioskSetting::PrivacyNotice(notice) => {
                tx.execute(
                    "INSERT INTO kiosk_privacy_notice (singleton, english, welsh) VALUES (1, ?1, ?2)
                     ON CONFLICT (singleton) DO UPDATE SET english = excluded.english, welsh = excluded.welsh",
                    params![notice.english, notice.welsh],
                )
                .doing(DOING)?;
                // The audit names the change; the texts are in the configuration it issues.
                let summary = format!("{} bytes in English, {} in Welsh", notice.english.len(), notice.welsh.len());
                ("privacy_notice", summary)
            }
        };
        if !matches!(setting, KioskSetting::ResignRule(..) | KioskSetting::PrivacyNotice(..)) {
            tx.execute(
                "INSERT INTO kiosk_settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .doing(DOING)?;
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'kiosk_setting', ?3)",
            params![format_utc(&now), actor, format!("{key} = {value}")],
        )
        .doing("writing the audit log")?;
        let version = issue_configuration(&tx, actor, now)?;
        tx.commit().doing(DOING)?;
        Ok(version)
    }

    /// What each kiosk last said it runs.
    pub fn kiosk_configurations(&self) -> Result<BTreeMap<Uuid, KioskConfiguration>> {
        const DOING: &str = "reading the kiosks' configurations";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT device_id, configuration_applied, configuration_current, configuration_reported_at
                 FROM devices WHERE configuration_reported_at IS NOT NULL",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
            })
            .doing(DOING)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (device, applied, current, reported_at) = row.doing(DOING)?;
            let current = serde_json::from_str(&current).unwrap_or_default();
            out.insert(
                Uuid::parse_str(&device).unwrap_or_default(),
                KioskConfiguration { applied, current, reported_at },
            );
        }
        Ok(out)
    }
}

/// Issues the next configuration if what the office holds differs from the
/// latest one, and audits it; returns the version now current (`None`:
/// nothing was ever set). Runs inside the caller's transaction.
pub(super) fn issue_configuration(conn: &Connection, actor: &str, now: DateTime<Utc>) -> Result<Option<u64>> {
    const DOING: &str = "issuing a kiosk configuration";
    let content = content(conn)?;
    let previous = latest(conn)?;
    match &previous {
        Some(previous) if previous.content == content => return Ok(Some(previous.version)),
        None if content.is_empty() => return Ok(None),
        _ => {}
    }
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    let json = serde_json::to_string(&content).map_err(|e| OfficeError::Internal(e.to_string()))?;
    conn.execute(
        "INSERT INTO configurations (version, content, issued_at, issued_by) VALUES (?1, ?2, ?3, ?4)",
        params![version, json, format_utc(&now), actor],
    )
    .doing(DOING)?;
    let current: Vec<String> =
        content.current.iter().map(|(role, hash)| format!("{role} {}", &hash.to_hex()[..12])).collect();
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'configuration_issued', ?3)",
        params![
            format_utc(&now),
            actor,
            format!(
                "kiosk configuration {version}: agreements {}",
                if current.is_empty() { "none".into() } else { current.join(", ") }
            )
        ],
    )
    .doing("writing the audit log")?;
    Ok(Some(version))
}

/// Keeps what a kiosk says it runs (at most [`MAX_CONFIGURATION_ROLES`] roles).
pub(super) fn note_kiosk_configuration(
    conn: &Connection,
    device_id: &str,
    status: &ConfigurationStatus,
    received: &str,
) -> Result<()> {
    let current: BTreeMap<_, _> = status.current.iter().take(MAX_CONFIGURATION_ROLES).collect();
    let current = serde_json::to_string(&current).map_err(|e| OfficeError::Internal(e.to_string()))?;
    conn.prepare_cached(
        "UPDATE devices SET configuration_applied = ?1, configuration_current = ?2, configuration_reported_at = ?3
         WHERE device_id = ?4",
    )
    .and_then(|mut s| s.execute(params![status.applied, current, received, device_id]))
    .doing("noting the kiosk's configuration")?;
    Ok(())
}

fn latest(conn: &Connection) -> Result<Option<IssuedConfiguration>> {
    const DOING: &str = "reading the kiosk configuration";
    let row: Option<(u64, String, String, String)> = conn
        .query_row(
            "SELECT version, content, issued_at, issued_by FROM configurations ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .doing(DOING)?;
    row.map(|(version, content, issued_at, issued_by)| {
        let content = serde_json::from_str(&content)
            .map_err(|e| OfficeError::Internal(format!("configuration {version} cannot be read: {e}")))?;
        Ok(IssuedConfiguration { version, content, issued_at, issued_by })
    })
    .transpose()
}

/// The privacy notice staff saved, if any.
fn privacy_notice(conn: &Connection) -> Result<Option<PrivacyNotice>> {
    conn.query_row("SELECT english, welsh FROM kiosk_privacy_notice WHERE singleton = 1", [], |r| {
        Ok(PrivacyNotice { english: r.get(0)?, welsh: r.get(1)? })
    })
    .optional()
    .doing("reading the privacy notice")
}

/// What the office holds now, as a configuration's content.
fn content(conn: &Connection) -> Result<ConfigurationContent> {
    const DOING: &str = "reading the kiosk configuration";
    let mut current = BTreeMap::new();
    let mut stmt = conn.prepare_cached(CURRENT).doing(DOING)?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).doing(DOING)? {
        let (role, hash) = row.doing(DOING)?;
        let hash = Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?;
        current.insert(role, hash);
    }
    let mut agreements: BTreeMap<Hash32, ContentAgreement> = BTreeMap::new();
    for (role, hash) in &current {
        if let Some(agreement) = agreements.get_mut(hash) {
            agreement.roles.push(role.clone());
            continue;
        }
        let title: String = conn
            .query_row("SELECT title FROM agreements WHERE hash = ?1", [hash.to_hex()], |r| r.get(0))
            .doing(DOING)?;
        agreements.insert(*hash, ContentAgreement { hash: *hash, title, roles: vec![role.clone()] });
    }
    let mut resign_rules = BTreeMap::new();
    let mut stmt = conn.prepare_cached("SELECT role, resign_rule, resign_days FROM resign_rules").doing(DOING)?;
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<u32>>(2)?)))
        .doing(DOING)?
    {
        let (role, rule, days) = row.doing(DOING)?;
        let rule = match (rule.as_str(), days) {
            ("every_visit", _) => WireResignRule::EveryVisit,
            ("after_days", Some(days)) => WireResignRule::AfterDays(days),
            _ => WireResignRule::NewVersion,
        };
        resign_rules.insert(role, rule);
    }
    let setting = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM kiosk_settings WHERE key = ?1", [key], |r| r.get(0)).optional().doing(DOING)
    };
    let settings = ConfigurationSettings {
        school_name: setting("school_name")?,
        idle_timeout_secs: setting("idle_timeout_secs")?.and_then(|v| v.parse().ok()),
        roles: setting("roles")?.map(|v| v.split(',').map(str::to_owned).collect()),
        privacy_notice: privacy_notice(conn)?,
        local_retention_days: setting("local_retention_days")?.and_then(|v| v.parse().ok()),
    };
    Ok(ConfigurationContent { agreements: agreements.into_values().collect(), current, resign_rules, settings })
}
