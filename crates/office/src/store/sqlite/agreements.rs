//! The office's own record of current agreement versions in SQLite; the
//! rules are in [`crate::store::agreements`].

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use signbook_core::Hash32;
use signbook_core::agreement::check_publishable;
use signbook_core::record::format_utc;
use signbook_core::role::Role;
use signbook_sync::wire::WireAgreement;
use uuid::Uuid;

use super::Db;
use super::records::agreement_row;
use crate::error::{DbContext, OfficeError, Result};
use crate::store::agreements::{AgreementSender, AgreementStanding};
use crate::store::sites::SiteId;

/// The version each role signs at school `?1`: the school's own choice,
/// else the trust's latest adoption. `?1` NULL: the trust's for every role
/// (`site_id = NULL` matches no school's row).
pub(super) const CURRENT: &str = "SELECT role, hash FROM school_agreements WHERE site_id = ?1
     UNION ALL
     SELECT role, hash FROM agreement_adoptions a
     WHERE id = (SELECT max(id) FROM agreement_adoptions b WHERE b.role = a.role)
       AND NOT EXISTS (SELECT 1 FROM school_agreements s WHERE s.site_id = ?1 AND s.role = a.role)";

/// Hash of the version each role signs at `site` (`None`: the trust's).
pub(in crate::store) fn current_at(
    conn: &rusqlite::Connection,
    site: Option<SiteId>,
) -> Result<HashMap<String, String>> {
    const DOING: &str = "reading current agreements";
    let mut stmt = conn.prepare_cached(CURRENT).doing(DOING)?;
    let rows = stmt.query_map([site.map(|s| s.0)], |r| Ok((r.get(0)?, r.get(1)?))).doing(DOING)?;
    rows.collect::<rusqlite::Result<_>>().doing(DOING)
}

impl Db {
    /// Hash of the trust's current version for each role.
    pub fn current_agreements(&self) -> Result<HashMap<String, String>> {
        current_at(&self.conn, None)
    }

    /// The versions a school chose itself, by role.
    pub fn school_agreements(&self, site: SiteId) -> Result<BTreeMap<String, Hash32>> {
        const DOING: &str = "reading a school's agreement versions";
        let mut stmt =
            self.conn.prepare_cached("SELECT role, hash FROM school_agreements WHERE site_id = ?1").doing(DOING)?;
        let rows = stmt.query_map([site.0], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).doing(DOING)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (role, hash) = row.doing(DOING)?;
            out.insert(role, Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?);
        }
        Ok(out)
    }

    /// The version `roles` sign at `site`'s kiosks: `hash`, or with `None`
    /// the trust's current one again; audited and issued.
    pub fn set_school_agreement(
        &mut self,
        site: SiteId,
        roles: &[String],
        hash: Option<&Hash32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        const DOING: &str = "choosing a school's agreement version";
        if roles.is_empty() {
            return Err(OfficeError::InputInvalid("name at least one role to adopt the version for".into()));
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        super::sites::check_site_exists(&tx, site)?;
        let detail = match hash {
            Some(hash) => {
                let hex = hash.to_hex();
                let title = adoptable(&tx, &hex, roles)?;
                for role in roles {
                    tx.execute(
                        "INSERT INTO school_agreements (site_id, role, hash, adopted_at, adopted_by) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (site_id, role) DO UPDATE SET hash = excluded.hash,
                             adopted_at = excluded.adopted_at, adopted_by = excluded.adopted_by",
                        params![site.0, role, hex, format_utc(&now), actor],
                    )
                    .doing(DOING)?;
                }
                format!("\"{title}\" ({hex}) is now current at this school for: {}", roles.join(", "))
            }
            None => {
                for role in roles {
                    tx.execute("DELETE FROM school_agreements WHERE site_id = ?1 AND role = ?2", params![site.0, role])
                        .doing(DOING)?;
                }
                format!("the trust's current versions again at this school for: {}", roles.join(", "))
            }
        };
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES (?1, ?2, 'agreement_adopted', ?3, ?4)",
            params![format_utc(&now), actor, detail, site.0],
        )
        .doing("writing the audit log")?;
        let version = super::configuration::issue_configuration(&tx, site, actor, now, 0)?;
        tx.commit().doing(DOING)?;
        Ok(version)
    }

    /// Every version held, the one received last first, with where it stands.
    pub fn agreement_standings(&self) -> Result<Vec<AgreementStanding>> {
        const DOING: &str = "listing agreement versions";
        let current = self.current_agreements()?;
        let mut roles: HashMap<String, Vec<String>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached("SELECT hash, role FROM agreement_roles ORDER BY role").doing(DOING)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?))).doing(DOING)? {
            let (hash, role) = row.doing(DOING)?;
            roles.entry(hash).or_default().push(role);
        }
        let mut adopted: HashMap<String, Vec<String>> = HashMap::new();
        // A school's choice is an adoption too: no longer awaiting a decision.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT hash, role FROM agreement_adoptions UNION SELECT hash, role FROM school_agreements",
            )
            .doing(DOING)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?))).doing(DOING)? {
            let (hash, role) = row.doing(DOING)?;
            adopted.entry(hash).or_default().push(role);
        }
        let mut senders: BTreeMap<String, Vec<AgreementSender>> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.hash, s.device_id, d.name, s.claimed_published_at, s.last_sent_at
                 FROM agreement_senders s JOIN devices d USING (device_id) ORDER BY s.first_sent_at",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map([], |r| {
                let device: String = r.get(1)?;
                Ok((
                    r.get::<_, String>(0)?,
                    AgreementSender {
                        device_id: Uuid::parse_str(&device).unwrap_or_default(),
                        name: r.get(2)?,
                        claimed_published_at: r.get(3)?,
                        last_sent_at: r.get(4)?,
                    },
                ))
            })
            .doing(DOING)?;
        for row in rows {
            let (hash, sender) = row.doing(DOING)?;
            senders.entry(hash).or_default().push(sender);
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT hash, title, text, published_at, received_at FROM agreements ORDER BY received_at DESC, rowid DESC",
            )
            .doing(DOING)?;
        let agreements = stmt.query_map([], agreement_row).doing(DOING)?;
        let mut out = Vec::new();
        for agreement in agreements {
            let agreement = agreement.doing(DOING)?;
            let hash = agreement.hash.to_hex();
            let roles = roles.remove(&hash).unwrap_or_default();
            let adopted = adopted.remove(&hash).unwrap_or_default();
            let mut current_for: Vec<String> =
                current.iter().filter(|(_, h)| **h == hash).map(|(role, _)| role.clone()).collect();
            current_for.sort();
            let not_adopted_for = roles.iter().filter(|r| !adopted.contains(r)).cloned().collect();
            out.push(AgreementStanding {
                senders: senders.remove(&hash).unwrap_or_default(),
                agreement,
                roles,
                current_for,
                not_adopted_for,
            });
        }
        Ok(out)
    }

    /// Makes `hash` current for `roles` and audits it, in one transaction.
    pub fn adopt_agreement(&mut self, hash: &Hash32, roles: &[String], actor: &str, now: DateTime<Utc>) -> Result<()> {
        const DOING: &str = "adopting an agreement version";
        if roles.is_empty() {
            return Err(OfficeError::InputInvalid("name at least one role to adopt the version for".into()));
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let hex = hash.to_hex();
        let title = adoptable(&tx, &hex, roles)?;
        for role in roles {
            adopt(&tx, &hex, role, actor, now)?;
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'agreement_adopted', ?3)",
            params![format_utc(&now), actor, format!("\"{title}\" ({hex}) is now current for: {}", roles.join(", "))],
        )
        .doing("writing the audit log")?;
        // Kiosks learn of it from the next configuration version.
        super::configuration::issue_for_every_school(&tx, actor, now)?;
        tx.commit().doing(DOING)
    }
}

impl Db {
    /// Keeps a version written at the office and makes it current for
    /// `roles`, audited, in one transaction (see
    /// [`crate::store::AgreementStore::publish_agreement`]).
    pub fn publish_agreement(
        &mut self,
        markdown: &str,
        title: &str,
        roles: &[String],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Hash32> {
        const DOING: &str = "publishing an agreement version";
        let checked_roles = roles
            .iter()
            .map(|r| Role::new(r).map_err(|e| OfficeError::InputInvalid(e.to_string())))
            .collect::<Result<Vec<Role>>>()?;
        let (text, title) =
            check_publishable(markdown, title, &checked_roles).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
        let hash = Hash32::of(text.as_bytes());
        let hex = hash.to_hex();
        let at = format_utc(&now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        tx.execute(
            "INSERT OR IGNORE INTO agreements (hash, title, text, published_at, received_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![hex, title, text, at],
        )
        .doing(DOING)?;
        for role in roles {
            tx.execute("INSERT OR IGNORE INTO agreement_roles (hash, role) VALUES (?1, ?2)", params![hex, role])
                .doing(DOING)?;
            adopt(&tx, &hex, role, actor, now)?;
        }
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'agreement_published', ?3)",
            params![at, actor, format!("\"{title}\" ({hex}) published and current for: {}", roles.join(", "))],
        )
        .doing("writing the audit log")?;
        // Kiosks take it with the next configuration version, at their next sync.
        super::configuration::issue_for_every_school(&tx, actor, now)?;
        tx.commit().doing(DOING)?;
        Ok(hash)
    }
}

/// The title of version `hex`, if the office holds it and it was published
/// for every one of `roles` (kiosks show a version only to those).
fn adoptable(tx: &Transaction<'_>, hex: &str, roles: &[String]) -> Result<String> {
    const DOING: &str = "adopting an agreement version";
    let title: String = tx
        .query_row("SELECT title FROM agreements WHERE hash = ?1", [hex], |r| r.get(0))
        .optional()
        .doing(DOING)?
        .ok_or(OfficeError::NotFound)?;
    for role in roles {
        let published: bool = tx
            .query_row("SELECT 1 FROM agreement_roles WHERE hash = ?1 AND role = ?2", [hex, role], |_| Ok(true))
            .optional()
            .doing(DOING)?
            .unwrap_or(false);
        if !published {
            return Err(OfficeError::InputInvalid(format!(
                "\"{title}\" was not published for the role {role}, so kiosks do not show it to them; adopt it only for the roles it was published for"
            )));
        }
    }
    Ok(title)
}

fn adopt(tx: &Transaction<'_>, hash: &str, role: &str, actor: &str, now: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached("INSERT INTO agreement_adoptions (hash, role, adopted_at, adopted_by) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut s| s.execute(params![hash, role, format_utc(&now), actor]))
        .doing("adopting an agreement version")?;
    Ok(())
}

/// Keeps the versions a kiosk sent (already checked to hash to their
/// keys) and which kiosk sent them, inside the push's transaction. A role
/// the office has no version for yet takes the one the kiosk sent (the
/// last of them, if it sent several for that role: a fresh office starts
/// from what its first kiosk uses); no other role's current version changes.
pub(super) fn store_sent_agreements(
    tx: &Transaction<'_>,
    device_id: &str,
    agreements: &[WireAgreement],
    now: DateTime<Utc>,
) -> Result<()> {
    const DOING: &str = "storing agreement versions";
    let received = format_utc(&now);
    let mut bootstrapped: Vec<String> = Vec::new();
    for agreement in agreements {
        let hash = agreement.hash.to_hex();
        tx.prepare_cached(
            "INSERT OR IGNORE INTO agreements (hash, title, text, published_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| s.execute(params![hash, agreement.title, agreement.text, agreement.published_at, received]))
        .doing(DOING)?;
        tx.prepare_cached(
            "INSERT INTO agreement_senders (hash, device_id, claimed_published_at, first_sent_at, last_sent_at)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (hash, device_id) DO UPDATE SET last_sent_at = excluded.last_sent_at",
        )
        .and_then(|mut s| s.execute(params![hash, device_id, agreement.published_at, received]))
        .doing(DOING)?;
        for role in &agreement.roles {
            tx.prepare_cached("INSERT OR IGNORE INTO agreement_roles (hash, role) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![hash, role]))
                .doing(DOING)?;
            let has_current: bool = tx
                .prepare_cached("SELECT 1 FROM agreement_adoptions WHERE role = ?1 LIMIT 1")
                .and_then(|mut s| s.query_row([role], |_| Ok(true)).optional())
                .doing(DOING)?
                .unwrap_or(false);
            if !has_current || bootstrapped.contains(role) {
                // Every version of this push for the role is its history, so
                // none of them is later shown as awaiting a decision; the
                // last one stays current.
                adopt(tx, &hash, role, &format!("kiosk {}", &device_id[..8.min(device_id.len())]), now)?;
                if !bootstrapped.contains(role) {
                    bootstrapped.push(role.clone());
                }
            }
        }
    }
    Ok(())
}
