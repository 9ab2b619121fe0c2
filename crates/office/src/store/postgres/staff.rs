//! Staff accounts, sessions and failed logins in PostgreSQL, as
//! `store/sqlite/staff.rs` keeps them; the rules are in
//! [`crate::store::staff`], the account changes in [`super::accounts`].
//!
//! Sessions and failures live only in the database, so a session started on
//! one office server is valid on another, a logout anywhere ends it, and
//! failures from both count toward one lockout.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::accounts::{self, ACCOUNT_SITES, off_runtime};
use super::shared::{big, first_report, unsigned};
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::i18n::Lang;
use crate::store::roles::StaffRole;
use crate::store::sites::{Scope, SiteId};
use crate::store::staff::{
    LoginThrottle, NewLockouts, RecentFailures, SESSION_IDLE_SECS, SESSION_MAX_SECS, Session, StaffAccount, StaffStore,
    account_key, address_key, password_matches, random_hex, token_hash,
};

/// Advisory lock held while a failed login is counted ("SBLF"): two servers
/// counting failures of one account at once would each miss the other's
/// uncommitted one, and neither would see the limit reached.
const LOGIN_FAILURES_LOCK: i64 = 0x5342_4C46;

#[async_trait]
impl StaffStore for PgStore {
    async fn add_user(&self, username: &str, password: &str, role: StaffRole, now: DateTime<Utc>) -> Result<()> {
        accounts::add_user(self, username, password, role, now).await
    }

    async fn remove_user(&self, username: &str) -> Result<bool> {
        accounts::remove_user(self, username).await
    }

    async fn users(&self) -> Result<Vec<StaffAccount>> {
        accounts::accounts(&self.client().await?).await
    }

    async fn set_role(&self, username: &str, role: StaffRole) -> Result<()> {
        accounts::set_role(self, username, role).await
    }

    async fn set_may_publish(&self, username: &str, may_publish: bool) -> Result<()> {
        accounts::set_may_publish(self, username, may_publish).await
    }

    async fn set_disabled(&self, username: &str, disabled_at: Option<DateTime<Utc>>) -> Result<()> {
        accounts::set_disabled(self, username, disabled_at).await
    }

    async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        accounts::set_password(self, username, password).await
    }

    async fn check_password(&self, username: &str, password: &str) -> Result<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT username, password_hash, disabled_at IS NOT NULL FROM users WHERE lower(username) = lower($1)",
                &[&username],
            )
            .await
            .doing("checking a password")?
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, bool>(2)));
        // A disabled account's hash is checked all the same: the same time either way.
        let (stored, password) = (row.as_ref().map(|(_, hash, _)| hash.clone()), password.to_owned());
        let right = off_runtime(move || password_matches(stored.as_deref(), &password)).await?;
        Ok(row.filter(|(_, _, disabled)| right && !disabled).map(|(name, _, _)| name))
    }

    async fn login_locked_for(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        let client = self.client().await?;
        let account =
            recent_login_failures(&client, &account_key(account), throttle.per_account, throttle, now).await?;
        let address =
            recent_login_failures(&client, &address_key(address), throttle.per_address, throttle, now).await?;
        Ok(throttle.wait(account, address, now))
    }

    async fn note_login_failure(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<NewLockouts> {
        const DOING: &str = "recording a failed login";
        let (account_key, address_key) = (account_key(account), address_key(address));
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOGIN_FAILURES_LOCK]).await.doing(DOING)?;
        tx.execute("DELETE FROM login_failures WHERE at < $1", &[&(now - 24 * 60 * 60)]).await.doing(DOING)?;
        for key in [&account_key, &address_key] {
            tx.execute("INSERT INTO login_failures (key, at) VALUES ($1, $2)", &[key, &now]).await.doing(DOING)?;
        }
        let mut lockouts = NewLockouts::default();
        for (key, allowed, locked) in [
            (&account_key, throttle.per_account, &mut lockouts.account),
            (&address_key, throttle.per_address, &mut lockouts.address),
        ] {
            let count: i64 = tx
                .query_one(
                    "SELECT count(*) FROM login_failures WHERE key = $1 AND at > $2",
                    &[key, &(now - throttle.window_secs)],
                )
                .await
                .doing(DOING)?
                .get(0);
            *locked = unsigned(count)? >= allowed
                && first_report(&tx, &format!("lockout:{key}"), throttle.window_secs, now).await?;
        }
        tx.commit().await.doing(DOING)?;
        Ok(lockouts)
    }

    async fn start_session(&self, username: &str, now: i64) -> Result<String> {
        const DOING: &str = "starting a session";
        let token = random_hex();
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        tx.execute("DELETE FROM login_failures WHERE key = $1", &[&account_key(username)]).await.doing(DOING)?;
        tx.execute(
            "DELETE FROM sessions WHERE last_used_at < $1 OR created_at < $2",
            &[&(now - SESSION_IDLE_SECS), &(now - SESSION_MAX_SECS)],
        )
        .await
        .doing(DOING)?;
        // The account's name as stored (the foreign key matches it exactly);
        // no such account is refused by that key, as SQLite's refuses it.
        tx.execute(
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, last_used_at)
             VALUES ($1, coalesce((SELECT username FROM users WHERE lower(username) = lower($2)), $2), $3, $4, $4)",
            &[&token_hash(&token), &username, &random_hex(), &now],
        )
        .await
        .doing(DOING)?;
        tx.commit().await.doing(DOING)?;
        Ok(token)
    }

    async fn session(&self, token: &str, now: i64) -> Result<Option<Session>> {
        // Checked and refreshed in one statement: a session another server
        // ends meanwhile (logout, disabling) is not brought back.
        let row = self
            .client()
            .await?
            .query_opt(
                &format!(
                    "UPDATE sessions s SET last_used_at = $4 FROM users u
                     WHERE s.token_hash = $1 AND lower(u.username) = lower(s.username)
                       AND s.last_used_at >= $2 AND s.created_at >= $3 AND u.disabled_at IS NULL
                     RETURNING s.username, s.csrf_token, u.role, u.may_publish, u.language, {ACCOUNT_SITES}"
                ),
                &[&token_hash(token), &(now - SESSION_IDLE_SECS), &(now - SESSION_MAX_SECS), &now],
            )
            .await
            .doing("checking a session")?;
        row.map(|r| {
            // The column's CHECK allows only the two codes.
            let language = Lang::from_code(r.get(4)).unwrap_or_default();
            Ok(Session {
                username: r.get(0),
                csrf_token: r.get(1),
                role: r.get::<_, &str>(2).parse()?,
                may_publish: r.get::<_, i64>(3) != 0,
                language,
                scope: Scope::of_account(r.get::<_, Vec<i64>>(5).into_iter().map(SiteId).collect()),
            })
        })
        .transpose()
    }

    async fn end_session(&self, token: &str) -> Result<()> {
        self.client()
            .await?
            .execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash(token)])
            .await
            .doing("ending a session")?;
        Ok(())
    }

    async fn set_language(&self, username: &str, language: Lang) -> Result<()> {
        let changed = self
            .client()
            .await?
            .execute("UPDATE users SET language = $1 WHERE lower(username) = lower($2)", &[&language.code(), &username])
            .await
            .doing("choosing an account's language")?;
        if changed == 0 {
            return Err(OfficeError::UnknownAccount { username: username.to_owned() });
        }
        Ok(())
    }

    async fn export_language(&self) -> Result<Lang> {
        let code = self
            .client()
            .await?
            .query_opt("SELECT value FROM office_settings WHERE key = 'export_language'", &[])
            .await
            .doing("reading the language of exports")?
            .map(|r| r.get::<_, String>(0));
        Ok(code.as_deref().and_then(Lang::from_code).unwrap_or_default())
    }

    async fn set_export_language(&self, language: Lang) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO office_settings (key, value) VALUES ('export_language', $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&language.code()],
            )
            .await
            .doing("setting the language of exports")?;
        Ok(())
    }
}

/// The last `allowed` failures of `key` in the window.
async fn recent_login_failures(
    client: &impl GenericClient,
    key: &str,
    allowed: u64,
    throttle: &LoginThrottle,
    now: i64,
) -> Result<RecentFailures> {
    let row = client
        .query_one(
            "SELECT count(*), min(at) FROM
                (SELECT at FROM login_failures WHERE key = $1 AND at > $2 ORDER BY at DESC LIMIT $3) recent",
            &[&key, &(now - throttle.window_secs), &big(allowed)?],
        )
        .await
        .doing("checking failed logins")?;
    Ok(RecentFailures { count: unsigned(row.get(0))?, oldest: row.get(1) })
}
