//! Kiosk settings an admin changes: the school's name on the welcome
//! screen, how long an idle kiosk waits before wiping the form, which
//! roles the "I am a ..." screen offers, and the privacy notice.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::database::Store;
use crate::error::{DbContext, Error, Result};
use crate::privacy_notice::PrivacyNotice;
use crate::role::{DEFAULT_ROLES, Role, parse_role_list};

/// Accepted idle timeouts, in seconds.
pub const IDLE_TIMEOUT_SECS: std::ops::RangeInclusive<u32> = 15..=600;
/// Longest school name, in characters.
pub const MAX_SCHOOL_NAME_CHARS: usize = 80;
/// Most roles the role screen can show without scrolling.
pub const MAX_ROLES: usize = 8;

/// The kiosk's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KioskSettings {
    /// Shown on the welcome screen and in exports.
    pub school_name: String,
    /// Seconds without a touch before the kiosk wipes the form and returns to welcome.
    pub idle_timeout_secs: u32,
    /// Roles offered, in order.
    pub roles: Vec<Role>,
    /// "How we use your information" on the name screen; empty texts mean
    /// the built-in notice. Absent in settings saved before it existed.
    #[serde(default)]
    pub privacy_notice: PrivacyNotice,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings {
            school_name: "Welcome".to_owned(),
            idle_timeout_secs: 60,
            roles: DEFAULT_ROLES.iter().map(|r| Role::new(r).expect("default roles are valid")).collect(),
            privacy_notice: PrivacyNotice::default(),
        }
    }
}

impl KioskSettings {
    /// Checks every field, naming the first that is wrong.
    pub fn validate(&self) -> Result<()> {
        let invalid = |field: &'static str, reason: String| Err(Error::SettingInvalid { field, reason });
        let name = self.school_name.trim();
        if name.is_empty() {
            return invalid("school name", "it cannot be empty".into());
        }
        if name.chars().count() > MAX_SCHOOL_NAME_CHARS || name.chars().any(char::is_control) {
            return invalid("school name", format!("use one line of at most {MAX_SCHOOL_NAME_CHARS} characters"));
        }
        if !IDLE_TIMEOUT_SECS.contains(&self.idle_timeout_secs) {
            return invalid(
                "idle timeout",
                format!("use {} to {} seconds", IDLE_TIMEOUT_SECS.start(), IDLE_TIMEOUT_SECS.end()),
            );
        }
        if self.roles.is_empty() || self.roles.len() > MAX_ROLES {
            return invalid("roles", format!("offer between 1 and {MAX_ROLES} roles"));
        }
        if (1..self.roles.len()).any(|i| self.roles[..i].contains(&self.roles[i])) {
            return invalid("roles", "a role is listed twice".into());
        }
        if let Some((language, reason)) = self.privacy_notice.problem() {
            return invalid(
                if language == "English" { "privacy notice (English)" } else { "privacy notice (Welsh)" },
                reason,
            );
        }
        Ok(())
    }
}

impl Store {
    /// The kiosk's settings (defaults for anything never set).
    pub fn settings(&self) -> Result<KioskSettings> {
        let get = |key: &str| -> Result<Option<String>> {
            self.conn
                .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .doing("reading settings")
        };
        let defaults = KioskSettings::default();
        Ok(KioskSettings {
            school_name: get("school_name")?.unwrap_or(defaults.school_name),
            idle_timeout_secs: get("idle_timeout_secs")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(defaults.idle_timeout_secs),
            roles: get("roles")?.and_then(|v| parse_role_list(&v).ok()).unwrap_or(defaults.roles),
            privacy_notice: PrivacyNotice {
                english: get("privacy_notice_en")?.unwrap_or_default(),
                welsh: get("privacy_notice_cy")?.unwrap_or_default(),
            },
        })
    }

    /// Validates and saves all settings at once.
    pub fn update_settings(&mut self, settings: &KioskSettings) -> Result<()> {
        settings.validate()?;
        let tx = self.conn.transaction().doing("saving settings")?;
        KioskSettings::save(&tx, settings)?;
        tx.commit().doing("saving settings")
    }
}

impl KioskSettings {
    /// Writes every setting inside `tx` (already validated).
    pub(crate) fn save(tx: &rusqlite::Transaction<'_>, settings: &KioskSettings) -> Result<()> {
        let roles = settings.roles.iter().map(Role::as_str).collect::<Vec<_>>().join(",");
        for (key, value) in [
            ("school_name", settings.school_name.trim().to_owned()),
            ("idle_timeout_secs", settings.idle_timeout_secs.to_string()),
            ("roles", roles),
            ("privacy_notice_en", settings.privacy_notice.english.clone()),
            ("privacy_notice_cy", settings.privacy_notice.welsh.clone()),
        ] {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .doing("saving settings")?;
        }
        Ok(())
    }
}
