//! PostgreSQL: writing the trust's kiosk settings or a school's own, and a
//! school taking the trust's again; issuing the configurations they change
//! is in `configuration.rs` (the rules: [`crate::store::configuration`]).

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use signbook_core::record::format_utc;
use signbook_sync::configuration::WireResignRule;

use super::configuration::{issue_configuration, lock};
use super::sites::check_site_exists;
use super::{PgContext, PgStore};
use crate::error::Result;
use crate::store::configuration::{KioskSetting, SettingName};
use crate::store::sites::SiteId;

/// Saves `setting` in the trust's tables (no school) or the school's own;
/// returns its audit key and value.
pub(super) async fn save_setting(
    tx: &Transaction<'_>,
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
            let (name, days) = match rule {
                WireResignRule::EveryVisit => ("every_visit", None),
                WireResignRule::NewVersion => ("new_version", None),
                WireResignRule::AfterDays(days) => ("after_days", Some(*days)),
            };
            let days_column = days.map(i64::from);
            match site {
                None => tx.execute(
                    "INSERT INTO resign_rules (role, resign_rule, resign_days) VALUES ($1, $2, $3)
                     ON CONFLICT (role) DO UPDATE SET resign_rule = EXCLUDED.resign_rule, resign_days = EXCLUDED.resign_days",
                    &[role, &name, &days_column],
                ).await,
                Some(site) => tx.execute(
                    "INSERT INTO school_resign_rules (site_id, role, resign_rule, resign_days) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (site_id, role) DO UPDATE SET resign_rule = EXCLUDED.resign_rule, resign_days = EXCLUDED.resign_days",
                    &[&site.0, role, &name, &days_column],
                ).await,
            }
            .doing(DOING)?;
            return Ok((role.clone(), days.map_or(name.to_owned(), |d| format!("{name} {d}"))));
        }
        KioskSetting::PrivacyNotice(notice) => {
            match site {
                None => {
                    tx.execute(
                        "INSERT INTO kiosk_privacy_notice (singleton, english, welsh) VALUES (1, $1, $2)
                     ON CONFLICT (singleton) DO UPDATE SET english = EXCLUDED.english, welsh = EXCLUDED.welsh",
                        &[&notice.english, &notice.welsh],
                    )
                    .await
                }
                Some(site) => {
                    tx.execute(
                        "INSERT INTO school_privacy_notice (site_id, english, welsh) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id) DO UPDATE SET english = EXCLUDED.english, welsh = EXCLUDED.welsh",
                        &[&site.0, &notice.english, &notice.welsh],
                    )
                    .await
                }
            }
            .doing(DOING)?;
            // The audit names the change; the texts are in the configuration it issues.
            let summary = format!("{} bytes in English, {} in Welsh", notice.english.len(), notice.welsh.len());
            return Ok(("privacy_notice".into(), summary));
        }
    };
    match site {
        None => tx.execute(
            "INSERT INTO kiosk_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        ).await,
        Some(site) => tx.execute(
            "INSERT INTO school_kiosk_settings (site_id, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (site_id, key) DO UPDATE SET value = EXCLUDED.value",
            &[&site.0, &key, &value],
        ).await,
    }
    .doing(DOING)?;
    Ok((key.to_owned(), value))
}

pub(super) async fn audit_setting(
    tx: &Transaction<'_>,
    site: Option<SiteId>,
    actor: &str,
    now: DateTime<Utc>,
    detail: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, 'kiosk_setting', $3, $4)",
        &[&format_utc(&now), &actor, &detail, &site.map(|s| s.0)],
    )
    .await
    .doing("writing the audit log")?;
    Ok(())
}

/// The school stops setting `name` itself and takes the trust's again.
pub(super) async fn unset_school_setting(
    store: &PgStore,
    site: SiteId,
    name: &SettingName,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    const DOING: &str = "taking the trust's kiosk setting again";
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    lock(&tx).await?;
    check_site_exists(&tx, site).await?;
    let removed = match name {
        SettingName::ResignRule(role) => {
            tx.execute("DELETE FROM school_resign_rules WHERE site_id = $1 AND role = $2", &[&site.0, role]).await
        }
        SettingName::PrivacyNotice => {
            tx.execute("DELETE FROM school_privacy_notice WHERE site_id = $1", &[&site.0]).await
        }
        other => {
            tx.execute("DELETE FROM school_kiosk_settings WHERE site_id = $1 AND key = $2", &[&site.0, &other.column()])
                .await
        }
    }
    .doing(DOING)?;
    if removed > 0 {
        audit_setting(&tx, Some(site), actor, now, &format!("{} = the trust's", name.column())).await?;
    }
    let version = issue_configuration(&tx, site, actor, now, 0).await?;
    tx.commit().await.doing(DOING)?;
    Ok(version)
}

/// The settings this school sets itself.
pub(super) async fn school_setting_names(store: &PgStore, site: SiteId) -> Result<Vec<SettingName>> {
    const DOING: &str = "reading a school's own kiosk settings";
    let client = store.client().await?;
    let mut names = Vec::new();
    for row in
        client.query("SELECT key FROM school_kiosk_settings WHERE site_id = $1", &[&site.0]).await.doing(DOING)?
    {
        names.extend(SettingName::from_column(row.get(0)));
    }
    for row in client.query("SELECT role FROM school_resign_rules WHERE site_id = $1", &[&site.0]).await.doing(DOING)? {
        names.push(SettingName::ResignRule(row.get(0)));
    }
    if client
        .query_opt("SELECT 1 FROM school_privacy_notice WHERE site_id = $1", &[&site.0])
        .await
        .doing(DOING)?
        .is_some()
    {
        names.push(SettingName::PrivacyNotice);
    }
    names.sort();
    Ok(names)
}
