//! Schools ("sites") of a trust, and the [`Scope`] every read of school
//! data takes.
//!
//! A kiosk belongs to the school its pairing code was issued for, and each
//! record to its kiosk's school. A staff account is limited to one or more
//! schools, or (with none) is the trust's and sees every school. The store
//! filters by the caller's [`Scope`] in its own queries: a search, an
//! export, an evidence pack, a record link typed by hand, the kiosk list
//! and the audit log all read through it, so a school's staff cannot reach
//! another school's records by any page.
//!
//! A single school's office has one site, made by the schema migration;
//! its staff never see a choice of school.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::search::fold;
use crate::error::{OfficeError, Result};
use crate::i18n::tf;

/// A school's number in the office database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SiteId(pub i64);

/// The school every office starts with (the schema migration makes it).
pub const FIRST_SITE: SiteId = SiteId(1);

/// The first school's name when the kiosks had no school name set at the
/// migration; `serve --school` replaces it.
pub const FIRST_SITE_PLACEHOLDER: &str = "Our school";

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A school of the trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// Its number.
    pub id: SiteId,
    /// Its name, as staff typed it.
    pub name: String,
    /// When it was added (UTC, RFC 3339).
    pub created_at: String,
}

/// Which schools' data a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every school: the trust's staff, and the office's own commands.
    Trust,
    /// These schools only. Empty reads nothing.
    Sites(Vec<SiteId>),
}

impl Scope {
    /// The scope of an account limited to `sites`; none means the trust's.
    pub fn of_account(sites: Vec<SiteId>) -> Scope {
        if sites.is_empty() { Scope::Trust } else { Scope::Sites(sites) }
    }

    /// Whether `site`'s data may be read.
    pub fn allows(&self, site: SiteId) -> bool {
        match self {
            Scope::Trust => true,
            Scope::Sites(sites) => sites.contains(&site),
        }
    }

    /// Whether this is the trust's scope.
    pub fn is_trust(&self) -> bool {
        matches!(self, Scope::Trust)
    }

    /// This scope narrowed to the school staff chose to look at, if any.
    /// A school outside the scope narrows it to nothing: the answer is
    /// then "no records", as for a school that does not exist.
    pub fn narrowed_to(&self, chosen: Option<SiteId>) -> Scope {
        match chosen {
            None => self.clone(),
            Some(site) if self.allows(site) => Scope::Sites(vec![site]),
            Some(_) => Scope::Sites(Vec::new()),
        }
    }

    /// The schools, or `None` for every school: what a backend filters by.
    pub fn site_ids(&self) -> Option<Vec<i64>> {
        match self {
            Scope::Trust => None,
            Scope::Sites(sites) => Some(sites.iter().map(|s| s.0).collect()),
        }
    }

    /// The one school this scope is, for an audit entry: `None` when it
    /// spans several (then only the trust's staff read the entry).
    pub fn single(&self) -> Option<SiteId> {
        match self {
            Scope::Sites(sites) if sites.len() == 1 => Some(sites[0]),
            _ => None,
        }
    }
}

/// Checks a school name typed by staff, trimmed: what is stored.
pub fn check_site_name(name: &str) -> Result<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(OfficeError::InputInvalid(tf("site.error_name", &[("name", &name)])));
    }
    Ok(name)
}

/// The folded name that keeps two schools from sharing one ("St Mary's"
/// and "st  mary’s" are one school).
pub fn site_key(name: &str) -> String {
    fold(name)
}

/// The schools of the office, and which staff and kiosks belong to which.
#[async_trait]
pub trait SiteStore: Send + Sync {
    /// Every school, in the order they were added.
    async fn sites(&self) -> Result<Vec<Site>>;

    /// Adds a school; [`OfficeError::SiteExists`] if one has the same
    /// (folded) name.
    async fn add_site(&self, name: &str, now: DateTime<Utc>) -> Result<Site>;

    /// Gives a school a new name; [`OfficeError::SiteExists`] if another
    /// has it, [`OfficeError::SiteUnknown`] if there is no such school.
    async fn rename_site(&self, site: SiteId, name: &str) -> Result<()>;

    /// The school a kiosk belongs to, if the kiosk is known.
    async fn kiosk_site(&self, device_id: Uuid) -> Result<Option<SiteId>>;

    /// The schools an account is limited to; empty for a trust account.
    async fn account_sites(&self, username: &str) -> Result<Vec<SiteId>>;

    /// Limits an account to `sites` (empty: makes it the trust's).
    /// [`OfficeError::SiteUnknown`] names a school that does not exist;
    /// nothing is changed then.
    async fn set_account_sites(&self, username: &str, sites: &[SiteId]) -> Result<()>;
}

/// Finds a school by its name as typed (folded), or by its number.
pub fn find_site<'a>(sites: &'a [Site], typed: &str) -> Result<&'a Site> {
    let key = site_key(typed);
    sites
        .iter()
        .find(|site| site_key(&site.name) == key || typed.trim().parse::<i64>().is_ok_and(|n| n == site.id.0))
        .ok_or_else(|| OfficeError::SiteUnknown {
            site: typed.trim().to_owned(),
            known: sites.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_school_account_reads_only_its_schools_and_a_chosen_school_narrows_the_trusts() {
        let school = Scope::of_account(vec![SiteId(2)]);
        assert!(school.allows(SiteId(2)) && !school.allows(SiteId(3)));
        assert_eq!(school.narrowed_to(Some(SiteId(3))), Scope::Sites(vec![]), "another school: nothing");
        assert_eq!(school.narrowed_to(None), school);
        assert_eq!(Scope::of_account(vec![]), Scope::Trust);
        assert_eq!(Scope::Trust.narrowed_to(Some(SiteId(3))).site_ids(), Some(vec![3]));
        assert_eq!(Scope::Trust.site_ids(), None);
        assert_eq!(Scope::Sites(vec![SiteId(1), SiteId(2)]).single(), None);
        assert_eq!(school.single(), Some(SiteId(2)));
    }

    #[test]
    fn school_names_are_trimmed_and_found_as_typed() {
        assert_eq!(check_site_name("  St  Mary's ").unwrap(), "St Mary's");
        assert!(check_site_name("  ").unwrap_err().to_string().contains("1 to 100 characters"));
        let sites = vec![
            Site { id: SiteId(1), name: "Ysgol Bro Taf".into(), created_at: String::new() },
            Site { id: SiteId(2), name: "St Mary’s".into(), created_at: String::new() },
        ];
        assert_eq!(find_site(&sites, "st mary's").unwrap().id, SiteId(2));
        assert_eq!(find_site(&sites, "1").unwrap().id, SiteId(1));
        let err = find_site(&sites, "Oakfield").unwrap_err().to_string();
        assert!(err.contains("Oakfield") && err.contains("Ysgol Bro Taf, St Mary’s"), "{err}");
    }
}
