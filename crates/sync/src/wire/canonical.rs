//! Reading a chain entry's fields back from the wire only in the form its
//! canonical encoding writes them, each refusal naming the entry and field:
//! the office must never store an entry re-written from what was hashed.

use chrono::{DateTime, Utc};
use signbook_core::hash::Hash32;
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::{WireError, parse_utc};

/// The fields of one entry (`kind` as a refusal names it: "erasure entry").
pub(super) struct CanonicalFields {
    pub kind: &'static str,
    pub seq: u64,
}

impl CanonicalFields {
    pub fn fail(&self, detail: String) -> WireError {
        WireError { seq: self.seq, detail }
    }

    /// A lowercase hyphenated UUID.
    pub fn uuid(&self, field: &str, text: &str) -> Result<Uuid, WireError> {
        Uuid::parse_str(text)
            .ok()
            .filter(|u| u.hyphenated().to_string() == text)
            .ok_or_else(|| self.fail(format!("{} {field} {text:?} is not a lowercase hyphenated UUID", self.kind)))
    }

    /// 64 lowercase hex digits.
    pub fn hash(&self, field: &str, text: &str) -> Result<Hash32, WireError> {
        Hash32::from_hex(text)
            .ok()
            .filter(|h| h.to_hex() == text)
            .ok_or_else(|| self.fail(format!("{} {field} {text:?} is not 64 lowercase hex digits", self.kind)))
    }

    /// A UTC time written `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn time(&self, field: &str, text: &str) -> Result<DateTime<Utc>, WireError> {
        parse_utc(text).filter(|t| format_utc(t) == text).ok_or_else(|| {
            self.fail(format!("{} {field} {text:?} is not a UTC time written YYYY-MM-DDTHH:MM:SS.mmmZ", self.kind))
        })
    }
}
