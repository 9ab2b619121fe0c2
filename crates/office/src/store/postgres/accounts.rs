//! Staff accounts in PostgreSQL: adding, listing, roles, disabling, new
//! passwords and removal, as `store/sqlite/accounts.rs` does them. The rules
//! (names, password length, the last active admin) are in
//! [`crate::store::staff`].
//!
//! Names ignore case, as SQLite's `COLLATE NOCASE` made them: every lookup
//! compares `lower(username)` (the unique index the schema keeps on it), and
//! accounts are listed in NOCASE's order, bytewise once folded.
//!
//! Two office servers may change accounts at once, so every change that
//! could leave no active admin takes [`ACCOUNTS_LOCK`] before reading the
//! accounts it checks: two admins demoting each other on two servers are
//! then checked one after the other, and the second is refused.

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use signbook_core::record::format_utc;

use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::roles::StaffRole;
use crate::store::sites::SiteId;
use crate::store::staff::{StaffAccount, check_keeps_an_admin, check_new_account, check_new_password, hash_password};

/// Advisory lock held by a change that checks for the last active admin ("SBAD").
const ACCOUNTS_LOCK: i64 = 0x5342_4144;

/// NOCASE's order: ASCII folded, then bytewise whatever the database's locale.
pub(super) const BY_NAME: &str = "ORDER BY lower(username) COLLATE \"C\", username COLLATE \"C\"";

/// The schools of account `u`, in order: none for a trust account.
pub(super) const ACCOUNT_SITES: &str =
    "array(SELECT us.site_id FROM user_sites us WHERE us.username = u.username ORDER BY us.site_id)";

/// Runs Argon2 (tens of milliseconds of CPU) off the async workers, as the
/// SQLite backend runs everything on the blocking pool.
pub(super) async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| OfficeError::Internal(format!("hashing a password: {e}")))?
}

/// Adds a staff account; a name taken in any case is refused.
pub(super) async fn add_user(
    store: &PgStore,
    username: &str,
    password: &str,
    role: StaffRole,
    now: DateTime<Utc>,
) -> Result<()> {
    check_new_account(username, password)?;
    let password = password.to_owned();
    let hash = off_runtime(move || hash_password(&password)).await?;
    let client = store.client().await?;
    // No conflict target: the primary key and the folded name's index both count.
    let inserted = client
        .execute(
            "INSERT INTO users (username, password_hash, created_at, role) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&username, &hash, &format_utc(&now), &role.as_str()],
        )
        .await
        .doing("adding a staff account")?;
    if inserted == 0 {
        return Err(OfficeError::AccountInvalid(format!(
            "there is already an account called {username}; choose another name or remove it first"
        )));
    }
    Ok(())
}

/// Removes a staff account (its sessions go with it). `false` if there was none.
pub(super) async fn remove_user(store: &PgStore, username: &str) -> Result<bool> {
    const DOING: &str = "removing a staff account";
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    let before = locked_accounts(&tx).await?;
    keeps_an_admin(&before, username, false)?;
    let removed =
        tx.execute("DELETE FROM users WHERE lower(username) = lower($1)", &[&username]).await.doing(DOING)? == 1;
    tx.commit().await.doing(DOING)?;
    Ok(removed)
}

/// Gives an account another role, keeping an active admin.
pub(super) async fn set_role(store: &PgStore, username: &str, role: StaffRole) -> Result<()> {
    const DOING: &str = "changing an account's role";
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    let before = locked_accounts(&tx).await?;
    let account = find(&before, username)?;
    keeps_an_admin(
        &before,
        username,
        role == StaffRole::Admin && account.disabled_at.is_none() && account.sites.is_empty(),
    )?;
    tx.execute("UPDATE users SET role = $1 WHERE lower(username) = lower($2)", &[&role.as_str(), &username])
        .await
        .doing(DOING)?;
    tx.commit().await.doing(DOING)
}

/// Gives or takes away the publishing permission.
pub(super) async fn set_may_publish(store: &PgStore, username: &str, may_publish: bool) -> Result<()> {
    let client = store.client().await?;
    let changed = client
        .execute(
            "UPDATE users SET may_publish = $1 WHERE lower(username) = lower($2)",
            &[&i64::from(may_publish), &username],
        )
        .await
        .doing("changing who may publish agreements")?;
    if changed == 0 {
        return Err(OfficeError::UnknownAccount { username: username.to_owned() });
    }
    Ok(())
}

/// Disables an account and ends its sessions, or enables it again.
pub(super) async fn set_disabled(store: &PgStore, username: &str, disabled_at: Option<DateTime<Utc>>) -> Result<()> {
    const DOING: &str = "disabling or enabling an account";
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    let before = locked_accounts(&tx).await?;
    let account = find(&before, username)?;
    keeps_an_admin(
        &before,
        username,
        account.role == StaffRole::Admin && disabled_at.is_none() && account.sites.is_empty(),
    )?;
    // Disabling again keeps the first date: that is when its sessions ended.
    tx.execute(
        "UPDATE users SET disabled_at = CASE WHEN $1::text IS NULL THEN NULL ELSE coalesce(disabled_at, $1) END
         WHERE lower(username) = lower($2)",
        &[&disabled_at.as_ref().map(format_utc), &username],
    )
    .await
    .doing(DOING)?;
    if disabled_at.is_some() {
        tx.execute("DELETE FROM sessions WHERE lower(username) = lower($1)", &[&username]).await.doing(DOING)?;
    }
    tx.commit().await.doing(DOING)
}

/// Sets a new password and ends the account's sessions.
pub(super) async fn set_password(store: &PgStore, username: &str, password: &str) -> Result<()> {
    const DOING: &str = "setting a new password";
    check_new_password(password)?;
    let password = password.to_owned();
    let hash = off_runtime(move || hash_password(&password)).await?;
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    let changed = tx
        .execute("UPDATE users SET password_hash = $1 WHERE lower(username) = lower($2)", &[&hash, &username])
        .await
        .doing(DOING)?;
    if changed == 0 {
        return Err(OfficeError::UnknownAccount { username: username.to_owned() });
    }
    tx.execute("DELETE FROM sessions WHERE lower(username) = lower($1)", &[&username]).await.doing(DOING)?;
    tx.commit().await.doing(DOING)
}

/// Every account, by name.
pub(super) async fn accounts(client: &impl GenericClient) -> Result<Vec<StaffAccount>> {
    const DOING: &str = "listing accounts";
    let sql =
        format!("SELECT username, role, created_at, disabled_at, may_publish, {ACCOUNT_SITES} FROM users u {BY_NAME}");
    let rows = client.query(sql.as_str(), &[]).await.doing(DOING)?;
    rows.iter()
        .map(|r| {
            Ok(StaffAccount {
                username: r.get(0),
                role: r.get::<_, &str>(1).parse()?,
                created_at: r.get(2),
                disabled_at: r.get(3),
                may_publish: r.get::<_, i64>(4) != 0,
                sites: r.get::<_, Vec<i64>>(5).into_iter().map(SiteId).collect(),
            })
        })
        .collect()
}

/// Every account, read after taking [`ACCOUNTS_LOCK`], so a check and its
/// change see the rows another server's change left, never the ones before.
pub(super) async fn locked_accounts(tx: &Transaction<'_>) -> Result<Vec<StaffAccount>> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ACCOUNTS_LOCK]).await.doing("locking the staff accounts")?;
    accounts(tx).await
}

/// [`check_keeps_an_admin`] for the account `lower()` matches, by its stored
/// name: a name outside ASCII ("Émile"), which `lower()` folds and the
/// rule's ASCII comparison does not, cannot slip past it. The refusal names
/// the account as it was typed, as SQLite's does.
pub(super) fn keeps_an_admin(accounts: &[StaffAccount], username: &str, still_admin: bool) -> Result<()> {
    let stored = find(accounts, username).map_or(username, |a| a.username.as_str());
    check_keeps_an_admin(accounts, stored, still_admin).map_err(|e| match e {
        OfficeError::LastAdmin { .. } => OfficeError::LastAdmin { username: username.to_owned() },
        other => other,
    })
}

pub(super) fn find<'a>(accounts: &'a [StaffAccount], username: &str) -> Result<&'a StaffAccount> {
    accounts
        .iter()
        .find(|a| a.username.to_lowercase() == username.to_lowercase())
        .ok_or_else(|| OfficeError::UnknownAccount { username: username.to_owned() })
}
