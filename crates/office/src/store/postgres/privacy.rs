//! Retention, the purge, erasure and the audit log in PostgreSQL, as
//! `store/sqlite/privacy.rs` keeps them; the signed erasure log is in
//! [`super::erasure_log`].
//!
//! The audit log is append only (the schema's trigger refuses any change)
//! and read back by its identity id, the order lines were written. An
//! erasure's row is inserted `ON CONFLICT DO NOTHING`, so two servers
//! erasing one record at once (a purge on each, say) erase and log it once.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::Transaction;
use signbook_core::record::format_utc;
use signbook_core::role::Role;
use uuid::Uuid;

use super::shared::{big, drop_personal_data, unsigned};
use super::sites::{in_scope, scope_param};
use super::{PgContext, PgStore, erasure_log};
use crate::error::{OfficeError, Result};
use crate::store::privacy::{AuditEntry, PrivacyStore, PurgeReport, SignedOfficeErasure};
use crate::store::sites::{Scope, SiteId};
use crate::tls::OfficeSigner;

#[async_trait]
impl PrivacyStore for PgStore {
    async fn audit_for(
        &self,
        site: Option<SiteId>,
        actor: &str,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, $3, $4, $5)",
                &[&format_utc(&now), &actor, &action, &detail, &site.map(|s| s.0)],
            )
            .await
            .doing("writing the audit log")?;
        Ok(())
    }

    async fn audit_log(&self, scope: &Scope, limit: u64) -> Result<Vec<AuditEntry>> {
        // A trust-wide entry (no school) is only the trust's to read.
        let sql = format!(
            "SELECT at, actor, action, detail, site_id FROM audit_log WHERE {} ORDER BY id DESC LIMIT $1",
            in_scope("site_id", 2)
        );
        let rows = self
            .client()
            .await?
            .query(&sql, &[&big(limit)?, &scope_param(scope)])
            .await
            .doing("reading the audit log")?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                actor: r.get(1),
                action: r.get(2),
                detail: r.get(3),
                site: r.get::<_, Option<i64>>(4).map(SiteId),
            })
            .collect())
    }

    async fn erase_record(
        &self,
        scope: &Scope,
        device_id: Uuid,
        seq: u64,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const DOING: &str = "erasing a record";
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(OfficeError::InputInvalid(
                "give a reason for the erasure (for example \"erasure request 2026-14\"), at most 500 characters"
                    .into(),
            ));
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        // Another school's record is refused as one not held; the audit
        // line is the kiosk's school's, for its staff to read.
        let site: Option<i64> = tx
            .query_opt("SELECT site_id FROM devices WHERE device_id = $1", &[&device_id.hyphenated().to_string()])
            .await
            .doing(DOING)?
            .map(|r| r.get(0));
        let allowed = site.is_some_and(|site| scope.allows(SiteId(site)));
        if !allowed || !erase_in(&tx, device_id, seq, reason, actor, &format_utc(&now)).await? {
            return Err(OfficeError::InputInvalid(format!(
                "record {seq} of kiosk {device_id} is already erased (or not held)"
            )));
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, 'erasure', $3, $4)",
            &[&format_utc(&now), &actor, &format!("kiosk {device_id} record {seq}: {reason}"), &site],
        )
        .await
        .doing("writing the audit log")?;
        tx.commit().await.doing(DOING)
    }

    async fn sign_office_erasures(&self, signer: &OfficeSigner, now: DateTime<Utc>) -> Result<u64> {
        erasure_log::sign_office_erasures(self, signer, now).await
    }

    async fn office_erasure(&self, device_id: Uuid, seq: u64) -> Result<Option<SignedOfficeErasure>> {
        erasure_log::office_erasure(self, device_id, seq).await
    }

    async fn retention(&self, site: SiteId) -> Result<Vec<(String, u32)>> {
        const DOING: &str = "reading retention periods";
        let sql = "SELECT role, days FROM retention WHERE site_id = $1 ORDER BY role COLLATE \"C\"";
        let rows = self.client().await?.query(sql, &[&site.0]).await.doing(DOING)?;
        rows.iter().map(|r| Ok((r.get(0), days(r.get(1))?))).collect()
    }

    async fn set_retention(
        &self,
        site: SiteId,
        role: &str,
        days: Option<u32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const DOING: &str = "setting a retention period";
        let role = Role::new(role).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
        if days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(OfficeError::InputInvalid("a retention period is 1 to 36,500 days".into()));
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        let role_name = role.as_str();
        match days {
            Some(days) => {
                tx.execute(
                    "INSERT INTO retention (site_id, role, days) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id, role) DO UPDATE SET days = EXCLUDED.days",
                    &[&site.0, &role_name, &i64::from(days)],
                )
                .await
            }
            None => tx.execute("DELETE FROM retention WHERE site_id = $1 AND role = $2", &[&site.0, &role_name]).await,
        }
        .doing(DOING)?;
        let detail = match days {
            Some(days) => format!("{}: keep personal data {days} days", role.as_str()),
            None => format!("{}: keep personal data indefinitely", role.as_str()),
        };
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, 'retention_set', $3, $4)",
            &[&format_utc(&now), &actor, &detail, &site.0],
        )
        .await
        .doing("writing the audit log")?;
        tx.commit().await.doing(DOING)
    }

    async fn purge_expired(&self, actor: &str, now: DateTime<Utc>) -> Result<PurgeReport> {
        const DOING: &str = "purging expired personal data";
        let stamp = format_utc(&now);
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        let (mut sites, mut roles, mut cutoffs, mut reasons) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for row in tx.query("SELECT site_id, role, days FROM retention", &[]).await.doing(DOING)? {
            let (role, days): (String, u32) = (row.get(1), days(row.get(2))?);
            sites.push(row.get::<_, i64>(0));
            cutoffs.push(format_utc(&(now - Duration::days(i64::from(days)))));
            reasons.push(format!("retention period of {days} days for {role}"));
            roles.push(role);
        }
        let report = PurgeReport { erased: purge_due(&tx, (&sites, &roles, &cutoffs, &reasons), actor, &stamp).await? };
        let detail = if report.erased.is_empty() {
            "nothing was past its retention period".to_owned()
        } else {
            report.erased.iter().map(|(role, n)| format!("{role}: {n} records")).collect::<Vec<_>>().join(", ")
        };
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, 'retention_purge', $3)",
            &[&stamp, &actor, &detail],
        )
        .await
        .doing("writing the audit log")?;
        tx.commit().await.doing(DOING)?;
        Ok(report)
    }
}

/// A stored retention period, in days.
fn days(stored: i64) -> Result<u32> {
    u32::try_from(stored)
        .map_err(|_| OfficeError::Internal(format!("a stored retention period is out of range: {stored}")))
}

/// Each school's periods: school, role, cutoff and erasure reason, one
/// period a position.
type Periods<'a> = (&'a [i64], &'a [String], &'a [String], &'a [String]);

/// Erases every record signed before the cutoff of its role at its own
/// school (its kiosk's) that still has its personal data, in one
/// statement: the erasure rows, the records' tombstones and the search
/// index's keys together, as [`erase_in`] does for one (record by record,
/// 20,000 records took 19 to 81 s). Rows are erased in the order of their
/// key, so two servers purging at once wait for each other rather than
/// deadlock; a record the other erased first is skipped by `ON CONFLICT`
/// and not counted. Returns how many were erased per role, by role.
async fn purge_due(tx: &Transaction<'_>, periods: Periods<'_>, actor: &str, now: &str) -> Result<Vec<(String, u64)>> {
    const DOING: &str = "purging expired personal data";
    let (sites, roles, cutoffs, reasons) = periods;
    let rows = tx
        .query(
            "WITH p AS (
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS p(site_id, role, cutoff, reason)
             ), erased AS (
                INSERT INTO erasures (device_id, seq, reason, erased_at, received_at, origin, erased_by)
                SELECT r.device_id, r.seq, p.reason, $5, $5, 'office', $6 FROM records r
                  JOIN devices d ON d.device_id = r.device_id
                  JOIN p ON p.site_id = d.site_id AND p.role = r.role
                 WHERE r.signed_at < p.cutoff AND r.name IS NOT NULL
                 ORDER BY r.device_id COLLATE \"C\", r.seq
                ON CONFLICT DO NOTHING
                RETURNING device_id, seq
             ), tombstoned AS (
                UPDATE records r SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
                    signature_png = NULL, signature_salt = NULL
                  FROM erased e WHERE r.device_id = e.device_id AND r.seq = e.seq
             ), unindexed AS (
                UPDATE record_index i SET name_key = NULL, org_key = NULL
                  FROM erased e WHERE i.device_id = e.device_id AND i.seq = e.seq
             )
             SELECT r.role, count(*) FROM erased e JOIN records r ON r.device_id = e.device_id AND r.seq = e.seq
              GROUP BY r.role ORDER BY r.role COLLATE \"C\"",
            &[&sites, &roles, &cutoffs, &reasons, &now, &actor],
        )
        .await
        .doing(DOING)?;
    rows.iter().map(|r| Ok((r.get(0), unsigned(r.get(1))?))).collect()
}

/// Erases inside a transaction; `false` if already erased or not held.
async fn erase_in(
    tx: &Transaction<'_>,
    device_id: Uuid,
    seq: u64,
    reason: &str,
    actor: &str,
    now: &str,
) -> Result<bool> {
    let device = device_id.hyphenated().to_string();
    const DOING: &str = "erasing a record";
    let statement = tx
        .prepare_cached(
            "INSERT INTO erasures (device_id, seq, reason, erased_at, received_at, origin, erased_by)
             SELECT $1, $2, $3, $4, $4, 'office', $5
             WHERE EXISTS (SELECT 1 FROM records WHERE device_id = $1 AND seq = $2)
             ON CONFLICT DO NOTHING",
        )
        .await
        .doing(DOING)?;
    let inserted = tx.execute(&statement, &[&device, &big(seq)?, &reason, &now, &actor]).await.doing(DOING)?;
    if inserted == 0 {
        return Ok(false);
    }
    drop_personal_data(tx, &device, seq).await?;
    Ok(true)
}
