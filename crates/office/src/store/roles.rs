//! What a staff account may do: its [`StaffRole`], and the [`Permission`]
//! each dashboard route needs (the routes are grouped by permission in
//! `web::router`, and one guard checks them).
//!
//! The roles are nested: `records` ⊂ `privacy` ⊂ `admin`. An admin can do
//! everything, deliberately: an admin can make accounts of any role, so an
//! admin who could not erase could still make a privacy account and use
//! it; keeping them apart would only look safer. It also suits the small
//! school with one office person, whose one account (the first, made with
//! the CLI) must do it all.

use std::fmt;
use std::str::FromStr;

use crate::error::OfficeError;

/// A staff account's role, named for the work it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaffRole {
    /// Searches, views, verifies and exports records, evidence packs and the roster.
    Records,
    /// `records`, plus erasure, subject access, retention, the purge and the audit log.
    Privacy,
    /// Everything, plus staff accounts, kiosks and pairing.
    Admin,
}

/// What a dashboard route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Search, view, verify and export records; integrity and alerts; the roster.
    Records,
    /// Erasure, subject access, retention and the purge; the audit log.
    Privacy,
    /// Staff accounts, kiosks, pairing, adopting agreement versions.
    Administer,
    /// Importing and publishing a new agreement version for kiosks: admins,
    /// and any account given it (see [`crate::store::Session::may_publish`]).
    Publish,
}

impl StaffRole {
    /// Every role, least first.
    pub const ALL: [StaffRole; 3] = [StaffRole::Records, StaffRole::Privacy, StaffRole::Admin];

    /// As stored and typed: `records`, `privacy`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Records => "records",
            StaffRole::Privacy => "privacy",
            StaffRole::Admin => "admin",
        }
    }

    /// What the role is for, in a sentence (the accounts page, `user list`).
    pub fn describe(self) -> &'static str {
        match self {
            StaffRole::Records => "search, view, verify and export records, evidence packs and the roster",
            StaffRole::Privacy => "records, plus erasure, subject access, retention, the purge and the audit log",
            StaffRole::Admin => "everything, plus staff accounts, kiosks and pairing",
        }
    }

    /// Whether this role may do what `permission` covers.
    pub fn allows(self, permission: Permission) -> bool {
        self >= permission.least_role()
    }
}

impl Permission {
    /// The least role that has it (the roles are nested).
    pub fn least_role(self) -> StaffRole {
        match self {
            Permission::Records => StaffRole::Records,
            Permission::Privacy => StaffRole::Privacy,
            Permission::Administer | Permission::Publish => StaffRole::Admin,
        }
    }

    /// What the dashboard says when an account lacks it.
    pub fn refusal(self) -> String {
        let what = match self {
            Permission::Records => "search or export records",
            Permission::Privacy => {
                "erase records, export what is held about a person, change retention periods, purge or read the audit log"
            }
            Permission::Administer => "manage staff accounts, kiosks or pairing",
            Permission::Publish => {
                return "Your account cannot publish agreements. Nothing was changed. Ask a member of staff with the admin role to publish it, or to let your account publish.".to_owned();
            }
        };
        format!(
            "Your account cannot {what}. Nothing was changed. Ask a member of staff with the {} role.",
            self.least_role()
        )
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StaffRole {
    type Err = OfficeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        StaffRole::ALL.into_iter().find(|role| role.as_str().eq_ignore_ascii_case(text.trim())).ok_or_else(|| {
            OfficeError::AccountInvalid(format!("there is no role {text:?}; choose records, privacy or admin"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_its_own_permissions_and_those_of_the_roles_below() {
        use Permission::*;
        let allowed = |role: StaffRole| {
            [Records, Privacy, Administer].into_iter().filter(|p| role.allows(*p)).collect::<Vec<_>>()
        };
        assert_eq!(allowed(StaffRole::Records), vec![Records]);
        assert_eq!(allowed(StaffRole::Privacy), vec![Records, Privacy]);
        assert_eq!(allowed(StaffRole::Admin), vec![Records, Privacy, Administer]);
    }

    #[test]
    fn roles_read_back_as_written_and_others_are_refused_with_the_choices() {
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>().unwrap(), role);
        }
        assert_eq!(" Admin".parse::<StaffRole>().unwrap(), StaffRole::Admin, "as typed at a terminal");
        let err = "head".parse::<StaffRole>().unwrap_err().to_string();
        assert!(err.contains("records, privacy or admin"), "{err}");
    }

    #[test]
    fn a_refusal_names_the_role_to_ask() {
        assert_eq!(
            Permission::Administer.refusal(),
            "Your account cannot manage staff accounts, kiosks or pairing. Nothing was changed. Ask a member of staff with the admin role."
        );
        assert!(Permission::Privacy.refusal().starts_with("Your account cannot erase records"));
    }
}
