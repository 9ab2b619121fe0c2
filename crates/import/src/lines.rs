//! The shape of one line of agreement text: a list marker, a heading, or
//! the end of a sentence. Debris (page furniture, the signature block,
//! metadata) is told apart in `debris`.

/// Characters that start a bullet item when followed by whitespace.
const BULLET_GLYPHS: &[char] = &[
    '-', '–', '—', '•', '·', '▪', '■', '□', '◦', '○', '●', '‣', '⁃', '∙', '*', '➢', '➤', '►', '✓', '✔', 'Ø', '§', 'o',
];

/// How a list item is marked; items of one list share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MarkerClass {
    /// A bullet glyph.
    Bullet(char),
    /// `1.` or `1)`: the delimiter.
    Number(char),
    /// `(a)`, `a)`, `a.`: whether in brackets, and the delimiter.
    Letter(bool, char),
    /// `(i)`, `i)`, `i.`.
    Roman(bool, char),
    /// A bullet lost in a copy out of a PDF, leaving only indentation.
    Lost,
}

/// A list item's marker, split off its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Marker {
    pub class: MarkerClass,
    /// The number of a numbered item (`3.` -> 3).
    pub number: Option<u32>,
    /// The label as written for lettered and roman items (`(b)`), kept in the text.
    pub label: Option<String>,
    pub text: String,
}

/// Splits a bullet, number, letter or roman-numeral marker off the front of a line.
pub(super) fn list_marker(content: &str) -> Option<Marker> {
    let mut chars = content.chars();
    let first = chars.next()?;
    let after = chars.as_str();
    let gap = after.starts_with([' ', '\t']);
    let is_private_use = ('\u{E000}'..='\u{F8FF}').contains(&first);
    if gap && (BULLET_GLYPHS.contains(&first) || is_private_use) && !after.trim().is_empty() {
        let class = MarkerClass::Bullet(if is_private_use { '\u{F0B7}' } else { first });
        return Some(Marker { class, number: None, label: None, text: after.trim().to_owned() });
    }
    let bracketed = content.starts_with('(');
    let body = if bracketed { &content[1..] } else { content };
    let label_len = body.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(body.len());
    let (label, rest) = body.split_at(label_len);
    let delimiter = rest.chars().next()?;
    let text = rest[delimiter.len_utf8()..].strip_prefix([' ', '\t'])?.trim();
    if text.is_empty() || !matches!(delimiter, '.' | ')') || (bracketed && delimiter != ')') {
        return None;
    }
    let written = content[..content.len() - rest.len() + delimiter.len_utf8()].to_owned();
    let class = if label.len() <= 2 && label.chars().all(|c| c.is_ascii_digit()) && !bracketed {
        return Some(Marker {
            class: MarkerClass::Number(delimiter),
            number: label.parse().ok(),
            label: None,
            text: text.to_owned(),
        });
    } else if is_roman(label) {
        MarkerClass::Roman(bracketed, delimiter)
    } else if label.len() == 1 && (label.chars().all(|c| c.is_ascii_lowercase()) || bracketed) {
        MarkerClass::Letter(bracketed, delimiter)
    } else {
        return None;
    };
    Some(Marker { class, number: None, label: Some(written), text: text.to_owned() })
}

/// `i`, `ii`, `iv`, `xii`: lowercase roman numerals (up to 39).
fn is_roman(label: &str) -> bool {
    !label.is_empty() && label.len() <= 6 && label.chars().all(|c| matches!(c, 'i' | 'v' | 'x')) && {
        let stripped = label.trim_start_matches('x');
        matches!(stripped, "" | "i" | "ii" | "iii" | "iv" | "v" | "vi" | "vii" | "viii" | "ix")
    }
}

pub(super) fn is_terminal(text: &str) -> bool {
    text.trim_end().trim_end_matches(['*', '_', '"', '\'', '”', '’', ')']).ends_with(['.', '!', '?', ':', ';'])
}

pub(super) fn starts_lowercase(text: &str) -> bool {
    text.chars().find(|c| !matches!(c, '"' | '\'' | '“' | '‘' | '(')).is_some_and(char::is_lowercase)
}

/// A line wholly in Markdown emphasis (`**Governor declaration**`), without it.
pub(super) fn without_emphasis(text: &str) -> &str {
    for mark in ["**", "__", "*", "_"] {
        if let Some(inner) = text.strip_prefix(mark).and_then(|t| t.strip_suffix(mark))
            && !inner.is_empty()
            && !inner.contains(mark)
        {
            return inner.trim();
        }
    }
    text
}

/// A heading by its own shape (numbered, ALL CAPS, or a short title-like
/// line); context rules live in the caller.
pub(super) fn heading_shape(text: &str) -> bool {
    let words = text.split_whitespace().count();
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 2 || text.trim_end().ends_with(['.', ',', ';', ':', '!', '?']) || words > 12 {
        return false;
    }
    // "I will keep my password secret" is a statement of the agreement
    // that lost its full stop, not a section title.
    if text.starts_with("I ") || text.starts_with("We ") {
        return false;
    }
    let starts_upper =
        text.chars().find(|c| c.is_alphanumeric()).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
    is_all_caps(text) || (starts_upper && words <= 8)
}

pub(super) fn is_all_caps(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 3 && letters.iter().all(|c| !c.is_lowercase())
}

/// `Email:`, `Social Media:`, `Portable Devices and Removable Media:` — a
/// short title-case label that heads what follows. A lead-in sentence
/// (`Staff must:`, `It applies to:`) has lowercase words and stays text.
pub(super) fn colon_heading(text: &str) -> Option<&str> {
    const SMALL: &[&str] = &["and", "or", "of", "the", "a", "an", "for", "to", "in", "on", "with", "&", "/", "-", "–"];
    let label = text.strip_suffix(':')?.trim_end();
    let words: Vec<&str> = label.split_whitespace().collect();
    let title_case = words.iter().all(|w| {
        SMALL.contains(&w.to_lowercase().as_str())
            || w.chars().next().is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
    });
    let first_upper = label.chars().next().is_some_and(char::is_uppercase);
    (!words.is_empty()
        && words.len() <= 6
        && title_case
        && first_upper
        && !label.starts_with("I ")
        && !label.contains(':'))
    .then_some(label)
}

/// Words that join two halves of a title wrapped over two lines.
pub(super) fn is_connective(word: &str) -> bool {
    matches!(word.to_lowercase().as_str(), "and" | "or" | "for" | "of" | "the" | "in" | "to" | "&" | "a" | "with" | "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(line: &str) -> Option<(MarkerClass, Option<u32>, Option<String>, String)> {
        list_marker(line).map(|m| (m.class, m.number, m.label, m.text))
    }

    #[test]
    fn list_markers() {
        assert_eq!(class("· that staff will"), Some((MarkerClass::Bullet('·'), None, None, "that staff will".into())));
        assert_eq!(
            class("o will only use AI"),
            Some((MarkerClass::Bullet('o'), None, None, "will only use AI".into()))
        );
        assert_eq!(class("\u{F0A7}\tPrivate use").map(|c| c.0), Some(MarkerClass::Bullet('\u{F0B7}')));
        assert_eq!(class("2. I will"), Some((MarkerClass::Number('.'), Some(2), None, "I will".into())));
        assert_eq!(class("12) I will"), Some((MarkerClass::Number(')'), Some(12), None, "I will".into())));
        assert_eq!(
            class("(b) governors;"),
            Some((MarkerClass::Letter(true, ')'), None, Some("(b)".into()), "governors;".into()))
        );
        assert_eq!(class("c) report").map(|c| c.0), Some(MarkerClass::Letter(false, ')')));
        assert_eq!(
            class("iii. files").map(|c| (c.0, c.2)),
            Some((MarkerClass::Roman(false, '.'), Some("iii.".into())))
        );
        assert_eq!(class("(iv) files").map(|c| c.0), Some(MarkerClass::Roman(true, ')')));
        for not_a_marker in
            ["only five", "2026 was a year", "I will", "e.g. laptops", "Mr. Evans said", "-", "A. N. Other"]
        {
            assert_eq!(class(not_a_marker), None, "{not_a_marker:?}");
        }
    }

    #[test]
    fn colon_headings_are_title_case_labels_only() {
        assert_eq!(colon_heading("Email:"), Some("Email"));
        assert_eq!(
            colon_heading("Portable Devices and Removable Media:"),
            Some("Portable Devices and Removable Media")
        );
        for lead_in in ["Staff must:", "It applies to:", "When I use school systems and devices:", "I Will:"] {
            assert_eq!(colon_heading(lead_in), None, "{lead_in:?}");
        }
    }
}
