//! The office's configuration on the kiosk: what the office announced,
//! the verified version waiting for the next visitor, the one applied, and
//! the last one refused (the checks themselves are `signbook_sync`'s, which
//! knows the wire form; this is the storage and the one-transaction apply).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::database::Store;
use crate::agreement::check_publishable;
use crate::error::{DbContext, Result};
use crate::hash::Hash32;
use crate::privacy_notice::PrivacyNotice;
use crate::record::format_utc;
use crate::role::Role;
use crate::store::{KioskSettings, ResignRule};

/// Where the kiosk stands with its office's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigurationState {
    /// The version the office last announced (`None`: an office that has not).
    pub office_version: Option<u64>,
    /// The version applied last (0: none).
    pub applied_version: u64,
    /// When (RFC 3339).
    pub applied_at: Option<String>,
    /// A verified version waiting for the next visitor.
    pub pending_version: Option<u64>,
    /// The last configuration refused.
    pub refused: Option<ConfigurationRefused>,
}

/// A configuration the kiosk refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigurationRefused {
    /// Its version, if it could be read.
    pub version: Option<u64>,
    /// Why, as a code the admin area translates (`configuration_signature_invalid`).
    pub code: String,
    /// Why, in English.
    pub reason: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A verified configuration in the store's terms, applied all at once by
/// [`Store::apply_configuration`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigurationUpdate {
    /// Its version.
    pub version: u64,
    /// When the office issued it: the date visitors see on its new agreements.
    pub issued_at: DateTime<Utc>,
    /// Agreement versions: title, canonical text, roles it is current for.
    pub agreements: Vec<(String, String, Vec<Role>)>,
    /// What each role signs now.
    pub current: Vec<(Role, Hash32)>,
    /// Re-sign rules the office set.
    pub resign_rules: Vec<(Role, ResignRule)>,
    /// Settings the office set; `None` keeps the kiosk's own.
    pub school_name: Option<String>,
    /// As above.
    pub idle_timeout_secs: Option<u32>,
    /// As above.
    pub roles: Option<Vec<Role>>,
    /// The office's privacy notice; `None` keeps the kiosk's own.
    pub privacy_notice: Option<PrivacyNotice>,
    /// Days personal data of an acknowledged record stays on the kiosk;
    /// `None` keeps the kiosk's own (30 unless an office set it).
    pub local_retention_days: Option<u32>,
}

impl Store {
    /// Where the kiosk stands with its office's configuration.
    pub fn configuration_state(&self) -> Result<ConfigurationState> {
        const DOING: &str = "reading the office configuration state";
        let row = self
            .conn
            .query_row(
                "SELECT office_version, applied_version, applied_at, pending_version,
                        refused_version, refused_code, refused_reason, refused_at
                 FROM office_configuration WHERE singleton = 1",
                [],
                |r| {
                    let refused = match (r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(7)?) {
                        (Some(code), Some(at)) => Some(ConfigurationRefused {
                            version: r.get(4)?,
                            code,
                            reason: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                            at,
                        }),
                        _ => None,
                    };
                    Ok(ConfigurationState {
                        office_version: r.get(0)?,
                        applied_version: r.get(1)?,
                        applied_at: r.get(2)?,
                        pending_version: r.get(3)?,
                        refused,
                    })
                },
            )
            .optional()
            .doing(DOING)?;
        Ok(row.unwrap_or_default())
    }

    /// Keeps the version the office announced in a push answer.
    pub fn note_office_configuration_version(&mut self, version: u64) -> Result<()> {
        self.conn
            .execute("UPDATE office_configuration SET office_version = ?1", [version])
            .doing("saving the office's configuration version")?;
        Ok(())
    }

    /// Forgets that the office knows of configurations (it refused the
    /// kiosk's status: an office going back to an older version).
    pub fn forget_office_configuration_version(&mut self) -> Result<()> {
        self.conn
            .execute("UPDATE office_configuration SET office_version = NULL", [])
            .doing("saving the office's configuration version")?;
        Ok(())
    }

    /// Keeps a verified configuration (its JSON) to apply between visitors,
    /// unless the kiosk already has it or a newer one. Clears an earlier
    /// refusal: the Status tab shows the latest outcome.
    pub fn stage_configuration(&mut self, version: u64, body: &str) -> Result<bool> {
        let staged = self
            .conn
            .execute(
                "UPDATE office_configuration SET pending_version = ?1, pending_body = ?2, refused_version = NULL,
                 refused_code = NULL, refused_reason = NULL, refused_at = NULL
                 WHERE applied_version < ?1 AND coalesce(pending_version, 0) < ?1",
                params![version, body],
            )
            .doing("keeping the office's configuration")?;
        Ok(staged == 1)
    }

    /// Records that a configuration was refused, and why; nothing of it is kept.
    pub fn note_configuration_refused(
        &mut self,
        version: Option<u64>,
        code: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE office_configuration SET refused_version = ?1, refused_code = ?2, refused_reason = ?3, refused_at = ?4",
                params![version, code, reason, format_utc(&now)],
            )
            .doing("recording a refused configuration")?;
        Ok(())
    }

    /// The verified configuration waiting to be applied: its version and JSON.
    pub fn pending_configuration(&self) -> Result<Option<(u64, String)>> {
        self.conn
            .query_row(
                "SELECT pending_version, pending_body FROM office_configuration
                 WHERE pending_version IS NOT NULL AND pending_body IS NOT NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .doing("reading the pending configuration")
    }

    /// Drops the pending configuration without applying it (it was refused).
    pub fn drop_pending_configuration(&mut self) -> Result<()> {
        self.conn
            .execute("UPDATE office_configuration SET pending_version = NULL, pending_body = NULL", [])
            .doing("dropping the pending configuration")?;
        Ok(())
    }

    /// Applies `update` in one transaction: publishes its agreements for
    /// their roles, makes each role's version current, sets its re-sign
    /// rules and settings, and records the version applied. Anything
    /// refused (a setting out of range, a text that is not publishable)
    /// changes nothing.
    pub fn apply_configuration(&mut self, update: &ConfigurationUpdate, now: DateTime<Utc>) -> Result<()> {
        const DOING: &str = "applying the office's configuration";
        let mut settings = self.settings()?;
        if let Some(name) = &update.school_name {
            settings.school_name = name.clone();
        }
        if let Some(secs) = update.idle_timeout_secs {
            settings.idle_timeout_secs = secs;
        }
        if let Some(roles) = &update.roles {
            settings.roles = roles.clone();
        }
        if let Some(notice) = &update.privacy_notice {
            settings.privacy_notice = notice.clone();
        }
        settings.validate()?;
        if let Some(days) = update.local_retention_days {
            super::held::check_local_retention_days(days)?;
        }
        let mut texts = Vec::with_capacity(update.agreements.len());
        for (title, text, roles) in &update.agreements {
            let (text, title) = check_publishable(text, title, roles)?;
            texts.push((Hash32::of(text.as_bytes()), title, text, roles));
        }
        let issued = format_utc(&update.issued_at);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        for (hash, title, text, roles) in &texts {
            tx.execute(
                "INSERT OR IGNORE INTO agreements (hash, title, body, published_at) VALUES (?1, ?2, ?3, ?4)",
                params![hash.to_hex(), title, text, issued],
            )
            .doing(DOING)?;
            for role in *roles {
                tx.execute(
                    "INSERT OR IGNORE INTO agreement_roles (agreement_hash, role) VALUES (?1, ?2)",
                    params![hash.to_hex(), role.as_str()],
                )
                .doing(DOING)?;
            }
        }
        for (role, hash) in &update.current {
            tx.execute(
                "INSERT INTO current_agreements (role, agreement_hash, since) VALUES (?1, ?2, ?3)
                 ON CONFLICT (role) DO UPDATE SET agreement_hash = excluded.agreement_hash, since = excluded.since
                 WHERE agreement_hash IS NOT excluded.agreement_hash",
                params![role.as_str(), hash.to_hex(), format_utc(&now)],
            )
            .doing(DOING)?;
        }
        for (role, rule) in &update.resign_rules {
            let (name, days) = match rule {
                ResignRule::EveryVisit => ("every_visit", None),
                ResignRule::NewVersion => ("new_version", None),
                ResignRule::AfterDays(days) => ("after_days", Some((*days).max(1))),
            };
            tx.execute(
                "INSERT INTO role_settings (role, resign_rule, resign_days) VALUES (?1, ?2, ?3)
                 ON CONFLICT (role) DO UPDATE SET resign_rule = excluded.resign_rule, resign_days = excluded.resign_days",
                params![role.as_str(), name, days],
            )
            .doing(DOING)?;
        }
        KioskSettings::save(&tx, &settings)?;
        if let Some(days) = update.local_retention_days {
            super::held::save_local_retention_days(&tx, days)?;
        }
        tx.execute(
            "UPDATE office_configuration SET applied_version = ?1, applied_at = ?2,
             pending_version = CASE WHEN pending_version <= ?1 THEN NULL ELSE pending_version END,
             pending_body = CASE WHEN pending_version <= ?1 THEN NULL ELSE pending_body END",
            params![update.version, format_utc(&now)],
        )
        .doing(DOING)?;
        tx.commit().doing(DOING)
    }
}
