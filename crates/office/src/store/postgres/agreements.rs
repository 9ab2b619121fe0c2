//! PostgreSQL: the counterpart of `store/sqlite/agreements.rs`. The
//! office's own record of current agreement versions; the rules are in
//! [`crate::store::agreements`].
//!
//! Whatever makes a version current takes the configuration lock first
//! (see `configuration.rs`): so does a push bringing a version or role the
//! office does not hold yet, and two kiosks bringing a fresh office its
//! first versions at once are taken one after the other, as on SQLite.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use signbook_core::Hash32;
use signbook_core::agreement::check_publishable;
use signbook_core::record::format_utc;
use signbook_core::role::Role;
use signbook_sync::wire::WireAgreement;
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

use super::configuration::{issue_for_every_school, lock};
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::StoredAgreement;
use crate::store::agreements::{AgreementSender, AgreementStanding, AgreementStore};
use crate::store::sites::SiteId;

/// The version each role signs at school `$1`: the school's own choice,
/// else the trust's latest adoption. `$1` NULL: the trust's for every role
/// (`site_id = NULL` matches no school's row).
const CURRENT: &str = "SELECT role, hash FROM school_agreements WHERE site_id = $1::BIGINT
     UNION ALL
     SELECT role, hash FROM agreement_adoptions a
     WHERE id = (SELECT max(id) FROM agreement_adoptions b WHERE b.role = a.role)
       AND NOT EXISTS (SELECT 1 FROM school_agreements s WHERE s.site_id = $1::BIGINT AND s.role = a.role)";

/// Hash of the trust's current version for each role.
pub(super) async fn current_agreements(client: &impl GenericClient) -> Result<HashMap<String, String>> {
    current_at(client, None).await
}

/// Hash of the version each role signs at `site` (`None`: the trust's).
pub(super) async fn current_at(client: &impl GenericClient, site: Option<SiteId>) -> Result<HashMap<String, String>> {
    const DOING: &str = "reading current agreements";
    let statement = client.prepare_cached(CURRENT).await.doing(DOING)?;
    let site = site.map(|s| s.0);
    Ok(client.query(&statement, &[&site]).await.doing(DOING)?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The title of version `hex`, if the office holds it and it was published
/// for every one of `roles` (kiosks show a version only to those).
pub(super) async fn adoptable(tx: &Transaction<'_>, hex: &str, roles: &[String]) -> Result<String> {
    const DOING: &str = "adopting an agreement version";
    let title: String = tx
        .query_opt("SELECT title FROM agreements WHERE hash = $1", &[&hex])
        .await
        .doing(DOING)?
        .ok_or(OfficeError::NotFound)?
        .get(0);
    for role in roles {
        let published = tx
            .query_opt("SELECT 1 FROM agreement_roles WHERE hash = $1 AND role = $2", &[&hex, role])
            .await
            .doing(DOING)?
            .is_some();
        if !published {
            return Err(OfficeError::InputInvalid(format!(
                "\"{title}\" was not published for the role {role}, so kiosks do not show it to them; adopt it only for the roles it was published for"
            )));
        }
    }
    Ok(title)
}

async fn adopt(tx: &Transaction<'_>, hash: &str, role: &str, actor: &str, now: DateTime<Utc>) -> Result<()> {
    const DOING: &str = "adopting an agreement version";
    let statement = tx
        .prepare_cached("INSERT INTO agreement_adoptions (hash, role, adopted_at, adopted_by) VALUES ($1, $2, $3, $4)")
        .await
        .doing(DOING)?;
    tx.execute(&statement, &[&hash, &role, &format_utc(&now), &actor]).await.doing(DOING)?;
    Ok(())
}

/// Whether the office holds `agreement`, for each of its roles, with a
/// current version for each: then a push of it changes nothing shared.
async fn all_known(tx: &Transaction<'_>, agreement: &WireAgreement) -> Result<bool> {
    let statement = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM agreements WHERE hash = $1) AND NOT EXISTS (
                SELECT 1 FROM unnest($2::text[]) r(role)
                WHERE NOT EXISTS (SELECT 1 FROM agreement_roles x WHERE x.hash = $1 AND x.role = r.role)
                   OR NOT EXISTS (SELECT 1 FROM agreement_adoptions a WHERE a.role = r.role))",
        )
        .await
        .doing("storing agreement versions")?;
    let row = tx.query_one(&statement, &[&agreement.hash.to_hex(), &agreement.roles]).await;
    Ok(row.doing("storing agreement versions")?.get(0))
}

/// Keeps the versions a kiosk sent (already checked to hash to their
/// keys) and which kiosk sent them, inside the push's transaction. A role
/// the office has no version for yet takes the one the kiosk sent (the
/// last of them, if it sent several for that role: a fresh office starts
/// from what its first kiosk uses); no other role's current version changes.
pub(super) async fn store_sent_agreements(
    tx: &Transaction<'_>,
    device_id: &str,
    agreements: &[WireAgreement],
    now: DateTime<Utc>,
) -> Result<()> {
    const DOING: &str = "storing agreement versions";
    let mut known = true;
    for agreement in agreements {
        known = known && all_known(tx, agreement).await?;
    }
    if !known {
        // Something new: decided under the lock, so another server's push
        // of the same first versions sees this one's adoptions.
        lock(tx).await?;
    }
    let received = format_utc(&now);
    let kiosk = format!("kiosk {}", &device_id[..8.min(device_id.len())]);
    let mut bootstrapped: Vec<String> = Vec::new();
    for agreement in agreements {
        let hash = agreement.hash.to_hex();
        let insert = tx
            .prepare_cached(
                "INSERT INTO agreements (hash, title, text, published_at, received_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (hash) DO NOTHING",
            )
            .await
            .doing(DOING)?;
        tx.execute(&insert, &[&hash, &agreement.title, &agreement.text, &agreement.published_at, &received])
            .await
            .doing(DOING)?;
        let sender = tx
            .prepare_cached(
                "INSERT INTO agreement_senders (hash, device_id, claimed_published_at, first_sent_at, last_sent_at)
                 VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (hash, device_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at",
            )
            .await
            .doing(DOING)?;
        tx.execute(&sender, &[&hash, &device_id, &agreement.published_at, &received]).await.doing(DOING)?;
        for role in &agreement.roles {
            let insert = tx
                .prepare_cached("INSERT INTO agreement_roles (hash, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .await
                .doing(DOING)?;
            tx.execute(&insert, &[&hash, role]).await.doing(DOING)?;
            let current =
                tx.prepare_cached("SELECT 1 FROM agreement_adoptions WHERE role = $1 LIMIT 1").await.doing(DOING)?;
            let has_current = tx.query_opt(&current, &[role]).await.doing(DOING)?.is_some();
            if !has_current || bootstrapped.contains(role) {
                // Every version of this push for the role is its history, so
                // none of them is later shown as awaiting a decision; the
                // last one stays current.
                adopt(tx, &hash, role, &kiosk, now).await?;
                if !bootstrapped.contains(role) {
                    bootstrapped.push(role.clone());
                }
            }
        }
    }
    Ok(())
}

/// Every version held, the one received last first, with where it stands.
async fn agreement_standings(store: &PgStore) -> Result<Vec<AgreementStanding>> {
    const DOING: &str = "listing agreement versions";
    let mut client = store.client().await?;
    // One snapshot, so a version and its roles and senders agree.
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .doing(DOING)?;
    let current = current_agreements(&tx).await?;
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    for row in tx.query("SELECT hash, role FROM agreement_roles ORDER BY role COLLATE \"C\"", &[]).await.doing(DOING)? {
        roles.entry(row.get(0)).or_default().push(row.get(1));
    }
    let mut adopted: HashMap<String, Vec<String>> = HashMap::new();
    // A school's choice is an adoption too: no longer awaiting a decision.
    let chosen = "SELECT DISTINCT hash, role FROM agreement_adoptions UNION SELECT hash, role FROM school_agreements";
    for row in tx.query(chosen, &[]).await.doing(DOING)? {
        adopted.entry(row.get(0)).or_default().push(row.get(1));
    }
    let mut senders: BTreeMap<String, Vec<AgreementSender>> = BTreeMap::new();
    let rows = tx
        .query(
            "SELECT s.hash, s.device_id, d.name, s.claimed_published_at, s.last_sent_at
             FROM agreement_senders s JOIN devices d USING (device_id)
             ORDER BY s.first_sent_at COLLATE \"C\", s.device_id COLLATE \"C\"",
            &[],
        )
        .await
        .doing(DOING)?;
    for row in rows {
        senders.entry(row.get(0)).or_default().push(AgreementSender {
            device_id: Uuid::parse_str(row.get(1)).unwrap_or_default(),
            name: row.get(2),
            claimed_published_at: row.get(3),
            last_sent_at: row.get(4),
        });
    }
    // Never updated nor deleted, so `ctid` is the order they arrived in, as SQLite's rowid.
    let rows = tx
        .query(
            "SELECT hash, title, text, published_at, received_at FROM agreements
             ORDER BY received_at COLLATE \"C\" DESC, ctid DESC",
            &[],
        )
        .await
        .doing(DOING)?;
    tx.commit().await.doing(DOING)?;
    let mut out = Vec::new();
    for row in rows {
        let hash: String = row.get(0);
        let agreement = StoredAgreement {
            hash: Hash32::from_hex(&hash).unwrap_or(Hash32::ZERO),
            title: row.get(1),
            text: row.get(2),
            published_at: row.get(3),
            received_at: row.get(4),
        };
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

#[async_trait]
impl AgreementStore for PgStore {
    async fn agreement_standings(&self) -> Result<Vec<AgreementStanding>> {
        agreement_standings(self).await
    }

    async fn adopt_agreement(&self, hash: &Hash32, roles: &[String], actor: &str, now: DateTime<Utc>) -> Result<()> {
        const DOING: &str = "adopting an agreement version";
        if roles.is_empty() {
            return Err(OfficeError::InputInvalid("name at least one role to adopt the version for".into()));
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        lock(&tx).await?;
        let hex = hash.to_hex();
        let title = adoptable(&tx, &hex, roles).await?;
        for role in roles {
            adopt(&tx, &hex, role, actor, now).await?;
        }
        let detail = format!("\"{title}\" ({hex}) is now current for: {}", roles.join(", "));
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, 'agreement_adopted', $3)",
            &[&format_utc(&now), &actor, &detail],
        )
        .await
        .doing("writing the audit log")?;
        // Kiosks learn of it from the next configuration version.
        issue_for_every_school(&tx, actor, now).await?;
        tx.commit().await.doing(DOING)
    }

    async fn publish_agreement(
        &self,
        text: &str,
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
            check_publishable(text, title, &checked_roles).map_err(|e| OfficeError::InputInvalid(e.to_string()))?;
        let hash = Hash32::of(text.as_bytes());
        let hex = hash.to_hex();
        let at = format_utc(&now);
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        lock(&tx).await?;
        tx.execute(
            "INSERT INTO agreements (hash, title, text, published_at, received_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (hash) DO NOTHING",
            &[&hex, &title, &text, &at],
        )
        .await
        .doing(DOING)?;
        for role in roles {
            tx.execute(
                "INSERT INTO agreement_roles (hash, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&hex, role],
            )
            .await
            .doing(DOING)?;
            adopt(&tx, &hex, role, actor, now).await?;
        }
        let detail = format!("\"{title}\" ({hex}) published and current for: {}", roles.join(", "));
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, 'agreement_published', $3)",
            &[&at, &actor, &detail],
        )
        .await
        .doing("writing the audit log")?;
        // Kiosks take it with the next configuration version, at their next sync.
        issue_for_every_school(&tx, actor, now).await?;
        tx.commit().await.doing(DOING)?;
        Ok(hash)
    }

    async fn set_school_agreement(
        &self,
        site: SiteId,
        roles: &[String],
        hash: Option<Hash32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        super::school_agreements::set_school_agreement(self, site, roles, hash, actor, now).await
    }

    async fn school_agreements(&self, site: SiteId) -> Result<BTreeMap<String, Hash32>> {
        super::school_agreements::school_agreements(self, site).await
    }
}
