//! The compliance roster in SQLite; reading the file and matching names
//! are in [`crate::store::roster`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::Db;
use crate::error::{DbContext, Result};
use crate::store::roster::{RosterEntry, RosterStatus, may_be_same_person};
use crate::store::search::fold;
use crate::store::sites::SiteId;

impl Db {
    /// Replaces `site`'s roster with `entries`; other schools' are kept.
    pub fn replace_roster(
        &mut self,
        site: SiteId,
        entries: &[RosterEntry],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const DOING: &str = "importing the roster";
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM roster WHERE site_id = ?1", [site.0]).doing(DOING)?;
        for e in entries {
            tx.execute(
                "INSERT INTO roster (site_id, name, name_key, role, email) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![site.0, e.name, fold(&e.name), e.role, e.email],
            )
            .doing(DOING)?;
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, 'roster_import', ?3, ?4)",
            params![format_utc(&now), actor, format!("{} people", entries.len()), site.0],
        )
        .doing("writing the audit log")?;
        tx.commit().doing(DOING)
    }

    /// Every entry of `site`'s roster with where it stands, in roster
    /// order, matched against that school's records only.
    pub fn roster_status(&self, site: SiteId) -> Result<Vec<(RosterEntry, RosterStatus)>> {
        const DOING: &str = "checking the roster";
        // What this school's roles sign: its own choices, else the trust's.
        let current = super::agreements::current_at(&self.conn, Some(site))?;
        let entries: Vec<(RosterEntry, String)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT name, role, email, name_key FROM roster WHERE site_id = ?1 ORDER BY id")
                .doing(DOING)?;
            let rows = stmt
                .query_map([site.0], |r| {
                    Ok((RosterEntry { name: r.get(0)?, role: r.get(1)?, email: r.get(2)? }, r.get(3)?))
                })
                .doing(DOING)?;
            rows.collect::<rusqlite::Result<_>>().doing(DOING)?
        };
        let mut signed_stmt = self
            .conn
            .prepare(
                "SELECT device_id, seq, signed_at FROM record_index
                 WHERE name_key = ?1 AND role = ?2 AND agreement_hash = ?3 AND site_id = ?4 ORDER BY signed_at DESC LIMIT 1",
            )
            .doing(DOING)?;
        let mut names_stmt = self
            .conn
            .prepare(
                "SELECT DISTINCT r.name FROM record_index i JOIN records r USING (device_id, seq)
                 WHERE i.role = ?1 AND i.agreement_hash = ?2 AND i.site_id = ?3 AND i.name_key IS NOT NULL",
            )
            .doing(DOING)?;
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
                .query_row(params![key, entry.role, hash, site.0], |r| {
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
                                .query_map(params![entry.role, hash, site.0], |r| r.get::<_, String>(0))
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
