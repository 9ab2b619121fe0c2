//! What staff search records by.
//!
//! Names are matched *folded*: lower case, accents removed, runs of spaces
//! made one, curly apostrophes made straight. "zoe  o’brien" finds
//! "Zoë O'Brien". The compliance roster matches with the same [`fold`].

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use uuid::Uuid;

use super::sites::SiteId;

/// Folds a name for matching (see the module docs).
///
/// ```
/// use signbook_office::store::fold;
/// assert_eq!(fold("  Zoë   O’Brien "), "zoe o'brien");
/// assert_eq!(fold("ŴYN"), "wyn");
/// ```
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if matches!(c, '\u{2018}' | '\u{2019}' | '`') { '\'' } else { c })
        .collect();
    stripped.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What staff filter records by. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordQuery {
    /// Part of the signer's name (folded before matching).
    pub name: String,
    /// Part of the organisation (folded).
    pub organisation: String,
    /// Exact role.
    pub role: Option<String>,
    /// First day, at the kiosk's local time when signed.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// Agreement version (64 hex digits).
    pub agreement: Option<String>,
    /// Kiosk.
    pub kiosk: Option<Uuid>,
    /// One school of those the caller may see (trust staff filtering by
    /// school). What the caller may see at all is the store's [`Scope`]
    /// argument, not this.
    ///
    /// [`Scope`]: super::sites::Scope
    pub site: Option<SiteId>,
}

impl RecordQuery {
    /// Says what the query selects, for export manifests and the audit log.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.name.trim().is_empty() {
            parts.push(format!("name contains \"{}\"", self.name.trim()));
        }
        if !self.organisation.trim().is_empty() {
            parts.push(format!("organisation contains \"{}\"", self.organisation.trim()));
        }
        if let Some(role) = &self.role {
            parts.push(format!("role {role}"));
        }
        match (self.from, self.to) {
            (Some(from), Some(to)) => parts.push(format!("signed {from} to {to}")),
            (Some(from), None) => parts.push(format!("signed on or after {from}")),
            (None, Some(to)) => parts.push(format!("signed on or before {to}")),
            (None, None) => {}
        }
        if let Some(agreement) = &self.agreement {
            parts.push(format!("agreement {}", &agreement[..agreement.len().min(12)]));
        }
        if let Some(kiosk) = &self.kiosk {
            parts.push(format!("kiosk {kiosk}"));
        }
        if let Some(site) = &self.site {
            parts.push(format!("school {site}"));
        }
        if parts.is_empty() { "all records".to_owned() } else { parts.join(", ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        for (typed, folded) in [
            ("Zoë O'Brien", "zoe o'brien"),
            ("  ZOE   o’brien ", "zoe o'brien"),
            ("Siân Llŷr", "sian llyr"),
            ("Ægir Øster", "ægir øster"), // letters, not accents: kept
            ("<script>", "<script>"),
        ] {
            assert_eq!(fold(typed), folded, "{typed:?}");
        }
    }

    #[test]
    fn a_query_says_what_it_selects() {
        let query = RecordQuery {
            name: " zoe ".into(),
            role: Some("governor".into()),
            from: NaiveDate::from_ymd_opt(2026, 9, 1),
            ..Default::default()
        };
        assert_eq!(query.describe(), "name contains \"zoe\", role governor, signed on or after 2026-09-01");
        assert_eq!(RecordQuery::default().describe(), "all records");
    }
}
