//! PostgreSQL: a school's own choice of the version a role signs at its
//! kiosks, as `store/sqlite/agreements.rs` does it; the rules are in
//! [`crate::store::agreements`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use signbook_core::Hash32;
use signbook_core::record::format_utc;

use super::agreements::adoptable;
use super::configuration::{issue_configuration, lock};
use super::sites::check_site_exists;
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::sites::SiteId;

/// The version `roles` sign at `site`: `hash`, or the trust's current one
/// again; audited as the school's and its next configuration issued.
pub(super) async fn set_school_agreement(
    store: &PgStore,
    site: SiteId,
    roles: &[String],
    hash: Option<Hash32>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    const DOING: &str = "choosing a school's agreement version";
    if roles.is_empty() {
        return Err(OfficeError::InputInvalid("name at least one role to adopt the version for".into()));
    }
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    // As any change to what kiosks take: never two versions numbered at once.
    lock(&tx).await?;
    check_site_exists(&tx, site).await?;
    let at = format_utc(&now);
    let detail = match hash {
        Some(hash) => {
            let hex = hash.to_hex();
            let title = adoptable(&tx, &hex, roles).await?;
            for role in roles {
                tx.execute(
                    "INSERT INTO school_agreements (site_id, role, hash, adopted_at, adopted_by) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (site_id, role) DO UPDATE SET hash = EXCLUDED.hash,
                         adopted_at = EXCLUDED.adopted_at, adopted_by = EXCLUDED.adopted_by",
                    &[&site.0, role, &hex, &at, &actor],
                )
                .await
                .doing(DOING)?;
            }
            format!("\"{title}\" ({hex}) is now current at this school for: {}", roles.join(", "))
        }
        None => {
            for role in roles {
                tx.execute("DELETE FROM school_agreements WHERE site_id = $1 AND role = $2", &[&site.0, role])
                    .await
                    .doing(DOING)?;
            }
            format!("the trust's current versions again at this school for: {}", roles.join(", "))
        }
    };
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail, site_id) VALUES ($1, $2, 'agreement_adopted', $3, $4)",
        &[&at, &actor, &detail, &site.0],
    )
    .await
    .doing("writing the audit log")?;
    let version = issue_configuration(&tx, site, actor, now, 0).await?;
    tx.commit().await.doing(DOING)?;
    Ok(version)
}

/// The versions `site` chose itself, by role.
pub(super) async fn school_agreements(store: &PgStore, site: SiteId) -> Result<BTreeMap<String, Hash32>> {
    const DOING: &str = "reading a school's agreement versions";
    let client = store.client().await?;
    let rows =
        client.query("SELECT role, hash FROM school_agreements WHERE site_id = $1", &[&site.0]).await.doing(DOING)?;
    let mut out = BTreeMap::new();
    for row in rows {
        let hash = Hash32::from_hex(row.get(1)).map_err(|e| OfficeError::Internal(e.to_string()))?;
        out.insert(row.get(0), hash);
    }
    Ok(out)
}
