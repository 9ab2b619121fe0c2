//! Staff accounts in SQLite: adding, listing, roles, disabling, new
//! passwords and removal. The rules (names, password length, the last
//! active admin) are in [`crate::store::staff`].

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use signbook_core::record::format_utc;

use super::Db;
use crate::error::{DbContext, OfficeError, Result};
use crate::store::roles::StaffRole;
use crate::store::sites::SiteId;
use crate::store::staff::{StaffAccount, check_keeps_an_admin, check_new_account, check_new_password, hash_password};

impl Db {
    /// Adds a staff account.
    pub fn add_user(&mut self, username: &str, password: &str, role: StaffRole, now: DateTime<Utc>) -> Result<()> {
        check_new_account(username, password)?;
        let hash = hash_password(password)?;
        let inserted = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO users (username, password_hash, created_at, role) VALUES (?1, ?2, ?3, ?4)",
                params![username, hash, format_utc(&now), role.as_str()],
            )
            .doing("adding a staff account")?;
        if inserted == 0 {
            return Err(OfficeError::AccountInvalid(format!(
                "there is already an account called {username}; choose another name or remove it first"
            )));
        }
        Ok(())
    }

    /// Removes a staff account and logs it out everywhere. `false` if there was none.
    pub fn remove_user(&mut self, username: &str) -> Result<bool> {
        const DOING: &str = "removing a staff account";
        let tx = self.conn.transaction().doing(DOING)?;
        check_keeps_an_admin(&accounts(&tx)?, username, false)?;
        let removed = tx.execute("DELETE FROM users WHERE username = ?1", [username]).doing(DOING)? == 1;
        tx.commit().doing(DOING)?;
        Ok(removed)
    }

    /// Every staff account, by name.
    pub fn users(&self) -> Result<Vec<StaffAccount>> {
        accounts(&self.conn)
    }

    /// Gives an account another role, keeping an active admin.
    pub fn set_role(&mut self, username: &str, role: StaffRole) -> Result<()> {
        const DOING: &str = "changing an account's role";
        let tx = self.conn.transaction().doing(DOING)?;
        let before = accounts(&tx)?;
        let account = find(&before, username)?;
        check_keeps_an_admin(
            &before,
            username,
            role == StaffRole::Admin && account.disabled_at.is_none() && account.sites.is_empty(),
        )?;
        tx.execute("UPDATE users SET role = ?1 WHERE username = ?2", params![role.as_str(), username]).doing(DOING)?;
        tx.commit().doing(DOING)
    }

    /// Gives or takes away the publishing permission.
    pub fn set_may_publish(&mut self, username: &str, may_publish: bool) -> Result<()> {
        let changed = self
            .conn
            .execute("UPDATE users SET may_publish = ?1 WHERE username = ?2", params![may_publish, username])
            .doing("changing who may publish agreements")?;
        if changed == 0 {
            return Err(OfficeError::UnknownAccount { username: username.to_owned() });
        }
        Ok(())
    }

    /// Disables an account and ends its sessions, or enables it again.
    pub fn set_disabled(&mut self, username: &str, disabled_at: Option<DateTime<Utc>>) -> Result<()> {
        const DOING: &str = "disabling or enabling an account";
        let tx = self.conn.transaction().doing(DOING)?;
        let before = accounts(&tx)?;
        let account = find(&before, username)?;
        check_keeps_an_admin(
            &before,
            username,
            account.role == StaffRole::Admin && disabled_at.is_none() && account.sites.is_empty(),
        )?;
        // Disabling again keeps the first date: that is when its sessions ended.
        tx.execute(
            "UPDATE users SET disabled_at = CASE WHEN ?1 IS NULL THEN NULL ELSE coalesce(disabled_at, ?1) END WHERE username = ?2",
            params![disabled_at.as_ref().map(format_utc), username],
        )
        .doing(DOING)?;
        if disabled_at.is_some() {
            // sessions.username has no NOCASE of its own: any case of the name ends them.
            tx.execute("DELETE FROM sessions WHERE username = ?1 COLLATE NOCASE", [username]).doing(DOING)?;
        }
        tx.commit().doing(DOING)
    }

    /// Sets a new password and ends the account's sessions.
    pub fn set_password(&mut self, username: &str, password: &str) -> Result<()> {
        const DOING: &str = "setting a new password";
        check_new_password(password)?;
        let hash = hash_password(password)?;
        let tx = self.conn.transaction().doing(DOING)?;
        let changed = tx
            .execute("UPDATE users SET password_hash = ?1 WHERE username = ?2", params![hash, username])
            .doing(DOING)?;
        if changed == 0 {
            return Err(OfficeError::UnknownAccount { username: username.to_owned() });
        }
        tx.execute("DELETE FROM sessions WHERE username = ?1 COLLATE NOCASE", [username]).doing(DOING)?;
        tx.commit().doing(DOING)
    }
}

/// Every account (read inside the change's transaction, so a check and
/// its change see the same rows).
/// The schools of account `u`, as a JSON array.
pub(super) const ACCOUNT_SITES: &str = "(SELECT json_group_array(site_id) FROM (SELECT site_id FROM user_sites us WHERE us.username = u.username ORDER BY site_id))";

/// Reads [`ACCOUNT_SITES`].
pub(super) fn site_list(json: &str) -> Result<Vec<SiteId>> {
    let ids: Vec<i64> = serde_json::from_str(json)
        .map_err(|e| OfficeError::Internal(format!("an account's schools read back as {json:?}: {e}")))?;
    Ok(ids.into_iter().map(SiteId).collect())
}

pub(super) fn accounts(conn: &Connection) -> Result<Vec<StaffAccount>> {
    const DOING: &str = "listing accounts";
    let mut stmt = conn
        .prepare(&format!(
            "SELECT username, role, created_at, disabled_at, may_publish, {ACCOUNT_SITES} FROM users u ORDER BY username"
        ))
        .doing(DOING)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .doing(DOING)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .doing(DOING)?;
    rows.into_iter()
        .map(|(username, role, created_at, disabled_at, may_publish, sites)| {
            Ok(StaffAccount {
                username,
                role: role.parse()?,
                created_at,
                disabled_at,
                may_publish,
                sites: site_list(&sites)?,
            })
        })
        .collect()
}

fn find<'a>(accounts: &'a [StaffAccount], username: &str) -> Result<&'a StaffAccount> {
    accounts
        .iter()
        .find(|a| a.username.eq_ignore_ascii_case(username))
        .ok_or_else(|| OfficeError::UnknownAccount { username: username.to_owned() })
}
