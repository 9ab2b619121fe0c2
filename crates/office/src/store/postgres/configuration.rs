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

use super::agreements::current_agreements;
use super::shared::{big, unsigned};
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::configuration::{
    ConfigurationContent, ConfigurationStore, ContentAgreement, IssuedConfiguration, KioskConfiguration, KioskSetting,
};

/// Key of the transaction advisory lock held while issuing ("SBOC").
const CONFIGURATION_LOCK: i64 = 0x5342_4F43;

/// Takes the configuration lock until the transaction ends. Taken after a
/// kiosk's row lock, never before one, so the two cannot deadlock.
pub(super) async fn lock(tx: &Transaction<'_>) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CONFIGURATION_LOCK]).await.doing("locking the configuration")?;
    Ok(())
}

/// Issues the next configuration if what the office holds differs from the
/// latest one, and audits it; returns the version now current (`None`:
/// nothing was ever set). Runs inside the caller's transaction.
pub(super) async fn issue_configuration(tx: &Transaction<'_>, actor: &str, now: DateTime<Utc>) -> Result<Option<u64>> {
    const DOING: &str = "issuing a kiosk configuration";
    // Nothing changed (every push asks): no lock, so pushes never queue here.
    let held = content(tx).await?;
    match latest(tx).await? {
        Some(previous) if previous.content == held => return Ok(Some(previous.version)),
        None if held.is_empty() => return Ok(None),
        _ => {}
    }
    // Read again under the lock: another server may have issued meanwhile.
    lock(tx).await?;
    let content = content(tx).await?;
    let previous = latest(tx).await?;
    match &previous {
        Some(previous) if previous.content == content => return Ok(Some(previous.version)),
        None if content.is_empty() => return Ok(None),
        _ => {}
    }
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    let json = serde_json::to_string(&content).map_err(|e| OfficeError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO configurations (version, content, issued_at, issued_by) VALUES ($1, $2, $3, $4)",
        &[&big(version)?, &json, &format_utc(&now), &actor],
    )
    .await
    .doing(DOING)?;
    let current: Vec<String> =
        content.current.iter().map(|(role, hash)| format!("{role} {}", &hash.to_hex()[..12])).collect();
    let detail = format!(
        "kiosk configuration {version}: agreements {}",
        if current.is_empty() { "none".into() } else { current.join(", ") }
    );
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, 'configuration_issued', $3)",
        &[&format_utc(&now), &actor, &detail],
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

async fn latest(client: &impl GenericClient) -> Result<Option<IssuedConfiguration>> {
    const DOING: &str = "reading the kiosk configuration";
    let statement = client
        .prepare_cached(
            "SELECT version, content, issued_at, issued_by FROM configurations ORDER BY version DESC LIMIT 1",
        )
        .await
        .doing(DOING)?;
    let Some(row) = client.query_opt(&statement, &[]).await.doing(DOING)? else { return Ok(None) };
    let version = unsigned(row.get(0))?;
    let content = serde_json::from_str(row.get(1))
        .map_err(|e| OfficeError::Internal(format!("configuration {version} cannot be read: {e}")))?;
    Ok(Some(IssuedConfiguration { version, content, issued_at: row.get(2), issued_by: row.get(3) }))
}

/// What the office holds now, as a configuration's content.
async fn content(client: &impl GenericClient) -> Result<ConfigurationContent> {
    const DOING: &str = "reading the kiosk configuration";
    let mut current = BTreeMap::new();
    for (role, hash) in current_agreements(client).await? {
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
    let rules = client.prepare_cached("SELECT role, resign_rule, resign_days FROM resign_rules").await.doing(DOING)?;
    for row in client.query(&rules, &[]).await.doing(DOING)? {
        let days = row.get::<_, Option<i64>>(2).and_then(|d| u32::try_from(d).ok());
        let rule = match (row.get::<_, &str>(1), days) {
            ("every_visit", _) => WireResignRule::EveryVisit,
            ("after_days", Some(days)) => WireResignRule::AfterDays(days),
            _ => WireResignRule::NewVersion,
        };
        resign_rules.insert(row.get(0), rule);
    }
    let mut settings: BTreeMap<String, String> = BTreeMap::new();
    let all = client.prepare_cached("SELECT key, value FROM kiosk_settings").await.doing(DOING)?;
    for row in client.query(&all, &[]).await.doing(DOING)? {
        settings.insert(row.get(0), row.get(1));
    }
    let notice = client
        .prepare_cached("SELECT english, welsh FROM kiosk_privacy_notice WHERE singleton = 1")
        .await
        .doing("reading the privacy notice")?;
    let privacy_notice = client
        .query_opt(&notice, &[])
        .await
        .doing("reading the privacy notice")?
        .map(|r| PrivacyNotice { english: r.get(0), welsh: r.get(1) });
    let settings = ConfigurationSettings {
        school_name: settings.get("school_name").cloned(),
        idle_timeout_secs: settings.get("idle_timeout_secs").and_then(|v| v.parse().ok()),
        roles: settings.get("roles").map(|v| v.split(',').map(str::to_owned).collect()),
        privacy_notice,
        local_retention_days: settings.get("local_retention_days").and_then(|v| v.parse().ok()),
    };
    Ok(ConfigurationContent { agreements: agreements.into_values().collect(), current, resign_rules, settings })
}

/// Saves `setting` in its table; returns its audit key and value.
async fn save_setting(tx: &Transaction<'_>, setting: &KioskSetting) -> Result<(String, String)> {
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
            tx.execute(
                "INSERT INTO resign_rules (role, resign_rule, resign_days) VALUES ($1, $2, $3)
                 ON CONFLICT (role) DO UPDATE SET resign_rule = EXCLUDED.resign_rule, resign_days = EXCLUDED.resign_days",
                &[role, &name, &days.map(i64::from)],
            )
            .await
            .doing(DOING)?;
            return Ok((role.clone(), days.map_or(name.to_owned(), |d| format!("{name} {d}"))));
        }
        KioskSetting::PrivacyNotice(notice) => {
            tx.execute(
                "INSERT INTO kiosk_privacy_notice (singleton, english, welsh) VALUES (1, $1, $2)
                 ON CONFLICT (singleton) DO UPDATE SET english = EXCLUDED.english, welsh = EXCLUDED.welsh",
                &[&notice.english, &notice.welsh],
            )
            .await
            .doing(DOING)?;
            // The audit names the change; the texts are in the configuration it issues.
            let summary = format!("{} bytes in English, {} in Welsh", notice.english.len(), notice.welsh.len());
            return Ok(("privacy_notice".into(), summary));
        }
    };
    tx.execute(
        "INSERT INTO kiosk_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&key, &value],
    )
    .await
    .doing(DOING)?;
    Ok((key.to_owned(), value))
}

#[async_trait]
impl ConfigurationStore for PgStore {
    async fn current_configuration(&self, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>> {
        const DOING: &str = "reading the kiosk configuration";
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        issue_configuration(&tx, "office", now).await?;
        let latest = latest(&tx).await?;
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

    async fn set_kiosk_setting(&self, setting: KioskSetting, actor: &str, now: DateTime<Utc>) -> Result<Option<u64>> {
        const DOING: &str = "saving a kiosk setting";
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        lock(&tx).await?;
        let (key, value) = save_setting(&tx, &setting).await?;
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, 'kiosk_setting', $3)",
            &[&format_utc(&now), &actor, &format!("{key} = {value}")],
        )
        .await
        .doing("writing the audit log")?;
        let version = issue_configuration(&tx, actor, now).await?;
        tx.commit().await.doing(DOING)?;
        Ok(version)
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
