//! Signers' names and organisations: what is accepted, and how it is cleaned.
//!
//! A name is trimmed, runs of whitespace collapse to one space, and the
//! result is NFC-normalised, so "Zoë" typed with a combining diaeresis and
//! "Zoë" typed precomposed are the same name. Any script is fine. Refused:
//! control characters, bidirectional overrides, zero-width and other
//! invisible characters (they let a name *look* like someone else's), and
//! "names" with no letter at all.

use unicode_normalization::UnicodeNormalization;

/// Longest accepted name or organisation, in Unicode scalar values after
/// normalisation.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a typed name or organisation was refused. The message is written for
/// the person at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum NameError {
    /// Nothing but spaces was typed.
    #[error("Please type your {field}.")]
    Empty {
        /// "name" or "organisation".
        field: &'static str,
    },
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("That {field} is too long ({len} characters). Please shorten it to {max} characters or fewer.")]
    TooLong {
        /// "name" or "organisation".
        field: &'static str,
        /// Characters typed, after normalisation.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A control, bidi-override, zero-width or other invisible character.
    #[error(
        "Your {field} contains a hidden character ({codepoint}) that cannot be stored. Please clear it and type it again."
    )]
    HiddenCharacter {
        /// "name" or "organisation".
        field: &'static str,
        /// The character, as `U+XXXX`.
        codepoint: String,
    },
    /// Digits and punctuation only.
    #[error("Please type your {field} using letters.")]
    NoLetters {
        /// "name" or "organisation".
        field: &'static str,
    },
}

impl NameError {
    /// Every code [`NameError::code`] returns (kept complete by a test).
    pub const CODES: &[&str] = &[
        "name_empty",
        "name_too_long",
        "name_hidden_character",
        "name_no_letters",
        "organisation_empty",
        "organisation_too_long",
        "organisation_hidden_character",
        "organisation_no_letters",
    ];

    /// Stable code for the kiosk UI; `organisation_*` when the
    /// organisation field is the one refused, so the UI can say which.
    pub fn code(&self) -> &'static str {
        let organisation = self.field() == "organisation";
        match self {
            NameError::Empty { .. } if organisation => "organisation_empty",
            NameError::TooLong { .. } if organisation => "organisation_too_long",
            NameError::HiddenCharacter { .. } if organisation => "organisation_hidden_character",
            NameError::NoLetters { .. } if organisation => "organisation_no_letters",
            NameError::Empty { .. } => "name_empty",
            NameError::TooLong { .. } => "name_too_long",
            NameError::HiddenCharacter { .. } => "name_hidden_character",
            NameError::NoLetters { .. } => "name_no_letters",
        }
    }

    /// The field refused: `"name"` or `"organisation"`.
    pub fn field(&self) -> &'static str {
        match self {
            NameError::Empty { field }
            | NameError::TooLong { field, .. }
            | NameError::HiddenCharacter { field, .. }
            | NameError::NoLetters { field } => field,
        }
    }
}

/// Cleans and checks a signer's name.
///
/// ```
/// use signbook_core::name::normalise_name;
/// assert_eq!(normalise_name("  Siân   O'Brien ").unwrap(), "Siân O'Brien");
/// assert!(normalise_name("Ja\u{202E}ne").is_err());
/// ```
pub fn normalise_name(input: &str) -> Result<String, NameError> {
    normalise(input, "name")
}

/// Cleans and checks an organisation; blank means "none given".
pub fn normalise_organisation(input: Option<&str>) -> Result<Option<String>, NameError> {
    match input {
        Some(text) if !text.trim().is_empty() => normalise(text, "organisation").map(Some),
        _ => Ok(None),
    }
}

/// The name to greet someone by: its first word ("Thank you, Siân").
pub fn first_name(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}

fn normalise(input: &str, field: &'static str) -> Result<String, NameError> {
    let chars: Vec<char> = input.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let joiner_in_word = is_contextual_joiner(c)
            && i > 0
            && chars.get(i + 1).is_some_and(|&next| is_non_latin_letter(next))
            && is_non_latin_letter(chars[i - 1]);
        if is_hidden(c) && !joiner_in_word {
            return Err(NameError::HiddenCharacter { field, codepoint: format!("U+{:04X}", c as u32) });
        }
    }
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let name: String = collapsed.nfc().collect();
    let len = name.chars().count();
    if len == 0 {
        return Err(NameError::Empty { field });
    }
    if len > MAX_NAME_CHARS {
        return Err(NameError::TooLong { field, len, max: MAX_NAME_CHARS });
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(NameError::NoLetters { field });
    }
    Ok(name)
}

/// ZWJ and ZWNJ are part of correct spelling in Persian and Indic scripts, so
/// they are allowed between two letters of such scripts and nowhere else.
fn is_contextual_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

fn is_non_latin_letter(c: char) -> bool {
    c.is_alphabetic() && (c as u32) > 0x024F
}

/// Controls (category Cc, tab and line breaks included), a fixed list of
/// format and invisible characters (bidi controls, zero-width, soft hyphen,
/// fillers, variation selectors, tags: not every Cf character),
/// private-use characters and non-characters. The list is part of the
/// record format (`docs/record-format.md`, section 2): changing it changes
/// which stored names verify as normalised.
fn is_hidden(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && c != ' ')
        || matches!(u,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFDD0..=0xFDEF)
        || (u & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_any_script_are_accepted_and_cleaned() {
        for (typed, stored) in [
            ("Zoë", "Zoë"),
            ("Zoe\u{0308} Smith", "Zoë Smith"), // combining diaeresis -> NFC
            ("  O'Brien  ", "O'Brien"),
            ("Mary   Jane\u{00A0}Watson", "Mary Jane Watson"),
            ("Nguyễn Văn An", "Nguyễn Văn An"),
            ("李小龍", "李小龍"),
            ("محمد", "محمد"),
            ("Siân Lloyd-Jones", "Siân Lloyd-Jones"),
            ("می\u{200C}خواهم", "می\u{200C}خواهم"), // Persian ZWNJ between letters
        ] {
            assert_eq!(normalise_name(typed).as_deref(), Ok(stored), "{typed:?}");
        }
    }

    #[test]
    fn each_bad_name_gets_its_own_error() {
        let long = "a".repeat(101);
        for (typed, code) in [
            ("", "name_empty"),
            ("   \t ", "name_hidden_character"), // a tab is a control character
            ("    ", "name_empty"),
            (long.as_str(), "name_too_long"),
            ("12345", "name_no_letters"),
            ("!!!", "name_no_letters"),
            ("Jane\u{0007}", "name_hidden_character"),
            ("Jane\nSmith", "name_hidden_character"),
            ("Ja\u{202E}enj", "name_hidden_character"), // right-to-left override
            ("Ja\u{2066}ne", "name_hidden_character"),  // isolate
            ("Jo\u{200B}hn", "name_hidden_character"),  // zero-width space
            ("Jo\u{200D}hn", "name_hidden_character"),  // ZWJ between Latin letters
            ("\u{FEFF}John", "name_hidden_character"),  // BOM
            ("Jo\u{00AD}hn", "name_hidden_character"),  // soft hyphen
            ("John\u{E000}", "name_hidden_character"),  // private use
        ] {
            assert_eq!(normalise_name(typed).map_err(|e| e.code()), Err(code), "{typed:?}");
        }
    }

    #[test]
    fn exactly_one_hundred_characters_is_the_limit() {
        assert!(normalise_name(&"é".repeat(100)).is_ok());
        let err = normalise_name(&"é".repeat(101)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "That name is too long (101 characters). Please shorten it to 100 characters or fewer."
        );
    }

    #[test]
    fn hidden_character_message_names_the_code_point() {
        let err = normalise_name("Ja\u{202E}ne").unwrap_err();
        assert!(err.to_string().contains("U+202E"), "{err}");
    }

    #[test]
    fn blank_organisation_means_none() {
        assert_eq!(normalise_organisation(None), Ok(None));
        assert_eq!(normalise_organisation(Some("   ")), Ok(None));
        assert_eq!(normalise_organisation(Some(" Acme  Ltd ")), Ok(Some("Acme Ltd".into())));
        // Stored as typed; the CSV export is what neutralises formulas.
        assert_eq!(normalise_organisation(Some("=HYPERLINK(\"x\")")), Ok(Some("=HYPERLINK(\"x\")".into())));
    }

    #[test]
    fn first_name_is_the_first_word() {
        assert_eq!(first_name("Siân Lloyd-Jones"), "Siân");
        assert_eq!(first_name("李小龍"), "李小龍");
    }
}
