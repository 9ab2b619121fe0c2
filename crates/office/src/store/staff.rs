//! Office staff: accounts (Argon2id), browser sessions, and the failed-login
//! throttle. All of it lives in the database, so a restart neither logs
//! anyone out nor resets a lockout.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::SqliteStore;
use crate::error::{DbContext, OfficeError, Result};

/// Shortest password accepted (NCSC: length beats complexity rules).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// A session ends after this long without a request.
pub const SESSION_IDLE_SECS: i64 = 30 * 60;
/// ... and this long after login, whatever happens.
pub const SESSION_MAX_SECS: i64 = 12 * 60 * 60;

/// How failed logins are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures counted over this window.
    pub window_secs: i64,
    /// Failures allowed per account in the window.
    pub per_account: u64,
    /// Failures allowed per client address in the window.
    pub per_address: u64,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle { window_secs: 15 * 60, per_account: 5, per_address: 20 }
    }
}

/// A logged-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub username: String,
    /// The token every form must carry back.
    pub csrf_token: String,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    hex::encode(bytes)
}

/// Checks a new account's name and password; the error says what to fix.
pub fn check_new_account(username: &str, password: &str) -> Result<()> {
    check_username(username)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(OfficeError::AccountInvalid(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters; a few unrelated words work well"
        )));
    }
    Ok(())
}

/// Checks a new account's name (before asking for a password).
pub fn check_username(username: &str) -> Result<()> {
    let name_ok = (1..=64).contains(&username.chars().count())
        && username.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !name_ok {
        return Err(OfficeError::AccountInvalid(format!(
            "the user name {username:?} must be 1 to 64 letters, digits, '.', '_', '-' or '@' (for example j.evans)"
        )));
    }
    Ok(())
}

impl SqliteStore {
    /// Adds a staff account.
    pub fn add_user(&mut self, username: &str, password: &str, now: DateTime<Utc>) -> Result<()> {
        check_new_account(username, password)?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes())
            .map_err(|e| OfficeError::Internal(format!("hashing the password: {e}")))?;
        let inserted = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO users (username, password_hash, created_at) VALUES (?1, ?2, ?3)",
                params![username, hash.to_string(), signbook_core::record::format_utc(&now)],
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
        Ok(self.conn.execute("DELETE FROM users WHERE username = ?1", [username]).doing("removing a staff account")?
            == 1)
    }

    /// Staff account names.
    pub fn users(&self) -> Result<Vec<(String, String)>> {
        let mut stmt =
            self.conn.prepare("SELECT username, created_at FROM users ORDER BY username").doing("listing accounts")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).doing("listing accounts")?;
        rows.collect::<rusqlite::Result<_>>().doing("listing accounts")
    }

    /// The account's name as stored, if `password` is right. Takes the
    /// same time whether or not the account exists.
    pub fn check_password(&self, username: &str, password: &str) -> Result<Option<String>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row("SELECT username, password_hash FROM users WHERE username = ?1", [username], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .doing("checking a password")?;
        // A fixed hash of a random password, so a missing account costs the same.
        const DECOY: &str =
            "$argon2id$v=19$m=19456,t=2,p=1$c2lnbmJvb2tkZWNveXNhbHQ$3f0cNm6Dp2ad0kzLOD1TqLfY7vBQGGkGC8xR6f2C3Bw";
        let stored = row.as_ref().map_or(DECOY, |(_, hash)| hash.as_str());
        let parsed = PasswordHash::new(stored)
            .map_err(|e| OfficeError::Internal(format!("a stored password hash is damaged: {e}")))?;
        let right = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(row.filter(|_| right).map(|(name, _)| name))
    }

    /// Seconds until `keys` may try again, if any of them is locked out.
    pub fn login_locked_for(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        const DOING: &str = "checking failed logins";
        let mut wait = None;
        for (key, allowed) in [
            (format!("account:{}", account.to_lowercase()), throttle.per_account),
            (format!("address:{address}"), throttle.per_address),
        ] {
            let (count, oldest): (u64, Option<i64>) = self
                .conn
                .query_row(
                    "SELECT count(*), min(at) FROM (SELECT at FROM login_failures WHERE key = ?1 AND at > ?2 ORDER BY at DESC LIMIT ?3)",
                    params![key, now - throttle.window_secs, allowed],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .doing(DOING)?;
            if count >= allowed
                && let Some(oldest) = oldest
            {
                let until = oldest + throttle.window_secs - now;
                wait = Some(wait.map_or(until, |w: i64| w.max(until)));
            }
        }
        Ok(wait)
    }

    /// Counts a failed login against the account and the address.
    pub fn note_login_failure(&mut self, account: &str, address: &str, now: i64) -> Result<()> {
        const DOING: &str = "recording a failed login";
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM login_failures WHERE at < ?1", [now - 24 * 60 * 60]).doing(DOING)?;
        for key in [format!("account:{}", account.to_lowercase()), format!("address:{address}")] {
            tx.execute("INSERT INTO login_failures (key, at) VALUES (?1, ?2)", params![key, now]).doing(DOING)?;
        }
        tx.commit().doing(DOING)
    }

    /// Starts a session; returns the cookie value (only its hash is kept).
    pub fn start_session(&mut self, username: &str, now: i64) -> Result<String> {
        const DOING: &str = "starting a session";
        let token = random_hex();
        let tx = self.conn.transaction().doing(DOING)?;
        tx.execute("DELETE FROM login_failures WHERE key = ?1", [format!("account:{}", username.to_lowercase())])
            .doing(DOING)?;
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
                "SELECT username, csrf_token FROM sessions WHERE token_hash = ?1 AND last_used_at >= ?2 AND created_at >= ?3",
                params![hash, now - SESSION_IDLE_SECS, now - SESSION_MAX_SECS],
                |r| Ok(Session { username: r.get(0)?, csrf_token: r.get(1)? }),
            )
            .optional()
            .doing(DOING)?;
        if session.is_some() {
            self.conn
                .execute("UPDATE sessions SET last_used_at = ?1 WHERE token_hash = ?2", params![now, hash])
                .doing(DOING)?;
        }
        Ok(session)
    }

    /// Ends a session (logout).
    pub fn end_session(&mut self, token: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash(token)])
            .doing("ending a session")?;
        Ok(())
    }
}
