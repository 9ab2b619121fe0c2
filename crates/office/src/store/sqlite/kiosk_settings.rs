//! Writing the trust's kiosk settings or a school's own in SQLite, and a
//! school taking the trust's again; issuing the configurations they change
//! is in `configuration.rs` (the rules: [`crate::store::configuration`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use signbook_core::record::format_utc;
use signbook_sync::configuration::WireResignRule;

use super::Db;
use super::configuration::issue_configuration;
use crate::error::{DbContext, Result};
use crate::store::configuration::{KioskSetting, SettingName};
use crate::store::sites::SiteId;

impl Db {
    /// The school takes the trust's setting again.
    pub fn unset_school_setting(
        &mut self,
        site: SiteId,
        name: &SettingName,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        const DOING: &str = "taking the trust's kiosk setting again";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        super::sites::check_site_exists(&tx, site)?;
        let removed = match name {
            SettingName::ResignRule(role) => {
                tx.execute("DELETE FROM school_resign_rules WHERE site_id = ?1 AND role = ?2", params![site.0, role])
            }
            SettingName::PrivacyNotice => tx.execute("DELETE FROM school_privacy_notice WHERE site_id = ?1", [site.0]),
            other => tx.execute(
                "DELETE FROM school_kiosk_settings WHERE site_id = ?1 AND key = ?2",
                params![site.0, other.column()],
            ),
        }
        .doing(DOING)?;
        if removed > 0 {
            audit_setting(&tx, Some(site), actor, now, &format!("{} = the trust's", name.column()))?;
        }
        let version = issue_configuration(&tx, site, actor, now, 0)?;
        tx.commit().doing(DOING)?;
        Ok(version)
    }

    /// The settings this school sets itself.
    pub fn school_setting_names(&self, site: SiteId) -> Result<Vec<SettingName>> {
        const DOING: &str = "reading a school's own kiosk settings";
        let mut names = Vec::new();
        let mut stmt =
            self.conn.prepare_cached("SELECT key FROM school_kiosk_settings WHERE site_id = ?1").doing(DOING)?;
        for key in stmt.query_map([site.0], |r| r.get::<_, String>(0)).doing(DOING)? {
            names.extend(SettingName::from_column(&key.doing(DOING)?));
        }
        let mut stmt =
            self.conn.prepare_cached("SELECT role FROM school_resign_rules WHERE site_id = ?1").doing(DOING)?;
        for role in stmt.query_map([site.0], |r| r.get::<_, String>(0)).doing(DOING)? {
            names.push(SettingName::ResignRule(role.doing(DOING)?));
        }
        let notice = self
            .conn
            .query_row("SELECT 1 FROM school_privacy_notice WHERE site_id = ?1", [site.0], |_| Ok(()))
            .optional()
            .doing(DOING)?;
        if notice.is_some() {
            names.push(SettingName::PrivacyNotice);
        }
        names.sort();
        Ok(names)
    }
}

/// Writes the setting into the trust's tables (no school) or the school's
/// own; returns what the audit line names.
pub(super) fn save_setting(
    conn: &Connection,
    site: Option<SiteId>,
    setting: &KioskSetting,
) -> Result<(String, String)> {
    const DOING: &str = "saving a kiosk setting";
    let (key, value) = match setting {
        KioskSetting::SchoolName(name) => ("school_name", name.clone()),
        KioskSetting::IdleTimeoutSecs(secs) => ("idle_timeout_secs", secs.to_string()),
        KioskSetting::Roles(roles) => ("roles", roles.join(",")),
        KioskSetting::LocalRetentionDays(days) => ("local_retention_days", days.to_string()),
        KioskSetting::ResignRule(role, rule) => {
            let (name, days) = rule_columns(rule);
            match site {
                None => conn.execute(
                    "INSERT INTO resign_rules (role, resign_rule, resign_days) VALUES (?1, ?2, ?3)
                     ON CONFLICT (role) DO UPDATE SET resign_rule = excluded.resign_rule, resign_days = excluded.resign_days",
                    params![role, name, days],
                ),
                Some(site) => conn.execute(
                    "INSERT INTO school_resign_rules (site_id, role, resign_rule, resign_days) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (site_id, role) DO UPDATE SET resign_rule = excluded.resign_rule, resign_days = excluded.resign_days",
                    params![site.0, role, name, days],
                ),
            }
            .doing(DOING)?;
            return Ok((role.clone(), days.map_or(name.to_owned(), |d| format!("{name} {d}"))));
        }
        KioskSetting::PrivacyNotice(notice) => {
            match site {
                None => conn.execute(
                    "INSERT INTO kiosk_privacy_notice (singleton, english, welsh) VALUES (1, ?1, ?2)
                     ON CONFLICT (singleton) DO UPDATE SET english = excluded.english, welsh = excluded.welsh",
                    params![notice.english, notice.welsh],
                ),
                Some(site) => conn.execute(
                    "INSERT INTO school_privacy_notice (site_id, english, welsh) VALUES (?1, ?2, ?3)
                     ON CONFLICT (site_id) DO UPDATE SET english = excluded.english, welsh = excluded.welsh",
                    params![site.0, notice.english, notice.welsh],
                ),
            }
            .doing(DOING)?;
            // The audit names the change; the texts are in the configuration it issues.
            let summary = format!("{} bytes in English, {} in Welsh", notice.english.len(), notice.welsh.len());
            return Ok(("privacy_notice".into(), summary));
        }
    };
    match site {
        None => conn.execute(
            "INSERT INTO kiosk_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        ),
        Some(site) => conn.execute(
            "INSERT INTO school_kiosk_settings (site_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (site_id, key) DO UPDATE SET value = excluded.value",
            params![site.0, key, value],
        ),
    }
    .doing(DOING)?;
    Ok((key.to_owned(), value))
}

fn rule_columns(rule: &WireResignRule) -> (&'static str, Option<u32>) {
    match rule {
        WireResignRule::EveryVisit => ("every_visit", None),
        WireResignRule::NewVersion => ("new_version", None),
        WireResignRule::AfterDays(days) => ("after_days", Some(*days)),
    }
}

pub(super) fn audit_setting(
    conn: &Connection,
    site: Option<SiteId>,
    actor: &str,
    now: DateTime<Utc>,
    detail: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, 'kiosk_setting', ?3, ?4)",
        params![format_utc(&now), actor, detail, site.map(|s| s.0)],
    )
    .doing("writing the audit log")?;
    Ok(())
}
