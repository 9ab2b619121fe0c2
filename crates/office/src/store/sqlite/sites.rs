//! Schools ("sites") on SQLite, and how a [`Scope`] filters a query: as a
//! JSON array of school numbers (`json_each`), one bound parameter
//! whatever the number of schools, so each query stays one cached statement.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::Db;
use crate::error::{DbContext, OfficeError, Result};
use crate::store::roles::StaffRole;
use crate::store::sites::{Scope, Site, SiteId, check_site_name, site_key};
use crate::store::staff::check_keeps_an_admin;

/// `scope` as the parameter of [`in_scope`]: `None` for every school.
pub(super) fn scope_param(scope: &Scope) -> Option<String> {
    scope.site_ids().map(|ids| serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
}

/// The SQL condition that `column` (a school number) is in the scope bound
/// as parameter `?n` ([`scope_param`]).
pub(super) fn in_scope(column: &str, n: usize) -> String {
    format!("(?{n} IS NULL OR {column} IN (SELECT value FROM json_each(?{n})))")
}

/// [`OfficeError::SiteUnknown`] unless the school exists.
pub(super) fn check_site_exists(tx: &Transaction<'_>, site: SiteId) -> Result<()> {
    let found = tx
        .query_row("SELECT 1 FROM sites WHERE id = ?1", [site.0], |_| Ok(()))
        .optional()
        .doing("reading the schools")?;
    if found.is_some() {
        return Ok(());
    }
    Err(OfficeError::SiteUnknown { site: site.to_string(), known: known_sites(tx)? })
}

/// Whether a school other than `except` has `name`, folded. Compared in
/// Rust, not by `name_key`: the migration keyed the first school with
/// SQL's `lower()`, which folds less than [`site_key`].
fn name_taken(tx: &Transaction<'_>, name: &str, except: Option<SiteId>) -> Result<bool> {
    let mut stmt = tx.prepare("SELECT id, name FROM sites").doing("reading the schools")?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).doing("reading the schools")?;
    let key = site_key(name);
    for row in rows {
        let (id, existing) = row.doing("reading the schools")?;
        if Some(SiteId(id)) != except && site_key(&existing) == key {
            return Ok(true);
        }
    }
    Ok(false)
}

fn known_sites(conn: &rusqlite::Connection) -> Result<String> {
    let mut stmt = conn.prepare("SELECT name FROM sites ORDER BY id").doing("reading the schools")?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0)).doing("reading the schools")?;
    Ok(names.collect::<rusqlite::Result<Vec<_>>>().doing("reading the schools")?.join(", "))
}

impl Db {
    pub fn sites(&self) -> Result<Vec<Site>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name, created_at FROM sites ORDER BY id")
            .doing("reading the schools")?;
        let rows = stmt
            .query_map([], |r| Ok(Site { id: SiteId(r.get(0)?), name: r.get(1)?, created_at: r.get(2)? }))
            .doing("reading the schools")?;
        rows.collect::<rusqlite::Result<_>>().doing("reading the schools")
    }

    pub fn add_site(&mut self, name: &str, now: DateTime<Utc>) -> Result<Site> {
        const DOING: &str = "adding a school";
        let name = check_site_name(name)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        if name_taken(&tx, &name, None)? {
            return Err(OfficeError::SiteExists { name });
        }
        tx.execute(
            "INSERT INTO sites (name, name_key, created_at) VALUES (?1, ?2, ?3)",
            params![name, site_key(&name), format_utc(&now)],
        )
        .doing(DOING)?;
        let id = SiteId(tx.last_insert_rowid());
        tx.commit().doing(DOING)?;
        Ok(Site { id, name, created_at: format_utc(&now) })
    }

    pub fn rename_site(&mut self, site: SiteId, name: &str) -> Result<()> {
        const DOING: &str = "renaming a school";
        let name = check_site_name(name)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        check_site_exists(&tx, site)?;
        if name_taken(&tx, &name, Some(site))? {
            return Err(OfficeError::SiteExists { name });
        }
        tx.execute("UPDATE sites SET name = ?1, name_key = ?2 WHERE id = ?3", params![name, site_key(&name), site.0])
            .doing(DOING)?;
        tx.commit().doing(DOING)
    }

    pub fn kiosk_site(&self, device_id: Uuid) -> Result<Option<SiteId>> {
        self.conn
            .prepare_cached("SELECT site_id FROM devices WHERE device_id = ?1")
            .and_then(|mut s| s.query_row([device_id.hyphenated().to_string()], |r| r.get(0)).optional())
            .doing("reading a kiosk's school")
            .map(|site| site.map(SiteId))
    }

    pub fn account_sites(&self, username: &str) -> Result<Vec<SiteId>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT site_id FROM user_sites WHERE username = ?1 ORDER BY site_id")
            .doing("reading an account's schools")?;
        let rows = stmt.query_map([username], |r| r.get(0).map(SiteId)).doing("reading an account's schools")?;
        rows.collect::<rusqlite::Result<_>>().doing("reading an account's schools")
    }

    pub fn set_account_sites(&mut self, username: &str, sites: &[SiteId]) -> Result<()> {
        const DOING: &str = "changing an account's schools";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let stored: Option<String> = tx
            .query_row("SELECT username FROM users WHERE username = ?1", [username], |r| r.get(0))
            .optional()
            .doing(DOING)?;
        let Some(stored) = stored else {
            return Err(OfficeError::UnknownAccount { username: username.to_owned() });
        };
        for site in sites {
            check_site_exists(&tx, *site)?;
        }
        // Limiting the trust's last admin to schools would leave nobody to
        // manage every school: the same rule as for roles.
        let before = super::accounts::accounts(&tx)?;
        if let Some(account) = before.iter().find(|a| a.username == stored) {
            let still_admin = account.role == StaffRole::Admin && account.disabled_at.is_none() && sites.is_empty();
            check_keeps_an_admin(&before, &stored, still_admin)?;
        }
        tx.execute("DELETE FROM user_sites WHERE username = ?1", [&stored]).doing(DOING)?;
        for site in sites {
            tx.execute("INSERT OR IGNORE INTO user_sites (username, site_id) VALUES (?1, ?2)", params![stored, site.0])
                .doing(DOING)?;
        }
        tx.commit().doing(DOING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_school_named_by_the_migration_still_keeps_its_folded_name_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db {
            conn: super::super::migrations::SCHEMA
                .open(&dir.path().join("office.db"), std::time::Duration::from_secs(1))
                .unwrap(),
        };
        // The kiosks' school name as the migration copied it, keyed by SQL's lower().
        db.conn
            .execute("UPDATE sites SET name = 'Ysgol Bro Ŵyn', name_key = lower('Ysgol Bro Ŵyn') WHERE id = 1", [])
            .unwrap();
        let refused = db.add_site("ysgol bro  wyn", Utc::now()).unwrap_err();
        assert_eq!(refused.code(), "site_exists");
        assert_eq!(db.add_site("Oakfield", Utc::now()).unwrap().id, SiteId(2));
        assert_eq!(db.rename_site(SiteId(2), "YSGOL BRO ŴYN").unwrap_err().code(), "site_exists");
        db.rename_site(SiteId(1), "ysgol bro ŵyn").unwrap(); // its own name, in other letters
    }
}
