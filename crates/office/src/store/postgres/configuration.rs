//! PostgreSQL: the counterpart of `store/sqlite/configuration.rs`. Kiosk
//! settings and configuration versions; the rules are in
//! [`crate::store::configuration`].
//!
//! Two servers must never issue the same version twice: every transaction
//! that changes what a configuration says, or issues one, takes the
//! configuration lock ([`lock`]) first, and a version is numbered only under it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use signbook_core::Hash32;
use signbook_core::privacy_notice::PrivacyNotice;
use signbook_core::record::format_utc;
use signbook_sync::configuration::{
    ConfigurationSettings, ConfigurationStatus, MAX_CONFIGURATION_ROLES, WireResignRule,
};
use uuid::Uuid;

use super::agreements::current_at;
use super::shared::{big, unsigned};
use super::sites::check_site_exists;
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::configuration::{
    ConfigurationContent, ConfigurationStore, ContentAgreement, IssuedConfiguration, KioskConfiguration, KioskSetting,
    SettingName, SettingsFor, issued_detail, shown_school_name, trust_has_no_school_name,
};
use crate::store::sites::SiteId;

/// Key of the transaction advisory lock held while issuing ("SBOC").
const CONFIGURATION_LOCK: i64 = 0x5342_4F43;

/// Takes the configuration lock until the transaction ends. Taken after a
/// kiosk's row lock, never before one, so the two cannot deadlock.
pub(super) async fn lock(tx: &Transaction<'_>) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CONFIGURATION_LOCK]).await.doing("locking the configuration")?;
    Ok(())
}

/// Issues the next configuration of every school whose kiosks take
/// something new (a change to the trust's settings or agreements); returns
/// the latest version now current. The caller holds the lock.
pub(super) async fn issue_for_every_school(
    tx: &Transaction<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    let sites = tx.query("SELECT id FROM sites ORDER BY id", &[]).await.doing("reading the schools")?;
    let mut latest = None;
    for site in sites {
        latest = latest.max(issue_configuration(tx, SiteId(site.get(0)), actor, now, 0).await?);
    }
    Ok(latest)
}

/// Issues the next configuration of this school's kiosks if what they take
/// differs from their latest one, numbered above every version issued (and
/// above `above`), and audits it; returns the version now current (`None`:
/// nothing was ever set). Runs inside the caller's transaction.
pub(super) async fn issue_configuration(
    tx: &Transaction<'_>,
    site: SiteId,
    actor: &str,
    now: DateTime<Utc>,
    above: u64,
) -> Result<Option<u64>> {
    const DOING: &str = "issuing a kiosk configuration";
    let unchanged = |previous: &Option<IssuedConfiguration>, held: &ConfigurationContent| match previous {
        Some(previous) if previous.content == *held && previous.version > above => Some(Some(previous.version)),
        None if held.is_empty() => Some(None),
        _ => None,
    };
    // Nothing changed (every push asks): no lock, so pushes never queue here.
    if let Some(current) = unchanged(&latest(tx, site).await?, &content(tx, Some(site)).await?) {
        return Ok(current);
    }
    // Read again under the lock: another server may have issued meanwhile.
    lock(tx).await?;
    let content = content(tx, Some(site)).await?;
    if let Some(current) = unchanged(&latest(tx, site).await?, &content) {
        return Ok(current);
    }
    let highest: i64 =
        tx.query_one("SELECT coalesce(max(version), 0) FROM configurations", &[]).await.doing(DOING)?.get(0);
    let version = unsigned(highest)?.max(above) + 1;
    let json = serde_json::to_string(&content).map_err(|e| OfficeError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO configurations (version, content, issued_at, issued_by, site_id) VALUES ($1, $2, $3, $4, $5)",
        &[&big(version)?, &json, &format_utc(&now), &actor, &site.0],
    )
    .await
    .doing(DOING)?;
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, 'configuration_issued', $3, $4)",
        &[&format_utc(&now), &actor, &issued_detail(version, &content), &site.0],
    )
    .await
    .doing("writing the audit log")?;
    Ok(Some(version))
}

/// Keeps what a kiosk says it runs (at most [`MAX_CONFIGURATION_ROLES`] roles).
pub(super) async fn note_kiosk_configuration(
    tx: &Transaction<'_>,
    device_id: &str,
    status: &ConfigurationStatus,
    received: &str,
) -> Result<()> {
    const DOING: &str = "noting the kiosk's configuration";
    let current: BTreeMap<_, _> = status.current.iter().take(MAX_CONFIGURATION_ROLES).collect();
    let current = serde_json::to_string(&current).map_err(|e| OfficeError::Internal(e.to_string()))?;
    let statement = tx
        .prepare_cached(
            "UPDATE devices SET configuration_applied = $1, configuration_current = $2, configuration_reported_at = $3
             WHERE device_id = $4",
        )
        .await
        .doing(DOING)?;
    tx.execute(&statement, &[&big(status.applied)?, &current, &received, &device_id]).await.doing(DOING)?;
    Ok(())
}

async fn latest(client: &impl GenericClient, site: SiteId) -> Result<Option<IssuedConfiguration>> {
    const DOING: &str = "reading the kiosk configuration";
    let statement = client
        .prepare_cached(
            "SELECT version, content, issued_at, issued_by FROM configurations
             WHERE site_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .await
        .doing(DOING)?;
    let Some(row) = client.query_opt(&statement, &[&site.0]).await.doing(DOING)? else { return Ok(None) };
    let version = unsigned(row.get(0))?;
    let content = serde_json::from_str(row.get(1))
        .map_err(|e| OfficeError::Internal(format!("configuration {version} cannot be read: {e}")))?;
    Ok(Some(IssuedConfiguration { version, content, issued_at: row.get(2), issued_by: row.get(3) }))
}

/// What this school's kiosks take now, as a configuration's content: the
/// trust's settings with the school's own over them. For no school, the
/// trust's own (`site_id = NULL` matches no row of a school's own).
async fn content(client: &impl GenericClient, site: Option<SiteId>) -> Result<ConfigurationContent> {
    let site = site.map(|s| s.0);
    const DOING: &str = "reading the kiosk configuration";
    let mut current = BTreeMap::new();
    for (role, hash) in current_at(client, site.map(SiteId)).await? {
        current.insert(role, Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?);
    }
    let mut agreements: BTreeMap<Hash32, ContentAgreement> = BTreeMap::new();
    let title = client.prepare_cached("SELECT title FROM agreements WHERE hash = $1").await.doing(DOING)?;
    for (role, hash) in &current {
        if let Some(agreement) = agreements.get_mut(hash) {
            agreement.roles.push(role.clone());
            continue;
        }
        let title: String = client.query_one(&title, &[&hash.to_hex()]).await.doing(DOING)?.get(0);
        agreements.insert(*hash, ContentAgreement { hash: *hash, title, roles: vec![role.clone()] });
    }
    let mut resign_rules = BTreeMap::new();
    // The trust's first, then the school's own over them.
    let rules = client
        .prepare_cached(
            "SELECT role, resign_rule, resign_days, 0 AS own FROM resign_rules
             UNION ALL SELECT role, resign_rule, resign_days, 1 FROM school_resign_rules WHERE site_id = $1
             ORDER BY own",
        )
        .await
        .doing(DOING)?;
    for row in client.query(&rules, &[&site]).await.doing(DOING)? {
        let days = row.get::<_, Option<i64>>(2).and_then(|d| u32::try_from(d).ok());
        let rule = match (row.get::<_, &str>(1), days) {
            ("every_visit", _) => WireResignRule::EveryVisit,
            ("after_days", Some(days)) => WireResignRule::AfterDays(days),
            _ => WireResignRule::NewVersion,
        };
        resign_rules.insert(row.get(0), rule);
    }
    let mut settings: BTreeMap<String, String> = BTreeMap::new();
    let all = client
        .prepare_cached(
            "SELECT key, value, 0 AS own FROM kiosk_settings
             UNION ALL SELECT key, value, 1 FROM school_kiosk_settings WHERE site_id = $1
             ORDER BY own",
        )
        .await
        .doing(DOING)?;
    for row in client.query(&all, &[&site]).await.doing(DOING)? {
        settings.insert(row.get(0), row.get(1));
    }
    let name = client.prepare_cached("SELECT name FROM sites WHERE id = $1").await.doing(DOING)?;
    let name: Option<String> = client.query_opt(&name, &[&site]).await.doing(DOING)?.map(|r| r.get(0));
    let notice = client
        .prepare_cached(
            "SELECT english, welsh FROM (
                 SELECT english, welsh, 1 AS own FROM school_privacy_notice WHERE site_id = $1
                 UNION ALL SELECT english, welsh, 0 FROM kiosk_privacy_notice WHERE singleton = 1
             ) AS notices ORDER BY own DESC LIMIT 1",
        )
        .await
        .doing("reading the privacy notice")?;
    let privacy_notice = client
        .query_opt(&notice, &[&site])
        .await
        .doing("reading the privacy notice")?
        .map(|r| PrivacyNotice { english: r.get(0), welsh: r.get(1) });
    let settings = ConfigurationSettings {
        school_name: settings.get("school_name").cloned().or_else(|| shown_school_name(name)),
        idle_timeout_secs: settings.get("idle_timeout_secs").and_then(|v| v.parse().ok()),
        roles: settings.get("roles").map(|v| v.split(',').map(str::to_owned).collect()),
        privacy_notice,
        local_retention_days: settings.get("local_retention_days").and_then(|v| v.parse().ok()),
    };
    Ok(ConfigurationContent { agreements: agreements.into_values().collect(), current, resign_rules, settings })
}

#[async_trait]
impl ConfigurationStore for PgStore {
    async fn current_configuration(&self, site: SiteId, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>> {
        const DOING: &str = "reading the kiosk configuration";
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        issue_configuration(&tx, site, "office", now, 0).await?;
        let latest = latest(&tx, site).await?;
        tx.commit().await.doing(DOING)?;
        Ok(latest)
    }

    async fn agreement_texts(&self, hashes: Vec<Hash32>) -> Result<BTreeMap<Hash32, String>> {
        const DOING: &str = "reading agreement texts";
        let client = self.client().await?;
        let statement = client.prepare_cached("SELECT text FROM agreements WHERE hash = $1").await.doing(DOING)?;
        let mut out = BTreeMap::new();
        for hash in hashes {
            let text = client.query_opt(&statement, &[&hash.to_hex()]).await.doing(DOING)?;
            out.insert(hash, text.ok_or(OfficeError::NotFound)?.get(0));
        }
        Ok(out)
    }

    async fn set_kiosk_setting(
        &self,
        target: SettingsFor,
        setting: KioskSetting,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        const DOING: &str = "saving a kiosk setting";
        let site = match target {
            SettingsFor::Trust if matches!(setting, KioskSetting::SchoolName(_)) => {
                return Err(trust_has_no_school_name());
            }
            SettingsFor::Trust => None,
            SettingsFor::School(site) => Some(site),
        };
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        lock(&tx).await?;
        if let Some(site) = site {
            check_site_exists(&tx, site).await?;
        }
        let (key, value) = super::kiosk_settings::save_setting(&tx, site, &setting).await?;
        super::kiosk_settings::audit_setting(&tx, site, actor, now, &format!("{key} = {value}")).await?;
        let version = match site {
            Some(site) => issue_configuration(&tx, site, actor, now, 0).await?,
            None => issue_for_every_school(&tx, actor, now).await?,
        };
        tx.commit().await.doing(DOING)?;
        Ok(version)
    }

    async fn unset_school_setting(
        &self,
        site: SiteId,
        name: SettingName,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        super::kiosk_settings::unset_school_setting(self, site, &name, actor, now).await
    }

    async fn school_setting_names(&self, site: SiteId) -> Result<Vec<SettingName>> {
        super::kiosk_settings::school_setting_names(self, site).await
    }

    async fn settings_content(&self, target: SettingsFor) -> Result<ConfigurationContent> {
        let client = self.client().await?;
        content(
            &client,
            match target {
                SettingsFor::Trust => None,
                SettingsFor::School(site) => Some(site),
            },
        )
        .await
    }

    async fn kiosk_configurations(&self) -> Result<BTreeMap<Uuid, KioskConfiguration>> {
        const DOING: &str = "reading the kiosks' configurations";
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT device_id, configuration_applied, configuration_current, configuration_reported_at
                 FROM devices WHERE configuration_reported_at IS NOT NULL",
                &[],
            )
            .await
            .doing(DOING)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let applied = unsigned(row.get::<_, Option<i64>>(1).unwrap_or(0))?;
            let current = row.get::<_, Option<&str>>(2).and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            out.insert(
                Uuid::parse_str(row.get(0)).unwrap_or_default(),
                KioskConfiguration { applied, current, reported_at: row.get(3) },
            );
        }
        Ok(out)
    }
}
