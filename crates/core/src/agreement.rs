//! Agreement versions: the Markdown text people sign, and its identity.
//!
//! A version is identified by the SHA-256 of its *canonical text*: the
//! Markdown with a leading BOM dropped, CRLF and CR line endings turned into
//! LF, trailing spaces and tabs removed from every line, leading and trailing
//! blank lines removed, Unicode NFC applied, and exactly one final LF. So the
//! same agreement saved on Windows or macOS, or re-typed with a decomposed
//! "é", is the same version; any change a reader could see is a new one.

use chrono::{DateTime, Utc};
use unicode_normalization::UnicodeNormalization;

use crate::hash::Hash32;
use crate::role::Role;

/// Largest accepted agreement text. A long real AUP is ~30 KB.
pub const MAX_AGREEMENT_BYTES: usize = 1024 * 1024;
/// Longest accepted title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// A published agreement version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementVersion {
    /// SHA-256 of [`Self::text`]: the version's identity.
    pub hash: Hash32,
    /// Title shown above the text and in exports.
    pub title: String,
    /// Canonical Markdown text.
    pub text: String,
    /// Roles this version was published for.
    pub roles: Vec<Role>,
    /// When it was first published.
    pub published_at: DateTime<Utc>,
}

/// A version with how many records name it, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementSummary {
    /// The version.
    pub version: AgreementVersion,
    /// Roles for which it is the current version.
    pub current_for: Vec<Role>,
    /// Records that name this version.
    pub signatures: u64,
}

/// Why an agreement could not be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum AgreementError {
    /// No text after canonicalisation.
    #[error("the agreement text is empty; check you chose the right file")]
    EmptyText,
    /// Larger than [`MAX_AGREEMENT_BYTES`].
    #[error("the agreement text is {bytes} bytes, more than the {max} allowed; is this really the agreement?")]
    TooLarge {
        /// Size given.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// Blank title.
    #[error("the agreement needs a title (for example \"IT Acceptable Use Agreement 2026\")")]
    EmptyTitle,
    /// Over [`MAX_TITLE_CHARS`] or containing a line break.
    #[error("the title must be one line of at most {max} characters")]
    BadTitle {
        /// The limit.
        max: usize,
    },
    /// Published for no role.
    #[error("say which roles the agreement is for (for example visitor,staff)")]
    NoRoles,
}

impl AgreementError {
    /// Every code [`AgreementError::code`] returns (kept complete by a test).
    pub const CODES: &[&str] = &[
        "agreement_empty",
        "agreement_too_large",
        "agreement_title_empty",
        "agreement_title_invalid",
        "agreement_no_roles",
    ];

    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            AgreementError::EmptyText => "agreement_empty",
            AgreementError::TooLarge { .. } => "agreement_too_large",
            AgreementError::EmptyTitle => "agreement_title_empty",
            AgreementError::BadTitle { .. } => "agreement_title_invalid",
            AgreementError::NoRoles => "agreement_no_roles",
        }
    }
}

/// The canonical form of an agreement's Markdown (see the module docs).
///
/// ```
/// use signbook_core::agreement::canonical_text;
/// assert_eq!(canonical_text("\u{feff}# AUP  \r\n\r\nBe kind.\r\n\r\n"), "# AUP\n\nBe kind.\n");
/// ```
pub fn canonical_text(markdown: &str) -> String {
    let text = markdown.strip_prefix('\u{feff}').unwrap_or(markdown);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches([' ', '\t'])).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    let (Some(first), Some(last)) = (first, last) else { return String::new() };
    let mut out: String = lines[first..=last].join("\n").nfc().collect();
    out.push('\n');
    out
}

/// The version identity of some Markdown: SHA-256 of its canonical text.
pub fn agreement_hash(markdown: &str) -> Hash32 {
    Hash32::of(canonical_text(markdown).as_bytes())
}

/// Checks text, title and roles, returning the canonical text and clean
/// title: the rules for publishing, at a kiosk or at the office.
pub fn check_publishable(markdown: &str, title: &str, roles: &[Role]) -> Result<(String, String), AgreementError> {
    if markdown.len() > MAX_AGREEMENT_BYTES {
        return Err(AgreementError::TooLarge { bytes: markdown.len(), max: MAX_AGREEMENT_BYTES });
    }
    let text = canonical_text(markdown);
    if text.is_empty() {
        return Err(AgreementError::EmptyText);
    }
    let title: String = title.trim().nfc().collect();
    if title.is_empty() {
        return Err(AgreementError::EmptyTitle);
    }
    if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
        return Err(AgreementError::BadTitle { max: MAX_TITLE_CHARS });
    }
    if roles.is_empty() {
        return Err(AgreementError::NoRoles);
    }
    Ok((text, title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_agreement_from_different_editors_has_one_identity() {
        let unix = "# AUP\n\nI will keep my password secret.\n";
        for variant in [
            "# AUP\r\n\r\nI will keep my password secret.\r\n",
            "# AUP\r\rI will keep my password secret.\r",
            "\u{feff}# AUP   \n\t\nI will keep my password secret.\t\n\n\n",
            "\n\n# AUP\n\nI will keep my password secret.",
        ] {
            assert_eq!(agreement_hash(variant), agreement_hash(unix), "{variant:?}");
        }
        assert_eq!(agreement_hash("Café\n"), agreement_hash("Cafe\u{301}\n"));
    }

    #[test]
    fn a_visible_change_is_a_new_version() {
        let base = agreement_hash("# AUP\n\nI will keep my password secret.\n");
        for changed in [
            "# AUP\n\nI will keep my passwords secret.\n",
            "# AUP\nI will keep my password secret.\n",
            "#  AUP\n\nI will keep my password secret.\n",
            "# AUP\n\n  I will keep my password secret.\n", // leading spaces matter in Markdown
        ] {
            assert_ne!(agreement_hash(changed), base, "{changed:?}");
        }
    }

    #[test]
    fn canonical_hash_is_pinned() {
        // Changing canonicalisation changes every version's identity: a new format version, never an edit.
        assert_eq!(
            agreement_hash("# AUP\r\n\r\nI will keep my password secret.  \r\n").to_hex(),
            Hash32::of(b"# AUP\n\nI will keep my password secret.\n").to_hex()
        );
    }

    #[test]
    fn unpublishable_agreements_are_refused() {
        let visitor = vec![Role::new("visitor").unwrap()];
        let huge = "a".repeat(MAX_AGREEMENT_BYTES + 1);
        for (text, title, roles, code) in [
            ("  \n\r\n ", "AUP", visitor.clone(), "agreement_empty"),
            (huge.as_str(), "AUP", visitor.clone(), "agreement_too_large"),
            ("text", "  ", visitor.clone(), "agreement_title_empty"),
            ("text", "line\nbreak", visitor.clone(), "agreement_title_invalid"),
            ("text", "AUP", vec![], "agreement_no_roles"),
        ] {
            assert_eq!(check_publishable(text, title, &roles).map(|_| ()).map_err(|e| e.code()), Err(code));
        }
    }
}
