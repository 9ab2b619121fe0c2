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
    ConfigurationContent, ContentAgreement, IssuedConfiguration, KioskConfiguration, KioskSetting, SettingsFor,
    issued_detail, shown_school_name, trust_has_no_school_name,
};
use crate::store::sites::SiteId;

impl Db {
    /// The latest configuration of this school's kiosks, issuing one first
    /// if what they take changed without one (an office upgraded from
    /// before configurations, a school renamed, a trust's setting changed).
    pub fn current_configuration(&mut self, site: SiteId, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>> {
        const DOING: &str = "reading the kiosk configuration";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        issue_configuration(&tx, site, "office", now, 0)?;
        let latest = latest(&tx, site)?;
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

    /// Saves a setting for the trust or one school, issues the next
    /// configuration of each school it changes and audits both.
    pub fn set_kiosk_setting(
        &mut self,
        target: SettingsFor,
        setting: &KioskSetting,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        const DOING: &str = "saving a kiosk setting";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let site = match target {
            SettingsFor::Trust if matches!(setting, KioskSetting::SchoolName(_)) => {
                return Err(trust_has_no_school_name());
            }
            SettingsFor::Trust => None,
            SettingsFor::School(site) => {
                super::sites::check_site_exists(&tx, site)?;
                Some(site)
            }
        };
        let (key, value) = super::kiosk_settings::save_setting(&tx, site, setting)?;
        super::kiosk_settings::audit_setting(&tx, site, actor, now, &format!("{key} = {value}"))?;
        let version = match site {
            Some(site) => issue_configuration(&tx, site, actor, now, 0)?,
            None => issue_for_every_school(&tx, actor, now)?,
        };
        tx.commit().doing(DOING)?;
        Ok(version)
    }

    /// What a school's kiosks take now, or the trust's own settings.
    pub fn settings_content(&self, target: SettingsFor) -> Result<ConfigurationContent> {
        content(
            &self.conn,
            match target {
                SettingsFor::Trust => None,
                SettingsFor::School(site) => Some(site),
            },
        )
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

/// Issues the next configuration of every school whose kiosks take
/// something new (a change to the trust's settings or agreements); returns
/// the latest version now current.
pub(super) fn issue_for_every_school(conn: &Connection, actor: &str, now: DateTime<Utc>) -> Result<Option<u64>> {
    let sites: Vec<i64> = conn
        .prepare_cached("SELECT id FROM sites ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .doing("reading the schools")?;
    let mut latest = None;
    for site in sites {
        latest = latest.max(issue_configuration(conn, SiteId(site), actor, now, 0)?);
    }
    Ok(latest)
}

/// Issues the next configuration of this school's kiosks if what they take
/// differs from their latest one, numbered above every version issued (and
/// above `above`), and audits it; returns the version now current (`None`:
/// nothing was ever set). Runs inside the caller's transaction.
pub(super) fn issue_configuration(
    conn: &Connection,
    site: SiteId,
    actor: &str,
    now: DateTime<Utc>,
    above: u64,
) -> Result<Option<u64>> {
    const DOING: &str = "issuing a kiosk configuration";
    let content = content(conn, Some(site))?;
    let previous = latest(conn, site)?;
    match &previous {
        Some(previous) if previous.content == content && previous.version > above => {
            return Ok(Some(previous.version));
        }
        None if content.is_empty() => return Ok(None),
        _ => {}
    }
    let highest: u64 =
        conn.query_row("SELECT coalesce(max(version), 0) FROM configurations", [], |r| r.get(0)).doing(DOING)?;
    let version = highest.max(above) + 1;
    let json = serde_json::to_string(&content).map_err(|e| OfficeError::Internal(e.to_string()))?;
    conn.execute(
        "INSERT INTO configurations (version, content, issued_at, issued_by, site_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![version, json, format_utc(&now), actor, site.0],
    )
    .doing(DOING)?;
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, 'configuration_issued', ?3, ?4)",
        params![format_utc(&now), actor, issued_detail(version, &content), site.0],
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

fn latest(conn: &Connection, site: SiteId) -> Result<Option<IssuedConfiguration>> {
    const DOING: &str = "reading the kiosk configuration";
    let row: Option<(u64, String, String, String)> = conn
        .query_row(
            "SELECT version, content, issued_at, issued_by FROM configurations
             WHERE site_id = ?1 ORDER BY version DESC LIMIT 1",
            [site.0],
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

/// The privacy notice this school's kiosks show: its own, else the trust's.
fn privacy_notice(conn: &Connection, site: Option<i64>) -> Result<Option<PrivacyNotice>> {
    let read = |r: &rusqlite::Row<'_>| Ok(PrivacyNotice { english: r.get(0)?, welsh: r.get(1)? });
    let own = conn
        .query_row("SELECT english, welsh FROM school_privacy_notice WHERE site_id = ?1", [site], read)
        .optional()
        .doing("reading the privacy notice")?;
    match own {
        Some(own) => Ok(Some(own)),
        None => conn
            .query_row("SELECT english, welsh FROM kiosk_privacy_notice WHERE singleton = 1", [], read)
            .optional()
            .doing("reading the privacy notice"),
    }
}

/// What this school's kiosks take now, as a configuration's content; for
/// no school, the trust's own settings (`site_id = NULL` matches no row of
/// a school's own).
pub(super) fn content(conn: &Connection, site: Option<SiteId>) -> Result<ConfigurationContent> {
    let site = site.map(|s| s.0);
    const DOING: &str = "reading the kiosk configuration";
    let mut current = BTreeMap::new();
    let mut stmt = conn.prepare_cached(CURRENT).doing(DOING)?;
    for row in stmt.query_map([site], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).doing(DOING)? {
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
    // The trust's first, then the school's own over them.
    let mut stmt = conn
        .prepare_cached(
            "SELECT role, resign_rule, resign_days FROM resign_rules
             UNION ALL SELECT role, resign_rule, resign_days FROM school_resign_rules WHERE site_id = ?1",
        )
        .doing(DOING)?;
    for row in stmt
        .query_map([site], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<u32>>(2)?)))
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
    // The school's own, else the trust's.
    let setting = |key: &str| -> Result<Option<String>> {
        conn.query_row(
            "SELECT coalesce((SELECT value FROM school_kiosk_settings WHERE site_id = ?1 AND key = ?2),
                             (SELECT value FROM kiosk_settings WHERE key = ?2))",
            params![site, key],
            |r| r.get(0),
        )
        .doing(DOING)
    };
    let name: Option<String> =
        conn.query_row("SELECT name FROM sites WHERE id = ?1", [site], |r| r.get(0)).optional().doing(DOING)?;
    let settings = ConfigurationSettings {
        school_name: setting("school_name")?.or_else(|| shown_school_name(name)),
        idle_timeout_secs: setting("idle_timeout_secs")?.and_then(|v| v.parse().ok()),
        roles: setting("roles")?.map(|v| v.split(',').map(str::to_owned).collect()),
        privacy_notice: privacy_notice(conn, site)?,
        local_retention_days: setting("local_retention_days")?.and_then(|v| v.parse().ok()),
    };
    Ok(ConfigurationContent { agreements: agreements.into_values().collect(), current, resign_rules, settings })
}
