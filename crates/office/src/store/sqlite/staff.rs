//! Staff accounts, sessions and failed logins in SQLite; the rules are
//! in [`crate::store::staff`].

use rusqlite::{OptionalExtension, params};

use super::Db;
use super::accounts::{ACCOUNT_SITES, site_list};
use crate::error::{DbContext, OfficeError, Result};
use crate::i18n::Lang;
use crate::store::sites::Scope;
use crate::store::staff::{
    LoginThrottle, NewLockouts, RecentFailures, SESSION_IDLE_SECS, SESSION_MAX_SECS, Session, account_key, address_key,
    password_matches, random_hex, token_hash,
};

impl Db {
    /// The account's name as stored, if `password` is right and the
    /// account is not disabled. Takes the same time whether or not the
    /// account exists (a disabled one's hash is checked all the same).
    pub fn check_password(&self, username: &str, password: &str) -> Result<Option<String>> {
        let row: Option<(String, String, bool)> = self
            .conn
            .query_row(
                "SELECT username, password_hash, disabled_at IS NOT NULL FROM users WHERE username = ?1",
                [username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .doing("checking a password")?;
        let right = password_matches(row.as_ref().map(|(_, hash, _)| hash.as_str()), password)?;
        Ok(row.filter(|(_, _, disabled)| right && !disabled).map(|(name, _, _)| name))
    }

    /// Seconds until `address` may try `account` again ([`LoginThrottle::wait`]).
    pub fn login_locked_for(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        let account = self.recent_login_failures(&account_key(account), throttle.per_account, throttle, now)?;
        let address = self.recent_login_failures(&address_key(address), throttle.per_address, throttle, now)?;
        Ok(throttle.wait(account, address, now))
    }

    /// The last `allowed` failures of `key` in the window.
    fn recent_login_failures(
        &self,
        key: &str,
        allowed: u64,
        throttle: &LoginThrottle,
        now: i64,
    ) -> Result<RecentFailures> {
        let (count, oldest) = self
            .conn
            .query_row(
                "SELECT count(*), min(at) FROM (SELECT at FROM login_failures WHERE key = ?1 AND at > ?2 ORDER BY at DESC LIMIT ?3)",
                params![key, now - throttle.window_secs, allowed],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .doing("checking failed logins")?;
        Ok(RecentFailures { count, oldest })
    }

    /// Counts a failed login against the account and the address; reports
    /// each lockout it starts once a window.
    pub fn note_login_failure(
        &mut self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<NewLockouts> {
        const DOING: &str = "recording a failed login";
        let (account_key, address_key) = (account_key(account), address_key(address));
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM login_failures WHERE at < ?1", [now - 24 * 60 * 60]).doing(DOING)?;
        for key in [&account_key, &address_key] {
            tx.execute("INSERT INTO login_failures (key, at) VALUES (?1, ?2)", params![key, now]).doing(DOING)?;
        }
        let newly_locked = |key: &str, allowed: u64| -> Result<bool> {
            let count: u64 = tx
                .query_row(
                    "SELECT count(*) FROM login_failures WHERE key = ?1 AND at > ?2",
                    params![key, now - throttle.window_secs],
                    |r| r.get(0),
                )
                .doing(DOING)?;
            Ok(count >= allowed && first_report(&tx, &format!("lockout:{key}"), throttle.window_secs, now)?)
        };
        let lockouts = NewLockouts {
            account: newly_locked(&account_key, throttle.per_account)?,
            address: newly_locked(&address_key, throttle.per_address)?,
        };
        tx.commit().doing(DOING)?;
        Ok(lockouts)
    }

    /// Starts a session; returns the cookie value (only its hash is kept).
    pub fn start_session(&mut self, username: &str, now: i64) -> Result<String> {
        const DOING: &str = "starting a session";
        let token = random_hex();
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM login_failures WHERE key = ?1", [account_key(username)]).doing(DOING)?;
        tx.execute(
            "DELETE FROM sessions WHERE last_used_at < ?1 OR created_at < ?2",
            params![now - SESSION_IDLE_SECS, now - SESSION_MAX_SECS],
        )
        .doing(DOING)?;
        tx.execute(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![token_hash(&token), username, random_hex(), now],
        )
        .doing(DOING)?;
        tx.commit().doing(DOING)?;
        Ok(token)
    }

    /// The live session for a cookie value, refreshed; `None` if unknown or expired.
    pub fn session(&mut self, token: &str, now: i64) -> Result<Option<Session>> {
        const DOING: &str = "checking a session";
        let hash = token_hash(token);
        let session = self
            .conn
            .query_row(
                &format!(
                    "SELECT s.username, s.csrf_token, u.role, u.may_publish, u.language, {ACCOUNT_SITES}
                     FROM sessions s JOIN users u ON u.username = s.username
                     WHERE s.token_hash = ?1 AND s.last_used_at >= ?2 AND s.created_at >= ?3 AND u.disabled_at IS NULL"
                ),
                params![hash, now - SESSION_IDLE_SECS, now - SESSION_MAX_SECS],
                |r| {
                    let (language, sites) = (r.get::<_, String>(4)?, r.get::<_, String>(5)?);
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get(3)?,
                        language,
                        sites,
                    ))
                },
            )
            .optional()
            .doing(DOING)?
            .map(|(username, csrf_token, role, may_publish, language, sites)| {
                // The column's CHECK allows only the two codes.
                let language = Lang::from_code(&language).unwrap_or_default();
                let scope = Scope::of_account(site_list(&sites)?);
                Ok::<_, OfficeError>(Session {
                    username,
                    csrf_token,
                    role: role.parse()?,
                    may_publish,
                    language,
                    scope,
                })
            })
            .transpose()?;
        if session.is_some() {
            self.conn
                .execute("UPDATE sessions SET last_used_at = ?1 WHERE token_hash = ?2", params![now, hash])
                .doing(DOING)?;
        }
        Ok(session)
    }

    /// The language an account reads the dashboard in.
    pub fn set_language(&mut self, username: &str, language: Lang) -> Result<()> {
        let changed = self
            .conn
            .execute("UPDATE users SET language = ?1 WHERE username = ?2", params![language.code(), username])
            .doing("choosing an account's language")?;
        if changed == 0 {
            return Err(OfficeError::UnknownAccount { username: username.to_owned() });
        }
        Ok(())
    }

    /// The school's language for exports (English if never chosen).
    pub fn export_language(&self) -> Result<Lang> {
        let code: Option<String> = self
            .conn
            .query_row("SELECT value FROM office_settings WHERE key = 'export_language'", [], |r| r.get(0))
            .optional()
            .doing("reading the language of exports")?;
        Ok(code.as_deref().and_then(Lang::from_code).unwrap_or_default())
    }

    /// Sets the school's language for exports.
    pub fn set_export_language(&mut self, language: Lang) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO office_settings (key, value) VALUES ('export_language', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [language.code()],
            )
            .doing("setting the language of exports")?;
        Ok(())
    }

    /// Ends a session (logout).
    pub fn end_session(&mut self, token: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash(token)])
            .doing("ending a session")?;
        Ok(())
    }
}

/// Whether a problem under `key` has not been reported in the last
/// `window_secs`; if so it counts as reported now.
pub(super) fn first_report(tx: &rusqlite::Transaction<'_>, key: &str, window_secs: i64, now: i64) -> Result<bool> {
    const DOING: &str = "noting a reported problem";
    let last: Option<i64> =
        tx.query_row("SELECT at FROM problem_reports WHERE key = ?1", [key], |r| r.get(0)).optional().doing(DOING)?;
    if last.is_some_and(|last| last > now - window_secs) {
        return Ok(false);
    }
    tx.execute("INSERT OR REPLACE INTO problem_reports (key, at) VALUES (?1, ?2)", params![key, now]).doing(DOING)?;
    Ok(true)
}
