//! The compliance roster in PostgreSQL, as `store/sqlite/roster.rs` keeps
//! it; reading the file and matching names are in [`crate::store::roster`].

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use signbook_core::record::format_utc;
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

use super::shared::unsigned;
use super::{PgContext, PgStore};
use crate::error::Result;
use crate::store::roster::{RosterEntry, RosterStatus, RosterStore, may_be_same_person};
use crate::store::search::fold;
use crate::store::sites::SiteId;

#[async_trait]
impl RosterStore for PgStore {
    async fn replace_roster(
        &self,
        site: SiteId,
        entries: &[RosterEntry],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const DOING: &str = "importing the roster";
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        // Two imports at once on two servers: the second waits, then
        // replaces the first's roster instead of adding to it.
        tx.batch_execute("LOCK TABLE roster IN EXCLUSIVE MODE").await.doing(DOING)?;
        tx.execute("DELETE FROM roster WHERE site_id = $1", &[&site.0]).await.doing(DOING)?;
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let keys: Vec<String> = entries.iter().map(|e| fold(&e.name)).collect();
        let roles: Vec<&str> = entries.iter().map(|e| e.role.as_str()).collect();
        let emails: Vec<Option<&str>> = entries.iter().map(|e| e.email.as_deref()).collect();
        // One statement for up to 10,000 people; ids follow the file's order.
        tx.execute(
            "INSERT INTO roster (site_id, name, name_key, role, email)
             SELECT $5, name, name_key, role, email
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(name, name_key, role, email, n)
             ORDER BY n",
            &[&names, &keys, &roles, &emails, &site.0],
        )
        .await
        .doing(DOING)?;
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, 'roster_import', $3, $4)",
            &[&format_utc(&now), &actor, &format!("{} people", entries.len()), &site.0],
        )
        .await
        .doing("writing the audit log")?;
        tx.commit().await.doing(DOING)
    }

    async fn current_agreements(&self) -> Result<HashMap<String, String>> {
        super::agreements::current_agreements(&self.client().await?).await
    }

    async fn roster_status(&self, site: SiteId) -> Result<Vec<(RosterEntry, RosterStatus)>> {
        const DOING: &str = "checking the roster";
        let mut client = self.client().await?;
        // One snapshot: an import or adoption meanwhile is seen whole or not at all.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .doing(DOING)?;
        // What this school's roles sign: its own choices, else the trust's.
        let current = super::agreements::current_at(&tx, Some(site)).await?;
        let entries: Vec<(RosterEntry, String)> = tx
            .query("SELECT name, role, email, name_key FROM roster WHERE site_id = $1 ORDER BY id", &[&site.0])
            .await
            .doing(DOING)?
            .iter()
            .map(|r| (RosterEntry { name: r.get(0), role: r.get(1), email: r.get(2) }, r.get(3)))
            .collect();
        // SQLite reads record_index in its key's order (signed_at, device_id,
        // seq): the latest signature wins, and possible names come in the
        // order they first signed. The same orders here.
        let signed_stmt = tx
            .prepare(
                "SELECT device_id, seq, signed_at FROM record_index
                 WHERE name_key = $1 AND role = $2 AND agreement_hash = $3 AND site_id = $4
                 ORDER BY signed_at COLLATE \"C\" DESC, device_id COLLATE \"C\" DESC, seq DESC LIMIT 1",
            )
            .await
            .doing(DOING)?;
        let names_stmt = tx
            .prepare(
                "SELECT name FROM (
                    SELECT DISTINCT ON (r.name) r.name, i.signed_at, i.device_id, i.seq
                    FROM record_index i JOIN records r USING (device_id, seq)
                    WHERE i.role = $1 AND i.agreement_hash = $2 AND i.site_id = $3 AND i.name_key IS NOT NULL
                    ORDER BY r.name, i.signed_at COLLATE \"C\", i.device_id COLLATE \"C\", i.seq
                 ) firsts ORDER BY signed_at COLLATE \"C\", device_id COLLATE \"C\", seq",
            )
            .await
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
            let signed = tx.query_opt(&signed_stmt, &[key, &entry.role, hash, &site.0]).await.doing(DOING)?;
            let status = match signed {
                Some(r) => RosterStatus::Signed {
                    device_id: Uuid::parse_str(r.get(0)).unwrap_or_default(),
                    seq: unsigned(r.get(1))?,
                    signed_at: r.get(2),
                },
                None => {
                    let slot = (entry.role.clone(), hash.clone());
                    if !signers.contains_key(&slot) {
                        let rows = tx.query(&names_stmt, &[&entry.role, hash, &site.0]).await.doing(DOING)?;
                        signers.insert(slot.clone(), rows.iter().map(|r| r.get(0)).collect());
                    }
                    let possible =
                        signers[&slot].iter().filter(|n| may_be_same_person(key, &fold(n))).cloned().collect();
                    RosterStatus::Outstanding { possible }
                }
            };
            out.push((entry.clone(), status));
        }
        tx.commit().await.doing(DOING)?;
        Ok(out)
    }
}
