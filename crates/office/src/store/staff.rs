//! Office staff: accounts (Argon2id), browser sessions, and the failed-login
//! throttle. All of it lives in the database, so a restart neither logs
//! anyone out nor resets a lockout. The rules (password length, hashing,
//! session tokens, the last active admin) are here, for every backend to
//! share; what each role may do is in [`super::roles`].

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::roles::StaffRole;
use super::sites::{Scope, SiteId};
use crate::error::{OfficeError, Result};
use crate::i18n::{Lang, tf};

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

/// Recent failures of one account or one address, as a backend counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecentFailures {
    /// Failures in the window, counting at most the limit.
    pub count: u64,
    /// When the oldest of those happened (Unix seconds).
    pub oldest: Option<i64>,
}

impl LoginThrottle {
    /// Seconds until a login may be tried, given the recent failures of
    /// the account and of the address; `None` if it may be tried now.
    ///
    /// An account locked out by failures stays open to an address that has
    /// not failed in the window: otherwise anyone on the network could keep
    /// a named colleague locked out by failing their logins. Such an address
    /// gets one try; a wrong password is counted, and then it is failing too.
    pub fn wait(&self, account: RecentFailures, address: RecentFailures, now: i64) -> Option<i64> {
        let until = |failures: RecentFailures| failures.oldest.map(|oldest| oldest + self.window_secs - now);
        let address_locked = (address.count >= self.per_address).then(|| until(address)).flatten();
        let account_locked = (account.count >= self.per_account && address.count > 0).then(|| until(account)).flatten();
        address_locked.into_iter().chain(account_locked).max()
    }
}

/// Lockouts that a failed login started, not yet reported to staff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewLockouts {
    /// The account reached its limit.
    pub account: bool,
    /// The address reached its limit.
    pub address: bool,
}

/// A logged-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub username: String,
    /// The token every form must carry back.
    pub csrf_token: String,
    /// Their account's role now (a change applies at their next request).
    pub role: StaffRole,
    /// Whether their account may publish agreements besides what its role allows.
    pub may_publish: bool,
    /// The language their account reads the dashboard in.
    pub language: Lang,
    /// The schools whose data their account reads.
    pub scope: Scope,
}

/// A staff account, as the accounts page and `user list` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// The user name they log in with.
    pub username: String,
    /// What they may do.
    pub role: StaffRole,
    /// When it was added (UTC, RFC 3339).
    pub created_at: String,
    /// When it was disabled, if it is: it cannot log in, and its sessions ended then.
    pub disabled_at: Option<String>,
    /// Given the publishing permission (admins have it whatever this says).
    pub may_publish: bool,
    /// The schools it is limited to; empty for a trust account.
    pub sites: Vec<SiteId>,
}

impl StaffAccount {
    /// An admin of the trust (every school) that can log in: the office
    /// must always keep one, or nobody could manage every school's accounts
    /// and the settings they share.
    pub fn is_active_admin(&self) -> bool {
        self.role == StaffRole::Admin && self.disabled_at.is_none() && self.sites.is_empty()
    }
}

/// Refuses a change that would leave no active admin: nobody could then
/// manage accounts in the dashboard. `accounts` is every account before
/// the change, `username` the one changing, `still_admin` whether it stays
/// an active admin afterwards.
pub fn check_keeps_an_admin(accounts: &[StaffAccount], username: &str, still_admin: bool) -> Result<()> {
    let others = accounts.iter().filter(|a| a.is_active_admin() && !a.username.eq_ignore_ascii_case(username));
    let was_admin = accounts.iter().any(|a| a.is_active_admin() && a.username.eq_ignore_ascii_case(username));
    if was_admin && !still_admin && others.count() == 0 {
        return Err(OfficeError::LastAdmin { username: username.to_owned() });
    }
    Ok(())
}

/// A new password for an account made or reset in the dashboard, shown
/// once to the admin: 16 letters and digits in groups of four, without
/// look-alikes (0/O, 1/l/I), about 80 bits.
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    let chars: Vec<char> = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// What a backend keeps of a session token: its SHA-256, never the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The failed-login throttle's key for an account (names ignore case, as logins do).
pub(crate) fn account_key(account: &str) -> String {
    format!("account:{}", account.to_lowercase())
}

/// The failed-login throttle's key for a client address.
pub(crate) fn address_key(address: &str) -> String {
    format!("address:{address}")
}

/// A new session token or CSRF token: 256 random bits, in hex.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    hex::encode(bytes)
}

/// Checks a new account's name and password; the error says what to fix.
pub fn check_new_account(username: &str, password: &str) -> Result<()> {
    check_username(username)?;
    check_new_password(password)
}

/// Checks a new password; the error says what to fix.
pub fn check_new_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(OfficeError::AccountInvalid(tf("accounts.error_password", &[("min", &MIN_PASSWORD_CHARS)])));
    }
    Ok(())
}

/// Checks a new account's name (before asking for a password).
pub fn check_username(username: &str) -> Result<()> {
    let name_ok = (1..=64).contains(&username.chars().count())
        && username.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !name_ok {
        let quoted = format!("{username:?}");
        return Err(OfficeError::AccountInvalid(tf("accounts.error_username", &[("name", &quoted)])));
    }
    Ok(())
}

/// The stored form of a new password (Argon2id, PHC string).
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| OfficeError::Internal(format!("hashing the password: {e}")))
}

/// Whether `password` matches `stored` (a PHC string). With no account
/// (`None`) it checks a decoy hash instead, so it takes the same time
/// whether or not the account exists.
pub fn password_matches(stored: Option<&str>, password: &str) -> Result<bool> {
    // A fixed hash of a random password, so a missing account costs the same.
    const DECOY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c2lnbmJvb2tkZWNveXNhbHQ$3f0cNm6Dp2ad0kzLOD1TqLfY7vBQGGkGC8xR6f2C3Bw";
    let parsed = PasswordHash::new(stored.unwrap_or(DECOY))
        .map_err(|e| OfficeError::Internal(format!("a stored password hash is damaged: {e}")))?;
    Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some())
}

/// Staff accounts, sessions and failed logins.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Adds a staff account ([`check_new_account`] first).
    async fn add_user(&self, username: &str, password: &str, role: StaffRole, now: DateTime<Utc>) -> Result<()>;

    /// Removes a staff account and logs it out everywhere. `false` if there
    /// was none; [`OfficeError::LastAdmin`] if it is the last active admin.
    async fn remove_user(&self, username: &str) -> Result<bool>;

    /// Every staff account, by name.
    async fn users(&self) -> Result<Vec<StaffAccount>>;

    /// Gives an account another role ([`check_keeps_an_admin`]).
    async fn set_role(&self, username: &str, role: StaffRole) -> Result<()>;

    /// Gives an account the publishing permission, or takes it away (an
    /// admin keeps it through the role).
    async fn set_may_publish(&self, username: &str, may_publish: bool) -> Result<()>;

    /// Disables an account (it cannot log in, and its sessions end now),
    /// or with `None` enables it again ([`check_keeps_an_admin`]).
    async fn set_disabled(&self, username: &str, disabled_at: Option<DateTime<Utc>>) -> Result<()>;

    /// Sets a new password ([`check_new_password`]) and ends the
    /// account's sessions.
    async fn set_password(&self, username: &str, password: &str) -> Result<()>;

    /// The account's name as stored, if `password` is right and the account
    /// is not disabled. Takes the same time whether or not the account
    /// exists ([`password_matches`]).
    async fn check_password(&self, username: &str, password: &str) -> Result<Option<String>>;

    /// Seconds until `address` may try to log in to `account` again, if
    /// it may not now ([`LoginThrottle::wait`]: the right password from an
    /// address that has not been failing is let through a locked account).
    async fn login_locked_for(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Option<i64>>;

    /// Counts a failed login against the account and the address; says
    /// which of them it locked out, each at most once a window (a lockout
    /// already reported in the window is not reported again).
    async fn note_login_failure(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<NewLockouts>;

    /// Starts a session; returns the cookie value (only its [`token_hash`] is kept).
    async fn start_session(&self, username: &str, now: i64) -> Result<String>;

    /// The live session for a cookie value, refreshed; `None` if unknown or expired.
    async fn session(&self, token: &str, now: i64) -> Result<Option<Session>>;

    /// Ends a session (logout).
    async fn end_session(&self, token: &str) -> Result<()>;

    /// The language an account reads the dashboard in, from its next page on.
    async fn set_language(&self, username: &str, language: Lang) -> Result<()>;

    /// The school's language for exports (headings of CSV and spreadsheet
    /// files, the evidence page's labels); English until an admin chooses.
    async fn export_language(&self) -> Result<Lang>;

    /// Sets the school's language for exports.
    async fn set_export_language(&self, language: Lang) -> Result<()>;
}
