//! The record search's filters as they arrive in the address: checked into
//! a store query (each problem named in the page's language) and written
//! back as links, for the search page, its pager and its exports.

use chrono::NaiveDate;
use serde::Deserialize;
use signbook_core::Hash32;
use uuid::Uuid;

use super::schools::parse_school;
use crate::error::OfficeError;
use crate::i18n::{t, tf};
use crate::store::RecordQuery;

/// The search form's fields, as they arrive in the address.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct Filters {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub agreement: String,
    #[serde(default)]
    pub kiosk: String,
    /// A school's number (trust staff filtering by school).
    #[serde(default)]
    pub school: String,
    /// Text, not a number, so a mangled link shows page 1 instead of an error.
    #[serde(default)]
    pub page: String,
}

impl Filters {
    /// The store query, or what is wrong with a field.
    pub fn query(&self) -> Result<RecordQuery, OfficeError> {
        let date = |text: &str, problem: fn(&str) -> String| -> Result<Option<NaiveDate>, OfficeError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Some).map_err(|_| OfficeError::InputInvalid(problem(text)))
        };
        let agreement = match self.agreement.trim() {
            "" => None,
            hash => Some(
                Hash32::from_hex(hash)
                    .map_err(|_| OfficeError::InputInvalid(t("records.error_agreement").into()))?
                    .to_hex(),
            ),
        };
        let kiosk = match self.kiosk.trim() {
            "" => None,
            id => Some(Uuid::parse_str(id).map_err(|_| OfficeError::InputInvalid(t("records.error_kiosk").into()))?),
        };
        let first = |date: &str| tf("records.error_first_date", &[("date", &date)]);
        let last = |date: &str| tf("records.error_last_date", &[("date", &date)]);
        let (from, to) = (date(&self.from, first)?, date(&self.to, last)?);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(OfficeError::InputInvalid(tf("records.error_dates_swapped", &[("from", &from), ("to", &to)])));
        }
        Ok(RecordQuery {
            name: self.name.chars().take(100).collect(),
            organisation: self.organisation.chars().take(100).collect(),
            role: Some(self.role.trim().to_owned()).filter(|r| !r.is_empty()),
            from,
            to,
            agreement,
            kiosk,
            site: parse_school(&self.school)?,
        })
    }

    /// The filters as a query string (without the page), for links.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("name", &self.name),
            ("organisation", &self.organisation),
            ("role", &self.role),
            ("from", &self.from),
            ("to", &self.to),
            ("agreement", &self.agreement),
            ("kiosk", &self.kiosk),
            ("school", &self.school),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", super::session::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}
