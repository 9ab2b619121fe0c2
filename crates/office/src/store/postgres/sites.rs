//! Schools ("sites") in PostgreSQL, as `store/sqlite/sites.rs` keeps them,
//! and how a [`Scope`] filters a query: as one `BIGINT[]` parameter, NULL
//! for the trust, so each query stays one statement whatever the scope.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::roles::StaffRole;
use crate::store::sites::{Scope, Site, SiteId, SiteStore, check_site_name, site_key};

/// `scope` as the parameter of [`in_scope`]: `None` for every school.
pub(super) fn scope_param(scope: &Scope) -> Option<Vec<i64>> {
    scope.site_ids()
}

/// The SQL condition that `column` (a school number) is in the scope bound
/// as parameter `$n` ([`scope_param`]). A NULL `column` is only the trust's.
pub(super) fn in_scope(column: &str, n: usize) -> String {
    format!("(${n}::BIGINT[] IS NULL OR {column} = ANY(${n}))")
}

/// Every school, in the order they were added.
async fn read_sites(client: &impl GenericClient) -> Result<Vec<Site>> {
    let rows =
        client.query("SELECT id, name, created_at FROM sites ORDER BY id", &[]).await.doing("reading the schools")?;
    Ok(rows.iter().map(|r| Site { id: SiteId(r.get(0)), name: r.get(1), created_at: r.get(2) }).collect())
}

/// [`OfficeError::SiteUnknown`] naming `site` and the schools there are.
fn unknown(site: SiteId, sites: &[Site]) -> OfficeError {
    let known = sites.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ");
    OfficeError::SiteUnknown { site: site.to_string(), known }
}

/// [`OfficeError::SiteUnknown`] unless the school exists.
pub(super) async fn check_site_exists(tx: &Transaction<'_>, site: SiteId) -> Result<()> {
    let found = tx.query_opt("SELECT 1 FROM sites WHERE id = $1", &[&site.0]).await.doing("reading the schools")?;
    if found.is_some() {
        return Ok(());
    }
    Err(unknown(site, &read_sites(tx).await?))
}

/// The schools, read after locking them against another server's change:
/// two schools given one name at once are then checked one after the other.
async fn locked_sites(tx: &Transaction<'_>, doing: &'static str) -> Result<Vec<Site>> {
    tx.batch_execute("LOCK TABLE sites IN SHARE ROW EXCLUSIVE MODE").await.doing(doing)?;
    read_sites(tx).await
}

/// [`OfficeError::SiteExists`] if a school other than `except` has `name`
/// once folded. Compared by folding each stored name, not by its stored
/// key: the first school's key was made by the schema migration in SQL
/// (`lower`), which folds less than [`site_key`].
fn refuse_taken(sites: &[Site], name: &str, except: Option<SiteId>) -> Result<()> {
    let key = site_key(name);
    if sites.iter().any(|s| Some(s.id) != except && site_key(&s.name) == key) {
        return Err(OfficeError::SiteExists { name: name.to_owned() });
    }
    Ok(())
}

#[async_trait]
impl SiteStore for PgStore {
    async fn sites(&self) -> Result<Vec<Site>> {
        read_sites(&self.client().await?).await
    }

    async fn add_site(&self, name: &str, now: DateTime<Utc>) -> Result<Site> {
        const DOING: &str = "adding a school";
        let name = check_site_name(name)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        // Checked before inserting, not by ON CONFLICT: a refused name then
        // takes no number, and schools are numbered as on SQLite.
        refuse_taken(&locked_sites(&tx, DOING).await?, &name, None)?;
        let created_at = format_utc(&now);
        let row = tx
            .query_one(
                "INSERT INTO sites (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id",
                &[&name, &site_key(&name), &created_at],
            )
            .await
            .doing(DOING)?;
        tx.commit().await.doing(DOING)?;
        Ok(Site { id: SiteId(row.get(0)), name, created_at })
    }

    async fn rename_site(&self, site: SiteId, name: &str) -> Result<()> {
        const DOING: &str = "renaming a school";
        let name = check_site_name(name)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        let sites = locked_sites(&tx, DOING).await?;
        if !sites.iter().any(|s| s.id == site) {
            return Err(unknown(site, &sites));
        }
        refuse_taken(&sites, &name, Some(site))?;
        tx.execute("UPDATE sites SET name = $1, name_key = $2 WHERE id = $3", &[&name, &site_key(&name), &site.0])
            .await
            .doing(DOING)?;
        tx.commit().await.doing(DOING)
    }

    async fn kiosk_site(&self, device_id: Uuid) -> Result<Option<SiteId>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT site_id FROM devices WHERE device_id = $1", &[&device_id.hyphenated().to_string()])
            .await
            .doing("reading a kiosk's school")?;
        Ok(row.map(|r| SiteId(r.get(0))))
    }

    async fn account_sites(&self, username: &str) -> Result<Vec<SiteId>> {
        let rows = self
            .client()
            .await?
            .query("SELECT site_id FROM user_sites WHERE lower(username) = lower($1) ORDER BY site_id", &[&username])
            .await
            .doing("reading an account's schools")?;
        Ok(rows.iter().map(|r| SiteId(r.get(0))).collect())
    }

    async fn set_account_sites(&self, username: &str, sites: &[SiteId]) -> Result<()> {
        const DOING: &str = "changing an account's schools";
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        // The account's row, locked: a removal meanwhile waits, then finds
        // its schools already replaced (and drops them with it).
        let stored: Option<String> = tx
            .query_opt("SELECT username FROM users WHERE lower(username) = lower($1) FOR UPDATE", &[&username])
            .await
            .doing(DOING)?
            .map(|r| r.get(0));
        let Some(stored) = stored else {
            return Err(OfficeError::UnknownAccount { username: username.to_owned() });
        };
        // Limiting the trust's last admin to schools would leave nobody to
        // manage every school: the same rule, under the same lock, as roles.
        let before = super::accounts::locked_accounts(&tx).await?;
        let account = super::accounts::find(&before, username)?;
        let still_admin = account.role == StaffRole::Admin && account.disabled_at.is_none() && sites.is_empty();
        super::accounts::keeps_an_admin(&before, username, still_admin)?;
        let known = read_sites(&tx).await?;
        if let Some(missing) = sites.iter().find(|site| !known.iter().any(|k| k.id == **site)) {
            return Err(unknown(*missing, &known));
        }
        let ids: Vec<i64> = sites.iter().map(|s| s.0).collect();
        tx.execute("DELETE FROM user_sites WHERE username = $1", &[&stored]).await.doing(DOING)?;
        tx.execute(
            "INSERT INTO user_sites (username, site_id) SELECT $1, site FROM unnest($2::BIGINT[]) AS site
             ON CONFLICT DO NOTHING",
            &[&stored, &ids],
        )
        .await
        .doing(DOING)?;
        tx.commit().await.doing(DOING)
    }
}
