//! The compliance roster: each school's list of staff and governors, and
//! who of them has not signed the current agreement for their role.
//! Reading the file and matching names are here, for every backend.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use signbook_core::role::Role;
use uuid::Uuid;

use super::search::fold;
use super::sites::SiteId;
use crate::error::{OfficeError, Result};
use crate::i18n::{t, tf};

/// One person on the school's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    /// As written in the imported file.
    pub name: String,
    /// The role they must sign for.
    pub role: String,
    /// Optional contact, for the outstanding list.
    pub email: Option<String>,
}

/// Where a roster entry stands against the current agreement of its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RosterStatus {
    /// A record of this name and role names the current version.
    Signed {
        /// The record: kiosk and sequence.
        device_id: Uuid,
        /// Sequence.
        seq: u64,
        /// When (UTC).
        signed_at: String,
    },
    /// No record of this name and role for the current version.
    Outstanding {
        /// Names that may be this person (same surname and initial), for
        /// staff to check: never counted as signed.
        possible: Vec<String>,
    },
    /// Two roster lines fold to the same name and role: one signature
    /// cannot be told apart, so staff must check by hand.
    Ambiguous {
        /// The other roster lines.
        with: Vec<String>,
    },
    /// The office has no current version for this role yet.
    NoAgreement,
}

/// Reads a roster CSV: a header row naming `name` and `role` columns
/// (any case, any order; `email` optional), then one person a line.
/// Every problem is reported with its line number, and nothing is imported
/// unless the whole file is good.
pub fn parse_roster(csv_bytes: &[u8]) -> Result<Vec<RosterEntry>> {
    let text =
        std::str::from_utf8(csv_bytes).map_err(|_| OfficeError::InputInvalid(t("roster.error_not_utf8").into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| OfficeError::InputInvalid(tf("roster.error_first_line", &[("error", &e)])))?
        .clone();
    let column = |want: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(want));
    let (Some(name_col), Some(role_col)) = (column("name"), column("role")) else {
        let found = headers.iter().collect::<Vec<_>>().join(", ");
        return Err(OfficeError::InputInvalid(tf("roster.error_columns", &[("found", &found)])));
    };
    let email_col = column("email");
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(tf("roster.error_line", &[("line", &line), ("problem", &e)]));
                continue;
            }
        };
        if row.iter().all(str::is_empty) {
            continue;
        }
        let name = row.get(name_col).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
        let role = row.get(role_col).unwrap_or("").to_lowercase();
        if fold(&name).is_empty() || name.chars().count() > 100 {
            problems.push(tf("roster.error_line_name", &[("line", &line)]));
        } else if let Err(e) = Role::new(&role) {
            problems.push(tf("roster.error_line", &[("line", &line), ("problem", &e)]));
        } else {
            out.push(RosterEntry {
                name,
                role,
                email: email_col.and_then(|c| row.get(c)).filter(|e| !e.is_empty()).map(str::to_owned),
            });
        }
        if out.len() > 10_000 {
            return Err(OfficeError::InputInvalid(t("roster.error_too_many").into()));
        }
    }
    if !problems.is_empty() {
        problems.truncate(20);
        return Err(OfficeError::InputInvalid(tf("roster.error_lines", &[("lines", &problems.join("; "))])));
    }
    if out.is_empty() {
        return Err(OfficeError::InputInvalid(t("roster.error_empty").into()));
    }
    Ok(out)
}

/// Same surname and same first initial, once folded: "Sam Lee" and
/// "Samuel Lee" may be one person; staff decide.
pub fn may_be_same_person(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    a.len() > 1 && b.len() > 1 && a.last() == b.last() && a[0].chars().next() == b[0].chars().next()
}

/// The roster and where each person on it stands.
#[async_trait]
pub trait RosterStore: Send + Sync {
    /// Replaces `site`'s roster with `entries` (other schools' are kept),
    /// and logs it for that school.
    async fn replace_roster(
        &self,
        site: SiteId,
        entries: &[RosterEntry],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The hash of the current agreement version for each role (the
    /// office's decision, see [`crate::store::AgreementStore`]): what that
    /// role must sign now.
    async fn current_agreements(&self) -> Result<HashMap<String, String>>;

    /// Every entry of `site`'s roster with where it stands, in roster
    /// order, matched against that school's records only: a record signed
    /// at another school's kiosk never counts, nor is offered as possible.
    async fn roster_status(&self, site: SiteId) -> Result<Vec<(RosterEntry, RosterStatus)>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_files_are_read_tolerantly_and_refused_whole() {
        let ok = parse_roster(
            "\u{feff}Role,Name,Email\r\nstaff,  Siân   Evans ,s.evans@school.example\r\ngovernor,Tom Price,\r\n\r\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            ok,
            vec![
                RosterEntry {
                    name: "Siân Evans".into(),
                    role: "staff".into(),
                    email: Some("s.evans@school.example".into())
                },
                RosterEntry { name: "Tom Price".into(), role: "governor".into(), email: None },
            ]
        );
        for (file, says) in [
            ("first,last\nA,B\n", "at least \"name\" and \"role\""),
            ("name,role\nAnn Lee,head teacher\n", "line 2"),
            ("name,role\n,staff\n", "line 2: the name is empty"),
            ("name,role\n", "no people"),
        ] {
            let err = parse_roster(file.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(says), "{file:?} gave {err}");
        }
        assert!(parse_roster(b"name,role\n\xff\xfe,staff\n").unwrap_err().to_string().contains("UTF-8"));
    }

    #[test]
    fn possible_matches_share_surname_and_initial() {
        assert!(may_be_same_person("sam lee", "samuel lee"));
        assert!(!may_be_same_person("sam lee", "tom lee"));
        assert!(!may_be_same_person("lee", "lee"));
    }
}
