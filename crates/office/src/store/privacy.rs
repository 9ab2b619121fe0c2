//! UK GDPR duties and the compliance roster: retention periods per role,
//! the purge that applies them, erasure of one person's records, the audit
//! log, and the list of staff and governors who still have to sign.
//!
//! Erasure never deletes a record: it replaces the personal data (name,
//! organisation, signature image and their salts) with a tombstone. The
//! record's hash covers only salted digests of those fields, so every
//! chain still verifies afterwards, and nobody can tell from the digests
//! whose data it was.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use signbook_core::record::format_utc;
use signbook_core::role::Role;
use uuid::Uuid;

use super::SqliteStore;
use super::search::fold;
use crate::error::{DbContext, OfficeError, Result};

/// One person on the school's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    /// As written in the imported file.
    pub name: String,
    /// The role they must sign for.
    pub role: String,
    /// Optional contact, for the outstanding list.
    pub email: Option<String>,
}

/// Where a roster entry stands against the current agreement of its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RosterStatus {
    /// A record of this name and role names the current version.
    Signed {
        /// The record: kiosk and sequence.
        device_id: Uuid,
        /// Sequence.
        seq: u64,
        /// When (UTC).
        signed_at: String,
    },
    /// No record of this name and role for the current version.
    Outstanding {
        /// Names that may be this person (same surname and initial), for
        /// staff to check: never counted as signed.
        possible: Vec<String>,
    },
    /// Two roster lines fold to the same name and role: one signature
    /// cannot be told apart, so staff must check by hand.
    Ambiguous {
        /// The other roster lines.
        with: Vec<String>,
    },
    /// No version of the agreement has reached the office for this role yet.
    NoAgreement,
}

/// An audit log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// Staff account, or `cli`.
    pub actor: String,
    /// e.g. `erasure`, `export_csv`.
    pub action: String,
    /// What exactly.
    pub detail: String,
}

/// What a retention purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Records erased, per role.
    pub erased: Vec<(String, u64)>,
}

impl PurgeReport {
    /// All records erased.
    pub fn total(&self) -> u64 {
        self.erased.iter().map(|(_, n)| n).sum()
    }
}

/// Reads a roster CSV: a header row naming `name` and `role` columns
/// (any case, any order; `email` optional), then one person a line.
/// Every problem is reported with its line number, and nothing is imported
/// unless the whole file is good.
pub fn parse_roster(csv_bytes: &[u8]) -> Result<Vec<RosterEntry>> {
    let text = std::str::from_utf8(csv_bytes).map_err(|_| {
        OfficeError::InputInvalid("the roster file is not UTF-8 text; save it from Excel as \"CSV UTF-8\"".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| OfficeError::InputInvalid(format!("the roster file's first line cannot be read: {e}")))?
        .clone();
    let column = |want: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(want));
    let (Some(name_col), Some(role_col)) = (column("name"), column("role")) else {
        return Err(OfficeError::InputInvalid(format!(
            "the roster's first line must name the columns, with at least \"name\" and \"role\" (found: {})",
            headers.iter().collect::<Vec<_>>().join(", ")
        )));
    };
    let email_col = column("email");
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        if row.iter().all(str::is_empty) {
            continue;
        }
        let name = row.get(name_col).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
        let role = row.get(role_col).unwrap_or("").to_lowercase();
        if fold(&name).is_empty() || name.chars().count() > 100 {
            problems.push(format!("line {line}: the name is empty or longer than 100 characters"));
        } else if let Err(e) = Role::new(&role) {
            problems.push(format!("line {line}: {e}"));
        } else {
            out.push(RosterEntry {
                name,
                role,
                email: email_col.and_then(|c| row.get(c)).filter(|e| !e.is_empty()).map(str::to_owned),
            });
        }
        if out.len() > 10_000 {
            return Err(OfficeError::InputInvalid(
                "the roster has more than 10,000 people; is this the right file?".into(),
            ));
        }
    }
    if !problems.is_empty() {
        problems.truncate(20);
        return Err(OfficeError::InputInvalid(format!(
            "nothing was imported; fix these lines and try again: {}",
            problems.join("; ")
        )));
    }
    if out.is_empty() {
        return Err(OfficeError::InputInvalid("the roster file has no people in it".into()));
    }
    Ok(out)
}

/// Same surname and same first initial, once folded: "Sam Lee" and
/// "Samuel Lee" may be one person; staff decide.
fn may_be_same_person(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    a.len() > 1 && b.len() > 1 && a.last() == b.last() && a[0].chars().next() == b[0].chars().next()
}

impl SqliteStore {
    /// Appends a line to the audit log.
    pub fn audit(&mut self, actor: &str, action: &str, detail: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![format_utc(&now), actor, action, detail],
            )
            .doing("writing the audit log")?;
        Ok(())
    }

    /// The audit log, newest first.
    pub fn audit_log(&self, limit: u64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1")
            .doing("reading the audit log")?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(AuditEntry { at: r.get(0)?, actor: r.get(1)?, action: r.get(2)?, detail: r.get(3)? })
            })
            .doing("reading the audit log")?;
        rows.collect::<rusqlite::Result<_>>().doing("reading the audit log")
    }

    /// Erases one record's personal data at the office's request. The
    /// kiosk's own copy is erased by its admin (`signbook erase`).
    pub fn erase_record(
        &mut self,
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
        let erased = erase_in(&tx, device_id, seq, reason, actor, &format_utc(&now))?;
        if !erased {
            return Err(OfficeError::InputInvalid(format!(
                "record {seq} of kiosk {device_id} is already erased (or not held)"
            )));
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'erasure', ?3)",
            params![format_utc(&now), actor, format!("kiosk {device_id} record {seq}: {reason}")],
        )
        .doing("writing the audit log")?;
        tx.commit().doing("erasing a record")
    }

    /// Retention periods in days, by role.
    pub fn retention(&self) -> Result<Vec<(String, u32)>> {
        let mut stmt =
            self.conn.prepare("SELECT role, days FROM retention ORDER BY role").doing("reading retention periods")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).doing("reading retention periods")?;
        rows.collect::<rusqlite::Result<_>>().doing("reading retention periods")
    }

    /// Sets (or with `None` clears) the retention period of a role.
    pub fn set_retention(&mut self, role: &str, days: Option<u32>, actor: &str, now: DateTime<Utc>) -> Result<()> {
        let role = Role::new(role).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
        if days.is_some_and(|d| !(1..=36_500).contains(&d)) {
            return Err(OfficeError::InputInvalid("a retention period is 1 to 36,500 days".into()));
        }
        let tx = self.conn.transaction().doing("setting a retention period")?;
        match days {
            Some(days) => tx
                .execute("INSERT OR REPLACE INTO retention (role, days) VALUES (?1, ?2)", params![role.as_str(), days]),
            None => tx.execute("DELETE FROM retention WHERE role = ?1", [role.as_str()]),
        }
        .doing("setting a retention period")?;
        let detail = match days {
            Some(days) => format!("{}: keep personal data {days} days", role.as_str()),
            None => format!("{}: keep personal data indefinitely", role.as_str()),
        };
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'retention_set', ?3)",
            params![format_utc(&now), actor, detail],
        )
        .doing("writing the audit log")?;
        tx.commit().doing("setting a retention period")
    }

    /// Erases the personal data of every record older than its role's
    /// retention period, in one transaction, and logs it.
    pub fn purge_expired(&mut self, actor: &str, now: DateTime<Utc>) -> Result<PurgeReport> {
        const DOING: &str = "purging expired personal data";
        let periods = self.retention()?;
        let stamp = format_utc(&now);
        let tx = self.conn.transaction().doing(DOING)?;
        let mut report = PurgeReport::default();
        for (role, days) in periods {
            let cutoff = format_utc(&(now - Duration::days(i64::from(days))));
            let due: Vec<(String, u64)> = {
                let mut stmt = tx
                    .prepare("SELECT device_id, seq FROM records WHERE role = ?1 AND signed_at < ?2 AND name IS NOT NULL ORDER BY device_id, seq")
                    .doing(DOING)?;
                let rows = stmt.query_map(params![role, cutoff], |r| Ok((r.get(0)?, r.get(1)?))).doing(DOING)?;
                rows.collect::<rusqlite::Result<_>>().doing(DOING)?
            };
            let reason = format!("retention period of {days} days for {role}");
            let mut erased = 0;
            for (device, seq) in &due {
                let device = Uuid::parse_str(device).map_err(|e| OfficeError::Internal(e.to_string()))?;
                erased += u64::from(erase_in(&tx, device, *seq, &reason, actor, &stamp)?);
            }
            if erased > 0 {
                report.erased.push((role, erased));
            }
        }
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

    /// Replaces the roster with `entries`.
    pub fn replace_roster(&mut self, entries: &[RosterEntry], actor: &str, now: DateTime<Utc>) -> Result<()> {
        const DOING: &str = "importing the roster";
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM roster", []).doing(DOING)?;
        for e in entries {
            tx.execute(
                "INSERT INTO roster (name, name_key, role, email) VALUES (?1, ?2, ?3, ?4)",
                params![e.name, fold(&e.name), e.role, e.email],
            )
            .doing(DOING)?;
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'roster_import', ?3)",
            params![format_utc(&now), actor, format!("{} people", entries.len())],
        )
        .doing("writing the audit log")?;
        tx.commit().doing(DOING)
    }

    /// Hash of the newest version published for each role.
    pub fn current_agreements(&self) -> Result<HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT r.role, a.hash FROM agreement_roles r JOIN agreements a ON a.hash = r.hash ORDER BY a.published_at")
            .doing("reading current agreements")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).doing("reading current agreements")?;
        // Later rows (newer versions) overwrite earlier ones.
        rows.collect::<rusqlite::Result<_>>().doing("reading current agreements")
    }

    /// Every roster entry with where it stands, in roster order.
    pub fn roster_status(&self) -> Result<Vec<(RosterEntry, RosterStatus)>> {
        const DOING: &str = "checking the roster";
        let current = self.current_agreements()?;
        let entries: Vec<(RosterEntry, String)> = {
            let mut stmt =
                self.conn.prepare("SELECT name, role, email, name_key FROM roster ORDER BY id").doing(DOING)?;
            let rows = stmt
                .query_map([], |r| Ok((RosterEntry { name: r.get(0)?, role: r.get(1)?, email: r.get(2)? }, r.get(3)?)))
                .doing(DOING)?;
            rows.collect::<rusqlite::Result<_>>().doing(DOING)?
        };
        let mut signed_stmt = self
            .conn
            .prepare(
                "SELECT device_id, seq, signed_at FROM record_index
                 WHERE name_key = ?1 AND role = ?2 AND agreement_hash = ?3 ORDER BY signed_at DESC LIMIT 1",
            )
            .doing(DOING)?;
        let mut names_stmt =
            self.conn.prepare("SELECT DISTINCT r.name FROM record_index i JOIN records r USING (device_id, seq) WHERE i.role = ?1 AND i.agreement_hash = ?2 AND i.name_key IS NOT NULL").doing(DOING)?;
        let mut signers: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut out = Vec::with_capacity(entries.len());
        for (entry, key) in &entries {
            let twins: Vec<String> = entries
                .iter()
                .filter(|(e, k)| k == key && e.role == entry.role && !std::ptr::eq(e, entry))
                .map(|(e, _)| e.name.clone())
                .collect();
            let Some(hash) = current.get(&entry.role) else {
                out.push((entry.clone(), RosterStatus::NoAgreement));
                continue;
            };
            if !twins.is_empty() {
                out.push((entry.clone(), RosterStatus::Ambiguous { with: twins }));
                continue;
            }
            let signed = signed_stmt
                .query_row(params![key, entry.role, hash], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?, r.get::<_, String>(2)?))
                })
                .optional()
                .doing(DOING)?;
            let status = match signed {
                Some((device, seq, signed_at)) => {
                    RosterStatus::Signed { device_id: Uuid::parse_str(&device).unwrap_or_default(), seq, signed_at }
                }
                None => {
                    let names = match signers.entry((entry.role.clone(), hash.clone())) {
                        std::collections::hash_map::Entry::Occupied(names) => names.into_mut(),
                        std::collections::hash_map::Entry::Vacant(slot) => {
                            let rows = names_stmt
                                .query_map(params![entry.role, hash], |r| r.get::<_, String>(0))
                                .doing(DOING)?;
                            slot.insert(rows.collect::<rusqlite::Result<_>>().doing(DOING)?)
                        }
                    };
                    let possible = names.iter().filter(|n| may_be_same_person(key, &fold(n))).cloned().collect();
                    RosterStatus::Outstanding { possible }
                }
            };
            out.push((entry.clone(), status));
        }
        Ok(out)
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
    super::sqlite::drop_personal_data(tx, &device, seq)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_files_are_read_tolerantly_and_refused_whole() {
        let ok = parse_roster(
            "\u{feff}Role,Name,Email\r\nstaff,  Siân   Evans ,s.evans@school.example\r\ngovernor,Tom Price,\r\n\r\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            ok,
            vec![
                RosterEntry {
                    name: "Siân Evans".into(),
                    role: "staff".into(),
                    email: Some("s.evans@school.example".into())
                },
                RosterEntry { name: "Tom Price".into(), role: "governor".into(), email: None },
            ]
        );
        for (file, says) in [
            ("first,last\nA,B\n", "at least \"name\" and \"role\""),
            ("name,role\nAnn Lee,head teacher\n", "line 2"),
            ("name,role\n,staff\n", "line 2: the name is empty"),
            ("name,role\n", "no people"),
        ] {
            let err = parse_roster(file.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(says), "{file:?} gave {err}");
        }
        assert!(parse_roster(b"name,role\n\xff\xfe,staff\n").unwrap_err().to_string().contains("UTF-8"));
    }

    #[test]
    fn possible_matches_share_surname_and_initial() {
        assert!(may_be_same_person("sam lee", "samuel lee"));
        assert!(!may_be_same_person("sam lee", "tom lee"));
        assert!(!may_be_same_person("lee", "lee"));
    }
}
