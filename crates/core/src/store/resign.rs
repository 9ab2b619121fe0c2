//! Re-sign rules: whether someone arriving now must sign again.
//!
//! Per role, one of: sign on every visit (visitors, contractors), sign once
//! per agreement version (staff, governors, volunteers), or sign again when
//! the last signature of the current version is more than N days old.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::agreements::parse_time;
use super::database::Store;
use crate::error::{DbContext, Error, Result};
use crate::hash::Hash32;
use crate::name::normalise_name;
use crate::role::{ROLES_WITH_ORGANISATION, Role};

/// When a role signs again. The kiosk's visitor flow shows this rule to
/// everyone choosing the role and never looks a typed name up, so it
/// reveals nothing about another person; [`Store::signing_status`] is for
/// staff (`signbook check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "rule", content = "days", rename_all = "snake_case")]
pub enum ResignRule {
    /// Every time they come in.
    EveryVisit,
    /// Once per agreement version.
    NewVersion,
    /// Once per version, and again when the last signature is this many days old.
    AfterDays(u32),
}

impl ResignRule {
    /// The default for a role: every visit for visiting roles, once per version otherwise.
    pub fn default_for(role: &Role) -> Self {
        if ROLES_WITH_ORGANISATION.contains(&role.as_str()) { ResignRule::EveryVisit } else { ResignRule::NewVersion }
    }
}

impl std::fmt::Display for ResignRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResignRule::EveryVisit => f.write_str("every visit"),
            ResignRule::NewVersion => f.write_str("when the agreement changes"),
            ResignRule::AfterDays(days) => write!(f, "when the agreement changes, or after {days} days"),
        }
    }
}

/// Whether a person must sign now, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SigningStatus {
    /// They must sign.
    MustSign {
        /// Why.
        reason: MustSignReason,
    },
    /// They have already signed the current version recently enough.
    AlreadySigned {
        /// Their signature.
        seq: u64,
        /// When (UTC).
        signed_at: DateTime<Utc>,
    },
}

/// Why someone must sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MustSignReason {
    /// The role signs on every visit.
    EveryVisit,
    /// No signature of the current version under this name and role.
    NotSignedThisVersion,
    /// The last signature of the current version is older than the rule allows.
    Expired,
}

impl std::fmt::Display for MustSignReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MustSignReason::EveryVisit => "this role signs on every visit",
            MustSignReason::NotSignedThisVersion => "no signature of the current agreement under this name and role",
            MustSignReason::Expired => "their last signature of the current agreement has expired",
        })
    }
}

impl Store {
    /// The re-sign rule for `role` (its default unless one was set).
    pub fn resign_rule(&self, role: &Role) -> Result<ResignRule> {
        let row: Option<(String, Option<u32>)> = self
            .conn
            .query_row("SELECT resign_rule, resign_days FROM role_settings WHERE role = ?1", [role.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .doing("reading the re-sign rule")?;
        Ok(match row {
            Some((rule, days)) => match (rule.as_str(), days) {
                ("every_visit", _) => ResignRule::EveryVisit,
                ("after_days", Some(days)) => ResignRule::AfterDays(days),
                _ => ResignRule::NewVersion,
            },
            None => ResignRule::default_for(role),
        })
    }

    /// Sets the re-sign rule for `role`.
    pub fn set_resign_rule(&mut self, role: &Role, rule: ResignRule) -> Result<()> {
        let (name, days) = match rule {
            ResignRule::EveryVisit => ("every_visit", None),
            ResignRule::NewVersion => ("new_version", None),
            ResignRule::AfterDays(0) => return Err(Error::ResignDaysZero),
            ResignRule::AfterDays(days) => ("after_days", Some(days)),
        };
        self.conn
            .execute(
                "INSERT INTO role_settings (role, resign_rule, resign_days) VALUES (?1, ?2, ?3)
                 ON CONFLICT (role) DO UPDATE SET resign_rule = excluded.resign_rule, resign_days = excluded.resign_days",
                params![role.as_str(), name, days],
            )
            .doing("saving the re-sign rule")?;
        Ok(())
    }

    /// Whether the person `name` choosing `role` must sign at `now`. Names
    /// are compared after normalisation, ignoring ASCII case. For staff
    /// only: the kiosk never shows this to whoever types a name, since it
    /// would tell anyone whether, and when, that person was in school.
    pub fn signing_status(&self, role: &Role, name: &str, now: DateTime<Utc>) -> Result<SigningStatus> {
        let rule = self.resign_rule(role)?;
        if rule == ResignRule::EveryVisit {
            return Ok(SigningStatus::MustSign { reason: MustSignReason::EveryVisit });
        }
        let current =
            self.current_agreement(role)?.ok_or_else(|| Error::NoCurrentAgreement { role: role.to_string() })?;
        let name = normalise_name(name)?;
        let last = self.last_signature(role, &name, &current.hash)?;
        let Some((seq, signed_at)) = last else {
            return Ok(SigningStatus::MustSign { reason: MustSignReason::NotSignedThisVersion });
        };
        if let ResignRule::AfterDays(days) = rule
            && now - signed_at > Duration::days(i64::from(days))
        {
            return Ok(SigningStatus::MustSign { reason: MustSignReason::Expired });
        }
        Ok(SigningStatus::AlreadySigned { seq, signed_at })
    }

    fn last_signature(&self, role: &Role, name: &str, agreement: &Hash32) -> Result<Option<(u64, DateTime<Utc>)>> {
        // Records whose name the kiosk removed (held at the office) answer
        // through their keyed name lookup instead of the name itself.
        let key = self.name_lookup_key();
        let row: Option<(u64, String)> = self
            .conn
            .query_row(
                "SELECT seq, signed_at FROM (
                    SELECT seq, signed_at FROM records
                    WHERE role = ?1 AND name = ?2 COLLATE NOCASE AND agreement_hash = ?3
                    UNION ALL
                    SELECT seq, signed_at FROM held_name_lookup
                    WHERE role = ?1 AND name_key = ?4 AND agreement_hash = ?3
                 ) ORDER BY seq DESC LIMIT 1",
                params![role.as_str(), name, agreement.to_hex(), super::held::name_lookup(&key, name)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .doing("looking up earlier signatures")?;
        Ok(row.map(|(seq, at)| (seq, parse_time(&at))))
    }
}

/// One line of the roles overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleOverview {
    /// The role.
    pub role: Role,
    /// Title and hash of its current agreement, if one is published.
    pub current: Option<(String, Hash32)>,
    /// When it signs again.
    pub rule: ResignRule,
}

impl Store {
    /// Every role the kiosk knows (the defaults plus any published for or
    /// configured), with its current agreement and re-sign rule.
    pub fn roles_overview(&self) -> Result<Vec<RoleOverview>> {
        let mut names: Vec<String> = crate::role::DEFAULT_ROLES.iter().map(|r| (*r).to_owned()).collect();
        let mut stmt = self
            .conn
            .prepare("SELECT role FROM current_agreements UNION SELECT role FROM role_settings")
            .doing("listing roles")?;
        for role in stmt.query_map([], |r| r.get::<_, String>(0)).doing("listing roles")? {
            let role = role.doing("listing roles")?;
            if !names.contains(&role) {
                names.push(role);
            }
        }
        names
            .iter()
            .filter_map(|name| Role::new(name).ok())
            .map(|role| {
                let current = self.current_agreement(&role)?.map(|a| (a.title, a.hash));
                Ok(RoleOverview { rule: self.resign_rule(&role)?, current, role })
            })
            .collect()
    }
}
