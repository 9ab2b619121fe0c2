//! Retention, the purge, erasure and the audit log in SQLite.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use signbook_core::record::format_utc;
use signbook_core::role::Role;
use uuid::Uuid;

use super::Db;
use super::sites::{in_scope, scope_param};
use crate::error::{DbContext, OfficeError, Result};
use crate::store::privacy::{AuditEntry, PurgeReport};
use crate::store::sites::{Scope, SiteId};

impl Db {
    /// Appends a line to the audit log, about `site` or (`None`) the trust.
    pub fn audit(
        &mut self,
        site: Option<SiteId>,
        actor: &str,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![format_utc(&now), actor, action, detail, site.map(|s| s.0)],
            )
            .doing("writing the audit log")?;
        Ok(())
    }

    /// The audit log of `scope`'s schools, newest first.
    pub fn audit_log(&self, scope: &Scope, limit: u64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT at, actor, action, detail, site_id FROM audit_log WHERE {} ORDER BY id DESC LIMIT ?1",
                in_scope("site_id", 2)
            ))
            .doing("reading the audit log")?;
        let rows = stmt
            .query_map(params![limit, scope_param(scope)], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                    site: r.get::<_, Option<i64>>(4)?.map(SiteId),
                })
            })
            .doing("reading the audit log")?;
        rows.collect::<rusqlite::Result<_>>().doing("reading the audit log")
    }

    /// Erases one record's personal data at the office's request. The
    /// kiosk's own copy is erased by its admin (`signbook erase`).
    pub fn erase_record(
        &mut self,
        scope: &Scope,
        device_id: Uuid,
        seq: u64,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(OfficeError::InputInvalid(
                "give a reason for the erasure (for example \"erasure request 2026-14\"), at most 500 characters"
                    .into(),
            ));
        }
        let tx = self.conn.transaction().doing("erasing a record")?;
        let site: Option<i64> = tx
            .query_row("SELECT site_id FROM devices WHERE device_id = ?1", [device_id.hyphenated().to_string()], |r| {
                r.get(0)
            })
            .optional()
            .doing("erasing a record")?;
        let in_scope = site.is_some_and(|site| scope.allows(SiteId(site)));
        if !in_scope || !erase_in(&tx, device_id, seq, reason, actor, &format_utc(&now))? {
            return Err(OfficeError::InputInvalid(format!(
                "record {seq} of kiosk {device_id} is already erased (or not held)"
            )));
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, 'erasure', ?3, ?4)",
            params![format_utc(&now), actor, format!("kiosk {device_id} record {seq}: {reason}"), site],
        )
        .doing("writing the audit log")?;
        tx.commit().doing("erasing a record")
    }

    /// `site`'s retention periods in days, by role.
    pub fn retention(&self, site: SiteId) -> Result<Vec<(String, u32)>> {
        const DOING: &str = "reading retention periods";
        let mut stmt =
            self.conn.prepare("SELECT role, days FROM retention WHERE site_id = ?1 ORDER BY role").doing(DOING)?;
        let rows = stmt.query_map([site.0], |r| Ok((r.get(0)?, r.get(1)?))).doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }

    /// Sets (or with `None` clears) the retention period of a role at `site`.
    pub fn set_retention(
        &mut self,
        site: SiteId,
        role: &str,
        days: Option<u32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let role = Role::new(role).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
        if days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(OfficeError::InputInvalid("a retention period is 1 to 36,500 days".into()));
        }
        let tx = self.conn.transaction().doing("setting a retention period")?;
        match days {
            Some(days) => tx.execute(
                "INSERT OR REPLACE INTO retention (site_id, role, days) VALUES (?1, ?2, ?3)",
                params![site.0, role.as_str(), days],
            ),
            None => {
                tx.execute("DELETE FROM retention WHERE site_id = ?1 AND role = ?2", params![site.0, role.as_str()])
            }
        }
        .doing("setting a retention period")?;
        let detail = match days {
            Some(days) => format!("{}: keep personal data {days} days", role.as_str()),
            None => format!("{}: keep personal data indefinitely", role.as_str()),
        };
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, 'retention_set', ?3, ?4)",
            params![format_utc(&now), actor, detail, site.0],
        )
        .doing("writing the audit log")?;
        tx.commit().doing("setting a retention period")
    }

    /// Erases the personal data of every record older than the period of
    /// its role at its own school, in one transaction, and logs it.
    pub fn purge_expired(&mut self, actor: &str, now: DateTime<Utc>) -> Result<PurgeReport> {
        const DOING: &str = "purging expired personal data";
        let stamp = format_utc(&now);
        let tx = self.conn.transaction().doing(DOING)?;
        let periods: Vec<(i64, String, u32)> = {
            let mut stmt = tx.prepare("SELECT site_id, role, days FROM retention").doing(DOING)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).doing(DOING)?;
            rows.collect::<rusqlite::Result<_>>().doing(DOING)?
        };
        let mut erased: BTreeMap<String, u64> = BTreeMap::new();
        if !periods.is_empty() {
            // Each school's cutoff for each role, as a table the records are
            // joined with: one statement picks every record due, each by its
            // own school's period (a kiosk's school is its record's).
            let values = vec!["(?, ?, ?, ?)"; periods.len()].join(", ");
            let sql = format!(
                "WITH p(site_id, role, cutoff, days) AS (VALUES {values})
                 SELECT r.device_id, r.seq, p.role, p.days FROM records r
                 JOIN devices d ON d.device_id = r.device_id
                 JOIN p ON p.site_id = d.site_id AND p.role = r.role
                 WHERE r.signed_at < p.cutoff AND r.name IS NOT NULL ORDER BY r.device_id, r.seq"
            );
            let mut bound: Vec<rusqlite::types::Value> = Vec::with_capacity(periods.len() * 4);
            for (site, role, days) in &periods {
                let cutoff = format_utc(&(now - Duration::days(i64::from(*days))));
                bound.extend([(*site).into(), role.clone().into(), cutoff.into(), i64::from(*days).into()]);
            }
            let due: Vec<(String, u64, String, u32)> = {
                let mut stmt = tx.prepare(&sql).doing(DOING)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(bound), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .doing(DOING)?;
                rows.collect::<rusqlite::Result<_>>().doing(DOING)?
            };
            for (device, seq, role, days) in due {
                let device = Uuid::parse_str(&device).map_err(|e| OfficeError::Internal(e.to_string()))?;
                let reason = format!("retention period of {days} days for {role}");
                if erase_in(&tx, device, seq, &reason, actor, &stamp)? {
                    *erased.entry(role).or_default() += 1;
                }
            }
        }
        let report = PurgeReport { erased: erased.into_iter().collect() };
        let detail = if report.erased.is_empty() {
            "nothing was past its retention period".to_owned()
        } else {
            report.erased.iter().map(|(role, n)| format!("{role}: {n} records")).collect::<Vec<_>>().join(", ")
        };
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'retention_purge', ?3)",
            params![stamp, actor, detail],
        )
        .doing("writing the audit log")?;
        tx.commit().doing(DOING)?;
        Ok(report)
    }
}

/// Erases inside a transaction; `false` if already erased or not held.
fn erase_in(
    tx: &rusqlite::Transaction<'_>,
    device_id: Uuid,
    seq: u64,
    reason: &str,
    actor: &str,
    now: &str,
) -> Result<bool> {
    const DOING: &str = "erasing a record";
    let device = device_id.hyphenated().to_string();
    let inserted = tx
        .execute(
            "INSERT INTO erasures (device_id, seq, reason, erased_at, received_at, origin, erased_by)
             SELECT ?1, ?2, ?3, ?4, ?4, 'office', ?5 WHERE EXISTS (SELECT 1 FROM records WHERE device_id = ?1 AND seq = ?2)
             ON CONFLICT DO NOTHING",
            params![device, seq, reason, now, actor],
        )
        .doing(DOING)?;
    if inserted == 0 {
        return Ok(false);
    }
    super::ingest_erasures::drop_personal_data(tx, &device, seq)?;
    Ok(true)
}
